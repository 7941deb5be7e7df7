// SPDX-License-Identifier: MIT
/*
 * test_softleaf.c - typed non-present entries (include/ptsim/softleaf.h):
 * literal words from encodings.md sections 3.2-3.4 on x86_64-4l and
 * arm64-4k-48, the special-type numbering under every configuration of
 * the four swp.* switches, round trips of every type on all eleven arch
 * configurations (PTE level, and PMD for migration / device-private),
 * migration young/dirty, uffd-wp as marker bit vs swap flag, and every
 * error path with its error text.
 */
#include <errno.h>

#include "ptsim_test.h"

#define ALL_FLAGS (PTSIM_SWP_EXCLUSIVE | PTSIM_SWP_SOFT_DIRTY | PTSIM_SWP_UFFD_WP)

/* Special types in code order from MAX_SWAPFILES upward. */
static const enum ptsim_softleaf_type specials[] = {
	PTSIM_SOFTLEAF_HWPOISON,
	PTSIM_SOFTLEAF_MIGRATION_READ,
	PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE,
	PTSIM_SOFTLEAF_MIGRATION_WRITE,
	PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE,
	PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ,
	PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE,
	PTSIM_SOFTLEAF_MARKER,
};
#define NR_SPECIALS (sizeof(specials) / sizeof(specials[0]))

static bool is_migration(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_MIGRATION_READ || t == PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE ||
	       t == PTSIM_SOFTLEAF_MIGRATION_WRITE;
}

static bool is_device_private(enum ptsim_softleaf_type t)
{
	return t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ || t == PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE;
}

static bool is_arm64(const struct ptsim_test_env *t)
{
	return ptsim_arch_kind(t->a) == PTSIM_ARCH_ARM64;
}

static unsigned int pfn_bits(const struct ptsim_test_env *t)
{
	return ptsim_arch_pa_bits(t->a) - ptsim_arch_page_shift(t->a);
}

/* The error text of the last failure contains @needle. */
static void assert_errmsg(struct ptsim_machine *m, const char *needle)
{
	const char *msg = ptsim_errmsg(m);

	assert_non_null(msg);
	if (!strstr(msg, "softleaf: ") || !strstr(msg, needle))
		fail_msg("errmsg \"%s\" lacks \"%s\"", msg, needle);
}

static ptsim_ent_t mk_ok(struct ptsim_test_env *t, enum ptsim_level lvl,
			 const struct ptsim_softleaf *s)
{
	ptsim_ent_t e = 0;
	int err = ptsim_softleaf_mk(t->m, lvl, s, &e);

	if (err)
		fail_msg("mk %s: %d (%s)", ptsim_softleaf_type_name(s->type), err,
			 ptsim_errmsg(t->m));
	return e;
}

static struct ptsim_softleaf from_ok(struct ptsim_test_env *t, enum ptsim_level lvl, ptsim_ent_t e)
{
	struct ptsim_softleaf s;
	int err;

	memset(&s, 0xa5, sizeof(s));
	err = ptsim_softleaf_from(t->m, lvl, e, &s);
	if (err)
		fail_msg("from 0x%016llx: %d (%s)", (unsigned long long)e, err, ptsim_errmsg(t->m));
	return s;
}

static struct ptsim_softleaf leaf(enum ptsim_softleaf_type type, uint64_t pfn_or_offset)
{
	struct ptsim_softleaf s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	if (type == PTSIM_SOFTLEAF_SWAP || type == PTSIM_SOFTLEAF_MARKER)
		s.offset = pfn_or_offset;
	else
		s.pfn = pfn_or_offset;
	return s;
}

/* ---- Names ------------------------------------------------------------- */

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_NONE), "NONE");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_SWAP), "SWAP");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE),
			    "MIGRATION_READ_EXCLUSIVE");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE),
			    "DEVICE_EXCLUSIVE");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_MARKER), "MARKER");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_INVALID), "INVALID");
	assert_string_equal(ptsim_softleaf_type_name(PTSIM_SOFTLEAF_NR_TYPES), "?");
	assert_string_equal(ptsim_softleaf_type_name((enum ptsim_softleaf_type) - 1), "?");
	assert_int_equal(PTSIM_SOFTLEAF_NR_TYPES, 11);
}

/* ---- Literal words from the sheet ---------------------------------------- */

static void expect_word(struct ptsim_test_env *t, struct ptsim_softleaf s, uint64_t want)
{
	ptsim_ent_t e = mk_ok(t, PTSIM_PTE, &s);
	struct ptsim_softleaf d;

	assert_u64_eq(e, want);
	d = from_ok(t, PTSIM_PTE, e);
	assert_int_equal(d.type, s.type);
	if (s.type == PTSIM_SOFTLEAF_SWAP || s.type == PTSIM_SOFTLEAF_MARKER)
		assert_u64_eq(d.offset, s.offset);
	else
		assert_u64_eq(d.pfn, s.pfn);
}

