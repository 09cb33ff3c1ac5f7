/*
 * index.c - the message index of the current account's open folder.
 *
 * One row per message of the account's view (sorted, maybe threaded and
 * limited).  The cursor is remembered by UID, not by row, so it stays on
 * the same message when the view is rebuilt (new mail, a new sort, an
 * expunge).  Each account keeps its own cursor and tags.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>
#include <glib.h>

#include "account.h"
#include "model/index_line.h"
#include "model/msgtab.h"
#include "model/rowlist.h"
#include "model/pattern.h"
#include "message/sanitize.h"
#include "theme.h"
#include "view.h"
#include "xmalloc.h"

/* Where the user is in one account's index. */
struct index_pos {
	uint32_t uid; /* the message under the cursor, 0: none */
	unsigned generation; /* the account's open when uid was taken */
	size_t row;
	size_t top;
	GHashTable *tags; /* uids */
};

struct index {
	struct index_pos *pos; /* one per account */
	size_t npos;
	int height; /* rows shown at the last draw */
	int tag_prefix; /* ';' was pressed: next action on tags */
	char *last_search;
};

/* This account's position. */
static struct index_pos *
index_pos(struct ui *ui, struct index *ix)
{
	struct account_manager *am = ui_accounts(ui);
	struct account *a = ui_current_account(ui);
	size_t i;

	for (i = 0; i < account_manager_count(am); i++) {
		if (account_manager_get(am, i) != a)
			continue;
		while (i >= ix->npos) { /* an account added while running */
			ix->pos = xreallocarray(
			    ix->pos, ix->npos + 1, sizeof *ix->pos);
			memset(&ix->pos[ix->npos], 0, sizeof *ix->pos);
			ix->pos[ix->npos++].tags = g_hash_table_new(NULL, NULL);
		}
		return &ix->pos[i];
	}
	return &ix->pos[0];
}

/* The uid shown on a row. */
static uint32_t
index_row_uid(struct account *a, size_t row)
{
	const struct rowlist *mv = account_view(a);

	return msgtab_uid(account_msgtab(a), rowlist_row(mv, row)->index);
}

/* Move the cursor to row (clamped) and keep it on screen. */
static void
index_move(
    struct account *a, struct index *ix, struct index_pos *p, ssize_t row)
{
	const struct rowlist *mv = account_view(a);
	size_t n = mv ? rowlist_count(mv) : 0;
	int h = ix->height > 0 ? ix->height : 1;

	if (n == 0) {
		p->row = p->top = 0;
		p->uid = 0;
		return;
	}
	if (row < 0)
		row = 0;
	if ((size_t)row >= n)
		row = n - 1;
	p->row = row;
	p->uid = index_row_uid(a, row);
	if (p->row < p->top)
		p->top = p->row;
	else if (p->row >= p->top + h)
		p->top = p->row - h + 1;
	if (p->top + h > n)
		p->top = n > (size_t)h ? n - h : 0;
}

/* After a rebuild: find the cursor's message again by its uid. */
static void
index_reanchor(struct account *a, struct index *ix, struct index_pos *p)
{
	const struct msgtab *mb = account_msgtab(a);
	const struct rowlist *mv = account_view(a);
	ssize_t idx, row = -1;

	if (mv == NULL)
		return;
	if (p->generation != account_generation(a)) { /* another folder */
		p->generation = account_generation(a);
		p->uid = 0;
		p->top = 0;
		g_hash_table_remove_all(p->tags);
	}
	if (p->uid != 0 && (idx = msgtab_find_uid(mb, p->uid)) >= 0)
		row = rowlist_find_index(mv, idx);
	if (row < 0 && p->uid == 0) {
		/* A folder just opened: start on the newest message. */
		enum msgtab_sort sort;
		bool reverse, threaded;

		account_get_order(a, &sort, &reverse, &threaded);
		row = reverse ? 0 : (ssize_t)rowlist_count(mv) - 1;
	} else if (row < 0)
		row = (ssize_t)p->row;
	index_move(a, ix, p, row);
}

