// SPDX-License-Identifier: MIT
/*
 * arm64.c - arm64 stage-1 descriptor encodings (VMSAv8-64, 64-bit
 * descriptors) as Linux uses them, v6.10+ layout.
 *
 * Reads side by side with arch/arm64/include/asm/pgtable-hwdef.h,
 * pgtable-prot.h, pgtable.h, pgalloc.h and arch/arm64/mm/ptdump.c
 * and the Arm ARM (VMSAv8-64 descriptors).  Written from the documented
 * behaviour; no kernel code is copied.
 *
 * Descriptor (one format at every level; bits 1:0 give the type):
 *
 *   upper: 63 sw | 62:60 POIndex | 59 sw | 58 uffd-wp | 56 special |
 *          55 dirty | 54 UXN | 53 PXN | 52 CONT | 51 DBM (=WRITE) | 50 GP
 *   OA:    49:PAGE_SHIFT (plus 15:12 or 9:8 for 52-bit PA, see below)
 *   lower: 11 nG | 10 AF | 9:8 SH | 7 RDONLY | 6 USER | 4:2 AttrIndx |
 *          1 table/page (1) or block (0) | 0 Valid
 *
 * Linux software view (the DBM scheme):
 *  - PTE_WRITE is the hardware DBM bit 51; "writable" means DBM set.
 *  - Hardware-dirty = DBM && !RDONLY; software-dirty = bit 55.
 *    pte_dirty() is either of them.
 *  - Valid == 0 with bit 11 (nG) set is PTE_PRESENT_INVALID: present for
 *    Linux (PROT_NONE, pmd_mkinvalid()) but faulting for the hardware.
 *  - PROT_NONE = present-invalid, !USER, UXN.
 *
 * Output address: bits 49:PAGE_SHIFT hold PA[49:PAGE_SHIFT].  With 52-bit PA
 * the top bits move: FEAT_LPA2 (4K/16K) puts PA[51:50] in bits 9:8, where SH
 * would live (so Linux drops PTE_SHARED there); the 64K granule puts
 * PA[51:48] in bits 15:12.
 *
 * Swap entries (v6.10+): bits 1:0 and 11 clear (not present), bit 2 exclusive,
 * bit 3 uffd-wp, 10:6 type, 61:12 offset (plain, not inverted).
 */
#include <stdio.h>

#include "arch/internal.h"
#include "ptsim/mm.h"

/* Descriptor type, bits 1:0 (pgtable-hwdef.h). */
#define PTSIM_ARM64_PTE_VALID	   (1ull << 0)
#define PTSIM_ARM64_PTE_TYPE_MASK  (3ull << 0)
#define PTSIM_ARM64_PTE_TYPE_PAGE  (3ull << 0) /* level 3 page */
#define PTSIM_ARM64_PMD_TYPE_TABLE (3ull << 0) /* levels 0-2: next-level table */
#define PTSIM_ARM64_PMD_TYPE_SECT  (1ull << 0) /* levels 1-2: block */
#define PTSIM_ARM64_PMD_TABLE_BIT  (1ull << 1) /* the bit that tells table from block */

/* Lower attributes. */
#define PTSIM_ARM64_PTE_ATTRINDX_SHIFT 2
#define PTSIM_ARM64_PTE_ATTRINDX_MASK  (7ull << PTSIM_ARM64_PTE_ATTRINDX_SHIFT) /* MAIR index */
#define PTSIM_ARM64_PTE_ATTRINDX(t)    ((uint64_t)(t) << PTSIM_ARM64_PTE_ATTRINDX_SHIFT)
#define PTSIM_ARM64_PTE_USER	       (1ull << 6)  /* AP[1]: EL0 access */
#define PTSIM_ARM64_PTE_RDONLY	       (1ull << 7)  /* AP[2] */
#define PTSIM_ARM64_PTE_SHARED	       (3ull << 8)  /* SH[1:0] inner shareable */
#define PTSIM_ARM64_PTE_AF	       (1ull << 10) /* Access Flag */
#define PTSIM_ARM64_PTE_NG	       (1ull << 11) /* not Global */

/* Upper attributes. */
#define PTSIM_ARM64_PTE_GP	    (1ull << 50) /* BTI guarded page */
#define PTSIM_ARM64_PTE_DBM	    (1ull << 51) /* Dirty Bit Management */
#define PTSIM_ARM64_PTE_CONT	    (1ull << 52) /* contiguous hint */
#define PTSIM_ARM64_PTE_PXN	    (1ull << 53) /* privileged execute-never */
#define PTSIM_ARM64_PTE_UXN	    (1ull << 54) /* user execute-never */
#define PTSIM_ARM64_PTE_PO_IDX_MASK (7ull << 60) /* POIndex (FEAT_POE pkeys) */

/* Linux software bits (pgtable-prot.h). */
#define PTSIM_ARM64_PTE_WRITE		PTSIM_ARM64_PTE_DBM
#define PTSIM_ARM64_PTE_DIRTY		(1ull << 55)
#define PTSIM_ARM64_PTE_SPECIAL		(1ull << 56)
#define PTSIM_ARM64_PTE_UFFD_WP		(1ull << 58)
#define PTSIM_ARM64_PTE_PRESENT_INVALID PTSIM_ARM64_PTE_NG /* only when !VALID */

/* Table descriptor attributes (pgalloc.h *_populate()). */
#define PTSIM_ARM64_PMD_TABLE_AF  (1ull << 10) /* ignored without FEAT_HAFT */
#define PTSIM_ARM64_PMD_TABLE_PXN (1ull << 59) /* PXNTable: user tables */
#define PTSIM_ARM64_PMD_TABLE_UXN (1ull << 60) /* UXNTable: kernel tables */

