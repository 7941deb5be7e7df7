/* SPDX-License-Identifier: MIT */
/*
 * uffd.h - userfaultfd on a simulated address space: registration,
 * page-fault messages, and the resolution ioctls UFFDIO_COPY,
 * UFFDIO_ZEROPAGE and UFFDIO_WRITEPROTECT (fs/userfaultfd.c,
 * mm/userfaultfd.c).
 *
 * The model has one userfaultfd context per address space: registering a
 * range sets VM_UFFD_MISSING / VM_UFFD_WP on its VMAs (split at the edges
 * and merged again on unregister, as mprotect() does), and the faults those
 * flags trap are queued on the address space as messages.
 *
 * Fault delivery (handle_userfault()).  ptsim_access() reports a trapped
 * fault with res.userfault_pending = true and signal 0; nothing is mapped,
 * and a struct ptsim_uffd_msg is queued.  What traps:
 *  - MISSING: a fault on a none PTE (or on a uffd-wp marker, which the
 *    fault path treats as none) in a VM_UFFD_MISSING VMA - anonymous memory
 *    always, shmem when the page is not in the page cache.  As in the
 *    kernel, the page tables down to the PTE table (anonymous) or the PMD
 *    table (shmem) are allocated before the fault is handed to user space.
 *    Flags: UFFD_PAGEFAULT_FLAG_WRITE for a write, else 0.
 *  - WP: a write to a present PTE carrying the uffd-wp bit in a VM_UFFD_WP
 *    VMA (do_wp_page()).  Flags: FLAG_WP | FLAG_WRITE.  A uffd-wp marker in
 *    a VM_UFFD_WP VMA is handled as a missing page whose new PTE inherits
 *    the uffd-wp bit, so a write then traps as WP (do_pte_missing() with
 *    pte_marker_uffd_wp(), mm/memory.c).
 * The message address is the faulting address rounded down to the page,
 * or the exact address with UFFD_FEATURE_EXACT_ADDRESS (ptsim_uffdio_api()).
 * The model does not block: every access that traps queues one message, so
 * repeating an access before resolving it queues a duplicate for the same
 * page (the kernel would queue one and put the second faulting thread to
 * sleep on it).
 *
 * uffd-wp markers: UFFDIO_WRITEPROTECT installs them on none PTEs of shmem
 * (and, with WP_UNPOPULATED, anonymous) ranges, and a zap of a
 * write-protected shmem PTE leaves one (ptsim_madvise()).
 *
 * fork (dup_userfaultfd()): without UFFD_FEATURE_EVENT_FORK the child is
 * not registered and its copied entries lose the uffd-wp bit and markers;
 * with it the child keeps its registration in a context of its own (same
 * features), its tables are copied where its VMA is uffd-wp (also shmem
 * without anon_vma, unless compat.uffd_fork_skip_shmem), and the parent
 * reads a PTSIM_UFFD_EVENT_FORK message naming the child.
 *
 * MINOR (shmem): a fault on a page that is in the page cache but not
 * mapped traps with FLAG_MINOR; UFFDIO_CONTINUE maps it.
 *
 * Not modelled: the features outside PTSIM_UFFD_FEATURES_MODELLED (SIGBUS,
 * THREAD_ID, EVENT_REMAP, MINOR_HUGETLBFS, MISSING_HUGETLBFS, MOVE),
 * hugetlb VMAs and UFFDIO_MOVE.
 *
 * Every call returns 0 or a negative errno, leaves the model unchanged on
 * failure (all or nothing, allocation failures included - the kernel's
 * UFFDIO_COPY may instead stop part way and report the bytes copied) and
 * sets ptsim_errmsg().
 */
#ifndef PTSIM_UFFD_H
#define PTSIM_UFFD_H

