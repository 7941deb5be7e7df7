// SPDX-License-Identifier: MIT
/*
 * uffd.c - userfaultfd: registration (follows userfaultfd_register() and
 * userfaultfd_unregister(), fs/userfaultfd.c), the message queue
 * (handle_userfault(), userfaultfd_read()), and the resolution ioctls
 * UFFDIO_COPY / UFFDIO_ZEROPAGE (mfill_atomic(), mfill_atomic_install_pte(),
 * shmem_mfill_atomic_pte()) and UFFDIO_WRITEPROTECT (mwriteprotect_range(),
 * uffd_wp_range(), mm/userfaultfd.c).  The public contract is in
 * include/ptsim/uffd.h.
 *
 * One context per address space: the VMA flags VM_UFFD_MISSING / VM_UFFD_WP
 * say what is registered, st->uffd holds the messages.  Every call checks
 * everything, then allocates everything (VMA structs for splits, page
 * tables, folios, page-cache slots, an anon_vma), then commits in a phase
 * that cannot fail.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

#define UFFD_FLAGS (PTSIM_VM_UFFD_MISSING | PTSIM_VM_UFFD_WP | PTSIM_VM_UFFD_MINOR)

/* --- messages --------------------------------------------------------------------- */

struct ptsim_uffd_node *ptsim__uffd_msg_alloc(struct ptsim_mm_state *st)
{
	return ptsim__zalloc(st->ctx->host, sizeof(struct ptsim_uffd_node));
}

/* Append @n, carrying @msg, to the queue (oldest first). */
static void enqueue(struct ptsim_mm_state *st, struct ptsim_uffd_node *n,
		    const struct ptsim_uffd_msg *msg)
{
	n->msg = *msg;
	n->next = NULL;
	if (st->uffd.tail)
		st->uffd.tail->next = n;
	else
		st->uffd.head = n;
	st->uffd.tail = n;
	st->uffd.nr++;
}

void ptsim__uffd_msg_queue(struct ptsim_mm_state *st, struct ptsim_uffd_node *n, uint64_t va,
			   uint64_t flags)
{
	uint64_t psz = ptsim__page_size(st->ctx->arch);
	/* userfault_msg(): rounded down unless UFFD_FEATURE_EXACT_ADDRESS. */
	struct ptsim_uffd_msg msg = {
		.event = PTSIM_UFFD_EVENT_PAGEFAULT,
		.flags = flags,
		.address =
			st->uffd.features & PTSIM_UFFD_FEATURE_EXACT_ADDRESS ? va : va & ~(psz - 1),
	};

	enqueue(st, n, &msg);
}

void ptsim__uffd_queue_range(struct ptsim_mm_state *st, struct ptsim_uffd_node *n,
			     unsigned int event, uint64_t start, uint64_t end)
{
	struct ptsim_uffd_msg msg = {.event = event, .address = start, .end = end};

	enqueue(st, n, &msg);
}

void ptsim__uffd_queue_fork(struct ptsim_mm_state *st, struct ptsim_uffd_node *n,
			    struct ptsim_mm *child)
{
	struct ptsim_uffd_msg msg = {.event = PTSIM_UFFD_EVENT_FORK, .child = child};

	enqueue(st, n, &msg);
}

bool ptsim__uffd_wants_event(const struct ptsim_mm_state *st, uint64_t feature, uint64_t start,
			     uint64_t end)
{
	if (!(st->uffd.features & feature))
		return false;
	for (struct ptsim_vma *v = ptsim__find_vma(&st->vmas, start); v && v->vm_start < end;
	     v = ptsim__vma_next(v))
		if (v->vm_flags & UFFD_FLAGS)
			return true;
	return false;
}

int ptsim__uffd_read(struct ptsim_mm_state *st, struct ptsim_uffd_msg *msg)
{
	struct ptsim_uffd_node *n = st->uffd.head;

	if (!n)
		return -EAGAIN;
	*msg = n->msg;
	st->uffd.head = n->next;
	if (!st->uffd.head)
		st->uffd.tail = NULL;
	st->uffd.nr--;
	ptsim__free(st->ctx->host, n, sizeof(*n));
	return 0;
}

void ptsim__uffd_release(struct ptsim_mm_state *st)
{
	struct ptsim_uffd_msg msg;

	while (!ptsim__uffd_read(st, &msg))
		;
}

/* --- UFFDIO_API -------------------------------------------------------------------- */

