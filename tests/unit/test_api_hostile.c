// SPDX-License-Identifier: MIT
/*
 * test_api_hostile.c - every exported function, given NULL handles and
 * out-pointers, enums outside their range and values out of range.
 *
 * The rule (docs/api/conventions.md, "Hostile input"): no input crashes or
 * aborts; a function returning an error code returns -EINVAL (or the
 * documented error), one returning a value returns its documented neutral
 * value (0, false, NULL, "?"), and where there is a machine its message is
 * set by the refusal.  The message check arms a sentinel message first (an
 * unknown knob) and expects a different one after the call.
 *
 * The table at the bottom has one entry per exported function.
 * tests/support/hostile_coverage.sh compares `test_api_hostile --list` with
 * the shared library's exported symbols (or the PTSIM_API declarations), so
 * a new function without an entry fails the suite.  Each entry runs on
 * x86_64-4l and arm64-4k-48 with a fresh machine, one address space and one
 * memfd; afterwards the checker must be clean and the machine is destroyed.
 */
#include <errno.h>
#include <limits.h>

#include "ptsim_test.h"

struct hctx {
	struct ptsim_test_env t;
	struct ptsim_file *file;
	char sentinel[256];
};

/* Levels and enum values outside their range. */
static const int bad_levels[] = {-1, PTSIM_NR_LEVELS, 1000, INT_MIN};
#define NBAD	 (sizeof(bad_levels) / sizeof(bad_levels[0]))
#define BADL(i)	 ((enum ptsim_level)bad_levels[i])
#define VA	 0x40000000ull
#define NONCANON (1ull << 60) /* outside the address space of both configurations */

/* Set a known message: the next refusal must replace it. */
static void arm(struct hctx *c)
{
	assert_int_equal(ptsim_knob_set(c->t.m, "hostile.sentinel", "1"), -EINVAL);
	snprintf(c->sentinel, sizeof(c->sentinel), "%s", ptsim_errmsg(c->t.m));
	assert_string_not_equal(c->sentinel, "");
}

static void msg_set(struct hctx *c, const char *call)
{
	const char *msg = ptsim_errmsg(c->t.m);

	if (!msg[0] || !strcmp(msg, c->sentinel))
		fail_msg("%s: the machine's message was not set (still \"%s\")", call, msg);
}

static void want_eq(const char *call, long long got, long long want)
{
	if (got != want)
		fail_msg("%s = %lld, expected %lld", call, got, want);
}

/* A call that refuses with @want and sets the machine's message. */
#define ERR(c, call, want)                                                                         \
	do {                                                                                       \
		arm(c);                                                                            \
		want_eq(#call, (long long)(call), (long long)(want));                              \
		msg_set(c, #call);                                                                 \
	} while (0)
/* A call without a machine: the code only. */
#define ERR0(call, want) want_eq(#call, (long long)(call), (long long)(want))
/* A value-returning call that answers with @want and sets the machine's message. */
#define VAL(c, call, want) ERR(c, call, want)
#define VAL0(call, want)   ERR0(call, want)
/* A void call that refuses: the machine's message says so. */
#define VOID(c, call)                                                                              \
	do {                                                                                       \
		arm(c);                                                                            \
		call;                                                                              \
		msg_set(c, #call);                                                                 \
	} while (0)
#define STR0(call, want)                                                                           \
	do {                                                                                       \
		const char *s__ = (call);                                                          \
		if (!s__ || strcmp(s__, want))                                                     \
			fail_msg("%s = \"%s\", expected \"%s\"", #call, s__ ? s__ : "(null)",      \
				 want);                                                            \
	} while (0)
#define NULL0(call)                                                                                \
	do {                                                                                       \
		if ((call) != NULL)                                                                \
			fail_msg("%s is not NULL", #call);                                         \
	} while (0)

#define M   (c->t.m)
#define MM  (c->t.mm)
#define A   (c->t.a)
#define PSZ (c->t.psz)

/* Memory that must come back zeroed. */
static void all_zero(const char *what, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			fail_msg("%s: byte %zu is 0x%02x, expected a zeroed result", what, i, b[i]);
}

/* A hugetlb size of the configuration. */
static uint64_t hsize(struct hctx *c)
{
	uint64_t s[8];

	assert_true(ptsim_arch_hugetlb_sizes(A, s, 8) > 0);
	return s[0];
}

/* A started gather, finished by the caller. */
static void gather(struct hctx *c, struct ptsim_mmu_gather *g)
{
	assert_int_equal(ptsim_tlb_gather_mmu(g, MM), 0);
}

static int walk_fail(uint64_t addr, uint64_t next, int depth, struct ptsim_walk *w)
{
	(void)addr;
	(void)next;
	(void)depth;
	(void)w;
	return -EIO;
}

static int count_entry(const struct ptsim_tlb_entry_info *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

static int count_hit(const struct ptsim_rmap_hit *h, void *arg)
{
	(void)h;
	(void)arg;
	return 0;
}

/* ---- one function per exported function ------------------------------------------ */

#define HOSTILE(name) static void h_##name(struct hctx *c)

/* -- arch.h: no machine; NULL configurations and bad levels give neutral values -- */

HOSTILE(ptsim_arch_lookup)
{
	(void)c;
	NULL0(ptsim_arch_lookup(NULL));
	NULL0(ptsim_arch_lookup(""));
	NULL0(ptsim_arch_lookup("x86_64-4l-and-more"));
}

HOSTILE(ptsim_arch_at)
{
	(void)c;
	NULL0(ptsim_arch_at(UINT_MAX));
	NULL0(ptsim_arch_at(11));
}

HOSTILE(ptsim_arch_name)
{
	(void)c;
	STR0(ptsim_arch_name(NULL), "?");
}

HOSTILE(ptsim_arch_kind)
{
	(void)c;
	VAL0(ptsim_arch_kind(NULL), PTSIM_ARCH_NONE);
}

#define ARCH_NUMBER(fn)                                                                            \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		(void)c;                                                                           \
		VAL0(fn(NULL), 0);                                                                 \
	}
ARCH_NUMBER(ptsim_arch_page_shift)
ARCH_NUMBER(ptsim_arch_va_bits)
ARCH_NUMBER(ptsim_arch_pa_bits)
ARCH_NUMBER(ptsim_arch_nr_levels)
ARCH_NUMBER(ptsim_arch_section_bits)
ARCH_NUMBER(ptsim_arch_max_order)
ARCH_NUMBER(ptsim_arch_swp_offset_max)

#define ARCH_LEVEL(fn)                                                                             \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		VAL0(fn(NULL, PTSIM_PTE), 0);                                                      \
		for (size_t i = 0; i < NBAD; i++)                                                  \
			VAL0(fn(A, BADL(i)), 0);                                                   \
	}
ARCH_LEVEL(ptsim_arch_level_shift)
ARCH_LEVEL(ptsim_arch_ptrs_per)
ARCH_LEVEL(ptsim_arch_level_folded)
ARCH_LEVEL(ptsim_arch_leaf_ok)
ARCH_LEVEL(ptsim_arch_cont_nr)
ARCH_LEVEL(ptsim_arch_level_size)

HOSTILE(ptsim_arch_level_name)
{
	STR0(ptsim_arch_level_name(NULL, PTSIM_PTE), "?");
	for (size_t i = 0; i < NBAD; i++)
		STR0(ptsim_arch_level_name(A, BADL(i)), "?");
}

HOSTILE(ptsim_arch_hugetlb_sizes)
{
	uint64_t s[2] = {7, 7};
	unsigned int n = ptsim_arch_hugetlb_sizes(A, s, 0);

	VAL0(ptsim_arch_hugetlb_sizes(NULL, s, 2), 0);
	VAL0(ptsim_arch_hugetlb_sizes(A, NULL, 2), n); /* counts, writes nothing */
	VAL0(s[0], 7);
}

HOSTILE(ptsim_pgprot)
{
	VAL0(ptsim_pgprot(NULL, PTSIM_PROT_READ, 0), 0);
	VAL0(ptsim_pgprot(A, 0x8, 0), 0);
	VAL0(ptsim_pgprot(A, ~0u, 0), 0);
	VAL0(ptsim_pgprot(A, PTSIM_PROT_READ, 0x2), 0);
	VAL0(ptsim_pgprot(A, PTSIM_PROT_READ, PTSIM_PGPROT_MT(5)), 0);
	VAL0(ptsim_pgprot(A, PTSIM_PROT_READ, ~0u), 0);
}

/* Entry-valued and predicate helpers: (a, lvl, e). */
#define ARCH_ENT(fn)                                                                               \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		VAL0(fn(NULL, PTSIM_PTE, ~0ull), 0);                                               \
		for (size_t i = 0; i < NBAD; i++)                                                  \
			VAL0(fn(A, BADL(i), ~0ull), 0);                                            \
	}
ARCH_ENT(ptsim_ent_none)
ARCH_ENT(ptsim_ent_present)
ARCH_ENT(ptsim_ent_leaf)
ARCH_ENT(ptsim_ent_table)
ARCH_ENT(ptsim_ent_protnone)
ARCH_ENT(ptsim_ent_swp)
ARCH_ENT(ptsim_ent_pfn)
ARCH_ENT(ptsim_ent_write)
ARCH_ENT(ptsim_ent_dirty)
ARCH_ENT(ptsim_ent_young)
ARCH_ENT(ptsim_ent_special)
ARCH_ENT(ptsim_ent_soft_dirty)
ARCH_ENT(ptsim_ent_uffd_wp)
ARCH_ENT(ptsim_ent_cont)
ARCH_ENT(ptsim_ent_swp_type)
ARCH_ENT(ptsim_ent_swp_offset)
ARCH_ENT(ptsim_ent_swp_flags)
ARCH_ENT(ptsim_ent_mkwrite)
ARCH_ENT(ptsim_ent_wrprotect)
ARCH_ENT(ptsim_ent_mkdirty)
ARCH_ENT(ptsim_ent_mkclean)
ARCH_ENT(ptsim_ent_mkyoung)
ARCH_ENT(ptsim_ent_mkold)
ARCH_ENT(ptsim_ent_mkuffd_wp)
ARCH_ENT(ptsim_ent_clear_uffd_wp)
ARCH_ENT(ptsim_ent_mksoft_dirty)
ARCH_ENT(ptsim_ent_clear_soft_dirty)
ARCH_ENT(ptsim_ent_mkspecial)
ARCH_ENT(ptsim_ent_mkcont)
ARCH_ENT(ptsim_ent_mknoncont)
ARCH_ENT(ptsim_ent_mkinvalid)
ARCH_ENT(ptsim_ent_swp_mkexclusive)
ARCH_ENT(ptsim_ent_swp_clear_exclusive)
ARCH_ENT(ptsim_ent_swp_mksoft_dirty)
ARCH_ENT(ptsim_ent_swp_clear_soft_dirty)
ARCH_ENT(ptsim_ent_swp_mkuffd_wp)
ARCH_ENT(ptsim_ent_swp_clear_uffd_wp)

HOSTILE(ptsim_mk_leaf)
{
	VAL0(ptsim_mk_leaf(NULL, PTSIM_PTE, 1, 0), 0);
	for (size_t i = 0; i < NBAD; i++)
		VAL0(ptsim_mk_leaf(A, BADL(i), 1, ~0ull), 0);
	/* Bits outside the attribute fields are ignored: the PFN stays. */
	VAL0(ptsim_ent_pfn(A, PTSIM_PTE, ptsim_mk_leaf(A, PTSIM_PTE, 5, ~0ull)), 5);
}

HOSTILE(ptsim_mk_table)
{
	VAL0(ptsim_mk_table(NULL, PTSIM_PMD, 1, false), 0);
	for (size_t i = 0; i < NBAD; i++)
		VAL0(ptsim_mk_table(A, BADL(i), 1, false), 0);
}

HOSTILE(ptsim_mk_swp)
{
	VAL0(ptsim_mk_swp(NULL, PTSIM_PTE, 1, 1, 0), 0);
	for (size_t i = 0; i < NBAD; i++)
		VAL0(ptsim_mk_swp(A, BADL(i), 1, 1, 0), 0);
	(void)ptsim_mk_swp(A, PTSIM_PTE, ~0u, ~0ull, ~0u); /* truncated, not a crash */
}

HOSTILE(ptsim_ent_decode)
{
	struct ptsim_attrs at;

	ptsim_ent_decode(A, PTSIM_PTE, ~0ull, NULL);
	memset(&at, 0xff, sizeof(at));
	ptsim_ent_decode(NULL, PTSIM_PTE, ~0ull, &at);
	all_zero("ptsim_ent_decode(NULL, ...)", &at, sizeof(at));
	for (size_t i = 0; i < NBAD; i++) {
		memset(&at, 0xff, sizeof(at));
		ptsim_ent_decode(A, BADL(i), ~0ull, &at);
		all_zero("ptsim_ent_decode(bad level)", &at, sizeof(at));
	}
}

HOSTILE(ptsim_ent_modify)
{
	VAL0(ptsim_ent_modify(NULL, PTSIM_PTE, ~0ull, 0), 0);
	for (size_t i = 0; i < NBAD; i++)
		VAL0(ptsim_ent_modify(A, BADL(i), ~0ull, 0), 0);
}

HOSTILE(ptsim_ent_relevel)
{
	uint64_t e = ptsim_mk_leaf(A, PTSIM_PMD, 512, ptsim_pgprot(A, PTSIM_PROT_READ, 0));

	VAL0(ptsim_ent_relevel(NULL, PTSIM_PMD, e, PTSIM_PTE, 512), 0);
	for (size_t i = 0; i < NBAD; i++) {
		VAL0(ptsim_ent_relevel(A, BADL(i), e, PTSIM_PTE, 512), 0);
		VAL0(ptsim_ent_relevel(A, PTSIM_PMD, e, BADL(i), 512), 0);
	}
}

/* -- machine.h -- */

HOSTILE(ptsim_config_init)
{
	struct ptsim_config cfg;

	(void)c;
	ERR0(ptsim_config_init(NULL, "x86_64-4l"), -EINVAL);
	ERR0(ptsim_config_init(&cfg, NULL), -EINVAL);
	ERR0(ptsim_config_init(&cfg, "vax"), -EINVAL);
}

HOSTILE(ptsim_parse_size)
{
	const char *end = NULL;
	uint64_t v = 7;

	(void)c;
	ERR0(ptsim_parse_size(NULL, &end, &v), -EINVAL);
	ERR0(ptsim_parse_size("1", NULL, NULL), -EINVAL);
	ERR0(ptsim_parse_size("", &end, &v), -EINVAL);
	ERR0(ptsim_parse_size("-1", NULL, &v), -EINVAL);
	ERR0(ptsim_parse_size("99999999999999999999", NULL, &v), -ERANGE);
	ERR0(ptsim_parse_size("0x", NULL, &v), -EINVAL);
	ERR0((long long)v, 7);
}

HOSTILE(ptsim_config_set)
{
	struct ptsim_config cfg, zero;
	char err[256] = "";

	(void)c;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	ERR0(ptsim_config_set(NULL, "phys=1G", err, sizeof(err)), -EINVAL);
	assert_string_not_equal(err, "");
	ERR0(ptsim_config_set(&cfg, NULL, err, sizeof(err)), -EINVAL);
	ERR0(ptsim_config_set(&cfg, "phys=lots", NULL, 0), -EINVAL);
	ERR0(ptsim_config_set(&cfg, "=", err, 1), -EINVAL);
	ERR0(ptsim_config_set(&cfg, ",,,=,", err, sizeof(err)), -EINVAL);
	ERR0(ptsim_config_set(&cfg, "phys=0xffffffffffffffffff", err, sizeof(err)), -EINVAL);
	ERR0(ptsim_config_set(&zero, "phys=1G", err, sizeof(err)), -EINVAL); /* no arch */
}

HOSTILE(ptsim_config_get)
{
	struct ptsim_config cfg, zero;
	char buf[32];

	(void)c;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	ERR0(ptsim_config_get(NULL, "phys", buf, sizeof(buf)), -EINVAL);
	ERR0(ptsim_config_get(&cfg, NULL, buf, sizeof(buf)), -EINVAL);
	ERR0(ptsim_config_get(&cfg, "phys", NULL, 8), -EINVAL);
	ERR0(ptsim_config_get(&cfg, "phys", buf, 0), -EINVAL);
	ERR0(ptsim_config_get(&cfg, "nope", buf, sizeof(buf)), -EINVAL);
	ERR0(ptsim_config_get(&zero, "phys", buf, sizeof(buf)), -EINVAL);
}

HOSTILE(ptsim_knob_at)
{
	(void)c;
	NULL0(ptsim_knob_at(UINT_MAX));
}

HOSTILE(ptsim_knob_lookup)
{
	(void)c;
	NULL0(ptsim_knob_lookup(NULL));
	NULL0(ptsim_knob_lookup("nope"));
}

HOSTILE(ptsim_knob_set)
{
	ERR0(ptsim_knob_set(NULL, "thp.enabled", "always"), -EINVAL);
	ERR(c, ptsim_knob_set(M, NULL, "1"), -EINVAL);
	ERR(c, ptsim_knob_set(M, "thp.enabled", NULL), -EINVAL);
	ERR(c, ptsim_knob_set(M, "nope", "1"), -EINVAL);
	ERR(c, ptsim_knob_set(M, "phys", "1G"), -EBUSY);
	ERR(c, ptsim_knob_set(M, "thp.enabled", "sometimes"), -EINVAL);
	ERR(c, ptsim_knob_set(M, "host.limit", "-1"), -EINVAL);
}

HOSTILE(ptsim_knob_get)
{
	char buf[32];

	ERR0(ptsim_knob_get(NULL, "phys", buf, sizeof(buf)), -EINVAL);
	ERR(c, ptsim_knob_get(M, NULL, buf, sizeof(buf)), -EINVAL);
	ERR(c, ptsim_knob_get(M, "phys", NULL, 8), -EINVAL);
	ERR(c, ptsim_knob_get(M, "phys", buf, 0), -EINVAL);
	ERR(c, ptsim_knob_get(M, "nope", buf, sizeof(buf)), -EINVAL);
}

HOSTILE(ptsim_machine_create)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;

	(void)c;
	memset(&cfg, 0, sizeof(cfg));
	ERR0(ptsim_machine_create(NULL, &m), -EINVAL);
	ERR0(ptsim_machine_create(&cfg, &m), -EINVAL); /* no arch */
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	ERR0(ptsim_machine_create(&cfg, NULL), -EINVAL);
	cfg.ncpus = UINT_MAX;
	ERR0(ptsim_machine_create(&cfg, &m), -EINVAL);
	cfg.ncpus = 1;
	cfg.phys_base = UINT64_MAX & ~((1ull << 27) - 1);
	ERR0(ptsim_machine_create(&cfg, &m), -EINVAL);
	cfg.phys_base = 0;
	cfg.thp_defrag = (enum ptsim_thp_defrag) - 1;
	ERR0(ptsim_machine_create(&cfg, &m), -EINVAL);
	assert_null(m);
}

HOSTILE(ptsim_machine_create_err)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;
	char err[256] = "";

	(void)c;
	ERR0(ptsim_machine_create_err(NULL, &m, err, sizeof(err)), -EINVAL);
	assert_string_not_equal(err, "");
	assert_int_equal(ptsim_config_init(&cfg, "x86_64-4l"), 0);
	err[0] = 0;
	ERR0(ptsim_machine_create_err(&cfg, NULL, err, sizeof(err)), -EINVAL);
	assert_string_not_equal(err, "");
	cfg.phys_limit = 1;
	ERR0(ptsim_machine_create_err(&cfg, &m, NULL, 100), -EINVAL);
	ERR0(ptsim_machine_create_err(&cfg, &m, err, 1), -EINVAL);
	assert_string_equal(err, "");
	assert_null(m);
}

