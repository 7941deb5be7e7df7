// SPDX-License-Identifier: MIT
/*
 * tlb_api.c - the public TLB calls: geometry, flushes, statistics,
 * violations and mmu_gather.  Validates at the boundary and unwraps the
 * machine / address space for src/tlb.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "api/machine.h"

static const char *const flush_kind_names[PTSIM_FLUSH_NR_KINDS] = {
	"page", "range", "mm", "all", "kernel_range", "pgtable",
};

const char *ptsim_tlb_flush_kind_name(enum ptsim_tlb_flush_kind kind)
{
	return (unsigned int)kind < PTSIM_FLUSH_NR_KINDS ? flush_kind_names[kind] : "?";
}

void ptsim_tlb_config_default(struct ptsim_tlb_config *cfg)
{
	if (cfg)
		ptsim__tlb_config_default(cfg);
}

int ptsim_tlb_configure(struct ptsim_machine *m, const struct ptsim_tlb_config *cfg)
{
	if (!m)
		return -EINVAL;
	if (!cfg)
		return ptsim__seterr(&m->host, -EINVAL, "tlb_configure: no geometry");
	if (ptsim__tlb_config_check(cfg))
		return ptsim__seterr(
			&m->host, -EINVAL,
			"tlb_configure: entries must be a multiple of ways (ways > 0), "
			"at most %u per cache",
			PTSIM_TLB_MAX_CACHE_ENTRIES);
	if (!ptsim__tlb_storage_fits(m->arch, cfg, m->tlbs.ncpus))
		return ptsim__seterr(
			&m->host, -EINVAL,
			"tlb_configure: %llu bytes of TLB storage per CPU for %u CPUs exceed "
			"the limit of %llu MiB for all CPUs (PTSIM_TLB_MAX_BYTES)",
			(unsigned long long)ptsim__tlb_cpu_bytes(m->arch, cfg), m->tlbs.ncpus,
			(unsigned long long)(PTSIM_TLB_MAX_BYTES >> 20));
	ptsim__tlbs_configure(&m->tlbs, cfg);
	return 0;
}

int ptsim_switch_mm(struct ptsim_mm *mm, unsigned int cpu)
{
	if (!mm)
		return -EINVAL;
	if (cpu >= mm->m->tlbs.ncpus)
		return ptsim__seterr(&mm->m->host, -EINVAL, "switch_mm: cpu %u of %u", cpu,
				     mm->m->tlbs.ncpus);
	ptsim__tlb_mm_activate(&mm->tlb, cpu);
	return 0;
}

/* [start, end) with end == 0 as the top -> inclusive last; false if empty. */
static bool range_last(uint64_t start, uint64_t end, uint64_t *last)
{
	if (end != 0 && end <= start)
		return false;
	*last = end - 1;
	return true;
}

int ptsim_flush_tlb_page(struct ptsim_mm *mm, uint64_t addr)
{
	if (!mm)
		return -EINVAL;
	ptsim__flush_tlb_page(&mm->m->tlbs, &mm->tlb, addr);
	return 0;
}

int ptsim_flush_tlb_range(struct ptsim_mm *mm, uint64_t start, uint64_t end,
			  enum ptsim_level stride_level)
{
	uint64_t last;

	if (!mm)
		return -EINVAL;
	if (!range_last(start, end, &last))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "flush_tlb_range: empty range [0x%llx, 0x%llx)",
				     (unsigned long long)start, (unsigned long long)end);
	if ((unsigned int)stride_level >= PTSIM_NR_LEVELS)
		return ptsim__seterr(&mm->m->host, -EINVAL, "flush_tlb_range: bad stride level %d",
				     (int)stride_level);
	ptsim__flush_tlb_range(&mm->m->tlbs, &mm->tlb, start, last,
			       mm->m->arch->shift[stride_level], false);
	return 0;
}

int ptsim_flush_tlb_mm(struct ptsim_mm *mm)
{
	if (!mm)
		return -EINVAL;
	ptsim__flush_tlb_mm(&mm->m->tlbs, &mm->tlb);
	return 0;
}

