/*
 * cmd_show.c - `tern show`: a message as the pager shows it, without the
 * UI; its attachments listed, saved or opened.
 *
 *     tern show [-F FILE] [options] FILE|-
 *     tern show [-F FILE] [options] ACCOUNT[:FOLDER] UID
 *     tern show -f MAILDIR[:FOLDER] [options] UID
 *       --raw             the bytes as they are
 *       --all-headers     every header (the pager's h)
 *       --width N         wrap to N columns (default: the terminal's,
 *                         else 80)
 *       --urls            the numbered URL list
 *       --attachments     the attachment list
 *       --save N [--to DIR] [--force]
 *       --open N          through the first matching mailcap entry
 *
 * The rows printed are the pager's rows, sanitised, without colours.  A
 * message of an account is read through the same account and backend
 * code as the interface, on the same kind of event loop.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "account.h"
#include "message/charset.h"
#include "cmd/cmd_show.h"
#include "conf.h"
#include "message/mime_render.h"
#include "paths.h"
#include "message/sanitize.h"
#include "xmalloc.h"

/* Messages larger than this are refused (as the Maildir backend does). */
#define CMD_SHOW_MAX (512u * 1024 * 1024)
#define CMD_SHOW_WIDTH 80 /* when the output is not a terminal */

enum cmd_show_mode {
	SHOW_RENDER,
	SHOW_RAW,
	SHOW_URLS,
	SHOW_ATTACHMENTS,
	SHOW_SAVE,
	SHOW_OPEN,
};

struct cmd_show {
	struct event_base *base;
	struct account *acct;
	uint32_t uid;
	int fetching;
	int failed;
	char *data;
	size_t len;
	char *codeset; /* the terminal's, NULL: UTF-8 */
};

/* Print the usage of tern show. */
static int
cmd_show_usage(void)
{
	fprintf(stderr,
	    "usage: tern show [-F FILE] [options] FILE|-\n"
	    "       tern show [-F FILE] [options] ACCOUNT[:FOLDER] UID\n"
	    "       tern show -f MAILDIR[:FOLDER] [options] UID\n"
	    "options: --raw, --all-headers, --width N, --urls, "
	    "--attachments,\n"
	    "         --save N [--to DIR] [--force], --open N\n");
	return 2;
}

/* Print one line of display text in the terminal's charset. */
static void
cmd_show_puts(const struct cmd_show *cs, const char *s)
{
	char *t;

	if (cs->codeset == NULL) {
		puts(s);
		return;
	}
	t = charset_from_utf8(s, cs->codeset);
	puts(t);
	free(t);
}

