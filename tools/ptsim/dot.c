// SPDX-License-Identifier: MIT
/*
 * dot.c - the page-table tree of an address space as a Graphviz graph.
 *
 * A client of ptsim_walk_page_range().  The walker reports every entry at
 * each of the five logical levels, folded ones included (they share their
 * parent's slot).  The picture shows the real tables only, so of the
 * levels sharing a slot only the last one counts - the lowest folded level,
 * where the kernel's pXd_none()/pXd_leaf() would look, or the level a leaf
 * is reported at - and the entry is decoded there.  Tables are named by the
 * real level they are (the level visit starts them at).
 *
 * The walk is depth first.  A stack holds the path of tables from the root
 * to the one whose entries are being reported: a table entry opens its child
 * at once (so an empty child still gets a node), and an entry of a table
 * further up closes the tables below it.  Each table collects its rows in a
 * buffer of its own; consecutive similar leaves (same level, same decoded
 * attributes, consecutive frames or offsets) wait in a "run" and become one
 * row when the run ends.  Everything is built in memory and written at the
 * end, so an error leaves @f untouched.
 *
 * What comes out for x86_64-4l after writes to 0x40000000 and 0x40002000
 * (rankdir=LR: the root on the left; P4D is folded, so it has no node):
 *
 *   +-------------+    +------------------+    +------------------+    +-------------------------+
 *   | pgd table 1 |    | pud table 2      |    | pmd table 3      |    | pte table 4             |
 *   | [0] 0x0 ... |--->| [1] 0x40000000 . |--->| [0] 0x40000000 . |--->| [0] 0x40000000 pfn 0x5  |
 *   +-------------+    +------------------+    +------------------+    |     rw- user dirty young|
 *                                                                      | [2] 0x40002000 pfn 0x6  |
 *                                                                      +-------------------------+
 *
 *   t_1 [label=<<TABLE ...><TR><TD ... PORT="h"><B>pgd</B> table 0x1</TD></TR>
 *   <TR><TD ...>[0]</TD><TD ...>0x0</TD><TD ... PORT="e0">pud table 0x2</TD></TR> ...>];
 *   t_1:e0:e -> t_2:h:w;
 */
#define _POSIX_C_SOURCE 200809L /* posix_spawnp, waitpid, pipe, fcntl */

#include "dot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* --- a growable string ---------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_grow(struct sbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->oom || b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	sb_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) PTSIM_PRINTF(2, 3);

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	sb_grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Text inside an HTML-like label: &, <, > and " become entities. */
static void sb_html(struct sbuf *b, const char *s)
{
	char one[2] = {0, 0};

	for (; *s; s++) {
		switch (*s) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, "&quot;");
			break;
		default:
			one[0] = *s;
			sb_puts(b, one);
		}
	}
}

/* Text inside a DOT double-quoted string: " and \ escaped, newlines as \n. */
static void sb_quoted(struct sbuf *b, const char *s)
{
	char one[2] = {0, 0};

	sb_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			one[0] = *s;
			sb_puts(b, "\\");
			sb_puts(b, one);
		} else if (*s == '\n') {
			sb_puts(b, "\\n");
		} else if ((unsigned char)*s < 0x20) {
			sb_puts(b, " ");
		} else {
			one[0] = *s;
			sb_puts(b, one);
		}
	}
	sb_puts(b, "\"");
}

/* --- the graph being built --------------------------------------------------- */

enum row_kind {
	ROW_LEAF,     /* present page or block */
	ROW_PROTNONE, /* present to Linux, invalid to the MMU */
	ROW_SWP,      /* swap slot, migration, device, hwpoison entry or marker */
};

/*
 * Consecutive entries waiting to become one row.  Entries join while they
 * are the next index, have the same kind, level and text, and their key
 * (frame, or swap offset) advances by @step.
 */
struct run {
	bool active;
	enum row_kind kind;
	int lvl;
	unsigned int first, last; /* indexes in the table */
	uint64_t va, va_end;	  /* [va of first, end of last) */
	uint64_t key0, key;	  /* key of the first and the last entry */
	uint64_t step;		  /* 0: equal entries (markers) */
	bool has_key;
	char what[40];	/* "pfn", "PROT_NONE pfn", "swap 3 offset", "MARKER guard" */
	char attrs[96]; /* decoded bits, " rw- user dirty young" */
};

struct dot_node {
	uint64_t pfn;
	int lvl; /* the table's (real) level */
	struct sbuf rows;
	struct run run;
};

