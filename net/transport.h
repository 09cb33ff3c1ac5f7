/*
 * transport.h - one connection to a mail server: TCP, then TLS, then
 * optionally compression, on a libevent loop.
 *
 * The protocol sessions (IMAP, POP3) talk to their server through this and
 * know nothing of sockets, certificates or zlib.  A transport resolves the
 * host without blocking (evdns, /etc/hosts included), tries every address
 * in turn with a connect timeout, then does implicit TLS, or plaintext
 * until the session calls transport_start_tls() after the server's answer
 * to STARTTLS/STLS, or plaintext for good (TRANSPORT_PLAIN: only for an
 * account that said tls = off).  TLS is OpenSSL 3 through libevent's
 * bufferevents: TLS 1.2 at least, SNI, host name checked by OpenSSL
 * (SSL_set1_host, no partial wildcards, never the subject CN).
 *
 * An untrusted certificate is a question, not a decision: the handshake
 * completes, and unless the certificate's fingerprint is pinned for this
 * host:port the transport pauses (no tls_ready, nothing read or written)
 * and calls cert_question.  The caller answers with transport_cert_answer()
 * whenever it likes; a caller that cannot ask anybody answers REJECT (and
 * shows tls_cert_format()).  No cert_question callback means REJECT.
 *
 * Events go to one struct of callbacks:
 *
 *     connected      TCP is up (for implicit TLS the handshake follows)
 *     tls_ready      TLS is up and trusted; the session may talk
 *     data           new bytes wait in transport_input()
 *     cert_question  see above
 *     injected       bytes the server sent between its STARTTLS answer and
 *                    the handshake were thrown away (a possible attack)
 *     error          the end: the connection is gone, with a class and one
 *                    readable line.  A peer that closes (OpenSMTPD's
 *                    "disconnected") is TRANSPORT_ERR_CLOSED, a timeout
 *                    TRANSPORT_ERR_TIMEOUT.  Fires at most once; nothing
 *                    fires after it.
 *
 * Rules the caller can rely on:
 *  - No callback fires from inside a transport_* call: whatever a call
 *    starts is reported from the event loop later.
 *  - After transport_close() or transport_free() no callback fires.  Any
 *    callback may call transport_free() on its own transport.
 *  - Data is delivered before the CLOSED error that follows it.
 *
 * Input is flow-controlled: once transport_input() holds max_input bytes
 * the transport stops reading until the caller drains some, so a parser
 * that cannot make progress within max_input bytes must fail (line too
 * long) rather than wait.  Compressed input is inflated at most 64 KiB per
 * loop turn, so a small packet cannot make the loop stall.
 *
 * The program must ignore SIGPIPE: a write to a connection the peer has
 * reset would otherwise kill it (net/ does not change signal dispositions).
 */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include <stdarg.h>
#include <stddef.h>

#include "tls_cert.h"

struct event_base;
struct evbuffer;
struct evdns_base;
struct transport;

enum transport_mode {
	TRANSPORT_TLS_IMPLICIT, /* TLS from the first byte (993, 995) */
	TRANSPORT_TLS_STARTTLS, /* plaintext until transport_start_tls() */
	TRANSPORT_PLAIN, /* never TLS: only when the account says tls = off */
};

/* The class of a failure, so the caller can choose between reconnecting,
 * telling the user, or staying quiet. */
enum transport_error {
	TRANSPORT_ERR_CONNECT = 1, /* DNS failed, refused, unreachable */
	TRANSPORT_ERR_TLS, /* handshake or TLS record layer failed */
	TRANSPORT_ERR_CERT_REJECTED, /* the certificate question said no */
	TRANSPORT_ERR_TIMEOUT, /* connect, TLS handshake or idle read */
	TRANSPORT_ERR_CLOSED, /* the server closed or reset the connection */
	TRANSPORT_ERR_PROTOCOL, /* for callers; the transport itself only
				   uses it for a corrupt compressed stream */
	TRANSPORT_ERR_LOCAL, /* our side: resolver, pin file */
};

/* Answers to the certificate question. */
enum transport_cert_answer {
	TRANSPORT_CERT_REJECT,
	TRANSPORT_CERT_ACCEPT_ONCE,
	TRANSPORT_CERT_ACCEPT_ALWAYS, /* pin it; only if always_allowed */
};

/* Why the transport trusts the TLS connection it has. */
enum transport_trust {
	TRANSPORT_TRUST_NONE, /* no TLS (yet) */
	TRANSPORT_TRUST_VERIFIED, /* chain and name verified */
	TRANSPORT_TRUST_PINNED, /* fingerprint found in the pin file */
	TRANSPORT_TRUST_ONCE, /* a person accepted it for this connection */
};

/*
 * What the caller decides.  Strings are copied by transport_new().  A zero
 * timeout or max_input means the default (30 s connect, 30 s handshake,
 * 1 MiB of input); a zero idle timeout means none.
 */
