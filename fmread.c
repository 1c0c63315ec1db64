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
#include "format.h"
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

/*
 * stdout, written by a thread of its own while the next block is formatted:
 * into a pipe, waiting for the reader was two thirds of fmread's time. Two
 * 4 MiB blocks take turns; full[k] says block k waits to be written, and
 * whoever changes it wakes the other. A lock and a condition variable, not
 * events: waking a thread through an event is a round trip to the wineserver
 * (with events, a third of the printing went to them), these stay in the
 * process. Without a thread (it could not be made), blocks are written in
 * place.
 */
static struct {
	char buf[2][4 << 20];
	size_t n[2];
	int k;                       /* the block being filled */
	int full[2];                 /* under lock */
	int rc;                      /* the writer's failure, if any; under lock */
	int quit;                    /* printing is given up; under lock */
	SRWLOCK lock;
	CONDITION_VARIABLE turned;
	HANDLE thread;
} out = { .lock = SRWLOCK_INIT, .turned = CONDITION_VARIABLE_INIT };

static struct fmt fmt;

/* Sets full[k] and wakes the other side. */
static void set_full(int k, int v)
{
	AcquireSRWLockExclusive(&out.lock);
	out.full[k] = v;
	ReleaseSRWLockExclusive(&out.lock);
	WakeConditionVariable(&out.turned);
}

/*
 * Waits until full[k] is `until`; returns the writer's failure, if any, or
 * HALTED at Ctrl+C or once printing is given up (out.quit).
 */
static int wait_full(int k, int until)
{
	int rc;

	AcquireSRWLockExclusive(&out.lock);
	while (out.full[k] != until && !out.quit && !interrupted)
		SleepConditionVariableSRW(&out.turned, &out.lock, 100, 0);
	rc = out.full[k] != until ? HALTED : out.rc;
	ReleaseSRWLockExclusive(&out.lock);
	return rc;
}

/* After a failure, it goes on taking blocks, unwritten, till the end. */
static DWORD WINAPI write_blocks(void *arg)
{
	HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);
	int k, rc = 0;

	(void)arg;
	for (k = 0;; k ^= 1) {
		if (wait_full(k, 1) == HALTED || out.n[k] == 0)
			return 0;            /* given up, or an empty block: the end */
		if (rc == 0 && (rc = write_all(h, out.buf[k], (DWORD)out.n[k])) != 0) {
			AcquireSRWLockExclusive(&out.lock);
			out.rc = rc;
			ReleaseSRWLockExclusive(&out.lock);
		}
		set_full(k, 0);
	}
}

static void start_output(void)
{
	out.thread = CreateThread(NULL, 0, write_blocks, NULL, 0, NULL);
}

/* Hands the block being filled to the writer, and takes the other one. */
static int flush_out(void)
{
	int rc;

	if (out.thread == NULL) {
		rc = write_all(GetStdHandle(STD_OUTPUT_HANDLE), out.buf[out.k], (DWORD)out.n[out.k]);
		out.n[out.k] = 0;
		return rc;
	}
	set_full(out.k, 1);
	out.k ^= 1;
	rc = wait_full(out.k, 0);
	out.n[out.k] = 0;
	return rc;
}

/*
 * Writes what is left, then ends the writer; a failure of its own wins.
 * Given up (rc not 0), the writer is told to quit, and a write it is blocked
 * in (a pipe nobody drains) is cancelled; it gets 200 ms to end, and the
 * process ends it anyway (under Wine, which cancels no pipe write, it must).
 */
