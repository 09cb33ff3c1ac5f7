/*
 * imap_backend.c - the IMAP backend: folders and messages on the server,
 * summaries and bodies cached in the store.
 *
 * The session (net/imap.c) is made once the password is known (it may
 * come from a command, asynchronously); a folder list or open asked for
 * before then waits.  Opening a folder SELECTs it (with QRESYNC when the
 * server and the cache allow), applies what changed since last time to
 * the cache, hands the cached summaries out at once, then fetches what
 * the cache does not have, newest first, in chunks of IB_CHUNK UIDs.
 * Header fields are fetched rather than ENVELOPE so that the same code
 * (headers_parse) decodes IMAP and Maildir mail, References included.
 *
 * Flag changes are written to the store as pending first, then sent; the
 * server's OK acknowledges them, a NO drops them (the account rolls the
 * model back), and a lost connection keeps them for the next SELECT,
 * where they are replayed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "backend/backend.h"
#include "conf.h"
#include "message/headers.h"
#include "imap.h"
#include "backend/imap_backend.h"
#include "log.h"
#include "message/mime_render.h"
#include "paths.h"
#include "secret.h"
#include "store/store.h"
#include "xmalloc.h"

#define IB_CHUNK 1000 /* UIDs per summary fetch */
#define IB_SET_MAX 500 /* ranges per sequence set sent */
#define IB_FTS_MAX (1024 * 1024) /* body text indexed per message */
#define IB_FIELDS \
	"(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE " \
	"FROM TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE)])"

struct ib;

/* An operation waiting for the session to exist. */
struct ib_wait {
	int kind; /* 0: list, 1: open */
	be_folders_cb folders_cb;
	void *arg;
	char *folder;
	struct be_open_cbs cbs;
	struct ib_wait *next;
};

/* A folder being opened. */
struct ib_open {
	struct ib *ib;
	unsigned generation;
	struct be_open_cbs cbs;
	uint32_t uidvalidity, uidnext;
	uint64_t modseq;
	int qresync; /* the SELECT carried QRESYNC */
	GArray *vanished; /* uids the server says are gone */
	GArray *server; /* every uid, ascending (UID SEARCH ALL) */
	GArray *fetch; /* uids to fetch, newest first */
	size_t fetched; /* of fetch */
	GArray *batch; /* struct summary being collected */
	size_t delivered;
	size_t total;
	uint32_t below; /* cache delivery: next batch below this */
	struct event *ev; /* slices of cache delivery */
	int in_cmd; /* a command of this open is in flight */
	int canceled; /* replaced: free it when the command ends */
};

struct ib {
	struct backend be;
	char *name;
	struct event_base *base;
	const struct account_conf *ac; /* borrowed */
	struct store *store; /* borrowed, may be NULL */
	char *cache_dir;
	char *pin_file;
	struct imap *s;
	struct secret_req *secret;
	char *password;
	struct ib_wait *waiting;
	int ready;
	int closing;
	int asking; /* a person is being asked for the password */

	char *folder; /* selected */
	int64_t fid;
	GArray *seq; /* seq - 1 -> uid, while selected */
	uint32_t uidnext;
	unsigned generation;
	struct ib_open *open;
	int fetching_new;
};

/* A command's context: what to call when it ends. */
struct ib_cmd {
	struct ib *ib;
	unsigned generation;
	be_done_cb done;
	be_folders_cb folders_cb;
	be_body_cb body_cb;
	be_search_cb search_cb;
	void *arg;
	GArray *uids;
	GPtrArray *folders; /* struct be_folder * */
	GHashTable *counts; /* name -> int64_t[2] */
	char *data;
	size_t len;
	uint32_t uid;
	uint32_t add, remove;
	int pending_parts;
	enum be_status worst;
	char *worst_msg;
};

static void ib_open_free(struct ib_open *op);
static void ib_fetch_next(struct ib_open *op);
static void ib_connect(struct ib *ib);

/* The backend status for a session result. */
static enum be_status
ib_status(enum imap_result r)
{
	switch (r) {
	case IMAP_OK: return BE_OK;
	case IMAP_NO: return BE_NO;
	case IMAP_BAD: return BE_BAD;
	case IMAP_CANCELED: return BE_CANCELED;
	case IMAP_ERR_CONNECTION: return BE_CONNECTION;
	case IMAP_ERR_TLS: return BE_TLS;
	case IMAP_ERR_AUTH: return BE_AUTH;
	case IMAP_ERR_PROTOCOL: return BE_PROTOCOL;
	case IMAP_ERR_TIMEOUT: return BE_TIMEOUT;
	case IMAP_ERR_LOCAL: return BE_LOCAL;
	}
	return BE_PROTOCOL;
}

/* One readable line for a command's failure. */
static char *
ib_msg(enum imap_result r, const struct imap_response *tagged, const char *msg)
{
	if (tagged != NULL && tagged->text != NULL && *tagged->text != '\0')
		return xasprintf("%s: %s", imap_result_name(r), tagged->text);
	return xasprintf("%s", msg ? msg : imap_result_name(r));
}

/* Tell the account what the connection is doing. */
static void
ib_tell_status(struct ib *ib, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ib->be.events == NULL || ib->be.events->status == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	ib->be.events->status(s, ib->be.events->arg);
	free(s);
}

/* Sort helper for uids. */
static int
ib_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A sequence set for uids: sorted and merged into ranges. */
char *
imap_backend_uidset(const uint32_t *uids, size_t n)
{
	uint32_t *v = xcalloc(n ? n : 1, sizeof *v);
	GString *s = g_string_new(NULL);
	size_t i, j;

	memcpy(v, uids, n * sizeof *v);
	qsort(v, n, sizeof *v, ib_u32_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1;
		     j < n && (v[j] == v[j - 1] || v[j] == v[j - 1] + 1); j++)
			;
		if (s->len > 0)
			g_string_append_c(s, ',');
		if (v[j - 1] != v[i])
			g_string_append_printf(s, "%u:%u", v[i], v[j - 1]);
		else
			g_string_append_printf(s, "%u", v[i]);
	}
	free(v);
	return g_string_free(s, FALSE);
}

/* MSG_* from an IMAP flag list. */
static uint32_t
ib_flags(const struct imap_flags *f)
{
	uint32_t out = 0;
	size_t i;

	if (f->bits & IMAP_FLAG_SEEN)
		out |= MSG_SEEN;
	if (f->bits & IMAP_FLAG_ANSWERED)
		out |= MSG_ANSWERED;
	if (f->bits & IMAP_FLAG_FLAGGED)
		out |= MSG_FLAGGED;
	if (f->bits & IMAP_FLAG_DELETED)
		out |= MSG_DELETED;
	if (f->bits & IMAP_FLAG_DRAFT)
		out |= MSG_DRAFT;
	if (f->bits & IMAP_FLAG_RECENT)
		out |= MSG_RECENT;
	for (i = 0; i < f->all.n; i++)
		if (g_ascii_strcasecmp(f->all.v[i], "$Forwarded") == 0)
			out |= MSG_FORWARDED;
	return out;
}

/* IMAP_FLAG_* bits (for %F) from MSG_* bits. */
static unsigned
ib_imap_bits(uint32_t flags)
{
	unsigned out = 0;

	if (flags & MSG_SEEN)
		out |= IMAP_FLAG_SEEN;
	if (flags & MSG_ANSWERED)
		out |= IMAP_FLAG_ANSWERED;
	if (flags & MSG_FLAGGED)
		out |= IMAP_FLAG_FLAGGED;
	if (flags & MSG_DELETED)
		out |= IMAP_FLAG_DELETED;
	if (flags & MSG_DRAFT)
		out |= IMAP_FLAG_DRAFT;
	if (flags & MSG_FORWARDED)
		out |= IMAP_FLAG_KW_FORWARDED;
	return out;
}

