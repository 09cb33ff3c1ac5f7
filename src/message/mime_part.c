/*
 * mime_part.c - what the renderer needs to know about one MIME part.
 *
 * GMime's parser keeps a part's content as a window on the message's
 * bytes, still encoded; nothing here decodes unless asked to, so the
 * attachment list of a 10 MB message costs a few look-ups.  Sizes in the
 * list are estimated from the encoded length.  Decoding reads through a
 * GMime filter in chunks and stops at the caller's limit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "message/charset.h"
#include "message/mime_part.h"
#include "xmalloc.h"

/* The part's "type/subtype" in lower case (a new string). */
char *
mime_part_type(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	char *t, *out;

	if (ct == NULL)
		return xstrdup("application/octet-stream");
	t = g_mime_content_type_get_mime_type(ct);
	out = g_ascii_strdown(t != NULL ? t : "application/octet-stream", -1);
	g_free(t);
	return out;
}

/*
 * The part's file name (Content-Disposition filename, else the
 * Content-Type name; RFC 2231 and RFC 2047 decoded by GMime), not yet
 * sanitised; NULL when it has none.
 */
char *
mime_part_filename(GMimeObject *part)
{
	const char *name = NULL;

	if (GMIME_IS_PART(part))
		name = g_mime_part_get_filename(GMIME_PART(part));
	else {
		name = g_mime_object_get_content_disposition_parameter(
		    part, "filename");
		if (name == NULL)
			name = g_mime_object_get_content_type_parameter(
			    part, "name");
	}
	if (name == NULL || *name == '\0')
		return NULL;
	if (!g_utf8_validate(name, -1, NULL))
		return charset_to_utf8(name, strlen(name), NULL, NULL);
	return xstrdup(name);
}

/* The transfer encoding's name ("base64", "7bit", ...). */
const char *
mime_part_encoding(GMimeObject *part)
{
	GMimeContentEncoding enc;
	const char *s;

	if (!GMIME_IS_PART(part))
		return "7bit";
	enc = g_mime_part_get_content_encoding(GMIME_PART(part));
	if (enc == GMIME_CONTENT_ENCODING_DEFAULT)
		return "7bit";
	s = g_mime_content_encoding_to_string(enc);
	return s != NULL ? s : "7bit";
}

/* True if the part says it is an attachment (not to be shown inline). */
int
mime_part_is_attachment(GMimeObject *part)
{
	GMimeContentDisposition *cd =
	    g_mime_object_get_content_disposition(part);

	return cd != NULL && g_mime_content_disposition_is_attachment(cd);
}

/* The length of the part's encoded content, or 0. */
static size_t
mime_part_encoded_length(GMimeObject *part)
{
	GMimeDataWrapper *w;
	GMimeStream *s;
	gint64 n;

	if (!GMIME_IS_PART(part))
		return 0;
	w = g_mime_part_get_content(GMIME_PART(part));
	if (w == NULL || (s = g_mime_data_wrapper_get_stream(w)) == NULL)
		return 0;
	n = g_mime_stream_length(s);
	return n > 0 ? (size_t)n : 0;
}

/*
 * The decoded size, estimated from the encoded length (base64 lines of
 * 76 characters, uuencode lines of 61) without decoding anything; a
 * forwarded message is measured by writing it to nowhere.
 */
size_t
mime_part_size(GMimeObject *part)
{
	size_t n;

	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		GMimeStream *null;
		ssize_t w;

		if (m == NULL)
			return 0;
		null = g_mime_stream_null_new();
		w = g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, null);
		g_object_unref(null);
		return w > 0 ? (size_t)w : 0;
	}
	n = mime_part_encoded_length(part);
	if (!GMIME_IS_PART(part))
		return n;
	switch (g_mime_part_get_content_encoding(GMIME_PART(part))) {
	case GMIME_CONTENT_ENCODING_BASE64: return n / 78 * 57 + n % 78 * 3 / 4;
	case GMIME_CONTENT_ENCODING_UUENCODE: return n / 62 * 45;
	default: return n;
	}
}

/* "12 bytes", "3.4K", "12K", "1.5M": a size for people. */
char *
mime_part_size_string(size_t size)
{
	if (size == 1)
		return xstrdup("1 byte");
	if (size < 1024)
		return xasprintf("%zu bytes", size);
	if (size < 10 * 1024)
		return xasprintf("%.1fK", size / 1024.0);
	if (size < 1024 * 1024)
		return xasprintf("%zuK", (size + 512) / 1024);
	return xasprintf("%.1fM", size / (1024.0 * 1024.0));
}

/* The stream a part's decoded bytes can be read from (a new ref). */
static GMimeStream *
mime_part_stream(GMimeObject *part)
{
	GMimeDataWrapper *w;
	GMimeStream *raw, *fs;
	GMimeContentEncoding enc;

	if (GMIME_IS_PART(part)) {
		w = g_mime_part_get_content(GMIME_PART(part));
		if (w == NULL ||
		    (raw = g_mime_data_wrapper_get_stream(w)) == NULL)
			return g_mime_stream_mem_new();
		g_mime_stream_reset(raw);
		enc = g_mime_data_wrapper_get_encoding(w);
		fs = g_mime_stream_filter_new(raw);
		if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
		    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
		    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
			GMimeFilter *f = g_mime_filter_basic_new(enc, FALSE);

			g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
			g_object_unref(f);
		}
		return fs;
	}
	/* A message or multipart: its serialised form. */
	fs = g_mime_stream_mem_new();
	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));

		if (m != NULL)
			g_mime_object_write_to_stream(
			    GMIME_OBJECT(m), NULL, fs);
	} else
		g_mime_object_write_to_stream(part, NULL, fs);
	g_mime_stream_reset(fs);
	return fs;
}

