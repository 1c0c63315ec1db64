/*
 * sumbench - what the checksum costs: md_sum_add over COUNT integers already
 * in memory, best of 5, in seconds. `make bench` sets it against the
 * programs' own times.
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
	double best = 1e9, t;
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
	printf("%.4f %016llx\n", best, (unsigned long long)md_sum_final(&s));
	return 0;
}
