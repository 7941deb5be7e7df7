/* SPDX-License-Identifier: MIT */
/*
 * types.h - basic types shared by every libptsim header.
 *
 * The model always has five logical page-table levels, named as in Linux:
 *
 *   PGD -> P4D -> PUD -> PMD -> PTE
 *
 * A configuration with fewer hardware levels folds the missing ones (one
 * entry per table, the "offset" of a folded level returns its parent), just
 * as the kernel does, so algorithm code is written once.
 *
 * Entries are 64-bit words in the real hardware format of the machine's
 * architecture.  The one-field wrappers below make passing a PMD where a PTE
 * is expected a compile error; generic code (the walker, ptdump) uses
 * ptsim_ent_t together with an explicit level.
 */
#ifndef PTSIM_TYPES_H
#define PTSIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptsim/export.h"

/** enum ptsim_level - logical page-table levels, top (0) to bottom (4). */
enum ptsim_level {
	PTSIM_PGD = 0,
	PTSIM_P4D = 1,
	PTSIM_PUD = 2,
	PTSIM_PMD = 3,
	PTSIM_PTE = 4,
	PTSIM_NR_LEVELS = 5,
};

/* Level-typed entry wrappers (the only struct typedefs in the API). */
typedef struct {
	uint64_t val;
} ptsim_pgd_t;
typedef struct {
	uint64_t val;
} ptsim_p4d_t;
typedef struct {
	uint64_t val;
} ptsim_pud_t;
typedef struct {
	uint64_t val;
} ptsim_pmd_t;
typedef struct {
	uint64_t val;
} ptsim_pte_t;

/* A raw entry of any level; the level travels beside it. */
typedef uint64_t ptsim_ent_t;

/* Access protections, with the values of Linux's PROT_* constants. */
#define PTSIM_PROT_NONE	 0x0u
#define PTSIM_PROT_READ	 0x1u
#define PTSIM_PROT_WRITE 0x2u
#define PTSIM_PROT_EXEC	 0x4u

struct ptsim_machine;
struct ptsim_mm;

#endif /* PTSIM_TYPES_H */
