/*
 * fmread - print the integers of a MEMORYDATA file or live mapping, one per
 * line, after checking that it is complete and intact.
 *
 *   fmread data.bin               0, 1, ... on stdout
 *   fmread --check data.bin       one line: valid or not, and why
 *   fmread --wait 30 data.bin     wait for its writer to finish first
 *   fmread --name demo            a writer's mapping, by name only
 *   fmread --follow data.bin      print while the writer writes, block by block
 *
 * While a writer holds the file's mapping, fmread attaches to it
 * (OpenFileMappingW, no file I/O); otherwise it maps the file: CreateFileW
 * (read-only), CreateFileMappingW (PAGE_READONLY, size 0: the whole file).
 * Then MapViewOfFile (FILE_MAP_READ), check, print, UnmapViewOfFile,
 * CloseHandle. Nothing is printed until the header and the checksum over all
 * the data have been checked; following, until each block's own checksum has.
 *
 * Build: make (mingw-w64), or see README.md.
 */
#include "args.h"
#include "blocks.h"
#include "console.h"
#include "fault.h"
#include "follow.h"
#include "header.h"
#include "output.h"
#include "wait.h"
#include "memdata.h"
#include "msg.h"
#include "names.h"
#include "security.h"
#include "views.h"

#include <wchar.h>

const wchar_t *prog = L"fmread";

static const wchar_t usage[] =
	L"usage: fmread [options] FILE\n"
	L"       fmread [options] --name NAME\n"
	L"Checks FILE, a MEMORYDATA file written by fmwrite, and prints its\n"
	L"integers on stdout, one per line. While fmwrite --hold holds FILE's\n"
	L"mapping, reads that instead of the file.\n"
	L"\n"
	L"  --check          check only; print a one-line summary\n"
	L"  --name NAME      read the mapping NAME (in Local\\ unless it says\n"
	L"                   Global\\), as fmwrite --name NAME made it\n"
	L"  --global         look in Global\\ for FILE's mapping\n"
	L"  --wait SECONDS   wait up to SECONDS for the writer to finish (following:\n"
	L"                   for anything new)\n"
	L"  --follow         while the writer is writing, print each block as soon as\n"
	L"                   it is written and checked; the output is the same. If the\n"
	L"                   writer ends without finishing: exit 3, what was printed\n"
	L"                   is the first integers, whole blocks, and said how many\n"
	L"  -q, --quiet      print nothing but the data and errors\n"
	L"  -h, --help, /?   this text\n"
	L"  --version        the version\n";

const wchar_t exit_codes[] =
	L"\nExit codes:\n"
	L"  0  printed (or checked): FILE is valid and complete\n"
	L"  1  usage error\n"
	L"  2  a system call failed (not found, access denied, a failed write)\n"
	L"  3  the data is not valid, complete MEMORYDATA data, it changed while it\n"
	L"     was printed, or (--follow) its writer ended without finishing: discard\n"
	L"     what was printed\n"
	L"  4  timed out waiting (--wait)\n"
	L"  5  interrupted (Ctrl+C, Ctrl+Break, the console closed)\n"
	L"  6  internal error (a bug)\n";

static const struct option options[] = {
	{ NULL, L"--check", OPT_FLAG, offsetof(struct args, check) },
	{ NULL, L"--name", OPT_STRING, offsetof(struct args, name) },
	{ NULL, L"--global", OPT_FLAG, offsetof(struct args, global) },
	{ NULL, L"--wait", OPT_SECONDS, offsetof(struct args, wait) },
	{ NULL, L"--follow", OPT_FLAG, offsetof(struct args, follow) },
	{ NULL, NULL, OPT_FLAG, 0 }
};

/* What printing keeps: the progress, and the sum of exactly what was formatted. */
struct printing {
	struct progress *progress;
	struct md_sum sum;
};

/*
 * Each run is copied out of the view, then summed and formatted from the
 * copy: what is printed is what is summed, whatever happens to the view
 * meanwhile, and show() holds that sum against the one it checked.
 */
