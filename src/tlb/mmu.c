// SPDX-License-Identifier: MIT
/*
 * mmu.c - the emulated MMU (src/tlb/mmu.h): one access as the hardware
 * performs it - TLB lookup, the table walk resumed from the walk caches,
 * permission checks, hardware accessed/dirty updates and cache fills.
 *
 * This file reads entries as the hardware does, not as Linux does, through
 * the arch's mmu_* ops (src/arch/internal.h): a PROT_NONE or pmd_mkinvalid()
 * entry is "present" to Linux but invalid to the MMU, and the MMU's dirty
 * update (x86 D, arm64 clearing AP[2]) is not pte_mkdirty(), which also sets
 * software bits.  The other arch ops still decide the things the walk shares
 * with ptsim__walk_to(): which levels are folded, leaf or table, and the
 * PFN.  No bit of any descriptor format is named here.
 *
 * Choices, with the manual behind each:
 *
 *  - Cached entries hold effective rights.  An x86 TLB entry holds the AND
 *    of R/W and U/S and the OR of XD over every level used, and a
 *    paging-structure-cache entry the same over the levels down to it (SDM
 *    vol. 3 4.10.2.2, 4.10.3.1).  arm64 applies PXNTable/UXNTable of every
 *    table descriptor to the levels below (hierarchical attributes).  So the
 *    walk-cache entry of a table holds its entry with the restrictions of the
 *    levels above folded in (mmu_fold_table()), and the TLB entry holds the
 *    leaf with all of them folded in (mmu_fold_leaf()).  A TLB hit or a walk
 *    resumed from a walk-cache entry then checks exactly what a full walk
 *    would.  For the tables Linux builds (x86 user tables 0x067, arm64 user
 *    tables with PXNTable over PXN leaves) the folded copy equals the entry
 *    in memory.
 *
 *  - x86 sets A in each paging-structure entry the walk reads from memory,
 *    as it uses it (so also when the walk later faults; SDM 4.8), and A -
 *    plus D for a write - in the leaf only for an access that succeeds
 *    (mmu_table_accessed(), mmu_update()).  Entries taken from a walk-cache
 *    entry are not re-read, so not re-marked.
 *
 *  - x86 page faults invalidate the faulting address's TLB entries and the
 *    paging-structure-cache entries that would be used for it, on the
 *    faulting CPU (SDM 4.10.4.1; PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB).  That
 *    is why x86 Linux needs no flush after a permission upgrade
 *    (flush_tlb_fix_spurious_fault() is empty): the fault on the stale
 *    read-only entry drops it.  arm64 never caches an entry that gives a
 *    translation or access-flag fault, but may keep one that gave a
 *    permission fault; Linux flushes it in __ptep_set_access_flags() - the
 *    fault handler's job, not the MMU's.
 *
 *  - mmu_check() checks in the architecture's priority (arm64: translation,
 *    at every level, then access flag, then permission).
 *
 *  - A write through a cached x86 entry with D clear, or through a cached
 *    arm64 entry with AP[2] set and DBM set (hw_dbm) - mmu_check() answers
 *    PTSIM_MMU_V_UPDATE - re-walks the tables to make the update, as the
 *    hardware's locked update does: the TLB lookup counted a hit, the walk
 *    then counts its fill as a miss of that page size, and res->tlb_hit is
 *    false.
 */
#include <errno.h>
#include <string.h>

#include "tlb/mmu.h"

#define PTSIM_MMU_ACCESS_ALL (PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE | PTSIM_ACCESS_EXEC)

/* Drop the entries of set-associative cache @k tagged (@asid or global, @vpn). */
static void cache_drop_tag(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
			   uint64_t asid, uint64_t vpn, bool any_global)
{
	struct ptsim_tlb_entry *set;

	if (!k->nsets)
		return;
	if (k->wi.head) {
		/* A walk cache (never global): its index holds at most one entry of the tag. */
		set = ptsim__windex_find(k, asid, vpn);
		if (set)
			ptsim__tlb_entry_drop(t, cpu, k, set);
		return;
	}
	set = ptsim__tlb_set_of(k, vpn);
	for (unsigned int w = 0; w < k->ways; w++) {
		struct ptsim_tlb_entry *e = &set[w];

		if (e->stamp && e->vpn == vpn && (e->asid == asid || (any_global && e->global)))
			ptsim__tlb_entry_drop(t, cpu, k, e);
	}
}

