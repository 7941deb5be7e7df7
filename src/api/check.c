// SPDX-License-Identifier: MIT
/*
 * check.c - ptsim_check(): recompute every invariant from the ground truth.
 *
 * Ground truth is the tables (walked from each address space's root) and the
 * frame records.  Derived state - VmPTE counters, per-table entry counts,
 * which frames are tables, free counters - is recomputed and compared.  The
 * checker reads only; scratch memory comes from the host without fault
 * injection and is freed before returning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/machine.h"
#include "ptsim/check.h"
#include "util/report.h"

static const char *const code_names[] = {
#define X(name, text) #name,
	PTSIM_CHECK_CODES(X)
#undef X
};
static const char *const code_texts[] = {
#define X(name, text) text,
	PTSIM_CHECK_CODES(X)
#undef X
};

const char *ptsim_check_code_name(enum ptsim_check_code code)
{
	return (unsigned int)code < PTSIM_CHK_NR_CODES ? code_names[code] : "?";
}

const char *ptsim_check_code_text(enum ptsim_check_code code)
{
	return (unsigned int)code < PTSIM_CHK_NR_CODES ? code_texts[code] : "?";
}

static void finding(struct ptsim_check_report *r, int code, int level, uint64_t addr, uint64_t pfn,
		    uint64_t expected, uint64_t actual, const char *fmt, ...) PTSIM_PRINTF(8, 9);

static void finding(struct ptsim_check_report *r, int code, int level, uint64_t addr, uint64_t pfn,
		    uint64_t expected, uint64_t actual, const char *fmt, ...)
{
	va_list ap;

	r->nr_findings++;
	if ((unsigned int)code < PTSIM_CHK_NR_CODES)
		r->by_code[code]++;
	if (r->nr_stored < PTSIM_CHECK_MAX_FINDINGS) {
		struct ptsim_finding *f = &r->findings[r->nr_stored++];

		f->code = (enum ptsim_check_code)code;
		f->level = level;
		f->addr = addr;
		f->pfn = pfn;
		f->expected = expected;
		f->actual = actual;
		va_start(ap, fmt);
		vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
		va_end(ap);
	}
}

static void mem_report(void *ctx, int code, uint64_t pfn, uint64_t expected, uint64_t actual,
		       const char *msg)
{
	finding(ctx, code, -1, 0, pfn, expected, actual, "%s", msg);
}

static void tlb_report(void *ctx, int level, uint64_t addr, uint64_t pfn, uint64_t expected,
		       uint64_t actual, const char *msg)
{
	finding(ctx, PTSIM_CHK_TLB_VIOLATION, level, addr, pfn, expected, actual, "%s", msg);
}

/* A layer's finding into the caller's report. */
static void layer_report(void *ctx, int code, int level, uint64_t addr, uint64_t pfn,
			 uint64_t expected, uint64_t actual, const char *msg)
{
	finding(ctx, code, level, addr, pfn, expected, actual, "%s", msg);
}

static int check_all(struct ptsim_machine *m, struct ptsim_check_report *r);

int ptsim_check(struct ptsim_machine *m, struct ptsim_check_report *r)
{
	struct ptsim_cost saved;
	struct ptsim_check_report *own = NULL;
	int ret;

	if (!m)
		return -EINVAL;
	if (!r) {
		/* Only the count is wanted: a report of our own, from the host heap. */
		own = ptsim__alloc(&m->host, sizeof(*own));
		if (!own)
			return ptsim__seterr(&m->host, -ENOMEM, "check: out of host memory");
		r = own;
	}
	/* The checker is not the kernel's work: what its walks read is not charged. */
	saved = m->host.cost;
	ret = check_all(m, r);
	m->host.cost = saved;
	if (ret < 0)
		(void)ptsim__seterr(&m->host, ret, "check: out of host memory for the checker");
	if (own)
		ptsim__free(&m->host, own, sizeof(*own));
	return ret;
}

static int check_all(struct ptsim_machine *m, struct ptsim_check_report *r)
{
	struct ptsim_reporter rep = {.fn = layer_report, .ctx = r};
	struct ptsim_pgtables **pts = NULL;
	struct ptsim_mm_state **sts = NULL;
	size_t nr = 0, i = 0;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next)
		nr++;
	nr += m->kmm.on; /* init_mm's tables, last */
	if (nr) {
		pts = ptsim__alloc_nofail(&m->host, nr * sizeof(*pts));
		sts = ptsim__alloc_nofail(&m->host, nr * sizeof(*sts));
		if (!pts || !sts) {
			ret = -ENOMEM;
			goto out;
		}
		for (struct ptsim_mm *mm = m->mms; mm; mm = mm->next, i++) {
			pts[i] = &mm->pt;
			sts[i] = &mm->vm;
		}
		if (m->kmm.on)
			pts[i] = &m->kmm.pt;
	}
	/* Each layer checks its own invariants. */
	if (ptsim__pgtables_check(&m->ptalloc, pts, nr, &rep)) {
		ret = -ENOMEM;
		goto out;
	}
	ptsim__mem_check(&m->mem, mem_report, r);
	ptsim__tlb_check(&m->tlbs, tlb_report, r);
	if (m->mmctx.ready)
		ptsim__mm_check(&m->mmctx, sts, nr - m->kmm.on, &rep);
	r->frames_checked += rep.frames_checked;
	r->tables_checked += rep.tables_checked;
	r->entries_checked += rep.entries_checked;
	ret = rep.oom ? -ENOMEM : (int)r->nr_findings;
out:
	if (pts)
		ptsim__free(&m->host, pts, nr * sizeof(*pts));
	if (sts)
		ptsim__free(&m->host, sts, nr * sizeof(*sts));
	return ret;
}

void ptsim_check_report_print(const struct ptsim_check_report *r, FILE *f)
{
	if (!r || !f)
		return;
	fprintf(f, "check: %u finding%s\n", r->nr_findings, r->nr_findings == 1 ? "" : "s");
	for (unsigned int i = 0; i < r->nr_stored; i++) {
		const struct ptsim_finding *x = &r->findings[i];

		fprintf(f, "  %s level=%d addr=0x%llx pfn=0x%llx expected=%llu actual=%llu: %s\n",
			ptsim_check_code_name(x->code), x->level, (unsigned long long)x->addr,
			(unsigned long long)x->pfn, (unsigned long long)x->expected,
			(unsigned long long)x->actual, x->msg);
	}
	if (r->nr_findings > r->nr_stored)
		fprintf(f, "  ... %u more\n", r->nr_findings - r->nr_stored);
}
