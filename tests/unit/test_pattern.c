/*
 * test_pattern.c - the search and limit language (src/pattern.c).
 *
 * Errors first (each must name the right column), then every operator,
 * precedence, quoting, smart case, dates and sizes against a small
 * folder, then body terms answered through the callback.  The clock is
 * fixed: now is 2024-03-15 12:00:00 and the time zone is UTC.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/pattern.h"
#include "model/summary.h"

#define NOW INT64_C(1710504000) /* 2024-03-15 12:00:00 UTC */
#define DAY INT64_C(86400)

/* The folder every matching test runs against. */
static struct msgtab *
folder(void)
{
	static const struct {
		uint32_t uid, flags;
		const char *from, *to, *cc, *subject, *id;
		int64_t date, arrival;
		uint64_t size;
	} m[] = {
		{ 1, MSG_SEEN, "Alice Smith <alice@example.org>",
		    "bob@example.org", NULL, "Quarterly report", "one@x",
		    NOW - 2 * DAY, NOW - 1 * DAY, 2048 },
		{ 2, 0, "Bob <bob@example.org>", "alice@example.org",
		    "carol@example.org", "Re: lunch?", "two@x", NOW - 10 * DAY,
		    NOW - 10 * DAY, 20 * 1024 },
		{ 3, MSG_FLAGGED | MSG_SEEN | MSG_ANSWERED,
		    "Jürgen MÜLLER <jm@example.de>", "team@example.org",
		    "dave@example.org, ALICE@example.org", "Report: Q1 numbers",
		    "three@x", 1706745599 /* 2024-01-31 23:59:59 */, 1706745599,
		    2 * 1024 * 1024 },
		{ 4, MSG_DELETED | MSG_SEEN, "carol@example.org", NULL, NULL,
		    "Meeting \"notes\" (draft)", NULL,
		    1703498400 /* 2023-12-25 10:00 */,
		    1709280000 /* 2024-03-01 08:00 */, 500 },
		{ 5, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 },
	};
	struct msgtab *mb = msgtab_new();
	struct summary s;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(m); i++) {
		memset(&s, 0, sizeof s);
		s.uid = m[i].uid;
		s.flags = m[i].flags;
		s.from = (char *)m[i].from;
		s.to = (char *)m[i].to;
		s.cc = (char *)m[i].cc;
		s.subject = (char *)m[i].subject;
		s.message_id = (char *)m[i].id;
		s.date = m[i].date;
		s.arrival = m[i].arrival;
		s.size = m[i].size;
		msgtab_add(mb, &s);
	}
	return mb;
}

