/* SPDX-License-Identifier: MIT */
/*
 * src/mm/internal.h - address spaces, VMAs, files, anon_vma, faults, rmap.
 *
 * The mm layer never sees the api layer's objects.  It works on
 *  - struct ptsim_mm_ctx, one per machine (embedded in struct
 *    ptsim_machine): pointers to the host, the arch, memory, the table
 *    allocator and the TLBs, the MMU switches, and the files and anon_vmas
 *    (hash tables by id, src/util/hash.h, so that a folio's mapping word
 *    holds an id, never a pointer that could dangle);
 *  - struct ptsim_mm_state, one per address space (embedded in struct
 *    ptsim_mm): its tables, its TLB side (ASID, cpumask), the api handle
 *    (stored for mmu_gather, never dereferenced here), the VMA tree and the
 *    counters.
 *
 * Invariants (ptsim_check(), finding MAPCOUNT, recomputes the first three
 * from a walk of every VMA of every address space):
 *  - a page's _mapcount + 1 is the number of PTE leaves inside VMAs mapping
 *    it; a large folio's _entire_mapcount + 1 the number of PMD/PUD leaves
 *    mapping it whole, _large_mapcount + 1 the sum of both, and
 *    _nr_pages_mapped the number of its pages with a PTE mapping plus
 *    ENTIRELY_MAPPED while it has an entire mapping;
 *  - a folio with a mapping (anon or file) has one reference per leaf
 *    mapping it plus one per page while it is in a page cache;
 *  - an address space's rss counters equal the pages its VMAs map;
 *  - every VMA is on its anon_vma's list and its file's i_mmap list; a
 *    file lives while its user reference or a VMA holds it; an anon_vma
 *    lives while a VMA is on its list.
 * Leaves outside every VMA (raw ptsim_map() mappings) are not accounted.
 */
#ifndef PTSIM_SRC_MM_INTERNAL_H
#define PTSIM_SRC_MM_INTERNAL_H

#include "mm/vma.h"
#include "pgtable/internal.h"
#include "pgtable/visit.h"
#include "ptsim/machine.h"
#include "ptsim/mm.h"
#include "ptsim/uffd.h"
#include "tlb/internal.h"
#include "tlb/mmu.h"
#include "util/hash.h"

/* folio->mapping tags (PAGE_MAPPING_ANON). */
#define PTSIM_MAPPING_ANON  0x1ull
#define PTSIM_MAPPING_SHIFT 2
/* _nr_pages_mapped flag for an entire mapping (ENTIRELY_MAPPED). */
#define PTSIM_ENTIRELY_MAPPED 0x800000u

/* One page-cache slot: index (the node's key) -> folio. */
struct ptsim_pcache {
	struct ptsim_hnode node;
	uint64_t pfn;
};

/*
 * A hugetlb reservation map (the kernel's struct resv_map, as a bitmap of
 * huge page indices): for a file (shared mappings) a set bit is a page
 * reserved or allocated for that index (region_add()); for a private
 * mapping's VMAs (shared by the VMAs split from the one mmap() created) a
 * set bit is a reservation already consumed by a fault.
 */
struct ptsim_resv_map {
	uint64_t refs;
	uint64_t nr; /* huge pages covered */
	uint64_t *bits;
};

struct ptsim_file {
	uint64_t id;
	struct ptsim_mm_ctx *ctx;
	uint64_t size;
	bool shmem;
	uint64_t hsize;		     /* hugetlbfs: the huge page size (0: not hugetlb) */
	struct ptsim_resv_map *resv; /* hugetlbfs: the inode's reservations */
	bool user_ref;		     /* the creator's reference, dropped by ptsim_file_close() */
	uint64_t nr_vmas;
	struct ptsim_vma *i_mmap; /* VMAs mapping the file, through f_next/f_prev */
	struct ptsim_hash cache;  /* of struct ptsim_pcache, by page index */
	uint64_t nr_cached;
	struct ptsim_hnode node; /* in ctx->files, by id */
};

