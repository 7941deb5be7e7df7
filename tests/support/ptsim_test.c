// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>

#include "ptsim_test.h"

const char *const ptsim_test_arch_names[] = {
	"x86_64-4l",	"x86_64-5l",	"arm64-4k-39",	"arm64-4k-48",
	"arm64-4k-52",	"arm64-16k-47", "arm64-16k-48", "arm64-16k-52",
	"arm64-64k-42", "arm64-64k-48", "arm64-64k-52", NULL,
};

void ptsim_test_env_init(struct ptsim_test_env *t, const char *arch, const char *opts)
{
	struct ptsim_config cfg;
	struct ptsim_mem_stats ms;
	struct ptsim_host_stats hs;
	char err[128];

	memset(t, 0, sizeof(*t));
	assert_int_equal(ptsim_config_init(&cfg, arch), 0);
	if (opts && ptsim_config_set(&cfg, opts, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(ptsim_machine_create(&cfg, &t->m), 0);
	t->a = ptsim_machine_arch(t->m);
	t->psz = 1ull << ptsim_arch_page_shift(t->a);
	assert_int_equal(ptsim_mm_create(t->m, &t->mm), 0);
	ptsim_mem_stats(t->m, &ms);
	ptsim_host_stats(t->m, &hs);
	t->free0 = ms.free_pages;
	t->bytes0 = hs.bytes_live;
}

void ptsim_test_env_fini(struct ptsim_test_env *t)
{
	ptsim_machine_destroy(t->m);
	memset(t, 0, sizeof(*t));
}

void assert_machine_clean(struct ptsim_machine *m)
{
	struct ptsim_check_report r;
	int n = ptsim_check(m, &r);

	if (n != 0) {
		ptsim_check_report_print(&r, stderr);
		fail_msg("checker found %d problem(s)", n);
	}
}

void ptsim_test_snap_take(struct ptsim_test_env *t, struct ptsim_test_snap *s)
{
	struct ptsim_mem_stats ms;
	struct ptsim_host_stats hs;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = open_memstream(&s->dump, &s->dump_len);
	assert_non_null(f);
	assert_true(ptsim_ptdump(t->mm, 0, 0, f) >= 0);
	fclose(f);
	s->vmpte = ptsim_mm_pgtables_bytes(t->mm);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		s->nr_tables[l] = ptsim_mm_nr_tables(t->mm, (enum ptsim_level)l);
	f = open_memstream(&s->vmas, &s->vmas_len);
	assert_non_null(f);
	{
		struct ptsim_vma_info v;

		for (uint64_t a = 0; !ptsim_vma_next(t->mm, a, &v); a = v.end)
			fprintf(f, "[%llx-%llx %llx %llx]", (unsigned long long)v.start,
				(unsigned long long)v.end, (unsigned long long)v.flags,
				(unsigned long long)v.pgoff);
	}
	fclose(f);
	s->uffd_pending = ptsim_uffd_nr_pending(t->mm);
	ptsim_mem_stats(t->m, &ms);
	ptsim_host_stats(t->m, &hs);
	s->free_pages = ms.free_pages;
	s->host_bytes = hs.bytes_live;
	s->host_allocs = hs.nr_live;
	s->sections = ms.nr_sections_initialised;
}

void ptsim_test_snap_assert_same(struct ptsim_test_env *t, const struct ptsim_test_snap *s)
{
	struct ptsim_test_snap now;

	ptsim_test_snap_take(t, &now);
	assert_string_equal(now.dump, s->dump);
	assert_string_equal(now.vmas, s->vmas);
	assert_u64_eq(now.uffd_pending, s->uffd_pending);
	assert_u64_eq(now.vmpte, s->vmpte);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(now.nr_tables[l], s->nr_tables[l]);
	assert_u64_eq(now.free_pages, s->free_pages);
	assert_u64_eq(now.host_bytes, s->host_bytes);
	assert_u64_eq(now.host_allocs, s->host_allocs);
	assert_u64_eq(now.sections, s->sections);
	ptsim_test_snap_free(&now);
}

void ptsim_test_snap_free(struct ptsim_test_snap *s)
{
	free(s->dump);
	free(s->vmas);
	s->dump = NULL;
	s->vmas = NULL;
}

unsigned int ptsim_test_sweep(struct ptsim_test_env *t, ptsim_test_op_fn op, void *arg,
			      uint64_t max_nth)
{
	unsigned int failures = 0;

	for (uint64_t nth = 1;; nth++) {
		struct ptsim_test_snap s;
		int err;

		ptsim_test_snap_take(t, &s);
		ptsim_fault_inject(t->m, nth, false);
		err = op(t, arg);
		ptsim_fault_inject(t->m, 0, false);
		if (err == 0) {
			ptsim_test_snap_free(&s);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		assert_string_not_equal(ptsim_errmsg(t->m), "");
		ptsim_test_snap_assert_same(t, &s);
		ptsim_test_snap_free(&s);
		assert_machine_clean(t->m);
		failures++;
		if (nth >= max_nth)
			fail_msg("operation still failing after %llu injected failures",
				 (unsigned long long)nth);
	}
	return failures;
}

void ptsim_test_install_pte(struct ptsim_test_env *t, uint64_t va, uint64_t e)
{
	struct ptsim_pgslot s;

	assert_int_equal(ptsim_pgslot_lookup(t->mm, va, PTSIM_PTE, 0, &s), 0);
	assert_int_equal(ptsim_pgslot_set(t->mm, &s, e), 0);
}
