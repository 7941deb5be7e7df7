// SPDX-License-Identifier: MIT
/*
 * softleaf.c - typed non-present entries on top of the arch swap format
 * (include/linux/swapops.h, include/linux/leafops.h).
 *
 * The ops of x86_64.c and arm64.c place a 5-bit type code, an offset and
 * flags in a non-present word; this file gives the codes their meaning on
 * one machine and packs PFNs, migration young/dirty and marker bits into the
 * offset.  The numbering is the kernel's build-time one (swap.h), computed
 * once per machine into its copy of struct ptsim_arch (struct
 * ptsim_swp_codes).  Argument checks and error text are the api layer's
 * (src/api/softleaf.c): what reaches this file is valid, and a broken
 * precondition is a PTSIM_BUG_ON().
 */
#include <string.h>

#include "arch/internal.h"
#include "ptsim/machine.h"
#include "util/bug.h"

/*
 * Special types in code order from MAX_SWAPFILES upward, as swap.h defines
 * them: SWP_HWPOISON = MAX_SWAPFILES, then SWP_MIGRATION_READ,
 * _READ_EXCLUSIVE, _WRITE, then SWP_DEVICE_WRITE, _READ, SWP_DEVICE_EXCLUSIVE,
 * then SWP_PTE_MARKER.  A group the configuration leaves out takes no code
 * (its SWP_*_NUM is 0), and the groups above it move down.
 */
static const enum ptsim_softleaf_type special_order[] = {
	PTSIM_SOFTLEAF_HWPOISON,
	PTSIM_SOFTLEAF_MIGRATION_READ,
	PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE,
	PTSIM_SOFTLEAF_MIGRATION_WRITE,
	PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE,
	PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ,
	PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE,
	PTSIM_SOFTLEAF_MARKER,
};

#define NR_SPECIALS (sizeof(special_order) / sizeof(special_order[0]))

/*
 * Whether the configuration builds special type @t.  Device-exclusive
 * belongs to the device-private group (current SWP_DEVICE_NUM = 3).
 */
static bool special_configured(const struct ptsim_config *c, enum ptsim_softleaf_type t)
{
	switch (t) {
	case PTSIM_SOFTLEAF_HWPOISON:
		return c->swp_hwpoison;
	case PTSIM_SOFTLEAF_MIGRATION_READ:
	case PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE:
	case PTSIM_SOFTLEAF_MIGRATION_WRITE:
		return c->swp_migration;
	case PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE:
	case PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ:
	case PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE:
		return c->swp_device_private;
	case PTSIM_SOFTLEAF_MARKER:
		return c->swp_pte_marker;
	default:
		return false;
	}
}

/*
 * swap_migration_ad_supported() / migration_entry_supports_ad(): configured
 * (swp.migration_ad), and the offset has room for SWP_PFN_BITS + 2 bits
 * (SWP_MIG_YOUNG_BIT, SWP_MIG_DIRTY_BIT).
 */
static bool migration_ad(const struct ptsim_arch *a, const struct ptsim_config *c)
{
	unsigned int need = ptsim__swp_pfn_bits(a) + 2;

	return c->swp_migration_ad && need < 64 &&
	       ((1ull << need) - 1) <= ptsim_arch_swp_offset_max(a);
}

void ptsim__swp_codes_init(struct ptsim_arch *a, const struct ptsim_config *c)
{
	struct ptsim_swp_codes *t = &a->swp;
	unsigned int n = 0, code;
	size_t i;

	for (i = 0; i < NR_SPECIALS; i++)
		n += special_configured(c, special_order[i]);
	/* MAX_SWAPFILES = (1 << MAX_SWAPFILES_SHIFT) - the SWP_*_NUM counts. */
	t->max_swapfiles = PTSIM_SWP_NR_CODES - n;
	for (i = 0; i < PTSIM_SOFTLEAF_NR_TYPES; i++)
		t->code[i] = -1;
	for (code = 0; code < PTSIM_SWP_NR_CODES; code++)
		t->type[code] =
			code < t->max_swapfiles ? PTSIM_SOFTLEAF_SWAP : PTSIM_SOFTLEAF_INVALID;
	code = t->max_swapfiles;
	for (i = 0; i < NR_SPECIALS; i++) {
		if (!special_configured(c, special_order[i]))
			continue;
		t->code[special_order[i]] = (int)code;
		t->type[code++] = special_order[i];
	}
	PTSIM_BUG_ON(code != PTSIM_SWP_NR_CODES);
	t->migration_ad = migration_ad(a, c);
}

