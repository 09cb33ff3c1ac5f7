/*
 * test_charset.c - text in any declared charset as UTF-8 (src/charset.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/charset.h"

/* The fallback chain: declared, then UTF-8, then windows-1252. */
static void
test_chain(void)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		const char *cs;
		const char *want;
	} cases[] = {
		{ "", 0, NULL, "" },
		{ "", 0, "utf-8", "" },
		{ "plain", 0, NULL, "plain" },
		{ "plain", 0, "x-bogus", "plain" },
		/* NUL bytes never reach a C string */
		{ "a\0b", 3, "us-ascii",
		    "a\xef\xbf\xbd"
		    "b" },
		{ "a\0b", 3, "iso-8859-1",
		    "a\xef\xbf\xbd"
		    "b" },
		/* declared charsets that convert cleanly */
		{ "caf\xe9", 0, "iso-8859-1", "café" },
		{ "caf\xe9", 0, "ISO_8859-1", "café" },
		{ "caf\xe9", 0, "latin1", "café" },
		{ "\x80 5", 0, "iso-8859-15", "\xc2\x80 5" },
		{ "\xa4 5", 0, "iso-8859-15", "€ 5" },
		{ "\x93q\x94", 0, "windows-1252", "“q”" },
		{ "\xf0\xd2\xc9\xd7\xc5\xd4", 0, "koi8-r", "Привет" },
		{ "\x1b$B$3$s$K$A$O\x1b(B", 0, "iso-2022-jp", "こんにちは" },
		{ "\x82\xb1\x82\xf1", 0, "shift_jis", "こん" },
		{ "\xfe\xff\x00h\x00i", 6, "utf-16", "hi" },
		/* Latin-1 is read as windows-1252, as browsers do */
		{ "\x93q\x94", 0, "iso-8859-1", "“q”" },
		/* lying labels: UTF-8 bytes called ASCII or Latin-1 */
		{ "caf\xc3\xa9", 0, "us-ascii", "café" },
		{ "caf\xc3\xa9", 0, "iso-8859-1", "café" },
		/* UTF-8 label on windows-1252 bytes */
		{ "caf\xe9 \x93q\x94", 0, "utf-8", "café “q”" },
		/* unknown charsets: UTF-8 if it is, else windows-1252 */
		{ "caf\xc3\xa9", 0, "x-no-such", "café" },
		{ "caf\xe9", 0, "x-no-such", "café" },
		{ "caf\xe9", 0, NULL, "café" },
		/* windows-1252 holes become (visible) C1 characters */
		{ "\x81", 0, NULL, "\xc2\x81" },
		/* one bad byte in long UTF-8 stays UTF-8, the byte U+FFFD */
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e aus K\xc3\xb6ln, sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f"
		  "e, \xff"
		  "and more text to make the bad byte rare enough",
		    0, "utf-8",
		    "Grüße aus Köln, schöne Grüße, \xef\xbf\xbd"
		    "and more text to make the bad byte rare enough" },
	};
	size_t i, n;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		char *got = charset_to_utf8(cases[i].in, len, cases[i].cs, &n);

		if (strcmp(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		g_assert_cmpuint(n, ==, strlen(got));
		free(got);
	}
}

/* A known charset with a few bad bytes keeps its reading. */
static void
test_few_bad_bytes(void)
{
	GString *in = g_string_new(NULL), *want = g_string_new(NULL);
	char *got;
	int i;

	for (i = 0; i < 20; i++) {
		g_string_append(in, "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd");
		g_string_append(want, "こんにちは");
	}
	g_string_append(in, "\x82"); /* cut in the middle of a character */
	g_string_append(want, "\xef\xbf\xbd");
	got = charset_to_utf8(in->str, in->len, "shift_jis", NULL);
	g_assert_cmpstr(got, ==, want->str);
	free(got);
	/* Many bad bytes: not Shift_JIS after all, windows-1252 reads it. */
	got = charset_to_utf8("\xff\xfd\xff\xfd", 4, "shift_jis", NULL);
	g_assert_cmpstr(got, ==, "ÿýÿý");
	free(got);
	g_string_free(in, TRUE);
	g_string_free(want, TRUE);
}

/* Whatever the bytes and the label, the result is valid UTF-8. */
static void
test_always_utf8(void)
{
	static const char *const labels[] = { NULL, "utf-8", "us-ascii",
		"iso-8859-1", "shift_jis", "iso-2022-jp", "utf-16", "utf-7",
		"x-bogus", "",
		"averyveryveryveryveryveryveryveryveryveryvery"
		"veryveryverylongname" };
	char in[600];
	size_t i, j, n;

	for (i = 0; i < sizeof in; i++)
		in[i] = (char)(i * 37 + 11);
	for (j = 0; j < G_N_ELEMENTS(labels); j++) {
		char *got = charset_to_utf8(in, sizeof in, labels[j], &n);

		g_assert_true(g_utf8_validate(got, n, NULL));
		g_assert_cmpuint(strlen(got), ==, n);
		free(got);
	}
}

static void
test_known(void)
{
	g_assert_false(charset_known(NULL));
	g_assert_false(charset_known(""));
	g_assert_false(charset_known("x-no-such-charset"));
	g_assert_true(charset_known("UTF-8"));
	g_assert_true(charset_known("latin1"));
	g_assert_true(charset_known("koi8-r"));
}

static void
test_from_utf8(void)
{
	char *s = charset_from_utf8("café 王", "ISO-8859-1");

	g_assert_cmpstr(s, ==, "caf\xe9 ?");
	free(s);
	s = charset_from_utf8("café", "UTF-8");
	g_assert_cmpstr(s, ==, "café");
	free(s);
	s = charset_from_utf8("café", NULL);
	g_assert_cmpstr(s, ==, "café");
	free(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/charset/chain", test_chain);
	g_test_add_func("/charset/few-bad-bytes", test_few_bad_bytes);
	g_test_add_func("/charset/always-utf8", test_always_utf8);
	g_test_add_func("/charset/known", test_known);
	g_test_add_func("/charset/from-utf8", test_from_utf8);
	return g_test_run();
}
