// SPDX-License-Identifier: MIT
/*
 * ptsim - the libptsim command.
 *
 *   ptsim demo [CONFIG]          a guided tour: map, fault in, fork, COW, dump
 *   ptsim run [OPTIONS] FILE...  run scenario scripts (docs/scenarios.md)
 *   ptsim repl [CONFIG]          the scenario language, interactively
 *   ptsim trace [OPTIONS] FILE   replay a memory-access trace
 *   ptsim info CONFIG            geometry and entry layout of a configuration
 *   ptsim knobs [--markdown] [CONFIG]  the knob registry (and a configuration's values)
 *   ptsim list                   the configuration names
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knobs.h"
#include "ptsim/ptsim.h"
#include "script.h"
#include "sweep.h"
#include "trace.h"

static int usage(void)
{
	fprintf(stderr, "usage: ptsim demo [CONFIG]\n"
			"       ptsim run [-v] [--no-render] [--sweep[=STEP]] FILE...\n"
			"       ptsim repl [CONFIG]\n"
			"       ptsim trace [--arch CONFIG] [--tlb ...] [--json] FILE   (ptsim "
			"trace --help)\n"
			"       ptsim info CONFIG\n"
			"       ptsim knobs [--markdown] [CONFIG]\n"
			"       ptsim list\n");
	return 2;
}

/*
 * The demo is a scenario like any other, run by the interpreter with every
 * command echoed, so it also shows the language.  %s is the configuration.
 */
static const char demo_script[] =
	"machine %s\n"
	"say == A new address space has only its top-level table: ptdump shows nothing mapped.\n"
	"mm demo\n"
	"ptdump\n"
	"say == mmap creates a VMA, not page tables: the range is still a hole.\n"
	"mmap buf 4*page rw- private anon\n"
	"vmas\n"
	"translate buf\n"
	"say == The first read faults: the kernel maps the shared zero page read-only.\n"
	"read buf\n"
	"translate buf\n"
	"say == A write faults again: a new anonymous page replaces the zero page.\n"
	"write buf\n"
	"write buf+page 2*page\n"
	"translate buf\n"
	"say == Now the tables exist down to the last level; each line is a run of entries.\n"
	"ptdump buf 4*page\n"
	"say == fork copies the tables and write-protects both sides (copy-on-write).\n"
	"fork child\n"
	"translate buf\n"
	"say == The parent writes: the fault copies the page, and only the parent's entry "
	"changes.\n"
	"write buf\n"
	"translate buf\n"
	"use child\n"
	"translate buf\n"
	"say == pagemap tells user space what is mapped: the child's page is no longer shared.\n"
	"pagemap buf 2*page\n"
	"say == munmap zaps the entries, flushes the TLBs and frees the tables no VMA needs.\n"
	"use demo\n"
	"munmap buf 4*page\n"
	"ptdump\n"
	"say == Counters of the run (`stats` alone prints all of them as JSON).\n"
	"stats faults faults.zero_page faults.anon faults.cow tlb.hits.pte tlb.misses.pte "
	"tlb.ipis\n"
	"say == The checker recomputes every counter and reference from the tables and frames.\n"
	"check\n";

static int demo(const char *config)
{
	struct pts_options opts = {.verbose = true};
	struct pts_runner *r;
	char *text;
	size_t len;
	int err;

	if (!ptsim_arch_lookup(config)) {
		fprintf(stderr, "ptsim: unknown configuration \"%s\" (try: ptsim list)\n", config);
		return 2;
	}
	len = sizeof(demo_script) + strlen(config);
	text = malloc(len);
	if (!text || pts_runner_create(&opts, &r)) {
		free(text);
		fprintf(stderr, "ptsim: out of memory\n");
		return 1;
	}
	snprintf(text, len, demo_script, config);
	printf("libptsim demo on %s: each command is echoed after '>', then what it printed.\n",
	       config);
	err = pts_run_buffer(r, "demo", text, strlen(text));
	if (err)
		fprintf(stderr, "ptsim: %s\n", pts_error(r));
	pts_runner_destroy(r);
	free(text);
	return err ? 1 : 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			char *n = realloc(buf, cap ? cap * 2 : 65536);

			if (!n) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return NULL;
			}
			buf = n;
			cap = cap ? cap * 2 : 65536;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);

		*len += got;
		if (!got)
			break;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

