/*
 * writebehind.c - flushing behind the fill, under Wine only. On Windows,
 * FlushViewOfFile writes a view's dirty pages to the disk, and each window
 * is flushed as the fill leaves it (win_close): the disk works while the
 * CPUs fill. Under Wine it is msync(MS_ASYNC), which Linux takes as a
 * no-op, so the data would reach the disk only at the final
 * FlushFileBuffers while the disk idled. There, and only there
 * (FlushFileBuffers also flushes the disk's own cache, a cost Windows need
 * not pay per window), each filled window wakes a thread that flushes what
 * is filled so far. Waking it is only a hint: if it fails, the last flush
 * does the work.
 */
#include "writebehind.h"
#include "console.h"
#include "msg.h"

#include <string.h>

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
void start_flusher(struct flusher *f, HANDLE file)
{
	memset(f, 0, sizeof *f);
	f->file = file;
	if (file == INVALID_HANDLE_VALUE || !under_wine())
		return;
	f->filled = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (f->filled != NULL)
		f->thread = CreateThread(NULL, 0, flush_behind, f, 0, NULL);
}

/*
 * Stops the flushing thread; returns the error of a failed flush, or 0.
 * After Ctrl+C a flush under way is not waited for beyond 200 ms: the
 * thread is left to the process's end (hence a static flusher).
 */
DWORD end_flusher(struct flusher *f)
{
	if (f->thread != NULL) {
		InterlockedExchange(&f->over, 1);
		SetEvent(f->filled);
		if (WaitForSingleObject(f->thread, interrupted ? 200 : INFINITE) != WAIT_OBJECT_0)
			return 0;
		close_handle(f->thread, L"<thread>");
	}
	close_handle(f->filled, L"<event>");
	return f->err;
}
