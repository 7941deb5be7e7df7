// SPDX-License-Identifier: MIT
/*
 * softleaf.c - typed non-present entries on top of the arch swap format
 * (include/linux/swapops.h, include/linux/leafops.h).
 *
 * The code table is computed from m->cfg on every call: it is eight
 * booleans' worth of work, and keeping nothing in the machine means a
 * machine's numbering can never go stale.  Validation happens here, at the
 * API boundary; the arch layer (ptsim_mk_swp) only places bits.
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"
#include "ptsim/softleaf.h"
#include "util/bug.h"

#define ULL(v) ((unsigned long long)(v))

static const char *const type_names[] = {
#define X(name) #name,
	PTSIM_SOFTLEAF_TYPES(X)
#undef X
};

const char *ptsim_softleaf_type_name(enum ptsim_softleaf_type t)
{
	return (unsigned int)t < PTSIM_SOFTLEAF_NR_TYPES ? type_names[t] : "?";
}

/* Special types in code order from MAX_SWAPFILES upward (swap.h). */
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

struct swp_codes {
	unsigned int max_swapfiles;
	int code[PTSIM_SOFTLEAF_NR_TYPES];		   /* -1: not a configured special */
	enum ptsim_softleaf_type type[PTSIM_SWP_NR_CODES]; /* meaning of each code */
};

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

static void swp_codes_init(const struct ptsim_config *c, struct swp_codes *t)
{
	unsigned int n = 0, code;
	size_t i;

	for (i = 0; i < sizeof(special_order) / sizeof(special_order[0]); i++)
		n += special_configured(c, special_order[i]);
	t->max_swapfiles = PTSIM_SWP_NR_CODES - n;
	for (i = 0; i < PTSIM_SOFTLEAF_NR_TYPES; i++)
		t->code[i] = -1;
	for (code = 0; code < PTSIM_SWP_NR_CODES; code++)
		t->type[code] =
			code < t->max_swapfiles ? PTSIM_SOFTLEAF_SWAP : PTSIM_SOFTLEAF_INVALID;
	code = t->max_swapfiles;
	for (i = 0; i < sizeof(special_order) / sizeof(special_order[0]); i++) {
		if (!special_configured(c, special_order[i]))
			continue;
		t->code[special_order[i]] = (int)code;
		t->type[code++] = special_order[i];
	}
	PTSIM_BUG_ON(code != PTSIM_SWP_NR_CODES);
}

static bool is_migration(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_MIGRATION_READ || t == PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE ||
	       t == PTSIM_SOFTLEAF_MIGRATION_WRITE;
}

static bool is_device_private(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ || t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE;
}

/* softleaf_has_pfn(): the offset holds a PFN. */
static bool has_pfn(enum ptsim_softleaf_type t)
{
	return is_migration(t) || is_device_private(t) || t == PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE ||
	       t == PTSIM_SOFTLEAF_HWPOISON;
}

/* SWP_PFN_BITS = MAX_PHYSMEM_BITS - PAGE_SHIFT. */
static unsigned int swp_pfn_bits(const struct ptsim_machine *m)
{
	return ptsim_arch_pa_bits(m->arch) - ptsim_arch_page_shift(m->arch);
}

/* swap_migration_ad_supported(): configured, and the offset has room. */
static bool migration_ad(const struct ptsim_machine *m)
{
	unsigned int need = swp_pfn_bits(m) + 2;

	return m->cfg.swp_migration_ad && need < 64 &&
	       ((1ull << need) - 1) <= ptsim_arch_swp_offset_max(m->arch);
}

static bool level_valid(enum ptsim_level lvl)
{
	return (unsigned int)lvl < PTSIM_NR_LEVELS;
}

/* Every type at PTE level; only migration and device-private at PMD (THP). */
static bool level_holds(enum ptsim_level lvl, enum ptsim_softleaf_type t)
{
	if (lvl == PTSIM_PTE)
		return true;
	return lvl == PTSIM_PMD && (is_migration(t) || is_device_private(t));
}

