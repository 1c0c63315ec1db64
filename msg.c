/*
 * msg.c - what the programs say: one line per message on stderr, in the
 * form `prog: Call("subject"): system text (error N)`, ending with what
 * became of FILE; text on stdout (help, --check's summary); a failed write
 * to stdout is itself an error; and the progress line on a console, which
 * a message wipes first. Lines are made whole by line.c, then written
 * under one lock. The names say the difference:
 *   fail_call(call, subject, err)  a failed system call's line; returns EXIT_SYSTEM
 *   fail_with(code, fmt, ...)      any other error line; returns code
 *   say_error(fmt, ...)            an error line with no exit code to return
 *   say_note(fmt, ...)             not an error, said even with -q
 *   say_info(a, fmt, ...)          what is going on; -q silences it
 *   warn_call(call, subject, err)  a release that failed: too late to matter
 *   print_text(fmt, ...)           text on stdout, as it is
 *   print_line(fmt, ...)           one line on stdout, control characters shown
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>

/*
 * Lines are made on the heap to the length they need (line.c), then
 * written under one lock, so that two threads' lines never mix. Nothing is
 * cut or dropped: should memory run out, the line says that instead.
 */
static SRWLOCK line_lock = SRWLOCK_INIT;
static volatile DWORD line_writer;  /* the thread holding line_lock, 0 if none */

/*
 * Console: UTF-16 as is. File or pipe: UTF-8, so any name survives,
 * converted a piece at a time (never splitting a surrogate pair). Returns
 * the error of a failed write, or 0.
 */
static DWORD put(HANDLE h, const wchar_t *s, size_t len)
{
	char utf8[3 * 2048];
	DWORD mode, done, err = 0;
	size_t n;
	int m;
	const char *p;

	if (GetConsoleMode(h, &mode)) {
		for (; len > 0 && err == 0; s += done, len -= done)
			if (!WriteConsoleW(h, s, len < 8192 ? (DWORD)len : 8192, &done, NULL))
				err = GetLastError();
		return err;
	}
	for (; len > 0 && err == 0; s += n, len -= n) {
		/* a piece never ends on a high surrogate: it goes with its pair */
		n = len <= 2048 ? len : s[2047] >= 0xD800 && s[2047] < 0xDC00 ? 2047 : 2048;
		m = WideCharToMultiByte(CP_UTF8, 0, s, (int)n, utf8, sizeof utf8, NULL, NULL);
		for (p = utf8; m > 0 && err == 0; p += done, m -= (int)done)
			if (!WriteFile(h, p, (DWORD)m, &done, NULL))
				err = GetLastError();
	}
	return err;
}

static struct progress *showing;   /* a progress line is on the console */
static wchar_t fate[FM_PATH + 64];  /* what became of FILE: every error line ends with it */

/*
 * Writes a whole line under the lock. On the way out after a crash the
 * lock may be held by this very thread (the crash was in here) or by one
 * that will never release it: then it is waited for a second at most, and the
 * line written all the same.
 */
static int take_line_lock(int ending)
{
	int tries;

	if (!ending) {
		AcquireSRWLockExclusive(&line_lock);
		return 1;
	}
	if (line_writer == GetCurrentThreadId())
		return 0;                /* the crash was in here, holding it */
	for (tries = 0; tries < 100; tries++) {
		if (TryAcquireSRWLockExclusive(&line_lock))
			return 1;
		Sleep(10);
	}
	return 0;
}

static DWORD put_line(HANDLE h, const struct line *l, int ending)
{
	int locked = take_line_lock(ending);
	wchar_t oom[96];
	DWORD err;

	line_writer = GetCurrentThreadId();
	if (showing != NULL)
		progress_end(showing);
	if (!l->failed)
		err = put(h, l->s, l->len);
	else
		err = put(h, oom, (size_t)swprintf(oom, sizeof oom / sizeof *oom,
		    L"%ls: (out of memory: the message cannot be made)\n", prog) % (sizeof oom / sizeof *oom));
	line_writer = 0;
	if (locked)
		ReleaseSRWLockExclusive(&line_lock);
	return err;
}

/* One line on stderr: "prog: " and the formatted text; an error adds the fate. */
static void vmsg(int error, int ending, const wchar_t *fmt, va_list ap)
{
	struct line text = LINE_INIT, l = LINE_INIT;

	line_vformat(&text, fmt, ap);
	line_add(&l, prog);
	line_add(&l, L": ");
	line_escaped(&l, text.failed ? L"" : text.s);
	if (error && fate[0] != 0) {
		line_add(&l, L"; ");
		line_escaped(&l, fate);
	}
	line_add(&l, L"\n");
	l.failed |= text.failed;
	put_line(GetStdHandle(STD_ERROR_HANDLE), &l, ending);
	line_free(&text);
	line_free(&l);
}

/*
 * The error line of the way out after an exception (fault.c): written even
 * if the lock is never released (the crash may have been in here).
 */
void say_error_ending(const wchar_t *fmt, va_list ap)
{
	vmsg(1, 1, fmt, ap);
}

/*
 * What an error leaves of FILE, said at the end of every error line from now
 * on ("\"data.bin\" left as it was"); an empty text says nothing.
 */
void set_fate(const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vswprintf(fate, sizeof fate / sizeof *fate, fmt, ap) < 0)
		fate[0] = 0;
	va_end(ap);
}

/*
 * Text on stdout (help, summaries), in the same encoding as errors. A write
 * that fails (a full disk, a closed pipe) is an error: 0 or EXIT_SYSTEM.
 */
