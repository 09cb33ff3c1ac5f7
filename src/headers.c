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

#include "headers.h"
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

/* Decode RFC 2047 words in an unstructured header (a subject). */
char *
headers_decode_text(const char *raw)
{
	char *unfolded, *dec, *out;

	headers_init();
	unfolded = g_mime_utils_header_unfold(raw);
	dec = g_mime_utils_header_decode_text(NULL, unfolded);
	g_free(unfolded);
	out = xstrdup(dec != NULL ? dec : raw);
	g_free(dec);
	g_strstrip(out);
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
