/*
 * tls_cert.c - describing a server certificate and keeping the pin file.
 *
 * A certificate that failed verification is shown to a person, who decides;
 * so everything taken from it is turned into short printable ASCII here
 * (OpenSSL escapes control and non-ASCII bytes, and whatever is left that
 * is not printable becomes '?').  The pin file is read with bounds on its
 * size and on every line, since it is the one file that decides trust.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "xmalloc.h"
#include "tls_cert.h"

/* Problems from most to least serious: the first present is the reason. */
static const struct {
	enum tls_cert_problem problem;
	const char *text;
} tls_cert_problems[] = {
	{ TLS_CERT_BAD_NAME, "wrong host name" },
	{ TLS_CERT_EXPIRED, "expired" },
	{ TLS_CERT_NOT_YET_VALID, "not yet valid" },
	{ TLS_CERT_SELF_SIGNED, "self-signed" },
	{ TLS_CERT_UNKNOWN_ISSUER, "unknown issuer" },
	{ TLS_CERT_OTHER, "rejected by OpenSSL" },
};

#define TLS_CERT_NPROBLEMS \
	(sizeof tls_cert_problems / sizeof *tls_cert_problems)

/* Replace every byte that is not printable ASCII, in place. */
static void
tls_cert_sanitise(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
	}
}

/* A new string of at most max bytes from s (with "..." when cut), clean. */
static char *
tls_cert_clean_copy(const char *s, size_t len, size_t max)
{
	char *p;

	if (len > max) {
		p = xmalloc(max + 4);
		memcpy(p, s, max);
		memcpy(p + max, "...", 4);
	} else
		p = xstrndup(s, len);
	/* strndup stops at a NUL inside the name; what is left is clean. */
	tls_cert_sanitise(p);
	return p;
}

/* A distinguished name on one line, "CN = x, O = y", escaped by OpenSSL. */
static char *
tls_cert_name(const X509_NAME *name)
{
	BIO *bio;
	char *data, *s;
	long len;

	if (name == NULL)
		return xstrdup("(none)");
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return xstrdup("(unreadable)");
	/* ONELINE escapes control characters and bytes above 0x7f as \XX. */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) < 0) {
		BIO_free(bio);
		return xstrdup("(unreadable)");
	}
	len = BIO_get_mem_data(bio, &data);
	s = len > 0 ? tls_cert_clean_copy(data, (size_t)len, TLS_CERT_MAX_NAME)
		    : xstrdup("(empty)");
	BIO_free(bio);
	return s;
}

