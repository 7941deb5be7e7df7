// SPDX-License-Identifier: MIT
/*
 * test_uffd.c - userfaultfd (include/ptsim/uffd.h) on every configuration:
 * registration with VMA split and merge, missing and write-protect faults
 * and their messages, UFFDIO_COPY / ZEROPAGE / WRITEPROTECT, unregister,
 * every error path leaving the model unchanged, and allocation-failure
 * sweeps.
 */
#include <errno.h>

#include "api/machine.h"
#include "mm_helpers.h"

#define MISSING PTSIM_UFFDIO_REGISTER_MODE_MISSING
#define WPMODE	PTSIM_UFFDIO_REGISTER_MODE_WP
#define F_WRITE PTSIM_UFFD_PAGEFAULT_FLAG_WRITE
#define F_WP	PTSIM_UFFD_PAGEFAULT_FLAG_WP

/* The access traps to user space: nothing mapped, nothing signalled. */
static void expect_pending(struct ptsim_mm *mm, uint64_t va, unsigned int access)
{
	struct ptsim_access_result r = mm_acc(mm, 0, va, access);

	if (!r.userfault_pending || r.signal)
		fail_msg("access 0x%x at 0x%llx: pending %d signal %d fault 0x%x", access,
			 (unsigned long long)va, r.userfault_pending, r.signal, r.fault);
	assert_true(r.fault & PTSIM_VM_FAULT_RETRY);
}

/* What a pagemap word says of the entry (x86 also reports VM_SOFTDIRTY, bit 55). */
#define PM_STATE (PTSIM_PM_PRESENT | PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP)

/* The oldest message is a page fault at @addr with @flags. */
static void expect_msg(struct ptsim_mm *mm, uint64_t addr, uint64_t flags)
{
	struct ptsim_uffd_msg msg;

	assert_int_equal(ptsim_uffd_read(mm, &msg), 0);
	assert_int_equal(msg.event, PTSIM_UFFD_EVENT_PAGEFAULT);
	assert_u64_eq(msg.address, addr);
	assert_u64_eq(msg.flags, flags);
}

static void expect_no_msg(struct ptsim_mm *mm)
{
	struct ptsim_uffd_msg msg;

	assert_int_equal(ptsim_uffd_read(mm, &msg), -EAGAIN);
	assert_u64_eq(ptsim_uffd_nr_pending(mm), 0);
}

static uint64_t pm(struct ptsim_mm *mm, uint64_t va)
{
	uint64_t w;

	assert_int_equal(ptsim_pagemap(mm, va, &w), 0);
	return w;
}

static struct ptsim_vma_info vma_at(struct ptsim_mm *mm, uint64_t va)
{
	struct ptsim_vma_info v;

	assert_int_equal(ptsim_vma_info(mm, va, &v), 0);
	return v;
}

/* A failed call: the errno, an error text, and the model exactly as before. */
#define EXPECT_UNCHANGED(t, call, err)                                                             \
	do {                                                                                       \
		struct ptsim_test_snap s__;                                                        \
		uint64_t nv__ = ptsim_mm_nr_vmas((t)->mm);                                         \
		ptsim_test_snap_take((t), &s__);                                                   \
		assert_int_equal((call), (err));                                                   \
		assert_string_not_equal(ptsim_errmsg((t)->m), "");                                 \
		ptsim_test_snap_assert_same((t), &s__);                                            \
		assert_u64_eq(ptsim_mm_nr_vmas((t)->mm), nv__);                                    \
		ptsim_test_snap_free(&s__);                                                        \
		assert_machine_clean((t)->m);                                                      \
	} while (0)

/* --- MISSING ------------------------------------------------------------------------- */

/*
 * UFFDIO_API: the modelled features are reported and accepted, any other
 * bit is -EINVAL with a zeroed reply, the handshake is made once (a
 * registration makes it too), and EXACT_ADDRESS keeps the message address
 * as the access made it.
 */
