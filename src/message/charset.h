/*
 * charset.h - text in whatever charset a message claims, as UTF-8.
 *
 * Mail lies about its charset, names charsets nobody knows, or names
 * none.  charset_to_utf8() never fails: it tries the declared charset,
 * then UTF-8, then windows-1252 (which can decode any byte), so the
 * reader always gets readable text and never an empty part.
 */
#ifndef TERN_CHARSET_H
#define TERN_CHARSET_H

#include <stddef.h>

/* Decode at most this many bytes; a longer input is cut. */
#define CHARSET_MAX_INPUT (64u * 1024 * 1024)

char *charset_to_utf8(
    const char *data, size_t len, const char *declared, size_t *out_len);
int charset_known(const char *name);
char *charset_from_utf8(const char *utf8, const char *to);

#endif