static int end_output(int rc)
{
	if (rc == 0 && out.n[out.k] > 0)
		rc = flush_out();
	if (out.thread == NULL)
		return rc;
	if (rc == 0) {
		HANDLE h[2] = { out.thread, interrupt_event() };
		DWORD r;

		out.n[out.k] = 0;
		set_full(out.k, 1);
		/* should even this wait fail, the end is waited for without Ctrl+C */
		if ((r = WaitForMultipleObjects(2, h, FALSE, INFINITE)) == WAIT_FAILED)
			r = WaitForSingleObject(out.thread, INFINITE);
		rc = r == WAIT_OBJECT_0 ? out.rc : HALTED;
	}
	if (rc != 0) {
		AcquireSRWLockExclusive(&out.lock);
		out.quit = 1;
		ReleaseSRWLockExclusive(&out.lock);
		WakeAllConditionVariable(&out.turned);
		CancelSynchronousIo(out.thread);
		WaitForSingleObject(out.thread, 200);
	}
	close_handle(out.thread, L"<writer>");
	return rc;
}

/* What printing keeps: the progress, and the sum of exactly what was formatted. */
struct printing {
	struct progress *progress;
	struct md_sum sum;
};

#define RUN 4096                 /* integers copied, summed and formatted at a time */

/* Formats n integers already copied out of the view (and summed by the caller), a run at a time. */
static int emit(const int32_t *copy, size_t n)
{
	size_t m;
	int rc;

	for (; n > 0; copy += m, n -= m) {
		m = n < RUN ? n : RUN;
		if (interrupted)
			return HALTED;
		if (sizeof out.buf[0] - out.n[out.k] < FMT_LINE * RUN + FMT_MAX && (rc = flush_out()) != 0)
			return rc;
		out.n[out.k] = (size_t)(fmt_lines(&fmt, out.buf[out.k] + out.n[out.k], copy, m) -
		    out.buf[out.k]);
	}
	return 0;
}

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

#define FOLLOW (-6)              /* check_header: a writer at work, to follow */
#define NOT_FOLLOWED (-7)        /* follow: version-1 data, which cannot be followed */
#define STALLED (-8)             /* follow: nothing new for --wait seconds */

static int sized(struct window w[2], const wchar_t *name, struct md_header *h, enum md_status *st);

/*
 * The state is loaded first (acquire: the mirror of the writer's release
 * store), then the rest, then the published count (acquire again), so
 * "complete" is never seen ahead of the checksum it covers, nor a count
 * ahead of the data and block sums it vouches for.
 */
static enum md_status read_header(const unsigned char *p, uint64_t size, struct md_header *h)
{
	uint32_t state = load_acquire32(p + offsetof(struct md_header, state));

	memcpy(h, p, sizeof *h);
	h->state = state;
	h->published = load_acquire64(p + offsetof(struct md_header, published));
	return md_check_header(h, size);
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
	st = read_header(p, w[0].size, h);
	/* sized while its writer had not written the header yet */
	if (st == MD_ETRUNCATED && live != NULL && (rc = sized(w, live, h, &st)) != 0)
		return rc;
	if (st == MD_EINCOMPLETE && follow && live != NULL && (h->version == 2 || h->count == 0))
		return FOLLOW;
	if (st == MD_EINCOMPLETE && can_wait)
		return NOT_YET;
	if (st == MD_EINCOMPLETE)
		return failx(EXIT_DATA, L"\"%ls\"%ls: incomplete: %ls", w[0].subject, via, live != NULL ?
		    L"its writer is still writing it" : L"its writer stopped before it finished");
	if (st != MD_OK)
		return failx(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(st));
	if (live == NULL && w[0].size != md_size(h))
		return failx(EXIT_DATA, L"\"%ls\": %llu bytes after the end of its data: not a "
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

	fmt_init(&fmt);
	start_output();
	pr.progress = progress;
	md_sum_init(&pr.sum);
	rc = win_each(w, 0, h->count, print, &pr, NULL);
	/* the last block goes out only when what was printed is what was checked */
	if (rc == 0 && md_sum_final(&pr.sum) != h->checksum)
		rc = failx(EXIT_DATA, L"\"%ls\"%ls: the data changed while it was printed; "
		    L"the output is not valid", w->subject, via);
	if ((rc = end_output(rc)) == HALTED)
		rc = interrupted_while(L"printing", w->subject);
	return rc;
}

/* --check's one line on stdout, names shown as on stderr (control characters escaped) */
static int summary(const wchar_t *subject, const struct md_header *h, const wchar_t *via)
{
	return say_escaped(L"%ls: valid, %llu integers, checksum %08lx%08lx%ls", subject,
	    (unsigned long long)h->count, (unsigned long)(h->checksum >> 32),
	    (unsigned long)(h->checksum & 0xFFFFFFFFu), via);
}

/* ---- following a writer at work ---- */

/* What a reader waits on; see read_any. */
struct waiting {
	HANDLE ready;            /* NAME.ready */
	HANDLE writer;           /* NAME.writer, once a writer of this user's has made it */
	int stale;               /* .ready was found set with nothing to read */
	int idle;                /* NAME.writer's writer ended well; kept open for the next one */
	int foreign;             /* NAME.writer is another user's: not to be asked again */
	int writer_died;         /* it was abandoned: its writer stopped short */
};

/* Opens NAME.writer if a writer has made it and it is this user's (no one else's counts). */
static void find_writer(const wchar_t *name, struct waiting *wt)
{
	wchar_t full[NAME_MAX + 8], owner[96];
	int mine = 0;

	swprintf(full, NAME_MAX + 8, L"%ls.writer", name);
	if ((wt->writer = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL, FALSE, full)) == NULL)
		return;
	if (check_owner(wt->writer, full, &mine, owner) != 0 || !mine) {
		close_handle(wt->writer, full);
		wt->writer = NULL;
		wt->foreign = 1;
	}
}

