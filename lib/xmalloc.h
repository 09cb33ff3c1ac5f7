/*
 * xmalloc.h - allocation that never returns NULL.
 *
 * Running out of memory is not a condition tern tries to recover from: every
 * allocation goes through this family, which aborts with a message instead
 * of handing back NULL.
 */
#ifndef TERN_XMALLOC_H
#define TERN_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