struct ptsim_anon_vma {
	uint64_t id;
	struct ptsim_vma *vmas; /* through av_next/av_prev */
	uint64_t nr_vmas;
	struct ptsim_hnode node; /* in ctx->anon_vmas, by id */
};

struct ptsim_mm_ctx {
	bool ready;
	struct ptsim_host *host;
	const struct ptsim_arch *arch;
	struct ptsim_mem *mem;
	struct ptsim_ptalloc *pa;
	struct ptsim_tlbs *tlbs;
	const struct ptsim_config *cfg; /* the machine's knobs, live (ptsim_knob_set()) */
	struct ptsim_mmu_config mmu;
	uint64_t huge_zero_pfn;	  /* the huge zero folio, 0 until a THP read fault needs it */
	uint64_t huge_zero_users; /* mms holding it (MMF_HUGE_ZERO_PAGE) */
	/*
	 * Which swap type code is a PTE marker or a hwpoison entry, and
	 * MAX_SWAPFILES, are read from arch->swp: the machine's numbering,
	 * computed once when it was created (src/arch/softleaf.c).
	 */
	struct ptsim_hash files;     /* of struct ptsim_file, by id */
	struct ptsim_hash anon_vmas; /* of struct ptsim_anon_vma, by id */
	uint64_t next_file_id, next_anon_vma_id;
};

/* userfaultfd (uffd.c): the address space's message queue, oldest first. */
struct ptsim_uffd_node {
	struct ptsim_uffd_msg msg;
	struct ptsim_uffd_node *next;
};

struct ptsim_uffd_queue {
	struct ptsim_uffd_node *head, *tail;
	uint64_t nr;
	/* UFFDIO_API: done (explicitly, or by a first registration), and the features enabled. */
	bool initialized;
	uint64_t features;
	/* A fork event allocated by ptsim__dup_mmap_prepare(), queued by commit. */
	struct ptsim_uffd_node *fork_msg;
};

struct ptsim_mm_state {
	struct ptsim_mm_ctx *ctx;
	struct ptsim_pgtables *pt;
	struct ptsim_tlb_mm *tlb_mm;
	struct ptsim_mm *handle; /* the api layer's handle: for mmu_gather and rmap results */
	struct ptsim_vma_tree vmas;
	struct ptsim_mm_counters cnt;
	struct ptsim_uffd_queue uffd;
	bool huge_zero_ref; /* MMF_HUGE_ZERO_PAGE: holds a huge zero folio reference */
};

/* --- lifecycle (mmap.c) ----------------------------------------------------- */

void ptsim__mm_state_init(struct ptsim_mm_state *st, struct ptsim_mm_ctx *ctx,
			  struct ptsim_pgtables *pt, struct ptsim_tlb_mm *tm,
			  struct ptsim_mm *handle);
/* exit_mmap(): zap everything, free the page tables under VMAs, free the VMAs. */
void ptsim__exit_mmap(struct ptsim_mm_state *st);
/*
 * The per-mm huge zero folio reference (huge_memory.c): take it when @st
 * maps the existing folio (copy_huge_pmd()), drop it at exit
 * (mm_put_huge_zero_folio()).
 */
void ptsim__hold_huge_zero_folio(struct ptsim_mm_state *st);
void ptsim__put_huge_zero_folio(struct ptsim_mm_state *st);

/* --- VMA operations (mmap.c) ------------------------------------------------ */

int ptsim__do_mmap(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, unsigned int prot,
		   unsigned int flags, struct ptsim_file *file, uint64_t pgoff, uint64_t *out);
int ptsim__do_munmap(struct ptsim_mm_state *st, uint64_t addr, uint64_t len);
int ptsim__do_mprotect(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, unsigned int prot);
int ptsim__do_madvise(struct ptsim_mm_state *st, uint64_t addr, uint64_t len, int advice);
void ptsim__vma_fill_info(const struct ptsim_mm_state *st, const struct ptsim_vma *v,
			  struct ptsim_vma_info *out);
