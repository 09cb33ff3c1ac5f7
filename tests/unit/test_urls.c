/*
 * test_urls.c - URLs found in display text (src/urls.c).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "message/urls.h"

/* The URLs found in s, joined by '|'. */
static char *
found(const char *s)
{
	struct url_span sp[8];
	GString *out = g_string_new(NULL);
	size_t i, n = urls_find(s, strlen(s), sp, G_N_ELEMENTS(sp));

	for (i = 0; i < n; i++) {
		if (i > 0)
			g_string_append_c(out, '|');
		g_string_append_len(out, s + sp[i].start, sp[i].len);
	}
	return g_string_free(out, FALSE);
}

static void
test_cases(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "no urls here", "" },
		{ "http://", "" },
		{ "https:// alone", "" },
		{ "www. alone", "" },
		{ "mailto:nobody", "" },
		{ "https://example.com", "https://example.com" },
		{ "HTTPS://EXAMPLE.COM/X", "HTTPS://EXAMPLE.COM/X" },
		{ "see https://example.com/a.", "https://example.com/a" },
		{ "(https://example.com/a)", "https://example.com/a" },
		{ "https://en.wikipedia.org/wiki/A_(b))",
		    "https://en.wikipedia.org/wiki/A_(b)" },
		{ "<https://example.com/x>", "https://example.com/x" },
		{ "\"https://example.com/q\"", "https://example.com/q" },
		{ "a https://x.org/?q=1&r=2#f, b", "https://x.org/?q=1&r=2#f" },
		{ "xhttps://not.this", "" },
		{ "two: http://a.org ftp://b.org/",
		    "http://a.org|ftp://b.org/" },
		{ "mail mailto:me@example.org.", "mailto:me@example.org" },
		{ "www.example.com/page!", "www.example.com/page" },
		{ "https://例え.jp/パス", "https://例え.jp/パス" },
		/* a placeholder from the sanitiser ends a URL */
		{ "https://evil.example/<U+202E>txt", "https://evil.example/" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = found(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		g_free(got);
	}
}

/* No more spans than asked for; an endless URL is not one. */
static void
test_bounds(void)
{
	struct url_span sp[2];
	GString *s = g_string_new(NULL);
	int i;

	for (i = 0; i < 5; i++)
		g_string_append(s, "http://a.org ");
	g_assert_cmpuint(urls_find(s->str, s->len, sp, 2), ==, 2);
	g_string_assign(s, "http://");
	for (i = 0; i < URLS_MAX_LEN; i++)
		g_string_append_c(s, 'a');
	g_assert_cmpuint(urls_find(s->str, s->len, sp, 2), ==, 0);
	g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/urls/cases", test_cases);
	g_test_add_func("/urls/bounds", test_bounds);
	return g_test_run();
}
