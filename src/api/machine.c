// SPDX-License-Identifier: MIT
/*
 * machine.c - configuration, machine lifecycle, errors, fault injection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/machine.h"
#include "arch/internal.h"
#include "ptsim/pgtable.h"

int ptsim_config_init(struct ptsim_config *cfg, const char *arch_name)
{
	const struct ptsim_arch *a = ptsim_arch_lookup(arch_name);

	if (!cfg || !a)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->arch = a;
	cfg->phys_base = 0;
	cfg->phys_bytes = 4ull << 30;
	cfg->phys_limit = 0;
	cfg->ncpus = 4;
	cfg->seed = 1;
	cfg->swp_migration = true;
	cfg->swp_device_private = true;
	cfg->swp_hwpoison = true;
	cfg->swp_pte_marker = true;
	cfg->use_jemalloc = true;
	cfg->mmu_hw_af = true;
	cfg->mmu_hw_dbm = true;
	cfg->zero_page = true;
	cfg->thp_enabled = PTSIM_THP_MADVISE;
	cfg->thp_defrag = PTSIM_THP_DEFRAG_MADVISE;
	cfg->thp_use_zero_page = true;
	cfg->pt_reclaim = true;
	cfg->pt_free = PTSIM_PT_FREE_RCU;
	cfg->compat_thp_split_dirty = PTSIM_THP_SPLIT_DIRTY_CURRENT;
	cfg->compat_mkdirty_sets_write = false;
	cfg->compat_x86_pmd_modify_drops_dirty = true;
	ptsim__config_arch_defaults(cfg);
	return 0;
}

/* The reason a configuration or a creation failed, into the caller's buffer. */
int ptsim__cfg_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

bool ptsim__arch_registered(const struct ptsim_arch *a)
{
	for (unsigned int i = 0; a && ptsim_arch_at(i); i++)
		if (ptsim_arch_at(i) == a)
			return true;
	return false;
}

#define ULL(v) ((unsigned long long)(v))

/* A size knob that must be a multiple of the section size. */
static int cfg_section_multiple(const struct ptsim_config *cfg, const char *key, uint64_t v,
				char *err, size_t errlen)
{
	uint64_t sec = 1ull << cfg->arch->section_bits;

	if (!(v & (sec - 1)))
		return 0;
	return ptsim__cfg_err(
		err, errlen, -EINVAL,
		"config: %s=0x%llx is not a multiple of the section size 0x%llx (%llu MiB, "
		"SECTION_SIZE_BITS %u of %s)",
		key, ULL(v), ULL(sec), ULL(sec >> 20), cfg->arch->section_bits, cfg->arch->name);
}

/*
 * Everything ptsim_machine_create() needs of a configuration, checked before
 * anything is allocated; on failure the reason names the key, its value and
 * the rule.  *limit receives the hot-add limit (phys_limit, or its default).
 */
