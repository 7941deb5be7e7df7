/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the sub-commands of the `ptsim` executable (main.c, repl.c)
 * share: the exit statuses, usage texts on the right stream, the messages
 * of a usage error, and getopt_long() set up for a sub-command.
 */
#ifndef PTSIM_TOOL_CLI_H
#define PTSIM_TOOL_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses, documented in every usage text, docs/scenarios.md and README.md. */
enum {
	PTS_EXIT_OK = 0,     /* success */
	PTS_EXIT_FAILED = 1, /* a failed expectation or operation, an error in a script */
	PTS_EXIT_USAGE = 2,  /* unknown command or option, bad or missing argument */
};

/* @text, then the paragraph on exit statuses, on @f (stdout for --help). */
void pts_cli_print_usage(FILE *f, const char *text);

/*
 * A usage error of sub-command @cmd (NULL: the command itself): "ptsim CMD:
 * message" and a pointer to --help on stderr; returns PTS_EXIT_USAGE.
 */
int pts_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An unknown configuration name as a usage error. */
int pts_cli_unknown_config(const char *cmd, const char *config);

/* The configuration names there are, "x86_64-4l, x86_64-5l, ..." (ptsim_arch_at()), in @buf. */
const char *pts_cli_config_names(char *buf, size_t len);

/*
 * The usage error for getopt_long()'s '?' (unknown option) or ':' (missing
 * value) @c, with @argv and optind as it left them.
 */
int pts_cli_option_error(const char *cmd, int c, char **argv);

/*
 * Set getopt_long() up for a new argument vector (argv[0] is the
 * sub-command's name), with its own messages off (ours are clearer).
 */
void pts_cli_options_begin(void);

/*
 * The options of a sub-command that has none but -h/--help.  Sets *@done
 * when the caller must return the result at once (help printed: 0; an
 * unknown option: 2); else optind is at the first operand.
 */
int pts_cli_help_only(const char *cmd, const char *usage, int argc, char **argv, bool *done);

#endif /* PTSIM_TOOL_CLI_H */