/*
 * A follower that has caught up waits for the writer: 1 ms, then twice as
 * long each time nothing new has come, up to 16 ms (the writer makes no
 * call to wake it: publishing is a store). The 16 ms waits are on
 * NAME.writer too, so its end (let go or abandoned) is seen at once; the
 * shorter ones sleep, while blocks come in a steady stream. Returns 0 to
 * look again, or the exit code of the line said; sets wt->writer_died when
 * the writer has ended without finishing, wt->idle when it has ended well
 * (the next look must find it complete).
 * Until the header is `begun`, a NAME.writer nobody owns is not waited on
 * (fmwrite makes its mapping, then owns the mutex): none, or none owned,
 * a second after the mapping was found, means no writer is at work.
 */
static int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
    ULONGLONG since, int begun)
{
	HANDLE h[2] = { interrupt_event(), NULL };
	DWORD r, n = 1;
	int owned = 0, working;

	if (wt->writer == NULL && !wt->foreign)
		find_writer(name, wt);
	if (wt->writer != NULL && !begun) {
		r = WaitForSingleObject(wt->writer, 0);
		if (r == WAIT_OBJECT_0)
			ReleaseMutex(wt->writer);
		wt->writer_died = r == WAIT_ABANDONED;   /* kept owned, as below */
		owned = r == WAIT_TIMEOUT;
	}
	working = begun ? wt->writer != NULL : owned;
	if (!wt->writer_died && !working && GetTickCount64() - since > 1000)
		wt->writer_died = 1;     /* no writer of ours at work: none will finish it */
	if (wt->writer_died)
		return 0;
	/* the short waits, while blocks keep coming, cost no system call
	 * (under Wine each wait on an object is a round trip to the wineserver) */
	if (begun && ms < 16) {
		Sleep(ms);
		return interrupted ? interrupted_while(L"following", subject) : 0;
	}
	if (begun && wt->writer != NULL)
		h[n++] = wt->writer;
	r = WaitForMultipleObjects(n, h, FALSE, ms);
	if (r == WAIT_OBJECT_0)
		return interrupted_while(L"following", subject);
	if (r == WAIT_FAILED)
		return fail(L"WaitForMultipleObjects", name, GetLastError());
	if (r == WAIT_OBJECT_0 + 1) {
		/* let go: its writer ended well, so the next look finds the data complete */
		ReleaseMutex(wt->writer);
		wt->idle = 1;
	}
	/* abandoned: kept owned, so that the next reader learns the same */
	if (r == WAIT_ABANDONED_0 + 1)
		wt->writer_died = 1;
	return 0;
}

