/*
 * test_conf.c - the configuration parser (src/conf.c).
 *
 * Odd and empty inputs first, then each error path, each of which must
 * name the file, the line and the key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "conf.h"

/* Parse text as if from an owner-only file called "cfg". */
static struct conf *
parse(const char *text, char **err)
{
	return conf_parse(text, strlen(text), "cfg", 0600, err);
}

static void
test_empty(void)
{
	static const char *const inputs[] = { "", "\n\n", "# only a comment\n",
		"   \n\t\n", "[general]\n" };
	struct conf *c;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
		c = parse(inputs[i], &err);
		g_assert_nonnull(c);
		g_assert_null(err);
		g_assert_cmpuint(c->naccounts, ==, 0);
		g_assert_cmpstr(c->theme, ==, "default");
		g_assert_cmpstr(c->sort, ==, "date");
		conf_free(c);
	}
}

static void
test_full(void)
{
	const char *text = "# accounts\n"
			   "[general]\n"
			   "theme = solarized-dark\n"
			   "sort = reverse-date\n"
			   "threading = yes\n"
			   "\n"
			   "[account work]\n"
			   "type = imap\n"
			   "host = imap.example.com\n"
			   "user = alice\n"
			   "password_command = pass show work\n"
			   "auth = plain, Scram-SHA-256\n"
			   "ca_file = /etc/ca.pem\n"
			   "idle = no\n"
			   "[account home]\n"
			   "type = pop3\n"
			   "host = pop.example.org\n"
			   "port = 110\n"
			   "user = bob\n"
			   "password = hunter2\n"
			   "maildir = /tmp/home-mail\n"
			   "keep_on_server = 14\n"
			   "poll_interval = 5m\n"
			   "[account local]\n"
			   "type = maildir\n"
			   "maildir = /var/mail/x\n";
	const struct account_conf *a;
	struct conf *c;
	char *err;

	c = parse(text, &err);
	g_assert_null(err);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->theme, ==, "solarized-dark");
	g_assert_cmpstr(c->sort, ==, "reverse-date");
	g_assert_true(c->threading);
	g_assert_cmpuint(c->naccounts, ==, 3);

	a = conf_find_account(c, "work");
	g_assert_nonnull(a);
	g_assert_cmpint(a->type, ==, ACCOUNT_IMAP);
	g_assert_cmpint(a->tls, ==, TLS_IMPLICIT);
	g_assert_cmpuint(a->port, ==, 993);
	g_assert_cmpstr(a->password_command, ==, "pass show work");
	g_assert_cmpstr(a->auth[0], ==, "PLAIN");
	g_assert_cmpstr(a->auth[1], ==, "SCRAM-SHA-256");
	g_assert_null(a->auth[2]);
	g_assert_false(a->idle);

	a = conf_find_account(c, "home");
	g_assert_cmpint(a->type, ==, ACCOUNT_POP3);
	g_assert_cmpint(a->tls, ==, TLS_STARTTLS); /* port 110 */
	g_assert_cmpstr(a->password, ==, "hunter2");
	g_assert_cmpint(a->keep_days, ==, 14);
	g_assert_cmpuint(a->poll_interval, ==, 300);

	a = conf_find_account(c, "local");
	g_assert_cmpint(a->type, ==, ACCOUNT_MAILDIR);
	g_assert_cmpstr(a->maildir, ==, "/var/mail/x");
	g_assert_null(conf_find_account(c, "nope"));
	conf_free(c);
}

