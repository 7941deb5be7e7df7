/* SPDX-License-Identifier: MIT */
/*
 * arch.h - architecture configurations, geometry and entry encodings.
 *
 * An architecture configuration ("x86_64-4l", "arm64-4k-48", ...) is a
 * constant description: page size, the VA bits each of the five logical
 * levels indexes, which levels are folded, which may hold leaves, arm64
 * contiguous-hint runs, hugetlb sizes and memory-model constants.  Look one
 * up with ptsim_arch_lookup(); a machine keeps the one it was created with
 * (ptsim_machine_arch()).
 *
 * Folding (as in Documentation/mm/page_tables.rst): a configuration with
 * fewer hardware levels folds the missing ones.  A folded level has one entry
 * per table and shares its slot with the nearest real level above it, and its
 * shift equals that level's shift.  For example arm64-4k-39 has a real PGD
 * (architectural level 1, shift 30), folded P4D and PUD (shift 30, one entry),
 * and real PMD and PTE.  A 1 GiB block there is a PUD-level leaf stored in a
 * PGD-table slot.
 *
 * Entries are 64-bit words in the hardware's format.  The helpers below
 * follow the kernel's grammar: predicates (ptsim_ent_dirty), pure builders
 * that return a modified copy (ptsim_ent_mkdirty), constructors
 * (ptsim_mk_leaf, ptsim_mk_table, ptsim_mk_swp).  The level matters: x86
 * huge leaves carry PSE and keep PAT in bit 12; arm64 blocks have type 0b01.
 * Typed wrappers (ptsim_pte_mkdirty, ptsim_pmd_young, ...) sit at the end.
 */
#ifndef PTSIM_ARCH_H
#define PTSIM_ARCH_H

#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ptsim_arch_kind {
	PTSIM_ARCH_NONE = -1, /* ptsim_arch_kind(NULL) */
	PTSIM_ARCH_X86_64 = 0,
	PTSIM_ARCH_ARM64 = 1,
};

struct ptsim_arch;

/*
 * Hostile input (docs/api/conventions.md): every function of this header
 * answers a NULL configuration, or a level outside enum ptsim_level, with a
 * neutral value - 0 (entries and numbers), false, NULL or "?" - and never
 * reads past an array.
 */

/**
 * ptsim_arch_lookup() - find an architecture configuration by name.
 * @name: e.g. "x86_64-4l", "x86_64-5l", "arm64-4k-39", "arm64-16k-47".
 *
 * Return: the configuration, or NULL if the name is unknown.
 */
PTSIM_API const struct ptsim_arch *ptsim_arch_lookup(const char *name);

/**
 * ptsim_arch_at() - enumerate configurations.
 * @i: index from 0.
 *
 * Return: the i-th configuration, NULL past the last one.
 */
PTSIM_API const struct ptsim_arch *ptsim_arch_at(unsigned int i);

PTSIM_API const char *ptsim_arch_name(const struct ptsim_arch *a);
/*
 * The architecture family of a configuration, for callers that present
 * facts the API does not expose (the ptsim tool's trace replay derives
 * TASK_SIZE from it).  The library's own code never branches on it.
 */
PTSIM_API enum ptsim_arch_kind ptsim_arch_kind(const struct ptsim_arch *a);
/* log2 of the base page (granule) size: 12, 14 or 16. */
PTSIM_API unsigned int ptsim_arch_page_shift(const struct ptsim_arch *a);
/* Virtual-address bits translated (48, 57 on x86; VA_BITS on arm64). */
PTSIM_API unsigned int ptsim_arch_va_bits(const struct ptsim_arch *a);
/* MAX_PHYSMEM_BITS of the configuration. */
PTSIM_API unsigned int ptsim_arch_pa_bits(const struct ptsim_arch *a);
/* CONFIG_PGTABLE_LEVELS: number of real (not folded) levels. */
PTSIM_API unsigned int ptsim_arch_nr_levels(const struct ptsim_arch *a);
/* Shift of the VA bits a level indexes (PGDIR_SHIFT, P4D_SHIFT, ...). */
PTSIM_API unsigned int ptsim_arch_level_shift(const struct ptsim_arch *a, enum ptsim_level lvl);
/* Entries per table at a level (PTRS_PER_*); 1 for a folded level. */
PTSIM_API unsigned int ptsim_arch_ptrs_per(const struct ptsim_arch *a, enum ptsim_level lvl);
PTSIM_API bool ptsim_arch_level_folded(const struct ptsim_arch *a, enum ptsim_level lvl);
/* Whether a level may hold a leaf (page or block) entry. */
PTSIM_API bool ptsim_arch_leaf_ok(const struct ptsim_arch *a, enum ptsim_level lvl);
/* Contiguous-hint run length at a level (CONT_PTES, CONT_PMDS); 0 if none. */
PTSIM_API unsigned int ptsim_arch_cont_nr(const struct ptsim_arch *a, enum ptsim_level lvl);
/* Size in bytes one entry maps at a level: 1 << level_shift. */
PTSIM_API uint64_t ptsim_arch_level_size(const struct ptsim_arch *a, enum ptsim_level lvl);
/*
 * Supported hugetlb page sizes, in the kernel's hstate registration order.
 * Fills up to @max sizes and returns how many exist.
 */
