/*
 * fmwrite - write the integers 0..N-1 to a MEMORYDATA file through a named
 * file mapping, and optionally hold it for readers in other processes.
 *
 *   fmwrite data.bin                   1024 integers (MAXDATA)
 *   fmwrite -n 1000000 data.bin
 *   fmwrite --hold 60 data.bin         then, elsewhere: fmread data.bin
 *   fmwrite --no-file --name demo --hold 60    shared memory, no file at all
 *
 * The sequence, as in the Win32 docs: CreateFileW, CreateFileMappingW (named,
 * user-only), MapViewOfFile, fill, FlushViewOfFile, UnmapViewOfFile,
 * FlushFileBuffers, CloseHandle, in reverse order of creation. Large files go
 * through a moving window of views (fmlib.c), so memory use stays bounded.
 * Readers wait on the event NAME.ready and report on NAME.done.
 *
 * Build: make (mingw-w64), or see README.md.
 */
#include "fmlib.h"
#include "memdata.h"

const wchar_t *prog = L"fmwrite";

static const wchar_t usage[] =
	L"usage: fmwrite [options] FILE\n"
	L"       fmwrite --no-file --name NAME --hold SECONDS [options]\n"
	L"Writes the integers 0..N-1 to FILE, a MEMORYDATA file, through a named\n"
	L"file mapping, and flushes them to disk.\n"
	L"\n"
	L"  -n, --count N    how many integers, 1..2147483648 (default 1024)\n"
	L"  --force          replace FILE even if it is not a MEMORYDATA file\n"
	L"  --name NAME      name the mapping NAME (in Local\\ unless it says\n"
	L"                   Global\\); default: Local\\fmipc-<hash of FILE's path>\n"
	L"  --global         create the objects in Global\\ (needs the\n"
	L"                   SeCreateGlobalPrivilege privilege)\n"
	L"  --hold SECONDS   then keep the mapping for readers until one has read\n"
	L"                   it, Enter or Ctrl+C is pressed, or SECONDS pass\n"
	L"  --no-file        shared memory backed by the paging file, no FILE;\n"
	L"                   needs --name and --hold\n"
	L"  -q, --quiet      print nothing but errors\n"
	L"  -h, --help, /?   this text\n"
	L"  --version        the version\n";

static const struct option options[] = {
	{ L"-n", L"--count", OPT_COUNT, offsetof(struct args, count) },
	{ NULL, L"--force", OPT_FLAG, offsetof(struct args, force) },
	{ NULL, L"--name", OPT_STRING, offsetof(struct args, name) },
	{ NULL, L"--global", OPT_FLAG, offsetof(struct args, global) },
	{ NULL, L"--hold", OPT_SECONDS, offsetof(struct args, hold) },
	{ NULL, L"--no-file", OPT_FLAG, offsetof(struct args, no_file) },
	{ NULL, NULL, OPT_FLAG, 0 }
};

/* What one run owns; each starts at its API's failure value. */
struct writer {
	HANDLE file, map, ready, done;
	int created;             /* FILE is ours to delete if we fail */
	wchar_t name[NAME_MAX];
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
	if (!SetFilePointerEx(file, zero, NULL, FILE_BEGIN))
		return fail(L"SetFilePointerEx", a->file, GetLastError());
	if (!SetEndOfFile(file))
		return fail(L"SetEndOfFile", a->file, GetLastError());
	return 0;
}

static int open_file(const struct args *a, struct writer *wr)
{
	/* no FILE_SHARE_WRITE: a second writer fails here, before any harm */
	wr->file = CreateFileW(a->file, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
	    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (wr->file == INVALID_HANDLE_VALUE)
		return fail(L"CreateFileW", a->file, GetLastError());
	wr->created = GetLastError() != ERROR_ALREADY_EXISTS;
	return claim(wr->file, a);
}

/*
 * A mapping by that name that exists already belongs to someone else, who
 * would read or change what we write: refuse it, as any other kind of object.
 */
static int create_mapping(const struct args *a, struct writer *wr, SECURITY_ATTRIBUTES *sa)
{
	uint64_t size = md_file_size(a->count);
	DWORD err;

	/* with a file, the size extends it; without, it is the paging file's share */
	wr->map = CreateFileMappingW(wr->file, sa, PAGE_READWRITE, (DWORD)(size >> 32),
	    (DWORD)size, wr->name);
	err = GetLastError();
	if (wr->map != NULL && err == ERROR_ALREADY_EXISTS)
		return failx(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name is already taken "
		    L"by another program; nothing written", wr->name);
	if (wr->map != NULL)
		return 0;
	if (err == ERROR_INVALID_HANDLE)
		return failx(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): the name belongs to an "
		    L"object of another kind; nothing written (error 6)", wr->name);
	if (err == ERROR_ACCESS_DENIED && wcsncmp(wr->name, L"Global\\", 7) == 0)
		return failx(EXIT_SYSTEM, L"CreateFileMappingW(\"%ls\"): access denied: creating "
		    L"objects in Global\\ needs the SeCreateGlobalPrivilege privilege (an "
		    L"administrator or a service has it); nothing written (error 5)", wr->name);
	return fail(L"CreateFileMappingW", wr->name, err);
}