/* Output address. */
#define PTSIM_ARM64_PA_LOW_TOP	       49	      /* PTE_ADDR_LOW = bits 49:PAGE_SHIFT */
#define PTSIM_ARM64_PTE_ADDR_HIGH_LPA2 (3ull << 8)    /* PA[51:50] */
#define PTSIM_ARM64_PTE_ADDR_HIGH_64K  (0xfull << 12) /* PA[51:48] */

/* Swap entries (v6.10+). */
#define PTSIM_ARM64_PTE_SWP_EXCLUSIVE (1ull << 2)
#define PTSIM_ARM64_PTE_SWP_UFFD_WP   (1ull << 3)
#define PTSIM_ARM64_SWP_TYPE_SHIFT    6
#define PTSIM_ARM64_SWP_TYPE_BITS     5
#define PTSIM_ARM64_SWP_TYPE_MASK     ((1ull << PTSIM_ARM64_SWP_TYPE_BITS) - 1)
#define PTSIM_ARM64_SWP_OFFSET_SHIFT  12
#define PTSIM_ARM64_SWP_OFFSET_BITS   50
#define PTSIM_ARM64_SWP_OFFSET_MASK   ((1ull << PTSIM_ARM64_SWP_OFFSET_BITS) - 1)

/* MAIR indexes (asm/memory.h). */
#define PTSIM_ARM64_MT_NORMAL	     0
#define PTSIM_ARM64_MT_NORMAL_TAGGED 1
#define PTSIM_ARM64_MT_NORMAL_NC     2
#define PTSIM_ARM64_MT_DEVICE_nGnRnE 3
#define PTSIM_ARM64_MT_DEVICE_nGnRE  4

/* Every bit the kernel's ptdump prints (union of pte_bits[] masks). */
#define PTSIM_ARM64_PTDUMP_MASK                                                                    \
	(PTSIM_ARM64_PTE_VALID | PTSIM_ARM64_PTE_USER | PTSIM_ARM64_PTE_RDONLY |                   \
	 PTSIM_ARM64_PTE_PXN | PTSIM_ARM64_PTE_SHARED | PTSIM_ARM64_PTE_AF | PTSIM_ARM64_PTE_NG |  \
	 PTSIM_ARM64_PTE_CONT | PTSIM_ARM64_PTE_TYPE_MASK | PTSIM_ARM64_PTE_UXN |                  \
	 PTSIM_ARM64_PTE_GP | PTSIM_ARM64_PTE_ATTRINDX_MASK)

static inline uint64_t genmask(unsigned int hi, unsigned int lo)
{
	return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

/* ---------------------------------------------------------------------------
 * Output address <-> descriptor.
 */

/*
 * The low output-address field: bits 49:PAGE_SHIFT (PTE_ADDR_LOW, v6.9+).
 * With 64K pages and 52-bit PAs the kernel keeps that field and also copies
 * PA[51:48] into bits 15:12 (__phys_to_pte_val ORs phys >> 36), so PA[49:48]
 * appears twice in the descriptor; decoding ORs both copies back.
 */
static uint64_t arm64_addr_low_mask(const struct ptsim_arch *a)
{
	return genmask(PTSIM_ARM64_PA_LOW_TOP, a->page_shift);
}

/* __phys_to_pte_val(): place a page-aligned physical address. */
static uint64_t arm64_phys_to_pte(const struct ptsim_arch *a, uint64_t phys)
{
	uint64_t e = phys & arm64_addr_low_mask(a);

	switch (a->pa_layout) {
	case PTSIM_PA_52_LPA2:
		e |= ((phys >> 50) << 8) & PTSIM_ARM64_PTE_ADDR_HIGH_LPA2;
		break;
	case PTSIM_PA_52_64K:
		e |= ((phys >> 48) << 12) & PTSIM_ARM64_PTE_ADDR_HIGH_64K;
		break;
	case PTSIM_PA_48:
	default:
		break;
	}
	return e;
}

/* __pte_to_phys(). */
static uint64_t arm64_pte_to_phys(const struct ptsim_arch *a, uint64_t e)
{
	uint64_t phys = e & arm64_addr_low_mask(a);

	switch (a->pa_layout) {
	case PTSIM_PA_52_LPA2:
		phys |= ((e & PTSIM_ARM64_PTE_ADDR_HIGH_LPA2) >> 8) << 50;
		break;
	case PTSIM_PA_52_64K:
		phys |= ((e & PTSIM_ARM64_PTE_ADDR_HIGH_64K) >> 12) << 48;
		break;
	case PTSIM_PA_48:
	default:
		break;
	}
	return phys;
}

/* PTE_MAYBE_SHARED: SH lives in the descriptor unless LPA2 took bits 9:8. */
static uint64_t arm64_pte_maybe_shared(const struct ptsim_arch *a)
{
	return a->pa_layout == PTSIM_PA_52_LPA2 ? 0 : PTSIM_ARM64_PTE_SHARED;
}

/* ---------------------------------------------------------------------------
 * Predicates.
 */

static bool arm64_pte_valid(uint64_t e)
{
	return e & PTSIM_ARM64_PTE_VALID;
}

static bool arm64_pte_present_invalid(uint64_t e)
{
	return (e & (PTSIM_ARM64_PTE_VALID | PTSIM_ARM64_PTE_PRESENT_INVALID)) ==
	       PTSIM_ARM64_PTE_PRESENT_INVALID;
}

static bool arm64_pte_none(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return e == 0;
}

static bool arm64_pte_present(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return arm64_pte_valid(e) || arm64_pte_present_invalid(e);
}

/* pmd_table(): bits 1:0 == 0b11 above level 3. */
static bool arm64_pmd_table(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	return lvl != PTSIM_PTE && (e & PTSIM_ARM64_PTE_TYPE_MASK) == PTSIM_ARM64_PMD_TYPE_TABLE;
}

/*
 * pte_present() at level 3; pmd_trans_huge()/pmd_leaf() above it.  Like
 * pmd_trans_huge() the table test forces Valid, so a present-invalid block
 * (PROT_NONE or pmd_mkinvalid()) is still a leaf.
 */
static bool arm64_pmd_leaf(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (!arm64_pte_present(a, lvl, e))
		return false;
	if (lvl == PTSIM_PTE)
		return true;
	return !arm64_pmd_table(a, lvl, e | PTSIM_ARM64_PTE_VALID);
}

static bool arm64_pte_protnone(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return arm64_pte_present_invalid(e) && !(e & PTSIM_ARM64_PTE_USER) &&
	       (e & PTSIM_ARM64_PTE_UXN);
}

static bool arm64_pte_swp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return !arm64_pte_none(a, lvl, e) && !arm64_pte_present(a, lvl, e);
}