PTSIM_API unsigned int ptsim_arch_hugetlb_sizes(const struct ptsim_arch *a, uint64_t *sizes,
						unsigned int max);
/* SECTION_SIZE_BITS and MAX_PAGE_ORDER (inclusive) of the configuration. */
PTSIM_API unsigned int ptsim_arch_section_bits(const struct ptsim_arch *a);
PTSIM_API unsigned int ptsim_arch_max_order(const struct ptsim_arch *a);
/* Name of a level as the architecture's ptdump prints it ("pmd" / "PMD"). */
PTSIM_API const char *ptsim_arch_level_name(const struct ptsim_arch *a, enum ptsim_level lvl);

/*
 * Protections.  ptsim_pgprot() builds the architecture's pgprot value in
 * PTE format, like the kernel's protection_map / PAGE_* templates:
 * @prot is PTSIM_PROT_* (read/write/exec; PROT_NONE gives PAGE_NONE),
 * @flags combines PTSIM_PGPROT_KERNEL (a supervisor mapping, PAGE_KERNEL*)
 * and one PTSIM_PGPROT_MT_* memory type.  A user writable prot is the
 * kernel's PAGE_SHARED (x86 0x8000000000000027; arm64 0x0068000000000fc3).
 */
#define PTSIM_PGPROT_KERNEL   0x1u
#define PTSIM_PGPROT_MT_SHIFT 4
#define PTSIM_PGPROT_MT_MASK  (0xfu << PTSIM_PGPROT_MT_SHIFT)
enum ptsim_memtype {
	PTSIM_MT_NORMAL = 0,	    /* x86 WB;  arm64 MT_NORMAL */
	PTSIM_MT_NORMAL_NC = 1,	    /* x86 WC;  arm64 MT_NORMAL_NC */
	PTSIM_MT_DEVICE = 2,	    /* x86 UC-; arm64 MT_DEVICE_nGnRE */
	PTSIM_MT_DEVICE_STRICT = 3, /* x86 UC;  arm64 MT_DEVICE_nGnRnE */
	PTSIM_MT_NORMAL_TAGGED = 4, /* arm64 MT_NORMAL_TAGGED; x86: WB */
};
#define PTSIM_PGPROT_MT(mt) ((unsigned int)(mt) << PTSIM_PGPROT_MT_SHIFT)

/* 0 for @prot or @flags bits not defined above, or a memory type above PTSIM_MT_NORMAL_TAGGED. */
PTSIM_API uint64_t ptsim_pgprot(const struct ptsim_arch *a, unsigned int prot, unsigned int flags);

/*
 * Decoded view of an entry, for translate, ptdump and teaching.  Fields
 * that do not apply to an entry (attributes of a non-present entry) are 0.
 */
struct ptsim_attrs {
	bool none;	       /* pte_none(): empty (x86 ignores A/D here) */
	bool valid;	       /* hardware-valid: x86 P, arm64 Valid */
	bool present;	       /* Linux pte_present(): valid, PROT_NONE, present-invalid */
	bool table;	       /* points to a next-level table */
	bool leaf;	       /* present page or block */
	bool protnone;	       /* PROT_NONE (x86 PROTNONE, arm64 present-invalid) */
	bool swp;	       /* non-present, non-none: swap, migration, marker, ... */
	bool user;	       /* accessible from user mode */
	bool write;	       /* Linux pte_write() */
	bool hw_write;	       /* hardware would allow a write now */
	bool dirty;	       /* Linux pte_dirty() (any dirty bit) */
	bool hw_dirty;	       /* hardware dirty (x86 D, arm64 DBM && !RDONLY) */
	bool young;	       /* accessed / AF */
	bool exec;	       /* user-executable (x86 !NX, arm64 !UXN) */
	bool kexec;	       /* kernel-executable (x86 !NX, arm64 !PXN) */
	bool global;	       /* x86 G / arm64 !nG */
	bool special;	       /* pte_special */
	bool soft_dirty;       /* x86 soft-dirty (present or swap form) */
	bool uffd_wp;	       /* uffd-wp (present or swap form) */
	bool cont;	       /* arm64 contiguous hint */
	bool exclusive;	       /* swap form: anon-exclusive */
	unsigned int memtype;  /* x86 PAT index 0..7; arm64 AttrIndx */
	uint64_t pfn;	       /* leaf/table/protnone: PFN (un-inverted) */
	unsigned int swp_type; /* swap form: 5-bit type */
	uint64_t swp_offset;   /* swap form: offset (not inverted) */
};

