/*
 * format.h - int32_t to decimal text, a line each, fast: what fmread prints.
 * Portable C11, so it is unit-tested natively against sprintf.
 *
 * printf of one number per call costs about 1 us under Wine. This lays each
 * number out from a table of four-digit groups with fixed-size copies only,
 * and keeps the digits above the last four from the number before: data
 * whose neighbours are close (sorted, counting, clustered) shares them, so
 * they are formatted again only when they change. Any data is right; such
 * data is fastest.
 */
#ifndef FORMAT_H
#define FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FMT_MAX ((size_t)16)     /* bytes fmt_line may write past its start */

struct fmt {
	char quads[10000 + 1][4];    /* "0000".."9999"; one spare: short copies read past */
	uint32_t high;               /* the digits above the last four, as a value; 0: none */
	size_t len;                  /* ... and as text */
	char text[8];
};

static inline void fmt_init(struct fmt *f)
{
	int i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < 10000; i++) {
		f->quads[i][0] = (char)('0' + i / 1000);
		f->quads[i][1] = (char)('0' + i / 100 % 10);
		f->quads[i][2] = (char)('0' + i / 10 % 10);
		f->quads[i][3] = (char)('0' + i % 10);
	}
}

/* Writes v and a line feed at q; returns the end. May scribble up to FMT_MAX bytes. */
static inline char *fmt_line(struct fmt *f, char *q, int32_t v)
{
	uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
	uint32_t high = u / 10000, low = u % 10000;

	if (v < 0)
		*q++ = '-';
	if (high == 0) {
		size_t n = 1 + (low >= 10) + (low >= 100) + (low >= 1000);

		memcpy(q, f->quads[low] + 4 - n, 4);
		q[n] = '\n';
		return q + n + 1;
	}
	if (high != f->high) {       /* 1..214748: six digits at most */
		char pad[16];

		memcpy(pad, f->quads[high / 10000], 4);
		memcpy(pad + 4, f->quads[high % 10000], 4);
		f->high = high;
		f->len = 1 + (high >= 10) + (high >= 100) + (high >= 1000) + (high >= 10000) +
		    (high >= 100000);
		memcpy(f->text, pad + 8 - f->len, 8);
	}
	memcpy(q, f->text, 8);
	memcpy(q + f->len, f->quads[low], 4);
	q[f->len + 4] = '\n';
	return q + f->len + 5;
}

#endif /* FORMAT_H */
