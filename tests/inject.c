/*
 * inject.c - the counter behind tests/inject.h, one for the whole process.
 * A call that fails says so first on stderr ("fm-inject: ..."), so the test
 * knows a run in which nothing failed: N has passed the last call. And the
 * other things the test build can be told (inject.h): a busy flush, a fault
 * in a view with an NTSTATUS, a crash, a trace of flushes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject.h"

#undef WriteFile
#undef ReadFile

/*
 * MSVC's atexit lives in its static C runtime, which Wine's import libraries
 * (the MSVC-ABI build here) lack; for a program it calls UCRT's _crt_atexit,
 * which both have.
 */
#ifdef _MSC_VER
int __cdecl _crt_atexit(void (__cdecl *)(void));
#define atexit _crt_atexit
#endif

static volatile LONG calls, after, hit;
static LONG at = -1;
static const char *only;

/* FM_AFTER=1: at exit, how many calls came after the failing one ("fm-inject: N after") */
static void count_after(void)
{
	char line[64];
	DWORD n;

	snprintf(line, sizeof line, "fm-inject: %ld after\n", (long)after);
	WriteFile(GetStdHandle(STD_ERROR_HANDLE), line, (DWORD)strlen(line), &n, NULL);
}

/* `call` is the call's text; with FM_FAIL_ONLY=NAME, only NAME's calls are counted. */
int fm_fail_now(const char *call)
{
	static const char mark[] = "fm-inject: this call fails\n";
	DWORD n;

	if (at < 0) {
		const char *s = getenv("FM_FAIL");

		only = getenv("FM_FAIL_ONLY");
		at = s != NULL ? atol(s) : 0;
	}
	if (at <= 0 || (only != NULL && strncmp(call, only, strlen(only)) != 0) ||
	    InterlockedIncrement(&calls) != at) {
		if (hit)
			InterlockedIncrement(&after);
		return 0;
	}
	hit = 1;
	WriteFile(GetStdHandle(STD_ERROR_HANDLE), mark, sizeof mark - 1, &n, NULL);
	if (getenv("FM_AFTER") != NULL)
		atexit(count_after);
	return 1;
}

static unsigned long env(const char *name)
{
	const char *s = getenv(name);

	return s != NULL ? strtoul(s, NULL, 0) : 0;
}

static void say(const char *text)
{
	DWORD n;

	WriteFile(GetStdHandle(STD_ERROR_HANDLE), text, (DWORD)strlen(text), &n, NULL);
}

/* FM_FAIL_ERROR=N: the error the failing call leaves; ERROR_NOT_ENOUGH_MEMORY without it. */
DWORD fm_fail_error(void)
{
	return env("FM_FAIL_ERROR") != 0 ? (DWORD)env("FM_FAIL_ERROR") : ERROR_NOT_ENOUGH_MEMORY;
}

/* FM_NO_FILE_ID=1: FileIdInfo is not there, as on FAT volumes. */
int fm_no_file_id(int cls)
{
	return cls == FileIdInfo && env("FM_NO_FILE_ID") != 0;
}

/* FM_ENCRYPTED=1: the attributes read say "encrypted". */
BOOL fm_encrypted(BOOL ok, void *data)
{
	if (ok && env("FM_ENCRYPTED") != 0)
		((WIN32_FILE_ATTRIBUTE_DATA *)data)->dwFileAttributes |= FILE_ATTRIBUTE_ENCRYPTED;
	return ok;
}

/* FM_NO_HIRES=1: the system has no high-resolution timer. */
int fm_no_hires(void)
{
	return env("FM_NO_HIRES") != 0;
}

/* FM_FOLD=1: FileCaseSensitiveInfo answers "ignores case" (its flags 0). */
int fm_fold(int cls, void *info)
{
	if (cls != FileCaseSensitiveInfo || env("FM_FOLD") == 0)
		return 0;
	*(ULONG *)info = 0;
	return 1;
}

/*
 * FM_NO_RENAME_EX=1: FileRenameInfoEx (22) is not supported (error 50).
 * FM_RENAME_BUSY=K,ERR: the first K renames, of either kind, fail with ERR.
 */
int fm_rename_fails(int cls)
{
	static volatile LONG renames;
	const char *busy = getenv("FM_RENAME_BUSY"), *comma;

	if (cls == 22 && env("FM_NO_RENAME_EX") != 0) {
		SetLastError(ERROR_NOT_SUPPORTED);
		return 1;
	}
	if ((cls != 22 && cls != FileRenameInfo) || busy == NULL || (comma = strchr(busy, ',')) == NULL ||
	    InterlockedIncrement(&renames) > atol(busy))
		return 0;
	SetLastError((DWORD)atol(comma + 1));
	return 1;
}

