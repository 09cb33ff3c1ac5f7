/*
 * charset.c - text in whatever charset a message claims, as UTF-8.
 *
 * The fallback chain is: the declared charset, then UTF-8, then
 * windows-1252.  "Declared" wins when it converts cleanly.  When it does
 * not (an unknown name, or bytes that are illegal in it), text that is
 * valid UTF-8 is taken as UTF-8; otherwise a known charset keeps its
 * conversion if only a few bytes were bad (they become U+FFFD), and
 * anything worse is read as windows-1252, which gives every byte a
 * character.  Text labelled ASCII or Latin-1 that is really UTF-8 (a
 * common lie) is read as UTF-8, and Latin-1 is read as its superset
 * windows-1252, as browsers do.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "message/charset.h"
#include "message/headers.h"
#include "xmalloc.h"

/* windows-1252 0x80..0x9f; the five holes map to C1 controls (WHATWG). */
static const unsigned short charset_cp1252_high[32] = {
	0x20ac,
	0x0081,
	0x201a,
	0x0192,
	0x201e,
	0x2026,
	0x2020,
	0x2021,
	0x02c6,
	0x2030,
	0x0160,
	0x2039,
	0x0152,
	0x008d,
	0x017d,
	0x008f,
	0x0090,
	0x2018,
	0x2019,
	0x201c,
	0x201d,
	0x2022,
	0x2013,
	0x2014,
	0x02dc,
	0x2122,
	0x0161,
	0x203a,
	0x0153,
	0x009d,
	0x017e,
	0x0178,
};

/* Charset names, compared without case, '-' and '_'. */
static int
charset_name_is(const char *name, const char *const *list)
{
	char a[64];
	size_t i, n = 0;

	for (i = 0; name[i] != '\0' && n + 1 < sizeof a; i++)
		if (name[i] != '-' && name[i] != '_')
			a[n++] = g_ascii_tolower(name[i]);
	a[n] = '\0';
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(a, list[i]) == 0)
			return 1;
	return 0;
}

/* Names of ASCII. */
static int
charset_is_ascii(const char *name)
{
	static const char *const l[] = { "usascii", "ascii", "us",
		"ansix3.41968", "iso646us", "646", NULL };

	return charset_name_is(name, l);
}

/* Names of UTF-8. */
static int
charset_is_utf8(const char *name)
{
	static const char *const l[] = { "utf8", "unicode11utf8", NULL };

	return charset_name_is(name, l);
}

/* Names of Latin-1 and windows-1252, both read as windows-1252. */
static int
charset_is_latin1(const char *name)
{
	static const char *const l[] = { "iso88591", "iso88591:1987", "latin1",
		"l1", "iso8859_1", "windows1252", "cp1252", "xcp1252", "cp819",
		"ibm819", NULL };

	return charset_name_is(name, l);
}

/* Charsets that encode non-ASCII text in ASCII bytes. */
static int
charset_is_7bit_stateful(const char *name)
{
	return g_ascii_strncasecmp(name, "iso-2022", 8) == 0 ||
	    g_ascii_strncasecmp(name, "iso2022", 7) == 0 ||
	    g_ascii_strncasecmp(name, "utf-7", 5) == 0 ||
	    g_ascii_strncasecmp(name, "utf7", 4) == 0 ||
	    g_ascii_strncasecmp(name, "hz", 2) == 0 ||
	    g_ascii_strncasecmp(name, "utf-16", 6) == 0 ||
	    g_ascii_strncasecmp(name, "utf-32", 6) == 0 ||
	    g_ascii_strncasecmp(name, "ucs", 3) == 0;
}

/* How many bytes are not part of valid UTF-8 (NUL counts as bad). */
static size_t
charset_utf8_errors(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *stop;
	size_t bad = 0;

	while (p < end) {
		if (g_utf8_validate_len(p, end - p, &stop))
			break;
		bad++;
		p = stop + 1;
	}
	return bad;
}

/* UTF-8 with each bad byte replaced by U+FFFD. */
static char *
charset_utf8_repair(const char *s, size_t len, size_t *out_len)
{
	GString *out = g_string_sized_new(len + 1);
	const char *p = s, *end = s + len, *stop;

	while (p < end) {
		int ok = g_utf8_validate_len(p, end - p, &stop);

		g_string_append_len(out, p, stop - p);
		if (ok)
			break;
		g_string_append(out, "\xef\xbf\xbd");
		p = stop + 1;
	}
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* windows-1252 to UTF-8: never fails. */
static char *
charset_cp1252(const char *s, size_t len, size_t *out_len)
{
	GString *out = g_string_sized_new(len + len / 4 + 1);
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == 0)
			g_string_append(out, "\xef\xbf\xbd");
		else if (c < 0x80)
			g_string_append_c(out, c);
		else if (c < 0xa0)
			g_string_append_unichar(
			    out, charset_cp1252_high[c - 0x80]);
		else
			g_string_append_unichar(out, c);
	}
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* Replace NUL characters (U+0000 in UTF-16 text, say) by U+FFFD. */
static void
charset_no_nul(GString *s)
{
	GString *t;
	size_t i;

	if (memchr(s->str, '\0', s->len) == NULL)
		return;
	t = g_string_sized_new(s->len + 16);
	for (i = 0; i < s->len; i++) {
		if (s->str[i] == '\0')
			g_string_append(t, "\xef\xbf\xbd");
		else
			g_string_append_c(t, s->str[i]);
	}
	g_string_truncate(s, 0);
	g_string_append_len(s, t->str, t->len);
	g_string_free(t, TRUE);
}

