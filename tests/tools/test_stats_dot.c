// SPDX-License-Identifier: MIT
/*
 * test_stats_dot.c - the command's statistics (tools/ptsim/stats.c) and
 * Graphviz pictures (tools/ptsim/dot.c).
 *
 * Statistics: exact values after a known sequence of faults, every name
 * against the library call it reads, unknown names, and the JSON form -
 * parsed here by a small strict parser that rejects duplicate keys, so a
 * table whose names are not grouped by prefix fails.  Pictures: one node
 * per real table (per level, equal to ptsim_mm_nr_tables()), no folded
 * level, one edge per table entry, runs of similar leaves merged into one
 * row, escaping, ranges, and rendering with Graphviz when it is installed.
 */
#define _GNU_SOURCE /* mkdtemp, setenv */
#include <errno.h>
#include <unistd.h>

#include "ptsim_test.h"

#include "dot.h"
#include "stats.h"

#define RW   (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP  (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED)
#define BASE 0x40000000ull /* 1 GiB: PMD-aligned on every configuration */

/* Configurations: 4 levels with P4D folded, arm64 3 levels, arm64 2 levels. */
#define STATS_DOT_TESTS(fn)                                                                        \
	cmocka_unit_test_prestate(fn, (void *)"x86_64-4l"),                                        \
		cmocka_unit_test_prestate(fn, (void *)"arm64-4k-39"),                              \
		cmocka_unit_test_prestate(fn, (void *)"arm64-64k-42")

/* What the scenario below leaves: tables per level, VmPTE in pages. */
struct expect {
	const char *arch;
	uint64_t tables[PTSIM_NR_LEVELS];
	uint64_t vmpte_pages;
};

static const struct expect expects[] = {
	/* PGD -> PUD -> PMD -> 2 PTE tables (P4D folded); VmPTE: PUD + PMD + 2 PTE. */
	{"x86_64-4l", {1, 0, 1, 1, 2}, 4},
	/* PGD (level 1) -> PMD -> 2 PTE tables (P4D, PUD folded). */
	{"arm64-4k-39", {1, 0, 0, 1, 2}, 3},
	/* PGD (level 2) -> 2 PTE tables (P4D, PUD, PMD folded). */
	{"arm64-64k-42", {1, 0, 0, 0, 2}, 2},
};

static const struct expect *expect_for(const char *arch)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		if (!strcmp(expects[i].arch, arch))
			return &expects[i];
	fail_msg("no expectation for %s", arch);
	return NULL;
}

static uint64_t pmd_size(const struct ptsim_test_env *t)
{
	return ptsim_arch_level_size(t->a, PTSIM_PMD);
}

static void access_ok(struct ptsim_test_env *t, uint64_t va, unsigned int kind)
{
	struct ptsim_access_result res;

	assert_int_equal(ptsim_access(t->mm, 0, va, kind, &res), 0);
	assert_int_equal(res.signal, 0);
}

/*
 * Two PMD spans of anonymous memory at BASE; writes to pages 0 and 2 of the
 * first span and page 0 of the second (two PTE tables), a read of page 4
 * (the zero page).
 */
static void scenario(struct ptsim_test_env *t)
{
	uint64_t addr;

	assert_int_equal(ptsim_mmap(t->mm, BASE, 2 * pmd_size(t), RW, ANP, NULL, 0, &addr), 0);
	assert_u64_eq(addr, BASE);
	access_ok(t, BASE, PTSIM_ACCESS_WRITE);
	access_ok(t, BASE + 2 * t->psz, PTSIM_ACCESS_WRITE);
	access_ok(t, BASE + pmd_size(t), PTSIM_ACCESS_WRITE);
	access_ok(t, BASE + 4 * t->psz, PTSIM_ACCESS_READ);
	assert_machine_clean(t->m);
}

static uint64_t stat(struct ptsim_test_env *t, const char *name)
{
	uint64_t v = 0xdeadbeef;
	int err = pts_stat_get(t->m, t->mm, name, &v);

	if (err)
		fail_msg("pts_stat_get(%s) = %d", name, err);
	return v;
}

static unsigned int nr_stats(void)
{
	unsigned int n = 0;

	while (pts_stat_name(n))
		n++;
	return n;
}

/* Whether @name is also the prefix of another statistic ("faults"). */
static bool stat_is_prefix(const char *name)
{
	size_t len = strlen(name);

	for (unsigned int i = 0; pts_stat_name(i); i++)
		if (!strncmp(pts_stat_name(i), name, len) && pts_stat_name(i)[len] == '.')
			return true;
	return false;
}

/* --- statistics -------------------------------------------------------------- */

