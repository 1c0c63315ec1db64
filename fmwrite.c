/*
 * fmwrite - write the integers 0..N-1 to a MEMORYDATA file through a named
 * file mapping, and optionally hold it for readers in other processes.
 *
 *   fmwrite data.bin                   1024 integers (MAXDATA)
 *   fmwrite -n 1000000 data.bin
 *   fmwrite --hold 60 data.bin         then, elsewhere: fmread data.bin
 *   fmwrite --no-file --name demo --hold 60    shared memory, no file at all
 *
 * The sequence, as in the Win32 docs: CreateFileW, CreateFileMappingW (named,
 * user-only), MapViewOfFile, fill, FlushViewOfFile, UnmapViewOfFile,
 * FlushFileBuffers, CloseHandle (the mapping, then its file; the named
 * events and mutex last, since readers wait on them). Large files go
 * through a moving window of views (views.c), so memory use stays bounded.
 * Readers wait on the event NAME.ready and report on NAME.done; the mutex
 * NAME.writer tells them if the writer stops short.
 *
 * Build: make (mingw-w64), or see README.md.
 */
#include "args.h"
#include "blocks.h"
#include "console.h"
#include "fault.h"
#include "memdata.h"
#include "msg.h"
#include "names.h"
#include "replace.h"
#include "security.h"
#include "views.h"
#include "writebehind.h"

#include <wchar.h>

const wchar_t *prog = L"fmwrite";

static const wchar_t usage[] =
	L"usage: fmwrite [options] FILE\n"
	L"       fmwrite --no-file --name NAME --hold SECONDS [options]\n"
	L"Writes the integers 0..N-1 to FILE, a MEMORYDATA file, through a named\n"
	L"file mapping, and flushes them to disk.\n"
	L"\n"
	L"  -n, --count N    how many integers, 1..2147483648 (default 1024)\n"
	L"  --force          replace FILE even if it is not a MEMORYDATA file\n"
	L"  --name NAME      name the mapping NAME (in Local\\ unless it says\n"
	L"                   Global\\); default: Local\\fmipc-<hash of FILE's path>\n"
	L"  --global         create the objects in Global\\ (needs the\n"
	L"                   SeCreateGlobalPrivilege privilege)\n"
	L"  --hold SECONDS   then keep the mapping for readers until one has read\n"
	L"                   it or SECONDS pass (Ctrl+C: exit 5); typed input is\n"
	L"                   left for the shell. Readers after the hold read FILE;\n"
	L"                   with --no-file the memory is gone with the holder\n"
	L"  --readers N      with --hold: until N readers have read it (default 1;\n"
	L"                   fmread --check does not count)\n"
	L"  --no-file        shared memory backed by the paging file, no FILE;\n"
	L"                   needs --name and --hold\n"
	L"  -q, --quiet      print nothing but errors\n"
	L"  -h, --help, /?   this text\n"
	L"  --version        the version\n";

const wchar_t exit_codes[] =
	L"\nExit codes:\n"
	L"  0  written (and held, if asked)\n"
	L"  1  usage error\n"
	L"  2  a system call failed (not found, access denied, in use, disk full,\n"
	L"     name already taken); FILE is left as it was unless the line says\n"
	L"  3  FILE exists and is not a MEMORYDATA file (--force replaces it)\n"
	L"  5  interrupted (Ctrl+C, Ctrl+Break, the console closed)\n"
	L"  6  internal error (a bug)\n";

static const struct option options[] = {
	{ L"-n", L"--count", OPT_COUNT, offsetof(struct args, count) },
	{ NULL, L"--force", OPT_FLAG, offsetof(struct args, force) },
	{ NULL, L"--name", OPT_STRING, offsetof(struct args, name) },
	{ NULL, L"--global", OPT_FLAG, offsetof(struct args, global) },
	{ NULL, L"--hold", OPT_SECONDS, offsetof(struct args, hold) },
	{ NULL, L"--readers", OPT_READERS, offsetof(struct args, readers) },
	{ NULL, L"--no-file", OPT_FLAG, offsetof(struct args, no_file) },
	{ NULL, NULL, OPT_FLAG, 0 }
};

/*
 * What one run owns; each handle starts at its API's failure value. Static:
 * an exception may have to abandon it from any thread.
 */
