/* SPDX-License-Identifier: MIT */
/*
 * mm.h - address spaces as processes see them: VMAs, mmap/munmap/mprotect,
 * madvise, fork, exit, simulated files, memory accesses through the emulated
 * MMU with the kernel's fault handler behind it, rmap and pagemap.
 *
 * An address space (struct ptsim_mm, created by ptsim_mm_create()) holds a
 * set of VMAs - disjoint, page-aligned ranges with kernel VM_* flags - and
 * the page tables.  The VMA calls never allocate page tables: tables appear
 * when a fault fills an entry (ptsim_access()) and go away when munmap or
 * exit frees them under the kernel's floor/ceiling rule (a table is freed
 * only when no remaining VMA overlaps the span it translates).
 *
 * Pages mapped through VMAs are reference counted and reverse mapped as the
 * kernel does (folio_add_*_rmap_*() in mm/rmap.c):
 *  - every page-table entry mapping a page of a folio holds one folio
 *    reference and one mapcount (the page's _mapcount for a PTE, the folio's
 *    _entire_mapcount for a PMD/PUD leaf; _large_mapcount counts both);
 *  - a page-cache folio holds one more reference per page for the cache;
 *  - the shared zero page is mapped with special entries and never counted.
 * ptsim_check() recomputes all of this from the VMAs and tables (finding
 * MAPCOUNT).  Leaves outside every VMA - mappings made with the low-level
 * ptsim_map() - take no references and are not accounted.
 *
 * Anonymous folios point to their anon_vma (folio->mapping = id << 2 | 1,
 * the kernel's PAGE_MAPPING_ANON tag), file folios to their file (id << 2);
 * folio->index is the page offset (linear_page_index()).  One anon_vma is
 * shared by a VMA, the VMAs split from it and every VMA forked from it, so
 * an rmap walk visits a superset of the kernel's anon_vma_chain and keeps
 * the VMAs that really map the folio.
 *
 * Every fallible call returns 0 or a negative errno, leaves the model
 * unchanged on failure (all or nothing, allocation failures included), and
 * sets ptsim_errmsg().
 */
#ifndef PTSIM_MM_H
#define PTSIM_MM_H

#include "ptsim/export.h"
#include "ptsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VMA flags: the kernel's VM_* values (include/linux/mm.h). */
#define PTSIM_VM_NONE	      0x00000000ull
#define PTSIM_VM_READ	      0x00000001ull
#define PTSIM_VM_WRITE	      0x00000002ull
#define PTSIM_VM_EXEC	      0x00000004ull
#define PTSIM_VM_SHARED	      0x00000008ull
#define PTSIM_VM_MAYREAD      0x00000010ull
#define PTSIM_VM_MAYWRITE     0x00000020ull
#define PTSIM_VM_MAYEXEC      0x00000040ull
#define PTSIM_VM_MAYSHARE     0x00000080ull
#define PTSIM_VM_GROWSDOWN    0x00000100ull
#define PTSIM_VM_UFFD_MISSING 0x00000200ull
#define PTSIM_VM_PFNMAP	      0x00000400ull
#define PTSIM_VM_UFFD_WP      0x00001000ull
#define PTSIM_VM_LOCKED	      0x00002000ull
#define PTSIM_VM_IO	      0x00004000ull
#define PTSIM_VM_DONTCOPY     0x00020000ull
#define PTSIM_VM_DONTEXPAND   0x00040000ull
#define PTSIM_VM_ACCOUNT      0x00100000ull
#define PTSIM_VM_NORESERVE    0x00200000ull
#define PTSIM_VM_HUGETLB      0x00400000ull
#define PTSIM_VM_WIPEONFORK   0x02000000ull
#define PTSIM_VM_SOFTDIRTY    0x08000000ull /* x86 only: arm64 has no soft-dirty (VM_NONE) */
#define PTSIM_VM_MIXEDMAP     0x10000000ull
#define PTSIM_VM_HUGEPAGE     0x20000000ull
#define PTSIM_VM_NOHUGEPAGE   0x40000000ull
#define PTSIM_VM_UFFD_MINOR   (1ull << 41) /* VM_UFFD_MINOR (VM_HIGH_ARCH_9) */