int ptsim__uffdio_api(struct ptsim_mm_state *st, uint64_t api, uint64_t *features)
{
	uint64_t want = *features;

	*features = 0; /* the kernel zeroes the reply on every error */
	if (st->uffd.initialized)
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "uffdio_api: the handshake was already made%s",
				     st->uffd.features ? "" : " (or implied by a registration)");
	if (api != PTSIM_UFFD_API)
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "uffdio_api: api 0x%llx is not UFFD_API (0xaa)",
				     (unsigned long long)api);
	/* WP_ASYNC relies on WP_UNPOPULATED: the kernel selects it along. */
	if (want & PTSIM_UFFD_FEATURE_WP_ASYNC)
		want |= PTSIM_UFFD_FEATURE_WP_UNPOPULATED;
	if (want & ~PTSIM_UFFD_FEATURES_MODELLED)
		return ptsim__seterr(
			st->ctx->host, -EINVAL,
			"uffdio_api: features 0x%llx are not modelled (supported: 0x%llx)",
			(unsigned long long)(want & ~PTSIM_UFFD_FEATURES_MODELLED),
			(unsigned long long)PTSIM_UFFD_FEATURES_MODELLED);
	st->uffd.initialized = true;
	st->uffd.features = want;
	*features = PTSIM_UFFD_FEATURES_MODELLED;
	return 0;
}

/* --- shared checks ------------------------------------------------------------------ */

/* validate_range(): page-aligned, non-empty, inside [mmap_min_addr, TASK_SIZE). */
static int validate_range(struct ptsim_mm_state *st, const char *what, uint64_t start, uint64_t len,
			  uint64_t *end)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a), task = ptsim__task_size(a);

	if ((start | len) & (psz - 1))
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "%s: [0x%llx, +0x%llx) not page-aligned", what,
				     (unsigned long long)start, (unsigned long long)len);
	if (!len)
		return ptsim__seterr(st->ctx->host, -EINVAL, "%s: zero length", what);
	if (start < PTSIM_MMAP_MIN_ADDR || start >= task || len > task - start)
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "%s: [0x%llx, +0x%llx) outside the address space", what,
				     (unsigned long long)start, (unsigned long long)len);
	*end = start + len;
	return 0;
}

static bool vma_is_shmem(const struct ptsim_vma *v)
{
	return v->vm_file && v->vm_file->shmem;
}

/*
 * vma_can_userfault() for the model's memory types: private anonymous and
 * shmem; with WP_ASYNC, a WP-only registration takes any memory (regular
 * files too; hugetlb VMAs are not modelled).
 */
static bool vma_can_userfault(const struct ptsim_mm_state *st, const struct ptsim_vma *v,
			      uint64_t vm_flags)
{
	if (v->vm_flags & PTSIM_VM_HUGETLB)
		return false;
	/* MINOR: shmem only (hugetlbfs VMAs are not modelled). */
	if ((vm_flags & PTSIM_VM_UFFD_MINOR) && !vma_is_shmem(v))
		return false;
	if ((st->uffd.features & PTSIM_UFFD_FEATURE_WP_ASYNC) &&
	    (vm_flags & UFFD_FLAGS) == PTSIM_VM_UFFD_WP)
		return true;
	return !v->vm_file || vma_is_shmem(v);
}

/* --- register / unregister -------------------------------------------------------------- */

/* The VM_UFFD_* flags of UFFDIO_REGISTER modes. */
static uint64_t mode_flags(unsigned int mode)
{
	return (mode & PTSIM_UFFDIO_REGISTER_MODE_MISSING ? PTSIM_VM_UFFD_MISSING : 0) |
	       (mode & PTSIM_UFFDIO_REGISTER_MODE_WP ? PTSIM_VM_UFFD_WP : 0) |
	       (mode & PTSIM_UFFDIO_REGISTER_MODE_MINOR ? PTSIM_VM_UFFD_MINOR : 0);
}

/*
 * Give [start, end) the uffd flags @set (replacing VM_UFFD_*): split where
 * the range cuts a VMA whose flags change, set the flags and vm_page_prot
 * (userfaultfd_set_vm_flags()), merge.  With @reset_wp, uffd-wp VMAs are
 * first unprotected (userfaultfd_clear_vma()).  -ENOMEM changes nothing.
 */