static void test_stat_values(void **state)
{
	const struct expect *x = expect_for(*state);
	struct ptsim_test_env t;
	struct ptsim_mem_stats ms;
	struct ptsim_host_stats hs;
	uint64_t v;

	ptsim_test_env_init(&t, *state, NULL);
	scenario(&t);
	assert_u64_eq(stat(&t, "vmpte"), x->vmpte_pages * t.psz);
	assert_u64_eq(stat(&t, "vmpte"), ptsim_mm_pgtables_bytes(t.mm));
	assert_u64_eq(stat(&t, "tables.pgd"), x->tables[PTSIM_PGD]);
	assert_u64_eq(stat(&t, "tables.p4d"), x->tables[PTSIM_P4D]);
	assert_u64_eq(stat(&t, "tables.pud"), x->tables[PTSIM_PUD]);
	assert_u64_eq(stat(&t, "tables.pmd"), x->tables[PTSIM_PMD]);
	assert_u64_eq(stat(&t, "tables.pte"), x->tables[PTSIM_PTE]);
	assert_u64_eq(stat(&t, "vmas"), 1);
	assert_u64_eq(stat(&t, "faults"), 4);
	assert_u64_eq(stat(&t, "faults.minor"), 4);
	assert_u64_eq(stat(&t, "faults.major"), 0);
	assert_u64_eq(stat(&t, "faults.anon"), 3);
	assert_u64_eq(stat(&t, "faults.zero_page"), 1);
	assert_u64_eq(stat(&t, "faults.cow"), 0);
	assert_u64_eq(stat(&t, "rss.anon"), 3);
	assert_u64_eq(stat(&t, "rss.file"), 0);
	assert_u64_eq(stat(&t, "signals.sigsegv"), 0);
	assert_u64_eq(stat(&t, "uffd.pending"), 0);
	assert_u64_eq(stat(&t, "violations"), 0);

	/* A write to the zero-page mapping is a copy-on-write fault. */
	access_ok(&t, BASE + 4 * t.psz, PTSIM_ACCESS_WRITE);
	assert_u64_eq(stat(&t, "faults"), 5);
	assert_u64_eq(stat(&t, "faults.cow"), 1);
	assert_u64_eq(stat(&t, "rss.anon"), 4);

	/* Machine statistics read the same without an address space; per-mm ones read 0. */
	ptsim_mem_stats(t.m, &ms);
	assert_int_equal(pts_stat_get(t.m, NULL, "mem.free_pages", &v), 0);
	assert_u64_eq(v, ms.free_pages);
	assert_int_equal(pts_stat_get(t.m, NULL, "mem.present_pages", &v), 0);
	assert_u64_eq(v, ms.present_pages);
	assert_u64_eq(stat(&t, "mem.used_pages"), ms.present_pages - ms.free_pages);
	assert_int_equal(pts_stat_get(t.m, NULL, "faults", &v), 0);
	assert_u64_eq(v, 0);
	assert_int_equal(pts_stat_get(t.m, NULL, "vmpte", &v), 0);
	assert_u64_eq(v, 0);
	/* The machine is found through the address space. */
	assert_int_equal(pts_stat_get(NULL, t.mm, "mem.free_pages", &v), 0);
	assert_u64_eq(v, ms.free_pages);
	ptsim_host_stats(t.m, &hs);
	assert_u64_eq(stat(&t, "host.bytes"), hs.bytes_live);
	assert_u64_eq(stat(&t, "host.allocs"), hs.nr_live);

	/* Unmapping frees the tables (no VMA is left) and the pages. */
	assert_int_equal(ptsim_munmap(t.mm, BASE, 2 * pmd_size(&t)), 0);
	assert_u64_eq(stat(&t, "vmpte"), 0);
	assert_u64_eq(stat(&t, "tables.pte"), 0);
	assert_u64_eq(stat(&t, "tables.pgd"), 1);
	assert_u64_eq(stat(&t, "rss.anon"), 0);
	assert_u64_eq(stat(&t, "vmas"), 0);
	assert_u64_eq(stat(&t, "faults"), 5);
	assert_true(stat(&t, "tlb.flushes.range") + stat(&t, "tlb.flushes.mm") > 0);
	assert_machine_clean(t.m);
	ptsim_mem_stats(t.m, &ms);
	assert_u64_eq(ms.free_pages, t.free0);
	ptsim_test_env_fini(&t);
}

