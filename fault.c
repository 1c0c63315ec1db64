/*
 * fault.c - the one way out after an exception, and the one handler for
 * faults in views. An access to a view faults when the file shrinks under
 * it, or the disk fails or fills; that is ours only when it hits a window
 * this process watches (on_fault ... off_fault, or a block walk's own
 * windows): then one line, the views released, what the program made
 * abandoned (on_abort), and exit with the code given. Any other crash is
 * an internal error (exit 6), said the same way (catch_crashes).
 */
#include "fault.h"
#include "memdata.h"
#include "msg.h"

#include <stdarg.h>
#include <wchar.h>

#define FAULT_WINDOWS 6
static struct window *volatile fault_win[FAULT_WINDOWS];

/* Unmaps every view a fault could be in: the program is ending (abort_with). */
void release_views(void)
{
	int i;

	for (i = 0; i < FAULT_WINDOWS; i++)
		if (fault_win[i] != NULL)
			UnmapViewOfFile(fault_win[i]->base);   /* NULL when nothing is mapped: harmless */
}

static void (*fault_abandon)(void);
volatile LONG aborting;         /* the id of the thread in abort_with, 0 if none */

/*
 * The one way out after an exception: one line (a second thread that gets
 * here meanwhile waits for the end; a second exception in this thread ends
 * the process at once), release the views, let the program
 * abandon what it made (fmwrite's new file), end. Not ExitProcess: it would
 * run DLL detach with the other threads stopped anywhere.
 */
void abort_with(int code, const wchar_t *fmt, ...)
{
	static volatile LONG first_code;   /* the code of the way out under way */
	LONG self = (LONG)GetCurrentThreadId(), was;
	va_list ap;

	/* a second fault in this very thread, on its way out: out at once, with
	 * the first one's code; another thread waits, for this one ends the process */
	if ((was = InterlockedCompareExchange(&aborting, self, 0)) == self)
		TerminateProcess(GetCurrentProcess(), (UINT)first_code);
	if (was != 0)
		Sleep(INFINITE);
	first_code = code;
	va_start(ap, fmt);
	say_error_ending(fmt, ap);
	va_end(ap);
	release_views();
	if (fault_abandon != NULL)
		fault_abandon();
	TerminateProcess(GetCurrentProcess(), (UINT)code);
}

/* What to do, should the program stop at an exception: fmwrite removes its new file. */
void on_abort(void (*abandon)(void))
{
	fault_abandon = abandon;
}

/* Last resort: no crash reaches the user as a dialog, a silent exit or a lie. */
static LONG WINAPI crashed(EXCEPTION_POINTERS *ep)
{
	EXCEPTION_RECORD *r = ep->ExceptionRecord;

	abort_with(EXIT_INTERNAL, L"internal error: exception 0x%08lX at %p (a bug: please report it)",
	    (unsigned long)r->ExceptionCode, r->ExceptionAddress);
	return EXCEPTION_CONTINUE_SEARCH;
}

/* From now on a crash ends the program the one way (abort_with), exit 6. */
void catch_crashes(void)
{
	SetUnhandledExceptionFilter(crashed);
}

static int fault_code;
static const wchar_t *fault_what, *fault_why, *fault_file;

/*
 * Why a view faulted. Windows raises EXCEPTION_IN_PAGE_ERROR with the I/O's
 * NTSTATUS as its third parameter: say what it means. Wine raises an access
 * violation and no status: then the disk full is judged by its free space.
 */
static const wchar_t *why_fault(const EXCEPTION_RECORD *r, wchar_t *buf)
{
	wchar_t dir[MAX_PATH], *slash;
	ULARGE_INTEGER free;

	if (r->ExceptionCode == EXCEPTION_IN_PAGE_ERROR && r->NumberParameters >= 3) {
		LONG st = (LONG)r->ExceptionInformation[2];

		swprintf(buf, 96, L"%ls, status 0x%08lX",
		    st == (LONG)0xC000007F ? L"disk full" :          /* STATUS_DISK_FULL */
		    st == (LONG)0xC0000185 ? L"the device failed" :  /* STATUS_IO_DEVICE_ERROR */
		    st == (LONG)0xC000009C ? L"a bad sector" :       /* STATUS_DEVICE_DATA_ERROR */
		    fault_why, (unsigned long)st);
		return buf;
	}
	if (fault_file == NULL || GetFullPathNameW(fault_file, MAX_PATH, dir, NULL) - 1 >= MAX_PATH - 1)
		return fault_why;
	if ((slash = wcsrchr(dir, L'\\')) != NULL)
		slash[1] = 0;
	if (GetDiskFreeSpaceExW(dir, &free, NULL, NULL) && free.QuadPart < FM_WINDOW)
		return L"disk full";
	return fault_why;
}

/*
 * An access to a view faults when the file shrinks under it, or the disk
 * fails or fills. Either is ours only when it hits one of our views (mingw
 * gcc has no __try in C, hence a vectored handler); then the program ends
 * the one way (abort_with).
 */
static LONG CALLBACK view_fault(EXCEPTION_POINTERS *ep)
{
	EXCEPTION_RECORD *r = ep->ExceptionRecord;
	DWORD code = r->ExceptionCode;
	wchar_t why[96];
	struct window *w;
	ULONG_PTR at;
	int i;

	if ((code != EXCEPTION_IN_PAGE_ERROR && code != EXCEPTION_ACCESS_VIOLATION) ||
	    r->NumberParameters < 2)
		return EXCEPTION_CONTINUE_SEARCH;
	/* a view just released as the program ends: abort_with's thread ends it
	 * at once, any other waits for that */
	if (aborting)
		abort_with(fault_code, L"");
	for (i = 0; i < FAULT_WINDOWS; i++) {
		w = fault_win[i];
		if (w == NULL || w->len == 0)
			continue;
		at = r->ExceptionInformation[1] - (ULONG_PTR)w->base;
		if (at < w->len)
			abort_with(fault_code, L"%ls \"%ls\" at offset %llu: %ls (exception 0x%08lX)",
			    fault_what, w->subject, (unsigned long long)(w->off + at), why_fault(r, why),
			    (unsigned long)code);
	}
	return EXCEPTION_CONTINUE_SEARCH;
}

/*
 * From now on a fault in the view of w[0] or w[1] (or of a window watched
 * later) ends the program with one line and `code`, after the on_abort
 * function has removed what it made. `file`, when not NULL, is being
 * written: if its disk has no room left, the line says "disk full" instead
 * of `why`. One handler serves the process, added once; w is watched until
 * off_fault(w), which its owner calls before w goes out of scope.
 */
void on_fault(struct window w[2], int code, const wchar_t *what, const wchar_t *why,
    const wchar_t *file)
{
	static PVOID handler;

	fault_file = file;
	fault_code = code;
	fault_what = what;
	fault_why = why;
	watch_window(&w[0], 1);
	watch_window(&w[1], 1);
	if (handler == NULL)
		handler = AddVectoredExceptionHandler(1, view_fault);
}

void off_fault(struct window w[2])
{
	watch_window(&w[0], 0);
	watch_window(&w[1], 0);
}

/* A fault in w's view, too, is one on_fault() answers; or no longer (`on` 0). */
void watch_window(struct window *w, int on)
{
	int i;

	for (i = 0; i < FAULT_WINDOWS; i++)
		if (fault_win[i] == (on ? NULL : w)) {
			InterlockedExchangePointer((PVOID volatile *)&fault_win[i], on ? w : NULL);
			return;
		}
}
