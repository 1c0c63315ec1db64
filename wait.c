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
 */
#include "wait.h"
#include "console.h"
#include "msg.h"
#include "security.h"

#include <wchar.h>

#define MUTEX_ACCESS (SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL)

struct waiting writer_watch;

/*
 * Opens or makes NAME.writer; only this user's counts (another user's is not
 * asked again). Where the reader may not make it (Global\ without the
 * privilege), it opens one a writer has made. 0, or the exit code of the
 * line said.
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
	if (check_owner(wt->writer, full, &mine, owner) != 0 || !mine) {
		close_handle(wt->writer, full);
		wt->writer = NULL;
		wt->foreign = 1;
	}
	return 0;
}

/*
 * One look at NAME.writer, unless a writer is already known to be at work:
 * nobody's, the mutex is taken and given back at once (a writer that wants
 * it meanwhile waits for it); owned, a writer is at work; abandoned, its
 * writer stopped short, and the mutex is kept owned, so that at this
 * reader's end it is abandoned again for the next reader to learn the same.
 */
static int look_at_writer(const wchar_t *name, struct waiting *wt)
{
	DWORD r;
	int rc;

	if (wt->writer == NULL && !wt->foreign && (rc = find_writer(name, wt)) != 0)
		return rc;
	if (wt->writer == NULL || wt->at_work || wt->writer_died)
		return 0;
	r = WaitForSingleObject(wt->writer, 0);
	if (r == WAIT_OBJECT_0 && !ReleaseMutex(wt->writer))
		return fail_call(L"ReleaseMutex", name, GetLastError());
	if (r == WAIT_TIMEOUT)
		wt->at_work = 1, wt->ended_well = 0;  /* a writer again, after one that ended */
	wt->writer_died = r == WAIT_ABANDONED;
	return 0;
}

/*
 * The watcher: waits up to `ms` for Ctrl+C, for `ready` (unless NULL), and
 * for the end of the writer at work. Its end is recorded: released, it
 * ended well (wt->ended_well: the next look must find its data complete);
 * abandoned, it did not (wt->writer_died). 0, or the exit code of the
 * line said.
 */
static int watch(const wchar_t *name, struct waiting *wt, HANDLE ready, DWORD ms, const wchar_t *doing,
    const wchar_t *subject)
{
	HANDLE h[3] = { interrupt_event() };
	DWORD n = 1, r;
	int at_writer = -1, at_ready = -1;

	if (wt->at_work)
		at_writer = (int)n, h[n++] = wt->writer;
	if (ready != NULL)
		at_ready = (int)n, h[n++] = ready;
	r = WaitForMultipleObjects(n, h, FALSE, ms);
	if (r == WAIT_OBJECT_0)
		return interrupted_while(doing, subject);
	if (r == WAIT_FAILED)
		return fail_call(L"WaitForMultipleObjects", name, GetLastError());
	if (at_ready >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_ready)
		wt->stale = 1;           /* if the next look finds nothing, the signal was stale */
	if (at_writer >= 0 && r == WAIT_OBJECT_0 + (DWORD)at_writer) {
		/* released: given back at once, for other readers and the next writer */
		if (!ReleaseMutex(wt->writer))
			return fail_call(L"ReleaseMutex", name, GetLastError());
		wt->at_work = 0, wt->ended_well = 1;
	}
	if (at_writer >= 0 && r == WAIT_ABANDONED_0 + (DWORD)at_writer)
		wt->at_work = 0, wt->writer_died = 1;   /* kept owned, as in look_at_writer */
	return 0;
}

/*
 * A follower, its writer's mapping found, waits `ms` for more: 1 ms, then
 * twice as long each time nothing new has come, up to 16 ms (publishing is
 * a store: the writer makes no call to wake it). While a writer is known
 * to be at work, the short waits only sleep, with blocks coming in a
 * steady stream (under Wine each wait on an object is a round trip to the
 * wineserver); the 16 ms ones are on NAME.writer too, so its end is seen at
 * once. No writer of this user's at work a second after the mapping was
 * found (`since`: a mapping made by another program, or one whose writer
 * died between two looks) means none will finish it: wt->writer_died.
 * Returns 0 to look again, or the exit code of the line said.
 */
int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
    ULONGLONG since)
{
	int rc;

	if ((rc = look_at_writer(name, wt)) != 0 || wt->writer_died)
		return rc;
	if (!wt->at_work && !wt->ended_well && GetTickCount64() - since > 1000) {
		wt->writer_died = 1;
		return 0;
	}
	if (wt->at_work && ms < 16) {
		Sleep(ms);
		return interrupted ? interrupted_while(L"following", subject) : 0;
	}
	return watch(name, wt, NULL, ms, L"following", subject);
}

/*
 * One wait until `end` for Ctrl+C, NAME.ready, or NAME.writer: NOT_YET to
 * look again, else the exit code of the line said. A follower looks every
 * 20 ms (a writer at work is what it waits for); without a writer at work,
 * or with .ready found stale, the wait lasts 100 ms at most; else until
 * the writer's signal, or its end.
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
	if ((rc = look_at_writer(name, wt)) != 0)
		return rc;
	if (wt->writer_died)
		return NOT_YET;          /* the caller looks once more, then says so */
	ms = a->follow ? 20 : wt->stale || !wt->at_work ? 100 : INFINITE;
	if (end - now < ms)
		ms = (DWORD)(end - now);
	rc = watch(name, wt, wt->stale ? NULL : wt->ready, ms, L"waiting for", subject);
	return rc != 0 ? rc : NOT_YET;
}

/* Closes what the watcher holds; an abandoned mutex it owns is abandoned again at exit. */
void end_watch(const wchar_t *name, struct waiting *wt)
{
	close_handle(wt->writer, name);
	close_handle(wt->ready, name);
	wt->writer = wt->ready = NULL;
}
