/*
 * sanitize.h - the one gate every character passes before the screen.
 *
 * Text from messages and servers may carry terminal escape sequences
 * (colour changes, OSC 52 clipboard writes, OSC 8 links), other control
 * characters, bidirectional overrides that make text lie about its order,
 * invisible formatting characters and broken UTF-8.  sanitize_text()
 * turns all of them into visible placeholders, so what is written to the
 * terminal is only printable text.  The width helpers count the columns
 * such text takes (wide characters two, combining marks none), and
 * sanitize_filename() makes a name from a message safe to create.
 */
#ifndef TERN_SANITIZE_H
#define TERN_SANITIZE_H

#include <stddef.h>

/* Keep tabs as they are (the pager expands them); else a space. */
#define SANITIZE_KEEP_TABS 0x01

/* File names longer than this (in bytes) are shortened. */
#define SANITIZE_NAME_MAX 200

char *sanitize_text(const char *s, size_t len, int flags);
int sanitize_is_invisible(unsigned int cp);
int sanitize_char_width(unsigned int cp);
int sanitize_width(const char *s, size_t len);
size_t sanitize_fit(const char *s, size_t len, int width, int *used);
char *sanitize_filename(const char *name);

#endif