static void test_x86_literals(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s;
	ptsim_pte_t pte;

	(void)state;
	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_SWAP, 0x1234), 0x07ffffffffdb9600ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_HWPOISON, 0x12345), 0xc7fffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_READ, 0x12345), 0xcffffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE, 0x12345),
		    0xd7fffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 0x12345), 0xdffffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE, 0x12345), 0xe7fffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ, 0x12345), 0xeffffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE, 0x12345), 0xf7fffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_UFFD_WP),
		    0xfffffffffffffc00ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_POISONED),
		    0xfffffffffffffa00ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_GUARD), 0xfffffffffffff600ull);

	/* Flags sit in bits 1..3 beside type and offset. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 0x1234);
	s.flags = PTSIM_SWP_UFFD_WP;
	expect_word(&t, s, 0x07ffffffffdb9604ull);
	s.flags = ALL_FLAGS;
	expect_word(&t, s, 0x07ffffffffdb960eull);

	/* The same word at PMD level (THP migration) and through the helpers. */
	s = leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 0x12345);
	assert_u64_eq(mk_ok(&t, PTSIM_PMD, &s), 0xdffffffffdb97400ull);
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, 0x12345, &pte), 0);
	assert_u64_eq(pte.val, 0xc7fffffffdb97400ull);
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_GUARD, &pte), 0);
	assert_u64_eq(pte.val, 0xfffffffffffff600ull);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_arm64_literals(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s;
	ptsim_pte_t pte;

	(void)state;
	ptsim_test_env_init(&t, "arm64-4k-48", NULL);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_SWAP, 0x1234), 0x1234000ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_HWPOISON, 0x12345), 0x12345600ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_READ, 0x12345), 0x12345640ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_READ_EXCLUSIVE, 0x12345), 0x12345680ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 0x12345), 0x123456c0ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_PRIVATE_WRITE, 0x12345), 0x12345700ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ, 0x12345), 0x12345740ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE, 0x12345), 0x12345780ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_UFFD_WP), 0x17c0ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_POISONED), 0x27c0ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_GUARD), 0x47c0ull);

	/* Exclusive is bit 2, uffd-wp bit 3; there is no swap soft-dirty bit. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 0x1234);
	s.flags = PTSIM_SWP_UFFD_WP;
	expect_word(&t, s, 0x1234008ull);
	s.flags = ALL_FLAGS;
	expect_word(&t, s, 0x123400cull);

	s = leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 0x12345);
	assert_u64_eq(mk_ok(&t, PTSIM_PMD, &s), 0x123456c0ull);
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, 0x12345, &pte), 0);
	assert_u64_eq(pte.val, 0x12345600ull);
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_POISONED, &pte), 0);
	assert_u64_eq(pte.val, 0x27c0ull);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* ---- Numbering ------------------------------------------------------------ */

/*
 * One configuration: options, MAX_SWAPFILES, and the code of each entry of
 * specials[] (-EINVAL when not configured).
 */
struct codes_case {
	const char *opts;
	unsigned int max_swapfiles;
	int code[NR_SPECIALS];
};

#define NO (-EINVAL)
static const struct codes_case codes_cases[] = {
	{NULL, 24, {24, 25, 26, 27, 28, 29, 30, 31}},
	{"swp.device=0", 27, {27, 28, 29, 30, NO, NO, NO, 31}},
	{"swp.hwpoison=0", 25, {NO, 25, 26, 27, 28, 29, 30, 31}},
	{"swp.migration=0", 27, {27, NO, NO, NO, 28, 29, 30, 31}},
	{"swp.marker=0", 25, {25, 26, 27, 28, 29, 30, 31, NO}},
	{"swp.migration=0,swp.device=0", 30, {30, NO, NO, NO, NO, NO, NO, 31}},
	{"swp.hwpoison=0,swp.marker=0", 26, {NO, 26, 27, 28, 29, 30, 31, NO}},
	{"swp.migration=0,swp.device=0,swp.hwpoison=0", 31, {NO, NO, NO, NO, NO, NO, NO, 31}},
	{"swp.migration=0,swp.device=0,swp.hwpoison=0,swp.marker=0",
	 32,
	 {NO, NO, NO, NO, NO, NO, NO, NO}},
};
#undef NO

