/* SPDX-License-Identifier: MIT */
/*
 * src/arch/internal.h - the architecture description and its ops table.
 *
 * Geometry and the address-space layout are data (struct ptsim_arch), and
 * so are the capability flags (PTSIM_ARCH_CAP_*) that say how the kernel's
 * generic code behaves on the architecture; semantics are functions in
 * src/arch/x86_64.c and src/arch/arm64.c, named like the kernel's, reached
 * through struct ptsim_arch_ops (encodings, ptdump, and the emulated MMU's
 * reading of entries).  Every op takes the arch (for granule and PA-width
 * dependent encodings) and the logical level of the entry.
 *
 * Level conventions for ops:
 *  - A "leaf" at level PTE is a page; at PMD/PUD (and P4D/PGD, never legal
 *    on the supported configs) it is a huge leaf / block.  The op must encode
 *    it in that level's format (x86: PSE set, PAT bit moved 7 -> 12; arm64:
 *    descriptor type 0b01).
 *  - Generic code only asks for ops at a level where @lvl is meaningful; a
 *    folded level passes its own logical level (the format of the physical
 *    slot is the same, so encoders depend only on leaf-vs-table).
 */
#ifndef PTSIM_SRC_ARCH_INTERNAL_H
#define PTSIM_SRC_ARCH_INTERNAL_H

#include <stdio.h>

#include "ptsim/arch.h"
#include "ptsim/softleaf.h"

#define PTSIM_MAX_HUGETLB_SIZES 4

struct ptsim_arch;

/*
 * The emulated MMU's side (src/tlb/mmu.c; the mmu_* ops below).
 *
 * Hardware feature switches the MMU honours (the mmu.hw_af / mmu.hw_dbm
 * knobs).
 */
struct ptsim_mmu_config {
	bool hw_af;  /* arm64: hardware access flag (FEAT_HAFDBS); x86: ignored */
	bool hw_dbm; /* arm64: hardware dirty-bit management; x86: ignored */
};

/*
 * Restrictions a walk gathers from the table entries above a level, in the
 * architecture's own terms (x86: R/W and U/S to clear, XD to set; arm64:
 * PXNTable/UXNTable).  Generic code only zeroes it and hands it to
 * mmu_table_rights(), mmu_fold_table() and mmu_fold_leaf().
 */
struct ptsim_mmu_rights {
	uint64_t clr, set;
};

/* What the MMU makes of an access to a leaf (mmu_check()). */
enum ptsim_mmu_verdict {
	PTSIM_MMU_V_OK,	    /* the access proceeds with the entry as it is */
	PTSIM_MMU_V_UPDATE, /* it proceeds once the hardware updates the entry (mmu_update()) */
	PTSIM_MMU_V_PERM,   /* permission fault */
	PTSIM_MMU_V_AF,	    /* access-flag fault (arm64 without hw_af) */
};

typedef bool (*ptsim_ent_pred_fn)(const struct ptsim_arch *a, int lvl, uint64_t e);
typedef uint64_t (*ptsim_ent_build_fn)(const struct ptsim_arch *a, int lvl, uint64_t e);

