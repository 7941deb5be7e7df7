// SPDX-License-Identifier: MIT
/*
 * tlb.c - per-CPU TLBs and walk caches: geometry, lookup and fill for the
 * MMU walk, address-space cpumasks, and the flush primitives with their
 * shootdown accounting (the rules are in include/ptsim/tlb.h).
 */
#include <errno.h>
#include <string.h>

#include "tlb/internal.h"

#define MAX_CACHE_ENTRIES PTSIM_TLB_MAX_CACHE_ENTRIES

void ptsim__tlb_config_default(struct ptsim_tlb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->entries[PTSIM_PTE] = 64;
	cfg->ways[PTSIM_PTE] = 4;
	cfg->entries[PTSIM_PMD] = 32;
	cfg->ways[PTSIM_PMD] = 4;
	cfg->entries[PTSIM_PUD] = 4;
	cfg->ways[PTSIM_PUD] = 4;
	cfg->walk_cache_entries = 32;
}

int ptsim__tlb_config_check(const struct ptsim_tlb_config *cfg)
{
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		if (!cfg->entries[l])
			continue;
		if (!cfg->ways[l] || cfg->entries[l] % cfg->ways[l] ||
		    cfg->entries[l] > MAX_CACHE_ENTRIES)
			return -EINVAL;
	}
	return cfg->walk_cache_entries > MAX_CACHE_ENTRIES ? -EINVAL : 0;
}

/* Levels with a leaf TLB on this machine. */
static bool has_leaf_tlb(const struct ptsim_tlbs *t, int lvl)
{
	return t->arch->leaf_ok[lvl] && t->cfg.entries[lvl] > 0;
}

/* Entries of one CPU's storage: the leaf levels @a has, and PGD..PMD walk caches. */
static uint64_t cpu_entries(const struct ptsim_arch *a, const struct ptsim_tlb_config *cfg)
{
	uint64_t total = 0;

	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		if (a->leaf_ok[l])
			total += cfg->entries[l];
		if (l < PTSIM_PTE)
			total += cfg->walk_cache_entries;
	}
	return total;
}

uint64_t ptsim__tlb_cpu_bytes(const struct ptsim_arch *a, const struct ptsim_tlb_config *cfg)
{
	return cpu_entries(a, cfg) * sizeof(struct ptsim_tlb_entry);
}

bool ptsim__tlb_storage_fits(const struct ptsim_arch *a, const struct ptsim_tlb_config *cfg,
			     unsigned int ncpus)
{
	/* At most 7 caches of 65536 entries per CPU and 4096 CPUs: no overflow. */
	return ptsim__tlb_cpu_bytes(a, cfg) * ncpus <= PTSIM_TLB_MAX_BYTES;
}

/* Leaf levels in lookup order: base pages first, then larger blocks. */
static const int leaf_order[] = {PTSIM_PTE, PTSIM_PMD, PTSIM_PUD, PTSIM_P4D, PTSIM_PGD};

/*
 * The layout of a CPU's storage for t->cfg: the leaf caches of the levels
 * with a leaf TLB, PGD first, then the walk caches PGD..PMD.  A scan of a
 * CPU's storage from its start therefore meets the caches in this order.
 */
static void layout(struct ptsim_tlbs *t)
{
	const struct ptsim_arch *a = t->arch;
	uint32_t off = 0;

	t->nr_parts = 0;
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		if (!has_leaf_tlb(t, l))
			continue;
		t->part[t->nr_parts++] = (struct ptsim_tlb_part){
			.start = off,
			.len = t->cfg.entries[l],
			.lvl = l,
			.order = a->shift[l] - a->page_shift,
		};
		off += t->cfg.entries[l];
	}
	for (int l = 0; l < PTSIM_PTE && t->cfg.walk_cache_entries; l++) {
		t->part[t->nr_parts++] = (struct ptsim_tlb_part){
			.start = off,
			.len = t->cfg.walk_cache_entries,
			.lvl = l,
			.walk = true,
		};
		off += t->cfg.walk_cache_entries;
	}
	t->nr_leaf_lvls = 0;
	for (unsigned int i = 0; i < PTSIM_NR_LEVELS; i++)
		if (has_leaf_tlb(t, leaf_order[i]))
			t->leaf_lvls[t->nr_leaf_lvls++] = leaf_order[i];
	t->per_cpu = cpu_entries(a, &t->cfg);
	/* Entry numbers (cpu * per_cpu + offset, plus one) fit the chain links. */
	PTSIM_BUG_ON(t->per_cpu * t->ncpus >= (1ull << 31));
}

