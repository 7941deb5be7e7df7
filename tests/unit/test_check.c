// SPDX-License-Identifier: MIT
/*
 * test_check.c - the checker catches each kind of corruption, and only it.
 *
 * Each test corrupts one piece of derived state deliberately, expects
 * exactly that finding code and no other, then repairs the state so
 * the machine can be destroyed normally.
 */
#include <errno.h>

#include "api/machine.h"
#include "ptsim_test.h"

#define VA 0x40000000ull

static void expect_only(struct ptsim_machine *m, enum ptsim_check_code code)
{
	struct ptsim_check_report r;
	int n = ptsim_check(m, &r);

	if (n <= 0 || r.by_code[code] == 0 || (unsigned int)n != r.by_code[code]) {
		ptsim_check_report_print(&r, stderr);
		fail_msg("expected only %s findings, got %d", ptsim_check_code_name(code), n);
	}
	assert_true(r.nr_stored >= 1);
	assert_int_equal(r.findings[0].code, code);
	assert_true(r.findings[0].msg[0] != 0);
}

/* Map one page at VA; returns the frame. */
static uint64_t map_page(struct ptsim_test_env *t)
{
	uint64_t f;

	assert_int_equal(ptsim_alloc_pages(t->m, 0, &f), 0);
	assert_int_equal(ptsim_map(t->mm, VA, t->psz, f, t->psz,
				   ptsim_pgprot(t->a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0),
			 0);
	assert_machine_clean(t->m);
	return f;
}

static void test_pgtable_bytes(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	map_page(&t);
	t.mm->pt.pgtables_bytes += 4096;
	expect_only(t.m, PTSIM_CHK_PGTABLE_BYTES);
	t.mm->pt.pgtables_bytes -= 4096;
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_table_count(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_frame *f;

	ptsim_test_env_init(&t, *state, NULL);
	map_page(&t);
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	f = ptsim__table_frame(&t.m->ptalloc, tr.table_pfn);
	assert_non_null(f);
	f->extra++;
	expect_only(t.m, PTSIM_CHK_TABLE_COUNT);
	f->extra--;
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* The PMD-level slot holding the PTE table of VA. */
static void pte_table_slot(struct ptsim_test_env *t, struct ptsim_slot *s)
{
	struct ptsim_translation tr;

	assert_int_equal(ptsim_translate(t->mm, VA, &tr), 0);
	assert_int_equal(ptsim__walk_to(&t->mm->pt, VA, PTSIM_PMD, s), 0);
	assert_true(ptsim_ent_table(t->a, PTSIM_PMD, *s->p));
	assert_u64_eq(ptsim_ent_pfn(t->a, PTSIM_PMD, *s->p), tr.table_pfn);
}

static void test_table_refs(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_slot s;
	struct ptsim_frame *parent;
	uint64_t saved, bytes;

	ptsim_test_env_init(&t, *state, NULL);
	map_page(&t);
	pte_table_slot(&t, &s);
	/* Unhook the PTE table without freeing it, fixing every counter: a lost table. */
	parent = ptsim__pfn_to_frame_noinit(&t.m->mem, s.table_pfn);
	saved = *s.p;
	bytes = ptsim_arch_ptrs_per(t.a, PTSIM_PTE) * 8ull;
	*s.p = 0;
	parent->extra--;
	t.mm->pt.nr_tables[PTSIM_PTE]--;
	t.mm->pt.pgtables_bytes -= bytes;
	expect_only(t.m, PTSIM_CHK_TABLE_REFS);
	*s.p = saved;
	parent->extra++;
	t.mm->pt.nr_tables[PTSIM_PTE]++;
	t.mm->pt.pgtables_bytes += bytes;
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_table_type(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_slot s;
	uint64_t data, saved;
	uint64_t pmd_size;

	ptsim_test_env_init(&t, *state, NULL);
	map_page(&t);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &data), 0);
	/* A none PMD-level slot next to the real one now "points to a table" that is data. */
	pmd_size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	assert_int_equal(ptsim__walk_to(&t.mm->pt, VA + pmd_size, PTSIM_PMD, &s), 0);
	assert_int_equal(s.lvl, PTSIM_PMD);
	saved = *s.p;
	assert_u64_eq(saved, 0);
	ptsim__set_entry(&t.mm->pt, &s, ptsim_mk_table(t.a, PTSIM_PMD, data, false));
	expect_only(t.m, PTSIM_CHK_TABLE_TYPE);
	ptsim__set_entry(&t.mm->pt, &s, saved);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* The table-group word and bit of @pfn (src/mem/section.c). */
static uint64_t *group_word(struct ptsim_mem *mem, uint64_t pfn, uint64_t *bit)
{
	struct ptsim_section *sec = ptsim__section(mem, pfn >> mem->section_pfn_shift);
	uint64_t g = (pfn & (ptsim__section_pages(mem) - 1)) >> 6;

	*bit = 1ull << (g & 63);
	return ptsim__section_bitmap(mem, sec) + mem->tbl_word + (g >> 6);
}

/* The table-group bits: a table page's group unmarked, a group of data frames marked. */
static void test_table_group(void **state)
{
	struct ptsim_test_env t;
	uint64_t data, bit, *w, tbl;

	ptsim_test_env_init(&t, *state, NULL);
	map_page(&t);
	tbl = ptsim_mm_pgd_pfn(t.mm);
	w = group_word(&t.m->mem, tbl, &bit);
	assert_true(*w & bit);
	*w &= ~bit;
	expect_only(t.m, PTSIM_CHK_TABLE_TYPE);
	*w |= bit;
	assert_machine_clean(t.m);
	/* A whole group of data frames, none of them a table. */
	assert_int_equal(ptsim_alloc_pages(t.m, 6, &data), 0);
	w = group_word(&t.m->mem, data, &bit);
	assert_false(*w & bit);
	*w |= bit;
	expect_only(t.m, PTSIM_CHK_TABLE_TYPE);
	*w &= ~bit;
	assert_int_equal(ptsim_free_pages(t.m, data, 6), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_entry_pfn(void **state)
{
	struct ptsim_test_env t;
	uint64_t f;

	ptsim_test_env_init(&t, *state, NULL);
	f = map_page(&t);
	/* The frame goes back to the buddy while still mapped: a use-after-free. */
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	expect_only(t.m, PTSIM_CHK_ENTRY_PFN);
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), 1);
	assert_machine_clean(t.m);
	/* A special (PFN-map) entry may point anywhere, even outside memory. */
	{
		uint64_t prot =
			ptsim_pgprot(t.a, PTSIM_PROT_READ, PTSIM_PGPROT_MT(PTSIM_MT_DEVICE));
		struct ptsim_slot s;

		assert_int_equal(ptsim_map(t.mm, VA, t.psz, 1ull << 30, t.psz, prot, 0), 0);
		expect_only(t.m, PTSIM_CHK_ENTRY_PFN);
		assert_int_equal(ptsim__walk_to(&t.mm->pt, VA, PTSIM_PTE, &s), 0);
		*s.p = ptsim_ent_mkspecial(t.a, PTSIM_PTE, *s.p);
		assert_machine_clean(t.m);
		assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), 1);
	}
	ptsim_test_env_fini(&t);
}

static void test_cont(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_slot s;
	unsigned int n;
	uint64_t f, saved;
	unsigned int order = 0;

	ptsim_test_env_init(&t, *state, NULL);
	n = ptsim_arch_cont_nr(t.a, PTSIM_PTE);
	if (!n) {
		ptsim_test_env_fini(&t);
		skip();
	}
	while ((1u << order) < n)
		order++;
	assert_int_equal(ptsim_alloc_pages(t.m, order, &f), 0);
	assert_int_equal(ptsim_map(t.mm, VA, n * t.psz, f, t.psz,
				   ptsim_pgprot(t.a, PTSIM_PROT_READ, 0), PTSIM_MAP_CONT),
			 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim__walk_to(&t.mm->pt, VA + 3 * t.psz, PTSIM_PTE, &s), 0);
	saved = *s.p;
	*s.p = ptsim_ent_mknoncont(t.a, PTSIM_PTE, saved); /* one member loses the hint */
	expect_only(t.m, PTSIM_CHK_CONT);
	*s.p = saved;
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_free_count(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	t.m->mem.free_pages++;
	expect_only(t.m, PTSIM_CHK_FREE_COUNT);
	t.m->mem.free_pages--;
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_frame_state(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_frame *fr;
	uint64_t f;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	fr = ptsim__pfn_to_frame_noinit(&t.m->mem, f);
	fr->refcount = 0; /* in use, owned by nobody: lost */
	expect_only(t.m, PTSIM_CHK_FRAME_STATE);
	fr->refcount = 1;
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_compound(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_frame *tail;
	uint64_t f, saved;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_folio_alloc(t.m, 2, &f), 0);
	tail = ptsim__pfn_to_frame_noinit(&t.m->mem, f + 2);
	saved = tail->head;
	tail->head = ((f + 1) << 1) | 1; /* points at another tail */
	expect_only(t.m, PTSIM_CHK_COMPOUND);
	tail->head = saved;
	assert_int_equal(ptsim_folio_put(t.m, f), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_hugetlb_pool(void **state)
{
	struct ptsim_test_env t;
	uint64_t sizes[4];
	struct ptsim_hstate *h;

	ptsim_test_env_init(&t, *state, NULL);
	assert_true(ptsim_arch_hugetlb_sizes(t.a, sizes, 4) >= 2);
	/* The PMD-sized pool (the default hugetlb size). */
	assert_int_equal(ptsim_hugetlb_set_nr(t.m, ptsim_arch_level_size(t.a, PTSIM_PMD), 2), 0);
	assert_machine_clean(t.m);
	h = ptsim__hstate(&t.m->mem, ptsim_arch_level_size(t.a, PTSIM_PMD));
	assert_non_null(h);
	h->free_hugepages++;
	expect_only(t.m, PTSIM_CHK_HUGETLB_POOL);
	h->free_hugepages--;
	assert_int_equal(ptsim_hugetlb_set_nr(t.m, ptsim_arch_level_size(t.a, PTSIM_PMD), 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A page faulted in through a VMA, then its mapcount, refcount or rss corrupted. */
static void test_mapcount(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result ar;
	struct ptsim_translation tr;
	struct ptsim_frame *f;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, 0, t.psz, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
				    PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	assert_int_equal(ptsim_access(t.mm, 0, a, PTSIM_ACCESS_WRITE, &ar), 0);
	assert_int_equal(ar.signal, 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_translate(t.mm, a, &tr), 0);
	f = ptsim__pfn_to_frame_noinit(&t.m->mem, tr.pfn);
	f->mapcount++;
	expect_only(t.m, PTSIM_CHK_MAPCOUNT);
	assert_int_equal(ptsim_check(t.m, NULL), 1); /* only the count */
	f->mapcount--;
	assert_int_equal(ptsim_check(t.m, NULL), 0);
	assert_int_equal(ptsim_check(NULL, NULL), -EINVAL);
	f->refcount++;
	expect_only(t.m, PTSIM_CHK_MAPCOUNT);
	f->refcount--;
	t.mm->vm.cnt.rss_anon++;
	expect_only(t.m, PTSIM_CHK_MAPCOUNT);
	t.mm->vm.cnt.rss_anon--;
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, a, t.psz), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A THP's deposited PTE table: made to look used, then a second THP's deposit lost. */
static void test_deposit(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result ar;
	struct ptsim_translation tr;
	struct ptsim_frame *holder, *d;
	uint64_t size, a, va;

	ptsim_test_env_init(&t, *state, "phys=8G,thp.enabled=always");
	size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	assert_int_equal(ptsim_mmap(t.mm, 0, 3 * size, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
				    PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	va = (a + size - 1) & ~(size - 1);
	assert_int_equal(ptsim_access(t.mm, 0, va, PTSIM_ACCESS_WRITE, &ar), 0);
	assert_int_equal(ar.signal, 0);
	assert_int_equal(ptsim_translate(t.mm, va, &tr), 0);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_machine_clean(t.m);
	holder = ptsim__pfn_to_frame_noinit(&t.m->mem, tr.table_pfn);
	assert_true(holder->link != 0);
	d = ptsim__pfn_to_frame_noinit(&t.m->mem, holder->link - 1);
	d->extra++;
	expect_only(t.m, PTSIM_CHK_DEPOSIT);
	d->extra--;
	/* Not in the deposited state (as if linked under a PMD as well). */
	ptsim__table_set_state(d, PTSIM_TABLE_LINKED);
	expect_only(t.m, PTSIM_CHK_DEPOSIT);
	ptsim__table_set_state(d, PTSIM_TABLE_DEPOSITED);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, a, 3 * size), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Every code has a name, a description, and a test above (BUDDY: test_buddy.c). */
static void test_code_names(void **state)
{
	(void)state;
	for (int c = 0; c < PTSIM_CHK_NR_CODES; c++) {
		assert_true(strlen(ptsim_check_code_name((enum ptsim_check_code)c)) > 3);
		assert_true(strlen(ptsim_check_code_text((enum ptsim_check_code)c)) > 10);
	}
	assert_string_equal(ptsim_check_code_name(PTSIM_CHK_TABLE_REFS), "TABLE_REFS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_pgtable_bytes), PTSIM_ARCH_TESTS(test_table_count),
		PTSIM_ARCH_TESTS(test_table_refs),    PTSIM_ARCH_TESTS(test_table_type),
		PTSIM_ARCH_TESTS(test_table_group),   PTSIM_ARCH_TESTS(test_entry_pfn),
		PTSIM_ARCH_TESTS(test_cont),	      PTSIM_ARCH_TESTS(test_free_count),
		PTSIM_ARCH_TESTS(test_frame_state),   PTSIM_ARCH_TESTS(test_compound),
		PTSIM_ARCH_TESTS(test_hugetlb_pool),  PTSIM_ARCH_TESTS(test_mapcount),
		PTSIM_ARCH_TESTS(test_deposit),	      cmocka_unit_test(test_code_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
