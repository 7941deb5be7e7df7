// SPDX-License-Identifier: MIT
/*
 * script.c - the scenario interpreter: the runner, splitting lines into
 * words, values and names, running a script, and the `machine` command
 * (which replaces the runner's whole world).
 *
 * A line is words separated by blanks; '#' starts a comment; a word may be
 * quoted with "..." to hold blanks.  The first word is the command.  Every
 * command either succeeds or fails with a message and a negative errno and
 * leaves the model as the library left it (the library's calls are all or
 * nothing), so the REPL can go on after an error and a script stops there.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "script_int.h"

/* --- errors ---------------------------------------------------------------- */

int pts__fail(struct pts_runner *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (r->file)
		n = snprintf(r->err, sizeof(r->err), "%s:%u: ", r->file, r->line);
	if (n < 0 || (size_t)n >= sizeof(r->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

int pts__fail_call(struct pts_runner *r, int err, const char *what)
{
	const char *msg = r->m ? ptsim_errmsg(r->m) : "";

	/* Every failing library call sets a message; an unchanged one is not this failure's. */
	if (msg && *msg && strncmp(msg, r->lib_msg_before, sizeof(r->lib_msg_before)))
		return pts__fail(r, err, "%s: %s (%s)", what, ptsim_strerror(err), msg);
	return pts__fail(r, err, "%s: %s", what, ptsim_strerror(err));
}

const char *pts_error(const struct pts_runner *r)
{
	return r ? r->err : "";
}

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{"EPERM", EPERM},   {"ENOENT", ENOENT},	  {"EIO", EIO},
	{"ENXIO", ENXIO},   {"EAGAIN", EAGAIN},	  {"ENOMEM", ENOMEM},
	{"EFAULT", EFAULT}, {"EBUSY", EBUSY},	  {"EEXIST", EEXIST},
	{"EINVAL", EINVAL}, {"ENOSPC", ENOSPC},	  {"ERANGE", ERANGE},
	{"ELOOP", ELOOP},   {"EUCLEAN", EUCLEAN}, {"EOVERFLOW", EOVERFLOW},
	{"ESTALE", ESTALE}, {"ESRCH", ESRCH},	  {"EOPNOTSUPP", EOPNOTSUPP},
};

int pts__errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(name, errno_names[i].name))
			return -errno_names[i].err;
	return 0;
}

const char *pts__errno_name(int err, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (-err == errno_names[i].err)
			return errno_names[i].name;
	snprintf(buf, len, "errno %d", -err);
	return buf;
}

/* --- names ----------------------------------------------------------------- */

bool pts__valid_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= PTS_NAME_MAX || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	return true;
}

static void *grow(void *arr, unsigned int *cap, size_t elem)
{
	unsigned int ncap = *cap ? *cap * 2 : 8;
	void *n = realloc(arr, (size_t)ncap * elem);

	if (n)
		*cap = ncap;
	return n;
}

struct ptsim_mm *pts__mm(struct pts_runner *r)
{
	return r->cur >= 0 ? r->mms[r->cur].mm : NULL;
}

struct ptsim_mm *pts__mm_by_name(struct pts_runner *r, const char *name)
{
	for (unsigned int i = 0; i < r->nr_mms; i++)
		if (!strcmp(r->mms[i].name, name))
			return r->mms[i].mm;
	return NULL;
}

struct ptsim_file *pts__file_by_name(struct pts_runner *r, const char *name)
{
	for (unsigned int i = 0; i < r->nr_files; i++)
		if (!strcmp(r->files[i].name, name))
			return r->files[i].file;
	return NULL;
}

static struct pts_var *find_var(struct pts_runner *r, const char *name, size_t len)
{
	for (unsigned int i = 0; i < r->nr_vars; i++)
		if (strlen(r->vars[i].name) == len && !memcmp(r->vars[i].name, name, len))
			return &r->vars[i];
	return NULL;
}

