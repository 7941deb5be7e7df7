// SPDX-License-Identifier: MIT
/*
 * test_arch_x86.c - x86-64 entry encodings: laws (in the spirit of
 * debug_vm_pgtable.c) on both x86 configurations at PTE, PMD and PUD, and
 * literal 64-bit words from the kernel's headers and the Intel SDM.  Every
 * check compares whole words or strings.
 */
#include "ptsim_test.h"

#include "arch/internal.h"
#include "arch_helpers.h"

static const char *const x86_names[] = {"x86_64-4l", "x86_64-5l"};
static const enum ptsim_level leaf_levels[] = {PTSIM_PTE, PTSIM_PMD, PTSIM_PUD};

#define NR_X86	  (sizeof(x86_names) / sizeof(x86_names[0]))
#define NR_LEAF_L (sizeof(leaf_levels) / sizeof(leaf_levels[0]))

/* Bits named as in the kernel, for building expected words. */
#define P	 0x001ull
#define RW	 0x002ull
#define US	 0x004ull
#define PWT	 0x008ull
#define PCD	 0x010ull
#define A	 0x020ull
#define D	 0x040ull
#define PSE	 0x080ull
#define PAT	 0x080ull
#define PROTNONE 0x100ull
#define SPECIAL	 0x200ull
#define UFFD_WP	 0x400ull
#define SOFT_D	 0x800ull
#define PAT_L	 0x1000ull
#define SAVED_D	 (1ull << 58)
#define NX	 (1ull << 63)

#define PROT_RW (PTSIM_PROT_READ | PTSIM_PROT_WRITE)

static const struct ptsim_arch *arch(const char *name)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(name);

	assert_non_null(a);
	assert_int_equal(ptsim_arch_kind(a), PTSIM_ARCH_X86_64);
	return a;
}

static const struct ptsim_arch *arch4(void)
{
	return arch("x86_64-4l");
}

/* A PFN aligned for a leaf at @lvl (2M / 1G for PMD / PUD). */
static uint64_t leaf_pfn(enum ptsim_level lvl)
{
	switch (lvl) {
	case PTSIM_PMD:
		return 0x12345ull << 9;
	case PTSIM_PUD:
		return 0x1234ull << 18;
	default:
		return 0x12345;
	}
}

/* ---- Literal words from the sheet ------------------------------------ */

static void test_pgprot_values(void **state)
{
	const struct ptsim_arch *a = arch4();
	const unsigned int k = PTSIM_PGPROT_KERNEL;

	(void)state;
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_NONE, 0), 0x120);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ, 0), 0x8000000000000025);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, 0), 0x8000000000000027);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_WRITE, 0), 0x8000000000000027);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, 0), 0x25);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_EXEC, 0), 0x25);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW | PTSIM_PROT_EXEC, 0), 0x27);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, k), 0x8000000000000163);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ, k), 0x8000000000000161);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW | PTSIM_PROT_EXEC, k), 0x163);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_EXEC, k), 0x161);
	assert_u64_eq(ptsim_pgprot(a, PTSIM_PROT_NONE, k), 0);
	/* Memory types: WB, WC = PWT, UC- = PCD, UC = PCD|PWT. */
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL)),
		      0x8000000000000027);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL_TAGGED)),
		      0x8000000000000027);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL_NC)),
		      0x800000000000002f);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, PTSIM_PGPROT_MT(PTSIM_MT_DEVICE)),
		      0x8000000000000037);
	assert_u64_eq(ptsim_pgprot(a, PROT_RW, k | PTSIM_PGPROT_MT(PTSIM_MT_DEVICE_STRICT)),
		      0x800000000000017b);
}

/* §2.1 worked example: user RW young dirty soft-dirty NX, PFN 0x12345. */
static void test_worked_example(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);
		uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, ptsim_pgprot(a, PROT_RW, 0));
		ptsim_pte_t pte;
		struct ptsim_attrs at;

		assert_u64_eq(e, 0x8000000012345027);
		e = ptsim_ent_mkdirty(a, PTSIM_PTE, e);
		assert_u64_eq(e, 0x8000000012345867);
		assert_u64_eq(ptsim_ent_clear_soft_dirty(a, PTSIM_PTE, e), 0x8000000012345067);

		pte.val = e;
		assert_true(ptsim_pte_present(a, pte));
		assert_true(ptsim_pte_dirty(a, pte));
		assert_true(ptsim_pte_young(a, pte));
		assert_true(ptsim_pte_write(a, pte));
		assert_true(ptsim_pte_soft_dirty(a, pte));
		assert_false(ptsim_pte_uffd_wp(a, pte));
		assert_false(ptsim_pte_special(a, pte));
		assert_u64_eq(ptsim_pte_pfn(a, pte), 0x12345);

		ptsim_ent_decode(a, PTSIM_PTE, e, &at);
		assert_true(at.valid && at.present && at.leaf && at.user && at.write);
		assert_true(at.hw_write && at.dirty && at.hw_dirty && at.young && at.soft_dirty);
		assert_false(at.none || at.table || at.protnone || at.swp || at.exec || at.kexec ||
			     at.global || at.special || at.uffd_wp || at.cont);
		assert_int_equal(at.memtype, 0);
		assert_u64_eq(at.pfn, 0x12345);
	}
}

static void test_prot_none_example(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, ptsim_pgprot(a, PTSIM_PROT_NONE, 0));
	struct ptsim_attrs at;

	(void)state;
	assert_u64_eq(e, 0x000fffffedcba120);
	assert_true(ptsim_ent_present(a, PTSIM_PTE, e));
	assert_true(ptsim_ent_protnone(a, PTSIM_PTE, e));
	assert_true(ptsim_ent_leaf(a, PTSIM_PTE, e));
	assert_false(ptsim_ent_swp(a, PTSIM_PTE, e));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PTE, e), 0x12345);

	ptsim_ent_decode(a, PTSIM_PTE, e, &at);
	assert_true(at.present && at.protnone && at.leaf && at.young);
	assert_false(at.valid || at.global || at.exec || at.hw_write || at.swp);
	assert_u64_eq(at.pfn, 0x12345);

	/* PMD PROT_NONE: PSE set, inversion limited to bits 51:21. */
	e = ptsim_mk_leaf(a, PTSIM_PMD, 0x12400, 0x120);
	assert_u64_eq(e, 0x000fffffeda001a0);
	assert_true(ptsim_ent_protnone(a, PTSIM_PMD, e));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, e), 0x12400);
}

