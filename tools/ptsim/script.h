/* SPDX-License-Identifier: MIT */
/*
 * script.h - the scenario language (`ptsim run FILE`, `ptsim repl`).
 *
 * A script is a sequence of lines; each line is one command (see
 * docs/scenarios.md, or `help` in the REPL).  A runner holds the state a
 * script builds - one machine, named address spaces, files and addresses -
 * and executes lines one at a time.  A line that fails (bad syntax, a
 * library call returning an error, an `expect` that does not hold) leaves
 * a message naming the file and line in pts_error() and returns a negative
 * errno; the state stays consistent, so the REPL simply goes on.
 */
#ifndef PTSIM_TOOL_SCRIPT_H
#define PTSIM_TOOL_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptsim/ptsim.h"

struct pts_runner;

/*
 * struct pts_options - how a runner behaves.
 * @out: where commands print (ptdump, translate, stats, ...).  NULL: stdout.
 * @verbose: echo every command and the outcome of each access.
 * @results: print the outcome of each access (and the address an mmap
 *           bound) without echoing the commands: the REPL on a terminal.
 * @fail_at: allocation-failure injection for the reliability sweep: 0 off;
 *           k > 0 fails the k-th allocation point counted over the whole
 *           run (across machines, from the first `machine` command on).
 * @no_render: never start Graphviz (`dot FILE.svg` writes FILE.svg.dot only).
 * @base_dir: directory relative output paths are under (NULL: current).
 */
struct pts_options {
	FILE *out;
	bool verbose;
	bool results;
	uint64_t fail_at;
	bool no_render;
	const char *base_dir;
};

/* Create a runner (no machine yet); 0 or -ENOMEM. */
int pts_runner_create(const struct pts_options *opts, struct pts_runner **out);
/* Destroy a runner and everything its script created; NULL is a no-op. */
void pts_runner_destroy(struct pts_runner *r);

/**
 * pts_exec_line() - execute one line.
 * @r: runner.  @file: name for messages.  @line: line number.  @text: the
 * line (comments and blank lines are accepted and do nothing).
 * Return: 0, or -errno with pts_error() set ("FILE:LINE: what went wrong").
 */
int pts_exec_line(struct pts_runner *r, const char *file, unsigned int line, const char *text);

/**
 * pts_run_buffer() - execute a whole script held in memory.
 * @r: runner.  @name: file name for messages.  @buf, @len: the text (need
 * not be NUL-terminated; NUL bytes are an error).
 * Return: 0, or the first error (execution stops there).
 */
int pts_run_buffer(struct pts_runner *r, const char *name, const char *buf, size_t len);

/*
 * Execute a script file ("-": standard input) line by line; 0 or the first
 * error (-ENOENT if it cannot be opened).  A line longer than
 * PTS_SCRIPT_LINE_MAX - 1 bytes or holding a NUL byte is an error naming
 * FILE:LINE; nothing is read past it.
 */
int pts_run_file(struct pts_runner *r, const char *path);

/* Longest line of a script, its newline excluded, plus one (a NUL). */
#define PTS_SCRIPT_LINE_MAX 4096

/**
 * pts_read_line() - read one line of a script.
 * @f: stream.  @buf: receives the line, newline removed, NUL-terminated.
 * @size: size of @buf; a line must fit with its NUL.  @len: its length.
 *
 * Reads up to and including the next newline, and no further: a line too
 * long or holding a NUL byte is not read to its end, so an endless line
 * costs at most @size bytes.
 *
 * Return: 1 for a line, 0 at the end of input, -E2BIG for a line longer
 * than @size - 1 bytes, -EILSEQ for a NUL byte, -EIO for a read error.
 */
int pts_read_line(FILE *f, char *buf, size_t size, size_t *len);

/* The name of the i-th command of the language (NULL past the last): completion. */
const char *pts_command_name(unsigned int i);

/* The message of the last error ("" if none). */
const char *pts_error(const struct pts_runner *r);

/* The current machine (NULL before `machine`). */
struct ptsim_machine *pts_machine(const struct pts_runner *r);

/* Allocation points passed so far over the whole run (sizes the sweep). */
uint64_t pts_alloc_points(const struct pts_runner *r);

/* Whether the injected failure has fired (sweep bookkeeping). */
bool pts_fail_fired(const struct pts_runner *r);
/* Sweep mode: the first failed call that changed the machine (NULL: none). */
const char *pts_state_problem(const struct pts_runner *r);

/* Free frames of the current machine right after it was created (0 if none). */
uint64_t pts_free_at_create(const struct pts_runner *r);

/**
 * pts_release_all() - destroy every address space and file of the script
 * but keep the machine, so a caller can check it is back to empty.
 */
void pts_release_all(struct pts_runner *r);

/* Print the command summary (`help`) to @f; with @cmd only that command. */
void pts_help(FILE *f, const char *cmd);

#endif /* PTSIM_TOOL_SCRIPT_H */