static void test_api_handshake(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *other;
	uint64_t a, f;

	ptsim_test_env_init(&t, *state, NULL);
	assert_u64_eq(ptsim_uffd_features(t.mm), 0);
	f = PTSIM_UFFD_FEATURE_EXACT_ADDRESS;
	assert_int_equal(ptsim_uffdio_api(t.mm, 0xab, &f), -EINVAL);
	assert_u64_eq(f, 0);
	assert_non_null(strstr(ptsim_errmsg(t.m), "UFFD_API"));
	/* Not modelled yet: refused, the reply zeroed, nothing enabled. */
	f = PTSIM_UFFD_FEATURE_EXACT_ADDRESS | PTSIM_UFFD_FEATURE_THREAD_ID;
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), -EINVAL);
	assert_u64_eq(f, 0);
	assert_non_null(strstr(ptsim_errmsg(t.m), "0x100 are not modelled"));
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, NULL), -EINVAL);
	assert_u64_eq(ptsim_uffd_features(t.mm), 0);
	/* The handshake: every modelled feature reported, the asked ones on. */
	f = PTSIM_UFFD_FEATURE_EXACT_ADDRESS;
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	assert_u64_eq(f, PTSIM_UFFD_FEATURES_MODELLED);
	assert_u64_eq(f, PTSIM_UFFD_FEATURE_PAGEFAULT_FLAG_WP | PTSIM_UFFD_FEATURE_MISSING_SHMEM |
				 PTSIM_UFFD_FEATURE_EXACT_ADDRESS |
				 PTSIM_UFFD_FEATURE_WP_HUGETLBFS_SHMEM |
				 PTSIM_UFFD_FEATURE_WP_UNPOPULATED | PTSIM_UFFD_FEATURE_EVENT_FORK |
				 PTSIM_UFFD_FEATURE_POISON | PTSIM_UFFD_FEATURE_WP_ASYNC |
				 PTSIM_UFFD_FEATURE_MINOR_SHMEM | PTSIM_UFFD_FEATURE_EVENT_REMOVE |
				 PTSIM_UFFD_FEATURE_EVENT_UNMAP);
	assert_u64_eq(ptsim_uffd_features(t.mm), PTSIM_UFFD_FEATURE_EXACT_ADDRESS);
	/* Once only. */
	f = 0;
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(t.m), "already"));
	assert_u64_eq(ptsim_uffd_features(t.mm), PTSIM_UFFD_FEATURE_EXACT_ADDRESS);
	/* EXACT_ADDRESS: the message keeps the byte address. */
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, MISSING), 0);
	expect_pending(t.mm, a + t.psz + 0x123, W);
	expect_msg(t.mm, a + t.psz + 0x123, F_WRITE);
	assert_machine_clean(t.m);
	/* A registration without the handshake makes it with no feature. */
	assert_int_equal(ptsim_mm_create(t.m, &other), 0);
	a = mm_map(other, BASE, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(other, a, t.psz, MISSING), 0);
	assert_u64_eq(ptsim_uffd_features(other), 0);
	f = PTSIM_UFFD_FEATURE_EXACT_ADDRESS;
	assert_int_equal(ptsim_uffdio_api(other, PTSIM_UFFD_API, &f), -EINVAL);
	assert_u64_eq(f, 0);
	expect_pending(other, a + 0x123, R);
	expect_msg(other, a, 0);
	ptsim_mm_destroy(other);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_missing_copy_zeropage(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_frame_info fi;
	struct ptsim_vma_info v;
	uint64_t a, pa, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * psz, MISSING), 0);
	v = vma_at(t.mm, a);
	assert_u64_eq(v.flags & (PTSIM_VM_UFFD_MISSING | PTSIM_VM_UFFD_WP), PTSIM_VM_UFFD_MISSING);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 1);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);

	/* A read traps: no page, a message with flags 0 at the page address. */
	expect_pending(t.mm, a + 8, R);
	assert_false(pm(t.mm, a) & PTSIM_PM_PRESENT);
	assert_u64_eq(ptsim_uffd_nr_pending(t.mm), 1);
	expect_msg(t.mm, a, 0);
	expect_no_msg(t.mm);
	/* The kernel allocated the tables down to the PTE table before asking. */
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 1);
	assert_u64_eq(mm_counters(t.mm).zero_page, 0);
	assert_machine_clean(t.m);

	/* A write traps with FLAG_WRITE; the VMA got its anon_vma first. */
	expect_pending(t.mm, a + psz + 16, W);
	expect_msg(t.mm, a + psz, F_WRITE);
	assert_true(vma_at(t.mm, a).has_anon_vma);
	/* Repeating an unresolved access queues another message. */
	expect_pending(t.mm, a + psz + 32, W);
	expect_pending(t.mm, a + 4, R);
	assert_u64_eq(ptsim_uffd_nr_pending(t.mm), 2);
	expect_msg(t.mm, a + psz, F_WRITE);
	expect_msg(t.mm, a, 0);
	assert_machine_clean(t.m);

	/* UFFDIO_COPY resolves: a new exclusive anonymous page, dirty and writable. */
	assert_int_equal(ptsim_uffdio_copy(t.mm, a, 2 * psz, 0), 0);
	assert_machine_clean(t.m);
	tr = mm_pte(t.mm, a);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_true(tr.attrs.write && tr.attrs.dirty && !tr.attrs.special && !tr.attrs.uffd_wp);
	fi = mm_frame(t.m, tr.pfn);
	assert_int_equal(fi.mapcount, 1);
	assert_int_equal(fi.refcount, 1);
	assert_true(fi.flags & (1ull << PTSIM_PG_anon_exclusive));
	assert_true(fi.mapping & 1);
	assert_u64_eq(fi.index, a / psz);
	assert_u64_eq(mm_counters(t.mm).rss_anon, 2);
	/* The retried accesses succeed with the new pages, without a fault. */
	pa = mm_ok(t.mm, 0, a + 8, R);
	assert_u64_eq(pa, tr.pfn * psz + 8);
	assert_int_equal(mm_acc(t.mm, 0, a + psz + 16, W).nr_faults, 0);
	assert_u64_eq(pm(t.mm, a + psz) & (PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE),
		      PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE);
	expect_no_msg(t.mm);

	/* UFFDIO_ZEROPAGE resolves a read with the zero page, read-only. */
	expect_pending(t.mm, a + 2 * psz, R);
	expect_msg(t.mm, a + 2 * psz, 0);
	assert_int_equal(ptsim_uffdio_zeropage(t.mm, a + 2 * psz, psz), 0);
	assert_machine_clean(t.m);
	tr = mm_pte(t.mm, a + 2 * psz);
	assert_u64_eq(tr.pfn, ptsim_zero_pfn(t.m));
	assert_true(tr.attrs.special && !tr.attrs.write);
	assert_u64_eq(mm_ok(t.mm, 0, a + 2 * psz + 8, R), ptsim_zero_pfn(t.m) * psz + 8);
	/* A write to it is an ordinary copy-on-write, not a userfault. */
	mm_ok(t.mm, 0, a + 2 * psz, W);
	assert_true(mm_pte(t.mm, a + 2 * psz).attrs.write);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);

	/* -EEXIST over a mapped page, also when only part of the range is mapped. */
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a, psz, 0), -EEXIST);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + 2 * psz, 2 * psz, 0), -EEXIST);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_zeropage(t.mm, a + psz, psz), -EEXIST);
	/* The last page is still missing and can be filled. */
	assert_int_equal(ptsim_uffdio_copy(t.mm, a + 3 * psz, psz, 0), 0);
	mm_ok(t.mm, 1, a + 3 * psz, W);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/* A range over several PTE tables: copy allocates each missing table once. */
static void test_copy_across_tables(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd_span, a, len, start;

	ptsim_test_env_init(&t, *state, NULL);
	pmd_span = t.psz * (t.psz / 8); /* what one PTE table maps */
	a = mm_map(t.mm, BASE, 4 * pmd_span, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * pmd_span, MISSING), 0);
	start = a + pmd_span - 2 * t.psz;
	len = 4 * t.psz; /* 2 pages under one PTE table, 2 under the next */
	assert_int_equal(ptsim_uffdio_copy(t.mm, start, len, 0), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 2);
	assert_u64_eq(mm_counters(t.mm).rss_anon, len / t.psz);
	assert_machine_clean(t.m);
	mm_ok(t.mm, 0, start, W);
	mm_ok(t.mm, 0, start + len - t.psz, R);
	expect_pending(t.mm, start - t.psz, R);
	expect_pending(t.mm, start + len, W);
	expect_msg(t.mm, start - t.psz, 0);
	expect_msg(t.mm, start + len, F_WRITE);
	mm_finish(&t);
}

/* --- WP -------------------------------------------------------------------------------- */

static void test_wp_protect_unprotect(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	struct ptsim_translation tr;
	uint64_t a, pfn, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * psz, WPMODE), 0);
	/* Not MISSING: faults are served as usual. */
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 1, a, R); /* on a second CPU too, so the flush must reach it */
	mm_ok(t.mm, 0, a + psz, R);
	expect_no_msg(t.mm);
	pfn = mm_pte(t.mm, a).pfn;
	assert_false(pm(t.mm, a) & PTSIM_PM_UFFD_WP);

	/* Protect: uffd-wp bit (pagemap bit 57), read-only, the TLBs flushed. */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 2 * psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_machine_clean(t.m);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_true(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_true(pm(t.mm, a + psz) & PTSIM_PM_UFFD_WP);
	assert_false(pm(t.mm, a + 2 * psz) & PTSIM_PM_UFFD_WP);
	tr = mm_pte(t.mm, a);
	assert_true(tr.attrs.uffd_wp && !tr.attrs.write);
	assert_u64_eq(tr.pfn, pfn);
	/* Reads still work; a write traps with WP|WRITE, on either CPU. */
	mm_ok(t.mm, 1, a + 8, R);
	expect_pending(t.mm, a + 8, W);
	expect_msg(t.mm, a, F_WP | F_WRITE);
	r = mm_acc(t.mm, 1, a + 16, W);
	assert_true(r.userfault_pending);
	expect_msg(t.mm, a, F_WP | F_WRITE);
	assert_u64_eq(mm_pte(t.mm, a).pfn, pfn);
	assert_machine_clean(t.m);

	/* Unprotect: the exclusive page is writable again; the write completes at once. */
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, psz, 0), 0);
	assert_false(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	r = mm_acc(t.mm, 0, a + 8, W);
	assert_false(r.userfault_pending);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.nr_faults, 0);
	assert_u64_eq(r.pa, pfn * psz + 8);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);

	/*
	 * The zero page at a + psz cannot be made writable by unprotect: the
	 * ordinary write fault copies it - no second userfault, no loop.
	 */
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a + psz, psz,
						   PTSIM_UFFDIO_WRITEPROTECT_MODE_DONTWAKE),
			 0);
	assert_false(pm(t.mm, a + psz) & PTSIM_PM_UFFD_WP);
	r = mm_acc(t.mm, 0, a + psz, W);
	assert_false(r.userfault_pending);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.nr_faults, 1);
	assert_true(mm_pte(t.mm, a + psz).attrs.write);
	expect_no_msg(t.mm);

	/* COPY with MODE_WP maps the page write-protected with the bit. */
	assert_int_equal(ptsim_uffdio_copy(t.mm, a + 3 * psz, psz, PTSIM_UFFDIO_COPY_MODE_WP), 0);
	tr = mm_pte(t.mm, a + 3 * psz);
	assert_true(tr.attrs.uffd_wp && !tr.attrs.write && tr.attrs.dirty);
	mm_ok(t.mm, 0, a + 3 * psz, R);
	expect_pending(t.mm, a + 3 * psz, W);
	expect_msg(t.mm, a + 3 * psz, F_WP | F_WRITE);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/*
 * fork without UFFD_FEATURE_EVENT_FORK (dup_userfaultfd()): the child is not
 * registered, its copies of the parent's entries lose the uffd-wp bit, and a
 * write there is ordinary copy-on-write; the parent stays protected.
 */