struct dot_ctx {
	struct ptsim_machine *m;
	const struct ptsim_arch *a;
	struct dot_node *nodes; /* in the order they were opened (pre-order) */
	size_t nr_nodes, cap_nodes;
	size_t stack[PTSIM_NR_LEVELS]; /* indexes into nodes[]: the open path */
	unsigned int depth;
	struct sbuf edges;
};

static void fmt_size(char *buf, size_t len, uint64_t size)
{
	static const char units[] = "KMGTPE";
	unsigned int u = 0;

	size >>= 10;
	while (u + 1 < sizeof(units) - 1 && size >= 1024 && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
}

/* Access and state bits of a present leaf: " rw- user dirty young". */
static void fmt_perms(char *buf, size_t len, const struct ptsim_attrs *at)
{
	bool x = at->user ? at->exec : at->kexec;

	snprintf(buf, len, " r%c%c %s%s%s", at->write ? 'w' : '-', x ? 'x' : '-',
		 at->user ? "user" : "kernel", at->write && !at->hw_write ? " hw-ro" : "",
		 at->global ? " global" : "");
}

/* Bits that keep their meaning on PROT_NONE entries too, appended to @buf. */
static void fmt_state(char *buf, size_t len, const struct ptsim_attrs *at)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s%s%s%s", at->dirty ? " dirty" : "",
		 at->young ? " young" : "", at->special ? " special" : "",
		 at->soft_dirty ? " soft-dirty" : "", at->uffd_wp ? " uffd-wp" : "",
		 at->cont ? " cont" : "");
	n = strlen(buf);
	if (at->memtype)
		snprintf(buf + n, len - n, " mt=%u", at->memtype);
}

static void fmt_swp_flags(char *buf, size_t len, unsigned int flags)
{
	snprintf(buf, len, "%s%s%s", flags & PTSIM_SWP_EXCLUSIVE ? " exclusive" : "",
		 flags & PTSIM_SWP_SOFT_DIRTY ? " soft-dirty" : "",
		 flags & PTSIM_SWP_UFFD_WP ? " uffd-wp" : "");
}

/* Describe one non-table entry as a one-entry run. */
static void describe(struct dot_ctx *c, int lvl, ptsim_ent_t e, struct run *r)
{
	const struct ptsim_arch *a = c->a;
	uint64_t pages =
		ptsim_arch_level_size(a, (enum ptsim_level)lvl) >> ptsim_arch_page_shift(a);
	struct ptsim_attrs at;
	struct ptsim_softleaf sl;
	char size[24] = "";

	ptsim_ent_decode(a, (enum ptsim_level)lvl, e, &at);
	r->has_key = true;
	r->step = pages;
	if (lvl != PTSIM_PTE)
		fmt_size(size, sizeof(size), ptsim_arch_level_size(a, (enum ptsim_level)lvl));
	if (at.leaf && at.valid) {
		r->kind = ROW_LEAF;
		r->key = at.pfn;
		snprintf(r->what, sizeof(r->what), "%s%spfn", size, size[0] ? " " : "");
		fmt_perms(r->attrs, sizeof(r->attrs), &at);
		fmt_state(r->attrs, sizeof(r->attrs), &at);
		return;
	}
	if (at.protnone || (at.present && !at.swp)) {
		r->kind = ROW_PROTNONE;
		r->key = at.pfn;
		snprintf(r->what, sizeof(r->what), "%s%sPROT_NONE pfn", size, size[0] ? " " : "");
		r->attrs[0] = 0;
		fmt_state(r->attrs, sizeof(r->attrs), &at);
		return;
	}
	r->kind = ROW_SWP;
	if (ptsim_softleaf_from(c->m, (enum ptsim_level)lvl, e, &sl) != 0) {
		/* Not a softleaf either: show the raw word. */
		r->key = e;
		r->step = 0;
		snprintf(r->what, sizeof(r->what), "entry");
		r->attrs[0] = 0;
		return;
	}
	fmt_swp_flags(r->attrs, sizeof(r->attrs), sl.flags);
	switch (sl.type) {
	case PTSIM_SOFTLEAF_SWAP:
		r->key = sl.offset;
		r->step = 1;
		snprintf(r->what, sizeof(r->what), "swap %u offset", sl.swp_type);
		break;
	case PTSIM_SOFTLEAF_MARKER:
		r->has_key = false;
		r->key = sl.offset;
		r->step = 0;
		snprintf(r->what, sizeof(r->what), "MARKER%s%s%s",
			 sl.offset & PTSIM_PTE_MARKER_UFFD_WP ? " uffd-wp" : "",
			 sl.offset & PTSIM_PTE_MARKER_POISONED ? " poisoned" : "",
			 sl.offset & PTSIM_PTE_MARKER_GUARD ? " guard" : "");
		break;
	case PTSIM_SOFTLEAF_INVALID:
		r->key = sl.offset;
		r->step = 1;
		snprintf(r->what, sizeof(r->what), "INVALID swp %u offset", sl.swp_type);
		break;
	default: /* migration, device, hwpoison: a frame */
		r->key = sl.pfn;
		snprintf(r->what, sizeof(r->what), "%s pfn", ptsim_softleaf_type_name(sl.type));
		if (sl.young || sl.dirty) {
			size_t n = strlen(r->attrs);

			snprintf(r->attrs + n, sizeof(r->attrs) - n, "%s%s",
				 sl.young ? " young" : "", sl.dirty ? " dirty" : "");
		}
		break;
	}
}

