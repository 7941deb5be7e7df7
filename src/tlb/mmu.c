// SPDX-License-Identifier: MIT
/*
 * mmu.c - the emulated MMU (src/tlb/mmu.h): one access as the hardware
 * performs it - TLB lookup, the table walk resumed from the walk caches,
 * permission checks, hardware accessed/dirty updates and cache fills.
 *
 * This file reads entries as the hardware does, not as Linux does, so it
 * names the architectural bits it looks at (below) instead of asking the
 * arch ops for Linux's view: a PROT_NONE or pmd_mkinvalid() entry is
 * "present" to Linux but invalid to the MMU, and the MMU's dirty update
 * (x86 D, arm64 clearing AP[2]) is not pte_mkdirty(), which also sets
 * software bits.  The arch ops still decide the things the walk shares with
 * ptsim__walk_to(): which levels are folded, leaf or table, and the PFN.
 *
 * Choices, with the manual behind each:
 *
 *  - Cached entries hold effective rights.  An x86 TLB entry holds the AND
 *    of R/W and U/S and the OR of XD over every level used, and a
 *    paging-structure-cache entry the same over the levels down to it (SDM
 *    vol. 3 4.10.2.2, 4.10.3.1).  arm64 applies PXNTable/UXNTable of every
 *    table descriptor to the levels below (hierarchical attributes).  So the
 *    walk-cache entry of a table holds its entry with the restrictions of the
 *    levels above folded in (x86: R/W, U/S cleared, XD set; arm64:
 *    PXNTable/UXNTable set), and the TLB entry holds the leaf with all of
 *    them folded in (arm64: as PXN/UXN).  A TLB hit or a walk resumed from a
 *    walk-cache entry then checks exactly what a full walk would.  For the
 *    tables Linux builds (x86 user tables 0x067, arm64 user tables with
 *    PXNTable over PXN leaves) the folded copy equals the entry in memory.
 *    APTable is not modelled (Linux never sets it).
 *
 *  - x86 sets A in each paging-structure entry the walk reads from memory,
 *    as it uses it (so also when the walk later faults; SDM 4.8), and A -
 *    plus D for a write - in the leaf only for an access that succeeds.
 *    Entries taken from a walk-cache entry are not re-read, so not re-marked.
 *
 *  - x86 page faults invalidate the faulting address's TLB entries and the
 *    paging-structure-cache entries that would be used for it, on the
 *    faulting CPU (SDM 4.10.4.1).  That is why x86 Linux needs no flush
 *    after a permission upgrade (flush_tlb_fix_spurious_fault() is empty):
 *    the fault on the stale read-only entry drops it.  arm64 never caches an
 *    entry that gives a translation or access-flag fault, but may keep one
 *    that gave a permission fault; Linux flushes it in
 *    __ptep_set_access_flags() - the fault handler's job, not the MMU's.
 *
 *  - arm64 checks in the architecture's priority: translation (Valid, at
 *    every level), then access flag, then permission.  EL0 data access needs
 *    AP[1] (PTE_USER); execution is governed by UXN at EL0 (so an
 *    execute-only page, AP[1] clear, runs at EL0) and PXN at EL1.  PAN, the
 *    "EL0-writable is PXN at EL1" rule, x86 SMEP/SMAP and protection keys
 *    are not modelled.
 *
 *  - A write through a cached x86 entry with D clear, or through a cached
 *    arm64 entry with AP[2] set and DBM set (hw_dbm), re-walks the tables to
 *    make the update, as the hardware's locked update does: the TLB lookup
 *    counted a hit, the walk then counts its fill as a miss of that page
 *    size, and res->tlb_hit is false.
 */
#include <errno.h>
#include <string.h>

#include "tlb/mmu.h"

/* x86-64 paging-structure entry bits (SDM vol. 3A 4.5, 4-/5-level paging; encodings.md 2.1). */
#define PTSIM_MMU_X86_P	 (1ull << 0)  /* present */
#define PTSIM_MMU_X86_RW (1ull << 1)  /* read/write */
#define PTSIM_MMU_X86_US (1ull << 2)  /* user/supervisor */
#define PTSIM_MMU_X86_A	 (1ull << 5)  /* accessed */
#define PTSIM_MMU_X86_D	 (1ull << 6)  /* dirty (leaves) */
#define PTSIM_MMU_X86_G	 (1ull << 8)  /* global (leaves, CR4.PGE) */
#define PTSIM_MMU_X86_XD (1ull << 63) /* execute-disable (EFER.NXE) */

