/*
 * test_msgtab.c - the compact folder model (src/msgtab.c).
 *
 * Empty and odd inputs first, then what a caller relies on: fields come
 * back as given, uids are found, expunge compacts without losing anyone,
 * references are parsed and capped, every sort order is total and its
 * reverse a mirror, and a realistic folder fits in 200 bytes a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/summary.h"

/* Add a message with the fields tests usually care about. */
static size_t
add(struct msgtab *mb, uint32_t uid, const char *from, const char *subject,
    int64_t date)
{
	struct summary s = { 0 };

	s.uid = uid;
	s.from = (char *)from;
	s.subject = (char *)subject;
	s.date = date;
	s.arrival = date;
	return msgtab_add(mb, &s);
}

/* The mailbox's uids in the order of an index array, as "1 2 3". */
static char *
uids_of(const struct msgtab *mb, const uint32_t *idx, size_t n)
{
	GString *out = g_string_new(NULL);
	size_t i;

	for (i = 0; i < n; i++)
		g_string_append_printf(
		    out, "%s%u", i ? " " : "", msgtab_uid(mb, idx[i]));
	return g_string_free(out, FALSE);
}

/* Sort every message of mb and describe the order by uid. */
static char *
sorted(const struct msgtab *mb, enum msgtab_sort key, bool reverse)
{
	struct msgtab_sorter *s = msgtab_sorter_new(mb, key, reverse);
	size_t i, n = msgtab_count(mb);
	uint32_t *idx = g_new(uint32_t, n + 1);
	char *out;

	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	msgtab_sorter_sort(s, idx, n);
	out = uids_of(mb, idx, n);
	g_free(idx);
	msgtab_sorter_free(s);
	return out;
}

static void
test_empty(void)
{
	struct msgtab *mb = msgtab_new();
	uint32_t uid = 1;
	char *order;

	g_assert_cmpuint(msgtab_count(mb), ==, 0);
	g_assert_cmpint(msgtab_find_uid(mb, 0), ==, -1);
	g_assert_cmpint(msgtab_find_uid(mb, 1), ==, -1);
	g_assert_cmpuint(msgtab_remove_uids(mb, &uid, 1), ==, 0);
	g_assert_cmpuint(msgtab_remove_uids(mb, NULL, 0), ==, 0);
	g_assert_cmpuint(msgtab_id_count(mb), ==, 0);
	g_assert_cmpuint(msgtab_string_count(mb), ==, 0);
	g_assert_null(msgtab_string(mb, 0));
	g_assert_null(msgtab_string(mb, 7));
	g_assert_null(msgtab_id_string(mb, 0));
	g_assert_cmpuint(msgtab_memory(mb), <, 1024);
	order = sorted(mb, MSGTAB_SORT_SUBJECT, true);
	g_assert_cmpstr(order, ==, "");
	g_free(order);
	msgtab_free(mb);
	msgtab_free(NULL);
	msgtab_sorter_free(NULL);
}

