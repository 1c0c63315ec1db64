/*
 * unit.c - memdata.h and format.h on their own, natively, under ASan and
 * UBSan: every rule of md_check_header, boundary counts, overflow, the
 * checksum, and the formatter against sprintf.
 */
#include "../format.h"
#include "../memdata.h"

#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL unit.c:%d: %s\n", line, what);
	}
}

/*
 * A complete file of `count` integers 0..count-1: version 2 with blocks of
 * `block` integers (as fmwrite leaves it with MD_BLOCK), or version 1
 * (`block` 0), as fmwrite 1.0 left it.
 */
static unsigned char *make_file_v(uint64_t count, uint32_t block, size_t *len)
{
	unsigned char *buf;
	struct md_header h;
	struct md_sum s, b;
	uint64_t i, m, v;

	md_init_header(&h, count);
	h.version = block != 0 ? 2 : 1;
	h.block = block;
	*len = (size_t)md_size(&h);
	buf = calloc(1, *len);
	md_sum_init(&s);
	for (i = 0; i < count; i += m) {
		m = block != 0 ? md_block_left(count, block, i) : count;
		md_sum_init(&b);
		md_fill(&b, (int32_t *)(buf + md_offset(i)), (size_t)m, (uint32_t)i);
		v = md_sum_final(&b);
		if (block != 0)
			memcpy(buf + md_table_offset(count) + i / block * 8, &v, 8);
		md_sum_join(&s, &b);
	}
	h.checksum = md_sum_final(&s);
	h.published = block != 0 ? count : 0;
	h.state = MD_COMPLETE;
	memcpy(buf, &h, sizeof h);
	return buf;
}

static unsigned char *make_file(uint64_t count, size_t *len)
{
	return make_file_v(count, MD_BLOCK, len);
}

/* What fmread decides about a whole file: the header, each block's sum, then the checksum. */
static enum md_status validate(const unsigned char *buf, size_t len)
{
	struct md_header h;
	struct md_sum s, b;
	uint64_t i, m, v;
	enum md_status st = md_check_header(buf, len);

	if (st != MD_OK)
		return st;
	memcpy(&h, buf, sizeof h);
	if (len != md_size(&h))
		return MD_ETRUNCATED;            /* fmread: bytes after the end of its data */
	md_sum_init(&s);
	for (i = 0; i < h.count; i += m) {
		m = h.version == 2 ? md_block_left(h.count, h.block, i) : h.count;
		md_sum_init(&b);
		md_sum_add(&b, (const int32_t *)(buf + md_offset(i)), (size_t)m);
		if (h.version == 2) {
			memcpy(&v, buf + md_table_offset(h.count) + i / h.block * 8, 8);
			if (v != md_sum_final(&b))
				return MD_EBLOCKSUM;
		}
		md_sum_join(&s, &b);
	}
	return md_sum_final(&s) == h.checksum ? MD_OK : MD_ECHECKSUM;
}

static void test_layout(void)
{
	CHECK(sizeof(struct md_header) == 64);
	CHECK(offsetof(struct md_header, version) == 8);
	CHECK(offsetof(struct md_header, header_size) == 12);
	CHECK(offsetof(struct md_header, elem_size) == 16);
	CHECK(offsetof(struct md_header, state) == 20);
	CHECK(offsetof(struct md_header, count) == 24);
	CHECK(offsetof(struct md_header, checksum) == 32);
	CHECK(offsetof(struct md_header, published) == 40);
	CHECK(offsetof(struct md_header, block) == 48);
	CHECK(offsetof(struct md_header, reserved) == 52);
	CHECK(md_offset(3) == 76);
	CHECK(md_file_size(1) == 64 + 4 + 8);
	CHECK(md_file_size(MD_BLOCK) == 64 + 4 * MD_BLOCK + 8);
	CHECK(md_file_size(MD_BLOCK + 1) == 64 + 4 * (MD_BLOCK + 1) + 16);
	CHECK(md_file_size(MD_MAXCOUNT) == 64 + ((uint64_t)8 << 30) + 8 * (MD_MAXCOUNT / MD_BLOCK));
	CHECK(md_block_left(10, 4, 0) == 4 && md_block_left(10, 4, 5) == 3 && md_block_left(10, 4, 8) == 2);
}