/* The attribute predicates below answer false for non-present entries. */
static bool arm64_pte_write(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_present(a, lvl, e) && (e & PTSIM_ARM64_PTE_WRITE);
}

static bool arm64_pte_hw_dirty(uint64_t e)
{
	return (e & PTSIM_ARM64_PTE_WRITE) && !(e & PTSIM_ARM64_PTE_RDONLY);
}

static bool arm64_pte_sw_dirty(uint64_t e)
{
	return e & PTSIM_ARM64_PTE_DIRTY;
}

static bool arm64_pte_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_present(a, lvl, e) && (arm64_pte_sw_dirty(e) || arm64_pte_hw_dirty(e));
}

static bool arm64_pte_young(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_present(a, lvl, e) && (e & PTSIM_ARM64_PTE_AF);
}

static bool arm64_pte_special(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_present(a, lvl, e) && (e & PTSIM_ARM64_PTE_SPECIAL);
}

/* arm64 has no soft-dirty tracking. */
static bool arm64_pte_soft_dirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	(void)e;
	return false;
}

/* pte_uffd_wp() for present entries, pte_swp_uffd_wp() for swap entries. */
static bool arm64_pte_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	if (arm64_pte_present(a, lvl, e))
		return e & PTSIM_ARM64_PTE_UFFD_WP;
	if (arm64_pte_swp(a, lvl, e))
		return e & PTSIM_ARM64_PTE_SWP_UFFD_WP;
	return false;
}

static bool arm64_pte_cont(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_present(a, lvl, e) && (e & PTSIM_ARM64_PTE_CONT);
}

/*
 * pte_pfn() / pmd_pfn() / pud_pfn(): block PFNs are masked down to the
 * block size as the kernel's pmd_pfn() does.  0 for non-present entries.
 */
static uint64_t arm64_pte_pfn(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	uint64_t phys;

	if (!arm64_pte_present(a, lvl, e))
		return 0;
	phys = arm64_pte_to_phys(a, e);
	if (lvl != PTSIM_PTE && arm64_pmd_leaf(a, lvl, e))
		phys &= ~((1ull << a->shift[lvl]) - 1);
	return phys >> a->page_shift;
}

/* ---------------------------------------------------------------------------
 * Swap entries.
 */

static unsigned int arm64_swp_type(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return (unsigned int)((e >> PTSIM_ARM64_SWP_TYPE_SHIFT) & PTSIM_ARM64_SWP_TYPE_MASK);
}

static uint64_t arm64_swp_offset(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	(void)lvl;
	return (e >> PTSIM_ARM64_SWP_OFFSET_SHIFT) & PTSIM_ARM64_SWP_OFFSET_MASK;
}

static unsigned int arm64_swp_flags(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	unsigned int flags = 0;

	(void)a;
	(void)lvl;
	if (e & PTSIM_ARM64_PTE_SWP_EXCLUSIVE)
		flags |= PTSIM_SWP_EXCLUSIVE;
	if (e & PTSIM_ARM64_PTE_SWP_UFFD_WP)
		flags |= PTSIM_SWP_UFFD_WP;
	return flags;
}

/* __swp_entry() + pte flags; PTSIM_SWP_SOFT_DIRTY has no arm64 bit. */
static uint64_t arm64_mk_swp(const struct ptsim_arch *a, int lvl, unsigned int type,
			     uint64_t offset, unsigned int flags)
{
	uint64_t e;

	(void)a;
	(void)lvl;
	e = ((uint64_t)type & PTSIM_ARM64_SWP_TYPE_MASK) << PTSIM_ARM64_SWP_TYPE_SHIFT;
	e |= (offset & PTSIM_ARM64_SWP_OFFSET_MASK) << PTSIM_ARM64_SWP_OFFSET_SHIFT;
	if (flags & PTSIM_SWP_EXCLUSIVE)
		e |= PTSIM_ARM64_PTE_SWP_EXCLUSIVE;
	if (flags & PTSIM_SWP_UFFD_WP)
		e |= PTSIM_ARM64_PTE_SWP_UFFD_WP;
	return e;
}

/* ---------------------------------------------------------------------------
 * Builders.  The same functions serve every level (pmd_* = pte_* on arm64).
 */

#define ARM64_UNUSED_ARGS                                                                          \
	(void)a;                                                                                   \
	(void)lvl

/* pte_mkwrite_novma(): DBM on; hardware-writable only if already sw-dirty. */
static uint64_t arm64_pte_mkwrite(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	e |= PTSIM_ARM64_PTE_WRITE;
	if (arm64_pte_sw_dirty(e))
		e &= ~PTSIM_ARM64_PTE_RDONLY;
	return e;
}

