/*
 * imap_utf7.h - modified UTF-7 mailbox names (RFC 3501 section 5.1.3).
 *
 * IMAP servers without UTF8=ACCEPT name mailboxes in a 7-bit form of
 * UTF-16: printable ASCII stands for itself, "&" is "&-", and everything
 * else is "&" modified-base64 "-".  These turn such a name into UTF-8 for
 * people and back for commands.  Both refuse what is not canonical (so that
 * decoding then encoding gives back the server's exact name) and never read
 * past the string.
 */
#ifndef TERN_IMAP_UTF7_H
#define TERN_IMAP_UTF7_H

#include <stddef.h>

char *imap_utf7_decode(const char *name, char **err);
char *imap_utf7_encode(const char *utf8, char **err);
int imap_utf7_is_utf8(const char *s, size_t len);

#endif
