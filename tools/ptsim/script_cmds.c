// SPDX-License-Identifier: MIT
/*
 * script_cmds.c - the scenario commands that build and show the model:
 * address spaces and files, mmap and friends, accesses from a CPU, the
 * dumps (translate, ptdump, pagemap, vmas, stats, dot), TLB flushes, rmap,
 * userfaultfd and the knobs.  The command table at the bottom is what
 * `help` prints and what docs/scenarios.md documents.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "knobs.h"
#include "script_int.h"
#include "stats.h"

#define ARGC_BETWEEN(r, a, lo, hi, usage)                                                          \
	do {                                                                                       \
		if ((a)->argc < (lo) || (a)->argc > (hi))                                          \
			return pts__fail((r), -EINVAL, "usage: %s", (usage));                      \
	} while (0)

static const struct ptsim_arch *arch_of(struct pts_runner *r)
{
	return ptsim_machine_arch(r->m);
}

/* --- entry bits, shared with `expect entry` -------------------------------- */

const struct pts_bit pts__entry_bits[] = {
	{"none", offsetof(struct ptsim_attrs, none)},
	{"valid", offsetof(struct ptsim_attrs, valid)},
	{"present", offsetof(struct ptsim_attrs, present)},
	{"table", offsetof(struct ptsim_attrs, table)},
	{"leaf", offsetof(struct ptsim_attrs, leaf)},
	{"protnone", offsetof(struct ptsim_attrs, protnone)},
	{"swp", offsetof(struct ptsim_attrs, swp)},
	{"user", offsetof(struct ptsim_attrs, user)},
	{"write", offsetof(struct ptsim_attrs, write)},
	{"hw_write", offsetof(struct ptsim_attrs, hw_write)},
	{"dirty", offsetof(struct ptsim_attrs, dirty)},
	{"hw_dirty", offsetof(struct ptsim_attrs, hw_dirty)},
	{"young", offsetof(struct ptsim_attrs, young)},
	{"exec", offsetof(struct ptsim_attrs, exec)},
	{"global", offsetof(struct ptsim_attrs, global)},
	{"special", offsetof(struct ptsim_attrs, special)},
	{"soft_dirty", offsetof(struct ptsim_attrs, soft_dirty)},
	{"uffd_wp", offsetof(struct ptsim_attrs, uffd_wp)},
	{"cont", offsetof(struct ptsim_attrs, cont)},
	{"exclusive", offsetof(struct ptsim_attrs, exclusive)},
	{NULL, 0},
};

void pts__print_bits(FILE *f, const struct ptsim_attrs *at)
{
	const char *sep = "";

	for (const struct pts_bit *b = pts__entry_bits; b->name; b++) {
		if (!*(const bool *)((const char *)at + b->offset))
			continue;
		fprintf(f, "%s%s", sep, b->name);
		sep = " ";
	}
}

/* --- address spaces, files, variables ------------------------------------- */

static int cmd_machine(struct pts_runner *r, struct pts_args *a)
{
	return pts__cmd_machine(r, a);
}

static int add_mm(struct pts_runner *r, const char *name, struct ptsim_mm *mm)
{
	if (r->nr_mms == r->cap_mms) {
		unsigned int ncap = r->cap_mms ? r->cap_mms * 2 : 8;
		struct pts_named_mm *n = realloc(r->mms, ncap * sizeof(*n));

		if (!n)
			return pts__fail(r, -ENOMEM, "out of memory");
		r->mms = n;
		r->cap_mms = ncap;
	}
	snprintf(r->mms[r->nr_mms].name, PTS_NAME_MAX, "%s", name);
	r->mms[r->nr_mms++].mm = mm;
	return 0;
}

static int check_new_name(struct pts_runner *r, const char *name)
{
	if (!pts__valid_name(name))
		return pts__fail(r, -EINVAL,
				 "\"%s\" is not a valid name (a letter, then letters, digits or _)",
				 name);
	if (pts__mm_by_name(r, name) || pts__file_by_name(r, name))
		return pts__fail(r, -EEXIST, "\"%s\" is already an address space or a file", name);
	return 0;
}

static int cmd_mm(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_mm *mm;
	int err;

	ARGC_BETWEEN(r, a, 2, 2, "mm NAME");
	err = check_new_name(r, a->argv[1]);
	if (err)
		return err;
	err = ptsim_mm_create(r->m, &mm);
	if (err)
		return pts__fail_call(r, err, "mm");
	err = add_mm(r, a->argv[1], mm);
	if (err) {
		ptsim_mm_destroy(mm);
		return err;
	}
	r->cur = (int)r->nr_mms - 1;
	return 0;
}

static int mm_index(struct pts_runner *r, const char *name)
{
	for (unsigned int i = 0; i < r->nr_mms; i++)
		if (!strcmp(r->mms[i].name, name))
			return (int)i;
	return pts__fail(r, -ENOENT, "no address space \"%s\"", name);
}

static int cmd_use(struct pts_runner *r, struct pts_args *a)
{
	int i;

	ARGC_BETWEEN(r, a, 2, 2, "use NAME");
	i = mm_index(r, a->argv[1]);
	if (i < 0)
		return i;
	r->cur = i;
	return 0;
}

static int cmd_exit(struct pts_runner *r, struct pts_args *a)
{
	int i;

	ARGC_BETWEEN(r, a, 2, 2, "exit NAME");
	i = mm_index(r, a->argv[1]);
	if (i < 0)
		return i;
	ptsim_mm_destroy(r->mms[i].mm);
	memmove(&r->mms[i], &r->mms[i + 1], (r->nr_mms - (unsigned int)i - 1) * sizeof(r->mms[0]));
	r->nr_mms--;
	if (r->cur == i)
		r->cur = r->nr_mms ? 0 : -1;
	else if (r->cur > i)
		r->cur--;
	return 0;
}

static int cmd_cpu(struct pts_runner *r, struct pts_args *a)
{
	uint64_t cpu;
	int err;

	ARGC_BETWEEN(r, a, 2, 2, "cpu N");
	err = pts__value(r, a->argv[1], &cpu);
	if (err)
		return err;
	if (cpu >= ptsim_machine_config(r->m)->ncpus)
		return pts__fail(r, -EINVAL, "cpu %llu: the machine has %u CPUs (0..%u)",
				 (unsigned long long)cpu, ptsim_machine_config(r->m)->ncpus,
				 ptsim_machine_config(r->m)->ncpus - 1);
	r->cpu = (unsigned int)cpu;
	return 0;
}

/* MAP_HUGE_SHIFT bits of a hugetlb page size (a power of two), or -EINVAL. */
static int huge_size_flags(struct pts_runner *r, const char *w, unsigned int *flags)
{
	uint64_t size;
	int err = pts__value(r, w, &size), log = 0;

	if (err)
		return err;
	if (!size || (size & (size - 1)))
		return pts__fail(r, -EINVAL, "hugetlb size %s is not a power of two", w);
	while ((1ull << log) < size)
		log++;
	*flags |= (unsigned int)log << PTSIM_MAP_HUGE_SHIFT;
	return 0;
}

static int cmd_file(struct pts_runner *r, struct pts_args *a)
{
	bool memfd = !strcmp(a->argv[0], "memfd");
	unsigned int mfd_flags = 0;
	struct ptsim_file *f;
	uint64_t size;
	int err;

	/* memfd NAME SIZE [hugetlb[=SIZE]]: MFD_HUGETLB, a hugetlbfs file. */
	if (memfd && a->argc == 4 && !strcmp(a->argv[3], "hugetlb"))
		mfd_flags = PTSIM_MFD_HUGETLB;
	else if (memfd && a->argc == 4 && !strncmp(a->argv[3], "hugetlb=", 8)) {
		mfd_flags = PTSIM_MFD_HUGETLB;
		err = huge_size_flags(r, a->argv[3] + 8, &mfd_flags);
		if (err)
			return err;
	} else if (a->argc != 3)
		return pts__fail(r, -EINVAL, "usage: %s NAME SIZE%s", a->argv[0],
				 memfd ? " [hugetlb[=SIZE]]" : "");
	err = check_new_name(r, a->argv[1]);
	if (!err)
		err = pts__value(r, a->argv[2], &size);
	if (err)
		return err;
	if (r->nr_files == r->cap_files) {
		unsigned int ncap = r->cap_files ? r->cap_files * 2 : 8;
		struct pts_named_file *n = realloc(r->files, ncap * sizeof(*n));

		if (!n)
			return pts__fail(r, -ENOMEM, "out of memory");
		r->files = n;
		r->cap_files = ncap;
	}
	err = memfd ? ptsim_memfd_create_flags(r->m, size, mfd_flags, &f)
		    : ptsim_file_create(r->m, size, &f);
	if (err)
		return pts__fail_call(r, err, a->argv[0]);
	snprintf(r->files[r->nr_files].name, PTS_NAME_MAX, "%s", a->argv[1]);
	r->files[r->nr_files++].file = f;
	return 0;
}

static int cmd_close(struct pts_runner *r, struct pts_args *a)
{
	ARGC_BETWEEN(r, a, 2, 2, "close FILE");
	for (unsigned int i = 0; i < r->nr_files; i++) {
		if (strcmp(r->files[i].name, a->argv[1]))
			continue;
		ptsim_file_close(r->files[i].file);
		memmove(&r->files[i], &r->files[i + 1],
			(r->nr_files - i - 1) * sizeof(r->files[0]));
		r->nr_files--;
		return 0;
	}
	return pts__fail(r, -ENOENT, "no file \"%s\"", a->argv[1]);
}

/*
 * set NAME VALUE, or capture something from the model:
 * set NAME pa|pfn|entry ADDR (the translation, present or not), set NAME
 * pagemap ADDR, set NAME stat STAT.
 */
