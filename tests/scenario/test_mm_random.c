// SPDX-License-Identifier: MIT
/*
 * test_mm_random.c - randomized reference-model test of address spaces:
 * mmap / munmap / mprotect / fork / exit / access in a window of pages, on
 * every configuration, against a model that predicts every access's outcome
 * (which signal, or which physical page: the zero page, the same page, or a
 * copy), with ptsim_check() clean and no TLB violation throughout.
 *
 * The model per address space and page: mapped or not, the protection, and
 * the identity of the page behind it (0 = none yet / the zero page).  A page
 * identity is shared by fork; a write to an identity mapped more than once
 * gets a new one (copy-on-write), otherwise keeps it (reuse).
 */
#include <errno.h>

#include "mm_helpers.h"

#define NPAGES 48
#define NMM    3
#define NOPS   2500
#define NIDS   (NOPS * 2 + 16)

struct model_mm {
	struct ptsim_mm *mm; /* NULL: slot unused */
	bool mapped[NPAGES];
	unsigned int prot[NPAGES];
	unsigned int id[NPAGES];
};

struct model {
	struct model_mm mms[NMM];
	unsigned int refs[NIDS];
	uint64_t pa[NIDS];
	unsigned int next_id;
	uint64_t rng;
	/* outcomes seen: maperr, accerr, zero read, page read, new page, copy, reuse, fork */
	unsigned int seen[8];
};

static uint64_t rnd(struct model *md, uint64_t n)
{
	md->rng ^= md->rng << 13;
	md->rng ^= md->rng >> 7;
	md->rng ^= md->rng << 17;
	return md->rng % n;
}

static void drop(struct model *md, struct model_mm *x, unsigned int p)
{
	if (x->id[p])
		md->refs[x->id[p]]--;
	x->id[p] = 0;
	x->mapped[p] = false;
}

static const unsigned int prots[] = {PTSIM_PROT_NONE, PTSIM_PROT_READ, RW};

