// SPDX-License-Identifier: MIT
/*
 * test_pgtable.c - map / unmap / translate on every architecture configuration.
 */
#include <errno.h>

#include "ptsim_test.h"

/* VmPTE after mapping one base page into an empty address space. */
static uint64_t vmpte_one_page(const char *arch)
{
	static const struct {
		const char *arch;
		uint64_t bytes;
	} t[] = {
		{"x86_64-4l", 3 * 4096},
		{"x86_64-5l", 3 * 4096}, /* PUD+PMD+PTE; P4D uncounted */
		{"arm64-4k-39", 2 * 4096},
		{"arm64-4k-48", 3 * 4096},
		{"arm64-4k-52", 3 * 4096},
		{"arm64-16k-47", 2 * 16384},
		{"arm64-16k-48", 3 * 16384},
		{"arm64-16k-52", 3 * 16384},
		{"arm64-64k-42", 65536},
		{"arm64-64k-48", 2 * 65536},
		{"arm64-64k-52", 2 * 65536},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].arch, arch))
			return t[i].bytes;
	fail_msg("no VmPTE expectation for %s", arch);
	return 0;
}

#define VA 0x40000000ull

static uint64_t rw(const struct ptsim_arch *a)
{
	return ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
}

static void test_empty_mm(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PGD), 1);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* log2 of the number of base pages in @size. */
static unsigned int order_of(const struct ptsim_test_env *t, uint64_t size)
{
	unsigned int o = 0;

	while ((t->psz << o) < size)
		o++;
	return o;
}

static void test_map_one_page(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	uint64_t f;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, f, t.psz, rw(t.a), 0), 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), vmpte_one_page(*state));
	assert_int_equal(ptsim_translate(t.mm, VA + 0x123, &tr), 0);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_u64_eq(tr.pfn, f);
	assert_u64_eq(tr.pa, (f * t.psz) + 0x123);
	assert_u64_eq(tr.page_size, t.psz);
	assert_true(tr.attrs.write && tr.attrs.user && tr.attrs.young && !tr.attrs.exec);
	assert_u64_eq(tr.entry, ptsim_mk_leaf(t.a, PTSIM_PTE, f, rw(t.a)));
	/* Neighbours are holes; the tables exist, so the hole is at PTE level. */
	assert_int_equal(ptsim_translate(t.mm, VA + t.psz, &tr), -ENOENT);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_true(tr.attrs.none);
	assert_machine_clean(t.m);
	/* Unmap keeps tables unless asked; then VmPTE returns to 0. */
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), 1);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), vmpte_one_page(*state));
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, PTSIM_UNMAP_FREE_TABLES), 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 0);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_huge_leaves(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;

	ptsim_test_env_init(&t, *state, "phys=4G,phys_limit=64G");
	for (int l = PTSIM_PMD; l >= PTSIM_PGD; l--) {
		enum ptsim_level lvl = (enum ptsim_level)l;
		uint64_t size = ptsim_arch_level_size(t.a, lvl);
		uint64_t va = size * 4;
		uint64_t f;

		if (!ptsim_arch_leaf_ok(t.a, lvl))
			continue;
		if (va >> ptsim_arch_va_bits(t.a))
			va = size;
		assert_int_equal(ptsim_folio_alloc(t.m, order_of(&t, size), &f), 0);
		assert_int_equal(ptsim_map(t.mm, va, size, f, size, rw(t.a), 0), 0);
		assert_int_equal(ptsim_translate(t.mm, va + 5 * t.psz + 7, &tr), 0);
		assert_int_equal(tr.level, lvl);
		assert_u64_eq(tr.page_size, size);
		assert_u64_eq(tr.pfn, f + 5);
		assert_u64_eq(tr.pa, f * t.psz + 5 * t.psz + 7);
		assert_true(ptsim_ent_leaf(t.a, lvl, tr.entry));
		/* A base page inside it is refused; so is a second huge leaf. */
		assert_int_equal(ptsim_map(t.mm, va + t.psz, t.psz, 1, t.psz, rw(t.a), 0), -EBUSY);
		assert_int_equal(ptsim_map(t.mm, va, size, f, size, rw(t.a), 0), -EEXIST);
		/* Unmapping part of it is refused and changes nothing. */
		assert_int_equal(ptsim_unmap(t.mm, va, t.psz, 0), -EBUSY);
		assert_int_equal(ptsim_translate(t.mm, va, &tr), 0);
		assert_machine_clean(t.m);
		assert_int_equal(ptsim_unmap(t.mm, va, size, PTSIM_UNMAP_FREE_TABLES), 1);
		assert_int_equal(ptsim_translate(t.mm, va, &tr), -ENOENT);
		assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
		assert_int_equal(ptsim_folio_put(t.m, f), 0);
		assert_machine_clean(t.m);
	}
	ptsim_test_env_fini(&t);
}

