/*
 * sasl.h - the client side of the SASL mechanisms tern speaks: PLAIN,
 * LOGIN, SCRAM-SHA-256, XOAUTH2 and OAUTHBEARER.
 *
 * A mechanism is a small state machine over raw bytes: the protocol
 * session (IMAP AUTHENTICATE, POP3 AUTH) decodes each base64 challenge,
 * hands it to sasl_step() and sends back the base64 of the answer.  This
 * file knows nothing of either protocol, never does I/O and never keeps a
 * secret longer than the object: sasl_free() wipes it.
 *
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) authenticates the server too: the
 * exchange only counts as complete (sasl_is_complete()) once the server's
 * signature has been checked, and a server that says OK before that must be
 * treated as a failed login.  User names and passwords are used as UTF-8
 * as given (no SASLprep normalisation).
 */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stddef.h>

enum sasl_mech {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_SCRAM_SHA_256,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER,
};

/* Lowest and highest SCRAM iteration counts accepted from a server: fewer
 * makes a captured exchange cheap to attack (RFC 7677 asks for 4096), more
 * would let a server stall us. */
#define SASL_SCRAM_MIN_ITER 4096u
#define SASL_SCRAM_MAX_ITER 1000000u

/* Longest challenge a mechanism accepts (decoded bytes). */
#define SASL_MAX_CHALLENGE 8192u

struct sasl;

/* The mechanism's name as IANA registers it ("SCRAM-SHA-256"). */
const char *sasl_mech_name(enum sasl_mech mech);

/* The mechanism called name (any case); -1 if tern does not speak it. */
int sasl_mech_from_name(const char *name, enum sasl_mech *mech);

/* Does the mechanism take a bearer token rather than a password? */
int sasl_mech_uses_token(enum sasl_mech mech);

/* Does the client speak first (an initial response, RFC 4959 SASL-IR)? */
int sasl_mech_client_first(enum sasl_mech mech);

/*
 * A new exchange for user with secret (the password, or the token for the
 * OAuth mechanisms).  host and port are only used by OAUTHBEARER (NULL, 0
 * to leave them out).  Strings are copied.
 */
struct sasl *sasl_new(enum sasl_mech mech, const char *user, const char *secret,
    const char *host, unsigned port);

/* Wipe the secrets and free; NULL is fine. */
void sasl_free(struct sasl *s);

/*
 * The initial response, for a protocol that can send it with the command
 * (SASL-IR).  Only for client-first mechanisms, and only as the first
 * step.  *out is allocated (the caller frees it), may hold NULs.  0, or -1
 * with *err set (allocated).
 */
int
sasl_initial(struct sasl *s, unsigned char **out, size_t *outlen, char **err);

/*
 * Answer one challenge (raw, already base64-decoded; the first one of a
 * client-first mechanism whose initial response was not sent is empty and
 * is answered with the initial response).  *out is allocated and may be
 * empty.  -1 with *err set (allocated, never containing a secret) when the
 * challenge is malformed, the server could not be verified, or the
 * exchange should be over: the protocol session then cancels it.
 */
int sasl_step(struct sasl *s, const unsigned char *in, size_t inlen,
    unsigned char **out, size_t *outlen, char **err);

/*
 * May the server's success be believed?  For SCRAM only after its
 * signature was verified; for the others once the credentials were sent.
 */
int sasl_is_complete(const struct sasl *s);

/* What the server said when it refused an OAuth token (its JSON error,
 * printable ASCII only), or NULL. */
const char *sasl_server_error(const struct sasl *s);

/*
 * For tests against published vectors (RFC 7677): use nonce as the SCRAM
 * client nonce instead of the random one.  Only between sasl_initial()
 * (or the first step) and the server's first message; -1 otherwise.
 */
int sasl_scram_set_nonce(struct sasl *s, const char *nonce);

/* Base64 (RFC 4648, with padding) of len bytes; allocated. */
char *sasl_b64_encode(const void *data, size_t len);

/*
 * Decode strict base64 (padding required, no spaces) of len characters
 * into *out (allocated, NUL-terminated for convenience).  -1 when the text
 * is not base64.
 */
int sasl_b64_decode(
    const char *text, size_t len, unsigned char **out, size_t *outlen);

#endif
