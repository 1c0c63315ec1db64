/*
 * blocks.h - the walk over the data block by block (blocks.c).
 */
#ifndef BLOCKS_H
#define BLOCKS_H

#include "common.h"
#include "memdata.h"
#include "views.h"

/* A walk over the data block by block (memdata.h, version 2); views.c. */
struct blocks {
	uint64_t count;
	uint32_t block;          /* 0: version 1, no blocks */
	int publish;             /* moves the header's published count */
	struct md_sum sum;       /* the blocks done so far, joined */
	struct md_sum blk;       /* the block under way */
	struct window tab;       /* onto the block sums */
	struct window head;      /* onto the header, to publish */
};
void blocks_start(struct blocks *b, const struct md_header *h, const struct window *like, int publish);
int blocks_add(struct blocks *b, int32_t *data, size_t n, uint64_t first, int fill);
int blocks_end(struct blocks *b);

#endif /* BLOCKS_H */
