// SPDX-License-Identifier: MIT
/*
 * fault.c - one user access through the emulated MMU, and the fault
 * handler behind it (follows do_user_addr_fault()/do_page_fault(),
 * handle_mm_fault(), handle_pte_fault(), do_anonymous_page(), do_fault(),
 * do_wp_page() and do_swap_page(), mm/memory.c).
 *
 * Each fault prepares everything it may need - page tables down to the PTE
 * table (besides fork and UFFDIO_COPY/ZEROPAGE, the only place tables are
 * allocated), the folio, a
 * page-cache slot, the VMA's anon_vma - and only then writes entries, so a
 * fault that runs out of memory returns VM_FAULT_OOM with nothing changed.
 *
 * TLB maintenance follows the kernel: a permission upgrade in place
 * (ptep_set_access_flags()) needs no flush on x86 - the MMU dropped the
 * faulting CPU's stale entry when it raised the fault - and a page flush on
 * arm64 when it makes the entry writable/dirty; replacing the page of a
 * present entry (copy-on-write) is ptep_clear_flush() then set, which is
 * also arm64's break-before-make.
 *
 * userfaultfd (handle_userfault(), ptsim/uffd.h): a missing fault in a
 * VM_UFFD_MISSING VMA and a write to a uffd-wp PTE in a VM_UFFD_WP VMA
 * queue a message and return VM_FAULT_RETRY with nothing mapped; a uffd-wp
 * marker is a missing page whose new PTE keeps the uffd-wp bit, or, in a
 * VMA no longer uffd-wp, is cleared and the access retried
 * (pte_marker_clear()).
 *
 * Transparent huge pages: a none PMD in a THP-eligible range first tries the
 * THP fault (huge_memory.c); a write to a read-only huge PMD reuses it or
 * splits it and falls back to a small copy-on-write (wp_huge_pmd()).
 *
 * Not modelled: fault-around (one page per fault), swap-in (a swap entry
 * gives SIGBUS), userfaultfd MINOR mode.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

#define MAX_RETRIES 8

static const struct {
	unsigned int bit;
	const char *name;
} fault_names[] = {
#define X(name, val) {val, #name},
	PTSIM_VM_FAULT_CODES(X)
#undef X
};

const char *ptsim_vm_fault_name(unsigned int bit)
{
	for (size_t i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (fault_names[i].bit == bit)
			return fault_names[i].name;
	return "?";
}

/* --- prepared page tables down to the PTE table -------------------------------- */

/* __pte_alloc() and friends, in two halves (src/pgtable: ptsim__path_prepare()). */
struct pte_prep {
	struct ptsim_path_prep path;
};

static void pte_discard(struct ptsim_mm_state *st, struct pte_prep *p)
{
	ptsim__path_discard(st->pt, &p->path);
}

/*
 * Allocation half: every missing table above @va's PTE, and the PTE table
 * itself unless @upper_only (pmd_alloc() as __handle_mm_fault() does before
 * a file fault).
 */
static int tables_prepare(struct ptsim_mm_state *st, uint64_t va, bool upper_only,
			  struct pte_prep *p)
{
	return ptsim__path_prepare(st->pt, va, upper_only ? PTSIM_PMD : PTSIM_PTE, &p->path);
}

static int pte_prepare(struct ptsim_mm_state *st, uint64_t va, struct pte_prep *p)
{
	return tables_prepare(st, va, false, p);
}

/* Commit half of tables_prepare(..., true, ...): link the upper tables only. */
static void upper_commit(struct ptsim_mm_state *st, uint64_t va, struct pte_prep *p)
{
	struct ptsim_slot s;

	ptsim__path_commit(st->pt, va, PTSIM_PMD, &p->path, &s);
}

/* Commit half: link the prepared tables, return the PTE slot of @va. */
static void pte_commit(struct ptsim_mm_state *st, uint64_t va, struct pte_prep *p,
		       struct ptsim_slot *s)
{
	ptsim__path_commit(st->pt, va, PTSIM_PTE, &p->path, s);
}