/* mmap() flags, with the kernel's values. */
#define PTSIM_MAP_SHARED	  0x01u
#define PTSIM_MAP_PRIVATE	  0x02u
#define PTSIM_MAP_FIXED		  0x10u
#define PTSIM_MAP_ANONYMOUS	  0x20u
#define PTSIM_MAP_FIXED_NOREPLACE 0x100000u
#define PTSIM_MAP_NORESERVE	  0x4000u  /* no hugetlb reservation: a fault may get SIGBUS */
#define PTSIM_MAP_HUGETLB	  0x40000u /* hugetlb pages (an internal hugetlbfs file) */
/*
 * MAP_HUGETLB page size: log2 of the size in flag bits 26..31 (0 = the
 * default hugetlb size of the configuration, its PMD size).
 */
#define PTSIM_MAP_HUGE_SHIFT 26
#define PTSIM_MAP_HUGE_MASK  0x3fu
#define PTSIM_MAP_HUGE_64KB  (16u << PTSIM_MAP_HUGE_SHIFT)
#define PTSIM_MAP_HUGE_2MB   (21u << PTSIM_MAP_HUGE_SHIFT)
#define PTSIM_MAP_HUGE_32MB  (25u << PTSIM_MAP_HUGE_SHIFT)
#define PTSIM_MAP_HUGE_512MB (29u << PTSIM_MAP_HUGE_SHIFT)
#define PTSIM_MAP_HUGE_1GB   (30u << PTSIM_MAP_HUGE_SHIFT)
#define PTSIM_MAP_HUGE_16GB  (34u << PTSIM_MAP_HUGE_SHIFT)

/* madvise() advice, with the kernel's values. */
#define PTSIM_MADV_DONTNEED   4
#define PTSIM_MADV_FREE	      8	 /* lazy free: pages stay mapped, clean and old, until reclaim */
#define PTSIM_MADV_HUGEPAGE   14 /* VM_HUGEPAGE: THPs allowed with thp.enabled=madvise */
#define PTSIM_MADV_NOHUGEPAGE 15 /* VM_NOHUGEPAGE: no THP faults here */

/* clear_refs types (/proc/PID/clear_refs). */
#define PTSIM_CLEAR_REFS_SOFT_DIRTY 4

/* Access kinds of ptsim_access() (a bitmask; an instruction fetch is EXEC). */
#ifndef PTSIM_ACCESS_READ
#define PTSIM_ACCESS_READ  0x1u
#define PTSIM_ACCESS_WRITE 0x2u
#define PTSIM_ACCESS_EXEC  0x4u
#endif

/* --- simulated files ------------------------------------------------------ */

/*
 * A simulated file: a size and a page cache (page index -> folio).  Regular
 * files have writeback, so shared writable mappings of them are
 * write-notified (mapped read-only until the first write, which marks the
 * folio dirty); memfd/shmem files are not.  A page-cache miss on a regular
 * file is a major fault (the data is "read from disk"), on shmem a minor one.
 */
struct ptsim_file;

/**
 * ptsim_file_create() - create a regular file of @size bytes (all holes).
 * @m: machine.  @size: file size in bytes.  @out: receives the file.
 *
 * The caller holds one reference, dropped by ptsim_file_close(); each VMA
 * mapping the file holds another.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_file_create(struct ptsim_machine *m, uint64_t size,
						 struct ptsim_file **out);

/**
 * ptsim_memfd_create() - create a shmem file (memfd_create()) of @size bytes.
 * @m: machine.  @size: file size in bytes.  @out: receives the file.
 * Return: 0, -EINVAL, -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_memfd_create(struct ptsim_machine *m, uint64_t size,
						  struct ptsim_file **out);

/* memfd_create() flags, with the kernel's values; the size as MAP_HUGE_*. */
#define PTSIM_MFD_HUGETLB 0x0004u

