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
 * and the message line at the bottom (which doubles as the prompt).
 * Every string drawn goes through sanitize_text() first.
 */
#include "config.h"

#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curses.h>
#include <event2/event.h>
#include <glib.h>

#include "account.h"
#include "conf.h"
#include "keymap.h"
#include "log.h"
#include "message/sanitize.h"
#include "theme.h"
#include "ui.h"
#include "view.h"
#include "xmalloc.h"

#define UI_MAX_VIEWS 8
#define UI_PRIO_INPUT 0
#define UI_PRIO_REDRAW 2
#define UI_PROMPT_MAX 1024
#define UI_KEYS_PER_TURN 256

struct ui_prompt {
	char *label;
	GString *text;
	ui_prompt_cb done;
	ui_complete_cb complete;
	ui_key_cb key_done; /* set for a one-key question */
	void *arg;
	char *completing; /* the text Tab started from */
	int nth;
	int secret; /* show stars, wipe the text afterwards */
};

struct ui {
	struct event_base *base; /* borrowed */
	struct account_manager *am; /* borrowed */
	struct keymap *keymap;
	size_t current; /* account shown */

	struct view *views[UI_MAX_VIEWS];
	int nviews;

	char *message;
	int message_error;
	struct ui_prompt *prompt;

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

/* Every account. */
struct account_manager *
ui_accounts(struct ui *ui)
{
	return ui->am;
}

/* The key bindings in force. */
const struct keymap *
ui_keymap(struct ui *ui)
{
	return ui->keymap;
}

/*
 * Write text at (row, col) in at most width columns, sanitised first.
 * A wide character that would not fit whole is left out.  Returns the
 * columns written.
 */
int
ui_put_text(int row, int col, int width, int attr, const char *text)
{
	char *clean;
	size_t n;
	int w = 0;

	if (width <= 0)
		return 0;
	clean = sanitize_text(text, strlen(text), 0);
	n = sanitize_fit(clean, strlen(clean), width, &w);
	attrset(attr);
	mvaddnstr(row, col, clean, n);
	attrset(A_NORMAL);
	free(clean);
	return w;
}

/* ui_put_text without the column count. */
void
ui_put(int row, int col, int width, int attr, const char *text)
{
	ui_put_text(row, col, width, attr, text);
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
		col += ui_put_text(0, col, width - col, attr, buf);
	}
}

/* The message line: the prompt while one is open, else the message. */
static void
ui_draw_bottom(struct ui *ui, int row, int width)
{
	struct ui_prompt *p = ui->prompt;
	int w;

	if (p != NULL) {
		w = ui_put_text(row, 0, width, theme_attr(TH_NORMAL), p->label);
		if (p->secret) {
			char *stars =
			    g_strnfill(g_utf8_strlen(p->text->str, -1), '*');

			w += ui_put_text(
			    row, w, width - w, theme_attr(TH_NORMAL), stars);
			g_free(stars);
		} else
			w += ui_put_text(row, w, width - w,
			    theme_attr(TH_NORMAL), p->text->str);
		curs_set(1);
		move(row, w < width ? w : width - 1);
		return;
	}
	curs_set(0);
	if (ui->message != NULL)
		ui_put(row, 0, width,
		    theme_attr(ui->message_error ? TH_ERROR : TH_MESSAGE),
		    ui->message);
	move(row, width - 1);
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
	ui_draw_bottom(ui, rows - 1, cols);
	refresh();
}

/* Open a prompt on the message line. */
void
ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_cb done, ui_complete_cb complete, void *arg)
{
	struct ui_prompt *p = xcalloc(1, sizeof *p);

	p->label = xstrdup(label);
	p->text = g_string_new(initial ? initial : "");
	p->done = done;
	p->complete = complete;
	p->arg = arg;
	ui->prompt = p;
	ui_set_dirty(ui);
}

/* Ask for a single key on the message line. */
void
ui_ask_key(struct ui *ui, const char *label, ui_key_cb done, void *arg)
{
	ui_prompt(ui, label, NULL, NULL, NULL, arg);
	ui->prompt->key_done = done;
}

/* Close the prompt (its callback is the caller's business). */
static void
ui_prompt_close(struct ui *ui)
{
	struct ui_prompt *p = ui->prompt;

	ui->prompt = NULL;
	if (p->secret)
		explicit_bzero(p->text->str, p->text->len);
	free(p->label);
	free(p->completing);
	g_string_free(p->text, TRUE);
	free(p);
	ui_set_dirty(ui);
}

