/*
 * account.c - the account manager and what one account holds.
 *
 * An account is activated the first time it is shown: its backend is made
 * then, and it opens the Inbox.  Summaries arrive in batches into the
 * mailbox; while a folder loads, the view is rebuilt at most every
 * ACCOUNT_REBUILD_MS so a 100,000-message folder costs a handful of
 * rebuilds, not one per batch.
 *
 * Flag changes are applied to the model at once (the screen never waits)
 * and sent to the backend; if the backend refuses, the old flags come
 * back and the user is told.  Expunged messages leave the model when the
 * backend reports them gone, whoever removed them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <glib.h>

#include "account.h"
#include "log.h"
#include "backend/imap_backend.h"
#include "backend/maildir.h"
#include "paths.h"
#include "store/store.h"
#include "model/pattern.h"
#include "xmalloc.h"

#define ACCOUNT_REBUILD_MS 150

struct account {
	struct account_manager *am;
	const struct account_conf *conf; /* borrowed from the conf */
	struct backend *be;
	struct store *store;
	struct be_events events;
	char *status;
	int active;

	struct be_folder *folders;
	size_t nfolders;

	char *folder;
	unsigned generation; /* bumped on every open, to drop stale batches */
	int loading;
	size_t loaded, total;
	struct msgtab *mb;
	struct rowlist *mv;
	enum msgtab_sort sort;
	bool reverse;
	bool threaded;
	char *limit_text;
	struct pattern *limit;
	GHashTable **body_hits; /* per ~b term: uid set, while limiting */
	size_t nbody;
	size_t body_pending;
	struct event *rebuild_ev;
	size_t expunged; /* by the expunge in flight */
};

struct account_manager {
	struct event_base *base; /* borrowed */
	const struct conf *conf; /* borrowed */
	struct conf *extra; /* accounts added while running */
	struct account **accts;
	size_t n;
	struct account_observer obs;
};

/* An open request's context: which account and which generation. */
struct account_open {
	struct account *acct;
	unsigned generation;
};

/* A flag change in flight: what to restore if the backend refuses. */
struct account_flagop {
	struct account *acct;
	unsigned generation;
	uint32_t *uids;
	uint32_t *old;
	size_t n;
};

/* A body search of a limit pattern in flight. */
struct account_search {
	struct account *acct;
	unsigned generation;
	size_t term;
	struct pattern *limit; /* the pattern it belongs to (identity only) */
};

static void account_clear_body_hits(struct account *a);

/* Tell the observer something changed. */
static void
account_changed(struct account *a, unsigned what)
{
	if (a->am->obs.changed != NULL)
		a->am->obs.changed(a, what, a->am->obs.arg);
}

/* Tell the user one line. */
static void
account_tell(struct account *a, int error, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (error)
		log_warn("%s: %s", a->conf->name, msg);
	if (a->am->obs.message != NULL)
		a->am->obs.message(a, error, msg, a->am->obs.arg);
	free(msg);
}

/* Replace the status line. */
static void
account_set_status(struct account *a, char *status)
{
	free(a->status);
	a->status = status;
	account_changed(a, ACCOUNT_CHANGED_STATUS);
}

/* Is uid in the body hits of term? (the limit's ~b answers) */
static bool
account_body_cb(void *arg, size_t term, uint32_t uid)
{
	struct account *a = arg;

	if (term >= a->nbody || a->body_hits[term] == NULL)
		return false;
	return g_hash_table_contains(a->body_hits[term], GUINT_TO_POINTER(uid));
}

/* Build the view afresh from the mailbox. */
static void
account_rebuild(struct account *a)
{
	struct rowlist_opts o = {
		.sort = a->sort,
		.reverse = a->reverse,
		.threaded = a->threaded,
		.limit = a->body_pending ? NULL : a->limit,
		.body = account_body_cb,
		.body_arg = a,
	};

	rowlist_free(a->mv);
	a->mv = rowlist_build(a->mb, &o);
	account_changed(a, ACCOUNT_CHANGED_VIEW);
}

/* The rebuild timer fired. */
static void
account_rebuild_cb(evutil_socket_t fd, short what, void *arg)
{
	account_rebuild(arg);
}

/* Rebuild soon (while loading) rather than for every batch. */
static void
account_rebuild_later(struct account *a)
{
	struct timeval tv = { 0, ACCOUNT_REBUILD_MS * 1000 };

	if (!evtimer_pending(a->rebuild_ev, NULL))
		evtimer_add(a->rebuild_ev, &tv);
}

