// SPDX-License-Identifier: MIT
/*
 * test_fault_handler.c - ptsim_access() and the fault handler behind it:
 * every kind of fault on every configuration, the entries it writes, the
 * counts it keeps, the signals a process would see.
 */
#define _POSIX_C_SOURCE 200809L
/*
 * <signal.h> first, on purpose: POSIX's si_addr / si_addr_lsb are macros, so
 * the API must not name a field so (struct ptsim_access_result uses fault_addr).
 */
#include <errno.h>
#include <signal.h>

#include "ptsim_test.h"

#define RW   (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP  (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)
#define BASE 0x40000000ull
#define R    PTSIM_ACCESS_READ
#define W    PTSIM_ACCESS_WRITE
#define X    PTSIM_ACCESS_EXEC

static struct ptsim_access_result acc(struct ptsim_test_env *t, unsigned int cpu, uint64_t va,
				      unsigned int access)
{
	struct ptsim_access_result r;

	assert_int_equal(ptsim_access(t->mm, cpu, va, access, &r), 0);
	return r;
}

static void expect_ok(struct ptsim_test_env *t, uint64_t va, unsigned int access)
{
	struct ptsim_access_result r = acc(t, 0, va, access);

	if (r.signal)
		fail_msg("access 0x%x at 0x%llx: signal %d code %d (fault 0x%x)", access,
			 (unsigned long long)va, r.signal, r.si_code, r.fault);
	assert_false(r.userfault_pending);
}

static void expect_sig(struct ptsim_test_env *t, uint64_t va, unsigned int access, int sig,
		       int code)
{
	struct ptsim_access_result r = acc(t, 0, va, access);

	assert_int_equal(r.signal, sig);
	assert_int_equal(r.si_code, code);
	assert_u64_eq(r.fault_addr, va);
}

static void pte(struct ptsim_test_env *t, uint64_t va, struct ptsim_translation *tr)
{
	assert_int_equal(ptsim_translate(t->mm, va, tr), 0);
	assert_int_equal(tr->level, PTSIM_PTE);
}

static struct ptsim_frame_info frame(struct ptsim_test_env *t, uint64_t pfn)
{
	struct ptsim_frame_info fi;

	assert_int_equal(ptsim_frame_get(t->m, pfn, &fi), 0);
	return fi;
}

static struct ptsim_mm_counters counters(struct ptsim_test_env *t)
{
	struct ptsim_mm_counters c;

	ptsim_mm_counters(t->mm, &c);
	return c;
}

static void unmap_all(struct ptsim_mm *mm)
{
	struct ptsim_vma_info v;

	while (!ptsim_vma_next(mm, 0, &v))
		assert_int_equal(ptsim_munmap(mm, v.start, v.end - v.start), 0);
}

/* Tear down and check that every frame came back. */
static void finish(struct ptsim_test_env *t)
{
	struct ptsim_mem_stats ms;

	unmap_all(t->mm);
	assert_machine_clean(t->m);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), 0);
	ptsim_mem_stats(t->m, &ms);
	assert_u64_eq(ms.free_pages, t->free0);
	ptsim_test_env_fini(t);
}

