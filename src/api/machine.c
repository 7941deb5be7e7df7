// SPDX-License-Identifier: MIT
/*
 * machine.c - configuration, machine lifecycle, errors, fault injection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/machine.h"
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
	/*
	 * encodings.md erratum 7: migration entries carry A/D only if the swap
	 * offset holds SWP_PFN_BITS + 2 bits.  arm64's 50-bit offset always
	 * does; x86's usable offset is capped by L1TF on common CPUs.
	 */
	cfg->swp_migration_ad = a->kind == PTSIM_ARCH_ARM64;
	cfg->use_jemalloc = true;
	cfg->mmu_hw_af = true;
	cfg->mmu_hw_dbm = true;
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	unsigned int shift = 0;

	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		end++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		end++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		end++;
		break;
	case 'T':
	case 't':
		shift = 40;
		end++;
		break;
	default:
		break;
	}
	if (*end || (shift && v > (~0ull >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
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

static int config_set_one(struct ptsim_config *c, const char *key, const char *val)
{
	uint64_t v;

	if (!strcmp(key, "arch")) {
		const struct ptsim_arch *a = ptsim_arch_lookup(val);

		if (!a)
			return -EINVAL;
		c->arch = a;
		c->swp_migration_ad = a->kind == PTSIM_ARCH_ARM64;
		return 0;
	}
	if (!strcmp(key, "phys"))
		return parse_size(val, &c->phys_bytes);
	if (!strcmp(key, "phys_base"))
		return parse_size(val, &c->phys_base);
	if (!strcmp(key, "phys_limit"))
		return parse_size(val, &c->phys_limit);
	if (!strcmp(key, "ncpus") || !strcmp(key, "seed")) {
		if (parse_size(val, &v))
			return -EINVAL;
		if (key[0] == 'n') {
			if (v == 0 || v > 4096)
				return -EINVAL;
			c->ncpus = (unsigned int)v;
		} else {
			c->seed = v;
		}
		return 0;
	}
	if (!strcmp(key, "jemalloc"))
		return parse_bool(val, &c->use_jemalloc);
	if (!strcmp(key, "swp.migration"))
		return parse_bool(val, &c->swp_migration);
	if (!strcmp(key, "swp.device"))
		return parse_bool(val, &c->swp_device_private);
	if (!strcmp(key, "swp.hwpoison"))
		return parse_bool(val, &c->swp_hwpoison);
	if (!strcmp(key, "swp.marker"))
		return parse_bool(val, &c->swp_pte_marker);
	if (!strcmp(key, "swp.migration_ad"))
		return parse_bool(val, &c->swp_migration_ad);
	if (!strcmp(key, "mmu.hw_af"))
		return parse_bool(val, &c->mmu_hw_af);
	if (!strcmp(key, "mmu.hw_dbm"))
		return parse_bool(val, &c->mmu_hw_dbm);
	return -ENOENT;
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
		int ret;

		eq = memchr(p, '=', n);
		if (!eq || (size_t)(eq - p) >= sizeof(key) ||
		    n - (size_t)(eq - p) - 1 >= sizeof(val)) {
			if (err && errlen)
				snprintf(err, errlen, "config: expected key=value at \"%.*s\"",
					 (int)n, p);
			return -EINVAL;
		}
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = 0;
		memcpy(val, eq + 1, n - (size_t)(eq - p) - 1);
		val[n - (size_t)(eq - p) - 1] = 0;
		if (!strcmp(key, "arch") == arch_pass) {
			ret = config_set_one(tmp, key, val);
			if (ret) {
				if (err && errlen && ret == -ENOENT)
					snprintf(err, errlen, "config: unknown key \"%s\"", key);
				else if (err && errlen)
					snprintf(err, errlen, "config: bad value \"%s\" for \"%s\"",
						 val, key);
				return -EINVAL;
			}
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
		return -EINVAL;
	tmp = *cfg;
	ret = config_apply(&tmp, opts, true, err, errlen);
	if (!ret)
		ret = config_apply(&tmp, opts, false, err, errlen);
	if (!ret)
		*cfg = tmp;
	return ret;
}

int ptsim_machine_create(const struct ptsim_config *cfg, struct ptsim_machine **out)
{
	struct ptsim_machine *m;
	uint64_t limit;
	int err;

	if (!cfg || !out || !cfg->arch || !cfg->ncpus || cfg->ncpus > PTSIM_TLB_MAX_CPUS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->arch = cfg->arch;
	err = ptsim__host_init(&m->host, cfg->use_jemalloc);
	if (err)
		goto err_free;
	m->host.rng ^= cfg->seed;
	/* Default hot-add room: 4x the boot memory, within the arch's physical space. */
	limit = cfg->phys_limit;
	if (!limit) {
		uint64_t max = 1ull << m->arch->pa_bits;

		limit = cfg->phys_base + 4 * cfg->phys_bytes;
		if (limit > max || limit < cfg->phys_base)
			limit = max > cfg->phys_base + cfg->phys_bytes
					? max
					: cfg->phys_base + cfg->phys_bytes;
	}
	err = ptsim__mem_init(&m->mem, &m->host, m->arch, cfg->phys_base, cfg->phys_bytes, limit);
	if (err)
		goto err_host;
	ptsim__ptalloc_init(&m->ptalloc, &m->mem, &m->host, m->arch);
	err = ptsim__tlbs_init(&m->tlbs, &m->host, m->arch, &m->mem, &m->ptalloc, cfg->ncpus);
	if (err)
		goto err_mem;
	/* The TLB discipline checker sees every frame freed and every entry written. */
	m->mem.free_hook = ptsim__tlb_free_hook;
	m->mem.free_hook_ctx = &m->tlbs;
	m->ptalloc.entry_hook = ptsim__tlb_entry_hook;
	m->ptalloc.entry_hook_ctx = &m->tlbs;
	m->next_asid = 1;
	*out = m;
	return 0;

err_mem:
	ptsim__ptalloc_fini(&m->ptalloc);
	ptsim__mem_fini(&m->mem);
err_host:
	ptsim__host_fini(&m->host);
err_free:
	free(m);
	return err;
}

void ptsim_machine_destroy(struct ptsim_machine *m)
{
	if (!m)
		return;
	while (m->mms)
		ptsim_mm_destroy(m->mms);
	m->mem.free_hook = NULL;
	m->ptalloc.entry_hook = NULL;
	ptsim__tlbs_fini(&m->tlbs);
	ptsim__ptalloc_fini(&m->ptalloc);
	ptsim__mem_fini(&m->mem);
	ptsim__host_fini(&m->host);
	free(m);
}

const struct ptsim_arch *ptsim_machine_arch(const struct ptsim_machine *m)
{
	return m->arch;
}

const struct ptsim_config *ptsim_machine_config(const struct ptsim_machine *m)
{
	return &m->cfg;
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
	m->host.fail_nth = nth;
	m->host.fail_repeat = repeat;
	m->host.fault_calls = 0;
}

void ptsim_fault_inject_prob(struct ptsim_machine *m, uint32_t ppm, uint64_t seed)
{
	m->host.fail_ppm = ppm;
	/* Seed 0 means "the machine's seed" (cfg.seed). */
	if (!seed)
		seed = m->cfg.seed;
	m->host.rng = seed ? seed * 0x9e3779b97f4a7c15ull : 0x9e3779b97f4a7c15ull;
}

uint64_t ptsim_fault_injected(const struct ptsim_machine *m)
{
	return m->host.nr_injected;
}

uint64_t ptsim_alloc_points(const struct ptsim_machine *m)
{
	return m->host.alloc_points;
}

void ptsim_host_stats(const struct ptsim_machine *m, struct ptsim_host_stats *out)
{
	out->bytes_live = m->host.bytes_live;
	out->bytes_peak = m->host.bytes_peak;
	out->nr_live = m->host.nr_live;
	out->jemalloc = m->host.use_jemalloc;
}
