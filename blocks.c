/*
 * blocks.c - the walk over version-2 data block by block: the writer sums
 * each block into its slot after the data and publishes how far it has got
 * (the header's published count, a release store); readers check each
 * block against its slot.
 */
#include "blocks.h"
#include "fault.h"
#include "msg.h"

#include <wchar.h>

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
			return fail_with(EXIT_DATA, L"\"%ls\": %hs", w->subject, md_reason(MD_ETRUNCATED));
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
 * not match its sum (not reported), or the exit code of a failure said.
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