static void test_anon_zero_page_then_cow(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_access_result r;
	struct ptsim_frame_info fi;
	struct ptsim_mm_counters c;
	uint64_t a, pfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	/* A read maps the zero page: special, read-only, not counted. */
	r = acc(&t, 0, a + 8, R);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.nr_faults, 1);
	assert_u64_eq(r.pa, (ptsim_zero_pfn(t.m) * t.psz) + 8);
	assert_true(ptsim_mm_pgtables_bytes(t.mm) > 0); /* tables come with the fault */
	pte(&t, a, &tr);
	assert_true(tr.attrs.special && !tr.attrs.write);
	assert_u64_eq(tr.pfn, ptsim_zero_pfn(t.m));
	assert_int_equal(frame(&t, ptsim_zero_pfn(t.m)).mapcount, 0);
	/* Again: the TLB answers, no fault. */
	assert_int_equal(acc(&t, 0, a + 16, R).nr_faults, 0);
	c = counters(&t);
	assert_u64_eq(c.zero_page, 1);
	assert_u64_eq(c.min_flt, 1);
	assert_u64_eq(c.pgfault, 1);
	assert_u64_eq(c.rss_anon, 0);
	assert_machine_clean(t.m);
	/* A write copies the zero page into a new exclusive anonymous page. */
	r = acc(&t, 0, a + 8, W);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.nr_faults, 1);
	pte(&t, a, &tr);
	assert_true(tr.attrs.write && tr.attrs.dirty && !tr.attrs.special);
	pfn = tr.pfn;
	assert_u64_eq(r.pa, pfn * t.psz + 8);
	fi = frame(&t, pfn);
	assert_int_equal(fi.mapcount, 1);
	assert_int_equal(fi.refcount, 1);
	assert_true(fi.flags & (1ull << PTSIM_PG_anon_exclusive));
	assert_true(fi.mapping & 1); /* PAGE_MAPPING_ANON */
	assert_u64_eq(fi.index, a / t.psz);
	c = counters(&t);
	assert_u64_eq(c.cow, 1);
	assert_u64_eq(c.rss_anon, 1);
	/* A write to an untouched page: a new page at once, writable and dirty. */
	r = acc(&t, 0, a + t.psz, W);
	assert_int_equal(r.nr_faults, 1);
	pte(&t, a + t.psz, &tr);
	assert_true(tr.attrs.write && tr.attrs.dirty);
	c = counters(&t);
	assert_u64_eq(c.anon_fault, 1);
	assert_u64_eq(c.rss_anon, 2);
	assert_u64_eq(c.min_flt, 3);
	/* Now read and write it without faults. */
	assert_int_equal(acc(&t, 0, a + t.psz, R).nr_faults, 0);
	assert_int_equal(acc(&t, 0, a + t.psz, W).nr_faults, 0);
	assert_machine_clean(t.m);
	finish(&t);
}

