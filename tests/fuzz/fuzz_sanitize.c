/*
 * fuzz_sanitize.c - arbitrary bytes through the screen gate: the output
 * must be valid UTF-8 with no control character but tab.
 */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

#include "fuzz.h"
#include "message/sanitize.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = sanitize_text((const char *)data, size, SANITIZE_KEEP_TABS);
	const char *p;

	if (!g_utf8_validate(out, -1, NULL))
		abort();
	for (p = out; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			abort();
	free(out);
	return 0;
}