/* anon_vma_prepare(), allocation half. */
static int anon_vma_prepare(struct ptsim_mm_state *st, struct ptsim_vma *vma,
			    struct ptsim_anon_vma **av)
{
	*av = NULL;
	if (vma->anon_vma)
		return 0;
	*av = ptsim__anon_vma_alloc(st->ctx);
	return *av ? 0 : -ENOMEM;
}

static void set_access_flags(struct ptsim_mm_state *st, const struct ptsim_slot *s, uint64_t va,
			     uint64_t entry, bool dirty)
{
	const struct ptsim_arch *a = st->ctx->arch;

	if (*s->p == entry)
		return;
	ptsim__set_entry(st->pt, s, entry);
	/* arm64 __ptep_set_access_flags(): invalidate a stale read-only entry. */
	if (dirty && (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES))
		ptsim__flush_tlb_page(st->ctx->tlbs, st->tlb_mm, va);
}

static uint64_t mk_pte(const struct ptsim_arch *a, uint64_t pfn, uint64_t prot)
{
	return a->ops->mk_leaf(a, PTSIM_PTE, pfn, prot);
}

/* maybe_mkwrite(pte_mkdirty(entry)). */
static uint64_t mkdirty_maybe_write(const struct ptsim_arch *a, const struct ptsim_vma *vma,
				    uint64_t e)
{
	e = a->ops->mkdirty(a, PTSIM_PTE, e);
	if (vma->vm_flags & PTSIM_VM_WRITE)
		e = a->ops->mkwrite(a, PTSIM_PTE, e);
	return e;
}

/* --- anonymous memory ------------------------------------------------------------ */

/*
 * handle_userfault(VM_UFFD_MISSING) after the fault prepared tables @p:
 * the tables stay (the kernel allocated them before asking user space),
 * nothing is mapped.  @upper: @p holds the upper tables only.
 */
static ptsim_vm_fault_t missing_userfault(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  uint64_t va, uint64_t flags, bool anon_alloc,
					  struct pte_prep *p, bool upper, bool *userfault)
{
	struct ptsim_anon_vma *av = NULL;
	struct ptsim_uffd_node *n;
	struct ptsim_slot s;

	n = ptsim__uffd_msg_alloc(st);
	if (!n) {
		pte_discard(st, p);
		return PTSIM_VM_FAULT_OOM;
	}
	/*
	 * A private page about to be allocated (do_anonymous_page(), do_cow_fault()):
	 * vmf_anon_prepare() ran first, so the VMA keeps its new anon_vma.
	 * (Allocated last: an anon_vma id is never handed out and dropped.)
	 */
	if (anon_alloc && !(vma->vm_flags & PTSIM_VM_SHARED) && anon_vma_prepare(st, vma, &av)) {
		ptsim__free(st->ctx->host, n, sizeof(*n));
		pte_discard(st, p);
		return PTSIM_VM_FAULT_OOM;
	}
	if (av)
		ptsim__anon_vma_link(av, vma);
	if (upper)
		upper_commit(st, va, p);
	else
		pte_commit(st, va, p, &s);
	ptsim__uffd_msg_queue(st, n, va, flags);
	*userfault = true;
	return PTSIM_VM_FAULT_RETRY;
}

ptsim_vm_fault_t ptsim__missing_userfault_upper(struct ptsim_mm_state *st, struct ptsim_vma *vma,
						uint64_t va, bool write,
						struct ptsim_path_prep *path, bool *userfault)
{
	struct pte_prep p = {.path = *path};

	return missing_userfault(st, vma, va, write ? PTSIM_UFFD_PAGEFAULT_FLAG_WRITE : 0, write,
				 &p, true, userfault);
}

/*
 * @uffd_wp: the entry replaced was a uffd-wp marker, so the new PTE gets
 * the uffd-wp bit (vmf_orig_pte_uffd_wp()).
 */
