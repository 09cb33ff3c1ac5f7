/*
 * conf.c - the user's configuration file.
 *
 * GKeyFile parses values, but it forgets where a key came from, so the file
 * is first scanned line by line here: that scan refuses what GKeyFile would
 * quietly accept (duplicate keys or sections, keys outside a section) and
 * remembers each key's line so every error can say file:line.  Then each
 * section's keys are checked against a table of what that section may hold.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "conf.h"
#include "paths.h"
#include "xmalloc.h"

#define CONF_MAX_SIZE (1024 * 1024)
#define CONF_MAX_LINE 8192
#define CONF_MAX_NAME 64
#define CONF_MAX_LIST 64 /* items in a list value */

/* Where one key (or a section header, key == NULL) was found. */
struct conf_pos {
	char *group;
	char *key;
	int line;
};

/* The scan of one file: every section and key with its line. */
struct conf_scan {
	const char *name;
	struct conf_pos *pos;
	size_t npos;
	size_t alloc;
};

/* State while one file is being turned into a struct conf. */
struct conf_ctx {
	const char *name;
	GKeyFile *kf;
	struct conf_scan *scan;
	unsigned mode;
	char *err;
};

static void conf_account_free(struct account_conf *acct);

/* Record a section header or a key at a line. */
static void
conf_scan_add(
    struct conf_scan *scan, const char *group, const char *key, int line)
{
	if (scan->npos == scan->alloc) {
		scan->alloc = scan->alloc ? scan->alloc * 2 : 32;
		scan->pos =
		    xreallocarray(scan->pos, scan->alloc, sizeof *scan->pos);
	}
	scan->pos[scan->npos].group = xstrdup(group);
	scan->pos[scan->npos].key = key ? xstrdup(key) : NULL;
	scan->pos[scan->npos].line = line;
	scan->npos++;
}

/* Free a scan. */
static void
conf_scan_free(struct conf_scan *scan)
{
	size_t i;

	for (i = 0; i < scan->npos; i++) {
		free(scan->pos[i].group);
		free(scan->pos[i].key);
	}
	free(scan->pos);
}

/* The line of a key in a group (key NULL: the section header), or 0. */
static int
conf_scan_line(const struct conf_scan *scan, const char *group, const char *key)
{
	size_t i;

	for (i = 0; i < scan->npos; i++) {
		if (strcmp(scan->pos[i].group, group) != 0)
			continue;
		if (key == NULL && scan->pos[i].key == NULL)
			return scan->pos[i].line;
		if (key != NULL && scan->pos[i].key != NULL &&
		    strcmp(scan->pos[i].key, key) == 0)
			return scan->pos[i].line;
	}
	return 0;
}

/* True if c may appear in a key name. */
static int
conf_key_char(int c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-';
}

/*
 * Scan data line by line.  Returns -1 with *err set on the first line
 * that is not a comment, a [section] or a key = value.
 */
static int
conf_scan_data(struct conf_scan *scan, const char *data, size_t len, char **err)
{
	const char *p = data, *end = data + len, *nl;
	char *group = NULL, *line, *s, *eq, *key, *sp;
	int lineno = 0, rc = -1;
	size_t n;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > CONF_MAX_LINE) {
			*err = xasprintf("%s:%d: line longer than %d bytes",
			    scan->name, lineno, CONF_MAX_LINE);
			goto out;
		}
		if (memchr(p, '\0', n) != NULL) {
			*err = xasprintf(
			    "%s:%d: NUL byte in the file", scan->name, lineno);
			goto out;
		}
		line = xstrndup(p, n);
		p = nl ? nl + 1 : end;
		s = g_strstrip(line);
		if (*s == '\0' || *s == '#') {
			free(line);
			continue;
		}
		if (*s == '[') {
			n = strlen(s);
			if (n < 3 || s[n - 1] != ']') {
				*err = xasprintf(
				    "%s:%d: a section header must "
				    "look like [general] or [account NAME]",
				    scan->name, lineno);
				free(line);
				goto out;
			}
			free(group);
			group = xstrndup(s + 1, n - 2);
			if (conf_scan_line(scan, group, NULL) != 0) {
				*err = xasprintf("%s:%d: [%s] appears twice "
						 "(first at line %d)",
				    scan->name, lineno, group,
				    conf_scan_line(scan, group, NULL));
				free(line);
				goto out;
			}
			conf_scan_add(scan, group, NULL, lineno);
			free(line);
			continue;
		}
		eq = strchr(s, '=');
		for (key = s; eq != NULL && key < eq && conf_key_char(*key);
		     key++)
			;
		for (sp = key; eq != NULL && sp < eq && g_ascii_isspace(*sp);
		     sp++)
			;
		if (eq == NULL || key == s || sp != eq) {
			*err = xasprintf("%s:%d: expected key = value, "
					 "[section] or a # comment",
			    scan->name, lineno);
			free(line);
			goto out;
		}
		*key = '\0';
		if (group == NULL) {
			*err = xasprintf(
			    "%s:%d: %s: key outside any section "
			    "(start with [general] or [account NAME])",
			    scan->name, lineno, s);
			free(line);
			goto out;
		}
		if (conf_scan_line(scan, group, s) != 0) {
			*err = xasprintf("%s:%d: [%s] %s: set twice (first at "
					 "line %d)",
			    scan->name, lineno, group, s,
			    conf_scan_line(scan, group, s));
			free(line);
			goto out;
		}
		conf_scan_add(scan, group, s, lineno);
		free(line);
	}
	rc = 0;
