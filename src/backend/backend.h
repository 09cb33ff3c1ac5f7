/*
 * backend.h - the one asynchronous interface every account type offers.
 *
 * IMAP, POP3 (its downloaded Maildir) and local Maildir accounts all
 * present these operations, so the account manager, the model and the UI
 * never ask which protocol is behind an account.
 *
 * The contract, as in isync's drivers: every operation returns at once and
 * finishes in its callback, which fires exactly once - also when the
 * operation fails, with a status saying how, and with BE_CANCELED when the
 * backend is closed first.  A callback never fires from inside the call
 * that started it (local backends defer to the next loop turn), so callers
 * need not fear re-entrancy.  Pointers handed to a callback are borrowed:
 * valid until it returns.
 */
#ifndef TERN_BACKEND_H
#define TERN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "model/summary.h"

struct event_base;
struct backend;

/* How an operation ended; the classes let src/ choose what to tell. */
enum be_status {
	BE_OK,
	BE_CANCELED, /* the backend was closed before it finished */
	BE_CONNECTION, /* could not reach the server, or lost it */
	BE_TLS, /* TLS failed or the certificate was refused */
	BE_AUTH, /* the server refused the credentials */
	BE_PROTOCOL, /* the server broke the protocol's grammar */
	BE_NO, /* the server (or the file system) said no */
	BE_BAD, /* the server says our command was bad */
	BE_TIMEOUT,
	BE_LOCAL, /* a local file or store error */
	BE_NOT_FOUND, /* no such folder or message */
	BE_UNSUPPORTED, /* this backend cannot do that */
};

/* Special-use of a folder (RFC 6154), or the Inbox. */
enum be_special {
	BE_SPECIAL_NONE,
	BE_SPECIAL_INBOX,
	BE_SPECIAL_DRAFTS,
	BE_SPECIAL_SENT,
	BE_SPECIAL_TRASH,
	BE_SPECIAL_JUNK,
	BE_SPECIAL_ARCHIVE,
	BE_SPECIAL_ALL,
	BE_SPECIAL_FLAGGED,
};

struct be_folder {
	const char *name; /* UTF-8, components joined by delim */
	char delim; /* '\0' when the folder has no hierarchy */
	enum be_special special;
	int selectable;
	int64_t total; /* -1 when unknown */
	int64_t unseen; /* -1 when unknown */
};

/* The end of an operation: status and, unless BE_OK, one readable line. */
typedef void (*be_done_cb)(enum be_status st, const char *msg, void *arg);

/* The folder list; folders is NULL unless st == BE_OK. */
typedef void (*be_folders_cb)(enum be_status st, const char *msg,
    const struct be_folder *folders, size_t n, void *arg);

/* Folder opened: uidvalidity and how many summaries will follow. */
struct be_folder_state {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	size_t total;
	int read_only;
};

/*
 * Opening a folder reports its state, then summaries in batches (newest
 * first) with progress, then done.  The batch's summaries are borrowed:
 * copy what is kept.
 */
struct be_open_cbs {
	void (*state)(const struct be_folder_state *st, void *arg);
	void (*batch)(const struct summary *s, size_t n, size_t done,
	    size_t total, void *arg);
	be_done_cb done;
	void *arg;
};

/* A message's raw bytes (RFC 5322, LF or CRLF line ends). */
typedef void (*be_body_cb)(enum be_status st, const char *msg, const char *data,
    size_t len, void *arg);

/* Search results: the uids that matched. */
typedef void (*be_search_cb)(enum be_status st, const char *msg,
    const uint32_t *uids, size_t n, void *arg);

/* Answers to a certificate question. */
enum be_cert_answer {
	BE_CERT_REJECT,
	BE_CERT_ONCE,
	BE_CERT_ALWAYS,
};

/* What every backend implements. */
struct backend_ops {
	const char *name;
	void (*list_folders)(struct backend *be, be_folders_cb cb, void *arg);
	void (*open_folder)(struct backend *be, const char *folder,
	    const struct be_open_cbs *cbs);
	void (*fetch_body)(
	    struct backend *be, uint32_t uid, be_body_cb cb, void *arg);
	void (*set_flags)(struct backend *be, const uint32_t *uids, size_t n,
	    uint32_t add, uint32_t remove, be_done_cb cb, void *arg);
	void (*copy)(struct backend *be, const uint32_t *uids, size_t n,
	    const char *dest, int move, be_done_cb cb, void *arg);
	void (*expunge)(struct backend *be, be_done_cb cb, void *arg);
	void (*create_folder)(
	    struct backend *be, const char *name, be_done_cb cb, void *arg);
	void (*rename_folder)(struct backend *be, const char *from,
	    const char *to, be_done_cb cb, void *arg);
	void (*delete_folder)(
	    struct backend *be, const char *name, be_done_cb cb, void *arg);
	void (*search_body)(
	    struct backend *be, const char *text, be_search_cb cb, void *arg);
	/* Cancel everything pending (callbacks get BE_CANCELED) and free. */
	void (*close)(struct backend *be);
	/* The answer to events->question; NULL for local backends. */
	void (*cert_answer)(struct backend *be, enum be_cert_answer answer);
	/* The answer to events->password; NULL for local backends. */
	void (*password_answer)(struct backend *be, const char *password);
};

/*
 * What a backend reports on its own, outside any operation: messages
 * that vanished (expunged here or by another client), flags changed
 * elsewhere, new mail, and alerts the user must see.
 */
struct be_events {
	void (*expunged)(const uint32_t *uids, size_t n, void *arg);
	void (*flags)(uint32_t uid, uint32_t flags, void *arg);
	void (*new_mail)(const struct summary *s, size_t n, void *arg);
	void (*alert)(const char *msg, void *arg);
	/* What the connection is doing ("Connecting to ...", "Logged in"). */
	void (*status)(const char *text, void *arg);
	/* A certificate needs a person: details is several lines; answer
	   with backend_ops.cert_answer (always only if always_allowed). */
	void (*question)(const char *details, int always_allowed, void *arg);
	/* No password in the config: ask a person, answer with
	   backend_ops.password_answer (NULL cancels). */
	void (*password)(const char *prompt, void *arg);
	void *arg;
};

struct backend {
	const struct backend_ops *ops;
	struct event_base *base; /* borrowed */
	const struct be_events *events; /* borrowed, may be NULL */
};

const char *backend_status_name(enum be_status st);
void backend_defer(struct event_base *base, void (*fn)(void *), void *arg);

#endif