/*
 * Flushing behind the fill. Left alone, the system starts writing the data to
 * disk only at the final FlushFileBuffers, and the disk idles while the CPUs
 * fill. So each filled window wakes a thread that flushes what is filled so
 * far while the next windows are filled; the last flush has little left.
 * Waking it is only a hint: if it fails, the last flush does the work.
 */
struct flusher {
	HANDLE file;
	HANDLE filled;           /* auto-reset: a window was filled */
	HANDLE thread;           /* NULL: no flushing behind */
	volatile LONG over;      /* the fill has ended */
	DWORD err;               /* the first failed flush, 0 if none */
};

static DWORD WINAPI flush_behind(void *arg)
{
	struct flusher *f = arg;
	DWORD r;

	/* the timeout bounds the wait for `over` should a wake be lost */
	while ((r = WaitForSingleObject(f->filled, 100)) != WAIT_FAILED && !f->over)
		if (r == WAIT_OBJECT_0 && !FlushFileBuffers(f->file)) {
			f->err = GetLastError();
			break;
		}
	return 0;
}

/* Without it (no file, or no event or thread to be had) the fill goes on. */
static void start_flusher(struct flusher *f, HANDLE file)
{
	memset(f, 0, sizeof *f);
	f->file = file;
	if (file == INVALID_HANDLE_VALUE)
		return;
	f->filled = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (f->filled != NULL)
		f->thread = CreateThread(NULL, 0, flush_behind, f, 0, NULL);
}

/* Stops the flushing thread; returns the error of a failed flush, or 0. */
static DWORD end_flusher(struct flusher *f)
{
	if (f->thread != NULL) {
		InterlockedExchange(&f->over, 1);
		SetEvent(f->filled);
		WaitForSingleObject(f->thread, INFINITE);
		close_handle(f->thread, L"<thread>");
	}
	close_handle(f->filled, L"<event>");
	return f->err;
}

/* What each half of the fill keeps: its sum; the rest is shared. */
struct part {
	struct md_sum sum;
	struct progress *progress;
	struct flusher *flusher;
};

/* Both halves stop at Ctrl+C; write_data says so, once. */
static int fill(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	struct part *p = ctx;

	if (interrupted)
		return EXIT_INTERRUPTED;
	md_fill(&p->sum, data, n, (uint32_t)first);
	progress_add(p->progress, n * sizeof *data);
	if (p->flusher->thread != NULL)
		SetEvent(p->flusher->filled);
	return 0;
}

/*
 * The header goes in first, marked "being written"; then the data; then the
 * checksum and, after a barrier, "complete". A writer that stops halfway
 * leaves a file no reader takes. Large data is filled in two halves by two
 * threads (win_halves): the kernel's work for each new page (zeroing it,
 * then tracking it dirty) is most of the cost, and it runs on the core that
 * touches the page. A third thread flushes behind them; `file` is
 * INVALID_HANDLE_VALUE when there is no file to flush.
 */
static int write_data(struct window w[2], struct progress *progress, uint64_t count, HANDLE file)
{
	struct part part[2];
	void *ctx[2] = { &part[0], &part[1] };
	struct flusher flusher;
	struct md_header *h;
	unsigned char *p;
	size_t avail;
	DWORD flush_err;
	int rc;

	if ((rc = win_at(&w[0], 0, &p, &avail)) != 0)
		return rc;
	md_init_header((struct md_header *)p, count);
	start_flusher(&flusher, FM_LARGE(md_file_size(count)) ? file : INVALID_HANDLE_VALUE);
	md_sum_init(&part[0].sum);
	part[0].progress = progress;
	part[0].flusher = &flusher;
	part[1] = part[0];
	rc = win_halves(w, count, fill, ctx);
	flush_err = end_flusher(&flusher);
	if (interrupted)
		return failx(EXIT_INTERRUPTED, L"interrupted; the data was left incomplete");
	if (rc != 0)
		return rc;
	if (flush_err != 0)
		return fail(L"FlushFileBuffers", w[0].subject, flush_err);
	if ((rc = win_at(&w[0], 0, &p, &avail)) != 0)
		return rc;
	md_sum_join(&part[0].sum, &part[1].sum);
	h = (struct md_header *)p;
	h->checksum = md_sum_final(&part[0].sum);
	MemoryBarrier();
	*(volatile uint32_t *)&h->state = MD_COMPLETE;
	return win_close(&w[0]);
}