static ptsim_vm_fault_t do_anonymous_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  uint64_t va, bool write, bool uffd_wp, bool *userfault)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_anon_vma *av;
	struct pte_prep p;
	struct ptsim_slot s;
	uint64_t pfn, e;

	if (pte_prepare(st, va, &p))
		return PTSIM_VM_FAULT_OOM;
	/* Without the zero page (the zero_page knob off), a read allocates like a write. */
	if (!write && ctx->cfg->zero_page) {
		if (vma->vm_flags & PTSIM_VM_UFFD_MISSING)
			return missing_userfault(st, vma, va, 0, false, &p, false, userfault);
		/* Map the shared zero page, read-only and special (not counted). */
		pte_commit(st, va, &p, &s);
		e = a->ops->mkspecial(a, PTSIM_PTE,
				      mk_pte(a, ctx->mem->zero_pfn, vma->vm_page_prot));
		if (uffd_wp)
			e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
		ptsim__set_entry(st->pt, &s, e);
		st->cnt.zero_page++;
		return 0;
	}
	if (vma->vm_flags & PTSIM_VM_UFFD_MISSING)
		return missing_userfault(st, vma, va, write ? PTSIM_UFFD_PAGEFAULT_FLAG_WRITE : 0,
					 true, &p, false, userfault);
	if (ptsim__folio_alloc(ctx->mem, 0, &pfn)) {
		pte_discard(st, &p);
		return PTSIM_VM_FAULT_OOM;
	}
	if (anon_vma_prepare(st, vma, &av)) {
		(void)ptsim__folio_put(ctx->mem, pfn);
		pte_discard(st, &p);
		return PTSIM_VM_FAULT_OOM;
	}
	if (av)
		ptsim__anon_vma_link(av, vma);
	pte_commit(st, va, &p, &s);
	ptsim__folio_add_new_anon_rmap(st, pfn, vma, va);
	ptsim__rss_add(st, PTSIM_RSS_ANON, 1);
	e = mk_pte(a, pfn, vma->vm_page_prot);
	if (vma->vm_flags & PTSIM_VM_WRITE)
		e = a->ops->mkwrite(a, PTSIM_PTE, a->ops->mkdirty(a, PTSIM_PTE, e));
	if (uffd_wp)
		e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
	ptsim__set_entry(st->pt, &s, e);
	st->cnt.anon_fault++;
	return 0;
}

/* --- file memory ---------------------------------------------------------------------- */

static ptsim_vm_fault_t do_fault(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t va,
				 bool write, bool uffd_wp, bool *userfault)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_file *f = vma->vm_file;
	uint64_t psz = ptsim__page_size(a);
	uint64_t index = ptsim__linear_page_index(a, vma, va);
	bool cow = write && !(vma->vm_flags & PTSIM_VM_SHARED);
	struct ptsim_pcache_prep pc = {0};
	struct ptsim_anon_vma *av = NULL;
	uint64_t pfn, newpfn = 0, e;
	struct pte_prep p;
	struct ptsim_slot s;
	bool cached, major;

	/* filemap_fault(): beyond the end of the file is SIGBUS. */
	if (index >= (f->size + psz - 1) / psz)
		return PTSIM_VM_FAULT_SIGBUS;
	cached = ptsim__pcache_lookup(f, index, &pfn);
	major = !cached && !f->shmem; /* the data had to be read from "disk" */
	if (!cached && (vma->vm_flags & PTSIM_VM_UFFD_MISSING)) {
		/* shmem_get_folio_gfp(): not cached -> user space; pmd_alloc() ran, no PTE table.
		 */
		if (tables_prepare(st, va, true, &p))
			return PTSIM_VM_FAULT_OOM;
		return missing_userfault(st, vma, va, write ? PTSIM_UFFD_PAGEFAULT_FLAG_WRITE : 0,
					 write, &p, true, userfault);
	}
	if (cached && (vma->vm_flags & PTSIM_VM_UFFD_MINOR)) {
		/*
		 * shmem_get_folio_gfp(): the page is cached, but a MINOR VMA
		 * asks user space first (it will UFFDIO_CONTINUE it).
		 */
		if (tables_prepare(st, va, true, &p))
			return PTSIM_VM_FAULT_OOM;
		return missing_userfault(st, vma, va,
					 PTSIM_UFFD_PAGEFAULT_FLAG_MINOR |
						 (write ? PTSIM_UFFD_PAGEFAULT_FLAG_WRITE : 0),
					 false, &p, true, userfault);
	}
	if (pte_prepare(st, va, &p))
		return PTSIM_VM_FAULT_OOM;
	if (!cached && ptsim__pcache_prepare(f, &pc))
		goto err_tables;
	if (cow) {
		if (ptsim__folio_alloc(ctx->mem, 0, &newpfn))
			goto err_pcache;
		if (anon_vma_prepare(st, vma, &av)) {
			(void)ptsim__folio_put(ctx->mem, newpfn);
			goto err_pcache;
		}
	}

	/* Commit. */
	if (!cached) {
		ptsim__pcache_commit(f, index, &pc);
		pfn = pc.pfn;
	}
	pte_commit(st, va, &p, &s);
	if (cow) {
		/* do_cow_fault(): a private copy of the cache page, mapped writable. */
		if (av)
			ptsim__anon_vma_link(av, vma);
		ptsim__folio_add_new_anon_rmap(st, newpfn, vma, va);
		ptsim__rss_add(st, PTSIM_RSS_ANON, 1);
		e = mkdirty_maybe_write(a, vma, mk_pte(a, newpfn, vma->vm_page_prot));
		if (uffd_wp)
			e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
		ptsim__set_entry(st->pt, &s, e);
		st->cnt.cow++;
	} else {
		/* do_read_fault() / do_shared_fault(): map the cache folio itself. */
		ptsim__folio_get(ctx->mem, pfn);
		ptsim__folio_add_rmap(ctx, pfn, 1, PTSIM_PTE);
		ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, pfn), 1);
		e = mk_pte(a, pfn, vma->vm_page_prot);
		if (write) {
			e = mkdirty_maybe_write(a, vma, e);
			ptsim__page_set_flag(ctx->mem, pfn, PTSIM_PG_dirty);
		}
		if (uffd_wp)
			e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
		ptsim__set_entry(st->pt, &s, e);
		st->cnt.file_fault++;
	}
	return major ? PTSIM_VM_FAULT_MAJOR : 0;

