/* SPDX-License-Identifier: MIT */
/*
 * stats.h - named statistics of a machine and one address space, shared by
 * the scenario language (`stats`, `expect stat NAME OP VALUE`), the trace
 * replayer and anything else that reports numbers.
 *
 * Every statistic has one dotted name ("vmpte", "faults.cow",
 * "tlb.hits.pte", ...).  pts_stat_get() reads one by name;
 * pts_stats_json() prints them all as one JSON object nested by the dots
 * ({"faults": {"cow": 1, ...}, "tlb": {"hits": {"pte": 3, ...}}}), with
 * "arch" and the address-space name as the first members.  Both walk the
 * same table, so every name `expect stat` accepts appears in the JSON and
 * the other way round.
 *
 * A name that is also the prefix of others ("faults", beside "faults.cow")
 * is printed inside its object as the member "total":
 * {"faults": {"total": 5, "major": 0, ...}}.  "faults.total" itself is not
 * a name pts_stat_get() knows.
 *
 * The names, in table (and JSON) order:
 *   vmpte                       ptsim_mm_pgtables_bytes() (VmPTE, bytes)
 *   tables.{pgd,p4d,pud,pmd,pte} ptsim_mm_nr_tables() (0 at folded levels)
 *   vmas                        ptsim_mm_nr_vmas()
 *   faults                      pgfault (handle_mm_fault() calls)
 *   faults.{major,minor,anon,zero_page,cow,wp_reuse,file,fixup,spurious}
 *   signals.{sigsegv,sigbus}
 *   rss.{anon,file,shmem}       pages mapped (struct ptsim_mm_counters)
 *   uffd.pending                ptsim_uffd_nr_pending()
 *   tlb.hits.<lvl> tlb.misses.<lvl> tlb.lookup_misses tlb.walk_hits.<lvl>
 *   tlb.walk_misses tlb.flushes.<kind> tlb.ipis tlb.invalidated
 *   tlb.evictions               ptsim_tlb_stats_total(), summed over CPUs;
 *                               <lvl> is pgd..pte, <kind> a
 *                               ptsim_tlb_flush_kind_name()
 *   violations                  TLB-discipline violations recorded
 *   mem.{present_pages,free_pages,used_pages,sections,sections_initialised}
 *                               ptsim_mem_stats() (used = present - free)
 *   host.{bytes,bytes_peak,allocs} ptsim_host_stats() (live host memory;
 *                               differs between jemalloc and malloc builds)
 * Per-address-space statistics (vmpte .. uffd.pending) read 0 without an
 * address space.  Names are [a-z0-9_.] only.
 */
#ifndef PTSIM_TOOL_STATS_H
#define PTSIM_TOOL_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "ptsim/ptsim.h"

/**
 * pts_stat_get() - read one statistic.
 * @m: machine (may be NULL when @mm is given: @mm's machine is used).
 * @mm: address space for the per-mm statistics (may be NULL: they read as 0).
 * @name: dotted name, exactly as listed above (case matters).
 * @out: receives the value; untouched on error.
 * Return: 0, -ENOENT for an unknown name (a prefix such as "tlb.hits" is
 * not a name), -EINVAL for a NULL @name or @out.
 */
int pts_stat_get(struct ptsim_machine *m, struct ptsim_mm *mm, const char *name, uint64_t *out);

/**
 * pts_stats_json() - print every statistic as one JSON object and a newline.
 * @m: machine (may be NULL when @mm is given).  @mm: address space (may be
 * NULL).  @mm_name: its name in the script (NULL prints "mm": null; any
 * text is escaped).  @f: output stream.
 *
 * Members: "arch" (ptsim_arch_name()), "mm", then every statistic in table
 * order, nested by the dots, two-space indented.  The same state always
 * prints the same text.
 */
void pts_stats_json(struct ptsim_machine *m, struct ptsim_mm *mm, const char *mm_name, FILE *f);

/**
 * pts_stat_name() - the @i-th statistic name, for help texts and tests.
 * Return: the name, or NULL past the end.
 */
const char *pts_stat_name(unsigned int i);

/**
 * pts_cost_print() - the non-zero counters of a cost, as "name=value" words
 * with the names of the stats group "cost" ("entries_written.pte=512").
 * @f: output.  @c: the cost (ptsim_cost_end()).
 * Return: how many were printed.
 */
unsigned int pts_cost_print(FILE *f, const struct ptsim_cost *c);

/**
 * pts_cost_get() - one counter of a cost by its name in the "cost" group.
 * @c: the cost.  @name: "entries_written.pte", "ipis", ...  @out: the value.
 * Return: 0, or -ENOENT for an unknown name.
 */
int pts_cost_get(const struct ptsim_cost *c, const char *name, uint64_t *out);

#endif /* PTSIM_TOOL_STATS_H */
