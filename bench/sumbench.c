/*
 * sumbench - what the checksum costs, best of 5, in seconds: md_sum_add over
 * COUNT integers in memory (one pass, one thread), then over COUNT integers
 * 4096 at a time from a block that stays in the cache, as md_fill sums what
 * it has just written. `make bench` sets the second against fmwrite's time.
 *   sumbench COUNT
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#include "../memdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 0, i;
	int32_t *p = malloc(n * sizeof *p);
	double best = 1e9, cached = 1e9, t;
	struct md_sum s;
	int r;

	if (p == NULL || n == 0)
		return 1;
	for (i = 0; i < n; i++)
		p[i] = (int32_t)i;
	for (r = 0; r < 5; r++) {
		t = now();
		md_sum_init(&s);
		md_sum_add(&s, p, n);
		t = now() - t;
		best = t < best ? t : best;
	}
	for (r = 0; r < 5; r++) {
		t = now();
		md_sum_init(&s);
		for (i = 0; i < n; i += 4096)
			md_sum_add(&s, p, n - i < 4096 ? n - i : 4096);
		t = now() - t;
		cached = t < cached ? t : cached;
	}
	printf("%.4f %.4f\n", best, cached);
	return 0;
}