/* pte_wrprotect(): save hardware dirtiness in PTE_DIRTY first. */
static uint64_t arm64_pte_wrprotect(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	if (arm64_pte_hw_dirty(e))
		e |= PTSIM_ARM64_PTE_DIRTY;
	e &= ~PTSIM_ARM64_PTE_WRITE;
	e |= PTSIM_ARM64_PTE_RDONLY;
	return e;
}

/* The dirty bit, made hardware-dirty where the entry is writable. */
static uint64_t mkdirty(uint64_t e)
{
	e |= PTSIM_ARM64_PTE_DIRTY;
	if (e & PTSIM_ARM64_PTE_WRITE)
		e &= ~PTSIM_ARM64_PTE_RDONLY;
	return e;
}

static uint64_t arm64_pte_mkdirty(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)lvl;
	/* The sparc64-style bug (a compat knob): dirtying also grants write. */
	if (a->caps & PTSIM_ARCH_CAP_MKDIRTY_SETS_WRITE)
		e |= PTSIM_ARM64_PTE_WRITE;
	return mkdirty(e);
}

static uint64_t arm64_pte_mkclean(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	e &= ~PTSIM_ARM64_PTE_DIRTY;
	e |= PTSIM_ARM64_PTE_RDONLY;
	return e;
}

static uint64_t arm64_pte_mkyoung(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e | PTSIM_ARM64_PTE_AF;
}

static uint64_t arm64_pte_mkold(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e & ~PTSIM_ARM64_PTE_AF;
}

/* pte_mkuffd_wp(): mark and write-protect. */
static uint64_t arm64_pte_mkuffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	return arm64_pte_wrprotect(a, lvl, e | PTSIM_ARM64_PTE_UFFD_WP);
}

static uint64_t arm64_pte_clear_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e & ~PTSIM_ARM64_PTE_UFFD_WP;
}

/* No soft-dirty on arm64: the soft-dirty builders leave the entry alone. */
static uint64_t arm64_pte_nop(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e;
}

static uint64_t arm64_pte_mkspecial(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e | PTSIM_ARM64_PTE_SPECIAL;
}

static uint64_t arm64_pte_mkcont(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e | PTSIM_ARM64_PTE_CONT;
}

static uint64_t arm64_pte_mknoncont(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e & ~PTSIM_ARM64_PTE_CONT;
}

/* pte_mkinvalid() / pmd_mkinvalid(): keep everything, drop hardware Valid. */
static uint64_t arm64_pte_mkinvalid(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	e |= PTSIM_ARM64_PTE_PRESENT_INVALID;
	e &= ~PTSIM_ARM64_PTE_VALID;
	return e;
}

static uint64_t arm64_pte_swp_mkexclusive(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e | PTSIM_ARM64_PTE_SWP_EXCLUSIVE;
}

static uint64_t arm64_pte_swp_clear_exclusive(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e & ~PTSIM_ARM64_PTE_SWP_EXCLUSIVE;
}

static uint64_t arm64_pte_swp_mkuffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e | PTSIM_ARM64_PTE_SWP_UFFD_WP;
}

static uint64_t arm64_pte_swp_clear_uffd_wp(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e & ~PTSIM_ARM64_PTE_SWP_UFFD_WP;
}

/*
 * pte_modify() (pmd_modify() is the same function): take the permission and
 * memory-type bits from @newprot, keep address, AF, dirty, special, uffd-wp,
 * cont and the block/table type bit 1.  Hardware dirtiness is saved into
 * PTE_DIRTY before RDONLY may be overwritten, and a sw-dirty writable result
 * is made hardware-dirty again.
 */
static uint64_t arm64_pte_modify(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t newprot)
{
	const uint64_t mask = PTSIM_ARM64_PTE_USER | PTSIM_ARM64_PTE_PXN | PTSIM_ARM64_PTE_UXN |
			      PTSIM_ARM64_PTE_RDONLY | PTSIM_ARM64_PTE_PRESENT_INVALID |
			      PTSIM_ARM64_PTE_VALID | PTSIM_ARM64_PTE_WRITE | PTSIM_ARM64_PTE_GP |
			      PTSIM_ARM64_PTE_ATTRINDX_MASK | PTSIM_ARM64_PTE_PO_IDX_MASK;

	ARM64_UNUSED_ARGS;
	if (arm64_pte_hw_dirty(e))
		e |= PTSIM_ARM64_PTE_DIRTY;
	e = (e & ~mask) | (newprot & mask);
	if (arm64_pte_sw_dirty(e))
		e = mkdirty(e);
	return e;
}

/* ---------------------------------------------------------------------------
 * Constructors.
 */

static unsigned int arm64_mair_index(unsigned int flags)
{
	switch ((flags & PTSIM_PGPROT_MT_MASK) >> PTSIM_PGPROT_MT_SHIFT) {
	case PTSIM_MT_NORMAL_TAGGED:
		return PTSIM_ARM64_MT_NORMAL_TAGGED;
	case PTSIM_MT_NORMAL_NC:
		return PTSIM_ARM64_MT_NORMAL_NC;
	case PTSIM_MT_DEVICE_STRICT:
		return PTSIM_ARM64_MT_DEVICE_nGnRnE;
	case PTSIM_MT_DEVICE:
		return PTSIM_ARM64_MT_DEVICE_nGnRE;
	case PTSIM_MT_NORMAL:
	default:
		return PTSIM_ARM64_MT_NORMAL;
	}
}

/*
 * The kernel's PAGE_* templates (pgtable-prot.h) and protection_map
 * (arch/arm64/mm/mmap.c) for shared mappings; with LPA2 the kernel strips
 * PTE_SHARED from protection_map at boot.  Exec-only is PAGE_EXECONLY (what
 * protection_map holds on CPUs with EPAN).  Kernel mappings use PROT_NORMAL
 * with PTE_MAYBE_NG = 0 (no KPTI), as PAGE_KERNEL{,_RO,_ROX,_EXEC}.
 */
