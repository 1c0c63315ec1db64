/*
 * follow.c - fmread --follow: reads a writer's version-2 data while it is
 * written, block by block, each checked against its own sum before it is
 * printed; the total checked at the end.
 */
#include "follow.h"
#include "blocks.h"
#include "console.h"
#include "header.h"
#include "msg.h"
#include "output.h"
#include "wait.h"

#include <wchar.h>

static int32_t block_copy[MD_MAXBLOCK];

static int copy_out(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	int32_t **to = ctx;

	(void)first;
	memcpy(*to, data, n * sizeof *data);
	*to += n;
	return 0;
}

static int check_in_view(void *ctx, int32_t *data, size_t n, uint64_t first)
{
	return blocks_add(ctx, data, n, first, 0);
}

/*
 * Takes the published blocks from data[*done] on: each is copied out of the
 * view, summed, held against its own checksum, and only then formatted
 * from the copy (with --check, summed in the view: nothing is printed).
 * Returns 0, BAD_BLOCK, or the exit code of a failure.
 */
static int take_blocks(struct window *w, struct blocks *b, const struct args *a, uint64_t published,
    uint64_t *done)
{
	int32_t *to;
	size_t m;
	int rc;

	while (*done < published) {
		m = (size_t)md_block_left(b->count, b->block, *done);
		/* only checked, nothing printed: summed where it is */
		if (a->check && (rc = win_each(w, *done, *done + m, check_in_view, b, NULL)) != 0)
			return rc;
		if (a->check) {
			*done += m;
			continue;
		}
		to = block_copy;
		if ((rc = win_each(w, *done, *done + m, copy_out, &to, NULL)) != 0)
			return rc;
		MemoryBarrier();         /* the copy, not the view, is what is summed and printed */
		if ((rc = blocks_add(b, block_copy, m, *done, 0)) != 0 || (rc = emit(block_copy, m)) != 0)
			return rc;
		*done += m;
	}
	return 0;
}

/* One follow: what has been taken so far, and from whom. */
struct follower {
	struct blocks b;
	struct md_header first;  /* the header as first seen begun */
	uint64_t done;           /* integers checked (and printed) */
	int started;
	int printing;            /* the output thread is started */
};

/*
 * One look at the header (read with acquire order: the published count
 * before what it vouches for): 0 with *st MD_OK or MD_EINCOMPLETE, NOT_YET
 * while the writer has not written it yet, NOT_FOLLOWED for version 1, or
 * the exit code of the line said.
 */
static int look(struct window w[2], struct follower *f, const wchar_t *name, const wchar_t *via,
    struct md_header *h, enum md_status *st)
{
	unsigned char *p;
	size_t avail;
	int rc;

	if ((rc = win_at(&w[1], 0, &p, &avail)) != 0)
		return rc;
	*st = read_header(p, w[1].size, 1, h);
	if (h->count == 0 && *st == MD_EINCOMPLETE)
		return NOT_YET;
	if (!f->started && (rc = sized(w, name, h, st)) != 0)
		return rc;
	if (!f->started && h->version == 1)
		return NOT_FOLLOWED;     /* no blocks to follow: read as without --follow */
	if (*st != MD_OK && *st != MD_EINCOMPLETE)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: %hs", w[0].subject, via, md_reason(*st));
	if (!f->started) {
		f->first = *h, f->started = 1;
		blocks_start(&f->b, h, &w[0], 0);
	} else if (h->count != f->first.count || h->block != f->first.block || h->published < f->done) {
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: its header changed while it was followed",
		    w[0].subject, via);
	}
	return 0;
}

/*
 * The end of a follow: what was checked goes out first, also when no more
 * will come; then the verdict: complete and matching the checksum over all
 * (0), or one line that says how far it got (exit 3).
 */
