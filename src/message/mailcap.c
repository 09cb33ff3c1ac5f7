/*
 * mailcap.c - RFC 1524 mailcap files: which program shows which type.
 *
 * A mailcap line is "type; command; field; field=value ..." with '\'
 * continuing a line or quoting a ';' or '%'.  Entries are kept in file
 * order; the first one whose type matches, whose flags fit the use and
 * whose test command succeeds wins.  Lines that make no sense are
 * skipped, as other readers of these files do: a mailcap file is shared
 * with every other mail program on the system.
 *
 * Programs run through /bin/sh with a deadline; their output is read in
 * bounded amounts, and a program that outlives its deadline is killed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "message/mailcap.h"
#include "xmalloc.h"

#define MAILCAP_MAX_FIELDS 64
#define MAILCAP_TEST_TIMEOUT 5000 /* ms for a test= command */

struct mailcap {
	struct mailcap_entry *e;
	size_t n;
	size_t alloc;
};

/* An empty list. */
struct mailcap *
mailcap_new(void)
{
	return xcalloc(1, sizeof(struct mailcap));
}

/* Free an entry's strings. */
static void
mailcap_entry_clear(struct mailcap_entry *e)
{
	free(e->type);
	free(e->command);
	free(e->test);
	free(e->nametemplate);
	free(e->description);
}

/* Free the list; NULL is fine. */
void
mailcap_free(struct mailcap *mc)
{
	size_t i;

	if (mc == NULL)
		return;
	for (i = 0; i < mc->n; i++)
		mailcap_entry_clear(&mc->e[i]);
	free(mc->e);
	free(mc);
}

/* How many entries were read. */
size_t
mailcap_count(const struct mailcap *mc)
{
	return mc->n;
}

/* Entry i, in file order. */
const struct mailcap_entry *
mailcap_entry(const struct mailcap *mc, size_t i)
{
	return &mc->e[i];
}

/* True for a character allowed in a MIME type pattern. */
static int
mailcap_type_char(char c)
{
	return g_ascii_isalnum(c) || strchr("!#$&.+-^_*/", c) != NULL;
}

/* Split one logical line into fields and add the entry it makes. */
static void
mailcap_add_line(struct mailcap *mc, const char *line, size_t len)
{
	char *fields[MAILCAP_MAX_FIELDS];
	struct mailcap_entry e = { 0 };
	GString *f = g_string_new(NULL);
	size_t i, nf = 0;
	char *t;

	for (i = 0; i <= len && nf < MAILCAP_MAX_FIELDS; i++) {
		if (i == len || line[i] == ';') {
			fields[nf++] = g_strstrip(xstrdup(f->str));
			g_string_truncate(f, 0);
			continue;
		}
		if (line[i] == '\\' && i + 1 < len && line[i + 1] == ';') {
			g_string_append_c(f, ';');
			i++;
			continue;
		}
		g_string_append_c(f, line[i]);
	}
	g_string_free(f, TRUE);
	if (nf < 2 || *fields[0] == '\0' || *fields[1] == '\0')
		goto out;
	for (t = fields[0]; *t != '\0'; t++) {
		if (!mailcap_type_char(*t))
			goto out;
		*t = g_ascii_tolower(*t);
	}
	e.type = strchr(fields[0], '/') != NULL ? xstrdup(fields[0])
						: xasprintf("%s/*", fields[0]);
	e.command = xstrdup(fields[1]);
	for (i = 2; i < nf; i++) {
		char *eq = strchr(fields[i], '='), *v;

		if (eq != NULL) {
			*eq = '\0';
			g_strstrip(fields[i]);
			v = g_strstrip(eq + 1);
		} else
			v = NULL;
		if (g_ascii_strcasecmp(fields[i], "copiousoutput") == 0)
			e.copiousoutput = 1;
		else if (g_ascii_strcasecmp(fields[i], "needsterminal") == 0)
			e.needsterminal = 1;
		else if (v == NULL)
			continue;
		else if (g_ascii_strcasecmp(fields[i], "test") == 0 &&
		    e.test == NULL)
			e.test = xstrdup(v);
		else if (g_ascii_strcasecmp(fields[i], "nametemplate") == 0 &&
		    e.nametemplate == NULL)
			e.nametemplate = xstrdup(v);
		else if (g_ascii_strcasecmp(fields[i], "description") == 0 &&
		    e.description == NULL)
			e.description = xstrdup(v);
	}
	if (mc->n == mc->alloc) {
		mc->alloc = mc->alloc ? mc->alloc * 2 : 16;
		mc->e = xreallocarray(mc->e, mc->alloc, sizeof *mc->e);
	}
	mc->e[mc->n++] = e;
out:
	for (i = 0; i < nf; i++)
		free(fields[i]);
}

