/*
 * mime_render.c - a message turned into display lines.
 *
 * Two stages.  mime_render() parses and walks the message once, making
 * logical lines: one per header, per fixed line of text, per flowed
 * paragraph, per marker; each is sanitised, its tabs expanded and its
 * URLs found.  render_set_width() then wraps the logical lines into the
 * rows the pager paints: flowed paragraphs wrap softly (a quote prefix
 * or a list's hanging indent repeated), fixed lines wrap with a '+'
 * marker on each continuation row.  A resize re-wraps; nothing is parsed
 * or converted again.
 *
 * The walk is bounded.  Before GMime sees the bytes, a scan cuts the
 * message after RENDER_MAX_BOUNDARIES boundary declarations or
 * delimiter-looking lines, so a hostile message of 100,000 tiny parts or
 * 10,000 nested multiparts costs GMime a bounded amount of work; the
 * walk itself stops at RENDER_MAX_DEPTH levels and RENDER_MAX_PARTS
 * parts with a note saying so.  Parts are decoded only when shown:
 * attachments cost a look at their headers.
 *
 * multipart/alternative shows the first part whose type comes first in
 * the preference list; multipart/mixed, related and the rest show their
 * parts in order; message/rfc822 is shown nested with its own headers;
 * multipart/signed is checked through GMime's GnuPG support and shown
 * with a line saying how the check went.  Every part (shown or not) gets
 * a number in the attachment list, the numbers the markers show.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "message/charset.h"
#include "message/headers.h"
#include "message/html_text.h"
#include "message/mailcap.h"
#include "message/mime_part.h"
#include "message/mime_render.h"
#include "message/reflow.h"
#include "message/sanitize.h"
#include "message/urls.h"
#include "xmalloc.h"

/* Boundary declarations or delimiter lines GMime is given at most. */
#define RENDER_MAX_BOUNDARIES 2000
#define RENDER_MAX_HEADERS 1000 /* header lines shown of one message */
#define RENDER_MAX_LINE_URLS 64
#define RENDER_MARKER "+"
#define RENDER_MARKER_WIDTH 1

enum render_wrap {
	WRAP_MARK, /* a fixed line: continuation rows start with '+' */
	WRAP_SOFT, /* a paragraph: continuation rows repeat the prefix */
};

/* A logical line, before wrapping. */
struct render_lline {
	enum render_kind kind;
	int quote;
	int name_len;
	enum render_wrap wrap;
	size_t prefix_len; /* leading bytes repeated on soft rows */
	int indent; /* more columns of hanging indent on soft rows */
	char *text;
	size_t len;
	struct render_link *links;
	size_t nlinks;
};

/* An attachment list entry and what is needed to save it. */
struct render_att {
	struct render_attachment pub;
	GMimeObject *obj; /* borrowed from msg; NULL: uuencoded block */
	char *rawname; /* the name as the message gives it, decoded */
	char *data; /* a uuencoded block's bytes */
	size_t len;
};

struct render {
	GMimeMessage *msg;

	struct render_lline *ll;
	size_t nll, allocll;
	struct render_line *rows;
	size_t nrows, allocrows;
	int width;

	GPtrArray *urls;
	GHashTable *url_index; /* url -> index + 1 */

	struct render_att *atts;
	size_t natts, allocatts;

	int parts;
	int noted_deep, noted_parts, verified;
	int gmime_deep; /* GMime reported a nesting overflow */
	int cut; /* the scan cut the message short */
	int body_started; /* a body line or marker has been shown */

	int all_headers;
	char **header_list;
	char **alt_order;
	char *mailcap_path;
	int no_mailcap;
	int no_verify;
	struct mailcap *mc;
};

/* A program chosen to open an attachment, with its private file. */
struct render_viewer {
	char *command;
	char *path; /* temporary file, or NULL when fed on stdin */
	char *input;
	size_t inlen;
	int copious;
};

static const char *const render_default_headers[] = { "Date", "From", "To",
	"Cc", "Subject", "Reply-To", "Organization", NULL };
static const char *const render_default_order[] = { "text/plain", "text/html",
	NULL };
static const char *const render_html_order[] = { "text/html", "text/plain",
	NULL };

/* --------------------------------------------------------- lines */

/* The number of a URL, adding it to the list when new; -1 when full. */
static ssize_t
render_url_intern(struct render *r, const char *s, size_t n)
{
	char *u = xstrndup(s, n);
	gpointer v = g_hash_table_lookup(r->url_index, u);

	if (v != NULL) {
		free(u);
		return GPOINTER_TO_SIZE(v) - 1;
	}
	if (r->urls->len >= RENDER_MAX_URLS) {
		free(u);
		return -1;
	}
	g_ptr_array_add(r->urls, u);
	g_hash_table_insert(r->url_index, u, GSIZE_TO_POINTER(r->urls->len));
	return r->urls->len - 1;
}

/*
 * Add a logical line: sanitised, tabs expanded, URLs found.  prefix_len
 * and indent only matter for WRAP_SOFT.
 */
static void
render_add(struct render *r, enum render_kind kind, int quote, int name_len,
    enum render_wrap wrap, size_t prefix_len, int indent, const char *s,
    size_t n)
{
	struct url_span spans[RENDER_MAX_LINE_URLS];
	struct render_lline *l;
	char *clean;
	size_t i, k, cl;

	if (r->nll == r->allocll) {
		r->allocll = r->allocll ? r->allocll * 2 : 64;
		r->ll = xreallocarray(r->ll, r->allocll, sizeof *r->ll);
	}
	l = &r->ll[r->nll++];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->quote = quote;
	l->name_len = name_len;
	l->wrap = wrap;
	l->indent = indent;
	clean = sanitize_text(s, n, SANITIZE_KEEP_TABS);
	cl = strlen(clean);
	l->text = reflow_expand_tabs(clean, cl, &l->len);
	free(clean);
	l->prefix_len = prefix_len <= l->len ? prefix_len : 0;
	k = urls_find(l->text, l->len, spans, G_N_ELEMENTS(spans));
	if (k == 0)
		return;
	l->links = xcalloc(k, sizeof *l->links);
	for (i = 0; i < k; i++) {
		ssize_t u = render_url_intern(
		    r, l->text + spans[i].start, spans[i].len);

		if (u < 0)
			continue;
		l->links[l->nlinks].start = spans[i].start;
		l->links[l->nlinks].len = spans[i].len;
		l->links[l->nlinks].url = u;
		l->nlinks++;
	}
}

