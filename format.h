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

#define FMT_LINE ((size_t)12)    /* the longest line: "-2147483648\n" */
#define FMT_MAX ((size_t)16)     /* bytes one line may scribble past its start */

/* The digits above the last four of the number before, kept to be reused. */
struct fmt_high {
	uint32_t value;              /* 0: none */
	size_t len;
	char text[8];
};

struct fmt {
	char quads[10000 + 1][4];    /* "0000".."9999"; one spare: short copies read past */
	struct fmt_high high;
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

static inline char *fmt_one(const char (*quads)[4], struct fmt_high *h, char *q, int32_t v)
{
	uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
	uint32_t high = u / 10000, low = u % 10000;

	if (v < 0)
		*q++ = '-';
	if (high == 0) {
		size_t n = 1 + (low >= 10) + (low >= 100) + (low >= 1000);

		memcpy(q, quads[low] + 4 - n, 4);
		q[n] = '\n';
		return q + n + 1;
	}
	if (high != h->value) {      /* 1..214748: six digits at most */
		char pad[16];

		memcpy(pad, quads[high / 10000], 4);
		memcpy(pad + 4, quads[high % 10000], 4);
		h->value = high;
		h->len = 1 + (high >= 10) + (high >= 100) + (high >= 1000) + (high >= 10000) +
		    (high >= 100000);
		memcpy(h->text, pad + 8 - h->len, 8);
	}
	memcpy(q, h->text, 8);
	memcpy(q + h->len, quads[low], 4);
	q[h->len + 4] = '\n';
	return q + h->len + 5;
}

/*
 * Writes v[0..n-1] at q, a line each, and returns the end; needs room for
 * n * FMT_LINE + FMT_MAX bytes. The state it carries is a local meanwhile,
 * kept in registers: through f, every byte stored would make the compiler
 * read it back (a char store may alias anything), three times slower.
 */
static inline char *fmt_lines(struct fmt *f, char *q, const int32_t *v, size_t n)
{
	struct fmt_high h = f->high;
	size_t i;

	for (i = 0; i < n; i++)
		q = fmt_one((const char (*)[4])f->quads, &h, q, v[i]);
	f->high = h;
	return q;
}

#endif /* FORMAT_H */
