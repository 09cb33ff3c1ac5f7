/*
 * index.c - the message index of the current account's folder.
 *
 * Until a backend delivers summaries the index is empty: it says so, and
 * shows the account's own status line so the user knows why.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "account.h"
#include "theme.h"
#include "view.h"
#include "xmalloc.h"

/* Write text centred in a row. */
static void
index_centre(int row, int width, int attr, const char *text)
{
	int len = strlen(text), col = len < width ? (width - len) / 2 : 0;

	ui_put(row, col, width - col, attr, text);
}

/* Draw the (for now empty) index and why it is empty. */
static void
index_draw(struct ui *ui, struct view *v, int top, int height, int width)
{
	struct account *a = ui_current_account(ui);
	int mid = top + height / 2 - 1;

	if (a == NULL) {
		index_centre(mid, width, theme_attr(TH_EMPTY),
		    "No accounts configured.");
		index_centre(mid + 1, width, theme_attr(TH_EMPTY),
		    "Add one to ~/.config/tern/config (see man tern).");
		return;
	}
	index_centre(mid, width, theme_attr(TH_EMPTY), "No messages.");
	index_centre(mid + 1, width, theme_attr(TH_EMPTY), account_status(a));
}

/* Handle the index's keys. */
static int
index_key(struct ui *ui, struct view *v, enum key_action act, int key)
{
	switch (act) {
	case ACT_HELP:
		ui_push_view(ui, help_view_new(ui, MENU_INDEX));
		return 1;
	case ACT_NEXT_ENTRY:
	case ACT_PREV_ENTRY:
	case ACT_NEXT_PAGE:
	case ACT_PREV_PAGE:
	case ACT_FIRST_ENTRY:
	case ACT_LAST_ENTRY:
	case ACT_DISPLAY_MESSAGE:
	case ACT_DELETE:
	case ACT_UNDELETE:
	case ACT_FLAG:
	case ACT_TOGGLE_NEW:
	case ACT_TAG:
	case ACT_TAG_PREFIX:
	case ACT_SEARCH:
	case ACT_LIMIT:
	case ACT_SYNC_MAILBOX: ui_message(ui, "No messages."); return 1;
	case ACT_CHANGE_FOLDER:
		ui_message(ui, "This account has no folders to open yet.");
		return 1;
	default: return 0;
	}
}

/* The status line: account, protocol, security, message count. */
static void
index_status(struct ui *ui, struct view *v, char *buf, size_t len)
{
	struct account *a = ui_current_account(ui);
	const struct account_conf *ac;

	if (a == NULL) {
		snprintf(
		    buf, len, "--- tern --- no accounts ---  ?:help  q:quit");
		return;
	}
	ac = account_conf(a);
	if (ac->type == ACCOUNT_MAILDIR)
		snprintf(buf, len,
		    "--- %s [maildir] --- 0 messages ---  "
		    "?:help  q:quit  ]/[:account",
		    ac->name);
	else
		snprintf(buf, len,
		    "--- %s [%s, tls %s] --- 0 messages ---  "
		    "?:help  q:quit  ]/[:account",
		    ac->name, conf_type_name(ac->type), conf_tls_name(ac->tls));
}

/* Free the view. */
static void
index_free(struct view *v)
{
	free(v);
}

static const struct view_ops index_ops = {
	.name = "index",
	.menu = MENU_INDEX,
	.draw = index_draw,
	.key = index_key,
	.status = index_status,
	.free = index_free,
};

/* Make the index view. */
struct view *
index_view_new(struct ui *ui)
{
	struct view *v = xcalloc(1, sizeof *v);

	v->ops = &index_ops;
	return v;
}
