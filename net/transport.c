/*
 * transport.c - TCP, TLS and compression for one mail server connection.
 *
 * A transport walks through resolving, connecting (one address after
 * another), an optional TLS handshake, and then carries data until an error
 * or a close.  It is driven by libevent and never blocks: the resolver is
 * evdns, connect(2) is non-blocking with a timed event, and TLS rides on
 * libevent's OpenSSL bufferevents (a socket one for implicit TLS, a filter
 * over the plain one for STARTTLS).
 *
 * Two rules shape the code.  First, no callback runs inside a call the
 * caller made: work that would report something is flagged in t->pending
 * and done from one deferred event.  Second, any callback may free the
 * transport: callbacks run through transport_enter()/transport_leave(), and
 * a free during a callback releases everything but the struct itself,
 * which goes when the outermost callback returns; code after a callback
 * checks the result and stops touching t.
 *
 * Certificate checks never fail the handshake: the verify callback records
 * what OpenSSL objected to and lets the handshake finish, so the decision
 * (pinned, ask a person, reject) is taken afterwards with the certificate
 * in hand, while the connection waits with reading switched off.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include "xmalloc.h"
#include "tls_cert.h"
#include "transport.h"

#define TRANSPORT_CONNECT_MS 30000
#define TRANSPORT_TLS_MS 30000
#define TRANSPORT_MAX_INPUT (1024 * 1024)
#define TRANSPORT_MAX_NAME 255
/* Inflated bytes per loop turn: a few compressed bytes can expand a
 * thousandfold, and the loop must stay responsive. */
#define TRANSPORT_INFLATE_BUDGET (64 * 1024)
#define TRANSPORT_ZCHUNK 16384
/* The largest piece handed to zlib at once (its counters are 32-bit). */
#define TRANSPORT_ZMAX (1024 * 1024)
#define TRANSPORT_INJECTED_SHOWN 256

enum transport_state {
	TS_NEW,
	TS_RESOLVING,
	TS_CONNECTING,
	TS_OPEN, /* plaintext data flows */
	TS_HANDSHAKE,
	TS_QUESTION, /* handshake done, waiting for transport_cert_answer */
	TS_SECURE, /* TLS data flows */
	TS_FAILED, /* error reported or about to be */
	TS_CLOSED,
};

/* Deferred work, run by transport_defer_cb in this order. */
#define TD_INJECTED 0x01
#define TD_ANSWER 0x02
#define TD_FLUSH 0x04
#define TD_PUMP 0x08
#define TD_ERROR 0x10

/*
 * One DNS lookup.  evdns may call back long after the transport is gone
 * (a cancel is reported later, from the loop), so the lookup is its own
 * object: the transport lets go by clearing t, and the callback frees it.
 */
struct transport_resolve {
	struct transport *t; /* NULL once the transport let go */
	struct event_base *base;
	struct evdns_base *dns; /* owned, or NULL when borrowed */
	struct evdns_getaddrinfo_request *req;
};

struct transport {
	struct event_base *base;
	struct transport_cbs cbs;
	void *arg;

	/* The configuration, copied. */
	char *host;
	unsigned port;
	enum transport_mode mode;
	char *server_name;
	char *pin_file;
	int connect_ms;
	int tls_ms;
	int idle_ms;
	size_t max_input;
	struct evdns_base *dns;
	char *peer; /* "host:port" */
	char *pin_key;

	enum transport_state state;
	SSL_CTX *ctx;
	struct event *ev_defer;
	struct event *ev_timer; /* resolve and handshake deadlines */
	unsigned pending; /* TD_* */

	/* Resolving and connecting. */
	struct transport_resolve *resolve;
	struct evutil_addrinfo *addrs;
	struct evutil_addrinfo *next_addr;
	char *attempts; /* "addr: why; addr: why" */
	int nattempts;
	int ntimeouts;
	evutil_socket_t fd;
	struct event *ev_conn;
	char address[INET6_ADDRSTRLEN + 3];

	/* The connection. */
	struct bufferevent *bev;
	struct evbuffer *in;
	int stalled; /* input full: waiting for the caller to drain */
	int peer_eof;

	/* TLS. */
	int tls_started;
	unsigned problems; /* TLS_CERT_* seen by the verify callback */
	char *other_problem;
	struct tls_cert *cert;
	enum transport_trust trust;
	enum transport_cert_answer answer;
	int answered;

	/* Bytes dropped at STARTTLS. */
	unsigned char injected[TRANSPORT_INJECTED_SHOWN];
	size_t injected_shown;
	size_t injected_total;

	/* Compression (RFC 4978). */
	int compress;
	z_stream zin;
	z_stream zout;
	struct evbuffer *zbuf; /* compressed bytes not inflated yet */
	int zpending; /* inflate stopped for lack of room, not input */
	int zend; /* the server finished its deflate stream */

	/* The error, once there is one. */
	enum transport_error error;
	char *errmsg;

	int depth; /* callbacks running */
	int freed; /* transport_free() ran inside a callback */
};

static void transport_fail(struct transport *t, enum transport_error error,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int transport_pump(struct transport *t);
static void transport_try_next(struct transport *t);
static void transport_defer_cb(evutil_socket_t fd, short what, void *arg);
static void transport_timer_cb(evutil_socket_t fd, short what, void *arg);
static void transport_in_cb(
    struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

/* Allocation by a library (libevent, OpenSSL, zlib) failed: like the
 * net_* family, treat it as fatal rather than carry untested paths. */
static void *
transport_need(void *p, const char *what)
{
	if (p == NULL) {
		fprintf(stderr, "tern: out of memory (%s)\n", what);
		abort();
	}
	return p;
}

/* Note that a callback is about to run. */
static void
transport_enter(struct transport *t)
{
	t->depth++;
}

/* A callback returned: -1 if it freed the transport (now gone). */
static int
transport_leave(struct transport *t)
{
	if (--t->depth == 0 && t->freed) {
		free(t);
		return -1;
	}
	return t->freed ? -1 : 0;
}

/* Ask for deferred work to run from the loop. */
static void
transport_schedule(struct transport *t, unsigned what)
{
	t->pending |= what;
	event_active(t->ev_defer, EV_TIMEOUT, 0);
}

/* A duration for messages: "5 s", or "250 ms" when not whole seconds. */
static const char *
transport_duration(int ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%d s", ms / 1000);
	else
		snprintf(buf, size, "%d ms", ms);
	return buf;
}

/* Is s usable as a host or server name (printable, no spaces, bounded)? */
static int
transport_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > TRANSPORT_MAX_NAME)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	}
	return 1;
}

