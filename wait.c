/*
 * wait.c - waiting for a writer: on NAME.ready, which the writer sets when
 * its data is complete, and on NAME.writer, the mutex it owns while it
 * writes (released when it ends well, abandoned when it does not).
 *
 * One watcher of NAME.writer (watch) serves both kinds of wait: the reader
 * that waits for data to appear (wait_once) and the follower that waits for
 * more (wait_writer). The reader opens the mutex, or makes it when no
 * writer has yet: a writer that starts later owns this very object (fmwrite
 * owns it before it makes anything else of the name), so should it die at
 * any point, even between two of the reader's looks, the mutex the reader
 * holds is left abandoned, and the reader learns of it at its next look.
 *
 * Each look at the mutex runs on a thread of its own, which ends as soon
 * as it has its answer: a mutex it finds free it gives back at once; one it
 * finds abandoned it keeps, so that the system marks it abandoned again the
 * moment the thread ends, for the next reader to learn the same. No reader
 * keeps the mutex longer than a look: a writer that wants it is not kept
 * waiting, and the news of a death goes from reader to reader in a moment.
 */
#include "wait.h"
#include "console.h"
#include "msg.h"
#include "security.h"

#include <wchar.h>

#define MUTEX_ACCESS (SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL)
#define LOOK_MAX 1000            /* ms: a look lasts no longer; another follows */

struct waiting writer_watch;

/*
 * Opens or makes NAME.writer; only this user's counts (another user's is not
 * asked again). Where the reader may not make it, it opens one a writer
 * has made. 0, or the exit code of the line said.
 */
static int find_writer(const wchar_t *name, struct waiting *wt)
{
	wchar_t full[NAME_MAX + 8], owner[96];
	SECURITY_ATTRIBUTES sa;
	DWORD err;
	int rc, mine = 0;

	swprintf(full, NAME_MAX + 8, L"%ls.writer", name);
	if ((rc = owner_only(&sa, full)) != 0)
		return rc;
	wt->writer = CreateMutexExW(&sa, full, 0, MUTEX_ACCESS);
	err = GetLastError();
	if (wt->writer != NULL && err != ERROR_ALREADY_EXISTS)
		return 0;                /* made here: this user's */
	if (wt->writer == NULL && (wt->writer = OpenMutexW(MUTEX_ACCESS, FALSE, full)) == NULL)
		return 0;                /* none yet, or a name of another kind: looked for again */
	if ((rc = check_owner(wt->writer, full, &mine, owner)) != 0 || !mine) {
		close_handle(wt->writer, full);
		wt->writer = NULL;
		wt->foreign = rc == 0;
	}
	return rc;
}

/*
 * The look's thread: waits for the mutex, or for end_watch's wt->stop; free,
 * gives it back; abandoned, ends owning it.
 */
static DWORD WINAPI look(void *arg)
{
	struct waiting *wt = arg;
	HANDLE h[2] = { wt->writer, wt->stop };
	DWORD r = WaitForMultipleObjects(2, h, FALSE, wt->look_ms);

	if (r == WAIT_OBJECT_0)
		ReleaseMutex(wt->writer);
	wt->look_err = r == WAIT_FAILED ? GetLastError() : 0;
	wt->answer = r == WAIT_OBJECT_0 + 1 ? WAIT_TIMEOUT : r;
	return 0;
}

/*
 * The look has answered: free (no writer at work), owned for the whole look
 * (a writer at work), or abandoned (a writer died). An abandoned mutex
 * does not say when its writer died: a reader that starts after a death,
 * while another reader still holds the mutex open, is told of it too
 * (protocol.md). 0, or the exit code of the line said.
 */
static int take_answer(const wchar_t *name, struct waiting *wt)
{
	close_handle(wt->look, L"<thread>");
	wt->look = NULL;
	if (wt->answer == WAIT_FAILED)
		return fail_call(L"WaitForMultipleObjects", name, wt->look_err);
	wt->answered = 1;
	wt->at_work = wt->answer == WAIT_TIMEOUT;
	wt->writer_died |= wt->answer == WAIT_ABANDONED;
	return 0;
}

