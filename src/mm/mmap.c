// SPDX-License-Identifier: MIT
/*
 * mmap.c - VMAs of an address space: mmap, munmap, mprotect, madvise, exit
 * (follows mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/madvise.c).
 *
 * Every operation prepares first - the VMA structs a split may need, the
 * new VMA, a shmem file for a shared anonymous mapping - and then commits
 * in a phase that cannot fail (STYLE.md 20).  A split needs at most two VMA
 * structs per call (one at each end of the range).  No operation here
 * allocates page tables; munmap and exit free them (zap.c).
 *
 * Placement.  Without MAP_FIXED the range is found top-down below
 * mmap_base = DEFAULT_MAP_WINDOW - 128 MiB (the kernel's minimum stack gap,
 * no randomization), above mmap_min_addr = 64 KiB, taking the hint when the
 * range at the hint is free (arch_get_unmapped_area_topdown()).
 *
 * Merging.  Two adjacent VMAs merge when their flags (VM_SOFTDIRTY aside),
 * file and offsets agree and their anon_vmas are equal or one is absent
 * (is_mergeable_vma() / is_mergeable_anon_vma()).  New mappings merge with
 * their neighbours, mprotect merges what it changed with its neighbours.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"
#include "ptsim/softleaf.h"

#define MMAP_MIN_ADDR PTSIM_MMAP_MIN_ADDR
#define MIN_GAP	      (128ull << 20)

void ptsim__mm_state_init(struct ptsim_mm_state *st, struct ptsim_mm_ctx *ctx,
			  struct ptsim_pgtables *pt, struct ptsim_tlb_mm *tm,
			  struct ptsim_mm *handle)
{
	memset(st, 0, sizeof(*st));
	st->ctx = ctx;
	st->pt = pt;
	st->tlb_mm = tm;
	st->handle = handle;
}

struct ptsim_vma *ptsim__vma_alloc(struct ptsim_mm_ctx *ctx)
{
	return ptsim__zalloc(ctx->host, sizeof(struct ptsim_vma));
}

void ptsim__vma_free(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma)
{
	if (vma)
		ptsim__free(ctx->host, vma, sizeof(*vma));
}

void ptsim__vma_unlink_rmap(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma)
{
	ptsim__anon_vma_unlink(ctx, vma);
	if (vma->vm_file)
		ptsim__file_vma_unlink(vma->vm_file, vma);
}

static uint64_t vma_pages(const struct ptsim_arch *a, const struct ptsim_vma *v)
{
	return (v->vm_end - v->vm_start) >> a->page_shift;
}

/* TASK_SIZE and DEFAULT_MAP_WINDOW of the configuration (arch data). */
static uint64_t task_size(const struct ptsim_arch *a)
{
	return a->task_size;
}

uint64_t ptsim__task_size(const struct ptsim_arch *a)
{
	return task_size(a);
}

static uint64_t map_window(const struct ptsim_arch *a)
{
	return a->map_window;
}

/* vma_soft_dirty_enabled(): soft-dirty tracking is on (CONFIG_MEM_SOFT_DIRTY, VM_SOFTDIRTY clear).
 */
static bool soft_dirty_enabled(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	return ctx->cfg->soft_dirty && !(vma->vm_flags & PTSIM_VM_SOFTDIRTY);
}

/* vma_wants_writenotify(). */
static bool wants_writenotify(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	uint64_t f = vma->vm_flags;

	if ((f & (PTSIM_VM_WRITE | PTSIM_VM_SHARED)) != (PTSIM_VM_WRITE | PTSIM_VM_SHARED))
		return false;
	if (f & PTSIM_VM_PFNMAP)
		return false;
	if (vma->vm_file && !vma->vm_file->shmem)
		return true; /* page_mkwrite / mapping_can_writeback() */
	if (soft_dirty_enabled(ctx, vma) && !(f & PTSIM_VM_HUGETLB))
		return true;
	return (f & PTSIM_VM_UFFD_WP) != 0;
}

