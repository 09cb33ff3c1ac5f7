/*
 * keymap.c - which key runs which function, per menu.
 *
 * Each menu has a small array of bindings, searched linearly (a menu has a
 * few dozen).  Binding a key that is already bound replaces it; binding it
 * to "noop" removes it.  The help screen lists the array as it stands, so
 * what it shows is what the keys do.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <glib.h>

#include "keymap.h"
#include "xmalloc.h"

#define KEYMAP_MAX_LINE 1024
#define CTRL(c) ((c)&0x1f)

struct keymap_menu_map {
	struct keymap_binding *b;
	size_t n;
	size_t alloc;
};

struct keymap {
	struct keymap_menu_map menus[MENU_COUNT];
};

static const struct {
	const char *name;
	const char *help;
} keymap_actions[ACT_COUNT] = {
	[ACT_NONE] = { "noop", "do nothing (unbinds a key)" },
	[ACT_NEXT_ENTRY] = { "next-entry", "move to the next entry" },
	[ACT_PREV_ENTRY] = { "previous-entry", "move to the previous entry" },
	[ACT_NEXT_PAGE] = { "next-page", "move to the next page" },
	[ACT_PREV_PAGE] = { "previous-page", "move to the previous page" },
	[ACT_FIRST_ENTRY] = { "first-entry", "move to the first entry" },
	[ACT_LAST_ENTRY] = { "last-entry", "move to the last entry" },
	[ACT_DISPLAY_MESSAGE] = { "display-message", "display the message" },
	[ACT_QUIT] = { "quit", "quit tern" },
	[ACT_EXIT] = { "exit", "leave this screen" },
	[ACT_HELP] = { "help", "show this help" },
	[ACT_NEXT_ACCOUNT] = { "next-account", "switch to the next account" },
	[ACT_PREV_ACCOUNT] = { "previous-account",
	    "switch to the previous account" },
	[ACT_DELETE] = { "delete-message", "mark the message deleted" },
	[ACT_UNDELETE] = { "undelete-message", "remove the deleted mark" },
	[ACT_SYNC_MAILBOX] = { "sync-mailbox",
	    "save changes and expunge deleted messages" },
	[ACT_FLAG] = { "flag-message", "toggle the flagged mark" },
	[ACT_TOGGLE_NEW] = { "toggle-new", "toggle the new (unread) mark" },
	[ACT_TAG] = { "tag-entry", "tag the message" },
	[ACT_TAG_PREFIX] = { "tag-prefix",
	    "apply the next function to tagged "
	    "messages" },
	[ACT_SEARCH] = { "search", "search for a pattern" },
	[ACT_LIMIT] = { "limit", "show only messages matching a pattern" },
	[ACT_CHANGE_FOLDER] = { "change-folder", "open another folder" },
	[ACT_REDRAW] = { "redraw-screen", "clear and redraw the screen" },
	[ACT_SEARCH_NEXT] = { "search-next", "search for the next match" },
	[ACT_SORT] = { "sort-mailbox", "sort messages (or thread them)" },
	[ACT_SORT_REVERSE] = { "sort-reverse", "sort messages in reverse" },
	[ACT_COLLAPSE_THREAD] = { "collapse-thread",
	    "collapse or expand this thread" },
	[ACT_TOGGLE_HEADERS] = { "display-toggle-weed",
	    "show all headers, or the usual ones" },
	[ACT_VIEW_ATTACHMENTS] = { "view-attachments",
	    "list the message's attachments" },
	[ACT_VIEW_URLS] = { "view-urls",
	    "list the URLs in the message (Enter opens one)" },
	[ACT_SAVE_ENTRY] = { "save-entry", "save the attachment to a file" },
	[ACT_VIEW_MAILCAP] = { "view-mailcap",
	    "open the attachment through mailcap" },
	[ACT_SELECT_ENTRY] = { "select-entry",
	    "open the chosen entry (in a message: next line)" },
	[ACT_COLLAPSE_ALL] = { "collapse-all",
	    "collapse or expand all threads" },
};

static const char *const keymap_menus[MENU_COUNT] = {
	[MENU_INDEX] = "index",
	[MENU_PAGER] = "pager",
	[MENU_HELP] = "help",
};

/* Named keys for files and the help screen. */
static const struct {
	const char *name;
	int key;
} keymap_names[] = {
	{ "<Up>", KEY_UP },
	{ "<Down>", KEY_DOWN },
	{ "<Left>", KEY_LEFT },
	{ "<Right>", KEY_RIGHT },
	{ "<PageUp>", KEY_PPAGE },
	{ "<PageDown>", KEY_NPAGE },
	{ "<Home>", KEY_HOME },
	{ "<End>", KEY_END },
	{ "<Enter>", '\n' },
	{ "<Return>", '\r' },
	{ "<KeypadEnter>", KEY_ENTER },
	{ "<Esc>", 27 },
	{ "<Tab>", '\t' },
	{ "<Space>", ' ' },
	{ "<Backspace>", KEY_BACKSPACE },
	{ "<Delete>", KEY_DC },
	{ "<Insert>", KEY_IC },
};