static int mapping_size(HANDLE map, const wchar_t *name, uint64_t *size);

/*
 * A mapping found before its writer wrote the header was sized by just the
 * header: now that the header says how much, size the windows anew, and
 * judge the header by that.
 */
static int sized(struct window w[2], const wchar_t *name, struct md_header *h, enum md_status *st)
{
	int rc;

	if (w[0].size >= md_size(h))
		return 0;
	if ((rc = mapping_size(w[0].map, name, &w[0].size)) != 0)
		return rc;
	win_close(&w[0]);            /* views as long as the old size: made anew */
	win_close(&w[1]);
	w[1].size = w[0].size;
	*st = md_check_header(h, w[0].size);
	return 0;
}

static int32_t block_copy[MD_MAXBLOCK];

static int copy_out(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	int32_t **to = ctx;

	(void)first;
	memcpy(*to, data, n * sizeof *data);
	*to += n;
	return 0;
}

static int check_in_view(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	return blocks_add(ctx, data, n, first, 0);
}

/*
 * Takes the published blocks from data[*done] on: each is copied out of the
 * view, summed, held against its own checksum, and only then formatted
 * from the copy (with --check, summed in the view: nothing is printed).
 * Returns 0, BAD_BLOCK, or the exit code of a failure.
 */
static int take_blocks(struct window *w, struct blocks *b, const struct args *a, uint64_t published,
    uint64_t *done)
{
	int32_t *to;
	size_t m;
	int rc;

	while (*done < published) {
		m = (size_t)md_block_left(b->count, b->block, *done);
		/* only checked, nothing printed: summed where it is */
		if (a->check && (rc = win_each(w, *done, *done + m, check_in_view, b, NULL)) != 0)
			return rc;
		if (a->check) {
			*done += m;
			continue;
		}
		to = block_copy;
		if ((rc = win_each(w, *done, *done + m, copy_out, &to, NULL)) != 0)
			return rc;
		MemoryBarrier();         /* the copy, not the view, is what is summed and printed */
		if ((rc = blocks_add(b, block_copy, m, *done, 0)) != 0 || (rc = emit(block_copy, m)) != 0)
			return rc;
		*done += m;
	}
	return 0;
}

/* One follow: what has been taken so far, and from whom. */
struct follower {
	struct blocks b;
	struct md_header first;  /* the header as first seen begun */
	struct waiting wt;
	uint64_t done;           /* integers checked (and printed) */
	int started;
	int printing;            /* the output thread is started */
};

/*
 * One look at the header (read with acquire order: the published count
 * before what it vouches for): 0 with *st MD_OK or MD_EINCOMPLETE, NOT_YET
 * while the writer has not written it yet, NOT_FOLLOWED for version 1, or
 * the exit code of the line said.
 */
static int look(struct window w[2], struct follower *f, const wchar_t *name, const wchar_t *via,
    struct md_header *h, enum md_status *st)
{
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(&w[1], 0, &p, &avail)) != 0)
		return rc;
	*st = read_header(p, w[1].size, h);
	if (h->count == 0 && *st == MD_EINCOMPLETE)
		return NOT_YET;
	if (!f->started && (rc = sized(w, name, h, st)) != 0)
		return rc;
	if (!f->started && h->version == 1)
		return NOT_FOLLOWED;     /* no blocks to follow: read as without --follow */
	if (*st != MD_OK && *st != MD_EINCOMPLETE)
		return failx(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(*st));
	if (!f->started) {
		f->first = *h, f->started = 1;
		blocks_start(&f->b, h, &w[0], 0);
	} else if (h->count != f->first.count || h->block != f->first.block || h->published < f->done) {
		return failx(EXIT_DATA, L"\"%ls\"%ls: its header changed while it was followed",
		    w[0].subject, via);
	}
	return 0;
}

/*
 * The end of a follow: what was checked goes out first, also when no more
 * will come; then the verdict: complete and matching the checksum over all
 * (0), or one line that says how far it got (exit 3).
 */