/* The name iconv knows a charset by (GMime's alias table). */
static const char *
charset_iconv_name(const char *name)
{
	headers_init();
	return g_mime_charset_iconv_name(name);
}

/* True if iconv can convert from this charset to UTF-8. */
int
charset_known(const char *name)
{
	GIConv cd;

	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return 0;
	if (charset_is_ascii(name) || charset_is_utf8(name) ||
	    charset_is_latin1(name))
		return 1;
	cd = g_iconv_open("UTF-8", charset_iconv_name(name));
	if (cd == (GIConv)-1)
		return 0;
	g_iconv_close(cd);
	return 1;
}

/*
 * Convert with iconv, each illegal byte becoming U+FFFD; *errors counts
 * them.  NULL when iconv does not know the charset.
 */
static char *
charset_iconv(const char *s, size_t len, const char *name, size_t *errors,
    size_t *out_len)
{
	GIConv cd = g_iconv_open("UTF-8", charset_iconv_name(name));
	GString *out;
	gchar *in = (gchar *)s;
	gsize inleft = len, oleft;
	gchar buf[4096], *o;

	if (cd == (GIConv)-1)
		return NULL;
	out = g_string_sized_new(len + len / 2 + 1);
	*errors = 0;
	while (inleft > 0) {
		gsize r;
		int e;

		o = buf;
		oleft = sizeof buf;
		r = g_iconv(cd, &in, &inleft, &o, &oleft);
		e = errno;

		g_string_append_len(out, buf, o - buf);
		if (r != (gsize)-1 || e == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a cut sequence: skip one byte. */
		g_string_append(out, "\xef\xbf\xbd");
		++*errors;
		in++;
		inleft--;
	}
	/* A stateful charset may have a shift sequence to flush. */
	o = buf;
	oleft = sizeof buf;
	g_iconv(cd, NULL, NULL, &o, &oleft);
	g_string_append_len(out, buf, o - buf);
	g_iconv_close(cd);
	charset_no_nul(out);
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* True if no byte has the high bit set. */
static int
charset_all_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/*
 * The text as UTF-8 (a new string, NUL-terminated; *out_len, if not
 * NULL, gets its length).  Never fails; see the top of the file for the
 * fallback chain.  NUL bytes in the input become U+FFFD.
 */
char *
charset_to_utf8(
    const char *data, size_t len, const char *declared, size_t *out_len)
{
	size_t n, errors, bad;
	char *out;

	if (out_len == NULL)
		out_len = &n;
	if (len > CHARSET_MAX_INPUT)
		len = CHARSET_MAX_INPUT;
	if (declared != NULL && (*declared == '\0' || strlen(declared) > 64))
		declared = NULL;
	if (charset_all_ascii(data, len) && memchr(data, '\0', len) == NULL &&
	    (declared == NULL || !charset_is_7bit_stateful(declared))) {
		*out_len = len;
		return xstrndup(data, len);
	}
	bad = charset_utf8_errors(data, len);
	if (declared == NULL || charset_is_ascii(declared) ||
	    charset_is_utf8(declared) || charset_is_latin1(declared)) {
		if (bad == 0)
			return charset_utf8_repair(data, len, out_len);
		if (declared != NULL && charset_is_utf8(declared) &&
		    bad <= len / 100 + 1)
			return charset_utf8_repair(data, len, out_len);
		return charset_cp1252(data, len, out_len);
	}
	out = charset_iconv(data, len, declared, &errors, out_len);
	if (out != NULL && errors == 0)
		return out;
	if (bad == 0) {
		g_free(out);
		return charset_utf8_repair(data, len, out_len);
	}
	if (out != NULL && errors <= len / 100 + 1)
		return out;
	g_free(out);
	return charset_cp1252(data, len, out_len);
}

/*
 * UTF-8 text in another charset (the terminal's), characters it cannot
 * hold shown as '?'.  Always a new string.
 */
char *
charset_from_utf8(const char *utf8, const char *to)
{
	char *r, *out;

	if (to == NULL || charset_is_utf8(to))
		return xstrdup(utf8);
	r = g_convert_with_fallback(
	    utf8, -1, to, "UTF-8", "?", NULL, NULL, NULL);
	if (r == NULL)
		return xstrdup(utf8);
	out = xstrdup(r);
	g_free(r);
	return out;
}