static void test_wp_fork_without_event(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info vi;
	struct ptsim_mm *child;
	struct ptsim_access_result r;
	uint64_t a, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
			 0);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_vma_info(child, a, &vi), 0);
	assert_false(vi.flags & (PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MISSING));
	assert_int_equal(ptsim_vma_info(t.mm, a, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_UFFD_WP);
	assert_false(pm(child, a) & PTSIM_PM_UFFD_WP);
	assert_true(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	/* The child's write copies; no message anywhere. */
	r = mm_acc(child, 1, a + 8, W);
	assert_false(r.userfault_pending);
	assert_int_equal(r.signal, 0);
	expect_no_msg(child);
	expect_no_msg(t.mm);
	/* The parent is still write-protected for its userfaultfd. */
	expect_pending(t.mm, a + 8, W);
	expect_msg(t.mm, a, F_WP | F_WRITE);
	assert_machine_clean(t.m);
	ptsim_mm_destroy(child);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/*
 * uffd-unit-tests' wp-fork-with-event: with UFFD_FEATURE_EVENT_FORK the
 * child stays registered (its own context, the same features), keeps the
 * uffd-wp bits and markers - shmem ones too, since vma_needs_copy() copies
 * a uffd-wp child's tables (c56d1b62cce8) - and the parent reads a fork
 * event.  compat.uffd_fork_skip_shmem brings back the hole: the shmem
 * VMA, without anon_vma, is skipped and the child loses its protection.
 */
static void fork_with_event(struct ptsim_test_env *t, bool skip_shmem)
{
	struct ptsim_uffd_msg msg;
	struct ptsim_vma_info vi;
	struct ptsim_mm *child;
	uint64_t a, s, f = PTSIM_UFFD_FEATURE_EVENT_FORK;

	assert_int_equal(
		ptsim_knob_set(t->m, "compat.uffd_fork_skip_shmem", skip_shmem ? "on" : "off"), 0);
	assert_int_equal(ptsim_uffdio_api(t->mm, PTSIM_UFFD_API, &f), 0);
	a = mm_map(t->mm, BASE, 2 * t->psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	s = mm_map(t->mm, BASE + 64 * t->psz, 2 * t->psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t->mm, a, 2 * t->psz, WPMODE), 0);
	assert_int_equal(ptsim_uffd_register(t->mm, s, 2 * t->psz, WPMODE), 0);
	mm_ok(t->mm, 0, a, W);
	mm_ok(t->mm, 0, s, W);
	/* s + 1 page: a marker (shmem none PTE). */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t->mm, a, 2 * t->psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t->mm, s, 2 * t->psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_int_equal(ptsim_fork(t->mm, &child), 0);
	assert_machine_clean(t->m);
	/* The parent's fork event names the child. */
	assert_int_equal(ptsim_uffd_read(t->mm, &msg), 0);
	assert_int_equal(msg.event, PTSIM_UFFD_EVENT_FORK);
	assert_ptr_equal(msg.child, child);
	assert_u64_eq(msg.address, 0);
	expect_no_msg(t->mm);
	assert_u64_eq(ptsim_uffd_features(child), PTSIM_UFFD_FEATURE_EVENT_FORK);
	assert_int_equal(ptsim_vma_info(child, a, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_UFFD_WP);
	assert_int_equal(ptsim_vma_info(child, s, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_UFFD_WP);
	/* Anonymous: copied (anon_vma), protected in the child, whose own queue traps. */
	assert_true(pm(child, a) & PTSIM_PM_UFFD_WP);
	expect_pending(child, a, W);
	expect_msg(child, a, F_WP | F_WRITE);
	expect_no_msg(t->mm);
	if (!skip_shmem) {
		assert_true(pm(child, s) & PTSIM_PM_UFFD_WP);
		assert_u64_eq(pm(child, s + t->psz) & PM_STATE, PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
		expect_pending(child, s, W);
		expect_msg(child, s, F_WP | F_WRITE);
	} else {
		/* The hole: nothing copied, the child's write goes through unseen. */
		assert_u64_eq(pm(child, s) & PM_STATE, 0);
		assert_u64_eq(pm(child, s + t->psz) & PM_STATE, 0);
		mm_ok(child, 0, s, W);
		expect_no_msg(child);
	}
	assert_machine_clean(t->m);
	ptsim_mm_destroy(child);
	assert_machine_clean(t->m);
}

static void test_wp_fork_with_event(void **state)
{
	struct ptsim_test_env t;

	for (int skip = 0; skip < 2; skip++) {
		ptsim_test_env_init(&t, *state, NULL);
		fork_with_event(&t, skip);
		ptsim_test_env_fini(&t);
	}
}

/*
 * UFFDIO_POISON (uffd-unit-tests' poison): none PTEs of a registered range
 * become poison markers (tables allocated), an access gets SIGBUS with
 * BUS_MCEERR_AR, a present page or a marker is -EEXIST, and MADV_DONTNEED
 * removes the markers so the pages fault in again.
 */
static void test_poison(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	uint64_t a, s;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, MISSING), 0);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_poison(t.mm, a, t.psz, 0x2), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_poison(t.mm, a + 1, t.psz, 0), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_poison(t.mm, a, 8 * t.psz, 0), -ENOENT);
	assert_int_equal(ptsim_uffdio_poison(t.mm, a, 2 * t.psz, PTSIM_UFFDIO_POISON_MODE_DONTWAKE),
			 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 1);
	assert_u64_eq(pm(t.mm, a) & PM_STATE, PTSIM_PM_SWAP);
	assert_machine_clean(t.m);
	for (int i = 0; i < 2; i++) {
		r = mm_acc(t.mm, 0, a + (uint64_t)i * t.psz, i ? W : R);
		assert_int_equal(r.signal, PTSIM_SIGBUS);
		assert_int_equal(r.si_code, PTSIM_BUS_MCEERR_AR);
		assert_false(r.userfault_pending);
	}
	expect_no_msg(t.mm);
	/* Not over an entry, a marker included. */
	EXPECT_UNCHANGED(&t, ptsim_uffdio_poison(t.mm, a, t.psz, 0), -EEXIST);
	assert_int_equal(ptsim_uffdio_copy(t.mm, a + 2 * t.psz, t.psz, 0), 0);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_poison(t.mm, a + 2 * t.psz, t.psz, 0), -EEXIST);
	/* A zap takes the poison away: the page is missing again. */
	assert_int_equal(ptsim_madvise(t.mm, a, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(pm(t.mm, a) & PM_STATE, 0);
	expect_pending(t.mm, a, R);
	expect_msg(t.mm, a, 0);
	assert_machine_clean(t.m);
	/* shmem: the page cache is not consulted; munmap removes the marker. */
	s = mm_map(t.mm, BASE + 64 * t.psz, 2 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, s, 2 * t.psz, MISSING), 0);
	assert_int_equal(ptsim_uffdio_poison(t.mm, s, 2 * t.psz, 0), 0);
	r = mm_acc(t.mm, 0, s + t.psz, R);
	assert_int_equal(r.signal, PTSIM_SIGBUS);
	assert_int_equal(ptsim_munmap(t.mm, s, 2 * t.psz), 0);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/*
 * WP_ASYNC (brings WP_UNPOPULATED along): a write to a write-protected page
 * or marker is resolved by the kernel - the bit goes, the write completes,
 * no message - and a WP-only registration takes a regular file too.
 */
static void test_wp_async(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *file;
	uint64_t a, fa, f = PTSIM_UFFD_FEATURE_WP_ASYNC;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	assert_u64_eq(ptsim_uffd_features(t.mm),
		      PTSIM_UFFD_FEATURE_WP_ASYNC | PTSIM_UFFD_FEATURE_WP_UNPOPULATED);
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_true(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_true(pm(t.mm, a + t.psz) & PTSIM_PM_UFFD_WP); /* a marker: unpopulated */
	/* Written: resolved in the kernel, the bit gone (the dirty tracking of PAGEMAP_SCAN). */
	mm_ok(t.mm, 0, a, W);
	assert_false(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_true(mm_pte(t.mm, a).attrs.write);
	mm_ok(t.mm, 0, a + t.psz, W);
	assert_false(pm(t.mm, a + t.psz) & PTSIM_PM_UFFD_WP);
	assert_true(mm_pte(t.mm, a + t.psz).attrs.write);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	/* A regular file: WP only, markers on its none PTEs, writes resolved too. */
	assert_int_equal(ptsim_file_create(t.m, 2 * t.psz, &file), 0);
	fa = mm_map(t.mm, BASE + 64 * t.psz, 2 * t.psz, RW, PTSIM_MAP_SHARED | PTSIM_MAP_FIXED,
		    file, 0);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, fa, 2 * t.psz, MISSING | WPMODE), -EINVAL);
	assert_int_equal(ptsim_uffd_register(t.mm, fa, 2 * t.psz, WPMODE), 0);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, fa, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_u64_eq(pm(t.mm, fa) & PM_STATE, PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
	mm_ok(t.mm, 0, fa, R);
	assert_true(mm_pte(t.mm, fa).attrs.uffd_wp);
	mm_ok(t.mm, 0, fa, W);
	assert_false(mm_pte(t.mm, fa).attrs.uffd_wp);
	mm_ok(t.mm, 0, fa + t.psz, W);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	ptsim_file_close(file);
	mm_finish(&t);
}

/*
 * The monitor helper: MISSING faults copied, WP faults unprotected, the
 * access repeated; with compat.uffd_wp_2018 and a pre-6.1 THP split the
 * write loops and the monitor reports it after its bound.
 */
static void test_serve(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_uffd_serve_result out;
	uint64_t a, span;
	bool thp;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, MISSING | WPMODE), 0);
	assert_int_equal(ptsim_uffd_serve(t.mm, 0, a, W, 0, &out), 0);
	assert_int_equal(out.rounds, 1);
	assert_int_equal(out.copied, 1);
	assert_int_equal(out.access.signal, 0);
	assert_false(out.access.userfault_pending);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_int_equal(ptsim_uffd_serve(t.mm, 0, a, W, 0, &out), 0);
	assert_int_equal(out.rounds, 1);
	assert_int_equal(out.unprotected, 1);
	assert_true(mm_pte(t.mm, a).attrs.write);
	expect_no_msg(t.mm);
	assert_int_equal(ptsim_uffd_serve(t.mm, 0, a, W, 0, NULL), -EINVAL);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, a, 2 * t.psz), 0);

	/* The 2018 loop: a dirty THP write-protected, one page unprotected. */
	assert_int_equal(ptsim_knob_set(t.m, "compat.uffd_wp_2018", "on"), 0);
	assert_int_equal(ptsim_knob_set(t.m, "compat.thp_split_dirty", "pre-6.1"), 0);
	span = t.psz * (t.psz / 8);
	a = mm_map(t.mm, BASE, span, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_madvise(t.mm, a, span, PTSIM_MADV_HUGEPAGE), 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, span, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	thp = mm_pte(t.mm, a).level == PTSIM_PMD; /* not where a PMD folio is too big */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, span, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, t.psz, 0), 0);
	if (thp) { /* split by the unprotect, clean PTEs */
		assert_int_equal(mm_pte(t.mm, a).level, PTSIM_PTE);
		assert_int_equal(ptsim_uffd_serve(t.mm, 0, a, W, 5, &out), -ELOOP);
		assert_int_equal(out.rounds, 5);
		assert_non_null(strstr(ptsim_errmsg(t.m), "userfault loop"));
		assert_false(mm_pte(t.mm, a).attrs.write);
		/* Either fix alone ends it: today's split keeps the dirty bit. */
		assert_int_equal(ptsim_knob_set(t.m, "compat.thp_split_dirty", "current"), 0);
	}
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/*
 * MINOR on shmem (uffd-unit-tests' minor, minor-wp): a page that is cached
 * but not mapped traps with FLAG_MINOR, UFFDIO_CONTINUE maps it (with
 * MODE_WP, write-protected); an uncached page faults as usual.
 */
