/*
 * test_transport.c - the network transport (net/transport.c) and the
 * certificate helpers (net/tls_cert.c), against a real private Dovecot.
 *
 * main() starts tests/server/fixture.py in a short temporary directory and
 * forks a watchdog that stops it (and removes the directory) when this
 * process ends, however it ends: an assertion aborts the process, and the
 * Dovecot must not outlive it.  Every test runs a real event loop and
 * waits for conditions with a deadline; nothing sleeps a fixed time.
 *
 * Pure helpers first (pin file parsing, certificate description), then
 * refusals, then connections: plain, implicit TLS, STARTTLS/STLS,
 * compression, the certificate question, timeouts, the hostile server.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "tls_cert.h"
#include "transport.h"
#include "testutil.h"

#define WAIT_MS 15000

/* The fixture every connection test talks to. */
static struct {
	char *srcdir;
	char *dir;
	char *script;
	unsigned imap, imaps, pop3, pop3s;
	char *ca_file;
	char *server_cert;
	char *server_key;
	char *ca_key;
	char *password; /* alice's */
	int zlib;
	char *fingerprint; /* of server.pem, as openssl x509 prints it */
	int watchdog; /* write end of the watchdog's pipe */
	int started;
} fx = { .watchdog = -1 };

/* ------------------------------------------------------------ fixture */

/* Start the private Dovecot and learn its ports, CA and certificate. */
static void
fixture_start(void)
{
	char *json, *path, *zlib, *out, *eq;
	char *start[] = { "python3", NULL, "start", NULL, NULL };
	char *populate[] = { "python3", NULL, "populate", NULL, "alice",
		"--count", "300", NULL };
	char *fpr[] = { "openssl", "x509", "-in", NULL, "-noout",
		"-fingerprint", "-sha256", NULL };
	GError *error = NULL;

	fx.srcdir = g_strdup(
	    g_getenv("TERN_SRCDIR") != NULL ? g_getenv("TERN_SRCDIR") : ".");
	fx.script =
	    g_build_filename(fx.srcdir, "tests", "server", "fixture.py", NULL);
	/* Short: Dovecot's sockets live under it (sun_path is small). */
	fx.dir = g_dir_make_tmp("tern-tt-XXXXXX", &error);
	if (fx.dir == NULL)
		g_error("mkdtemp: %s", error->message);
	fx.watchdog = testutil_watchdog(fx.script, fx.dir);

	/* Mail first, so the compressed FETCH has something to carry. */
	populate[1] = fx.script;
	populate[3] = fx.dir;
	g_free(testutil_run_capture(populate));
	start[1] = fx.script;
	start[3] = fx.dir;
	g_free(testutil_run_capture(start));
	fx.started = 1;

	path = g_build_filename(fx.dir, "fixture.json", NULL);
	if (!g_file_get_contents(path, &json, NULL, &error))
		g_error("%s: %s", path, error->message);
	g_free(path);
	fx.imap = testutil_json_port(json, "imap_port");
	fx.imaps = testutil_json_port(json, "imaps_port");
	fx.pop3 = testutil_json_port(json, "pop3_port");
	fx.pop3s = testutil_json_port(json, "pop3s_port");
	fx.ca_file = testutil_json_value(json, "ca_file");
	fx.server_cert = testutil_json_value(json, "server_cert");
	fx.server_key = g_build_filename(fx.dir, "server.key", NULL);
	fx.ca_key = testutil_json_value(json, "ca_key");
	fx.password = testutil_json_value(json, "alice");
	zlib = testutil_json_value(json, "zlib");
	fx.zlib = strcmp(zlib, "true") == 0;
	g_free(zlib);
	g_free(json);

	fpr[3] = fx.server_cert;
	out = testutil_run_capture(fpr);
	eq = strchr(out, '=');
	g_assert_nonnull(eq);
	fx.fingerprint = g_strstrip(g_strdup(eq + 1));
	g_free(out);
}

/* Stop the fixture now and tell the watchdog it has nothing to do. */
static void
fixture_stop(void)
{
	char *stop[] = { "python3", fx.script, "stop", fx.dir, NULL };
	char *rm[] = { "rm", "-rf", fx.dir, NULL };

	if (fx.started)
		g_free(testutil_run_capture(stop));
	g_free(testutil_run_capture(rm));
	if (write(fx.watchdog, "x", 1) != 1)
		g_warning("watchdog: %s", g_strerror(errno));
	close(fx.watchdog);
	g_free(fx.srcdir);
	g_free(fx.script);
	g_free(fx.dir);
	g_free(fx.ca_file);
	g_free(fx.server_cert);
	g_free(fx.server_key);
	g_free(fx.ca_key);
	g_free(fx.password);
	g_free(fx.fingerprint);
}

/* ------------------------------------------------------------ harness */

/* One connection under test and everything its callbacks saw. */
struct conn {
	struct event_base *base;
	struct transport *t;
	int in_call; /* a transport_* call is running: callbacks must not */
	GString *seq; /* callbacks in order: c t d q i e */
	int connected, tls_ready, questions, datas, errors;
	enum transport_error error;
	char *errmsg;
	/* The certificate question. */
	const struct tls_cert *cert; /* borrowed until answered */
	char *fingerprint;
	unsigned problems;
	enum tls_cert_problem reason;
	int always;
	char *formatted;
	int answer_in_cb; /* -1: answer later */
	/* Input. */
	GPtrArray *lines;
	guint seen; /* lines already waited for */
	int raw;
	GString *bytes; /* raw mode: every byte */
	size_t max_seen; /* most input seen at once */
	const char *starttls_tag; /* on a line with this prefix: STARTTLS */
	const char *compress_tag;
	int free_in_data;
	int free_in_connected;
	/* STARTTLS injection. */
	size_t injected_total;
	GString *injected;
};

/* Fire the named callback's bookkeeping; callbacks never run inside a
 * call the test made. */
static struct conn *
conn_event(void *arg, char what)
{
	struct conn *c = arg;

	g_assert_false(c->in_call);
	g_string_append_c(c->seq, what);
	return c;
}

static void
on_connected(struct transport *t, void *arg)
{
	struct conn *c = conn_event(arg, 'c');

	c->connected++;
	if (c->free_in_connected) {
		transport_free(t);
		c->t = NULL;
	}
}

static void
on_tls_ready(struct transport *t, void *arg)
{
	struct conn *c = conn_event(arg, 't');

	(void)t;
	c->tls_ready++;
}

/* Take a line; act on it if the test asked for STARTTLS/COMPRESS on it.
 * TRUE when the rest of the input must not be parsed now. */
static gboolean
conn_line(struct conn *c, char *line)
{
	int r;

	g_ptr_array_add(c->lines, line);
	if (c->starttls_tag != NULL &&
	    g_str_has_prefix(line, c->starttls_tag)) {
		c->starttls_tag = NULL;
		c->in_call = 1;
		r = transport_start_tls(c->t);
		c->in_call = 0;
		g_assert_cmpint(r, ==, 0);
		return TRUE;
	}
	if (c->compress_tag != NULL &&
	    g_str_has_prefix(line, c->compress_tag)) {
		c->compress_tag = NULL;
		g_assert_true(strstr(line, " OK") != NULL);
		c->in_call = 1;
		r = transport_start_compress(c->t);
		c->in_call = 0;
		g_assert_cmpint(r, ==, 0);
		return TRUE;
	}
	return FALSE;
}

static void
on_data(struct transport *t, void *arg)
{
	struct conn *c = conn_event(arg, 'd');
	struct evbuffer *in = transport_input(t);
	size_t len = evbuffer_get_length(in);
	char *line;

	c->datas++;
	g_assert_cmpuint(len, >, 0);
	if (len > c->max_seen)
		c->max_seen = len;
	if (c->free_in_data) {
		transport_free(t);
		c->t = NULL;
		return;
	}
	if (c->raw) {
		char buf[4096];
		int n;

		while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0)
			g_string_append_len(c->bytes, buf, n);
		return;
	}
	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (conn_line(c, line))
			return;
	}
}