static struct writer {
	struct new_file nf;      /* beside FILE until it takes its place */
	HANDLE map, ready, done;
	HANDLE writer;           /* NAME.writer, owned until the end: released only if it ends well */
	struct place where;      /* FILE, through links: the new file goes in its folder */
	wchar_t name[NAME_MAX];
	struct window v[2];      /* onto the mapping, one for each half of the fill */
} wr = { .nf = { .file = INVALID_HANDLE_VALUE } };

/* After a fault in a view (abort_with has released the views): leave nothing behind. */
static void abandon(void)
{
	close_handle(wr.map, wr.name);
	wr.map = NULL;
	close_file(&wr.nf);
}

/*
 * --no-file memory is charged in full against the system's commit limit (the
 * RAM and paging files together) when the mapping is made: past what is
 * left of it, error 1455. The line says how much is left and of what.
 */
static int commit_limit(const wchar_t *name, uint64_t size)
{
	MEMORYSTATUSEX ms = { .dwLength = sizeof ms };

	if (!GlobalMemoryStatusEx(&ms))
		return fail_call(L"CreateFileMappingW", name, ERROR_COMMITMENT_LIMIT);
	return fail_with(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the system could not commit %llu MiB "
	    L"backed by the paging file: its commit limit (RAM and paging files together) is %llu MiB, of "
	    L"which %llu MiB were free; a larger paging file or a smaller -n will do (error 1455)", name,
	    (unsigned long long)((size + (1 << 20) - 1) >> 20), (unsigned long long)(ms.ullTotalPageFile >> 20),
	    (unsigned long long)(ms.ullAvailPageFile >> 20));
}

/*
 * A mapping by that name that exists already belongs to someone else, who
 * would read or change what we write: refuse it, as any other kind of object.
 * `size` 0 maps the whole file as it is. `again`: the name was just released
 * by this writer, and a reader may still hold the old mapping open;
 * NOT_YET then says "not free yet", to try again.
 */
static int create_mapping(struct writer *w, DWORD protect, uint64_t size, int again)
{
	SECURITY_ATTRIBUTES sa;
	HANDLE other;
	DWORD err;
	int rc;

	if ((rc = read_only_mapping(&sa, w->name)) != 0)
		return rc;
	/* with a file, the size extends it; without, it is the paging file's share */
	w->map = CreateFileMappingW(w->nf.file, &sa, protect, (DWORD)(size >> 32), (DWORD)size, w->name);
	err = GetLastError();
	if (w->map != NULL && err == ERROR_ALREADY_EXISTS) {
		close_handle(w->map, w->name);
		w->map = NULL;
		return again ? NOT_YET : fail_with(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name is "
		    L"already taken by another program", w->name);
	}
	if (w->map != NULL)
		return 0;
	if (err == ERROR_INVALID_HANDLE)
		return fail_with(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name belongs to an "
		    L"object of another kind (error 6)", w->name);
	if (err == ERROR_COMMITMENT_LIMIT && w->nf.file == INVALID_HANDLE_VALUE)
		return commit_limit(w->name, size);
	/* one made with our DACL (readers may open it only to read) exists: a
	 * reader still holds an earlier writer's. It is not opened for all
	 * access, so the answer is error 5, not ERROR_ALREADY_EXISTS */
	if (err == ERROR_ACCESS_DENIED && (other = OpenFileMappingW(FILE_MAP_READ, FALSE, w->name)) != NULL) {
		close_handle(other, w->name);
		return again ? NOT_YET : fail_with(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name is "
		    L"already taken by another program", w->name);
	}
	if (err == ERROR_ACCESS_DENIED && wcsncmp(w->name, L"Global\\", 7) == 0)
		return fail_with(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): access denied: creating "
		    L"objects in Global\\ needs the SeCreateGlobalPrivilege privilege (an "
		    L"administrator or a service has it) (error 5)", w->name);
	return fail_call(L"CreateFileMappingW", w->name, err);
}

/* What each half of the fill keeps: its blocks and their sums; the rest is shared. */
struct part {
	struct blocks blocks;
	struct progress *progress;
	struct flusher *flusher;
};

static int fill(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	struct part *p = ctx;
	int rc;

	if (p->flusher->err != 0)
		return HALTED;           /* the flush behind failed: write_data says so */
	if ((rc = blocks_add(&p->blocks, data, n, first, 1)) != 0)
		return rc;
	progress_add(p->progress, n * sizeof *data);
	if (p->flusher->thread != NULL)
		SetEvent(p->flusher->filled);
	return 0;
}

