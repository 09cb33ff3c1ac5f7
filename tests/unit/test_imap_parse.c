/*
 * test_imap_parse.c - the IMAP response parser (net/imap_parse.c) and the
 * modified UTF-7 helpers (net/imap_utf7.c).
 *
 * Every input goes through parse(), which feeds it all at once, one byte
 * at a time and in chunks of other sizes, and fails the test unless every
 * way gives the same responses and the same error.  Odd and broken inputs
 * come first, then the examples of the RFCs and real servers' output.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "imap_parse.h"
#include "imap_utf7.h"

/* What one parse gave: the responses and the error, if any. */
struct run {
	GPtrArray *r; /* struct imap_response * */
	char *err; /* g_free */
	size_t buffered;
};

/* Feed in[0..len) in chunks of the given size (0: all at once). */
static struct run
feed(const char *in, size_t len, const struct imap_limits *lim, size_t chunk)
{
	struct imap_parser *p = imap_parser_new(lim);
	struct imap_response *resp;
	struct run run = { g_ptr_array_new(), NULL, 0 };
	size_t off = 0, n;
	int rc = 0;

	while (off < len && rc == 0) {
		n = chunk == 0 || len - off < chunk ? len - off : chunk;
		rc = imap_parser_feed(p, in + off, n);
		off += n;
	}
	if (rc < 0) {
		g_assert_nonnull(imap_parser_error(p));
		run.err = g_strdup(imap_parser_error(p));
		/* A failed parser stays failed. */
		g_assert_cmpint(imap_parser_feed(p, "* OK\r\n", 6), ==, -1);
	} else {
		g_assert_null(imap_parser_error(p));
	}
	while ((resp = imap_parser_next(p)) != NULL)
		g_ptr_array_add(run.r, resp);
	run.buffered = imap_parser_buffered(p);
	imap_parser_free(p);
	return run;
}

/* Free what feed() returned. */
static void
run_free(struct run *run)
{
	guint i;

	for (i = 0; i < run->r->len; i++)
		imap_response_free(run->r->pdata[i]);
	g_ptr_array_free(run->r, TRUE);
	g_free(run->err);
}

/*
 * Parse in all at once and in pieces; the pieces must give exactly what
 * the whole gave.  Returns the whole's result.
 */
static struct run
parse_lim(const char *in, size_t len, const struct imap_limits *lim)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64 };
	struct run whole = feed(in, len, lim, 0), part;
	char *a, *b;
	size_t i;
	guint j;

	for (i = 0; i < G_N_ELEMENTS(chunks); i++) {
		part = feed(in, len, lim, chunks[i]);
		g_assert_cmpstr(part.err, ==, whole.err);
		g_assert_cmpuint(part.r->len, ==, whole.r->len);
		g_assert_cmpuint(part.buffered, ==, whole.buffered);
		for (j = 0; j < whole.r->len; j++) {
			a = imap_response_dump(whole.r->pdata[j]);
			b = imap_response_dump(part.r->pdata[j]);
			g_assert_cmpstr(a, ==, b);
			free(a);
			free(b);
		}
		run_free(&part);
	}
	return whole;
}

/* parse_lim() with the default limits. */
static struct run
parse_n(const char *in, size_t len)
{
	return parse_lim(in, len, NULL);
}

/* parse_n() of a C string. */
static struct run
parse(const char *in)
{
	return parse_n(in, strlen(in));
}

/* Parse one response that must parse cleanly, and return it. */
static struct imap_response *
one(struct run *run, const char *in)
{
	*run = parse(in);
	if (run->err != NULL)
		g_error("\"%s\": %s", in, run->err);
	g_assert_cmpuint(run->r->len, ==, 1);
	return run->r->pdata[0];
}

/* The error an input must give, a substring of the message. */
static void
expect_error(const char *in, size_t len, const struct imap_limits *lim,
    size_t good, const char *want)
{
	struct run run = parse_lim(in, len, lim);

	if (run.err == NULL || strstr(run.err, want) == NULL)
		g_error("\"%.60s\": wanted error \"%s\", got \"%s\"", in, want,
		    run.err ? run.err : "(none)");
	g_assert_cmpuint(run.r->len, ==, good);
	run_free(&run);
}

/* expect_error() of a string literal, which may hold NULs. */
#define EXPECT_ERROR(in, lim, good, want) \
	expect_error(in, sizeof(in) - 1, lim, good, want)

/* parse_lim() of a string literal. */
#define PARSE_LIM(in, lim) parse_lim(in, sizeof(in) - 1, lim)

/* Small limits for the limit tests. */
static struct imap_limits
small_limits(void)
{
	struct imap_limits lim = { 64, 100, 200, 4, 4 };

	return lim;
}

/* ------------------------------------------------------- odd inputs */

static void
test_empty(void)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct run run;

	g_assert_cmpint(imap_parser_feed(p, "", 0), ==, 0);
	g_assert_null(imap_parser_next(p));
	g_assert_null(imap_parser_error(p));
	g_assert_cmpuint(imap_parser_buffered(p), ==, 0);
	imap_parser_free(p);
	imap_parser_free(NULL);
	imap_response_free(NULL);

	/* An incomplete response is held, not reported. */
	run = parse("* OK still comi");
	g_assert_null(run.err);
	g_assert_cmpuint(run.r->len, ==, 0);
	g_assert_cmpuint(run.buffered, ==, 15);
	run_free(&run);
}

static void
test_odd_lines(void)
{
	static const struct {
		const char *in;
		size_t good;
		const char *want;
	} cases[] = {
		{ "\r\n", 0, "empty line" },
		{ "\n", 0, "empty line" },
		{ "* OK hi\r\n\r\n", 1, "empty line" },
		{ "*\r\n", 0, "expected a space" },
		{ "* \r\n", 0, "expected a response name" },
		{ "+OK\r\n", 1, NULL },
		{ "garbage\r\n", 0, "expected a space" },
		{ "(\r\n", 0, "expected '*', '+' or a tag" },
		{ "a1 FOO bar\r\n", 0, "must be OK, NO or BAD" },
		{ "a1 PREAUTH hi\r\n", 0, "must be OK, NO or BAD" },
		{ "a1 BYE hi\r\n", 0, "must be OK, NO or BAD" },
		{ "* OK a\rb\r\n", 0, "unexpected data after the response" },
		{ "* OK fine\r\n)))\r\n", 1, "expected '*', '+' or a tag" },
		{ "* 3 EXISTS junk\r\n", 0, "unexpected data after" },
		{ "* 3  EXISTS\r\n", 0, "expected a response name" },
	};
	size_t i;
	struct run run;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (cases[i].want != NULL) {
			expect_error(cases[i].in, strlen(cases[i].in), NULL,
			    cases[i].good, cases[i].want);
			continue;
		}
		run = parse(cases[i].in);
		g_assert_null(run.err);
		g_assert_cmpuint(run.r->len, ==, cases[i].good);
		run_free(&run);
	}
}

/* Bare LF ends a line as CRLF does (documented in imap_parse.h). */
static void
test_bare_lf(void)
{
	struct run run = parse("* OK hi\n* 1 FETCH (BODY[] {3}\nabc)\n"
			       "a1 OK done\r\n");
	struct imap_response *r;

	g_assert_null(run.err);
	g_assert_cmpuint(run.r->len, ==, 3);
	r = run.r->pdata[0];
	g_assert_cmpstr(r->text, ==, "hi");
	r = run.r->pdata[1];
	g_assert_cmpuint(r->u.fetch.nsections, ==, 1);
	g_assert_cmpstr(r->u.fetch.sections[0].data, ==, "abc");
	r = run.r->pdata[2];
	g_assert_cmpstr(r->tag, ==, "a1");
	run_free(&run);
}

static void
test_nul(void)
{
	static const char quoted[] = "* LIST () \"/\" \"a\0b\"\r\n";
	static const char text[] = "* OK a\0b\r\n";
	static const char atom[] = "* CAPABILITY IMAP4rev1 A\0B\r\n";

	expect_error(
	    quoted, sizeof(quoted) - 1, NULL, 0, "NUL byte in a quoted string");
	expect_error(text, sizeof(text) - 1, NULL, 0, "NUL byte in text");
	expect_error(atom, sizeof(atom) - 1, NULL, 0, "unexpected data");
}

static void
test_quoted(void)
{
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_response *r;
	struct run run;

	/* A quoted string cut between two reads. */
	g_assert_cmpint(
	    imap_parser_feed(p, "* LIST () \"/\" \"Inbox/Sub", 24), ==, 0);
	g_assert_null(imap_parser_next(p));
	g_assert_cmpint(imap_parser_feed(p, "folder\"\r\n", 9), ==, 0);
	r = imap_parser_next(p);
	g_assert_nonnull(r);
	g_assert_cmpstr(r->u.list.name, ==, "Inbox/Subfolder");
	imap_response_free(r);
	imap_parser_free(p);

	r = one(&run, "* LIST () \"\\\\\" \"a\\\"b\\\\c\"\r\n");
	g_assert_cmpint(r->u.list.delim, ==, '\\');
	g_assert_cmpstr(r->u.list.name, ==, "a\"b\\c");
	run_free(&run);

	r = one(&run, "* LIST () \"/\" \"\"\r\n");
	g_assert_cmpstr(r->u.list.name, ==, "");
	run_free(&run);

	EXPECT_ERROR(
	    "* LIST () \"/\" \"abc\r\n", NULL, 0, "unterminated quoted string");
	EXPECT_ERROR("* LIST () \"/\" \"a\\nb\"\r\n", NULL, 0, "bad escape");
	EXPECT_ERROR("* LIST () \"//\" x\r\n", NULL, 0,
	    "delimiter must be one character");
}

static void
test_literal_split(void)
{
	static const char head[] = "* 1 FETCH (BODY[] {5}\r\n";
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_response *r;
	const char *body = "hello";
	size_t i;

	g_assert_cmpint(imap_parser_feed(p, head, sizeof(head) - 1), ==, 0);
	for (i = 0; i < 5; i++) {
		g_assert_cmpint(imap_parser_feed(p, body + i, 1), ==, 0);
		g_assert_null(imap_parser_next(p));
		g_assert_cmpuint(
		    imap_parser_buffered(p), ==, sizeof(head) - 1 + i + 1);
	}
	g_assert_cmpint(imap_parser_feed(p, ")", 1), ==, 0);
	g_assert_null(imap_parser_next(p));
	g_assert_cmpint(imap_parser_feed(p, "\r\n", 2), ==, 0);
	r = imap_parser_next(p);
	g_assert_nonnull(r);
	g_assert_cmpint(r->kind, ==, IMAP_RESP_FETCH);
	g_assert_cmpuint(r->u.fetch.sections[0].len, ==, 5);
	g_assert_cmpstr(r->u.fetch.sections[0].data, ==, "hello");
	g_assert_cmpuint(imap_parser_buffered(p), ==, 0);
	imap_response_free(r);
	imap_parser_free(p);
}