#include "ptsim/export.h"
#include "ptsim/mm.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* UFFDIO_API: the protocol version (UFFD_API) and the features (UFFD_FEATURE_*). */
#define PTSIM_UFFD_API			      0xaaull
#define PTSIM_UFFD_FEATURE_PAGEFAULT_FLAG_WP  (1ull << 0)
#define PTSIM_UFFD_FEATURE_EVENT_FORK	      (1ull << 1)
#define PTSIM_UFFD_FEATURE_EVENT_REMAP	      (1ull << 2)
#define PTSIM_UFFD_FEATURE_EVENT_REMOVE	      (1ull << 3)
#define PTSIM_UFFD_FEATURE_MISSING_HUGETLBFS  (1ull << 4)
#define PTSIM_UFFD_FEATURE_MISSING_SHMEM      (1ull << 5)
#define PTSIM_UFFD_FEATURE_EVENT_UNMAP	      (1ull << 6)
#define PTSIM_UFFD_FEATURE_SIGBUS	      (1ull << 7)
#define PTSIM_UFFD_FEATURE_THREAD_ID	      (1ull << 8)
#define PTSIM_UFFD_FEATURE_MINOR_HUGETLBFS    (1ull << 9)
#define PTSIM_UFFD_FEATURE_MINOR_SHMEM	      (1ull << 10)
#define PTSIM_UFFD_FEATURE_EXACT_ADDRESS      (1ull << 11)
#define PTSIM_UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1ull << 12)
#define PTSIM_UFFD_FEATURE_WP_UNPOPULATED     (1ull << 13)
#define PTSIM_UFFD_FEATURE_POISON	      (1ull << 14)
#define PTSIM_UFFD_FEATURE_WP_ASYNC	      (1ull << 15)
#define PTSIM_UFFD_FEATURE_MOVE		      (1ull << 16)
/*
 * The features the model implements, which ptsim_uffdio_api() reports and
 * accepts: WP messages carry FLAG_WP, shmem MISSING faults, message
 * addresses not rounded down (EXACT_ADDRESS), write-protect on shmem with
 * markers (WP_HUGETLBFS_SHMEM; hugetlbfs VMAs cannot be registered yet),
 * markers on unpopulated anonymous PTEs (WP_UNPOPULATED), and fork
 * events (EVENT_FORK; the kernel also wants CAP_SYS_PTRACE, which the model
 * does not check), MADV_DONTNEED and munmap events on registered ranges
 * (EVENT_REMOVE, EVENT_UNMAP), UFFDIO_POISON (POISON), and write-protect faults the
 * kernel resolves itself (WP_ASYNC: the uffd-wp bit is dropped and the
 * write goes on, no message; a WP-only registration then takes any memory,
 * regular files too; it brings WP_UNPOPULATED along).
 */
#define PTSIM_UFFD_FEATURES_MODELLED                                                               \
	(PTSIM_UFFD_FEATURE_PAGEFAULT_FLAG_WP | PTSIM_UFFD_FEATURE_MISSING_SHMEM |                 \
	 PTSIM_UFFD_FEATURE_EXACT_ADDRESS | PTSIM_UFFD_FEATURE_WP_HUGETLBFS_SHMEM |                \
	 PTSIM_UFFD_FEATURE_WP_UNPOPULATED | PTSIM_UFFD_FEATURE_EVENT_FORK |                       \
	 PTSIM_UFFD_FEATURE_POISON | PTSIM_UFFD_FEATURE_WP_ASYNC |                                 \
	 PTSIM_UFFD_FEATURE_MINOR_SHMEM | PTSIM_UFFD_FEATURE_EVENT_REMOVE |                        \
	 PTSIM_UFFD_FEATURE_EVENT_UNMAP)

/* UFFDIO_REGISTER modes (include/uapi/linux/userfaultfd.h). */
#define PTSIM_UFFDIO_REGISTER_MODE_MISSING 0x1u
#define PTSIM_UFFDIO_REGISTER_MODE_WP	   0x2u
#define PTSIM_UFFDIO_REGISTER_MODE_MINOR   0x4u