static void
on_question(struct transport *t, const struct tls_cert *cert, void *arg)
{
	struct conn *c = conn_event(arg, 'q');
	int r;

	c->questions++;
	c->cert = cert;
	g_free(c->fingerprint);
	c->fingerprint = g_strdup(cert->fingerprint);
	c->problems = cert->problems;
	c->reason = cert->reason;
	c->always = cert->always_allowed;
	free(c->formatted);
	c->formatted = tls_cert_format(cert);
	if (c->answer_in_cb >= 0) {
		c->in_call = 1;
		r = transport_cert_answer(t, c->answer_in_cb);
		c->in_call = 0;
		g_assert_cmpint(r, ==, 0);
		/* Acted on later, from the loop. */
		g_assert_cmpint(c->tls_ready, ==, 0);
		g_assert_cmpint(c->errors, ==, 0);
	}
}

static void
on_injected(struct transport *t, const void *bytes, size_t shown, size_t total,
    void *arg)
{
	struct conn *c = conn_event(arg, 'i');

	(void)t;
	c->injected_total += total;
	g_string_append_len(c->injected, bytes, (gssize)shown);
}

static void
on_error(
    struct transport *t, enum transport_error error, const char *msg, void *arg)
{
	struct conn *c = conn_event(arg, 'e');

	(void)t;
	c->errors++;
	c->error = error;
	g_free(c->errmsg);
	c->errmsg = g_strdup(msg);
}

static const struct transport_cbs conn_cbs = {
	.connected = on_connected,
	.tls_ready = on_tls_ready,
	.data = on_data,
	.cert_question = on_question,
	.injected = on_injected,
	.error = on_error,
};

/* A config for the fixture on 127.0.0.1: port and mode, CA trusted,
 * verified as "localhost". */
static struct transport_config
conn_config(unsigned port, enum transport_mode mode)
{
	struct transport_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.host = "127.0.0.1";
	cfg.port = port;
	cfg.mode = mode;
	cfg.server_name = "localhost";
	cfg.ca_file = fx.ca_file;
	cfg.connect_timeout_ms = 5000;
	cfg.tls_timeout_ms = 5000;
	return cfg;
}

/* Set up c and its transport (not connected yet). */
static void
conn_init(
    struct conn *c, struct event_base *base, const struct transport_config *cfg)
{
	char *err = NULL;

	memset(c, 0, sizeof *c);
	c->base = base;
	c->seq = g_string_new(NULL);
	c->lines = g_ptr_array_new_with_free_func(free);
	c->bytes = g_string_new(NULL);
	c->injected = g_string_new(NULL);
	c->answer_in_cb = -1;
	c->t = transport_new(base, cfg, &conn_cbs, c, &err);
	g_assert_null(err);
	g_assert_nonnull(c->t);
}

/* Connect; nothing may be reported from inside the call. */
static void
conn_connect(struct conn *c)
{
	int r;

	c->in_call = 1;
	r = transport_connect(c->t);
	c->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpstr(c->seq->str, ==, "");
}

/* Write a command line (CRLF added). */
static void
conn_send(struct conn *c, const char *line)
{
	int r;

	c->in_call = 1;
	r = transport_printf(c->t, "%s\r\n", line);
	c->in_call = 0;
	g_assert_cmpint(r, ==, 0);
}

/* Free the transport and everything the callbacks collected. */
static void
conn_clear(struct conn *c)
{
	transport_free(c->t);
	c->t = NULL;
	g_string_free(c->seq, TRUE);
	g_ptr_array_free(c->lines, TRUE);
	g_string_free(c->bytes, TRUE);
	g_string_free(c->injected, TRUE);
	g_free(c->errmsg);
	g_free(c->fingerprint);
	free(c->formatted);
}

static gboolean
int_set(void *arg)
{
	return *(int *)arg != 0;
}

/* Wait until the counter is non-zero. */
static void
wait_for(struct conn *c, int *counter)
{
	if (!testutil_wait_until(c->base, int_set, counter, WAIT_MS))
		g_error("timed out waiting; events so far \"%s\", error %s",
		    c->seq->str, c->errmsg ? c->errmsg : "none");
}

struct line_wait {
	struct conn *c;
	const char *prefix;
	guint found;
};

static gboolean
line_arrived(void *arg)
{
	struct line_wait *w = arg;
	guint i;

	for (i = w->c->seen; i < w->c->lines->len; i++) {
		if (g_str_has_prefix(w->c->lines->pdata[i], w->prefix)) {
			w->found = i + 1;
			return TRUE;
		}
	}
	return w->c->errors > 0;
}

/* Wait for a line starting with prefix (after those already waited for). */
static const char *
wait_line(struct conn *c, const char *prefix)
{
	struct line_wait w = { c, prefix, 0 };

	testutil_wait_until(c->base, line_arrived, &w, WAIT_MS);
	if (w.found == 0)
		g_error("no line \"%s\"; events \"%s\", error %s", prefix,
		    c->seq->str, c->errmsg ? c->errmsg : "none");
	c->seen = w.found;
	return c->lines->pdata[w.found - 1];
}

/* The callbacks so far match the regular expression. */
static void
assert_seq(struct conn *c, const char *re)
{
	if (!g_regex_match_simple(re, c->seq->str, 0, 0))
		g_error("callbacks \"%s\" do not match %s", c->seq->str, re);
}

