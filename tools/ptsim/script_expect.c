// SPDX-License-Identifier: MIT
/*
 * script_expect.c - `expect` lines: the assertions that make a scenario a
 * self-checking test.  Each form reads the model without changing it (except
 * `expect error`, which runs a command that must fail and so changes
 * nothing, and `expect uffd`, which consumes one message) and fails the line
 * with a message saying what was expected and what was found.
 *
 *   expect translate ADDR -> PA | hole | notpresent  [level L] [size S]
 *   expect entry ADDR [level L] [BIT | !BIT]... [== VALUE] [pfn V]
 *   expect stat NAME OP VALUE                     OP: == != < <= > >=
 *   expect cost NAME OP VALUE                     (the last `cost COMMAND`)
 *   expect value X OP Y                           (two values, e.g. captured with set)
 *   expect signal none | SIGSEGV [MAPERR|ACCERR] | SIGBUS [ADRERR|MCEERR_AR]
 *   expect fault none | [!]NAME...                (VM_FAULT_* of the last access)
 *   expect faults N                               (faults taken by the last access)
 *   expect check clean | CODE...
 *   expect error ERRNO COMMAND ...
 *   expect pagemap ADDR == WORD | [!]FLAG... [pfn V]
 *   expect vma ADDR PERMS [START END] | none
 *   expect uffd ADDR read|write [wp] | fork CHILD | none
 *   expect ptref NAME OP VALUE
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script_int.h"
#include "stats.h"

static const char *const level_names[PTSIM_NR_LEVELS] = {"pgd", "p4d", "pud", "pmd", "pte"};

static int usage(struct pts_runner *r, const char *form)
{
	return pts__fail(r, -EINVAL, "usage: expect %s", form);
}

static int unmet(struct pts_runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int unmet(struct pts_runner *r, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pts__fail(r, -EDOM, "expectation failed: %s", buf);
}

static int need(struct pts_runner *r, bool machine, bool mm)
{
	if (machine && !r->m)
		return pts__fail(r, -EINVAL, "expect: no machine yet");
	if (mm && !pts__mm(r))
		return pts__fail(r, -EINVAL, "expect: no address space yet");
	return 0;
}

/* expect translate ADDR -> PA | hole | notpresent [level L] [size S] */
static int ex_translate(struct pts_runner *r, struct pts_args *a)
{
	static const char form[] = "translate ADDR -> PA | hole | notpresent [level L] [size S]";
	struct ptsim_translation t;
	uint64_t va, pa = 0, size = 0;
	enum ptsim_level lvl = PTSIM_PTE;
	bool want_level = false;
	int i, err, want;

	if (a->argc < 4)
		return usage(r, form);
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	i = 3;
	if (!strcmp(a->argv[i], "->") && i + 1 < a->argc) {
		err = pts__value(r, a->argv[i + 1], &pa);
		want = 0;
		i += 2;
	} else if (!strcmp(a->argv[i], "hole")) {
		want = -ENOENT;
		i++;
	} else if (!strcmp(a->argv[i], "notpresent")) {
		want = -EFAULT;
		i++;
	} else {
		return usage(r, form);
	}
	for (; !err && i < a->argc; i += 2) {
		if (i + 1 >= a->argc)
			return usage(r, form);
		if (!strcmp(a->argv[i], "level")) {
			want_level = true;
			err = pts__level(r, a->argv[i + 1], &lvl);
		} else if (!strcmp(a->argv[i], "size")) {
			err = pts__value(r, a->argv[i + 1], &size);
		} else {
			return usage(r, form);
		}
	}
	if (err)
		return err;
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err == -EINVAL)
		return pts__fail_call(r, err, "translate");
	if (err != want) {
		const char *got = err == 0	   ? "a present mapping"
				  : err == -ENOENT ? "a hole"
						   : "a non-present entry";
		if (err == 0)
			return unmet(r, "translate 0x%llx: expected %s, found pa 0x%llx",
				     (unsigned long long)va,
				     want == -ENOENT ? "a hole" : "notpresent",
				     (unsigned long long)t.pa);
		return unmet(r, "translate 0x%llx: expected %s, found %s (entry 0x%llx at %s)",
			     (unsigned long long)va,
			     want == 0	       ? "a present mapping"
			     : want == -ENOENT ? "a hole"
					       : "notpresent",
			     got, (unsigned long long)t.entry, level_names[t.level]);
	}
	if (want == 0 && t.pa != pa)
		return unmet(r, "translate 0x%llx: expected pa 0x%llx, found pa 0x%llx",
			     (unsigned long long)va, (unsigned long long)pa,
			     (unsigned long long)t.pa);
	if (want_level && t.level != lvl)
		return unmet(r, "translate 0x%llx: expected the %s level, found %s",
			     (unsigned long long)va, level_names[lvl], level_names[t.level]);
	if (size && t.page_size != size)
		return unmet(r, "translate 0x%llx: expected size 0x%llx, found 0x%llx",
			     (unsigned long long)va, (unsigned long long)size,
			     (unsigned long long)t.page_size);
	return 0;
}

