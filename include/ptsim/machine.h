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
 * Hostile input (docs/api/conventions.md), for every header: no argument
 * crashes a call.  A NULL handle or out-pointer, an enum or flag outside its
 * values, or a value out of range is refused - -EINVAL or the documented
 * error, or, from a call that returns a value, a neutral one: 0, false,
 * NULL, "?" - and where there is a machine the refusal sets ptsim_errmsg(),
 * also through a const machine.  Misuse that would corrupt the model is
 * -EBUSY.  Every failing call sets the message.
 */

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
	 * host_limit: host bytes the machine may hold (0: no limit).  Beyond
	 * it every host allocation fails as on a real out-of-memory (ulimit
	 * -v), whether or not fault injection covers it.
	 */
	uint64_t host_limit;
	/*
	 * fault_create_nth: make the N-th host allocation of machine creation
	 * fail (0: off).  Point 1 is the machine object, point 2 its host
	 * arena, 3 and above the model's own allocations (section directory,
	 * zero page, CPUs).  Creation then returns -ENOMEM, having freed
	 * everything; when creation needs fewer points it succeeds and the
	 * injection is disarmed.  To inject later failures, use
	 * ptsim_fault_inject() on the machine.
	 */
	uint64_t fault_create_nth;
	/*
	 * arm64 hardware access-flag and dirty-bit management (FEAT_HAFDBS).
	 * Off: AF == 0 raises an access-flag fault and a write to a clean
	 * writable entry a permission fault, both fixed up by the kernel's fault
	 * handler.  x86 always manages A/D in hardware.
	 */
	bool mmu_hw_af;
	bool mmu_hw_dbm;
	/*
	 * CONFIG_MEM_SOFT_DIRTY: the soft-dirty PTE bits, VM_SOFTDIRTY and
	 * pagemap bit 55.  x86 only (arm64 has no soft-dirty bit); on by
	 * default on x86.  Fixed at machine creation.
	 */
	bool soft_dirty;
	/* Read faults map the shared zero page; off: they allocate a page (mm_forbids_zeropage()).
	 */
	bool zero_page;
	/* /sys/kernel/mm/transparent_hugepage/{enabled,defrag,use_zero_page}. */
	enum ptsim_thp_enabled {
		PTSIM_THP_ALWAYS = 0,
		PTSIM_THP_MADVISE = 1,
		PTSIM_THP_NEVER = 2,
	} thp_enabled;
	enum ptsim_thp_defrag {
		PTSIM_THP_DEFRAG_ALWAYS = 0,
		PTSIM_THP_DEFRAG_DEFER = 1,
		PTSIM_THP_DEFRAG_DEFER_MADVISE = 2,
		PTSIM_THP_DEFRAG_MADVISE = 3,
		PTSIM_THP_DEFRAG_NEVER = 4,
	} thp_defrag;
	bool thp_use_zero_page;
	/*
	 * pt_reclaim: CONFIG_PT_RECLAIM (v6.14 on x86-64, later on every
	 * architecture with MMU_GATHER_RCU_TABLE_FREE, arm64 included): a
	 * MADV_DONTNEED zap that covers a PTE table's whole span and leaves it
	 * empty frees the table (zap_pte_range(), try_get_and_clear_pmd(),
	 * try_to_free_pte()).  Off: tables stay, as in older kernels.
	 * pt_free: when a page-table page handed to an mmu_gather is freed -
	 * after an RCU grace period (MMU_GATHER_RCU_TABLE_FREE: once no
	 * lockless walker that could hold it is left, see ptsim/pgtable.h), or
	 * at the gather's flush at once.
	 */
	bool pt_reclaim;
	enum ptsim_pt_free {
		PTSIM_PT_FREE_RCU = 0,
		PTSIM_PT_FREE_IMMEDIATE = 1,
	} pt_free;
	/*
	 * Historical behaviour: a fixed kernel bug stays reachable as a switch.
	 * compat_thp_split_dirty: PTSIM_THP_SPLIT_DIRTY_PRE_6_1 gives clean PTEs
	 * on a THP split (before 0ccf7f168e17, "mm/thp: carry over dirty bit
	 * when thp splits on pmd"); compat_mkdirty_sets_write: pte_mkdirty()
	 * also sets the hardware write bit (the sparc64 regression of 6.1);
	 * compat_x86_pmd_modify_drops_dirty: x86 pmd_modify() loses the PMD's
	 * dirty bit, as v6.6 to v6.16 did (fixed by f7491d7c81db); on by default.
	 */
	enum ptsim_thp_split_dirty {
		PTSIM_THP_SPLIT_DIRTY_CURRENT = 0,
		PTSIM_THP_SPLIT_DIRTY_PRE_6_1 = 1,
	} compat_thp_split_dirty;
	bool compat_mkdirty_sets_write;
	bool compat_x86_pmd_modify_drops_dirty;
	/*
	 * compat_uffd_fork_skip_shmem: fork() skips the page tables of a shared
	 * VMA without an anon_vma even when the child's VMA is uffd-wp
	 * (UFFD_FEATURE_EVENT_FORK), so the child loses the uffd-wp bits and
	 * markers of shmem - the hole found in the review of the special PTE
	 * series, closed by c56d1b62cce8 ("mm/shmem: handle uffd-wp during
	 * fork()").  Off by default.
	 */
	bool compat_uffd_fork_skip_shmem;
	/*
	 * compat_uffd_wp_2018: userfaultfd write-protect as first posted in
	 * 2018 (the uffd-wp series discussed with "userfaultfd: wp: support
	 * write protection for userfault vma range"): write protection is only
	 * the absence of the write bit in a VM_UFFD_WP VMA - no uffd-wp bit,
	 * no markers - and unprotect makes writable only the PTEs that are
	 * dirty.  Any write fault on a read-only PTE of such a VMA traps.  With
	 * compat_thp_split_dirty=pre-6.1 a split leaves clean PTEs, so
	 * unprotecting one page of a write-protected THP never makes it
	 * writable: the write loops.  Off by default.
	 */
	bool compat_uffd_wp_2018;
	/*
	 * pt_reclaim_rfc: EXPERIMENTAL, never merged - the 2022 RFC "Try to
	 * free empty and zero user PTE page table pages": per-PTE-table
	 * mapped/zero-page counters, per-mm reclaimable bytes, a ranking of
	 * address spaces and the reclaim calls of ptsim/ptref.h.  May change at
	 * runtime; switching it on recounts every PTE table.  Off by default.
	 */
	bool pt_reclaim_rfc;
	/*
	 * kernel_mm: build the kernel's own address space (init_mm) at
	 * creation - the linear map of present memory and the vmemmap backing
	 * the frame records, whose pages come from the buddy (ptsim/kernel.h).
	 * Fixed at creation.  Off by default.
	 */
	bool kernel_mm;
	/*
	 * hotremove_order: the teardown ptsim_kernel_remove_memory() runs.
	 * arm64 (default): the merged arm64 code - clear -> TLB flush -> free
	 * for every leaf, floor/ceiling table freeing with a walk-cache flush
	 * before each table is freed.  x86: arch/x86/mm/init_64.c
	 * remove_pagetable() - vmemmap backing freed before its entry is
	 * cleared, emptied tables freed without a flush and without a
	 * floor/ceiling, one flush_tlb_all() at the end.  v5: the v5 arm64
	 * draft of the review (seed 001) - backing freed before the entry is
	 * cleared, no TLB maintenance for blocks, emptied tables freed without
	 * a floor/ceiling.  May change at any time.
	 */
	enum ptsim_hotremove_order {
		PTSIM_HOTREMOVE_ARM64 = 0,
		PTSIM_HOTREMOVE_X86 = 1,
		PTSIM_HOTREMOVE_V5 = 2,
	} hotremove_order;
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
 * The names that exist: ptsim_arch_name(ptsim_arch_at(i)) for i = 0, 1, ...
 * until NULL; ptsim_config_set(cfg, "arch=NAME", err, len) lists them in @err.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_config_init(struct ptsim_config *cfg, const char *arch_name);

