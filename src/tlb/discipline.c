// SPDX-License-Identifier: MIT
/*
 * discipline.c - the TLB discipline checker: frames freed while a TLB or
 * walk cache still references them, and arm64 break-before-make, recorded
 * as violations (include/ptsim/tlb.h, invariants 1 and 2).
 *
 * Recording never fails spuriously: the record array grows with
 * ptsim__alloc_nofail() (fault injection does not apply), is capped at
 * PTSIM_VIOL_MAX_STORED records, and every violation is counted.
 */
#include <stdio.h>
#include <string.h>

#include "tlb/internal.h"

static const char *const kind_names[] = {"?",	"FREE_LIVE_TLB", "FREE_LIVE_WALK",
					 "BBM", "STALE_TABLE",	 "FREED_TABLE"};

const char *ptsim_violation_kind_name(int kind)
{
	return kind > 0 && kind <= PTSIM_VIOL_FREED_TABLE ? kind_names[kind] : kind_names[0];
}

const char *ptsim__tlb_set_op(struct ptsim_tlbs *t, const char *op)
{
	const char *prev = t->op;

	if (!prev)
		t->op = op;
	return prev;
}

void ptsim__tlb_restore_op(struct ptsim_tlbs *t, const char *prev)
{
	t->op = prev;
}

static void record(struct ptsim_tlbs *t, int kind, int lvl, uint64_t pfn, uint64_t addr,
		   uint64_t asid, unsigned int cpu, const char *site)
{
	struct ptsim_violation *v;

	t->nr_viol++;
	if (t->nr_viol_stored >= PTSIM_VIOL_MAX_STORED)
		return;
	if (t->nr_viol_stored == t->viol_cap) {
		unsigned int ncap = t->viol_cap ? t->viol_cap * 2 : 16;
		struct ptsim_violation *nv;

		if (ncap > PTSIM_VIOL_MAX_STORED)
			ncap = PTSIM_VIOL_MAX_STORED;
		nv = ptsim__alloc_nofail(t->host, ncap * sizeof(*nv));
		if (!nv)
			return; /* a real host OOM: counted, not stored */
		if (t->viol) {
			memcpy(nv, t->viol, t->nr_viol_stored * sizeof(*nv));
			ptsim__free(t->host, t->viol, t->viol_cap * sizeof(*nv));
		}
		t->viol = nv;
		t->viol_cap = ncap;
	}
	v = &t->viol[t->nr_viol_stored++];
	*v = (struct ptsim_violation){
		.kind = kind,
		.level = lvl,
		.pfn = pfn,
		.addr = addr,
		.asid = asid,
		.cpu = cpu,
		.op = t->op ? t->op : site,
		.site = site,
	};
}

void ptsim__tlb_record_violation(struct ptsim_tlbs *t, int kind, int lvl, uint64_t pfn,
				 uint64_t addr, uint64_t asid, const char *site)
{
	record(t, kind, lvl, pfn, addr, asid, PTSIM_VIOL_NO_CPU, site);
}

void ptsim__tlb_violations_clear(struct ptsim_tlbs *t)
{
	t->nr_viol = 0;
	t->nr_viol_stored = 0;
}

/* --- invariant 1: clear -> flush -> free ----------------------------------- */

/* Record the violation, if any, of entry @e of @cpu in cache part @p when [pfn, end) is freed. */
static void check_entry(struct ptsim_tlbs *t, unsigned int cpu, const struct ptsim_tlb_part *p,
			const struct ptsim_tlb_entry *e, uint64_t pfn, uint64_t end,
			const char *site)
{
	const struct ptsim_arch *a = t->arch;
	int l = p->lvl;

	if (!e->stamp)
		return;
	if (p->walk) {
		if (e->pfn >= pfn && e->pfn < end)
			record(t, PTSIM_VIOL_FREE_LIVE_WALK, l, e->pfn, e->vpn << a->shift[l],
			       e->asid, cpu, site);
	} else {
		uint64_t n = 1ull << (a->shift[l] - a->page_shift), first;
		uint64_t va = e->vpn << a->shift[l];

		if (e->pfn >= end || e->pfn + n <= pfn)
			return;
		if (va >= t->linear_start && va < t->linear_end)
			return; /* the linear map maps free frames by design */
		first = e->pfn > pfn ? e->pfn : pfn;
		record(t, PTSIM_VIOL_FREE_LIVE_TLB, l, first,
		       (e->vpn << a->shift[l]) + ((first - e->pfn) << a->page_shift), e->asid, cpu,
		       site);
	}
}

#define FOUND_MAX 64

