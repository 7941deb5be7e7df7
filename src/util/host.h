/* SPDX-License-Identifier: MIT */
/*
 * src/util/host.h - host memory, fault injection, error text, counters and
 * the cost ledger of one machine: what every layer shares.
 *
 * Every host byte a machine uses comes from ptsim__alloc() on its struct
 * ptsim_host: a private jemalloc arena when built with PTSIM_WITH_JEMALLOC,
 * otherwise libc malloc with a tracked list.  ptsim__host_fini() releases
 * everything still allocated (destroying the arena), so a machine never leaks
 * even if its user forgot to destroy an address space.
 *
 * Invariant: bytes_live equals the sum of the sizes of all live allocations;
 * nr_live their number.  Tests compare both before and after an operation
 * that failed to prove it leaked nothing.
 *
 * Fault injection (SQLite countdown semantics): ptsim__fault_hit() is asked
 * at every simulated allocation point (host allocations and frame
 * allocations).  With fail_nth = N > 0 the N-th call from arming fails, and
 * with repeat also every later one; with a probability set, each call fails
 * with that probability from a seeded generator.  Breakpoint target:
 * ptsim__fault_hit.
 */
#ifndef PTSIM_SRC_UTIL_HOST_H
#define PTSIM_SRC_UTIL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptsim/export.h"
#include "ptsim/stat.h"

#define PTSIM_ERRMSG_LEN 256

struct ptsim_host_block;

struct ptsim_host {
	bool use_jemalloc;
	unsigned int arena;		 /* jemalloc arena index */
	struct ptsim_host_block *blocks; /* fallback: live allocations */
	uint64_t bytes_live, bytes_peak, nr_live;
	uint64_t bytes_limit; /* 0: none; else allocations beyond it fail (knob host.limit) */

	/* fault injection */
	uint64_t fault_calls; /* allocation points seen since arming */
	uint64_t fail_nth;    /* 0 = off */
	bool fail_repeat;
	uint32_t fail_ppm;     /* probability in parts per million, 0 = off */
	uint64_t rng;	       /* xorshift state for fail_ppm */
	uint64_t nr_injected;  /* failures injected so far */
	uint64_t alloc_points; /* all allocation points ever (for sweeps) */

	char errmsg[PTSIM_ERRMSG_LEN];
	/*
	 * Messages set so far: a public call compares it before and after the
	 * work it hands to a lower layer, and gives a failure that set none a
	 * message of its own (src/api/machine.h, ptsim__api_ret()).
	 */
	uint64_t nr_errors;

	/*
	 * Machine-wide counters every layer charges (include/ptsim/stat.h):
	 * vmstat events, the stored meminfo levels (in pages), the cost ledger.
	 */
	uint64_t vm_events[PTSIM_NR_VM_EVENTS];
	uint64_t nr_anon_mapped; /* NR_ANON_MAPPED */
	uint64_t nr_anon_thps;	 /* NR_ANON_THPS, in pages */
	struct ptsim_cost cost;
};

static inline void ptsim__count_vm_event(struct ptsim_host *h, enum ptsim_vm_event e)
{
	h->vm_events[e]++;
}

int ptsim__host_init(struct ptsim_host *h, bool use_jemalloc);
void ptsim__host_fini(struct ptsim_host *h);

/* Allocation point check; true means "fail this allocation". */
bool ptsim__fault_hit(struct ptsim_host *h);

/* Allocate / free host memory; NULL on (real or injected) failure. */
void *ptsim__alloc(struct ptsim_host *h, size_t size);
void *ptsim__zalloc(struct ptsim_host *h, size_t size);
void ptsim__free(struct ptsim_host *h, void *p, size_t size);

/* Allocation that ignores fault injection (checker scratch, error paths). */
void *ptsim__alloc_nofail(struct ptsim_host *h, size_t size);

/* Set the machine's error text; returns @err so callers can `return seterr(...)`. */
int ptsim__seterr(struct ptsim_host *h, int err, const char *fmt, ...) PTSIM_PRINTF(3, 4);

#endif /* PTSIM_SRC_UTIL_HOST_H */
