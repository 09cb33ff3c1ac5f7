/*
 * fuzz_sasl.c - arbitrary bytes as what a server says during SASL: the
 * base64 of a challenge, SCRAM-SHA-256's server-first and server-final
 * messages (split at the first newline), an OAuth error, LOGIN prompts.
 *
 * The SCRAM exchange uses the RFC 7677 client nonce, so the seed with the
 * RFC's messages walks the whole way to a verified signature.  Inputs
 * asking for more than 4 digits of iterations are skipped: their cost is
 * bounded by SASL_SCRAM_MAX_ITER, and fuzzing PBKDF2 finds nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sasl.h"

/* Base64: whatever decodes must encode back to the same text. */
static void
fuzz_base64(const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t n;
	char *again;

	if (sasl_b64_decode((const char *)data, size, &out, &n) == -1)
		return;
	again = sasl_b64_encode(out, n);
	if (strlen(again) != size || memcmp(again, data, size) != 0)
		abort();
	free(again);
	free(out);
}

/* Does data ask for a five-digit (or longer) iteration count? */
static int
fuzz_slow(const uint8_t *data, size_t size)
{
	size_t i, d;

	for (i = 0; i + 1 < size; i++) {
		if (data[i] != 'i' || data[i + 1] != '=')
			continue;
		for (d = 0; i + 2 + d < size && data[i + 2 + d] >= '0' &&
		     data[i + 2 + d] <= '9';
		     d++)
			;
		if (d > 4)
			return 1;
	}
	return 0;
}

/* One answer; an error message must never leak the password. */
static int
fuzz_step(struct sasl *s, const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t n;
	char *err;
	int r;

	r = sasl_step(s, data, size, &out, &n, &err);
	if (r == -1) {
		/* The password may show only if the server itself sent it. */
		if (err == NULL ||
		    (strstr(err, "pencil") != NULL &&
			memmem(data, size, "pencil", 6) == NULL))
			abort();
		free(err);
		return -1;
	}
	free(out);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - data) : size;
	unsigned char *out;
	struct sasl *s;
	size_t n;
	char *err;

	fuzz_base64(data, size);

	if (!fuzz_slow(data, size)) {
		s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL, 0);
		if (sasl_initial(s, &out, &n, &err) == -1)
			abort();
		free(out);
		if (sasl_scram_set_nonce(s, "rOprNGfwEbeRWgbNEkqO") == -1)
			abort();
		if (fuzz_step(s, data, first) == 0 && nl != NULL)
			(void)fuzz_step(s, nl + 1, size - first - 1);
		sasl_free(s);
	}

	s = sasl_new(SASL_OAUTHBEARER, "user", "token", "h", 1);
	if (sasl_initial(s, &out, &n, &err) == -1)
		abort();
	free(out);
	(void)fuzz_step(s, data, size);
	if (sasl_server_error(s) != NULL && strlen(sasl_server_error(s)) > 200)
		abort();
	sasl_free(s);

	s = sasl_new(SASL_LOGIN, "user", "pencil", NULL, 0);
	(void)fuzz_step(s, data, first);
	(void)fuzz_step(s, data, size);
	(void)fuzz_step(s, data, size);
	sasl_free(s);
	return 0;
}
