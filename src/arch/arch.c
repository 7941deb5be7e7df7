// SPDX-License-Identifier: MIT
/*
 * arch.c - the registry of architecture configurations and the generic
 * entry helpers that dispatch to the arch's ops table.
 *
 * Geometry follows the kernel's configurations (Documentation/arch/arm64/memory.rst,
 * Documentation/arch/x86/x86_64/mm.rst): x86-64 4- and
 * 5-level paging; arm64 with 4K/16K/64K granules at each supported VA size.
 * Folded levels copy the shift of the real level above them (the kernel's
 * pgtable-nop4d/nopud/nopmd headers do the same).
 */
#include <string.h>

#include "arch/internal.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/*
 * x86-64: 512 entries at every real level; leaves at PUD (1G), PMD (2M), PTE.
 * Capabilities: soft-dirty (HAVE_ARCH_SOFT_DIRTY); a fault drops the stale
 * translations and INVLPG the walk caches (SDM vol. 3 4.10.4.1), so
 * ptep_set_access_flags() and ptep_clear_flush_young() do not flush;
 * access_error() reads VM_EXEC as accessible; migration entries carry no
 * A/D by default (L1TF-capped swap offset).
 */
#define X86_COMMON                                                                                 \
	.kind = PTSIM_ARCH_X86_64, .page_shift = 12, .leaf_ok = {false, false, true, true, true},  \
	.cont_nr = {0, 0, 0, 0, 0}, .hugetlb_sizes = {2 * MiB, 1 * GiB}, .nr_hugetlb_sizes = 2,    \
	.section_bits = 27, .max_order = 10, .pa_layout = PTSIM_PA_48, .ops = &ptsim__x86_64_ops,  \
	.caps = PTSIM_ARCH_CAP_SOFT_DIRTY | PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB |                 \
		PTSIM_ARCH_CAP_VA_FLUSH_DROPS_WALK_CACHES | PTSIM_ARCH_CAP_EXEC_IMPLIES_READ |     \
		PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY

/*
 * x86 address space of @bits VA bits: the canonical halves; TASK_SIZE_MAX
 * keeps the top page of the lower half unmapped, and DEFAULT_MAP_WINDOW is
 * the 4-level lower half even with 5-level paging (page_64_types.h).
 */
#define X86_VA(bits)                                                                               \
	.va_bits = (bits),                                                                         \
	.va_ranges = {{0, 1ull << ((bits)-1), "User Space", false},                                \
		      {0 - (1ull << ((bits)-1)), 0, "Kernel Space", false}},                       \
	.nr_va_ranges = 2, .task_size = (1ull << ((bits)-1)) - 4096,                               \
	.map_window = (1ull << 47) - 4096

/*
 * arm64: break-before-make; __ptep_set_access_flags() and
 * ptep_clear_flush_young() flush; TLBI by VA is last-level; migration
 * entries carry A/D (50-bit swap offset).
 */
#define ARM64_CAPS                                                                                 \
	(PTSIM_ARCH_CAP_BREAK_BEFORE_MAKE | PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES |              \
	 PTSIM_ARCH_CAP_CLEAR_YOUNG_FLUSHES | PTSIM_ARCH_CAP_MIGRATION_AD)

/*
 * arm64 address space of VA_BITS @bits: the TTBR0 half only; TASK_SIZE is
 * 1 << VA_BITS and DEFAULT_MAP_WINDOW 1 << VA_BITS_MIN (48 at most: the
 * 52-bit space is opt-in through the mmap hint; asm/processor.h).
 */
#define ARM64_VA(bits)                                                                             \
	.va_bits = (bits), .va_ranges = {{0, 1ull << (bits), NULL, false}}, .nr_va_ranges = 1,     \
	.task_size = 1ull << (bits), .map_window = 1ull << ((bits) > 48 ? 48 : (bits))

/* arm64 granule-specific constants (arch/arm64/include/asm/pgtable-hwdef.h). */
#define ARM64_4K                                                                                   \
	.kind = PTSIM_ARCH_ARM64, .page_shift = 12, .leaf_ok = {false, false, true, true, true},   \
	.cont_nr = {0, 0, 0, 16, 16}, .hugetlb_sizes = {1 * GiB, 32 * MiB, 2 * MiB, 64 * KiB},     \
	.nr_hugetlb_sizes = 4, .section_bits = 27, .max_order = 10, .ops = &ptsim__arm64_ops,      \
	.caps = ARM64_CAPS
