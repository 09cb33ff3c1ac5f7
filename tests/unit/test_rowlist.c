/*
 * test_rowlist.c - the rows a folder view shows (src/rowlist.c).
 *
 * Empty folders first, then flat views, the thread tree a user sees
 * (depths, parents, the drawn prefixes, missing parents drawn as
 * siblings), limits that hide parts of threads, folding, prefix widths,
 * and invariants over a big random folder.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/rowlist.h"
#include "model/pattern.h"
#include "model/summary.h"

struct vmsg {
	uint32_t uid;
	const char *id;
	const char *refs;
	const char *subject;
	uint32_t flags;
};

/* A mailbox with these messages, dated uid * 100. */
static struct msgtab *
load(const struct vmsg *m, size_t n)
{
	struct msgtab *mb = msgtab_new();
	struct summary s;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof s);
		s.uid = m[i].uid;
		s.message_id = (char *)m[i].id;
		s.references = (char *)m[i].refs;
		s.subject = (char *)m[i].subject;
		s.flags = m[i].flags;
		s.date = s.arrival = (int64_t)m[i].uid * 100;
		s.size = m[i].uid;
		msgtab_add(mb, &s);
	}
	return mb;
}

/*
 * The tree every test uses:
 *   1            thread of a
 *   ├─>2
 *   │ └─>3
 *   └─>4
 *   5            alone
 *   ┌─>6         two replies to x, which is not in the folder
 *   └─>7
 *     └─>8
 */
static const struct vmsg tree[] = {
	{ 1, "a", NULL, "one", MSG_SEEN },
	{ 2, "b", "a", "two", 0 },
	{ 3, "c", "a b", "three", MSG_FLAGGED },
	{ 4, "d", "a", "four", MSG_SEEN },
	{ 5, "e", NULL, "five", MSG_SEEN },
	{ 6, "f", "x", "six", 0 },
	{ 7, "g", "x", "seven", MSG_FLAGGED },
	{ 8, "h", "x g", "eight", MSG_SEEN },
};

/* Build a view with the usual options. */
static struct rowlist *
view(const struct msgtab *mb, bool threaded, enum msgtab_sort key, bool reverse,
    const struct pattern *limit)
{
	struct rowlist_opts o = { 0 };

	o.sort = key;
	o.reverse = reverse;
	o.threaded = threaded;
	o.limit = limit;
	return rowlist_build(mb, &o);
}

/* The rows as "uid:depth" words, e.g. "1:0 2:1". */
static char *
rows(const struct msgtab *mb, const struct rowlist *mv)
{
	GString *out = g_string_new(NULL);
	const struct rowlist_row *r;
	size_t i;

	for (i = 0; i < rowlist_count(mv); i++) {
		r = rowlist_row(mv, i);
		g_string_append_printf(out, "%s%u:%u", i ? " " : "",
		    msgtab_uid(mb, r->index), r->depth);
		if (r->flags & ROWLIST_ROW_COLLAPSED)
			g_string_append_printf(out, "+%u", r->hidden);
	}
	return g_string_free(out, FALSE);
}

/* Check a view's rows against a description. */
static void
assert_rows(const struct msgtab *mb, const struct rowlist *mv, const char *want)
{
	char *got = rows(mb, mv);

	g_assert_cmpstr(got, ==, want);
	g_free(got);
}

/* A compiled pattern that must compile. */
static struct pattern *
compile(const char *text)
{
	struct pattern *p;
	char *err;

	p = pattern_compile(text, 0, &err);
	g_assert_null(err);
	g_assert_nonnull(p);
	return p;
}

static void
test_empty(void)
{
	struct msgtab *mb = msgtab_new();
	struct rowlist *mv;
	char buf[16] = "junk";
	int threaded;

	for (threaded = 0; threaded < 2; threaded++) {
		mv = view(mb, threaded, MSGTAB_SORT_DATE, false, NULL);
		g_assert_cmpuint(rowlist_count(mv), ==, 0);
		g_assert_null(rowlist_row(mv, 0));
		g_assert_cmpint(rowlist_find_index(mv, 0), ==, -1);
		g_assert_cmpint(rowlist_toggle_collapse(mv, 0), ==, -1);
		rowlist_collapse_all(mv, true);
		g_assert_cmpuint(rowlist_count(mv), ==, 0);
		g_assert_cmpuint(
		    rowlist_tree_prefix(mv, 0, buf, sizeof buf, 80, 0), ==, 0);
		g_assert_cmpstr(buf, ==, "");
		rowlist_free(mv);
	}
	rowlist_free(NULL);
	msgtab_free(mb);
}

