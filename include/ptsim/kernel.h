/* SPDX-License-Identifier: MIT */
/*
 * kernel.h - the kernel's own address space (init_mm), with knob kernel_mm.
 *
 * A machine created with kernel_mm=on has an init_mm built as the kernel
 * boots: the linear map of every present section (arm64: PUD blocks with
 * 4K pages, contiguous PMD runs, PMD blocks, contiguous PTE runs; x86-64:
 * 1G, 2M and 4K pages - the largest that fits), and the vmemmap that backs
 * a 64-byte struct page per frame (PMD blocks on x86-64 and arm64 4K, base
 * pages on arm64 16K and 64K), whose pages come from the buddy.  Its tables
 * are kernel tables (x86 _KERNPG_TABLE, arm64 UXNTable), charged to no
 * address space's VmPTE; ptsim_check() covers them.  The layout is the
 * kernel's without KASLR: arm64 asm/memory.h (the v5.4+ layout), x86
 * Documentation/arch/x86/x86_64/mm.rst.
 */
#ifndef PTSIM_KERNEL_H
#define PTSIM_KERNEL_H

#include <stdio.h>

#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's address layout of a machine, and what init_mm holds. */
struct ptsim_kernel_layout {
	uint64_t page_offset, page_end;	     /* the linear map (PAGE_OFFSET, PAGE_END) */
	uint64_t phys_offset;		     /* physical address mapped at page_offset */
	uint64_t vmalloc_start, vmalloc_end; /* VMALLOC_START, VMALLOC_END */
	uint64_t vmemmap_start, vmemmap_end; /* the vmemmap region */
	uint64_t vmemmap_base;		     /* address of PFN 0's struct page */
	uint64_t vmemmap_leaf;		     /* bytes each vmemmap leaf maps */
	uint64_t linear_bytes;		     /* bytes the linear map maps now */
	uint64_t vmemmap_pages;		     /* base pages backing the vmemmap now */
	uint64_t vmalloc_pages;		     /* pages of the live vmalloc() areas */
	uint64_t nr_tables[PTSIM_NR_LEVELS]; /* init_mm's table pages per level */
};

/**
 * ptsim_kernel_layout() - the kernel's layout and init_mm's size.
 * @m: machine.  @out: receives the layout and counts.
 *
 * Return: 0; -EINVAL (NULL argument); -EOPNOTSUPP (the machine was created
 * with kernel_mm=off: it has no init_mm).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_layout(const struct ptsim_machine *m,
						   struct ptsim_kernel_layout *out);

/**
 * ptsim_kernel_ptdump() - the kernel's ptdump of init_mm.
 * @m: machine.  @f: stream to print to.
 *
 * Each region follows its marker, as the kernel prints them: arm64
 * "---[ Linear Mapping start ]---", "---[ Linear Mapping end ]---",
 * "---[ Modules start ]---", "---[ Modules end ]---",
 * "---[ vmalloc() area ]---", "---[ vmalloc() end ]---",
 * "---[ vmemmap start ]---", "---[ vmemmap end ]---"; x86-64
 * "---[ Low Kernel Mapping ]---", "---[ vmalloc() Area ]---",
 * "---[ Vmemmap ]---".  Lines as ptsim_ptdump() prints them.
 *
 * Return: the number of lines printed (not counting markers); -EINVAL
 * (NULL argument); -EOPNOTSUPP (no init_mm: kernel_mm=off); -EIO (write error).
 */
PTSIM_API long ptsim_kernel_ptdump(struct ptsim_machine *m, FILE *f);