struct ptsim_arch_ops {
	/* Constructors. */
	uint64_t (*pgprot)(const struct ptsim_arch *a, unsigned int prot, unsigned int flags);
	/*
	 * The attribute fields of a PTE-format pgprot: every bit a pgprot may
	 * carry.  Not the output address, and not what the library sets itself
	 * (arm64's contiguous hint: PTSIM_MAP_CONT).  ptsim_map() refuses a
	 * pgprot with other bits; ptsim_mk_leaf() ignores them.
	 */
	uint64_t (*pgprot_mask)(const struct ptsim_arch *a);
	uint64_t (*mk_leaf)(const struct ptsim_arch *a, int lvl, uint64_t pfn, uint64_t pgprot);
	uint64_t (*mk_table)(const struct ptsim_arch *a, int lvl, uint64_t pfn, bool kernel);
	uint64_t (*mk_swp)(const struct ptsim_arch *a, int lvl, unsigned int type, uint64_t offset,
			   unsigned int flags);
	uint64_t (*modify)(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t newprot);
	/*
	 * The leaf @e of level @lvl re-encoded as a leaf of level @new_lvl that
	 * maps @pfn, every attribute carried (write, dirty, young, soft-dirty,
	 * uffd-wp, special, memory type, PROT_NONE; not the contiguous hint):
	 * what splitting a huge leaf into smaller ones, or collapsing them back,
	 * needs (x86 PSE and the PAT bit's position; arm64 block vs page type).
	 */
	uint64_t (*relevel)(const struct ptsim_arch *a, int lvl, uint64_t e, int new_lvl,
			    uint64_t pfn);

	/* Decode. */
	void (*decode)(const struct ptsim_arch *a, int lvl, uint64_t e, struct ptsim_attrs *out);
	ptsim_ent_pred_fn none, present, leaf, table, protnone, swp;
	ptsim_ent_pred_fn write, dirty, young, special, soft_dirty, uffd_wp, cont;
	uint64_t (*pfn)(const struct ptsim_arch *a, int lvl, uint64_t e);
	/*
	 * walk_table(): whether a walk descends through @e read at logical
	 * level @lvl - table(), and not a leaf where @lvl may hold one
	 * (a->leaf_ok[lvl] && leaf()) - and if so the table's pfn() in *@pfn.
	 * The predicates and pfn() above, composed into one call per level
	 * for the walks (ptsim__walk_to(), the MMU); test_arch_* check that it
	 * is exactly that composition.
	 */
	bool (*walk_table)(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t *pfn);
	unsigned int (*swp_type)(const struct ptsim_arch *a, int lvl, uint64_t e);
	uint64_t (*swp_offset)(const struct ptsim_arch *a, int lvl, uint64_t e);
	unsigned int (*swp_flags)(const struct ptsim_arch *a, int lvl, uint64_t e);

	/* Builders (see PTSIM__ARCH_BUILDERS); an op the arch lacks returns e. */
	ptsim_ent_build_fn mkwrite, wrprotect, mkdirty, mkclean, mkyoung, mkold;
	ptsim_ent_build_fn mkuffd_wp, clear_uffd_wp, mksoft_dirty, clear_soft_dirty;
	ptsim_ent_build_fn mkspecial, mkcont, mknoncont, mkinvalid;
	ptsim_ent_build_fn swp_mkexclusive, swp_clear_exclusive;
	ptsim_ent_build_fn swp_mksoft_dirty, swp_clear_soft_dirty;
	ptsim_ent_build_fn swp_mkuffd_wp, swp_clear_uffd_wp;

	/*
	 * ptdump.  The generic dumper walks the tables, calls ptdump_key() for
	 * each leaf or hole (e == 0 for a hole) with the key of the parent
	 * table entry chain (@parent_key: 0 at the top), and starts a new line
	 * whenever the level or the key changes.  A key must contain every bit
	 * that the arch's kernel ptdump compares (x86: bits 11:0 and 63:52 plus
	 * the effective protection; arm64: the attribute bits it prints).
	 * ptdump_table_key() folds a table entry into the effective key
	 * handed down to its children (x86 effective USER/RW/NX; arm64: 0).
	 * ptdump_line() formats one finished line, including the newline, for
	 * [start, end) at @lvl (already mapped to the reported level), whose
	 * first entry was @e (0 for a hole) and whose key was @key.
	 */
	uint64_t (*ptdump_key)(const struct ptsim_arch *a, int lvl, uint64_t e,
			       uint64_t parent_key);
	uint64_t (*ptdump_table_key)(const struct ptsim_arch *a, int lvl, uint64_t e,
				     uint64_t parent_key);
	int (*ptdump_line)(const struct ptsim_arch *a, int lvl, uint64_t start, uint64_t end,
			   uint64_t e, uint64_t key, char *buf, size_t len);
	/* Level a hole or leaf at logical @lvl is reported as (arm64 folds P4D/PUD -> PGD). */
	int (*ptdump_level)(const struct ptsim_arch *a, int lvl);

