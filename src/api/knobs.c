// SPDX-License-Identifier: MIT
/*
 * knobs.c - the knob registry: every setting of a machine in one table.
 *
 * Each row names a struct ptsim_config member, its type, its allowed values
 * and default (as text, for people), a one-line doc, and whether it may
 * change on a live machine.  ptsim_config_set() and ptsim_config_get() parse
 * and print through the table; ptsim_knob_set()/_get() do the same on a
 * machine's own copy of the configuration; `ptsim knobs --markdown` prints
 * the table that docs/knobs.md holds (a test compares the two).
 *
 * Enumerations list their names in `values` ("always|madvise|never"); the
 * n-th name is the enum value n, so the text and the enum cannot disagree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/machine.h"

enum knob_type { K_ARCH, K_SIZE, K_U64, K_UINT, K_BOOL, K_ENUM };

struct knob {
	struct ptsim_knob_info info; /* first: ptsim_knob_at() hands out its address */
	enum knob_type type;
	size_t off; /* of the member in struct ptsim_config */
	uint64_t min, max;
};

#define OFF(f)	    offsetof(struct ptsim_config, f)
#define SIZE_VALUES "bytes: decimal or 0x hex, K/M/G/T suffix"

#define KNOB(name, t, tname, field, def, values, runtime, doc)                                     \
	{                                                                                          \
		{name, tname, def, values, #field, doc, runtime}, t, OFF(field), 0, UINT64_MAX     \
	}

static const struct knob knobs[] = {
	KNOB("arch", K_ARCH, "arch", arch, "(ptsim_config_init())",
	     "a configuration name (ptsim list)", false,
	     "architecture configuration; resets the arch-dependent defaults (soft_dirty, "
	     "swp.migration_ad)"),
	KNOB("phys", K_SIZE, "size", phys_bytes, "4G", SIZE_VALUES, false,
	     "memory present at creation, from phys_base"),
	KNOB("phys_base", K_SIZE, "size", phys_base, "0", SIZE_VALUES, false,
	     "physical address where memory starts"),
	KNOB("phys_limit", K_SIZE, "size", phys_limit, "0", SIZE_VALUES, false,
	     "highest physical address + 1 that hot-add may use (0: phys_base + 4 x phys)"),
	{{"ncpus", "number", "4", "1..4096", "ncpus", "CPUs, each with its TLBs and walk caches",
	  false},
	 K_UINT,
	 OFF(ncpus),
	 1,
	 4096},
	KNOB("seed", K_U64, "number", seed, "1", "0..2^64-1 (decimal or 0x hex)", false,
	     "seed of every random choice (probabilistic fault injection)"),
	KNOB("jemalloc", K_BOOL, "bool", use_jemalloc, "on", "on|off", false,
	     "a jemalloc arena per machine when the library has jemalloc"),
	KNOB("fault.create_nth", K_U64, "number", fault_create_nth, "0", "0..2^64-1", false,
	     "fail the N-th host allocation of machine creation (1: the machine, 2: its arena, "
	     "3 and above: the model's); 0: off"),
	KNOB("host.limit", K_SIZE, "size", host_limit, "0", SIZE_VALUES, true,
	     "host bytes the machine may hold (0: no limit); beyond it allocations fail like a "
	     "real out-of-memory (ulimit -v)"),
	KNOB("swp.migration", K_BOOL, "bool", swp_migration, "on", "on|off", false,
	     "the kernel has the migration swap types (CONFIG_MIGRATION)"),
	KNOB("swp.device", K_BOOL, "bool", swp_device_private, "on", "on|off", false,
	     "device-private and device-exclusive swap types (CONFIG_DEVICE_PRIVATE)"),
	KNOB("swp.hwpoison", K_BOOL, "bool", swp_hwpoison, "on", "on|off", false,
	     "the hwpoison swap type (CONFIG_MEMORY_FAILURE)"),
	KNOB("swp.marker", K_BOOL, "bool", swp_pte_marker, "on", "on|off", false,
	     "the PTE-marker swap type (CONFIG_PTE_MARKER)"),
	KNOB("swp.migration_ad", K_BOOL, "bool", swp_migration_ad, "off (x86), on (arm64)",
	     "on|off", false,
	     "migration entries carry young/dirty (swap_migration_ad_supported())"),
	KNOB("mmu.hw_af", K_BOOL, "bool", mmu_hw_af, "on", "on|off", true,
	     "arm64 hardware access flag (FEAT_HAFDBS); off: AF == 0 faults; ignored on x86"),
	KNOB("mmu.hw_dbm", K_BOOL, "bool", mmu_hw_dbm, "on", "on|off", true,
	     "arm64 hardware dirty-bit management; off: a write to a clean entry faults; "
	     "ignored on x86"),
	KNOB("soft_dirty", K_BOOL, "bool", soft_dirty, "on (x86), off (arm64)", "on|off", false,
	     "CONFIG_MEM_SOFT_DIRTY: soft-dirty PTE bits, VM_SOFTDIRTY, pagemap bit 55 (x86 only)"),
	KNOB("zero_page", K_BOOL, "bool", zero_page, "on", "on|off", true,
	     "read faults on anonymous memory map the shared zero page; off: they allocate"),
	KNOB("thp.enabled", K_ENUM, "enum", thp_enabled, "madvise", "always|madvise|never", true,
	     "transparent_hugepage/enabled: where anonymous faults may map a PMD-sized folio"),
	KNOB("thp.defrag", K_ENUM, "enum", thp_defrag, "madvise",
	     "always|defer|defer+madvise|madvise|never", true,
	     "transparent_hugepage/defrag: accepted; the model has no reclaim or compaction to "
	     "stall in, so it changes no outcome"),
	KNOB("thp.use_zero_page", K_BOOL, "bool", thp_use_zero_page, "on", "on|off", true,
	     "transparent_hugepage/use_zero_page: read faults in THP ranges map the huge zero "
	     "page"),
	KNOB("pt_reclaim", K_BOOL, "bool", pt_reclaim, "on", "on|off", true,
	     "CONFIG_PT_RECLAIM: MADV_DONTNEED frees a PTE table its zap covers whole and leaves "
	     "empty (v6.14+); off: tables stay, as in older kernels"),
	KNOB("pt_free", K_ENUM, "enum", pt_free, "rcu", "rcu|immediate", true,
	     "page-table pages an mmu_gather frees: after an RCU grace period "
	     "(MMU_GATHER_RCU_TABLE_FREE: once no lockless walker is left), or at its flush"),
	KNOB("compat.thp_split_dirty", K_ENUM, "enum", compat_thp_split_dirty, "current",
	     "current|pre-6.1", true,
	     "pre-6.1: split_huge_pmd leaves the PTEs clean, only the folio keeps PG_dirty "
	     "(before 0ccf7f168e17)"),
	KNOB("compat.mkdirty_sets_write", K_BOOL, "bool", compat_mkdirty_sets_write, "off",
	     "on|off", true,
	     "pte_mkdirty() also sets the hardware write bit (the sparc64 regression of 6.1)"),
	KNOB("compat.x86_pmd_modify_drops_dirty", K_BOOL, "bool", compat_x86_pmd_modify_drops_dirty,
	     "on", "on|off", true,
	     "x86 pmd_modify() drops a huge PMD's dirty bit, as v6.6-v6.16 did; off: kept "
	     "(f7491d7c81db)"),
	KNOB("compat.uffd_fork_skip_shmem", K_BOOL, "bool", compat_uffd_fork_skip_shmem, "off",
	     "on|off", true,
	     "fork() skips shared VMAs without anon_vma even when the child is uffd-wp: the child "
	     "loses shmem uffd-wp bits and markers (before c56d1b62cce8)"),
	KNOB("compat.uffd_wp_2018", K_BOOL, "bool", compat_uffd_wp_2018, "off", "on|off", true,
	     "uffd write-protect as posted in 2018: no uffd-wp bit, any read-only PTE of a WP VMA "
	     "traps, unprotect makes only dirty PTEs writable (the fault loop of the THP-split "
	     "thread)"),
	KNOB("pt_reclaim.rfc", K_BOOL, "bool", pt_reclaim_rfc, "off", "on|off", true,
	     "experimental: the 2022 RFC, never merged - per-PTE-table mapped/zero-page counters, "
	     "reclaimable bytes per mm, a ranking and reclaim of empty and zero-page PTE tables "
	     "(ptsim/ptref.h); switching it on recounts every PTE table"),
	KNOB("kernel_mm", K_BOOL, "bool", kernel_mm, "off", "on|off", false,
	     "build the kernel address space (init_mm): the linear map and the vmemmap of present "
	     "memory (ptsim/kernel.h)"),
	KNOB("hotremove.order", K_ENUM, "enum", hotremove_order, "arm64", "arm64|x86|v5", true,
	     "memory hot-remove teardown: arm64 (merged: clear, flush, free; floor/ceiling), x86 "
	     "(remove_pagetable: free before clear, one flush at the end), v5 (the 2019 draft: "
	     "free "
	     "before clear, no TLB flush for blocks)"),
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

const struct ptsim_knob_info *ptsim_knob_at(unsigned int i)
{
	return i < NR_KNOBS ? &knobs[i].info : NULL;
}

static const struct knob *knob_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < NR_KNOBS; i++)
		if (!strcmp(knobs[i].info.name, name))
			return &knobs[i];
	return NULL;
}

