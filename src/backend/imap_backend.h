/*
 * imap_backend.h - the IMAP backend: folders and messages on the server,
 * summaries and bodies cached in the store.
 */
#ifndef TERN_IMAP_BACKEND_H
#define TERN_IMAP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

struct backend;
struct be_events;
struct event_base;
struct account_conf;
struct store;

/* store (borrowed, may be NULL) caches summaries, bodies and pending
   flag changes; cache_dir holds the cached bodies. */
struct backend *
imap_backend_new(struct event_base *base, const struct account_conf *ac,
    const struct be_events *events, struct store *store, const char *cache_dir,
    const char *pin_file, char **err);

struct imap_config;

void imap_backend_config(const struct account_conf *ac, const char *pin_file,
    const char *password, struct imap_config *cfg);

/* A sequence set for a list of uids: "1:5,7,9:12" (sorted, merged). */
char *imap_backend_uidset(const uint32_t *uids, size_t n);

#endif
