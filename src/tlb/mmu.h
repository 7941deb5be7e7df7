/* SPDX-License-Identifier: MIT */
/*
 * src/tlb/mmu.h - the emulated MMU: one memory access as the hardware does it.
 *
 * ptsim__mmu_access() looks the address up in the CPU's TLB, on a miss walks
 * the tables (resuming from the deepest walk-cache hit), fills the caches on
 * the way down, checks permissions, updates accessed/dirty bits the way the
 * hardware does, and either returns the physical address or describes the
 * fault the hardware would raise.  It never calls the fault handler: the mm
 * layer's ptsim_access() does that and retries.
 *
 * Hardware A/D (written through ptsim__set_entry, so the discipline checker
 * sees them):
 *  - x86: the walk sets A in every paging-structure entry it uses and in the
 *    leaf; a write sets D in the leaf.  A write through a TLB entry whose
 *    cached copy has D clear re-walks to set D (the locked update).
 *  - arm64 with hw_af: AF=0 in the leaf is set by the walk; without hw_af it
 *    is an access-flag fault.  With hw_dbm: a write to a leaf with RDONLY
 *    and DBM (PTE_WRITE) clears RDONLY; otherwise a permission fault.
 *
 * Stale translations are honoured: a TLB hit is used as cached, whatever the
 * tables now say - that is what makes a missing flush observable.  An x86
 * page fault drops the faulting address's TLB and walk-cache entries on
 * that CPU (SDM 4.10.4.1), so a stale read-only entry faults once; arm64
 * keeps an entry that gave a permission fault until it is flushed.
 */
#ifndef PTSIM_SRC_TLB_MMU_H
#define PTSIM_SRC_TLB_MMU_H

#include "tlb/internal.h"

/* Access kinds (a bitmask so callers can ask "read|exec" for instruction fetch). */
#define PTSIM_ACCESS_READ  0x1u
#define PTSIM_ACCESS_WRITE 0x2u
#define PTSIM_ACCESS_EXEC  0x4u

enum ptsim_mmu_fault_kind {
	PTSIM_MMU_OK = 0,
	PTSIM_MMU_NOT_PRESENT, /* translation fault: none/swap/PROT_NONE/invalid entry */
	PTSIM_MMU_PERM, /* permission fault: write to read-only, exec of NX, user to kernel */
	PTSIM_MMU_ACCESS_FLAG,	/* arm64 without hw_af: AF == 0 */
	PTSIM_MMU_NONCANONICAL, /* address outside the translated range */
};

struct ptsim_mmu_result {
	enum ptsim_mmu_fault_kind fault;
	int level;		  /* level of the entry that decided (leaf or stopping entry) */
	uint64_t entry;		  /* that entry's value as the walk read it */
	uint64_t pa;		  /* physical address on success */
	bool tlb_hit;		  /* served from the TLB */
	unsigned int walk_levels; /* table entries read from memory by this access */
};

/**
 * ptsim__mmu_access() - perform one access on @cpu in the address space @pt.
 * @t: the machine's TLBs.  @pt: the address space's tables (asid = pt->owner_id).
 * @mcfg: hardware feature switches (src/arch/internal.h).  @cpu: the CPU.  @va: the address.
 * @access: PTSIM_ACCESS_* bits.  @user: a user-mode (EL0 / CPL3) access.
 * @res: receives the outcome.
 *
 * The caller must have activated the address space on @cpu
 * (ptsim__tlb_mm_activate()): the entries this fills are flushed only on
 * CPUs of the address space's cpumask.
 *
 * Return: 0 (see res->fault for whether the access faulted), -EINVAL for a
 * bad CPU number or an @access with no or unknown bits, -EFAULT if the walk
 * reaches a frame that is not a table (a walk-cache entry kept after its
 * table was freed - a FREE_LIVE_WALK violation already recorded).
 */
int ptsim__mmu_access(struct ptsim_tlbs *t, struct ptsim_pgtables *pt,
		      const struct ptsim_mmu_config *mcfg, unsigned int cpu, uint64_t va,
		      unsigned int access, bool user, struct ptsim_mmu_result *res);

/**
 * ptsim__mmu_access_hit() - the TLB-hit path of a user-mode access.
 * @t: the machine's TLBs.  @pt: the address space's tables.  @cpu: a CPU of
 * @t and @access valid PTSIM_ACCESS_* bits (both unchecked: the caller
 * refuses the others).  @va: the address.  @pa: receives the physical
 * address.
 *
 * What ptsim__mmu_access(..., user = true, ...) does when the lookup hits
 * and mmu_check() answers PTSIM_MMU_V_OK - the entry's stamp, the hit
 * counted, the physical address - and nothing else.  Any other case (a
 * non-canonical address, a miss, a hit that faults or needs the hardware's
 * update) returns false having changed nothing, and the caller makes the
 * whole access with ptsim__mmu_access(), which sees the same TLB and reaches
 * the same outcome.  The lookup is the CPU's memo (struct ptsim_tlb_memo),
 * which gives what ptsim__tlb_find_entry() would; a slot that does not hold
 * is a return of false, and the full access records it when its lookup
 * hits.  No call: the path saves few registers.  The permission check is
 * the arch's mmu_ok_mask() (struct ptsim_tlbs' ok_set / ok_clr), equivalent
 * to mmu_check()'s V_OK, applied to every access kind when the slot was
 * recorded (struct ptsim_tlb_memo's ok bits).
 *
 * Return: true when the access was served from the TLB.
 */
static inline bool ptsim__mmu_access_hit(struct ptsim_tlbs *t, const struct ptsim_pgtables *pt,
					 unsigned int cpu, uint64_t va, unsigned int access,
					 uint64_t *pa)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];
	const uint64_t vpn = va >> t->arch->page_shift;
	const struct ptsim_tlb_memo *m;

	m = &c->memo[vpn % PTSIM_TLB_MEMO_SLOTS]; /* no storage: the machine's no_memo */
	/* A slot holds for the whole page, whose addresses are all valid (ranges are page-aligned).
	 */
	if (m->gen != c->gen || m->vpn != vpn || m->asid != pt->owner_id)
		return false;
	if (!(m->ok >> access & 1))
		return false;
	ptsim__tlb_hit(c, m->e, m->lvl);
	*pa = m->pa_base + (va & m->off_mask);
	return true;
}

#endif /* PTSIM_SRC_TLB_MMU_H */