	/*
	 * The emulated MMU (src/tlb/mmu.c) reads entries as the hardware does,
	 * not as Linux does: a PROT_NONE or pmd_mkinvalid() entry is present
	 * to Linux but invalid to the MMU, and the hardware's dirty update
	 * (x86 D, arm64 clearing AP[2]) is not pte_mkdirty(), which also sets
	 * software bits.  Leaf-or-table and the PFN still come from the ops
	 * above (the walk shares them with ptsim__walk_to()).  @lvl is the
	 * logical level the entry is read at (ptsim__entry_level()).
	 *
	 * mmu_valid(): the descriptor's valid bit (x86 P, arm64 Valid).
	 * mmu_global(): a leaf that matches every address-space id (x86 G,
	 *   arm64 nG clear).
	 * mmu_leaf_usable(): a valid leaf the hardware can translate through
	 *   at @lvl; false is a translation fault (arm64: a level-3
	 *   descriptor of type 0b01 is reserved).
	 * mmu_table_rights(): add to @r the restrictions the table entry @e
	 *   puts on every level below it (x86: R/W and U/S must be set at
	 *   every level, XD at any; arm64: PXNTable/UXNTable).
	 * mmu_fold_table(): @e as a walk-cache entry holds it, with @r (which
	 *   includes @e's own) folded in, so a walk resumed from it checks
	 *   what a full walk would (SDM vol. 3 4.10.3.1).
	 * mmu_fold_leaf(): the leaf @e as a TLB entry holds it: every table
	 *   level's restrictions folded in (arm64: as PXN/UXN).
	 * mmu_check(): the access (PTSIM_ACCESS_* of include/ptsim/mm.h; @user
	 *   for EL0 / CPL 3) to a leaf with the restrictions folded in, in the
	 *   architecture's fault priority.
	 * mmu_table_accessed(): a table entry after the walk used it (x86 sets
	 *   A, SDM vol. 3 4.8; arm64 without FEAT_HAFT leaves it alone).
	 * mmu_update(): the leaf after the hardware's accessed/dirty update for
	 *   an access mmu_check() answered PTSIM_MMU_V_UPDATE (x86 A, then D
	 *   for a write; arm64 AF, and AP[2] cleared for a DBM write).
	 * mmu_ok_mask(): mmu_check()'s PTSIM_MMU_V_OK as two masks, for the
	 *   TLB-hit path (src/tlb/mmu.h): for every level and every struct
	 *   ptsim_mmu_config, mmu_check(a, lvl, e, access, user, mcfg) is
	 *   PTSIM_MMU_V_OK iff (e & *set) == *set and !(e & *clr).  Only the
	 *   other verdicts depend on the hardware switches (test_arch_* check
	 *   the equivalence over every bit pattern of the masks' bits).
	 */
	bool (*mmu_valid)(const struct ptsim_arch *a, int lvl, uint64_t e);
	bool (*mmu_global)(const struct ptsim_arch *a, int lvl, uint64_t e);
	bool (*mmu_leaf_usable)(const struct ptsim_arch *a, int lvl, uint64_t e);
	void (*mmu_table_rights)(const struct ptsim_arch *a, int lvl, uint64_t e,
				 struct ptsim_mmu_rights *r);
	uint64_t (*mmu_fold_table)(const struct ptsim_arch *a, int lvl,
				   const struct ptsim_mmu_rights *r, uint64_t e);
	uint64_t (*mmu_fold_leaf)(const struct ptsim_arch *a, int lvl,
				  const struct ptsim_mmu_rights *r, uint64_t e);
	enum ptsim_mmu_verdict (*mmu_check)(const struct ptsim_arch *a, int lvl, uint64_t e,
					    unsigned int access, bool user,
					    const struct ptsim_mmu_config *mcfg);
	uint64_t (*mmu_table_accessed)(const struct ptsim_arch *a, int lvl, uint64_t e);
	uint64_t (*mmu_update)(const struct ptsim_arch *a, int lvl, uint64_t e,
			       unsigned int access);
	void (*mmu_ok_mask)(const struct ptsim_arch *a, unsigned int access, bool user,
			    uint64_t *set, uint64_t *clr);
};