/* A finished operation whose callback waits for the next loop turn. */
struct ib_later {
	be_done_cb done;
	be_body_cb body;
	be_search_cb search;
	be_folders_cb folders;
	enum be_status st;
	char *msg;
	void *arg;
};

/* Run a deferred completion. */
static void
ib_later_cb(void *p)
{
	struct ib_later *l = p;

	if (l->done != NULL)
		l->done(l->st, l->msg, l->arg);
	else if (l->body != NULL)
		l->body(l->st, l->msg, NULL, 0, l->arg);
	else if (l->search != NULL)
		l->search(l->st, l->msg, NULL, 0, l->arg);
	else if (l->folders != NULL)
		l->folders(l->st, l->msg, NULL, 0, l->arg);
	free(l->msg);
	free(l);
}

/* Fail (or succeed) an operation on the next turn, never inside it. */
static void
ib_later(
    struct ib *ib, struct ib_later proto, enum be_status st, const char *msg)
{
	struct ib_later *l = xmalloc(sizeof *l);

	*l = proto;
	l->st = st;
	l->msg = msg ? xstrdup(msg) : NULL;
	backend_defer(ib->base, ib_later_cb, l);
}

/* ------------------------------------------------------ the session */

/* The session is logged in: run what waited for it. */
static void
ib_ready_cb(struct imap *s, void *arg)
{
	struct ib *ib = arg;
	const struct transport_tls_info *tls = imap_tls_info(s);
	struct ib_wait *w;

	ib->ready = 1;
	if (tls != NULL && tls->protocol != NULL)
		ib_tell_status(
		    ib, "Logged in to %s (%s).", ib->ac->host, tls->protocol);
	else
		ib_tell_status(ib, "Logged in to %s (no TLS).", ib->ac->host);
	while ((w = ib->waiting) != NULL) {
		ib->waiting = w->next;
		if (w->kind == 0)
			ib->be.ops->list_folders(
			    &ib->be, w->folders_cb, w->arg);
		else
			ib->be.ops->open_folder(&ib->be, w->folder, &w->cbs);
		free(w->folder);
		free(w);
	}
}

/* The certificate needs a person. */
static void
ib_cert_cb(struct imap *s, const struct tls_cert *cert, void *arg)
{
	struct ib *ib = arg;
	char *details = tls_cert_format(cert);

	if (ib->be.events != NULL && ib->be.events->question != NULL)
		ib->be.events->question(
		    details, cert->always_allowed, ib->be.events->arg);
	else
		imap_cert_answer(s, TRANSPORT_CERT_REJECT);
	free(details);
}

/* Remove uid from the sequence map; returns 1 if it was there. */
static void
ib_seq_remove_uids(struct ib *ib, const uint32_t *uids, size_t n)
{
	GHashTable *gone = g_hash_table_new(NULL, NULL);
	guint i, k = 0;

	for (i = 0; i < n; i++)
		g_hash_table_add(gone, GUINT_TO_POINTER(uids[i]));
	for (i = 0; i < ib->seq->len; i++) {
		uint32_t u = g_array_index(ib->seq, uint32_t, i);

		if (!g_hash_table_contains(gone, GUINT_TO_POINTER(u)))
			g_array_index(ib->seq, uint32_t, k++) = u;
	}
	g_array_set_size(ib->seq, k);
	g_hash_table_destroy(gone);
}

/* Messages left the selected folder. */
static void
ib_gone(struct ib *ib, const uint32_t *uids, size_t n)
{
	char *err = NULL;

	if (n == 0)
		return;
	ib_seq_remove_uids(ib, uids, n);
	if (ib->store != NULL && ib->fid != 0 &&
	    store_remove_uids(ib->store, ib->fid, uids, n, &err) == -1) {
		log_warn("%s: %s", ib->name, err);
		free(err);
	}
	if (ib->be.events != NULL && ib->be.events->expunged != NULL)
		ib->be.events->expunged(uids, n, ib->be.events->arg);
}

/* A summary from a FETCH of IB_FIELDS; -1 if it lacks the UID. */
static int
ib_summary(const struct imap_fetch *f, struct summary *s)
{
	size_t i;

	memset(s, 0, sizeof *s);
	if (!(f->present & IMAP_FETCH_UID))
		return -1;
	for (i = 0; i < f->nsections; i++)
		if (f->sections[i].data != NULL)
			headers_parse(
			    f->sections[i].data, f->sections[i].len, s);
	s->uid = f->uid;
	if (f->present & IMAP_FETCH_FLAGS)
		s->flags = ib_flags(&f->flags);
	s->modseq = f->modseq;
	s->arrival = f->internaldate;
	s->size = f->rfc822_size;
	if (s->date == 0)
		s->date = s->arrival;
	return 0;
}

/* New mail arrived (EXISTS grew): its summaries. */
static void
ib_new_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_cmd *c = arg;
	struct summary sum;

	if (r->kind != IMAP_RESP_FETCH || ib_summary(&r->u.fetch, &sum) == -1)
		return;
	if (sum.uid < c->uid) {
		/* "UID FETCH n:*" also answers with the last message when
		   nothing is at or above n: it is not new. */
		summary_clear(&sum);
		return;
	}
	g_array_append_val(c->uids, sum);
}

/* The fetch of new mail ended: remember it and tell the account. */
static void
ib_new_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	struct ib *ib = c->ib;
	struct summary *v = (struct summary *)(void *)c->uids->data;
	char *err = NULL;
	guint i;

	if (res != IMAP_CANCELED)
		ib->fetching_new = 0;
	if (res == IMAP_OK && c->generation == ib->generation) {
		for (i = 0; i < c->uids->len; i++) {
			g_array_append_val(ib->seq, v[i].uid);
			if (v[i].uid >= ib->uidnext)
				ib->uidnext = v[i].uid + 1;
		}
		if (ib->store != NULL && ib->fid != 0 && c->uids->len > 0 &&
		    store_put_summaries(
			ib->store, ib->fid, v, c->uids->len, &err) == -1) {
			log_warn("%s: %s", ib->name, err);
			free(err);
		}
		if (c->uids->len > 0 && ib->be.events != NULL &&
		    ib->be.events->new_mail != NULL)
			ib->be.events->new_mail(
			    v, c->uids->len, ib->be.events->arg);
	}
	for (i = 0; i < c->uids->len; i++)
		summary_clear(&v[i]);
	g_array_free(c->uids, TRUE);
	free(c);
}

/* Fetch whatever arrived past the last UID we know. */
static void
ib_fetch_new(struct ib *ib)
{
	struct ib_cmd *c;

	if (ib->fetching_new || ib->open != NULL || ib->folder == NULL)
		return;
	c = xcalloc(1, sizeof *c);
	c->ib = ib;
	c->generation = ib->generation;
	c->uids = g_array_new(FALSE, FALSE, sizeof(struct summary));
	c->uid = ib->uidnext ? ib->uidnext : 1;
	ib->fetching_new = 1;
	if (imap_command(ib->s, ib_new_data_cb, ib_new_done_cb, c,
		"UID FETCH %u:* " IB_FIELDS,
		ib->uidnext ? ib->uidnext : 1) == -1) {
		ib->fetching_new = 0;
		g_array_free(c->uids, TRUE);
		free(c);
	}
}