static int follow_end(const struct args *a, struct follower *f, int rc, enum md_status st,
    const struct md_header *h, const wchar_t *subject, const wchar_t *via)
{
	const wchar_t *and_printed = a->check ? L"" : L" and printed";

	if (!a->check) {
		int out_rc = end_output(rc == BAD_BLOCK || rc == STALLED ? 0 : rc);

		if (out_rc == HALTED)
			return interrupted_while(L"printing", subject);
		if (out_rc != 0 && (rc == 0 || rc == BAD_BLOCK || rc == STALLED))
			return out_rc;
	}
	if (rc == STALLED)
		return failx(EXIT_TIMEOUT, L"\"%ls\"%ls: nothing new for %llu s (--wait), its writer still "
		    L"at work; %llu integers were checked%ls", subject, via, (unsigned long long)a->wait,
		    (unsigned long long)f->done, and_printed);
	if (rc == BAD_BLOCK)
		return failx(EXIT_DATA, L"\"%ls\"%ls: the block from integer %llu does not match its "
		    L"checksum: the data changed after it was written; %llu integers were checked%ls",
		    subject, via, (unsigned long long)f->done, (unsigned long long)f->done, and_printed);
	if (rc != 0)
		return rc;
	if (st != MD_OK)
		return failx(EXIT_DATA, L"\"%ls\"%ls: its writer ended without finishing (killed, "
		    L"crashed or failed); %llu integers were checked%ls", subject, via,
		    (unsigned long long)f->done, and_printed);
	if (md_sum_final(&f->b.sum) != h->checksum)
		return failx(EXIT_DATA, L"\"%ls\"%ls: %hs", subject, via, md_reason(MD_ECHECKSUM));
	return a->check ? summary(subject, h, via) : 0;
}

/*
 * Caught up with the writer: what is checked goes out now, not when a
 * buffer fills; then the wait for more (wait_writer), each a little longer.
 * STALLED when --wait seconds have passed since anything new came.
 */
static int caught_up(const struct args *a, struct follower *f, const wchar_t *name,
    const wchar_t *subject, DWORD *ms, ULONGLONG since, ULONGLONG last)
{
	int rc;

	if (a->wait > 0 && GetTickCount64() - last > a->wait * 1000)
		return STALLED;
	if (!a->check && out.n[out.k] > 0 && (rc = flush_out()) != 0)
		return rc;
	if ((rc = wait_writer(name, subject, &f->wt, *ms, since, 1)) == 0 && *ms < 16)
		*ms *= 2;
	return rc;
}

/*
 * fmread --follow: reads a writer's version-2 data while it is written.
 * Each look takes every block published since the last, and hands what was
 * formatted to stdout; caught up, it waits for the writer (wait_writer).
 * Complete, the sum of all it took must be the header's checksum. Should
 * the writer end without finishing, or a block not match its checksum,
 * what was checked is printed, and one line says how much: exit 3.
 */
static int follow(struct window w[2], const struct args *a, const wchar_t *name, const wchar_t *via)
{
	static struct follower f;
	struct md_header h;
	ULONGLONG since = GetTickCount64(), last = since;
	enum md_status st = MD_EINCOMPLETE;
	DWORD ms = 1;
	int rc = 0;

	memset(&f, 0, sizeof f);
	fmt_init(&fmt);
	while (rc == 0) {
		if ((rc = look(w, &f, name, via, &h, &st)) == NOT_FOLLOWED)
			return rc;
		if (rc == NOT_YET) {     /* not begun: wait, unless no writer is at work */
			rc = wait_writer(name, w[0].subject, &f.wt, 10, since, 0);
			if (f.wt.writer_died)
				break;
			continue;
		}
		if (rc == 0 && !a->check && !f.printing)
			start_output(), f.printing = 1;
		if (rc == 0 && h.published > f.done) {
			ms = 1, last = GetTickCount64();
			rc = take_blocks(&w[0], &f.b, a, h.published, &f.done);
		}
		/* ended: well (then this look found it complete) or not */
		if (rc != 0 || st == MD_OK || f.wt.writer_died || f.wt.idle)
			break;
		rc = caught_up(a, &f, name, w[0].subject, &ms, since, last);
	}
	if (f.started)
		blocks_end(&f.b);
	close_handle(f.wt.writer, name);
	return follow_end(a, &f, rc, st, &h, w[0].subject, via);
}

