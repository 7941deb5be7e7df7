// SPDX-License-Identifier: MIT
/*
 * fuzz_trace.c - libFuzzer target for `ptsim trace`.
 *
 * 1. The whole input, and then each of its lines (split at '\n'), goes to
 *    pts_trace_parse_line(), each line in a heap buffer of exactly its
 *    length so that AddressSanitizer sees any read past it.  The result must
 *    keep the contract of trace.h, or the target traps:
 *      - -EINVAL with a non-empty, NUL-terminated message, or 0, 1 or 2;
 *      - every access has a known kind, a size of 1 .. PTS_TRACE_MAX_SIZE
 *        and does not wrap past 2^64;
 *      - two accesses only for "M": a load then a store of the same bytes;
 *      - the same result as pts_trace_parse_line_ref(), the general parser
 *        without the fast path (return, accesses and message).
 * 2. An input of at most REPLAY_MAX bytes whose lines all parse is replayed
 *    (with --fold and --check) on the configuration its length selects.  The
 *    replay may refuse an address (-EINVAL) or run out of simulated memory
 *    (-ENOMEM), always with a message; anything else - a checker finding
 *    included - traps.
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define REPLAY_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ref_ok(const struct pts_trace_ref *r)
{
	if (r->access != PTSIM_ACCESS_READ && r->access != PTSIM_ACCESS_WRITE &&
	    r->access != PTSIM_ACCESS_EXEC)
		return false;
	if (r->size == 0 || r->size > PTS_TRACE_MAX_SIZE)
		return false;
	return r->addr + (r->size - 1) >= r->addr;
}

/* Parse one line; false if it is malformed.  Traps on a broken contract. */
static bool parse_checked(const char *line, size_t len)
{
	struct pts_trace_ref refs[2], ref_refs[2];
	char err[160], ref_err[160];
	int n, ref_n;

	err[0] = '\0';
	ref_err[0] = '\0';
	n = pts_trace_parse_line(line, len, refs, err, sizeof(err));
	ref_n = pts_trace_parse_line_ref(line, len, ref_refs, ref_err, sizeof(ref_err));
	if (n != ref_n || (n < 0 && strcmp(err, ref_err)))
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (refs[i].access != ref_refs[i].access || refs[i].addr != ref_refs[i].addr ||
		    refs[i].size != ref_refs[i].size)
			__builtin_trap();
	if (n < 0) {
		if (n != -EINVAL || !err[0] || !memchr(err, '\0', sizeof(err)))
			__builtin_trap();
		return false;
	}
	if (n > 2)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (!ref_ok(&refs[i]))
			__builtin_trap();
	if (n == 2 &&
	    (refs[0].access != PTSIM_ACCESS_READ || refs[1].access != PTSIM_ACCESS_WRITE ||
	     refs[0].addr != refs[1].addr || refs[0].size != refs[1].size))
		__builtin_trap();
	return true;
}

static void replay(const uint8_t *data, size_t size)
{
	struct pts_trace_opts o = {.fold = true, .check = true};
	struct pts_trace_result *res = malloc(sizeof(*res));
	unsigned int nr_archs = 0;
	char err[512];
	FILE *f;
	int ret;

	while (ptsim_arch_at(nr_archs))
		nr_archs++;
	o.arch = ptsim_arch_name(ptsim_arch_at((unsigned int)(size % nr_archs)));
	f = fmemopen((void *)(uintptr_t)data, size, "r");
	if (!f || !res) {
		if (f)
			fclose(f);
		free(res);
		return;
	}
	err[0] = '\0';
	ret = pts_trace_replay(f, "fuzz", &o, res, err, sizeof(err));
	if (ret && ((ret != -EINVAL && ret != -ENOMEM) || !err[0])) {
		fprintf(stderr, "fuzz_trace: replay on %s: %d: %s\n", o.arch, ret, err);
		__builtin_trap();
	}
	fclose(f);
	free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	bool all_ok = true;

	parse_checked(p, size); /* libFuzzer's buffer is exactly @size bytes */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *copy = malloc(len ? len : 1);

		if (!copy)
			return 0;
		memcpy(copy, p, len);
		if (len > PTS_TRACE_MAX_LINE || !parse_checked(copy, len))
			all_ok = false;
		free(copy);
		p += len + 1;
	}
	if (all_ok && size && size <= REPLAY_MAX)
		replay(data, size);
	return 0;
}