/*
 * The part's bytes with the transfer encoding undone, at most max
 * (*cut says whether there was more).  Always a new string, with a NUL
 * after *len bytes.
 */
char *
mime_part_bytes(GMimeObject *part, size_t max, size_t *len, int *cut)
{
	GMimeStream *s = mime_part_stream(part);
	GString *out = g_string_new(NULL);
	char buf[16384];
	ssize_t r;

	*cut = 0;
	while ((r = g_mime_stream_read(s, buf, sizeof buf)) > 0) {
		if (out->len + r > max) {
			g_string_append_len(out, buf, max - out->len);
			*cut = 1;
			break;
		}
		g_string_append_len(out, buf, r);
	}
	g_object_unref(s);
	*len = out->len;
	return g_string_free(out, FALSE);
}

/* The charset an HTML document names in a <meta> tag, if any. */
static char *
mime_part_html_charset(const char *s, size_t len)
{
	const char *p, *end;
	char *lower, *out = NULL;
	size_t n = len < 4096 ? len : 4096, i;

	lower = g_ascii_strdown(s, n);
	end = lower + strlen(lower);
	p = strstr(lower, "<meta");
	while (p != NULL && out == NULL) {
		const char *gt = strchr(p, '>'), *c = strstr(p, "charset=");

		if (gt != NULL && c != NULL && c < gt) {
			c += 8;
			while (
			    c < end && (*c == '"' || *c == '\'' || *c == ' '))
				c++;
			for (i = 0; c + i < end && i < 40 &&
			     (g_ascii_isalnum(c[i]) || strchr("-_.:", c[i]));
			     i++)
				;
			if (i > 0)
				out = xstrndup(c, i);
		}
		p = gt != NULL ? strstr(gt, "<meta") : NULL;
	}
	g_free(lower);
	return out;
}

/*
 * The part's text as UTF-8: transfer encoding undone, then the declared
 * charset (or an HTML part's <meta> charset) through the fallback
 * chain.  At most max bytes of the decoded part are read.
 */
char *
mime_part_text(GMimeObject *part, size_t max, size_t *len, int *cut)
{
	const char *cs =
	    g_mime_object_get_content_type_parameter(part, "charset");
	char *bytes, *sniffed = NULL, *out;
	size_t n;

	bytes = mime_part_bytes(part, max, &n, cut);
	if (cs == NULL) {
		GMimeContentType *ct = g_mime_object_get_content_type(part);

		if (ct != NULL &&
		    g_mime_content_type_is_type(ct, "text", "html"))
			cs = sniffed = mime_part_html_charset(bytes, n);
	}
	out = charset_to_utf8(bytes, n, cs, len);
	free(bytes);
	free(sniffed);
	return out;
}

/* Create path for writing: never through a link, not over a file unless
 * forced.  The descriptor, or -1 with *err. */
static int
mime_part_create(const char *path, int force, char **err)
{
	int fd = open(path,
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		(force ? O_TRUNC : O_EXCL),
	    0600);

	if (fd != -1)
		return fd;
	if (errno == EEXIST)
		*err = xasprintf("%s already exists", path);
	else
		*err = xasprintf("cannot create %s: %s", path, strerror(errno));
	return -1;
}

/*
 * Write bytes to path with the rules of mime_part_save() (a uuencoded
 * block's contents, which GMime never saw as a part).
 */
int
mime_part_write(
    const char *path, const char *data, size_t len, int force, char **err)
{
	size_t off = 0;
	int fd = mime_part_create(path, force, err);

	if (fd == -1)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += w;
	}
	if (off < len || close(fd) == -1) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		if (off < len)
			close(fd);
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * Save the part's decoded bytes to path.  Without force an existing
 * file is left alone (-1, "exists"); a symbolic link is never followed.
 * A partly written file is removed.  -1 with *err on failure.
 */
int
mime_part_save(GMimeObject *part, const char *path, int force, char **err)
{
	GMimeStream *in, *out;
	char buf[65536];
	ssize_t r;
	int fd, failed = 0;

	if ((fd = mime_part_create(path, force, err)) == -1)
		return -1;
	out = g_mime_stream_fs_new(fd);
	in = mime_part_stream(part);
	while ((r = g_mime_stream_read(in, buf, sizeof buf)) > 0) {
		if (g_mime_stream_write(out, buf, r) != r) {
			failed = errno ? errno : EIO;
			break;
		}
	}
	if (!failed && g_mime_stream_flush(out) == -1)
		failed = errno ? errno : EIO;
	g_object_unref(in);
	/* Closing through the stream: it owns the descriptor. */
	if (g_mime_stream_close(out) == -1 && !failed)
		failed = errno ? errno : EIO;
	g_object_unref(out);
	if (failed) {
		*err = xasprintf("cannot write %s: %s", path, strerror(failed));
		unlink(path);
		return -1;
	}
	return 0;
}