/**
 * ptsim_hugetlbfs_create() - create a file of @size bytes on a hugetlbfs
 * mount with pagesize=@hsize.
 * @m: machine.  @hsize: a hugetlb size of the configuration, 0 for the
 *      default (the PMD size).
 * @size: file size, a multiple of @hsize.  @out: receives the file.
 *
 * Mappings of the file are hugetlb mappings (see ptsim_mmap()): a shared
 * one reserves the file range in the pool and maps the file's page-cache
 * folios; a private one reserves for its VMA, maps cached folios
 * read-only and copies them on write.  A writable mapping past the end
 * extends the file (hugetlbfs_file_mmap()).  The reservations and pages
 * of the file go back to the pool when it is truncated or freed.
 *
 * Return: 0, -EINVAL (not a hugetlb size, size not a multiple), -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_hugetlbfs_create(struct ptsim_machine *m, uint64_t hsize,
						      uint64_t size, struct ptsim_file **out);

/**
 * ptsim_memfd_create_flags() - memfd_create() with flags.
 * @m: machine.  @size: file size in bytes.
 * @flags: 0 (the same as ptsim_memfd_create()), or PTSIM_MFD_HUGETLB with a
 *         size in bits 26..31 as PTSIM_MAP_HUGE_* (0: the default size):
 *         a hugetlbfs file (ptsim_hugetlbfs_create()).
 * @out: receives the file.
 * Return: 0, -EINVAL (unknown flags, not a hugetlb size, size not a
 * multiple of it), -ENOMEM.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_memfd_create_flags(struct ptsim_machine *m, uint64_t size,
							unsigned int flags,
							struct ptsim_file **out);

/**
 * ptsim_ftruncate() - change the size of a hugetlbfs file (hugetlb_vmtruncate()).
 * @f: a hugetlbfs file.  @size: the new size, a multiple of the huge page size.
 *
 * Shrinking unmaps every mapping of the file past @size in every address
 * space (shared pages and private copies alike, whole entries, tables
 * kept), removes those pages from the page cache and frees them, and gives
 * back the reservations of the range (hugetlb_unreserve_pages()); a later
 * fault there gets SIGBUS.  Growing only changes the size.
 *
 * Return: 0; -EINVAL (NULL, size not a multiple of the huge page size);
 * -EOPNOTSUPP (not a hugetlbfs file: truncation of other files is not
 * modelled); -ENOMEM (growing needed memory).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_ftruncate(struct ptsim_file *f, uint64_t size);

/**
 * ptsim_file_close() - drop the caller's reference.
 * @f: file (NULL is a no-op).
 *
 * When no VMA maps the file any more its page cache is dropped (each folio
 * loses the cache's references) and the file is freed.
 */
PTSIM_API void ptsim_file_close(struct ptsim_file *f);

/**
 * ptsim_file_size() - the size of a file.
 * @f: file (NULL gives 0).
 * Return: the size in bytes.
 */
PTSIM_API uint64_t ptsim_file_size(const struct ptsim_file *f);

/**
 * ptsim_file_nr_cached() - pages in a file's page cache.
 * @f: file (NULL gives 0).
 * Return: the number of cached pages.
 */
PTSIM_API uint64_t ptsim_file_nr_cached(const struct ptsim_file *f);

/**
 * ptsim_file_cache_pfn() - the page-cache folio at a page index.
 * @f: file.  @index: page index.  @pfn: receives the folio's head PFN.
 * Return: 0, or -ENOENT if the page is not cached.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_file_cache_pfn(struct ptsim_file *f, uint64_t index,
						    uint64_t *pfn);

/* --- VMAs ------------------------------------------------------------------ */

