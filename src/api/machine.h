/* SPDX-License-Identifier: MIT */
/*
 * src/api/machine.h - the machine object that owns every layer's state.
 *
 * Layers below api never see struct ptsim_machine; they get their own
 * state (struct ptsim_mem, struct ptsim_pgtables, the host) by pointer.
 * Public entry points in src/api/ unwrap the machine and call them.
 */
#ifndef PTSIM_SRC_CORE_MACHINE_H
#define PTSIM_SRC_CORE_MACHINE_H

#include "mem/internal.h"
#include "mm/internal.h"
#include "mm/kernel_mm.h"
#include "pgtable/internal.h"
#include "ptsim/machine.h"
#include "tlb/internal.h"
#include "util/host.h"

struct ptsim_machine {
	struct ptsim_config cfg;
	/*
	 * The machine's own copy of its architecture description, whose
	 * capabilities follow the configuration (ptsim__machine_knobs_changed());
	 * every layer gets &arch_local.
	 */
	struct ptsim_arch arch_local;
	const struct ptsim_arch *arch;
	struct ptsim_host host;
	struct ptsim_mem mem;
	struct ptsim_ptalloc ptalloc; /* table-page allocator shared by all mms */
	struct ptsim_tlbs tlbs;	      /* per-CPU TLBs, walk caches, violations */
	struct ptsim_mm_ctx mmctx;    /* the mm layer's files, anon_vmas (mm_api.c inits it) */
	struct ptsim_mm *mms;	      /* all live address spaces */
	uint64_t next_asid;
	struct ptsim_kernel_mm kmm; /* init_mm (knob kernel_mm) */
};

/* End every lockless walker still open (machine destruction). */
void ptsim__lockless_end_all(struct ptsim_machine *m);

/* Protection changes an address space may have begun and not committed. */
#define PTSIM_PROT_PENDING_MAX 16

struct ptsim_mm {
	struct ptsim_machine *m;
	struct ptsim_pgtables pt;
	struct ptsim_tlb_mm tlb;  /* ASID and cpumask */
	struct ptsim_mm_state vm; /* VMAs, counters (src/mm) */
	uint64_t asid;
	struct ptsim_mm *next, *prev;
	/*
	 * ptsim_pgslot_modify_prot_start() inside VMAs, not yet committed: the
	 * slot and the leaf it held, whose mapping the page's mapcount still
	 * counts.  A commit inside a VMA must match one (pgtable_api.c).
	 */
	struct ptsim_prot_pending {
		uint64_t table_pfn;
		uint64_t old;
		unsigned int idx;
		int lvl;
	} prot_pending[PTSIM_PROT_PENDING_MAX];
	unsigned int nr_prot_pending;
};

/* knobs.c: the defaults that follow cfg->arch (soft_dirty, swp.migration_ad). */
void ptsim__config_arch_defaults(struct ptsim_config *c);
/* machine.c: whether @a is one of the registry's configurations (not just any pointer). */
bool ptsim__arch_registered(const struct ptsim_arch *a);
/*
 * ptref_api.c: follow knob pt_reclaim.rfc - on: recount every PTE table and
 * rebuild each address space's view and the ranking; off: drop them.  No-op
 * before the table allocator exists, or when the knob did not change.
 */
void ptsim__ptref_switch(struct ptsim_machine *m);
/* machine.c: refresh what follows the knobs after a change. */
void ptsim__machine_knobs_changed(struct ptsim_machine *m);

/*
 * Brackets around a public call that may populate sections (allocate frame
 * records) and then fail: the sections it populated are made pristine
 * again once it has given its pages back (ptsim__mem_op_begin/end), so a
 * failed call leaves host memory as it found it.  ptsim__op_end() returns
 * @err.
 */
static inline void ptsim__op_begin(struct ptsim_machine *m)
{
	ptsim__mem_op_begin(&m->mem);
}

static inline int ptsim__op_end(struct ptsim_machine *m, int err)
{
	ptsim__mem_op_end(&m->mem, err < 0);
	return err;
}

/* The machine's mm-layer context, set up on first use (mm_api.c). */
struct ptsim_mm_ctx *ptsim__mmctx(struct ptsim_machine *m);

/*
 * The host of a machine a call received as const, to set the error text of
 * a refusal: the text is not part of the model that const protects
 * (docs/api/conventions.md, "Hostile input").
 */
static inline struct ptsim_host *ptsim__mhost(const struct ptsim_machine *m)
{
	return (struct ptsim_host *)(uintptr_t)&m->host;
}

/*
 * mem_api.c: whether dropping @drop references of the folio of @pfn (of
 * which @pin_refs_dropped are a pin's) leaves the references its mappings
 * (folio_mapcount()), a page cache (one per page) and its pins hold; 0, or
 * -EBUSY (-EINVAL for a frame not in use) with the message set.  A page
 * table is -EBUSY.
 */
int ptsim__folio_drop_check(struct ptsim_machine *m, const char *fn, uint64_t pfn, uint64_t drop,
			    uint64_t pin_refs_dropped);

/*
 * The safety net of "every failing call sets a message": @ret came from
 * work handed to a lower layer when h->nr_errors was @mark; a negative @ret
 * that set no message gets "@fn: <ptsim_strerror()>".
 */
static inline long ptsim__api_ret(struct ptsim_host *h, uint64_t mark, long ret, const char *fn)
{
	if (ret < 0 && h->nr_errors == mark)
		return ptsim__seterr(h, (int)ret, "%s: %s", fn, ptsim_strerror((int)ret));
	return ret;
}

/*
 * A configuration error: format the reason into the caller's @err buffer
 * (NULL or @errlen 0: none wanted) and return @ret.  There is no machine
 * yet to hold a message.
 */
int ptsim__cfg_err(char *err, size_t errlen, int ret, const char *fmt, ...) PTSIM_PRINTF(4, 5);

#endif /* PTSIM_SRC_CORE_MACHINE_H */