static int print(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	static int32_t copy[RUN];
	struct printing *pr = ctx;
	size_t i, m;
	int rc;

	(void)first;
	progress_add(pr->progress, n * sizeof *data);
	for (i = 0; i < n; i += m) {
		m = n - i < RUN ? n - i : RUN;
		memcpy(copy, data + i, m * sizeof *copy);
		MemoryBarrier();         /* the compiler may not read the view again for the copy */
		md_sum_add(&pr->sum, copy, m);
		if ((rc = emit(copy, m)) != 0)
			return rc;
	}
	return 0;
}

/* What each half of the checking pass keeps: its blocks; the progress is shared. */
struct pass {
	struct blocks blocks;
	struct progress *progress;
};

static int add(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	struct pass *p = ctx;

	progress_add(p->progress, n * sizeof *data);
	return blocks_add(&p->blocks, data, n, first, 0);
}

/*
 * The header's verdict: 0 to go on, NOT_YET (unfinished, and the caller can
 * wait), FOLLOW (a writer is at work on version-2 data, and the reader
 * follows it), or the exit code of the line said. `live` is the mapping's name when
 * a writer's live mapping is read, NULL for a file, which must end where its
 * data ends; `via` says which mapping, for the line.
 */
static int check_header(struct window w[2], int can_wait, int follow, const wchar_t *live,
    const wchar_t *via, struct md_header *h)
{
	enum md_status st;
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(&w[0], 0, &p, &avail)) != 0)
		return rc;
	st = read_header(p, w[0].size, live != NULL, h);
	/* sized while its writer had not written the header yet */
	if (st == MD_ETRUNCATED && live != NULL && (rc = sized(w, live, h, &st)) != 0)
		return rc;
	if (st == MD_EINCOMPLETE && follow && live != NULL && (h->version == 2 || h->count == 0))
		return FOLLOW;
	if (st == MD_EINCOMPLETE && can_wait)
		return NOT_YET;
	if (st == MD_EINCOMPLETE)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: incomplete: %ls", w[0].subject, via, live != NULL ?
		    L"its writer is still writing it" : L"its writer stopped before it finished");
	if (st != MD_OK)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(st));
	if (live == NULL && w[0].size != md_size(h))
		return fail_with(EXIT_DATA, L"\"%ls\": %llu bytes after the end of its data: not a "
		    L"MEMORYDATA file as written", w[0].subject,
		    (unsigned long long)(w[0].size - md_size(h)));
	return 0;
}

/* The printing pass, through w: what is printed must sum to the checksum. */
static int print_all(struct window *w, const struct md_header *h, struct progress *progress,
    const wchar_t *via)
{
	struct printing pr;
	int rc;

	start_output();
	pr.progress = progress;
	md_sum_init(&pr.sum);
	rc = win_each(w, 0, h->count, print, &pr, NULL);
	/* the last block goes out only when what was printed is what was checked */
	if (rc == 0 && md_sum_final(&pr.sum) != h->checksum)
		rc = fail_with(EXIT_DATA, L"\"%ls\"%ls: the data changed while it was printed; "
		    L"the output is not valid", w->subject, via);
	if ((rc = end_output(rc)) == HALTED)
		rc = interrupted_while(L"printing", w->subject);
	return rc;
}

/*
 * Checks the header, then the checksum over all the data (in two halves, on
 * two threads: reading memory is its cost), then prints through w[0].
 * `live` as for check_header.
 */
