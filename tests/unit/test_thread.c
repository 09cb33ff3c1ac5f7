/*
 * test_thread.c - JWZ threading (src/thread.c).
 *
 * Each case is a small folder and the forest it must give, written as
 * uids with children in parentheses and "*" for a dummy (a parent that
 * is not in the folder): "1(2(3) 4) *(5 6)".  Odd folders first (empty,
 * no ids), then loops, self-references, duplicate ids, missing parents,
 * over-long References, subject grouping on and off; then properties:
 * the order messages arrive in does not matter, and nothing is lost or
 * doubled in big hostile folders.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/summary.h"
#include "model/thread.h"

struct tmsg {
	uint32_t uid; /* 0 ends a list */
	const char *id;
	const char *refs;
	const char *irt;
	const char *subject;
	int64_t date; /* 0: uid * 100 */
};

/* A mailbox holding a list of messages. */
static struct msgtab *
load(const struct tmsg *m)
{
	struct msgtab *mb = msgtab_new();
	struct summary s;

	for (; m->uid != 0; m++) {
		memset(&s, 0, sizeof s);
		s.uid = m->uid;
		s.message_id = (char *)m->id;
		s.references = (char *)m->refs;
		s.in_reply_to = (char *)m->irt;
		s.subject = (char *)m->subject;
		s.date = m->date ? m->date : (int64_t)m->uid * 100;
		s.arrival = s.date;
		msgtab_add(mb, &s);
	}
	return mb;
}

/* Append node x and its subtree to out. */
static void
describe_node(
    const struct msgtab *mb, const struct thread *t, int32_t x, GString *out)
{
	int32_t c, m = thread_message(t, x);

	if (m < 0)
		g_string_append_c(out, '*');
	else
		g_string_append_printf(out, "%u", msgtab_uid(mb, (size_t)m));
	if ((c = thread_child(t, x)) == -1)
		return;
	g_string_append_c(out, '(');
	for (; c != -1; c = thread_next(t, c)) {
		describe_node(mb, t, c, out);
		if (thread_next(t, c) != -1)
			g_string_append_c(out, ' ');
	}
	g_string_append_c(out, ')');
}

/* Thread mb, sort roots by date (maybe reversed), and describe it. */
static char *
describe(const struct msgtab *mb, unsigned flags, bool reverse)
{
	struct msgtab_sorter *roots, *kids;
	GString *out = g_string_new(NULL);
	struct thread *t;
	size_t i;

	t = thread_build(mb, flags);
	roots = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, reverse);
	kids = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, false);
	thread_sort(t, roots, kids);
	for (i = 0; i < thread_root_count(t); i++) {
		if (i > 0)
			g_string_append_c(out, ' ');
		describe_node(mb, t, thread_root(t, i), out);
	}
	msgtab_sorter_free(roots);
	msgtab_sorter_free(kids);
	thread_free(t);
	return g_string_free(out, FALSE);
}

/* Messages by what they carry; the date is uid * 100 unless given. */
#define M(u, i) \
	{ \
		.uid = (u), .id = (i) \
	}
#define R(u, i, r) \
	{ \
		.uid = (u), .id = (i), .refs = (r) \
	}
#define I(u, i, p) \
	{ \
		.uid = (u), .id = (i), .irt = (p) \
	}
#define S(u, i, r, s) \
	{ \
		.uid = (u), .id = (i), .refs = (r), .subject = (s) \
	}
#define D(u, i, r, d) \
	{ \
		.uid = (u), .id = (i), .refs = (r), .date = (d) \
	}
#define END \
	{ \
		.uid = 0 \
	}