/* arm64 VMSAv8-64 stage-1 descriptor bits (ARM ARM descriptor formats; encodings.md 2.2). */
#define PTSIM_MMU_ARM64_VALID	 (1ull << 0)  /* descriptor valid */
#define PTSIM_MMU_ARM64_TYPE	 (1ull << 1)  /* table (levels 0-2) / page (level 3) */
#define PTSIM_MMU_ARM64_AP1	 (1ull << 6)  /* AP[1]: EL0 access (Linux PTE_USER) */
#define PTSIM_MMU_ARM64_AP2	 (1ull << 7)  /* AP[2]: read-only (Linux PTE_RDONLY) */
#define PTSIM_MMU_ARM64_AF	 (1ull << 10) /* access flag */
#define PTSIM_MMU_ARM64_NG	 (1ull << 11) /* not global */
#define PTSIM_MMU_ARM64_DBM	 (1ull << 51) /* dirty bit modifier (Linux PTE_WRITE) */
#define PTSIM_MMU_ARM64_PXN	 (1ull << 53) /* privileged execute-never */
#define PTSIM_MMU_ARM64_UXN	 (1ull << 54) /* unprivileged execute-never */
#define PTSIM_MMU_ARM64_PXNTABLE (1ull << 59) /* table descriptors: PXN below */
#define PTSIM_MMU_ARM64_UXNTABLE (1ull << 60) /* table descriptors: UXN below */
#define PTSIM_MMU_ARM64_XNTABLES (PTSIM_MMU_ARM64_PXNTABLE | PTSIM_MMU_ARM64_UXNTABLE)
#define PTSIM_MMU_ACCESS_ALL	 (PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE | PTSIM_ACCESS_EXEC)

static bool is_x86(const struct ptsim_arch *a)
{
	return a->kind == PTSIM_ARCH_X86_64;
}

/*
 * Restrictions gathered from the table entries above the current level:
 * x86 bits to clear (R/W, U/S) and to set (XD); arm64 XNTable bits to set.
 */
struct rights {
	uint64_t clr, set;
};

static void rights_add_table(const struct ptsim_arch *a, struct rights *r, uint64_t e)
{
	if (is_x86(a)) {
		r->clr |= ~e & (PTSIM_MMU_X86_RW | PTSIM_MMU_X86_US);
		r->set |= e & PTSIM_MMU_X86_XD;
	} else {
		r->set |= e & PTSIM_MMU_ARM64_XNTABLES;
	}
}

/* A table entry as a walk-cache entry holds it: the levels above folded in. */
static uint64_t rights_fold_table(const struct rights *r, uint64_t e)
{
	return (e & ~r->clr) | r->set;
}

/* A leaf as a TLB entry holds it: every table level's restrictions folded in. */
static uint64_t rights_fold_leaf(const struct ptsim_arch *a, const struct rights *r, uint64_t e)
{
	if (is_x86(a))
		return (e & ~r->clr) | r->set;
	if (r->set & PTSIM_MMU_ARM64_PXNTABLE)
		e |= PTSIM_MMU_ARM64_PXN;
	if (r->set & PTSIM_MMU_ARM64_UXNTABLE)
		e |= PTSIM_MMU_ARM64_UXN;
	return e;
}

/* Descriptor valid bit: x86 P, arm64 Valid (both bit 0). */
static bool hw_valid(const struct ptsim_arch *a, uint64_t e)
{
	return e & (is_x86(a) ? PTSIM_MMU_X86_P : PTSIM_MMU_ARM64_VALID);
}

static bool hw_global(const struct ptsim_arch *a, uint64_t e)
{
	return is_x86(a) ? (e & PTSIM_MMU_X86_G) : !(e & PTSIM_MMU_ARM64_NG);
}

enum verdict {
	V_OK,	  /* the access may proceed with the entry as it is */
	V_UPDATE, /* it may proceed once the hardware updates A/D (AF, AP[2]) */
	V_PERM,	  /* permission fault */
	V_AF,	  /* arm64 access-flag fault */
};