/* Add a note (or marker) line from a format. */
static void __attribute__((format(printf, 3, 4)))
render_note(struct render *r, enum render_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	render_add(r, kind, 0, 0, WRAP_MARK, 0, 0, s, strlen(s));
	g_free(s);
}

/* True if the last line is empty (or there is none). */
static int
render_last_blank(const struct render *r)
{
	return r->nll == 0 || r->ll[r->nll - 1].len == 0;
}

/* An empty line, unless the last one is empty already. */
static void
render_blank(struct render *r)
{
	if (!render_last_blank(r))
		render_add(r, RENDER_TEXT, 0, 0, WRAP_MARK, 0, 0, "", 0);
}

/* Length of s without trailing blanks (and a CR). */
static size_t
render_trim(const char *s, size_t n)
{
	while (
	    n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* ------------------------------------------------------- headers */

/* Add "Name: value" with the value decoded. */
static void
render_header(struct render *r, const char *name, const char *raw)
{
	char *v = headers_decode_text(raw != NULL ? raw : "");
	char *n = sanitize_text(name, strlen(name), 0);
	char *s = xasprintf("%s:%s%s", n, *v != '\0' ? " " : "", v);

	render_add(
	    r, RENDER_HEADER, 0, strlen(n) + 1, WRAP_MARK, 0, 0, s, strlen(s));
	free(s);
	free(n);
	free(v);
}

/* Order headers by where they were in the message. */
static gint
render_header_cmp(gconstpointer a, gconstpointer b)
{
	gint64 x = g_mime_header_get_offset(*(GMimeHeader *const *)a);
	gint64 y = g_mime_header_get_offset(*(GMimeHeader *const *)b);

	return x < y ? -1 : x > y;
}

/*
 * A message's headers in their order.  GMime keeps the Content-*
 * headers with the message's top part, so both lists are merged by
 * their offsets.
 */
static GPtrArray *
render_header_array(GMimeObject *msg)
{
	GPtrArray *a = g_ptr_array_new();
	GMimeObject *objs[2] = { msg, NULL };
	int i, j, n;

	if (GMIME_IS_MESSAGE(msg))
		objs[1] = g_mime_message_get_mime_part(GMIME_MESSAGE(msg));
	for (i = 0; i < 2 && objs[i] != NULL; i++) {
		GMimeHeaderList *hl = g_mime_object_get_header_list(objs[i]);

		n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
		for (j = 0; j < n; j++)
			g_ptr_array_add(
			    a, g_mime_header_list_get_header_at(hl, j));
	}
	if (objs[1] != NULL)
		g_ptr_array_sort(a, render_header_cmp);
	return a;
}

/* The shown headers of a message, in the configured order, or all. */
static void
render_headers(struct render *r, GMimeObject *msg)
{
	GPtrArray *hs = render_header_array(msg);
	guint j;
	size_t i;
	int shown = 0;

	if (r->all_headers) {
		for (j = 0; j < hs->len && shown < RENDER_MAX_HEADERS;
		     j++, shown++) {
			GMimeHeader *h = g_ptr_array_index(hs, j);

			render_header(r, g_mime_header_get_name(h),
			    g_mime_header_get_raw_value(h));
		}
	} else {
		for (i = 0; r->header_list[i] != NULL; i++) {
			for (j = 0; j < hs->len && shown < RENDER_MAX_HEADERS;
			     j++) {
				GMimeHeader *h = g_ptr_array_index(hs, j);

				if (g_ascii_strcasecmp(
					g_mime_header_get_name(h),
					r->header_list[i]) != 0)
					continue;
				render_header(r, r->header_list[i],
				    g_mime_header_get_raw_value(h));
				shown++;
			}
		}
	}
	g_ptr_array_free(hs, TRUE);
	if (shown >= RENDER_MAX_HEADERS)
		render_note(r, RENDER_NOTE,
		    "[-- more than %d headers: the rest are not shown --]",
		    RENDER_MAX_HEADERS);
}

/* ---------------------------------------------------- attachments */

/* Enter a part into the attachment list; returns its entry. */
static struct render_att *
render_register(struct render *r, GMimeObject *obj, int depth, int shown)
{
	struct render_att *a;

	if (r->natts == r->allocatts) {
		r->allocatts = r->allocatts ? r->allocatts * 2 : 16;
		r->atts = xreallocarray(r->atts, r->allocatts, sizeof *r->atts);
	}
	a = &r->atts[r->natts++];
	memset(a, 0, sizeof *a);
	a->obj = obj;
	a->pub.number = r->natts;
	a->pub.depth = depth;
	a->pub.shown = shown;
	if (obj != NULL) {
		char *t = mime_part_type(obj);

		a->rawname = mime_part_filename(obj);
		a->pub.type = sanitize_text(t, strlen(t), 0);
		free(t);
		a->pub.size = mime_part_size(obj);
		a->pub.encoding = mime_part_encoding(obj);
	}
	if (a->rawname != NULL)
		a->pub.name = sanitize_text(a->rawname, strlen(a->rawname), 0);
	return a;
}

/* The marker line for an attachment ("[-- Attachment #2: ... --]"). */
static void
render_marker(struct render *r, const struct render_att *a)
{
	char *size = mime_part_size_string(a->pub.size);

	render_blank(r);
	if (a->pub.name != NULL)
		render_note(r, RENDER_ATTACHMENT,
		    "[-- Attachment #%d: %s (%s, %s, %s) --]", a->pub.number,
		    a->pub.name, a->pub.type, size, a->pub.encoding);
	else
		render_note(r, RENDER_ATTACHMENT,
		    "[-- Attachment #%d (%s, %s, %s) --]", a->pub.number,
		    a->pub.type, size, a->pub.encoding);
	free(size);
	r->body_started = 1;
}

/* Count a part against the limits; 0 when it must not be walked. */
static int
render_enter(struct render *r, int depth)
{
	if (depth > RENDER_MAX_DEPTH) {
		if (!r->noted_deep++)
			render_note(r, RENDER_NOTE,
			    "[-- too deeply nested: the rest of this part is "
			    "not shown --]");
		return 0;
	}
	if (r->parts >= RENDER_MAX_PARTS) {
		if (!r->noted_parts++)
			render_note(r, RENDER_NOTE,
			    "[-- more than %d parts: the rest is not shown --]",
			    RENDER_MAX_PARTS);
		return 0;
	}
	r->parts++;
	return 1;
}

/* List every part under obj without showing it (unchosen alternatives). */
static void
render_register_tree(struct render *r, GMimeObject *obj, int depth)
{
	int i, n;

	if (!render_enter(r, depth))
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			render_register_tree(r,
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1);
		return;
	}
	render_register(r, obj, depth, 0);
}

/* ----------------------------------------------------------- text */

struct render_text_ctx {
	struct render *r;
	int in_sig;
	int depth;
};

/* The kind of a body line. */
static enum render_kind
render_body_kind(struct render_text_ctx *c, int quote)
{
	if (c->in_sig)
		return RENDER_SIGNATURE;
	return quote > 0 ? RENDER_QUOTE : RENDER_TEXT;
}

/* A flowed paragraph (or fixed line) from reflow_flowed(). */
static void
render_flowed_cb(int quote, const char *text, size_t len, int flowed, void *arg)
{
	struct render_text_ctx *c = arg;
	GString *s = g_string_new(NULL);
	size_t prefix;
	int i, sep = len == 3 && memcmp(text, "-- ", 3) == 0;

	if (sep)
		c->in_sig = 1;
	for (i = 0; i < quote; i++)
		g_string_append_c(s, '>');
	if (quote > 0)
		g_string_append_c(s, ' ');
	prefix = s->len;
	g_string_append_len(s, text, sep ? len : render_trim(text, len));
	render_add(c->r, render_body_kind(c, quote), quote, 0,
	    flowed ? WRAP_SOFT : WRAP_MARK, prefix, 0, s->str,
	    quote > 0 && s->len == prefix ? prefix - 1 : s->len);
	g_string_free(s, TRUE);
}

/* The value of a uuencoded character. */
#define RENDER_UU(c) (((c)-0x20) & 0x3f)

/*
 * Decode one uuencoded line into out; -1 if it is not one (characters
 * outside the alphabet, or too short for its length byte).
 */
static int
render_uu_line(const char *s, size_t n, GString *out)
{
	size_t want, i, j;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x60)
			return -1;
	want = RENDER_UU(s[0]);
	if (1 + (want + 2) / 3 * 4 > n + 2) /* trailing blanks may be cut */
		return -1;
	for (i = 1, j = 0; j < want; i += 4) {
		unsigned char q[4];
		int k;

		for (k = 0; k < 4; k++)
			q[k] = i + k < n ? RENDER_UU(s[i + k]) : 0;
		g_string_append_c(out, (q[0] << 2) | (q[1] >> 4));
		if (++j < want)
			g_string_append_c(
			    out, ((q[1] & 0xf) << 4) | (q[2] >> 2));
		if (j < want && ++j < want)
			g_string_append_c(out, ((q[2] & 3) << 6) | q[3]);
		if (j < want)
			j++;
	}
	return 0;
}

