// SPDX-License-Identifier: MIT
/*
 * kernel_mm.c - init_mm: the linear map and the vmemmap of boot memory.
 *
 * Follows the kernel's boot-time mapping of memory: arm64
 * arch/arm64/mm/mmu.c map_mem() -> __create_pgd_mapping() (PUD blocks with
 * 4K pages, contiguous PMD runs, PMD blocks, contiguous PTE runs, pages: the
 * largest that the alignment of both addresses allows - the layout without
 * rodata=full, which maps the linear map page by page) and vmemmap_populate()
 * (PMD blocks with 4K pages, base pages otherwise); x86
 * arch/x86/mm/init_64.c kernel_physical_mapping_init() (1G pages with
 * gbpages, then 2M, then 4K) and vmemmap_populate_hugepages() (2M).
 * The layout itself (addresses, markers) is the arch layer's
 * (src/arch/kernel_layout.c).
 */
#include <errno.h>
#include <string.h>

#include "mm/kernel_mm.h"
#include "pgtable/visit.h"
#include "ptsim/arch.h"
#include "ptsim/types.h"

/* The largest leaf (and whether a contiguous run) that maps [addr, end) from @addr. */
static uint64_t linear_unit(const struct ptsim_kernel_mm *k, uint64_t addr, uint64_t end,
			    uint64_t *leaf, unsigned int *flags)
{
	const struct ptsim_arch *a = k->pt.pa->arch;

	for (int l = PTSIM_PGD; l < PTSIM_NR_LEVELS; l++) {
		uint64_t size = 1ull << a->shift[l];

		if (!a->leaf_ok[l])
			continue;
		if (k->lay.linear_cont && a->cont_nr[l]) {
			uint64_t run = size * a->cont_nr[l];

			if (!(addr & (run - 1)) && end - addr >= run) {
				*leaf = size;
				*flags = PTSIM_MAP_CONT;
				return run;
			}
		}
		if (!(addr & (size - 1)) && end - addr >= size) {
			*leaf = size;
			*flags = 0;
			return size;
		}
	}
	*leaf = 0;
	return 0;
}

static int map_linear(struct ptsim_kernel_mm *k, uint64_t pa, uint64_t end, uint64_t prot)
{
	const struct ptsim_arch *a = k->pt.pa->arch;

	while (pa < end) {
		uint64_t leaf;
		unsigned int flags;
		uint64_t unit = linear_unit(k, pa, end, &leaf, &flags);
		int err;

		if (!unit)
			return -EINVAL;
		err = ptsim__map(&k->pt, k->lay.page_offset + (pa - k->lay.phys_offset), unit,
				 pa >> a->page_shift, leaf, prot, flags | PTSIM__MAP_LINEAR);
		if (err)
			return err;
		k->linear_bytes += unit;
		pa += unit;
	}
	return 0;
}

static int map_vmemmap(struct ptsim_kernel_mm *k, uint64_t spfn, uint64_t epfn, uint64_t prot)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	uint64_t unit = k->lay.vmemmap_leaf;
	uint64_t v = (k->lay.vmemmap_base + spfn * k->lay.page_struct) & ~(unit - 1);
	uint64_t end = k->lay.vmemmap_base + epfn * k->lay.page_struct;
	unsigned int order = 0;

	while ((1ull << (order + a->page_shift)) < unit)
		order++;
	for (; v < end; v += unit) {
		struct ptsim_slot s;
		uint64_t pfn;
		int err = ptsim__walk_to(&k->pt, v, PTSIM_PTE, &s);

		if (err)
			return err;
		if (!a->ops->none(a, ptsim__entry_level(a, s.lvl), *s.p))
			continue; /* populated for a neighbouring section */
		err = ptsim__alloc_pages(k->pt.pa->mem, order, &pfn);
		if (err)
			return err;
		err = ptsim__map(&k->pt, v, unit, pfn, unit, prot, 0);
		if (err) {
			ptsim__free_pages(k->pt.pa->mem, pfn, order);
			return err;
		}
		k->vmemmap_pages += 1ull << order;
	}
	return 0;
}

/* Each run of present sections, in address order: fn(k, first pfn, end pfn). */
static int for_each_present_run(struct ptsim_kernel_mm *k,
				int (*fn)(struct ptsim_kernel_mm *k, uint64_t spfn, uint64_t epfn,
					  uint64_t prot),
				uint64_t prot)
{
	struct ptsim_mem *mem = k->pt.pa->mem;
	uint64_t per = ptsim__section_pages(mem), start = 0;
	bool in = false;

	for (uint64_t s = 0; s <= mem->nr_sections; s++) {
		bool present = s < mem->nr_sections && ptsim__pfn_present(mem, s * per);
		int err;

		if (present && !in) {
			start = s * per;
			in = true;
		} else if (!present && in) {
			in = false;
			err = fn(k, start, s * per, prot);
			if (err)
				return err;
		}
	}
	return 0;
}

static int linear_run(struct ptsim_kernel_mm *k, uint64_t spfn, uint64_t epfn, uint64_t prot)
{
	unsigned int shift = k->pt.pa->arch->page_shift;

	return map_linear(k, spfn << shift, epfn << shift, prot);
}

int ptsim__kernel_mm_init(struct ptsim_kernel_mm *k, struct ptsim_ptalloc *pa, uint64_t phys_base)
{
	const struct ptsim_arch *a = pa->arch;
	uint64_t prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, PTSIM_PGPROT_KERNEL);
	int err;

	memset(k, 0, sizeof(*k));
	ptsim__kernel_layout(a, phys_base, &k->lay);
	err = ptsim__pgtables_init(&k->pt, pa, PTSIM_INIT_MM_ID, true);
	if (err)
		return err;
	k->on = true;
	err = for_each_present_run(k, linear_run, prot);
	if (!err)
		err = for_each_present_run(k, map_vmemmap, prot);
	return err;
}

void ptsim__kernel_mm_fini(struct ptsim_kernel_mm *k)
{
	if (!k->on)
		return;
	ptsim__pgtables_fini(&k->pt);
	k->on = false;
}

long ptsim__kernel_ptdump(struct ptsim_kernel_mm *k, FILE *f)
{
	const struct ptsim_klayout *l = &k->lay;
	long lines = 0;

	for (unsigned int i = 0; i < l->nr_markers; i++) {
		if (l->markers[i].name && fprintf(f, "---[ %s ]---\n", l->markers[i].name) < 0)
			return -EIO;
		if (i + 1 < l->nr_markers && l->markers[i + 1].addr > l->markers[i].addr) {
			long n = ptsim__ptdump(&k->pt, l->markers[i].addr, l->markers[i + 1].addr,
					       f);

			if (n < 0)
				return n;
			lines += n;
		}
	}
	return lines;
}