/* Untagged data no command claimed. */
static void
ib_untagged_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib *ib = arg;
	uint32_t uid, flags;
	size_t i, j;
	char *err = NULL;

	if (ib->folder == NULL)
		return;
	switch (r->kind) {
	case IMAP_RESP_EXISTS:
		if (r->number > ib->seq->len)
			ib_fetch_new(ib);
		break;
	case IMAP_RESP_EXPUNGE:
		if (r->number >= 1 && r->number <= ib->seq->len) {
			uid = g_array_index(ib->seq, uint32_t, r->number - 1);
			ib_gone(ib, &uid, 1);
		}
		break;
	case IMAP_RESP_VANISHED: {
		GArray *gone = g_array_new(FALSE, FALSE, sizeof(uint32_t));

		for (i = 0; i < r->u.vanished.uids.n; i++) {
			struct imap_range rg = r->u.vanished.uids.v[i];

			if (rg.last == IMAP_STAR)
				rg.last = ib->uidnext ? ib->uidnext : rg.first;
			for (j = rg.first; j <= rg.last && gone->len < 1000000;
			     j++) {
				uint32_t u = j;

				g_array_append_val(gone, u);
			}
		}
		ib_gone(ib, (uint32_t *)(void *)gone->data, gone->len);
		g_array_free(gone, TRUE);
		break;
	}
	case IMAP_RESP_FETCH:
		if (!(r->u.fetch.present & IMAP_FETCH_FLAGS))
			break;
		if (r->u.fetch.present & IMAP_FETCH_UID)
			uid = r->u.fetch.uid;
		else if (r->number >= 1 && r->number <= ib->seq->len)
			uid = g_array_index(ib->seq, uint32_t, r->number - 1);
		else
			break;
		flags = ib_flags(&r->u.fetch.flags);
		if (ib->store != NULL && ib->fid != 0 &&
		    store_set_flags(ib->store, ib->fid, uid, flags,
			r->u.fetch.modseq, &err) == -1) {
			log_warn("%s: %s", ib->name, err);
			free(err);
		}
		if (ib->be.events != NULL && ib->be.events->flags != NULL)
			ib->be.events->flags(uid, flags, ib->be.events->arg);
		break;
	default: break;
	}
}

/* An [ALERT] from the server. */
static void
ib_alert_cb(struct imap *s, const char *text, void *arg)
{
	struct ib *ib = arg;

	if (ib->be.events != NULL && ib->be.events->alert != NULL)
		ib->be.events->alert(text, ib->be.events->arg);
}

/* Someone injected bytes after STARTTLS: the user must know. */
static void
ib_injected_cb(struct imap *s, size_t bytes, void *arg)
{
	struct ib *ib = arg;
	char *msg = xasprintf("%s: %zu bytes arrived between STARTTLS and "
			      "the TLS handshake and were thrown away (an "
			      "attack on the connection?)",
	    ib->name, bytes);

	ib_alert_cb(s, msg, ib);
	free(msg);
}

/* Fail everything that waited for a session that will not come. */
static void
ib_fail_waiting(struct ib *ib, enum be_status st, const char *msg)
{
	struct ib_wait *w;

	while ((w = ib->waiting) != NULL) {
		ib->waiting = w->next;
		if (w->kind == 0)
			w->folders_cb(st, msg, NULL, 0, w->arg);
		else
			w->cbs.done(st, msg, w->cbs.arg);
		free(w->folder);
		free(w);
	}
}

/* The session ended.  It is freed on the next turn (not inside its own
   callback); the next operation connects again. */
static void
ib_closed_cb(struct imap *s, enum imap_result why, const char *msg, void *arg)
{
	struct ib *ib = arg;
	char *line;

	if (ib->closing)
		return; /* imap_free() from ib_close() */
	line = xasprintf(
	    "%s: %s", ib->ac->host, msg ? msg : imap_result_name(why));
	ib->ready = 0;
	if (why == IMAP_ERR_AUTH && ib->ac->password == NULL &&
	    ib->ac->password_command == NULL && ib->password != NULL) {
		/* A typed password that failed is asked again next time. */
		secret_wipe(ib->password);
		free(ib->password);
		ib->password = NULL;
	}
	ib_tell_status(ib, "Disconnected: %s", line);
	if (why != IMAP_OK && why != IMAP_CANCELED && ib->be.events != NULL &&
	    ib->be.events->alert != NULL)
		ib->be.events->alert(line, ib->be.events->arg);
	ib_fail_waiting(ib, ib_status(why), line);
	free(line);
	ib->s = NULL;
	free(ib->folder); /* the server forgot the selection */
	ib->folder = NULL;
	backend_defer(ib->base, (void (*)(void *))imap_free, s);
}

/* The password arrived: make the session and connect. */
static void
ib_secret_cb(const char *password, const char *err, void *arg)
{
	struct ib *ib = arg;

	ib->secret = NULL;
	if (password == NULL) {
		ib_tell_status(ib, "%s", err);
		ib_fail_waiting(ib, BE_AUTH, err);
		return;
	}
	ib->password = xstrdup(password);
	ib_connect(ib);
}

/* The person answered the password question (NULL: they would not). */
static void
ib_password_answer(struct backend *be, const char *password)
{
	struct ib *ib = (struct ib *)be;

	ib->asking = 0;
	if (password == NULL) {
		ib_tell_status(ib, "%s: no password given", ib->name);
		ib_fail_waiting(ib, BE_AUTH, "no password given");
		return;
	}
	ib->password = xstrdup(password);
	ib_connect(ib);
}

/*
 * The session settings for an IMAP account (shared with tern check):
 * transport from the account, the password (or, for XOAUTH2 and
 * OAUTHBEARER, the token), the mechanisms allowed.  Strings are
 * borrowed; imap_new() copies them.
 */
void
imap_backend_config(const struct account_conf *ac, const char *pin_file,
    const char *password, struct imap_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->transport.host = ac->host;
	cfg->transport.port = ac->port;
	cfg->transport.mode = ac->tls == TLS_IMPLICIT ? TRANSPORT_TLS_IMPLICIT
	    : ac->tls == TLS_STARTTLS		      ? TRANSPORT_TLS_STARTTLS
						      : TRANSPORT_PLAIN;
	cfg->transport.ca_file = ac->ca_file;
	cfg->transport.pin_file = pin_file;
	cfg->transport.connect_timeout_ms = 15000;
	cfg->transport.tls_timeout_ms = 15000;
	cfg->transport.idle_timeout_ms = 0;
	cfg->user = ac->user;
	cfg->password = password;
	/* For OAuth mechanisms the "password" (from password_command) is
	   the token. */
	if (ac->auth != NULL) {
		size_t i;

		for (i = 0; ac->auth[i] != NULL; i++)
			if (strcmp(ac->auth[i], "XOAUTH2") == 0 ||
			    strcmp(ac->auth[i], "OAUTHBEARER") == 0)
				cfg->oauth_token = password;
	}
	cfg->mechanisms = (const char *const *)ac->auth;
	cfg->compress = 1;
	cfg->idle = ac->idle;
	cfg->idle_restart_s = 28 * 60;
	cfg->max_in_flight = 8;
	imap_limits_default(&cfg->limits);
	cfg->id_name = "tern";
	cfg->id_version = PACKAGE_VERSION;
}

/* Connect (once the password is known). */
static void
ib_connect(struct ib *ib)
{
	static const struct imap_events ev = {
		.ready = ib_ready_cb,
		.cert_question = ib_cert_cb,
		.untagged = ib_untagged_cb,
		.alert = ib_alert_cb,
		.closed = ib_closed_cb,
		.injected = ib_injected_cb,
	};
	const struct account_conf *ac = ib->ac;
	struct imap_config cfg = { 0 };
	char *err = NULL;

	if (ib->s != NULL || ib->secret != NULL)
		return;
	if (ib->password == NULL) {
		ib->secret = secret_get(ib->base, ac, ib_secret_cb, ib);
		if (ib->secret == NULL && ib->be.events != NULL &&
		    ib->be.events->password != NULL) {
			/* Neither password nor command: ask, at first use. */
			if (!ib->asking) {
				ib->asking = 1;
				err = xasprintf(
				    "Password for %s@%s: ", ac->user, ac->host);
				ib->be.events->password(
				    err, ib->be.events->arg);
				free(err);
			}
		} else if (ib->secret == NULL) {
			err =
			    xasprintf("%s: no password (set password_command, "
				      "or password in an owner-only config)",
				ac->name);
			ib_tell_status(ib, "%s", err);
			ib_fail_waiting(ib, BE_AUTH, err);
			free(err);
		}
		return;
	}
	imap_backend_config(ac, ib->pin_file, ib->password, &cfg);
	ib->s = imap_new(ib->base, &cfg, &ev, ib, &err);
	if (ib->s == NULL) {
		ib_tell_status(ib, "%s", err);
		ib_fail_waiting(ib, BE_LOCAL, err);
		free(err);
		return;
	}
	ib_tell_status(ib, "Connecting to %s:%u...", ac->host, ac->port);
	imap_connect(ib->s);
}

