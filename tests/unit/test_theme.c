/*
 * test_theme.c - theme files (ui/theme.c), parsing only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "theme.h"

static void
test_parse(void)
{
	const char *text =
	    "# comment\n\n"
	    "status  black cyan bold\n"
	    "error   brightred default   # trailing comment\n"
	    "index.selected color235 color33 reverse underline\n";
	struct theme t;
	char *err = NULL;

	theme_defaults(&t);
	g_assert_cmpint(theme_parse(&t, text, strlen(text), "t", &err), ==, 0);
	g_assert_cmpint(t.style[TH_STATUS].fg, ==, 0);
	g_assert_cmpint(t.style[TH_STATUS].bg, ==, 6);
	g_assert_cmpuint(t.style[TH_STATUS].attrs, ==, THEME_A_BOLD);
	g_assert_cmpint(t.style[TH_ERROR].fg, ==, 9);
	g_assert_cmpint(t.style[TH_ERROR].bg, ==, -1);
	g_assert_cmpint(t.style[TH_INDEX_SELECTED].fg, ==, 235);
	g_assert_cmpuint(t.style[TH_INDEX_SELECTED].attrs, ==,
	    THEME_A_REVERSE | THEME_A_UNDERLINE);
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "status black\n", "t:1: expected ELEMENT" },
		{ "\nbogus red blue\n", "t:2: unknown element 'bogus'" },
		{ "status purple blue\n", "t:1: unknown colour 'purple'" },
		{ "status color256 blue\n", "t:1: unknown colour 'color256'" },
		{ "status color-1 blue\n", "t:1: unknown colour 'color-1'" },
		{ "status color0001 blue\n",
		    "t:1: unknown colour 'color0001'" },
		{ "status red blue blink\n", "t:1: unknown attribute 'blink'" },
		{ "status red blue bold bold bold bold bold bold\n",
		    "t:1: too many words" },
	};
	struct theme t, before;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		theme_defaults(&t);
		before = t;
		err = NULL;
		g_assert_cmpint(theme_parse(&t, cases[i].text,
				    strlen(cases[i].text), "t", &err),
		    ==, -1);
		if (strstr(err, cases[i].want) == NULL)
			g_error("case %zu: wanted %s, got %s", i, cases[i].want,
			    err);
		/* a bad file changes nothing */
		g_assert_true(memcmp(&t, &before, sizeof t) == 0);
		free(err);
	}
}

/* The themes shipped with tern all parse. */
static void
test_shipped(void)
{
	const char *srcdir = g_getenv("TERN_SRCDIR");
	const char *names[] = { "default", "solarized-dark", "mono" };
	char *path, *err = NULL;
	struct theme t;
	size_t i;

	if (srcdir == NULL)
		srcdir = ".";
	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		path = g_strdup_printf("%s/themes/%s.theme", srcdir, names[i]);
		theme_defaults(&t);
		if (theme_load(&t, path, &err) == -1)
			g_error("%s", err);
		g_free(path);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/theme/parse", test_parse);
	g_test_add_func("/theme/errors", test_errors);
	g_test_add_func("/theme/shipped", test_shipped);
	return g_test_run();
}