/* True if the line is "begin MODE NAME" (a uuencode header). */
static int
render_uu_begin(const char *s, size_t n, const char **name, size_t *nlen)
{
	size_t i = 6, d = 0;

	if (n < 8 || memcmp(s, "begin ", 6) != 0)
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '7' && d < 4) {
		i++;
		d++;
	}
	if (d < 3 || i >= n || s[i] != ' ')
		return 0;
	*name = s + i + 1;
	*nlen = n - i - 1;
	return *nlen > 0;
}

/*
 * A uuencoded block starting at the "begin" line [p, end): if at least
 * one line decodes, it becomes an attachment (shown as a marker) and
 * the lines it took are skipped; returns where the text goes on, or p
 * if this was not a block after all.  A block cut short (no "end") still
 * gives what decoded, and says it is incomplete.
 */
static const char *
render_uu_block(struct render_text_ctx *c, const char *p, const char *end)
{
	const char *name, *q, *nl;
	size_t nlen, n, lines = 0;
	GString *data;
	struct render_att *a;
	int ended = 0;

	nl = memchr(p, '\n', end - p);
	n = render_trim(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
	if (!render_uu_begin(p, n, &name, &nlen) || nl == NULL)
		return p;
	data = g_string_new(NULL);
	for (q = nl + 1; q < end; q = nl + 1) {
		nl = memchr(q, '\n', end - q);
		n = nl ? (size_t)(nl - q) : (size_t)(end - q);
		if (n > 0 && q[n - 1] == '\r')
			n--;
		if (n == 3 && memcmp(q, "end", 3) == 0) {
			ended = 1;
			q = nl ? nl + 1 : end;
			break;
		}
		if (render_uu_line(q, n, data) == -1)
			break;
		lines++;
		if (nl == NULL) {
			q = end;
			break;
		}
	}
	if (lines == 0) {
		g_string_free(data, TRUE);
		return p;
	}
	a = render_register(c->r, NULL, c->depth + 1, 0);
	a->rawname = xstrndup(name, nlen);
	a->pub.name = sanitize_text(name, nlen, 0);
	a->pub.type = xstrdup("application/octet-stream");
	a->pub.encoding = ended ? "uuencode" : "uuencode, incomplete";
	a->len = data->len;
	a->data = g_string_free(data, FALSE);
	a->pub.size = a->len;
	render_marker(c->r, a);
	return q;
}

/*
 * Plain text into lines: quote levels, the signature after "-- ", and
 * uuencoded blocks turned into attachments.  Flowed text is joined into
 * paragraphs first.  Trailing empty lines are left out.
 */
static void
render_plain(struct render *r, const char *t, size_t len, int flowed, int delsp,
    int depth)
{
	struct render_text_ctx c = { r, 0, depth };
	const char *p = t, *end = t + len, *nl;

	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
		len--;
	end = t + len;
	if (flowed) {
		reflow_flowed(t, len, delsp, render_flowed_cb, &c);
		return;
	}
	while (p < end) {
		size_t n;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 6 && memcmp(p, "begin ", 6) == 0) {
			const char *next = render_uu_block(&c, p, end);

			if (next != p) {
				p = next;
				continue;
			}
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 3 && memcmp(p, "-- ", 3) == 0)
			c.in_sig = 1; /* the separator keeps its blank */
		else
			n = render_trim(p, n);
		render_add(r, render_body_kind(&c, reflow_quote_depth(p, n)),
		    reflow_quote_depth(p, n), 0, WRAP_MARK, 0, 0, p, n);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* A line from the HTML converter. */
static void
render_html_cb(
    const char *text, size_t len, int quote, int indent, int fixed, void *arg)
{
	struct render *r = arg;
	GString *s = g_string_new(NULL);
	size_t prefix;
	int i;

	for (i = 0; i < quote; i++)
		g_string_append_c(s, '>');
	if (quote > 0 && len > 0)
		g_string_append_c(s, ' ');
	prefix = s->len;
	g_string_append_len(s, text, render_trim(text, len));
	render_add(r, quote > 0 ? RENDER_QUOTE : RENDER_TEXT, quote, 0,
	    fixed ? WRAP_MARK : WRAP_SOFT, prefix, indent, s->str, s->len);
	g_string_free(s, TRUE);
}

/*
 * HTML through the first text/html mailcap entry with copiousoutput;
 * 1 if it was shown that way.  The HTML goes into a private temporary
 * file (or on the viewer's standard input), the charset given is UTF-8
 * since that is what the text is now.
 */
static int
render_html_viewer(struct render *r, const char *html, size_t len, int depth)
{
	static const char *const params[] = { "charset", "utf-8", NULL };
	const struct mailcap_entry *e;
	char *path, *cmd, *out = NULL, *err = NULL, *text;
	size_t outlen, tlen;
	int uses, rc;

	if (r->mc == NULL)
		r->mc = mailcap_load(r->mailcap_path);
	if (mailcap_find(r->mc, "text/html", params, NULL,
		MAILCAP_COPIOUS | MAILCAP_NO_TEST) == NULL)
		return 0;
	if ((path = mailcap_temp_file(".html", html, len, &err)) == NULL) {
		render_note(r, RENDER_NOTE, "[-- %s --]", err);
		free(err);
		return 0;
	}
	e = mailcap_find(r->mc, "text/html", params, path, MAILCAP_COPIOUS);
	if (e == NULL) {
		mailcap_temp_remove(path);
		free(path);
		return 0;
	}
	cmd = mailcap_expand(e->command, "text/html", params, path, &uses);
	rc = mailcap_capture(cmd, uses ? NULL : html, len,
	    RENDER_MAX_VIEWER_OUTPUT, RENDER_VIEWER_TIMEOUT, &out, &outlen,
	    &err);
	mailcap_temp_remove(path);
	free(path);
	if (rc != 0 || outlen == 0) {
		if (rc > 0)
			render_note(r, RENDER_NOTE,
			    "[-- the HTML viewer (%s) failed with status %d; "
			    "tern's own rendering follows --]",
			    e->command, rc);
		else if (rc == -1)
			render_note(r, RENDER_NOTE,
			    "[-- %s; tern's own rendering follows --]", err);
		free(cmd);
		free(out);
		free(err);
		return 0;
	}
	free(cmd);
	text = charset_to_utf8(out, outlen, "utf-8", &tlen);
	free(out);
	render_plain(r, text, tlen, 0, 0, depth);
	free(text);
	return 1;
}

/* True for types whose text is shown in the message. */
static int
render_inline_type(const char *type)
{
	return g_str_has_prefix(type, "text/") ||
	    strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/disposition-notification") == 0;
}

/* A leaf part: its text when it is shown inline, else a marker. */
static void
render_leaf(struct render *r, GMimeObject *obj, int depth)
{
	char *type = mime_part_type(obj), *text;
	int shown = !mime_part_is_attachment(obj) && render_inline_type(type);
	struct render_att *a = render_register(r, obj, depth, shown);
	const char *fmt, *delsp;
	size_t len;
	int cut;

	if (!shown || r->body_started)
		render_marker(r, a);
	if (!shown) {
		free(type);
		return;
	}
	r->body_started = 1;
	text = mime_part_text(obj, RENDER_MAX_TEXT, &len, &cut);
	if (strcmp(type, "text/html") == 0) {
		if (r->no_mailcap || !render_html_viewer(r, text, len, depth))
			html_text(text, len, render_html_cb, r);
	} else {
		fmt = g_mime_object_get_content_type_parameter(obj, "format");
		delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
		render_plain(r, text, len,
		    fmt != NULL && g_ascii_strcasecmp(fmt, "flowed") == 0,
		    delsp != NULL && g_ascii_strcasecmp(delsp, "yes") == 0,
		    depth);
	}
	if (cut)
		render_note(r, RENDER_NOTE,
		    "[-- this part is longer than %u bytes; save it to read "
		    "the rest --]",
		    RENDER_MAX_TEXT);
	free(text);
	free(type);
}

/* ------------------------------------------------------ multiparts */

static void render_object(struct render *r, GMimeObject *obj, int depth);

/*
 * The type a part of an alternative stands for: a leaf's own, the
 * first part's for mixed or related (their root), bounded in depth.
 */
static char *
render_effective_type(GMimeObject *obj, int depth)
{
	if (GMIME_IS_MULTIPART(obj) && depth < 8 &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(obj)) > 0 &&
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
		"multipart", "alternative"))
		return render_effective_type(
		    g_mime_multipart_get_part(GMIME_MULTIPART(obj), 0),
		    depth + 1);
	return mime_part_type(obj);
}