/*
 * A page fault on @va: where a fault invalidates (x86: SDM 4.10.4.1), @cpu
 * forgets the TLB entries for the page and the paging-structure-cache
 * entries that would be used for it.  Not a flush: nothing is counted.
 */
static void fault_invalidate(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va)
{
	const struct ptsim_arch *a = t->arch;
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];

	if (!(a->caps & PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB))
		return;
	for (int l = 0; l < PTSIM_NR_LEVELS && c->nr_valid; l++) {
		cache_drop_tag(t, cpu, &c->leaf[l], asid, va >> a->shift[l], true);
		if (l < PTSIM_PTE)
			cache_drop_tag(t, cpu, &c->walk[l], asid, va >> a->shift[l], false);
	}
}

static void set_fault(struct ptsim_mmu_result *res, enum ptsim_mmu_fault_kind kind, int lvl,
		      uint64_t e)
{
	res->fault = kind;
	res->level = lvl;
	res->entry = e;
}

/* Physical address of @va in the leaf of level @lvl whose first frame is @pfn. */
static uint64_t leaf_pa(const struct ptsim_arch *a, int lvl, uint64_t pfn, uint64_t va)
{
	return (pfn << a->page_shift) + (va & ((1ull << a->shift[lvl]) - 1));
}

/*
 * The walk: from the deepest walk-cache hit or the root, down to a leaf or
 * a stopping entry, descending as ptsim__walk_to() does (a folded level
 * shares its parent's slot; an entry is a leaf only at a level that may
 * hold one).
 */
