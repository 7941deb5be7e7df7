/* SPDX-License-Identifier: MIT */
/*
 * machine.h - configuration, the machine object, errors, fault injection.
 *
 * One struct ptsim_machine owns everything: simulated physical memory, page
 * tables, address spaces, host memory (a jemalloc arena of its own when built
 * with PTSIM_WITH_JEMALLOC).  There is no global state; several machines may
 * live in one process, each used by one thread at a time.
 *
 * Error convention: every fallible call returns 0 or a negative errno value
 * and leaves the model unchanged on failure.  ptsim_errmsg() then says what
 * went wrong, with context ("map: va 0x1001 not page-aligned").
 *
 *   struct ptsim_config cfg;
 *   ptsim_config_init(&cfg, "arm64-4k-48");
 *   cfg.phys_bytes = 8ull << 30;
 *   struct ptsim_machine *m;
 *   int err = ptsim_machine_create(&cfg, &m);
 *   ...
 *   ptsim_machine_destroy(m);
 */
#ifndef PTSIM_MACHINE_H
#define PTSIM_MACHINE_H

#include "ptsim/arch.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * struct ptsim_config - what a machine is made of; filled by
 * ptsim_config_init() with defaults, then adjusted by the caller (directly
 * or with ptsim_config_set()).  Owned by the caller; copied at create.
 */
struct ptsim_config {
	const struct ptsim_arch *arch;
	/* Physical memory present at boot, from phys_base; a multiple of the section size. */
	uint64_t phys_base;
	uint64_t phys_bytes;
	/* Highest physical address + 1 that hot-add may ever use (0: phys_base + phys_bytes). */
	uint64_t phys_limit;
	unsigned int ncpus;
	uint64_t seed;
	/* Which special swap types the "kernel" is built with (codes depend on it). */
	bool swp_migration;
	bool swp_device_private;
	bool swp_hwpoison;
	bool swp_pte_marker;
	/* Migration entries carry young/dirty (swap_migration_ad_supported()). */
	bool swp_migration_ad;
	/* Use a jemalloc arena when the library has it (ignored otherwise). */
	bool use_jemalloc;
	/*
	 * arm64 hardware access-flag and dirty-bit management (FEAT_HAFDBS).
	 * Off: AF == 0 raises an access-flag fault and a write to a clean
	 * writable entry a permission fault, both fixed up by the kernel's fault
	 * handler.  x86 always manages A/D in hardware.
	 */
	bool mmu_hw_af;
	bool mmu_hw_dbm;
};

/**
 * ptsim_config_init() - fill @cfg with defaults for an architecture.
 * @cfg: caller-owned configuration.
 * @arch_name: e.g. "x86_64-4l"; see ptsim_arch_lookup().
 *
 * Defaults: 4 GiB of memory at physical address 0, limit 4x that for
 * hot-add, 4 CPUs, seed 1, all special swap types on, migration A/D as the
 * architecture supports it.
 *
 * Return: 0, or -EINVAL for an unknown architecture name.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_config_init(struct ptsim_config *cfg, const char *arch_name);

/**
 * ptsim_config_set() - apply "key=value,key=value" settings.
 * @cfg: configuration to change.
 * @opts: keys arch, phys, phys_base, phys_limit, ncpus, seed, jemalloc,
 *        swp.migration, swp.device, swp.hwpoison, swp.marker, swp.migration_ad,
 *        mmu.hw_af, mmu.hw_dbm.
 *        Sizes take K/M/G/T suffixes; booleans 0/1/true/false/on/off.
 * @err: optional buffer for a message naming the bad token.
 * @errlen: size of @err.
 *
 * Return: 0, or -EINVAL with @err set; @cfg is unchanged on error.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_config_set(struct ptsim_config *cfg, const char *opts,
						char *err, size_t errlen);

/**
 * ptsim_machine_create() - build a machine from a configuration.
 * @cfg: configuration (copied).
 * @out: receives the machine.
 *
 * Return: 0, -EINVAL for a bad configuration, -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_machine_create(const struct ptsim_config *cfg,
						    struct ptsim_machine **out);

/* Free the machine and every byte it owns; NULL is a no-op. */
PTSIM_API void ptsim_machine_destroy(struct ptsim_machine *m);

PTSIM_API const struct ptsim_arch *ptsim_machine_arch(const struct ptsim_machine *m);
PTSIM_API const struct ptsim_config *ptsim_machine_config(const struct ptsim_machine *m);

/* The text of the last error on this machine ("" if none). */
PTSIM_API const char *ptsim_errmsg(const struct ptsim_machine *m);
/* A name for a negative errno value ("ENOMEM: out of memory"). */
PTSIM_API const char *ptsim_strerror(int err);

/**
 * ptsim_fault_inject() - fail simulated allocations deterministically.
 * @m: machine.
 * @nth: 0 disarms; N > 0 fails the N-th allocation point from now.
 * @repeat: also fail every allocation point after the N-th.
 *
 * Allocation points are every host allocation and every frame allocation
 * the model makes.  ptsim_fault_inject_prob() instead fails each with a
 * probability (parts per million) from a generator seeded with @seed
 * (0: the configuration's seed).
 */
PTSIM_API void ptsim_fault_inject(struct ptsim_machine *m, uint64_t nth, bool repeat);
PTSIM_API void ptsim_fault_inject_prob(struct ptsim_machine *m, uint32_t ppm, uint64_t seed);
/* Number of failures injected since creation. */
PTSIM_API uint64_t ptsim_fault_injected(const struct ptsim_machine *m);
/* Number of allocation points passed since creation (sizes a sweep). */
PTSIM_API uint64_t ptsim_alloc_points(const struct ptsim_machine *m);

/* Host memory the machine currently holds, in bytes and in allocations. */
struct ptsim_host_stats {
	uint64_t bytes_live;
	uint64_t bytes_peak;
	uint64_t nr_live;
	bool jemalloc;
};
PTSIM_API void ptsim_host_stats(const struct ptsim_machine *m, struct ptsim_host_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_MACHINE_H */
