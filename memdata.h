/*
 * memdata.h - the MEMORYDATA layout shared by fmwrite and fmread.
 *
 * A MEMORYDATA file (or named mapping) is a 64-byte little-endian header
 * followed by int32_t data[count]; version 2 adds, right after the data,
 * one checksum (uint64_t, maybe unaligned) per block of `block` integers. The writer fills
 * the data a block at a time: each block's checksum goes in after its data,
 * and `published` (the integers whose blocks are in place) after that, so a
 * reader can take each block as soon as it is published and check it alone.
 * Last come the checksum over all the data, then state MD_COMPLETE. A reader
 * takes nothing that is not complete (or, following, published) and does
 * not match its checksums. Version 1 has no blocks: bytes 40..63 are zero.
 *
 * Portable C11 on purpose (no <windows.h>): the layout and its checks are
 * unit-tested and fuzzed natively on Linux as well as used by the programs.
 * All Windows targets are little-endian, and so must be any other host.
 */
#ifndef MEMDATA_H
#define MEMDATA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "MEMORYDATA is little-endian; this host is not"
#endif

#define MAXDATA      1024                 /* default count of integers */
#define MD_MAXCOUNT  2147483648u          /* 2^31: values 0..2^31-1 fit int32_t */
#define MD_MAGIC     "FMIPC\r\n\032"      /* 8 bytes; CR LF ^Z catch text-mode mangling */
#define MD_VERSION   2u                   /* what fmwrite writes; version 1 is still read */
#define MD_BLOCK     65536u               /* integers per block, as fmwrite writes them (256 KiB) */
#define MD_MAXBLOCK  (1u << 20)           /* the largest block a reader takes: it copies one whole */
#define MD_WRITING   0x57524954u          /* "TIRW": being written, never to be read */
#define MD_COMPLETE  0x454E4F44u          /* "DONE": data and checksum in place */

struct md_header {
	uint8_t  magic[8];      /*  0: MD_MAGIC, without its terminating NUL */
	uint32_t version;       /*  8: 1 or 2 (MD_VERSION) */
	uint32_t header_size;   /* 12: sizeof(struct md_header); data starts here */
	uint32_t elem_size;     /* 16: sizeof(int32_t) */
	uint32_t state;         /* 20: MD_WRITING or MD_COMPLETE */
	uint64_t count;         /* 24: number of integers, 1..MD_MAXCOUNT */
	uint64_t checksum;      /* 32: md_sum_final() over data[0..count-1] */
	uint64_t published;     /* 40: v2: integers whose data and block sums are in place; v1: 0 */
	uint32_t block;         /* 48: v2: integers per block, a power of 2 up to MD_MAXBLOCK; v1: 0 */
	uint8_t  reserved[12];  /* 52: zero */
};
_Static_assert(sizeof(struct md_header) == 64, "the header is 64 bytes on disk");

/* Why a header was refused; md_reason() gives the words. */
enum md_status {
	MD_OK,
	MD_ESHORT,        /* smaller than a header */
	MD_EMAGIC,
	MD_EVERSION,
	MD_EHEADERSIZE,
	MD_EELEMSIZE,
	MD_ERESERVED,
	MD_ECOUNT,        /* 0 or above MD_MAXCOUNT */
	MD_ETRUNCATED,    /* the data does not fit in what is there */
	MD_EINCOMPLETE,   /* state is MD_WRITING, or the header is all zero */
	MD_ESTATE,        /* state is neither value */
	MD_ECHECKSUM,
	MD_EBLOCK,        /* v2: block is not a power of 2 up to MD_MAXBLOCK */
	MD_EPUBLISHED,    /* v2: published is past count, not on a block's end, or short of a complete count */
	MD_EBLOCKSUM      /* v2: a block does not match its own checksum */
};

static inline const char *md_reason(enum md_status s)
{
	static const char *const text[] = {
		"valid",
		"too short for a MEMORYDATA header",
		"not a MEMORYDATA file (bad magic)",
		"unsupported MEMORYDATA version",
		"bad header size",
		"bad element size",
		"reserved header bytes are not zero",
		"count out of range",
		"truncated: the data is shorter than its count",
		"incomplete: its writer has not finished",
		"bad state field",
		"checksum mismatch: the data is corrupt",
		"bad block size",
		"bad published count",
		"block checksum mismatch: the data is corrupt",
	};
	return (unsigned)s < sizeof text / sizeof *text ? text[s] : "unknown";
}

