// SPDX-License-Identifier: MIT
/*
 * test_trace.c - `ptsim trace`: the line parser on literal lines of both
 * formats, the --tlb parser, the replay with exact counts, and the command
 * end to end (exit status, JSON on stdout, FILE:LINE messages on stderr).
 */
#define _GNU_SOURCE /* mkstemp, dup, fileno */

#include <errno.h>
#include <unistd.h>

#include "ptsim_test.h"
#include "trace.h"

/* --- the line parser ------------------------------------------------------------ */

/* Parse a NUL-terminated line; the message goes to @err. */
static int parse(const char *line, struct pts_trace_ref refs[2], char err[256])
{
	err[0] = '\0';
	return pts_trace_parse_line(line, strlen(line), refs, err, 256);
}

static void expect_ref(const struct pts_trace_ref *r, unsigned int access, uint64_t addr,
		       unsigned int size)
{
	assert_int_equal(r->access, access);
	assert_u64_eq(r->addr, addr);
	assert_int_equal(r->size, size);
}

/* The error for @line, which must be -EINVAL with a message containing @needle. */
static void expect_bad(const char *line, size_t len, const char *needle)
{
	struct pts_trace_ref refs[2];
	char err[256] = "";
	int n = pts_trace_parse_line(line, len, refs, err, sizeof(err));

	if (n != -EINVAL)
		fail_msg("\"%s\": got %d, expected -EINVAL", line, n);
	if (!strstr(err, needle))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", line, err, needle);
}

#define BAD(line, needle) expect_bad(line, strlen(line), needle)