/* multipart/alternative: the part the preference list likes best. */
static void
render_alternative(struct render *r, GMimeMultipart *mp, int depth)
{
	int i, n = g_mime_multipart_get_count(mp), pick = -1;
	size_t k;

	for (k = 0; r->alt_order[k] != NULL && pick < 0; k++) {
		for (i = 0; i < n && pick < 0; i++) {
			char *t = render_effective_type(
			    g_mime_multipart_get_part(mp, i), 0);

			if (mailcap_type_matches(r->alt_order[k], t))
				pick = i;
			free(t);
		}
	}
	/* None preferred: the last part that can be shown, else the last. */
	for (i = n - 1; i >= 0 && pick < 0; i--) {
		char *t =
		    render_effective_type(g_mime_multipart_get_part(mp, i), 0);

		if (render_inline_type(t))
			pick = i;
		free(t);
	}
	if (pick < 0)
		pick = n - 1;
	for (i = 0; i < n; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);

		if (i == pick)
			render_object(r, part, depth + 1);
		else
			render_register_tree(r, part, depth + 1);
	}
}

/* Who made a signature, for the status line. */
static char *
render_signer(GMimeSignature *sig)
{
	GMimeCertificate *c = g_mime_signature_get_certificate(sig);
	const char *name = c ? g_mime_certificate_get_name(c) : NULL;
	const char *email = c ? g_mime_certificate_get_email(c) : NULL;
	const char *id = c ? g_mime_certificate_get_key_id(c) : NULL;

	if (id == NULL && c != NULL)
		id = g_mime_certificate_get_fingerprint(c);
	if (id == NULL)
		id = "?";
	if (name != NULL && email != NULL)
		return xasprintf("%s <%s> (key %s)", name, email, id);
	if (name != NULL || email != NULL)
		return xasprintf("%s (key %s)", name ? name : email, id);
	return xasprintf("key %s", id);
}