static int show(struct window w[2], const struct args *a, int can_wait, const wchar_t *live)
{
	wchar_t via[NAME_MAX + 24];
	struct md_header h;
	struct pass pass[2];
	void *ctx[2] = { &pass[0], &pass[1] };
	struct progress progress;
	DWORD mode;
	int rc, bad, k;

	via[0] = 0;
	if (live != NULL && a->file != NULL)
		swprintf(via, NAME_MAX + 24, L" (live mapping \"%ls\")", live);
	rc = check_header(w, can_wait, a->follow, live, via, &h);
	if (rc == FOLLOW && (rc = follow(w, a, live, via)) != NOT_FOLLOWED)
		return rc;
	if (rc == NOT_FOLLOWED)      /* version 1 after all: as without --follow */
		rc = check_header(w, can_wait, 0, live, via, &h);
	if (rc != 0)
		return rc;
	/* checked, then printed: two passes, or one with --check; no progress
	 * line among the numbers when they go to the same console */
	progress_start(&progress, a, L"reading", (a->check ? 1 : 2) * h.count * sizeof(int32_t));
	if (!a->check && GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode))
		progress.console = NULL;
	for (k = 0; k < 2; k++) {
		blocks_start(&pass[k].blocks, &h, &w[0], 0);
		pass[k].progress = &progress;
	}
	if ((rc = win_halves(w, h.count, h.version == 2 ? h.block : 1, add, ctx)) == HALTED)
		rc = interrupted_while(L"checking", w[0].subject);
	for (k = 0; k < 2; k++)
		blocks_end(&pass[k].blocks);
	if (rc == BAD_BLOCK)
		rc = fail_with(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(MD_EBLOCKSUM));
	md_sum_join(&pass[0].blocks.sum, &pass[1].blocks.sum);
	bad = rc == 0 && md_sum_final(&pass[0].blocks.sum) != h.checksum;
	if (rc == 0 && !bad && !a->check)
		rc = print_all(&w[0], &h, &progress, via);
	progress_end(&progress);
	if (rc != 0)
		return rc;
	if (bad)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(MD_ECHECKSUM));
	if (a->check)
		return summary(w[0].subject, &h, via);
	return 0;
}

static struct file_id read_id;     /* the file read_file read */
static int read_id_ok;

static int read_file(const struct args *a, int can_wait)
{
	static int said_reading;
	HANDLE file, map = NULL;
	struct window w[2] = { { 0 } };
	LARGE_INTEGER size;
	DWORD err;
	int rc;

	/* no FILE_SHARE_WRITE: nobody can change the file while it is read */
	file = CreateFileW(a->file, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	    FILE_FLAG_SEQUENTIAL_SCAN, NULL);
	read_id_ok = file != INVALID_HANDLE_VALUE &&
	    file_id_of(file, &read_id);
	if (file == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		/* not there yet, or its writer still has it */
		if (can_wait && (err == ERROR_FILE_NOT_FOUND || err == ERROR_SHARING_VIOLATION))
			return NOT_YET;
		return fail_call(L"CreateFileW", a->file, err);
	}
	if (!GetFileSizeEx(file, &size)) {
		rc = fail_call(L"GetFileSizeEx", a->file, GetLastError());
		goto out;
	}
	/* an empty file cannot even be mapped (ERROR_FILE_INVALID): say why */
	if ((uint64_t)size.QuadPart < sizeof(struct md_header)) {
		rc = fail_with(EXIT_DATA, L"\"%ls\": %hs", a->file, md_reason(MD_ESHORT));
		goto out;
	}
	/* size 0: the mapping is as large as the file */
	map = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
	if (map == NULL) {
		rc = fail_call(L"CreateFileMappingW", a->file, GetLastError());
		goto out;
	}
	w[0].map = map, w[0].size = (uint64_t)size.QuadPart, w[0].access = FILE_MAP_READ;
	w[0].subject = a->file;
	w[1] = w[0];
	on_fault(w, EXIT_DATA, L"reading", L"the file changed or could not be read", NULL);
	if (!said_reading)
		say_info(a, L"reading file \"%ls\"", a->file);
	said_reading = 1;            /* once, however many looks it takes */
	rc = show(w, a, can_wait, NULL);
out:
	win_close(&w[0]);            /* w[1] is closed: win_halves does it */
	off_fault(w);
	close_handle(map, a->file);
	close_handle(file, a->file);
	return rc;
}

