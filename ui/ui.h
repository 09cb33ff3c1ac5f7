/*
 * ui.h - the ncurses user interface.
 *
 * ui_run() takes over the terminal, runs the event loop until the user
 * quits (or a signal asks to), and gives the terminal back as it found it.
 */
#ifndef TERN_UI_H
#define TERN_UI_H

struct event_base;
struct account_manager;
struct conf;

int ui_run(struct event_base *base, struct account_manager *am,
    const struct conf *conf, int start_account, const char *offer, char **err);
const char *ui_curses_version(void);

#endif