static void
test_fields(void)
{
	char from[] = "Alice <alice@example.org>";
	struct summary s = { 0 };
	struct msgtab *mb = msgtab_new();
	size_t i;

	s.uid = 42;
	s.flags = MSG_SEEN | MSG_FLAGGED | 0x100; /* an unknown bit */
	s.date = -86400; /* before the epoch is a date too */
	s.arrival = 1700000000;
	s.size = UINT64_C(5) << 30; /* more than 32 bits */
	s.from = from;
	s.to = "bob@example.org";
	s.cc = "";
	s.subject = "Grüße";
	s.message_id = "<abc@host>";
	s.has_attachment = true;
	s.key = "1700000000.M1P2.host,U=42:2,S";
	i = msgtab_add(mb, &s);
	from[0] = 'X'; /* the mailbox keeps its own copy */

	g_assert_cmpuint(i, ==, 0);
	g_assert_cmpuint(msgtab_count(mb), ==, 1);
	g_assert_cmpuint(msgtab_uid(mb, 0), ==, 42);
	g_assert_cmpuint(msgtab_flags(mb, 0), ==, MSG_SEEN | MSG_FLAGGED);
	g_assert_cmpint(msgtab_date(mb, 0), ==, -86400);
	g_assert_cmpint(msgtab_arrival(mb, 0), ==, 1700000000);
	g_assert_cmpuint(msgtab_size(mb, 0), ==, UINT64_C(5) << 30);
	g_assert_true(msgtab_has_attachment(mb, 0));
	g_assert_cmpstr(msgtab_from(mb, 0), ==, "Alice <alice@example.org>");
	g_assert_cmpstr(msgtab_to(mb, 0), ==, "bob@example.org");
	g_assert_cmpstr(msgtab_cc(mb, 0), ==, "");
	g_assert_cmpstr(msgtab_subject(mb, 0), ==, "Grüße");
	g_assert_cmpstr(msgtab_message_id(mb, 0), ==, "abc@host");
	g_assert_cmpstr(msgtab_key(mb, 0), ==, "1700000000.M1P2.host,U=42:2,S");

	/* Absent fields come back NULL, not "". */
	memset(&s, 0, sizeof s);
	s.uid = 43;
	s.size = UINT64_C(1) << 50; /* absurd: saturates at a terabyte */
	i = msgtab_add(mb, &s);
	g_assert_cmpuint(i, ==, 1);
	g_assert_null(msgtab_from(mb, 1));
	g_assert_null(msgtab_to(mb, 1));
	g_assert_null(msgtab_cc(mb, 1));
	g_assert_null(msgtab_subject(mb, 1));
	g_assert_null(msgtab_message_id(mb, 1));
	g_assert_null(msgtab_key(mb, 1));
	g_assert_false(msgtab_has_attachment(mb, 1));
	g_assert_cmpuint(msgtab_message_id_num(mb, 1), ==, 0);
	g_assert_cmpuint(msgtab_size(mb, 1), ==, (UINT64_C(1) << 40) - 1);
	msgtab_free(mb);
}

static void
test_interning(void)
{
	struct msgtab *mb = msgtab_new();
	const char *sender = "Someone With A Long Name <someone@example.org>";
	size_t i, before, after;

	add(mb, 1, sender, "same", 0);
	add(mb, 2, sender, "same", 0);
	g_assert_cmpuint(msgtab_string_id(mb, 0, MSGTAB_FROM), ==,
	    msgtab_string_id(mb, 1, MSGTAB_FROM));
	g_assert_true(msgtab_from(mb, 0) == msgtab_from(mb, 1));
	g_assert_cmpuint(msgtab_string_id(mb, 0, MSGTAB_FROM), !=,
	    msgtab_string_id(mb, 0, MSGTAB_SUBJECT));
	g_assert_cmpuint(msgtab_string_count(mb), ==, 2);
	g_assert_cmpstr(
	    msgtab_string(mb, msgtab_string_id(mb, 0, MSGTAB_SUBJECT)), ==,
	    "same");

	/* Repeated strings cost their bytes once. */
	before = msgtab_memory(mb);
	for (i = 0; i < 1000; i++)
		add(mb, (uint32_t)i + 10, sender, "same", 0);
	after = msgtab_memory(mb);
	g_assert_cmpuint(after - before, <, 1000 * 100);

	/* A big string is counted honestly. */
	before = msgtab_memory(mb);
	{
		char *big = g_strnfill(100000, 'x');

		add(mb, 5000, big, NULL, 0);
		g_assert_cmpuint(strlen(msgtab_from(mb, 1002)), ==, 100000);
		g_free(big);
	}
	g_assert_cmpuint(msgtab_memory(mb) - before, >=, 100000);
	msgtab_free(mb);
}

