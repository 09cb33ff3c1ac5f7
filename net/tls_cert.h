/*
 * tls_cert.h - a server's certificate as a person sees it, why it was not
 * trusted, and the pin file of certificates a person chose to trust anyway.
 *
 * The transport (net/transport.c) verifies a server's certificate and, when
 * that fails, asks its caller what to do; this file holds what that
 * question shows: subject, issuer, validity, the SHA-256 fingerprint and the
 * problems found.  Every string here comes from the network and has been
 * reduced to printable ASCII (anything else escaped or replaced), so it can
 * be shown as it is.
 *
 * The pin file is plain text, one certificate a line:
 *
 *     # comment
 *     imap.example.com:993 sha256:86:F1:2B:...:35
 *
 * The key is "host:port" as configured (host in lower case, an IPv6
 * address in brackets); the fingerprint is 64 hex digits, with or without
 * colons, in either case.  Blank lines, comments and lines that do not
 * parse are ignored; so is anything past TLS_CERT_PIN_MAX_FILE bytes.  The
 * file is written whole, through a temporary file and rename(2), mode 0600.
 */
#ifndef TERN_TLS_CERT_H
#define TERN_TLS_CERT_H

#include <stddef.h>
#include <time.h>

/* Why a certificate was not trusted; a certificate can have several. */
enum tls_cert_problem {
	TLS_CERT_UNKNOWN_ISSUER = 0x01, /* no trusted CA issued it */
	TLS_CERT_SELF_SIGNED = 0x02, /* signed by itself */
	TLS_CERT_EXPIRED = 0x04, /* past its notAfter */
	TLS_CERT_NOT_YET_VALID = 0x08, /* before its notBefore */
	TLS_CERT_BAD_NAME = 0x10, /* not issued for the server name */
	TLS_CERT_OTHER = 0x20, /* anything else OpenSSL refused */
};

/* "AB:CD:...": 32 bytes as hex pairs joined by colons, and the NUL. */
#define TLS_CERT_FINGERPRINT_SIZE (32 * 3)

/* Bounds of the pin file parser. */
#define TLS_CERT_PIN_MAX_FILE (1024 * 1024)
#define TLS_CERT_PIN_MAX_LINE 1024

/* Longest subject or issuer kept (longer ones end in "..."). */
#define TLS_CERT_MAX_NAME 512

/*
 * One certificate, described.  All strings are owned by the struct and are
 * never NULL except other.
 */
struct tls_cert {
	char *peer; /* "host:port" we connected to */
	char *name; /* the server name it was checked against */
	char *subject; /* "CN = localhost" */
	char *issuer; /* "CN = tern test CA" */
	char *not_before; /* "2026-11-05 10:00:00 UTC" */
	char *not_after;
	time_t not_before_time;
	time_t not_after_time;
	char fingerprint[TLS_CERT_FINGERPRINT_SIZE]; /* SHA-256 */
	unsigned problems; /* TLS_CERT_* bits; 0 when verified */
	enum tls_cert_problem reason; /* the most serious problem (if any) */
	char *other; /* OpenSSL's words for TLS_CERT_OTHER, else NULL */
	int always_allowed; /* may a person pin it ("accept always")? */
};

/*
 * Describe the DER-encoded certificate der.  peer and name say where it was
 * met, problems (TLS_CERT_* bits) and other why it failed.  always_allowed
 * starts true unless a problem forbids pinning (wrong host name, expired).
 * NULL when der is not a certificate.
 */
struct tls_cert *tls_cert_from_der(const unsigned char *der, size_t len,
    const char *peer, const char *name, unsigned problems, const char *other);
void tls_cert_free(struct tls_cert *cert);

/* The TLS_CERT_* bit for an OpenSSL X509_V_ERR_* code (OTHER if unknown). */
unsigned tls_cert_problem_from_error(int x509_error);

/* The most serious problem among problems (0 when there is none). */
enum tls_cert_problem tls_cert_main_problem(unsigned problems);

/* Every problem of cert in words, most serious first: "expired, self-signed".
 * Allocated; "verified" when there is none. */
char *tls_cert_problems_text(const struct tls_cert *cert);

/* One line: "certificate for NAME is not trusted (PROBLEMS)".  Allocated. */
char *tls_cert_summary(const struct tls_cert *cert);

/*
 * The certificate as readable lines for a person who cannot be asked (a
 * cron job, tern check): the summary prefixed with the peer, then subject,
 * issuer, validity and fingerprint, each line ending in "\n".  Allocated.
 */
char *tls_cert_format(const struct tls_cert *cert);

/* The pin file key for host and port: "host:port" or "[v6addr]:port". */
char *tls_cert_pin_key(const char *host, unsigned port);

/*
 * Does the pin file text (len bytes, not NUL-terminated, untrusted) pin the
 * fingerprint (any of the accepted spellings) for key?  1 or 0.
 */
int tls_cert_pins_match(
    const char *text, size_t len, const char *key, const char *fingerprint);

/* tls_cert_pins_match on the file at path; a missing or unreadable file
 * pins nothing. */
int
tls_cert_pin_lookup(const char *path, const char *key, const char *fingerprint);

/*
 * Pin fingerprint for key in the file at path, replacing any earlier pin
 * for the same key and keeping every other line.  0, or -1 with *err set
 * (allocated).
 */
int tls_cert_pin_add(
    const char *path, const char *key, const char *fingerprint, char **err);

#endif