static int cfg_check(const struct ptsim_config *cfg, uint64_t *limit, char *err, size_t errlen)
{
	const struct ptsim_arch *a;
	uint64_t max, end;
	struct ptsim_tlb_config tc;

	if (!ptsim__arch_registered(cfg->arch))
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: arch is not a configuration of ptsim_arch_lookup() (%s)",
			cfg->arch ? "an unknown pointer" : "NULL");
	a = cfg->arch;
	if (!cfg->ncpus || cfg->ncpus > PTSIM_TLB_MAX_CPUS)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: ncpus=%u is not a CPU count of 1..%u (PTSIM_TLB_MAX_CPUS)",
			cfg->ncpus, PTSIM_TLB_MAX_CPUS);
	ptsim__tlb_config_default(&tc);
	if (!ptsim__tlb_storage_fits(a, &tc, cfg->ncpus))
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: ncpus=%u: the TLB geometry takes %llu bytes per CPU, more "
			"than PTSIM_TLB_MAX_BYTES (%llu MiB) for all CPUs",
			cfg->ncpus, ULL(ptsim__tlb_cpu_bytes(a, &tc)),
			ULL(PTSIM_TLB_MAX_BYTES >> 20));
	if (cfg->soft_dirty && !(a->caps & PTSIM_ARCH_CAP_SOFT_DIRTY))
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: soft_dirty=on: %s has no soft-dirty bit (HAVE_ARCH_SOFT_DIRTY)",
			a->name);
	if ((unsigned int)cfg->thp_enabled > PTSIM_THP_NEVER)
		return ptsim__cfg_err(err, errlen, -EINVAL,
				      "config: thp.enabled=%d is not one of always|madvise|never",
				      (int)cfg->thp_enabled);
	if ((unsigned int)cfg->thp_defrag > PTSIM_THP_DEFRAG_NEVER)
		return ptsim__cfg_err(err, errlen, -EINVAL,
				      "config: thp.defrag=%d is not one of "
				      "always|defer|defer+madvise|madvise|never",
				      (int)cfg->thp_defrag);
	if ((unsigned int)cfg->compat_thp_split_dirty > PTSIM_THP_SPLIT_DIRTY_PRE_6_1)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: compat.thp_split_dirty=%d is not one of current|pre-6.1",
			(int)cfg->compat_thp_split_dirty);
	if (!cfg->phys_bytes)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: phys=0: a machine needs memory, a multiple of the section "
			"size 0x%llx",
			ULL(1ull << a->section_bits));
	if (cfg_section_multiple(cfg, "phys_base", cfg->phys_base, err, errlen) ||
	    cfg_section_multiple(cfg, "phys", cfg->phys_bytes, err, errlen) ||
	    cfg_section_multiple(cfg, "phys_limit", cfg->phys_limit, err, errlen))
		return -EINVAL;
	max = 1ull << a->pa_bits;
	end = cfg->phys_base + cfg->phys_bytes;
	if (end < cfg->phys_base || end > max)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: phys_base=0x%llx + phys=0x%llx ends beyond the %u-bit physical "
			"address space of %s (0x%llx)",
			ULL(cfg->phys_base), ULL(cfg->phys_bytes), a->pa_bits, a->name, ULL(max));
	if (cfg->phys_limit && cfg->phys_limit < end)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: phys_limit=0x%llx is below the end of memory, phys_base + "
			"phys = 0x%llx",
			ULL(cfg->phys_limit), ULL(end));
	if (cfg->phys_limit > max)
		return ptsim__cfg_err(
			err, errlen, -EINVAL,
			"config: phys_limit=0x%llx is beyond the %u-bit physical address "
			"space of %s (0x%llx)",
			ULL(cfg->phys_limit), a->pa_bits, a->name, ULL(max));
	/* Default hot-add room: 4x the boot memory, within the arch's physical space. */
	*limit = cfg->phys_limit;
	if (!*limit) {
		*limit = cfg->phys_base + 4 * cfg->phys_bytes;
		if (*limit > max)
			*limit = max;
	}
	return 0;
}

/*
 * The TLB discipline checker's entry hook returns at once for a write that
 * makes an invalid entry valid while no CPU caches anything, or on an
 * architecture without a break-before-make rule (entry_changed(),
 * src/tlb/discipline.c): bulk fills may then skip it.
 */
static bool tlb_entry_hook_quiet(void *ctx)
{
	const struct ptsim_tlbs *t = ctx;

	return !(t->arch->caps & PTSIM_ARCH_CAP_BREAK_BEFORE_MAKE) || !t->nr_valid;
}