static uint64_t arm64_pgprot(const struct ptsim_arch *a, unsigned int prot, unsigned int flags)
{
	const uint64_t attr = PTSIM_ARM64_PTE_ATTRINDX(arm64_mair_index(flags));
	const uint64_t shared = arm64_pte_maybe_shared(a);
	bool r = prot & PTSIM_PROT_READ, w = prot & PTSIM_PROT_WRITE, x = prot & PTSIM_PROT_EXEC;
	uint64_t page_default = PTSIM_ARM64_PTE_TYPE_PAGE | PTSIM_ARM64_PTE_AF | shared | attr;
	uint64_t val;

	if (flags & PTSIM_PGPROT_KERNEL) {
		/* PROT_NORMAL, then _PAGE_KERNEL* add PTE_DIRTY. */
		uint64_t prot_normal = page_default | PTSIM_ARM64_PTE_PXN | PTSIM_ARM64_PTE_UXN |
				       PTSIM_ARM64_PTE_WRITE;

		if (!r && !w && !x)
			return 0;
		val = prot_normal | PTSIM_ARM64_PTE_DIRTY;
		if (!w)
			val = (val & ~PTSIM_ARM64_PTE_WRITE) | PTSIM_ARM64_PTE_RDONLY;
		if (x)
			val &= ~PTSIM_ARM64_PTE_PXN;
		return val;
	}

	if (!r && !w && !x) /* PAGE_NONE */
		return (page_default & ~PTSIM_ARM64_PTE_VALID) | PTSIM_ARM64_PTE_PRESENT_INVALID |
		       PTSIM_ARM64_PTE_RDONLY | PTSIM_ARM64_PTE_NG | PTSIM_ARM64_PTE_PXN |
		       PTSIM_ARM64_PTE_UXN;
	if (x && !r && !w) /* PAGE_EXECONLY */
		return page_default | PTSIM_ARM64_PTE_RDONLY | PTSIM_ARM64_PTE_NG |
		       PTSIM_ARM64_PTE_PXN;

	/* PAGE_READONLY / PAGE_SHARED and their _EXEC forms. */
	val = page_default | PTSIM_ARM64_PTE_USER | PTSIM_ARM64_PTE_RDONLY | PTSIM_ARM64_PTE_NG |
	      PTSIM_ARM64_PTE_PXN | PTSIM_ARM64_PTE_UXN;
	if (w) /* shared+writable starts clean: RDONLY|WRITE */
		val |= PTSIM_ARM64_PTE_WRITE;
	if (x)
		val &= ~PTSIM_ARM64_PTE_UXN;
	return val;
}

/*
 * pfn_pte() at level 3; pfn_pmd()/pfn_pud() of a section prot above it.
 * pmd_mkhuge() turns the page type into a block by clearing bit 1 only, so a
 * present-invalid (PROT_NONE) prot stays invalid.
 */
/*
 * A pgprot holds the lower and upper attributes: everything but the output
 * address (which takes SH's bits 9:8 with LPA2 and bits 15:12 with 64K
 * 52-bit PAs) and the contiguous hint, which pte_mkcont() sets on whole
 * runs only (PTSIM_MAP_CONT).
 */
static uint64_t arm64_pgprot_mask(const struct ptsim_arch *a)
{
	return ~(arm64_phys_to_pte(a, ~0ull << a->page_shift) | PTSIM_ARM64_PTE_CONT);
}

static uint64_t arm64_mk_leaf(const struct ptsim_arch *a, int lvl, uint64_t pfn, uint64_t pgprot)
{
	uint64_t e = arm64_phys_to_pte(a, pfn << a->page_shift) | pgprot;

	if (lvl != PTSIM_PTE)
		e &= ~PTSIM_ARM64_PMD_TABLE_BIT;
	return e;
}

/*
 * A leaf moved to another level: everything but the output address, the
 * contiguous hint and the descriptor type is carried; arm64_mk_leaf() sets
 * the type of the new level (page 0b11 at level 3, block 0b01 above).
 */
static uint64_t arm64_relevel(const struct ptsim_arch *a, int lvl, uint64_t e, int new_lvl,
			      uint64_t pfn)
{
	uint64_t addr = arm64_phys_to_pte(a, ~0ull << a->page_shift);

	(void)lvl;
	e &= ~(addr | PTSIM_ARM64_PTE_CONT);
	return arm64_mk_leaf(a, new_lvl, pfn, e | PTSIM_ARM64_PMD_TABLE_BIT);
}

/*
 * pmd_populate() / pud_populate() / p4d_populate() / pgd_populate():
 * TYPE_TABLE | TABLE_AF, plus PXNTable for user tables (nothing below may be
 * kernel-executable) or UXNTable for init_mm tables.
 */
static uint64_t arm64_mk_table(const struct ptsim_arch *a, int lvl, uint64_t pfn, bool kernel)
{
	(void)lvl;
	return arm64_phys_to_pte(a, pfn << a->page_shift) | PTSIM_ARM64_PMD_TYPE_TABLE |
	       PTSIM_ARM64_PMD_TABLE_AF |
	       (kernel ? PTSIM_ARM64_PMD_TABLE_UXN : PTSIM_ARM64_PMD_TABLE_PXN);
}

/* ---------------------------------------------------------------------------
 * Decode.
 */

