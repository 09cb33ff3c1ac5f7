/*
 * account.c - the account manager.
 *
 * For now an account is its configuration and a one-line status saying
 * what it can do; the backends (IMAP, POP3, Maildir) plug in behind this
 * same list, so the UI never learns which protocol an account speaks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "xmalloc.h"

struct account {
	const struct account_conf *conf; /* borrowed from the conf */
	char *status;
};

struct account_manager {
	struct event_base *base; /* borrowed */
	struct account **accts;
	size_t n;
};

/* A status line for an account whose backend is not built yet. */
static char *
account_initial_status(const struct account_conf *ac)
{
	switch (ac->type) {
	case ACCOUNT_IMAP:
		return xasprintf("IMAP is not implemented in this build yet "
				 "(%s:%u, %s)",
		    ac->host, ac->port, conf_tls_name(ac->tls));
	case ACCOUNT_POP3:
		return xasprintf("POP3 download is not implemented in this "
				 "build yet (%s:%u, %s; mail goes to %s)",
		    ac->host, ac->port, conf_tls_name(ac->tls), ac->maildir);
	case ACCOUNT_MAILDIR:
		return xasprintf("Maildir reading is not implemented in this "
				 "build yet (%s)",
		    ac->maildir);
	}
	return xstrdup("unknown account type");
}

/* Build the manager over conf, which must outlive it. */
struct account_manager *
account_manager_new(struct event_base *base, const struct conf *conf)
{
	struct account_manager *am = xcalloc(1, sizeof *am);
	size_t i;

	am->base = base;
	am->n = conf->naccounts;
	am->accts = xcalloc(am->n ? am->n : 1, sizeof *am->accts);
	for (i = 0; i < am->n; i++) {
		am->accts[i] = xcalloc(1, sizeof *am->accts[i]);
		am->accts[i]->conf = conf->accounts[i];
		am->accts[i]->status =
		    account_initial_status(conf->accounts[i]);
	}
	return am;
}

/* Free the manager and every account; NULL is fine. */
void
account_manager_free(struct account_manager *am)
{
	size_t i;

	if (am == NULL)
		return;
	for (i = 0; i < am->n; i++) {
		free(am->accts[i]->status);
		free(am->accts[i]);
	}
	free(am->accts);
	free(am);
}

/* How many accounts there are. */
size_t
account_manager_count(const struct account_manager *am)
{
	return am->n;
}

/* Account i (0 <= i < count). */
struct account *
account_manager_get(const struct account_manager *am, size_t i)
{
	return i < am->n ? am->accts[i] : NULL;
}

/* The index of the account called name, or -1. */
int
account_manager_find(const struct account_manager *am, const char *name)
{
	size_t i;

	for (i = 0; i < am->n; i++)
		if (strcmp(am->accts[i]->conf->name, name) == 0)
			return (int)i;
	return -1;
}

/* The account's name from the config. */
const char *
account_name(const struct account *acct)
{
	return acct->conf->name;
}

/* The account's configuration. */
const struct account_conf *
account_conf(const struct account *acct)
{
	return acct->conf;
}

/* One line saying what the account is doing. */
const char *
account_status(const struct account *acct)
{
	return acct->status;
}

/* True if the account talks to its server without TLS. */
int
account_is_plaintext(const struct account *acct)
{
	return acct->conf->type != ACCOUNT_MAILDIR &&
	    acct->conf->tls == TLS_OFF;
}
