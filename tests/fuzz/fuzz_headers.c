/*
 * fuzz_headers.c - arbitrary bytes as a message's header block.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "message/headers.h"
#include "model/summary.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct summary s = { 0 };

	headers_parse((const char *)data, size, &s);
	if (s.subject != NULL && strlen(s.subject) > HEADERS_MAX)
		abort();
	summary_clear(&s);
	return 0;
}