static const struct {
	const char *name;
	unsigned flags;
	struct tmsg m[8];
	const char *want;
} cases[] = {
	{ "empty", 0, { END }, "" },
	{ "single", 0, { M(1, "a"), END }, "1" },
	{ "no ids", 0, { M(1, NULL), M(2, NULL), END }, "1 2" },
	{ "no id but a parent", 0, { M(1, "a"), R(2, NULL, "a"), END },
	    "1(2)" },
	{ "chain", 0, { M(1, "a"), R(2, "b", "a"), R(3, "c", "a b"), END },
	    "1(2(3))" },
	{ "siblings by date", 0,
	    { M(1, "a"), R(3, "c", "a"), R(2, "b", "a"), END }, "1(2 3)" },
	{ "in-reply-to only", 0, { M(1, "a"), I(2, "b", "a"), END }, "1(2)" },
	{ "missing parent", 0, { R(2, "b", "x"), R(3, "c", "x"), END },
	    "*(2 3)" },
	{ "missing parent, one reply", 0, { R(2, "b", "x"), END }, "*(2)" },
	{ "missing middle", 0, { M(1, "a"), R(3, "c", "a b"), END },
	    "1(*(3))" },
	{ "loop of two", 0, { R(1, "a", "b"), R(2, "b", "a"), END }, "2(1)" },
	{ "loop of three", 0,
	    { R(1, "a", "c"), R(2, "b", "a"), R(3, "c", "b"), END },
	    "3(1(2))" },
	{ "loop inside references", 0, { M(1, "a"), R(2, "b", "a c a"), END },
	    "1(2)" },
	{ "self-reference", 0,
	    { { .uid = 1, .id = "a", .refs = "a", .irt = "<a>" }, END }, "1" },
	{ "self in the middle", 0, { M(1, "x"), R(2, "a", "x a y"), END },
	    "1(*(2))" },
	{ "duplicate ids", 0, { M(1, "a"), M(2, "a"), R(3, "c", "a"), END },
	    "1(3) 2" },
	{ "duplicate ids, both with parents", 0,
	    { M(1, "p"), R(2, "a", "p"), R(3, "a", "p"), END }, "1(2 3)" },
	{ "parents arrive later", 0,
	    { R(3, "c", "a b"), M(1, "a"), R(2, "b", "a"), END }, "1(2(3))" },
	{ "a message knows its parent best", 0,
	    { R(3, "c", "a b"), M(2, "b"), END }, "2(3)" },
	{ "a message corrects what others presumed", 0,
	    { M(1, "a"), R(3, "c", "x b"), R(2, "b", "a"), END }, "1(2(3))" },
	{ "subjects ignored by default", 0,
	    { S(1, "a", NULL, "Hello"), S(2, "b", NULL, "Re: Hello"), END },
	    "1 2" },
	{ "subject joins a reply", THREAD_SUBJECT,
	    { S(1, "a", NULL, "Hello"), S(2, "b", NULL, "Re: Hello"), END },
	    "1(2)" },
	{ "subject: the original heads even when later", THREAD_SUBJECT,
	    { S(1, "a", NULL, "Re: Hello"), S(2, "b", NULL, "Hello"), END },
	    "2(1)" },
	{ "subject: two originals get a dummy", THREAD_SUBJECT,
	    { S(1, "a", NULL, "Hello"), S(2, "b", NULL, "hello"), END },
	    "*(1 2)" },
	{ "subject: two replies get a dummy", THREAD_SUBJECT,
	    { S(1, "a", NULL, "Re: Hello"), S(2, "b", NULL, "AW: HELLO"), END },
	    "*(1 2)" },
	{ "subject: empty subjects stay apart", THREAD_SUBJECT,
	    { S(1, "a", NULL, ""), S(2, "b", NULL, "Re: "), M(3, "c"), END },
	    "1 2 3" },
	{ "subject: a dummy thread takes the others", THREAD_SUBJECT,
	    { S(2, "b", "x", "Re: Plan"), S(3, "c", "x", "Re: Plan"),
		S(4, "d", NULL, "plan"), END },
	    "*(2 3 4)" },
	{ "subject: threads keep their shape", THREAD_SUBJECT,
	    { S(1, "a", NULL, "Plan"), S(2, "b", "a", "Re: Plan"),
		S(3, "c", NULL, "Re: Plan"), S(4, "d", "c", "x"), END },
	    "1(2 3(4))" },
};