err_pcache:
	ptsim__pcache_discard(f, &pc);
err_tables:
	pte_discard(st, &p);
	return PTSIM_VM_FAULT_OOM;
}

/* --- write-protect faults ----------------------------------------------------------- */

/* wp_page_reuse(): make the present entry writable and dirty in place. */
static ptsim_vm_fault_t wp_page_reuse(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				      const struct ptsim_slot *s, uint64_t va, uint64_t e)
{
	const struct ptsim_arch *a = st->ctx->arch;

	e = a->ops->mkyoung(a, PTSIM_PTE, e);
	e = mkdirty_maybe_write(a, vma, e);
	set_access_flags(st, s, va, e, true);
	st->cnt.wp_reuse++;
	return 0;
}

/* wp_page_copy(): a new anonymous page replaces the one mapped (or the zero page). */
static ptsim_vm_fault_t wp_page_copy(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				     struct ptsim_slot *s, uint64_t va, uint64_t e)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_anon_vma *av;
	uint64_t newpfn, old;
	bool has_old = ptsim__vm_normal_page(ctx, PTSIM_PTE, e, &old);

	if (ptsim__folio_alloc(ctx->mem, 0, &newpfn))
		return PTSIM_VM_FAULT_OOM;
	if (anon_vma_prepare(st, vma, &av)) {
		(void)ptsim__folio_put(ctx->mem, newpfn);
		return PTSIM_VM_FAULT_OOM;
	}
	if (av)
		ptsim__anon_vma_link(av, vma);
	/* ptep_clear_flush(), then the new entry: break-before-make on arm64. */
	ptsim__get_and_clear(st->pt, s);
	ptsim__flush_tlb_page(ctx->tlbs, st->tlb_mm, va);
	ptsim__folio_add_new_anon_rmap(st, newpfn, vma, va);
	ptsim__rss_add(st, PTSIM_RSS_ANON, 1);
	ptsim__set_entry(st->pt, s,
			 mkdirty_maybe_write(a, vma, mk_pte(a, newpfn, vma->vm_page_prot)));
	if (has_old) {
		ptsim__folio_remove_rmap(ctx, old, 1, PTSIM_PTE);
		ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, old), -1);
		(void)ptsim__folio_put(ctx->mem, old); /* the old mapping's reference */
	}
	st->cnt.cow++;
	return 0;
}

