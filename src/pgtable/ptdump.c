// SPDX-License-Identifier: MIT
/*
 * ptdump.c - print page tables in the kernel's ptdump format.
 *
 * The generic part mirrors mm/ptdump.c + the arch note_page(): walk leaves
 * and holes in address order, keep the current run (level, key, start), and
 * print a line when the level or the arch's comparison key changes.  The
 * key and the line layout are the architecture's (ptdump ops in
 * src/arch/internal.h): x86 compares bits 11:0 and 63:52 plus the effective
 * protection, arm64 only the attribute bits it prints.
 *
 * Known difference: the kernel's x86 dump may merge a hole across the
 * non-canonical gap; here each half of the address space ends its own runs.
 */
#include <errno.h>

#include "pgtable/visit.h"

struct dump_state {
	FILE *f;
	bool active;
	int level;
	uint64_t key, e, start, end;
	uint64_t eff[PTSIM_NR_LEVELS];
	long lines;
	int err;
};

static void flush(const struct ptsim_arch *a, struct dump_state *d)
{
	char buf[256];
	int n;

	if (!d->active)
		return;
	n = a->ops->ptdump_line(a, d->level, d->start, d->end, d->e, d->key, buf, sizeof(buf));
	if (n > 0 && fputs(buf, d->f) < 0)
		d->err = -EIO;
	d->lines++;
	d->active = false;
}

static void banner(struct dump_state *d, const char *name)
{
	if (fprintf(d->f, "---[ %s ]---\n", name) < 0)
		d->err = -EIO;
}

static int dump_fn(struct ptsim_visitor *v, int what, struct ptsim_slot *s, uint64_t addr,
		   uint64_t next)
{
	const struct ptsim_arch *a = v->pt->pa->arch;
	struct dump_state *d = v->priv;
	uint64_t e = what == PTSIM_VISIT_HOLE ? 0 : *s->p;
	uint64_t key;
	int rl;

	if (what == PTSIM_VISIT_TABLE_PRE) {
		uint64_t k = a->ops->ptdump_table_key(a, s->lvl, e, d->eff[s->lvl]);

		for (int l = s->lvl + 1; l < PTSIM_NR_LEVELS; l++)
			d->eff[l] = k;
		return 0;
	}
	rl = a->ops->ptdump_level(a, s->lvl);
	key = a->ops->ptdump_key(a, s->lvl, e, d->eff[s->lvl]);
	if (d->active && (rl != d->level || key != d->key || addr != d->end))
		flush(a, d);
	if (!d->active) {
		d->active = true;
		d->level = rl;
		d->key = key;
		d->e = e;
		d->start = addr;
	}
	d->end = next;
	return d->err;
}

long ptsim__ptdump(struct ptsim_pgtables *pt, uint64_t start, uint64_t end, FILE *f)
{
	const struct ptsim_arch *a = pt->pa->arch;
	struct dump_state d = {.f = f};
	struct ptsim_visitor v = {
		.pt = pt,
		.fn = dump_fn,
		.priv = &d,
		.flags = PTSIM_VISIT_HOLE | PTSIM_VISIT_LEAF | PTSIM_VISIT_TABLE_PRE,
	};
	int err;

	if (!ptsim__walk_range_valid(a, start, end))
		return -EINVAL;
	/* Each valid range (x86: each half) ends its own runs, after its marker if it has one. */
	for (unsigned int i = 0; i < a->nr_va_ranges; i++) {
		const struct ptsim_va_range *r = &a->va_ranges[i];
		uint64_t lo = r->start, hi = r->end;

		if (ptsim__va_range_skip(a, r, pt->kernel))
			continue;
		if (start || end) {
			lo = start > lo ? start : lo;
			if (end && (hi == 0 || end < hi))
				hi = end;
			if ((hi != 0 && lo >= hi) || (!hi && !lo && r->start != 0))
				continue;
		}
		if (lo == r->start && r->ptdump_marker)
			banner(&d, r->ptdump_marker);
		err = ptsim__visit(&v, lo, hi);
		if (err)
			return err;
		flush(a, &d);
	}
	return d.err ? d.err : d.lines;
}
