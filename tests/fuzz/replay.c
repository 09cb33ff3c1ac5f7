/*
 * replay.c - run a fuzz target over files, without libFuzzer.
 *
 * Built with every target so that make check replays the seed corpus
 * (and any crash file kept as a regression) through the same entry
 * point the fuzzer uses.  Prints TAP, one point per file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "fuzz.h"

int
main(int argc, char **argv)
{
	gchar *data;
	gsize len;
	int i;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
			printf("not ok %d - %s: cannot read\n", i, argv[i]);
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		g_free(data);
		printf("ok %d - %s\n", i, argv[i]);
		fflush(stdout);
	}
	return 0;
}
