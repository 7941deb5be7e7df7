// SPDX-License-Identifier: MIT
/*
 * x86_64.c - x86-64 entry encodings (4-level and 5-level paging share them).
 *
 * Reads side by side with arch/x86/include/asm/pgtable{,_types,_64,-invert}.h
 * and arch/x86/mm/dump_pagetables.c, and the Intel SDM volume 3 chapter 4.
 * Every helper is level-generic: the bit layout is the same at
 * every level, and the level only decides
 *  - what bit 7 means (PAT on a PTE, PSE on PMD/PUD),
 *  - where the PFN field of a huge leaf starts (51:21 at PMD, 51:30 at PUD),
 *  - what "present" and "none" mean (pmd_present also accepts PSE; pgd_none
 *    needs the whole word to be 0).
 *
 * L1TF: a non-zero entry with P clear (PROT_NONE, an invalidated PMD) keeps
 * its PFN field bit-inverted so that a speculative walk points at memory
 * that does not exist.  Constructors invert, x86_pte_pfn() un-inverts and
 * x86_pte_modify() flips the field when an entry crosses the boundary.
 *
 * Shadow-stack rule (since v6.6): Write=0,Dirty=1 means "shadow stack" to the
 * CPU, so every helper that could create it moves D to the software bit
 * SAVED_DIRTY instead, and setting RW moves it back.
 */
#include "arch/internal.h"
#include "ptsim/mm.h"

/* Hardware and software bits (pgtable_types.h names, Intel SDM vol. 3 §4.5). */
#define PTSIM_X86_PAGE_PRESENT	   (1ull << 0)	/* P */
#define PTSIM_X86_PAGE_RW	   (1ull << 1)	/* R/W */
#define PTSIM_X86_PAGE_USER	   (1ull << 2)	/* U/S */
#define PTSIM_X86_PAGE_PWT	   (1ull << 3)	/* page write-through (PAT idx 0) */
#define PTSIM_X86_PAGE_PCD	   (1ull << 4)	/* page cache disable (PAT idx 1) */
#define PTSIM_X86_PAGE_ACCESSED	   (1ull << 5)	/* A */
#define PTSIM_X86_PAGE_DIRTY	   (1ull << 6)	/* D */
#define PTSIM_X86_PAGE_PSE	   (1ull << 7)	/* PS on PMD/PUD: huge leaf */
#define PTSIM_X86_PAGE_PAT	   (1ull << 7)	/* PAT idx 2 on a 4K PTE */
#define PTSIM_X86_PAGE_GLOBAL	   (1ull << 8)	/* G (P=1 only) */
#define PTSIM_X86_PAGE_PROTNONE	   (1ull << 8)	/* PROT_NONE marker (P=0 only) */
#define PTSIM_X86_PAGE_SPECIAL	   (1ull << 9)	/* SW1: pte_special */
#define PTSIM_X86_PAGE_UFFD_WP	   (1ull << 10) /* SW2: userfaultfd write-protect */
#define PTSIM_X86_PAGE_SOFT_DIRTY  (1ull << 11) /* SW3: soft-dirty */
#define PTSIM_X86_PAGE_PAT_LARGE   (1ull << 12) /* PAT idx 2 on 2M/1G leaves */
#define PTSIM_X86_PAGE_SAVED_DIRTY (1ull << 58) /* SW5: D of a Write=0 entry */
#define PTSIM_X86_PAGE_NX	   (1ull << 63) /* XD */

/* Swap-form flag bits (P = 0, not PROT_NONE). */
#define PTSIM_X86_PAGE_SWP_SOFT_DIRTY (1ull << 1)
#define PTSIM_X86_PAGE_SWP_UFFD_WP    (1ull << 2)
#define PTSIM_X86_PAGE_SWP_EXCLUSIVE  (1ull << 3)

/* A and D may be set spuriously in non-present entries (KNL erratum). */
#define PTSIM_X86_PAGE_KNL_ERRATUM_MASK (PTSIM_X86_PAGE_DIRTY | PTSIM_X86_PAGE_ACCESSED)
#define PTSIM_X86_PAGE_DIRTY_BITS	(PTSIM_X86_PAGE_DIRTY | PTSIM_X86_PAGE_SAVED_DIRTY)

/* __PHYSICAL_MASK_SHIFT is 52 on x86-64 whatever MAX_PHYSMEM_BITS is. */
#define PTSIM_X86_PAGE_SHIFT		 12
#define PTSIM_X86_PTE_PFN_MASK		 0x000ffffffffff000ull /* 51:12 */
#define PTSIM_X86_PHYSICAL_PMD_PAGE_MASK 0x000fffffffe00000ull /* 51:21 */
#define PTSIM_X86_PHYSICAL_PUD_PAGE_MASK 0x000fffffc0000000ull /* 51:30 */
/* pte_flags(): what is left when the PFN field is taken out. */
#define PTSIM_X86_PTE_FLAGS_MASK (~PTSIM_X86_PTE_PFN_MASK)