static void test_minor_continue(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info vi;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, a + t.psz, W);
	/* Unmapped, still cached. */
	assert_int_equal(ptsim_madvise(t.mm, a, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(
		ptsim_uffd_register(t.mm, a, 4 * t.psz, PTSIM_UFFDIO_REGISTER_MODE_MINOR | WPMODE),
		0);
	assert_int_equal(ptsim_vma_info(t.mm, a, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_UFFD_MINOR);
	expect_pending(t.mm, a + 8, R);
	expect_msg(t.mm, a, PTSIM_UFFD_PAGEFAULT_FLAG_MINOR);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_continue(t.mm, a, t.psz, 0x4), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_continue(t.mm, a + 2 * t.psz, t.psz, 0), -EFAULT);
	assert_int_equal(ptsim_uffdio_continue(t.mm, a, t.psz, 0), 0);
	assert_true(mm_pte(t.mm, a).attrs.write); /* shared: writable */
	mm_ok(t.mm, 0, a, W);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_continue(t.mm, a, t.psz, 0), -EEXIST);
	/* minor-wp: continued write-protected, the write then traps as WP. */
	expect_pending(t.mm, a + t.psz, W);
	expect_msg(t.mm, a + t.psz, PTSIM_UFFD_PAGEFAULT_FLAG_MINOR | F_WRITE);
	assert_int_equal(
		ptsim_uffdio_continue(t.mm, a + t.psz, t.psz, PTSIM_UFFDIO_CONTINUE_MODE_WP), 0);
	assert_true(mm_pte(t.mm, a + t.psz).attrs.uffd_wp);
	expect_pending(t.mm, a + t.psz, W);
	expect_msg(t.mm, a + t.psz, F_WP | F_WRITE);
	/* Not cached: an ordinary fault. */
	mm_ok(t.mm, 0, a + 3 * t.psz, W);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	/* Anonymous memory: no MINOR, no CONTINUE. */
	{
		uint64_t b =
			mm_map(t.mm, BASE + 64 * t.psz, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);

		EXPECT_UNCHANGED(
			&t, ptsim_uffd_register(t.mm, b, t.psz, PTSIM_UFFDIO_REGISTER_MODE_MINOR),
			-EINVAL);
		assert_int_equal(ptsim_uffd_register(t.mm, b, t.psz, MISSING), 0);
		EXPECT_UNCHANGED(&t, ptsim_uffdio_continue(t.mm, b, t.psz, 0), -EINVAL);
	}
	mm_finish(&t);
}

