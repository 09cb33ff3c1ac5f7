/*
 * ui.c - the ncurses user interface: screen, views, keys, redraws.
 *
 * Everything is an event on the one libevent loop: stdin, SIGWINCH, the
 * signals that end tern, and a redraw event.  Changes only mark the screen
 * dirty; the redraw event runs at the lowest priority, so the screen is
 * drawn once per loop turn, after every input and network event of that
 * turn has been handled.
 *
 * Screen rows: the account bar on top, the current view, the status line,
 * and the message line at the bottom.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>
#include <event2/event.h>

#include "account.h"
#include "conf.h"
#include "keymap.h"
#include "log.h"
#include "theme.h"
#include "ui.h"
#include "view.h"
#include "xmalloc.h"

#define UI_MAX_VIEWS 8
#define UI_PRIO_INPUT 0
#define UI_PRIO_REDRAW 2

struct ui {
	struct event_base *base; /* borrowed */
	struct account_manager *am; /* borrowed */
	struct keymap *keymap;
	size_t current; /* account shown */

	struct view *views[UI_MAX_VIEWS];
	int nviews;

	char *message;
	int message_error;

	struct event *input_ev;
	struct event *redraw_ev;
	struct event *winch_ev;
	struct event *term_ev[3];
	int redraw_pending;
	int quitting;
};

/* Schedule one redraw for the end of this loop turn. */
void
ui_set_dirty(struct ui *ui)
{
	if (ui->redraw_pending)
		return;
	ui->redraw_pending = 1;
	event_active(ui->redraw_ev, EV_TIMEOUT, 1);
}

/* Set the message line. */
static void
ui_vmessage(struct ui *ui, int error, const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	free(ui->message);
	ui->message = msg;
	ui->message_error = error;
	if (error)
		log_warn("%s", msg);
	ui_set_dirty(ui);
}

/* Show an informational line at the bottom of the screen. */
void
ui_message(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_vmessage(ui, 0, fmt, ap);
	va_end(ap);
}

/* Show an error line at the bottom of the screen (and log it). */
void
ui_error(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_vmessage(ui, 1, fmt, ap);
	va_end(ap);
}

/* Put a view on top of the stack; it gets the keys from now on. */
void
ui_push_view(struct ui *ui, struct view *v)
{
	if (ui->nviews == UI_MAX_VIEWS) {
		v->ops->free(v);
		ui_error(ui, "Too many screens open.");
		return;
	}
	ui->views[ui->nviews++] = v;
	ui_set_dirty(ui);
}

/* Close the top view; the last one is never closed this way. */
void
ui_pop_view(struct ui *ui)
{
	struct view *v;

	if (ui->nviews <= 1)
		return;
	v = ui->views[--ui->nviews];
	v->ops->free(v);
	ui_set_dirty(ui);
}

/* Leave the event loop; ui_run() then restores the terminal. */
void
ui_quit(struct ui *ui)
{
	ui->quitting = 1;
	event_base_loopbreak(ui->base);
}

/* The account the screen shows, or NULL when none is configured. */
struct account *
ui_current_account(struct ui *ui)
{
	return account_manager_get(ui->am, ui->current);
}

/* The key bindings in force. */
const struct keymap *
ui_keymap(struct ui *ui)
{
	return ui->keymap;
}

/*
 * Write text at (row, col), at most width columns, in attr.  Text is
 * ours or already sanitised; control bytes are shown as '?' regardless.
 */
void
ui_put(int row, int col, int width, int attr, const char *text)
{
	int i;

	if (width <= 0)
		return;
	attrset(attr);
	move(row, col);
	for (i = 0; text[i] != '\0' && i < width; i++) {
		unsigned char c = text[i];

		addch(c < 0x20 || c == 0x7f ? '?' : c);
	}
	attrset(A_NORMAL);
}

/* Fill a row with spaces in attr. */
static void
ui_fill(int row, int width, int attr)
{
	attrset(attr);
	mvhline(row, 0, ' ', width);
	attrset(A_NORMAL);
}