/* Is s a numeric IPv4 or IPv6 address? */
static int
transport_is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return evutil_inet_pton(AF_INET, s, buf) == 1 ||
	    evutil_inet_pton(AF_INET6, s, buf) == 1;
}

/* Describe one OpenSSL error code in words ("wrong version number"). */
static void
transport_ssl_error_text(unsigned long e, char *buf, size_t size)
{
	const char *reason = ERR_reason_error_string(e);

	/* OpenSSL 3 keeps errno values as "system library" errors. */
	if (ERR_SYSTEM_ERROR(e))
		snprintf(buf, size, "%s", strerror(ERR_GET_REASON(e)));
	else if (reason != NULL)
		snprintf(buf, size, "%s", reason);
	else
		ERR_error_string_n(e, buf, size);
}

/* Take every queued OpenSSL error; describe the first (the cause). */
static void
transport_ssl_errors(char *buf, size_t size)
{
	unsigned long e, first = 0;

	while ((e = ERR_get_error()) != 0) {
		if (first == 0)
			first = e;
	}
	if (first == 0)
		snprintf(buf, size, "unknown error");
	else
		transport_ssl_error_text(first, buf, size);
}

/* OpenSSL's verify callback: record the problem, let the handshake go on;
 * transport_handshake_done() decides once the certificate is in hand. */
static int
transport_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct transport *t;
	unsigned problem;
	SSL *ssl;
	int err;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(
	    ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	if (t == NULL)
		return 0;
	err = X509_STORE_CTX_get_error(ctx);
	problem = tls_cert_problem_from_error(err);
	t->problems |= problem;
	if (problem == TLS_CERT_OTHER && t->other_problem == NULL)
		t->other_problem = xstrdup(X509_verify_cert_error_string(err));
	return 1;
}

/* The TLS context: system trust plus the optional CA file, TLS 1.2+. */
static SSL_CTX *
transport_ctx_new(const char *ca_file, char **err)
{
	char buf[256];
	SSL_CTX *ctx;

	ERR_clear_error();
	ctx = transport_need(SSL_CTX_new(TLS_client_method()), "SSL_CTX");
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		transport_ssl_errors(buf, sizeof buf);
		*err = xasprintf("cannot require TLS 1.2: %s", buf);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/*
	 * No renegotiation (a second certificate would bypass our decision);
	 * a server that closes without close_notify is an ordinary close
	 * (the mail protocols frame their own data).
	 */
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
		SSL_OP_NO_COMPRESSION);
	/* Without a system store the CA file or a person can still decide. */
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		ERR_clear_error();
	if (ca_file != NULL &&
	    SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
		transport_ssl_errors(buf, sizeof buf);
		*err = xasprintf("cannot load CA file %s: %s", ca_file, buf);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, transport_verify_cb);
	return ctx;
}