/* Literal payloads are bytes: NULs, CRLFs and braces come through. */
static void
test_literal_bytes(void)
{
	static const char in[] = "* 2 FETCH (BODY[] {10}\r\na\0b\r\n{3}\r\n "
				 "UID 7)\r\n";
	struct run run = parse_n(in, sizeof(in) - 1);
	struct imap_response *r;

	g_assert_null(run.err);
	r = run.r->pdata[0];
	g_assert_cmpuint(r->u.fetch.sections[0].len, ==, 10);
	g_assert_true(
	    memcmp(r->u.fetch.sections[0].data, "a\0b\r\n{3}\r\n", 10) == 0);
	g_assert_cmpuint(r->u.fetch.uid, ==, 7);
	run_free(&run);

	/* A zero-length literal, and a literal as a mailbox name. */
	r = one(&run, "* LIST () \"/\" {0}\r\n\r\n");
	g_assert_cmpstr(r->u.list.name, ==, "");
	run_free(&run);
	r = one(&run, "* LIST () \"/\" {4}\r\nA B)\r\n");
	g_assert_cmpstr(r->u.list.name, ==, "A B)");
	run_free(&run);

	/* Envelope text from a literal: a NUL becomes U+FFFD. */
	run = PARSE_LIM("* 1 FETCH (ENVELOPE (NIL {3}\r\na\0b NIL NIL NIL NIL "
			"NIL NIL NIL NIL))\r\n",
	    NULL);
	g_assert_null(run.err);
	r = run.r->pdata[0];
	g_assert_cmpstr(r->u.fetch.envelope->subject, ==,
	    "a\xef\xbf\xbd"
	    "b");
	run_free(&run);
	EXPECT_ERROR("* LIST () \"/\" {3}\r\na\0b\r\n", NULL, 0,
	    "NUL byte in a mailbox name");
	/* "{n}" is only a literal at the very end of a line. */
	run = parse("* OK see {3} later\r\n* OK x\r\n");
	g_assert_null(run.err);
	g_assert_cmpuint(run.r->len, ==, 2);
	r = run.r->pdata[0];
	g_assert_cmpstr(r->text, ==, "see {3} later");
	run_free(&run);
	/* At the end of a status text it is taken as a literal: refused. */
	EXPECT_ERROR("* OK see {3}\r\nabc\r\n", NULL, 0, "unexpected data");
}

static void
test_literal8(void)
{
	static const char in[] = "* 3 FETCH (BINARY[1] ~{4}\r\n\0\1\2\3 "
				 "BINARY.SIZE[1] 4 BINARY[2] \"ab\")\r\n";
	struct run run = parse_n(in, sizeof(in) - 1);
	struct imap_fetch *f;

	g_assert_null(run.err);
	f = &((struct imap_response *)run.r->pdata[0])->u.fetch;
	g_assert_cmpuint(f->nsections, ==, 2);
	g_assert_cmpint(f->sections[0].kind, ==, IMAP_SECTION_BINARY);
	g_assert_cmpstr(f->sections[0].spec, ==, "1");
	g_assert_cmpuint(f->sections[0].len, ==, 4);
	g_assert_true(memcmp(f->sections[0].data, "\0\1\2\3", 4) == 0);
	g_assert_cmpstr(f->sections[1].data, ==, "ab");
	g_assert_cmpuint(f->nbinary_sizes, ==, 1);
	g_assert_cmpstr(f->binary_sizes[0].spec, ==, "1");
	g_assert_cmpuint(f->binary_sizes[0].size, ==, 4);
	run_free(&run);

	EXPECT_ERROR("* 3 FETCH (BODY[] ~{3}\r\nabc)\r\n", NULL, 0,
	    "literal8 (~{n}) outside BINARY");
	EXPECT_ERROR(
	    "* LIST () \"/\" ~{3}\r\nabc\r\n", NULL, 0, "unexpected data");
	EXPECT_ERROR("* 1 FETCH (ENVELOPE (NIL ~{3}\r\nabc NIL NIL NIL NIL NIL "
		     "NIL NIL NIL))\r\n",
	    NULL, 0, "literal8");
	EXPECT_ERROR(
	    "* 3 FETCH (BINARY[HEADER] NIL)\r\n", NULL, 0, "part numbers only");
}

static void
test_limits(void)
{
	struct imap_limits lim = small_limits(), deep = { 0, 0, 0, 4, 0 };
	struct run run;
	GString *s;
	unsigned i;

	/* A line of exactly max_line bytes passes; one more does not. */
	s = g_string_new("* OK ");
	while (s->len < 64)
		g_string_append_c(s, 'x');
	g_string_append(s, "\r\n");
	run = parse_lim(s->str, s->len, &lim);
	g_assert_null(run.err);
	run_free(&run);
	g_string_insert_c(s, 5, 'y');
	expect_error(s->str, s->len, &lim, 0, "line longer than 64 bytes");
	/* Without its end: refused as soon as it is too long. */
	g_string_truncate(s, 66);
	expect_error(s->str, s->len, &lim, 0, "line longer than 64 bytes");
	g_string_free(s, TRUE);

	/* Literal sizes: refused when announced, never allocated. */
	EXPECT_ERROR("* 1 FETCH (BODY[] {101}\r\n", &lim, 0,
	    "literal of 101 bytes, over the limit of 100: refused");
	EXPECT_ERROR("* 1 FETCH (BODY[] {99999999999}\r\n", NULL, 0,
	    "literal of 99999999999 bytes");
	EXPECT_ERROR("* 1 FETCH (BODY[] {1099511627776}\r\n", NULL, 0,
	    "literal of 1099511627776 bytes, over the limit");
	EXPECT_ERROR("* 1 FETCH (BODY[] {99999999999999999999999}\r\n", NULL, 0,
	    "literal of more than 18446744073709551615 bytes");
	run = PARSE_LIM("* 1 FETCH (BODY[] {100}\r\n", &lim);
	g_assert_null(run.err);
	g_assert_cmpuint(run.buffered, ==, 25);
	run_free(&run);

	/* The whole response, literals included. */
	s = g_string_new("* 1 FETCH (BODY[1] {100}\r\n");
	for (i = 0; i < 100; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, " BODY[2] {100}\r\n");
	expect_error(s->str, s->len, &lim, 0, "response larger than 200");
	g_string_free(s, TRUE);

	/* Nesting: the FETCH's own list counts. */
	EXPECT_ERROR("* 1 FETCH (BODYSTRUCTURE ((((\"text\" \"plain\" NIL NIL "
		     "NIL \"7bit\" 1 1) \"mixed\") \"mixed\") \"mixed\"))\r\n",
	    &deep, 0, "lists nested deeper than 4");
	run = PARSE_LIM("* 1 FETCH (BODYSTRUCTURE (((\"text\" \"plain\" NIL "
			"NIL NIL \"7bit\" 1 1) \"mixed\") \"mixed\"))\r\n",
	    &deep);
	g_assert_null(run.err);
	run_free(&run);

	/* Elements of a list, items of a FETCH, numbers of a SEARCH. */
	EXPECT_ERROR(
	    "* FLAGS (a b c d e)\r\n", &lim, 0, "more than 4 elements");
	EXPECT_ERROR("* 1 FETCH (UID 1 UID 2 UID 3 UID 4 UID 5)\r\n", &lim, 0,
	    "more than 4 elements");
	EXPECT_ERROR("* SEARCH 1 2 3 4 5\r\n", &lim, 0, "more than 4 elements");
	EXPECT_ERROR(
	    "* VANISHED 1,2,3,4,5\r\n", &lim, 0, "more than 4 elements");
	EXPECT_ERROR("* X {0}\r\n {0}\r\n {0}\r\n {0}\r\n {0}\r\n", &lim, 0,
	    "more than 4 literals");
	run = PARSE_LIM("* FLAGS (a b c d)\r\n", &lim);
	g_assert_null(run.err);
	run_free(&run);
}