/**
 * ptsim_mmap() - map a range of anonymous memory or of a file.
 * @mm: address space.
 * @addr: a hint (0 = anywhere), or the exact address with PTSIM_MAP_FIXED /
 *        PTSIM_MAP_FIXED_NOREPLACE (page aligned).
 * @len: length in bytes, rounded up to pages; not 0.
 * @prot: PTSIM_PROT_* bits.
 * @flags: exactly one of PTSIM_MAP_SHARED / PTSIM_MAP_PRIVATE, optionally
 *         PTSIM_MAP_ANONYMOUS and one of PTSIM_MAP_FIXED / _FIXED_NOREPLACE;
 *         with PTSIM_MAP_ANONYMOUS also PTSIM_MAP_HUGETLB (with a size
 *         PTSIM_MAP_HUGE_* or 0 for the default) and PTSIM_MAP_NORESERVE.
 * @file: the file for a file mapping (ignored with PTSIM_MAP_ANONYMOUS).
 *        A shared anonymous mapping gets a shmem file of its own, as the
 *        kernel's shmem_zero_setup() does.
 * @pgoff: offset in the file, in pages.
 * @out: receives the start address of the mapping.
 *
 * Without MAP_FIXED the range is chosen top-down below the mmap base, as
 * the kernel's arch_get_unmapped_area_topdown() does, using the hint if the
 * range there is free.  MAP_FIXED replaces whatever was mapped (as munmap
 * would); MAP_FIXED_NOREPLACE fails instead.  A new VMA merges with
 * compatible neighbours.  No page table is allocated.
 *
 * HugeTLB (ksys_mmap_pgoff() with MAP_HUGETLB, hugetlbfs_file_mmap()): the
 * mapping is backed by an internal hugetlbfs file of that page size; the
 * length is rounded up to the huge page size, the address is huge-page
 * aligned (a misaligned MAP_FIXED address is -EINVAL) and the VMA gets
 * VM_HUGETLB | VM_DONTEXPAND.  Unless MAP_NORESERVE, every huge page of the
 * range is reserved in the pool (hugetlb_reserve_pages(): a private mapping
 * reserves for its VMA, a shared one for the file range), and mmap fails
 * with -ENOMEM, nothing changed, if the pool has not enough free unreserved
 * pages.  A fault maps one PMD or PUD leaf - or, for the arm64
 * contiguous sizes, a run of CONT_PTES / CONT_PMDS entries with the
 * contiguous hint, one mapping of the folio - and consumes the
 * reservation; munmap and exit give the unused reservations of a private
 * mapping back.  HugeTLB VMAs never merge, and are split only at huge page
 * boundaries (munmap, mprotect: -EINVAL otherwise).
 *
 * Return: 0; -EINVAL (zero length, misaligned fixed address, bad prot or
 * flags, no file for a file mapping, offset overflow, not a hugetlb size of
 * the configuration); -ENOMEM (no room in the address space, out of
 * memory, or not enough free hugetlb pages to reserve); -EEXIST (FIXED_NOREPLACE overlap);
 * -EBUSY (the range holds entries written outside VMAs, by ptsim_map() or
 * ptsim_pgslot_set(): unmap them first).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_mmap(struct ptsim_mm *mm, uint64_t addr, uint64_t len,
					  unsigned int prot, unsigned int flags,
					  struct ptsim_file *file, uint64_t pgoff, uint64_t *out);

/**
 * ptsim_munmap() - remove the mappings of [addr, addr + len).
 * @mm: address space.  @addr: page aligned.  @len: rounded up to pages.
 *
 * VMAs straddling the ends are split.  The range is zapped through an
 * mmu_gather (clear, flush, then release the pages) and page tables no
 * remaining VMA overlaps are freed (free_pgtables()).  Holes are fine.
 *
 * Return: 0, -EINVAL (misaligned, zero length, outside the address space),
 * -ENOMEM (a split needed memory).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_munmap(struct ptsim_mm *mm, uint64_t addr, uint64_t len);

/**
 * ptsim_mprotect() - change the protection of [addr, addr + len).
 * @mm: address space.  @addr: page aligned.  @len: rounded up to pages.
 * @prot: PTSIM_PROT_* bits.
 *
 * VMAs are split where the range cuts them, then merged with compatible
 * neighbours.  Present entries are changed as the kernel's
 * change_protection() does (pte_modify(); a private page mapped by its
 * only owner, or a dirty shared one, is made writable at once) and the TLBs
 * flushed.  No page table is allocated.
 *
 * Return: 0, -EINVAL (misaligned, bad prot), -ENOMEM (part of the range is
 * not mapped, or a split needed memory).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_mprotect(struct ptsim_mm *mm, uint64_t addr, uint64_t len,
					      unsigned int prot);

/**
 * ptsim_madvise() - give advice about [addr, addr + len).
 * @mm: address space.  @addr: page aligned.  @len: rounded up to pages.
 * @advice: PTSIM_MADV_DONTNEED: zap the range (pages released through an
 *          mmu_gather; a THP the range only partly covers is split first).
 *          With the pt_reclaim knob (on by default, CONFIG_PT_RECLAIM) a
 *          PTE table whose whole span one VMA's zap covers, and which the
 *          zap leaves empty, is freed too (fast path, or slow path after
 *          the gather's batch filled: vmstat pt_reclaim_*); a marker or any
 *          entry left keeps it, and PMD and upper tables always stay.
 *          Without pt_reclaim every table stays, as in kernels before 6.14.
 *          On a hugetlb VMA the start must be huge-page aligned (-EINVAL),
 *          the end is rounded down to a huge page and whole entries go
 *          (madvise_dontneed_free_valid_vma()); a private owner's
 *          anonymous page freed there gets its reservation back.
 *          PTSIM_MADV_FREE (anonymous private VMAs only, -EINVAL
 *          otherwise): madvise_free_pte_range() - every page stays mapped;
 *          an anonymous folio mapped only here loses PG_dirty, its PTEs
 *          (or PMD) are made clean and old (flushed), and it is marked
 *          lazyfree (PG_swapbacked, PG_active and PG_referenced cleared,
 *          vmstat pglazyfree), so that reclaim could drop it while it stays
 *          clean; a large folio the range cuts is split first (skipped if
 *          it cannot be); swap and hwpoison entries are cleared; no table
 *          is freed.  In a shmem VMA
 *          registered for uffd-wp, a write-protected PTE leaves a uffd-wp
 *          marker; on anonymous memory uffd-wp markers go.
 *          PTSIM_MADV_HUGEPAGE / PTSIM_MADV_NOHUGEPAGE: set VM_HUGEPAGE /
 *          VM_NOHUGEPAGE (clearing the other) on the range, splitting and
 *          merging VMAs as mprotect does; THPs already mapped stay.
 *
 * Return: 0, -EINVAL (misaligned, unknown advice, MADV_FREE on a hugetlb
 * VMA), -ENOMEM (part of the range is not mapped; the mapped parts are
 * still done, as in the kernel).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_madvise(struct ptsim_mm *mm, uint64_t addr, uint64_t len,
					     int advice);

/**
 * ptsim_fork() - duplicate an address space (dup_mmap()).
 * @mm: parent.  @child: receives the new address space.
 *
 * VMAs are copied (except VM_DONTCOPY).  Page tables are copied only where
 * the kernel's vma_needs_copy() says so - VMAs with an anon_vma and PFN/mixed
 * maps, and VMAs the child keeps registered for uffd-wp
 * (UFFD_FEATURE_EVENT_FORK, see ptsim/uffd.h); other shared file and shmem
 * VMAs without anon_vma are left to fault.  Private writable entries are write-protected in both
 * address spaces (copy-on-write), pages lose PG_anon_exclusive, every copied
 * entry takes a reference and a mapcount, and the parent's TLBs are flushed.
 *
 * Return: 0, -EINVAL, -ENOMEM (nothing created, the parent unchanged).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_fork(struct ptsim_mm *mm, struct ptsim_mm **child);

/* What ptsim_vma_info() reports about one VMA. */
struct ptsim_vma_info {
	uint64_t start, end;	       /* [start, end) */
	uint64_t flags;		       /* PTSIM_VM_* */
	unsigned int prot;	       /* PTSIM_PROT_* */
	uint64_t pgoff;		       /* vm_pgoff (pages) */
	uint64_t page_prot;	       /* vm_page_prot, PTE format */
	const struct ptsim_file *file; /* NULL for private anonymous memory */
	bool anon;		       /* no file (private anonymous) */
	bool shmem;		       /* backed by a shmem file (memfd, shared anonymous) */
	bool has_anon_vma;	       /* an anon_vma is attached */
	uint64_t hugetlb_size;	       /* the huge page size of a VM_HUGETLB VMA, else 0 */
};

