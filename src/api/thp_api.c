// SPDX-License-Identifier: MIT
/*
 * thp_api.c - the public calls of include/ptsim/thp.h: arguments checked
 * here, the work done by src/mm/huge_memory.c.
 */
#include <errno.h>

#include "api/machine.h"
#include "ptsim/thp.h"

#define ULL(v) ((unsigned long long)(v))

int ptsim_split_huge_pmd(struct ptsim_mm *mm, uint64_t addr, unsigned int flags)
{
	struct ptsim_vma *vma;
	struct ptsim_slot s;

	if (!mm)
		return -EINVAL;
	if (flags & ~PTSIM_SPLIT_NO_BBM)
		return ptsim__seterr(&mm->m->host, -EINVAL, "split_huge_pmd: unknown flags 0x%x",
				     flags);
	if (!ptsim__va_valid(mm->m->arch, addr))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "split_huge_pmd: 0x%llx is not a valid address", ULL(addr));
	vma = ptsim__vma_lookup(&mm->vm.vmas, addr);
	if (!vma || ptsim__walk_to(&mm->pt, addr, PTSIM_PMD, &s) || s.lvl != PTSIM_PMD ||
	    !ptsim__pmd_is_thp(mm->vm.ctx, vma, s.lvl, *s.p))
		return ptsim__seterr(&mm->m->host, -ENOENT,
				     "split_huge_pmd: no THP is mapped by a PMD at 0x%llx",
				     ULL(addr));
	s.addr = addr;
	ptsim__split_huge_pmd_locked(&mm->vm, vma, &s, flags & PTSIM_SPLIT_NO_BBM);
	return 0;
}

/* The normal page mapped at @addr by a present leaf of a VMA: 0, -ENOENT or -EFAULT. */
static int mapped_page(struct ptsim_mm *mm, const char *fn, uint64_t addr, uint64_t *page)
{
	struct ptsim_machine *m = mm->m;
	const struct ptsim_arch *a = m->arch;
	struct ptsim_slot s;
	uint64_t e;

	if (!ptsim__va_valid(a, addr))
		return ptsim__seterr(&m->host, -EINVAL, "%s: 0x%llx is not a valid address", fn,
				     ULL(addr));
	if (!ptsim__vma_lookup(&mm->vm.vmas, addr) || ptsim__walk_to(&mm->pt, addr, PTSIM_PTE, &s))
		return ptsim__seterr(&m->host, -ENOENT, "%s: nothing is mapped at 0x%llx", fn,
				     ULL(addr));
	e = *s.p;
	if (!ptsim__vm_normal_page(mm->vm.ctx, s.lvl, e, page))
		return ptsim__seterr(&m->host, -EFAULT,
				     "%s: no page is present at 0x%llx (not faulted in, the zero "
				     "page, or a special mapping)",
				     fn, ULL(addr));
	*page += (addr & ((1ull << a->shift[s.lvl]) - 1)) >> a->page_shift;
	return 0;
}

int ptsim_split_huge_page(struct ptsim_mm *mm, uint64_t addr, unsigned int new_order)
{
	uint64_t page, mark;
	int err;

	if (!mm)
		return -EINVAL;
	err = mapped_page(mm, "split_huge_page", addr, &page);
	if (err)
		return err == -EFAULT ? -ENOENT : err;
	mark = mm->m->host.nr_errors;
	return (int)ptsim__api_ret(&mm->m->host, mark,
				   ptsim__split_huge_page(mm->vm.ctx, page, new_order),
				   "split_huge_page");
}

int ptsim_pin_user_page(struct ptsim_mm *mm, uint64_t addr, uint64_t *pfn)
{
	uint64_t page;
	int err;

	if (!mm)
		return -EINVAL;
	if (!pfn)
		return ptsim__seterr(&mm->m->host, -EINVAL, "pin_user_page: NULL pfn");
	err = mapped_page(mm, "pin_user_page", addr, &page);
	if (err)
		return err == -ENOENT ? -EFAULT : err;
	ptsim__folio_pin(&mm->m->mem, page);
	*pfn = page;
	return 0;
}

int ptsim_unpin_user_page(struct ptsim_machine *m, uint64_t pfn)
{
	struct ptsim_frame_info fi;
	int err;

	if (!m)
		return -EINVAL;
	if (ptsim__frame_info(&m->mem, pfn, &fi) || fi.free || fi.type == PTSIM_PGTY_table ||
	    !ptsim__folio_pins(&m->mem, pfn))
		return ptsim__seterr(&m->host, -EINVAL, "unpin_user_page: pfn 0x%llx is not pinned",
				     ULL(pfn));
	/* A small folio's pin is GUP_PIN_COUNTING_BIAS references, a large one's one. */
	err = ptsim__folio_drop_check(m, "unpin_user_page", pfn,
				      fi.order ? 1 : PTSIM_GUP_PIN_COUNTING_BIAS,
				      fi.order ? 1 : PTSIM_GUP_PIN_COUNTING_BIAS);
	if (err)
		return err;
	(void)ptsim__folio_unpin(&m->mem, pfn);
	return 0;
}
