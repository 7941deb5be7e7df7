// SPDX-License-Identifier: MIT
/*
 * test_ptdump.c - ptdump output against golden files, and the walker.
 *
 * tests/golden/ptdump_<config>.txt holds the exact text for one scenario per
 * configuration: base pages (read-write and read-only), a hole, a PMD-sized
 * leaf, and (arm64) a contiguous run.  Regenerate after an intended format
 * change with PTSIM_UPDATE_GOLDEN=1 and review the diff.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <stdlib.h>

#include "ptsim_test.h"

#define VA 0x40000000ull

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

struct scenario {
	uint64_t pages, huge, cont;
	unsigned int huge_order, cont_order;
};

static void build(struct ptsim_test_env *t, struct scenario *s)
{
	uint64_t rw = ptsim_pgprot(t->a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	uint64_t ro = ptsim_pgprot(t->a, PTSIM_PROT_READ, 0);
	uint64_t rx = ptsim_pgprot(t->a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, 0);
	uint64_t pmd = ptsim_arch_level_size(t->a, PTSIM_PMD);
	unsigned int n = ptsim_arch_cont_nr(t->a, PTSIM_PTE);

	memset(s, 0, sizeof(*s));
	assert_int_equal(ptsim_alloc_pages(t->m, 3, &s->pages), 0);
	assert_int_equal(ptsim_map(t->mm, VA, 4 * t->psz, s->pages, t->psz, rw, 0), 0);
	assert_int_equal(ptsim_map(t->mm, VA + 4 * t->psz, t->psz, s->pages + 4, t->psz, ro, 0), 0);
	assert_int_equal(ptsim_map(t->mm, VA + 6 * t->psz, t->psz, s->pages + 6, t->psz, rx, 0), 0);
	while ((t->psz << s->huge_order) < pmd)
		s->huge_order++;
	assert_int_equal(ptsim_folio_alloc(t->m, s->huge_order, &s->huge), 0);
	assert_int_equal(ptsim_map(t->mm, VA + 2 * pmd, pmd, s->huge, pmd, rw, 0), 0);
	if (n) {
		while ((1u << s->cont_order) < n)
			s->cont_order++;
		assert_int_equal(ptsim_alloc_pages(t->m, s->cont_order, &s->cont), 0);
		assert_int_equal(
			ptsim_map(t->mm, VA + pmd, n * t->psz, s->cont, t->psz, ro, PTSIM_MAP_CONT),
			0);
	}
	assert_machine_clean(t->m);
}

static void teardown(struct ptsim_test_env *t, struct scenario *s)
{
	assert_true(ptsim_unmap(t->mm, VA, 4 * ptsim_arch_level_size(t->a, PTSIM_PMD),
				PTSIM_UNMAP_FREE_TABLES) > 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), 0);
	assert_int_equal(ptsim_free_pages(t->m, s->pages, 3), 0);
	assert_int_equal(ptsim_folio_put(t->m, s->huge), 0);
	if (s->cont)
		assert_int_equal(ptsim_free_pages(t->m, s->cont, s->cont_order), 0);
	assert_machine_clean(t->m);
}

static void test_golden(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env t;
	struct scenario s;
	char path[512], *out = NULL, *want;
	size_t len = 0;
	FILE *f;

	ptsim_test_env_init(&t, arch, NULL);
	build(&t, &s);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_true(ptsim_ptdump(t.mm, 0, 0, f) > 0);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ptdump_%s.txt", PTSIM_GOLDEN_DIR, arch);
	if (getenv("PTSIM_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(out, f);
		fclose(f);
	}
	want = read_file(path);
	if (!want)
		fail_msg("missing golden file %s", path);
	if (strcmp(out, want)) {
		fprintf(stderr, "--- got ---\n%s--- want (%s) ---\n%s", out, path, want);
		fail_msg("ptdump differs from %s", path);
	}
	free(want);
	free(out);
	teardown(&t, &s);
	ptsim_test_env_fini(&t);
}

/* The walker visits five levels everywhere, holes included, and stops on request. */
struct walk_rec {
	uint64_t leaves, holes, entries[PTSIM_NR_LEVELS], stop_at;
};