/* @e: a leaf with the table levels' restrictions folded in. */
static enum verdict x86_check(uint64_t e, unsigned int access, bool user)
{
	if (user && !(e & PTSIM_MMU_X86_US))
		return V_PERM;
	/* CR0.WP=1: supervisor writes honour R/W too. */
	if ((access & PTSIM_ACCESS_WRITE) && !(e & PTSIM_MMU_X86_RW))
		return V_PERM;
	if ((access & PTSIM_ACCESS_EXEC) && (e & PTSIM_MMU_X86_XD))
		return V_PERM;
	if (!(e & PTSIM_MMU_X86_A) || ((access & PTSIM_ACCESS_WRITE) && !(e & PTSIM_MMU_X86_D)))
		return V_UPDATE;
	return V_OK;
}

static enum verdict arm64_check(const struct ptsim_mmu_config *mcfg, uint64_t e,
				unsigned int access, bool user)
{
	bool update = false;

	/* Access flag before permission (fault priority). */
	if (!(e & PTSIM_MMU_ARM64_AF)) {
		if (!mcfg->hw_af)
			return V_AF;
		update = true;
	}
	if (user && (access & (PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE)) &&
	    !(e & PTSIM_MMU_ARM64_AP1))
		return V_PERM;
	if ((access & PTSIM_ACCESS_EXEC) &&
	    (e & (user ? PTSIM_MMU_ARM64_UXN : PTSIM_MMU_ARM64_PXN)))
		return V_PERM;
	if ((access & PTSIM_ACCESS_WRITE) && (e & PTSIM_MMU_ARM64_AP2)) {
		if (!mcfg->hw_dbm || !(e & PTSIM_MMU_ARM64_DBM))
			return V_PERM;
		update = true; /* the hardware dirty-state update */
	}
	return update ? V_UPDATE : V_OK;
}

static enum verdict leaf_check(const struct ptsim_arch *a, const struct ptsim_mmu_config *mcfg,
			       uint64_t e, unsigned int access, bool user)
{
	return is_x86(a) ? x86_check(e, access, user) : arm64_check(mcfg, e, access, user);
}

/* The leaf after the hardware's update for an access leaf_check() allowed. */
static uint64_t leaf_update(const struct ptsim_arch *a, uint64_t e, unsigned int access)
{
	if (is_x86(a))
		return e | PTSIM_MMU_X86_A | ((access & PTSIM_ACCESS_WRITE) ? PTSIM_MMU_X86_D : 0);
	e |= PTSIM_MMU_ARM64_AF;
	if (access & PTSIM_ACCESS_WRITE)
		e &= ~PTSIM_MMU_ARM64_AP2; /* only reached with DBM set and hw_dbm */
	return e;
}

static void cache_drop(struct ptsim_tlbs *t, struct ptsim_tlb_cpu *c, struct ptsim_tlb_entry *e)
{
	memset(e, 0, sizeof(*e));
	c->nr_valid--;
	t->nr_valid--;
}

/* Drop the entries of set-associative cache @k tagged (@asid or global, @vpn). */
static void cache_drop_tag(struct ptsim_tlbs *t, struct ptsim_tlb_cpu *c, struct ptsim_tlb_cache *k,
			   uint64_t asid, uint64_t vpn, bool any_global)
{
	struct ptsim_tlb_entry *set;

	if (!k->nsets)
		return;
	set = &k->e[(vpn % k->nsets) * k->ways]; /* set i at e[i * ways] (tlb/internal.h) */
	for (unsigned int w = 0; w < k->ways; w++) {
		struct ptsim_tlb_entry *e = &set[w];

		if (e->stamp && e->vpn == vpn && (e->asid == asid || (any_global && e->global)))
			cache_drop(t, c, e);
	}
}

/*
 * An x86 page fault on @va: @cpu forgets the TLB entries for the page and
 * the paging-structure-cache entries that would be used for it (SDM
 * 4.10.4.1).  Not a flush: nothing is counted.  arm64: nothing to do.
 */