/*
 * Closing the userfaultfd (userfaultfd_release()): every registration,
 * uffd-wp bit and marker of the context goes, queued messages too, and a
 * new handshake may follow.
 */
static void test_close(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info vi;
	uint64_t a, s, f = PTSIM_UFFD_FEATURE_WP_UNPOPULATED;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	s = mm_map(t.mm, BASE + 64 * t.psz, 2 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	/* Registered in part: the VMA is split. */
	assert_int_equal(ptsim_uffd_register(t.mm, a, t.psz, WPMODE), 0);
	assert_int_equal(ptsim_uffd_register(t.mm, s, 2 * t.psz, WPMODE | MISSING), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	mm_ok(t.mm, 0, a, W);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, s, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_true(pm(t.mm, s) & PTSIM_PM_UFFD_WP); /* a marker */
	expect_pending(t.mm, a, W);
	assert_u64_eq(ptsim_uffd_nr_pending(t.mm), 1);
	assert_int_equal(ptsim_uffd_close(t.mm), 0);
	expect_no_msg(t.mm);
	assert_u64_eq(ptsim_uffd_features(t.mm), 0);
	assert_false(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_false(pm(t.mm, s) & PTSIM_PM_UFFD_WP);
	assert_int_equal(ptsim_vma_info(t.mm, s, &vi), 0);
	assert_false(vi.flags & (PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MISSING));
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 2); /* merged back */
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, s, W);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	/* A new context. */
	f = 0;
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	assert_int_equal(ptsim_uffd_close(NULL), -EINVAL);
	mm_finish(&t);
}

/* The next message is event @ev over [start, end). */
static void expect_range_event(struct ptsim_mm *mm, unsigned int ev, uint64_t start, uint64_t end)
{
	struct ptsim_uffd_msg msg;

	assert_int_equal(ptsim_uffd_read(mm, &msg), 0);
	assert_int_equal(msg.event, ev);
	assert_u64_eq(msg.address, start);
	assert_u64_eq(msg.end, end);
}

/*
 * EVENT_REMOVE (userfaultfd_remove()): MADV_DONTNEED of a registered VMA,
 * one event per VMA, before the zap; EVENT_UNMAP
 * (userfaultfd_unmap_prep/complete()): one per munmap or MAP_FIXED mmap
 * over registered VMAs, for the whole range.  Unregistered ranges and a
 * context without the feature get nothing.
 */
static void test_remove_unmap_events(void **state)
{
	struct ptsim_test_env t;
	uint64_t a, f = PTSIM_UFFD_FEATURE_EVENT_REMOVE | PTSIM_UFFD_FEATURE_EVENT_UNMAP;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, a + 3 * t.psz, W);
	assert_int_equal(ptsim_madvise(t.mm, a, 4 * t.psz, PTSIM_MADV_DONTNEED), 0);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_REMOVE, a, a + 2 * t.psz);
	expect_no_msg(t.mm);
	assert_int_equal(ptsim_madvise(t.mm, a + 2 * t.psz, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	expect_no_msg(t.mm);
	/* MAP_FIXED over the registered part: an unmap event for the new mapping's range. */
	(void)mm_map(t.mm, a + t.psz, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_UNMAP, a + t.psz, a + 3 * t.psz);
	assert_int_equal(ptsim_munmap(t.mm, a, 4 * t.psz), 0);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_UNMAP, a, a + 4 * t.psz);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/* A uffd-wp marker is a missing page whose new PTE keeps the bit. */
static void test_wp_marker(void **state)
{
	struct ptsim_test_env t;
	ptsim_pte_t mk;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a + 3 * t.psz, W); /* the PTE table */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_UFFD_WP, &mk), 0);
	for (int i = 0; i < 3; i++)
		ptsim_test_install_pte(&t, a + i * t.psz, mk.val);
	/* Not registered for uffd-wp yet: the checker names the three markers. */
	{
		struct ptsim_check_report rep;

		assert_int_equal(ptsim_check(t.m, &rep), 3);
		assert_int_equal(rep.by_code[PTSIM_CHK_MARKER], 3);
	}
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, WPMODE), 0);
	/* WP only: a write installs a new uffd-wp page, then traps as WP. */
	expect_pending(t.mm, a, W);
	expect_msg(t.mm, a, F_WP | F_WRITE);
	assert_true(mm_pte(t.mm, a).attrs.uffd_wp);
	assert_true(pm(t.mm, a) & PTSIM_PM_PRESENT);
	assert_machine_clean(t.m);
	/* A read maps the zero page with the bit. */
	mm_ok(t.mm, 0, a + t.psz, R);
	assert_true(mm_pte(t.mm, a + t.psz).attrs.uffd_wp);
	/* MISSING too: the marker traps as a missing page and stays. */
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, WPMODE | MISSING), 0);
	expect_pending(t.mm, a + 2 * t.psz, R);
	expect_msg(t.mm, a + 2 * t.psz, 0);
	assert_true(pm(t.mm, a + 2 * t.psz) & PTSIM_PM_SWAP);
	/* COPY may fill a marker (pte_none_mostly()); ZEROPAGE may not. */
	EXPECT_UNCHANGED(&t, ptsim_uffdio_zeropage(t.mm, a + 2 * t.psz, t.psz), -EEXIST);
	assert_int_equal(ptsim_uffdio_copy(t.mm, a + 2 * t.psz, t.psz, 0), 0);
	mm_ok(t.mm, 0, a + 2 * t.psz, W);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/*
 * Zapping a write-protected PTE: a shmem VMA keeps the protection as a
 * uffd-wp marker (pagemap: swap + uffd-wp), which a read faults back in
 * still protected and a write traps on; an anonymous VMA drops the
 * protection and its markers (zap_install_uffd_wp_if_needed(),
 * zap_nonpresent_ptes(), mm/memory.c).  munmap drops markers everywhere.
 */