/* Bits pte_modify() keeps (_PAGE_CHG_MASK; _PAGE_DEVMAP, _PAGE_CC are 0 here). */
#define PTSIM_X86_COMMON_PAGE_CHG_MASK                                                             \
	(PTSIM_X86_PTE_PFN_MASK | PTSIM_X86_PAGE_PCD | PTSIM_X86_PAGE_PWT |                        \
	 PTSIM_X86_PAGE_SPECIAL | PTSIM_X86_PAGE_ACCESSED | PTSIM_X86_PAGE_DIRTY_BITS |            \
	 PTSIM_X86_PAGE_SOFT_DIRTY | PTSIM_X86_PAGE_UFFD_WP)
#define PTSIM_X86_PAGE_CHG_MASK (PTSIM_X86_COMMON_PAGE_CHG_MASK | PTSIM_X86_PAGE_PAT)
#define PTSIM_X86_HPAGE_CHG_MASK                                                                   \
	(PTSIM_X86_COMMON_PAGE_CHG_MASK | PTSIM_X86_PAGE_PSE | PTSIM_X86_PAGE_PAT_LARGE)

/* Swap PTE layout (pgtable_64.h): type 63:59, inverted offset 58:9. */
#define PTSIM_X86_SWP_TYPE_BITS	   5
#define PTSIM_X86_SWP_TYPE_SHIFT   59
#define PTSIM_X86_SWP_OFFSET_SHIFT 9
#define PTSIM_X86_SWP_OFFSET_BITS  50
#define PTSIM_X86_SWP_OFFSET_MASK  ((1ull << PTSIM_X86_SWP_OFFSET_BITS) - 1)
#define PTSIM_X86_SWP_TYPE_MASK	   ((1u << PTSIM_X86_SWP_TYPE_BITS) - 1)

/* Page tables (_PAGE_TABLE, _KERNPG_TABLE). */
#define PTSIM_X86_PAGE_TABLE                                                                       \
	(PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_RW | PTSIM_X86_PAGE_USER |                        \
	 PTSIM_X86_PAGE_ACCESSED | PTSIM_X86_PAGE_DIRTY)
#define PTSIM_X86_KERNPG_TABLE                                                                     \
	(PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_RW | PTSIM_X86_PAGE_ACCESSED |                    \
	 PTSIM_X86_PAGE_DIRTY)

/* Protection templates (pgtable_types.h: PAGE_NONE, PAGE_SHARED, PAGE_KERNEL...). */
#define PTSIM_X86_PAGE_NONE (PTSIM_X86_PAGE_PROTNONE | PTSIM_X86_PAGE_ACCESSED)
#define PTSIM_X86_USER_BASE (PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_USER | PTSIM_X86_PAGE_ACCESSED)
#define PTSIM_X86_KERNEL_BASE                                                                      \
	(PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_ACCESSED | PTSIM_X86_PAGE_DIRTY |                 \
	 PTSIM_X86_PAGE_GLOBAL)

/*
 * ptdump keys.  The kernel splits a line when the entry's bits 11:0 or
 * 63:52 change or when the effective USER/RW/NX of the whole table chain
 * changes.  Bits 51:12 of an entry are never part of the key, so the
 * effective protection of a leaf is packed into bits 12..14 of its key.
 * A hole's key is 0 (the kernel's prot 0, eff 0).
 */
#define PTSIM_X86_PTDUMP_FLAGS_MASK (0xfffull | 0xfff0000000000000ull)
#define PTSIM_X86_PTDUMP_EFF_USER   (1ull << 12)
#define PTSIM_X86_PTDUMP_EFF_RW	    (1ull << 13)
#define PTSIM_X86_PTDUMP_EFF_NX	    (1ull << 14)
/*
 * Table keys (handed down the chain) record restrictions so that 0, the
 * key given for the top level, means "unrestricted": "not user" in the US
 * position, "not writable" in the RW position, NX in the NX position.
 */
#define PTSIM_X86_PTDUMP_NOT_USER PTSIM_X86_PAGE_USER
#define PTSIM_X86_PTDUMP_NOT_RW	  PTSIM_X86_PAGE_RW
#define PTSIM_X86_PTDUMP_NX	  PTSIM_X86_PAGE_NX

static bool is_huge_level(int lvl)
{
	return lvl == PTSIM_PMD || lvl == PTSIM_PUD;
}

/* PSE is a leaf marker only at PMD/PUD; at PTE bit 7 is PAT. */
static bool x86_huge(int lvl, uint64_t e)
{
	return is_huge_level(lvl) && (e & PTSIM_X86_PAGE_PSE);
}

/* Mask of the PFN field of a huge leaf (pfn_pmd/pfn_pud truncate to it). */
static uint64_t huge_page_mask(int lvl)
{
	return lvl == PTSIM_PUD ? PTSIM_X86_PHYSICAL_PUD_PAGE_MASK
				: PTSIM_X86_PHYSICAL_PMD_PAGE_MASK;
}

/* pmd_pfn_mask()/pud_pfn_mask(): the PFN field of this entry. */
static uint64_t pfn_mask(int lvl, uint64_t e)
{
	return x86_huge(lvl, e) ? huge_page_mask(lvl) : PTSIM_X86_PTE_PFN_MASK;
}

/* __pte_needs_invert(): non-zero with P clear (L1TF). */
static bool pte_needs_invert(uint64_t v)
{
	return v && !(v & PTSIM_X86_PAGE_PRESENT);
}

static uint64_t protnone_mask(uint64_t v)
{
	return pte_needs_invert(v) ? ~0ull : 0;
}