static void check_codes_case(const char *arch, const struct codes_case *c)
{
	struct ptsim_test_env t;
	unsigned int i, code, max;

	ptsim_test_env_init(&t, arch, c->opts);
	max = ptsim_max_swapfiles(t.m);
	if (max != c->max_swapfiles)
		fail_msg("%s \"%s\": MAX_SWAPFILES %u, expected %u", arch, c->opts ? c->opts : "",
			 max, c->max_swapfiles);
	for (i = 0; i < NR_SPECIALS; i++) {
		int got = ptsim_swp_type_code(t.m, specials[i]);

		if (got != c->code[i])
			fail_msg("%s \"%s\": %s code %d, expected %d", arch, c->opts ? c->opts : "",
				 ptsim_softleaf_type_name(specials[i]), got, c->code[i]);
		if (got < 0) {
			struct ptsim_softleaf s = leaf(specials[i], 1);
			ptsim_ent_t e = 0x5a5a;

			assert_errmsg(t.m, "not configured");
			/* And mk refuses to build it. */
			assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &s, &e), -EINVAL);
			assert_u64_eq(e, 0x5a5a);
			assert_errmsg(t.m, "not configured");
		}
	}
	/* Every code decodes to the type that owns it, swap areas below max. */
	for (code = 0; code < PTSIM_SWP_NR_CODES; code++) {
		ptsim_ent_t e = ptsim_mk_swp(t.a, PTSIM_PTE, code, 1, 0);
		struct ptsim_softleaf d = from_ok(&t, PTSIM_PTE, e);

		assert_int_equal(d.swp_type, code);
		if (code < max) {
			assert_int_equal(d.type, PTSIM_SOFTLEAF_SWAP);
			continue;
		}
		for (i = 0; i < NR_SPECIALS; i++)
			if (c->code[i] == (int)code)
				break;
		assert_true(i < NR_SPECIALS);
		assert_int_equal(d.type, specials[i]);
	}
	/* Non-special types have no code. */
	assert_int_equal(ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_NONE), -EINVAL);
	assert_errmsg(t.m, "NONE");
	assert_int_equal(ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_SWAP), -EINVAL);
	assert_errmsg(t.m, "SWAP (1) is not a special type");
	assert_int_equal(ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_INVALID), -EINVAL);
	assert_errmsg(t.m, "INVALID");
	assert_int_equal(ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_NR_TYPES), -EINVAL);
	assert_errmsg(t.m, "? (11)");
	assert_int_equal(ptsim_swp_type_code(t.m, (enum ptsim_softleaf_type) - 1), -EINVAL);
	assert_errmsg(t.m, "? (-1)");
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static void test_codes(void **state)
{
	const char *arch = *state;

	for (size_t i = 0; i < sizeof(codes_cases) / sizeof(codes_cases[0]); i++)
		check_codes_case(arch, &codes_cases[i]);
}

/* The same word means different things under different configurations. */
static void test_numbering_shifts(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s, d;
	ptsim_ent_t e;

	(void)state;
	/* swp.device=0: hwpoison PFN 0x12345 takes the default's migration-write word. */
	ptsim_test_env_init(&t, "x86_64-4l", "swp.device=0");
	expect_word(&t, leaf(PTSIM_SOFTLEAF_HWPOISON, 0x12345), 0xdffffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MIGRATION_READ, 0x12345), 0xe7fffffffdb97400ull);
	expect_word(&t, leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_UFFD_WP),
		    0xfffffffffffffc00ull);
	/* Swap areas 24..26 exist now. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 0x1234);
	s.swp_type = 26;
	e = mk_ok(&t, PTSIM_PTE, &s);
	d = from_ok(&t, PTSIM_PTE, e);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_SWAP);
	assert_int_equal(d.swp_type, 26);
	assert_u64_eq(d.offset, 0x1234);
	ptsim_test_env_fini(&t);

	/* All specials off: code 24 is just swap area 24. */
	ptsim_test_env_init(&t, "arm64-4k-48",
			    "swp.migration=0,swp.device=0,swp.hwpoison=0,swp.marker=0");
	d = from_ok(&t, PTSIM_PTE, 0x12345600ull);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_SWAP);
	assert_int_equal(d.swp_type, 24);
	assert_u64_eq(d.offset, 0x12345);
	d = from_ok(&t, PTSIM_PTE, 0x17c0ull);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_SWAP);
	assert_int_equal(d.swp_type, 31);
	s = leaf(PTSIM_SOFTLEAF_SWAP, 0x12345);
	s.swp_type = 31;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0x123457c0ull);
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_UFFD_WP, &(ptsim_pte_t){0}),
			 -EINVAL);
	assert_errmsg(t.m, "MARKER not configured");
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, 1, &(ptsim_pte_t){0}), -EINVAL);
	assert_errmsg(t.m, "HWPOISON not configured");
	ptsim_test_env_fini(&t);
}

/* ---- Round trips on every configuration ------------------------------------ */

/* Expected decoded flags: arm64 has no swap soft-dirty bit. */
static unsigned int kept_flags(const struct ptsim_test_env *t, unsigned int flags)
{
	return is_arm64(t) ? flags & ~PTSIM_SWP_SOFT_DIRTY : flags;
}