static void
test_find_uid(void)
{
	static const uint32_t odd[] = { 0, 1, UINT32_MAX, UINT32_MAX - 1,
		0x80000000u };
	struct msgtab *mb = msgtab_new();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(odd); i++)
		g_assert_cmpuint(add(mb, odd[i], NULL, NULL, 0), ==, i);
	/* Sparse, out of order uids, enough to grow the table many times. */
	for (i = 0; i < 20000; i++)
		add(mb, (uint32_t)(i * 7919 % 1000003) + 2, NULL, NULL, 0);
	g_assert_cmpuint(msgtab_count(mb), ==, 20000 + G_N_ELEMENTS(odd));
	for (i = 0; i < G_N_ELEMENTS(odd); i++)
		g_assert_cmpint(msgtab_find_uid(mb, odd[i]), ==, (ssize_t)i);
	for (i = 0; i < msgtab_count(mb); i++)
		g_assert_cmpint(
		    msgtab_find_uid(mb, msgtab_uid(mb, i)), ==, (ssize_t)i);
	g_assert_cmpint(msgtab_find_uid(mb, 1000003 + 3), ==, -1);
	msgtab_free(mb);
}

static void
test_same_uid_replaces(void)
{
	struct msgtab *mb = msgtab_new();

	add(mb, 7, "old", "old subject", 1);
	add(mb, 8, "other", NULL, 2);
	g_assert_cmpuint(add(mb, 7, "new", "new subject", 3), ==, 0);
	g_assert_cmpuint(msgtab_count(mb), ==, 2);
	g_assert_cmpstr(msgtab_from(mb, 0), ==, "new");
	g_assert_cmpstr(msgtab_subject(mb, 0), ==, "new subject");
	g_assert_cmpint(msgtab_date(mb, 0), ==, 3);
	g_assert_cmpint(msgtab_find_uid(mb, 7), ==, 0);
	msgtab_free(mb);
}

static void
test_set_flags(void)
{
	struct summary s = { 0 };
	struct msgtab *mb = msgtab_new();

	s.uid = 1;
	s.has_attachment = true;
	msgtab_add(mb, &s);
	g_assert_cmpuint(msgtab_flags(mb, 0), ==, 0);
	msgtab_set_flags(mb, 0, MSG_SEEN | MSG_DELETED);
	g_assert_cmpuint(msgtab_flags(mb, 0), ==, MSG_SEEN | MSG_DELETED);
	msgtab_set_flags(mb, 0, MSG_ALL_FLAGS | 0xff00);
	g_assert_cmpuint(msgtab_flags(mb, 0), ==, MSG_ALL_FLAGS);
	g_assert_true(msgtab_has_attachment(mb, 0)); /* not a flag */
	msgtab_set_flags(mb, 0, 0);
	g_assert_cmpuint(msgtab_flags(mb, 0), ==, 0);
	g_assert_true(msgtab_has_attachment(mb, 0));
	msgtab_free(mb);
}

/* A message's references as "a b c". */
static char *
refs_of(const struct msgtab *mb, size_t idx)
{
	GString *out = g_string_new(NULL);
	const uint32_t *ids;
	size_t i, n = msgtab_references(mb, idx, &ids);

	for (i = 0; i < n; i++)
		g_string_append_printf(
		    out, "%s%s", i ? " " : "", msgtab_id_string(mb, ids[i]));
	return g_string_free(out, FALSE);
}