uint64_t ptsim__vma_page_prot(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	unsigned int prot =
		(unsigned int)(vma->vm_flags & (PTSIM_VM_READ | PTSIM_VM_WRITE | PTSIM_VM_EXEC));

	/* protection_map[]: private writable is copy-on-write, i.e. read-only. */
	if (!(vma->vm_flags & PTSIM_VM_SHARED) || wants_writenotify(ctx, vma))
		prot &= ~PTSIM_PROT_WRITE;
	return ctx->arch->ops->pgprot(ctx->arch, prot, 0);
}

static bool vma_is_shmem(const struct ptsim_vma *v)
{
	return v->vm_file && v->vm_file->shmem;
}

void ptsim__vma_fill_info(const struct ptsim_mm_state *st, const struct ptsim_vma *v,
			  struct ptsim_vma_info *out)
{
	(void)st;
	memset(out, 0, sizeof(*out));
	out->start = v->vm_start;
	out->end = v->vm_end;
	out->flags = v->vm_flags;
	out->prot = (unsigned int)(v->vm_flags & 7);
	out->pgoff = v->vm_pgoff;
	out->page_prot = v->vm_page_prot;
	out->file = v->vm_file;
	out->anon = !v->vm_file;
	out->shmem = vma_is_shmem(v);
	out->has_anon_vma = v->anon_vma != NULL;
}

/* --- split and merge ------------------------------------------------------------ */

/*
 * __split_vma(): @vma becomes [vm_start, addr), @new [addr, vm_end), sharing
 * its file and anon_vma.  @new is a preallocated struct; cannot fail.
 */
static void split_vma(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_vma *new,
		      uint64_t addr)
{
	const struct ptsim_arch *a = st->ctx->arch;

	PTSIM_BUG_ON(addr <= vma->vm_start || addr >= vma->vm_end);
	memset(new, 0, sizeof(*new));
	new->vm_start = addr;
	new->vm_end = vma->vm_end;
	new->vm_flags = vma->vm_flags;
	new->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> a->page_shift);
	new->vm_page_prot = vma->vm_page_prot;
	new->vm_mm = st;
	vma->vm_end = addr;
	PTSIM_BUG_ON(ptsim__vma_insert(&st->vmas, new));
	if (vma->anon_vma)
		ptsim__anon_vma_link(vma->anon_vma, new);
	if (vma->vm_file)
		ptsim__file_vma_link(vma->vm_file, new);
}

static bool anon_vma_compatible(const struct ptsim_vma *a, const struct ptsim_vma *b)
{
	return !a->anon_vma || !b->anon_vma || a->anon_vma == b->anon_vma;
}

/* Whether @next may be merged into @prev, which it directly follows. */
static bool can_merge(const struct ptsim_arch *a, const struct ptsim_vma *prev,
		      const struct ptsim_vma *next)
{
	return prev->vm_end == next->vm_start &&
	       !((prev->vm_flags ^ next->vm_flags) & ~PTSIM_VM_SOFTDIRTY) &&
	       prev->vm_file == next->vm_file &&
	       prev->vm_pgoff + vma_pages(a, prev) == next->vm_pgoff &&
	       anon_vma_compatible(prev, next);
}

/* @prev absorbs @next (adjacent, compatible); @next is freed. */
static void merge_into_prev(struct ptsim_mm_state *st, struct ptsim_vma *prev,
			    struct ptsim_vma *next)
{
	struct ptsim_mm_ctx *ctx = st->ctx;

	ptsim__vma_remove(&st->vmas, next);
	prev->vm_end = next->vm_end;
	prev->vm_flags |= next->vm_flags & PTSIM_VM_SOFTDIRTY;
	if (!prev->anon_vma && next->anon_vma)
		ptsim__anon_vma_link(next->anon_vma, prev);
	ptsim__vma_unlink_rmap(ctx, next);
	ptsim__vma_free(ctx, next);
}

/* Merge @vma with its neighbours where allowed; returns the VMA now holding it. */
static struct ptsim_vma *merge_around(struct ptsim_mm_state *st, struct ptsim_vma *vma)
{
	const struct ptsim_arch *a = st->ctx->arch;
	struct ptsim_vma *prev = ptsim__vma_prev(vma), *next = ptsim__vma_next(vma);