HOSTILE(ptsim_machine_destroy)
{
	(void)c;
	ptsim_machine_destroy(NULL);
}

HOSTILE(ptsim_machine_arch)
{
	(void)c;
	NULL0(ptsim_machine_arch(NULL));
}

HOSTILE(ptsim_machine_config)
{
	(void)c;
	NULL0(ptsim_machine_config(NULL));
}

HOSTILE(ptsim_errmsg)
{
	(void)c;
	STR0(ptsim_errmsg(NULL), "no machine");
}

HOSTILE(ptsim_strerror)
{
	(void)c;
	STR0(ptsim_strerror(INT_MIN), "unknown error");
	STR0(ptsim_strerror(INT_MAX), "unknown error");
	STR0(ptsim_strerror(1), "unknown error");
}

HOSTILE(ptsim_fault_inject)
{
	(void)c;
	ptsim_fault_inject(NULL, 1, true);
}

HOSTILE(ptsim_fault_inject_prob)
{
	uint64_t pfn;

	ptsim_fault_inject_prob(NULL, 1000, 1);
	VOID(c, ptsim_fault_inject_prob(M, UINT32_MAX, 1));
	/* Refused: nothing armed, allocations still work. */
	assert_int_equal(ptsim_alloc_pages(M, 0, &pfn), 0);
	assert_int_equal(ptsim_free_pages(M, pfn, 0), 0);
}

HOSTILE(ptsim_fault_injected)
{
	(void)c;
	VAL0(ptsim_fault_injected(NULL), 0);
}

HOSTILE(ptsim_alloc_points)
{
	(void)c;
	VAL0(ptsim_alloc_points(NULL), 0);
}

HOSTILE(ptsim_host_stats)
{
	struct ptsim_host_stats hs;

	memset(&hs, 0xff, sizeof(hs));
	ptsim_host_stats(NULL, &hs);
	all_zero("ptsim_host_stats(NULL)", &hs, sizeof(hs));
	ptsim_host_stats(NULL, NULL);
	VOID(c, ptsim_host_stats(M, NULL));
}

/* -- mem.h -- */

HOSTILE(ptsim_frame_get)
{
	struct ptsim_frame_info fi;

	ERR0(ptsim_frame_get(NULL, 0, &fi), -EINVAL);
	ERR(c, ptsim_frame_get(M, 0, NULL), -EINVAL);
	ERR(c, ptsim_frame_get(M, UINT64_MAX, &fi), -ENXIO);
}

HOSTILE(ptsim_alloc_pages)
{
	uint64_t pfn;

	ERR0(ptsim_alloc_pages(NULL, 0, &pfn), -EINVAL);
	ERR(c, ptsim_alloc_pages(M, 0, NULL), -EINVAL);
	ERR(c, ptsim_alloc_pages(M, 99, &pfn), -EINVAL);
	ERR(c, ptsim_alloc_pages(M, UINT_MAX, &pfn), -EINVAL);
}

HOSTILE(ptsim_free_pages)
{
	ERR0(ptsim_free_pages(NULL, 0, 0), -EINVAL);
	ERR(c, ptsim_free_pages(M, UINT64_MAX, 0), -ENXIO);
	ERR(c, ptsim_free_pages(M, 0, UINT_MAX), -EINVAL);
	ERR(c, ptsim_free_pages(M, 1, 1), -EINVAL);			  /* misaligned */
	ERR(c, ptsim_free_pages(M, ptsim_zero_pfn(M), 0), -EBUSY);	  /* zero page */
	ERR(c, ptsim_free_pages(M, ptsim_mm_pgd_pfn(MM), 0), -EBUSY);	  /* a table */
	ERR(c, ptsim_free_pages(M, (1ull << 30) / PSZ - 1, 0), -EINVAL);  /* free */
	ERR(c, ptsim_free_pages(M, ((1ull << 30) / PSZ) * 4, 0), -ENXIO); /* absent */
}

HOSTILE(ptsim_folio_alloc)
{
	uint64_t pfn;

	ERR0(ptsim_folio_alloc(NULL, 0, &pfn), -EINVAL);
	ERR(c, ptsim_folio_alloc(M, 0, NULL), -EINVAL);
	ERR(c, ptsim_folio_alloc(M, 60, &pfn), -EINVAL);
	ERR(c, ptsim_folio_alloc(M, UINT_MAX, &pfn), -EINVAL);
	ERR(c, ptsim_folio_alloc(M, 20, &pfn), -ENOMEM); /* more than there is */
}

#define FOLIO_REF(fn)                                                                              \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		ERR0(fn(NULL, 0), -EINVAL);                                                        \
		ERR(c, fn(M, UINT64_MAX), -ENXIO);                                                 \
		ERR(c, fn(M, (1ull << 30) / PSZ - 1), -EINVAL); /* free */                         \
		ERR(c, fn(M, ptsim_mm_pgd_pfn(MM)), -EBUSY);	/* a table */                      \
	}
FOLIO_REF(ptsim_folio_get)
FOLIO_REF(ptsim_folio_put)