static ptsim_vm_fault_t do_wp_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				   struct ptsim_slot *s, uint64_t va, uint64_t e)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	uint64_t page;
	bool normal = ptsim__vm_normal_page(ctx, PTSIM_PTE, e, &page);

	if (vma->vm_flags & PTSIM_VM_SHARED) {
		/* wp_page_shared(): page_mkwrite, mark the folio dirty, reuse. */
		if (normal)
			ptsim__page_set_flag(ctx->mem, page, PTSIM_PG_dirty);
		return wp_page_reuse(st, vma, s, va, e);
	}
	if (normal && ptsim__folio_anon(ctx, page)) {
		uint64_t head = ptsim__folio_head(ctx->mem, page);

		if (ptsim__page_test_flag(ctx->mem, page, PTSIM_PG_anon_exclusive))
			return wp_page_reuse(st, vma, s, va, e);
		/* wp_can_reuse_anon_folio(): a small folio nobody else references. */
		if (!ptsim__folio_order(ctx->mem, head) && ptsim__frame(ctx, head)->refcount == 1) {
			ptsim__folio_move_anon_rmap(ctx, head, vma);
			ptsim__page_set_flag(ctx->mem, page, PTSIM_PG_anon_exclusive);
			return wp_page_reuse(st, vma, s, va, e);
		}
	}
	return wp_page_copy(st, vma, s, va, e);
}

/* --- non-present entries ----------------------------------------------------------------- */

/* do_pte_missing(). */
static ptsim_vm_fault_t do_pte_missing(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				       uint64_t va, bool write, bool uffd_wp, bool *userfault)
{
	return vma->vm_file ? do_fault(st, vma, va, write, uffd_wp, userfault)
			    : do_anonymous_page(st, vma, va, write, uffd_wp, userfault);
}

static ptsim_vm_fault_t do_swap_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				     struct ptsim_slot *s, uint64_t va, unsigned int access,
				     bool *userfault)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = *s->p;
	unsigned int type;

	if (!a->ops->swp(a, PTSIM_PTE, e))
		return PTSIM_VM_FAULT_SIGBUS;
	type = a->ops->swp_type(a, PTSIM_PTE, e);
	if (ptsim__swp_code_type(a, type) == PTSIM_SOFTLEAF_MARKER) {
		/* handle_pte_marker(). */
		uint64_t bits = a->ops->swp_offset(a, PTSIM_PTE, e);

		if (bits & PTSIM_PTE_MARKER_POISONED)
			return PTSIM_VM_FAULT_HWPOISON;
		if (bits & PTSIM_PTE_MARKER_GUARD)
			return PTSIM_VM_FAULT_SIGSEGV;
		if (!(bits & PTSIM_PTE_MARKER_UFFD_WP))
			return PTSIM_VM_FAULT_SIGBUS; /* an empty marker: WARN + SIGBUS */
		if (!(vma->vm_flags & PTSIM_VM_UFFD_WP)) {
			/* pte_marker_clear(): lazy cleanup after unregister; the access retries. */
			ptsim__get_and_clear(st->pt, s);
			return 0;
		}
		/* pte_marker_handle_uffd_wp(): a missing page; the new PTE keeps uffd-wp. */
		return do_pte_missing(st, vma, va, access & PTSIM_ACCESS_WRITE, true, userfault);
	}
	if (ptsim__swp_code_type(a, type) == PTSIM_SOFTLEAF_HWPOISON)
		return PTSIM_VM_FAULT_HWPOISON;
	return PTSIM_VM_FAULT_SIGBUS; /* no swap device, no migration in this model */
}

/* --- handle_mm_fault ------------------------------------------------------------------------ */

/* userfaultfd_wp_async(): the context resolves write-protect faults itself. */
static bool wp_async(const struct ptsim_mm_state *st)
{
	return st->uffd.features & PTSIM_UFFD_FEATURE_WP_ASYNC;
}

/* compat.uffd_wp_2018: every read-only PTE of a VM_UFFD_WP VMA is write-protected. */
static bool wp_2018(const struct ptsim_mm_state *st)
{
	return st->ctx->cfg->compat_uffd_wp_2018;
}