/*
 * Capabilities: what code outside src/arch asks of an architecture instead
 * of its name, which it never tests (the check_layers test fails on
 * PTSIM_ARCH_X86_64, PTSIM_ARCH_ARM64 or ->kind anywhere under src/ but
 * src/arch/).  Each flag stands for one kernel or hardware behaviour that
 * differs between architectures; how the hardware reads an entry is the
 * mmu_* ops, and the address-space layout is data in struct ptsim_arch.
 * Adding an architecture means a new ops file, its configurations in
 * arch.c, and the flags it has; nothing above src/arch changes.  A machine runs on its own copy of
 * the description (ptsim_machine_arch()), whose capabilities follow its configuration (the kernel's
 * CONFIG_* switches that change encodings: soft-dirty; historical behaviour of an architecture's
 * helpers).
 */
enum {
	/* _PAGE_SOFT_DIRTY / _PAGE_SWP_SOFT_DIRTY exist (x86 with CONFIG_MEM_SOFT_DIRTY). */
	PTSIM_ARCH_CAP_SOFT_DIRTY = 1u << 0,
	/* pte_mkdirty() also sets the hardware write bit (sparc64 before 6.4; a compat knob). */
	PTSIM_ARCH_CAP_MKDIRTY_SETS_WRITE = 1u << 1,
	/*
	 * Live entries need break-before-make: a hardware-valid entry may
	 * change only its permission and access/dirty bits in place; a new
	 * output address, size or contiguous hint goes through an invalid
	 * entry and a TLB flush, and an entry is made valid only once no CPU
	 * can still cache a conflicting translation (arm64: the ARM ARM's
	 * break-before-make rule; __check_safe_pte_update() warns on the
	 * first case, the contpte code and pmdp_invalidate() users follow it).
	 * The discipline checker (src/tlb/discipline.c) records every entry
	 * write that breaks it as a BBM violation.
	 */
	PTSIM_ARCH_CAP_BREAK_BEFORE_MAKE = 1u << 2,
	/*
	 * A page fault drops the faulting address's TLB entries and the
	 * paging-structure-cache entries that would be used for it, on the
	 * faulting CPU (x86: SDM vol. 3 4.10.4.1).  So a stale read-only entry
	 * faults once and is gone, which is why x86
	 * flush_tlb_fix_spurious_fault() and ptep_set_access_flags() need no
	 * flush.  arm64 may keep an entry that gave a permission fault.
	 */
	PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB = 1u << 3,
	/*
	 * ptep_set_access_flags() / pmdp_set_access_flags() flush the TLB when
	 * they make an entry writable or dirty: arm64 __ptep_set_access_flags()
	 * ends in flush_tlb_page() (the stale read-only entry may still be
	 * cached).  x86 does not: the fault dropped the entry
	 * (PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB).
	 */
	PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES = 1u << 4,
	/*
	 * ptep_clear_flush_young() / pmdp_clear_flush_young() flush: arm64
	 * invalidates the page (flush_tlb_page_nosync()).  x86 only clears A
	 * ("clearing the accessed bit without a TLB flush doesn't cause data
	 * corruption"): a cached young entry costs at most a missed reference.
	 */
	PTSIM_ARCH_CAP_CLEAR_YOUNG_FLUSHES = 1u << 5,
	/*
	 * An invalidation by VA also drops every paging-structure-cache (walk
	 * cache) entry of the ASID: x86 INVLPG / INVPCID (SDM vol. 3
	 * 4.10.4.1), so flush_tlb_page() and every range flush do.  Without it
	 * (arm64) a last-level TLBI VALE1IS keeps the walk caches, and a range
	 * flush that is not last-level (TLBI VAE1IS) drops only the walk-cache
	 * entries overlapping the range.
	 */
	PTSIM_ARCH_CAP_VA_FLUSH_DROPS_WALK_CACHES = 1u << 6,
	/*
	 * Migration entries carry young/dirty by default
	 * (migration_entry_supports_ad(): the swap offset holds SWP_PFN_BITS +
	 * 2 bits).  arm64's 50-bit offset always does; x86's usable offset is
	 * capped by L1TF (max_swapfile_size()) on common CPUs.  The default of
	 * the swp.migration_ad knob.
	 */
	PTSIM_ARCH_CAP_MIGRATION_AD = 1u << 7,
	/*
	 * VM_EXEC alone allows a read: x86 access_error() asks
	 * vma_is_accessible() (VM_READ | VM_WRITE | VM_EXEC).  arm64
	 * do_page_fault() asks VM_READ or VM_WRITE for a read (with EPAN,
	 * which the model assumes: exec-only memory is not readable).
	 */
	PTSIM_ARCH_CAP_EXEC_IMPLIES_READ = 1u << 8,
	/*
	 * x86 pmd_modify() masks the hardware D bit out (_HPAGE_CHG_MASK &
	 * ~_PAGE_DIRTY, since bb3aadf7d446 in v6.6) instead of keeping it as
	 * pte_modify() and pud_modify() do; f7491d7c81db ("x86/mm: Fix
	 * user-space data loss with MADV_FREE and THP") restored it.  The
	 * compat.x86_pmd_modify_drops_dirty knob.
	 */
	PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY = 1u << 9,
};