/* The status text for an account once its folder is open. */
static void
account_status_open(struct account *a)
{
	const char *what = a->conf->type == ACCOUNT_POP3
	    ? "POP3 download is not implemented in this build yet; showing "
	      "what is already in the Maildir"
	    : NULL;

	account_set_status(a,
	    what ? xasprintf("%s", what)
		 : xasprintf(
		       "%s: %zu messages", a->folder, msgtab_count(a->mb)));
}

/* ------------------------------------------------ backend callbacks */

/* Messages are gone (expunged here or elsewhere): drop them. */
static void
account_expunged_cb(const uint32_t *uids, size_t n, void *arg)
{
	struct account *a = arg;

	if (a->mb == NULL || n == 0)
		return;
	a->expunged += msgtab_remove_uids(a->mb, uids, n);
	account_rebuild(a);
}

/* Another client changed a message's flags. */
static void
account_flags_cb(uint32_t uid, uint32_t flags, void *arg)
{
	struct account *a = arg;
	ssize_t idx;

	if (a->mb == NULL || (idx = msgtab_find_uid(a->mb, uid)) < 0)
		return;
	msgtab_set_flags(a->mb, idx, flags);
	account_changed(a, ACCOUNT_CHANGED_FLAGS);
}

/* What the connection is doing: the status line (unless a folder is
   loading, whose progress is more useful). */
static void
account_be_status_cb(const char *text, void *arg)
{
	struct account *a = arg;

	if (!a->loading || a->folder == NULL)
		account_set_status(a, xstrdup(text));
	log_info("%s: %s", a->conf->name, text);
}

/* A certificate question from the backend. */
static void
account_question_cb(const char *details, int always_allowed, void *arg)
{
	struct account *a = arg;

	if (a->am->obs.question != NULL) {
		a->am->obs.question(a, details, always_allowed, a->am->obs.arg);
		return;
	}
	account_tell(a, 1, "%s", details);
	if (a->be != NULL && a->be->ops->cert_answer != NULL)
		a->be->ops->cert_answer(a->be, BE_CERT_REJECT);
}

/* New mail arrived in the open folder. */
static void
account_new_mail_cb(const struct summary *s, size_t n, void *arg)
{
	struct account *a = arg;
	size_t i;

	if (a->mb == NULL)
		return;
	for (i = 0; i < n; i++)
		msgtab_add(a->mb, &s[i]);
	account_rebuild(a);
	account_tell(
	    a, 0, "%zu new message%s in %s.", n, n == 1 ? "" : "s", a->folder);
}

/* The backend needs a password nobody configured. */
static void
account_password_cb(const char *prompt, void *arg)
{
	struct account *a = arg;

	if (a->am->obs.password != NULL) {
		a->am->obs.password(a, prompt, a->am->obs.arg);
		return;
	}
	account_tell(a, 1, "%s: no password configured and nobody to ask",
	    a->conf->name);
	if (a->be != NULL && a->be->ops->password_answer != NULL)
		a->be->ops->password_answer(a->be, NULL);
}

/* The user's answer to the password question (NULL: canceled). */
void
account_password_answer(struct account *a, const char *password)
{
	if (a->be != NULL && a->be->ops->password_answer != NULL)
		a->be->ops->password_answer(a->be, password);
}

/* The user's answer to a certificate question. */
void
account_cert_answer(struct account *a, enum be_cert_answer answer)
{
	if (a->be != NULL && a->be->ops->cert_answer != NULL)
		a->be->ops->cert_answer(a->be, answer);
}

/* The backend has something the user must read. */
static void
account_alert_cb(const char *msg, void *arg)
{
	account_tell(arg, 1, "%s", msg);
}

/* The folder list arrived. */
static void
account_folders_cb(enum be_status st, const char *msg,
    const struct be_folder *f, size_t n, void *arg)
{
	struct account *a = arg;
	size_t i;

	if (st != BE_OK) {
		if (st != BE_CANCELED)
			account_tell(a, 1, "%s: cannot list folders: %s",
			    a->conf->name, msg);
		return;
	}
	for (i = 0; i < a->nfolders; i++)
		free((char *)a->folders[i].name);
	free(a->folders);
	a->folders = xcalloc(n ? n : 1, sizeof *a->folders);
	for (i = 0; i < n; i++) {
		a->folders[i] = f[i];
		a->folders[i].name = xstrdup(f[i].name);
	}
	a->nfolders = n;
	account_changed(a, ACCOUNT_CHANGED_FOLDERS);
}