const struct ptsim_knob_info *ptsim_knob_lookup(const char *name)
{
	const struct knob *k = knob_find(name);

	return k ? &k->info : NULL;
}

/* --- parsing --------------------------------------------------------------------- */

int ptsim_parse_size(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int shift = 0, base = 10, digits = 0;

	if (!s || !out)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (!digits)
		return -EINVAL;
	switch (*s) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	default:
		break;
	}
	if (shift)
		s++;
	if (end)
		*end = s;
	else if (*s)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "off") || !strcmp(s, "no")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* The index of @s among the '|'-separated names of @values, or -1. */
static int enum_index(const char *values, const char *s)
{
	size_t n = strlen(s);
	int i = 0;

	for (const char *p = values;; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && !strncmp(p, s, n))
			return i;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* The @i-th name of @values into @buf. */
static void enum_name(const char *values, int i, char *buf, size_t len)
{
	const char *p = values;

	for (; i > 0 && p; i--) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
}

/* Defaults that follow the architecture (ptsim_config_init(), and the arch knob). */
void ptsim__config_arch_defaults(struct ptsim_config *c)
{
	/*
	 * Migration entries carry A/D only if the swap offset holds
	 * SWP_PFN_BITS + 2 bits: arm64's 50-bit offset always does; x86's
	 * usable offset is capped by L1TF on common CPUs.
	 */
	c->swp_migration_ad = c->arch->caps & PTSIM_ARCH_CAP_MIGRATION_AD;
	/* CONFIG_MEM_SOFT_DIRTY needs HAVE_ARCH_SOFT_DIRTY, which arm64 lacks. */
	c->soft_dirty = c->arch->caps & PTSIM_ARCH_CAP_SOFT_DIRTY;
}

/* Set knob @k of @c from @val; @c is unchanged on error. */
static int knob_parse(const struct knob *k, struct ptsim_config *c, const char *val, char *err,
		      size_t errlen)
{
	char *field = (char *)c + k->off;
	uint64_t v;
	bool b;
	int i;

	switch (k->type) {
	case K_ARCH: {
		const struct ptsim_arch *a = ptsim_arch_lookup(val);
		char names[256] = "";
		size_t n = 0;

		if (!a) {
			for (unsigned int j = 0; ptsim_arch_at(j) && n < sizeof(names); j++)
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
						      j ? ", " : "", ptsim_arch_at(j)->name);
			return ptsim__cfg_err(
				err, errlen, -EINVAL,
				"config: unknown configuration \"%s\" for \"arch\" (one of: "
				"%s)",
				val, names);
		}
		c->arch = a;
		ptsim__config_arch_defaults(c);
		return 0;
	}
	case K_SIZE:
	case K_U64:
		if (ptsim_parse_size(val, NULL, &v))
			break;
		memcpy(field, &v, sizeof(v));
		return 0;
	case K_UINT: {
		unsigned int u;

		if (ptsim_parse_size(val, NULL, &v) || v < k->min || v > k->max)
			break;
		u = (unsigned int)v;
		memcpy(field, &u, sizeof(u));
		return 0;
	}
	case K_BOOL:
		if (parse_bool(val, &b))
			break;
		if (b && k->off == OFF(soft_dirty) && !(c->arch->caps & PTSIM_ARCH_CAP_SOFT_DIRTY))
			return ptsim__cfg_err(err, errlen, -EINVAL,
					      "config: soft_dirty=on: %s has no soft-dirty bit "
					      "(HAVE_ARCH_SOFT_DIRTY)",
					      c->arch->name);
		memcpy(field, &b, sizeof(b));
		return 0;
	case K_ENUM:
		i = enum_index(k->info.values, val);
		if (i < 0)
			break;
		memcpy(field, &i, sizeof(i));
		return 0;
	}
	return ptsim__cfg_err(err, errlen, -EINVAL,
			      "config: bad value \"%s\" for \"%s\" (allowed: %s)", val,
			      k->info.name, k->info.values);
}

