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
#include "util/bug.h"
#include "pgtable/visit.h"
#include "ptsim/arch.h"
#include "ptsim/types.h"

/* The largest leaf (and whether a contiguous run) that maps [addr, end) from @addr. */
uint64_t ptsim__kernel_linear_unit(const struct ptsim_kernel_mm *k, uint64_t addr, uint64_t end,
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

int ptsim__kernel_map_linear(struct ptsim_kernel_mm *k, uint64_t pa, uint64_t end, uint64_t prot)
{
	const struct ptsim_arch *a = k->pt.pa->arch;

	while (pa < end) {
		uint64_t leaf, leaf2, len;
		unsigned int flags, flags2;
		uint64_t unit = ptsim__kernel_linear_unit(k, pa, end, &leaf, &flags);
		int err;

		if (!unit)
			return -EINVAL;
		/* A run of equal units is one call (one atomic allocation of its tables). */
		for (len = unit; pa + len < end; len += unit)
			if (ptsim__kernel_linear_unit(k, pa + len, end, &leaf2, &flags2) != unit ||
			    leaf2 != leaf || flags2 != flags)
				break;
		err = ptsim__map(&k->pt, k->lay.page_offset + (pa - k->lay.phys_offset), len,
				 pa >> a->page_shift, leaf, prot, flags | PTSIM__MAP_LINEAR);
		if (err)
			return err;
		k->linear_bytes += len;
		pa += len;
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

	return ptsim__kernel_map_linear(k, spfn << shift, epfn << shift, prot);
}

uint64_t ptsim__kernel_prot(const struct ptsim_kernel_mm *k)
{
	return ptsim_pgprot(k->pt.pa->arch, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
			    PTSIM_PGPROT_KERNEL);
}

int ptsim__kernel_mm_init(struct ptsim_kernel_mm *k, struct ptsim_ptalloc *pa,
			  struct ptsim_tlbs *tlbs, uint64_t phys_base)
{
	const struct ptsim_arch *a = pa->arch;
	uint64_t prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, PTSIM_PGPROT_KERNEL);
	int err;

	memset(k, 0, sizeof(*k));
	ptsim__kernel_layout(a, phys_base, &k->lay);
	k->tlbs = tlbs;
	k->boot_start = phys_base;
	k->boot_end = phys_base + pa->mem->present_pages * ptsim__page_size(a);
	err = ptsim__pgtables_init(&k->pt, pa, PTSIM_INIT_MM_ID, true);
	if (err)
		return err;
	k->on = true;
	tlbs->linear_start = k->lay.page_offset;
	tlbs->linear_end = k->lay.page_end;
	err = for_each_present_run(k, linear_run, prot);
	if (!err)
		err = for_each_present_run(k, map_vmemmap, prot);
	return err;
}

void ptsim__kernel_mm_fini(struct ptsim_kernel_mm *k)
{
	if (!k->on)
		return;
	while (k->vmap) {
		struct ptsim_vm_area *v = k->vmap;

		k->vmap = v->next;
		ptsim__free(k->pt.pa->host, v->pfns, v->nr * sizeof(uint64_t));
		ptsim__free(k->pt.pa->host, v, sizeof(*v));
	}
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

/* --- vmalloc ---------------------------------------------------------------- */

/* The lowest address with room for @nr pages and a guard page; 0 if none. */
static uint64_t vmap_find(const struct ptsim_kernel_mm *k, uint64_t nr, struct ptsim_vm_area **prev)
{
	uint64_t psz = ptsim__page_size(k->pt.pa->arch), need = (nr + 1) * psz;
	uint64_t cand = k->lay.vmalloc_start;

	*prev = NULL;
	for (struct ptsim_vm_area *v = k->vmap; v; v = v->next) {
		if (v->addr - cand >= need)
			break;
		cand = v->addr + (v->nr + 1) * psz;
		*prev = v;
	}
	return k->lay.vmalloc_end - cand >= need ? cand : 0;
}

static void free_pfns(struct ptsim_kernel_mm *k, const uint64_t *pfns, uint64_t n)
{
	while (n--)
		ptsim__free_pages(k->pt.pa->mem, pfns[n], 0);
}

/*
 * The tables a range lacks, counted a PTE table's span at a time as
 * ptsim__path_prepare() would (neighbouring spans sharing a new upper table
 * count it twice: the extra ones are discarded after the commit).
 */
static uint64_t vmap_tables_needed(struct ptsim_kernel_mm *k, uint64_t start, uint64_t end)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	uint64_t span = 1ull << a->shift[PTSIM_PMD], need = 0;

	for (uint64_t va = start; va < end; va = (va | (span - 1)) + 1) {
		struct ptsim_slot s;

		ptsim__walk_to(&k->pt, va, PTSIM_PTE, &s);
		if (s.lvl == PTSIM_PTE)
			continue;
		for (int lvl = ptsim__child_level(a, s.lvl);; lvl = ptsim__child_level(a, lvl)) {
			need++;
			if (lvl >= PTSIM_PTE)
				break;
		}
	}
	return need;
}

int ptsim__vmalloc(struct ptsim_kernel_mm *k, uint64_t nr, uint64_t *addr)
{
	const struct ptsim_arch *a = k->pt.pa->arch;
	struct ptsim_host *h = k->pt.pa->host;
	uint64_t prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, PTSIM_PGPROT_KERNEL);
	uint64_t psz = ptsim__page_size(a), span = 1ull << a->shift[PTSIM_PMD];
	struct ptsim_vm_area *prev, *v;
	struct ptsim_table_prep *pool = NULL;
	uint64_t start, end, need = 0, got = 0, made = 0, used = 0, va;

	start = vmap_find(k, nr, &prev);
	if (!start)
		return ptsim__seterr(h, -ENOMEM,
				     "vmalloc: no room for %llu pages in the vmalloc area",
				     (unsigned long long)nr);
	end = start + nr * psz;
	need = vmap_tables_needed(k, start, end);
	v = ptsim__alloc(h, sizeof(*v));
	if (v) {
		memset(v, 0, sizeof(*v));
		v->pfns = ptsim__alloc(h, nr * sizeof(uint64_t));
	}
	if (need)
		pool = ptsim__alloc(h, need * sizeof(*pool));
	if (!v || !v->pfns || (need && !pool))
		goto out_host;
	for (; got < nr; got++)
		if (ptsim__alloc_pages(k->pt.pa->mem, 0, &v->pfns[got]))
			goto out_pages;
	/* Every table before anything is linked, so a failure leaves none behind. */
	for (; made < need; made++)
		if (ptsim__table_alloc(k->pt.pa, &pool[made]))
			goto out_tables;
	for (va = start; va < end; va = (va | (span - 1)) + 1) {
		struct ptsim_slot s;

		ptsim__walk_to(&k->pt, va, PTSIM_PTE, &s);
		while (s.lvl < PTSIM_PTE) {
			PTSIM_BUG_ON(used >= need);
			ptsim__table_link(&k->pt, &s, &pool[used++]);
			ptsim__walk_to(&k->pt, va, PTSIM_PTE, &s);
		}
	}
	while (made > used)
		ptsim__table_discard(k->pt.pa, &pool[--made]);
	for (va = start; va < end; va += psz) {
		struct ptsim_slot s;

		ptsim__walk_to(&k->pt, va, PTSIM_PTE, &s);
		s.addr = va;
		ptsim__set_entry(&k->pt, &s,
				 a->ops->mk_leaf(a, PTSIM_PTE, v->pfns[(va - start) / psz], prot));
	}
	if (pool)
		ptsim__free(h, pool, need * sizeof(*pool));
	v->addr = start;
	v->nr = nr;
	v->next = prev ? prev->next : k->vmap;
	if (prev)
		prev->next = v;
	else
		k->vmap = v;
	k->nr_vmalloc_pages += nr;
	*addr = start;
	return 0;

out_tables:
	while (made)
		ptsim__table_discard(k->pt.pa, &pool[--made]);
out_pages:
	free_pfns(k, v->pfns, got);
out_host:
	if (v && v->pfns)
		ptsim__free(h, v->pfns, nr * sizeof(uint64_t));
	if (v)
		ptsim__free(h, v, sizeof(*v));
	if (pool)
		ptsim__free(h, pool, need * sizeof(*pool));
	return ptsim__seterr(h, -ENOMEM, "vmalloc: out of memory for %llu pages",
			     (unsigned long long)nr);
}