/* Print text (any bytes) sanitised, line by line. */
static void
cmd_show_put_text(const struct cmd_show *cs, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *nl;

	while (p < end) {
		size_t n;
		char *clean;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		clean = sanitize_text(p, n, 0);
		cmd_show_puts(cs, clean);
		free(clean);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/*
 * The configuration: -F's file (which must load), else the default file
 * when there is one, else an empty one.  Warnings go to stderr.
 */
static struct conf *
cmd_show_conf(const char *path, int must)
{
	struct conf *conf;
	char *def = NULL, *err = NULL;
	size_t i;

	if (path == NULL) {
		def = paths_config_file();
		if (access(def, F_OK) == -1) {
			free(def);
			if (must) {
				fprintf(stderr,
				    "tern: no configuration file (use -F FILE "
				    "or -f MAILDIR)\n");
				return NULL;
			}
			return conf_empty();
		}
		path = def;
	}
	conf = conf_load(path, &err);
	free(def);
	if (conf == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		return NULL;
	}
	for (i = 0; conf->warnings[i] != NULL; i++)
		fprintf(stderr, "tern: warning: %s\n", conf->warnings[i]);
	return conf;
}

/* Read a whole file (or standard input for "-"); -1 on failure. */
static int
cmd_show_read(const char *path, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	GString *buf;
	char chunk[65536];
	size_t n;
	struct stat st;

	if (f == NULL) {
		fprintf(stderr, "tern: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tern: %s: is a directory\n", path);
		fclose(f);
		return -1;
	}
	buf = g_string_new(NULL);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf->len + n > CMD_SHOW_MAX) {
			fprintf(stderr, "tern: %s: larger than %u bytes\n",
			    path, CMD_SHOW_MAX);
			g_string_free(buf, TRUE);
			if (f != stdin)
				fclose(f);
			return -1;
		}
		g_string_append_len(buf, chunk, n);
	}
	if (ferror(f)) {
		fprintf(stderr, "tern: %s: %s\n", path, strerror(errno));
		g_string_free(buf, TRUE);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	*len = buf->len;
	*data = g_string_free(buf, FALSE);
	return 0;
}

/* The message's bytes came from the backend (or did not). */
static void
cmd_show_body_cb(
    enum be_status st, const char *msg, const char *data, size_t len, void *arg)
{
	struct cmd_show *cs = arg;

	if (st != BE_OK) {
		fprintf(stderr, "tern: message %u: %s\n", cs->uid, msg);
		cs->failed = 1;
	} else {
		cs->data = xmalloc(len + 1);
		memcpy(cs->data, data, len);
		cs->data[len] = '\0';
		cs->len = len;
	}
	event_base_loopbreak(cs->base);
}

/* Once the folder is read, ask for the message. */
static void
cmd_show_changed(struct account *a, unsigned what, void *arg)
{
	struct cmd_show *cs = arg;

	(void)what;
	if (a != cs->acct || cs->fetching || account_busy(a) ||
	    account_folder(a) == NULL)
		return;
	cs->fetching = 1;
	account_fetch_body(a, cs->uid, cmd_show_body_cb, cs);
}

/* Errors from the account go to stderr and end the run. */
static void
cmd_show_message(struct account *a, int error, const char *text, void *arg)
{
	struct cmd_show *cs = arg;

	(void)a;
	if (!error)
		return;
	fprintf(stderr, "tern: %s\n", text);
	cs->failed = 1;
	event_base_loopbreak(cs->base);
}

/*
 * Fetch message uid of an account's folder ("NAME[:FOLDER]", or a
 * Maildir directory with -f) through the account layer.
 */
static int
cmd_show_fetch(struct cmd_show *cs, const struct conf *conf, const char *name,
    const char *folder, int is_maildir)
{
	struct account_observer obs = { .changed = cmd_show_changed,
		.message = cmd_show_message,
		.arg = cs };
	struct account_manager *am;
	int idx, rc = 0;

	cs->base = event_base_new();
	event_base_priority_init(cs->base, 3);
	am = account_manager_new(cs->base, conf);
	idx = is_maildir ? 0 : account_manager_find(am, name);
	if (idx < 0) {
		fprintf(stderr, "tern: no account named '%s'\n", name);
		rc = 1;
		goto out;
	}
	cs->acct = account_manager_get(am, idx);
	account_manager_observe(am, &obs);
	account_activate(cs->acct);
	if (folder != NULL && *folder != '\0')
		account_open_folder(cs->acct, folder);
	if (account_folder(cs->acct) == NULL) {
		fprintf(stderr, "tern: %s\n", account_status(cs->acct));
		rc = 1;
		goto out;
	}
	cmd_show_changed(cs->acct, 0, cs);
	if (!cs->failed && cs->data == NULL)
		event_base_dispatch(cs->base);
	if (cs->failed || cs->data == NULL)
		rc = 1;
out:
	account_manager_free(am);
	event_base_free(cs->base);
	cs->base = NULL;
	return rc;
}

/* The width to wrap to: the terminal's, else CMD_SHOW_WIDTH. */
static int
cmd_show_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return CMD_SHOW_WIDTH;
}

/* Parse an attachment number in [1, n]; 0 if it is not one. */
static size_t
cmd_show_number(const char *s, size_t n)
{
	char *end;
	unsigned long v;

	if (s == NULL || !g_ascii_isdigit(*s))
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > n)
		return 0;
	return v;
}

