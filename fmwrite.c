/*
 * fmwrite - write the integers 0..N-1 to a MEMORYDATA file through a named
 * file mapping.
 *
 *   fmwrite data.bin              1024 integers (MAXDATA)
 *   fmwrite -n 1000000 data.bin
 *   fmread data.bin               prints them back
 *
 * The sequence, as in the Win32 docs: CreateFileW, CreateFileMappingW (named,
 * user-only), MapViewOfFile, fill, FlushViewOfFile, UnmapViewOfFile,
 * FlushFileBuffers, CloseHandle, in reverse order of creation. Large files go
 * through a moving window of views (fmlib.c), so memory use stays bounded.
 *
 * Build: make (mingw-w64), or see README.md.
 */
#include "fmlib.h"
#include "memdata.h"

const wchar_t *prog = L"fmwrite";

static const wchar_t usage[] =
	L"usage: fmwrite [options] FILE\n"
	L"Writes the integers 0..N-1 to FILE, a MEMORYDATA file, through a named\n"
	L"file mapping, and flushes them to disk.\n"
	L"\n"
	L"  -n, --count N  how many integers, 1..2147483648 (default 1024)\n"
	L"  --force        replace FILE even if it is not a MEMORYDATA file\n"
	L"  -q, --quiet    print nothing but errors\n"
	L"  -h, --help, /? this text\n"
	L"  --version      the version\n";

static const struct option options[] = {
	{ L"-n", L"--count", OPT_COUNT, offsetof(struct args, count) },
	{ NULL, L"--force", OPT_FLAG, offsetof(struct args, force) },
	{ NULL, NULL, OPT_FLAG, 0 }
};

/*
 * Makes sure FILE may be replaced, then empties it. A non-empty file that is
 * not a MEMORYDATA file is left byte for byte as it was, unless --force.
 */
static int claim(HANDLE file, const struct args *a)
{
	unsigned char head[8];
	LARGE_INTEGER size, zero = { 0 };
	DWORD got = 0;

	if (!GetFileSizeEx(file, &size))
		return fail(L"GetFileSizeEx", a->file, GetLastError());
	if (size.QuadPart > 0 && !a->force) {
		if (!ReadFile(file, head, sizeof head, &got, NULL))
			return fail(L"ReadFile", a->file, GetLastError());
		if (!md_is_ours(head, got))
			return failx(EXIT_DATA, L"\"%ls\" exists and is not a MEMORYDATA file; "
			    L"left as it was (--force replaces it)", a->file);
	}
	if (!SetFilePointerEx(file, zero, NULL, FILE_BEGIN) || !SetEndOfFile(file))
		return fail(L"SetEndOfFile", a->file, GetLastError());
	return 0;
}

static int fill(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	md_fill(ctx, data, n, (uint32_t)first);
	return 0;
}

/*
 * The header goes in first, marked "being written"; then the data; then the
 * checksum and, after a barrier, "complete". A writer that stops halfway
 * leaves a file no reader takes.
 */
static int write_data(struct window *w, uint64_t count)
{
	struct md_header *h;
	struct md_sum sum;
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(w, 0, &p, &avail)) != 0)
		return rc;
	md_init_header((struct md_header *)p, count);
	md_sum_init(&sum);
	if ((rc = win_each(w, count, fill, &sum)) != 0)
		return rc;
	if ((rc = win_at(w, 0, &p, &avail)) != 0)
		return rc;
	h = (struct md_header *)p;
	h->checksum = md_sum_final(&sum);
	MemoryBarrier();
	*(volatile uint32_t *)&h->state = MD_COMPLETE;
	return win_close(w);
}

static int write_file(const struct args *a)
{
	HANDLE file = INVALID_HANDLE_VALUE, map = NULL;
	struct window w = { 0 };
	SECURITY_ATTRIBUTES sa;
	wchar_t name[64];
	uint64_t size = md_file_size(a->count);
	int rc, created = 0;

	if ((rc = mapping_name(a->file, name, 64)) != 0 || (rc = owner_only(&sa, name)) != 0)
		return rc;
	/* no FILE_SHARE_WRITE: a second writer fails here, before any harm */
	file = CreateFileW(a->file, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
	    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (file == INVALID_HANDLE_VALUE)
		return fail(L"CreateFileW", a->file, GetLastError());
	created = GetLastError() != ERROR_ALREADY_EXISTS;
	if ((rc = claim(file, a)) != 0)
		goto out;
	/* the size given extends the empty file to hold the whole structure */
	map = CreateFileMappingW(file, &sa, PAGE_READWRITE, (DWORD)(size >> 32), (DWORD)size, name);
	if (map == NULL) {
		DWORD err = GetLastError();

		rc = err == ERROR_INVALID_HANDLE ? failx(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): "
		    L"the name belongs to an object of another kind; nothing written (error 6)", name) :
		    fail(L"CreateFileMappingW", name, err);
		goto out;
	}
	if (GetLastError() == ERROR_ALREADY_EXISTS) {
		rc = failx(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name is already taken "
		    L"by another program; nothing written", name);
		goto out;
	}
	w.map = map, w.size = size, w.access = FILE_MAP_WRITE, w.subject = a->file;
	on_fault(&w, EXIT_SYSTEM, L"writing", L"the disk is full or failed");
	if ((rc = write_data(&w, a->count)) != 0)
		goto out;
	if (!FlushFileBuffers(file)) {
		rc = fail(L"FlushFileBuffers", a->file, GetLastError());
		goto out;
	}
	info(a, L"wrote %llu integers to \"%ls\" (mapping \"%ls\")",
	    (unsigned long long)a->count, a->file, name);
out:
	if (win_close(&w) != 0 && rc == 0)
		rc = EXIT_SYSTEM;
	if (map != NULL && !CloseHandle(map))
		warn(L"CloseHandle", name, GetLastError());
	if (!CloseHandle(file))
		warn(L"CloseHandle", a->file, GetLastError());
	/* leave nothing behind that was not there before */
	if (rc != 0 && created && !DeleteFileW(a->file))
		warn(L"DeleteFileW", a->file, GetLastError());
	return rc;
}

int wmain(int argc, wchar_t **argv)
{
	struct args a;
	int rc = parse_args(argc, argv, options, usage, &a);

	return rc >= 0 ? rc : write_file(&a);
}
