/*
 * fmlib.c - the code fmwrite and fmread share, but for the views (views.c):
 * error lines in the form `prog: Call("subject"): system text (error N)`,
 * the one way out after an exception, the command line, names from what a
 * file is, ownership and the objects' security, Ctrl+C, and progress.
 */
#include "fmlib.h"
#include "memdata.h"

#include <aclapi.h>
#include <sddl.h>
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
 * that will never let go: then it is waited for a second at most, and the
 * line written all the same.
 */
static DWORD put_line(HANDLE h, const struct line *l, int ending)
{
	wchar_t oom[96];
	int locked, tries;
	DWORD err;

	locked = !(ending && line_writer == GetCurrentThreadId());
	for (tries = 0; locked && !TryAcquireSRWLockExclusive(&line_lock); tries++) {
		if (!ending) {
			AcquireSRWLockExclusive(&line_lock);
			break;
		}
		if (tries == 100) {
			locked = 0;
			break;
		}
		Sleep(10);
	}
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

	return err != 0 ? fail(L"WriteFile", L"<stdout>", err) : 0;
}

int say(const wchar_t *fmt, ...)
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
int say_escaped(const wchar_t *fmt, ...)
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
void msg(const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, 0, fmt, ap);
	va_end(ap);
}

/* A line that says what is going on; -q silences it, not the errors. */
void info(const struct args *a, const wchar_t *fmt, ...)
{
	va_list ap;

	if (a->quiet)
		return;
	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
}

int failx(int code, const wchar_t *fmt, ...)
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
int fail(const wchar_t *call, const wchar_t *subject, DWORD err)
{
	wchar_t text[512];

	return failx(EXIT_SYSTEM, L"%ls(\"%ls\"): %ls (error %lu)", call, subject,
	    error_text(err, text, 512), (unsigned long)err);
}

/* A line that is no error but is always said, even with -q (a warning, a refusal to trust). */
void note(const wchar_t *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, 0, fmt, ap);
	va_end(ap);
}

/* A release that failed: worth saying, too late to change the outcome. */
void warn(const wchar_t *call, const wchar_t *subject, DWORD err)
{
	wchar_t text[512];

	note(L"warning: %ls(\"%ls\"): %ls (error %lu)", call, subject,
	    error_text(err, text, 512), (unsigned long)err);
}

/* Closes h if it is open at all; a failure is a warning. */
void close_handle(HANDLE h, const wchar_t *subject)
{
	if (h != NULL && h != INVALID_HANDLE_VALUE && !CloseHandle(h))
		warn(L"CloseHandle", subject, GetLastError());
}

/*
 * Writes all of buf, 64 KiB at a time: a pipe holds 64 KiB, and larger
 * writes into it only wait longer (measured under Wine: 1 MiB writes took
 * 1.28-1.65 s for 889 MB, 64 KiB ones 0.71-1.09 s). A write cancelled by
 * CancelSynchronousIo (error 995: printing was given up, at Ctrl+C) is
 * HALTED, unsaid: the one who gave it up says why.
 */