int pts__set_var(struct pts_runner *r, const char *name, uint64_t val)
{
	struct pts_var *v = find_var(r, name, strlen(name));

	if (!pts__valid_name(name))
		return pts__fail(r, -EINVAL,
				 "\"%s\" is not a valid name (a letter, then letters, "
				 "digits or _; at most %d characters)",
				 name, PTS_NAME_MAX - 1);
	if (!v) {
		if (r->nr_vars == r->cap_vars) {
			struct pts_var *n = grow(r->vars, &r->cap_vars, sizeof(*n));

			if (!n)
				return pts__fail(r, -ENOMEM, "out of memory");
			r->vars = n;
		}
		v = &r->vars[r->nr_vars++];
		snprintf(v->name, sizeof(v->name), "%s", name);
	}
	v->val = val;
	return 0;
}

uint64_t pts__page_size(struct pts_runner *r)
{
	return r->m ? 1ull << ptsim_arch_page_shift(ptsim_machine_arch(r->m)) : 4096;
}

/* Names every script may use: page and level sizes, the zero page's address. */
static bool builtin(struct pts_runner *r, const char *name, size_t len, uint64_t *out)
{
	static const struct {
		const char *name;
		int level;
	} sizes[] = {{"page", PTSIM_PTE}, {"pmd_size", PTSIM_PMD}, {"pud_size", PTSIM_PUD}};

	if (len == 7 && !memcmp(name, "zero_pa", 7)) {
		*out = r->m ? ptsim_zero_pfn(r->m)
				       << ptsim_arch_page_shift(ptsim_machine_arch(r->m))
			    : 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (strlen(sizes[i].name) != len || memcmp(sizes[i].name, name, len))
			continue;
		if (!r->m)
			*out = sizes[i].level == PTSIM_PTE ? 4096 : 0;
		else
			*out = ptsim_arch_level_size(ptsim_machine_arch(r->m),
						     (enum ptsim_level)sizes[i].level);
		return true;
	}
	return false;
}

/* --- expressions ----------------------------------------------------------- */

struct expr {
	struct pts_runner *r;
	const char *text, *p;
	int depth;
};

static int expr_sum(struct expr *e, uint64_t *out);

static int expr_error(struct expr *e, const char *what)
{
	return pts__fail(e->r, -EINVAL, "bad value \"%s\": %s at offset %d", e->text, what,
			 (int)(e->p - e->text));
}

static int expr_factor(struct expr *e, uint64_t *out)
{
	const char *s = e->p;

	if (*s == '(') {
		int err;

		if (++e->depth > 16)
			return expr_error(e, "parentheses nested too deep");
		e->p++;
		err = expr_sum(e, out);
		if (err)
			return err;
		if (*e->p != ')')
			return expr_error(e, "')' expected");
		e->p++;
		e->depth--;
		return 0;
	}
	if (isdigit((unsigned char)*s)) {
		/* The configuration's size syntax: one parser for both. */
		const char *end = s;
		uint64_t v;
		int err = ptsim_parse_size(s, &end, &v);

		if (err == -ERANGE)
			return expr_error(e, "number too large");
		if (err) {
			e->p = s + 2;
			return expr_error(e, "hex digits expected");
		}
		if (isalnum((unsigned char)*end) || *end == '_') {
			e->p = end;
			return expr_error(e, "unexpected character after a number");
		}
		e->p = end;
		*out = v;
		return 0;
	}
	if (isalpha((unsigned char)*s) || *s == '_') {
		const char *b = s;
		struct pts_var *v;

		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		v = find_var(e->r, b, (size_t)(s - b));
		if (v)
			*out = v->val;
		else if (!builtin(e->r, b, (size_t)(s - b), out))
			return pts__fail(e->r, -EINVAL, "unknown name \"%.*s\" in \"%s\"",
					 (int)(s - b), b, e->text);
		e->p = s;
		return 0;
	}
	return expr_error(e, *s ? "number or name expected" : "value ends too early");
}

static int expr_product(struct expr *e, uint64_t *out)
{
	uint64_t v, w;
	int err = expr_factor(e, &v);

	while (!err && *e->p == '*') {
		e->p++;
		err = expr_factor(e, &w);
		if (!err && w && v > UINT64_MAX / w)
			err = expr_error(e, "overflow");
		v *= w;
	}
	*out = v;
	return err;
}

