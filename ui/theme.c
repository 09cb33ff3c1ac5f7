/*
 * theme.c - colours and attributes of each screen element.
 *
 * Parsing is pure and bounded (it is fuzzed); theme_apply() turns the result
 * into curses colour pairs, one per element, degrading to attributes alone
 * on a terminal without colours and folding 256-colour numbers onto the
 * eight basic colours on a terminal that has only those.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <glib.h>

#include "paths.h"
#include "theme.h"
#include "xmalloc.h"

#define THEME_MAX_SIZE (64 * 1024)
#define THEME_MAX_LINE 256

static const char *const theme_names[TH_COUNT] = {
	[TH_NORMAL] = "normal",
	[TH_ACCOUNTBAR] = "accountbar",
	[TH_ACCOUNTBAR_CURRENT] = "accountbar.current",
	[TH_ACCOUNTBAR_PLAIN] = "accountbar.plaintext",
	[TH_INDEX] = "index",
	[TH_INDEX_SELECTED] = "index.selected",
	[TH_INDEX_NEW] = "index.new",
	[TH_INDEX_FLAGGED] = "index.flagged",
	[TH_INDEX_DELETED] = "index.deleted",
	[TH_INDEX_TAGGED] = "index.tagged",
	[TH_STATUS] = "status",
	[TH_MESSAGE] = "message",
	[TH_ERROR] = "error",
	[TH_HELP_KEY] = "help.key",
	[TH_HELP_TITLE] = "help.title",
	[TH_EMPTY] = "empty",
};

static const char *const theme_colours[] = {
	"black",
	"red",
	"green",
	"yellow",
	"blue",
	"magenta",
	"cyan",
	"white",
};

static const struct {
	const char *name;
	unsigned bit;
} theme_attrs[] = {
	{ "bold", THEME_A_BOLD },
	{ "underline", THEME_A_UNDERLINE },
	{ "reverse", THEME_A_REVERSE },
	{ "dim", THEME_A_DIM },
	{ "standout", THEME_A_STANDOUT },
	{ "italic", THEME_A_ITALIC },
};

/* The styles in use (set by theme_apply). */
static int theme_active[TH_COUNT];

/* The built-in theme: readable on any terminal, colour or not. */
void
theme_defaults(struct theme *theme)
{
	int i;

	for (i = 0; i < TH_COUNT; i++)
		theme->style[i] = (struct theme_style){ -1, -1, 0 };
	theme->style[TH_ACCOUNTBAR] =
	    (struct theme_style){ -1, -1, THEME_A_REVERSE };
	theme->style[TH_ACCOUNTBAR_CURRENT] =
	    (struct theme_style){ -1, -1, THEME_A_BOLD };
	theme->style[TH_ACCOUNTBAR_PLAIN] =
	    (struct theme_style){ 1, -1, THEME_A_REVERSE | THEME_A_BOLD };
	theme->style[TH_INDEX_SELECTED] =
	    (struct theme_style){ -1, -1, THEME_A_REVERSE };
	theme->style[TH_INDEX_NEW] =
	    (struct theme_style){ -1, -1, THEME_A_BOLD };
	theme->style[TH_INDEX_FLAGGED] = (struct theme_style){ 1, -1, 0 };
	theme->style[TH_INDEX_DELETED] =
	    (struct theme_style){ -1, -1, THEME_A_DIM };
	theme->style[TH_STATUS] =
	    (struct theme_style){ -1, -1, THEME_A_REVERSE };
	theme->style[TH_ERROR] = (struct theme_style){ 1, -1, THEME_A_BOLD };
	theme->style[TH_HELP_KEY] =
	    (struct theme_style){ -1, -1, THEME_A_BOLD };
	theme->style[TH_HELP_TITLE] =
	    (struct theme_style){ -1, -1, THEME_A_BOLD | THEME_A_UNDERLINE };
	theme->style[TH_EMPTY] = (struct theme_style){ -1, -1, THEME_A_DIM };
}

/* Parse a colour word; -2 if it is not one. */
static int
theme_colour(const char *w)
{
	char *end;
	long n;
	size_t i;

	if (strcmp(w, "default") == 0)
		return -1;
	for (i = 0; i < G_N_ELEMENTS(theme_colours); i++) {
		if (strcmp(w, theme_colours[i]) == 0)
			return i;
		if (strncmp(w, "bright", 6) == 0 &&
		    strcmp(w + 6, theme_colours[i]) == 0)
			return i + 8;
	}
	if (strncmp(w, "color", 5) == 0 && g_ascii_isdigit(w[5])) {
		n = strtol(w + 5, &end, 10);
		if (*end == '\0' && n >= 0 && n <= 255 && end - (w + 5) <= 3)
			return n;
	}
	return -2;
}