static void
test_defaults(void)
{
	static const struct {
		const char *text;
		unsigned port;
		enum tls_mode tls;
	} cases[] = {
		{ "[account a]\ntype=imap\nhost=h\nuser=u\n", 993,
		    TLS_IMPLICIT },
		{ "[account a]\ntype=imap\nhost=h\nuser=u\nport=143\n", 143,
		    TLS_STARTTLS },
		{ "[account a]\ntype=imap\nhost=h\nuser=u\ntls=starttls\n", 143,
		    TLS_STARTTLS },
		{ "[account a]\ntype=imap\nhost=h\nuser=u\ntls=off\n", 143,
		    TLS_OFF },
		{ "[account a]\ntype=pop3\nhost=h\nuser=u\n", 995,
		    TLS_IMPLICIT },
		{ "[account a]\ntype=pop3\nhost=h\nuser=u\ntls=starttls\n", 110,
		    TLS_STARTTLS },
		{ "[account a]\ntype=imap\nhost=h\nuser=u\nport=1143\n"
		  "tls=off\n",
		    1143, TLS_OFF },
	};
	struct conf *c;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		c = parse(cases[i].text, &err);
		g_assert_null(err);
		g_assert_cmpuint(c->accounts[0]->port, ==, cases[i].port);
		g_assert_cmpint(c->accounts[0]->tls, ==, cases[i].tls);
		conf_free(c);
	}
}

/* Each bad input, and the text its error must contain. */
static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "key = v\n", "cfg:1: key: key outside any section" },
		{ "[general]\nnot a key\n", "cfg:2: expected key = value" },
		{ "[general]\nfoo bar = 1\n", "cfg:2: expected key = value" },
		{ "[general\n", "cfg:1: a section header" },
		{ "[general]\ntheme = a\n\ntheme = b\n",
		    "cfg:4: [general] theme: set twice (first at line 2)" },
		{ "[general]\n[general]\n", "cfg:2: [general] appears twice" },
		{ "[general]\ncolour = red\n",
		    "cfg:2: [general] colour: unknown key" },
		{ "[general]\nsort = sideways\n",
		    "cfg:2: [general] sort: 'sideways' is not a sort order" },
		{ "[general]\nthreading = maybe\n",
		    "cfg:2: [general] threading: 'maybe' is not yes or no" },
		{ "[other]\n", "cfg:1: [other]: unknown section" },
		{ "[account a]\nhost = h\n",
		    "cfg:1: [account a]: missing type" },
		{ "[account a]\ntype = smtp\n",
		    "cfg:2: [account a] type: 'smtp' is not imap, pop3 or "
		    "maildir" },
		{ "[account a]\ntype = imap\nuser = u\n",
		    "cfg:1: [account a]: missing host" },
		{ "[account a]\ntype = imap\nhost = h\n",
		    "cfg:1: [account a]: missing user" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\nport = "
		  "99999\n",
		    "cfg:5: [account a] port: '99999' is not a port" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\nport = 12x\n",
		    "cfg:5: [account a] port: '12x' is not a port" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\ntls = maybe\n",
		    "cfg:5: [account a] tls: 'maybe' is not implicit, starttls "
		    "or off" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\nauth = md5\n",
		    "cfg:5: [account a] auth: unknown mechanism 'md5'" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\nfrobnicate = "
		  "1\n",
		    "cfg:5: [account a] frobnicate: unknown key" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\nmaildir = "
		  "/x\n",
		    "cfg:5: [account a] maildir: does not apply to imap "
		    "accounts" },
		{ "[account a]\ntype = maildir\nhost = h\n",
		    "cfg:3: [account a] host: does not apply to maildir "
		    "accounts" },
		{ "[account a]\ntype = maildir\n",
		    "cfg:1: [account a]: missing maildir" },
		{ "[account a]\ntype = pop3\nhost = h\nuser = u\n"
		  "keep_on_server = forever\n",
		    "cfg:5: [account a] keep_on_server: 'forever' is not yes, "
		    "no" },
		{ "[account a]\ntype = pop3\nhost = h\nuser = u\n"
		  "poll_interval = 5 minutes\n",
		    "cfg:5: [account a] poll_interval: '5 minutes' is not a "
		    "duration" },
		{ "[account a]\ntype = imap\nhost = h\nuser = u\npassword = p\n"
		  "password_command = echo p\n",
		    "[account a] password: set both password and "
		    "password_command" },
		{ "[account ../x]\ntype = maildir\nmaildir = /x\n",
		    "cfg:1: [account ../x]: account names are" },
		{ "[account ]\ntype = maildir\nmaildir = /x\n",
		    "cfg:1: [account ]: account names are" },
		{ "[account a]\ntype = imap\nhost = bad host\nuser = u\n",
		    "cfg:3: [account a] host: 'bad host' is not a host name" },
	};
	struct conf *c;
	char *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		c = parse(cases[i].text, &err);
		if (c != NULL || err == NULL ||
		    strstr(err, cases[i].want) == NULL)
			g_error("case %zu: wanted \"%s\", got \"%s\"", i,
			    cases[i].want, err ? err : "(no error)");
		g_free(NULL);
		free(err);
	}
}

