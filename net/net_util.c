/*
 * net_util.c - allocation helpers for net/ that never return NULL.
 *
 * The protocol code bounds every size it takes from the network before it
 * allocates, so a failure here is a real out-of-memory condition: it prints
 * one line and aborts, and callers carry no untested NULL paths.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_util.h"

/* Report the failed size and stop; nothing sensible can continue. */
static void
net_alloc_fail(size_t size)
{
	fprintf(stderr, "tern: out of memory (allocating %zu bytes)\n", size);
	abort();
}

/* malloc that aborts on failure; a zero size still returns a pointer. */
void *
net_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		net_alloc_fail(size);
	return p;
}

/* calloc that aborts on failure or on an overflowing product. */
void *
net_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (nmemb > SIZE_MAX / size)
		net_alloc_fail(SIZE_MAX);
	p = calloc(nmemb, size);
	if (p == NULL)
		net_alloc_fail(nmemb * size);
	return p;
}

/* realloc that aborts on failure. */
void *
net_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		net_alloc_fail(size);
	return p;
}

/* realloc of an array, refusing a product that overflows size_t. */
void *
net_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		net_alloc_fail(SIZE_MAX);
	return net_realloc(ptr, nmemb * size);
}

/* strdup that aborts on failure. */
char *
net_strdup(const char *s)
{
	return net_strndup(s, strlen(s));
}

/* Copy at most n bytes of s into a new NUL-terminated string. */
char *
net_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = net_malloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copy n bytes that may hold NULs, with a NUL after them for convenience. */
void *
net_memdup(const void *src, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		net_alloc_fail(n);
	p = net_malloc(n + 1);
	if (n > 0)
		memcpy(p, src, n);
	p[n] = '\0';
	return p;
}

/* Format into a new string. */
char *
net_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		net_alloc_fail(strlen(fmt));
	va_end(ap);
	return p;
}