/* uffd_msg.event and uffd_msg.arg.pagefault.flags. */
#define PTSIM_UFFD_EVENT_PAGEFAULT	0x12u
#define PTSIM_UFFD_EVENT_FORK		0x13u
#define PTSIM_UFFD_EVENT_REMOVE		0x15u
#define PTSIM_UFFD_EVENT_UNMAP		0x16u
#define PTSIM_UFFD_PAGEFAULT_FLAG_WRITE 0x1ull
#define PTSIM_UFFD_PAGEFAULT_FLAG_WP	0x2ull
#define PTSIM_UFFD_PAGEFAULT_FLAG_MINOR 0x4ull

/* Ioctl modes.  DONTWAKE is accepted and has no effect (nothing sleeps). */
#define PTSIM_UFFDIO_COPY_MODE_DONTWAKE		0x1u
#define PTSIM_UFFDIO_COPY_MODE_WP		0x2u
#define PTSIM_UFFDIO_POISON_MODE_DONTWAKE	0x1u
#define PTSIM_UFFDIO_CONTINUE_MODE_DONTWAKE	0x1u
#define PTSIM_UFFDIO_CONTINUE_MODE_WP		0x2u
#define PTSIM_UFFDIO_WRITEPROTECT_MODE_WP	0x1u
#define PTSIM_UFFDIO_WRITEPROTECT_MODE_DONTWAKE 0x2u

/*
 * struct ptsim_uffd_msg - one message read from the userfaultfd.
 * @event: PTSIM_UFFD_EVENT_PAGEFAULT, or PTSIM_UFFD_EVENT_FORK (with
 *         UFFD_FEATURE_EVENT_FORK, queued by a fork() that copied
 *         registered VMAs: flags and address 0, @child set), or
 *         PTSIM_UFFD_EVENT_REMOVE (EVENT_REMOVE: MADV_DONTNEED of a
 *         registered VMA, one per VMA, queued before the zap) or
 *         PTSIM_UFFD_EVENT_UNMAP (EVENT_UNMAP: a munmap, or a MAP_FIXED
 *         mmap, over registered VMAs, one per call, after it).
 * @flags: PTSIM_UFFD_PAGEFAULT_FLAG_* bits.
 * @address: the faulting address rounded down to the page, or exact with
 *           PTSIM_UFFD_FEATURE_EXACT_ADDRESS.
 */
struct ptsim_uffd_msg {
	unsigned int event;
	uint64_t flags;
	uint64_t address;
	/*
	 * PTSIM_UFFD_EVENT_REMOVE / _UNMAP: the range, [@address, @end) (the
	 * kernel's arg.remove.start and .end).  0 otherwise.
	 */
	uint64_t end;
	/*
	 * PTSIM_UFFD_EVENT_FORK: the child address space, whose own
	 * userfaultfd context the message hands over (the kernel's
	 * arg.fork.ufd); valid until the child is destroyed.  NULL otherwise.
	 */
	struct ptsim_mm *child;
};

/**
 * ptsim_uffdio_api() - the UFFDIO_API handshake (userfaultfd_api(),
 * fs/userfaultfd.c).
 * @mm: address space (its userfaultfd context).
 * @api: PTSIM_UFFD_API.
 * @features: in: the features wanted (PTSIM_UFFD_FEATURE_*); out: every
 *            feature the model supports (PTSIM_UFFD_FEATURES_MODELLED),
 *            or 0 when the call fails, as the kernel zeroes the struct.
 *
 * Enables the features asked for, for the life of the context.  As in the
 * kernel, WP_ASYNC brings WP_UNPOPULATED along, and the handshake is made
 * once: a second call is -EINVAL.  A program that registers a range
 * without calling it gets what UFFDIO_API with no feature gives (the
 * first ptsim_uffd_register() makes the handshake, so a later call is
 * -EINVAL too).  ptsim_uffd_features() reads the features enabled.
 *
 * Return: 0; -EINVAL (@api is not PTSIM_UFFD_API, a feature the model does
 * not implement - the kernel refuses the features it was built without the
 * same way - NULL @features, or the handshake already made).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_api(struct ptsim_mm *mm, uint64_t api,
						uint64_t *features);

/**
 * ptsim_uffd_close() - close the userfaultfd (userfaultfd_release()).
 * @mm: address space (its userfaultfd context).
 *
 * Every registered VMA is unregistered, which removes every uffd-wp bit
 * and marker of the context (as ptsim_uffd_unregister() does), queued
 * messages are dropped, and the handshake is forgotten: the next
 * ptsim_uffdio_api() or registration starts a new context.  Nothing can
 * fail (whole VMAs are unregistered, no VMA is split).
 *
 * Return: 0; -EINVAL (NULL @mm).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffd_close(struct ptsim_mm *mm);

/**
 * ptsim_uffd_features() - the features ptsim_uffdio_api() enabled.
 * @mm: address space (NULL gives 0).
 * Return: the PTSIM_UFFD_FEATURE_* bits; 0 before the handshake.
 */