static void
test_binary(void)
{
	static const char data[] = "[general]\ntheme = a\0b\n";
	struct conf *c;
	char *err;

	c = conf_parse(data, sizeof data - 1, "cfg", 0600, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "cfg:2: NUL byte"));
	free(err);
}

static void
test_long_line(void)
{
	GString *s = g_string_new("[general]\ntheme = ");
	struct conf *c;
	char *err;

	while (s->len < 10000)
		g_string_append_c(s, 'x');
	c = conf_parse(s->str, s->len, "cfg", 0600, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "cfg:2: line longer than"));
	free(err);
	g_string_free(s, TRUE);
}

/* A password is refused in a file others can read; a plain one warns. */
static void
test_permissions(void)
{
	const char *with_pw = "[account a]\ntype = imap\nhost = h\nuser = u\n"
			      "password = secret\n";
	const char *without = "[account a]\ntype = imap\nhost = h\nuser = u\n";
	struct conf *c;
	char *err;

	c = conf_parse(with_pw, strlen(with_pw), "cfg", 0644, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "cfg:5: [account a] password: refused"));
	g_assert_null(strstr(err, "secret"));
	free(err);

	c = conf_parse(with_pw, strlen(with_pw), "cfg", 0600, &err);
	g_assert_nonnull(c);
	g_assert_null(c->warnings[0]);
	conf_free(c);

	c = conf_parse(without, strlen(without), "cfg", 0604, &err);
	g_assert_nonnull(c);
	g_assert_nonnull(c->warnings[0]);
	g_assert_nonnull(strstr(c->warnings[0], "readable by group or others"));
	conf_free(c);
}

/* conf_load reads the real mode of the file. */
static void
test_load_file(void)
{
	char *dir = g_dir_make_tmp("tern-conf-XXXXXX", NULL), *path, *err;
	const char *text = "[account a]\ntype = imap\nhost = h\nuser = u\n"
			   "password = secret\n";
	struct conf *c;

	path = g_build_filename(dir, "config", NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(chmod(path, 0644), ==, 0);
	c = conf_load(path, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "password: refused"));
	free(err);
	g_assert_cmpint(chmod(path, 0600), ==, 0);
	c = conf_load(path, &err);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->path, ==, path);
	conf_free(c);
	g_unlink(path);

	c = conf_load(path, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "No such file"));
	free(err);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* --config-check output never shows a password. */
static void
test_describe(void)
{
	const char *text = "[account a]\ntype = imap\nhost = h\nuser = u\n"
			   "password = s3cr3t-pw\ntls = off\n";
	struct conf *c;
	char *err, *buf = NULL;
	size_t len = 0;
	FILE *f;

	c = parse(text, &err);
	g_assert_nonnull(c);
	f = open_memstream(&buf, &len);
	conf_describe(c, f);
	fclose(f);
	g_assert_null(strstr(buf, "s3cr3t"));
	g_assert_nonnull(strstr(buf, "password = (set, not shown)"));
	g_assert_nonnull(strstr(buf, "tls = off (everything"));
	free(buf);
	conf_free(c);
}