/* Starts a look at NAME.writer on a thread of its own, unless one is under way. */
static int start_look(const wchar_t *name, struct waiting *wt, DWORD ms)
{
	if (wt->writer == NULL || wt->look != NULL || wt->writer_died)
		return 0;
	wt->look_ms = ms < LOOK_MAX ? ms : LOOK_MAX;
	if ((wt->look = CreateThread(NULL, 0, look, wt, 0, NULL)) == NULL)
		return fail_call(L"CreateThread", name, GetLastError());
	return 0;
}

enum woke { WOKE_BY_TIME, WOKE_BY_READY, WOKE_BY_LOOK };

/* One wait for Ctrl+C, `ready` (unless NULL) and the look under way (if any). */
static int wait_some(const wchar_t *name, struct waiting *wt, HANDLE ready, DWORD ms, const wchar_t *doing,
    const wchar_t *subject, enum woke *woke)
{
	HANDLE h[3] = { interrupt_event() };
	DWORD n = 1, r;

	if (ready != NULL)
		h[n++] = ready;
	if (wt->look != NULL)
		h[n++] = wt->look;
	r = WaitForMultipleObjects(n, h, FALSE, ms);
	if (r == WAIT_OBJECT_0)
		return interrupted_while(doing, subject);
	if (r == WAIT_FAILED)
		return fail_call(L"WaitForMultipleObjects", name, GetLastError());
	*woke = r == WAIT_TIMEOUT ? WOKE_BY_TIME : ready != NULL && r == WAIT_OBJECT_0 + 1 ? WOKE_BY_READY :
	    WOKE_BY_LOOK;
	return 0;
}

/* What is left of a wait of `ms` (INFINITE: no end) that ends at `end`. */
static DWORD time_left(ULONGLONG end, DWORD ms)
{
	ULONGLONG now = GetTickCount64();

	return ms == INFINITE ? INFINITE : now >= end ? 0 : (DWORD)(end - now);
}

/*
 * The watcher: waits up to `ms` (INFINITE: until something happens) for
 * Ctrl+C, for `ready` (unless NULL), and for what a look at NAME.writer
 * says. A look that finds the mutex free does not end the wait, unless a
 * writer was at work before (then it has just ended: look at its data);
 * while one finds it owned for as long as it lasted, a writer is at work,
 * and the next look follows. 0, or the exit code of the line said.
 */