/* Queue an operation until the session is ready (and connect). */
static int
ib_wait_for_session(struct ib *ib, struct ib_wait *w)
{
	struct ib_wait **pp;

	if (ib->s != NULL && ib->ready) {
		free(w->folder);
		free(w);
		return 0;
	}
	for (pp = &ib->waiting; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	ib_connect(ib);
	return 1;
}

/* ------------------------------------------------------- commands */

/* A new command context. */
static struct ib_cmd *
ib_cmd_new(struct ib *ib, void *arg)
{
	struct ib_cmd *c = xcalloc(1, sizeof *c);

	c->ib = ib;
	c->generation = ib->generation;
	c->arg = arg;
	return c;
}

/* A plain command ended: report and free. */
static void
ib_plain_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	char *line = res == IMAP_OK ? NULL : ib_msg(res, tagged, msg);

	c->done(ib_status(res), line, c->arg);
	free(line);
	free(c);
}

/* Send a command whose end is a be_done_cb; fail now-ish if impossible. */
static void
ib_simple(struct ib *ib, be_done_cb done, void *arg, const char *fmt, ...)
{
	struct ib_cmd *c;
	va_list ap;
	int rc;

	if (ib->s == NULL || !ib->ready) {
		ib_connect(ib);
		ib_later(ib, (struct ib_later){ .done = done, .arg = arg },
		    BE_CONNECTION, "not connected (trying again)");
		return;
	}
	c = ib_cmd_new(ib, arg);
	c->done = done;
	va_start(ap, fmt);
	rc = imap_vcommand(ib->s, NULL, ib_plain_done_cb, c, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		free(c);
		ib_later(ib, (struct ib_later){ .done = done, .arg = arg },
		    BE_LOCAL, "cannot encode that command");
	}
}

/* LIST and STATUS answers. */
static void
ib_list_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_cmd *c = arg;
	struct be_folder *f;
	int64_t *cnt;

	if (r->kind == IMAP_RESP_LIST) {
		const struct imap_list *l = &r->u.list;

		if (l->attrs & IMAP_MBX_NONEXISTENT)
			return;
		f = xcalloc(1, sizeof *f);
		f->name = xstrdup(l->name_utf8 ? l->name_utf8 : l->name);
		f->delim = l->delim;
		f->selectable = !(l->attrs & IMAP_MBX_NOSELECT);
		f->total = f->unseen = -1;
		if (g_ascii_strcasecmp(f->name, "INBOX") == 0)
			f->special = BE_SPECIAL_INBOX;
		else if (l->attrs & IMAP_MBX_SENT)
			f->special = BE_SPECIAL_SENT;
		else if (l->attrs & IMAP_MBX_DRAFTS)
			f->special = BE_SPECIAL_DRAFTS;
		else if (l->attrs & IMAP_MBX_TRASH)
			f->special = BE_SPECIAL_TRASH;
		else if (l->attrs & IMAP_MBX_JUNK)
			f->special = BE_SPECIAL_JUNK;
		else if (l->attrs & IMAP_MBX_ARCHIVE)
			f->special = BE_SPECIAL_ARCHIVE;
		else if (l->attrs & IMAP_MBX_ALL)
			f->special = BE_SPECIAL_ALL;
		else if (l->attrs & IMAP_MBX_FLAGGED)
			f->special = BE_SPECIAL_FLAGGED;
		g_ptr_array_add(c->folders, f);
	} else if (r->kind == IMAP_RESP_MAILBOX_STATUS) {
		const struct imap_mailbox_status *st = &r->u.mbstatus;

		cnt = g_new0(int64_t, 2);
		cnt[0] = (st->present & IMAP_STATUS_MESSAGES)
		    ? (int64_t)st->messages
		    : -1;
		cnt[1] = (st->present & IMAP_STATUS_UNSEEN)
		    ? (int64_t)st->unseen
		    : -1;
		g_hash_table_replace(c->counts,
		    g_strdup(st->name_utf8 ? st->name_utf8 : st->name), cnt);
	}
}

/* Free a be_folder from the list. */
static void
ib_folder_free(gpointer p)
{
	struct be_folder *f = p;

	free((char *)f->name);
	free(f);
}

/* Order folders: the Inbox first, then by name. */
static int
ib_folder_cmp(gconstpointer a, gconstpointer b)
{
	const struct be_folder *fa = *(struct be_folder *const *)a;
	const struct be_folder *fb = *(struct be_folder *const *)b;

	if ((fa->special == BE_SPECIAL_INBOX) !=
	    (fb->special == BE_SPECIAL_INBOX))
		return fa->special == BE_SPECIAL_INBOX ? -1 : 1;
	return strcmp(fa->name, fb->name);
}

/* The LIST ended: counts joined in, folders handed over. */
static void
ib_list_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	struct be_folder *v;
	guint i;
	char *line = NULL;

	g_ptr_array_sort(c->folders, ib_folder_cmp);
	v = xcalloc(c->folders->len + 1, sizeof *v);
	for (i = 0; i < c->folders->len; i++) {
		struct be_folder *f = c->folders->pdata[i];
		int64_t *cnt = g_hash_table_lookup(c->counts, f->name);

		v[i] = *f;
		if (cnt != NULL) {
			v[i].total = cnt[0];
			v[i].unseen = cnt[1];
		}
	}
	if (res != IMAP_OK)
		line = ib_msg(res, tagged, msg);
	c->folders_cb(ib_status(res), line, res == IMAP_OK ? v : NULL,
	    res == IMAP_OK ? c->folders->len : 0, c->arg);
	free(line);
	free(v);
	g_ptr_array_free(c->folders, TRUE);
	g_hash_table_destroy(c->counts);
	free(c);
}

/* List folders with counts. */
static void
ib_list_folders(struct backend *be, be_folders_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;
	struct ib_wait *w = xcalloc(1, sizeof *w);
	struct ib_cmd *c;

	w->kind = 0;
	w->folders_cb = cb;
	w->arg = arg;
	if (ib_wait_for_session(ib, w))
		return;
	c = ib_cmd_new(ib, arg);
	c->folders_cb = cb;
	c->folders = g_ptr_array_new_with_free_func(ib_folder_free);
	c->counts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (imap_list(ib->s, ib_list_data_cb, ib_list_done_cb, c) == -1) {
		g_ptr_array_free(c->folders, TRUE);
		g_hash_table_destroy(c->counts);
		free(c);
		ib_later(ib, (struct ib_later){ .folders = cb, .arg = arg },
		    BE_LOCAL, "cannot send LIST");
	}
}

/* ------------------------------------------------------ open folder */

/* Free an open in progress. */
static void
ib_open_free(struct ib_open *op)
{
	guint i;

	if (op->ev != NULL)
		event_free(op->ev);
	g_array_free(op->vanished, TRUE);
	g_array_free(op->server, TRUE);
	g_array_free(op->fetch, TRUE);
	for (i = 0; i < op->batch->len; i++)
		summary_clear(&g_array_index(op->batch, struct summary, i));
	g_array_free(op->batch, TRUE);
	free(op);
}

/* End an open: report, forget. */
static void
ib_open_end(struct ib_open *op, enum be_status st, const char *msg)
{
	struct ib *ib = op->ib;

	if (ib->open == op)
		ib->open = NULL;
	op->cbs.done(st, msg, op->cbs.arg);
	ib_open_free(op);
	if (st == BE_OK && ib->s != NULL)
		ib_fetch_new(ib); /* anything that came meanwhile */
}