#define PAGE_FLAG(fn)                                                                              \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		uint64_t z = ptsim_zero_pfn(M);                                                    \
                                                                                                   \
		ERR0(fn(NULL, z, PTSIM_PG_dirty), -EINVAL);                                        \
		ERR(c, fn(M, z, (enum ptsim_pageflag)99), -EINVAL);                                \
		ERR(c, fn(M, z, (enum ptsim_pageflag) - 1), -EINVAL);                              \
		ERR(c, fn(M, z, PTSIM_PG_head), -EINVAL);                                          \
		ERR(c, fn(M, UINT64_MAX, PTSIM_PG_dirty), -ENXIO);                                 \
		ERR(c, fn(M, (1ull << 30) / PSZ - 1, PTSIM_PG_dirty), -EINVAL); /* free */         \
	}
PAGE_FLAG(ptsim_page_set_flag)
PAGE_FLAG(ptsim_page_clear_flag)

HOSTILE(ptsim_page_test_flag)
{
	uint64_t z = ptsim_zero_pfn(M);

	ERR0(ptsim_page_test_flag(NULL, z, PTSIM_PG_dirty), -EINVAL);
	ERR(c, ptsim_page_test_flag(M, z, (enum ptsim_pageflag)99), -EINVAL);
	ERR(c, ptsim_page_test_flag(M, z, (enum ptsim_pageflag) - 1), -EINVAL);
	ERR(c, ptsim_page_test_flag(M, UINT64_MAX, PTSIM_PG_dirty), -ENXIO);
}

HOSTILE(ptsim_zero_pfn)
{
	(void)c;
	VAL0(ptsim_zero_pfn(NULL), 0);
}

HOSTILE(ptsim_mem_stats)
{
	struct ptsim_mem_stats ms;

	memset(&ms, 0xff, sizeof(ms));
	ptsim_mem_stats(NULL, &ms);
	all_zero("ptsim_mem_stats(NULL)", &ms, sizeof(ms));
	ptsim_mem_stats(NULL, NULL);
	VOID(c, ptsim_mem_stats(M, NULL));
}

HOSTILE(ptsim_memory_add)
{
	uint64_t sec = 1ull << ptsim_arch_section_bits(A);

	ERR0(ptsim_memory_add(NULL, 0, sec), -EINVAL);
	ERR(c, ptsim_memory_add(M, 1, 1), -EINVAL);
	ERR(c, ptsim_memory_add(M, 0, 0), -EINVAL);
	ERR(c, ptsim_memory_add(M, 0, sec), -EEXIST);
	ERR(c, ptsim_memory_add(M, UINT64_MAX & ~(sec - 1), sec), -EINVAL);
	ERR(c, ptsim_memory_add(M, sec, UINT64_MAX & ~(sec - 1)), -EINVAL);
}

HOSTILE(ptsim_memory_remove)
{
	uint64_t sec = 1ull << ptsim_arch_section_bits(A);

	ERR0(ptsim_memory_remove(NULL, 0, sec), -EINVAL);
	ERR(c, ptsim_memory_remove(M, 1, 1), -EINVAL);
	ERR(c, ptsim_memory_remove(M, 0, sec), -EBUSY);		  /* the zero page lives there */
	ERR(c, ptsim_memory_remove(M, 1ull << 31, sec), -ENOENT); /* above phys=1G */
	ERR(c, ptsim_memory_remove(M, UINT64_MAX & ~(sec - 1), sec), -EINVAL);
}

HOSTILE(ptsim_pfn_valid)
{
	VAL0(ptsim_pfn_valid(NULL, 0), false);
	VAL0(ptsim_pfn_valid(M, UINT64_MAX), false);
}

HOSTILE(ptsim_hugetlb_info)
{
	struct ptsim_hstate_info hi;

	ERR0(ptsim_hugetlb_info(NULL, hsize(c), &hi), -EINVAL);
	ERR(c, ptsim_hugetlb_info(M, 12345, &hi), -EINVAL);
	ERR(c, ptsim_hugetlb_info(M, hsize(c), NULL), -EINVAL);
}

HOSTILE(ptsim_hugetlb_set_nr)
{
	ERR0(ptsim_hugetlb_set_nr(NULL, hsize(c), 1), -EINVAL);
	ERR(c, ptsim_hugetlb_set_nr(M, 0, 1), -EINVAL);
	ERR(c, ptsim_hugetlb_set_nr(M, UINT64_MAX, 1), -EINVAL);
}

HOSTILE(ptsim_hugetlb_set_overcommit)
{
	ERR0(ptsim_hugetlb_set_overcommit(NULL, hsize(c), 1), -EINVAL);
	ERR(c, ptsim_hugetlb_set_overcommit(M, 12345, 1), -EINVAL);
}

HOSTILE(ptsim_hugetlb_reserve)
{
	ERR0(ptsim_hugetlb_reserve(NULL, hsize(c), 1), -EINVAL);
	ERR(c, ptsim_hugetlb_reserve(M, 12345, 1), -EINVAL);
	ERR(c, ptsim_hugetlb_reserve(M, hsize(c), UINT64_MAX), -ENOMEM);
}

HOSTILE(ptsim_hugetlb_unreserve)
{
	ERR0(ptsim_hugetlb_unreserve(NULL, hsize(c), 1), -EINVAL);
	ERR(c, ptsim_hugetlb_unreserve(M, 12345, 1), -EINVAL);
	ERR(c, ptsim_hugetlb_unreserve(M, hsize(c), UINT64_MAX), -EINVAL);
}

HOSTILE(ptsim_hugetlb_alloc_folio)
{
	uint64_t pfn;

	ERR0(ptsim_hugetlb_alloc_folio(NULL, hsize(c), false, &pfn), -EINVAL);
	ERR(c, ptsim_hugetlb_alloc_folio(M, 12345, false, &pfn), -EINVAL);
	ERR(c, ptsim_hugetlb_alloc_folio(M, hsize(c), false, NULL), -EINVAL);
	ERR(c, ptsim_hugetlb_alloc_folio(M, hsize(c), true, &pfn), -EINVAL);  /* no reservation */
	ERR(c, ptsim_hugetlb_alloc_folio(M, hsize(c), false, &pfn), -ENOMEM); /* empty pool */
}

HOSTILE(ptsim_hugetlb_free_folio)
{
	ERR0(ptsim_hugetlb_free_folio(NULL, 0), -EINVAL);
	ERR(c, ptsim_hugetlb_free_folio(M, UINT64_MAX), -ENXIO);
	ERR(c, ptsim_hugetlb_free_folio(M, ptsim_zero_pfn(M)), -EINVAL);
	ERR(c, ptsim_hugetlb_free_folio(M, ptsim_mm_pgd_pfn(MM)), -EINVAL);
}

/* -- pgtable.h -- */

HOSTILE(ptsim_mm_create)
{
	struct ptsim_mm *mm;

	ERR0(ptsim_mm_create(NULL, &mm), -EINVAL);
	ERR(c, ptsim_mm_create(M, NULL), -EINVAL);
}

HOSTILE(ptsim_mm_destroy)
{
	(void)c;
	ptsim_mm_destroy(NULL);
}

HOSTILE(ptsim_mm_machine)
{
	(void)c;
	NULL0(ptsim_mm_machine(NULL));
}

HOSTILE(ptsim_mm_pgtables_bytes)
{
	(void)c;
	VAL0(ptsim_mm_pgtables_bytes(NULL), 0);
}

HOSTILE(ptsim_mm_nr_tables)
{
	VAL0(ptsim_mm_nr_tables(NULL, PTSIM_PGD), 0);
	for (size_t i = 0; i < NBAD; i++)
		VAL(c, ptsim_mm_nr_tables(MM, BADL(i)), 0);
}

HOSTILE(ptsim_mm_pgd_pfn)
{
	(void)c;
	VAL0(ptsim_mm_pgd_pfn(NULL), 0);
}

HOSTILE(ptsim_map)
{
	uint64_t rw = ptsim_pgprot(A, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), f;

	assert_int_equal(ptsim_alloc_pages(M, 0, &f), 0);
	ERR0(ptsim_map(NULL, VA, PSZ, f, PSZ, rw, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, PSZ, f, PSZ, ~0ull, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, PSZ, f, PSZ, rw, ~0u), -EINVAL);
	ERR(c, ptsim_map(MM, VA, PSZ, f, 0, rw, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, PSZ, f, UINT64_MAX, rw, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, 0, f, PSZ, rw, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, UINT64_MAX & ~(PSZ - 1), f, PSZ, rw, 0), -ERANGE);
	ERR(c, ptsim_map(MM, NONCANON, PSZ, f, PSZ, rw, 0), -EINVAL);
	ERR(c, ptsim_map(MM, VA, PSZ, UINT64_MAX, PSZ, rw, 0), -ERANGE);
	ERR(c, ptsim_map(MM, VA, PSZ, ptsim_mm_pgd_pfn(MM), PSZ, rw, 0), -EBUSY);
	assert_int_equal(ptsim_free_pages(M, f, 0), 0);
}

HOSTILE(ptsim_unmap)
{
	ERR0(ptsim_unmap(NULL, VA, PSZ, 0), -EINVAL);
	ERR(c, ptsim_unmap(MM, VA + 1, PSZ, 0), -EINVAL);
	ERR(c, ptsim_unmap(MM, VA, 0, 0), -EINVAL);
	ERR(c, ptsim_unmap(MM, VA, PSZ, ~0u), -EINVAL);
	ERR(c, ptsim_unmap(MM, VA, UINT64_MAX & ~(PSZ - 1), 0), -EINVAL);
	ERR(c, ptsim_unmap(MM, NONCANON, PSZ, 0), -EINVAL);
}

/* The PTE slot of VA (its tables allocated). */
static struct ptsim_pgslot pte_slot(struct hctx *c)
{
	struct ptsim_pgslot s;

	assert_int_equal(ptsim_pgslot_lookup(MM, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &s), 0);
	return s;
}

/* Slots that are not: a bad level, a frame that is no table, an index past the table. */
static void bad_slots(struct hctx *c, struct ptsim_pgslot bad[3], int err[3])
{
	struct ptsim_pgslot s = pte_slot(c);

	bad[0] = s;
	bad[0].level = (enum ptsim_level)99;
	err[0] = -EINVAL;
	bad[1] = s;
	bad[1].table_pfn = UINT64_MAX;
	err[1] = -ESTALE;
	bad[2] = s;
	bad[2].index = UINT_MAX;
	err[2] = -ESTALE;
}

HOSTILE(ptsim_pgslot_lookup)
{
	struct ptsim_pgslot s;

	ERR0(ptsim_pgslot_lookup(NULL, VA, PTSIM_PTE, 0, &s), -EINVAL);
	ERR(c, ptsim_pgslot_lookup(MM, VA, PTSIM_PTE, 0, NULL), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_pgslot_lookup(MM, VA, BADL(i), 0, &s), -EINVAL);
	ERR(c, ptsim_pgslot_lookup(MM, VA, PTSIM_PTE, ~0u, &s), -EINVAL);
	ERR(c, ptsim_pgslot_lookup(MM, NONCANON, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &s), -EINVAL);
	ERR(c, ptsim_pgslot_lookup(MM, VA, PTSIM_PTE, 0, &s), -ENOENT);
}

HOSTILE(ptsim_pgslot_get)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3];
	ptsim_ent_t e;
	int err[3];

	ERR0(ptsim_pgslot_get(NULL, &s, &e), -EINVAL);
	ERR(c, ptsim_pgslot_get(MM, NULL, &e), -EINVAL);
	ERR(c, ptsim_pgslot_get(MM, &s, NULL), -EINVAL);
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_get(MM, &bad[i], &e), err[i]);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgslot_set)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3];
	int err[3];

	ERR0(ptsim_pgslot_set(NULL, &s, 0), -EINVAL);
	ERR(c, ptsim_pgslot_set(MM, NULL, 0), -EINVAL);
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_set(MM, &bad[i], 0), err[i]);
	/* A leaf beyond the physical address bits. */
	ERR(c,
	    ptsim_pgslot_set(
		    MM, &s,
		    ptsim_mk_leaf(A, PTSIM_PTE,
				  1ull << (ptsim_arch_pa_bits(A) - ptsim_arch_page_shift(A)),
				  ptsim_pgprot(A, PTSIM_PROT_READ, 0))),
	    -EINVAL);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgslot_get_and_clear)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3];
	ptsim_ent_t e;
	int err[3];

	ERR0(ptsim_pgslot_get_and_clear(NULL, &s, &e), -EINVAL);
	ERR(c, ptsim_pgslot_get_and_clear(MM, NULL, &e), -EINVAL);
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_get_and_clear(MM, &bad[i], &e), err[i]);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgslot_modify_prot_start)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3];
	ptsim_ent_t e;
	int err[3];

	ERR0(ptsim_pgslot_modify_prot_start(NULL, &s, &e), -EINVAL);
	ERR(c, ptsim_pgslot_modify_prot_start(MM, NULL, &e), -EINVAL);
	ERR(c, ptsim_pgslot_modify_prot_start(MM, &s, NULL), -EINVAL);
	ERR(c, ptsim_pgslot_modify_prot_start(MM, &s, &e), -EINVAL); /* none */
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_modify_prot_start(MM, &bad[i], &e), err[i]);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgslot_modify_prot_commit)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3];
	int err[3];

	ERR0(ptsim_pgslot_modify_prot_commit(NULL, &s, 0, 0), -EINVAL);
	ERR(c, ptsim_pgslot_modify_prot_commit(MM, NULL, 0, 0), -EINVAL);
	ERR(c, ptsim_pgslot_modify_prot_commit(MM, &s, 0, ~0ull), -EINVAL);
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_modify_prot_commit(MM, &bad[i], 0, 0), err[i]);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgtable_alloc)
{
	uint64_t pfn;

	ERR0(ptsim_pgtable_alloc(NULL, PTSIM_PTE, &pfn), -EINVAL);
	ERR(c, ptsim_pgtable_alloc(MM, PTSIM_PTE, NULL), -EINVAL);
	ERR(c, ptsim_pgtable_alloc(MM, PTSIM_PGD, &pfn), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_pgtable_alloc(MM, BADL(i), &pfn), -EINVAL);
}