static void test_zap_keeps_wp(void **state)
{
	struct ptsim_test_env t;
	ptsim_pte_t mk;
	uint64_t a, w, nr_tables;

	ptsim_test_env_init(&t, *state, NULL);
	/* shmem */
	a = mm_map(t.mm, BASE, 2 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, a + t.psz, W);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	nr_tables = ptsim_mm_nr_tables(t.mm, PTSIM_PTE);
	assert_int_equal(ptsim_madvise(t.mm, a, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	w = pm(t.mm, a);
	assert_u64_eq(w & (PTSIM_PM_PRESENT | PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP),
		      PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
	/* The page that was not protected left nothing. */
	assert_u64_eq(pm(t.mm, a + t.psz) & PM_STATE, 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), nr_tables);
	assert_machine_clean(t.m);
	/* A read faults the cached page back in, still protected; a write traps. */
	mm_ok(t.mm, 0, a, R);
	assert_true(mm_pte(t.mm, a).attrs.uffd_wp);
	assert_false(mm_pte(t.mm, a).attrs.write);
	expect_pending(t.mm, a, W);
	expect_msg(t.mm, a, F_WP | F_WRITE);
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, t.psz, 0), 0);
	mm_ok(t.mm, 0, a, W);
	expect_no_msg(t.mm);
	/* try_to_unmap (page-cache eviction's unmap step) leaves a marker too. */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_int_equal(ptsim_try_to_unmap(t.m, mm_pte(t.mm, a).pfn), 1);
	assert_u64_eq(pm(t.mm, a) & PM_STATE, PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, t.psz, 0), 0);
	mm_ok(t.mm, 0, a, W);
	/* Protected again and zapped again, then unmapped: munmap drops the marker. */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_int_equal(ptsim_madvise(t.mm, a, t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_true(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_int_equal(ptsim_munmap(t.mm, a, 2 * t.psz), 0);
	assert_machine_clean(t.m);

	/* Anonymous: the zap drops the protection, and a uffd-wp marker too. */
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_true(pm(t.mm, a) & PTSIM_PM_UFFD_WP);
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_UFFD_WP, &mk), 0);
	ptsim_test_install_pte(&t, a + t.psz, mk.val);
	assert_true(pm(t.mm, a + t.psz) & PTSIM_PM_UFFD_WP);
	assert_int_equal(ptsim_madvise(t.mm, a, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(pm(t.mm, a) & PM_STATE, 0);
	assert_u64_eq(pm(t.mm, a + t.psz) & PM_STATE, 0);
	assert_machine_clean(t.m);
	mm_ok(t.mm, 0, a, W); /* not protected any more: no message */
	mm_ok(t.mm, 0, a + t.psz, W);
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/*
 * UFFDIO_WRITEPROTECT puts uffd-wp markers on the none PTEs of a shmem
 * range, allocating the page tables they need (counted in the page-table
 * bytes); a read of a marker faults the page in protected, a write traps;
 * unprotect and unregister remove them.  Anonymous memory gets markers
 * only with WP_UNPOPULATED.
 */
static void test_wp_markers_on_none(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *mm2;
	uint64_t a, f, span, ptes, bytes;

	ptsim_test_env_init(&t, *state, NULL);
	span = t.psz * (t.psz / 8); /* one PTE table's span */
	/* shmem, two pages in the last table's span and two in the next, nothing faulted */
	a = mm_map(t.mm, BASE + span - 2 * t.psz, 4 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	ptes = ptsim_mm_nr_tables(t.mm, PTSIM_PTE);
	bytes = ptsim_mm_pgtables_bytes(t.mm);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 4 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	/* The second span needed a PTE table (and nothing else here). */
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), ptes + 1);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), bytes + t.psz);
	assert_true(mm_pte(t.mm, a).attrs.uffd_wp); /* the present page: the bit */
	for (int i = 1; i < 4; i++)
		assert_u64_eq(pm(t.mm, a + i * t.psz) & PM_STATE, PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
	assert_machine_clean(t.m);
	/* A read maps the page still protected; a write to a marker traps as WP. */
	mm_ok(t.mm, 0, a + t.psz, R);
	assert_true(mm_pte(t.mm, a + t.psz).attrs.uffd_wp);
	expect_pending(t.mm, a + 2 * t.psz, W);
	expect_msg(t.mm, a + 2 * t.psz, F_WP | F_WRITE);
	/* Unprotect removes the bits and the markers; the tables stay. */
	assert_int_equal(ptsim_uffdio_writeprotect(t.mm, a, 4 * t.psz, 0), 0);
	assert_u64_eq(pm(t.mm, a + 3 * t.psz) & PM_STATE, 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), ptes + 1);
	mm_ok(t.mm, 0, a + 3 * t.psz, W);
	expect_no_msg(t.mm);
	/* Protect again, then unregister: every marker goes. */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 4 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_int_equal(ptsim_madvise(t.mm, a + 3 * t.psz, t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_true(pm(t.mm, a + 3 * t.psz) & PTSIM_PM_UFFD_WP);
	assert_int_equal(ptsim_uffd_unregister(t.mm, a, 4 * t.psz), 0);
	for (int i = 0; i < 4; i++)
		assert_false(pm(t.mm, a + i * t.psz) & PTSIM_PM_UFFD_WP);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, a, 4 * t.psz), 0);

	/* Anonymous without WP_UNPOPULATED: none PTEs stay none, no table. */
	a = mm_map(t.mm, BASE + 8 * span, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	ptes = ptsim_mm_nr_tables(t.mm, PTSIM_PTE);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_u64_eq(pm(t.mm, a) & PM_STATE, 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), ptes);
	mm_ok(t.mm, 0, a, W); /* nothing protected */
	expect_no_msg(t.mm);
	assert_machine_clean(t.m);

	/* With WP_UNPOPULATED: markers; a read maps the zero page protected. */
	assert_int_equal(ptsim_mm_create(t.m, &mm2), 0);
	f = PTSIM_UFFD_FEATURE_WP_UNPOPULATED;
	assert_int_equal(ptsim_uffdio_api(mm2, PTSIM_UFFD_API, &f), 0);
	a = mm_map(mm2, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(mm2, a, 2 * t.psz, WPMODE), 0);
	assert_int_equal(
		ptsim_uffdio_writeprotect(mm2, a, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP), 0);
	assert_u64_eq(ptsim_mm_nr_tables(mm2, PTSIM_PTE), 1);
	assert_u64_eq(pm(mm2, a) & PM_STATE, PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP);
	mm_ok(mm2, 0, a, R);
	assert_true(mm_pte(mm2, a).attrs.uffd_wp);
	assert_u64_eq(mm_pte(mm2, a).pfn, ptsim_zero_pfn(t.m));
	expect_pending(mm2, a + t.psz, W);
	expect_msg(mm2, a + t.psz, F_WP | F_WRITE);
	/* An anonymous zap drops the markers (the selftest's wp-unpopulated). */
	assert_int_equal(ptsim_madvise(mm2, a, 2 * t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(pm(mm2, a + t.psz) & PM_STATE, 0);
	mm_ok(mm2, 0, a + t.psz, W);
	expect_no_msg(mm2);
	assert_machine_clean(t.m);
	ptsim_mm_destroy(mm2);
	mm_finish(&t);
}

/* --- unregister -------------------------------------------------------------------------- */

static void test_register_split_unregister(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	uint64_t a, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a + psz, W);
	/* Registering the middle splits the VMA in three. */
	assert_int_equal(ptsim_uffd_register(t.mm, a + psz, 2 * psz, MISSING | WPMODE), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	assert_u64_eq(vma_at(t.mm, a + psz).start, a + psz);
	assert_u64_eq(vma_at(t.mm, a + psz).end, a + 3 * psz);
	assert_u64_eq(vma_at(t.mm, a + psz).flags & PTSIM_VM_UFFD_WP, PTSIM_VM_UFFD_WP);
	assert_u64_eq(vma_at(t.mm, a).flags & (PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MISSING), 0);
	assert_machine_clean(t.m);
	/* Registering again with the same mode changes nothing. */
	assert_int_equal(ptsim_uffd_register(t.mm, a + psz, 2 * psz, MISSING | WPMODE), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	expect_pending(t.mm, a + 2 * psz, R);
	mm_ok(t.mm, 0, a, R); /* outside the range: served as usual */
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a + psz, psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_true(pm(t.mm, a + psz) & PTSIM_PM_UFFD_WP);
	assert_machine_clean(t.m);

	/* Unregister: uffd-wp reset, flags cleared, the three VMAs merge again. */
	assert_int_equal(ptsim_uffd_unregister(t.mm, a + psz, 2 * psz), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 1);
	assert_u64_eq(vma_at(t.mm, a).flags & (PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MISSING), 0);
	assert_false(pm(t.mm, a + psz) & PTSIM_PM_UFFD_WP);
	assert_machine_clean(t.m);
	/* The message queued before stays; accesses fault normally now. */
	expect_msg(t.mm, a + 2 * psz, 0);
	r = mm_acc(t.mm, 0, a + 2 * psz, R);
	assert_false(r.userfault_pending);
	assert_int_equal(r.nr_faults, 1);
	assert_int_equal(mm_acc(t.mm, 0, a + psz, W).nr_faults, 0);
	mm_ok(t.mm, 0, a + 3 * psz, W);
	expect_no_msg(t.mm);
	/* Unregistering what is not registered is fine (holes too). */
	assert_int_equal(ptsim_uffd_unregister(t.mm, a, 8 * psz), 0);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/* --- shmem ----------------------------------------------------------------------------------- */

static void test_shmem(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info v;
	struct ptsim_file *f;
	uint64_t a, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	v = vma_at(t.mm, a);
	assert_true(v.shmem);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * psz, MISSING), 0);
	/* A missing shmem page traps; only the tables above the PTE table exist. */
	expect_pending(t.mm, a, W);
	expect_msg(t.mm, a, F_WRITE);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 0);
	assert_machine_clean(t.m);
	/* COPY puts a page into the page cache and maps it writable (shared). */
	assert_int_equal(ptsim_uffdio_copy(t.mm, a, psz, 0), 0);
	assert_u64_eq(ptsim_file_nr_cached(v.file), 1);
	assert_true(mm_pte(t.mm, a).attrs.write);
	assert_int_equal(mm_acc(t.mm, 0, a, W).nr_faults, 0);
	assert_u64_eq(mm_counters(t.mm).rss_shmem, 1);
	/* ZEROPAGE on shmem is a new zeroed page-cache page. */
	assert_int_equal(ptsim_uffdio_zeropage(t.mm, a + psz, psz), 0);
	assert_u64_eq(ptsim_file_nr_cached(v.file), 2);
	assert_true(mm_pte(t.mm, a + psz).pfn != ptsim_zero_pfn(t.m));
	assert_machine_clean(t.m);
	/* A cached page is not missing: it faults in without a message. */
	assert_int_equal(ptsim_munmap(t.mm, a, psz), 0);
	a = mm_map(t.mm, a, psz, RW, PTSIM_MAP_SHARED | PTSIM_MAP_FIXED,
		   (struct ptsim_file *)v.file, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, psz, MISSING), 0);
	mm_ok(t.mm, 0, a, R);
	expect_no_msg(t.mm);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a, psz, 0), -EEXIST);
	assert_machine_clean(t.m);

	/* A regular file cannot be registered. */
	assert_int_equal(ptsim_file_create(t.m, 4 * psz, &f), 0);
	a = mm_map(t.mm, BASE + 16 * psz, psz, RW, PTSIM_MAP_SHARED | PTSIM_MAP_FIXED, f, 0);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, psz, MISSING), -EINVAL);
	ptsim_file_close(f);
	mm_finish(&t);
}

