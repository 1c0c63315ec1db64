/*
 * wait.c - waiting for a writer: on NAME.ready, which the writer sets when
 * its data is complete, and on NAME.writer, the mutex it owns while it
 * writes (released when it ends well, abandoned when it does not).
 */
#include "wait.h"
#include "console.h"
#include "msg.h"
#include "security.h"

#include <wchar.h>

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
 * NAME.writer too, so its end (released or abandoned) is seen at once; the
 * shorter ones sleep, while blocks come in a steady stream. Returns 0 to
 * look again, or the exit code of the line said; sets wt->writer_died when
 * the writer has ended without finishing, wt->idle when it has ended well
 * (the next look must find it complete).
 * Until the header is `begun`, a NAME.writer nobody owns is not waited on
 * (fmwrite makes its mapping, then owns the mutex): none, or none owned,
 * a second after the mapping was found, means no writer is at work.
 */
int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
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
		return fail_call(L"WaitForMultipleObjects", name, GetLastError());
	if (r == WAIT_OBJECT_0 + 1) {
		/* released: its writer ended well, so the next look finds the data complete */
		ReleaseMutex(wt->writer);
		wt->idle = 1;
	}
	/* abandoned: kept owned, so that the next reader learns the same */
	if (r == WAIT_ABANDONED_0 + 1)
		wt->writer_died = 1;
	return 0;
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
int wait_once(const struct args *a, const wchar_t *name, struct waiting *wt, ULONGLONG end)
{
	ULONGLONG now = GetTickCount64();
	HANDLE h[3] = { interrupt_event() };
	DWORD n = 1, r, ms;
	int at_writer = -1, at_ready = -1;

	if (now >= end)
		return fail_with(EXIT_TIMEOUT, L"timed out after %llu s waiting for \"%ls\"",
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
		return fail_call(L"WaitForMultipleObjects", name, GetLastError());
	if (at_ready >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_ready)
		wt->stale = 1;           /* if the next look finds nothing, the signal was stale */
	if (at_writer >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_writer) {
		/* the writer ended well: release it, for other readers and the next writer */
		ReleaseMutex(wt->writer);
		wt->idle = 1;
	}
	/* abandoned: kept owned, so that at this reader's end it is abandoned again
	 * for the next reader to learn the same */
	if (at_writer >= 0 && r == WAIT_ABANDONED_0 + (DWORD)at_writer)
		wt->writer_died = 1;
	return NOT_YET;
}