	if (next && can_merge(a, vma, next))
		merge_into_prev(st, vma, next);
	if (prev && can_merge(a, prev, vma)) {
		merge_into_prev(st, prev, vma);
		vma = prev;
	}
	return vma;
}

void ptsim__vma_split(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_vma *new,
		      uint64_t addr)
{
	split_vma(st, vma, new, addr);
}

struct ptsim_vma *ptsim__vma_merge(struct ptsim_mm_state *st, struct ptsim_vma *vma)
{
	return merge_around(st, vma);
}

/* --- munmap --------------------------------------------------------------------- */

/* Splits [start, end) would need: 0, 1 or 2 VMA structs. */
static int splits_needed(struct ptsim_mm_state *st, uint64_t start, uint64_t end)
{
	struct ptsim_vma *v = ptsim__find_vma(&st->vmas, start);
	int n = 0;

	if (!v || v->vm_start >= end)
		return 0;
	if (v->vm_start < start && v->vm_end > end)
		return 2;
	if (v->vm_start < start)
		n++;
	v = ptsim__find_vma(&st->vmas, end - 1);
	if (v && v->vm_start < end && v->vm_end > end)
		n++;
	return n;
}

/*
 * free_pgtables(): the VMAs first..last (consecutive in the tree) are going;
 * free their tables with floor/ceiling from the VMAs that remain.  Nearby
 * VMAs (within a PMD) are gathered into one call, as the kernel does.
 */
static void free_pgtables(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
			  struct ptsim_vma *first, struct ptsim_vma *last, uint64_t floor,
			  uint64_t ceiling)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t pmd_size = 1ull << a->shift[PTSIM_PMD];
	struct ptsim_vma *vma = first;

	while (vma) {
		uint64_t addr = vma->vm_start;
		struct ptsim_vma *next = vma == last ? NULL : ptsim__vma_next(vma);

		while (next && next->vm_start <= vma->vm_end + pmd_size) {
			vma = next;
			next = vma == last ? NULL : ptsim__vma_next(vma);
		}
		ptsim__free_pgtables_range(st, tlb, addr, vma->vm_end, floor,
					   next ? next->vm_start : ceiling);
		vma = next;
	}
}

/*
 * do_vmi_munmap() with the split VMA structs preallocated (@spare, two
 * entries, used ones set to NULL).  Cannot fail.
 */
static void munmap_prepared(struct ptsim_mm_state *st, uint64_t start, uint64_t end,
			    struct ptsim_vma **spare)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_vma *vma = ptsim__find_vma(&st->vmas, start), *first, *last, *prev, *next;
	struct ptsim_zap_details d = {.drop_markers = true};
	struct ptsim_mmu_gather tlb;
	const char *op;
	int used = 0;

	if (!vma || vma->vm_start >= end)
		return;
	if (vma->vm_start < start) {
		split_vma(st, vma, spare[used], start);
		vma = spare[used];
		spare[used++] = NULL;
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last && last->vm_start < end && last->vm_end > end) {
		split_vma(st, last, spare[used], end);
		spare[used++] = NULL;
	}
	first = vma;
	last = first;
	while (ptsim__vma_next(last) && ptsim__vma_next(last)->vm_start < end)
		last = ptsim__vma_next(last);
	prev = ptsim__vma_prev(first);
	next = ptsim__vma_next(last);

	/* unmap_region(): zap, free tables, then flush and release in the gather. */
	op = ptsim__tlb_set_op(ctx->tlbs, "munmap");
	ptsim__tlb_gather(st, &tlb, false);
	for (vma = first;; vma = ptsim__vma_next(vma)) {
		ptsim__zap_range(st, &tlb, vma, vma->vm_start, vma->vm_end, &d);
		ptsim__tlb_flush_mmu_tlbonly(ctx->tlbs, st->tlb_mm, &tlb); /* tlb_end_vma() */
		if (vma == last)
			break;
	}
	free_pgtables(st, &tlb, first, last, prev ? prev->vm_end : 0, next ? next->vm_start : 0);
	ptsim__tlb_finish(st, &tlb);
	ptsim__tlb_restore_op(ctx->tlbs, op);

	/* remove_vma(): drop them from the tree and the rmap lists. */
	for (vma = first; vma;) {
		struct ptsim_vma *n = vma == last ? NULL : ptsim__vma_next(vma);

		ptsim__vma_remove(&st->vmas, vma);
		ptsim__vma_unlink_rmap(ctx, vma);
		ptsim__vma_free(ctx, vma);
		vma = n;
	}
}

