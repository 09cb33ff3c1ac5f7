/*
 * html_text.c - HTML turned into readable text, without a browser.
 *
 * One pass over the bytes with a small tokenizer: text runs (blanks
 * collapsed, entities decoded), tags (name and the few attributes that
 * matter: href, alt, start), comments and declarations skipped, and the
 * contents of script, style and title dropped.  Block tags end lines or
 * paragraphs; inline tags do nothing but links, which get a number the
 * first time their address is seen.  Text inside a table goes into
 * cells; at the end of the table the cells are laid out as a grid when
 * they are short, else one paragraph per cell (layout tables of
 * newsletters are mostly the latter).  Nothing here recurses, so deep
 * nesting costs nothing but the cap on indentation.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/html_text.h"
#include "message/sanitize.h"
#include "xmalloc.h"

#define HTML_MAX_TAG 4096 /* a tag longer than this is text */
#define HTML_MAX_COLS 32
#define HTML_GRID_CELL 40 /* widest cell that still makes a grid */
#define HTML_HR "--------------------"

struct html_list {
	int ordered;
	long n;
};

struct html_table {
	GPtrArray *rows; /* of GPtrArray of char * */
	GString *cell;
	int in_cell;
	size_t cells;
};

struct html_ctx {
	const char *p, *end;
	html_line_cb cb;
	void *arg;

	GString *line; /* the line being built */
	int line_indent; /* its hanging indent */
	int line_quote;
	int space; /* a collapsed blank is due before more text */
	int breaks; /* 1: new line due; 2: blank line due */
	int emitted; /* a line has been emitted */
	int last_blank; /* the last line emitted was blank */
	int last_quote; /* the quote depth of the last line emitted */

	int quote; /* blockquote depth */
	int pre;
	struct html_list lists[HTML_MAX_DEPTH];
	int nlists; /* may exceed HTML_MAX_DEPTH; only that many indent */
	char bullet[24]; /* due at the next text */

	GPtrArray *links; /* of char *, numbered from 1 */
	char *href; /* of the open <a> */
	size_t link_start; /* where its text starts (line or cell) */
	int link_mark; /* link_start is set by the next text */

	struct html_table *table;
	int table_depth;
};

/* Named entities: the Latin-1 block in order from U+00A0, then others. */
static const char *const html_latin1[96] = { "nbsp", "iexcl", "cent", "pound",
	"curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo",
	"not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute",
	"micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14",
	"frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde",
	"Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml",
	"Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve",
	"Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave",
	"Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave",
	"aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc",
	"iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
	"divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute",
	"thorn", "yuml" };