static int run(int argc, char **argv)
{
	struct pts_options opts = {0};
	bool sweep = false;
	uint64_t step = 1;
	int i, status = 0;

	for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-v"))
			opts.verbose = true;
		else if (!strcmp(argv[i], "--no-render"))
			opts.no_render = true;
		else if (!strcmp(argv[i], "--sweep"))
			sweep = true;
		else if (!strncmp(argv[i], "--sweep=", 8)) {
			char *end;

			sweep = true;
			step = strtoull(argv[i] + 8, &end, 10);
			if (*end || !step) {
				fprintf(stderr,
					"ptsim run: --sweep=STEP needs a positive number\n");
				return 2;
			}
		} else {
			fprintf(stderr, "ptsim run: unknown option %s\n", argv[i]);
			return usage();
		}
	}
	if (i == argc)
		return usage();
	for (; i < argc; i++) {
		struct pts_runner *r;
		int err;

		if (sweep) {
			struct pts_sweep_result res;
			size_t len;
			char *buf = read_all(argv[i], &len);

			if (!buf) {
				fprintf(stderr, "ptsim run: %s: cannot read: %s\n", argv[i],
					strerror(errno));
				return 1;
			}
			err = pts_sweep_buffer(argv[i], buf, len, step, stdout, &res);
			free(buf);
			if (err)
				status = 1;
			continue;
		}
		if (pts_runner_create(&opts, &r)) {
			fprintf(stderr, "ptsim: out of memory\n");
			return 1;
		}
		err = pts_run_file(r, argv[i]);
		if (err) {
			fprintf(stderr, "ptsim: %s\n", pts_error(r));
			status = 1;
		}
		pts_runner_destroy(r);
		if (err)
			break;
	}
	return status;
}

static int repl(const char *config)
{
	struct pts_options opts = {0};
	struct pts_runner *r;
	bool tty = isatty(0);
	char line[4096], cmd[160];
	unsigned int n = 0;
	int status = 0;

	if (pts_runner_create(&opts, &r)) {
		fprintf(stderr, "ptsim: out of memory\n");
		return 1;
	}
	if (tty)
		printf("ptsim - the scenario language; `help` lists the commands, `quit` "
		       "leaves.\n");
	if (config) {
		snprintf(cmd, sizeof(cmd), "machine %s", config);
		if (pts_exec_line(r, "<repl>", 0, cmd)) {
			fprintf(stderr, "ptsim: %s\n", pts_error(r));
			pts_runner_destroy(r);
			return 1;
		}
		if (tty)
			printf("machine %s created; next: mm NAME\n", config);
	}
	for (;;) {
		size_t len;

		if (tty) {
			printf("ptsim> ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		n++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;

			while ((c = getchar()) != EOF && c != '\n')
				;
			fprintf(stderr, "<repl>:%u: line too long\n", n);
			status = 1;
			continue;
		}
		if (!strcmp(line, "quit\n") || !strcmp(line, "quit"))
			break;
		if (pts_exec_line(r, "<repl>", n, line)) {
			fprintf(stderr, "%s\n", pts_error(r));
			status = 1; /* remembered for a piped session; the REPL goes on */
		}
	}
	pts_runner_destroy(r);
	return tty ? 0 : status;
}

/* Bit numbers of @mask, runs written as ranges ("47-12 1"). */
static void print_bits(uint64_t mask)
{
	if (!mask)
		printf(" -");
	for (int b = 63; b >= 0; b--) {
		int lo = b;

		if (!(mask >> b & 1))
			continue;
		while (lo > 0 && (mask >> (lo - 1) & 1))
			lo--;
		if (lo == b)
			printf(" %d", b);
		else
			printf(" %d-%d", b, lo);
		b = lo;
	}
}

static void print_entry(const struct ptsim_arch *a, enum ptsim_level lvl, const char *label,
			ptsim_ent_t e)
{
	struct ptsim_attrs at;

	ptsim_ent_decode(a, lvl, e, &at);
	printf("  %-26s 0x%016llx %s%s%s%s%s%s%s\n", label, (unsigned long long)e,
	       at.table	     ? "table"
	       : at.protnone ? "protnone"
	       : at.leaf     ? "leaf"
			     : "swap",
	       at.user ? " user" : "", at.write ? " write" : "", at.dirty ? " dirty" : "",
	       at.young ? " young" : "", at.exec ? " exec" : "", at.special ? " special" : "");
}

/* The entry layout, read off the encoders themselves (so it cannot drift). */
static void info_entries(const struct ptsim_arch *a)
{
	static const struct {
		const char *name;
		ptsim_ent_t (*op)(const struct ptsim_arch *, enum ptsim_level, ptsim_ent_t);
		bool on_readonly;
	} ops[] = {
		{"mkwrite", ptsim_ent_mkwrite, true},
		{"wrprotect", ptsim_ent_wrprotect, false},
		{"mkdirty", ptsim_ent_mkdirty, false},
		{"mkclean", ptsim_ent_mkclean, false},
		{"mkold", ptsim_ent_mkold, false},
		{"mkuffd_wp", ptsim_ent_mkuffd_wp, false},
		{"mksoft_dirty", ptsim_ent_mksoft_dirty, false},
		{"mkspecial", ptsim_ent_mkspecial, false},
		{"mkcont", ptsim_ent_mkcont, false},
	};
	uint64_t pfn = 0x12345,
		 pfn_max = (1ull << (ptsim_arch_pa_bits(a) - ptsim_arch_page_shift(a))) - 1;
	uint64_t ro_prot = ptsim_pgprot(a, PTSIM_PROT_READ, 0);
	ptsim_ent_t ro = ptsim_mk_leaf(a, PTSIM_PTE, pfn, ro_prot);
	ptsim_ent_t rw = ptsim_mk_leaf(a, PTSIM_PTE, pfn,
				       ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0));

	printf("PTE for pfn 0x%llx:\n", (unsigned long long)pfn);
	print_entry(a, PTSIM_PTE, "PROT_NONE",
		    ptsim_mk_leaf(a, PTSIM_PTE, pfn, ptsim_pgprot(a, 0, 0)));
	print_entry(a, PTSIM_PTE, "PROT_READ", ro);
	print_entry(a, PTSIM_PTE, "PROT_READ|WRITE", rw);
	print_entry(a, PTSIM_PTE, "PROT_READ|EXEC",
		    ptsim_mk_leaf(a, PTSIM_PTE, pfn,
				  ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, 0)));
	print_entry(a, PTSIM_PTE, "swap type 1, offset 0x1234",
		    ptsim_mk_swp(a, PTSIM_PTE, 1, 0x1234, 0));
	print_entry(a, PTSIM_PMD, "PMD entry -> table", ptsim_mk_table(a, PTSIM_PMD, pfn, false));
	printf("bits each builder sets (+) and clears (-), applied to the PROT_READ|WRITE entry\n"
	       "(mkwrite: to the PROT_READ one):\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		ptsim_ent_t in = ops[i].on_readonly ? ro : rw;
		ptsim_ent_t out = ops[i].op(a, PTSIM_PTE, in);

		printf("  %-14s +", ops[i].name);
		print_bits(out & ~in);
		printf("   -");
		print_bits(in & ~out);
		printf("\n");
	}
	printf("  %-14s ", "PFN field");
	print_bits(ptsim_mk_leaf(a, PTSIM_PTE, pfn_max, ro_prot) ^
		   ptsim_mk_leaf(a, PTSIM_PTE, 0, ro_prot));
	printf("\n");
}