static void knob_format(const struct knob *k, const struct ptsim_config *c, char *buf, size_t len)
{
	const char *field = (const char *)c + k->off;
	uint64_t v;
	unsigned int u;
	bool b;
	int i;

	switch (k->type) {
	case K_ARCH:
		snprintf(buf, len, "%s", c->arch ? c->arch->name : "?");
		return;
	case K_SIZE:
		memcpy(&v, field, sizeof(v));
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
		return;
	case K_U64:
		memcpy(&v, field, sizeof(v));
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	case K_UINT:
		memcpy(&u, field, sizeof(u));
		snprintf(buf, len, "%u", u);
		return;
	case K_BOOL:
		memcpy(&b, field, sizeof(b));
		snprintf(buf, len, "%s", b ? "on" : "off");
		return;
	case K_ENUM:
		memcpy(&i, field, sizeof(i));
		enum_name(k->info.values, i, buf, len);
		return;
	}
}

/*
 * Apply the pairs of @opts whose key is (@arch_pass) or is not (!@arch_pass)
 * "arch".  The arch key goes first whatever its position, since it resets the
 * arch-dependent defaults that later keys may override.
 */
static int config_apply(struct ptsim_config *tmp, const char *opts, bool arch_pass, char *err,
			size_t errlen)
{
	const char *p = opts;

	while (*p) {
		char key[64], val[128];
		const char *comma = strchr(p, ',');
		const char *eq;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const struct knob *k;

		eq = memchr(p, '=', n);
		if (!eq || (size_t)(eq - p) >= sizeof(key) ||
		    n - (size_t)(eq - p) - 1 >= sizeof(val))
			return ptsim__cfg_err(err, errlen, -EINVAL,
					      "config: expected key=value at \"%.*s\"", (int)n, p);
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = 0;
		memcpy(val, eq + 1, n - (size_t)(eq - p) - 1);
		val[n - (size_t)(eq - p) - 1] = 0;
		if (!strcmp(key, "arch") == arch_pass) {
			int ret;

			k = knob_find(key);
			if (!k)
				return ptsim__cfg_err(
					err, errlen, -EINVAL,
					"config: unknown key \"%s\" (ptsim knobs lists them)", key);
			ret = knob_parse(k, tmp, val, err, errlen);
			if (ret)
				return ret;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int ptsim_config_set(struct ptsim_config *cfg, const char *opts, char *err, size_t errlen)
{
	struct ptsim_config tmp;
	int ret;

	if (!cfg || !opts)
		return ptsim__cfg_err(err, errlen, -EINVAL, "config: NULL %s",
				      !cfg ? "configuration" : "options");
	if (!ptsim__arch_registered(cfg->arch))
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: the configuration's arch is not one of ptsim_arch_lookup() "
			"(fill it with ptsim_config_init() first)");
	tmp = *cfg;
	ret = config_apply(&tmp, opts, true, err, errlen);
	if (!ret)
		ret = config_apply(&tmp, opts, false, err, errlen);
	if (!ret)
		*cfg = tmp;
	return ret;
}

int ptsim_config_get(const struct ptsim_config *cfg, const char *name, char *buf, size_t len)
{
	const struct knob *k = knob_find(name);

	if (!cfg || !k || !buf || !len || !ptsim__arch_registered(cfg->arch))
		return -EINVAL;
	knob_format(k, cfg, buf, len);
	return 0;
}

/* --- on a live machine ---------------------------------------------------------------- */

int ptsim_knob_set(struct ptsim_machine *m, const char *name, const char *value)
{
	const struct knob *k;
	struct ptsim_config tmp;
	char msg[PTSIM_ERRMSG_LEN];
	int err;

	if (!m)
		return -EINVAL;
	if (!name || !value)
		return ptsim__seterr(&m->host, -EINVAL, "knob: NULL name or value");
	k = knob_find(name);
	if (!k)
		return ptsim__seterr(&m->host, -EINVAL,
				     "knob: unknown knob \"%s\" (ptsim knobs lists them)", name);
	if (!k->info.runtime)
		return ptsim__seterr(&m->host, -EBUSY,
				     "knob: %s is fixed at machine creation (ptsim_config_set())",
				     name);
	tmp = m->cfg;
	err = knob_parse(k, &tmp, value, msg, sizeof(msg));
	if (err)
		return ptsim__seterr(&m->host, err, "knob: %s", msg + strlen("config: "));
	m->cfg = tmp;
	ptsim__machine_knobs_changed(m);
	return 0;
}

int ptsim_knob_get(const struct ptsim_machine *m, const char *name, char *buf, size_t len)
{
	if (!m)
		return -EINVAL;
	if (!name || !buf || !len)
		return ptsim__seterr(ptsim__mhost(m), -EINVAL, "knob: NULL name or buffer");
	if (!knob_find(name))
		return ptsim__seterr(ptsim__mhost(m), -EINVAL,
				     "knob: unknown knob \"%s\" (ptsim knobs lists them)", name);
	return ptsim_config_get(&m->cfg, name, buf, len);
}