static const struct pts_bit *find_bit(const char *name)
{
	for (const struct pts_bit *b = pts__entry_bits; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

/* expect entry ADDR [level L] [BIT | !BIT]... [== VALUE] [pfn V] */
static int ex_entry(struct pts_runner *r, struct pts_args *a)
{
	static const char form[] = "entry ADDR [level L] [BIT | !BIT]... [== VALUE] [pfn V]";
	struct ptsim_translation t;
	enum ptsim_level lvl;
	uint64_t va, v;
	int err;

	if (a->argc < 4)
		return usage(r, form);
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	err = ptsim_translate(pts__mm(r), va, &t);
	if (err == -EINVAL)
		return pts__fail_call(r, err, "translate");
	for (int i = 3; i < a->argc; i++) {
		const char *w = a->argv[i];
		bool neg = w[0] == '!';
		const struct pts_bit *b = find_bit(w + neg);

		if (b) {
			bool set = *(const bool *)((const char *)&t.attrs + b->offset);

			if (set == neg)
				return unmet(r, "entry for 0x%llx (0x%016llx at %s): %s is %s",
					     (unsigned long long)va, (unsigned long long)t.entry,
					     level_names[t.level], b->name, set ? "set" : "clear");
			continue;
		}
		if (i + 1 >= a->argc)
			return pts__fail(r, -EINVAL, "expect entry: unknown bit \"%s\"; usage: %s",
					 w, form);
		if (!strcmp(w, "level")) {
			err = pts__level(r, a->argv[++i], &lvl);
			if (err)
				return err;
			if (t.level != lvl)
				return unmet(r, "entry for 0x%llx: expected at %s, found at %s",
					     (unsigned long long)va, level_names[lvl],
					     level_names[t.level]);
		} else if (!strcmp(w, "==")) {
			err = pts__value(r, a->argv[++i], &v);
			if (err)
				return err;
			if (t.entry != v)
				return unmet(
					r, "entry for 0x%llx: expected 0x%016llx, found 0x%016llx",
					(unsigned long long)va, (unsigned long long)v,
					(unsigned long long)t.entry);
		} else if (!strcmp(w, "pfn")) {
			err = pts__value(r, a->argv[++i], &v);
			if (err)
				return err;
			if (!(t.attrs.leaf || t.attrs.protnone) || t.attrs.pfn != v)
				return unmet(r,
					     "entry for 0x%llx: expected pfn 0x%llx, found 0x%llx",
					     (unsigned long long)va, (unsigned long long)v,
					     (unsigned long long)t.attrs.pfn);
		} else {
			return pts__fail(r, -EINVAL, "expect entry: unknown bit \"%s\"; usage: %s",
					 w, form);
		}
	}
	return 0;
}

static int compare(struct pts_runner *r, const char *op, uint64_t x, uint64_t y, bool *ok)
{
	if (!strcmp(op, "=="))
		*ok = x == y;
	else if (!strcmp(op, "!="))
		*ok = x != y;
	else if (!strcmp(op, "<"))
		*ok = x < y;
	else if (!strcmp(op, "<="))
		*ok = x <= y;
	else if (!strcmp(op, ">"))
		*ok = x > y;
	else if (!strcmp(op, ">="))
		*ok = x >= y;
	else
		return pts__fail(r, -EINVAL, "bad comparison \"%s\" (== != < <= > >=)", op);
	return 0;
}

/* Compare @x (the text @xs) with @y (@ys) by @op; an unmet comparison fails the line. */
static int expect_compare(struct pts_runner *r, const char *xs, uint64_t x, const char *op,
			  const char *ys, uint64_t y)
{
	bool ok = false;
	int err = compare(r, op, x, y, &ok);

	if (err || ok)
		return err;
	return unmet(r, "%s %s %s, but %s is %llu and %s is %llu", xs, op, ys, xs,
		     (unsigned long long)x, ys, (unsigned long long)y);
}

/* expect stat NAME OP VALUE */
static int ex_stat(struct pts_runner *r, struct pts_args *a)
{
	uint64_t have, want;
	int err;

	if (a->argc != 5)
		return usage(r, "stat NAME OP VALUE");
	err = pts_stat_get(r->m, pts__mm(r), a->argv[2], &have);
	if (err)
		return pts__fail(r, -EINVAL, "expect stat: unknown statistic \"%s\" (see `stats`)",
				 a->argv[2]);
	err = pts__value(r, a->argv[4], &want);
	return err ? err : expect_compare(r, a->argv[2], have, a->argv[3], a->argv[4], want);
}

/* expect cost NAME OP VALUE: a counter of the last `cost COMMAND`. */
static int ex_cost(struct pts_runner *r, struct pts_args *a)
{
	uint64_t have, want;
	int err;

	if (a->argc != 5)
		return usage(r, "cost NAME OP VALUE");
	if (!r->have_cost)
		return pts__fail(r, -EINVAL, "expect cost: no `cost COMMAND` has run yet");
	if (pts_cost_get(&r->last_cost, a->argv[2], &have))
		return pts__fail(
			r, -EINVAL,
			"expect cost: unknown counter \"%s\" (the \"cost\" group of `stats`)",
			a->argv[2]);
	err = pts__value(r, a->argv[4], &want);
	return err ? err : expect_compare(r, a->argv[2], have, a->argv[3], a->argv[4], want);
}

/* expect value X OP Y: compare two values (names, arithmetic). */
static int ex_value(struct pts_runner *r, struct pts_args *a)
{
	uint64_t x, y;
	int err;

	if (a->argc != 5)
		return usage(r, "value X OP Y");
	err = pts__value(r, a->argv[2], &x);
	if (!err)
		err = pts__value(r, a->argv[4], &y);
	return err ? err : expect_compare(r, a->argv[2], x, a->argv[3], a->argv[4], y);
}

static int need_access(struct pts_runner *r)
{
	if (!r->have_access)
		return pts__fail(r, -EINVAL, "expect: no access has been made yet");
	return 0;
}

/* expect signal none | SIGSEGV [MAPERR|ACCERR] | SIGBUS [ADRERR|MCEERR_AR] */
static int ex_signal(struct pts_runner *r, struct pts_args *a)
{
	static const char form[] =
		"signal none | SIGSEGV [MAPERR|ACCERR] | SIGBUS [ADRERR|MCEERR_AR]";
	static const struct {
		const char *name;
		int sig, code;
	} codes[] = {
		{"MAPERR", PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR},
		{"ACCERR", PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR},
		{"ADRERR", PTSIM_SIGBUS, PTSIM_BUS_ADRERR},
		{"MCEERR_AR", PTSIM_SIGBUS, PTSIM_BUS_MCEERR_AR},
	};
	const struct ptsim_access_result *l = &r->last;
	int sig, err = need_access(r);

	if (err)
		return err;
	if (a->argc < 3 || a->argc > 4)
		return usage(r, form);
	if (!strcmp(a->argv[2], "none"))
		sig = 0;
	else if (!strcmp(a->argv[2], "SIGSEGV"))
		sig = PTSIM_SIGSEGV;
	else if (!strcmp(a->argv[2], "SIGBUS"))
		sig = PTSIM_SIGBUS;
	else
		return usage(r, form);
	if (l->signal != sig)
		return unmet(r, "signal %s after the last access, but got %s", a->argv[2],
			     l->signal == PTSIM_SIGSEGV	 ? "SIGSEGV"
			     : l->signal == PTSIM_SIGBUS ? "SIGBUS"
							 : "none");
	if (a->argc == 4) {
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			if (strcmp(codes[i].name, a->argv[3]) || codes[i].sig != sig)
				continue;
			if (l->si_code != codes[i].code)
				return unmet(r, "si_code %s (%d), but got %d", codes[i].name,
					     codes[i].code, l->si_code);
			return 0;
		}
		return usage(r, form);
	}
	return 0;
}

static unsigned int fault_bit(const char *name)
{
	for (unsigned int bit = 1; bit && bit <= PTSIM_VM_FAULT_COMPLETED; bit <<= 1)
		if (!strcmp(ptsim_vm_fault_name(bit), name))
			return bit;
	return 0;
}

/* expect fault none | [!]NAME...   /   expect faults N */
static int ex_fault(struct pts_runner *r, struct pts_args *a)
{
	unsigned int fault = r->last.fault;
	int err = need_access(r);

	if (err)
		return err;
	if (a->argc < 3)
		return usage(r, "fault none | [!]NAME...");
	if (!strcmp(a->argv[2], "none") && a->argc == 3) {
		if (fault)
			goto bad;
		return 0;
	}
	for (int i = 2; i < a->argc; i++) {
		bool neg = a->argv[i][0] == '!';
		unsigned int bit = fault_bit(a->argv[i] + neg);

		if (!bit)
			return pts__fail(r, -EINVAL, "expect fault: unknown VM_FAULT name \"%s\"",
					 a->argv[i] + neg);
		if (!!(fault & bit) == neg)
			goto bad;
	}
	return 0;
bad : {
	char buf[200];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	buf[0] = '\0';
	if (f) {
		pts__print_fault(f, fault);
		fclose(f);
	}
	return unmet(r, "fault %s, but the last access's fault was %s", a->rest[2], buf);
}
}

static int ex_faults(struct pts_runner *r, struct pts_args *a)
{
	uint64_t n;
	int err = need_access(r);

	if (err)
		return err;
	if (a->argc != 3)
		return usage(r, "faults N");
	err = pts__value(r, a->argv[2], &n);
	if (err)
		return err;
	if (r->last.nr_faults != n)
		return unmet(r, "%llu faults in the last access, but it took %u",
			     (unsigned long long)n, r->last.nr_faults);
	return 0;
}

/* expect check clean | CODE... */
static int ex_check(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_check_report *rep;
	bool want[PTSIM_CHK_NR_CODES] = {false};
	int n, err = need(r, true, false);

	if (err)
		return err;
	if (a->argc < 3)
		return usage(r, "check clean | CODE...");
	if (!(a->argc == 3 && !strcmp(a->argv[2], "clean"))) {
		for (int i = 2; i < a->argc; i++) {
			int c;

			for (c = 0; c < PTSIM_CHK_NR_CODES; c++)
				if (!strcmp(ptsim_check_code_name((enum ptsim_check_code)c),
					    a->argv[i]))
					break;
			if (c == PTSIM_CHK_NR_CODES)
				return pts__fail(r, -EINVAL, "expect check: unknown code \"%s\"",
						 a->argv[i]);
			want[c] = true;
		}
	}
	n = pts__check(r, &rep);
	if (n < 0)
		return n;
	err = 0;
	for (int c = 0; c < PTSIM_CHK_NR_CODES && !err; c++) {
		const char *name = ptsim_check_code_name((enum ptsim_check_code)c);

		if (want[c] && !rep->by_code[c])
			err = unmet(r, "check: expected a %s finding, found none (%d findings)",
				    name, n);
		else if (!want[c] && rep->by_code[c]) {
			const struct ptsim_finding *f = NULL;

			for (unsigned int i = 0; i < rep->nr_stored && !f; i++)
				if ((int)rep->findings[i].code == c)
					f = &rep->findings[i];
			err = unmet(r, "check: unexpected %s finding (%u of them): %s", name,
				    rep->by_code[c], f ? f->msg : "");
		}
	}
	free(rep);
	return err;
}

/* expect error ERRNO COMMAND...: the command must fail with that error. */
static int ex_error(struct pts_runner *r, struct pts_args *a)
{
	char buf[32];
	int want, err;

	if (a->argc < 4)
		return usage(r, "error ERRNO COMMAND ...");
	want = pts__errno_value(a->argv[2]);
	if (!want)
		return pts__fail(r, -EINVAL, "expect error: unknown errno name \"%s\"", a->argv[2]);
	if (!strcmp(a->argv[3], "expect"))
		return pts__fail(r, -EINVAL, "expect error: the command cannot be an expect");
	err = pts__dispatch(r, a, 3);
	if (err == want) {
		r->err[0] = '\0';
		return 0;
	}
	if (err == 0)
		return unmet(r, "%s to fail with %s, but it succeeded", a->argv[0],
			     pts__errno_name(want, buf, sizeof(buf)));
	if (err == -EDOM)
		return err;
	/* Under the allocation-failure sweep, an injected failure is the outcome. */
	if (err == -ENOMEM && r->opts.fail_at && r->m && ptsim_fault_injected(r->m))
		return err;
	{
		char msg[sizeof(r->err)];
		const char *text = r->err;
		size_t n = r->file ? strlen(r->file) : 0;

		/* The command's message without its "FILE:LINE: " (ours has it). */
		if (n && !strncmp(text, r->file, n) && text[n] == ':') {
			const char *p = strchr(text + n + 1, ':');

			if (p && p[1] == ' ')
				text = p + 2;
		}
		snprintf(msg, sizeof(msg), "%s", text);
		return unmet(r, "%s to fail with %s, but got: %s", a->argv[0],
			     pts__errno_name(want, buf, sizeof(buf)), msg);
	}
}

static const struct {
	const char *name;
	uint64_t bit;
} pm_flags[] = {
	{"present", PTSIM_PM_PRESENT},
	{"swap", PTSIM_PM_SWAP},
	{"file", PTSIM_PM_FILE},
	{"guard", PTSIM_PM_GUARD_REGION},
	{"uffd_wp", PTSIM_PM_UFFD_WP},
	{"exclusive", PTSIM_PM_MMAP_EXCLUSIVE},
	{"soft_dirty", PTSIM_PM_SOFT_DIRTY},
};

/* expect pagemap ADDR == WORD | [!]FLAG... [pfn V] */
static int ex_pagemap(struct pts_runner *r, struct pts_args *a)
{
	static const char form[] = "pagemap ADDR == WORD | [!]FLAG... [pfn V]";
	uint64_t va, word, v;
	int err;

	if (a->argc < 4)
		return usage(r, form);
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	err = ptsim_pagemap(pts__mm(r), va, &word);
	if (err)
		return pts__fail_call(r, err, "pagemap");
	for (int i = 3; i < a->argc; i++) {
		const char *w = a->argv[i];
		bool neg = w[0] == '!';
		size_t k;

		if ((!strcmp(w, "==") || !strcmp(w, "pfn")) && i + 1 < a->argc) {
			err = pts__value(r, a->argv[++i], &v);
			if (err)
				return err;
			if (w[0] == '=' ? word != v : (word & PTSIM_PM_PFN_MASK) != v)
				return unmet(r,
					     "pagemap 0x%llx: expected %s 0x%llx, found word "
					     "0x%016llx",
					     (unsigned long long)va, w[0] == '=' ? "word" : "pfn",
					     (unsigned long long)v, (unsigned long long)word);
			continue;
		}
		for (k = 0; k < sizeof(pm_flags) / sizeof(pm_flags[0]); k++)
			if (!strcmp(pm_flags[k].name, w + neg))
				break;
		if (k == sizeof(pm_flags) / sizeof(pm_flags[0]))
			return pts__fail(r, -EINVAL,
					 "expect pagemap: unknown flag \"%s\"; usage: %s", w, form);
		if (!!(word & pm_flags[k].bit) == neg)
			return unmet(r, "pagemap 0x%llx: %s is %s (word 0x%016llx)",
				     (unsigned long long)va, pm_flags[k].name,
				     neg ? "set" : "clear", (unsigned long long)word);
	}
	return 0;
}

/* expect vma ADDR PERMS [START END] | none */
static int ex_vma(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_vma_info v;
	uint64_t va, start, end;
	char perms[5];
	int err;

	if (a->argc != 4 && a->argc != 6)
		return usage(r, "vma ADDR PERMS [START END] | none");
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	err = ptsim_vma_info(pts__mm(r), va, &v);
	if (err == -ENOENT) {
		if (!strcmp(a->argv[3], "none"))
			return 0;
		return unmet(r, "a VMA at 0x%llx, but there is none", (unsigned long long)va);
	}
	if (err)
		return pts__fail_call(r, err, "vma");
	if (!strcmp(a->argv[3], "none"))
		return unmet(r, "no VMA at 0x%llx, but 0x%llx-0x%llx is there",
			     (unsigned long long)va, (unsigned long long)v.start,
			     (unsigned long long)v.end);
	snprintf(perms, sizeof(perms), "%c%c%c%c", v.prot & PTSIM_PROT_READ ? 'r' : '-',
		 v.prot & PTSIM_PROT_WRITE ? 'w' : '-', v.prot & PTSIM_PROT_EXEC ? 'x' : '-',
		 v.flags & PTSIM_VM_MAYSHARE ? 's' : 'p');
	if (strcmp(perms, a->argv[3]))
		return unmet(r, "VMA at 0x%llx: expected %s, found %s", (unsigned long long)va,
			     a->argv[3], perms);
	if (a->argc == 6) {
		err = pts__value(r, a->argv[4], &start);
		if (!err)
			err = pts__value(r, a->argv[5], &end);
		if (err)
			return err;
		if (v.start != start || v.end != end)
			return unmet(r,
				     "VMA at 0x%llx: expected 0x%llx-0x%llx, found 0x%llx-0x%llx",
				     (unsigned long long)va, (unsigned long long)start,
				     (unsigned long long)end, (unsigned long long)v.start,
				     (unsigned long long)v.end);
	}
	return 0;
}

/*
 * expect uffd ADDR read|write [wp] | fork CHILD | none: read the next
 * message and compare.
 */
static int ex_uffd(struct pts_runner *r, struct pts_args *a)
{
	static const char form[] = "uffd ADDR read|write [wp] | fork CHILD | none";
	struct ptsim_uffd_msg msg;
	uint64_t va, flags, want;
	int err;

	if (a->argc == 3 && !strcmp(a->argv[2], "none")) {
		if (ptsim_uffd_nr_pending(pts__mm(r)))
			return unmet(r, "no userfaultfd message, but %llu are queued",
				     (unsigned long long)ptsim_uffd_nr_pending(pts__mm(r)));
		return 0;
	}
	if (a->argc == 4 && !strcmp(a->argv[2], "fork")) {
		err = ptsim_uffd_read(pts__mm(r), &msg);
		if (err == -EAGAIN)
			return unmet(r, "a fork event, but no message is queued");
		if (err)
			return pts__fail_call(r, err, "uffd read");
		if (msg.event != PTSIM_UFFD_EVENT_FORK)
			return unmet(r, "a fork event, found event 0x%x at 0x%llx", msg.event,
				     (unsigned long long)msg.address);
		if (strcmp(pts__mm_name(r, msg.child), a->argv[3]))
			return unmet(r, "a fork event for %s, found one for %s", a->argv[3],
				     pts__mm_name(r, msg.child));
		return 0;
	}
	if (a->argc < 4 || a->argc > 5 ||
	    (strcmp(a->argv[3], "read") && strcmp(a->argv[3], "write")) ||
	    (a->argc == 5 && strcmp(a->argv[4], "wp")))
		return usage(r, form);
	err = pts__value(r, a->argv[2], &va);
	if (err)
		return err;
	flags = (!strcmp(a->argv[3], "write") ? PTSIM_UFFD_PAGEFAULT_FLAG_WRITE : 0) |
		(a->argc == 5 ? PTSIM_UFFD_PAGEFAULT_FLAG_WP : 0);
	err = ptsim_uffd_read(pts__mm(r), &msg);
	if (err == -EAGAIN)
		return unmet(r, "a userfaultfd message, but none is queued");
	if (err)
		return pts__fail_call(r, err, "uffd read");
	/* Without UFFD_FEATURE_EXACT_ADDRESS the message names the page. */
	want = ptsim_uffd_features(pts__mm(r)) & PTSIM_UFFD_FEATURE_EXACT_ADDRESS
		       ? va
		       : va & ~(pts__page_size(r) - 1);
	if (msg.event != PTSIM_UFFD_EVENT_PAGEFAULT)
		return unmet(r, "uffd message for 0x%llx, found event 0x%x", (unsigned long long)va,
			     msg.event);
	if (msg.address != want || msg.flags != flags)
		return unmet(r, "uffd message for 0x%llx flags 0x%llx, found 0x%llx flags 0x%llx",
			     (unsigned long long)want, (unsigned long long)flags,
			     (unsigned long long)msg.address, (unsigned long long)msg.flags);
	return 0;
}

/* expect ptref NAME OP VALUE: an RFC counter (EXPERIMENTAL, knob pt_reclaim.rfc). */
static int ex_ptref(struct pts_runner *r, struct pts_args *a)
{
	uint64_t have, want;
	int err;

	if (a->argc != 5)
		return usage(r, "ptref NAME OP VALUE");
	err = pts__ptref_get(r, a->argv[2], &have);
	if (!err)
		err = pts__value(r, a->argv[4], &want);
	return err ? err : expect_compare(r, a->argv[2], have, a->argv[3], a->argv[4], want);
}

static const struct {
	const char *name;
	int (*fn)(struct pts_runner *r, struct pts_args *a);
	bool machine, mm;
} forms[] = {
	{"translate", ex_translate, true, true}, {"entry", ex_entry, true, true},
	{"stat", ex_stat, true, false},		 {"cost", ex_cost, false, false},
	{"value", ex_value, false, false},	 {"signal", ex_signal, true, true},
	{"fault", ex_fault, true, true},	 {"faults", ex_faults, true, true},
	{"check", ex_check, true, false},	 {"error", ex_error, false, false},
	{"pagemap", ex_pagemap, true, true},	 {"vma", ex_vma, true, true},
	{"uffd", ex_uffd, true, true},		 {"ptref", ex_ptref, true, true},
};

int pts__cmd_expect(struct pts_runner *r, struct pts_args *a)
{
	if (a->argc < 2)
		return pts__fail(r, -EINVAL,
				 "usage: expect translate|entry|stat|cost|value|signal|fault|"
				 "faults|check|error|pagemap|vma|uffd|ptref ...");
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		int err;

		if (strcmp(forms[i].name, a->argv[1]))
			continue;
		err = need(r, forms[i].machine, forms[i].mm);
		return err ? err : forms[i].fn(r, a);
	}
	return pts__fail(r, -EINVAL, "expect: unknown form \"%s\" (help expect)", a->argv[1]);
}
