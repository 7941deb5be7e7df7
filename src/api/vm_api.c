// SPDX-License-Identifier: MIT
/*
 * vm_api.c - the public address-space calls of include/ptsim/mm.h: files,
 * mmap/munmap/mprotect/madvise, VMA queries, fork.  Validates handles at
 * the boundary and unwraps the machine and address space for src/mm.
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"

int ptsim_file_create(struct ptsim_machine *m, uint64_t size, struct ptsim_file **out)
{
	struct ptsim_file *f;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "file_create: NULL out");
	f = ptsim__file_alloc(ptsim__mmctx(m), size, false, true);
	if (!f)
		return ptsim__seterr(&m->host, -ENOMEM, "file_create: out of host memory");
	ptsim__file_publish(f);
	*out = f;
	return 0;
}

int ptsim_memfd_create(struct ptsim_machine *m, uint64_t size, struct ptsim_file **out)
{
	struct ptsim_file *f;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "memfd_create: NULL out");
	f = ptsim__file_alloc(ptsim__mmctx(m), size, true, true);
	if (!f)
		return ptsim__seterr(&m->host, -ENOMEM, "memfd_create: out of host memory");
	ptsim__file_publish(f);
	*out = f;
	return 0;
}

/* A hugetlb size of the machine from MAP_HUGE-style bits (0: the default, the PMD size). */
static int hugetlb_size_bits(struct ptsim_machine *m, const char *fn, unsigned int log,
			     uint64_t *size)
{
	const struct ptsim_arch *a = m->arch;
	uint64_t sizes[8];
	unsigned int n = ptsim_arch_hugetlb_sizes(a, sizes, 8);

	*size = log ? (log < 64 ? 1ull << log : 0) : ptsim_arch_level_size(a, PTSIM_PMD);
	for (unsigned int i = 0; i < n && i < 8; i++)
		if (sizes[i] == *size)
			return 0;
	return ptsim__seterr(&m->host, -EINVAL, "%s: 2^%u is not a hugetlb size of %s", fn, log,
			     ptsim_arch_name(a));
}

int ptsim_hugetlbfs_create(struct ptsim_machine *m, uint64_t hsize, uint64_t size,
			   struct ptsim_file **out)
{
	struct ptsim_file *f;
	unsigned int log = 0;
	int err;

	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&m->host, -EINVAL, "hugetlbfs_create: NULL out");
	if (hsize && (hsize & (hsize - 1)))
		return ptsim__seterr(&m->host, -EINVAL,
				     "hugetlbfs_create: page size 0x%llx not a power of two",
				     (unsigned long long)hsize);
	while (hsize && (1ull << log) < hsize)
		log++;
	err = hugetlb_size_bits(m, "hugetlbfs_create", log, &hsize);
	if (err)
		return err;
	if (size & (hsize - 1))
		return ptsim__seterr(&m->host, -EINVAL,
				     "hugetlbfs_create: size 0x%llx not a multiple of 0x%llx",
				     (unsigned long long)size, (unsigned long long)hsize);
	f = ptsim__hugetlbfs_file_alloc(ptsim__mmctx(m), hsize, size);
	if (!f)
		return ptsim__seterr(&m->host, -ENOMEM, "hugetlbfs_create: out of host memory");
	ptsim__file_publish(f);
	*out = f;
	return 0;
}

int ptsim_memfd_create_flags(struct ptsim_machine *m, uint64_t size, unsigned int flags,
			     struct ptsim_file **out)
{
	uint64_t hsize;
	int err;

	if (!m)
		return -EINVAL;
	if (flags & ~(PTSIM_MFD_HUGETLB | (PTSIM_MAP_HUGE_MASK << PTSIM_MAP_HUGE_SHIFT)))
		return ptsim__seterr(&m->host, -EINVAL, "memfd_create: unknown flags 0x%x", flags);
	if (!(flags & PTSIM_MFD_HUGETLB)) {
		if (flags)
			return ptsim__seterr(&m->host, -EINVAL,
					     "memfd_create: a size without MFD_HUGETLB");
		return ptsim_memfd_create(m, size, out);
	}
	err = hugetlb_size_bits(m, "memfd_create",
				(flags >> PTSIM_MAP_HUGE_SHIFT) & PTSIM_MAP_HUGE_MASK, &hsize);
	return err ? err : ptsim_hugetlbfs_create(m, hsize, size, out);
}