#define ARM64_16K                                                                                  \
	.kind = PTSIM_ARCH_ARM64, .page_shift = 14, .leaf_ok = {false, false, false, true, true},  \
	.cont_nr = {0, 0, 0, 32, 128}, .hugetlb_sizes = {1 * GiB, 32 * MiB, 2 * MiB},              \
	.nr_hugetlb_sizes = 3, .section_bits = 27, .max_order = 11, .ops = &ptsim__arm64_ops,      \
	.caps = ARM64_CAPS
#define ARM64_64K                                                                                  \
	.kind = PTSIM_ARCH_ARM64, .page_shift = 16, .leaf_ok = {false, false, false, true, true},  \
	.cont_nr = {0, 0, 0, 32, 32}, .hugetlb_sizes = {16 * GiB, 512 * MiB, 2 * MiB},             \
	.nr_hugetlb_sizes = 3, .section_bits = 29, .max_order = 13, .ops = &ptsim__arm64_ops,      \
	.caps = ARM64_CAPS

static const struct ptsim_arch arches[] = {
	{
		.name = "x86_64-4l",
		X86_COMMON,
		X86_VA(48),
		.pa_bits = 46,
		.nr_levels = 4,
		.shift = {39, 39, 30, 21, 12},
		.ptrs = {512, 1, 512, 512, 512},
	},
	{
		.name = "x86_64-5l",
		X86_COMMON,
		X86_VA(57),
		.pa_bits = 52,
		.nr_levels = 5,
		.shift = {48, 39, 30, 21, 12},
		.ptrs = {512, 512, 512, 512, 512},
	},
	{
		.name = "arm64-4k-39",
		ARM64_4K,
		ARM64_VA(39),
		.pa_bits = 48,
		.nr_levels = 3,
		.shift = {30, 30, 30, 21, 12},
		.ptrs = {512, 1, 1, 512, 512},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-4k-48",
		ARM64_4K,
		ARM64_VA(48),
		.pa_bits = 48,
		.nr_levels = 4,
		.shift = {39, 39, 30, 21, 12},
		.ptrs = {512, 1, 512, 512, 512},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-4k-52",
		ARM64_4K,
		ARM64_VA(52),
		.pa_bits = 52,
		.nr_levels = 5,
		.shift = {48, 39, 30, 21, 12},
		.ptrs = {16, 512, 512, 512, 512},
		.pa_layout = PTSIM_PA_52_LPA2,
	},
	{
		.name = "arm64-16k-47",
		ARM64_16K,
		ARM64_VA(47),
		.pa_bits = 48,
		.nr_levels = 3,
		.shift = {36, 36, 36, 25, 14},
		.ptrs = {2048, 1, 1, 2048, 2048},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-16k-48",
		ARM64_16K,
		ARM64_VA(48),
		.pa_bits = 48,
		.nr_levels = 4,
		.shift = {47, 47, 36, 25, 14},
		.ptrs = {2, 1, 2048, 2048, 2048},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-16k-52",
		ARM64_16K,
		ARM64_VA(52),
		.pa_bits = 52,
		.nr_levels = 4,
		.shift = {47, 47, 36, 25, 14},
		.ptrs = {32, 1, 2048, 2048, 2048},
		.pa_layout = PTSIM_PA_52_LPA2,
	},
	{
		.name = "arm64-64k-42",
		ARM64_64K,
		ARM64_VA(42),
		.pa_bits = 48,
		.nr_levels = 2,
		.shift = {29, 29, 29, 29, 16},
		.ptrs = {8192, 1, 1, 1, 8192},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-64k-48",
		ARM64_64K,
		ARM64_VA(48),
		.pa_bits = 48,
		.nr_levels = 3,
		.shift = {42, 42, 42, 29, 16},
		.ptrs = {64, 1, 1, 8192, 8192},
		.pa_layout = PTSIM_PA_48,
	},
	{
		.name = "arm64-64k-52",
		ARM64_64K,
		ARM64_VA(52),
		.pa_bits = 52,
		.nr_levels = 3,
		.shift = {42, 42, 42, 29, 16},
		.ptrs = {1024, 1, 1, 8192, 8192},
		.pa_layout = PTSIM_PA_52_64K,
	},
};