/* Turn the loop a few times without blocking. */
static void
spin(struct event_base *base)
{
	int i;

	for (i = 0; i < 10; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* A TCP port on 127.0.0.1 nobody listens on: bound, never listening, so
 * connections are refused and nobody else can take it meanwhile. */
static int
closed_port(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	g_assert_cmpint(fd, >=, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A listener that never accepts and never speaks: the kernel completes
 * the handshake from its backlog, and then nothing happens. */
static int
silent_port(unsigned *port, int backlog)
{
	int fd = closed_port(port);

	g_assert_cmpint(listen(fd, backlog), ==, 0);
	return fd;
}

/* A temporary directory for pin files and the like, inside the fixture's
 * so that the watchdog removes it even when a test aborts. */
static char *
tmp_dir(void)
{
	char *d = g_build_filename(fx.dir, "tmp-XXXXXX", NULL);

	if (g_mkdtemp(d) == NULL)
		g_error("mkdtemp %s: %s", d, g_strerror(errno));
	return d;
}

/* Remove a temporary directory and the files in it. */
static void
tmp_dir_remove(char *d)
{
	const char *name;
	char *path;
	GDir *dir;

	dir = g_dir_open(d, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		path = g_build_filename(d, name, NULL);
		g_unlink(path);
		g_free(path);
	}
	if (dir != NULL)
		g_dir_close(dir);
	g_rmdir(d);
	g_free(d);
}

/* ------------------------------------------------------- pure helpers */

static void
test_pin_key(void)
{
	static const struct {
		const char *host;
		unsigned port;
		const char *key;
	} cases[] = {
		{ "", 1, ":1" },
		{ "LocalHost", 993, "localhost:993" },
		{ "127.0.0.1", 10993, "127.0.0.1:10993" },
		{ "::1", 995, "[::1]:995" },
		{ "IMAP.Example.COM", 143, "imap.example.com:143" },
	};
	char *key;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		key = tls_cert_pin_key(cases[i].host, cases[i].port);
		g_assert_cmpstr(key, ==, cases[i].key);
		free(key);
	}
}

#define FP \
	"86:F1:2B:91:CE:9D:B2:7B:F7:0F:30:D4:98:19:C9:4D:2F:D7:3E:B6:29:8C:" \
	"4A:74:0D:70:3B:7C:4C:CD:C6:35"
#define FP_BARE \
	"86f12b91ce9db27bf70f30d49819c94d2fd73eb6298c4a740d703b7c4ccdc635"

static void
test_pins_match(void)
{
	static const struct {
		const char *text;
		int match;
	} cases[] = {
		{ "", 0 },
		{ "\n\n\n", 0 },
		{ "# localhost:993 sha256:" FP "\n", 0 },
		{ "localhost:993", 0 },
		{ "localhost:993 ", 0 },
		{ "localhost:993 sha256:", 0 },
		{ "localhost:993 sha1:" FP "\n", 0 },
		{ "localhost:993 " FP "\n", 0 },
		{ "localhost:994 sha256:" FP "\n", 0 },
		{ "localhost:99 sha256:" FP "\n", 0 },
		{ "localhost:993 sha256:" FP " extra\n", 0 },
		{ "localhost:993 sha256:" FP "00\n", 0 },
		{ "localhost:993 sha256:" FP_BARE "0\n", 0 },
		{ "localhost:993 sha256:" FP_BARE "x\n", 0 },
		{ "localhost:993 sha256:86:F1:2B\n", 0 },
		{ "localhost:993 sha256:" FP, 1 },
		{ "localhost:993 sha256:" FP "\n", 1 },
		{ "localhost:993 sha256:" FP "\r\n", 1 },
		{ "  localhost:993\t\tsha256:" FP "  \n", 1 },
		{ "LOCALHOST:993 SHA256:" FP_BARE "\n", 1 },
		{ "# pins\nother:1 sha256:" FP "\nlocalhost:993 sha256:" FP_BARE
		  "\n",
		    1 },
		{ "garbage line\nlocalhost:993 sha256:" FP "\n", 1 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("case %zu: %s", i, cases[i].text);
		g_assert_cmpint(tls_cert_pins_match(cases[i].text,
				    strlen(cases[i].text), "localhost:993", FP),
		    ==, cases[i].match);
	}
	/* A NUL inside a line, and a line longer than the bound, never pin. */
	{
		const char nul[] = "localhost:993\0 sha256:" FP "\n";
		GString *s = g_string_new("localhost:993 sha256:" FP);

		g_assert_cmpint(tls_cert_pins_match(
				    nul, sizeof nul - 1, "localhost:993", FP),
		    ==, 0);
		g_string_append_c_inline(s, ' ');
		while (s->len <= TLS_CERT_PIN_MAX_LINE)
			g_string_append_c(s, ' ');
		g_assert_cmpint(
		    tls_cert_pins_match(s->str, s->len, "localhost:993", FP),
		    ==, 0);
		g_string_free(s, TRUE);
	}
	/* Our fingerprint must itself be one. */
	g_assert_cmpint(tls_cert_pins_match("k sha256:" FP, 9 + strlen(FP), "k",
			    "not a fingerprint"),
	    ==, 0);
}

/* The DER of a PEM certificate file. */
static GBytes *
der_of(const char *pem_path)
{
	unsigned char *der = NULL;
	X509 *x;
	FILE *f;
	int len;
	GBytes *b;

	f = fopen(pem_path, "r");
	g_assert_nonnull(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	g_assert_nonnull(x);
	len = i2d_X509(x, &der);
	g_assert_cmpint(len, >, 0);
	b = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	X509_free(x);
	return b;
}

static void
test_cert_describe(void)
{
	static const struct {
		int x509_error;
		unsigned problem;
	} errors[] = {
		{ 0, TLS_CERT_OTHER },
		{ X509_V_ERR_HOSTNAME_MISMATCH, TLS_CERT_BAD_NAME },
		{ X509_V_ERR_IP_ADDRESS_MISMATCH, TLS_CERT_BAD_NAME },
		{ X509_V_ERR_CERT_HAS_EXPIRED, TLS_CERT_EXPIRED },
		{ X509_V_ERR_CERT_NOT_YET_VALID, TLS_CERT_NOT_YET_VALID },
		{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
		    TLS_CERT_SELF_SIGNED },
		{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
		    TLS_CERT_UNKNOWN_ISSUER },
		{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
		    TLS_CERT_UNKNOWN_ISSUER },
		{ X509_V_ERR_CERT_REVOKED, TLS_CERT_OTHER },
	};
	struct tls_cert *cert;
	GBytes *der;
	const unsigned char *p;
	gsize len;
	char *s, **lines;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(errors); i++)
		g_assert_cmpuint(
		    tls_cert_problem_from_error(errors[i].x509_error), ==,
		    errors[i].problem);

	/* Not a certificate. */
	g_assert_null(tls_cert_from_der(NULL, 0, "h:1", "h", 0, NULL));
	g_assert_null(tls_cert_from_der(
	    (const unsigned char *)"garbage", 7, "h:1", "h", 0, NULL));

	der = der_of(fx.server_cert);
	p = g_bytes_get_data(der, &len);
	/* Cut short. */
	g_assert_null(tls_cert_from_der(p, len / 2, "h:1", "h", 0, NULL));

	cert = tls_cert_from_der(p, len, "127.0.0.1:993", "localhost",
	    TLS_CERT_UNKNOWN_ISSUER, NULL);
	g_assert_nonnull(cert);
	g_assert_cmpstr(cert->fingerprint, ==, fx.fingerprint);
	g_assert_cmpstr(cert->subject, ==, "CN = localhost");
	g_assert_cmpstr(cert->issuer, ==, "CN = tern test CA");
	g_assert_true(g_str_has_suffix(cert->not_after, " UTC"));
	g_assert_cmpint(cert->not_after_time, >, cert->not_before_time);
	g_assert_cmpint(cert->reason, ==, TLS_CERT_UNKNOWN_ISSUER);
	g_assert_true(cert->always_allowed);
	s = tls_cert_format(cert);
	lines = g_strsplit(s, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 7); /* six and "" */
	g_assert_cmpstr(lines[0], ==,
	    "127.0.0.1:993: certificate for localhost is not trusted "
	    "(unknown issuer)");
	g_assert_true(strstr(s, "subject:     CN = localhost\n") != NULL);
	g_assert_true(strstr(s, "issuer:      CN = tern test CA\n") != NULL);
	g_assert_true(strstr(s, fx.fingerprint) != NULL);
	g_strfreev(lines);
	free(s);
	tls_cert_free(cert);

	/* Wrong name and expired: the name comes first, and no pinning. */
	cert = tls_cert_from_der(p, len, "h:1", "wrong.example",
	    TLS_CERT_EXPIRED | TLS_CERT_BAD_NAME | TLS_CERT_OTHER,
	    "certificate revoked");
	g_assert_nonnull(cert);
	g_assert_cmpint(cert->reason, ==, TLS_CERT_BAD_NAME);
	g_assert_false(cert->always_allowed);
	s = tls_cert_problems_text(cert);
	g_assert_cmpstr(s, ==, "wrong host name, expired, certificate revoked");
	free(s);
	tls_cert_free(cert);
	g_bytes_unref(der);
	tls_cert_free(NULL);
}

static void
test_cert_hostile_names(void)
{
	char *path, *s;
	gchar *der;
	gsize len, i;
	struct tls_cert *cert;

	/* A subject with ESC [31m, BEL and UTF-8 in it. */
	path = g_build_filename(fx.srcdir, "tests", "fuzz", "corpus",
	    "tls_cert", "evil-name.der", NULL);
	g_assert_true(g_file_get_contents(path, &der, &len, NULL));
	cert = tls_cert_from_der(
	    (const unsigned char *)der, len, "h:1", "h", 0, NULL);
	g_assert_nonnull(cert);
	g_assert_true(strstr(cert->subject, "evil") != NULL);
	s = tls_cert_format(cert);
	for (i = 0; s[i] != '\0'; i++)
		g_assert_true((s[i] >= 0x20 && s[i] <= 0x7e) || s[i] == '\n');
	g_assert_true(g_str_has_prefix(s, "h:1: certificate for h is trusted"));
	free(s);
	tls_cert_free(cert);
	g_free(der);
	g_free(path);
}

static void
test_pin_file(void)
{
	char *d = tmp_dir(), *path, *err = NULL, *text;
	const char *other = "other.example:993 sha256:" FP_BARE "\n";
	const char *fp2 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
			  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	struct stat st;

	path = g_build_filename(d, "certificates", NULL);
	/* No file pins nothing. */
	g_assert_cmpint(tls_cert_pin_lookup(path, "localhost:993", FP), ==, 0);
	g_assert_cmpint(tls_cert_pin_lookup(NULL, "localhost:993", FP), ==, 0);

	/* Refusals. */
	g_assert_cmpint(
	    tls_cert_pin_add(path, "localhost:993", "xyz", &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	g_assert_cmpint(
	    tls_cert_pin_add(path, "local host:993", FP, &err), ==, -1);
	free(err);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	/* A first pin creates the file, owner-only. */
	g_assert_cmpint(
	    tls_cert_pin_add(path, "localhost:993", FP_BARE, &err), ==, 0);
	g_assert_null(err);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(tls_cert_pin_lookup(path, "localhost:993", FP), ==, 1);
	g_assert_cmpint(tls_cert_pin_lookup(path, "localhost:995", FP), ==, 0);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	/* Written the way openssl x509 -fingerprint shows it. */
	g_assert_true(strstr(text, "localhost:993 sha256:" FP "\n") != NULL);
	g_free(text);

	/* Other lines survive; a new pin for the key replaces the old. */
	g_assert_true(g_file_set_contents(path, other, -1, NULL));
	g_assert_cmpint(
	    tls_cert_pin_add(path, "localhost:993", FP, &err), ==, 0);
	g_assert_cmpint(
	    tls_cert_pin_add(path, "LOCALHOST:993", fp2, &err), ==, 0);
	g_assert_cmpint(tls_cert_pin_lookup(path, "localhost:993", FP), ==, 0);
	g_assert_cmpint(tls_cert_pin_lookup(path, "localhost:993", fp2), ==, 1);
	g_assert_cmpint(
	    tls_cert_pin_lookup(path, "other.example:993", FP), ==, 1);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);

	/* A directory that does not exist: an error naming the path. */
	g_free(path);
	path = g_build_filename(d, "missing", "certificates", NULL);
	g_assert_cmpint(
	    tls_cert_pin_add(path, "localhost:993", FP, &err), ==, -1);
	g_assert_true(strstr(err, "missing") != NULL);
	free(err);
	g_free(path);
	tmp_dir_remove(d);
}

/* --------------------------------------------------------- refusals */

static void
test_config_errors(void)
{
	static const struct {
		const char *host;
		unsigned port;
		int mode;
		const char *server_name;
		const char *ca_file;
		int timeout;
		const char *want;
	} cases[] = {
		{ NULL, 143, TRANSPORT_PLAIN, NULL, NULL, 0, "host" },
		{ "", 143, TRANSPORT_PLAIN, NULL, NULL, 0, "host" },
		{ "a b", 143, TRANSPORT_PLAIN, NULL, NULL, 0, "host" },
		{ "a\033b", 143, TRANSPORT_PLAIN, NULL, NULL, 0, "host" },
		{ "localhost", 0, TRANSPORT_PLAIN, NULL, NULL, 0, "port 0" },
		{ "localhost", 70000, TRANSPORT_PLAIN, NULL, NULL, 0,
		    "port 70000" },
		{ "localhost", 143, 42, NULL, NULL, 0, "mode" },
		{ "localhost", 143, TRANSPORT_TLS_STARTTLS, "bad name", NULL, 0,
		    "server name" },
		{ "localhost", 143, TRANSPORT_PLAIN, NULL, NULL, -1,
		    "timeout" },
		{ "localhost", 993, TRANSPORT_TLS_IMPLICIT, NULL,
		    "/nonexistent/ca.pem", 0,
		    "cannot load CA file /nonexistent/ca.pem: No such file" },
	};
	struct transport_config cfg;
	struct event_base *base = event_base_new();
	struct transport *t;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.host = cases[i].host;
		cfg.port = cases[i].port;
		cfg.mode = cases[i].mode;
		cfg.server_name = cases[i].server_name;
		cfg.ca_file = cases[i].ca_file;
		cfg.idle_timeout_ms = cases[i].timeout;
		t = transport_new(base, &cfg, &conn_cbs, NULL, &err);
		g_assert_null(t);
		g_assert_nonnull(err);
		g_test_message("%s", err);
		g_assert_true(strstr(err, cases[i].want) != NULL);
		free(err);
	}
	/* No error callback, no base. */
	memset(&cfg, 0, sizeof cfg);
	cfg.host = "localhost";
	cfg.port = 143;
	{
		struct transport_cbs none = { 0 };

		g_assert_null(transport_new(base, &cfg, &none, NULL, &err));
		free(err);
		g_assert_null(transport_new(NULL, &cfg, &conn_cbs, NULL, &err));
		free(err);
	}
	/* A CA file only matters with TLS. */
	cfg.mode = TRANSPORT_PLAIN;
	cfg.ca_file = "/nonexistent/ca.pem";
	t = transport_new(base, &cfg, &conn_cbs, NULL, &err);
	g_assert_nonnull(t);
	transport_free(t);
	event_base_free(base);
}

static void
test_misuse(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg = conn_config(fx.imap, TRANSPORT_PLAIN);
	struct transport_tls_info info;
	struct conn c;
	char *peer;

	transport_free(NULL);
	transport_close(NULL);
	conn_init(&c, base, &cfg);
	/* Nothing works before connecting. */
	g_assert_cmpint(transport_write(c.t, "x", 1), ==, -1);
	g_assert_cmpint(transport_printf(c.t, "x"), ==, -1);
	g_assert_cmpint(transport_start_tls(c.t), ==, -1);
	g_assert_cmpint(transport_start_compress(c.t), ==, -1);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ONCE), ==, -1);
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, -1);
	g_assert_false(transport_is_tls(c.t));
	peer = g_strdup_printf("127.0.0.1:%u", fx.imap);
	g_assert_cmpstr(transport_peer(c.t), ==, peer);
	g_free(peer);
	g_assert_cmpstr(transport_address(c.t), ==, "");
	conn_connect(&c);
	g_assert_cmpint(transport_connect(c.t), ==, -1);
	wait_line(&c, "* OK");
	/* Plaintext mode never starts TLS. */
	g_assert_cmpint(transport_start_tls(c.t), ==, -1);
	g_assert_cmpstr(transport_address(c.t), ==, "127.0.0.1");
	/* Closing silences it for good. */
	transport_close(c.t);
	transport_close(c.t);
	g_assert_cmpint(transport_write(c.t, "x", 1), ==, -1);
	spin(base);
	g_assert_cmpint(c.errors, ==, 0);
	conn_clear(&c);
	event_base_free(base);
}

/* ------------------------------------------------------ connections */

static void
test_refused(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct conn c;
	unsigned port;
	int fd = closed_port(&port);
	gint64 t0 = g_get_monotonic_time();
	char *want;

	cfg = conn_config(port, TRANSPORT_TLS_IMPLICIT);
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CONNECT);
	want = g_strdup_printf("127.0.0.1:%u: cannot connect: 127.0.0.1: "
			       "Connection refused",
	    port);
	g_assert_cmpstr(c.errmsg, ==, want);
	g_assert_cmpstr(c.seq->str, ==, "e");
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
	g_free(want);
	conn_clear(&c);
	close(fd);
	event_base_free(base);
}