static const struct {
	const char *name;
	gunichar cp;
} html_entities[] = {
	{ "amp", '&' },
	{ "lt", '<' },
	{ "gt", '>' },
	{ "quot", '"' },
	{ "apos", '\'' },
	{ "OElig", 0x152 },
	{ "oelig", 0x153 },
	{ "Scaron", 0x160 },
	{ "scaron", 0x161 },
	{ "Yuml", 0x178 },
	{ "fnof", 0x192 },
	{ "circ", 0x2c6 },
	{ "tilde", 0x2dc },
	{ "Alpha", 0x391 },
	{ "Beta", 0x392 },
	{ "Gamma", 0x393 },
	{ "Delta", 0x394 },
	{ "Omega", 0x3a9 },
	{ "alpha", 0x3b1 },
	{ "beta", 0x3b2 },
	{ "gamma", 0x3b3 },
	{ "delta", 0x3b4 },
	{ "pi", 0x3c0 },
	{ "mu", 0x3bc },
	{ "omega", 0x3c9 },
	{ "ensp", 0x2002 },
	{ "emsp", 0x2003 },
	{ "thinsp", 0x2009 },
	{ "zwnj", 0x200c },
	{ "zwj", 0x200d },
	{ "lrm", 0x200e },
	{ "rlm", 0x200f },
	{ "ndash", 0x2013 },
	{ "mdash", 0x2014 },
	{ "lsquo", 0x2018 },
	{ "rsquo", 0x2019 },
	{ "sbquo", 0x201a },
	{ "ldquo", 0x201c },
	{ "rdquo", 0x201d },
	{ "bdquo", 0x201e },
	{ "dagger", 0x2020 },
	{ "Dagger", 0x2021 },
	{ "bull", 0x2022 },
	{ "hellip", 0x2026 },
	{ "permil", 0x2030 },
	{ "prime", 0x2032 },
	{ "Prime", 0x2033 },
	{ "lsaquo", 0x2039 },
	{ "rsaquo", 0x203a },
	{ "oline", 0x203e },
	{ "frasl", 0x2044 },
	{ "euro", 0x20ac },
	{ "trade", 0x2122 },
	{ "larr", 0x2190 },
	{ "uarr", 0x2191 },
	{ "rarr", 0x2192 },
	{ "darr", 0x2193 },
	{ "harr", 0x2194 },
	{ "minus", 0x2212 },
	{ "le", 0x2264 },
	{ "ge", 0x2265 },
	{ "ne", 0x2260 },
	{ "infin", 0x221e },
	{ "hearts", 0x2665 },
	{ "check", 0x2713 },
};

/* Entities that may appear without their ';' (HTML's legacy set). */
static const char *const html_bare[] = { "amp", "lt", "gt", "quot", "nbsp",
	"copy", "reg", NULL };

/*
 * Characters that only steer layout in HTML (soft hyphens, zero-width
 * spaces and joiners, BOMs); dropped, since the text is laid out again.
 * Bidi overrides are not among them: those reach the sanitiser.
 */
static int
html_drop_char(gunichar c)
{
	return c == 0xad || c == 0x34f || (c >= 0x200b && c <= 0x200f) ||
	    c == 0x2060 || c == 0xfeff;
}

/* ------------------------------------------------------------ output */

/* Emit one finished line. */
static void
html_emit(struct html_ctx *x, const char *s, size_t n, int indent, int fixed)
{
	x->cb(s, n, x->line_quote, indent, fixed, x->arg);
	x->emitted = 1;
	x->last_blank = n == 0;
	x->last_quote = x->line_quote;
}

/*
 * An empty line between blocks; inside a quote only when the text on
 * both sides is quoted, so a quote does not start with an empty ">".
 */
static void
html_blank(struct html_ctx *x)
{
	int q = x->quote < HTML_MAX_DEPTH ? x->quote : HTML_MAX_DEPTH;

	x->line_quote = q < x->last_quote ? q : x->last_quote;
	html_emit(x, "", 0, 0, 0);
}

/* Finish the current line (if it has text). */
static void
html_flush(struct html_ctx *x)
{
	while (x->line->len > 0 && x->line->str[x->line->len - 1] == ' ')
		g_string_truncate(x->line, x->line->len - 1);
	if (x->line->len > 0)
		html_emit(
		    x, x->line->str, x->line->len, x->line_indent, x->pre);
	g_string_truncate(x->line, 0);
	x->space = 0;
}

/* Ask for a new line (n = 1) or a new paragraph (n = 2). */
static void
html_break(struct html_ctx *x, int n)
{
	if (x->table != NULL) {
		x->space = x->table->cell->len > 0;
		return;
	}
	html_flush(x);
	if (n > x->breaks)
		x->breaks = n;
}

/* The indentation of list items: two columns a level. */
static int
html_list_indent(const struct html_ctx *x)
{
	int d = x->nlists < HTML_MAX_DEPTH ? x->nlists : HTML_MAX_DEPTH;

	return d > 1 ? (d - 1) * 3 : 0;
}

