// SPDX-License-Identifier: MIT
/*
 * sweep.c - run a scenario once per allocation point, failing that point,
 * and hold every run to the rules of sweep.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"
#include "sweep.h"

/* Check the machine a run left behind; returns a problem text or NULL. */
static const char *check_machine(struct pts_runner *r, char *buf, size_t len)
{
	struct ptsim_machine *m = pts_machine(r);
	struct ptsim_check_report *rep;
	struct ptsim_mem_stats ms;
	const char *problem = NULL;
	int n;

	if (!m)
		return NULL;
	rep = malloc(sizeof(*rep));
	if (!rep)
		return "out of memory in the sweep itself";
	ptsim_fault_inject(m, 0, false);
	n = ptsim_check(m, rep);
	if (n != 0) {
		snprintf(buf, len, "the checker found %d problem(s) after the run: %s", n,
			 n > 0 && rep->nr_stored ? rep->findings[0].msg : "");
		problem = buf;
		goto out;
	}
	pts_release_all(r);
	n = ptsim_check(m, rep);
	if (n != 0) {
		snprintf(buf, len, "the checker found %d problem(s) after releasing everything: %s",
			 n, n > 0 && rep->nr_stored ? rep->findings[0].msg : "");
		problem = buf;
		goto out;
	}
	ptsim_mem_stats(m, &ms);
	if (ms.free_pages != pts_free_at_create(r)) {
		snprintf(buf, len, "%llu frames free after releasing everything, %llu at creation",
			 (unsigned long long)ms.free_pages,
			 (unsigned long long)pts_free_at_create(r));
		problem = buf;
	}
out:
	free(rep);
	return problem;
}

static int one_run(const char *name, const char *buf, size_t len, uint64_t fail_at, FILE *devnull,
		   int *script_err, char *msg, size_t msglen, uint64_t *points, bool *fired,
		   uint64_t *fallbacks, const char **problem, char *pbuf, size_t plen)
{
	struct pts_options opts = {.out = devnull, .fail_at = fail_at, .no_render = true};
	struct pts_runner *r;
	int err = pts_runner_create(&opts, &r);

	if (err)
		return err;
	*script_err = pts_run_buffer(r, name, buf, len);
	snprintf(msg, msglen, "%s", pts_error(r));
	*points = pts_alloc_points(r);
	*fired = pts_fail_fired(r);
	*fallbacks =
		pts_machine(r) ? ptsim_vm_event(pts_machine(r), PTSIM_VM_THP_FAULT_FALLBACK) : 0;
	*problem = check_machine(r, pbuf, plen);
	if (!*problem && pts_state_problem(r)) {
		snprintf(pbuf, plen, "%s", pts_state_problem(r));
		*problem = pbuf;
	}
	pts_runner_destroy(r);
	return 0;
}

int pts_sweep_buffer(const char *name, const char *buf, size_t len, uint64_t step, FILE *log,
		     struct pts_sweep_result *res)
{
	FILE *devnull = fopen("/dev/null", "w");
	char msg[512], pbuf[512];
	const char *problem;
	uint64_t points, fallbacks0, fallbacks;
	bool fired;
	int err, script_err;

	memset(res, 0, sizeof(*res));
	if (!devnull)
		return -EIO;
	if (!step)
		step = 1;
	err = one_run(name, buf, len, 0, devnull, &script_err, msg, sizeof(msg), &points, &fired,
		      &fallbacks0, &problem, pbuf, sizeof(pbuf));
	if (!err && script_err) {
		fprintf(log, "sweep: %s: the script fails without injected failures: %s\n", name,
			msg);
		err = script_err;
	}
	if (!err && problem) {
		fprintf(log, "sweep: %s: clean run: %s\n", name, problem);
		err = -EDOM;
	}
	if (err)
		goto out;
	res->points = points;
	for (uint64_t k = 1; k <= res->points; k += step) {
		uint64_t pts;
		const char *why = NULL;

		err = one_run(name, buf, len, k, devnull, &script_err, msg, sizeof(msg), &pts,
			      &fired, &fallbacks, &problem, pbuf, sizeof(pbuf));
		if (err)
			goto out;
		res->runs++;
		if (!script_err) {
			res->succeeded++;
		} else if (fired && fallbacks > fallbacks0) {
			/* The failed huge page fell back to small ones: what the script sees
			 * differs. */
			res->fell_back++;
		} else {
			res->failed++;
			if (!fired)
				why = "the script failed although no failure was injected";
			else if (script_err != -ENOMEM)
				why = "an injected allocation failure surfaced as another error";
			else if (!msg[0] || strncmp(msg, name, strlen(name)))
				why = "the error message does not name the file and line";
		}
		if (!why && problem)
			why = problem;
		if (why) {
			res->problems++;
			fprintf(log,
				"sweep: %s: failing allocation %llu of %llu: %s (script: %s)\n",
				name, (unsigned long long)k, (unsigned long long)res->points, why,
				script_err ? msg : "succeeded");
		}
	}
	fprintf(log,
		"sweep: %s: %llu allocation points, %llu runs: %llu stopped with ENOMEM, %llu "
		"succeeded anyway, %llu fell back to small pages, %llu problems\n",
		name, (unsigned long long)res->points, (unsigned long long)res->runs,
		(unsigned long long)res->failed, (unsigned long long)res->succeeded,
		(unsigned long long)res->fell_back, (unsigned long long)res->problems);
	err = res->problems ? -EDOM : 0;
out:
	fclose(devnull);
	return err;
}