/*
 * A range of virtual addresses the tables translate, [start, end) with end 0
 * meaning 2^64.  x86 has two, the canonical lower and upper halves; arm64 one,
 * the TTBR0 (user) half (no TTBR1 tables are built).  @ptdump_marker is the
 * banner the arch's ptdump prints at the start of the range (x86
 * dump_pagetables.c address_markers[]: "User Space", "Kernel Space"), or
 * NULL.
 */
struct ptsim_va_range {
	uint64_t start, end;
	const char *ptdump_marker;
	bool kernel_only; /* only init_mm's tables translate it (arm64 TTBR1, kernel_mm knob) */
};

#define PTSIM_MAX_VA_RANGES 3

/*
 * The meaning of the 5-bit swap type code on a machine (src/arch/softleaf.c).
 * The kernel fixes it at build time: include/linux/swap.h packs the special
 * types that its configuration builds (SWP_HWPOISON_NUM, SWP_MIGRATION_NUM,
 * SWP_DEVICE_NUM, SWP_PTE_MARKER_NUM: zero when CONFIG_MEMORY_FAILURE,
 * CONFIG_MIGRATION, CONFIG_DEVICE_PRIVATE, CONFIG_PTE_MARKER is off) against
 * the top of the code space, and MAX_SWAPFILES is what is left below them.
 * The model's "build configuration" is the swp.* knobs, fixed at machine
 * creation, so the table is computed when the machine is created
 * (ptsim__swp_codes_init() from ptsim__machine_knobs_changed()) into the
 * machine's own copy of the description, and every softleaf encode, decode
 * and mm-layer test reads it there instead of recomputing it.  The constant
 * descriptors of the registry (ptsim_arch_at()) leave it zeroed;
 * max_swapfiles == 0 marks that.  swapops.h's swap_migration_ad_supported()
 * is a build-time fact too.
 */