static int expr_sum(struct expr *e, uint64_t *out)
{
	uint64_t v, w;
	int err = expr_product(e, &v);

	while (!err && (*e->p == '+' || *e->p == '-')) {
		char op = *e->p++;

		err = expr_product(e, &w);
		if (err)
			break;
		if (op == '+' && v > UINT64_MAX - w)
			return expr_error(e, "overflow");
		if (op == '-' && w > v)
			return expr_error(e, "negative result");
		v = op == '+' ? v + w : v - w;
	}
	*out = v;
	return err;
}

int pts__value(struct pts_runner *r, const char *text, uint64_t *out)
{
	struct expr e = {.r = r, .text = text, .p = text};
	uint64_t v = 0;
	int err = expr_sum(&e, &v);

	if (!err && *e.p)
		err = expr_error(&e, "unexpected character");
	if (!err)
		*out = v;
	return err;
}

int pts__prot(struct pts_runner *r, const char *text, unsigned int *out)
{
	static const char letters[] = "rwx";
	unsigned int prot = 0;

	if (!strcmp(text, "none")) {
		*out = PTSIM_PROT_NONE;
		return 0;
	}
	if (strlen(text) != 3)
		goto bad;
	for (int i = 0; i < 3; i++) {
		if (text[i] == letters[i])
			prot |= 1u << i;
		else if (text[i] != '-')
			goto bad;
	}
	*out = prot;
	return 0;
bad:
	return pts__fail(r, -EINVAL, "bad protection \"%s\" (rwx, rw-, r--, r-x, --- or none)",
			 text);
}

int pts__level(struct pts_runner *r, const char *text, enum ptsim_level *out)
{
	static const char *const names[PTSIM_NR_LEVELS] = {"pgd", "p4d", "pud", "pmd", "pte"};

	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		const char *an =
			r->m ? ptsim_arch_level_name(ptsim_machine_arch(r->m), (enum ptsim_level)l)
			     : "";

		if (!strcasecmp(text, names[l]) || (an && *an && !strcasecmp(text, an))) {
			*out = (enum ptsim_level)l;
			return 0;
		}
	}
	return pts__fail(r, -EINVAL, "unknown level \"%s\" (pgd, p4d, pud, pmd or pte)", text);
}

/* --- the runner ------------------------------------------------------------ */

int pts_runner_create(const struct pts_options *opts, struct pts_runner **out)
{
	struct pts_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (opts)
		r->opts = *opts;
	r->out = r->opts.out ? r->opts.out : stdout;
	r->cur = -1;
	ptsim_tlb_config_default(&r->tlb);
	*out = r;
	return 0;
}

void pts_release_all(struct pts_runner *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < r->nr_walkers; i++)
		ptsim_lockless_end(r->walkers[i].w);
	r->nr_walkers = 0;
	for (unsigned int i = r->nr_mms; i-- > 0;)
		ptsim_mm_destroy(r->mms[i].mm);
	r->nr_mms = 0;
	r->cur = -1;
	for (unsigned int i = 0; i < r->nr_files; i++)
		ptsim_file_close(r->files[i].file);
	r->nr_files = 0;
	r->have_access = false;
	/* The hugetlb pools `hugetlb pool` filled, now unused, go back too. */
	if (r->m) {
		uint64_t sizes[8];
		unsigned int n = ptsim_arch_hugetlb_sizes(ptsim_machine_arch(r->m), sizes, 8);

		for (unsigned int i = 0; i < n && i < 8; i++) {
			if (ptsim_hugetlb_set_overcommit(r->m, sizes[i], 0) ||
			    ptsim_hugetlb_set_nr(r->m, sizes[i], 0))
				continue; /* the sweep's free-frame count tells */
		}
	}
}

