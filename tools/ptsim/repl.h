/* SPDX-License-Identifier: MIT */
/*
 * repl.h - `ptsim repl`: the scenario language, interactively.  Built into
 * the command only (not the ptsim_tool library), since it links libedit when
 * the build found it.
 */
#ifndef PTSIM_TOOL_REPL_H
#define PTSIM_TOOL_REPL_H

/**
 * pts_repl_main() - the `ptsim repl` sub-command.
 * @argc, @argv: its arguments, argv[0] being "repl":
 *   [-q | --quiet] [-h | --help] [CONFIG]
 *
 * Reads lines from standard input and runs each (pts_exec_line()); a failing
 * line prints its message ("<repl>:N: ...") and the session goes on.  On a
 * terminal: a prompt, what each access and mmap did (as `echo on` prints it;
 * --quiet or `echo off` turns that off), and with libedit line editing,
 * history and completion of command names.
 *
 * Return: exit status: 0 (always on a terminal), 1 if input was not a
 * terminal and a line failed, 2 a usage error.
 */
int pts_repl_main(int argc, char **argv);

#endif /* PTSIM_TOOL_REPL_H */
