// SPDX-License-Identifier: MIT
/*
 * cli.c - usage texts, usage errors and getopt_long() set-up for the
 * sub-commands of the `ptsim` executable (cli.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ptsim/ptsim.h"

static const char exit_text[] =
	"Exit status: 0 success; 1 a failed expectation, an error in a script or a\n"
	"failed operation; 2 a usage error (unknown command or option, bad argument).\n";

void pts_cli_print_usage(FILE *f, const char *text)
{
	fputs(text, f);
	fputs(exit_text, f);
}

int pts_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const char *sep = cmd ? " " : "";
	va_list ap;

	fprintf(stderr, "ptsim%s%s: ", sep, cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(ptsim%s%s --help shows the usage)\n", sep, cmd ? cmd : "");
	return PTS_EXIT_USAGE;
}

const char *pts_cli_config_names(char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = 0;
	for (unsigned int i = 0; ptsim_arch_at(i) && n < len; i++) {
		int k = snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				 ptsim_arch_name(ptsim_arch_at(i)));

		if (k < 0)
			break;
		n += (size_t)k;
	}
	return buf;
}

int pts_cli_unknown_config(const char *cmd, const char *config)
{
	char names[256];

	return pts_cli_usage_error(cmd, "unknown configuration \"%s\" (one of: %s)", config,
				   pts_cli_config_names(names, sizeof(names)));
}

int pts_cli_option_error(const char *cmd, int c, char **argv)
{
	/* A long option, or the value it lacks, is always the last one consumed. */
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	bool is_long = !strncmp(arg, "--", 2);

	if (c == ':') {
		if (is_long)
			return pts_cli_usage_error(cmd, "option %s needs a value", arg);
		return pts_cli_usage_error(cmd, "option -%c needs a value", optopt);
	}
	/* glibc: optopt is 0 for an unknown long option, the option's value otherwise. */
	if (!optopt)
		return pts_cli_usage_error(cmd, "unknown option \"%s\"", arg);
	if (is_long && strchr(arg, '='))
		return pts_cli_usage_error(cmd, "option %.*s takes no value",
					   (int)(strchr(arg, '=') - arg), arg);
	return pts_cli_usage_error(cmd, "unknown option \"-%c\"", optopt);
}

void pts_cli_options_begin(void)
{
	/*
	 * optind 0, not 1: glibc's getopt then re-initialises completely, the
	 * ordering included (the command's own parse stops at the first
	 * operand, a sub-command's permutes).
	 */
	optind = 0;
	opterr = 0;
}

int pts_cli_help_only(const char *cmd, const char *usage, int argc, char **argv, bool *done)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*done = false;
	pts_cli_options_begin();
	c = getopt_long(argc, argv, ":h", longopts, NULL);
	if (c == -1)
		return PTS_EXIT_OK;
	*done = true;
	if (c == 'h') {
		pts_cli_print_usage(stdout, usage);
		return PTS_EXIT_OK;
	}
	return pts_cli_option_error(cmd, c, argv);
}
