/*
 * test_sanitize.c - the gate before the screen (src/sanitize.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sanitize.h"

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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sanitize/cases", test_cases);
	g_test_add_func("/sanitize/all-bytes", test_all_bytes);
	return g_test_run();
}