/* Flags carried beside a swap entry's type and offset. */
#define PTSIM_SWP_EXCLUSIVE  0x1u
#define PTSIM_SWP_SOFT_DIRTY 0x2u
#define PTSIM_SWP_UFFD_WP    0x4u

/* Constructors. */
/*
 * ptsim_mk_leaf() ignores the bits of @pgprot outside the attribute fields
 * (x86: the PFN field, bits 51:12; arm64: the output address and the
 * contiguous hint); ptsim_map() refuses them.
 */
PTSIM_API ptsim_ent_t ptsim_mk_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
				    uint64_t pgprot);
PTSIM_API ptsim_ent_t ptsim_mk_table(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
				     bool kernel);
/* A swap-format entry (arch layout): 5-bit type, offset, PTSIM_SWP_* flags. */
PTSIM_API ptsim_ent_t ptsim_mk_swp(const struct ptsim_arch *a, enum ptsim_level lvl,
				   unsigned int type, uint64_t offset, unsigned int flags);
/* Largest swap offset the arch layout holds (50 bits on both). */
PTSIM_API uint64_t ptsim_arch_swp_offset_max(const struct ptsim_arch *a);

/* Full decode. */
PTSIM_API void ptsim_ent_decode(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e,
				struct ptsim_attrs *out);