/* The folder is open: how much will come. */
static void
account_state_cb(const struct be_folder_state *st, void *arg)
{
	struct account_open *op = arg;
	struct account *a = op->acct;

	if (op->generation != a->generation)
		return;
	a->total = st->total;
	account_set_status(
	    a, xasprintf("Reading %s: 0/%zu", a->folder, a->total));
}

/* A batch of summaries: into the mailbox, view rebuilt soon. */
static void
account_batch_cb(
    const struct summary *s, size_t n, size_t done, size_t total, void *arg)
{
	struct account_open *op = arg;
	struct account *a = op->acct;
	size_t i;

	if (op->generation != a->generation)
		return;
	for (i = 0; i < n; i++)
		msgtab_add(a->mb, &s[i]);
	a->loaded = done;
	a->total = total;
	free(a->status);
	a->status = xasprintf("Reading %s: %zu/%zu", a->folder, done, total);
	account_changed(a, ACCOUNT_CHANGED_STATUS);
	if (a->mv == NULL || rowlist_count(a->mv) == 0)
		account_rebuild(a); /* the first rows show at once */
	else
		account_rebuild_later(a);
}

/* The open finished. */
static void
account_open_done_cb(enum be_status st, const char *msg, void *arg)
{
	struct account_open *op = arg;
	struct account *a = op->acct;

	if (st == BE_CANCELED) { /* closing, or replaced by a newer open */
		free(op);
		return;
	}
	if (op->generation == a->generation) {
		a->loading = 0;
		evtimer_del(a->rebuild_ev);
		account_rebuild(a);
		if (st == BE_OK)
			account_status_open(a);
		else if (st != BE_CANCELED) {
			account_set_status(
			    a, xasprintf("%s: %s", a->folder, msg));
			account_tell(
			    a, 1, "Cannot open %s: %s", a->folder, msg);
		}
	}
	free(op);
}

/* ---------------------------------------------------------- accounts */

/*
 * The account's store: <data>/<name>.db for server accounts; a Maildir
 * named on the command line gets one named after its real path, so two
 * directories with the same last component never share a cache.
 */
static char *
account_store_path(struct account *a)
{
	char *dir = paths_data_dir(), *path, *real;

	if (a->conf->type == ACCOUNT_MAILDIR) {
		real = realpath(a->conf->maildir, NULL);
		path = xasprintf("%s/maildir-%s-%08x.db", dir, a->conf->name,
		    g_str_hash(real ? real : a->conf->maildir));
		free(real);
	} else
		path = xasprintf("%s/%s.db", dir, a->conf->name);
	free(dir);
	return path;
}

/* Open the account's store; without one tern works, only slower. */
static void
account_open_store(struct account *a)
{
	char *dir = paths_data_dir(), *path, *warning = NULL, *err = NULL;

	if (paths_mkdir_p(dir, 0700, &err) == -1) {
		account_tell(a, 1, "%s: %s (no cache)", a->conf->name, err);
		free(err);
		free(dir);
		return;
	}
	free(dir);
	path = account_store_path(a);
	a->store = store_open(path, &warning, &err);
	if (warning != NULL) {
		account_tell(a, 1, "%s: %s", a->conf->name, warning);
		free(warning);
	}
	if (a->store == NULL) {
		account_tell(a, 1, "%s: %s (going on without a cache)",
		    a->conf->name, err);
		free(err);
	}
	free(path);
}

/* Make the account's backend; sets the status when there is none. */
static void
account_make_backend(struct account *a)
{
	const struct account_conf *ac = a->conf;
	char *err = NULL;

	switch (ac->type) {
	case ACCOUNT_IMAP: {
		char *cache = paths_cache_dir(), *data = paths_data_dir();
		char *pins = xasprintf("%s/certificates", data);

		account_open_store(a);
		a->be = imap_backend_new(
		    a->am->base, ac, &a->events, a->store, cache, pins, &err);
		free(pins);
		free(data);
		free(cache);
		break;
	}
	case ACCOUNT_POP3:
		/* The downloaded mail is read through a Maildir backend. */
		if (maildir_create(ac->maildir, &err) == -1)
			break;
		/* FALLTHROUGH */
	case ACCOUNT_MAILDIR:
		account_open_store(a);
		a->be = maildir_backend_new(
		    a->am->base, ac->maildir, &a->events, a->store, &err);
		break;
	}
	if (a->be == NULL) {
		account_set_status(a, xasprintf("%s", err));
		account_tell(a, 1, "%s: %s", ac->name, err);
		free(err);
	}
}