static void
test_flat(void)
{
	struct msgtab *mb = load(tree, G_N_ELEMENTS(tree));
	const struct rowlist_row *r;
	struct pattern *p;
	struct rowlist *mv;
	char buf[16];
	size_t i;

	mv = view(mb, false, MSGTAB_SORT_DATE, true, NULL);
	assert_rows(mb, mv, "8:0 7:0 6:0 5:0 4:0 3:0 2:0 1:0");
	for (i = 0; i < rowlist_count(mv); i++) {
		r = rowlist_row(mv, i);
		g_assert_cmpint(r->parent, ==, -1);
		g_assert_cmpuint(r->flags, ==, ROWLIST_ROW_THREAD_START);
		g_assert_cmpint(
		    rowlist_find_index(mv, r->index), ==, (ssize_t)i);
		g_assert_cmpuint(
		    rowlist_tree_prefix(mv, i, buf, sizeof buf, 80, 0), ==, 0);
	}
	/* Folding needs threads. */
	g_assert_cmpint(rowlist_toggle_collapse(mv, 0), ==, -1);
	rowlist_free(mv);

	p = compile("~F | ~U");
	mv = view(mb, false, MSGTAB_SORT_SUBJECT, false, p);
	/* seven, six, three, two */
	assert_rows(mb, mv, "7:0 6:0 3:0 2:0");
	g_assert_cmpint(rowlist_find_index(mv, 0), ==, -1); /* uid 1: hidden */
	g_assert_cmpint(rowlist_find_index(mv, 2), ==, 2);
	g_assert_cmpint(rowlist_find_index(mv, 99), ==, -1);
	rowlist_free(mv);
	pattern_free(p);
	msgtab_free(mb);
}

/* Every row's prefix, joined with "|". */
static char *
prefixes(const struct rowlist *mv, unsigned flags)
{
	GString *out = g_string_new(NULL);
	char buf[256];
	size_t i;

	for (i = 0; i < rowlist_count(mv); i++) {
		rowlist_tree_prefix(mv, i, buf, sizeof buf, 80, flags);
		g_string_append_printf(out, "%s%s", i ? "|" : "", buf);
	}
	return g_string_free(out, FALSE);
}

static void
test_tree(void)
{
	static const struct {
		int32_t parent;
		uint32_t flags;
	} want[] = {
		{ -1, ROWLIST_ROW_THREAD_START },
		{ 0, ROWLIST_ROW_HAS_NEXT },
		{ 1, 0 },
		{ 0, 0 },
		{ -1, ROWLIST_ROW_THREAD_START },
		{ -1, ROWLIST_ROW_THREAD_START | ROWLIST_ROW_HAS_NEXT },
		{ -1, 0 },
		{ 6, 0 },
	};
	struct msgtab *mb = load(tree, G_N_ELEMENTS(tree));
	const struct rowlist_row *r;
	struct rowlist *mv;
	char *got;
	size_t i;

	mv = view(mb, true, MSGTAB_SORT_DATE, false, NULL);
	assert_rows(mb, mv, "1:0 2:1 3:2 4:1 5:0 6:1 7:1 8:2");
	for (i = 0; i < G_N_ELEMENTS(want); i++) {
		r = rowlist_row(mv, i);
		g_assert_cmpint(r->parent, ==, want[i].parent);
		g_assert_cmpuint(r->flags, ==, want[i].flags);
		g_assert_cmpint(
		    rowlist_find_index(mv, r->index), ==, (ssize_t)i);
	}
	g_assert_cmpuint(rowlist_row(mv, 3)->thread, ==, 0);
	g_assert_cmpuint(rowlist_row(mv, 4)->thread, ==, 1);
	g_assert_cmpuint(rowlist_row(mv, 7)->thread, ==, 2);
	got = prefixes(mv, 0);
	g_assert_cmpstr(got, ==, "|├─>|│ └─>|└─>||┌─>|└─>|  └─>");
	g_free(got);
	got = prefixes(mv, ROWLIST_TREE_ASCII);
	g_assert_cmpstr(got, ==, "||->|| `->|`->||,->|`->|  `->");
	g_free(got);
	rowlist_free(mv);

	/* Reverse order turns threads around; replies stay oldest first. */
	mv = view(mb, true, MSGTAB_SORT_DATE, true, NULL);
	assert_rows(mb, mv, "6:1 7:1 8:2 5:0 1:0 2:1 3:2 4:1");
	rowlist_free(mv);
	/* Threads sort by their root: "five" < "one" < "six" (x's first). */
	mv = view(mb, true, MSGTAB_SORT_SUBJECT, false, NULL);
	assert_rows(mb, mv, "5:0 1:0 2:1 3:2 4:1 6:1 7:1 8:2");
	rowlist_free(mv);
	msgtab_free(mb);
}