static int set_uffd_flags(struct ptsim_mm_state *st, const char *what, uint64_t start, uint64_t end,
			  uint64_t set, bool reset_wp)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_vma *vma = ptsim__find_vma(&st->vmas, start), *last, *spare[2] = {NULL, NULL};
	uint64_t pages = 0;
	const char *op;
	int n = 0;

	last = ptsim__find_vma(&st->vmas, end - 1);
	if (vma->vm_start < start && (vma->vm_flags & UFFD_FLAGS) != set)
		n++;
	if (last && last->vm_start < end && last->vm_end > end &&
	    (last->vm_flags & UFFD_FLAGS) != set)
		n++;
	for (int i = 0; i < n; i++) {
		spare[i] = ptsim__vma_alloc(ctx);
		if (!spare[i]) {
			ptsim__vma_free(ctx, spare[0]);
			return ptsim__seterr(ctx->host, -ENOMEM,
					     "%s: out of memory splitting a VMA", what);
		}
	}

	/* Commit. */
	op = ptsim__tlb_set_op(ctx->tlbs, what);
	n = 0;
	if (vma->vm_start < start && (vma->vm_flags & UFFD_FLAGS) != set) {
		ptsim__vma_split(st, vma, spare[n], start);
		vma = spare[n++];
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last && last->vm_start < end && last->vm_end > end &&
	    (last->vm_flags & UFFD_FLAGS) != set)
		ptsim__vma_split(st, last, spare[n++], end);
	for (struct ptsim_vma *v = vma; v && v->vm_start < end; v = ptsim__vma_next(v)) {
		uint64_t s = v->vm_start > start ? v->vm_start : start;
		uint64_t e = v->vm_end < end ? v->vm_end : end;

		if (reset_wp && (v->vm_flags & PTSIM_VM_UFFD_WP))
			pages += ptsim__change_protection(st, v, s, e, PTSIM_CP_UFFD_WP_RESOLVE);
		if ((v->vm_flags & UFFD_FLAGS) == set)
			continue;
		v->vm_flags = (v->vm_flags & ~UFFD_FLAGS) | set;
		v->vm_page_prot = ptsim__vma_page_prot(ctx, v);
	}
	if (pages)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, start, end - 1, ctx->arch->page_shift,
				       false);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	for (vma = ptsim__find_vma(&st->vmas, start); vma && vma->vm_start <= end;)
		vma = ptsim__vma_next(ptsim__vma_merge(st, vma));
	return 0;
}

int ptsim__uffd_register(struct ptsim_mm_state *st, uint64_t start, uint64_t len, unsigned int mode)
{
	struct ptsim_host *h = st->ctx->host;
	const unsigned int all = PTSIM_UFFDIO_REGISTER_MODE_MISSING |
				 PTSIM_UFFDIO_REGISTER_MODE_WP | PTSIM_UFFDIO_REGISTER_MODE_MINOR;
	uint64_t end, set = 0, pos;
	struct ptsim_vma *v;
	int err;

	if (!mode || (mode & ~all))
		return ptsim__seterr(h, -EINVAL, "uffd_register: bad mode 0x%x", mode);
	err = validate_range(st, "uffd_register", start, len, &end);
	if (err)
		return err;
	/* Every VMA must be able to userfault, and (model rule) the range has no holes. */
	pos = start;
	for (v = ptsim__find_vma(&st->vmas, start); v && v->vm_start < end;
	     v = ptsim__vma_next(v)) {
		if (v->vm_start > pos)
			break;
		if ((mode & PTSIM_UFFDIO_REGISTER_MODE_MINOR) && !v->vm_file)
			return ptsim__seterr(h, -EINVAL,
					     "uffd_register: MINOR on anonymous memory at 0x%llx",
					     (unsigned long long)v->vm_start);
		if ((mode & PTSIM_UFFDIO_REGISTER_MODE_MINOR) && !vma_is_shmem(v))
			return ptsim__seterr(
				h, -EINVAL,
				"uffd_register: MINOR on a VMA that is not shmem at 0x%llx",
				(unsigned long long)v->vm_start);
		if (!vma_can_userfault(st, v, mode_flags(mode)))
			return ptsim__seterr(
				h, -EINVAL,
				"uffd_register: the VMA at 0x%llx is neither anonymous "
				"nor shmem",
				(unsigned long long)v->vm_start);
		if (!(v->vm_flags & PTSIM_VM_MAYWRITE))
			return ptsim__seterr(h, -EPERM,
					     "uffd_register: the VMA at 0x%llx is not VM_MAYWRITE",
					     (unsigned long long)v->vm_start);
		pos = v->vm_end;
	}
	if (pos < end)
		return ptsim__seterr(h, -EINVAL, "uffd_register: 0x%llx is not mapped",
				     (unsigned long long)pos);
	set = mode_flags(mode);
	err = set_uffd_flags(st, "uffd_register", start, end, set, false);
	/* The kernel needs UFFDIO_API first; here the first registration implies it. */
	if (!err)
		st->uffd.initialized = true;
	return err;
}

void ptsim__uffd_close(struct ptsim_mm_state *st)
{
	struct ptsim_vma *v;

	/*
	 * userfaultfd_release(): every registered VMA is unregistered whole
	 * (userfaultfd_clear_vma(): uffd-wp bits and markers go), so no VMA is
	 * split and nothing can fail; merges may follow, so look again each
	 * time.
	 */
	for (;;) {
		for (v = ptsim__vma_first(&st->vmas); v && !(v->vm_flags & UFFD_FLAGS);
		     v = ptsim__vma_next(v))
			;
		if (!v)
			break;
		PTSIM_BUG_ON(set_uffd_flags(st, "uffd_close", v->vm_start, v->vm_end, 0, true));
	}
	ptsim__uffd_release(st);
	st->uffd.initialized = false;
	st->uffd.features = 0;
}