static int cmd_set(struct pts_runner *r, struct pts_args *a)
{
	static const char usage[] = "set NAME VALUE | set NAME pa|pfn|entry|pagemap ADDR | "
				    "set NAME stat STAT";
	const char *what = a->argc == 4 ? a->argv[2] : "";
	struct ptsim_translation t;
	uint64_t v, va;
	int err;

	if (a->argc == 3) {
		err = pts__value(r, a->argv[2], &v);
		return err ? err : pts__set_var(r, a->argv[1], v);
	}
	if (a->argc != 4)
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	if (!r->m || !pts__mm(r))
		return pts__fail(r, -EINVAL, "set %s: needs a machine and an address space", what);
	if (!strcmp(what, "stat")) {
		if (pts_stat_get(r->m, pts__mm(r), a->argv[3], &v))
			return pts__fail(r, -EINVAL, "set: unknown statistic \"%s\"", a->argv[3]);
		return pts__set_var(r, a->argv[1], v);
	}
	err = pts__value(r, a->argv[3], &va);
	if (err)
		return err;
	if (!strcmp(what, "pagemap")) {
		err = ptsim_pagemap(pts__mm(r), va, &v);
		if (err)
			return pts__fail_call(r, err, "pagemap");
		return pts__set_var(r, a->argv[1], v);
	}
	if (strcmp(what, "pa") && strcmp(what, "pfn") && strcmp(what, "entry"))
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err && (err != -EFAULT || strcmp(what, "entry")) &&
	    (err != -ENOENT || strcmp(what, "entry")))
		return pts__fail(r, err, "set %s: nothing present is mapped at 0x%llx (%s)", what,
				 (unsigned long long)va, ptsim_strerror(err));
	v = !strcmp(what, "pa") ? t.pa : !strcmp(what, "pfn") ? t.pfn : t.entry;
	return pts__set_var(r, a->argv[1], v);
}

static int cmd_print(struct pts_runner *r, struct pts_args *a)
{
	for (int i = 1; i < a->argc; i++) {
		uint64_t v;
		int err = pts__value(r, a->argv[i], &v);

		if (err)
			return err;
		fprintf(r->out, "%s = 0x%llx (%llu)\n", a->argv[i], (unsigned long long)v,
			(unsigned long long)v);
	}
	return 0;
}

/* say TEXT: the words of the line (quotes removed, a # comment dropped). */
static int cmd_say(struct pts_runner *r, struct pts_args *a)
{
	for (int i = 1; i < a->argc; i++)
		fprintf(r->out, "%s%s", i > 1 ? " " : "", a->argv[i]);
	fprintf(r->out, "\n");
	return 0;
}

static int cmd_echo(struct pts_runner *r, struct pts_args *a)
{
	ARGC_BETWEEN(r, a, 2, 2, "echo on|off");
	if (strcmp(a->argv[1], "on") && strcmp(a->argv[1], "off"))
		return pts__fail(r, -EINVAL, "usage: echo on|off");
	r->opts.verbose = !strcmp(a->argv[1], "on");
	if (!r->opts.verbose)
		r->opts.results = false;
	return 0;
}

static int cmd_help(struct pts_runner *r, struct pts_args *a)
{
	pts_help(r->out, a->argc > 1 ? a->argv[1] : NULL);
	return 0;
}

/* --- VMAs ------------------------------------------------------------------ */

static int range_args(struct pts_runner *r, struct pts_args *a, int i, uint64_t *start,
		      uint64_t *len)
{
	int err = pts__value(r, a->argv[i], start);

	return err ? err : pts__value(r, a->argv[i + 1], len);
}

/*
 * mmap NAME LEN PROT private|shared [anon] [fixed|noreplace] [at ADDR] [file F] [pgoff N]
 *      [hugetlb[=SIZE]] [noreserve]
 */
static int cmd_mmap(struct pts_runner *r, struct pts_args *a)
{
	static const char usage[] =
		"mmap NAME LEN PROT private|shared [anon] [fixed|noreplace] [at ADDR] "
		"[file F] [pgoff N] [hugetlb[=SIZE]] [noreserve]";
	struct ptsim_file *file = NULL;
	uint64_t len, addr = 0, pgoff = 0, got;
	unsigned int prot, flags = 0;
	int err;

	if (a->argc < 5)
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	if (!pts__valid_name(a->argv[1]))
		return pts__fail(r, -EINVAL, "\"%s\" is not a valid name", a->argv[1]);
	err = pts__value(r, a->argv[2], &len);
	if (!err)
		err = pts__prot(r, a->argv[3], &prot);
	if (err)
		return err;
	for (int i = 4; i < a->argc; i++) {
		const char *w = a->argv[i];

		if (!strcmp(w, "private"))
			flags |= PTSIM_MAP_PRIVATE;
		else if (!strcmp(w, "shared"))
			flags |= PTSIM_MAP_SHARED;
		else if (!strcmp(w, "anon"))
			flags |= PTSIM_MAP_ANONYMOUS;
		else if (!strcmp(w, "fixed"))
			flags |= PTSIM_MAP_FIXED;
		else if (!strcmp(w, "noreplace"))
			flags |= PTSIM_MAP_FIXED_NOREPLACE;
		else if (!strcmp(w, "noreserve"))
			flags |= PTSIM_MAP_NORESERVE;
		else if (!strcmp(w, "hugetlb"))
			flags |= PTSIM_MAP_HUGETLB;
		else if (!strncmp(w, "hugetlb=", 8)) {
			flags |= PTSIM_MAP_HUGETLB;
			err = huge_size_flags(r, w + 8, &flags);
		} else if (i + 1 < a->argc && !strcmp(w, "at"))
			err = pts__value(r, a->argv[++i], &addr);
		else if (i + 1 < a->argc && !strcmp(w, "pgoff"))
			err = pts__value(r, a->argv[++i], &pgoff);
		else if (i + 1 < a->argc && !strcmp(w, "file")) {
			file = pts__file_by_name(r, a->argv[++i]);
			if (!file)
				err = pts__fail(r, -ENOENT,
						"no file \"%s\" (create it with "
						"`file NAME SIZE`)",
						a->argv[i]);
		} else
			err = pts__fail(r, -EINVAL, "mmap: unexpected \"%s\"; usage: %s", w, usage);
		if (err)
			return err;
	}
	if (!(flags & PTSIM_MAP_ANONYMOUS) && !file)
		return pts__fail(r, -EINVAL, "mmap: say `anon` or give `file F`");
	err = ptsim_mmap(pts__mm(r), addr, len, prot, flags, file, pgoff, &got);
	if (err)
		return pts__fail_call(r, err, "mmap");
	err = pts__set_var(r, a->argv[1], got);
	if (err) {
		/* Keep all-or-nothing: forget the mapping the name could not hold. */
		if (ptsim_munmap(pts__mm(r), got, len))
			return pts__fail(r, -EIO, "mmap: could not undo after a failure");
		return err;
	}
	if (pts__show_results(r))
		fprintf(r->out, "  %s = 0x%llx\n", a->argv[1], (unsigned long long)got);
	return 0;
}

static int cmd_munmap(struct pts_runner *r, struct pts_args *a)
{
	uint64_t start, len;
	int err;

	ARGC_BETWEEN(r, a, 3, 3, "munmap ADDR LEN");
	err = range_args(r, a, 1, &start, &len);
	if (!err && (err = ptsim_munmap(pts__mm(r), start, len)))
		return pts__fail_call(r, err, "munmap");
	return err;
}

static int cmd_mprotect(struct pts_runner *r, struct pts_args *a)
{
	uint64_t start, len;
	unsigned int prot;
	int err;

	ARGC_BETWEEN(r, a, 4, 4, "mprotect ADDR LEN PROT");
	err = range_args(r, a, 1, &start, &len);
	if (!err)
		err = pts__prot(r, a->argv[3], &prot);
	if (!err && (err = ptsim_mprotect(pts__mm(r), start, len, prot)))
		return pts__fail_call(r, err, "mprotect");
	return err;
}

static const struct {
	const char *name;
	int advice;
} madv_names[] = {
	{"dontneed", PTSIM_MADV_DONTNEED},
	{"free", PTSIM_MADV_FREE},
	{"hugepage", PTSIM_MADV_HUGEPAGE},
	{"nohugepage", PTSIM_MADV_NOHUGEPAGE},
};

static int cmd_madvise(struct pts_runner *r, struct pts_args *a)
{
	uint64_t start, len;
	size_t i;
	int err;

	ARGC_BETWEEN(r, a, 4, 4, "madvise ADDR LEN dontneed|free|hugepage|nohugepage");
	for (i = 0; i < (sizeof(madv_names) / sizeof(madv_names[0])) &&
		    strcmp(a->argv[3], madv_names[i].name);
	     i++)
		;
	if (i == (sizeof(madv_names) / sizeof(madv_names[0])))
		return pts__fail(r, -EINVAL,
				 "madvise: unknown advice \"%s\" (dontneed, hugepage, nohugepage)",
				 a->argv[3]);
	err = range_args(r, a, 1, &start, &len);
	if (!err && (err = ptsim_madvise(pts__mm(r), start, len, madv_names[i].advice)))
		return pts__fail_call(r, err, "madvise");
	return err;
}

static int cmd_split_huge_pmd(struct pts_runner *r, struct pts_args *a)
{
	unsigned int flags = 0;
	uint64_t va;
	int err;

	ARGC_BETWEEN(r, a, 2, 3, "split_huge_pmd ADDR [nobbm]");
	if (a->argc == 3) {
		if (strcmp(a->argv[2], "nobbm"))
			return pts__fail(r, -EINVAL,
					 "split_huge_pmd: unknown option \"%s\" (nobbm)",
					 a->argv[2]);
		flags |= PTSIM_SPLIT_NO_BBM;
	}
	err = pts__value(r, a->argv[1], &va);
	if (!err && (err = ptsim_split_huge_pmd(pts__mm(r), va, flags)))
		return pts__fail_call(r, err, "split_huge_pmd");
	return err;
}

static int cmd_split_huge_page(struct pts_runner *r, struct pts_args *a)
{
	uint64_t va, order = 0;
	int err;

	ARGC_BETWEEN(r, a, 2, 3, "split_huge_page ADDR [ORDER]");
	err = pts__value(r, a->argv[1], &va);
	if (!err && a->argc == 3)
		err = pts__value(r, a->argv[2], &order);
	if (err)
		return err;
	if (order > 63)
		return pts__fail(r, -EINVAL, "split_huge_page: order %llu is out of range",
				 (unsigned long long)order);
	err = ptsim_split_huge_page(pts__mm(r), va, (unsigned int)order);
	if (err)
		return pts__fail_call(r, err, "split_huge_page");
	return 0;
}

/* The walker called @name, or NULL (with the error recorded) if there is none. */
static int walker_find(struct pts_runner *r, const char *name)
{
	for (unsigned int i = 0; i < r->nr_walkers; i++)
		if (!strcmp(r->walkers[i].name, name))
			return (int)i;
	return pts__fail(r, -ENOENT, "lockless: no walker \"%s\" (lockless begin NAME ADDR)", name);
}

/*
 * lockless begin NAME ADDR | step NAME [all] | recheck NAME | write NAME ENTRY |
 * end NAME: a lockless (GUP-fast style) walk, one level per step.
 */