int ptsim_ftruncate(struct ptsim_file *f, uint64_t size)
{
	struct ptsim_host *h;
	uint64_t mark;

	if (!f)
		return -EINVAL;
	h = f->ctx->host;
	if (!f->hsize)
		return ptsim__seterr(h, -EOPNOTSUPP,
				     "ftruncate: only hugetlbfs files are modelled");
	mark = h->nr_errors;
	return (int)ptsim__api_ret(h, mark, ptsim__hugetlb_truncate(f, size), "ftruncate");
}

void ptsim_file_close(struct ptsim_file *f)
{
	ptsim__file_close(f);
}

uint64_t ptsim_file_size(const struct ptsim_file *f)
{
	return f ? f->size : 0;
}

uint64_t ptsim_file_nr_cached(const struct ptsim_file *f)
{
	return f ? f->nr_cached : 0;
}

int ptsim_file_cache_pfn(struct ptsim_file *f, uint64_t index, uint64_t *pfn)
{
	if (!f)
		return -EINVAL;
	if (!pfn)
		return ptsim__seterr(f->ctx->host, -EINVAL, "file_cache_pfn: NULL pfn");
	if (!ptsim__pcache_lookup(f, index, pfn))
		return ptsim__seterr(f->ctx->host, -ENOENT,
				     "file_cache_pfn: page %llu of the file is not cached",
				     (unsigned long long)index);
	return 0;
}

/* The mm layer's calls set their messages; the net catches a failure that did not. */
#define MM_CALL(mm, fn, call)                                                                      \
	do {                                                                                       \
		uint64_t mark__ = (mm)->m->host.nr_errors;                                         \
		return (int)ptsim__api_ret(&(mm)->m->host, mark__, (call), fn);                    \
	} while (0)

int ptsim_mmap(struct ptsim_mm *mm, uint64_t addr, uint64_t len, unsigned int prot,
	       unsigned int flags, struct ptsim_file *file, uint64_t pgoff, uint64_t *out)
{
	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&mm->m->host, -EINVAL, "mmap: NULL out");
	if (file && file->ctx != mm->vm.ctx)
		return ptsim__seterr(&mm->m->host, -EINVAL, "mmap: file of another machine");
	MM_CALL(mm, "mmap", ptsim__do_mmap(&mm->vm, addr, len, prot, flags, file, pgoff, out));
}

int ptsim_munmap(struct ptsim_mm *mm, uint64_t addr, uint64_t len)
{
	if (!mm)
		return -EINVAL;
	MM_CALL(mm, "munmap", ptsim__do_munmap(&mm->vm, addr, len));
}

int ptsim_mprotect(struct ptsim_mm *mm, uint64_t addr, uint64_t len, unsigned int prot)
{
	if (!mm)
		return -EINVAL;
	MM_CALL(mm, "mprotect", ptsim__do_mprotect(&mm->vm, addr, len, prot));
}

int ptsim_madvise(struct ptsim_mm *mm, uint64_t addr, uint64_t len, int advice)
{
	if (!mm)
		return -EINVAL;
	MM_CALL(mm, "madvise", ptsim__do_madvise(&mm->vm, addr, len, advice));
}

int ptsim_vma_info(struct ptsim_mm *mm, uint64_t addr, struct ptsim_vma_info *out)
{
	struct ptsim_vma *v;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&mm->m->host, -EINVAL, "vma_info: NULL out");
	v = ptsim__vma_lookup(&mm->vm.vmas, addr);
	if (!v)
		return ptsim__seterr(&mm->m->host, -ENOENT, "vma_info: no VMA contains 0x%llx",
				     (unsigned long long)addr);
	ptsim__vma_fill_info(&mm->vm, v, out);
	return 0;
}

int ptsim_vma_next(struct ptsim_mm *mm, uint64_t addr, struct ptsim_vma_info *out)
{
	struct ptsim_vma *v;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&mm->m->host, -EINVAL, "vma_next: NULL out");
	v = ptsim__find_vma(&mm->vm.vmas, addr);
	if (!v)
		return ptsim__seterr(&mm->m->host, -ENOENT, "vma_next: no VMA ends above 0x%llx",
				     (unsigned long long)addr);
	ptsim__vma_fill_info(&mm->vm, v, out);
	return 0;
}

