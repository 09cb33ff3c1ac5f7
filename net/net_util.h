/*
 * net_util.h - small helpers shared by the wire protocol code in net/.
 *
 * net/ sits below src/ and may not include anything from it, so it carries
 * its own allocation family with the same contract as src/xmalloc.h: an
 * allocation never returns NULL, running out of memory aborts.
 */
#ifndef TERN_NET_UTIL_H
#define TERN_NET_UTIL_H

#include <stddef.h>

void *net_malloc(size_t size);
void *net_calloc(size_t nmemb, size_t size);
void *net_realloc(void *ptr, size_t size);
void *net_reallocarray(void *ptr, size_t nmemb, size_t size);
char *net_strdup(const char *s);
char *net_strndup(const char *s, size_t n);
void *net_memdup(const void *p, size_t n);
char *net_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