/* Draw the visible rows, or why there are none. */
static void
index_draw(struct ui *ui, struct view *v, int top, int height, int width)
{
	struct index *ix = v->data;
	struct account *a = ui_current_account(ui);
	const struct rowlist *mv;
	struct index_pos *p;
	size_t i, n;
	int mid = top + height / 2 - 1;

	ix->height = height;
	if (a == NULL) {
		ui_put(mid, (width - 23) / 2, width, theme_attr(TH_EMPTY),
		    "No accounts configured.");
		ui_put(mid + 1, (width - 49) / 2 > 0 ? (width - 49) / 2 : 0,
		    width, theme_attr(TH_EMPTY),
		    "Add one to ~/.config/tern/config (see man tern).");
		return;
	}
	p = index_pos(ui, ix);
	mv = account_view(a);
	n = mv ? rowlist_count(mv) : 0;
	if (n == 0) {
		const char *st = account_status(a);
		int w = sanitize_width(st, strlen(st));

		ui_put(mid, (width - 12) / 2, width, theme_attr(TH_EMPTY),
		    "No messages.");
		ui_put(mid + 1, w < width ? (width - w) / 2 : 0, width,
		    theme_attr(TH_EMPTY), st);
		return;
	}
	/* The height may have changed since the cursor last moved. */
	if (p->row >= n)
		p->row = n - 1;
	if (p->row < p->top)
		p->top = p->row;
	else if (p->row >= p->top + height)
		p->top = p->row - height + 1;
	if (p->top + height > n) /* fill the screen when we can */
		p->top = n > (size_t)height ? n - height : 0;
	for (i = 0; i < (size_t)height && p->top + i < n; i++) {
		size_t row = p->top + i;
		const struct rowlist_row *r = rowlist_row(mv, row);
		uint32_t flags = msgtab_flags(account_msgtab(a), r->index);
		uint32_t uid = msgtab_uid(account_msgtab(a), r->index);
		char *line = index_line_format(account_msgtab(a), mv, row,
		    g_hash_table_contains(p->tags, GUINT_TO_POINTER(uid)),
		    time(NULL));
		int attr;

		if (row == p->row)
			attr = theme_attr(TH_INDEX_SELECTED);
		else if (g_hash_table_contains(p->tags, GUINT_TO_POINTER(uid)))
			attr = theme_attr(TH_INDEX_TAGGED);
		else if (flags & MSG_DELETED)
			attr = theme_attr(TH_INDEX_DELETED);
		else if (flags & MSG_FLAGGED)
			attr = theme_attr(TH_INDEX_FLAGGED);
		else if (!(flags & MSG_SEEN))
			attr = theme_attr(TH_INDEX_NEW);
		else
			attr = theme_attr(TH_INDEX);
		if (row == p->row) {
			attrset(attr);
			mvhline(top + i, 0, ' ', width);
		}
		ui_put(top + i, 0, width, attr, line);
		free(line);
	}
}

/* The uids an action applies to: the tagged ones, or the cursor's. */
static uint32_t *
index_targets(struct ui *ui, struct index *ix, struct index_pos *p, size_t *n)
{
	uint32_t *uids;
	GHashTableIter it;
	gpointer k;

	if (ix->tag_prefix) {
		ix->tag_prefix = 0;
		*n = g_hash_table_size(p->tags);
		if (*n == 0) {
			ui_message(ui, "No tagged messages.");
			return NULL;
		}
		uids = xcalloc(*n, sizeof *uids);
		*n = 0;
		g_hash_table_iter_init(&it, p->tags);
		while (g_hash_table_iter_next(&it, &k, NULL))
			uids[(*n)++] = GPOINTER_TO_UINT(k);
		return uids;
	}
	*n = 1;
	uids = xcalloc(1, sizeof *uids);
	uids[0] = p->uid;
	return uids;
}

/* Toggle a flag: set it unless every target has it. */
static void
index_toggle(struct ui *ui, struct index *ix, struct index_pos *p,
    uint32_t flag, int set)
{
	struct account *a = ui_current_account(ui);
	const struct msgtab *mb = account_msgtab(a);
	size_t n, i;
	uint32_t *uids = index_targets(ui, ix, p, &n);
	ssize_t idx;

	if (uids == NULL)
		return;
	if (set == -1) { /* toggle */
		set = 0;
		for (i = 0; i < n; i++)
			if ((idx = msgtab_find_uid(mb, uids[i])) >= 0 &&
			    !(msgtab_flags(mb, idx) & flag))
				set = 1;
	}
	account_change_flags(a, uids, n, set ? flag : 0, set ? 0 : flag);
	free(uids);
}

