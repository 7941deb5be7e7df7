/* SPDX-License-Identifier: MIT */
/*
 * src/arch/internal.h - the architecture description and its ops table.
 *
 * Geometry is data (struct ptsim_arch); semantics are functions in
 * src/arch/x86_64.c and src/arch/arm64.c, named like the kernel's, reached
 * through struct ptsim_arch_ops.  Every op takes the arch (for granule and
 * PA-width dependent encodings) and the logical level of the entry.
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

#define PTSIM_MAX_HUGETLB_SIZES 4

struct ptsim_arch;

typedef bool (*ptsim_ent_pred_fn)(const struct ptsim_arch *a, int lvl, uint64_t e);
typedef uint64_t (*ptsim_ent_build_fn)(const struct ptsim_arch *a, int lvl, uint64_t e);

struct ptsim_arch_ops {
	/* Constructors. */
	uint64_t (*pgprot)(const struct ptsim_arch *a, unsigned int prot, unsigned int flags);
	uint64_t (*mk_leaf)(const struct ptsim_arch *a, int lvl, uint64_t pfn, uint64_t pgprot);
	uint64_t (*mk_table)(const struct ptsim_arch *a, int lvl, uint64_t pfn, bool kernel);
	uint64_t (*mk_swp)(const struct ptsim_arch *a, int lvl, unsigned int type, uint64_t offset,
			   unsigned int flags);
	uint64_t (*modify)(const struct ptsim_arch *a, int lvl, uint64_t e, uint64_t newprot);

	/* Decode. */
	void (*decode)(const struct ptsim_arch *a, int lvl, uint64_t e, struct ptsim_attrs *out);
	ptsim_ent_pred_fn none, present, leaf, table, protnone, swp;
	ptsim_ent_pred_fn write, dirty, young, special, soft_dirty, uffd_wp, cont;
	uint64_t (*pfn)(const struct ptsim_arch *a, int lvl, uint64_t e);
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
};

/*
 * Capabilities: what code outside src/arch asks of an architecture instead
 * of its name.  A machine runs on its own copy of the description
 * (ptsim_machine_arch()), whose capabilities follow its configuration (the
 * kernel's CONFIG_* switches that change encodings: soft-dirty; historical
 * behaviour of an architecture's helpers).
 */
enum {
	/* _PAGE_SOFT_DIRTY / _PAGE_SWP_SOFT_DIRTY exist (x86 with CONFIG_MEM_SOFT_DIRTY). */
	PTSIM_ARCH_CAP_SOFT_DIRTY = 1u << 0,
	/* pte_mkdirty() also sets the hardware write bit (sparc64 before 6.4; a compat knob). */
	PTSIM_ARCH_CAP_MKDIRTY_SETS_WRITE = 1u << 1,
};

struct ptsim_arch {
	const char *name;
	enum ptsim_arch_kind kind;
	unsigned int caps; /* PTSIM_ARCH_CAP_* */
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
	const struct ptsim_arch_ops *ops;
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

#endif /* PTSIM_SRC_ARCH_INTERNAL_H */
