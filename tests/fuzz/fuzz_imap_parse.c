/*
 * fuzz_imap_parse.c - arbitrary bytes as an IMAP server's output.
 *
 * The first two bytes seed the sizes of the pieces the rest is fed in, so
 * the fuzzer explores cuts at every point (mid-line, mid-literal, mid-CRLF).
 * Limits are small so that every limit is reached.  The same bytes are
 * also fed all at once, and the two parses must agree response for
 * response and on the error: incremental parsing must not depend on where
 * the input was cut.  The input is also tried as a modified UTF-7 name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "imap_parse.h"
#include "imap_utf7.h"

/* One parse: every response dumped, one per line, then the error. */
static char *
fuzz_parse(const uint8_t *data, size_t size, unsigned seed, int chunked)
{
	const struct imap_limits lim = { 256, 1024, 4096, 8, 32 };
	struct imap_parser *p = imap_parser_new(&lim);
	struct imap_response *r;
	char *out = NULL, *d;
	size_t outlen = 0, off = 0, n;
	FILE *f = open_memstream(&out, &outlen);
	int rc = 0;

	if (f == NULL)
		abort();
	while (off < size && rc == 0) {
		if (chunked) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 17;
			if (n > size - off)
				n = size - off;
		} else {
			n = size - off;
		}
		rc = imap_parser_feed(p, (const char *)data + off, n);
		off += n;
		while ((r = imap_parser_next(p)) != NULL) {
			d = imap_response_dump(r);
			fprintf(f, "%s\n", d);
			free(d);
			/* Exercise the name helpers on what came in. */
			if ((r->kind == IMAP_RESP_LIST ||
				r->kind == IMAP_RESP_LSUB) &&
			    (d = imap_utf7_encode(r->u.list.name_utf8, NULL)) !=
				NULL)
				free(d);
			imap_response_free(r);
		}
	}
	if (rc < 0) {
		if (imap_parser_error(p) == NULL)
			abort(); /* a failure must say why */
		fprintf(f, "error: %s\n", imap_parser_error(p));
	}
	fprintf(f, "buffered: %zu\n", imap_parser_buffered(p));
	fclose(f);
	imap_parser_free(p);
	return out;
}

/* A name that decodes must encode back to the very same bytes. */
static void
fuzz_utf7(const uint8_t *data, size_t size)
{
	char name[257], *utf8, *back;

	if (size > sizeof(name) - 1)
		size = sizeof(name) - 1;
	memcpy(name, data, size);
	name[size] = '\0';
	if ((utf8 = imap_utf7_decode(name, NULL)) == NULL)
		return;
	back = imap_utf7_encode(utf8, NULL);
	if (back == NULL || strcmp(back, name) != 0)
		abort();
	free(utf8);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned seed;
	char *whole, *pieces;

	fuzz_utf7(data, size);

	if (size < 2)
		return 0;
	seed = (unsigned)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	whole = fuzz_parse(data, size, seed, 0);
	pieces = fuzz_parse(data, size, seed, 1);
	if (strcmp(whole, pieces) != 0) {
		fprintf(stderr, "whole:\n%s\npieces:\n%s\n", whole, pieces);
		abort();
	}
	free(whole);
	free(pieces);
	return 0;
}