/* A certificate time as "YYYY-MM-DD HH:MM:SS UTC", and as a time_t. */
static char *
tls_cert_time(const ASN1_TIME *at, time_t *when)
{
	struct tm tm;
	char buf[64];

	*when = 0;
	memset(&tm, 0, sizeof tm);
	if (at == NULL || ASN1_TIME_to_tm(at, &tm) != 1)
		return xstrdup("(unreadable)");
	if (strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		return xstrdup("(unreadable)");
	*when = timegm(&tm);
	return xstrdup(buf);
}

/* Which TLS_CERT_* bits forbid pinning: a pin must never paper over a
 * certificate for some other name, nor keep a dead one alive. */
static int
tls_cert_pinnable(unsigned problems)
{
	return (problems & (TLS_CERT_BAD_NAME | TLS_CERT_EXPIRED)) == 0;
}

/* Describe a DER certificate; see tls_cert.h. */
struct tls_cert *
tls_cert_from_der(const unsigned char *der, size_t len, const char *peer,
    const char *name, unsigned problems, const char *other)
{
	const unsigned char *p = der;
	struct tls_cert *cert;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	X509 *x;

	if (der == NULL || len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return NULL;
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
		X509_free(x);
		return NULL;
	}
	cert = xcalloc(1, sizeof *cert);
	for (i = 0; i < mdlen; i++) {
		snprintf(cert->fingerprint + 3 * i, 4, "%02X%s", md[i],
		    i + 1 < mdlen ? ":" : "");
	}
	cert->peer = tls_cert_clean_copy(peer, strlen(peer), TLS_CERT_MAX_NAME);
	cert->name = tls_cert_clean_copy(name, strlen(name), TLS_CERT_MAX_NAME);
	cert->subject = tls_cert_name(X509_get_subject_name(x));
	cert->issuer = tls_cert_name(X509_get_issuer_name(x));
	cert->not_before =
	    tls_cert_time(X509_get0_notBefore(x), &cert->not_before_time);
	cert->not_after =
	    tls_cert_time(X509_get0_notAfter(x), &cert->not_after_time);
	cert->problems = problems;
	cert->reason = tls_cert_main_problem(problems);
	if ((problems & TLS_CERT_OTHER) && other != NULL)
		cert->other = tls_cert_clean_copy(
		    other, strlen(other), TLS_CERT_MAX_NAME);
	cert->always_allowed = tls_cert_pinnable(problems);
	X509_free(x);
	return cert;
}

/* Free a certificate description; NULL is fine. */
void
tls_cert_free(struct tls_cert *cert)
{
	if (cert == NULL)
		return;
	free(cert->peer);
	free(cert->name);
	free(cert->subject);
	free(cert->issuer);
	free(cert->not_before);
	free(cert->not_after);
	free(cert->other);
	free(cert);
}

/* Map OpenSSL's verification error to the problem a person understands. */
unsigned
tls_cert_problem_from_error(int x509_error)
{
	switch (x509_error) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
	case X509_V_ERR_EMAIL_MISMATCH: return TLS_CERT_BAD_NAME;
	case X509_V_ERR_CERT_HAS_EXPIRED: return TLS_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID: return TLS_CERT_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return TLS_CERT_SELF_SIGNED;
	/* A chain that ends in a root nobody trusts is, to a person, a
	 * certificate from an unknown issuer. */
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return TLS_CERT_UNKNOWN_ISSUER;
	default: return TLS_CERT_OTHER;
	}
}

/* The most serious problem present. */
enum tls_cert_problem
tls_cert_main_problem(unsigned problems)
{
	size_t i;

	for (i = 0; i < TLS_CERT_NPROBLEMS; i++) {
		if (problems & tls_cert_problems[i].problem)
			return tls_cert_problems[i].problem;
	}
	return 0;
}

/* The problems in words, most serious first. */
char *
tls_cert_problems_text(const struct tls_cert *cert)
{
	char buf[256];
	const char *text;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < TLS_CERT_NPROBLEMS; i++) {
		if ((cert->problems & tls_cert_problems[i].problem) == 0)
			continue;
		text = tls_cert_problems[i].text;
		if (tls_cert_problems[i].problem == TLS_CERT_OTHER &&
		    cert->other != NULL)
			text = cert->other;
		if (buf[0] != '\0')
			strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
		strncat(buf, text, sizeof buf - strlen(buf) - 1);
	}
	return xstrdup(buf[0] != '\0' ? buf : "verified");
}

/* One line saying whether the certificate is trusted and why not. */
char *
tls_cert_summary(const struct tls_cert *cert)
{
	char *why, *s;

	if (cert->problems == 0)
		return xasprintf("certificate for %s is trusted", cert->name);
	why = tls_cert_problems_text(cert);
	s = xasprintf(
	    "certificate for %s is not trusted (%s)", cert->name, why);
	free(why);
	return s;
}

/* The certificate as lines a person can read; see tls_cert.h. */
char *
tls_cert_format(const struct tls_cert *cert)
{
	char *summary, *s;

	summary = tls_cert_summary(cert);
	s = xasprintf("%s: %s\n"
		      "  subject:     %s\n"
		      "  issuer:      %s\n"
		      "  valid from:  %s\n"
		      "  valid until: %s\n"
		      "  SHA-256:     %s\n",
	    cert->peer, summary, cert->subject, cert->issuer, cert->not_before,
	    cert->not_after, cert->fingerprint);
	free(summary);
	return s;
}

