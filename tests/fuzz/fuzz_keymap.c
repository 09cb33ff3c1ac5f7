/*
 * fuzz_keymap.c - arbitrary bytes as lines of a keybindings file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "keymap.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keymap *km = keymap_new();
	char *text = xstrndup((const char *)data, size), *line, *save = NULL;
	char *err = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (keymap_parse_line(km, line, &err) == -1) {
			if (err == NULL)
				abort();
			free(err);
			err = NULL;
		}
	}
	free(text);
	keymap_free(km);
	return 0;
}