/* flip_protnone_guard(): invert the PFN field when crossing the boundary. */
static uint64_t flip_protnone_guard(uint64_t oldval, uint64_t val, uint64_t mask)
{
	if (pte_needs_invert(oldval) != pte_needs_invert(val))
		val = (val & ~mask) | (~val & mask);
	return val;
}

/* mksaveddirty_shift(): Write=0 entries keep D in SAVED_DIRTY. */
static uint64_t mksaveddirty_shift(uint64_t v)
{
	if (!(v & PTSIM_X86_PAGE_RW) && (v & PTSIM_X86_PAGE_DIRTY))
		v = (v & ~PTSIM_X86_PAGE_DIRTY) | PTSIM_X86_PAGE_SAVED_DIRTY;
	return v;
}

/* clear_saveddirty_shift(): Write=1 entries keep it in D. */
static uint64_t clear_saveddirty_shift(uint64_t v)
{
	if ((v & PTSIM_X86_PAGE_RW) && (v & PTSIM_X86_PAGE_SAVED_DIRTY))
		v = (v & ~PTSIM_X86_PAGE_SAVED_DIRTY) | PTSIM_X86_PAGE_DIRTY;
	return v;
}

/*
 * _PAGE_SOFT_DIRTY and _PAGE_SWP_SOFT_DIRTY: 0 without CONFIG_MEM_SOFT_DIRTY,
 * so every helper that sets or tests them does nothing then.
 */
static uint64_t soft_dirty_bit(const struct ptsim_arch *a)
{
	return (a->caps & PTSIM_ARCH_CAP_SOFT_DIRTY) ? PTSIM_X86_PAGE_SOFT_DIRTY : 0;
}

static uint64_t swp_soft_dirty_bit(const struct ptsim_arch *a)
{
	return (a->caps & PTSIM_ARCH_CAP_SOFT_DIRTY) ? PTSIM_X86_PAGE_SWP_SOFT_DIRTY : 0;
}

/* pgprot_4k_2_large(): PAT moves from bit 7 to bit 12. */
static uint64_t pgprot_4k_2_large(uint64_t prot)
{
	uint64_t pat = prot & PTSIM_X86_PAGE_PAT;

	prot &= ~PTSIM_X86_PAGE_PAT;
	return pat ? prot | PTSIM_X86_PAGE_PAT_LARGE : prot;
}

/* ---- Constructors ---------------------------------------------------- */

/* The cache-mode bits of the kernel's default PAT table (WB, WC, UC-, UC). */
static uint64_t x86_cachemode2protval(unsigned int mt)
{
	switch (mt) {
	case PTSIM_MT_NORMAL_NC:
		return PTSIM_X86_PAGE_PWT; /* WC: PAT index 1 */
	case PTSIM_MT_DEVICE:
		return PTSIM_X86_PAGE_PCD; /* UC-: PAT index 2 */
	case PTSIM_MT_DEVICE_STRICT:
		return PTSIM_X86_PAGE_PCD | PTSIM_X86_PAGE_PWT; /* UC: PAT index 3 */
	default:
		return 0; /* WB (NORMAL, NORMAL_TAGGED) */
	}
}

/*
 * protection_map[] for shared mappings and the PAGE_KERNEL* family.
 * Write-only is read-write (x86 cannot express it); exec drops NX.
 */
static uint64_t x86_pgprot(const struct ptsim_arch *a, unsigned int prot, unsigned int flags)
{
	unsigned int mt = (flags & PTSIM_PGPROT_MT_MASK) >> PTSIM_PGPROT_MT_SHIFT;
	bool kernel = flags & PTSIM_PGPROT_KERNEL;
	uint64_t v;

	(void)a;
	if (!(prot & (PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC))) {
		if (kernel)
			return 0;
		v = PTSIM_X86_PAGE_NONE;
	} else {
		v = kernel ? PTSIM_X86_KERNEL_BASE : PTSIM_X86_USER_BASE;
		if (prot & PTSIM_PROT_WRITE)
			v |= PTSIM_X86_PAGE_RW;
		if (!(prot & PTSIM_PROT_EXEC))
			v |= PTSIM_X86_PAGE_NX;
	}
	return v | x86_cachemode2protval(mt);
}

/* A pgprot is pte_flags() material: bits 11:0 and 63:52, never the PFN field. */
static uint64_t x86_pgprot_mask(const struct ptsim_arch *a)
{
	(void)a;
	return PTSIM_X86_PTE_FLAGS_MASK;
}

/*
 * pfn_pte()/pfn_pmd()/pfn_pud(): PMD and PUD leaves get PSE and keep PAT
 * in bit 12; a PROT_NONE pgprot stores the PFN inverted.
 */
static uint64_t x86_mk_leaf(const struct ptsim_arch *a, int lvl, uint64_t pfn, uint64_t pgprot)
{
	uint64_t phys = pfn << PTSIM_X86_PAGE_SHIFT;
	uint64_t mask = PTSIM_X86_PTE_PFN_MASK;

	(void)a;
	if (is_huge_level(lvl)) {
		pgprot = pgprot_4k_2_large(pgprot) | PTSIM_X86_PAGE_PSE;
		mask = huge_page_mask(lvl);
	}
	phys ^= protnone_mask(pgprot);
	return (phys & mask) | pgprot;
}