int ptsim__uffd_unregister(struct ptsim_mm_state *st, uint64_t start, uint64_t len)
{
	struct ptsim_host *h = st->ctx->host;
	struct ptsim_vma *v;
	uint64_t end;
	int err = validate_range(st, "uffd_unregister", start, len, &end);

	if (err)
		return err;
	v = ptsim__find_vma(&st->vmas, start);
	if (!v || v->vm_start >= end)
		return ptsim__seterr(h, -EINVAL, "uffd_unregister: no VMA in [0x%llx, 0x%llx)",
				     (unsigned long long)start, (unsigned long long)end);
	for (; v && v->vm_start < end; v = ptsim__vma_next(v))
		if (!vma_can_userfault(st, v, v->vm_flags))
			return ptsim__seterr(h, -EINVAL,
					     "uffd_unregister: the VMA at 0x%llx is neither "
					     "anonymous nor shmem",
					     (unsigned long long)v->vm_start);
	return set_uffd_flags(st, "uffd_unregister", start, end, 0, true);
}

/* --- UFFDIO_COPY / UFFDIO_ZEROPAGE ---------------------------------------------------------- */

/* What an mfill call puts at each page. */
enum mfill_kind { MFILL_COPY, MFILL_ZEROPAGE, MFILL_POISON, MFILL_CONTINUE };

/*
 * Everything one mfill call allocates: the page tables the range lacks (a
 * pool, consumed in address order), one folio (anonymous) or page-cache
 * slot and folio (shmem) per page, and the VMA's anon_vma.
 */
struct mfill_prep {
	struct ptsim_table_prep *tables;
	size_t cap_tables, nr_tables, used_tables; /* array size, allocated, linked */
	uint64_t *pfns;				   /* anonymous copy: nr_pfns allocated */
	size_t nr_pfns;
	struct ptsim_pcache_prep *pcache; /* shmem: prepared where slot != NULL */
	size_t nr_pages;
	struct ptsim_anon_vma *av;
};

static void mfill_discard(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct mfill_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	if (p->av)
		ptsim__anon_vma_free(ctx, p->av);
	if (p->pcache) {
		for (size_t i = 0; i < p->nr_pages; i++)
			ptsim__pcache_discard(vma->vm_file, &p->pcache[i]);
		ptsim__free(ctx->host, p->pcache, p->nr_pages * sizeof(*p->pcache));
	}
	if (p->pfns) {
		for (size_t i = 0; i < p->nr_pfns; i++)
			(void)ptsim__folio_put(ctx->mem, p->pfns[i]);
		ptsim__free(ctx->host, p->pfns, p->nr_pages * sizeof(*p->pfns));
	}
	if (p->tables) {
		for (size_t i = p->used_tables; i < p->nr_tables; i++)
			ptsim__table_discard(ctx->pa, &p->tables[i]);
		ptsim__free(ctx->host, p->tables, p->cap_tables * sizeof(*p->tables));
	}
	memset(p, 0, sizeof(*p));
}

/*
 * Check every page of [dst, end) and count the page tables missing under
 * it: a table at level L is shared with the previous page when both lie in
 * the span of one entry of the level above, so it is counted once.
 */