/* Start a line before its first text: blank line, indent, bullet. */
static void
html_start_line(struct html_ctx *x)
{
	int ind = html_list_indent(x), i;

	if (x->breaks >= 2 && x->emitted && !x->last_blank)
		html_blank(x);
	x->breaks = 0;
	x->line_quote = x->quote < HTML_MAX_DEPTH ? x->quote : HTML_MAX_DEPTH;
	for (i = 0; i < ind; i++)
		g_string_append_c(x->line, ' ');
	x->line_indent = ind;
	if (x->bullet[0] != '\0') {
		g_string_append(x->line, x->bullet);
		x->line_indent += strlen(x->bullet);
		x->bullet[0] = '\0';
	} else if (x->nlists > 0)
		x->line_indent = ind + 3;
}

/* Where text goes now: the open table cell, else the line. */
static GString *
html_sink(struct html_ctx *x)
{
	if (x->table != NULL)
		return x->table->cell;
	return x->line;
}

/* Append one character of text, blanks collapsed outside <pre>. */
static void
html_put(struct html_ctx *x, gunichar c)
{
	GString *s;

	if (html_drop_char(c))
		return;
	if (c == '\r' && x->pre && x->table == NULL)
		return;
	if (c == '\n' && x->pre && x->table == NULL) {
		if (x->line->len == 0)
			html_start_line(x);
		html_emit(x, x->line->str, x->line->len, 0, 1);
		g_string_truncate(x->line, 0);
		return;
	}
	if (!x->pre &&
	    (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')) {
		x->space = 1;
		return;
	}
	if (x->table == NULL && x->line->len == 0) {
		html_start_line(x);
		x->space = 0;
	}
	s = html_sink(x);
	if (x->space && s->len > 0 && s->str[s->len - 1] != ' ')
		g_string_append_c(s, ' ');
	x->space = 0;
	if (x->link_mark) {
		x->link_start = s->len;
		x->link_mark = 0;
	}
	if (x->table != NULL) {
		x->table->in_cell = 1;
		if (x->table->cell->len > HTML_MAX_INPUT / 8)
			return;
	}
	g_string_append_unichar(s, c);
}

/* Append a string as text. */
static void
html_puts(struct html_ctx *x, const char *s)
{
	for (; *s != '\0'; s = g_utf8_next_char(s))
		html_put(x, g_utf8_get_char(s));
}

/* ----------------------------------------------------------- entities */

/*
 * Decode the entity at p ('&' ...); returns the bytes it took and the
 * character in *cp, or 0 when it is not one (the '&' is then text).
 */
static size_t
html_entity(const char *p, const char *end, gunichar *cp)
{
	char name[16];
	size_t i = 1, n = 0, k;

	if (p + 1 < end && p[1] == '#') {
		long v = 0;
		int hex = p + 2 < end && (p[2] == 'x' || p[2] == 'X');

		i = hex ? 3 : 2;
		while (p + i < end &&
		    (hex ? g_ascii_isxdigit(p[i]) : g_ascii_isdigit(p[i]))) {
			if (v < 0x110000)
				v = v * (hex ? 16 : 10) +
				    g_ascii_xdigit_value(p[i]);
			i++;
			n++;
		}
		if (n == 0)
			return 0;
		if (p + i < end && p[i] == ';')
			i++;
		if (v >= 0x80 && v < 0xa0) {
			/* HTML reads these as windows-1252. */
			static const unsigned short c1[32] = { 0x20ac, 0x81,
				0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021,
				0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
				0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c,
				0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
				0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178 };

			v = c1[v - 0x80];
		}
		*cp = v == 0 || v >= 0x110000 || !g_unichar_validate(v)
		    ? 0xfffd
		    : (gunichar)v;
		return i;
	}
	while (p + i < end && g_ascii_isalnum(p[i]) && n + 1 < sizeof name)
		name[n++] = p[i++];
	name[n] = '\0';
	if (n == 0)
		return 0;
	if (p + i >= end || p[i] != ';') {
		for (k = 0; html_bare[k] != NULL; k++)
			if (strcmp(name, html_bare[k]) == 0)
				break;
		if (html_bare[k] == NULL)
			return 0;
	} else
		i++;
	for (k = 0; k < G_N_ELEMENTS(html_latin1); k++) {
		if (strcmp(name, html_latin1[k]) == 0) {
			*cp = 0xa0 + k;
			return i;
		}
	}
	for (k = 0; k < G_N_ELEMENTS(html_entities); k++) {
		if (strcmp(name, html_entities[k].name) == 0) {
			*cp = html_entities[k].cp;
			return i;
		}
	}
	return 0;
}

/* Decode entities in an attribute value into a new string. */
static char *
html_attr_decode(const char *s, size_t n)
{
	GString *out = g_string_sized_new(n + 1);
	const char *p = s, *end = s + n;

	while (p < end) {
		gunichar cp;
		size_t k;

		if (*p == '&' && (k = html_entity(p, end, &cp)) > 0) {
			g_string_append_unichar(out, cp);
			p += k;
			continue;
		}
		/* The value may be shown: broken UTF-8 becomes U+FFFD. */
		cp = g_utf8_get_char_validated(p, end - p);
		if (cp == (gunichar)-1 || cp == (gunichar)-2 || cp == 0) {
			g_string_append(out, "\xef\xbf\xbd");
			p++;
		} else {
			g_string_append_unichar(out, cp);
			p = g_utf8_next_char(p);
		}
	}
	return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------- tags */

struct html_tag {
	char name[16];
	int end; /* </name> */
	char *href, *alt, *start;
};

/*
 * Parse the tag at p ('<' then a letter or '/'); returns its length, or
 * 0 when it never closes (the '<' is then text).  Attribute values are
 * decoded for the few attributes kept.
 */
static size_t
html_parse_tag(const char *p, const char *end, struct html_tag *t)
{
	const char *q = p + 1, *lim = end;
	size_t n = 0;

	memset(t, 0, sizeof *t);
	if (lim - p > HTML_MAX_TAG)
		lim = p + HTML_MAX_TAG;
	if (q < lim && *q == '/') {
		t->end = 1;
		q++;
	}
	while (q < lim && (g_ascii_isalnum(*q) || *q == '-' || *q == ':')) {
		if (n + 1 < sizeof t->name)
			t->name[n++] = g_ascii_tolower(*q);
		q++;
	}
	t->name[n] = '\0';
	while (q < lim && *q != '>') {
		const char *an, *av = NULL;
		size_t anl, avl = 0;

		if (g_ascii_isspace(*q) || *q == '/') {
			q++;
			continue;
		}
		an = q;
		while (q < lim && !g_ascii_isspace(*q) && *q != '=' &&
		    *q != '>' && *q != '/')
			q++;
		anl = q - an;
		if (anl == 0) {
			q++;
			continue;
		}
		while (q < lim && g_ascii_isspace(*q))
			q++;
		if (q < lim && *q == '=') {
			q++;
			while (q < lim && g_ascii_isspace(*q))
				q++;
			if (q < lim && (*q == '"' || *q == '\'')) {
				char quote = *q++;

				av = q;
				while (q < lim && *q != quote)
					q++;
				avl = q - av;
				if (q < lim)
					q++;
			} else {
				av = q;
				while (q < lim && !g_ascii_isspace(*q) &&
				    *q != '>')
					q++;
				avl = q - av;
			}
		}
		if (av == NULL)
			continue;
		if (anl == 4 && g_ascii_strncasecmp(an, "href", 4) == 0 &&
		    t->href == NULL)
			t->href = html_attr_decode(av, avl);
		else if (anl == 3 && g_ascii_strncasecmp(an, "alt", 3) == 0 &&
		    t->alt == NULL)
			t->alt = html_attr_decode(av, avl);
		else if (anl == 5 && g_ascii_strncasecmp(an, "start", 5) == 0 &&
		    t->start == NULL)
			t->start = html_attr_decode(av, avl);
	}
	if (q >= lim) {
		free(t->href);
		free(t->alt);
		free(t->start);
		memset(t, 0, sizeof *t);
		return 0;
	}
	return q + 1 - p;
}

/* Free a tag's attributes. */
static void
html_tag_clear(struct html_tag *t)
{
	free(t->href);
	free(t->alt);
	free(t->start);
}

/* True if name is one of the NULL-terminated list. */
static int
html_is(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* Skip to after "</name" ... ">" (script, style); to the end if none. */
static void
html_skip_raw(struct html_ctx *x, const char *name)
{
	size_t n = strlen(name);
	const char *p = x->p;

	while (p < x->end) {
		p = memchr(p, '<', x->end - p);
		if (p == NULL)
			break;
		if (x->end - p > (ptrdiff_t)(n + 1) && p[1] == '/' &&
		    g_ascii_strncasecmp(p + 2, name, n) == 0) {
			const char *gt = memchr(p, '>', x->end - p);

			x->p = gt != NULL ? gt + 1 : x->end;
			return;
		}
		p++;
	}
	x->p = x->end;
}

/* The number of a link address, adding it when new (0: no room). */
static size_t
html_link_number(struct html_ctx *x, const char *href)
{
	size_t i;

	for (i = 0; i < x->links->len; i++)
		if (strcmp(g_ptr_array_index(x->links, i), href) == 0)
			return i + 1;
	if (x->links->len >= HTML_MAX_LINKS)
		return 0;
	g_ptr_array_add(x->links, xstrdup(href));
	return x->links->len;
}

/* True for addresses worth listing (not scripts, not page anchors). */
static int
html_link_ok(const char *href)
{
	while (g_ascii_isspace(*href))
		href++;
	return *href != '\0' && *href != '#' &&
	    g_ascii_strncasecmp(href, "javascript:", 11) != 0 &&
	    g_ascii_strncasecmp(href, "data:", 5) != 0 &&
	    g_ascii_strncasecmp(href, "vbscript:", 9) != 0;
}

/* An <a> closes: add the reference number after its text. */
static void
html_link_close(struct html_ctx *x)
{
	GString *s = html_sink(x);
	const char *href = x->href;
	char *text, num[24];
	size_t n;

	if (href == NULL)
		return;
	while (g_ascii_isspace(*href))
		href++;
	text = x->link_start <= s->len
	    ? g_strstrip(
		  xstrndup(s->str + x->link_start, s->len - x->link_start))
	    : xstrdup("");
	/* A link that shows its own address needs no reference. */
	if (*text != '\0' && strcmp(text, href) != 0 &&
	    !(g_ascii_strncasecmp(href, "mailto:", 7) == 0 &&
		strcmp(text, href + 7) == 0) &&
	    (n = html_link_number(x, href)) > 0) {
		snprintf(num, sizeof num, "[%zu]", n);
		html_puts(x, num);
	}
	free(text);
	free(x->href);
	x->href = NULL;
}

/* ------------------------------------------------------------- tables */

/* Close the open cell (if any) into the current row. */
static void
html_cell_close(struct html_table *t)
{
	GPtrArray *row;

	if (!t->in_cell)
		return;
	if (t->rows->len == 0)
		g_ptr_array_add(t->rows, g_ptr_array_new_with_free_func(free));
	row = g_ptr_array_index(t->rows, t->rows->len - 1);
	if (row->len < HTML_MAX_COLS && t->cells < HTML_MAX_CELLS) {
		g_ptr_array_add(row, g_strstrip(xstrdup(t->cell->str)));
		t->cells++;
	}
	g_string_truncate(t->cell, 0);
	t->in_cell = 0;
}

/* Emit a finished table: a grid if its cells are short, else paragraphs. */
static void
html_table_emit(struct html_ctx *x, struct html_table *t)
{
	int widths[HTML_MAX_COLS] = { 0 }, grid = 1, ncols = 0;
	GString *l = g_string_new(NULL);
	size_t r, c;

	for (r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		if ((int)row->len > ncols)
			ncols = row->len;
		for (c = 0; c < row->len; c++) {
			const char *s = g_ptr_array_index(row, c);
			int w = sanitize_width(s, strlen(s));

			if (w > HTML_GRID_CELL)
				grid = 0;
			if (w > widths[c])
				widths[c] = w;
		}
	}
	if (ncols < 2)
		grid = 0;
	html_break(x, 2);
	for (r = 0; r < t->rows->len; r++) {
		GPtrArray *row = g_ptr_array_index(t->rows, r);

		for (c = 0; c < row->len; c++) {
			const char *s = g_ptr_array_index(row, c);
			int w = sanitize_width(s, strlen(s));

			if (!grid) {
				if (*s == '\0')
					continue;
				html_puts(x, s);
				html_break(x, 1);
				continue;
			}
			g_string_append(l, s);
			if (c + 1 < row->len)
				for (; w < widths[c] + 2; w++)
					g_string_append_c(l, ' ');
		}
		if (grid) {
			while (l->len > 0 && l->str[l->len - 1] == ' ')
				g_string_truncate(l, l->len - 1);
			if (x->breaks >= 2 && x->emitted && !x->last_blank)
				html_blank(x);
			x->breaks = 0;
			x->line_quote = x->quote < HTML_MAX_DEPTH
			    ? x->quote
			    : HTML_MAX_DEPTH;
			if (l->len > 0)
				html_emit(x, l->str, l->len, 0, 1);
			g_string_truncate(l, 0);
		}
	}
	html_break(x, 2);
	g_string_free(l, TRUE);
}

/* Free a table. */
static void
html_table_free(struct html_table *t)
{
	if (t == NULL)
		return;
	g_ptr_array_free(t->rows, TRUE);
	g_string_free(t->cell, TRUE);
	free(t);
}

/* Table tags: only the outermost table is laid out; inner ones flatten. */
static void
html_table_tag(struct html_ctx *x, const struct html_tag *t)
{
	struct html_table *tab = x->table;

	if (strcmp(t->name, "table") == 0) {
		if (!t->end) {
			if (x->table_depth++ == 0) {
				html_break(x, 2);
				tab = xcalloc(1, sizeof *tab);
				tab->rows = g_ptr_array_new_with_free_func(
				    (GDestroyNotify)g_ptr_array_unref);
				tab->cell = g_string_new(NULL);
				x->table = tab;
			} else
				x->space = 1;
			return;
		}
		if (x->table_depth == 0)
			return;
		if (--x->table_depth > 0) {
			x->space = 1;
			return;
		}
		html_cell_close(tab);
		x->table = NULL;
		x->space = 0;
		html_table_emit(x, tab);
		html_table_free(tab);
		return;
	}
	if (tab == NULL)
		return;
	if (x->table_depth > 1) {
		x->space = 1;
		return;
	}
	if (strcmp(t->name, "tr") == 0 && !t->end) {
		html_cell_close(tab);
		if (tab->rows->len < HTML_MAX_CELLS)
			g_ptr_array_add(
			    tab->rows, g_ptr_array_new_with_free_func(free));
	} else if ((strcmp(t->name, "td") == 0 || strcmp(t->name, "th") == 0)) {
		html_cell_close(tab);
		if (!t->end) {
			tab->in_cell = 1;
			x->space = 0;
		}
	} else if (strcmp(t->name, "tr") == 0)
		html_cell_close(tab);
}

/* ------------------------------------------------------------- driver */

/* Act on one tag. */
static void
html_tag(struct html_ctx *x, struct html_tag *t)
{
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4", "h5",
		"h6", "dl", "hr", "address", "figure", "center", NULL };
	static const char *const line[] = { "div", "dt", "dd", "section",
		"article", "header", "footer", "nav", "aside", "main", "form",
		"fieldset", "figcaption", "caption", "title", "option", NULL };
	static const char *const table[] = { "table", "tr", "td", "th", NULL };

	if (html_is(t->name, table)) {
		html_table_tag(x, t);
		return;
	}
	if (html_is(t->name, para)) {
		html_break(x, 2);
		if (strcmp(t->name, "hr") == 0 && !t->end) {
			html_puts(x, HTML_HR);
			html_break(x, 2);
		}
		return;
	}
	if (html_is(t->name, line)) {
		html_break(x, 1);
		return;
	}
	if (strcmp(t->name, "br") == 0) {
		if (x->table != NULL) {
			x->space = 1;
			return;
		}
		if (x->line->len == 0 && x->emitted)
			html_blank(x);
		html_flush(x);
		x->breaks = 0;
		return;
	}
	if (strcmp(t->name, "pre") == 0) {
		html_break(x, 2);
		x->pre = !t->end;
		/* A line break right after <pre> is not part of the text. */
		if (x->pre && x->p < x->end && *x->p == '\r')
			x->p++;
		if (x->pre && x->p < x->end && *x->p == '\n')
			x->p++;
		return;
	}
	if (strcmp(t->name, "blockquote") == 0) {
		html_break(x, 2);
		if (!t->end)
			x->quote++;
		else if (x->quote > 0)
			x->quote--;
		return;
	}
	if (strcmp(t->name, "ul") == 0 || strcmp(t->name, "ol") == 0) {
		html_break(x, x->nlists == 0 ? 2 : 1);
		if (!t->end) {
			if (x->nlists < HTML_MAX_DEPTH) {
				long n =
				    t->start ? strtol(t->start, NULL, 10) : 1;

				x->lists[x->nlists].ordered = t->name[0] == 'o';
				x->lists[x->nlists].n =
				    CLAMP(n, -1000000000L, 1000000000L);
			}
			if (x->nlists < INT_MAX)
				x->nlists++;
		} else if (x->nlists > 0)
			x->nlists--;
		x->bullet[0] = '\0';
		return;
	}
	if (strcmp(t->name, "li") == 0) {
		html_break(x, 1);
		if (!t->end && x->nlists > 0 && x->table == NULL) {
			struct html_list *l =
			    &x->lists[x->nlists <= HTML_MAX_DEPTH
				    ? x->nlists - 1
				    : HTML_MAX_DEPTH - 1];

			if (l->ordered)
				snprintf(x->bullet, sizeof x->bullet, "%ld. ",
				    l->n++);
			else
				snprintf(x->bullet, sizeof x->bullet, "* ");
		}
		return;
	}
	if (strcmp(t->name, "a") == 0) {
		if (x->href != NULL)
			html_link_close(x);
		if (!t->end && t->href != NULL && html_link_ok(t->href)) {
			x->href = t->href;
			t->href = NULL;
			x->link_start = html_sink(x)->len;
			x->link_mark = 1;
		}
		return;
	}
	if (strcmp(t->name, "img") == 0 && t->alt != NULL) {
		char *a = g_strstrip(xstrdup(t->alt));

		if (*a != '\0') {
			html_put(x, '[');
			html_puts(x, a);
			html_put(x, ']');
		}
		free(a);
	}
}

/* Skip a comment, declaration or processing instruction at x->p. */
static int
html_skip_markup(struct html_ctx *x)
{
	const char *p = x->p, *e;

	if (x->end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		for (e = p + 4; e + 2 < x->end; e++)
			if (e[0] == '-' && e[1] == '-' && e[2] == '>')
				break;
		x->p = e + 2 < x->end ? e + 3 : x->end;
		return 1;
	}
	if (x->end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
		x->p = p + 9; /* its text is text; "]]>" is dropped below */
		return 1;
	}
	if (x->end - p >= 2 && (p[1] == '!' || p[1] == '?')) {
		e = memchr(p, '>', x->end - p);
		x->p = e != NULL ? e + 1 : x->end;
		return 1;
	}
	return 0;
}

/*
 * Convert HTML (UTF-8, at most HTML_MAX_INPUT bytes are read) into
 * lines handed to cb, the link references last.
 */
void
html_text(const char *html, size_t len, html_line_cb cb, void *arg)
{
	struct html_ctx x = { 0 };
	size_t i;

	if (len > HTML_MAX_INPUT)
		len = HTML_MAX_INPUT;
	x.p = html;
	x.end = html + len;
	x.cb = cb;
	x.arg = arg;
	x.line = g_string_new(NULL);
	x.links = g_ptr_array_new_with_free_func(free);
	while (x.p < x.end) {
		struct html_tag t;
		gunichar cp;
		size_t n;

		if (*x.p == '<' && x.end - x.p > 1 &&
		    (g_ascii_isalpha(x.p[1]) || x.p[1] == '/') &&
		    (n = html_parse_tag(x.p, x.end, &t)) > 0) {
			x.p += n;
			if (!t.end &&
			    (strcmp(t.name, "script") == 0 ||
				strcmp(t.name, "style") == 0 ||
				strcmp(t.name, "title") == 0 ||
				strcmp(t.name, "template") == 0))
				html_skip_raw(&x, t.name);
			else
				html_tag(&x, &t);
			html_tag_clear(&t);
			continue;
		}
		if (*x.p == '<' && html_skip_markup(&x))
			continue;
		if (*x.p == ']' && x.end - x.p >= 3 &&
		    memcmp(x.p, "]]>", 3) == 0) {
			x.p += 3;
			continue;
		}
		if (*x.p == '&' && (n = html_entity(x.p, x.end, &cp)) > 0) {
			html_put(&x, cp);
			x.p += n;
			continue;
		}
		cp = g_utf8_get_char_validated(x.p, x.end - x.p);
		if (cp == (gunichar)-1 || cp == (gunichar)-2 || cp == 0) {
			html_put(&x, 0xfffd);
			x.p++;
			continue;
		}
		html_put(&x, cp);
		x.p = g_utf8_next_char(x.p);
	}
	if (x.href != NULL)
		html_link_close(&x);
	if (x.table != NULL) {
		struct html_table *t = x.table;

		html_cell_close(t);
		x.table = NULL;
		html_table_emit(&x, t);
		html_table_free(t);
	}
	x.pre = 0;
	html_flush(&x);
	x.quote = 0;
	x.line_quote = 0;
	if (x.links->len > 0 && x.emitted)
		html_emit(&x, "", 0, 0, 0);
	for (i = 0; i < x.links->len; i++) {
		char *ref = g_strdup_printf(
		    "[%zu] %s", i + 1, (char *)g_ptr_array_index(x.links, i));

		html_emit(&x, ref, strlen(ref), 0, 1);
		g_free(ref);
	}
	free(x.href);
	g_ptr_array_free(x.links, TRUE);
	g_string_free(x.line, TRUE);
}

/* Collect lines into text for html_text_plain(). */
static void
html_plain_cb(
    const char *text, size_t len, int quote, int indent, int fixed, void *arg)
{
	GString *out = arg;
	int i;

	(void)indent;
	(void)fixed;
	for (i = 0; i < quote; i++)
		g_string_append_c(out, '>');
	if (quote > 0)
		g_string_append_c(out, ' ');
	g_string_append_len(out, text, len);
	g_string_append_c(out, '\n');
}

/* The converted text as one string of lines (for searches and tests). */
char *
html_text_plain(const char *html, size_t len)
{
	GString *out = g_string_new(NULL);

	html_text(html, len, html_plain_cb, out);
	return g_string_free(out, FALSE);
}