/* Errata 1: mkdirty on a read-only entry sets SAVED_DIRTY + soft-dirty. */
static void test_errata1_mkdirty_readonly(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, ptsim_pgprot(a, PTSIM_PROT_READ, 0));

	(void)state;
	assert_u64_eq(e, 0x8000000012345025);
	e = ptsim_ent_mkdirty(a, PTSIM_PTE, e);
	assert_u64_eq(e, 0x8400000012345825);
	assert_true(ptsim_ent_dirty(a, PTSIM_PTE, e));
	/* mkwrite moves SAVED_DIRTY back to D. */
	assert_u64_eq(ptsim_ent_mkwrite(a, PTSIM_PTE, e), 0x8000000012345867);
	/* wrprotect moves D to SAVED_DIRTY. */
	assert_u64_eq(ptsim_ent_wrprotect(a, PTSIM_PTE, 0x8000000012345867), 0x8400000012345825);
	/* mkclean clears both dirty bits, not soft-dirty. */
	assert_u64_eq(ptsim_ent_mkclean(a, PTSIM_PTE, e), 0x8000000012345825);
	/* mkuffd_wp write-protects too. */
	assert_u64_eq(ptsim_ent_mkuffd_wp(a, PTSIM_PTE, 0x8000000012345867), 0x8400000012345c25);
	assert_u64_eq(ptsim_ent_clear_uffd_wp(a, PTSIM_PTE, 0x8400000012345c25),
		      0x8400000012345825);
}

static void test_swap_examples(void **state)
{
	static const struct {
		unsigned int type;
		uint64_t offset;
		uint64_t val;
	} ex[] = {
		{0, 0x1234, 0x07ffffffffdb9600},   /* swap type 0 */
		{24, 0x12345, 0xc7fffffffdb97400}, /* hwpoison */
		{25, 0x12345, 0xcffffffffdb97400}, /* migration read */
		{27, 0x12345, 0xdffffffffdb97400}, /* migration write */
		{31, 1, 0xfffffffffffffc00},	   /* marker UFFD_WP */
		{31, 2, 0xfffffffffffffa00},	   /* marker POISONED */
		{31, 4, 0xfffffffffffff600},	   /* marker GUARD */
	};

	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);

		for (unsigned int j = 0; j < sizeof(ex) / sizeof(ex[0]); j++) {
			uint64_t e = ptsim_mk_swp(a, PTSIM_PTE, ex[j].type, ex[j].offset, 0);

			assert_u64_eq(e, ex[j].val);
			assert_u64_eq(ptsim_mk_swp(a, PTSIM_PMD, ex[j].type, ex[j].offset, 0),
				      ex[j].val);
			assert_int_equal(ptsim_ent_swp_type(a, PTSIM_PTE, ex[j].val), ex[j].type);
			assert_u64_eq(ptsim_ent_swp_offset(a, PTSIM_PTE, ex[j].val), ex[j].offset);
			assert_true(ptsim_ent_swp(a, PTSIM_PTE, ex[j].val));
			assert_true(ptsim_ent_swp(a, PTSIM_PMD, ex[j].val));
		}
	}
	/* Flag bits 1..3 beside the type and offset. */
	assert_u64_eq(ptsim_mk_swp(arch4(), PTSIM_PTE, 0, 0x1234, PTSIM_SWP_SOFT_DIRTY),
		      0x07ffffffffdb9602);
	assert_u64_eq(ptsim_mk_swp(arch4(), PTSIM_PTE, 0, 0x1234, PTSIM_SWP_UFFD_WP),
		      0x07ffffffffdb9604);
	assert_u64_eq(ptsim_mk_swp(arch4(), PTSIM_PTE, 0, 0x1234, PTSIM_SWP_EXCLUSIVE),
		      0x07ffffffffdb9608);
	assert_u64_eq(ptsim_arch_swp_offset_max(arch4()), (1ull << 50) - 1);
	/* The largest offset of type 0 inverts to an all-zero word: pte_none. */
	assert_u64_eq(ptsim_mk_swp(arch4(), PTSIM_PTE, 0, (1ull << 50) - 1, 0), 0);
	assert_u64_eq(ptsim_mk_swp(arch4(), PTSIM_PTE, 1, (1ull << 50) - 1, 0), 1ull << 59);
	assert_u64_eq(ptsim_ent_swp_offset(arch4(), PTSIM_PTE, 1ull << 59), (1ull << 50) - 1);
}

/* 2M leaf: PSE, PAT moved to bit 12, WC memtype = PWT. */
static void test_huge_leaf_memtype(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t prot = ptsim_pgprot(a, PROT_RW, PTSIM_PGPROT_MT(PTSIM_MT_NORMAL_NC));
	uint64_t e = ptsim_mk_leaf(a, PTSIM_PMD, 0x12400, prot);
	struct ptsim_attrs at;

	(void)state;
	assert_u64_eq(e, 0x80000000124000af);
	assert_true(ptsim_ent_leaf(a, PTSIM_PMD, e));
	assert_false(ptsim_ent_table(a, PTSIM_PMD, e));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, e), 0x12400);
	ptsim_ent_decode(a, PTSIM_PMD, e, &at);
	assert_int_equal(at.memtype, 1);
	assert_true(at.leaf && at.valid && at.user && at.write);
	assert_false(at.table);

	/* PAT (bit 7 in the PTE-format pgprot) lands in bit 12 at PMD and PUD. */
	e = ptsim_mk_leaf(a, PTSIM_PMD, 0x12400, prot | PAT);
	assert_u64_eq(e, 0x80000000124010af);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, e), 0x12400);
	ptsim_ent_decode(a, PTSIM_PMD, e, &at);
	assert_int_equal(at.memtype, 5);
	e = ptsim_mk_leaf(a, PTSIM_PUD, 0x40000, prot | PAT);
	assert_u64_eq(e, 0x80000000400010af);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PUD, e), 0x40000);

	/* At PTE level bit 7 stays PAT. */
	e = ptsim_mk_leaf(a, PTSIM_PTE, 0x12345, prot | PAT);
	assert_u64_eq(e, 0x80000000123450af);
	ptsim_ent_decode(a, PTSIM_PTE, e, &at);
	assert_int_equal(at.memtype, 5);
	assert_true(at.leaf);
}