/**
 * ptsim_config_set() - apply "key=value,key=value" settings.
 * @cfg: configuration to change.
 * @opts: knob names of the registry below (ptsim_knob_at()): arch, phys,
 *        phys_base, phys_limit, ncpus, seed, jemalloc, swp.*, mmu.*,
 *        soft_dirty, zero_page, thp.*, compat.*.  Sizes are decimal or 0x
 *        hex with an optional K/M/G/T suffix; booleans 0/1/true/false/on/off/
 *        yes/no; enumerations one of the names the knob lists.  "arch" is
 *        applied first wherever it stands (it resets arch-dependent defaults).
 * @err: optional buffer for a message naming the bad token and the allowed values.
 * @errlen: size of @err.
 *
 * Return: 0, or -EINVAL with @err set; @cfg is unchanged on error.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_config_set(struct ptsim_config *cfg, const char *opts,
						char *err, size_t errlen);

/**
 * ptsim_parse_size() - read a number as configuration strings and the
 * scenario language write it.
 * @s: decimal digits, or "0x" and hex digits, then at most one suffix K, M,
 *     G or T (either case: times 2^10, 2^20, 2^30, 2^40).  No sign, no
 *     space, no octal: "010" is ten.
 * @end: NULL, and the number must be the whole of @s; or receives the
 *       first character after it (the caller checks what follows).
 * @out: receives the value; untouched on error.
 *
 * ptsim_config_set() reads sizes and numbers with it, and the scenario
 * language (ptsim(1)) its numeric literals, so "phys=2G" and "map 2G" mean
 * the same.
 *
 * Return: 0; -EINVAL (NULL @s or @out, no digit, or, with @end NULL,
 * anything after the number); -ERANGE (the value does not fit in 64 bits).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_parse_size(const char *s, const char **end, uint64_t *out);

/**
 * ptsim_config_get() - a knob's value in a configuration, as text.
 * @cfg: configuration.  @name: knob name.  @buf, @len: receive the value
 *       ("on", "madvise", "0x40000000", ...), NUL-terminated and truncated.
 * Return: 0, or -EINVAL for an unknown knob or NULL argument.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_config_get(const struct ptsim_config *cfg, const char *name,
						char *buf, size_t len);

/*
 * The knob registry: every setting of a machine in one table (name, type,
 * default, allowed values, one-line doc).  ptsim_config_set() parses with
 * it; knobs marked @runtime may also be changed on a live machine with
 * ptsim_knob_set() (the others shape the machine and are fixed at creation).
 * docs/knobs.md is generated from it (`ptsim knobs --markdown`).
 */
