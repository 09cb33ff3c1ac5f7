/*
 * main.c - command line, configuration, the event loop, and the choice
 * between the interface and a headless command.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "account.h"
#include "cmd/cmd_check.h"
#include "cmd/cmd_list.h"
#include "cmd/cmd_show.h"
#include "conf.h"
#include "log.h"
#include "backend/maildir.h"
#include "paths.h"
#include "ui.h"
#include "xmalloc.h"

/* Priorities of the one loop: input, network and timers, redraw. */
#define MAIN_PRIORITIES 3

/* Print the usage summary. */
static void
main_usage(FILE *out)
{
	fprintf(out,
	    "usage: tern [-F FILE] [-A ACCOUNT] [-f MAILDIR]\n"
	    "       tern --config-check [-F FILE]\n"
	    "       tern fetch [ACCOUNT...]\n"
	    "       tern list ACCOUNT[:FOLDER] [--sort=ORDER] [--limit "
	    "PATTERN]\n"
	    "       tern show FILE | ACCOUNT:FOLDER UID\n"
	    "       tern check ACCOUNT\n"
	    "       tern --version | --help\n"
	    "See tern(1).\n");
}

/* Print the version and the libraries tern runs on. */
static void
main_version(void)
{
	printf("tern %s\n", PACKAGE_VERSION);
	printf("  %s\n", ui_curses_version());
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("  GMime %u.%u.%u\n", gmime_major_version, gmime_minor_version,
	    gmime_micro_version);
	printf("  SQLite %s\n", sqlite3_libversion());
	printf("  libevent %s\n", event_get_version());
	printf("  GLib %u.%u.%u\n", glib_major_version, glib_minor_version,
	    glib_micro_version);
}

/*
 * Load the configuration: the -F file (which must exist), else the
 * default file if there is one, else an empty configuration.
 */
static struct conf *
main_load_conf(const char *path, char **err)
{
	char *def;
	struct conf *conf;

	if (path != NULL)
		return conf_load(path, err);
	def = paths_config_file();
	if (access(def, F_OK) == -1) {
		free(def);
		return conf_empty();
	}
	conf = conf_load(def, err);
	free(def);
	return conf;
}

/* Open the log in the state directory; a failure is not fatal. */
static void
main_open_log(void)
{
	char *dir = paths_state_dir(), *path, *err = NULL;

	if (paths_mkdir_p(dir, 0700, &err) == 0) {
		path = xasprintf("%s/tern.log", dir);
		if (log_open(path, LOG_INFO, &err) == -1) {
			fprintf(stderr, "tern: %s (continuing without a log)\n",
			    err);
		}
		free(path);
	} else
		fprintf(stderr, "tern: %s (continuing without a log)\n", err);
	free(err);
	free(dir);
}

/*
 * With no configuration at all, the Maildir tern offers to open: $MAIL
 * when it is one, else ~/Maildir.  NULL when there is none.
 */
static char *
main_offer(void)
{
	const char *mail = getenv("MAIL");
	char *home;

	if (mail != NULL && *mail != '\0' && maildir_is_maildir(mail))
		return xstrdup(mail);
	home = paths_expand_home("~/Maildir");
	if (maildir_is_maildir(home))
		return home;
	free(home);
	return NULL;
}

/* Run the interface; returns the exit status. */
static int
main_interactive(struct conf *conf, const char *start, const char *offer)
{
	struct event_base *base;
	struct account_manager *am;
	char *err = NULL;
	int idx = 0, rc = 0;

	base = event_base_new();
	if (base == NULL || event_base_priority_init(base, MAIN_PRIORITIES)) {
		fprintf(stderr, "tern: cannot create the event loop\n");
		return 1;
	}
	am = account_manager_new(base, conf);
	if (start != NULL && (idx = account_manager_find(am, start)) == -1) {
		fprintf(stderr, "tern: no account named '%s' in %s\n", start,
		    conf->path ? conf->path : "the configuration");
		rc = 1;
		goto out;
	}
	main_open_log();
	if (ui_run(base, am, conf, idx, offer, &err) == -1) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		rc = 1;
	}
out:
	account_manager_free(am);
	event_base_free(base);
	log_close();
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "config-check", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL, *start = NULL, *maildir = NULL;
	char *offer = NULL;
	struct conf *conf;
	char *err = NULL;
	int c, check = 0, rc, i;

	/* "+": stop at the first non-option, the headless command's name. */
	while (
	    (c = getopt_long(argc, argv, "+F:A:f:hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'F': conf_path = optarg; break;
		case 'A': start = optarg; break;
		case 'f': maildir = optarg; break;
		case 'V':
		case 'v': main_version(); return 0;
		case 'h': main_usage(stdout); return 0;
		case 'C': check = 1; break;
		default: main_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		static const char *const cmds[] = { "fetch" };

		if (strcmp(argv[optind], "list") == 0)
			return cmd_list(
			    argc - optind, argv + optind, conf_path);
		if (strcmp(argv[optind], "show") == 0)
			return cmd_show(
			    argc - optind, argv + optind, conf_path);
		if (strcmp(argv[optind], "check") == 0)
			return cmd_check(
			    argc - optind, argv + optind, conf_path);
		for (i = 0; i < 1; i++) {
			if (strcmp(argv[optind], cmds[i]) == 0) {
				fprintf(stderr,
				    "tern: '%s' is not implemented "
				    "in this build yet\n",
				    cmds[i]);
				return 2;
			}
		}
		fprintf(stderr, "tern: unknown command '%s'\n", argv[optind]);
		main_usage(stderr);
		return 2;
	}

	conf = main_load_conf(conf_path, &err);
	if (conf == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		return 1;
	}
	for (i = 0; conf->warnings[i] != NULL; i++)
		fprintf(stderr, "tern: warning: %s\n", conf->warnings[i]);
	if (check) {
		conf_describe(conf, stdout);
		conf_free(conf);
		return 0;
	}
	if (maildir != NULL)
		conf_add_maildir(conf, maildir);
	if (conf->naccounts == 0 && conf->path == NULL)
		offer = main_offer();
	rc = main_interactive(conf, start, offer);
	free(offer);
	conf_free(conf);
	return rc;
}