/* handle_userfault(VM_UFFD_WP) for a write to a uffd-wp entry (userfaultfd_pte_wp()). */
static ptsim_vm_fault_t wp_userfault(struct ptsim_mm_state *st, uint64_t va, bool *userfault)
{
	struct ptsim_uffd_node *n = ptsim__uffd_msg_alloc(st);

	if (!n)
		return PTSIM_VM_FAULT_OOM;
	ptsim__uffd_msg_queue(st, n, va,
			      PTSIM_UFFD_PAGEFAULT_FLAG_WP | PTSIM_UFFD_PAGEFAULT_FLAG_WRITE);
	*userfault = true;
	return PTSIM_VM_FAULT_RETRY;
}

static ptsim_vm_fault_t handle_fault(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t va,
				     unsigned int access, bool *userfault)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	bool write = access & PTSIM_ACCESS_WRITE;
	ptsim_vm_fault_t ret;
	struct ptsim_slot s;
	uint64_t e, entry;

	/* __handle_mm_fault(): hugetlb VMAs go to hugetlb_fault(). */
	if (vma->vm_flags & PTSIM_VM_HUGETLB)
		return ptsim__hugetlb_fault(st, vma, va, write);
	if (ptsim__walk_to(st->pt, va, PTSIM_PTE, &s))
		return PTSIM_VM_FAULT_SIGBUS;
	s.addr = va;
	e = *s.p;
	/* __handle_mm_fault(): a none PMD in a THP range tries create_huge_pmd() first. */
	if (s.lvl <= PTSIM_PMD && a->ops->none(a, s.lvl, e) && ptsim__thp_vma_allowable(ctx, vma)) {
		ret = ptsim__do_huge_pmd_anonymous_page(st, vma, va, write, userfault);
		if (!(ret & PTSIM_VM_FAULT_FALLBACK))
			return ret;
	}
	if (s.lvl < PTSIM_PTE && !a->ops->none(a, s.lvl, e)) {
		/* A huge leaf (or an entry the model does not fault on at this level). */
		if (!a->leaf_ok[s.lvl] || !a->ops->leaf(a, s.lvl, e))
			return PTSIM_VM_FAULT_SIGBUS;
		if (write && !a->ops->write(a, s.lvl, e)) {
			/* wp_huge_pmd(): user space first, then reuse or split and CoW small. */
			if ((vma->vm_flags & PTSIM_VM_UFFD_WP) &&
			    (a->ops->uffd_wp(a, s.lvl, e) || wp_2018(st))) {
				if (!wp_async(st))
					return wp_userfault(st, va, userfault);
				/* WP_ASYNC: split, and resolve on the small page below. */
				if (!ptsim__pmd_is_thp(ctx, vma, s.lvl, e))
					return PTSIM_VM_FAULT_SIGBUS;
				ptsim__split_huge_pmd_locked(st, vma, &s, false);
				ret = PTSIM_VM_FAULT_FALLBACK;
			} else {
				if (!ptsim__pmd_is_thp(ctx, vma, s.lvl, e))
					return PTSIM_VM_FAULT_SIGBUS;
				ret = ptsim__do_huge_pmd_wp_page(st, vma, &s, va);
			}
			if (!(ret & PTSIM_VM_FAULT_FALLBACK))
				return ret;
			/* The PMD is a table now: handle_pte_fault() on the small page. */
			ptsim__walk_to(st->pt, va, PTSIM_PTE, &s);
			s.addr = va;
			e = *s.p;
		} else {
			/* huge_pmd_set_accessed() */
			entry = a->ops->mkyoung(a, s.lvl, e);
			if (write)
				entry = a->ops->mkdirty(a, s.lvl, entry);
			if (entry == e) {
				st->cnt.spurious++;
				return 0;
			}
			ptsim__set_entry(st->pt, &s, entry);
			/* pmdp_set_access_flags(): arm64's is __ptep_set_access_flags() again. */
			if (write && (a->caps & PTSIM_ARCH_CAP_SET_ACCESS_FLAGS_FLUSHES))
				ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, va, va,
						       a->shift[s.lvl], true);
			st->cnt.fixup++;
			return 0;
		}
	}
	if (s.lvl < PTSIM_PTE || a->ops->none(a, PTSIM_PTE, e))
		return do_pte_missing(st, vma, va, write, false, userfault);
	if (!a->ops->present(a, PTSIM_PTE, e))
		return do_swap_page(st, vma, &s, va, access, userfault);
	if (write && !a->ops->write(a, PTSIM_PTE, e)) {
		/* do_wp_page(): userfaultfd_pte_wp() goes to user space first. */
		if ((vma->vm_flags & PTSIM_VM_UFFD_WP) &&
		    (a->ops->uffd_wp(a, PTSIM_PTE, e) || wp_2018(st))) {
			if (!wp_async(st))
				return wp_userfault(st, va, userfault);
			/*
			 * WP_ASYNC: the kernel drops the bit itself (no flush: it
			 * is invisible to the MMU) and goes on with the write.
			 */
			e = a->ops->clear_uffd_wp(a, PTSIM_PTE, e);
			ptsim__set_entry(st->pt, &s, e);
		}
		return do_wp_page(st, vma, &s, va, e);
	}
	/* handle_pte_fault() tail: access-flag / dirty-bit fix-up, or nothing to do. */
	entry = a->ops->mkyoung(a, PTSIM_PTE, e);
	if (write)
		entry = a->ops->mkdirty(a, PTSIM_PTE, entry);
	if (entry == e) {
		st->cnt.spurious++; /* flush_tlb_fix_spurious_fault(): empty on both */
		return 0;
	}
	set_access_flags(st, &s, va, entry, write);
	st->cnt.fixup++;
	return 0;
}