static void machine_destroy(struct pts_runner *r)
{
	pts_release_all(r);
	if (r->m) {
		r->points_done += ptsim_alloc_points(r->m) - r->points_base;
		if (ptsim_fault_injected(r->m))
			r->fail_fired = true;
		ptsim_machine_destroy(r->m);
		r->m = NULL;
	}
}

void pts_runner_destroy(struct pts_runner *r)
{
	if (!r)
		return;
	machine_destroy(r);
	free(r->mms);
	free(r->files);
	free(r->vars);
	free(r);
}

struct ptsim_machine *pts_machine(const struct pts_runner *r)
{
	return r ? r->m : NULL;
}

uint64_t pts_alloc_points(const struct pts_runner *r)
{
	return r->points_done + (r->m ? ptsim_alloc_points(r->m) - r->points_base : 0);
}

uint64_t pts_free_at_create(const struct pts_runner *r)
{
	return r->m ? r->free_at_create : 0;
}

bool pts_fail_fired(const struct pts_runner *r)
{
	return r->fail_fired || (r->m && ptsim_fault_injected(r->m));
}

/*
 * machine CONFIG [key=value,...]: a new machine replaces the old one and
 * everything built on it (address spaces, files); variables stay.
 */
int pts__cmd_machine(struct pts_runner *r, struct pts_args *a)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m;
	char msg[320] = "";
	int err;

	if (a->argc < 2)
		return pts__fail(r, -EINVAL, "usage: machine CONFIG [key=value,...]");
	if (ptsim_config_init(&cfg, a->argv[1]))
		return pts__fail(r, -EINVAL, "unknown configuration \"%s\" (one of: %s)",
				 a->argv[1], pts_cli_config_names(msg, sizeof(msg)));
	for (int i = 2; i < a->argc; i++) {
		err = ptsim_config_set(&cfg, a->argv[i], msg, sizeof(msg));
		if (err)
			return pts__fail(r, err, "machine: %s", msg);
	}
	/* The whole configuration is checked here: the reason names the key and the rule. */
	err = ptsim_machine_create_err(&cfg, &m, msg, sizeof(msg));
	if (err)
		return pts__fail(r, err, "machine: %s", msg);
	machine_destroy(r);
	r->m = m;
	r->cpu = 0;
	{
		struct ptsim_mem_stats ms;

		ptsim_mem_stats(m, &ms);
		r->free_at_create = ms.free_pages;
	}
	ptsim_tlb_config_default(&r->tlb);
	r->points_base = ptsim_alloc_points(m);
	if (r->opts.fail_at > r->points_done)
		ptsim_fault_inject(m, r->opts.fail_at - r->points_done, false);
	return 0;
}

/* --- lines ----------------------------------------------------------------- */

static int split(struct pts_runner *r, const char *text, struct pts_args *a)
{
	size_t len = strlen(text);
	char *o = a->buf;

	a->argc = 0;
	if (len >= sizeof(a->buf))
		return pts__fail(r, -EINVAL, "line longer than %d characters", PTS_LINE_MAX - 1);
	for (const char *p = text;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (a->argc == PTS_MAX_ARGS)
			return pts__fail(r, -EINVAL, "more than %d words on a line", PTS_MAX_ARGS);
		a->rest[a->argc] = p;
		a->argv[a->argc++] = o;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				*o++ = *p;
			if (*p != '"')
				return pts__fail(r, -EINVAL, "unterminated quoted word");
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				*o++ = *p++;
		}
		*o++ = '\0';
	}
	return 0;
}