/* A resolver that knows only the names in hosts (text). */
static struct evdns_base *
hosts_resolver(struct event_base *base, const char *dir, const char *hosts)
{
	char *path = g_build_filename(dir, "hosts", NULL);
	struct evdns_base *dns;

	g_assert_true(g_file_set_contents(path, hosts, -1, NULL));
	dns = evdns_base_new(base, 0);
	g_assert_nonnull(dns);
	g_assert_cmpint(evdns_base_load_hosts(dns, path), ==, 0);
	g_free(path);
	return dns;
}

static void
test_every_address(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct evdns_base *dns;
	struct conn c;
	char *d = tmp_dir();
	unsigned port;
	int fd = closed_port(&port);

	/* Every address refuses: the error names each one tried. */
	dns = hosts_resolver(base, d,
	    "127.0.0.2 multi.test\n::1 multi.test\n127.0.0.3 multi.test\n");
	cfg = conn_config(port, TRANSPORT_PLAIN);
	cfg.host = "multi.test";
	cfg.dns = dns;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_test_message("%s", c.errmsg);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CONNECT);
	g_assert_true(g_str_has_prefix(c.errmsg, "multi.test:"));
	g_assert_true(strstr(c.errmsg, "127.0.0.2: ") != NULL);
	g_assert_true(strstr(c.errmsg, "127.0.0.3: ") != NULL);
	g_assert_true(strstr(c.errmsg, "[::1]: ") != NULL);
	conn_clear(&c);
	evdns_base_free(dns, 0);

	/* The first refuses, the second answers. */
	dns =
	    hosts_resolver(base, d, "127.0.0.2 two.test\n127.0.0.1 two.test\n");
	cfg = conn_config(fx.imap, TRANSPORT_PLAIN);
	cfg.host = "two.test";
	cfg.dns = dns;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	g_assert_cmpstr(transport_address(c.t), ==, "127.0.0.1");
	g_assert_cmpstr(c.seq->str, ==, "cd");
	conn_clear(&c);
	evdns_base_free(dns, 0);

	/* A name nobody can resolve times out with its own message. */
	dns = evdns_base_new(base, 0);
	cfg.host = "nowhere.test";
	cfg.dns = dns;
	cfg.connect_timeout_ms = 200;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_TIMEOUT);
	g_assert_true(strstr(c.errmsg,
			  "resolving nowhere.test timed out "
			  "after 200 ms") != NULL);
	conn_clear(&c);
	spin(base);
	evdns_base_free(dns, 0);

	close(fd);
	tmp_dir_remove(d);
	event_base_free(base);
}