int ptsim_swp_type_code(struct ptsim_machine *m, enum ptsim_softleaf_type t)
{
	struct swp_codes tab;

	if ((unsigned int)t >= PTSIM_SOFTLEAF_NR_TYPES || t == PTSIM_SOFTLEAF_NONE ||
	    t == PTSIM_SOFTLEAF_SWAP || t == PTSIM_SOFTLEAF_INVALID)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: %s (%d) is not a special type",
				     ptsim_softleaf_type_name(t), (int)t);
	swp_codes_init(&m->cfg, &tab);
	if (tab.code[t] < 0)
		return ptsim__seterr(&m->host, -EINVAL,
				     "softleaf: %s not configured on this machine",
				     ptsim_softleaf_type_name(t));
	return tab.code[t];
}

unsigned int ptsim_max_swapfiles(const struct ptsim_machine *m)
{
	struct swp_codes tab;

	swp_codes_init(&m->cfg, &tab);
	return tab.max_swapfiles;
}

/* The swap offset of a PFN type: the PFN, plus young/dirty for migration. */
static int pfn_offset(struct ptsim_machine *m, const struct ptsim_softleaf *s, uint64_t *offset)
{
	unsigned int bits = swp_pfn_bits(m);
	const char *name = ptsim_softleaf_type_name(s->type);

	if (s->pfn >> bits)
		return ptsim__seterr(&m->host, -ERANGE,
				     "softleaf: %s pfn 0x%llx beyond SWP_PFN_BITS %u", name,
				     ULL(s->pfn), bits);
	*offset = s->pfn;
	/* make_migration_entry_young/dirty(): dropped when A/D are not carried. */
	if (is_migration(s->type) && migration_ad(m)) {
		if (s->young)
			*offset |= 1ull << bits;
		if (s->dirty)
			*offset |= 1ull << (bits + 1);
	}
	return 0;
}

int ptsim_softleaf_mk(struct ptsim_machine *m, enum ptsim_level lvl, const struct ptsim_softleaf *s,
		      ptsim_ent_t *out)
{
	const unsigned int all_flags =
		PTSIM_SWP_EXCLUSIVE | PTSIM_SWP_SOFT_DIRTY | PTSIM_SWP_UFFD_WP;
	struct swp_codes tab;
	unsigned int code;
	uint64_t offset = 0;
	const char *name;
	ptsim_ent_t e;
	int err;

	if (!s || !out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: NULL argument");
	if (!level_valid(lvl))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: bad level %d", (int)lvl);
	if ((unsigned int)s->type >= PTSIM_SOFTLEAF_NR_TYPES || s->type == PTSIM_SOFTLEAF_NONE ||
	    s->type == PTSIM_SOFTLEAF_INVALID)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: cannot make type %s (%d)",
				     ptsim_softleaf_type_name(s->type), (int)s->type);
	name = ptsim_softleaf_type_name(s->type);
	if (!level_holds(lvl, s->type))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: %s not allowed at %s level",
				     name, ptsim_arch_level_name(m->arch, lvl));
	if (s->flags & ~all_flags)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: unknown flags 0x%x",
				     s->flags & ~all_flags);

	swp_codes_init(&m->cfg, &tab);
	switch (s->type) {
	case PTSIM_SOFTLEAF_SWAP:
		if (s->swp_type >= tab.max_swapfiles)
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: swap type %u >= MAX_SWAPFILES %u",
					     s->swp_type, tab.max_swapfiles);
		if (s->offset > ptsim_arch_swp_offset_max(m->arch))
			return ptsim__seterr(
				&m->host, -ERANGE, "softleaf: mk: swap offset 0x%llx beyond 0x%llx",
				ULL(s->offset), ULL(ptsim_arch_swp_offset_max(m->arch)));
		code = s->swp_type;
		offset = s->offset;
		break;
	case PTSIM_SOFTLEAF_MARKER:
		if (tab.code[s->type] < 0)
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: %s not configured on this machine",
					     name);
		if (!s->offset || (s->offset & ~(uint64_t)PTSIM_PTE_MARKER_MASK))
			return ptsim__seterr(
				&m->host, -EINVAL,
				"softleaf: mk: marker bits 0x%llx not in 0x%x, or none",
				ULL(s->offset), PTSIM_PTE_MARKER_MASK);
		if (s->flags)
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: a marker carries no flags (0x%x); "
					     "uffd-wp is PTSIM_PTE_MARKER_UFFD_WP",
					     s->flags);
		code = (unsigned int)tab.code[s->type];
		offset = s->offset;
		break;
	default:
		if (tab.code[s->type] < 0)
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: %s not configured on this machine",
					     name);
		PTSIM_BUG_ON(!has_pfn(s->type));
		err = pfn_offset(m, s, &offset);
		if (err)
			return err;
		code = (unsigned int)tab.code[s->type];
		break;
	}

	e = ptsim_mk_swp(m->arch, lvl, code, offset, s->flags);
	if (ptsim_ent_none(m->arch, lvl, e))
		return ptsim__seterr(
			&m->host, -ERANGE,
			"softleaf: mk: %s type %u offset 0x%llx encodes to a none entry", name,
			code, ULL(offset));
	PTSIM_BUG_ON(ptsim_ent_present(m->arch, lvl, e));
	*out = e;
	return 0;
}