/* The uids a compiled pattern matches, as "1 3". */
static char *
matching(const struct msgtab *mb, const struct pattern *p, pattern_body_cb body,
    void *arg)
{
	GString *out = g_string_new(NULL);
	size_t i;

	for (i = 0; i < msgtab_count(mb); i++)
		if (pattern_match(p, mb, i, body, arg))
			g_string_append_printf(out, "%s%u", out->len ? " " : "",
			    msgtab_uid(mb, i));
	return g_string_free(out, FALSE);
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "\xff", "column 1: the pattern is not valid UTF-8" },
		{ "ab\xc3", "column 3: the pattern is not valid UTF-8" },
		{ "~", "column 1: ~ needs a letter after it" },
		{ "~ f", "column 1: ~ needs a letter after it" },
		{ "~q", "column 1: unknown pattern ~q" },
		{ "~f alice ~q", "column 10: unknown pattern ~q" },
		{ "ä ~q", "column 3: unknown pattern ~q" },
		{ "~\x01", "column 1: unknown pattern after ~" },
		{ "~e x", "column 1: ~e is not supported" },
		{ "~T", "column 1: ~T is not supported" },
		{ "~f", "column 1: ~f needs an argument" },
		{ "~f )", "column 1: ~f needs an argument" },
		{ "~s (x)", "column 1: ~s needs an argument" },
		{ "~s a ~b", "column 6: ~b needs an argument" },
		{ "(~f a", "column 1: ( is never closed" },
		{ "~A (~f a ~s b", "column 4: ( is never closed" },
		{ "~f a)", "column 5: unexpected )" },
		{ ")", "column 1: unexpected )" },
		{ "!)", "column 2: unexpected )" },
		{ "()", "column 1: empty parentheses" },
		{ "~A ( )", "column 4: empty parentheses" },
		{ "| ~f a", "column 1: | needs a pattern on each side" },
		{ "~f a |", "column 6: | needs a pattern on each side" },
		{ "~f a || ~s b", "column 6: | needs a pattern on each side" },
		{ "(~f a |) ~s b", "column 7: | needs a pattern on each side" },
		{ "!", "column 1: ! needs a pattern after it" },
		{ "~f a !", "column 6: ! needs a pattern after it" },
		{ "~s \"abc", "column 4: unterminated quoted string" },
		{ "'abc", "column 1: unterminated quoted string" },
		{ "~s abc\\", "column 7: backslash at the end of the pattern" },
		{ "~s \"\"", "column 4: ~s needs a non-empty argument" },
		{ "\"\"", "column 1: empty quoted string" },
		{ "~d 32/01/2024",
		    "column 4: cannot read the date '32/01/2024' (use "
		    "dd/mm/yyyy, yyyy-mm-dd, a range A-B, <7d or >2w)" },
		{ "~d 29/02/2023",
		    "column 4: cannot read the date '29/02/2023' (use "
		    "dd/mm/yyyy, yyyy-mm-dd, a range A-B, <7d or >2w)" },
		{ "~d -",
		    "column 4: cannot read the date '-' (use dd/mm/yyyy, "
		    "yyyy-mm-dd, a range A-B, <7d or >2w)" },
		{ "~r 2024-1",
		    "column 4: cannot read the date '2024-1' (use "
		    "dd/mm/yyyy, yyyy-mm-dd, a range A-B, <7d or "
		    ">2w)" },
		{ "~d 1/2/3",
		    "column 4: cannot read the date '1/2/3' (use "
		    "dd/mm/yyyy, yyyy-mm-dd, a range A-B, <7d or "
		    ">2w)" },
		{ "~d 01/01/2024x",
		    "column 4: cannot read the date "
		    "'01/01/2024x' (use dd/mm/yyyy, "
		    "yyyy-mm-dd, a range A-B, <7d or >2w)" },
		{ "~d <7x",
		    "column 4: cannot read '<7x' (use <Nu or >Nu, u "
		    "one of y m w d H M S)" },
		{ "~d <7",
		    "column 4: cannot read '<7' (use <Nu or >Nu, u one "
		    "of y m w d H M S)" },
		{ "~d >d",
		    "column 4: cannot read '>d' (use <Nu or >Nu, u one "
		    "of y m w d H M S)" },
		{ "~d <7dd",
		    "column 4: cannot read '<7dd' (use <Nu or >Nu, u "
		    "one of y m w d H M S)" },
		{ "~d <9999999d",
		    "column 4: cannot read '<9999999d' (use <Nu "
		    "or >Nu, u one of y m w d H M S)" },
		{ "~d <999999y",
		    "column 4: cannot read '<999999y' (use <Nu or "
		    ">Nu, u one of y m w d H M S)" },
		/* Errors stay one line: no control characters, cut short. */
		{ "~d \"1\n2\t\"",
		    "column 4: cannot read the date '1?2?' "
		    "(use dd/mm/yyyy, yyyy-mm-dd, a range A-B, "
		    "<7d or >2w)" },
		{ "~z "
		  "\"ääääääääääääääääääääääääääääääääääääääääääääääääää\"",
		    "column 4: cannot read the size "
		    "'ääääääääääääääääääääääääääääääääääääääää...' (use "
		    "10K, <10K, >1M or 10K-1M)" },
		{ "~z 10Q",
		    "column 4: cannot read the size '10Q' (use 10K, "
		    "<10K, >1M or 10K-1M)" },
		{ "~z -",
		    "column 4: cannot read the size '-' (use 10K, <10K, "
		    ">1M or 10K-1M)" },
		{ "~z <",
		    "column 4: cannot read the size '<' (use 10K, <10K, "
		    ">1M or 10K-1M)" },
		{ "~z 99999999999999999999",
		    "column 4: cannot read the size '99999999999999999999' "
		    "(use 10K, <10K, >1M or 10K-1M)" },
		{ "~z 999999999999999G",
		    "column 4: cannot read the size '999999999999999G' (use "
		    "10K, <10K, >1M or 10K-1M)" },
	};
	struct pattern *p;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		p = pattern_compile(cases[i].text, NOW, &err);
		if (p != NULL)
			g_test_message("'%s' compiled", cases[i].text);
		g_assert_null(p);
		g_assert_cmpstr(err, ==, cases[i].err);
		free(err);
	}
}

