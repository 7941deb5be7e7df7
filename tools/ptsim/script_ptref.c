// SPDX-License-Identifier: MIT
/*
 * script_ptref.c - the `ptref` scenario command and `expect ptref`:
 * EXPERIMENTAL, the 2022 RFC "Try to free empty and zero user PTE page
 * table pages", never merged (knob pt_reclaim.rfc, include/ptsim/ptref.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "script_int.h"

static void print_mm(struct pts_runner *r, struct ptsim_mm *mm, const struct ptsim_ptref_mm_info *i)
{
	fprintf(r->out,
		"ptref: mm %s: %llu PTE tables, %llu empty, %llu zero, reclaimable %llu bytes, ",
		pts__mm_name(r, mm), (unsigned long long)i->pte_tables,
		(unsigned long long)i->empty_tables, (unsigned long long)i->zero_tables,
		(unsigned long long)i->reclaimable_bytes);
	if (i->rank)
		fprintf(r->out, "rank %llu\n", (unsigned long long)i->rank);
	else
		fprintf(r->out, "not ranked\n");
}

/* ptref show [MM]: one address space's counters. */
static int ptref_show(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_mm *mm = pts__mm(r);
	struct ptsim_ptref_mm_info i;
	int err;

	if (a->argc > 3)
		return pts__fail(r, -EINVAL, "usage: ptref show [MM]");
	if (a->argc == 3) {
		mm = pts__mm_by_name(r, a->argv[2]);
		if (!mm)
			return pts__fail(r, -EINVAL, "ptref show: no address space \"%s\"",
					 a->argv[2]);
	}
	if (!mm)
		return pts__fail(r, -EINVAL, "ptref show: no address space yet");
	err = ptsim_ptref_mm_info(mm, &i);
	if (err)
		return pts__fail_call(r, err, "ptref show");
	print_mm(r, mm, &i);
	return 0;
}

/* ptref table ADDR: the pte_refcount of the PTE table mapping ADDR. */
static int ptref_table(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_mm *mm = pts__mm(r);
	struct ptsim_ptref_table t;
	uint64_t va;
	int err;

	if (a->argc != 3)
		return pts__fail(r, -EINVAL, "usage: ptref table ADDR");
	if (!mm)
		return pts__fail(r, -EINVAL, "ptref table: no address space yet");
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	err = ptsim_ptref_table(mm, va, &t);
	if (err)
		return pts__fail_call(r, err, "ptref table");
	fprintf(r->out,
		"ptref: table pfn 0x%llx: pte_refcount 0x%08x = mapped %u, zero %u of %u "
		"(%s)%s%s\n",
		(unsigned long long)t.table_pfn, t.word, t.mapped, t.zero, t.entries,
		t.field_bits == 10 ? "RFC layout: bits 0-9, 10-19"
				   : "widened: bits 0-15, 16-31, not the RFC's layout",
		t.empty ? " empty" : "", t.zero_table ? " zero-table" : "");
	return 0;
}

/* ptref rank: the address spaces, largest reclaimable bytes first. */
static int ptref_rank(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_ptref_rank_entry e[16];
	long n;

	if (a->argc != 2)
		return pts__fail(r, -EINVAL, "usage: ptref rank");
	n = ptsim_ptref_rank(r->m, e, sizeof(e) / sizeof(e[0]));
	if (n < 0)
		return pts__fail_call(r, (int)n, "ptref rank");
	fprintf(r->out, "ptref: %ld address space%s ranked\n", n, n == 1 ? "" : "s");
	for (long i = 0; i < n && i < (long)(sizeof(e) / sizeof(e[0])); i++)
		fprintf(r->out,
			"ptref: #%ld mm %s: reclaimable %llu bytes (%llu empty, %llu zero)\n",
			i + 1, pts__mm_name(r, e[i].mm), (unsigned long long)e[i].reclaimable_bytes,
			(unsigned long long)e[i].empty_tables,
			(unsigned long long)e[i].zero_tables);
	if (n > (long)(sizeof(e) / sizeof(e[0])))
		fprintf(r->out, "ptref: ... %ld more\n", n - (long)(sizeof(e) / sizeof(e[0])));
	return 0;
}

