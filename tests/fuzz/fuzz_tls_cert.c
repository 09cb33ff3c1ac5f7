/*
 * fuzz_tls_cert.c - arbitrary bytes as a pin file and as a certificate.
 *
 * The pin file decides trust, so its parser must hold on any input; the
 * same bytes are also read as DER, which exercises the escaping of names
 * and dates taken from a certificate a server sent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tls_cert.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fp[] = "86:F1:2B:91:CE:9D:B2:7B:F7:0F:30:D4:98:19:"
				 "C9:4D:2F:D7:3E:B6:29:8C:4A:74:0D:70:3B:7C:"
				 "4C:CD:C6:35";
	struct tls_cert *cert;
	char *s;
	size_t i;

	(void)tls_cert_pins_match(
	    (const char *)data, size, "localhost:993", fp);
	(void)tls_cert_pins_match((const char *)data, size, "[::1]:993", fp);

	cert = tls_cert_from_der(
	    data, size, "localhost:993", "localhost", TLS_CERT_OTHER, "odd");
	if (cert != NULL) {
		s = tls_cert_format(cert);
		/* Everything shown must be printable ASCII or a line end. */
		for (i = 0; s[i] != '\0'; i++) {
			if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != '\n')
				abort();
		}
		free(s);
		tls_cert_free(cert);
	}
	return 0;
}