static int alloc_spares(struct ptsim_mm_ctx *ctx, int n, struct ptsim_vma **spare)
{
	spare[0] = spare[1] = NULL;
	for (int i = 0; i < n; i++) {
		spare[i] = ptsim__vma_alloc(ctx);
		if (!spare[i]) {
			ptsim__vma_free(ctx, spare[0]);
			spare[0] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void free_spares(struct ptsim_mm_ctx *ctx, struct ptsim_vma **spare)
{
	ptsim__vma_free(ctx, spare[0]);
	ptsim__vma_free(ctx, spare[1]);
}

/* Validate and page-align [addr, addr + len): 0 or -EINVAL. */
static int check_range(struct ptsim_mm_state *st, const char *what, uint64_t addr, uint64_t len,
		       uint64_t *end)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a);
	uint64_t alen = (len + psz - 1) & ~(psz - 1);

	if (addr & (psz - 1))
		return ptsim__seterr(st->ctx->host, -EINVAL, "%s: addr 0x%llx not page-aligned",
				     what, (unsigned long long)addr);
	if (len == 0 || alen < len)
		return ptsim__seterr(st->ctx->host, -EINVAL, "%s: bad length 0x%llx", what,
				     (unsigned long long)len);
	if (addr + alen < addr || addr + alen > task_size(a))
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "%s: [0x%llx, +0x%llx) outside the address space", what,
				     (unsigned long long)addr, (unsigned long long)alen);
	*end = addr + alen;
	return 0;
}

int ptsim__do_munmap(struct ptsim_mm_state *st, uint64_t addr, uint64_t len)
{
	struct ptsim_vma *spare[2];
	uint64_t end;
	int err = check_range(st, "munmap", addr, len, &end);

	if (err)
		return err;
	err = alloc_spares(st->ctx, splits_needed(st, addr, end), spare);
	if (err)
		return ptsim__seterr(st->ctx->host, err, "munmap: out of memory splitting a VMA");
	munmap_prepared(st, addr, end, spare);
	free_spares(st->ctx, spare);
	return 0;
}

/* --- mmap ------------------------------------------------------------------------- */

/* arch_get_unmapped_area_topdown(), with the hint tried first. */
static int get_unmapped_area(struct ptsim_mm_state *st, uint64_t hint, uint64_t len, uint64_t *out)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a);
	uint64_t top = map_window(a) - MIN_GAP, cand;

	if (hint) {
		hint = (hint + psz - 1) & ~(psz - 1);
		if (hint >= MMAP_MIN_ADDR && hint <= task_size(a) - len &&
		    ptsim__vma_range_free(&st->vmas, hint, hint + len)) {
			*out = hint;
			return 0;
		}
	}
	if (len > top - MMAP_MIN_ADDR)
		return -ENOMEM;
	cand = top - len;
	for (;;) {
		struct ptsim_vma *v = ptsim__find_vma(&st->vmas, cand);

		if (!v || v->vm_start >= cand + len) {
			*out = cand;
			return 0;
		}
		if (v->vm_start < MMAP_MIN_ADDR + len)
			return -ENOMEM;
		cand = v->vm_start - len;
	}
}