/* Find the next row (after the cursor, wrapping) matching a pattern. */
static void
index_search(struct ui *ui, struct index *ix, const char *text)
{
	struct account *a = ui_current_account(ui);
	const struct rowlist *mv = account_view(a);
	struct index_pos *p = index_pos(ui, ix);
	struct pattern *pat;
	size_t n = rowlist_count(mv), i, row;
	char *err = NULL;

	pat = pattern_compile(text, time(NULL), &err);
	if (pat == NULL) {
		ui_error(ui, "%s", err);
		free(err);
		return;
	}
	if (pattern_needs_body(pat)) {
		ui_error(ui,
		    "Searching bodies works with limit (l), not with "
		    "search.");
		pattern_free(pat);
		return;
	}
	for (i = 1; i <= n; i++) {
		row = (p->row + i) % n;
		if (pattern_match(pat, account_msgtab(a),
			rowlist_row(mv, row)->index, NULL, NULL)) {
			index_move(a, ix, p, row);
			if (row <= p->row && i > 0 && row != (p->row + i) % n)
				break;
			if ((p->row + i) >= n)
				ui_message(ui, "Search wrapped to the top.");
			pattern_free(pat);
			return;
		}
	}
	pattern_free(pat);
	ui_error(ui, "Not found.");
}

/* The search prompt answered. */
static void
index_search_done(struct ui *ui, const char *text, void *arg)
{
	struct view *v = arg;
	struct index *ix = v->data;

	if (text == NULL || *text == '\0')
		return;
	free(ix->last_search);
	ix->last_search = xstrdup(text);
	index_search(ui, ix, text);
}

/* The limit prompt answered. */
static void
index_limit_done(struct ui *ui, const char *text, void *arg)
{
	struct account *a = ui_current_account(ui);
	char *err = NULL;

	if (text == NULL)
		return;
	if (account_set_limit(a, text, &err) == -1) {
		ui_error(ui, "%s", err);
		free(err);
	}
}

/* Complete a folder name: the nth folder starting with text. */
static char *
index_complete_folder(struct ui *ui, const char *text, int nth, void *arg)
{
	struct account *a = ui_current_account(ui);
	const struct be_folder *f;
	size_t n, i;
	int k = 0;

	f = account_folders(a, &n);
	for (i = 0; i < n; i++) {
		if (g_ascii_strncasecmp(f[i].name, text, strlen(text)) != 0)
			continue;
		if (k++ == nth)
			return xstrdup(f[i].name);
	}
	return NULL;
}

/* The change-folder prompt answered. */
static void
index_folder_done(struct ui *ui, const char *text, void *arg)
{
	struct account *a = ui_current_account(ui);

	if (text == NULL || *text == '\0')
		return;
	account_open_folder(a, text);
}

/* The sort question answered. */
static void
index_sort_done(struct ui *ui, int key, void *arg)
{
	struct account *a = ui_current_account(ui);
	int reverse_asked = arg != NULL;
	enum msgtab_sort sort;
	bool reverse, threaded;

	account_get_order(a, &sort, &reverse, &threaded);
	switch (key) {
	case 'd': sort = MSGTAB_SORT_DATE; break;
	case 'a':
	case 'r': sort = MSGTAB_SORT_ARRIVAL; break;
	case 'f': sort = MSGTAB_SORT_FROM; break;
	case 's': sort = MSGTAB_SORT_SUBJECT; break;
	case 'z': sort = MSGTAB_SORT_SIZE; break;
	case 'l': sort = MSGTAB_SORT_FLAGS; break;
	case 't':
		account_set_order(a, sort, reverse_asked, !threaded);
		ui_message(ui, threaded ? "Threads off." : "Threads on.");
		return;
	default: ui_message(ui, "Not sorted."); return;
	}
	account_set_order(a, sort, reverse_asked, threaded);
	ui_message(ui, "Sorted by %s%s.", reverse_asked ? "reverse " : "",
	    msgtab_sort_name(sort));
}

