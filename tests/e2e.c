/*
 * e2e.c - end-to-end tests of fmwrite.exe and fmread.exe, as a user runs
 * them. A Win32 program, so the same suite runs on Windows and under Wine.
 * Run it from anywhere; it finds the programs beside itself and works in a
 * scratch folder, e2e-tmp, beside them.
 *
 * Each scenario: a name, a command line, the exit code, stdout and stderr
 * expected. Expected text may hold '*', which stands for any run of
 * characters, and '?' for any one, so the system's wording of an error
 * need not be pinned but its shape and number are.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../memdata.h"

static wchar_t bindir[MAX_PATH];
static int passed, failed;

struct result {
	DWORD code;
	char *out, *err;              /* NUL-terminated, as the programs wrote them */
	size_t outlen, errlen;
};

static char *slurp(const wchar_t *path, size_t *len)
{
	HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	LARGE_INTEGER size = { 0 };
	DWORD got = 0;
	char *buf;

	if (h != INVALID_HANDLE_VALUE)
		GetFileSizeEx(h, &size);
	buf = malloc((size_t)size.QuadPart + 1);
	if (h != INVALID_HANDLE_VALUE) {
		ReadFile(h, buf, (DWORD)size.QuadPart, &got, NULL);
		CloseHandle(h);
	}
	buf[got] = 0;
	*len = got;
	return buf;
}

static void spit(const wchar_t *path, const void *buf, size_t len)
{
	HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
	DWORD done;

	WriteFile(h, buf, (DWORD)len, &done, NULL);
	CloseHandle(h);
}

static HANDLE inheritable(const wchar_t *path, DWORD access, DWORD disposition)
{
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE }; /* inherited by the child */

	return CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	    &sa, disposition, 0, NULL);
}

/*
 * Starts `cmd`; a leading "fmwrite" or "fmread" means the one beside this
 * program. Its stdout and stderr go to files named after `tag`.
 */
static HANDLE start(const wchar_t *cmd, const wchar_t *tag)
{
	wchar_t line[8192], out[64], err[64];
	STARTUPINFOW si = { 0 };
	PROCESS_INFORMATION pi;
	const wchar_t *rest = wcschr(cmd, L' ');
	size_t n = rest ? (size_t)(rest - cmd) : wcslen(cmd);

	if ((n == 7 && wcsncmp(cmd, L"fmwrite", 7) == 0) || (n == 6 && wcsncmp(cmd, L"fmread", 6) == 0))
		swprintf(line, 8192, L"\"%ls\\%.*ls.exe\"%ls", bindir, (int)n, cmd, rest ? rest : L"");
	else
		swprintf(line, 8192, L"%ls", cmd);
	swprintf(out, 64, L"%ls.out", tag);
	swprintf(err, 64, L"%ls.err", tag);
	si.cb = sizeof si;
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = inheritable(L"NUL", GENERIC_READ, OPEN_EXISTING);
	si.hStdOutput = inheritable(out, GENERIC_WRITE, CREATE_ALWAYS);
	si.hStdError = inheritable(err, GENERIC_WRITE, CREATE_ALWAYS);
	if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
		printf("cannot start %ls (error %lu)\n", line, GetLastError());
		pi.hProcess = NULL;
	} else {
		CloseHandle(pi.hThread);
	}
	CloseHandle(si.hStdInput);
	CloseHandle(si.hStdOutput);
	CloseHandle(si.hStdError);
	return pi.hProcess;
}

/* Waits for a started process (2 minutes at most) and collects what it said. */
static void finish(HANDLE proc, const wchar_t *tag, struct result *r)
{
	wchar_t out[64], err[64];

	r->code = 0xDEAD;
	if (proc != NULL) {
		if (WaitForSingleObject(proc, 120000) != WAIT_OBJECT_0)
			TerminateProcess(proc, 0xDEAD);
		GetExitCodeProcess(proc, &r->code);
		CloseHandle(proc);
	}
	swprintf(out, 64, L"%ls.out", tag);
	swprintf(err, 64, L"%ls.err", tag);
	r->out = slurp(out, &r->outlen);
	r->err = slurp(err, &r->errlen);
}

static void run(const wchar_t *cmd, struct result *r)
{
	finish(start(cmd, L"run"), L"run", r);
}