HOSTILE(ptsim_pgslot_populate)
{
	struct ptsim_pgslot s = pte_slot(c), bad[3], pmd;
	int err[3];

	ERR0(ptsim_pgslot_populate(NULL, &s, 0), -EINVAL);
	ERR(c, ptsim_pgslot_populate(MM, NULL, 0), -EINVAL);
	ERR(c, ptsim_pgslot_populate(MM, &s, 0), -EINVAL); /* a PTE slot */
	bad_slots(c, bad, err);
	for (int i = 0; i < 3; i++)
		ERR(c, ptsim_pgslot_populate(MM, &bad[i], 0), err[i]);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
	assert_int_equal(ptsim_pgslot_lookup(MM, VA, PTSIM_PMD, PTSIM_PGSLOT_ALLOC, &pmd), 0);
	ERR(c, ptsim_pgslot_populate(MM, &pmd, UINT64_MAX), -EINVAL);
	ERR(c, ptsim_pgslot_populate(MM, &pmd, ptsim_mm_pgd_pfn(MM)), -EINVAL);
	assert_int_equal(ptsim_unmap(MM, VA, PSZ, PTSIM_UNMAP_FREE_TABLES), 0);
}

HOSTILE(ptsim_pgtable_free)
{
	ERR0(ptsim_pgtable_free(NULL, 0), -EINVAL);
	ERR(c, ptsim_pgtable_free(MM, UINT64_MAX), -EINVAL);
	ERR(c, ptsim_pgtable_free(MM, ptsim_zero_pfn(M)), -EINVAL);
	ERR(c, ptsim_pgtable_free(MM, ptsim_mm_pgd_pfn(MM)), -EBUSY); /* the root is linked */
}

#define SPLIT_COLLAPSE(fn)                                                                         \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		ERR0(fn(NULL, VA, PTSIM_PMD, 0), -EINVAL);                                         \
		for (size_t i = 0; i < NBAD; i++)                                                  \
			ERR(c, fn(MM, VA, BADL(i), 0), -EINVAL);                                   \
		ERR(c, fn(MM, VA, PTSIM_PTE, 0), -EINVAL);                                         \
		ERR(c, fn(MM, VA, PTSIM_PMD, ~0u), -EINVAL);                                       \
		ERR(c, fn(MM, NONCANON, PTSIM_PMD, 0), -EINVAL);                                   \
		ERR(c, fn(MM, VA, PTSIM_PMD, 0), -ENOENT);                                         \
	}
SPLIT_COLLAPSE(ptsim_split_leaf)
SPLIT_COLLAPSE(ptsim_collapse_leaf)