static int info(const char *config)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(config);
	uint64_t sizes[8];
	unsigned int n;

	if (!a) {
		fprintf(stderr, "ptsim: unknown configuration \"%s\" (try: ptsim list)\n", config);
		return 2;
	}
	printf("%s: page %u KiB, VA bits %u, PA bits %u, %u real levels, section %u MiB, "
	       "MAX_PAGE_ORDER %u\n",
	       ptsim_arch_name(a), 1u << (ptsim_arch_page_shift(a) - 10), ptsim_arch_va_bits(a),
	       ptsim_arch_pa_bits(a), ptsim_arch_nr_levels(a),
	       1u << (ptsim_arch_section_bits(a) - 20), ptsim_arch_max_order(a));
	printf("level  shift  entries  maps                leaf  cont\n");
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		enum ptsim_level lvl = (enum ptsim_level)l;

		printf("%-5s  %5u  %7u  0x%-17llx %-4s  %u%s\n", ptsim_arch_level_name(a, lvl),
		       ptsim_arch_level_shift(a, lvl), ptsim_arch_ptrs_per(a, lvl),
		       (unsigned long long)ptsim_arch_level_size(a, lvl),
		       ptsim_arch_leaf_ok(a, lvl) ? "yes" : "no", ptsim_arch_cont_nr(a, lvl),
		       ptsim_arch_level_folded(a, lvl) ? "  (folded)" : "");
	}
	n = ptsim_arch_hugetlb_sizes(a, sizes, 8);
	printf("hugetlb sizes:");
	for (unsigned int i = 0; i < n; i++)
		printf(" %llu KiB", (unsigned long long)(sizes[i] >> 10));
	printf("\n");
	info_entries(a);
	return 0;
}

/* ptsim knobs: the registry, or a configuration's values; --markdown: docs/knobs.md's table. */
static int knobs(int argc, char **argv)
{
	const struct ptsim_knob_info *k;
	struct ptsim_config cfg;

	if (argc == 1 && !strcmp(argv[0], "--markdown")) {
		pts_knobs_markdown(stdout);
		return 0;
	}
	if (argc == 1) {
		if (ptsim_config_init(&cfg, argv[0])) {
			fprintf(stderr, "ptsim: unknown configuration \"%s\" (try: ptsim list)\n",
				argv[0]);
			return 2;
		}
		pts_knobs_values(stdout, &cfg);
		return 0;
	}
	if (argc)
		return usage();
	for (unsigned int i = 0; (k = ptsim_knob_at(i)); i++)
		printf("%-26s %-8s %-7s default %s; %s\n  %s\n", k->name, k->type,
		       k->runtime ? "runtime" : "creation", k->def, k->values, k->doc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "demo") && argc <= 3)
		return demo(argc > 2 ? argv[2] : "x86_64-4l");
	if (!strcmp(argv[1], "run"))
		return run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "repl") && argc <= 3)
		return repl(argc > 2 ? argv[2] : NULL);
	if (!strcmp(argv[1], "trace"))
		return pts_trace_main(argc - 2, argv + 2);
	if (!strcmp(argv[1], "info") && argc == 3)
		return info(argv[2]);
	if (!strcmp(argv[1], "knobs"))
		return knobs(argc - 2, argv + 2);
	if (!strcmp(argv[1], "list") && argc == 2) {
		for (unsigned int i = 0; ptsim_arch_at(i); i++)
			printf("%s\n", ptsim_arch_name(ptsim_arch_at(i)));
		return 0;
	}
	return usage();
}
