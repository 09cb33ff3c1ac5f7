/*
 * test_imap_hostile.c - the IMAP session (net/imap.c) against a server
 * that misbehaves on purpose: tests/hostile/imap_script.py.
 *
 * Each test starts the script with one scenario, connects, and checks
 * two things: the session ends in the right class of failure (or works,
 * for the IMAP4rev1/IMAP4rev2 comparison), and what reached the server -
 * the script records every byte it receives - holds nothing that should
 * not have been sent: no credential before TLS, nothing after a refused
 * STARTTLS.  TLS scenarios use certificates made by the fixture's CA
 * (tests/server/fixture.py), no Dovecot.  Waits have deadlines; nothing
 * sleeps a fixed time.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "imap.h"
#include "imap_parse.h"
#include "testutil.h"

#define WAIT_MS 20000
#define PASSWORD "pencil"

static char *srcdir;
static char *certdir; /* server.pem, server.key, ca.pem */

/* One scripted server and one session talking to it. */
struct run {
	struct event_base *base;
	struct imap *s;
	GPid pid;
	char *record; /* file the server writes what it received to */
	int in_call;
	int ready, closed, alerts;
	enum imap_result why;
	char *why_msg;
	size_t injected;
};

/* Everything a command got. */
struct op {
	struct run *r;
	int done, data;
	enum imap_result res;
	char *msg;
	void (*hook)(struct op *, const struct imap_response *);
	void *priv;
};

static struct run *
run_event(void *arg)
{
	struct run *r = arg;

	g_assert_false(r->in_call);
	return r;
}

static void
on_ready(struct imap *s, void *arg)
{
	(void)s;
	run_event(arg)->ready++;
}

static void
on_alert(struct imap *s, const char *text, void *arg)
{
	(void)s;
	(void)text;
	run_event(arg)->alerts++;
}

static void
on_closed(struct imap *s, enum imap_result why, const char *msg, void *arg)
{
	struct run *r = run_event(arg);

	(void)s;
	r->closed++;
	r->why = why;
	g_free(r->why_msg);
	r->why_msg = g_strdup(msg);
}

static void
on_injected(struct imap *s, size_t bytes, void *arg)
{
	(void)s;
	run_event(arg)->injected += bytes;
}

static void
on_trace(struct imap *s, char dir, const char *line, void *arg)
{
	(void)s;
	(void)arg;
	if (g_getenv("TERN_TEST_TRACE") != NULL)
		g_printerr("# %c %s\n", dir, line);
}

static const struct imap_events run_events = {
	.ready = on_ready,
	.alert = on_alert,
	.closed = on_closed,
	.injected = on_injected,
	.trace = on_trace,
};

/* Read the port the script prints, with a deadline. */
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
			g_error("the scripted server printed no port");
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			g_error("the scripted server exited early");
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (unsigned)strtoul(buf, NULL, 10);
}

/* Start the script for scenario and a session on it (not connected). */
static void
run_start(struct run *r, const char *scenario, enum transport_mode mode,
    const char *const *mechs, void (*tweak)(struct imap_config *))
{
	char *script = g_build_filename(
	    srcdir, "tests", "hostile", "imap_script.py", NULL);
	char *argv[] = { "python3", script, (char *)scenario, "--record", NULL,
		"--certdir", certdir, NULL };
	struct imap_config cfg;
	GError *error = NULL;
	char *err = NULL, *ca;
	int out;

	memset(r, 0, sizeof *r);
	r->record = g_build_filename(certdir, "record", NULL);
	argv[4] = r->record;
	if (!g_spawn_async_with_pipes(NULL, argv, NULL,
		G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
		&r->pid, NULL, &out, NULL, &error))
		g_error("%s: %s", script, error->message);
	ca = g_build_filename(certdir, "ca.pem", NULL);
	memset(&cfg, 0, sizeof cfg);
	cfg.transport.host = "127.0.0.1";
	cfg.transport.server_name = "localhost";
	cfg.transport.port = read_port(out);
	close(out);
	cfg.transport.mode = mode;
	cfg.transport.ca_file = ca;
	cfg.transport.connect_timeout_ms = 5000;
	cfg.transport.tls_timeout_ms = 5000;
	cfg.transport.idle_timeout_ms = WAIT_MS;
	cfg.user = "alice";
	cfg.password = PASSWORD;
	cfg.mechanisms = mechs;
	cfg.max_in_flight = 4;
	if (tweak != NULL)
		tweak(&cfg);
	r->base = event_base_new();
	r->in_call = 1;
	r->s = imap_new(r->base, &cfg, &run_events, r, &err);
	g_assert_null(err);
	imap_connect(r->s);
	r->in_call = 0;
	g_free(ca);
	g_free(script);
}

