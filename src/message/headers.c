/*
 * headers.c - a message's header block turned into summary fields.
 *
 * The header block is split and unfolded here (it is cheap, and a folder
 * of 100,000 messages should not build 100,000 GMime objects); GMime then
 * decodes what needs decoding: RFC 2047 words, address lists, dates and
 * message ids.  Only the first occurrence of each header counts.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "message/charset.h"
#include "message/headers.h"
#include "xmalloc.h"

/* The headers a summary needs; HDR_COUNT is the number of them. */
enum {
	HDR_FROM,
	HDR_TO,
	HDR_CC,
	HDR_SUBJECT,
	HDR_DATE,
	HDR_MESSAGE_ID,
	HDR_IN_REPLY_TO,
	HDR_REFERENCES,
	HDR_CONTENT_TYPE,
	HDR_COUNT,
};

static const char *const headers_names[HDR_COUNT] = {
	"from",
	"to",
	"cc",
	"subject",
	"date",
	"message-id",
	"in-reply-to",
	"references",
	"content-type",
};

/* Initialise GMime once per process. */
void
headers_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

/*
 * The length of the header block: up to and including the empty line
 * that ends it, or len (bounded by HEADERS_MAX) when there is none.
 */
size_t
headers_length(const char *data, size_t len)
{
	size_t i;

	if (len > HEADERS_MAX)
		len = HEADERS_MAX;
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < len && data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* The value of a base64 digit, or -1. */
static int
headers_b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode an encoded word's payload into out; 0, or -1 when it is not
 * valid (a character outside the alphabet, a cut group), in which case
 * the word is shown as it is.  Missing base64 padding is forgiven.
 */
static int
headers_decode_payload(const char *p, size_t n, char enc, GString *out)
{
	size_t i, start = out->len;
	unsigned v = 0;
	int bits = 0, digits = 0;

	if (enc == 'q' || enc == 'Q') {
		for (i = 0; i < n; i++) {
			if (p[i] == '_')
				g_string_append_c(out, ' ');
			else if (p[i] == '=' && i + 2 < n &&
			    g_ascii_isxdigit(p[i + 1]) &&
			    g_ascii_isxdigit(p[i + 2])) {
				g_string_append_c(out,
				    g_ascii_xdigit_value(p[i + 1]) * 16 +
					g_ascii_xdigit_value(p[i + 2]));
				i += 2;
			} else
				g_string_append_c(out, p[i]);
		}
		return 0;
	}
	for (i = 0; i < n && p[i] != '='; i++) {
		int d = headers_b64(p[i]);

		if (d < 0)
			goto bad;
		v = (v << 6) | d;
		bits += 6;
		digits++;
		if (bits >= 8) {
			bits -= 8;
			g_string_append_c(out, (v >> bits) & 0xff);
		}
	}
	for (; i < n; i++) /* only padding may follow */
		if (p[i] != '=')
			goto bad;
	if (digits % 4 == 1)
		goto bad;
	return 0;
bad:
	g_string_truncate(out, start);
	return -1;
}

/*
 * Parse the encoded word at p ("=?charset[*lang]?B|Q?payload?="), at
 * most end.  On success its decoded bytes are appended to bytes, its
 * charset copied to cs, and the length of the word returned; 0 if p does
 * not start a valid encoded word.
 */
static size_t
headers_encoded_word(
    const char *p, const char *end, GString *bytes, char *cs, size_t cslen)
{
	const char *q = p + 2, *c0, *c1, *payload, *e;
	char enc;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	c0 = q;
	while (q < end && *q != '?' && !g_ascii_isspace(*q))
		q++;
	if (q >= end || *q != '?' || q == c0 || (size_t)(q - c0) >= cslen)
		return 0;
	c1 = memchr(c0, '*', q - c0); /* RFC 2231 language suffix */
	if (c1 == NULL)
		c1 = q;
	if (c1 == c0)
		return 0;
	enc = q[1];
	if (q + 2 >= end || q[2] != '?' ||
	    (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q'))
		return 0;
	payload = q + 3;
	for (e = payload; e + 1 < end; e++) {
		if (g_ascii_isspace(*e))
			return 0;
		if (e[0] == '?' && e[1] == '=')
			break;
	}
	if (e + 1 >= end)
		return 0;
	if (headers_decode_payload(payload, e - payload, enc, bytes) == -1)
		return 0;
	memcpy(cs, c0, c1 - c0);
	cs[c1 - c0] = '\0';
	return e + 2 - p;
}

/* Append raw bytes (no encoded word) as UTF-8. */
static void
headers_append_text(GString *out, const char *p, size_t n, const char *cs)
{
	size_t len;
	char *u = charset_to_utf8(p, n, cs, &len);

	g_string_append_len(out, u, len);
	free(u);
}

/*
 * Decode the RFC 2047 words of an unfolded header value.  Adjacent
 * words are joined without the white space between them, and the bytes
 * of adjacent words in one charset are converted together, so a
 * character split between two words comes out whole.  A word that does
 * not decode is kept as it is; unknown charsets go through the fallback
 * chain (charset.h).
 */
static char *
headers_decode_2047(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len + 1);
	GString *bytes = g_string_new(NULL), *word = g_string_new(NULL);
	const char *p = s, *end = s + len, *lit = s, *t;
	char cs[65] = "", ncs[65];
	int prev_word = 0;
	size_t n;

	while (p < end) {
		if (*p != '=' || p + 1 >= end || p[1] != '?') {
			p++;
			continue;
		}
		g_string_truncate(word, 0);
		n = headers_encoded_word(p, end, word, ncs, sizeof ncs);
		if (n == 0) {
			p++;
			continue;
		}
		for (t = lit; t < p && (*t == ' ' || *t == '\t'); t++)
			;
		if (!prev_word || t < p || g_ascii_strcasecmp(cs, ncs) != 0) {
			headers_append_text(out, bytes->str, bytes->len, cs);
			g_string_truncate(bytes, 0);
		}
		/* White space between two words is not part of the text. */
		if (!prev_word || t < p)
			headers_append_text(out, lit, p - lit, NULL);
		g_string_append_len(bytes, word->str, word->len);
		memcpy(cs, ncs, sizeof cs);
		prev_word = 1;
		p += n;
		lit = p;
	}
	headers_append_text(out, bytes->str, bytes->len, cs);
	headers_append_text(out, lit, end - lit, NULL);
	g_string_free(bytes, TRUE);
	g_string_free(word, TRUE);
	return g_string_free(out, FALSE);
}

/*
 * Decode RFC 2047 words in an unstructured header (a subject): unfold,
 * decode, trim.  A value that decodes to nothing while its raw form has
 * something is returned raw, so a header is never shown empty by our
 * doing.  Only the first HEADERS_MAX bytes are looked at.
 */
char *
headers_decode_text(const char *raw)
{
	size_t len = strnlen(raw, HEADERS_MAX), i, n = 0;
	char *unfolded = xmalloc(len + 1), *out;

	for (i = 0; i < len; i++) {
		if (raw[i] == '\r' || raw[i] == '\n') {
			/* Folding: the line break goes, the blank stays. */
			if (i + 1 < len && raw[i + 1] != ' ' &&
			    raw[i + 1] != '\t' && raw[i + 1] != '\r' &&
			    raw[i + 1] != '\n')
				unfolded[n++] = ' ';
			continue;
		}
		unfolded[n++] = raw[i];
	}
	unfolded[n] = '\0';
	out = headers_decode_2047(unfolded, n);
	g_strstrip(out);
	if (*out == '\0') {
		free(out);
		g_strstrip(unfolded);
		return unfolded;
	}
	free(unfolded);
	return out;
}

/* Decode an address list header into "Name <addr>, ..." form. */
static char *
headers_decode_addresses(const char *raw)
{
	InternetAddressList *list;
	char *s, *out;

	list = internet_address_list_parse(NULL, raw);
	if (list == NULL || internet_address_list_length(list) == 0) {
		if (list != NULL)
			g_object_unref(list);
		return headers_decode_text(raw);
	}
	s = internet_address_list_to_string(list, NULL, FALSE);
	g_object_unref(list);
	out = xstrdup(s != NULL ? s : "");
	g_free(s);
	return out;
}

/* The first message id in a header, without brackets, or NULL. */
static char *
headers_decode_id(const char *raw)
{
	char *id = g_mime_utils_decode_message_id(raw), *out = NULL;

	if (id != NULL && *id != '\0')
		out = xstrdup(id);
	g_free(id);
	return out;
}

/* All ids of a References header, space separated, or NULL. */
static char *
headers_decode_references(const char *raw)
{
	GMimeReferences *refs = g_mime_references_parse(NULL, raw);
	GString *s = g_string_new(NULL);
	int i, n;
	char *out = NULL;

	n = refs != NULL ? g_mime_references_length(refs) : 0;
	for (i = 0; i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);

		if (id == NULL || *id == '\0' || strchr(id, ' ') != NULL)
			continue;
		if (s->len > 0)
			g_string_append_c(s, ' ');
		g_string_append(s, id);
	}
	if (refs != NULL)
		g_mime_references_free(refs);
	if (s->len > 0)
		out = xstrdup(s->str);
	g_string_free(s, TRUE);
	return out;
}

/* Parse a Date header into seconds since the epoch, 0 if unreadable. */
static int64_t
headers_decode_date(const char *raw)
{
	GDateTime *dt = g_mime_utils_header_decode_date(raw);
	int64_t t;

	if (dt == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* True if the Content-Type says the message carries attachments. */
static int
headers_has_attachment(const char *ct)
{
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return g_ascii_strncasecmp(ct, "multipart/mixed", 15) == 0 ||
	    g_ascii_strncasecmp(ct, "application/", 12) == 0;
}

/*
 * Fill out's header fields (from, to, cc, subject, date, ids,
 * has_attachment) from a header block.  Fields already set are freed
 * first; absent headers leave NULL / 0.
 */
void
headers_parse(const char *data, size_t len, struct summary *out)
{
	GString *val[HDR_COUNT] = { NULL };
	const char *p, *end, *nl, *colon;
	GString *cur = NULL;
	size_t n, i;

	headers_init();
	len = headers_length(data, len);
	end = data + len;
	for (p = data; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL)
			nl = end;
		n = nl - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* the empty line: end of the headers */
		if (p[0] == ' ' || p[0] == '\t') {
			/* Unfolding removes the line break, nothing else. */
			if (cur != NULL && cur->len < HEADERS_MAX / 4)
				g_string_append_len(cur, p, n);
			continue;
		}
		cur = NULL;
		colon = memchr(p, ':', n);
		if (colon == NULL)
			continue;
		for (i = 0; i < HDR_COUNT; i++) {
			size_t hl = strlen(headers_names[i]);

			if ((size_t)(colon - p) == hl &&
			    g_ascii_strncasecmp(p, headers_names[i], hl) == 0)
				break;
		}
		if (i == HDR_COUNT || val[i] != NULL)
			continue;
		val[i] = g_string_new_len(colon + 1, p + n - (colon + 1));
		cur = val[i];
	}

	free(out->from);
	free(out->to);
	free(out->cc);
	free(out->subject);
	free(out->message_id);
	free(out->in_reply_to);
	free(out->references);
	out->from =
	    val[HDR_FROM] ? headers_decode_addresses(val[HDR_FROM]->str) : NULL;
	out->to =
	    val[HDR_TO] ? headers_decode_addresses(val[HDR_TO]->str) : NULL;
	out->cc =
	    val[HDR_CC] ? headers_decode_addresses(val[HDR_CC]->str) : NULL;
	out->subject = val[HDR_SUBJECT]
	    ? headers_decode_text(val[HDR_SUBJECT]->str)
	    : NULL;
	out->date = val[HDR_DATE] ? headers_decode_date(val[HDR_DATE]->str) : 0;
	out->message_id = val[HDR_MESSAGE_ID]
	    ? headers_decode_id(val[HDR_MESSAGE_ID]->str)
	    : NULL;
	out->in_reply_to = val[HDR_IN_REPLY_TO]
	    ? headers_decode_id(val[HDR_IN_REPLY_TO]->str)
	    : NULL;
	out->references = val[HDR_REFERENCES]
	    ? headers_decode_references(val[HDR_REFERENCES]->str)
	    : NULL;
	out->has_attachment = val[HDR_CONTENT_TYPE] != NULL &&
	    headers_has_attachment(val[HDR_CONTENT_TYPE]->str);
	for (i = 0; i < HDR_COUNT; i++)
		if (val[i] != NULL)
			g_string_free(val[i], TRUE);
}