static int enter_pressed(HANDLE in)
{
	INPUT_RECORD r[16];
	DWORD i, n = 0;

	ReadConsoleInputW(in, r, 16, &n);
	for (i = 0; i < n; i++)
		if (r[i].EventType == KEY_EVENT && r[i].Event.KeyEvent.bKeyDown &&
		    r[i].Event.KeyEvent.wVirtualKeyCode == VK_RETURN)
			return 1;
	return 0;
}

/* Keeps the mapping until a reader is done, Enter, Ctrl+C, or time is up. */
static int hold(const struct args *a, struct writer *wr)
{
	HANDLE h[3] = { wr->done, interrupt_event(), GetStdHandle(STD_INPUT_HANDLE) };
	ULONGLONG now, end = GetTickCount64() + a->hold * 1000;
	DWORD mode, n = GetConsoleMode(h[2], &mode) ? 3 : 2, r;
	const wchar_t *why;

	info(a, L"holding \"%ls\" for readers: until one has read it, Enter, Ctrl+C, "
	    L"or %llu s", wr->name, (unsigned long long)a->hold);
	do {
		now = GetTickCount64();
		r = WaitForMultipleObjects(n, h, FALSE, now < end ? (DWORD)(end - now) : 0);
		if (r == WAIT_FAILED)
			return fail(L"WaitForMultipleObjects", wr->name, GetLastError());
	} while (r == WAIT_OBJECT_0 + 2 && !enter_pressed(h[2]));
	why = r == WAIT_OBJECT_0 ? L"a reader has finished" :
	    r == WAIT_TIMEOUT ? L"the time is up" : L"stopped by the user";
	info(a, L"%ls; letting go", why);
	return 0;
}

static int write_all_of(const struct args *a, struct writer *wr)
{
	struct window w[2] = { { 0 } };
	struct progress progress;
	SECURITY_ATTRIBUTES sa;
	int rc;

	if ((rc = object_name(a, wr->name)) != 0 || (rc = owner_only(&sa, wr->name)) != 0)
		return rc;
	if (!a->no_file && (rc = open_file(a, wr)) != 0)
		return rc;
	if ((rc = create_mapping(a, wr, &sa)) != 0 ||
	    (rc = open_event(&sa, wr->name, L".ready", &wr->ready)) != 0 ||
	    (rc = open_event(&sa, wr->name, L".done", &wr->done)) != 0)
		return rc;
	/* signals from an earlier writer of this name are stale now */
	ResetEvent(wr->ready);
	ResetEvent(wr->done);
	/* two windows onto the mapping, one for each half of the fill */
	w[0].map = wr->map;
	w[0].size = md_file_size(a->count);
	w[0].access = FILE_MAP_WRITE;
	w[0].subject = a->no_file ? wr->name : a->file;
	w[1] = w[0];
	on_fault(w, EXIT_SYSTEM, L"writing", L"the disk failed", a->file);
	progress_start(&progress, a, L"writing", w[0].size);
	rc = write_data(w, &progress, a->count, wr->file);
	progress_end(&progress);
	if (rc != 0) {
		win_close(&w[0]);        /* a mapped file cannot be deleted; w[1] is closed */
		return rc;
	}
	if (!a->no_file && !FlushFileBuffers(wr->file))
		return fail(L"FlushFileBuffers", a->file, GetLastError());
	info(a, L"wrote %llu integers to \"%ls\" (mapping \"%ls\")", (unsigned long long)a->count,
	    w[0].subject, wr->name);
	if (a->hold == 0)
		return 0;                /* write_file signals once the file is free */
	if (!SetEvent(wr->ready))
		return fail(L"SetEvent", wr->name, GetLastError());
	return hold(a, wr);
}

static int write_file(const struct args *a)
{
	struct writer wr = { INVALID_HANDLE_VALUE, NULL, NULL, NULL, 0, L"" };
	int rc = write_all_of(a, &wr);

	close_handle(wr.map, wr.name);
	close_handle(wr.file, a->file);
	/* not holding: a reader waiting for FILE can open it only now */
	if (rc == 0 && a->hold == 0 && !SetEvent(wr.ready))
		rc = fail(L"SetEvent", wr.name, GetLastError());
	close_handle(wr.done, wr.name);
	close_handle(wr.ready, wr.name);
	/* leave nothing behind that was not there before */
	if (rc != 0 && wr.created && !DeleteFileW(a->file))
		warn(L"DeleteFileW", a->file, GetLastError());
	return rc;
}

int wmain(int argc, wchar_t **argv)
{
	struct args a;
	int rc = parse_args(argc, argv, options, usage, &a);

	if (rc >= 0)
		return rc;
	if (!a.no_file && a.file == NULL)
		return failx(EXIT_USAGE, L"no FILE given (see --help)");
	if (a.no_file && (a.file != NULL || a.name == NULL || a.hold == 0))
		return failx(EXIT_USAGE, L"--no-file takes no FILE and needs --name NAME and "
		    L"--hold SECONDS: without a holder the memory would vanish at once (see --help)");
	if ((rc = watch_interrupts()) != 0)
		return rc;
	return write_file(&a);
}