static void
test_limit_threaded(void)
{
	static const struct {
		const char *limit;
		const char *rows;
		const char *prefixes;
	} cases[] = {
		/* A hidden parent: its reply moves up a level. */
		{ "!~s two", "1:0 3:1 4:1 5:0 6:1 7:1 8:2",
		    "|├─>|└─>||┌─>|└─>|  └─>" },
		/* A hidden root: its replies become siblings. */
		{ "!~s one", "2:1 3:2 4:1 5:0 6:1 7:1 8:2",
		    "┌─>|│ └─>|└─>||┌─>|└─>|  └─>" },
		/* One reply left of two: it is the thread's root then. */
		{ "!~s six", "1:0 2:1 3:2 4:1 5:0 7:0 8:1",
		    "|├─>|│ └─>|└─>|||└─>" },
		/* Nothing of a thread shown: no rows for it. */
		{ "~s o", "1:0 2:1 4:1", "|├─>|└─>" },
		{ "~s nothing", "", "" },
	};
	struct msgtab *mb = load(tree, G_N_ELEMENTS(tree));
	struct pattern *p;
	struct rowlist *mv;
	char *got;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		p = compile(cases[i].limit);
		mv = view(mb, true, MSGTAB_SORT_DATE, false, p);
		assert_rows(mb, mv, cases[i].rows);
		got = prefixes(mv, 0);
		g_assert_cmpstr(got, ==, cases[i].prefixes);
		g_free(got);
		rowlist_free(mv);
		pattern_free(p);
	}
	msgtab_free(mb);
}

static void
test_collapse(void)
{
	struct msgtab *mb = load(tree, G_N_ELEMENTS(tree));
	const struct rowlist_row *r;
	struct rowlist_row before[8];
	struct rowlist *mv;
	char buf[64];
	size_t i;

	mv = view(mb, true, MSGTAB_SORT_DATE, false, NULL);
	for (i = 0; i < 8; i++)
		before[i] = *rowlist_row(mv, i);

	/* Folding from a reply folds its whole thread, cursor to the top. */
	g_assert_cmpint(rowlist_toggle_collapse(mv, 2), ==, 0);
	assert_rows(mb, mv, "1:0+3 5:0 6:1 7:1 8:2");
	r = rowlist_row(mv, 0);
	g_assert_cmpuint(
	    r->flags, ==, ROWLIST_ROW_THREAD_START | ROWLIST_ROW_COLLAPSED);
	g_assert_cmpint(rowlist_find_index(mv, 2), ==, 0); /* uid 3 is in it */
	g_assert_cmpint(rowlist_find_index(mv, 4), ==, 1);
	g_assert_cmpint(rowlist_row(mv, 4)->parent, ==, 3); /* renumbered */
	g_assert_cmpuint(
	    rowlist_tree_prefix(mv, 0, buf, sizeof buf, 80, 0), ==, 0);

	/* A thread of one does not fold. */
	g_assert_cmpint(rowlist_toggle_collapse(mv, 1), ==, 1);
	assert_rows(mb, mv, "1:0+3 5:0 6:1 7:1 8:2");

	/* Siblings under a missing parent fold into one row too. */
	g_assert_cmpint(rowlist_toggle_collapse(mv, 4), ==, 2);
	assert_rows(mb, mv, "1:0+3 5:0 6:0+2");
	g_assert_cmpuint(
	    rowlist_tree_prefix(mv, 2, buf, sizeof buf, 80, 0), ==, 0);

	/* Unfold: the rows are what they were. */
	g_assert_cmpint(rowlist_toggle_collapse(mv, 0), ==, 0);
	g_assert_cmpint(rowlist_toggle_collapse(mv, 5), ==, 5);
	g_assert_cmpuint(rowlist_count(mv), ==, 8);
	for (i = 0; i < 8; i++)
		g_assert_cmpmem(rowlist_row(mv, i), sizeof before[i],
		    &before[i], sizeof before[i]);
	g_assert_cmpint(rowlist_toggle_collapse(mv, 8), ==, -1);

	rowlist_collapse_all(mv, true);
	assert_rows(mb, mv, "1:0+3 5:0 6:0+2");
	rowlist_collapse_all(mv, false);
	assert_rows(mb, mv, "1:0 2:1 3:2 4:1 5:0 6:1 7:1 8:2");
	rowlist_free(mv);
	msgtab_free(mb);
}

