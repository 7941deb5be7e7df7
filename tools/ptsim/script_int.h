/* SPDX-License-Identifier: MIT */
/*
 * script_int.h - what the parts of the scenario interpreter share: the
 * runner, the argument vector of one line, value parsing and the command
 * table.  script.c runs lines and owns the runner; script_cmds.c holds the
 * commands that act on the model and script_expect.c the `expect` family.
 */
#ifndef PTSIM_TOOL_SCRIPT_INT_H
#define PTSIM_TOOL_SCRIPT_INT_H

#include <stdarg.h>

#include "script.h"

#define PTS_MAX_WALKERS 8		    /* lockless walkers open at once */
#define PTS_NAME_MAX	32		    /* longest name of an address space, file or variable */
#define PTS_MAX_ARGS	48		    /* words on one line */
#define PTS_LINE_MAX	PTS_SCRIPT_LINE_MAX /* longest line, with its NUL */

struct pts_named_mm {
	char name[PTS_NAME_MAX];
	struct ptsim_mm *mm;
};

struct pts_named_file {
	char name[PTS_NAME_MAX];
	struct ptsim_file *file;
};

struct pts_var {
	char name[PTS_NAME_MAX];
	uint64_t val;
};

struct pts_runner {
	struct pts_options opts;
	FILE *out;

	struct ptsim_machine *m;
	struct ptsim_tlb_config tlb; /* the geometry the script asked for */

	struct pts_named_mm *mms;
	unsigned int nr_mms, cap_mms;
	int cur; /* index in mms[] of the current address space, -1: none */
	unsigned int cpu;

	struct pts_named_file *files;
	unsigned int nr_files, cap_files;

	struct pts_var *vars;
	unsigned int nr_vars, cap_vars;

	/* Lockless walkers (`lockless begin NAME ADDR`), ended with the address spaces. */
	struct {
		char name[PTS_NAME_MAX];
		struct ptsim_lockless *w;
	} walkers[PTS_MAX_WALKERS];
	unsigned int nr_walkers;

	/* The last access: what `expect signal/fault` look at. */
	bool have_access;
	struct ptsim_access_result last;

	/* The last `cost COMMAND`: what `expect cost` looks at. */
	bool have_cost;
	struct ptsim_cost last_cost;

	/* Allocation-failure sweep bookkeeping (opts.fail_at). */
	uint64_t points_done; /* allocation points of machines already destroyed */
	bool fail_fired;
	uint64_t points_base;	 /* allocation points the machine's creation passed */
	uint64_t free_at_create; /* free frames of the machine when it was created */
	char state_problem[256]; /* a failed call changed the machine (sweep mode) */

	/* Where we are, for messages. */
	const char *file;
	unsigned int line;
	char err[512];
	/*
	 * The machine's message before the command ran: a failure quotes the
	 * library's message only if the command's own calls set it (one that
	 * failed in the tool itself - a write, a callback - did not).
	 */
	char lib_msg_before[256];
};

/*
 * What a failed library call must leave as it was (sweep mode): host bytes
 * and allocations, initialised sections, free frames.
 */
struct pts_state {
	uint64_t host_bytes, host_allocs, sections, free_pages;
};

/* Take the state before a library call (only in sweep mode; a no-op otherwise). */
void pts__state_take(struct pts_runner *r, struct pts_state *s);
/*
 * After the call: if it failed with -ENOMEM and the state differs, note the
 * first such difference for the sweep (pts_state_problem()).
 */
void pts__state_check(struct pts_runner *r, const struct pts_state *s, int err, const char *what);

/* One line split into words; argv[] point into buf. */
struct pts_args {
	int argc;
	char *argv[PTS_MAX_ARGS];
	char buf[PTS_LINE_MAX];
	const char *rest[PTS_MAX_ARGS]; /* the raw text from word i to the end */
};

/* A command: name, usage, one line of help, handler. */
struct pts_cmd {
	const char *name;
	const char *usage;
	const char *help;
	int (*fn)(struct pts_runner *r, struct pts_args *a);
	bool needs_machine;
	bool needs_mm;
};

/* Whether commands print what they did (run -v, echo on, the REPL on a terminal). */
static inline bool pts__show_results(const struct pts_runner *r)
{
	return r->opts.verbose || r->opts.results;
}

/* Record an error "FILE:LINE: text" and return @err (a negative errno). */
int pts__fail(struct pts_runner *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, appending the library's message for a failed call. */
int pts__fail_call(struct pts_runner *r, int err, const char *what);

/* Parse an expression (numbers with K/M/G/T suffixes, names, + - * and parentheses). */
int pts__value(struct pts_runner *r, const char *text, uint64_t *out);
/* Parse PROT as "rwx", "rw-", "r--", "---" or "none". */
int pts__prot(struct pts_runner *r, const char *text, unsigned int *out);
/* A level by logical (pgd p4d pud pmd pte) or architecture name. */
int pts__level(struct pts_runner *r, const char *text, enum ptsim_level *out);
/* An errno name ("ENOMEM") to its negative value; 0 if unknown. */
int pts__errno_value(const char *name);
/* The short name of a negative errno ("ENOMEM"), "?" if unknown. */
const char *pts__errno_name(int err, char *buf, size_t len);

struct ptsim_mm *pts__mm(struct pts_runner *r);
struct ptsim_mm *pts__mm_by_name(struct pts_runner *r, const char *name);
struct ptsim_file *pts__file_by_name(struct pts_runner *r, const char *name);
int pts__set_var(struct pts_runner *r, const char *name, uint64_t val);
bool pts__valid_name(const char *name);
uint64_t pts__page_size(struct pts_runner *r);

/* A named bool of struct ptsim_attrs (entry bits as `translate` prints them). */
struct pts_bit {
	const char *name;
	size_t offset;
};
extern const struct pts_bit pts__entry_bits[];
void pts__print_bits(FILE *f, const struct ptsim_attrs *at);
void pts__print_fault(FILE *f, unsigned int fault);
void pts__print_pagemap(FILE *f, uint64_t word);
void pts__print_uffd_msg(struct pts_runner *r, const struct ptsim_uffd_msg *msg);
/* The script's name of address space @mm, or "?" (it was destroyed). */
const char *pts__mm_name(const struct pts_runner *r, const struct ptsim_mm *mm);

/* Run the checker: the number of findings with *@out to free(), or -errno (message set). */
int pts__check(struct pts_runner *r, struct ptsim_check_report **out);

/*
 * script_ptref.c: the `ptref` command (EXPERIMENTAL, the 2022 RFC, knob
 * pt_reclaim.rfc) and a counter of it for `expect ptref NAME OP VALUE`
 * (0, or -errno with the script's error set).
 */
int pts__cmd_ptref(struct pts_runner *r, struct pts_args *a);
int pts__ptref_get(struct pts_runner *r, const char *name, uint64_t *out);

/* Command tables of script_cmds.c and script_expect.c (ended by a NULL name). */
extern const struct pts_cmd pts__cmds[];
int pts__cmd_expect(struct pts_runner *r, struct pts_args *a);
int pts__dispatch(struct pts_runner *r, struct pts_args *a, int first);

/* Commands defined in script.c (they manage the runner itself). */
int pts__cmd_machine(struct pts_runner *r, struct pts_args *a);

#endif /* PTSIM_TOOL_SCRIPT_INT_H */