static void test_table_entries(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);

		for (int lvl = PTSIM_PGD; lvl <= PTSIM_PMD; lvl++) {
			uint64_t u = ptsim_mk_table(a, (enum ptsim_level)lvl, 0x1000, false);
			uint64_t k = ptsim_mk_table(a, (enum ptsim_level)lvl, 0x1000, true);
			struct ptsim_attrs at;

			assert_u64_eq(u, 0x1000067);
			assert_u64_eq(k, 0x1000063);
			assert_true(ptsim_ent_table(a, (enum ptsim_level)lvl, u));
			assert_false(ptsim_ent_leaf(a, (enum ptsim_level)lvl, u));
			assert_u64_eq(ptsim_ent_pfn(a, (enum ptsim_level)lvl, k), 0x1000);
			ptsim_ent_decode(a, (enum ptsim_level)lvl, u, &at);
			assert_true(at.table && at.present && at.valid && at.user);
			assert_false(at.leaf || at.swp || at.none);
			assert_u64_eq(at.pfn, 0x1000);
		}
		/* A PTE is never a table. */
		assert_false(ptsim_ent_table(a, PTSIM_PTE, 0x1000067));
		assert_true(ptsim_ent_leaf(a, PTSIM_PTE, 0x1000067));
	}
}

/* pmd_mkinvalid(): P cleared, PFN inverted, still pmd_present via PSE. */
static void test_pmd_mkinvalid(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t pmd = ptsim_mk_leaf(a, PTSIM_PMD, 0x12400, ptsim_pgprot(a, PROT_RW, 0));
	uint64_t inv;

	(void)state;
	assert_u64_eq(pmd, 0x80000000124000a7);
	inv = ptsim_ent_mkinvalid(a, PTSIM_PMD, pmd);
	assert_u64_eq(inv, 0x800fffffeda000a6);
	assert_true(ptsim_ent_present(a, PTSIM_PMD, inv));
	assert_true(ptsim_ent_leaf(a, PTSIM_PMD, inv));
	assert_false(ptsim_ent_swp(a, PTSIM_PMD, inv));
	assert_false(ptsim_ent_protnone(a, PTSIM_PMD, inv));
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, inv), 0x12400);
	/* Idempotent. */
	assert_u64_eq(ptsim_ent_mkinvalid(a, PTSIM_PMD, inv), inv);
	/* PAT_LARGE (bit 12) is a flag: neither inverted nor lost. */
	pmd = ptsim_mk_leaf(a, PTSIM_PMD, 0x12400, 0x8000000000000027 | PAT);
	inv = ptsim_ent_mkinvalid(a, PTSIM_PMD, pmd);
	assert_u64_eq(inv, 0x800fffffeda010a6);
	assert_u64_eq(ptsim_ent_pfn(a, PTSIM_PMD, inv), 0x12400);
	/* No pte_mkinvalid on x86. */
	assert_u64_eq(ptsim_ent_mkinvalid(a, PTSIM_PTE, 0x8000000012345027), 0x8000000012345027);
}

/* pte_none..p4d_none ignore A/D; pgd_none needs a zero word. */
static void test_none_ignores_ad(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);

		for (int lvl = PTSIM_P4D; lvl <= PTSIM_PTE; lvl++) {
			assert_true(ptsim_ent_none(a, (enum ptsim_level)lvl, 0));
			assert_true(ptsim_ent_none(a, (enum ptsim_level)lvl, A | D));
			assert_true(ptsim_ent_none(a, (enum ptsim_level)lvl, A));
			assert_false(ptsim_ent_none(a, (enum ptsim_level)lvl, A | D | P));
			assert_false(ptsim_ent_swp(a, (enum ptsim_level)lvl, A | D));
		}
		assert_true(ptsim_ent_none(a, PTSIM_PGD, 0));
		assert_false(ptsim_ent_none(a, PTSIM_PGD, A | D));
		assert_false(ptsim_ent_none(a, PTSIM_PGD, A));
	}
}

static void test_present_rules(void **state)
{
	const struct ptsim_arch *a = arch("x86_64-5l");

	(void)state;
	/* PSE alone keeps a PMD present, not a PUD; PROTNONE only at PTE/PMD. */
	assert_true(ptsim_ent_present(a, PTSIM_PMD, PSE | A));
	assert_false(ptsim_ent_present(a, PTSIM_PUD, PSE | A));
	assert_true(ptsim_ent_present(a, PTSIM_PTE, PROTNONE));
	assert_true(ptsim_ent_present(a, PTSIM_PMD, PROTNONE | PSE));
	assert_false(ptsim_ent_present(a, PTSIM_PUD, PROTNONE));
	assert_false(ptsim_ent_present(a, PTSIM_P4D, PROTNONE));
	assert_false(ptsim_ent_present(a, PTSIM_PGD, PROTNONE));
	/* A present PTE with bit 7 set is a PAT page, not a huge leaf. */
	assert_true(ptsim_ent_leaf(a, PTSIM_PTE, P | PAT));
	/* Global only means something when P is set. */
	{
		struct ptsim_attrs at;

		ptsim_ent_decode(a, PTSIM_PTE, 0x8000000012345163, &at);
		assert_true(at.global && at.valid && !at.user);
		assert_false(at.exec || at.kexec);
		ptsim_ent_decode(a, PTSIM_PTE, 0x12345163, &at);
		assert_true(at.exec && at.kexec);
	}
}

/* ---- Laws on both configurations and three leaf levels ---------------- */

struct law_case {
	const struct ptsim_arch *a;
	enum ptsim_level lvl;
	uint64_t pfn;
	uint64_t rw; /* writable, young leaf */
	uint64_t ro; /* read-only, young leaf */
};

static struct law_case law_case(unsigned int i, unsigned int l)
{
	struct law_case c;

	c.a = arch(x86_names[i]);
	c.lvl = leaf_levels[l];
	c.pfn = leaf_pfn(c.lvl);
	c.rw = ptsim_mk_leaf(c.a, c.lvl, c.pfn, ptsim_pgprot(c.a, PROT_RW, 0));
	c.ro = ptsim_mk_leaf(c.a, c.lvl, c.pfn, ptsim_pgprot(c.a, PTSIM_PROT_READ, 0));
	return c;
}

static void test_law_leaf_shape(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t huge = c.lvl == PTSIM_PTE ? 0 : PSE;

			assert_u64_eq(c.rw, (c.pfn << 12) | 0x8000000000000027 | huge);
			assert_u64_eq(c.ro, (c.pfn << 12) | 0x8000000000000025 | huge);
			assert_true(ptsim_ent_present(c.a, c.lvl, c.rw));
			assert_true(ptsim_ent_leaf(c.a, c.lvl, c.rw));
			assert_false(ptsim_ent_table(c.a, c.lvl, c.rw));
			assert_false(ptsim_ent_none(c.a, c.lvl, c.rw));
			assert_false(ptsim_ent_swp(c.a, c.lvl, c.rw));
			assert_false(ptsim_ent_protnone(c.a, c.lvl, c.rw));
			assert_false(ptsim_ent_cont(c.a, c.lvl, c.rw));
			assert_u64_eq(ptsim_ent_pfn(c.a, c.lvl, c.rw), c.pfn);
			assert_u64_eq(ptsim_ent_mkcont(c.a, c.lvl, c.rw), c.rw);
			assert_u64_eq(ptsim_ent_mknoncont(c.a, c.lvl, c.rw), c.rw);
		}
	}
}