out:
	free(group);
	return rc;
}

/* Set ctx->err for a key (or a section, key NULL) unless already set. */
static void __attribute__((format(printf, 4, 5)))
conf_error(struct conf_ctx *ctx, const char *group, const char *key,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ctx->err != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	ctx->err = xasprintf("%s:%d: [%s]%s%s: %s", ctx->name,
	    conf_scan_line(ctx->scan, group, key), group, key ? " " : "",
	    key ? key : "", msg);
	free(msg);
}

/* The string value of a key (GKeyFile escapes decoded); NULL on error. */
static char *
conf_get_string(struct conf_ctx *ctx, const char *group, const char *key)
{
	GError *gerr = NULL;
	char *v, *copy;

	v = g_key_file_get_string(ctx->kf, group, key, &gerr);
	if (v == NULL) {
		conf_error(ctx, group, key, "%s", gerr->message);
		g_error_free(gerr);
		return NULL;
	}
	copy = xstrdup(v);
	g_free(v);
	return copy;
}

/* Parse yes/no/true/false/on/off/1/0; -1 if it is none of them. */
static int
conf_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(v, yes[i]) == 0)
			return 1;
		if (g_ascii_strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Parse a decimal number in [min, max]; -1 on anything else. */
static long
conf_number(const char *v, long min, long max)
{
	char *end;
	long n;

	if (!g_ascii_isdigit(*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

/* Parse a duration: seconds, or a number with s, m, h or d. */
static long
conf_duration(const char *v)
{
	char *num;
	long n, mult = 1;
	size_t len = strlen(v);

	if (len == 0)
		return -1;
	switch (v[len - 1]) {
	case 's':
		mult = 1;
		len--;
		break;
	case 'm':
		mult = 60;
		len--;
		break;
	case 'h':
		mult = 3600;
		len--;
		break;
	case 'd':
		mult = 86400;
		len--;
		break;
	}
	num = xstrndup(v, len);
	n = conf_number(num, 0, 366L * 86400);
	free(num);
	if (n < 0 || n > 366L * 86400 / mult)
		return -1;
	return n * mult;
}

static const char *const conf_sorts[] = {
	"date",
	"arrival",
	"from",
	"subject",
	"size",
	"flags",
};

/* Check a sort order: one of conf_sorts, optionally "reverse-". */
static int
conf_sort_ok(const char *v)
{
	size_t i;

	if (strncmp(v, "reverse-", 8) == 0)
		v += 8;
	for (i = 0; i < G_N_ELEMENTS(conf_sorts); i++)
		if (strcmp(v, conf_sorts[i]) == 0)
			return 1;
	return 0;
}

/* True for a header field name (RFC 5322: printable, no colon). */
static int
conf_header_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == ':')
			return 0;
	return 1;
}

/* True for "type/subtype" or "type/any" written with a star (RFC 2045). */
static int
conf_mime_type_ok(const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && strchr("!#$&.+-^_*/", *s) == NULL)
			return 0;
	return 1;
}

/*
 * Parse a list separated by commas and blanks into a NULL-terminated
 * array, each item checked by ok (what names the kind of item).
 */
static char **
conf_parse_list(struct conf_ctx *ctx, const char *g, const char *k,
    const char *v, int (*ok)(const char *), const char *what)
{
	char **parts = g_strsplit_set(v, ", \t", -1), **out;
	size_t i, n = 0;

	out = xcalloc(g_strv_length(parts) + 1, sizeof *out);
	for (i = 0; parts[i] != NULL; i++) {
		if (*parts[i] == '\0')
			continue;
		if (n >= CONF_MAX_LIST) {
			conf_error(
			    ctx, g, k, "more than %d items", CONF_MAX_LIST);
			break;
		}
		if (!ok(parts[i])) {
			conf_error(ctx, g, k, "'%s' is not %s", parts[i], what);
			break;
		}
		/* Header names keep the spelling given; types go lower case. */
		out[n++] = ok == conf_header_ok ? xstrdup(parts[i])
						: g_ascii_strdown(parts[i], -1);
	}
	g_strfreev(parts);
	if (n == 0 && ctx->err == NULL)
		conf_error(ctx, g, k, "empty list");
	return out;
}

/* Read the [general] section into conf. */
static void
conf_read_general(struct conf_ctx *ctx, struct conf *conf)
{
	const char *g = "general";
	char **keys, *v;
	size_t i;
	int b;

	keys = g_key_file_get_keys(ctx->kf, g, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL && ctx->err == NULL; i++) {
		const char *k = keys[i];

		if ((v = conf_get_string(ctx, g, k)) == NULL)
			break;
		if (strcmp(k, "theme") == 0) {
			free(conf->theme);
			conf->theme = v;
			v = NULL;
		} else if (strcmp(k, "sort") == 0) {
			if (!conf_sort_ok(v))
				conf_error(ctx, g, k,
				    "'%s' is not a sort order "
				    "(date, arrival, from, subject, size, "
				    "flags, "
				    "each optionally reverse-)",
				    v);
			free(conf->sort);
			conf->sort = v;
			v = NULL;
		} else if (strcmp(k, "threading") == 0) {
			if ((b = conf_bool(v)) < 0)
				conf_error(
				    ctx, g, k, "'%s' is not yes or no", v);
			conf->threading = b == 1;
		} else if (strcmp(k, "editor") == 0) {
			conf->editor = v;
			v = NULL;
		} else if (strcmp(k, "pager") == 0) {
			conf->pager = v;
			v = NULL;
		} else if (strcmp(k, "mailcap") == 0) {
			conf->mailcap = paths_expand_home(v);
		} else if (strcmp(k, "keybindings") == 0) {
			conf->keybindings = paths_expand_home(v);
		} else if (strcmp(k, "url_command") == 0) {
			if (*v == '\0')
				conf_error(ctx, g, k, "empty command");
			conf->url_command = v;
			v = NULL;
		} else if (strcmp(k, "header_list") == 0) {
			conf->header_list = conf_parse_list(
			    ctx, g, k, v, conf_header_ok, "a header name");
		} else if (strcmp(k, "alternative_order") == 0) {
			conf->alternative_order = conf_parse_list(
			    ctx, g, k, v, conf_mime_type_ok, "a MIME type");
		} else {
			conf_error(ctx, g, k,
			    "unknown key (known: theme, sort, "
			    "threading, editor, pager, mailcap, keybindings, "
			    "url_command, header_list, alternative_order)");
		}
		free(v);
	}
	g_strfreev(keys);
}

/* Which account types a key applies to. */
#define FOR_IMAP (1 << ACCOUNT_IMAP)
#define FOR_POP3 (1 << ACCOUNT_POP3)
#define FOR_MAILDIR (1 << ACCOUNT_MAILDIR)
#define FOR_NET (FOR_IMAP | FOR_POP3)

static const struct {
	const char *key;
	unsigned types;
} conf_account_keys[] = {
	{ "type", FOR_NET | FOR_MAILDIR },
	{ "host", FOR_NET },
	{ "port", FOR_NET },
	{ "tls", FOR_NET },
	{ "user", FOR_NET },
	{ "password_command", FOR_NET },
	{ "password", FOR_NET },
	{ "auth", FOR_NET },
	{ "ca_file", FOR_NET },
	{ "maildir", FOR_POP3 | FOR_MAILDIR },
	{ "keep_on_server", FOR_POP3 },
	{ "poll_interval", FOR_NET },
	{ "idle", FOR_IMAP },
};

static const char *const conf_mechs[] = {
	"PLAIN",
	"LOGIN",
	"SCRAM-SHA-256",
	"XOAUTH2",
	"OAUTHBEARER",
	"APOP",
	"USER",
};

/* Parse an auth list ("plain, scram-sha-256") into upper-case names. */
static char **
conf_parse_auth(struct conf_ctx *ctx, const char *g, const char *v)
{
	char **parts = g_strsplit_set(v, ", ", -1), **out;
	size_t i, j, n = 0;

	out = xcalloc(g_strv_length(parts) + 1, sizeof *out);
	for (i = 0; parts[i] != NULL; i++) {
		if (*parts[i] == '\0')
			continue;
		for (j = 0; j < G_N_ELEMENTS(conf_mechs); j++)
			if (g_ascii_strcasecmp(parts[i], conf_mechs[j]) == 0)
				break;
		if (j == G_N_ELEMENTS(conf_mechs)) {
			conf_error(ctx, g, "auth",
			    "unknown mechanism '%s' "
			    "(known: PLAIN, LOGIN, SCRAM-SHA-256, XOAUTH2, "
			    "OAUTHBEARER, APOP, USER)",
			    parts[i]);
			continue;
		}
		out[n++] = xstrdup(conf_mechs[j]);
	}
	g_strfreev(parts);
	if (n == 0)
		conf_error(ctx, g, "auth", "empty mechanism list");
	return out;
}

/* Read the type key first: every other key is checked against it. */
static int
conf_account_type(struct conf_ctx *ctx, const char *g, enum account_type *type)
{
	char *v;

	if (!g_key_file_has_key(ctx->kf, g, "type", NULL)) {
		conf_error(
		    ctx, g, NULL, "missing type (imap, pop3 or maildir)");
		return -1;
	}
	if ((v = conf_get_string(ctx, g, "type")) == NULL)
		return -1;
	if (strcmp(v, "imap") == 0)
		*type = ACCOUNT_IMAP;
	else if (strcmp(v, "pop3") == 0)
		*type = ACCOUNT_POP3;
	else if (strcmp(v, "maildir") == 0)
		*type = ACCOUNT_MAILDIR;
	else
		conf_error(
		    ctx, g, "type", "'%s' is not imap, pop3 or maildir", v);
	free(v);
	return ctx->err ? -1 : 0;
}

/* Apply one key's value to an account. */
static void
conf_account_key(struct conf_ctx *ctx, const char *g, const char *k, char *v,
    struct account_conf *a, int *tls_set)
{
	long n;
	int b;

	if (strcmp(k, "type") == 0) {
		/* read first, by conf_account_type */
	} else if (strcmp(k, "host") == 0) {
		if (*v == '\0' || strpbrk(v, " \t/") != NULL)
			conf_error(ctx, g, k, "'%s' is not a host name", v);
		a->host = xstrdup(v);
	} else if (strcmp(k, "port") == 0) {
		if ((n = conf_number(v, 1, 65535)) < 0)
			conf_error(
			    ctx, g, k, "'%s' is not a port (1-65535)", v);
		a->port = n;
	} else if (strcmp(k, "tls") == 0) {
		*tls_set = 1;
		if (strcmp(v, "implicit") == 0)
			a->tls = TLS_IMPLICIT;
		else if (strcmp(v, "starttls") == 0)
			a->tls = TLS_STARTTLS;
		else if (strcmp(v, "off") == 0)
			a->tls = TLS_OFF;
		else
			conf_error(ctx, g, k,
			    "'%s' is not implicit, starttls "
			    "or off",
			    v);
	} else if (strcmp(k, "user") == 0) {
		a->user = xstrdup(v);
	} else if (strcmp(k, "password_command") == 0) {
		a->password_command = xstrdup(v);
	} else if (strcmp(k, "password") == 0) {
		if (ctx->mode & (S_IRGRP | S_IROTH))
			conf_error(ctx, g, k,
			    "refused: %s is readable by "
			    "group or others (chmod 600 it, or use "
			    "password_command)",
			    ctx->name);
		a->password = xstrdup(v);
	} else if (strcmp(k, "auth") == 0) {
		a->auth = conf_parse_auth(ctx, g, v);
	} else if (strcmp(k, "ca_file") == 0) {
		a->ca_file = paths_expand_home(v);
	} else if (strcmp(k, "maildir") == 0) {
		if (*v == '\0')
			conf_error(ctx, g, k, "empty path");
		a->maildir = paths_expand_home(v);
	} else if (strcmp(k, "keep_on_server") == 0) {
		if ((b = conf_bool(v)) >= 0)
			a->keep_days = b ? KEEP_FOREVER : 0;
		else if ((n = conf_number(v, 1, 36500)) > 0)
			a->keep_days = n;
		else
			conf_error(ctx, g, k,
			    "'%s' is not yes, no or a number "
			    "of days",
			    v);
	} else if (strcmp(k, "poll_interval") == 0) {
		if ((n = conf_duration(v)) < 0)
			conf_error(ctx, g, k,
			    "'%s' is not a duration (300, "
			    "5m, 1h)",
			    v);
		a->poll_interval = n;
	} else if (strcmp(k, "idle") == 0) {
		if ((b = conf_bool(v)) < 0)
			conf_error(ctx, g, k, "'%s' is not yes or no", v);
		a->idle = b == 1;
	}
}

/* Check an account name: short, and safe to use in a file name. */
static int
conf_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CONF_MAX_NAME || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) &&
		    strchr("._-@+", name[i]) == NULL)
			return 0;
	return 1;
}

