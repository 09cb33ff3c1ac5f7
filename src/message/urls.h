/*
 * urls.h - the web and mail addresses in a line of text.
 *
 * The pager lists them (numbered) and hands the chosen one to
 * url_command; they are found in the sanitised display text, so what is
 * listed is what is shown.
 */
#ifndef TERN_URLS_H
#define TERN_URLS_H

#include <stddef.h>

/* Longer runs are not taken as one URL. */
#define URLS_MAX_LEN 2048

struct url_span {
	size_t start; /* byte offset in the text */
	size_t len;
};

size_t urls_find(const char *s, size_t len, struct url_span *out, size_t max);

#endif