int ptsim__do_mmap(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, unsigned int prot,
		   unsigned int flags, struct ptsim_file *file, uint64_t pgoff, uint64_t *out)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_host *h = ctx->host;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t psz = ptsim__page_size(a), alen = (len + psz - 1) & ~(psz - 1);
	unsigned int type = flags & (PTSIM_MAP_SHARED | PTSIM_MAP_PRIVATE);
	bool fixed = flags & (PTSIM_MAP_FIXED | PTSIM_MAP_FIXED_NOREPLACE);
	bool anon = flags & PTSIM_MAP_ANONYMOUS;
	struct ptsim_vma *vma, *spare[2] = {NULL, NULL};
	struct ptsim_file *shm = NULL;
	uint64_t vm_flags, start;
	int err;

	if (flags & ~(PTSIM_MAP_SHARED | PTSIM_MAP_PRIVATE | PTSIM_MAP_FIXED | PTSIM_MAP_ANONYMOUS |
		      PTSIM_MAP_FIXED_NOREPLACE))
		return ptsim__seterr(h, -EINVAL, "mmap: unknown flags 0x%x", flags);
	if (type != PTSIM_MAP_SHARED && type != PTSIM_MAP_PRIVATE)
		return ptsim__seterr(h, -EINVAL,
				     "mmap: flags 0x%x need exactly one of MAP_SHARED, MAP_PRIVATE",
				     flags);
	if (prot & ~(PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC))
		return ptsim__seterr(h, -EINVAL, "mmap: unknown prot 0x%x", prot);
	if (len == 0 || alen < len)
		return ptsim__seterr(h, -EINVAL, "mmap: bad length 0x%llx",
				     (unsigned long long)len);
	if (fixed && (addr & (psz - 1)))
		return ptsim__seterr(h, -EINVAL, "mmap: fixed addr 0x%llx not page-aligned",
				     (unsigned long long)addr);
	if (!anon && !file)
		return ptsim__seterr(h, -EINVAL, "mmap: a file mapping needs a file");
	if (anon)
		pgoff = 0;
	if (pgoff + (alen >> a->page_shift) < pgoff)
		return ptsim__seterr(h, -EINVAL, "mmap: offset 0x%llx pages overflows",
				     (unsigned long long)pgoff);
	if (alen > task_size(a))
		return ptsim__seterr(h, -ENOMEM, "mmap: length 0x%llx exceeds the address space",
				     (unsigned long long)len);

	/* Where. */
	if (fixed) {
		if (addr + alen < addr || addr + alen > task_size(a))
			return ptsim__seterr(h, -ENOMEM,
					     "mmap: [0x%llx, +0x%llx) outside the address space",
					     (unsigned long long)addr, (unsigned long long)alen);
		if ((flags & PTSIM_MAP_FIXED_NOREPLACE) &&
		    !ptsim__vma_range_free(&st->vmas, addr, addr + alen))
			return ptsim__seterr(h, -EEXIST,
					     "mmap: [0x%llx, 0x%llx) overlaps a mapping "
					     "(MAP_FIXED_NOREPLACE)",
					     (unsigned long long)addr,
					     (unsigned long long)(addr + alen));
		start = addr;
	} else if (get_unmapped_area(st, addr, alen, &start)) {
		return ptsim__seterr(h, -ENOMEM, "mmap: no room for 0x%llx bytes",
				     (unsigned long long)alen);
	}

	/* What: do_mmap()'s flags. */
	vm_flags = prot | PTSIM_VM_MAYREAD | PTSIM_VM_MAYWRITE | PTSIM_VM_MAYEXEC;
	if (type == PTSIM_MAP_SHARED)
		vm_flags |= PTSIM_VM_SHARED | PTSIM_VM_MAYSHARE;
	else if (prot & PTSIM_PROT_WRITE)
		vm_flags |= PTSIM_VM_ACCOUNT; /* accountable_mapping() */
	if (ctx->cfg->soft_dirty)
		vm_flags |=
			PTSIM_VM_SOFTDIRTY; /* VM_SOFTDIRTY is 0 without CONFIG_MEM_SOFT_DIRTY */
	if (anon && type == PTSIM_MAP_PRIVATE)
		pgoff = start >> a->page_shift; /* anonymous VMAs are indexed by address */

	/* Prepare. */
	vma = ptsim__vma_alloc(ctx);
	if (!vma)
		return ptsim__seterr(h, -ENOMEM, "mmap: out of memory for the VMA");
	if (anon && type == PTSIM_MAP_SHARED) {
		/* shmem_zero_setup(): a shared anonymous mapping is a shmem file of its own. */
		shm = ptsim__file_alloc(ctx, alen, true, false);
		if (!shm)
			goto err_free;
		file = shm;
	}
	err = alloc_spares(ctx, fixed ? splits_needed(st, start, start + alen) : 0, spare);
	if (err)
		goto err_free;

	/* Commit. */
	if (fixed)
		munmap_prepared(st, start, start + alen, spare);
	if (shm)
		ptsim__file_publish(shm);
	vma->vm_start = start;
	vma->vm_end = start + alen;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->vm_mm = st;
	if (!anon || type == PTSIM_MAP_SHARED)
		ptsim__file_vma_link(file, vma);
	vma->vm_page_prot = ptsim__vma_page_prot(ctx, vma);
	PTSIM_BUG_ON(ptsim__vma_insert(&st->vmas, vma));
	merge_around(st, vma);
	free_spares(ctx, spare);
	*out = start;
	return 0;