/* access_error(): does the VMA allow this kind of access at all? */
static bool access_error(const struct ptsim_arch *a, const struct ptsim_vma *vma,
			 unsigned int access)
{
	uint64_t f = vma->vm_flags;
	uint64_t readable = PTSIM_VM_READ | PTSIM_VM_WRITE;

	if (access & PTSIM_ACCESS_WRITE)
		return !(f & PTSIM_VM_WRITE);
	if (access & PTSIM_ACCESS_EXEC)
		return !(f & PTSIM_VM_EXEC);
	/* A read: x86 vma_is_accessible(); arm64 exec-only memory is not readable. */
	if (a->caps & PTSIM_ARCH_CAP_EXEC_IMPLIES_READ)
		readable |= PTSIM_VM_EXEC;
	return !(f & readable);
}

static void set_signal(struct ptsim_mm_state *st, struct ptsim_access_result *res, int sig,
		       int code, uint64_t va, unsigned int lsb)
{
	res->signal = sig;
	res->si_code = code;
	res->fault_addr = va;
	res->fault_addr_lsb = lsb;
	if (sig == PTSIM_SIGSEGV)
		st->cnt.sigsegv++;
	else
		st->cnt.sigbus++;
}

/* Shift of the hstate the HINDEX bits of @fault name. */
static unsigned int hindex_shift(const struct ptsim_arch *a, ptsim_vm_fault_t fault)
{
	unsigned int idx = (fault & PTSIM_VM_FAULT_HINDEX_MASK) >> 16;
	uint64_t size = idx < a->nr_hugetlb_sizes ? a->hugetlb_sizes[idx] : 0;
	unsigned int shift = a->page_shift;

	while (size > (1ull << shift))
		shift++;
	return shift;
}

/*
 * do_user_addr_fault() around the MMU: access, fault, retry.  The first
 * access was made by the caller (its outcome in @err and @mr): an access
 * that completes at once - every TLB hit - never enters this function.
 */
