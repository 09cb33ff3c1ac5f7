/*
 * rowlist.c - the rows a folder view shows, in order.
 *
 * Building a view runs the limit over every message once, sorts (or
 * threads, then sorts threads and replies), and flattens the result into
 * "full" rows: every shown message, threads expanded.  The rows a caller
 * sees are derived from those with folded threads squeezed to one row;
 * while nothing is folded they are the same array.  Folding rebuilds the
 * derived rows, which is linear but only a copy.
 *
 * Flattening walks each thread in pre-order.  A node that is not shown
 * (a dummy, or a message outside the limit) gets no row, and its
 * children attach to the nearest shown ancestor, so the tree drawn is the
 * tree with the hidden nodes pruned.  Each row remembers its parent row
 * and whether a later sibling follows; that is all the tree drawing
 * needs, and it only walks up as many ancestors as fit in the width.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model/msgtab.h"
#include "model/rowlist.h"
#include "model/pattern.h"
#include "model/thread.h"
#include "xmalloc.h"

/* Prefixes wider than this are cut to it. */
#define ROWLIST_MAX_WIDTH 512

/* One thread's rows among the full rows. */
struct rowlist_thread {
	uint32_t start;
	uint32_t count;
	bool collapsed;
};

struct rowlist {
	bool threaded;
	struct rowlist_row *full; /* every shown message, threads open */
	size_t nfull;
	struct rowlist_thread *threads;
	size_t nthreads;
	size_t ncollapsed;
	struct rowlist_row *rows; /* what the caller sees; == full if none */
	size_t nrows;
	int32_t *where; /* message-table index -> row, or -1 */
	size_t nmsgs;
};

/* The cells a tree prefix is drawn with. */
enum rowlist_cell {
	ROWLIST_SPACE,
	ROWLIST_VLINE,
	ROWLIST_TEE,
	ROWLIST_LLCORNER,
	ROWLIST_ULCORNER,
	ROWLIST_HLINE,
	ROWLIST_ARROW,
};

static const char *const rowlist_utf8[] = {
	[ROWLIST_SPACE] = " ",
	[ROWLIST_VLINE] = "\xe2\x94\x82", /* │ */
	[ROWLIST_TEE] = "\xe2\x94\x9c", /* ├ */
	[ROWLIST_LLCORNER] = "\xe2\x94\x94", /* └ */
	[ROWLIST_ULCORNER] = "\xe2\x94\x8c", /* ┌ */
	[ROWLIST_HLINE] = "\xe2\x94\x80", /* ─ */
	[ROWLIST_ARROW] = ">",
};

static const char *const rowlist_ascii[] = {
	[ROWLIST_SPACE] = " ",
	[ROWLIST_VLINE] = "|",
	[ROWLIST_TEE] = "|",
	[ROWLIST_LLCORNER] = "`",
	[ROWLIST_ULCORNER] = ",",
	[ROWLIST_HLINE] = "-",
	[ROWLIST_ARROW] = ">",
};

/* Append a row to the full rows. */
static struct rowlist_row *
rowlist_add_row(struct rowlist *mv, uint32_t index, int32_t parent)
{
	struct rowlist_row *r = &mv->full[mv->nfull++];

	r->index = index;
	r->parent = parent;
	r->depth = parent == -1 ? 0 : mv->full[parent].depth + 1;
	r->hidden = 0;
	r->thread = (uint32_t)mv->nthreads;
	r->flags = 0;
	return r;
}

/* The node after x in a pre-order walk of top's subtree, or -1. */
static int32_t
rowlist_walk(const struct thread *t, int32_t x, int32_t top)
{
	if (thread_child(t, x) != -1)
		return thread_child(t, x);
	while (x != top) {
		if (thread_next(t, x) != -1)
			return thread_next(t, x);
		x = thread_parent(t, x);
	}
	return -1;
}

/* Flatten one thread into full rows (none if nothing in it is shown). */
static void
rowlist_flatten(struct rowlist *mv, const struct thread *t, int32_t root,
    const uint8_t *show, int32_t *vrow, int32_t *lastkid)
{
	size_t start = mv->nfull, ntop = 0, i;
	int32_t x, p, va, m, row, lasttop = -1;

	for (x = root; x != -1; x = rowlist_walk(t, x, root)) {
		p = x == root ? -1 : thread_parent(t, x);
		va = p == -1 ? -1 : vrow[p];
		m = thread_message(t, x);
		if (m < 0 || !show[m]) {
			vrow[x] = va;
			continue;
		}
		row = (int32_t)mv->nfull;
		rowlist_add_row(mv, (uint32_t)m, va);
		if (va == -1) {
			if (lasttop != -1)
				mv->full[lasttop].flags |= ROWLIST_ROW_HAS_NEXT;
			lasttop = row;
			ntop++;
		} else {
			if (lastkid[va] != -1)
				mv->full[lastkid[va]].flags |=
				    ROWLIST_ROW_HAS_NEXT;
			lastkid[va] = row;
		}
		lastkid[row] = -1;
		vrow[x] = row;
	}
	if (mv->nfull == start)
		return;
	/* Several messages at the top: siblings under an unseen root. */
	if (ntop > 1)
		for (i = start; i < mv->nfull; i++)
			mv->full[i].depth++;
	mv->full[start].flags |= ROWLIST_ROW_THREAD_START;
	mv->threads[mv->nthreads].start = (uint32_t)start;
	mv->threads[mv->nthreads].count = (uint32_t)(mv->nfull - start);
	mv->threads[mv->nthreads].collapsed = false;
	mv->nthreads++;
}