/**
 * ptsim_vma_info() - describe the VMA containing @addr.
 * @mm: address space.  @addr: address.  @out: receives the description.
 * Return: 0, -ENOENT if no VMA contains @addr, -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_vma_info(struct ptsim_mm *mm, uint64_t addr,
					      struct ptsim_vma_info *out);

/**
 * ptsim_vma_next() - describe the first VMA ending above @addr (find_vma()).
 * @mm: address space.  @addr: address.  @out: receives the description.
 *
 * Iterate with: for (a = 0; !ptsim_vma_next(mm, a, &v); a = v.end) ...
 *
 * Return: 0, -ENOENT if there is none, -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_vma_next(struct ptsim_mm *mm, uint64_t addr,
					      struct ptsim_vma_info *out);

/**
 * ptsim_mm_nr_vmas() - the number of VMAs of an address space.
 * @mm: address space (NULL gives 0).
 * Return: the count.
 */
PTSIM_API uint64_t ptsim_mm_nr_vmas(const struct ptsim_mm *mm);

/* --- faults ------------------------------------------------------------------ */

/* vm_fault_t bits (include/linux/mm_types.h enum vm_fault_reason). */
#define PTSIM_VM_FAULT_CODES(X)                                                                    \
	X(OOM, 0x000001u)                                                                          \
	X(SIGBUS, 0x000002u)                                                                       \
	X(MAJOR, 0x000004u)                                                                        \
	X(HWPOISON, 0x000010u)                                                                     \
	X(HWPOISON_LARGE, 0x000020u)                                                               \
	X(SIGSEGV, 0x000040u)                                                                      \
	X(NOPAGE, 0x000100u)                                                                       \
	X(LOCKED, 0x000200u)                                                                       \
	X(RETRY, 0x000400u)                                                                        \
	X(FALLBACK, 0x000800u)                                                                     \
	X(DONE_COW, 0x001000u)                                                                     \
	X(NEEDDSYNC, 0x002000u)                                                                    \
	X(COMPLETED, 0x004000u)