static gboolean
ready_or_closed(void *arg)
{
	struct run *r = arg;

	return r->ready || r->closed;
}

static gboolean
is_closed(void *arg)
{
	return ((struct run *)arg)->closed > 0;
}

/* Wait for the end; check its class. */
static void
run_wait_closed(struct run *r, enum imap_result want)
{
	if (!testutil_wait_until(r->base, is_closed, r, WAIT_MS))
		g_error("the session did not end");
	g_assert_cmpint(r->closed, ==, 1);
	if (r->why != want)
		g_error("ended with %s (%s), not %s", imap_result_name(r->why),
		    r->why_msg, imap_result_name(want));
}

/* Wait for ready. */
static void
run_wait_ready(struct run *r)
{
	if (!testutil_wait_until(r->base, ready_or_closed, r, WAIT_MS) ||
	    !r->ready)
		g_error("not ready: %s", r->closed ? r->why_msg : "timed out");
}

/*
 * Free the session, let the server finish (it exits when the connection
 * goes), and return what it received (allocated).
 */
static char *
run_finish(struct run *r)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	char *got = NULL;
	int status = 0;
	pid_t w;

	r->in_call = 1;
	imap_free(r->s);
	r->in_call = 0;
	while ((w = waitpid(r->pid, &status, WNOHANG)) == 0) {
		/* libevent closes a freed bufferevent's socket from the
		 * loop: turn it, or the server never sees the end. */
		event_base_loop(r->base, EVLOOP_NONBLOCK);
		if (g_get_monotonic_time() > deadline) {
			kill(r->pid, SIGTERM);
			waitpid(r->pid, &status, 0);
			g_error("the scripted server did not exit");
		}
		g_usleep(10000);
	}
	g_spawn_close_pid(r->pid);
	if (!g_file_get_contents(r->record, &got, NULL, NULL))
		got = g_strdup("");
	g_free(r->record);
	g_free(r->why_msg);
	event_base_free(r->base);
	return got;
}

static void
op_data(struct imap *s, const struct imap_response *resp, void *arg)
{
	struct op *op = arg;

	(void)s;
	g_assert_false(op->r->in_call);
	op->data++;
	if (op->hook != NULL)
		op->hook(op, resp);
}

static void
op_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct op *op = arg;

	(void)s;
	(void)tagged;
	g_assert_false(op->r->in_call);
	op->done++;
	op->res = res;
	g_free(op->msg);
	op->msg = g_strdup(msg);
}

static gboolean
op_is_done(void *arg)
{
	return ((struct op *)arg)->done > 0;
}

/* Queue a command and wait for its end (op is zeroed first). */
static void
op_run(struct run *r, struct op *op,
    void (*hook)(struct op *, const struct imap_response *), void *priv,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	memset(op, 0, sizeof *op);
	op->r = r;
	op->hook = hook;
	op->priv = priv;
	r->in_call = 1;
	va_start(ap, fmt);
	rc = imap_vcommand(r->s, op_data, op_done, op, fmt, ap);
	va_end(ap);
	r->in_call = 0;
	g_assert_cmpint(rc, ==, 0);
	if (!testutil_wait_until(r->base, op_is_done, op, WAIT_MS))
		g_error("%s: no answer", fmt);
	g_assert_cmpint(op->done, ==, 1);
}

/* ---------------------------------------------------------- STARTTLS */

/* No STARTTLS in the greeting's capabilities: nothing is sent at all. */
static void
test_starttls_stripped(void)
{
	struct run r;
	char *got;

	run_start(&r, "starttls-stripped", TRANSPORT_TLS_STARTTLS, NULL, NULL);
	run_wait_closed(&r, IMAP_ERR_TLS);
	g_assert_nonnull(strstr(r.why_msg, "STARTTLS"));
	g_assert_cmpint(r.ready, ==, 0);
	got = run_finish(&r);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
}