static const struct pts_cmd *lookup(const char *name)
{
	for (const struct pts_cmd *c = pts__cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void pts__state_take(struct pts_runner *r, struct pts_state *s)
{
	struct ptsim_host_stats hs;
	struct ptsim_mem_stats ms;

	memset(s, 0, sizeof(*s));
	if (!r->opts.fail_at || !r->m)
		return;
	ptsim_host_stats(r->m, &hs);
	ptsim_mem_stats(r->m, &ms);
	s->host_bytes = hs.bytes_live;
	s->host_allocs = hs.nr_live;
	s->sections = ms.nr_sections_initialised;
	s->free_pages = ms.free_pages;
}

void pts__state_check(struct pts_runner *r, const struct pts_state *s, int err, const char *what)
{
	struct pts_state now;

	if (err != -ENOMEM || !r->opts.fail_at || !r->m || r->state_problem[0])
		return;
	pts__state_take(r, &now);
	if (!memcmp(&now, s, sizeof(now)))
		return;
	snprintf(r->state_problem, sizeof(r->state_problem),
		 "%s:%u: %s failed with ENOMEM but changed the machine: host bytes %llu -> %llu, "
		 "allocations %llu -> %llu, initialised sections %llu -> %llu, free frames %llu -> "
		 "%llu",
		 r->file ? r->file : "-", r->line, what, (unsigned long long)s->host_bytes,
		 (unsigned long long)now.host_bytes, (unsigned long long)s->host_allocs,
		 (unsigned long long)now.host_allocs, (unsigned long long)s->sections,
		 (unsigned long long)now.sections, (unsigned long long)s->free_pages,
		 (unsigned long long)now.free_pages);
}

const char *pts_state_problem(const struct pts_runner *r)
{
	return r && r->state_problem[0] ? r->state_problem : NULL;
}

/* Commands that make several library calls check each one themselves. */
static bool checks_itself(const struct pts_cmd *c, const struct pts_args *a)
{
	/* uffd serve is a sequence of calls, each all or nothing, as a monitor makes them. */
	if (!strcmp(c->name, "uffd") && a->argc > 1 && !strcmp(a->argv[1], "serve"))
		return true;
	return !strcmp(c->name, "read") || !strcmp(c->name, "write") || !strcmp(c->name, "exec") ||
	       !strcmp(c->name, "machine") || !strcmp(c->name, "expect") ||
	       !strcmp(c->name, "cost");
}

int pts__dispatch(struct pts_runner *r, struct pts_args *a, int first)
{
	const struct pts_cmd *c;
	struct pts_state st;
	int err;

	if (first) {
		a->argc -= first;
		memmove(a->argv, a->argv + first, (size_t)a->argc * sizeof(a->argv[0]));
		memmove(a->rest, a->rest + first, (size_t)a->argc * sizeof(a->rest[0]));
	}
	if (a->argc == 0)
		return pts__fail(r, -EINVAL, "command expected");
	c = lookup(a->argv[0]);
	if (!c)
		return pts__fail(r, -EINVAL, "unknown command \"%s\" (try `help`)", a->argv[0]);
	if (c->needs_machine && !r->m)
		return pts__fail(r, -EINVAL, "%s: no machine yet (start with `machine CONFIG`)",
				 c->name);
	if (c->needs_mm && !pts__mm(r))
		return pts__fail(r, -EINVAL, "%s: no address space yet (create one with `mm NAME`)",
				 c->name);
	snprintf(r->lib_msg_before, sizeof(r->lib_msg_before), "%s",
		 r->m ? ptsim_errmsg(r->m) : "");
	if (checks_itself(c, a))
		return c->fn(r, a);
	pts__state_take(r, &st);
	err = c->fn(r, a);
	pts__state_check(r, &st, err, c->name);
	return err;
}

int pts_exec_line(struct pts_runner *r, const char *file, unsigned int line, const char *text)
{
	struct pts_args *a;
	int err;

	r->file = file;
	r->line = line;
	r->err[0] = '\0';
	if (!text)
		return pts__fail(r, -EINVAL, "no text");
	a = malloc(sizeof(*a));
	if (!a)
		return pts__fail(r, -ENOMEM, "out of memory");
	err = split(r, text, a);
	if (!err && a->argc) {
		if (r->opts.verbose && strcmp(a->argv[0], "say"))
			fprintf(r->out, "> %s\n", a->rest[0]);
		err = pts__dispatch(r, a, 0);
	}
	free(a);
	fflush(r->out);
	return err;
}

int pts_run_buffer(struct pts_runner *r, const char *name, const char *buf, size_t len)
{
	char *line = malloc(PTS_LINE_MAX);
	unsigned int lineno = 0;
	size_t pos = 0;
	int err = 0;

	if (!line)
		return pts__fail(r, -ENOMEM, "out of memory");
	while (pos < len && !err) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		r->file = name;
		r->line = lineno;
		if (memchr(buf + pos, '\0', n))
			err = pts__fail(r, -EINVAL, "NUL byte in the line");
		else if (n >= PTS_LINE_MAX)
			err = pts__fail(r, -EINVAL, "line longer than %d characters",
					PTS_LINE_MAX - 1);
		else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			err = pts_exec_line(r, name, lineno, line);
		}
		pos += n + 1;
	}
	free(line);
	return err;
}