PTSIM_API uint64_t ptsim_uffd_features(const struct ptsim_mm *mm);

/**
 * ptsim_uffd_register() - register [start, start + len) with userfaultfd
 * (UFFDIO_REGISTER).
 * @mm: address space.  @start: page aligned.  @len: page aligned, not 0.
 * @mode: PTSIM_UFFDIO_REGISTER_MODE_MISSING, _WP and/or _MINOR (shmem only).
 *
 * Sets VM_UFFD_MISSING / VM_UFFD_WP (replacing any previous uffd mode) on
 * every VMA of the range, splitting VMAs the range cuts and merging the
 * result with compatible neighbours; vm_page_prot is recomputed (shared
 * uffd-wp VMAs are write-notified).  Entries are not changed.
 *
 * Return: 0; -EINVAL (misaligned or empty range, no mode or unknown mode
 * bits, MINOR on memory that is not shmem, part of the range not covered
 * by VMAs - the kernel skips holes, the model refuses them - or a VMA that
 * cannot userfault: a regular file, unless WP_ASYNC and WP alone);
 * -EPERM (a VMA without VM_MAYWRITE); -ENOMEM (a split needed memory).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffd_register(struct ptsim_mm *mm, uint64_t start,
						   uint64_t len, unsigned int mode);

/**
 * ptsim_uffd_unregister() - unregister [start, start + len) (UFFDIO_UNREGISTER).
 * @mm: address space.  @start: page aligned.  @len: page aligned, not 0.
 *
 * As the kernel (since v6.0, "reset write protection when unregister"):
 * present entries of uffd-wp VMAs lose the uffd-wp bit (exclusive anonymous
 * pages become writable again, with a TLB flush) and uffd-wp markers are
 * cleared (UFFDIO_WRITEPROTECT without MODE_WP); then VM_UFFD_* is cleared,
 * VMAs split at the edges and merged back.  Markers left elsewhere are
 * dropped lazily by the fault path.  Holes are
 * skipped; messages already queued stay.
 *
 * Return: 0; -EINVAL (misaligned or empty range, no VMA in it, a VMA that
 * cannot userfault); -ENOMEM (a split needed memory).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffd_unregister(struct ptsim_mm *mm, uint64_t start,
						     uint64_t len);

/**
 * ptsim_uffd_read() - read the oldest queued message (read(2) on the fd).
 * @mm: address space.  @msg: receives the message, which is dequeued.
 * Return: 0; -EAGAIN (no message: a non-blocking read); -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffd_read(struct ptsim_mm *mm, struct ptsim_uffd_msg *msg);

/**
 * ptsim_uffd_nr_pending() - the number of queued messages.
 * @mm: address space (NULL gives 0).
 * Return: the count.
 */
PTSIM_API uint64_t ptsim_uffd_nr_pending(const struct ptsim_mm *mm);