static int cmd_lockless(struct pts_runner *r, struct pts_args *a)
{
	const char *usage = "lockless begin NAME ADDR | step NAME [all] | recheck NAME | "
			    "write NAME ENTRY | end NAME";
	const char *op = a->argc > 1 ? a->argv[1] : "";
	struct ptsim_lockless_step st;
	uint64_t v;
	int i, err;

	ARGC_BETWEEN(r, a, 3, 4, usage);
	if (!strcmp(op, "begin")) {
		struct ptsim_lockless *w;

		ARGC_BETWEEN(r, a, 4, 4, usage);
		if (strlen(a->argv[2]) >= PTS_NAME_MAX)
			return pts__fail(r, -EINVAL, "lockless: name \"%s\" is too long",
					 a->argv[2]);
		for (unsigned int k = 0; k < r->nr_walkers; k++)
			if (!strcmp(r->walkers[k].name, a->argv[2]))
				return pts__fail(r, -EEXIST, "lockless: walker \"%s\" exists",
						 a->argv[2]);
		if (r->nr_walkers == PTS_MAX_WALKERS)
			return pts__fail(r, -ENOSPC, "lockless: at most %d walkers at once",
					 PTS_MAX_WALKERS);
		err = pts__value(r, a->argv[3], &v);
		if (err)
			return err;
		err = ptsim_lockless_begin(pts__mm(r), v, &w);
		if (err)
			return pts__fail_call(r, err, "lockless begin");
		snprintf(r->walkers[r->nr_walkers].name, PTS_NAME_MAX, "%s", a->argv[2]);
		r->walkers[r->nr_walkers++].w = w;
		return 0;
	}
	i = walker_find(r, a->argv[2]);
	if (i < 0)
		return i;
	if (!strcmp(op, "step")) {
		bool all = a->argc == 4;

		if (all && strcmp(a->argv[3], "all"))
			return pts__fail(r, -EINVAL, "lockless step: unknown option \"%s\" (all)",
					 a->argv[3]);
		do {
			err = ptsim_lockless_step(r->walkers[i].w, &st);
			if (err < 0)
				return pts__fail_call(r, err, "lockless step");
			if (pts__show_results(r))
				fprintf(r->out,
					"  %s entry 0x%016llx (table pfn 0x%llx, index %u)\n",
					ptsim_arch_level_name(ptsim_machine_arch(r->m), st.level),
					(unsigned long long)st.entry,
					(unsigned long long)st.table_pfn, st.index);
		} while (all && err == 1);
		return 0;
	}
	if (!strcmp(op, "recheck")) {
		ARGC_BETWEEN(r, a, 3, 3, usage);
		err = ptsim_lockless_recheck(r->walkers[i].w);
		return err ? pts__fail_call(r, err, "lockless recheck") : 0;
	}
	if (!strcmp(op, "write")) {
		ARGC_BETWEEN(r, a, 4, 4, usage);
		err = pts__value(r, a->argv[3], &v);
		if (!err && (err = ptsim_lockless_write(r->walkers[i].w, v)))
			return pts__fail_call(r, err, "lockless write");
		return err;
	}
	if (!strcmp(op, "end")) {
		ARGC_BETWEEN(r, a, 3, 3, usage);
		ptsim_lockless_end(r->walkers[i].w);
		r->walkers[i] = r->walkers[--r->nr_walkers];
		return 0;
	}
	return pts__fail(r, -EINVAL, "lockless: unknown operation \"%s\" (usage: %s)", op, usage);
}

/* pin ADDR / unpin ADDR: pin_user_pages() on the page mapped at ADDR, and its release. */
static int cmd_pin(struct pts_runner *r, struct pts_args *a)
{
	bool pin = !strcmp(a->argv[0], "pin");
	struct ptsim_translation t;
	uint64_t va, pfn;
	int err;

	ARGC_BETWEEN(r, a, 2, 2, pin ? "pin ADDR" : "unpin ADDR");
	err = pts__value(r, a->argv[1], &va);
	if (err)
		return err;
	if (pin) {
		err = ptsim_pin_user_page(pts__mm(r), va, &pfn);
		if (err)
			return pts__fail_call(r, err, "pin");
		if (pts__show_results(r))
			fprintf(r->out, "  pinned pfn 0x%llx\n", (unsigned long long)pfn);
		return 0;
	}
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err)
		return pts__fail(r, err, "unpin: no page is mapped at 0x%llx",
				 (unsigned long long)va);
	err = ptsim_unpin_user_page(r->m, t.pfn);
	if (err)
		return pts__fail_call(r, err, "unpin");
	return 0;
}

static int cmd_fork(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_mm *child;
	int err;

	ARGC_BETWEEN(r, a, 2, 2, "fork CHILD");
	err = check_new_name(r, a->argv[1]);
	if (err)
		return err;
	err = ptsim_fork(pts__mm(r), &child);
	if (err)
		return pts__fail_call(r, err, "fork");
	err = add_mm(r, a->argv[1], child);
	if (err)
		ptsim_mm_destroy(child);
	return err;
}

static const char *file_name(struct pts_runner *r, const struct ptsim_vma_info *v)
{
	for (unsigned int i = 0; i < r->nr_files; i++)
		if (r->files[i].file == v->file)
			return r->files[i].name;
	if (v->shmem)
		return "[shmem]";
	if (v->hugetlb_size)
		return "/anon_hugepage (deleted)"; /* MAP_HUGETLB's internal hugetlbfs file */
	return v->file ? "[file]" : "[anon]";
}

static int cmd_vmas(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_vma_info v;

	ARGC_BETWEEN(r, a, 1, 1, "vmas");
	for (uint64_t addr = 0; !ptsim_vma_next(pts__mm(r), addr, &v); addr = v.end) {
		fprintf(r->out, "%012llx-%012llx %c%c%c%c %08llx %s%s%s%s\n",
			(unsigned long long)v.start, (unsigned long long)v.end,
			v.prot & PTSIM_PROT_READ ? 'r' : '-', v.prot & PTSIM_PROT_WRITE ? 'w' : '-',
			v.prot & PTSIM_PROT_EXEC ? 'x' : '-',
			v.flags & PTSIM_VM_MAYSHARE ? 's' : 'p',
			/* /proc/PID/maps shows 0 for anonymous memory */
			(unsigned long long)(v.file ? v.pgoff * pts__page_size(r) : 0),
			file_name(r, &v), v.flags & PTSIM_VM_UFFD_MISSING ? " uffd-missing" : "",
			v.flags & PTSIM_VM_UFFD_WP ? " uffd-wp" : "",
			v.flags & PTSIM_VM_UFFD_MINOR ? " uffd-minor" : "");
		if (v.end == 0)
			break;
	}
	return 0;
}

/* --- accesses -------------------------------------------------------------- */

void pts__print_fault(FILE *f, unsigned int fault)
{
	const char *sep = "";

	if (!fault) {
		fprintf(f, "none");
		return;
	}
	for (unsigned int bit = 1; bit && bit <= PTSIM_VM_FAULT_COMPLETED; bit <<= 1) {
		if (!(fault & bit))
			continue;
		fprintf(f, "%s%s", sep, ptsim_vm_fault_name(bit));
		sep = "|";
	}
}

static const char *signal_name(int sig)
{
	return sig == PTSIM_SIGSEGV ? "SIGSEGV" : sig == PTSIM_SIGBUS ? "SIGBUS" : "none";
}

/* What the fault handler did, from the counters before and after an access. */
/* The machine-wide THP events an access may count (vmstat). */
struct thp_events {
	uint64_t alloc, fallback, split_pmd;
};

static void thp_events(struct pts_runner *r, struct thp_events *t)
{
	t->alloc = ptsim_vm_event(r->m, PTSIM_VM_THP_FAULT_ALLOC);
	t->fallback = ptsim_vm_event(r->m, PTSIM_VM_THP_FAULT_FALLBACK);
	t->split_pmd = ptsim_vm_event(r->m, PTSIM_VM_THP_SPLIT_PMD);
}

static void print_fault_kinds(FILE *f, const struct ptsim_mm_counters *b,
			      const struct ptsim_mm_counters *e, const struct thp_events *tb,
			      const struct thp_events *te)
{
	const struct {
		const char *what;
		uint64_t before, after;
	} kinds[] = {
		{"zero page mapped", b->zero_page, e->zero_page},
		{"new anonymous page", b->anon_fault, e->anon_fault},
		{"copied on write", b->cow, e->cow},
		{"page reused for write", b->wp_reuse, e->wp_reuse},
		{"page-cache page mapped", b->file_fault, e->file_fault},
		{"major fault", b->maj_flt, e->maj_flt},
		{"access/dirty bit fixed up", b->fixup, e->fixup},
		{"spurious", b->spurious, e->spurious},
		{"a THP mapped by a PMD", tb->alloc, te->alloc},
		{"no THP to be had (fallback)", tb->fallback, te->fallback},
		{"huge PMD split", tb->split_pmd, te->split_pmd},
	};
	const char *sep = " ";

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].after == kinds[i].before)
			continue;
		fprintf(f, "%s%s", sep, kinds[i].what);
		sep = ", ";
	}
}

static void print_access(struct pts_runner *r, const char *kind, uint64_t va,
			 const struct ptsim_access_result *res, const struct ptsim_mm_counters *b,
			 const struct ptsim_mm_counters *e, const struct thp_events *tb,
			 const struct thp_events *te)
{
	fprintf(r->out, "  %s 0x%llx on cpu %u: ", kind, (unsigned long long)va, r->cpu);
	if (res->signal)
		fprintf(r->out, "%s (si_code %d) at 0x%llx", signal_name(res->signal), res->si_code,
			(unsigned long long)res->fault_addr);
	else if (res->userfault_pending)
		fprintf(r->out, "waits for userfaultfd");
	else
		fprintf(r->out, "pa 0x%llx", (unsigned long long)res->pa);
	if (!res->nr_faults) {
		/* A signal without a fault: no VMA, or the VMA forbids the access. */
		fprintf(r->out, res->signal ? ", refused before the fault handler\n"
					    : ", no fault (the TLB or a walk served it)\n");
		return;
	}
	fprintf(r->out, ", %u fault%s:", res->nr_faults, res->nr_faults == 1 ? "" : "s");
	print_fault_kinds(r->out, b, e, tb, te);
	if (res->fault) {
		fprintf(r->out, " VM_FAULT_");
		pts__print_fault(r->out, res->fault);
	}
	fprintf(r->out, "\n");
}

