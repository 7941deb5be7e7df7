// SPDX-License-Identifier: MIT
/*
 * lockless_api.c - the public lockless walker (include/ptsim/pgtable.h):
 * the walk itself is src/pgtable/lockless.c; here the handles, the checks,
 * and the two violations a walker can commit (a write through a stale table
 * pointer, a touch of a freed table page).
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"

#define ULL(v) ((unsigned long long)(v))

struct ptsim_lockless {
	struct ptsim_lockless_walk w; /* first: the list links point here */
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
};

static struct ptsim_lockless *of_walk(struct ptsim_lockless_walk *w)
{
	return (struct ptsim_lockless *)(void *)w;
}

int ptsim_lockless_begin(struct ptsim_mm *mm, uint64_t addr, struct ptsim_lockless **out)
{
	struct ptsim_machine *m;
	struct ptsim_lockless *l;

	if (!out)
		return mm ? ptsim__seterr(&mm->m->host, -EINVAL, "lockless_begin: NULL out")
			  : -EINVAL;
	*out = NULL;
	if (!mm)
		return -EINVAL;
	m = mm->m;
	if (!ptsim__va_valid(m->arch, addr))
		return ptsim__seterr(&m->host, -EINVAL,
				     "lockless_begin: 0x%llx is not a user address on %s",
				     ULL(addr), m->arch->name);
	l = ptsim__alloc(&m->host, sizeof(*l));
	if (!l)
		return ptsim__seterr(&m->host, -ENOMEM, "lockless_begin: out of memory");
	l->m = m;
	l->mm = mm;
	ptsim__lockless_begin(&m->ptalloc, &l->w, &mm->pt, addr);
	*out = l;
	return 0;
}

/* The checks every call makes: a walker, of a live address space. */
static int walker_ok(struct ptsim_lockless *l, const char *fn)
{
	if (!l)
		return -EINVAL;
	if (!l->w.pt)
		return ptsim__seterr(&l->m->host, -ESRCH,
				     "%s: the walker's address space was destroyed", fn);
	return 0;
}

static int freed(struct ptsim_lockless *l, const char *fn, int lvl, uint64_t pfn)
{
	ptsim__tlb_record_violation(&l->m->tlbs, PTSIM_VIOL_FREED_TABLE, lvl, pfn, l->w.addr,
				    l->mm->asid, fn);
	return ptsim__seterr(&l->m->host, -ESTALE,
			     "%s: table page 0x%llx was freed under the walker (pt_free=immediate)",
			     fn, ULL(pfn));
}

int ptsim_lockless_step(struct ptsim_lockless *l, struct ptsim_lockless_step *out)
{
	struct ptsim_lockless_read r;
	int err = walker_ok(l, "lockless_step");

	if (err)
		return err;
	if (!out)
		return ptsim__seterr(&l->m->host, -EINVAL, "lockless_step: NULL out");
	if (l->w.done)
		return 0; /* over: nothing more to read */
	err = ptsim__lockless_step(&l->m->ptalloc, &l->w, &r);
	if (err == -ESTALE)
		return freed(l, "lockless_step", l->w.lvl, l->w.table_pfn);
	*out = (struct ptsim_lockless_step){
		.level = (enum ptsim_level)r.lvl,
		.table_pfn = r.table_pfn,
		.index = r.idx,
		.entry = r.ent,
	};
	return err;
}

int ptsim_lockless_recheck(struct ptsim_lockless *l)
{
	int err = walker_ok(l, "lockless_recheck");

	if (err)
		return err;
	err = ptsim__lockless_recheck(&l->m->ptalloc, &l->w);
	if (err == -ESTALE)
		return freed(l, "lockless_recheck", l->w.parent_lvl, l->w.parent_pfn);
	return err;
}

int ptsim_lockless_write(struct ptsim_lockless *l, ptsim_ent_t ent)
{
	struct ptsim_machine *m;
	struct ptsim_frame *f;
	int err = walker_ok(l, "lockless_write");

	if (err)
		return err;
	m = l->m;
	if (l->w.last_lvl != PTSIM_PTE)
		return ptsim__seterr(
			&m->host, -EINVAL,
			"lockless_write: the walk has not read a PTE (step down first)");
	if (l->w.table_freed)
		return freed(l, "lockless_write", PTSIM_PTE, l->w.table_pfn);
	f = ptsim__table_frame(&m->ptalloc, l->w.table_pfn);
	PTSIM_BUG_ON(!f);
	if (ptsim__table_state(f) == PTSIM_TABLE_LINKED) {
		const struct ptsim_pgslot slot = {
			.level = PTSIM_PTE,
			.addr = l->w.addr,
			.table_pfn = l->w.table_pfn,
			.index = l->w.last_idx,
		};

		return ptsim_pgslot_set(l->mm, &slot, ent);
	}
	/* Unhooked, waiting for the grace period: the update is lost with the table. */
	ptsim__tlb_record_violation(&m->tlbs, PTSIM_VIOL_STALE_TABLE, PTSIM_PTE, l->w.table_pfn,
				    l->w.addr, l->mm->asid, "lockless_write");
	ptsim__table_entries(&m->ptalloc, l->w.table_pfn)[l->w.last_idx] = ent;
	return 0;
}

void ptsim_lockless_end(struct ptsim_lockless *l)
{
	struct ptsim_machine *m;

	if (!l)
		return;
	m = l->m;
	ptsim__lockless_end(&m->ptalloc, &l->w);
	ptsim__free(&m->host, l, sizeof(*l));
}

void ptsim__lockless_end_all(struct ptsim_machine *m)
{
	while (m->ptalloc.lockless)
		ptsim_lockless_end(of_walk(m->ptalloc.lockless));
}
