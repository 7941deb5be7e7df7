// SPDX-License-Identifier: MIT
/*
 * repl.c - `ptsim repl`: the scenario language, one line at a time.
 *
 * On a terminal, lines come from libedit's readline interface when the
 * build found libedit (PTSIM_HAVE_LIBEDIT): line editing, history and
 * completion of command names.  Without it, and whenever standard input is
 * not a terminal, lines are read plainly with the scripts' own bounded
 * reader (pts_read_line()), so a piped session behaves as `ptsim run -`
 * except that it goes on after an error.
 */
#include "repl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "script.h"

#ifdef PTSIM_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

static const char repl_usage[] =
	"usage: ptsim repl [OPTIONS] [CONFIG]\n"
	"The scenario language, interactively: each line of standard input runs as a\n"
	"script line; a failing line prints its message and the session goes on.\n"
	"With CONFIG, `machine CONFIG` runs first.  `help` lists the commands, `quit`\n"
	"or the end of input leaves.  On a terminal, what each access and mmap did is\n"
	"printed (as after `echo on`)"
#ifdef PTSIM_HAVE_LIBEDIT
	", and lines can be edited, recalled (history)\n"
	"and completed (command names, with Tab)"
#endif
	".\n"
	"  -q, --quiet         on a terminal, do not print what each access did\n"
	"  -h, --help          this text\n"
	"On a terminal a failed line leaves the exit status 0; piped, it makes it 1.\n";

#define PROMPT "ptsim> "

#ifdef PTSIM_HAVE_LIBEDIT
/* Completion of the first word (and of help's argument): the command names. */
static char *command_generator(const char *text, int state)
{
	static unsigned int next;
	size_t len = strlen(text);

	if (!state)
		next = 0;
	for (;;) {
		unsigned int i = next++;
		const char *name = pts_command_name(i);

		/* The REPL's own "quit" comes right after the language's commands. */
		if (!name && (i == 0 || pts_command_name(i - 1)))
			name = "quit";
		if (!name)
			return NULL;
		if (!strncmp(name, text, len))
			return strdup(name);
	}
}

static char **complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	int i = 0;

	(void)end;
	while (i < start && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == start ||
	    (!strncmp(line + i, "help", 4) && (line[i + 4] == ' ' || line[i + 4] == '\t'))) {
		rl_attempted_completion_over = 1;
		return rl_completion_matches(text, command_generator);
	}
	return NULL; /* other words: file names (dot FILE) */
}

/* The next line from libedit: malloc'ed, NULL at the end of input. */
static char *next_line_edit(void)
{
	char *line = readline(PROMPT);

	if (!line)
		putchar('\n'); /* leave the prompt's line */
	else if (line[strspn(line, " \t")])
		add_history(line);
	return line;
}
#endif

/*
 * The next line read plainly: 1 with @buf filled, 0 at the end, or a
 * negative errno (pts_read_line()) after the rest of a bad line was skipped.
 */
static int next_line_plain(bool prompt, char *buf, size_t size)
{
	size_t len;
	int got, c;

	if (prompt) {
		fputs(PROMPT, stdout);
		fflush(stdout);
	}
	got = pts_read_line(stdin, buf, size, &len);
	if (got == -E2BIG || got == -EILSEQ)
		while ((c = getchar()) != EOF && c != '\n')
			;
	if (!got && prompt)
		putchar('\n');
	return got;
}

static bool is_quit(const char *line)
{
	size_t b = strspn(line, " \t");
	size_t n = strcspn(line + b, " \t\r");

	return n == 4 && !strncmp(line + b, "quit", 4) &&
	       !line[b + n + strspn(line + b + n, " \t\r")];
}

int pts_repl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pts_options opts = {0};
	struct pts_runner *r;
	bool tty = isatty(STDIN_FILENO), quiet = false;
	char *buf, cmd[160];
	unsigned int n = 0;
	int status = PTS_EXIT_OK, c;

	pts_cli_options_begin();
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			pts_cli_print_usage(stdout, repl_usage);
			return PTS_EXIT_OK;
		} else {
			return pts_cli_option_error("repl", c, argv);
		}
	}
	if (argc - optind > 1)
		return pts_cli_usage_error("repl", "one configuration at most (\"%s\" is extra)",
					   argv[optind + 1]);
	if (optind < argc && !ptsim_arch_lookup(argv[optind]))
		return pts_cli_unknown_config("repl", argv[optind]);

	opts.results = tty && !quiet;
	buf = malloc(PTS_SCRIPT_LINE_MAX);
	if (!buf || pts_runner_create(&opts, &r)) {
		free(buf);
		fprintf(stderr, "ptsim: out of memory\n");
		return PTS_EXIT_FAILED;
	}
	if (tty)
		printf("ptsim - the scenario language; `help` lists the commands, `quit` "
		       "leaves.\n");
	if (optind < argc) {
		snprintf(cmd, sizeof(cmd), "machine %s", argv[optind]);
		if (pts_exec_line(r, "<repl>", 0, cmd)) {
			fprintf(stderr, "ptsim: %s\n", pts_error(r));
			pts_runner_destroy(r);
			free(buf);
			return PTS_EXIT_FAILED;
		}
		if (tty)
			printf("machine %s created; next: mm NAME\n", argv[optind]);
	}
#ifdef PTSIM_HAVE_LIBEDIT
	if (tty) {
		rl_readline_name = "ptsim";
		rl_attempted_completion_function = complete;
		using_history();
	}
#endif
	for (;;) {
		const char *line = buf;
		char *edited = NULL;
		int got;

#ifdef PTSIM_HAVE_LIBEDIT
		if (tty) {
			edited = next_line_edit();
			got = edited ? 1 : 0;
			line = edited;
		} else
#endif
			got = next_line_plain(tty, buf, PTS_SCRIPT_LINE_MAX);
		if (!got)
			break;
		n++;
		if (got < 0) {
			fprintf(stderr, "<repl>:%u: %s\n", n,
				got == -EILSEQ	? "NUL byte in the line"
				: got == -E2BIG ? "line longer than 4095 characters"
						: "read error");
			status = PTS_EXIT_FAILED;
			if (got == -EIO)
				break;
			continue;
		}
		if (is_quit(line)) {
			free(edited);
			break;
		}
		if (pts_exec_line(r, "<repl>", n, line)) {
			fprintf(stderr, "%s\n", pts_error(r));
			status = PTS_EXIT_FAILED; /* remembered for a piped session; it goes on */
		}
		free(edited);
	}
	pts_runner_destroy(r);
	free(buf);
	return tty ? PTS_EXIT_OK : status;
}