/* ptref reclaim [MM|all] [TARGET]: one address space, or largest first (default: all, no limit). */
static int ptref_reclaim(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_ptref_stats before, after;
	struct ptsim_mm *mm = NULL;
	uint64_t target = 0;
	int i = 2, err;
	long got;

	if (a->argc > 4)
		return pts__fail(r, -EINVAL, "usage: ptref reclaim [MM|all] [TARGET]");
	if (a->argc > i && !strcmp(a->argv[i], "all")) {
		i++;
	} else if (a->argc > i && pts__mm_by_name(r, a->argv[i])) {
		mm = pts__mm_by_name(r, a->argv[i]);
		i++;
	}
	if (a->argc > i) {
		err = pts__value(r, a->argv[i], &target);
		if (err)
			return err;
		i++;
	}
	if (a->argc > i)
		return pts__fail(r, -EINVAL, "usage: ptref reclaim [MM|all] [TARGET]");
	if (target > INT64_MAX)
		return pts__fail(r, -ERANGE, "ptref reclaim: target %llu is too large",
				 (unsigned long long)target);
	/* Counts before, to print what this call did (fails with the knob off, as reclaim). */
	err = ptsim_ptref_stats(r->m, &before);
	if (err)
		return pts__fail_call(r, err, "ptref reclaim");
	got = mm ? ptsim_ptref_reclaim_mm(mm, (int64_t)target)
		 : ptsim_ptref_reclaim(r->m, (int64_t)target);
	if (got < 0)
		return pts__fail_call(r, (int)got, "ptref reclaim");
	if (ptsim_ptref_stats(r->m, &after))
		after = before;
	fprintf(r->out,
		"ptref: reclaimed %ld bytes: %llu empty, %llu zero tables (%llu zero PTEs)\n", got,
		(unsigned long long)(after.reclaimed_empty - before.reclaimed_empty),
		(unsigned long long)(after.reclaimed_zero - before.reclaimed_zero),
		(unsigned long long)(after.zero_ptes_dropped - before.zero_ptes_dropped));
	return 0;
}

/* ptref stats: the machine's reclaim counts. */
static int ptref_stats(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_ptref_stats s;
	int err;

	if (a->argc != 2)
		return pts__fail(r, -EINVAL, "usage: ptref stats");
	err = ptsim_ptref_stats(r->m, &s);
	if (err)
		return pts__fail_call(r, err, "ptref stats");
	fprintf(r->out,
		"ptref: scanned %llu, reclaimed %llu empty and %llu zero tables (%llu zero PTEs), "
		"%llu bytes; %llu ranked\n",
		(unsigned long long)s.scanned, (unsigned long long)s.reclaimed_empty,
		(unsigned long long)s.reclaimed_zero, (unsigned long long)s.zero_ptes_dropped,
		(unsigned long long)s.bytes_freed, (unsigned long long)s.nr_ranked);
	return 0;
}

int pts__cmd_ptref(struct pts_runner *r, struct pts_args *a)
{
	const char *op = a->argc > 1 ? a->argv[1] : "";

	if (!strcmp(op, "show"))
		return ptref_show(r, a);
	if (!strcmp(op, "table"))
		return ptref_table(r, a);
	if (!strcmp(op, "rank"))
		return ptref_rank(r, a);
	if (!strcmp(op, "reclaim"))
		return ptref_reclaim(r, a);
	if (!strcmp(op, "stats"))
		return ptref_stats(r, a);
	return pts__fail(r, -EINVAL,
			 "usage: ptref show [MM] | table ADDR | rank | "
			 "reclaim [MM|all] [TARGET] | stats");
}

int pts__ptref_get(struct pts_runner *r, const char *name, uint64_t *out)
{
	static const char *const mm_fields[] = {"tables", "empty", "zero", "bytes", "rank"};
	static const char *const m_fields[] = {"ranked",	 "scanned",   "reclaimed_empty",
					       "reclaimed_zero", "zero_ptes", "bytes_freed"};
	int err;

	for (size_t i = 0; i < sizeof(mm_fields) / sizeof(mm_fields[0]); i++) {
		struct ptsim_ptref_mm_info mi;
		const uint64_t *v[] = {&mi.pte_tables, &mi.empty_tables, &mi.zero_tables,
				       &mi.reclaimable_bytes, &mi.rank};

		if (strcmp(name, mm_fields[i]))
			continue;
		err = ptsim_ptref_mm_info(pts__mm(r), &mi);
		if (err)
			return pts__fail_call(r, err, "expect ptref");
		*out = *v[i];
		return 0;
	}
	for (size_t i = 0; i < sizeof(m_fields) / sizeof(m_fields[0]); i++) {
		struct ptsim_ptref_stats s;
		const uint64_t *v[] = {&s.nr_ranked,	  &s.scanned,		&s.reclaimed_empty,
				       &s.reclaimed_zero, &s.zero_ptes_dropped, &s.bytes_freed};

		if (strcmp(name, m_fields[i]))
			continue;
		err = ptsim_ptref_stats(r->m, &s);
		if (err)
			return pts__fail_call(r, err, "expect ptref");
		*out = *v[i];
		return 0;
	}
	return pts__fail(
		r, -EINVAL,
		"expect ptref: unknown counter \"%s\" (tables, empty, zero, bytes, rank of "
		"the current mm; ranked, scanned, reclaimed_empty, reclaimed_zero, "
		"zero_ptes, bytes_freed of the machine)",
		name);
}