static void test_law_dirty(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t d = ptsim_ent_mkdirty(c.a, c.lvl, c.rw);
			uint64_t rd = ptsim_ent_mkdirty(c.a, c.lvl, c.ro);

			assert_u64_eq(d, c.rw | D | SOFT_D);
			assert_true(ptsim_ent_dirty(c.a, c.lvl, d));
			assert_true(ptsim_ent_soft_dirty(c.a, c.lvl, d));
			assert_u64_eq(ptsim_ent_mkclean(c.a, c.lvl, d), c.rw | SOFT_D);
			assert_false(ptsim_ent_dirty(c.a, c.lvl, ptsim_ent_mkclean(c.a, c.lvl, d)));
			/* Errata 1: read-only dirty = SAVED_DIRTY, never Write=0,D=1. */
			assert_u64_eq(rd, c.ro | SAVED_D | SOFT_D);
			assert_true(ptsim_ent_dirty(c.a, c.lvl, rd));
			assert_u64_eq(ptsim_ent_mkclean(c.a, c.lvl, rd), c.ro | SOFT_D);
			assert_u64_eq(ptsim_ent_clear_soft_dirty(c.a, c.lvl, d), c.rw | D);
			assert_u64_eq(ptsim_ent_mksoft_dirty(c.a, c.lvl, c.rw), c.rw | SOFT_D);
		}
	}
}

static void test_law_write(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t d = ptsim_ent_mkdirty(c.a, c.lvl, c.rw);
			uint64_t wp = ptsim_ent_wrprotect(c.a, c.lvl,
							  ptsim_ent_mkwrite(c.a, c.lvl, c.ro));

			assert_u64_eq(wp, c.ro);
			assert_false(ptsim_ent_write(c.a, c.lvl, wp));
			assert_u64_eq(ptsim_ent_mkwrite(c.a, c.lvl, c.ro), c.rw);
			assert_true(ptsim_ent_write(c.a, c.lvl, c.rw));
			/* Dirty survives a write-protect round trip through SAVED_DIRTY. */
			wp = ptsim_ent_wrprotect(c.a, c.lvl, d);
			assert_u64_eq(wp, (d & ~(RW | D)) | SAVED_D);
			assert_true(ptsim_ent_dirty(c.a, c.lvl, wp));
			assert_u64_eq(ptsim_ent_mkwrite(c.a, c.lvl, wp), d);
		}
	}
}

static void test_law_young_special_uffd(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t old = ptsim_ent_mkold(c.a, c.lvl, c.rw);
			uint64_t u;

			assert_u64_eq(old, c.rw & ~A);
			assert_false(ptsim_ent_young(c.a, c.lvl, old));
			assert_u64_eq(ptsim_ent_mkyoung(c.a, c.lvl, old), c.rw);
			assert_true(ptsim_ent_young(c.a, c.lvl, c.rw));

			assert_false(ptsim_ent_special(c.a, c.lvl, c.rw));
			assert_u64_eq(ptsim_ent_mkspecial(c.a, c.lvl, c.rw), c.rw | SPECIAL);
			assert_true(ptsim_ent_special(c.a, c.lvl, c.rw | SPECIAL));

			u = ptsim_ent_mkuffd_wp(c.a, c.lvl, c.rw);
			assert_u64_eq(u, (c.rw & ~RW) | UFFD_WP);
			assert_true(ptsim_ent_uffd_wp(c.a, c.lvl, u));
			assert_false(ptsim_ent_write(c.a, c.lvl, u));
			assert_u64_eq(ptsim_ent_clear_uffd_wp(c.a, c.lvl, u), c.rw & ~RW);
			assert_false(ptsim_ent_uffd_wp(c.a, c.lvl, c.rw));
		}
	}
}

static void test_law_modify(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t ro_prot = ptsim_pgprot(c.a, PTSIM_PROT_READ, 0);
			uint64_t rw_prot = ptsim_pgprot(c.a, PROT_RW, 0);
			uint64_t x_prot = ptsim_pgprot(c.a, PROT_RW | PTSIM_PROT_EXEC, 0);
			uint64_t e = ptsim_ent_mkdirty(c.a, c.lvl, c.rw) | SPECIAL | PCD;
			uint64_t m = ptsim_ent_modify(c.a, c.lvl, e, ro_prot);

			assert_u64_eq(ptsim_ent_pfn(c.a, c.lvl, m), c.pfn);
			assert_true(ptsim_ent_young(c.a, c.lvl, m));
			assert_true(ptsim_ent_soft_dirty(c.a, c.lvl, m));
			assert_false(ptsim_ent_write(c.a, c.lvl, m));
			if (c.lvl == PTSIM_PMD) {
				/* pmd_modify() masks _HPAGE_CHG_MASK & ~_PAGE_DIRTY. */
				assert_u64_eq(m, (e & ~(RW | D)));
				assert_false(ptsim_ent_dirty(c.a, c.lvl, m));
			} else {
				/* D moves to SAVED_DIRTY: no Write=0,Dirty=1 entry. */
				assert_u64_eq(m, (e & ~(RW | D)) | SAVED_D);
				assert_true(ptsim_ent_dirty(c.a, c.lvl, m));
				/* And back when the prot becomes writable again. */
				assert_u64_eq(ptsim_ent_modify(c.a, c.lvl, m, rw_prot), e);
			}
			/* Same protection: identity. */
			assert_u64_eq(ptsim_ent_modify(c.a, c.lvl, c.rw, rw_prot), c.rw);
			/* Exec drops NX, nothing else. */
			assert_u64_eq(ptsim_ent_modify(c.a, c.lvl, c.rw, x_prot), c.rw & ~NX);
			/* Read-only dirty entry made writable: SAVED_DIRTY -> D. */
			m = ptsim_ent_mkdirty(c.a, c.lvl, c.ro);
			assert_u64_eq(ptsim_ent_modify(c.a, c.lvl, m, rw_prot),
				      (m & ~SAVED_D) | RW | D);
		}
	}
}

/* PTE at PTE level: pte_modify keeps PAT (bit 7), huge levels keep PAT_LARGE. */
static void test_modify_keeps_pat(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t ro = ptsim_pgprot(a, PTSIM_PROT_READ, 0);

	(void)state;
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PTE, 0x80000000123450af, ro), 0x80000000123450ad);
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PMD, 0x80000000124010af, ro), 0x80000000124010ad);
	assert_u64_eq(ptsim_ent_modify(a, PTSIM_PMD, 0x80000000124000af, ro | PAT),
		      0x80000000124000ad);
}

