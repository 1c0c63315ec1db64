/*
 * views.c - windows of views onto a mapping, the code a reader of this
 * project comes for: MapViewOfFile a window at a time (win_at, win_each),
 * FlushViewOfFile and UnmapViewOfFile (win_close), two halves on two
 * threads (win_halves), the handler that turns a fault in a view into one
 * line (on_fault), and the walk over the data block by block that writes
 * or checks each block's sum and publishes how far the writer has got
 * (blocks_*). Shared by fmwrite and fmread; fmlib.c has the rest.
 */
#include "fmlib.h"
#include "memdata.h"

#include <wchar.h>

#define FAULT_WINDOWS 6
static struct window *volatile fault_win[FAULT_WINDOWS];

static void watch_window(struct window *w, int on);

/* Unmaps every view a fault could be in: the program is ending (abort_with). */
void let_go_of_views(void)
{
	int i;

	for (i = 0; i < FAULT_WINDOWS; i++)
		if (fault_win[i] != NULL)
			UnmapViewOfFile(fault_win[i]->base);   /* NULL when nothing is mapped: harmless */
}

/*
 * Linux backs a shared file mapping with large folios only where the view's
 * address lines up with its file offset; MapViewOfFile picks a 64 KiB
 * boundary, which under Wine costs a fault per 4 KiB page. Windows does not
 * care either way. So find 2 MiB-aligned room, free it and map there; if the
 * room is taken meanwhile, try again, and in the end take any address.
 */
#define FM_ALIGN ((uintptr_t)2 << 20)

static unsigned char *map_view(HANDLE map, DWORD access, uint64_t off, size_t len)
{
	DWORD hi = (DWORD)(off >> 32), lo = (DWORD)off;
	unsigned char *room, *p;
	int tries;

	for (tries = 0; len >= FM_ALIGN && tries < 3; tries++) {
		room = VirtualAlloc(NULL, len + FM_ALIGN, MEM_RESERVE, PAGE_NOACCESS);
		if (room == NULL)
			break;
		VirtualFree(room, 0, MEM_RELEASE);
		room = (unsigned char *)(((uintptr_t)room + FM_ALIGN - 1) & ~(FM_ALIGN - 1));
		if ((p = MapViewOfFileEx(map, access, hi, lo, len, room)) != NULL)
			return p;
	}
	return MapViewOfFile(map, access, hi, lo, len);
}

/* Points *p at byte `pos` of the mapping, moving the view if need be. */
int win_at(struct window *w, uint64_t pos, unsigned char **p, size_t *avail)
{
	uint64_t off = pos - pos % FM_WINDOW;
	int rc;

	*p = NULL;
	*avail = 0;
	if (w->len == 0 || w->base == NULL || off != w->off) {
		size_t len = (size_t)(w->size - off < FM_WINDOW ? w->size - off : FM_WINDOW);

		if ((rc = win_close(w)) != 0)
			return rc;
		w->base = map_view(w->map, w->access, off, len);
		if (w->base == NULL)
			return fail(L"MapViewOfFile", w->subject, GetLastError());
		w->off = off;
		w->len = len;
	}
	*p = w->base + (pos - w->off);
	*avail = w->len - (size_t)(pos - w->off);
	return 0;
}

/*
 * FlushViewOfFile can fail for a moment with ERROR_LOCK_VIOLATION while the
 * file system is busy with the same file (another flush, say): on NTFS it
 * is transient, so it is tried again, ten times over about half a second.
 */
static BOOL flush_view(void *base)
{
	int tries;

	for (tries = 1;; tries++) {
		if (FlushViewOfFile(base, 0))
			return TRUE;
		if (GetLastError() != ERROR_LOCK_VIOLATION || tries == 10)
			return FALSE;
		Sleep(10 * tries);
	}
}