/* Sets the header's checksum, published count and state, and flushes its view to the file. */
static int mark(struct window *w, uint32_t state, uint64_t checksum, uint64_t count)
{
	struct md_header *h;
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(w, 0, &p, &avail)) != 0)
		return rc;
	h = (struct md_header *)p;
	h->checksum = checksum;
	store_release64(&h->published, count);
	store_release32(&h->state, state);   /* after all it vouches for */
	return win_close(w);
}

/*
 * The header, "being written": all of it but the state, which a new file or
 * mapping holds as 0, then the state (release): a follower that looks in
 * between takes the header for not written yet, never for half of one.
 */
static void begin_header(unsigned char *p, uint64_t count)
{
	struct md_header h;

	md_init_header(&h, count);
	h.state = 0;
	memcpy(p, &h, sizeof h);
	store_release32(&((struct md_header *)p)->state, MD_WRITING);
}

/*
 * The header goes in first, marked "being written" (begin_header); then
 * the data, a block at a time: each block's sum goes to its slot after the
 * data, and the header's published count moves past it, so that followers
 * (fmread --follow) can take it at once. Large data is filled in two
 * halves by two threads (win_halves): the kernel's work for each new page
 * (zeroing it, then tracking it dirty) is most of the cost, and it runs on
 * the core that touches it; the second half's blocks are published with
 * the last. A third thread flushes behind them. Then the checksum over
 * all, and the data is flushed to the disk; only then is the header marked
 * "complete" and flushed in turn: a writer stopped at any point, even by a
 * power cut, leaves a file no reader takes, never a "complete" one whose
 * data is not there. `file` is INVALID_HANDLE_VALUE when there is no file
 * (the paging file's memory).
 */
static int write_data(struct window w[2], struct progress *progress, uint64_t count, HANDLE file)
{
	static struct flusher flusher;
	static struct part part[2];
	void *ctx[2] = { &part[0], &part[1] };
	unsigned char *p;
	size_t avail;
	DWORD flush_err;
	uint64_t sum;
	int rc, k;

	if ((rc = win_at(&w[0], 0, &p, &avail)) != 0)
		return rc;
	begin_header(p, count);
	start_flusher(&flusher, FM_LARGE(md_file_size(count)) ? file : INVALID_HANDLE_VALUE);
	for (k = 0; k < 2; k++) {
		/* the first half publishes as it goes; the second's blocks, all at the end */
		blocks_start(&part[k].blocks, (struct md_header *)p, &w[0], k == 0);
		part[k].progress = progress;
		part[k].flusher = &flusher;
	}
	rc = win_halves(w, count, MD_BLOCK, fill, ctx);
	for (k = 0; k < 2; k++)
		if (blocks_end(&part[k].blocks) != 0 && rc == 0)
			rc = EXIT_SYSTEM;
	flush_err = end_flusher(&flusher);
	if (flush_err != 0 && (rc == 0 || rc == HALTED))
		return fail_call(L"FlushFileBuffers", w[0].subject, flush_err);
	if (rc == HALTED)
		return interrupted_while(L"writing", w[0].subject);
	if (rc != 0)
		return rc;
	md_sum_join(&part[0].blocks.sum, &part[1].blocks.sum);
	sum = md_sum_final(&part[0].blocks.sum);
	if ((rc = mark(&w[0], MD_WRITING, sum, count)) != 0)
		return rc;
	if (file != INVALID_HANDLE_VALUE && !FlushFileBuffers(file))
		return fail_call(L"FlushFileBuffers", w[0].subject, GetLastError());
	if ((rc = mark(&w[0], MD_COMPLETE, sum, count)) != 0)
		return rc;
	if (file != INVALID_HANDLE_VALUE && !FlushFileBuffers(file))
		return fail_call(L"FlushFileBuffers", w[0].subject, GetLastError());
	return 0;
}

/* The hold's first line. */
static void say_holding(const struct args *a, const struct writer *w)
{
	if (a->readers == 1)
		say_info(a, L"holding \"%ls\" for readers: until one has read it, Ctrl+C, or %llu s",
		    w->name, (unsigned long long)a->hold);
	else
		say_info(a, L"holding \"%ls\" for readers: until %llu have read it, Ctrl+C, or %llu s",
		    w->name, (unsigned long long)a->readers, (unsigned long long)a->hold);
}