struct ptsim_swp_codes {
	unsigned int max_swapfiles;			   /* MAX_SWAPFILES; 0: not computed */
	int code[PTSIM_SOFTLEAF_NR_TYPES];		   /* -1: not a configured special */
	enum ptsim_softleaf_type type[PTSIM_SWP_NR_CODES]; /* meaning of each code */
	bool migration_ad; /* migration entries keep young/dirty in the offset */
};

struct ptsim_arch {
	const char *name;
	enum ptsim_arch_kind kind; /* for ptsim_arch_kind() and src/arch only */
	unsigned int caps;	   /* PTSIM_ARCH_CAP_* */
	unsigned int page_shift;
	unsigned int va_bits;	/* VA bits translated */
	unsigned int pa_bits;	/* MAX_PHYSMEM_BITS */
	unsigned int nr_levels; /* CONFIG_PGTABLE_LEVELS */
	unsigned int shift[PTSIM_NR_LEVELS];
	unsigned int ptrs[PTSIM_NR_LEVELS]; /* 1 = folded */
	bool leaf_ok[PTSIM_NR_LEVELS];
	unsigned int cont_nr[PTSIM_NR_LEVELS]; /* arm64 CONT_PTES / CONT_PMDS, else 0 */
	uint64_t hugetlb_sizes[PTSIM_MAX_HUGETLB_SIZES];
	unsigned int nr_hugetlb_sizes;
	unsigned int section_bits; /* SECTION_SIZE_BITS */
	unsigned int max_order;	   /* MAX_PAGE_ORDER, inclusive */
	/*
	 * arm64 52-bit output addresses: PA_52_LPA2 puts PA[51:50] in
	 * descriptor bits 9:8 (4K/16K with FEAT_LPA2; no SH field, so
	 * PTE_SHARED is 0); PA_52_64K puts PA[51:48] in bits 15:12.
	 */
	enum { PTSIM_PA_48 = 0, PTSIM_PA_52_LPA2, PTSIM_PA_52_64K } pa_layout;
	/* Address-space layout: the valid ranges in address order (ptsim__va_range()). */
	struct ptsim_va_range va_ranges[PTSIM_MAX_VA_RANGES];
	unsigned int nr_va_ranges;
	uint64_t task_size;  /* TASK_SIZE: user mappings end at or below it */
	uint64_t map_window; /* DEFAULT_MAP_WINDOW: top of mmap()'s top-down search */
	const struct ptsim_arch_ops *ops;
	struct ptsim_swp_codes swp; /* a machine's copy only (ptsim__swp_codes_init()) */
};

extern const struct ptsim_arch_ops ptsim__x86_64_ops;
extern const struct ptsim_arch_ops ptsim__arm64_ops;

static inline uint64_t ptsim__page_size(const struct ptsim_arch *a)
{
	return 1ull << a->page_shift;
}

static inline bool ptsim__level_folded(const struct ptsim_arch *a, int lvl)
{
	return a->ptrs[lvl] == 1;
}

/* The real level whose table holds the slot of logical level @lvl. */
static inline int ptsim__slot_level(const struct ptsim_arch *a, int lvl)
{
	while (lvl > PTSIM_PGD && ptsim__level_folded(a, lvl))
		lvl--;
	return lvl;
}

/*
 * The folding rule, in one place.  A folded level has no table of its own: it
 * shares the slot of the nearest real level above (the kernel's pud_offset()
 * on a folded PUD returns the p4d pointer it was given), and the entry in
 * that slot is read as the lowest logical level sharing it - where the
 * kernel's pXd_none()/pXd_table()/pXd_leaf() tests really look.
 *
 * No configuration lets a level hold a leaf when a folded level follows it
 * (a block lives at the lowest level sharing its slot: the 1 GiB block of
 * arm64-4k-39 is a PUD leaf in a PGD table), so a leaf needs no exception;
 * test_arch_x86 and test_arch_arm64 check that for every configuration.
 */