/* A new SSL for one handshake, with SNI and the name to verify. */
static SSL *
transport_ssl_new(struct transport *t)
{
	SSL *ssl;

	ssl = transport_need(SSL_new(t->ctx), "SSL");
	SSL_set_app_data(ssl, t);
	t->problems = 0;
	/* SNI carries names only (RFC 6066); an address is checked as one. */
	if (transport_is_ip(t->server_name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(
			SSL_get0_param(ssl), t->server_name) != 1)
			t->problems |= TLS_CERT_BAD_NAME;
	} else {
		SSL_set_tlsext_host_name(ssl, t->server_name);
		if (SSL_set1_host(ssl, t->server_name) != 1)
			t->problems |= TLS_CERT_BAD_NAME;
	}
	SSL_set_hostflags(ssl,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
		X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	return ssl;
}

/* Create a transport; see transport.h. */
struct transport *
transport_new(struct event_base *base, const struct transport_config *cfg,
    const struct transport_cbs *cbs, void *arg, char **err)
{
	const char *server_name;
	struct transport *t;
	SSL_CTX *ctx = NULL;

	*err = NULL;
	if (base == NULL || cfg == NULL || cbs == NULL || cbs->error == NULL) {
		*err = xstrdup("transport: no event base, configuration or "
			       "error callback");
		return NULL;
	}
	if (!transport_name_ok(cfg->host)) {
		*err = xstrdup("transport: missing or malformed host name");
		return NULL;
	}
	if (cfg->port == 0 || cfg->port > 65535) {
		*err = xasprintf("%s: port %u is out of range (1-65535)",
		    cfg->host, cfg->port);
		return NULL;
	}
	if (cfg->mode != TRANSPORT_TLS_IMPLICIT &&
	    cfg->mode != TRANSPORT_TLS_STARTTLS &&
	    cfg->mode != TRANSPORT_PLAIN) {
		*err = xasprintf(
		    "%s: unknown TLS mode %d", cfg->host, (int)cfg->mode);
		return NULL;
	}
	server_name = cfg->server_name != NULL && cfg->server_name[0] != '\0'
	    ? cfg->server_name
	    : cfg->host;
	if (!transport_name_ok(server_name)) {
		*err = xasprintf("%s: malformed server name", cfg->host);
		return NULL;
	}
	if (cfg->connect_timeout_ms < 0 || cfg->tls_timeout_ms < 0 ||
	    cfg->idle_timeout_ms < 0) {
		*err = xasprintf("%s: negative timeout", cfg->host);
		return NULL;
	}
	if (cfg->mode != TRANSPORT_PLAIN) {
		ctx = transport_ctx_new(cfg->ca_file, err);
		if (ctx == NULL)
			return NULL;
	}

	t = xcalloc(1, sizeof *t);
	t->base = base;
	t->cbs = *cbs;
	t->arg = arg;
	t->host = xstrdup(cfg->host);
	t->port = cfg->port;
	t->mode = cfg->mode;
	t->server_name = xstrdup(server_name);
	t->pin_file = cfg->pin_file != NULL && cfg->pin_file[0] != '\0'
	    ? xstrdup(cfg->pin_file)
	    : NULL;
	t->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
						    : TRANSPORT_CONNECT_MS;
	t->tls_ms =
	    cfg->tls_timeout_ms > 0 ? cfg->tls_timeout_ms : TRANSPORT_TLS_MS;
	t->idle_ms = cfg->idle_timeout_ms;
	t->max_input =
	    cfg->max_input > 0 ? cfg->max_input : TRANSPORT_MAX_INPUT;
	t->dns = cfg->dns;
	if (strchr(t->host, ':') != NULL)
		t->peer = xasprintf("[%s]:%u", t->host, t->port);
	else
		t->peer = xasprintf("%s:%u", t->host, t->port);
	t->pin_key = tls_cert_pin_key(t->host, t->port);
	t->ctx = ctx;
	t->state = TS_NEW;
	t->fd = -1;
	t->ev_defer = transport_need(
	    event_new(base, -1, 0, transport_defer_cb, t), "event");
	t->ev_timer =
	    transport_need(evtimer_new(base, transport_timer_cb, t), "event");
	t->in = transport_need(evbuffer_new(), "evbuffer");
	transport_need(evbuffer_add_cb(t->in, transport_in_cb, t), "evbuffer");
	return t;
}

/* Forget the connection attempt in progress (socket and its event). */
static void
transport_conn_clear(struct transport *t)
{
	if (t->ev_conn != NULL) {
		event_free(t->ev_conn);
		t->ev_conn = NULL;
	}
	if (t->fd != -1) {
		evutil_closesocket(t->fd);
		t->fd = -1;
	}
}

/* Free a finished lookup's resolver once evdns is done with it: never
 * from inside evdns's own callback. */
static void
transport_resolve_reap(evutil_socket_t fd, short what, void *arg)
{
	struct transport_resolve *r = arg;

	(void)fd;
	(void)what;
	evdns_base_free(r->dns, 0);
	free(r);
}

/* The lookup is over: free it (later, if it owns its resolver). */
static void
transport_resolve_release(struct transport_resolve *r)
{
	struct timeval now = { 0, 0 };

	if (r->dns == NULL) {
		free(r);
		return;
	}
	if (event_base_once(
		r->base, -1, EV_TIMEOUT, transport_resolve_reap, r, &now) == -1)
		transport_need(NULL, "event");
}

/* Let go of a lookup in progress; its callback will free it. */
static void
transport_resolve_abandon(struct transport *t)
{
	struct transport_resolve *r = t->resolve;

	if (r == NULL)
		return;
	t->resolve = NULL;
	r->t = NULL;
	if (r->req != NULL)
		evdns_getaddrinfo_cancel(r->req);
}

/* Stop everything on the wire and every event but the deferred one. */
static void
transport_teardown(struct transport *t)
{
	transport_resolve_abandon(t);
	transport_conn_clear(t);
	if (t->addrs != NULL) {
		evutil_freeaddrinfo(t->addrs);
		t->addrs = t->next_addr = NULL;
	}
	evtimer_del(t->ev_timer);
	if (t->bev != NULL) {
		/* Frees the SSL, a filter's underlying bufferevent and the
		 * socket (BEV_OPT_CLOSE_ON_FREE). */
		bufferevent_free(t->bev);
		t->bev = NULL;
	}
	if (t->compress) {
		inflateEnd(&t->zin);
		deflateEnd(&t->zout);
		evbuffer_free(t->zbuf);
		t->zbuf = NULL;
		t->compress = 0;
		t->zend = 0;
	}
	t->stalled = 0;
	/* OpenSSL keeps errors per thread: leave none for the next one. */
	ERR_clear_error();
}

/* The connection failed: tear it down and report once, from the loop. */
static void
transport_fail(
    struct transport *t, enum transport_error error, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (t->state == TS_FAILED || t->state == TS_CLOSED)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		transport_need(NULL, "message");
	va_end(ap);
	t->error = error;
	t->errmsg = msg;
	transport_teardown(t);
	t->state = TS_FAILED;
	transport_schedule(t, TD_ERROR);
}

/* Record one failed address for the final message. */
static void
transport_attempt_failed(struct transport *t, const char *why, int timeout)
{
	char *s;

	t->nattempts++;
	if (timeout)
		t->ntimeouts++;
	if (t->attempts == NULL)
		s = xasprintf("%s: %s", t->address, why);
	else
		s = xasprintf("%s; %s: %s", t->attempts, t->address, why);
	free(t->attempts);
	t->attempts = s;
}

/* Arm the phase deadline (resolving, handshake). */
static void
transport_deadline(struct transport *t, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(t->ev_timer, &tv);
}

/* The idle read timeout applies while data flows, nowhere else. */
static void
transport_apply_idle(struct transport *t)
{
	struct timeval tv = { t->idle_ms / 1000, (t->idle_ms % 1000) * 1000 };

	if (t->bev == NULL)
		return;
	/* A caller that holds input back is not a silent server. */
	if (t->idle_ms > 0 && !t->stalled &&
	    (t->state == TS_OPEN || t->state == TS_SECURE))
		bufferevent_set_timeouts(t->bev, &tv, NULL);
	else
		bufferevent_set_timeouts(t->bev, NULL, NULL);
}

static void transport_read_cb(struct bufferevent *bev, void *arg);
static void transport_event_cb(struct bufferevent *bev, short what, void *arg);

/* Hook a new bufferevent up: callbacks, input bound, reading on. */
static void
transport_bev_setup(struct transport *t)
{
	bufferevent_setcb(
	    t->bev, transport_read_cb, NULL, transport_event_cb, t);
	/* libevent stops reading the socket once this much waits unread. */
	bufferevent_setwatermark(t->bev, EV_READ, 0, t->max_input);
	bufferevent_enable(t->bev, EV_READ | EV_WRITE);
	transport_apply_idle(t);
}

/* TCP is up on fd: wrap it (TLS for implicit mode) and tell the caller. */
static void
transport_connected(struct transport *t, evutil_socket_t fd)
{
	int one = 1;
	SSL *ssl;

	evutil_freeaddrinfo(t->addrs);
	t->addrs = t->next_addr = NULL;
	/* Commands are small and answered one by one: no Nagle delays. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (t->mode == TRANSPORT_TLS_IMPLICIT) {
		ssl = transport_ssl_new(t);
		t->bev = transport_need(
		    bufferevent_openssl_socket_new(t->base, fd, ssl,
			BUFFEREVENT_SSL_CONNECTING,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS),
		    "bufferevent");
		bufferevent_openssl_set_allow_dirty_shutdown(t->bev, 1);
		t->tls_started = 1;
		t->state = TS_HANDSHAKE;
		transport_deadline(t, t->tls_ms);
	} else {
		t->bev = transport_need(
		    bufferevent_socket_new(t->base, fd,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS),
		    "bufferevent");
		t->state = TS_OPEN;
	}
	transport_bev_setup(t);
	if (t->cbs.connected != NULL) {
		transport_enter(t);
		t->cbs.connected(t, t->arg);
		(void)transport_leave(t);
	}
}

/* The socket being connected became writable, or its time ran out. */
static void
transport_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	char buf[64];
	socklen_t len = sizeof(int);
	int e = 0;

	if (what & EV_TIMEOUT) {
		transport_conn_clear(t);
		snprintf(buf, sizeof buf, "timed out after ");
		transport_duration(
		    t->connect_ms, buf + strlen(buf), sizeof buf - strlen(buf));
		transport_attempt_failed(t, buf, 1);
		transport_try_next(t);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		transport_conn_clear(t);
		transport_attempt_failed(t, strerror(e), 0);
		transport_try_next(t);
		return;
	}
	event_free(t->ev_conn);
	t->ev_conn = NULL;
	t->fd = -1;
	transport_connected(t, fd);
}

/* Printable form of an address: "127.0.0.1", "[::1]". */
static void
transport_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];
	const void *a;

	if (sa->sa_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (evutil_inet_ntop(AF_INET6, a, tmp, sizeof tmp) == NULL)
			snprintf(tmp, sizeof tmp, "?");
		snprintf(buf, size, "[%s]", tmp);
	} else if (sa->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		if (evutil_inet_ntop(AF_INET, a, buf, size) == NULL)
			snprintf(buf, size, "?");
	} else
		snprintf(buf, size, "(family %d)", sa->sa_family);
}