/*
 * A command of an open ended: 1 if the open was canceled meanwhile (it
 * is then freed and the caller must stop).
 */
static int
ib_open_gone(struct ib_open *op)
{
	op->in_cmd = 0;
	if (!op->canceled)
		return 0;
	ib_open_free(op);
	return 1;
}

/* Send a command for an open (it is then in flight). */
static int
ib_open_command(struct ib_open *op, imap_data_cb data, imap_done_cb done,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = imap_vcommand(op->ib->s, data, done, op, fmt, ap);
	va_end(ap);
	if (rc == 0)
		op->in_cmd = 1;
	return rc;
}

/* SELECT's untagged data: codes, EXISTS, VANISHED (EARLIER), FETCH. */
static void
ib_select_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_open *op = arg;
	size_t i;
	uint32_t j;

	if (op->canceled)
		return;
	switch (r->kind) {
	case IMAP_RESP_STATUS:
		if (r->code.kind == IMAP_CODE_UIDVALIDITY)
			op->uidvalidity = r->code.num;
		else if (r->code.kind == IMAP_CODE_UIDNEXT)
			op->uidnext = r->code.num;
		else if (r->code.kind == IMAP_CODE_HIGHESTMODSEQ)
			op->modseq = r->code.modseq;
		break;
	case IMAP_RESP_VANISHED:
		for (i = 0; i < r->u.vanished.uids.n; i++) {
			struct imap_range rg = r->u.vanished.uids.v[i];

			if (rg.last == IMAP_STAR)
				rg.last = rg.first;
			for (j = rg.first;
			     j <= rg.last && op->vanished->len < 10000000; j++)
				g_array_append_val(op->vanished, j);
			if (j == 0) /* wrapped at UINT32_MAX */
				break;
		}
		break;
	case IMAP_RESP_FETCH:
		if ((r->u.fetch.present & IMAP_FETCH_UID) &&
		    (r->u.fetch.present & IMAP_FETCH_FLAGS) &&
		    op->ib->store != NULL && op->ib->fid != 0) {
			char *err = NULL;

			if (store_set_flags(op->ib->store, op->ib->fid,
				r->u.fetch.uid, ib_flags(&r->u.fetch.flags),
				r->u.fetch.modseq, &err) == -1) {
				log_warn("%s", err);
				free(err);
			}
		}
		break;
	default: break;
	}
}

/* UID SEARCH ALL's answer: every uid of the folder. */
static void
ib_search_all_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_open *op = arg;
	size_t i;
	uint32_t j;

	if (op->canceled)
		return;
	if (r->kind == IMAP_RESP_SEARCH) {
		g_array_append_vals(op->server, r->u.search.v, r->u.search.n);
	} else if (r->kind == IMAP_RESP_ESEARCH) {
		for (i = 0; i < r->u.esearch.all.n; i++) {
			struct imap_range rg = r->u.esearch.all.v[i];

			for (j = rg.first;
			     j <= rg.last && op->server->len < 10000000; j++) {
				g_array_append_val(op->server, j);
				if (j == UINT32_MAX)
					break;
			}
		}
	}
}

/* Deliver the collected batch. */
static void
ib_open_flush(struct ib_open *op)
{
	struct summary *v = (struct summary *)(void *)op->batch->data;
	guint i;

	op->delivered += op->batch->len;
	if (op->batch->len > 0 && op->cbs.batch != NULL)
		op->cbs.batch(
		    v, op->batch->len, op->delivered, op->total, op->cbs.arg);
	for (i = 0; i < op->batch->len; i++)
		summary_clear(&v[i]);
	g_array_set_size(op->batch, 0);
}

/* A chunk's FETCH answers. */
static void
ib_chunk_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_open *op = arg;
	struct summary sum;

	if (op->canceled || r->kind != IMAP_RESP_FETCH ||
	    ib_summary(&r->u.fetch, &sum) == -1)
		return;
	g_array_append_val(op->batch, sum);
}

/* A chunk ended: cache it, hand it out, fetch the next. */
static void
ib_chunk_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_open *op = arg;
	struct ib *ib = op->ib;
	char *err = NULL, *line;

	if (ib_open_gone(op))
		return;
	if (res != IMAP_OK) {
		line = ib_msg(res, tagged, msg);
		ib_open_end(op, ib_status(res), line);
		free(line);
		return;
	}
	if (ib->store != NULL && ib->fid != 0 && op->batch->len > 0 &&
	    store_put_summaries(ib->store, ib->fid,
		(struct summary *)(void *)op->batch->data, op->batch->len,
		&err) == -1) {
		log_warn("%s: cannot cache summaries: %s", ib->name, err);
		free(err);
	}
	ib_open_flush(op);
	ib_fetch_next(op);
}

/* Fetch the next chunk of uncached summaries, or finish. */
static void
ib_fetch_next(struct ib_open *op)
{
	struct ib *ib = op->ib;
	size_t n = op->fetch->len - op->fetched;
	struct store_folder f;
	char *set, *err = NULL;

	if (n == 0) {
		if (ib->store != NULL && ib->fid != 0 &&
		    store_folder_get(ib->store, ib->fid, &f, &err) == 1) {
			f.uidnext = op->uidnext;
			f.highestmodseq = op->modseq;
			f.total = op->server->len;
			if (store_folder_update(ib->store, &f, &err) == -1) {
				log_warn("%s: %s", ib->name, err);
				free(err);
			}
			store_folder_clear(&f);
		} else
			free(err);
		ib_open_end(op, BE_OK, NULL);
		return;
	}
	if (n > IB_CHUNK)
		n = IB_CHUNK;
	set = imap_backend_uidset(
	    &g_array_index(op->fetch, uint32_t, op->fetched), n);
	op->fetched += n;
	if (ib_open_command(op, ib_chunk_data_cb, ib_chunk_done_cb,
		"UID FETCH %S " IB_FIELDS, set) == -1)
		ib_open_end(op, BE_LOCAL, "cannot send UID FETCH");
	free(set);
}

/* One slice of cached summaries, then the fetches. */
static int
ib_cached_cb(struct summary *arr, size_t n, void *ctx)
{
	struct ib_open *op = ctx;

	op->below = arr[n - 1].uid;
	op->delivered += n;
	if (op->cbs.batch != NULL)
		op->cbs.batch(arr, n, op->delivered, op->total, op->cbs.arg);
	return 1;
}

/* Deliver the cache in slices (a turn each), then fetch the rest. */
static void
ib_cache_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ib_open *op = arg;
	struct ib *ib = op->ib;
	char *err = NULL;
	int rc;

	rc = store_load_summaries(
	    ib->store, ib->fid, op->below, 2000, ib_cached_cb, op, &err);
	if (rc == 1) {
		event_active(op->ev, EV_TIMEOUT, 1);
		return;
	}
	if (rc == -1) {
		log_warn("%s: %s", ib->name, err);
		free(err);
	}
	ib_fetch_next(op);
}

