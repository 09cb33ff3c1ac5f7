/*
 * test_keymap.c - key bindings (ui/keymap.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "keymap.h"

static void
test_defaults(void)
{
	static const struct {
		int key;
		enum key_action act;
	} cases[] = {
		{ 'j', ACT_NEXT_ENTRY },
		{ KEY_DOWN, ACT_NEXT_ENTRY },
		{ 'k', ACT_PREV_ENTRY },
		{ KEY_UP, ACT_PREV_ENTRY },
		{ '\r', ACT_DISPLAY_MESSAGE },
		{ 'q', ACT_QUIT },
		{ 'd', ACT_DELETE },
		{ 'u', ACT_UNDELETE },
		{ '$', ACT_SYNC_MAILBOX },
		{ 'F', ACT_FLAG },
		{ 'N', ACT_TOGGLE_NEW },
		{ 't', ACT_TAG },
		{ ';', ACT_TAG_PREFIX },
		{ '/', ACT_SEARCH },
		{ 'l', ACT_LIMIT },
		{ 'c', ACT_CHANGE_FOLDER },
		{ '?', ACT_HELP },
		{ ']', ACT_NEXT_ACCOUNT },
		{ '[', ACT_PREV_ACCOUNT },
		{ KEY_NPAGE, ACT_NEXT_PAGE },
		{ KEY_PPAGE, ACT_PREV_PAGE },
		{ 'x', ACT_NONE },
	};
	struct keymap *km = keymap_new();
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(keymap_lookup(km, MENU_INDEX, cases[i].key), ==,
		    cases[i].act);
	g_assert_cmpint(keymap_lookup(km, MENU_HELP, 'q'), ==, ACT_EXIT);
	g_assert_cmpint(keymap_lookup(km, MENU_PAGER, 'q'), ==, ACT_EXIT);
	keymap_free(km);
}

static void
test_parse_key(void)
{
	static const struct {
		const char *name;
		int key; /* -1: invalid */
	} cases[] = {
		{ "", -1 },
		{ "ab", -1 },
		{ "^1", -1 },
		{ "^", '^' },
		{ "<Nope>", -1 },
		{ " ", -1 },
		{ "\\C", -1 },
		{ "j", 'j' },
		{ "$", '$' },
		{ "^d", 4 },
		{ "^D", 4 },
		{ "\\Cd", 4 },
		{ "<Down>", KEY_DOWN },
		{ "<pagedown>", KEY_NPAGE },
		{ "<Enter>", '\n' },
		{ "<Esc>", 27 },
		{ "<Space>", ' ' },
		{ "\\ev", KEY_META | 'v' },
		{ "M-V", KEY_META | 'V' },
		{ "<Esc>x", KEY_META | 'x' },
		{ "\\e ", -1 },
	};
	size_t i;
	int key;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		int rc = keymap_parse_key(cases[i].name, &key);

		if (cases[i].key == -1)
			g_assert_cmpint(rc, ==, -1);
		else {
			g_assert_cmpint(rc, ==, 0);
			g_assert_cmpint(key, ==, cases[i].key);
		}
	}
}

static void
test_key_names(void)
{
	char buf[32];

	keymap_key_name('j', buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "j");
	keymap_key_name(4, buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "^D");
	keymap_key_name(KEY_DOWN, buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "<Down>");
	keymap_key_name(KEY_META | 'v', buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "<Esc>v");
	keymap_key_name(' ', buf, sizeof buf);
	g_assert_cmpstr(buf, ==, "<Space>");
}

static void
test_lines(void)
{
	static const struct {
		const char *line;
		const char *err; /* NULL: accepted */
	} cases[] = {
		{ "", NULL },
		{ "   ", NULL },
		{ "# comment", NULL },
		{ "bind index x delete-message", NULL },
		{ "bind index,pager ^f flag-message  # trailing", NULL },
		{ "bind index k noop", NULL },
		{ "bind", "expected: bind MENU KEY FUNCTION" },
		{ "macro index x y", "expected: bind MENU KEY FUNCTION" },
		{ "bind nowhere x quit", "unknown menu 'nowhere'" },
		{ "bind index,index,index,index x quit",
		    "unknown menu 'index'" },
		{ "bind index xx quit", "unknown key 'xx'" },
		{ "bind index x explode", "unknown function 'explode'" },
		{ "bind index x quit extra", "too many words" },
	};
	struct keymap *km = keymap_new();
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		err = NULL;
		int rc = keymap_parse_line(km, cases[i].line, &err);

		if (cases[i].err == NULL) {
			g_assert_cmpint(rc, ==, 0);
		} else {
			g_assert_cmpint(rc, ==, -1);
			g_assert_nonnull(strstr(err, cases[i].err));
			free(err);
		}
	}
	g_assert_cmpint(keymap_lookup(km, MENU_INDEX, 'x'), ==, ACT_DELETE);
	g_assert_cmpint(keymap_lookup(km, MENU_INDEX, 6), ==, ACT_FLAG);
	g_assert_cmpint(keymap_lookup(km, MENU_PAGER, 6), ==, ACT_FLAG);
	g_assert_cmpint(keymap_lookup(km, MENU_INDEX, 'k'), ==, ACT_NONE);
	keymap_free(km);
}

static void
test_load(void)
{
	char *dir = g_dir_make_tmp("tern-km-XXXXXX", NULL), *path, *err = NULL;
	struct keymap *km = keymap_new();

	path = g_build_filename(dir, "keys", NULL);
	g_assert_true(g_file_set_contents(path,
	    "# mine\nbind index J next-page\nbind index ^x bogus\n", -1, NULL));
	g_assert_cmpint(keymap_load(km, path, &err), ==, -1);
	g_assert_nonnull(strstr(err, ":3: unknown function 'bogus'"));
	g_assert_cmpint(keymap_lookup(km, MENU_INDEX, 'J'), ==, ACT_NEXT_PAGE);
	free(err);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	keymap_free(km);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/keymap/defaults", test_defaults);
	g_test_add_func("/keymap/parse-key", test_parse_key);
	g_test_add_func("/keymap/key-names", test_key_names);
	g_test_add_func("/keymap/lines", test_lines);
	g_test_add_func("/keymap/load", test_load);
	return g_test_run();
}
