// SPDX-License-Identifier: MIT
/*
 * bench_hotremove.c - what memory hot-remove costs per GiB removed
 * (ptsim_kernel_remove_memory(): arch_remove_memory() with the arm64
 * two-pass teardown, or the historical orders of the knob hotremove.order).
 *
 * Case hotremove: a machine with kernel_mm=on (256M of boot memory, one
 * CPU) hot-adds --gib GiB at 4G (untimed; add and remove alternate, so the
 * same blocks are removed each repetition), reads one page of the new
 * linear map and of its vmemmap from the CPU so the TLBs hold them, then
 * removes the range (timed), for each order (arm64, x86, v5) on arm64-4k-48
 * and x86_64-4l.  The baseline, in the same process, clears as many 64-bit
 * entries of a host array as the removal wrote (its cost ledger's entries
 * written): the ratio is what the model spends per entry it clears.  The
 * modelled cost of the removal is printed beside it: entries written,
 * TLB flushes, IPIs, tables freed, and the TLB-discipline violations the
 * order commits (0 for arm64).
 *
 * Every figure is the best of --reps repetitions (default 3).  stdout
 * carries only JSON lines; any failed call ends the program with status 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ptsim/ptsim.h>

#include "bench_util.h"

#define ADD_AT	     (4ull << 30)
#define DEFAULT_REPS 3
#define NOINLINE     __attribute__((noinline))

static const char *prog = "bench_hotremove";

static void check(struct ptsim_machine *m, const char *what, int err)
{
	if (!err)
		return;
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, ptsim_strerror(err),
		m ? ptsim_errmsg(m) : "");
	exit(1);
}

static NOINLINE uint64_t run_remove(struct ptsim_machine *m, uint64_t size)
{
	uint64_t t0 = bench_now_ns(prog);

	check(m, "remove_memory", ptsim_kernel_remove_memory(m, ADD_AT, size));
	return bench_now_ns(prog) - t0;
}

/* Clear @n entries of a host array: the least a teardown writing them could cost. */
static NOINLINE uint64_t base_clear(volatile uint64_t *ents, uint64_t n)
{
	uint64_t t0 = bench_now_ns(prog);

	for (uint64_t i = 0; i < n; i++)
		ents[i] = 0;
	return bench_now_ns(prog) - t0;
}

static void bench_one(const char *arch, const char *order, uint64_t gib, unsigned int reps)
{
	struct ptsim_machine *m = NULL;
	struct ptsim_config cfg;
	struct ptsim_kernel_layout l;
	struct ptsim_cost_scope sc;
	struct ptsim_cost c = {0};
	uint64_t size = gib << 30, best = UINT64_MAX, best_base = UINT64_MAX, written = 0;
	uint64_t flushes = 0, *ents;
	long viol = 0;
	unsigned int shift;
	char opts[160];

	check(NULL, "config", ptsim_config_init(&cfg, arch));
	snprintf(opts, sizeof(opts),
		 "phys=256M,phys_limit=%lluG,ncpus=1,kernel_mm=on,hotremove.order=%s",
		 (unsigned long long)(4 + gib), order);
	check(NULL, "config", ptsim_config_set(&cfg, opts, NULL, 0));
	check(NULL, "machine", ptsim_machine_create(&cfg, &m));
	check(m, "layout", ptsim_kernel_layout(m, &l));
	shift = ptsim_arch_page_shift(ptsim_machine_arch(m));
	for (unsigned int r = 0; r <= reps; r++) { /* round 0 warms up */
		uint64_t t;

		check(m, "add_memory", ptsim_kernel_add_memory(m, ADD_AT, size));
		/* The CPU uses the new linear map and the new frames' struct pages. */
		check(m, "read linear",
		      ptsim_kernel_access(m, 0, l.page_offset + (ADD_AT - l.phys_offset),
					  PTSIM_ACCESS_READ, NULL));
		check(m, "read vmemmap",
		      ptsim_kernel_access(m, 0, l.vmemmap_base + (ADD_AT >> shift) * 64,
					  PTSIM_ACCESS_READ, NULL));
		ptsim_violations_clear(m);
		ptsim_cost_begin(m, &sc);
		t = run_remove(m, size);
		ptsim_cost_end(m, &sc, &c);
		viol = ptsim_violations(m, NULL, 0);
		if (r)
			bench_keep_min(&best, t);
	}
	for (int lvl = 0; lvl < PTSIM_NR_LEVELS; lvl++)
		written += c.entries_written[lvl];
	for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++)
		flushes += c.tlb_flushes[k];
	ents = calloc(written ? written : 1, sizeof(*ents));
	if (!ents) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	for (unsigned int r = 0; r <= reps; r++) {
		uint64_t t = base_clear(ents, written);

		if (r)
			bench_keep_min(&best_base, t);
	}
	free(ents);
	printf("{\"bench\":\"hotremove\",\"arch\":\"%s\",\"order\":\"%s\",\"gib\":%" PRIu64
	       ",\"ns_per_gib\":%.1f,\"baseline_ns_per_gib\":%.1f,\"ratio\":%.2f,"
	       "\"entries_written\":%" PRIu64 ",\"tlb_flushes\":%" PRIu64 ",\"ipis\":%" PRIu64
	       ",\"tables_freed\":%" PRIu64 ",\"violations\":%ld}\n",
	       arch, order, gib, (double)best / (double)gib, (double)best_base / (double)gib,
	       (double)best / (double)(best_base ? best_base : 1), written, flushes, c.ipis,
	       c.tables_freed, viol);
	fflush(stdout);
	ptsim_machine_destroy(m);
}

int main(int argc, char **argv)
{
	static const char *const orders[] = {"arm64", "x86", "v5"};
	static const char *const arches[] = {"arm64-4k-48", "x86_64-4l"};
	uint64_t gib = 1;
	unsigned int reps = DEFAULT_REPS;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gib") && i + 1 < argc)
			gib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned int)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--gib N] [--reps R]\n", prog);
			return 2;
		}
	}
	if (gib < 1 || gib > 64 || reps < 1) {
		fprintf(stderr, "%s: --gib 1..64, --reps >= 1\n", prog);
		return 2;
	}
	for (unsigned int a = 0; a < 2; a++)
		for (unsigned int o = 0; o < 3; o++)
			bench_one(arches[a], orders[o], gib, reps);
	return 0;
}