static void release(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Does `text` (len bytes) match `pat`? '*' is any run of characters, '?' one. */
static int match(const char *pat, const char *text, size_t len)
{
	const char *end = text + len, *star = NULL, *back = NULL;

	while (text < end) {
		if (*pat == '*') {
			star = ++pat, back = text;
		} else if (*pat == *text || *pat == '?') {
			pat++, text++;
		} else if (star) {
			pat = star, text = ++back;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == 0;
}

static void show(const char *label, const char *s, size_t len)
{
	printf("    %s (%u bytes): %.300s%s\n", label, (unsigned)len, s, len > 300 ? "..." : "");
}

/* One verdict: the exit code and both streams must be as expected. */
static int verdict(const char *name, const struct result *r, DWORD code, const char *out,
    const char *err)
{
	int ok = r->code == code && match(out, r->out, r->outlen) && match(err, r->err, r->errlen);

	if (ok) {
		passed++;
		return 1;
	}
	failed++;
	printf("FAIL %s\n    exit %lu, expected %lu\n", name, r->code, code);
	show("stdout", r->out, r->outlen);
	show("expected", out, strlen(out));
	show("stderr", r->err, r->errlen);
	show("expected", err, strlen(err));
	return 0;
}

static int expect(const char *name, const wchar_t *cmd, DWORD code, const char *out, const char *err)
{
	struct result r;
	int ok;

	run(cmd, &r);
	ok = verdict(name, &r, code, out, err);
	release(&r);
	return ok;
}

static void truth(const char *name, int ok)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s\n", name);
	}
}

/* "0\n1\n...\n" up to n-1: what fmread prints for a file of n integers. */
static char *seq(unsigned n)
{
	char *s = malloc((size_t)n * 11 + 1), *p = s;
	unsigned i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "%u\n", i);
	*p = 0;
	return s;
}

static int exists(const wchar_t *path)
{
	return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* Flips one bit of a file in place. */
static void flip(const wchar_t *path, size_t offset, int bit)
{
	size_t len;
	char *buf = slurp(path, &len);

	buf[offset] ^= (char)(1 << bit);
	spit(path, buf, len);
	free(buf);
}

static void cut(const wchar_t *path, size_t len)
{
	size_t had;
	char *buf = slurp(path, &had);

	spit(path, buf, len < had ? len : had);
	free(buf);
}

static int same_file(const wchar_t *path, const void *want, size_t len)
{
	size_t had;
	char *buf = slurp(path, &had);
	int same = had == len && memcmp(buf, want, len) == 0;

	free(buf);
	return same;
}


/* ---- the scenarios ---- */

static void test_help(void)
{
	expect("fmwrite --help: usage and exit codes on stdout", L"fmwrite --help", 0,
	    "usage: fmwrite [options] FILE\n*-n, --count N*--force*Exit codes:\n  0  success\n"
	    "  1  usage error\n  2  a system call failed*  3  the data is not a valid, complete "
	    "MEMORYDATA file\n  4  timed out waiting\n  5  interrupted (Ctrl+C, Ctrl+Break, the console closed)\n", "");
	expect("fmwrite -h", L"fmwrite -h", 0, "usage: fmwrite [options] FILE\n*", "");
	expect("fmread /?", L"fmread /?", 0, "usage: fmread [options] FILE\n*--check*Exit codes:*", "");
	expect("fmread --help after FILE", L"fmread x.bin --help", 0, "usage: fmread *", "");
	expect("fmwrite --version", L"fmwrite --version", 0, "fmwrite 1.0\n", "");
	expect("fmread --version", L"fmread --version", 0, "fmread 1.0\n", "");
}

static void test_usage(void)
{
	static const struct { const wchar_t *cmd; const char *err; } cases[] = {
		{ L"fmwrite", "fmwrite: no FILE given (see --help)\n" },
		{ L"fmread", "fmread: no FILE given (see --help)\n" },
		{ L"fmwrite -q", "fmwrite: no FILE given (see --help)\n" },
		{ L"fmwrite -n 0 u.bin", "fmwrite: bad count \"0\": *" },
		{ L"fmwrite -n -5 u.bin", "fmwrite: bad count \"-5\": *" },
		{ L"fmwrite -n 12x u.bin", "fmwrite: bad count \"12x\": *" },
		{ L"fmwrite -n abc u.bin", "fmwrite: bad count \"abc\": *" },
		{ L"fmwrite -n +5 u.bin", "fmwrite: bad count \"+5\": *" },
		{ L"fmwrite --count=2147483649 u.bin", "fmwrite: bad count \"2147483649\": *" },
		{ L"fmwrite -n 99999999999999999999999 u.bin", "fmwrite: bad count \"99999999999999999999999\": *" },
		{ L"fmwrite -n 18446744073709551616 u.bin", "fmwrite: bad count \"18446744073709551616\": *" },
		{ L"fmwrite --count= u.bin", "fmwrite: bad count \"\": *" },
		{ L"fmwrite u.bin -n", "fmwrite: option \"-n\" needs a value (see --help)\n" },
		{ L"fmwrite --bogus u.bin", "fmwrite: unknown option \"--bogus\" (see --help)\n" },
		{ L"fmwrite --force=1 u.bin", "fmwrite: unknown option \"--force=1\" (see --help)\n" },
		{ L"fmread -n 5 u.bin", "fmread: unknown option \"-n\" (see --help)\n" },
		{ L"fmread --force u.bin", "fmread: unknown option \"--force\" (see --help)\n" },
		{ L"fmwrite a.bin b.bin", "fmwrite: more than one FILE: \"b.bin\" (see --help)\n" },
		{ L"fmread a.bin b.bin", "fmread: more than one FILE: \"b.bin\" (see --help)\n" },
	};
	char name[160];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(name, sizeof name, "usage error: %ls", cases[i].cmd);
		expect(name, cases[i].cmd, 1, "", cases[i].err);
	}
	expect("the count message says the range", L"fmwrite -n 0 u.bin", 1, "",
	    "fmwrite: bad count \"0\": give a whole number from 1 to 2147483648 (see --help)\n");
	truth("usage errors leave no file", !exists(L"u.bin") && !exists(L"a.bin"));
}