static uint64_t x86_mk_table(const struct ptsim_arch *a, int lvl, uint64_t pfn, bool kernel)
{
	(void)a;
	(void)lvl;
	return ((pfn << PTSIM_X86_PAGE_SHIFT) & PTSIM_X86_PTE_PFN_MASK) |
	       (kernel ? PTSIM_X86_KERNPG_TABLE : PTSIM_X86_PAGE_TABLE);
}

/* __swp_entry() + the flag bits: type 63:59, ~offset 58:9. */
static uint64_t x86_mk_swp(const struct ptsim_arch *a, int lvl, unsigned int type, uint64_t offset,
			   unsigned int flags)
{
	uint64_t e;

	(void)lvl;
	e = (uint64_t)(type & PTSIM_X86_SWP_TYPE_MASK) << PTSIM_X86_SWP_TYPE_SHIFT;
	e |= (~offset & PTSIM_X86_SWP_OFFSET_MASK) << PTSIM_X86_SWP_OFFSET_SHIFT;
	if (flags & PTSIM_SWP_SOFT_DIRTY)
		e |= swp_soft_dirty_bit(a);
	if (flags & PTSIM_SWP_UFFD_WP)
		e |= PTSIM_X86_PAGE_SWP_UFFD_WP;
	if (flags & PTSIM_SWP_EXCLUSIVE)
		e |= PTSIM_X86_PAGE_SWP_EXCLUSIVE;
	return e;
}

/* ---- Predicates ------------------------------------------------------ */

/* pte_none()..p4d_none() ignore A/D; pgd_none() (5-level) needs 0. */
static bool x86_pte_none(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	if (lvl == PTSIM_PGD)
		return e == 0;
	return !(e & ~PTSIM_X86_PAGE_KNL_ERRATUM_MASK);
}

static bool x86_pte_present(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	switch (lvl) {
	case PTSIM_PTE:
		return e & (PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_PROTNONE);
	case PTSIM_PMD:
		/* PSE stays set while pmdp_invalidate() clears P. */
		return e & (PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_PROTNONE | PTSIM_X86_PAGE_PSE);
	default:
		return e & PTSIM_X86_PAGE_PRESENT;
	}
}

static bool x86_pte_leaf(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (!x86_pte_present(a, lvl, e))
		return false;
	return lvl == PTSIM_PTE || x86_huge(lvl, e);
}

static bool x86_pte_table(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return lvl != PTSIM_PTE && (e & PTSIM_X86_PAGE_PRESENT) && !x86_pte_leaf(a, lvl, e);
}

static bool x86_pte_protnone(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return x86_pte_present(a, lvl, e) &&
	       (e & (PTSIM_X86_PAGE_PROTNONE | PTSIM_X86_PAGE_PRESENT)) == PTSIM_X86_PAGE_PROTNONE;
}

static bool x86_is_swap_pte(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return !x86_pte_none(a, lvl, e) && !x86_pte_present(a, lvl, e);
}

static uint64_t x86_pte_pfn(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	uint64_t v = e ^ protnone_mask(e);

	(void)a;
	return (v & pfn_mask(lvl, e)) >> PTSIM_X86_PAGE_SHIFT;
}

static bool x86_pte_write(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	/* Only a present entry has this bit; in a swap entry it is part of the offset. */
	return x86_pte_present(a, lvl, e) && (e & PTSIM_X86_PAGE_RW);
}

static bool x86_pte_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	/* Only a present entry has this bit; in a swap entry it is part of the offset. */
	return x86_pte_present(a, lvl, e) && (e & PTSIM_X86_PAGE_DIRTY_BITS);
}

static bool x86_pte_young(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	/* Only a present entry has this bit; in a swap entry it is part of the offset. */
	return x86_pte_present(a, lvl, e) && (e & PTSIM_X86_PAGE_ACCESSED);
}

static bool x86_pte_special(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return x86_pte_present(a, lvl, e) && (e & PTSIM_X86_PAGE_SPECIAL);
}

static bool x86_pte_soft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (x86_is_swap_pte(a, lvl, e))
		return e & swp_soft_dirty_bit(a);
	return e & soft_dirty_bit(a);
}

static bool x86_pte_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (x86_is_swap_pte(a, lvl, e))
		return e & PTSIM_X86_PAGE_SWP_UFFD_WP;
	return e & PTSIM_X86_PAGE_UFFD_WP;
}

/* No contiguous hint on x86. */
static bool x86_pte_cont(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	(void)e;
	return false;
}

static unsigned int x86_swp_type(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return (unsigned int)(e >> PTSIM_X86_SWP_TYPE_SHIFT) & PTSIM_X86_SWP_TYPE_MASK;
}

static uint64_t x86_swp_offset(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return ~(e >> PTSIM_X86_SWP_OFFSET_SHIFT) & PTSIM_X86_SWP_OFFSET_MASK;
}

static unsigned int x86_swp_flags(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	unsigned int flags = 0;

	(void)lvl;
	if (e & swp_soft_dirty_bit(a))
		flags |= PTSIM_SWP_SOFT_DIRTY;
	if (e & PTSIM_X86_PAGE_SWP_UFFD_WP)
		flags |= PTSIM_SWP_UFFD_WP;
	if (e & PTSIM_X86_PAGE_SWP_EXCLUSIVE)
		flags |= PTSIM_SWP_EXCLUSIVE;
	return flags;
}