/* First use: make the backend, list folders, open the Inbox. */
void
account_activate(struct account *a)
{
	if (a->active)
		return;
	a->active = 1;
	account_make_backend(a);
	if (a->be == NULL)
		return;
	a->be->ops->list_folders(a->be, account_folders_cb, a);
	account_open_folder(a, "INBOX");
}

/* Open a folder, replacing the one shown. */
void
account_open_folder(struct account *a, const char *folder)
{
	struct be_open_cbs cbs = { account_state_cb, account_batch_cb,
		account_open_done_cb, NULL };
	struct account_open *op;

	if (a->be == NULL) {
		account_tell(a, 1, "%s", a->status);
		return;
	}
	a->generation++;
	free(a->folder);
	a->folder = xstrdup(folder);
	/* A limit belongs to the folder it was set in, as in mutt. */
	pattern_free(a->limit);
	a->limit = NULL;
	free(a->limit_text);
	a->limit_text = NULL;
	account_clear_body_hits(a);
	rowlist_free(a->mv);
	a->mv = NULL;
	msgtab_free(a->mb);
	a->mb = msgtab_new();
	a->loading = 1;
	a->loaded = a->total = 0;
	account_rebuild(a);
	op = xcalloc(1, sizeof *op);
	op->acct = a;
	op->generation = a->generation;
	cbs.arg = op;
	account_set_status(a, xasprintf("Opening %s...", folder));
	a->be->ops->open_folder(a->be, folder, &cbs);
}

/* The open folder's name, or NULL. */
const char *
account_folder(const struct account *a)
{
	return a->folder;
}

/* A number that changes whenever another folder (or the same again) opens. */
unsigned
account_generation(const struct account *a)
{
	return a->generation;
}

/* True while a folder loads; *done and *total say how far. */
int
account_loading(const struct account *a, size_t *done, size_t *total)
{
	*done = a->loaded;
	*total = a->total;
	return a->loading;
}

/* True while a folder loads or a limit waits for body search answers. */
int
account_busy(const struct account *a)
{
	return a->loading || a->body_pending > 0;
}

/* The folders known so far. */
const struct be_folder *
account_folders(const struct account *a, size_t *n)
{
	*n = a->nfolders;
	return a->folders;
}

/* The open folder's messages (NULL before any open). */
const struct msgtab *
account_msgtab(const struct account *a)
{
	return a->mb;
}

/* The rows shown (NULL before any open). */
const struct rowlist *
account_view(const struct account *a)
{
	return a->mv;
}

/* The rows, for collapsing threads. */
struct rowlist *
account_view_mut(struct account *a)
{
	return a->mv;
}

/* Change sorting or threading and rebuild. */
void
account_set_order(
    struct account *a, enum msgtab_sort sort, bool reverse, bool threaded)
{
	a->sort = sort;
	a->reverse = reverse;
	a->threaded = threaded;
	if (a->mb != NULL)
		account_rebuild(a);
}

/* The order in force. */
void
account_get_order(const struct account *a, enum msgtab_sort *sort,
    bool *reverse, bool *threaded)
{
	*sort = a->sort;
	*reverse = a->reverse;
	*threaded = a->threaded;
}

/* Forget the body answers of the last limit. */
static void
account_clear_body_hits(struct account *a)
{
	size_t i;

	for (i = 0; i < a->nbody; i++)
		if (a->body_hits[i] != NULL)
			g_hash_table_destroy(a->body_hits[i]);
	free(a->body_hits);
	a->body_hits = NULL;
	a->nbody = 0;
	a->body_pending = 0;
}

/* A body search of the limit answered. */
static void
account_search_cb(enum be_status st, const char *msg, const uint32_t *uids,
    size_t n, void *arg)
{
	struct account_search *s = arg;
	struct account *a = s->acct;
	size_t i;

	if (st != BE_CANCELED && s->generation == a->generation &&
	    s->limit == a->limit && s->term < a->nbody) {
		if (st != BE_OK)
			account_tell(a, 1, "Body search failed: %s", msg);
		for (i = 0; i < n; i++)
			g_hash_table_add(
			    a->body_hits[s->term], GUINT_TO_POINTER(uids[i]));
		if (a->body_pending > 0 && --a->body_pending == 0)
			account_rebuild(a);
	}
	free(s);
}

/*
 * Show only messages matching pattern ("" or "all" shows every one).
 * Header and flag terms are evaluated here; ~b terms go to the backend
 * first, and the view is rebuilt when they answer.
 */