static void test_parse_lackey(void **state)
{
	struct pts_trace_ref r[2];
	char err[256];

	(void)state;
	assert_int_equal(parse("I  0400d7d4,8", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_EXEC, 0x0400d7d4, 8);
	assert_int_equal(parse(" L 04010c58,8", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0x04010c58, 8);
	assert_int_equal(parse(" S 7ff000398,8", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0x7ff000398, 8);
	/* M is a load and a store of the same bytes. */
	assert_int_equal(parse(" M 0421c7f0,4", r, err), 2);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0x0421c7f0, 4);
	expect_ref(&r[1], PTSIM_ACCESS_WRITE, 0x0421c7f0, 4);
	/* Instruction lengths, tabs, and the newline left on by a reader. */
	assert_int_equal(parse("I  04017e2b,15\n", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_EXEC, 0x04017e2b, 15);
	assert_int_equal(parse("\tS\t0000000000001000,64\r\n", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0x1000, 64);

	/* valgrind's banners. */
	assert_int_equal(parse("==12345== Lackey, an example Valgrind tool", r, err), 0);
	assert_int_equal(parse("==2509== ", r, err), 0);
	assert_int_equal(parse("==1==", r, err), 0);
	assert_int_equal(parse("--2509-- Reading syms from /bin/ls", r, err), 0);
	BAD("==x== not a banner", "unknown access kind \"==x==");
	BAD("== 12== not a banner", "unknown access kind");
	BAD("=-12-= not a banner", "unknown access kind");
	BAD("==12=", "unknown access kind");
	BAD("  ==12== indented", "unknown access kind");
}

static void test_parse_plain(void **state)
{
	struct pts_trace_ref r[2];
	char err[256];

	(void)state;
	assert_int_equal(parse("R 0x7f001000", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0x7f001000, 1);
	assert_int_equal(parse("W 7f001000,8", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0x7f001000, 8);
	assert_int_equal(parse("X 0X400000", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_EXEC, 0x400000, 1);
	assert_int_equal(parse("  W   0xAbCdEf  ", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0xabcdef, 1);
	assert_int_equal(parse("R 0x10,4 # the stack", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0x10, 4);
	assert_int_equal(parse("R 0\t#", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0, 1);

	/* Lines without an access. */
	assert_int_equal(parse("", r, err), 0);
	assert_int_equal(parse("   \t \r\n", r, err), 0);
	assert_int_equal(parse("# comment: W 0x1000", r, err), 0);
	assert_int_equal(parse("   # indented comment", r, err), 0);
	assert_int_equal(pts_trace_parse_line(NULL, 0, r, err, sizeof(err)), 0);
	assert_string_equal(err, "");

	/* The length bounds the line: no NUL needed, bytes after it unread. */
	assert_int_equal(pts_trace_parse_line("W 0x12345garbage", 9, r, err, sizeof(err)), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0x12345, 1);
	assert_int_equal(pts_trace_parse_line("R 0x1,2,", 7, r, err, sizeof(err)), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 1, 2);
}

static void test_parse_numbers(void **state)
{
	struct pts_trace_ref r[2];
	char err[256];

	(void)state;
	/* 64 bits exactly; leading zeros are not significant. */
	assert_int_equal(parse("R 0xffffffffffffffff", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, UINT64_MAX, 1);
	assert_int_equal(parse("R 000000000000000000000000000000001", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 1, 1);
	assert_int_equal(parse("R 0xfffffffffffff000,4096", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_READ, 0xfffffffffffff000, 4096);
	assert_int_equal(parse("W 0x0,65536", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0, PTS_TRACE_MAX_SIZE);
	assert_int_equal(parse("W 0x0,0000000000000000000000008", r, err), 1);
	expect_ref(&r[0], PTSIM_ACCESS_WRITE, 0, 8);

	BAD("R 0x10000000000000000", "address 0x10000000000000000 does not fit in 64 bits");
	BAD("R 123456789abcdef0123456789abcdef", "does not fit in 64 bits");
	BAD("R 0xffffffffffffffff,2", "wraps past 2^64");
	BAD("R 0xfffffffffffff001,4096", "wraps past 2^64");
	BAD("W 0x10,65537", "size 65537 too large (at most 65536)");
	BAD("W 0x10,99999999999999999999999999999", "too large");
	BAD("W 0x10,0", "size 0");
	BAD("W 0x10,-1", "expected a decimal size after ','");
	BAD("W 0x10,", "expected a decimal size after ','");
	BAD("W 0x10,0x8", "size 0");
	BAD("W 0x10,8x", "unexpected \"x\" after the access");
}

static void test_parse_malformed(void **state)
{
	struct pts_trace_ref r[2];
	char err[256], small[8];

	(void)state;
	BAD("Q 0x10", "unknown access kind \"Q 0x10\" (expected I, L, S, M");
	BAD("r 0x10", "unknown access kind \"r 0x10\"");
	BAD("0x10", "unknown access kind");
	BAD("R", "missing address after 'R'");
	BAD("R   ", "missing address after 'R'");
	BAD("R0x10", "expected a blank after 'R', found \"0x10\"");
	BAD("R 0x", "expected a hexadecimal address, found \"\"");
	BAD("R x10", "expected a hexadecimal address, found \"x10\"");
	BAD("R 0xg", "expected a hexadecimal address, found \"g\"");
	BAD("R 0x10 junk", "unexpected \"junk\" after the access");
	BAD("R 0x10g", "unexpected \"g\" after the access");
	BAD("R 0x10#no blank", "unexpected \"#no blank\" after the access");
	BAD("R 0x10,8 8", "unexpected \"8\" after the access");
	BAD("R 0x10 0x20", "unexpected \"0x20\" after the access");
	BAD("I  0400d7d4,8 extra words here, and more",
	    "unexpected \"extra words here, and mo...\"");

	/* Arbitrary bytes are quoted, never printed raw. */
	expect_bad("R 0x1\0", 6, "unexpected \"\\x00\" after the access");
	expect_bad("\xff\xfe", 2, "unknown access kind \"\\xff\\xfe\"");
	expect_bad("R \"\\", 4, "found \"\\\"\\\\\"");
	expect_bad("\0R 0x10", 7, "unknown access kind \"\\x00R 0x10\"");

	/* No message buffer, or a tiny one: still -EINVAL, still terminated. */
	assert_int_equal(pts_trace_parse_line("Q", 1, r, NULL, 0), -EINVAL);
	assert_int_equal(pts_trace_parse_line("Q", 1, r, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	(void)err;
}

/* Every prefix of a few lines, each cut byte by byte: never a crash. */
static void test_parse_prefixes(void **state)
{
	static const char *const lines[] = {
		"I  0400d7d4,8",
		" M 0421c7f0,4 # x",
		"W 0xffffffffffffffff,1",
		"==1== x",
	};
	struct pts_trace_ref r[2];
	char err[64];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		for (size_t n = 0; n <= strlen(lines[i]); n++) {
			char *copy =
				malloc(n ? n : 1); /* exactly n bytes: ASan catches overreads */
			int ret;

			assert_non_null(copy);
			memcpy(copy, lines[i], n);
			ret = pts_trace_parse_line(copy, n, r, err, sizeof(err));
			assert_true(ret >= -EINVAL && ret <= 2);
			free(copy);
		}
	}
}

/*
 * pts_trace_parse_line() (fast path first) and pts_trace_parse_line_ref()
 * (the general parser alone) agree on @line: the same return, accesses and
 * message.
 */
static void expect_same(const char *line, size_t len)
{
	struct pts_trace_ref a[2], b[2];
	char ea[256], eb[256];
	char *copy = malloc(len ? len : 1); /* exactly len bytes: ASan catches overreads */
	int na, nb;

	assert_non_null(copy);
	memcpy(copy, line, len);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	strcpy(ea, "unset");
	strcpy(eb, "unset");
	na = pts_trace_parse_line(copy, len, a, ea, sizeof(ea));
	nb = pts_trace_parse_line_ref(copy, len, b, eb, sizeof(eb));
	free(copy);
	if (na != nb)
		fail_msg("\"%.*s\" (%zu bytes): %d, the reference %d: %s", (int)len, line, len, na,
			 nb, eb);
	if (na < 0 && strcmp(ea, eb))
		fail_msg("\"%.*s\": \"%s\", the reference \"%s\"", (int)len, line, ea, eb);
	for (int i = 0; i < na; i++) {
		if (a[i].access != b[i].access || a[i].addr != b[i].addr || a[i].size != b[i].size)
			fail_msg("\"%.*s\": access %d differs from the reference", (int)len, line,
				 i);
	}
}

#define SAME(line) expect_same(line, strlen(line))

/* xorshift64: the same lines on every run. */
static uint64_t rnd(uint64_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 7;
	*seed ^= *seed << 17;
	return *seed;
}

/* The fast path decides exactly the lines the general parser decides so. */
static void test_parse_fast_path(void **state)
{
	static const char *const kinds[] = {"I", "L", "S", "M", "R", "W", "X",
					    "Q", "i", "=", "-", "#", "",  "\xff"};
	static const char *const blanks[] = {"", " ", "  ", "\t", " \t "};
	static const char *const prefixes[] = {"", "0x", "0X", "0", "x"};
	static const char *const tails[] = {"", " ", "\r", "\r\n", " # c", "#", "x", "\t", ","};
	/* After the 16 hex digits: bytes next to them in ASCII, and beyond it. */
	static const char hexd[] = "0123456789abcdefABCDEFgG@`/:\x10\x17\x19\x1f\x80\xc6";
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char line[128];

	(void)state;
	/* The edges of each limit. */
	SAME("I  0400d7d4,8");
	SAME(" L 1ffefffd40,8");
	SAME(" M 0421c7f0,4");
	SAME("W 0xffffffffffffffff,1");
	SAME("W 0xffffffffffffffff,2");
	SAME("W 0xfffffffffffff000,4096");
	SAME("W 0xfffffffffffff001,4096");
	SAME("R 0ffffffffffffffff");
	SAME("R 10000000000000000");
	SAME("R 00000000000000000001");
	SAME("R 1,65536");
	SAME("R 1,65537");
	SAME("R 1,99999");
	SAME("R 1,000001");
	SAME("R 1,00001");
	SAME("R 1,0");
	SAME("R 1,");
	SAME("R 12345678");
	SAME("R 1234567g");
	SAME("R 12345678g");
	SAME("R 0x1234567812345678");
	SAME("R 0x12345678123456789");
	SAME("R 0x1234567\x80");
	SAME("R  \t 0x10");
	SAME("==12== I  0400d7d4,8");
	SAME("--12-- I  0400d7d4,8");
	SAME("I  0400d7d4,8\r");
	SAME("I");
	SAME("I ");
	SAME("I 1");
	SAME("");
	/* Random lines of trace-like pieces, then with one byte changed. */
	for (unsigned int iter = 0; iter < 200000; iter++) {
		size_t n = 0, k;

#define PICK(a) (a)[rnd(&seed) % (sizeof(a) / sizeof((a)[0]))]
		n += (size_t)sprintf(line + n, "%s%s%s%s", PICK(blanks), PICK(kinds), PICK(blanks),
				     PICK(prefixes));
		for (k = rnd(&seed) % 20; k; k--)
			line[n++] = rnd(&seed) % 3 ? hexd[rnd(&seed) % 16]
						   : (rnd(&seed) % 8 ? '0' : PICK(hexd));
		if (rnd(&seed) % 4) {
			line[n++] = ',';
			for (k = rnd(&seed) % 8; k; k--)
				line[n++] = (char)('0' + rnd(&seed) % 10);
		}
		{
			const char *t = PICK(tails);

			memcpy(line + n, t, strlen(t));
			n += strlen(t);
		}
		if (rnd(&seed) % 16 == 0)
			line[n++] = '\0';
		expect_same(line, n);
		if (n) {
			line[rnd(&seed) % n] = (char)rnd(&seed);
			expect_same(line, n);
			line[rnd(&seed) % n] = (char)(rnd(&seed) % 2 ? PICK(hexd) : 0x30 ^ 0x20);
			expect_same(line, n);
		}
		if (n > 1)
			expect_same(line, n - 1 - rnd(&seed) % (n - 1));
#undef PICK
	}
}

/* --- --tlb ------------------------------------------------------------------------ */

static void test_parse_tlb(void **state)
{
	struct ptsim_tlb_config c, d;
	char err[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		pts_trace_parse_tlb("pte=64/4,pmd=32/4,pud=4/4,walk=32", &c, err, sizeof(err)), 0);
	assert_int_equal(c.entries[PTSIM_PTE], 64);
	assert_int_equal(c.ways[PTSIM_PTE], 4);
	assert_int_equal(c.entries[PTSIM_PMD], 32);
	assert_int_equal(c.ways[PTSIM_PMD], 4);
	assert_int_equal(c.entries[PTSIM_PUD], 4);
	assert_int_equal(c.ways[PTSIM_PUD], 4);
	assert_int_equal(c.walk_cache_entries, 32);

	/* Keys left out stay; N alone is fully associative; 0 disables. */
	assert_int_equal(pts_trace_parse_tlb("pte=16", &c, err, sizeof(err)), 0);
	assert_int_equal(c.entries[PTSIM_PTE], 16);
	assert_int_equal(c.ways[PTSIM_PTE], 16);
	assert_int_equal(c.entries[PTSIM_PMD], 32);
	assert_int_equal(pts_trace_parse_tlb("pmd=0,walk=0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.entries[PTSIM_PMD], 0);
	assert_int_equal(c.walk_cache_entries, 0);

	d = c;
	static const char *const bad[][2] = {
		{"", "empty"},
		{"pgd=4", "bad token \"pgd=4\""},
		{"pte", "bad token \"pte\""},
		{"pte=", "bad entries in \"pte=\""},
		{"pte=x", "bad entries"},
		{"pte=64/", "bad ways in \"pte=64/\""},
		{"pte=64/0", "bad ways"},
		{"pte=64/3", "64 entries are not a multiple of 3 ways"},
		{"pte=64,", "trailing ','"},
		{"walk=4/4", "bad number in \"walk=4/4\""},
		{"pte=99999999999", "bad entries"},
		{"pte=8,,pmd=4", "bad token \"\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(pts_trace_parse_tlb(bad[i][0], &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i][1]))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i][0], err, bad[i][1]);
		assert_memory_equal(&c, &d, sizeof(c)); /* unchanged on error */
	}
}

/* --- replay ------------------------------------------------------------------------ */

/* A FILE holding @text, rewound. */
static FILE *text_file(const char *text)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	rewind(f);
	return f;
}

static int replay(const char *text, const struct pts_trace_opts *o, struct pts_trace_result *res,
		  char err[512])
{
	FILE *f = text_file(text);
	int ret = pts_trace_replay(f, "t", o, res, err, 512);

	fclose(f);
	return ret;
}

static void test_replay_same_page(void **state)
{
	struct pts_trace_opts o = {.check = true};
	struct pts_trace_result res;
	char err[512];

	(void)state;
	/* Three writes to one page: one fault, then two TLB hits. */
	assert_int_equal(replay("# three writes\nW 0x10000000\nW 0x10000008,8\nW 10000ff8,8\n", &o,
				&res, err),
			 0);
	assert_string_equal(ptsim_arch_name(res.arch), "x86_64-4l");
	assert_u64_eq(res.lines, 4);
	assert_u64_eq(res.skipped, 1);
	assert_u64_eq(res.refs[0], 0);
	assert_u64_eq(res.refs[1], 3);
	assert_u64_eq(res.refs[2], 0);
	assert_u64_eq(res.page_accesses, 3);
	assert_u64_eq(res.straddles, 0);
	assert_u64_eq(res.mm.pgfault, 1);
	assert_u64_eq(res.mm.anon_fault, 1);
	assert_u64_eq(res.mm.rss_anon, 1);
	/* Lookups: miss (fault), miss (walk fills the 4K TLB), hit, hit. */
	assert_u64_eq(res.tlb.hits[PTSIM_PTE], 2);
	assert_u64_eq(res.tlb.misses[PTSIM_PTE], 1);
	assert_u64_eq(res.tlb.lookup_misses, 2);
	assert_u64_eq(res.regions, 1);
	assert_u64_eq(res.nr_vmas, 1);
	/* One PUD, PMD and PTE table (VmPTE), plus the PGD. */
	assert_u64_eq(res.pgtables_bytes, 3 * 4096);
	assert_u64_eq(res.nr_tables[PTSIM_PGD], 1);
	assert_u64_eq(res.nr_tables[PTSIM_PUD], 1);
	assert_u64_eq(res.nr_tables[PTSIM_PMD], 1);
	assert_u64_eq(res.nr_tables[PTSIM_PTE], 1);
	assert_u64_eq(res.sigsegv + res.sigbus, 0);

	/* With no 4K TLB every access walks. */
	struct ptsim_tlb_config tlb;

	ptsim_tlb_config_default(&tlb);
	assert_int_equal(pts_trace_parse_tlb("pte=0", &tlb, err, 512), 0);
	o.tlb = &tlb;
	assert_int_equal(replay("W 0x10000000\nW 0x10000008,8\nW 10000ff8,8\n", &o, &res, err), 0);
	assert_u64_eq(res.tlb.hits[PTSIM_PTE], 0);
	assert_u64_eq(res.tlb.lookup_misses, 4);
	assert_u64_eq(res.mm.pgfault, 1);
}

static void test_replay_lackey(void **state)
{
	struct pts_trace_opts o = {.check = true};
	struct pts_trace_result res;
	char err[512];

	(void)state;
	/* M straddling a page boundary: a load and a store, each of two pages. */
	assert_int_equal(replay("==1== Lackey\n M 10000ffe,4\n", &o, &res, err), 0);
	assert_u64_eq(res.lines, 2);
	assert_u64_eq(res.skipped, 1);
	assert_u64_eq(res.modify, 1);
	assert_u64_eq(res.refs[0], 1);
	assert_u64_eq(res.refs[1], 1);
	assert_u64_eq(res.straddles, 2);
	assert_u64_eq(res.page_accesses, 4);
	/* Each load maps the zero page, each store then copies it. */
	assert_u64_eq(res.mm.pgfault, 4);
	assert_u64_eq(res.mm.zero_page, 2);
	assert_u64_eq(res.mm.cow, 2);
	assert_u64_eq(res.mm.rss_anon, 2);
	assert_u64_eq(res.regions, 1);

	/* Code and data in two adjacent 2 MiB blocks: two regions, merged. */
	assert_int_equal(replay("I  00400000,4\n L 00600000,8\n S 00600000,8\n M 00600008,8\n"
				"I  00400004,4\n",
				&o, &res, err),
			 0);
	assert_u64_eq(res.refs[0], 2);
	assert_u64_eq(res.refs[1], 2);
	assert_u64_eq(res.refs[2], 2);
	assert_u64_eq(res.regions, 2);
	assert_u64_eq(res.nr_vmas, 1);
	assert_u64_eq(res.mm.pgfault, 3); /* zero page x2, then the store copies */
	assert_u64_eq(res.tlb.hits[PTSIM_PTE], 4);
	assert_u64_eq(res.tlb.misses[PTSIM_PTE], 3);
	assert_u64_eq(res.tlb.lookup_misses, 5);
	assert_u64_eq(res.nr_tables[PTSIM_PTE], 2);
}

static void test_replay_errors(void **state)
{
	struct pts_trace_opts o = {0};
	struct pts_trace_result res;
	char err[512], *line;

	(void)state;
	assert_int_equal(replay("R 0x1000\n\nR 0x1000 junk\nR 0x2000\n", &o, &res, err), -EINVAL);
	assert_string_equal(err, "t:3: unexpected \"junk\" after the access");
	assert_u64_eq(res.lines, 3); /* counts up to the failing line */
	assert_u64_eq(res.page_accesses, 1);

	/* Beyond TASK_SIZE: an error, or folded into range. */
	assert_int_equal(replay("R 0x1000\nR ffffffffff600000,8\n", &o, &res, err), -EINVAL);
	assert_string_equal(err, "t:2: address 0xffffffffff600000 (size 8) is beyond the user "
				 "address space of x86_64-4l [0, 0x7ffffffff000); --fold masks "
				 "addresses into it");
	/* The guard page at the top of the x86 lower half stays out, even folded. */
	assert_int_equal(replay("R 0x7fffffffeffc,8\n", &o, &res, err), -EINVAL);
	o.fold = true;
	o.check = true;
	assert_int_equal(replay("R 0x1000\nR ffffffffff600000,8\n", &o, &res, err), 0);
	assert_u64_eq(res.folded, 1);
	assert_u64_eq(res.page_accesses, 2);
	assert_int_equal(replay("R 0xfffffffffffffffc,4\n", &o, &res, err), -EINVAL);
	assert_non_null(strstr(err, "t:1: folded address 0x7ffffffffffc (size 4) is beyond"));
	o.fold = false;

	/* A 4 KiB line is fine, one byte more is not. */
	line = malloc(PTS_TRACE_MAX_LINE + 3);
	assert_non_null(line);
	memset(line, ' ', PTS_TRACE_MAX_LINE + 1);
	memcpy(line, "R 0x1000", 8);
	line[PTS_TRACE_MAX_LINE] = '\n';
	line[PTS_TRACE_MAX_LINE + 1] = '\0';
	assert_int_equal(replay(line, &o, &res, err), 0);
	line[PTS_TRACE_MAX_LINE] = ' ';
	line[PTS_TRACE_MAX_LINE + 1] = '\n';
	line[PTS_TRACE_MAX_LINE + 2] = '\0';
	assert_int_equal(replay(line, &o, &res, err), -EINVAL);
	assert_string_equal(err, "t:1: line longer than 4096 bytes");
	/* The same with the blanks before the access, of the usual shape. */
	memset(line, ' ', PTS_TRACE_MAX_LINE + 1);
	memcpy(line + PTS_TRACE_MAX_LINE - 12, "W 0x1000,8", 10);
	line[PTS_TRACE_MAX_LINE - 2] = '\n';
	line[PTS_TRACE_MAX_LINE - 1] = '\0';
	assert_int_equal(replay(line, &o, &res, err), 0);
	memset(line, ' ', PTS_TRACE_MAX_LINE + 1);
	memcpy(line + PTS_TRACE_MAX_LINE - 9, "W 0x1000,8", 10);
	line[PTS_TRACE_MAX_LINE + 1] = '\n';
	line[PTS_TRACE_MAX_LINE + 2] = '\0';
	assert_int_equal(replay(line, &o, &res, err), -EINVAL);
	assert_string_equal(err, "t:1: line longer than 4096 bytes");
	free(line);

	/* The last line needs no newline; NUL bytes are just bad bytes. */
	assert_int_equal(replay("R 0x1000\nW 0x1000", &o, &res, err), 0);
	assert_u64_eq(res.refs[1], 1);
	{
		FILE *f = tmpfile();

		assert_non_null(f);
		assert_int_equal(fwrite("R 0x1000\nR 0\0x\n", 1, 15, f), 15);
		rewind(f);
		assert_int_equal(pts_trace_replay(f, "nul", &o, &res, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "nul:2: unexpected \"\\x00x\" after the access");
		fclose(f);
	}

	/* Bad options. */
	o.arch = "vax";
	assert_int_equal(replay("R 0\n", &o, &res, err), -EINVAL);
	assert_non_null(strstr(err, "t: unknown configuration \"vax\" (one of: x86_64-4l, "));
	o.arch = NULL;
	o.machine = "phys=100M";
	assert_int_equal(replay("R 0\n", &o, &res, err), -EINVAL);
	assert_non_null(strstr(err, "t: --machine: config: phys=0x6400000 is not a multiple of the "
				    "section size"));
	o.arch = NULL;
	o.machine = "nonsense=1";
	assert_int_equal(replay("R 0\n", &o, &res, err), -EINVAL);
	assert_non_null(strstr(err, "t: --machine: "));

	/* Simulated memory runs out: a clear error, everything freed. */
	o.machine = "phys=128M";
	{
		char *big = malloc(40000 * 16);
		size_t n = 0;

		assert_non_null(big);
		for (unsigned int i = 0; i < 40000; i++)
			n += (size_t)sprintf(big + n, "W %x\n", 0x10000000 + i * 4096);
		assert_int_equal(replay(big, &o, &res, err), -ENOMEM);
		assert_non_null(strstr(err, ": access 0x"));
		assert_non_null(strstr(err, "ENOMEM"));
		free(big);
	}
}

/* The same trace on every configuration: the checker is clean afterwards. */
static void test_replay_arch(void **state)
{
	struct pts_trace_opts o = {.arch = *state, .check = true, .fold = true};
	struct pts_trace_result res, again;
	char err[512];
	const char *trace = "I  0400d7d4,8\n L 04010c58,8\n S 7ff000398,8\n M 0421cffe,4\n"
			    "W 0x7ffd12345678,64\nR 0\nX 0xffffffffff600000\nW 0x10000,65536\n";

	assert_int_equal(replay(trace, &o, &res, err), 0);
	assert_string_equal(ptsim_arch_name(res.arch), (const char *)*state);
	assert_u64_eq(res.refs[0] + res.refs[1] + res.refs[2], 9);
	assert_true(res.page_accesses >= 9);
	assert_u64_eq(res.sigsegv + res.sigbus, 0);
	assert_true(res.mm.pgfault > 0);
	/* Deterministic: the same counts again. */
	assert_int_equal(replay(trace, &o, &again, err), 0);
	assert_memory_equal(&res, &again, sizeof(res));
}

/* --- the command ------------------------------------------------------------------ */

struct captured {
	int status;
	char out[8192], err[2048];
};

/* Read all of @f into @buf. */
static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
}

/* Run pts_trace_main() with stdout and stderr sent to temporary files. */
static void run_main_argv(struct captured *c, int argc, char **argv)
{
	FILE *out = tmpfile(), *errf = tmpfile();
	int saved_out, saved_err;

	assert_non_null(out);
	assert_non_null(errf);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(out), STDOUT_FILENO) >= 0);
	assert_true(dup2(fileno(errf), STDERR_FILENO) >= 0);
	c->status = pts_trace_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(out, c->out, sizeof(c->out));
	slurp(errf, c->err, sizeof(c->err));
	fclose(out);
	fclose(errf);
}

/* The same with constant arguments (argv strings are writable in main()). */
static void run_main(struct captured *c, int argc, const char *const *args)
{
	char *argv[8];

	assert_true(argc <= 8);
	for (int i = 0; i < argc; i++) {
		argv[i] = strdup(args[i]);
		assert_non_null(argv[i]);
	}
	run_main_argv(c, argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

/* A trace file with @text; its name goes to @path. */
static void write_trace(char path[64], const char *text)
{
	int fd;
	FILE *f;

	strcpy(path, "/tmp/ptsim_trace_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_main_json(void **state)
{
	struct captured *c = malloc(sizeof(*c));
	char path[64], expected[4096];
	const char *argv[] = {"--json", "--quiet", "--check", path};

	(void)state;
	assert_non_null(c);
	write_trace(path, "==1== Lackey\nI  00400000,4\n L 00600000,8\n S 00600000,8\n"
			  " M 00600008,8\nI  00400004,4\n");
	run_main(c, 4, argv);
	assert_int_equal(c->status, 0);
	assert_string_equal(c->err, "");
	snprintf(expected, sizeof(expected),
		 "{\"trace\": \"%s\", \"arch\": \"x86_64-4l\", \"page_size\": 4096, \"lines\": 6, "
		 "\"skipped\": 1, \"accesses\": {\"total\": 6, \"read\": 2, \"write\": 2, "
		 "\"exec\": 2, \"modify\": 1, \"pages\": 6, \"straddles\": 0, \"folded\": 0}, "
		 "\"tlb\": {\"lookups\": 9, \"hits\": 4, \"misses\": 5, \"hit_rate\": 0.4444, "
		 "\"levels\": {\"pte\": {\"size\": 4096, \"hits\": 4, \"fills\": 3, "
		 "\"hit_rate\": 0.5714}, \"pmd\": {\"size\": 2097152, \"hits\": 0, \"fills\": 0, "
		 "\"hit_rate\": 0.0000}, \"pud\": {\"size\": 1073741824, \"hits\": 0, "
		 "\"fills\": 0, \"hit_rate\": 0.0000}}, \"walk_cache\": {\"hits\": {\"pgd\": 0, "
		 "\"p4d\": 0, \"pud\": 1, \"pmd\": 0}, \"misses\": 4}}, \"walks\": 5, "
		 "\"faults\": {\"total\": 3, \"minor\": 3, \"major\": 0, \"anon\": 0, "
		 "\"zero_page\": 2, \"cow\": 1, \"wp_reuse\": 0, \"file\": 0, \"fixup\": 0, "
		 "\"spurious\": 0}, \"signals\": {\"total\": 0, \"sigsegv\": 0, \"sigbus\": 0}, "
		 "\"rss\": {\"anon\": 1, \"file\": 0, \"shmem\": 0}, \"vmas\": "
		 "{\"regions_mapped\": 2, \"final\": 1}, \"pgtables\": {\"bytes\": 16384, "
		 "\"tables\": {\"pgd\": 1, \"p4d\": 0, \"pud\": 1, \"pmd\": 1, \"pte\": 2}}}\n",
		 path);
	assert_string_equal(c->out, expected);

	/* The human-readable table of the same run. */
	run_main(c, 3, argv + 1);
	assert_int_equal(c->status, 0);
	assert_non_null(strstr(c->out, "accesses      6: 2 read, 2 write, 2 exec (1 modify"));
	assert_non_null(strstr(c->out, "TLB           9 lookups: 4 hits (44.4%), 5 misses"));
	assert_non_null(strstr(c->out, "  pte    4K          4          3      57.1%\n"));
	assert_non_null(strstr(c->out, "faults        3 (3 minor, 0 major)"));
	assert_non_null(strstr(c->out, "page tables   VmPTE 16384 bytes; tables pgd 1, pud 1, "
				       "pmd 1, pte 2\n"));
	unlink(path);
	free(c);
}

static void test_main_errors(void **state)
{
	struct captured *c = malloc(sizeof(*c));
	char path[64], expected[256];

	(void)state;
	assert_non_null(c);
	write_trace(path, "R 0x1000\n\nW 0x1000,x\n");
	{
		const char *argv[] = {path};

		run_main(c, 1, argv);
		assert_int_equal(c->status, 1);
		snprintf(expected, sizeof(expected),
			 "ptsim trace: %s:3: expected a decimal size after ',', found \"x\"\n",
			 path);
		assert_string_equal(c->err, expected);
	}
	{
		const char *argv[] = {"--arch", "arm64-4k-39", path, "extra"};

		run_main(c, 4, argv);
		assert_int_equal(c->status, 2);
		assert_non_null(strstr(c->err, "one trace file only (\"extra\" is extra)"));
	}
	unlink(path);

	static const char *const usage_cases[][3] = {
		{"--bogus", "x", "unknown option \"--bogus\""},
		{"--cpus", "0", "--cpus needs a number from 1 to 4096"},
		{"--cpus=9999", "x", "--cpus needs a number"},
		{"--tlb", "pte=3/2", "--tlb: 3 entries are not a multiple of 2 ways"},
		{"--quiet", "--arch", "--arch needs a configuration name"},
	};
	for (size_t i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
		const char *argv[] = {usage_cases[i][0], usage_cases[i][1]};

		run_main(c, 2, argv);
		assert_int_equal(c->status, 2);
		if (!strstr(c->err, usage_cases[i][2]))
			fail_msg("%s %s: \"%s\" lacks \"%s\"", argv[0], argv[1], c->err,
				 usage_cases[i][2]);
	}
	run_main(c, 0, NULL);
	assert_int_equal(c->status, 2);
	assert_non_null(strstr(c->err, "ptsim trace: no trace file"));
	{
		const char *argv[] = {"/nonexistent/trace"};

		run_main(c, 1, argv);
		assert_int_equal(c->status, 1);
		assert_string_equal(c->err,
				    "ptsim trace: /nonexistent/trace: No such file or directory\n");
	}
	{
		const char *argv[] = {"--help"};

		run_main(c, 1, argv);
		assert_int_equal(c->status, 0);
		assert_non_null(strstr(c->out, "usage: ptsim trace"));
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lackey),   cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_numbers),  cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_prefixes), cmocka_unit_test(test_parse_fast_path),
		cmocka_unit_test(test_parse_tlb),      cmocka_unit_test(test_replay_same_page),
		cmocka_unit_test(test_replay_lackey),  cmocka_unit_test(test_replay_errors),
		PTSIM_ARCH_TESTS(test_replay_arch),    cmocka_unit_test(test_main_json),
		cmocka_unit_test(test_main_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