/* The reading keys: url_command, header_list, alternative_order. */
static void
test_reading_keys(void)
{
	static const struct {
		const char *text, *err; /* err NULL: must parse */
	} bad[] = {
		{ "[general]\nurl_command =\n", "url_command: empty command" },
		{ "[general]\nheader_list = ,\n", "header_list: empty list" },
		{ "[general]\nheader_list = From, Sub:ject\n",
		    "header_list: 'Sub:ject' is not a header name" },
		{ "[general]\nheader_list = Gr\xc3\xbc\xc3\x9f\n",
		    "is not a header name" },
		{ "[general]\nalternative_order = html\n",
		    "alternative_order: 'html' is not a MIME type" },
		{ "[general]\nalternative_order = text/html/x\n",
		    "is not a MIME type" },
		{ "[general]\nalternative_order = /html\n",
		    "is not a MIME type" },
		{ "[general]\nalternative_order = text/\n",
		    "is not a MIME type" },
		{ "[general]\nalternative_order = text/h<tml\n",
		    "is not a MIME type" },
	};
	const char *text = "[general]\n"
			   "url_command = firefox --new-tab %s\n"
			   "header_list = Date From,To  Subject, X-Mailer\n"
			   "alternative_order = Text/HTML, text/*\n";
	struct conf *c;
	char *err, *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	c = parse("", &err);
	g_assert_null(c->url_command);
	g_assert_null(c->header_list);
	g_assert_null(c->alternative_order);
	conf_free(c);
	c = parse(text, &err);
	g_assert_null(err);
	g_assert_cmpstr(c->url_command, ==, "firefox --new-tab %s");
	g_assert_cmpuint(g_strv_length(c->header_list), ==, 5);
	g_assert_cmpstr(c->header_list[0], ==, "Date");
	g_assert_cmpstr(c->header_list[4], ==, "X-Mailer");
	g_assert_cmpuint(g_strv_length(c->alternative_order), ==, 2);
	g_assert_cmpstr(c->alternative_order[0], ==, "text/html");
	g_assert_cmpstr(c->alternative_order[1], ==, "text/*");
	f = open_memstream(&buf, &len);
	conf_describe(c, f);
	fclose(f);
	g_assert_nonnull(strstr(buf, "url_command = firefox --new-tab %s\n"));
	g_assert_nonnull(
	    strstr(buf, "header_list = Date, From, To, Subject, X-Mailer\n"));
	g_assert_nonnull(
	    strstr(buf, "alternative_order = text/html, text/*\n"));
	free(buf);
	conf_free(c);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		c = parse(bad[i].text, &err);
		if (c != NULL || err == NULL || strstr(err, bad[i].err) == NULL)
			g_error("case %zu: wanted \"%s\", got \"%s\"", i,
			    bad[i].err, err ? err : "(no error)");
		free(err);
	}
}

/* More list items than CONF_MAX_LIST are refused. */
static void
test_long_list(void)
{
	GString *s = g_string_new("[general]\nheader_list = ");
	struct conf *c;
	char *err;
	int i;

	for (i = 0; i < 100; i++)
		g_string_append_printf(s, "X-H%d, ", i);
	g_string_append_c(s, '\n');
	c = parse(s->str, &err);
	g_assert_null(c);
	g_assert_nonnull(strstr(err, "header_list: more than"));
	free(err);
	g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/conf/empty", test_empty);
	g_test_add_func("/conf/full", test_full);
	g_test_add_func("/conf/defaults", test_defaults);
	g_test_add_func("/conf/errors", test_errors);
	g_test_add_func("/conf/binary", test_binary);
	g_test_add_func("/conf/long-line", test_long_line);
	g_test_add_func("/conf/permissions", test_permissions);
	g_test_add_func("/conf/load-file", test_load_file);
	g_test_add_func("/conf/describe", test_describe);
	g_test_add_func("/conf/reading-keys", test_reading_keys);
	g_test_add_func("/conf/long-list", test_long_list);
	return g_test_run();
}