/* The pin key: host names compare without case, so store them lower. */
char *
tls_cert_pin_key(const char *host, unsigned port)
{
	char *h, *key;
	size_t i;

	h = xstrdup(host);
	for (i = 0; h[i] != '\0'; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	if (strchr(h, ':') != NULL)
		key = xasprintf("[%s]:%u", h, port);
	else
		key = xasprintf("%s:%u", h, port);
	free(h);
	return key;
}

/* Reduce a fingerprint spelling to 64 upper-case hex digits; -1 if it is
 * not one (colons may separate digits, nothing else may). */
static int
tls_cert_fp_normalise(const char *s, size_t len, char out[65])
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ':')
			continue;
		if (!isxdigit((unsigned char)s[i]) || n == 64)
			return -1;
		out[n++] = (char)toupper((unsigned char)s[i]);
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

/* Compare a key from the file with ours, ignoring ASCII case. */
static int
tls_cert_key_equal(const char *a, size_t alen, const char *key)
{
	size_t i;

	if (alen != strlen(key))
		return 0;
	for (i = 0; i < alen; i++) {
		if (tolower((unsigned char)a[i]) !=
		    tolower((unsigned char)key[i]))
			return 0;
	}
	return 1;
}

/*
 * Parse one pin line of len bytes (no line end): its key and the
 * normalised fingerprint.  0 for a pin, -1 for anything else (blank,
 * comment, malformed).
 */
static int
tls_cert_parse_pin(
    const char *line, size_t len, const char **key, size_t *keylen, char fp[65])
{
	size_t i = 0, k0, k1, v0, v1;

	if (len > TLS_CERT_PIN_MAX_LINE)
		return -1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#')
		return -1;
	k0 = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	k1 = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	v0 = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	v1 = i;
	while (
	    i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i != len || v1 - v0 < 7 || strncasecmp(line + v0, "sha256:", 7))
		return -1;
	/* A trailing CR belongs to a CRLF line end, not to the value. */
	if (v1 > v0 && line[v1 - 1] == '\r')
		v1--;
	if (tls_cert_fp_normalise(line + v0 + 7, v1 - v0 - 7, fp) == -1)
		return -1;
	*key = line + k0;
	*keylen = k1 - k0;
	return 0;
}

/* Does text pin fingerprint for key?  See tls_cert.h. */
int
tls_cert_pins_match(
    const char *text, size_t len, const char *key, const char *fingerprint)
{
	const char *line, *end, *k;
	char want[65], fp[65];
	size_t keylen;

	if (text == NULL || key == NULL || fingerprint == NULL)
		return 0;
	if (tls_cert_fp_normalise(fingerprint, strlen(fingerprint), want) == -1)
		return 0;
	if (len > TLS_CERT_PIN_MAX_FILE)
		len = TLS_CERT_PIN_MAX_FILE;
	line = text;
	while (line < text + len) {
		end = memchr(line, '\n', (size_t)(text + len - line));
		if (end == NULL)
			end = text + len;
		if (tls_cert_parse_pin(
			line, (size_t)(end - line), &k, &keylen, fp) == 0 &&
		    tls_cert_key_equal(k, keylen, key) && strcmp(fp, want) == 0)
			return 1;
		line = end + 1;
	}
	return 0;
}

/*
 * Read at most TLS_CERT_PIN_MAX_FILE + 1 bytes of the regular file at path
 * (the extra byte tells a file that is too large).  0 with *text allocated,
 * or -1 with errno set (ENOENT when there is no file).
 */