static void test_bad_input(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t pmd = 0, f;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, VA + 2 * t.psz, t.psz, f, t.psz, rw(t.a), 0), 0);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_map(t.mm, VA + 1, t.psz, 1, t.psz, rw(t.a), 0), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, 1, 3 * t.psz, rw(t.a), 0), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, 0, 1, t.psz, rw(t.a), 0), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, 1, t.psz, rw(t.a), 0x80), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, 1ull << 60, t.psz, 1, t.psz, rw(t.a), 0), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, 1ull << (ptsim_arch_pa_bits(t.a) - 12), t.psz,
				   rw(t.a), 0),
			 -ERANGE);
	assert_int_equal(ptsim_map(t.mm, VA, 4 * t.psz, 1, t.psz, rw(t.a), 0), -EEXIST);
	assert_string_not_equal(ptsim_errmsg(t.m), "");
	assert_int_equal(ptsim_unmap(t.mm, VA + 1, t.psz, 0), -EINVAL);
	/* A PMD leaf over an existing PTE table is refused. */
	for (int l = PTSIM_PMD; l >= PTSIM_PGD; l--)
		if (ptsim_arch_leaf_ok(t.a, (enum ptsim_level)l)) {
			pmd = ptsim_arch_level_size(t.a, (enum ptsim_level)l);
			break;
		}
	assert_int_equal(ptsim_map(t.mm, VA & ~(pmd - 1), pmd, 0, pmd, rw(t.a), 0), -EBUSY);
	if (ptsim_arch_kind(t.a) == PTSIM_ARCH_X86_64)
		assert_int_equal(ptsim_map(t.mm, VA, t.psz, 1, t.psz, rw(t.a), PTSIM_MAP_CONT),
				 -EINVAL);
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/*
 * A pgprot with bits outside the attribute fields - a PFN or output-address
 * bit, arm64's contiguous hint - is refused by ptsim_map() (it used to be
 * ORed into the entry: x86 mapped PFN 0xffffffffff for ~0, arm64 made a
 * contiguous run of one entry) and ignored by ptsim_mk_leaf().
 */
static void test_pgprot_fields(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_translation tr;
	uint64_t f, bad[3];
	unsigned int nbad = 2;

	ptsim_test_env_init(&t, *state, NULL);
	bad[0] = ~0ull;
	bad[1] = rw(t.a) | 1ull << 20; /* x86 PFN field; arm64 output address */
	if (ptsim_arch_kind(t.a) == PTSIM_ARCH_ARM64)
		bad[nbad++] = rw(t.a) | 1ull << 52; /* PTE_CONT */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	ptsim_test_snap_take(&t, &s);
	for (unsigned int i = 0; i < nbad; i++) {
		assert_int_equal(ptsim_map(t.mm, VA, t.psz, f, t.psz, bad[i], 0), -EINVAL);
		assert_non_null(strstr(ptsim_errmsg(t.m), "outside the attribute fields"));
		ptsim_test_snap_assert_same(&t, &s);
		/* The builder keeps the PFN it was given. */
		assert_u64_eq(
			ptsim_ent_pfn(t.a, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, f, bad[i])), f);
	}
	assert_false(ptsim_ent_cont(t.a, PTSIM_PTE, ptsim_mk_leaf(t.a, PTSIM_PTE, f, ~0ull)));
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, f, t.psz, rw(t.a), 0), 0);
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	assert_u64_eq(tr.pfn, f);
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_snap_free(&s);
	ptsim_test_env_fini(&t);
}