/* vm_get_page_prot() plus write-notify: the PTE-format pgprot for @vma's flags. */
uint64_t ptsim__vma_page_prot(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma);
/* Allocate / free a VMA struct. */
struct ptsim_vma *ptsim__vma_alloc(struct ptsim_mm_ctx *ctx);
void ptsim__vma_free(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma);
/* Unlink @vma from its anon_vma and file (freeing them when unused). */
void ptsim__vma_unlink_rmap(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma);
/* __split_vma() at @addr into the preallocated @new (the upper part); cannot fail. */
void ptsim__vma_split(struct ptsim_mm_state *st, struct ptsim_vma *vma, struct ptsim_vma *new,
		      uint64_t addr);
/* Merge @vma with compatible neighbours; returns the VMA now holding its range. */
struct ptsim_vma *ptsim__vma_merge(struct ptsim_mm_state *st, struct ptsim_vma *vma);
/* Validate and page-align [addr, addr + len) for @what: 0 (*end set) or -EINVAL. */
int ptsim__vma_check_range(struct ptsim_mm_state *st, const char *what, uint64_t addr, uint64_t len,
			   uint64_t *end);
/* VMA structs a split of [start, end) needs (0, 1 or 2); allocate and free them. */
int ptsim__vma_splits_needed(struct ptsim_mm_state *st, uint64_t start, uint64_t end);
int ptsim__vma_spares_alloc(struct ptsim_mm_ctx *ctx, int n, struct ptsim_vma **spare);
void ptsim__vma_spares_free(struct ptsim_mm_ctx *ctx, struct ptsim_vma **spare);
/*
 * free_pgtables(): the VMAs first..last (consecutive) are going; free their
 * tables with floor/ceiling from the VMAs that remain (0: none).
 */
void ptsim__free_pgtables(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
			  struct ptsim_vma *first, struct ptsim_vma *last, uint64_t floor,
			  uint64_t ceiling);
/* do_vmi_munmap() with the split structs preallocated (@spare: two, used ones NULLed). */
void ptsim__munmap_prepared(struct ptsim_mm_state *st, uint64_t start, uint64_t end,
			    struct ptsim_vma **spare);
/* vma_soft_dirty_enabled(); vma_wants_writenotify(). */
bool ptsim__vma_soft_dirty_enabled(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma);
bool ptsim__vma_wants_writenotify(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma);
/* TASK_SIZE of the configuration; mmap_min_addr. */
uint64_t ptsim__task_size(const struct ptsim_arch *a);
#define PTSIM_MMAP_MIN_ADDR 0x10000ull
/*
 * change_protection() of [start, end) in @vma with vm_page_prot and the
 * MM_CP_* flags below; returns the number of entries changed.  The caller
 * flushes the TLBs when it is not 0.
 */
#define PTSIM_CP_UFFD_WP	 0x1u /* MM_CP_UFFD_WP: set uffd-wp */
#define PTSIM_CP_UFFD_WP_RESOLVE 0x2u /* MM_CP_UFFD_WP_RESOLVE: clear it, drop uffd-wp markers */
uint64_t ptsim__change_protection(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
				  uint64_t end, unsigned int cp_flags);

/* --- teardown (zap.c) --------------------------------------------------------- */

/*
 * pte_install_uffd_wp_if_needed(): the PTE at @s was just cleared from
 * @old; in a file or shmem VMA registered for uffd-wp, a write-protected
 * PTE (present with the uffd-wp bit, or a swap entry carrying it) leaves a
 * uffd-wp marker, so the protection outlives the zap or unmap (v5.19,
 * "mm/shmem: persist uffd-wp bit across zapping for file-backed").  Not on
 * anonymous VMAs; only PTEs, as the kernel.  True if a marker was left.
 */
bool ptsim__pte_install_uffd_wp_if_needed(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  const struct ptsim_slot *s, uint64_t old);

