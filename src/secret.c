/*
 * secret.c - an account's password, without blocking the loop.
 *
 * A password_command runs as "sh -c COMMAND" with stdin from /dev/null
 * and its output read through the event loop; a command that prints
 * nothing, fails, or runs longer than SECRET_TIMEOUT_S is an error whose
 * message never contains what it printed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "conf.h"
#include "log.h"
#include "secret.h"
#include "xmalloc.h"

#define SECRET_MAX 4096
#define SECRET_TIMEOUT_S 60

struct secret_req {
	struct event_base *base;
	secret_cb cb;
	void *arg;
	char *name; /* the account, for messages */
	pid_t pid;
	int fd;
	struct event *read_ev;
	struct event *timer;
	char buf[SECRET_MAX + 1];
	size_t len;
	char *err; /* set when the command could not start */
	int waited_ms;
};

/* Overwrite a secret before freeing it. */
void
secret_wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

/* Free a request (its child, if any, is killed and reaped). */
static void
secret_free(struct secret_req *r)
{
	if (r->read_ev != NULL)
		event_free(r->read_ev);
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->fd != -1)
		close(r->fd);
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	explicit_bzero(r->buf, sizeof r->buf);
	free(r->err);
	free(r->name);
	free(r);
}

/* Give the answer and free the request. */
static void
secret_finish(struct secret_req *r, const char *password, const char *err)
{
	secret_cb cb = r->cb;
	void *arg = r->arg;

	if (err != NULL)
		log_warn("%s: %s", r->name, err);
	cb(password, err, arg);
	secret_free(r);
}

/* The child has closed its output: wait for it, then answer. */
static void
secret_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct secret_req *r = arg;
	struct timeval tv = { 0, 10000 };
	char *msg, *nl;
	int status;
	pid_t p;

	p = waitpid(r->pid, &status, WNOHANG);
	if (p == 0) {
		r->waited_ms += 10;
		if (r->waited_ms > SECRET_TIMEOUT_S * 1000) {
			msg = xasprintf("password_command of %s did not finish "
					"in %d s",
			    r->name, SECRET_TIMEOUT_S);
			secret_finish(r, NULL, msg);
			free(msg);
			return;
		}
		evtimer_add(r->timer, &tv);
		return;
	}
	r->pid = -1;
	if (p == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		msg = xasprintf("password_command of %s failed (exit status "
				"%d)",
		    r->name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		secret_finish(r, NULL, msg);
		free(msg);
		return;
	}
	r->buf[r->len] = '\0';
	if ((nl = strchr(r->buf, '\n')) != NULL)
		*nl = '\0';
	if (nl != NULL && nl > r->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	if (r->buf[0] == '\0') {
		msg = xasprintf(
		    "password_command of %s printed nothing", r->name);
		secret_finish(r, NULL, msg);
		free(msg);
		return;
	}
	secret_finish(r, r->buf, NULL);
}

/* Output from the child: collect the first SECRET_MAX bytes. */
static void
secret_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct secret_req *r = arg;
	struct timeval tv = { 0, 0 };
	char sink[512];
	ssize_t n;

	if (r->len < SECRET_MAX)
		n = read(fd, r->buf + r->len, SECRET_MAX - r->len);
	else
		n = read(fd, sink, sizeof sink);
	if (n > 0) {
		if (r->len < SECRET_MAX)
			r->len += n;
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	event_del(r->read_ev);
	evtimer_add(r->timer, &tv);
}

/* Hand over the config's password on the next loop turn. */
static void
secret_static_cb(evutil_socket_t fd, short what, void *arg)
{
	struct secret_req *r = arg;
	char *err = r->err;

	r->err = NULL;
	if (err != NULL)
		secret_finish(r, NULL, err);
	else
		secret_finish(r, r->buf, NULL);
	free(err);
}

/*
 * Get ac's password; cb fires later, exactly once, unless the request is
 * canceled first.  Returns NULL (after calling nothing) only if the
 * account has no way to give one; the caller then asks the user.
 */
struct secret_req *
secret_get(struct event_base *base, const struct account_conf *ac, secret_cb cb,
    void *arg)
{
	struct secret_req *r;
	char *argv[4];
	GError *gerr = NULL;
	GPid pid;
	int out;

	if (ac->password == NULL && ac->password_command == NULL)
		return NULL;
	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->cb = cb;
	r->arg = arg;
	r->name = xstrdup(ac->name);
	r->fd = -1;
	r->pid = -1;
	r->timer = evtimer_new(base, secret_timer_cb, r);
	if (ac->password != NULL) {
		g_strlcpy(r->buf, ac->password, sizeof r->buf);
		event_free(r->timer);
		r->timer = evtimer_new(base, secret_static_cb, r);
		event_active(r->timer, EV_TIMEOUT, 1);
		return r;
	}
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = ac->password_command;
	argv[3] = NULL;
	if (!g_spawn_async_with_pipes(NULL, argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
		NULL, &pid, NULL, &out, NULL, &gerr)) {
		/* Report on the next turn, never inside this call. */
		r->err = xasprintf("cannot run password_command of %s: %s",
		    ac->name, gerr->message);
		g_error_free(gerr);
		event_free(r->timer);
		r->timer = evtimer_new(base, secret_static_cb, r);
		event_active(r->timer, EV_TIMEOUT, 1);
		return r;
	}
	r->pid = pid;
	r->fd = out;
	fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
	r->read_ev =
	    event_new(base, out, EV_READ | EV_PERSIST, secret_read_cb, r);
	event_add(r->read_ev, NULL);
	return r;
}

/* Forget a request; its callback will not fire. */
void
secret_cancel(struct secret_req *r)
{
	if (r != NULL)
		secret_free(r);
}