static void test_cont_runs(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	unsigned int n;
	uint64_t run, f;

	ptsim_test_env_init(&t, *state, NULL);
	n = ptsim_arch_cont_nr(t.a, PTSIM_PTE);
	if (!n) {
		ptsim_test_env_fini(&t);
		skip();
	}
	run = n * t.psz;
	assert_int_equal(ptsim_alloc_pages(t.m, order_of(&t, 2 * run), &f), 0);
	/* Misaligned run start or length: refused. */
	assert_int_equal(ptsim_map(t.mm, VA + t.psz, run, n, t.psz, rw(t.a), PTSIM_MAP_CONT),
			 -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, run, f + 1, t.psz, rw(t.a), PTSIM_MAP_CONT), -EINVAL);
	assert_int_equal(ptsim_map(t.mm, VA, 2 * run, f, t.psz, rw(t.a), PTSIM_MAP_CONT), 0);
	for (unsigned int i = 0; i < 2 * n; i++) {
		assert_int_equal(ptsim_translate(t.mm, VA + i * t.psz, &tr), 0);
		assert_true(tr.attrs.cont);
		assert_u64_eq(tr.pfn, f + i);
	}
	assert_machine_clean(t.m);
	/* Cutting a run is refused; whole runs unmap. */
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), -EBUSY);
	assert_int_equal(ptsim_unmap(t.mm, VA, run, 0), (long)n);
	assert_int_equal(ptsim_translate(t.mm, VA + run, &tr), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* arm64 CONT_PMDS runs: 16 x 2M (4K), 32 x 32M (16K), 32 x 512M (64K). */
static void test_cont_pmd(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	unsigned int n;
	uint64_t pmd, run, f;

	ptsim_test_env_init(&t, *state, "phys=32G,phys_limit=64G");
	n = ptsim_arch_cont_nr(t.a, PTSIM_PMD);
	if (!n) {
		ptsim_test_env_fini(&t);
		skip();
	}
	pmd = ptsim_arch_level_size(t.a, PTSIM_PMD);
	run = n * pmd;
	assert_int_equal(ptsim_folio_alloc(t.m, order_of(&t, run), &f), 0);
	assert_int_equal(ptsim_map(t.mm, run, run, f, pmd, rw(t.a), PTSIM_MAP_CONT), 0);
	assert_int_equal(ptsim_translate(t.mm, run + (n - 1) * pmd + 3 * t.psz, &tr), 0);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(tr.attrs.cont);
	assert_u64_eq(tr.pfn, f + (n - 1) * (pmd / t.psz) + 3);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_unmap(t.mm, run, pmd, 0), -EBUSY);
	assert_int_equal(ptsim_unmap(t.mm, run, run, PTSIM_UNMAP_FREE_TABLES), (long)n);
	assert_int_equal(ptsim_folio_put(t.m, f), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Literal words: the x86 template and the table entry chain. */
static void test_x86_literal_entries(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_frame_info fi;
	uint64_t f;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, VA, 0x1000, f, 0x1000, rw(t.a), 0), 0);
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	assert_u64_eq(tr.entry, 0x8000000000000027ull | (f << 12));
	assert_u64_eq(ptsim_ent_mkdirty(t.a, PTSIM_PTE, tr.entry),
		      0x8000000000000867ull | (f << 12));
	/* The PTE table that holds it is a typed table frame of this mm. */
	assert_int_equal(ptsim_frame_get(t.m, tr.table_pfn, &fi), 0);
	assert_int_equal(fi.type, PTSIM_PGTY_table);
	/* Its parent PMD entry is a user table entry: 0x067 | PTE table PFN. */
	assert_int_equal(ptsim_translate(t.mm, VA + (1ull << 21), &tr), -ENOENT);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_int_equal(ptsim_translate(t.mm, 1ull << 46, &tr), -ENOENT);
	assert_int_equal(tr.level, PTSIM_P4D); /* 4-level: the top hole is reported at the P4D */
	assert_int_equal(ptsim_unmap(t.mm, VA, 0x1000, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

struct count_ctx {
	uint64_t tables[PTSIM_NR_LEVELS];
};

static int count_table(ptsim_ent_t ent, int level, uint64_t addr, uint64_t next,
		       struct ptsim_walk *w)
{
	struct count_ctx *c = w->priv;

	(void)ent;
	(void)addr;
	(void)next;
	c->tables[level]++;
	return 0;
}

/* The kernel's VmPTE for characteristic patterns (x86-64, 4-level, 4K pages). */
static void test_vmpte_patterns(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_walk_ops ops = {.post_table = count_table};
	struct count_ctx c = {{0}};
	uint64_t frame, big;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &frame), 0);
	/* One page per 2 MiB over 1 GiB: 512 PTE tables + 1 PMD + 1 PUD table. */
	for (uint64_t off = 0; off < (1ull << 30); off += 2ull << 20)
		assert_int_equal(ptsim_map(t.mm, (1ull << 30) + off, 4096, frame, 4096, rw(t.a), 0),
				 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), (512 + 1 + 1) * 4096ull);
	/* The walker sees the same tables (post_table fires once per table entry). */
	assert_int_equal(ptsim_walk_page_range(t.mm, 0, 0, &ops, &c), 0);
	assert_u64_eq(c.tables[PTSIM_PMD], 512); /* PMD entries pointing to PTE tables */
	assert_u64_eq(c.tables[PTSIM_PUD], 1);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_unmap(t.mm, 1ull << 30, 1ull << 30, PTSIM_UNMAP_FREE_TABLES), 512);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);

	/* Every page of 64 MiB: 32 PTE tables + 1 PMD + 1 PUD table. */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(ptsim_alloc_pages(t.m, 10, &big), 0);
		assert_int_equal(ptsim_map(t.mm, (4ull << 30) + ((uint64_t)i << 22), 4ull << 20,
					   big, 4096, rw(t.a), 0),
				 0);
	}
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), (32 + 1 + 1) * 4096ull);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_unmap(t.mm, 4ull << 30, 64ull << 20, PTSIM_UNMAP_FREE_TABLES),
			 16384);

	/* One page per GiB over 64 GiB: 64 x (PMD + PTE table) + 1 PUD table. */
	for (uint64_t g = 0; g < 64; g++)
		assert_int_equal(
			ptsim_map(t.mm, (64ull << 30) + (g << 30), 4096, frame, 4096, rw(t.a), 0),
			0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), (64 * 2 + 1) * 4096ull);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_unmap(t.mm, 64ull << 30, 64ull << 30, PTSIM_UNMAP_FREE_TABLES), 64);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* --- one ptsim_map() of a range equals one call per leaf ----------------------- */