/* Tells a holding writer that its data has been read, so it can release it. */
static void report_done(const wchar_t *name)
{
	wchar_t full[NAME_MAX + 8];
	HANDLE done;

	swprintf(full, NAME_MAX + 8, L"%ls.done", name);
	if ((done = OpenSemaphoreW(SEMAPHORE_MODIFY_STATE, FALSE, full)) == NULL)
		return;                  /* nobody is holding: nobody to tell */
	if (!ReleaseSemaphore(done, 1, NULL))
		warn_call(L"ReleaseSemaphore", full, GetLastError());
	close_handle(done, full);
}

/* Reads a writer's live mapping: checked exactly as a file is. */
static int read_live(const struct args *a, const wchar_t *name, HANDLE map, int can_wait)
{
	static int said_attached;
	struct window w[2] = { { 0 } };
	int rc;

	w[0].map = map, w[0].access = FILE_MAP_READ;
	w[0].subject = a->file != NULL ? a->file : name;
	if ((rc = mapping_size(map, name, &w[0].size)) == 0) {
		w[1] = w[0];
		on_fault(w, EXIT_DATA, L"reading", L"the mapping could not be read", NULL);
		if (!said_attached)
			say_info(a, L"attached to live mapping \"%ls\"", name);
		said_attached = 1;       /* once, however many looks it takes */
		rc = show(w, a, can_wait, name);
		win_close(&w[0]);
		off_fault(w);
	}
	close_handle(map, name);
	/* only a reader of the data: a --check alone does not end a hold */
	if (rc == 0 && !a->check)
		report_done(name);
	return rc;
}

static struct place where;       /* FILE, located (read_any) */

/*
 * Is this live mapping one to read? Only when this user owns it and, for
 * FILE, only when FILE is the file behind it: a mapping of another file, or
 * of the paging file, that carries FILE's name is not FILE's data. Someone
 * else's is said even with -q, and then FILE itself is read. A mapping of
 * the new file FILE's writer is filling is WRITING: FILE is being replaced;
 * so is one whose file has just been renamed, to a reader that can wait.
 */
static int trusted(const struct args *a, const wchar_t *name, HANDLE map, int can_wait)
{
	static int noted;            /* a reader that waits looks many times: one note */
	wchar_t owner[96];
	int rc, ok;

	if ((rc = check_owner(map, name, &ok, owner)) != 0)
		return rc;
	if (!ok && a->file == NULL)
		return fail_with(EXIT_DATA, L"\"%ls\": %ls this mapping (%ls); not read", name, whose(owner),
		    owner);
	if (!ok) {
		if (!noted++)
			say_note(L"not reading live mapping \"%ls\": %ls it (%ls); reading the file", name,
			    whose(owner), owner);
		return NOT_OURS;
	}
	if (a->file == NULL || (rc = mapped_file(map, a->file, &where, &ok)) != 0)
		return rc;
	/* FILE's writer at work on its new file: what a follower is for */
	if (ok == MAPS_NEW_FILE && a->follow)
		return 0;
	/* gone: under Wine, a holder between its rename and its mapping recreated */
	if (ok == MAPS_NEW_FILE || (ok == MAPS_GONE && can_wait))
		return WRITING;
	if (ok != MAPS_FILE) {
		if (!noted++)
			say_note(L"not reading live mapping \"%ls\": %ls \"%ls\"; reading the file", name,
			    ok == MAPS_UNKNOWN ? L"the system cannot name the file it maps, to compare it "
			    L"with" : L"it is not a mapping of", a->file);
		return NOT_OURS;
	}
	return 0;
}

/*
 * After FILE was read from the file: if a holder now holds FILE's mapping
 * and that file is the very file read (it was read between the holder's
 * rename and its mapping recreated, under Wine), it has been read: say so.
 */