int
account_set_limit(struct account *a, const char *text, char **err)
{
	struct pattern *p = NULL;
	size_t i;

	if (text != NULL && *text != '\0' && strcmp(text, "all") != 0 &&
	    strcmp(text, "~A") != 0) {
		p = pattern_compile(text, time(NULL), err);
		if (p == NULL)
			return -1;
	}
	pattern_free(a->limit);
	free(a->limit_text);
	account_clear_body_hits(a);
	a->limit = p;
	a->limit_text = p ? xstrdup(text) : NULL;
	if (p != NULL && pattern_needs_body(p)) {
		if (a->be == NULL) {
			*err = xstrdup("this account cannot search bodies");
			pattern_free(p);
			a->limit = NULL;
			free(a->limit_text);
			a->limit_text = NULL;
			return -1;
		}
		a->nbody = pattern_body_count(p);
		a->body_hits = xcalloc(a->nbody, sizeof *a->body_hits);
		a->body_pending = a->nbody;
		for (i = 0; i < a->nbody; i++) {
			struct account_search *s = xcalloc(1, sizeof *s);
			bool whole;

			a->body_hits[i] = g_hash_table_new(NULL, NULL);
			s->acct = a;
			s->generation = a->generation;
			s->term = i;
			s->limit = p;
			a->be->ops->search_body(a->be,
			    pattern_body_text(p, i, &whole), account_search_cb,
			    s);
		}
		account_tell(a, 0, "Searching message bodies...");
		return 0;
	}
	if (a->mb != NULL)
		account_rebuild(a);
	return 0;
}

/* The limit pattern in force, or NULL. */
const char *
account_limit(const struct account *a)
{
	return a->limit_text;
}

/* The backend answered a flag change; roll back if it refused. */
static void
account_flags_done_cb(enum be_status st, const char *msg, void *arg)
{
	struct account_flagop *op = arg;
	struct account *a = op->acct;
	size_t i;
	ssize_t idx;

	if (st != BE_OK && st != BE_CANCELED &&
	    op->generation == a->generation) {
		for (i = 0; i < op->n; i++)
			if ((idx = msgtab_find_uid(a->mb, op->uids[i])) >= 0)
				msgtab_set_flags(a->mb, idx, op->old[i]);
		account_changed(a, ACCOUNT_CHANGED_FLAGS);
		account_tell(a, 1, "Flags not changed: %s", msg);
	}
	free(op->uids);
	free(op->old);
	free(op);
}

/* Add and remove flags: the model changes now, the backend follows. */
void
account_change_flags(struct account *a, const uint32_t *uids, size_t n,
    uint32_t add, uint32_t remove)
{
	struct account_flagop *op;
	size_t i;
	ssize_t idx;

	if (a->be == NULL || a->mb == NULL || n == 0)
		return;
	op = xcalloc(1, sizeof *op);
	op->acct = a;
	op->generation = a->generation;
	op->uids = xcalloc(n, sizeof *op->uids);
	op->old = xcalloc(n, sizeof *op->old);
	for (i = 0; i < n; i++) {
		if ((idx = msgtab_find_uid(a->mb, uids[i])) < 0)
			continue;
		op->uids[op->n] = uids[i];
		op->old[op->n] = msgtab_flags(a->mb, idx);
		msgtab_set_flags(a->mb, idx, (op->old[op->n] | add) & ~remove);
		op->n++;
	}
	account_changed(a, ACCOUNT_CHANGED_FLAGS);
	a->be->ops->set_flags(
	    a->be, op->uids, op->n, add, remove, account_flags_done_cb, op);
}

/* The expunge finished (the messages left through account_expunged_cb). */
static void
account_expunge_done_cb(enum be_status st, const char *msg, void *arg)
{
	struct account *a = arg;

	if (st == BE_OK) {
		account_status_open(a);
		account_tell(a, 0, "%zu message%s expunged.", a->expunged,
		    a->expunged == 1 ? "" : "s");
	} else if (st != BE_CANCELED)
		account_tell(a, 1, "Expunge failed: %s", msg);
}

/* Remove the messages marked deleted. */
void
account_expunge(struct account *a)
{
	if (a->be == NULL || a->mb == NULL)
		return;
	a->expunged = 0;
	a->be->ops->expunge(a->be, account_expunge_done_cb, a);
}