/* Every TLB statistic reads its own field of ptsim_tlb_stats_total(). */
static void test_stat_tlb_fields(void **state)
{
	static const char *const lv[] = {"pgd", "p4d", "pud", "pmd", "pte"};
	struct ptsim_test_env t;
	struct ptsim_tlb_stats s;
	char name[64];

	ptsim_test_env_init(&t, *state, NULL);
	scenario(&t);
	/* Make the flush counters differ from one another. */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, BASE), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ptsim_flush_tlb_range(t.mm, BASE, BASE + 4 * t.psz, PTSIM_PTE), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ptsim_flush_tlb_pgtable(t.mm, BASE, BASE + t.psz), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ptsim_flush_tlb_all(t.m), 0);
	for (unsigned int cpu = 1; cpu < 3; cpu++) {
		assert_int_equal(ptsim_switch_mm(t.mm, cpu), 0);
		access_ok(&t, BASE, PTSIM_ACCESS_READ);
	}
	access_ok(&t, BASE, PTSIM_ACCESS_READ); /* a TLB hit */
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	ptsim_tlb_stats_total(t.m, &s);
	assert_true(s.ipis > 0);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		snprintf(name, sizeof(name), "tlb.hits.%s", lv[l]);
		assert_u64_eq(stat(&t, name), s.hits[l]);
		snprintf(name, sizeof(name), "tlb.misses.%s", lv[l]);
		assert_u64_eq(stat(&t, name), s.misses[l]);
		snprintf(name, sizeof(name), "tlb.walk_hits.%s", lv[l]);
		assert_u64_eq(stat(&t, name), s.walk_hits[l]);
	}
	assert_true(s.hits[PTSIM_PTE] > 0 && s.misses[PTSIM_PTE] > 0);
	for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++) {
		snprintf(name, sizeof(name), "tlb.flushes.%s",
			 ptsim_tlb_flush_kind_name((enum ptsim_tlb_flush_kind)k));
		assert_u64_eq(stat(&t, name), s.flushes[k]);
	}
	assert_u64_eq(stat(&t, "tlb.flushes.all"), 4);
	assert_u64_eq(stat(&t, "tlb.lookup_misses"), s.lookup_misses);
	assert_u64_eq(stat(&t, "tlb.walk_misses"), s.walk_misses);
	assert_u64_eq(stat(&t, "tlb.ipis"), s.ipis);
	assert_u64_eq(stat(&t, "tlb.invalidated"), s.invalidated);
	assert_u64_eq(stat(&t, "tlb.evictions"), s.evictions);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_stat_names(void **state)
{
	unsigned int n = nr_stats();
	uint64_t v;
	struct ptsim_test_env t;
	static const char *const required[] = {
		"vmpte",
		"tables.pgd",
		"tables.p4d",
		"tables.pud",
		"tables.pmd",
		"tables.pte",
		"vmas",
		"faults",
		"faults.major",
		"faults.minor",
		"faults.anon",
		"faults.zero_page",
		"faults.cow",
		"faults.wp_reuse",
		"faults.file",
		"faults.fixup",
		"faults.spurious",
		"signals.sigsegv",
		"signals.sigbus",
		"rss.anon",
		"rss.file",
		"rss.shmem",
		"tlb.hits.pte",
		"tlb.misses.pmd",
		"tlb.lookup_misses",
		"tlb.walk_hits.pgd",
		"tlb.walk_misses",
		"tlb.ipis",
		"tlb.invalidated",
		"tlb.evictions",
		"uffd.pending",
		"violations",
		"host.bytes",
		"host.allocs",
		"mem.free_pages",
	};

	ptsim_test_env_init(&t, *state, NULL);
	assert_true(n >= sizeof(required) / sizeof(required[0]));
	assert_null(pts_stat_name(n));
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		assert_int_equal(pts_stat_get(t.m, t.mm, required[i], &v), 0);
	for (unsigned int i = 0; i < n; i++) {
		const char *a = pts_stat_name(i);

		/*
		 * Dotted names of letters, digits and '_' (meminfo keeps the
		 * kernel's capitals): nothing in JSON keys to escape.
		 */
		assert_true(a[0] && a[0] != '.' && a[strlen(a) - 1] != '.');
		assert_null(strstr(a, ".."));
		for (const char *p = a; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.');
		assert_int_equal(pts_stat_get(t.m, t.mm, a, &v), 0);
		for (unsigned int j = i + 1; j < n; j++)
			assert_string_not_equal(a, pts_stat_name(j));
	}
	/* Unknown names, prefixes that are not statistics, near misses. */
	v = 42;
	assert_int_equal(pts_stat_get(t.m, t.mm, "nope", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "tlb.hits", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "faults.", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "faults.total", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "Vmpte", &v), -ENOENT);
	assert_int_equal(pts_stat_get(t.m, t.mm, "vmpte ", &v), -ENOENT);
	assert_u64_eq(v, 42);
	assert_int_equal(pts_stat_get(t.m, t.mm, NULL, &v), -EINVAL);
	assert_int_equal(pts_stat_get(t.m, t.mm, "vmpte", NULL), -EINVAL);
	ptsim_test_env_fini(&t);
}

/* --- a strict little JSON reader ------------------------------------------------ */

/*
 * Objects, strings, unsigned integers and null - what pts_stats_json()
 * may print.  Every scalar is recorded with its dotted path; a duplicate
 * key, a trailing comma or any other syntax error fails the parse.
 */
enum jkind { J_NUM, J_STR, J_NULL };

struct jleaf {
	char path[96];
	enum jkind kind;
	uint64_t num;
	char str[96];
};

struct jparser {
	const char *s;
	size_t pos;
	struct jleaf leaves[256];
	unsigned int nr;
	const char *error;
};

static void jp_ws(struct jparser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\n' || p->s[p->pos] == '\t' ||
	       p->s[p->pos] == '\r')
		p->pos++;
}

static bool jp_fail(struct jparser *p, const char *what)
{
	if (!p->error)
		p->error = what;
	return false;
}

