/*
 * pager.c - one message, as mime_render() laid it out.
 *
 * The pager asks the account for the message's bytes and shows "Loading"
 * until they come; the screen never waits.  The rendering arrives
 * wrapped; a new window width re-wraps it (render_set_width()), so the
 * pager only paints rows.  Opening a message marks it seen.
 *
 * Two lists live in the same view: the attachments ('v': save with 's',
 * open through mailcap with 'm' or Return) and the URLs (^B: Return runs
 * the URL command).  Programs run with the screen handed back to the
 * terminal and are waited for, as in mutt; a copiousoutput viewer's
 * output is shown in a text view.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curses.h>
#include <glib.h>

#include "account.h"
#include "message/mailcap.h"
#include "message/mime_render.h"
#include "paths.h"
#include "theme.h"
#include "view.h"
#include "xmalloc.h"

enum pager_mode {
	PAGER_MESSAGE,
	PAGER_ATTACHMENTS,
	PAGER_URLS,
};

/*
 * What the body callback gets: the pager, or NULL once the user left
 * before the body came (the callback then only frees the ticket).
 */
struct pager_ticket {
	struct pager *pg;
};

struct pager {
	struct ui *ui;
	struct account *acct;
	uint32_t uid;
	struct render *render;
	char *error;
	int all_headers;
	char *raw; /* the message, kept to re-render */
	size_t raw_len;
	int width; /* the width the rendering is wrapped for */
	size_t top;
	int height;
	struct pager_ticket *ticket; /* the body on its way, or NULL */

	enum pager_mode mode;
	size_t sel; /* the chosen entry of a list */
	size_t list_top;
	size_t save_index; /* the attachment a save prompt is for */
	char *save_path;
};

/*
 * The reading settings from [general]: mailcap file, shown headers,
 * alternative order and URL command (else $BROWSER).
 */
static void
pager_settings(
    const struct pager *pg, struct render_opts *o, const char **url_command)
{
	const struct conf *conf = account_manager_conf(ui_accounts(pg->ui));

	o->mailcap = conf->mailcap;
	o->header_list = (const char *const *)conf->header_list;
	o->alternative_order = (const char *const *)conf->alternative_order;
	*url_command =
	    conf->url_command ? conf->url_command : getenv("BROWSER");
}

/* Render the bytes (again, after a toggle); the next draw wraps. */
static void
pager_render(struct pager *pg)
{
	struct render_opts o = { .all_headers = pg->all_headers };
	const char *url;

	pager_settings(pg, &o, &url);
	render_free(pg->render);
	pg->render = mime_render(pg->raw, pg->raw_len, &o);
	pg->width = -1;
}

/* The colour of a row. */
static int
pager_attr(const struct render_line *l)
{
	switch (l->kind) {
	case RENDER_QUOTE:
	case RENDER_SIGNATURE: return theme_attr(TH_EMPTY);
	case RENDER_ATTACHMENT:
	case RENDER_NOTE: return theme_attr(TH_HELP_TITLE);
	case RENDER_SIG_GOOD: return theme_attr(TH_MESSAGE);
	case RENDER_SIG_BAD: return theme_attr(TH_ERROR);
	default: return theme_attr(TH_NORMAL);
	}
}

/* Put s[0..n) at (row, *col), moving *col on. */
static void
pager_put_part(int row, int *col, int width, int attr, const char *s, size_t n)
{
	char *t;

	if (n == 0 || *col >= width)
		return;
	t = xstrndup(s, n);
	*col += ui_put_text(row, *col, width - *col, attr, t);
	free(t);
}

/* Draw one row: a header's name in its colour, links underlined. */
static void
pager_draw_row(const struct render_line *l, int row, int width)
{
	int attr = pager_attr(l), col = 0;
	size_t off = 0, i;

	if (l->kind == RENDER_HEADER && l->name_len > 0) {
		pager_put_part(row, &col, width, theme_attr(TH_HELP_KEY),
		    l->text, l->name_len);
		off = l->name_len;
	}
	for (i = 0; i < l->nlinks; i++) {
		const struct render_link *k = &l->links[i];

		if (k->start < off)
			continue;
		pager_put_part(
		    row, &col, width, attr, l->text + off, k->start - off);
		pager_put_part(row, &col, width, attr | A_UNDERLINE,
		    l->text + k->start, k->len);
		off = k->start + k->len;
	}
	pager_put_part(
	    row, &col, width, attr, l->text + off, strlen(l->text + off));
}