enum ptsim_vm_fault_bits {
#define PTSIM__VM_FAULT_ENUM(name, val) PTSIM_VM_FAULT_##name = val,
	PTSIM_VM_FAULT_CODES(PTSIM__VM_FAULT_ENUM)
#undef PTSIM__VM_FAULT_ENUM
		PTSIM_VM_FAULT_HINDEX_MASK = 0x0f0000u,
};

typedef unsigned int ptsim_vm_fault_t;

#define PTSIM_VM_FAULT_ERROR                                                                       \
	(PTSIM_VM_FAULT_OOM | PTSIM_VM_FAULT_SIGBUS | PTSIM_VM_FAULT_SIGSEGV |                     \
	 PTSIM_VM_FAULT_HWPOISON | PTSIM_VM_FAULT_HWPOISON_LARGE | PTSIM_VM_FAULT_FALLBACK)

/**
 * ptsim_vm_fault_name() - name of one VM_FAULT bit.
 * @bit: a single PTSIM_VM_FAULT_* value.
 * Return: "OOM", "SIGBUS", ... or "?".
 */
PTSIM_API const char *ptsim_vm_fault_name(unsigned int bit);

/* Signals and si_code values a process would see. */
#define PTSIM_SIGBUS	    7
#define PTSIM_SIGSEGV	    11
#define PTSIM_SEGV_MAPERR   1
#define PTSIM_SEGV_ACCERR   2
#define PTSIM_BUS_ADRERR    2
#define PTSIM_BUS_MCEERR_AR 4

/*
 * struct ptsim_access_result - what one access did.
 * @signal: 0 (the access completed, or a userfault is pending),
 *          PTSIM_SIGSEGV or PTSIM_SIGBUS.
 * @si_code: SEGV_MAPERR / SEGV_ACCERR / BUS_ADRERR / BUS_MCEERR_AR.
 * @fault_addr: the faulting address (not rounded).
 * @fault_addr_lsb: for BUS_MCEERR_AR, the shift of the poisoned unit.
 * @fault: the VM_FAULT_* bits of the last fault handled (0 if none).
 * @nr_faults: faults taken by this access (each retried).
 * @userfault_pending: the access waits for a userfaultfd message.
 * @pa: the physical address accessed (valid when @signal is 0 and no
 *      userfault is pending).
 */
