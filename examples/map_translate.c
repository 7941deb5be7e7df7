// SPDX-License-Identifier: MIT
/*
 * map_translate.c - the smallest libptsim program: map a 2 MiB huge page and
 * one 4 KiB page on x86-64, translate an address, print the page tables.
 * Built against the *installed* package by the install_example test.
 */
#include <stdio.h>

#include <ptsim/ptsim.h>

int main(void)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	struct ptsim_translation t;
	const struct ptsim_arch *a;
	uint64_t prot;
	int err;

	/*
	 * Until 1.0 each minor release may change the ABI under the same SONAME:
	 * refuse a library of another minor release than these headers.
	 */
	if (ptsim_version_number() / 100 != PTSIM_VERSION_NUMBER / 100) {
		fprintf(stderr, "built with libptsim %s, running with %s\n", PTSIM_VERSION_STRING,
			ptsim_version());
		return 1;
	}
	if (ptsim_config_init(&cfg, "x86_64-4l") || ptsim_machine_create(&cfg, &m))
		return 1;
	a = ptsim_machine_arch(m);
	prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	err = ptsim_mm_create(m, &mm);
	if (!err)
		err = ptsim_map(mm, 0x200000, 0x200000, 0x400, 0x200000, prot, 0);
	if (!err)
		err = ptsim_map(mm, 0x400000, 0x1000, 0x1234, 0x1000, prot, 0);
	if (!err)
		err = ptsim_translate(mm, 0x201234, &t);
	if (err) {
		fprintf(stderr, "error: %s (%s)\n", ptsim_strerror(err), ptsim_errmsg(m));
		ptsim_machine_destroy(m);
		return 1;
	}
	printf("va 0x201234 -> pa 0x%llx via a %s entry 0x%016llx\n", (unsigned long long)t.pa,
	       ptsim_arch_level_name(a, t.level), (unsigned long long)t.entry);
	if (ptsim_ptdump(mm, 0, 0x800000, stdout) < 0)
		err = 1;
	ptsim_machine_destroy(m);
	return err ? 1 : 0;
}
