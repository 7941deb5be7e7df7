// SPDX-License-Identifier: MIT
/*
 * fuzz_script.c - libFuzzer target for the scenario language.
 *
 * The input is a whole script, run with pts_run_buffer() on a fresh runner
 * whose output goes to /dev/null; the runner is destroyed afterwards, so
 * LeakSanitizer checks that a script stopped at any line frees everything.
 * A failing line is fine (the language reports it); a crash, a sanitizer
 * report or a leak is not.
 *
 * Files: `dot FILE` is the one command that writes one.  Relative names go
 * under PTSIM_FUZZ_SCRATCH (the runner's base_dir) and Graphviz is never
 * started; inputs that name "dot" and contain a '/' are skipped so that no
 * absolute or ../ path lets the fuzzer write outside the scratch directory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "script.h"

#ifndef PTSIM_FUZZ_SCRATCH
#define PTSIM_FUZZ_SCRATCH "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool contains(const uint8_t *data, size_t size, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= size; i++)
		if (!memcmp(data + i, word, n))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pts_options o = {.no_render = true, .base_dir = PTSIM_FUZZ_SCRATCH};
	struct pts_runner *r;
	const char *msg;

	if (memchr(data, '/', size) && contains(data, size, "dot"))
		return 0;
	o.out = fopen("/dev/null", "w");
	if (!o.out)
		return 0;
	if (!pts_runner_create(&o, &r)) {
		if (pts_run_buffer(r, "fuzz", (const char *)data, size)) {
			msg = pts_error(r);
			if (!msg || !msg[0])
				__builtin_trap(); /* an error always has a message */
		}
		pts_runner_destroy(r);
	}
	fclose(o.out);
	return 0;
}