struct ptsim_knob_info {
	const char *name;   /* "thp.enabled" */
	const char *type;   /* "bool", "size", "number", "enum", "arch" */
	const char *def;    /* the default, as text ("madvise", "on (x86), off (arm64)") */
	const char *values; /* allowed values ("always|madvise|never", "1..4096") */
	const char *field;  /* the struct ptsim_config member it sets */
	const char *doc;    /* one line */
	bool runtime;	    /* settable with ptsim_knob_set() */
};

/**
 * ptsim_knob_at() - enumerate the registry.
 * @i: index from 0.
 * Return: the i-th knob, NULL past the last one.
 */
PTSIM_API const struct ptsim_knob_info *ptsim_knob_at(unsigned int i);

/**
 * ptsim_knob_lookup() - find a knob by name.
 * @name: knob name.
 * Return: the knob, or NULL if there is none of that name.
 */
PTSIM_API const struct ptsim_knob_info *ptsim_knob_lookup(const char *name);

/**
 * ptsim_knob_set() - change a runtime knob of a live machine.
 * @m: machine.  @name: knob name.  @value: new value as text.
 *
 * The change applies to every later operation (a THP policy change does not
 * touch existing mappings, as in the kernel).
 *
 * Return: 0; -EINVAL (unknown knob, or a value not allowed: the message
 * names the allowed values); -EBUSY (a knob fixed at machine creation).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_knob_set(struct ptsim_machine *m, const char *name,
					      const char *value);

/**
 * ptsim_knob_get() - a knob's current value on a machine, as text.
 * @m: machine.  @name: knob name.  @buf, @len: receive the value.
 * Return: 0, or -EINVAL for an unknown knob or NULL argument.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_knob_get(const struct ptsim_machine *m, const char *name,
					      char *buf, size_t len);

/**
 * ptsim_machine_create() - build a machine from a configuration.
 * @cfg: configuration (copied).
 * @out: receives the machine.
 *
 * Return: 0, -EINVAL for a bad configuration, -ENOMEM.
 * ptsim_machine_create_err() (below) also says why.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_machine_create(const struct ptsim_config *cfg,
						    struct ptsim_machine **out);

/**
 * ptsim_machine_destroy() - free the machine and every byte it owns.
 * @m: machine; NULL is a no-op.
 *
 * Address spaces not yet destroyed are destroyed first (ptsim_mm_destroy()),
 * then the TLBs, tables, simulated memory and host allocator go.  Every
 * pointer into the machine (address spaces, files, ptsim_machine_arch(),
 * ptsim_errmsg()) is invalid afterwards.
 */
PTSIM_API void ptsim_machine_destroy(struct ptsim_machine *m);