int ptsim_machine_create_err(const struct ptsim_config *cfg, struct ptsim_machine **out, char *err,
			     size_t errlen)
{
	struct ptsim_machine *m;
	uint64_t limit = 0;
	bool injected;
	int ret;

	if (!cfg || !out)
		return ptsim__cfg_err(err, errlen, -EINVAL, "machine_create: NULL %s",
				      !cfg ? "configuration" : "out");
	ret = cfg_check(cfg, &limit, err, errlen);
	if (ret)
		return ret;
	/* fault.create_nth: points 1 and 2 stand for the object and its arena. */
	m = cfg->fault_create_nth == 1 ? NULL : calloc(1, sizeof(*m));
	if (!m)
		return ptsim__cfg_err(err, errlen, -ENOMEM, "machine_create: out of host memory%s",
				      cfg->fault_create_nth == 1 ? " (injected: fault.create_nth=1)"
								 : "");
	m->cfg = *cfg;
	m->arch_local = *cfg->arch;
	m->arch = &m->arch_local;
	if (cfg->kernel_mm)
		ptsim__kernel_va_range(&m->arch_local);
	ptsim__machine_knobs_changed(m);
	ret = cfg->fault_create_nth == 2 ? -ENOMEM : ptsim__host_init(&m->host, cfg->use_jemalloc);
	if (ret) {
		free(m);
		return ptsim__cfg_err(err, errlen, ret, "machine_create: no host arena%s",
				      cfg->fault_create_nth == 2 ? " (injected: fault.create_nth=2)"
								 : "");
	}
	m->host.bytes_limit = cfg->host_limit;
	m->host.rng ^= cfg->seed;
	if (cfg->fault_create_nth > 2)
		m->host.fail_nth = cfg->fault_create_nth - 2;
	ret = ptsim__mem_init(&m->mem, &m->host, m->arch, cfg->phys_base, cfg->phys_bytes, limit);
	if (ret)
		goto err_host;
	ptsim__ptalloc_init(&m->ptalloc, &m->mem, &m->host, m->arch);
	m->ptalloc.rcu_table_free = cfg->pt_free == PTSIM_PT_FREE_RCU;
	ret = ptsim__tlbs_init(&m->tlbs, &m->host, m->arch, &m->mem, &m->ptalloc, cfg->ncpus);
	if (ret)
		goto err_mem;
	/* The TLB discipline checker sees every frame freed and every entry written. */
	m->mem.free_hook = ptsim__tlb_free_hook;
	m->mem.free_hook_ctx = &m->tlbs;
	m->ptalloc.entry_hook = ptsim__tlb_entry_hook;
	m->ptalloc.entry_hook_quiet = tlb_entry_hook_quiet;
	m->ptalloc.entry_hook_ctx = &m->tlbs;
	m->next_asid = 1;
	ptsim__ptref_switch(m); /* no table yet: only the flag */
	if (cfg->kernel_mm) {
		ret = ptsim__kernel_mm_init(&m->kmm, &m->ptalloc, &m->tlbs, cfg->phys_base);
		if (ret)
			goto err_kmm;
	}
	/* Creation is over: an armed point beyond it never fires. */
	m->host.fail_nth = 0;
	m->host.fault_calls = 0;
	*out = m;
	return 0;

err_kmm:
	ptsim__kernel_mm_fini(&m->kmm);
	ptsim__tlbs_fini(&m->tlbs);
err_mem:
	ptsim__ptalloc_fini(&m->ptalloc);
	ptsim__mem_fini(&m->mem);
err_host:
	injected = m->host.nr_injected != 0;
	ptsim__host_fini(&m->host);
	free(m);
	if (ret == -ENOMEM)
		return ptsim__cfg_err(err, errlen, ret,
				      "machine_create: out of host memory (the section table of "
				      "phys_limit 0x%llx, the zero page, the CPUs)%s",
				      ULL(limit), injected ? " (injected: fault.create_nth)" : "");
	return ptsim__cfg_err(err, errlen, ret, "machine_create: %s", ptsim_strerror(ret));
}

int ptsim_machine_create(const struct ptsim_config *cfg, struct ptsim_machine **out)
{
	return ptsim_machine_create_err(cfg, out, NULL, 0);
}

/*
 * Derived state that follows the knobs: the machine's architecture copy
 * (capabilities that configuration switches turn off or on, and the swap
 * type numbering) and the mm layer's MMU switches.  Called at creation and
 * after ptsim_knob_set().
 */
void ptsim__machine_knobs_changed(struct ptsim_machine *m)
{
	struct ptsim_arch *a = &m->arch_local;

	m->ptalloc.rcu_table_free = m->cfg.pt_free == PTSIM_PT_FREE_RCU;
	a->caps = m->cfg.arch->caps;
	if (!m->cfg.soft_dirty)
		a->caps &= ~(unsigned int)PTSIM_ARCH_CAP_SOFT_DIRTY;
	if (m->cfg.compat_mkdirty_sets_write)
		a->caps |= PTSIM_ARCH_CAP_MKDIRTY_SETS_WRITE;
	if (!m->cfg.compat_x86_pmd_modify_drops_dirty)
		a->caps &= ~(unsigned int)PTSIM_ARCH_CAP_PMD_MODIFY_DROPS_DIRTY;
	/*
	 * The numbering of swap.h (MAX_SWAPFILES and the special codes above
	 * it) is a kernel build-time fact: the swp.* knobs are fixed at
	 * creation, so this computes it once for the machine's life.  A later
	 * call (a runtime knob changed) rebuilds the identical table, so the
	 * copy never goes stale whatever this function is called for.
	 */
	ptsim__swp_codes_init(a, &m->cfg);
	m->mmctx.mmu.hw_af = m->cfg.mmu_hw_af;
	m->mmctx.mmu.hw_dbm = m->cfg.mmu_hw_dbm;
	m->host.bytes_limit = m->cfg.host_limit;
	ptsim__ptref_switch(m);
}