struct ptsim_zap_details {
	bool drop_markers; /* munmap/exit: PTE markers go too (ZAP_FLAG_DROP_MARKER) */
	bool reclaim_pt;   /* MADV_DONTNEED with pt_reclaim: free PTE tables left empty */
};
/*
 * zap_present_pte() for the present leaf at @s: clear it (*@old), carry
 * dirty/young to a file folio, drop the mapcount and rss.  True if it mapped
 * a normal page (*@page), whose reference the caller releases after the
 * flush (tlb_remove_page()); false for the zero page and special entries.
 */
bool ptsim__zap_present(struct ptsim_mm_state *st, const struct ptsim_slot *s, uint64_t *old,
			uint64_t *page);
/* unmap_page_range() of [start, end) inside @vma. */
void ptsim__zap_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
		      struct ptsim_vma *vma, uint64_t start, uint64_t end,
		      const struct ptsim_zap_details *d);
/*
 * free_pgd_range() through an mmu_gather: tables inside [addr, end) whose
 * span lies in [floor, ceiling) are unhooked and freed after the flush.
 */
void ptsim__free_pgtables_range(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb,
				uint64_t addr, uint64_t end, uint64_t floor, uint64_t ceiling);
void ptsim__tlb_gather(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb, bool fullmm);
void ptsim__tlb_finish(struct ptsim_mm_state *st, struct ptsim_mmu_gather *tlb);

/* --- files and anon_vma (file.c) --------------------------------------------- */

/* Allocate a file (not yet visible), then publish it (gives it an id) or discard it. */
struct ptsim_file *ptsim__file_alloc(struct ptsim_mm_ctx *ctx, uint64_t size, bool shmem,
				     bool user_ref);
void ptsim__file_publish(struct ptsim_file *f);
void ptsim__file_discard(struct ptsim_file *f);
void ptsim__file_close(struct ptsim_file *f);
void ptsim__file_vma_link(struct ptsim_file *f, struct ptsim_vma *vma);
void ptsim__file_vma_unlink(struct ptsim_file *f, struct ptsim_vma *vma);
struct ptsim_file *ptsim__file_lookup(struct ptsim_mm_ctx *ctx, uint64_t id);
/* The cached folio at @index, or 0 (PFN 0 is never a page-cache page: see file.c). */
bool ptsim__pcache_lookup(struct ptsim_file *f, uint64_t index, uint64_t *pfn);
/* Prepared insertion: allocate the slot and the folio first, then commit. */
struct ptsim_pcache_prep {
	struct ptsim_pcache *slot;
	uint64_t pfn;
};
int ptsim__pcache_prepare(struct ptsim_file *f, struct ptsim_pcache_prep *p);
void ptsim__pcache_discard(struct ptsim_file *f, struct ptsim_pcache_prep *p);
void ptsim__pcache_commit(struct ptsim_file *f, uint64_t index, struct ptsim_pcache_prep *p);
/* Calls @fn(ctx, pfn, nr_refs) for every page-cache folio of every file. */
void ptsim__pcache_for_each(struct ptsim_mm_ctx *ctx, void (*fn)(void *arg, uint64_t pfn),
			    void *arg);

struct ptsim_anon_vma *ptsim__anon_vma_alloc(struct ptsim_mm_ctx *ctx);
void ptsim__anon_vma_free(struct ptsim_mm_ctx *ctx, struct ptsim_anon_vma *av);
struct ptsim_anon_vma *ptsim__anon_vma_lookup(struct ptsim_mm_ctx *ctx, uint64_t id);
void ptsim__anon_vma_link(struct ptsim_anon_vma *av, struct ptsim_vma *vma);
/* Unlink; frees the anon_vma when its last VMA goes. */
void ptsim__anon_vma_unlink(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma);

/* --- rmap and counts (rmap.c) ------------------------------------------------ */

/* linear_page_index(): page offset of @addr in @vma's object. */
static inline uint64_t ptsim__linear_page_index(const struct ptsim_arch *a,
						const struct ptsim_vma *vma, uint64_t addr)
{
	return ((addr - vma->vm_start) >> a->page_shift) + vma->vm_pgoff;
}