/* read|write|exec ADDR [LEN]: one access per page of the range, in order. */
static int cmd_access(struct pts_runner *r, struct pts_args *a)
{
	unsigned int kind = !strcmp(a->argv[0], "read")	   ? PTSIM_ACCESS_READ
			    : !strcmp(a->argv[0], "write") ? PTSIM_ACCESS_WRITE
							   : PTSIM_ACCESS_EXEC;
	uint64_t va, len = 1, psz = pts__page_size(r), end;
	int err;

	if (a->argc < 2 || a->argc > 3)
		return pts__fail(r, -EINVAL, "usage: %s ADDR [LEN]", a->argv[0]);
	err = pts__value(r, a->argv[1], &va);
	if (!err && a->argc == 3)
		err = pts__value(r, a->argv[2], &len);
	if (err)
		return err;
	if (!len)
		return pts__fail(r, -EINVAL, "%s: zero length", a->argv[0]);
	if (va + len < va)
		return pts__fail(r, -EINVAL, "%s: range wraps around", a->argv[0]);
	end = va + len;
	for (uint64_t p = va; p < end; p = (p & ~(psz - 1)) + psz) {
		struct ptsim_access_result res;
		struct ptsim_mm_counters before, after;
		struct thp_events tb, te;
		struct pts_state st;

		ptsim_mm_counters(pts__mm(r), &before);
		thp_events(r, &tb);
		pts__state_take(r, &st);
		err = ptsim_access(pts__mm(r), r->cpu, p, kind, &res);
		pts__state_check(r, &st, err, a->argv[0]);
		if (err)
			return pts__fail_call(r, err, a->argv[0]);
		r->last = res;
		r->have_access = true;
		ptsim_mm_counters(pts__mm(r), &after);
		thp_events(r, &te);
		if (pts__show_results(r))
			print_access(r, a->argv[0], p, &res, &before, &after, &tb, &te);
		if (res.signal || res.userfault_pending)
			break;
		if ((p & ~(psz - 1)) + psz < p)
			break;
	}
	return 0;
}

/* --- showing the model ----------------------------------------------------- */

static int cmd_translate(struct pts_runner *r, struct pts_args *a)
{
	const struct ptsim_arch *arch = arch_of(r);
	struct ptsim_translation t;
	uint64_t va;
	int err;

	ARGC_BETWEEN(r, a, 2, 2, "translate ADDR");
	err = pts__value(r, a->argv[1], &va);
	if (err)
		return err;
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err == -EINVAL)
		return pts__fail_call(r, err, "translate");
	fprintf(r->out, "0x%llx: ", (unsigned long long)va);
	if (err == -ENOENT)
		fprintf(r->out, "hole at %s level (an empty entry covering 0x%llx-0x%llx)\n",
			ptsim_arch_level_name(arch, t.level), (unsigned long long)t.va_base,
			(unsigned long long)(t.va_base + t.page_size - 1));
	else {
		if (err)
			fprintf(r->out, "not present, ");
		else
			fprintf(r->out, "pa 0x%llx via ", (unsigned long long)t.pa);
		fprintf(r->out, "%s entry 0x%016llx [", ptsim_arch_level_name(arch, t.level),
			(unsigned long long)t.entry);
		pts__print_bits(r->out, &t.attrs);
		fprintf(r->out, "] maps %llu KiB at 0x%llx\n",
			(unsigned long long)(t.page_size >> 10), (unsigned long long)t.va_base);
	}
	return 0;
}

static int opt_range(struct pts_runner *r, struct pts_args *a, int i, uint64_t *start,
		     uint64_t *end)
{
	uint64_t len;
	int err;

	*start = 0;
	*end = 0;
	if (a->argc <= i)
		return 0;
	err = range_args(r, a, i, start, &len);
	if (err)
		return err;
	if (!len || *start + len < *start)
		return pts__fail(r, -EINVAL, "%s: bad range length", a->argv[0]);
	*end = *start + len;
	return 0;
}

static int cmd_ptdump(struct pts_runner *r, struct pts_args *a)
{
	uint64_t start, end;
	long n;
	int err;

	if (a->argc != 1 && a->argc != 3)
		return pts__fail(r, -EINVAL, "usage: ptdump [ADDR LEN]");
	err = opt_range(r, a, 1, &start, &end);
	if (err)
		return err;
	n = ptsim_ptdump(pts__mm(r), start, end, r->out);
	if (n < 0)
		return pts__fail_call(r, (int)n, "ptdump");
	return 0;
}

void pts__print_pagemap(FILE *f, uint64_t word)
{
	fprintf(f, "0x%016llx", (unsigned long long)word);
	if (word & PTSIM_PM_PRESENT)
		fprintf(f, " present");
	if (word & PTSIM_PM_SWAP)
		fprintf(f, " swap");
	if (word & PTSIM_PM_FILE)
		fprintf(f, " file");
	if (word & PTSIM_PM_GUARD_REGION)
		fprintf(f, " guard");
	if (word & PTSIM_PM_UFFD_WP)
		fprintf(f, " uffd_wp");
	if (word & PTSIM_PM_MMAP_EXCLUSIVE)
		fprintf(f, " exclusive");
	if (word & PTSIM_PM_SOFT_DIRTY)
		fprintf(f, " soft_dirty");
	if (word & (PTSIM_PM_PRESENT | PTSIM_PM_SWAP))
		fprintf(f, " %s 0x%llx", word & PTSIM_PM_PRESENT ? "pfn" : "swp",
			(unsigned long long)(word & PTSIM_PM_PFN_MASK));
}

static int cmd_pagemap(struct pts_runner *r, struct pts_args *a)
{
	uint64_t va, len, psz = pts__page_size(r);
	int err;

	if (a->argc != 2 && a->argc != 3)
		return pts__fail(r, -EINVAL, "usage: pagemap ADDR [LEN]");
	err = pts__value(r, a->argv[1], &va);
	len = psz;
	if (!err && a->argc == 3)
		err = pts__value(r, a->argv[2], &len);
	if (err)
		return err;
	va &= ~(psz - 1);
	if (!len || len / psz > 1u << 20)
		return pts__fail(r, -EINVAL, "pagemap: LEN must be 1 byte .. 1M pages");
	for (uint64_t off = 0; off < len; off += psz) {
		uint64_t word;

		err = ptsim_pagemap(pts__mm(r), va + off, &word);
		if (err)
			return pts__fail_call(r, err, "pagemap");
		fprintf(r->out, "0x%llx: ", (unsigned long long)(va + off));
		pts__print_pagemap(r->out, word);
		fprintf(r->out, "\n");
	}
	return 0;
}

/* stats: every statistic as nested JSON; stats NAME...: those, as one flat JSON line. */
static int cmd_stats(struct pts_runner *r, struct pts_args *a)
{
	uint64_t v;

	if (a->argc == 1) {
		pts_stats_json(r->m, pts__mm(r), r->cur >= 0 ? r->mms[r->cur].name : NULL, r->out);
		return 0;
	}
	for (int i = 1; i < a->argc; i++)
		if (pts_stat_get(r->m, pts__mm(r), a->argv[i], &v))
			return pts__fail(r, -EINVAL, "stats: unknown statistic \"%s\"", a->argv[i]);
	for (int i = 1; i < a->argc; i++) {
		if (pts_stat_get(r->m, pts__mm(r), a->argv[i], &v))
			v = 0;
		fprintf(r->out, "%s\"%s\": %llu", i == 1 ? "{" : ", ", a->argv[i],
			(unsigned long long)v);
	}
	fprintf(r->out, "}\n");
	return 0;
}

int pts__check(struct pts_runner *r, struct ptsim_check_report **out)
{
	struct ptsim_check_report *rep = malloc(sizeof(*rep));
	int n;

	*out = NULL;
	if (!rep)
		return pts__fail(r, -ENOMEM, "out of memory");
	n = ptsim_check(r->m, rep);
	if (n < 0) {
		free(rep);
		return pts__fail_call(r, n, "check");
	}
	*out = rep;
	return n;
}

static int cmd_check(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_check_report *rep;
	int n;

	ARGC_BETWEEN(r, a, 1, 2, "check [clear]");
	if (a->argc == 2) {
		if (strcmp(a->argv[1], "clear"))
			return pts__fail(r, -EINVAL, "check: unknown option \"%s\" (clear)",
					 a->argv[1]);
		ptsim_violations_clear(r->m); /* the violations were seen: forget them */
		return 0;
	}
	n = pts__check(r, &rep);
	if (n < 0)
		return n;
	if (n == 0)
		fprintf(r->out, "check: clean (%llu tables, %llu entries checked)\n",
			(unsigned long long)rep->tables_checked,
			(unsigned long long)rep->entries_checked);
	else
		ptsim_check_report_print(rep, r->out);
	free(rep);
	return 0;
}

static char *join_path(struct pts_runner *r, const char *path, const char *ext)
{
	const char *dir = r->opts.base_dir && path[0] != '/' ? r->opts.base_dir : NULL;
	size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(path) + (ext ? strlen(ext) : 0) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s%s%s", dir ? dir : "", dir ? "/" : "", path, ext ? ext : "");
	return s;
}

/* dot FILE[.dot|.svg|.png] [ADDR LEN] */
static int cmd_dot(struct pts_runner *r, struct pts_args *a)
{
	const char *path = a->argc > 1 ? a->argv[1] : "";
	const char *ext = strrchr(path, '.');
	bool render = ext && (!strcmp(ext, ".svg") || !strcmp(ext, ".png"));
	char *out_path = NULL, *dot_path = NULL, msg[256];
	uint64_t start, end;
	FILE *f;
	long n;
	int err;

	if (a->argc != 2 && a->argc != 4)
		return pts__fail(r, -EINVAL, "usage: dot FILE.dot|FILE.svg|FILE.png [ADDR LEN]");
	if (!ext || (!render && strcmp(ext, ".dot")))
		return pts__fail(r, -EINVAL, "dot: \"%s\" must end in .dot, .svg or .png", path);
	err = opt_range(r, a, 2, &start, &end);
	if (err)
		return err;
	out_path = join_path(r, path, NULL);
	dot_path = render ? join_path(r, path, ".dot") : join_path(r, path, NULL);
	if (!out_path || !dot_path) {
		err = pts__fail(r, -ENOMEM, "out of memory");
		goto out;
	}
	f = fopen(dot_path, "w");
	if (!f) {
		err = pts__fail(r, -EIO, "dot: cannot write %s: %s", dot_path, strerror(errno));
		goto out;
	}
	snprintf(msg, sizeof(msg), "page tables of %s on %s", r->mms[r->cur].name,
		 ptsim_arch_name(arch_of(r)));
	n = pts_dot_write(pts__mm(r), start, end, msg, f);
	if (fclose(f) && n >= 0)
		n = -EIO;
	if (n < 0) {
		err = pts__fail_call(r, (int)n, "dot");
		goto out;
	}
	if (!render) {
		fprintf(r->out, "dot: %ld tables written to %s\n", n, dot_path);
	} else if (r->opts.no_render) {
		fprintf(r->out, "dot: %ld tables written to %s (rendering disabled)\n", n,
			dot_path);
	} else {
		err = pts_dot_render(dot_path, out_path, msg, sizeof(msg));
		if (err == -ENOENT) {
			fprintf(r->out, "dot: %ld tables written to %s; %s\n", n, dot_path, msg);
			err = 0;
		} else if (err) {
			err = pts__fail(r, err, "dot: %s", msg);
		} else {
			fprintf(r->out, "dot: %ld tables drawn in %s\n", n, out_path);
		}
	}
out:
	free(out_path);
	free(dot_path);
	return err;
}

