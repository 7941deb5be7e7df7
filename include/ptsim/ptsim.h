/* SPDX-License-Identifier: MIT */
/*
 * ptsim.h - umbrella header: everything libptsim exports.
 */
#ifndef PTSIM_PTSIM_H
#define PTSIM_PTSIM_H

#include "ptsim/arch.h"
#include "ptsim/check.h"
#include "ptsim/export.h"
#include "ptsim/kernel.h"
#include "ptsim/machine.h"
#include "ptsim/mm.h"
#include "ptsim/mem.h"
#include "ptsim/pgtable.h"
#include "ptsim/ptref.h"
#include "ptsim/softleaf.h"
#include "ptsim/stat.h"
#include "ptsim/thp.h"
#include "ptsim/tlb.h"
#include "ptsim/types.h"
#include "ptsim/uffd.h"
#include "ptsim/version.h"

#endif /* PTSIM_PTSIM_H */