/* Flushes a written view (an error if that fails) and unmaps it. */
int win_close(struct window *w)
{
	int rc = 0;

	if (w->len == 0)
		return 0;
	if ((w->access & FILE_MAP_WRITE) && !flush_view(w->base))
		rc = fail(L"FlushViewOfFile", w->subject, GetLastError());
	if (!UnmapViewOfFile(w->base))
		warn(L"UnmapViewOfFile", w->subject, GetLastError());
	w->base = NULL;
	w->len = 0;
	return rc;
}

/*
 * Calls fn on each run of data[from..to-1] that one view holds. Stops, and
 * returns HALTED without a word, at Ctrl+C or when *halt is set (the other
 * half has failed); the caller says which.
 */
int win_each(struct window *w, uint64_t from, uint64_t to, each_fn *fn, void *ctx,
    const volatile LONG *halt)
{
	unsigned char *p;
	size_t n, avail;
	uint64_t i;
	int rc;

	for (i = from; i < to; i += n) {
		if (interrupted || (halt != NULL && *halt))
			return HALTED;
		if ((rc = win_at(w, md_offset(i), &p, &avail)) != 0)
			return rc;
		n = avail / sizeof(int32_t);
		if (n > to - i)
			n = (size_t)(to - i);
		if (n == 0)
			return failx(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(MD_ETRUNCATED));
		if ((rc = fn(ctx, (int32_t *)p, n, i)) != 0)
			return rc;
	}
	return 0;
}

/* Half of the data, through a window of its own. */
struct half {
	struct window *w;
	each_fn *fn;
	void *ctx;
	uint64_t from, to;
	volatile LONG *halt;     /* shared: set by the first half to fail */
	int rc;
};

static DWORD WINAPI do_half(void *arg)
{
	struct half *h = arg;
	int rc = win_each(h->w, h->from, h->to, h->fn, h->ctx, h->halt);

	if (win_close(h->w) != 0 && rc == 0)
		rc = EXIT_SYSTEM;
	if (rc != 0 && rc != HALTED)
		InterlockedExchange(h->halt, 1);
	h->rc = rc;
	return 0;
}

/*
 * win_each over data[0..count-1] in two halves, the second on a thread of
 * its own through w[1]: the kernel's work for each page, and the reading of
 * memory, run on the core that touches it. Data that fits in two windows is
 * not worth a thread; without one, this thread does both halves. Half k
 * calls fn with ctx[k]. The halves meet on a multiple of `block`, so each
 * block is one thread's. The first half to fail stops the other. Both windows
 * are closed afterwards. HALTED: Ctrl+C stopped it, unsaid.
 */
