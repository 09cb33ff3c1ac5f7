/*
 * headers.h - a message's header block turned into summary fields.
 *
 * Used wherever tern has a message's headers but not a server's envelope:
 * Maildir files, POP3 downloads, IMAP header fetches.  Bounded: only the
 * first HEADERS_MAX bytes are looked at.
 */
#ifndef TERN_HEADERS_H
#define TERN_HEADERS_H

#include <stddef.h>

#include "model/summary.h"

#define HEADERS_MAX (256 * 1024)

void headers_init(void);
size_t headers_length(const char *data, size_t len);
void headers_parse(const char *data, size_t len, struct summary *out);
char *headers_decode_text(const char *raw);

#endif