/* Bind in a menu without validation (defaults and files both use it). */
void
keymap_bind(
    struct keymap *km, enum keymap_menu menu, int key, enum key_action action)
{
	struct keymap_menu_map *m = &km->menus[menu];
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->b[i].key != key)
			continue;
		if (action == ACT_NONE) {
			memmove(&m->b[i], &m->b[i + 1],
			    (m->n - i - 1) * sizeof *m->b);
			m->n--;
		} else
			m->b[i].action = action;
		return;
	}
	if (action == ACT_NONE)
		return;
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 32;
		m->b = xreallocarray(m->b, m->alloc, sizeof *m->b);
	}
	m->b[m->n].key = key;
	m->b[m->n].action = action;
	m->n++;
}

/* Bindings every list-like menu shares (index, pager, help). */
static void
keymap_bind_moves(struct keymap *km, enum keymap_menu menu)
{
	keymap_bind(km, menu, 'j', ACT_NEXT_ENTRY);
	keymap_bind(km, menu, KEY_DOWN, ACT_NEXT_ENTRY);
	keymap_bind(km, menu, 'k', ACT_PREV_ENTRY);
	keymap_bind(km, menu, KEY_UP, ACT_PREV_ENTRY);
	keymap_bind(km, menu, KEY_NPAGE, ACT_NEXT_PAGE);
	keymap_bind(km, menu, ' ', ACT_NEXT_PAGE);
	keymap_bind(km, menu, KEY_PPAGE, ACT_PREV_PAGE);
	keymap_bind(km, menu, '-', ACT_PREV_PAGE);
	keymap_bind(km, menu, KEY_HOME, ACT_FIRST_ENTRY);
	keymap_bind(km, menu, '=', ACT_FIRST_ENTRY);
	keymap_bind(km, menu, KEY_END, ACT_LAST_ENTRY);
	keymap_bind(km, menu, '*', ACT_LAST_ENTRY);
	keymap_bind(km, menu, CTRL('l'), ACT_REDRAW);
}

