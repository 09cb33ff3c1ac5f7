/*
 * theme.h - colours and attributes of each screen element.
 *
 * A theme is a plain text file, one element a line:
 *     ELEMENT FOREGROUND BACKGROUND [ATTRIBUTE...]
 * Colours are default, the eight names (black ... white), bright names
 * (brightred) and colorN (0-255); attributes are bold, underline, reverse,
 * dim, standout, italic.
 */
#ifndef TERN_THEME_H
#define TERN_THEME_H

#include <stddef.h>

enum theme_elem {
	TH_NORMAL,
	TH_ACCOUNTBAR,
	TH_ACCOUNTBAR_CURRENT,
	TH_ACCOUNTBAR_PLAIN,
	TH_INDEX,
	TH_INDEX_SELECTED,
	TH_INDEX_NEW,
	TH_INDEX_FLAGGED,
	TH_INDEX_DELETED,
	TH_INDEX_TAGGED,
	TH_STATUS,
	TH_MESSAGE,
	TH_ERROR,
	TH_HELP_KEY,
	TH_HELP_TITLE,
	TH_EMPTY,
	TH_COUNT,
};

struct theme_style {
	short fg; /* -1: terminal default */
	short bg;
	unsigned attrs; /* THEME_A_* */
};

#define THEME_A_BOLD 0x01
#define THEME_A_UNDERLINE 0x02
#define THEME_A_REVERSE 0x04
#define THEME_A_DIM 0x08
#define THEME_A_STANDOUT 0x10
#define THEME_A_ITALIC 0x20

struct theme {
	struct theme_style style[TH_COUNT];
};

void theme_defaults(struct theme *theme);
int theme_parse(struct theme *theme, const char *data, size_t len,
    const char *name, char **err);
int theme_load(struct theme *theme, const char *path, char **err);
char *theme_find(const char *name);
const char *theme_elem_name(enum theme_elem elem);
void theme_apply(const struct theme *theme);
int theme_attr(enum theme_elem elem);

#endif