/* Handle the index's keys; ACT_NONE (key 0) re-anchors the cursor. */
static int
index_key(struct ui *ui, struct view *v, enum key_action act, int key)
{
	struct index *ix = v->data;
	struct account *a = ui_current_account(ui);
	struct index_pos *p;
	const struct rowlist *mv;
	size_t n;
	int page = ix->height > 1 ? ix->height - 1 : 1;

	if (act == ACT_HELP) {
		ui_push_view(ui, help_view_new(ui, MENU_INDEX));
		return 1;
	}
	if (a == NULL)
		return 0;
	p = index_pos(ui, ix);
	mv = account_view(a);
	n = mv ? rowlist_count(mv) : 0;
	if (act == ACT_NONE) {
		index_reanchor(a, ix, p);
		return 1;
	}
	switch (act) {
	case ACT_CHANGE_FOLDER:
		ui_prompt(ui, "Open folder (Tab completes): ", NULL,
		    index_folder_done, index_complete_folder, v);
		return 1;
	case ACT_LIMIT:
		ui_prompt(ui, "Limit to messages matching: ", account_limit(a),
		    index_limit_done, NULL, v);
		return 1;
	case ACT_SORT:
	case ACT_SORT_REVERSE:
		ui_ask_key(ui,
		    act == ACT_SORT
			? "Sort (d)ate (a)rrival (f)rom (s)ubject si(z)e "
			  "f(l)ags (t)hreads? "
			: "Reverse sort (d)ate (a)rrival (f)rom (s)ubject "
			  "si(z)e f(l)ags (t)hreads? ",
		    index_sort_done, act == ACT_SORT ? NULL : v);
		return 1;
	case ACT_SYNC_MAILBOX: account_expunge(a); return 1;
	default: break;
	}
	if (n == 0) {
		switch (act) {
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
		case ACT_SEARCH_NEXT:
		case ACT_COLLAPSE_THREAD:
		case ACT_COLLAPSE_ALL: ui_message(ui, "No messages."); return 1;
		default: return 0;
		}
	}
	switch (act) {
	case ACT_NEXT_ENTRY:
		if (p->row + 1 >= n)
			ui_message(ui, "You are on the last message.");
		index_move(a, ix, p, p->row + 1);
		return 1;
	case ACT_PREV_ENTRY:
		if (p->row == 0)
			ui_message(ui, "You are on the first message.");
		index_move(a, ix, p, (ssize_t)p->row - 1);
		return 1;
	case ACT_NEXT_PAGE:
		p->top = p->top + page < n ? p->top + page : p->top;
		index_move(a, ix, p, p->row + page);
		return 1;
	case ACT_PREV_PAGE:
		p->top = p->top > (size_t)page ? p->top - page : 0;
		index_move(a, ix, p, (ssize_t)p->row - page);
		return 1;
	case ACT_FIRST_ENTRY: index_move(a, ix, p, 0); return 1;
	case ACT_LAST_ENTRY: index_move(a, ix, p, n - 1); return 1;
	case ACT_DISPLAY_MESSAGE:
		ui_push_view(ui, pager_view_new(ui, a, p->uid));
		return 1;
	case ACT_DELETE:
		index_toggle(ui, ix, p, MSG_DELETED, 1);
		if (!ix->tag_prefix)
			index_move(a, ix, p, p->row + 1);
		return 1;
	case ACT_UNDELETE: index_toggle(ui, ix, p, MSG_DELETED, 0); return 1;
	case ACT_FLAG: index_toggle(ui, ix, p, MSG_FLAGGED, -1); return 1;
	case ACT_TOGGLE_NEW: index_toggle(ui, ix, p, MSG_SEEN, -1); return 1;
	case ACT_TAG:
		if (ix->tag_prefix) { /* ;t untags everything */
			ix->tag_prefix = 0;
			g_hash_table_remove_all(p->tags);
			return 1;
		}
		if (!g_hash_table_remove(p->tags, GUINT_TO_POINTER(p->uid)))
			g_hash_table_add(p->tags, GUINT_TO_POINTER(p->uid));
		index_move(a, ix, p, p->row + 1);
		return 1;
	case ACT_TAG_PREFIX:
		ix->tag_prefix = 1;
		ui_message(ui, "tag-");
		return 1;
	case ACT_SEARCH:
		ui_prompt(ui, "Search for: ", NULL, index_search_done, NULL, v);
		return 1;
	case ACT_SEARCH_NEXT:
		if (ix->last_search == NULL)
			ui_error(ui, "No search pattern.");
		else
			index_search(ui, ix, ix->last_search);
		return 1;
	case ACT_COLLAPSE_THREAD:
		if (rowlist_toggle_collapse(account_view_mut(a), p->row) < 0)
			ui_message(ui, "Threading is off (o t turns it on).");
		index_reanchor(a, ix, p);
		return 1;
	case ACT_COLLAPSE_ALL:
		rowlist_collapse_all(account_view_mut(a),
		    !(rowlist_row(mv, p->row)->flags & ROWLIST_ROW_COLLAPSED));
		index_reanchor(a, ix, p);
		return 1;
	default: return 0;
	}
}