/* Read one [account NAME] section. */
static struct account_conf *
conf_read_account(struct conf_ctx *ctx, const char *g, const char *name)
{
	struct account_conf *a = xcalloc(1, sizeof *a);
	char **keys, *v, *data;
	size_t i, j;
	int tls_set = 0;

	a->name = xstrdup(name);
	a->keep_days = KEEP_FOREVER;
	a->idle = true;
	if (!conf_name_ok(name)) {
		conf_error(ctx, g, NULL,
		    "account names are 1-%d letters, "
		    "digits or . _ - @ +, not starting with a dot",
		    CONF_MAX_NAME);
		return a;
	}
	if (conf_account_type(ctx, g, &a->type) == -1)
		return a;
	keys = g_key_file_get_keys(ctx->kf, g, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL && ctx->err == NULL; i++) {
		for (j = 0; j < G_N_ELEMENTS(conf_account_keys); j++)
			if (strcmp(keys[i], conf_account_keys[j].key) == 0)
				break;
		if (j == G_N_ELEMENTS(conf_account_keys)) {
			conf_error(ctx, g, keys[i], "unknown key");
			break;
		}
		if (!(conf_account_keys[j].types & (1u << a->type))) {
			conf_error(ctx, g, keys[i],
			    "does not apply to %s "
			    "accounts",
			    conf_type_name(a->type));
			break;
		}
		if ((v = conf_get_string(ctx, g, keys[i])) == NULL)
			break;
		conf_account_key(ctx, g, keys[i], v, a, &tls_set);
		free(v);
	}
	g_strfreev(keys);
	if (ctx->err != NULL)
		return a;

	if (a->type == ACCOUNT_MAILDIR) {
		if (a->maildir == NULL)
			conf_error(ctx, g, NULL,
			    "missing maildir (the path of "
			    "the Maildir)");
		return a;
	}
	if (a->host == NULL)
		conf_error(ctx, g, NULL, "missing host");
	else if (a->user == NULL)
		conf_error(ctx, g, NULL, "missing user");
	if (a->password != NULL && a->password_command != NULL)
		conf_error(ctx, g, "password",
		    "set both password and "
		    "password_command; keep one");
	if (!tls_set) /* the well-known plain ports mean STARTTLS */
		a->tls = (a->port == 143 || a->port == 110) ? TLS_STARTTLS
							    : TLS_IMPLICIT;
	if (a->port == 0) {
		if (a->type == ACCOUNT_IMAP)
			a->port = a->tls == TLS_IMPLICIT ? 993 : 143;
		else
			a->port = a->tls == TLS_IMPLICIT ? 995 : 110;
	}
	if (a->type == ACCOUNT_POP3 && a->maildir == NULL) {
		data = paths_data_dir();
		a->maildir = xasprintf("%s/mail/%s", data, a->name);
		free(data);
	}
	return a;
}