#define NR_ARCHES (sizeof(arches) / sizeof(arches[0]))

const struct ptsim_arch *ptsim_arch_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned int i = 0; i < NR_ARCHES; i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

const struct ptsim_arch *ptsim_arch_at(unsigned int i)
{
	return i < NR_ARCHES ? &arches[i] : NULL;
}

/*
 * The public helpers below take their input from the caller and answer a
 * NULL architecture or a level outside enum ptsim_level with a neutral
 * value - 0, false, "?" - instead of reading past an array
 * (docs/api/conventions.md, "Hostile input").  The library's own code calls
 * the ops table directly.
 */
static bool lvl_ok(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return a && (unsigned int)lvl < PTSIM_NR_LEVELS;
}

const char *ptsim_arch_name(const struct ptsim_arch *a)
{
	return a ? a->name : "?";
}

enum ptsim_arch_kind ptsim_arch_kind(const struct ptsim_arch *a)
{
	return a ? a->kind : PTSIM_ARCH_NONE;
}

unsigned int ptsim_arch_page_shift(const struct ptsim_arch *a)
{
	return a ? a->page_shift : 0;
}

unsigned int ptsim_arch_va_bits(const struct ptsim_arch *a)
{
	return a ? a->va_bits : 0;
}

unsigned int ptsim_arch_pa_bits(const struct ptsim_arch *a)
{
	return a ? a->pa_bits : 0;
}

unsigned int ptsim_arch_nr_levels(const struct ptsim_arch *a)
{
	return a ? a->nr_levels : 0;
}

unsigned int ptsim_arch_level_shift(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) ? a->shift[lvl] : 0;
}

unsigned int ptsim_arch_ptrs_per(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) ? a->ptrs[lvl] : 0;
}

bool ptsim_arch_level_folded(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) && ptsim__level_folded(a, lvl);
}

bool ptsim_arch_leaf_ok(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) && a->leaf_ok[lvl];
}

unsigned int ptsim_arch_cont_nr(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) ? a->cont_nr[lvl] : 0;
}

uint64_t ptsim_arch_level_size(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	return lvl_ok(a, lvl) ? 1ull << a->shift[lvl] : 0;
}

unsigned int ptsim_arch_hugetlb_sizes(const struct ptsim_arch *a, uint64_t *sizes, unsigned int max)
{
	if (!a)
		return 0;
	for (unsigned int i = 0; sizes && i < a->nr_hugetlb_sizes && i < max; i++)
		sizes[i] = a->hugetlb_sizes[i];
	return a->nr_hugetlb_sizes;
}

unsigned int ptsim_arch_section_bits(const struct ptsim_arch *a)
{
	return a ? a->section_bits : 0;
}

unsigned int ptsim_arch_max_order(const struct ptsim_arch *a)
{
	return a ? a->max_order : 0;
}

const char *ptsim_arch_level_name(const struct ptsim_arch *a, enum ptsim_level lvl)
{
	static const char *const lower[] = {"pgd", "p4d", "pud", "pmd", "pte"};
	static const char *const upper[] = {"PGD", "P4D", "PUD", "PMD", "PTE"};

	if (!lvl_ok(a, lvl))
		return "?";
	return a->kind == PTSIM_ARCH_X86_64 ? lower[lvl] : upper[lvl];
}

/* The bits ptsim_pgprot() understands in @prot and @flags. */
#define PROT_BITS  (PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC)
#define FLAGS_BITS (PTSIM_PGPROT_KERNEL | PTSIM_PGPROT_MT_MASK)

uint64_t ptsim_pgprot(const struct ptsim_arch *a, unsigned int prot, unsigned int flags)
{
	if (!a || (prot & ~PROT_BITS) || (flags & ~FLAGS_BITS) ||
	    ((flags & PTSIM_PGPROT_MT_MASK) >> PTSIM_PGPROT_MT_SHIFT) > PTSIM_MT_NORMAL_TAGGED)
		return 0;
	return a->ops->pgprot(a, prot, flags);
}