struct transport_config {
	const char *host; /* name or numeric address */
	unsigned port;
	enum transport_mode mode;
	const char *server_name; /* SNI and verification; NULL: host */
	const char *ca_file; /* extra trusted CAs (PEM), besides the system's;
				NULL for none */
	const char *pin_file; /* accepted fingerprints; NULL: never offer
				 "accept always" */
	int connect_timeout_ms; /* resolving, and then each address */
	int tls_timeout_ms; /* the TLS handshake */
	int idle_timeout_ms; /* no byte from the server for this long */
	size_t max_input; /* most bytes transport_input() holds */
	struct evdns_base *dns; /* borrowed resolver; NULL: the transport makes
				   its own from /etc/resolv.conf */
};

/*
 * The events.  arg is what was given to transport_new().  error is
 * required, the others may be NULL.  Pointers handed to a callback are
 * borrowed: cert stays valid until transport_cert_answer() has been acted
 * on or the transport is freed, msg and bytes only during the call.
 */
struct transport_cbs {
	void (*connected)(struct transport *t, void *arg);
	void (*tls_ready)(struct transport *t, void *arg);
	void (*data)(struct transport *t, void *arg);
	void (*cert_question)(
	    struct transport *t, const struct tls_cert *cert, void *arg);
	/* total bytes were dropped; bytes holds the first shown of them, raw
	 * from the network: never print them unsanitised. */
	void (*injected)(struct transport *t, const void *bytes, size_t shown,
	    size_t total, void *arg);
	void (*error)(struct transport *t, enum transport_error error,
	    const char *msg, void *arg);
};

/* What transport_tls_info() reports; pointers are owned by the transport
 * and valid until it is closed or freed. */
struct transport_tls_info {
	const char *protocol; /* "TLSv1.3" */
	const char *cipher; /* "TLS_AES_256_GCM_SHA384" */
	int bits; /* secret bits of the cipher */
	enum transport_trust trust;
	const struct tls_cert *cert; /* the server's certificate */
};

/*
 * A transport on base (borrowed, must outlive it) that has not connected
 * yet.  NULL with *err set (allocated) when cfg is unusable: no host, port
 * out of range, unknown mode, a CA file OpenSSL cannot load.
 */
struct transport *
transport_new(struct event_base *base, const struct transport_config *cfg,
    const struct transport_cbs *cbs, void *arg, char **err);

/* Start resolving and connecting; the outcome comes as callbacks.  -1 if
 * the transport was connected before. */
int transport_connect(struct transport *t);

/*
 * Queue bytes for the server (compressed if compression is on).  -1 when
 * the connection cannot carry application data now: before connected (or
 * before tls_ready for implicit TLS), during a STARTTLS handshake or a
 * certificate question, after an error or close.
 */
int transport_write(struct transport *t, const void *data, size_t len);
int transport_printf(struct transport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int transport_vprintf(struct transport *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The bytes received and not yet consumed; the caller drains what it
 * parses.  Owned by the transport, the same buffer for its whole life. */
struct evbuffer *transport_input(struct transport *t);

/*
 * Begin TLS on a TRANSPORT_TLS_STARTTLS connection, right after the
 * server's positive answer has been parsed: call it from the data callback
 * before parsing anything further.  Everything still unparsed is then
 * discarded and reported through the injected callback, never delivered.
 * -1 (and nothing changes) in the wrong mode or state, or if bytes written
 * earlier have not been sent yet.
 */
int transport_start_tls(struct transport *t);

/*
 * Switch on RFC 4978 COMPRESS=DEFLATE both ways, right after the server's
 * OK has been parsed (same rule as transport_start_tls: anything unparsed
 * in the input is already compressed and is inflated).  -1 if not
 * connected or already compressing.
 */
int transport_start_compress(struct transport *t);

/* Answer the certificate question.  -1 if no question is open, one was
 * already answered, or ALWAYS was not allowed. */
int
transport_cert_answer(struct transport *t, enum transport_cert_answer answer);

/* Change the idle read timeout (0: none), e.g. around IMAP IDLE. */
void transport_set_idle_timeout(struct transport *t, int idle_timeout_ms);

/* Drop the connection now (unsent bytes are lost); no callback fires
 * afterwards.  The transport can still be asked about, then freed. */
void transport_close(struct transport *t);

/* Close and free; NULL is fine. */
void transport_free(struct transport *t);

/* Is the connection TLS, trusted, and ready? */
int transport_is_tls(const struct transport *t);

/* Is compression on? */
int transport_is_compressed(const struct transport *t);

/* Protocol, cipher and trust of a TLS connection; -1 when there is none. */
int
transport_tls_info(const struct transport *t, struct transport_tls_info *info);

/* "host:port" as configured, for messages. */
const char *transport_peer(const struct transport *t);

/* The address connected to (or being tried): "127.0.0.1", "[::1]"; "" if
 * none yet. */
const char *transport_address(const struct transport *t);

/* A short name for an error class: "connect", "tls", ... */
const char *transport_error_name(enum transport_error error);

#endif
