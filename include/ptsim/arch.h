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

/**
 * ptsim_arch_name() - the name of a configuration.
 * @a: a configuration (not NULL), from ptsim_arch_lookup(), ptsim_arch_at()
 *     or ptsim_machine_arch().
 *
 * Return: "x86_64-4l", "arm64-4k-48", ...: the name ptsim_arch_lookup() takes.
 */
PTSIM_API const char *ptsim_arch_name(const struct ptsim_arch *a);
/**
 * ptsim_arch_kind() - the architecture family of a configuration.
 * @a: a configuration (not NULL).
 *
 * For callers that present facts the API does not expose (the ptsim tool's
 * trace replay derives TASK_SIZE from it).  The library's own code never
 * branches on it.
 *
 * Return: PTSIM_ARCH_X86_64 or PTSIM_ARCH_ARM64.
 */
PTSIM_API enum ptsim_arch_kind ptsim_arch_kind(const struct ptsim_arch *a);
/**
 * ptsim_arch_page_shift() - PAGE_SHIFT: log2 of the base page (granule) size.
 * @a: a configuration (not NULL).
 * Return: 12, 14 or 16.
 */
PTSIM_API unsigned int ptsim_arch_page_shift(const struct ptsim_arch *a);
/**
 * ptsim_arch_va_bits() - virtual-address bits translated.
 * @a: a configuration (not NULL).
 * Return: 48 or 57 on x86; VA_BITS (39 .. 52) on arm64.
 */
PTSIM_API unsigned int ptsim_arch_va_bits(const struct ptsim_arch *a);
/**
 * ptsim_arch_pa_bits() - MAX_PHYSMEM_BITS: physical-address bits.
 * @a: a configuration (not NULL).
 * Return: the number of bits (46 or 52 on x86, 48 or 52 on arm64).
 */
PTSIM_API unsigned int ptsim_arch_pa_bits(const struct ptsim_arch *a);
/**
 * ptsim_arch_nr_levels() - CONFIG_PGTABLE_LEVELS: real (not folded) levels.
 * @a: a configuration (not NULL).
 * Return: 2 .. 5.
 */
PTSIM_API unsigned int ptsim_arch_nr_levels(const struct ptsim_arch *a);
/**
 * ptsim_arch_level_shift() - shift of the VA bits a level indexes
 * (PGDIR_SHIFT, P4D_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT).
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: the shift; a folded level has its parent's.
 */