err_free:
	if (shm)
		ptsim__file_discard(shm);
	ptsim__vma_free(ctx, vma);
	return ptsim__seterr(h, -ENOMEM, "mmap: out of memory");
}

/* --- mprotect ----------------------------------------------------------------------- */

/* can_change_pte_writable(). */
static bool can_change_writable(struct ptsim_mm_state *st, struct ptsim_vma *vma, int lvl,
				uint64_t e)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t page;

	if (!(vma->vm_flags & PTSIM_VM_WRITE))
		return false;
	if (soft_dirty_enabled(ctx, vma) && !a->ops->soft_dirty(a, lvl, e))
		return false;
	if ((vma->vm_flags & PTSIM_VM_UFFD_WP) && a->ops->uffd_wp(a, lvl, e))
		return false;
	if (!(vma->vm_flags & PTSIM_VM_SHARED))
		return ptsim__vm_normal_page(ctx, lvl, e, &page) && ptsim__folio_anon(ctx, page) &&
		       ptsim__page_test_flag(ctx->mem, page, PTSIM_PG_anon_exclusive);
	return a->ops->dirty(a, lvl, e);
}

struct cp_ctx {
	struct ptsim_mm_state *st;
	struct ptsim_vma *vma;
	uint64_t newprot;
	unsigned int cp_flags;
	bool try_writable;
	uint64_t pages;
};

/*
 * A non-present PTE under MM_CP_UFFD_WP / _RESOLVE (change_pte_range()):
 * a uffd-wp marker is cleared on resolve, other markers (poison, guard)
 * are left alone, other swap entries get or lose the swap uffd-wp bit.
 */
static void change_swp_uffd_wp(struct cp_ctx *c, struct ptsim_slot *s, uint64_t old)
{
	struct ptsim_mm_ctx *ctx = c->st->ctx;
	const struct ptsim_arch *a = ctx->arch;
	uint64_t e = old;

	if (ctx->swp_marker_type >= 0 &&
	    a->ops->swp_type(a, s->lvl, old) == (unsigned int)ctx->swp_marker_type) {
		uint64_t bits = a->ops->swp_offset(a, s->lvl, old);

		if (bits & (PTSIM_PTE_MARKER_POISONED | PTSIM_PTE_MARKER_GUARD))
			return;
		if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE) {
			ptsim__get_and_clear(c->st->pt, s);
			c->pages++;
		}
		return;
	}
	if (c->cp_flags & PTSIM_CP_UFFD_WP)
		e = a->ops->swp_mkuffd_wp(a, s->lvl, old);
	else if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE)
		e = a->ops->swp_clear_uffd_wp(a, s->lvl, old);
	if (e != old) {
		ptsim__set_entry(c->st->pt, s, e);
		c->pages++;
	}
}

static int change_pte_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
			 uint64_t next)
{
	struct cp_ctx *c = v->priv;
	const struct ptsim_arch *a = c->st->ctx->arch;
	uint64_t old = *s->p, e;

	(void)what;
	(void)addr;
	(void)next;
	if (!a->leaf_ok[s->lvl] || !a->ops->leaf(a, s->lvl, old)) {
		/* mprotect: swap entries and markers keep their bits */
		if (c->cp_flags && s->lvl == PTSIM_PTE && !a->ops->present(a, s->lvl, old) &&
		    a->ops->swp(a, s->lvl, old))
			change_swp_uffd_wp(c, s, old);
		return 0;
	}
	e = a->ops->modify(a, s->lvl, old, c->newprot);
	if (c->cp_flags & PTSIM_CP_UFFD_WP)
		e = a->ops->mkuffd_wp(a, s->lvl, e);
	else if (c->cp_flags & PTSIM_CP_UFFD_WP_RESOLVE)
		e = a->ops->clear_uffd_wp(a, s->lvl, e);
	if (c->try_writable && !a->ops->write(a, s->lvl, e) &&
	    can_change_writable(c->st, c->vma, s->lvl, e))
		e = a->ops->mkwrite(a, s->lvl, e);
	if (e != old) {
		ptsim__set_entry(c->st->pt, s, e);
		c->pages++;
	}
	return 0;
}