static int mfill_check(struct ptsim_mm_state *st, const char *what, struct ptsim_vma *vma,
		       uint64_t dst, uint64_t end, enum mfill_kind kind, size_t *nr_tables)
{
	/* COPY and CONTINUE may fill a uffd-wp marker (pte_none_mostly()). */
	bool zeropage = kind != MFILL_COPY && kind != MFILL_CONTINUE;
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t psz = ptsim__page_size(a), prev = 0;
	bool have_prev = false;

	*nr_tables = 0;
	for (uint64_t va = dst; va < end; va += psz) {
		struct ptsim_slot s;
		uint64_t e, pfn;
		int parent;

		if (ptsim__walk_to(st->pt, va, PTSIM_PTE, &s))
			return ptsim__seterr(ctx->host, -EFAULT, "%s: no page tables at 0x%llx",
					     what, (unsigned long long)va);
		e = *s.p;
		if (s.lvl == PTSIM_PTE && !a->ops->none(a, PTSIM_PTE, e)) {
			/* pte_none_mostly() for COPY; pte_none() for ZEROPAGE. */
			bool marker =
				!zeropage && !a->ops->present(a, PTSIM_PTE, e) &&
				a->ops->swp(a, PTSIM_PTE, e) &&
				ptsim__swp_code_type(a, a->ops->swp_type(a, PTSIM_PTE, e)) ==
					PTSIM_SOFTLEAF_MARKER &&
				a->ops->swp_offset(a, PTSIM_PTE, e) == PTSIM_PTE_MARKER_UFFD_WP;

			if (!marker)
				return ptsim__seterr(ctx->host, -EEXIST,
						     "%s: 0x%llx is already mapped", what,
						     (unsigned long long)va);
		}
		if (s.lvl < PTSIM_PTE && !a->ops->none(a, s.lvl, e))
			return ptsim__seterr(ctx->host, -EEXIST,
					     "%s: 0x%llx is mapped by a huge leaf", what,
					     (unsigned long long)va);
		if (kind == MFILL_CONTINUE &&
		    !ptsim__pcache_lookup(vma->vm_file, ptsim__linear_page_index(a, vma, va), &pfn))
			return ptsim__seterr(ctx->host, -EFAULT,
					     "%s: no page in the page cache for 0x%llx", what,
					     (unsigned long long)va);
		if (vma_is_shmem(vma) && kind != MFILL_POISON && kind != MFILL_CONTINUE &&
		    ptsim__pcache_lookup(vma->vm_file, ptsim__linear_page_index(a, vma, va), &pfn))
			return ptsim__seterr(ctx->host, -EEXIST,
					     "%s: the shmem page at 0x%llx is already cached", what,
					     (unsigned long long)va);
		if (s.lvl < PTSIM_PTE) {
			parent = s.lvl;
			for (int lvl = ptsim__child_level(a, s.lvl);;) {
				if (!have_prev ||
				    va >> a->shift[parent] != prev >> a->shift[parent])
					(*nr_tables)++;
				if (lvl == PTSIM_PTE)
					break;
				parent = lvl;
				lvl = ptsim__child_level(a, lvl);
			}
		}
		have_prev = s.lvl < PTSIM_PTE;
		prev = va;
	}
	return 0;
}

/* The pool of @nr page tables (not linked); -ENOMEM leaves what to discard. */
static int mfill_prepare_tables(struct ptsim_mm_state *st, size_t nr, struct mfill_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	p->tables = ptsim__zalloc(ctx->host, nr * sizeof(*p->tables));
	if (!p->tables)
		return -ENOMEM;
	p->cap_tables = nr;
	for (; p->nr_tables < nr; p->nr_tables++)
		if (ptsim__table_alloc(ctx->pa, &p->tables[p->nr_tables]))
			return -ENOMEM;
	return 0;
}

static int mfill_prepare(struct ptsim_mm_state *st, struct ptsim_vma *vma, enum mfill_kind kind,
			 size_t nr_pages, size_t nr_tables, struct mfill_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	memset(p, 0, sizeof(*p));
	p->nr_pages = nr_pages;
	if (nr_tables && mfill_prepare_tables(st, nr_tables, p))
		return -ENOMEM;
	if (kind == MFILL_POISON || kind == MFILL_CONTINUE)
		return 0; /* a marker, or the cached page, per page: nothing else */
	if (vma_is_shmem(vma)) {
		p->pcache = ptsim__zalloc(ctx->host, nr_pages * sizeof(*p->pcache));
		if (!p->pcache)
			return -ENOMEM;
		for (size_t i = 0; i < nr_pages; i++)
			if (ptsim__pcache_prepare(vma->vm_file, &p->pcache[i]))
				return -ENOMEM;
		return 0;
	}
	if (kind == MFILL_ZEROPAGE)
		return 0;
	p->pfns = ptsim__zalloc(ctx->host, nr_pages * sizeof(*p->pfns));
	if (!p->pfns)
		return -ENOMEM;
	for (; p->nr_pfns < nr_pages; p->nr_pfns++)
		if (ptsim__folio_alloc(ctx->mem, 0, &p->pfns[p->nr_pfns]))
			return -ENOMEM;
	/* uffd_mfill_lock() -> anon_vma_prepare(). */
	if (!vma->anon_vma) {
		p->av = ptsim__anon_vma_alloc(ctx);
		if (!p->av)
			return -ENOMEM;
	}
	return 0;
}

/* The PTE slot of @va, linking tables from the pool where they are missing. */
static void mfill_pte_slot(struct ptsim_mm_state *st, struct mfill_prep *p, uint64_t va,
			   struct ptsim_slot *s)
{
	ptsim__walk_to(st->pt, va, PTSIM_PTE, s);
	while (s->lvl < PTSIM_PTE) {
		PTSIM_BUG_ON(p->used_tables >= p->nr_tables);
		ptsim__table_link(st->pt, s, &p->tables[p->used_tables++]);
		ptsim__walk_to(st->pt, va, PTSIM_PTE, s);
	}
	s->addr = va;
}

