/*
 * common.h - what every file of the programs shares: <windows.h>, the exit
 * codes, the outcomes that are not exit codes, the memory order of the
 * publishing protocol, and the limits of names and paths. Each file's own
 * header says what that file holds.
 */
#ifndef COMMON_H
#define COMMON_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * What a function found, when it is not an exit code: one of these, for its
 * caller to act on (and to say, if anything is to be said). They share the
 * int with the exit codes (0..6), so they are negative.
 */
enum outcome {
	NOT_YET = -1,        /* not there or not complete yet: worth waiting for */
	NOT_OURS = -2,       /* a live mapping that is not to be read: read the file */
	HALTED = -3,         /* stopped by Ctrl+C or by the other half's failure; not reported */
	WRITING = -4,        /* a live mapping of FILE's writer, still writing */
	BAD_BLOCK = -5,      /* a block does not match its sum; not reported */
	FOLLOW = -6,         /* check_header: a writer at work, to follow */
	NOT_FOLLOWED = -7,   /* follow: version-1 data, which cannot be followed */
	STALLED = -8         /* follow: nothing new for --wait seconds */
};

#define NAME_MAX 260              /* an object name, with its prefix */
#define FM_PATH 32768             /* the longest path Windows takes, in wchar_t */

extern const wchar_t *prog;  /* "fmwrite" or "fmread", for every line */

/*
 * Is this Wine? Its ntdll says so; Windows' has no such export. Only the
 * workarounds for Linux ask (views.c, writebehind.c), each in a function
 * named for what it works around.
 */
static inline int under_wine(void)
{
	return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
}

#endif /* COMMON_H */