HOSTILE(ptsim_translate)
{
	struct ptsim_translation tr;

	ERR0(ptsim_translate(NULL, VA, &tr), -EINVAL);
	ERR(c, ptsim_translate(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_translate(MM, VA, &tr), -ENOENT);
	ERR(c, ptsim_translate(MM, NONCANON, &tr), -EINVAL);
}

HOSTILE(ptsim_walk_page_range)
{
	struct ptsim_walk_ops ops = {.pte_hole = NULL};
	struct ptsim_walk_ops fail = {.pte_hole = walk_fail};

	ERR0(ptsim_walk_page_range(NULL, 0, 0, &ops, NULL), -EINVAL);
	ERR(c, ptsim_walk_page_range(MM, 0, 0, NULL, NULL), -EINVAL);
	ERR(c, ptsim_walk_page_range(MM, 2 * PSZ, PSZ, &ops, NULL), -EINVAL);
	ERR(c, ptsim_walk_page_range(MM, NONCANON, NONCANON + PSZ, &ops, NULL), -EINVAL);
	ERR(c, ptsim_walk_page_range(MM, 0, 0, &fail, NULL), -EIO); /* a callback's error */
}

HOSTILE(ptsim_ptdump)
{
	FILE *ro = fopen("/dev/null", "r");

	assert_non_null(ro);
	ERR0(ptsim_ptdump(NULL, 0, 0, stdout), -EINVAL);
	ERR(c, ptsim_ptdump(MM, 0, 0, NULL), -EINVAL);
	ERR(c, ptsim_ptdump(MM, 2 * PSZ, PSZ, stdout), -EINVAL);
	ERR(c, ptsim_ptdump(MM, 0, 0, ro), -EIO); /* a stream that cannot be written */
	fclose(ro);
}

HOSTILE(ptsim_lockless_begin)
{
	struct ptsim_lockless *w = (struct ptsim_lockless *)c;

	ERR0(ptsim_lockless_begin(NULL, VA, &w), -EINVAL);
	assert_null(w);
	ERR(c, ptsim_lockless_begin(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_lockless_begin(MM, 1ull << 63, &w), -EINVAL);
	assert_null(w);
}

HOSTILE(ptsim_lockless_step)
{
	struct ptsim_lockless *w;
	struct ptsim_lockless_step st;

	ERR0(ptsim_lockless_step(NULL, &st), -EINVAL);
	assert_int_equal(ptsim_lockless_begin(MM, VA, &w), 0);
	ERR(c, ptsim_lockless_step(w, NULL), -EINVAL);
	ptsim_lockless_end(w);
}

HOSTILE(ptsim_lockless_recheck)
{
	(void)c;
	ERR0(ptsim_lockless_recheck(NULL), -EINVAL);
}

HOSTILE(ptsim_lockless_write)
{
	struct ptsim_lockless *w;

	ERR0(ptsim_lockless_write(NULL, 0), -EINVAL);
	assert_int_equal(ptsim_lockless_begin(MM, VA, &w), 0);
	ERR(c, ptsim_lockless_write(w, 0), -EINVAL); /* nothing read yet */
	ptsim_lockless_end(w);
}

HOSTILE(ptsim_lockless_end)
{
	(void)c;
	ptsim_lockless_end(NULL);
}

/* -- tlb.h -- */

HOSTILE(ptsim_tlb_config_default)
{
	(void)c;
	ptsim_tlb_config_default(NULL);
}

HOSTILE(ptsim_tlb_configure)
{
	struct ptsim_tlb_config cfg;

	ptsim_tlb_config_default(&cfg);
	ERR0(ptsim_tlb_configure(NULL, &cfg), -EINVAL);
	ERR(c, ptsim_tlb_configure(M, NULL), -EINVAL);
	cfg.ways[PTSIM_PTE] = 0;
	ERR(c, ptsim_tlb_configure(M, &cfg), -EINVAL);
	ptsim_tlb_config_default(&cfg);
	cfg.entries[PTSIM_PTE] = UINT_MAX;
	cfg.ways[PTSIM_PTE] = 1;
	ERR(c, ptsim_tlb_configure(M, &cfg), -EINVAL);
	ptsim_tlb_config_default(&cfg);
	cfg.walk_cache_entries = UINT_MAX;
	ERR(c, ptsim_tlb_configure(M, &cfg), -EINVAL);
}

HOSTILE(ptsim_switch_mm)
{
	ERR0(ptsim_switch_mm(NULL, 0), -EINVAL);
	ERR(c, ptsim_switch_mm(MM, UINT_MAX), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_page)
{
	(void)c;
	ERR0(ptsim_flush_tlb_page(NULL, 0), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_range)
{
	ERR0(ptsim_flush_tlb_range(NULL, 0, PSZ, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_flush_tlb_range(MM, 2 * PSZ, PSZ, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_flush_tlb_range(MM, PSZ, PSZ, PTSIM_PTE), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_flush_tlb_range(MM, 0, PSZ, BADL(i)), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_mm)
{
	(void)c;
	ERR0(ptsim_flush_tlb_mm(NULL), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_all)
{
	(void)c;
	ERR0(ptsim_flush_tlb_all(NULL), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_kernel_range)
{
	ERR0(ptsim_flush_tlb_kernel_range(NULL, 0, PSZ), -EINVAL);
	ERR(c, ptsim_flush_tlb_kernel_range(M, 2 * PSZ, PSZ), -EINVAL);
}

HOSTILE(ptsim_flush_tlb_pgtable)
{
	ERR0(ptsim_flush_tlb_pgtable(NULL, 0, PSZ), -EINVAL);
	ERR(c, ptsim_flush_tlb_pgtable(MM, 2 * PSZ, PSZ), -EINVAL);
}

HOSTILE(ptsim_tlb_stats)
{
	struct ptsim_tlb_stats st;

	ERR0(ptsim_tlb_stats(NULL, 0, &st), -EINVAL);
	ERR(c, ptsim_tlb_stats(M, 0, NULL), -EINVAL);
	ERR(c, ptsim_tlb_stats(M, UINT_MAX, &st), -EINVAL);
}

HOSTILE(ptsim_tlb_stats_total)
{
	struct ptsim_tlb_stats st;

	memset(&st, 0xff, sizeof(st));
	ptsim_tlb_stats_total(NULL, &st);
	all_zero("ptsim_tlb_stats_total(NULL)", &st, sizeof(st));
	ptsim_tlb_stats_total(NULL, NULL);
	VOID(c, ptsim_tlb_stats_total(M, NULL));
}

HOSTILE(ptsim_tlb_flush_kind_name)
{
	(void)c;
	STR0(ptsim_tlb_flush_kind_name(PTSIM_FLUSH_NR_KINDS), "?");
	STR0(ptsim_tlb_flush_kind_name((enum ptsim_tlb_flush_kind) - 1), "?");
}

HOSTILE(ptsim_tlb_entries)
{
	ERR0(ptsim_tlb_entries(NULL, 0, count_entry, NULL), -EINVAL);
	ERR(c, ptsim_tlb_entries(M, 0, NULL, NULL), -EINVAL);
	ERR(c, ptsim_tlb_entries(M, UINT_MAX, count_entry, NULL), -EINVAL);
}

HOSTILE(ptsim_violations)
{
	struct ptsim_violation v;

	ERR0(ptsim_violations(NULL, &v, 1), -EINVAL);
	ERR(c, ptsim_violations(M, NULL, 5), -EINVAL);
	VAL0(ptsim_violations(M, NULL, 0), 0);
}

HOSTILE(ptsim_violations_clear)
{
	(void)c;
	ptsim_violations_clear(NULL);
}

HOSTILE(ptsim_violation_kind_name)
{
	(void)c;
	STR0(ptsim_violation_kind_name(0), "?");
	STR0(ptsim_violation_kind_name(INT_MIN), "?");
	STR0(ptsim_violation_kind_name(99), "?");
}

HOSTILE(ptsim_tlb_gather_mmu)
{
	struct ptsim_mmu_gather g;

	ERR0(ptsim_tlb_gather_mmu(&g, NULL), -EINVAL);
	ERR(c, ptsim_tlb_gather_mmu(NULL, MM), -EINVAL);
}

HOSTILE(ptsim_tlb_gather_mmu_fullmm)
{
	struct ptsim_mmu_gather g;

	ERR0(ptsim_tlb_gather_mmu_fullmm(&g, NULL), -EINVAL);
	ERR(c, ptsim_tlb_gather_mmu_fullmm(NULL, MM), -EINVAL);
}

HOSTILE(ptsim_tlb_remove_page)
{
	struct ptsim_mmu_gather g, zero;
	uint64_t f;

	memset(&zero, 0, sizeof(zero));
	assert_int_equal(ptsim_folio_alloc(M, 0, &f), 0);
	ERR0(ptsim_tlb_remove_page(NULL, f, VA, PTSIM_PTE), -EINVAL);
	ERR0(ptsim_tlb_remove_page(&zero, f, VA, PTSIM_PTE), -EINVAL); /* never started */
	gather(c, &g);
	ERR(c, ptsim_tlb_remove_page(&g, UINT64_MAX, VA, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_tlb_remove_page(&g, ptsim_zero_pfn(M), VA, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_tlb_remove_page(&g, f, NONCANON, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_tlb_remove_page(&g, f, VA, PTSIM_PGD), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_tlb_remove_page(&g, f, VA, BADL(i)), -EINVAL);
	ERR(c, ptsim_tlb_remove_page(&g, ptsim_mm_pgd_pfn(MM), VA, PTSIM_PTE), -EBUSY);
	g.nr_pages = UINT_MAX; /* a corrupt gather */
	ERR(c, ptsim_tlb_remove_page(&g, f, VA, PTSIM_PTE), -EINVAL);
	g.nr_pages = 0;
	ptsim_tlb_finish_mmu(&g);
	ERR0(ptsim_tlb_remove_page(&g, f, VA, PTSIM_PTE), -EINVAL); /* finished */
	assert_int_equal(ptsim_folio_put(M, f), 0);
}

HOSTILE(ptsim_tlb_remove_table)
{
	struct ptsim_mmu_gather g, zero;

	memset(&zero, 0, sizeof(zero));
	ERR0(ptsim_tlb_remove_table(NULL, 0, VA, PTSIM_PTE), -EINVAL);
	ERR0(ptsim_tlb_remove_table(&zero, 0, VA, PTSIM_PTE), -EINVAL);
	gather(c, &g);
	ERR(c, ptsim_tlb_remove_table(&g, UINT64_MAX, VA, PTSIM_PTE), -EINVAL);
	ERR(c, ptsim_tlb_remove_table(&g, ptsim_zero_pfn(M), VA, PTSIM_PTE), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_tlb_remove_table(&g, ptsim_mm_pgd_pfn(MM), VA, BADL(i)), -EINVAL);
	ERR(c, ptsim_tlb_remove_table(&g, ptsim_mm_pgd_pfn(MM), VA, PTSIM_PGD), -EINVAL);
	g.nr_tables = UINT_MAX;
	ERR(c, ptsim_tlb_remove_table(&g, ptsim_mm_pgd_pfn(MM), VA, PTSIM_PUD), -EINVAL);
	g.nr_tables = 0;
	ptsim_tlb_finish_mmu(&g);
}

HOSTILE(ptsim_tlb_flush_mmu)
{
	struct ptsim_mmu_gather g;

	memset(&g, 0, sizeof(g));
	ptsim_tlb_flush_mmu(NULL);
	ptsim_tlb_flush_mmu(&g);
	gather(c, &g);
	g.page_level = 99;
	VOID(c, ptsim_tlb_flush_mmu(&g));
	g.page_level = -1;
	ptsim_tlb_finish_mmu(&g);
}

HOSTILE(ptsim_tlb_finish_mmu)
{
	struct ptsim_mmu_gather g;

	memset(&g, 0, sizeof(g));
	ptsim_tlb_finish_mmu(NULL);
	ptsim_tlb_finish_mmu(&g);
	gather(c, &g);
	g.nr_tables = PTSIM_MMU_GATHER_TABLES + 1;
	VOID(c, ptsim_tlb_finish_mmu(&g));
	g.nr_tables = 0;
	ptsim_tlb_finish_mmu(&g);
	ptsim_tlb_finish_mmu(&g); /* finished twice: a no-op */
}

/* -- mm.h -- */

#define FILE_CREATE(fn)                                                                            \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		struct ptsim_file *f;                                                              \
                                                                                                   \
		ERR0(fn(NULL, PSZ, &f), -EINVAL);                                                  \
		ERR(c, fn(M, PSZ, NULL), -EINVAL);                                                 \
	}
FILE_CREATE(ptsim_file_create)
FILE_CREATE(ptsim_memfd_create)

HOSTILE(ptsim_hugetlbfs_create)
{
	struct ptsim_file *f;

	ERR0(ptsim_hugetlbfs_create(NULL, 0, 0, &f), -EINVAL);
	ERR(c, ptsim_hugetlbfs_create(M, 0, 0, NULL), -EINVAL);
	ERR(c, ptsim_hugetlbfs_create(M, 3 * PSZ, 0, &f), -EINVAL); /* not a power of two */
	ERR(c, ptsim_hugetlbfs_create(M, PSZ, 0, &f), -EINVAL);	    /* not a hugetlb size */
	ERR(c, ptsim_hugetlbfs_create(M, 0, PSZ, &f), -EINVAL);	    /* size not a multiple */
}

HOSTILE(ptsim_memfd_create_flags)
{
	struct ptsim_file *f;

	ERR0(ptsim_memfd_create_flags(NULL, PSZ, 0, &f), -EINVAL);
	ERR(c, ptsim_memfd_create_flags(M, PSZ, 0, NULL), -EINVAL);
	ERR(c, ptsim_memfd_create_flags(M, PSZ, 0x1u, &f), -EINVAL); /* MFD_CLOEXEC: unknown */
	ERR(c, ptsim_memfd_create_flags(M, PSZ, PTSIM_MAP_HUGE_2MB, &f), -EINVAL);
	ERR(c, ptsim_memfd_create_flags(M, PSZ, PTSIM_MFD_HUGETLB, &f), -EINVAL);
	ERR(c, ptsim_memfd_create_flags(M, 0, PTSIM_MFD_HUGETLB | (3u << PTSIM_MAP_HUGE_SHIFT), &f),
	    -EINVAL);
}

HOSTILE(ptsim_ftruncate)
{
	ERR0(ptsim_ftruncate(NULL, 0), -EINVAL);
	ERR(c, ptsim_ftruncate(c->file, 0), -EOPNOTSUPP); /* a shmem file */
}

HOSTILE(ptsim_file_close)
{
	(void)c;
	ptsim_file_close(NULL);
}

HOSTILE(ptsim_file_size)
{
	(void)c;
	VAL0(ptsim_file_size(NULL), 0);
}

HOSTILE(ptsim_file_nr_cached)
{
	(void)c;
	VAL0(ptsim_file_nr_cached(NULL), 0);
}

HOSTILE(ptsim_file_cache_pfn)
{
	uint64_t pfn;

	ERR0(ptsim_file_cache_pfn(NULL, 0, &pfn), -EINVAL);
	ERR(c, ptsim_file_cache_pfn(c->file, 0, NULL), -EINVAL);
	ERR(c, ptsim_file_cache_pfn(c->file, UINT64_MAX, &pfn), -ENOENT);
}

#define ANP (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)
#define RW  (PTSIM_PROT_READ | PTSIM_PROT_WRITE)

HOSTILE(ptsim_mmap)
{
	uint64_t a;

	ERR0(ptsim_mmap(NULL, 0, PSZ, RW, ANP, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, PSZ, RW, ANP, NULL, 0, NULL), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, 0, RW, ANP, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, PSZ, ~0u, ANP, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, PSZ, RW, 0, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, PSZ, RW, ~0u, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, PSZ, RW, PTSIM_MAP_PRIVATE, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, 0, UINT64_MAX, RW, ANP, NULL, 0, &a), -EINVAL); /* rounds over */
	ERR(c, ptsim_mmap(MM, 0, 1ull << 62, RW, ANP, NULL, 0, &a), -ENOMEM);
	ERR(c, ptsim_mmap(MM, VA + 1, PSZ, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a), -EINVAL);
	ERR(c, ptsim_mmap(MM, UINT64_MAX & ~(PSZ - 1), PSZ, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
	    -ENOMEM);
	ERR(c, ptsim_mmap(MM, 0, PSZ, RW, PTSIM_MAP_SHARED, c->file, UINT64_MAX, &a), -EINVAL);
	VAL0(ptsim_mm_nr_vmas(MM), 0);
}

HOSTILE(ptsim_munmap)
{
	ERR0(ptsim_munmap(NULL, VA, PSZ), -EINVAL);
	ERR(c, ptsim_munmap(MM, VA + 1, PSZ), -EINVAL);
	ERR(c, ptsim_munmap(MM, VA, 0), -EINVAL);
	ERR(c, ptsim_munmap(MM, UINT64_MAX & ~(PSZ - 1), PSZ), -EINVAL);
	ERR(c, ptsim_munmap(MM, VA, UINT64_MAX), -EINVAL);
}

HOSTILE(ptsim_mprotect)
{
	uint64_t a;

	assert_int_equal(ptsim_mmap(MM, 0, PSZ, RW, ANP, NULL, 0, &a), 0);
	ERR0(ptsim_mprotect(NULL, a, PSZ, RW), -EINVAL);
	ERR(c, ptsim_mprotect(MM, a + 1, PSZ, RW), -EINVAL);
	ERR(c, ptsim_mprotect(MM, a, PSZ, ~0u), -EINVAL);
	ERR(c, ptsim_mprotect(MM, a, UINT64_MAX, RW), -EINVAL);
	ERR(c, ptsim_mprotect(MM, VA, PSZ, RW), -ENOMEM); /* not mapped */
	assert_int_equal(ptsim_munmap(MM, a, PSZ), 0);
}

HOSTILE(ptsim_madvise)
{
	uint64_t a;

	assert_int_equal(ptsim_mmap(MM, 0, PSZ, RW, ANP, NULL, 0, &a), 0);
	ERR0(ptsim_madvise(NULL, a, PSZ, PTSIM_MADV_DONTNEED), -EINVAL);
	ERR(c, ptsim_madvise(MM, a, PSZ, 999), -EINVAL);
	ERR(c, ptsim_madvise(MM, a, PSZ, INT_MIN), -EINVAL);
	ERR(c, ptsim_madvise(MM, a + 1, PSZ, PTSIM_MADV_DONTNEED), -EINVAL);
	ERR(c, ptsim_madvise(MM, a, UINT64_MAX, PTSIM_MADV_DONTNEED), -EINVAL);
	assert_int_equal(ptsim_munmap(MM, a, PSZ), 0);
}

HOSTILE(ptsim_fork)
{
	struct ptsim_mm *child;

	ERR0(ptsim_fork(NULL, &child), -EINVAL);
	ERR(c, ptsim_fork(MM, NULL), -EINVAL);
}

HOSTILE(ptsim_vma_info)
{
	struct ptsim_vma_info v;

	ERR0(ptsim_vma_info(NULL, VA, &v), -EINVAL);
	ERR(c, ptsim_vma_info(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_vma_info(MM, VA, &v), -ENOENT);
	ERR(c, ptsim_vma_info(MM, UINT64_MAX, &v), -ENOENT);
}

HOSTILE(ptsim_vma_next)
{
	struct ptsim_vma_info v;

	ERR0(ptsim_vma_next(NULL, 0, &v), -EINVAL);
	ERR(c, ptsim_vma_next(MM, 0, NULL), -EINVAL);
	ERR(c, ptsim_vma_next(MM, UINT64_MAX, &v), -ENOENT);
}

HOSTILE(ptsim_mm_nr_vmas)
{
	(void)c;
	VAL0(ptsim_mm_nr_vmas(NULL), 0);
}

HOSTILE(ptsim_vm_fault_name)
{
	(void)c;
	STR0(ptsim_vm_fault_name(0), "?");
	STR0(ptsim_vm_fault_name(~0u), "?");
	STR0(ptsim_vm_fault_name(PTSIM_VM_FAULT_OOM | PTSIM_VM_FAULT_SIGBUS), "?");
}

HOSTILE(ptsim_access)
{
	struct ptsim_access_result r;

	ERR0(ptsim_access(NULL, 0, VA, PTSIM_ACCESS_READ, &r), -EINVAL);
	ERR(c, ptsim_access(MM, 0, VA, PTSIM_ACCESS_READ, NULL), -EINVAL);
	ERR(c, ptsim_access(MM, UINT_MAX, VA, PTSIM_ACCESS_READ, &r), -EINVAL);
	ERR(c, ptsim_access(MM, 0, VA, 0, &r), -EINVAL);
	ERR(c, ptsim_access(MM, 0, VA, ~0u, &r), -EINVAL);
	/* A signal is an outcome, not an error. */
	assert_int_equal(ptsim_access(MM, 0, NONCANON, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(r.signal, PTSIM_SIGSEGV);
	assert_int_equal(ptsim_access(MM, 0, UINT64_MAX, PTSIM_ACCESS_WRITE, &r), 0);
	assert_int_equal(r.signal, PTSIM_SIGSEGV);
}

HOSTILE(ptsim_mm_counters)
{
	struct ptsim_mm_counters mc;

	memset(&mc, 0xff, sizeof(mc));
	ptsim_mm_counters(NULL, &mc);
	all_zero("ptsim_mm_counters(NULL)", &mc, sizeof(mc));
	ptsim_mm_counters(NULL, NULL);
	VOID(c, ptsim_mm_counters(MM, NULL));
}

#define RMAP_CALL(fn, ...)                                                                         \
	HOSTILE(fn)                                                                                \
	{                                                                                          \
		ERR0(fn(NULL, 0 __VA_ARGS__), -EINVAL);                                            \
		ERR(c, fn(M, UINT64_MAX __VA_ARGS__), -EINVAL);                                    \
		ERR(c, fn(M, (1ull << 30) / PSZ - 1 __VA_ARGS__), -EINVAL); /* free */             \
		ERR(c, fn(M, ptsim_mm_pgd_pfn(MM) __VA_ARGS__), -EINVAL);   /* a table */          \
	}
RMAP_CALL(ptsim_rmap_walk, , count_hit, NULL)
RMAP_CALL(ptsim_try_to_unmap)
RMAP_CALL(ptsim_folio_mkclean)
RMAP_CALL(ptsim_folio_referenced)

HOSTILE(ptsim_pagemap)
{
	uint64_t w;

	ERR0(ptsim_pagemap(NULL, VA, &w), -EINVAL);
	ERR(c, ptsim_pagemap(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_pagemap(MM, NONCANON, &w), -EINVAL);
}

HOSTILE(ptsim_pagemap_range)
{
	uint64_t w[2];

	ERR0(ptsim_pagemap_range(NULL, 0, PSZ, w, 1), -EINVAL);
	ERR(c, ptsim_pagemap_range(MM, 0, PSZ, NULL, 1), -EINVAL);
	ERR(c, ptsim_pagemap_range(MM, 1, PSZ, w, 1), -EINVAL);
	ERR(c, ptsim_pagemap_range(MM, 2 * PSZ, PSZ, w, 1), -EINVAL);
	ERR(c, ptsim_pagemap_range(MM, NONCANON, NONCANON + 2 * PSZ, w, 2), -EINVAL);
	VAL0(ptsim_pagemap_range(MM, 0, UINT64_MAX & ~(PSZ - 1), w, 2), 2); /* capped by @nr */
}

HOSTILE(ptsim_clear_refs)
{
	ERR0(ptsim_clear_refs(NULL, PTSIM_CLEAR_REFS_SOFT_DIRTY), -EINVAL);
	ERR(c, ptsim_clear_refs(MM, 99), -EINVAL);
	ERR(c, ptsim_clear_refs(MM, INT_MIN), -EINVAL);
}

/* -- softleaf.h -- */

HOSTILE(ptsim_softleaf_type_name)
{
	(void)c;
	STR0(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_NR_TYPES), "?");
	STR0(ptsim_softleaf_type_name((enum ptsim_softleaf_type) - 1), "?");
}

HOSTILE(ptsim_swp_type_code)
{
	ERR0(ptsim_swp_type_code(NULL, PTSIM_SOFTLEAF_MARKER), -EINVAL);
	ERR(c, ptsim_swp_type_code(M, PTSIM_SOFTLEAF_NR_TYPES), -EINVAL);
	ERR(c, ptsim_swp_type_code(M, (enum ptsim_softleaf_type) - 1), -EINVAL);
	ERR(c, ptsim_swp_type_code(M, PTSIM_SOFTLEAF_SWAP), -EINVAL);
}

HOSTILE(ptsim_max_swapfiles)
{
	(void)c;
	VAL0(ptsim_max_swapfiles(NULL), 0);
}

HOSTILE(ptsim_softleaf_mk)
{
	struct ptsim_softleaf s = {.type = PTSIM_SOFTLEAF_SWAP, .swp_type = 1, .offset = 1};
	ptsim_ent_t e;

	ERR0(ptsim_softleaf_mk(NULL, PTSIM_PTE, &s, &e), -EINVAL);
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, NULL, &e), -EINVAL);
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, NULL), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_softleaf_mk(M, BADL(i), &s, &e), -EINVAL);
	s.type = (enum ptsim_softleaf_type)99;
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, &e), -EINVAL);
	s.type = PTSIM_SOFTLEAF_SWAP;
	s.swp_type = UINT_MAX;
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, &e), -EINVAL);
	s.swp_type = 1;
	s.offset = UINT64_MAX;
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, &e), -ERANGE);
	s.offset = 1;
	s.flags = ~0u;
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, &e), -EINVAL);
	s.flags = 0;
	s.type = PTSIM_SOFTLEAF_MIGRATION_WRITE;
	s.pfn = UINT64_MAX;
	ERR(c, ptsim_softleaf_mk(M, PTSIM_PTE, &s, &e), -ERANGE);
}

HOSTILE(ptsim_softleaf_from)
{
	struct ptsim_softleaf s;

	ERR0(ptsim_softleaf_from(NULL, PTSIM_PTE, 0, &s), -EINVAL);
	ERR(c, ptsim_softleaf_from(M, PTSIM_PTE, 0, NULL), -EINVAL);
	for (size_t i = 0; i < NBAD; i++)
		ERR(c, ptsim_softleaf_from(M, BADL(i), 0, &s), -EINVAL);
	ERR(c,
	    ptsim_softleaf_from(M, PTSIM_PTE,
				ptsim_mk_leaf(A, PTSIM_PTE, 1, ptsim_pgprot(A, PTSIM_PROT_READ, 0)),
				&s),
	    -ENOENT);
}

HOSTILE(ptsim_mk_pte_marker)
{
	ptsim_pte_t p;

	ERR0(ptsim_mk_pte_marker(NULL, PTSIM_PTE_MARKER_GUARD, &p), -EINVAL);
	ERR(c, ptsim_mk_pte_marker(M, PTSIM_PTE_MARKER_GUARD, NULL), -EINVAL);
	ERR(c, ptsim_mk_pte_marker(M, 0, &p), -EINVAL);
	ERR(c, ptsim_mk_pte_marker(M, ~0u, &p), -EINVAL);
}

HOSTILE(ptsim_mk_hwpoison_entry)
{
	ptsim_pte_t p;

	ERR0(ptsim_mk_hwpoison_entry(NULL, 1, &p), -EINVAL);
	ERR(c, ptsim_mk_hwpoison_entry(M, 1, NULL), -EINVAL);
	ERR(c, ptsim_mk_hwpoison_entry(M, UINT64_MAX, &p), -ERANGE);
}

/* -- stat.h -- */

HOSTILE(ptsim_vm_event)
{
	VAL0(ptsim_vm_event(NULL, PTSIM_VM_PGFAULT), 0);
	VAL(c, ptsim_vm_event(M, PTSIM_NR_VM_EVENTS), 0);
	VAL(c, ptsim_vm_event(M, (enum ptsim_vm_event) - 1), 0);
}

HOSTILE(ptsim_vm_event_name)
{
	(void)c;
	STR0(ptsim_vm_event_name(PTSIM_NR_VM_EVENTS), "?");
	STR0(ptsim_vm_event_name((enum ptsim_vm_event) - 1), "?");
}

HOSTILE(ptsim_meminfo)
{
	VAL0(ptsim_meminfo(NULL, PTSIM_MEMINFO_MEMTOTAL), 0);
	VAL(c, ptsim_meminfo(M, PTSIM_NR_MEMINFO_ITEMS), 0);
	VAL(c, ptsim_meminfo(M, (enum ptsim_meminfo_item) - 1), 0);
}

HOSTILE(ptsim_meminfo_name)
{
	(void)c;
	STR0(ptsim_meminfo_name(PTSIM_NR_MEMINFO_ITEMS), "?");
	STR0(ptsim_meminfo_name((enum ptsim_meminfo_item) - 1), "?");
}

HOSTILE(ptsim_cost_total)
{
	struct ptsim_cost cost;

	memset(&cost, 0xff, sizeof(cost));
	ptsim_cost_total(NULL, &cost);
	all_zero("ptsim_cost_total(NULL)", &cost, sizeof(cost));
	ptsim_cost_total(NULL, NULL);
	VOID(c, ptsim_cost_total(M, NULL));
}

HOSTILE(ptsim_cost_begin)
{
	struct ptsim_cost_scope sc;

	memset(&sc, 0xff, sizeof(sc));
	ptsim_cost_begin(NULL, &sc);
	all_zero("ptsim_cost_begin(NULL)", &sc, sizeof(sc));
	ptsim_cost_begin(NULL, NULL);
	VOID(c, ptsim_cost_begin(M, NULL));
}

HOSTILE(ptsim_cost_end)
{
	struct ptsim_cost_scope sc;
	struct ptsim_cost cost;

	ptsim_cost_begin(M, &sc);
	memset(&cost, 0xff, sizeof(cost));
	ptsim_cost_end(NULL, &sc, &cost);
	all_zero("ptsim_cost_end(NULL, ...)", &cost, sizeof(cost));
	ptsim_cost_end(NULL, NULL, NULL);
	memset(&cost, 0xff, sizeof(cost));
	VOID(c, ptsim_cost_end(M, NULL, &cost));
	all_zero("ptsim_cost_end(m, NULL, ...)", &cost, sizeof(cost));
	VOID(c, ptsim_cost_end(M, &sc, NULL));
}

/* -- thp.h -- */

HOSTILE(ptsim_split_huge_pmd)
{
	ERR0(ptsim_split_huge_pmd(NULL, VA, 0), -EINVAL);
	ERR(c, ptsim_split_huge_pmd(MM, VA, ~0u), -EINVAL);
	ERR(c, ptsim_split_huge_pmd(MM, NONCANON, 0), -EINVAL);
	ERR(c, ptsim_split_huge_pmd(MM, VA, 0), -ENOENT);
}

HOSTILE(ptsim_split_huge_page)
{
	uint64_t a;
	struct ptsim_access_result r;

	ERR0(ptsim_split_huge_page(NULL, VA, 0), -EINVAL);
	ERR(c, ptsim_split_huge_page(MM, NONCANON, 0), -EINVAL);
	ERR(c, ptsim_split_huge_page(MM, VA, 0), -ENOENT);
	assert_int_equal(ptsim_mmap(MM, 0, PSZ, RW, ANP, NULL, 0, &a), 0);
	assert_int_equal(ptsim_access(MM, 0, a, PTSIM_ACCESS_WRITE, &r), 0);
	ERR(c, ptsim_split_huge_page(MM, a, 0), -EINVAL); /* a small folio */
	ERR(c, ptsim_split_huge_page(MM, a, UINT_MAX), -EINVAL);
	assert_int_equal(ptsim_munmap(MM, a, PSZ), 0);
}

HOSTILE(ptsim_pin_user_page)
{
	uint64_t pfn;

	ERR0(ptsim_pin_user_page(NULL, VA, &pfn), -EINVAL);
	ERR(c, ptsim_pin_user_page(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_pin_user_page(MM, NONCANON, &pfn), -EINVAL);
	ERR(c, ptsim_pin_user_page(MM, VA, &pfn), -EFAULT);
}

HOSTILE(ptsim_unpin_user_page)
{
	ERR0(ptsim_unpin_user_page(NULL, 0), -EINVAL);
	ERR(c, ptsim_unpin_user_page(M, UINT64_MAX), -EINVAL);
	ERR(c, ptsim_unpin_user_page(M, ptsim_zero_pfn(M)), -EINVAL);
	ERR(c, ptsim_unpin_user_page(M, ptsim_mm_pgd_pfn(MM)), -EINVAL);
}

/* -- uffd.h -- */

HOSTILE(ptsim_uffdio_api)
{
	uint64_t f = PTSIM_UFFD_FEATURE_EXACT_ADDRESS;

	ERR0(ptsim_uffdio_api(NULL, PTSIM_UFFD_API, &f), -EINVAL);
	ERR(c, ptsim_uffdio_api(MM, PTSIM_UFFD_API, NULL), -EINVAL);
	f = ~0ull;
	ERR(c, ptsim_uffdio_api(MM, PTSIM_UFFD_API, &f), -EINVAL);
	ERR0((long long)f, 0);
	f = 0;
	ERR(c, ptsim_uffdio_api(MM, 0, &f), -EINVAL);
}

HOSTILE(ptsim_uffd_features)
{
	(void)c;
	VAL0(ptsim_uffd_features(NULL), 0);
}

HOSTILE(ptsim_uffdio_poison)
{
	ERR0(ptsim_uffdio_poison(NULL, VA, 4096, 0), -EINVAL);
	ERR(c, ptsim_uffdio_poison(MM, VA, 4096, ~0u), -EINVAL);
	ERR(c, ptsim_uffdio_poison(MM, VA + 1, 4096, 0), -EINVAL);
	ERR(c, ptsim_uffdio_poison(MM, VA, 0, 0), -EINVAL);
	ERR(c, ptsim_uffdio_poison(MM, VA, UINT64_MAX & ~4095ull, 0), -EINVAL);
	ERR(c, ptsim_uffdio_poison(MM, VA, 4096, 0), -ENOENT);
}

HOSTILE(ptsim_uffd_serve)
{
	struct ptsim_uffd_serve_result out;

	ERR0(ptsim_uffd_serve(NULL, 0, VA, PTSIM_ACCESS_READ, 0, &out), -EINVAL);
	ERR(c, ptsim_uffd_serve(MM, 0, VA, PTSIM_ACCESS_READ, 0, NULL), -EINVAL);
	ERR(c, ptsim_uffd_serve(MM, UINT_MAX, VA, PTSIM_ACCESS_READ, 0, &out), -EINVAL);
	ERR(c, ptsim_uffd_serve(MM, 0, VA, 0, 0, &out), -EINVAL);
}

HOSTILE(ptsim_uffdio_continue)
{
	ERR0(ptsim_uffdio_continue(NULL, VA, 4096, 0), -EINVAL);
	ERR(c, ptsim_uffdio_continue(MM, VA, 4096, ~0u), -EINVAL);
	ERR(c, ptsim_uffdio_continue(MM, VA + 1, 4096, 0), -EINVAL);
	ERR(c, ptsim_uffdio_continue(MM, VA, 0, 0), -EINVAL);
	ERR(c, ptsim_uffdio_continue(MM, VA, 4096, 0), -ENOENT);
}

HOSTILE(ptsim_uffd_close)
{
	(void)c;
	ERR0(ptsim_uffd_close(NULL), -EINVAL);
}

HOSTILE(ptsim_uffd_register)
{
	ERR0(ptsim_uffd_register(NULL, VA, PSZ, PTSIM_UFFDIO_REGISTER_MODE_MISSING), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA + 1, PSZ, PTSIM_UFFDIO_REGISTER_MODE_MISSING), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA, 0, PTSIM_UFFDIO_REGISTER_MODE_MISSING), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA, PSZ, 0), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA, PSZ, ~0u), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA, PSZ, PTSIM_UFFDIO_REGISTER_MODE_MISSING), -EINVAL);
	ERR(c, ptsim_uffd_register(MM, VA, UINT64_MAX & ~(PSZ - 1), 1), -EINVAL);
}