/*
 * Full decode.  Linux-level attributes (write, dirty, young, ...) are filled
 * for every present entry, PROT_NONE included; what the hardware would do
 * (hw_write, exec, kexec, global) only when P is set, since with P clear
 * the CPU grants nothing and bit 8 is PROTNONE rather than G.
 */
static void x86_decode(const struct ptsim_arch *a, int lvl, uint64_t e, struct ptsim_attrs *out)
{
	out->none = x86_pte_none(a, lvl, e);
	out->present = x86_pte_present(a, lvl, e);
	out->swp = x86_is_swap_pte(a, lvl, e);
	out->valid = e & PTSIM_X86_PAGE_PRESENT;

	if (out->swp) {
		out->swp_type = x86_swp_type(a, lvl, e);
		out->swp_offset = x86_swp_offset(a, lvl, e);
		out->soft_dirty = e & swp_soft_dirty_bit(a);
		out->uffd_wp = e & PTSIM_X86_PAGE_SWP_UFFD_WP;
		out->exclusive = e & PTSIM_X86_PAGE_SWP_EXCLUSIVE;
		return;
	}
	if (!out->present)
		return;

	out->leaf = x86_pte_leaf(a, lvl, e);
	out->table = x86_pte_table(a, lvl, e);
	out->protnone = x86_pte_protnone(a, lvl, e);
	out->user = e & PTSIM_X86_PAGE_USER;
	out->write = e & PTSIM_X86_PAGE_RW;
	out->dirty = e & PTSIM_X86_PAGE_DIRTY_BITS;
	out->hw_dirty = e & PTSIM_X86_PAGE_DIRTY;
	out->young = e & PTSIM_X86_PAGE_ACCESSED;
	out->special = e & PTSIM_X86_PAGE_SPECIAL;
	out->soft_dirty = e & soft_dirty_bit(a);
	out->uffd_wp = e & PTSIM_X86_PAGE_UFFD_WP;
	if (out->valid) {
		out->hw_write = e & PTSIM_X86_PAGE_RW;
		out->exec = !(e & PTSIM_X86_PAGE_NX);
		out->kexec = out->exec;
		out->global = e & PTSIM_X86_PAGE_GLOBAL;
	}
	/* PAT index = PAT * 4 + PCD * 2 + PWT. */
	out->memtype = ((e & PTSIM_X86_PAGE_PCD) ? 2u : 0u) | ((e & PTSIM_X86_PAGE_PWT) ? 1u : 0u);
	if (lvl == PTSIM_PTE ? (e & PTSIM_X86_PAGE_PAT)
			     : (x86_huge(lvl, e) && (e & PTSIM_X86_PAGE_PAT_LARGE)))
		out->memtype |= 4u;
	if (out->leaf || out->table || out->protnone)
		out->pfn = x86_pte_pfn(a, lvl, e);
}

/*
 * A leaf moved to another level: its flags in 4K-PTE format (PSE off, PAT
 * back in bit 7), then pfn_pte()/pfn_pmd()/pfn_pud() with them, which puts
 * PSE and the large PAT bit back for a huge level and inverts the PFN of a
 * PROT_NONE entry.
 */
static uint64_t x86_relevel(const struct ptsim_arch *a, int lvl, uint64_t e, int new_lvl,
			    uint64_t pfn)
{
	uint64_t flags = e & ~pfn_mask(lvl, e);

	if (x86_huge(lvl, e)) {
		flags &= ~(PTSIM_X86_PAGE_PSE | PTSIM_X86_PAGE_PAT_LARGE);
		if (e & PTSIM_X86_PAGE_PAT_LARGE)
			flags |= PTSIM_X86_PAGE_PAT;
	}
	return x86_mk_leaf(a, new_lvl, pfn, flags);
}

/* ---- Builders -------------------------------------------------------- */

static uint64_t x86_pte_mkwrite(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return clear_saveddirty_shift(e | PTSIM_X86_PAGE_RW);
}

static uint64_t x86_pte_wrprotect(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return mksaveddirty_shift(e & ~PTSIM_X86_PAGE_RW);
}

static uint64_t x86_pte_mkdirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	/* The sparc64-style bug (a compat knob): dirtying also grants write. */
	if (a->caps & PTSIM_ARCH_CAP_MKDIRTY_SETS_WRITE)
		e |= PTSIM_X86_PAGE_RW;
	(void)lvl;
	return mksaveddirty_shift(e | PTSIM_X86_PAGE_DIRTY | soft_dirty_bit(a));
}

static uint64_t x86_pte_mkclean(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & ~PTSIM_X86_PAGE_DIRTY_BITS;
}

static uint64_t x86_pte_mkyoung(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e | PTSIM_X86_PAGE_ACCESSED;
}

static uint64_t x86_pte_mkold(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & ~PTSIM_X86_PAGE_ACCESSED;
}

static uint64_t x86_pte_mkuffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return x86_pte_wrprotect(a, lvl, e | PTSIM_X86_PAGE_UFFD_WP);
}

static uint64_t x86_pte_clear_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & ~PTSIM_X86_PAGE_UFFD_WP;
}

static uint64_t x86_pte_mksoft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)lvl;
	return e | soft_dirty_bit(a);
}

static uint64_t x86_pte_clear_soft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)lvl;
	return e & ~soft_dirty_bit(a);
}