static void
test_remove(void)
{
	struct msgtab *mb = msgtab_new();
	const char *kept_subject;
	struct summary s = { 0 };
	uint32_t gone[] = { 2, 99, 4, 2, 6 }; /* unknown and repeated too */
	uint32_t all[] = { 1, 3, 5, 7, 8, 9, 10 };
	char *r;
	uint32_t i;

	for (i = 1; i <= 10; i++) {
		char *sub = g_strdup_printf("subject %u", i);
		char *id = g_strdup_printf("id%u@x", i);
		char *refs = g_strdup_printf("id%u@x", i - 1);

		s.uid = i;
		s.subject = sub;
		s.message_id = id;
		s.references = i > 1 ? refs : NULL;
		msgtab_add(mb, &s);
		g_free(sub);
		g_free(id);
		g_free(refs);
	}
	kept_subject = msgtab_subject(mb, 1); /* uid 2, about to go */

	g_assert_cmpuint(
	    msgtab_remove_uids(mb, gone, G_N_ELEMENTS(gone)), ==, 3);
	g_assert_cmpuint(msgtab_count(mb), ==, 7);
	for (i = 0; i < G_N_ELEMENTS(all); i++) {
		g_assert_cmpuint(msgtab_uid(mb, i), ==, all[i]);
		g_assert_cmpint(msgtab_find_uid(mb, all[i]), ==, (ssize_t)i);
	}
	for (i = 0; i < G_N_ELEMENTS(gone); i++)
		g_assert_cmpint(msgtab_find_uid(mb, gone[i]), ==, -1);
	/* Survivors keep their references, and old strings stay valid. */
	r = refs_of(mb, 2); /* uid 5 */
	g_assert_cmpstr(r, ==, "id4@x");
	g_free(r);
	g_assert_cmpstr(msgtab_subject(mb, 2), ==, "subject 5");
	g_assert_cmpstr(kept_subject, ==, "subject 2");
	/* A second pass removes nothing more. */
	g_assert_cmpuint(
	    msgtab_remove_uids(mb, gone, G_N_ELEMENTS(gone)), ==, 0);

	g_assert_cmpuint(msgtab_remove_uids(mb, all, G_N_ELEMENTS(all)), ==, 7);
	g_assert_cmpuint(msgtab_count(mb), ==, 0);
	g_assert_cmpuint(add(mb, 3, NULL, "again", 0), ==, 0);
	g_assert_cmpint(msgtab_find_uid(mb, 3), ==, 0);
	g_assert_cmpstr(msgtab_subject(mb, 0), ==, "again");
	msgtab_free(mb);
}

static void
test_references(void)
{
	static const struct {
		const char *id;
		const char *refs;
		const char *irt;
		const char *want;
	} cases[] = {
		{ NULL, NULL, NULL, "" },
		{ NULL, "", "", "" },
		{ NULL, "   \t ", NULL, "" },
		{ NULL, "<>", "<>", "" },
		{ NULL, "a@x b@x", NULL, "a@x b@x" },
		{ NULL, "<a@x> <b@x>", NULL, "a@x b@x" },
		{ NULL, "<a@x><b@x>", NULL, "a@x b@x" },
		{ NULL, "  <a@x>\r\n\t<b@x>,<c@x>  ", NULL, "a@x b@x c@x" },
		/* In-Reply-To is the parent: appended unless already last. */
		{ NULL, "a@x b@x", "b@x", "a@x b@x" },
		{ NULL, "a@x b@x", "<c@x>", "a@x b@x c@x" },
		{ NULL, NULL, "<c@x> <d@x>", "c@x" },
		/* A message never refers to itself. */
		{ "<me@x>", "a@x me@x b@x", "me@x", "a@x b@x" },
		{ "me@x", "me@x", NULL, "" },
	};
	struct msgtab *mb = msgtab_new();
	struct summary s = { 0 };
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		s.uid = (uint32_t)i + 1;
		s.message_id = (char *)cases[i].id;
		s.references = (char *)cases[i].refs;
		s.in_reply_to = (char *)cases[i].irt;
		msgtab_add(mb, &s);
		got = refs_of(mb, i);
		g_assert_cmpstr(got, ==, cases[i].want);
		g_free(got);
	}
	/* Equal ids are one id, whoever mentioned them first. */
	g_assert_cmpuint(msgtab_id_count(mb), ==, 4); /* a b c me */
	msgtab_free(mb);
}

