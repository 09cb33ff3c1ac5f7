/*
 * sasl.c - client SASL mechanisms over raw bytes (see sasl.h).
 *
 * Each mechanism counts its steps; a challenge at a step where none is
 * expected is an error, so a server cannot make us send the password
 * twice or send it after it should have finished.  SCRAM-SHA-256 follows
 * RFC 5802 with SHA-256 (RFC 7677) through OpenSSL 3: PBKDF2-HMAC-SHA256 for
 * the salted password, HMAC and SHA-256 for the keys, RAND_bytes for the
 * nonce, and a constant-time comparison of the server's signature.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "xmalloc.h"
#include "sasl.h"

#define SCRAM_NONCE_BYTES 24
#define SCRAM_HASH SHA256_DIGEST_LENGTH
#define SCRAM_MAX_SALT 1024

struct sasl {
	enum sasl_mech mech;
	char *user;
	char *secret;
	char *host;
	unsigned port;
	int step; /* challenges answered so far, the initial response
		     included */
	int complete;
	char *server_error;

	/* SCRAM state. */
	char *client_first_bare;
	char *auth_message;
	unsigned char server_signature[SCRAM_HASH];
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The mechanism's registered name. */
const char *
sasl_mech_name(enum sasl_mech mech)
{
	switch (mech) {
	case SASL_PLAIN: return "PLAIN";
	case SASL_LOGIN: return "LOGIN";
	case SASL_SCRAM_SHA_256: return "SCRAM-SHA-256";
	case SASL_XOAUTH2: return "XOAUTH2";
	case SASL_OAUTHBEARER: return "OAUTHBEARER";
	}
	return "unknown";
}

/* Look a mechanism up by name, in any case. */
int
sasl_mech_from_name(const char *name, enum sasl_mech *mech)
{
	static const enum sasl_mech all[] = { SASL_PLAIN, SASL_LOGIN,
		SASL_SCRAM_SHA_256, SASL_XOAUTH2, SASL_OAUTHBEARER };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (strcasecmp(name, sasl_mech_name(all[i])) == 0) {
			*mech = all[i];
			return 0;
		}
	}
	return -1;
}

/* Token mechanisms need no password. */
int
sasl_mech_uses_token(enum sasl_mech mech)
{
	return mech == SASL_XOAUTH2 || mech == SASL_OAUTHBEARER;
}

/* Everything but LOGIN starts with the client's message. */
int
sasl_mech_client_first(enum sasl_mech mech)
{
	return mech != SASL_LOGIN;
}

/* Start an exchange; see sasl.h. */
struct sasl *
sasl_new(enum sasl_mech mech, const char *user, const char *secret,
    const char *host, unsigned port)
{
	struct sasl *s = xcalloc(1, sizeof *s);

	s->mech = mech;
	s->user = xstrdup(user != NULL ? user : "");
	s->secret = xstrdup(secret != NULL ? secret : "");
	s->host = host != NULL ? xstrdup(host) : NULL;
	s->port = port;
	return s;
}

/* Overwrite and free a string that may hold a secret. */
static void
sasl_wipe(char *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, strlen(p));
	free(p);
}

/* Free the exchange, wiping everything derived from the secret. */
void
sasl_free(struct sasl *s)
{
	if (s == NULL)
		return;
	sasl_wipe(s->user);
	sasl_wipe(s->secret);
	free(s->host);
	free(s->server_error);
	sasl_wipe(s->client_first_bare);
	sasl_wipe(s->auth_message);
	OPENSSL_cleanse(s->server_signature, sizeof s->server_signature);
	free(s);
}

/* Has the exchange reached the point where success may be believed? */
int
sasl_is_complete(const struct sasl *s)
{
	return s->complete;
}

/* The OAuth server's error, if it sent one. */
const char *
sasl_server_error(const struct sasl *s)
{
	return s->server_error;
}

/* Base64 of len bytes. */
char *
sasl_b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out, *o;
	uint32_t v;
	size_t i;

	if (len > SIZE_MAX / 2)
		abort();
	out = o = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* The value of one base64 character, or -1. */
