/*
 * test_mailcap.c - mailcap files and running their commands
 * (src/mailcap.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "message/mailcap.h"

/* Parse text into a new list. */
static struct mailcap *
parse(const char *text)
{
	struct mailcap *mc = mailcap_new();

	mailcap_parse(mc, text, strlen(text));
	return mc;
}

static void
test_parse(void)
{
	struct mailcap *mc = parse(
	    "# comment\n"
	    "\n"
	    "text/html; w3m -dump -T text/html %s; copiousoutput\n"
	    "  IMAGE/PNG ; feh %s ; test=test -n \"$DISPLAY\"; needsterminal\n"
	    "text; less %s; description=Any text; nametemplate=%s.txt\n"
	    "application/x-a; echo a\\;b %s; x-unknown-field=1\n"
	    "application/x-cont; first \\\n"
	    "  second %s\n"
	    "no-command\n"
	    "bad type/x; cmd\n"
	    "; empty type\n"
	    "text/x-empty-command;\n"
	    "text/plain;cat %s;copiousoutput");
	const struct mailcap_entry *e;

	g_assert_cmpuint(mailcap_count(mc), ==, 6);
	e = mailcap_entry(mc, 0);
	g_assert_cmpstr(e->type, ==, "text/html");
	g_assert_cmpstr(e->command, ==, "w3m -dump -T text/html %s");
	g_assert_true(e->copiousoutput);
	g_assert_false(e->needsterminal);
	g_assert_null(e->test);
	e = mailcap_entry(mc, 1);
	g_assert_cmpstr(e->type, ==, "image/png");
	g_assert_cmpstr(e->test, ==, "test -n \"$DISPLAY\"");
	g_assert_true(e->needsterminal);
	e = mailcap_entry(mc, 2);
	g_assert_cmpstr(e->type, ==, "text/*");
	g_assert_cmpstr(e->description, ==, "Any text");
	g_assert_cmpstr(e->nametemplate, ==, "%s.txt");
	e = mailcap_entry(mc, 3);
	g_assert_cmpstr(e->command, ==, "echo a;b %s");
	e = mailcap_entry(mc, 4);
	g_assert_cmpstr(e->command, ==, "first   second %s");
	e = mailcap_entry(mc, 5);
	g_assert_cmpstr(e->type, ==, "text/plain");
	g_assert_true(e->copiousoutput);
	mailcap_free(mc);
	mailcap_free(NULL);
}