static void test_law_prot_none_round_trip(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		for (unsigned int l = 0; l < NR_LEAF_L; l++) {
			struct law_case c = law_case(i, l);
			uint64_t none = ptsim_pgprot(c.a, PTSIM_PROT_NONE, 0);
			uint64_t rw = ptsim_pgprot(c.a, PROT_RW, 0);
			uint64_t n = ptsim_ent_modify(c.a, c.lvl, c.rw, none);
			uint64_t huge = c.lvl == PTSIM_PTE ? 0 : PSE;
			uint64_t mask = c.lvl == PTSIM_PTE   ? 0x000ffffffffff000ull
					: c.lvl == PTSIM_PMD ? 0x000fffffffe00000ull
							     : 0x000fffffc0000000ull;

			/* PFN inverted within the level's PFN field. */
			assert_u64_eq(n, (~(c.pfn << 12) & mask) | 0x120 | huge);
			assert_u64_eq(ptsim_ent_pfn(c.a, c.lvl, n), c.pfn);
			assert_u64_eq(ptsim_ent_modify(c.a, c.lvl, n, rw), c.rw);
			if (c.lvl == PTSIM_PUD) {
				/* pud_present() is P only. */
				assert_false(ptsim_ent_present(c.a, c.lvl, n));
				continue;
			}
			assert_true(ptsim_ent_present(c.a, c.lvl, n));
			assert_true(ptsim_ent_protnone(c.a, c.lvl, n));
			assert_false(ptsim_ent_write(c.a, c.lvl, n));
			/* mk_leaf with PAGE_NONE gives the same word. */
			assert_u64_eq(ptsim_mk_leaf(c.a, c.lvl, c.pfn, none), n);
		}
	}
}

static void test_law_swap_round_trip(void **state)
{
	static const uint64_t offsets[] = {
		0,
		1,
		2,
		0x1234,
		0x12345,
		0xdeadbeef,
		(1ull << 34) - 1,
		(1ull << 40) | 3,
		(1ull << 50) - 2,
	};
	static const enum ptsim_level lv[] = {PTSIM_PTE, PTSIM_PMD};

	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);

		for (unsigned int l = 0; l < 2; l++)
			for (unsigned int type = 0; type < 32; type++)
				for (unsigned int o = 0; o < sizeof(offsets) / sizeof(offsets[0]);
				     o++)
					for (unsigned int f = 0; f < 8; f++) {
						enum ptsim_level lvl = lv[l];
						uint64_t e =
							ptsim_mk_swp(a, lvl, type, offsets[o], f);
						struct ptsim_attrs at;

						assert_false(ptsim_ent_none(a, lvl, e));
						assert_false(ptsim_ent_present(a, lvl, e));
						assert_true(ptsim_ent_swp(a, lvl, e));
						assert_int_equal(e & (P | PSE | PROTNONE), 0);
						assert_int_equal(ptsim_ent_swp_type(a, lvl, e),
								 type);
						assert_u64_eq(ptsim_ent_swp_offset(a, lvl, e),
							      offsets[o]);
						assert_int_equal(ptsim_ent_swp_flags(a, lvl, e), f);
						assert_int_equal(ptsim_ent_soft_dirty(a, lvl, e),
								 !!(f & PTSIM_SWP_SOFT_DIRTY));
						assert_int_equal(ptsim_ent_uffd_wp(a, lvl, e),
								 !!(f & PTSIM_SWP_UFFD_WP));
						ptsim_ent_decode(a, lvl, e, &at);
						assert_true(at.swp);
						assert_false(at.present || at.none || at.valid ||
							     at.leaf || at.table);
						assert_int_equal(at.swp_type, type);
						assert_u64_eq(at.swp_offset, offsets[o]);
						assert_int_equal(at.exclusive,
								 !!(f & PTSIM_SWP_EXCLUSIVE));
						assert_int_equal(at.soft_dirty,
								 !!(f & PTSIM_SWP_SOFT_DIRTY));
						assert_int_equal(at.uffd_wp,
								 !!(f & PTSIM_SWP_UFFD_WP));
					}
	}
}

static void test_swap_builders(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t e = ptsim_mk_swp(a, PTSIM_PTE, 3, 0x777, 0);
	uint64_t x;

	(void)state;
	x = ptsim_ent_swp_mkexclusive(a, PTSIM_PTE, e);
	assert_u64_eq(x, e | 0x8);
	assert_u64_eq(x, ptsim_mk_swp(a, PTSIM_PTE, 3, 0x777, PTSIM_SWP_EXCLUSIVE));
	assert_u64_eq(ptsim_ent_swp_clear_exclusive(a, PTSIM_PTE, x), e);
	x = ptsim_ent_swp_mksoft_dirty(a, PTSIM_PTE, e);
	assert_u64_eq(x, e | 0x2);
	assert_true(ptsim_ent_soft_dirty(a, PTSIM_PTE, x));
	assert_u64_eq(ptsim_ent_swp_clear_soft_dirty(a, PTSIM_PTE, x), e);
	x = ptsim_ent_swp_mkuffd_wp(a, PTSIM_PTE, e);
	assert_u64_eq(x, e | 0x4);
	assert_true(ptsim_ent_uffd_wp(a, PTSIM_PTE, x));
	assert_u64_eq(ptsim_ent_swp_clear_uffd_wp(a, PTSIM_PTE, x), e);
	/* The present-form bits are not the swap-form bits. */
	assert_false(ptsim_ent_soft_dirty(a, PTSIM_PTE, e | SOFT_D));
	assert_false(ptsim_ent_uffd_wp(a, PTSIM_PTE, e | UFFD_WP));
	assert_false(ptsim_ent_soft_dirty(a, PTSIM_PTE, 0x8000000012345027 | 0x2));
}

/* ---- ptdump ---------------------------------------------------------- */

static const char *dump_line(const struct ptsim_arch *a, int lvl, uint64_t start, uint64_t end,
			     uint64_t e, char *buf, size_t len)
{
	uint64_t key = a->ops->ptdump_key(a, lvl, e, 0);
	int n = a->ops->ptdump_line(a, a->ops->ptdump_level(a, lvl), start, end, e, key, buf, len);

	assert_int_equal(n, (int)strlen(buf));
	return buf;
}

/* printk_prot() fields, spelled out one by one. */
#define F_NONE "    "
#define SP10   "          "
#define HOLE30 SP10 SP10 SP10