void ptsim__tlb_frame_freed(struct ptsim_tlbs *t, uint64_t pfn, uint64_t npages, const char *site)
{
	uint64_t end = pfn + npages, found[FOUND_MAX];
	int n;

	if (!t->nr_valid)
		return;
	/* The frame index finds the entries, in the order of the scan below. */
	n = ptsim__tlb_refs_find(t, pfn, end, found, FOUND_MAX);
	if (n >= 0) {
		for (int i = 0; i < n; i++) {
			unsigned int cpu = (unsigned int)(found[i] / t->per_cpu);

			check_entry(t, cpu, &t->part[ptsim__tlb_part_of(t, found[i])],
				    &t->cpus[cpu].store[found[i] % t->per_cpu], pfn, end, site);
		}
		return;
	}
	/* Every entry of every CPU, in storage order: leaf caches, then walk caches. */
	for (unsigned int cpu = 0; cpu < t->ncpus; cpu++) {
		const struct ptsim_tlb_cpu *c = &t->cpus[cpu];

		if (!c->nr_valid)
			continue;
		for (unsigned int p = 0; p < t->nr_parts; p++)
			for (uint32_t i = 0; i < t->part[p].len; i++)
				check_entry(t, cpu, &t->part[p], &c->store[t->part[p].start + i],
					    pfn, end, site);
	}
}

void ptsim__tlb_free_hook(void *ctx, uint64_t pfn, uint64_t npages, const char *site)
{
	ptsim__tlb_frame_freed(ctx, pfn, npages, site);
}

/* --- invariant 2: break-before-make (arm64) --------------------------------- */

static const struct ptsim_tlb_entry *find_tag(const struct ptsim_tlb_cache *k, uint64_t asid,
					      uint64_t vpn, bool any_global)
{
	const struct ptsim_tlb_entry *set;

	if (!k->nsets)
		return NULL;
	if (k->wi.head) /* a walk cache: never global, at most one entry per tag */
		return ptsim__windex_find(k, asid, vpn);
	set = ptsim__tlb_set_of(k, vpn);
	for (unsigned int w = 0; w < k->ways; w++)
		if (set[w].stamp && set[w].vpn == vpn &&
		    (set[w].asid == asid || (any_global && set[w].global)))
			return &set[w];
	return NULL;
}

/*
 * Does @cpu still cache a translation for [base, base + size) that the new
 * entry @n of level @lvl conflicts with?  A leaf of another size, a leaf of
 * the same size with another output or contiguous hint, or (for a new table
 * entry or a block replacing a table) a walk-cache entry for another table.
 */
static bool stale_conflict(const struct ptsim_tlbs *t, const struct ptsim_tlb_cpu *c, uint64_t asid,
			   int lvl, const struct ptsim_attrs *n, uint64_t base)
{
	const struct ptsim_arch *a = t->arch;
	uint64_t size = 1ull << a->shift[lvl];
	const struct ptsim_tlb_entry *w;

	if (lvl < PTSIM_PTE) {
		w = find_tag(&c->walk[lvl], asid, base >> a->shift[lvl], false);
		if (w && (!n->table || w->pfn != n->pfn))
			return true;
	}
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		const struct ptsim_tlb_cache *k = &c->leaf[l];
		uint64_t lsize = 1ull << a->shift[l];

		if (!k->nsets)
			continue;
		if (lsize >= size) {
			const struct ptsim_tlb_entry *e =
				find_tag(k, asid, base >> a->shift[l], true);

			if (!e)
				continue;
			if (n->table || l != lvl || e->pfn != n->pfn ||
			    (a->ops->cont(a, l, e->ent) != n->cont))
				return true;
			continue;
		}
		/* Smaller cached leaves inside the span matter only under a new leaf. */
		if (n->table)
			continue;
		for (unsigned int i = 0; i < k->nsets * k->ways; i++) {
			const struct ptsim_tlb_entry *e = &k->e[i];
			uint64_t eb = e->vpn << a->shift[l];

			if (e->stamp && (e->asid == asid || e->global) && eb >= base &&
			    eb - base < size)
				return true;
		}
	}
	return false;
}

static void entry_changed(struct ptsim_tlbs *t, uint64_t asid, int lvl, uint64_t old, uint64_t new,
			  uint64_t addr, const char *site)
{
	const struct ptsim_arch *a = t->arch;
	uint64_t base;
	struct ptsim_attrs o, n;

	/*
	 * The hardware valid bit is only a cheap pre-filter: the decision is
	 * taken on the decoded entry (a swap entry or a present-invalid
	 * PROT_NONE entry never has it set, so a clear bit always means "not
	 * valid").
	 */
	if (!(a->caps & PTSIM_ARCH_CAP_BREAK_BEFORE_MAKE) || old == new ||
	    !a->ops->mmu_valid(a, lvl, new))
		return;
	if (!a->ops->mmu_valid(a, lvl, old) && !t->nr_valid)
		return; /* invalid -> valid with nothing cached anywhere: the fast path */
	ptsim_ent_decode(a, (enum ptsim_level)lvl, new, &n);
	if (!n.valid)
		return; /* making an entry invalid (the "break") is always allowed */
	base = addr & ~((1ull << a->shift[lvl]) - 1);
	ptsim_ent_decode(a, (enum ptsim_level)lvl, old, &o);
	if (o.valid) {
		/* Live -> live: only permission and access/dirty bits may change. */
		if (o.table != n.table || o.pfn != n.pfn || (!n.table && o.cont != n.cont))
			record(t, PTSIM_VIOL_BBM, lvl, n.pfn, base, asid, PTSIM_VIOL_NO_CPU, site);
		return;
	}
	/* Invalid -> valid: the break must have been flushed from every CPU. */
	if (!t->nr_valid)
		return;
	for (unsigned int cpu = 0; cpu < t->ncpus; cpu++) {
		const struct ptsim_tlb_cpu *c = &t->cpus[cpu];

		if (c->nr_valid && stale_conflict(t, c, asid, lvl, &n, base))
			record(t, PTSIM_VIOL_BBM, lvl, n.pfn, base, asid, cpu, site);
	}
}

