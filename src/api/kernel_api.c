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
	out->vmalloc_pages = k->nr_vmalloc_pages;
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

int ptsim_kernel_vmalloc(struct ptsim_machine *m, uint64_t size, uint64_t *addr)
{
	const struct ptsim_kernel_mm *k;
	struct ptsim_mem_stats ms;
	uint64_t psz, nr;
	int ret;

	if (!m)
		return -EINVAL;
	if (!addr)
		return ptsim__seterr(&m->host, -EINVAL, "vmalloc: NULL addr");
	if (!m->kmm.on)
		return no_init_mm(m, "vmalloc");
	k = &m->kmm;
	psz = ptsim__page_size(m->arch);
	if (size == 0 || size > k->lay.vmalloc_end - k->lay.vmalloc_start - psz)
		return ptsim__seterr(&m->host, -EINVAL,
				     "vmalloc: size 0x%llx is 0 or larger than the vmalloc area",
				     (unsigned long long)size);
	nr = (size + psz - 1) / psz;
	ptsim_mem_stats(m, &ms);
	if (nr > ms.free_pages)
		return ptsim__seterr(&m->host, -ENOMEM, "vmalloc: %llu pages, %llu free",
				     (unsigned long long)nr, (unsigned long long)ms.free_pages);
	ptsim__op_begin(m);
	ret = ptsim__vmalloc(&m->kmm, nr, addr);
	return ptsim__op_end(m, ret);
}

int ptsim_kernel_vfree(struct ptsim_machine *m, uint64_t addr)
{
	if (!m)
		return -EINVAL;
	if (!m->kmm.on)
		return no_init_mm(m, "vfree");
	return ptsim__vfree(&m->kmm, addr);
}

int ptsim_kernel_access(struct ptsim_machine *m, unsigned int cpu, uint64_t va, unsigned int access,
			uint64_t *pa)
{
	static const char *const why[] = {
		[PTSIM_MMU_NOT_PRESENT] = "not present",
		[PTSIM_MMU_PERM] = "permission fault",
		[PTSIM_MMU_ACCESS_FLAG] = "access-flag fault",
		[PTSIM_MMU_NONCANONICAL] = "not a translated address",
	};
	struct ptsim_mmu_result res;
	int ret;

	if (!m)
		return -EINVAL;
	if (!m->kmm.on)
		return no_init_mm(m, "kernel_access");
	if (cpu >= m->cfg.ncpus || (access != PTSIM_ACCESS_READ && access != PTSIM_ACCESS_WRITE &&
				    access != PTSIM_ACCESS_EXEC))
		return ptsim__seterr(&m->host, -EINVAL, "kernel_access: bad cpu %u or access 0x%x",
				     cpu, access);
	if (va < m->kmm.lay.page_offset)
		return ptsim__seterr(&m->host, -EINVAL,
				     "kernel_access: 0x%llx is not a kernel address",
				     (unsigned long long)va);
	ret = ptsim__kernel_access(&m->kmm, &m->mmctx.mmu, cpu, va, access, &res);
	if (ret)
		return ptsim__seterr(&m->host, -EFAULT,
				     "kernel_access: the walk of 0x%llx went through a freed table",
				     (unsigned long long)va);
	if (res.fault != PTSIM_MMU_OK)
		return ptsim__seterr(&m->host, -EFAULT,
				     "Unable to handle kernel paging request at 0x%llx (%s)",
				     (unsigned long long)va, why[res.fault]);
	if (pa)
		*pa = res.pa;
	return 0;
}

/* A range of memory blocks (sections): 0, or -EINVAL with the message set. */
static int block_range(struct ptsim_machine *m, const char *fn, uint64_t start, uint64_t size)
{
	uint64_t block = 1ull << m->arch->section_bits;
	uint64_t limit = m->mem.nr_sections << m->arch->section_bits;

	if (!size || (start | size) & (block - 1) || start + size < start || start + size > limit)
		return ptsim__seterr(&m->host, -EINVAL,
				     "%s: [0x%llx, +0x%llx) is not a range of whole memory blocks "
				     "(0x%llx) below 0x%llx",
				     fn, (unsigned long long)start, (unsigned long long)size,
				     (unsigned long long)block, (unsigned long long)limit);
	return 0;
}

int ptsim_kernel_add_memory(struct ptsim_machine *m, uint64_t start, uint64_t size)
{
	int ret;

	if (!m)
		return -EINVAL;
	if (!m->kmm.on)
		return no_init_mm(m, "add_memory");
	ret = block_range(m, "add_memory", start, size);
	if (ret)
		return ret;
	ptsim__op_begin(m);
	ret = ptsim__add_memory(&m->kmm, start, size);
	return ptsim__op_end(m, ret);
}

int ptsim_kernel_remove_memory(struct ptsim_machine *m, uint64_t start, uint64_t size)
{
	int ret;

	if (!m)
		return -EINVAL;
	if (!m->kmm.on)
		return no_init_mm(m, "remove_memory");
	ret = block_range(m, "remove_memory", start, size);
	if (ret)
		return ret;
	return ptsim__remove_memory(&m->kmm, start, size, (int)m->cfg.hotremove_order);
}