/* Append a warning to conf->warnings. */
static void
conf_warn(struct conf *conf, char *msg)
{
	size_t n = g_strv_length(conf->warnings);

	conf->warnings = xreallocarray(conf->warnings, n + 2, sizeof(char *));
	conf->warnings[n] = msg;
	conf->warnings[n + 1] = NULL;
}

/* A configuration with nothing in it: the defaults. */
struct conf *
conf_empty(void)
{
	struct conf *conf = xcalloc(1, sizeof *conf);

	conf->theme = xstrdup("default");
	conf->sort = xstrdup("date");
	conf->warnings = xcalloc(1, sizeof(char *));
	return conf;
}

/*
 * Parse a configuration from memory; name is used in messages and
 * file_mode (st_mode of the file, 0600 when not from a file) decides
 * whether a password may be stored in it.
 */
struct conf *
conf_parse(const char *data, size_t len, const char *name, unsigned file_mode,
    char **err)
{
	struct conf_scan scan = { .name = name };
	struct conf_ctx ctx = {
		.name = name, .scan = &scan, .mode = file_mode
	};
	struct conf *conf = NULL;
	GError *gerr = NULL;
	char **groups = NULL;
	size_t i;

	*err = NULL;
	if (len > CONF_MAX_SIZE) {
		*err =
		    xasprintf("%s: larger than %d bytes", name, CONF_MAX_SIZE);
		return NULL;
	}
	if (conf_scan_data(&scan, data, len, err) == -1)
		goto out;
	ctx.kf = g_key_file_new();
	if (!g_key_file_load_from_data(
		ctx.kf, data, len, G_KEY_FILE_NONE, &gerr)) {
		*err = xasprintf("%s: %s", name, gerr->message);
		g_error_free(gerr);
		goto out;
	}
	conf = conf_empty();
	conf->path = xstrdup(name);
	groups = g_key_file_get_groups(ctx.kf, NULL);
	for (i = 0; groups[i] != NULL && ctx.err == NULL; i++) {
		const char *g = groups[i];

		if (strcmp(g, "general") == 0) {
			conf_read_general(&ctx, conf);
		} else if (strncmp(g, "account ", 8) == 0) {
			conf->accounts = xreallocarray(conf->accounts,
			    conf->naccounts + 1, sizeof *conf->accounts);
			conf->accounts[conf->naccounts++] =
			    conf_read_account(&ctx, g, g + 8);
		} else {
			conf_error(&ctx, g, NULL,
			    "unknown section (use "
			    "[general] or [account NAME])");
		}
	}
	if (ctx.err == NULL && (file_mode & (S_IRGRP | S_IROTH)))
		conf_warn(conf,
		    xasprintf("%s is readable by group or others; "
			      "chmod 600 it",
			name));
	if (ctx.err != NULL) {
		*err = ctx.err;
		conf_free(conf);
		conf = NULL;
	}
out:
	g_strfreev(groups);
	if (ctx.kf != NULL)
		g_key_file_free(ctx.kf);
	conf_scan_free(&scan);
	return conf;
}