/*
 * Add the entries of a mailcap file's text (comments, blank lines and
 * lines that make no sense are skipped; a backslash at the end of a
 * line continues it).  Bounded by MAILCAP_MAX_FILE, MAILCAP_MAX_LINE
 * and MAILCAP_MAX_ENTRIES.
 */
void
mailcap_parse(struct mailcap *mc, const char *data, size_t len)
{
	GString *line = g_string_new(NULL);
	const char *p = data, *end, *nl;

	if (len > MAILCAP_MAX_FILE)
		len = MAILCAP_MAX_FILE;
	end = data + len;
	while (p < end && mc->n < MAILCAP_MAX_ENTRIES) {
		size_t n;
		int more;

		nl = memchr(p, '\n', end - p);
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		more = n > 0 && p[n - 1] == '\\';
		if (more)
			n--;
		if (line->len + n <= MAILCAP_MAX_LINE)
			g_string_append_len(line, p, n);
		p = nl ? nl + 1 : end;
		if (more && p < end)
			continue;
		g_strchug(line->str);
		if (line->str[0] != '#' && line->str[0] != '\0')
			mailcap_add_line(mc, line->str, strlen(line->str));
		g_string_truncate(line, 0);
	}
	g_string_free(line, TRUE);
}

/* Add the entries of a file; -1 with *err if it cannot be read. */
int
mailcap_load_file(struct mailcap *mc, const char *path, char **err)
{
	char *data = NULL;
	gsize len;
	GError *gerr = NULL;
	struct stat st;

	if (stat(path, &st) == 0 && st.st_size > MAILCAP_MAX_FILE) {
		*err = xasprintf(
		    "%s: larger than %d bytes", path, MAILCAP_MAX_FILE);
		return -1;
	}
	if (!g_file_get_contents(path, &data, &len, &gerr)) {
		*err = xasprintf("%s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	mailcap_parse(mc, data, len);
	g_free(data);
	return 0;
}

/*
 * The mailcap tern uses: the configured file when there is one, else
 * ~/.mailcap then /etc/mailcap (missing files are no error).
 */
struct mailcap *
mailcap_load(const char *path)
{
	struct mailcap *mc = mailcap_new();
	char *home, *err = NULL;

	if (path != NULL) {
		if (mailcap_load_file(mc, path, &err) == -1)
			free(err);
		return mc;
	}
	home = g_build_filename(g_get_home_dir(), ".mailcap", NULL);
	if (mailcap_load_file(mc, home, &err) == -1) {
		free(err);
		err = NULL;
	}
	g_free(home);
	if (mailcap_load_file(mc, "/etc/mailcap", &err) == -1)
		free(err);
	return mc;
}

/* Does a mailcap type ("text/html", "text/any" as a star, "*") match? */
int
mailcap_type_matches(const char *pattern, const char *type)
{
	const char *ps = strchr(pattern, '/'), *ts = strchr(type, '/');
	size_t pl, tl;

	if (strcmp(pattern, "*") == 0 || strcmp(pattern, "*/*") == 0)
		return 1;
	pl = ps ? (size_t)(ps - pattern) : strlen(pattern);
	tl = ts ? (size_t)(ts - type) : strlen(type);
	if (pl != tl || g_ascii_strncasecmp(pattern, type, pl) != 0)
		return 0;
	if (ps == NULL || strcmp(ps, "/*") == 0)
		return 1;
	return ts != NULL && g_ascii_strcasecmp(ps, ts) == 0;
}

/* Copy s keeping only characters with no meaning to a shell. */
static void
mailcap_append_safe(GString *out, const char *s, const char *extra)
{
	for (; s != NULL && *s != '\0'; s++)
		g_string_append_c(out,
		    g_ascii_isalnum(*s) || strchr(extra, *s) != NULL ? *s
								     : '_');
}

/* A parameter's value from a NULL-terminated name, value list. */
static const char *
mailcap_param(const char *const *params, const char *name, size_t n)
{
	for (; params != NULL && params[0] != NULL; params += 2)
		if (strlen(params[0]) == n &&
		    g_ascii_strncasecmp(params[0], name, n) == 0)
			return params[1];
	return NULL;
}

/*
 * Expand a mailcap command: %s the file (a name we made, checked to
 * hold only safe characters, so it needs no quotes and works inside the
 * user's own), %t the type and %{name} a parameter (both cut down to
 * [A-Za-z0-9._+-/]), %% and \% a percent sign.  *uses_file says
 * whether %s appeared (if not, the data goes to standard input).
 */
char *
mailcap_expand(const char *cmd, const char *type, const char *const *params,
    const char *file, int *uses_file)
{
	GString *out = g_string_new(NULL);
	const char *p;

	*uses_file = 0;
	for (p = cmd; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] == '%') {
			g_string_append_c(out, '%');
			p++;
			continue;
		}
		if (p[0] != '%') {
			g_string_append_c(out, *p);
			continue;
		}
		switch (p[1]) {
		case 's':
			mailcap_append_safe(out, file, "/._+-");
			*uses_file = 1;
			p++;
			break;
		case 't':
			mailcap_append_safe(out, type, "/._+-");
			p++;
			break;
		case '%':
			g_string_append_c(out, '%');
			p++;
			break;
		case '{': {
			const char *close = strchr(p + 2, '}');

			if (close == NULL) {
				g_string_append_c(out, '%');
				break;
			}
			mailcap_append_safe(out,
			    mailcap_param(params, p + 2, close - (p + 2)),
			    "._+-");
			p = close;
			break;
		}
		case 'n': /* multipart counts: not supported, empty */
		case 'F': p++; break;
		default: g_string_append_c(out, '%'); break;
		}
	}
	return g_string_free(out, FALSE);
}