int ptsim__tlbs_init(struct ptsim_tlbs *t, struct ptsim_host *host, const struct ptsim_arch *a,
		     struct ptsim_mem *mem, struct ptsim_ptalloc *pa, unsigned int ncpus)
{
	memset(t, 0, sizeof(*t));
	if (!ncpus || ncpus > PTSIM_TLB_MAX_CPUS)
		return -EINVAL;
	t->host = host;
	t->arch = a;
	t->mem = mem;
	t->pa = pa;
	t->ncpus = ncpus;
	/* The lookup memo answers for whole base pages: no page straddles a range boundary. */
	for (unsigned int i = 0; i < a->nr_va_ranges; i++)
		PTSIM_BUG_ON(((a->va_ranges[i].start | a->va_ranges[i].end) &
			      ((1ull << a->page_shift) - 1)) != 0);
	for (unsigned int acc = 0; acc < 8; acc++)
		a->ops->mmu_ok_mask(a, acc, true, &t->ok_set[acc], &t->ok_clr[acc]);
	ptsim__tlb_config_default(&t->cfg);
	if (!ptsim__tlb_storage_fits(a, &t->cfg, ncpus))
		return -EINVAL;
	layout(t);
	t->cpus = ptsim__zalloc(host, (size_t)ncpus * sizeof(*t->cpus));
	if (!t->cpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < ncpus; i++) {
		t->cpus[i].gen = 1;
		t->cpus[i].memo = t->no_memo;
		t->cpus[i].leaf = t->no_caches;
		t->cpus[i].walk = t->no_caches + PTSIM_NR_LEVELS;
	}
	return 0;
}

/*
 * Bytes of a CPU's storage allocation: its caches, then its entries, then
 * the index of each walk cache.
 */
static size_t storage_bytes(const struct ptsim_tlbs *t)
{
	size_t bytes = 2 * PTSIM_NR_LEVELS * sizeof(struct ptsim_tlb_cache) +
		       (size_t)t->per_cpu * sizeof(struct ptsim_tlb_entry);

	for (unsigned int p = 0; p < t->nr_parts; p++)
		if (t->part[p].walk)
			bytes += ptsim__windex_bytes(t->part[p].len);
	return bytes + PTSIM_TLB_MEMO_SLOTS * sizeof(struct ptsim_tlb_memo);
}

static void cpu_release(struct ptsim_tlbs *t, unsigned int cpu)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];
	struct ptsim_tlb_entry *store = c->store;

	if (!store)
		return;
	for (unsigned int p = 0; p < t->nr_parts && c->nr_valid; p++) {
		struct ptsim_tlb_entry *e = store + t->part[p].start;

		for (uint32_t i = 0; i < t->part[p].len; i++)
			if (e[i].stamp)
				ptsim__tlb_ref_unlink(t, cpu, p, &e[i]);
	}
	ptsim__free(t->host, c->leaf, c->bytes);
	c->store = NULL;
	c->memo = t->no_memo;
	c->gen++;
	c->leaf = t->no_caches;
	c->walk = t->no_caches + PTSIM_NR_LEVELS;
	t->nr_valid -= c->nr_valid;
	c->nr_valid = 0;
	c->nr_store = 0;
	c->bytes = 0;
	t->nr_cpus_stored--;
	ptsim__tlb_refs_resize(t);
}

void ptsim__tlbs_fini(struct ptsim_tlbs *t)
{
	if (t->cpus) {
		for (unsigned int i = 0; i < t->ncpus; i++)
			cpu_release(t, i);
		ptsim__free(t->host, t->cpus, (size_t)t->ncpus * sizeof(*t->cpus));
	}
	if (t->viol)
		ptsim__free(t->host, t->viol, t->viol_cap * sizeof(*t->viol));
	memset(t, 0, sizeof(*t));
}

void ptsim__tlbs_configure(struct ptsim_tlbs *t, const struct ptsim_tlb_config *cfg)
{
	for (unsigned int i = 0; i < t->ncpus; i++)
		cpu_release(t, i);
	t->cfg = *cfg;
	layout(t);
}

void ptsim__tlb_cpu_release(struct ptsim_tlbs *t, unsigned int cpu)
{
	if (cpu < t->ncpus)
		cpu_release(t, cpu);
}