static void round_trip_one(struct ptsim_test_env *t, enum ptsim_level lvl,
			   const struct ptsim_softleaf *s)
{
	ptsim_ent_t e = mk_ok(t, lvl, s);
	struct ptsim_softleaf d = from_ok(t, lvl, e);
	int code;

	assert_false(ptsim_ent_none(t->a, lvl, e));
	assert_false(ptsim_ent_present(t->a, lvl, e));
	assert_true(ptsim_ent_swp(t->a, lvl, e));
	if (d.type != s->type)
		fail_msg("%s %s: 0x%016llx decodes as %s", ptsim_arch_name(t->a),
			 ptsim_softleaf_type_name(s->type), (unsigned long long)e,
			 ptsim_softleaf_type_name(d.type));
	assert_int_equal(d.flags, kept_flags(t, s->flags));
	assert_int_equal(ptsim_ent_swp_flags(t->a, lvl, e), d.flags);
	if (s->type == PTSIM_SOFTLEAF_SWAP) {
		assert_int_equal(d.swp_type, s->swp_type);
		assert_u64_eq(d.offset, s->offset);
		assert_u64_eq(d.pfn, 0);
	} else {
		code = ptsim_swp_type_code(t->m, s->type);
		assert_true(code >= 24);
		assert_int_equal(d.swp_type, (unsigned int)code);
		assert_int_equal(ptsim_ent_swp_type(t->a, lvl, e), (unsigned int)code);
		if (s->type == PTSIM_SOFTLEAF_MARKER) {
			assert_u64_eq(d.offset, s->offset);
			assert_u64_eq(d.pfn, 0);
		} else {
			assert_u64_eq(d.pfn, s->pfn);
		}
	}
	assert_int_equal(d.young, s->young);
	assert_int_equal(d.dirty, s->dirty);
}

static const unsigned int flag_sets[] = {
	0, PTSIM_SWP_EXCLUSIVE, PTSIM_SWP_SOFT_DIRTY, PTSIM_SWP_UFFD_WP, ALL_FLAGS,
};
#define NR_FLAG_SETS (sizeof(flag_sets) / sizeof(flag_sets[0]))

static void test_round_trip(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s;
	uint64_t omax, pmax;
	unsigned int f, mark;
	int ty;

	ptsim_test_env_init(&t, *state, NULL);
	omax = ptsim_arch_swp_offset_max(t.a);
	assert_u64_eq(omax, (1ull << 50) - 1);
	assert_int_equal(ptsim_max_swapfiles(t.m), 24);
	pmax = (1ull << pfn_bits(&t)) - 1;
	for (f = 0; f < NR_FLAG_SETS; f++) {
		const uint64_t offsets[] = {1, 2, 0x1234, 0x5555555555555ull & omax, omax - 1};
		const unsigned int areas[] = {0, 1, 7, 23};

		for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
			for (size_t j = 0; j < sizeof(offsets) / sizeof(offsets[0]); j++) {
				s = leaf(PTSIM_SOFTLEAF_SWAP, offsets[j]);
				s.swp_type = areas[i];
				s.flags = flag_sets[f];
				round_trip_one(&t, PTSIM_PTE, &s);
			}
		}
		/* Offset 0 and the maximum, where not all-zero. */
		s = leaf(PTSIM_SOFTLEAF_SWAP, 0);
		s.swp_type = 5;
		s.flags = flag_sets[f];
		round_trip_one(&t, PTSIM_PTE, &s);
		s.offset = omax;
		round_trip_one(&t, PTSIM_PTE, &s);

		for (ty = PTSIM_SOFTLEAF_MIGRATION_READ; ty <= PTSIM_SOFTLEAF_HWPOISON; ty++) {
			const uint64_t pfns[] = {0, 1, 0x12345, pmax >> 1, pmax};

			for (size_t j = 0; j < sizeof(pfns) / sizeof(pfns[0]); j++) {
				s = leaf((enum ptsim_softleaf_type)ty, pfns[j]);
				s.flags = flag_sets[f];
				round_trip_one(&t, PTSIM_PTE, &s);
				if (is_migration(s.type) || is_device_private(s.type))
					round_trip_one(&t, PTSIM_PMD, &s);
			}
		}
	}
	for (mark = 1; mark <= PTSIM_PTE_MARKER_MASK; mark++) {
		ptsim_pte_t pte;

		s = leaf(PTSIM_SOFTLEAF_MARKER, mark);
		round_trip_one(&t, PTSIM_PTE, &s);
		assert_int_equal(ptsim_mk_pte_marker(t.m, mark, &pte), 0);
		assert_u64_eq(pte.val, mk_ok(&t, PTSIM_PTE, &s));
	}
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Swap area 0 at the offset that makes the whole word 0 is refused. */
static void test_zero_word(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s;
	ptsim_ent_t e = 0x77;
	uint64_t zero_off;

	ptsim_test_env_init(&t, *state, NULL);
	zero_off = is_arm64(&t) ? 0 : ptsim_arch_swp_offset_max(t.a);
	s = leaf(PTSIM_SOFTLEAF_SWAP, zero_off);
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &s, &e), -ERANGE);
	assert_u64_eq(e, 0x77);
	assert_errmsg(t.m, "encodes to a none entry");
	/* arm64: a soft-dirty flag is dropped, so the word is still 0. */
	s.flags = PTSIM_SWP_SOFT_DIRTY;
	if (is_arm64(&t)) {
		assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &s, &e), -ERANGE);
		assert_errmsg(t.m, "none entry");
	} else {
		round_trip_one(&t, PTSIM_PTE, &s);
	}
	/* Any kept flag makes it a real (if odd) swap entry. */
	s.flags = PTSIM_SWP_EXCLUSIVE;
	round_trip_one(&t, PTSIM_PTE, &s);
	/* Another area, or another offset, is fine too. */
	s.flags = 0;
	s.swp_type = 1;
	round_trip_one(&t, PTSIM_PTE, &s);
	s.swp_type = 0;
	s.offset = is_arm64(&t) ? 1 : zero_off - 1;
	round_trip_one(&t, PTSIM_PTE, &s);
	ptsim_test_env_fini(&t);
}