/* Milliseconds on a monotonic clock. */
static int64_t
mailcap_now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* Block SIGPIPE: a program that exits without reading must not kill us. */
static void
mailcap_block_pipe(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Take a SIGPIPE we caused, then restore the signal mask. */
static void
mailcap_unblock_pipe(const sigset_t *old)
{
	struct timespec zero = { 0, 0 };
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pending);
	if (sigismember(&pending, SIGPIPE) && !sigismember(old, SIGPIPE))
		sigtimedwait(&set, NULL, &zero);
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* Wait for pid until the deadline, then kill it; its exit status or -1. */
static int
mailcap_wait(GPid pid, int64_t deadline)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		if (mailcap_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			return -1;
		}
		g_usleep(2000);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

/*
 * Run cmd through /bin/sh with input (if not NULL) on its standard
 * input and collect at most max bytes of its standard output (the rest
 * is read and dropped); standard error goes to /dev/null.  A program
 * still running after timeout_ms is killed.  Returns its exit status, or
 * -1 with *err when it could not run, was killed or died by a signal.
 */
int
mailcap_capture(const char *cmd, const char *input, size_t inlen, size_t max,
    int timeout_ms, char **out, size_t *outlen, char **err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	GString *buf = g_string_new(NULL);
	GError *gerr = NULL;
	int in_fd = -1, out_fd = -1, rc, late = 0;
	int64_t deadline = mailcap_now_ms() + timeout_ms;
	size_t written = 0;
	sigset_t old_set;
	GPid pid;

	*out = NULL;
	*outlen = 0;
	if (!g_spawn_async_with_pipes(NULL, argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
		NULL, &pid, input != NULL ? &in_fd : NULL, &out_fd, NULL,
		&gerr)) {
		*err = xasprintf("cannot run %s: %s", cmd, gerr->message);
		g_error_free(gerr);
		g_string_free(buf, TRUE);
		return -1;
	}
	mailcap_block_pipe(&old_set);
	if (in_fd != -1)
		fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
	fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
	while (out_fd != -1) {
		struct pollfd pfd[2];
		int nfd = 0, left = (int)(deadline - mailcap_now_ms());

		if (left <= 0) {
			late = 1;
			break;
		}
		pfd[nfd].fd = out_fd;
		pfd[nfd++].events = POLLIN;
		if (in_fd != -1) {
			pfd[nfd].fd = in_fd;
			pfd[nfd++].events = POLLOUT;
		}
		if (poll(pfd, nfd, left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (nfd > 1 &&
		    (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in_fd, input + written,
			    MIN(inlen - written, 65536));

			if (w > 0)
				written += w;
			if ((w == -1 && errno != EAGAIN && errno != EINTR) ||
			    written == inlen) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			char chunk[8192];
			ssize_t r = read(out_fd, chunk, sizeof chunk);

			if (r > 0 && buf->len < max)
				g_string_append_len(
				    buf, chunk, MIN((size_t)r, max - buf->len));
			if (r == 0 ||
			    (r == -1 && errno != EAGAIN && errno != EINTR)) {
				close(out_fd);
				out_fd = -1;
			}
		}
	}
	if (in_fd != -1)
		close(in_fd);
	if (out_fd != -1)
		close(out_fd);
	rc = mailcap_wait(pid, late ? 0 : deadline);
	mailcap_unblock_pipe(&old_set);
	if (rc == -1) {
		*err =
		    xasprintf("%s did not finish in time or was killed", cmd);
		g_string_free(buf, TRUE);
		return -1;
	}
	*outlen = buf->len;
	*out = g_string_free(buf, FALSE);
	return rc;
}

/*
 * Run a test= command; true if it exits 0 within its time.  Its output
 * is thrown away.
 */
static int
mailcap_test(const char *cmd)
{
	char *out = NULL, *err = NULL;
	size_t len;
	int rc = mailcap_capture(
	    cmd, NULL, 0, 0, MAILCAP_TEST_TIMEOUT, &out, &len, &err);

	free(out);
	free(err);
	return rc == 0;
}

/*
 * The first entry for type that fits flags (see mailcap.h) and whose
 * test command, expanded with params and file, succeeds; or NULL.
 */
const struct mailcap_entry *
mailcap_find(const struct mailcap *mc, const char *type,
    const char *const *params, const char *file, int flags)
{
	size_t i;

	for (i = 0; mc != NULL && i < mc->n; i++) {
		const struct mailcap_entry *e = &mc->e[i];
		char *cmd;
		int uses, ok;

		if (!mailcap_type_matches(e->type, type))
			continue;
		if ((flags & MAILCAP_COPIOUS) && !e->copiousoutput)
			continue;
		if ((flags & MAILCAP_NO_TERMINAL) && e->needsterminal &&
		    !e->copiousoutput)
			continue;
		if (e->test == NULL || (flags & MAILCAP_NO_TEST))
			return e;
		cmd = mailcap_expand(e->test, type, params, file, &uses);
		ok = mailcap_test(cmd);
		free(cmd);
		if (ok)
			return e;
	}
	return NULL;
}

/*
 * Run cmd through /bin/sh on the terminal, input (if not NULL) on its
 * standard input, and wait for it.  Its exit status, or -1 with *err.
 */
int
mailcap_run(const char *cmd, const char *input, size_t inlen, char **err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	GError *gerr = NULL;
	int in_fd = -1, status;
	size_t written = 0;
	sigset_t old_set;
	GPid pid;

	if (!g_spawn_async_with_pipes(NULL, argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD |
		    (input == NULL ? G_SPAWN_CHILD_INHERITS_STDIN : 0),
		NULL, NULL, &pid, input != NULL ? &in_fd : NULL, NULL, NULL,
		&gerr)) {
		*err = xasprintf("cannot run %s: %s", cmd, gerr->message);
		g_error_free(gerr);
		return -1;
	}
	mailcap_block_pipe(&old_set);
	while (in_fd != -1 && written < inlen) {
		ssize_t w = write(in_fd, input + written, inlen - written);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		written += w;
	}
	if (in_fd != -1)
		close(in_fd);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	mailcap_unblock_pipe(&old_set);
	if (status == -1 || !WIFEXITED(status)) {
		*err = xasprintf("%s was killed", cmd);
		return -1;
	}
	return WEXITSTATUS(status);
}

/*
 * Open a URL with the user's url_command.  The URL is never put into
 * the command text: %s becomes "$1" (or " \"$1\"" is appended when
 * there is no %s) and the URL is the shell's first positional
 * parameter, so no character in it means anything to the shell.
 */
int
mailcap_run_url(const char *url_command, const char *url, char **err)
{
	GString *cmd = g_string_new(NULL);
	char *argv[6];
	const char *p;
	int uses = 0, status;
	GError *gerr = NULL;

	for (p = url_command; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			g_string_append(cmd, "\"$1\"");
			uses = 1;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			g_string_append_c(cmd, '%');
			p++;
		} else
			g_string_append_c(cmd, *p);
	}
	if (!uses)
		g_string_append(cmd, " \"$1\"");
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd->str;
	argv[3] = "sh";
	argv[4] = (char *)url;
	argv[5] = NULL;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL,
		NULL, NULL, NULL, &status, &gerr)) {
		*err =
		    xasprintf("cannot run %s: %s", url_command, gerr->message);
		g_error_free(gerr);
		g_string_free(cmd, TRUE);
		return -1;
	}
	g_string_free(cmd, TRUE);
	if (!WIFEXITED(status)) {
		*err = xasprintf("%s was killed", url_command);
		return -1;
	}
	return WEXITSTATUS(status);
}

