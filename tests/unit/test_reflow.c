/*
 * test_reflow.c - format=flowed, wrapping and tabs (src/reflow.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/reflow.h"

/* Paragraphs as "depth|flowed|text" lines, for comparison. */
static void
collect_cb(int quote, const char *text, size_t len, int flowed, void *arg)
{
	g_string_append_printf(
	    arg, "%d|%d|%.*s\n", quote, flowed, (int)len, text);
}

static void
test_flowed(void)
{
	static const struct {
		const char *in;
		int delsp;
		const char *want;
	} cases[] = {
		{ "", 0, "" },
		{ "\n", 0, "0|0|\n" },
		{ "one fixed line\n", 0, "0|0|one fixed line\n" },
		{ "soft \nline\n", 0, "0|1|soft line\n" },
		{ "soft \nline\n", 1, "0|1|softline\n" },
		{ "a \nb \nc\nd\n", 0, "0|1|a b c\n0|0|d\n" },
		/* CRLF line ends */
		{ "a \r\nb\r\n", 0, "0|1|a b\n" },
		/* quote depth; a change of depth ends the paragraph */
		{ "> a \n> b\n>> c\n", 0, "1|1|a b\n2|0|c\n" },
		{ "> a \n>> b\n", 0, "1|0|a \n2|0|b\n" },
		/* space stuffing is removed once */
		{ " >not a quote\n", 0, "0|0|>not a quote\n" },
		{ "  two\n", 0, "0|0| two\n" },
		{ "> stuffed quote\n", 0, "1|0|stuffed quote\n" },
		/* the signature separator is never soft, nor joined to */
		{ "text \n-- \nsig\n", 0, "0|0|text \n0|0|-- \n0|0|sig\n" },
		/* a soft last line */
		{ "end \n", 0, "0|1|end \n" },
		{ "no newline at end", 0, "0|0|no newline at end\n" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *got = g_string_new(NULL);

		reflow_flowed(cases[i].in, strlen(cases[i].in), cases[i].delsp,
		    collect_cb, got);
		if (strcmp(got->str, cases[i].want) != 0)
			g_error("case %zu: got \"%s\", want \"%s\"", i,
			    got->str, cases[i].want);
		g_string_free(got, TRUE);
	}
}

/* A quote deeper than the cap counts as the cap. */
static void
test_flowed_deep(void)
{
	GString *in = g_string_new(NULL), *got = g_string_new(NULL);
	char *want;
	int i;

	for (i = 0; i < 1000; i++)
		g_string_append_c(in, '>');
	g_string_append(in, "x\n");
	reflow_flowed(in->str, in->len, 0, collect_cb, got);
	want = g_strdup_printf("%d|0|x\n", REFLOW_MAX_QUOTE);
	g_assert_cmpstr(got->str, ==, want);
	g_free(want);
	g_string_free(in, TRUE);
	g_string_free(got, TRUE);
}

static void
test_break(void)
{
	static const struct {
		const char *in;
		int width;
		size_t n, next;
	} cases[] = {
		{ "", 10, 0, 0 },
		{ "fits", 10, 4, 4 },
		{ "exactly10!", 10, 10, 10 },
		{ "two words", 5, 3, 4 },
		{ "two   spaces", 5, 3, 6 },
		{ "longwordhere", 4, 4, 4 },
		/* at least one character, even when none fits */
		{ "王伟", 1, 3, 3 },
		/* wide characters take two columns */
		{ "王伟 x", 4, 6, 7 },
		{ "王伟王", 5, 6, 6 },
		/* a combining mark stays with its base */
		{ "abe\xcc\x81"
		  "cd",
		    3, 5, 5 },
		/* a leading blank is not a break point */
		{ " abcdef", 3, 3, 3 },
	};
	size_t i, next, n;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		n = reflow_break(
		    cases[i].in, strlen(cases[i].in), cases[i].width, &next);
		if (n != cases[i].n || next != cases[i].next)
			g_error("case %zu: got %zu/%zu, want %zu/%zu", i, n,
			    next, cases[i].n, cases[i].next);
	}
}

static void
test_tabs(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "no tabs", "no tabs" },
		{ "\t", "        " },
		{ "a\tb", "a       b" },
		{ "1234567\tx", "1234567 x" },
		{ "12345678\tx", "12345678        x" },
		{ "王\tx", "王      x" },
		{ "^[\tx", "^[      x" },
	};
	size_t i, n;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got =
		    reflow_expand_tabs(cases[i].in, strlen(cases[i].in), &n);

		g_assert_cmpstr(got, ==, cases[i].want);
		g_assert_cmpuint(n, ==, strlen(got));
		free(got);
	}
}

static void
test_quote_depth(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "", 0 },
		{ "text", 0 },
		{ " > indented quote", 1 }, /* as mutt reads it */
		{ "> one", 1 },
		{ ">> two", 2 },
		{ "> > two", 2 },
		{ ">>> > four", 4 },
		{ "> a > b", 1 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(
		    reflow_quote_depth(cases[i].in, strlen(cases[i].in)), ==,
		    cases[i].want);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reflow/flowed", test_flowed);
	g_test_add_func("/reflow/flowed-deep", test_flowed_deep);
	g_test_add_func("/reflow/break", test_break);
	g_test_add_func("/reflow/tabs", test_tabs);
	g_test_add_func("/reflow/quote-depth", test_quote_depth);
	return g_test_run();
}
