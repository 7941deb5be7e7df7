// SPDX-License-Identifier: MIT
/*
 * bench_pt_reclaim.c - how fast MADV_DONTNEED scans PTE tables for pt_reclaim
 * (zap_pte_range() with reclaim_pt), in tables per second.
 *
 * Case pt_reclaim_scan: an anonymous mapping of N PTE-table spans
 * (--tables, default 1024; thp.enabled=never, one CPU) whose tables are in
 * a mix of states, set up untimed before each repetition: one in four is
 * linked but empty, one in four holds 8 pages, one in four holds 8 pages and
 * a guard marker (kept: the zap leaves the marker), one in four is full.
 * Then one MADV_DONTNEED of the whole range is timed: it zaps every entry,
 * frees the pages, and reclaims three tables in four.  The baseline, in the
 * same process, reads the same number of entries (N x PTRS_PER_PTE words,
 * with the same non-none pattern) from a flat host array and counts the
 * tables that are all none: what a scan that does nothing else costs.
 * JSON: ns_per_table, baseline_ns_per_table, ratio, tables_per_s, and the
 * machine's host bytes (host_bytes) with the address space populated.
 *
 * Every figure is the best of --reps repetitions (default 3).  stdout
 * carries only JSON lines; any failed call, or a count of reclaimed tables
 * other than the expected one, ends the program with status 1.
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

#define VA_BASE	     0x40000000ull
#define DEFAULT_REPS 3
#define NOINLINE     __attribute__((noinline))

static const char *prog = "bench_pt_reclaim";

struct bench {
	const char *name;
	const struct ptsim_arch *arch;
	uint64_t psz, span, ptrs;
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
};

static void check(const struct bench *b, const char *what, int err)
{
	if (!err)
		return;
	fprintf(stderr, "%s: %s: %s: %s (%s)\n", prog, b->name, what, ptsim_strerror(err),
		b->m ? ptsim_errmsg(b->m) : "");
	exit(1);
}

static void touch(struct bench *b, uint64_t va)
{
	struct ptsim_access_result r;

	check(b, "access", ptsim_access(b->mm, 0, va, PTSIM_ACCESS_WRITE, &r));
	if (r.signal)
		check(b, "access signal", -EFAULT);
}

/* The mixed state of table @i (untimed). */
static void populate(struct bench *b, uint64_t tables)
{
	uint64_t va;
	ptsim_pte_t guard;
	struct ptsim_pgslot s;

	check(b, "mm", ptsim_mm_create(b->m, &b->mm));
	check(b, "mmap",
	      ptsim_mmap(b->mm, VA_BASE, tables * b->span, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
			 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0, &va));
	check(b, "marker", ptsim_mk_pte_marker(b->m, PTSIM_PTE_MARKER_GUARD, &guard));
	for (uint64_t i = 0; i < tables; i++) {
		uint64_t base = VA_BASE + i * b->span, n = i % 4 == 3 ? b->ptrs : 8;

		for (uint64_t p = 0; p < n; p++)
			touch(b, base + p * b->psz);
		if (i % 4 == 0) /* emptied by a zap short of the span: linked, empty */
			check(b, "madvise",
			      ptsim_madvise(b->mm, base, 8 * b->psz, PTSIM_MADV_DONTNEED));
		if (i % 4 == 2) {
			check(b, "lookup",
			      ptsim_pgslot_lookup(b->mm, base + 9 * b->psz, PTSIM_PTE, 0, &s));
			check(b, "guard", ptsim_pgslot_set(b->mm, &s, guard.val));
		}
	}
}

static NOINLINE uint64_t run_reclaim(struct bench *b, uint64_t tables)
{
	uint64_t t0 = bench_now_ns(prog);

	check(b, "madvise", ptsim_madvise(b->mm, VA_BASE, tables * b->span, PTSIM_MADV_DONTNEED));
	return bench_now_ns(prog) - t0;
}

/* The same entries, read from a flat array: how many tables are all none. */
static NOINLINE uint64_t base_scan(const uint64_t *ents, uint64_t tables, uint64_t ptrs,
				   uint64_t *empty)
{
	uint64_t t0 = bench_now_ns(prog), n = 0;

	for (uint64_t i = 0; i < tables; i++) {
		uint64_t any = 0;

		for (uint64_t j = 0; j < ptrs; j++)
			any |= ents[i * ptrs + j];
		n += !any;
	}
	*empty = n;
	return bench_now_ns(prog) - t0;
}