uint64_t ptsim_mm_nr_vmas(const struct ptsim_mm *mm)
{
	return mm ? mm->vm.vmas.nr : 0;
}

void ptsim_mm_counters(const struct ptsim_mm *mm, struct ptsim_mm_counters *out)
{
	if (!out) {
		if (mm)
			(void)ptsim__seterr(ptsim__mhost(mm->m), -EINVAL, "mm_counters: NULL out");
		return;
	}
	if (!mm) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = mm->vm.cnt;
}

/* ptsim_access() past the TLB-hit path: out of line, so that the hit path saves no registers. */
static __attribute__((noinline)) int access_slow(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
						 unsigned int access,
						 struct ptsim_access_result *res)
{
	ptsim__op_begin(mm->m);
	MM_CALL(mm, "access", ptsim__op_end(mm->m, ptsim__access(&mm->vm, cpu, va, access, res)));
}

int ptsim_access(struct ptsim_mm *mm, unsigned int cpu, uint64_t va, unsigned int access,
		 struct ptsim_access_result *res)
{
	if (!mm)
		return -EINVAL;
	if (!res)
		return ptsim__seterr(&mm->m->host, -EINVAL, "access: NULL result");
	if (cpu >= mm->m->tlbs.ncpus)
		return ptsim__seterr(&mm->m->host, -EINVAL, "access: cpu %u of %u", cpu,
				     mm->m->tlbs.ncpus);
	if (!access || (access & ~(PTSIM_ACCESS_READ | PTSIM_ACCESS_WRITE | PTSIM_ACCESS_EXEC)))
		return ptsim__seterr(&mm->m->host, -EINVAL, "access: bad access kind 0x%x", access);
	/* A TLB hit allocates nothing and cannot fail: no bracket, no error mark. */
	if (ptsim__access_hit(&mm->m->tlbs, &mm->pt, &mm->tlb, cpu, va, access, res))
		return 0;
	return access_slow(mm, cpu, va, access, res);
}

/* --- rmap ------------------------------------------------------------------------------ */

/* An in-use frame that may be mapped: 0, or -EINVAL with the error text set. */
static int check_rmap_pfn(struct ptsim_machine *m, const char *what, uint64_t pfn)
{
	struct ptsim_frame_info fi;

	if (ptsim__frame_info(&m->mem, pfn, &fi) || fi.free || fi.type == PTSIM_PGTY_table ||
	    fi.refcount <= 0)
		return ptsim__seterr(&m->host, -EINVAL, "%s: pfn 0x%llx is not an in-use page",
				     what, (unsigned long long)pfn);
	return 0;
}

struct rmap_adapter {
	ptsim_rmap_fn fn;
	void *arg;
};

static int rmap_adapt(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_pvmw *pw,
		      void *arg)
{
	struct rmap_adapter *ad = arg;
	struct ptsim_rmap_hit hit;

	if (!ad->fn)
		return 0;
	memset(&hit, 0, sizeof(hit));
	hit.mm = st->handle;
	ptsim__vma_fill_info(st, vma, &hit.vma);
	hit.addr = pw->hit_addr;
	hit.level = (enum ptsim_level)pw->slot.lvl;
	hit.entry = *pw->slot.p;
	return ad->fn(&hit, ad->arg);
}

long ptsim_rmap_walk(struct ptsim_machine *m, uint64_t pfn, ptsim_rmap_fn fn, void *arg)
{
	struct rmap_adapter ad = {fn, arg};
	uint64_t mark;
	int err;

	if (!m)
		return -EINVAL;
	err = check_rmap_pfn(m, "rmap_walk", pfn);
	if (err)
		return err;
	mark = m->host.nr_errors;
	return ptsim__api_ret(&m->host, mark,
			      ptsim__rmap_walk(ptsim__mmctx(m), pfn, rmap_adapt, &ad), "rmap_walk");
}