/* ---- Migration young / dirty (erratum 7) ------------------------------------ */

static void check_ad(struct ptsim_test_env *t, enum ptsim_level lvl, bool carried)
{
	unsigned int bits = pfn_bits(t);

	for (int ty = PTSIM_SOFTLEAF_MIGRATION_READ; ty <= PTSIM_SOFTLEAF_MIGRATION_WRITE; ty++) {
		for (unsigned int ad = 0; ad < 4; ad++) {
			struct ptsim_softleaf s = leaf((enum ptsim_softleaf_type)ty, 0x12345);
			struct ptsim_softleaf plain = s, d;
			ptsim_ent_t e, e0;
			uint64_t want_off = 0x12345;

			s.young = ad & 1;
			s.dirty = ad & 2;
			s.flags = PTSIM_SWP_UFFD_WP;
			plain.flags = PTSIM_SWP_UFFD_WP;
			e = mk_ok(t, lvl, &s);
			e0 = mk_ok(t, lvl, &plain);
			d = from_ok(t, lvl, e);
			assert_int_equal(d.type, ty);
			assert_u64_eq(d.pfn, 0x12345);
			assert_int_equal(d.flags, PTSIM_SWP_UFFD_WP);
			if (carried) {
				want_off |= (uint64_t)s.young << bits | (uint64_t)s.dirty
										<< (bits + 1);
				assert_int_equal(d.young, s.young);
				assert_int_equal(d.dirty, s.dirty);
			} else {
				assert_u64_eq(e, e0);
				assert_false(d.young);
				assert_false(d.dirty);
			}
			assert_u64_eq(ptsim_ent_swp_offset(t->a, lvl, e), want_off);
			assert_u64_eq(d.offset, want_off);
		}
	}
	/* Other PFN types never carry them. */
	for (int ty = PTSIM_SOFTLEAF_DEVICE_PRIVATE_READ; ty <= PTSIM_SOFTLEAF_HWPOISON; ty++) {
		struct ptsim_softleaf s = leaf((enum ptsim_softleaf_type)ty, 0x12345), d;
		struct ptsim_softleaf plain = s;
		ptsim_ent_t e;

		if (lvl == PTSIM_PMD && !is_device_private(s.type))
			continue;
		s.young = s.dirty = true;
		e = mk_ok(t, lvl, &s);
		assert_u64_eq(e, mk_ok(t, lvl, &plain));
		d = from_ok(t, lvl, e);
		assert_false(d.young);
		assert_false(d.dirty);
	}
}

static void test_migration_ad(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf d;
	ptsim_ent_t e;

	/* Default: carried on arm64, not on x86. */
	ptsim_test_env_init(&t, *state, NULL);
	check_ad(&t, PTSIM_PTE, is_arm64(&t));
	check_ad(&t, PTSIM_PMD, is_arm64(&t));
	ptsim_test_env_fini(&t);

	ptsim_test_env_init(&t, *state, "swp.migration_ad=1");
	check_ad(&t, PTSIM_PTE, true);
	check_ad(&t, PTSIM_PMD, true);
	ptsim_test_env_fini(&t);

	ptsim_test_env_init(&t, *state, "swp.migration_ad=0");
	check_ad(&t, PTSIM_PTE, false);
	check_ad(&t, PTSIM_PMD, false);
	/* Bits above the PFN are then not A/D: the PFN is masked, A/D stay false. */
	e = ptsim_mk_swp(t.a, PTSIM_PTE,
			 (unsigned int)ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_MIGRATION_READ),
			 0x12345 | 3ull << pfn_bits(&t), 0);
	d = from_ok(&t, PTSIM_PTE, e);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_MIGRATION_READ);
	assert_u64_eq(d.pfn, 0x12345);
	assert_false(d.young);
	assert_false(d.dirty);
	ptsim_test_env_fini(&t);
}