static uint64_t x86_pte_mkspecial(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e | PTSIM_X86_PAGE_SPECIAL;
}

/*
 * pmd_mkinvalid()/pud_mkinvalid(): rebuild from the PFN and the flags minus
 * P and PROTNONE, so the (now non-zero, P=0) entry gets an inverted PFN.
 * A PMD stays pmd_present() through PSE.  There is no pte_mkinvalid() on
 * x86: other levels are returned unchanged.
 */
static uint64_t x86_pmd_mkinvalid(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	uint64_t flags, phys;

	if (!is_huge_level(lvl))
		return e;
	flags = e & ~pfn_mask(lvl, e);
	flags &= ~(PTSIM_X86_PAGE_PRESENT | PTSIM_X86_PAGE_PROTNONE);
	phys = x86_pte_pfn(a, lvl, e) << PTSIM_X86_PAGE_SHIFT;
	phys ^= protnone_mask(flags);
	return (phys & huge_page_mask(lvl)) | flags;
}

static uint64_t x86_pte_swp_mkexclusive(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e | PTSIM_X86_PAGE_SWP_EXCLUSIVE;
}

static uint64_t x86_pte_swp_clear_exclusive(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & ~PTSIM_X86_PAGE_SWP_EXCLUSIVE;
}

static uint64_t x86_pte_swp_mksoft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)lvl;
	return e | swp_soft_dirty_bit(a);
}

static uint64_t x86_pte_swp_clear_soft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)lvl;
	return e & ~swp_soft_dirty_bit(a);
}

static uint64_t x86_pte_swp_mkuffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e | PTSIM_X86_PAGE_SWP_UFFD_WP;
}

static uint64_t x86_pte_swp_clear_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & ~PTSIM_X86_PAGE_SWP_UFFD_WP;
}

/*
 * pte_modify()/pmd_modify()/pud_modify().  Keep _PAGE_CHG_MASK (PFN, PCD,
 * PWT, PAT, special, A, D, SAVED_DIRTY, soft-dirty, uffd-wp), take the rest
 * from @newprot, flip the PFN on a present <-> P=0 crossing, then avoid a
 * Write=0,Dirty=1 result: an old writable entry moves D to SAVED_DIRTY if
 * it became read-only, an old read-only one moves it back if it became
 * writable.  Huge leaves keep PSE and PAT_LARGE instead of PAT (so bit 7
 * of the PTE-format @newprot is ignored there).
 *
 * With PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY (the knob
 * compat.x86_pmd_modify_drops_dirty, on by default) pmd_modify() masks with
 * _HPAGE_CHG_MASK & ~_PAGE_DIRTY as v6.6 to v6.16 did, so a PMD leaf loses
 * its hardware D bit (SAVED_DIRTY survives); pud_modify() keeps it, and so
 * does pmd_modify() since f7491d7c81db.
 */
static uint64_t x86_pte_modify(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t newprot)
{
	uint64_t keep = PTSIM_X86_PAGE_CHG_MASK;
	uint64_t mask = PTSIM_X86_PTE_PFN_MASK;
	uint64_t val;

	(void)a;
	if (x86_huge(lvl, e)) {
		keep = PTSIM_X86_HPAGE_CHG_MASK;
		mask = huge_page_mask(lvl);
	}
	val = e & keep;
	if (x86_huge(lvl, e) && lvl == PTSIM_PMD &&
	    (a->caps & PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY))
		val &= ~PTSIM_X86_PAGE_DIRTY;
	val |= newprot & ~keep;
	val = flip_protnone_guard(e, val, mask);

	if (e & PTSIM_X86_PAGE_RW)
		return mksaveddirty_shift(val);
	return clear_saveddirty_shift(val);
}

/* ---- ptdump ---------------------------------------------------------- */

static int x86_ptdump_level(const struct ptsim_arch *a, int lvl)
{
	(void)a;
	return lvl;
}

/* effective_prot(): USER and RW must hold at every level, NX at any. */
static uint64_t x86_ptdump_table_key(const struct ptsim_arch *a, int lvl, uint64_t e,
				     uint64_t parent_key)
{
	uint64_t key = parent_key;

	(void)a;
	(void)lvl;
	if (!(e & PTSIM_X86_PAGE_USER))
		key |= PTSIM_X86_PTDUMP_NOT_USER;
	if (!(e & PTSIM_X86_PAGE_RW))
		key |= PTSIM_X86_PTDUMP_NOT_RW;
	if (e & PTSIM_X86_PAGE_NX)
		key |= PTSIM_X86_PTDUMP_NX;
	return key;
}

static uint64_t x86_ptdump_key(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t parent_key)
{
	uint64_t eff, key;

	if (!e)
		return 0;
	eff = x86_ptdump_table_key(a, lvl, e, parent_key);
	key = e & PTSIM_X86_PTDUMP_FLAGS_MASK;
	if (!(eff & PTSIM_X86_PTDUMP_NOT_USER))
		key |= PTSIM_X86_PTDUMP_EFF_USER;
	if (!(eff & PTSIM_X86_PTDUMP_NOT_RW))
		key |= PTSIM_X86_PTDUMP_EFF_RW;
	if (eff & PTSIM_X86_PTDUMP_NX)
		key |= PTSIM_X86_PTDUMP_EFF_NX;
	return key;
}