/* Remove the last UTF-8 character of the prompt's text. */
static void
ui_prompt_backspace(struct ui_prompt *p)
{
	const char *prev;

	if (p->text->len == 0)
		return;
	prev = g_utf8_find_prev_char(p->text->str, p->text->str + p->text->len);
	g_string_truncate(p->text, prev ? (gsize)(prev - p->text->str) : 0);
}

/* A key while the prompt is open: edit, complete, accept or cancel. */
static void
ui_prompt_key(struct ui *ui, int key)
{
	struct ui_prompt *p = ui->prompt;
	ui_prompt_cb done = p->done;
	ui_key_cb key_done = p->key_done;
	void *arg = p->arg;
	char *text, *c;

	if (key_done != NULL) {
		ui_prompt_close(ui);
		key_done(ui, key, arg);
		return;
	}
	if (key != '\t') {
		free(p->completing);
		p->completing = NULL;
		p->nth = 0;
	}
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		text = xstrdup(p->text->str);
		ui_prompt_close(ui);
		done(ui, text, arg);
		explicit_bzero(text, strlen(text));
		free(text);
		return;
	case 27:
	case 7: /* ^G */
		ui_prompt_close(ui);
		done(ui, NULL, arg);
		return;
	case KEY_BACKSPACE:
	case 127:
	case 8: ui_prompt_backspace(p); break;
	case 21: /* ^U */ g_string_truncate(p->text, 0); break;
	case '\t':
		if (p->complete == NULL)
			break;
		if (p->completing == NULL)
			p->completing = xstrdup(p->text->str);
		c = p->complete(ui, p->completing, p->nth++, arg);
		if (c == NULL && p->nth > 1) { /* wrap around */
			p->nth = 0;
			c = p->complete(ui, p->completing, p->nth++, arg);
		}
		if (c != NULL) {
			g_string_assign(p->text, c);
			free(c);
		}
		break;
	default:
		if (key >= 0x20 && key < 0x100 && key != 0x7f &&
		    p->text->len < UI_PROMPT_MAX)
			g_string_append_c(p->text, (char)key);
		break;
	}
	ui_set_dirty(ui);
}

/* Show account i, activating it the first time. */
static void
ui_switch_account(struct ui *ui, size_t i)
{
	struct view *v;

	while (ui->nviews > 1) /* a pager belongs to the old account */
		ui_pop_view(ui);
	ui->current = i;
	account_activate(ui_current_account(ui));
	v = ui->views[0];
	if (v->ops->key != NULL)
		v->ops->key(ui, v, ACT_NONE, 0); /* let it re-anchor */
	ui_message(ui, "Account %s.", account_name(ui_current_account(ui)));
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
		ui_switch_account(ui,
		    act == ACT_NEXT_ACCOUNT ? (ui->current + 1) % n
					    : (ui->current + n - 1) % n);
		return 1;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		ui_set_dirty(ui);
		return 1;
	case ACT_QUIT: ui_quit(ui); return 1;
	default: return 0;
	}
}