static void
test_cases(void)
{
	struct msgtab *mb;
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		mb = load(cases[i].m);
		got = describe(mb, cases[i].flags, false);
		if (strcmp(got, cases[i].want) != 0)
			g_test_message("case '%s'", cases[i].name);
		g_assert_cmpstr(got, ==, cases[i].want);
		g_free(got);
		msgtab_free(mb);
	}
}

static void
test_sort(void)
{
	static const struct tmsg m[] = { D(1, "a", NULL, 100),
		D(2, "b", "a", 300), D(3, "c", "a", 200), D(4, "d", NULL, 400),
		/* A dummy root sorts by its earliest message. */
		D(5, "e", "x", 350), D(6, "f", "x", 50), END };
	struct msgtab *mb = load(m);
	char *got;

	got = describe(mb, 0, false);
	g_assert_cmpstr(got, ==, "*(6 5) 1(3 2) 4");
	g_free(got);
	/* Reverse turns the threads around, not the replies. */
	got = describe(mb, 0, true);
	g_assert_cmpstr(got, ==, "4 1(3 2) *(6 5)");
	g_free(got);
	msgtab_free(mb);
}

static void
test_arrival_order(void)
{
	static const struct tmsg m[] = { M(1, "a"), R(2, "b", "a"),
		R(3, "c", "a b"), I(4, "d", "a"), R(5, "e", "a d"),
		R(6, "f", "zz"), END };
	const char *want = "1(2(3) 4(5)) *(6)";
	struct tmsg perm[7];
	int idx[6] = { 0, 1, 2, 3, 4, 5 }, c[6] = { 0 }, k = 0, j, t, n = 0;
	struct msgtab *mb;
	char *got;

	/* Heap's algorithm: every one of the 720 orders. */
	for (;;) {
		for (t = 0; t < 6; t++)
			perm[t] = m[idx[t]];
		perm[6] = m[6];
		mb = load(perm);
		got = describe(mb, 0, false);
		g_assert_cmpstr(got, ==, want);
		g_free(got);
		msgtab_free(mb);
		n++;
		while (k < 6 && c[k] >= k) {
			c[k] = 0;
			k++;
		}
		if (k == 6)
			break;
		j = k % 2 == 0 ? 0 : c[k];
		t = idx[j];
		idx[j] = idx[k];
		idx[k] = t;
		c[k]++;
		k = 1;
	}
	g_assert_cmpint(n, ==, 720);
}

/* Count the messages in a forest, failing on a node seen twice. */
static size_t
count_messages(const struct thread *t, size_t nmsgs)
{
	uint8_t *seen = g_new0(uint8_t, thread_node_count(t));
	uint8_t *msg = g_new0(uint8_t, nmsgs + 1);
	size_t i, count = 0;
	int32_t x, top, m;

	for (i = 0; i < thread_root_count(t); i++) {
		top = thread_root(t, i);
		g_assert_cmpint(thread_parent(t, top), ==, -1);
		for (x = top; x != -1;) {
			g_assert_false(seen[x]);
			seen[x] = 1;
			if ((m = thread_message(t, x)) >= 0) {
				g_assert_false(msg[m]);
				msg[m] = 1;
				count++;
			}
			if (thread_child(t, x) != -1) {
				x = thread_child(t, x);
				continue;
			}
			while (x != top && thread_next(t, x) == -1)
				x = thread_parent(t, x);
			x = x == top ? -1 : thread_next(t, x);
		}
	}
	g_free(seen);
	g_free(msg);
	return count;
}