static void
test_bounds(void)
{
	GString *s = g_string_new(NULL);
	struct pattern *p;
	char *err;
	int i;

	/* PATTERN_MAX_DEPTH parentheses are fine, one more is not. */
	for (i = 0; i < PATTERN_MAX_DEPTH; i++)
		g_string_append_c(s, '(');
	g_string_append(s, "~A");
	for (i = 0; i < PATTERN_MAX_DEPTH; i++)
		g_string_append_c(s, ')');
	p = pattern_compile(s->str, NOW, &err);
	g_assert_nonnull(p);
	g_assert_null(err);
	pattern_free(p);
	g_string_prepend_c(s, '(');
	g_string_append_c(s, ')');
	p = pattern_compile(s->str, NOW, &err);
	g_assert_null(p);
	g_assert_cmpstr(
	    err, ==, "column 33: parentheses nested deeper than 32");
	free(err);

	/* Negations do not nest the parser. */
	g_string_assign(s, "");
	for (i = 0; i < 1000; i++)
		g_string_append_c(s, '!');
	g_string_append(s, "~A");
	p = pattern_compile(s->str, NOW, &err);
	g_assert_nonnull(p);
	pattern_free(p);

	/* PATTERN_MAX_LEN bytes are fine, one more is not. */
	g_string_assign(s, "");
	for (i = 0; i < PATTERN_MAX_LEN; i++)
		g_string_append_c(s, 'a');
	p = pattern_compile(s->str, NOW, &err);
	g_assert_nonnull(p);
	pattern_free(p);
	g_string_append_c(s, 'a');
	p = pattern_compile(s->str, NOW, &err);
	g_assert_null(p);
	g_assert_cmpstr(
	    err, ==, "column 1025: the pattern is longer than 1024 bytes");
	free(err);
	g_string_free(s, TRUE);
	pattern_free(NULL);
}