HOSTILE(ptsim_uffd_unregister)
{
	ERR0(ptsim_uffd_unregister(NULL, VA, PSZ), -EINVAL);
	ERR(c, ptsim_uffd_unregister(MM, VA + 1, PSZ), -EINVAL);
	ERR(c, ptsim_uffd_unregister(MM, VA, 0), -EINVAL);
	ERR(c, ptsim_uffd_unregister(MM, VA, PSZ), -EINVAL);
	ERR(c, ptsim_uffd_unregister(MM, VA, UINT64_MAX & ~(PSZ - 1)), -EINVAL);
}

HOSTILE(ptsim_uffd_read)
{
	struct ptsim_uffd_msg msg;

	ERR0(ptsim_uffd_read(NULL, &msg), -EINVAL);
	ERR(c, ptsim_uffd_read(MM, NULL), -EINVAL);
	ERR(c, ptsim_uffd_read(MM, &msg), -EAGAIN);
}

HOSTILE(ptsim_uffd_nr_pending)
{
	(void)c;
	VAL0(ptsim_uffd_nr_pending(NULL), 0);
}

HOSTILE(ptsim_uffdio_copy)
{
	ERR0(ptsim_uffdio_copy(NULL, VA, PSZ, 0), -EINVAL);
	ERR(c, ptsim_uffdio_copy(MM, VA + 1, PSZ, 0), -EINVAL);
	ERR(c, ptsim_uffdio_copy(MM, VA, 0, 0), -EINVAL);
	ERR(c, ptsim_uffdio_copy(MM, VA, PSZ, ~0u), -EINVAL);
	ERR(c, ptsim_uffdio_copy(MM, VA, PSZ, 0), -ENOENT);
	ERR(c, ptsim_uffdio_copy(MM, VA, UINT64_MAX & ~(PSZ - 1), 0), -EINVAL);
}