static int walk(struct ptsim_tlbs *t, struct ptsim_pgtables *pt,
		const struct ptsim_mmu_config *mcfg, unsigned int cpu, uint64_t va,
		unsigned int access, bool user, struct ptsim_mmu_result *res)
{
	const struct ptsim_arch *a = t->arch;
	const uint64_t asid = pt->owner_id;
	struct ptsim_mmu_rights r = {0, 0};
	struct ptsim_walk_hit wh;
	uint64_t table_pfn = pt->root_pfn;
	int lvl = PTSIM_PGD;

	if (ptsim__walk_cache_lookup(t, cpu, asid, va, &wh)) {
		/* The cached entry already holds the levels above. */
		a->ops->mmu_table_rights(a, wh.lvl, wh.ent, &r);
		table_pfn = wh.table_pfn;
		lvl = ptsim__child_level(a, wh.lvl);
	}
	for (;;) {
		uint64_t *tbl = ptsim__table_entries(pt->pa, table_pfn);
		struct ptsim_slot s;
		uint64_t e, pfn;
		bool leaf;
		enum ptsim_mmu_verdict v;

		if (!tbl)
			return -EFAULT; /* a (cached) pointer to a freed table */
		s.lvl = lvl;
		s.table_pfn = table_pfn;
		s.idx = ptsim__index(a, lvl, va);
		s.p = &tbl[s.idx];
		s.addr = va;
		e = *s.p;
		res->walk_levels++;
		/* Folded levels below share this slot (ptsim__walk_to()). */
		lvl = ptsim__entry_level(a, lvl);
		s.lvl = lvl;

		if (!a->ops->mmu_valid(a, lvl, e)) {
			set_fault(res, PTSIM_MMU_NOT_PRESENT, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}
		leaf = a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e);
		if (!leaf && lvl < PTSIM_PTE && a->ops->table(a, lvl, e)) {
			uint64_t used = a->ops->mmu_table_accessed(a, lvl, e);

			if (used != e) {
				e = used;
				ptsim__set_entry_hw(pt, &s, e);
			}
			a->ops->mmu_table_rights(a, lvl, e, &r);
			table_pfn = a->ops->pfn(a, lvl, e);
			ptsim__walk_cache_fill(t, cpu, asid, lvl, va,
					       a->ops->mmu_fold_table(a, lvl, &r, e), table_pfn);
			lvl = ptsim__child_level(a, lvl);
			continue;
		}
		/*
		 * A valid descriptor the hardware can not use here - a block
		 * at a level without blocks, an arm64 level-3 descriptor of
		 * type 0b01 - is a translation fault.
		 */
		if (!leaf || !a->ops->mmu_leaf_usable(a, lvl, e)) {
			set_fault(res, PTSIM_MMU_NOT_PRESENT, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}

		v = a->ops->mmu_check(a, lvl, a->ops->mmu_fold_leaf(a, lvl, &r, e), access, user,
				      mcfg);
		if (v == PTSIM_MMU_V_AF) {
			set_fault(res, PTSIM_MMU_ACCESS_FLAG, lvl, e);
			return 0;
		}
		if (v == PTSIM_MMU_V_PERM) {
			set_fault(res, PTSIM_MMU_PERM, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}
		if (v == PTSIM_MMU_V_UPDATE) {
			/* Same output address and size: no break-before-make needed. */
			e = a->ops->mmu_update(a, lvl, e, access);
			ptsim__set_entry_hw(pt, &s, e);
		}
		pfn = a->ops->pfn(a, lvl, e);
		ptsim__tlb_fill(t, cpu, asid, lvl, va, a->ops->mmu_fold_leaf(a, lvl, &r, e), pfn,
				a->ops->mmu_global(a, lvl, e));
		res->level = lvl;
		res->entry = e;
		res->pa = leaf_pa(a, lvl, pfn, va);
		return 0;
	}
}

int ptsim__mmu_access(struct ptsim_tlbs *t, struct ptsim_pgtables *pt,
		      const struct ptsim_mmu_config *mcfg, unsigned int cpu, uint64_t va,
		      unsigned int access, bool user, struct ptsim_mmu_result *res)
{
	const struct ptsim_arch *a = t->arch;
	const uint64_t asid = pt->owner_id;
	struct ptsim_tlb_entry *e;
	int lvl;

	/* Every field, without a memset of the whole struct (this is the TLB-hit path). */
	res->fault = PTSIM_MMU_OK;
	res->level = 0;
	res->entry = 0;
	res->pa = 0;
	res->tlb_hit = false;
	res->walk_levels = 0;
	if (cpu >= t->ncpus || !access || (access & ~PTSIM_MMU_ACCESS_ALL))
		return -EINVAL;
	if (ptsim__va_range(a, va) < 0) { /* ptsim__va_valid(), inline */
		/* x86 #GP, arm64 a level-0 translation fault: nothing read, nothing dropped. */
		res->fault = PTSIM_MMU_NONCANONICAL;
		return 0;
	}
	/* ptsim__tlb_lookup(), inline: the CPU is checked above. */
	e = ptsim__tlb_lookup_entry(t, &t->cpus[cpu], asid, va, &lvl);
	if (e) {
		/* For ptsim__mmu_access_hit(): @va is valid, checked above. */
		ptsim__tlb_memo_record(t, &t->cpus[cpu], asid, va, e, lvl);
		switch (a->ops->mmu_check(a, lvl, e->ent, access, user, mcfg)) {
		case PTSIM_MMU_V_OK:
			res->tlb_hit = true;
			res->level = lvl;
			res->entry = e->ent;
			res->pa = leaf_pa(a, lvl, e->pfn, va);
			return 0;
		case PTSIM_MMU_V_PERM:
			res->tlb_hit = true;
			set_fault(res, PTSIM_MMU_PERM, lvl, e->ent);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		case PTSIM_MMU_V_AF: /* never cached by this walk; a hand-filled entry */
			res->tlb_hit = true;
			set_fault(res, PTSIM_MMU_ACCESS_FLAG, lvl, e->ent);
			return 0;
		case PTSIM_MMU_V_UPDATE:
			break; /* the locked update: walk the tables */
		}
	}
	return walk(t, pt, mcfg, cpu, va, access, user, res);
}
