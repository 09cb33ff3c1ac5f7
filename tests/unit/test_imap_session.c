/*
 * test_imap_session.c - the IMAP session (net/imap.c) and its SASL
 * mechanisms (net/sasl.c), against a real private Dovecot.
 *
 * main() populates and starts tests/server/fixture.py in a short temporary
 * directory and forks a watchdog that stops it (and removes the directory)
 * when this process ends, however it ends.  Users: alice owns a generated
 * INBOX of 2,000 messages that nobody changes; each TLS mode has a user of
 * its own whose small INBOX the tests change.  Every test runs the real
 * event loop and waits for conditions with a deadline, never a fixed time.
 *
 * Pure pieces first (base64, refused arguments), then for each of IMAPS,
 * STARTTLS and plaintext: the three ways to log in, LIST, SELECT, a
 * pipelined fetch of the whole INBOX, flags, copy and move, expunge,
 * folders, APPEND, IDLE; then compression, failures and cancellation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "imap.h"
#include "imap_parse.h"
#include "sasl.h"
#include "testutil.h"

#define WAIT_MS 30000
#define BIG_COUNT 2000
#define SMALL_COUNT 20

/* The fixture every test talks to. */
static struct {
	char *srcdir;
	char *dir;
	char *script;
	unsigned imap, imaps;
	char *ca_file;
	int watchdog;
	int started;
} fx = { .watchdog = -1 };

/* One way of connecting, and the user whose mail its tests change. */
struct mode {
	const char *name;
	enum transport_mode tm;
	const char *user;
	const char *password;
};

static const struct mode modes[] = {
	{ "imaps", TRANSPORT_TLS_IMPLICIT, "uimaps", "imaps-secret" },
	{ "starttls", TRANSPORT_TLS_STARTTLS, "ustarttls", "start tls\"pw" },
	/* Quotes, a backslash and a space: LOGIN must quote them right. */
	{ "plain", TRANSPORT_PLAIN, "uplain", "p\"l a\\in" },
};

#define ALICE_PW "alicepw"

/* ------------------------------------------------------------ fixture */

/* Fill the Maildirs, start the private Dovecot, learn its ports. */
static void
fixture_start(void)
{
	GPtrArray *argv;
	char *json, *path, *count, *seed;
	GError *error = NULL;
	size_t i;

	fx.srcdir = g_strdup(
	    g_getenv("TERN_SRCDIR") != NULL ? g_getenv("TERN_SRCDIR") : ".");
	fx.script =
	    g_build_filename(fx.srcdir, "tests", "server", "fixture.py", NULL);
	fx.dir = g_dir_make_tmp("tern-is-XXXXXX", &error);
	if (fx.dir == NULL)
		g_error("mkdtemp: %s", error->message);
	fx.watchdog = testutil_watchdog(fx.script, fx.dir);

	for (i = 0; i <= G_N_ELEMENTS(modes); i++) {
		char *pop[] = { "python3", fx.script, "populate", fx.dir,
			i == 0 ? "alice" : (char *)modes[i - 1].user, "--count",
			NULL, "--seed", NULL, NULL };

		count = g_strdup_printf("%d", i == 0 ? BIG_COUNT : SMALL_COUNT);
		seed = g_strdup_printf("%zu", i + 1);
		pop[6] = count;
		pop[8] = seed;
		g_free(testutil_run_capture(pop));
		g_free(count);
		g_free(seed);
	}
	argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, g_strdup("python3"));
	g_ptr_array_add(argv, g_strdup(fx.script));
	g_ptr_array_add(argv, g_strdup("start"));
	g_ptr_array_add(argv, g_strdup(fx.dir));
	g_ptr_array_add(argv, g_strdup("--user"));
	g_ptr_array_add(argv, g_strdup("alice:" ALICE_PW));
	for (i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_ptr_array_add(argv, g_strdup("--user"));
		g_ptr_array_add(argv,
		    g_strdup_printf("%s:%s", modes[i].user, modes[i].password));
	}
	g_ptr_array_add(argv, NULL);
	g_free(testutil_run_capture((char **)argv->pdata));
	g_ptr_array_free(argv, TRUE);
	fx.started = 1;

	path = g_build_filename(fx.dir, "fixture.json", NULL);
	if (!g_file_get_contents(path, &json, NULL, &error))
		g_error("%s: %s", path, error->message);
	g_free(path);
	fx.imap = testutil_json_port(json, "imap_port");
	fx.imaps = testutil_json_port(json, "imaps_port");
	fx.ca_file = testutil_json_value(json, "ca_file");
	g_free(json);
}

/* Stop the fixture and tell the watchdog it has nothing to do. */
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
}

/* Deliver a message into user's INBOX behind Dovecot's back. */
static void
fixture_deliver(const char *user, const char *text)
{
	char *file = g_build_filename(fx.dir, "deliver.eml", NULL);
	char *argv[] = { "python3", fx.script, "deliver", fx.dir, (char *)user,
		file, NULL };
	GError *error = NULL;

	if (!g_file_set_contents(file, text, -1, &error))
		g_error("%s: %s", file, error->message);
	g_free(testutil_run_capture(argv));
	g_free(file);
}

/* ------------------------------------------------------------ harness */

/* One session under test and what its events saw. */
struct sess {
	struct event_base *base;
	struct imap *s;
	int in_call; /* an imap_* call runs: nothing may be reported */
	int ready, closed;
	enum imap_result why;
	char *why_msg;
	GPtrArray *trace; /* "> line" and "< line" */
	int outstanding, max_outstanding;
	int exists, exists_idling, expunges, vanished, untagged_fetch;
	uint32_t last_exists;
	size_t injected;
};

/* What one command got. */
struct op {
	struct sess *ss;
	int done;
	enum imap_result res;
	char *msg;
	enum imap_code_kind code;
	uint32_t code_uid; /* APPENDUID's UID, COPYUID's first new UID */
	int data;
	void (*hook)(struct op *, const struct imap_response *);
	void *priv;
	uint32_t lo, hi; /* UIDs the FETCH data must fall in, if hi */
	int outside;
};

/* Any event: never from inside a call the test made. */
static struct sess *
sess_event(void *arg)
{
	struct sess *ss = arg;

	g_assert_false(ss->in_call);
	return ss;
}

static void
on_ready(struct imap *s, void *arg)
{
	struct sess *ss = sess_event(arg);

	(void)s;
	ss->ready++;
}

static void
on_untagged(struct imap *s, const struct imap_response *r, void *arg)
{
	struct sess *ss = sess_event(arg);

	switch (r->kind) {
	case IMAP_RESP_EXISTS:
		ss->exists++;
		ss->last_exists = r->number;
		if (imap_is_idling(s))
			ss->exists_idling++;
		break;
	case IMAP_RESP_EXPUNGE: ss->expunges++; break;
	case IMAP_RESP_VANISHED: ss->vanished++; break;
	case IMAP_RESP_FETCH: ss->untagged_fetch++; break;
	default: break;
	}
}

static void
on_closed(struct imap *s, enum imap_result why, const char *msg, void *arg)
{
	struct sess *ss = sess_event(arg);

	(void)s;
	ss->closed++;
	ss->why = why;
	g_free(ss->why_msg);
	ss->why_msg = g_strdup(msg);
}

static void
on_injected(struct imap *s, size_t bytes, void *arg)
{
	struct sess *ss = sess_event(arg);

	(void)s;
	ss->injected += bytes;
}

/* Is line a tagged answer ("A12 OK ...")? */
static int
tagged_line(const char *line)
{
	size_t i = 1;

	if (line[0] != 'A')
		return 0;
	while (line[i] >= '0' && line[i] <= '9')
		i++;
	return i > 1 && line[i] == ' ';
}

static void
on_trace(struct imap *s, char dir, const char *line, void *arg)
{
	struct sess *ss = arg;

	(void)s;
	g_ptr_array_add(ss->trace, g_strdup_printf("%c %s", dir, line));
	/* TERN_TEST_TRACE=1 shows the conversation, for debugging. */
	if (g_getenv("TERN_TEST_TRACE") != NULL)
		g_printerr("# %c %s\n", dir, line);
	if (dir == '>' && tagged_line(line)) {
		if (++ss->outstanding > ss->max_outstanding)
			ss->max_outstanding = ss->outstanding;
	} else if (dir == '<' && tagged_line(line))
		ss->outstanding--;
}

static const struct imap_events sess_events = {
	.ready = on_ready,
	.untagged = on_untagged,
	.closed = on_closed,
	.injected = on_injected,
	.trace = on_trace,
};