/* How many entries the current list has. */
static size_t
pager_list_count(const struct pager *pg)
{
	if (pg->render == NULL)
		return 0;
	return pg->mode == PAGER_URLS ? render_url_count(pg->render)
				      : render_attachment_count(pg->render);
}

/* Draw the attachment or URL list, the chosen entry highlighted. */
static void
pager_draw_list(struct pager *pg, int top, int height, int width)
{
	size_t n = pager_list_count(pg), i;
	int rows = height > 2 ? height - 2 : 1;

	ui_put(top, 1, width - 1, theme_attr(TH_HELP_TITLE),
	    pg->mode == PAGER_URLS ? "URLs in this message"
				   : "Attachments of this message");
	if (n == 0) {
		ui_put(top + 2, 1, width - 1, theme_attr(TH_EMPTY), "(none)");
		return;
	}
	if (pg->sel < pg->list_top)
		pg->list_top = pg->sel;
	if (pg->sel >= pg->list_top + rows)
		pg->list_top = pg->sel - rows + 1;
	for (i = 0; i < (size_t)rows && pg->list_top + i < n; i++) {
		size_t k = pg->list_top + i;
		int attr =
		    theme_attr(k == pg->sel ? TH_INDEX_SELECTED : TH_INDEX);
		char *s = pg->mode == PAGER_URLS
		    ? xasprintf("[%zu] %s", k + 1, render_url(pg->render, k))
		    : render_attachment_describe(
			  render_attachment(pg->render, k));

		attrset(attr);
		mvhline(top + 2 + i, 0, ' ', width);
		attrset(A_NORMAL);
		ui_put(top + 2 + i, 1, width - 1, attr, s);
		free(s);
	}
}

/* Draw the visible rows (or a list). */
static void
pager_draw(struct ui *ui, struct view *v, int top, int height, int width)
{
	struct pager *pg = v->data;
	size_t i, n;

	(void)ui;
	pg->height = height;
	if (pg->error != NULL) {
		ui_put(top, 0, width, theme_attr(TH_ERROR), pg->error);
		return;
	}
	if (pg->render == NULL) {
		ui_put(top, 0, width, theme_attr(TH_EMPTY), "Loading...");
		return;
	}
	if (pg->width != width) {
		render_set_width(pg->render, width);
		pg->width = width;
	}
	if (pg->mode != PAGER_MESSAGE) {
		pager_draw_list(pg, top, height, width);
		return;
	}
	n = render_count(pg->render);
	if (pg->top >= n)
		pg->top = n > 0 ? n - 1 : 0;
	for (i = 0; i < (size_t)height && pg->top + i < n; i++)
		pager_draw_row(
		    render_line(pg->render, pg->top + i), top + i, width);
}

/* The message's bytes arrived (or did not). */
static void
pager_body_cb(
    enum be_status st, const char *msg, const char *data, size_t len, void *arg)
{
	struct pager_ticket *t = arg;
	struct pager *pg;

	if (t->pg == NULL) { /* the user left before it came */
		free(t);
		return;
	}
	pg = t->pg;
	pg->ticket = NULL;
	free(t);
	if (st != BE_OK) {
		pg->error = xasprintf("Cannot read the message: %s", msg);
	} else {
		pg->raw = xmalloc(len + 1);
		memcpy(pg->raw, data, len);
		pg->raw[len] = '\0';
		pg->raw_len = len;
		pager_render(pg);
	}
	ui_set_dirty(pg->ui);
}

/* Give the terminal to a program; take it back afterwards. */
static void
pager_leave_screen(void)
{
	def_prog_mode();
	endwin();
	fflush(stdout);
}

/* Take the terminal back after a program ran. */
static void
pager_enter_screen(struct ui *ui)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	ui_set_dirty(ui);
}