static int
b64_value(unsigned char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p != NULL ? (int)(p - b64_alphabet) : -1;
}

/* Decode strict base64; see sasl.h. */
int
sasl_b64_decode(
    const char *text, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf, *o;
	int v[4];
	size_t i, pad = 0;
	int k;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0)
		return -1;
	if (len > 0 && text[len - 1] == '=')
		pad++;
	if (len > 1 && text[len - 2] == '=')
		pad++;
	buf = o = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			if (text[i + k] == '=' && i + 4 == len &&
			    k >= 4 - (int)pad)
				v[k] = 0;
			else if ((v[k] = b64_value(
				      (unsigned char)text[i + k])) < 0)
				goto bad;
		}
		*o++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		*o++ = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		*o++ = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	o -= pad;
	/* The bits padding covers must be zero (canonical encoding). */
	if ((pad == 1 && (v[2] & 3) != 0) || (pad == 2 && (v[1] & 15) != 0))
		goto bad;
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	return 0;
bad:
	free(buf);
	return -1;
}

/* Hand back a copy of n bytes as the answer. */
static int
sasl_answer(const void *p, size_t n, unsigned char **out, size_t *outlen)
{
	*out = xmalloc(n + 1);
	if (n > 0)
		memcpy(*out, p, n);
	(*out)[n] = '\0';
	*outlen = n;
	return 0;
}

/* A failure message for the caller. */
static int
sasl_error(char **err, const char *msg)
{
	*err = xstrdup(msg);
	return -1;
}

/* PLAIN (RFC 4616): no authorisation identity, user, password. */
static int
sasl_plain(struct sasl *s, unsigned char **out, size_t *outlen)
{
	size_t u = strlen(s->user), p = strlen(s->secret);
	unsigned char *buf = xmalloc(u + p + 3);

	buf[0] = '\0';
	memcpy(buf + 1, s->user, u);
	buf[1 + u] = '\0';
	memcpy(buf + 2 + u, s->secret, p);
	buf[2 + u + p] = '\0';
	*out = buf;
	*outlen = u + p + 2;
	s->complete = 1;
	return 0;
}

/* XOAUTH2 (Google's): "user=U^Aauth=Bearer T^A^A". */
static int
sasl_xoauth2(struct sasl *s, unsigned char **out, size_t *outlen)
{
	char *msg =
	    xasprintf("user=%s\001auth=Bearer %s\001\001", s->user, s->secret);

	*outlen = strlen(msg);
	*out = (unsigned char *)msg;
	s->complete = 1;
	return 0;
}

/* A SASL name (RFC 5802 5.1): "," and "=" escaped. */
static char *
sasl_saslname(const char *name)
{
	char *out = xmalloc(strlen(name) * 3 + 1), *o = out;

	for (; *name != '\0'; name++) {
		if (*name == ',') {
			memcpy(o, "=2C", 3);
			o += 3;
		} else if (*name == '=') {
			memcpy(o, "=3D", 3);
			o += 3;
		} else
			*o++ = *name;
	}
	*o = '\0';
	return out;
}

/* OAUTHBEARER (RFC 7628): GS2 header, then key=value pairs. */
static int
sasl_oauthbearer(struct sasl *s, unsigned char **out, size_t *outlen)
{
	char *name = sasl_saslname(s->user), *msg, *hp;

	if (s->host != NULL && s->port != 0)
		hp = xasprintf("host=%s\001port=%u\001", s->host, s->port);
	else
		hp = xstrdup("");
	msg = xasprintf(
	    "n,a=%s,\001%sauth=Bearer %s\001\001", name, hp, s->secret);
	free(name);
	free(hp);
	*outlen = strlen(msg);
	*out = (unsigned char *)msg;
	s->complete = 1;
	return 0;
}

/* Does name contain bytes a SASL field may not carry? */
static int
sasl_field_bad(const char *name)
{
	for (; *name != '\0'; name++) {
		if ((unsigned char)*name < 0x20 || *name == 0x7f)
			return 1;
	}
	return 0;
}

/* SCRAM client-first: "n,," then n=USER,r=NONCE. */
static int
sasl_scram_first(
    struct sasl *s, unsigned char **out, size_t *outlen, char **err)
{
	unsigned char nonce[SCRAM_NONCE_BYTES];
	char *name, *cnonce, *msg;