static void
test_imaps(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct transport_tls_info info;
	struct conn c;

	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.tls_ready);
	g_assert_cmpint(transport_write(c.t, "", 0), ==, 0);
	wait_line(&c, "* OK");
	g_assert_cmpstr(c.seq->str, ==, "ctd");
	g_assert_true(transport_is_tls(c.t));
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, 0);
	g_test_message("%s %s %d", info.protocol, info.cipher, info.bits);
	g_assert_true(g_str_has_prefix(info.protocol, "TLSv1."));
	g_assert_cmpstr(info.protocol, !=, "TLSv1.1");
	g_assert_cmpstr(info.protocol, !=, "TLSv1");
	g_assert_cmpuint(strlen(info.cipher), >, 0);
	g_assert_cmpint(info.bits, >=, 128);
	g_assert_cmpint(info.trust, ==, TRANSPORT_TRUST_VERIFIED);
	g_assert_cmpstr(info.cert->subject, ==, "CN = localhost");
	g_assert_cmpuint(info.cert->problems, ==, 0);

	conn_send(&c, "a CAPABILITY");
	g_assert_true(
	    strstr(wait_line(&c, "* CAPABILITY"), "AUTH=PLAIN") != NULL);
	wait_line(&c, "a OK");
	/* The server's goodbye arrives before the end of the stream. */
	conn_send(&c, "z LOGOUT");
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CLOSED);
	wait_line(&c, "z OK");
	g_assert_true(g_str_has_suffix(c.seq->str, "de"));
	g_assert_false(transport_is_tls(c.t));
	g_assert_cmpint(transport_write(c.t, "x", 1), ==, -1);
	conn_clear(&c);
	event_base_free(base);
}

static void
test_resolve_localhost(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct transport_tls_info info;
	struct conn c;
	char *peer;

	/* By name through the built-in resolver (/etc/hosts), verified
	 * against the same name. */
	cfg.host = "localhost";
	cfg.server_name = NULL;
	conn_init(&c, base, &cfg);
	peer = g_strdup_printf("localhost:%u", fx.imaps);
	g_assert_cmpstr(transport_peer(c.t), ==, peer);
	g_free(peer);
	conn_connect(&c);
	wait_line(&c, "* OK");
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, 0);
	g_assert_cmpint(info.trust, ==, TRANSPORT_TRUST_VERIFIED);
	conn_clear(&c);
	spin(base);
	event_base_free(base);
}

static void
test_imap_starttls(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imap, TRANSPORT_TLS_STARTTLS);
	const char *caps;
	struct conn c;

	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	g_assert_false(transport_is_tls(c.t));
	conn_send(&c, "a STARTTLS");
	/* Not sent yet (the loop has not turned): TLS must wait. */
	g_assert_cmpint(transport_start_tls(c.t), ==, -1);
	c.starttls_tag = "a ";
	wait_for(&c, &c.tls_ready);
	g_assert_true(
	    g_str_has_prefix(c.lines->pdata[c.lines->len - 1], "a OK"));
	g_assert_true(transport_is_tls(c.t));
	g_assert_cmpuint(c.injected_total, ==, 0);
	/* No second STARTTLS, no plaintext writes during the handshake. */
	g_assert_cmpint(transport_start_tls(c.t), ==, -1);

	conn_send(&c, "b CAPABILITY");
	caps = wait_line(&c, "* CAPABILITY");
	g_assert_true(strstr(caps, "AUTH=PLAIN") != NULL);
	/* The server sees TLS: it no longer offers STARTTLS. */
	g_assert_true(strstr(caps, "STARTTLS") == NULL);
	wait_line(&c, "b OK");
	assert_seq(&c, "^cddtd+$");
	conn_clear(&c);
	event_base_free(base);
}

static void
test_pop3s(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.pop3s, TRANSPORT_TLS_IMPLICIT);
	struct conn c;

	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "+OK");
	g_assert_true(transport_is_tls(c.t));
	conn_send(&c, "QUIT");
	wait_line(&c, "+OK");
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CLOSED);
	g_assert_true(strstr(c.errmsg, "closed by the server") != NULL);
	conn_clear(&c);
	event_base_free(base);
}

/* Wait for a POP3 multi-line answer; TRUE if a line equals word. */
static gboolean
pop3_list_has(struct conn *c, const char *word)
{
	gboolean found = FALSE;
	guint first = c->seen, i;

	wait_line(c, ".");
	for (i = first; i < c->seen; i++) {
		if (strcmp(c->lines->pdata[i], word) == 0)
			found = TRUE;
	}
	return found;
}

static void
test_pop3_stls(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.pop3, TRANSPORT_TLS_STARTTLS);
	struct conn c;

	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "+OK");
	conn_send(&c, "CAPA");
	wait_line(&c, "+OK");
	g_assert_true(pop3_list_has(&c, "STLS"));
	c.starttls_tag = "+OK";
	conn_send(&c, "STLS");
	wait_for(&c, &c.tls_ready);
	c.seen = c.lines->len;
	conn_send(&c, "CAPA");
	wait_line(&c, "+OK");
	c.seen--;
	g_assert_false(pop3_list_has(&c, "STLS"));
	g_assert_true(transport_is_tls(c.t));
	g_assert_cmpuint(c.injected_total, ==, 0);
	conn_clear(&c);
	event_base_free(base);
}

static void
test_plain(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg = conn_config(fx.imap, TRANSPORT_PLAIN);
	struct transport_tls_info info;
	struct conn c;

	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	conn_send(&c, "a CAPABILITY");
	g_assert_true(
	    strstr(wait_line(&c, "* CAPABILITY"), "STARTTLS") != NULL);
	wait_line(&c, "a OK");
	g_assert_false(transport_is_tls(c.t));
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, -1);
	assert_seq(&c, "^cdd+$");
	conn_clear(&c);
	event_base_free(base);
}

