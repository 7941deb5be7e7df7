/* SPDX-License-Identifier: MIT */
/*
 * src/mm/kernel_mm.h - the kernel's own address space (init_mm), knob kernel_mm.
 *
 * init_mm's tables are a struct ptsim_pgtables with the kernel flag (table
 * entries are the kernel's: x86 _KERNPG_TABLE, arm64 UXNTable), owner id 0
 * (user address spaces count from 1), charged to no address space's VmPTE.
 */
#ifndef PTSIM_SRC_MM_KERNEL_MM_H
#define PTSIM_SRC_MM_KERNEL_MM_H

#include <stdio.h>

#include "arch/internal.h"
#include "pgtable/internal.h"
#include "tlb/mmu.h"

#define PTSIM_INIT_MM_ID 0

/* A vmalloc() area: @nr pages from @addr, a guard page after it. */
struct ptsim_vm_area {
	uint64_t addr, nr;
	uint64_t *pfns;
	struct ptsim_vm_area *next; /* in address order */
};

struct ptsim_kernel_mm {
	bool on;
	struct ptsim_pgtables pt;
	struct ptsim_tlbs *tlbs;
	struct ptsim_vm_area *vmap; /* the vmalloc areas, in address order */
	uint64_t nr_vmalloc_pages;
	struct ptsim_klayout lay;
	uint64_t linear_bytes;	       /* bytes the linear map maps */
	uint64_t boot_start, boot_end; /* boot memory (physical): never offlined */
	uint64_t nr_added, nr_removed; /* memory blocks hot-added, hot-removed */
	uint64_t vmemmap_pages;	       /* base pages backing the vmemmap */
};

/*
 * Build init_mm (paging_init() + vmemmap_populate() of the boot memory):
 * the linear map of every present section with the largest leaves that fit
 * (arm64: contiguous runs too), then the vmemmap backing the frame records
 * of every present section, whose pages come from the buddy.  -ENOMEM (the
 * caller destroys the machine; nothing to roll back here).
 */
int ptsim__kernel_mm_init(struct ptsim_kernel_mm *k, struct ptsim_ptalloc *pa,
			  struct ptsim_tlbs *tlbs, uint64_t phys_base);
/* Drop init_mm's tables (machine destruction: its pages go with the machine). */
void ptsim__kernel_mm_fini(struct ptsim_kernel_mm *k);
/*
 * The kernel's ptdump of its address space: each region after its marker
 * (arm64 "---[ Linear Mapping start ]---", x86 "---[ Low Kernel Mapping ]---",
 * ...).  Lines printed, or -errno.
 */
long ptsim__kernel_ptdump(struct ptsim_kernel_mm *k, FILE *f);

/*
 * vmalloc(): @nr order-0 pages mapped by PTEs at the lowest free address of
 * [VMALLOC_START, VMALLOC_END) with room for a guard page after them
 * (alloc_vmap_area()); the tables the range lacks are allocated
 * (vmap_pages_range() -> pte_alloc_kernel()) and stay after vfree(), as the
 * kernel's do.  0 and *@addr, or -ENOMEM (no room, no pages, no tables:
 * nothing changed, message set).
 */
int ptsim__vmalloc(struct ptsim_kernel_mm *k, uint64_t nr, uint64_t *addr);
/*
 * vfree() of the area at @addr: clear its PTEs, flush them from every CPU
 * (flush_tlb_kernel_range()), then free the pages.  -EINVAL if no area
 * starts at @addr.
 */
int ptsim__vfree(struct ptsim_kernel_mm *k, uint64_t addr);
/* A kernel-mode access through the MMU on @cpu (ptsim__mmu_access() with user false). */
int ptsim__kernel_access(struct ptsim_kernel_mm *k, const struct ptsim_mmu_config *mcfg,
			 unsigned int cpu, uint64_t va, unsigned int access,
			 struct ptsim_mmu_result *res);

/* kernel_mm.c helpers shared with memory_hotplug.c. */
int ptsim__kernel_map_linear(struct ptsim_kernel_mm *k, uint64_t pa, uint64_t end, uint64_t prot);
uint64_t ptsim__kernel_prot(const struct ptsim_kernel_mm *k);
/* The largest unit (leaf, or contiguous run: *@flags PTSIM_MAP_CONT) mapping [addr, end) at @addr.
 */
uint64_t ptsim__kernel_linear_unit(const struct ptsim_kernel_mm *k, uint64_t addr, uint64_t end,
				   uint64_t *leaf, unsigned int *flags);

/*
 * Memory blocks (memory_hotplug.c; a block is a section).  add_memory():
 * the vmemmap's pages and every table are allocated first, then the
 * sections added (online: their pages go to the buddy), then the linear map
 * and the vmemmap mapped - so a failure (-ENOMEM) changes nothing.
 * -EEXIST: a section of the range is present.
 */
int ptsim__add_memory(struct ptsim_kernel_mm *k, uint64_t start, uint64_t size);
/*
 * offline_pages() + arch_remove_memory(): -EBUSY for boot memory, a page in
 * use, or an edge inside a kernel leaf mapping (nothing changed); -ENOENT
 * for a range not present.  Otherwise the sections go, then the arm64
 * teardown (arch/arm64/mm/mmu.c): unmap_hotplug_range() of the vmemmap
 * (clear -> TLB flush -> free the backing) and of the linear map, then
 * free_empty_tables() under the floor/ceiling of each region (clear the
 * parent -> walk-cache flush -> free the table).  @order: a historical
 * teardown instead (enum ptsim_hotremove_order; see the hotremove.order knob).
 */
int ptsim__remove_memory(struct ptsim_kernel_mm *k, uint64_t start, uint64_t size, int order);

#endif /* PTSIM_SRC_MM_KERNEL_MM_H */