/**
 * ptsim_uffdio_copy() - fill missing pages with new pages (UFFDIO_COPY).
 * @mm: address space.  @dst: page aligned.  @len: page aligned, not 0.
 * @mode: PTSIM_UFFDIO_COPY_MODE_WP (map the pages write-protected with the
 *        uffd-wp bit; needs a VM_UFFD_WP VMA) and/or _DONTWAKE.
 *
 * The range must lie inside one registered VMA (any mode) that is private
 * anonymous or shmem.  Each page gets a new folio (the model keeps no page
 * contents, so there is no source buffer) mapped as mfill_atomic_install_pte()
 * does: dirty, writable if the VMA is (shmem: only if shared), uffd-wp
 * with MODE_WP.  Anonymous pages are exclusive and on the VMA's anon_vma;
 * shmem pages go into the file's page cache (which holds a reference) and
 * are file-mapped.  Entries were none, so no TLB flush is needed.
 *
 * Return: 0; -EINVAL (misaligned or empty range, bad mode, MODE_WP on a
 * VMA that is not uffd-wp, neither anonymous nor shmem); -ENOENT (no VMA
 * at @dst, the range leaves the VMA, or the VMA is not registered);
 * -EEXIST (an entry in the range is neither none nor a uffd-wp marker, or
 * a shmem page is already cached); -EFAULT (shmem beyond the end of the
 * file); -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_copy(struct ptsim_mm *mm, uint64_t dst, uint64_t len,
						 unsigned int mode);

/**
 * ptsim_uffdio_zeropage() - map zeroes at missing pages (UFFDIO_ZEROPAGE).
 * @mm: address space.  @dst: page aligned.  @len: page aligned, not 0.
 *
 * Anonymous VMAs get the shared zero page (read-only, special, not
 * counted); shmem VMAs get new zero-filled page-cache pages, as
 * shmem_mfill_atomic_pte() does.  Rules as ptsim_uffdio_copy(), except
 * that every entry must be none (a uffd-wp marker is -EEXIST).
 *
 * Return: as ptsim_uffdio_copy().
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_zeropage(struct ptsim_mm *mm, uint64_t dst,
						     uint64_t len);

/**
 * ptsim_uffdio_continue() - map pages already in the page cache
 * (UFFDIO_CONTINUE, mfill_atomic_pte_continue()).
 * @mm: address space.  @dst: page aligned.  @len: page aligned, not 0.
 * @mode: PTSIM_UFFDIO_CONTINUE_MODE_WP (mapped with the uffd-wp bit;
 *        needs a VM_UFFD_WP VMA) and/or _DONTWAKE.
 *
 * The answer to a MINOR fault: each none PTE (or uffd-wp marker) of a
 * registered shmem VMA maps the page the file already caches, dirty,
 * writable only in a shared mapping.
 *
 * Return: 0; -EINVAL (misaligned or empty range, bad mode, MODE_WP on a
 * VMA not registered for WP, a VMA that is not shmem); -ENOENT (not inside
 * one registered VMA); -EEXIST (an entry is neither none nor a uffd-wp
 * marker); -EFAULT (no page in the page cache, or beyond the end of the
 * file); -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_continue(struct ptsim_mm *mm, uint64_t dst,
						     uint64_t len, unsigned int mode);

/**
 * ptsim_uffdio_poison() - mark missing pages poisoned (UFFDIO_POISON,
 * mfill_atomic_pte_poison()).
 * @mm: address space.  @dst: page aligned.  @len: page aligned, not 0.
 * @mode: 0 or PTSIM_UFFDIO_POISON_MODE_DONTWAKE.
 *
 * Each none PTE of the range gets a PTE_MARKER_POISONED marker (page
 * tables allocated as needed, all before anything changes): an access to
 * it gets VM_FAULT_HWPOISON, which the model reports as SIGBUS
 * (BUS_MCEERR_AR), as if the page had a memory error, without any page
 * behind it.  Rules as ptsim_uffdio_zeropage(), except that the shmem page
 * cache is not consulted.  A zap (MADV_DONTNEED, munmap) removes the
 * markers.
 *
 * Return: 0; -EINVAL (misaligned or empty range, bad mode, a kernel
 * without PTE markers); -ENOENT (not inside one registered VMA); -EEXIST
 * (an entry is not none, a uffd-wp marker included); -EFAULT (shmem beyond
 * the end of the file); -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_poison(struct ptsim_mm *mm, uint64_t dst, uint64_t len,
						   unsigned int mode);

/**
 * ptsim_uffdio_writeprotect() - write-protect or unprotect a range
 * (UFFDIO_WRITEPROTECT, mwriteprotect_range()).
 * @mm: address space.  @start: page aligned.  @len: page aligned, not 0.
 * @mode: PTSIM_UFFDIO_WRITEPROTECT_MODE_WP to protect, 0 to unprotect
 *        (optionally with _DONTWAKE; WP with DONTWAKE is -EINVAL).
 *
 * change_protection() with MM_CP_UFFD_WP or MM_CP_UFFD_WP_RESOLVE on each
 * VMA of the range: present entries are rebuilt from vm_page_prot
 * (pte_modify()) and get the uffd-wp bit, which write-protects them, or
 * lose it; on unprotect an entry is made writable at once where
 * can_change_pte_writable() allows (an exclusive anonymous page, a dirty
 * shared one), and any other read-only entry is resolved by the ordinary
 * write fault, so unprotect never leaves a userfault loop (uffd_wp_range(),
 * mm/userfaultfd.c).
 * Protecting a shmem VMA, or an anonymous one with WP_UNPOPULATED
 * (ptsim_uffdio_api()), also puts a uffd-wp marker on every none PTE of the
 * range (userfaultfd_wp_use_markers()), allocating the page tables they
 * need - all of them before anything changes; they count in the
 * page-table bytes.  Unprotect clears uffd-wp markers.  Changed entries
 * are flushed from the TLBs.  Holes are skipped.
 *
 * Return: 0; -EINVAL (misaligned or empty range, bad mode); -ENOENT (no VMA
 * in the range, or a VMA that is not registered for WP); -ENOMEM (the
 * markers' page tables; nothing changed).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffdio_writeprotect(struct ptsim_mm *mm, uint64_t start,
							 uint64_t len, unsigned int mode);

/*
 * struct ptsim_uffd_serve_result - what ptsim_uffd_serve() did.
 * @access: the last access's result (completed, or a signal).
 * @rounds: the page faults the monitor resolved.
 * @unprotected: of which WP faults (UFFDIO_WRITEPROTECT without MODE_WP).
 * @copied: of which MISSING faults (UFFDIO_COPY of the page).
 * @events: other messages read and let go (fork events).
 */
