/*
 * sanitize.c - the one gate every character passes before the screen.
 *
 * Placeholders are chosen to be seen, not to be pretty: C0 controls in
 * caret notation (ESC becomes "^["), DEL as "^?", C1 controls, bidi
 * controls and invisible formatting characters as "<U+XXXX>", and each
 * byte of invalid UTF-8 as U+FFFD.  Everything else passes unchanged, so
 * wide and combining characters keep their columns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "message/sanitize.h"
#include "xmalloc.h"

/*
 * True for characters that change how text is laid out or ordered while
 * showing nothing: bidi embeddings, overrides and isolates, zero-width
 * characters, word joiners, invisible operators, the BOM, interlinear
 * annotation marks, tag characters and variation-less format controls.
 */
int
sanitize_is_invisible(unsigned int cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || /* ZW space..RLM */
	    (cp >= 0x2028 && cp <= 0x202e) || /* separators, bidi */
	    (cp >= 0x2060 && cp <= 0x206f) || /* joiners, isolates */
	    cp == 0xfeff || /* BOM / ZWNBSP */
	    (cp >= 0xfff9 && cp <= 0xfffb) || /* annotations */
	    cp == 0x061c || /* Arabic letter mark */
	    cp == 0x180e || /* Mongolian vowel sep */
	    cp == 0x00ad || /* soft hyphen */
	    (cp >= 0xe0000 && cp <= 0xe007f); /* tags */
}

/*
 * Return a new string holding s[0..len) with every unsafe character
 * replaced by a visible placeholder.  NUL bytes count as controls.
 */
char *
sanitize_text(const char *s, size_t len, int flags)
{
	GString *out = g_string_sized_new(len + 16);
	const char *p = s, *end = s + len;
	char *ret;

	while (p < end) {
		unsigned char c = *p;
		gunichar cp;
		const char *next;

		if (c < 0x80) {
			if (c == '\t')
				g_string_append_c(out,
				    (flags & SANITIZE_KEEP_TABS) ? '\t' : ' ');
			else if (c < 0x20) {
				g_string_append_c(out, '^');
				g_string_append_c(out, c + '@');
			} else if (c == 0x7f)
				g_string_append(out, "^?");
			else
				g_string_append_c(out, c);
			p++;
			continue;
		}
		cp = g_utf8_get_char_validated(p, end - p);
		if (cp == (gunichar)-1 || cp == (gunichar)-2) {
			g_string_append(out, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
			continue;
		}
		next = g_utf8_next_char(p);
		if ((cp >= 0x80 && cp < 0xa0) || sanitize_is_invisible(cp) ||
		    !g_unichar_validate(cp))
			g_string_append_printf(out, "<U+%04X>", cp);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	ret = xstrndup(out->str, out->len);
	g_string_free(out, TRUE);
	return ret;
}

/* Columns a character takes on the terminal: 0, 1 or 2. */
int
sanitize_char_width(unsigned int cp)
{
	/* Below the combining marks everything printable is one column. */
	if (cp >= 0x20 && cp < 0x300 && cp != 0xad)
		return 1;
	if (cp == 0 || g_unichar_iszerowidth(cp))
		return 0;
	return g_unichar_iswide(cp) ? 2 : 1;
}

/* Columns s[0..len) takes; it must be sanitised text (no tabs). */
int
sanitize_width(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int w = 0;

	while (p < end) {
		if ((unsigned char)*p < 0x80) { /* the common case, quickly */
			w += *p >= 0x20;
			p++;
			continue;
		}
		w += sanitize_char_width(g_utf8_get_char(p));
		p = g_utf8_next_char(p);
	}
	return w;
}

/*
 * How many bytes of s[0..len) fit in width columns without cutting a
 * character; *used (if not NULL) gets the columns they take.  Zero-width
 * characters after the last that fits stay with it.
 */
size_t
sanitize_fit(const char *s, size_t len, int width, int *used)
{
	const char *p = s, *end = s + len;
	int w = 0;

	while (p < end) {
		int cw = sanitize_char_width(g_utf8_get_char(p));

		if (w + cw > width)
			break;
		w += cw;
		p = g_utf8_next_char(p);
	}
	if (used != NULL)
		*used = w;
	return p - s;
}

/*
 * A file name from a message made safe to create in a directory of our
 * choosing: only its last path component, every control, bidi or
 * invisible character (and every byte of broken UTF-8) replaced by '_',
 * no leading dot, dash or blank (no hidden file, nothing that reads as
 * an option), no trailing dot or blank, at most SANITIZE_NAME_MAX bytes
 * with the extension kept.  NULL when nothing usable is left.
 */
char *
sanitize_filename(const char *name)
{
	const char *start, *end, *p, *q, *dot;
	GString *out;
	size_t n;

	if (name == NULL)
		return NULL;
	/* The last component that is not "", "." or "..". */
	end = name + strlen(name);
	for (;;) {
		while (end > name && (end[-1] == '/' || end[-1] == '\\'))
			end--;
		start = end;
		while (start > name && start[-1] != '/' && start[-1] != '\\')
			start--;
		if (end - start == 1 && start[0] == '.')
			;
		else if (end - start == 2 && start[0] == '.' && start[1] == '.')
			;
		else
			break;
		if (start == name)
			return NULL;
		end = start;
	}
	out = g_string_new(NULL);
	for (p = start; p < end; p = q) {
		gunichar cp = g_utf8_get_char_validated(p, end - p);

		if (cp == (gunichar)-1 || cp == (gunichar)-2) {
			g_string_append_c(out, '_');
			q = p + 1;
			continue;
		}
		q = g_utf8_next_char(p);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    sanitize_is_invisible(cp) || !g_unichar_validate(cp) ||
		    g_unichar_type(cp) == G_UNICODE_LINE_SEPARATOR ||
		    g_unichar_type(cp) == G_UNICODE_PARAGRAPH_SEPARATOR)
			g_string_append_c(out, '_');
		else
			g_string_append_len(out, p, q - p);
	}
	n = strspn(out->str, ".- ");
	g_string_erase(out, 0, n);
	while (out->len > 0 &&
	    (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
		g_string_truncate(out, out->len - 1);
	if (out->len > SANITIZE_NAME_MAX) {
		/* Keep a short extension; cut the stem at a character. */
		dot = strrchr(out->str, '.');
		n = dot != NULL && out->len - (dot - out->str) <= 16
		    ? out->len - (dot - out->str)
		    : 0;
		p = g_utf8_find_prev_char(
		    out->str, out->str + SANITIZE_NAME_MAX - n + 1);
		g_string_erase(
		    out, p - out->str, out->len - n - (p - out->str));
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}
