/*
 * store.h - an account's local store: one SQLite database (WAL).
 *
 * It keeps what must survive a restart: folders with their UIDVALIDITY,
 * UIDNEXT and HIGHESTMODSEQ, message summaries and flags, flag changes the
 * server has not acknowledged yet, the POP3 UIDLs already downloaded, the
 * index of bodies cached as files beside the database, a full-text index,
 * and the UIDs given to the files of a local Maildir.
 *
 * Conventions: functions return 0 on success and -1 with *err set (an
 * allocated message the caller frees) on failure; lookups return 1 when
 * found and 0 when not.  Callbacks return 0 to go on and anything else to
 * stop, in which case the function returns 1 (store_body_orphans is the
 * exception: there nonzero means "keep it").  Every callback may call
 * back into the store: results are read before it is called.  Folder ids
 * are the store's own; folder id 0 means "every folder" where allowed.
 */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/summary.h"

/* The schema version this code writes; a newer database is refused. */
#define STORE_VERSION 2

/* PRAGMA application_id of a tern store: "tern" in ASCII. */
#define STORE_APPLICATION_ID 0x7465726e

/* Limits on a full-text query typed by the user. */
#define STORE_SEARCH_MAX_BYTES 1024
#define STORE_SEARCH_MAX_TERMS 32

struct store;

/* A folder as the store knows it; strings owned (store_folder_clear). */
struct store_folder {
	int64_t id;
	char *name; /* full name, UTF-8 */
	char delimiter; /* hierarchy delimiter, '\0' for none (IMAP NIL) */
	char *special_use; /* "\\Sent" and the like, or NULL */
	uint32_t uidvalidity; /* 0 until known */
	uint32_t uidnext; /* 0 until known */
	uint64_t highestmodseq; /* 0 without CONDSTORE */
	uint32_t total; /* message counts as last seen */
	uint32_t unseen;
};

/*
 * A flag change not yet acknowledged by the server.  seq identifies this
 * exact change: a later change to the same message replaces the row and
 * gets a higher seq, so acknowledging an older seq does not lose it.
 */
struct store_pending {
	int64_t folder_id;
	uint32_t uid;
	uint32_t add; /* MSG_* to set */
	uint32_t remove; /* MSG_* to clear */
	int64_t queued; /* when the first of the coalesced changes was made */
	int64_t seq;
};

/* A POP3 message already downloaded; strings borrowed by callbacks. */
struct store_uidl {
	const char *uidl;
	const char *file; /* the Maildir file name it was stored as */
	int64_t downloaded; /* seconds since the epoch */
	bool deleted; /* DELE acknowledged by the server */
};

/* A cached body; path owned (store_body_clear). */
struct store_body {
	char *path; /* relative to the account's cache directory */
	uint64_t size;
	int64_t cached; /* when it was cached */
};

/* Batch of summaries, newest first; see store_load_summaries. */
typedef int (*store_summaries_cb)(struct summary *arr, size_t n, void *ctx);
typedef int (*store_pending_cb)(const struct store_pending *p, void *ctx);
typedef int (*store_uidl_cb)(const struct store_uidl *u, void *ctx);
typedef int (*store_hit_cb)(int64_t folder_id, uint32_t uid, void *ctx);
typedef int (*store_path_cb)(const char *path, void *ctx);

/*
 * Open (creating if needed, mode 0600) the store at path; its directory
 * must exist.  A corrupt database is moved aside to
 * path.corrupt-YYYYMMDDTHHMMSSZ (with its -wal and -shm) and a fresh one
 * created: *warning then says so, for the user.  A database written by a
 * newer tern, or one that is not a tern store, is refused.
 */
struct store *store_open(const char *path, char **warning, char **err);
void store_close(struct store *s);
const char *store_path(const struct store *s);

/*
 * Group several calls into one transaction (they nest inside it).  On a
 * failure inside, call store_rollback.
 */
int store_begin(struct store *s, char **err);
int store_commit(struct store *s, char **err);
void store_rollback(struct store *s);

/* Folders. */
int store_folder_get_or_create(
    struct store *s, const char *name, int64_t *id, char **err);
int
store_folder_find(struct store *s, const char *name, int64_t *id, char **err);
int store_folder_get(
    struct store *s, int64_t id, struct store_folder *out, char **err);
/*
 * Write every field but id and name.  A UIDVALIDITY different from the
 * stored one first discards the folder's cache (as below); returns 1 then.
 */
int
store_folder_update(struct store *s, const struct store_folder *f, char **err);
/*
 * Set UIDVALIDITY.  If it changes from a known value, the folder's
 * summaries, cached-body rows, full-text rows, Maildir UIDs and pending
 * flag changes are discarded, UIDNEXT, HIGHESTMODSEQ and the counts reset
 * to 0, and 1 is returned.
 */
int store_folder_set_uidvalidity(
    struct store *s, int64_t id, uint32_t uidvalidity, char **err);
/* Every folder, sorted by name; free with store_folder_array_free. */
int store_folder_list(
    struct store *s, struct store_folder **out, size_t *n, char **err);
void store_folder_clear(struct store_folder *f);
void store_folder_array_free(struct store_folder *arr, size_t n);
/* Delete a folder and everything stored for it. */
int store_folder_delete(struct store *s, int64_t id, char **err);
/* Rename a folder and, as IMAP RENAME does, its inferiors. */
int store_folder_rename(
    struct store *s, int64_t id, const char *new_name, char **err);