static int
tls_cert_read(const char *path, char **text, size_t *len)
{
	struct stat st;
	size_t have = 0, want = TLS_CERT_PIN_MAX_FILE + 1;
	ssize_t n;
	char *buf;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else
		e = 0;
	if (e != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	/* The size only sizes the buffer: the file may change under us. */
	if (st.st_size >= 0 && (size_t)st.st_size < TLS_CERT_PIN_MAX_FILE)
		want = (size_t)st.st_size + 1;
	buf = xmalloc(want);
	for (;;) {
		if (have == want) {
			if (want == TLS_CERT_PIN_MAX_FILE + 1)
				break;
			want = want * 2 < TLS_CERT_PIN_MAX_FILE + 1
			    ? want * 2
			    : TLS_CERT_PIN_MAX_FILE + 1;
			buf = xrealloc(buf, want);
		}
		n = read(fd, buf + have, want - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			free(buf);
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	*text = buf;
	*len = have;
	return 0;
}

/* Look the fingerprint up in the pin file at path. */
int
tls_cert_pin_lookup(const char *path, const char *key, const char *fingerprint)
{
	char *text;
	size_t len;
	int found;

	if (path == NULL || tls_cert_read(path, &text, &len) == -1)
		return 0;
	found = tls_cert_pins_match(text, len, key, fingerprint);
	free(text);
	return found;
}

/* Write all of len bytes to fd. */
static int
tls_cert_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so the rename survives a crash. */
static void
tls_cert_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		/* Best effort: the data itself is already on disk. */
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Build the new file text: the old lines but pins for key, then ours
 * (fp is the normalised form, 64 hex digits). */
static char *
tls_cert_pin_text(const char *old, size_t oldlen, const char *key,
    const char *fp, size_t *outlen)
{
	const char *line, *end, *k;
	char norm[65];
	size_t keylen, n = 0, cap, i;
	char *out;

	cap = oldlen + strlen(key) + TLS_CERT_FINGERPRINT_SIZE + 128;
	out = xmalloc(cap);
	if (old == NULL) {
		n = (size_t)snprintf(out, cap,
		    "# tern: server certificates trusted by fingerprint.\n"
		    "# host:port sha256:FINGERPRINT\n");
	}
	line = old;
	while (old != NULL && line < old + oldlen) {
		end = memchr(line, '\n', (size_t)(old + oldlen - line));
		if (end == NULL)
			end = old + oldlen;
		if (tls_cert_parse_pin(
			line, (size_t)(end - line), &k, &keylen, norm) == -1 ||
		    !tls_cert_key_equal(k, keylen, key)) {
			memcpy(out + n, line, (size_t)(end - line));
			n += (size_t)(end - line);
			out[n++] = '\n';
		}
		line = end + 1;
	}
	n += (size_t)snprintf(out + n, cap - n, "%s sha256:", key);
	/* Written the way openssl x509 -fingerprint shows it. */
	for (i = 0; i < 64; i += 2) {
		n += (size_t)snprintf(out + n, cap - n, "%c%c%s", fp[i],
		    fp[i + 1], i + 2 < 64 ? ":" : "\n");
	}
	*outlen = n;
	return out;
}

/* Add a pin to the file at path; see tls_cert.h. */
int
tls_cert_pin_add(
    const char *path, const char *key, const char *fingerprint, char **err)
{
	char *old = NULL, *text, *tmp;
	char norm[65];
	size_t oldlen = 0, len;
	int fd, e;

	*err = NULL;
	if (tls_cert_fp_normalise(fingerprint, strlen(fingerprint), norm) ==
		-1 ||
	    key[0] == '\0' || strpbrk(key, " \t\r\n#") != NULL) {
		*err = xasprintf("%s: refusing a malformed pin", path);
		return -1;
	}
	if (tls_cert_read(path, &old, &oldlen) == -1) {
		if (errno != ENOENT) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			return -1;
		}
		old = NULL;
	} else if (oldlen > TLS_CERT_PIN_MAX_FILE) {
		free(old);
		*err = xasprintf("%s: file is too large", path);
		return -1;
	}
	text = tls_cert_pin_text(old, oldlen, key, norm, &len);
	free(old);

	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd == -1) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		free(text);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || tls_cert_write_all(fd, text, len) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		*err = xasprintf("%s: %s", tmp, strerror(e));
		free(tmp);
		free(text);
		return -1;
	}
	free(text);
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		*err = xasprintf("%s: %s", path, strerror(e));
		free(tmp);
		return -1;
	}
	free(tmp);
	tls_cert_sync_dir(path);
	return 0;
}