/* A configuration for the fixture in mode m (user and password given). */
static struct imap_config
sess_config(const struct mode *m, const char *user, const char *password,
    const char *const *mechs)
{
	struct imap_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.transport.host = "127.0.0.1";
	cfg.transport.server_name = "localhost";
	cfg.transport.port =
	    m->tm == TRANSPORT_TLS_IMPLICIT ? fx.imaps : fx.imap;
	cfg.transport.mode = m->tm;
	cfg.transport.ca_file = fx.ca_file;
	cfg.transport.connect_timeout_ms = 5000;
	cfg.transport.tls_timeout_ms = 5000;
	cfg.transport.idle_timeout_ms = WAIT_MS;
	cfg.user = user;
	cfg.password = password;
	cfg.mechanisms = mechs;
	cfg.max_in_flight = 4;
	cfg.id_name = "tern-test";
	cfg.id_version = "1";
	return cfg;
}

/* Create and connect a session; nothing reported from inside the calls. */
static void
sess_start(struct sess *ss, const struct imap_config *cfg)
{
	char *err = NULL;

	memset(ss, 0, sizeof *ss);
	ss->base = event_base_new();
	ss->trace = g_ptr_array_new_with_free_func(g_free);
	ss->in_call = 1;
	ss->s = imap_new(ss->base, cfg, &sess_events, ss, &err);
	g_assert_null(err);
	g_assert_nonnull(ss->s);
	imap_connect(ss->s);
	ss->in_call = 0;
}

/* Dump the trace on failure: what was said is the best clue. */
static void
sess_dump(const struct sess *ss)
{
	guint i, from = ss->trace->len > 40 ? ss->trace->len - 40 : 0;

	for (i = from; i < ss->trace->len; i++)
		g_printerr("# %s\n", (char *)ss->trace->pdata[i]);
}

static gboolean
ready_or_closed(void *arg)
{
	struct sess *ss = arg;

	return ss->ready > 0 || ss->closed > 0;
}

/* Wait for ready. */
static void
sess_wait_ready(struct sess *ss)
{
	if (!testutil_wait_until(ss->base, ready_or_closed, ss, WAIT_MS) ||
	    ss->ready == 0) {
		sess_dump(ss);
		g_error("session not ready: %s",
		    ss->closed ? ss->why_msg : "timed out");
	}
	g_assert_cmpint(ss->ready, ==, 1);
	g_assert_true(imap_is_ready(ss->s));
}

static gboolean
is_closed(void *arg)
{
	return ((struct sess *)arg)->closed > 0;
}

/* Wait for closed (whatever the reason). */
static void
sess_wait_closed(struct sess *ss)
{
	if (!testutil_wait_until(ss->base, is_closed, ss, WAIT_MS)) {
		sess_dump(ss);
		g_error("session did not close");
	}
	g_assert_cmpint(ss->closed, ==, 1);
}

/* Free the session and what it collected. */
static void
sess_free(struct sess *ss)
{
	ss->in_call = 1;
	imap_free(ss->s);
	ss->in_call = 0;
	ss->s = NULL;
	g_ptr_array_free(ss->trace, TRUE);
	g_free(ss->why_msg);
	event_base_free(ss->base);
}

/* Log out politely, expect closed(IMAP_OK), free. */
static void
sess_end(struct sess *ss)
{
	ss->in_call = 1;
	imap_logout(ss->s);
	ss->in_call = 0;
	sess_wait_closed(ss);
	g_assert_cmpstr(imap_result_name(ss->why), ==, "ok");
	sess_free(ss);
}

/* Open a ready session for mode m as user. */
static void
sess_open(struct sess *ss, const struct mode *m, const char *user,
    const char *password, const char *const *mechs)
{
	struct imap_config cfg = sess_config(m, user, password, mechs);

	sess_start(ss, &cfg);
	sess_wait_ready(ss);
}

/* Is the trace line at i (a prefix match) there?  Its index, or -1. */
static int
trace_find(const struct sess *ss, int from, const char *prefix)
{
	guint i;

	for (i = (guint)(from < 0 ? 0 : from); i < ss->trace->len; i++) {
		if (g_str_has_prefix(ss->trace->pdata[i], prefix))
			return (int)i;
	}
	return -1;
}

/* Does any trace line contain needle? */
static int
trace_has(const struct sess *ss, const char *needle)
{
	guint i;

	for (i = 0; i < ss->trace->len; i++) {
		if (strstr(ss->trace->pdata[i], needle) != NULL)
			return 1;
	}
	return 0;
}

/* The trace index of the command sent with this verb ("> A5 NOOP"). */
static int
trace_cmd(const struct sess *ss, int from, const char *verb)
{
	guint i;

	for (i = (guint)(from < 0 ? 0 : from); i < ss->trace->len; i++) {
		const char *l = ss->trace->pdata[i], *sp;

		if (l[0] != '>' || (sp = strchr(l + 2, ' ')) == NULL)
			continue;
		if (g_str_has_prefix(sp + 1, verb))
			return (int)i;
	}
	return -1;
}

static void
op_data(struct imap *s, const struct imap_response *r, void *arg)
{
	struct op *op = arg;

	(void)s;
	g_assert_false(op->ss->in_call);
	op->data++;
	if (op->hi != 0 && r->kind == IMAP_RESP_FETCH &&
	    (!(r->u.fetch.present & IMAP_FETCH_UID) ||
		r->u.fetch.uid < op->lo || r->u.fetch.uid > op->hi))
		op->outside++;
	if (op->hook != NULL)
		op->hook(op, r);
}

static void
op_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct op *op = arg;

	(void)s;
	g_assert_false(op->ss->in_call);
	op->done++;
	op->res = res;
	g_free(op->msg);
	op->msg = g_strdup(msg);
	if (res == IMAP_OK)
		g_assert_null(msg);
	else
		g_assert_nonnull(msg);
	if (tagged != NULL) {
		op->code = tagged->code.kind;
		if (tagged->code.kind == IMAP_CODE_APPENDUID &&
		    tagged->code.uids.n > 0)
			op->code_uid = tagged->code.uids.v[0].first;
		if (tagged->code.kind == IMAP_CODE_COPYUID &&
		    tagged->code.uids2.n > 0)
			op->code_uid = tagged->code.uids2.v[0].first;
	}
}

/* A new op for ss. */
static struct op *
op_new(struct sess *ss, void (*hook)(struct op *, const struct imap_response *),
    void *priv)
{
	struct op *op = g_new0(struct op, 1);

	op->ss = ss;
	op->hook = hook;
	op->priv = priv;
	return op;
}

static void
op_free(struct op *op)
{
	g_free(op->msg);
	g_free(op);
}

/* Queue a command for op; the call must not report anything. */
static void
op_send(struct op *op, const char *fmt, ...)
{
	va_list ap;
	int r;

	op->ss->in_call = 1;
	va_start(ap, fmt);
	r = imap_vcommand(op->ss->s, op_data, op_done, op, fmt, ap);
	va_end(ap);
	op->ss->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpint(op->done, ==, 0);
}

static gboolean
op_is_done(void *arg)
{
	return ((struct op *)arg)->done > 0;
}

/* Wait until op is done. */
static void
op_wait(struct op *op)
{
	if (!testutil_wait_until(op->ss->base, op_is_done, op, WAIT_MS)) {
		sess_dump(op->ss);
		g_error("command not answered in time");
	}
	g_assert_cmpint(op->done, ==, 1);
}

/* Run a command to its end; the op is the caller's to free. */
static struct op *
run(struct sess *ss, void (*hook)(struct op *, const struct imap_response *),
    void *priv, const char *fmt, ...)
{
	struct op *op = op_new(ss, hook, priv);
	va_list ap;
	int r;

	ss->in_call = 1;
	va_start(ap, fmt);
	r = imap_vcommand(ss->s, op_data, op_done, op, fmt, ap);
	va_end(ap);
	ss->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	return op;
}

/* Run a command that must succeed. */
static struct op *
run_ok(struct sess *ss, void (*hook)(struct op *, const struct imap_response *),
    void *priv, const char *fmt, ...)
{
	struct op *op = op_new(ss, hook, priv);
	va_list ap;
	int r;

	ss->in_call = 1;
	va_start(ap, fmt);
	r = imap_vcommand(ss->s, op_data, op_done, op, fmt, ap);
	va_end(ap);
	ss->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	if (op->res != IMAP_OK) {
		sess_dump(ss);
		g_error("%s failed: %s", fmt, op->msg);
	}
	return op;
}

/* SELECT through imap_select and wait. */
static struct op *
select_box(struct sess *ss, const char *box,
    void (*hook)(struct op *, const struct imap_response *), void *priv)
{
	struct op *op = op_new(ss, hook, priv);
	int r;

	ss->in_call = 1;
	r = imap_select(ss->s, box, 0, 0, 0, op_data, op_done, op);
	ss->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	g_assert_cmpint(op->res, ==, IMAP_OK);
	return op;
}

