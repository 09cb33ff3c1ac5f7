/*
 * fuzz_html.c - arbitrary bytes through the built-in HTML converter:
 * the output must be valid UTF-8 and bounded by the input.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "message/html_text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = html_text_plain((const char *)data, size);

	if (!g_utf8_validate(out, -1, NULL))
		abort();
	/* Each input byte makes a few output bytes at most, plus links. */
	if (strlen(out) > 64 * size + 64 * HTML_MAX_LINKS + 64)
		abort();
	free(out);
	return 0;
}