/* Read and parse the file at path. */
struct conf *
conf_load(const char *path, char **err)
{
	struct conf *conf;
	struct stat st;
	char *data = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*err = xasprintf("%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > CONF_MAX_SIZE) {
		*err =
		    xasprintf("%s: larger than %d bytes", path, CONF_MAX_SIZE);
		close(fd);
		return NULL;
	}
	data = xmalloc(st.st_size + 1);
	while (len < (size_t)st.st_size) {
		n = read(fd, data + len, st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	conf = conf_parse(data, len, path, st.st_mode & 0777, err);
	free(data);
	return conf;
}

/*
 * Add a maildir account for a directory given on the command line
 * (tern -f DIR), first in the list, named after the directory.
 */
void
conf_add_maildir(struct conf *conf, const char *dir)
{
	struct account_conf *a = xcalloc(1, sizeof *a);
	char *path = paths_expand_home(dir), *base;
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	base = strrchr(path, '/');
	a->type = ACCOUNT_MAILDIR;
	a->name = xstrdup(base != NULL && base[1] != '\0' ? base + 1 : path);
	a->maildir = path;
	a->keep_days = KEEP_FOREVER;
	conf->accounts = xreallocarray(
	    conf->accounts, conf->naccounts + 1, sizeof *conf->accounts);
	memmove(conf->accounts + 1, conf->accounts,
	    conf->naccounts * sizeof *conf->accounts);
	conf->accounts[0] = a;
	conf->naccounts++;
}

/* Free one account. */
static void
conf_account_free(struct account_conf *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->host);
	free(a->user);
	free(a->password_command);
	if (a->password != NULL)
		explicit_bzero(a->password, strlen(a->password));
	free(a->password);
	if (a->auth != NULL)
		g_strfreev(a->auth);
	free(a->ca_file);
	free(a->maildir);
	free(a);
}

/* Free a configuration; NULL is fine. */
void
conf_free(struct conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->naccounts; i++)
		conf_account_free(conf->accounts[i]);
	free(conf->accounts);
	free(conf->path);
	free(conf->theme);
	free(conf->sort);
	free(conf->editor);
	free(conf->pager);
	free(conf->mailcap);
	free(conf->keybindings);
	free(conf->url_command);
	g_strfreev(conf->header_list);
	g_strfreev(conf->alternative_order);
	g_strfreev(conf->warnings);
	free(conf);
}