int ptsim__vfree(struct ptsim_kernel_mm *k, uint64_t addr)
{
	struct ptsim_host *h = k->pt.pa->host;
	uint64_t psz = ptsim__page_size(k->pt.pa->arch);
	struct ptsim_vm_area **pp = &k->vmap, *v;

	while (*pp && (*pp)->addr != addr)
		pp = &(*pp)->next;
	v = *pp;
	if (!v)
		return ptsim__seterr(h, -EINVAL, "vfree: no vmalloc area starts at 0x%llx",
				     (unsigned long long)addr);
	/* Clear -> flush -> free (the kernel defers the flush and the reuse of the range). */
	for (uint64_t i = 0; i < v->nr; i++) {
		struct ptsim_slot s;

		if (!ptsim__walk_to(&k->pt, addr + i * psz, PTSIM_PTE, &s) && s.lvl == PTSIM_PTE) {
			s.addr = addr + i * psz;
			(void)ptsim__get_and_clear(&k->pt, &s);
		}
	}
	ptsim__flush_tlb_kernel_range(k->tlbs, addr, addr + v->nr * psz - 1);
	free_pfns(k, v->pfns, v->nr);
	*pp = v->next;
	k->nr_vmalloc_pages -= v->nr;
	ptsim__free(h, v->pfns, v->nr * sizeof(uint64_t));
	ptsim__free(h, v, sizeof(*v));
	return 0;
}

int ptsim__kernel_access(struct ptsim_kernel_mm *k, const struct ptsim_mmu_config *mcfg,
			 unsigned int cpu, uint64_t va, unsigned int access,
			 struct ptsim_mmu_result *res)
{
	return ptsim__mmu_access(k->tlbs, &k->pt, mcfg, cpu, va, access, false, res);
}
