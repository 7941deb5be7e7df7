// SPDX-License-Identifier: MIT
/*
 * vma_tree.c - the ordered set of VMAs: an AVL tree keyed by vm_start.
 *
 * The kernel keeps VMAs in a maple tree; what the model needs from it is
 * O(log n) find_vma(), insert, remove and neighbour steps over disjoint
 * ranges, which a height-balanced binary tree gives with a few dozen lines,
 * and mmap's search for free space in O(log n) (the kernel's
 * unmapped_area_topdown() in mm/mmap.c), for which each node carries its
 * subtree's span and largest hole (src/mm/vma.h).
 */
#include <errno.h>
#include <stddef.h>

#include "mm/vma.h"
#include "util/bug.h"

static int height(const struct ptsim_vma *v)
{
	return v ? v->height : 0;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The free-space fields of @v from its own range and its children's fields:
 * the holes of the subtree are those of each child and the two between a
 * child's span and @v.
 */
static void update_gap(struct ptsim_vma *v)
{
	const struct ptsim_vma *l = v->left, *r = v->right;
	uint64_t gap = 0;

	v->subtree_start = l ? l->subtree_start : v->vm_start;
	v->subtree_end = r ? r->subtree_end : v->vm_end;
	if (l)
		gap = max64(l->subtree_gap, v->vm_start - l->subtree_end);
	if (r)
		gap = max64(gap, max64(r->subtree_gap, r->subtree_start - v->vm_end));
	v->subtree_gap = gap;
}

static void update(struct ptsim_vma *v)
{
	int l = height(v->left), r = height(v->right);

	v->height = 1 + (l > r ? l : r);
	update_gap(v);
}

/* Point whatever referenced @old (parent link or root) at @new. */
static void replace_child(struct ptsim_vma_tree *t, struct ptsim_vma *parent, struct ptsim_vma *old,
			  struct ptsim_vma *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static struct ptsim_vma *rotate_left(struct ptsim_vma_tree *t, struct ptsim_vma *x)
{
	struct ptsim_vma *y = x->right;

	replace_child(t, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

static struct ptsim_vma *rotate_right(struct ptsim_vma_tree *t, struct ptsim_vma *x)
{
	struct ptsim_vma *y = x->left;

	replace_child(t, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

/* Restore balance from @v up to the root. */
static void rebalance(struct ptsim_vma_tree *t, struct ptsim_vma *v)
{
	while (v) {
		int bal;

		update(v);
		bal = height(v->left) - height(v->right);
		if (bal > 1) {
			if (height(v->left->left) < height(v->left->right))
				rotate_left(t, v->left);
			v = rotate_right(t, v);
		} else if (bal < -1) {
			if (height(v->right->right) < height(v->right->left))
				rotate_right(t, v->right);
			v = rotate_left(t, v);
		}
		v = v->parent;
	}
}

struct ptsim_vma *ptsim__find_vma(const struct ptsim_vma_tree *t, uint64_t addr)
{
	struct ptsim_vma *v = t->root, *best = NULL;

	while (v) {
		if (v->vm_end > addr) {
			best = v;
			if (v->vm_start <= addr)
				break;
			v = v->left;
		} else {
			v = v->right;
		}
	}
	return best;
}

struct ptsim_vma *ptsim__vma_lookup(const struct ptsim_vma_tree *t, uint64_t addr)
{
	struct ptsim_vma *v = ptsim__find_vma(t, addr);

	return v && v->vm_start <= addr ? v : NULL;
}

bool ptsim__vma_range_free(const struct ptsim_vma_tree *t, uint64_t start, uint64_t end)
{
	struct ptsim_vma *v = ptsim__find_vma(t, start);

	return !v || v->vm_start >= end;
}

int ptsim__vma_insert(struct ptsim_vma_tree *t, struct ptsim_vma *vma)
{
	struct ptsim_vma **link = &t->root, *parent = NULL;

	if (!ptsim__vma_range_free(t, vma->vm_start, vma->vm_end))
		return -EEXIST;
	while (*link) {
		parent = *link;
		link = vma->vm_start < parent->vm_start ? &parent->left : &parent->right;
	}
	vma->left = vma->right = NULL;
	vma->parent = parent;
	update(vma);
	*link = vma;
	t->nr++;
	rebalance(t, parent);
	return 0;
}

static struct ptsim_vma *leftmost(struct ptsim_vma *v)
{
	while (v && v->left)
		v = v->left;
	return v;
}

static struct ptsim_vma *rightmost(struct ptsim_vma *v)
{
	while (v && v->right)
		v = v->right;
	return v;
}

void ptsim__vma_remove(struct ptsim_vma_tree *t, struct ptsim_vma *vma)
{
	struct ptsim_vma *fix;

	if (!vma->left || !vma->right) {
		struct ptsim_vma *child = vma->left ? vma->left : vma->right;

		fix = vma->parent;
		replace_child(t, vma->parent, vma, child);
	} else {
		/* Swap in the in-order successor, which has no left child. */
		struct ptsim_vma *s = leftmost(vma->right);

		fix = s->parent == vma ? s : s->parent;
		if (s->parent != vma) {
			replace_child(t, s->parent, s, s->right);
			s->right = vma->right;
			s->right->parent = s;
		}
		replace_child(t, vma->parent, vma, s);
		s->left = vma->left;
		s->left->parent = s;
		s->height = vma->height;
	}
	vma->left = vma->right = vma->parent = NULL;
	t->nr--;
	rebalance(t, fix);
}

void ptsim__vma_set_range(struct ptsim_vma_tree *t, struct ptsim_vma *vma, uint64_t start,
			  uint64_t end)
{
	const struct ptsim_vma *prev = ptsim__vma_prev(vma), *next = ptsim__vma_next(vma);
	struct ptsim_vma *v = vma;

	PTSIM_BUG_ON(start >= end || (prev && prev->vm_end > start) ||
		     (next && next->vm_start < end));
	vma->vm_start = start;
	vma->vm_end = end;
	for (;; v = v->parent) {
		update_gap(v);
		if (!v->parent)
			break;
	}
	PTSIM_BUG_ON(v != t->root);
}

/* --- free space ------------------------------------------------------------------ */

struct gap_req {
	uint64_t low, high, len;
};

/*
 * Whether the hole [start, end), cut to [low, high), holds @r->len bytes;
 * if so *@out is the highest place for them.
 */
static bool gap_fits(uint64_t start, uint64_t end, const struct gap_req *r, uint64_t *out)
{
	start = max64(start, r->low);
	if (end > r->high)
		end = r->high;
	if (end <= start || end - start < r->len)
		return false;
	*out = end - r->len;
	return true;
}

/*
 * The highest fitting hole between two VMAs of the subtree at @v.  A subtree
 * whose largest hole is too small, or whose span cannot hold the length
 * inside [low, high), is skipped whole.  A subtree inside [low, high) with a
 * hole that is large enough is entered only along the path to the highest
 * such hole, and only the subtrees whose span holds low or high (two paths)
 * can be entered in vain, so the search visits O(log n) nodes.
 */
static bool gap_search(const struct ptsim_vma *v, const struct gap_req *r, uint64_t *out)
{
	uint64_t unused;

	if (!v || v->subtree_gap < r->len ||
	    !gap_fits(v->subtree_start, v->subtree_end, r, &unused))
		return false;
	if (gap_search(v->right, r, out))
		return true;
	if (v->right && gap_fits(v->vm_end, v->right->subtree_start, r, out))
		return true;
	if (v->left && gap_fits(v->left->subtree_end, v->vm_start, r, out))
		return true;
	return gap_search(v->left, r, out);
}

int ptsim__vma_unmapped_area_topdown(const struct ptsim_vma_tree *t, uint64_t low, uint64_t high,
				     uint64_t len, uint64_t *out)
{
	const struct gap_req r = {.low = low, .high = high, .len = len};
	const struct ptsim_vma *root = t->root;

	if (!len || high < low || high - low < len)
		return -ENOMEM;
	if (!root)
		return gap_fits(0, UINT64_MAX, &r, out) ? 0 : -ENOMEM;
	/* Highest first: above the last VMA, between two, below the first. */
	if (gap_fits(root->subtree_end, UINT64_MAX, &r, out) || gap_search(root, &r, out) ||
	    gap_fits(0, root->subtree_start, &r, out))
		return 0;
	return -ENOMEM;
}

struct ptsim_vma *ptsim__vma_first(const struct ptsim_vma_tree *t)
{
	return leftmost(t->root);
}

struct ptsim_vma *ptsim__vma_next(const struct ptsim_vma *vma)
{
	const struct ptsim_vma *v = vma;

	if (v->right)
		return leftmost(v->right);
	while (v->parent && v->parent->right == v)
		v = v->parent;
	return v->parent;
}

struct ptsim_vma *ptsim__vma_prev(const struct ptsim_vma *vma)
{
	const struct ptsim_vma *v = vma;

	if (v->left)
		return rightmost(v->left);
	while (v->parent && v->parent->left == v)
		v = v->parent;
	return v->parent;
}

/* Height and links of the subtree at @v; -1 on any broken invariant. */
static int check_subtree(const struct ptsim_vma *v, const struct ptsim_vma *parent, uint64_t *count)
{
	int l, r;

	if (!v)
		return 0;
	if (v->parent != parent || v->vm_start >= v->vm_end)
		return -1;
	l = check_subtree(v->left, v, count);
	r = check_subtree(v->right, v, count);
	if (l < 0 || r < 0 || l - r > 1 || r - l > 1 || v->height != 1 + (l > r ? l : r))
		return -1;
	/* The free-space fields, from the children's (checked already). */
	{
		struct ptsim_vma want = *v;

		update_gap(&want);
		if (want.subtree_start != v->subtree_start || want.subtree_end != v->subtree_end ||
		    want.subtree_gap != v->subtree_gap)
			return -1;
	}
	(*count)++;
	return v->height;
}

int ptsim__vma_tree_check(const struct ptsim_vma_tree *t)
{
	uint64_t count = 0, prev_end = 0;
	bool first = true;

	if (check_subtree(t->root, NULL, &count) < 0 || count != t->nr)
		return -EUCLEAN;
	for (const struct ptsim_vma *v = ptsim__vma_first(t); v; v = ptsim__vma_next(v)) {
		if (!first && v->vm_start < prev_end)
			return -EUCLEAN;
		prev_end = v->vm_end;
		first = false;
	}
	return 0;
}