static void arm64_decode(const struct ptsim_arch *a, int lvl, uint64_t e, struct ptsim_attrs *out)
{
	out->none = arm64_pte_none(a, lvl, e);
	if (out->none)
		return;

	if (arm64_pte_swp(a, lvl, e)) {
		out->swp = true;
		out->swp_type = arm64_swp_type(a, lvl, e);
		out->swp_offset = arm64_swp_offset(a, lvl, e);
		out->exclusive = e & PTSIM_ARM64_PTE_SWP_EXCLUSIVE;
		out->uffd_wp = e & PTSIM_ARM64_PTE_SWP_UFFD_WP;
		return;
	}

	out->valid = arm64_pte_valid(e);
	out->present = true;
	out->pfn = arm64_pte_pfn(a, lvl, e);
	if (arm64_pmd_table(a, lvl, e)) {
		out->table = true;
		return;
	}

	out->leaf = arm64_pmd_leaf(a, lvl, e);
	out->protnone = arm64_pte_protnone(a, lvl, e);
	out->user = e & PTSIM_ARM64_PTE_USER;
	out->write = e & PTSIM_ARM64_PTE_WRITE;
	out->hw_dirty = arm64_pte_hw_dirty(e);
	out->hw_write = out->valid && out->hw_dirty;
	out->dirty = arm64_pte_sw_dirty(e) || out->hw_dirty;
	out->young = e & PTSIM_ARM64_PTE_AF;
	out->exec = !(e & PTSIM_ARM64_PTE_UXN);
	out->kexec = !(e & PTSIM_ARM64_PTE_PXN);
	out->global = out->valid && !(e & PTSIM_ARM64_PTE_NG);
	out->special = e & PTSIM_ARM64_PTE_SPECIAL;
	out->uffd_wp = e & PTSIM_ARM64_PTE_UFFD_WP;
	out->cont = e & PTSIM_ARM64_PTE_CONT;
	out->memtype = (unsigned int)((e & PTSIM_ARM64_PTE_ATTRINDX_MASK) >>
				      PTSIM_ARM64_PTE_ATTRINDX_SHIFT);
}

/* ---------------------------------------------------------------------------
 * ptdump (arch/arm64/mm/ptdump.c).
 */

/* note_page(): run-time/compile-time folded P4D and PUD report as level 0. */
static int arm64_ptdump_level(const struct ptsim_arch *a, int lvl)
{
	if ((lvl == PTSIM_P4D || lvl == PTSIM_PUD) && ptsim__level_folded(a, lvl))
		return PTSIM_PGD;
	return lvl;
}

/* A line continues while the printed attribute bits stay the same. */
static uint64_t arm64_ptdump_key(const struct ptsim_arch *a, int lvl, uint64_t e,
				 uint64_t parent_key)
{
	(void)a;
	(void)lvl;
	(void)parent_key;
	return e & PTSIM_ARM64_PTDUMP_MASK;
}

/* Table entries do not contribute to arm64's key. */
static uint64_t arm64_ptdump_table_key(const struct ptsim_arch *a, int lvl, uint64_t e,
				       uint64_t parent_key)
{
	(void)a;
	(void)lvl;
	(void)e;
	(void)parent_key;
	return 0;
}

struct arm64_prot_bits {
	uint64_t mask;
	uint64_t val;
	const char *set;
	const char *clear; /* NULL: print nothing when not matching */
};

static const struct arm64_prot_bits arm64_pte_bits[] = {
	{PTSIM_ARM64_PTE_VALID, PTSIM_ARM64_PTE_VALID, " ", "F"},
	{PTSIM_ARM64_PTE_USER, PTSIM_ARM64_PTE_USER, "USR", "   "},
	{PTSIM_ARM64_PTE_RDONLY, PTSIM_ARM64_PTE_RDONLY, "ro", "RW"},
	{PTSIM_ARM64_PTE_PXN, PTSIM_ARM64_PTE_PXN, "NX", "x "},
	{PTSIM_ARM64_PTE_SHARED, PTSIM_ARM64_PTE_SHARED, "SHD", "   "},
	{PTSIM_ARM64_PTE_AF, PTSIM_ARM64_PTE_AF, "AF", "  "},
	{PTSIM_ARM64_PTE_NG, PTSIM_ARM64_PTE_NG, "NG", "  "},
	{PTSIM_ARM64_PTE_CONT, PTSIM_ARM64_PTE_CONT, "CON", "   "},
	{PTSIM_ARM64_PTE_TYPE_MASK, PTSIM_ARM64_PMD_TYPE_SECT, "BLK", "   "},
	{PTSIM_ARM64_PTE_UXN, PTSIM_ARM64_PTE_UXN, "UXN", "   "},
	{PTSIM_ARM64_PTE_GP, PTSIM_ARM64_PTE_GP, "GP", "  "},
	{PTSIM_ARM64_PTE_ATTRINDX_MASK, PTSIM_ARM64_PTE_ATTRINDX(PTSIM_ARM64_MT_DEVICE_nGnRnE),
	 "DEVICE/nGnRnE", NULL},
	{PTSIM_ARM64_PTE_ATTRINDX_MASK, PTSIM_ARM64_PTE_ATTRINDX(PTSIM_ARM64_MT_DEVICE_nGnRE),
	 "DEVICE/nGnRE", NULL},
	{PTSIM_ARM64_PTE_ATTRINDX_MASK, PTSIM_ARM64_PTE_ATTRINDX(PTSIM_ARM64_MT_NORMAL_NC),
	 "MEM/NORMAL-NC", NULL},
	{PTSIM_ARM64_PTE_ATTRINDX_MASK, PTSIM_ARM64_PTE_ATTRINDX(PTSIM_ARM64_MT_NORMAL),
	 "MEM/NORMAL", NULL},
	{PTSIM_ARM64_PTE_ATTRINDX_MASK, PTSIM_ARM64_PTE_ATTRINDX(PTSIM_ARM64_MT_NORMAL_TAGGED),
	 "MEM/NORMAL-TAGGED", NULL},
};

#define ARM64_NR_PTE_BITS (sizeof(arm64_pte_bits) / sizeof(arm64_pte_bits[0]))

