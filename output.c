/*
 * output.c - fmread's stdout: integers formatted a run at a time into one
 * of two 4 MiB blocks, which a thread of its own writes while the next is
 * filled; and --check's one line.
 */
#include "output.h"
#include "console.h"
#include "format.h"
#include "msg.h"

#include <wchar.h>

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

void start_output(void)
{
	fmt_init(&fmt);
	out.thread = CreateThread(NULL, 0, write_blocks, NULL, 0, NULL);
}

/* Hands the block being filled to the writer, and takes the other one. */
int flush_out(void)
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
int end_output(int rc)
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

/* Formats n integers already copied out of the view (and summed by the caller), a run at a time. */
int emit(const int32_t *copy, size_t n)
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

/* --check's one line on stdout, names shown as on stderr (control characters escaped) */
int summary(const wchar_t *subject, const struct md_header *h, const wchar_t *via)
{
	return print_line(L"%ls: valid, %llu integers, checksum %08lx%08lx%ls", subject,
	    (unsigned long long)h->count, (unsigned long)(h->checksum >> 32),
	    (unsigned long)(h->checksum & 0xFFFFFFFFu), via);
}


/* Is something formatted and not yet handed to the output thread? */
int output_pending(void)
{
	return out.n[out.k] > 0;
}