static void
test_match(void)
{
	static const struct {
		const char *text;
		const char *uids;
	} cases[] = {
		/* Empty means everything. */
		{ "", "1 2 3 4 5" },
		{ " \t ", "1 2 3 4 5" },
		{ "~A", "1 2 3 4 5" },
		/* Headers, and smart case. */
		{ "~f alice", "1" },
		{ "~f Alice", "1" },
		{ "~f ALICE", "" },
		{ "~t alice", "2" },
		{ "~c alice", "3" },
		{ "~C alice", "2 3" },
		{ "~L alice", "1 2 3" },
		{ "~s report", "1 3" },
		{ "report", "1 3" },
		{ "Report", "3" },
		{ "~i two", "2" },
		{ "~i TWO", "" },
		{ "~f müller", "3" },
		{ "~f MÜLLER", "3" },
		{ "~f Müller", "" },
		{ "~f jürgen", "3" },
		{ "~f example", "1 2 3 4" },
		/* Flags: tern has no "old", so new is unread. */
		{ "~N", "2 5" },
		{ "~U", "2 5" },
		{ "~R", "1 3 4" },
		{ "~F", "3" },
		{ "~D", "4" },
		{ "~Q", "3" },
		/* Operators and precedence. */
		{ "!~R", "2 5" },
		{ "! ~R", "2 5" },
		{ "!!~R", "1 3 4" },
		{ "~s report ~F", "3" },
		{ "~s report | ~D", "1 3 4" },
		{ "~D | ~s report ~F", "3 4" },
		{ "(~D | ~s report) ~F", "3" },
		{ "!~s report ~R", "4" },
		{ "!(~s report ~R)", "2 4 5" },
		{ "~f bob | ~f carol | ~f alice", "1 2 4" },
		{ "((~f bob))", "2" },
		{ "~s report (~F | ~U) ~R", "3" },
		/* Quoting and escapes. */
		{ "~s \"lunch?\"", "2" },
		{ "~s 'lunch?'", "2" },
		{ "\"Q1 numbers\"", "3" },
		{ "\"q1 numbers\"", "3" },
		{ "~s \"\\\"notes\\\"\"", "4" },
		{ "~s \\\"notes\\\"", "4" },
		{ "~s \"(draft)\"", "4" },
		{ "~s draft\\)", "4" },
		{ "~s 'Q1 num'", "3" },
		/* Sizes: 2K, 20K, 2M, 500, 0. */
		{ "~z <1K", "4 5" },
		{ "~z >1M", "3" },
		{ "~z 2K", "1" },
		{ "~z 2k", "1" },
		{ "~z 2048", "1" },
		{ "~z 1K-30K", "1 2" },
		{ "~z 30K-1K", "1 2" },
		{ "~z -1K", "4 5" },
		{ "~z 1M-", "3" },
		{ "~z <0", "" },
		{ "~z >0", "1 2 3 4" },
		{ "~z 0", "5" },
		/* Relative dates from 2024-03-15 12:00. */
		{ "~d <7d", "1" },
		{ "~d <2w", "1 2" },
		{ "~d >2w", "3 4 5" },
		{ "~d <1m", "1 2" },
		{ "~d <2m", "1 2 3" },
		{ "~d <1y", "1 2 3 4" },
		{ "~d >1y", "5" },
		{ "~d <49H", "1" },
		{ "~d <47H", "" },
		{ "~d <2881M", "1" },
		{ "~d <172801S", "1" },
		{ "~d <172799S", "" },
		/* Absolute dates: whole days, local time. */
		{ "~d 31/01/2024", "3" },
		{ "~d 2024-01-31", "3" },
		{ "~d 1/2/2024", "" },
		{ "~d 29/02/2024", "" },
		{ "~d 25/12/23", "4" },
		{ "~d 13/03", "1" },
		{ "~d 01/01/2024-31/01/2024", "3" },
		{ "~d 2023-12-01-2024-01-31", "3 4" },
		{ "~d 31/01/2024-01/12/2023", "3 4" },
		{ "~d -31/12/2023", "4 5" },
		{ "~d 01/03/2024-", "1 2" },
		{ "~d 01/01/1970", "5" },
		{ "~r 01/03/2024", "4" },
		{ "~r <2d", "1" },
		{ "~d <2d | ~r 2024-03-01", "1 4" },
	};
	struct msgtab *mb = folder();
	struct pattern *p;
	char *err, *got;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		p = pattern_compile(cases[i].text, NOW, &err);
		if (p == NULL)
			g_test_message("'%s': %s", cases[i].text, err);
		g_assert_nonnull(p);
		g_assert_null(err);
		g_assert_false(pattern_needs_body(p));
		got = matching(mb, p, NULL, NULL);
		if (strcmp(got, cases[i].uids) != 0)
			g_test_message("'%s'", cases[i].text);
		g_assert_cmpstr(got, ==, cases[i].uids);
		g_free(got);
		pattern_free(p);
	}
	/* A NULL pattern is "no limit". */
	g_assert_true(pattern_match(NULL, mb, 0, NULL, NULL));
	g_assert_false(pattern_needs_body(NULL));
	g_assert_cmpuint(pattern_body_count(NULL), ==, 0);
	msgtab_free(mb);
}

