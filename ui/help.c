/*
 * help.c - the key help screen.
 *
 * Built from the keymap as it stands when the screen opens, so it shows
 * the user's own bindings, not the defaults: one row per function with
 * every key bound to it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "keymap.h"
#include "theme.h"
#include "view.h"
#include "xmalloc.h"

struct help {
	enum keymap_menu menu;
	char **rows;
	int nrows;
	int top;
	int height; /* rows shown at the last draw, for paging */
};

/* Build one row per bound function: keys, name, description. */
static void
help_build(struct help *h, const struct keymap *km)
{
	const struct keymap_binding *b;
	size_t n = keymap_bindings(km, h->menu, &b), i;
	char keys[64], name[32];
	int act;

	h->rows = xcalloc(ACT_COUNT, sizeof *h->rows);
	for (act = 1; act < ACT_COUNT; act++) {
		keys[0] = '\0';
		for (i = 0; i < n; i++) {
			if ((int)b[i].action != act)
				continue;
			keymap_key_name(b[i].key, name, sizeof name);
			if (strlen(keys) + strlen(name) + 2 >= sizeof keys)
				break;
			if (keys[0] != '\0')
				strcat(keys, " ");
			strcat(keys, name);
		}
		if (keys[0] == '\0')
			continue;
		h->rows[h->nrows++] = xasprintf("%-18s %-18s %s", keys,
		    keymap_action_name(act), keymap_action_help(act));
	}
}

/* Draw the visible rows. */
static void
help_draw(struct ui *ui, struct view *v, int top, int height, int width)
{
	struct help *h = v->data;
	char title[80];
	int i;

	snprintf(title, sizeof title, "Keys in the %s (q leaves this help)",
	    keymap_menu_name(h->menu));
	ui_put(top, 1, width - 1, theme_attr(TH_HELP_TITLE), title);
	h->height = height - 2;
	for (i = 0; i < h->height && h->top + i < h->nrows; i++)
		ui_put(top + 2 + i, 1, width - 1, theme_attr(TH_NORMAL),
		    h->rows[h->top + i]);
}

/* Scroll, or leave. */
static int
help_key(struct ui *ui, struct view *v, enum key_action act, int key)
{
	struct help *h = v->data;
	int page = h->height > 1 ? h->height - 1 : 1, last;

	last = h->nrows - (h->height > 0 ? h->height : 1);
	if (last < 0)
		last = 0;
	switch (act) {
	case ACT_EXIT: ui_pop_view(ui); return 1;
	case ACT_NEXT_ENTRY:
		h->top = h->top < last ? h->top + 1 : last;
		return 1;
	case ACT_PREV_ENTRY: h->top = h->top > 0 ? h->top - 1 : 0; return 1;
	case ACT_NEXT_PAGE:
		h->top = h->top + page < last ? h->top + page : last;
		return 1;
	case ACT_PREV_PAGE:
		h->top = h->top > page ? h->top - page : 0;
		return 1;
	case ACT_FIRST_ENTRY: h->top = 0; return 1;
	case ACT_LAST_ENTRY: h->top = last; return 1;
	default: return 0;
	}
}

/* The status line while help is open. */
static void
help_status(struct ui *ui, struct view *v, char *buf, size_t len)
{
	struct help *h = v->data;

	snprintf(buf, len, "--- Help: %s --- %d functions ---  q:leave help",
	    keymap_menu_name(h->menu), h->nrows);
}

/* Free the view. */
static void
help_free(struct view *v)
{
	struct help *h = v->data;
	int i;

	for (i = 0; i < h->nrows; i++)
		free(h->rows[i]);
	free(h->rows);
	free(h);
	free(v);
}

static const struct view_ops help_ops = {
	.name = "help",
	.menu = MENU_HELP,
	.draw = help_draw,
	.key = help_key,
	.status = help_status,
	.free = help_free,
};

/* Make a help view listing the bindings of menu. */
struct view *
help_view_new(struct ui *ui, enum keymap_menu menu)
{
	struct view *v = xcalloc(1, sizeof *v);
	struct help *h = xcalloc(1, sizeof *h);

	h->menu = menu;
	help_build(h, ui_keymap(ui));
	v->ops = &help_ops;
	v->data = h;
	return v;
}