struct ptsim_uffd_serve_result {
	struct ptsim_access_result access;
	unsigned int rounds, unprotected, copied, events;
};

/**
 * ptsim_uffd_serve() - one access with a monitor thread behind it (the
 * fault-handling loop of uffd-stress and the selftests' uffd_poll_thread()).
 * @mm: address space.  @cpu, @va, @access: as ptsim_access().
 * @max_rounds: how many faults the monitor resolves before it declares a
 *              userfault loop (0: 16).
 * @out: receives what happened (also on -ELOOP).
 *
 * Makes the access; while it traps, reads every queued message and
 * resolves each page fault - a WP fault by unprotecting its page, a
 * MISSING fault by UFFDIO_COPY of its page (-EEXIST, a page already there,
 * is fine) - then repeats the access.  An access that traps again after
 * @max_rounds resolutions is a fault loop, as the 2018 write-protect bug
 * made (compat.uffd_wp_2018 with compat.thp_split_dirty=pre-6.1).
 *
 * It is a sequence of calls, each all or nothing: when one fails, what the
 * earlier ones did stays (faulted tables, resolved pages), as with a real
 * monitor.
 *
 * Return: 0 (the access completed, or ended in a signal: @out->access);
 * -ELOOP (still trapping after @max_rounds resolutions; the message says
 * where); an error of ptsim_access() or of a resolution ioctl; -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_uffd_serve(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
						unsigned int access, unsigned int max_rounds,
						struct ptsim_uffd_serve_result *out);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_UFFD_H */