/* What the server said: body term -> matching uids. */
struct answers {
	const uint32_t *uids[4];
	size_t n[4];
	int calls;
};

/* The body callback tests use. */
static bool
body_answer(void *arg, size_t term, uint32_t uid)
{
	struct answers *a = arg;
	size_t i;

	a->calls++;
	g_assert_cmpuint(term, <, 4);
	for (i = 0; i < a->n[term]; i++)
		if (a->uids[term][i] == uid)
			return true;
	return false;
}

static void
test_body(void)
{
	static const uint32_t invoice[] = { 2, 4 }, x[] = { 1 }, two[] = { 5 };
	struct answers a = { { invoice, NULL }, { 2, 0 }, 0 };
	struct msgtab *mb = folder();
	struct pattern *p;
	bool whole;
	char *err, *got;

	p = pattern_compile("~b invoice", NOW, &err);
	g_assert_true(pattern_needs_body(p));
	g_assert_cmpuint(pattern_body_count(p), ==, 1);
	g_assert_cmpstr(pattern_body_text(p, 0, &whole), ==, "invoice");
	g_assert_false(whole);
	g_assert_null(pattern_body_text(p, 1, NULL));
	got = matching(mb, p, body_answer, &a);
	g_assert_cmpstr(got, ==, "2 4");
	g_free(got);
	g_assert_cmpint(a.calls, ==, 5);
	/* Without answers a body term matches nothing. */
	got = matching(mb, p, NULL, NULL);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	pattern_free(p);

	/* Mixed with header terms. */
	p = pattern_compile("~b invoice ~D", NOW, &err);
	got = matching(mb, p, body_answer, &a);
	g_assert_cmpstr(got, ==, "4");
	g_free(got);
	pattern_free(p);
	p = pattern_compile("~b invoice | ~F", NOW, &err);
	got = matching(mb, p, body_answer, &a);
	g_assert_cmpstr(got, ==, "2 3 4");
	g_free(got);
	pattern_free(p);
	p = pattern_compile("!~b invoice", NOW, &err);
	got = matching(mb, p, NULL, NULL);
	g_assert_cmpstr(got, ==, "1 2 3 4 5");
	g_free(got);
	pattern_free(p);

	/* Terms are numbered in order; ~B asks for the whole message. */
	p = pattern_compile("~B x | ~b \"two words\"", NOW, &err);
	g_assert_cmpuint(pattern_body_count(p), ==, 2);
	g_assert_cmpstr(pattern_body_text(p, 0, &whole), ==, "x");
	g_assert_true(whole);
	g_assert_cmpstr(pattern_body_text(p, 1, &whole), ==, "two words");
	g_assert_false(whole);
	a.uids[0] = x;
	a.n[0] = 1;
	a.uids[1] = two;
	a.n[1] = 1;
	got = matching(mb, p, body_answer, &a);
	g_assert_cmpstr(got, ==, "1 5");
	g_free(got);
	pattern_free(p);
	msgtab_free(mb);
}

int
main(int argc, char **argv)
{
	/* Absolute dates are local days: make local mean UTC. */
	g_setenv("TZ", "UTC", TRUE);
	tzset();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pattern/errors", test_errors);
	g_test_add_func("/pattern/bounds", test_bounds);
	g_test_add_func("/pattern/match", test_match);
	g_test_add_func("/pattern/body", test_body);
	return g_test_run();
}
