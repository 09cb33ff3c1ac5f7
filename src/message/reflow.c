/*
 * reflow.c - text laid out for a window: format=flowed, tabs, wrapping.
 *
 * RFC 3676 in short: a line that ends in a space is "soft" and continues
 * on the next line; quote depth is the count of leading '>'; a space
 * right after them is stuffing and goes; "-- " (the signature separator)
 * is never soft; with DelSp=yes the space that marked a soft break is
 * deleted when lines are joined.  A change of quote depth ends a
 * paragraph whatever the previous line said.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/reflow.h"
#include "message/sanitize.h"
#include "xmalloc.h"

/* Leading '>' of a line (RFC 3676 quote depth, capped). */
static int
reflow_flowed_depth(const char *s, size_t len, size_t *skip)
{
	size_t i = 0;

	while (i < len && s[i] == '>')
		i++;
	*skip = i;
	return i > REFLOW_MAX_QUOTE ? REFLOW_MAX_QUOTE : (int)i;
}

/*
 * Call cb once per paragraph of format=flowed text (text is not
 * NUL-terminated and may hold CRLF line ends).  flowed says whether the
 * paragraph was joined from soft lines (it may then be re-wrapped);
 * fixed lines come with flowed 0.  The text handed to cb has the quote
 * marks and stuffing removed.
 */
void
reflow_flowed(
    const char *text, size_t len, int delsp, reflow_para_cb cb, void *arg)
{
	const char *p = text, *end = text + len, *nl;
	GString *para = g_string_new(NULL);
	int pquote = -1, soft = 0, joined = 0;

	while (p < end) {
		size_t n, skip;
		int q, sig;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		q = reflow_flowed_depth(p, n, &skip);
		if (skip < n && p[skip] == ' ')
			skip++; /* space stuffing */
		sig = n - skip == 3 && memcmp(p + skip, "-- ", 3) == 0;
		if (pquote >= 0 && (!soft || sig || q != pquote)) {
			cb(pquote, para->str, para->len, joined, arg);
			g_string_truncate(para, 0);
			pquote = -1;
			joined = 0;
		}
		if (pquote >= 0)
			joined = 1;
		pquote = q;
		g_string_append_len(para, p + skip, n - skip);
		soft = !sig && n > skip && p[n - 1] == ' ';
		if (soft && delsp)
			g_string_truncate(para, para->len - 1);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (pquote >= 0)
		cb(pquote, para->str, para->len, joined || soft, arg);
	g_string_free(para, TRUE);
}

/*
 * Where s[0..len) wraps to fit width columns: the number of bytes that
 * go on this row, and in *next the offset the next row starts at
 * (blanks at the break are skipped).  Breaks at the last blank that
 * fits; a word wider than the row is cut.  At least one character goes
 * on a row, so the caller always advances.
 */
size_t
reflow_break(const char *s, size_t len, int width, size_t *next)
{
	const char *p = s, *end = s + len, *brk = NULL;
	int w = 0;
	size_t n;

	while (p < end) {
		gunichar c = (unsigned char)*p < 0x80 ? (gunichar)*p
						      : g_utf8_get_char(p);
		int cw = c < 0x80 ? c >= 0x20 : sanitize_char_width(c);

		if (c == ' ' && p > s)
			brk = p; /* a blank that does not fit is a break too */
		if (w + cw > width)
			break;
		w += cw;
		p = c < 0x80 ? p + 1 : g_utf8_next_char(p);
	}
	if (p >= end) {
		*next = len;
		return len;
	}
	if (brk != NULL) {
		n = brk - s;
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == 0)
			n = brk - s;
		p = brk;
	} else {
		if (p == s) /* not even one character fits */
			p = g_utf8_next_char(s);
		/* Combining marks stay with their base character. */
		while (p < end && sanitize_char_width(g_utf8_get_char(p)) == 0)
			p = g_utf8_next_char(p);
		n = p - s;
	}
	while (p < end && *p == ' ')
		p++;
	*next = p - s;
	return n;
}

/*
 * Tabs expanded to the next multiple of eight columns; s must be
 * sanitised UTF-8 (tabs kept).  Returns a new string.
 */
char *
reflow_expand_tabs(const char *s, size_t len, size_t *out_len)
{
	GString *out;
	const char *p = s, *end = s + len;
	int col = 0;

	if (memchr(s, '\t', len) == NULL) {
		*out_len = len;
		return xstrndup(s, len);
	}
	out = g_string_sized_new(len + 16);
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		const char *q = g_utf8_next_char(p);

		if (c == '\t') {
			do
				g_string_append_c(out, ' ');
			while (++col % 8 != 0);
		} else {
			g_string_append_len(out, p, q - p);
			col += sanitize_char_width(c);
		}
		p = q;
	}
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/*
 * The quote depth of a plain (not flowed) line, as mail readers show
 * it: the '>' at its start, blanks between them allowed ("> > x" is 2).
 */
int
reflow_quote_depth(const char *s, size_t len)
{
	size_t i = 0;
	int q = 0;

	while (i < len && (s[i] == '>' || s[i] == ' ')) {
		if (s[i] == '>')
			q++;
		else if (i + 1 < len && s[i + 1] != '>')
			break;
		i++;
	}
	return q > REFLOW_MAX_QUOTE ? REFLOW_MAX_QUOTE : q;
}
