// SPDX-License-Identifier: MIT
/*
 * softleaf.c - the public face of typed non-present entries
 * (include/ptsim/softleaf.h; the kernel's include/linux/swapops.h and
 * include/linux/leafops.h).
 *
 * The encoding lives in the arch layer (src/arch/softleaf.c): the machine's
 * swap type numbering is computed once, when the machine is created, into
 * its copy of struct ptsim_arch (a->swp), and the arch code packs and
 * unpacks entries with it.  What stays here is the API boundary: every
 * argument is checked, and a refusal sets the machine's error text, before
 * anything reaches the arch layer, which takes its input as valid.
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"
#include "arch/internal.h"
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

static bool level_valid(enum ptsim_level lvl)
{
	return (unsigned int)lvl < PTSIM_NR_LEVELS;
}

int ptsim_swp_type_code(struct ptsim_machine *m, enum ptsim_softleaf_type t)
{
	int code;

	if (!m)
		return -EINVAL;
	if ((unsigned int)t >= PTSIM_SOFTLEAF_NR_TYPES || t == PTSIM_SOFTLEAF_NONE ||
	    t == PTSIM_SOFTLEAF_SWAP || t == PTSIM_SOFTLEAF_INVALID)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: %s (%d) is not a special type",
				     ptsim_softleaf_type_name(t), (int)t);
	code = ptsim__swp_code(m->arch, t);
	if (code < 0)
		return ptsim__seterr(&m->host, -EINVAL,
				     "softleaf: %s not configured on this machine",
				     ptsim_softleaf_type_name(t));
	return code;
}

unsigned int ptsim_max_swapfiles(const struct ptsim_machine *m)
{
	return m ? ptsim__max_swapfiles(m->arch) : 0;
}

int ptsim_softleaf_mk(struct ptsim_machine *m, enum ptsim_level lvl, const struct ptsim_softleaf *s,
		      ptsim_ent_t *out)
{
	const unsigned int all_flags =
		PTSIM_SWP_EXCLUSIVE | PTSIM_SWP_SOFT_DIRTY | PTSIM_SWP_UFFD_WP;
	const struct ptsim_arch *a;
	unsigned int bits;
	const char *name;
	ptsim_ent_t e;

	if (!m)
		return -EINVAL;
	a = m->arch;
	if (!s || !out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: NULL argument");
	if (!level_valid(lvl))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: bad level %d", (int)lvl);
	if ((unsigned int)s->type >= PTSIM_SOFTLEAF_NR_TYPES || s->type == PTSIM_SOFTLEAF_NONE ||
	    s->type == PTSIM_SOFTLEAF_INVALID)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: cannot make type %s (%d)",
				     ptsim_softleaf_type_name(s->type), (int)s->type);
	name = ptsim_softleaf_type_name(s->type);
	if (!ptsim__softleaf_level_holds(lvl, s->type))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: %s not allowed at %s level",
				     name, ptsim_arch_level_name(a, lvl));
	if (s->flags & ~all_flags)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk: unknown flags 0x%x",
				     s->flags & ~all_flags);

	switch (s->type) {
	case PTSIM_SOFTLEAF_SWAP:
		if (s->swp_type >= ptsim__max_swapfiles(a))
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: swap type %u >= MAX_SWAPFILES %u",
					     s->swp_type, ptsim__max_swapfiles(a));
		if (s->offset > ptsim_arch_swp_offset_max(a))
			return ptsim__seterr(&m->host, -ERANGE,
					     "softleaf: mk: swap offset 0x%llx beyond 0x%llx",
					     ULL(s->offset), ULL(ptsim_arch_swp_offset_max(a)));
		break;
	case PTSIM_SOFTLEAF_MARKER:
		if (ptsim__swp_code(a, s->type) < 0)
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
		break;
	default:
		if (ptsim__swp_code(a, s->type) < 0)
			return ptsim__seterr(&m->host, -EINVAL,
					     "softleaf: mk: %s not configured on this machine",
					     name);
		PTSIM_BUG_ON(!ptsim__softleaf_has_pfn(s->type));
		bits = ptsim__swp_pfn_bits(a);
		if (s->pfn >> bits)
			return ptsim__seterr(&m->host, -ERANGE,
					     "softleaf: %s pfn 0x%llx beyond SWP_PFN_BITS %u", name,
					     ULL(s->pfn), bits);
		break;
	}

	e = ptsim__softleaf_encode(a, lvl, s);
	if (ptsim_ent_none(a, lvl, e)) {
		unsigned int code;
		uint64_t offset;

		ptsim__softleaf_entry(a, s, &code, &offset);
		return ptsim__seterr(
			&m->host, -ERANGE,
			"softleaf: mk: %s type %u offset 0x%llx encodes to a none entry", name,
			code, ULL(offset));
	}
	PTSIM_BUG_ON(ptsim_ent_present(a, lvl, e));
	*out = e;
	return 0;
}

int ptsim_softleaf_from(struct ptsim_machine *m, enum ptsim_level lvl, ptsim_ent_t e,
			struct ptsim_softleaf *out)
{
	struct ptsim_softleaf s;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: from: NULL out");
	if (!level_valid(lvl))
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: from: bad level %d", (int)lvl);
	if (ptsim_ent_none(m->arch, lvl, e)) {
		memset(&s, 0, sizeof(s));
		s.type = PTSIM_SOFTLEAF_NONE;
		*out = s;
		return 0;
	}
	if (ptsim_ent_present(m->arch, lvl, e))
		return ptsim__seterr(&m->host, -ENOENT,
				     "softleaf: from: %s entry 0x%016llx is present",
				     ptsim_arch_level_name(m->arch, lvl), ULL(e));
	ptsim__softleaf_decode(m->arch, lvl, e, out);
	return 0;
}

int ptsim_mk_pte_marker(struct ptsim_machine *m, unsigned int bits, ptsim_pte_t *out)
{
	struct ptsim_softleaf s = {.type = PTSIM_SOFTLEAF_MARKER, .offset = bits};
	ptsim_ent_t e;
	int err;

	if (!m)
		return -EINVAL;
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

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "softleaf: mk_hwpoison_entry: NULL out");
	err = ptsim_softleaf_mk(m, PTSIM_PTE, &s, &e);
	if (err)
		return err;
	*out = (ptsim_pte_t){e};
	return 0;
}