/* The real level of the table holding the slots of logical level @lvl. */
static int slot_level(const struct ptsim_arch *a, int lvl)
{
	while (lvl > PTSIM_PGD && ptsim_arch_level_folded(a, (enum ptsim_level)lvl))
		lvl--;
	return lvl;
}

/* What one table of real level @lvl maps. */
static uint64_t table_span(const struct ptsim_arch *a, int lvl)
{
	return (uint64_t)ptsim_arch_ptrs_per(a, (enum ptsim_level)lvl)
	       << ptsim_arch_level_shift(a, (enum ptsim_level)lvl);
}

struct range_case {
	int lvl;	/* leaf level */
	bool cont;	/* PTSIM_MAP_CONT */
	uint64_t va;	/* start */
	uint64_t n;	/* leaves */
	uint64_t size;	/* of a leaf */
	uint64_t unit;	/* of a call of the per-leaf path: a leaf, or a contiguous run */
	uint64_t pages; /* base pages mapped */
};

#define RANGE_MAX_BYTES (1536ull << 20)

/*
 * A range at level @lvl that starts two units before a leaf-table
 * boundary - one that is also a boundary of the table above when the
 * address space allows - then fills the next leaf table whole and ends two
 * units into the one after; or, when that needs more than RANGE_MAX_BYTES
 * of frames, two units either side of the boundary.  False if the level
 * cannot hold such a range here.
 */
static bool range_case_make(const struct ptsim_arch *a, int lvl, bool cont, struct range_case *c)
{
	uint64_t limit = 1ull << (ptsim_arch_va_bits(a) - 1), span, up_span = 0, b;
	int tl = slot_level(a, lvl), up = tl - 1;

	if (!ptsim_arch_leaf_ok(a, (enum ptsim_level)lvl) ||
	    (cont && !ptsim_arch_cont_nr(a, (enum ptsim_level)lvl)))
		return false;
	memset(c, 0, sizeof(*c));
	c->lvl = lvl;
	c->cont = cont;
	c->size = ptsim_arch_level_size(a, (enum ptsim_level)lvl);
	c->unit = c->size * (cont ? ptsim_arch_cont_nr(a, (enum ptsim_level)lvl) : 1);
	span = table_span(a, tl);
	while (up >= PTSIM_PGD && ptsim_arch_level_folded(a, (enum ptsim_level)up))
		up--;
	if (up >= PTSIM_PGD)
		up_span = table_span(a, up);
	if (up_span && up_span < limit / 2)
		b = up_span;
	else if (span < limit / 2)
		b = span;
	else
		b = limit / 2; /* the leaf table is the root: no boundary to cross */
	if (span + 4 * c->unit <= RANGE_MAX_BYTES && b + span + 2 * c->unit <= limit) {
		c->va = b - 2 * c->unit;
		c->n = (span + 4 * c->unit) / c->size;
	} else {
		c->va = b - 2 * c->unit;
		c->n = 4 * c->unit / c->size;
	}
	if (c->n * c->size > RANGE_MAX_BYTES)
		return false;
	c->pages = c->n * c->size >> ptsim_arch_page_shift(a);
	return true;
}

