// SPDX-License-Identifier: MIT
/*
 * stat_api.c - the machine-wide counters and the cost ledger of
 * include/ptsim/stat.h.  Events and the stored meminfo levels are charged by
 * the layers into the machine's struct ptsim_host; the other meminfo items
 * are computed here from the layers' own counts.
 */
#include <string.h>

#include "api/machine.h"
#include "ptsim/stat.h"

_Static_assert(sizeof(struct ptsim_cost) % sizeof(uint64_t) == 0,
	       "struct ptsim_cost holds uint64_t counters only");

static const char *const event_names[] = {
#define X(e, name, text) #name,
	PTSIM_VM_EVENTS(X)
#undef X
};

static const char *const meminfo_names[] = {
#define X(e, name, text) #name,
	PTSIM_MEMINFO_ITEMS(X)
#undef X
};

uint64_t ptsim_vm_event(const struct ptsim_machine *m, enum ptsim_vm_event e)
{
	if (!m)
		return 0;
	if ((unsigned int)e >= PTSIM_NR_VM_EVENTS) {
		(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "vm_event: no event %d", (int)e);
		return 0;
	}
	return m->host.vm_events[e];
}

const char *ptsim_vm_event_name(enum ptsim_vm_event e)
{
	return (unsigned int)e < PTSIM_NR_VM_EVENTS ? event_names[e] : "?";
}

const char *ptsim_meminfo_name(enum ptsim_meminfo_item i)
{
	return (unsigned int)i < PTSIM_NR_MEMINFO_ITEMS ? meminfo_names[i] : "?";
}

/*
 * hugetlb_report_meminfo(): HugePages_* of the default hstate (the PMD
 * size), as counts; Hugetlb in kB over every size.
 */
static uint64_t hugetlb_meminfo(const struct ptsim_machine *m, enum ptsim_meminfo_item i)
{
	uint64_t dflt = 1ull << m->arch->shift[PTSIM_PMD], kb = 0;

	for (unsigned int k = 0; k < m->mem.nr_hstates; k++) {
		const struct ptsim_hstate *h = &m->mem.hstates[k];

		kb += (h->nr_hugepages + h->surplus_hugepages) * (h->size >> 10);
		if (h->size != dflt)
			continue;
		switch (i) {
		case PTSIM_MEMINFO_HUGEPAGES_TOTAL:
			return h->nr_hugepages + h->surplus_hugepages;
		case PTSIM_MEMINFO_HUGEPAGES_FREE:
			return h->free_hugepages;
		case PTSIM_MEMINFO_HUGEPAGES_RSVD:
			return h->resv_hugepages;
		case PTSIM_MEMINFO_HUGEPAGES_SURP:
			return h->surplus_hugepages;
		default:
			break;
		}
	}
	return i == PTSIM_MEMINFO_HUGETLB ? kb : 0;
}

uint64_t ptsim_meminfo(const struct ptsim_machine *m, enum ptsim_meminfo_item i)
{
	unsigned int kb_shift;
	uint64_t pages;

	if (!m)
		return 0;
	kb_shift = m->arch->page_shift - 10;
	switch (i) {
	case PTSIM_MEMINFO_MEMTOTAL:
		pages = m->mem.present_pages;
		break;
	case PTSIM_MEMINFO_MEMFREE:
		pages = m->mem.free_pages;
		break;
	case PTSIM_MEMINFO_ANONPAGES:
		pages = m->host.nr_anon_mapped;
		break;
	case PTSIM_MEMINFO_ANONHUGEPAGES:
		pages = m->host.nr_anon_thps;
		break;
	case PTSIM_MEMINFO_PAGETABLES:
		pages = m->ptalloc.nr_tables;
		break;
	case PTSIM_MEMINFO_HUGEPAGES_TOTAL:
	case PTSIM_MEMINFO_HUGEPAGES_FREE:
	case PTSIM_MEMINFO_HUGEPAGES_RSVD:
	case PTSIM_MEMINFO_HUGEPAGES_SURP:
	case PTSIM_MEMINFO_HUGETLB:
		return hugetlb_meminfo(m, i);
	default:
		(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "meminfo: no item %d", (int)i);
		return 0;
	}
	return pages << kb_shift;
}

void ptsim_cost_total(const struct ptsim_machine *m, struct ptsim_cost *out)
{
	if (!out) {
		if (m)
			(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "cost_total: NULL out");
		return;
	}
	if (!m) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = m->host.cost;
}

void ptsim_cost_begin(const struct ptsim_machine *m, struct ptsim_cost_scope *scope)
{
	if (scope)
		ptsim_cost_total(m, &scope->start);
	else if (m)
		(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "cost_begin: NULL scope");
}

void ptsim_cost_end(const struct ptsim_machine *m, const struct ptsim_cost_scope *scope,
		    struct ptsim_cost *out)
{
	struct ptsim_cost now;
	const uint64_t *a, *b;
	uint64_t *d;

	if (!out || !scope) {
		if (out)
			memset(out, 0, sizeof(*out));
		if (m)
			(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "cost_end: NULL %s",
					    !out ? "out" : "scope");
		return;
	}
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	ptsim_cost_total(m, &now);
	/* Every member is a uint64_t counter: subtract word by word. */
	a = (const uint64_t *)(const void *)&now;
	b = (const uint64_t *)(const void *)&scope->start;
	d = (uint64_t *)(void *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		d[i] = a[i] - b[i];
}