/* A keymap holding mutt's default bindings. */
struct keymap *
keymap_new(void)
{
	struct keymap *km = xcalloc(1, sizeof *km);

	keymap_bind_moves(km, MENU_INDEX);
	keymap_bind(km, MENU_INDEX, '\n', ACT_DISPLAY_MESSAGE);
	keymap_bind(km, MENU_INDEX, '\r', ACT_DISPLAY_MESSAGE);
	keymap_bind(km, MENU_INDEX, KEY_ENTER, ACT_DISPLAY_MESSAGE);
	keymap_bind(km, MENU_INDEX, 'q', ACT_QUIT);
	keymap_bind(km, MENU_INDEX, '?', ACT_HELP);
	keymap_bind(km, MENU_INDEX, ']', ACT_NEXT_ACCOUNT);
	keymap_bind(km, MENU_INDEX, '[', ACT_PREV_ACCOUNT);
	keymap_bind(km, MENU_INDEX, 'd', ACT_DELETE);
	keymap_bind(km, MENU_INDEX, 'u', ACT_UNDELETE);
	keymap_bind(km, MENU_INDEX, '$', ACT_SYNC_MAILBOX);
	keymap_bind(km, MENU_INDEX, 'F', ACT_FLAG);
	keymap_bind(km, MENU_INDEX, 'N', ACT_TOGGLE_NEW);
	keymap_bind(km, MENU_INDEX, 't', ACT_TAG);
	keymap_bind(km, MENU_INDEX, ';', ACT_TAG_PREFIX);
	keymap_bind(km, MENU_INDEX, '/', ACT_SEARCH);
	keymap_bind(km, MENU_INDEX, 'l', ACT_LIMIT);
	keymap_bind(km, MENU_INDEX, 'c', ACT_CHANGE_FOLDER);
	keymap_bind(km, MENU_INDEX, 'n', ACT_SEARCH_NEXT);
	keymap_bind(km, MENU_INDEX, 'o', ACT_SORT);
	keymap_bind(km, MENU_INDEX, 'O', ACT_SORT_REVERSE);
	keymap_bind(km, MENU_INDEX, KEY_META | 'v', ACT_COLLAPSE_THREAD);
	keymap_bind(km, MENU_INDEX, KEY_META | 'V', ACT_COLLAPSE_ALL);

	keymap_bind_moves(km, MENU_PAGER);
	keymap_bind(km, MENU_PAGER, 'q', ACT_EXIT);
	keymap_bind(km, MENU_PAGER, 'i', ACT_EXIT);
	keymap_bind(km, MENU_PAGER, '?', ACT_HELP);
	keymap_bind(km, MENU_PAGER, 'd', ACT_DELETE);
	keymap_bind(km, MENU_PAGER, 'u', ACT_UNDELETE);
	keymap_bind(km, MENU_PAGER, 'F', ACT_FLAG);
	keymap_bind(km, MENU_PAGER, 'h', ACT_TOGGLE_HEADERS);
	keymap_bind(km, MENU_PAGER, 'v', ACT_VIEW_ATTACHMENTS);
	keymap_bind(km, MENU_PAGER, CTRL('b'), ACT_VIEW_URLS);
	keymap_bind(km, MENU_PAGER, 's', ACT_SAVE_ENTRY);
	keymap_bind(km, MENU_PAGER, 'm', ACT_VIEW_MAILCAP);
	keymap_bind(km, MENU_PAGER, '\n', ACT_SELECT_ENTRY);
	keymap_bind(km, MENU_PAGER, '\r', ACT_SELECT_ENTRY);
	keymap_bind(km, MENU_PAGER, KEY_ENTER, ACT_SELECT_ENTRY);

	keymap_bind_moves(km, MENU_HELP);
	keymap_bind(km, MENU_HELP, 'q', ACT_EXIT);
	keymap_bind(km, MENU_HELP, 27, ACT_EXIT);
	return km;
}

/* Free a keymap; NULL is fine. */
void
keymap_free(struct keymap *km)
{
	int i;

	if (km == NULL)
		return;
	for (i = 0; i < MENU_COUNT; i++)
		free(km->menus[i].b);
	free(km);
}

/* The action bound to key in menu, or ACT_NONE. */
enum key_action
keymap_lookup(const struct keymap *km, enum keymap_menu menu, int key)
{
	const struct keymap_menu_map *m = &km->menus[menu];
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->b[i].key == key)
			return m->b[i].action;
	return ACT_NONE;
}

/* The bindings of a menu, in the order they were made. */
size_t
keymap_bindings(const struct keymap *km, enum keymap_menu menu,
    const struct keymap_binding **out)
{
	*out = km->menus[menu].b;
	return km->menus[menu].n;
}

/*
 * Parse a key name: one printable character, ^X or \Cx for a control
 * key, or a <Name> from keymap_names.  Returns -1 if it is none of them.
 */
int
keymap_parse_key(const char *name, int *key)
{
	size_t i, n = strlen(name);

	if (n == 1 && g_ascii_isgraph(name[0])) {
		*key = (unsigned char)name[0];
		return 0;
	}
	if ((n == 2 && name[0] == '^') ||
	    (n == 3 && name[0] == '\\' && (name[1] == 'C' || name[1] == 'c'))) {
		int c = g_ascii_tolower(name[n - 1]);

		if (c < 'a' || c > 'z')
			return -1;
		*key = CTRL(c);
		return 0;
	}
	/* Escape then a character: \ev, <Esc>v or M-v. */
	if ((n == 3 && name[0] == '\\' && name[1] == 'e') ||
	    (n == 3 && name[0] == 'M' && name[1] == '-') ||
	    (n == 6 && g_ascii_strncasecmp(name, "<Esc>", 5) == 0)) {
		if (!g_ascii_isgraph(name[n - 1]))
			return -1;
		*key = KEY_META | (unsigned char)name[n - 1];
		return 0;
	}
	for (i = 0; i < G_N_ELEMENTS(keymap_names); i++) {
		if (g_ascii_strcasecmp(name, keymap_names[i].name) == 0) {
			*key = keymap_names[i].key;
			return 0;
		}
	}
	return -1;
}