/* Thread, sort and flatten the shown messages. */
static void
rowlist_build_threads(struct rowlist *mv, const struct msgtab *mb,
    const struct rowlist_opts *opts, const struct msgtab_sorter *sorter,
    const uint8_t *show)
{
	struct msgtab_sorter *bydate;
	struct thread *t;
	int32_t *vrow, *lastkid;
	size_t i, nroots;

	t = thread_build(mb, opts->subject_threads ? THREAD_SUBJECT : 0);
	bydate = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, false);
	thread_sort(t, sorter, bydate);
	msgtab_sorter_free(bydate);

	nroots = thread_root_count(t);
	mv->threads =
	    xreallocarray(NULL, nroots ? nroots : 1, sizeof *mv->threads);
	vrow = xreallocarray(NULL,
	    thread_node_count(t) ? thread_node_count(t) : 1, sizeof *vrow);
	lastkid =
	    xreallocarray(NULL, mv->nmsgs ? mv->nmsgs : 1, sizeof *lastkid);
	for (i = 0; i < nroots; i++)
		rowlist_flatten(mv, t, thread_root(t, i), show, vrow, lastkid);
	free(vrow);
	free(lastkid);
	thread_free(t);
}

/* Recompute the rows the caller sees and the index -> row map. */
static void
rowlist_refresh(struct rowlist *mv)
{
	const struct rowlist_thread *th;
	struct rowlist_row *r;
	size_t i, j, k;

	if (mv->rows != mv->full)
		free(mv->rows);
	if (mv->ncollapsed == 0) {
		mv->rows = mv->full;
		mv->nrows = mv->nfull;
	} else {
		mv->rows = xreallocarray(
		    NULL, mv->nfull ? mv->nfull : 1, sizeof *mv->rows);
		mv->nrows = 0;
		for (i = 0; i < mv->nthreads; i++) {
			th = &mv->threads[i];
			if (th->collapsed) {
				r = &mv->rows[mv->nrows++];
				*r = mv->full[th->start];
				r->parent = -1;
				r->depth = 0;
				r->hidden = th->count - 1;
				r->flags = ROWLIST_ROW_THREAD_START |
				    ROWLIST_ROW_COLLAPSED;
				continue;
			}
			for (j = 0; j < th->count; j++) {
				r = &mv->rows[mv->nrows + j];
				*r = mv->full[th->start + j];
				if (r->parent != -1)
					r->parent = r->parent -
					    (int32_t)th->start +
					    (int32_t)mv->nrows;
			}
			mv->nrows += th->count;
		}
	}
	for (i = 0; i < mv->nmsgs; i++)
		mv->where[i] = -1;
	for (i = 0; i < mv->nrows; i++) {
		r = &mv->rows[i];
		if (r->flags & ROWLIST_ROW_COLLAPSED) {
			th = &mv->threads[r->thread];
			for (k = 0; k < th->count; k++)
				mv->where[mv->full[th->start + k].index] =
				    (int32_t)i;
		} else
			mv->where[r->index] = (int32_t)i;
	}
}

/* Build a row list of a message table. */
struct rowlist *
rowlist_build(const struct msgtab *mb, const struct rowlist_opts *opts)
{
	struct rowlist *mv = xcalloc(1, sizeof *mv);
	struct msgtab_sorter *sorter;
	uint8_t *show;
	uint32_t *idx;
	size_t i, n = msgtab_count(mb), nshow = 0;

	mv->threaded = opts->threaded;
	mv->nmsgs = n;
	mv->where = xreallocarray(NULL, n ? n : 1, sizeof *mv->where);
	mv->full = xreallocarray(NULL, n ? n : 1, sizeof *mv->full);
	show = xreallocarray(NULL, n ? n : 1, 1);
	for (i = 0; i < n; i++) {
		show[i] = pattern_match(
		    opts->limit, mb, i, opts->body, opts->body_arg);
		nshow += show[i];
	}
	sorter = msgtab_sorter_new(mb, opts->sort, opts->reverse);
	if (opts->threaded) {
		rowlist_build_threads(mv, mb, opts, sorter, show);
	} else {
		idx = xreallocarray(NULL, nshow ? nshow : 1, sizeof *idx);
		for (i = 0, nshow = 0; i < n; i++)
			if (show[i])
				idx[nshow++] = (uint32_t)i;
		msgtab_sorter_sort(sorter, idx, nshow);
		for (i = 0; i < nshow; i++) {
			rowlist_add_row(mv, idx[i], -1)->flags =
			    ROWLIST_ROW_THREAD_START;
			mv->nthreads++;
		}
		free(idx);
	}
	msgtab_sorter_free(sorter);
	free(show);
	rowlist_refresh(mv);
	return mv;
}