/* Try the next address; when none is left, fail with all of them. */
static void
transport_try_next(struct transport *t)
{
	struct timeval tv = { t->connect_ms / 1000,
		(t->connect_ms % 1000) * 1000 };
	struct evutil_addrinfo *ai;
	evutil_socket_t fd;
	int e;

	while ((ai = t->next_addr) != NULL) {
		t->next_addr = ai->ai_next;
		transport_addr_text(ai->ai_addr, t->address, sizeof t->address);
		fd = socket(ai->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			transport_attempt_failed(t, strerror(errno), 0);
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			t->fd = fd;
			t->ev_conn =
			    transport_need(event_new(t->base, fd, EV_WRITE,
					       transport_conn_cb, t),
				"event");
			event_add(t->ev_conn, &tv);
			return;
		}
		e = errno;
		evutil_closesocket(fd);
		transport_attempt_failed(t, strerror(e), 0);
	}
	t->address[0] = '\0';
	if (t->nattempts == 0)
		transport_fail(t, TRANSPORT_ERR_CONNECT,
		    "%s: cannot connect: %s has no address", t->peer, t->host);
	else
		transport_fail(t,
		    t->ntimeouts == t->nattempts ? TRANSPORT_ERR_TIMEOUT
						 : TRANSPORT_ERR_CONNECT,
		    "%s: cannot connect: %s", t->peer, t->attempts);
}

/* Addresses are known: start with the first. */
static void
transport_connect_addrs(struct transport *t, struct evutil_addrinfo *res)
{
	t->addrs = t->next_addr = res;
	t->state = TS_CONNECTING;
	transport_try_next(t);
}

/* evdns answered (possibly from inside evdns_getaddrinfo itself). */
static void
transport_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct transport_resolve *r = arg;
	struct transport *t = r->t;

	transport_resolve_release(r);
	if (t == NULL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	t->resolve = NULL;
	evtimer_del(t->ev_timer);
	if (result != 0) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		transport_fail(t, TRANSPORT_ERR_CONNECT,
		    "%s: cannot resolve %s: %s", t->peer, t->host,
		    evutil_gai_strerror(result));
		return;
	}
	transport_connect_addrs(t, res);
}