static void test_ptdump_lines(void **state)
{
	const struct ptsim_arch *a = arch4();
	char buf[256];

	(void)state;
	/* User RW NX 4K pages. */
	assert_string_equal(dump_line(a, PTSIM_PTE, 0x00007f0000000000, 0x00007f0000003000,
				      0x8000000012345867, buf, sizeof(buf)),
			    "0x00007f0000000000-0x00007f0000003000   "
			    "       12K "
			    "USR "
			    "RW " F_NONE F_NONE F_NONE F_NONE F_NONE "NX "
			    "pte\n");
	/* Kernel global exec, PAT page, PWT|PCD. */
	assert_string_equal(dump_line(a, PTSIM_PTE, 0xffffffff81000000, 0xffffffff81001000,
				      0x12345000 | 0x1f9, buf, sizeof(buf)),
			    "0xffffffff81000000-0xffffffff81001000   "
			    "        4K " F_NONE "ro "
			    "PWT "
			    "PCD " F_NONE "PAT "
			    "GLB "
			    "x  "
			    "pte\n");
	/* 2M PSE read-only leaf with PAT_LARGE: PAT never printed (Errata 2). */
	assert_string_equal(dump_line(a, PTSIM_PMD, 0x0000000000200000, 0x0000000000400000,
				      0x80000000124010a5, buf, sizeof(buf)),
			    "0x0000000000200000-0x0000000000400000   "
			    "        2M "
			    "USR "
			    "ro " F_NONE F_NONE "PSE " F_NONE F_NONE "NX "
			    "pmd\n");
	/* 1G PSE kernel leaf. */
	assert_string_equal(dump_line(a, PTSIM_PUD, 0xffff888000000000, 0xffff888040000000,
				      0x80000000400001e3, buf, sizeof(buf)),
			    "0xffff888000000000-0xffff888040000000   "
			    "        1G " F_NONE "RW " F_NONE F_NONE "PSE " F_NONE "GLB "
			    "NX "
			    "pud\n");
	/* Hole: 30 spaces. */
	assert_string_equal(dump_line(a, PTSIM_PUD, 0x0000000040000000, 0x0000000080000000, 0, buf,
				      sizeof(buf)),
			    "0x0000000040000000-0x0000000080000000   "
			    "        1G " HOLE30 "pud\n");
	/* A non-present (swap) entry prints like a hole. */
	assert_string_equal(
		dump_line(a, PTSIM_PTE, 0x1000, 0x2000, 0x07ffffffffdb9600, buf, sizeof(buf)),
		"0x0000000000001000-0x0000000000002000   "
		"        4K " HOLE30 "pte\n");
	/* Big sizes: the largest unit that divides exactly. */
	assert_string_equal(dump_line(a, PTSIM_PGD, 0x0000800000000000, 0xffff800000000000, 0, buf,
				      sizeof(buf)),
			    "0x0000800000000000-0xffff800000000000   "
			    " 16776960T " HOLE30 "pgd\n");
	assert_string_equal(dump_line(a, PTSIM_PUD, 0, 0x0041888000000000, 0, buf, sizeof(buf)),
			    "0x0000000000000000-0x0041888000000000   "
			    " 17179136G " HOLE30 "pud\n");
	assert_string_equal(dump_line(a, PTSIM_PTE, 0, 0x1800, 0, buf, sizeof(buf)),
			    "0x0000000000000000-0x0000000000001800   "
			    "        6K " HOLE30 "pte\n");
	assert_string_equal(dump_line(a, PTSIM_PTE, 0x10, 0x20, 0, buf, sizeof(buf)),
			    "0x0000000000000010-0x0000000000000020   "
			    "       16B " HOLE30 "pte\n");
	/* snprintf semantics: truncated output still returns the full length. */
	assert_int_equal(a->ops->ptdump_line(a, PTSIM_PTE, 0, 0x1000, 0, 0, buf, 8), 85);
	assert_string_equal(buf, "0x00000");
	assert_int_equal(a->ops->ptdump_level(a, PTSIM_P4D), PTSIM_P4D);
}

static void test_ptdump_keys(void **state)
{
	const struct ptsim_arch *a = arch("x86_64-5l");
	const struct ptsim_arch_ops *ops = a->ops;
	uint64_t user_tbl = ptsim_mk_table(a, PTSIM_PMD, 0x1000, false);
	uint64_t kern_tbl = ptsim_mk_table(a, PTSIM_PMD, 0x1000, true);
	uint64_t leaf = 0x8000000012345867;
	uint64_t up, kp, ro;

	(void)state;
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, 0, 0), 0);
	assert_u64_eq(
		ops->ptdump_key(a, PTSIM_PTE, 0, ops->ptdump_table_key(a, PTSIM_PMD, kern_tbl, 0)),
		0);

	/* Unrestricted chain: effective USER|RW|NX = the leaf's own. */
	up = ops->ptdump_table_key(a, PTSIM_PGD, user_tbl, 0);
	assert_u64_eq(up, 0);
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, leaf, up), 0x8000000000007867);
	/* PFN bits are not in the key. */
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, 0x8000000054321867, up), 0x8000000000007867);
	/* A kernel table above takes USER away. */
	kp = ops->ptdump_table_key(a, PTSIM_PGD, kern_tbl, 0);
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, leaf, kp), 0x8000000000006867);
	/* A read-only table anywhere above takes RW away; NX anywhere adds NX. */
	ro = ops->ptdump_table_key(a, PTSIM_PUD, user_tbl & ~RW, up);
	ro = ops->ptdump_table_key(a, PTSIM_PMD, user_tbl, ro);
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, leaf, ro), 0x8000000000005867);
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, leaf & ~NX, ro), 0x0000000000001867);
	assert_u64_eq(ops->ptdump_key(a, PTSIM_PTE, leaf & ~NX,
				      ops->ptdump_table_key(a, PTSIM_PUD, user_tbl | NX, up)),
		      0x0000000000007867);
}

/* Present-only bits are never read out of a swap entry's inverted offset. */
static void test_swap_predicates(void **state)
{
	const struct ptsim_arch *a = arch4();
	uint64_t e =
		ptsim_mk_swp(a, PTSIM_PTE, 3, 0x1234, PTSIM_SWP_SOFT_DIRTY | PTSIM_SWP_UFFD_WP);

	(void)state;
	assert_u64_eq(e, 0x1fffffffffdb9606ull);
	assert_false(ptsim_ent_present(a, PTSIM_PTE, e));
	assert_false(ptsim_ent_write(a, PTSIM_PTE, e));
	assert_false(ptsim_ent_dirty(a, PTSIM_PTE, e));
	assert_false(ptsim_ent_young(a, PTSIM_PTE, e));
	assert_false(ptsim_ent_special(a, PTSIM_PTE, e));
	assert_true(ptsim_ent_soft_dirty(a, PTSIM_PTE, e));
	assert_true(ptsim_ent_uffd_wp(a, PTSIM_PTE, e));
}