/*
 * Checks the header, then the checksum over all the data (in two halves, on
 * two threads: reading memory is its cost), then prints through w[0].
 * `live` as for check_header.
 */
static int show(struct window w[2], const struct args *a, int can_wait, const wchar_t *live)
{
	static wchar_t via[NAME_MAX + 24];
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
		rc = failx(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(MD_EBLOCKSUM));
	md_sum_join(&pass[0].blocks.sum, &pass[1].blocks.sum);
	bad = rc == 0 && md_sum_final(&pass[0].blocks.sum) != h.checksum;
	if (rc == 0 && !bad && !a->check)
		rc = print_all(&w[0], &h, &progress, via);
	progress_end(&progress);
	if (rc != 0)
		return rc;
	if (bad)
		return failx(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(MD_ECHECKSUM));
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
	    GetFileInformationByHandleEx(file, FileIdInfo, &read_id, sizeof read_id);
	if (file == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		/* not there yet, or its writer still has it */
		if (can_wait && (err == ERROR_FILE_NOT_FOUND || err == ERROR_SHARING_VIOLATION))
			return NOT_YET;
		return fail(L"CreateFileW", a->file, err);
	}
	if (!GetFileSizeEx(file, &size)) {
		rc = fail(L"GetFileSizeEx", a->file, GetLastError());
		goto out;
	}
	/* an empty file cannot even be mapped (ERROR_FILE_INVALID): say why */
	if ((uint64_t)size.QuadPart < sizeof(struct md_header)) {
		rc = failx(EXIT_DATA, L"\"%ls\": %hs", a->file, md_reason(MD_ESHORT));
		goto out;
	}
	/* size 0: the mapping is as large as the file */
	map = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
	if (map == NULL) {
		rc = fail(L"CreateFileMappingW", a->file, GetLastError());
		goto out;
	}
	w[0].map = map, w[0].size = (uint64_t)size.QuadPart, w[0].access = FILE_MAP_READ;
	w[0].subject = a->file;
	w[1] = w[0];
	on_fault(w, EXIT_DATA, L"reading", L"the file changed or could not be read", NULL);
	if (!said_reading)
		info(a, L"reading file \"%ls\"", a->file);
	said_reading = 1;            /* once, however many looks it takes */
	rc = show(w, a, can_wait, NULL);
out:
	win_close(&w[0]);            /* w[1] is closed: win_halves does it */
	off_fault(w);
	close_handle(map, a->file);
	close_handle(file, a->file);
	return rc;
}

/*
 * How many bytes of a live mapping to read: as many as its header announces,
 * if the mapping holds them all (a view of its last bytes can be made), else
 * just the header, which show() then finds truncated. Never a view of all of
 * it: a 32-bit reader has no room for one past a GiB or two.
 */
static int mapping_size(HANDLE map, const wchar_t *name, uint64_t *size)
{
	struct md_header h;
	uint64_t want, off;
	void *p;

	if ((p = MapViewOfFile(map, FILE_MAP_READ, 0, 0, sizeof h)) == NULL)
		return fail(L"MapViewOfFile", name, GetLastError());
	memcpy(&h, p, sizeof h);
	if (!UnmapViewOfFile(p))
		warn(L"UnmapViewOfFile", name, GetLastError());
	*size = sizeof h;
	if (h.count == 0 || h.count > MD_MAXCOUNT)
		return 0;
	want = md_size(&h);
	off = (want - 1) / FM_GRAIN * FM_GRAIN;
	p = MapViewOfFile(map, FILE_MAP_READ, (DWORD)(off >> 32), (DWORD)off, (SIZE_T)(want - off));
	if (p == NULL) {
		DWORD err = GetLastError();

		/* past the mapping's end: 5 (STATUS_INVALID_VIEW_SIZE), 87 if it starts past it */
		return err == ERROR_ACCESS_DENIED || err == ERROR_INVALID_PARAMETER ? 0 :
		    fail(L"MapViewOfFile", name, err);
	}
	*size = want;
	if (!UnmapViewOfFile(p))
		warn(L"UnmapViewOfFile", name, GetLastError());
	return 0;
}

