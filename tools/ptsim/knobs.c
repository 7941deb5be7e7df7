// SPDX-License-Identifier: MIT
/*
 * knobs.c - the knob registry printed for people (knobs.h).
 */
#include "knobs.h"

void pts_knobs_values(FILE *f, const struct ptsim_config *cfg)
{
	const struct ptsim_knob_info *k;
	char val[64];

	for (unsigned int i = 0; (k = ptsim_knob_at(i)); i++) {
		if (ptsim_config_get(cfg, k->name, val, sizeof(val)))
			continue;
		fprintf(f, "%s=%s\n", k->name, val);
	}
}

void pts_knobs_markdown(FILE *f)
{
	const struct ptsim_knob_info *k;

	fprintf(f, "| knob | type | values | default | when | `struct ptsim_config` | what |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	for (unsigned int i = 0; (k = ptsim_knob_at(i)); i++)
		fprintf(f, "| `%s` | %s | `%s` | %s | %s | `%s` | %s |\n", k->name, k->type,
			k->values, k->def, k->runtime ? "any time" : "creation", k->field, k->doc);
}