/* Check a multipart/signed and say how it went. */
static void
render_verify(struct render *r, GMimeMultipartSigned *mps, const char *what)
{
	GMimeSignatureList *sl;
	GError *err = NULL;
	int i, n;

	if (r->no_verify || r->verified >= RENDER_MAX_VERIFY) {
		render_note(r, RENDER_NOTE,
		    "[-- %s signed message: the signature was not checked --]",
		    what);
		return;
	}
	r->verified++;
	sl = g_mime_multipart_signed_verify(mps, GMIME_VERIFY_NONE, &err);
	if (sl == NULL) {
		render_note(r, RENDER_NOTE,
		    "[-- %s signed message: the signature could not be "
		    "checked (%s) --]",
		    what, err != NULL ? err->message : "unknown error");
		if (err != NULL)
			g_error_free(err);
		return;
	}
	n = g_mime_signature_list_length(sl);
	if (n == 0)
		render_note(r, RENDER_NOTE,
		    "[-- %s signed message: no signature found --]", what);
	for (i = 0; i < n; i++) {
		GMimeSignature *sig =
		    g_mime_signature_list_get_signature(sl, i);
		GMimeSignatureStatus st = g_mime_signature_get_status(sig);
		char *who = render_signer(sig);

		if (st & GMIME_SIGNATURE_STATUS_RED)
			render_note(r, RENDER_SIG_BAD,
			    "[-- %s signed message: BAD signature from %s --]",
			    what, who);
		else if (st & GMIME_SIGNATURE_STATUS_KEY_MISSING)
			render_note(r, RENDER_NOTE,
			    "[-- %s signed message: signed with an unknown "
			    "key, not verified (%s) --]",
			    what, who);
		else if ((st & GMIME_SIGNATURE_STATUS_ERROR_MASK &
			     ~(GMIME_SIGNATURE_STATUS_KEY_REVOKED |
				 GMIME_SIGNATURE_STATUS_KEY_EXPIRED |
				 GMIME_SIGNATURE_STATUS_SIG_EXPIRED)) == 0)
			/*
			 * Not bad and no error: the signature is good.
			 * Without VALID or GREEN the key is merely not
			 * certified in the keyring, which is said.
			 */
			render_note(r,
			    (st &
				(GMIME_SIGNATURE_STATUS_KEY_REVOKED |
				    GMIME_SIGNATURE_STATUS_KEY_EXPIRED |
				    GMIME_SIGNATURE_STATUS_SIG_EXPIRED))
				? RENDER_SIG_BAD
				: RENDER_SIG_GOOD,
			    "[-- %s signed message: good signature from "
			    "%s%s%s%s%s "
			    "--]",
			    what, who,
			    st &
				    (GMIME_SIGNATURE_STATUS_VALID |
					GMIME_SIGNATURE_STATUS_GREEN)
				? ""
				: ", from a key not certified as trusted",
			    st & GMIME_SIGNATURE_STATUS_KEY_REVOKED
				? ", but the key is revoked"
				: "",
			    st & GMIME_SIGNATURE_STATUS_KEY_EXPIRED
				? ", but the key has expired"
				: "",
			    st & GMIME_SIGNATURE_STATUS_SIG_EXPIRED
				? ", but the signature has expired"
				: "");
		else
			render_note(r, RENDER_SIG_BAD,
			    "[-- %s signed message: the signature from %s "
			    "could "
			    "not be verified (status 0x%x) --]",
			    what, who, (unsigned)st);
		free(who);
	}
	g_object_unref(sl);
}

/* multipart/signed: a status line, the content, the end of it. */
static void
render_signed(struct render *r, GMimeObject *obj, int depth)
{
	GMimeMultipart *mp = GMIME_MULTIPART(obj);
	const char *proto =
	    g_mime_object_get_content_type_parameter(obj, "protocol");
	const char *what = "PGP";
	int i, n = g_mime_multipart_get_count(mp);

	if (proto != NULL &&
	    (g_ascii_strcasecmp(proto, "application/pkcs7-signature") == 0 ||
		g_ascii_strcasecmp(proto, "application/x-pkcs7-signature") ==
		    0))
		what = "S/MIME";
	else if (proto == NULL ||
	    g_ascii_strcasecmp(proto, "application/pgp-signature") != 0)
		what = "Unknown-protocol";
	render_blank(r);
	if (n != 2)
		render_note(r, RENDER_SIG_BAD,
		    "[-- %s signed message: malformed (%d parts instead of 2) "
		    "--]",
		    what, n);
	else
		render_verify(r, GMIME_MULTIPART_SIGNED(obj), what);
	r->body_started = 0;
	for (i = 0; i < n; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);

		if (i == 0)
			render_object(r, part, depth + 1);
		else
			render_register_tree(r, part, depth + 1);
	}
	render_blank(r);
	render_note(r, RENDER_NOTE, "[-- end of signed message --]");
	r->body_started = 1;
}

/* A forwarded message: marker, its own headers, its body, an end line. */
static void
render_message_part(struct render *r, GMimeObject *obj, int depth)
{
	GMimeMessage *m =
	    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
	struct render_att *a = render_register(r, obj, depth, 1);
	int number = a->pub.number; /* a moves when the list grows */

	render_marker(r, a);
	if (m == NULL) {
		render_note(r, RENDER_NOTE, "[-- (an empty message) --]");
		return;
	}
	render_headers(r, GMIME_OBJECT(m));
	render_blank(r);
	r->body_started = 0;
	if (g_mime_message_get_mime_part(m) != NULL)
		render_object(r, g_mime_message_get_mime_part(m), depth + 1);
	render_blank(r);
	render_note(r, RENDER_NOTE, "[-- end of attachment #%d --]", number);
	r->body_started = 1;
}

/*
 * A multipart in which no boundary was found: GMime keeps its text as
 * the prologue, which is then all there is to read.
 */
static void
render_broken_multipart(struct render *r, GMimeMultipart *mp)
{
	const char *text = g_mime_multipart_get_prologue(mp);

	render_note(r, RENDER_NOTE,
	    "[-- malformed multipart: no part boundary found --]");
	if (text != NULL) {
		size_t n = strnlen(text, RENDER_MAX_TEXT);
		char *u = charset_to_utf8(text, n, NULL, &n);

		render_plain(r, u, n, 0, 0, 0);
		free(u);
	}
	r->body_started = 1;
}