/* No capabilities in the greeting: CAPABILITY, and nothing more. */
static void
test_starttls_asked(void)
{
	struct run r;
	char *got;

	run_start(&r, "starttls-asked", TRANSPORT_TLS_STARTTLS, NULL, NULL);
	run_wait_closed(&r, IMAP_ERR_TLS);
	got = run_finish(&r);
	g_assert_cmpstr(got, ==, "A1 CAPABILITY\r\n");
	g_free(got);
}

/* STARTTLS answered NO or BAD: the session ends, nothing follows. */
static void
test_starttls_refused(gconstpointer data)
{
	const char *scenario = data;
	struct run r;
	char *got;

	run_start(&r, scenario, TRANSPORT_TLS_STARTTLS, NULL, NULL);
	run_wait_closed(&r, IMAP_ERR_TLS);
	g_assert_nonnull(strstr(r.why_msg,
	    strcmp(scenario, "starttls-no") == 0 ? "not today"
						 : "what is that"));
	got = run_finish(&r);
	g_assert_cmpstr(got, ==, "A1 STARTTLS\r\n");
	g_assert_null(strstr(got, PASSWORD));
	g_free(got);
}

/* Plaintext injected after the OK is dropped and reported, never parsed:
 * its CAPABILITY and ALERT leave no trace. */
static void
test_starttls_inject(void)
{
	struct run r;
	char *got;
	size_t want = strlen("* CAPABILITY IMAP4rev1 AUTH=PLAIN INJECTED\r\n"
			     "* OK [ALERT] injected\r\n");

	run_start(&r, "starttls-inject", TRANSPORT_TLS_STARTTLS, NULL, NULL);
	run_wait_ready(&r);
	g_assert_cmpuint(r.injected, ==, want);
	g_assert_false(imap_has_cap(r.s, "INJECTED"));
	g_assert_cmpint(r.alerts, ==, 0);
	g_assert_nonnull(imap_tls_info(r.s));
	g_assert_cmpstr(imap_auth_mechanism(r.s), ==, "PLAIN");
	got = run_finish(&r);
	/* The credentials went after STARTTLS (inside TLS). */
	g_assert_true(g_str_has_prefix(got,
	    "A1 STARTTLS\r\nA2 CAPABILITY\r\n"
	    "A3 AUTHENTICATE PLAIN "));
	g_free(got);
}

/* PREAUTH where TLS was required: the session ends before sending. */
static void
test_preauth(void)
{
	struct run r;
	char *got;

	run_start(&r, "preauth", TRANSPORT_TLS_STARTTLS, NULL, NULL);
	run_wait_closed(&r, IMAP_ERR_TLS);
	g_assert_nonnull(strstr(r.why_msg, "PREAUTH"));
	got = run_finish(&r);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
}

/* -------------------------------------------------------------- limits */

/* A literal of 999999999999 bytes: a protocol error at once, before
 * anything is allocated for it (ASan would see the attempt). */
static void
test_big_literal(void)
{
	struct run r;
	struct op op;

	run_start(&r, "big-literal", TRANSPORT_PLAIN, NULL, NULL);
	run_wait_ready(&r);
	op_run(&r, &op, NULL, NULL, "UID FETCH 1 (BODY.PEEK[])");
	g_assert_cmpint(op.res, ==, IMAP_ERR_PROTOCOL);
	g_assert_nonnull(strstr(op.msg, "999999999999"));
	run_wait_closed(&r, IMAP_ERR_PROTOCOL);
	g_assert_cmpstr(op.msg, ==, r.why_msg);
	g_free(op.msg);
	g_free(run_finish(&r));
}

/* The parser's limit on one line. */
static void
small_lines(struct imap_config *cfg)
{
	cfg->limits.max_line = 256 * 1024;
}

/* A line that never ends: a protocol error at the limit. */
static void
test_endless_line(void)
{
	struct run r;

	run_start(&r, "endless-line", TRANSPORT_PLAIN, NULL, small_lines);
	run_wait_closed(&r, IMAP_ERR_PROTOCOL);
	g_assert_nonnull(strstr(r.why_msg, "line longer than 262144"));
	g_free(run_finish(&r));
}

/* ---------------------------------------------------------- misbehaving */