/* tern show --save N: the attachment under its safe name in dir. */
static int
cmd_show_save(struct render *r, const char *num, const char *dir, int force)
{
	size_t n = cmd_show_number(num, render_attachment_count(r));
	char *name, *path, *err = NULL;
	int rc = 0;

	if (n == 0) {
		fprintf(stderr,
		    "tern: no attachment #%s (the message has %zu)\n", num,
		    render_attachment_count(r));
		return 1;
	}
	name = render_attachment_filename(r, n - 1);
	path = g_build_filename(dir, name, NULL);
	if (render_attachment_save(r, n - 1, path, force, &err) == -1) {
		char *clean = sanitize_text(err, strlen(err), 0);

		fprintf(stderr, "tern: %s%s\n", clean,
		    !force && access(path, F_OK) == 0
			? " (use --force to overwrite it)"
			: "");
		free(clean);
		free(err);
		rc = 1;
	} else {
		char *clean = sanitize_text(path, strlen(path), 0);

		printf("Saved attachment #%zu to %s\n", n, clean);
		free(clean);
	}
	g_free(path);
	free(name);
	return rc;
}

/* tern show --open N: through mailcap; copiousoutput is printed. */
static int
cmd_show_open(struct cmd_show *cs, struct render *r, const char *num,
    const struct conf *conf)
{
	size_t n = cmd_show_number(num, render_attachment_count(r)), outlen;
	struct render_viewer *v;
	char *err = NULL, *out = NULL;
	int rc, terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	if (n == 0) {
		fprintf(stderr,
		    "tern: no attachment #%s (the message has %zu)\n", num,
		    render_attachment_count(r));
		return 1;
	}
	v = render_attachment_viewer(r, n - 1, conf->mailcap, terminal, &err);
	if (v == NULL) {
		fprintf(stderr, "tern: attachment #%zu: %s\n", n, err);
		free(err);
		return 1;
	}
	fflush(stdout);
	rc = render_viewer_run(v, &out, &outlen, &err);
	if (rc == -1) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
	} else if (rc != 0)
		fprintf(stderr, "tern: %s exited with status %d\n",
		    render_viewer_command(v), rc);
	if (out != NULL)
		cmd_show_put_text(cs, out, outlen);
	free(out);
	render_viewer_free(v);
	return rc == 0 ? 0 : 1;
}