static __attribute__((noinline)) int access_loop(struct ptsim_mm_state *st, unsigned int cpu,
						 uint64_t va, unsigned int access,
						 struct ptsim_access_result *res, int err,
						 struct ptsim_mmu_result *mr0)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	struct ptsim_mmu_result mr = *mr0;

	for (int tries = 0;;
	     err = ptsim__mmu_access(ctx->tlbs, st->pt, &ctx->mmu, cpu, va, access, true, &mr)) {
		struct ptsim_vma *vma;
		ptsim_vm_fault_t fault;
		bool userfault = false;
		const char *op;

		if (err)
			return ptsim__seterr(ctx->host, err, "access: cpu %u, access 0x%x refused",
					     cpu, access);
		if (mr.fault == PTSIM_MMU_OK) {
			res->pa = mr.pa;
			return 0;
		}
		if (mr.fault == PTSIM_MMU_NONCANONICAL) {
			set_signal(st, res, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR, va, 0);
			return 0;
		}
		/* do_user_addr_fault(): find the VMA, check the access against it. */
		vma = ptsim__find_vma(&st->vmas, va);
		if (!vma || vma->vm_start > va) {
			set_signal(st, res, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR, va, 0);
			return 0;
		}
		if (access_error(a, vma, access)) {
			set_signal(st, res, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR, va, 0);
			return 0;
		}
		op = ptsim__tlb_set_op(ctx->tlbs, "page fault");
		st->cnt.pgfault++;
		ptsim__count_vm_event(ctx->host, PTSIM_VM_PGFAULT);
		fault = handle_fault(st, vma, va, access, &userfault);
		ptsim__tlb_restore_op(ctx->tlbs, op);
		res->fault = fault;
		res->nr_faults++;
		if (userfault) {
			res->userfault_pending = true;
			return 0;
		}
		if (fault & PTSIM_VM_FAULT_OOM)
			return ptsim__seterr(ctx->host, -ENOMEM,
					     "access: out of memory handling a fault at 0x%llx",
					     (unsigned long long)va);
		if (fault & (PTSIM_VM_FAULT_HWPOISON | PTSIM_VM_FAULT_HWPOISON_LARGE)) {
			set_signal(st, res, PTSIM_SIGBUS, PTSIM_BUS_MCEERR_AR, va,
				   fault & PTSIM_VM_FAULT_HWPOISON ? a->page_shift
								   : hindex_shift(a, fault));
			return 0;
		}
		if (fault & PTSIM_VM_FAULT_SIGSEGV) {
			set_signal(st, res, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR, va, 0);
			return 0;
		}
		if (fault & (PTSIM_VM_FAULT_SIGBUS | PTSIM_VM_FAULT_FALLBACK)) {
			set_signal(st, res, PTSIM_SIGBUS, PTSIM_BUS_ADRERR, va, 0);
			return 0;
		}
		/* mm_account_fault(). */
		if (fault & PTSIM_VM_FAULT_MAJOR) {
			st->cnt.maj_flt++;
			ptsim__count_vm_event(ctx->host, PTSIM_VM_PGMAJFAULT);
		} else
			st->cnt.min_flt++;
		if (++tries == MAX_RETRIES)
			break;
		ptsim__tlb_mm_activate(st->tlb_mm, cpu);
	}
	return ptsim__seterr(ctx->host, -ELOOP, "access: no progress at 0x%llx after %d faults",
			     (unsigned long long)va, MAX_RETRIES);
}

int ptsim__access(struct ptsim_mm_state *st, unsigned int cpu, uint64_t va, unsigned int access,
		  struct ptsim_access_result *res)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	bool first_use = !ptsim__tlb_cpu_allocated(ctx->tlbs, cpu);
	struct ptsim_mmu_result mr;
	int ret;

	*res = (struct ptsim_access_result){0};
	/* The first try, inline: a TLB hit (or any access that does not fault) ends here. */
	ptsim__tlb_mm_activate(st->tlb_mm, cpu);
	ret = ptsim__mmu_access(ctx->tlbs, st->pt, &ctx->mmu, cpu, va, access, true, &mr);
	if (!ret && mr.fault == PTSIM_MMU_OK) {
		res->pa = mr.pa;
		return 0;
	}
	ret = access_loop(st, cpu, va, access, res, ret, &mr);
	/*
	 * The first use of a CPU allocates its TLB storage (the walk may cache
	 * table entries before the fault handler fails): a failed access gives
	 * it back, so the failure leaves host memory as it was.
	 */
	if (ret && first_use)
		ptsim__tlb_cpu_release(ctx->tlbs, cpu);
	return ret;
}
