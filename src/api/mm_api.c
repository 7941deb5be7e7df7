// SPDX-License-Identifier: MIT
/*
 * mm_api.c - address spaces and the public page-table calls.
 */
#include <errno.h>

#include "api/machine.h"
#include "pgtable/visit.h"

struct ptsim_mm_ctx *ptsim__mmctx(struct ptsim_machine *m)
{
	struct ptsim_mm_ctx *ctx = &m->mmctx;

	if (ctx->ready)
		return ctx;
	ctx->host = &m->host;
	ctx->arch = m->arch;
	ctx->mem = &m->mem;
	ctx->pa = &m->ptalloc;
	ctx->tlbs = &m->tlbs;
	ctx->cfg = &m->cfg;
	ctx->mmu.hw_af = m->cfg.mmu_hw_af;
	ctx->mmu.hw_dbm = m->cfg.mmu_hw_dbm;
	ctx->ready = true;
	return ctx;
}

int ptsim_mm_create(struct ptsim_machine *m, struct ptsim_mm **out)
{
	struct ptsim_mm *mm;
	int err;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "mm_create: NULL out");
	mm = ptsim__zalloc(&m->host, sizeof(*mm));
	if (!mm)
		return ptsim__seterr(&m->host, -ENOMEM, "mm_create: out of host memory");
	mm->m = m;
	mm->asid = m->next_asid;
	err = ptsim__tlb_mm_init(&m->tlbs, &mm->tlb, mm->asid);
	if (err) {
		ptsim__free(&m->host, mm, sizeof(*mm));
		return ptsim__seterr(&m->host, err,
				     "mm_create: out of host memory for the cpumask");
	}
	err = ptsim__pgtables_init(&mm->pt, &m->ptalloc, mm->asid, false);
	if (err) {
		ptsim__tlb_mm_fini(&m->tlbs, &mm->tlb);
		ptsim__free(&m->host, mm, sizeof(*mm));
		return ptsim__seterr(&m->host, err, "mm_create: no memory for the top-level table");
	}
	ptsim__mm_state_init(&mm->vm, ptsim__mmctx(m), &mm->pt, &mm->tlb, mm);
	m->next_asid++;
	mm->next = m->mms;
	if (m->mms)
		m->mms->prev = mm;
	m->mms = mm;
	*out = mm;
	return 0;
}

void ptsim_mm_destroy(struct ptsim_mm *mm)
{
	struct ptsim_machine *m;

	if (!mm)
		return;
	m = mm->m;
	/* exit_mmap(): zap every VMA and free the tables under them through an mmu_gather. */
	ptsim__exit_mmap(&mm->vm);
	/* Clear -> flush -> free: no CPU may keep a translation into the tables freed next. */
	ptsim__flush_tlb_mm(&m->tlbs, &mm->tlb);
	ptsim__lockless_orphan(&m->ptalloc, &mm->pt);
	ptsim__pgtables_fini(&mm->pt);
	ptsim__tlb_mm_fini(&m->tlbs, &mm->tlb);
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		m->mms = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	ptsim__free(&m->host, mm, sizeof(*mm));
}

struct ptsim_machine *ptsim_mm_machine(const struct ptsim_mm *mm)
{
	return mm ? mm->m : NULL;
}

uint64_t ptsim_mm_pgtables_bytes(const struct ptsim_mm *mm)
{
	return mm ? mm->pt.pgtables_bytes : 0;
}

uint64_t ptsim_mm_nr_tables(const struct ptsim_mm *mm, enum ptsim_level lvl)
{
	if (!mm)
		return 0;
	if ((unsigned int)lvl >= PTSIM_NR_LEVELS) {
		(void)ptsim__seterr(&mm->m->host, -EINVAL, "mm_nr_tables: bad level %d", (int)lvl);
		return 0;
	}
	return mm->pt.nr_tables[lvl];
}

uint64_t ptsim_mm_pgd_pfn(const struct ptsim_mm *mm)
{
	return mm ? mm->pt.root_pfn : 0;
}

/*
 * Raw map/unmap stay outside VMAs: pages in a VMA are reference counted and
 * reverse mapped, which a raw mapping is not (its caller owns the frames).
 */