/*
 * Keeps the mapping until --readers readers are done (each adds one to the
 * semaphore NAME.done), Ctrl+C, or time is up. The console's input is left
 * alone: it is shared with the shell (with `start /b`, the user's next
 * command), and nothing typed is for us. A mapping still to be recreated
 * (w->map NULL: a follower still prints from the old one) is tried every
 * 10 ms meanwhile; the follower, done, counts as a reader all the same.
 */
static int hold(const struct args *a, struct writer *w)
{
	HANDLE h[2] = { w->done, interrupt_event() };
	ULONGLONG now, end = GetTickCount64() + a->hold * 1000;
	uint64_t done = 0;
	DWORD r, ms;
	int rc;

	say_holding(a, w);
	for (;;) {
		if (w->map == NULL && (rc = create_mapping(w, PAGE_READONLY, 0, 1)) != 0 && rc != NOT_YET)
			return rc;
		now = GetTickCount64();
		ms = now < end ? (DWORD)(end - now) : 0;
		if (w->map == NULL && ms > 10)
			ms = 10;
		r = WaitForMultipleObjects(2, h, FALSE, ms);
		if (r == WAIT_OBJECT_0 && ++done < a->readers)
			continue;
		if (r != WAIT_TIMEOUT || GetTickCount64() >= end)
			break;
	}
	if (r == WAIT_FAILED)
		return fail_call(L"WaitForMultipleObjects", w->name, GetLastError());
	if (r == WAIT_OBJECT_0 + 1)
		return interrupted_while(L"holding", w->name);
	if (a->readers == 1)
		say_info(a, L"%ls; letting go", r == WAIT_OBJECT_0 ? L"a reader has finished" : L"the time is up");
	else if (r == WAIT_OBJECT_0)
		say_info(a, L"%llu readers have finished; letting go", (unsigned long long)done);
	else
		say_info(a, L"the time is up (%llu of %llu readers finished); letting go",
		    (unsigned long long)done, (unsigned long long)a->readers);
	return 0;
}

/*
 * A workaround for Wine, and only there: Wine's mapping names its file by
 * the name it was opened with, the new file's, and readers check that it
 * names FILE; recreated after the rename, it does. Windows names the file
 * as it is named now, so there the mapping stays: recreating it would open
 * a gap in which the name is free and a reader falls back to FILE, which
 * the holder still has open. A reader that looked at the old one may hold
 * it a moment, a follower until it has printed all: a second here, then
 * hold() goes on trying (w->map NULL).
 */
static int recreate_mapping(struct writer *w)
{
	int rc, tries;

	close_handle(w->map, w->name);
	w->map = NULL;
	for (tries = 0; (rc = create_mapping(w, PAGE_READONLY, 0, 1)) == NOT_YET && tries < 100; tries++)
		Sleep(10);
	return rc == NOT_YET ? 0 : rc;
}

/*
 * FILE's replacement is made, named, filled and flushed beside it, and only
 * then takes its place: whatever stops the writer before, FILE is as it was.
 */