/* The SEARCH ALL ended: work out what to fetch and what is gone. */
static void
ib_search_all_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_open *op = arg;
	struct ib *ib = op->ib;
	uint32_t *cached = NULL, *sv;
	size_t ncached = 0, i, k;
	GArray *stale;
	char *err = NULL, *line;

	if (ib_open_gone(op))
		return;
	if (res != IMAP_OK) {
		line = ib_msg(res, tagged, msg);
		ib_open_end(op, ib_status(res), line);
		free(line);
		return;
	}
	g_array_sort(op->server, ib_u32_cmp);
	g_array_set_size(ib->seq, 0);
	g_array_append_vals(ib->seq, op->server->data, op->server->len);
	sv = (uint32_t *)(void *)op->server->data;
	if (ib->store != NULL && ib->fid != 0)
		store_summary_uids(ib->store, ib->fid, &cached, &ncached, &err);
	free(err);
	err = NULL;
	/* Cached but not on the server: gone.  On the server but not
	   cached: to fetch, newest first. */
	stale = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (i = 0; i < ncached; i++)
		if (op->server->len == 0 ||
		    bsearch(&cached[i], sv, op->server->len, sizeof *sv,
			ib_u32_cmp) == NULL)
			g_array_append_val(stale, cached[i]);
	if (stale->len > 0 &&
	    store_remove_uids(ib->store, ib->fid,
		(uint32_t *)(void *)stale->data, stale->len, &err) == -1) {
		log_warn("%s: %s", ib->name, err);
		free(err);
	}
	g_array_free(stale, TRUE);
	for (k = op->server->len; k > 0; k--)
		if (ncached == 0 ||
		    bsearch(&sv[k - 1], cached, ncached, sizeof *cached,
			ib_u32_cmp) == NULL)
			g_array_append_val(op->fetch, sv[k - 1]);
	free(cached);
	op->total = op->server->len;
	if (op->cbs.state != NULL) {
		struct be_folder_state st = { op->uidvalidity, op->uidnext,
			op->modseq, op->total, 0 };

		op->cbs.state(&st, op->cbs.arg);
	}
	if (ib->store != NULL && ib->fid != 0 &&
	    op->fetch->len < op->server->len) {
		op->ev = event_new(ib->base, -1, 0, ib_cache_slice_cb, op);
		event_priority_set(op->ev, 1);
		event_active(op->ev, EV_TIMEOUT, 1);
		return;
	}
	ib_fetch_next(op);
}

/* A replayed flag change was answered: it is done either way. */
static void
ib_replay_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	char *err = NULL;

	if (res != IMAP_OK && res != IMAP_NO && res != IMAP_BAD)
		c->worst = BE_CANCELED; /* not answered: keep it pending */
	else if (res != IMAP_OK)
		log_warn("%s: a kept flag change failed: %s", c->ib->name,
		    msg ? msg : imap_result_name(res));
	if (--c->pending_parts > 0)
		return;
	if (c->worst == BE_OK && c->generation == c->ib->generation &&
	    c->ib->store != NULL &&
	    store_pending_drop(c->ib->store, c->ib->fid, c->uid, &err) == -1)
		free(err);
	free(c);
}

/* Replay flag changes that never reached the server. */
static int
ib_replay_cb(const struct store_pending *p, void *ctx)
{
	struct ib *ib = ctx;
	struct ib_cmd *c = ib_cmd_new(ib, NULL);

	c->uid = p->uid;
	c->pending_parts = (p->add != 0) + (p->remove != 0);
	if (p->add != 0 &&
	    imap_command(ib->s, NULL, ib_replay_done_cb, c,
		"UID STORE %u +FLAGS.SILENT %F", p->uid,
		ib_imap_bits(p->add)) == -1)
		c->pending_parts--;
	if (p->remove != 0 &&
	    imap_command(ib->s, NULL, ib_replay_done_cb, c,
		"UID STORE %u -FLAGS.SILENT %F", p->uid,
		ib_imap_bits(p->remove)) == -1)
		c->pending_parts--;
	if (c->pending_parts == 0)
		free(c);
	return 0;
}

/* SELECT answered. */
static void
ib_select_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_open *op = arg;
	struct ib *ib = op->ib;
	struct store_folder f;
	char *err = NULL, *line;

	if (ib_open_gone(op))
		return;
	if (res != IMAP_OK) {
		line = ib_msg(res, tagged, msg);
		if (res == IMAP_NO || res == IMAP_BAD) {
			free(ib->folder);
			ib->folder = NULL;
		}
		ib_open_end(
		    op, res == IMAP_NO ? BE_NOT_FOUND : ib_status(res), line);
		free(line);
		return;
	}
	ib->uidnext = op->uidnext;
	if (ib->store != NULL && ib->fid != 0 &&
	    store_folder_get(ib->store, ib->fid, &f, &err) == 1) {
		if (f.uidvalidity != op->uidvalidity) {
			/* A new UIDVALIDITY: the cache means nothing now. */
			if (f.uidvalidity != 0)
				log_info("%s: %s has a new UIDVALIDITY; "
					 "dropping its cache",
				    ib->name, ib->folder);
			store_folder_set_uidvalidity(
			    ib->store, ib->fid, op->uidvalidity, &err);
			free(err);
			err = NULL;
		} else if (op->vanished->len > 0) {
			store_remove_uids(ib->store, ib->fid,
			    (uint32_t *)(void *)op->vanished->data,
			    op->vanished->len, &err);
			free(err);
			err = NULL;
		}
		store_folder_clear(&f);
		store_pending_list(ib->store, ib->fid, ib_replay_cb, ib, &err);
	}
	free(err);
	if (ib_open_command(op, ib_search_all_data_cb, ib_search_all_done_cb,
		imap_has_cap(ib->s, "ESEARCH") ? "UID SEARCH RETURN (ALL) ALL"
					       : "UID SEARCH ALL") == -1)
		ib_open_end(op, BE_LOCAL, "cannot send UID SEARCH");
}

/* Select a folder and read it (see the top of the file). */
static void
ib_open_folder(
    struct backend *be, const char *folder, const struct be_open_cbs *cbs)
{
	struct ib *ib = (struct ib *)be;
	struct ib_wait *w = xcalloc(1, sizeof *w);
	struct ib_open *op;
	struct store_folder f = { 0 };
	uint32_t uidvalidity = 0;
	uint64_t modseq = 0;
	char *err = NULL;

	w->kind = 1;
	w->folder = xstrdup(folder);
	w->cbs = *cbs;
	if (ib_wait_for_session(ib, w))
		return;
	if (ib->open != NULL) { /* a newer open replaces the old one */
		struct ib_open *old = ib->open;

		ib->open = NULL;
		old->cbs.done(BE_CANCELED, "canceled", old->cbs.arg);
		if (old->in_cmd)
			old->canceled = 1; /* freed when it ends */
		else
			ib_open_free(old);
	}
	ib->generation++;
	free(ib->folder);
	ib->folder = xstrdup(folder);
	ib->fid = 0;
	g_array_set_size(ib->seq, 0);
	if (ib->store != NULL &&
	    store_folder_get_or_create(ib->store, folder, &ib->fid, &err) ==
		0 &&
	    store_folder_get(ib->store, ib->fid, &f, &err) == 1) {
		uidvalidity = f.uidvalidity;
		modseq = f.highestmodseq;
		store_folder_clear(&f);
	}
	free(err);
	op = xcalloc(1, sizeof *op);
	op->ib = ib;
	op->generation = ib->generation;
	op->cbs = *cbs;
	op->vanished = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	op->server = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	op->fetch = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	op->batch = g_array_new(FALSE, FALSE, sizeof(struct summary));
	op->qresync = imap_is_enabled(ib->s, "QRESYNC") && uidvalidity != 0 &&
	    modseq != 0;
	ib->open = op;
	if (imap_select(ib->s, folder, 0, op->qresync ? uidvalidity : 0,
		op->qresync ? modseq : 0, ib_select_data_cb, ib_select_done_cb,
		op) == -1)
		ib_open_end(op, BE_LOCAL, "cannot encode that folder name");
	else
		op->in_cmd = 1;
}

/* --------------------------------------------------------- messages */

/* A body's FETCH answer. */
static void
ib_body_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_cmd *c = arg;
	size_t i;

	if (r->kind != IMAP_RESP_FETCH || c->data != NULL)
		return;
	for (i = 0; i < r->u.fetch.nsections; i++) {
		const struct imap_section *sec = &r->u.fetch.sections[i];

		if (sec->data == NULL || *sec->spec != '\0')
			continue;
		c->data = xmalloc(sec->len + 1);
		memcpy(c->data, sec->data, sec->len);
		c->data[sec->len] = '\0';
		c->len = sec->len;
	}
}