/*
 * The logical level at which the entries of a table of real level @lvl are
 * read: the lowest logical level sharing its slots.  For a folded @lvl, the
 * lowest level sharing that level's slot.
 */
static inline int ptsim__entry_level(const struct ptsim_arch *a, int lvl)
{
	while (lvl < PTSIM_PTE && ptsim__level_folded(a, lvl + 1))
		lvl++;
	return lvl;
}

/*
 * The real level of the table an entry of logical level @lvl points to: the
 * level after the lowest one sharing the entry's slot (PTE tables are never
 * folded).
 */
static inline int ptsim__child_level(const struct ptsim_arch *a, int lvl)
{
	return ptsim__entry_level(a, lvl) + 1;
}

/* Index in a->va_ranges[] of the range holding @va, -1 if none holds it. */
static inline int ptsim__va_range(const struct ptsim_arch *a, uint64_t va)
{
	for (unsigned int i = 0; i < a->nr_va_ranges; i++) {
		const struct ptsim_va_range *r = &a->va_ranges[i];

		if (va >= r->start && (r->end == 0 || va < r->end))
			return (int)i;
	}
	return -1;
}

/* Index of @va in the table of logical level @lvl (0 for a folded level). */
static inline unsigned int ptsim__index(const struct ptsim_arch *a, int lvl, uint64_t va)
{
	return (unsigned int)((va >> a->shift[lvl]) & (a->ptrs[lvl] - 1));
}

/* pXd_addr_end(): next boundary of level @lvl after @addr, capped at @end. */
static inline uint64_t ptsim__addr_end(const struct ptsim_arch *a, int lvl, uint64_t addr,
				       uint64_t end)
{
	uint64_t size = 1ull << a->shift[lvl];
	uint64_t boundary = (addr + size) & ~(size - 1);

	return (boundary - 1 < end - 1) ? boundary : end;
}

/*
 * Softleaf encoding (src/arch/softleaf.c): typed non-present entries on top
 * of the ops' raw swap format (mk_swp, swp_type, swp_offset, swp_flags).
 * The api layer checks the caller's arguments and reports errors; these
 * functions only compute, and take their input as already valid.
 */
struct ptsim_config;

/*
 * Fill a->swp from the configuration's swp.* knobs (and swp.migration_ad)
 * and a's geometry.  None of them changes after the machine is created, so
 * running it again (every ptsim__machine_knobs_changed()) rebuilds the same
 * table.
 */
void ptsim__swp_codes_init(struct ptsim_arch *a, const struct ptsim_config *c);

/* SWP_PFN_BITS = MAX_PHYSMEM_BITS - PAGE_SHIFT (swapops.h). */
static inline unsigned int ptsim__swp_pfn_bits(const struct ptsim_arch *a)
{
	return a->pa_bits - a->page_shift;
}

/* MAX_SWAPFILES: codes below it are swap areas. */
static inline unsigned int ptsim__max_swapfiles(const struct ptsim_arch *a)
{
	return a->swp.max_swapfiles;
}

/* The code of special type @t (SWP_HWPOISON, SWP_PTE_MARKER, ...), -1 if not built. */
static inline int ptsim__swp_code(const struct ptsim_arch *a, enum ptsim_softleaf_type t)
{
	return (unsigned int)t < PTSIM_SOFTLEAF_NR_TYPES ? a->swp.code[t] : -1;
}

/*
 * What swap type code @code means: SWAP below MAX_SWAPFILES, else the special
 * type (is_pte_marker_entry(), is_hwpoison_entry() compare the code the same
 * way).
 */
static inline enum ptsim_softleaf_type ptsim__swp_code_type(const struct ptsim_arch *a,
							    unsigned int code)
{
	return code < PTSIM_SWP_NR_CODES ? a->swp.type[code] : PTSIM_SOFTLEAF_INVALID;
}

