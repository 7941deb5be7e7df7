/* SPDX-License-Identifier: MIT */
/*
 * sweep.h - the allocation-failure sweep over a scenario (`ptsim run --sweep`).
 *
 * The script runs once to count its allocation points N, then N more times,
 * the k-th run failing the k-th allocation point.  Every run must end either
 * in success or in a clear error - ENOMEM with a message naming the file
 * and line (any other error after the injected failure means a failure was
 * swallowed and changed what the script saw) - and afterwards ptsim_check()
 * must be clean, both as the script left the machine and once every address
 * space and file is released, when every frame must be free again.  The
 * library call that failed must also have left host memory, initialised
 * sections and free frames as they were (the runner compares them around
 * each call in sweep mode: pts_state_problem()).
 *
 * One failure is meant to change what the script sees: a THP fault whose
 * huge page cannot be had maps a small page instead (VM_FAULT_FALLBACK,
 * counted as thp_fault_fallback), so later expectations about the huge
 * mapping may fail.  A run whose failure was absorbed that way - more
 * fallbacks than the clean run - is counted as fell_back, whatever the
 * script said; the checker rules still hold for it.
 */
#ifndef PTSIM_TOOL_SWEEP_H
#define PTSIM_TOOL_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pts_sweep_result {
	uint64_t points;    /* allocation points of the clean run */
	uint64_t runs;	    /* runs with an injected failure */
	uint64_t succeeded; /* ... that still succeeded (the failure was tolerated) */
	uint64_t failed;    /* ... that stopped with a clear ENOMEM */
	uint64_t fell_back; /* ... whose huge page fell back to small pages */
	uint64_t problems;  /* runs that broke a rule (details on @log) */
};

/**
 * pts_sweep_buffer() - sweep one script.
 * @name: file name for messages.  @buf, @len: the script.
 * @step: sweep every @step-th point only (1 = all).
 * @log: where problems (and a summary line) are printed.
 * @res: receives the counts.
 * Return: 0 if every run kept the rules, -EDOM if any broke one, or the
 * error of the clean run (the script must pass without failures first).
 */
int pts_sweep_buffer(const char *name, const char *buf, size_t len, uint64_t step, FILE *log,
		     struct pts_sweep_result *res);

#endif /* PTSIM_TOOL_SWEEP_H */