/* The status line: account, folder, counts, order, limit, progress. */
static void
index_status(struct ui *ui, struct view *v, char *buf, size_t len)
{
	struct account *a = ui_current_account(ui);
	const struct account_conf *ac;
	const struct msgtab *mb;
	const struct rowlist *mv;
	enum msgtab_sort sort;
	bool reverse, threaded;
	size_t done, total, i, n, unseen = 0, flagged = 0, deleted = 0;
	char order[64], progress[64] = "", lim[128] = "";

	if (a == NULL) {
		snprintf(
		    buf, len, "--- tern --- no accounts ---  ?:help  q:quit");
		return;
	}
	ac = account_conf(a);
	mb = account_msgtab(a);
	mv = account_view(a);
	n = mb ? msgtab_count(mb) : 0;
	for (i = 0; i < n; i++) {
		uint32_t f = msgtab_flags(mb, i);

		unseen += !(f & MSG_SEEN);
		flagged += !!(f & MSG_FLAGGED);
		deleted += !!(f & MSG_DELETED);
	}
	account_get_order(a, &sort, &reverse, &threaded);
	snprintf(order, sizeof order, "%s%s%s", reverse ? "reverse-" : "",
	    msgtab_sort_name(sort), threaded ? "/threads" : "");
	if (account_loading(a, &done, &total))
		snprintf(progress, sizeof progress, " [reading %zu/%zu]", done,
		    total);
	if (account_limit(a) != NULL)
		snprintf(lim, sizeof lim, " limit: %s (%zu shown)",
		    account_limit(a), mv ? rowlist_count(mv) : 0);
	if (ac->type == ACCOUNT_MAILDIR)
		snprintf(buf, len,
		    "--- %s [maildir] %s [Msgs:%zu New:%zu Flag:%zu Del:%zu] "
		    "(%s)%s%s ---  ?:help",
		    ac->name, account_folder(a) ? account_folder(a) : "", n,
		    unseen, flagged, deleted, order, lim, progress);
	else
		snprintf(buf, len,
		    "--- %s [%s, tls %s] %s [Msgs:%zu New:%zu Flag:%zu "
		    "Del:%zu] "
		    "(%s)%s%s ---  ?:help",
		    ac->name, conf_type_name(ac->type), conf_tls_name(ac->tls),
		    account_folder(a) ? account_folder(a) : "", n, unseen,
		    flagged, deleted, order, lim, progress);
}

/* Free the view. */
static void
index_free(struct view *v)
{
	struct index *ix = v->data;
	size_t i;

	for (i = 0; i < ix->npos; i++)
		g_hash_table_destroy(ix->pos[i].tags);
	free(ix->pos);
	free(ix->last_search);
	free(ix);
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
	struct index *ix = xcalloc(1, sizeof *ix);
	size_t i, n = account_manager_count(ui_accounts(ui));

	ix->npos = n ? n : 1;
	ix->pos = xcalloc(ix->npos, sizeof *ix->pos);
	for (i = 0; i < ix->npos; i++)
		ix->pos[i].tags = g_hash_table_new(NULL, NULL);
	v->ops = &index_ops;
	v->data = ix;
	return v;
}
