/*
 * test_sanitize.c - the gate before the screen (src/sanitize.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/sanitize.h"

static void
test_cases(void)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		int flags;
		const char *want;
	} cases[] = {
		{ "", 0, 0, "" },
		{ "plain text", 0, 0, "plain text" },
		{ "a\tb", 0, 0, "a b" },
		{ "a\tb", 0, SANITIZE_KEEP_TABS, "a\tb" },
		{ "\x1b[31mred\x1b[0m", 0, 0, "^[[31mred^[[0m" },
		/* OSC 52 clipboard write and OSC 8 hyperlink */
		{ "\x1b]52;c;ZXZpbA==\x07", 0, 0, "^[]52;c;ZXZpbA==^G" },
		{ "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", 0, 0,
		    "^[]8;;http://evil^[\\x^[]8;;^[\\" },
		{ "del\x7f", 0, 0, "del^?" },
		{ "cr\rlf\n", 0, 0, "cr^Mlf^J" },
		{ "nul\0x", 5, 0, "nul^@x" },
		/* C1 controls encoded as UTF-8 (U+009B is CSI) */
		{ "\xc2\x9b"
		  "31m",
		    0, 0, "<U+009B>31m" },
		/* bidi override making "exe.txt" look like "txt.exe" */
		{ "invoice\xe2\x80\xaetxt.exe", 0, 0,
		    "invoice<U+202E>txt.exe" },
		{ "zero\xe2\x80\x8bwidth", 0, 0, "zero<U+200B>width" },
		{ "\xef\xbb\xbf"
		  "bom",
		    0, 0, "<U+FEFF>bom" },
		/* invalid UTF-8: each bad byte becomes U+FFFD */
		{ "bad\xff\xfe", 0, 0, "bad\xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut\xe2\x82", 0, 0, "cut\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", 0, 0, "\xef\xbf\xbd\xef\xbf\xbd" },
		/* wide, combining and ordinary non-ASCII pass unchanged */
		{ "王伟 Müller e\xcc\x81", 0, 0, "王伟 Müller e\xcc\x81" },
		{ "emoji \xf0\x9f\x93\xa7", 0, 0, "emoji \xf0\x9f\x93\xa7" },
	};
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);

		got = sanitize_text(cases[i].in, len, cases[i].flags);
		if (strcmp(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		free(got);
	}
}

/* Whatever goes in, nothing below 0x20 (but tab) comes out. */
static void
test_all_bytes(void)
{
	char in[512], *got;
	size_t i;

	for (i = 0; i < sizeof in; i++)
		in[i] = (char)(i * 7 + 3);
	got = sanitize_text(in, sizeof in, 0);
	for (i = 0; got[i] != '\0'; i++) {
		g_assert_cmpint((unsigned char)got[i], >=, 0x20);
		g_assert_cmpint((unsigned char)got[i], !=, 0x7f);
	}
	g_assert_true(g_utf8_validate(got, -1, NULL));
	free(got);
}

/* Columns of sanitised text: wide two, combining none. */
static void
test_width(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "", 0 },
		{ "abc", 3 },
		{ "王伟", 4 },
		{ "e\xcc\x81", 1 },
		{ "\xf0\x9f\x93\xa7", 2 },
		{ "<U+202E>", 8 },
	};
	size_t i;
	int used;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(
		    sanitize_width(cases[i].in, strlen(cases[i].in)), ==,
		    cases[i].want);
	g_assert_cmpint(sanitize_char_width('a'), ==, 1);
	g_assert_cmpint(sanitize_char_width(0x738b), ==, 2);
	g_assert_cmpint(sanitize_char_width(0x301), ==, 0);
	/* fitting never cuts a character; marks stay with their base */
	g_assert_cmpuint(sanitize_fit("王伟x", 7, 3, &used), ==, 3);
	g_assert_cmpint(used, ==, 2);
	g_assert_cmpuint(sanitize_fit("王伟x", 7, 10, &used), ==, 7);
	g_assert_cmpint(used, ==, 5);
	g_assert_cmpuint(sanitize_fit("ae\xcc\x81x", 5, 2, NULL), ==, 4);
	g_assert_cmpuint(sanitize_fit("abc", 3, 0, &used), ==, 0);
}

/* File names from messages: no paths, no controls, no hiding. */
static void
test_filename(void)
{
	static const struct {
		const char *in, *want; /* want NULL: nothing usable */
	} cases[] = {
		{ NULL, NULL },
		{ "", NULL },
		{ ".", NULL },
		{ "..", NULL },
		{ "../..", NULL },
		{ "/", NULL },
		{ "...", NULL },
		{ "report.pdf", "report.pdf" },
		{ "../../x", "x" },
		{ "/etc/passwd", "passwd" },
		{ "C:\\Windows\\evil.exe", "evil.exe" },
		{ "dir/", "dir" },
		{ "a/../", "a" },
		{ ".bashrc", "bashrc" },
		{ "-rf", "rf" },
		{ " . -x", "x" },
		{ "trailing. . ", "trailing" },
		{ "invoice\xe2\x80\xaetxt.exe", "invoice_txt.exe" },
		{ "a\x1b[31mb", "a_[31mb" },
		{ "new\nline\ttab", "new_line_tab" },
		{ "del\x7f", "del_" },
		{ "c1\xc2\x9b", "c1_" },
		{ "bad\xff\xfeutf8", "bad__utf8" },
		{ "zero\xe2\x80\x8bwidth", "zero_width" },
		{ "Grüße 王.txt", "Grüße 王.txt" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = sanitize_filename(cases[i].in);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i,
			    got ? got : "(null)",
			    cases[i].want ? cases[i].want : "(null)");
		free(got);
	}
}

/* A long name is cut at a character, its extension kept. */
static void
test_filename_long(void)
{
	GString *in = g_string_new(NULL);
	char *got;
	int i;

	for (i = 0; i < 300; i++)
		g_string_append(in, "é");
	g_string_append(in, ".pdf");
	got = sanitize_filename(in->str);
	g_assert_cmpuint(strlen(got), <=, SANITIZE_NAME_MAX);
	g_assert_true(g_str_has_suffix(got, "é.pdf"));
	g_assert_true(g_utf8_validate(got, -1, NULL));
	free(got);
	g_string_free(in, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sanitize/cases", test_cases);
	g_test_add_func("/sanitize/all-bytes", test_all_bytes);
	g_test_add_func("/sanitize/width", test_width);
	g_test_add_func("/sanitize/filename", test_filename);
	g_test_add_func("/sanitize/filename-long", test_filename_long);
	return g_test_run();
}
