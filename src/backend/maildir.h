/*
 * maildir.h - the local Maildir (Maildir++) backend, and the Maildir
 * file name rules it lives by.
 *
 * The root directory is the Inbox; every ".Name" directory holding cur/
 * is a folder, "." separating levels (".Work.Projects").  Flags live in
 * the file name after ":2," in ASCII order: D draft, F flagged, P passed
 * (forwarded), R replied, S seen, T trashed (deleted).  Lower-case
 * letters are keywords of other programs and are kept as they are.
 */
#ifndef TERN_MAILDIR_H
#define TERN_MAILDIR_H

#include <stddef.h>
#include <stdint.h>

struct backend;
struct be_events;
struct event_base;

/* A Maildir file name taken apart. */
struct maildir_name {
	size_t base_len; /* the unique part, before ":2," */
	uint32_t flags; /* MSG_* from the upper-case letters */
	char extra[32]; /* other letters (keywords), in order */
	int has_info; /* the name has a ":2," part */
};

int maildir_name_parse(const char *name, struct maildir_name *out);
char *maildir_name_build(
    const char *name, const struct maildir_name *parts, uint32_t flags);
char *maildir_unique_name(void);
int maildir_folder_name_ok(const char *name);
int maildir_is_maildir(const char *dir);

struct store;

/* store (borrowed, may be NULL) keeps UIDs stable and caches summaries. */
struct backend *maildir_backend_new(struct event_base *base, const char *root,
    const struct be_events *events, struct store *store, char **err);
int maildir_create(const char *root, char **err);

#endif