/* --- TLBs, rmap, soft-dirty ------------------------------------------------ */

static int cmd_flush(struct pts_runner *r, struct pts_args *a)
{
	static const char usage[] =
		"flush page ADDR | range ADDR LEN [LEVEL] | mm | all | pgtable ADDR LEN";
	struct ptsim_mm *mm = pts__mm(r);
	enum ptsim_level stride = PTSIM_PTE;
	uint64_t x = 0, len = 0;
	const char *w = a->argc > 1 ? a->argv[1] : "";
	int err = 0;

	if (!strcmp(w, "page") && a->argc == 3)
		err = pts__value(r, a->argv[2], &x);
	else if ((!strcmp(w, "range") && (a->argc == 4 || a->argc == 5)) ||
		 (!strcmp(w, "pgtable") && a->argc == 4)) {
		err = range_args(r, a, 2, &x, &len);
		if (!err && a->argc == 5)
			err = pts__level(r, a->argv[4], &stride);
		if (!err && (!len || x + len < x))
			err = pts__fail(r, -EINVAL, "flush: bad range length");
	} else if (strcmp(w, "mm") && strcmp(w, "all"))
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	else if (a->argc != 2)
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	if (err)
		return err;
	if (!strcmp(w, "page"))
		err = ptsim_flush_tlb_page(mm, x);
	else if (!strcmp(w, "range"))
		err = ptsim_flush_tlb_range(mm, x, x + len, stride);
	else if (!strcmp(w, "pgtable"))
		err = ptsim_flush_tlb_pgtable(mm, x, x + len);
	else if (!strcmp(w, "mm"))
		err = ptsim_flush_tlb_mm(mm);
	else
		err = ptsim_flush_tlb_all(r->m);
	return err ? pts__fail_call(r, err, "flush") : 0;
}

/* 4096 -> "4K", 2M, 1G, 512G: the sizes a TLB entry covers. */
static const char *size_text(uint64_t bytes, char buf[24])
{
	static const char units[] = "KMGTPE";
	unsigned int u = 0;

	bytes >>= 10;
	while (bytes >= 1024 && !(bytes & 1023) && units[u + 1]) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, 24, "%llu%c", (unsigned long long)bytes, units[u]);
	return buf;
}

struct tlb_print {
	struct pts_runner *r;
	unsigned int leaves, walks;
	bool count_only;
};

static int tlb_print_one(const struct ptsim_tlb_entry_info *e, void *arg)
{
	struct tlb_print *tp = arg;
	struct pts_runner *r = tp->r;
	const char *name = "-";
	char size[24];

	if (e->walk)
		tp->walks++;
	else
		tp->leaves++;
	if (tp->count_only)
		return 0;
	for (unsigned int i = 0; i < r->nr_mms; i++)
		if (r->mms[i].mm == e->mm)
			name = r->mms[i].name;
	fprintf(r->out, "  %-4s %-3s %4s asid %llu (%s) 0x%012llx -> ", e->walk ? "walk" : "tlb",
		ptsim_arch_level_name(arch_of(r), e->level), size_text(e->size, size),
		(unsigned long long)e->asid, name, (unsigned long long)e->va);
	if (e->walk) {
		fprintf(r->out, "table pfn 0x%llx entry 0x%016llx", (unsigned long long)e->pfn,
			(unsigned long long)e->entry);
	} else {
		fprintf(r->out, "pa 0x%llx entry 0x%016llx [", (unsigned long long)e->pa,
			(unsigned long long)e->entry);
		pts__print_bits(r->out, &e->attrs);
		fprintf(r->out, "]");
	}
	fprintf(r->out, " set %u way %u\n", e->set, e->way);
	return 0;
}

/* tlb [CPU]: what one CPU's TLBs and walk caches hold (ptsim_tlb_entries()). */
static int cmd_tlb(struct pts_runner *r, struct pts_args *a)
{
	struct tlb_print tp = {.r = r, .count_only = true};
	uint64_t cpu = r->cpu;
	int err;

	ARGC_BETWEEN(r, a, 1, 2, "tlb [CPU]");
	if (a->argc == 2) {
		err = pts__value(r, a->argv[1], &cpu);
		if (err)
			return err;
		if (cpu > UINT32_MAX)
			cpu = UINT32_MAX; /* refused below, with the library's message */
	}
	err = ptsim_tlb_entries(r->m, (unsigned int)cpu, tlb_print_one, &tp);
	if (err)
		return pts__fail_call(r, err, "tlb");
	fprintf(r->out, "cpu %llu: %u TLB entr%s, %u walk-cache entr%s\n", (unsigned long long)cpu,
		tp.leaves, tp.leaves == 1 ? "y" : "ies", tp.walks, tp.walks == 1 ? "y" : "ies");
	tp.count_only = false;
	return ptsim_tlb_entries(r->m, (unsigned int)cpu, tlb_print_one, &tp);
}

struct rmap_print {
	struct pts_runner *r;
};

static int rmap_print_one(const struct ptsim_rmap_hit *hit, void *arg)
{
	struct pts_runner *r = ((struct rmap_print *)arg)->r;
	const char *name = "?";

	for (unsigned int i = 0; i < r->nr_mms; i++)
		if (r->mms[i].mm == hit->mm)
			name = r->mms[i].name;
	fprintf(r->out, "  %s 0x%llx %s entry 0x%016llx\n", name, (unsigned long long)hit->addr,
		ptsim_arch_level_name(arch_of(r), hit->level), (unsigned long long)hit->entry);
	return 0;
}

/* The PFN mapped at an address of the current address space. */
static int pfn_at(struct pts_runner *r, const char *what, const char *text, uint64_t *pfn)
{
	struct ptsim_translation t;
	uint64_t va;
	int err = pts__value(r, text, &va);

	if (err)
		return err;
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err)
		return pts__fail(r, err, "%s: nothing present is mapped at 0x%llx (%s)", what,
				 (unsigned long long)va, ptsim_strerror(err));
	*pfn = t.pfn;
	return 0;
}

/* rmap ADDR [unmap|mkclean|referenced] */
static int cmd_rmap(struct pts_runner *r, struct pts_args *a)
{
	struct rmap_print p = {.r = r};
	const char *op = a->argc > 2 ? a->argv[2] : "";
	uint64_t pfn = 0;
	long n;
	int err;

	ARGC_BETWEEN(r, a, 2, 3, "rmap ADDR [unmap|mkclean|referenced]");
	err = pfn_at(r, "rmap", a->argv[1], &pfn);
	if (err)
		return err;
	if (a->argc == 2) {
		fprintf(r->out, "rmap of pfn 0x%llx:\n", (unsigned long long)pfn);
		n = ptsim_rmap_walk(r->m, pfn, rmap_print_one, &p);
	} else if (!strcmp(op, "unmap"))
		n = ptsim_try_to_unmap(r->m, pfn);
	else if (!strcmp(op, "mkclean"))
		n = ptsim_folio_mkclean(r->m, pfn);
	else if (!strcmp(op, "referenced"))
		n = ptsim_folio_referenced(r->m, pfn);
	else
		return pts__fail(r, -EINVAL, "usage: rmap ADDR [unmap|mkclean|referenced]");
	if (n < 0)
		return pts__fail_call(r, (int)n, "rmap");
	fprintf(r->out, "rmap%s%s: %ld mapping%s\n", *op ? " " : "", op, n, n == 1 ? "" : "s");
	return 0;
}

static int cmd_clear_refs(struct pts_runner *r, struct pts_args *a)
{
	int err;

	ARGC_BETWEEN(r, a, 1, 1, "clear_refs");
	err = ptsim_clear_refs(pts__mm(r), PTSIM_CLEAR_REFS_SOFT_DIRTY);
	return err ? pts__fail_call(r, err, "clear_refs") : 0;
}

/* --- userfaultfd ----------------------------------------------------------- */

static int uffd_modes(struct pts_runner *r, const char *text, unsigned int *mode)
{
	*mode = 0;
	if (!strcmp(text, "missing"))
		*mode = PTSIM_UFFDIO_REGISTER_MODE_MISSING;
	else if (!strcmp(text, "wp"))
		*mode = PTSIM_UFFDIO_REGISTER_MODE_WP;
	else if (!strcmp(text, "missing,wp") || !strcmp(text, "wp,missing"))
		*mode = PTSIM_UFFDIO_REGISTER_MODE_MISSING | PTSIM_UFFDIO_REGISTER_MODE_WP;
	else if (!strcmp(text, "minor"))
		*mode = PTSIM_UFFDIO_REGISTER_MODE_MINOR;
	else if (!strcmp(text, "minor,wp") || !strcmp(text, "wp,minor"))
		*mode = PTSIM_UFFDIO_REGISTER_MODE_MINOR | PTSIM_UFFDIO_REGISTER_MODE_WP;
	else
		return pts__fail(r, -EINVAL,
				 "uffd: mode \"%s\" (missing, wp, missing,wp, minor or minor,wp)",
				 text);
	return 0;
}

const char *pts__mm_name(const struct pts_runner *r, const struct ptsim_mm *mm)
{
	for (unsigned int i = 0; i < r->nr_mms; i++)
		if (r->mms[i].mm == mm)
			return r->mms[i].name;
	return "?";
}