static int watch(const wchar_t *name, struct waiting *wt, HANDLE ready, DWORD ms, const wchar_t *doing,
    const wchar_t *subject)
{
	ULONGLONG end = GetTickCount64() + (ms == INFINITE ? 0 : ms);
	DWORD left = ms;
	int rc, was_at_work = wt->at_work, may_look = 1;
	enum woke woke = WOKE_BY_TIME;

	if (wt->writer == NULL && !wt->foreign && (rc = find_writer(name, wt)) != 0)
		return rc;
	if (wt->stop == NULL && (wt->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return fail_call(L"CreateEventW", name, GetLastError());
	for (;;) {
		if (may_look && (rc = start_look(name, wt, left)) != 0)
			return rc;
		if ((rc = wait_some(name, wt, ready, left, doing, subject, &woke)) != 0 || woke == WOKE_BY_TIME)
			return rc;
		if (woke == WOKE_BY_READY) {
			wt->stale = 1;   /* if the next look finds nothing, the signal was stale */
			return 0;
		}
		if ((rc = take_answer(name, wt)) != 0)
			return rc;
		if (wt->writer_died || (was_at_work && !wt->at_work) || (left = time_left(end, ms)) == 0)
			return 0;
		if (!wt->at_work && left > 100)
			left = 100;      /* free: no writer; the next look in 100 ms at most */
		may_look = was_at_work = wt->at_work;   /* while one is at work, look on */
	}
}

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION   /* not in every SDK */
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x2
#endif

/*
 * A short sleep, as short as asked, or until Ctrl+C. Windows' Sleep lasts
 * at least to the next tick of the system clock, 15.6 ms by default, so a
 * follower's 1, 2, 4 and 8 ms would each be about 16 ms: a high-resolution
 * waitable timer (Windows 10 1803 and later; Wine has one too) is not
 * rounded so. Where the system has none, Sleep.
 */
static int short_sleep(struct waiting *wt, DWORD ms, const wchar_t *subject)
{
	HANDLE h[2] = { interrupt_event(), NULL };
	LARGE_INTEGER due;

	if (wt->timer == NULL && !wt->no_timer && (wt->timer = CreateWaitableTimerExW(NULL, NULL,
	    CREATE_WAITABLE_TIMER_HIGH_RESOLUTION, TIMER_MODIFY_STATE | SYNCHRONIZE)) == NULL)
		wt->no_timer = 1;
	due.QuadPart = -(LONGLONG)ms * 10000;     /* relative, in 100 ns */
	if (wt->timer != NULL && SetWaitableTimer(wt->timer, &due, 0, NULL, NULL, FALSE)) {
		h[1] = wt->timer;
		if (WaitForMultipleObjects(2, h, FALSE, ms + 100) == WAIT_FAILED)
			return fail_call(L"WaitForMultipleObjects", subject, GetLastError());
	} else {
		Sleep(ms);
	}
	return interrupted ? interrupted_while(L"following", subject) : 0;
}

/*
 * A follower, its writer's mapping found, waits `ms` for more: 1 ms, then
 * twice as long each time nothing new has come, up to 16 ms (publishing is
 * a store: the writer makes no call to wake it). While a writer is known
 * to be at work, the short waits only sleep (short_sleep), with blocks
 * coming in a steady stream; the 16 ms ones look at NAME.writer too, so its
 * end is seen within a look or two. No writer of this user's at work a
 * second after the mapping was found (`since`: a mapping made by another
 * program, or one whose writer has ended, well, when its data is complete,
 * or not) means none will finish it: wt->writer_died. Returns 0 to look
 * again, or the exit code of the line said.
 */
int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
    ULONGLONG since)
{
	int rc;

	if (wt->at_work && ms < 16)
		return short_sleep(wt, ms, subject);
	if ((rc = watch(name, wt, NULL, ms, L"following", subject)) != 0 || wt->writer_died)
		return rc;
	/* only once a look has answered: printing may have kept it from looking */
	if (!wt->at_work && (wt->answered || wt->writer == NULL) && GetTickCount64() - since > 1000)
		wt->writer_died = 1;
	return 0;
}

/*
 * A follower starts: what the watcher knew while it waited for the mapping
 * (a writer seen at work, perhaps only another reader's look) is looked at
 * afresh. A look still under way began before: its answer is taken now
 * (20 ms at most), and only a death it tells of stays learnt. 0, or the
 * exit code of the line said.
 */
int watch_afresh(const wchar_t *name, struct waiting *wt)
{
	int rc = 0;

	if (wt->look != NULL) {
		WaitForSingleObject(wt->look, INFINITE);
		rc = take_answer(name, wt);
	}
	wt->at_work = wt->answered = 0;
	return rc;
}

/*
 * One wait until `end` for Ctrl+C, NAME.ready, or NAME.writer: NOT_YET to
 * look again, else the exit code of the line said. A follower looks every
 * 20 ms (a writer at work is what it waits for); without a writer at work,
 * or with .ready found stale, every 100 ms at most; else at the writer's
 * signal, or its end.
 */
int wait_once(const struct args *a, const wchar_t *name, struct waiting *wt, ULONGLONG end)
{
	const wchar_t *subject = a->file != NULL ? a->file : name;
	ULONGLONG now = GetTickCount64();
	DWORD ms;
	int rc;

	if (now >= end)
		return fail_with(EXIT_TIMEOUT, L"timed out after %llu s waiting for \"%ls\"",
		    (unsigned long long)a->wait, subject);
	if (wt->writer_died)
		return NOT_YET;          /* the caller looks once more, then says so */
	ms = a->follow ? 20 : wt->stale || !wt->at_work ? 100 : INFINITE;
	if (end - now < ms)
		ms = (DWORD)(end - now);
	rc = watch(name, wt, wt->stale ? NULL : wt->ready, ms, L"waiting for", subject);
	return rc != 0 ? rc : NOT_YET;
}

/*
 * Closes what the watcher holds, once a look still under way has been told
 * to stop and has ended (a thread that ended owning a free mutex would
 * leave it abandoned: a false death for other readers).
 */
void end_watch(const wchar_t *name, struct waiting *wt)
{
	if (wt->look != NULL) {
		SetEvent(wt->stop);
		WaitForSingleObject(wt->look, INFINITE);
		close_handle(wt->look, L"<thread>");
	}
	close_handle(wt->stop, name);
	close_handle(wt->timer, name);
	close_handle(wt->writer, name);
	close_handle(wt->ready, name);
	wt->look = wt->stop = wt->timer = wt->writer = wt->ready = NULL;
}