	if (RAND_bytes(nonce, sizeof nonce) != 1)
		return sasl_error(err, "SCRAM: cannot make a random nonce");
	cnonce = sasl_b64_encode(nonce, sizeof nonce);
	name = sasl_saslname(s->user);
	s->client_first_bare = xasprintf("n=%s,r=%s", name, cnonce);
	free(name);
	free(cnonce);
	msg = xasprintf("n,,%s", s->client_first_bare);
	*outlen = strlen(msg);
	*out = (unsigned char *)msg;
	return 0;
}

/* One attribute "x=value" of a SCRAM message: its value (up to the next
 * ","), or NULL when the attribute at *p is not x. */
static char *
scram_attr(const char **p, char x)
{
	const char *s = *p, *end;
	char *v;

	if (s[0] != x || s[1] != '=')
		return NULL;
	s += 2;
	end = strchr(s, ',');
	if (end == NULL)
		end = s + strlen(s);
	v = xstrndup(s, (size_t)(end - s));
	*p = *end == ',' ? end + 1 : end;
	return v;
}

/* HMAC-SHA-256 of data under key. */
static void
scram_hmac(const unsigned char *key, size_t keylen, const void *data,
    size_t len, unsigned char *out)
{
	unsigned int n = SCRAM_HASH;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n) == NULL)
		abort();
}

/*
 * SCRAM client-final from the server-first message: derive the keys,
 * keep the expected server signature, prove we know the password.
 */
static int
sasl_scram_final(struct sasl *s, const unsigned char *in, size_t inlen,
    unsigned char **out, size_t *outlen, char **err)
{
	unsigned char salted[SCRAM_HASH], client_key[SCRAM_HASH];
	unsigned char stored_key[SCRAM_HASH], client_sig[SCRAM_HASH];
	unsigned char server_key[SCRAM_HASH], proof[SCRAM_HASH];
	unsigned char *salt = NULL;
	char *msg = NULL, *nonce = NULL, *salt64 = NULL, *iter = NULL;
	char *without_proof = NULL, *proof64, *end;
	const char *p;
	size_t saltlen, i, cnlen;
	unsigned long iterations;
	int rc = -1;

	msg = xstrndup((const char *)in, inlen);
	if (strlen(msg) != inlen || sasl_field_bad(msg)) {
		sasl_error(err, "SCRAM: the server's message is not text");
		goto out;
	}
	p = msg;
	if (p[0] == 'm' && p[1] == '=') {
		sasl_error(err, "SCRAM: the server requires an extension");
		goto out;
	}
	if ((nonce = scram_attr(&p, 'r')) == NULL ||
	    (salt64 = scram_attr(&p, 's')) == NULL ||
	    (iter = scram_attr(&p, 'i')) == NULL) {
		sasl_error(err, "SCRAM: malformed server-first message");
		goto out;
	}
	/* The server's nonce must extend ours, not replace it. */
	cnlen = strlen(strstr(s->client_first_bare, ",r=") + 3);
	if (strlen(nonce) <= cnlen ||
	    strncmp(nonce, strstr(s->client_first_bare, ",r=") + 3, cnlen) !=
		0) {
		sasl_error(err, "SCRAM: the server changed our nonce");
		goto out;
	}
	if (strlen(salt64) > SCRAM_MAX_SALT ||
	    sasl_b64_decode(salt64, strlen(salt64), &salt, &saltlen) == -1 ||
	    saltlen == 0) {
		sasl_error(err, "SCRAM: malformed salt");
		goto out;
	}
	if (iter[0] < '1' || iter[0] > '9' || strlen(iter) > 9) {
		sasl_error(err, "SCRAM: malformed iteration count");
		goto out;
	}
	iterations = strtoul(iter, &end, 10);
	if (*end != '\0' || iterations < SASL_SCRAM_MIN_ITER ||
	    iterations > SASL_SCRAM_MAX_ITER) {
		*err = xasprintf("SCRAM: iteration count %s is outside "
				 "%u-%u: refused",
		    iter, SASL_SCRAM_MIN_ITER, SASL_SCRAM_MAX_ITER);
		goto out;
	}

	if (PKCS5_PBKDF2_HMAC(s->secret, (int)strlen(s->secret), salt,
		(int)saltlen, (int)iterations, EVP_sha256(), sizeof salted,
		salted) != 1) {
		sasl_error(err, "SCRAM: key derivation failed");
		goto out;
	}
	scram_hmac(salted, sizeof salted, "Client Key", 10, client_key);
	SHA256(client_key, sizeof client_key, stored_key);
	/* "biws" is base64("n,,"): no channel binding, no authzid. */
	without_proof = xasprintf("c=biws,r=%s", nonce);
	s->auth_message =
	    xasprintf("%s,%s,%s", s->client_first_bare, msg, without_proof);
	scram_hmac(stored_key, sizeof stored_key, s->auth_message,
	    strlen(s->auth_message), client_sig);
	for (i = 0; i < SCRAM_HASH; i++)
		proof[i] = client_key[i] ^ client_sig[i];
	scram_hmac(salted, sizeof salted, "Server Key", 10, server_key);
	scram_hmac(server_key, sizeof server_key, s->auth_message,
	    strlen(s->auth_message), s->server_signature);

	proof64 = sasl_b64_encode(proof, sizeof proof);
	*out = (unsigned char *)xasprintf("%s,p=%s", without_proof, proof64);
	*outlen = strlen((char *)*out);
	free(proof64);
	rc = 0;
out:
	OPENSSL_cleanse(salted, sizeof salted);
	OPENSSL_cleanse(client_key, sizeof client_key);
	OPENSSL_cleanse(stored_key, sizeof stored_key);
	OPENSSL_cleanse(client_sig, sizeof client_sig);
	OPENSSL_cleanse(server_key, sizeof server_key);
	OPENSSL_cleanse(proof, sizeof proof);
	free(msg);
	free(nonce);
	free(salt64);
	free(iter);
	free(salt);
	free(without_proof);
	return rc;
}