/* Tells a holding writer that its data has been read, so it can let go. */
static void report_done(const wchar_t *name)
{
	wchar_t full[NAME_MAX + 8];
	HANDLE done;

	swprintf(full, NAME_MAX + 8, L"%ls.done", name);
	if ((done = OpenSemaphoreW(SEMAPHORE_MODIFY_STATE, FALSE, full)) == NULL)
		return;                  /* nobody is holding: nobody to tell */
	if (!ReleaseSemaphore(done, 1, NULL))
		warn(L"ReleaseSemaphore", full, GetLastError());
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
			info(a, L"attached to live mapping \"%ls\"", name);
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

#define NOT_OURS (-2)            /* a live mapping that is not to be read */
#define WRITING (-4)             /* a live mapping of FILE's writer, still writing */

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
	wchar_t owner[96];
	int rc, ok;

	if ((rc = check_owner(map, name, &ok, owner)) != 0)
		return rc;
	if (!ok && a->file == NULL)
		return failx(EXIT_DATA, L"\"%ls\": another user owns this mapping (%ls); not read",
		    name, owner);
	if (!ok) {
		note(L"not reading live mapping \"%ls\": another user owns it (%ls); reading the file",
		    name, owner);
		return NOT_OURS;
	}
	if (a->file == NULL || (rc = mapped_file(map, a->file, &where, &ok)) != 0)
		return rc;
	/* FILE's writer at work on its new file: what a follower is for */
	if (ok == MAPS_NEW_FILE && a->follow)
		return 0;
	/* gone: under Wine, a holder between its rename and its mapping made anew */
	if (ok == MAPS_NEW_FILE || (ok == MAPS_GONE && can_wait))
		return WRITING;
	if (ok != MAPS_FILE) {
		note(L"not reading live mapping \"%ls\": %ls \"%ls\"; reading the file", name,
		    ok == MAPS_UNKNOWN ? L"the system cannot name the file it maps, to compare it with" :
		    L"it is not a mapping of", a->file);
		return NOT_OURS;
	}
	return 0;
}

/*
 * After FILE was read from the file: if a holder now holds FILE's mapping
 * and that file is the very file read (it was read between the holder's
 * rename and its mapping made anew, under Wine), it has been read: say so.
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
			return can_wait ? NOT_YET : failx(EXIT_DATA, L"\"%ls\" (live mapping \"%ls\"): "
			    L"incomplete: its writer is still writing it", a->file, name);
		if (rc != NOT_OURS)
			return rc;
	} else if (err != ERROR_FILE_NOT_FOUND) {
		return fail(L"OpenFileMappingW", name, err);
	}
	if (a->file == NULL)
		return can_wait ? NOT_YET : fail(L"OpenFileMappingW", name, err);
	if ((rc = read_file(a, can_wait)) == 0 && !a->check)
		done_if_held(a, name);
	return rc;
}

/*
 * Is a writer at work on NAME.writer, now that its last one ended well?
 * Kept open, the mutex stays the one object by that name, which the next
 * writer takes over: owned by someone (a timeout) means a writer again.
 */
static void writer_again(struct waiting *wt)
{
	DWORD r = WaitForSingleObject(wt->writer, 0);

	if (r == WAIT_OBJECT_0)
		ReleaseMutex(wt->writer);        /* nobody's: still idle */
	else if (r == WAIT_TIMEOUT)
		wt->idle = 0;
	else if (r == WAIT_ABANDONED)
		wt->writer_died = 1;
}