struct ptsim_access_result {
	int signal;
	int si_code;
	uint64_t fault_addr;
	unsigned int fault_addr_lsb;
	ptsim_vm_fault_t fault;
	unsigned int nr_faults;
	bool userfault_pending;
	uint64_t pa;
};

/**
 * ptsim_access() - one user-mode memory access, as a process makes it.
 * @mm: address space.  @cpu: the CPU (0 .. ncpus - 1); the address space is
 *      switched to it (ptsim_switch_mm()).
 * @va: the address.  @access: PTSIM_ACCESS_READ, _WRITE or _EXEC.
 * @res: receives the outcome.
 *
 * The emulated MMU looks the TLB up, walks on a miss (setting
 * accessed/dirty bits as the hardware does) and checks permissions; a fault
 * goes to the fault handler (handle_mm_fault()), and the access is retried.
 * A signal in @res is the outcome a process would see, not an error.
 *
 * Return: 0 (see @res), -EINVAL (bad CPU or access), -ENOMEM (a fault ran
 * out of memory: @res->fault has VM_FAULT_OOM, nothing was changed by that
 * fault), -EFAULT (the walk followed a stale walk-cache entry to a freed
 * table - a missing flush, already recorded as a FREE_LIVE_WALK violation),
 * -ELOOP (the fault handler made no progress; a model bug).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_access(struct ptsim_mm *mm, unsigned int cpu, uint64_t va,
					    unsigned int access, struct ptsim_access_result *res);

/*
 * struct ptsim_mm_counters - fault and rss counters of one address space.
 * @pgfault: faults handled (handle_mm_fault() calls), failed ones included.
 * @maj_flt, @min_flt: successful faults, major (I/O) and minor.
 * @anon_fault: new anonymous pages.  @zero_page: zero-page mappings.
 * @cow: pages copied on write.  @wp_reuse: write faults that reused a page.
 * @file_fault: page-cache pages mapped.  @fixup: access-flag and dirty-bit
 * fix-ups (ptep_set_access_flags()).  @spurious: faults that found nothing
 * to do.  @sigsegv, @sigbus: signals delivered.
 * @rss_anon, @rss_file, @rss_shmem: pages mapped (MM_ANONPAGES, ...).
 */
struct ptsim_mm_counters {
	uint64_t pgfault, maj_flt, min_flt;
	uint64_t anon_fault, zero_page, cow, wp_reuse, file_fault, fixup, spurious;
	uint64_t sigsegv, sigbus;
	uint64_t rss_anon, rss_file, rss_shmem;
};

/**
 * ptsim_mm_counters() - the fault and rss counters of an address space.
 * @mm: address space (NULL gives zeroes).
 * @out: receives a copy.
 */
PTSIM_API void ptsim_mm_counters(const struct ptsim_mm *mm, struct ptsim_mm_counters *out);

/* --- rmap ---------------------------------------------------------------------- */

/*
 * One mapping found by ptsim_rmap_walk(): the address space, the VMA, the
 * address of the first page of the folio the entry maps there, the level of
 * the entry and its value.
 */
struct ptsim_rmap_hit {
	struct ptsim_mm *mm;
	struct ptsim_vma_info vma;
	uint64_t addr;
	enum ptsim_level level;
	ptsim_ent_t entry;
};

/* Return 0 to go on, non-zero to stop the walk with that value. */
typedef int (*ptsim_rmap_fn)(const struct ptsim_rmap_hit *hit, void *arg);

/**
 * ptsim_rmap_walk() - visit every (address space, VMA, address) mapping a folio.
 * @m: machine.  @pfn: any page of the folio.  @fn: callback.  @arg: for @fn.
 *
 * Anonymous folios are found through their anon_vma, file folios through
 * the file's VMA list; for each candidate VMA page_vma_mapped_walk() finds
 * the entry (at any level) mapping a page of the folio.
 *
 * Return: number of mappings visited, the first non-zero value of @fn, or
 * -EINVAL (not an in-use frame).
 */
