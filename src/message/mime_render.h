/*
 * mime_render.h - a message turned into display lines.
 *
 * GMime parses the bytes; the result is a list of rows with a kind each
 * (header name and value, body text with its quote level, signature,
 * attachment marker, signature check, notes tern adds), already
 * sanitised and wrapped to a width, so the pager only paints.  Changing
 * the width re-wraps without parsing again.  The rendering also keeps
 * the numbered list of URLs in the text and the message's attachments,
 * which can be saved or opened through mailcap.  No curses here.
 */
#ifndef TERN_MIME_RENDER_H
#define TERN_MIME_RENDER_H

#include <stddef.h>

enum render_kind {
	RENDER_HEADER, /* "Name: value"; name_len says where */
	RENDER_TEXT,
	RENDER_QUOTE, /* quote level in quote */
	RENDER_SIGNATURE,
	RENDER_ATTACHMENT, /* "[-- Attachment #1: ... --]" */
	RENDER_NOTE, /* what tern says about the message */
	RENDER_SIG_GOOD, /* a signature that checked out */
	RENDER_SIG_BAD, /* a signature that did not */
};

/* A URL inside a row: bytes [start, start + len) of text. */
struct render_link {
	size_t start;
	size_t len;
	size_t url; /* index for render_url() */
};

struct render_line {
	enum render_kind kind;
	int quote;
	int name_len; /* header rows: bytes of "Name:" (0 on continuations) */
	char *text; /* sanitised UTF-8, no newline, no tab */
	int cont; /* continues the row above (wrapped) */
	const struct render_link *links;
	size_t nlinks;
};

struct render_opts {
	int all_headers;
	int prefer_html; /* put text/html first when no order is given */
	int width; /* wrap to this many columns; 0: do not wrap */
	const char *const *header_list; /* shown headers; NULL: default */
	const char *const *alternative_order; /* NULL: plain, then html */
	const char *mailcap; /* NULL: ~/.mailcap then /etc/mailcap */
	int no_mailcap; /* never run an HTML viewer */
	int no_verify; /* do not check signatures */
};

/* One entry of the attachment list (every part of the message). */
struct render_attachment {
	int number; /* from 1, as the markers show it */
	int depth; /* nesting, for indentation */
	char *name; /* sanitised for display; NULL: none */
	char *type; /* "image/png" */
	size_t size; /* decoded, estimated */
	const char *encoding; /* "base64", "7bit", ... */
	int shown; /* its text is shown in the message */
};

#define RENDER_MAX_DEPTH 32
#define RENDER_MAX_PARTS 1000
#define RENDER_MAX_TEXT (8u * 1024 * 1024) /* decoded bytes shown a part */
#define RENDER_MAX_URLS 1000
#define RENDER_MAX_VERIFY 3 /* signed parts checked in one message */
#define RENDER_MAX_VIEWER_OUTPUT (8u * 1024 * 1024)
#define RENDER_VIEWER_TIMEOUT 10000 /* ms an HTML viewer may take */

struct render;
struct render_viewer;

struct render *
mime_render(const char *data, size_t len, const struct render_opts *opts);
void render_free(struct render *r);
void render_set_width(struct render *r, int width);
size_t render_count(const struct render *r);
const struct render_line *render_line(const struct render *r, size_t i);
size_t render_url_count(const struct render *r);
const char *render_url(const struct render *r, size_t i);

size_t render_attachment_count(const struct render *r);
const struct render_attachment *
render_attachment(const struct render *r, size_t i);
char *render_attachment_describe(const struct render_attachment *a);
char *render_attachment_filename(const struct render *r, size_t i);
int render_attachment_save(
    const struct render *r, size_t i, const char *path, int force, char **err);
struct render_viewer *render_attachment_viewer(const struct render *r, size_t i,
    const char *mailcap, int terminal, char **err);
int render_viewer_copious(const struct render_viewer *v);
const char *render_viewer_command(const struct render_viewer *v);
int render_viewer_run(
    struct render_viewer *v, char **out, size_t *outlen, char **err);
void render_viewer_free(struct render_viewer *v);

char *mime_text_content(const char *data, size_t len, size_t max);

#endif