/* Append to a bounded buffer with snprintf() accounting. */
static void arm64_put(char *buf, size_t len, size_t *pos, const char *s)
{
	for (; *s; s++, (*pos)++)
		if (*pos + 1 < len)
			buf[*pos] = *s;
}

/*
 * One finished line, as note_page() prints it:
 *   "0x%016lx-0x%016lx   %9lu%c %s" [" token"...] "\n"
 * Attributes are printed only when the line's printed bits are non-zero
 * (a hole, or an entry with none of the printed bits, shows none).
 */
static int arm64_ptdump_line(const struct ptsim_arch *a, int lvl, uint64_t start, uint64_t end,
			     uint64_t e, uint64_t key, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	static const char *const names[PTSIM_NR_LEVELS] = {"PGD", "P4D", "PUD", "PMD", "PTE"};
	const char *unit = units;
	uint64_t prot = e & PTSIM_ARM64_PTDUMP_MASK;
	uint64_t delta = (end - start) >> 10;
	char head[96];
	size_t pos = 0;

	(void)a;
	(void)key;
	while (!(delta & 1023) && unit[1]) {
		delta >>= 10;
		unit++;
	}
	snprintf(head, sizeof(head), "0x%016llx-0x%016llx   %9llu%c %s", (unsigned long long)start,
		 (unsigned long long)end, (unsigned long long)delta, *unit,
		 (lvl >= 0 && lvl < PTSIM_NR_LEVELS) ? names[lvl] : "?");
	arm64_put(buf, len, &pos, head);
	if (prot) {
		for (size_t i = 0; i < ARM64_NR_PTE_BITS; i++) {
			const struct arm64_prot_bits *b = &arm64_pte_bits[i];
			const char *s = (prot & b->mask) == b->val ? b->set : b->clear;

			if (!s)
				continue;
			arm64_put(buf, len, &pos, " ");
			arm64_put(buf, len, &pos, s);
		}
	}
	arm64_put(buf, len, &pos, "\n");
	if (len)
		buf[pos < len ? pos : len - 1] = '\0';
	return (int)pos;
}

/* ---------------------------------------------------------------------------
 * The hardware's view (the emulated MMU).  Checks follow the architecture's
 * fault priority: translation (Valid, at every level), access flag, then
 * permission.
 */

/* Valid: a present-invalid (PROT_NONE, pmd_mkinvalid()) entry is not. */
static bool arm64_mmu_valid(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return arm64_pte_valid(e);
}

/* nG clear: the translation matches every ASID. */
static bool arm64_mmu_global(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return !(e & PTSIM_ARM64_PTE_NG);
}

/*
 * At level 3 bits 1:0 must be 0b11 (page): 0b01 is reserved there and
 * faults as a translation fault.  Bit 1 is the one that tells table from
 * block above level 3.
 */
static bool arm64_mmu_leaf_usable(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	(void)a;
	return lvl != PTSIM_PTE || (e & PTSIM_ARM64_PMD_TABLE_BIT);
}

/*
 * Hierarchical attributes: PXNTable/UXNTable of a table descriptor apply to
 * every level below.  APTable is not modelled (Linux never sets it).
 */
static void arm64_mmu_table_rights(const struct ptsim_arch *a, int lvl, uint64_t e,
				   struct ptsim_mmu_rights *r)
{
	ARM64_UNUSED_ARGS;
	r->set |= e & (PTSIM_ARM64_PMD_TABLE_PXN | PTSIM_ARM64_PMD_TABLE_UXN);
}

static uint64_t arm64_mmu_fold_table(const struct ptsim_arch *a, int lvl,
				     const struct ptsim_mmu_rights *r, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return (e & ~r->clr) | r->set;
}

/* A leaf has no XNTable bits: the tables' restrictions become PXN/UXN. */
static uint64_t arm64_mmu_fold_leaf(const struct ptsim_arch *a, int lvl,
				    const struct ptsim_mmu_rights *r, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	if (r->set & PTSIM_ARM64_PMD_TABLE_PXN)
		e |= PTSIM_ARM64_PTE_PXN;
	if (r->set & PTSIM_ARM64_PMD_TABLE_UXN)
		e |= PTSIM_ARM64_PTE_UXN;
	return e;
}

/*
 * Access flag before permission.  EL0 data accesses need AP[1] (PTE_USER);
 * execution is governed by UXN at EL0 (so an execute-only page, AP[1] clear,
 * runs at EL0) and PXN at EL1.  A write to AP[2] (PTE_RDONLY) faults unless
 * DBM (PTE_WRITE) is set and the hardware manages dirtiness.  PAN and the
 * "EL0-writable is PXN at EL1" rule are not modelled.
 */
static enum ptsim_mmu_verdict arm64_mmu_check(const struct ptsim_arch *a, int lvl, uint64_t e,
					      unsigned int access, bool user,
					      const struct ptsim_mmu_config *mcfg)
{
	bool update = false;

	ARM64_UNUSED_ARGS;
	if (!(e & PTSIM_ARM64_PTE_AF)) {
		if (!mcfg->hw_af)
			return PTSIM_MMU_V_AF;
		update = true;
	}
	if (user && (access & (PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE)) &&
	    !(e & PTSIM_ARM64_PTE_USER))
		return PTSIM_MMU_V_PERM;
	if ((access & PTSIM_ACCESS_EXEC) &&
	    (e & (user ? PTSIM_ARM64_PTE_UXN : PTSIM_ARM64_PTE_PXN)))
		return PTSIM_MMU_V_PERM;
	if ((access & PTSIM_ACCESS_WRITE) && (e & PTSIM_ARM64_PTE_RDONLY)) {
		if (!mcfg->hw_dbm || !(e & PTSIM_ARM64_PTE_DBM))
			return PTSIM_MMU_V_PERM;
		update = true; /* the hardware dirty-state update */
	}
	return update ? PTSIM_MMU_V_UPDATE : PTSIM_MMU_V_OK;
}