/**
 * ptsim_machine_arch() - the machine's own copy of its configuration.
 * @m: machine (not NULL).
 *
 * The geometry and encodings of ptsim_config.arch, with the knobs that
 * change encodings (compat.mkdirty_sets_write, soft_dirty) applied, and the
 * swap-type numbering of the swp.* knobs.  Pass it to the entry helpers of
 * ptsim/arch.h to build and read this machine's entries.
 *
 * Return: a pointer valid until ptsim_machine_destroy(); keep
 * ptsim_config.arch (a static table) for anything that outlives the machine.
 */
PTSIM_API const struct ptsim_arch *ptsim_machine_arch(const struct ptsim_machine *m);
/**
 * ptsim_machine_config() - the machine's live knobs.
 * @m: machine (not NULL).
 * Return: the machine's copy of its configuration, with the runtime knobs
 * as ptsim_knob_set() left them; valid until the machine is destroyed.
 */
PTSIM_API const struct ptsim_config *ptsim_machine_config(const struct ptsim_machine *m);

/**
 * ptsim_errmsg() - the text of the last error on this machine.
 * @m: machine, or NULL.
 *
 * Set where a call failed, with context ("map: va 0x1001 len 0x1000 not
 * aligned to 0x1000"); not cleared by later successful calls, so read it
 * right after the call that failed.
 *
 * Return: the message ("" if there was no error yet; "no machine" for a
 * NULL @m), valid until the next error on @m or its destroy.
 */
PTSIM_API const char *ptsim_errmsg(const struct ptsim_machine *m);
/**
 * ptsim_strerror() - a name for an error code the library returns.
 * @err: 0 or a negative errno value.
 * Return: a constant string: "success", "ENOMEM: out of memory", ...;
 * "unknown error" for a code the library does not use.
 */
PTSIM_API const char *ptsim_strerror(int err);

/**
 * ptsim_fault_inject(), ptsim_fault_inject_prob() - make simulated
 * allocations fail, by count or by probability.
 * @m: machine (not NULL).
 * @nth: 0 disarms; N > 0 fails the N-th allocation point from now.
 * @repeat: also fail every allocation point after the N-th.
 * @ppm: ptsim_fault_inject_prob(): the probability of failing each point,
 *       in parts per million (0 turns it off).
 * @seed: seeds its generator (0: the configuration's seed), so a run repeats.
 *
 * Allocation points are every host allocation and every frame allocation
 * the model makes; an injected failure looks like running out of memory
 * (-ENOMEM, nothing changed).  Arming ptsim_fault_inject() restarts its count.
 */
PTSIM_API void ptsim_fault_inject(struct ptsim_machine *m, uint64_t nth, bool repeat);
PTSIM_API void ptsim_fault_inject_prob(struct ptsim_machine *m, uint32_t ppm, uint64_t seed);
/**
 * ptsim_fault_injected() - the number of failures injected since creation.
 * @m: machine (not NULL).
 * Return: the count, over ptsim_fault_inject() and ptsim_fault_inject_prob().
 */
PTSIM_API uint64_t ptsim_fault_injected(const struct ptsim_machine *m);
/**
 * ptsim_alloc_points() - the number of allocation points passed since creation.
 * @m: machine (not NULL).
 * Return: the count; the difference across a call sizes an allocation-failure sweep.
 */
PTSIM_API uint64_t ptsim_alloc_points(const struct ptsim_machine *m);

/* Host memory the machine currently holds, in bytes and in allocations. */
struct ptsim_host_stats {
	uint64_t bytes_live;
	uint64_t bytes_peak;
	uint64_t nr_live;
	bool jemalloc;
};

/**
 * ptsim_host_stats() - the host memory a machine holds.
 * @m: machine (not NULL).
 * @out: receives the bytes and allocations live now, the peak of the bytes
 *       since creation, and whether the machine allocates from a jemalloc
 *       arena of its own.
 */
PTSIM_API void ptsim_host_stats(const struct ptsim_machine *m, struct ptsim_host_stats *out);

/**
 * ptsim_machine_create_err() - ptsim_machine_create() that says why it failed.
 * @cfg: configuration (copied).  @out: receives the machine.
 * @err: optional buffer for the reason (there is no machine to hold it):
 *       the key, its value and the rule broken, e.g. "config: phys=0x6400000
 *       is not a multiple of the section size 0x8000000 (128 MiB,
 *       SECTION_SIZE_BITS 27 of x86_64-4l)".  Untouched on success.
 * @errlen: size of @err.
 *
 * Return: as ptsim_machine_create().
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_machine_create_err(const struct ptsim_config *cfg,
							struct ptsim_machine **out, char *err,
							size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_MACHINE_H */