/* The resolver to use: the caller's, or a new one of our own. */
static struct evdns_base *
transport_dns_new(struct transport *t)
{
	struct evdns_base *dns;

	/*
	 * resolv.conf without nameservers still gives a resolver (evdns
	 * then asks 127.0.0.1); one that cannot be read at all still leaves
	 * /etc/hosts, so "localhost" works on a machine with no network.
	 */
	dns = evdns_base_new(t->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
		EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (dns == NULL) {
		dns = evdns_base_new(t->base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (dns != NULL)
			(void)evdns_base_load_hosts(dns, NULL);
	}
	return dns;
}

/* Start resolving and connecting; see transport.h. */
int
transport_connect(struct transport *t)
{
	struct evutil_addrinfo hints, *res = NULL;
	struct transport_resolve *r;
	struct evdns_getaddrinfo_request *req;
	struct evdns_base *dns;
	char port[8];

	if (t == NULL || t->state != TS_NEW)
		return -1;
	snprintf(port, sizeof port, "%u", t->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	t->state = TS_RESOLVING;
	if (evutil_getaddrinfo(t->host, port, &hints, &res) == 0) {
		transport_connect_addrs(t, res);
		return 0;
	}

	dns = t->dns;
	r = xcalloc(1, sizeof *r);
	r->base = t->base;
	if (dns == NULL) {
		dns = transport_dns_new(t);
		if (dns == NULL) {
			free(r);
			transport_fail(t, TRANSPORT_ERR_LOCAL,
			    "%s: cannot start the DNS resolver", t->peer);
			return 0;
		}
		r->dns = dns;
	}
	r->t = t;
	t->resolve = r;
	transport_deadline(t, t->connect_ms);
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	req = evdns_getaddrinfo(
	    dns, t->host, port, &hints, transport_resolved, r);
	/* The callback may have run already (hosts file, failure). */
	if (t->resolve == r)
		r->req = req;
	return 0;
}

/* Queue bytes through deflate into the output (RFC 4978). */
static int
transport_deflate(struct transport *t, const void *data, size_t len, int flush)
{
	struct evbuffer *out = bufferevent_get_output(t->bev);
	const unsigned char *p = data;
	struct evbuffer_iovec v;
	size_t chunk;
	int r;

	do {
		chunk = len < TRANSPORT_ZMAX ? len : TRANSPORT_ZMAX;
		t->zout.next_in = (unsigned char *)(uintptr_t)p;
		t->zout.avail_in = (uInt)chunk;
		do {
			if (evbuffer_reserve_space(
				out, TRANSPORT_ZCHUNK, &v, 1) < 1)
				transport_need(NULL, "evbuffer");
			if (v.iov_len > TRANSPORT_ZCHUNK)
				v.iov_len = TRANSPORT_ZCHUNK;
			t->zout.next_out = v.iov_base;
			t->zout.avail_out = (uInt)v.iov_len;
			r = deflate(&t->zout, chunk < len ? Z_NO_FLUSH : flush);
			v.iov_len -= t->zout.avail_out;
			evbuffer_commit_space(out, &v, 1);
			if (r == Z_STREAM_ERROR)
				return -1;
			if (r == Z_BUF_ERROR)
				break; /* nothing left to do */
		} while (t->zout.avail_out == 0 || t->zout.avail_in > 0);
		p += chunk;
		len -= chunk;
	} while (len > 0);
	return 0;
}

/*
 * Inflate what has arrived into the input, at most budget bytes.  -1 on a
 * corrupt stream (the transport has failed).  Sets t->zpending when it
 * stopped for lack of room rather than of input.
 */
static int
transport_inflate(struct transport *t, size_t budget)
{
	struct evbuffer_iovec src, dst;
	size_t made = 0, want, inlen, used, got;
	int r;

	t->zpending = 0;
	while (made < budget && !t->zend) {
		if (evbuffer_peek(t->zbuf, -1, NULL, &src, 1) < 1) {
			src.iov_base = NULL;
			src.iov_len = 0;
		}
		inlen =
		    src.iov_len < TRANSPORT_ZMAX ? src.iov_len : TRANSPORT_ZMAX;
		want = budget - made < TRANSPORT_ZCHUNK ? budget - made
							: TRANSPORT_ZCHUNK;
		if (evbuffer_reserve_space(t->in, want, &dst, 1) < 1)
			transport_need(NULL, "evbuffer");
		if (dst.iov_len > want)
			dst.iov_len = want;
		t->zin.next_in = src.iov_base;
		t->zin.avail_in = (uInt)inlen;
		t->zin.next_out = dst.iov_base;
		t->zin.avail_out = (uInt)dst.iov_len;
		r = inflate(&t->zin, Z_SYNC_FLUSH);
		used = inlen - t->zin.avail_in;
		got = dst.iov_len - t->zin.avail_out;
		dst.iov_len = got;
		evbuffer_commit_space(t->in, &dst, 1);
		if (used > 0)
			evbuffer_drain(t->zbuf, used);
		made += got;
		if (r == Z_STREAM_END) {
			/* A server may finish the stream before it closes
			 * (Dovecot does at LOGOUT); nothing may follow. */
			t->zend = 1;
			break;
		}
		if (r == Z_BUF_ERROR || (used == 0 && got == 0))
			break; /* needs more input */
		if (r != Z_OK) {
			transport_fail(t, TRANSPORT_ERR_PROTOCOL,
			    "%s: compressed data from the server is corrupt "
			    "(%s)",
			    t->peer, t->zin.msg != NULL ? t->zin.msg : "zlib");
			return -1;
		}
		if (t->zin.avail_out == 0) {
			if (made >= budget)
				t->zpending = 1;
			continue;
		}
		if (evbuffer_get_length(t->zbuf) == 0)
			break;
	}
	return 0;
}

/*
 * Move what the connection received into the caller's input (inflating if
 * need be) as far as max_input allows, tell the caller, and notice the end
 * of the stream.  -1 if a callback freed the transport.
 */
static int
transport_pump(struct transport *t)
{
	struct evbuffer *src;
	size_t before, room, zlen;
	int more, stalled, garbage = 0;

	if (t->state != TS_OPEN && t->state != TS_SECURE)
		return 0;
	src = bufferevent_get_input(t->bev);
	before = evbuffer_get_length(t->in);
	room = before < t->max_input ? t->max_input - before : 0;
	if (!t->compress) {
		if (room > 0)
			evbuffer_remove_buffer(src, t->in, room);
		more = evbuffer_get_length(src) > 0;
	} else {
		zlen = evbuffer_get_length(t->zbuf);
		if (zlen < t->max_input)
			evbuffer_remove_buffer(
			    src, t->zbuf, t->max_input - zlen);
		if (room > 0 &&
		    transport_inflate(t,
			room < TRANSPORT_INFLATE_BUDGET
			    ? room
			    : TRANSPORT_INFLATE_BUDGET) == -1)
			return 0;
		more = t->zpending || evbuffer_get_length(src) > 0;
		if (t->zend &&
		    (evbuffer_get_length(t->zbuf) > 0 ||
			evbuffer_get_length(src) > 0)) {
			/* Deliver what came before the end, then fail. */
			more = 0;
			garbage = 1;
		}
	}
	stalled = more && evbuffer_get_length(t->in) >= t->max_input;
	if (stalled != t->stalled) {
		t->stalled = stalled;
		transport_apply_idle(t);
	}
	if (more && !t->stalled)
		transport_schedule(t, TD_PUMP);
	if (evbuffer_get_length(t->in) > before && t->cbs.data != NULL) {
		transport_enter(t);
		t->cbs.data(t, t->arg);
		if (transport_leave(t) == -1)
			return -1;
	}
	if (garbage && (t->state == TS_OPEN || t->state == TS_SECURE))
		transport_fail(t, TRANSPORT_ERR_PROTOCOL,
		    "%s: data after the end of the compressed stream", t->peer);
	else if (!more && t->peer_eof &&
	    (t->state == TS_OPEN || t->state == TS_SECURE))
		transport_fail(t, TRANSPORT_ERR_CLOSED,
		    "%s: connection closed by the server", t->peer);
	return 0;
}

/* The caller drained input: resume reading if we had stopped. */
static void
transport_in_cb(
    struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct transport *t = arg;

	if (info->n_deleted > 0 && t->stalled &&
	    evbuffer_get_length(buf) < t->max_input) {
		t->stalled = 0;
		transport_apply_idle(t);
		transport_schedule(t, TD_PUMP);
	}
}

/* TLS is up and trusted: let data flow and tell the caller.  -1 if the
 * callback freed the transport. */
static int
transport_secure(struct transport *t, enum transport_trust trust)
{
	t->trust = trust;
	t->state = TS_SECURE;
	bufferevent_enable(t->bev, EV_READ);
	transport_apply_idle(t);
	if (t->cbs.tls_ready != NULL) {
		transport_enter(t);
		t->cbs.tls_ready(t, t->arg);
		if (transport_leave(t) == -1)
			return -1;
	}
	/* The greeting may have been decrypted while we were deciding. */
	if (t->state == TS_SECURE)
		transport_schedule(t, TD_PUMP);
	return 0;
}

/* The handshake finished: trusted, pinned, or a question for a person. */
static void
transport_handshake_done(struct transport *t)
{
	unsigned char *der = NULL;
	X509 *peer;
	SSL *ssl;
	long verify;
	int len;

	evtimer_del(t->ev_timer);
	ssl = bufferevent_openssl_get_ssl(t->bev);
	peer = SSL_get1_peer_certificate(ssl);
	if (peer == NULL) {
		transport_fail(t, TRANSPORT_ERR_TLS,
		    "%s: the server sent no certificate", t->peer);
		return;
	}
	/* Belt and braces: a failure the callback did not see still counts. */
	verify = SSL_get_verify_result(ssl);
	if (verify != X509_V_OK && t->problems == 0)
		t->problems = tls_cert_problem_from_error((int)verify);
	len = i2d_X509(peer, &der);
	X509_free(peer);
	if (len > 0)
		t->cert = tls_cert_from_der(der, (size_t)len, t->peer,
		    t->server_name, t->problems, t->other_problem);
	OPENSSL_free(der);
	if (t->cert == NULL) {
		transport_fail(t, TRANSPORT_ERR_TLS,
		    "%s: cannot read the server's certificate", t->peer);
		return;
	}
	if (t->pin_file == NULL)
		t->cert->always_allowed = 0;
	if (t->problems == 0) {
		(void)transport_secure(t, TRANSPORT_TRUST_VERIFIED);
		return;
	}
	/* Only what could have been pinned can be found pinned. */
	if (t->cert->always_allowed &&
	    tls_cert_pin_lookup(
		t->pin_file, t->pin_key, t->cert->fingerprint)) {
		(void)transport_secure(t, TRANSPORT_TRUST_PINNED);
		return;
	}
	t->state = TS_QUESTION;
	bufferevent_disable(t->bev, EV_READ);
	if (t->cbs.cert_question == NULL) {
		t->answer = TRANSPORT_CERT_REJECT;
		t->answered = 1;
		transport_schedule(t, TD_ANSWER);
		return;
	}
	transport_enter(t);
	t->cbs.cert_question(t, t->cert, t->arg);
	(void)transport_leave(t);
}

/* Act on the answer to the certificate question.  -1 if freed. */
static int
transport_apply_answer(struct transport *t)
{
	char *summary, *err;

	if (t->state != TS_QUESTION || !t->answered)
		return 0;
	switch (t->answer) {
	case TRANSPORT_CERT_REJECT:
		summary = tls_cert_summary(t->cert);
		transport_fail(
		    t, TRANSPORT_ERR_CERT_REJECTED, "%s: %s", t->peer, summary);
		free(summary);
		return 0;
	case TRANSPORT_CERT_ACCEPT_ALWAYS:
		if (tls_cert_pin_add(t->pin_file, t->pin_key,
			t->cert->fingerprint, &err) == -1) {
			transport_fail(t, TRANSPORT_ERR_LOCAL,
			    "%s: cannot pin the certificate: %s", t->peer, err);
			free(err);
			return 0;
		}
		return transport_secure(t, TRANSPORT_TRUST_PINNED);
	case TRANSPORT_CERT_ACCEPT_ONCE:
	default: return transport_secure(t, TRANSPORT_TRUST_ONCE);
	}
}

/* Describe a bufferevent error: OpenSSL's reason if it has one. */
static int
transport_bev_error(struct transport *t, char *buf, size_t size)
{
	unsigned long e, first = 0;
	int saved = EVUTIL_SOCKET_ERROR();

	while ((e = bufferevent_get_openssl_error(t->bev)) != 0) {
		if (first == 0)
			first = e;
	}
	if (first != 0) {
		transport_ssl_error_text(first, buf, size);
		return 1;
	}
	snprintf(buf, size, "%s",
	    saved != 0 ? evutil_socket_error_to_string(saved) : "I/O error");
	return 0;
}

/* Something other than data happened on the connection. */
static void
transport_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct transport *t = arg;
	char buf[256], dur[32];
	int ssl;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (t->state == TS_HANDSHAKE)
			transport_handshake_done(t);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		transport_fail(t, TRANSPORT_ERR_TIMEOUT,
		    "%s: no data from the server for %s", t->peer,
		    transport_duration(t->idle_ms, dur, sizeof dur));
		return;
	}
	if (what & BEV_EVENT_EOF) {
		if (t->state == TS_HANDSHAKE) {
			transport_fail(t, TRANSPORT_ERR_TLS,
			    "%s: TLS handshake failed: the server closed the "
			    "connection",
			    t->peer);
			return;
		}
		/* Hand over what is left first; the pump reports the end. */
		t->peer_eof = 1;
		(void)transport_pump(t);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		ssl = transport_bev_error(t, buf, sizeof buf);
		if (t->state == TS_HANDSHAKE)
			transport_fail(t, TRANSPORT_ERR_TLS,
			    "%s: TLS handshake failed: %s", t->peer, buf);
		else if (ssl)
			transport_fail(t, TRANSPORT_ERR_TLS,
			    "%s: TLS error: %s", t->peer, buf);
		else
			transport_fail(t, TRANSPORT_ERR_CLOSED,
			    "%s: connection lost: %s", t->peer, buf);
	}
}

/* Bytes arrived. */
static void
transport_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)transport_pump(arg);
}

