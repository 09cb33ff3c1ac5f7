/*
 * cmd_check.c - `tern check ACCOUNT`: connect, log in, and say what the
 * server offers and how the connection is protected.
 *
 * No person is asked anything: an untrusted certificate is rejected and
 * its details (fingerprint included) are printed with the reason, so the
 * user can compare the fingerprint and pin it from the interface.  The
 * exit status is 0, or 1 with one line saying why on stderr.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cmd/cmd_check.h"
#include "conf.h"
#include "imap.h"
#include "backend/imap_backend.h"
#include "paths.h"
#include "secret.h"
#include "xmalloc.h"

struct cmd_check {
	struct event_base *base;
	const struct account_conf *ac;
	struct imap *s;
	char *password;
	int rc;
	int done;
};

/* Logged in: print what we learnt, then log out. */
static void
cmd_check_ready(struct imap *s, void *arg)
{
	struct cmd_check *cc = arg;
	const struct transport_tls_info *tls = imap_tls_info(s);

	printf("account %s: %s:%u, logged in as %s", cc->ac->name, cc->ac->host,
	    cc->ac->port, cc->ac->user);
	if (imap_auth_mechanism(s) != NULL)
		printf(" with %s", imap_auth_mechanism(s));
	printf("\n");
	if (tls != NULL && tls->protocol != NULL) {
		printf("tls: %s, %s (%d bits), certificate %s\n", tls->protocol,
		    tls->cipher ? tls->cipher : "?", tls->bits,
		    tls->trust == TRANSPORT_TRUST_VERIFIED ? "verified"
			: tls->trust == TRANSPORT_TRUST_PINNED
			? "pinned"
			: "accepted once");
		if (tls->cert != NULL)
			printf("certificate: %s, issued by %s, sha256 %s\n",
			    tls->cert->subject, tls->cert->issuer,
			    tls->cert->fingerprint);
	} else
		printf("tls: none (tls = off: everything, the password too, "
		       "travels in clear)\n");
	printf("capabilities: %s\n", imap_capabilities(s));
	cc->rc = 0;
	imap_logout(s);
}

/* Nobody to ask: reject, and print what a person would have seen. */
static void
cmd_check_cert(struct imap *s, const struct tls_cert *cert, void *arg)
{
	char *text = tls_cert_format(cert);

	fprintf(stderr, "%s", text);
	free(text);
	imap_cert_answer(s, TRANSPORT_CERT_REJECT);
}

/* The session ended. */
static void
cmd_check_closed(
    struct imap *s, enum imap_result why, const char *msg, void *arg)
{
	struct cmd_check *cc = arg;

	/* Never logged in: that is the one line of the answer. */
	if (cc->rc != 0)
		fprintf(stderr, "tern: %s: %s\n", cc->ac->name,
		    msg ? msg : imap_result_name(why));
	cc->done = 1;
	event_base_loopbreak(cc->base);
}

/* An alert is worth printing. */
static void
cmd_check_alert(struct imap *s, const char *text, void *arg)
{
	fprintf(stderr, "tern: server alert: %s\n", text);
}

/* The password arrived (or not): connect. */
static void
cmd_check_secret(const char *password, const char *err, void *arg)
{
	static const struct imap_events ev = {
		.ready = cmd_check_ready,
		.cert_question = cmd_check_cert,
		.closed = cmd_check_closed,
		.alert = cmd_check_alert,
	};
	struct cmd_check *cc = arg;
	const struct account_conf *ac = cc->ac;
	struct imap_config cfg;
	char *data, *pins, *e = NULL;

	if (password == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		event_base_loopbreak(cc->base);
		return;
	}
	cc->password = xstrdup(password);
	data = paths_data_dir();
	pins = xasprintf("%s/certificates", data);
	imap_backend_config(ac, pins, cc->password, &cfg);
	cfg.idle = 0; /* a probe: log in, report, log out */
	cc->s = imap_new(cc->base, &cfg, &ev, cc, &e);
	free(pins);
	free(data);
	if (cc->s == NULL) {
		fprintf(stderr, "tern: %s: %s\n", ac->name, e);
		free(e);
		event_base_loopbreak(cc->base);
		return;
	}
	imap_connect(cc->s);
}

/* Run tern check; returns the exit status. */
int
cmd_check(int argc, char **argv, const char *conf_path)
{
	struct cmd_check cc = { .rc = 1 };
	struct secret_req *req;
	struct conf *conf;
	char *err = NULL, *def = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: tern check ACCOUNT\n");
		return 2;
	}
	if (conf_path == NULL)
		conf_path = def = paths_config_file();
	conf = conf_load(conf_path, &err);
	free(def);
	if (conf == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		return 1;
	}
	cc.ac = conf_find_account(conf, argv[1]);
	if (cc.ac == NULL) {
		fprintf(stderr, "tern: no account named '%s'\n", argv[1]);
		conf_free(conf);
		return 1;
	}
	if (cc.ac->type != ACCOUNT_IMAP) {
		fprintf(stderr, "tern: check speaks IMAP; %s is a %s account\n",
		    cc.ac->name, conf_type_name(cc.ac->type));
		conf_free(conf);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	cc.base = event_base_new();
	event_base_priority_init(cc.base, 3);
	req = secret_get(cc.base, cc.ac, cmd_check_secret, &cc);
	if (req == NULL)
		fprintf(stderr,
		    "tern: %s: no password (set password_command, "
		    "or password in an owner-only config)\n",
		    cc.ac->name);
	else
		event_base_dispatch(cc.base);
	imap_free(cc.s);
	if (cc.password != NULL) {
		secret_wipe(cc.password);
		free(cc.password);
	}
	event_base_free(cc.base);
	conf_free(conf);
	return cc.rc;
}