HOSTILE(ptsim_uffdio_zeropage)
{
	ERR0(ptsim_uffdio_zeropage(NULL, VA, PSZ), -EINVAL);
	ERR(c, ptsim_uffdio_zeropage(MM, VA + 1, PSZ), -EINVAL);
	ERR(c, ptsim_uffdio_zeropage(MM, VA, 0), -EINVAL);
	ERR(c, ptsim_uffdio_zeropage(MM, VA, PSZ), -ENOENT);
}

HOSTILE(ptsim_uffdio_writeprotect)
{
	ERR0(ptsim_uffdio_writeprotect(NULL, VA, PSZ, 0), -EINVAL);
	ERR(c, ptsim_uffdio_writeprotect(MM, VA + 1, PSZ, 0), -EINVAL);
	ERR(c, ptsim_uffdio_writeprotect(MM, VA, 0, 0), -EINVAL);
	ERR(c, ptsim_uffdio_writeprotect(MM, VA, PSZ, ~0u), -EINVAL);
	ERR(c, ptsim_uffdio_writeprotect(MM, VA, PSZ, 0), -ENOENT);
}

/* -- check.h -- */

HOSTILE(ptsim_check)
{
	struct ptsim_check_report r;

	(void)c;
	ERR0(ptsim_check(NULL, &r), -EINVAL);
	ERR0(ptsim_check(NULL, NULL), -EINVAL);
}

HOSTILE(ptsim_check_code_name)
{
	(void)c;
	STR0(ptsim_check_code_name(PTSIM_CHK_NR_CODES), "?");
	STR0(ptsim_check_code_name((enum ptsim_check_code) - 1), "?");
}

HOSTILE(ptsim_check_code_text)
{
	(void)c;
	STR0(ptsim_check_code_text(PTSIM_CHK_NR_CODES), "?");
	STR0(ptsim_check_code_text((enum ptsim_check_code) - 1), "?");
}

HOSTILE(ptsim_check_report_print)
{
	struct ptsim_check_report r;

	memset(&r, 0, sizeof(r));
	(void)c;
	ptsim_check_report_print(NULL, stdout);
	ptsim_check_report_print(&r, NULL);
}

/* No argument to get wrong: they answer what the header says. */
HOSTILE(ptsim_version)
{
	(void)c;
	assert_string_equal(ptsim_version(), PTSIM_VERSION_STRING);
}

HOSTILE(ptsim_version_number)
{
	(void)c;
	ERR0(ptsim_version_number(), PTSIM_VERSION_NUMBER);
}

/* ptref.h: NULL handles, the knob off, then bad targets with it on (switched back off). */
static void ptref_on(struct hctx *c, bool on)
{
	assert_int_equal(ptsim_knob_set(M, "pt_reclaim.rfc", on ? "on" : "off"), 0);
}

HOSTILE(ptsim_ptref_mm_info)
{
	struct ptsim_ptref_mm_info i;

	ERR0(ptsim_ptref_mm_info(NULL, &i), -EINVAL);
	ERR(c, ptsim_ptref_mm_info(MM, &i), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_mm_info(MM, NULL), -EINVAL);
	ptref_on(c, false);
}

HOSTILE(ptsim_ptref_table)
{
	struct ptsim_ptref_table t;

	ERR0(ptsim_ptref_table(NULL, VA, &t), -EINVAL);
	ERR(c, ptsim_ptref_table(MM, VA, &t), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_table(MM, VA, NULL), -EINVAL);
	ERR(c, ptsim_ptref_table(MM, NONCANON, &t), -EINVAL);
	ERR(c, ptsim_ptref_table(MM, UINT64_MAX, &t), -EINVAL);
	ptref_on(c, false);
}

HOSTILE(ptsim_ptref_stats)
{
	struct ptsim_ptref_stats st;

	ERR0(ptsim_ptref_stats(NULL, &st), -EINVAL);
	ERR(c, ptsim_ptref_stats(M, &st), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_stats(M, NULL), -EINVAL);
	ptref_on(c, false);
}

HOSTILE(ptsim_ptref_rank)
{
	struct ptsim_ptref_rank_entry e[2];

	ERR0(ptsim_ptref_rank(NULL, e, 2), -EINVAL);
	ERR(c, ptsim_ptref_rank(M, e, 2), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_rank(M, NULL, 2), -EINVAL);
	ptref_on(c, false);
}

HOSTILE(ptsim_ptref_reclaim_mm)
{
	ERR0(ptsim_ptref_reclaim_mm(NULL, 0), -EINVAL);
	ERR(c, ptsim_ptref_reclaim_mm(MM, 0), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_reclaim_mm(MM, -1), -EINVAL);
	ERR(c, ptsim_ptref_reclaim_mm(MM, INT64_MIN), -EINVAL);
	ERR(c, ptsim_ptref_reclaim_mm(MM, INT64_MAX), -ERANGE);
	ptref_on(c, false);
}

HOSTILE(ptsim_ptref_reclaim)
{
	ERR0(ptsim_ptref_reclaim(NULL, 0), -EINVAL);
	ERR(c, ptsim_ptref_reclaim(M, 0), -EOPNOTSUPP);
	ptref_on(c, true);
	ERR(c, ptsim_ptref_reclaim(M, -4096), -EINVAL);
	ERR(c, ptsim_ptref_reclaim(M, INT64_MAX), -ERANGE);
	ptref_on(c, false);
}

HOSTILE(ptsim_kernel_layout)
{
	struct ptsim_kernel_layout l;

	ERR0(ptsim_kernel_layout(NULL, &l), -EINVAL);
	ERR(c, ptsim_kernel_layout(M, NULL), -EINVAL);
	ERR(c, ptsim_kernel_layout(M, &l), -EOPNOTSUPP); /* kernel_mm=off */
}

HOSTILE(ptsim_kernel_vmalloc)
{
	uint64_t addr;

	ERR0(ptsim_kernel_vmalloc(NULL, PSZ, &addr), -EINVAL);
	ERR(c, ptsim_kernel_vmalloc(M, PSZ, NULL), -EINVAL);
	ERR(c, ptsim_kernel_vmalloc(M, PSZ, &addr), -EOPNOTSUPP); /* kernel_mm=off */
}

HOSTILE(ptsim_kernel_vfree)
{
	ERR0(ptsim_kernel_vfree(NULL, VA), -EINVAL);
	ERR(c, ptsim_kernel_vfree(M, VA), -EOPNOTSUPP); /* kernel_mm=off */
}

HOSTILE(ptsim_kernel_access)
{
	uint64_t pa;

	ERR0(ptsim_kernel_access(NULL, 0, VA, PTSIM_ACCESS_READ, &pa), -EINVAL);
	ERR(c, ptsim_kernel_access(M, 0, VA, PTSIM_ACCESS_READ, &pa), -EOPNOTSUPP);
}

HOSTILE(ptsim_kernel_add_memory)
{
	ERR0(ptsim_kernel_add_memory(NULL, 0, 1ull << 30), -EINVAL);
	ERR(c, ptsim_kernel_add_memory(M, 0, 1ull << 30), -EOPNOTSUPP); /* kernel_mm=off */
}

HOSTILE(ptsim_kernel_remove_memory)
{
	ERR0(ptsim_kernel_remove_memory(NULL, 0, 1ull << 30), -EINVAL);
	ERR(c, ptsim_kernel_remove_memory(M, 0, 1ull << 30), -EOPNOTSUPP); /* kernel_mm=off */
}

HOSTILE(ptsim_kernel_ptdump)
{
	ERR0(ptsim_kernel_ptdump(NULL, stdout), -EINVAL);
	ERR(c, ptsim_kernel_ptdump(M, NULL), -EINVAL);
	ERR(c, ptsim_kernel_ptdump(M, stdout), -EOPNOTSUPP); /* kernel_mm=off */
}

/* ---- the table: one entry per exported function -------------------------------- */

struct hostile {
	const char *name;
	void (*fn)(struct hctx *c);
	bool work; /* also does real work: host memory may have grown (anon_vma, hash) */
};