static void round_trip(const char *what, const wchar_t *file, const wchar_t *args, unsigned n)
{
	wchar_t cmd[256];
	char name[128], err[256];
	char *want = seq(n);
	size_t len;
	char *got;

	swprintf(cmd, 256, L"fmwrite %ls", args);
	snprintf(name, sizeof name, "round trip %s: fmwrite", what);
	snprintf(err, sizeof err, "fmwrite: wrote %u integers to \"%ls\" (mapping \"Local\\fmipc-*\")\n", n, file);
	expect(name, cmd, 0, "", err);
	got = slurp(file, &len);
	snprintf(name, sizeof name, "round trip %s: file is 64 + 4 * %u bytes", what, n);
	truth(name, len == 64 + 4 * (size_t)n);
	free(got);
	swprintf(cmd, 256, L"fmread %ls", file);
	snprintf(name, sizeof name, "round trip %s: fmread", what);
	snprintf(err, sizeof err, "fmread: reading file \"%ls\"\n", file);
	expect(name, cmd, 0, want, err);
	free(want);
}

static void test_round_trips(void)
{
	round_trip("of 1", L"one.bin", L"-n 1 one.bin", 1);
	round_trip("of MAXDATA (the default)", L"max.bin", L"max.bin", 1024);
	round_trip("of 1000, count after FILE", L"k.bin", L"k.bin -n 1000", 1000);
	round_trip("of 1000, --count=", L"k2.bin", L"--count=1000 k2.bin", 1000);
	round_trip("of 1,000,000", L"m.bin", L"--count 1000000 m.bin", 1000000);
	round_trip("of 65,521 (a view's edge is no integer's)", L"p.bin", L"-n 65521 p.bin", 65521);
	expect("-q: fmwrite says nothing", L"fmwrite -q -n 3 q.bin", 0, "", "");
	expect("-q: fmread prints only the data", L"fmread q.bin --quiet", 0, "0\n1\n2\n", "");
	expect("--check: one line on stdout", L"fmread --check k.bin", 0,
	    "k.bin: valid, 1000 integers, checksum ????????????????\n", "fmread: reading file \"k.bin\"\n");
	expect("-- ends the options", L"fmwrite -q -n 2 -- -dash.bin", 0, "", "");
	expect("a FILE named -dash.bin reads back", L"fmread -q -- -dash.bin", 0, "0\n1\n", "");
}