/*
 * @npages consecutive frames of a fresh machine, from max-order blocks, the
 * first (*pfn) aligned to @align pages.
 */
static void alloc_run(struct ptsim_test_env *t, uint64_t npages, uint64_t align, uint64_t *pfn)
{
	unsigned int max = ptsim_arch_max_order(t->a);
	uint64_t block = 1ull << max, prev = 0, run = 0, b;

	while (run < npages) {
		assert_int_equal(ptsim_alloc_pages(t->m, max, &b), 0);
		if (run && b != prev + block)
			run = 0;
		prev = b;
		if (!run) {
			if (b % align)
				continue;
			*pfn = b;
		}
		run += block;
	}
}

/* Fill CPU 0's TLB (so that the break-before-make hook must see every write). */
static void fill_tlb(struct ptsim_test_env *t)
{
	struct ptsim_access_result res;
	uint64_t addr;

	assert_int_equal(ptsim_mmap(t->mm, 0, 4 * t->psz, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
				    PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &addr),
			 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
			ptsim_access(t->mm, 0, addr + i * t->psz, PTSIM_ACCESS_WRITE, &res), 0);
}

static void assert_cost_same_writes(const struct ptsim_cost *x, const struct ptsim_cost *y)
{
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(x->entries_written[l], y->entries_written[l]);
	assert_u64_eq(x->frames_touched, y->frames_touched);
	assert_u64_eq(x->tables_alloc, y->tables_alloc);
	assert_u64_eq(x->tables_freed, y->tables_freed);
	assert_u64_eq(x->pages_alloc, y->pages_alloc);
	assert_u64_eq(x->pages_freed, y->pages_freed);
	for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++)
		assert_u64_eq(x->tlb_flushes[k], y->tlb_flushes[k]);
	assert_u64_eq(x->ipis, y->ipis);
	assert_u64_eq(x->hw_ad_updates, y->hw_ad_updates);
}

/*
 * One machine maps the range with one call (the table-at-a-time path),
 * another with one call per leaf or run; the tables (ptdump), VmPTE, table
 * counts, free pages, host allocations and the ledger's writes, tables and
 * pages must agree.  With @tlb, CPU 0's TLB holds entries first, so that
 * the checker's hook must see each write.
 */
static void range_compare(const char *arch, const struct range_case *c, bool tlb)
{
	struct ptsim_test_env one, per;
	struct ptsim_test_snap s1, s2;
	struct ptsim_cost_scope sc;
	struct ptsim_cost c1, c2;
	struct ptsim_translation tr;
	uint64_t pfn1, pfn2, prot, step = c->unit / c->size, stride;
	unsigned int flags = c->cont ? PTSIM_MAP_CONT : 0;

	ptsim_test_env_init(&one, arch, NULL);
	ptsim_test_env_init(&per, arch, NULL);
	prot = rw(one.a);
	stride = c->size / one.psz;
	if (tlb) {
		fill_tlb(&one);
		fill_tlb(&per);
	}
	alloc_run(&one, c->pages, c->unit / one.psz, &pfn1);
	alloc_run(&per, c->pages, c->unit / per.psz, &pfn2);
	assert_u64_eq(pfn1, pfn2);

	ptsim_cost_begin(one.m, &sc);
	if (ptsim_map(one.mm, c->va, c->n * c->size, pfn1, c->size, prot, flags))
		fail_msg("%s: lvl %d cont %d va 0x%llx: %s", arch, c->lvl, c->cont,
			 (unsigned long long)c->va, ptsim_errmsg(one.m));
	ptsim_cost_end(one.m, &sc, &c1);
	ptsim_cost_begin(per.m, &sc);
	for (uint64_t i = 0; i < c->n; i += step)
		assert_int_equal(ptsim_map(per.mm, c->va + i * c->size, c->unit, pfn2 + i * stride,
					   c->size, prot, flags),
				 0);
	ptsim_cost_end(per.m, &sc, &c2);

	ptsim_test_snap_take(&one, &s1);
	ptsim_test_snap_take(&per, &s2);
	assert_string_equal(s1.dump, s2.dump);
	assert_u64_eq(s1.vmpte, s2.vmpte);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(s1.nr_tables[l], s2.nr_tables[l]);
	assert_u64_eq(s1.free_pages, s2.free_pages);
	assert_u64_eq(s1.host_allocs, s2.host_allocs);
	assert_u64_eq(s1.host_bytes, s2.host_bytes);
	ptsim_test_snap_free(&s1);
	ptsim_test_snap_free(&s2);
	assert_cost_same_writes(&c1, &c2);
	/* The last leaf maps the last frames, with the run's hint if asked. */
	assert_int_equal(ptsim_translate(one.mm, c->va + c->n * c->size - 1, &tr), 0);
	assert_int_equal(tr.level, c->lvl);
	assert_u64_eq(tr.pfn, pfn1 + c->pages - 1); /* the last page of the last leaf */
	assert_int_equal(tr.attrs.cont, c->cont);
	assert_machine_clean(one.m);
	assert_machine_clean(per.m);
	assert_int_equal(ptsim_unmap(one.mm, c->va, c->n * c->size, PTSIM_UNMAP_FREE_TABLES),
			 (long)c->n);
	assert_machine_clean(one.m);
	ptsim_test_env_fini(&one);
	ptsim_test_env_fini(&per);
}

