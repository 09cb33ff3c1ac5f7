/*
 * view.h - what a screen (index, help, pager) implements, and the few
 * things the UI offers it.
 *
 * Each view is a small table of callbacks.  Views draw from the model
 * into the rows between the account bar and the status line; they never
 * touch the network or the store while drawing.  The UI keeps a stack of
 * views: the top one gets the keys, and popping it returns to the one
 * beneath.
 */
#ifndef TERN_VIEW_H
#define TERN_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "keymap.h"

struct ui;
struct view;
struct account;

struct view_ops {
	const char *name;
	enum keymap_menu menu;
	/* Draw into rows [top, top + height) of the screen. */
	void (*draw)(
	    struct ui *ui, struct view *v, int top, int height, int width);
	/* Handle an action (or ACT_NONE with the raw key); 1 if handled. */
	int (*key)(struct ui *ui, struct view *v, enum key_action act, int key);
	/* The status line text while this view is on top. */
	void (*status)(struct ui *ui, struct view *v, char *buf, size_t len);
	void (*free)(struct view *v);
};

struct view {
	const struct view_ops *ops;
	void *data;
};

struct view *index_view_new(struct ui *ui);
struct view *help_view_new(struct ui *ui, enum keymap_menu menu);
struct view *text_view_new(struct ui *ui, const char *title, const char *text);
struct view *pager_view_new(struct ui *ui, struct account *acct, uint32_t uid);

void ui_push_view(struct ui *ui, struct view *v);
void ui_pop_view(struct ui *ui);
void ui_set_dirty(struct ui *ui);
void ui_message(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ui_error(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ui_quit(struct ui *ui);

/*
 * A one-line prompt on the message line.  done gets the text, or NULL
 * when the user cancels (Esc or ^G).  complete, if set, is asked for a
 * completion of the text when Tab is pressed (a new string, or NULL).
 */
typedef void (*ui_prompt_cb)(struct ui *ui, const char *text, void *arg);
typedef char *(*ui_complete_cb)(
    struct ui *ui, const char *text, int nth, void *arg);
void ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_cb done, ui_complete_cb complete, void *arg);
/* Ask for one key; done gets it (27 for Esc). */
typedef void (*ui_key_cb)(struct ui *ui, int key, void *arg);
void ui_ask_key(struct ui *ui, const char *label, ui_key_cb done, void *arg);

int ui_put_text(int row, int col, int width, int attr, const char *text);
struct account_manager *ui_accounts(struct ui *ui);
struct account *ui_current_account(struct ui *ui);
const struct keymap *ui_keymap(struct ui *ui);
void ui_put(int row, int col, int width, int attr, const char *text);

#endif