int ptsim_flush_tlb_all(struct ptsim_machine *m)
{
	if (!m)
		return -EINVAL;
	ptsim__flush_tlb_all(&m->tlbs);
	return 0;
}

int ptsim_flush_tlb_kernel_range(struct ptsim_machine *m, uint64_t start, uint64_t end)
{
	uint64_t last;

	if (!m)
		return -EINVAL;
	if (!range_last(start, end, &last))
		return ptsim__seterr(&m->host, -EINVAL,
				     "flush_tlb_kernel_range: empty range [0x%llx, 0x%llx)",
				     (unsigned long long)start, (unsigned long long)end);
	ptsim__flush_tlb_kernel_range(&m->tlbs, start, last);
	return 0;
}

int ptsim_flush_tlb_pgtable(struct ptsim_mm *mm, uint64_t start, uint64_t end)
{
	uint64_t last;

	if (!mm)
		return -EINVAL;
	if (!range_last(start, end, &last))
		return ptsim__seterr(&mm->m->host, -EINVAL,
				     "flush_tlb_pgtable: empty range [0x%llx, 0x%llx)",
				     (unsigned long long)start, (unsigned long long)end);
	ptsim__flush_tlb_pgtable(&mm->m->tlbs, &mm->tlb, start, last);
	return 0;
}

/* --- contents --------------------------------------------------------------- */

struct entries_ctx {
	struct ptsim_machine *m;
	ptsim_tlb_entry_fn fn;
	void *arg;
};

static int entry_info(void *ctx, const struct ptsim_tlb_pos *p)
{
	struct entries_ctx *c = ctx;
	const struct ptsim_arch *a = c->m->arch;
	struct ptsim_tlb_entry_info info;

	memset(&info, 0, sizeof(info));
	info.walk = p->walk;
	info.level = (enum ptsim_level)p->lvl;
	info.size = 1ull << a->shift[p->lvl];
	info.va = p->e->vpn << a->shift[p->lvl];
	info.asid = p->e->asid;
	for (const struct ptsim_mm *mm = c->m->mms; mm; mm = mm->next)
		if (mm->asid == p->e->asid)
			info.mm = mm;
	info.global = p->e->global;
	info.pfn = p->e->pfn;
	info.pa = p->e->pfn << a->page_shift;
	info.entry = p->e->ent;
	ptsim_ent_decode(a, info.level, info.entry, &info.attrs);
	info.set = p->set;
	info.way = p->way;
	info.stamp = p->e->stamp;
	return c->fn(&info, c->arg);
}

int ptsim_tlb_entries(struct ptsim_machine *m, unsigned int cpu, ptsim_tlb_entry_fn fn, void *arg)
{
	struct entries_ctx c = {.m = m, .fn = fn, .arg = arg};

	if (!m)
		return -EINVAL;
	if (!fn)
		return ptsim__seterr(&m->host, -EINVAL, "tlb_entries: no callback");
	if (cpu >= m->tlbs.ncpus)
		return ptsim__seterr(&m->host, -EINVAL, "tlb_entries: cpu %u of %u", cpu,
				     m->tlbs.ncpus);
	return ptsim__tlb_visit(&m->tlbs, cpu, entry_info, &c);
}

/* --- statistics and violations ---------------------------------------------- */

int ptsim_tlb_stats(const struct ptsim_machine *m, unsigned int cpu, struct ptsim_tlb_stats *out)
{
	if (!m)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL, "tlb_stats: NULL out");
	if (cpu >= m->tlbs.ncpus)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL, "tlb_stats: cpu %u of %u", cpu,
				     m->tlbs.ncpus);
	*out = m->tlbs.cpus[cpu].stats;
	return 0;
}