static int outside_vmas(struct ptsim_mm *mm, const char *fn, uint64_t va, uint64_t len)
{
	struct ptsim_vma *vma = ptsim__find_vma(&mm->vm.vmas, va);

	if (!len || va + len < va || !vma || (vma->vm_start > va && vma->vm_start - va >= len))
		return 0;
	return ptsim__seterr(&mm->m->host, -EBUSY,
			     "%s: [0x%llx, 0x%llx) overlaps the VMA [0x%llx, 0x%llx); pages enter "
			     "VMAs through faults (ptsim_access()) and leave through "
			     "ptsim_munmap()/ptsim_madvise()",
			     fn, (unsigned long long)va, (unsigned long long)(va + len),
			     (unsigned long long)vma->vm_start, (unsigned long long)vma->vm_end);
}

int ptsim_map(struct ptsim_mm *mm, uint64_t va, uint64_t len, uint64_t pfn, uint64_t page_size,
	      uint64_t pgprot, unsigned int flags)
{
	int err;

	if (!mm)
		return -EINVAL;
	err = outside_vmas(mm, "map", va, len);
	if (err)
		return err;
	ptsim__op_begin(mm->m);
	return ptsim__op_end(mm->m, ptsim__map(&mm->pt, va, len, pfn, page_size, pgprot, flags));
}

long ptsim_unmap(struct ptsim_mm *mm, uint64_t va, uint64_t len, unsigned int flags)
{
	int err;

	if (!mm)
		return -EINVAL;
	err = outside_vmas(mm, "unmap", va, len);
	return err ? err : ptsim__unmap(&mm->pt, va, len, flags);
}

int ptsim_translate(struct ptsim_mm *mm, uint64_t va, struct ptsim_translation *t)
{
	struct ptsim_host *h;
	int err;

	if (!mm)
		return -EINVAL;
	h = &mm->m->host;
	if (!t)
		return ptsim__seterr(h, -EINVAL, "translate: NULL result");
	err = ptsim__translate(&mm->pt, va, t);
	switch (err) {
	case 0:
		return 0;
	case -EINVAL:
		return ptsim__seterr(h, err, "translate: 0x%llx is not a valid address of %s",
				     (unsigned long long)va, mm->m->arch->name);
	case -ENOENT:
		return ptsim__seterr(
			h, err, "translate: 0x%llx is not mapped (the %s entry is none)",
			(unsigned long long)va, ptsim_arch_level_name(mm->m->arch, t->level));
	case -EFAULT:
		return ptsim__seterr(h, err,
				     "translate: the %s entry 0x%016llx for 0x%llx is not present "
				     "(swap, marker or PROT_NONE)",
				     ptsim_arch_level_name(mm->m->arch, t->level),
				     (unsigned long long)t->entry, (unsigned long long)va);
	default:
		return ptsim__seterr(h, err, "translate: corrupt tables at 0x%llx",
				     (unsigned long long)va);
	}
}

int ptsim_walk_page_range(struct ptsim_mm *mm, uint64_t start, uint64_t end,
			  const struct ptsim_walk_ops *ops, void *priv)
{
	struct ptsim_host *h;
	uint64_t mark;
	int ret;

	if (!mm)
		return -EINVAL;
	h = &mm->m->host;
	if (!ops)
		return ptsim__seterr(h, -EINVAL, "walk_page_range: NULL ops");
	if (!ptsim__walk_range_valid(mm->m->arch, start, end))
		return ptsim__seterr(
			h, -EINVAL, "walk_page_range: [0x%llx, 0x%llx) is not a valid range of %s",
			(unsigned long long)start, (unsigned long long)end, mm->m->arch->name);
	mark = h->nr_errors;
	ret = ptsim__walk_page_range(&mm->pt, mm, start, end, ops, priv);
	if (ret < 0 && h->nr_errors == mark)
		return ptsim__seterr(h, ret,
				     "walk_page_range: a callback stopped the walk with %d (%s)",
				     ret, ptsim_strerror(ret));
	return ret;
}

long ptsim_ptdump(struct ptsim_mm *mm, uint64_t start, uint64_t end, FILE *f)
{
	struct ptsim_host *h;
	long ret;

	if (!mm)
		return -EINVAL;
	h = &mm->m->host;
	if (!f)
		return ptsim__seterr(h, -EINVAL, "ptdump: NULL stream");
	ret = ptsim__ptdump(&mm->pt, start, end, f);
	if (ret == -EINVAL)
		return ptsim__seterr(
			h, -EINVAL, "ptdump: [0x%llx, 0x%llx) is not a valid range of %s",
			(unsigned long long)start, (unsigned long long)end, mm->m->arch->name);
	if (ret == -EIO)
		return ptsim__seterr(h, -EIO, "ptdump: writing to the stream failed");
	if (ret < 0)
		return ptsim__seterr(h, (int)ret, "ptdump: %s", ptsim_strerror((int)ret));
	return ret;
}