struct ptsim_frame *ptsim__frame(struct ptsim_mm_ctx *ctx, uint64_t pfn);
unsigned int ptsim__folio_nr_pages(struct ptsim_mm_ctx *ctx, uint64_t head);
bool ptsim__folio_anon(struct ptsim_mm_ctx *ctx, uint64_t pfn);
/* vm_normal_page(): the page a present leaf maps, or false (special, zero page). */
bool ptsim__vm_normal_page(struct ptsim_mm_ctx *ctx, int lvl, uint64_t ent, uint64_t *pfn);
/* folio_add_new_anon_rmap() for a fresh folio mapped at @addr (PTE level, exclusive). */
void ptsim__folio_add_new_anon_rmap(struct ptsim_mm_state *st, uint64_t head, struct ptsim_vma *vma,
				    uint64_t addr);
/* folio_add_new_anon_rmap() of a PMD-order folio mapped entirely at @haddr (RMAP_EXCLUSIVE). */
void ptsim__folio_add_new_anon_rmap_pmd(struct ptsim_mm_state *st, uint64_t head,
					struct ptsim_vma *vma, uint64_t haddr);
/* Mapcounts of @nr pages from @page (PTE level) or of the whole folio (PMD/PUD level). */
void ptsim__folio_add_rmap(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr, int lvl);
/*
 * folio_add_anon_rmap_ptes() of @nr pages of a large anonymous folio, with
 * RMAP_EXCLUSIVE when @exclusive: each page's mapcount and PG_anon_exclusive
 * in one pass over the records.
 */
void ptsim__folio_add_anon_rmap_ptes(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr,
				     bool exclusive);
void ptsim__folio_remove_rmap(struct ptsim_mm_ctx *ctx, uint64_t page, unsigned int nr, int lvl);
/* Per-page mapcount as pagemap reads it (folio_precise_page_mapcount()). */
int ptsim__page_mapcount(struct ptsim_mm_ctx *ctx, uint64_t page);
/* MM_ANONPAGES / MM_FILEPAGES / MM_SHMEMPAGES of a folio. */
enum ptsim_rss_kind { PTSIM_RSS_ANON, PTSIM_RSS_FILE, PTSIM_RSS_SHMEM };
enum ptsim_rss_kind ptsim__folio_rss_kind(struct ptsim_mm_ctx *ctx, uint64_t pfn);
void ptsim__rss_add(struct ptsim_mm_state *st, enum ptsim_rss_kind k, int64_t n);
/* Move an exclusive anon folio to @vma's anon_vma (folio_move_anon_rmap()). */
void ptsim__folio_move_anon_rmap(struct ptsim_mm_ctx *ctx, uint64_t head, struct ptsim_vma *vma);

/* page_vma_mapped_walk(): the next entry in @vma mapping a page of the folio. */
struct ptsim_pvmw {
	uint64_t pfn;	  /* folio head */
	unsigned int nr;  /* folio pages */
	uint64_t address; /* first address to look at (vma_address()) */
	uint64_t end;
	/* out: */
	struct ptsim_slot slot;
	uint64_t hit_addr;
};

typedef int (*ptsim__rmap_one_fn)(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				  struct ptsim_pvmw *pw, void *arg);
/* rmap_walk(): every (mm, vma, entry) mapping the folio of @pfn.  Returns count or @fn's value. */
long ptsim__rmap_walk(struct ptsim_mm_ctx *ctx, uint64_t pfn, ptsim__rmap_one_fn fn, void *arg);
long ptsim__try_to_unmap(struct ptsim_mm_ctx *ctx, uint64_t pfn);
long ptsim__folio_mkclean(struct ptsim_mm_ctx *ctx, uint64_t pfn);
long ptsim__folio_referenced(struct ptsim_mm_ctx *ctx, uint64_t pfn);

/* ptsim_check()'s MAPCOUNT part (mm_check.c) over the @nr address spaces @mms. */
struct ptsim_reporter;
void ptsim__mm_check(struct ptsim_mm_ctx *ctx, struct ptsim_mm_state *const *mms, size_t nr,
		     struct ptsim_reporter *r);