static void test_rules(void)
{
	size_t len, i;
	unsigned char *f = make_file(10, &len), *g = malloc(len);
	struct md_header *h = (struct md_header *)g;

#define FRESH() memcpy(g, f, len)
	FRESH();
	CHECK(validate(g, len) == MD_OK);
	CHECK(md_check_header(g, 0) == MD_ESHORT);
	CHECK(md_check_header(g, 63) == MD_ESHORT);
	CHECK(md_check_header(g, 64) == MD_ETRUNCATED);
	CHECK(md_check_header(g, len - 1) == MD_ETRUNCATED);
	CHECK(md_check_header(g, len + 1000) == MD_OK);   /* fits: room to spare is fine */
	for (i = 0; i < 8; i++) {
		FRESH();
		g[i] ^= 0x20;
		CHECK(md_check_header(g, len) == MD_EMAGIC);
	}
	FRESH(); h->version = 3;          CHECK(md_check_header(g, len) == MD_EVERSION);
	FRESH(); h->version = 0;          CHECK(md_check_header(g, len) == MD_EVERSION);
	FRESH(); h->header_size = 128;    CHECK(md_check_header(g, len) == MD_EHEADERSIZE);
	FRESH(); h->elem_size = 8;        CHECK(md_check_header(g, len) == MD_EELEMSIZE);
	for (i = 0; i < sizeof h->reserved; i++) {
		FRESH();
		h->reserved[i] = 1;
		CHECK(md_check_header(g, len) == MD_ERESERVED);
	}
	/* version 2: the block size, and the published count */
	FRESH(); h->block = 0;            CHECK(md_check_header(g, len) == MD_EBLOCK);
	FRESH(); h->block = MD_MAXBLOCK + 1; CHECK(md_check_header(g, len) == MD_EBLOCK);
	FRESH(); h->published = 9;        CHECK(md_check_header(g, len) == MD_EPUBLISHED);
	FRESH(); h->published = 11;       CHECK(md_check_header(g, len) == MD_EPUBLISHED);
	FRESH(); h->state = MD_WRITING; h->published = 0; CHECK(md_check_header(g, len) == MD_EINCOMPLETE);
	FRESH(); h->state = MD_WRITING; h->published = 5; CHECK(md_check_header(g, len) == MD_EPUBLISHED);
	FRESH(); h->block = 3;            CHECK(md_check_header(g, len) == MD_EBLOCK);
	FRESH(); h->state = MD_WRITING; h->block = 4; h->published = 8;
	CHECK(md_check_header(g, len + 16) == MD_EINCOMPLETE);  /* whole blocks: fine */
	FRESH(); h->state = MD_WRITING; h->published = 11; CHECK(md_check_header(g, len) == MD_EPUBLISHED);
	FRESH(); h->block = 1;            CHECK(md_check_header(g, len) == MD_ETRUNCATED);  /* 10 sums */
	FRESH(); g[len - 1] ^= 1;         CHECK(validate(g, len) == MD_EBLOCKSUM);
	FRESH(); h->count = 0;            CHECK(md_check_header(g, len) == MD_ECOUNT);
	FRESH(); h->state = MD_WRITING;   CHECK(md_check_header(g, len) == MD_EINCOMPLETE);
	FRESH(); h->state = 0;            CHECK(md_check_header(g, len) == MD_ESTATE);
	/* all zero, as a mapping is before its writer's first store: not yet written */
	memset(g, 0, len);                CHECK(md_check_header(g, len) == MD_EINCOMPLETE);
	memset(g, 0, len); g[63] = 1;     CHECK(md_check_header(g, len) == MD_EMAGIC);
	FRESH(); h->state = MD_COMPLETE ^ 1; CHECK(md_check_header(g, len) == MD_ESTATE);
	FRESH(); h->checksum ^= 1;        CHECK(validate(g, len) == MD_ECHECKSUM);
	FRESH(); h->count = 9; h->published = 9; CHECK(validate(g, len) == MD_ETRUNCATED);
	FRESH(); h->count = 11; h->published = 11; CHECK(validate(g, len) == MD_ETRUNCATED);
	free(f);
	free(g);
}

/* Version 1 (no blocks; bytes 40..63 zero) is still read. */
static void test_version1(void)
{
	size_t len;
	unsigned char *f = make_file_v(10, 0, &len);
	struct md_header *h = (struct md_header *)f;

	CHECK(len == 64 + 40);
	CHECK(validate(f, len) == MD_OK);
	h->published = 10;                CHECK(md_check_header(f, len) == MD_ERESERVED);
	h->published = 0; h->block = 1;   CHECK(md_check_header(f, len) == MD_ERESERVED);
	h->block = 0; h->state = MD_WRITING; CHECK(md_check_header(f, len) == MD_EINCOMPLETE);
	h->state = MD_COMPLETE; f[70] ^= 4; CHECK(validate(f, len) == MD_ECHECKSUM);
	free(f);
	/* blocks of any size from 1 up, the last one short */
	f = make_file_v(10, 4, &len);
	CHECK(len == 64 + 40 + 3 * 8);
	CHECK(validate(f, len) == MD_OK);
	f[64 + 40 + 2 * 8] ^= 1;          CHECK(validate(f, len) == MD_EBLOCKSUM);
	free(f);
}