/* Does a FETCH's flag list have flag (any case)? */
static int
has_flag(const struct imap_flags *f, const char *flag)
{
	size_t i;

	for (i = 0; i < f->all.n; i++) {
		if (strcasecmp(f->all.v[i], flag) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- pure */

static void
test_base64(void)
{
	static const struct {
		const char *raw;
		const char *b64;
	} cases[] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "\xff\xfe\x00", "//4A" } };
	static const char *const bad[] = { "Z", "Zg=", "Zg=a",
		"Z===", "Zh==", /* non-zero padding bits */
		"Zm9v\n", "Zm 9v", "=Zm9", "Zm9v====", "Zg==Zg==" };
	unsigned char *out;
	size_t n, i, len;
	char *enc;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		len = i == G_N_ELEMENTS(cases) - 1 ? 3 : strlen(cases[i].raw);
		enc = sasl_b64_encode(cases[i].raw, len);
		g_assert_cmpstr(enc, ==, cases[i].b64);
		free(enc);
		g_assert_cmpint(sasl_b64_decode(cases[i].b64,
				    strlen(cases[i].b64), &out, &n),
		    ==, 0);
		g_assert_cmpuint(n, ==, len);
		g_assert_cmpmem(out, n, cases[i].raw, len);
		free(out);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(
		    sasl_b64_decode(bad[i], strlen(bad[i]), &out, &n), ==, -1);
		g_assert_null(out);
	}
}

/* The SASL mechanisms on their own: order of steps, refusals. */
static void
test_sasl_steps(void)
{
	static const unsigned char plain_want[] = "\0me\0pw";
	unsigned char *out;
	size_t n;
	char *err;
	struct sasl *s;
	enum sasl_mech m;

	g_assert_cmpint(sasl_mech_from_name("scram-sha-256", &m), ==, 0);
	g_assert_cmpint(m, ==, SASL_SCRAM_SHA_256);
	g_assert_cmpint(sasl_mech_from_name("CRAM-MD5", &m), ==, -1);

	/* PLAIN without SASL-IR: an empty challenge, then nothing more. */
	s = sasl_new(SASL_PLAIN, "me", "pw", NULL, 0);
	g_assert_cmpint(
	    sasl_step(s, (const unsigned char *)"x", 1, &out, &n, &err), ==,
	    -1);
	free(err);
	g_assert_cmpint(sasl_step(s, NULL, 0, &out, &n, &err), ==, 0);
	g_assert_cmpmem(out, n, plain_want, sizeof plain_want - 1);
	free(out);
	g_assert_true(sasl_is_complete(s));
	g_assert_cmpint(sasl_step(s, NULL, 0, &out, &n, &err), ==, -1);
	g_assert_null(strstr(err, "pw"));
	free(err);
	sasl_free(s);

	/* LOGIN: user, password, then a third question is refused. */
	s = sasl_new(SASL_LOGIN, "me", "pw", NULL, 0);
	g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, -1);
	free(err);
	g_assert_cmpint(
	    sasl_step(s, (const unsigned char *)"Username:", 9, &out, &n, &err),
	    ==, 0);
	g_assert_cmpmem(out, n, "me", 2);
	free(out);
	g_assert_cmpint(
	    sasl_step(s, (const unsigned char *)"Password:", 9, &out, &n, &err),
	    ==, 0);
	g_assert_cmpmem(out, n, "pw", 2);
	free(out);
	g_assert_cmpint(
	    sasl_step(s, (const unsigned char *)"More:", 5, &out, &n, &err), ==,
	    -1);
	free(err);
	sasl_free(s);

	/* XOAUTH2 and OAUTHBEARER put the token where servers expect it. */
	s = sasl_new(SASL_XOAUTH2, "me@x", "tok", NULL, 0);
	g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, 0);
	g_assert_cmpmem(out, n, "user=me@x\001auth=Bearer tok\001\001", 27);
	free(out);
	sasl_free(s);
	s = sasl_new(SASL_OAUTHBEARER, "a,b", "tok", "imap.x", 993);
	g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, 0);
	g_assert_cmpstr((char *)out, ==,
	    "n,a=a=2Cb,\001host=imap.x\001port=993\001auth=Bearer "
	    "tok\001\001");
	free(out);
	/* The error challenge is answered with the dummy ^A. */
	g_assert_cmpint(sasl_step(s, (const unsigned char *)"{\"status\":1}",
			    12, &out, &n, &err),
	    ==, 0);
	g_assert_cmpmem(out, n, "\001", 1);
	free(out);
	g_assert_cmpstr(sasl_server_error(s), ==, "{\"status\":1}");
	sasl_free(s);
}

/*
 * SCRAM-SHA-256 against the RFC 7677 section 3 example: with the nonce
 * the RFC's client chose, our proof must be the RFC's and its server
 * signature must verify; a wrong signature, a changed nonce and too few
 * iterations must not.
 */
static void
test_scram_rfc7677(void)
{
	const char *server_first_tail = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
					"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
	const char *want_final =
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	const char *server_final =
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
	unsigned char *out;
	size_t n;
	char *err, *first;
	struct sasl *s;
	static const char *const cases[] = {
		/* our nonce not extended, and nothing else */
		"r=rOprNGfwEbeRWgbNEkqO",
		/* our nonce replaced */
		"r=XXprNGfwEbeRWgbNEkqO%hvYDp,s=W22ZaJ0SNY7soEsUEjb6gQ==,i="
		"4096",
		/* too few iterations to be safe */
		"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
		/* far too many */
		"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i="
		"999999999",
		/* a salt that is not base64 */
		"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7so!,i=4096",
		/* a mandatory extension we do not know */
		"m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=AA==,i=4096",
	};
	size_t i;

	s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL, 0);
	g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, 0);
	g_assert_true(g_str_has_prefix((char *)out, "n,,n=user,r="));
	free(out);
	/* Put the RFC's client nonce in place of our random one. */
	g_assert_cmpint(sasl_scram_set_nonce(s, "rOprNGfwEbeRWgbNEkqO"), ==, 0);
	first = g_strdup_printf("r=rOprNGfwEbeRWgbNEkqO%s", server_first_tail);
	g_assert_cmpint(
	    sasl_step(s, (unsigned char *)first, strlen(first), &out, &n, &err),
	    ==, 0);
	g_assert_cmpstr((char *)out, ==, want_final);
	free(out);
	g_assert_false(sasl_is_complete(s));
	g_assert_cmpint(sasl_step(s, (const unsigned char *)server_final,
			    strlen(server_final), &out, &n, &err),
	    ==, 0);
	g_assert_cmpuint(n, ==, 0);
	free(out);
	g_assert_true(sasl_is_complete(s));
	sasl_free(s);

	/* The same exchange with a signature off by one character. */
	s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL, 0);
	g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, 0);
	free(out);
	g_assert_cmpint(sasl_scram_set_nonce(s, "rOprNGfwEbeRWgbNEkqO"), ==, 0);
	g_assert_cmpint(
	    sasl_step(s, (unsigned char *)first, strlen(first), &out, &n, &err),
	    ==, 0);
	free(out);
	g_assert_cmpint(sasl_step(s,
			    (const unsigned char *)"v=7rriTRBi23WpRR/wtup+mMhU"
						   "ZUn/dB5nLTJRsjl95G4=",
			    46, &out, &n, &err),
	    ==, -1);
	g_assert_nonnull(strstr(err, "signature"));
	free(err);
	g_assert_false(sasl_is_complete(s));
	sasl_free(s);
	g_free(first);

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL, 0);
		g_assert_cmpint(sasl_initial(s, &out, &n, &err), ==, 0);
		free(out);
		g_assert_cmpint(
		    sasl_scram_set_nonce(s, "rOprNGfwEbeRWgbNEkqO"), ==, 0);
		g_assert_cmpint(sasl_step(s, (const unsigned char *)cases[i],
				    strlen(cases[i]), &out, &n, &err),
		    ==, -1);
		g_assert_null(strstr(err, "pencil"));
		free(err);
		sasl_free(s);
	}
}

static void
never_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)s;
	(void)res;
	(void)tagged;
	(void)msg;
	(*(int *)arg)++;
}

/* Arguments that cannot be encoded are refused at once, done never
 * called; the session is never connected. */