/*
 * Put a fetched body's text into the full-text index, so a body search
 * still answers (from what was read) when the server cannot be reached.
 */
static void
ib_index_body(struct ib *ib, uint32_t uid, const char *data, size_t len)
{
	struct summary s = { 0 };
	char *text, *addrs, *err = NULL;

	headers_parse(data, len, &s);
	text = mime_text_content(data, len, IB_FTS_MAX);
	addrs = xasprintf("%s %s %s", s.from ? s.from : "", s.to ? s.to : "",
	    s.cc ? s.cc : "");
	if (store_fts_index(
		ib->store, ib->fid, uid, s.subject, addrs, text, &err) == -1) {
		log_warn("%s: %s", ib->name, err);
		free(err);
	}
	free(addrs);
	free(text);
	summary_clear(&s);
}

/* Where a cached body lives, relative to the cache directory. */
static char *
ib_body_relpath(struct ib *ib, uint32_t uid)
{
	return xasprintf("%s/%lld/%u.eml", ib->name, (long long)ib->fid, uid);
}

/* The body arrived: cache it, hand it over. */
static void
ib_body_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	struct ib *ib = c->ib;
	char *line = NULL, *rel, *path, *dir, *err = NULL;

	if (res == IMAP_OK && c->data == NULL) {
		c->body_cb(BE_NOT_FOUND, "the server has no such message", NULL,
		    0, c->arg);
		free(c);
		return;
	}
	if (res != IMAP_OK) {
		line = ib_msg(res, tagged, msg);
		c->body_cb(ib_status(res), line, NULL, 0, c->arg);
		free(line);
		free(c->data);
		free(c);
		return;
	}
	if (ib->store != NULL && ib->fid != 0 && ib->cache_dir != NULL &&
	    c->generation == ib->generation) {
		rel = ib_body_relpath(ib, c->uid);
		path = xasprintf("%s/%s", ib->cache_dir, rel);
		dir = g_path_get_dirname(path);
		if (paths_mkdir_p(dir, 0700, &err) == 0 &&
		    g_file_set_contents(path, c->data, c->len, NULL))
			store_body_put(
			    ib->store, ib->fid, c->uid, rel, c->len, &err);
		free(err);
		ib_index_body(ib, c->uid, c->data, c->len);
		g_free(dir);
		free(path);
		free(rel);
	}
	c->body_cb(BE_OK, NULL, c->data, c->len, c->arg);
	free(c->data);
	free(c);
}

/* Hand over a cached body on the next turn. */
static void
ib_cached_body_cb(void *arg)
{
	struct ib_cmd *c = arg;

	c->body_cb(BE_OK, NULL, c->data, c->len, c->arg);
	free(c->data);
	free(c);
}

/* A message's bytes: from the cache, else from the server. */
static void
ib_fetch_body(struct backend *be, uint32_t uid, be_body_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;
	struct ib_cmd *c = ib_cmd_new(ib, arg);
	struct store_body sb;
	char *err = NULL, *path;
	gchar *data;
	gsize len;

	c->body_cb = cb;
	c->uid = uid;
	if (ib->store != NULL && ib->fid != 0 && ib->cache_dir != NULL &&
	    store_body_get(ib->store, ib->fid, uid, &sb, &err) == 1) {
		path = xasprintf("%s/%s", ib->cache_dir, sb.path);
		if (g_file_get_contents(path, &data, &len, NULL)) {
			c->data = xmalloc(len + 1);
			memcpy(c->data, data, len);
			c->data[len] = '\0';
			c->len = len;
			g_free(data);
			free(path);
			store_body_clear(&sb);
			backend_defer(ib->base, ib_cached_body_cb, c);
			return;
		}
		free(path);
		store_body_clear(&sb);
	}
	free(err);
	if (ib->s == NULL || !ib->ready || ib->folder == NULL) {
		free(c);
		ib_connect(ib);
		ib_later(ib, (struct ib_later){ .body = cb, .arg = arg },
		    BE_CONNECTION, "not connected (trying again)");
		return;
	}
	if (imap_command(ib->s, ib_body_data_cb, ib_body_done_cb, c,
		"UID FETCH %u (BODY.PEEK[])", uid) == -1) {
		free(c);
		ib_later(ib, (struct ib_later){ .body = cb, .arg = arg },
		    BE_LOCAL, "cannot send UID FETCH");
	}
}

/* One half (add or remove) of a flag change ended. */
static void
ib_store_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	struct ib *ib = c->ib;
	char *err = NULL;
	guint i;

	if (res != IMAP_OK && c->worst == BE_OK) {
		c->worst = ib_status(res);
		c->worst_msg = ib_msg(res, tagged, msg);
	}
	if (--c->pending_parts > 0)
		return;
	/* OK: acknowledged.  NO/BAD: the server will not, drop them.  A
	   lost connection keeps them pending for the next SELECT. */
	if (ib->store != NULL && ib->fid != 0 &&
	    c->generation == ib->generation &&
	    (c->worst == BE_OK || c->worst == BE_NO || c->worst == BE_BAD))
		for (i = 0; i < c->uids->len; i++)
			store_pending_drop(ib->store, ib->fid,
			    g_array_index(c->uids, uint32_t, i), &err);
	free(err);
	c->done(c->worst, c->worst_msg, c->arg);
	free(c->worst_msg);
	g_array_free(c->uids, TRUE);
	free(c);
}

/* Add and remove flags: pending in the store, then UID STORE. */
static void
ib_set_flags(struct backend *be, const uint32_t *uids, size_t n, uint32_t add,
    uint32_t remove, be_done_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;
	struct ib_cmd *c;
	char *set, *err = NULL;
	size_t i;

	add &= ~MSG_RECENT;
	remove &= ~MSG_RECENT;
	if (ib->store != NULL && ib->fid != 0)
		for (i = 0; i < n; i++)
			if (store_pending_add(ib->store, ib->fid, uids[i], add,
				remove, &err) == -1) {
				log_warn("%s: %s", ib->name, err);
				free(err);
				err = NULL;
			}
	if (ib->s == NULL || !ib->ready || ib->folder == NULL) {
		ib_connect(ib);
		ib_later(ib, (struct ib_later){ .done = cb, .arg = arg },
		    BE_CONNECTION,
		    "not connected: the change is kept and sent when tern "
		    "reconnects");
		return;
	}
	c = ib_cmd_new(ib, arg);
	c->done = cb;
	c->uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_array_append_vals(c->uids, uids, n);
	set = imap_backend_uidset(uids, n);
	if (add != 0 &&
	    imap_command(ib->s, NULL, ib_store_done_cb, c,
		"UID STORE %S +FLAGS.SILENT %F", set, ib_imap_bits(add)) == 0)
		c->pending_parts++;
	if (remove != 0 &&
	    imap_command(ib->s, NULL, ib_store_done_cb, c,
		"UID STORE %S -FLAGS.SILENT %F", set,
		ib_imap_bits(remove)) == 0)
		c->pending_parts++;
	free(set);
	if (c->pending_parts == 0) {
		g_array_free(c->uids, TRUE);
		free(c);
		ib_later(ib, (struct ib_later){ .done = cb, .arg = arg },
		    add || remove ? BE_LOCAL : BE_OK,
		    add || remove ? "cannot send UID STORE" : NULL);
	}
}

/* Copy or move messages to another folder. */
static void
ib_copy(struct backend *be, const uint32_t *uids, size_t n, const char *dest,
    int move, be_done_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;
	struct ib_cmd *c;
	char *set = imap_backend_uidset(uids, n);

	if (move) {
		if (ib->s == NULL || !ib->ready) {
			ib_connect(ib);
			ib_later(ib,
			    (struct ib_later){ .done = cb, .arg = arg },
			    BE_CONNECTION, "not connected (trying again)");
		} else {
			c = ib_cmd_new(ib, arg);
			c->done = cb;
			if (imap_uid_move(
				ib->s, set, dest, ib_plain_done_cb, c) == -1) {
				free(c);
				ib_later(ib,
				    (struct ib_later){ .done = cb, .arg = arg },
				    BE_LOCAL, "cannot encode that move");
			}
		}
	} else
		ib_simple(ib, cb, arg, "UID COPY %S %m", set, dest);
	free(set);
}

