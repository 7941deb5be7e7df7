// SPDX-License-Identifier: MIT
/*
 * kernel_layout.c - the kernel's virtual address layout of each configuration
 * (init_mm, knob kernel_mm).
 *
 * arm64 follows arch/arm64/include/asm/memory.h as of the v5.4 "flipped"
 * layout (still current): the linear map fills the lower half of the TTBR1
 * range, [PAGE_OFFSET, PAGE_END); the modules area (2G) and vmalloc follow;
 * VMEMMAP_END is 1G below the top, VMEMMAP_START = VMEMMAP_END -
 * VMEMMAP_SIZE (one 64-byte struct page per page of the linear map), and
 * VMALLOC_END = VMEMMAP_START - 256M.  With 4K pages vmalloc's end and
 * vmemmap's start then share a PUD table (VMEMMAP_START is 1G- but not
 * 512G-aligned): the table the seed's race is about.  memstart_addr is the
 * lowest RAM rounded down to ARM64_MEMSTART_ALIGN (1G with 4K and 16K pages,
 * 512M with 64K).  vmemmap_populate() maps PMD blocks with 4K pages and base
 * pages otherwise.
 *
 * x86-64 follows Documentation/arch/x86/x86_64/mm.rst without KASLR: the
 * direct map at page_offset_base, vmalloc_base, vmemmap_base, for 4- and
 * 5-level paging.  vmemmap_populate() maps 2M pages (X86_FEATURE_PSE).
 */
#include "arch/internal.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void marker(struct ptsim_klayout *k, uint64_t addr, const char *name)
{
	k->markers[k->nr_markers].addr = addr;
	k->markers[k->nr_markers].name = name;
	k->nr_markers++;
}

static void x86_layout(const struct ptsim_arch *a, struct ptsim_klayout *k)
{
	if (a->va_bits > 48) {
		k->page_offset = 0xff11000000000000ull;
		k->page_end = k->page_offset + (1ull << 55);
		k->vmalloc_start = 0xffa0000000000000ull;
		k->vmalloc_end = 0xffd4000000000000ull;
		k->vmemmap_start = 0xffd4000000000000ull;
		k->vmemmap_end = 0xffd6000000000000ull;
	} else {
		k->page_offset = 0xffff888000000000ull;
		k->page_end = k->page_offset + (1ull << 46);
		k->vmalloc_start = 0xffffc90000000000ull;
		k->vmalloc_end = 0xffffe90000000000ull;
		k->vmemmap_start = 0xffffea0000000000ull;
		k->vmemmap_end = 0xffffeb0000000000ull;
	}
	k->phys_offset = 0;
	k->vmemmap_base = k->vmemmap_start;
	k->vmemmap_leaf = 1ull << a->shift[PTSIM_PMD];
	marker(k, k->page_offset, "Low Kernel Mapping");
	marker(k, k->vmalloc_start, "vmalloc() Area");
	marker(k, k->vmemmap_start, "Vmemmap");
	marker(k, k->vmemmap_end, NULL);
}

static void arm64_layout(const struct ptsim_arch *a, uint64_t phys_base, struct ptsim_klayout *k)
{
	unsigned int min_bits = a->va_bits > 48 ? 48 : a->va_bits;
	uint64_t align = a->page_shift == 16 ? 512 * MiB : GiB;
	uint64_t size;

	k->page_offset = 0 - (1ull << a->va_bits);
	k->page_end = 0 - (1ull << (min_bits - 1));
	k->phys_offset = phys_base & ~(align - 1);
	k->vmalloc_start = k->page_end + 2 * GiB; /* MODULES_END */
	k->vmemmap_end = 0 - GiB;
	size = ((k->page_end - k->page_offset) >> a->page_shift) * k->page_struct;
	k->vmemmap_start = k->vmemmap_end - size;
	k->vmalloc_end = k->vmemmap_start - 256 * MiB;
	k->vmemmap_base = k->vmemmap_start - (k->phys_offset >> a->page_shift) * k->page_struct;
	k->vmemmap_leaf = a->page_shift == 12 ? 1ull << a->shift[PTSIM_PMD] : 1ull << a->page_shift;
	k->linear_cont = true;
	k->ttbr1 = true;
	marker(k, k->page_offset, "Linear Mapping start");
	marker(k, k->page_end, "Linear Mapping end");
	marker(k, k->page_end, "Modules start");
	marker(k, k->vmalloc_start, "Modules end");
	marker(k, k->vmalloc_start, "vmalloc() area");
	marker(k, k->vmalloc_end, "vmalloc() end");
	marker(k, k->vmemmap_start, "vmemmap start");
	marker(k, k->vmemmap_end, "vmemmap end");
}

void ptsim__kernel_layout(const struct ptsim_arch *a, uint64_t phys_base, struct ptsim_klayout *out)
{
	*out = (struct ptsim_klayout){.page_struct = 64};
	if (a->kind == PTSIM_ARCH_ARM64)
		arm64_layout(a, phys_base, out);
	else
		x86_layout(a, out);
}

void ptsim__kernel_va_range(struct ptsim_arch *a)
{
	if (a->kind != PTSIM_ARCH_ARM64 || a->nr_va_ranges >= PTSIM_MAX_VA_RANGES)
		return;
	a->va_ranges[a->nr_va_ranges++] = (struct ptsim_va_range){.start = 0 - (1ull << a->va_bits),
								  .end = 0,
								  .ptdump_marker = NULL,
								  .kernel_only = true};
}