/* --- errors ---------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_uffd_msg msg;
	uint64_t a, b, psz;

	ptsim_test_env_init(&t, *state, NULL);
	psz = t.psz;
	a = mm_map(t.mm, BASE, 4 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	b = mm_map(t.mm, BASE + 8 * psz, 2 * psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, b, W);
	assert_machine_clean(t.m);

	/* register */
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, psz, 0), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, psz, 8), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, psz, PTSIM_UFFDIO_REGISTER_MODE_MINOR),
			 -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a + 1, psz, MISSING), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, psz - 1, MISSING), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a, 0, MISSING), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a + psz, 8 * psz, MISSING), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, a + 4 * psz, psz, MISSING), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_register(t.mm, b, ~0ull - psz + 1, MISSING), -EINVAL);
	assert_int_equal(ptsim_uffd_register(NULL, a, psz, MISSING), -EINVAL);

	/* unregister */
	EXPECT_UNCHANGED(&t, ptsim_uffd_unregister(t.mm, a + 4 * psz, 4 * psz), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffd_unregister(t.mm, a, psz + 1), -EINVAL);

	/* copy / zeropage: not registered, no VMA, outside the VMA, bad modes, EEXIST */
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + psz, psz, 0), -ENOENT);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_zeropage(t.mm, a + psz, psz), -ENOENT);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * psz, MISSING), 0);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + 4 * psz, psz, 0), -ENOENT);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + 3 * psz, 2 * psz, 0), -ENOENT);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + psz, psz, PTSIM_UFFDIO_COPY_MODE_WP),
			 -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + psz, psz, 4), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a + psz + 1, psz, 0), -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_copy(t.mm, a, 4 * psz, 0), -EEXIST);

	/* writeprotect: bad mode, not registered for WP, no VMA */
	EXPECT_UNCHANGED(&t,
			 ptsim_uffdio_writeprotect(t.mm, a, psz,
						   PTSIM_UFFDIO_WRITEPROTECT_MODE_WP |
							   PTSIM_UFFDIO_WRITEPROTECT_MODE_DONTWAKE),
			 -EINVAL);
	EXPECT_UNCHANGED(&t, ptsim_uffdio_writeprotect(t.mm, a, psz, 4), -EINVAL);
	EXPECT_UNCHANGED(&t,
			 ptsim_uffdio_writeprotect(t.mm, a, psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
			 -ENOENT);
	EXPECT_UNCHANGED(&t,
			 ptsim_uffdio_writeprotect(t.mm, a + 4 * psz, psz,
						   PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
			 -ENOENT);
	assert_int_equal(ptsim_uffd_register(t.mm, b, 2 * psz, WPMODE), 0);
	EXPECT_UNCHANGED(
		&t, ptsim_uffdio_writeprotect(t.mm, a, 12 * psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		-ENOENT);

	/* read */
	EXPECT_UNCHANGED(&t, ptsim_uffd_read(t.mm, &msg), -EAGAIN);
	assert_int_equal(ptsim_uffd_read(t.mm, NULL), -EINVAL);
	assert_u64_eq(ptsim_uffd_nr_pending(NULL), 0);
	mm_finish(&t);
}

/* --- allocation-failure sweeps ------------------------------------------------------------- */

typedef int (*op_fn)(struct ptsim_test_env *t, uint64_t a);

struct sweep_call {
	op_fn op;
	uint64_t a;
};

static int sweep_call(struct ptsim_test_env *t, void *arg)
{
	struct sweep_call *c = arg;

	return c->op(t, c->a);
}

/* Fail the n-th allocation for n = 1, 2, ... until @op succeeds; each failure changes nothing. */
static unsigned int sweep(struct ptsim_test_env *t, op_fn op, uint64_t a)
{
	struct sweep_call c = {op, a};

	return ptsim_test_sweep(t, sweep_call, &c, 200);
}

static int op_register_middle(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_uffd_register(t->mm, a + t->psz, 2 * t->psz, MISSING | WPMODE);
}

static int op_unregister_middle(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_uffd_unregister(t->mm, a + 2 * t->psz, t->psz);
}

static int op_copy(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_uffdio_copy(t->mm, a, 3 * t->psz, 0);
}

static int op_zeropage(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_uffdio_zeropage(t->mm, a + 3 * t->psz, t->psz);
}

/* An access whose missing fault must allocate tables, an anon_vma and a message. */
static int op_access_missing(struct ptsim_test_env *t, uint64_t a)
{
	struct ptsim_access_result r;
	int err = ptsim_access(t->mm, 0, a, W, &r);

	if (!err)
		assert_true(r.userfault_pending);
	return err;
}

/* WP on a shmem range whose markers need a PTE table (and, at first, more). */
static int op_wp_markers(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_uffdio_writeprotect(t->mm, a, 4 * t->psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP);
}

/* A munmap that splits a registered VMA and owes an unmap event. */
static int op_munmap_event(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_munmap(t->mm, a + t->psz, t->psz);
}

/* MADV_DONTNEED over two registered VMAs: two remove events. */
static int op_dontneed_events(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_madvise(t->mm, a, 4 * t->psz, PTSIM_MADV_DONTNEED);
}

/* The events are allocated before anything changes. */
static void test_event_sweeps(void **state)
{
	struct ptsim_test_env t;
	uint64_t a, f = PTSIM_UFFD_FEATURE_EVENT_REMOVE | PTSIM_UFFD_FEATURE_EVENT_UNMAP;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a + 2 * t.psz, 2 * t.psz, MISSING), 0);
	assert_true(sweep(&t, op_dontneed_events, a) >= 2);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_REMOVE, a, a + 2 * t.psz);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_REMOVE, a + 2 * t.psz, a + 4 * t.psz);
	assert_true(sweep(&t, op_munmap_event, a) >= 2);
	expect_range_event(t.mm, PTSIM_UFFD_EVENT_UNMAP, a + t.psz, a + 2 * t.psz);
	expect_no_msg(t.mm);
	mm_finish(&t);
}