/* The resolve or handshake deadline passed. */
static void
transport_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	char dur[32];

	(void)fd;
	(void)what;
	if (t->state == TS_RESOLVING)
		transport_fail(t, TRANSPORT_ERR_TIMEOUT,
		    "%s: resolving %s timed out after %s", t->peer, t->host,
		    transport_duration(t->connect_ms, dur, sizeof dur));
	else if (t->state == TS_HANDSHAKE)
		transport_fail(t, TRANSPORT_ERR_TIMEOUT,
		    "%s: TLS handshake timed out after %s", t->peer,
		    transport_duration(t->tls_ms, dur, sizeof dur));
}

/* Run the deferred work; see the TD_* flags. */
static void
transport_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	unsigned todo = t->pending;

	(void)fd;
	(void)what;
	t->pending = 0;
	if ((todo & TD_INJECTED) && t->cbs.injected != NULL) {
		transport_enter(t);
		t->cbs.injected(t, t->injected, t->injected_shown,
		    t->injected_total, t->arg);
		if (transport_leave(t) == -1)
			return;
	}
	if ((todo & TD_ANSWER) && transport_apply_answer(t) == -1)
		return;
	if ((todo & TD_FLUSH) && t->compress && t->bev != NULL &&
	    transport_deflate(t, NULL, 0, Z_SYNC_FLUSH) == -1)
		transport_fail(
		    t, TRANSPORT_ERR_LOCAL, "%s: compressing failed", t->peer);
	if ((todo & TD_PUMP) && transport_pump(t) == -1)
		return;
	if ((todo & TD_ERROR) && t->state == TS_FAILED) {
		transport_enter(t);
		t->cbs.error(t, t->error, t->errmsg, t->arg);
		(void)transport_leave(t);
	}
}

