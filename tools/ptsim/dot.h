/* SPDX-License-Identifier: MIT */
/*
 * dot.h - a Graphviz picture of the page-table tree of an address space.
 *
 * One node per page table in the range (a record listing its non-empty
 * entries, runs of similar leaves merged into one row so a picture stays
 * readable), one edge per table entry pointing at the table below, leaves
 * shown with their PFN and decoded permission bits, and levels named as
 * ptsim_arch_level_name() names them.  The output is deterministic (stable
 * node names), so a teacher can regenerate a slide and diff it.
 */
#ifndef PTSIM_TOOL_DOT_H
#define PTSIM_TOOL_DOT_H

#include <stdint.h>
#include <stdio.h>

#include "ptsim/ptsim.h"

/**
 * pts_dot_write() - write the tree of tables translating [start, end).
 * @mm: address space.  @start, @end: range (end == 0: to the top, the x86
 * upper half included; 0, 0: everything).  @title: graph label (may be
 * NULL; escaped).  @f: output stream.
 *
 * Nodes are named t_<table PFN in hex> and labelled "<level> table 0x<pfn>"
 * with ptsim_arch_level_name(); folded levels get no node.  Rows, one per
 * non-none entry in the range: a table entry (port e<index>, an edge to the
 * child's node, which is drawn even when empty), a leaf ("[i] va pfn 0x..
 * rw- user dirty young ..."; huge leaves start with their size, "2M pfn"),
 * PROT_NONE, and swap-format entries named by ptsim_softleaf_from().
 * Consecutive entries of one kind with the same text and consecutive
 * frames (or swap offsets) become one row "[i..j] N entries".  The text is
 * built in memory first: on error nothing is written.
 *
 * Return: number of table nodes written (>= 1: the root), or -EINVAL (bad
 * range, NULL argument), -ENOMEM, -EIO (writing @f failed).
 */
long pts_dot_write(struct ptsim_mm *mm, uint64_t start, uint64_t end, const char *title, FILE *f);

/**
 * pts_dot_render() - run Graphviz `dot` on a .dot file.
 * @dot_path: input.  @out_path: output; its extension (.svg or .png, any
 * case) picks the format.  @err, @errlen: receive a message on failure
 * (with the first line dot printed on stderr, which is captured).
 *
 * Runs `dot -T<fmt> -o OUT IN` found through PATH (posix_spawnp) and waits
 * for it.
 *
 * Return: 0, -ENOENT (`dot` is not installed), -EINVAL (unknown extension),
 * -EIO (dot failed: bad input, unreadable file, killed), or another -errno
 * if the process could not be started.
 */
int pts_dot_render(const char *dot_path, const char *out_path, char *err, size_t errlen);

#endif /* PTSIM_TOOL_DOT_H */