static void
test_references_cap(void)
{
	struct msgtab *mb = msgtab_new();
	GString *refs = g_string_new(NULL), *want = g_string_new("r0@x");
	struct summary s = { 0 };
	char *got, *longid;
	int i;

	for (i = 0; i < 50; i++)
		g_string_append_printf(refs, "<r%d@x> ", i);
	for (i = 50 - (MSGTAB_MAX_REFS - 1); i < 50; i++)
		g_string_append_printf(want, " r%d@x", i);
	s.uid = 1;
	s.references = refs->str;
	msgtab_add(mb, &s);
	got = refs_of(mb, 0);
	/* The root and the nearest ancestors survive. */
	g_assert_cmpstr(got, ==, want->str);
	g_free(got);
	/* Only ids kept are interned. */
	g_assert_cmpuint(msgtab_id_count(mb), ==, MSGTAB_MAX_REFS);

	/* An id longer than a header line is no id. */
	longid = g_strnfill(MSGTAB_MAX_ID_LEN + 1, 'z');
	s.uid = 2;
	s.message_id = longid;
	s.references = longid;
	s.in_reply_to = "ok@x";
	msgtab_add(mb, &s);
	g_assert_null(msgtab_message_id(mb, 1));
	got = refs_of(mb, 1);
	g_assert_cmpstr(got, ==, "ok@x");
	g_free(got);
	longid[MSGTAB_MAX_ID_LEN] = '\0';
	s.uid = 3;
	s.references = NULL;
	msgtab_add(mb, &s);
	g_assert_cmpuint(
	    strlen(msgtab_message_id(mb, 2)), ==, MSGTAB_MAX_ID_LEN);
	g_free(longid);
	g_string_free(refs, TRUE);
	g_string_free(want, TRUE);
	msgtab_free(mb);
}

static void
test_subject_strip(void)
{
	static const struct {
		const char *in;
		const char *out;
		bool prefixed;
	} cases[] = {
		{ "", "", false },
		{ "   ", "", false },
		{ "Re:", "", true },
		{ "hello", "hello", false },
		{ "Re: hello", "hello", true },
		{ "RE:hello", "hello", true },
		{ "re: Re: RE: hello", "hello", true },
		{ "AW: Fwd: WG: hello", "hello", true },
		{ "Fw: hello", "hello", true },
		{ "Re[2]: hello", "hello", true },
		{ "Re^3: hello", "hello", true },
		{ "SV: Antw: hello", "hello", true },
		{ "Re[2 hello", "Re[2 hello", false },
		{ "Regarding: hello", "Regarding: hello", false },
		{ "Reply hello", "Reply hello", false },
		{ "hello Re: x", "hello Re: x", false },
		{ "[list] Re: hello", "[list] Re: hello", false },
	};
	bool prefixed;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpstr(msgtab_subject_strip(cases[i].in, &prefixed),
		    ==, cases[i].out);
		g_assert_cmpint(prefixed, ==, cases[i].prefixed);
	}
	g_assert_cmpstr(msgtab_subject_strip(NULL, NULL), ==, "");
}

static void
test_sort_parse(void)
{
	static const struct {
		const char *name;
		int rc;
		enum msgtab_sort key;
		bool reverse;
	} cases[] = {
		{ "", -1, 0, false },
		{ "reverse-", -1, 0, false },
		{ "Date", -1, 0, false },
		{ "date", 0, MSGTAB_SORT_DATE, false },
		{ "reverse-date", 0, MSGTAB_SORT_DATE, true },
		{ "arrival", 0, MSGTAB_SORT_ARRIVAL, false },
		{ "reverse-from", 0, MSGTAB_SORT_FROM, true },
		{ "subject", 0, MSGTAB_SORT_SUBJECT, false },
		{ "size", 0, MSGTAB_SORT_SIZE, false },
		{ "reverse-flags", 0, MSGTAB_SORT_FLAGS, true },
		{ "threads", -1, 0, false },
	};
	enum msgtab_sort key;
	bool reverse;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpint(
		    msgtab_sort_parse(cases[i].name, &key, &reverse), ==,
		    cases[i].rc);
		if (cases[i].rc == 0) {
			g_assert_cmpint(key, ==, cases[i].key);
			g_assert_cmpint(reverse, ==, cases[i].reverse);
			g_assert_cmpstr(msgtab_sort_name(key), ==,
			    cases[i].name + (reverse ? 8 : 0));
		}
	}
}

/*
 * Each order with deliberate ties.  Rows: uid, date, arrival, size,
 * flags, from, subject.  Forward orders are worked out by hand; reverse
 * must be the exact mirror.
 */
