/*
 * testutil.h - what the C tests that run the private Dovecot share:
 * running the fixture script, reading its fixture.json, a watchdog that
 * stops it if the test dies, and waiting on the loop with a deadline.
 */
#ifndef TERN_TESTUTIL_H
#define TERN_TESTUTIL_H

#include <glib.h>

struct event_base;

char *testutil_run_capture(char **argv);
char *testutil_json_value(const char *json, const char *key);
unsigned testutil_json_port(const char *json, const char *key);
int testutil_watchdog(const char *script, const char *dir);
gboolean testutil_wait_until(
    struct event_base *base, gboolean (*cond)(void *), void *arg, int ms);

#endif