/* Predicates. */
PTSIM_API bool ptsim_ent_none(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_present(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_table(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_protnone(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_swp(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API uint64_t ptsim_ent_pfn(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_write(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_dirty(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_young(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_special(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_soft_dirty(const struct ptsim_arch *a, enum ptsim_level lvl,
				    ptsim_ent_t e);
PTSIM_API bool ptsim_ent_uffd_wp(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API bool ptsim_ent_cont(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
PTSIM_API unsigned int ptsim_ent_swp_type(const struct ptsim_arch *a, enum ptsim_level lvl,
					  ptsim_ent_t e);
PTSIM_API uint64_t ptsim_ent_swp_offset(const struct ptsim_arch *a, enum ptsim_level lvl,
					ptsim_ent_t e);
PTSIM_API unsigned int ptsim_ent_swp_flags(const struct ptsim_arch *a, enum ptsim_level lvl,
					   ptsim_ent_t e);

/* Pure builders: return a modified copy, never mutate. */
#define PTSIM__ARCH_BUILDERS(X)                                                                    \
	X(mkwrite)                                                                                 \
	X(wrprotect)                                                                               \
	X(mkdirty)                                                                                 \
	X(mkclean)                                                                                 \
	X(mkyoung)                                                                                 \
	X(mkold)                                                                                   \
	X(mkuffd_wp)                                                                               \
	X(clear_uffd_wp)                                                                           \
	X(mksoft_dirty)                                                                            \
	X(clear_soft_dirty)                                                                        \
	X(mkspecial)                                                                               \
	X(mkcont)                                                                                  \
	X(mknoncont)                                                                               \
	X(mkinvalid)                                                                               \
	X(swp_mkexclusive)                                                                         \
	X(swp_clear_exclusive)                                                                     \
	X(swp_mksoft_dirty)                                                                        \
	X(swp_clear_soft_dirty)                                                                    \
	X(swp_mkuffd_wp)                                                                           \
	X(swp_clear_uffd_wp)

#define PTSIM__DECLARE_BUILDER(op)                                                                 \
	PTSIM_API ptsim_ent_t ptsim_ent_##op(const struct ptsim_arch *a, enum ptsim_level lvl,     \
					     ptsim_ent_t e);
PTSIM__ARCH_BUILDERS(PTSIM__DECLARE_BUILDER)
#undef PTSIM__DECLARE_BUILDER

/*
 * ptsim_ent_modify() - pte_modify(): keep the PFN and the bits the kernel
 * keeps (_PAGE_CHG_MASK / PTE dirty, young, special, uffd-wp, soft-dirty),
 * take everything else from @newprot (a PTE-format pgprot).  Crossing the
 * present / PROT_NONE boundary on x86 inverts the PFN field (L1TF).
 */
PTSIM_API ptsim_ent_t ptsim_ent_modify(const struct ptsim_arch *a, enum ptsim_level lvl,
				       ptsim_ent_t e, uint64_t newprot);

/*
 * ptsim_ent_relevel() - the leaf @e of level @lvl re-encoded at @new_lvl,
 * mapping @pfn, with every attribute carried (write, dirty, young,
 * soft-dirty, uffd-wp, special, memory type, PROT_NONE) but the contiguous
 * hint: entry i of a split huge leaf is
 * ptsim_ent_relevel(a, PTSIM_PMD, pmd, PTSIM_PTE, pfn + i).
 */
PTSIM_API ptsim_ent_t ptsim_ent_relevel(const struct ptsim_arch *a, enum ptsim_level lvl,
					ptsim_ent_t e, enum ptsim_level new_lvl, uint64_t pfn);

/* Typed wrappers: ptsim_pte_mkdirty(a, pte), ptsim_pmd_young(a, pmd), ... */
#define PTSIM__TYPED_BUILDER(T, L, op)                                                             \
	static inline ptsim_##T##_t ptsim_##T##_##op(const struct ptsim_arch *a, ptsim_##T##_t x)  \
	{                                                                                          \
		ptsim_##T##_t r = {ptsim_ent_##op(a, L, x.val)};                                   \
		return r;                                                                          \
	}
#define PTSIM__TYPED_PRED(T, L, op)                                                                \
	static inline bool ptsim_##T##_##op(const struct ptsim_arch *a, ptsim_##T##_t x)           \
	{                                                                                          \
		return ptsim_ent_##op(a, L, x.val);                                                \
	}
#define PTSIM__TYPED_LEVEL(T, L)                                                                   \
	PTSIM__TYPED_BUILDER(T, L, mkwrite)                                                        \
	PTSIM__TYPED_BUILDER(T, L, wrprotect)                                                      \
	PTSIM__TYPED_BUILDER(T, L, mkdirty)                                                        \
	PTSIM__TYPED_BUILDER(T, L, mkclean)                                                        \
	PTSIM__TYPED_BUILDER(T, L, mkyoung)                                                        \
	PTSIM__TYPED_BUILDER(T, L, mkold)                                                          \
	PTSIM__TYPED_BUILDER(T, L, mkuffd_wp)                                                      \
	PTSIM__TYPED_BUILDER(T, L, clear_uffd_wp)                                                  \
	PTSIM__TYPED_BUILDER(T, L, mksoft_dirty)                                                   \
	PTSIM__TYPED_BUILDER(T, L, clear_soft_dirty)                                               \
	PTSIM__TYPED_BUILDER(T, L, mkspecial)                                                      \
	PTSIM__TYPED_PRED(T, L, none)                                                              \
	PTSIM__TYPED_PRED(T, L, present)                                                           \
	PTSIM__TYPED_PRED(T, L, leaf)                                                              \
	PTSIM__TYPED_PRED(T, L, write)                                                             \
	PTSIM__TYPED_PRED(T, L, dirty)                                                             \
	PTSIM__TYPED_PRED(T, L, young)                                                             \
	PTSIM__TYPED_PRED(T, L, special)                                                           \
	PTSIM__TYPED_PRED(T, L, soft_dirty)                                                        \
	PTSIM__TYPED_PRED(T, L, uffd_wp)                                                           \
	static inline uint64_t ptsim_##T##_pfn(const struct ptsim_arch *a, ptsim_##T##_t x)        \
	{                                                                                          \
		return ptsim_ent_pfn(a, L, x.val);                                                 \
	}
PTSIM__TYPED_LEVEL(pte, PTSIM_PTE)
PTSIM__TYPED_LEVEL(pmd, PTSIM_PMD)
PTSIM__TYPED_LEVEL(pud, PTSIM_PUD)
#undef PTSIM__TYPED_LEVEL
#undef PTSIM__TYPED_PRED
#undef PTSIM__TYPED_BUILDER

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_ARCH_H */