void ptsim_tlb_stats_total(const struct ptsim_machine *m, struct ptsim_tlb_stats *out)
{
	if (!out) {
		if (m)
			(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "tlb_stats_total: NULL out");
		return;
	}
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	for (unsigned int cpu = 0; cpu < m->tlbs.ncpus; cpu++) {
		const struct ptsim_tlb_stats *s = &m->tlbs.cpus[cpu].stats;

		for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
			out->hits[l] += s->hits[l];
			out->misses[l] += s->misses[l];
			out->walk_hits[l] += s->walk_hits[l];
		}
		for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++)
			out->flushes[k] += s->flushes[k];
		out->lookup_misses += s->lookup_misses;
		out->walk_misses += s->walk_misses;
		out->ipis += s->ipis;
		out->invalidated += s->invalidated;
		out->evictions += s->evictions;
	}
}

long ptsim_violations(const struct ptsim_machine *m, struct ptsim_violation *out, unsigned int max)
{
	unsigned int n;

	if (!m)
		return -EINVAL;
	if (!out && max)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL,
				     "violations: NULL out for %u records", max);
	n = m->tlbs.nr_viol_stored < max ? m->tlbs.nr_viol_stored : max;
	if (n)
		memcpy(out, m->tlbs.viol, n * sizeof(*out));
	return m->tlbs.nr_viol > (uint64_t)LONG_MAX ? LONG_MAX : (long)m->tlbs.nr_viol;
}

void ptsim_violations_clear(struct ptsim_machine *m)
{
	if (m)
		ptsim__tlb_violations_clear(&m->tlbs);
}

/* --- mmu_gather ------------------------------------------------------------- */

int ptsim_tlb_gather_mmu(struct ptsim_mmu_gather *tlb, struct ptsim_mm *mm)
{
	if (!mm)
		return -EINVAL;
	if (!tlb)
		return ptsim__seterr(&mm->m->host, -EINVAL, "tlb_gather_mmu: NULL gather");
	ptsim__tlb_gather_init(&mm->m->tlbs, tlb, mm, false);
	return 0;
}

int ptsim_tlb_gather_mmu_fullmm(struct ptsim_mmu_gather *tlb, struct ptsim_mm *mm)
{
	if (!mm)
		return -EINVAL;
	if (!tlb)
		return ptsim__seterr(&mm->m->host, -EINVAL, "tlb_gather_mmu_fullmm: NULL gather");
	ptsim__tlb_gather_init(&mm->m->tlbs, tlb, mm, true);
	return 0;
}

/*
 * A started gather whose private fields are in range: 0, or -EINVAL (with
 * the message when there is an address space to hold it).  A gather that was
 * never started, or was finished, has no address space.
 */
static int gather_check(struct ptsim_mmu_gather *tlb, const char *fn)
{
	if (!tlb || !tlb->mm)
		return -EINVAL;
	if (tlb->nr_pages > PTSIM_MMU_GATHER_PAGES || tlb->nr_tables > PTSIM_MMU_GATHER_TABLES ||
	    tlb->page_level < -1 || tlb->page_level >= PTSIM_NR_LEVELS)
		return ptsim__seterr(
			&tlb->mm->m->host, -EINVAL,
			"%s: the gather is corrupt (%u pages, %u tables, page level %d)", fn,
			tlb->nr_pages, tlb->nr_tables, tlb->page_level);
	return 0;
}

/* The present leaf that maps @pfn at @addr in @mm's tables, if there is one (its entry). */
static bool live_leaf_maps(struct ptsim_mm *mm, uint64_t addr, uint64_t pfn, int *lvl, uint64_t *e)
{
	const struct ptsim_arch *a = mm->m->arch;
	struct ptsim_slot s;
	uint64_t first;

	if (ptsim__walk_to(&mm->pt, addr, PTSIM_PTE, &s))
		return false;
	*lvl = s.lvl;
	*e = *s.p;
	if (!*e || !a->ops->present(a, s.lvl, *e) ||
	    (s.lvl != PTSIM_PTE && !(a->leaf_ok[s.lvl] && a->ops->leaf(a, s.lvl, *e))))
		return false;
	first = a->ops->pfn(a, s.lvl, *e);
	return pfn >= first && pfn - first < 1ull << (a->shift[s.lvl] - a->page_shift);
}