int pts_read_line(FILE *f, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc(f);
		if (c == EOF) {
			if (ferror(f))
				return -EIO;
			if (!n)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			return -EILSEQ;
		if (n + 1 >= size)
			return -E2BIG;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	*len = n;
	return 1;
}

int pts_run_file(struct pts_runner *r, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *line;
	unsigned int lineno = 0;
	size_t len;
	int err = 0, got;

	r->file = NULL;
	if (!f)
		return pts__fail(r, -ENOENT, "%s: cannot open: %s", path, strerror(errno));
	line = malloc(PTS_LINE_MAX);
	if (!line) {
		err = pts__fail(r, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (!err) {
		got = pts_read_line(f, line, PTS_LINE_MAX, &len);
		if (!got)
			break;
		r->file = path;
		r->line = ++lineno;
		if (got == -EILSEQ)
			err = pts__fail(r, -EINVAL, "NUL byte in the line");
		else if (got == -E2BIG)
			err = pts__fail(r, -EINVAL, "line longer than %d characters",
					PTS_LINE_MAX - 1);
		else if (got < 0)
			err = pts__fail(r, -EIO, "read error");
		else
			err = pts_exec_line(r, path, lineno, line);
	}
out:
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

const char *pts_command_name(unsigned int i)
{
	for (const struct pts_cmd *c = pts__cmds; c->name; c++, i--)
		if (!i)
			return c->name;
	return NULL;
}

static const char expect_help[] =
	"expect translate ADDR -> PA | hole | notpresent  [level L] [size S]\n"
	"expect entry ADDR [level L] [BIT | !BIT]... [== VALUE] [pfn V]\n"
	"expect stat NAME OP VALUE          OP: == != < <= > >=  (names: see `stats`)\n"
	"expect value X OP Y                two values, e.g. captured with `set`\n"
	"expect signal none | SIGSEGV [MAPERR|ACCERR] | SIGBUS [ADRERR|MCEERR_AR]\n"
	"expect fault none | [!]NAME...     VM_FAULT_* bits of the last access\n"
	"expect faults N                    faults taken by the last access\n"
	"expect check clean | CODE...\n"
	"expect error ERRNO COMMAND ...     the command must fail with ERRNO\n"
	"expect pagemap ADDR == WORD | [!]FLAG... [pfn V]\n"
	"expect vma ADDR PERMS [START END] | none\n"
	"expect uffd ADDR read|write [wp] | fork CHILD | none\n"
	"expect ptref NAME OP VALUE         an RFC counter (pt_reclaim.rfc, see `help ptref`)\n";

void pts_help(FILE *f, const char *cmd)
{
	const struct pts_cmd *c;

	if (cmd && !strcmp(cmd, "expect")) {
		fputs(expect_help, f);
		return;
	}
	if (cmd) {
		c = lookup(cmd);
		if (!c) {
			fprintf(f, "no command \"%s\"\n", cmd);
			return;
		}
		fprintf(f, "%s\n    %s\n", c->usage, c->help);
		return;
	}
	fprintf(f, "Commands (values: 0x1000, 4096, 16K, 2M, names, + - * and parentheses;\n"
		   "built-in names page, pmd_size, pud_size, zero_pa; '#' starts a comment):\n");
	for (c = pts__cmds; c->name; c++)
		fprintf(f, "  %-52s %s\n", c->usage, c->help);
}