static void
test_input_bound(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg = conn_config(fx.imap, TRANSPORT_PLAIN);
	struct conn c;

	/* 16 bytes at a time: the greeting comes in many pieces, whole. */
	cfg.max_input = 16;
	conn_init(&c, base, &cfg);
	c.raw = 1;
	conn_connect(&c);
	while (strstr(c.bytes->str, "\r\n") == NULL) {
		c.datas = 0;
		wait_for(&c, &c.datas);
	}
	g_assert_true(
	    g_str_has_prefix(c.bytes->str, "* OK [CAPABILITY IMAP4rev1"));
	g_assert_true(g_str_has_suffix(c.bytes->str, "ready.\r\n"));
	g_assert_cmpuint(c.max_seen, <=, 16);
	g_assert_cmpuint(strlen(c.seq->str), >, c.bytes->len / 16);
	conn_clear(&c);
	event_base_free(base);
}

/* Inflate-bound flow control: no data callback ever sees more than the
 * limit, and the whole mailbox still comes through. */
static void
test_compress(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	char *login, *fetch_ok;
	const char *ok;
	struct conn c;
	guint i, inbox = 0, fetches = 0;

	if (!fx.zlib) {
		g_test_skip("Dovecot has no imap_zlib plugin");
		return;
	}
	cfg.max_input = 8192;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	login = g_strdup_printf("a LOGIN alice %s", fx.password);
	conn_send(&c, login);
	g_free(login);
	ok = wait_line(&c, "a OK");
	g_assert_true(strstr(ok, "COMPRESS=DEFLATE") != NULL);
	c.compress_tag = "c ";
	conn_send(&c, "c COMPRESS DEFLATE");
	wait_line(&c, "c OK");
	g_assert_true(transport_is_compressed(c.t));
	g_assert_cmpint(transport_start_compress(c.t), ==, -1);

	conn_send(&c, "d LIST \"\" *");
	wait_line(&c, "d OK");
	for (i = 0; i < c.seen; i++) {
		if (g_str_has_prefix(c.lines->pdata[i], "* LIST") &&
		    g_str_has_suffix(c.lines->pdata[i], " INBOX"))
			inbox++;
	}
	g_assert_cmpuint(inbox, ==, 1);
	conn_send(&c, "e NOOP");
	wait_line(&c, "e OK");

	/* About 2 MB of mail through deflate, 8 KiB of input at a time. */
	conn_send(&c, "f SELECT INBOX");
	g_assert_true(strstr(wait_line(&c, "* 300 EXISTS"), "EXISTS") != NULL);
	wait_line(&c, "f OK");
	conn_send(&c, "g FETCH 1:* (BODY.PEEK[])");
	fetch_ok = g_strdup(wait_line(&c, "g OK"));
	for (i = 0; i < c.lines->len; i++) {
		if (strstr(c.lines->pdata[i], " FETCH (BODY[] {") != NULL)
			fetches++;
	}
	g_assert_cmpuint(fetches, ==, 300);
	g_assert_cmpuint(c.max_seen, <=, 8192);
	g_assert_cmpint(c.errors, ==, 0);
	g_free(fetch_ok);
	conn_send(&c, "h LOGOUT");
	wait_line(&c, "h OK");
	conn_clear(&c);
	event_base_free(base);
}

/* ------------------------------------------------- certificate question */

static void
test_cert_reject(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	char *d = tmp_dir(), *pins, *want;
	struct conn c;
	int r;

	pins = g_build_filename(d, "certificates", NULL);
	cfg.ca_file = NULL;
	cfg.pin_file = pins;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_cmpstr(c.fingerprint, ==, fx.fingerprint);
	g_assert_cmpuint(c.problems, ==, TLS_CERT_UNKNOWN_ISSUER);
	g_assert_cmpint(c.reason, ==, TLS_CERT_UNKNOWN_ISSUER);
	g_assert_true(c.always);
	g_assert_true(
	    strstr(c.formatted, "subject:     CN = localhost") != NULL);
	g_assert_true(strstr(c.formatted, "CN = tern test CA") != NULL);

	/* Paused: nothing is delivered, nothing may be written, however
	 * many times the loop turns. */
	spin(base);
	g_assert_cmpstr(c.seq->str, ==, "cq");
	g_assert_cmpint(transport_write(c.t, "a NOOP\r\n", 8), ==, -1);
	g_assert_false(transport_is_tls(c.t));

	c.in_call = 1;
	r = transport_cert_answer(c.t, TRANSPORT_CERT_REJECT);
	c.in_call = 0;
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ONCE), ==, -1);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CERT_REJECTED);
	want = g_strdup_printf("127.0.0.1:%u: certificate for localhost is not "
			       "trusted (unknown issuer)",
	    fx.imaps);
	g_assert_cmpstr(c.errmsg, ==, want);
	g_assert_cmpstr(c.seq->str, ==, "cqe");
	g_assert_false(g_file_test(pins, G_FILE_TEST_EXISTS));
	g_free(want);
	conn_clear(&c);
	g_free(pins);
	tmp_dir_remove(d);
	event_base_free(base);
}

static void
test_cert_accept_once(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct transport_tls_info info;
	struct conn c;
	int round;

	/* No pin file: "always" is never offered. */
	cfg.ca_file = NULL;
	for (round = 0; round < 2; round++) {
		conn_init(&c, base, &cfg);
		conn_connect(&c);
		wait_for(&c, &c.questions);
		g_assert_false(c.always);
		g_assert_cmpint(
		    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ALWAYS),
		    ==, -1);
		g_assert_cmpint(
		    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ONCE), ==,
		    0);
		/* The greeting waited; it comes after tls_ready. */
		wait_line(&c, "* OK");
		g_assert_cmpstr(c.seq->str, ==, "cqtd");
		g_assert_cmpint(transport_tls_info(c.t, &info), ==, 0);
		g_assert_cmpint(info.trust, ==, TRANSPORT_TRUST_ONCE);
		conn_send(&c, "a NOOP");
		wait_line(&c, "a OK");
		conn_clear(&c);
	}
	event_base_free(base);
}

static void
test_cert_accept_always(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct transport_tls_info info;
	char *d = tmp_dir(), *pins, *text, *line;
	struct conn c;
	struct stat st;

	pins = g_build_filename(d, "certificates", NULL);
	cfg.ca_file = NULL;
	cfg.pin_file = pins;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_true(c.always);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ALWAYS), ==, 0);
	wait_line(&c, "* OK");
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, 0);
	g_assert_cmpint(info.trust, ==, TRANSPORT_TRUST_PINNED);
	conn_clear(&c);

	g_assert_cmpint(stat(pins, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_true(g_file_get_contents(pins, &text, NULL, NULL));
	line = g_strdup_printf(
	    "127.0.0.1:%u sha256:%s\n", fx.imaps, fx.fingerprint);
	g_assert_true(strstr(text, line) != NULL);
	g_free(line);
	g_free(text);

	/* Next time: silently trusted. */
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	g_assert_cmpstr(c.seq->str, ==, "ctd");
	g_assert_cmpint(transport_tls_info(c.t, &info), ==, 0);
	g_assert_cmpint(info.trust, ==, TRANSPORT_TRUST_PINNED);
	conn_clear(&c);

	/* The pin is for that host:port only. */
	cfg.port = fx.pop3s;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_REJECT), ==, 0);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CERT_REJECTED);
	conn_clear(&c);

	g_free(pins);
	tmp_dir_remove(d);
	event_base_free(base);
}