/* Where data[i] starts. */
static inline uint64_t md_offset(uint64_t i)
{
	return sizeof(struct md_header) + i * sizeof(int32_t);
}

/* Where a version-2 file's block sums start: right after the data. */
static inline uint64_t md_table_offset(uint64_t count)
{
	return md_offset(count);
}

/* Bytes the data a header announces takes, block sums included; any header. */
static inline uint64_t md_size(const struct md_header *h)
{
	uint64_t count = h->count <= MD_MAXCOUNT ? h->count : MD_MAXCOUNT;

	if (h->version != 2 || h->block == 0)
		return md_offset(count);
	return md_table_offset(count) + (count + h->block - 1) / h->block * sizeof(uint64_t);
}

/* Bytes a file of `count` integers takes, as fmwrite writes it. */
static inline uint64_t md_file_size(uint64_t count)
{
	struct md_header h = { .version = MD_VERSION, .count = count, .block = MD_BLOCK };

	return md_size(&h);
}

static inline void md_init_header(struct md_header *h, uint64_t count)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, MD_MAGIC, sizeof h->magic);
	h->version = MD_VERSION;
	h->header_size = sizeof *h;
	h->elem_size = sizeof(int32_t);
	h->state = MD_WRITING;
	h->count = count;
	h->block = MD_BLOCK;
}

/* Is this one of ours, finished or not? (fmwrite overwrites only these.) */
static inline int md_is_ours(const void *buf, uint64_t avail)
{
	return avail >= 8 && memcmp(buf, MD_MAGIC, 8) == 0;
}

/* A block size: a power of 2, up to MD_MAXBLOCK. */
static inline int md_block_ok(uint32_t block)
{
	return block != 0 && block <= MD_MAXBLOCK && (block & (block - 1)) == 0;
}

/* Published: whole blocks, or all; all once complete. */
static inline int md_published_ok(const struct md_header *h)
{
	if (h->published > h->count)
		return 0;
	if (h->state == MD_COMPLETE)
		return h->published == h->count;
	return h->published % h->block == 0 || h->published == h->count;
}

/*
 * Checks a header found at the start of `avail` readable bytes: every field,
 * and that the data it announces lies within them. The checksum is the
 * caller's, since it needs the data. Safe for any bytes and any `avail`.
 */
static inline enum md_status md_check_header(const void *buf, uint64_t avail)
{
	struct md_header h;
	size_t i;

	static const unsigned char zero[sizeof h];

	if (avail < sizeof h)
		return MD_ESHORT;
	memcpy(&h, buf, sizeof h);
	/* all zero: a mapping just made, its header not written yet */
	if (memcmp(&h, zero, sizeof h) == 0)
		return MD_EINCOMPLETE;
	if (memcmp(h.magic, MD_MAGIC, sizeof h.magic) != 0)
		return MD_EMAGIC;
	if (h.version != 1 && h.version != 2)
		return MD_EVERSION;
	if (h.header_size != sizeof h)
		return MD_EHEADERSIZE;
	if (h.elem_size != sizeof(int32_t))
		return MD_EELEMSIZE;
	for (i = 0; i < sizeof h.reserved; i++)
		if (h.reserved[i] != 0)
			return MD_ERESERVED;
	if (h.version == 1 && (h.published != 0 || h.block != 0))
		return MD_ERESERVED;
	if (h.count == 0 || h.count > MD_MAXCOUNT)
		return MD_ECOUNT;
	if (h.version == 2 && !md_block_ok(h.block))
		return MD_EBLOCK;
	if (md_size(&h) > avail)
		return MD_ETRUNCATED;
	if (h.state != MD_WRITING && h.state != MD_COMPLETE)
		return MD_ESTATE;
	if (h.version == 2 && !md_published_ok(&h))
		return MD_EPUBLISHED;
	if (h.state == MD_WRITING)
		return MD_EINCOMPLETE;
	return MD_OK;
}