/* Hand one key to the prompt or the top view. */
static void
ui_key(struct ui *ui, int key)
{
	struct view *v = ui->views[ui->nviews - 1];
	enum key_action act;

	if (ui->prompt != NULL) {
		ui_prompt_key(ui, key);
		return;
	}
	act = keymap_lookup(ui->keymap, v->ops->menu, key);
	free(ui->message);
	ui->message = NULL;
	ui_set_dirty(ui);
	if (act != ACT_NONE && v->ops->key(ui, v, act, key))
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
	int key, next, keys = 0;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	/* At most UI_KEYS_PER_TURN keys, so signals and redraws still come
	   round even if the terminal floods us. */
	while (!ui->quitting && keys < UI_KEYS_PER_TURN &&
	    (key = getch()) != ERR) {
		keys++;
		if (key == KEY_RESIZE)
			continue; /* SIGWINCH is ours, see ui_winch_cb */
		/* Escape with a key right behind it is Alt-key. */
		if (key == 27 && ui->prompt == NULL &&
		    (next = getch()) != ERR) {
			if (next >= 0x20 && next < 0x7f)
				key = KEY_META | next;
			else
				ungetch(next);
		}
		ui_key(ui, key);
	}
	/*
	 * Readable but no key: the terminal may have gone (the window was
	 * closed, the ssh session dropped).  Without this check the loop
	 * would spin on the hung-up descriptor forever.
	 */
	if (keys < UI_KEYS_PER_TURN && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		log_info("the terminal went away; quitting");
		ui_quit(ui);
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

/* An account changed: redraw if it is the one shown. */
static void
ui_account_changed(struct account *a, unsigned what, void *arg)
{
	struct ui *ui = arg;
	struct view *v = ui->views[0];

	if (a != ui_current_account(ui))
		return;
	if ((what & ACCOUNT_CHANGED_VIEW) && v->ops->key != NULL)
		v->ops->key(ui, v, ACT_NONE, 0); /* re-anchor the cursor */
	ui_set_dirty(ui);
}

/* An account has a line for the user. */
static void
ui_account_message(struct account *a, int error, const char *text, void *arg)
{
	struct ui *ui = arg;

	if (error)
		ui_error(ui, "%s", text);
	else if (a == ui_current_account(ui))
		ui_message(ui, "%s", text);
}

/* The answer to the offer of a Maildir when there is no configuration. */
static void
ui_offer_done(struct ui *ui, int key, void *arg)
{
	const char *dir = arg;

	if (key != 'y' && key != 'Y' && key != '\r' && key != '\n' &&
	    key != KEY_ENTER) {
		ui_message(ui,
		    "Not opened.  Write ~/.config/tern/config to add "
		    "accounts (see man tern).");
		return;
	}
	ui_switch_account(ui, account_manager_add_maildir(ui->am, dir));
}

/* A certificate question being asked. */
struct ui_cert_q {
	struct account *acct;
	int always_allowed;
};

/* The answer to a certificate question. */
static void
ui_cert_answer_cb(struct ui *ui, int key, void *arg)
{
	struct ui_cert_q *q = arg;
	enum be_cert_answer ans;

	if (key == 'o' || key == 'O')
		ans = BE_CERT_ONCE;
	else if ((key == 'a' || key == 'A') && q->always_allowed)
		ans = BE_CERT_ALWAYS;
	else if (key == 'r' || key == 'R' || key == 27)
		ans = BE_CERT_REJECT;
	else { /* not an answer: ask again */
		ui_ask_key(ui,
		    q->always_allowed
			? "(r)eject, accept (o)nce, accept (a)lways? "
			: "(r)eject, accept (o)nce? ",
		    ui_cert_answer_cb, q);
		return;
	}
	ui_pop_view(ui);
	account_cert_answer(q->acct, ans);
	ui_message(ui,
	    ans == BE_CERT_REJECT     ? "Certificate rejected."
		: ans == BE_CERT_ONCE ? "Certificate accepted once."
				      : "Certificate accepted and "
					"remembered.");
	free(q);
}

/* An account met a certificate it cannot trust: show it and ask. */
static void
ui_account_question(
    struct account *a, const char *details, int always_allowed, void *arg)
{
	struct ui *ui = arg;
	struct ui_cert_q *q = xcalloc(1, sizeof *q);
	char *title = xasprintf(
	    "%s: the server's certificate is not trusted", account_name(a));

	q->acct = a;
	q->always_allowed = always_allowed;
	ui_push_view(ui, text_view_new(ui, title, details));
	free(title);
	ui_ask_key(ui,
	    always_allowed ? "(r)eject, accept (o)nce, accept (a)lways? "
			   : "(r)eject, accept (o)nce? ",
	    ui_cert_answer_cb, q);
}

/* The password prompt answered. */
static void
ui_password_done(struct ui *ui, const char *text, void *arg)
{
	account_password_answer(arg, text);
}

/* An account needs a password nobody configured: ask, showing stars. */
static void
ui_account_password(struct account *a, const char *prompt, void *arg)
{
	struct ui *ui = arg;

	ui_prompt(ui, prompt, NULL, ui_password_done, NULL, a);
	ui->prompt->secret = 1;
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
	if (ui->prompt != NULL)
		ui_prompt_close(ui);
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
    const struct conf *conf, int start_account, const char *offer, char **err)
{
	static const int term_sigs[3] = { SIGTERM, SIGHUP, SIGINT };
	struct ui ui = { .base = base, .am = am };
	struct account_observer obs = { .changed = ui_account_changed,
		.message = ui_account_message,
		.question = ui_account_question,
		.password = ui_account_password,
		.arg = &ui };
	struct account_observer none = { .arg = NULL };
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
	account_manager_observe(am, &obs);
	if (ui_current_account(&ui) != NULL)
		account_activate(ui_current_account(&ui));
	event_add(ui.input_ev, NULL);
	event_add(ui.winch_ev, NULL);
	for (i = 0; i < 3; i++)
		event_add(ui.term_ev[i], NULL);
	if (offer != NULL) {
		char *q = xasprintf(
		    "No configuration found.  Open %s? ([y]/n) ", offer);

		ui_ask_key(&ui, q, ui_offer_done, (void *)offer);
		free(q);
	}
	ui_set_dirty(&ui);
	log_info("interface started, %zu accounts", account_manager_count(am));

	event_base_dispatch(base);

	account_manager_observe(am, &none);
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
