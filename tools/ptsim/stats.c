// SPDX-License-Identifier: MIT
/*
 * stats.c - the named statistics of stats.h.
 *
 * One table, stat_table[], lists every statistic as {dotted name, getter,
 * argument}.  pts_stat_get() looks a name up in it and pts_stats_json()
 * prints it in order, so the two can never disagree.  A getter reads from a
 * struct stat_src, a snapshot of the counter structs the library fills
 * (mm counters, TLB totals, memory and host statistics), taken once per
 * call so that printing sixty statistics sums the per-CPU TLB counters once.
 *
 * The table order is the JSON order, and the nesting follows the dots, so
 * names sharing a prefix must be adjacent (the tests check that the JSON
 * has no duplicate key).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "stats.h"

/* Everything the getters read, filled once per pts_stat_get() / pts_stats_json() call. */
struct stat_src {
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	struct ptsim_mm_counters c;
	struct ptsim_tlb_stats tlb;
	struct ptsim_mem_stats mem;
	struct ptsim_host_stats host;
	struct ptsim_cost cost;
};

typedef uint64_t (*stat_getter)(const struct stat_src *s, size_t arg);

struct stat_def {
	const char *name;
	stat_getter get;
	size_t arg; /* a level, or a byte offset into one of the snapshot structs */
};

