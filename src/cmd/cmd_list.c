/*
 * cmd_list.c - `tern list`: a folder's index lines, without the UI.
 *
 *     tern list [-F FILE] ACCOUNT[:FOLDER] [options]
 *     tern list -f MAILDIR[:FOLDER] [options]
 *       --sort=ORDER      date, arrival, from, subject, size, flags,
 *                         each optionally reverse-
 *       --threads         thread the messages
 *       --limit PATTERN   only messages matching PATTERN
 *
 * It runs the same account, backend and model code as the interface on
 * the same event loop, and prints the view once the folder is read.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "account.h"
#include "cmd/cmd_list.h"
#include "conf.h"
#include "model/index_line.h"
#include "model/msgtab.h"
#include "message/sanitize.h"
#include "xmalloc.h"

struct cmd_list {
	struct event_base *base;
	struct account *acct;
	int failed;
	int started; /* the limit has been applied */
	const char *limit;
};

/* Print index lines once the folder is read (and the limit answered). */
static void
cmd_list_changed(struct account *a, unsigned what, void *arg)
{
	struct cmd_list *cl = arg;
	char *err = NULL;

	if (a != cl->acct || account_busy(a) || account_folder(a) == NULL)
		return;
	if (!cl->started) {
		cl->started = 1;
		if (cl->limit != NULL &&
		    account_set_limit(a, cl->limit, &err) == -1) {
			fprintf(stderr, "tern: %s\n", err);
			free(err);
			cl->failed = 2;
			event_base_loopbreak(cl->base);
			return;
		}
		if (account_busy(a))
			return; /* body searches answer later */
	}
	event_base_loopbreak(cl->base);
}

/* Errors from the account go to stderr. */
static void
cmd_list_message(struct account *a, int error, const char *text, void *arg)
{
	struct cmd_list *cl = arg;

	if (!error)
		return;
	fprintf(stderr, "tern: %s\n", text);
	cl->failed = 1;
	event_base_loopbreak(cl->base);
}

/* Print the usage of tern list. */
static int
cmd_list_usage(void)
{
	fprintf(stderr,
	    "usage: tern list [-F FILE] ACCOUNT[:FOLDER] "
	    "[--sort=ORDER] [--threads] [--limit PATTERN]\n"
	    "       tern list -f MAILDIR[:FOLDER] [...]\n");
	return 2;
}

/* Run tern list; returns the exit status. */
int
cmd_list(int argc, char **argv, const char *conf_path)
{
	static const struct option longopts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "threads", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_list cl = { 0 };
	struct account_observer obs = { .changed = cmd_list_changed,
		.message = cmd_list_message,
		.arg = &cl };
	struct account_manager *am = NULL;
	struct conf *conf = NULL;
	const char *maildir = NULL, *sort = NULL, *colon;
	char *target = NULL, *folder = NULL, *err = NULL;
	enum msgtab_sort key = MSGTAB_SORT_DATE;
	bool reverse = false, threads = false;
	const struct rowlist *mv;
	int c, idx, rc = 0;
	size_t i;

	optind = 0; /* 0: reinitialise getopt (main used "+" mode) */
	while ((c = getopt_long(argc, argv, "f:F:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': maildir = optarg; break;
		case 'F': conf_path = optarg; break;
		case 's': sort = optarg; break;
		case 'l': cl.limit = optarg; break;
		case 't': threads = true; break;
		default: return cmd_list_usage();
		}
	}
	if ((maildir == NULL) == (optind >= argc) || optind + 1 < argc)
		return cmd_list_usage();
	if (sort != NULL && msgtab_sort_parse(sort, &key, &reverse) == -1) {
		fprintf(stderr,
		    "tern: '%s' is not a sort order (date, arrival, "
		    "from, subject, size, flags, each optionally "
		    "reverse-)\n",
		    sort);
		return 2;
	}
	target = xstrdup(maildir ? maildir : argv[optind]);
	if ((colon = strrchr(target, ':')) != NULL) {
		folder = xstrdup(colon + 1);
		target[colon - target] = '\0';
	}
	if (maildir != NULL) {
		conf = conf_empty();
		conf_add_maildir(conf, target);
	} else if (conf_path != NULL)
		conf = conf_load(conf_path, &err);
	else {
		fprintf(
		    stderr, "tern: list needs -F FILE or -f MAILDIR here\n");
		rc = 2;
		goto out;
	}
	if (conf == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		rc = 1;
		goto out;
	}
	cl.base = event_base_new();
	event_base_priority_init(cl.base, 3);
	am = account_manager_new(cl.base, conf);
	idx = maildir ? 0 : account_manager_find(am, target);
	if (idx < 0) {
		fprintf(stderr, "tern: no account named '%s'\n", target);
		rc = 1;
		goto out;
	}
	cl.acct = account_manager_get(am, idx);
	account_manager_observe(am, &obs);
	account_set_order(cl.acct, key, reverse, threads);
	account_activate(cl.acct);
	if (folder != NULL && *folder != '\0')
		account_open_folder(cl.acct, folder);
	if (account_folder(cl.acct) == NULL) { /* no backend for it */
		fprintf(stderr, "tern: %s\n", account_status(cl.acct));
		rc = 1;
		goto out;
	}
	event_base_dispatch(cl.base);
	if (cl.failed) {
		rc = cl.failed;
		goto out;
	}
	mv = account_view(cl.acct);
	for (i = 0; mv != NULL && i < rowlist_count(mv); i++) {
		char *line = index_line_format(
		    account_msgtab(cl.acct), mv, i, false, time(NULL));
		char *safe = sanitize_text(line, strlen(line), 0);

		printf("%s\n", safe);
		free(safe);
		free(line);
	}
	if (fflush(stdout) != 0)
		rc = 1;
out:
	account_manager_free(am);
	if (cl.base != NULL)
		event_base_free(cl.base);
	conf_free(conf);
	free(target);
	free(folder);
	return rc;
}