/* Queue bytes for the server; see transport.h. */
int
transport_write(struct transport *t, const void *data, size_t len)
{
	if (t == NULL || (t->state != TS_OPEN && t->state != TS_SECURE))
		return -1;
	if (len == 0)
		return 0;
	if (t->compress) {
		if (transport_deflate(t, data, len, Z_NO_FLUSH) == -1)
			return -1;
		/* One sync flush per batch of writes, when the loop turns. */
		transport_schedule(t, TD_FLUSH);
		return 0;
	}
	return bufferevent_write(t->bev, data, len) == 0 ? 0 : -1;
}

/* Format and queue; see transport.h. */
int
transport_vprintf(struct transport *t, const char *fmt, va_list ap)
{
	char buf[512], *p = buf;
	va_list copy;
	int n, r;

	va_copy(copy, ap);
	n = vsnprintf(buf, sizeof buf, fmt, copy);
	va_end(copy);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof buf) {
		p = xmalloc((size_t)n + 1);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	}
	r = transport_write(t, p, (size_t)n);
	if (p != buf)
		free(p);
	return r;
}

/* Format and queue; see transport.h. */
int
transport_printf(struct transport *t, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = transport_vprintf(t, fmt, ap);
	va_end(ap);
	return r;
}

/* The caller's input buffer. */
struct evbuffer *
transport_input(struct transport *t)
{
	return t->in;
}

/*
 * Drop everything received but not parsed before STARTTLS: a server (or a
 * man in the middle) that sends more after its OK is trying to get
 * plaintext treated as if it came over TLS.
 */
static void
transport_discard_injected(struct transport *t)
{
	struct evbuffer *src = bufferevent_get_input(t->bev);
	size_t a = evbuffer_get_length(t->in), b = evbuffer_get_length(src);
	size_t n;

	if (a + b == 0)
		return;
	n = a < TRANSPORT_INJECTED_SHOWN ? a : TRANSPORT_INJECTED_SHOWN;
	evbuffer_copyout(t->in, t->injected, n);
	if (n < TRANSPORT_INJECTED_SHOWN) {
		b = b < TRANSPORT_INJECTED_SHOWN - n
		    ? b
		    : TRANSPORT_INJECTED_SHOWN - n;
		evbuffer_copyout(src, t->injected + n, b);
		n += b;
	}
	t->injected_shown = n;
	t->injected_total = a + evbuffer_get_length(src);
	evbuffer_drain(t->in, a);
	evbuffer_drain(src, evbuffer_get_length(src));
	transport_schedule(t, TD_INJECTED);
}

