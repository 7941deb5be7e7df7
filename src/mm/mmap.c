// SPDX-License-Identifier: MIT
/*
 * mmap.c - address spaces and mmap: lifecycle, protections of a VMA,
 * placement, do_mmap() and exit_mmap() (follows mm/mmap.c).  Splitting,
 * merging and munmap are vma.c, mprotect is mprotect.c, madvise madvise.c.
 *
 * Every operation prepares first - the VMA structs a split may need, the
 * new VMA, a shmem file for a shared anonymous mapping - and then commits
 * in a phase that cannot fail.  No operation here allocates page tables;
 * munmap and exit free them (zap.c).
 *
 * Placement.  Without MAP_FIXED the range is found top-down below
 * mmap_base = DEFAULT_MAP_WINDOW - 128 MiB (the kernel's minimum stack gap,
 * no randomization), above mmap_min_addr = 64 KiB, taking the hint when the
 * range at the hint is free (arch_get_unmapped_area_topdown()).
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
	ptsim__hugetlb_vm_op_close(ctx, vma);
	ptsim__anon_vma_unlink(ctx, vma);
	if (vma->vm_file)
		ptsim__file_vma_unlink(vma->vm_file, vma);
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
bool ptsim__vma_soft_dirty_enabled(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	return ctx->cfg->soft_dirty && !(vma->vm_flags & PTSIM_VM_SOFTDIRTY);
}

/* vma_wants_writenotify(). */
bool ptsim__vma_wants_writenotify(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	uint64_t f = vma->vm_flags;

	if ((f & (PTSIM_VM_WRITE | PTSIM_VM_SHARED)) != (PTSIM_VM_WRITE | PTSIM_VM_SHARED))
		return false;
	if (f & PTSIM_VM_PFNMAP)
		return false;
	if (vma->vm_file && !vma->vm_file->shmem && !vma->vm_file->hsize)
		return true; /* page_mkwrite / mapping_can_writeback() (not hugetlbfs) */
	if (ptsim__vma_soft_dirty_enabled(ctx, vma) && !(f & PTSIM_VM_HUGETLB))
		return true;
	return (f & PTSIM_VM_UFFD_WP) != 0;
}

uint64_t ptsim__vma_page_prot(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma)
{
	unsigned int prot =
		(unsigned int)(vma->vm_flags & (PTSIM_VM_READ | PTSIM_VM_WRITE | PTSIM_VM_EXEC));

	/* protection_map[]: private writable is copy-on-write, i.e. read-only. */
	if (!(vma->vm_flags & PTSIM_VM_SHARED) || ptsim__vma_wants_writenotify(ctx, vma))
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
	out->hugetlb_size = (v->vm_flags & PTSIM_VM_HUGETLB) ? v->vm_file->hsize : 0;
}

/* Validate and page-align [addr, addr + len): 0 or -EINVAL. */
int ptsim__vma_check_range(struct ptsim_mm_state *st, const char *what, uint64_t addr, uint64_t len,
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
	if (addr + alen < addr || addr + alen > ptsim__task_size(a))
		return ptsim__seterr(st->ctx->host, -EINVAL,
				     "%s: [0x%llx, +0x%llx) outside the address space", what,
				     (unsigned long long)addr, (unsigned long long)alen);
	*end = addr + alen;
	return 0;
}

/* --- mmap ------------------------------------------------------------------------- */

/*
 * arch_get_unmapped_area_topdown(), with the hint tried first: the highest
 * free range of @len bytes in [mmap_min_addr, mmap_base), found by
 * unmapped_area_topdown() in O(log n) (src/mm/vma_tree.c).
 */
static int get_unmapped_area(struct ptsim_mm_state *st, uint64_t hint, uint64_t len, uint64_t align,
			     uint64_t *out)
{
	const struct ptsim_arch *a = st->ctx->arch;
	uint64_t psz = ptsim__page_size(a);
	uint64_t top = map_window(a) - MIN_GAP;
	int err;

	if (align < psz)
		align = psz;
	if (hint) {
		hint = (hint + align - 1) & ~(align - 1);
		if (hint >= MMAP_MIN_ADDR && hint <= task_size(a) - len &&
		    ptsim__vma_range_free(&st->vmas, hint, hint + len)) {
			*out = hint;
			return 0;
		}
	}
	if (align == psz)
		return ptsim__vma_unmapped_area_topdown(&st->vmas, MMAP_MIN_ADDR, top, len, out);
	/*
	 * hugetlb_get_unmapped_area(): unmapped_area_topdown() with an
	 * align_mask looks for a gap of len + align - page, then takes the
	 * highest aligned start in it.
	 */
	if (len + (align - psz) < len)
		return -ENOMEM;
	err = ptsim__vma_unmapped_area_topdown(&st->vmas, MMAP_MIN_ADDR, top, len + (align - psz),
					       out);
	if (!err)
		*out = (*out + (align - psz)) & ~(align - 1);
	return err;
}