static void
test_sort_orders(void)
{
	static const struct {
		uint32_t uid;
		int64_t date, arrival;
		uint64_t size;
		uint32_t flags;
		const char *from, *subject;
	} msgs[] = {
		{ 1, 300, 10, 5000, MSG_SEEN, "bob <b@x>", "Re: beta" },
		{ 2, 100, 20, 100, 0, "Alice <a@x>", "alpha" },
		{ 3, 200, 30, 5000, MSG_FLAGGED | MSG_SEEN, "<carol@x>",
		    "AW: Alpha" },
		{ 4, 100, 5, 1, MSG_DELETED | MSG_SEEN, "alice <z@x>",
		    "Fwd: gamma" },
		{ 5, 300, 5, 100, 0, "\"Dave\" <d@x>", "RE: Re[2]: beta" },
		{ 6, 50, 30, 7, MSG_SEEN, NULL, NULL },
	};
	static const struct {
		enum msgtab_sort key;
		const char *forward;
		const char *backward;
	} cases[] = {
		/* Date ties: 2 and 4 (100), 1 and 5 (300): by arrival. */
		{ MSGTAB_SORT_DATE, "6 4 2 3 5 1", "1 5 3 2 4 6" },
		/* Arrival ties go by uid. */
		{ MSGTAB_SORT_ARRIVAL, "4 5 1 2 3 6", "6 3 2 1 5 4" },
		/* No From sorts first; alice == Alice, by arrival then. */
		{ MSGTAB_SORT_FROM, "6 4 2 1 3 5", "5 3 1 2 4 6" },
		/* Prefixes and case are ignored: alpha x2, beta x2. */
		{ MSGTAB_SORT_SUBJECT, "6 2 3 5 1 4", "4 1 5 3 2 6" },
		{ MSGTAB_SORT_SIZE, "4 6 5 2 1 3", "3 1 2 5 6 4" },
		/* Deleted, read, unread, flagged. */
		{ MSGTAB_SORT_FLAGS, "4 1 6 5 2 3", "3 2 5 6 1 4" },
	};
	struct msgtab *mb = msgtab_new();
	struct msgtab_sorter *s;
	struct summary sum = { 0 };
	char *got;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(msgs); i++) {
		sum.uid = msgs[i].uid;
		sum.date = msgs[i].date;
		sum.arrival = msgs[i].arrival;
		sum.size = msgs[i].size;
		sum.flags = msgs[i].flags;
		sum.from = (char *)msgs[i].from;
		sum.subject = (char *)msgs[i].subject;
		msgtab_add(mb, &sum);
	}
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		got = sorted(mb, cases[i].key, false);
		g_assert_cmpstr(got, ==, cases[i].forward);
		g_free(got);
		got = sorted(mb, cases[i].key, true);
		g_assert_cmpstr(got, ==, cases[i].backward);
		g_free(got);
	}
	/* compare agrees with sort. */
	s = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, false);
	g_assert_cmpint(msgtab_sorter_compare(s, 3, 1), <, 0);
	g_assert_cmpint(msgtab_sorter_compare(s, 0, 4), >, 0);
	g_assert_cmpint(msgtab_sorter_compare(s, 2, 2), ==, 0);
	msgtab_sorter_free(s);
	s = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, true);
	g_assert_cmpint(msgtab_sorter_compare(s, 3, 1), >, 0);
	msgtab_sorter_free(s);
	msgtab_free(mb);
}

static void
test_sort_large(void)
{
	struct msgtab *mb = msgtab_new();
	struct msgtab_sorter *s;
	uint32_t *idx, i, n = 5000;

	/* Many ties, more than the small-group path handles. */
	for (i = 0; i < n; i++)
		add(mb, n - i, NULL, NULL, i % 7);
	s = msgtab_sorter_new(mb, MSGTAB_SORT_DATE, false);
	idx = g_new(uint32_t, n);
	for (i = 0; i < n; i++)
		idx[i] = i;
	msgtab_sorter_sort(s, idx, n);
	for (i = 1; i < n; i++)
		g_assert_cmpint(
		    msgtab_sorter_compare(s, idx[i - 1], idx[i]), <, 0);
	g_free(idx);
	msgtab_sorter_free(s);
	msgtab_free(mb);
}

