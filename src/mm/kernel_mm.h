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

#define PTSIM_INIT_MM_ID 0

struct ptsim_kernel_mm {
	bool on;
	struct ptsim_pgtables pt;
	struct ptsim_klayout lay;
	uint64_t linear_bytes;	/* bytes the linear map maps */
	uint64_t vmemmap_pages; /* base pages backing the vmemmap */
};

/*
 * Build init_mm (paging_init() + vmemmap_populate() of the boot memory):
 * the linear map of every present section with the largest leaves that fit
 * (arm64: contiguous runs too), then the vmemmap backing the frame records
 * of every present section, whose pages come from the buddy.  -ENOMEM (the
 * caller destroys the machine; nothing to roll back here).
 */
int ptsim__kernel_mm_init(struct ptsim_kernel_mm *k, struct ptsim_ptalloc *pa, uint64_t phys_base);
/* Drop init_mm's tables (machine destruction: its pages go with the machine). */
void ptsim__kernel_mm_fini(struct ptsim_kernel_mm *k);
/*
 * The kernel's ptdump of its address space: each region after its marker
 * (arm64 "---[ Linear Mapping start ]---", x86 "---[ Low Kernel Mapping ]---",
 * ...).  Lines printed, or -errno.
 */
long ptsim__kernel_ptdump(struct ptsim_kernel_mm *k, FILE *f);

#endif /* PTSIM_SRC_MM_KERNEL_MM_H */
