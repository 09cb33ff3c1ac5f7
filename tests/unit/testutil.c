/*
 * testutil.c - what the C tests that run the private Dovecot share.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "testutil.h"

/* Run argv, return its stdout (aborts the test run if it fails). */
char *
testutil_run_capture(char **argv)
{
	GError *error = NULL;
	char *out = NULL, *err = NULL;
	int status;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		&out, &err, &status, &error))
		g_error("cannot run %s: %s", argv[0], error->message);
	if (!g_spawn_check_wait_status(status, NULL))
		g_error("%s %s failed: %s", argv[0], argv[1], err);
	g_free(err);
	return out;
}

/* The value of "key" in fixture.json: a number or a plain string (the
 * fixture writes paths and ports, nothing that needs JSON escapes). */
char *
testutil_json_value(const char *json, const char *key)
{
	char *needle = g_strdup_printf("\"%s\": ", key);
	const char *p = strstr(json, needle), *end;

	if (p == NULL)
		g_error("fixture.json has no %s", key);
	p += strlen(needle);
	g_free(needle);
	if (*p == '"') {
		end = strchr(p + 1, '"');
		g_assert_nonnull(end);
		return g_strndup(p + 1, (gsize)(end - p - 1));
	}
	end = p + strcspn(p, ",\n}");
	return g_strndup(p, (gsize)(end - p));
}

/* A numeric value of fixture.json. */
unsigned
testutil_json_port(const char *json, const char *key)
{
	char *s = testutil_json_value(json, key);
	unsigned v = (unsigned)strtoul(s, NULL, 10);

	g_free(s);
	g_assert_cmpuint(v, >, 0);
	return v;
}

/*
 * Fork a process that waits for this one to end (its pipe reads EOF) and
 * then stops the fixture in dir and removes the directory; a byte on the
 * returned pipe instead means "already done".  Its own session, so a ^C
 * to the test run does not take it down before it has cleaned up.
 */
int
testutil_watchdog(const char *script, const char *dir)
{
	int p[2], null;
	pid_t pid;
	ssize_t n;
	char c;

	if (pipe(p) == -1)
		g_error("pipe: %s", g_strerror(errno));
	pid = fork();
	if (pid == -1)
		g_error("fork: %s", g_strerror(errno));
	if (pid == 0) {
		close(p[1]);
		setsid();
		null = open("/dev/null", O_RDWR);
		if (null != -1) {
			dup2(null, 0);
			dup2(null, 1);
		}
		do
			n = read(p[0], &c, 1);
		while (n == -1 && errno == EINTR);
		if (n == 1)
			_exit(0);
		execl("/bin/sh", "sh", "-c",
		    "python3 \"$0\" stop \"$1\"; rm -rf \"$1\"", script, dir,
		    (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	return p[1];
}

/* The deadline of testutil_wait_until passed. */
static void
testutil_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until cond(arg) holds or ms pass; the result of cond. */
gboolean
testutil_wait_until(
    struct event_base *base, gboolean (*cond)(void *), void *arg, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *timer;
	int expired = 0;

	timer = evtimer_new(base, testutil_expired, &expired);
	evtimer_add(timer, &tv);
	while (!cond(arg) && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(timer);
	return cond(arg);
}