static const char *row_color(enum row_kind kind)
{
	switch (kind) {
	case ROW_LEAF:
		return "#d9f2d9";
	case ROW_PROTNONE:
		return "#f2e6d9";
	default:
		return "#f2f2cc";
	}
}

/* Emit the pending run of @n as one row. */
static void run_flush(struct dot_node *n)
{
	struct run *r = &n->run;
	struct sbuf *b = &n->rows;
	unsigned int nr = r->last - r->first + 1;

	if (!r->active)
		return;
	r->active = false;
	sb_printf(b, "<TR><TD ALIGN=\"RIGHT\" BGCOLOR=\"%s\">", row_color(r->kind));
	if (nr == 1)
		sb_printf(b, "[%u]", r->first);
	else
		sb_printf(b, "[%u..%u] %u entries", r->first, r->last, nr);
	sb_printf(b, "</TD><TD ALIGN=\"LEFT\">0x%llx", (unsigned long long)r->va);
	if (nr > 1)
		sb_printf(b, "-0x%llx", (unsigned long long)r->va_end);
	sb_puts(b, "</TD><TD ALIGN=\"LEFT\">");
	sb_html(b, r->what);
	if (r->has_key) {
		sb_printf(b, " 0x%llx", (unsigned long long)r->key0);
		if (nr > 1 && r->step)
			sb_printf(b, "..0x%llx", (unsigned long long)r->key);
	}
	sb_html(b, r->attrs);
	sb_puts(b, "</TD></TR>\n");
}

static bool run_extends(const struct run *r, const struct run *e)
{
	return r->active && e->kind == r->kind && e->lvl == r->lvl && e->first == r->last + 1 &&
	       e->va == r->va_end && e->key == r->key + r->step && e->step == r->step &&
	       !strcmp(e->what, r->what) && !strcmp(e->attrs, r->attrs);
}