/* A copy of a good 1000-integer file, changed by `how`, must be refused. */
static void refuse(const char *name, const wchar_t *file, const char *reason)
{
	wchar_t cmd[128];
	char err[256];

	swprintf(cmd, 128, L"fmread %ls", file);
	snprintf(err, sizeof err, "fmread: reading file \"%ls\"\nfmread: \"%ls\": %s\n", file, file, reason);
	expect(name, cmd, 3, "", err);
}

static void copy_good(const wchar_t *to)
{
	CopyFileW(L"k.bin", to, FALSE);
}

static void test_refusals(void)
{
	static const char text[] = "This is a text file, not a MEMORYDATA file, but it is long enough\r\n"
	    "to hold a header.\r\n";
	unsigned char noise[4096];
	unsigned x = 12345, i;

	spit(L"empty.bin", "", 0);
	expect("an empty file: exit 3, not a system error", L"fmread empty.bin", 3, "",
	    "fmread: \"empty.bin\": too short for a MEMORYDATA header\n");
	spit(L"short.bin", MD_MAGIC, 8);
	expect("8 bytes of magic only", L"fmread short.bin", 3, "",
	    "fmread: \"short.bin\": too short for a MEMORYDATA header\n");
	spit(L"text.bin", text, sizeof text - 1);
	refuse("a text file", L"text.bin", "not a MEMORYDATA file (bad magic)");
	for (i = 0; i < sizeof noise; i++)
		noise[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 16);
	spit(L"noise.bin", noise, sizeof noise);
	refuse("random bytes", L"noise.bin", "not a MEMORYDATA file (bad magic)");

	copy_good(L"cut.bin");
	cut(L"cut.bin", 64 + 4 * 500);
	refuse("truncated to half its data", L"cut.bin", "truncated: the data is shorter than its count");
	copy_good(L"cut2.bin");
	cut(L"cut2.bin", 4063);
	refuse("one byte short", L"cut2.bin", "truncated: the data is shorter than its count");
	copy_good(L"cut3.bin");
	cut(L"cut3.bin", 30);
	expect("truncated inside the header", L"fmread cut3.bin", 3, "",
	    "fmread: \"cut3.bin\": too short for a MEMORYDATA header\n");

	copy_good(L"flip.bin");
	flip(L"flip.bin", 64 + 4 * 500, 3);
	refuse("one bit flipped in the data", L"flip.bin", "checksum mismatch: the data is corrupt");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 4063, 7);
	refuse("the last bit flipped", L"flip.bin", "checksum mismatch: the data is corrupt");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 0, 0);
	refuse("a bit of the magic", L"flip.bin", "not a MEMORYDATA file (bad magic)");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 8, 1);
	refuse("a bit of the version", L"flip.bin", "unsupported MEMORYDATA version");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 12, 0);
	refuse("a bit of the header size", L"flip.bin", "bad header size");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 16, 3);
	refuse("a bit of the element size", L"flip.bin", "bad element size");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 21, 0);
	refuse("a bit of the state", L"flip.bin", "bad state field");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 24, 0);
	refuse("count + 1", L"flip.bin", "truncated: the data is shorter than its count");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 24, 3);
	refuse("count - 8", L"flip.bin", "checksum mismatch: the data is corrupt");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 30, 7);
	refuse("count beyond 2^31", L"flip.bin", "count out of range");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 39, 6);
	refuse("a bit of the checksum", L"flip.bin", "checksum mismatch: the data is corrupt");
	copy_good(L"flip.bin");
	flip(L"flip.bin", 50, 2);
	refuse("a reserved bit", L"flip.bin", "reserved header bytes are not zero");
	copy_good(L"half.bin");
	{
		/* what a writer that stopped halfway leaves: state "being written" */
		size_t len;
		char *buf = slurp(L"half.bin", &len);

		memcpy(buf + 20, "TIRW", 4);
		spit(L"half.bin", buf, len);
		free(buf);
	}
	refuse("a file whose writer did not finish", L"half.bin", "incomplete: its writer has not finished");
	expect("--check refuses the same way", L"fmread --check half.bin", 3, "",
	    "fmread: reading file \"half.bin\"\nfmread: \"half.bin\": incomplete: its writer has not finished\n");
}

