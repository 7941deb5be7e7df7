// SPDX-License-Identifier: MIT
/*
 * ptsim - the libptsim command.
 *
 *   ptsim demo [CONFIG]   a short guided tour: map, translate, dump, unmap, check
 *   ptsim info CONFIG     geometry of an architecture configuration
 *   ptsim list            the configuration names
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim/ptsim.h"

static int usage(void)
{
	fprintf(stderr, "usage: ptsim demo [CONFIG] | ptsim info CONFIG | ptsim list\n");
	return 2;
}

static void say(const char *text)
{
	printf("\n== %s\n", text);
}

static int die(struct ptsim_machine *m, const char *what, long err)
{
	fprintf(stderr, "ptsim: %s: %s (%s)\n", what, ptsim_strerror((int)err), ptsim_errmsg(m));
	ptsim_machine_destroy(m);
	return 1;
}

static void show_translation(struct ptsim_mm *mm, uint64_t va)
{
	const struct ptsim_arch *a = ptsim_machine_arch(ptsim_mm_machine(mm));
	struct ptsim_translation t;
	int err = ptsim_translate(mm, va, &t);

	if (err)
		printf("   translate 0x%llx: %s at %s level (entry 0x%016llx)\n",
		       (unsigned long long)va, ptsim_strerror(err),
		       ptsim_arch_level_name(a, t.level), (unsigned long long)t.entry);
	else
		printf("   translate 0x%llx -> pa 0x%llx: %s entry 0x%016llx maps %llu KiB, "
		       "%s%s%s\n",
		       (unsigned long long)va, (unsigned long long)t.pa,
		       ptsim_arch_level_name(a, t.level), (unsigned long long)t.entry,
		       (unsigned long long)(t.page_size >> 10),
		       t.attrs.write ? "writable" : "read-only", t.attrs.dirty ? ", dirty" : "",
		       t.attrs.exec ? ", executable" : "");
}

static int demo(const char *config)
{
	struct ptsim_config cfg;
	struct ptsim_machine *m = NULL;
	struct ptsim_mm *mm;
	struct ptsim_check_report r;
	const struct ptsim_arch *a;
	uint64_t rw, ro, pfn, huge, psz, pmd_size, base = 0x40000000;
	unsigned int huge_order = 0;
	long ret;

	if (ptsim_config_init(&cfg, config)) {
		fprintf(stderr, "ptsim: unknown configuration \"%s\" (try: ptsim list)\n", config);
		return 2;
	}
	ret = ptsim_machine_create(&cfg, &m);
	if (ret)
		return die(NULL, "machine_create", ret);
	a = ptsim_machine_arch(m);
	psz = 1ull << ptsim_arch_page_shift(a);
	pmd_size = ptsim_arch_level_size(a, PTSIM_PMD);
	rw = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
	ro = ptsim_pgprot(a, PTSIM_PROT_READ, 0);

	printf("libptsim demo on %s: %u-bit virtual addresses, %llu KiB pages, %u levels of "
	       "tables\n",
	       ptsim_arch_name(a), ptsim_arch_va_bits(a), (unsigned long long)(psz >> 10),
	       ptsim_arch_nr_levels(a));

	say("A new address space has only its top-level table; ptdump shows one big hole.");
	ret = ptsim_mm_create(m, &mm);
	if (ret)
		return die(m, "mm_create", ret);
	ptsim_ptdump(mm, 0, 0, stdout);
	printf("   VmPTE = %llu bytes (the top level is not counted)\n",
	       (unsigned long long)ptsim_mm_pgtables_bytes(mm));

	say("Map four base pages read-write and one read-only: the walk allocates the "
	    "intermediate tables on demand.");
	ret = ptsim_alloc_pages(m, 2, &pfn);
	if (ret)
		return die(m, "alloc_pages", ret);
	ret = ptsim_map(mm, base, 4 * psz, pfn, psz, rw, 0);
	if (!ret)
		ret = ptsim_map(mm, base + 8 * psz, psz, pfn, psz, ro, 0);
	if (ret)
		return die(m, "map", ret);
	ptsim_ptdump(mm, 0, 0, stdout);
	printf("   VmPTE = %llu bytes\n", (unsigned long long)ptsim_mm_pgtables_bytes(mm));
	show_translation(mm, base + psz + 0x123);
	show_translation(mm, base + 8 * psz);
	show_translation(mm, base + 5 * psz);

	say("Map one PMD-sized huge leaf (a compound folio): a single entry one level up maps "
	    "it all.");
	while ((psz << huge_order) < pmd_size)
		huge_order++;
	ret = ptsim_folio_alloc(m, huge_order, &huge);
	if (ret)
		return die(m, "folio_alloc", ret);
	ret = ptsim_map(mm, base + 4 * pmd_size, pmd_size, huge, pmd_size, rw, 0);
	if (ret)
		return die(m, "map huge", ret);
	ptsim_ptdump(mm, base, base + 8 * pmd_size, stdout);
	show_translation(mm, base + 4 * pmd_size + 3 * psz);

	say("Unmap everything and free the tables left empty: VmPTE drops back.");
	ret = ptsim_unmap(mm, base, 8 * pmd_size, PTSIM_UNMAP_FREE_TABLES);
	if (ret < 0)
		return die(m, "unmap", ret);
	printf("   cleared %ld leaf entries; VmPTE = %llu bytes\n", ret,
	       (unsigned long long)ptsim_mm_pgtables_bytes(mm));
	ret = ptsim_free_pages(m, pfn, 2);
	if (!ret)
		ret = ptsim_folio_put(m, huge);
	if (ret)
		return die(m, "free_pages", ret);

	say("The checker recomputes every counter and reference from the tables and frames.");
	ret = ptsim_check(m, &r);
	ptsim_check_report_print(&r, stdout);
	ptsim_machine_destroy(m);
	return ret == 0 ? 0 : 1;
}

static int info(const char *config)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(config);
	uint64_t sizes[8];
	unsigned int n;

	if (!a) {
		fprintf(stderr, "ptsim: unknown configuration \"%s\" (try: ptsim list)\n", config);
		return 2;
	}
	printf("%s: page %u KiB, VA bits %u, PA bits %u, %u real levels, section %u MiB, "
	       "MAX_PAGE_ORDER %u\n",
	       ptsim_arch_name(a), 1u << (ptsim_arch_page_shift(a) - 10), ptsim_arch_va_bits(a),
	       ptsim_arch_pa_bits(a), ptsim_arch_nr_levels(a),
	       1u << (ptsim_arch_section_bits(a) - 20), ptsim_arch_max_order(a));
	printf("level  shift  entries  maps                leaf  cont\n");
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		enum ptsim_level lvl = (enum ptsim_level)l;

		printf("%-5s  %5u  %7u  0x%-17llx %-4s  %u%s\n", ptsim_arch_level_name(a, lvl),
		       ptsim_arch_level_shift(a, lvl), ptsim_arch_ptrs_per(a, lvl),
		       (unsigned long long)ptsim_arch_level_size(a, lvl),
		       ptsim_arch_leaf_ok(a, lvl) ? "yes" : "no", ptsim_arch_cont_nr(a, lvl),
		       ptsim_arch_level_folded(a, lvl) ? "  (folded)" : "");
	}
	n = ptsim_arch_hugetlb_sizes(a, sizes, 8);
	printf("hugetlb sizes:");
	for (unsigned int i = 0; i < n; i++)
		printf(" %llu KiB", (unsigned long long)(sizes[i] >> 10));
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "demo"))
		return demo(argc > 2 ? argv[2] : "x86_64-4l");
	if (!strcmp(argv[1], "info") && argc == 3)
		return info(argv[2]);
	if (!strcmp(argv[1], "list")) {
		for (unsigned int i = 0; ptsim_arch_at(i); i++)
			printf("%s\n", ptsim_arch_name(ptsim_arch_at(i)));
		return 0;
	}
	return usage();
}
