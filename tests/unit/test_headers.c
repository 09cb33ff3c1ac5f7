/*
 * test_headers.c - header blocks into summary fields (src/headers.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/headers.h"
#include "model/summary.h"

static void
test_length(void)
{
	static const struct {
		const char *data;
		size_t want;
	} cases[] = {
		{ "", 0 },
		{ "\n", 1 }, /* no blank line: all of it */
		{ "A: b\n\nbody", 6 },
		{ "A: b\r\n\r\nbody", 8 },
		{ "A: b\nC: d\n", 10 },
		{ "A: b\n\n", 6 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpuint(
		    headers_length(cases[i].data, strlen(cases[i].data)), ==,
		    cases[i].want);
}

static void
test_empty(void)
{
	struct summary s = { 0 };

	headers_parse("", 0, &s);
	g_assert_null(s.from);
	g_assert_null(s.subject);
	g_assert_cmpint(s.date, ==, 0);
	headers_parse("no colon here\n\nbody: x\n", 23, &s);
	g_assert_null(s.subject);
	summary_clear(&s);
}

static void
test_fields(void)
{
	const char *msg =
	    "Return-Path: <x@example.com>\r\n"
	    "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\r\n"
	    "To: Alice Example <alice@example.com>,\r\n"
	    "  bob@example.org\r\n"
	    "Cc: =?UTF-8?B?546L5Lyf?= <wang@example.cn>\r\n"
	    "Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus\r\n"
	    " =?utf-8?b?xb1pbGluYQ==?=\r\n"
	    "Date: Tue, 02 Jan 2024 10:00:00 +0100\r\n"
	    "Message-ID: <abc@example.de>\r\n"
	    "In-Reply-To: <parent@example.com> (comment)\r\n"
	    "References: <root@example.com>\r\n"
	    "\t<parent@example.com>\r\n"
	    "Content-Type: multipart/mixed; boundary=x\r\n"
	    "Subject: second subject is ignored\r\n"
	    "\r\n"
	    "From: not a header\r\n";
	struct summary s = { 0 };

	headers_parse(msg, strlen(msg), &s);
	g_assert_cmpstr(s.from, ==, "Jürgen Müller <juergen@example.de>");
	g_assert_cmpstr(
	    s.to, ==, "Alice Example <alice@example.com>, bob@example.org");
	g_assert_cmpstr(s.cc, ==, "王伟 <wang@example.cn>");
	g_assert_cmpstr(s.subject, ==, "Grüße aus Žilina");
	g_assert_cmpint(s.date, ==, 1704186000);
	g_assert_cmpstr(s.message_id, ==, "abc@example.de");
	g_assert_cmpstr(s.in_reply_to, ==, "parent@example.com");
	g_assert_cmpstr(
	    s.references, ==, "root@example.com parent@example.com");
	g_assert_true(s.has_attachment);
	summary_clear(&s);
}

/* Broken encodings are shown as they are, never as an empty field. */
static void
test_broken(void)
{
	static const struct {
		const char *hdr;
		const char *subject;
	} cases[] = {
		{ "Subject: =?utf-8?b?!!!notbase64?=\n\n", NULL },
		{ "Subject: =?bogus-charset?q?abc?=\n\n", "abc" },
		{ "Subject: plain\n\n", "plain" },
		{ "Subject:\n\n", "" },
	};
	struct summary s = { 0 };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		headers_parse(cases[i].hdr, strlen(cases[i].hdr), &s);
		g_assert_nonnull(s.subject);
		if (cases[i].subject != NULL)
			g_assert_cmpstr(s.subject, ==, cases[i].subject);
		else
			g_assert_cmpuint(strlen(s.subject), >, 0);
	}
	summary_clear(&s);
}

/* An endless header block is bounded. */
static void
test_bounded(void)
{
	GString *g = g_string_new("Subject: x\n");
	struct summary s = { 0 };

	while (g->len < 2 * HEADERS_MAX)
		g_string_append(g, " continuation line of the subject\n");
	headers_parse(g->str, g->len, &s);
	g_assert_nonnull(s.subject);
	g_assert_cmpuint(strlen(s.subject), <=, HEADERS_MAX);
	summary_clear(&s);
	g_string_free(g, TRUE);
}

/* RFC 2047: what decodes, what is kept as it is, never empty. */
static void
test_decode_text(void)
{
	static const struct {
		const char *raw, *want;
	} cases[] = {
		{ "", "" },
		{ "  plain  ", "plain" },
		{ "=?utf-8?Q?caf=C3=A9?=", "café" },
		{ "=?UTF-8?q?a_b?=", "a b" },
		{ "=?iso-8859-1?B?Y2Fm6Q==?=", "café" },
		/* white space between words goes, around them stays */
		{ "=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab" },
		{ "x =?utf-8?Q?a?= y", "x a y" },
		{ "=?utf-8?Q?a?=\r\n =?utf-8?Q?b?=", "ab" },
		/* a character split between words, across a fold */
		{ "=?utf-8?B?4oI=?=\n =?utf-8?B?rA==?=", "€" },
		{ "=?utf-8?Q?=E2=82?= =?utf-8?Q?=AC?=", "€" },
		/* each word decodes on its own: padding inside is fine */
		{ "=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=", "éé" },
		{ "=?utf-8?B?w6k?=", "é" },
		/* mixed charsets */
		{ "=?iso-8859-1?Q?=E9?= =?koi8-r?B?8A==?=", "éП" },
		/* invalid: kept as written */
		{ "=?utf-8?B?!!!?=", "=?utf-8?B?!!!?=" },
		{ "=?utf-8?B?A?=", "=?utf-8?B?A?=" },
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" },
		{ "=?utf-8?Q?no end", "=?utf-8?Q?no end" },
		{ "=?"
		  "?Q?x?=",
		    "=?"
		    "?Q?x?=" },
		{ "=?utf-8?Q?sp ace?=", "=?utf-8?Q?sp ace?=" },
		/* valid but empty: the raw text is shown instead */
		{ "=?utf-8?B?"
		  "?=",
		    "=?utf-8?B?"
		    "?=" },
		/* unknown charset: the fallback chain */
		{ "=?x-bogus?Q?caf=C3=A9?=", "café" },
		{ "=?x-bogus?Q?caf=E9?=", "café" },
		/* RFC 2231 language suffix */
		{ "=?utf-8*de?Q?Gr=C3=BC=C3=9Fe?=", "Grüße" },
		/* unencoded 8-bit */
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e",
		    "Grüße" },
		{ "caf\xe9", "café" },
		/* controls are left for the sanitiser, NUL never cuts */
		{ "=?utf-8?Q?a=1Bb?=",
		    "a\x1b"
		    "b" },
		{ "=?utf-8?B?YQBi?=",
		    "a\xef\xbf\xbd"
		    "b" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = headers_decode_text(cases[i].raw);

		if (strcmp(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		free(got);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/headers/length", test_length);
	g_test_add_func("/headers/empty", test_empty);
	g_test_add_func("/headers/fields", test_fields);
	g_test_add_func("/headers/broken", test_broken);
	g_test_add_func("/headers/bounded", test_bounded);
	g_test_add_func("/headers/decode-text", test_decode_text);
	return g_test_run();
}
