// SPDX-License-Identifier: MIT
/*
 * bench_ptref.c - EXPERIMENTAL, never merged: what the 2022 RFC "Try to
 * free empty and zero user PTE page table pages" (knob pt_reclaim.rfc)
 * costs and saves.
 *
 * Cases (bench/README.md has the JSON fields):
 *  - ptref_faults: 64 PTE tables' worth of pages read (each maps the zero
 *    page) and then written (each replaces it), through ptsim_access(),
 *    timed per fault with the knob on; the baseline is the same faults with
 *    the knob off, in the same run: the ratio is the price of keeping the
 *    counters on every entry write.
 *  - ptref_scan: an address space of N PTE tables (--n, default 1024) of
 *    mixed state - one in 8 a zero table (every page read), one in 8 empty
 *    (its one page zapped), the rest with one written page - built untimed;
 *    ptsim_ptref_reclaim_mm() is timed, per table: it finds the zero and
 *    empty tables from their counters and frees them.  The baseline, in the
 *    same run on the same state, reads every PTE of the N tables
 *    (ptsim_walk_page_range()) to classify them, as a scan without the
 *    RFC's counters would: the ratio is the share of that scan the counters
 *    leave (freeing included).
 *
 * Every figure is the best of --reps repetitions (default 3,
 * CLOCK_MONOTONIC) after a warm-up round; --arch NAME runs one
 * configuration (default x86_64-4l and arm64-4k-48).  stdout carries only
 * JSON lines; any failed call ends the program with status 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ptsim/ptsim.h>

#include "bench_util.h"

#define RW  (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)

static const char *prog = "bench_ptref";

struct bench {
	const char *arch;
	unsigned int reps;
	uint64_t n; /* tables of ptref_scan */
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	uint64_t psz, span, va;
};

static void check(const struct bench *b, const char *what, long err)
{
	if (err >= 0)
		return;
	fprintf(stderr, "%s: %s: %s: %s (%s)\n", prog, b->arch, what, ptsim_strerror((int)err),
		b->m ? ptsim_errmsg(b->m) : "");
	exit(1);
}

/* A machine with the knob @on, one address space and a VMA of @tables spans. */
static void setup(struct bench *b, bool on, uint64_t tables)
{
	struct ptsim_config cfg;
	uint64_t va, len;

	check(b, "config_init", ptsim_config_init(&cfg, b->arch));
	check(b, "config_set",
	      ptsim_config_set(&cfg, on ? "phys=8G,pt_reclaim.rfc=on" : "phys=8G", NULL, 0));
	check(b, "machine_create", ptsim_machine_create(&cfg, &b->m));
	check(b, "mm_create", ptsim_mm_create(b->m, &b->mm));
	b->psz = 1ull << ptsim_arch_page_shift(ptsim_machine_arch(b->m));
	b->span = (uint64_t)ptsim_arch_ptrs_per(ptsim_machine_arch(b->m), PTSIM_PTE) * b->psz;
	len = (tables + 1) * b->span;
	check(b, "mmap", ptsim_mmap(b->mm, 0, len, RW, ANP, NULL, 0, &va));
	b->va = (va + b->span - 1) & ~(b->span - 1);
}

static void teardown(struct bench *b)
{
	ptsim_machine_destroy(b->m);
	b->m = NULL;
	b->mm = NULL;
}

static void touch(struct bench *b, uint64_t va, unsigned int how)
{
	struct ptsim_access_result r;

	check(b, "access", ptsim_access(b->mm, 0, va, how, &r));
}

/* Nanoseconds for a read, then a write, of every page of @tables spans. */
static uint64_t faults_once(struct bench *b, bool on, uint64_t tables, uint64_t *nr)
{
	uint64_t t0, t1, len;

	setup(b, on, tables);
	len = tables * b->span;
	t0 = bench_now_ns(prog);
	for (uint64_t off = 0; off < len; off += b->psz)
		touch(b, b->va + off, PTSIM_ACCESS_READ);
	for (uint64_t off = 0; off < len; off += b->psz)
		touch(b, b->va + off, PTSIM_ACCESS_WRITE);
	t1 = bench_now_ns(prog);
	*nr = 2 * len / b->psz;
	teardown(b);
	return t1 - t0;
}

