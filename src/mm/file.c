// SPDX-License-Identifier: MIT
/*
 * file.c - simulated files with a page cache, and anon_vmas.
 *
 * A file is an id, a size and a page cache: a hash table from page index
 * to folio (the kernel's address_space i_pages xarray).  Each cached folio
 * holds the cache's references (one per page, as filemap_add_folio() takes
 * folio_nr_pages()), has mapping = id << 2 and index = its page index.  A
 * file lives while its creator's reference or a VMA holds it; when the last
 * goes the cache is dropped (truncate_inode_pages(): no VMA maps it then,
 * so only the cache's references remain to put) and the file freed.
 *
 * An anon_vma is an id and the list of VMAs that may map its folios
 * (the kernel's anon_vma_chain, flattened: one anon_vma per family of VMAs
 * split or forked from one another).  It is freed when its last VMA goes;
 * folios still pointing at its id then find nothing, which is right, since
 * nothing maps them.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

struct ptsim_file *ptsim__file_alloc(struct ptsim_mm_ctx *ctx, uint64_t size, bool shmem,
				     bool user_ref)
{
	struct ptsim_file *f = ptsim__zalloc(ctx->host, sizeof(*f));

	if (!f)
		return NULL;
	f->ctx = ctx;
	f->size = size;
	f->shmem = shmem;
	f->user_ref = user_ref;
	return f;
}

void ptsim__file_publish(struct ptsim_file *f)
{
	struct ptsim_mm_ctx *ctx = f->ctx;

	f->id = ++ctx->next_file_id;
	ptsim__hash_add(ctx->host, &ctx->files, &f->node, f->id);
}

void ptsim__file_discard(struct ptsim_file *f)
{
	ptsim__free(f->ctx->host, f, sizeof(*f));
}

struct ptsim_file *ptsim__file_lookup(struct ptsim_mm_ctx *ctx, uint64_t id)
{
	return ptsim__hash_entry(ptsim__hash_find(&ctx->files, id), struct ptsim_file, node);
}

/* truncate_inode_pages() on a file nothing maps any more, then free it. */
static void file_free(struct ptsim_file *f)
{
	struct ptsim_mm_ctx *ctx = f->ctx;

	ptsim__hugetlb_file_release(f);
	while (f->cache.first) {
		struct ptsim_pcache *pc =
			ptsim__hash_entry(f->cache.first, struct ptsim_pcache, node);
		unsigned int nr = ptsim__folio_nr_pages(ctx, pc->pfn);
		struct ptsim_frame *head = ptsim__frame(ctx, pc->pfn);

		ptsim__hash_del_release(ctx->host, &f->cache, &pc->node);
		/* The folio leaves the cache: no mapping any more (it may live on, pinned). */
		head->mapping = 0;
		for (unsigned int i = 0; i < nr; i++)
			(void)ptsim__folio_put(ctx->mem, pc->pfn);
		ptsim__free(ctx->host, pc, sizeof(*pc));
	}
	ptsim__hash_del_release(ctx->host, &ctx->files, &f->node);
	ptsim__free(ctx->host, f, sizeof(*f));
}

static void file_maybe_free(struct ptsim_file *f)
{
	if (!f->user_ref && !f->nr_vmas)
		file_free(f);
}

void ptsim__file_close(struct ptsim_file *f)
{
	if (!f || !f->user_ref)
		return;
	f->user_ref = false;
	file_maybe_free(f);
}

void ptsim__file_vma_link(struct ptsim_file *f, struct ptsim_vma *vma)
{
	vma->vm_file = f;
	vma->f_prev = NULL;
	vma->f_next = f->i_mmap;
	if (f->i_mmap)
		f->i_mmap->f_prev = vma;
	f->i_mmap = vma;
	f->nr_vmas++;
}

void ptsim__file_vma_unlink(struct ptsim_file *f, struct ptsim_vma *vma)
{
	if (vma->f_prev)
		vma->f_prev->f_next = vma->f_next;
	else
		f->i_mmap = vma->f_next;
	if (vma->f_next)
		vma->f_next->f_prev = vma->f_prev;
	vma->f_next = vma->f_prev = NULL;
	vma->vm_file = NULL;
	f->nr_vmas--;
	file_maybe_free(f);
}

bool ptsim__pcache_lookup(struct ptsim_file *f, uint64_t index, uint64_t *pfn)
{
	struct ptsim_pcache *pc =
		ptsim__hash_entry(ptsim__hash_find(&f->cache, index), struct ptsim_pcache, node);

	if (!pc)
		return false;
	*pfn = pc->pfn;
	return true;
}