/* Open the chosen URL with the URL command. */
static void
pager_open_url(struct pager *pg)
{
	struct render_opts o = { 0 };
	const char *cmd, *url;
	char *err = NULL;
	int rc;

	if (pg->sel >= render_url_count(pg->render))
		return;
	pager_settings(pg, &o, &cmd);
	url = render_url(pg->render, pg->sel);
	if (cmd == NULL || *cmd == '\0') {
		ui_error(
		    pg->ui, "No URL command: set url_command (or $BROWSER)");
		return;
	}
	pager_leave_screen();
	rc = mailcap_run_url(cmd, url, &err);
	pager_enter_screen(pg->ui);
	if (rc == -1) {
		ui_error(pg->ui, "%s", err);
		free(err);
	} else if (rc != 0)
		ui_error(pg->ui, "%s exited with status %d", cmd, rc);
	else
		ui_message(pg->ui, "Opened %s", url);
}

/* Open the chosen attachment through mailcap. */
static void
pager_open_attachment(struct pager *pg)
{
	struct render_opts o = { 0 };
	struct render_viewer *rv;
	const char *url;
	char *err = NULL, *out = NULL;
	size_t len;
	int rc;

	if (pg->sel >= render_attachment_count(pg->render))
		return;
	pager_settings(pg, &o, &url);
	rv = render_attachment_viewer(pg->render, pg->sel, o.mailcap, 1, &err);
	if (rv == NULL) {
		ui_error(pg->ui, "%s", err);
		free(err);
		return;
	}
	if (render_viewer_copious(rv))
		rc = render_viewer_run(rv, &out, &len, &err);
	else {
		pager_leave_screen();
		rc = render_viewer_run(rv, &out, &len, &err);
		pager_enter_screen(pg->ui);
	}
	if (rc == -1) {
		ui_error(pg->ui, "%s", err);
		free(err);
	} else if (rc != 0)
		ui_error(pg->ui, "%s exited with status %d",
		    render_viewer_command(rv), rc);
	if (out != NULL && len > 0) {
		char *title = render_attachment_describe(
		    render_attachment(pg->render, pg->sel));
		char *text = xstrndup(out, len);

		ui_push_view(pg->ui, text_view_new(pg->ui, title, text));
		free(title);
		free(text);
	}
	free(out);
	render_viewer_free(rv);
}

/* Save the attachment the prompt was for to pg->save_path. */
static void
pager_save_to(struct pager *pg, int force)
{
	char *err = NULL;

	if (render_attachment_save(
		pg->render, pg->save_index, pg->save_path, force, &err) == -1) {
		ui_error(pg->ui, "%s", err);
		free(err);
	} else
		ui_message(pg->ui, "Saved to %s", pg->save_path);
	free(pg->save_path);
	pg->save_path = NULL;
}

/* The answer to "overwrite?". */
static void
pager_overwrite_cb(struct ui *ui, int key, void *arg)
{
	struct pager *pg = arg;

	(void)ui;
	if (key == 'y' || key == 'Y')
		pager_save_to(pg, 1);
	else {
		ui_message(pg->ui, "Not saved");
		free(pg->save_path);
		pg->save_path = NULL;
	}
}

/* The file name typed at "Save to:" (a directory gets the safe name). */
static void
pager_save_cb(struct ui *ui, const char *text, void *arg)
{
	struct pager *pg = arg;
	struct stat st;
	char *path, *q;

	if (text == NULL || *text == '\0' || pg->render == NULL)
		return;
	path = paths_expand_home(text);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *name =
		    render_attachment_filename(pg->render, pg->save_index);

		free(pg->save_path);
		pg->save_path = g_build_filename(path, name, NULL);
		free(name);
		free(path);
	} else {
		free(pg->save_path);
		pg->save_path = path;
	}
	if (access(pg->save_path, F_OK) == 0) {
		q = xasprintf("%s exists; overwrite it? (y/n) ", pg->save_path);
		ui_ask_key(ui, q, pager_overwrite_cb, pg);
		free(q);
		return;
	}
	pager_save_to(pg, 0);
}