static uint64_t u64_at(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static uint64_t get_vmpte(const struct stat_src *s, size_t arg)
{
	(void)arg;
	return s->mm ? ptsim_mm_pgtables_bytes(s->mm) : 0;
}

static uint64_t get_tables(const struct stat_src *s, size_t lvl)
{
	return s->mm ? ptsim_mm_nr_tables(s->mm, (enum ptsim_level)lvl) : 0;
}

static uint64_t get_vmas(const struct stat_src *s, size_t arg)
{
	(void)arg;
	return ptsim_mm_nr_vmas(s->mm);
}

static uint64_t get_counter(const struct stat_src *s, size_t off)
{
	return u64_at(&s->c, off);
}

static uint64_t get_tlb(const struct stat_src *s, size_t off)
{
	return u64_at(&s->tlb, off);
}

static uint64_t get_mem(const struct stat_src *s, size_t off)
{
	return u64_at(&s->mem, off);
}

static uint64_t get_host(const struct stat_src *s, size_t off)
{
	return u64_at(&s->host, off);
}

static uint64_t get_vmstat(const struct stat_src *s, size_t e)
{
	return ptsim_vm_event(s->m, (enum ptsim_vm_event)e);
}

static uint64_t get_meminfo(const struct stat_src *s, size_t i)
{
	return ptsim_meminfo(s->m, (enum ptsim_meminfo_item)i);
}

static uint64_t get_cost(const struct stat_src *s, size_t off)
{
	return u64_at(&s->cost, off);
}

static uint64_t get_mem_used(const struct stat_src *s, size_t arg)
{
	(void)arg;
	return s->mem.present_pages - s->mem.free_pages;
}

static uint64_t get_uffd_pending(const struct stat_src *s, size_t arg)
{
	(void)arg;
	return ptsim_uffd_nr_pending(s->mm);
}

static uint64_t get_violations(const struct stat_src *s, size_t arg)
{
	long n = s->m ? ptsim_violations(s->m, NULL, 0) : 0;

	(void)arg;
	return n > 0 ? (uint64_t)n : 0;
}

#define CNT(name, field)                                                                           \
	{                                                                                          \
		name, get_counter, offsetof(struct ptsim_mm_counters, field)                       \
	}
#define TLB(name, field)                                                                           \
	{                                                                                          \
		name, get_tlb, offsetof(struct ptsim_tlb_stats, field)                             \
	}
/* One element of a per-level or per-kind array of struct ptsim_tlb_stats. */
#define TLB_AT(name, field, i)                                                                     \
	{                                                                                          \
		name, get_tlb,                                                                     \
			offsetof(struct ptsim_tlb_stats, field) + (size_t)(i) * sizeof(uint64_t)   \
	}
#define TLB_LEVELS(prefix, field)                                                                  \
	TLB_AT(prefix ".pgd", field, PTSIM_PGD), TLB_AT(prefix ".p4d", field, PTSIM_P4D),          \
		TLB_AT(prefix ".pud", field, PTSIM_PUD), TLB_AT(prefix ".pmd", field, PTSIM_PMD),  \
		TLB_AT(prefix ".pte", field, PTSIM_PTE)
#define VMSTAT(e, name, text)  {"vmstat." #name, get_vmstat, PTSIM_VM_##e},
#define MEMINFO(e, name, text) {"meminfo." #name, get_meminfo, PTSIM_MEMINFO_##e},
#define COST(name, field)                                                                          \
	{                                                                                          \
		"cost." name, get_cost, offsetof(struct ptsim_cost, field)                         \
	}
#define COST_AT(name, field, i)                                                                    \
	{                                                                                          \
		"cost." name, get_cost,                                                            \
			offsetof(struct ptsim_cost, field) + (size_t)(i) * sizeof(uint64_t)        \
	}
#define COST_LEVELS(prefix, field)                                                                 \
	COST_AT(prefix ".pgd", field, PTSIM_PGD), COST_AT(prefix ".p4d", field, PTSIM_P4D),        \
		COST_AT(prefix ".pud", field, PTSIM_PUD),                                          \
		COST_AT(prefix ".pmd", field, PTSIM_PMD), COST_AT(prefix ".pte", field, PTSIM_PTE)
#define MEM(name, field)                                                                           \
	{                                                                                          \
		name, get_mem, offsetof(struct ptsim_mem_stats, field)                             \
	}
#define HOST(name, field)                                                                          \
	{                                                                                          \
		name, get_host, offsetof(struct ptsim_host_stats, field)                           \
	}

/*
 * The flush-kind names are ptsim_tlb_flush_kind_name()'s, spelled out here
 * because a static table needs constants; the tests compare the two.
 */
static const struct stat_def stat_table[] = {
	{"vmpte", get_vmpte, 0},
	{"tables.pgd", get_tables, PTSIM_PGD},
	{"tables.p4d", get_tables, PTSIM_P4D},
	{"tables.pud", get_tables, PTSIM_PUD},
	{"tables.pmd", get_tables, PTSIM_PMD},
	{"tables.pte", get_tables, PTSIM_PTE},
	{"vmas", get_vmas, 0},
	CNT("faults", pgfault),
	CNT("faults.major", maj_flt),
	CNT("faults.minor", min_flt),
	CNT("faults.anon", anon_fault),
	CNT("faults.zero_page", zero_page),
	CNT("faults.cow", cow),
	CNT("faults.wp_reuse", wp_reuse),
	CNT("faults.file", file_fault),
	CNT("faults.fixup", fixup),
	CNT("faults.spurious", spurious),
	CNT("signals.sigsegv", sigsegv),
	CNT("signals.sigbus", sigbus),
	CNT("rss.anon", rss_anon),
	CNT("rss.file", rss_file),
	CNT("rss.shmem", rss_shmem),
	{"uffd.pending", get_uffd_pending, 0},
	TLB_LEVELS("tlb.hits", hits),
	TLB_LEVELS("tlb.misses", misses),
	TLB("tlb.lookup_misses", lookup_misses),
	TLB_LEVELS("tlb.walk_hits", walk_hits),
	TLB("tlb.walk_misses", walk_misses),
	TLB_AT("tlb.flushes.page", flushes, PTSIM_FLUSH_PAGE),
	TLB_AT("tlb.flushes.range", flushes, PTSIM_FLUSH_RANGE),
	TLB_AT("tlb.flushes.mm", flushes, PTSIM_FLUSH_MM),
	TLB_AT("tlb.flushes.all", flushes, PTSIM_FLUSH_ALL),
	TLB_AT("tlb.flushes.kernel_range", flushes, PTSIM_FLUSH_KERNEL_RANGE),
	TLB_AT("tlb.flushes.pgtable", flushes, PTSIM_FLUSH_PGTABLE),
	TLB("tlb.ipis", ipis),
	TLB("tlb.invalidated", invalidated),
	TLB("tlb.evictions", evictions),
	{"violations", get_violations, 0},
	MEM("mem.present_pages", present_pages),
	MEM("mem.free_pages", free_pages),
	{"mem.used_pages", get_mem_used, 0},
	MEM("mem.sections", nr_sections_present),
	MEM("mem.sections_initialised", nr_sections_initialised),
	HOST("host.bytes", bytes_live),
	HOST("host.bytes_peak", bytes_peak),
	HOST("host.allocs", nr_live),
	PTSIM_VM_EVENTS(VMSTAT) PTSIM_MEMINFO_ITEMS(MEMINFO)
		COST_LEVELS("entries_read", entries_read),
	COST_LEVELS("entries_written", entries_written),
	COST("frames_touched", frames_touched),
	COST("tables_alloc", tables_alloc),
	COST("tables_freed", tables_freed),
	COST("pages_alloc", pages_alloc),
	COST("pages_freed", pages_freed),
	COST_AT("tlb_flushes.page", tlb_flushes, PTSIM_FLUSH_PAGE),
	COST_AT("tlb_flushes.range", tlb_flushes, PTSIM_FLUSH_RANGE),
	COST_AT("tlb_flushes.mm", tlb_flushes, PTSIM_FLUSH_MM),
	COST_AT("tlb_flushes.all", tlb_flushes, PTSIM_FLUSH_ALL),
	COST_AT("tlb_flushes.kernel_range", tlb_flushes, PTSIM_FLUSH_KERNEL_RANGE),
	COST_AT("tlb_flushes.pgtable", tlb_flushes, PTSIM_FLUSH_PGTABLE),
	COST("ipis", ipis),
	COST("hw_ad_updates", hw_ad_updates),
	COST("locks", locks),
};

#define NR_STATS (sizeof(stat_table) / sizeof(stat_table[0]))

static void src_fill(struct stat_src *s, struct ptsim_machine *m, struct ptsim_mm *mm)
{
	memset(s, 0, sizeof(*s));
	if (!m && mm)
		m = ptsim_mm_machine(mm);
	s->m = m;
	s->mm = mm;
	ptsim_mm_counters(mm, &s->c);
	if (m) {
		ptsim_tlb_stats_total(m, &s->tlb);
		ptsim_mem_stats(m, &s->mem);
		ptsim_host_stats(m, &s->host);
		ptsim_cost_total(m, &s->cost);
	}
}

const char *pts_stat_name(unsigned int i)
{
	return i < NR_STATS ? stat_table[i].name : NULL;
}

int pts_stat_get(struct ptsim_machine *m, struct ptsim_mm *mm, const char *name, uint64_t *out)
{
	struct stat_src s;

	if (!name || !out)
		return -EINVAL;
	for (size_t i = 0; i < NR_STATS; i++) {
		if (strcmp(stat_table[i].name, name) != 0)
			continue;
		src_fill(&s, m, mm);
		*out = stat_table[i].get(&s, stat_table[i].arg);
		return 0;
	}
	return -ENOENT;
}

unsigned int pts_cost_print(FILE *f, const struct ptsim_cost *c)
{
	struct stat_src s;
	unsigned int n = 0;

	memset(&s, 0, sizeof(s));
	s.cost = *c;
	for (size_t i = 0; i < NR_STATS; i++) {
		uint64_t v;

		if (stat_table[i].get != get_cost)
			continue;
		v = get_cost(&s, stat_table[i].arg);
		if (v)
			fprintf(f, "%s%s=%llu", n++ ? " " : "",
				stat_table[i].name + strlen("cost."), (unsigned long long)v);
	}
	return n;
}

int pts_cost_get(const struct ptsim_cost *c, const char *name, uint64_t *out)
{
	struct stat_src s;

	memset(&s, 0, sizeof(s));
	s.cost = *c;
	for (size_t i = 0; i < NR_STATS; i++) {
		if (stat_table[i].get != get_cost ||
		    strcmp(stat_table[i].name + strlen("cost."), name))
			continue;
		*out = get_cost(&s, stat_table[i].arg);
		return 0;
	}
	return -ENOENT;
}

/* --- JSON ------------------------------------------------------------------ */

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void json_string(FILE *f, const char *str)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Length of the first dot-separated component of @s. */
static size_t comp_len(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot ? (size_t)(dot - s) : strlen(s);
}

/* Number of leading components @a and @b share. */
static unsigned int common_comps(const char *a, const char *b)
{
	unsigned int n = 0;

	for (;;) {
		size_t la = comp_len(a), lb = comp_len(b);

		if (la != lb || memcmp(a, b, la) != 0)
			return n;
		n++;
		if (!a[la] || !b[lb])
			return n;
		a += la + 1;
		b += lb + 1;
	}
}

static unsigned int nr_comps(const char *s)
{
	unsigned int n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* The @i-th component of @s (pointer and length). */
static const char *comp_at(const char *s, unsigned int i, size_t *len)
{
	while (i--)
		s += comp_len(s) + 1;
	*len = comp_len(s);
	return s;
}

/* Whether @name is a proper prefix (by components) of @next: "faults" of "faults.cow". */
static bool is_prefix_of(const char *name, const char *next)
{
	size_t n = strlen(name);

	return next && strncmp(name, next, n) == 0 && next[n] == '.';
}

static void json_indent(FILE *f, unsigned int depth)
{
	fputc('\n', f);
	for (unsigned int i = 0; i < depth; i++)
		fputs("  ", f);
}

static void json_key(FILE *f, const char *k, size_t len, unsigned int depth, bool *first)
{
	if (!*first)
		fputc(',', f);
	*first = false;
	json_indent(f, depth);
	fputc('"', f);
	fwrite(k, 1, len, f); /* table names need no escaping: [a-z0-9_] */
	fputs("\": ", f);
}

/*
 * The table as nested objects.  @open is the number of objects currently
 * open below the top level; they are the first @open components of the
 * previous name.  A name that is also the prefix of the next one opens its
 * object itself and is printed inside it as "total".
 */
void pts_stats_json(struct ptsim_machine *m, struct ptsim_mm *mm, const char *mm_name, FILE *f)
{
	struct stat_src s;
	const char *prev = NULL;
	unsigned int open = 0;
	bool first = false;

	src_fill(&s, m, mm);
	fputs("{", f);
	json_indent(f, 1);
	fputs("\"arch\": ", f);
	if (s.m)
		json_string(f, ptsim_arch_name(ptsim_machine_arch(s.m)));
	else
		fputs("null", f);
	fputc(',', f);
	json_indent(f, 1);
	fputs("\"mm\": ", f);
	if (mm_name)
		json_string(f, mm_name);
	else
		fputs("null", f);
	for (size_t i = 0; i < NR_STATS; i++) {
		const char *name = stat_table[i].name;
		const char *next = i + 1 < NR_STATS ? stat_table[i + 1].name : NULL;
		unsigned int nc = nr_comps(name);
		unsigned int keep = prev ? common_comps(prev, name) : 0;
		size_t len;
		const char *k;

		if (keep > open)
			keep = open;
		/* A leaf cannot stay open as an object: keep only enclosing objects. */
		if (keep >= nc)
			keep = nc - 1;
		for (; open > keep; open--) {
			json_indent(f, open);
			fputc('}', f);
		}
		for (; open < nc - 1; open++) {
			k = comp_at(name, open, &len);
			json_key(f, k, len, open + 1, &first);
			fputc('{', f);
			first = true;
		}
		if (is_prefix_of(name, next)) {
			k = comp_at(name, open, &len);
			json_key(f, k, len, open + 1, &first);
			fputc('{', f);
			first = true;
			open++;
			json_key(f, "total", 5, open + 1, &first);
		} else {
			k = comp_at(name, open, &len);
			json_key(f, k, len, open + 1, &first);
		}
		fprintf(f, "%llu", (unsigned long long)stat_table[i].get(&s, stat_table[i].arg));
		prev = name;
	}
	for (; open > 0; open--) {
		json_indent(f, open);
		fputc('}', f);
	}
	fputs("\n}\n", f);
}
