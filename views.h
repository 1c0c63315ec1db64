/*
 * views.h - windows of views onto a mapping (views.c).
 */
#ifndef VIEWS_H
#define VIEWS_H

#include "common.h"
#include "memdata.h"

/*
 * A window onto a mapping: at most FM_WINDOW bytes of it are mapped at a
 * time, so memory use stays bounded and a 32-bit build can walk a file
 * larger than its address space.
 */
#ifndef FM_WINDOW
#define FM_WINDOW ((size_t)32 << 20)
#endif
#define FM_GRAIN 65536u          /* views start on multiples of it (allocation granularity) */
/* Data of more bytes than two windows is worth a second thread (win_halves). */
#define FM_LARGE(bytes) ((bytes) > 2 * (uint64_t)FM_WINDOW)

struct window {
	HANDLE map;              /* the mapping the views come from */
	uint64_t size;           /* bytes in the mapping */
	DWORD access;            /* FILE_MAP_READ or FILE_MAP_WRITE */
	const wchar_t *subject;  /* file or mapping name, for messages */
	uint64_t off;            /* where the mapped view starts */
	size_t len;              /* its length; 0 when nothing is mapped */
	unsigned char *base;
};

int win_at(struct window *w, uint64_t pos, unsigned char **p, size_t *avail);
int win_close(struct window *w);
typedef int each_fn(void *ctx, int32_t *data, size_t n, uint64_t first);
int win_each(struct window *w, uint64_t from, uint64_t to, each_fn *fn, void *ctx,
    const volatile LONG *halt);
int win_halves(struct window w[2], uint64_t count, uint32_t block, each_fn *fn, void *ctx[2]);

#endif /* VIEWS_H */