/* The count limits, and the arithmetic that must not wrap around. */
static void test_counts(void)
{
	struct md_header h;

	md_init_header(&h, MD_MAXCOUNT);
	h.state = MD_COMPLETE;
	h.published = MD_MAXCOUNT;
	CHECK(md_check_header(&h, md_file_size(MD_MAXCOUNT)) == MD_OK);
	CHECK(md_check_header(&h, md_file_size(MD_MAXCOUNT) - 1) == MD_ETRUNCATED);
	CHECK(md_check_header(&h, UINT64_MAX) == MD_OK);
	h.count = (uint64_t)MD_MAXCOUNT + 1;
	CHECK(md_check_header(&h, UINT64_MAX) == MD_ECOUNT);
	h.count = UINT64_MAX;             /* count * 4 + 64 would wrap to 60 */
	CHECK(md_check_header(&h, 64) == MD_ECOUNT);
	CHECK(md_check_header(&h, UINT64_MAX) == MD_ECOUNT);
	h.count = ((uint64_t)1 << 62) + 1; /* count * 4 wraps to 4 */
	CHECK(md_check_header(&h, 76) == MD_ECOUNT);
	h.count = h.published = 1;
	CHECK(md_check_header(&h, 76) == MD_OK);
	CHECK(md_check_header(&h, 75) == MD_ETRUNCATED);
	h.block = 1;                      /* the most sums: one per integer, still no wrap */
	h.count = h.published = MD_MAXCOUNT;
	CHECK(md_size(&h) == 64 + 12 * (uint64_t)MD_MAXCOUNT);
}

/* Every single bit flipped anywhere in a file is caught: one block, three, version 1. */
static void test_bit_flips(void)
{
	static const uint32_t blocks[] = { MD_BLOCK, 4, 0 };
	size_t len, bit, caught, k;
	unsigned char *f;

	for (k = 0; k < sizeof blocks / sizeof *blocks; k++) {
		f = make_file_v(10, blocks[k], &len);
		caught = 0;
		for (bit = 0; bit < len * 8; bit++) {
			f[bit / 8] ^= (unsigned char)(1u << bit % 8);
			caught += validate(f, len) != MD_OK;
			f[bit / 8] ^= (unsigned char)(1u << bit % 8);
		}
		CHECK(caught == len * 8);
		CHECK(validate(f, len) == MD_OK);
		free(f);
	}
}

static uint64_t sum_of(const int32_t *p, size_t n)
{
	struct md_sum s;

	md_sum_init(&s);
	md_sum_add(&s, p, n);
	return md_sum_final(&s);
}

static void test_checksum(void)
{
	enum { N = 10007 };
	static int32_t v[N], w[N];
	struct md_sum s, t;
	size_t i, step;
	uint64_t whole;

	for (i = 0; i < N; i++)
		v[i] = (int32_t)i;
	whole = sum_of(v, N);
	/* fed in pieces of any size, the same result */
	for (step = 1; step < 20; step++) {
		md_sum_init(&s);
		for (i = 0; i < N; i += step)
			md_sum_add(&s, v + i, N - i < step ? N - i : step);
		CHECK(md_sum_final(&s) == whole);
	}
	/* md_fill writes what md_sum_add would sum, from any start */
	md_sum_init(&s);
	md_fill(&s, w, 3, 0);
	md_fill(&s, w + 3, N - 3, 3);
	CHECK(memcmp(v, w, sizeof v) == 0);
	CHECK(md_sum_final(&s) == whole);
	md_sum_init(&t);
	md_fill(&t, w, 5, 2147483643u);   /* up to the largest value */
	CHECK(w[4] == 2147483647);
	/* order, length and value all count */
	memcpy(w, v, sizeof v);
	w[10] = v[11], w[11] = v[10];
	CHECK(sum_of(w, N) != whole);
	memcpy(w, v, sizeof v);
	w[1] = v[5], w[5] = v[1];         /* same lane */
	CHECK(sum_of(w, N) != whole);
	CHECK(sum_of(v, N - 1) != whole);
	w[0] = 0;
	CHECK(sum_of(w, 1) != sum_of(w, 2));   /* a trailing zero is seen */
	memcpy(w, v, sizeof v);
	w[N - 1] = -1;
	CHECK(sum_of(w, N) != whole);
	/* summed in two parts split anywhere and joined, the same result */
	for (step = 0; step < 40; step++) {
		size_t cut = step < 20 ? step : N - (step - 20);

		md_sum_init(&s);
		md_sum_init(&t);
		md_sum_add(&s, v, cut);
		md_sum_add(&t, v + cut, N - cut);
		md_sum_join(&s, &t);
		CHECK(md_sum_final(&s) == whole);
	}
	md_sum_init(&s);
	md_sum_init(&t);
	md_sum_add(&s, v, 5001);
	md_sum_join(&t, &s);              /* joined onto nothing */
	md_sum_add(&t, v + 5001, N - 5001);
	CHECK(md_sum_final(&t) == whole);
	/* pinned: files written today must stay readable */
	CHECK(sum_of(v, 10) == 0x6a6950873f16bd23u);
}

