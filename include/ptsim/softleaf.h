/* SPDX-License-Identifier: MIT */
/*
 * softleaf.h - typed non-present entries: swap slots, migration, device,
 * hwpoison and PTE markers (the kernel's swapops.h / leafops.h "softleaf").
 *
 * The arch layer (arch.h) encodes a raw swap-format word from a 5-bit type
 * code, an offset and PTSIM_SWP_* flags: ptsim_mk_swp(), ptsim_ent_swp_type().
 * This header gives the codes their meaning.  Which code means what is not
 * fixed: it depends on which special types the simulated kernel is built
 * with (struct ptsim_config swp_migration, swp_device_private, swp_hwpoison,
 * swp_pte_marker), so every call here takes the machine.
 *
 * Numbering (include/linux/swap.h, MAX_SWAPFILES and SWP_*_NUM).  The 32 codes are
 * split in two.  Codes 0 .. MAX_SWAPFILES-1 name real swap areas; the
 * configured special types are packed at the top, in this fixed order from
 * MAX_SWAPFILES upward:
 *
 *   hwpoison (1 code, if swp_hwpoison)
 *   migration read, read-exclusive, write (3 codes, if swp_migration)
 *   device-private write, device-private read, device-exclusive
 *                                           (3 codes, if swp_device_private)
 *   PTE marker (1 code, if swp_pte_marker)
 *
 * and MAX_SWAPFILES = 32 - (number of configured special codes).  With
 * everything on (the default) MAX_SWAPFILES is 24, hwpoison 24, migration
 * 25/26/27, device 28/29/30 and the marker 31, as in the current kernel.
 * With swp.device=0 MAX_SWAPFILES is 27, hwpoison 27, migration
 * 28-30, marker 31; with all four off every code is a swap area.
 *
 * Device-exclusive is counted under swp_device_private.  This is the
 * current kernel's collapsed numbering (SWP_DEVICE_NUM 3: one
 * device-exclusive type, next to device write/read, all under
 * CONFIG_DEVICE_PRIVATE); older kernels had separate exclusive read/write
 * codes, and a proposed series would add more device types.  Only the
 * current numbering is modelled.
 *
 * Offsets.  A swap slot keeps its index in the offset.  PFN-carrying types
 * (migration, device private/exclusive, hwpoison) keep the PFN in the low
 * SWP_PFN_BITS = MAX_PHYSMEM_BITS - PAGE_SHIFT bits (ptsim_arch_pa_bits()
 * minus ptsim_arch_page_shift(): 34 on x86_64-4l, 40 on x86_64-5l, 36 on
 * arm64-4k-48).  Migration entries also keep young at offset bit
 * SWP_PFN_BITS and dirty at SWP_PFN_BITS + 1, but only when the machine
 * carries them (cfg.swp_migration_ad, the kernel's
 * swap_migration_ad_supported(); off on x86 by default, on on arm64)
 * and the arch offset has room for SWP_PFN_BITS + 2 bits.  Otherwise young
 * and dirty are silently not carried, as the kernel drops them.  A PTE
 * marker keeps PTSIM_PTE_MARKER_* bits in the offset.
 *
 * Flags (PTSIM_SWP_EXCLUSIVE, _SOFT_DIRTY, _UFFD_WP) sit beside type and
 * offset in arch-specific bits and are stripped before the type is decoded.
 * arm64 has no swap soft-dirty bit; PTSIM_SWP_SOFT_DIRTY is dropped there.
 * uffd-wp on a swap, migration or device entry is the PTSIM_SWP_UFFD_WP
 * flag; on an otherwise empty PTE it is the PTSIM_PTE_MARKER_UFFD_WP
 * marker bit, and a marker carries no flags.
 *
 * Levels.  Every type exists at PTE level.  At PMD level (THP) only
 * migration and device-private entries exist, as in leafops.h
 * (softleaf_is_valid_pmd_entry()); above PMD none do.  ptsim_softleaf_mk()
 * refuses the others and ptsim_softleaf_from() reports them as INVALID.
 * HugeTLB entries of any size are PTE-format words (the kernel reads them
 * with huge_ptep_get() and decodes them as PTEs): build and decode them at
 * PTSIM_PTE whatever slot they live in.
 *
 *   struct ptsim_softleaf s = { .type = PTSIM_SOFTLEAF_MIGRATION_WRITE,
 *                               .pfn = 0x12345 };
 *   ptsim_ent_t e;
 *   err = ptsim_softleaf_mk(m, PTSIM_PTE, &s, &e);  (x86: 0xdffffffffdb97400)
 *   err = ptsim_softleaf_from(m, PTSIM_PTE, e, &s);
 */