/* The CPU's caches, allocating them on first use when @alloc. */
static struct ptsim_tlb_cpu *cpu_caches(struct ptsim_tlbs *t, unsigned int cpu, bool alloc)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];
	struct ptsim_tlb_cache *caches;
	size_t bytes = storage_bytes(t);
	char *index;

	if (c->store || !alloc || !t->per_cpu)
		return c;
	caches = ptsim__alloc_nofail(t->host, bytes);
	if (!caches)
		return c; /* a real host OOM: stay empty, which is always safe */
	t->nr_cpus_stored++;
	if (ptsim__tlb_refs_resize(t)) {
		/* No frame index to be had: stay empty too. */
		ptsim__free(t->host, caches, bytes);
		t->nr_cpus_stored--;
		return c;
	}
	memset(caches, 0, bytes);
	c->leaf = caches;
	c->walk = caches + PTSIM_NR_LEVELS;
	c->store = (struct ptsim_tlb_entry *)(void *)(caches + 2 * PTSIM_NR_LEVELS);
	c->nr_store = (size_t)t->per_cpu;
	c->bytes = bytes;
	index = (char *)(c->store + c->nr_store);
	for (unsigned int p = 0; p < t->nr_parts; p++) {
		const struct ptsim_tlb_part *pt = &t->part[p];
		struct ptsim_tlb_cache *k = pt->walk ? &c->walk[pt->lvl] : &c->leaf[pt->lvl];

		k->e = c->store + pt->start;
		k->ways = pt->walk ? pt->len : t->cfg.ways[pt->lvl];
		k->nsets = pt->len / k->ways;
		k->set_pow2 = !(k->nsets & (k->nsets - 1));
		k->set_mask = k->nsets - 1;
		k->part = p;
		if (pt->walk) {
			ptsim__windex_init(k, index);
			index += ptsim__windex_bytes(k->ways);
		}
	}
	c->memo = (struct ptsim_tlb_memo *)(void *)index; /* zeroed: gen 0 never holds */
	c->gen++;
	return c;
}

static struct ptsim_tlb_entry *set_of(const struct ptsim_tlb_cache *k, uint64_t vpn)
{
	return ptsim__tlb_set_of(k, vpn);
}

static unsigned int cache_size(const struct ptsim_tlb_cache *k)
{
	return k->nsets * k->ways;
}

void ptsim__tlb_entry_drop(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
			   struct ptsim_tlb_entry *e)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];

	ptsim__tlb_ref_unlink(t, cpu, k->part, e);
	if (k->wi.head)
		ptsim__windex_del(k, e);
	memset(e, 0, sizeof(*e));
	c->gen++; /* the lookup memo */
	k->nr_valid--;
	c->nr_valid--;
	t->nr_valid--;
}

/*
 * Insert (asid, vpn) into cache @k: an entry with the same tag is replaced in
 * place, else the first invalid way, else the least recently used one.
 */
static void cache_insert(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
			 uint64_t asid, uint64_t vpn, uint64_t ent, uint64_t pfn, bool global)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];
	struct ptsim_tlb_entry *victim = NULL;

	if (k->wi.head) {
		/* A walk cache: its index answers what the scan below would. */
		victim = ptsim__windex_victim(k, asid, vpn);
	} else {
		struct ptsim_tlb_entry *set = set_of(k, vpn);

		for (unsigned int w = 0; w < k->ways; w++) {
			struct ptsim_tlb_entry *e = &set[w];

			if (e->stamp && e->vpn == vpn && e->asid == asid) {
				victim = e;
				break;
			}
			if (!victim || (victim->stamp && e->stamp < victim->stamp))
				victim = e;
		}
	}
	if (!k->nr_valid) {
		k->lo = vpn;
		k->hi = vpn;
	} else {
		k->lo = vpn < k->lo ? vpn : k->lo;
		k->hi = vpn > k->hi ? vpn : k->hi;
	}
	if (!victim->stamp) {
		k->nr_valid++;
		c->nr_valid++;
		t->nr_valid++;
	} else {
		if (victim->vpn != vpn || victim->asid != asid)
			c->stats.evictions++;
		ptsim__tlb_ref_unlink(t, cpu, k->part, victim);
		if (k->wi.head)
			ptsim__windex_del(k, victim);
	}
	victim->vpn = vpn;
	victim->asid = asid;
	victim->ent = ent;
	victim->pfn = pfn;
	victim->global = global;
	victim->stamp = ++c->clock;
	c->gen++; /* the lookup memo */
	ptsim__tlb_ref_link(t, cpu, k->part, victim);
	if (k->wi.head)
		ptsim__windex_add(k, victim);
}