/* fork with EVENT_FORK: @a is where to put the child. */
static int op_fork_event(struct ptsim_test_env *t, uint64_t a)
{
	return ptsim_fork(t->mm, (struct ptsim_mm **)(uintptr_t)a);
}

/* A fork that fails at any allocation leaves no event and no child behind. */
static void test_fork_event_sweep(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_uffd_msg msg;
	struct ptsim_mm *child = NULL;
	uint64_t a, f = PTSIM_UFFD_FEATURE_EVENT_FORK;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_uffdio_api(t.mm, PTSIM_UFFD_API, &f), 0);
	a = mm_map(t.mm, BASE, 2 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 2 * t.psz, WPMODE), 0);
	mm_ok(t.mm, 0, a, W);
	assert_int_equal(
		ptsim_uffdio_writeprotect(t.mm, a, 2 * t.psz, PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
		0);
	assert_true(sweep(&t, op_fork_event, (uint64_t)(uintptr_t)&child) >= 2);
	assert_non_null(child);
	assert_int_equal(ptsim_uffd_read(t.mm, &msg), 0);
	assert_int_equal(msg.event, PTSIM_UFFD_EVENT_FORK);
	assert_ptr_equal(msg.child, child);
	expect_no_msg(t.mm);
	assert_true(pm(child, a + t.psz) & PTSIM_PM_UFFD_WP);
	ptsim_mm_destroy(child);
	mm_finish(&t);
}

static void test_alloc_failure_sweeps(void **state)
{
	struct ptsim_test_env t;
	uint64_t a, pmd_span;

	ptsim_test_env_init(&t, *state, NULL);
	pmd_span = t.psz * (t.psz / 8);
	/* Three pages at the end of one PTE table's span, one at the start of the next. */
	a = mm_map(t.mm, BASE + pmd_span - 3 * t.psz, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL,
		   0);
	assert_true(sweep(&t, op_register_middle, a) >= 1);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	assert_true(sweep(&t, op_unregister_middle, a) >= 1);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	assert_u64_eq(vma_at(t.mm, a + 2 * t.psz).start, a + 2 * t.psz); /* merged upwards */
	assert_u64_eq(vma_at(t.mm, a + 2 * t.psz).end, a + 4 * t.psz);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, MISSING), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 1);
	assert_true(sweep(&t, op_access_missing, a) >= 3);
	expect_msg(t.mm, a, F_WRITE);
	assert_true(sweep(&t, op_copy, a) >= 4);
	assert_u64_eq(mm_counters(t.mm).rss_anon, 3);
	assert_true(sweep(&t, op_zeropage, a) >= 2);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 2);
	mm_ok(t.mm, 0, a + 2 * t.psz, W);
	mm_ok(t.mm, 0, a + 3 * t.psz, R);
	expect_no_msg(t.mm);
	/* Markers on shmem: every table allocated before any is linked. */
	a = mm_map(t.mm, BASE + 64 * pmd_span - 2 * t.psz, 4 * t.psz, RW,
		   PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_uffd_register(t.mm, a, 4 * t.psz, WPMODE), 0);
	assert_true(sweep(&t, op_wp_markers, a) >= 2);
	assert_true(pm(t.mm, a + 3 * t.psz) & PTSIM_PM_UFFD_WP);
	mm_finish(&t);
}

/*
 * A UFFDIO_COPY that runs out of memory after populating new sections gives
 * their frame records back: host memory and initialised sections as before
 * (the snapshot compares both), for failures early, midway and at the end.
 */
static void test_copy_failure_sections(void **state)
{
	struct ptsim_test_env t;
	uint64_t va, len, sec, step;
	unsigned int failures = 0;

	ptsim_test_env_init(&t, (const char *)*state, "phys=2G");
	sec = 1ull << t.a->section_bits;
	len = (3 * sec) > (256ull << 20) ? 3 * sec : 256ull << 20;
	if (len > (1ull << 30)) { /* 64K pages: 512 MiB sections; too big for this machine */
		ptsim_test_env_fini(&t);
		skip();
	}
	assert_int_equal(ptsim_mmap(t.mm, 0, len, RW, ANP, NULL, 0, &va), 0);
	assert_int_equal(ptsim_uffd_register(t.mm, va, len, PTSIM_UFFDIO_REGISTER_MODE_MISSING), 0);
	/* Fail the copy at points spread over it (a page costs about one point) until it passes. */
	step = len / t.psz / 6;
	for (uint64_t nth = 1;; nth += step) {
		struct ptsim_test_snap snap;
		int err;

		assert_true(nth < 4 * len / t.psz);
		ptsim_test_snap_take(&t, &snap);
		ptsim_fault_inject(t.m, nth, false);
		err = ptsim_uffdio_copy(t.mm, va, len, 0);
		ptsim_fault_inject(t.m, 0, false);
		if (!err) {
			ptsim_test_snap_free(&snap);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		ptsim_test_snap_assert_same(&t, &snap);
		ptsim_test_snap_free(&snap);
		assert_machine_clean(t.m);
		failures++;
	}
	assert_true(failures >= 5);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_api_handshake),
		PTSIM_ARCH_TESTS(test_missing_copy_zeropage),
		PTSIM_ARCH_TESTS(test_copy_across_tables),
		PTSIM_ARCH_TESTS(test_wp_protect_unprotect),
		PTSIM_ARCH_TESTS(test_wp_marker),
		PTSIM_ARCH_TESTS(test_poison),
		PTSIM_ARCH_TESTS(test_wp_async),
		PTSIM_ARCH_TESTS(test_serve),
		PTSIM_ARCH_TESTS(test_minor_continue),
		PTSIM_ARCH_TESTS(test_close),
		PTSIM_ARCH_TESTS(test_remove_unmap_events),
		PTSIM_ARCH_TESTS(test_zap_keeps_wp),
		PTSIM_ARCH_TESTS(test_wp_markers_on_none),
		PTSIM_ARCH_TESTS(test_wp_fork_without_event),
		PTSIM_ARCH_TESTS(test_wp_fork_with_event),
		PTSIM_ARCH_TESTS(test_register_split_unregister),
		PTSIM_ARCH_TESTS(test_shmem),
		PTSIM_ARCH_TESTS(test_errors),
		PTSIM_ARCH_TESTS(test_alloc_failure_sweeps),
		PTSIM_ARCH_TESTS(test_fork_event_sweep),
		PTSIM_ARCH_TESTS(test_event_sweeps),
		PTSIM_ARCH_TESTS(test_copy_failure_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
