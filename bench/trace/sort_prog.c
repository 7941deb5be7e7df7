// SPDX-License-Identifier: MIT
/*
 * sort_prog.c - the program whose valgrind lackey trace bench_trace replays
 * (make_trace.sh records it): it fills an array of SORT_N 64-bit keys from a
 * fixed xorshift seed, sorts it with qsort() and with a top-down merge sort
 * into a heap buffer, checks that both agree and prints a checksum.  The
 * dynamic loader, code, stack, heap and libc all show up in the trace, as in
 * any small real program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SORT_N
#define SORT_N 200
#endif
#define N SORT_N

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sort a[lo, hi) using tmp[lo, hi) as scratch. */
static void merge_sort(uint64_t *a, uint64_t *tmp, size_t lo, size_t hi)
{
	size_t mid = lo + (hi - lo) / 2, i = lo, j = mid, k = lo;

	if (hi - lo < 2)
		return;
	merge_sort(a, tmp, lo, mid);
	merge_sort(a, tmp, mid, hi);
	while (i < mid && j < hi)
		tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < hi)
		tmp[k++] = a[j++];
	memcpy(a + lo, tmp + lo, (hi - lo) * sizeof(*a));
}

int main(void)
{
	uint64_t *a = malloc(N * sizeof(*a)), *b = malloc(N * sizeof(*b));
	uint64_t *tmp = malloc(N * sizeof(*tmp)), x = 88172645463325252ull, sum = 0;

	if (!a || !b || !tmp)
		return 1;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a[i] = b[i] = x;
	}
	qsort(a, N, sizeof(*a), cmp_u64);
	merge_sort(b, tmp, 0, N);
	for (size_t i = 0; i < N; i++) {
		if (a[i] != b[i])
			return 1;
		sum = sum * 31 + a[i];
	}
	printf("%016llx\n", (unsigned long long)sum);
	free(tmp);
	free(b);
	free(a);
	return 0;
}