#ifndef PTSIM_SOFTLEAF_H
#define PTSIM_SOFTLEAF_H

#include "ptsim/arch.h"
#include "ptsim/export.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of swap type codes (MAX_SWAPFILES_SHIFT 5). */
#define PTSIM_SWP_NR_CODES 32u

/* PTE marker bits, kept in a marker entry's offset. */
#define PTSIM_PTE_MARKER_UFFD_WP  0x1u /* uffd-wp on an unpopulated or zapped PTE */
#define PTSIM_PTE_MARKER_POISONED 0x2u /* access gives VM_FAULT_HWPOISON */
#define PTSIM_PTE_MARKER_GUARD	  0x4u /* MADV_GUARD_INSTALL: access gives SIGSEGV */
#define PTSIM_PTE_MARKER_MASK	  0x7u /* the bits read back */

/*
 * The categories of leafops.h, plus INVALID for a swap-format word that is
 * not a valid softleaf where it was read: a type its level cannot hold (a
 * hwpoison entry or a marker read as a PMD), or a code no configured type
 * claims.  The numbering packs the configured special codes against 31, so
 * today every code has a meaning and only the level produces INVALID.
 */
#define PTSIM_SOFTLEAF_TYPES(X)                                                                    \
	X(NONE)			    /* empty entry */                                              \
	X(SWAP)			    /* swap slot: swp_type < MAX_SWAPFILES, offset */              \
	X(MIGRATION_READ)	    /* PFN (+ young/dirty) */                                      \
	X(MIGRATION_READ_EXCLUSIVE) /* PFN (+ young/dirty), anon-exclusive */                      \
	X(MIGRATION_WRITE)	    /* PFN (+ young/dirty) */                                      \
	X(DEVICE_PRIVATE_READ)	    /* device PFN */                                               \
	X(DEVICE_PRIVATE_WRITE)	    /* device PFN */                                               \
	X(DEVICE_EXCLUSIVE)	    /* PFN */                                                      \
	X(HWPOISON)		    /* PFN of the poisoned page */                                 \
	X(MARKER)		    /* PTSIM_PTE_MARKER_* bits */                                  \
	X(INVALID)		    /* not a valid softleaf at its level */

/** enum ptsim_softleaf_type - what a non-present entry is. */
enum ptsim_softleaf_type {
#define PTSIM__SOFTLEAF_ENUM(name) PTSIM_SOFTLEAF_##name,
	PTSIM_SOFTLEAF_TYPES(PTSIM__SOFTLEAF_ENUM)
#undef PTSIM__SOFTLEAF_ENUM
		PTSIM_SOFTLEAF_NR_TYPES
};

/**
 * struct ptsim_softleaf - a decoded non-present entry (the caller fills it
 * for ptsim_softleaf_mk(); ptsim_softleaf_from() fills every field).
 * @type: the category.
 * @swp_type: the raw 5-bit code.  Read by mk only for SWAP (the swap area,
 *            < MAX_SWAPFILES); for special types mk computes it.
 * @offset: SWAP: the slot; MARKER: PTSIM_PTE_MARKER_* bits.  Ignored by mk
 *          for PFN types; from reports the raw arch offset there.
 * @pfn: PFN of a migration, device or hwpoison entry.
 * @young: migration only, when the machine carries A/D.
 * @dirty: migration only, when the machine carries A/D.
 * @flags: PTSIM_SWP_EXCLUSIVE / _SOFT_DIRTY / _UFFD_WP (not on markers).
 */
struct ptsim_softleaf {
	enum ptsim_softleaf_type type;
	unsigned int swp_type;
	uint64_t offset;
	uint64_t pfn;
	bool young;
	bool dirty;
	unsigned int flags;
};

/**
 * ptsim_softleaf_type_name() - name of a softleaf type.
 * @t: the type.
 *
 * Return: "MIGRATION_WRITE" etc., "?" for a value outside the enum.
 */
PTSIM_API const char *ptsim_softleaf_type_name(enum ptsim_softleaf_type t);