static int follow_end(const struct args *a, struct follower *f, int rc, enum md_status st,
    const struct md_header *h, const wchar_t *subject, const wchar_t *via)
{
	const wchar_t *and_printed = a->check ? L"" : L" and printed";

	if (!a->check) {
		int out_rc = end_output(rc == BAD_BLOCK || rc == STALLED ? 0 : rc);

		if (out_rc == HALTED)
			return interrupted_while(L"printing", subject);
		if (out_rc != 0 && (rc == 0 || rc == BAD_BLOCK || rc == STALLED))
			return out_rc;
	}
	if (rc == STALLED)
		return fail_with(EXIT_TIMEOUT, L"\"%ls\"%ls: nothing new for %llu s (--wait), its writer still "
		    L"at work; %llu integers were checked%ls", subject, via, (unsigned long long)a->wait,
		    (unsigned long long)f->done, and_printed);
	if (rc == BAD_BLOCK)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: the block from integer %llu does not match its "
		    L"checksum: the data changed after it was written; %llu integers were checked%ls",
		    subject, via, (unsigned long long)f->done, (unsigned long long)f->done, and_printed);
	if (rc != 0)
		return rc;
	if (st != MD_OK)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: its writer ended without finishing (killed, "
		    L"crashed or failed); %llu integers were checked%ls", subject, via,
		    (unsigned long long)f->done, and_printed);
	if (md_sum_final(&f->b.sum) != h->checksum)
		return fail_with(EXIT_DATA, L"\"%ls\"%ls: %hs", subject, via, md_reason(MD_ECHECKSUM));
	return a->check ? summary(subject, h, via) : 0;
}

/*
 * Caught up with the writer: what is checked goes out now, not when a
 * buffer fills; then the wait for more (wait_writer), each a little longer.
 * STALLED when --wait seconds have passed since the last of what came was
 * handed on (`last`): time spent printing is not time spent waiting.
 */
static int caught_up(const struct args *a, const wchar_t *name, const wchar_t *subject, DWORD *ms,
    ULONGLONG since, ULONGLONG *last)
{
	int rc;

	if (!a->check && output_pending()) {
		if ((rc = flush_out()) != 0)
			return rc;
		*last = GetTickCount64();
	}
	if (a->wait > 0 && GetTickCount64() - *last > a->wait * 1000)
		return STALLED;
	if ((rc = wait_writer(name, subject, &writer_watch, *ms, since)) == 0 && *ms < 16)
		*ms *= 2;
	return rc;
}

/*
 * fmread --follow: reads a writer's version-2 data while it is written.
 * Each look takes every block published since the last, and hands what was
 * formatted to stdout; caught up, it waits for the writer (wait_writer).
 * Complete, the sum of all it took must be the header's checksum. Should
 * the writer end without finishing, or a block not match its checksum,
 * what was checked is printed, and one line says how much: exit 3.
 */
int follow(struct window w[2], const struct args *a, const wchar_t *name, const wchar_t *via)
{
	static struct follower f;
	struct md_header h;
	ULONGLONG since = GetTickCount64(), last = since;
	enum md_status st = MD_EINCOMPLETE;
	DWORD ms = 1;
	int rc = 0;

	memset(&f, 0, sizeof f);
	if ((rc = watch_afresh(name, &writer_watch)) != 0)
		return rc;
	while (rc == 0) {
		if ((rc = look(w, &f, name, via, &h, &st)) == NOT_FOLLOWED)
			return rc;
		if (rc == NOT_YET) {     /* not begun: wait, unless no writer is at work */
			/* its end learnt at the last wait, and this look, after it,
			 * still found no header: none will come */
			if (writer_watch.writer_died) {
				rc = 0;
				break;
			}
			/* --wait bounds this wait too: a writer that owns NAME.writer
			 * but never writes its header is as stalled as any */
			if (a->wait > 0 && GetTickCount64() - last > a->wait * 1000) {
				rc = STALLED;
				break;
			}
			/* 16 ms: a wait on NAME.writer itself, not a sleep */
			rc = wait_writer(name, w[0].subject, &writer_watch, 16, since);
			continue;
		}
		if (rc == 0 && !a->check && !f.printing)
			start_output(), f.printing = 1;
		if (rc == 0 && h.published > f.done) {
			ms = 1;
			rc = take_blocks(&w[0], &f.b, a, h.published, &f.done);
			last = GetTickCount64();
		}
		/* ended: well (then this look found it complete) or not */
		if (rc != 0 || st == MD_OK || writer_watch.writer_died)
			break;
		rc = caught_up(a, name, w[0].subject, &ms, since, &last);
	}
	if (f.started)
		blocks_end(&f.b);
	return follow_end(a, &f, rc, st, &h, w[0].subject, via);
}
