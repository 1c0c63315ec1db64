/*
 * fmread - print the integers of a MEMORYDATA file, one per line, after
 * checking that the file is complete and intact.
 *
 *   fmread data.bin               0, 1, ... on stdout
 *   fmread --check data.bin       one line: valid or not, and why
 *
 * The sequence: CreateFileW (read-only), CreateFileMappingW (PAGE_READONLY,
 * size 0: the whole file), MapViewOfFile (FILE_MAP_READ), check, print,
 * UnmapViewOfFile, CloseHandle. Nothing is printed until the header and the
 * checksum over all the data have been checked.
 *
 * Build: make (mingw-w64), or see README.md.
 */
#include "fmlib.h"
#include "memdata.h"

const wchar_t *prog = L"fmread";

static const wchar_t usage[] =
	L"usage: fmread [options] FILE\n"
	L"Checks FILE, a MEMORYDATA file written by fmwrite, and prints its\n"
	L"integers on stdout, one per line.\n"
	L"\n"
	L"  --check        check only; print a one-line summary\n"
	L"  -q, --quiet    print nothing but the data and errors\n"
	L"  -h, --help, /? this text\n"
	L"  --version      the version\n";

static const struct option options[] = {
	{ NULL, L"--check", OPT_FLAG, offsetof(struct args, check) },
	{ NULL, NULL, OPT_FLAG, 0 }
};

/* stdout, written a large block at a time: printf per number is 50x slower */
static struct {
	char buf[1 << 20];
	size_t n;
} out;

static const char digits[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static char *format(char *q, int32_t v)
{
	char tmp[12], *end = tmp + sizeof tmp, *s = end;
	uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;

	for (; u >= 100; u /= 100)
		s -= 2, memcpy(s, digits + u % 100 * 2, 2);
	if (u >= 10)
		s -= 2, memcpy(s, digits + u * 2, 2);
	else
		*--s = (char)('0' + u);
	if (v < 0)
		*--s = '-';
	memcpy(q, s, (size_t)(end - s));
	return q + (end - s);
}

static int flush_out(void)
{
	int rc = write_all(GetStdHandle(STD_OUTPUT_HANDLE), out.buf, (DWORD)out.n);

	out.n = 0;
	return rc;
}

static int print(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	char *q;
	size_t i;
	int rc;

	(void)ctx, (void)first;
	for (i = 0; i < n; i++) {
		if (out.n > sizeof out.buf - 16 && (rc = flush_out()) != 0)
			return rc;
		q = format(out.buf + out.n, data[i]);
		*q++ = '\n';
		out.n = (size_t)(q - out.buf);
	}
	return 0;
}

static int add(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	(void)first;
	md_sum_add(ctx, data, n);
	return 0;
}

/*
 * The state is read first and everything it vouches for after a barrier,
 * the mirror of the writer's order, so "complete" is never seen ahead of
 * the checksum it covers.
 */
static enum md_status read_header(const unsigned char *p, uint64_t size, struct md_header *h)
{
	uint32_t state = *(const volatile uint32_t *)(p + offsetof(struct md_header, state));

	MemoryBarrier();
	memcpy(h, p, sizeof *h);
	h->state = state;
	return md_check_header(h, size);
}

/* Checks the header, then the checksum over all the data, then prints. */
static int show(struct window *w, const struct args *a)
{
	struct md_header h;
	struct md_sum sum;
	enum md_status st;
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(w, 0, &p, &avail)) != 0)
		return rc;
	if ((st = read_header(p, w->size, &h)) != MD_OK)
		return failx(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(st));
	md_sum_init(&sum);
	if ((rc = win_each(w, h.count, add, &sum)) != 0)
		return rc;
	if (md_sum_final(&sum) != h.checksum)
		return failx(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(MD_ECHECKSUM));
	if (a->check) {
		say(L"%ls: valid, %llu integers, checksum %08lx%08lx\n", w->subject,
		    (unsigned long long)h.count, (unsigned long)(h.checksum >> 32),
		    (unsigned long)(h.checksum & 0xFFFFFFFFu));
		return 0;
	}
	if ((rc = win_each(w, h.count, print, NULL)) != 0)
		return rc;
	return flush_out();
}

static int read_file(const struct args *a)
{
	HANDLE file, map = NULL;
	struct window w = { 0 };
	LARGE_INTEGER size;
	int rc;

	/* no FILE_SHARE_WRITE: nobody can change the file while it is read */
	file = CreateFileW(a->file, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	    FILE_FLAG_SEQUENTIAL_SCAN, NULL);
	if (file == INVALID_HANDLE_VALUE)
		return fail(L"CreateFileW", a->file, GetLastError());
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
	w.map = map, w.size = (uint64_t)size.QuadPart, w.access = FILE_MAP_READ, w.subject = a->file;
	on_fault(&w, EXIT_DATA, L"reading", L"the file changed or could not be read");
	info(a, L"reading file \"%ls\"", a->file);
	rc = show(&w, a);
out:
	win_close(&w);
	if (map != NULL && !CloseHandle(map))
		warn(L"CloseHandle", a->file, GetLastError());
	if (!CloseHandle(file))
		warn(L"CloseHandle", a->file, GetLastError());
	return rc;
}

int wmain(int argc, wchar_t **argv)
{
	struct args a;
	int rc = parse_args(argc, argv, options, usage, &a);

	return rc >= 0 ? rc : read_file(&a);
}