/* Ask where to save the chosen attachment. */
static void
pager_save(struct pager *pg)
{
	char *name;

	if (pg->sel >= render_attachment_count(pg->render))
		return;
	pg->save_index = pg->sel;
	name = render_attachment_filename(pg->render, pg->sel);
	ui_prompt(pg->ui, "Save to: ", name, pager_save_cb, NULL, pg);
	free(name);
}

/* Move the choice in a list. */
static void
pager_list_move(struct pager *pg, enum key_action act)
{
	size_t n = pager_list_count(pg);
	size_t page = pg->height > 3 ? pg->height - 3 : 1;

	if (n == 0)
		return;
	switch (act) {
	case ACT_NEXT_ENTRY:
		if (pg->sel + 1 < n)
			pg->sel++;
		break;
	case ACT_PREV_ENTRY:
		if (pg->sel > 0)
			pg->sel--;
		break;
	case ACT_NEXT_PAGE: pg->sel = MIN(pg->sel + page, n - 1); break;
	case ACT_PREV_PAGE:
		pg->sel = pg->sel > page ? pg->sel - page : 0;
		break;
	case ACT_FIRST_ENTRY: pg->sel = 0; break;
	case ACT_LAST_ENTRY: pg->sel = n - 1; break;
	default: break;
	}
}

/* Switch to a list (or back to the message). */
static void
pager_set_mode(struct pager *pg, enum pager_mode mode)
{
	pg->mode = mode;
	pg->sel = 0;
	pg->list_top = 0;
}

/* Keys while a list is shown. */
static int
pager_list_key(struct pager *pg, enum key_action act)
{
	switch (act) {
	case ACT_EXIT: pager_set_mode(pg, PAGER_MESSAGE); return 1;
	case ACT_NEXT_ENTRY:
	case ACT_PREV_ENTRY:
	case ACT_NEXT_PAGE:
	case ACT_PREV_PAGE:
	case ACT_FIRST_ENTRY:
	case ACT_LAST_ENTRY: pager_list_move(pg, act); return 1;
	case ACT_VIEW_ATTACHMENTS:
		pager_set_mode(pg, PAGER_ATTACHMENTS);
		return 1;
	case ACT_VIEW_URLS: pager_set_mode(pg, PAGER_URLS); return 1;
	case ACT_SAVE_ENTRY:
		if (pg->mode == PAGER_ATTACHMENTS)
			pager_save(pg);
		return 1;
	case ACT_VIEW_MAILCAP:
		if (pg->mode == PAGER_ATTACHMENTS)
			pager_open_attachment(pg);
		return 1;
	case ACT_HELP: return 0;
	case ACT_SELECT_ENTRY:
		if (pg->mode == PAGER_URLS)
			pager_open_url(pg);
		else
			pager_open_attachment(pg);
		return 1;
	default: return 0;
	}
}

/* Scroll, toggle headers, lists, delete, or leave. */
static int
pager_key(struct ui *ui, struct view *v, enum key_action act, int key)
{
	struct pager *pg = v->data;
	size_t n, last, page = pg->height > 1 ? pg->height - 1 : 1;

	(void)key;
	n = pg->render ? render_count(pg->render) : 0;
	last = n > (size_t)pg->height ? n - pg->height : 0;
	if (pg->mode != PAGER_MESSAGE && pg->render != NULL &&
	    pager_list_key(pg, act))
		return 1;
	switch (act) {
	case ACT_EXIT: ui_pop_view(ui); return 1;
	case ACT_NEXT_ENTRY:
	case ACT_SELECT_ENTRY: /* Return in a message: the next line */
		pg->top = pg->top < last ? pg->top + 1 : last;
		return 1;
	case ACT_PREV_ENTRY: pg->top = pg->top > 0 ? pg->top - 1 : 0; return 1;
	case ACT_NEXT_PAGE:
		pg->top = pg->top + page < last ? pg->top + page : last;
		return 1;
	case ACT_PREV_PAGE:
		pg->top = pg->top > page ? pg->top - page : 0;
		return 1;
	case ACT_FIRST_ENTRY: pg->top = 0; return 1;
	case ACT_LAST_ENTRY: pg->top = last; return 1;
	case ACT_TOGGLE_HEADERS:
		if (pg->raw != NULL) {
			pg->all_headers = !pg->all_headers;
			pager_render(pg);
		}
		return 1;
	case ACT_VIEW_ATTACHMENTS:
	case ACT_SAVE_ENTRY:
	case ACT_VIEW_MAILCAP:
		if (pg->render != NULL)
			pager_set_mode(pg, PAGER_ATTACHMENTS);
		return 1;
	case ACT_VIEW_URLS:
		if (pg->render != NULL)
			pager_set_mode(pg, PAGER_URLS);
		return 1;
	case ACT_DELETE:
		account_change_flags(pg->acct, &pg->uid, 1, MSG_DELETED, 0);
		ui_pop_view(ui);
		return 1;
	case ACT_UNDELETE:
		account_change_flags(pg->acct, &pg->uid, 1, 0, MSG_DELETED);
		return 1;
	case ACT_FLAG: {
		const struct msgtab *mb = account_msgtab(pg->acct);
		ssize_t idx = msgtab_find_uid(mb, pg->uid);

		if (idx >= 0 && (msgtab_flags(mb, idx) & MSG_FLAGGED))
			account_change_flags(
			    pg->acct, &pg->uid, 1, 0, MSG_FLAGGED);
		else
			account_change_flags(
			    pg->acct, &pg->uid, 1, MSG_FLAGGED, 0);
		return 1;
	}
	case ACT_HELP:
		ui_push_view(ui, help_view_new(ui, MENU_PAGER));
		return 1;
	default: return 0;
	}
}