PTSIM_API unsigned int ptsim_arch_level_shift(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_ptrs_per() - PTRS_PER_PGD .. PTRS_PER_PTE: entries per table.
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: the number of entries of a table of that level; 1 for a folded level.
 */
PTSIM_API unsigned int ptsim_arch_ptrs_per(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_level_folded() - whether a level is folded (mm_p4d_folded(),
 * mm_pud_folded(), __PAGETABLE_PMD_FOLDED).
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: true if the level has one entry per table and shares the slot of
 * the nearest real level above it.
 */
PTSIM_API bool ptsim_arch_level_folded(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_leaf_ok() - whether a level may hold a leaf (page or block) entry.
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: true for PTSIM_PTE, and for the PMD and PUD levels where the
 * architecture has blocks of that size.
 */
PTSIM_API bool ptsim_arch_leaf_ok(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_cont_nr() - contiguous-hint run length at a level (CONT_PTES,
 * CONT_PMDS).
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: the number of entries in a run; 0 if the level has none (always on x86).
 */
PTSIM_API unsigned int ptsim_arch_cont_nr(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_level_size() - bytes one entry of a level maps (PGDIR_SIZE ..
 * PMD_SIZE, PAGE_SIZE).
 * @a: a configuration (not NULL).  @lvl: PTSIM_PGD .. PTSIM_PTE.
 * Return: 1 << ptsim_arch_level_shift(@a, @lvl).
 */
PTSIM_API uint64_t ptsim_arch_level_size(const struct ptsim_arch *a, enum ptsim_level lvl);
/**
 * ptsim_arch_hugetlb_sizes() - the supported hugetlb page sizes, in the
 * kernel's hstate registration order.
 * @a: a configuration (not NULL).
 * @sizes: receives up to @max sizes in bytes (may be NULL if @max is 0).
 * @max: capacity of @sizes.
 * Return: the number of sizes the configuration has (which may exceed @max).
 */
PTSIM_API unsigned int ptsim_arch_hugetlb_sizes(const struct ptsim_arch *a, uint64_t *sizes,
						unsigned int max);
/**
 * ptsim_arch_section_bits() - SECTION_SIZE_BITS: log2 of the memory-section size.
 * @a: a configuration (not NULL).
 * Return: the shift; sections are the unit of ptsim_memory_add().
 */
PTSIM_API unsigned int ptsim_arch_section_bits(const struct ptsim_arch *a);
/**
 * ptsim_arch_max_order() - MAX_PAGE_ORDER: the largest buddy order (inclusive).
 * @a: a configuration (not NULL).
 * Return: the order; larger folios come from the contiguous-range allocator.
 */
PTSIM_API unsigned int ptsim_arch_max_order(const struct ptsim_arch *a);
/**
 * ptsim_arch_level_name() - a level's name as the architecture's ptdump prints it.
 * @a: a configuration (not NULL).  @lvl: a level.
 * Return: "pgd" .. "pte" on x86, "PGD" .. "PTE" on arm64; "?" for a value
 * outside enum ptsim_level.
 */
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

/**
 * ptsim_pgprot() - a protection value in PTE format (protection_map[],
 * PAGE_*, PAGE_KERNEL*).
 * @a: a configuration (not NULL).
 * @prot: PTSIM_PROT_* bits; PTSIM_PROT_NONE gives PAGE_NONE.
 * @flags: PTSIM_PGPROT_KERNEL for a supervisor mapping, with one memory
 *         type PTSIM_PGPROT_MT(PTSIM_MT_*) (0: normal memory).
 *
 * The value is what ptsim_mk_leaf(), ptsim_map() and ptsim_ent_modify() take.
 *
 * Return: the pgprot bits; a user read-write value is the kernel's
 * PAGE_SHARED (x86 0x8000000000000027; arm64 0x0068000000000fc3).  0 for
 * @prot or @flags bits not defined above, or a memory type above
 * PTSIM_MT_NORMAL_TAGGED.
 */
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

/*
 * Constructors.  Entries are built for one level @lvl of configuration @a
 * (not NULL) and returned; nothing is checked or written.
 */

/**
 * ptsim_mk_leaf() - a leaf entry (pfn_pte(); pfn_pmd() + pmd_mkhuge(); pfn_pud()
 * + pud_mkhuge()).
 * @a: configuration.  @lvl: a level that can hold leaves (ptsim_arch_leaf_ok()).
 * @pfn: the first frame mapped, aligned to the level's size.
 * @pgprot: a protection from ptsim_pgprot().
 *
 * x86 huge leaves get PSE and keep PAT in bit 12; arm64 blocks get type
 * 0b01.  A PROT_NONE pgprot on x86 stores the PFN inverted (L1TF).  Bits of
 * @pgprot outside the attribute fields (x86: the PFN field, bits 51:12;
 * arm64: the output address and the contiguous hint) are ignored;
 * ptsim_map() refuses them.
 *
 * Return: the entry.
 */
PTSIM_API ptsim_ent_t ptsim_mk_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
				    uint64_t pgprot);
/**
 * ptsim_mk_table() - a table entry, as pmd_populate() .. pgd_populate() write it.
 * @a: configuration.  @lvl: the level of the entry (the table is one level down).
 * @pfn: the table page.  @kernel: a kernel table (x86 _KERNPG_TABLE; arm64
 *       UXNTable) rather than a user one (x86 _PAGE_TABLE; arm64 PXNTable).
 * Return: the entry.
 */
PTSIM_API ptsim_ent_t ptsim_mk_table(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
				     bool kernel);
/**
 * ptsim_mk_swp() - a swap-format entry in the architecture's layout
 * (__swp_entry(), __swp_entry_to_pte(), pte_swp_mk*()).
 * @a: configuration.  @lvl: level.  @type: the raw 5-bit type code.
 * @offset: up to ptsim_arch_swp_offset_max().
 * @flags: PTSIM_SWP_EXCLUSIVE, _SOFT_DIRTY, _UFFD_WP.
 *
 * The type code is raw: ptsim_softleaf_mk() (ptsim/softleaf.h) builds typed
 * entries (swap slot, migration, hwpoison, marker) with the machine's
 * numbering and checks them.
 *
 * Return: the entry.
 */
PTSIM_API ptsim_ent_t ptsim_mk_swp(const struct ptsim_arch *a, enum ptsim_level lvl,
				   unsigned int type, uint64_t offset, unsigned int flags);
/**
 * ptsim_arch_swp_offset_max() - the largest offset a swap entry holds.
 * @a: a configuration.
 * Return: 2^50 - 1 on every configuration.
 */
PTSIM_API uint64_t ptsim_arch_swp_offset_max(const struct ptsim_arch *a);

/**
 * ptsim_ent_decode() - every attribute of an entry at once.
 * @a: configuration.  @lvl: the level the entry was read at.  @e: the entry.
 * @out: receives none, valid, present, table, leaf, protnone, swp, the
 *       permissions, dirty and young (Linux's and the hardware's view),
 *       global, special, soft-dirty, uffd-wp, cont, the memory type, the
 *       PFN, and the swap type and offset; fields that do not apply are 0.
 */
PTSIM_API void ptsim_ent_decode(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e,
				struct ptsim_attrs *out);

/*
 * Predicates: ptsim_ent_<name>(a, lvl, e) on entry @e read at level @lvl of
 * configuration @a (not NULL).  Ask the attribute predicates (write, dirty,
 * young, special) about present entries only: on x86 they test bits as the
 * kernel's do, so a swap entry answers from unrelated bits; on arm64 they
 * are false for non-present entries.  docs/helpers.md has the bit-level
 * meaning of each.
 */

/**
 * ptsim_ent_none() - pte_none(), pmd_none(), ...: the entry is empty.
 * Return: true if empty.  x86 ignores A and D below the PGD; the x86 PGD
 * and every arm64 level need the whole word to be 0.
 */
PTSIM_API bool ptsim_ent_none(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_present() - pte_present(), pmd_present(), ...: present for Linux.
 * Return: true for a valid entry and for a present-invalid one (x86
 * PROT_NONE, or a PSE PMD; arm64 present-invalid).
 */
PTSIM_API bool ptsim_ent_present(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_leaf() - pmd_leaf(), pud_leaf(); pte_present() at PTE level.
 * Return: true for a present page or block; always false at a level that
 * cannot hold leaves on this configuration.
 */
PTSIM_API bool ptsim_ent_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_table() - the entry points to a next-level table (arm64 pmd_table()).
 * Return: true for a table entry.
 */
PTSIM_API bool ptsim_ent_table(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_protnone() - pte_protnone(), pmd_protnone(): a PROT_NONE entry.
 * Return: true on x86 for PROTNONE without P, on arm64 for a present-invalid
 * entry that is not user-accessible and UXN.
 */
PTSIM_API bool ptsim_ent_protnone(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_swp() - is_swap_pte(): neither none nor present.
 * Return: true for swap, migration, device, hwpoison and marker entries.
 */
PTSIM_API bool ptsim_ent_swp(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_pfn() - pte_pfn(), pmd_pfn(), pud_pfn(): the frame number.
 * Return: the PFN of a leaf or table entry; x86 undoes the PROT_NONE
 * inversion; arm64 rounds a block down to its size and gives 0 for a
 * non-present entry.
 */
PTSIM_API uint64_t ptsim_ent_pfn(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_write() - pte_write(): logically writable (x86 RW, arm64 WRITE/DBM).
 * Return: true if writable.
 */
PTSIM_API bool ptsim_ent_write(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_dirty() - pte_dirty(): dirty in either form.
 * Return: true for x86 D or SAVED_DIRTY; arm64 DIRTY, or WRITE without RDONLY.
 */
PTSIM_API bool ptsim_ent_dirty(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_young() - pte_young(): accessed (x86 A, arm64 AF).
 * Return: true if young.
 */
PTSIM_API bool ptsim_ent_young(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_special() - pte_special(): no struct page behind the mapping.
 * Return: true if the special bit is set (x86 bit 9, arm64 bit 56).
 */
PTSIM_API bool ptsim_ent_special(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_soft_dirty() - pte_soft_dirty(), pte_swp_soft_dirty().
 * Return: true if the soft-dirty bit of a present or swap entry is set;
 * always false on arm64.
 */
PTSIM_API bool ptsim_ent_soft_dirty(const struct ptsim_arch *a, enum ptsim_level lvl,
				    ptsim_ent_t e);
/**
 * ptsim_ent_uffd_wp() - pte_uffd_wp(), pte_swp_uffd_wp().
 * Return: true if the uffd-wp bit of a present or swap entry is set.
 */
PTSIM_API bool ptsim_ent_uffd_wp(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_cont() - pte_cont(): the arm64 contiguous hint.
 * Return: true if set; always false on x86.
 */
PTSIM_API bool ptsim_ent_cont(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e);
/**
 * ptsim_ent_swp_type() - __swp_type(): the raw 5-bit type of a swap-format entry.
 * Return: the type code; ptsim_softleaf_from() says what it means on a machine.
 */
PTSIM_API unsigned int ptsim_ent_swp_type(const struct ptsim_arch *a, enum ptsim_level lvl,
					  ptsim_ent_t e);
/**
 * ptsim_ent_swp_offset() - __swp_offset(): the offset of a swap-format entry.
 * Return: the offset (x86: un-inverted).
 */
PTSIM_API uint64_t ptsim_ent_swp_offset(const struct ptsim_arch *a, enum ptsim_level lvl,
					ptsim_ent_t e);
/**
 * ptsim_ent_swp_flags() - pte_swp_exclusive(), pte_swp_soft_dirty(),
 * pte_swp_uffd_wp() of a swap-format entry.
 * Return: PTSIM_SWP_EXCLUSIVE, _SOFT_DIRTY and _UFFD_WP bits.
 */
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

/**
 * ptsim_ent_<op>() - the pure builders: a modified copy of an entry.
 * @a: configuration (not NULL).  @lvl: the level @e belongs to.  @e: an entry.
 *
 * One function per op of PTSIM__ARCH_BUILDERS, as the kernel's pte_<op>()
 * (ptsim_ent_mkwrite() is pte_mkwrite_novma(), ptsim_ent_wrprotect()
 * pte_wrprotect(), ptsim_ent_swp_mkuffd_wp() pte_swp_mkuffd_wp(), ...).
 * The swp_* builders change the flags of a swap-format entry, the others a
 * present entry.  docs/helpers.md gives the bits each sets and clears.
 *
 * Return: the modified copy of @e; @e unchanged where the builder has no
 * meaning on the architecture (soft-dirty on arm64, cont on x86).
 */
#define PTSIM__DECLARE_BUILDER(op)                                                                 \
	PTSIM_API ptsim_ent_t ptsim_ent_##op(const struct ptsim_arch *a, enum ptsim_level lvl,     \
					     ptsim_ent_t e);
PTSIM__ARCH_BUILDERS(PTSIM__DECLARE_BUILDER)
#undef PTSIM__DECLARE_BUILDER

/**
 * ptsim_ent_modify() - pte_modify(), pmd_modify(), pud_modify(): new
 * protections for a present entry.
 * @a: configuration (not NULL).  @lvl: the level of @e.  @e: the entry.
 * @newprot: a PTE-format pgprot (ptsim_pgprot()).
 *
 * Keeps the PFN and the bits the kernel keeps (_PAGE_CHG_MASK / PTE dirty,
 * young, special, uffd-wp, soft-dirty) and takes everything else from
 * @newprot.  Crossing the present / PROT_NONE boundary on x86 inverts the
 * PFN field (L1TF).  x86 pmd_modify() drops the hardware dirty bit while
 * the compat.x86_pmd_modify_drops_dirty knob is on (the default).
 *
 * Return: the modified copy of @e.
 */
PTSIM_API ptsim_ent_t ptsim_ent_modify(const struct ptsim_arch *a, enum ptsim_level lvl,
				       ptsim_ent_t e, uint64_t newprot);

/**
 * ptsim_ent_relevel() - a leaf re-encoded at another level.
 * @a: configuration (not NULL).  @lvl: the level of the leaf @e.
 * @e: a leaf.  @new_lvl: the level of the result.  @pfn: the frame it maps.
 *
 * Every attribute is carried (write, dirty, young, soft-dirty, uffd-wp,
 * special, memory type, PROT_NONE) but the contiguous hint: entry i of a
 * split huge leaf is ptsim_ent_relevel(a, PTSIM_PMD, pmd, PTSIM_PTE, pfn + i).
 *
 * Return: the new entry.
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