/* clang-format off */
#define E(name)  {#name, h_##name, false}
#define EW(name) {#name, h_##name, true}
/* clang-format on */
static const struct hostile table[] = {
	/* arch.h */
	E(ptsim_arch_lookup),
	E(ptsim_arch_at),
	E(ptsim_arch_name),
	E(ptsim_arch_kind),
	E(ptsim_arch_page_shift),
	E(ptsim_arch_va_bits),
	E(ptsim_arch_pa_bits),
	E(ptsim_arch_nr_levels),
	E(ptsim_arch_level_shift),
	E(ptsim_arch_ptrs_per),
	E(ptsim_arch_level_folded),
	E(ptsim_arch_leaf_ok),
	E(ptsim_arch_cont_nr),
	E(ptsim_arch_level_size),
	E(ptsim_arch_hugetlb_sizes),
	E(ptsim_arch_section_bits),
	E(ptsim_arch_max_order),
	E(ptsim_arch_level_name),
	E(ptsim_arch_swp_offset_max),
	E(ptsim_pgprot),
	E(ptsim_mk_leaf),
	E(ptsim_mk_table),
	E(ptsim_mk_swp),
	E(ptsim_ent_decode),
	E(ptsim_ent_none),
	E(ptsim_ent_present),
	E(ptsim_ent_leaf),
	E(ptsim_ent_table),
	E(ptsim_ent_protnone),
	E(ptsim_ent_swp),
	E(ptsim_ent_pfn),
	E(ptsim_ent_write),
	E(ptsim_ent_dirty),
	E(ptsim_ent_young),
	E(ptsim_ent_special),
	E(ptsim_ent_soft_dirty),
	E(ptsim_ent_uffd_wp),
	E(ptsim_ent_cont),
	E(ptsim_ent_swp_type),
	E(ptsim_ent_swp_offset),
	E(ptsim_ent_swp_flags),
	E(ptsim_ent_mkwrite),
	E(ptsim_ent_wrprotect),
	E(ptsim_ent_mkdirty),
	E(ptsim_ent_mkclean),
	E(ptsim_ent_mkyoung),
	E(ptsim_ent_mkold),
	E(ptsim_ent_mkuffd_wp),
	E(ptsim_ent_clear_uffd_wp),
	E(ptsim_ent_mksoft_dirty),
	E(ptsim_ent_clear_soft_dirty),
	E(ptsim_ent_mkspecial),
	E(ptsim_ent_mkcont),
	E(ptsim_ent_mknoncont),
	E(ptsim_ent_mkinvalid),
	E(ptsim_ent_swp_mkexclusive),
	E(ptsim_ent_swp_clear_exclusive),
	E(ptsim_ent_swp_mksoft_dirty),
	E(ptsim_ent_swp_clear_soft_dirty),
	E(ptsim_ent_swp_mkuffd_wp),
	E(ptsim_ent_swp_clear_uffd_wp),
	E(ptsim_ent_modify),
	E(ptsim_ent_relevel),
	/* machine.h */
	E(ptsim_config_init),
	E(ptsim_parse_size),
	E(ptsim_config_set),
	E(ptsim_config_get),
	E(ptsim_knob_at),
	E(ptsim_knob_lookup),
	E(ptsim_knob_set),
	E(ptsim_knob_get),
	E(ptsim_machine_create),
	E(ptsim_machine_create_err),
	E(ptsim_machine_destroy),
	E(ptsim_machine_arch),
	E(ptsim_machine_config),
	E(ptsim_errmsg),
	E(ptsim_strerror),
	E(ptsim_fault_inject),
	E(ptsim_fault_inject_prob),
	E(ptsim_fault_injected),
	E(ptsim_alloc_points),
	E(ptsim_host_stats),
	/* mem.h */
	E(ptsim_frame_get),
	E(ptsim_alloc_pages),
	E(ptsim_free_pages),
	E(ptsim_folio_alloc),
	E(ptsim_folio_get),
	E(ptsim_folio_put),
	E(ptsim_page_set_flag),
	E(ptsim_page_clear_flag),
	E(ptsim_page_test_flag),
	E(ptsim_zero_pfn),
	E(ptsim_mem_stats),
	E(ptsim_memory_add),
	E(ptsim_memory_remove),
	E(ptsim_pfn_valid),
	E(ptsim_hugetlb_info),
	E(ptsim_hugetlb_set_nr),
	E(ptsim_hugetlb_set_overcommit),
	E(ptsim_hugetlb_reserve),
	E(ptsim_hugetlb_unreserve),
	E(ptsim_hugetlb_alloc_folio),
	E(ptsim_hugetlb_free_folio),
	/* pgtable.h */
	E(ptsim_mm_create),
	E(ptsim_mm_destroy),
	E(ptsim_mm_machine),
	E(ptsim_mm_pgtables_bytes),
	E(ptsim_mm_nr_tables),
	E(ptsim_mm_pgd_pfn),
	E(ptsim_map),
	E(ptsim_unmap),
	E(ptsim_pgslot_lookup),
	E(ptsim_pgslot_get),
	E(ptsim_pgslot_set),
	E(ptsim_pgslot_get_and_clear),
	E(ptsim_pgslot_modify_prot_start),
	E(ptsim_pgslot_modify_prot_commit),
	E(ptsim_pgtable_alloc),
	E(ptsim_pgslot_populate),
	E(ptsim_pgtable_free),
	E(ptsim_split_leaf),
	E(ptsim_collapse_leaf),
	E(ptsim_translate),
	E(ptsim_walk_page_range),
	E(ptsim_ptdump),
	E(ptsim_lockless_begin),
	E(ptsim_lockless_step),
	E(ptsim_lockless_recheck),
	E(ptsim_lockless_write),
	E(ptsim_lockless_end),
	/* tlb.h */
	E(ptsim_tlb_config_default),
	E(ptsim_tlb_configure),
	E(ptsim_switch_mm),
	E(ptsim_flush_tlb_page),
	E(ptsim_flush_tlb_range),
	E(ptsim_flush_tlb_mm),
	E(ptsim_flush_tlb_all),
	E(ptsim_flush_tlb_kernel_range),
	E(ptsim_flush_tlb_pgtable),
	E(ptsim_tlb_stats),
	E(ptsim_tlb_stats_total),
	E(ptsim_tlb_flush_kind_name),
	E(ptsim_tlb_entries),
	E(ptsim_violations),
	E(ptsim_violations_clear),
	E(ptsim_violation_kind_name),
	E(ptsim_tlb_gather_mmu),
	E(ptsim_tlb_gather_mmu_fullmm),
	E(ptsim_tlb_remove_page),
	E(ptsim_tlb_remove_table),
	E(ptsim_tlb_flush_mmu),
	E(ptsim_tlb_finish_mmu),
	/* mm.h */
	E(ptsim_file_create),
	E(ptsim_memfd_create),
	E(ptsim_file_close),
	E(ptsim_hugetlbfs_create),
	E(ptsim_memfd_create_flags),
	E(ptsim_ftruncate),
	E(ptsim_file_size),
	E(ptsim_file_nr_cached),
	E(ptsim_file_cache_pfn),
	E(ptsim_mmap),
	E(ptsim_munmap),
	E(ptsim_mprotect),
	E(ptsim_madvise),
	E(ptsim_fork),
	E(ptsim_vma_info),
	E(ptsim_vma_next),
	E(ptsim_mm_nr_vmas),
	E(ptsim_vm_fault_name),
	E(ptsim_access),
	E(ptsim_mm_counters),
	E(ptsim_rmap_walk),
	E(ptsim_try_to_unmap),
	E(ptsim_folio_mkclean),
	E(ptsim_folio_referenced),
	E(ptsim_pagemap),
	E(ptsim_pagemap_range),
	E(ptsim_clear_refs),
	/* softleaf.h */
	E(ptsim_softleaf_type_name),
	E(ptsim_swp_type_code),
	E(ptsim_max_swapfiles),
	E(ptsim_softleaf_mk),
	E(ptsim_softleaf_from),
	E(ptsim_mk_pte_marker),
	E(ptsim_mk_hwpoison_entry),
	/* stat.h */
	E(ptsim_vm_event),
	E(ptsim_vm_event_name),
	E(ptsim_meminfo),
	E(ptsim_meminfo_name),
	E(ptsim_cost_total),
	E(ptsim_cost_begin),
	E(ptsim_cost_end),
	/* thp.h */
	E(ptsim_split_huge_pmd),
	EW(ptsim_split_huge_page),
	E(ptsim_pin_user_page),
	E(ptsim_unpin_user_page),
	/* uffd.h */
	E(ptsim_uffdio_api),
	E(ptsim_uffd_features),
	E(ptsim_uffdio_poison),
	E(ptsim_uffd_serve),
	E(ptsim_uffdio_continue),
	E(ptsim_uffd_close),
	E(ptsim_uffd_register),
	E(ptsim_uffd_unregister),
	E(ptsim_uffd_read),
	E(ptsim_uffd_nr_pending),
	E(ptsim_uffdio_copy),
	E(ptsim_uffdio_zeropage),
	E(ptsim_uffdio_writeprotect),
	/* check.h */
	E(ptsim_check),
	E(ptsim_check_code_name),
	E(ptsim_check_code_text),
	E(ptsim_check_report_print),
	/* version.h */
	E(ptsim_version),
	E(ptsim_version_number),
	/* ptref.h */
	E(ptsim_ptref_mm_info),
	E(ptsim_ptref_table),
	E(ptsim_ptref_stats),
	E(ptsim_ptref_rank),
	E(ptsim_ptref_reclaim_mm),
	E(ptsim_ptref_reclaim),
	/* kernel.h */
	E(ptsim_kernel_layout),
	E(ptsim_kernel_ptdump),
	E(ptsim_kernel_vmalloc),
	E(ptsim_kernel_vfree),
	E(ptsim_kernel_access),
	E(ptsim_kernel_add_memory),
	E(ptsim_kernel_remove_memory),
};
#undef E
#undef EW

#define NR_ENTRIES (sizeof(table) / sizeof(table[0]))

static const char *const configs[] = {"x86_64-4l", "arm64-4k-48"};

struct run {
	const struct hostile *h;
	const char *arch;
};

/* One entry on one configuration: a fresh machine, the checker clean afterwards. */
static void run_entry(void **state)
{
	const struct run *r = *state;
	struct hctx c;
	struct ptsim_test_snap s;
	uint64_t vmas;

	struct ptsim_pgslot slot;

	memset(&c, 0, sizeof(c));
	ptsim_test_env_init(&c.t, r->arch, "phys=1G");
	assert_int_equal(ptsim_memfd_create(c.t.m, 16 * c.t.psz, &c.file), 0);
	/* Freed tables keep their storage for reuse: have some to reuse before the snapshot. */
	assert_int_equal(ptsim_pgslot_lookup(c.t.mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &slot), 0);
	assert_int_equal(ptsim_unmap(c.t.mm, VA, c.t.psz, PTSIM_UNMAP_FREE_TABLES), 0);
	ptsim_test_snap_take(&c.t, &s);
	vmas = ptsim_mm_nr_vmas(c.t.mm);
	r->h->fn(&c);
	/* Every refusal left the model as it was (the entries clean up what they made). */
	assert_u64_eq(ptsim_mm_nr_vmas(c.t.mm), vmas);
	if (r->h->work) {
		struct ptsim_mem_stats ms;

		ptsim_mem_stats(c.t.m, &ms);
		assert_u64_eq(ms.free_pages, s.free_pages);
		assert_u64_eq(ptsim_mm_pgtables_bytes(c.t.mm), s.vmpte);
	} else {
		ptsim_test_snap_assert_same(&c.t, &s);
	}
	ptsim_test_snap_free(&s);
	assert_machine_clean(c.t.m);
	ptsim_file_close(c.file);
	ptsim_test_env_fini(&c.t);
}

int main(int argc, char **argv)
{
	static struct run runs[NR_ENTRIES * 2];
	static struct CMUnitTest tests[NR_ENTRIES * 2];
	size_t n = 0;

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NR_ENTRIES; i++)
			printf("%s\n", table[i].name);
		return 0;
	}
	for (size_t a = 0; a < 2; a++) {
		for (size_t i = 0; i < NR_ENTRIES; i++, n++) {
			runs[n].h = &table[i];
			runs[n].arch = configs[a];
			tests[n] = (struct CMUnitTest){
				.name = table[i].name,
				.test_func = run_entry,
				.initial_state = &runs[n],
			};
		}
	}
	return _cmocka_run_group_tests("test_api_hostile", tests, n, NULL, NULL);
}