/*
 * How long one wait may last before the next look: a follower looks every
 * 20 ms (a writer at work is what it waits for); without a writer's mutex
 * to wait on, or with .ready found stale, every 100 ms; else to the end.
 */
static DWORD look_every(const struct args *a, const struct waiting *wt, int on_writer)
{
	if (a->follow)
		return 20;
	return wt->stale || !on_writer ? 100 : INFINITE;
}

/*
 * One wait until `end` for Ctrl+C, NAME.ready, or NAME.writer: NOT_YET to
 * look again, else the exit code of the line said. Without a writer at work
 * on the mutex, or with .ready found stale, the wait lasts 100 ms at most,
 * so a writer that starts and dies meanwhile is noticed within that much.
 */
static int wait_once(const struct args *a, const wchar_t *name, struct waiting *wt, ULONGLONG end)
{
	ULONGLONG now = GetTickCount64();
	HANDLE h[3] = { interrupt_event() };
	DWORD n = 1, r, ms;
	int at_writer = -1, at_ready = -1;

	if (now >= end)
		return failx(EXIT_TIMEOUT, L"timed out after %llu s waiting for \"%ls\"",
		    (unsigned long long)a->wait, a->file != NULL ? a->file : name);
	if (wt->writer == NULL && !wt->foreign)
		find_writer(name, wt);
	if (wt->writer != NULL && wt->idle)
		writer_again(wt);
	if (wt->writer_died)
		return NOT_YET;          /* the caller looks once more, then says so */
	if (wt->writer != NULL && !wt->idle)
		at_writer = (int)n, h[n++] = wt->writer;
	if (!wt->stale)
		at_ready = (int)n, h[n++] = wt->ready;
	ms = (DWORD)(end - now);
	if (ms > look_every(a, wt, at_writer >= 0))
		ms = look_every(a, wt, at_writer >= 0);
	r = WaitForMultipleObjects(n, h, FALSE, ms);
	if (r == WAIT_OBJECT_0)
		return interrupted_while(L"waiting for", a->file != NULL ? a->file : name);
	if (r == WAIT_FAILED)
		return fail(L"WaitForMultipleObjects", name, GetLastError());
	if (at_ready >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_ready)
		wt->stale = 1;           /* if the next look finds nothing, the signal was stale */
	if (at_writer >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_writer) {
		/* the writer ended well: let go, for other readers and the next writer */
		ReleaseMutex(wt->writer);
		wt->idle = 1;
	}
	/* abandoned: kept owned, so that at this reader's end it is abandoned again
	 * for the next reader to learn the same */
	if (at_writer >= 0 && r == WAIT_ABANDONED_0 + (DWORD)at_writer)
		wt->writer_died = 1;
	return NOT_YET;
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
	struct waiting wt = { 0 };
	ULONGLONG end = GetTickCount64() + a->wait * 1000;
	int rc;

	if ((a->name == NULL && (rc = locate(a->file, &where)) != 0) ||
	    (rc = object_name(a, &where, name)) != 0)
		return rc;
	while ((rc = attempt(a, name, a->wait > 0)) == NOT_YET) {
		if (wt.writer_died) {
			rc = failx(EXIT_DATA, L"\"%ls\": its writer ended without finishing (killed, "
			    L"crashed or failed); nothing was printed", a->file != NULL ? a->file : name);
			break;
		}
		if (wt.ready == NULL) {
			/* made before the next look, so no signal falls in between */
			if ((rc = owner_only(&sa, name)) != 0 || (rc = open_event(&sa, name, L".ready", 0, &wt.ready)) != 0)
				break;
			info(a, L"waiting up to %llu s for \"%ls\"", (unsigned long long)a->wait, name);
			continue;
		}
		if ((rc = wait_once(a, name, &wt, end)) != NOT_YET)
			break;
	}
	close_handle(wt.writer, name);
	close_handle(wt.ready, name);
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
		return failx(EXIT_USAGE, L"no FILE given (see --help)");
	return read_any(&a);
}