int write_all(HANDLE h, const void *buf, DWORD len)
{
	const char *p = buf;
	DWORD done, err;

	while (len > 0) {
		if (!WriteFile(h, p, len < 65536 ? len : 65536, &done, NULL)) {
			err = GetLastError();
			return err == ERROR_OPERATION_ABORTED ? HALTED : fail(L"WriteFile", L"<stdout>", err);
		}
		p += done, len -= done;
	}
	return 0;
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
	LONG self = (LONG)GetCurrentThreadId(), was;
	va_list ap;

	/* a second fault in this very thread, on its way out: out at once;
	 * another thread waits, for this one ends the process */
	if ((was = InterlockedCompareExchange(&aborting, self, 0)) == self)
		TerminateProcess(GetCurrentProcess(), (UINT)code);
	if (was != 0)
		Sleep(INFINITE);
	va_start(ap, fmt);
	vmsg(1, 1, fmt, ap);
	va_end(ap);
	let_go_of_views();
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

/* Decimal digits only, lo..hi; no sign, no space, no overflow. */
static int parse_number(const wchar_t *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == 0)
		return 0;
	for (; *s; s++) {
		if (*s < L'0' || *s > L'9' || v > (hi - (uint64_t)(*s - L'0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - L'0');
	}
	if (v < lo)
		return 0;
	*out = v;
	return 1;
}

static int is(const wchar_t *a, const wchar_t *b)
{
	return b != NULL && wcscmp(a, b) == 0;
}

/* Finds the option `s` names; *val gets the text after "=" in --name=value. */
static const struct option *find_option(const struct option *opts, const wchar_t *s,
    const wchar_t **val)
{
	size_t n;

	*val = NULL;
	for (; opts->long_name; opts++) {
		if (is(s, opts->short_name) || is(s, opts->long_name))
			return opts;
		n = wcslen(opts->long_name);
		if (opts->kind != OPT_FLAG && wcsncmp(s, opts->long_name, n) == 0 && s[n] == L'=') {
			*val = s + n + 1;
			return opts;
		}
	}
	return NULL;
}

/* Stores an option's value; returns -1, or EXIT_USAGE with a message. */
static int set_value(struct args *a, const struct option *o, const wchar_t *val)
{
	void *to = (char *)a + o->offset;

	if (o->kind == OPT_STRING) {
		if (*val == 0 || wcslen(val) > NAME_MAX - 8)
			return failx(EXIT_USAGE, L"bad name \"%ls\": 1 to %d characters (see --help)",
			    val, NAME_MAX - 8);
		*(const wchar_t **)to = val;
	} else if (o->kind == OPT_READERS) {
		if (!parse_number(val, 1, MAX_READERS, to))
			return failx(EXIT_USAGE, L"bad number of readers \"%ls\": give a whole "
			    L"number from 1 to %u (see --help)", val, MAX_READERS);
	} else if (o->kind == OPT_SECONDS) {
		if (!parse_number(val, 0, MAX_SECONDS, to))
			return failx(EXIT_USAGE, L"bad number of seconds \"%ls\": give a whole "
			    L"number from 0 to %u (see --help)", val, MAX_SECONDS);
	} else if (!parse_number(val, 1, MD_MAXCOUNT, to)) {
		return failx(EXIT_USAGE, L"bad count \"%ls\": give a whole number "
		    L"from 1 to 2147483648 (see --help)", val);
	}
	return -1;
}

/* FILE, once, and not empty or blank; returns -1, or EXIT_USAGE with a message. */
static int set_file(struct args *a, const wchar_t *s)
{
	if (a->file)
		return failx(EXIT_USAGE, L"more than one FILE: \"%ls\" (see --help)", s);
	if (s[wcsspn(s, L" \t")] == 0)
		return failx(EXIT_USAGE, L"FILE \"%ls\" is empty or blank (see --help)", s);
	a->file = s;
	return -1;
}

/*
 * The first thing each program calls. Options may come before or after FILE;
 * "--" ends them. Help and --version go to stdout and end the program.
 * Whether FILE is needed is the program's to say.
 */
int parse_args(int argc, wchar_t **argv, const struct option *opts,
    const wchar_t *usage, struct args *a)
{
	const struct option *o;
	const wchar_t *s, *val;
	int i, rc, options = 1;

	SetUnhandledExceptionFilter(crashed);
	memset(a, 0, sizeof *a);
	a->count = MAXDATA;
	a->readers = 1;
	for (i = 1; i < argc; i++) {
		s = argv[i];
		if (options && (is(s, L"-h") || is(s, L"--help") || is(s, L"/?"))) {
			return say(L"%ls%ls", usage, exit_codes);
		}
		if (options && is(s, L"--version")) {
			return say(L"%ls %ls\n", prog, FM_VERSION);
		}
		if (options && is(s, L"--")) {
			options = 0;
		} else if (!options || s[0] != L'-' || s[1] == 0) {
			if ((rc = set_file(a, s)) >= 0)
				return rc;
		} else if (is(s, L"-q") || is(s, L"--quiet")) {
			a->quiet = 1;
		} else if ((o = find_option(opts, s, &val)) == NULL) {
			return failx(EXIT_USAGE, L"unknown option \"%ls\" (see --help)", s);
		} else if (o->kind == OPT_FLAG) {
			*(int *)((char *)a + o->offset) = 1;
		} else if (val == NULL && (val = argv[++i]) == NULL) {
			return failx(EXIT_USAGE, L"option \"%ls\" needs a value (see --help)", s);
		} else if ((rc = set_value(a, o, val)) >= 0) {
			return rc;
		}
	}
	return -1;
}

/* ---- names, identity and ownership ---- */

/* FILE_CASE_SENSITIVE_INFO and its flag, which not every SDK has */
struct case_info { ULONG flags; };
#define FILE_CS_CASE_SENSITIVE 1  /* FILE_CS_FLAG_CASE_SENSITIVE_DIR */

/*
 * A file's identity: its volume serial and file ID, and its final path (one
 * spelling for every spelling). The path matters too: under Wine two
 * tmpfs mounts report the same serial (0) and the same inode numbers.
 */
struct identity {
	struct file_id id;
	wchar_t path[FM_PATH];
};

/*
 * GetFinalPathNameByHandleW into buf (FM_PATH): "\\?\" and the path through
 * links. Wine's fails with ERROR_MORE_DATA past MAX_PATH characters, whatever
 * the buffer (a fixed one inside); there the full path of `name` as spelt
 * stands in, links in it not followed. Returns its length, 0 on failure.
 */
static DWORD final_path(HANDLE h, const wchar_t *name, wchar_t *buf)
{
	static wchar_t spelt[FM_PATH];
	DWORD n;

	wcscpy(spelt, wcsncmp(name, L"\\\\?\\", 4) == 0 ? name + 4 : name);
	n = GetFinalPathNameByHandleW(h, buf, FM_PATH, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	if (n != 0 || GetLastError() != ERROR_MORE_DATA)
		return n;
	wcscpy(buf, L"\\\\?\\");
	n = GetFullPathNameW(spelt, FM_PATH - 4, buf + 4, NULL);
	return n > 0 && n < FM_PATH - 4 ? n + 4 : n;
}

static int identify(const wchar_t *path, struct identity *who)
{
	/* no data access asked, so no share mode of anyone else's stands in the way */
	HANDLE h = CreateFileW(path, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);
	DWORD n;
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE)
		return 0;
	ok = GetFileInformationByHandleEx(h, FileIdInfo, &who->id, sizeof who->id);
	n = final_path(h, path, who->path);
	close_handle(h, path);
	return ok && n > 0 && n < FM_PATH;
}

/* Is the file at path the one with this identity (volume serial, file ID)? */
int is_file(const wchar_t *path, const struct file_id *id)
{
	static struct identity who;

	return identify(path, &who) && who.id.volume == id->volume &&
	    memcmp(who.id.id, id->id, sizeof id->id) == 0;
}

/*
 * Where FILE is: "\\?\" and the final path of its folder (through links, in
 * its own case, never an 8.3 short name), then the file's name. An existing
 * file is first followed to its final path (GetFinalPathNameByHandleW), which
 * also gives its own name in full; one not there yet has the name it is given.
 * The folder is identified, and asked whether it ignores case
 * (FileCaseSensitiveInfo, Windows 10 and later; where that cannot be asked,
 * as under Wine, case counts: two files never share a name, at worst one file
 * spelt in two cases before it exists gets two).
 */
int locate(const wchar_t *file, struct place *pl)
{
	static wchar_t leaf[FM_PATH];
	const wchar_t *call = L"CreateFileW";
	struct case_info cs;
	HANDLE h;
	DWORD n, err = 0;
	wchar_t *slash;

	h = CreateFileW(file, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);
	pl->exists = h != INVALID_HANDLE_VALUE;
	pl->disk = pl->exists && GetFileType(h) == FILE_TYPE_DISK;
	if (pl->exists)
		n = final_path(h, file, pl->path);
	else if ((err = GetLastError()) != ERROR_FILE_NOT_FOUND)
		return fail(L"CreateFileW", file, err);
	else if (GetFileAttributesW(file) != INVALID_FILE_ATTRIBUTES)
		/* there, yet not found when opened: a link to nothing (Windows; Wine hides those) */
		return failx(EXIT_SYSTEM, L"\"%ls\" is a link to a file that does not exist", file);
	else
		n = GetFullPathNameW(file, FM_PATH, pl->path, NULL);
	err = GetLastError();
	close_handle(h, file);
	if (n == 0 || n >= FM_PATH)
		return fail(pl->exists ? L"GetFinalPathNameByHandleW" : L"GetFullPathNameW", file,
		    n == 0 ? err : ERROR_FILENAME_EXCED_RANGE);
	if ((slash = wcsrchr(pl->path, L'\\')) == NULL || slash[1] == 0)
		return failx(EXIT_USAGE, L"\"%ls\" names a folder, not a file (see --help)", file);
	wcscpy(leaf, slash + 1);
	slash[1] = 0;                /* the folder, with its backslash: "C:\" is a root, "C:" is not */
	h = CreateFileW(pl->path, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING,
	    FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return fail(L"CreateFileW", file, GetLastError());
	err = 0;
	n = final_path(h, pl->path, pl->path);
	if (n == 0 || n >= FM_PATH)
		err = n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE, call = L"GetFinalPathNameByHandleW";
	else if (!GetFileInformationByHandleEx(h, FileIdInfo, &pl->dir, sizeof pl->dir))
		err = GetLastError(), call = L"GetFileInformationByHandleEx";
	pl->fold = err == 0 && GetFileInformationByHandleEx(h, FileCaseSensitiveInfo, &cs, sizeof cs) &&
	    !(cs.flags & FILE_CS_CASE_SENSITIVE);
	close_handle(h, file);
	if (err != 0)
		return fail(call, file, err);
	/* "\\?\C:\" ends in a backslash, "\\?\C:\dir" does not */
	n = (DWORD)wcslen(pl->path);
	if (swprintf(pl->path + n, FM_PATH - n, L"%ls%ls", pl->path[n - 1] == L'\\' ? L"" : L"\\", leaf) < 0)
		return fail(L"GetFinalPathNameByHandleW", file, ERROR_FILENAME_EXCED_RANGE);
	pl->leaf = wcslen(pl->path) - wcslen(leaf);
	return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001B3u;
	return h;
}

static int has_prefix(const wchar_t *s, const wchar_t *prefix)
{
	int n = (int)wcslen(prefix);

	return (int)wcslen(s) >= n && CompareStringOrdinal(s, n, prefix, n, TRUE) == CSTR_EQUAL;
}

/*
 * The mapping's name: --name as given, in Local\ unless it names its
 * namespace; else Local\fmipc- and a hash (FNV-1a) of what FILE is, not how
 * it is spelt: its folder's volume and ID, and its own name as the folder
 * compares names (in upper case where the folder ignores case). Every
 * spelling of one file gives one name, through links, short names and
 * prefixes; two files never share one; and the name stays when fmwrite
 * replaces the file, or before it exists.
 */
int object_name(const struct args *a, const struct place *pl, wchar_t name[NAME_MAX])
{
	const wchar_t *ns = a->global ? L"Global\\" : L"Local\\";
	static wchar_t leaf[FM_PATH];
	uint64_t h = 0xCBF29CE484222325u;
	int n;

	if (a->name != NULL) {
		const wchar_t *rest = a->name;

		/* the system takes the prefixes in any case; the name keeps Windows' spelling */
		if (has_prefix(rest, L"Local\\")) {
			if (a->global)
				return failx(EXIT_USAGE, L"--global with --name \"%ls\": the name says "
				    L"Local\\ (see --help)", a->name);
			ns = L"Local\\", rest += 6;
		} else if (has_prefix(rest, L"Global\\")) {
			ns = L"Global\\", rest += 7;
		}
		if (*rest == 0 || wcschr(rest, L'\\') != NULL)
			return failx(EXIT_USAGE, L"bad name \"%ls\": a backslash may only end a "
			    L"Local\\ or Global\\ at its start, and a name follows it (see --help)", a->name);
		swprintf(name, NAME_MAX, L"%ls%ls", ns, rest);
		return 0;
	}
	wcscpy(leaf, pl->path + pl->leaf);
	n = (int)wcslen(leaf);
	/* kernel32 only: user32's CharUpper alone costs ~50 ms of start-up under Wine */
	if (pl->fold)
		LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, leaf, n, leaf, n, NULL, NULL, 0);
	/* the folder's final path too: under Wine, folders on two tmpfs mounts
	 * can have the same serial (0) and the same inode number */
	h = fnv(h, &pl->dir.volume, sizeof pl->dir.volume);
	h = fnv(h, pl->dir.id, sizeof pl->dir.id);
	h = fnv(h, pl->path, pl->leaf * sizeof *pl->path);
	h = fnv(h, leaf, (size_t)n * sizeof *leaf);
	swprintf(name, NAME_MAX, L"%lsfmipc-%08lx%08lx", ns, (unsigned long)(h >> 32),
	    (unsigned long)(h & 0xFFFFFFFFu));
	return 0;
}

/*
 * What `map` is a mapping of, for FILE (located at pl): FILE itself
 * (MAPS_FILE), the new file a writer is filling to replace FILE
 * ("FILE.fmwrite-PID-N.tmp" beside it: MAPS_NEW_FILE), a file no longer
 * there by the name the mapping gives (MAPS_GONE), a file the system cannot
 * name (MAPS_UNKNOWN), or anything else (MAPS_OTHER). Its view names the file behind it (GetMappedFileNameW:
 * "\Device\HarddiskVolume3\..." on Windows, the "\??\Z:\..." it was opened
 * by under Wine); that file and FILE are compared by identity, never by
 * spelling. Memory backed by the paging file has no file, and is not FILE's.
 */
int mapped_file(HANDLE map, const wchar_t *file, const struct place *pl, int *what)
{
	static wchar_t got[FM_PATH], path[FM_PATH + 16];
	static struct identity a, b;
	const wchar_t *rest;
	void *view;
	size_t n;

	*what = MAPS_OTHER;
	if ((view = MapViewOfFile(map, FILE_MAP_READ, 0, 0, 1)) == NULL)
		return fail(L"MapViewOfFile", file, GetLastError());
	n = GetMappedFileNameW(GetCurrentProcess(), view, got, FM_PATH);
	/* Wine's fails past MAX_PATH characters, whatever the buffer */
	if (n == 0 && GetLastError() == ERROR_MORE_DATA)
		*what = MAPS_UNKNOWN;
	if (!UnmapViewOfFile(view))
		warn(L"UnmapViewOfFile", file, GetLastError());
	if (n == 0 || n >= FM_PATH)
		return 0;                /* no file behind it: the paging file */
	if (wcsncmp(got, L"\\??\\", 4) == 0)
		swprintf(path, FM_PATH + 16, L"\\\\?\\%ls", got + 4);
	else
		swprintf(path, FM_PATH + 16, L"\\\\?\\GLOBALROOT%ls", got);
	/* a file that is not there by its name any more: renamed (Wine keeps the
	 * name a mapping was opened by; its writer makes it anew) or removed */
	if (!identify(path, &b)) {
		*what = MAPS_GONE;
		return 0;
	}
	if (identify(file, &a) && a.id.volume == b.id.volume &&
	    memcmp(a.id.id, b.id.id, sizeof a.id.id) == 0 && wcscmp(a.path, b.path) == 0)
		*what = MAPS_FILE;
	n = wcslen(pl->path);
	rest = b.path + n;
	if (wcsncmp(b.path, pl->path, n) == 0 && wcsncmp(rest, L".fmwrite-", 9) == 0 &&
	    wcslen(rest) > 13 && wcscmp(rest + wcslen(rest) - 4, L".tmp") == 0)
		*what = MAPS_NEW_FILE;
	return 0;
}

/* The current user's SID, and the owner the token gives what it creates. */
static union { TOKEN_USER tu; unsigned char b[256]; } me;
static union { TOKEN_OWNER to; unsigned char b[256]; } my_owner;

static int read_token(const wchar_t *subject)
{
	static int done;
	HANDLE token;
	DWORD n, err;
	BOOL ok;

	if (done)
		return 0;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return fail(L"OpenProcessToken", subject, GetLastError());
	ok = GetTokenInformation(token, TokenUser, &me, sizeof me.b, &n) &&
	    GetTokenInformation(token, TokenOwner, &my_owner, sizeof my_owner.b, &n);
	err = GetLastError();
	close_handle(token, L"<token>");
	if (!ok)
		return fail(L"GetTokenInformation", subject, err);
	done = 1;
	return 0;
}

/*
 * Is object h this user's? Its owner must be the user, or the owner this
 * user's token gives new objects (the user on Windows, Administrators when
 * elevated, a group under Wine): nobody else can make an object with either.
 * `owner` gets the owner's SID as text, for a message.
 */
int check_owner(HANDLE h, const wchar_t *subject, int *mine, wchar_t owner[96])
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PSID sid = NULL;
	wchar_t *text;
	DWORD err;
	int rc;

	*mine = 0;
	if ((rc = read_token(subject)) != 0)
		return rc;
	err = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &sid, NULL, NULL, NULL, &sd);
	if (err != ERROR_SUCCESS)
		return fail(L"GetSecurityInfo", subject, err);
	/* no owner at all (Wine gives objects made without a descriptor none) is nobody's */
	*mine = sid != NULL && (EqualSid(sid, me.tu.User.Sid) || EqualSid(sid, my_owner.to.Owner));
	wcscpy(owner, sid == NULL ? L"no owner" : L"unknown");
	if (sid != NULL && ConvertSidToStringSidW(sid, &text)) {
		swprintf(owner, 96, L"%ls", text);
		LocalFree(text);
	}
	LocalFree(sd);
	return 0;
}

/*
 * Security attributes that let the current user, and nobody else, at an
 * object. Built from the token's user SID: under Wine the OWNER RIGHTS SID
 * denies even the owner, and no descriptor at all means no DACL, open to all.
 */
int owner_only(SECURITY_ATTRIBUTES *sa, const wchar_t *subject)
{
	static union { ACL acl; unsigned char b[256]; } acl;
	static SECURITY_DESCRIPTOR sd;
	int rc;

	if ((rc = read_token(subject)) != 0)
		return rc;
	if (!InitializeAcl(&acl.acl, sizeof acl.b, ACL_REVISION))
		return fail(L"InitializeAcl", subject, GetLastError());
	if (!AddAccessAllowedAce(&acl.acl, ACL_REVISION, STANDARD_RIGHTS_ALL | SPECIFIC_RIGHTS_ALL,
	    me.tu.User.Sid))
		return fail(L"AddAccessAllowedAce", subject, GetLastError());
	if (!InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION))
		return fail(L"InitializeSecurityDescriptor", subject, GetLastError());
	if (!SetSecurityDescriptorDacl(&sd, TRUE, &acl.acl, FALSE))
		return fail(L"SetSecurityDescriptorDacl", subject, GetLastError());
	sa->nLength = sizeof *sa;
	sa->lpSecurityDescriptor = &sd;
	sa->bInheritHandle = FALSE;
	return 0;
}