/* True if s holds only characters a shell leaves alone. */
static int
mailcap_safe_path(const char *s)
{
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && strchr("/._+-", *s) == NULL)
			return 0;
	return 1;
}

/*
 * Write data to a new private file, "part" plus ext (ours, not the
 * message's), in a new directory only we can enter under $TMPDIR (or
 * /tmp when $TMPDIR has characters a shell would see).  Returns its
 * path, or NULL with *err.  mailcap_temp_remove() removes both.
 */
char *
mailcap_temp_file(const char *ext, const char *data, size_t len, char **err)
{
	const char *tmp = g_get_tmp_dir();
	char *dir, *path;
	size_t off = 0;
	int fd;

	if (!mailcap_safe_path(tmp) || *tmp != '/')
		tmp = "/tmp";
	if (ext == NULL || !mailcap_safe_path(ext) || strchr(ext, '/'))
		ext = "";
	dir = xasprintf("%s/tern-XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		*err = xasprintf(
		    "cannot make a directory in %s: %s", tmp, strerror(errno));
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/part%s", dir, ext);
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd == -1) {
		*err = xasprintf("cannot create %s: %s", path, strerror(errno));
		mailcap_temp_remove(path);
		free(path);
		return NULL;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = xasprintf(
			    "cannot write %s: %s", path, strerror(errno));
			close(fd);
			mailcap_temp_remove(path);
			free(path);
			return NULL;
		}
		off += w;
	}
	if (close(fd) == -1) {
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
		mailcap_temp_remove(path);
		free(path);
		return NULL;
	}
	return path;
}

/* Remove a file made by mailcap_temp_file() and its directory. */
void
mailcap_temp_remove(const char *path)
{
	char *dir;

	if (path == NULL)
		return;
	unlink(path);
	dir = g_path_get_dirname(path);
	rmdir(dir);
	g_free(dir);
}