/* change_protection() over [start, end) of @vma; returns entries changed. */
uint64_t ptsim__change_protection(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
				  uint64_t end, unsigned int cp_flags)
{
	struct cp_ctx c = {
		.st = st, .vma = vma, .newprot = vma->vm_page_prot, .cp_flags = cp_flags};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = change_pte_fn, .priv = &c, .flags = PTSIM_VISIT_LEAF};

	PTSIM_BUG_ON((cp_flags & PTSIM_CP_UFFD_WP) && (cp_flags & PTSIM_CP_UFFD_WP_RESOLVE));
	/*
	 * MM_CP_TRY_CHANGE_WRITABLE when vma_wants_manual_pte_write_upgrade():
	 * mprotect and uffd-wp unprotect pass it, uffd-wp protect does not.
	 */
	if (!(cp_flags & PTSIM_CP_UFFD_WP))
		c.try_writable = vma->vm_flags & PTSIM_VM_SHARED
					 ? wants_writenotify(st->ctx, vma)
					 : (vma->vm_flags & PTSIM_VM_WRITE) != 0;
	(void)ptsim__visit(&v, start, end);
	return c.pages;
}

int ptsim__do_mprotect(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, unsigned int prot)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_host *h = ctx->host;
	const uint64_t rwx = PTSIM_VM_READ | PTSIM_VM_WRITE | PTSIM_VM_EXEC;
	struct ptsim_vma *vma, *spare[2], *first, *last;
	uint64_t end, pages = 0;
	const char *op;
	int err, n = 0;

	if (prot & ~(PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC))
		return ptsim__seterr(h, -EINVAL, "mprotect: unknown prot 0x%x", prot);
	err = check_range(st, "mprotect", addr, len, &end);
	if (err)
		return err;
	/* The whole range must be mapped. */
	vma = ptsim__find_vma(&st->vmas, addr);
	if (!vma || vma->vm_start > addr)
		return ptsim__seterr(h, -ENOMEM, "mprotect: 0x%llx is not mapped",
				     (unsigned long long)addr);
	for (struct ptsim_vma *v = vma; v->vm_end < end; v = ptsim__vma_next(v)) {
		struct ptsim_vma *nx = ptsim__vma_next(v);

		if (!nx || nx->vm_start != v->vm_end)
			return ptsim__seterr(h, -ENOMEM, "mprotect: 0x%llx is not mapped",
					     (unsigned long long)v->vm_end);
	}
	/* Splits only where the flags really change. */
	if (vma->vm_start < addr && (vma->vm_flags & rwx) != prot)
		n++;
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last->vm_end > end && (last->vm_flags & rwx) != prot)
		n++;
	err = alloc_spares(ctx, n, spare);
	if (err)
		return ptsim__seterr(h, err, "mprotect: out of memory splitting a VMA");

	/* Commit: split, change flags and entries, merge, flush. */
	n = 0;
	if (vma->vm_start < addr && (vma->vm_flags & rwx) != prot) {
		split_vma(st, vma, spare[n], addr);
		vma = spare[n];
		spare[n++] = NULL;
	}
	last = ptsim__find_vma(&st->vmas, end - 1);
	if (last->vm_end > end && (last->vm_flags & rwx) != prot) {
		split_vma(st, last, spare[n], end);
		spare[n++] = NULL;
	}
	first = vma;
	op = ptsim__tlb_set_op(ctx->tlbs, "mprotect");
	for (vma = first; vma && vma->vm_start < end; vma = ptsim__vma_next(vma)) {
		uint64_t newflags = (vma->vm_flags & ~rwx) | prot;

		if (newflags == vma->vm_flags)
			continue;
		if ((newflags & PTSIM_VM_WRITE) && !(newflags & PTSIM_VM_SHARED))
			newflags |= PTSIM_VM_ACCOUNT; /* security_vm_enough_memory() charged */
		vma->vm_flags = newflags;
		vma->vm_page_prot = ptsim__vma_page_prot(ctx, vma);
		pages += ptsim__change_protection(st, vma,
						  vma->vm_start > addr ? vma->vm_start : addr,
						  vma->vm_end < end ? vma->vm_end : end, 0);
	}
	if (pages)
		ptsim__flush_tlb_range(ctx->tlbs, st->tlb_mm, addr, end - 1, ctx->arch->page_shift,
				       false);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	/* vma_modify_flags() merges what changed with its neighbours. */
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start <= end;) {
		struct ptsim_vma *m = merge_around(st, vma);

		vma = ptsim__vma_next(m);
	}
	free_spares(ctx, spare);
	return 0;
}