/* --- transparent huge pages (huge_memory.c) --------------------------------------------- */

uint64_t ptsim__thp_size(const struct ptsim_arch *a);
unsigned int ptsim__thp_order(const struct ptsim_arch *a);
/* thp_vma_allowable_order() for a page fault: policy and VMA kind (not the range). */
bool ptsim__thp_vma_allowable(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma);
/* Whether @e at @lvl in @vma is a huge PMD with a deposit (a THP or the huge zero folio). */
bool ptsim__pmd_is_thp(const struct ptsim_mm_ctx *ctx, const struct ptsim_vma *vma, int lvl,
		       uint64_t e);
/* do_huge_pmd_anonymous_page(): 0, VM_FAULT_FALLBACK (map a small page), OOM, or RETRY. */
ptsim_vm_fault_t ptsim__do_huge_pmd_anonymous_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
						   uint64_t va, bool write, bool *userfault);
/* do_huge_pmd_wp_page(): 0 (reused), or VM_FAULT_FALLBACK after splitting the PMD. */
ptsim_vm_fault_t ptsim__do_huge_pmd_wp_page(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					    struct ptsim_slot *s, uint64_t va);
/*
 * __split_huge_pmd_locked() of the THP PMD at @s (s->addr inside it), with
 * the deposited table: cannot fail.  @no_invalidate skips pmdp_invalidate()
 * (the table replaces the live PMD; arm64's checker reports it).
 */
void ptsim__split_huge_pmd_locked(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				  struct ptsim_slot *s, bool no_invalidate);
/* split_huge_pmd_address(): split the THP PMD mapping @addr in @vma, if any. */
bool ptsim__split_huge_pmd_address(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t addr);
/* Split the THP PMDs that [start, end) of @vma cuts (at most the two at its ends). */
void ptsim__split_huge_pmd_edges(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t start,
				 uint64_t end);
/* split_huge_page_to_list_to_order() of the anonymous folio holding @pfn. */
int ptsim__split_huge_page(struct ptsim_mm_ctx *ctx, uint64_t pfn, unsigned int new_order);

/* --- faults (fault.c) ---------------------------------------------------------- */

/*
 * handle_userfault(VM_UFFD_MISSING) from the THP fault: the upper tables of
 * @path are linked (pmd_alloc() ran), nothing is mapped.
 */
ptsim_vm_fault_t ptsim__missing_userfault_upper(struct ptsim_mm_state *st, struct ptsim_vma *vma,
						uint64_t va, bool write,
						struct ptsim_path_prep *path, bool *userfault);
int ptsim__access(struct ptsim_mm_state *st, unsigned int cpu, uint64_t va, unsigned int access,
		  struct ptsim_access_result *res);

/*
 * ptsim__access() of an access the TLB serves (ptsim__mmu_access_hit()),
 * inline for the api layer, which hands over the address space's pieces
 * as it holds them (the machine's TLBs, the tables and the TLB side that
 * ptsim__mm_state_init() was given): @cpu and @access already checked.
 * Returns true with @res filled as ptsim__access() fills it (0, the
 * physical address); false having changed nothing but the address space's
 * cpumask bit for @cpu, which ptsim__access() sets first too - then call it.
 */
static inline bool ptsim__access_hit(struct ptsim_tlbs *t, const struct ptsim_pgtables *pt,
				     struct ptsim_tlb_mm *tm, unsigned int cpu, uint64_t va,
				     unsigned int access, struct ptsim_access_result *res)
{
	uint64_t pa;

	ptsim__tlb_mm_activate(tm, cpu);
	if (!ptsim__mmu_access_hit(t, pt, cpu, va, access, &pa))
		return false;
	*res = (struct ptsim_access_result){0};
	res->pa = pa;
	return true;
}

/* --- userfaultfd (uffd.c) ------------------------------------------------------ */

/*
 * handle_userfault(), in two halves so that a fault can allocate first and
 * commit later: a message node (NULL when out of memory), then its queueing
 * with the page-rounded @va and PTSIM_UFFD_PAGEFAULT_FLAG_* @flags.
 */