/*
 * A folder like a real one: repeated senders, subjects per thread,
 * 40% replies with References, ids of about 40 characters.
 */
static void
test_memory_per_message(void)
{
	struct msgtab *mb = msgtab_new();
	struct summary s = { 0 };
	GRand *r = g_rand_new_with_seed(7);
	char **ids, **subjects, *refs;
	size_t i, n = 20000, p;
	int k;

	ids = g_new0(char *, n);
	subjects = g_new0(char *, n);
	for (i = 0; i < n; i++) {
		ids[i] =
		    g_strdup_printf("%016" G_GINT64_MODIFIER "x.%u@mail.%s."
				    "example.com",
			(guint64)g_rand_int(r) << 32 | g_rand_int(r),
			g_rand_int_range(r, 0, 1 << 20),
			g_rand_boolean(r) ? "corp" : "lists");
		s.uid = (uint32_t)i + 1;
		s.date = s.arrival = 1600000000 + (int64_t)i * 600;
		s.size = (uint64_t)g_rand_int_range(r, 1000, 50000);
		k = g_rand_int_range(r, 0, 2000);
		s.from = g_strdup_printf(
		    "Sender Number%d <sender%d@example.org>", k, k);
		s.to = g_strdup(g_rand_boolean(r) ? "Me <me@example.org>"
						  : "dev@lists.example.org");
		s.message_id = ids[i];
		refs = NULL;
		if (i > 0 && g_rand_int_range(r, 0, 10) < 4) {
			p = i - 1 -
			    (size_t)g_rand_int_range(r, 0, (gint32)MIN(i, 500));
			subjects[i] = g_strdup(subjects[p]);
			s.subject = g_strdup_printf("Re: %s", subjects[i]);
			refs = g_strdup(ids[p]);
		} else {
			subjects[i] = g_strdup_printf(
			    "Status report on project %d, week %d",
			    g_rand_int_range(r, 0, 100000),
			    g_rand_int_range(r, 1, 53));
			s.subject = g_strdup(subjects[i]);
		}
		s.references = refs;
		s.in_reply_to = refs;
		msgtab_add(mb, &s);
		g_free(s.from);
		g_free(s.to);
		g_free(s.subject);
		g_free(refs);
	}
	g_test_message(
	    "%zu bytes per message", msgtab_memory(mb) / msgtab_count(mb));
	g_assert_cmpuint(msgtab_memory(mb) / msgtab_count(mb), <, 200);
	/* And it was all kept. */
	g_assert_cmpstr(msgtab_message_id(mb, n - 1), ==, ids[n - 1]);
	for (i = 0; i < n; i++) {
		g_free(ids[i]);
		g_free(subjects[i]);
	}
	g_free(ids);
	g_free(subjects);
	g_rand_free(r);
	msgtab_free(mb);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mailbox/empty", test_empty);
	g_test_add_func("/mailbox/fields", test_fields);
	g_test_add_func("/mailbox/interning", test_interning);
	g_test_add_func("/mailbox/find-uid", test_find_uid);
	g_test_add_func("/mailbox/same-uid-replaces", test_same_uid_replaces);
	g_test_add_func("/mailbox/set-flags", test_set_flags);
	g_test_add_func("/mailbox/remove", test_remove);
	g_test_add_func("/mailbox/references", test_references);
	g_test_add_func("/mailbox/references-cap", test_references_cap);
	g_test_add_func("/mailbox/subject-strip", test_subject_strip);
	g_test_add_func("/mailbox/sort-parse", test_sort_parse);
	g_test_add_func("/mailbox/sort-orders", test_sort_orders);
	g_test_add_func("/mailbox/sort-large", test_sort_large);
	g_test_add_func("/mailbox/memory-per-message", test_memory_per_message);
	return g_test_run();
}
