/*
 * keymap.h - which key runs which function, per menu.
 *
 * Defaults are mutt's; a keybindings file (mutt's "bind MENU KEY FUNCTION"
 * syntax) changes them.  Keys are curses key codes: characters, KEY_*
 * constants, and control characters.
 */
#ifndef TERN_KEYMAP_H
#define TERN_KEYMAP_H

#include <stddef.h>

enum keymap_menu {
	MENU_INDEX,
	MENU_PAGER,
	MENU_HELP,
	MENU_COUNT,
};

enum key_action {
	ACT_NONE,
	ACT_NEXT_ENTRY,
	ACT_PREV_ENTRY,
	ACT_NEXT_PAGE,
	ACT_PREV_PAGE,
	ACT_FIRST_ENTRY,
	ACT_LAST_ENTRY,
	ACT_DISPLAY_MESSAGE,
	ACT_QUIT,
	ACT_EXIT,
	ACT_HELP,
	ACT_NEXT_ACCOUNT,
	ACT_PREV_ACCOUNT,
	ACT_DELETE,
	ACT_UNDELETE,
	ACT_SYNC_MAILBOX,
	ACT_FLAG,
	ACT_TOGGLE_NEW,
	ACT_TAG,
	ACT_TAG_PREFIX,
	ACT_SEARCH,
	ACT_LIMIT,
	ACT_CHANGE_FOLDER,
	ACT_REDRAW,
	ACT_SEARCH_NEXT,
	ACT_SORT,
	ACT_SORT_REVERSE,
	ACT_COLLAPSE_THREAD,
	ACT_COLLAPSE_ALL,
	ACT_TOGGLE_HEADERS,
	ACT_VIEW_ATTACHMENTS,
	ACT_VIEW_URLS,
	ACT_SAVE_ENTRY,
	ACT_VIEW_MAILCAP,
	ACT_SELECT_ENTRY,
	ACT_COUNT,
};

/* One binding, as the help screen lists it. */
struct keymap_binding {
	int key;
	enum key_action action;
};

/* Escape followed by a key (Alt-key on most terminals). */
#define KEY_META 0x100000

struct keymap;

struct keymap *keymap_new(void);
void keymap_free(struct keymap *km);
enum key_action
keymap_lookup(const struct keymap *km, enum keymap_menu menu, int key);
void keymap_bind(
    struct keymap *km, enum keymap_menu menu, int key, enum key_action action);
size_t keymap_bindings(const struct keymap *km, enum keymap_menu menu,
    const struct keymap_binding **out);
int keymap_load(struct keymap *km, const char *path, char **err);
int keymap_parse_line(struct keymap *km, const char *line, char **err);
int keymap_parse_key(const char *name, int *key);
void keymap_key_name(int key, char *buf, size_t len);
const char *keymap_action_name(enum key_action action);
const char *keymap_action_help(enum key_action action);
int keymap_action_from_name(const char *name, enum key_action *action);
const char *keymap_menu_name(enum keymap_menu menu);

#endif
