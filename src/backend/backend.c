/*
 * backend.c - helpers every backend shares.
 */
#include "config.h"

#include <stdlib.h>

#include <event2/event.h>

#include "backend/backend.h"
#include "xmalloc.h"

/* A name for each status, for logs and messages. */
const char *
backend_status_name(enum be_status st)
{
	switch (st) {
	case BE_OK: return "ok";
	case BE_CANCELED: return "canceled";
	case BE_CONNECTION: return "connection failed";
	case BE_TLS: return "TLS failed";
	case BE_AUTH: return "login refused";
	case BE_PROTOCOL: return "protocol error";
	case BE_NO: return "refused";
	case BE_BAD: return "bad command";
	case BE_TIMEOUT: return "timed out";
	case BE_LOCAL: return "local error";
	case BE_NOT_FOUND: return "not found";
	case BE_UNSUPPORTED: return "not supported";
	}
	return "unknown";
}

struct backend_deferred {
	void (*fn)(void *);
	void *arg;
};

/* Run a deferred call, then forget it. */
static void
backend_deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct backend_deferred *d = arg;

	d->fn(d->arg);
	free(d);
}

/*
 * Call fn(arg) on a later turn of the loop, so a callback never runs
 * inside the call that asked for it.
 */
void
backend_defer(struct event_base *base, void (*fn)(void *), void *arg)
{
	struct backend_deferred *d = xmalloc(sizeof *d);
	struct timeval now = { 0, 0 };

	d->fn = fn;
	d->arg = arg;
	if (event_base_once(
		base, -1, EV_TIMEOUT, backend_deferred_cb, d, &now) == -1)
		abort(); /* only fails on allocation */
}
