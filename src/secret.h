/*
 * secret.h - an account's password, without blocking the loop.
 *
 * From the config's password (an owner-only file), or the first line a
 * password_command prints (run through the shell, asynchronously).  The
 * password is never logged and is wiped from memory when freed.
 */
#ifndef TERN_SECRET_H
#define TERN_SECRET_H

struct event_base;
struct account_conf;
struct secret_req;

/* password is borrowed (valid during the call), NULL with err on failure. */
typedef void (*secret_cb)(const char *password, const char *err, void *arg);

struct secret_req *secret_get(struct event_base *base,
    const struct account_conf *ac, secret_cb cb, void *arg);
void secret_cancel(struct secret_req *req);
void secret_wipe(char *s);

#endif