/*
 * Summaries.  put inserts or replaces by (folder, uid) in one transaction
 * and indexes the subject and addresses of new ones for full-text search;
 * callers slice big folders into chunks of a few thousand.
 */
int store_put_summaries(struct store *s, int64_t folder_id,
    const struct summary *arr, size_t n, char **err);
/*
 * Hand the folder's summaries to cb in batches of up to batch, highest
 * UID (latest arrival) first, starting below below_uid (0: the newest).
 * The array is the store's and is cleared after cb returns; cb may keep
 * strings by moving them out (setting the pointer to NULL).  A caller that
 * stops (cb returns nonzero) resumes with below_uid = the last UID it saw.
 */
int store_load_summaries(struct store *s, int64_t folder_id, uint32_t below_uid,
    size_t batch, store_summaries_cb cb, void *ctx, char **err);
int store_get_summary(struct store *s, int64_t folder_id, uint32_t uid,
    struct summary *out, char **err);
/* Set the flags (and the MODSEQ unless modseq is 0) of one message. */
int store_set_flags(struct store *s, int64_t folder_id, uint32_t uid,
    uint32_t flags, uint64_t modseq, char **err);
/* Forget expunged messages with their cached body, index and pending rows. */
int store_remove_uids(struct store *s, int64_t folder_id, const uint32_t *uids,
    size_t n, char **err);
/* The highest UID stored for a folder, 0 if none. */
int
store_max_uid(struct store *s, int64_t folder_id, uint32_t *uid, char **err);
/* Every UID stored for a folder, ascending; *uids is freed with free(). */
int store_summary_uids(
    struct store *s, int64_t folder_id, uint32_t **uids, size_t *n, char **err);
/* How many summaries a folder has, and how many lack MSG_SEEN. */
int store_summary_counts(struct store *s, int64_t folder_id, uint32_t *total,
    uint32_t *unseen, char **err);

/*
 * Pending flag changes.  add coalesces with a change already queued for
 * the message (the later wish wins for each flag) and applies the change
 * to the stored summary in the same transaction.  \Recent cannot be
 * changed by a client, and a flag cannot be both added and removed.
 */
int store_pending_add(struct store *s, int64_t folder_id, uint32_t uid,
    uint32_t add, uint32_t remove, char **err);
/* Changes of one folder (0: all), in the order they were last changed. */
int store_pending_list(struct store *s, int64_t folder_id, store_pending_cb cb,
    void *ctx, char **err);
/* The server took change seq: drop it, unless a newer one replaced it. */
int store_pending_ack(
    struct store *s, int64_t folder_id, uint32_t uid, int64_t seq, char **err);
/* Drop whatever is queued for a message (it is gone from the server). */
int store_pending_drop(
    struct store *s, int64_t folder_id, uint32_t uid, char **err);

/* POP3 UIDLs downloaded. */
int store_uidl_has(struct store *s, const char *uidl, char **err);
int store_uidl_add(struct store *s, const char *uidl, const char *file,
    int64_t downloaded, char **err);
int store_uidl_list(struct store *s, store_uidl_cb cb, void *ctx, char **err);
int store_uidl_mark_deleted(struct store *s, const char *uidl, char **err);
int store_uidl_forget(struct store *s, const char *uidl, char **err);

/*
 * Body cache index.  Paths are relative to the cache directory (no "/"
 * first, no ".." part).  A path the store stops referring to (dropped,
 * replaced, or its folder reset or deleted) is kept as an orphan until
 * store_body_orphans hands it to the caller to delete the file.
 */
int store_body_put(struct store *s, int64_t folder_id, uint32_t uid,
    const char *path, uint64_t size, char **err);
int store_body_get(struct store *s, int64_t folder_id, uint32_t uid,
    struct store_body *out, char **err);
void store_body_clear(struct store_body *b);
int
store_body_drop(struct store *s, int64_t folder_id, uint32_t uid, char **err);
/* Each orphaned path; the store forgets it when cb returns 0 (deleted). */
int
store_body_orphans(struct store *s, store_path_cb cb, void *ctx, char **err);

/*
 * Full-text index.  index sets a message's whole document (any part may
 * be NULL).  search takes the user's words as typed: each becomes a quoted
 * FTS5 phrase, all must match, so no input can be read as query syntax.
 * Hits come per folder, highest UID first.
 */
int store_fts_index(struct store *s, int64_t folder_id, uint32_t uid,
    const char *subject, const char *addresses, const char *body_text,
    char **err);
int store_fts_search(struct store *s, int64_t folder_id, const char *query,
    store_hit_cb cb, void *ctx, char **err);

/*
 * Maildir UIDs: a file's base name (without ":2,flags") maps to a UID that
 * never changes while the folder's UIDVALIDITY holds.  New UIDs come from
 * the folder's UIDNEXT, in the order asked; the first assignment in a
 * folder without a UIDVALIDITY gives it one.
 */
int store_maildir_uid(struct store *s, int64_t folder_id, const char *key,
    bool assign, uint32_t *uid, char **err);
/* Look up or assign the UIDs of n keys in one transaction. */
int store_maildir_assign(struct store *s, int64_t folder_id,
    const char *const *keys, size_t n, uint32_t *uids, char **err);
int store_maildir_key(
    struct store *s, int64_t folder_id, uint32_t uid, char **key, char **err);
int store_maildir_remove(
    struct store *s, int64_t folder_id, const char *key, char **err);

#endif