static void
test_cert_wrong_name(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	char *d = tmp_dir(), *pins, *want;
	struct conn c;

	/* Trusted CA, but issued for localhost: a question that can never
	 * be pinned away. */
	pins = g_build_filename(d, "certificates", NULL);
	cfg.server_name = "wrong.example";
	cfg.pin_file = pins;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_cmpuint(c.problems, ==, TLS_CERT_BAD_NAME);
	g_assert_cmpint(c.reason, ==, TLS_CERT_BAD_NAME);
	g_assert_false(c.always);
	g_assert_true(strstr(c.formatted, "(wrong host name)") != NULL);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ALWAYS), ==, -1);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_REJECT), ==, 0);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CERT_REJECTED);
	want = g_strdup_printf("127.0.0.1:%u: certificate for wrong.example is "
			       "not trusted (wrong host name)",
	    fx.imaps);
	g_assert_cmpstr(c.errmsg, ==, want);
	g_free(want);
	conn_clear(&c);
	g_assert_false(g_file_test(pins, G_FILE_TEST_EXISTS));

	/* An address as server name is checked as an address (the
	 * certificate has IP:127.0.0.1 and no CN fallback is needed). */
	cfg.server_name = NULL;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	g_assert_cmpint(c.questions, ==, 0);
	conn_clear(&c);

	g_free(pins);
	tmp_dir_remove(d);
	event_base_free(base);
}

static void
test_cert_answer_in_callback(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.pop3s, TRANSPORT_TLS_IMPLICIT);
	struct conn c;

	cfg.ca_file = NULL;
	conn_init(&c, base, &cfg);
	c.answer_in_cb = TRANSPORT_CERT_ACCEPT_ONCE;
	conn_connect(&c);
	wait_line(&c, "+OK");
	g_assert_cmpstr(c.seq->str, ==, "cqtd");
	conn_clear(&c);
	event_base_free(base);
}

static void
test_cert_nobody_to_ask(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct transport_cbs cbs = conn_cbs;
	struct conn c;
	char *err = NULL;

	cfg.ca_file = NULL;
	cbs.cert_question = NULL;
	conn_init(&c, base, &cfg);
	transport_free(c.t);
	c.t = transport_new(base, &cfg, &cbs, &c, &err);
	g_assert_nonnull(c.t);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_CERT_REJECTED);
	g_assert_true(strstr(c.errmsg, "(unknown issuer)") != NULL);
	g_assert_cmpstr(c.seq->str, ==, "ce");
	conn_clear(&c);
	event_base_free(base);
}

/* ------------------------------------------------------------ timeouts */

static void
test_idle_timeout(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct conn c;
	unsigned port;
	int fd = silent_port(&port, 8);
	gint64 t0 = g_get_monotonic_time();

	cfg = conn_config(port, TRANSPORT_PLAIN);
	cfg.idle_timeout_ms = 200;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_TIMEOUT);
	g_assert_true(
	    strstr(c.errmsg, "no data from the server for 200 ms") != NULL);
	g_assert_cmpstr(c.seq->str, ==, "ce");
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 150000);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
	conn_clear(&c);
	close(fd);
	event_base_free(base);
}

static void
test_handshake_timeout(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct conn c;
	unsigned port;
	int fd = silent_port(&port, 8);

	cfg = conn_config(port, TRANSPORT_TLS_IMPLICIT);
	cfg.tls_timeout_ms = 200;
	cfg.idle_timeout_ms = 50; /* not in charge during a handshake */
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_TIMEOUT);
	g_assert_true(
	    strstr(c.errmsg, "TLS handshake timed out after 200 ms") != NULL);
	g_assert_cmpstr(c.seq->str, ==, "ce");
	conn_clear(&c);
	close(fd);
	event_base_free(base);
}

static void
test_connect_timeout(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct sockaddr_in sin;
	struct conn c;
	unsigned port;
	int fd = silent_port(&port, 0), filler[2], i;

	/* A full accept queue: Linux drops further SYNs, so connecting
	 * hangs until our timeout. */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (i = 0; i < 2; i++) {
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(filler[i], (struct sockaddr *)&sin, sizeof sin);
	}
	cfg = conn_config(port, TRANSPORT_PLAIN);
	cfg.connect_timeout_ms = 300;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_test_message("%s", c.errmsg);
	if (c.error == TRANSPORT_ERR_TIMEOUT) {
		g_assert_true(strstr(c.errmsg,
				  "cannot connect: 127.0.0.1: timed "
				  "out after 300 ms") != NULL);
		g_assert_cmpstr(c.seq->str, ==, "e");
	} else {
		/* A kernel that completes the handshake anyway. */
		g_test_skip("the kernel did not drop the SYN");
	}
	conn_clear(&c);
	for (i = 0; i < 2; i++)
		close(filler[i]);
	close(fd);
	event_base_free(base);
}

/* ---------------------------------------------------------- lifetimes */

static void
test_free_in_callback(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct conn c;

	/* In the data callback. */
	conn_init(&c, base, &cfg);
	c.free_in_data = 1;
	conn_connect(&c);
	wait_for(&c, &c.datas);
	g_assert_null(c.t);
	spin(base);
	g_assert_cmpstr(c.seq->str, ==, "ctd");
	conn_clear(&c);

	/* In the connected callback, mid-handshake. */
	conn_init(&c, base, &cfg);
	c.free_in_connected = 1;
	conn_connect(&c);
	wait_for(&c, &c.connected);
	spin(base);
	g_assert_cmpstr(c.seq->str, ==, "c");
	conn_clear(&c);

	/* While a question is open. */
	cfg.ca_file = NULL;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ONCE), ==, 0);
	transport_free(c.t);
	c.t = NULL;
	spin(base);
	g_assert_cmpstr(c.seq->str, ==, "cq");
	conn_clear(&c);

	/* While resolving through a resolver that never answers. */
	{
		struct evdns_base *dns = evdns_base_new(base, 0);

		cfg.host = "nowhere.test";
		cfg.dns = dns;
		conn_init(&c, base, &cfg);
		conn_connect(&c);
		spin(base);
		transport_free(c.t);
		c.t = NULL;
		spin(base);
		g_assert_cmpstr(c.seq->str, ==, "");
		conn_clear(&c);
		evdns_base_free(dns, 0);
	}
	event_base_free(base);
}

static void
test_free_while_resolving_own(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imaps, TRANSPORT_TLS_IMPLICIT);
	struct conn c;

	/* The transport's own resolver (from resolv.conf) for a name that
	 * takes a real lookup; freed before any answer. */
	cfg.host = "nonexistent.invalid";
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	conn_clear(&c);
	spin(base);
	event_base_free(base);
}

/* ------------------------------------------------------------ hostile */

/* Read the port the hostile server prints, with a deadline. */
static unsigned
read_port(int fd)
{
	char buf[32];
	size_t len = 0;
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	while (memchr(buf, '\n', len) == NULL) {
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);

		if (left <= 0 || len == sizeof buf - 1)
			g_error("hostile server printed no port");
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			g_error("hostile server exited early");
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (unsigned)strtoul(buf, NULL, 10);
}

/* A running hostile server (tests/hostile/starttls_inject.py). */
struct hostile {
	GPid pid;
	int out;
	unsigned port;
};

/* Start the hostile server with a certificate, STARTTLS or implicit. */
static void
hostile_start(
    struct hostile *h, const char *cert, const char *key, gboolean implicit)
{
	char *script = g_build_filename(
	    fx.srcdir, "tests", "hostile", "starttls_inject.py", NULL);
	char *argv[] = { "python3", script, "--cert", (char *)cert, "--key",
		(char *)key, implicit ? "--implicit" : NULL, NULL };
	GError *error = NULL;

	if (!g_spawn_async_with_pipes(NULL, argv, NULL,
		G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
		&h->pid, NULL, &h->out, NULL, &error))
		g_error("%s: %s", script, error->message);
	h->port = read_port(h->out);
	g_free(script);
}

/* Stop it (it may have exited already) and reap it. */
static void
hostile_stop(struct hostile *h)
{
	int status;

	kill(h->pid, SIGTERM);
	waitpid(h->pid, &status, 0);
	g_spawn_close_pid(h->pid);
	close(h->out);
}