/* A tagged answer for a tag never sent; a "+" nobody asked for; BYE. */
static void
test_misbehaving(void)
{
	static const struct {
		const char *scenario;
		enum imap_result why;
		const char *words;
	} cases[] = {
		{ "unknown-tag", IMAP_ERR_PROTOCOL, "ZZZ9" },
		{ "stray-continue", IMAP_ERR_PROTOCOL, "continuation" },
		{ "bye", IMAP_ERR_CONNECTION, "maintenance" },
	};
	struct run r;
	struct op op;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		run_start(&r, cases[i].scenario, TRANSPORT_PLAIN, NULL, NULL);
		run_wait_ready(&r);
		op_run(&r, &op, NULL, NULL, "NOOP");
		g_assert_cmpint(op.res, ==, cases[i].why);
		g_assert_nonnull(strstr(op.msg, cases[i].words));
		run_wait_closed(&r, cases[i].why);
		g_free(op.msg);
		g_free(run_finish(&r));
	}
}

/* ---------------------------------------------------------------- SCRAM */

static const char *const scram_only[] = { "SCRAM-SHA-256", NULL };

/* SCRAM-SHA-256 against Python's own implementation of the RFC. */
static void
test_scram(void)
{
	struct run r;
	char *got;

	run_start(&r, "scram", TRANSPORT_PLAIN, scram_only, NULL);
	run_wait_ready(&r);
	g_assert_cmpstr(imap_auth_mechanism(r.s), ==, "SCRAM-SHA-256");
	got = run_finish(&r);
	g_assert_null(strstr(got, PASSWORD));
	g_free(got);
}

/* A server that cannot prove it knows the password is not believed. */
static void
test_scram_impostor(gconstpointer data)
{
	const char *scenario = data;
	struct run r;
	char *got;

	run_start(&r, scenario, TRANSPORT_PLAIN, scram_only, NULL);
	run_wait_closed(&r, IMAP_ERR_AUTH);
	g_assert_cmpint(r.ready, ==, 0);
	if (strcmp(scenario, "scram-badsig") == 0)
		g_assert_nonnull(strstr(r.why_msg, "signature"));
	else
		g_assert_nonnull(strstr(r.why_msg, "without proving"));
	g_assert_null(strstr(r.why_msg, PASSWORD));
	got = run_finish(&r);
	/* A bad signature is answered by canceling the exchange. */
	if (strcmp(scenario, "scram-badsig") == 0)
		g_assert_true(g_str_has_suffix(got, "\r\n*\r\n"));
	g_free(got);
}

/* ------------------------------------------------------------ encoding */

/* Strings quoted or sent as literals, mailbox names in modified UTF-7,
 * synchronizing literals waiting for "+" (the server has no LITERAL+). */
static void
test_encoding(void)
{
	static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
	static const char *const want[] = {
		" CREATE \"&AMQ-pfel &- Birnen\"\r\n",
		" CREATE \"INBOX\"\r\n",
		" UID SEARCH SUBJECT \"quo\\\"te\\\\back\"\r\n",
		" UID SEARCH SUBJECT {11}\r\nline\r\nbreak\r\n",
		" UID SEARCH SUBJECT {5}\r\ncaf\xc3\xa9\r\n",
		" UID SEARCH SUBJECT \"\" KEYWORD $Forwarded\r\n",
		" UID STORE 1:3,7 +FLAGS (\\Seen \\Deleted $Forwarded)\r\n",
		" APPEND \"Sent\" {20}\r\nSubject: x\r\n\r\nbody\r\n\r\n",
	};
	struct run r;
	struct op op;
	char *got, *p;
	size_t i;
	int rc;

	run_start(&r, "sync-literal", TRANSPORT_PLAIN, NULL, NULL);
	run_wait_ready(&r);
	g_assert_false(imap_has_cap(r.s, "LITERAL+"));
	op_run(&r, &op, NULL, NULL, "CREATE %m", "\xc3\x84pfel & Birnen");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "CREATE %m", "inbox");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "UID SEARCH SUBJECT %s", "quo\"te\\back");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "UID SEARCH SUBJECT %s", "line\r\nbreak");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "UID SEARCH SUBJECT %s", "caf\xc3\xa9");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "UID SEARCH SUBJECT %s KEYWORD %a", "",
	    "$Forwarded");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	op_run(&r, &op, NULL, NULL, "UID STORE %S +FLAGS %F", "1:3,7",
	    IMAP_FLAG_SEEN | IMAP_FLAG_DELETED | IMAP_FLAG_KW_FORWARDED);
	g_assert_cmpint(op.res, ==, IMAP_OK);
	memset(&op, 0, sizeof op);
	op.r = &r;
	r.in_call = 1;
	rc = imap_append(
	    r.s, "Sent", NULL, 0, msg, sizeof msg - 1, op_done, &op);
	r.in_call = 0;
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(testutil_wait_until(r.base, op_is_done, &op, WAIT_MS));
	g_assert_cmpint(op.res, ==, IMAP_OK);
	got = run_finish(&r);
	p = got;
	for (i = 0; i < G_N_ELEMENTS(want); i++) {
		p = strstr(p, want[i]);
		if (p == NULL)
			g_error("the server did not receive %s", want[i]);
		p += strlen(want[i]);
	}
	g_free(got);
}