/**
 * ptsim_kernel_vmalloc() - vmalloc(): pages mapped in the vmalloc area.
 * @m: machine.  @size: bytes, rounded up to pages.  @addr: receives the
 *     area's address.
 *
 * As __vmalloc_node_range(): the lowest free range of [VMALLOC_START,
 * VMALLOC_END) with a guard page after it, order-0 pages from the buddy,
 * one PTE each (PAGE_KERNEL), the missing tables allocated on the way.
 * Tables stay after ptsim_kernel_vfree(), as the kernel's do.
 *
 * Return: 0; -EINVAL (NULL argument, @size 0 or larger than the vmalloc
 * area); -EOPNOTSUPP (kernel_mm=off); -ENOMEM (no room in the area, or out
 * of pages or tables: nothing changed).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_vmalloc(struct ptsim_machine *m, uint64_t size,
						    uint64_t *addr);

/**
 * ptsim_kernel_vfree() - vfree() of an area ptsim_kernel_vmalloc() returned.
 * @m: machine.  @addr: the area's address.
 *
 * Clears its PTEs, flushes them from every CPU (flush_tlb_kernel_range()),
 * then frees the pages.  The kernel defers that flush (lazy vmap purging)
 * and instead never reuses the range before it; the model flushes at once,
 * so that no TLB entry ever maps a free page.
 *
 * Return: 0; -EINVAL (NULL machine, no area starts at @addr);
 * -EOPNOTSUPP (kernel_mm=off).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_vfree(struct ptsim_machine *m, uint64_t addr);

/**
 * ptsim_kernel_access() - one kernel-mode access through the MMU.
 * @m: machine.  @cpu: the CPU.  @va: a kernel address.
 * @access: PTSIM_ACCESS_READ, _WRITE or _EXEC.  @pa: receives the physical
 *     address (may be NULL).
 *
 * The CPU looks @va up in its TLB and on a miss walks init_mm's tables,
 * filling its walk cache and TLB - global entries, which match every
 * address space - and setting accessed/dirty as the hardware does.  A stale
 * TLB entry is used as it is: that is what makes a missing flush of a kernel
 * mapping observable.
 *
 * Return: 0; -EINVAL (NULL machine, bad CPU or access, @va not a kernel
 * address); -EOPNOTSUPP (kernel_mm=off); -EFAULT (the access faults: the
 * kernel's "Unable to handle kernel paging request"; or the walk went
 * through a freed table).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_access(struct ptsim_machine *m, unsigned int cpu,
						   uint64_t va, unsigned int access, uint64_t *pa);

/**
 * ptsim_kernel_add_memory() - add_memory(): hot-add memory blocks, online.
 * @m: machine.  @start: physical address.  @size: bytes; both multiples of
 *     the memory block (section) size.
 *
 * As add_memory_resource() with arch_add_memory(): the vmemmap backing the
 * new frames' records is allocated from the memory already present (PMD
 * blocks on x86-64 and arm64 4K, base pages otherwise), the linear map of
 * the range is built with the largest leaves that fit, and the sections are
 * added with every page free in the buddy (online).  Everything is
 * allocated before anything is mapped, so a failure changes nothing.
 *
 * Return: 0; -EINVAL (NULL machine, a range not of whole blocks, beyond
 * phys_limit); -EOPNOTSUPP (kernel_mm=off); -EEXIST (a block of the range
 * is present); -ENOMEM (nothing changed).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_add_memory(struct ptsim_machine *m, uint64_t start,
						       uint64_t size);

/**
 * ptsim_kernel_remove_memory() - offline and remove memory blocks.
 * @m: machine.  @start: physical address.  @size: bytes; both multiples of
 *     the memory block (section) size.
 *
 * offline_pages() (every page must be free) and arch_remove_memory() with
 * the arm64 teardown (arch/arm64/mm/mmu.c): the sections go; then
 * unmap_hotplug_range() over the vmemmap and the linear map - each leaf
 * cleared, its TLB entry flushed, then (vmemmap) its backing freed - and
 * free_empty_tables(): a table whose whole span lies inside its region
 * (floor/ceiling) and whose every entry is none is unhooked, the walk caches
 * flushed, then the table freed.  Free page and table counts come back to
 * their values before the matching ptsim_kernel_add_memory().
 *
 * Return: 0; -EINVAL (NULL machine, a range not of whole blocks);
 * -EOPNOTSUPP (kernel_mm=off); -ENOENT (a block not present); -EBUSY (boot
 * memory, a page in use, or an edge inside a kernel block or contiguous
 * mapping: nothing changed).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_kernel_remove_memory(struct ptsim_machine *m, uint64_t start,
							  uint64_t size);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_KERNEL_H */