/* Free a row list. */
void
rowlist_free(struct rowlist *mv)
{
	if (mv == NULL)
		return;
	if (mv->rows != mv->full)
		free(mv->rows);
	free(mv->full);
	free(mv->threads);
	free(mv->where);
	free(mv);
}

/* How many rows are shown. */
size_t
rowlist_count(const struct rowlist *mv)
{
	return mv->nrows;
}

/* Row i. */
const struct rowlist_row *
rowlist_row(const struct rowlist *mv, size_t i)
{
	return i < mv->nrows ? &mv->rows[i] : NULL;
}

/* The row showing message-table index. */
ssize_t
rowlist_find_index(const struct rowlist *mv, size_t index)
{
	return index < mv->nmsgs ? mv->where[index] : -1;
}

/* Fold or unfold the thread row i is in. */
ssize_t
rowlist_toggle_collapse(struct rowlist *mv, size_t i)
{
	struct rowlist_thread *th;

	if (!mv->threaded || i >= mv->nrows)
		return -1;
	th = &mv->threads[mv->rows[i].thread];
	if (th->count > 1) {
		th->collapsed = !th->collapsed;
		if (th->collapsed)
			mv->ncollapsed++;
		else
			mv->ncollapsed--;
		rowlist_refresh(mv);
	}
	return mv->where[mv->full[th->start].index];
}

/* Fold or unfold every thread that has more than one row. */
void
rowlist_collapse_all(struct rowlist *mv, bool collapse)
{
	size_t i;

	if (!mv->threaded)
		return;
	mv->ncollapsed = 0;
	for (i = 0; i < mv->nthreads; i++) {
		mv->threads[i].collapsed = collapse && mv->threads[i].count > 1;
		mv->ncollapsed += mv->threads[i].collapsed;
	}
	rowlist_refresh(mv);
}

/*
 * Draw a row's tree prefix.  The cells are laid out right to left (the
 * arrow first, then one two-cell column per ancestor level), so a narrow
 * width only ever walks up as many ancestors as it can show.
 */
size_t
rowlist_tree_prefix(const struct rowlist *mv, size_t i, char *buf, size_t size,
    unsigned width, unsigned flags)
{
	const char *const *glyph =
	    (flags & ROWLIST_TREE_ASCII) ? rowlist_ascii : rowlist_utf8;
	enum rowlist_cell cells[ROWLIST_MAX_WIDTH];
	const struct rowlist_row *r;
	size_t want, pos, k, len, used = 0, total;
	int32_t a;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (i >= mv->nrows || mv->rows[i].depth == 0 || width == 0)
		return 0;
	r = &mv->rows[i];
	total = 2 * ((size_t)r->depth - 1) + 3;
	want = width < ROWLIST_MAX_WIDTH ? width : ROWLIST_MAX_WIDTH;
	if (want > total)
		want = total;
	pos = want;
	cells[--pos] = ROWLIST_ARROW;
	if (pos > 0)
		cells[--pos] = ROWLIST_HLINE;
	if (pos > 0) {
		if (r->parent == -1 && (r->flags & ROWLIST_ROW_THREAD_START))
			cells[--pos] = ROWLIST_ULCORNER;
		else if (r->flags & ROWLIST_ROW_HAS_NEXT)
			cells[--pos] = ROWLIST_TEE;
		else
			cells[--pos] = ROWLIST_LLCORNER;
	}
	for (a = r->parent; pos > 0 && a != -1 && mv->rows[a].depth > 0;
	     a = mv->rows[a].parent) {
		cells[--pos] = ROWLIST_SPACE;
		if (pos > 0)
			cells[--pos] =
			    (mv->rows[a].flags & ROWLIST_ROW_HAS_NEXT)
			    ? ROWLIST_VLINE
			    : ROWLIST_SPACE;
	}
	for (k = pos; k < want; k++) {
		len = strlen(glyph[cells[k]]);
		if (used + len + 1 > size)
			break;
		memcpy(buf + used, glyph[cells[k]], len);
		used += len;
	}
	buf[used] = '\0';
	return k - pos;
}
