/* SPDX-License-Identifier: MIT */
/*
 * arch_helpers.h - checks shared by the per-architecture tests
 * (header-only: test_arch_x86.c and test_arch_arm64.c include it once).
 */
#ifndef PTSIM_TEST_ARCH_HELPERS_H
#define PTSIM_TEST_ARCH_HELPERS_H

#include "ptsim_test.h"

#include "arch/internal.h"

/*
 * mmu_ok_mask() is mmu_check()'s V_OK: for every access kind, user and
 * kernel, hardware switch, level and pattern of the bits the masks name
 * (and @extra), over a few bases for the other bits.
 */
static inline void check_ok_mask(const struct ptsim_arch *a, uint64_t extra)
{
	static const uint64_t bases[] = {0, 0x0000000012345003ull, 0xfff0000fffffffffull};
	uint64_t bits = extra, set, clr;
	unsigned int nbits = 0, idx[64];
	unsigned long checked = 0;

	for (unsigned int acc = 1; acc < 8; acc++)
		for (int user = 0; user < 2; user++) {
			a->ops->mmu_ok_mask(a, acc, user, &set, &clr);
			assert_true((set & clr) == 0);
			bits |= set | clr;
		}
	for (unsigned int b = 0; b < 64; b++)
		if (bits >> b & 1)
			idx[nbits++] = b;
	assert_true(nbits <= 12);
	for (unsigned int acc = 1; acc < 8; acc++)
		for (int user = 0; user < 2; user++)
			for (int hw = 0; hw < 4; hw++) {
				const struct ptsim_mmu_config mcfg = {.hw_af = hw & 1,
								      .hw_dbm = hw >> 1};

				a->ops->mmu_ok_mask(a, acc, user, &set, &clr);
				for (int lvl = PTSIM_PUD; lvl <= PTSIM_PTE; lvl++)
					for (size_t bi = 0; bi < sizeof(bases) / sizeof(bases[0]);
					     bi++)
						for (uint64_t p = 0; p < (1ull << nbits); p++) {
							uint64_t e = bases[bi] & ~bits;
							bool ok;

							for (unsigned int k = 0; k < nbits; k++)
								e |= (p >> k & 1) << idx[k];
							ok = (e & set) == set && !(e & clr);
							assert_int_equal(
								ok,
								a->ops->mmu_check(a, lvl, e, acc,
										  user, &mcfg) ==
									PTSIM_MMU_V_OK);
							checked++;
						}
			}
	assert_true(checked > 1000);
}

#endif /* PTSIM_TEST_ARCH_HELPERS_H */