void pts__print_uffd_msg(struct pts_runner *r, const struct ptsim_uffd_msg *msg)
{
	FILE *f = r->out;

	if (msg->event == PTSIM_UFFD_EVENT_FORK) {
		fprintf(f, "uffd: fork %s\n", pts__mm_name(r, msg->child));
		return;
	}
	if (msg->event == PTSIM_UFFD_EVENT_REMOVE || msg->event == PTSIM_UFFD_EVENT_UNMAP) {
		fprintf(f, "uffd: %s [0x%llx, 0x%llx)\n",
			msg->event == PTSIM_UFFD_EVENT_REMOVE ? "remove" : "unmap",
			(unsigned long long)msg->address, (unsigned long long)msg->end);
		return;
	}
	fprintf(f, "uffd: pagefault at 0x%llx%s%s%s\n", (unsigned long long)msg->address,
		msg->flags & PTSIM_UFFD_PAGEFAULT_FLAG_WRITE ? " write" : " read",
		msg->flags & PTSIM_UFFD_PAGEFAULT_FLAG_WP ? " wp" : "",
		msg->flags & PTSIM_UFFD_PAGEFAULT_FLAG_MINOR ? " minor" : "");
}

/* UFFD_FEATURE_* by name, lower case without the prefix. */
static const struct {
	const char *name;
	uint64_t bit;
} uffd_features[] = {
	{"pagefault_flag_wp", PTSIM_UFFD_FEATURE_PAGEFAULT_FLAG_WP},
	{"event_fork", PTSIM_UFFD_FEATURE_EVENT_FORK},
	{"event_remap", PTSIM_UFFD_FEATURE_EVENT_REMAP},
	{"event_remove", PTSIM_UFFD_FEATURE_EVENT_REMOVE},
	{"missing_hugetlbfs", PTSIM_UFFD_FEATURE_MISSING_HUGETLBFS},
	{"missing_shmem", PTSIM_UFFD_FEATURE_MISSING_SHMEM},
	{"event_unmap", PTSIM_UFFD_FEATURE_EVENT_UNMAP},
	{"sigbus", PTSIM_UFFD_FEATURE_SIGBUS},
	{"thread_id", PTSIM_UFFD_FEATURE_THREAD_ID},
	{"minor_hugetlbfs", PTSIM_UFFD_FEATURE_MINOR_HUGETLBFS},
	{"minor_shmem", PTSIM_UFFD_FEATURE_MINOR_SHMEM},
	{"exact_address", PTSIM_UFFD_FEATURE_EXACT_ADDRESS},
	{"wp_hugetlbfs_shmem", PTSIM_UFFD_FEATURE_WP_HUGETLBFS_SHMEM},
	{"wp_unpopulated", PTSIM_UFFD_FEATURE_WP_UNPOPULATED},
	{"poison", PTSIM_UFFD_FEATURE_POISON},
	{"wp_async", PTSIM_UFFD_FEATURE_WP_ASYNC},
	{"move", PTSIM_UFFD_FEATURE_MOVE},
};

static void print_uffd_features(FILE *f, uint64_t bits)
{
	const char *sep = "";

	for (size_t i = 0; i < sizeof(uffd_features) / sizeof(uffd_features[0]); i++)
		if (bits & uffd_features[i].bit) {
			fprintf(f, "%s%s", sep, uffd_features[i].name);
			sep = ",";
		}
	fprintf(f, "%s\n", *sep ? "" : "none");
}

/* uffd api [FEATURE,...]: the handshake; prints what the model supports and what is on. */
static int uffd_api(struct pts_runner *r, struct pts_args *a, struct ptsim_mm *mm)
{
	uint64_t want = 0, got;
	int err;

	ARGC_BETWEEN(r, a, 2, 3, "uffd api [FEATURE,...]");
	if (a->argc == 3 && strcmp(a->argv[2], "none")) {
		char list[256], *save = NULL;

		snprintf(list, sizeof(list), "%s", a->argv[2]);
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			size_t i = 0, n = sizeof(uffd_features) / sizeof(uffd_features[0]);

			while (i < n && strcmp(t, uffd_features[i].name))
				i++;
			if (i == n)
				return pts__fail(r, -EINVAL,
						 "uffd api: unknown feature \"%s\" (names as "
						 "UFFD_FEATURE_*, lower case: exact_address, ...)",
						 t);
			want |= uffd_features[i].bit;
		}
	}
	got = want;
	err = ptsim_uffdio_api(mm, PTSIM_UFFD_API, &got);
	if (err)
		return pts__fail_call(r, err, "uffd api");
	fprintf(r->out, "uffd: features supported: ");
	print_uffd_features(r->out, got);
	fprintf(r->out, "uffd: features enabled: ");
	print_uffd_features(r->out, ptsim_uffd_features(mm));
	return 0;
}

/* uffd serve ADDR read|write [MAX]: the access with a monitor resolving its faults. */
static int uffd_serve(struct pts_runner *r, struct pts_args *a, struct ptsim_mm *mm)
{
	struct ptsim_uffd_serve_result out;
	uint64_t va, max = 0;
	unsigned int kind;
	int err;

	if (a->argc < 4 || a->argc > 5 ||
	    (strcmp(a->argv[3], "read") && strcmp(a->argv[3], "write")))
		return pts__fail(r, -EINVAL, "usage: uffd serve ADDR read|write [MAX]");
	kind = !strcmp(a->argv[3], "write") ? PTSIM_ACCESS_WRITE : PTSIM_ACCESS_READ;
	err = pts__value(r, a->argv[2], &va);
	if (!err && a->argc == 5)
		err = pts__value(r, a->argv[4], &max);
	if (err)
		return err;
	if (max > 1000000)
		return pts__fail(r, -EINVAL, "uffd serve: MAX %llu is more than 1000000",
				 (unsigned long long)max);
	err = ptsim_uffd_serve(mm, r->cpu, va, kind, (unsigned int)max, &out);
	fprintf(r->out, "uffd: served %u fault%s (%u unprotected, %u copied)", out.rounds,
		out.rounds == 1 ? "" : "s", out.unprotected, out.copied);
	if (out.events)
		fprintf(r->out, ", %u other event%s", out.events, out.events == 1 ? "" : "s");
	if (err == -ELOOP) {
		fprintf(r->out, ": a userfault loop\n");
		return pts__fail_call(r, err, "uffd serve");
	}
	if (err) {
		fprintf(r->out, "\n");
		return pts__fail_call(r, err, "uffd serve");
	}
	fprintf(r->out, ", then the %s %s\n", a->argv[3],
		out.access.signal
			? (out.access.signal == PTSIM_SIGBUS ? "got SIGBUS" : "got SIGSEGV")
			: "completed");
	r->last = out.access;
	r->have_access = true;
	return 0;
}

static int cmd_uffd(struct pts_runner *r, struct pts_args *a)
{
	static const char usage[] =
		"uffd api [FEATURE,...] | register ADDR LEN MODE | unregister ADDR LEN | read | "
		"copy ADDR LEN [wp] | zeropage ADDR LEN | continue ADDR LEN [wp] | "
		"poison ADDR LEN | wp ADDR LEN on|off | serve ADDR read|write [MAX] | close";
	struct ptsim_mm *mm = pts__mm(r);
	const char *op = a->argc > 1 ? a->argv[1] : "";
	uint64_t start = 0, len = 0;
	unsigned int mode = 0;
	int err = 0;

	if (!strcmp(op, "api"))
		return uffd_api(r, a, mm);
	if (!strcmp(op, "serve"))
		return uffd_serve(r, a, mm);
	if (!strcmp(op, "close")) {
		ARGC_BETWEEN(r, a, 2, 2, "uffd close");
		err = ptsim_uffd_close(mm);
		return err ? pts__fail_call(r, err, "uffd close") : 0;
	}
	if (!strcmp(op, "read")) {
		struct ptsim_uffd_msg msg;

		ARGC_BETWEEN(r, a, 2, 2, "uffd read");
		err = ptsim_uffd_read(mm, &msg);
		if (err)
			return pts__fail_call(r, err, "uffd read");
		pts__print_uffd_msg(r, &msg);
		return 0;
	}
	if (a->argc < 4)
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	err = range_args(r, a, 2, &start, &len);
	if (err)
		return err;
	if (!strcmp(op, "register") && a->argc == 5) {
		err = uffd_modes(r, a->argv[4], &mode);
		if (!err)
			err = ptsim_uffd_register(mm, start, len, mode);
	} else if (!strcmp(op, "unregister") && a->argc == 4) {
		err = ptsim_uffd_unregister(mm, start, len);
	} else if (!strcmp(op, "copy") && (a->argc == 4 || a->argc == 5)) {
		if (a->argc == 5 && strcmp(a->argv[4], "wp"))
			return pts__fail(r, -EINVAL, "usage: uffd copy ADDR LEN [wp]");
		err = ptsim_uffdio_copy(mm, start, len,
					a->argc == 5 ? PTSIM_UFFDIO_COPY_MODE_WP : 0);
	} else if (!strcmp(op, "zeropage") && a->argc == 4) {
		err = ptsim_uffdio_zeropage(mm, start, len);
	} else if (!strcmp(op, "continue") && (a->argc == 4 || a->argc == 5)) {
		if (a->argc == 5 && strcmp(a->argv[4], "wp"))
			return pts__fail(r, -EINVAL, "usage: uffd continue ADDR LEN [wp]");
		err = ptsim_uffdio_continue(mm, start, len,
					    a->argc == 5 ? PTSIM_UFFDIO_CONTINUE_MODE_WP : 0);
	} else if (!strcmp(op, "poison") && a->argc == 4) {
		err = ptsim_uffdio_poison(mm, start, len, 0);
	} else if (!strcmp(op, "wp") && a->argc == 5 &&
		   (!strcmp(a->argv[4], "on") || !strcmp(a->argv[4], "off"))) {
		err = ptsim_uffdio_writeprotect(
			mm, start, len,
			!strcmp(a->argv[4], "on") ? PTSIM_UFFDIO_WRITEPROTECT_MODE_WP : 0);
	} else {
		return pts__fail(r, -EINVAL, "usage: %s", usage);
	}
	if (err && !r->err[0]) {
		char what[32];

		snprintf(what, sizeof(what), "uffd %s", op);
		return pts__fail_call(r, err, what);
	}
	return err;
}

/* --- knobs ----------------------------------------------------------------- */

static void print_knobs(struct pts_runner *r)
{
	static const char *const names[PTSIM_NR_LEVELS] = {"pgd", "p4d", "pud", "pmd", "pte"};

	pts_knobs_values(r->out, ptsim_machine_config(r->m));
	fprintf(r->out, "tlb:");
	for (int l = PTSIM_PUD; l < PTSIM_NR_LEVELS; l++)
		fprintf(r->out, " tlb.%s=%u/%u", names[l], r->tlb.entries[l], r->tlb.ways[l]);
	fprintf(r->out, " tlb.walk=%u\n", r->tlb.walk_cache_entries);
}