/**
 * ptsim_swp_type_code() - the 5-bit code of a special type on a machine.
 * @m: machine (its configuration decides the numbering).
 * @t: a special type: MIGRATION_*, DEVICE_*, HWPOISON or MARKER.
 *
 * Return: the code (MAX_SWAPFILES .. 31), or -EINVAL if @t is not a special
 * type or is not configured on @m (HWPOISON with swp_hwpoison off), with
 * the machine's error text set.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_swp_type_code(struct ptsim_machine *m,
						   enum ptsim_softleaf_type t);

/**
 * ptsim_max_swapfiles() - MAX_SWAPFILES of a machine.
 * @m: machine.
 *
 * Return: 32 minus the number of configured special codes (24 with all on,
 * 32 with all off); codes below it are swap areas.
 */
PTSIM_API unsigned int ptsim_max_swapfiles(const struct ptsim_machine *m);

/**
 * ptsim_softleaf_mk() - encode a typed non-present entry.
 * @m: machine.
 * @lvl: PTSIM_PTE for every type; PTSIM_PMD for migration and
 *       device-private only.
 * @s: what to encode (see struct ptsim_softleaf for the fields read).
 * @out: receives the entry in the arch's swap format.
 *
 * Checks: the type is SWAP or a configured special type; SWAP: swp_type <
 * MAX_SWAPFILES and offset <= ptsim_arch_swp_offset_max(); PFN types: pfn <
 * 2^SWP_PFN_BITS; MARKER: offset nonzero, within PTSIM_PTE_MARKER_MASK, and
 * no flags; flags within PTSIM_SWP_*.  Young and dirty are stored only for
 * migration types on a machine that carries them, and otherwise silently
 * dropped; PTSIM_SWP_SOFT_DIRTY is dropped on arm64.  A word that would
 * read as a none entry is refused: without flags, swap area 0 at offset
 * 2^50 - 1 on x86 (the offset is stored inverted) and at offset 0 on arm64
 * (the kernel never uses slot 0, the swap header) both encode to 0.
 *
 * Return: 0; -EINVAL for a bad type, level, swap area, marker or flags;
 * -ERANGE for an offset or PFN that does not fit, or a none result.  On
 * error @out is untouched and the machine's error text says why.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_softleaf_mk(struct ptsim_machine *m, enum ptsim_level lvl,
						 const struct ptsim_softleaf *s, ptsim_ent_t *out);

/**
 * ptsim_softleaf_from() - classify and decode any entry.
 * @m: machine.
 * @lvl: level of the slot @e was read from (decides none and present).
 * @e: the entry.
 * @out: receives the decoded entry.
 *
 * A none entry gives type NONE.  A swap-format entry is decoded by the
 * machine's numbering: a code below MAX_SWAPFILES is SWAP, a configured
 * special code its type.  A type @lvl cannot hold (anything but migration
 * and device-private at PMD, anything at all above PMD) gives INVALID with
 * @swp_type, @offset and @flags still filled; read hugetlb slots at
 * PTSIM_PTE.  PFN types fill @pfn (and, for migration on a machine that
 * carries A/D, @young and @dirty); markers report only the
 * PTSIM_PTE_MARKER_MASK bits in @offset (pte_marker_get()).
 *
 * Return: 0; -ENOENT for a present entry (not a softleaf); -EINVAL for a
 * bad level or NULL argument.  On error @out is untouched.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_softleaf_from(struct ptsim_machine *m, enum ptsim_level lvl,
						   ptsim_ent_t e, struct ptsim_softleaf *out);

/**
 * ptsim_mk_pte_marker() - make_pte_marker(): a PTE marker entry.
 * @m: machine.
 * @bits: PTSIM_PTE_MARKER_* bits, nonzero.
 * @out: receives the PTE.
 *
 * Return: 0, or -EINVAL (no marker type configured, bad bits).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_mk_pte_marker(struct ptsim_machine *m, unsigned int bits,
						   ptsim_pte_t *out);

/**
 * ptsim_mk_hwpoison_entry() - make_hwpoison_entry(): the PTE that replaces
 * a mapping of a poisoned page after memory_failure() unmaps it.
 * @m: machine.
 * @pfn: the poisoned page.
 * @out: receives the PTE.
 *
 * Return: 0, -EINVAL (swp_hwpoison off) or -ERANGE (@pfn too large).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_mk_hwpoison_entry(struct ptsim_machine *m, uint64_t pfn,
						       ptsim_pte_t *out);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_SOFTLEAF_H */