static void bench_arch(const char *name, uint64_t tables, unsigned int reps)
{
	struct bench b = {.name = name};
	struct ptsim_config cfg;
	struct ptsim_host_stats hs;
	uint64_t best = UINT64_MAX, best_base = UINT64_MAX, bytes = 0, empty = 0, *ents;
	uint64_t fast0, kept0;
	char opts[96];

	b.arch = ptsim_arch_lookup(name);
	if (!b.arch) {
		fprintf(stderr, "%s: unknown configuration %s\n", prog, name);
		exit(1);
	}
	b.psz = 1ull << ptsim_arch_page_shift(b.arch);
	b.span = ptsim_arch_level_size(b.arch, PTSIM_PMD);
	b.ptrs = ptsim_arch_ptrs_per(b.arch, PTSIM_PTE);
	check(&b, "config", ptsim_config_init(&cfg, name));
	snprintf(opts, sizeof(opts), "phys=%lluG,thp.enabled=never,ncpus=1",
		 (unsigned long long)((tables / 4 + 2) * b.span * 2 / (1ull << 30) + 1));
	check(&b, "config", ptsim_config_set(&cfg, opts, NULL, 0));
	check(&b, "machine", ptsim_machine_create(&cfg, &b.m));
	ents = calloc(tables * b.ptrs, sizeof(*ents));
	if (!ents) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	for (uint64_t i = 0; i < tables; i++) {
		uint64_t n = i % 4 == 3 ? b.ptrs : i % 4 == 0 ? 0 : 8;

		for (uint64_t j = 0; j < n; j++)
			ents[i * b.ptrs + j] = 0x8000000000000067ull | (j << 12);
		if (i % 4 == 2)
			ents[i * b.ptrs + 9] = 0x400;
	}
	for (unsigned int r = 0; r <= reps; r++) { /* round 0 warms up */
		uint64_t t;

		populate(&b, tables);
		ptsim_host_stats(b.m, &hs);
		bytes = hs.bytes_live;
		fast0 = ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_FAST) +
			ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_SLOW);
		kept0 = ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_KEPT);
		t = run_reclaim(&b, tables);
		if (ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_FAST) +
				    ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_SLOW) - fast0 !=
			    tables - tables / 4 - (tables % 4 > 2) ||
		    ptsim_vm_event(b.m, PTSIM_VM_PT_RECLAIM_KEPT) - kept0 !=
			    tables / 4 + (tables % 4 > 2)) {
			fprintf(stderr, "%s: %s: wrong number of tables reclaimed\n", prog, name);
			exit(1);
		}
		ptsim_mm_destroy(b.mm);
		if (r)
			bench_keep_min(&best, t);
		t = base_scan(ents, tables, b.ptrs, &empty);
		if (r)
			bench_keep_min(&best_base, t);
	}
	if (empty != (tables + 3) / 4) {
		fprintf(stderr, "%s: baseline scan miscounted\n", prog);
		exit(1);
	}
	printf("{\"bench\":\"pt_reclaim_scan\",\"arch\":\"%s\",\"tables\":%" PRIu64
	       ",\"ns_per_table\":%.1f,\"baseline_ns_per_table\":%.1f,\"ratio\":%.2f,"
	       "\"tables_per_s\":%.0f,\"host_bytes\":%" PRIu64 "}\n",
	       name, tables, (double)best / (double)tables, (double)best_base / (double)tables,
	       (double)best / (double)(best_base ? best_base : 1),
	       (double)tables * 1e9 / (double)(best ? best : 1), bytes);
	fflush(stdout);
	free(ents);
	ptsim_machine_destroy(b.m);
}

int main(int argc, char **argv)
{
	const char *arch = NULL;
	uint64_t tables = 1024;
	unsigned int reps = DEFAULT_REPS;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			arch = argv[++i];
		else if (!strcmp(argv[i], "--tables") && i + 1 < argc)
			tables = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned int)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--arch NAME] [--tables N] [--reps R]\n", prog);
			return 2;
		}
	}
	if (tables < 4 || tables > (1u << 20) || reps < 1) {
		fprintf(stderr, "%s: --tables 4..1048576, --reps >= 1\n", prog);
		return 2;
	}
	if (arch) {
		bench_arch(arch, tables, reps);
	} else {
		bench_arch("x86_64-4l", tables, reps);
		bench_arch("arm64-4k-48", tables, reps);
	}
	return 0;
}