/*
 * The folding rule generic code relies on (ptsim__entry_level()): a level
 * that may hold a leaf is the lowest logical level sharing its slot, and
 * the child of an entry is the next real level.
 */
static void test_folding_rule(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_X86; i++) {
		const struct ptsim_arch *a = arch(x86_names[i]);

		for (int l = PTSIM_PGD; l <= PTSIM_PTE; l++) {
			if (a->leaf_ok[l])
				assert_int_equal(ptsim__entry_level(a, l), l);
			if (l < PTSIM_PTE)
				assert_false(ptsim__level_folded(a, ptsim__child_level(a, l)));
		}
	}
	/* 4-level: P4D is folded into the PGD slot; 5-level folds nothing. */
	assert_int_equal(ptsim__entry_level(arch("x86_64-4l"), PTSIM_PGD), PTSIM_P4D);
	assert_int_equal(ptsim__child_level(arch("x86_64-4l"), PTSIM_PGD), PTSIM_PUD);
	assert_int_equal(ptsim__entry_level(arch("x86_64-5l"), PTSIM_PGD), PTSIM_PGD);
	assert_int_equal(ptsim__child_level(arch("x86_64-5l"), PTSIM_PGD), PTSIM_P4D);
	assert_int_equal(ptsim__entry_level(arch("x86_64-5l"), PTSIM_PTE), PTSIM_PTE);
}

/*
 * Capabilities and address-space layout of both configurations, as
 * ptsim_arch_lookup() has them (a machine's copy may differ by knobs).
 */
static void test_caps_and_layout(void **state)
{
	const unsigned int caps = PTSIM_ARCH_CAP_SOFT_DIRTY | PTSIM_ARCH_CAP_FAULT_INVALIDATES_TLB |
				  PTSIM_ARCH_CAP_VA_FLUSH_DROPS_WALK_CACHES |
				  PTSIM_ARCH_CAP_EXEC_IMPLIES_READ |
				  PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY;
	static const struct {
		const char *name;
		uint64_t half, task_size;
	} want[] = {
		{"x86_64-4l", 1ull << 47, 0x00007ffffffff000ull},
		{"x86_64-5l", 1ull << 56, 0x00fffffffffff000ull},
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ptsim_arch *a = arch(want[i].name);
		uint64_t half = want[i].half;

		assert_int_equal(a->caps, caps);
		assert_u64_eq(a->task_size, want[i].task_size);
		assert_u64_eq(a->map_window, 0x00007ffffffff000ull);
		assert_int_equal(a->nr_va_ranges, 2);
		assert_u64_eq(a->va_ranges[0].start, 0);
		assert_u64_eq(a->va_ranges[0].end, half);
		assert_string_equal(a->va_ranges[0].ptdump_marker, "User Space");
		assert_u64_eq(a->va_ranges[1].start, 0 - half);
		assert_u64_eq(a->va_ranges[1].end, 0);
		assert_string_equal(a->va_ranges[1].ptdump_marker, "Kernel Space");
		/* Canonical addresses: either half, nothing in between. */
		assert_int_equal(ptsim__va_range(a, 0), 0);
		assert_int_equal(ptsim__va_range(a, half - 1), 0);
		assert_int_equal(ptsim__va_range(a, half), -1);
		assert_int_equal(ptsim__va_range(a, 0 - half - 1), -1);
		assert_int_equal(ptsim__va_range(a, 0 - half), 1);
		assert_int_equal(ptsim__va_range(a, ~0ull), 1);
	}
}

/* ---- The hardware's view (mmu_* ops) --------------------------------- */

static const struct ptsim_mmu_config no_hw_ad = {.hw_af = false, .hw_dbm = false};

static enum ptsim_mmu_verdict mmu_check(const struct ptsim_arch *a, uint64_t e, unsigned int access,
					bool user)
{
	return a->ops->mmu_check(a, PTSIM_PTE, e, access, user, &no_hw_ad);
}

static void test_mmu_ok_mask(void **state)
{
	(void)state;
	check_ok_mask(arch4(), 0);
}

static void test_mmu_valid_global(void **state)
{
	const struct ptsim_arch *a = arch4();
	const struct ptsim_arch_ops *o = a->ops;

	(void)state;
	/* P, not Linux's pte_present(): PROT_NONE and an invalidated PMD are not valid. */
	assert_true(o->mmu_valid(a, PTSIM_PTE, 0x8000000012345067ull));
	assert_false(o->mmu_valid(a, PTSIM_PTE, 0x000fffffedcba120ull));
	assert_false(o->mmu_valid(a, PTSIM_PMD, 0x800fffffeda000a6ull));
	assert_false(o->mmu_valid(a, PTSIM_PTE, 0));
	assert_true(o->mmu_global(a, PTSIM_PTE, 0x8000000012345163ull));
	assert_false(o->mmu_global(a, PTSIM_PTE, 0x8000000012345067ull));
	/* Every valid leaf format is usable. */
	assert_true(o->mmu_leaf_usable(a, PTSIM_PTE, 0x8000000012345067ull));
	assert_true(o->mmu_leaf_usable(a, PTSIM_PMD, 0x80000000124000a7ull));
}

/* R/W and U/S are ANDed, XD ORed over the levels (SDM vol. 3 4.6). */
static void test_mmu_rights(void **state)
{
	const struct ptsim_arch *a = arch4();
	const struct ptsim_arch_ops *o = a->ops;
	struct ptsim_mmu_rights r = {0, 0};

	(void)state;
	/* A Linux user table (_PAGE_TABLE) restricts nothing. */
	o->mmu_table_rights(a, PTSIM_P4D, 0x0000000012346067ull, &r);
	assert_u64_eq(r.clr, 0);
	assert_u64_eq(r.set, 0);
	assert_u64_eq(o->mmu_fold_table(a, PTSIM_PUD, &r, 0x0000000012347067ull),
		      0x0000000012347067ull);
	/* A supervisor read-only table with XD: every level below loses U/S, R/W, gains XD. */
	o->mmu_table_rights(a, PTSIM_PUD, 0x8000000012347061ull, &r);
	assert_u64_eq(r.clr, RW | US);
	assert_u64_eq(r.set, NX);
	assert_u64_eq(o->mmu_fold_table(a, PTSIM_PMD, &r, 0x0000000012348067ull),
		      0x8000000012348061ull);
	assert_u64_eq(o->mmu_fold_leaf(a, PTSIM_PTE, &r, 0x0000000012345067ull),
		      0x8000000012345061ull);
	/* The folded leaf is what the permission check sees. */
	assert_int_equal(mmu_check(a, 0x0000000012345067ull, PTSIM_ACCESS_WRITE, true),
			 PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, 0x8000000012345061ull, PTSIM_ACCESS_READ, true),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x8000000012345061ull, PTSIM_ACCESS_READ, false),
			 PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, 0x8000000012345061ull, PTSIM_ACCESS_WRITE, false),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x8000000012345061ull, PTSIM_ACCESS_EXEC, false),
			 PTSIM_MMU_V_PERM);
}