static int node_open(struct dot_ctx *c, uint64_t pfn, int lvl)
{
	struct dot_node *n;

	if (c->depth == PTSIM_NR_LEVELS)
		return -EFAULT; /* deeper than five levels: a corrupt tree */
	if (c->nr_nodes == c->cap_nodes) {
		size_t cap = c->cap_nodes ? 2 * c->cap_nodes : 16;
		struct dot_node *p = realloc(c->nodes, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->nodes = p;
		c->cap_nodes = cap;
	}
	n = &c->nodes[c->nr_nodes];
	memset(n, 0, sizeof(*n));
	n->pfn = pfn;
	n->lvl = lvl;
	c->stack[c->depth++] = c->nr_nodes++;
	return 0;
}

static void node_close(struct dot_ctx *c)
{
	run_flush(&c->nodes[c->stack[--c->depth]]);
}

/* The node of the table holding the entry being visited: close deeper ones. */
static struct dot_node *node_for(struct dot_ctx *c, uint64_t table_pfn)
{
	while (c->depth && c->nodes[c->stack[c->depth - 1]].pfn != table_pfn)
		node_close(c);
	/* Depth first: the table is always on the path (the root never closes). */
	return c->depth ? &c->nodes[c->stack[c->depth - 1]] : NULL;
}

/*
 * Whether the walker reports this slot again at the next level: it does for
 * a folded next level, unless the entry is a leaf here.
 */
static bool slot_continues(const struct ptsim_arch *a, int lvl, ptsim_ent_t e)
{
	if (lvl == PTSIM_PTE || !ptsim_arch_level_folded(a, (enum ptsim_level)(lvl + 1)))
		return false;
	return !ptsim_ent_leaf(a, (enum ptsim_level)lvl, e);
}

static int dot_entry(int lvl, ptsim_ent_t e, uint64_t addr, uint64_t next, struct ptsim_walk *walk)
{
	struct dot_ctx *c = walk->priv;
	const struct ptsim_arch *a = c->a;
	struct dot_node *n;
	struct run r;
	uint64_t size;
	int err;

	if (slot_continues(a, lvl, e) || ptsim_ent_none(a, (enum ptsim_level)lvl, e))
		return 0;
	/*
	 * The walker hands the range clipped to [start, end); rows show the
	 * span the entry maps (the end wraps to 0 at the top of the space).
	 */
	size = ptsim_arch_level_size(a, (enum ptsim_level)lvl);
	addr &= ~(size - 1);
	next = addr + size;
	n = node_for(c, walk->table_pfn);
	if (!n)
		return -EFAULT;
	if (lvl < PTSIM_PTE && ptsim_ent_table(a, (enum ptsim_level)lvl, e)) {
		uint64_t child = ptsim_ent_pfn(a, (enum ptsim_level)lvl, e);
		uint64_t parent = n->pfn;

		run_flush(n);
		sb_printf(&n->rows,
			  "<TR><TD ALIGN=\"RIGHT\" BGCOLOR=\"#d9e6f2\">[%u]</TD>"
			  "<TD ALIGN=\"LEFT\">0x%llx</TD><TD ALIGN=\"LEFT\" PORT=\"e%u\">",
			  walk->index, (unsigned long long)addr, walk->index);
		sb_html(&n->rows, ptsim_arch_level_name(a, (enum ptsim_level)(lvl + 1)));
		sb_printf(&n->rows, " table 0x%llx</TD></TR>\n", (unsigned long long)child);
		sb_printf(&c->edges, "\tt_%llx:e%u:e -> t_%llx:h:w;\n", (unsigned long long)parent,
			  walk->index, (unsigned long long)child);
		/* The next real level; n may move when nodes[] grows. */
		err = node_open(c, child, lvl + 1);
		return err ? err : (c->edges.oom ? -ENOMEM : 0);
	}
	memset(&r, 0, sizeof(r));
	describe(c, lvl, e, &r);
	r.active = true;
	r.lvl = lvl;
	r.first = r.last = walk->index;
	r.va = addr;
	r.va_end = next;
	if (run_extends(&n->run, &r)) {
		n->run.last = r.last;
		n->run.va_end = r.va_end;
		n->run.key = r.key;
		return 0;
	}
	run_flush(n);
	r.key0 = r.key;
	n->run = r;
	return n->rows.oom ? -ENOMEM : 0;
}

#define DOT_ENTRY_FN(L, name)                                                                      \
	static int name(ptsim_ent_t e, uint64_t addr, uint64_t next, struct ptsim_walk *walk)      \
	{                                                                                          \
		return dot_entry(L, e, addr, next, walk);                                          \
	}
DOT_ENTRY_FN(PTSIM_PGD, dot_pgd)
DOT_ENTRY_FN(PTSIM_P4D, dot_p4d)
DOT_ENTRY_FN(PTSIM_PUD, dot_pud)
DOT_ENTRY_FN(PTSIM_PMD, dot_pmd)
DOT_ENTRY_FN(PTSIM_PTE, dot_pte)
#undef DOT_ENTRY_FN

static void ctx_free(struct dot_ctx *c)
{
	for (size_t i = 0; i < c->nr_nodes; i++)
		free(c->nodes[i].rows.p);
	free(c->nodes);
	free(c->edges.p);
}

static void write_graph(struct dot_ctx *c, const char *title, struct sbuf *out)
{
	sb_puts(out, "digraph ptsim {\n");
	sb_puts(out, "\tgraph [rankdir=LR, ranksep=0.8");
	if (title) {
		sb_puts(out, ", labelloc=t, label=");
		sb_quoted(out, title);
	}
	sb_puts(out, "];\n\tnode [shape=plaintext, fontname=\"monospace\", fontsize=10];\n");
	for (size_t i = 0; i < c->nr_nodes; i++) {
		struct dot_node *n = &c->nodes[i];

		sb_printf(out,
			  "\tt_%llx [label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" "
			  "CELLSPACING=\"0\" CELLPADDING=\"3\">\n"
			  "<TR><TD COLSPAN=\"3\" PORT=\"h\" BGCOLOR=\"#cccccc\"><B>",
			  (unsigned long long)n->pfn);
		sb_html(out, ptsim_arch_level_name(c->a, (enum ptsim_level)n->lvl));
		sb_printf(out, "</B> table 0x%llx</TD></TR>\n", (unsigned long long)n->pfn);
		if (n->rows.p)
			sb_puts(out, n->rows.p);
		sb_puts(out, "</TABLE>>];\n");
	}
	if (c->edges.p)
		sb_puts(out, c->edges.p);
	sb_puts(out, "}\n");
}

long pts_dot_write(struct ptsim_mm *mm, uint64_t start, uint64_t end, const char *title, FILE *f)
{
	static const struct ptsim_walk_ops ops = {
		.entry = {dot_pgd, dot_p4d, dot_pud, dot_pmd, dot_pte},
	};
	struct dot_ctx c;
	struct sbuf out = {0};
	long ret;

	if (!mm || !f)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.m = ptsim_mm_machine(mm);
	c.a = ptsim_machine_arch(c.m);
	ret = node_open(&c, ptsim_mm_pgd_pfn(mm), PTSIM_PGD);
	if (!ret)
		ret = ptsim_walk_page_range(mm, start, end, &ops, &c);
	while (!ret && c.depth)
		node_close(&c);
	for (size_t i = 0; !ret && i < c.nr_nodes; i++)
		if (c.nodes[i].rows.oom)
			ret = -ENOMEM;
	if (!ret && c.edges.oom)
		ret = -ENOMEM;
	if (!ret) {
		write_graph(&c, title, &out);
		if (out.oom)
			ret = -ENOMEM;
		else if (fwrite(out.p, 1, out.len, f) != out.len || fflush(f) != 0)
			ret = -EIO;
		else
			ret = (long)c.nr_nodes;
	}
	free(out.p);
	ctx_free(&c);
	return ret;
}

/* --- rendering --------------------------------------------------------------- */

static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...) PTSIM_PRINTF(4, 5);

