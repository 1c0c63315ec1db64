/*
 * views.c - windows of views onto a mapping, the code a reader of this
 * project comes for: MapViewOfFile a window at a time (win_at, win_each),
 * FlushViewOfFile and UnmapViewOfFile (win_close), and two halves on two
 * threads (win_halves). A fault in a view is fault.c's; the walk block by
 * block is blocks.c's.
 */
#include "views.h"
#include "console.h"
#include "memdata.h"
#include "msg.h"

#include <wchar.h>

static unsigned char *map_on_2mib_boundary(HANDLE map, DWORD access, uint64_t off, size_t len);

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
		/* the plain call; under Wine a large view goes on a 2 MiB boundary (below) */
		w->base = map_on_2mib_boundary(w->map, w->access, off, len);
		if (w->base == NULL)
			w->base = MapViewOfFile(w->map, w->access, (DWORD)(off >> 32), (DWORD)off, len);
		if (w->base == NULL)
			return fail_call(L"MapViewOfFile", w->subject, GetLastError());
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
		rc = fail_call(L"FlushViewOfFile", w->subject, GetLastError());
	if (!UnmapViewOfFile(w->base))
		warn_call(L"UnmapViewOfFile", w->subject, GetLastError());
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
			return fail_with(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(MD_ETRUNCATED));
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
 * are closed afterwards. HALTED: Ctrl+C stopped it, not reported.
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

/*
 * A workaround for Linux under Wine, and only there: Linux backs a shared
 * file mapping with large folios only where the view's address lines up
 * with its file offset; MapViewOfFile picks a 64 KiB boundary, which under
 * Wine costs a fault per 4 KiB page (filling 1 GiB: 5.5 s against 1.05 s,
 * docs/speed.md). Windows does not care either way, so there this returns
 * NULL at once and the plain call above does the work. Under Wine: find
 * 2 MiB-aligned room, free it and map there; if the room is taken
 * meanwhile, try again; NULL after three tries.
 */
#define FM_ALIGN ((uintptr_t)2 << 20)

static unsigned char *map_on_2mib_boundary(HANDLE map, DWORD access, uint64_t off, size_t len)
{
	unsigned char *room, *p;
	int tries;

	if (len < FM_ALIGN || !under_wine())
		return NULL;
	for (tries = 0; tries < 3; tries++) {
		room = VirtualAlloc(NULL, len + FM_ALIGN, MEM_RESERVE, PAGE_NOACCESS);
		if (room == NULL)
			return NULL;
		VirtualFree(room, 0, MEM_RELEASE);
		room = (unsigned char *)(((uintptr_t)room + FM_ALIGN - 1) & ~(FM_ALIGN - 1));
		if ((p = MapViewOfFileEx(map, access, (DWORD)(off >> 32), (DWORD)off, len, room)) != NULL)
			return p;
	}
	return NULL;
}