static bool jp_string(struct jparser *p, char *out, size_t len)
{
	size_t n = 0;

	if (p->s[p->pos] != '"')
		return jp_fail(p, "expected a string");
	p->pos++;
	for (;;) {
		char c = p->s[p->pos++];

		if (c == '"')
			break;
		if (!c || (unsigned char)c < 0x20)
			return jp_fail(p, "bad character in string");
		if (c == '\\') {
			c = p->s[p->pos++];
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned int u = 0;

				for (int i = 0; i < 4; i++) {
					char h = p->s[p->pos++];

					if (h >= '0' && h <= '9')
						u = u * 16 + (unsigned int)(h - '0');
					else if (h >= 'a' && h <= 'f')
						u = u * 16 + (unsigned int)(h - 'a' + 10);
					else
						return jp_fail(p, "bad \\u escape");
				}
				if (u >= 0x80)
					return jp_fail(p, "non-ASCII \\u escape");
				c = (char)u;
				break;
			}
			default:
				return jp_fail(p, "bad escape");
			}
		}
		if (n + 1 >= len)
			return jp_fail(p, "string too long");
		out[n++] = c;
	}
	out[n] = 0;
	return true;
}

static struct jleaf *jp_leaf(struct jparser *p, const char *path, enum jkind kind)
{
	struct jleaf *l;

	if (p->nr == sizeof(p->leaves) / sizeof(p->leaves[0])) {
		jp_fail(p, "too many values");
		return NULL;
	}
	l = &p->leaves[p->nr++];
	memset(l, 0, sizeof(*l));
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->kind = kind;
	return l;
}

static bool jp_value(struct jparser *p, const char *path);

static bool jp_object(struct jparser *p, const char *path)
{
	char keys[64][48];
	unsigned int nr_keys = 0;

	p->pos++; /* '{' */
	jp_ws(p);
	if (p->s[p->pos] == '}') {
		p->pos++;
		return true;
	}
	for (;;) {
		char key[48], sub[96];

		jp_ws(p);
		if (!jp_string(p, key, sizeof(key)))
			return false;
		for (unsigned int i = 0; i < nr_keys; i++)
			if (!strcmp(keys[i], key))
				return jp_fail(p, "duplicate key");
		if (nr_keys == 64)
			return jp_fail(p, "too many keys");
		strcpy(keys[nr_keys++], key);
		jp_ws(p);
		if (p->s[p->pos++] != ':')
			return jp_fail(p, "expected ':'");
		jp_ws(p);
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
		if (!jp_value(p, sub))
			return false;
		jp_ws(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == '}') {
			p->pos++;
			return true;
		}
		return jp_fail(p, "expected ',' or '}'");
	}
}

static bool jp_value(struct jparser *p, const char *path)
{
	const char *s = p->s + p->pos;
	struct jleaf *l;

	if (*s == '{')
		return jp_object(p, path);
	if (*s == '"') {
		l = jp_leaf(p, path, J_STR);
		return l && jp_string(p, l->str, sizeof(l->str));
	}
	if (!strncmp(s, "null", 4)) {
		p->pos += 4;
		return jp_leaf(p, path, J_NULL) != NULL;
	}
	if (*s >= '0' && *s <= '9') {
		l = jp_leaf(p, path, J_NUM);
		if (!l)
			return false;
		if (*s == '0' && s[1] >= '0' && s[1] <= '9')
			return jp_fail(p, "leading zero");
		while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			l->num = l->num * 10 + (uint64_t)(p->s[p->pos++] - '0');
		return true;
	}
	return jp_fail(p, "unexpected value");
}

static void jp_parse(struct jparser *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->s = text;
	jp_ws(p);
	if (p->s[p->pos] != '{')
		fail_msg("JSON does not start with an object");
	if (!jp_value(p, ""))
		fail_msg("bad JSON at offset %zu: %s\n%s", p->pos, p->error, text);
	jp_ws(p);
	if (p->s[p->pos])
		fail_msg("text after the JSON object at offset %zu", p->pos);
}

static const struct jleaf *jp_find(const struct jparser *p, const char *path)
{
	for (unsigned int i = 0; i < p->nr; i++)
		if (!strcmp(p->leaves[i].path, path))
			return &p->leaves[i];
	return NULL;
}

/* The whole of a stream written by the code under test. */
static char *slurp(FILE *f)
{
	long len;
	char *buf;

	assert_int_equal(fflush(f), 0);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	return buf;
}

static char *stats_json(struct ptsim_test_env *t, struct ptsim_mm *mm, const char *mm_name)
{
	FILE *f = tmpfile();
	char *text;

	assert_non_null(f);
	pts_stats_json(t->m, mm, mm_name, f);
	text = slurp(f);
	fclose(f);
	return text;
}