/* Write a printable name for key into buf. */
void
keymap_key_name(int key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(keymap_names); i++) {
		if (keymap_names[i].key == key) {
			snprintf(buf, len, "%s", keymap_names[i].name);
			return;
		}
	}
	if ((key & KEY_META) && (key & ~KEY_META) > 0x20 &&
	    (key & ~KEY_META) < 0x7f)
		snprintf(buf, len, "<Esc>%c", key & ~KEY_META);
	else if (key > 0 && key < 0x20)
		snprintf(buf, len, "^%c", key + 'A' - 1);
	else if (key > 0x20 && key < 0x7f)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "<%d>", key);
}

/* The name of an action, as files and the help screen spell it. */
const char *
keymap_action_name(enum key_action action)
{
	return keymap_actions[action].name;
}

/* One line saying what an action does. */
const char *
keymap_action_help(enum key_action action)
{
	return keymap_actions[action].help;
}

/* Look an action up by name. */
int
keymap_action_from_name(const char *name, enum key_action *action)
{
	int i;

	for (i = 0; i < ACT_COUNT; i++) {
		if (strcmp(name, keymap_actions[i].name) == 0) {
			*action = i;
			return 0;
		}
	}
	return -1;
}

/* The name of a menu. */
const char *
keymap_menu_name(enum keymap_menu menu)
{
	return keymap_menus[menu];
}

/*
 * Apply one line of a keybindings file: blank, a # comment, or
 * "bind MENU[,MENU...] KEY FUNCTION".  On error *err says what is wrong
 * (the caller adds file:line).
 */
int
keymap_parse_line(struct keymap *km, const char *line, char **err)
{
	char **w = g_strsplit_set(line, " \t", -1), *words[4];
	char **menus = NULL;
	enum key_action action;
	int key, nw = 0, i, j, rc = -1;
	int which[MENU_COUNT];

	for (i = 0; w[i] != NULL; i++) {
		if (*w[i] == '\0')
			continue;
		if (*w[i] == '#')
			break;
		if (nw == 4) {
			*err =
			    xstrdup("too many words (bind MENU KEY FUNCTION)");
			goto out;
		}
		words[nw++] = w[i];
	}
	if (nw == 0) {
		rc = 0;
		goto out;
	}
	if (strcmp(words[0], "bind") != 0 || nw != 4) {
		*err = xstrdup("expected: bind MENU KEY FUNCTION");
		goto out;
	}
	menus = g_strsplit(words[1], ",", -1);
	for (i = 0; menus[i] != NULL; i++) {
		for (j = 0; j < MENU_COUNT; j++)
			if (strcmp(menus[i], keymap_menus[j]) == 0)
				break;
		if (j == MENU_COUNT || i >= MENU_COUNT) {
			*err = xasprintf(
			    "unknown menu '%s' (index, pager, help)", menus[i]);
			goto out;
		}
		which[i] = j;
	}
	if (keymap_parse_key(words[2], &key) == -1) {
		*err = xasprintf("unknown key '%s' (a character, ^X, or one of "
				 "<Up> <Down> <PageUp> <PageDown> <Home> <End> "
				 "<Enter> <Esc> "
				 "<Tab> <Space> ...)",
		    words[2]);
		goto out;
	}
	if (keymap_action_from_name(words[3], &action) == -1) {
		*err = xasprintf("unknown function '%s'", words[3]);
		goto out;
	}
	for (j = 0; j < i; j++)
		keymap_bind(km, which[j], key, action);
	rc = 0;
out:
	g_strfreev(menus);
	g_strfreev(w);
	return rc;
}

/* Apply a keybindings file; errors name file:line. */
int
keymap_load(struct keymap *km, const char *path, char **err)
{
	char line[KEYMAP_MAX_LINE], *msg;
	FILE *f;
	int lineno = 0;
	size_t n;

	if ((f = fopen(path, "re")) == NULL) {
		*err = xasprintf("%s: cannot read keybindings", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			*err = xasprintf("%s:%d: line too long", path, lineno);
			fclose(f);
			return -1;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (keymap_parse_line(km, line, &msg) == -1) {
			*err = xasprintf("%s:%d: %s", path, lineno, msg);
			free(msg);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}