/* Render one MIME object, depth levels down. */
static void
render_object(struct render *r, GMimeObject *obj, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	int i, n;

	if (!render_enter(r, depth))
		return;
	if (GMIME_IS_MULTIPART_SIGNED(obj)) {
		render_signed(r, obj, depth);
		return;
	}
	if (GMIME_IS_MULTIPART_ENCRYPTED(obj)) {
		render_blank(r);
		render_note(r, RENDER_NOTE,
		    "[-- encrypted message: tern cannot decrypt it --]");
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			render_register_tree(r,
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1);
		r->body_started = 1;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		if (ct != NULL &&
		    g_mime_content_type_is_type(
			ct, "multipart", "alternative")) {
			render_alternative(r, mp, depth);
			return;
		}
		n = g_mime_multipart_get_count(mp);
		if (n == 0) {
			render_broken_multipart(r, mp);
			return;
		}
		for (i = 0; i < n; i++)
			render_object(
			    r, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		render_message_part(r, obj, depth);
		return;
	}
	render_leaf(r, obj, depth);
}

/* ---------------------------------------------------------- parse */

/* GMime's parser warnings: remember the ones the reader should know. */
static void
render_warning_cb(
    gint64 offset, GMimeParserWarning code, const gchar *item, gpointer arg)
{
	int *deep = arg;

	(void)offset;
	(void)item;
	if (code == GMIME_CRIT_NESTING_OVERFLOW)
		*deep = 1;
}

/*
 * Where GMime's input ends: before the line that brings the count of
 * boundary declarations or delimiter-like lines ("--" and a boundary
 * character) past RENDER_MAX_BOUNDARIES.  *start skips an mbox "From "
 * line.
 */
static size_t
render_scan(const char *data, size_t len, size_t *start, int *cut)
{
	const char *p = data, *end = data + len, *nl;
	size_t count = 0;

	*start = 0;
	*cut = 0;
	if (len > 5 && memcmp(data, "From ", 5) == 0) {
		nl = memchr(data, '\n', len);
		*start = nl ? (size_t)(nl + 1 - data) : len;
		p = data + *start;
	}
	while (p < end) {
		size_t n;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if ((n > 2 && p[0] == '-' && p[1] == '-' &&
			(g_ascii_isalnum(p[2]) ||
			    strchr("'()+_,-./:=?", p[2]))) ||
		    (n > 9 && memchr(p, '=', n) != NULL &&
			g_strstr_len(p, n, "oundary=") != NULL)) {
			if (++count > RENDER_MAX_BOUNDARIES) {
				*cut = 1;
				return p - data;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return len;
}

/*
 * Parse a message with GMime, bounded by render_scan(); NULL if GMime
 * finds no message.  *deep is set on a nesting overflow.
 */
static GMimeMessage *
render_parse(const char *data, size_t len, int *deep, int *cut)
{
	GMimeParserOptions *po;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	size_t start, end;

	headers_init();
	end = render_scan(data, len, &start, cut);
	po = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(po, render_warning_cb, deep);
	stream = g_mime_stream_mem_new_with_buffer(
	    (const char *)data + start, end - start);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, po);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(po);
	return msg;
}

/* A NULL-terminated copy of a list, or of def when it is NULL. */
static char **
render_copy_list(const char *const *list, const char *const *def)
{
	return g_strdupv((char **)(list != NULL ? list : def));
}

/*
 * Render a message's bytes; never fails (broken input gives notes).
 * opts may be NULL for the defaults.
 */
struct render *
mime_render(const char *data, size_t len, const struct render_opts *opts)
{
	static const struct render_opts defaults = { 0 };
	struct render *r = xcalloc(1, sizeof *r);
	GMimeObject *body;

	if (opts == NULL)
		opts = &defaults;
	r->urls = g_ptr_array_new();
	r->url_index =
	    g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	r->all_headers = opts->all_headers;
	r->header_list =
	    render_copy_list(opts->header_list, render_default_headers);
	r->alt_order = render_copy_list(opts->alternative_order,
	    opts->prefer_html ? render_html_order : render_default_order);
	r->mailcap_path = opts->mailcap ? xstrdup(opts->mailcap) : NULL;
	r->no_mailcap = opts->no_mailcap;
	r->no_verify = opts->no_verify;
	r->msg = render_parse(data, len, &r->gmime_deep, &r->cut);
	if (r->msg == NULL) {
		render_note(r, RENDER_NOTE,
		    "[-- this is not a message tern can read; showing it raw "
		    "--]");
		render_plain(r, data,
		    len < RENDER_MAX_TEXT ? len : RENDER_MAX_TEXT, 0, 0, 0);
	} else {
		render_headers(r, GMIME_OBJECT(r->msg));
		render_blank(r);
		body = g_mime_message_get_mime_part(r->msg);
		if (body != NULL)
			render_object(r, body, 0);
		if (r->gmime_deep && !r->noted_deep)
			render_note(r, RENDER_NOTE,
			    "[-- too deeply nested: the rest of this part is "
			    "not shown --]");
		else if (r->cut && !r->noted_parts && !r->noted_deep)
			render_note(r, RENDER_NOTE,
			    "[-- more than %d boundaries: the rest of the "
			    "message is not shown --]",
			    RENDER_MAX_BOUNDARIES);
	}
	/* No trailing empty rows. */
	while (r->nll > 0 && r->ll[r->nll - 1].len == 0) {
		free(r->ll[r->nll - 1].text);
		free(r->ll[r->nll - 1].links);
		r->nll--;
	}
	if (r->mc != NULL) {
		mailcap_free(r->mc);
		r->mc = NULL;
	}
	render_set_width(r, opts->width);
	return r;
}

/* ----------------------------------------------------------- rows */

/* Free the rows. */
static void
render_free_rows(struct render *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		free(r->rows[i].text);
		free((void *)r->rows[i].links);
	}
	r->nrows = 0;
}

/* Append a row: prefix then l->text[off, off + n). */
static void
render_row(struct render *r, const struct render_lline *l, const char *prefix,
    size_t plen, size_t off, size_t n, int cont)
{
	struct render_line *row;
	struct render_link *links = NULL;
	size_t i, k = 0;

	if (r->nrows == r->allocrows) {
		r->allocrows = r->allocrows ? r->allocrows * 2 : 64;
		r->rows = xreallocarray(r->rows, r->allocrows, sizeof *r->rows);
	}
	row = &r->rows[r->nrows++];
	row->kind = l->kind;
	row->quote = l->quote;
	row->cont = cont;
	row->name_len = cont ? 0 : (int)MIN((size_t)l->name_len, n);
	row->text = xmalloc(plen + n + 1);
	memcpy(row->text, prefix, plen);
	memcpy(row->text + plen, l->text + off, n);
	row->text[plen + n] = '\0';
	for (i = 0; i < l->nlinks; i++) {
		size_t s = l->links[i].start, e = s + l->links[i].len;

		if (e <= off || s >= off + n)
			continue;
		if (links == NULL)
			links = xcalloc(l->nlinks, sizeof *links);
		links[k].start = plen + (s > off ? s : off) - off;
		links[k].len =
		    (e < off + n ? e : off + n) - (s > off ? s : off);
		links[k].url = l->links[i].url;
		k++;
	}
	row->links = links;
	row->nlinks = k;
}

/* Wrap one logical line into rows of at most width columns. */
static void
render_wrap(struct render *r, const struct render_lline *l, int width)
{
	GString *prefix;
	size_t off = 0, n, next;
	int pw, avail;

	if (width <= 0 || sanitize_width(l->text, l->len) <= width) {
		render_row(r, l, "", 0, 0, l->len, 0);
		return;
	}
	prefix = g_string_new(NULL);
	if (l->wrap == WRAP_SOFT) {
		int i;

		g_string_append_len(prefix, l->text, l->prefix_len);
		for (i = 0; i < l->indent && i < width / 2; i++)
			g_string_append_c(prefix, ' ');
	} else
		g_string_append(prefix, RENDER_MARKER);
	pw = sanitize_width(prefix->str, prefix->len);
	if (pw > width / 2) { /* a narrow window: no room for the prefix */
		g_string_truncate(prefix, 0);
		pw = 0;
	}
	n = reflow_break(l->text, l->len, width, &next);
	render_row(r, l, "", 0, 0, n, 0);
	off = next;
	avail = width - pw > 0 ? width - pw : 1;
	while (off < l->len) {
		n = reflow_break(l->text + off, l->len - off, avail, &next);
		render_row(r, l, prefix->str, prefix->len, off, n, 1);
		off += next;
	}
	g_string_free(prefix, TRUE);
}

/* Wrap every line to width columns (0: no wrapping). */
void
render_set_width(struct render *r, int width)
{
	size_t i;

	render_free_rows(r);
	r->width = width;
	for (i = 0; i < r->nll; i++)
		render_wrap(r, &r->ll[i], width);
}

/* Free a rendering; NULL is fine. */
void
render_free(struct render *r)
{
	size_t i;

	if (r == NULL)
		return;
	render_free_rows(r);
	free(r->rows);
	for (i = 0; i < r->nll; i++) {
		free(r->ll[i].text);
		free(r->ll[i].links);
	}
	free(r->ll);
	for (i = 0; i < r->natts; i++) {
		free(r->atts[i].pub.name);
		free(r->atts[i].pub.type);
		free(r->atts[i].rawname);
		free(r->atts[i].data);
	}
	free(r->atts);
	g_hash_table_destroy(r->url_index); /* frees the strings */
	g_ptr_array_free(r->urls, TRUE);
	g_strfreev(r->header_list);
	g_strfreev(r->alt_order);
	free(r->mailcap_path);
	mailcap_free(r->mc);
	if (r->msg != NULL)
		g_object_unref(r->msg);
	free(r);
}

/* How many rows there are. */
size_t
render_count(const struct render *r)
{
	return r->nrows;
}

/* Row i. */
const struct render_line *
render_line(const struct render *r, size_t i)
{
	return &r->rows[i];
}

/* How many distinct URLs the text holds. */
size_t
render_url_count(const struct render *r)
{
	return r->urls->len;
}

/* URL i (sanitised, as shown). */
const char *
render_url(const struct render *r, size_t i)
{
	return g_ptr_array_index(r->urls, i);
}

/* ---------------------------------------------------- attachments */

/* How many entries the attachment list has. */
size_t
render_attachment_count(const struct render *r)
{
	return r->natts;
}

/* Entry i (number i + 1). */
const struct render_attachment *
render_attachment(const struct render *r, size_t i)
{
	return &r->atts[i].pub;
}

/*
 * One line for the attachment list, as tern show --attachments and the
 * pager print it: "#2 name (type, size, encoding)", indented by depth.
 */
char *
render_attachment_describe(const struct render_attachment *a)
{
	char *size = mime_part_size_string(a->size), *s;
	int indent = a->depth > 1 ? 2 * (a->depth - 1) : 0;

	if (indent > 2 * RENDER_MAX_DEPTH)
		indent = 2 * RENDER_MAX_DEPTH;
	if (a->name != NULL)
		s = xasprintf("%*s#%d %s (%s, %s, %s)", indent, "", a->number,
		    a->name, a->type, size, a->encoding);
	else
		s = xasprintf("%*s#%d (%s, %s, %s)", indent, "", a->number,
		    a->type, size, a->encoding);
	free(size);
	return s;
}

/* A file name extension for a type, from our own table. */
static const char *
render_type_ext(const char *type)
{
	static const struct {
		const char *type, *ext;
	} exts[] = {
		{ "text/plain", ".txt" },
		{ "text/html", ".html" },
		{ "text/csv", ".csv" },
		{ "text/calendar", ".ics" },
		{ "text/xml", ".xml" },
		{ "application/xml", ".xml" },
		{ "application/json", ".json" },
		{ "application/pdf", ".pdf" },
		{ "application/zip", ".zip" },
		{ "application/gzip", ".gz" },
		{ "application/pgp-signature", ".asc" },
		{ "application/pgp-keys", ".asc" },
		{ "application/msword", ".doc" },
		{ "application/vnd.oasis.opendocument.text", ".odt" },
		{ "application/vnd.openxmlformats-officedocument."
		  "wordprocessingml.document",
		    ".docx" },
		{ "application/vnd.openxmlformats-officedocument."
		  "spreadsheetml.sheet",
		    ".xlsx" },
		{ "image/png", ".png" },
		{ "image/jpeg", ".jpg" },
		{ "image/gif", ".gif" },
		{ "image/webp", ".webp" },
		{ "image/svg+xml", ".svg" },
		{ "audio/mpeg", ".mp3" },
		{ "video/mp4", ".mp4" },
		{ "message/rfc822", ".eml" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(exts); i++)
		if (strcmp(type, exts[i].type) == 0)
			return exts[i].ext;
	return "";
}

/*
 * The name attachment i is saved under by default: its own name made
 * safe (sanitize_filename()), else "attachment-N" with an extension
 * for its type.
 */
char *
render_attachment_filename(const struct render *r, size_t i)
{
	const struct render_att *a = &r->atts[i];
	char *s = sanitize_filename(a->rawname);

	if (s != NULL)
		return s;
	return xasprintf(
	    "attachment-%d%s", a->pub.number, render_type_ext(a->pub.type));
}

/* Save attachment i's decoded bytes to path (see mime_part_save()). */
int
render_attachment_save(
    const struct render *r, size_t i, const char *path, int force, char **err)
{
	const struct render_att *a = &r->atts[i];

	if (a->obj == NULL)
		return mime_part_write(path, a->data, a->len, force, err);
	return mime_part_save(a->obj, path, force, err);
}

/* The part's content-type parameters as a name, value list. */
static char **
render_params(GMimeObject *obj)
{
	GMimeContentType *ct = obj ? g_mime_object_get_content_type(obj) : NULL;
	GMimeParamList *pl = ct ? g_mime_content_type_get_parameters(ct) : NULL;
	int i, n = pl ? g_mime_param_list_length(pl) : 0;
	char **out = xcalloc(2 * n + 1, sizeof *out);

	for (i = 0; i < n; i++) {
		GMimeParam *p = g_mime_param_list_get_parameter_at(pl, i);

		out[2 * i] = xstrdup(g_mime_param_get_name(p));
		out[2 * i + 1] = xstrdup(
		    g_mime_param_get_value(p) ? g_mime_param_get_value(p) : "");
	}
	return out;
}

/*
 * Choose how to open attachment i: the first mailcap entry for its type
 * (entries that need a terminal only when terminal is set), with the
 * decoded bytes in a private temporary file (or ready for standard
 * input when the command has no %s).  NULL with *err when there is no
 * entry or the file cannot be written.
 */
struct render_viewer *
render_attachment_viewer(const struct render *r, size_t i, const char *mailcap,
    int terminal, char **err)
{
	const struct render_att *a = &r->atts[i];
	const struct mailcap_entry *e;
	struct render_viewer *v;
	struct mailcap *mc;
	char *data, **params;
	size_t len;
	int cut, uses;

	mc = mailcap_load(mailcap);
	if (mailcap_find(mc, a->pub.type, NULL, NULL,
		MAILCAP_NO_TEST | (terminal ? 0 : MAILCAP_NO_TERMINAL)) ==
	    NULL) {
		*err = xasprintf("no mailcap entry for %s", a->pub.type);
		mailcap_free(mc);
		return NULL;
	}
	if (a->obj != NULL)
		data = mime_part_bytes(a->obj, (size_t)-1, &len, &cut);
	else {
		data = xmalloc(a->len + 1);
		memcpy(data, a->data, a->len);
		len = a->len;
	}
	v = xcalloc(1, sizeof *v);
	v->path =
	    mailcap_temp_file(render_type_ext(a->pub.type), data, len, err);
	if (v->path == NULL) {
		free(data);
		free(v);
		mailcap_free(mc);
		return NULL;
	}
	params = render_params(a->obj);
	e = mailcap_find(mc, a->pub.type, (const char *const *)params, v->path,
	    terminal ? 0 : MAILCAP_NO_TERMINAL);
	if (e == NULL) {
		*err = xasprintf(
		    "no mailcap entry for %s passed its test", a->pub.type);
		g_strfreev(params);
		free(data);
		render_viewer_free(v);
		mailcap_free(mc);
		return NULL;
	}
	v->command = mailcap_expand(e->command, a->pub.type,
	    (const char *const *)params, v->path, &uses);
	v->copious = e->copiousoutput;
	if (!uses) {
		v->input = data;
		v->inlen = len;
	} else
		free(data);
	g_strfreev(params);
	mailcap_free(mc);
	return v;
}

/* True if the viewer's output is text to show (copiousoutput). */
int
render_viewer_copious(const struct render_viewer *v)
{
	return v->copious;
}

/* The command the viewer runs. */
const char *
render_viewer_command(const struct render_viewer *v)
{
	return v->command;
}

/*
 * Run the viewer: a copiousoutput entry's output is collected into *out
 * (bounded, with a deadline); any other runs on the terminal and is
 * waited for.  Its exit status, or -1 with *err.
 */
int
render_viewer_run(
    struct render_viewer *v, char **out, size_t *outlen, char **err)
{
	*out = NULL;
	*outlen = 0;
	if (v->copious)
		return mailcap_capture(v->command, v->input, v->inlen,
		    RENDER_MAX_VIEWER_OUTPUT, RENDER_VIEWER_TIMEOUT, out,
		    outlen, err);
	return mailcap_run(v->command, v->input, v->inlen, err);
}

/* Remove the viewer's temporary file and free it; NULL is fine. */
void
render_viewer_free(struct render_viewer *v)
{
	if (v == NULL)
		return;
	if (v->path != NULL)
		mailcap_temp_remove(v->path);
	free(v->path);
	free(v->command);
	free(v->input);
	free(v);
}

/* ------------------------------------------------------ search text */

/* Append the decoded text of every text part under obj (bounded). */
static void
mime_text_collect(
    GMimeObject *obj, GString *out, size_t max, int depth, int *parts)
{
	int i, n;

	if (depth > RENDER_MAX_DEPTH || ++*parts > RENDER_MAX_PARTS ||
	    out->len >= max)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			mime_text_collect(
			    g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    out, max, depth + 1, parts);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m != NULL && g_mime_message_get_mime_part(m) != NULL)
			mime_text_collect(g_mime_message_get_mime_part(m), out,
			    max, depth + 1, parts);
	} else if (GMIME_IS_TEXT_PART(obj)) {
		char *type = mime_part_type(obj), *t;
		size_t len;
		int cut;

		t = mime_part_text(obj, max - out->len, &len, &cut);
		if (strcmp(type, "text/html") == 0) {
			char *plain = html_text_plain(t, len);

			free(t);
			t = plain;
			len = strlen(plain);
		}
		g_string_append_len(out, t, MIN(len, max - out->len));
		g_string_append_c(out, '\n');
		free(t);
		free(type);
	}
}

/*
 * The decoded text of a message's text parts (charsets converted to
 * UTF-8, transfer encodings undone, HTML turned into text), at most max
 * bytes: what a body search looks in.
 */
char *
mime_text_content(const char *data, size_t len, size_t max)
{
	GString *out = g_string_new(NULL);
	GMimeMessage *msg;
	int parts = 0, deep = 0, cut = 0;

	msg = render_parse(data, len, &deep, &cut);
	if (msg != NULL && g_mime_message_get_mime_part(msg) != NULL)
		mime_text_collect(
		    g_mime_message_get_mime_part(msg), out, max, 0, &parts);
	if (msg != NULL)
		g_object_unref(msg);
	return g_string_free(out, FALSE);
}