static void test_migration_ad_literals(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s = leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 0x12345);

	(void)state;
	/* arm64-4k-48: SWP_PFN_BITS 36, young = offset bit 36 = word bit 48. */
	ptsim_test_env_init(&t, "arm64-4k-48", NULL);
	s.young = true;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0x00010000123456c0ull);
	s.young = false;
	s.dirty = true;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0x00020000123456c0ull);
	ptsim_test_env_fini(&t);

	/* x86_64-4l default: not carried, the sheet's word. */
	ptsim_test_env_init(&t, "x86_64-4l", NULL);
	s.young = true;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0xdffffffffdb97400ull);
	ptsim_test_env_fini(&t);

	/* x86_64-4l carrying A/D: SWP_PFN_BITS 34, bits stored inverted. */
	ptsim_test_env_init(&t, "x86_64-4l", "swp.migration_ad=1");
	s.young = true;
	s.dirty = false;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0xdffff7fffdb97400ull);
	s.dirty = true;
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0xdfffe7fffdb97400ull);
	ptsim_test_env_fini(&t);

	/* x86_64-5l: SWP_PFN_BITS 40. */
	ptsim_test_env_init(&t, "x86_64-5l", "swp.migration_ad=1");
	assert_u64_eq(mk_ok(&t, PTSIM_PTE, &s), 0xdff9fffffdb97400ull);
	ptsim_test_env_fini(&t);
}

/* ---- uffd-wp: marker bit vs swap flag (section 3.5) -------------------------- */

static void test_uffd_wp(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s, d;
	ptsim_pte_t pte;
	ptsim_ent_t e = 0x99;

	ptsim_test_env_init(&t, *state, NULL);
	/* An empty PTE remembers uffd-wp with marker bit 0, not the swap bit. */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_UFFD_WP, &pte), 0);
	assert_false(ptsim_pte_uffd_wp(t.a, pte));
	assert_int_equal(ptsim_ent_swp_flags(t.a, PTSIM_PTE, pte.val), 0);
	d = from_ok(&t, PTSIM_PTE, pte.val);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_MARKER);
	assert_u64_eq(d.offset, PTSIM_PTE_MARKER_UFFD_WP);
	assert_int_equal(d.flags, 0);

	/* A marker carries no flags: PTSIM_SWP_UFFD_WP on one is refused. */
	s = leaf(PTSIM_SOFTLEAF_MARKER, PTSIM_PTE_MARKER_UFFD_WP);
	s.flags = PTSIM_SWP_UFFD_WP;
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &s, &e), -EINVAL);
	assert_errmsg(t.m, "a marker carries no flags");
	assert_u64_eq(e, 0x99);

	/* Swap, migration, device and hwpoison entries use the swap flag. */
	for (int ty = PTSIM_SOFTLEAF_SWAP; ty <= PTSIM_SOFTLEAF_HWPOISON; ty++) {
		s = leaf((enum ptsim_softleaf_type)ty, 0x1234);
		s.flags = PTSIM_SWP_UFFD_WP;
		e = mk_ok(&t, PTSIM_PTE, &s);
		assert_true(ptsim_ent_uffd_wp(t.a, PTSIM_PTE, e));
		d = from_ok(&t, PTSIM_PTE, e);
		assert_int_equal(d.flags, PTSIM_SWP_UFFD_WP);
		s.flags = 0;
		e = mk_ok(&t, PTSIM_PTE, &s);
		assert_false(ptsim_ent_uffd_wp(t.a, PTSIM_PTE, e));
	}

	/* A marker word with a stray swap flag still decodes (flag reported). */
	e = ptsim_mk_swp(t.a, PTSIM_PTE, 31, PTSIM_PTE_MARKER_GUARD, PTSIM_SWP_UFFD_WP);
	d = from_ok(&t, PTSIM_PTE, e);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_MARKER);
	assert_u64_eq(d.offset, PTSIM_PTE_MARKER_GUARD);
	assert_int_equal(d.flags, PTSIM_SWP_UFFD_WP);
	/* Marker bits outside the mask are not read back (pte_marker_get()). */
	e = ptsim_mk_swp(t.a, PTSIM_PTE, 31, 0x10 | PTSIM_PTE_MARKER_POISONED, 0);
	d = from_ok(&t, PTSIM_PTE, e);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_MARKER);
	assert_u64_eq(d.offset, PTSIM_PTE_MARKER_POISONED);
	ptsim_test_env_fini(&t);
}

/* ---- Classification ------------------------------------------------------- */