/*
 * One line of arch/x86/mm/dump_pagetables.c: range, size in the largest
 * unit that divides it exactly, printk_prot() of the first entry's flags
 * (bits 51:12 masked off, so PAT_LARGE never shows), level.
 */
static int x86_ptdump_line(const struct ptsim_arch *a, int lvl, uint64_t start, uint64_t end,
			   uint64_t e, uint64_t key, char *buf, size_t len)
{
	static const char *const level_name[] = {"pgd", "p4d", "pud", "pmd", "pte"};
	static const char units[] = "BKMGTPE";
	const char *unit = units;
	uint64_t pr = e & PTSIM_X86_PTE_FLAGS_MASK;
	uint64_t delta = end - start;
	char prot[40];

	(void)a;
	(void)key;
	while (!(delta & 1023) && unit[1]) {
		delta >>= 10;
		unit++;
	}
	if (!(pr & PTSIM_X86_PAGE_PRESENT)) {
		snprintf(prot, sizeof(prot), "%30s", "");
	} else {
		snprintf(prot, sizeof(prot), "%s%s%s%s%s%s%s%s",
			 (pr & PTSIM_X86_PAGE_USER) ? "USR " : "    ",
			 (pr & PTSIM_X86_PAGE_RW) ? "RW " : "ro ",
			 (pr & PTSIM_X86_PAGE_PWT) ? "PWT " : "    ",
			 (pr & PTSIM_X86_PAGE_PCD) ? "PCD " : "    ",
			 (lvl <= PTSIM_PMD && (pr & PTSIM_X86_PAGE_PSE)) ? "PSE " : "    ",
			 (lvl == PTSIM_PTE && (pr & PTSIM_X86_PAGE_PAT)) ? "PAT " : "    ",
			 (pr & PTSIM_X86_PAGE_GLOBAL) ? "GLB " : "    ",
			 (pr & PTSIM_X86_PAGE_NX) ? "NX " : "x  ");
	}
	return snprintf(buf, len, "0x%016llx-0x%016llx   %9llu%c %s%s\n", (unsigned long long)start,
			(unsigned long long)end, (unsigned long long)delta, *unit, prot,
			(unsigned int)lvl < PTSIM_NR_LEVELS ? level_name[lvl] : "?");
}

/* ---- The hardware's view (the emulated MMU) --------------------------- */

/* P: the CPU uses the entry (a PROT_NONE or invalidated entry keeps it clear). */
static bool x86_mmu_valid(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & PTSIM_X86_PAGE_PRESENT;
}

/* G (CR4.PGE): the translation is kept across PCIDs. */
static bool x86_mmu_global(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e & PTSIM_X86_PAGE_GLOBAL;
}

/* Every valid leaf format is usable: PS is what made a PMD/PUD entry a leaf. */
static bool x86_mmu_leaf_usable(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	(void)e;
	return true;
}

/*
 * The rights of a translation are the AND of R/W and U/S and the OR of XD
 * over every paging-structure entry used (SDM vol. 3 4.6), and the TLB and
 * paging-structure caches hold them so (4.10.2.2, 4.10.3.1).
 */
static void x86_mmu_table_rights(const struct ptsim_arch *a, int lvl, uint64_t e,
				 struct ptsim_mmu_rights *r)
{
	(void)a;
	(void)lvl;
	r->clr |= ~e & (PTSIM_X86_PAGE_RW | PTSIM_X86_PAGE_USER);
	r->set |= e & PTSIM_X86_PAGE_NX;
}

/* Tables and leaves carry the same R/W, U/S and XD bits. */
static uint64_t x86_mmu_fold(const struct ptsim_arch *a, int lvl, const struct ptsim_mmu_rights *r,
			     uint64_t e)
{
	(void)a;
	(void)lvl;
	return (e & ~r->clr) | r->set;
}

/*
 * CR0.WP=1 (supervisor writes honour R/W too) and EFER.NXE=1.  SMEP, SMAP
 * and protection keys are not modelled.  A and D are set by the walk, not
 * faulted on.
 */
static enum ptsim_mmu_verdict x86_mmu_check(const struct ptsim_arch *a, int lvl, uint64_t e,
					    unsigned int access, bool user,
					    const struct ptsim_mmu_config *mcfg)
{
	(void)a;
	(void)lvl;
	(void)mcfg;
	if (user && !(e & PTSIM_X86_PAGE_USER))
		return PTSIM_MMU_V_PERM;
	if ((access & PTSIM_ACCESS_WRITE) && !(e & PTSIM_X86_PAGE_RW))
		return PTSIM_MMU_V_PERM;
	if ((access & PTSIM_ACCESS_EXEC) && (e & PTSIM_X86_PAGE_NX))
		return PTSIM_MMU_V_PERM;
	if (!(e & PTSIM_X86_PAGE_ACCESSED) ||
	    ((access & PTSIM_ACCESS_WRITE) && !(e & PTSIM_X86_PAGE_DIRTY)))
		return PTSIM_MMU_V_UPDATE;
	return PTSIM_MMU_V_OK;
}

/*
 * x86_mmu_check()'s PTSIM_MMU_V_OK as masks: U/S for a user access, R/W and
 * D for a write, A always; XD clear for an instruction fetch.
 */
