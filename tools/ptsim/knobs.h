/* SPDX-License-Identifier: MIT */
/*
 * knobs.h - printing the library's knob registry (ptsim_knob_at()): the
 * `knobs` scenario command, `ptsim knobs` and the generated docs/knobs.md.
 */
#ifndef PTSIM_TOOL_KNOBS_H
#define PTSIM_TOOL_KNOBS_H

#include <stdio.h>

#include "ptsim/ptsim.h"

/* Every knob as "name=value", one per line, from a configuration. */
void pts_knobs_values(FILE *f, const struct ptsim_config *cfg);
/* The registry as a Markdown table (docs/knobs.md). */
void pts_knobs_markdown(FILE *f);

#endif /* PTSIM_TOOL_KNOBS_H */