static void
test_prefix_width(void)
{
	struct msgtab *mb = msgtab_new();
	struct summary s = { 0 };
	struct rowlist *mv;
	char buf[1024], id[32], parent[32];
	size_t i, n = 10000;
	static const struct {
		unsigned width;
		size_t size;
		size_t cells;
		const char *want;
	} cases[] = {
		{ 0, sizeof buf, 0, "" },
		{ 1, sizeof buf, 1, ">" },
		{ 2, sizeof buf, 2, "─>" },
		{ 3, sizeof buf, 3, "└─>" },
		{ 10, sizeof buf, 10, "       └─>" },
		/* The buffer, not the width, runs out. */
		{ 10, 5, 4, "    " },
		{ 3, 5, 1, "└" },
		{ 3, 1, 0, "" },
	};

	/* A chain 10,000 deep: only what fits is drawn. */
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "m%zu", i);
		snprintf(parent, sizeof parent, "m%zu", i - 1);
		s.uid = (uint32_t)i + 1;
		s.message_id = id;
		s.in_reply_to = i > 0 ? parent : NULL;
		s.date = (int64_t)i;
		msgtab_add(mb, &s);
	}
	mv = view(mb, true, MSGTAB_SORT_DATE, false, NULL);
	g_assert_cmpuint(rowlist_count(mv), ==, n);
	g_assert_cmpuint(rowlist_row(mv, n - 1)->depth, ==, n - 1);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		memset(buf, 'x', sizeof buf);
		g_assert_cmpuint(rowlist_tree_prefix(mv, n - 1, buf,
				     cases[i].size, cases[i].width, 0),
		    ==, cases[i].cells);
		g_assert_cmpstr(buf, ==, cases[i].want);
	}
	/* Zero-size buffers are left alone. */
	buf[0] = 'x';
	g_assert_cmpuint(rowlist_tree_prefix(mv, n - 1, buf, 0, 80, 0), ==, 0);
	g_assert_cmpint(buf[0], ==, 'x');
	/* Wide: capped, and made of the right cells. */
	g_assert_cmpuint(rowlist_tree_prefix(mv, n - 1, buf, sizeof buf, 100000,
			     ROWLIST_TREE_ASCII),
	    ==, 512);
	g_assert_cmpuint(strlen(buf), ==, 512);
	g_assert_true(g_str_has_suffix(buf, "  `->"));
	rowlist_free(mv);
	msgtab_free(mb);
}

static void
test_subject_threads(void)
{
	static const struct vmsg m[] = {
		{ 1, "a", NULL, "Hello", 0 },
		{ 2, "b", NULL, "Re: Hello", 0 },
	};
	struct msgtab *mb = load(m, G_N_ELEMENTS(m));
	struct rowlist_opts o = { 0 };
	struct rowlist *mv;

	o.threaded = true;
	mv = rowlist_build(mb, &o);
	assert_rows(mb, mv, "1:0 2:0");
	rowlist_free(mv);
	o.subject_threads = true;
	mv = rowlist_build(mb, &o);
	assert_rows(mb, mv, "1:0 2:1");
	rowlist_free(mv);
	msgtab_free(mb);
}