/* The account bar: every account, the current one highlighted. */
static void
ui_draw_accountbar(struct ui *ui, int width)
{
	size_t i, n = account_manager_count(ui->am);
	int col = 0, attr;
	char buf[128];

	ui_fill(0, width, theme_attr(TH_ACCOUNTBAR));
	ui_put(0, 0, width, theme_attr(TH_ACCOUNTBAR), " tern ");
	col = 6;
	if (n == 0)
		ui_put(0, col, width - col, theme_attr(TH_ACCOUNTBAR),
		    "| no accounts");
	for (i = 0; i < n && col < width; i++) {
		struct account *a = account_manager_get(ui->am, i);

		snprintf(buf, sizeof buf, " %zu:%s%s ", i + 1, account_name(a),
		    account_is_plaintext(a) ? " (PLAINTEXT)" : "");
		if (i == ui->current)
			attr = theme_attr(TH_ACCOUNTBAR_CURRENT);
		else if (account_is_plaintext(a))
			attr = theme_attr(TH_ACCOUNTBAR_PLAIN);
		else
			attr = theme_attr(TH_ACCOUNTBAR);
		ui_put(0, col, width - col, attr, buf);
		col += strlen(buf);
	}
}

/* Redraw everything from the model; runs once per loop turn at most. */
static void
ui_redraw_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ui *ui = arg;
	struct view *v = ui->views[ui->nviews - 1];
	int rows = LINES, cols = COLS;
	char status[512];

	ui->redraw_pending = 0;
	erase();
	if (rows < 4 || cols < 10) {
		ui_put(0, 0, cols, A_NORMAL, "Window too small");
		refresh();
		return;
	}
	ui_draw_accountbar(ui, cols);
	v->ops->draw(ui, v, 1, rows - 3, cols);
	ui_fill(rows - 2, cols, theme_attr(TH_STATUS));
	v->ops->status(ui, v, status, sizeof status);
	ui_put(rows - 2, 0, cols, theme_attr(TH_STATUS), status);
	if (ui->message != NULL)
		ui_put(rows - 1, 0, cols,
		    theme_attr(ui->message_error ? TH_ERROR : TH_MESSAGE),
		    ui->message);
	move(rows - 1, cols - 1);
	refresh();
}

/* Actions every view shares, tried when the view did not handle a key. */
static int
ui_global_action(struct ui *ui, enum key_action act)
{
	size_t n = account_manager_count(ui->am);

	switch (act) {
	case ACT_NEXT_ACCOUNT:
	case ACT_PREV_ACCOUNT:
		if (n < 2) {
			ui_message(ui, "There is no other account.");
			return 1;
		}
		if (act == ACT_NEXT_ACCOUNT)
			ui->current = (ui->current + 1) % n;
		else
			ui->current = (ui->current + n - 1) % n;
		ui_message(
		    ui, "Account %s.", account_name(ui_current_account(ui)));
		return 1;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		ui_set_dirty(ui);
		return 1;
	case ACT_QUIT: ui_quit(ui); return 1;
	default: return 0;
	}
}

/* Hand one key to the top view. */
static void
ui_key(struct ui *ui, int key)
{
	struct view *v = ui->views[ui->nviews - 1];
	enum key_action act = keymap_lookup(ui->keymap, v->ops->menu, key);

	free(ui->message);
	ui->message = NULL;
	ui_set_dirty(ui);
	if (v->ops->key(ui, v, act, key))
		return;
	if (ui_global_action(ui, act))
		return;
	if (act == ACT_NONE)
		ui_message(ui, "Key is not bound.  Press '?' for help.");
	else
		ui_message(
		    ui, "%s is not available here.", keymap_action_name(act));
}

/* stdin is readable: take every key that is waiting. */
static void
ui_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ui *ui = arg;
	int key;

	while (!ui->quitting && (key = getch()) != ERR) {
		if (key == KEY_RESIZE)
			continue; /* SIGWINCH is ours, see ui_winch_cb */
		ui_key(ui, key);
	}
}

