/*
 * fmlib.h - what fmwrite and fmread share: exit codes, error lines, the
 * command line (fmlib.c), and windows of views onto a file mapping
 * (views.c). Written once, used by both.
 */
#ifndef FMLIB_H
#define FMLIB_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <psapi.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "memdata.h"

/*
 * Publishing, by contract rather than by the hardware's kindness: the
 * writer stores the header's `published` count and `state` with release
 * order (all it wrote before is visible first), readers load them with
 * acquire order (what they read after is at least that new). On x86 and
 * x64 these are plain moves the compiler may not reorder; on ARM64 they are
 * stlr/ldar. gcc and clang (clang-cl too) have the __atomic built-ins;
 * Microsoft's cl has WriteRelease64 and friends in its winnt.h. A 64-bit
 * load or store is one access even in a 32-bit program.
 */
#if defined(_MSC_VER) && !defined(__clang__)
#define store_release32(p, v) WriteRelease((volatile LONG *)(p), (LONG)(v))
#define store_release64(p, v) WriteRelease64((volatile LONG64 *)(p), (LONG64)(v))
#define load_acquire32(p) ((uint32_t)ReadAcquire((const volatile LONG *)(p)))
#define load_acquire64(p) ((uint64_t)ReadAcquire64((const volatile LONG64 *)(p)))
#else
#define store_release32(p, v) __atomic_store_n((uint32_t *)(p), (uint32_t)(v), __ATOMIC_RELEASE)
#define store_release64(p, v) __atomic_store_n((uint64_t *)(p), (uint64_t)(v), __ATOMIC_RELEASE)
#define load_acquire32(p) __atomic_load_n((const uint32_t *)(p), __ATOMIC_ACQUIRE)
#define load_acquire64(p) __atomic_load_n((const uint64_t *)(p), __ATOMIC_ACQUIRE)
#endif

#define FM_VERSION L"2.0"     /* writes MEMORYDATA version 2; 1.0 wrote version 1 */

/* The exit codes (README; each program's --help lists its own). */
enum {
	EXIT_OK,        /* success */
	EXIT_USAGE,     /* bad command line */
	EXIT_SYSTEM,    /* a system call failed */
	EXIT_DATA,      /* not a valid, complete MEMORYDATA file */
	EXIT_TIMEOUT,   /* gave up waiting (fmread) */
	EXIT_INTERRUPTED, /* Ctrl+C, Ctrl+Break or the console closed */
	EXIT_INTERNAL   /* a bug: an exception nobody expected */
};

#define NOT_YET (-1)    /* not there or not complete yet: worth waiting for */
#define HALTED (-3)     /* work stopped by Ctrl+C or by the other half's failure; unsaid */

/* Everything either program can be told; each takes what its table lists. */
struct args {
	const wchar_t *file;
	const wchar_t *name;     /* --name: the mapping's name */
	uint64_t count;          /* -n, --count */
	uint64_t hold;           /* --hold: seconds to keep the mapping for readers */
	uint64_t wait;           /* --wait: seconds to wait for a writer */
	uint64_t readers;        /* --readers: how many readers a hold waits for */
	int force;               /* --force */
	int check;               /* --check */
	int quiet;               /* -q, --quiet */
	int no_file;             /* --no-file: backed by the paging file */
	int global;              /* --global: Global\ rather than Local\ */
	int follow;              /* --follow: print a writer's blocks as it writes them */
};

enum opt_kind { OPT_FLAG, OPT_COUNT, OPT_SECONDS, OPT_STRING, OPT_READERS };
#define MAX_READERS 10000u
#define MAX_SECONDS 1000000u      /* 11 days: still fits a DWORD of milliseconds */
#define NAME_MAX 260              /* an object name, with its prefix */

struct option {
	const wchar_t *short_name, *long_name;
	enum opt_kind kind;
	size_t offset;           /* where in struct args the value goes */
};

extern const wchar_t *prog;  /* "fmwrite" or "fmread", for every line */
extern const wchar_t exit_codes[];  /* the program's own, for --help */

/* Returns -1 to go on, or the exit code when there is nothing more to do. */
int parse_args(int argc, wchar_t **argv, const struct option *opts,
    const wchar_t *usage, struct args *a);

/* Lines on stdout and stderr, each made whole (line.h) and written under one lock. */
int say(const wchar_t *fmt, ...);
int say_escaped(const wchar_t *fmt, ...);
void msg(const wchar_t *fmt, ...);
void note(const wchar_t *fmt, ...);
void set_fate(const wchar_t *fmt, ...);
void info(const struct args *a, const wchar_t *fmt, ...);
int fail(const wchar_t *call, const wchar_t *subject, DWORD err);
void warn(const wchar_t *call, const wchar_t *subject, DWORD err);
void close_handle(HANDLE h, const wchar_t *subject);
int failx(int code, const wchar_t *fmt, ...);
int write_all(HANDLE h, const void *buf, DWORD len);

/*
 * A window onto a mapping: at most FM_WINDOW bytes of it are mapped at a
 * time, so memory use stays bounded and a 32-bit build can walk a file
 * larger than its address space.
 */