/* mfill_atomic_install_pte() / mfill_atomic_pte_zeropage() for every page. */
static void mfill_commit(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t dst,
			 enum mfill_kind kind, bool wp, struct mfill_prep *p)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t psz = ptsim__page_size(a);
	bool shmem = vma_is_shmem(vma);
	bool writable =
		(vma->vm_flags & PTSIM_VM_WRITE) && (!shmem || (vma->vm_flags & PTSIM_VM_SHARED));

	if (p->av) {
		ptsim__anon_vma_link(p->av, vma);
		p->av = NULL;
	}
	for (size_t i = 0; i < p->nr_pages; i++) {
		uint64_t va = dst + i * psz, pfn, e;
		struct ptsim_slot s;

		mfill_pte_slot(st, p, va, &s);
		if (kind == MFILL_POISON) {
			/* mfill_atomic_pte_poison(): a PTE_MARKER_POISONED, nothing cached. */
			ptsim__set_entry(st->pt, &s,
					 a->ops->mk_swp(a, PTSIM_PTE,
							(unsigned int)ptsim__swp_code(
								a, PTSIM_SOFTLEAF_MARKER),
							PTSIM_PTE_MARKER_POISONED, 0));
			continue;
		}
		if (kind == MFILL_CONTINUE) {
			/*
			 * mfill_atomic_pte_continue(): map the page already in
			 * the cache; writable only in a shared mapping.
			 */
			PTSIM_BUG_ON(!ptsim__pcache_lookup(
				vma->vm_file, ptsim__linear_page_index(a, vma, va), &pfn));
			ptsim__folio_get(ctx->mem, pfn);
			ptsim__folio_add_rmap(ctx, pfn, 1, PTSIM_PTE);
			ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, pfn), 1);
			e = a->ops->mkdirty(a, PTSIM_PTE,
					    a->ops->mk_leaf(a, PTSIM_PTE, pfn, vma->vm_page_prot));
			if ((vma->vm_flags & PTSIM_VM_WRITE) && (vma->vm_flags & PTSIM_VM_SHARED))
				e = a->ops->mkwrite(a, PTSIM_PTE, e);
			if (wp)
				e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
			ptsim__set_entry(st->pt, &s, e);
			continue;
		}
		if (kind == MFILL_ZEROPAGE && !shmem) {
			/* The shared zero page: read-only, special, not counted. */
			e = a->ops->mk_leaf(a, PTSIM_PTE, ctx->mem->zero_pfn, vma->vm_page_prot);
			ptsim__set_entry(st->pt, &s, a->ops->mkspecial(a, PTSIM_PTE, e));
			continue;
		}
		if (shmem) {
			/* shmem_mfill_atomic_pte(): into the page cache, then file-mapped. */
			ptsim__pcache_commit(vma->vm_file, ptsim__linear_page_index(a, vma, va),
					     &p->pcache[i]);
			pfn = p->pcache[i].pfn;
			ptsim__folio_get(ctx->mem, pfn);
			ptsim__folio_add_rmap(ctx, pfn, 1, PTSIM_PTE);
		} else {
			pfn = p->pfns[i];
			ptsim__folio_add_new_anon_rmap(st, pfn, vma, va);
		}
		ptsim__rss_add(st, ptsim__folio_rss_kind(ctx, pfn), 1);
		e = a->ops->mkdirty(a, PTSIM_PTE,
				    a->ops->mk_leaf(a, PTSIM_PTE, pfn, vma->vm_page_prot));
		if (writable)
			e = a->ops->mkwrite(a, PTSIM_PTE, e);
		if (wp)
			e = a->ops->mkuffd_wp(a, PTSIM_PTE, e);
		/* The entry was none (or a marker): no TLB can hold it, no flush. */
		ptsim__set_entry(st->pt, &s, e);
	}
	PTSIM_BUG_ON(p->used_tables != p->nr_tables);
	p->nr_pfns = 0; /* every folio is mapped now */
}

/* mfill_atomic(): UFFDIO_COPY, _ZEROPAGE and _POISON over [dst, dst + len). */
static int mfill(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode,
		 enum mfill_kind kind)
{
	static const char *const names[] = {"uffdio_copy", "uffdio_zeropage", "uffdio_poison",
					    "uffdio_continue"};
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	const char *what = names[kind];
	/* Every mode has DONTWAKE as 0x1; COPY and CONTINUE also a MODE_WP. */
	const unsigned int wpbit = kind == MFILL_COPY	    ? PTSIM_UFFDIO_COPY_MODE_WP
				   : kind == MFILL_CONTINUE ? PTSIM_UFFDIO_CONTINUE_MODE_WP
							    : 0;
	const unsigned int all = PTSIM_UFFDIO_COPY_MODE_DONTWAKE | wpbit;
	bool wp = mode & wpbit;
	struct mfill_prep p;
	struct ptsim_vma *vma;
	size_t nr_tables;
	uint64_t end;
	const char *op;
	int err;

