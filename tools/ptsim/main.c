// SPDX-License-Identifier: MIT
/*
 * ptsim - the libptsim command: parses the command line (getopt_long for the
 * command and each sub-command) and dispatches; what each sub-command does
 * lives in the ptsim_tool library (script, sweep, trace, knobs) and, for the
 * REPL, in repl.c.  The usage texts below are the reference of the options
 * and of the exit status: 0 success, 1 a failed expectation or operation or
 * an error in a script, 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "knobs.h"
#include "ptsim/ptsim.h"
#include "repl.h"
#include "script.h"
#include "sweep.h"
#include "trace.h"

#ifndef PTSIM_TOOL_VERSION
#error "PTSIM_TOOL_VERSION (the project version) comes from tools/ptsim/CMakeLists.txt"
#endif

static const char main_usage[] =
	"usage: ptsim [-h | --help] [--version] COMMAND [ARGS...]\n"
	"\n"
	"Commands (each takes -h / --help):\n"
	"  demo [CONFIG]                a guided tour: map, fault in, fork, COW, dump\n"
	"  run [OPTIONS] FILE...        run scenario scripts (docs/scenarios.md)\n"
	"  repl [OPTIONS] [CONFIG]      the scenario language, interactively\n"
	"  trace [OPTIONS] FILE         replay a memory-access trace (docs/trace.md)\n"
	"  info CONFIG                  geometry and entry layout of a configuration\n"
	"  knobs [--markdown] [CONFIG]  the knob registry, or a configuration's values\n"
	"  list                         the configuration names (CONFIG above)\n"
	"\n";

static const char demo_usage[] =
	"usage: ptsim demo [CONFIG]\n"
	"A guided tour on CONFIG (default x86_64-4l; see ptsim list): each command of a\n"
	"built-in scenario is echoed after '>', then what it printed.\n"
	"  -h, --help          this text\n";

static const char run_usage[] =
	"usage: ptsim run [OPTIONS] FILE...    run scenario scripts (\"-\": standard input)\n"
	"  -v, --verbose       echo each command and what each access did\n"
	"      --no-render     never start Graphviz (dot FILE.svg writes FILE.svg.dot only)\n"
	"      --sweep[=STEP]  the allocation-failure sweep: run each script again failing\n"
	"                      its k-th allocation, for k = 1, 1+STEP, ... (default STEP 1)\n"
	"  -h, --help          this text\n"
	"Every file runs, also after one failed; each failure is reported on standard\n"
	"error as FILE:LINE: message.  A line is at most 4095 bytes.\n";

static const char info_usage[] = "usage: ptsim info CONFIG\n"
				 "Geometry and entry bit layout of a configuration (ptsim list).\n"
				 "  -h, --help          this text\n";

static const char knobs_usage[] =
	"usage: ptsim knobs [--markdown] [CONFIG]\n"
	"Every knob of the registry (name, type, when it may change, default, values);\n"
	"with CONFIG, that configuration's values.\n"
	"      --markdown      the table of docs/knobs.md\n"
	"  -h, --help          this text\n";

static const char list_usage[] = "usage: ptsim list\n"
				 "The configuration names, one a line.\n"
				 "  -h, --help          this text\n";

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

static int demo(int argc, char **argv)
{
	struct pts_options opts = {.verbose = true};
	struct pts_runner *r;
	const char *config = "x86_64-4l";
	char *text;
	size_t len;
	bool done;
	int err = pts_cli_help_only("demo", demo_usage, argc, argv, &done);

	if (done)
		return err;
	if (argc - optind > 1)
		return pts_cli_usage_error("demo", "one configuration at most (\"%s\" is extra)",
					   argv[optind + 1]);
	if (optind < argc)
		config = argv[optind];
	if (!ptsim_arch_lookup(config))
		return pts_cli_unknown_config("demo", config);
	len = sizeof(demo_script) + strlen(config);
	text = malloc(len);
	if (!text || pts_runner_create(&opts, &r)) {
		free(text);
		fprintf(stderr, "ptsim: out of memory\n");
		return PTS_EXIT_FAILED;
	}
	snprintf(text, len, demo_script, config);
	printf("libptsim demo on %s: each command is echoed after '>', then what it printed.\n",
	       config);
	err = pts_run_buffer(r, "demo", text, strlen(text));
	if (err)
		fprintf(stderr, "ptsim: %s\n", pts_error(r));
	pts_runner_destroy(r);
	free(text);
	return err ? PTS_EXIT_FAILED : PTS_EXIT_OK;
}

/* The sweep replays a script from memory: it reads it whole, up to this size. */
#define SWEEP_MAX_SCRIPT (1u << 20)