/* The status line: where in the message we are, or the list's keys. */
static void
pager_status(struct ui *ui, struct view *v, char *buf, size_t len)
{
	struct pager *pg = v->data;
	size_t n = pg->render ? render_count(pg->render) : 0;
	int pct = n == 0 ? 100
	    : pg->top + pg->height >= n
	    ? 100
	    : (int)((pg->top + pg->height) * 100 / n);

	(void)ui;
	if (pg->mode == PAGER_ATTACHMENTS)
		snprintf(buf, len,
		    "--- %s: message %u: attachments ---  q:back  s:save  "
		    "m/Enter:open  ?:help",
		    account_name(pg->acct), pg->uid);
	else if (pg->mode == PAGER_URLS)
		snprintf(buf, len,
		    "--- %s: message %u: URLs ---  q:back  Enter:open  ?:help",
		    account_name(pg->acct), pg->uid);
	else
		snprintf(buf, len,
		    "--- %s: message %u --- %d%% ---  q:back  h:headers"
		    "  v:attachments  ^B:URLs  d:delete  ?:help",
		    account_name(pg->acct), pg->uid, pct);
}

/* Free the view; a body still on its way is dropped when it comes. */
static void
pager_free(struct view *v)
{
	struct pager *pg = v->data;

	if (pg->ticket != NULL)
		pg->ticket->pg = NULL;
	render_free(pg->render);
	free(pg->raw);
	free(pg->error);
	free(pg->save_path);
	free(pg);
	free(v);
}

static const struct view_ops pager_ops = {
	.name = "pager",
	.menu = MENU_PAGER,
	.draw = pager_draw,
	.key = pager_key,
	.status = pager_status,
	.free = pager_free,
};

/* Open the pager on a message; it marks it seen and asks for its bytes. */
struct view *
pager_view_new(struct ui *ui, struct account *acct, uint32_t uid)
{
	struct view *v = xcalloc(1, sizeof *v);
	struct pager *pg = xcalloc(1, sizeof *pg);
	const struct msgtab *mb = account_msgtab(acct);
	ssize_t idx = msgtab_find_uid(mb, uid);
	struct pager_ticket *t;

	pg->ui = ui;
	pg->acct = acct;
	pg->uid = uid;
	pg->width = -1;
	v->ops = &pager_ops;
	v->data = pg;
	/* The callback gets a flag it can check even after the view went. */
	t = xcalloc(1, sizeof *t);
	t->pg = pg;
	pg->ticket = t;
	if (idx >= 0 && !(msgtab_flags(mb, idx) & MSG_SEEN))
		account_change_flags(acct, &uid, 1, MSG_SEEN, 0);
	account_fetch_body(acct, uid, pager_body_cb, t);
	return v;
}