long ptsim_try_to_unmap(struct ptsim_machine *m, uint64_t pfn)
{
	uint64_t mark;
	int err;

	if (!m)
		return -EINVAL;
	err = check_rmap_pfn(m, "try_to_unmap", pfn);
	if (err)
		return err;
	mark = m->host.nr_errors;
	return ptsim__api_ret(&m->host, mark, ptsim__try_to_unmap(ptsim__mmctx(m), pfn),
			      "try_to_unmap");
}

long ptsim_folio_mkclean(struct ptsim_machine *m, uint64_t pfn)
{
	uint64_t mark;
	int err;

	if (!m)
		return -EINVAL;
	err = check_rmap_pfn(m, "folio_mkclean", pfn);
	if (err)
		return err;
	mark = m->host.nr_errors;
	return ptsim__api_ret(&m->host, mark, ptsim__folio_mkclean(ptsim__mmctx(m), pfn),
			      "folio_mkclean");
}

long ptsim_folio_referenced(struct ptsim_machine *m, uint64_t pfn)
{
	uint64_t mark;
	int err;

	if (!m)
		return -EINVAL;
	err = check_rmap_pfn(m, "folio_referenced", pfn);
	if (err)
		return err;
	mark = m->host.nr_errors;
	return ptsim__api_ret(&m->host, mark, ptsim__folio_referenced(ptsim__mmctx(m), pfn),
			      "folio_referenced");
}

/* --- fork -------------------------------------------------------------------------------- */

int ptsim_fork(struct ptsim_mm *mm, struct ptsim_mm **child)
{
	struct ptsim_vma **vmas;
	struct ptsim_table_prep *tables;
	size_t nv, nt;
	struct ptsim_mm *c;
	int err;

	if (!mm)
		return -EINVAL;
	if (!child)
		return ptsim__seterr(&mm->m->host, -EINVAL, "fork: NULL child");
	ptsim__op_begin(mm->m);
	err = ptsim__dup_mmap_prepare(&mm->vm, &vmas, &nv, &tables, &nt);
	if (err)
		return ptsim__op_end(mm->m, ptsim__seterr(&mm->m->host, err,
							  "fork: out of memory copying %llu VMAs",
							  (unsigned long long)mm->vm.vmas.nr));
	/* The child address space is the last allocation: after it nothing can fail. */
	err = ptsim_mm_create(mm->m, &c);
	if (err) {
		ptsim__dup_mmap_abort(&mm->vm, vmas, nv, tables, nt);
		return ptsim__op_end(mm->m, ptsim__seterr(&mm->m->host, err,
							  "fork: out of memory for the child"));
	}
	ptsim__op_end(mm->m, 0);
	ptsim__dup_mmap_commit(&mm->vm, &c->vm, vmas, nv, tables, nt);
	*child = c;
	return 0;
}

/* --- pagemap -------------------------------------------------------------------------------- */

int ptsim_pagemap(struct ptsim_mm *mm, uint64_t va, uint64_t *word)
{
	int err;

	if (!mm)
		return -EINVAL;
	if (!word)
		return ptsim__seterr(&mm->m->host, -EINVAL, "pagemap: NULL word");
	err = ptsim__pagemap(&mm->vm, va, word);
	if (err)
		return ptsim__seterr(&mm->m->host, err, "pagemap: 0x%llx is not a valid address",
				     (unsigned long long)va);
	return 0;
}

long ptsim_pagemap_range(struct ptsim_mm *mm, uint64_t start, uint64_t end, uint64_t *words,
			 size_t nr)
{
	uint64_t psz;
	size_t i = 0;

	if (!mm)
		return -EINVAL;
	if (!words && nr)
		return ptsim__seterr(&mm->m->host, -EINVAL, "pagemap_range: NULL words for %zu",
				     nr);
	psz = 1ull << mm->m->arch->page_shift;
	if (((start | end) & (psz - 1)) || end < start)
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "pagemap: [0x%llx, 0x%llx) is not a page-aligned range",
				     (unsigned long long)start, (unsigned long long)end);
	for (uint64_t va = start; va < end && i < nr; va += psz, i++) {
		int err = ptsim_pagemap(mm, va, &words[i]);

		if (err)
			return err;
	}
	return (long)i;
}

int ptsim_clear_refs(struct ptsim_mm *mm, int type)
{
	if (!mm)
		return -EINVAL;
	MM_CALL(mm, "clear_refs", ptsim__clear_refs(&mm->vm, type));
}