/* --- madvise ------------------------------------------------------------------------- */

int ptsim__do_madvise(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, int advice)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_zap_details d = {.drop_markers = false};
	struct ptsim_vma *vma;
	uint64_t end, pos;
	bool hole = false;
	int err;

	if (advice != PTSIM_MADV_DONTNEED)
		return ptsim__seterr(ctx->host, -EINVAL, "madvise: unknown advice %d", advice);
	err = check_range(st, "madvise", addr, len, &end);
	if (err)
		return err;
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma))
		if (vma->vm_flags & (PTSIM_VM_LOCKED | PTSIM_VM_PFNMAP | PTSIM_VM_HUGETLB))
			return ptsim__seterr(ctx->host, -EINVAL,
					     "madvise: DONTNEED on a locked, PFN-mapped or "
					     "hugetlb VMA at 0x%llx",
					     (unsigned long long)vma->vm_start);
	pos = addr;
	for (vma = ptsim__find_vma(&st->vmas, addr); vma && vma->vm_start < end;
	     vma = ptsim__vma_next(vma)) {
		struct ptsim_mmu_gather tlb;
		uint64_t s = vma->vm_start > addr ? vma->vm_start : addr;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		const char *op = ptsim__tlb_set_op(ctx->tlbs, "madvise");

		hole |= s > pos;
		/* zap_page_range_single(): one gather per VMA; tables stay. */
		ptsim__tlb_gather(st, &tlb, false);
		ptsim__zap_range(st, &tlb, vma, s, e, &d);
		ptsim__tlb_finish(st, &tlb);
		ptsim__tlb_restore_op(ctx->tlbs, op);
		pos = e;
	}
	if (hole || pos < end)
		return ptsim__seterr(ctx->host, -ENOMEM,
				     "madvise: part of [0x%llx, 0x%llx) is not mapped",
				     (unsigned long long)addr, (unsigned long long)end);
	return 0;
}

/* --- exit ---------------------------------------------------------------------------- */

void ptsim__exit_mmap(struct ptsim_mm_state *st)
{
	struct ptsim_mm_ctx *ctx = st->ctx;
	struct ptsim_zap_details d = {.drop_markers = true};
	struct ptsim_vma *vma, *first = ptsim__vma_first(&st->vmas), *last;
	struct ptsim_mmu_gather tlb;
	const char *op;

	ptsim__uffd_release(st);
	if (!first)
		return;
	for (last = first; ptsim__vma_next(last); last = ptsim__vma_next(last))
		;
	op = ptsim__tlb_set_op(ctx->tlbs, "exit_mmap");
	ptsim__tlb_gather(st, &tlb, true);
	for (vma = first; vma; vma = ptsim__vma_next(vma))
		ptsim__zap_range(st, &tlb, vma, vma->vm_start, vma->vm_end, &d);
	free_pgtables(st, &tlb, first, last, 0, 0);
	ptsim__tlb_finish(st, &tlb);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	while ((vma = ptsim__vma_first(&st->vmas))) {
		ptsim__vma_remove(&st->vmas, vma);
		ptsim__vma_unlink_rmap(ctx, vma);
		ptsim__vma_free(ctx, vma);
	}
}