static void test_mmu_check_update(void **state)
{
	const struct ptsim_arch *a = arch4();
	const struct ptsim_arch_ops *o = a->ops;
	const uint64_t rw_clean = 0x8000000012345007ull; /* P RW US NX, A and D clear */
	const uint64_t ro = 0x8000000012345025ull;	 /* PAGE_READONLY */

	(void)state;
	/* User read/write/exec of a young dirty writable NX page. */
	assert_int_equal(mmu_check(a, 0x8000000012345067ull, PTSIM_ACCESS_READ, true),
			 PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, 0x8000000012345067ull, PTSIM_ACCESS_WRITE, true),
			 PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, 0x8000000012345067ull, PTSIM_ACCESS_EXEC, true),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x0000000012345025ull, PTSIM_ACCESS_EXEC, true),
			 PTSIM_MMU_V_OK);
	/* CR0.WP: read-only is read-only for the kernel too. */
	assert_int_equal(mmu_check(a, ro, PTSIM_ACCESS_WRITE, true), PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, ro, PTSIM_ACCESS_WRITE, false), PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, ro, PTSIM_ACCESS_READ, true), PTSIM_MMU_V_OK);
	/* U/S clear: a kernel page. */
	assert_int_equal(mmu_check(a, 0x8000000012345163ull, PTSIM_ACCESS_READ, true),
			 PTSIM_MMU_V_PERM);
	assert_int_equal(mmu_check(a, 0x8000000012345163ull, PTSIM_ACCESS_WRITE, false),
			 PTSIM_MMU_V_OK);
	/* A missing A (or D for a write) is set by the hardware, never faulted on. */
	assert_int_equal(mmu_check(a, rw_clean, PTSIM_ACCESS_READ, true), PTSIM_MMU_V_UPDATE);
	assert_int_equal(mmu_check(a, 0x8000000012345027ull, PTSIM_ACCESS_READ, true),
			 PTSIM_MMU_V_OK);
	assert_int_equal(mmu_check(a, 0x8000000012345027ull, PTSIM_ACCESS_WRITE, true),
			 PTSIM_MMU_V_UPDATE);
	assert_u64_eq(o->mmu_update(a, PTSIM_PTE, rw_clean, PTSIM_ACCESS_READ),
		      0x8000000012345027ull);
	assert_u64_eq(o->mmu_update(a, PTSIM_PTE, rw_clean, PTSIM_ACCESS_WRITE),
		      0x8000000012345067ull);
	assert_u64_eq(o->mmu_update(a, PTSIM_PMD, 0x80000000124000a7ull, PTSIM_ACCESS_WRITE),
		      0x80000000124000e7ull);
	/* The walk marks the tables it uses accessed. */
	assert_u64_eq(o->mmu_table_accessed(a, PTSIM_PMD, 0x0000000012346007ull),
		      0x0000000012346027ull);
	assert_u64_eq(o->mmu_table_accessed(a, PTSIM_PMD, 0x0000000012346067ull),
		      0x0000000012346067ull);
}

/*
 * walk_table() is exactly table() and not a leaf where the level may hold
 * one, with pfn(): on every configuration of the architecture, every level,
 * random words and the entries the constructors build.
 */
static void test_walk_table_op(void **state)
{
	uint64_t rng = 0x2545f4914f6cdd1dull, descended = 0;

	(void)state;
	for (unsigned int i = 0; ptsim_arch_at(i); i++) {
		const struct ptsim_arch *a = ptsim_arch_at(i);
		const struct ptsim_arch_ops *o = a->ops;

		if (ptsim_arch_kind(a) != PTSIM_ARCH_X86_64)
			continue;
		for (int lvl = 0; lvl < PTSIM_NR_LEVELS; lvl++) {
			for (int n = 0; n < 20000; n++) {
				uint64_t e, pfn = 0, r;
				bool want;

				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				r = rng % 0x100000;
				switch (n % 4) {
				case 0:
					e = rng;
					break;
				case 1:
					e = o->mk_table(a, lvl, r, n % 8 == 1);
					break;
				case 2:
					e = o->mk_leaf(
						a, lvl, r,
						o->pgprot(a, (unsigned int)(rng >> 32) % 8, 0));
					break;
				default:
					e = rng & 0xfffull;
					break;
				}
				want = o->table(a, lvl, e) &&
				       !(a->leaf_ok[lvl] && o->leaf(a, lvl, e));
				assert_int_equal(o->walk_table(a, lvl, e, &pfn), want);
				if (want)
					assert_u64_eq(pfn, o->pfn(a, lvl, e));
				descended += want;
			}
		}
	}
	assert_true(descended > 10000); /* not vacuous: many entries are tables */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folding_rule),
		cmocka_unit_test(test_walk_table_op),
		cmocka_unit_test(test_caps_and_layout),
		cmocka_unit_test(test_mmu_valid_global),
		cmocka_unit_test(test_mmu_rights),
		cmocka_unit_test(test_mmu_check_update),
		cmocka_unit_test(test_mmu_ok_mask),
		cmocka_unit_test(test_pgprot_values),
		cmocka_unit_test(test_swap_predicates),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_prot_none_example),
		cmocka_unit_test(test_errata1_mkdirty_readonly),
		cmocka_unit_test(test_swap_examples),
		cmocka_unit_test(test_huge_leaf_memtype),
		cmocka_unit_test(test_table_entries),
		cmocka_unit_test(test_pmd_mkinvalid),
		cmocka_unit_test(test_none_ignores_ad),
		cmocka_unit_test(test_present_rules),
		cmocka_unit_test(test_law_leaf_shape),
		cmocka_unit_test(test_law_dirty),
		cmocka_unit_test(test_law_write),
		cmocka_unit_test(test_law_young_special_uffd),
		cmocka_unit_test(test_law_modify),
		cmocka_unit_test(test_modify_keeps_pat),
		cmocka_unit_test(test_law_prot_none_round_trip),
		cmocka_unit_test(test_law_swap_round_trip),
		cmocka_unit_test(test_swap_builders),
		cmocka_unit_test(test_ptdump_lines),
		cmocka_unit_test(test_ptdump_keys),
	};

	return cmocka_run_group_tests_name("arch_x86", tests, NULL, NULL);
}