/* Begin the STARTTLS/STLS handshake; see transport.h. */
int
transport_start_tls(struct transport *t)
{
	struct bufferevent *filter;
	SSL *ssl;

	if (t == NULL || t->mode != TRANSPORT_TLS_STARTTLS ||
	    t->state != TS_OPEN || t->tls_started || t->compress)
		return -1;
	/* Our STARTTLS must have gone out whole, and nothing after it. */
	if (evbuffer_get_length(bufferevent_get_output(t->bev)) > 0)
		return -1;
	transport_discard_injected(t);
	bufferevent_set_timeouts(t->bev, NULL, NULL);
	ssl = transport_ssl_new(t);
	filter =
	    transport_need(bufferevent_openssl_filter_new(t->base, t->bev, ssl,
			       BUFFEREVENT_SSL_CONNECTING,
			       BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS),
		"bufferevent");
	bufferevent_openssl_set_allow_dirty_shutdown(filter, 1);
	t->bev = filter;
	t->tls_started = 1;
	t->state = TS_HANDSHAKE;
	transport_bev_setup(t);
	transport_deadline(t, t->tls_ms);
	return 0;
}

/* Switch compression on; see transport.h. */
int
transport_start_compress(struct transport *t)
{
	if (t == NULL || (t->state != TS_OPEN && t->state != TS_SECURE) ||
	    t->compress)
		return -1;
	memset(&t->zin, 0, sizeof t->zin);
	memset(&t->zout, 0, sizeof t->zout);
	/* Raw deflate, no zlib header (RFC 4978 section 3). */
	if (inflateInit2(&t->zin, -15) != Z_OK)
		return -1;
	if (deflateInit2(&t->zout, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
		Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&t->zin);
		return -1;
	}
	t->zbuf = transport_need(evbuffer_new(), "evbuffer");
	t->compress = 1;
	/* What follows the OK in the input is compressed already. */
	evbuffer_add_buffer(t->zbuf, t->in);
	transport_schedule(t, TD_PUMP);
	return 0;
}

/* Answer the certificate question; see transport.h. */
int
transport_cert_answer(struct transport *t, enum transport_cert_answer answer)
{
	if (t == NULL || t->state != TS_QUESTION || t->answered)
		return -1;
	switch (answer) {
	case TRANSPORT_CERT_ACCEPT_ALWAYS:
		if (!t->cert->always_allowed)
			return -1;
		break;
	case TRANSPORT_CERT_REJECT:
	case TRANSPORT_CERT_ACCEPT_ONCE: break;
	default: return -1;
	}
	t->answer = answer;
	t->answered = 1;
	transport_schedule(t, TD_ANSWER);
	return 0;
}

/* Change the idle timeout; see transport.h. */
void
transport_set_idle_timeout(struct transport *t, int idle_timeout_ms)
{
	t->idle_ms = idle_timeout_ms > 0 ? idle_timeout_ms : 0;
	transport_apply_idle(t);
}

/* Drop the connection, silence every callback. */
void
transport_close(struct transport *t)
{
	if (t == NULL || t->state == TS_CLOSED)
		return;
	transport_teardown(t);
	t->state = TS_CLOSED;
	t->pending = 0;
	event_del(t->ev_defer);
}

/* Free the transport; see transport.h. */
void
transport_free(struct transport *t)
{
	if (t == NULL || t->freed)
		return;
	transport_close(t);
	event_free(t->ev_defer);
	event_free(t->ev_timer);
	evbuffer_free(t->in);
	SSL_CTX_free(t->ctx);
	tls_cert_free(t->cert);
	free(t->other_problem);
	free(t->attempts);
	free(t->errmsg);
	free(t->host);
	free(t->server_name);
	free(t->pin_file);
	free(t->peer);
	free(t->pin_key);
	t->freed = 1;
	/* Inside a callback the struct goes when the callback returns. */
	if (t->depth == 0)
		free(t);
}

/* Is TLS up and trusted? */
int
transport_is_tls(const struct transport *t)
{
	return t != NULL && t->state == TS_SECURE;
}

/* Is compression on? */
int
transport_is_compressed(const struct transport *t)
{
	return t != NULL && t->compress;
}

/* Describe the TLS connection; see transport.h. */
int
transport_tls_info(const struct transport *t, struct transport_tls_info *info)
{
	SSL *ssl;

	memset(info, 0, sizeof *info);
	if (t == NULL || t->state != TS_SECURE || t->bev == NULL)
		return -1;
	ssl = bufferevent_openssl_get_ssl(t->bev);
	if (ssl == NULL)
		return -1;
	info->protocol = SSL_get_version(ssl);
	info->cipher = SSL_get_cipher_name(ssl);
	info->bits = SSL_get_cipher_bits(ssl, NULL);
	info->trust = t->trust;
	info->cert = t->cert;
	return 0;
}

/* "host:port" as configured. */
const char *
transport_peer(const struct transport *t)
{
	return t->peer;
}

/* The address connected to or being tried. */
const char *
transport_address(const struct transport *t)
{
	return t->address;
}

/* A short name for an error class. */
const char *
transport_error_name(enum transport_error error)
{
	switch (error) {
	case TRANSPORT_ERR_CONNECT: return "connect";
	case TRANSPORT_ERR_TLS: return "tls";
	case TRANSPORT_ERR_CERT_REJECTED: return "certificate rejected";
	case TRANSPORT_ERR_TIMEOUT: return "timeout";
	case TRANSPORT_ERR_CLOSED: return "closed";
	case TRANSPORT_ERR_PROTOCOL: return "protocol";
	case TRANSPORT_ERR_LOCAL: return "local";
	}
	return "unknown";
}