/* ------------------------------------------------------ IMAP4rev1 / rev2 */

struct seen {
	int list_sent, list_trash, status, exists, recent, fetch, search;
	int esearch_all;
};

static void
seen_hook(struct op *op, const struct imap_response *resp)
{
	struct seen *s = op->priv;

	switch (resp->kind) {
	case IMAP_RESP_LIST:
		if (strcmp(resp->u.list.name, "Sent") == 0 &&
		    (resp->u.list.attrs & IMAP_MBX_SENT))
			s->list_sent++;
		if (strcmp(resp->u.list.name, "Trash") == 0 &&
		    (resp->u.list.attrs & IMAP_MBX_TRASH))
			s->list_trash++;
		break;
	case IMAP_RESP_MAILBOX_STATUS: s->status++; break;
	case IMAP_RESP_EXISTS: s->exists = (int)resp->number; break;
	case IMAP_RESP_RECENT: s->recent++; break;
	case IMAP_RESP_FETCH:
		if (resp->u.fetch.envelope != NULL &&
		    (resp->u.fetch.present & IMAP_FETCH_UID))
			s->fetch++;
		break;
	case IMAP_RESP_SEARCH: s->search += (int)resp->u.search.n; break;
	case IMAP_RESP_ESEARCH:
		if (resp->u.esearch.present & IMAP_ESEARCH_ALL)
			s->esearch_all = (int)resp->u.esearch.all.n;
		break;
	default: break;
	}
}

static const char *const plain_only[] = { "PLAIN", NULL };

/* A server that offers only IMAP4rev2 works as well as a rev1 one:
 * login, LIST, SELECT, FETCH, SEARCH. */