struct ptsim_uffd_node *ptsim__uffd_msg_alloc(struct ptsim_mm_state *st);
void ptsim__uffd_msg_queue(struct ptsim_mm_state *st, struct ptsim_uffd_node *n, uint64_t va,
			   uint64_t flags);
/* Drop every queued message (exit). */
void ptsim__uffd_release(struct ptsim_mm_state *st);
/* close(2) of the userfaultfd: unregister everything, drop the messages, forget the handshake. */
void ptsim__uffd_close(struct ptsim_mm_state *st);
/* Queue @n as UFFD_EVENT_REMOVE / _UNMAP for [start, end). */
void ptsim__uffd_queue_range(struct ptsim_mm_state *st, struct ptsim_uffd_node *n,
			     unsigned int event, uint64_t start, uint64_t end);
/* The context wants @feature's event for [start, end): a VMA there is registered. */
bool ptsim__uffd_wants_event(const struct ptsim_mm_state *st, uint64_t feature, uint64_t start,
			     uint64_t end);
/* Queue @n as UFFD_EVENT_FORK naming @child. */
void ptsim__uffd_queue_fork(struct ptsim_mm_state *st, struct ptsim_uffd_node *n,
			    struct ptsim_mm *child);
int ptsim__uffd_register(struct ptsim_mm_state *st, uint64_t start, uint64_t len,
			 unsigned int mode);
int ptsim__uffd_unregister(struct ptsim_mm_state *st, uint64_t start, uint64_t len);
int ptsim__uffd_read(struct ptsim_mm_state *st, struct ptsim_uffd_msg *msg);
int ptsim__uffdio_api(struct ptsim_mm_state *st, uint64_t api, uint64_t *features);
int ptsim__uffdio_copy(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode,
		       bool zeropage);
int ptsim__uffdio_writeprotect(struct ptsim_mm_state *st, uint64_t start, uint64_t len,
			       unsigned int mode);
int ptsim__uffdio_poison(struct ptsim_mm_state *st, uint64_t dst, uint64_t len, unsigned int mode);
int ptsim__uffdio_continue(struct ptsim_mm_state *st, uint64_t dst, uint64_t len,
			   unsigned int mode);

/* --- hugetlb (hugetlb.c) ------------------------------------------------------- */

/*
 * The hugetlb size MAP_HUGETLB @flags ask for (0 in the size bits: the
 * default, the PMD size): 0 and *@size, or -EINVAL (message set).
 */
int ptsim__hugetlb_size_from_flags(struct ptsim_mm_state *st, unsigned int flags, uint64_t *size);
/*
 * The prepared half of a hugetlb mmap: the internal file (anonymous
 * mappings), the private resv_map and the reservation taken in the pool.
 * Abort gives everything back; commit attaches it to the VMA.
 */
struct ptsim_hugetlb_mmap_prep {
	struct ptsim_file *file; /* the internal file, NULL for an existing file */
	struct ptsim_resv_map *resv;
	uint64_t reserved; /* pages reserved in the pool */
	uint64_t hsize;
	uint64_t new_size; /* a writable mapping extends the file to this size (0: no) */
	uint64_t *bits;	   /* the file's grown resv_map bitmap */
};
int ptsim__hugetlb_mmap_prepare(struct ptsim_mm_state *st, struct ptsim_file *file, uint64_t hsize,
				uint64_t len, uint64_t pgoff, unsigned int type, bool noreserve,
				bool writable, struct ptsim_hugetlb_mmap_prep *p);
/*
 * hugetlbfs files (memfd_create(MFD_HUGETLB), a file on a hugetlbfs mount)
 * and their truncation (hugetlb_vmtruncate(): unmap every mapping past the
 * new end, drop the page cache there, give the reservations back).
 */
struct ptsim_file *ptsim__hugetlbfs_file_alloc(struct ptsim_mm_ctx *ctx, uint64_t hsize,
					       uint64_t size);
