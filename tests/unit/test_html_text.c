/*
 * test_html_text.c - the built-in HTML converter (src/html_text.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/html_text.h"

static void
test_cases(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "   ", "" },
		{ "plain text", "plain text\n" },
		{ "  lots   of\n\n blanks\t", "lots of blanks\n" },
		{ "<", "<\n" },
		{ "a < b > c", "a < b > c\n" },
		{ "<unclosed tag", "<unclosed tag\n" },
		{ "<p>one</p><p>two</p>", "one\n\ntwo\n" },
		{ "a<br>b<br/>c", "a\nb\nc\n" },
		{ "a<br><br>b", "a\n\nb\n" },
		{ "<div>a</div><div>b</div>", "a\nb\n" },
		{ "<h1>Title</h1>text", "Title\n\ntext\n" },
		/* entities */
		{ "&amp;&lt;&gt;&quot;&apos;", "&<>\"'\n" },
		{ "caf&eacute; &euro;5 &copy &#169; &#xa9; &#x1F600;",
		    "café €5 © © © 😀\n" },
		{ "&#150; &#0; &#1114112; &#; &bogus; AT&T",
		    "– \xef\xbf\xbd \xef\xbf\xbd &#; &bogus; AT&T\n" },
		{ "soft&shy;hyphen zero&#8203;width",
		    "softhyphen zerowidth\n" },
		/* bidi overrides are kept for the sanitiser to show */
		{ "a&#x202e;b",
		    "a\xe2\x80\xae"
		    "b\n" },
		/* dropped: scripts, styles, titles, comments */
		{ "<script>alert('x')</script>ok", "ok\n" },
		{ "<STYLE>p{}</style>ok", "ok\n" },
		{ "<title>t</title>ok", "ok\n" },
		{ "<!-- c -->ok<!doctype html>", "ok\n" },
		{ "<script>never closed", "" },
		{ "<!-- never closed", "" },
		{ "<![CDATA[a & b]]>", "a & b\n" },
		/* links */
		{ "<a href=\"https://x.org/\">site</a>",
		    "site[1]\n\n[1] https://x.org/\n" },
		{ "<a href='https://x.org/'>https://x.org/</a>",
		    "https://x.org/\n" },
		{ "<a href=\"mailto:a@b.org\">a@b.org</a>", "a@b.org\n" },
		{ "<a href=x>one</a> <a href=x>two</a>",
		    "one[1] two[1]\n\n[1] x\n" },
		{ "<a href=\"javascript:evil()\">js</a> <a href=#top>top</a>",
		    "js top\n" },
		{ "<a href=\"a?x=1&amp;y=2\">q</a>",
		    "q[1]\n\n[1] a?x=1&y=2\n" },
		{ "<a href=x></a>", "" },
		/* lists */
		{ "<ul><li>a<li>b</ul>", "* a\n* b\n" },
		{ "<ol><li>a</li><li>b</li></ol>", "1. a\n2. b\n" },
		{ "<ol start=\"9\"><li>a</li><li>b</li></ol>",
		    "9. a\n10. b\n" },
		{ "<ul><li>a<ul><li>b</li></ul></li></ul>", "* a\n   * b\n" },
		{ "<li>stray item</li>", "stray item\n" },
		/* images */
		{ "<img src=x alt=\"A logo\"> <img src=y>", "[A logo]\n" },
		/* quotes, preformatted text, rules */
		{ "<blockquote>q</blockquote>after", "> q\n\nafter\n" },
		{ "<pre>\n a  b\n\tc\n</pre>", " a  b\n\tc\n" },
		{ "a<hr>b", "a\n\n--------------------\n\nb\n" },
		/* tables */
		{ "<table><tr><td>a</td><td>bb</td></tr>"
		  "<tr><td>ccc</td><td>d</td></tr></table>",
		    "a    bb\nccc  d\n" },
		{ "<table><tr><td>only cell</td></tr></table>", "only cell\n" },
		{ "<table><tr><td>x<table><tr><td>in</td></tr></table>"
		  "</td><td>y</td></tr></table>",
		    "x in  y\n" },
		{ "<td>no table</td>", "no table\n" },
		{ "<table><tr><td>never closed", "never closed\n" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = html_text_plain(cases[i].in, strlen(cases[i].in));

		if (strcmp(got, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		free(got);
	}
}

struct lines {
	GString *s;
};

/* Record each line with its attributes. */
static void
attrs_cb(
    const char *text, size_t len, int quote, int indent, int fixed, void *arg)
{
	g_string_append_printf(
	    arg, "%d|%d|%d|%.*s\n", quote, indent, fixed, (int)len, text);
}

/* Quote depth, hanging indent and fixed lines reach the caller. */
static void
test_attributes(void)
{
	const char *in = "<ul><li>item</li></ul><blockquote><blockquote>deep"
			 "</blockquote></blockquote><pre>pre</pre>";
	GString *got = g_string_new(NULL);

	html_text(in, strlen(in), attrs_cb, got);
	g_assert_cmpstr(got->str, ==,
	    "0|2|0|* item\n0|0|0|\n2|0|0|deep\n0|0|0|\n0|0|1|pre\n");
	g_string_free(got, TRUE);
}

/* Nesting far deeper than the cap indents no further; no recursion. */
static void
test_deep(void)
{
	GString *in = g_string_new(NULL);
	char *got;
	int i;

	for (i = 0; i < 100000; i++)
		g_string_append(in, "<ul><li><blockquote><table><tr><td>");
	g_string_append(in, "bottom");
	got = html_text_plain(in->str, in->len);
	g_assert_nonnull(strstr(got, "bottom"));
	g_assert_cmpuint(strlen(got), <, 1000);
	free(got);
	g_string_free(in, TRUE);
}

/* Only so many links are numbered. */
static void
test_many_links(void)
{
	GString *in = g_string_new(NULL);
	char *got, *want;
	int i;

	for (i = 0; i < HTML_MAX_LINKS + 10; i++)
		g_string_append_printf(in, "<a href=\"u%d\">l</a> ", i);
	got = html_text_plain(in->str, in->len);
	want =
	    g_strdup_printf("[%d] u%d\n", HTML_MAX_LINKS, HTML_MAX_LINKS - 1);
	g_assert_nonnull(strstr(got, want));
	g_free(want);
	want = g_strdup_printf("[%d]", HTML_MAX_LINKS + 1);
	g_assert_null(strstr(got, want));
	g_free(want);
	free(got);
	g_string_free(in, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/html_text/cases", test_cases);
	g_test_add_func("/html_text/attributes", test_attributes);
	g_test_add_func("/html_text/deep", test_deep);
	g_test_add_func("/html_text/many-links", test_many_links);
	return g_test_run();
}