/* SCRAM server-final: "v=SIGNATURE" must match, or "e=" says why not. */
static int
sasl_scram_verify(struct sasl *s, const unsigned char *in, size_t inlen,
    unsigned char **out, size_t *outlen, char **err)
{
	char *msg = xstrndup((const char *)in, inlen), *v;
	unsigned char *sig = NULL;
	const char *p = msg;
	size_t siglen;
	int ok;

	if (strlen(msg) != inlen || sasl_field_bad(msg)) {
		free(msg);
		return sasl_error(
		    err, "SCRAM: the server's message is not text");
	}
	if ((v = scram_attr(&p, 'e')) != NULL) {
		*err = xasprintf("SCRAM: the server refused: %.100s", v);
		free(v);
		free(msg);
		return -1;
	}
	v = scram_attr(&p, 'v');
	free(msg);
	if (v == NULL || sasl_b64_decode(v, strlen(v), &sig, &siglen) == -1) {
		free(v);
		return sasl_error(err, "SCRAM: malformed server-final message");
	}
	free(v);
	ok = siglen == SCRAM_HASH &&
	    CRYPTO_memcmp(sig, s->server_signature, SCRAM_HASH) == 0;
	free(sig);
	if (!ok)
		return sasl_error(err,
		    "SCRAM: the server's signature is wrong: it does not know "
		    "the password (an impostor?)");
	s->complete = 1;
	return sasl_answer("", 0, out, outlen);
}

/* Produce the client's first message. */
static int
sasl_first(struct sasl *s, unsigned char **out, size_t *outlen, char **err)
{
	switch (s->mech) {
	case SASL_PLAIN: return sasl_plain(s, out, outlen);
	case SASL_XOAUTH2: return sasl_xoauth2(s, out, outlen);
	case SASL_OAUTHBEARER: return sasl_oauthbearer(s, out, outlen);
	case SASL_SCRAM_SHA_256: return sasl_scram_first(s, out, outlen, err);
	case SASL_LOGIN: break;
	}
	return sasl_error(err, "SASL: this mechanism has no initial response");
}