#define FM_WINDOW ((size_t)32 << 20)
#define FM_GRAIN 65536u          /* views start on multiples of it (allocation granularity) */
/* Data of more bytes than two windows is worth a second thread (win_halves). */
#define FM_LARGE(bytes) ((bytes) > 2 * (uint64_t)FM_WINDOW)

struct window {
	HANDLE map;              /* the mapping the views come from */
	uint64_t size;           /* bytes in the mapping */
	DWORD access;            /* FILE_MAP_READ or FILE_MAP_WRITE */
	const wchar_t *subject;  /* file or mapping name, for messages */
	uint64_t off;            /* where the mapped view starts */
	size_t len;              /* its length; 0 when nothing is mapped */
	unsigned char *base;
};

int win_at(struct window *w, uint64_t pos, unsigned char **p, size_t *avail);
int win_close(struct window *w);
typedef int each_fn(void *ctx, int32_t *data, size_t n, uint64_t first);
int win_each(struct window *w, uint64_t from, uint64_t to, each_fn *fn, void *ctx,
    const volatile LONG *halt);
int win_halves(struct window w[2], uint64_t count, uint32_t block, each_fn *fn, void *ctx[2]);
void on_fault(struct window w[2], int code, const wchar_t *what, const wchar_t *why,
    const wchar_t *file);
void off_fault(struct window w[2]);
void on_abort(void (*abandon)(void));
void abort_with(int code, const wchar_t *fmt, ...);
extern volatile LONG aborting;   /* the id of the thread in abort_with, 0 if none */
void let_go_of_views(void);

#define BAD_BLOCK (-5)  /* a block does not match its sum; unsaid */

/* A walk over the data block by block (memdata.h, version 2); views.c. */
struct blocks {
	uint64_t count;
	uint32_t block;          /* 0: version 1, no blocks */
	int publish;             /* moves the header's published count */
	struct md_sum sum;       /* the blocks done so far, joined */
	struct md_sum blk;       /* the block under way */
	struct window tab;       /* onto the block sums */
	struct window head;      /* onto the header, to publish */
};
void blocks_start(struct blocks *b, const struct md_header *h, const struct window *like, int publish);
int blocks_add(struct blocks *b, int32_t *data, size_t n, uint64_t first, int fill);
int blocks_end(struct blocks *b);

/* Progress on a console: "fmwrite: 45% 1234 MB/s", rewritten in place. */
struct progress {
	HANDLE console;          /* stderr if it is a console and not -q; else NULL */
	const wchar_t *what;
	uint64_t total;          /* bytes the whole job passes over */
	volatile LONG64 done;
	ULONGLONG start;
	volatile LONG64 shown;   /* when it last printed (ms); 0: never */
};

void progress_start(struct progress *p, const struct args *a, const wchar_t *what, uint64_t total);
void progress_add(struct progress *p, uint64_t bytes);
void progress_end(struct progress *p);

/*
 * A file's volume serial and 128-bit ID: FILE_ID_INFO, which
 * GetFileInformationByHandleEx(FileIdInfo) fills. Spelt out here because not
 * every SDK has it (Wine's headers, which the MSVC-ABI build uses, do not).
 */
struct file_id {
	ULONGLONG volume;        /* VolumeSerialNumber */
	BYTE id[16];             /* FileId */
};

/*
 * Where FILE is (locate): "\\?\" and its folder's final path, through links,
 * then its own long name when it exists (else as given); and its folder's
 * identity, which names it.
 */
/* a share mode that stands in nobody's way: for opens that only look */
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
#define FM_PATH 32768             /* the longest path Windows takes, in wchar_t */
struct place {
	wchar_t path[FM_PATH];
	size_t leaf;             /* where in path the file's own name starts */
	int exists;
	int disk;                /* it exists and is a file (not a pipe or a device) */
	int fold;                /* the folder ignores case: the name does too */
	struct file_id dir;      /* the folder's volume and file ID */
};

int locate(const wchar_t *file, struct place *pl);
int object_name(const struct args *a, const struct place *pl, wchar_t name[NAME_MAX]);
enum { MAPS_OTHER, MAPS_FILE, MAPS_NEW_FILE, MAPS_GONE, MAPS_UNKNOWN };
int mapped_file(HANDLE map, const wchar_t *file, const struct place *pl, int *what);
int is_file(const wchar_t *path, const struct file_id *id);
int check_owner(HANDLE h, const wchar_t *subject, int *mine, wchar_t owner[96]);
int owner_only(SECURITY_ATTRIBUTES *sa, const wchar_t *subject);
int open_event(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const wchar_t *suffix, int counting,
    HANDLE *ev);
int own_writer_mutex(SECURITY_ATTRIBUTES *sa, const wchar_t *name, HANDLE *m);
int watch_interrupts(void);
HANDLE interrupt_event(void);
extern volatile LONG interrupted;
int interrupted_while(const wchar_t *doing, const wchar_t *subject);

#endif /* FMLIB_H */