static void
test_starttls_injection(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct hostile h;
	struct conn c;
	guint i;

	hostile_start(&h, fx.server_cert, fx.server_key, FALSE);
	cfg = conn_config(h.port, TRANSPORT_TLS_STARTTLS);
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK hostile");
	c.starttls_tag = "a ";
	conn_send(&c, "a STARTTLS");
	wait_for(&c, &c.tls_ready);
	/* The injected line was dropped and reported, whole. */
	g_assert_cmpuint(c.injected_total, ==, strlen("* OK injected\r\n"));
	g_assert_cmpstr(c.injected->str, ==, "* OK injected\r\n");
	/* Over TLS now, with SNI. */
	conn_send(&c, "b CAPABILITY");
	g_assert_cmpstr(wait_line(&c, "* CAPABILITY"), ==,
	    "* CAPABILITY IMAP4rev1 AUTH=PLAIN X-SNI=localhost");
	wait_line(&c, "b OK");
	for (i = 0; i < c.lines->len; i++)
		g_assert_cmpstr(c.lines->pdata[i], !=, "* OK injected");
	assert_seq(&c, "^cddit(d)+$");
	conn_clear(&c);
	hostile_stop(&h);
	event_base_free(base);
}

static void
test_name_checks(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg;
	struct hostile h;
	struct conn c;
	char *d = tmp_dir(), *cert, *key;
	char *mk[] = { "sh", "-c",
		"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		"-nodes -keyout \"$0/cn.key\" -subj /CN=localhost "
		"-out \"$0/cn.csr\" 2>&1 && "
		"openssl x509 -req -in \"$0/cn.csr\" -CA \"$1\" -CAkey \"$2\" "
		"-days 2 -set_serial 7 -out \"$0/cn.pem\" 2>&1",
		d, fx.ca_file, fx.ca_key, NULL };

	/* A certificate from the trusted CA with CN=localhost and no
	 * subjectAltName: the CN must not stand in for the name. */
	g_free(testutil_run_capture(mk));
	cert = g_build_filename(d, "cn.pem", NULL);
	key = g_build_filename(d, "cn.key", NULL);
	hostile_start(&h, cert, key, TRUE);
	cfg = conn_config(h.port, TRANSPORT_TLS_IMPLICIT);
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.questions);
	g_assert_cmpuint(c.problems, ==, TLS_CERT_BAD_NAME);
	g_assert_false(c.always);
	g_assert_cmpint(
	    transport_cert_answer(c.t, TRANSPORT_CERT_ACCEPT_ONCE), ==, 0);
	/* SNI carried the server name. */
	g_assert_cmpstr(wait_line(&c, "* OK"), ==, "* OK X-SNI=localhost");
	conn_clear(&c);
	hostile_stop(&h);

	/* An address as server name: checked against the IP SAN, and no
	 * SNI (RFC 6066 allows host names only). */
	hostile_start(&h, fx.server_cert, fx.server_key, TRUE);
	cfg = conn_config(h.port, TRANSPORT_TLS_IMPLICIT);
	cfg.server_name = "127.0.0.1";
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	g_assert_cmpstr(wait_line(&c, "* OK"), ==, "* OK X-SNI=-");
	g_assert_cmpint(c.questions, ==, 0);
	conn_clear(&c);
	hostile_stop(&h);

	g_free(cert);
	g_free(key);
	tmp_dir_remove(d);
	event_base_free(base);
}

static void
test_tls_to_plain_port(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imap, TRANSPORT_TLS_IMPLICIT);
	struct conn c;

	/* The server greets in plaintext where a ServerHello should be. */
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_for(&c, &c.errors);
	g_test_message("%s", c.errmsg);
	g_assert_cmpint(c.error, ==, TRANSPORT_ERR_TLS);
	g_assert_true(strstr(c.errmsg, ": TLS handshake failed: ") != NULL);
	g_assert_cmpstr(c.seq->str, ==, "ce");
	conn_clear(&c);
	event_base_free(base);
}

static void
test_starttls_flow(void)
{
	struct event_base *base = event_base_new();
	struct transport_config cfg =
	    conn_config(fx.imap, TRANSPORT_TLS_STARTTLS);
	char *login;
	struct conn c;
	guint i, fetches = 0;

	/* Through the STARTTLS filter with a small input bound: 100
	 * messages, never more than 2 KiB waiting. */
	cfg.max_input = 2048;
	conn_init(&c, base, &cfg);
	conn_connect(&c);
	wait_line(&c, "* OK");
	c.starttls_tag = "a ";
	conn_send(&c, "a STARTTLS");
	wait_for(&c, &c.tls_ready);
	login = g_strdup_printf("b LOGIN alice %s", fx.password);
	conn_send(&c, login);
	g_free(login);
	wait_line(&c, "b OK");
	conn_send(&c, "c EXAMINE INBOX");
	wait_line(&c, "c OK");
	conn_send(&c, "d FETCH 1:100 (BODY.PEEK[])");
	wait_line(&c, "d OK");
	for (i = 0; i < c.lines->len; i++) {
		if (strstr(c.lines->pdata[i], " FETCH (BODY[] {") != NULL)
			fetches++;
	}
	g_assert_cmpuint(fetches, ==, 100);
	g_assert_cmpuint(c.max_seen, <=, 2048);
	conn_clear(&c);
	event_base_free(base);
}

int
main(int argc, char **argv)
{
	int r;

	g_test_init(&argc, &argv, NULL);
	/* A peer that resets must not kill the test (see transport.h). */
	signal(SIGPIPE, SIG_IGN);
	fixture_start();

	g_test_add_func("/tls_cert/pin-key", test_pin_key);
	g_test_add_func("/tls_cert/pins-match", test_pins_match);
	g_test_add_func("/tls_cert/describe", test_cert_describe);
	g_test_add_func("/tls_cert/hostile-names", test_cert_hostile_names);
	g_test_add_func("/tls_cert/pin-file", test_pin_file);
	g_test_add_func("/transport/config-errors", test_config_errors);
	g_test_add_func("/transport/misuse", test_misuse);
	g_test_add_func("/transport/refused", test_refused);
	g_test_add_func("/transport/every-address", test_every_address);
	g_test_add_func("/transport/imaps", test_imaps);
	g_test_add_func("/transport/resolve-localhost", test_resolve_localhost);
	g_test_add_func("/transport/imap-starttls", test_imap_starttls);
	g_test_add_func("/transport/pop3s", test_pop3s);
	g_test_add_func("/transport/pop3-stls", test_pop3_stls);
	g_test_add_func("/transport/plain", test_plain);
	g_test_add_func("/transport/input-bound", test_input_bound);
	g_test_add_func("/transport/compress", test_compress);
	g_test_add_func("/transport/cert-reject", test_cert_reject);
	g_test_add_func("/transport/cert-accept-once", test_cert_accept_once);
	g_test_add_func(
	    "/transport/cert-accept-always", test_cert_accept_always);
	g_test_add_func("/transport/cert-wrong-name", test_cert_wrong_name);
	g_test_add_func(
	    "/transport/cert-answer-in-callback", test_cert_answer_in_callback);
	g_test_add_func(
	    "/transport/cert-nobody-to-ask", test_cert_nobody_to_ask);
	g_test_add_func("/transport/idle-timeout", test_idle_timeout);
	g_test_add_func("/transport/handshake-timeout", test_handshake_timeout);
	g_test_add_func("/transport/connect-timeout", test_connect_timeout);
	g_test_add_func("/transport/free-in-callback", test_free_in_callback);
	g_test_add_func(
	    "/transport/free-while-resolving", test_free_while_resolving_own);
	g_test_add_func(
	    "/transport/starttls-injection", test_starttls_injection);
	g_test_add_func("/transport/name-checks", test_name_checks);
	g_test_add_func("/transport/tls-to-plain-port", test_tls_to_plain_port);
	g_test_add_func("/transport/starttls-flow", test_starttls_flow);
	r = g_test_run();
	fixture_stop();
	return r;
}