void ptsim_machine_destroy(struct ptsim_machine *m)
{
	if (!m)
		return;
	while (m->mms)
		ptsim_mm_destroy(m->mms);
	ptsim__lockless_end_all(m);
	m->mem.free_hook = NULL;
	m->ptalloc.entry_hook = NULL;
	m->ptalloc.entry_hook_quiet = NULL;
	ptsim__kernel_mm_fini(&m->kmm);
	ptsim__tlbs_fini(&m->tlbs);
	ptsim__ptalloc_fini(&m->ptalloc);
	ptsim__mem_fini(&m->mem);
	ptsim__host_fini(&m->host);
	free(m);
}

const struct ptsim_arch *ptsim_machine_arch(const struct ptsim_machine *m)
{
	return m ? m->arch : NULL;
}

const struct ptsim_config *ptsim_machine_config(const struct ptsim_machine *m)
{
	return m ? &m->cfg : NULL;
}

const char *ptsim_errmsg(const struct ptsim_machine *m)
{
	return m ? m->host.errmsg : "no machine";
}

const char *ptsim_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "EINVAL: invalid argument";
	case -ENOMEM:
		return "ENOMEM: out of memory";
	case -EEXIST:
		return "EEXIST: already mapped";
	case -EBUSY:
		return "EBUSY: busy (in use or covered by another mapping)";
	case -ENOENT:
		return "ENOENT: not mapped";
	case -EFAULT:
		return "EFAULT: entry not present";
	case -ERANGE:
		return "ERANGE: out of range";
	case -ENXIO:
		return "ENXIO: no such frame";
	case -EIO:
		return "EIO: output error";
	case -ELOOP:
		return "ELOOP: the fault handler made no progress (retry limit)";
	case -EAGAIN:
		return "EAGAIN: try again (nothing pending)";
	case -EUCLEAN:
		return "EUCLEAN: structure needs cleaning (invariant broken)";
	default:
		return "unknown error";
	}
}

void ptsim_fault_inject(struct ptsim_machine *m, uint64_t nth, bool repeat)
{
	if (!m)
		return;
	m->host.fail_nth = nth;
	m->host.fail_repeat = repeat;
	m->host.fault_calls = 0;
}

void ptsim_fault_inject_prob(struct ptsim_machine *m, uint32_t ppm, uint64_t seed)
{
	if (!m)
		return;
	if (ppm > 1000000) {
		(void)ptsim__seterr(&m->host, -EINVAL,
				    "fault_inject_prob: %u parts per million is more than 1000000 "
				    "(nothing changed)",
				    ppm);
		return;
	}
	m->host.fail_ppm = ppm;
	/* Seed 0 means "the machine's seed" (cfg.seed). */
	if (!seed)
		seed = m->cfg.seed;
	m->host.rng = seed ? seed * 0x9e3779b97f4a7c15ull : 0x9e3779b97f4a7c15ull;
}

uint64_t ptsim_fault_injected(const struct ptsim_machine *m)
{
	return m ? m->host.nr_injected : 0;
}

uint64_t ptsim_alloc_points(const struct ptsim_machine *m)
{
	return m ? m->host.alloc_points : 0;
}

void ptsim_host_stats(const struct ptsim_machine *m, struct ptsim_host_stats *out)
{
	if (!out) {
		if (m)
			(void)ptsim__seterr(ptsim__mhost(m), -EINVAL, "host_stats: NULL out");
		return;
	}
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	out->bytes_live = m->host.bytes_live;
	out->bytes_peak = m->host.bytes_peak;
	out->nr_live = m->host.nr_live;
	out->jemalloc = m->host.use_jemalloc;
}