static int set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* The -T format for @path's extension ("svg", "png"), or NULL. */
static const char *render_format(const char *path)
{
	static const char *const formats[] = {"svg", "png"};
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		const char *x = formats[i];
		size_t k = 0;

		/* ASCII case-insensitive: "slide.SVG" works too. */
		while (x[k] && (dot[1 + k] | 0x20) == x[k])
			k++;
		if (!x[k] && !dot[1 + k])
			return x;
	}
	return NULL;
}

/* The first line of what dot said on stderr, for the message. */
static void first_line(char *buf)
{
	char *nl = strchr(buf, '\n');

	if (nl)
		*nl = 0;
}

int pts_dot_render(const char *dot_path, const char *out_path, char *err, size_t errlen)
{
	const char *fmt;
	char targ[8];
	char *argv[6];
	char msg[256] = "";
	size_t msg_len = 0;
	posix_spawn_file_actions_t fa;
	int fds[2];
	pid_t pid;
	int status, rc;

	if (!dot_path || !out_path)
		return set_err(err, errlen, -EINVAL, "dot: no input or output path");
	fmt = render_format(out_path);
	if (!fmt)
		return set_err(err, errlen, -EINVAL,
			       "dot: %s: unknown image format (use .svg or .png)", out_path);
	snprintf(targ, sizeof(targ), "-T%s", fmt);
	argv[0] = (char *)"dot";
	argv[1] = targ;
	argv[2] = (char *)"-o";
	argv[3] = (char *)out_path;
	argv[4] = (char *)dot_path;
	argv[5] = NULL;

	/* dot's stderr goes to a pipe, so its complaint can be returned in @err. */
	if (pipe(fds) != 0)
		return set_err(err, errlen, -errno, "dot: pipe: %s", strerror(errno));
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	rc = posix_spawn_file_actions_init(&fa);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	if (!rc)
		rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		if (rc == ENOENT)
			return set_err(err, errlen, -ENOENT,
				       "dot: Graphviz is not installed (no `dot` in PATH)");
		return set_err(err, errlen, -rc, "dot: cannot start: %s", strerror(rc));
	}
	/* Read to the end before waiting, so dot never blocks on a full pipe. */
	for (;;) {
		char chunk[256];
		ssize_t n = read(fds[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (msg_len + 1 < sizeof(msg)) {
			size_t k = (size_t)n < sizeof(msg) - 1 - msg_len
					   ? (size_t)n
					   : sizeof(msg) - 1 - msg_len;

			memcpy(msg + msg_len, chunk, k);
			msg_len += k;
			msg[msg_len] = 0;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return set_err(err, errlen, -EIO, "dot: waitpid: %s", strerror(errno));
	/* 127: the exec failed in the child (C libraries that report it so). */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return set_err(err, errlen, -ENOENT,
			       "dot: Graphviz is not installed (no `dot` in PATH)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		first_line(msg);
		if (WIFEXITED(status))
			return set_err(err, errlen, -EIO, "dot: %s: exit status %d%s%s", dot_path,
				       WEXITSTATUS(status), msg[0] ? ": " : "", msg);
		return set_err(err, errlen, -EIO, "dot: %s: killed by signal %d", dot_path,
			       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	return 0;
}