/* Integers from data[i] to the end of its block (or of the data; version 1, block 0: one block). */
static inline uint64_t md_block_left(uint64_t count, uint32_t block, uint64_t i)
{
	uint64_t left = block != 0 ? block - i % block : count - i;

	return left < count - i ? left : count - i;
}

/*
 * The checksum: four interleaved Fletcher-style lanes of 64-bit sums, so it
 * runs at memory speed, then mixed. Any change to one integer changes its
 * lane's first sum; a swap of two unequal integers changes the second.
 * Data may be fed in pieces of any size; the result depends only on the
 * whole sequence.
 */
struct md_sum {
	uint64_t a[4], b[4];
	uint64_t n;               /* integers seen so far */
};

static inline void md_sum_init(struct md_sum *s)
{
	memset(s, 0, sizeof *s);
}

static inline void md_sum_one(struct md_sum *s, uint32_t v)
{
	unsigned l = (unsigned)(s->n++ & 3);

	s->a[l] += v;
	s->b[l] += s->a[l];
}

static inline void md_sum_add(struct md_sum *s, const int32_t *p, size_t n)
{
	uint64_t a0, a1, a2, a3, b0, b1, b2, b3;
	size_t i = 0, head;

	for (; i < n && (s->n & 3) != 0; i++)
		md_sum_one(s, (uint32_t)p[i]);
	head = i;
	a0 = s->a[0], a1 = s->a[1], a2 = s->a[2], a3 = s->a[3];
	b0 = s->b[0], b1 = s->b[1], b2 = s->b[2], b3 = s->b[3];
	for (; i + 4 <= n; i += 4) {
		b0 += a0 += (uint32_t)p[i];
		b1 += a1 += (uint32_t)p[i + 1];
		b2 += a2 += (uint32_t)p[i + 2];
		b3 += a3 += (uint32_t)p[i + 3];
	}
	s->a[0] = a0, s->a[1] = a1, s->a[2] = a2, s->a[3] = a3;
	s->b[0] = b0, s->b[1] = b1, s->b[2] = b2, s->b[3] = b3;
	s->n += i - head;
	for (; i < n; i++)
		md_sum_one(s, (uint32_t)p[i]);
}

/*
 * Writes first, first+1, ... into p[0..n-1] and sums them while each block
 * is still in the cache: the writer passes over memory once.
 */
static inline void md_fill(struct md_sum *s, int32_t *p, size_t n, uint32_t first)
{
	while (n > 0) {
		size_t m = n < 4096 ? n : 4096, j;

		/* cppcheck-suppress knownConditionTrueFalse ; 2.10 loses n > 0 and calls m < 1 */
		for (j = 0; j < m; j++)
			p[j] = (int32_t)(first + (uint32_t)j);
		md_sum_add(s, p, m);
		p += m, n -= m, first += (uint32_t)m;
	}
}

/*
 * Appends t's sequence to s's, as if md_sum_add had seen both in order:
 * the halves of the data can be summed apart (by two threads) and joined.
 * Each of t's lanes lands on the lane its integers have in the whole, and
 * s's first sums count once for each of them in the second sums.
 */
static inline void md_sum_join(struct md_sum *s, const struct md_sum *t)
{
	struct md_sum r = *s;
	unsigned g, l;

	for (g = 0; g < 4; g++) {
		uint64_t k;

		l = (unsigned)((g - s->n) & 3);        /* t's lane that lands on lane g */
		k = t->n / 4 + (l < t->n % 4);         /* how many of t's integers it had */
		r.a[g] = s->a[g] + t->a[l];
		r.b[g] = s->b[g] + t->b[l] + k * s->a[g];
	}
	r.n = s->n + t->n;
	*s = r;
}

static inline uint64_t md_mix(uint64_t x)
{
	x ^= x >> 30, x *= 0xBF58476D1CE4E5B9u;
	x ^= x >> 27, x *= 0x94D049BB133111EBu;
	return x ^ (x >> 31);
}

static inline uint64_t md_sum_final(const struct md_sum *s)
{
	uint64_t h = md_mix(s->n);
	int l;

	for (l = 0; l < 4; l++)
		h = md_mix(md_mix(h ^ s->a[l]) ^ s->b[l]);
	return h;
}

#endif /* MEMDATA_H */