void ptsim__tlb_entry_hook(void *ctx, uint64_t asid, int lvl, uint64_t old, uint64_t new,
			   uint64_t addr)
{
	entry_changed(ctx, asid, lvl, old, new, addr, "set_entry");
}

/* --- ptsim_check() -------------------------------------------------------- */

struct stale_ctx {
	struct ptsim_tlbs *t;
	unsigned int cpu;
	ptsim_tlb_report_fn report;
	void *ctx;
};

static void stale_entry(void *ctx, bool is_walk, int lvl, const struct ptsim_tlb_entry *e)
{
	struct stale_ctx *s = ctx;
	const struct ptsim_arch *a = s->t->arch;
	uint64_t addr = e->vpn << a->shift[lvl];
	char msg[96];

	if (is_walk) {
		if (ptsim__table_frame(s->t->pa, e->pfn))
			return;
		snprintf(msg, sizeof(msg),
			 "cpu %u walk cache (asid %llu) points to a non-table frame", s->cpu,
			 (unsigned long long)e->asid);
	} else {
		uint64_t last = e->pfn + (1ull << (a->shift[lvl] - a->page_shift)) - 1;

		bool linear = addr >= s->t->linear_start && addr < s->t->linear_end;
		bool absent;

		/* Special entries (PFN maps) map no frame records; check the block's ends. */
		if (a->ops->special(a, lvl, e->ent))
			return;
		/* A removed section's frame is not free, it is absent: as bad. */
		absent = !ptsim__pfn_present(s->t->mem, e->pfn) ||
			 !ptsim__pfn_present(s->t->mem, last);
		if (!absent && (linear || (!ptsim__pfn_free(s->t->mem, e->pfn) &&
					   !ptsim__pfn_free(s->t->mem, last))))
			return;
		snprintf(msg, sizeof(msg), "cpu %u TLB (asid %llu) maps %s frame", s->cpu,
			 (unsigned long long)e->asid, absent ? "an absent" : "a free");
	}
	s->report(s->ctx, lvl, addr, e->pfn, 0, 0, msg);
}

void ptsim__tlb_check(struct ptsim_tlbs *t, ptsim_tlb_report_fn report, void *ctx)
{
	char msg[96];

	for (unsigned int i = 0; i < t->nr_viol_stored; i++) {
		const struct ptsim_violation v = t->viol[i];

		if (v.cpu == PTSIM_VIOL_NO_CPU)
			snprintf(msg, sizeof(msg), "%s in %s (%s), asid %llu",
				 ptsim_violation_kind_name(v.kind), v.op, v.site,
				 (unsigned long long)v.asid);
		else
			snprintf(msg, sizeof(msg), "%s in %s (%s), cpu %u asid %llu",
				 ptsim_violation_kind_name(v.kind), v.op, v.site, v.cpu,
				 (unsigned long long)v.asid);
		report(ctx, v.level, v.addr, v.pfn, 0, (uint64_t)v.kind, msg);
	}
	if (t->nr_viol > t->nr_viol_stored) {
		snprintf(msg, sizeof(msg), "%llu more TLB violations not stored",
			 (unsigned long long)(t->nr_viol - t->nr_viol_stored));
		report(ctx, -1, 0, 0, 0, t->nr_viol - t->nr_viol_stored, msg);
	}
	if (t->nr_gathers_open) {
		snprintf(msg, sizeof(msg), "%llu mmu_gather(s) started and not finished",
			 (unsigned long long)t->nr_gathers_open);
		report(ctx, -1, 0, 0, 0, t->nr_gathers_open, msg);
	}
	if (!t->nr_valid)
		return;
	for (unsigned int cpu = 0; cpu < t->ncpus; cpu++) {
		struct stale_ctx s = {.t = t, .cpu = cpu, .report = report, .ctx = ctx};

		ptsim__tlb_for_each(t, cpu, stale_entry, &s);
	}
}