static void
test_numbers(void)
{
	static const struct {
		const char *in;
		const char *want;
	} bad[] = {
		{ "* -1 EXISTS\r\n", "negative number" },
		{ "* 1 FETCH (RFC822.SIZE -5)\r\n",
		    "expected size (a number)" },
		{ "* 4294967296 EXISTS\r\n", "message number is too large" },
		{ "* 99999999999999999999999 EXISTS\r\n", "too large" },
		{ "* 0 EXPUNGE\r\n", "message number 0" },
		{ "* 0 FETCH (UID 1)\r\n", "message number 0" },
		{ "* 1 FETCH (UID 0)\r\n", "UID must not be zero" },
		{ "* 1 FETCH (UID -3)\r\n", "expected UID (a number)" },
		{ "* 1 FETCH (MODSEQ (9223372036854775808))\r\n",
		    "MODSEQ is too large" },
		{ "* OK [HIGHESTMODSEQ 18446744073709551616] x\r\n", NULL },
		{ "* 1 FETCH (RFC822.SIZE 12a)\r\n", "expected ')'" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		if (bad[i].want != NULL) {
			expect_error(
			    bad[i].in, strlen(bad[i].in), NULL, 0, bad[i].want);
			continue;
		}
		/* A code whose argument does not read is kept raw. */
		r = one(&run, bad[i].in);
		g_assert_cmpint(r->code.kind, ==, IMAP_CODE_OTHER);
		g_assert_cmpstr(r->code.name, ==, "HIGHESTMODSEQ");
		g_assert_cmpstr(r->code.raw, ==, "18446744073709551616");
		run_free(&run);
	}
	r = one(&run, "* 4294967295 EXISTS\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_EXISTS);
	g_assert_cmpuint(r->number, ==, 4294967295u);
	run_free(&run);
	r = one(&run, "* 0 EXISTS\r\n");
	g_assert_cmpuint(r->number, ==, 0);
	run_free(&run);
	r = one(&run, "* 1 FETCH (MODSEQ (9223372036854775807))\r\n");
	g_assert_cmpuint(r->u.fetch.modseq, ==, 9223372036854775807ull);
	run_free(&run);
}

static void
test_missing_paren(void)
{
	static const char *const cases[] = {
		"* FLAGS (\\Seen\r\n",
		"* 1 FETCH (UID 4\r\n",
		"* 1 FETCH (FLAGS (\\Seen) UID 4\r\n",
		"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL "
		"NIL))\r\n",
		"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL "
		"\"7bit\" 1 1)\r\n",
		"* ID (\"name\" \"x\"\r\n",
		"* NAMESPACE ((\"\" \"/\") NIL NIL\r\n",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		expect_error(cases[i], strlen(cases[i]), NULL, 0, "expected");
	EXPECT_ERROR("* 1 FETCH (UID 4))\r\n", NULL, 0,
	    "unexpected data after the response");
}

/* ------------------------------------------------- status responses */

static void
test_greeting(void)
{
	static const struct {
		const char *in;
		enum imap_status status;
		const char *text;
	} cases[] = {
		{ "* OK IMAP4rev1 Service Ready\r\n", IMAP_STATUS_OK,
		    "IMAP4rev1 Service Ready" },
		{ "* PREAUTH IMAP4rev1 server logged in as Smith\r\n",
		    IMAP_STATUS_PREAUTH,
		    "IMAP4rev1 server logged in as Smith" },
		{ "* BYE Autologout; idle for too long\r\n", IMAP_STATUS_BYE,
		    "Autologout; idle for too long" },
		{ "* ok lower case\r\n", IMAP_STATUS_OK, "lower case" },
		{ "* OK\r\n", IMAP_STATUS_OK, "" },
		{ "* NO Disk is 98% full, please delete unnecessary data\r\n",
		    IMAP_STATUS_NO,
		    "Disk is 98% full, please delete unnecessary data" },
		{ "* BAD Command line too long\r\n", IMAP_STATUS_BAD,
		    "Command line too long" },
		{ "* OK [brackets are just text\r\n", IMAP_STATUS_OK,
		    "[brackets are just text" },
		{ "* OK Grüße \xff\r\n", IMAP_STATUS_OK, "Grüße \xef\xbf\xbd" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = one(&run, cases[i].in);
		g_assert_cmpint(r->kind, ==, IMAP_RESP_STATUS);
		g_assert_null(r->tag);
		g_assert_cmpint(r->status, ==, cases[i].status);
		g_assert_cmpint(r->code.kind, ==, IMAP_CODE_NONE);
		g_assert_cmpstr(r->text, ==, cases[i].text);
		run_free(&run);
	}

	r = one(&run,
	    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID "
	    "ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot "
	    "ready.\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_CAPABILITY);
	g_assert_cmpuint(r->code.strings.n, ==, 9);
	g_assert_cmpstr(r->code.strings.v[0], ==, "IMAP4rev1");
	g_assert_cmpstr(r->code.strings.v[8], ==, "AUTH=PLAIN");
	g_assert_cmpstr(r->text, ==, "Dovecot ready.");
	run_free(&run);
}

static void
test_tagged(void)
{
	static const struct {
		const char *in;
		const char *tag;
		enum imap_status status;
		const char *text;
	} cases[] = {
		{ "a001 OK LOGIN completed\r\n", "a001", IMAP_STATUS_OK,
		    "LOGIN completed" },
		{ "A44 NO Failure\r\n", "A44", IMAP_STATUS_NO, "Failure" },
		{ "t.1 BAD Missing argument\r\n", "t.1", IMAP_STATUS_BAD,
		    "Missing argument" },
		{ "x OK\r\n", "x", IMAP_STATUS_OK, "" },
		{ "x OK \r\n", "x", IMAP_STATUS_OK, "" },
		{ "a] OK odd but legal tag\r\n", "a]", IMAP_STATUS_OK,
		    "odd but legal tag" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = one(&run, cases[i].in);
		g_assert_cmpint(r->kind, ==, IMAP_RESP_STATUS);
		g_assert_cmpstr(r->tag, ==, cases[i].tag);
		g_assert_cmpint(r->status, ==, cases[i].status);
		g_assert_cmpstr(r->text, ==, cases[i].text);
		run_free(&run);
	}
	EXPECT_ERROR("a+b OK x\r\n", NULL, 0, "expected a space");
}

static void
test_codes(void)
{
	static const struct {
		const char *in;
		enum imap_code_kind kind;
		const char *name, *raw, *text;
	} cases[] = {
		{ "* OK [ALERT] System shutdown in 10 minutes\r\n",
		    IMAP_CODE_ALERT, "ALERT", NULL,
		    "System shutdown in 10 minutes" },
		{ "a1 NO [BADCHARSET] x\r\n", IMAP_CODE_BADCHARSET,
		    "BADCHARSET", NULL, "x" },
		{ "* NO [PARSE] bad header\r\n", IMAP_CODE_PARSE, "PARSE", NULL,
		    "bad header" },
		{ "a OK [READ-ONLY] EXAMINE completed\r\n", IMAP_CODE_READ_ONLY,
		    "READ-ONLY", NULL, "EXAMINE completed" },
		{ "A142 OK [READ-WRITE] SELECT completed\r\n",
		    IMAP_CODE_READ_WRITE, "READ-WRITE", NULL,
		    "SELECT completed" },
		{ "a NO [TRYCREATE] Mailbox doesn't exist: SPAM\r\n",
		    IMAP_CODE_TRYCREATE, "TRYCREATE", NULL,
		    "Mailbox doesn't exist: SPAM" },
		{ "* OK [UIDNEXT 4392] Predicted next UID\r\n",
		    IMAP_CODE_UIDNEXT, "UIDNEXT", "4392",
		    "Predicted next UID" },
		{ "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support "
		  "modsequences\r\n",
		    IMAP_CODE_NOMODSEQ, "NOMODSEQ", NULL,
		    "Sorry, this mailbox format doesn't support modsequences" },
		{ "* OK [CLOSED] Previous mailbox closed.\r\n",
		    IMAP_CODE_CLOSED, "CLOSED", NULL,
		    "Previous mailbox closed." },
		{ "* OK [CLOSED]\r\n", IMAP_CODE_CLOSED, "CLOSED", NULL, "" },
		{ "* NO [UIDNOTSTICKY] Non-persistent UIDs\r\n",
		    IMAP_CODE_UIDNOTSTICKY, "UIDNOTSTICKY", NULL,
		    "Non-persistent UIDs" },
		{ "A001 NO [AUTHENTICATIONFAILED] Authentication failed\r\n",
		    IMAP_CODE_AUTHENTICATIONFAILED, "AUTHENTICATIONFAILED",
		    NULL, "Authentication failed" },
		{ "a NO [NONEXISTENT] Unknown mailbox\r\n",
		    IMAP_CODE_NONEXISTENT, "NONEXISTENT", NULL,
		    "Unknown mailbox" },
		{ "a NO [OVERQUOTA] Quota exceeded\r\n", IMAP_CODE_OVERQUOTA,
		    "OVERQUOTA", NULL, "Quota exceeded" },
		{ "a NO [ALREADYEXISTS] Mailbox exists\r\n",
		    IMAP_CODE_ALREADYEXISTS, "ALREADYEXISTS", NULL,
		    "Mailbox exists" },
		{ "* OK [ALERT extra words] hi\r\n", IMAP_CODE_ALERT, "ALERT",
		    "extra words", "hi" },
		{ "* OK [XFOO 1 2 (3)] x\r\n", IMAP_CODE_OTHER, "XFOO",
		    "1 2 (3)", "x" },
		{ "* OK [REFERRAL imap://h/] x\r\n", IMAP_CODE_OTHER,
		    "REFERRAL", "imap://h/", "x" },
		{ "* NO [UIDNEXT abc] broken\r\n", IMAP_CODE_OTHER, "UIDNEXT",
		    "abc", "broken" },
		{ "* NO [UNSEEN 0] zero\r\n", IMAP_CODE_OTHER, "UNSEEN", "0",
		    "zero" },
		{ "* OK [] empty\r\n", IMAP_CODE_NONE, NULL, NULL, "[] empty" },
		{ "* OK [ALERT no end\r\n", IMAP_CODE_NONE, NULL, NULL,
		    "[ALERT no end" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = one(&run, cases[i].in);
		if (r->code.kind != cases[i].kind)
			g_error("%s: code %d", cases[i].in, r->code.kind);
		g_assert_cmpstr(r->code.name, ==, cases[i].name);
		g_assert_cmpstr(r->code.raw, ==, cases[i].raw);
		g_assert_cmpstr(r->text, ==, cases[i].text);
		run_free(&run);
	}

	r = one(&run, "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_UIDVALIDITY);
	g_assert_cmpuint(r->code.num, ==, 3857529045u);
	run_free(&run);
	r = one(&run, "* OK [UNSEEN 17] Message 17 is the first unseen\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_UNSEEN);
	g_assert_cmpuint(r->code.num, ==, 17);
	run_free(&run);
	r = one(
	    &run, "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_PERMANENTFLAGS);
	g_assert_cmpuint(r->code.flags.bits, ==,
	    IMAP_FLAG_DELETED | IMAP_FLAG_SEEN | IMAP_FLAG_ANY);
	g_assert_cmpuint(r->code.flags.all.n, ==, 3);
	g_assert_cmpstr(r->code.flags.all.v[2], ==, "\\*");
	run_free(&run);
	r = one(&run, "* OK [PERMANENTFLAGS ()] No permanent flags\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_PERMANENTFLAGS);
	g_assert_cmpuint(r->code.flags.all.n, ==, 0);
	run_free(&run);
	r = one(&run, "a NO [BADCHARSET (UTF-8 \"US-ASCII\")] Unsupported\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_BADCHARSET);
	g_assert_cmpuint(r->code.strings.n, ==, 2);
	g_assert_cmpstr(r->code.strings.v[0], ==, "UTF-8");
	g_assert_cmpstr(r->code.strings.v[1], ==, "US-ASCII");
	run_free(&run);
	r = one(&run, "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_HIGHESTMODSEQ);
	g_assert_cmpuint(r->code.modseq, ==, 715194045007ull);
	run_free(&run);
}

/* UIDPLUS (RFC 4315) and CONDSTORE's MODIFIED (RFC 7162). */
static void
test_uid_codes(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run, "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_APPENDUID);
	g_assert_cmpuint(r->code.uidvalidity, ==, 38505);
	g_assert_cmpuint(r->code.uids.n, ==, 1);
	g_assert_cmpuint(r->code.uids.v[0].first, ==, 3955);
	g_assert_cmpuint(r->code.uids.v[0].last, ==, 3955);
	run_free(&run);

	r = one(&run, "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_COPYUID);
	g_assert_cmpuint(r->code.uidvalidity, ==, 38505);
	g_assert_cmpuint(r->code.uids.n, ==, 2);
	g_assert_cmpuint(r->code.uids.v[0].first, ==, 304);
	g_assert_cmpuint(r->code.uids.v[1].first, ==, 319);
	g_assert_cmpuint(r->code.uids.v[1].last, ==, 320);
	g_assert_cmpuint(r->code.uids2.n, ==, 1);
	g_assert_cmpuint(r->code.uids2.v[0].first, ==, 3956);
	g_assert_cmpuint(r->code.uids2.v[0].last, ==, 3958);
	g_assert_cmpstr(r->code.raw, ==, "38505 304,319:320 3956:3958");
	run_free(&run);

	/* Reversed ranges are put in order; "*" goes last. */
	r = one(&run,
	    "d105 OK [MODIFIED 7,9:8,*:4] Conditional STORE "
	    "failed\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_MODIFIED);
	g_assert_cmpuint(r->code.uids.n, ==, 3);
	g_assert_cmpuint(r->code.uids.v[0].first, ==, 7);
	g_assert_cmpuint(r->code.uids.v[1].first, ==, 8);
	g_assert_cmpuint(r->code.uids.v[1].last, ==, 9);
	g_assert_cmpuint(r->code.uids.v[2].first, ==, 4);
	g_assert_cmpuint(r->code.uids.v[2].last, ==, IMAP_STAR);
	run_free(&run);

	/* "*" is not a UID: the code is kept raw. */
	r = one(&run, "a OK [COPYUID 1 2:* 3] x\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_OTHER);
	g_assert_cmpstr(r->code.raw, ==, "1 2:* 3");
	run_free(&run);
}

static void
test_continue(void)
{
	static const struct {
		const char *in, *text;
	} cases[] = {
		{ "+ Ready for additional command text\r\n",
		    "Ready for additional command text" },
		{ "+ \r\n", "" },
		{ "+\r\n", "" },
		{ "+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRA"
		  "tHTEuOP2BXb9sBYFR4SJlDZxmg39IxmRBOhXRKdDA0uHTCOT9Bq3OsUTXUlk"
		  "0CsFLoa8j+gvGDlgHuqzWHPSQg==\r\n",
		    "YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRA"
		    "tHTEuOP2BXb9sBYFR4SJlDZxmg39IxmRBOhXRKdDA0uHTCOT9Bq3OsUTXU"
		    "lk"
		    "0CsFLoa8j+gvGDlgHuqzWHPSQg==" },
		{ "+ idling\r\n", "idling" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = one(&run, cases[i].in);
		g_assert_cmpint(r->kind, ==, IMAP_RESP_CONTINUE);
		g_assert_null(r->tag);
		g_assert_cmpstr(r->text, ==, cases[i].text);
		run_free(&run);
	}
	r = one(&run, "+ [ALERT] hold on\r\n");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_ALERT);
	g_assert_cmpstr(r->text, ==, "hold on");
	run_free(&run);
}

/* ---------------------------------------------------- untagged data */

static void
test_capability(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run,
	    "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI "
	    "XPIG-LATIN\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_CAPABILITY);
	g_assert_cmpuint(r->u.caps.n, ==, 4);
	g_assert_cmpstr(r->u.caps.v[0], ==, "IMAP4rev1");
	g_assert_cmpstr(r->u.caps.v[2], ==, "AUTH=GSSAPI");
	g_assert_cmpstr(r->u.caps.v[3], ==, "XPIG-LATIN");
	g_assert_null(r->u.caps.v[4]);
	run_free(&run);

	/* A trailing space, as some servers send. */
	r = one(&run, "* CAPABILITY IMAP4rev2 \r\n");
	g_assert_cmpuint(r->u.caps.n, ==, 1);
	run_free(&run);

	r = one(&run, "* ENABLED CONDSTORE QRESYNC\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_ENABLED);
	g_assert_cmpuint(r->u.caps.n, ==, 2);
	g_assert_cmpstr(r->u.caps.v[1], ==, "QRESYNC");
	run_free(&run);
	r = one(&run, "* ENABLED\r\n");
	g_assert_cmpuint(r->u.caps.n, ==, 0);
	run_free(&run);
}

/* LIST and LSUB, with RFC 6154 special-use attributes. */
static void
test_list(void)
{
	static const struct {
		const char *in;
		unsigned attrs;
		char delim;
		const char *name, *utf8;
	} cases[] = {
		{ "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n", IMAP_MBX_NOSELECT,
		    '/', "~/Mail/foo", "~/Mail/foo" },
		{ "* LIST (\\Marked \\HasNoChildren) \"/\" Inbox\r\n",
		    IMAP_MBX_MARKED | IMAP_MBX_HASNOCHILDREN, '/', "Inbox",
		    "Inbox" },
		{ "* LIST (\\HasNoChildren) \"/\" ToDo\r\n",
		    IMAP_MBX_HASNOCHILDREN, '/', "ToDo", "ToDo" },
		{ "* LIST (\\HasChildren) \"/\" Projects\r\n",
		    IMAP_MBX_HASCHILDREN, '/', "Projects", "Projects" },
		{ "* LIST (\\Sent \\HasNoChildren) \"/\" SentMail\r\n",
		    IMAP_MBX_SENT | IMAP_MBX_HASNOCHILDREN, '/', "SentMail",
		    "SentMail" },
		{ "* LIST (\\Marked \\Drafts \\HasNoChildren) \"/\" "
		  "MyDrafts\r\n",
		    IMAP_MBX_MARKED | IMAP_MBX_DRAFTS | IMAP_MBX_HASNOCHILDREN,
		    '/', "MyDrafts", "MyDrafts" },
		{ "* LIST (\\Trash \\HasNoChildren) \"/\" Trash\r\n",
		    IMAP_MBX_TRASH | IMAP_MBX_HASNOCHILDREN, '/', "Trash",
		    "Trash" },
		{ "* LIST (\\Junk \\Archive \\All \\Flagged \\Important) \".\" "
		  "\"[Gmail].All Mail\"\r\n",
		    IMAP_MBX_JUNK | IMAP_MBX_ARCHIVE | IMAP_MBX_ALL |
			IMAP_MBX_FLAGGED | IMAP_MBX_IMPORTANT,
		    '.', "[Gmail].All Mail", "[Gmail].All Mail" },
		{ "* LIST (\\noinferiors \\UNMARKED \\Subscribed \\Remote "
		  "\\NonExistent) NIL \"\"\r\n",
		    IMAP_MBX_NOINFERIORS | IMAP_MBX_UNMARKED |
			IMAP_MBX_SUBSCRIBED | IMAP_MBX_REMOTE |
			IMAP_MBX_NONEXISTENT,
		    '\0', "", "" },
		{ "* LIST () \"/\" \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"\r\n", 0,
		    '/', "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		    "~peter/mail/台北/日本語" },
		{ "* LIST () \"/\" \"R&-D\"\r\n", 0, '/', "R&-D", "R&D" },
		/* Not valid modified UTF-7: shown as sent. */
		{ "* LIST () \"/\" \"R&D\"\r\n", 0, '/', "R&D", "R&D" },
		/* UTF8=ACCEPT: as is; bytes that are not UTF-8 replaced. */
		{ "* LIST () \"/\" \"Entwürfe\"\r\n", 0, '/', "Entwürfe",
		    "Entwürfe" },
		{ "* LIST () \"/\" \"a\xe9z\"\r\n", 0, '/', "a\xe9z",
		    "a\xef\xbf\xbdz" },
		{ "* LIST (\\XCustom) \"/\" INBOX\r\n", 0, '/', "INBOX",
		    "INBOX" },
	};
	struct imap_response *r;
	struct run run;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		r = one(&run, cases[i].in);
		g_assert_cmpint(r->kind, ==, IMAP_RESP_LIST);
		g_assert_cmpuint(r->u.list.attrs, ==, cases[i].attrs);
		g_assert_cmpint(r->u.list.delim, ==, cases[i].delim);
		g_assert_cmpstr(r->u.list.name, ==, cases[i].name);
		g_assert_cmpstr(r->u.list.name_utf8, ==, cases[i].utf8);
		g_assert_null(r->u.list.oldname);
		run_free(&run);
	}

	r = one(&run, "* LSUB () \".\" #news.comp.mail.misc\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_LSUB);
	g_assert_cmpstr(r->u.list.name, ==, "#news.comp.mail.misc");
	g_assert_cmpuint(r->u.list.flags.n, ==, 0);
	run_free(&run);

	r = one(&run, "* LIST (\\XCustom \\Sent) \"/\" x\r\n");
	g_assert_cmpuint(r->u.list.flags.n, ==, 2);
	g_assert_cmpstr(r->u.list.flags.v[0], ==, "\\XCustom");
	run_free(&run);

	EXPECT_ERROR(
	    "* LIST (\\Noselect) \"/\"\r\n", NULL, 0, "expected a space");
	EXPECT_ERROR(
	    "* LIST (\\) \"/\" x\r\n", NULL, 0, "expected a flag name");
}

/* LIST-EXTENDED (RFC 5258, RFC 9051) extra data. */
static void
test_list_extended(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run,
	    "* LIST () \"/\" \"Fruit\" (\"CHILDINFO\" "
	    "(\"SUBSCRIBED\"))\r\n");
	g_assert_cmpuint(r->u.list.childinfo.n, ==, 1);
	g_assert_cmpstr(r->u.list.childinfo.v[0], ==, "SUBSCRIBED");
	run_free(&run);

	r = one(&run,
	    "* LIST (\\Subscribed \\NonExistent) \"/\" "
	    "\"Fruit/Peach\"\r\n");
	g_assert_cmpuint(
	    r->u.list.attrs, ==, IMAP_MBX_SUBSCRIBED | IMAP_MBX_NONEXISTENT);
	run_free(&run);

	r = one(&run,
	    "* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" "
	    "(\"&AOk-t&AOk-\"))\r\n");
	g_assert_cmpstr(r->u.list.oldname, ==, "&AOk-t&AOk-");
	g_assert_cmpstr(r->u.list.oldname_utf8, ==, "été");
	run_free(&run);

	/* Unknown extension data is skipped, whatever its shape. */
	r = one(&run,
	    "* LIST () \"/\" foo (\"X-THING\" (1 (2 \"3\") {1}\r\n"
	    ")) \"CHILDINFO\" (\"A\" \"B\") X-ATOM 17)\r\n");
	g_assert_cmpstr(r->u.list.name, ==, "foo");
	g_assert_cmpuint(r->u.list.childinfo.n, ==, 2);
	run_free(&run);
}

/* A server that enabled UTF8=ACCEPT: "&" is just "&". */
static void
test_list_utf8_mode(void)
{
	static const char in[] = "* LIST () \"/\" \"&AOk-\"\r\n";
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_response *r;

	imap_parser_set_utf8(p, 1);
	g_assert_cmpint(imap_parser_feed(p, in, sizeof(in) - 1), ==, 0);
	r = imap_parser_next(p);
	g_assert_cmpstr(r->u.list.name_utf8, ==, "&AOk-");
	imap_response_free(r);
	imap_parser_set_utf8(p, 0);
	g_assert_cmpint(imap_parser_feed(p, in, sizeof(in) - 1), ==, 0);
	r = imap_parser_next(p);
	g_assert_cmpstr(r->u.list.name_utf8, ==, "é");
	imap_response_free(r);
	imap_parser_free(p);
}

static void
test_status(void)
{
	struct imap_mailbox_status *st;
	struct imap_response *r;
	struct run run;

	r = one(&run, "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_MAILBOX_STATUS);
	st = &r->u.mbstatus;
	g_assert_cmpstr(st->name, ==, "blurdybloop");
	g_assert_cmpuint(
	    st->present, ==, IMAP_STATUS_MESSAGES | IMAP_STATUS_UIDNEXT);
	g_assert_cmpuint(st->messages, ==, 231);
	g_assert_cmpuint(st->uidnext, ==, 44292);
	run_free(&run);

	r = one(&run,
	    "* STATUS \"INBOX\" (MESSAGES 17 RECENT 2 UIDNEXT 4392 "
	    "UIDVALIDITY 3857529045 UNSEEN 5 HIGHESTMODSEQ "
	    "7011231777 SIZE 1234567890123 DELETED 3 X-FOO (1 2) "
	    "MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n");
	st = &r->u.mbstatus;
	g_assert_cmpuint(st->present, ==, 0xff);
	g_assert_cmpuint(st->messages, ==, 17);
	g_assert_cmpuint(st->recent, ==, 2);
	g_assert_cmpuint(st->uidnext, ==, 4392);
	g_assert_cmpuint(st->uidvalidity, ==, 3857529045u);
	g_assert_cmpuint(st->unseen, ==, 5);
	g_assert_cmpuint(st->highestmodseq, ==, 7011231777ull);
	g_assert_cmpuint(st->size, ==, 1234567890123ull);
	g_assert_cmpuint(st->deleted, ==, 3);
	run_free(&run);

	r = one(&run, "* STATUS \"&ZeVnLIqe-\" ()\r\n");
	g_assert_cmpstr(r->u.mbstatus.name_utf8, ==, "日本語");
	g_assert_cmpuint(r->u.mbstatus.present, ==, 0);
	run_free(&run);

	EXPECT_ERROR("* STATUS x (MESSAGES)\r\n", NULL, 0, "expected a space");
	EXPECT_ERROR("* STATUS x (MESSAGES abc)\r\n", NULL, 0,
	    "expected MESSAGES (a number)");
}

static void
test_flags_and_counts(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run,
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
	    "\\Draft $Forwarded Junk)\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_FLAGS);
	g_assert_cmpuint(r->u.flags.bits, ==,
	    IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED | IMAP_FLAG_DELETED |
		IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT);
	g_assert_cmpuint(r->u.flags.all.n, ==, 7);
	g_assert_cmpstr(r->u.flags.all.v[5], ==, "$Forwarded");
	run_free(&run);
	r = one(&run, "* FLAGS ()\r\n");
	g_assert_cmpuint(r->u.flags.all.n, ==, 0);
	run_free(&run);

	r = one(&run, "* 23 EXISTS\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_EXISTS);
	g_assert_cmpuint(r->number, ==, 23);
	run_free(&run);
	r = one(&run, "* 5 RECENT\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_RECENT);
	g_assert_cmpuint(r->number, ==, 5);
	run_free(&run);
	r = one(&run, "* 44 EXPUNGE\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_EXPUNGE);
	g_assert_cmpuint(r->number, ==, 44);
	run_free(&run);
	EXPECT_ERROR(
	    "* FLAGS (\\Seen  \\Draft)\r\n", NULL, 0, "expected a flag");
}

static void
test_search(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run, "* SEARCH 2 3 6\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_SEARCH);
	g_assert_cmpuint(r->u.search.n, ==, 3);
	g_assert_cmpuint(r->u.search.v[2], ==, 6);
	g_assert_false(r->u.search.has_modseq);
	run_free(&run);
	r = one(&run, "* SEARCH\r\n");
	g_assert_cmpuint(r->u.search.n, ==, 0);
	run_free(&run);
	r = one(&run, "* SEARCH 1 \r\n");
	g_assert_cmpuint(r->u.search.n, ==, 1);
	run_free(&run);
	r = one(&run,
	    "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ "
	    "917162500)\r\n");
	g_assert_cmpuint(r->u.search.n, ==, 10);
	g_assert_true(r->u.search.has_modseq);
	g_assert_cmpuint(r->u.search.modseq, ==, 917162500);
	run_free(&run);
	r = one(&run, "* SORT 2 84 882\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_SORT);
	g_assert_cmpuint(r->u.search.n, ==, 3);
	run_free(&run);
	EXPECT_ERROR("* SEARCH 1 (MODSEQ 5) 3\r\n", NULL, 0, "unexpected data");
	EXPECT_ERROR("* SEARCH 1 0\r\n", NULL, 0, "must not be zero");
}

/* ESEARCH (RFC 4731, RFC 7162, RFC 9051). */
static void
test_esearch(void)
{
	struct imap_esearch *e;
	struct imap_response *r;
	struct run run;

	r = one(&run, "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_ESEARCH);
	e = &r->u.esearch;
	g_assert_cmpstr(e->tag, ==, "A282");
	g_assert_false(e->uid);
	g_assert_cmpuint(e->present, ==, IMAP_ESEARCH_MIN | IMAP_ESEARCH_COUNT);
	g_assert_cmpuint(e->min, ==, 2);
	g_assert_cmpuint(e->count, ==, 3);
	run_free(&run);

	r = one(&run, "* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n");
	e = &r->u.esearch;
	g_assert_cmpuint(e->present, ==, IMAP_ESEARCH_ALL);
	g_assert_cmpuint(e->all.n, ==, 2);
	g_assert_cmpuint(e->all.v[1].first, ==, 10);
	g_assert_cmpuint(e->all.v[1].last, ==, 11);
	run_free(&run);

	r = one(&run, "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n");
	e = &r->u.esearch;
	g_assert_true(e->uid);
	g_assert_cmpuint(e->min, ==, 7);
	g_assert_cmpuint(e->max, ==, 3800);
	run_free(&run);

	r = one(&run,
	    "* ESEARCH (TAG \"a\") UID ALL 1:3,5 MODSEQ 1236 "
	    "X-FUTURE (1 2)\r\n");
	e = &r->u.esearch;
	g_assert_cmpuint(
	    e->present, ==, IMAP_ESEARCH_ALL | IMAP_ESEARCH_MODSEQ);
	g_assert_cmpuint(e->modseq, ==, 1236);
	run_free(&run);

	/* No correlator and no results: a search that found nothing. */
	r = one(&run, "* ESEARCH\r\n");
	g_assert_null(r->u.esearch.tag);
	g_assert_cmpuint(r->u.esearch.present, ==, 0);
	run_free(&run);
	r = one(&run, "* ESEARCH (TAG \"A286\") COUNT 0\r\n");
	g_assert_cmpuint(r->u.esearch.count, ==, 0);
	g_assert_cmpuint(r->u.esearch.present, ==, IMAP_ESEARCH_COUNT);
	run_free(&run);
	EXPECT_ERROR("* ESEARCH (TOG \"x\")\r\n", NULL, 0, "expected TAG");
}

/* VANISHED (RFC 7162). */
static void
test_vanished(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run, "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_VANISHED);
	g_assert_true(r->u.vanished.earlier);
	g_assert_cmpuint(r->u.vanished.uids.n, ==, 5);
	g_assert_cmpuint(r->u.vanished.uids.v[0].first, ==, 41);
	g_assert_cmpuint(r->u.vanished.uids.v[0].last, ==, 41);
	g_assert_cmpuint(r->u.vanished.uids.v[4].first, ==, 214);
	g_assert_cmpuint(r->u.vanished.uids.v[4].last, ==, 540);
	run_free(&run);

	r = one(&run, "* VANISHED 405,407,410,425\r\n");
	g_assert_false(r->u.vanished.earlier);
	g_assert_cmpuint(r->u.vanished.uids.n, ==, 4);
	run_free(&run);

	EXPECT_ERROR("* VANISHED (LATER) 1\r\n", NULL, 0, "expected EARLIER");
	EXPECT_ERROR("* VANISHED 1:*\r\n", NULL, 0, "not allowed");
	EXPECT_ERROR("* VANISHED 1,,2\r\n", NULL, 0, "sequence number");
}

/* ID (RFC 2971). */
static void
test_id(void)
{
	struct imap_response *r;
	struct run run;

	r = one(&run,
	    "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" "
	    "\"sunos\" \"os-version\" \"5.5\" \"support-url\" "
	    "\"mailto:cyrus-bugs+@andrew.cmu.edu\")\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_ID);
	g_assert_cmpuint(r->u.id.n, ==, 5);
	g_assert_cmpstr(r->u.id.v[0].name, ==, "name");
	g_assert_cmpstr(r->u.id.v[0].value, ==, "Cyrus");
	g_assert_cmpstr(
	    r->u.id.v[4].value, ==, "mailto:cyrus-bugs+@andrew.cmu.edu");
	run_free(&run);

	r = one(&run, "* ID NIL\r\n");
	g_assert_cmpuint(r->u.id.n, ==, 0);
	run_free(&run);
	r = one(&run, "* ID (\"name\" \"Dovecot\" \"vendor\" NIL)\r\n");
	g_assert_cmpuint(r->u.id.n, ==, 2);
	g_assert_null(r->u.id.v[1].value);
	run_free(&run);
	EXPECT_ERROR("* ID (\"name\")\r\n", NULL, 0, "expected a space");
}

/* NAMESPACE (RFC 2342). */
static void
test_namespace(void)
{
	struct imap_namespaces *ns;
	struct imap_response *r;
	struct run run;

	r = one(&run, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_NAMESPACE);
	ns = &r->u.ns;
	g_assert_cmpuint(ns->personal.n, ==, 1);
	g_assert_cmpstr(ns->personal.v[0].prefix, ==, "");
	g_assert_cmpint(ns->personal.v[0].delim, ==, '/');
	g_assert_cmpuint(ns->other.n, ==, 0);
	g_assert_cmpuint(ns->shared.n, ==, 0);
	run_free(&run);

	r = one(&run, "* NAMESPACE NIL NIL ((\"\" \".\"))\r\n");
	g_assert_cmpuint(r->u.ns.personal.n, ==, 0);
	g_assert_cmpint(r->u.ns.shared.v[0].delim, ==, '.');
	run_free(&run);

	r = one(&run,
	    "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) "
	    "((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" "
	    "\"/\")(\"#news.\" \".\"))\r\n");
	ns = &r->u.ns;
	g_assert_cmpstr(ns->other.v[0].prefix, ==, "~");
	g_assert_cmpuint(ns->shared.n, ==, 4);
	g_assert_cmpstr(ns->shared.v[3].prefix, ==, "#news.");
	g_assert_cmpint(ns->shared.v[3].delim, ==, '.');
	run_free(&run);

	r = one(&run, "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n");
	g_assert_cmpstr(r->u.ns.personal.v[0].prefix, ==, "INBOX.");
	run_free(&run);

	r = one(&run,
	    "* NAMESPACE ((\"\" \"/\" \"X-PARAM\" (\"FLAG1\" "
	    "\"FLAG2\"))) NIL ((\"Public\" NIL))\r\n");
	ns = &r->u.ns;
	g_assert_cmpuint(ns->personal.v[0].next, ==, 1);
	g_assert_cmpstr(ns->personal.v[0].ext[0].name, ==, "X-PARAM");
	g_assert_cmpuint(ns->personal.v[0].ext[0].values.n, ==, 2);
	g_assert_cmpstr(ns->personal.v[0].ext[0].values.v[1], ==, "FLAG2");
	g_assert_cmpint(ns->shared.v[0].delim, ==, '\0');
	run_free(&run);

	EXPECT_ERROR("* NAMESPACE () NIL NIL\r\n", NULL, 0, "expected");
	EXPECT_ERROR("* NAMESPACE NIL NIL\r\n", NULL, 0, "expected a space");
}

/* ------------------------------------------------------------ FETCH */

static void
test_internaldate(void)
{
	static const struct {
		const char *date;
		long long utc;
		int zone;
	} good[] = {
		{ "17-Jul-1996 02:44:25 -0700", 837596665, -420 },
		{ "01-Jan-1970 00:00:00 +0000", 0, 0 },
		{ " 1-Jan-1970 01:00:00 +0100", 0, 60 },
		{ "1-jan-1970 00:00:00 +0000", 0, 0 },
		{ "29-Feb-2024 23:59:59 +0000", 1709251199, 0 },
		{ "31-Dec-1969 23:59:59 +0000", -1, 0 },
		{ "05-Mar-2038 12:00:00 +0530", 2151383400, 330 },
	};
	static const char *const bad[] = { "", "17-Jul-1996",
		"32-Jul-1996 02:44:25 -0700", "29-Feb-2023 00:00:00 +0000",
		"17-Jux-1996 02:44:25 -0700", "17-Jul-1996 24:00:00 -0700",
		"17-Jul-1996 02:44:25 0700", "17-Jul-1996 02:44:25 -07000",
		"17-Jul-96 02:44:25 -0700", "00-Jul-1996 02:44:25 -0700" };
	struct imap_response *r;
	struct run run;
	char *in;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		in = g_strdup_printf(
		    "* 1 FETCH (INTERNALDATE \"%s\")\r\n", good[i].date);
		r = one(&run, in);
		g_assert_true(r->u.fetch.present & IMAP_FETCH_INTERNALDATE);
		g_assert_cmpint(
		    (long long)r->u.fetch.internaldate, ==, good[i].utc);
		g_assert_cmpint(r->u.fetch.internaldate_zone, ==, good[i].zone);
		run_free(&run);
		g_free(in);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		in = g_strdup_printf(
		    "* 1 FETCH (INTERNALDATE \"%s\")\r\n", bad[i]);
		expect_error(in, strlen(in), NULL, 0, "bad INTERNALDATE");
		g_free(in);
	}
}

/* The FETCH of RFC 3501's sample session, envelope and body. */
static void
test_fetch_envelope(void)
{
	static const char in[] =
	    "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 "
	    "-0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 "
	    "-0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry "
	    "Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
	    "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
	    "\"cac.washington.edu\")) ((NIL NIL \"imap\" "
	    "\"cac.washington.edu\")) ((NIL NIL \"minutes\" "
	    "\"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" "
	    "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
	    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	    "\"7BIT\" 3028 92))\r\n";
	struct imap_envelope *e;
	struct imap_fetch *f;
	struct imap_response *r;
	struct run run;

	r = one(&run, in);
	g_assert_cmpint(r->kind, ==, IMAP_RESP_FETCH);
	f = &r->u.fetch;
	g_assert_cmpuint(f->seq, ==, 12);
	g_assert_cmpuint(r->number, ==, 12);
	g_assert_cmpuint(f->present, ==,
	    IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
		IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY);
	g_assert_cmpuint(f->flags.bits, ==, IMAP_FLAG_SEEN);
	g_assert_cmpint((long long)f->internaldate, ==, 837596665);
	g_assert_cmpuint(f->rfc822_size, ==, 4286);
	e = f->envelope;
	g_assert_cmpstr(e->date, ==, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
	g_assert_cmpstr(e->subject, ==, "IMAP4rev1 WG mtg summary and minutes");
	g_assert_cmpuint(e->from.n, ==, 1);
	g_assert_cmpint(e->from.v[0].kind, ==, IMAP_ADDR_MAILBOX);
	g_assert_cmpstr(e->from.v[0].name, ==, "Terry Gray");
	g_assert_null(e->from.v[0].adl);
	g_assert_cmpstr(e->from.v[0].mailbox, ==, "gray");
	g_assert_cmpstr(e->from.v[0].host, ==, "cac.washington.edu");
	g_assert_cmpuint(e->sender.n, ==, 1);
	g_assert_cmpuint(e->reply_to.n, ==, 1);
	g_assert_cmpuint(e->to.n, ==, 1);
	g_assert_null(e->to.v[0].name);
	g_assert_cmpstr(e->to.v[0].mailbox, ==, "imap");
	g_assert_cmpuint(e->cc.n, ==, 2);
	g_assert_cmpstr(e->cc.v[1].name, ==, "John Klensin");
	g_assert_cmpstr(e->cc.v[1].host, ==, "MIT.EDU");
	g_assert_cmpuint(e->bcc.n, ==, 0);
	g_assert_null(e->in_reply_to);
	g_assert_cmpstr(
	    e->message_id, ==, "<B27397-0100000@cac.washington.edu>");
	g_assert_cmpstr(f->body->type, ==, "text");
	g_assert_cmpstr(f->body->subtype, ==, "plain");
	g_assert_cmpuint(f->body->params.n, ==, 1);
	g_assert_cmpstr(f->body->params.v[0].name, ==, "charset");
	g_assert_cmpstr(f->body->params.v[0].value, ==, "US-ASCII");
	g_assert_cmpstr(f->body->encoding, ==, "7bit");
	g_assert_cmpuint(f->body->size, ==, 3028);
	g_assert_cmpuint(f->body->lines, ==, 92);
	g_assert_false(f->body->has_ext);
	run_free(&run);
}

/* Group syntax (RFC 3501 7.4.2): start and end markers. */
static void
test_envelope_groups(void)
{
	struct imap_addrlist *to;
	struct imap_response *r;
	struct run run;

	r = one(&run,
	    "* 1 FETCH (ENVELOPE (NIL \"=?utf-8?q?Gr=C3=BC=C3=9Fe?=\" "
	    "NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)"
	    "(NIL NIL NIL NIL) (\"A\" \"@relay:\" \"a\" \"b.c\")) NIL "
	    "NIL \"<x@y>\" NIL))\r\n");
	to = &r->u.fetch.envelope->to;
	g_assert_cmpstr(
	    r->u.fetch.envelope->subject, ==, "=?utf-8?q?Gr=C3=BC=C3=9Fe?=");
	g_assert_cmpuint(to->n, ==, 3);
	g_assert_cmpint(to->v[0].kind, ==, IMAP_ADDR_GROUP_START);
	g_assert_cmpstr(to->v[0].mailbox, ==, "undisclosed-recipients");
	g_assert_cmpint(to->v[1].kind, ==, IMAP_ADDR_GROUP_END);
	g_assert_cmpint(to->v[2].kind, ==, IMAP_ADDR_MAILBOX);
	g_assert_cmpstr(to->v[2].adl, ==, "@relay:");
	g_assert_cmpstr(r->u.fetch.envelope->in_reply_to, ==, "<x@y>");
	g_assert_null(r->u.fetch.envelope->message_id);
	run_free(&run);
	EXPECT_ERROR("* 1 FETCH (ENVELOPE (NIL NIL () NIL NIL NIL NIL NIL NIL "
		     "NIL))\r\n",
	    NULL, 0, "expected '('");
}

/* Dovecot's BODYSTRUCTURE of multipart/mixed(alternative, attachment). */
static void
test_bodystructure_dovecot(void)
{
	static const char in[] =
	    "* 1 FETCH (UID 7 BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" "
	    "\"utf-8\") NIL NIL \"quoted-printable\" 236 8 NIL NIL NIL NIL)"
	    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
	    "\"quoted-printable\" 1072 22 NIL NIL NIL NIL) \"alternative\" "
	    "(\"boundary\" \"b2\") NIL NIL NIL)(\"application\" \"pdf\" "
	    "(\"name\" \"report.pdf\") NIL NIL \"base64\" 55008 NIL "
	    "(\"attachment\" (\"filename\" \"report.pdf\" \"size\" \"40200\")) "
	    "(\"en\" \"de\") \"http://x/y\") \"mixed\" (\"boundary\" \"b1\") "
	    "NIL NIL NIL))\r\n";
	struct imap_body *b, *alt, *pdf;
	struct imap_response *r;
	struct run run;

	r = one(&run, in);
	g_assert_cmpuint(r->u.fetch.uid, ==, 7);
	g_assert_true(r->u.fetch.present & IMAP_FETCH_BODYSTRUCTURE);
	b = r->u.fetch.body;
	g_assert_cmpstr(b->type, ==, "multipart");
	g_assert_cmpstr(b->subtype, ==, "mixed");
	g_assert_cmpuint(b->nparts, ==, 2);
	g_assert_true(b->has_ext);
	g_assert_cmpstr(b->params.v[0].name, ==, "boundary");
	g_assert_cmpstr(b->params.v[0].value, ==, "b1");
	alt = b->parts[0];
	g_assert_cmpstr(alt->subtype, ==, "alternative");
	g_assert_cmpuint(alt->nparts, ==, 2);
	g_assert_cmpstr(alt->parts[0]->subtype, ==, "plain");
	g_assert_cmpuint(alt->parts[0]->size, ==, 236);
	g_assert_cmpuint(alt->parts[0]->lines, ==, 8);
	g_assert_cmpstr(alt->parts[0]->encoding, ==, "quoted-printable");
	g_assert_cmpstr(alt->parts[1]->subtype, ==, "html");
	g_assert_cmpuint(alt->parts[1]->lines, ==, 22);
	pdf = b->parts[1];
	g_assert_cmpstr(pdf->type, ==, "application");
	g_assert_cmpstr(pdf->subtype, ==, "pdf");
	g_assert_cmpuint(pdf->size, ==, 55008);
	g_assert_null(pdf->md5);
	g_assert_cmpstr(pdf->disposition, ==, "attachment");
	g_assert_cmpuint(pdf->disposition_params.n, ==, 2);
	g_assert_cmpstr(pdf->disposition_params.v[0].value, ==, "report.pdf");
	g_assert_cmpuint(pdf->language.n, ==, 2);
	g_assert_cmpstr(pdf->language.v[1], ==, "de");
	g_assert_cmpstr(pdf->location, ==, "http://x/y");
	run_free(&run);
}

/* message/rfc822 parts carry an envelope, a body and a line count. */
static void
test_body_message(void)
{
	static const char in[] =
	    "* 2 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL "
	    "\"7BIT\" "
	    "10 1 NIL (\"INLINE\" NIL) \"EN\" NIL (\"x\" 1) {2}\r\nzz)"
	    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 600 (NIL \"Fwd\" NIL "
	    "NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" (\"CHARSET\" "
	    "\"us-ascii\") NIL NIL \"8BIT\" 100 4) 20) \"MIXED\"))\r\n";
	struct imap_body *b, *m;
	struct imap_response *r;
	struct run run;

	r = one(&run, in);
	b = r->u.fetch.body;
	g_assert_cmpuint(b->nparts, ==, 2);
	g_assert_false(b->has_ext);
	g_assert_cmpstr(b->parts[0]->disposition, ==, "inline");
	g_assert_cmpuint(b->parts[0]->language.n, ==, 1);
	g_assert_cmpstr(b->parts[0]->language.v[0], ==, "EN");
	m = b->parts[1];
	g_assert_cmpstr(m->type, ==, "message");
	g_assert_cmpstr(m->subtype, ==, "rfc822");
	g_assert_nonnull(m->envelope);
	g_assert_cmpstr(m->envelope->subject, ==, "Fwd");
	g_assert_nonnull(m->msg);
	g_assert_cmpstr(m->msg->subtype, ==, "plain");
	g_assert_cmpuint(m->msg->size, ==, 100);
	g_assert_cmpuint(m->lines, ==, 20);
	run_free(&run);

	/* A message/rfc822 sent as a basic part (no envelope) is accepted. */
	r = one(&run,
	    "* 2 FETCH (BODY (\"message\" \"rfc822\" NIL NIL NIL "
	    "\"7bit\" 600))\r\n");
	g_assert_null(r->u.fetch.body->envelope);
	g_assert_cmpuint(r->u.fetch.body->size, ==, 600);
	run_free(&run);

	EXPECT_ERROR("* 2 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" "
		     "600))\r\n",
	    NULL, 0, "expected a space");
}

static void
test_sections(void)
{
	static const char in[] =
	    "* 4 FETCH (UID 9 BODY[HEADER.FIELDS (FROM Subject)] {25}\r\n"
	    "From: a@b\r\nSubject: x\r\n\r\n BODY[]<0> {4}\r\nabcd "
	    "BODY[1.2.MIME] \"Content-Type: text/plain\" BODY[2.TEXT] NIL "
	    "BODY[3] \"\" BODY[HEADER.FIELDS.NOT (Received)] {0}\r\n "
	    "RFC822.HEADER {2}\r\n\r\n RFC822.TEXT NIL RFC822 \"x\" "
	    "BODY[TEXT]<1024> \"y\" BODY[1.HEADER] NIL)\r\n";
	struct imap_section *s;
	struct imap_response *r;
	struct run run;

	r = one(&run, in);
	g_assert_cmpuint(r->u.fetch.nsections, ==, 11);
	s = r->u.fetch.sections;
	g_assert_cmpint(s[0].kind, ==, IMAP_SECTION_BODY);
	g_assert_cmpstr(s[0].spec, ==, "HEADER.FIELDS (FROM Subject)");
	g_assert_cmpint(s[0].text, ==, IMAP_TEXT_HEADER_FIELDS);
	g_assert_cmpuint(s[0].fields.n, ==, 2);
	g_assert_cmpstr(s[0].fields.v[1], ==, "Subject");
	g_assert_cmpuint(s[0].len, ==, 25);
	g_assert_cmpstr(s[0].data, ==, "From: a@b\r\nSubject: x\r\n\r\n");
	g_assert_cmpstr(s[1].spec, ==, "");
	g_assert_true(s[1].has_origin);
	g_assert_cmpuint(s[1].origin, ==, 0);
	g_assert_cmpstr(s[1].data, ==, "abcd");
	g_assert_cmpstr(s[2].spec, ==, "1.2.MIME");
	g_assert_cmpuint(s[2].npart, ==, 2);
	g_assert_cmpuint(s[2].part[1], ==, 2);
	g_assert_cmpint(s[2].text, ==, IMAP_TEXT_MIME);
	g_assert_cmpstr(s[3].spec, ==, "2.TEXT");
	g_assert_null(s[3].data);
	g_assert_cmpstr(s[4].spec, ==, "3");
	g_assert_cmpint(s[4].text, ==, IMAP_TEXT_NONE);
	g_assert_cmpstr(s[4].data, ==, "");
	g_assert_cmpstr(s[5].spec, ==, "HEADER.FIELDS.NOT (Received)");
	g_assert_cmpint(s[5].text, ==, IMAP_TEXT_HEADER_FIELDS_NOT);
	g_assert_cmpuint(s[5].len, ==, 0);
	g_assert_cmpint(s[6].kind, ==, IMAP_SECTION_RFC822_HEADER);
	g_assert_cmpstr(s[6].data, ==, "\r\n");
	g_assert_cmpint(s[7].kind, ==, IMAP_SECTION_RFC822_TEXT);
	g_assert_null(s[7].data);
	g_assert_cmpint(s[8].kind, ==, IMAP_SECTION_RFC822);
	g_assert_cmpstr(s[9].spec, ==, "TEXT");
	g_assert_cmpuint(s[9].origin, ==, 1024);
	g_assert_cmpstr(s[10].spec, ==, "1.HEADER");
	run_free(&run);

	/* Keywords are case-insensitive; the spec is canonical. */
	r = one(&run, "* 1 FETCH (BODY.PEEK[header.fields (to)] NIL)\r\n");
	g_assert_cmpstr(r->u.fetch.sections[0].spec, ==, "HEADER.FIELDS (to)");
	run_free(&run);

	EXPECT_ERROR(
	    "* 1 FETCH (BODY[MIME] NIL)\r\n", NULL, 0, "unknown section");
	EXPECT_ERROR(
	    "* 1 FETCH (BODY[FOO] NIL)\r\n", NULL, 0, "unknown section");
	EXPECT_ERROR(
	    "* 1 FETCH (BODY[1.0] NIL)\r\n", NULL, 0, "must not be zero");
	EXPECT_ERROR("* 1 FETCH (BODY[1] x)\r\n", NULL, 0, "expected a string");
	EXPECT_ERROR(
	    "* 1 FETCH (BODY[1]<x> NIL)\r\n", NULL, 0, "expected origin");
}

/* CONDSTORE/QRESYNC FETCH (RFC 7162) and unknown items. */
static void
test_fetch_misc(void)
{
	struct imap_fetch *f;
	struct imap_response *r;
	struct run run;

	r = one(&run, "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))\r\n");
	f = &r->u.fetch;
	g_assert_cmpuint(f->present, ==,
	    IMAP_FETCH_UID | IMAP_FETCH_MODSEQ | IMAP_FETCH_FLAGS);
	g_assert_cmpuint(f->modseq, ==, 65402);
	run_free(&run);

	r = one(&run, "* 50 FETCH (MODSEQ (12111230047))\r\n");
	g_assert_cmpuint(r->u.fetch.modseq, ==, 12111230047ull);
	run_free(&run);

	/* Gmail and RFC 8474 items this parser does not type. */
	r = one(&run,
	    "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID "
	    "1278455344230334865 X-GM-LABELS (\\Inbox \\Sent "
	    "Important \"Muy Importante\") EMAILID (M6d99ac3275bb4e) "
	    "X-ODD[1]<2> {3}\r\nabc UID 3)\r\n");
	g_assert_cmpuint(r->u.fetch.present, ==, IMAP_FETCH_UID);
	g_assert_cmpuint(r->u.fetch.uid, ==, 3);
	run_free(&run);

	/* Empty, and a trailing space before ")". */
	r = one(&run, "* 7 FETCH ()\r\n");
	g_assert_cmpuint(r->u.fetch.present, ==, 0);
	run_free(&run);
	r = one(&run, "* 7 FETCH (FLAGS (\\Seen \\Deleted) )\r\n");
	g_assert_cmpuint(
	    r->u.fetch.flags.bits, ==, IMAP_FLAG_SEEN | IMAP_FLAG_DELETED);
	run_free(&run);

	/* A repeated item: the last one counts. */
	r = one(&run, "* 7 FETCH (FLAGS (\\Seen) FLAGS ())\r\n");
	g_assert_cmpuint(r->u.fetch.flags.all.n, ==, 0);
	g_assert_cmpuint(r->u.fetch.flags.bits, ==, 0);
	run_free(&run);

	EXPECT_ERROR(
	    "* 7 FETCH (UID 1 ( 2))\r\n", NULL, 0, "expected a FETCH item");
	EXPECT_ERROR("* 7 FETCH UID 1\r\n", NULL, 0, "expected '('");
}

/* ------------------------------------------------ whole transcripts */

/* The server side of RFC 3501 section 8. */
static void
test_rfc3501_session(void)
{
	static const char header[] =
	    "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
	    "From: Terry Gray <gray@cac.washington.edu>\r\n"
	    "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
	    "To: imap@cac.washington.edu\r\n"
	    "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
	    "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
	    "\r\n";
	static const enum imap_resp_kind kinds[] = { IMAP_RESP_STATUS,
		IMAP_RESP_STATUS, IMAP_RESP_EXISTS, IMAP_RESP_FLAGS,
		IMAP_RESP_RECENT, IMAP_RESP_STATUS, IMAP_RESP_STATUS,
		IMAP_RESP_STATUS, IMAP_RESP_FETCH, IMAP_RESP_STATUS,
		IMAP_RESP_FETCH, IMAP_RESP_STATUS, IMAP_RESP_FETCH,
		IMAP_RESP_STATUS, IMAP_RESP_STATUS, IMAP_RESP_STATUS };
	struct imap_response *r;
	struct run run;
	char *in;
	size_t i;

	in = g_strdup_printf(
	    "* OK IMAP4rev1 Service Ready\r\n"
	    "a001 OK LOGIN completed\r\n"
	    "* 18 EXISTS\r\n"
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
	    "* 2 RECENT\r\n"
	    "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
	    "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
	    "a002 OK [READ-WRITE] SELECT completed\r\n"
	    "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 "
	    "-0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 "
	    "-0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry "
	    "Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
	    "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
	    "\"cac.washington.edu\")) ((NIL NIL \"imap\" "
	    "\"cac.washington.edu\")) ((NIL NIL \"minutes\" "
	    "\"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" "
	    "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
	    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
	    "\"7BIT\" 3028 92))\r\n"
	    "a003 OK FETCH completed\r\n"
	    "* 12 FETCH (BODY[HEADER] {%zu}\r\n%s)\r\n"
	    "a004 OK FETCH completed\r\n"
	    "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
	    "a005 OK +FLAGS completed\r\n"
	    "* BYE IMAP4rev1 server terminating connection\r\n"
	    "a006 OK LOGOUT completed\r\n",
	    strlen(header), header);
	run = parse(in);
	g_assert_null(run.err);
	g_assert_cmpuint(run.r->len, ==, G_N_ELEMENTS(kinds));
	for (i = 0; i < G_N_ELEMENTS(kinds); i++) {
		r = run.r->pdata[i];
		g_assert_cmpint(r->kind, ==, kinds[i]);
	}
	r = run.r->pdata[7];
	g_assert_cmpstr(r->tag, ==, "a002");
	g_assert_cmpint(r->code.kind, ==, IMAP_CODE_READ_WRITE);
	r = run.r->pdata[10];
	g_assert_cmpuint(r->u.fetch.nsections, ==, 1);
	g_assert_cmpint(r->u.fetch.sections[0].text, ==, IMAP_TEXT_HEADER);
	g_assert_cmpstr(r->u.fetch.sections[0].data, ==, header);
	r = run.r->pdata[12];
	g_assert_cmpuint(
	    r->u.fetch.flags.bits, ==, IMAP_FLAG_SEEN | IMAP_FLAG_DELETED);
	r = run.r->pdata[14];
	g_assert_cmpint(r->status, ==, IMAP_STATUS_BYE);
	run_free(&run);
	g_free(in);
}

/* ---------------------------------------------------------- unknown */

static void
test_unknown(void)
{
	static const char meta[] = "\"INBOX\" (/private/comment {3}\r\na\0c)";
	struct imap_response *r;
	struct run run;

	r = one(&run, "* QUOTA \"\" (STORAGE 10 512)\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_UNKNOWN);
	g_assert_cmpstr(r->u.unknown.name, ==, "QUOTA");
	g_assert_cmpstr(r->u.unknown.raw, ==, "\"\" (STORAGE 10 512)");
	run_free(&run);

	/* Literals are put back inline, even with a NUL in them. */
	run = PARSE_LIM(
	    "* METADATA \"INBOX\" (/private/comment {3}\r\na\0c)\r\n", NULL);
	g_assert_null(run.err);
	r = run.r->pdata[0];
	g_assert_cmpuint(r->u.unknown.rawlen, ==, sizeof(meta) - 1);
	g_assert_true(memcmp(r->u.unknown.raw, meta, sizeof(meta) - 1) == 0);
	run_free(&run);

	r = one(&run, "* 3 XFOO unbalanced ( )) \"\r\n");
	g_assert_cmpint(r->kind, ==, IMAP_RESP_UNKNOWN);
	g_assert_cmpuint(r->number, ==, 3);
	g_assert_cmpstr(r->u.unknown.name, ==, "XFOO");
	g_assert_cmpstr(r->u.unknown.raw, ==, "unbalanced ( )) \"");
	run_free(&run);

	r = one(&run, "* THREAD\r\n");
	g_assert_cmpstr(r->u.unknown.raw, ==, "");
	run_free(&run);
}

/* The dump is one line of printable ASCII, whatever the server sent. */
static void
test_dump(void)
{
	static const char in[] = "* 1 FETCH (BODY[] {5}\r\n\0\x1b[2J)\r\n";
	struct run run = parse_n(in, sizeof(in) - 1);
	char *d;
	size_t i;

	g_assert_null(run.err);
	d = imap_response_dump(run.r->pdata[0]);
	for (i = 0; d[i] != '\0'; i++)
		g_assert_true(d[i] >= 0x20 && d[i] < 0x7f);
	g_assert_nonnull(strstr(d, "\"\\x00\\x1b[2J\""));
	free(d);
	run_free(&run);
	g_assert_cmpstr(
	    imap_resp_kind_name(IMAP_RESP_VANISHED), ==, "VANISHED");
	g_assert_cmpstr(imap_status_name(IMAP_STATUS_PREAUTH), ==, "PREAUTH");
}

/* A caller may take a large section's buffer for itself. */
static void
test_take_data(void)
{
	static const char in[] = "* 1 FETCH (BODY[] {5}\r\nhello)\r\n";
	struct imap_parser *p = imap_parser_new(NULL);
	struct imap_response *r;
	char *data;

	g_assert_cmpint(imap_parser_feed(p, in, sizeof(in) - 1), ==, 0);
	r = imap_parser_next(p);
	data = r->u.fetch.sections[0].data;
	r->u.fetch.sections[0].data = NULL;
	imap_response_free(r);
	g_assert_cmpstr(data, ==, "hello");
	free(data);
	imap_parser_free(p);
}

/* Big answers: a long SEARCH and a 1 MiB body, at linear cost. */
static void
test_large(void)
{
	GString *s = g_string_new("* SEARCH");
	struct imap_response *r;
	struct run run;
	guint i;

	for (i = 1; i <= 100000; i++)
		g_string_append_printf(s, " %u", i);
	g_string_append(s, "\r\n* 1 FETCH (UID 5 BODY[] {1048576}\r\n");
	for (i = 0; i < 1048576; i++)
		g_string_append_c(s, (char)('a' + i % 26));
	g_string_append(s, ")\r\n");
	run = parse_n(s->str, s->len);
	g_assert_null(run.err);
	g_assert_cmpuint(run.r->len, ==, 2);
	r = run.r->pdata[0];
	g_assert_cmpuint(r->u.search.n, ==, 100000);
	g_assert_cmpuint(r->u.search.v[99999], ==, 100000);
	r = run.r->pdata[1];
	g_assert_cmpuint(r->u.fetch.sections[0].len, ==, 1048576);
	g_assert_cmpint(
	    r->u.fetch.sections[0].data[1048575], ==, 'a' + 1048575 % 26);
	run_free(&run);
	g_string_free(s, TRUE);
}

/* Responses not taken are freed with the parser (checked under ASan). */
static void
test_free_pending(void)
{
	static const char in[] = "* 1 EXISTS\r\n* 2 FETCH (BODY[] {2}\r\nab)"
				 "\r\n* 3 FETCH (BODY[] {9}\r\nabc";
	struct imap_parser *p = imap_parser_new(NULL);

	g_assert_cmpint(imap_parser_feed(p, in, sizeof(in) - 1), ==, 0);
	g_assert_cmpuint(imap_parser_buffered(p), ==, 26);
	imap_parser_free(p);
}

/* --------------------------------------------------- modified UTF-7 */

static void
test_utf7_decode(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "", "" },
		{ "INBOX", "INBOX" },
		{ "&-", "&" },
		{ "R&-D", "R&D" },
		{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		    "~peter/mail/台北/日本語" },
		{ "&AOk-t&AOk-", "été" },
		{ "&AOkA6Q-", "éé" },
		{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
		{ "&AAE-", "\x01" },
		{ "Entw&APw-rfe", "Entwürfe" },
	};
	static const char *const bad[] = { "&", "&AOk", "&AO-", "&A-",
		"&AOk-&AOk-", "&AGE-", "&ACY-", "&AAA-", "&2D0-", "&3gA-",
		"&2D3YPQ-", "a\x01", "caf\xc3\xa9", "&AOl-", "&AO!-", "&AOkA-",
		"&/w-" };
	char *out, *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		out = imap_utf7_decode(good[i].in, &err);
		if (out == NULL)
			g_error("%s: %s", good[i].in, err);
		g_assert_cmpstr(out, ==, good[i].out);
		free(out);
		/* And back again, to the very same bytes. */
		out = imap_utf7_encode(good[i].out, &err);
		g_assert_nonnull(out);
		g_assert_cmpstr(out, ==, good[i].in);
		free(out);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		err = NULL;
		out = imap_utf7_decode(bad[i], &err);
		if (out != NULL)
			g_error("\"%s\" decoded to \"%s\"", bad[i], out);
		g_assert_nonnull(err);
		g_assert_nonnull(strstr(err, "invalid modified UTF-7 name"));
		free(err);
		g_assert_null(imap_utf7_decode(bad[i], NULL));
	}
}

static void
test_utf7_encode(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "a\tb", "a&AAk-b" },
		{ "tab\t", "tab&AAk-" },
		{ "日本語/x", "&ZeVnLIqe-/x" },
		{ "&&", "&-&-" },
	};
	static const char *const bad[] = { "caf\xe9", "\xc0\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe6\x97" };
	char *out, *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		out = imap_utf7_encode(good[i].in, &err);
		g_assert_cmpstr(out, ==, good[i].out);
		free(out);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		err = NULL;
		g_assert_null(imap_utf7_encode(bad[i], &err));
		g_assert_nonnull(strstr(err, "not valid UTF-8"));
		free(err);
	}
	g_assert_true(imap_utf7_is_utf8("", 0));
	g_assert_true(imap_utf7_is_utf8("a\0b", 3));
	g_assert_true(imap_utf7_is_utf8("日本", 6));
	g_assert_false(imap_utf7_is_utf8("日本", 5));
	g_assert_false(imap_utf7_is_utf8("\xc1\x81", 2));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/imap_parse/empty", test_empty);
	g_test_add_func("/imap_parse/odd_lines", test_odd_lines);
	g_test_add_func("/imap_parse/bare_lf", test_bare_lf);
	g_test_add_func("/imap_parse/nul", test_nul);
	g_test_add_func("/imap_parse/quoted", test_quoted);
	g_test_add_func("/imap_parse/literal_split", test_literal_split);
	g_test_add_func("/imap_parse/literal_bytes", test_literal_bytes);
	g_test_add_func("/imap_parse/literal8", test_literal8);
	g_test_add_func("/imap_parse/limits", test_limits);
	g_test_add_func("/imap_parse/numbers", test_numbers);
	g_test_add_func("/imap_parse/missing_paren", test_missing_paren);
	g_test_add_func("/imap_parse/greeting", test_greeting);
	g_test_add_func("/imap_parse/tagged", test_tagged);
	g_test_add_func("/imap_parse/codes", test_codes);
	g_test_add_func("/imap_parse/uid_codes", test_uid_codes);
	g_test_add_func("/imap_parse/continue", test_continue);
	g_test_add_func("/imap_parse/capability", test_capability);
	g_test_add_func("/imap_parse/list", test_list);
	g_test_add_func("/imap_parse/list_extended", test_list_extended);
	g_test_add_func("/imap_parse/list_utf8_mode", test_list_utf8_mode);
	g_test_add_func("/imap_parse/status", test_status);
	g_test_add_func("/imap_parse/flags_and_counts", test_flags_and_counts);
	g_test_add_func("/imap_parse/search", test_search);
	g_test_add_func("/imap_parse/esearch", test_esearch);
	g_test_add_func("/imap_parse/vanished", test_vanished);
	g_test_add_func("/imap_parse/id", test_id);
	g_test_add_func("/imap_parse/namespace", test_namespace);
	g_test_add_func("/imap_parse/internaldate", test_internaldate);
	g_test_add_func("/imap_parse/fetch_envelope", test_fetch_envelope);
	g_test_add_func("/imap_parse/envelope_groups", test_envelope_groups);
	g_test_add_func(
	    "/imap_parse/bodystructure_dovecot", test_bodystructure_dovecot);
	g_test_add_func("/imap_parse/body_message", test_body_message);
	g_test_add_func("/imap_parse/sections", test_sections);
	g_test_add_func("/imap_parse/fetch_misc", test_fetch_misc);
	g_test_add_func("/imap_parse/rfc3501_session", test_rfc3501_session);
	g_test_add_func("/imap_parse/unknown", test_unknown);
	g_test_add_func("/imap_parse/dump", test_dump);
	g_test_add_func("/imap_parse/take_data", test_take_data);
	g_test_add_func("/imap_parse/free_pending", test_free_pending);
	g_test_add_func("/imap_parse/large", test_large);
	g_test_add_func("/imap_utf7/decode", test_utf7_decode);
	g_test_add_func("/imap_utf7/encode", test_utf7_encode);
	return g_test_run();
}
