/*
 * conf.h - the user's configuration file.
 *
 * An INI file read with GLib's GKeyFile: a [general] section and one
 * [account NAME] section per account.  Anything unknown or malformed is an
 * error naming file:line and the key; tern refuses to start rather than
 * guess.  (The file is called conf.* because config.h is autoconf's.)
 */
#ifndef TERN_CONF_H
#define TERN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum account_type {
	ACCOUNT_IMAP,
	ACCOUNT_POP3,
	ACCOUNT_MAILDIR,
};

enum tls_mode {
	TLS_IMPLICIT,
	TLS_STARTTLS,
	TLS_OFF,
};

/* keep_days: how long POP3 mail stays on the server after download. */
#define KEEP_FOREVER (-1)

struct account_conf {
	char *name;
	enum account_type type;
	char *host;
	unsigned port; /* always set: the default when not given */
	enum tls_mode tls;
	char *user;
	char *password_command; /* run through the shell, first line */
	char *password; /* only from an owner-only file */
	char **auth; /* NULL-terminated mechanism list, NULL: any */
	char *ca_file;
	char *maildir; /* expanded; POP3 download target or Maildir */
	int keep_days; /* KEEP_FOREVER, 0 (delete) or days */
	unsigned poll_interval; /* seconds, 0: never */
	bool idle;
};

struct conf {
	char *path;
	char *theme;
	char *sort;
	bool threading;
	char *editor;
	char *pager;
	char *mailcap;
	char *keybindings;
	char *url_command; /* opens a URL; NULL: none set */
	char **header_list; /* headers shown; NULL: the default */
	char **alternative_order; /* MIME types, best first; NULL: default */
	struct account_conf **accounts;
	size_t naccounts;
	char **warnings; /* NULL-terminated, may be empty */
};

struct conf *conf_load(const char *path, char **err);
struct conf *conf_parse(const char *data, size_t len, const char *name,
    unsigned file_mode, char **err);
struct conf *conf_empty(void);
void conf_add_maildir(struct conf *conf, const char *dir);
void conf_free(struct conf *conf);
const struct account_conf *
conf_find_account(const struct conf *conf, const char *name);
void conf_describe(const struct conf *conf, FILE *out);
const char *conf_type_name(enum account_type type);
const char *conf_tls_name(enum tls_mode tls);

#endif