static struct ptsim_tlb_entry *cache_find(const struct ptsim_tlb_cache *k, uint64_t asid,
					  uint64_t vpn, bool any_global)
{
	struct ptsim_tlb_entry *set;

	if (!k->nsets)
		return NULL;
	if (k->wi.head) /* a walk cache: never global, at most one entry per tag */
		return ptsim__windex_find(k, asid, vpn);
	set = set_of(k, vpn);
	for (unsigned int w = 0; w < k->ways; w++) {
		struct ptsim_tlb_entry *e = &set[w];

		if (e->stamp && e->vpn == vpn && (e->asid == asid || (any_global && e->global)))
			return e;
	}
	return NULL;
}

static void hit_fill(const struct ptsim_tlbs *t, int lvl, uint64_t va,
		     const struct ptsim_tlb_entry *e, struct ptsim_tlb_hit *out)
{
	const struct ptsim_arch *a = t->arch;

	out->lvl = lvl;
	out->ent = e->ent;
	out->pfn = e->pfn;
	out->base = e->vpn << a->shift[lvl];
	out->page_pfn = e->pfn + ((va - out->base) >> a->page_shift);
	out->global = e->global;
}

bool ptsim__tlb_lookup(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va,
		       struct ptsim_tlb_hit *out)
{
	struct ptsim_tlb_entry *e;
	int l;

	if (cpu >= t->ncpus)
		return false;
	e = ptsim__tlb_lookup_entry(t, &t->cpus[cpu], asid, va, &l);
	if (e && out)
		hit_fill(t, l, va, e, out);
	return e != NULL;
}

bool ptsim__tlb_fill(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl, uint64_t va,
		     uint64_t ent, uint64_t pfn, bool global)
{
	struct ptsim_tlb_cpu *c;

	if (cpu >= t->ncpus || lvl < 0 || lvl >= PTSIM_NR_LEVELS || !has_leaf_tlb(t, lvl))
		return false;
	c = cpu_caches(t, cpu, true);
	c->stats.misses[lvl]++;
	if (!c->leaf[lvl].nsets)
		return false;
	cache_insert(t, cpu, &c->leaf[lvl], asid, va >> t->arch->shift[lvl], ent, pfn, global);
	return true;
}

bool ptsim__walk_cache_lookup(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, uint64_t va,
			      struct ptsim_walk_hit *out)
{
	struct ptsim_tlb_cpu *c;

	if (cpu >= t->ncpus)
		return false;
	c = &t->cpus[cpu];
	for (int l = PTSIM_PMD; l >= PTSIM_PGD; l--) {
		struct ptsim_tlb_entry *e =
			cache_find(&c->walk[l], asid, va >> t->arch->shift[l], false);

		if (e) {
			e->stamp = ++c->clock;
			ptsim__windex_touch(&c->walk[l], e);
			c->stats.walk_hits[l]++;
			if (out) {
				out->lvl = l;
				out->ent = e->ent;
				out->table_pfn = e->pfn;
			}
			return true;
		}
	}
	c->stats.walk_misses++;
	return false;
}

bool ptsim__walk_cache_fill(struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
			    uint64_t va, uint64_t ent, uint64_t table_pfn)
{
	struct ptsim_tlb_cpu *c;

	if (cpu >= t->ncpus || lvl < PTSIM_PGD || lvl >= PTSIM_PTE || !t->cfg.walk_cache_entries)
		return false;
	c = cpu_caches(t, cpu, true);
	if (!c->walk[lvl].nsets)
		return false;
	cache_insert(t, cpu, &c->walk[lvl], asid, va >> t->arch->shift[lvl], ent, table_pfn, false);
	return true;
}

bool ptsim__tlb_probe(const struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
		      uint64_t va, struct ptsim_tlb_hit *out)
{
	const struct ptsim_tlb_entry *e;

	if (cpu >= t->ncpus || lvl < 0 || lvl >= PTSIM_NR_LEVELS)
		return false;
	e = cache_find(&t->cpus[cpu].leaf[lvl], asid, va >> t->arch->shift[lvl], true);
	if (e && out)
		hit_fill(t, lvl, va, e, out);
	return e != NULL;
}

