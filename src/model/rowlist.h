/*
 * rowlist.h - the rows a folder view shows, in order.
 *
 * (Named a row list, not a view: a view in tern is a screen of ui/.)
 *
 * A row list is built from a message table with a sort order, optionally
 * threaded and optionally limited by a pattern.  Each row names a message by
 * its message-table index and carries what the index screen needs to draw the
 * thread tree; rowlist_tree_prefix() draws it.
 *
 * Threaded views sort threads by their root message's key (reverse
 * reverses the threads) and replies by date, oldest first.  Messages the
 * limit hides, and parents missing from the folder, take no row: their
 * replies move up to the nearest shown ancestor.  When a thread's top
 * level is left with several messages, they are drawn as siblings under
 * an invisible root ("┌─>", "├─>", "└─>"), which is why their depth is 1.
 *
 * A row list is a snapshot: it borrows the message table for rowlist_build()
 * only and holds indexes, which msgtab_remove_uids() invalidates; rebuild then.
 */
#ifndef TERN_ROWLIST_H
#define TERN_ROWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/msgtab.h"
#include "model/pattern.h"

/* Row flags. */
#define ROWLIST_ROW_THREAD_START 0x1u /* first row of a thread */
#define ROWLIST_ROW_HAS_NEXT 0x2u /* a later sibling follows in the tree */
#define ROWLIST_ROW_COLLAPSED 0x4u /* the thread is folded into this row */

struct rowlist_row {
	uint32_t index; /* message-table index */
	int32_t parent; /* row of the parent shown, -1 for none */
	uint32_t depth; /* tree level: 0 for a thread's root */
	uint32_t hidden; /* messages folded under a collapsed row */
	uint32_t thread; /* thread number, in display order */
	uint32_t flags; /* ROWLIST_ROW_* */
};

struct rowlist_opts {
	enum msgtab_sort sort;
	bool reverse;
	bool threaded;
	bool subject_threads; /* also join threads by subject */
	const struct pattern *limit; /* NULL: every message */
	pattern_body_cb body; /* answers for ~b in limit */
	void *body_arg;
};

/* Tree drawing: box-drawing characters, or ASCII with this flag. */
#define ROWLIST_TREE_ASCII 0x1u

struct rowlist;

struct rowlist *
rowlist_build(const struct msgtab *mb, const struct rowlist_opts *opts);
void rowlist_free(struct rowlist *mv);

size_t rowlist_count(const struct rowlist *mv);
/* A row; NULL when i is out of range.  Valid until the next change. */
const struct rowlist_row *rowlist_row(const struct rowlist *mv, size_t i);
/* The row showing a message (for a folded one, its thread's row), or -1. */
ssize_t rowlist_find_index(const struct rowlist *mv, size_t index);

/*
 * Fold or unfold the thread that row i belongs to.  Returns the row of
 * that thread's first message afterwards (where a cursor should go), or
 * -1 if the view is not threaded or i is out of range.  A thread of one
 * row does not fold.
 */
ssize_t rowlist_toggle_collapse(struct rowlist *mv, size_t i);
/* Fold or unfold every thread. */
void rowlist_collapse_all(struct rowlist *mv, bool collapse);

/*
 * Draw row i's tree prefix into buf (size bytes, always NUL-terminated,
 * UTF-8) using at most width columns; a prefix too wide loses its left
 * end, so the arrow stays.  Returns the columns used: 0 for a root.
 */
size_t rowlist_tree_prefix(const struct rowlist *mv, size_t i, char *buf,
    size_t size, unsigned width, unsigned flags);

#endif