static void test_misc(void)
{
	int s;

	CHECK(md_is_ours(MD_MAGIC, 8));
	CHECK(!md_is_ours(MD_MAGIC, 7));
	CHECK(!md_is_ours("FMIPC\r\n\033", 8));
	for (s = MD_OK; s <= MD_EBLOCKSUM; s++)
		CHECK(strcmp(md_reason((enum md_status)s), "unknown") != 0);
	CHECK(strcmp(md_reason((enum md_status)99), "unknown") == 0);
}

/* fmt_lines must print exactly what printf("%d\n") does, whatever came before. */
static void test_format(void)
{
	static const int32_t edge[] = {
		0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 10001, 19999, 20000, 99999,
		100000, 999999, 1000000, 9999999, 10000000, 99999999, 100000000, 999999999,
		1000000000, 2147483647, -1, -9, -10, -9999, -10000, -10001, -99999999,
		-100000000, -2147483647, INT32_MIN, 10000, 5, 123456789, 123450000, 0,
	};
	static struct fmt f;
	static int32_t batch[1000];
	static char got[1000 * FMT_LINE + FMT_MAX], want[sizeof got + 16];
	char *end, *p;
	size_t i, j, n, len, bad = 0;
	unsigned x = 7;
	int32_t v;

	fmt_init(&f);
	for (i = 0; i < 2000000; i++) {
		if (i < sizeof edge / sizeof *edge)
			v = edge[i];
		else if (i % 3 == 0)
			v = (int32_t)(x = x * 1103515245u + 12345u);
		else if (i % 3 == 1)
			x = x * 1103515245u + 12345u, v = (int32_t)(x >> (x % 31));
		else
			v = (int32_t)(i * 7);    /* close neighbours share their high digits */
		end = fmt_lines(&f, got, &v, 1);
		*end = 0;
		snprintf(want, sizeof want, "%d\n", (int)v);
		if (strcmp(got, want) != 0 && bad++ < 5)
			printf("FAIL fmt_lines(%d) gave %s", (int)v, got);
	}
	CHECK(bad == 0);

	/* batches of many lengths up to 1000, some of longest lines only, each
	 * at the very end of `got` with room for n * FMT_LINE + FMT_MAX bytes:
	 * ASan stops a write past it; the bytes before it must stay '#' */
	for (n = 0, bad = 0; n <= 1000; n += 1 + n / 8) {
		char *start = got + sizeof got - n * FMT_LINE - FMT_MAX;

		for (j = 0; j < n; j++)
			batch[j] = n % 2 == 0 || j % 5 == 0 ? INT32_MIN + (int32_t)j :
			    (int32_t)((x = x * 1103515245u + 12345u) >> (j % 29));
		memset(got, '#', sizeof got);
		end = fmt_lines(&f, start, batch, n);
		for (j = 0, len = 0; j < n; j++)
			len += (size_t)snprintf(want + len, sizeof want - len, "%d\n", (int)batch[j]);
		for (p = got; p < start && *p == '#'; p++)
			;
		if ((size_t)(end - start) != len || memcmp(start, want, len) != 0 || p != start)
			bad++;
	}
	CHECK(bad == 0);
}

int main(void)
{
	test_layout();
	test_rules();
	test_counts();
	test_version1();
	test_bit_flips();
	test_checksum();
	test_misc();
	test_format();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