bool ptsim__walk_cache_probe(const struct ptsim_tlbs *t, unsigned int cpu, uint64_t asid, int lvl,
			     uint64_t va, struct ptsim_walk_hit *out)
{
	const struct ptsim_tlb_entry *e;

	if (cpu >= t->ncpus || lvl < 0 || lvl >= PTSIM_PTE)
		return false;
	e = cache_find(&t->cpus[cpu].walk[lvl], asid, va >> t->arch->shift[lvl], false);
	if (e && out) {
		out->lvl = lvl;
		out->ent = e->ent;
		out->table_pfn = e->pfn;
	}
	return e != NULL;
}

uint64_t ptsim__tlb_nr_valid(const struct ptsim_tlbs *t, unsigned int cpu)
{
	return cpu < t->ncpus ? t->cpus[cpu].nr_valid : 0;
}

void ptsim__tlb_for_each(const struct ptsim_tlbs *t, unsigned int cpu,
			 void (*fn)(void *ctx, bool is_walk, int lvl,
				    const struct ptsim_tlb_entry *e),
			 void *ctx)
{
	const struct ptsim_tlb_cpu *c;

	if (cpu >= t->ncpus)
		return;
	c = &t->cpus[cpu];
	if (!c->nr_valid)
		return;
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		for (unsigned int i = 0; i < cache_size(&c->leaf[l]); i++)
			if (c->leaf[l].e[i].stamp)
				fn(ctx, false, l, &c->leaf[l].e[i]);
	for (int l = 0; l < PTSIM_PTE; l++)
		for (unsigned int i = 0; i < cache_size(&c->walk[l]); i++)
			if (c->walk[l].e[i].stamp)
				fn(ctx, true, l, &c->walk[l].e[i]);
}