struct raw_ctx {
	struct ptsim_mm_state *st;
	uint64_t addr; /* the first entry found outside every VMA */
};

static int raw_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		  uint64_t next)
{
	struct raw_ctx *c = v->priv;

	(void)what;
	(void)s;
	(void)next;
	if (ptsim__vma_lookup(&c->st->vmas, addr))
		return 0; /* a VMA the new mapping replaces: zapped as usual */
	c->addr = addr;
	return 1;
}

/*
 * Whether [start, end) holds an entry written outside VMAs (ptsim_map(),
 * ptsim_pgslot_set()): a new VMA over it would take a frame nobody
 * reference-counted, or a huge leaf without a deposit, for one of its own.
 */
static bool raw_entries(struct ptsim_mm_state *st, uint64_t start, uint64_t end, uint64_t *at)
{
	struct raw_ctx c = {.st = st};
	struct ptsim_visitor v = {
		.pt = st->pt, .fn = raw_fn, .priv = &c, .flags = PTSIM_VISIT_LEAF};

	if (ptsim__visit(&v, start, end) != 1)
		return false;
	*at = c.addr;
	return true;
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
	struct ptsim_uffd_node *unmap_msg = NULL;
	struct ptsim_hugetlb_mmap_prep hp = {0};
	uint64_t vm_flags, start, raw, hsize = 0;
	int err;

	if (flags & ~(PTSIM_MAP_SHARED | PTSIM_MAP_PRIVATE | PTSIM_MAP_FIXED | PTSIM_MAP_ANONYMOUS |
		      PTSIM_MAP_FIXED_NOREPLACE | PTSIM_MAP_NORESERVE | PTSIM_MAP_HUGETLB |
		      (PTSIM_MAP_HUGE_MASK << PTSIM_MAP_HUGE_SHIFT)))
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
	/* ksys_mmap_pgoff(): MAP_HUGETLB (anonymous only here): the length in huge pages. */
	if (!anon && file->hsize) {
		/* is_file_hugepages(): the file's page size; the offset huge-page aligned. */
		hsize = file->hsize;
		if ((pgoff << a->page_shift) & (hsize - 1))
			return ptsim__seterr(h, -EINVAL,
					     "mmap: offset 0x%llx pages not aligned to the hugetlb "
					     "page size 0x%llx",
					     (unsigned long long)pgoff, (unsigned long long)hsize);
	} else if ((flags & PTSIM_MAP_HUGETLB) && !anon) {
		return ptsim__seterr(h, -EINVAL,
				     "mmap: MAP_HUGETLB on a file that is not hugetlbfs");
	} else if (flags & PTSIM_MAP_HUGETLB) {
		err = ptsim__hugetlb_size_from_flags(st, flags, &hsize);
		if (err)
			return err;
	}
	if (hsize) {
		alen = (len + hsize - 1) & ~(hsize - 1);
		if (alen < len)
			return ptsim__seterr(h, -ENOMEM,
					     "mmap: length 0x%llx exceeds the address space",
					     (unsigned long long)len);
		if (fixed && (addr & (hsize - 1)))
			return ptsim__seterr(h, -EINVAL,
					     "mmap: fixed addr 0x%llx not aligned to the hugetlb "
					     "page size 0x%llx",
					     (unsigned long long)addr, (unsigned long long)hsize);
	}
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
		err = ptsim__hugetlb_may_split(st, "mmap", start, start + alen);
		if (err)
			return err;
	} else if (get_unmapped_area(st, addr, alen, hsize, &start)) {
		return ptsim__seterr(h, -ENOMEM, "mmap: no room for 0x%llx bytes",
				     (unsigned long long)alen);
	}

	/* Entries outside VMAs are their writer's: a VMA may not take them over. */
	if (raw_entries(st, start, start + alen, &raw))
		return ptsim__seterr(h, -EBUSY,
				     "mmap: 0x%llx in [0x%llx, 0x%llx) is mapped outside any VMA "
				     "(ptsim_map(), ptsim_pgslot_set()); unmap it first",
				     (unsigned long long)raw, (unsigned long long)start,
				     (unsigned long long)(start + alen));

	/* What: do_mmap()'s flags. */
	vm_flags = prot | PTSIM_VM_MAYREAD | PTSIM_VM_MAYWRITE | PTSIM_VM_MAYEXEC;
	if (type == PTSIM_MAP_SHARED)
		vm_flags |= PTSIM_VM_SHARED | PTSIM_VM_MAYSHARE;
	else if ((prot & PTSIM_PROT_WRITE) && !hsize && !(flags & PTSIM_MAP_NORESERVE))
		vm_flags |= PTSIM_VM_ACCOUNT; /* accountable_mapping(): not hugetlbfs */
	/* MAP_NORESERVE (overcommit is not OVERCOMMIT_NEVER; always for hugetlbfs). */
	if (flags & PTSIM_MAP_NORESERVE)
		vm_flags |= PTSIM_VM_NORESERVE;
	if (hsize)
		vm_flags |= PTSIM_VM_HUGETLB | PTSIM_VM_DONTEXPAND; /* hugetlbfs_file_mmap() */
	if (ctx->cfg->soft_dirty)
		vm_flags |=
			PTSIM_VM_SOFTDIRTY; /* VM_SOFTDIRTY is 0 without CONFIG_MEM_SOFT_DIRTY */
	if (anon && type == PTSIM_MAP_PRIVATE && !hsize)
		pgoff = start >> a->page_shift; /* anonymous VMAs are indexed by address */

	/* Prepare. */
	vma = ptsim__vma_alloc(ctx);
	if (!vma)
		return ptsim__seterr(h, -ENOMEM, "mmap: out of memory for the VMA");
	if (hsize) {
		/* hugetlb_file_setup(), then hugetlb_reserve_pages() (-ENOMEM: nothing changed). */
		err = ptsim__hugetlb_mmap_prepare(st, anon ? NULL : file, hsize, alen, pgoff, type,
						  flags & PTSIM_MAP_NORESERVE,
						  prot & PTSIM_PROT_WRITE, &hp);
		if (err) {
			ptsim__vma_free(ctx, vma);
			return err;
		}
		if (anon)
			file = hp.file;
	} else if (anon && type == PTSIM_MAP_SHARED) {
		/* shmem_zero_setup(): a shared anonymous mapping is a shmem file of its own. */
		shm = ptsim__file_alloc(ctx, alen, true, false);
		if (!shm)
			goto err_free;
		file = shm;
	}
	/* userfaultfd_unmap_prep(): a MAP_FIXED over registered VMAs unmaps them. */
	if (fixed &&
	    ptsim__uffd_wants_event(st, PTSIM_UFFD_FEATURE_EVENT_UNMAP, start, start + alen)) {
		unmap_msg = ptsim__uffd_msg_alloc(st);
		if (!unmap_msg)
			goto err_free;
	}
	err = ptsim__vma_spares_alloc(
		ctx, fixed ? ptsim__vma_splits_needed(st, start, start + alen) : 0, spare);
	if (err)
		goto err_free;

	/* Commit. */
	if (fixed)
		ptsim__munmap_prepared(st, start, start + alen, spare);
	if (unmap_msg)
		ptsim__uffd_queue_range(st, unmap_msg, PTSIM_UFFD_EVENT_UNMAP, start, start + alen);
	if (shm)
		ptsim__file_publish(shm);
	if (hp.file)
		ptsim__file_publish(hp.file);
	vma->vm_start = start;
	vma->vm_end = start + alen;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->vm_mm = st;
	if (!anon || type == PTSIM_MAP_SHARED || hsize)
		ptsim__file_vma_link(file, vma);
	if (hsize)
		ptsim__hugetlb_mmap_commit(st, vma, &hp);
	vma->vm_page_prot = ptsim__vma_page_prot(ctx, vma);
	PTSIM_BUG_ON(ptsim__vma_insert(&st->vmas, vma));
	ptsim__vma_merge(st, vma);
	ptsim__vma_spares_free(ctx, spare);
	*out = start;
	return 0;

