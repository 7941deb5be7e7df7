// SPDX-License-Identifier: MIT
/*
 * kernel_api.c - the public calls of include/ptsim/kernel.h: arguments
 * checked here, the work done by src/mm/kernel_mm.c.
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"
#include "ptsim/kernel.h"

static int no_init_mm(const struct ptsim_machine *m, const char *fn)
{
	return ptsim__seterr(ptsim__mhost(m), -EOPNOTSUPP,
			     "%s: no kernel address space (create the machine with kernel_mm=on)",
			     fn);
}

int ptsim_kernel_layout(const struct ptsim_machine *m, struct ptsim_kernel_layout *out)
{
	const struct ptsim_kernel_mm *k;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL, "kernel_layout: NULL out");
	if (!m->kmm.on)
		return no_init_mm(m, "kernel_layout");
	k = &m->kmm;
	memset(out, 0, sizeof(*out));
	out->page_offset = k->lay.page_offset;
	out->page_end = k->lay.page_end;
	out->phys_offset = k->lay.phys_offset;
	out->vmalloc_start = k->lay.vmalloc_start;
	out->vmalloc_end = k->lay.vmalloc_end;
	out->vmemmap_start = k->lay.vmemmap_start;
	out->vmemmap_end = k->lay.vmemmap_end;
	out->vmemmap_base = k->lay.vmemmap_base;
	out->vmemmap_leaf = k->lay.vmemmap_leaf;
	out->linear_bytes = k->linear_bytes;
	out->vmemmap_pages = k->vmemmap_pages;
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		out->nr_tables[l] = k->pt.nr_tables[l];
	return 0;
}

long ptsim_kernel_ptdump(struct ptsim_machine *m, FILE *f)
{
	long n;

	if (!m)
		return -EINVAL;
	if (!f)
		return ptsim__seterr(&m->host, -EINVAL, "kernel_ptdump: NULL stream");
	if (!m->kmm.on)
		return no_init_mm(m, "kernel_ptdump");
	n = ptsim__kernel_ptdump(&m->kmm, f);
	if (n < 0)
		return ptsim__seterr(&m->host, (int)n, "kernel_ptdump: %s", ptsim_strerror((int)n));
	return n;
}