static void test_system_errors(void)
{
	HANDLE h;

	expect("a missing file: exit 2, the call, the name, the system's words and number",
	    L"fmread missing.bin", 2, "", "fmread: CreateFileW(\"missing.bin\"): *. (error 2)\n");
	CreateDirectoryW(L"adir", NULL);
	expect("fmread on a directory", L"fmread adir", 2, "", "fmread: CreateFileW(\"adir\"): * (error 5)\n");
	expect("fmwrite on a directory", L"fmwrite adir", 2, "", "fmwrite: CreateFileW(\"adir\"): * (error 5)\n");
	expect("fmwrite into a missing folder", L"fmwrite nodir\\x.bin", 2, "",
	    "fmwrite: CreateFileW(\"nodir\\x.bin\"): * (error 3)\n");
	copy_good(L"held.bin");
	h = CreateFileW(L"held.bin", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	expect("fmread on a file another program holds exclusively", L"fmread held.bin", 2, "",
	    "fmread: CreateFileW(\"held.bin\"): * (error 32)\n");
	expect("fmwrite on a file another program holds exclusively", L"fmwrite held.bin", 2, "",
	    "fmwrite: CreateFileW(\"held.bin\"): * (error 32)\n");
	CloseHandle(h);
	/* what a second fmwrite meets while the first still has the file */
	h = CreateFileW(L"held.bin", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	expect("a second writer fails cleanly", L"fmwrite held.bin", 2, "",
	    "fmwrite: CreateFileW(\"held.bin\"): * (error 32)\n");
	expect("a reader meets a file being written", L"fmread held.bin", 2, "",
	    "fmread: CreateFileW(\"held.bin\"): * (error 32)\n");
	CloseHandle(h);
	expect("held.bin is intact afterwards", L"fmread -q --check held.bin", 0,
	    "held.bin: valid, 1000 integers, *\n", "");
}

static void test_foreign_files(void)
{
	static const char precious[] = "precious data, not ours\r\n";
	char *want = seq(1024);

	spit(L"notours.txt", precious, sizeof precious - 1);
	expect("a file that is not ours is refused without --force", L"fmwrite notours.txt", 3, "",
	    "fmwrite: \"notours.txt\" exists and is not a MEMORYDATA file; left as it was "
	    "(--force replaces it)\n");
	truth("... and left byte for byte as it was", same_file(L"notours.txt", precious, sizeof precious - 1));
	spit(L"almost.bin", MD_MAGIC, 7);
	expect("seven bytes of our magic are not ours", L"fmwrite -q almost.bin", 3, "", "fmwrite: \"almost.bin\" exists*");
	truth("... and left as it was", same_file(L"almost.bin", MD_MAGIC, 7));
	expect("--force replaces it", L"fmwrite --force -q notours.txt", 0, "", "");
	expect("... with good data", L"fmread -q notours.txt", 0, want, "");
	spit(L"empty2.bin", "", 0);
	expect("an empty file needs no --force", L"fmwrite -q empty2.bin", 0, "", "");
	copy_good(L"ours.bin");
	expect("our own file needs no --force", L"fmwrite -q -n 5 ours.bin", 0, "", "");
	expect("... and shrinks to its new count", L"fmread -q ours.bin", 0, "0\n1\n2\n3\n4\n", "");
	copy_good(L"half2.bin");
	flip(L"half2.bin", 20, 0);
	expect("a damaged file of ours needs no --force", L"fmwrite -q half2.bin", 0, "", "");
	free(want);
}

static void test_unicode(void)
{
	char *want = seq(1000);

	expect("a Unicode name: fmwrite", L"fmwrite -n 1000 donn\u00e9es-\u6570\u636e-\U0001F600.bin", 0, "",
	    "fmwrite: wrote 1000 integers to \"donn\u00e9es-\u6570\u636e-\U0001F600.bin\" (mapping *)\n");
	truth("... the file has that very name", exists(L"donn\u00e9es-\u6570\u636e-\U0001F600.bin"));
	expect("a Unicode name: fmread", L"fmread donn\u00e9es-\u6570\u636e-\U0001F600.bin", 0, want,
	    "fmread: reading file \"donn\u00e9es-\u6570\u636e-\U0001F600.bin\"\n");
	expect("a Unicode name in an error, as UTF-8", L"fmread \u65e5\u672c-\U0001F600.bin", 2, "",
	    "fmread: CreateFileW(\"\u65e5\u672c-\U0001F600.bin\"): * (error 2)\n");
	free(want);
}

/* The mapping name fmwrite reported on stderr, or "" */
static void name_of(const wchar_t *cmd, wchar_t *name, size_t cap)
{
	struct result r;
	char *p, *q;

	run(cmd, &r);
	name[0] = 0;
	if ((p = strstr(r.err, "(mapping \"")) != NULL && (q = strchr(p + 10, '"')) != NULL) {
		*q = 0;
		MultiByteToWideChar(CP_UTF8, 0, p + 10, -1, name, (int)cap);
	}
	release(&r);
}

static void test_names(void)
{
	wchar_t a[64], b[64], c[64], d[64];
	char want[256];
	HANDLE squat;
	unsigned char *view;
	int i, intact = 1;

	name_of(L"fmwrite -n 3 sq.bin", a, 64);
	name_of(L"fmwrite -n 3 SQ.BIN", b, 64);
	name_of(L"fmwrite -n 3 adir\\..\\sq.bin", c, 64);
	name_of(L"fmwrite -n 3 sq2.bin", d, 64);
	truth("the mapping is named Local\\fmipc-<hash>", wcsncmp(a, L"Local\\fmipc-", 12) == 0 && wcslen(a) == 28);
	truth("one file, however spelt, one name", wcscmp(a, b) == 0 && wcscmp(a, c) == 0);
	truth("another file, another name", wcscmp(a, d) != 0);

	/* a squatter takes the name first and fills it */
	DeleteFileW(L"sq.bin");
	squat = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, a);
	view = MapViewOfFile(squat, FILE_MAP_WRITE, 0, 0, 4096);
	memset(view, 'X', 4096);
	snprintf(want, sizeof want, "fmwrite: CreateFileMappingW(\"%ls\"): the name is already taken "
	    "by another program; nothing written\n", a);
	expect("a squatted mapping name is refused with 2", L"fmwrite -n 3 sq.bin", 2, "", want);
	for (i = 0; i < 4096; i++)
		intact &= view[i] == 'X';
	truth("... nothing was written into the squatter's memory", intact);
	truth("... and no file was left behind", !exists(L"sq.bin"));
	UnmapViewOfFile(view);
	CloseHandle(squat);

	squat = CreateMutexW(NULL, FALSE, a);
	snprintf(want, sizeof want, "fmwrite: CreateFileMappingW(\"%ls\"): the name belongs to an "
	    "object of another kind; nothing written (error 6)\n", a);
	expect("a name held by a mutex is refused with 2", L"fmwrite -n 3 sq.bin", 2, "", want);
	truth("... and no file was left behind", !exists(L"sq.bin"));
	CloseHandle(squat);
	expect("the name is free again once the squatter is gone", L"fmwrite -q -n 3 sq.bin", 0, "", "");
}

static void test_demo(void)
{
	wchar_t cmd[MAX_PATH + 32];

	swprintf(cmd, MAX_PATH + 32, L"cmd /c \"%ls\\..\\demo.bat\"", bindir);
	expect("demo.bat runs every step and exits 0", cmd, 0,
	    "== 1. fmwrite*== 2. fmread*\r\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n== 3.*"
	    "demo.bin: valid, 10 integers, checksum 6a6950873f16bd23\n== 4.*left as it was\r\n"
	    "== 5.*refused\r\ndemo: all steps worked\r\n", "fmwrite: wrote 10 integers*"
	    "fmwrite: \"*notes.txt\" exists and is not a MEMORYDATA file*"
	    "fmread: \"*notes.txt\": too short for a MEMORYDATA header\n");
}

int wmain(void)
{
	wchar_t *slash, scratch[MAX_PATH];

	GetModuleFileNameW(NULL, bindir, MAX_PATH);
	if ((slash = wcsrchr(bindir, L'\\')) != NULL)
		*slash = 0;
	swprintf(scratch, MAX_PATH, L"%ls\\e2e-tmp", bindir);
	CreateDirectoryW(scratch, NULL);
	if (!SetCurrentDirectoryW(scratch)) {
		printf("e2e: cannot enter %ls\n", scratch);
		return 2;
	}
	test_help();
	test_usage();
	test_round_trips();
	test_refusals();
	test_system_errors();
	test_foreign_files();
	test_unicode();
	test_names();
	test_demo();
	printf("e2e: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