/* Remove the messages marked deleted (only ours with UIDPLUS). */
static void
ib_expunge(struct backend *be, be_done_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;

	ib_simple(ib, cb, arg, "EXPUNGE");
}

/* Make a folder. */
static void
ib_create_folder(struct backend *be, const char *name, be_done_cb cb, void *arg)
{
	ib_simple((struct ib *)be, cb, arg, "CREATE %m", name);
}

/* Rename a folder. */
static void
ib_rename_folder(struct backend *be, const char *from, const char *to,
    be_done_cb cb, void *arg)
{
	ib_simple((struct ib *)be, cb, arg, "RENAME %m %m", from, to);
}

/* Delete a folder. */
static void
ib_delete_folder(struct backend *be, const char *name, be_done_cb cb, void *arg)
{
	ib_simple((struct ib *)be, cb, arg, "DELETE %m", name);
}

/* SEARCH answers. */
static void
ib_search_data_cb(struct imap *s, const struct imap_response *r, void *arg)
{
	struct ib_cmd *c = arg;
	size_t i;
	uint32_t j;

	if (r->kind == IMAP_RESP_SEARCH)
		g_array_append_vals(c->uids, r->u.search.v, r->u.search.n);
	else if (r->kind == IMAP_RESP_ESEARCH)
		for (i = 0; i < r->u.esearch.all.n; i++)
			for (j = r->u.esearch.all.v[i].first;
			     j <= r->u.esearch.all.v[i].last &&
			     c->uids->len < 10000000;
			     j++)
				g_array_append_val(c->uids, j);
}

/* The search ended. */
static void
ib_search_done_cb(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct ib_cmd *c = arg;
	char *line = res == IMAP_OK ? NULL : ib_msg(res, tagged, msg);

	c->search_cb(ib_status(res), line, (uint32_t *)(void *)c->uids->data,
	    c->uids->len, c->arg);
	free(line);
	g_array_free(c->uids, TRUE);
	free(c);
}

/* Collect the uids of a full-text search. */
static int
ib_fts_hit_cb(int64_t folder_id, uint32_t uid, void *ctx)
{
	GArray *uids = ctx;

	g_array_append_val(uids, uid);
	return 0;
}

/* Answer a deferred offline search. */
static void
ib_search_offline_cb(void *arg)
{
	struct ib_cmd *c = arg;
	struct ib *ib = c->ib;

	if (ib->be.events != NULL && ib->be.events->alert != NULL)
		ib->be.events->alert("Offline: the body search looked only in "
				     "messages read before",
		    ib->be.events->arg);
	c->search_cb(BE_OK, NULL, (uint32_t *)(void *)c->uids->data,
	    c->uids->len, c->arg);
	g_array_free(c->uids, TRUE);
	free(c);
}

/*
 * Without the server, a body search asks the full-text index of what
 * was read before: an answer from part of the folder is better than
 * none, and the user is told it is one.
 */
static void
ib_search_offline(struct ib *ib, const char *text, be_search_cb cb, void *arg)
{
	struct ib_cmd *c = ib_cmd_new(ib, arg);
	char *err = NULL;

	c->search_cb = cb;
	c->uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	if (store_fts_search(
		ib->store, ib->fid, text, ib_fts_hit_cb, c->uids, &err) == -1) {
		log_warn("%s: %s", ib->name, err);
		free(err);
	}
	backend_defer(ib->base, ib_search_offline_cb, c);
}

/* Search the selected folder's bodies on the server. */
static void
ib_search_body(struct backend *be, const char *text, be_search_cb cb, void *arg)
{
	struct ib *ib = (struct ib *)be;
	struct ib_cmd *c;

	if (ib->s == NULL || !ib->ready || ib->folder == NULL) {
		ib_connect(ib);
		if (ib->store != NULL && ib->fid != 0) {
			ib_search_offline(ib, text, cb, arg);
			return;
		}
		ib_later(ib, (struct ib_later){ .search = cb, .arg = arg },
		    BE_CONNECTION, "not connected (trying again)");
		return;
	}
	c = ib_cmd_new(ib, arg);
	c->search_cb = cb;
	c->uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	if (imap_command(ib->s, ib_search_data_cb, ib_search_done_cb, c,
		"UID SEARCH CHARSET UTF-8 BODY %s", text) == -1) {
		g_array_free(c->uids, TRUE);
		free(c);
		ib_later(ib, (struct ib_later){ .search = cb, .arg = arg },
		    BE_LOCAL, "cannot encode that search");
	}
}

/* The user answered the certificate question. */
static void
ib_cert_answer(struct backend *be, enum be_cert_answer answer)
{
	struct ib *ib = (struct ib *)be;

	if (ib->s == NULL)
		return;
	imap_cert_answer(ib->s,
	    answer == BE_CERT_ALWAYS	 ? TRANSPORT_CERT_ACCEPT_ALWAYS
		: answer == BE_CERT_ONCE ? TRANSPORT_CERT_ACCEPT_ONCE
					 : TRANSPORT_CERT_REJECT);
}

/* Cancel everything and free. */
static void
ib_close(struct backend *be)
{
	struct ib *ib = (struct ib *)be;
	struct imap *s = ib->s;

	ib->closing = 1;
	secret_cancel(ib->secret);
	ib->secret = NULL;
	ib_fail_waiting(ib, BE_CANCELED, "canceled");
	ib->s = NULL;
	if (s != NULL)
		imap_free(s); /* pending commands get IMAP_CANCELED */
	if (ib->open != NULL) {
		struct ib_open *op = ib->open;

		ib->open = NULL;
		op->cbs.done(BE_CANCELED, "canceled", op->cbs.arg);
		ib_open_free(op);
	}
	if (ib->password != NULL) {
		secret_wipe(ib->password);
		free(ib->password);
	}
	g_array_free(ib->seq, TRUE);
	free(ib->folder);
	free(ib->name);
	free(ib->cache_dir);
	free(ib->pin_file);
	free(ib);
}

static const struct backend_ops ib_ops = {
	.name = "imap",
	.list_folders = ib_list_folders,
	.open_folder = ib_open_folder,
	.fetch_body = ib_fetch_body,
	.set_flags = ib_set_flags,
	.copy = ib_copy,
	.expunge = ib_expunge,
	.create_folder = ib_create_folder,
	.rename_folder = ib_rename_folder,
	.delete_folder = ib_delete_folder,
	.search_body = ib_search_body,
	.close = ib_close,
	.cert_answer = ib_cert_answer,
	.password_answer = ib_password_answer,
};

/* The IMAP backend for an account; it connects at the first operation. */
struct backend *
imap_backend_new(struct event_base *base, const struct account_conf *ac,
    const struct be_events *events, struct store *store, const char *cache_dir,
    const char *pin_file, char **err)
{
	struct ib *ib;

	if (ac->type != ACCOUNT_IMAP) {
		*err = xasprintf("%s is not an IMAP account", ac->name);
		return NULL;
	}
	ib = xcalloc(1, sizeof *ib);
	ib->be.ops = &ib_ops;
	ib->be.base = base;
	ib->be.events = events;
	ib->base = base;
	ib->ac = ac;
	ib->name = xstrdup(ac->name);
	ib->store = store;
	ib->cache_dir = cache_dir ? xstrdup(cache_dir) : NULL;
	ib->pin_file = pin_file ? xstrdup(pin_file) : NULL;
	ib->seq = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	return &ib->be;
}
