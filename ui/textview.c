/*
 * textview.c - a screen of plain text: certificate details and the like.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <glib.h>

#include "theme.h"
#include "view.h"
#include "xmalloc.h"

struct textview {
	char *title;
	char **lines;
	int top;
};

/* Draw the title and the lines. */
static void
textview_draw(struct ui *ui, struct view *v, int top, int height, int width)
{
	struct textview *tv = v->data;
	int i;

	ui_put(top, 1, width - 1, theme_attr(TH_HELP_TITLE), tv->title);
	for (i = 0; i + 2 < height && tv->lines[tv->top + i] != NULL; i++)
		ui_put(top + 2 + i, 1, width - 1, theme_attr(TH_NORMAL),
		    tv->lines[tv->top + i]);
}

/* Scroll, or leave. */
static int
textview_key(struct ui *ui, struct view *v, enum key_action act, int key)
{
	struct textview *tv = v->data;

	switch (act) {
	case ACT_EXIT: ui_pop_view(ui); return 1;
	case ACT_NEXT_ENTRY:
		if (tv->lines[tv->top] != NULL &&
		    tv->lines[tv->top + 1] != NULL)
			tv->top++;
		return 1;
	case ACT_PREV_ENTRY:
		if (tv->top > 0)
			tv->top--;
		return 1;
	default: return 0;
	}
}

/* The status line. */
static void
textview_status(struct ui *ui, struct view *v, char *buf, size_t len)
{
	struct textview *tv = v->data;

	snprintf(buf, len, "--- %s ---", tv->title);
}

/* Free the view. */
static void
textview_free(struct view *v)
{
	struct textview *tv = v->data;

	g_strfreev(tv->lines);
	free(tv->title);
	free(tv);
	free(v);
}

static const struct view_ops textview_ops = {
	.name = "text",
	.menu = MENU_HELP,
	.draw = textview_draw,
	.key = textview_key,
	.status = textview_status,
	.free = textview_free,
};

/* A view showing text (split into lines) under a title. */
struct view *
text_view_new(struct ui *ui, const char *title, const char *text)
{
	struct view *v = xcalloc(1, sizeof *v);
	struct textview *tv = xcalloc(1, sizeof *tv);

	tv->title = xstrdup(title);
	tv->lines = g_strsplit(text, "\n", -1);
	v->ops = &textview_ops;
	v->data = tv;
	return v;
}
