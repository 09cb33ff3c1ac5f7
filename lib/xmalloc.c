/*
 * xmalloc.c - allocation that never returns NULL.
 *
 * A failed allocation prints one line and aborts, so callers never carry
 * out-of-memory paths that are never tested.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* Report the failed size and stop; nothing sensible can continue. */
static void
xmalloc_fail(size_t size)
{
	fprintf(stderr, "tern: out of memory (allocating %zu bytes)\n", size);
	abort();
}

/* malloc that aborts on failure; a zero size still returns a pointer. */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_fail(size);
	return p;
}

/* calloc that aborts on failure or on an overflowing product. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		xmalloc_fail(nmemb * size);
	return p;
}

/* realloc that aborts on failure. */
void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		xmalloc_fail(size);
	return p;
}

/* realloc of an array, refusing a product that overflows size_t. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_fail(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

/* strdup that aborts on failure. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Copy at most n bytes of s into a new NUL-terminated string. */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Format into a new string. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		xmalloc_fail(strlen(fmt));
	va_end(ap);
	return p;
}