/* One tlb.LEVEL=ENTRIES/WAYS or tlb.walk=N setting into @tlb; @arg is modified. */
static int knob_tlb(struct pts_runner *r, char *arg, struct ptsim_tlb_config *tlb)
{
	char *eq = strchr(arg, '='), *slash;
	enum ptsim_level lvl;
	uint64_t entries, ways = 0;
	int err;

	*eq = '\0';
	if (!strcmp(arg + 4, "walk")) {
		err = pts__value(r, eq + 1, &entries);
		if (err)
			return err;
		if (entries > 65536)
			return pts__fail(r, -EINVAL, "knob: tlb.walk at most 65536");
		tlb->walk_cache_entries = (unsigned int)entries;
		return 0;
	}
	err = pts__level(r, arg + 4, &lvl);
	if (err)
		return err;
	slash = strchr(eq + 1, '/');
	if (slash)
		*slash = '\0';
	err = pts__value(r, eq + 1, &entries);
	if (!err && slash)
		err = pts__value(r, slash + 1, &ways);
	if (err)
		return err;
	if (entries > 65536 || ways > 65536)
		return pts__fail(r, -EINVAL, "knob: at most 65536 entries");
	tlb->entries[lvl] = (unsigned int)entries;
	tlb->ways[lvl] = slash ? (unsigned int)ways : (unsigned int)entries;
	return 0;
}

/*
 * knob NAME=VALUE ...: a runtime knob of the registry (ptsim_knob_set()), or
 * the TLB geometry (tlb.LEVEL=ENTRIES/WAYS, tlb.walk=N; empties the TLBs).
 * Every setting is checked before any applies.
 */
static int cmd_knob(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_tlb_config tlb = r->tlb;
	struct ptsim_config check = *ptsim_machine_config(r->m);
	bool tlb_changed = false;
	char msg[160];
	int err;

	if (a->argc < 2)
		return pts__fail(r, -EINVAL,
				 "usage: knob NAME=VALUE ... (ptsim knobs lists them; tlb.pte=E/W, "
				 "tlb.pmd=.., tlb.pud=.., tlb.walk=N set the TLB geometry)");
	for (int i = 1; i < a->argc; i++) {
		const char *eq = strchr(a->argv[i], '=');
		const struct ptsim_knob_info *k;
		char name[64];

		if (!eq || eq == a->argv[i] || (size_t)(eq - a->argv[i]) >= sizeof(name))
			return pts__fail(r, -EINVAL, "knob: \"%s\" is not NAME=VALUE", a->argv[i]);
		if (!strncmp(a->argv[i], "tlb.", 4)) {
			err = knob_tlb(r, a->argv[i], &tlb);
			if (err)
				return err;
			tlb_changed = true;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - a->argv[i]), a->argv[i]);
		k = ptsim_knob_lookup(name);
		if (!k)
			return pts__fail(r, -EINVAL,
					 "knob: unknown knob \"%s\" (ptsim knobs lists them)",
					 name);
		if (!k->runtime)
			return pts__fail(r, -EBUSY,
					 "knob: %s is fixed at machine creation: machine CONFIG %s",
					 name, a->argv[i]);
		if (ptsim_config_set(&check, a->argv[i], msg, sizeof(msg)))
			return pts__fail(r, -EINVAL, "knob: %s", msg + strlen("config: "));
	}
	for (int i = 1; i < a->argc; i++) {
		char *eq = strchr(a->argv[i], '=');

		if (!strncmp(a->argv[i], "tlb.", 4))
			continue;
		*eq = '\0';
		err = ptsim_knob_set(r->m, a->argv[i], eq + 1);
		*eq = '=';
		if (err)
			return pts__fail_call(r, err, "knob");
	}
	if (tlb_changed) {
		err = ptsim_tlb_configure(r->m, &tlb);
		if (err)
			return pts__fail_call(r, err, "knob");
		r->tlb = tlb;
	}
	return 0;
}

/* knobs [NAME...]: every knob and the TLB geometry, or the named knobs on one line. */
static int cmd_knobs(struct pts_runner *r, struct pts_args *a)
{
	char val[64];

	if (a->argc == 1) {
		print_knobs(r);
		return 0;
	}
	for (int i = 1; i < a->argc; i++)
		if (ptsim_knob_get(r->m, a->argv[i], val, sizeof(val)))
			return pts__fail(r, -EINVAL,
					 "knobs: unknown knob \"%s\" (ptsim knobs lists them)",
					 a->argv[i]);
	for (int i = 1; i < a->argc; i++)
		if (!ptsim_knob_get(r->m, a->argv[i], val, sizeof(val)))
			fprintf(r->out, "%s%s=%s", i > 1 ? " " : "", a->argv[i], val);
	fputc('\n', r->out);
	return 0;
}

/* --- cost ----------------------------------------------------------------- */

/* cost COMMAND ...: run a command and print the modelled work it did (the cost ledger). */
static int cmd_cost(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_machine *m = r->m;
	struct ptsim_cost_scope sc;
	struct ptsim_cost c;
	int err;

	if (a->argc < 2)
		return pts__fail(r, -EINVAL, "usage: cost COMMAND [ARGS...]");
	if (!strcmp(a->argv[1], "machine") || !strcmp(a->argv[1], "cost"))
		return pts__fail(r, -EINVAL, "cost: %s cannot be costed", a->argv[1]);
	ptsim_cost_begin(m, &sc);
	err = pts__dispatch(r, a, 1);
	if (err)
		return err;
	ptsim_cost_end(m, &sc, &c);
	r->last_cost = c;
	r->have_cost = true;
	fprintf(r->out, "cost: ");
	if (!pts_cost_print(r->out, &c))
		fprintf(r->out, "nothing");
	fputc('\n', r->out);
	return 0;
}

/* --- hugetlb pools ---------------------------------------------------------- */

/*
 * hugetlb info: one line per pool, as /sys/kernel/mm/hugepages/hugepages-*kB
 * shows it (nr_hugepages counts the surplus pages too).
 */
static int hugetlb_info(struct pts_runner *r)
{
	uint64_t sizes[8];
	unsigned int n = ptsim_arch_hugetlb_sizes(ptsim_machine_arch(r->m), sizes, 8);

	for (unsigned int i = 0; i < n && i < 8; i++) {
		struct ptsim_hstate_info hi;

		if (ptsim_hugetlb_info(r->m, sizes[i], &hi))
			return pts__fail_call(r, -EINVAL, "hugetlb");
		fprintf(r->out,
			"hugepages-%llukB: nr_hugepages %llu free_hugepages %llu resv_hugepages "
			"%llu "
			"surplus_hugepages %llu nr_overcommit_hugepages %llu\n",
			(unsigned long long)(hi.size >> 10),
			(unsigned long long)(hi.nr_hugepages + hi.surplus_hugepages),
			(unsigned long long)hi.free_hugepages,
			(unsigned long long)hi.resv_hugepages,
			(unsigned long long)hi.surplus_hugepages,
			(unsigned long long)hi.nr_overcommit_hugepages);
	}
	return 0;
}

/* hugetlb pool|overcommit SIZE N | info */
static int cmd_hugetlb(struct pts_runner *r, struct pts_args *a)
{
	uint64_t size, n;
	int err;

	if (a->argc == 2 && !strcmp(a->argv[1], "info"))
		return hugetlb_info(r);
	if (a->argc != 4 || (strcmp(a->argv[1], "pool") && strcmp(a->argv[1], "overcommit")))
		return pts__fail(r, -EINVAL, "usage: hugetlb pool|overcommit SIZE N | info");
	err = pts__value(r, a->argv[2], &size);
	if (!err)
		err = pts__value(r, a->argv[3], &n);
	if (err)
		return err;
	if (!strcmp(a->argv[1], "pool")) {
		struct ptsim_hstate_info hi;

		err = ptsim_hugetlb_info(r->m, size, &hi);
		if (!err)
			err = ptsim_hugetlb_set_nr(r->m, size, n);
		/* nr_hugepages keeps what it could add; the command is all or nothing. */
		if (err == -ENOMEM && ptsim_hugetlb_set_nr(r->m, size, hi.nr_hugepages))
			return pts__fail(r, -EIO, "hugetlb: could not undo after a failure");
	} else
		err = ptsim_hugetlb_set_overcommit(r->m, size, n);
	return err ? pts__fail_call(r, err, "hugetlb") : 0;
}

/* ftruncate FILE SIZE */
static int cmd_ftruncate(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_file *f;
	uint64_t size;
	int err;

	ARGC_BETWEEN(r, a, 3, 3, "ftruncate FILE SIZE");
	f = pts__file_by_name(r, a->argv[1]);
	if (!f)
		return pts__fail(r, -ENOENT, "no file \"%s\"", a->argv[1]);
	err = pts__value(r, a->argv[2], &size);
	if (err)
		return err;
	err = ptsim_ftruncate(f, size);
	return err ? pts__fail_call(r, err, "ftruncate") : 0;
}

/* --- kernel ------------------------------------------------------------------ */