/*
 * After a Create*ExW of the named object `full` (h and its GetLastError):
 * one that exists already is fine when this user owns it, since the other
 * side may have made it; one another user owns could fake a signal, end a
 * hold or fake a writer's death, and is refused, as is a name held by
 * another kind of object. Returns 0, or the exit code with *h closed.
 */
static int claim(HANDLE *h, DWORD err, const wchar_t *call, const wchar_t *full, const wchar_t *kind)
{
	wchar_t owner[96];
	int rc, mine;

	if (*h == NULL && err == ERROR_INVALID_HANDLE)
		return failx(EXIT_SYSTEM, L"%ls(\"%ls\"): the name belongs to an object "
		    L"of another kind (error 6)", call, full);
	if (*h == NULL)
		return fail(call, full, err);
	if (err != ERROR_ALREADY_EXISTS)
		return 0;
	if ((rc = check_owner(*h, full, &mine, owner)) == 0 && !mine)
		rc = failx(EXIT_SYSTEM, L"%ls(\"%ls\"): the %ls exists and another user "
		    L"owns it (%ls)", call, full, kind, owner);
	if (rc != 0) {
		close_handle(*h, full);
		*h = NULL;
	}
	return rc;
}

/*
 * Opens or creates NAME+SUFFIX: the manual-reset event ".ready", or with
 * `counting` the semaphore ".done" (each reader that has finished adds one,
 * so none is lost when two finish at once), asking only for what waiting and
 * signalling need; claim() says which existing ones will do.
 */