	if (mode & ~all)
		return ptsim__seterr(ctx->host, -EINVAL, "%s: bad mode 0x%x", what, mode);
	err = validate_range(st, what, dst, len, &end);
	if (err)
		return err;
	/* uffd_mfill_lock(), validate_dst_vma(). */
	vma = ptsim__vma_lookup(&st->vmas, dst);
	if (!vma || end > vma->vm_end || !(vma->vm_flags & UFFD_FLAGS))
		return ptsim__seterr(ctx->host, -ENOENT,
				     "%s: [0x%llx, 0x%llx) is not inside one registered VMA", what,
				     (unsigned long long)dst, (unsigned long long)end);
	if (wp && !(vma->vm_flags & PTSIM_VM_UFFD_WP))
		return ptsim__seterr(ctx->host, -EINVAL,
				     "%s: MODE_WP on a VMA not registered for WP", what);
	if (kind == MFILL_CONTINUE && !vma_is_shmem(vma))
		return ptsim__seterr(ctx->host, -EINVAL, "%s: the VMA is not shmem", what);
	if (!vma_can_userfault(st, vma, vma->vm_flags))
		return ptsim__seterr(ctx->host, -EINVAL,
				     "%s: the VMA is neither anonymous nor shmem", what);
	if (vma_is_shmem(vma)) {
		uint64_t psz = ptsim__page_size(a), size = vma->vm_file->size;

		if (ptsim__linear_page_index(a, vma, end - psz) >= (size + psz - 1) / psz)
			return ptsim__seterr(ctx->host, -EFAULT,
					     "%s: [0x%llx, 0x%llx) goes beyond the end of the file",
					     what, (unsigned long long)dst,
					     (unsigned long long)end);
	}
	err = mfill_check(st, what, vma, dst, end, kind, &nr_tables);
	if (err)
		return err;
	err = mfill_prepare(st, vma, kind, (size_t)(len >> a->page_shift), nr_tables, &p);
	if (err) {
		mfill_discard(st, vma, &p);
		return ptsim__seterr(ctx->host, err, "%s: out of memory for 0x%llx bytes", what,
				     (unsigned long long)len);
	}
	op = ptsim__tlb_set_op(ctx->tlbs, what);
	mfill_commit(st, vma, dst, kind, wp, &p);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	mfill_discard(st, vma, &p); /* only the arrays are left */
	return 0;
}

int ptsim__uffdio_copy(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode,
		       bool zeropage)
{
	return mfill(st, dst, len, mode, zeropage ? MFILL_ZEROPAGE : MFILL_COPY);
}

int ptsim__uffdio_continue(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode)
{
	return mfill(st, dst, len, mode, MFILL_CONTINUE);
}

int ptsim__uffdio_poison(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode)
{
	if (ptsim__swp_code(st->ctx->arch, PTSIM_SOFTLEAF_MARKER) < 0)
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "uffdio_poison: the kernel is built without PTE markers "
				     "(swp.marker=off)");
	return mfill(st, dst, len, mode, MFILL_POISON);
}

/* --- UFFDIO_WRITEPROTECT ------------------------------------------------------------------ */

/*
 * userfaultfd_wp_use_markers(): protecting a file (shmem) VMA, or an
 * anonymous one whose context enabled WP_UNPOPULATED, puts uffd-wp markers
 * on the none PTEs of the range, allocating the page tables they need.
 */
static bool wp_use_markers(const struct ptsim_mm_state *st, const struct ptsim_vma *v)
{
	if (!(v->vm_flags & PTSIM_VM_UFFD_WP) ||
	    ptsim__swp_code(st->ctx->arch, PTSIM_SOFTLEAF_MARKER) < 0 ||
	    st->ctx->cfg->compat_uffd_wp_2018)
		return false;
	return v->vm_file || (st->uffd.features & PTSIM_UFFD_FEATURE_WP_UNPOPULATED);
}

/* The page tables a marker pass over [start, end) would allocate. */
static size_t marker_tables_needed(struct ptsim_mm_state *st, uint64_t start, uint64_t end)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a), prev = 0;
	bool have_prev = false;
	size_t n = 0;

	for (uint64_t va = start; va < end; va += psz) {
		struct ptsim_slot s;
		int parent;

		if (ptsim__walk_to(st->pt, va, PTSIM_PTE, &s) || s.lvl == PTSIM_PTE ||
		    !a->ops->none(a, s.lvl, *s.p)) {
			have_prev = false; /* a PTE table, or a huge leaf: nothing to link */
			continue;
		}
		/* A table at each level below s.lvl, shared with the previous page's. */
		parent = s.lvl;
		for (int lvl = ptsim__child_level(a, s.lvl);;) {
			if (!have_prev || va >> a->shift[parent] != prev >> a->shift[parent])
				n++;
			if (lvl == PTSIM_PTE)
				break;
			parent = lvl;
			lvl = ptsim__child_level(a, lvl);
		}
		have_prev = true;
		prev = va;
	}
	return n;
}