static void test_from_classify(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s, d;
	uint64_t prot;
	ptsim_ent_t e;
	int lvl;

	ptsim_test_env_init(&t, *state, NULL);
	/* None at every level. */
	for (lvl = PTSIM_PGD; lvl <= PTSIM_PTE; lvl++) {
		d = from_ok(&t, (enum ptsim_level)lvl, 0);
		assert_int_equal(d.type, PTSIM_SOFTLEAF_NONE);
		assert_int_equal(d.swp_type, 0);
		assert_u64_eq(d.offset, 0);
		assert_u64_eq(d.pfn, 0);
		assert_int_equal(d.flags, 0);
	}
	/* Present entries are not softleaves: -ENOENT, out untouched. */
	prot = ptsim_pgprot(t.a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	e = ptsim_mk_leaf(t.a, PTSIM_PTE, 0x12345, prot);
	memset(&d, 0x3c, sizeof(d));
	s = d;
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PTE, e, &d), -ENOENT);
	assert_memory_equal(&d, &s, sizeof(d));
	assert_errmsg(t.m, "is present");
	e = ptsim_mk_leaf(t.a, PTSIM_PTE, 0x12345, ptsim_pgprot(t.a, PTSIM_PROT_NONE, 0));
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PTE, e, &d), -ENOENT);
	assert_errmsg(t.m, "is present");
	e = ptsim_mk_table(t.a, PTSIM_PMD, 0x777, false);
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PMD, e, &d), -ENOENT);
	assert_errmsg(t.m, "is present");
	/* A PMD that pmdp_invalidate() left behind is still present. */
	e = ptsim_ent_mkinvalid(t.a, PTSIM_PMD, ptsim_mk_leaf(t.a, PTSIM_PMD, 0, prot));
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PMD, e, &d), -ENOENT);

	/* Types a PMD cannot hold decode as INVALID there, fully at PTE level. */
	for (int ty = PTSIM_SOFTLEAF_SWAP; ty <= PTSIM_SOFTLEAF_MARKER; ty++) {
		s = leaf((enum ptsim_softleaf_type)ty, 3);
		e = mk_ok(&t, PTSIM_PTE, &s);
		d = from_ok(&t, PTSIM_PMD, e);
		if (is_migration(s.type) || is_device_private(s.type)) {
			assert_int_equal(d.type, s.type);
		} else {
			assert_int_equal(d.type, PTSIM_SOFTLEAF_INVALID);
			assert_int_equal(d.swp_type, ptsim_ent_swp_type(t.a, PTSIM_PTE, e));
			assert_u64_eq(d.offset, 3);
			assert_u64_eq(d.pfn, 0);
		}
		/* Nothing is a softleaf above PMD. */
		d = from_ok(&t, PTSIM_PUD, e);
		assert_int_equal(d.type, PTSIM_SOFTLEAF_INVALID);
		d = from_ok(&t, PTSIM_PTE, e);
		assert_int_equal(d.type, s.type);
	}
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* ---- Error paths ------------------------------------------------------------ */

static void expect_mk_err(struct ptsim_test_env *t, enum ptsim_level lvl,
			  const struct ptsim_softleaf *s, int err, const char *needle)
{
	ptsim_ent_t e = 0x1111;
	int got = ptsim_softleaf_mk(t->m, lvl, s, &e);

	if (got != err)
		fail_msg("%s mk %s at level %d: %d, expected %d (%s)", ptsim_arch_name(t->a),
			 ptsim_softleaf_type_name(s->type), (int)lvl, got, err, ptsim_errmsg(t->m));
	assert_u64_eq(e, 0x1111);
	assert_errmsg(t->m, needle);
}