static void
test_matches(void)
{
	static const struct {
		const char *pattern, *type;
		int want;
	} cases[] = {
		{ "text/html", "text/html", 1 },
		{ "TEXT/HTML", "text/html", 1 },
		{ "text/html", "text/plain", 0 },
		{ "text/*", "text/plain", 1 },
		{ "text", "text/plain", 1 },
		{ "text/*", "textual/plain", 0 },
		{ "te", "text/plain", 0 },
		{ "*", "image/png", 1 },
		{ "*/*", "image/png", 1 },
		{ "image/png", "image", 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(
		    mailcap_type_matches(cases[i].pattern, cases[i].type), ==,
		    cases[i].want);
}

static void
test_find(void)
{
	struct mailcap *mc = parse("text/html; fails; test=false\n"
				   "text/html; view %s; needsterminal\n"
				   "text/html; dump %s; copiousoutput\n"
				   "text/*; any %s\n");
	const struct mailcap_entry *e;

	e = mailcap_find(mc, "text/html", NULL, NULL, 0);
	g_assert_cmpstr(e->command, ==, "view %s");
	e = mailcap_find(mc, "text/html", NULL, NULL, MAILCAP_NO_TEST);
	g_assert_cmpstr(e->command, ==, "fails");
	e = mailcap_find(mc, "text/html", NULL, NULL, MAILCAP_NO_TERMINAL);
	g_assert_cmpstr(e->command, ==, "dump %s");
	e = mailcap_find(mc, "text/html", NULL, NULL, MAILCAP_COPIOUS);
	g_assert_cmpstr(e->command, ==, "dump %s");
	e = mailcap_find(mc, "text/plain", NULL, NULL, 0);
	g_assert_cmpstr(e->command, ==, "any %s");
	g_assert_null(
	    mailcap_find(mc, "text/plain", NULL, NULL, MAILCAP_COPIOUS));
	g_assert_null(mailcap_find(mc, "image/png", NULL, NULL, 0));
	g_assert_null(mailcap_find(NULL, "image/png", NULL, NULL, 0));
	mailcap_free(mc);
}

/* Nothing from a message reaches the shell with a meaning. */
static void
test_expand(void)
{
	static const char *const params[] = { "charset", "utf-8; rm -rf ~",
		"name", "$(reboot)`id`", NULL };
	static const struct {
		const char *cmd, *type, *file, *want;
		int uses;
	} cases[] = {
		{ "", "text/plain", "/tmp/f", "", 0 },
		{ "cat", "text/plain", "/tmp/f", "cat", 0 },
		{ "cat %s", "text/plain", "/tmp/f", "cat /tmp/f", 1 },
		{ "cat '%s'", "text/plain", "/tmp/f", "cat '/tmp/f'", 1 },
		{ "x %t", "text/plain;evil", NULL, "x text/plain_evil", 0 },
		{ "x -I %{charset}", "text/plain", NULL, "x -I utf-8__rm_-rf__",
		    0 },
		{ "x %{name}", "text/plain", NULL, "x __reboot__id_", 0 },
		{ "x %{missing}", "text/plain", NULL, "x ", 0 },
		{ "x %{unclosed", "text/plain", NULL, "x %{unclosed", 0 },
		{ "100%% \\% %z %", "text/plain", NULL, "100% % %z %", 0 },
		{ "x %s", "text/plain", "/tmp/a b;c", "x /tmp/a_b_c", 1 },
		{ "x %n %F", "text/plain", NULL, "x  ", 0 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		int uses;
		char *got = mailcap_expand(
		    cases[i].cmd, cases[i].type, params, cases[i].file, &uses);

		if (strcmp(got, cases[i].want) != 0 || uses != cases[i].uses)
			g_error("case %zu: got \"%s\" (%d), want \"%s\"", i,
			    got, uses, cases[i].want);
		g_free(got);
	}
}

static void
test_capture(void)
{
	char *out, *err = NULL;
	size_t len;
	int rc;

	rc =
	    mailcap_capture("echo hello", NULL, 0, 100, 5000, &out, &len, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpstr(out, ==, "hello\n");
	g_assert_cmpuint(len, ==, 6);
	free(out);
	/* standard input, standard error dropped, exit status */
	rc = mailcap_capture("tr a-z A-Z; echo oops >&2; exit 3", "abc", 3, 100,
	    5000, &out, &len, &err);
	g_assert_cmpint(rc, ==, 3);
	g_assert_cmpstr(out, ==, "ABC");
	free(out);
	/* output beyond the limit is dropped, the program still finishes */
	rc = mailcap_capture(
	    "yes | head -c 100000", NULL, 0, 10, 5000, &out, &len, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(len, ==, 10);
	free(out);
	/* a program that does not read its input does not kill us */
	rc = mailcap_capture("exit 0", "x", 1, 10, 5000, &out, &len, &err);
	g_assert_cmpint(rc, ==, 0);
	free(out);
	/* past the deadline it is killed */
	rc = mailcap_capture("sleep 30", NULL, 0, 10, 200, &out, &len, &err);
	g_assert_cmpint(rc, ==, -1);
	g_assert_nonnull(err);
	g_assert_null(out);
	free(err);
	err = NULL;
	rc = mailcap_capture(
	    "exec sleep 30 >/dev/null", NULL, 0, 10, 200, &out, &len, &err);
	g_assert_cmpint(rc, ==, -1);
	free(err);
}

/* A URL with every shell character arrives as one argument, inert. */
static void
test_run_url(void)
{
	char *dir = g_dir_make_tmp("tern-url-XXXXXX", NULL);
	char *rec = g_build_filename(dir, "rec", NULL);
	char *pwned = g_build_filename(dir, "pwned", NULL);
	char *url = g_strdup_printf(
	    "https://x.org/?a=1&b=$(touch %s);`touch %s`|'\"*", pwned, pwned);
	char *cmd = g_strdup_printf("printf %%s %%s > %s", rec);
	char *cmd2 = g_strdup_printf("printf '<%%%%s>' > %s", rec);
	char *got = NULL, *err = NULL, *want;
	int rc;

	rc = mailcap_run_url(cmd, url, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(g_file_get_contents(rec, &got, NULL, NULL));
	g_assert_cmpstr(got, ==, url);
	g_assert_false(g_file_test(pwned, G_FILE_TEST_EXISTS));
	g_free(got);
	/* without %s the URL is appended */
	rc = mailcap_run_url(cmd2, url, &err);
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(g_file_get_contents(rec, &got, NULL, NULL));
	want = g_strdup_printf("<%s>", url);
	g_assert_cmpstr(got, ==, want);
	g_assert_false(g_file_test(pwned, G_FILE_TEST_EXISTS));
	g_free(want);
	g_free(got);
	g_unlink(rec);
	g_rmdir(dir);
	g_free(cmd);
	g_free(cmd2);
	g_free(url);
	g_free(pwned);
	g_free(rec);
	g_free(dir);
}

static void
test_temp_file(void)
{
	char *err = NULL, *path, *dir, *data = NULL;
	struct stat st;
	size_t len;

	path = mailcap_temp_file(".pdf", "data", 4, &err);
	g_assert_nonnull(path);
	g_assert_true(g_str_has_suffix(path, "/part.pdf"));
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, ==, 4);
	g_free(data);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	dir = g_path_get_dirname(path);
	g_assert_cmpint(stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	mailcap_temp_remove(path);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_free(dir);
	free(path);
	/* an extension that is not ours-looking is dropped */
	path = mailcap_temp_file("/../x;y", "", 0, &err);
	g_assert_true(g_str_has_suffix(path, "/part"));
	mailcap_temp_remove(path);
	free(path);
	mailcap_temp_remove(NULL);
}

/* Files: a missing one is an error, the default search never fails. */
static void
test_load(void)
{
	struct mailcap *mc = mailcap_new();
	char *err = NULL, *dir = g_dir_make_tmp("tern-mc-XXXXXX", NULL);
	char *path = g_build_filename(dir, "mailcap", NULL);

	g_assert_cmpint(mailcap_load_file(mc, path, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	g_assert_true(g_file_set_contents(path, "text/plain; cat\n", -1, NULL));
	g_assert_cmpint(mailcap_load_file(mc, path, &err), ==, 0);
	g_assert_cmpuint(mailcap_count(mc), ==, 1);
	mailcap_free(mc);
	mc = mailcap_load(path);
	g_assert_cmpuint(mailcap_count(mc), ==, 1);
	mailcap_free(mc);
	g_unlink(path);
	mc = mailcap_load(path); /* gone: empty, no error */
	g_assert_cmpuint(mailcap_count(mc), ==, 0);
	mailcap_free(mc);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* Huge or endless input is cut at the limits. */
static void
test_bounds(void)
{
	GString *s = g_string_new(NULL);
	struct mailcap *mc;
	int i;

	for (i = 0; i < MAILCAP_MAX_ENTRIES + 100; i++)
		g_string_append(s, "a/b; c\n");
	mc = parse(s->str);
	g_assert_cmpuint(mailcap_count(mc), ==, MAILCAP_MAX_ENTRIES);
	mailcap_free(mc);
	g_string_assign(s, "a/b; c");
	for (i = 0; i < 100000; i++)
		g_string_append(s, " \\\n x");
	mc = parse(s->str);
	g_assert_cmpuint(mailcap_count(mc), <=, 1);
	mailcap_free(mc);
	g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mailcap/parse", test_parse);
	g_test_add_func("/mailcap/matches", test_matches);
	g_test_add_func("/mailcap/find", test_find);
	g_test_add_func("/mailcap/expand", test_expand);
	g_test_add_func("/mailcap/capture", test_capture);
	g_test_add_func("/mailcap/run-url", test_run_url);
	g_test_add_func("/mailcap/temp-file", test_temp_file);
	g_test_add_func("/mailcap/load", test_load);
	g_test_add_func("/mailcap/bounds", test_bounds);
	return g_test_run();
}