static void case_faults(struct bench *b)
{
	uint64_t best_on = UINT64_MAX, best_off = UINT64_MAX, nr = 0;

	(void)faults_once(b, true, 4, &nr); /* warm-up */
	for (unsigned int r = 0; r < b->reps; r++) {
		bench_keep_min(&best_off, faults_once(b, false, 64, &nr));
		bench_keep_min(&best_on, faults_once(b, true, 64, &nr));
	}
	printf("{\"bench\":\"ptref_faults\",\"arch\":\"%s\",\"n\":%" PRIu64
	       ",\"ns_per_op\":%.1f,\"baseline_ns_per_op\":%.1f,\"ratio\":%.3f}\n",
	       b->arch, nr, (double)best_on / (double)nr, (double)best_off / (double)nr,
	       (double)best_on / (double)best_off);
	fflush(stdout);
}

/* Build the mixed state of ptref_scan: @n tables, 1/8 zero, 1/8 empty, the rest in use. */
static void build_mixed(struct bench *b, uint64_t n)
{
	setup(b, true, n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = b->va + i * b->span;

		switch (i % 8) {
		case 0:
			for (uint64_t off = 0; off < b->span; off += b->psz)
				touch(b, base + off, PTSIM_ACCESS_READ);
			break;
		case 1:
			touch(b, base, PTSIM_ACCESS_READ);
			check(b, "madvise",
			      ptsim_madvise(b->mm, base, b->psz, PTSIM_MADV_DONTNEED));
			break;
		default:
			touch(b, base + (i % 7) * b->psz, PTSIM_ACCESS_WRITE);
			break;
		}
	}
}

struct classify {
	uint64_t zero_pfn, mapped, zero;
};

static int classify_pte(ptsim_ent_t ent, uint64_t addr, uint64_t next, struct ptsim_walk *walk)
{
	struct classify *c = walk->priv;
	const struct ptsim_arch *a = ptsim_machine_arch(ptsim_mm_machine(walk->mm));

	(void)addr;
	(void)next;
	if (!ptsim_ent_none(a, PTSIM_PTE, ent)) {
		c->mapped++;
		c->zero += ptsim_ent_present(a, PTSIM_PTE, ent) &&
			   ptsim_ent_pfn(a, PTSIM_PTE, ent) == c->zero_pfn;
	}
	return 0;
}

static void case_scan(struct bench *b)
{
	uint64_t best = UINT64_MAX, best_base = UINT64_MAX;
	const uint64_t n = b->n;

	for (unsigned int r = 0; r <= b->reps; r++) { /* round 0 is the warm-up */
		struct ptsim_walk_ops ops;
		struct classify c;
		uint64_t t0, t1, t2;
		long freed;

		build_mixed(b, n);
		memset(&ops, 0, sizeof(ops));
		ops.entry[PTSIM_PTE] = classify_pte;
		memset(&c, 0, sizeof(c));
		c.zero_pfn = ptsim_zero_pfn(b->m);
		t0 = bench_now_ns(prog);
		check(b, "walk",
		      ptsim_walk_page_range(b->mm, b->va, b->va + n * b->span, &ops, &c));
		t1 = bench_now_ns(prog);
		freed = ptsim_ptref_reclaim_mm(b->mm, 0);
		t2 = bench_now_ns(prog);
		check(b, "reclaim", freed);
		if ((uint64_t)freed != ((n + 7) / 8 + (n + 6) / 8) * (b->span / b->psz) * 8) {
			fprintf(stderr, "%s: %s: reclaim freed %ld bytes\n", prog, b->arch, freed);
			exit(1);
		}
		teardown(b);
		if (r) {
			bench_keep_min(&best_base, t1 - t0);
			bench_keep_min(&best, t2 - t1);
		}
	}
	printf("{\"bench\":\"ptref_scan\",\"arch\":\"%s\",\"n\":%" PRIu64
	       ",\"ns_per_op\":%.1f,\"baseline_ns_per_op\":%.1f,\"ratio\":%.3f}\n",
	       b->arch, n, (double)best / (double)n, (double)best_base / (double)n,
	       (double)best / (double)best_base);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const char *const archs[] = {"x86_64-4l", "arm64-4k-48"};
	struct bench b = {.reps = 3, .n = 1024};
	const char *only = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
			b.n = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			b.reps = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--arch NAME] [--n TABLES] [--reps R]\n", prog);
			return 2;
		}
	}
	if (b.n < 8 || b.n > 65536 || b.reps < 1) {
		fprintf(stderr, "%s: --n 8..65536 and --reps >= 1\n", prog);
		return 2;
	}
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]) || only; i++) {
		b.arch = only ? only : archs[i];
		case_faults(&b);
		case_scan(&b);
		if (only)
			break;
	}
	return 0;
}