static void done_if_held(const struct args *a, const wchar_t *name)
{
	HANDLE map = OpenFileMappingW(FILE_MAP_READ | READ_CONTROL, FALSE, name);
	wchar_t owner[96];
	int mine = 0, what = MAPS_OTHER;

	if (map == NULL)
		return;
	if (read_id_ok && check_owner(map, name, &mine, owner) == 0 && mine &&
	    mapped_file(map, a->file, &where, &what) == 0 && what == MAPS_FILE &&
	    is_file(a->file, &read_id))
		report_done(name);
	close_handle(map, name);
}

/* One look: FILE's own live mapping if there is one, else the file. */
static int attempt(const struct args *a, const wchar_t *name, int can_wait)
{
	/* READ_CONTROL: to read its owner */
	HANDLE map = OpenFileMappingW(FILE_MAP_READ | READ_CONTROL, FALSE, name);
	DWORD err = GetLastError();
	int rc;

	if (map != NULL) {
		if ((rc = trusted(a, name, map, can_wait)) == 0)
			return read_live(a, name, map, can_wait);
		close_handle(map, name);
		if (rc == WRITING)
			return can_wait ? NOT_YET : fail_with(EXIT_DATA, L"\"%ls\" (live mapping \"%ls\"): "
			    L"incomplete: its writer is still writing it", a->file, name);
		if (rc != NOT_OURS)
			return rc;
	} else if (err != ERROR_FILE_NOT_FOUND) {
		return fail_call(L"OpenFileMappingW", name, err);
	}
	if (a->file == NULL)
		return can_wait ? NOT_YET : fail_call(L"OpenFileMappingW", name, err);
	if ((rc = read_file(a, can_wait)) == 0 && !a->check)
		done_if_held(a, name);
	return rc;
}

/*
 * Looks, and while the data is not there yet and time is left, waits for
 * the writer's signal on NAME.ready, then looks again. Readers never reset
 * the event, which other readers wait on too: a signal cannot be lost. One
 * still set after its data is gone (its writer has ended) makes this look
 * every 100 ms instead, so it costs no spinning; every look checks afresh.
 * A writer that stops short (its NAME.writer abandoned) is said at once,
 * after one last look: exit 3, no data to come.
 */
static int read_any(const struct args *a)
{
	wchar_t name[NAME_MAX];
	SECURITY_ATTRIBUTES sa;
	struct waiting *wt = &writer_watch;
	ULONGLONG end = GetTickCount64() + a->wait * 1000;
	int rc;

	if ((a->name == NULL && (rc = locate(a->file, &where)) != 0) ||
	    (rc = object_name(a, &where, name)) != 0)
		return rc;
	while ((rc = attempt(a, name, a->wait > 0)) == NOT_YET) {
		if (wt->writer_died) {
			rc = fail_with(EXIT_DATA, L"\"%ls\": its writer ended without finishing (killed, "
			    L"crashed or failed); nothing was printed", a->file != NULL ? a->file : name);
			break;
		}
		if (wt->ready == NULL) {
			/* made before the next look, so no signal falls in between */
			if ((rc = owner_only(&sa, name)) != 0 || (rc = open_event(&sa, name, L".ready", 0, &wt->ready)) != 0)
				break;
			say_info(a, L"waiting up to %llu s for \"%ls\"", (unsigned long long)a->wait, name);
			continue;
		}
		if ((rc = wait_once(a, name, wt, end)) != NOT_YET)
			break;
	}
	end_watch(name, wt);
	return rc;
}

int wmain(int argc, wchar_t **argv)
{
	struct args a;
	int rc;

	/* first: from now on Ctrl+C is ours to act on */
	if ((rc = watch_interrupts()) != 0)
		return rc;
	if ((rc = parse_args(argc, argv, options, usage, &a)) >= 0)
		return rc;
	if (a.file == NULL && a.name == NULL)
		return fail_with(EXIT_USAGE, L"no FILE given (see --help)");
	return read_any(&a);
}