/* Parse one non-comment line into theme; *err gets the reason. */
static int
theme_parse_line(struct theme *theme, char *line, char **err)
{
	char *w[8], *save = NULL, *tok;
	struct theme_style st;
	int nw = 0, i, e, c;
	size_t j;

	for (tok = strtok_r(line, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (nw == (int)G_N_ELEMENTS(w)) {
			*err = xstrdup("too many words");
			return -1;
		}
		w[nw++] = tok;
	}
	if (nw == 0)
		return 0;
	if (nw < 3) {
		*err = xstrdup("expected ELEMENT FOREGROUND BACKGROUND "
			       "[ATTRIBUTE...]");
		return -1;
	}
	for (e = 0; e < TH_COUNT; e++)
		if (strcmp(w[0], theme_names[e]) == 0)
			break;
	if (e == TH_COUNT) {
		*err = xasprintf("unknown element '%s'", w[0]);
		return -1;
	}
	for (i = 1; i <= 2; i++) {
		if ((c = theme_colour(w[i])) == -2) {
			*err =
			    xasprintf("unknown colour '%s' (default, black, "
				      "red, ..., brightred, color0-color255)",
				w[i]);
			return -1;
		}
		if (i == 1)
			st.fg = c;
		else
			st.bg = c;
	}
	st.attrs = 0;
	for (i = 3; i < nw; i++) {
		for (j = 0; j < G_N_ELEMENTS(theme_attrs); j++)
			if (strcmp(w[i], theme_attrs[j].name) == 0)
				break;
		if (j == G_N_ELEMENTS(theme_attrs)) {
			*err = xasprintf(
			    "unknown attribute '%s' (bold, "
			    "underline, reverse, dim, standout, italic)",
			    w[i]);
			return -1;
		}
		st.attrs |= theme_attrs[j].bit;
	}
	theme->style[e] = st;
	return 0;
}

/*
 * Parse theme text over the styles already in theme (so a theme file
 * need only name what it changes).  Errors name name:line.
 */
int
theme_parse(struct theme *theme, const char *data, size_t len, const char *name,
    char **err)
{
	const char *p = data, *end = data + len, *nl;
	char line[THEME_MAX_LINE + 1], *s, *msg;
	struct theme out = *theme;
	int lineno = 0;
	size_t n;

	if (len > THEME_MAX_SIZE) {
		*err =
		    xasprintf("%s: larger than %d bytes", name, THEME_MAX_SIZE);
		return -1;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > THEME_MAX_LINE || memchr(p, '\0', n) != NULL) {
			*err = xasprintf(
			    "%s:%d: line too long or not text", name, lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		if (theme_parse_line(&out, line, &msg) == -1) {
			*err = xasprintf("%s:%d: %s", name, lineno, msg);
			free(msg);
			return -1;
		}
	}
	*theme = out;
	return 0;
}

/* Read a theme file over theme. */
int
theme_load(struct theme *theme, const char *path, char **err)
{
	gchar *data;
	gsize len;
	GError *gerr = NULL;
	int rc;

	if (!g_file_get_contents(path, &data, &len, &gerr)) {
		*err = xasprintf("%s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = theme_parse(theme, data, len, path, err);
	g_free(data);
	return rc;
}

/*
 * Find a theme by name: a path (contains '/'), else NAME.theme in
 * $TERN_THEME_PATH, the user's config directory, then the installed
 * themes.  Returns NULL if there is none.
 */
char *
theme_find(const char *name)
{
	const char *env = g_getenv("TERN_THEME_PATH");
	char *dirs[3], *p;
	int i;

	if (strchr(name, '/') != NULL)
		return paths_expand_home(name);
	dirs[0] = env ? xstrdup(env) : NULL;
	p = paths_config_dir();
	dirs[1] = xasprintf("%s/themes", p);
	free(p);
	dirs[2] = xstrdup(THEMEDIR);
	p = NULL;
	for (i = 0; i < 3; i++) {
		char *cand;

		if (dirs[i] == NULL || p != NULL)
			continue;
		cand = xasprintf("%s/%s.theme", dirs[i], name);
		if (access(cand, R_OK) == 0)
			p = cand;
		else
			free(cand);
	}
	for (i = 0; i < 3; i++)
		free(dirs[i]);
	return p;
}

/* The file name of an element. */
const char *
theme_elem_name(enum theme_elem elem)
{
	return theme_names[elem];
}

/* Fold a colour onto what the terminal has. */
static short
theme_fit(short c)
{
	if (c < 0 || c < COLORS)
		return c;
	return c % 8;
}

/* Make the theme current: one colour pair per element. */
void
theme_apply(const struct theme *theme)
{
	const struct theme_style *st;
	int i, a, colour = has_colors();

	if (colour) {
		start_color();
		use_default_colors();
	}
	for (i = 0; i < TH_COUNT; i++) {
		st = &theme->style[i];
		a = 0;
		if (st->attrs & THEME_A_BOLD)
			a |= A_BOLD;
		if (st->attrs & THEME_A_UNDERLINE)
			a |= A_UNDERLINE;
		if (st->attrs & THEME_A_REVERSE)
			a |= A_REVERSE;
		if (st->attrs & THEME_A_DIM)
			a |= A_DIM;
		if (st->attrs & THEME_A_STANDOUT)
			a |= A_STANDOUT;
		if (st->attrs & THEME_A_ITALIC)
			a |= A_ITALIC;
		if (colour && i + 1 < COLOR_PAIRS &&
		    (st->fg != -1 || st->bg != -1)) {
			init_pair(i + 1, theme_fit(st->fg), theme_fit(st->bg));
			a |= COLOR_PAIR(i + 1);
		}
		theme_active[i] = a;
	}
}

/* The curses attributes of an element (after theme_apply). */
int
theme_attr(enum theme_elem elem)
{
	return theme_active[elem];
}