static int write_all_of(const struct args *a, struct writer *w)
{
	struct window *v = w->v;     /* static, as w: the fault handler watches them */
	struct progress progress;
	SECURITY_ATTRIBUTES sa;
	int rc;

	if (!a->no_file && (rc = locate(a->file, &w->where)) != 0)
		return rc;
	if ((rc = object_name(a, &w->where, w->name)) != 0 || (rc = owner_only(&sa, w->name)) != 0)
		return rc;
	if (!a->no_file && (rc = may_replace(a, &w->where, &w->nf)) != 0)
		return rc;
	/*
	 * NAME.writer first: from now on, should this writer stop short at any
	 * point, every waiting reader hears of it, also one that has not yet
	 * seen the mapping (wait.c)
	 */
	if ((rc = own_writer_mutex(&sa, w->name, &w->writer)) != 0 ||
	    (!a->no_file && (rc = create_temp(&w->nf, &w->where, a->file)) != 0) ||
	    (rc = create_mapping(w, PAGE_READWRITE, md_file_size(a->count), 0)) != 0 ||
	    (rc = open_event(&sa, w->name, L".ready", 0, &w->ready)) != 0 ||
	    (rc = open_event(&sa, w->name, L".done", 1, &w->done)) != 0)
		return rc;
	/* readers of an earlier holder of this name may have said they are done:
	 * not of this data. (.ready is never reset: readers tell a stale signal
	 * by looking, fmread.c, read_any) */
	while (WaitForSingleObject(w->done, 0) == WAIT_OBJECT_0)
		;
	/* two windows onto the mapping, one for each half of the fill */
	v[0].map = w->map;
	v[0].size = md_file_size(a->count);
	v[0].access = FILE_MAP_WRITE;
	v[0].subject = a->no_file ? w->name : a->file;
	v[1] = v[0];
	on_fault(v, EXIT_SYSTEM, L"writing", L"the disk failed", a->no_file ? NULL : w->nf.temp);
	progress_start(&progress, a, L"writing", v[0].size);
	rc = write_data(v, &progress, a->count, w->nf.file);
	progress_end(&progress);
	if (rc != 0) {
		win_close(&v[0]);        /* a mapped file cannot be removed; v[1] is closed */
		return rc;
	}
	/* writes through views leave the last-write time as it was at the start (Windows) */
	if (!a->no_file && (rc = touch(w->nf.file, a->file)) != 0)
		return rc;
	/* the last moment Ctrl+C can leave FILE as it was: a flush can take seconds */
	if (interrupted)
		return interrupted_while(L"flushing", v[0].subject);
	if (!a->no_file && (rc = take_place(&w->nf, &w->where, a->file, a->force)) != 0)
		return rc;
	if (a->no_file)
		set_fate(L"");           /* written: what is held is memory, lost on exit anyway */
	say_info(a, L"wrote %llu integers to \"%ls\" (mapping \"%ls\")", (unsigned long long)a->count,
	    v[0].subject, w->name);
	if (a->hold == 0)
		return 0;                /* write_file signals once the file is free */
	if (!a->no_file && under_wine() && (rc = recreate_mapping(w)) != 0)
		return rc;
	if (!SetEvent(w->ready))
		return fail_call(L"SetEvent", w->name, GetLastError());
	return hold(a, w);
}

static int write_file(const struct args *a)
{
	int rc;

	rc = write_all_of(a, &wr);

	close_handle(wr.map, wr.name);
	close_file(&wr.nf);          /* removed, unless it is FILE now */
	/* not holding: a reader waiting for FILE can open it only now */
	if (rc == 0 && a->hold == 0 && !SetEvent(wr.ready))
		rc = fail_call(L"SetEvent", wr.name, GetLastError());
	/* ended well: let NAME.writer go; else it is left owned, abandoned at exit */
	if (rc == 0 && wr.writer != NULL && !ReleaseMutex(wr.writer))
		rc = fail_call(L"ReleaseMutex", wr.name, GetLastError());
	close_handle(wr.writer, wr.name);
	close_handle(wr.done, wr.name);
	close_handle(wr.ready, wr.name);
	return rc;
}

int wmain(int argc, wchar_t **argv)
{
	struct args a;
	int rc;

	if ((rc = parse_args(argc, argv, options, usage, &a)) >= 0)
		return rc;
	if (!a.no_file && a.file == NULL)
		return fail_with(EXIT_USAGE, L"no FILE given (see --help)");
	if (a.readers != 1 && a.hold == 0)
		return fail_with(EXIT_USAGE, L"--readers is for --hold: without a hold no reader is "
		    L"waited for (see --help)");
	if (a.no_file && (a.file != NULL || a.name == NULL || a.hold == 0))
		return fail_with(EXIT_USAGE, L"--no-file takes no FILE and needs --name NAME and "
		    L"--hold SECONDS: without a holder the memory would vanish at once (see --help)");
	/* until the new file takes FILE's place, every error line says FILE is as it was */
	if (a.no_file)
		set_fate(L"nothing written");
	else
		set_fate(GetFileAttributesW(a.file) != INVALID_FILE_ATTRIBUTES ||
		    (GetLastError() != ERROR_FILE_NOT_FOUND && GetLastError() != ERROR_PATH_NOT_FOUND) ?
		    L"\"%ls\" left as it was" : L"\"%ls\" not created", a.file);
	if ((rc = watch_interrupts()) != 0)
		return rc;
	on_abort(abandon);
	return write_file(&a);
}