/* FM_WINDOW_MIB=N: windows of N MiB (views.h); 32 without it. */
size_t fm_window(void)
{
	static size_t bytes;

	if (bytes == 0)
		bytes = (size_t)(env("FM_WINDOW_MIB") != 0 ? env("FM_WINDOW_MIB") : 32) << 20;
	return bytes;
}

/* FM_BUSY=N: the first N flushes of a view fail for a moment (error 33). */
int fm_busy(void)
{
	static volatile LONG flushes;
	static long n = -1;

	if (n < 0)
		n = (long)env("FM_BUSY");
	if (InterlockedIncrement(&flushes) > n)
		return 0;
	SetLastError(ERROR_LOCK_VIOLATION);
	return 1;
}

/*
 * FM_RAISE=STATUS: the first flush of a view raises what Windows raises when
 * the page under `base` cannot be written: EXCEPTION_IN_PAGE_ERROR, with the
 * address and the I/O's NTSTATUS (Wine itself raises an access violation).
 */
void fm_raise(const void *base)
{
	static volatile LONG done;
	ULONG_PTR info[3];

	if ((info[2] = (ULONG_PTR)env("FM_RAISE")) == 0 || InterlockedExchange(&done, 1) != 0)
		return;
	info[0] = 1;                 /* a write */
	info[1] = (ULONG_PTR)base;
	RaiseException(EXCEPTION_IN_PAGE_ERROR, 0, 3, info);
}

static volatile LONG crashed_once;     /* FM_CRASH has crashed the program */

/* FM_CRASH_AGAIN=1: a crash on the way out of the first (at the next CloseHandle). */
void fm_crash_again(void)
{
	if (crashed_once && env("FM_CRASH_AGAIN"))
		*(volatile int *)(ULONG_PTR)env("FM_CRASH") = 0;
}

/*
 * Before each FlushFileBuffers: FM_TRACE=1 says what the file's header says
 * on stderr ("fm-trace: flush: TIRW, checksum set"); FM_CRASH=ADDRESS crashes
 * the program there, outside any view, as a bug would; FM_CTRL_C=1 holds
 * the flush of a header that says "complete" (the last one) until the
 * program's Ctrl+C event is set (30 s at most); FM_SLOW_FLUSH=MS sleeps.
 */
void fm_before_flush(HANDLE file, HANDLE interrupt)
{
	unsigned char h[64];
	OVERLAPPED start = { 0 };
	char line[64];
	DWORD n = 0;

	if (env("FM_CRASH")) {
		crashed_once = 1;
		*(volatile int *)(ULONG_PTR)env("FM_CRASH") = 0;
	}
	if (env("FM_SLOW_FLUSH"))
		Sleep((DWORD)env("FM_SLOW_FLUSH"));
	if (!env("FM_TRACE") && !env("FM_CTRL_C"))
		return;
	if (!ReadFile(file, h, sizeof h, &n, &start) || n != sizeof h)
		n = 0;
	if (env("FM_CTRL_C") && n != 0 && memcmp(h + 20, "DONE", 4) == 0) {
		say("fm-inject: waiting for Ctrl+C\n");
		if (WaitForSingleObject(interrupt, 30000) != WAIT_OBJECT_0)
			say("fm-inject: no Ctrl+C came\n");
	}
	if (!env("FM_TRACE"))
		return;
	/* the state's bytes, and whether the checksum is there yet */
	snprintf(line, sizeof line, "fm-trace: flush: %.4s, checksum %s\n", n ? (const char *)h + 20 :
	    "????", n && memcmp(h + 32, "\0\0\0\0\0\0\0\0", 8) != 0 ? "set" : "not set");
	say(line);
}

/* Sleeps the milliseconds the variable says (read once, into *ms), if any. */
static void pause_for(const char *var, long *ms)
{
	if (*ms < 0)
		*ms = (long)env(var);
	if (*ms > 0)
		Sleep((DWORD)*ms);
}

/* FM_SLOW=MS: each view takes MS milliseconds to map, so a test can catch a phase */
void fm_slow(void)
{
	static long ms = -1;

	pause_for("FM_SLOW", &ms);
}

/* FM_SLOW_WAIT=MS: each WaitForMultipleObjects starts MS milliseconds late */
void fm_slow_wait(void)
{
	static long ms = -1;

	pause_for("FM_SLOW_WAIT", &ms);
}