int ptsim_tlb_remove_page(struct ptsim_mmu_gather *tlb, uint64_t pfn, uint64_t addr,
			  enum ptsim_level level)
{
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct ptsim_frame_info fi;
	uint64_t e, pending = 0;
	int err, elvl;

	err = gather_check(tlb, "tlb_remove_page");
	if (err)
		return err;
	m = tlb->mm->m;
	a = m->arch;
	if ((unsigned int)level >= PTSIM_NR_LEVELS || !a->leaf_ok[level])
		return ptsim__seterr(&m->host, -EINVAL, "tlb_remove_page: level %d holds no leaf",
				     (int)level);
	if (!ptsim__va_valid(a, addr))
		return ptsim__seterr(&m->host, -EINVAL,
				     "tlb_remove_page: 0x%llx is not a valid address of %s",
				     (unsigned long long)addr, a->name);
	if (ptsim__frame_info(&m->mem, pfn, &fi) || fi.free || fi.refcount <= 0 ||
	    fi.head_pfn == m->mem.zero_pfn)
		return ptsim__seterr(&m->host, -EINVAL,
				     "tlb_remove_page: pfn 0x%llx is not an in-use page%s",
				     (unsigned long long)pfn,
				     fi.head_pfn == m->mem.zero_pfn ? " (the zero page)" : "");
	/* The entry must be cleared first: the page is released after the flush. */
	if (live_leaf_maps(tlb->mm, addr, pfn, &elvl, &e))
		return ptsim__seterr(&m->host, -EBUSY,
				     "tlb_remove_page: pfn 0x%llx is still mapped by the %s entry "
				     "0x%016llx at 0x%llx; clear it first "
				     "(ptsim_pgslot_get_and_clear())",
				     (unsigned long long)pfn, ptsim_arch_level_name(a, elvl),
				     (unsigned long long)e, (unsigned long long)addr);
	/* The references already gathered from the same folio are dropped at the flush too. */
	for (unsigned int i = 0; i < tlb->nr_pages; i++)
		pending += ptsim__folio_head(&m->mem, tlb->pages[i]) == fi.head_pfn;
	err = ptsim__folio_drop_check(m, "tlb_remove_page", pfn, pending + 1, 0);
	if (err)
		return err;
	return ptsim__tlb_remove_page(&m->tlbs, &tlb->mm->tlb, tlb, pfn, addr, (int)level);
}

int ptsim_tlb_remove_table(struct ptsim_mmu_gather *tlb, uint64_t table_pfn, uint64_t addr,
			   enum ptsim_level level)
{
	struct ptsim_machine *m;
	struct ptsim_frame *f;
	int err;

	err = gather_check(tlb, "tlb_remove_table");
	if (err)
		return err;
	m = tlb->mm->m;
	f = ptsim__table_frame(&m->ptalloc, table_pfn);
	if (f && f->mapping != tlb->mm->pt.owner_id)
		return ptsim__seterr(&m->host, -EINVAL,
				     "tlb_remove_table: pfn 0x%llx is a table of another address "
				     "space",
				     (unsigned long long)table_pfn);
	if (f && !ptsim__table_state(f) && f->extra)
		return ptsim__seterr(
			&m->host, -EBUSY,
			"tlb_remove_table: table 0x%llx still holds %llu entries; clear "
			"them first",
			(unsigned long long)table_pfn, (unsigned long long)f->extra);
	return ptsim__tlb_remove_table(&m->tlbs, &tlb->mm->tlb, tlb, table_pfn, addr, (int)level);
}

void ptsim_tlb_flush_mmu(struct ptsim_mmu_gather *tlb)
{
	if (!gather_check(tlb, "tlb_flush_mmu"))
		ptsim__tlb_flush_mmu(&tlb->mm->m->tlbs, &tlb->mm->tlb, tlb);
}

void ptsim_tlb_finish_mmu(struct ptsim_mmu_gather *tlb)
{
	if (!gather_check(tlb, "tlb_finish_mmu"))
		ptsim__tlb_finish_mmu(&tlb->mm->m->tlbs, &tlb->mm->tlb, tlb);
}