int ptsim__hugetlb_truncate(struct ptsim_file *f, uint64_t size);
void ptsim__hugetlb_mmap_abort(struct ptsim_mm_state *st, struct ptsim_hugetlb_mmap_prep *p);
void ptsim__hugetlb_mmap_commit(struct ptsim_mm_state *st, struct ptsim_vma *vma,
				struct ptsim_hugetlb_mmap_prep *p);
/* hugetlb_vm_op_open(): @new, split from @vma, shares its resv_map. */
void ptsim__hugetlb_vm_op_open(struct ptsim_vma *vma, struct ptsim_vma *new);
/* hugetlb_vm_op_close(): give back the unused reservations of @vma's range. */
void ptsim__hugetlb_vm_op_close(struct ptsim_mm_ctx *ctx, struct ptsim_vma *vma);
/* hugetlb_vm_op_split(): -EINVAL (message set) if a split of [start, end) cuts a huge page. */
int ptsim__hugetlb_may_split(struct ptsim_mm_state *st, const char *what, uint64_t start,
			     uint64_t end);
/* A hugetlbfs file is going: hugetlb_unreserve_pages() of what no page consumed. */
void ptsim__hugetlb_file_release(struct ptsim_file *f);
/*
 * __unmap_hugepage_range() unmapped @page at @addr of @vma: a private
 * owner's anonymous page that is freed now gets its reservation back (the
 * folio's HPG_restore_reserve, and the resv_map entry dropped), so a later
 * fault there finds it again (v6.9 "mm/hugetlb: restore the reservation").
 */
void ptsim__hugetlb_unmap_restore_reserve(struct ptsim_mm_state *st, struct ptsim_vma *vma,
					  uint64_t addr, uint64_t page);
/* madvise_dontneed_free_valid_vma(): -EINVAL (message set) or 0 with *@end rounded down. */
int ptsim__hugetlb_madvise_valid(struct ptsim_mm_state *st, struct ptsim_vma *vma, int advice,
				 uint64_t start, uint64_t *end);
/*
 * Entries mapping one hugetlb page of @vma: 1, or the length of an arm64
 * contiguous run (a 64K page is 16 cont-PTEs with 4K pages) - one mapping
 * for mapcounts and rmap, carried by the first entry.  1 outside hugetlb.
 */
unsigned int ptsim__hugetlb_run(const struct ptsim_vma *vma, const struct ptsim_arch *a);
/*
 * For the checker: the reservations of hugetlb size @hsize the mappings of
 * @mms and the hugetlbfs files hold (private owners' unconsumed pages,
 * file regions without a page) - what resv_hugepages must be.
 */
uint64_t ptsim__hugetlb_resv_expected(struct ptsim_mm_ctx *ctx, struct ptsim_mm_state *const *mms,
				      size_t nr, uint64_t hsize);
/* hugetlb_fault() for @va in the VM_HUGETLB @vma. */
ptsim_vm_fault_t ptsim__hugetlb_fault(struct ptsim_mm_state *st, struct ptsim_vma *vma, uint64_t va,
				      bool write);

/* --- fork (fork.c), pagemap (pagemap.c) --------------------------------------- */

int ptsim__dup_mmap_prepare(struct ptsim_mm_state *old, struct ptsim_vma ***vmas, size_t *nr_vmas,
			    struct ptsim_table_prep **tables, size_t *nr_tables);
void ptsim__dup_mmap_abort(struct ptsim_mm_state *old, struct ptsim_vma **vmas, size_t nr_vmas,
			   struct ptsim_table_prep *tables, size_t nr_tables);
void ptsim__dup_mmap_commit(struct ptsim_mm_state *old, struct ptsim_mm_state *new,
			    struct ptsim_vma **vmas, size_t nr_vmas,
			    struct ptsim_table_prep *tables, size_t nr_tables);

int ptsim__pagemap(struct ptsim_mm_state *st, uint64_t va, uint64_t *word);
int ptsim__clear_refs(struct ptsim_mm_state *st, int type);

#endif /* PTSIM_SRC_MM_INTERNAL_H */