err_free:
	if (unmap_msg)
		ptsim__free(ctx->host, unmap_msg, sizeof(*unmap_msg));
	if (shm)
		ptsim__file_discard(shm);
	ptsim__hugetlb_mmap_abort(st, &hp);
	ptsim__vma_free(ctx, vma);
	return ptsim__seterr(h, -ENOMEM, "mmap: out of memory");
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
	if (!first) {
		ptsim__put_huge_zero_folio(st);
		return;
	}
	for (last = first; ptsim__vma_next(last); last = ptsim__vma_next(last))
		;
	op = ptsim__tlb_set_op(ctx->tlbs, "exit_mmap");
	ptsim__tlb_gather(st, &tlb, true);
	for (vma = first; vma; vma = ptsim__vma_next(vma))
		ptsim__zap_range(st, &tlb, vma, vma->vm_start, vma->vm_end, &d);
	ptsim__free_pgtables(st, &tlb, first, last, 0, 0);
	ptsim__tlb_finish(st, &tlb);
	ptsim__tlb_restore_op(ctx->tlbs, op);
	while ((vma = ptsim__vma_first(&st->vmas))) {
		ptsim__vma_remove(&st->vmas, vma);
		ptsim__vma_unlink_rmap(ctx, vma);
		ptsim__vma_free(ctx, vma);
	}
	ptsim__put_huge_zero_folio(st);
}