/* kernel layout | ptdump: the kernel address space (init_mm, knob kernel_mm). */
static int cmd_kernel(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_kernel_layout l;
	long n;
	int err;

	if (a->argc == 4 && !strcmp(a->argv[1], "vmalloc")) {
		uint64_t len, addr;

		err = pts__value(r, a->argv[3], &len);
		if (err)
			return err;
		err = ptsim_kernel_vmalloc(r->m, len, &addr);
		if (err)
			return pts__fail_call(r, err, "kernel vmalloc");
		return pts__set_var(r, a->argv[2], addr);
	}
	if (a->argc == 4 &&
	    (!strcmp(a->argv[1], "add_memory") || !strcmp(a->argv[1], "remove_memory"))) {
		uint64_t start, len;

		err = pts__value(r, a->argv[2], &start);
		if (!err)
			err = pts__value(r, a->argv[3], &len);
		if (err)
			return err;
		err = a->argv[1][0] == 'a' ? ptsim_kernel_add_memory(r->m, start, len)
					   : ptsim_kernel_remove_memory(r->m, start, len);
		return err ? pts__fail_call(r, err, a->argv[1]) : 0;
	}
	if (a->argc == 3 && (!strcmp(a->argv[1], "vfree") || !strcmp(a->argv[1], "read") ||
			     !strcmp(a->argv[1], "write"))) {
		uint64_t addr, pa;

		err = pts__value(r, a->argv[2], &addr);
		if (err)
			return err;
		if (!strcmp(a->argv[1], "vfree")) {
			err = ptsim_kernel_vfree(r->m, addr);
			return err ? pts__fail_call(r, err, "kernel vfree") : 0;
		}
		err = ptsim_kernel_access(
			r->m, r->cpu, addr,
			a->argv[1][0] == 'r' ? PTSIM_ACCESS_READ : PTSIM_ACCESS_WRITE, &pa);
		if (err)
			return pts__fail_call(r, err, "kernel access");
		fprintf(r->out, "kernel %s 0x%llx on cpu %u: pa 0x%llx\n", a->argv[1],
			(unsigned long long)addr, r->cpu, (unsigned long long)pa);
		return 0;
	}
	if (a->argc != 2 || (strcmp(a->argv[1], "layout") && strcmp(a->argv[1], "ptdump")))
		return pts__fail(
			r, -EINVAL,
			"usage: kernel layout | ptdump | vmalloc NAME LEN | vfree ADDR | "
			"read ADDR | write ADDR | add_memory PA LEN | remove_memory PA LEN");
	if (!strcmp(a->argv[1], "ptdump")) {
		n = ptsim_kernel_ptdump(r->m, r->out);
		return n < 0 ? pts__fail_call(r, (int)n, "kernel ptdump") : 0;
	}
	err = ptsim_kernel_layout(r->m, &l);
	if (err)
		return pts__fail_call(r, err, "kernel layout");
	fprintf(r->out,
		"linear map 0x%016llx-0x%016llx (phys 0x%llx at its start, %llu bytes mapped)\n"
		"vmalloc    0x%016llx-0x%016llx\n"
		"vmemmap    0x%016llx-0x%016llx (%llu pages in leaves of 0x%llx)\n"
		"vmalloc'd  %llu pages\n",
		(unsigned long long)l.page_offset, (unsigned long long)l.page_end,
		(unsigned long long)l.phys_offset, (unsigned long long)l.linear_bytes,
		(unsigned long long)l.vmalloc_start, (unsigned long long)l.vmalloc_end,
		(unsigned long long)l.vmemmap_start, (unsigned long long)l.vmemmap_end,
		(unsigned long long)l.vmemmap_pages, (unsigned long long)l.vmemmap_leaf,
		(unsigned long long)l.vmalloc_pages);
	fprintf(r->out, "tables    ");
	for (int i = 0; i < PTSIM_NR_LEVELS; i++)
		if (l.nr_tables[i])
			fprintf(r->out, " %s=%llu",
				ptsim_arch_level_name(ptsim_machine_arch(r->m),
						      (enum ptsim_level)i),
				(unsigned long long)l.nr_tables[i]);
	fputc('\n', r->out);
	return 0;
}

/* --- the table ------------------------------------------------------------- */

#define M  true
#define MM true
#define NO false

const struct pts_cmd pts__cmds[] = {
	{"machine", "machine CONFIG [key=value,...]",
	 "new machine (x86_64-4l, arm64-4k-48, ...; keys phys, ncpus, mmu.hw_af, ...)", cmd_machine,
	 NO, NO},
	{"knob", "knob NAME=VALUE ... | tlb.LEVEL=ENTRIES/WAYS | tlb.walk=N",
	 "set runtime knobs (thp.enabled, zero_page, compat.*, ...) or the TLB geometry", cmd_knob,
	 M, NO},
	{"knobs", "knobs [NAME...]",
	 "print every knob of the machine and the TLB geometry, or the named knobs", cmd_knobs, M,
	 NO},
	{"mm", "mm NAME", "new address space, made current", cmd_mm, M, NO},
	{"use", "use NAME", "make an address space current", cmd_use, M, NO},
	{"exit", "exit NAME", "destroy an address space (exit_mmap)", cmd_exit, M, NO},
	{"cpu", "cpu N", "run later accesses on CPU N", cmd_cpu, M, NO},
	{"file", "file NAME SIZE", "new regular file (page cache, writeback)", cmd_file, M, NO},
	{"memfd", "memfd NAME SIZE [hugetlb[=SIZE]]",
	 "new shmem file (memfd_create), or a hugetlbfs one (MFD_HUGETLB)", cmd_file, M, NO},
	{"close", "close FILE", "drop the script's reference to a file", cmd_close, M, NO},
	{"mmap",
	 "mmap NAME LEN PROT private|shared [anon] [fixed|noreplace] [at A] [file F] [pgoff N] "
	 "[hugetlb[=SIZE]] [noreserve]",
	 "map memory (hugetlb: MAP_HUGETLB pages of SIZE); NAME gets the address", cmd_mmap, M, MM},
	{"munmap", "munmap ADDR LEN", "unmap (split VMAs, zap, free tables)", cmd_munmap, M, MM},
	{"mprotect", "mprotect ADDR LEN PROT", "change protection", cmd_mprotect, M, MM},
	{"madvise", "madvise ADDR LEN dontneed|free|hugepage|nohugepage",
	 "zap a range keeping the VMAs, lazy-free it, or set VM_HUGEPAGE / VM_NOHUGEPAGE",
	 cmd_madvise, M, MM},
	{"split_huge_pmd", "split_huge_pmd ADDR [nobbm]",
	 "map the THP at ADDR with PTEs (nobbm: skip pmdp_invalidate, a break-before-make bug)",
	 cmd_split_huge_pmd, M, MM},
	{"split_huge_page", "split_huge_page ADDR [ORDER]",
	 "split the large folio at ADDR into folios of ORDER (default 0)", cmd_split_huge_page, M,
	 MM},
	{"pin", "pin ADDR", "pin the page mapped at ADDR (pin_user_pages, FOLL_PIN)", cmd_pin, M,
	 MM},
	{"unpin", "unpin ADDR", "drop a pin of the page mapped at ADDR", cmd_pin, M, MM},
	{"lockless", "lockless begin|step|recheck|write|end NAME [ADDR|all|ENTRY]",
	 "a lockless (GUP-fast) walk: one level per step, a pmd_same() recheck, a write through "
	 "its table pointer",
	 cmd_lockless, M, MM},
	{"fork", "fork CHILD", "copy the current address space (COW)", cmd_fork, M, MM},
	{"read", "read ADDR [LEN]", "read each page of the range from the current CPU", cmd_access,
	 M, MM},
	{"write", "write ADDR [LEN]", "write each page of the range", cmd_access, M, MM},
	{"exec", "exec ADDR [LEN]", "fetch instructions from each page", cmd_access, M, MM},
	{"translate", "translate ADDR", "walk the tables for one address", cmd_translate, M, MM},
	{"ptdump", "ptdump [ADDR LEN]", "the kernel's ptdump of the tables", cmd_ptdump, M, MM},
	{"pagemap", "pagemap ADDR [LEN]", "/proc/PID/pagemap words", cmd_pagemap, M, MM},
	{"vmas", "vmas", "the VMAs, as /proc/PID/maps shows them", cmd_vmas, M, MM},
	{"stats", "stats [NAME...]",
	 "every statistic as one JSON object, or the named ones on one line", cmd_stats, M, NO},
	{"check", "check [clear]",
	 "run the invariant checker and print its report, or forget the recorded violations",
	 cmd_check, M, NO},
	{"dot", "dot FILE.dot|.svg|.png [ADDR LEN]", "Graphviz picture of the page-table tree",
	 cmd_dot, M, MM},
	{"flush", "flush page A | range A LEN [LEVEL] | pgtable A LEN | mm | all",
	 "TLB flush primitives", cmd_flush, M, MM},
	{"tlb", "tlb [CPU]",
	 "the entries of a CPU's TLBs and walk caches (default: the current CPU)", cmd_tlb, M, NO},
	{"rmap", "rmap ADDR [unmap|mkclean|referenced]",
	 "reverse map of the folio at ADDR, or act on every mapping", cmd_rmap, M, MM},
	{"clear_refs", "clear_refs", "clear soft-dirty bits (echo 4 > clear_refs)", cmd_clear_refs,
	 M, MM},
	{"uffd",
	 "uffd api [FEATURE,...] | register A LEN missing|wp|missing,wp | unregister A LEN | read "
	 "| copy A LEN [wp] | "
	 "zeropage A LEN | continue A LEN [wp] | poison A LEN | wp A LEN on|off | serve A "
	 "read|write [MAX] | close",
	 "userfaultfd: register a range, read a message, resolve faults", cmd_uffd, M, MM},
	{"cost", "cost COMMAND [ARGS...]",
	 "run a command and print the work it did (entries, frames, tables, flushes, IPIs)",
	 cmd_cost, M, NO},
	{"set", "set NAME VALUE | NAME pa|pfn|entry|pagemap ADDR | NAME stat STAT",
	 "define a name, or capture a value from the model", cmd_set, NO, NO},
	{"print", "print VALUE...", "print values", cmd_print, NO, NO},
	{"say", "say TEXT", "print a line of explanation", cmd_say, NO, NO},
	{"echo", "echo on|off", "echo each command and the outcome of each access", cmd_echo, NO,
	 NO},
	{"help", "help [COMMAND]", "this list, or one command", cmd_help, NO, NO},
	{"expect", "expect WHAT ...",
	 "assert: translate, entry, stat, value, signal, fault, faults, check, error, pagemap, "
	 "vma, uffd, ptref (help expect)",
	 pts__cmd_expect, NO, NO},
	{"ptref", "ptref show [MM] | table A | rank | reclaim [MM|all] [TARGET] | stats",
	 "EXPERIMENTAL (knob pt_reclaim.rfc, the 2022 RFC, never merged): empty and zero-page PTE "
	 "tables, the ranking, reclaim largest first",
	 pts__cmd_ptref, M, NO},
	{"ftruncate", "ftruncate FILE SIZE",
	 "resize a hugetlbfs file (unmap and free the pages past the end)", cmd_ftruncate, M, NO},
	{"hugetlb", "hugetlb pool|overcommit SIZE N | info",
	 "set a hugetlb pool's nr_hugepages or nr_overcommit_hugepages, or print every pool",
	 cmd_hugetlb, M, NO},
	{"kernel",
	 "kernel layout | ptdump | vmalloc NAME LEN | vfree ADDR | read ADDR | write ADDR",
	 "the kernel address space (init_mm, knob kernel_mm): layout and tables, ptdump with the "
	 "region markers, vmalloc/vfree, kernel-mode accesses from the current CPU",
	 cmd_kernel, M, NO},
	{NULL, NULL, NULL, NULL, NO, NO},
};