/* Find an account by name. */
const struct account_conf *
conf_find_account(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->naccounts; i++)
		if (strcmp(conf->accounts[i]->name, name) == 0)
			return conf->accounts[i];
	return NULL;
}

/* The config-file word for an account type. */
const char *
conf_type_name(enum account_type type)
{
	switch (type) {
	case ACCOUNT_IMAP: return "imap";
	case ACCOUNT_POP3: return "pop3";
	case ACCOUNT_MAILDIR: return "maildir";
	}
	return "?";
}

/* The config-file word for a TLS mode. */
const char *
conf_tls_name(enum tls_mode tls)
{
	switch (tls) {
	case TLS_IMPLICIT: return "implicit";
	case TLS_STARTTLS: return "starttls";
	case TLS_OFF: return "off";
	}
	return "?";
}

/* Print what was understood, for --config-check; never a password. */
void
conf_describe(const struct conf *conf, FILE *out)
{
	const struct account_conf *a;
	size_t i;
	char *auth;

	fprintf(out, "config %s\n", conf->path ? conf->path : "(none)");
	fprintf(out, "[general]\n  theme = %s\n  sort = %s\n  threading = %s\n",
	    conf->theme, conf->sort, conf->threading ? "yes" : "no");
	if (conf->editor)
		fprintf(out, "  editor = %s\n", conf->editor);
	if (conf->pager)
		fprintf(out, "  pager = %s\n", conf->pager);
	if (conf->mailcap)
		fprintf(out, "  mailcap = %s\n", conf->mailcap);
	if (conf->keybindings)
		fprintf(out, "  keybindings = %s\n", conf->keybindings);
	if (conf->url_command)
		fprintf(out, "  url_command = %s\n", conf->url_command);
	if (conf->header_list) {
		char *l = g_strjoinv(", ", conf->header_list);

		fprintf(out, "  header_list = %s\n", l);
		g_free(l);
	}
	if (conf->alternative_order) {
		char *l = g_strjoinv(", ", conf->alternative_order);

		fprintf(out, "  alternative_order = %s\n", l);
		g_free(l);
	}
	for (i = 0; i < conf->naccounts; i++) {
		a = conf->accounts[i];
		fprintf(out, "[account %s]\n  type = %s\n", a->name,
		    conf_type_name(a->type));
		if (a->type != ACCOUNT_MAILDIR) {
			fprintf(out,
			    "  host = %s\n  port = %u\n  tls = %s%s\n"
			    "  user = %s\n",
			    a->host, a->port, conf_tls_name(a->tls),
			    a->tls == TLS_OFF ? " (everything, the password "
						"too, is sent in clear)"
					      : "",
			    a->user);
			if (a->password != NULL)
				fprintf(out, "  password = (set, not shown)\n");
			else if (a->password_command != NULL)
				fprintf(out, "  password_command = %s\n",
				    a->password_command);
			else
				fprintf(
				    out, "  password = (asked at first use)\n");
			auth = a->auth ? g_strjoinv(", ", a->auth) : NULL;
			fprintf(out, "  auth = %s\n",
			    auth ? auth : "(any offered)");
			g_free(auth);
			if (a->ca_file)
				fprintf(out, "  ca_file = %s\n", a->ca_file);
			if (a->poll_interval)
				fprintf(out, "  poll_interval = %us\n",
				    a->poll_interval);
		}
		if (a->maildir)
			fprintf(out, "  maildir = %s\n", a->maildir);
		if (a->type == ACCOUNT_POP3) {
			if (a->keep_days == KEEP_FOREVER)
				fprintf(out, "  keep_on_server = yes\n");
			else if (a->keep_days == 0)
				fprintf(out, "  keep_on_server = no\n");
			else
				fprintf(out, "  keep_on_server = %d days\n",
				    a->keep_days);
		}
		if (a->type == ACCOUNT_IMAP)
			fprintf(out, "  idle = %s\n", a->idle ? "yes" : "no");
	}
}