static int say_line(const struct line *l)
{
	DWORD err = put_line(GetStdHandle(STD_OUTPUT_HANDLE), l, 0);

	return err != 0 ? fail_call(L"WriteFile", L"<stdout>", err) : 0;
}

int print_text(const wchar_t *fmt, ...)
{
	struct line l = LINE_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	line_vformat(&l, fmt, ap);
	va_end(ap);
	rc = say_line(&l);
	line_free(&l);
	return rc;
}

/* One line on stdout, control characters escaped as on stderr, and a newline. */
int print_line(const wchar_t *fmt, ...)
{
	struct line text = LINE_INIT, l = LINE_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	line_vformat(&text, fmt, ap);
	va_end(ap);
	line_escaped(&l, text.failed ? L"" : text.s);
	line_add(&l, L"\n");
	l.failed |= text.failed;
	rc = say_line(&l);
	line_free(&text);
	line_free(&l);
	return rc;
}

/* An error line that no exit code goes with (a fault, an internal error). */
void say_error(const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, 0, fmt, ap);
	va_end(ap);
}

/* A line that says what is going on; -q silences it, not the errors. */
void say_info(const struct args *a, const wchar_t *fmt, ...)
{
	va_list ap;

	if (a->quiet)
		return;
	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
}

int fail_with(int code, const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, 0, fmt, ap);
	va_end(ap);
	return code;
}

static const wchar_t *error_text(DWORD err, wchar_t *buf, DWORD cap)
{
	DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
	    NULL, err, 0, buf, cap, NULL);

	while (n > 0 && (buf[n - 1] == L' ' || buf[n - 1] == L'\r' || buf[n - 1] == L'\n'))
		buf[--n] = 0;
	if (n == 0)
		wcscpy(buf, L"Unknown error.");
	return buf;
}

/* Reports a failed system call and returns the exit code for it. */
int fail_call(const wchar_t *call, const wchar_t *subject, DWORD err)
{
	wchar_t text[512];

	return fail_with(EXIT_SYSTEM, L"%ls(\"%ls\"): %ls (error %lu)", call, subject,
	    error_text(err, text, 512), (unsigned long)err);
}

/* A line that is no error but is always said, even with -q (a warning, a refusal to trust). */
void say_note(const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
}

/* A release that failed: worth saying, too late to change the outcome. */
void warn_call(const wchar_t *call, const wchar_t *subject, DWORD err)
{
	wchar_t text[512];

	say_note(L"warning: %ls(\"%ls\"): %ls (error %lu)", call, subject,
	    error_text(err, text, 512), (unsigned long)err);
}

/* Closes h if it is open at all; a failure is a warning. */
void close_handle(HANDLE h, const wchar_t *subject)
{
	if (h != NULL && h != INVALID_HANDLE_VALUE && !CloseHandle(h))
		warn_call(L"CloseHandle", subject, GetLastError());
}

/*
 * Writes all of buf, 64 KiB at a time: a pipe holds 64 KiB, and larger
 * writes into it only wait longer (measured under Wine: 1 MiB writes took
 * 1.28-1.65 s for 889 MB, 64 KiB ones 0.71-1.09 s). A write cancelled by
 * CancelSynchronousIo (error 995: printing was given up, at Ctrl+C) is
 * HALTED, not reported: the one who gave it up says why.
 */
int write_all(HANDLE h, const void *buf, DWORD len)
{
	const char *p = buf;
	DWORD done, err;

	while (len > 0) {
		if (!WriteFile(h, p, len < 65536 ? len : 65536, &done, NULL)) {
			err = GetLastError();
			return err == ERROR_OPERATION_ABORTED ? HALTED : fail_call(L"WriteFile", L"<stdout>", err);
		}
		p += done, len -= done;
	}
	return 0;
}

/*
 * Work that takes longer than a second says how far it is, four times a
 * second, on the console only: a file or pipe gets no carriage returns.
 * Either thread may report; the one that moves `shown` prints.
 */
void progress_start(struct progress *p, const struct args *a, const wchar_t *what, uint64_t total)
{
	HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
	DWORD mode;

	memset(p, 0, sizeof *p);
	p->console = !a->quiet && GetConsoleMode(err, &mode) ? err : NULL;
	if (p->console != NULL)
		showing = p;
	p->what = what;
	p->total = total;
	p->start = GetTickCount64();
}

void progress_add(struct progress *p, uint64_t bytes)
{
	ULONGLONG now, ms;
	LONG64 last, done;
	wchar_t line[96];
	DWORD n;

	if (p->console == NULL)
		return;
	done = InterlockedExchangeAdd64(&p->done, (LONG64)bytes) + (LONG64)bytes;
	now = GetTickCount64();
	ms = now - p->start;
	last = p->shown;
	if (ms < 1000 || (ULONGLONG)last + 250 > now ||
	    InterlockedCompareExchange64(&p->shown, (LONG64)now, last) != last)
		return;
	n = (DWORD)swprintf(line, 96, L"\r%ls: %ls %3d%% %6.0f MB/s ", prog, p->what,
	    (int)(100 * (uint64_t)done / (p->total ? p->total : 1)), (double)done / 1e3 / (double)ms);
	WriteConsoleW(p->console, line, n, &n, NULL);
}

/* Wipes the progress line, if there was one, and ends it: the next line starts clean. */
void progress_end(struct progress *p)
{
	HANDLE console = p->console;
	DWORD n;

	p->console = NULL;
	showing = NULL;
	if (console != NULL && p->shown != 0)
		WriteConsoleW(console, L"\r                                                  \r", 52, &n, NULL);
}