/*
 * change_pte_range() for none PTEs under MM_CP_UFFD_WP with markers: link
 * the prepared tables where they are missing and install a uffd-wp marker
 * on every none PTE of [start, end) (a huge leaf keeps its own bit).
 * Returns the markers installed; nothing is cached by a TLB for them.
 */
static uint64_t install_markers(struct ptsim_mm_state *st, uint64_t start, uint64_t end,
				struct mfill_prep *p)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a), n = 0;
	uint64_t mk = a->ops->mk_swp(a, PTSIM_PTE,
				     (unsigned int)ptsim__swp_code(a, PTSIM_SOFTLEAF_MARKER),
				     PTSIM_PTE_MARKER_UFFD_WP, 0);

	for (uint64_t va = start; va < end; va += psz) {
		struct ptsim_slot s;

		ptsim__walk_to(st->pt, va, PTSIM_PTE, &s);
		while (s.lvl < PTSIM_PTE && a->ops->none(a, s.lvl, *s.p)) {
			PTSIM_BUG_ON(p->used_tables >= p->nr_tables);
			ptsim__table_link(st->pt, &s, &p->tables[p->used_tables++]);
			ptsim__walk_to(st->pt, va, PTSIM_PTE, &s);
		}
		if (s.lvl != PTSIM_PTE || !a->ops->none(a, PTSIM_PTE, *s.p))
			continue;
		s.addr = va;
		ptsim__set_entry(st->pt, &s, mk);
		n++;
	}
	return n;
}

int ptsim__uffdio_writeprotect(struct ptsim_mm_state *st, uint64_t start, uint64_t len,
			       unsigned int mode)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const unsigned int all =
		PTSIM_UFFDIO_WRITEPROTECT_MODE_WP | PTSIM_UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
	bool wp = mode & PTSIM_UFFDIO_WRITEPROTECT_MODE_WP;
	struct ptsim_vma *first, *v;
	struct mfill_prep p;
	uint64_t end, pages = 0;
	const char *op;
	int err;

	if ((mode & ~all) || (wp && (mode & PTSIM_UFFDIO_WRITEPROTECT_MODE_DONTWAKE)))
		return ptsim__seterr(ctx->host, -EINVAL, "uffdio_writeprotect: bad mode 0x%x",
				     mode);
	err = validate_range(st, "uffdio_writeprotect", start, len, &end);
	if (err)
		return err;
	first = ptsim__find_vma(&st->vmas, start);
	if (!first || first->vm_start >= end)
		return ptsim__seterr(ctx->host, -ENOENT,
				     "uffdio_writeprotect: no VMA in [0x%llx, 0x%llx)",
				     (unsigned long long)start, (unsigned long long)end);
	for (v = first; v && v->vm_start < end; v = ptsim__vma_next(v))
		if (!(v->vm_flags & PTSIM_VM_UFFD_WP))
			return ptsim__seterr(ctx->host, -ENOENT,
					     "uffdio_writeprotect: the VMA at 0x%llx is not "
					     "registered for WP",
					     (unsigned long long)v->vm_start);

	/*
	 * Markers need page tables: count and allocate them all first
	 * (change_protection()'s -ENOMEM changes nothing here).
	 */
	memset(&p, 0, sizeof(p));
	if (wp) {
		size_t nr_tables = 0;

		for (v = first; v && v->vm_start < end; v = ptsim__vma_next(v))
			if (wp_use_markers(st, v))
				nr_tables += marker_tables_needed(
					st, v->vm_start > start ? v->vm_start : start,
					v->vm_end < end ? v->vm_end : end);
		if (nr_tables && mfill_prepare_tables(st, nr_tables, &p)) {
			mfill_discard(st, NULL, &p);
			return ptsim__seterr(ctx->host, -ENOMEM,
					     "uffdio_writeprotect: out of memory for the page "
					     "tables of %zu markers' ranges",
					     nr_tables);
		}
	}

	/* uffd_wp_range() per VMA, one flush for the range. */
	op = ptsim__tlb_set_op(ctx->tlbs, "uffdio_writeprotect");
	for (v = first; v && v->vm_start < end; v = ptsim__vma_next(v)) {
		uint64_t vs = v->vm_start > start ? v->vm_start : start;
		uint64_t ve = v->vm_end < end ? v->vm_end : end;

		pages += ptsim__change_protection(st, v, vs, ve,
						  wp ? PTSIM_CP_UFFD_WP : PTSIM_CP_UFFD_WP_RESOLVE);
		if (wp && wp_use_markers(st, v))
			(void)install_markers(st, vs, ve, &p);
	}
	PTSIM_BUG_ON(p.used_tables != p.nr_tables);
	mfill_discard(st, NULL, &p);
	if (pages)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, start, end - 1, ctx->arch->page_shift,
				       false);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	return 0;
}