static void test_stats_json(void **state)
{
	struct ptsim_test_env t;
	struct jparser *p = malloc(sizeof(*p));
	const struct jleaf *l;
	unsigned int n = nr_stats(), nr_nums = 0;
	char *text;

	assert_non_null(p);
	ptsim_test_env_init(&t, *state, NULL);
	scenario(&t);
	text = stats_json(&t, t.mm, "child \"b\"\\1\n");
	jp_parse(p, text);
	/* "arch" and "mm" first, in that order. */
	assert_true(p->nr >= 2);
	assert_string_equal(p->leaves[0].path, "arch");
	assert_string_equal(p->leaves[0].str, ptsim_arch_name(t.a));
	assert_string_equal(p->leaves[1].path, "mm");
	assert_int_equal(p->leaves[1].kind, J_STR);
	assert_string_equal(p->leaves[1].str, "child \"b\"\\1\n");
	/* Every statistic once, in table order, with the value pts_stat_get() reads. */
	for (unsigned int i = 2; i < p->nr; i++)
		nr_nums += p->leaves[i].kind == J_NUM;
	assert_int_equal(nr_nums, n);
	assert_int_equal(p->nr, n + 2);
	for (unsigned int i = 0; i < n; i++) {
		const char *name = pts_stat_name(i);
		char path[96];

		snprintf(path, sizeof(path), "%s%s", name, stat_is_prefix(name) ? ".total" : "");
		l = jp_find(p, path);
		if (!l)
			fail_msg("%s is not in the JSON as %s", name, path);
		assert_ptr_equal(l, &p->leaves[i + 2]);
		assert_int_equal(l->kind, J_NUM);
		assert_u64_eq(l->num, stat(&t, name));
	}
	/* The nesting the header promises. */
	assert_true(stat_is_prefix("faults"));
	l = jp_find(p, "faults.total");
	assert_non_null(l);
	assert_u64_eq(l->num, 4);
	assert_non_null(jp_find(p, "faults.anon"));
	assert_null(jp_find(p, "faults"));
	assert_non_null(jp_find(p, "tlb.hits.pte"));
	assert_non_null(strstr(text, "\"faults\": {"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	/* Without an address space: "mm" is null, per-mm values 0. */
	text = stats_json(&t, NULL, NULL);
	jp_parse(p, text);
	assert_string_equal(p->leaves[1].path, "mm");
	assert_int_equal(p->leaves[1].kind, J_NULL);
	assert_u64_eq(jp_find(p, "vmpte")->num, 0);
	assert_u64_eq(jp_find(p, "rss.anon")->num, 0);
	assert_true(jp_find(p, "mem.free_pages")->num > 0);
	free(text);

	/* Deterministic: the same state prints the same text (host stats aside, unchanged here). */
	text = stats_json(&t, t.mm, "a");
	{
		char *again = stats_json(&t, t.mm, "a");

		assert_string_equal(text, again);
		free(again);
	}
	free(text);
	free(p);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* --- pictures ------------------------------------------------------------------ */

static char *dot_text(struct ptsim_mm *mm, uint64_t start, uint64_t end, const char *title,
		      long *ret)
{
	FILE *f = tmpfile();
	char *text;

	assert_non_null(f);
	*ret = pts_dot_write(mm, start, end, title, f);
	text = slurp(f);
	fclose(f);
	return text;
}

static unsigned int count(const char *text, const char *what)
{
	unsigned int n = 0;

	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("\"%s\" not in:\n%s", what, text);
}

/* A node per real table with the level's name, none for a folded level, edges to nodes. */
static void assert_tree_shape(struct ptsim_test_env *t, const char *text, long nodes)
{
	long total = 0;
	char what[64];

	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		unsigned int got;

		snprintf(what, sizeof(what), "<B>%s</B> table",
			 ptsim_arch_level_name(t->a, (enum ptsim_level)l));
		got = count(text, what);
		if (ptsim_arch_level_folded(t->a, (enum ptsim_level)l))
			assert_int_equal(got, 0);
		else
			assert_u64_eq(got, ptsim_mm_nr_tables(t->mm, (enum ptsim_level)l));
		total += got;
	}
	assert_int_equal(total, nodes);
	assert_int_equal(count(text, "[label=<"), nodes);
	/* A tree: every table but the root hangs off one table entry. */
	assert_int_equal(count(text, " -> "), nodes - 1);
	snprintf(what, sizeof(what), "\tt_%llx [label=<",
		 (unsigned long long)ptsim_mm_pgd_pfn(t->mm));
	assert_has(text, what);
	for (const char *e = strstr(text, " -> t_"); e; e = strstr(e + 1, " -> t_")) {
		unsigned long long pfn = strtoull(e + 6, NULL, 16);

		snprintf(what, sizeof(what), "\tt_%llx [label=<", pfn);
		assert_has(text, what);
	}
	assert_true(!strncmp(text, "digraph ptsim {\n", 16));
	assert_int_equal(text[strlen(text) - 2], '}');
}

static void test_dot_tree(void **state)
{
	const struct expect *x = expect_for(*state);
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	char what[128];
	long nodes, n2;
	char *text, *again;

	ptsim_test_env_init(&t, *state, NULL);
	scenario(&t);
	/* Page 6: PROT_NONE (present to Linux, not to the MMU). */
	access_ok(&t, BASE + 6 * t.psz, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_mprotect(t.mm, BASE + 6 * t.psz, t.psz, PTSIM_PROT_NONE), 0);
	assert_machine_clean(t.m);

	text = dot_text(t.mm, 0, 0, "tables of \"a\" <b> & c\\", &nodes);
	assert_int_equal(nodes, (long)(x->tables[0] + x->tables[1] + x->tables[2] + x->tables[3] +
				       x->tables[4]));
	assert_tree_shape(&t, text, nodes);
	assert_has(text, "label=\"tables of \\\"a\\\" <b> & c\\\\\"");
	/* Page 0 and page 2 are rows [0] and [2] of the first PTE table, with their frames. */
	assert_int_equal(ptsim_translate(t.mm, BASE, &tr), 0);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_int_equal(tr.index, 0);
	snprintf(what, sizeof(what), "\tt_%llx [label=<", (unsigned long long)tr.table_pfn);
	assert_has(text, what);
	snprintf(what, sizeof(what),
		 ">[0]</TD><TD ALIGN=\"LEFT\">0x%llx</TD><TD ALIGN=\"LEFT\">pfn 0x%llx rw- user "
		 "dirty young",
		 (unsigned long long)BASE, (unsigned long long)tr.pfn);
	assert_has(text, what);
	assert_int_equal(ptsim_translate(t.mm, BASE + 4 * t.psz, &tr), 0);
	snprintf(what, sizeof(what),
		 ">[4]</TD><TD ALIGN=\"LEFT\">0x%llx</TD><TD ALIGN=\"LEFT\">pfn 0x%llx r-- user",
		 (unsigned long long)(BASE + 4 * t.psz), (unsigned long long)ptsim_zero_pfn(t.m));
	assert_has(text, what);
	assert_has(text, " special");
	assert_has(text, ">[6]</TD>");
	assert_has(text, "PROT_NONE pfn 0x");
	/* The edge to the first PTE table leaves the entry's port. */
	snprintf(what, sizeof(what), " -> t_%llx:h:w;", (unsigned long long)tr.table_pfn);
	assert_has(text, what);
	/* Deterministic. */
	again = dot_text(t.mm, 0, 0, "tables of \"a\" <b> & c\\", &n2);
	assert_int_equal(n2, nodes);
	assert_string_equal(text, again);
	free(again);
	free(text);

	/* From BASE to the top (end == 0): the same tables. */
	text = dot_text(t.mm, BASE, 0, NULL, &n2);
	assert_int_equal(n2, nodes);
	assert_null(strstr(text, "label=\""));
	free(text);
	/* The second PMD span only: one PTE table drawn. */
	text = dot_text(t.mm, BASE + pmd_size(&t), BASE + 2 * pmd_size(&t), NULL, &n2);
	assert_int_equal(n2, nodes - 1);
	snprintf(what, sizeof(what), "<B>%s</B> table", ptsim_arch_level_name(t.a, PTSIM_PTE));
	assert_int_equal(count(text, what), 1);
	assert_has(text, ">[0]</TD>");
	assert_null(strstr(text, ">[2]</TD>"));
	free(text);
	/* A range starting inside a page: rows still show whole entries' addresses. */
	text = dot_text(t.mm, BASE + t.psz + 8, BASE + 2 * pmd_size(&t), NULL, &n2);
	assert_int_equal(n2, nodes);
	snprintf(what, sizeof(what), ">0x%llx</TD><TD ALIGN=\"LEFT\" PORT=\"e",
		 (unsigned long long)BASE);
	assert_has(text, what);
	snprintf(what, sizeof(what), ">[2]</TD><TD ALIGN=\"LEFT\">0x%llx</TD>",
		 (unsigned long long)(BASE + 2 * t.psz));
	assert_has(text, what);
	assert_null(
		strstr(text, ">[0]</TD><TD ALIGN=\"LEFT\">0x40000000</TD><TD ALIGN=\"LEFT\">pfn"));
	snprintf(what, sizeof(what), "0x%llx<", (unsigned long long)(BASE + t.psz + 8));
	assert_null(strstr(text, what));
	free(text);
	/* A bad range writes nothing. */
	text = dot_text(t.mm, BASE + t.psz, BASE, NULL, &n2);
	assert_int_equal(n2, -EINVAL);
	assert_string_equal(text, "");
	free(text);

	assert_int_equal(ptsim_munmap(t.mm, BASE, 2 * pmd_size(&t)), 0);
	assert_machine_clean(t.m);
	/* An empty address space: the root alone. */
	text = dot_text(t.mm, 0, 0, NULL, &n2);
	assert_int_equal(n2, 1);
	assert_int_equal(count(text, " -> "), 0);
	free(text);
	ptsim_test_env_fini(&t);
}

/* Runs of leaves become one row only with equal bits and consecutive frames. */
static void test_dot_merge(void **state)
{
	struct ptsim_test_env t;
	uint64_t rw, ro, pfn, va = BASE;
	char what[160];
	long nodes;
	char *text;

	ptsim_test_env_init(&t, *state, NULL);
	rw = ptsim_pgprot(t.a, RW, 0);
	ro = ptsim_pgprot(t.a, PTSIM_PROT_READ, 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 7, &pfn), 0); /* 128 frames */
	assert_int_equal(ptsim_map(t.mm, va, 48 * t.psz, pfn, t.psz, rw, 0), 0);
	assert_int_equal(ptsim_map(t.mm, va + 48 * t.psz, 16 * t.psz, pfn + 48, t.psz, ro, 0), 0);
	assert_int_equal(ptsim_map(t.mm, va + 100 * t.psz, t.psz, pfn + 100, t.psz, rw, 0), 0);
	/* Next index, same bits, but not the next frame: a row of its own. */
	assert_int_equal(ptsim_map(t.mm, va + 101 * t.psz, t.psz, pfn + 64, t.psz, rw, 0), 0);
	assert_machine_clean(t.m);

	text = dot_text(t.mm, 0, 0, NULL, &nodes);
	assert_tree_shape(&t, text, nodes);
	snprintf(what, sizeof(what),
		 ">[0..47] 48 entries</TD><TD ALIGN=\"LEFT\">0x%llx-0x%llx</TD>",
		 (unsigned long long)va, (unsigned long long)(va + 48 * t.psz));
	assert_has(text, what);
	snprintf(what, sizeof(what), "pfn 0x%llx..0x%llx rw-", (unsigned long long)pfn,
		 (unsigned long long)(pfn + 47));
	assert_has(text, what);
	assert_has(text, ">[48..63] 16 entries</TD>");
	snprintf(what, sizeof(what), "pfn 0x%llx..0x%llx r--", (unsigned long long)(pfn + 48),
		 (unsigned long long)(pfn + 63));
	assert_has(text, what);
	assert_has(text, ">[100]</TD>");
	assert_has(text, ">[101]</TD>");
	/* Four rows in the PTE table: 2 runs + 2 singles. */
	assert_int_equal(count(text, "BGCOLOR=\"#d9f2d9\""), 4);
	free(text);

	/* A PMD-size leaf where the configuration has one in buddy range. */
	if (ptsim_arch_leaf_ok(t.a, PTSIM_PMD) &&
	    pmd_size(&t) / t.psz <= (1ull << ptsim_arch_max_order(t.a))) {
		unsigned int order = 0;
		uint64_t hpfn, hva = BASE + 2 * pmd_size(&t);
		char sz[16];

		while ((t.psz << order) < pmd_size(&t))
			order++;
		assert_int_equal(ptsim_alloc_pages(t.m, order, &hpfn), 0);
		assert_int_equal(ptsim_map(t.mm, hva, pmd_size(&t), hpfn, pmd_size(&t), rw, 0), 0);
		text = dot_text(t.mm, 0, 0, NULL, &nodes);
		assert_tree_shape(&t, text, nodes);
		snprintf(sz, sizeof(sz), "%lluM", (unsigned long long)(pmd_size(&t) >> 20));
		snprintf(what, sizeof(what),
			 "<TD ALIGN=\"LEFT\">0x%llx</TD><TD ALIGN=\"LEFT\">%s pfn 0x%llx rw-",
			 (unsigned long long)hva, sz, (unsigned long long)hpfn);
		assert_has(text, what);
		free(text);
		assert_int_equal(ptsim_unmap(t.mm, hva, pmd_size(&t), PTSIM_UNMAP_FREE_TABLES), 1);
		assert_int_equal(ptsim_free_pages(t.m, hpfn, order), 0);
	}
	assert_int_equal(ptsim_unmap(t.mm, va, pmd_size(&t), PTSIM_UNMAP_FREE_TABLES), 66);
	assert_int_equal(ptsim_free_pages(t.m, pfn, 7), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static uint64_t swap_entry(struct ptsim_test_env *t, unsigned int type, uint64_t offset)
{
	struct ptsim_softleaf sl = {
		.type = PTSIM_SOFTLEAF_SWAP, .swp_type = type, .offset = offset};
	ptsim_ent_t e;

	assert_int_equal(ptsim_softleaf_mk(t->m, PTSIM_PTE, &sl, &e), 0);
	return e;
}

/* Swap entries and markers: named by their softleaf type, merged like leaves. */
static void test_dot_swap(void **state)
{
	struct ptsim_test_env t;
	ptsim_pte_t e;
	uint64_t a, pfn;
	char what[160];
	long nodes;
	char *text;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 16 * t.psz, RW, ANP, NULL, 0, &a), 0);
	access_ok(&t, BASE + 15 * t.psz, PTSIM_ACCESS_WRITE); /* the PTE table */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_GUARD, &e), 0);
	ptsim_test_install_pte(&t, BASE, e.val);
	ptsim_test_install_pte(&t, BASE + t.psz, e.val);
	ptsim_test_install_pte(&t, BASE + 2 * t.psz, swap_entry(&t, 1, 0x10));
	ptsim_test_install_pte(&t, BASE + 3 * t.psz, swap_entry(&t, 1, 0x11));
	ptsim_test_install_pte(&t, BASE + 4 * t.psz,
			       swap_entry(&t, 2, 0x12)); /* another swap area */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &pfn), 0);
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, pfn, &e), 0);
	ptsim_test_install_pte(&t, BASE + 5 * t.psz, e.val);
	assert_machine_clean(t.m);

	text = dot_text(t.mm, 0, 0, NULL, &nodes);
	assert_tree_shape(&t, text, nodes);
	assert_has(text, ">[0..1] 2 entries</TD>");
	assert_has(text, ">MARKER guard</TD>");
	assert_has(text, ">[2..3] 2 entries</TD>");
	assert_has(text, ">swap 1 offset 0x10..0x11</TD>");
	assert_has(text, ">[4]</TD>");
	assert_has(text, ">swap 2 offset 0x12</TD>");
	snprintf(what, sizeof(what),
		 ">[5]</TD><TD ALIGN=\"LEFT\">0x%llx</TD><TD ALIGN=\"LEFT\">HWPOISON pfn "
		 "0x%llx</TD>",
		 (unsigned long long)(BASE + 5 * t.psz), (unsigned long long)pfn);
	assert_has(text, what);
	assert_has(text, ">[15]</TD>");
	/* Five rows of non-present entries, one present leaf. */
	assert_int_equal(count(text, "BGCOLOR=\"#f2f2cc\""), 4);
	assert_int_equal(count(text, "BGCOLOR=\"#d9f2d9\""), 1);
	free(text);

	assert_int_equal(ptsim_munmap(t.mm, BASE, 16 * t.psz), 0);
	assert_int_equal(ptsim_free_pages(t.m, pfn, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* --- rendering ------------------------------------------------------------------ */

static void test_dot_render(void **state)
{
	struct ptsim_test_env t;
	char dir[] = "/tmp/ptsim_dot_XXXXXX";
	char in[64], out[64], bad[64], err[256];
	char *old_path;
	long nodes;
	FILE *f;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/t.dot", dir);
	snprintf(bad, sizeof(bad), "%s/bad.dot", dir);

	/* Unknown formats are refused before anything runs. */
	snprintf(out, sizeof(out), "%s/t.jpg", dir);
	err[0] = 0;
	assert_int_equal(pts_dot_render(in, out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.jpg"));
	assert_int_equal(pts_dot_render(in, "noext", err, sizeof(err)), -EINVAL);
	assert_int_equal(pts_dot_render(in, "a.svg/b", err, sizeof(err)), -EINVAL);

	/* No Graphviz in PATH. */
	old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	assert_int_equal(setenv("PATH", dir, 1), 0);
	snprintf(out, sizeof(out), "%s/t.svg", dir);
	err[0] = 0;
	assert_int_equal(pts_dot_render(in, out, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "dot"));
	if (old_path)
		assert_int_equal(setenv("PATH", old_path, 1), 0);
	else
		unsetenv("PATH");
	free(old_path);

	/* The rest needs Graphviz. */
	f = fopen(in, "w");
	assert_non_null(f);
	fputs("digraph { a -> b; }\n", f);
	assert_int_equal(fclose(f), 0);
	if (pts_dot_render(in, out, err, sizeof(err)) == -ENOENT) {
		unlink(in);
		rmdir(dir);
		skip();
	}
	unlink(out);

	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	scenario(&t);
	f = fopen(in, "w");
	assert_non_null(f);
	nodes = pts_dot_write(t.mm, 0, 0, "a \"quoted\" <title>", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(nodes, 5);

	assert_int_equal(pts_dot_render(in, out, err, sizeof(err)), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	text = slurp(f);
	fclose(f);
	assert_true(!strncmp(text, "<?xml", 5) || strstr(text, "<svg"));
	assert_has(text, "<svg");
	/* One SVG group per node. */
	assert_int_equal(count(text, "class=\"node\""), 5);
	free(text);
	unlink(out);

	snprintf(out, sizeof(out), "%s/t.PNG", dir);
	assert_int_equal(pts_dot_render(in, out, err, sizeof(err)), 0);
	f = fopen(out, "rb");
	assert_non_null(f);
	text = slurp(f);
	fclose(f);
	assert_memory_equal(text, "\x89PNG", 4);
	free(text);
	unlink(out);

	/* Graphviz refuses the input: -EIO, with what it said. */
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("digraph { a -> ; }\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(out, sizeof(out), "%s/bad.svg", dir);
	err[0] = 0;
	assert_int_equal(pts_dot_render(bad, out, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "bad.dot"));
	unlink(out);
	/* A missing input is dot's failure too. */
	snprintf(in, sizeof(in), "%s/missing.dot", dir);
	assert_int_equal(pts_dot_render(in, out, err, sizeof(err)), -EIO);
	unlink(out);

	unlink(bad);
	snprintf(in, sizeof(in), "%s/t.dot", dir);
	unlink(in);
	assert_int_equal(rmdir(dir), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		STATS_DOT_TESTS(test_stat_values), STATS_DOT_TESTS(test_stat_tlb_fields),
		STATS_DOT_TESTS(test_stat_names),  STATS_DOT_TESTS(test_stats_json),
		STATS_DOT_TESTS(test_dot_tree),	   STATS_DOT_TESTS(test_dot_merge),
		STATS_DOT_TESTS(test_dot_swap),	   cmocka_unit_test(test_dot_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