/* Print the rendering, or what the mode asks for; the exit status. */
static int
cmd_show_output(struct cmd_show *cs, const struct conf *conf,
    enum cmd_show_mode mode, const struct render_opts *o, const char *num,
    const char *dir, int force)
{
	struct render *r;
	size_t i;
	int rc = 0;

	if (mode == SHOW_RAW) {
		/* Bytes unchanged for a pipe; a terminal gets them safe. */
		if (isatty(STDOUT_FILENO))
			cmd_show_put_text(cs, cs->data, cs->len);
		else
			fwrite(cs->data, 1, cs->len, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	r = mime_render(cs->data, cs->len, o);
	switch (mode) {
	case SHOW_URLS:
		for (i = 0; i < render_url_count(r); i++) {
			char *l =
			    xasprintf("[%zu] %s", i + 1, render_url(r, i));

			cmd_show_puts(cs, l);
			free(l);
		}
		break;
	case SHOW_ATTACHMENTS:
		for (i = 0; i < render_attachment_count(r); i++) {
			char *l =
			    render_attachment_describe(render_attachment(r, i));

			cmd_show_puts(cs, l);
			free(l);
		}
		break;
	case SHOW_SAVE: rc = cmd_show_save(r, num, dir, force); break;
	case SHOW_OPEN: rc = cmd_show_open(cs, r, num, conf); break;
	default:
		for (i = 0; i < render_count(r); i++)
			cmd_show_puts(cs, render_line(r, i)->text);
		break;
	}
	render_free(r);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}

/* Run tern show; returns the exit status. */
int
cmd_show(int argc, char **argv, const char *conf_path)
{
	static const struct option longopts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "all-headers", no_argument, NULL, 'H' },
		{ "width", required_argument, NULL, 'w' },
		{ "urls", no_argument, NULL, 'u' },
		{ "attachments", no_argument, NULL, 'a' },
		{ "save", required_argument, NULL, 's' },
		{ "to", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'o' },
		{ "open", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_show cs = { 0 };
	struct render_opts o = { 0 };
	struct conf *conf = NULL;
	enum cmd_show_mode mode = SHOW_RENDER;
	const char *maildir = NULL, *num = NULL, *dir = ".", *cs_name;
	int c, force = 0, nmodes = 0, rc = 0, width = -1;
	char *end, *target = NULL, *folder = NULL, *colon;
	unsigned long uid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:F:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': maildir = optarg; break;
		case 'F': conf_path = optarg; break;
		case 'r':
			mode = SHOW_RAW;
			nmodes++;
			break;
		case 'H': o.all_headers = 1; break;
		case 'w':
			width = strtol(optarg, &end, 10);
			if (*end != '\0' || width < 0 || width > 10000) {
				fprintf(stderr, "tern: '%s' is not a width\n",
				    optarg);
				return 2;
			}
			break;
		case 'u':
			mode = SHOW_URLS;
			nmodes++;
			break;
		case 'a':
			mode = SHOW_ATTACHMENTS;
			nmodes++;
			break;
		case 's':
			mode = SHOW_SAVE;
			num = optarg;
			nmodes++;
			break;
		case 't': dir = optarg; break;
		case 'o': force = 1; break;
		case 'O':
			mode = SHOW_OPEN;
			num = optarg;
			nmodes++;
			break;
		default: return cmd_show_usage();
		}
	}
	if (nmodes > 1) {
		fprintf(stderr,
		    "tern: --raw, --urls, --attachments, --save "
		    "and --open go alone\n");
		return 2;
	}
	if (maildir != NULL ? optind + 1 != argc
			    : optind >= argc || optind + 2 < argc)
		return cmd_show_usage();
	setlocale(LC_CTYPE, "");
	cs_name = nl_langinfo(CODESET);
	/* The C locale says nothing: UTF-8 is assumed, as the UI does. */
	if (cs_name != NULL && g_ascii_strcasecmp(cs_name, "UTF-8") != 0 &&
	    g_ascii_strcasecmp(cs_name, "ANSI_X3.4-1968") != 0 &&
	    charset_known(cs_name))
		cs.codeset = xstrdup(cs_name);
	if (maildir != NULL || optind + 2 == argc) {
		const char *u = argv[argc - 1];

		errno = 0;
		uid = strtoul(u, &end, 10);
		if (!g_ascii_isdigit(*u) || *end != '\0' || errno != 0 ||
		    uid == 0 || uid > UINT32_MAX) {
			fprintf(stderr, "tern: '%s' is not a message UID\n", u);
			rc = 2;
			goto out;
		}
		cs.uid = uid;
		target = xstrdup(maildir != NULL ? maildir : argv[optind]);
		if ((colon = strrchr(target, ':')) != NULL) {
			folder = xstrdup(colon + 1);
			*colon = '\0';
		}
		if (maildir != NULL) {
			conf = cmd_show_conf(conf_path, 0);
			if (conf != NULL)
				conf_add_maildir(conf, target);
		} else
			conf = cmd_show_conf(conf_path, 1);
		if (conf == NULL ||
		    cmd_show_fetch(
			&cs, conf, target, folder, maildir != NULL) != 0) {
			rc = 1;
			goto out;
		}
	} else {
		if ((conf = cmd_show_conf(conf_path, 0)) == NULL) {
			rc = 1;
			goto out;
		}
		if (cmd_show_read(argv[optind], &cs.data, &cs.len) == -1) {
			rc = 1;
			goto out;
		}
	}
	o.width = width >= 0 ? width : cmd_show_width();
	o.header_list = (const char *const *)conf->header_list;
	o.alternative_order = (const char *const *)conf->alternative_order;
	o.mailcap = conf->mailcap;
	rc = cmd_show_output(&cs, conf, mode, &o, num, dir, force);
out:
	conf_free(conf);
	free(target);
	free(folder);
	free(cs.data);
	free(cs.codeset);
	return rc;
}