int ptsim_softleaf_from(struct ptsim_machine *m, enum ptsim_level lvl, ptsim_ent_t e,
			struct ptsim_softleaf *out)
{
	struct ptsim_softleaf s;
	struct swp_codes tab;
	unsigned int bits;

	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: from: NULL out");
	if (!level_valid(lvl))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: from: bad level %d", (int)lvl);
	memset(&s, 0, sizeof(s));
	if (ptsim_ent_none(m->arch, lvl, e)) {
		s.type = PTSIM_SOFTLEAF_NONE;
		*out = s;
		return 0;
	}
	if (ptsim_ent_present(m->arch, lvl, e))
		return ptsim__seterr(&m->host, -ENOENT,
				     "softleaf: from: %s entry 0x%016llx is present",
				     ptsim_arch_level_name(m->arch, lvl), ULL(e));

	swp_codes_init(&m->cfg, &tab);
	s.swp_type = ptsim_ent_swp_type(m->arch, lvl, e);
	s.offset = ptsim_ent_swp_offset(m->arch, lvl, e);
	s.flags = ptsim_ent_swp_flags(m->arch, lvl, e);
	PTSIM_BUG_ON(s.swp_type >= PTSIM_SWP_NR_CODES);
	s.type = tab.type[s.swp_type];
	if (!level_holds(lvl, s.type))
		s.type = PTSIM_SOFTLEAF_INVALID;

	if (has_pfn(s.type)) {
		bits = swp_pfn_bits(m);
		s.pfn = s.offset & ((1ull << bits) - 1); /* swp_offset_pfn() */
		if (is_migration(s.type) && migration_ad(m)) {
			s.young = (s.offset >> bits) & 1;
			s.dirty = (s.offset >> (bits + 1)) & 1;
		}
	} else if (s.type == PTSIM_SOFTLEAF_MARKER) {
		s.offset &= PTSIM_PTE_MARKER_MASK; /* pte_marker_get() */
	}
	*out = s;
	return 0;
}

int ptsim_mk_pte_marker(struct ptsim_machine *m, unsigned int bits, ptsim_pte_t *out)
{
	struct ptsim_softleaf s = {.type = PTSIM_SOFTLEAF_MARKER, .offset = bits};
	ptsim_ent_t e;
	int err;

	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk_pte_marker: NULL out");
	err = ptsim_softleaf_mk(m, PTSIM_PTE, &s, &e);
	if (err)
		return err;
	*out = (ptsim_pte_t){e};
	return 0;
}

int ptsim_mk_hwpoison_entry(struct ptsim_machine *m, uint64_t pfn, ptsim_pte_t *out)
{
	struct ptsim_softleaf s = {.type = PTSIM_SOFTLEAF_HWPOISON, .pfn = pfn};
	ptsim_ent_t e;
	int err;

	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk_hwpoison_entry: NULL out");
	err = ptsim_softleaf_mk(m, PTSIM_PTE, &s, &e);
	if (err)
		return err;
	*out = (ptsim_pte_t){e};
	return 0;
}