static void x86_mmu_ok_mask(const struct ptsim_arch *a, unsigned int access, bool user,
			    uint64_t *set, uint64_t *clr)
{
	(void)a;
	*set = PTSIM_X86_PAGE_ACCESSED;
	*clr = 0;
	if (user)
		*set |= PTSIM_X86_PAGE_USER;
	if (access & PTSIM_ACCESS_WRITE)
		*set |= PTSIM_X86_PAGE_RW | PTSIM_X86_PAGE_DIRTY;
	if (access & PTSIM_ACCESS_EXEC)
		*clr |= PTSIM_X86_PAGE_NX;
}

/* The walk sets A in each paging-structure entry it uses, as it uses it (SDM vol. 3 4.8). */
static uint64_t x86_mmu_table_accessed(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e | PTSIM_X86_PAGE_ACCESSED;
}

/* A for an access that succeeds, and D for a write (SDM vol. 3 4.8). */
static uint64_t x86_mmu_update(const struct ptsim_arch *a, int lvl, uint64_t e, unsigned int access)
{
	(void)a;
	(void)lvl;
	e |= PTSIM_X86_PAGE_ACCESSED;
	if (access & PTSIM_ACCESS_WRITE)
		e |= PTSIM_X86_PAGE_DIRTY;
	return e;
}

/* The walk's step: x86_pte_table() and not a leaf here, with x86_pte_pfn() (struct ptsim_arch_ops).
 */
static bool x86_walk_table(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t *pfn)
{
	/*
	 * x86_pte_table() and not x86_pte_leaf(), then x86_pte_pfn(), folded:
	 * with P set every level's entry is present, so it is a table iff it
	 * is above the PTE level and not huge (PS clear on a PMD or PUD), and
	 * its PFN is neither inverted (P set) nor a huge one's.
	 */
	(void)a;
	if (lvl == PTSIM_PTE || !(e & PTSIM_X86_PAGE_PRESENT) || x86_huge(lvl, e))
		return false;
	*pfn = (e & PTSIM_X86_PTE_PFN_MASK) >> PTSIM_X86_PAGE_SHIFT;
	return true;
}

const struct ptsim_arch_ops ptsim__x86_64_ops = {
	.pgprot = x86_pgprot,
	.pgprot_mask = x86_pgprot_mask,
	.mk_leaf = x86_mk_leaf,
	.mk_table = x86_mk_table,
	.mk_swp = x86_mk_swp,
	.modify = x86_pte_modify,
	.relevel = x86_relevel,

	.decode = x86_decode,
	.none = x86_pte_none,
	.present = x86_pte_present,
	.leaf = x86_pte_leaf,
	.table = x86_pte_table,
	.protnone = x86_pte_protnone,
	.swp = x86_is_swap_pte,
	.write = x86_pte_write,
	.dirty = x86_pte_dirty,
	.young = x86_pte_young,
	.special = x86_pte_special,
	.soft_dirty = x86_pte_soft_dirty,
	.uffd_wp = x86_pte_uffd_wp,
	.cont = x86_pte_cont,
	.pfn = x86_pte_pfn,
	.walk_table = x86_walk_table,
	.swp_type = x86_swp_type,
	.swp_offset = x86_swp_offset,
	.swp_flags = x86_swp_flags,

	.mkwrite = x86_pte_mkwrite,
	.wrprotect = x86_pte_wrprotect,
	.mkdirty = x86_pte_mkdirty,
	.mkclean = x86_pte_mkclean,
	.mkyoung = x86_pte_mkyoung,
	.mkold = x86_pte_mkold,
	.mkuffd_wp = x86_pte_mkuffd_wp,
	.clear_uffd_wp = x86_pte_clear_uffd_wp,
	.mksoft_dirty = x86_pte_mksoft_dirty,
	.clear_soft_dirty = x86_pte_clear_soft_dirty,
	.mkspecial = x86_pte_mkspecial,
	.mkcont = NULL, /* no contiguous hint: the dispatcher returns e */
	.mknoncont = NULL,
	.mkinvalid = x86_pmd_mkinvalid,
	.swp_mkexclusive = x86_pte_swp_mkexclusive,
	.swp_clear_exclusive = x86_pte_swp_clear_exclusive,
	.swp_mksoft_dirty = x86_pte_swp_mksoft_dirty,
	.swp_clear_soft_dirty = x86_pte_swp_clear_soft_dirty,
	.swp_mkuffd_wp = x86_pte_swp_mkuffd_wp,
	.swp_clear_uffd_wp = x86_pte_swp_clear_uffd_wp,

	.ptdump_key = x86_ptdump_key,
	.ptdump_table_key = x86_ptdump_table_key,
	.ptdump_line = x86_ptdump_line,
	.ptdump_level = x86_ptdump_level,

	.mmu_valid = x86_mmu_valid,
	.mmu_global = x86_mmu_global,
	.mmu_leaf_usable = x86_mmu_leaf_usable,
	.mmu_table_rights = x86_mmu_table_rights,
	.mmu_fold_table = x86_mmu_fold,
	.mmu_fold_leaf = x86_mmu_fold,
	.mmu_check = x86_mmu_check,
	.mmu_table_accessed = x86_mmu_table_accessed,
	.mmu_update = x86_mmu_update,
	.mmu_ok_mask = x86_mmu_ok_mask,
};