/* Check what must hold for any threaded view. */
static void
assert_consistent(
    const struct msgtab *mb, const struct rowlist *mv, size_t shown)
{
	const struct rowlist_row *r, *q;
	size_t i, j, folded = 0;
	bool sibling;

	for (i = 0; i < rowlist_count(mv); i++) {
		r = rowlist_row(mv, i);
		g_assert_cmpuint(r->index, <, msgtab_count(mb));
		g_assert_cmpint(
		    rowlist_find_index(mv, r->index), ==, (ssize_t)i);
		folded += r->hidden;
		if (r->flags & ROWLIST_ROW_THREAD_START)
			g_assert_true(i == 0 ||
			    rowlist_row(mv, i - 1)->thread != r->thread);
		else
			g_assert_cmpuint(
			    rowlist_row(mv, i - 1)->thread, ==, r->thread);
		if (r->parent >= 0) {
			q = rowlist_row(mv, (size_t)r->parent);
			g_assert_cmpint(r->parent, <, (int32_t)i);
			g_assert_cmpuint(q->depth + 1, ==, r->depth);
			g_assert_cmpuint(q->thread, ==, r->thread);
		} else if (!(r->flags & ROWLIST_ROW_COLLAPSED)) {
			g_assert_cmpuint(r->depth, <=, 1);
		}
		/* HAS_NEXT says exactly whether a later sibling exists. */
		sibling = false;
		for (j = i + 1; j < rowlist_count(mv); j++) {
			q = rowlist_row(mv, j);
			if (q->thread != r->thread)
				break;
			if (q->parent == r->parent) {
				sibling = true;
				break;
			}
		}
		g_assert_cmpint(
		    sibling, ==, (r->flags & ROWLIST_ROW_HAS_NEXT) != 0);
	}
	g_assert_cmpuint(rowlist_count(mv) + folded, ==, shown);
}

static void
test_random_folder(void)
{
	struct msgtab *mb = msgtab_new();
	GRand *rnd = g_rand_new_with_seed(42);
	struct summary s = { 0 };
	struct rowlist_opts o = { 0 };
	struct rowlist *mv;
	struct pattern *p;
	char id[32], refs[64];
	size_t i, n = 3000, shown = 0, k;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "r%zu", i);
		k = (size_t)g_rand_int_range(rnd, 0, (gint32)i + 50);
		snprintf(refs, sizeof refs, "r%zu r%zu", k / 2,
		    k); /* some are missing, some are loops */
		s.uid = (uint32_t)g_rand_int(rnd);
		s.message_id = g_rand_int_range(rnd, 0, 20) ? id : NULL;
		s.references = g_rand_boolean(rnd) ? refs : NULL;
		s.flags = g_rand_boolean(rnd) ? MSG_SEEN : 0;
		s.date = g_rand_int_range(rnd, 0, 100);
		s.subject = g_rand_boolean(rnd) ? "Re: topic" : "topic";
		msgtab_add(mb, &s);
	}
	for (i = 0; i < msgtab_count(mb); i++)
		shown += (msgtab_flags(mb, i) & MSG_SEEN) == 0;

	p = compile("~U");
	o.threaded = true;
	o.limit = p;
	for (k = 0; k < 4; k++) {
		o.subject_threads = k & 1;
		o.reverse = (k & 2) != 0;
		mv = rowlist_build(mb, &o);
		assert_consistent(mb, mv, shown);
		for (i = 0; i < rowlist_count(mv); i += 7)
			rowlist_toggle_collapse(mv, i);
		assert_consistent(mb, mv, shown);
		rowlist_collapse_all(mv, true);
		assert_consistent(mb, mv, shown);
		rowlist_collapse_all(mv, false);
		assert_consistent(mb, mv, shown);
		rowlist_free(mv);
	}
	pattern_free(p);
	g_rand_free(rnd);
	msgtab_free(mb);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rowlist/empty", test_empty);
	g_test_add_func("/rowlist/flat", test_flat);
	g_test_add_func("/rowlist/tree", test_tree);
	g_test_add_func("/rowlist/limit-threaded", test_limit_threaded);
	g_test_add_func("/rowlist/collapse", test_collapse);
	g_test_add_func("/rowlist/prefix-width", test_prefix_width);
	g_test_add_func("/rowlist/subject-threads", test_subject_threads);
	g_test_add_func("/rowlist/random-folder", test_random_folder);
	return g_test_run();
}