static void
test_revision(gconstpointer data)
{
	const char *scenario = data;
	int rev2 = strcmp(scenario, "rev2") == 0;
	struct seen seen = { 0 };
	const char *prefix;
	struct run r;
	struct op op;
	char delim, *got;
	int rc;

	run_start(&r, scenario, TRANSPORT_PLAIN, plain_only, NULL);
	run_wait_ready(&r);
	g_assert_cmpint(imap_is_enabled(r.s, "IMAP4rev2"), ==, rev2);
	/* rev2's base protocol counts as offered. */
	g_assert_true(imap_has_cap(r.s, "MOVE"));
	g_assert_true(imap_has_cap(r.s, "NAMESPACE"));
	g_assert_cmpint(imap_has_cap(r.s, "LIST-STATUS"), ==, rev2);
	g_assert_cmpint(imap_namespace(r.s, &prefix, &delim), ==, 0);
	g_assert_cmpint(delim, ==, '/');

	memset(&op, 0, sizeof op);
	op.r = &r;
	op.hook = seen_hook;
	op.priv = &seen;
	r.in_call = 1;
	rc = imap_list(r.s, op_data, op_done, &op);
	r.in_call = 0;
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(testutil_wait_until(r.base, op_is_done, &op, WAIT_MS));
	g_assert_cmpint(op.res, ==, IMAP_OK);
	g_assert_cmpint(seen.list_sent, ==, 1);
	g_assert_cmpint(seen.list_trash, ==, 1);
	g_assert_cmpint(seen.status, ==, rev2 ? 3 : 0);

	memset(&op, 0, sizeof op);
	op.r = &r;
	op.hook = seen_hook;
	op.priv = &seen;
	r.in_call = 1;
	rc = imap_select(r.s, "INBOX", 0, 0, 0, op_data, op_done, &op);
	r.in_call = 0;
	g_assert_cmpint(rc, ==, 0);
	g_assert_true(testutil_wait_until(r.base, op_is_done, &op, WAIT_MS));
	g_assert_cmpint(op.res, ==, IMAP_OK);
	g_assert_cmpint(seen.exists, ==, 3);
	g_assert_cmpint(seen.recent, ==, rev2 ? 0 : 1);
	g_assert_cmpstr(imap_selected(r.s), ==, "INBOX");

	op_run(&r, &op, seen_hook, &seen,
	    "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	g_assert_cmpint(seen.fetch, ==, 3);
	op_run(&r, &op, seen_hook, &seen, "UID SEARCH ALL");
	g_assert_cmpint(op.res, ==, IMAP_OK);
	g_assert_cmpint(op.data, ==, 1);
	if (rev2)
		g_assert_cmpint(seen.esearch_all, ==, 2); /* 1:2,5 */
	else
		g_assert_cmpint(seen.search, ==, 3);
	got = run_finish(&r);
	if (rev2) {
		g_assert_nonnull(strstr(got, "ENABLE IMAP4rev2\r\n"));
		g_assert_nonnull(strstr(got, "RETURN (SPECIAL-USE STATUS"));
	} else {
		g_assert_null(strstr(got, "IMAP4rev2"));
		g_assert_nonnull(strstr(got, "LIST \"\" \"*\"\r\n"));
	}
	g_free(got);
}

int
main(int argc, char **argv)
{
	GError *error = NULL;
	char *mk[] = { "python3", "-c",
		"import sys; sys.path.insert(0, sys.argv[1]); import fixture; "
		"fixture.make_certs(sys.argv[2])",
		NULL, NULL, NULL };
	char *rm[] = { "rm", "-rf", NULL, NULL };
	int r, status;

	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	srcdir = g_strdup(
	    g_getenv("TERN_SRCDIR") != NULL ? g_getenv("TERN_SRCDIR") : ".");
	certdir = g_dir_make_tmp("tern-ih-XXXXXX", &error);
	if (certdir == NULL)
		g_error("mkdtemp: %s", error->message);
	/* The fixture's CA and server certificate, without Dovecot. */
	mk[3] = g_build_filename(srcdir, "tests", "server", NULL);
	mk[4] = certdir;
	if (!g_spawn_sync(NULL, mk, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
		NULL, &status, &error) ||
	    !g_spawn_check_wait_status(status, NULL))
		g_error("cannot make certificates in %s", certdir);

	g_test_add_func("/hostile/starttls-stripped", test_starttls_stripped);
	g_test_add_func("/hostile/starttls-asked", test_starttls_asked);
	g_test_add_data_func(
	    "/hostile/starttls-no", "starttls-no", test_starttls_refused);
	g_test_add_data_func(
	    "/hostile/starttls-bad", "starttls-bad", test_starttls_refused);
	g_test_add_func("/hostile/starttls-inject", test_starttls_inject);
	g_test_add_func("/hostile/preauth-before-tls", test_preauth);
	g_test_add_func("/hostile/big-literal", test_big_literal);
	g_test_add_func("/hostile/endless-line", test_endless_line);
	g_test_add_func("/hostile/misbehaving", test_misbehaving);
	g_test_add_func("/hostile/scram", test_scram);
	g_test_add_data_func("/hostile/scram-bad-signature", "scram-badsig",
	    test_scram_impostor);
	g_test_add_data_func(
	    "/hostile/scram-no-signature", "scram-nosig", test_scram_impostor);
	g_test_add_func("/hostile/encoding", test_encoding);
	g_test_add_data_func("/hostile/imap4rev1", "rev1", test_revision);
	g_test_add_data_func("/hostile/imap4rev2", "rev2", test_revision);
	r = g_test_run();

	rm[2] = certdir;
	g_spawn_sync(NULL, rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
	    NULL, NULL, NULL);
	g_free(mk[3]);
	g_free(certdir);
	g_free(srcdir);
	return r;
}