static int rec_pte(ptsim_ent_t ent, uint64_t addr, uint64_t next, struct ptsim_walk *w)
{
	struct walk_rec *r = w->priv;

	(void)ent;
	(void)next;
	r->entries[PTSIM_PTE]++;
	r->leaves++;
	return r->stop_at && addr >= r->stop_at ? 7 : 0;
}

#define REC_LEVEL(L)                                                                               \
	static int rec_##L(ptsim_ent_t ent, uint64_t addr, uint64_t next, struct ptsim_walk *w)    \
	{                                                                                          \
		struct walk_rec *r = w->priv;                                                      \
                                                                                                   \
		(void)addr;                                                                        \
		(void)next;                                                                        \
		r->entries[L]++;                                                                   \
		if (ptsim_ent_leaf(ptsim_machine_arch(ptsim_mm_machine(w->mm)), L, ent))           \
			r->leaves++;                                                               \
		return 0;                                                                          \
	}
REC_LEVEL(PTSIM_PGD)
REC_LEVEL(PTSIM_P4D)
REC_LEVEL(PTSIM_PUD)
REC_LEVEL(PTSIM_PMD)

static int rec_hole(uint64_t addr, uint64_t next, int depth, struct ptsim_walk *w)
{
	struct walk_rec *r = w->priv;

	(void)addr;
	(void)next;
	(void)depth;
	r->holes++;
	return 0;
}

static void test_walker(void **state)
{
	struct ptsim_test_env t;
	struct scenario s;
	struct walk_rec r;
	struct ptsim_walk_ops ops = {
		.entry = {rec_PTSIM_PGD, rec_PTSIM_P4D, rec_PTSIM_PUD, rec_PTSIM_PMD, rec_pte},
		.pte_hole = rec_hole,
	};
	unsigned int n;

	ptsim_test_env_init(&t, *state, NULL);
	n = ptsim_arch_cont_nr(t.a, PTSIM_PTE);
	build(&t, &s);
	memset(&r, 0, sizeof(r));
	assert_int_equal(ptsim_walk_page_range(t.mm, 0, 0, &ops, &r), 0);
	/* 6 base pages + n contiguous ones + 1 PMD leaf. */
	assert_u64_eq(r.leaves, 6 + n + 1);
	assert_u64_eq(r.entries[PTSIM_PTE], 6 + n);
	/* Every level is visited, folded ones included (they share their parent's slot). */
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_true(r.entries[l] > 0);
	assert_true(r.holes > 0);
	/* A positive return stops the walk and is passed through. */
	memset(&r, 0, sizeof(r));
	r.stop_at = VA + 2 * t.psz;
	assert_int_equal(ptsim_walk_page_range(t.mm, 0, 0, &ops, &r), 7);
	assert_u64_eq(r.entries[PTSIM_PTE], 3);
	/* A sub-range sees only its part; a bad range is refused. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ptsim_walk_page_range(t.mm, VA, VA + 4 * t.psz, &ops, &r), 0);
	assert_u64_eq(r.entries[PTSIM_PTE], 4);
	assert_int_equal(ptsim_walk_page_range(t.mm, VA + 1, VA, &ops, &r), -EINVAL);
	/* end == 0 is "to the top" from any start: from the third page on, all but two. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ptsim_walk_page_range(t.mm, VA + 2 * t.psz, 0, &ops, &r), 0);
	assert_u64_eq(r.leaves, 6 + n + 1 - 2);
	assert_true(ptsim_ptdump(t.mm, VA + 2 * t.psz, 0, NULL) == -EINVAL); /* NULL stream */
	{
		FILE *f = tmpfile();

		assert_non_null(f);
		assert_true(ptsim_ptdump(t.mm, VA + 2 * t.psz, 0, f) > 0);
		fclose(f);
	}
	teardown(&t, &s);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_golden),
		PTSIM_ARCH_TESTS(test_walker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