/* The terminal changed size: tell curses, then redraw. */
static void
ui_winch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ui *ui = arg;
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui_set_dirty(ui);
}

/* SIGTERM, SIGHUP or SIGINT: leave cleanly, terminal restored. */
static void
ui_term_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ui *ui = arg;

	log_info("signal %d, quitting", (int)sig);
	ui_quit(ui);
}

/* Load the theme named in the config; problems go to the message line. */
static void
ui_load_theme(struct ui *ui, const struct conf *conf)
{
	struct theme theme;
	char *path, *err = NULL;

	theme_defaults(&theme);
	path = theme_find(conf->theme);
	if (path == NULL)
		ui_error(ui, "Theme '%s' not found; using the built-in one.",
		    conf->theme);
	else if (theme_load(&theme, path, &err) == -1) {
		ui_error(ui, "%s", err);
		free(err);
		theme_defaults(&theme);
	}
	free(path);
	theme_apply(&theme);
}

/* Free everything ui_run() made. */
static void
ui_free(struct ui *ui)
{
	int i;

	while (ui->nviews > 0) {
		struct view *v = ui->views[--ui->nviews];

		v->ops->free(v);
	}
	if (ui->input_ev)
		event_free(ui->input_ev);
	if (ui->redraw_ev)
		event_free(ui->redraw_ev);
	if (ui->winch_ev)
		event_free(ui->winch_ev);
	for (i = 0; i < 3; i++)
		if (ui->term_ev[i])
			event_free(ui->term_ev[i]);
	keymap_free(ui->keymap);
	free(ui->message);
}

/*
 * Run the interface until the user quits.  The event base must have
 * three priorities (see main.c).  Returns 0, or -1 with *err set when
 * the terminal or the key bindings cannot be used.
 */
int
ui_run(struct event_base *base, struct account_manager *am,
    const struct conf *conf, int start_account, char **err)
{
	static const int term_sigs[3] = { SIGTERM, SIGHUP, SIGINT };
	struct ui ui = { .base = base, .am = am };
	int i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*err = xstrdup("the interface needs a terminal (for scripts, "
			       "see tern fetch, tern list and tern show)");
		return -1;
	}
	ui.keymap = keymap_new();
	if (conf->keybindings != NULL &&
	    keymap_load(ui.keymap, conf->keybindings, err) == -1) {
		keymap_free(ui.keymap);
		return -1;
	}
	if (start_account > 0)
		ui.current = start_account;

	ui.redraw_ev = event_new(base, -1, 0, ui_redraw_cb, &ui);
	event_priority_set(ui.redraw_ev, UI_PRIO_REDRAW);
	ui.input_ev = event_new(
	    base, STDIN_FILENO, EV_READ | EV_PERSIST, ui_input_cb, &ui);
	event_priority_set(ui.input_ev, UI_PRIO_INPUT);
	ui.winch_ev = evsignal_new(base, SIGWINCH, ui_winch_cb, &ui);
	for (i = 0; i < 3; i++)
		ui.term_ev[i] =
		    evsignal_new(base, term_sigs[i], ui_term_cb, &ui);

	setlocale(LC_ALL, "");
	if (initscr() == NULL) {
		*err = xstrdup("cannot initialise the terminal (is TERM set?)");
		ui_free(&ui);
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	ui_load_theme(&ui, conf);

	ui.views[ui.nviews++] = index_view_new(&ui);
	event_add(ui.input_ev, NULL);
	event_add(ui.winch_ev, NULL);
	for (i = 0; i < 3; i++)
		event_add(ui.term_ev[i], NULL);
	ui_set_dirty(&ui);
	log_info("interface started, %zu accounts", account_manager_count(am));

	event_base_dispatch(base);

	curs_set(1);
	endwin();
	ui_free(&ui);
	log_info("interface closed");
	return 0;
}

/* The curses library's version, for tern --version. */
const char *
ui_curses_version(void)
{
	return curses_version();
}