/* is_migration_entry(). */
static bool is_migration(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_MIGRATION_READ || t == PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE ||
	       t == PTSIM_SOFTLEAF_MIGRATION_WRITE;
}

/* is_device_private_entry(). */
static bool is_device_private(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ || t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE;
}

/* softleaf_has_pfn(): the offset holds a PFN. */
bool ptsim__softleaf_has_pfn(enum ptsim_softleaf_type t)
{
	return is_migration(t) || is_device_private(t) || t == PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE ||
	       t == PTSIM_SOFTLEAF_HWPOISON;
}

/*
 * Every type at PTE level; only migration and device-private at PMD (THP:
 * leafops.h softleaf_is_valid_pmd_entry()); nothing above PMD.
 */
bool ptsim__softleaf_level_holds(int lvl, enum ptsim_softleaf_type t)
{
	if (lvl == PTSIM_PTE)
		return true;
	return lvl == PTSIM_PMD && (is_migration(t) || is_device_private(t));
}

void ptsim__softleaf_entry(const struct ptsim_arch *a, const struct ptsim_softleaf *s,
			   unsigned int *code, uint64_t *offset)
{
	unsigned int bits = ptsim__swp_pfn_bits(a);

	PTSIM_BUG_ON(!a->swp.max_swapfiles); /* a registry descriptor, not a machine's copy */
	switch (s->type) {
	case PTSIM_SOFTLEAF_SWAP:
		/* swp_entry(type, offset) of a swap area. */
		PTSIM_BUG_ON(s->swp_type >= a->swp.max_swapfiles);
		*code = s->swp_type;
		*offset = s->offset;
		break;
	case PTSIM_SOFTLEAF_MARKER:
		/* make_pte_marker_entry(): the marker bits are the offset. */
		PTSIM_BUG_ON(a->swp.code[s->type] < 0);
		*code = (unsigned int)a->swp.code[s->type];
		*offset = s->offset;
		break;
	default:
		/* make_*_entry(type, pfn): the PFN is the offset. */
		PTSIM_BUG_ON(!ptsim__softleaf_has_pfn(s->type) || a->swp.code[s->type] < 0);
		PTSIM_BUG_ON(s->pfn >> bits);
		*code = (unsigned int)a->swp.code[s->type];
		*offset = s->pfn;
		/* make_migration_entry_young/dirty(): dropped when A/D are not carried. */
		if (is_migration(s->type) && a->swp.migration_ad) {
			if (s->young)
				*offset |= 1ull << bits;
			if (s->dirty)
				*offset |= 1ull << (bits + 1);
		}
		break;
	}
}

ptsim_ent_t ptsim__softleaf_encode(const struct ptsim_arch *a, int lvl,
				   const struct ptsim_softleaf *s)
{
	unsigned int code;
	uint64_t offset;

	PTSIM_BUG_ON(!ptsim__softleaf_level_holds(lvl, s->type));
	ptsim__softleaf_entry(a, s, &code, &offset);
	/* swp_entry_to_pte(), with the flags beside type and offset. */
	return a->ops->mk_swp(a, lvl, code, offset, s->flags);
}

void ptsim__softleaf_decode(const struct ptsim_arch *a, int lvl, ptsim_ent_t e,
			    struct ptsim_softleaf *out)
{
	unsigned int bits = ptsim__swp_pfn_bits(a);
	struct ptsim_softleaf s;

	PTSIM_BUG_ON(!a->swp.max_swapfiles);
	memset(&s, 0, sizeof(s));
	s.swp_type = a->ops->swp_type(a, lvl, e);
	s.offset = a->ops->swp_offset(a, lvl, e);
	s.flags = a->ops->swp_flags(a, lvl, e);
	PTSIM_BUG_ON(s.swp_type >= PTSIM_SWP_NR_CODES);
	s.type = a->swp.type[s.swp_type];
	if (!ptsim__softleaf_level_holds(lvl, s.type))
		s.type = PTSIM_SOFTLEAF_INVALID;

	if (ptsim__softleaf_has_pfn(s.type)) {
		s.pfn = s.offset & ((1ull << bits) - 1); /* swp_offset_pfn() */
		if (is_migration(s.type) && a->swp.migration_ad) {
			s.young = (s.offset >> bits) & 1; /* is_migration_entry_young() */
			s.dirty = (s.offset >> (bits + 1)) & 1;
		}
	} else if (s.type == PTSIM_SOFTLEAF_MARKER) {
		s.offset &= PTSIM_PTE_MARKER_MASK; /* pte_marker_get() */
	}
	*out = s;
}