static void test_signals(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm_counters c;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 4 * t.psz, PTSIM_PROT_READ, ANP | PTSIM_MAP_FIXED,
				    NULL, 0, &a),
			 0);
	assert_int_equal(ptsim_mmap(t.mm, BASE + 4 * t.psz, t.psz, PTSIM_PROT_NONE,
				    ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 0);
	/* Outside every VMA: SEGV_MAPERR. */
	expect_sig(&t, BASE - 1, R, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	expect_sig(&t, BASE + 5 * t.psz + 3, W, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	/* Not allowed by the VMA: SEGV_ACCERR. */
	expect_sig(&t, BASE + 3, W, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	expect_sig(&t, BASE + 3, X, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	expect_sig(&t, BASE + 4 * t.psz, R, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	/* After the page is mapped, a write still gets ACCERR. */
	expect_ok(&t, BASE, R);
	expect_sig(&t, BASE + 7, W, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	/* mprotect(PROT_NONE) on a mapped page: ACCERR, and the entry is PROT_NONE. */
	assert_int_equal(ptsim_mprotect(t.mm, BASE, t.psz, PTSIM_PROT_NONE), 0);
	expect_sig(&t, BASE, R, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	assert_int_equal(ptsim_mprotect(t.mm, BASE, t.psz, PTSIM_PROT_READ), 0);
	expect_ok(&t, BASE, R);
	/* A non-canonical address. */
	expect_sig(&t, 1ull << 63 | 0x1000, R, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	c = counters(&t);
	assert_u64_eq(c.sigsegv, 8);
	/* Bad arguments. */
	{
		struct ptsim_access_result r;

		assert_int_equal(ptsim_access(t.mm, 4096, BASE, R, &r), -EINVAL);
		assert_int_equal(ptsim_access(t.mm, 0, BASE, 0, &r), -EINVAL);
		assert_int_equal(ptsim_access(t.mm, 0, BASE, 8, &r), -EINVAL);
	}
	finish(&t);
}

static void test_file_private(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f;
	struct ptsim_translation tr;
	struct ptsim_access_result r;
	struct ptsim_mm_counters c;
	uint64_t a, cpfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_file_create(t.m, 3 * t.psz + 1, &f), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 8 * t.psz, RW, PTSIM_MAP_PRIVATE, f, 0, &a), 0);
	/* A read maps the page-cache folio, read-only; filling the cache is a major fault. */
	r = acc(&t, 0, a + t.psz, R);
	assert_int_equal(r.signal, 0);
	assert_true(r.fault & PTSIM_VM_FAULT_MAJOR);
	assert_int_equal(ptsim_file_cache_pfn(f, 1, &cpfn), 0);
	assert_u64_eq(ptsim_file_nr_cached(f), 1);
	pte(&t, a + t.psz, &tr);
	assert_u64_eq(tr.pfn, cpfn);
	assert_false(tr.attrs.write);
	assert_int_equal(frame(&t, cpfn).mapcount, 1);
	assert_int_equal(frame(&t, cpfn).refcount, 2); /* cache + mapping */
	c = counters(&t);
	assert_u64_eq(c.maj_flt, 1);
	assert_u64_eq(c.rss_file, 1);
	assert_machine_clean(t.m);
	/* A write copies it to a private anonymous page; the cache page is untouched. */
	r = acc(&t, 0, a + t.psz, W);
	assert_int_equal(r.signal, 0);
	pte(&t, a + t.psz, &tr);
	assert_true(tr.pfn != cpfn && tr.attrs.write);
	assert_int_equal(frame(&t, cpfn).mapcount, 0);
	assert_int_equal(frame(&t, cpfn).refcount, 1);
	assert_true(frame(&t, tr.pfn).mapping & 1);
	c = counters(&t);
	assert_u64_eq(c.cow, 1);
	assert_u64_eq(c.rss_file, 0);
	assert_u64_eq(c.rss_anon, 1);
	/* A write to an untouched page: do_cow_fault() (cache filled, copy mapped). */
	r = acc(&t, 0, a + 2 * t.psz, W);
	assert_int_equal(r.signal, 0);
	assert_u64_eq(ptsim_file_nr_cached(f), 2);
	assert_u64_eq(counters(&t).rss_anon, 2);
	/* The last page holding data (the file is 3 pages + 1 byte) is fine... */
	expect_ok(&t, a + 3 * t.psz, R);
	/* ...beyond it is SIGBUS, inside the VMA. */
	expect_sig(&t, a + 4 * t.psz + 5, R, PTSIM_SIGBUS, PTSIM_BUS_ADRERR);
	assert_u64_eq(counters(&t).sigbus, 1);
	assert_machine_clean(t.m);
	ptsim_file_close(f);
	finish(&t);
}

static void test_file_shared(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f, *mf;
	struct ptsim_translation tr;
	struct ptsim_access_result r;
	uint64_t a, b, cpfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_file_create(t.m, 4 * t.psz, &f), 0);
	assert_int_equal(ptsim_memfd_create(t.m, 4 * t.psz, &mf), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, f, 0, &a), 0);
	/* Regular file: read-only until written (write-notify), then dirty. */
	expect_ok(&t, a, R);
	pte(&t, a, &tr);
	cpfn = tr.pfn;
	assert_false(tr.attrs.write);
	assert_int_equal(ptsim_page_test_flag(t.m, cpfn, PTSIM_PG_dirty), 0);
	r = acc(&t, 0, a, W);
	assert_int_equal(r.nr_faults, 1);
	pte(&t, a, &tr);
	assert_u64_eq(tr.pfn, cpfn); /* the same page, shared */
	assert_true(tr.attrs.write && tr.attrs.dirty);
	assert_int_equal(ptsim_page_test_flag(t.m, cpfn, PTSIM_PG_dirty), 1);
	assert_u64_eq(counters(&t).wp_reuse, 1);
	/* A first write maps the cache page writable and dirty at once. */
	r = acc(&t, 0, a + t.psz, W);
	assert_int_equal(r.nr_faults, 1);
	pte(&t, a + t.psz, &tr);
	assert_true(tr.attrs.write);
	assert_int_equal(frame(&t, tr.pfn).mapcount, 1);
	/* A second mapping of the same file sees the same page. */
	assert_int_equal(
		ptsim_mmap(t.mm, 0, 4 * t.psz, PTSIM_PROT_READ, PTSIM_MAP_SHARED, f, 0, &b), 0);
	expect_ok(&t, b, R);
	pte(&t, b, &tr);
	assert_u64_eq(tr.pfn, cpfn);
	assert_int_equal(frame(&t, cpfn).mapcount, 2);
	assert_int_equal(frame(&t, cpfn).refcount, 3);
	/* shmem: writable from the first read (no write-notify), minor faults. */
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, mf, 0, &b), 0);
	r = acc(&t, 0, b, R);
	assert_false(r.fault & PTSIM_VM_FAULT_MAJOR);
	pte(&t, b, &tr);
	assert_true(tr.attrs.write);
	assert_u64_eq(counters(&t).rss_shmem, 1);
	expect_ok(&t, b, W);
	assert_u64_eq(counters(&t).maj_flt, 2);
	assert_machine_clean(t.m);
	ptsim_file_close(f);
	ptsim_file_close(mf);
	finish(&t);
}

/* arm64 without hardware dirty management: a write to a clean writable entry faults. */
static void test_arm64_sw_dirty(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *mf;
	struct ptsim_translation tr;
	struct ptsim_access_result r;
	uint64_t b;
	bool arm = strncmp(*state, "arm64", 5) == 0;

	ptsim_test_env_init(&t, *state, "mmu.hw_af=0,mmu.hw_dbm=0");
	assert_int_equal(ptsim_memfd_create(t.m, 4 * t.psz, &mf), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, mf, 0, &b), 0);
	expect_ok(&t, b, R);
	pte(&t, b, &tr);
	assert_true(tr.attrs.write && !tr.attrs.dirty && tr.attrs.young);
	r = acc(&t, 0, b, W);
	assert_int_equal(r.signal, 0);
	/* arm64: a permission fault fixed up by the handler; x86: the hardware sets D. */
	assert_int_equal(r.nr_faults, arm ? 1 : 0);
	assert_u64_eq(counters(&t).fixup, arm ? 1 : 0);
	pte(&t, b, &tr);
	assert_true(tr.attrs.dirty && tr.attrs.hw_write);
	assert_int_equal(acc(&t, 0, b, W).nr_faults, 0);
	assert_machine_clean(t.m);
	ptsim_file_close(mf);
	finish(&t);
}

/* Out of memory in a fault: VM_FAULT_OOM, and nothing changed. */
static void test_fault_oom(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f;
	uint64_t a, b;
	unsigned int fails = 0;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_file_create(t.m, 4 * t.psz, &f), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0, &a), 0);
	assert_int_equal(ptsim_mmap(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_PRIVATE, f, 0, &b), 0);
	for (int which = 0; which < 2; which++) {
		uint64_t va = which ? b : a;

		for (uint64_t nth = 1;; nth++) {
			struct ptsim_test_snap s;
			struct ptsim_access_result r;
			int err;

			ptsim_test_snap_take(&t, &s);
			ptsim_fault_inject(t.m, nth, false);
			err = ptsim_access(t.mm, 0, va, W, &r);
			ptsim_fault_inject(t.m, 0, false);
			if (!err) {
				assert_int_equal(r.signal, 0);
				ptsim_test_snap_free(&s);
				break;
			}
			assert_int_equal(err, -ENOMEM);
			assert_true(r.fault & PTSIM_VM_FAULT_OOM);
			ptsim_test_snap_assert_same(&t, &s);
			ptsim_test_snap_free(&s);
			assert_machine_clean(t.m);
			fails++;
			assert_true(nth < 50);
		}
	}
	assert_true(fails >= 4); /* tables, folio, anon_vma; cache slot and page too */
	assert_machine_clean(t.m);
	ptsim_file_close(f);
	finish(&t);
}

static void test_vm_fault_names(void **state)
{
	(void)state;
	assert_string_equal(ptsim_vm_fault_name(PTSIM_VM_FAULT_OOM), "OOM");
	assert_string_equal(ptsim_vm_fault_name(PTSIM_VM_FAULT_HWPOISON_LARGE), "HWPOISON_LARGE");
	assert_string_equal(ptsim_vm_fault_name(PTSIM_VM_FAULT_COMPLETED), "COMPLETED");
	assert_int_equal(PTSIM_VM_FAULT_SIGSEGV, 0x40);
	assert_int_equal(PTSIM_VM_FAULT_RETRY, 0x400);
	assert_string_equal(ptsim_vm_fault_name(0x3), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_anon_zero_page_then_cow),
		PTSIM_ARCH_TESTS(test_signals),
		PTSIM_ARCH_TESTS(test_file_private),
		PTSIM_ARCH_TESTS(test_file_shared),
		PTSIM_ARCH_TESTS(test_arm64_sw_dirty),
		PTSIM_ARCH_TESTS(test_fault_oom),
		cmocka_unit_test(test_vm_fault_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