static void op_mmap(struct ptsim_test_env *t, struct model *md, struct model_mm *x)
{
	unsigned int p = (unsigned int)rnd(md, NPAGES), n = 1 + (unsigned int)rnd(md, 6);
	unsigned int prot = prots[rnd(md, 3)];
	uint64_t a;

	if (p + n > NPAGES)
		n = NPAGES - p;
	assert_int_equal(ptsim_mmap(x->mm, BASE + p * t->psz, n * t->psz, prot,
				    ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	for (unsigned int i = p; i < p + n; i++) {
		drop(md, x, i);
		x->mapped[i] = true;
		x->prot[i] = prot;
	}
}

static void op_munmap(struct ptsim_test_env *t, struct model *md, struct model_mm *x)
{
	unsigned int p = (unsigned int)rnd(md, NPAGES), n = 1 + (unsigned int)rnd(md, 8);

	if (p + n > NPAGES)
		n = NPAGES - p;
	assert_int_equal(ptsim_munmap(x->mm, BASE + p * t->psz, n * t->psz), 0);
	for (unsigned int i = p; i < p + n; i++)
		drop(md, x, i);
}

static void op_mprotect(struct ptsim_test_env *t, struct model *md, struct model_mm *x)
{
	unsigned int p = (unsigned int)rnd(md, NPAGES), n = 1 + (unsigned int)rnd(md, 6);
	unsigned int prot = prots[rnd(md, 3)];
	bool all = true;
	int err;

	if (p + n > NPAGES)
		n = NPAGES - p;
	for (unsigned int i = p; i < p + n; i++)
		all &= x->mapped[i];
	err = ptsim_mprotect(x->mm, BASE + p * t->psz, n * t->psz, prot);
	assert_int_equal(err, all ? 0 : -ENOMEM);
	if (all)
		for (unsigned int i = p; i < p + n; i++)
			x->prot[i] = prot;
}

static void op_fork(struct model *md, struct model_mm *x)
{
	struct model_mm *c = NULL;

	for (int i = 0; i < NMM; i++)
		if (!md->mms[i].mm)
			c = &md->mms[i];
	if (!c)
		return;
	assert_int_equal(ptsim_fork(x->mm, &c->mm), 0);
	md->seen[7]++;
	for (unsigned int i = 0; i < NPAGES; i++) {
		c->mapped[i] = x->mapped[i];
		c->prot[i] = x->prot[i];
		c->id[i] = x->mapped[i] ? x->id[i] : 0;
		if (c->id[i])
			md->refs[c->id[i]]++;
	}
}

static void op_exit(struct model *md, struct model_mm *x)
{
	if (x == &md->mms[0])
		return; /* the first address space lives on (the test env owns it) */
	ptsim_mm_destroy(x->mm);
	for (unsigned int i = 0; i < NPAGES; i++)
		drop(md, x, i);
	x->mm = NULL;
}

static void op_access(struct ptsim_test_env *t, struct model *md, struct model_mm *x)
{
	unsigned int p = (unsigned int)rnd(md, NPAGES), cpu = (unsigned int)rnd(md, 4);
	bool write = rnd(md, 2);
	uint64_t va = BASE + p * t->psz;
	struct ptsim_access_result r = mm_acc(x->mm, cpu, va, write ? W : R);

	if (!x->mapped[p]) {
		md->seen[0]++;
		assert_int_equal(r.signal, PTSIM_SIGSEGV);
		assert_int_equal(r.si_code, PTSIM_SEGV_MAPERR);
		return;
	}
	if (x->prot[p] == PTSIM_PROT_NONE || (write && !(x->prot[p] & PTSIM_PROT_WRITE))) {
		md->seen[1]++;
		assert_int_equal(r.signal, PTSIM_SIGSEGV);
		assert_int_equal(r.si_code, PTSIM_SEGV_ACCERR);
		return;
	}
	assert_int_equal(r.signal, 0);
	if (!write) {
		md->seen[x->id[p] ? 3 : 2]++;
		assert_u64_eq(r.pa, x->id[p] ? md->pa[x->id[p]] : ptsim_zero_pfn(t->m) * t->psz);
		return;
	}
	if (!x->id[p] || md->refs[x->id[p]] > 1) {
		/* A new page: first write, or copy-on-write of a shared one. */
		md->seen[x->id[p] ? 5 : 4]++;
		if (x->id[p])
			md->refs[x->id[p]]--;
		assert_true(md->next_id < NIDS);
		x->id[p] = md->next_id++;
		md->refs[x->id[p]] = 1;
		md->pa[x->id[p]] = r.pa;
		for (unsigned int i = 1; i < x->id[p]; i++)
			if (md->refs[i])
				assert_true(md->pa[i] != r.pa);
	} else {
		md->seen[6]++;
		assert_u64_eq(r.pa, md->pa[x->id[p]]); /* reused in place */
	}
}

static void test_mm_random(void **state)
{
	struct ptsim_test_env t;
	struct model *md = calloc(1, sizeof(*md));

	assert_non_null(md);
	ptsim_test_env_init(&t, *state, NULL);
	md->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)strlen(*state);
	md->next_id = 1;
	md->mms[0].mm = t.mm;
	for (int op = 0; op < NOPS; op++) {
		struct model_mm *x;
		uint64_t k = rnd(md, 100);

		do
			x = &md->mms[rnd(md, NMM)];
		while (!x->mm);
		if (k < 12)
			op_mmap(&t, md, x);
		else if (k < 18)
			op_munmap(&t, md, x);
		else if (k < 26)
			op_mprotect(&t, md, x);
		else if (k < 29)
			op_fork(md, x);
		else if (k < 31)
			op_exit(md, x);
		else
			op_access(&t, md, x);
		if (op % 100 == 99) {
			assert_machine_clean(t.m);
			assert_u64_eq(mm_nr_violations(t.m), 0);
		}
	}
	for (int i = 1; i < NMM; i++)
		if (md->mms[i].mm)
			op_exit(md, &md->mms[i]);
	/* Every outcome of the model happened (the test can fail in each way). */
	for (int i = 0; i < 8; i++)
		if (md->seen[i] < 5)
			fail_msg("outcome %d seen %u times", i, md->seen[i]);
	free(md);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_mm_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
