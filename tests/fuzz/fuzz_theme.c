/*
 * fuzz_theme.c - arbitrary bytes as a theme file.
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "theme.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme theme;
	char *err = NULL;
	int i;

	theme_defaults(&theme);
	if (theme_parse(&theme, (const char *)data, size, "fuzz", &err) == -1) {
		if (err == NULL)
			abort();
		free(err);
	}
	for (i = 0; i < TH_COUNT; i++)
		if (theme.style[i].fg < -1 || theme.style[i].fg > 255 ||
		    theme.style[i].bg < -1 || theme.style[i].bg > 255)
			abort();
	return 0;
}