/* Bits of @pgprot outside the attribute fields (ops->pgprot_mask) are ignored, see arch.h. */
ptsim_ent_t ptsim_mk_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
			  uint64_t pgprot)
{
	if (!lvl_ok(a, lvl))
		return 0;
	return a->ops->mk_leaf(a, lvl, pfn, pgprot & a->ops->pgprot_mask(a));
}

ptsim_ent_t ptsim_mk_table(const struct ptsim_arch *a, enum ptsim_level lvl, uint64_t pfn,
			   bool kernel)
{
	return lvl_ok(a, lvl) ? a->ops->mk_table(a, lvl, pfn, kernel) : 0;
}

ptsim_ent_t ptsim_mk_swp(const struct ptsim_arch *a, enum ptsim_level lvl, unsigned int type,
			 uint64_t offset, unsigned int flags)
{
	return lvl_ok(a, lvl) ? a->ops->mk_swp(a, lvl, type, offset, flags) : 0;
}

uint64_t ptsim_arch_swp_offset_max(const struct ptsim_arch *a)
{
	return a ? (1ull << 50) - 1 : 0;
}

ptsim_ent_t ptsim_ent_modify(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e,
			     uint64_t newprot)
{
	return lvl_ok(a, lvl) ? a->ops->modify(a, lvl, e, newprot) : 0;
}

ptsim_ent_t ptsim_ent_relevel(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e,
			      enum ptsim_level new_lvl, uint64_t pfn)
{
	if (!lvl_ok(a, lvl) || !lvl_ok(a, new_lvl))
		return 0;
	return a->ops->relevel(a, lvl, e, new_lvl, pfn);
}

void ptsim_ent_decode(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e,
		      struct ptsim_attrs *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (lvl_ok(a, lvl))
		a->ops->decode(a, lvl, e, out);
}

#define DEFINE_PRED(op)                                                                            \
	bool ptsim_ent_##op(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)       \
	{                                                                                          \
		return lvl_ok(a, lvl) && a->ops->op(a, lvl, e);                                    \
	}
DEFINE_PRED(none)
DEFINE_PRED(present)
DEFINE_PRED(table)
DEFINE_PRED(protnone)
DEFINE_PRED(swp)
DEFINE_PRED(write)
DEFINE_PRED(dirty)
DEFINE_PRED(young)
DEFINE_PRED(special)
DEFINE_PRED(soft_dirty)
DEFINE_PRED(uffd_wp)
DEFINE_PRED(cont)
#undef DEFINE_PRED

/*
 * pXd_leaf(): false at a level that cannot hold leaves on this configuration,
 * as the kernel's folded pXd_leaf() helpers are (arm64 pud_table() is
 * constant true below 3 levels; x86 has no P4D/PGD leaves).
 */
bool ptsim_ent_leaf(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)
{
	return lvl_ok(a, lvl) && a->leaf_ok[lvl] && a->ops->leaf(a, lvl, e);
}

uint64_t ptsim_ent_pfn(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)
{
	return lvl_ok(a, lvl) ? a->ops->pfn(a, lvl, e) : 0;
}

unsigned int ptsim_ent_swp_type(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)
{
	return lvl_ok(a, lvl) ? a->ops->swp_type(a, lvl, e) : 0;
}

uint64_t ptsim_ent_swp_offset(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)
{
	return lvl_ok(a, lvl) ? a->ops->swp_offset(a, lvl, e) : 0;
}

unsigned int ptsim_ent_swp_flags(const struct ptsim_arch *a, enum ptsim_level lvl, ptsim_ent_t e)
{
	return lvl_ok(a, lvl) ? a->ops->swp_flags(a, lvl, e) : 0;
}

#define DEFINE_BUILDER(op)                                                                         \
	ptsim_ent_t ptsim_ent_##op(const struct ptsim_arch *a, enum ptsim_level lvl,               \
				   ptsim_ent_t e)                                                  \
	{                                                                                          \
		if (!lvl_ok(a, lvl))                                                               \
			return 0;                                                                  \
		return a->ops->op ? a->ops->op(a, lvl, e) : e;                                     \
	}
PTSIM__ARCH_BUILDERS(DEFINE_BUILDER)
#undef DEFINE_BUILDER