/* Fetch one message's bytes. */
void
account_fetch_body(struct account *a, uint32_t uid, be_body_cb cb, void *arg)
{
	if (a->be == NULL) {
		cb(BE_UNSUPPORTED, a->status, NULL, 0, arg);
		return;
	}
	a->be->ops->fetch_body(a->be, uid, cb, arg);
}

/* ----------------------------------------------------------- manager */

/* A new, not yet activated account over ac (borrowed). */
static struct account *
account_new(struct account_manager *am, const struct account_conf *ac)
{
	struct account *a = xcalloc(1, sizeof *a);
	bool reverse = false;

	a->am = am;
	a->conf = ac;
	a->events.expunged = account_expunged_cb;
	a->events.flags = account_flags_cb;
	a->events.alert = account_alert_cb;
	a->events.status = account_be_status_cb;
	a->events.question = account_question_cb;
	a->events.password = account_password_cb;
	a->events.new_mail = account_new_mail_cb;
	a->events.arg = a;
	a->sort = MSGTAB_SORT_DATE;
	if (am->conf->sort != NULL)
		msgtab_sort_parse(am->conf->sort, &a->sort, &reverse);
	a->reverse = reverse;
	a->threaded = am->conf->threading;
	a->status = xstrdup("Not opened yet.");
	a->rebuild_ev = evtimer_new(am->base, account_rebuild_cb, a);
	return a;
}

/* Build the manager over conf, which must outlive it. */
struct account_manager *
account_manager_new(struct event_base *base, const struct conf *conf)
{
	struct account_manager *am = xcalloc(1, sizeof *am);
	size_t i;

	am->base = base;
	am->conf = conf;
	am->extra = conf_empty();
	am->n = conf->naccounts;
	am->accts = xcalloc(am->n ? am->n : 1, sizeof *am->accts);
	for (i = 0; i < am->n; i++)
		am->accts[i] = account_new(am, conf->accounts[i]);
	return am;
}

/*
 * Add a Maildir account while tern runs (the offer to open ~/Maildir
 * when there is no configuration).  Returns its index.
 */
size_t
account_manager_add_maildir(struct account_manager *am, const char *dir)
{
	conf_add_maildir(am->extra, dir);
	am->accts = xreallocarray(am->accts, am->n + 1, sizeof *am->accts);
	am->accts[am->n] = account_new(am, am->extra->accounts[0]);
	return am->n++;
}

/* Free the manager and every account; NULL is fine. */
void
account_manager_free(struct account_manager *am)
{
	size_t i, j;

	if (am == NULL)
		return;
	for (i = 0; i < am->n; i++) {
		struct account *a = am->accts[i];

		if (a->be != NULL)
			a->be->ops->close(a->be);
		store_close(a->store);
		event_free(a->rebuild_ev);
		rowlist_free(a->mv);
		msgtab_free(a->mb);
		pattern_free(a->limit);
		free(a->limit_text);
		account_clear_body_hits(a);
		for (j = 0; j < a->nfolders; j++)
			free((char *)a->folders[j].name);
		free(a->folders);
		free(a->folder);
		free(a->status);
		free(a);
	}
	free(am->accts);
	conf_free(am->extra);
	free(am);
}

/* Set the one observer (the UI). */
void
account_manager_observe(
    struct account_manager *am, const struct account_observer *obs)
{
	am->obs = *obs;
}

/* The configuration the accounts came from ([general] settings). */
const struct conf *
account_manager_conf(const struct account_manager *am)
{
	return am->conf;
}

/* How many accounts there are. */
size_t
account_manager_count(const struct account_manager *am)
{
	return am->n;
}

/* Account i (0 <= i < count), or NULL. */
struct account *
account_manager_get(const struct account_manager *am, size_t i)
{
	return i < am->n ? am->accts[i] : NULL;
}

/* The index of the account called name, or -1. */
int
account_manager_find(const struct account_manager *am, const char *name)
{
	size_t i;

	for (i = 0; i < am->n; i++)
		if (strcmp(am->accts[i]->conf->name, name) == 0)
			return (int)i;
	return -1;
}

/* The account's name from the config. */
const char *
account_name(const struct account *a)
{
	return a->conf->name;
}

/* The account's configuration. */
const struct account_conf *
account_conf(const struct account *a)
{
	return a->conf;
}

/* One line saying what the account is doing. */
const char *
account_status(const struct account *a)
{
	return a->status;
}

/* True if the account talks to its server without TLS. */
int
account_is_plaintext(const struct account *a)
{
	return a->conf->type != ACCOUNT_MAILDIR && a->conf->tls == TLS_OFF;
}
