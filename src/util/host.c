// SPDX-License-Identifier: MIT
/*
 * host.c - per-machine host allocator, fault injection, error text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/host.h"

#ifdef PTSIM_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/*
 * Fallback allocations carry a header linking them into the machine's list,
 * so ptsim__host_fini() can free whatever is left.  16-byte aligned.
 */
struct ptsim_host_block {
	struct ptsim_host_block *prev, *next;
	size_t size;
	size_t pad;
};

int ptsim__host_init(struct ptsim_host *h, bool use_jemalloc)
{
	memset(h, 0, sizeof(*h));
	h->rng = 0x9e3779b97f4a7c15ull;
#ifdef PTSIM_HAVE_JEMALLOC
	if (use_jemalloc) {
		unsigned int ind;
		size_t sz = sizeof(ind);

		if (mallctl("arenas.create", &ind, &sz, NULL, 0))
			return -ENOMEM;
		h->arena = ind;
		h->use_jemalloc = true;
	}
#else
	(void)use_jemalloc;
#endif
	return 0;
}

void ptsim__host_fini(struct ptsim_host *h)
{
#ifdef PTSIM_HAVE_JEMALLOC
	if (h->use_jemalloc) {
		char name[64];

		snprintf(name, sizeof(name), "arena.%u.destroy", h->arena);
		mallctl(name, NULL, NULL, NULL, 0);
		h->use_jemalloc = false;
	}
#endif
	while (h->blocks) {
		struct ptsim_host_block *b = h->blocks;

		h->blocks = b->next;
		free(b);
	}
	h->bytes_live = 0;
	h->nr_live = 0;
}

bool ptsim__fault_hit(struct ptsim_host *h)
{
	h->alloc_points++;
	if (h->fail_nth) {
		h->fault_calls++;
		if (h->fault_calls == h->fail_nth ||
		    (h->fail_repeat && h->fault_calls > h->fail_nth)) {
			h->nr_injected++;
			return true;
		}
	}
	if (h->fail_ppm) {
		/* xorshift64*: deterministic per machine seed */
		h->rng ^= h->rng >> 12;
		h->rng ^= h->rng << 25;
		h->rng ^= h->rng >> 27;
		if (((h->rng * 0x2545f4914f6cdd1dull) >> 32) % 1000000u < h->fail_ppm) {
			h->nr_injected++;
			return true;
		}
	}
	return false;
}

/*
 * @zero: the block comes back zeroed.  jemalloc is asked to do it
 * (MALLOCX_ZERO), which skips the pages it knows are zero - those of a
 * fresh extent, so a large table of records that is mostly never written
 * (a section's frame array) is not touched, nor faulted in, up front.
 */
static void *raw_alloc(struct ptsim_host *h, size_t size, bool zero)
{
	void *p;

	/* The host's own out-of-memory, as under ulimit -v: no allocation escapes it. */
	if (h->bytes_limit && (size > h->bytes_limit || h->bytes_live > h->bytes_limit - size))
		return NULL;

#ifdef PTSIM_HAVE_JEMALLOC
	if (h->use_jemalloc) {
		p = mallocx(size ? size : 1, MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE_NONE |
						     (zero ? MALLOCX_ZERO : 0));
		goto out;
	}
#endif
	{
		struct ptsim_host_block *b = malloc(sizeof(*b) + size);

		if (!b)
			return NULL;
		b->size = size;
		b->prev = NULL;
		b->next = h->blocks;
		if (h->blocks)
			h->blocks->prev = b;
		h->blocks = b;
		p = b + 1;
		if (zero)
			memset(p, 0, size);
	}
#ifdef PTSIM_HAVE_JEMALLOC
out:
#endif
	if (p) {
		h->bytes_live += size;
		h->nr_live++;
		if (h->bytes_live > h->bytes_peak)
			h->bytes_peak = h->bytes_live;
	}
	return p;
}

void *ptsim__alloc(struct ptsim_host *h, size_t size)
{
	if (ptsim__fault_hit(h))
		return NULL;
	return raw_alloc(h, size, false);
}

void *ptsim__alloc_nofail(struct ptsim_host *h, size_t size)
{
	return raw_alloc(h, size, false);
}

void *ptsim__zalloc(struct ptsim_host *h, size_t size)
{
	if (ptsim__fault_hit(h))
		return NULL;
	return raw_alloc(h, size, true);
}

void ptsim__free(struct ptsim_host *h, void *p, size_t size)
{
	if (!p)
		return;
	h->bytes_live -= size;
	h->nr_live--;
#ifdef PTSIM_HAVE_JEMALLOC
	if (h->use_jemalloc) {
		dallocx(p, MALLOCX_TCACHE_NONE);
		return;
	}
#endif
	{
		struct ptsim_host_block *b = (struct ptsim_host_block *)p - 1;

		if (b->prev)
			b->prev->next = b->next;
		else
			h->blocks = b->next;
		if (b->next)
			b->next->prev = b->prev;
		free(b);
	}
}

int ptsim__seterr(struct ptsim_host *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	h->nr_errors++;
	return err;
}