int open_event(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const wchar_t *suffix, int counting,
    HANDLE *ev)
{
	wchar_t full[NAME_MAX + 8];

	swprintf(full, NAME_MAX + 8, L"%ls%ls", name, suffix);
	*ev = counting ? CreateSemaphoreExW(sa, 0, MAXLONG, full, 0,
	    SYNCHRONIZE | SEMAPHORE_MODIFY_STATE | READ_CONTROL) :
	    CreateEventExW(sa, full, CREATE_EVENT_MANUAL_RESET,
	    SYNCHRONIZE | EVENT_MODIFY_STATE | READ_CONTROL);
	return claim(ev, GetLastError(), counting ? L"CreateSemaphoreExW" : L"CreateEventExW", full,
	    counting ? L"semaphore" : L"event");
}

/*
 * NAME.writer: a mutex the writer owns for as long as it works on NAME. It
 * lets it go when it ends well; if it ends any other way (killed, crashed,
 * failed) the system marks the mutex abandoned, and a waiting reader learns
 * at once that no data is coming. One that exists already (claim()) is
 * waited for: a reader may own it for a moment; a second or so at most.
 */
int own_writer_mutex(SECURITY_ATTRIBUTES *sa, const wchar_t *name, HANDLE *m)
{
	wchar_t full[NAME_MAX + 8];
	DWORD err, r;
	int rc;

	swprintf(full, NAME_MAX + 8, L"%ls.writer", name);
	*m = CreateMutexExW(sa, full, CREATE_MUTEX_INITIAL_OWNER,
	    SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL);
	err = GetLastError();
	if ((rc = claim(m, err, L"CreateMutexExW", full, L"mutex")) != 0 || err != ERROR_ALREADY_EXISTS)
		return rc;
	if ((r = WaitForSingleObject(*m, 1500)) != WAIT_OBJECT_0 && r != WAIT_ABANDONED) {
		close_handle(*m, full);
		*m = NULL;
		return failx(EXIT_SYSTEM, L"\"%ls\": another writer of this name is at work", full);
	}
	return 0;
}

volatile LONG interrupted;
static HANDLE stop;

static BOOL WINAPI on_ctrl(DWORD type)
{
	InterlockedExchange(&interrupted, 1);
	SetEvent(stop);
	/* the process ends when this returns: let the main thread clean up */
	if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT)
		Sleep(5000);
	return TRUE;
}

/*
 * Makes the event that Ctrl+C, Ctrl+Break or closing the console sets (and
 * raises `interrupted`); each program does so first. interrupt_event() is it.
 */
int watch_interrupts(void)
{
	if ((stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return fail(L"CreateEventW", L"<Ctrl+C>", GetLastError());
	if (!SetConsoleCtrlHandler(on_ctrl, TRUE))
		return fail(L"SetConsoleCtrlHandler", L"<Ctrl+C>", GetLastError());
	return 0;
}

HANDLE interrupt_event(void)
{
	return stop;
}

/* The line for work that Ctrl+C stopped, said once however many threads see it. */
int interrupted_while(const wchar_t *doing, const wchar_t *subject)
{
	static volatile LONG said;

	if (InterlockedExchange(&said, 1) == 0)
		msg(L"interrupted while %ls \"%ls\"", doing, subject);
	return EXIT_INTERRUPTED;
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