/* The whole script for the sweep, or NULL with a message printed. */
static char *read_script(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf;

	*len = 0;
	if (!f) {
		fprintf(stderr, "ptsim run: %s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(SWEEP_MAX_SCRIPT + 1);
	if (buf) {
		*len = fread(buf, 1, SWEEP_MAX_SCRIPT + 1, f);
		if (ferror(f)) {
			fprintf(stderr, "ptsim run: %s: read error\n", path);
			free(buf);
			buf = NULL;
		} else if (*len > SWEEP_MAX_SCRIPT) {
			fprintf(stderr,
				"ptsim run: %s: larger than %u MiB, the most --sweep holds in "
				"memory\n",
				path, SWEEP_MAX_SCRIPT >> 20);
			free(buf);
			buf = NULL;
		}
	} else {
		fprintf(stderr, "ptsim run: out of memory\n");
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

/* One script, run or swept; true if it passed. */
static bool run_one(const char *path, const struct pts_options *opts, bool sweep, uint64_t step)
{
	struct pts_runner *r;
	int err;

	if (sweep) {
		struct pts_sweep_result res;
		size_t len;
		char *buf = read_script(path, &len);

		if (!buf)
			return false;
		err = pts_sweep_buffer(path, buf, len, step, stdout, &res);
		free(buf);
		return !err;
	}
	if (pts_runner_create(opts, &r)) {
		fprintf(stderr, "ptsim: out of memory\n");
		return false;
	}
	err = pts_run_file(r, path);
	if (err)
		fprintf(stderr, "ptsim: %s\n", pts_error(r));
	pts_runner_destroy(r);
	return !err;
}

static int run(int argc, char **argv)
{
	enum { OPT_NO_RENDER = 256, OPT_SWEEP };
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"no-render", no_argument, NULL, OPT_NO_RENDER},
		{"sweep", optional_argument, NULL, OPT_SWEEP},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pts_options opts = {0};
	bool sweep = false;
	uint64_t step = 1;
	unsigned int failed = 0, files;
	int c;

	pts_cli_options_begin();
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			opts.verbose = true;
			break;
		case OPT_NO_RENDER:
			opts.no_render = true;
			break;
		case OPT_SWEEP:
			sweep = true;
			if (optarg) {
				char *end;

				errno = 0;
				step = strtoull(optarg, &end, 10);
				if (errno || *end || !step || optarg[0] == '-')
					return pts_cli_usage_error(
						"run", "--sweep=STEP needs a positive number");
			}
			break;
		case 'h':
			pts_cli_print_usage(stdout, run_usage);
			return PTS_EXIT_OK;
		default:
			return pts_cli_option_error("run", c, argv);
		}
	}
	if (optind == argc)
		return pts_cli_usage_error("run", "no script file");
	files = (unsigned int)(argc - optind);
	for (int i = optind; i < argc; i++)
		if (!run_one(argv[i], &opts, sweep, step))
			failed++;
	if (failed && files > 1)
		fprintf(stderr, "ptsim run: %u of %u scripts failed\n", failed, files);
	return failed ? PTS_EXIT_FAILED : PTS_EXIT_OK;
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

static int info_show(const char *config)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(config);
	uint64_t sizes[8];
	unsigned int n;

	if (!a)
		return pts_cli_unknown_config("info", config);
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

static int info(int argc, char **argv)
{
	bool done;
	int err = pts_cli_help_only("info", info_usage, argc, argv, &done);

	if (done)
		return err;
	if (argc - optind != 1)
		return pts_cli_usage_error("info", "one configuration name expected");
	return info_show(argv[optind]);
}

/* ptsim knobs: the registry, or a configuration's values; --markdown: docs/knobs.md's table. */
static int knobs(int argc, char **argv)
{
	enum { OPT_MARKDOWN = 256 };
	static const struct option longopts[] = {
		{"markdown", no_argument, NULL, OPT_MARKDOWN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct ptsim_knob_info *k;
	struct ptsim_config cfg;
	bool markdown = false;
	int c;

	pts_cli_options_begin();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == OPT_MARKDOWN) {
			markdown = true;
		} else if (c == 'h') {
			pts_cli_print_usage(stdout, knobs_usage);
			return PTS_EXIT_OK;
		} else {
			return pts_cli_option_error("knobs", c, argv);
		}
	}
	if (argc - optind > 1 || (markdown && optind < argc))
		return pts_cli_usage_error("knobs",
					   "--markdown, or one configuration name, at most");
	if (markdown) {
		pts_knobs_markdown(stdout);
		return PTS_EXIT_OK;
	}
	if (optind < argc) {
		if (ptsim_config_init(&cfg, argv[optind]))
			return pts_cli_unknown_config("knobs", argv[optind]);
		pts_knobs_values(stdout, &cfg);
		return PTS_EXIT_OK;
	}
	for (unsigned int i = 0; (k = ptsim_knob_at(i)); i++)
		printf("%-26s %-8s %-7s default %s; %s\n  %s\n", k->name, k->type,
		       k->runtime ? "runtime" : "creation", k->def, k->values, k->doc);
	return PTS_EXIT_OK;
}

static int list(int argc, char **argv)
{
	bool done;
	int err = pts_cli_help_only("list", list_usage, argc, argv, &done);

	if (done)
		return err;
	if (optind < argc)
		return pts_cli_usage_error("list", "no argument expected (\"%s\" is extra)",
					   argv[optind]);
	for (unsigned int i = 0; ptsim_arch_at(i); i++)
		printf("%s\n", ptsim_arch_name(ptsim_arch_at(i)));
	return PTS_EXIT_OK;
}

/* `ptsim trace`: trace.c parses its own options (argv[0] is its first argument). */
static int trace(int argc, char **argv)
{
	return pts_trace_main(argc - 1, argv + 1);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{"demo", demo}, {"run", run},	  {"repl", pts_repl_main}, {"trace", trace},
	{"info", info}, {"knobs", knobs}, {"list", list},
};

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256 };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	int c;

	/* '+': stop at the command, whose options are its own. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			pts_cli_print_usage(stdout, main_usage);
			return PTS_EXIT_OK;
		case OPT_VERSION:
			printf("ptsim %s\n", PTSIM_TOOL_VERSION);
			return PTS_EXIT_OK;
		default:
			return pts_cli_option_error(NULL, c, argv);
		}
	}
	if (optind == argc) {
		pts_cli_print_usage(stderr, main_usage);
		return PTS_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	return pts_cli_usage_error(NULL, "unknown command \"%s\"", argv[optind]);
}