static void
test_refused_arguments(void)
{
	struct imap_config cfg = sess_config(&modes[2], "u", "p", NULL);
	struct event_base *base = event_base_new();
	struct imap *s;
	char *err = NULL;
	int called = 0;

	s = imap_new(base, &cfg, NULL, NULL, &err);
	g_assert_nonnull(s);
#define REFUSED(...) \
	g_assert_cmpint( \
	    imap_command(s, NULL, never_done, &called, __VA_ARGS__), ==, -1)
	REFUSED("CREATE %a", "two words");
	REFUSED("CREATE %a", "");
	REFUSED("CREATE %a", "par(en");
	REFUSED("CREATE %a", "quo\"te");
	REFUSED("CREATE %a", (const char *)NULL);
	REFUSED("UID STORE 1 +FLAGS (%f)", "\\");
	REFUSED("UID STORE 1 +FLAGS (%f)", "\\Se en");
	REFUSED("UID FETCH %S (FLAGS)", "");
	REFUSED("UID FETCH %S (FLAGS)", "1:x");
	REFUSED("UID FETCH %S (FLAGS)", "0");
	REFUSED("UID FETCH %S (FLAGS)", "1,,2");
	REFUSED("UID FETCH %S (FLAGS)", "1:2:3");
	REFUSED("UID FETCH %S (FLAGS)", "4294967296");
	REFUSED("UID FETCH %S (FLAGS)", "1 OR 2");
	REFUSED("SELECT %m", "bad\xff utf8");
	REFUSED("SELECT %m", "");
	REFUSED("SELECT %M", "");
	REFUSED("UID STORE 1 +FLAGS %F", IMAP_FLAG_RECENT);
	REFUSED("UID STORE 1 +FLAGS %F", 0x200u);
	REFUSED("NOOP %q");
	REFUSED("NOOP\r\nA1 LOGOUT");
	REFUSED("NOOP\n");
	REFUSED("APPEND INBOX %L", (const void *)NULL, (size_t)5);
	/* The session's own commands. */
	REFUSED("LOGIN %s %s", "u", "p");
	REFUSED("AUTHENTICATE PLAIN");
	REFUSED("STARTTLS");
	REFUSED("logout");
	REFUSED("IDLE");
	REFUSED("COMPRESS DEFLATE");
#undef REFUSED
	g_assert_cmpint(
	    imap_uid_move(s, "1:x", "Trash", never_done, &called), ==, -1);
	g_assert_cmpint(
	    imap_append(s, "INBOX", "\\Recent", 0, "x", 1, never_done, &called),
	    ==, -1);
	g_assert_cmpint(
	    imap_append(s, "INBOX", "(\\Seen)", 0, "x", 1, never_done, &called),
	    ==, -1);
	/* A good one is accepted; it waits for a connection that never
	 * comes, and goes with imap_free. */
	g_assert_cmpint(
	    imap_command(s, NULL, never_done, &called, "NOOP"), ==, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	g_assert_cmpint(called, ==, 0);
	imap_free(s);
	g_assert_cmpint(called, ==, 1);

	/* Configurations that cannot work. */
	{
		static const char *const bad_mech[] = { "CRAM-MD5", NULL };

		cfg.mechanisms = bad_mech;
		g_assert_null(imap_new(base, &cfg, &sess_events, NULL, &err));
		g_assert_nonnull(strstr(err, "CRAM-MD5"));
		free(err);
		cfg.mechanisms = NULL;
		cfg.user = "a\r\nb";
		g_assert_null(imap_new(base, &cfg, &sess_events, NULL, &err));
		free(err);
	}
	event_base_free(base);
}

/* ------------------------------------------------------ per mode: login */

/* Log in one way; check the mechanism used and the TLS state. */
static void
login_with(const struct mode *m, const char *mech, const char *expect)
{
	const char *mechs[] = { mech, NULL };
	const struct transport_tls_info *tls;
	const char *prefix;
	struct sess ss;
	char delim = 'x';
	struct op *op;

	sess_open(&ss, m, m->user, m->password, mech != NULL ? mechs : NULL);
	g_assert_cmpstr(imap_auth_mechanism(ss.s), ==, expect);
	tls = imap_tls_info(ss.s);
	if (m->tm == TRANSPORT_PLAIN)
		g_assert_null(tls);
	else {
		g_assert_nonnull(tls);
		g_assert_cmpint(tls->trust, ==, TRANSPORT_TRUST_VERIFIED);
	}
	/* Post-login capabilities, ENABLE and NAMESPACE are in. */
	g_assert_true(imap_has_cap(ss.s, "IMAP4rev1"));
	g_assert_true(imap_has_cap(ss.s, "UIDPLUS"));
	g_assert_true(imap_is_enabled(ss.s, "QRESYNC"));
	g_assert_true(imap_is_enabled(ss.s, "CONDSTORE"));
	g_assert_cmpint(imap_namespace(ss.s, &prefix, &delim), ==, 0);
	g_assert_cmpstr(prefix, ==, "");
	g_assert_cmpint(delim, ==, '.');
	/* The credentials never reach the trace. */
	g_assert_false(trace_has(&ss, m->password));
	g_assert_true(trace_has(&ss, "<redacted"));
	if (m->tm == TRANSPORT_TLS_STARTTLS) {
		/* STARTTLS, then CAPABILITY again, before any credential. */
		int st = trace_cmd(&ss, 0, "STARTTLS");
		int cap = trace_cmd(&ss, st, "CAPABILITY");
		int auth = trace_cmd(&ss, 0, "AUTHENTICATE");

		if (auth < 0)
			auth = trace_cmd(&ss, 0, "LOGIN");
		g_assert_cmpint(st, >=, 0);
		g_assert_cmpint(cap, >, st);
		g_assert_cmpint(auth, >, cap);
	}
	op = run_ok(&ss, NULL, NULL, "NOOP");
	op_free(op);
	sess_end(&ss);
}

static void
test_login_command(gconstpointer data)
{
	login_with(data, "IMAP-LOGIN", "IMAP-LOGIN");
}

static void
test_login_plain(gconstpointer data)
{
	login_with(data, "PLAIN", "PLAIN");
}

static void
test_login_scram(gconstpointer data)
{
	login_with(data, "SCRAM-SHA-256", "SCRAM-SHA-256");
}

/* With no list, the best offered: SCRAM-SHA-256. */
static void
test_login_default(gconstpointer data)
{
	login_with(data, NULL, "SCRAM-SHA-256");
}

/* ------------------------------------------------------ per mode: mail */

/* What LIST gave. */
struct listing {
	GHashTable *attrs; /* name_utf8 -> attrs (+1) */
	GHashTable *messages; /* STATUS name -> MESSAGES (+1) */
};

static void
list_hook(struct op *op, const struct imap_response *r)
{
	struct listing *l = op->priv;

	if (r->kind == IMAP_RESP_LIST)
		g_hash_table_insert(l->attrs, g_strdup(r->u.list.name_utf8),
		    GUINT_TO_POINTER(r->u.list.attrs + 1));
	else if (r->kind == IMAP_RESP_MAILBOX_STATUS &&
	    (r->u.mbstatus.present & IMAP_STATUS_MESSAGES))
		g_hash_table_insert(l->messages,
		    g_strdup(r->u.mbstatus.name_utf8),
		    GUINT_TO_POINTER(r->u.mbstatus.messages + 1));
}

static void
listing_init(struct listing *l)
{
	l->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->messages =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
listing_clear(struct listing *l)
{
	g_hash_table_destroy(l->attrs);
	g_hash_table_destroy(l->messages);
}

/* LIST through imap_list: special-use folders and STATUS counts. */
static void
test_list(gconstpointer data)
{
	const struct mode *m = data;
	static const struct {
		const char *name;
		unsigned attr;
	} special[] = { { "Drafts", IMAP_MBX_DRAFTS },
		{ "Sent", IMAP_MBX_SENT }, { "Trash", IMAP_MBX_TRASH },
		{ "Junk", IMAP_MBX_JUNK }, { "Archive", IMAP_MBX_ARCHIVE } };
	struct listing l;
	struct sess ss;
	struct op *op;
	size_t i;
	int r;

	sess_open(&ss, m, "alice", ALICE_PW, NULL);
	listing_init(&l);
	op = op_new(&ss, list_hook, &l);
	ss.in_call = 1;
	r = imap_list(ss.s, op_data, op_done, op);
	ss.in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	g_assert_cmpint(op->res, ==, IMAP_OK);
	g_assert_true(trace_has(&ss, "RETURN (SPECIAL-USE STATUS"));
	for (i = 0; i < G_N_ELEMENTS(special); i++) {
		unsigned a = GPOINTER_TO_UINT(
		    g_hash_table_lookup(l.attrs, special[i].name));

		g_assert_cmpuint(a, !=, 0);
		g_assert_cmpuint((a - 1) & special[i].attr, !=, 0);
	}
	g_assert_true(g_hash_table_contains(l.attrs, "INBOX"));
	g_assert_cmpuint(
	    GPOINTER_TO_UINT(g_hash_table_lookup(l.messages, "INBOX")), ==,
	    BIG_COUNT + 1);
	g_assert_cmpuint(
	    GPOINTER_TO_UINT(g_hash_table_lookup(l.messages, "Trash")), ==, 1);
	/* Nothing of it went to the session's events. */
	g_assert_cmpint(ss.exists + ss.untagged_fetch, ==, 0);
	op_free(op);
	listing_clear(&l);
	sess_end(&ss);
}

/* What SELECT gave. */
struct selected {
	uint32_t exists, uidvalidity, uidnext;
	uint64_t highestmodseq;
	int flags;
};

static void
select_hook(struct op *op, const struct imap_response *r)
{
	struct selected *sel = op->priv;

	if (r->kind == IMAP_RESP_EXISTS)
		sel->exists = r->number;
	else if (r->kind == IMAP_RESP_FLAGS)
		sel->flags++;
	else if (r->kind == IMAP_RESP_STATUS) {
		if (r->code.kind == IMAP_CODE_UIDVALIDITY)
			sel->uidvalidity = r->code.num;
		else if (r->code.kind == IMAP_CODE_UIDNEXT)
			sel->uidnext = r->code.num;
		else if (r->code.kind == IMAP_CODE_HIGHESTMODSEQ)
			sel->highestmodseq = r->code.modseq;
	}
}

/* A FETCH of envelopes must have everything asked for. */
static void
envelope_hook(struct op *op, const struct imap_response *r)
{
	unsigned want = IMAP_FETCH_UID | IMAP_FETCH_FLAGS |
	    IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE |
	    IMAP_FETCH_ENVELOPE;
	int *complete = op->priv;

	if (r->kind == IMAP_RESP_FETCH && (r->u.fetch.present & want) == want &&
	    r->u.fetch.envelope != NULL && r->u.fetch.rfc822_size > 0)
		(*complete)++;
}

/* SELECT, then every envelope: once with 1:*, once in pipelined parts. */
static void
test_fetch_all(gconstpointer data)
{
	const struct mode *m = data;
	struct selected sel = { 0 };
	struct op *op, *parts[8];
	int complete = 0, part_complete[8] = { 0 };
	struct sess ss;
	uint32_t per = BIG_COUNT / 8;
	size_t i;

	sess_open(&ss, m, "alice", ALICE_PW, NULL);
	op = select_box(&ss, "INBOX", select_hook, &sel);
	g_assert_cmpuint(sel.exists, ==, BIG_COUNT);
	g_assert_cmpuint(sel.uidvalidity, >, 0);
	g_assert_cmpuint(sel.uidnext, ==, BIG_COUNT + 1);
	g_assert_cmpuint(sel.highestmodseq, >, 0);
	g_assert_cmpint(sel.flags, ==, 1);
	g_assert_cmpstr(imap_selected(ss.s), ==, "INBOX");
	g_assert_true(trace_has(&ss, "SELECT \"INBOX\" (CONDSTORE)"));
	op_free(op);

	op = run_ok(&ss, envelope_hook, &complete,
	    "UID FETCH %S (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
	    "1:*");
	g_assert_cmpint(op->data, ==, BIG_COUNT);
	g_assert_cmpint(complete, ==, BIG_COUNT);
	op_free(op);

	/* Eight disjoint parts queued at once go out four at a time, and
	 * each answer reaches the part it belongs to. */
	ss.max_outstanding = ss.outstanding;
	for (i = 0; i < 8; i++) {
		parts[i] = op_new(&ss, envelope_hook, &part_complete[i]);
		parts[i]->lo = (uint32_t)i * per + 1;
		parts[i]->hi = (uint32_t)(i + 1) * per;
		op_send(parts[i],
		    "UID FETCH %u:%u (UID FLAGS INTERNALDATE RFC822.SIZE "
		    "ENVELOPE)",
		    parts[i]->lo, parts[i]->hi);
	}
	for (i = 0; i < 8; i++) {
		op_wait(parts[i]);
		g_assert_cmpint(parts[i]->res, ==, IMAP_OK);
		g_assert_cmpint(parts[i]->data, ==, (int)per);
		g_assert_cmpint(parts[i]->outside, ==, 0);
		g_assert_cmpint(part_complete[i], ==, (int)per);
		op_free(parts[i]);
	}
	g_assert_cmpint(ss.max_outstanding, ==, 4);
	g_assert_cmpint(ss.untagged_fetch, ==, 0);
	sess_end(&ss);
}

/* The flags of one UID seen in FETCH data. */
struct flagseen {
	uint32_t uid;
	int got;
	struct imap_flags flags; /* bits only */
	GPtrArray *all;
};

static void
flags_hook(struct op *op, const struct imap_response *r)
{
	struct flagseen *f = op->priv;
	size_t i;

	if (r->kind != IMAP_RESP_FETCH || r->u.fetch.uid != f->uid ||
	    !(r->u.fetch.present & IMAP_FETCH_FLAGS))
		return;
	f->got++;
	g_ptr_array_set_size(f->all, 0);
	for (i = 0; i < r->u.fetch.flags.all.n; i++)
		g_ptr_array_add(f->all, g_strdup(r->u.fetch.flags.all.v[i]));
}

/* Does the flag list seen have flag? */
static int
seen_has(const struct flagseen *f, const char *flag)
{
	guint i;

	for (i = 0; i < f->all->len; i++) {
		if (strcasecmp(f->all->pdata[i], flag) == 0)
			return 1;
	}
	return 0;
}

/* Set and clear each flag with UID STORE; FETCH must show it. */
static void
test_flags(gconstpointer data)
{
	static const char *const flags[] = { "\\Seen", "\\Answered",
		"\\Flagged", "\\Deleted", "\\Draft", "$Forwarded", "tern-kw" };
	const struct mode *m = data;
	struct flagseen f = { .uid = 1 };
	struct sess ss;
	struct op *op;
	size_t i;
	int set;

	f.all = g_ptr_array_new_with_free_func(g_free);
	sess_open(&ss, m, m->user, m->password, NULL);
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	/* From no flags at all, so that every STORE changes something (a
	 * server need not answer a STORE that changes nothing). */
	op_free(run_ok(&ss, NULL, NULL,
	    "UID STORE %u -FLAGS.SILENT (\\Seen \\Answered \\Flagged "
	    "\\Deleted \\Draft $Forwarded tern-kw)",
	    f.uid));
	for (i = 0; i < G_N_ELEMENTS(flags); i++) {
		for (set = 1; set >= 0; set--) {
			/* The STORE's own FETCH answer... */
			f.got = 0;
			op = run_ok(&ss, flags_hook, &f,
			    set ? "UID STORE %u +FLAGS (%f)"
				: "UID STORE %u -FLAGS (%f)",
			    f.uid, flags[i]);
			g_assert_cmpint(f.got, ==, 1);
			g_assert_cmpint(seen_has(&f, flags[i]), ==, set);
			op_free(op);
			/* ...and a FETCH after it agree. */
			f.got = 0;
			op = run_ok(
			    &ss, flags_hook, &f, "UID FETCH %u (FLAGS)", f.uid);
			g_assert_cmpint(f.got, ==, 1);
			g_assert_cmpint(seen_has(&f, flags[i]), ==, set);
			op_free(op);
		}
	}
	/* %F: flags from bits, silently. */
	op_free(run_ok(&ss, flags_hook, &f, "UID STORE %u +FLAGS.SILENT %F",
	    f.uid, IMAP_FLAG_FLAGGED | IMAP_FLAG_KW_FORWARDED));
	f.got = 0;
	op_free(run_ok(&ss, flags_hook, &f, "UID FETCH %u (FLAGS)", f.uid));
	g_assert_true(seen_has(&f, "\\Flagged"));
	g_assert_true(seen_has(&f, "$Forwarded"));
	op_free(run_ok(&ss, NULL, NULL, "UID STORE %u -FLAGS.SILENT %F", f.uid,
	    IMAP_FLAG_FLAGGED | IMAP_FLAG_KW_FORWARDED));
	f.got = 0;
	op_free(run_ok(&ss, flags_hook, &f, "UID FETCH %u (FLAGS)", f.uid));
	g_assert_false(seen_has(&f, "\\Flagged"));
	g_assert_false(seen_has(&f, "$Forwarded"));
	/* None of this was unclaimed data. */
	g_assert_cmpint(ss.untagged_fetch, ==, 0);
	g_ptr_array_free(f.all, TRUE);
	sess_end(&ss);
}

/* Count the FETCH answers for one UID (is the message still there?). */
static int
uid_present(struct sess *ss, uint32_t uid)
{
	struct flagseen f = { .uid = uid };
	struct op *op;
	int got;

	f.all = g_ptr_array_new_with_free_func(g_free);
	op = run_ok(ss, flags_hook, &f, "UID FETCH %u (FLAGS)", uid);
	got = f.got;
	if (got > 0)
		g_assert_false(seen_has(&f, "\\Deleted"));
	op_free(op);
	g_ptr_array_free(f.all, TRUE);
	return got;
}

static void
status_hook(struct op *op, const struct imap_response *r)
{
	if (r->kind == IMAP_RESP_MAILBOX_STATUS)
		*(uint32_t *)op->priv = r->u.mbstatus.messages;
}

/* MESSAGES of a folder, through STATUS. */
static uint32_t
folder_count(struct sess *ss, const char *box)
{
	uint32_t n = UINT32_MAX;

	op_free(run_ok(ss, status_hook, &n, "STATUS %m (MESSAGES)", box));
	g_assert_cmpuint(n, !=, UINT32_MAX);
	return n;
}

/* imap_uid_move and wait. */
static struct op *
move(struct sess *ss, const char *set, const char *box)
{
	struct op *op = op_new(ss, NULL, NULL);
	int r;

	ss->in_call = 1;
	r = imap_uid_move(ss->s, set, box, op_done, op);
	ss->in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	return op;
}

/* UID COPY, UID MOVE, the COPY+STORE+EXPUNGE fallback and its refusals. */
static void
test_copy_move(gconstpointer data)
{
	const struct mode *m = data;
	struct imap_config cfg;
	struct sess ss, fb;
	char *dest = g_strdup_printf("%s-dest", m->name);
	struct op *op;
	int i;

	sess_open(&ss, m, m->user, m->password, NULL);
	op_free(run_ok(&ss, NULL, NULL, "CREATE %m", dest));
	op_free(select_box(&ss, "INBOX", NULL, NULL));

	op = run_ok(&ss, NULL, NULL, "UID COPY %u %m", 2u, dest);
	g_assert_cmpint(op->code, ==, IMAP_CODE_COPYUID);
	g_assert_cmpuint(op->code_uid, ==, 1);
	op_free(op);
	g_assert_cmpint(uid_present(&ss, 2), ==, 1);

	op = move(&ss, "3", dest);
	g_assert_cmpint(op->res, ==, IMAP_OK);
	/* MOVE's untagged COPYUID arrives in the tagged answer's code. */
	g_assert_cmpint(op->code, ==, IMAP_CODE_COPYUID);
	g_assert_cmpuint(op->code_uid, ==, 2);
	op_free(op);
	g_assert_true(trace_cmd(&ss, 0, "UID MOVE 3 ") >= 0);
	g_assert_cmpint(uid_present(&ss, 3), ==, 0);
	/* The expunge reached the events (VANISHED: QRESYNC is on). */
	g_assert_cmpint(ss.vanished + ss.expunges, >=, 1);
	g_assert_cmpuint(folder_count(&ss, dest), ==, 2);

	/* A server without MOVE: COPY, STORE, EXPUNGE, in that order. */
	cfg = sess_config(m, m->user, m->password, NULL);
	cfg.ignore_caps = "MOVE";
	sess_start(&fb, &cfg);
	sess_wait_ready(&fb);
	g_assert_false(imap_has_cap(fb.s, "MOVE"));
	op_free(select_box(&fb, "INBOX", NULL, NULL));
	op = move(&fb, "4", dest);
	g_assert_cmpint(op->res, ==, IMAP_OK);
	g_assert_cmpint(op->code, ==, IMAP_CODE_COPYUID);
	g_assert_cmpuint(op->code_uid, ==, 3);
	op_free(op);
	i = trace_cmd(&fb, 0, "UID COPY 4 ");
	g_assert_cmpint(i, >=, 0);
	i = trace_cmd(&fb, i, "UID STORE 4 +FLAGS.SILENT (\\Deleted)");
	g_assert_cmpint(i, >=, 0);
	g_assert_cmpint(trace_cmd(&fb, i, "UID EXPUNGE 4"), >, i);
	g_assert_cmpint(trace_cmd(&fb, 0, "UID MOVE"), ==, -1);
	g_assert_cmpint(uid_present(&fb, 4), ==, 0);
	g_assert_cmpuint(folder_count(&fb, dest), ==, 3);

	/* The copy fails: nothing is marked or expunged. */
	op = move(&fb, "5", "no-such-folder");
	g_assert_cmpint(op->res, ==, IMAP_NO);
	g_assert_nonnull(strstr(op->msg, "UID COPY"));
	op_free(op);
	g_assert_cmpint(trace_cmd(&fb, 0, "UID STORE 5"), ==, -1);
	g_assert_cmpint(uid_present(&fb, 5), ==, 1);
	sess_end(&fb);

	/* Neither MOVE nor UIDPLUS: refused, with the reason. */
	cfg.ignore_caps = "MOVE UIDPLUS";
	sess_start(&fb, &cfg);
	sess_wait_ready(&fb);
	op_free(select_box(&fb, "INBOX", NULL, NULL));
	op = move(&fb, "5", dest);
	g_assert_cmpint(op->res, ==, IMAP_ERR_LOCAL);
	g_assert_nonnull(strstr(op->msg, "UIDPLUS"));
	op_free(op);
	g_assert_cmpint(trace_cmd(&fb, 0, "UID COPY"), ==, -1);
	g_assert_cmpint(uid_present(&fb, 5), ==, 1);
	sess_end(&fb);

	op_free(run_ok(&ss, NULL, NULL, "DELETE %m", dest));
	g_free(dest);
	sess_end(&ss);
}

/* Mark and UID EXPUNGE one message; others marked stay. */
static void
test_expunge(gconstpointer data)
{
	const struct mode *m = data;
	struct sess ss;
	int before;

	sess_open(&ss, m, m->user, m->password, NULL);
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	op_free(run_ok(
	    &ss, NULL, NULL, "UID STORE %S +FLAGS.SILENT (\\Deleted)", "6:7"));
	before = ss.vanished + ss.expunges;
	op_free(run_ok(&ss, NULL, NULL, "UID EXPUNGE %u", 6u));
	g_assert_cmpint(ss.vanished + ss.expunges, ==, before + 1);
	g_assert_cmpint(uid_present(&ss, 6), ==, 0);
	/* 7 was marked but not named: still there. */
	op_free(run_ok(
	    &ss, NULL, NULL, "UID STORE %u -FLAGS.SILENT (\\Deleted)", 7u));
	g_assert_cmpint(uid_present(&ss, 7), ==, 1);
	sess_end(&ss);
}

/* CREATE, RENAME and DELETE a folder with a name that needs UTF-7. */
static void
test_folders(gconstpointer data)
{
	const struct mode *m = data;
	char *name = g_strdup_printf("%s-Ordner \xc3\x9c & Co", m->name);
	char *renamed = g_strdup_printf("%s-umbenannt \xe2\x82\xac", m->name);
	char *pattern = g_strdup_printf("%s-*", m->name);
	struct listing l;
	struct sess ss;

	sess_open(&ss, m, m->user, m->password, NULL);
	op_free(run_ok(&ss, NULL, NULL, "CREATE %m", name));
	g_assert_true(trace_has(&ss, "&ANw- &- Co\""));
	listing_init(&l);
	op_free(run_ok(&ss, list_hook, &l, "LIST \"\" %m", pattern));
	g_assert_true(g_hash_table_contains(l.attrs, name));
	listing_clear(&l);

	op_free(run_ok(&ss, NULL, NULL, "RENAME %m %m", name, renamed));
	listing_init(&l);
	op_free(run_ok(&ss, list_hook, &l, "LIST \"\" %m", pattern));
	g_assert_false(g_hash_table_contains(l.attrs, name));
	g_assert_true(g_hash_table_contains(l.attrs, renamed));
	listing_clear(&l);

	op_free(run_ok(&ss, NULL, NULL, "DELETE %m", renamed));
	listing_init(&l);
	op_free(run_ok(&ss, list_hook, &l, "LIST \"\" %m", pattern));
	g_assert_cmpuint(g_hash_table_size(l.attrs), ==, 0);
	listing_clear(&l);
	/* A folder that is not there: NO, with the server's words. */
	{
		struct op *op = run(&ss, NULL, NULL, "DELETE %m", renamed);

		g_assert_cmpint(op->res, ==, IMAP_NO);
		g_assert_true(
		    g_str_has_prefix(op->msg, "server said NO to DELETE"));
		op_free(op);
	}
	g_free(name);
	g_free(renamed);
	g_free(pattern);
	sess_end(&ss);
}

/* What BODY.PEEK[] gave. */
struct body {
	uint32_t uid;
	GByteArray *bytes;
	int seen;
	time_t internaldate;
};

static void
body_hook(struct op *op, const struct imap_response *r)
{
	struct body *b = op->priv;
	const struct imap_fetch *f = &r->u.fetch;
	size_t i;

	if (r->kind != IMAP_RESP_FETCH || f->uid != b->uid)
		return;
	for (i = 0; i < f->nsections; i++) {
		if (f->sections[i].kind == IMAP_SECTION_BODY &&
		    f->sections[i].spec[0] == '\0' &&
		    f->sections[i].data != NULL)
			g_byte_array_append(b->bytes,
			    (const guint8 *)f->sections[i].data,
			    (guint)f->sections[i].len);
	}
	if (f->present & IMAP_FETCH_FLAGS)
		b->seen = has_flag(&f->flags, "\\Seen");
	if (f->present & IMAP_FETCH_INTERNALDATE)
		b->internaldate = f->internaldate;
}

/* APPEND a message and read it back byte for byte. */
static void
append_and_read(const struct mode *m, const char *ignore)
{
	static const char msg[] =
	    "From: Tern Test <tern@example.org>\r\n"
	    "To: someone@example.org\r\n"
	    "Subject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?= and {braces} \"quotes\"\r\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n"
	    "caf\xe9 {12}\r\n"
	    ".\r\n"
	    "a line with a * and a % and a \\ backslash\r\n";
	struct imap_config cfg = sess_config(m, m->user, m->password, NULL);
	struct body b = { 0 };
	struct sess ss;
	struct op *op;
	char *lit;
	int r;

	cfg.ignore_caps = ignore;
	sess_start(&ss, &cfg);
	sess_wait_ready(&ss);
	op = op_new(&ss, NULL, NULL);
	ss.in_call = 1;
	r = imap_append(ss.s, "INBOX", "\\Seen $Forwarded", 1700000000, msg,
	    sizeof msg - 1, op_done, op);
	ss.in_call = 0;
	g_assert_cmpint(r, ==, 0);
	op_wait(op);
	if (op->res != IMAP_OK) {
		sess_dump(&ss);
		g_error("APPEND: %s", op->msg);
	}
	g_assert_cmpint(op->code, ==, IMAP_CODE_APPENDUID);
	b.uid = op->code_uid;
	g_assert_cmpuint(b.uid, >, 0);
	op_free(op);
	/* Synchronizing only when LITERAL+ is not there. */
	lit = g_strdup_printf("(\\Seen $Forwarded) \"14-Nov-2023 22:13:20 "
			      "+0000\" {%zu%s}<%zu bytes>",
	    sizeof msg - 1, ignore != NULL ? "" : "+", sizeof msg - 1);
	g_assert_true(trace_has(&ss, lit));
	g_free(lit);

	op_free(select_box(&ss, "INBOX", NULL, NULL));
	b.bytes = g_byte_array_new();
	op_free(run_ok(&ss, body_hook, &b,
	    "UID FETCH %u (BODY.PEEK[] FLAGS INTERNALDATE)", b.uid));
	g_assert_cmpmem(b.bytes->data, b.bytes->len, msg, sizeof msg - 1);
	g_assert_true(b.seen);
	g_assert_cmpint((long long)b.internaldate, ==, 1700000000LL);
	g_byte_array_free(b.bytes, TRUE);
	sess_end(&ss);
}

static void
test_append(gconstpointer data)
{
	append_and_read(data, NULL);
}

/* Without LITERAL+ the literal waits for the server's "+". */
static void
test_append_sync_literal(gconstpointer data)
{
	append_and_read(data, "LITERAL+ LITERAL-");
}

static gboolean
idling(void *arg)
{
	struct sess *ss = arg;

	return imap_is_idling(ss->s) || ss->closed;
}

static gboolean
exists_arrived(void *arg)
{
	struct sess *ss = arg;

	return ss->exists > 0 || ss->closed;
}

/* IDLE: a delivered message arrives as EXISTS; a command leaves IDLE
 * with DONE first and goes after IDLE's OK. */
static void
test_idle(gconstpointer data)
{
	const struct mode *m = data;
	struct imap_config cfg = sess_config(m, m->user, m->password, NULL);
	struct sess ss;
	struct op *op;
	int done, idle_ok, noop, idle;
	char *line;

	cfg.idle = 1;
	sess_start(&ss, &cfg);
	sess_wait_ready(&ss);
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	g_assert_true(testutil_wait_until(ss.base, idling, &ss, WAIT_MS));
	g_assert_true(imap_is_idling(ss.s));
	ss.exists = 0;
	fixture_deliver(m->user,
	    "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: idle\r\n\r\nhello\r\n");
	if (!testutil_wait_until(ss.base, exists_arrived, &ss, WAIT_MS)) {
		sess_dump(&ss);
		g_error("no EXISTS during IDLE");
	}
	g_assert_cmpint(ss.exists_idling, >=, 1);
	g_assert_cmpuint(ss.last_exists, >, SMALL_COUNT - 10);

	/* A command while idling: DONE, IDLE's OK, then the command. */
	idle = trace_cmd(&ss, 0, "IDLE");
	op = run_ok(&ss, NULL, NULL, "NOOP");
	op_free(op);
	done = trace_find(&ss, idle, "> DONE");
	g_assert_cmpint(done, >, idle);
	/* "> A9 IDLE" answered by "< A9 OK ...". */
	line = g_strdup_printf("< %s", (char *)ss.trace->pdata[idle] + 2);
	strcpy(strrchr(line, ' '), " OK");
	idle_ok = trace_find(&ss, done, line);
	g_free(line);
	noop = trace_cmd(&ss, idle, "NOOP");
	g_assert_cmpint(idle_ok, >, done);
	g_assert_cmpint(noop, >, idle_ok);
	/* And back into IDLE. */
	g_assert_true(testutil_wait_until(ss.base, idling, &ss, WAIT_MS));
	g_assert_true(imap_is_idling(ss.s));
	sess_end(&ss);
}

/* ------------------------------------------------------ mode-independent */

/* Count IDLE commands sent so far. */
static gboolean
three_idles(void *arg)
{
	struct sess *ss = arg;
	int n = 0, i = -1;

	while ((i = trace_cmd(ss, i + 1, "IDLE")) >= 0)
		n++;
	return n >= 3 || ss->closed;
}

/* IDLE is re-issued after idle_restart_s. */
static void
test_idle_restart(void)
{
	struct imap_config cfg =
	    sess_config(&modes[2], modes[2].user, modes[2].password, NULL);
	struct sess ss;

	cfg.idle = 1;
	cfg.idle_restart_s = 1;
	sess_start(&ss, &cfg);
	sess_wait_ready(&ss);
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	g_assert_true(testutil_wait_until(ss.base, three_idles, &ss, 10000));
	g_assert_cmpint(ss.closed, ==, 0);
	g_assert_true(trace_find(&ss, 0, "> DONE") >= 0);
	sess_end(&ss);
}

/* COMPRESS=DEFLATE: switched on after login; everything still works. */
static void
test_compress(gconstpointer data)
{
	const struct mode *m = data;
	struct imap_config cfg = sess_config(m, "alice", ALICE_PW, NULL);
	struct selected sel = { 0 };
	struct sess ss;
	struct op *op;
	int complete = 0;

	cfg.compress = 1;
	sess_start(&ss, &cfg);
	sess_wait_ready(&ss);
	g_assert_true(imap_is_compressed(ss.s));
	g_assert_true(trace_cmd(&ss, 0, "COMPRESS DEFLATE") >= 0);
	op_free(select_box(&ss, "INBOX", select_hook, &sel));
	g_assert_cmpuint(sel.exists, ==, BIG_COUNT);
	op = run_ok(&ss, envelope_hook, &complete,
	    "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)");
	g_assert_cmpint(complete, ==, BIG_COUNT);
	op_free(op);
	sess_end(&ss);
}

/*
 * A wrong password: IMAP_ERR_AUTH with the server's text, by the LOGIN
 * command and by SASL (SCRAM; PLAIN and LOGIN fail the same way); the
 * password in no message; queued commands fail alike.  Dovecot delays
 * every login from an address after failures, so this runs last.
 */
static void
test_wrong_password(void)
{
	static const char *const mechs[] = { "IMAP-LOGIN", "SCRAM-SHA-256" };
	const char *list[2] = { NULL, NULL };
	struct imap_config cfg;
	struct sess ss;
	struct op *op;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(mechs); i++) {
		list[0] = mechs[i];
		cfg = sess_config(&modes[0], "alice", "wrong-Pa55", list);
		sess_start(&ss, &cfg);
		op = op_new(&ss, NULL, NULL);
		op_send(op, "NOOP");
		sess_wait_closed(&ss);
		g_assert_cmpint(ss.ready, ==, 0);
		g_assert_cmpstr(imap_result_name(ss.why), ==, "auth");
		g_assert_nonnull(strstr(ss.why_msg, "alice"));
		g_assert_null(strstr(ss.why_msg, "wrong-Pa55"));
		g_assert_false(trace_has(&ss, "wrong-Pa55"));
		g_assert_cmpint(op->done, ==, 1);
		g_assert_cmpint(op->res, ==, IMAP_ERR_AUTH);
		op_free(op);
		sess_free(&ss);
	}
}

/* Commands pending when the session is freed get IMAP_CANCELED, once;
 * closed() does not fire. */
static void
test_cancel_on_free(void)
{
	struct op *ops[6];
	struct sess ss;
	size_t i;

	sess_open(&ss, &modes[0], "alice", ALICE_PW, NULL);
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	for (i = 0; i < G_N_ELEMENTS(ops); i++) {
		ops[i] = op_new(&ss, NULL, NULL);
		op_send(ops[i], "UID FETCH 1:* (UID FLAGS)");
	}
	/* The first is in flight (sent from imap_command), the others
	 * queued behind it ("*" sets go one at a time); the loop has not
	 * turned, so no answer was read. */
	g_assert_true(trace_cmd(&ss, 0, "UID FETCH 1:*") >= 0);
	g_assert_cmpint(ss.outstanding, ==, 1);
	imap_free(ss.s);
	ss.s = NULL;
	for (i = 0; i < G_N_ELEMENTS(ops); i++) {
		g_assert_cmpint(ops[i]->done, ==, 1);
		g_assert_cmpint(ops[i]->res, ==, IMAP_CANCELED);
		op_free(ops[i]);
	}
	g_assert_cmpint(ss.closed, ==, 0);
	/* Nothing fires afterwards. */
	event_base_loop(ss.base, EVLOOP_NONBLOCK);
	g_ptr_array_free(ss.trace, TRUE);
	event_base_free(ss.base);
}

/* A done callback never runs inside the call that queued it: not on a
 * session that is not ready, nor one logging out, nor one that ended. */
static void
test_done_never_inside(void)
{
	struct op *early, *late, *after, *moved, *queued;
	struct sess ss;
	struct imap_config cfg =
	    sess_config(&modes[2], modes[2].user, modes[2].password, NULL);
	int r;

	cfg.ignore_caps = "MOVE UIDPLUS";
	sess_start(&ss, &cfg);
	early = op_new(&ss, NULL, NULL);
	op_send(early, "NOOP");
	sess_wait_ready(&ss);
	op_wait(early);
	g_assert_cmpint(early->res, ==, IMAP_OK);

	/* A refused move reports from the loop, not from the call. */
	op_free(select_box(&ss, "INBOX", NULL, NULL));
	moved = op_new(&ss, NULL, NULL);
	ss.in_call = 1;
	r = imap_uid_move(ss.s, "1", "Trash", op_done, moved);
	ss.in_call = 0;
	g_assert_cmpint(r, ==, 0);
	g_assert_cmpint(moved->done, ==, 0);
	op_wait(moved);
	g_assert_cmpint(moved->res, ==, IMAP_ERR_LOCAL);

	/* In flight at LOGOUT finishes; queued and later ones cancel. */
	late = op_new(&ss, NULL, NULL);
	op_send(late, "UID FETCH 1:* (FLAGS)");
	queued = op_new(&ss, NULL, NULL);
	op_send(queued, "UID FETCH 1:* (FLAGS)");
	ss.in_call = 1;
	imap_logout(ss.s);
	ss.in_call = 0;
	g_assert_cmpint(queued->done, ==, 0);
	after = op_new(&ss, NULL, NULL);
	op_send(after, "NOOP");
	sess_wait_closed(&ss);
	g_assert_cmpint(ss.why, ==, IMAP_OK);
	g_assert_cmpint(late->res, ==, IMAP_OK);
	g_assert_cmpint(queued->res, ==, IMAP_CANCELED);
	g_assert_cmpint(after->res, ==, IMAP_CANCELED);
	g_assert_cmpint(
	    trace_cmd(&ss, 0, "LOGOUT"), >, trace_cmd(&ss, 0, "UID FETCH"));

	/* An ended session still answers from the loop. */
	op_free(after);
	after = op_new(&ss, NULL, NULL);
	op_send(after, "NOOP");
	op_wait(after);
	g_assert_cmpint(after->res, ==, IMAP_CANCELED);
	op_free(early);
	op_free(late);
	op_free(after);
	op_free(moved);
	op_free(queued);
	sess_free(&ss);
}

/* A server that is not there: a connection failure, for queued commands
 * too. */
static void
test_refused_connection(void)
{
	struct imap_config cfg = sess_config(&modes[2], "u", "p", NULL);
	struct sess ss;
	struct op *op;

	cfg.transport.port = 1;
	sess_start(&ss, &cfg);
	op = op_new(&ss, NULL, NULL);
	op_send(op, "NOOP");
	sess_wait_closed(&ss);
	g_assert_cmpint(ss.why, ==, IMAP_ERR_CONNECTION);
	g_assert_cmpint(op->res, ==, IMAP_ERR_CONNECTION);
	g_assert_cmpstr(op->msg, ==, ss.why_msg);
	op_free(op);
	sess_free(&ss);
}

/* UID SEARCH (ESEARCH with RETURN) and STATUS pipelined on several
 * mailboxes; UNSELECT. */
static void
test_search_status(void)
{
	struct sess ss;
	struct op *op, *st[3];
	uint32_t n[3];
	static const char *const boxes[] = { "INBOX", "Trash", "Sent" };
	size_t i;

	sess_open(&ss, &modes[0], "alice", ALICE_PW, NULL);
	ss.max_outstanding = 0;
	for (i = 0; i < 3; i++) {
		n[i] = UINT32_MAX;
		st[i] = op_new(&ss, status_hook, &n[i]);
		op_send(st[i], "STATUS %m (MESSAGES)", boxes[i]);
	}
	for (i = 0; i < 3; i++) {
		op_wait(st[i]);
		g_assert_cmpint(st[i]->data, ==, 1);
		op_free(st[i]);
	}
	g_assert_cmpint(ss.max_outstanding, ==, 3);
	g_assert_cmpuint(n[0], ==, BIG_COUNT);
	g_assert_cmpuint(n[1], ==, 0);

	op_free(select_box(&ss, "INBOX", NULL, NULL));
	op = run_ok(&ss, NULL, NULL, "UID SEARCH RETURN (COUNT) ALL");
	g_assert_cmpint(op->data, ==, 1);
	op_free(op);
	op = run_ok(&ss, NULL, NULL, "UID SEARCH UID %S", "1:10");
	g_assert_cmpint(op->data, ==, 1);
	op_free(op);
	ss.in_call = 1;
	op = op_new(&ss, NULL, NULL);
	g_assert_cmpint(imap_unselect(ss.s, op_done, op), ==, 0);
	ss.in_call = 0;
	op_wait(op);
	g_assert_cmpint(op->res, ==, IMAP_OK);
	g_assert_true(trace_cmd(&ss, 0, "UNSELECT") >= 0);
	g_assert_null(imap_selected(ss.s));
	op_free(op);
	sess_end(&ss);
}

int
main(int argc, char **argv)
{
	static const char *const per_mode[] = { "login/command", "login/plain",
		"login/scram", "login/default", "list", "fetch-all", "flags",
		"copy-move", "expunge", "folders", "append",
		"append-sync-literal", "idle" };
	static void (*const per_mode_fn[])(
	    gconstpointer) = { test_login_command, test_login_plain,
		test_login_scram, test_login_default, test_list, test_fetch_all,
		test_flags, test_copy_move, test_expunge, test_folders,
		test_append, test_append_sync_literal, test_idle };
	char *path;
	size_t i, j;
	int r;

	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	fixture_start();

	g_test_add_func("/sasl/base64", test_base64);
	g_test_add_func("/sasl/steps", test_sasl_steps);
	g_test_add_func("/sasl/scram-rfc7677", test_scram_rfc7677);
	g_test_add_func("/imap/refused-arguments", test_refused_arguments);
	for (i = 0; i < G_N_ELEMENTS(modes); i++) {
		for (j = 0; j < G_N_ELEMENTS(per_mode); j++) {
			path = g_strdup_printf(
			    "/imap/%s/%s", modes[i].name, per_mode[j]);
			g_test_add_data_func(path, &modes[i], per_mode_fn[j]);
			g_free(path);
		}
	}
	g_test_add_data_func("/imap/compress/imaps", &modes[0], test_compress);
	g_test_add_data_func("/imap/compress/plain", &modes[2], test_compress);
	g_test_add_func("/imap/idle-restart", test_idle_restart);
	g_test_add_func("/imap/search-status", test_search_status);
	g_test_add_func("/imap/cancel-on-free", test_cancel_on_free);
	g_test_add_func("/imap/done-never-inside", test_done_never_inside);
	g_test_add_func("/imap/refused-connection", test_refused_connection);
	/* A suite of its own, created last, so that it runs last. */
	g_test_add_func(
	    "/imap/auth-failure/wrong-password", test_wrong_password);
	r = g_test_run();
	fixture_stop();
	return r;
}