/* Visit the valid entries of one cache by set, then way; stop at a non-zero @fn. */
static int visit_cache(const struct ptsim_tlb_cache *k, bool walk, int lvl,
		       int (*fn)(void *ctx, const struct ptsim_tlb_pos *p), void *ctx)
{
	for (unsigned int set = 0; set < k->nsets; set++) {
		for (unsigned int way = 0; way < k->ways; way++) {
			const struct ptsim_tlb_entry *e = &k->e[set * k->ways + way];
			struct ptsim_tlb_pos p = {
				.walk = walk, .lvl = lvl, .set = set, .way = way, .e = e};
			int ret;

			if (!e->stamp)
				continue;
			ret = fn(ctx, &p);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int ptsim__tlb_visit(const struct ptsim_tlbs *t, unsigned int cpu,
		     int (*fn)(void *ctx, const struct ptsim_tlb_pos *p), void *ctx)
{
	const struct ptsim_tlb_cpu *c;
	int ret;

	if (cpu >= t->ncpus)
		return 0;
	c = &t->cpus[cpu];
	if (!c->nr_valid)
		return 0;
	for (unsigned int i = 0; i < PTSIM_NR_LEVELS; i++) {
		ret = visit_cache(&c->leaf[leaf_order[i]], false, leaf_order[i], fn, ctx);
		if (ret)
			return ret;
	}
	for (int l = PTSIM_PMD; l >= PTSIM_PGD; l--) {
		ret = visit_cache(&c->walk[l], true, l, fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- cpumasks ------------------------------------------------------------- */

int ptsim__tlb_mm_init(struct ptsim_tlbs *t, struct ptsim_tlb_mm *tm, uint64_t asid)
{
	memset(tm, 0, sizeof(*tm));
	tm->asid = asid;
	tm->nwords = (t->ncpus + 63) / 64;
	tm->cpumask = ptsim__zalloc(t->host, tm->nwords * sizeof(uint64_t));
	return tm->cpumask ? 0 : -ENOMEM;
}

/* --- invalidation ---------------------------------------------------------- */

enum match {
	MATCH_ASID,	   /* entries of the ASID, not global ones (by ASID) */
	MATCH_ASID_GLOBAL, /* entries of the ASID and global ones (by VA within an ASID) */
	MATCH_ANY,	   /* every ASID */
};

enum walk_inval {
	WALK_KEEP,    /* last-level invalidation: walk caches untouched */
	WALK_OVERLAP, /* walk-cache entries overlapping the range */
	WALK_ALL,     /* every walk-cache entry matching the ASID rule */
};

/* One invalidation, as each receiving CPU executes it. */
struct inval {
	enum match match;
	uint64_t asid;
	bool by_va;	      /* else every entry matching the ASID rule */
	uint64_t start, last; /* by_va: the range, stride-aligned, inclusive */
	uint64_t stride;      /* by_va: step */
	bool leaf;	      /* invalidate leaf entries */
	enum walk_inval walk; /* and walk-cache entries */
	enum ptsim_tlb_flush_kind flush_kind;
};

static bool asid_match(const struct inval *iv, const struct ptsim_tlb_entry *e)
{
	switch (iv->match) {
	case MATCH_ASID:
		return e->asid == iv->asid && !e->global;
	case MATCH_ASID_GLOBAL:
		return e->asid == iv->asid || e->global;
	default:
		return true;
	}
}

static bool overlaps(uint64_t base, uint64_t size, uint64_t start, uint64_t last)
{
	return base <= last && base + (size - 1) >= start;
}

/*
 * Does a by-VA invalidation stepping through [start, last] at @stride hit a
 * leaf of @size at @base?  The steps are the multiples of the stride in the
 * range: an entry at least as large as the stride is hit if it overlaps the
 * range; a smaller one only if it starts on a step.
 */
static bool leaf_hit(const struct inval *iv, uint64_t base, uint64_t size)
{
	if (!overlaps(base, size, iv->start, iv->last))
		return false;
	return size >= iv->stride || (base & (iv->stride - 1)) == 0;
}

/* Leaf entry @e of level @l: does @iv hit it? */
static bool leaf_hit_by(const struct ptsim_tlbs *t, int l, const struct ptsim_tlb_entry *e,
			const struct inval *iv)
{
	unsigned int shift = t->arch->shift[l];

	return e->stamp && asid_match(iv, e) &&
	       (!iv->by_va || leaf_hit(iv, e->vpn << shift, 1ull << shift));
}

/* Walk-cache entry @e of level @l: does @iv hit it? */
static bool walk_hit_by(const struct ptsim_tlbs *t, int l, const struct ptsim_tlb_entry *e,
			const struct inval *iv)
{
	unsigned int shift = t->arch->shift[l];

	/* Walk-cache entries are never global: the ASID rule is plain. */
	if (!e->stamp || (iv->match != MATCH_ANY && e->asid != iv->asid))
		return false;
	return iv->walk != WALK_OVERLAP ||
	       overlaps(e->vpn << shift, 1ull << shift, iv->start, iv->last);
}

/*
 * Whether cache @k, whose entries are tagged va >> @shift, may hold an entry
 * an invalidation of [start, last] hits (@ranged) or one by ASID hits: an
 * empty cache never does, nor one whose VPN bounds miss the range.
 */
static bool may_hit(const struct ptsim_tlb_cache *k, unsigned int shift, const struct inval *iv,
		    bool ranged)
{
	if (!k->nr_valid)
		return false;
	return !ranged || (k->hi >= iv->start >> shift && k->lo <= iv->last >> shift);
}

/*
 * Read every entry of cache @k (leaf, or walk when @walk) and drop those @iv
 * hits; the VPN bounds become exact again: those of the entries left.
 */
static void cache_invalidate_all(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
				 int l, bool walk, const struct inval *iv)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	/* A walk cache's index gives its valid ways, in the same order as the scan. */
	bool indexed = k->wi.head != NULL;

	for (unsigned int i = indexed ? ptsim__windex_next_valid(k, 0) : 0;
	     i < cache_size(k) && k->nr_valid;
	     i = indexed ? ptsim__windex_next_valid(k, i + 1) : i + 1) {
		struct ptsim_tlb_entry *e = &k->e[i];

		if (walk ? walk_hit_by(t, l, e, iv) : leaf_hit_by(t, l, e, iv)) {
			ptsim__tlb_entry_drop(t, cpu, k, e);
			t->cpus[cpu].stats.invalidated++;
		} else if (e->stamp) {
			lo = e->vpn < lo ? e->vpn : lo;
			hi = e->vpn > hi ? e->vpn : hi;
		}
	}
	k->lo = lo;
	k->hi = hi;
}

/*
 * The leaf entries of level @l that @iv hits.  By VA, an entry it hits has a
 * VPN inside the range: a cache whose VPN bounds miss the range is passed
 * over, and when the range spans fewer VPNs than the cache has sets only
 * their sets are read.  Otherwise, and by ASID, every entry.
 */
static void cache_invalidate_leaf(struct ptsim_tlbs *t, unsigned int cpu, int l,
				  const struct inval *iv)
{
	struct ptsim_tlb_cache *k = &t->cpus[cpu].leaf[l];
	unsigned int shift = t->arch->shift[l];

	if (!may_hit(k, shift, iv, iv->by_va))
		return;
	if (iv->by_va && (iv->last >> shift) - (iv->start >> shift) < k->nsets) {
		for (uint64_t vpn = iv->start >> shift;; vpn++) {
			struct ptsim_tlb_entry *set = set_of(k, vpn);

			for (unsigned int w = 0; w < k->ways && k->nr_valid; w++) {
				if (set[w].vpn != vpn || !leaf_hit_by(t, l, &set[w], iv))
					continue;
				ptsim__tlb_entry_drop(t, cpu, k, &set[w]);
				t->cpus[cpu].stats.invalidated++;
			}
			if (vpn == iv->last >> shift || !k->nr_valid)
				break;
		}
		return;
	}
	cache_invalidate_all(t, cpu, k, l, false, iv);
}

static void cpu_invalidate(struct ptsim_tlbs *t, unsigned int cpu, const struct inval *iv)
{
	struct ptsim_tlb_cpu *c = &t->cpus[cpu];

	if (!c->nr_valid)
		return;
	for (int l = 0; l < PTSIM_NR_LEVELS && iv->leaf; l++)
		cache_invalidate_leaf(t, cpu, l, iv);
	for (int l = 0; l < PTSIM_PTE && iv->walk != WALK_KEEP; l++)
		if (may_hit(&c->walk[l], t->arch->shift[l], iv, iv->walk == WALK_OVERLAP))
			cache_invalidate_all(t, cpu, &c->walk[l], l, true, iv);
}

/*
 * Run @iv on every CPU of @tm's cpumask (every CPU when @tm is NULL).  The
 * lowest CPU is the issuer: it counts the flush and one IPI per other CPU.
 */
static void shootdown(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, const struct inval *iv)
{
	unsigned int local = UINT32_MAX, n = 0;

	/* The CPUs of the mask, a word of it at a time. */
	for (unsigned int w = 0; w < (t->ncpus + 63) / 64; w++) {
		uint64_t bits = tm ? (w < tm->nwords ? tm->cpumask[w] : 0) : UINT64_MAX;

		for (; bits; bits &= bits - 1) {
			unsigned int cpu = w * 64 + (unsigned int)__builtin_ctzll(bits);

			if (cpu >= t->ncpus)
				break;
			if (local == UINT32_MAX)
				local = cpu;
			n++;
			cpu_invalidate(t, cpu, iv);
		}
	}
	if (local == UINT32_MAX)
		local = 0; /* never ran anywhere: nothing cached, nothing sent */
	t->cpus[local].stats.flushes[iv->flush_kind]++;
	t->host->cost.tlb_flushes[iv->flush_kind]++;
	if (n > 1) {
		t->cpus[local].stats.ipis += n - 1;
		t->host->cost.ipis += n - 1;
	}
}

/*
 * The walk-cache entries an invalidation by VA drops: x86 INVLPG drops all
 * of the ASID's (PTSIM_ARCH_CAP_VA_FLUSH_DROPS_WALK_CACHES); arm64 none for
 * a last-level TLBI VALE1IS, those overlapping the range for TLBI VAE1IS.
 */
static enum walk_inval va_flush_walk(const struct ptsim_tlbs *t, bool last_level)
{
	if (t->arch->caps & PTSIM_ARCH_CAP_VA_FLUSH_DROPS_WALK_CACHES)
		return WALK_ALL;
	return last_level ? WALK_KEEP : WALK_OVERLAP;
}

void ptsim__flush_tlb_page(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t addr)
{
	uint64_t psz = ptsim__page_size(t->arch);
	struct inval iv = {
		.match = MATCH_ASID_GLOBAL,
		.asid = tm->asid,
		.by_va = true,
		.start = addr & ~(psz - 1),
		.last = (addr & ~(psz - 1)) + (psz - 1),
		.stride = psz,
		.leaf = true,
		/* arm64 flush_tlb_page() is TLBI VALE1IS; x86 INVLPG drops the walk caches. */
		.walk = va_flush_walk(t, true),
		.flush_kind = PTSIM_FLUSH_PAGE,
	};

	shootdown(t, tm, &iv);
}

void ptsim__flush_tlb_range(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t start,
			    uint64_t last, unsigned int stride_shift, bool last_level)
{
	uint64_t stride = 1ull << stride_shift;
	struct inval iv = {
		.match = MATCH_ASID_GLOBAL,
		.asid = tm->asid,
		.by_va = true,
		.start = start & ~(stride - 1), /* __flush_tlb_range(): round_down(start, stride) */
		.last = last | (stride - 1),	/* ... and round_up(end, stride) */
		.stride = stride,
		.leaf = true,
		.walk = va_flush_walk(t, last_level),
		.flush_kind = PTSIM_FLUSH_RANGE,
	};

	shootdown(t, tm, &iv);
}

void ptsim__flush_tlb_mm(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm)
{
	struct inval iv = {
		.match = MATCH_ASID,
		.asid = tm->asid,
		.leaf = true,
		.walk = WALK_ALL,
		.flush_kind = PTSIM_FLUSH_MM,
	};

	shootdown(t, tm, &iv);
}

void ptsim__flush_tlb_all(struct ptsim_tlbs *t)
{
	struct inval iv = {
		.match = MATCH_ANY,
		.leaf = true,
		.walk = WALK_ALL,
		.flush_kind = PTSIM_FLUSH_ALL,
	};

	shootdown(t, NULL, &iv);
}

void ptsim__flush_tlb_kernel_range(struct ptsim_tlbs *t, uint64_t start, uint64_t last)
{
	uint64_t psz = ptsim__page_size(t->arch);
	struct inval iv = {
		.match = MATCH_ANY,
		.by_va = true,
		.start = start & ~(psz - 1),
		.last = last | (psz - 1),
		.stride = psz,
		.leaf = true,
		/* arm64 flush_tlb_kernel_range() is TLBI VAALE1IS (last level). */
		.walk = va_flush_walk(t, true),
		.flush_kind = PTSIM_FLUSH_KERNEL_RANGE,
	};

	shootdown(t, NULL, &iv);
}

void ptsim__flush_tlb_pgtable(struct ptsim_tlbs *t, const struct ptsim_tlb_mm *tm, uint64_t start,
			      uint64_t last)
{
	struct inval iv = {
		.match = MATCH_ASID,
		.asid = tm->asid,
		.by_va = true,
		.start = start,
		.last = last,
		.stride = 1,
		.leaf = false,
		.walk = WALK_OVERLAP,
		.flush_kind = PTSIM_FLUSH_PGTABLE,
	};

	shootdown(t, tm, &iv);
}

/* Drop the entries of @asid from walk cache @k: its valid ways, from its index, in storage order.
 */
static void walk_cache_drop_asid(struct ptsim_tlbs *t, unsigned int cpu, struct ptsim_tlb_cache *k,
				 uint64_t asid)
{
	if (!k->wi.head)
		return;
	for (unsigned int i = ptsim__windex_next_valid(k, 0); i < k->ways;
	     i = ptsim__windex_next_valid(k, i + 1))
		if (k->e[i].asid == asid)
			ptsim__tlb_entry_drop(t, cpu, k, &k->e[i]);
}

void ptsim__tlb_mm_fini(struct ptsim_tlbs *t, struct ptsim_tlb_mm *tm)
{
	if (t->nr_valid) {
		for (unsigned int cpu = 0; cpu < t->ncpus; cpu++) {
			struct ptsim_tlb_cpu *c = &t->cpus[cpu];

			for (int l = 0; l < PTSIM_NR_LEVELS && c->nr_valid; l++) {
				for (unsigned int i = 0; i < cache_size(&c->leaf[l]); i++)
					if (c->leaf[l].e[i].stamp &&
					    c->leaf[l].e[i].asid == tm->asid)
						ptsim__tlb_entry_drop(t, cpu, &c->leaf[l],
								      &c->leaf[l].e[i]);
				walk_cache_drop_asid(t, cpu, &c->walk[l], tm->asid);
			}
		}
	}
	if (tm->cpumask)
		ptsim__free(t->host, tm->cpumask, tm->nwords * sizeof(uint64_t));
	memset(tm, 0, sizeof(*tm));
}

void ptsim__flush_tlb_kernel_pgtable(struct ptsim_tlbs *t, uint64_t addr)
{
	uint64_t psz = ptsim__page_size(t->arch);
	struct inval iv = {
		.match = MATCH_ANY,
		.by_va = true,
		.start = addr & ~(psz - 1),
		.last = addr | (psz - 1),
		.stride = psz,
		.leaf = true,
		/* arm64 __flush_tlb_kernel_pgtable() is TLBI VAAE1IS: every level. */
		.walk = WALK_OVERLAP,
		.flush_kind = PTSIM_FLUSH_PGTABLE,
	};

	shootdown(t, NULL, &iv);
}