static void
test_long_chains(void)
{
	struct msgtab *mb = msgtab_new();
	struct summary s = { 0 };
	GString *refs = g_string_new(NULL);
	struct thread *t;
	size_t depth, n = 20000, i;
	int32_t x;
	char id[32], parent[32];

	/* Newest first, each naming only its parent: 20,000 deep. */
	for (i = n; i-- > 0;) {
		snprintf(id, sizeof id, "m%zu@x", i);
		snprintf(parent, sizeof parent, "m%zu@x", i - 1);
		s.uid = (uint32_t)i + 1;
		s.message_id = id;
		s.in_reply_to = i > 0 ? parent : NULL;
		s.date = (int64_t)i;
		msgtab_add(mb, &s);
	}
	t = thread_build(mb, 0);
	g_assert_cmpuint(thread_root_count(t), ==, 1);
	g_assert_cmpuint(count_messages(t, n), ==, n);
	for (depth = 0, x = thread_root(t, 0); thread_child(t, x) != -1;
	     x = thread_child(t, x))
		depth++;
	g_assert_cmpuint(depth, ==, n - 1);
	thread_free(t);
	msgtab_free(mb);

	/* References longer than the cap: each names all before it. */
	mb = msgtab_new();
	for (i = 0; i < 60; i++) {
		snprintf(id, sizeof id, "c%zu@x", i);
		s.uid = (uint32_t)i + 1;
		s.message_id = id;
		s.in_reply_to = NULL;
		s.references = refs->str;
		s.date = (int64_t)i;
		msgtab_add(mb, &s);
		g_string_append_printf(refs, "<%s> ", id);
	}
	t = thread_build(mb, 0);
	g_assert_cmpuint(thread_root_count(t), ==, 1);
	for (depth = 0, x = thread_root(t, 0); thread_child(t, x) != -1;
	     x = thread_child(t, x)) {
		g_assert_cmpint(thread_next(t, thread_child(t, x)), ==, -1);
		g_assert_cmpuint(msgtab_uid(mb, (size_t)thread_message(t, x)),
		    ==, depth + 1);
		depth++;
	}
	g_assert_cmpuint(depth, ==, 59);
	thread_free(t);
	msgtab_free(mb);
	g_string_free(refs, TRUE);
}

static void
test_hostile(void)
{
	struct msgtab *mb = msgtab_new();
	struct summary s = { 0 };
	size_t n = 5000, i;
	struct thread *t;
	char id[32], refs[128];

	/* A ring: each message replies to the next, the last to the first,
	 * plus references that jump around and repeat. */
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "r%zu@x", i);
		snprintf(refs, sizeof refs, "r%zu@x r%zu@x r%zu@x r%zu@x",
		    (i * 7) % n, (i + 2) % n, (i * 7) % n, (i + 1) % n);
		s.uid = (uint32_t)i + 1;
		s.message_id = id;
		s.references = refs;
		s.date = (int64_t)(i % 13);
		msgtab_add(mb, &s);
	}
	/* And duplicates of some ids, and messages without any. */
	for (i = 0; i < 500; i++) {
		snprintf(id, sizeof id, "r%zu@x", i * 3);
		s.uid = (uint32_t)(n + i + 1);
		s.message_id = i % 2 ? id : NULL;
		s.references = id;
		msgtab_add(mb, &s);
	}
	t = thread_build(mb, THREAD_SUBJECT);
	g_assert_cmpuint(
	    count_messages(t, msgtab_count(mb)), ==, msgtab_count(mb));
	thread_free(t);
	t = thread_build(mb, 0);
	g_assert_cmpuint(
	    count_messages(t, msgtab_count(mb)), ==, msgtab_count(mb));
	g_assert_cmpint(thread_message(t, -1), ==, -1);
	g_assert_cmpint(
	    thread_parent(t, (int32_t)thread_node_count(t)), ==, -1);
	g_assert_cmpint(thread_root(t, thread_root_count(t)), ==, -1);
	thread_free(t);
	msgtab_free(mb);
	thread_free(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/thread/cases", test_cases);
	g_test_add_func("/thread/sort", test_sort);
	g_test_add_func("/thread/arrival-order", test_arrival_order);
	g_test_add_func("/thread/long-chains", test_long_chains);
	g_test_add_func("/thread/hostile", test_hostile);
	return g_test_run();
}