static void fault_invalidate(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va)
{
	const struct ptsim_arch *a = t->arch;
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];

	if (!is_x86(a))
		return;
	for (int l = 0; l < PTSIM_NR_LEVELS && c->nr_valid; l++) {
		cache_drop_tag(t, c, &c->leaf[l], asid, va >> a->shift[l], true);
		if (l < PTSIM_PTE)
			cache_drop_tag(t, c, &c->walk[l], asid, va >> a->shift[l], false);
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
	struct rights r = {0, 0};
	struct ptsim_walk_hit wh;
	uint64_t table_pfn = pt->root_pfn;
	int lvl = PTSIM_PGD;

	if (ptsim__walk_cache_lookup(t, cpu, asid, va, &wh)) {
		rights_add_table(a, &r, wh.ent); /* already holds the levels above */
		table_pfn = wh.table_pfn;
		lvl = ptsim__child_level(a, wh.lvl);
	}
	for (;;) {
		uint64_t *tbl = ptsim__table_entries(pt->pa, table_pfn);
		struct ptsim_slot s;
		uint64_t e, pfn;
		bool leaf;
		enum verdict v;

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

		if (!hw_valid(a, e)) {
			set_fault(res, PTSIM_MMU_NOT_PRESENT, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}
		leaf = a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e);
		if (!leaf && lvl < PTSIM_PTE && a->ops->table(a, lvl, e)) {
			if (is_x86(a) && !(e & PTSIM_MMU_X86_A)) {
				e |= PTSIM_MMU_X86_A;
				ptsim__set_entry_hw(pt, &s, e);
			}
			rights_add_table(a, &r, e);
			table_pfn = a->ops->pfn(a, lvl, e);
			ptsim__walk_cache_fill(t, cpu, asid, lvl, va, rights_fold_table(&r, e),
					       table_pfn);
			lvl = ptsim__child_level(a, lvl);
			continue;
		}
		/*
		 * A valid descriptor the hardware can not use here - a block
		 * at a level without blocks, an arm64 level-3 descriptor of
		 * type 0b01 - is a translation fault.
		 */
		if (!leaf || (!is_x86(a) && lvl == PTSIM_PTE && !(e & PTSIM_MMU_ARM64_TYPE))) {
			set_fault(res, PTSIM_MMU_NOT_PRESENT, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}

		v = leaf_check(a, mcfg, rights_fold_leaf(a, &r, e), access, user);
		if (v == V_AF) {
			set_fault(res, PTSIM_MMU_ACCESS_FLAG, lvl, e);
			return 0;
		}
		if (v == V_PERM) {
			set_fault(res, PTSIM_MMU_PERM, lvl, e);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		}
		if (v == V_UPDATE) {
			/* Same output address and size: no break-before-make needed. */
			e = leaf_update(a, e, access);
			ptsim__set_entry_hw(pt, &s, e);
		}
		pfn = a->ops->pfn(a, lvl, e);
		ptsim__tlb_fill(t, cpu, asid, lvl, va, rights_fold_leaf(a, &r, e), pfn,
				hw_global(a, e));
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
	struct ptsim_tlb_hit hit;

	memset(res, 0, sizeof(*res));
	if (cpu >= t->ncpus || !access || (access & ~PTSIM_MMU_ACCESS_ALL))
		return -EINVAL;
	if (!ptsim__va_valid(a, va)) {
		/* x86 #GP, arm64 a level-0 translation fault: nothing read, nothing dropped. */
		res->fault = PTSIM_MMU_NONCANONICAL;
		return 0;
	}
	if (ptsim__tlb_lookup(t, cpu, asid, va, &hit)) {
		switch (leaf_check(a, mcfg, hit.ent, access, user)) {
		case V_OK:
			res->tlb_hit = true;
			res->level = hit.lvl;
			res->entry = hit.ent;
			res->pa = leaf_pa(a, hit.lvl, hit.pfn, va);
			return 0;
		case V_PERM:
			res->tlb_hit = true;
			set_fault(res, PTSIM_MMU_PERM, hit.lvl, hit.ent);
			fault_invalidate(t, cpu, asid, va);
			return 0;
		case V_AF: /* never cached by this walk; a hand-filled entry */
			res->tlb_hit = true;
			set_fault(res, PTSIM_MMU_ACCESS_FLAG, hit.lvl, hit.ent);
			return 0;
		case V_UPDATE:
			break; /* the locked update: walk the tables */
		}
	}
	return walk(t, pt, mcfg, cpu, va, access, user, res);
}