/*
 * arm64_mmu_check()'s PTSIM_MMU_V_OK as masks: AF always (a clear AF is an
 * access-flag fault or the hardware's update, never OK); AP[1] for an EL0
 * read or write; UXN (EL0) or PXN (EL1) clear for an instruction fetch;
 * AP[2] clear for a write (with it set, the write faults or is the DBM
 * update).
 */
static void arm64_mmu_ok_mask(const struct ptsim_arch *a, unsigned int access, bool user,
			      uint64_t *set, uint64_t *clr)
{
	(void)a;
	*set = PTSIM_ARM64_PTE_AF;
	*clr = 0;
	if (user && (access & (PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE)))
		*set |= PTSIM_ARM64_PTE_USER;
	if (access & PTSIM_ACCESS_EXEC)
		*clr |= user ? PTSIM_ARM64_PTE_UXN : PTSIM_ARM64_PTE_PXN;
	if (access & PTSIM_ACCESS_WRITE)
		*clr |= PTSIM_ARM64_PTE_RDONLY;
}

/* Table AF is ignored without FEAT_HAFT: the walk leaves table entries alone. */
static uint64_t arm64_mmu_table_accessed(const struct ptsim_arch *a, int lvl, uint64_t e)
{
	ARM64_UNUSED_ARGS;
	return e;
}

/* AF, and for a write the DBM dirty-state update: AP[2] cleared. */
static uint64_t arm64_mmu_update(const struct ptsim_arch *a, int lvl, uint64_t e,
				 unsigned int access)
{
	ARM64_UNUSED_ARGS;
	e |= PTSIM_ARM64_PTE_AF;
	if (access & PTSIM_ACCESS_WRITE)
		e &= ~PTSIM_ARM64_PTE_RDONLY; /* only reached with DBM set and hw_dbm */
	return e;
}

/* The walk's step: arm64_pmd_table() and not a leaf here, with arm64_pte_pfn() (struct
 * ptsim_arch_ops). */
static bool arm64_walk_table(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t *pfn)
{
	/*
	 * Folded: a table descriptor (0b11 above level 3) is Valid, so never
	 * a leaf, and its PFN is its output address's, unmasked.
	 */
	if (!arm64_pmd_table(a, lvl, e))
		return false;
	*pfn = arm64_pte_to_phys(a, e) >> a->page_shift;
	return true;
}

const struct ptsim_arch_ops ptsim__arm64_ops = {
	.pgprot = arm64_pgprot,
	.pgprot_mask = arm64_pgprot_mask,
	.mk_leaf = arm64_mk_leaf,
	.mk_table = arm64_mk_table,
	.mk_swp = arm64_mk_swp,
	.modify = arm64_pte_modify,
	.relevel = arm64_relevel,

	.decode = arm64_decode,
	.none = arm64_pte_none,
	.present = arm64_pte_present,
	.leaf = arm64_pmd_leaf,
	.table = arm64_pmd_table,
	.protnone = arm64_pte_protnone,
	.swp = arm64_pte_swp,
	.write = arm64_pte_write,
	.dirty = arm64_pte_dirty,
	.young = arm64_pte_young,
	.special = arm64_pte_special,
	.soft_dirty = arm64_pte_soft_dirty,
	.uffd_wp = arm64_pte_uffd_wp,
	.cont = arm64_pte_cont,
	.pfn = arm64_pte_pfn,
	.walk_table = arm64_walk_table,
	.swp_type = arm64_swp_type,
	.swp_offset = arm64_swp_offset,
	.swp_flags = arm64_swp_flags,

	.mkwrite = arm64_pte_mkwrite,
	.wrprotect = arm64_pte_wrprotect,
	.mkdirty = arm64_pte_mkdirty,
	.mkclean = arm64_pte_mkclean,
	.mkyoung = arm64_pte_mkyoung,
	.mkold = arm64_pte_mkold,
	.mkuffd_wp = arm64_pte_mkuffd_wp,
	.clear_uffd_wp = arm64_pte_clear_uffd_wp,
	.mksoft_dirty = arm64_pte_nop,
	.clear_soft_dirty = arm64_pte_nop,
	.mkspecial = arm64_pte_mkspecial,
	.mkcont = arm64_pte_mkcont,
	.mknoncont = arm64_pte_mknoncont,
	.mkinvalid = arm64_pte_mkinvalid,
	.swp_mkexclusive = arm64_pte_swp_mkexclusive,
	.swp_clear_exclusive = arm64_pte_swp_clear_exclusive,
	.swp_mksoft_dirty = arm64_pte_nop,
	.swp_clear_soft_dirty = arm64_pte_nop,
	.swp_mkuffd_wp = arm64_pte_swp_mkuffd_wp,
	.swp_clear_uffd_wp = arm64_pte_swp_clear_uffd_wp,

	.ptdump_key = arm64_ptdump_key,
	.ptdump_table_key = arm64_ptdump_table_key,
	.ptdump_line = arm64_ptdump_line,
	.ptdump_level = arm64_ptdump_level,

	.mmu_valid = arm64_mmu_valid,
	.mmu_global = arm64_mmu_global,
	.mmu_leaf_usable = arm64_mmu_leaf_usable,
	.mmu_table_rights = arm64_mmu_table_rights,
	.mmu_fold_table = arm64_mmu_fold_table,
	.mmu_fold_leaf = arm64_mmu_fold_leaf,
	.mmu_check = arm64_mmu_check,
	.mmu_table_accessed = arm64_mmu_table_accessed,
	.mmu_update = arm64_mmu_update,
	.mmu_ok_mask = arm64_mmu_ok_mask,
};