int ptsim__pcache_prepare(struct ptsim_file *f, struct ptsim_pcache_prep *p)
{
	struct ptsim_mm_ctx *ctx = f->ctx;
	int err;

	p->slot = ptsim__zalloc(ctx->host, sizeof(*p->slot));
	if (!p->slot)
		return -ENOMEM;
	err = ptsim__folio_alloc(ctx->mem, 0, &p->pfn);
	if (err) {
		ptsim__free(ctx->host, p->slot, sizeof(*p->slot));
		p->slot = NULL;
		return err;
	}
	return 0;
}

void ptsim__pcache_discard(struct ptsim_file *f, struct ptsim_pcache_prep *p)
{
	if (!p->slot)
		return;
	(void)ptsim__folio_put(f->ctx->mem, p->pfn);
	ptsim__free(f->ctx->host, p->slot, sizeof(*p->slot));
	p->slot = NULL;
}

/* filemap_add_folio(): the folio's reference from allocation becomes the cache's. */
void ptsim__pcache_commit(struct ptsim_file *f, uint64_t index, struct ptsim_pcache_prep *p)
{
	struct ptsim_mm_ctx *ctx = f->ctx;
	struct ptsim_frame *fr = ptsim__frame(ctx, p->pfn);

	fr->mapping = f->id << PTSIM_MAPPING_SHIFT;
	fr->index = index;
	ptsim__page_set_flag(ctx->mem, p->pfn, PTSIM_PG_uptodate);
	ptsim__page_set_flag(ctx->mem, p->pfn, PTSIM_PG_lru);
	if (f->shmem)
		ptsim__page_set_flag(ctx->mem, p->pfn, PTSIM_PG_swapbacked);
	p->slot->pfn = p->pfn;
	ptsim__hash_add(ctx->host, &f->cache, &p->slot->node, index);
	f->nr_cached++;
	p->slot = NULL;
}

void ptsim__pcache_for_each(struct ptsim_mm_ctx *ctx, void (*fn)(void *arg, uint64_t pfn),
			    void *arg)
{
	for (struct ptsim_hnode *fn_ = ctx->files.first; fn_; fn_ = fn_->next) {
		struct ptsim_file *f = ptsim__hash_entry(fn_, struct ptsim_file, node);

		for (struct ptsim_hnode *n = f->cache.first; n; n = n->next)
			fn(arg, ptsim__hash_entry(n, struct ptsim_pcache, node)->pfn);
	}
}

/* --- anon_vma ----------------------------------------------------------------- */

struct ptsim_anon_vma *ptsim__anon_vma_alloc(struct ptsim_mm_ctx *ctx)
{
	struct ptsim_anon_vma *av = ptsim__zalloc(ctx->host, sizeof(*av));

	if (!av)
		return NULL;
	av->id = ++ctx->next_anon_vma_id;
	ptsim__hash_add(ctx->host, &ctx->anon_vmas, &av->node, av->id);
	return av;
}

void ptsim__anon_vma_free(struct ptsim_mm_ctx *ctx, struct ptsim_anon_vma *av)
{
	ptsim__hash_del_release(ctx->host, &ctx->anon_vmas, &av->node);
	ptsim__free(ctx->host, av, sizeof(*av));
}

struct ptsim_anon_vma *ptsim__anon_vma_lookup(struct ptsim_mm_ctx *ctx, uint64_t id)
{
	return ptsim__hash_entry(ptsim__hash_find(&ctx->anon_vmas, id), struct ptsim_anon_vma,
				 node);
}

void ptsim__anon_vma_link(struct ptsim_anon_vma *av, struct ptsim_vma *vma)
{
	vma->anon_vma = av;
	vma->av_prev = NULL;
	vma->av_next = av->vmas;
	if (av->vmas)
		av->vmas->av_prev = vma;
	av->vmas = vma;
	av->nr_vmas++;
}

void ptsim__anon_vma_unlink(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma)
{
	struct ptsim_anon_vma *av = vma->anon_vma;

	if (!av)
		return;
	if (vma->av_prev)
		vma->av_prev->av_next = vma->av_next;
	else
		av->vmas = vma->av_next;
	if (vma->av_next)
		vma->av_next->av_prev = vma->av_prev;
	vma->av_next = vma->av_prev = NULL;
	vma->anon_vma = NULL;
	if (--av->nr_vmas == 0)
		ptsim__anon_vma_free(ctx, av);
}