static void test_errors(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf s, d;
	uint64_t pmax;
	ptsim_pte_t pte = {0x2222};
	ptsim_ent_t e = 0x1111;

	ptsim_test_env_init(&t, *state, NULL);
	pmax = (1ull << pfn_bits(&t)) - 1;

	/* NULL arguments. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 1);
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, NULL, &e), -EINVAL);
	assert_errmsg(t.m, "NULL");
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &s, NULL), -EINVAL);
	assert_errmsg(t.m, "NULL");
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PTE, 0, NULL), -EINVAL);
	assert_errmsg(t.m, "NULL out");
	assert_int_equal(ptsim_mk_pte_marker(t.m, 1, NULL), -EINVAL);
	assert_errmsg(t.m, "mk_pte_marker: NULL out");
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, 1, NULL), -EINVAL);
	assert_errmsg(t.m, "mk_hwpoison_entry: NULL out");

	/* Levels. */
	expect_mk_err(&t, (enum ptsim_level)5, &s, -EINVAL, "bad level 5");
	expect_mk_err(&t, (enum ptsim_level) - 1, &s, -EINVAL, "bad level -1");
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_NR_LEVELS, 0, &d), -EINVAL);
	assert_errmsg(t.m, "from: bad level 5");
	expect_mk_err(&t, PTSIM_PMD, &s, -EINVAL, "SWAP not allowed at");
	s = leaf(PTSIM_SOFTLEAF_HWPOISON, 1);
	expect_mk_err(&t, PTSIM_PMD, &s, -EINVAL, "HWPOISON not allowed at");
	s = leaf(PTSIM_SOFTLEAF_DEVICE_EXCLUSIVE, 1);
	expect_mk_err(&t, PTSIM_PMD, &s, -EINVAL, "DEVICE_EXCLUSIVE not allowed at");
	s = leaf(PTSIM_SOFTLEAF_MARKER, 1);
	expect_mk_err(&t, PTSIM_PMD, &s, -EINVAL, "MARKER not allowed at");
	s = leaf(PTSIM_SOFTLEAF_MIGRATION_READ, 1);
	expect_mk_err(&t, PTSIM_PUD, &s, -EINVAL, "MIGRATION_READ not allowed at");
	expect_mk_err(&t, PTSIM_PGD, &s, -EINVAL, "not allowed at");

	/* Types mk cannot make. */
	s = leaf(PTSIM_SOFTLEAF_NONE, 0);
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "cannot make type NONE");
	s.type = PTSIM_SOFTLEAF_INVALID;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "cannot make type INVALID");
	s.type = PTSIM_SOFTLEAF_NR_TYPES;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "cannot make type ?");

	/* Flags. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 1);
	s.flags = 0x8;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "unknown flags 0x8");

	/* Swap slots. */
	s = leaf(PTSIM_SOFTLEAF_SWAP, 1);
	s.swp_type = 24;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "swap type 24 >= MAX_SWAPFILES 24");
	s.swp_type = 31;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "MAX_SWAPFILES");
	s.swp_type = 99;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "swap type 99");
	s.swp_type = 23;
	s.offset = ptsim_arch_swp_offset_max(t.a) + 1;
	expect_mk_err(&t, PTSIM_PTE, &s, -ERANGE, "swap offset 0x4000000000000 beyond");
	s.offset = ~0ull;
	expect_mk_err(&t, PTSIM_PTE, &s, -ERANGE, "beyond");

	/* PFNs. */
	for (int ty = PTSIM_SOFTLEAF_MIGRATION_READ; ty <= PTSIM_SOFTLEAF_HWPOISON; ty++) {
		s = leaf((enum ptsim_softleaf_type)ty, pmax + 1);
		expect_mk_err(&t, PTSIM_PTE, &s, -ERANGE, "beyond SWP_PFN_BITS");
		s.pfn = ~0ull;
		expect_mk_err(&t, PTSIM_PTE, &s, -ERANGE, "beyond SWP_PFN_BITS");
		if (is_migration(s.type) || is_device_private(s.type))
			expect_mk_err(&t, PTSIM_PMD, &s, -ERANGE, "beyond SWP_PFN_BITS");
	}
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, pmax + 1, &pte), -ERANGE);
	assert_errmsg(t.m, "HWPOISON pfn");
	assert_u64_eq(pte.val, 0x2222);

	/* Markers. */
	s = leaf(PTSIM_SOFTLEAF_MARKER, 0);
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "marker bits 0x0");
	s.offset = 8;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "marker bits 0x8");
	s.offset = 0xf;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "marker bits 0xf");
	s.offset = PTSIM_PTE_MARKER_GUARD;
	s.flags = PTSIM_SWP_EXCLUSIVE;
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "a marker carries no flags");
	assert_int_equal(ptsim_mk_pte_marker(t.m, 0, &pte), -EINVAL);
	assert_errmsg(t.m, "marker bits 0x0");
	assert_int_equal(ptsim_mk_pte_marker(t.m, 0x10, &pte), -EINVAL);
	assert_errmsg(t.m, "marker bits 0x10");
	assert_u64_eq(pte.val, 0x2222);

	/* Unconfigured types (see also test_codes). */
	ptsim_test_env_fini(&t);
	ptsim_test_env_init(&t, *state, "swp.migration=0");
	s = leaf(PTSIM_SOFTLEAF_MIGRATION_WRITE, 1);
	expect_mk_err(&t, PTSIM_PTE, &s, -EINVAL, "MIGRATION_WRITE not configured");
	expect_mk_err(&t, PTSIM_PMD, &s, -EINVAL, "MIGRATION_WRITE not configured");
	s = leaf(PTSIM_SOFTLEAF_SWAP, 1);
	s.swp_type = 26;
	assert_int_equal(ptsim_softleaf_from(t.m, PTSIM_PTE, mk_ok(&t, PTSIM_PTE, &s), &d), 0);
	assert_int_equal(d.type, PTSIM_SOFTLEAF_SWAP);
	assert_int_equal(d.swp_type, 26);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_x86_literals),
		cmocka_unit_test(test_arm64_literals),
		cmocka_unit_test(test_numbering_shifts),
		cmocka_unit_test(test_migration_ad_literals),
		PTSIM_ARCH_TESTS(test_codes),
		PTSIM_ARCH_TESTS(test_round_trip),
		PTSIM_ARCH_TESTS(test_zero_word),
		PTSIM_ARCH_TESTS(test_migration_ad),
		PTSIM_ARCH_TESTS(test_uffd_wp),
		PTSIM_ARCH_TESTS(test_from_classify),
		PTSIM_ARCH_TESTS(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