/* softleaf_has_pfn(): migration, device and hwpoison entries keep a PFN. */
bool ptsim__softleaf_has_pfn(enum ptsim_softleaf_type t);
/* Whether an entry of level @lvl may be of type @t (every type at PTE level). */
bool ptsim__softleaf_level_holds(int lvl, enum ptsim_softleaf_type t);

/*
 * The swp_entry_t of @s: its type code and offset, the PFN and migration
 * young/dirty packed in (swp_entry(), make_*_entry()).  @s must be valid on
 * @a: a SWAP area below MAX_SWAPFILES with an offset within
 * ptsim_arch_swp_offset_max(), or a configured special type with a PFN
 * below 2^SWP_PFN_BITS or marker bits.
 */
void ptsim__softleaf_entry(const struct ptsim_arch *a, const struct ptsim_softleaf *s,
			   unsigned int *code, uint64_t *offset);

/*
 * The swap-format word of @s at @lvl (swp_entry_to_pte() and the swap
 * flags): ptsim__softleaf_entry()'s code and offset, flags within
 * PTSIM_SWP_*, a type @lvl holds.  The result may be a none word (the caller
 * refuses that).
 */
ptsim_ent_t ptsim__softleaf_encode(const struct ptsim_arch *a, int lvl,
				   const struct ptsim_softleaf *s);

/* Decode the non-none, non-present entry @e of @lvl into every field of @out. */
void ptsim__softleaf_decode(const struct ptsim_arch *a, int lvl, ptsim_ent_t e,
			    struct ptsim_softleaf *out);

/*
 * The kernel's virtual layout (init_mm, knob kernel_mm; src/arch/kernel_layout.c):
 * arm64 Documentation/arch/arm64/memory.rst and asm/memory.h (the v5.4+
 * layout: linear map in the lower half of the TTBR1 range, vmemmap just
 * below the top 1G), x86 Documentation/arch/x86/x86_64/mm.rst (no KASLR).
 * @markers are the ptdump region markers in address order (arm64
 * arch/arm64/mm/ptdump.c, x86 arch/x86/mm/dump_pagetables.c); a NULL name
 * ends the dump without a banner.
 */
#define PTSIM_KLAYOUT_MAX_MARKERS 10

struct ptsim_klayout {
	uint64_t page_offset, page_end; /* the linear map */
	uint64_t phys_offset;		/* physical address mapped at page_offset */
	uint64_t vmalloc_start, vmalloc_end;
	uint64_t vmemmap_start, vmemmap_end;
	uint64_t vmemmap_base;	  /* address of PFN 0's struct page (may lie below the region) */
	uint64_t vmemmap_leaf;	  /* bytes of one vmemmap leaf: PMD block or base page */
	unsigned int page_struct; /* sizeof(struct page) */
	bool linear_cont;	  /* the linear map uses contiguous hints */
	bool ttbr1;		  /* the kernel half is a range of its own (arm64) */
	unsigned int nr_markers;
	struct {
		uint64_t addr;
		const char *name;
	} markers[PTSIM_KLAYOUT_MAX_MARKERS];
};

void ptsim__kernel_layout(const struct ptsim_arch *a, uint64_t phys_base,
			  struct ptsim_klayout *out);
/*
 * Whether the tables of a user (@kernel false) or of the kernel's address
 * space skip range @r: a kernel-only range is init_mm's alone, and where
 * there is one (arm64 TTBR1), init_mm translates nothing else.
 */
static inline bool ptsim__va_range_skip(const struct ptsim_arch *a, const struct ptsim_va_range *r,
					bool kernel)
{
	if (r->kernel_only)
		return !kernel;
	return kernel && a->nr_va_ranges && a->va_ranges[a->nr_va_ranges - 1].kernel_only;
}

/* Add the kernel-only TTBR1 range to @a if its kernel half needs one (arm64). */
void ptsim__kernel_va_range(struct ptsim_arch *a);

#endif /* PTSIM_SRC_ARCH_INTERNAL_H */