/* The initial response; see sasl.h. */
int
sasl_initial(struct sasl *s, unsigned char **out, size_t *outlen, char **err)
{
	int rc;

	*out = NULL;
	*outlen = 0;
	*err = NULL;
	if (s->step != 0 || !sasl_mech_client_first(s->mech))
		return sasl_error(err, "SASL: no initial response here");
	if (sasl_field_bad(s->user))
		return sasl_error(err,
		    "SASL: the user name has control "
		    "characters");
	rc = sasl_first(s, out, outlen, err);
	if (rc == 0)
		s->step++;
	return rc;
}

/* Replace the client nonce (tests); see sasl.h. */
int
sasl_scram_set_nonce(struct sasl *s, const char *nonce)
{
	char *name;

	if (s->mech != SASL_SCRAM_SHA_256 || s->step != 1 ||
	    s->client_first_bare == NULL || nonce == NULL || *nonce == '\0' ||
	    strchr(nonce, ',') != NULL)
		return -1;
	name = sasl_saslname(s->user);
	sasl_wipe(s->client_first_bare);
	s->client_first_bare = xasprintf("n=%s,r=%s", name, nonce);
	free(name);
	return 0;
}

/* Keep an OAuth server's error for the message, printable only. */
static void
sasl_keep_error(struct sasl *s, const unsigned char *in, size_t inlen)
{
	size_t i, n = inlen < 200 ? inlen : 200;

	free(s->server_error);
	s->server_error = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		s->server_error[i] =
		    in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	s->server_error[n] = '\0';
}

/* Answer one challenge; see sasl.h. */
int
sasl_step(struct sasl *s, const unsigned char *in, size_t inlen,
    unsigned char **out, size_t *outlen, char **err)
{
	int step = s->step, rc = -1;

	*out = NULL;
	*outlen = 0;
	*err = NULL;
	if (inlen > SASL_MAX_CHALLENGE)
		return sasl_error(err,
		    "SASL: the server's challenge is too "
		    "long");
	if (sasl_field_bad(s->user))
		return sasl_error(err,
		    "SASL: the user name has control "
		    "characters");
	if (step == 0 && sasl_mech_client_first(s->mech)) {
		/* Without SASL-IR the server asks with an empty challenge. */
		if (inlen != 0)
			return sasl_error(err,
			    "SASL: unexpected data before the client's first "
			    "message");
		rc = sasl_first(s, out, outlen, err);
	} else {
		switch (s->mech) {
		case SASL_LOGIN:
			/* "Username:" then "Password:", whatever the words. */
			if (step == 0)
				rc = sasl_answer(
				    s->user, strlen(s->user), out, outlen);
			else if (step == 1) {
				rc = sasl_answer(
				    s->secret, strlen(s->secret), out, outlen);
				s->complete = 1;
			} else
				rc = sasl_error(err,
				    "LOGIN: the server asked for more than "
				    "a user name and a password");
			break;
		case SASL_SCRAM_SHA_256:
			if (step == 1)
				rc = sasl_scram_final(
				    s, in, inlen, out, outlen, err);
			else if (step == 2)
				rc = sasl_scram_verify(
				    s, in, inlen, out, outlen, err);
			else
				rc = sasl_error(err,
				    "SCRAM: the server sent more after its "
				    "signature");
			break;
		case SASL_XOAUTH2:
		case SASL_OAUTHBEARER:
			/*
			 * A challenge after the token is the server's error
			 * (RFC 7628 3.2.3): answer so that it can say NO.
			 */
			if (step == 1) {
				sasl_keep_error(s, in, inlen);
				s->complete = 0;
				rc = s->mech == SASL_OAUTHBEARER
				    ? sasl_answer("\001", 1, out, outlen)
				    : sasl_answer("", 0, out, outlen);
			} else
				rc = sasl_error(err,
				    "OAuth: the server kept asking after "
				    "refusing the token");
			break;
		case SASL_PLAIN:
			rc = sasl_error(err,
			    "PLAIN: the server asked for more after the "
			    "credentials");
			break;
		}
	}
	if (rc == 0)
		s->step++;
	return rc;
}
