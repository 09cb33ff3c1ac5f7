/*
 * fuzz_conf.c - arbitrary bytes as a configuration file.
 */
#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf;
	char *err = NULL;

	conf = conf_parse((const char *)data, size, "fuzz", 0600, &err);
	if (conf == NULL && err == NULL)
		abort(); /* a refusal must say why */
	conf_free(conf);
	free(err);
	return 0;
}