int win_halves(struct window w[2], uint64_t count, uint32_t block, each_fn *fn, void *ctx[2])
{
	volatile LONG halt = 0;
	struct half h[2] = {
		{ &w[0], fn, ctx[0], 0, count, &halt, 0 },
		{ &w[1], fn, ctx[1], count, count, &halt, 0 },
	};
	HANDLE thread = NULL;

	if (FM_LARGE(md_file_size(count))) {
		h[0].to = h[1].from = count / 2 - count / 2 % block;
		thread = CreateThread(NULL, 0, do_half, &h[1], 0, NULL);
	}
	do_half(&h[0]);
	if (thread != NULL) {
		WaitForSingleObject(thread, INFINITE);
		close_handle(thread, L"<thread>");
	} else {
		do_half(&h[1]);
	}
	return h[0].rc != 0 && h[0].rc != HALTED ? h[0].rc : h[1].rc != 0 ? h[1].rc : h[0].rc;
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
static void watch_window(struct window *w, int on)
{
	int i;

	for (i = 0; i < FAULT_WINDOWS; i++)
		if (fault_win[i] == (on ? NULL : w)) {
			InterlockedExchangePointer((PVOID volatile *)&fault_win[i], on ? w : NULL);
			return;
		}
}

/* ---- blocks: the writer sums each one into its slot, readers check it there ---- */

/*
 * Starts a walk over the data h announces, through windows onto the
 * mapping of `like` for its header and its block sums (like's access:
 * FILE_MAP_WRITE for the writer).
 * `publish`: this walk is the one that moves the header's published count
 * (the first half of the data; it ends on the other half's start).
 */
void blocks_start(struct blocks *b, const struct md_header *h, const struct window *like, int publish)
{
	memset(b, 0, sizeof *b);
	b->count = h->count;
	b->block = h->version == 2 ? h->block : 0;
	b->publish = publish;
	b->tab.map = b->head.map = like->map;
	b->tab.size = b->head.size = like->size;
	b->tab.access = b->head.access = like->access;
	b->tab.subject = b->head.subject = like->subject;
	md_sum_init(&b->sum);
	md_sum_init(&b->blk);
	watch_window(&b->tab, 1);
	watch_window(&b->head, 1);
}

/* Copies n bytes between buf and byte `pos` of the mapping, across windows if need be. */
static int win_copy(struct window *w, uint64_t pos, void *buf, size_t n, int into_view)
{
	unsigned char *p, *b = buf;
	size_t avail, m;
	int rc;

	for (; n > 0; pos += m, b += m, n -= m) {
		if ((rc = win_at(w, pos, &p, &avail)) != 0)
			return rc;
		if (avail == 0)
			return failx(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(MD_ETRUNCATED));
		m = n < avail ? n : avail;
		memcpy(into_view ? p : b, into_view ? b : p, m);
	}
	return 0;
}

/* The block that ends at data[end - 1] is complete: store or check its sum, and publish it. */
static int block_end(struct blocks *b, uint64_t end)
{
	uint64_t v = md_sum_final(&b->blk), was = 0;
	uint64_t pos = md_table_offset(b->count) + (end - 1) / b->block * sizeof v;
	unsigned char *p;
	size_t avail;
	int rc, write = (b->tab.access & FILE_MAP_WRITE) != 0;

	/* a slot may be unaligned (the data's end), even across two windows */
	if ((rc = win_copy(&b->tab, pos, write ? &v : &was, sizeof v, write)) != 0)
		return rc;
	if (!write && was != v)
		return BAD_BLOCK;
	md_sum_join(&b->sum, &b->blk);
	md_sum_init(&b->blk);
	if (!b->publish)
		return 0;
	/* the data and its sum first, then the count that vouches for them (release) */
	if ((rc = win_at(&b->head, 0, &p, &avail)) != 0)
		return rc;
	store_release64(p + offsetof(struct md_header, published), end);
	return 0;
}

/*
 * Takes data[first..first+n-1], in order: fills it (`fill`, the writer) or
 * sums it as it is, block by block. Returns 0, BAD_BLOCK when a block does
 * not match its sum (unsaid), or the exit code of a failure said.
 */
int blocks_add(struct blocks *b, int32_t *data, size_t n, uint64_t first, int fill)
{
	uint64_t left;
	size_t m;
	int rc;

	if (b->block == 0) {         /* version 1: no blocks */
		md_sum_add(&b->sum, data, n);
		return 0;
	}
	for (; n > 0; data += m, n -= m, first += m) {
		left = md_block_left(b->count, b->block, first);
		m = n < left ? n : (size_t)left;
		if (fill)
			md_fill(&b->blk, data, m, (uint32_t)first);
		else
			md_sum_add(&b->blk, data, m);
		if (m == left && (rc = block_end(b, first + m)) != 0)
			return rc;       /* that was the block's last integer */
	}
	return 0;
}

/* Lets go of the windows (the writer's are flushed: an error if that fails). */
int blocks_end(struct blocks *b)
{
	int rc = win_close(&b->tab), rc2 = win_close(&b->head);

	watch_window(&b->tab, 0);
	watch_window(&b->head, 0);
	return rc != 0 ? rc : rc2;
}