static void test_map_range_same(void **state)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(*state);
	struct range_case c;
	unsigned int done = 0;

	for (int lvl = PTSIM_PUD; lvl <= PTSIM_PTE; lvl++) {
		for (int cont = 0; cont < 2; cont++) {
			if (!range_case_make(a, lvl, cont, &c))
				continue;
			range_compare(*state, &c, false);
			if (ptsim_arch_kind(a) == PTSIM_ARCH_ARM64)
				range_compare(*state, &c, true);
			done++;
		}
	}
	assert_true(done >= 2); /* at least base pages and one more size or the hint */
}

struct map_op {
	uint64_t va, len, pfn, size;
	unsigned int flags;
};

static int map_op_fn(struct ptsim_test_env *t, void *arg)
{
	const struct map_op *o = arg;

	return ptsim_map(t->mm, o->va, o->len, o->pfn, o->size, rw(t->a), o->flags);
}

/*
 * Allocation failures anywhere in a range map (the host array, every table)
 * leave the model as it was; so do an entry already there in the middle of
 * an existing table (-EEXIST, naming its address) and a frame that is a
 * page table.
 */
static void test_map_range_rollback(void **state)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(*state);
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct range_case c;
	struct map_op o;
	uint64_t pfn, mid;
	char want[96];

	assert_true(range_case_make(a, PTSIM_PTE, false, &c));
	ptsim_test_env_init(&t, *state, NULL);
	alloc_run(&t, c.pages, 1, &pfn);
	o = (struct map_op){.va = c.va, .len = c.n * c.size, .pfn = pfn, .size = c.size};
	assert_true(ptsim_test_sweep(&t, map_op_fn, &o, 16) >= 2);
	assert_int_equal(ptsim_unmap(t.mm, c.va, o.len, PTSIM_UNMAP_FREE_TABLES), (long)c.n);

	/* A leaf in the middle of the last table: refused at its address. */
	mid = c.va + (c.n - 2) * c.size;
	assert_int_equal(ptsim_map(t.mm, mid, c.size, pfn, c.size, rw(a), 0), 0);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(map_op_fn(&t, &o), -EEXIST);
	snprintf(want, sizeof(want), "map: 0x%llx is already mapped", (unsigned long long)mid);
	assert_string_equal(ptsim_errmsg(t.m), want);
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unmap(t.mm, mid, c.size, PTSIM_UNMAP_FREE_TABLES), 1);

	/* A range of frames holding the root table. */
	o.pfn = ptsim_mm_pgd_pfn(t.mm);
	o.len = c.size;
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(map_op_fn(&t, &o), -EBUSY);
	snprintf(want, sizeof(want), "map: pfn 0x%llx is a page table, not a page",
		 (unsigned long long)o.pfn);
	assert_string_equal(ptsim_errmsg(t.m), want);
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_empty_mm),
		PTSIM_ARCH_TESTS(test_map_one_page),
		PTSIM_ARCH_TESTS(test_huge_leaves),
		PTSIM_ARCH_TESTS(test_bad_input),
		PTSIM_ARCH_TESTS(test_pgprot_fields),
		PTSIM_ARCH_TESTS(test_cont_runs),
		PTSIM_ARCH_TESTS(test_cont_pmd),
		cmocka_unit_test(test_x86_literal_entries),
		cmocka_unit_test(test_vmpte_patterns),
		PTSIM_ARCH_TESTS(test_map_range_same),
		PTSIM_ARCH_TESTS(test_map_range_rollback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