PTSIM_API long ptsim_rmap_walk(struct ptsim_machine *m, uint64_t pfn, ptsim_rmap_fn fn, void *arg);

/**
 * ptsim_try_to_unmap() - clear every entry mapping a folio.
 * @m: machine.  @pfn: any page of the folio.
 *
 * Each entry is cleared and flushed (ptep_clear_flush()), its dirty bit
 * carried to the folio, its mapcount and reference dropped.  A
 * write-protected PTE of a shmem or file VMA registered for uffd-wp leaves
 * a uffd-wp marker, as try_to_unmap_one() does.
 *
 * Return: number of entries cleared, or -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_try_to_unmap(struct ptsim_machine *m, uint64_t pfn);

/**
 * ptsim_folio_mkclean() - write-protect and clean every shared mapping of a folio.
 * @m: machine.  @pfn: any page of the folio.
 * Return: number of entries that were dirty or writable, or -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_folio_mkclean(struct ptsim_machine *m, uint64_t pfn);

/**
 * ptsim_folio_referenced() - test and clear the young bit of every mapping.
 * @m: machine.  @pfn: any page of the folio.
 * Return: number of mappings that were young, or -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_folio_referenced(struct ptsim_machine *m, uint64_t pfn);

/* --- pagemap ------------------------------------------------------------------- */

#define PTSIM_PM_PFN_MASK	((1ull << 55) - 1)
#define PTSIM_PM_SOFT_DIRTY	(1ull << 55)
#define PTSIM_PM_MMAP_EXCLUSIVE (1ull << 56)
#define PTSIM_PM_UFFD_WP	(1ull << 57)
#define PTSIM_PM_GUARD_REGION	(1ull << 58)
#define PTSIM_PM_FILE		(1ull << 61)
#define PTSIM_PM_SWAP		(1ull << 62)
#define PTSIM_PM_PRESENT	(1ull << 63)

/**
 * ptsim_pagemap() - the /proc/PID/pagemap word of one page.
 * @mm: address space.  @va: any address in the page.  @word: receives it.
 *
 * As a reader with CAP_SYS_ADMIN sees it: bit 63 present, 62 swapped (any
 * non-present non-none entry), 61 file page or shared anonymous, 58 guard
 * marker, 57 uffd-wp, 56 exclusively mapped (the page's mapcount is 1), 55
 * soft-dirty (entry bit, or VM_SOFTDIRTY on the VMA), 54:0 the PFN (or
 * swap type | offset << 5).  In a hugetlb VMA as pagemap_hugetlb_range():
 * soft-dirty from VM_SOFTDIRTY only, the subpage's PFN, exclusive while
 * the folio has one mapping, and for a non-present entry only bit 57.
 *
 * Return: 0, -EINVAL (non-canonical address).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_pagemap(struct ptsim_mm *mm, uint64_t va, uint64_t *word);

/**
 * ptsim_pagemap_range() - pagemap words of every page of [start, end).
 * @mm: address space.  @start, @end: page-aligned range.
 * @words: receives (end - start) / page size words.  @nr: capacity of @words.
 * Return: number of words written, or -EINVAL.
 */
PTSIM_API PTSIM_MUST_CHECK long ptsim_pagemap_range(struct ptsim_mm *mm, uint64_t start,
						    uint64_t end, uint64_t *words, size_t nr);

/**
 * ptsim_clear_refs() - what writing @type to /proc/PID/clear_refs does.
 * @mm: address space.
 * @type: PTSIM_CLEAR_REFS_SOFT_DIRTY: clear soft-dirty on every entry (and
 *        write-protect present ones, so the next write faults and sets it
 *        again) and VM_SOFTDIRTY on every VMA; flush the TLBs.  A no-op on
 *        arm64, which has no soft-dirty tracking.
 * Return: 0, -EINVAL (unknown type).
 */
PTSIM_API PTSIM_MUST_CHECK int ptsim_clear_refs(struct ptsim_mm *mm, int type);

#ifdef __cplusplus
}
#endif

#endif /* PTSIM_MM_H */
