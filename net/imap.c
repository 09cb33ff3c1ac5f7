/*
 * imap.c - one IMAP4 session: connection set-up (greeting, STARTTLS,
 * login, ENABLE, COMPRESS), the command queue and pipeline, literals,
 * SASL, IDLE, and the attribution of untagged data to commands.
 *
 * Commands are built from a format into segments (text, strings, mailbox
 * names, literals) when they are queued, so every argument is checked at
 * once; they are turned into bytes only when sent, because whether a
 * string goes quoted or as a literal, whether a literal may be
 * non-synchronizing and how a mailbox name is spelled depend on
 * capabilities that may not be known yet.
 *
 * Three queues: the session's own commands (set-up, IDLE, LOGOUT), the
 * caller's, and those in flight.  The caller's go out, strictly in order,
 * only once the session is ready and while the pipeline has room and the
 * head of the queue does not claim the same kind of untagged data as a
 * command in flight (see imap_cmd_conflicts()).  A command with a
 * synchronizing literal stops everything behind it until the server's "+".
 *
 * Input is fed to the parser one line at a time, because two answers
 * change what the bytes after them mean: after the OK to STARTTLS they
 * are plaintext injected before the handshake (the transport discards
 * them), after the OK to COMPRESS they are deflated (the transport
 * inflates them).  Reading stops right after such an OK.
 *
 * Any callback may free the session: entry points from the loop run
 * between imap_enter() and imap_leave(), a free inside them releases
 * everything but the struct, and code after a callback checks s->freed.
 * Failures and completions that are not the answer to something the
 * server just said are reported from one deferred event, so nothing fires
 * inside a call the caller made.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include "imap.h"
#include "imap_parse.h"
#include "imap_utf7.h"
#include "xmalloc.h"
#include "sasl.h"
#include "transport.h"

#define IMAP_DEFAULT_IN_FLIGHT 16u
#define IMAP_DEFAULT_IDLE_RESTART (28u * 60u)
#define IMAP_MAX_IDLE_RESTART (29u * 60u - 1u)
/* Longest string sent quoted; longer ones go as literals. */
#define IMAP_MAX_QUOTED 1024u
/* LITERAL- allows non-synchronizing literals up to this size. */
#define IMAP_LITERAL_MINUS_MAX 4096u
/* Longest line given to the trace callback, and server text in messages. */
#define IMAP_TRACE_MAX 300u
#define IMAP_TEXT_MAX 300u

/* Deferred work (s->pending). */
#define DF_COMPLETE 0x01u /* finish the commands in s->finished */
#define DF_DEATH 0x02u /* the session ended: finish everything, closed() */
#define DF_IDLE 0x04u /* maybe start IDLE */

/* Kinds of untagged data a command claims (struct imap_cmd.claims). */
#define CL_CAPS 0x0001u
#define CL_LIST 0x0002u
#define CL_LSUB 0x0004u
#define CL_MBSTATUS 0x0008u
#define CL_SEARCH 0x0010u /* SEARCH, SORT, ESEARCH */
#define CL_FETCH 0x0020u
#define CL_ENABLED 0x0040u
#define CL_ID 0x0080u
#define CL_NS 0x0100u
#define CL_VANISHED 0x0200u /* VANISHED (EARLIER) */
#define CL_STATUS 0x0400u /* untagged OK/NO/BAD (codes) */
#define CL_MAILBOX 0x0800u /* FLAGS, EXISTS, RECENT */
#define CL_UNKNOWN 0x1000u /* responses the parser does not know */

/* Command flags (struct imap_cmd.flags). */
#define CF_BARRIER 0x01u /* goes alone: nothing else in flight */
#define CF_INTERNAL 0x02u /* the session's own */
#define CF_UIDSET 0x04u /* FETCH data is matched by the UID set */
#define CF_FETCH_ANY 0x08u /* takes every FETCH (SELECT, FETCH by seq) */
#define CF_SELECT 0x10u /* SELECT or EXAMINE */
#define CF_DESELECT 0x20u /* UNSELECT or CLOSE */
#define CF_STATUS 0x40u /* STATUS: data matched by mailbox name */
#define CF_LOGOUT 0x80u

enum seg_kind {
	SEG_TEXT, /* sent as it is */
	SEG_STRING, /* quoted, or a literal */
	SEG_MAILBOX, /* UTF-8 name: modified UTF-7 or UTF-8, then a string */
	SEG_LITERAL, /* always a literal */
};

/* One piece of a command, and once resolved, how it goes on the wire. */
struct imap_seg {
	enum seg_kind kind;
	char *data; /* owned */
	size_t len;
	char *utf7; /* SEG_MAILBOX: the modified UTF-7 spelling */
	int secret; /* wipe when freed, never traced */
	/* Resolved when the command is first sent: */
	char *head; /* owned: quoted string, or the literal's "{n}\r\n" */
	size_t headlen;
	const char *body; /* a literal's bytes (points into data) */
	size_t bodylen;
	int sync; /* wait for "+" between head and body */
};

struct imap_cmd;
typedef void (*imap_cont_fn)(
    struct imap *s, struct imap_cmd *c, const struct imap_response *r);

struct imap_cmd {
	struct imap_cmd *next;
	char tag[16];
	char name[32]; /* "UID FETCH", for messages */
	unsigned claims; /* CL_* */
	unsigned flags; /* CF_* */
	struct imap_range *uids; /* CF_UIDSET: sorted, merged; last may be
				    UINT32_MAX for "*" */
	size_t nuids;
	int star; /* the set has "*" */
	char *mbox; /* first mailbox argument, as given (UTF-8) */
	char *mbox_utf7; /* and as modified UTF-7, when it differs */

	struct imap_seg *segs;
	size_t nsegs, segcap;
	int resolved;
	size_t cur; /* next segment to send */
	int head_sent; /* cur's head is out, its body waits for "+" */
	char *trace; /* the command as traced, or NULL */

	imap_data_cb data;
	imap_done_cb done;
	void *arg;
	imap_cont_fn cont; /* "+" handler (AUTHENTICATE, IDLE) */

	/* A command finished outside the server's answer (s->finished). */
	enum imap_result result;
	char *msg;
};

struct imap_cmdq {
	struct imap_cmd *head, *tail;
};

/* The caller's UID MOVE, natively or as COPY + STORE + EXPUNGE. */
struct imap_move {
	char *uidset;
	char *mailbox;
	imap_done_cb done;
	void *arg;
	struct imap_response *copied; /* COPYUID: the COPY's tagged OK, or
					 MOVE's untagged OK */
};

struct imap {
	struct event_base *base;
	struct imap_events ev;
	void *arg;

	/* The configuration, copied. */
	char *user;
	char *password;
	char *token;
	char **mechs; /* NULL-terminated, or NULL for the default */
	int want_compress;
	int want_idle;
	unsigned idle_restart_s;
	unsigned max_in_flight;
	int idle_timeout_ms;
	enum transport_mode mode;
	char *host;
	unsigned port;
	char *id_name;
	char *id_version;
	char **ignore; /* NULL-terminated */
	struct imap_limits limits;

	struct transport *t;
	struct imap_parser *p;
	struct transport_tls_info tls;

	/* How far set-up has come. */
	int connect_called;
	int greeted;
	int starttls_sent; /* STARTTLS in flight, or its handshake */
	int authenticated;
	int post_sent; /* ID, ENABLE, NAMESPACE queued */
	int compress_sent;
	int ready;
	int logging_out;
	int switched; /* STARTTLS or COMPRESS began: stop reading */

	/* The end. */
	int dead;
	enum imap_result why;
	char *why_msg;
	int closed_sent;
	int freed;
	int depth;

	/* What the server offers and what is on. */
	char **caps; /* NULL-terminated, upper case */
	char *caps_text; /* space separated, as sent */
	unsigned caps_gen;
	unsigned auth_caps_gen;
	char **enabled; /* NULL-terminated, upper case */
	int rev2;
	int utf8;
	int ns_known;
	char *ns_prefix;
	char ns_delim;
	const char *mech_used;
	char *selected;

	/* Commands. */
	struct imap_cmdq sysq, userq, inflight, finished;
	unsigned ninflight;
	struct imap_cmd *cont_cmd; /* the one the next "+" is for */
	unsigned tagno;

	/* IDLE. */
	struct imap_cmd *idle_cmd;
	int idle_plus; /* the server said "+": idling */
	int idle_done_sent;
	int idle_broken; /* the server refused IDLE: do not retry */
	struct event *ev_idle;

	/* Authentication. */
	struct sasl *sasl;
	char *auth_err;

	struct event *ev_defer;
	unsigned pending;
	int cur_timeout;

	/* The response being dispatched, for handlers that keep it. */
	struct imap_response *cur;
	int cur_taken;

	/* The line being received, for the trace. */
	char tline[IMAP_TRACE_MAX + 1];
	size_t tlen;
	int tcut;
};

/* Capabilities IMAP4rev2 (RFC 9051) includes without listing them. */
static const char *const imap_rev2_caps[] = { "ENABLE", "IDLE", "LITERAL-",
	"NAMESPACE", "UNSELECT", "UIDPLUS", "ESEARCH", "SEARCHRES", "SASL-IR",
	"LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "MOVE", "BINARY",
	"STATUS=SIZE", "CHILDREN", NULL };

static void imap_fail(struct imap *s, enum imap_result why, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
static void imap_pump(struct imap *s);
static void imap_setup_next(struct imap *s);
static void imap_schedule(struct imap *s, unsigned what);
static void imap_cmd_free(struct imap_cmd *c);
static int imap_idle_wanted(const struct imap *s);

/* ------------------------------------------------------------ helpers */

/* A copy of server text fit for one readable line: printable ASCII,
 * other bytes as '?', at most max bytes. */
static char *
imap_clean(const char *text, size_t max)
{
	size_t n = strlen(text), i;
	char *out;

	if (n > max)
		n = max;
	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
	return out;
}

/* Free a NULL-terminated array of strings. */
static void
imap_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Is word (any case) in the NULL-terminated array v? */
static int
imap_strv_has(char *const *v, const char *word)
{
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; v[i] != NULL; i++) {
		if (strcasecmp(v[i], word) == 0)
			return 1;
	}
	return 0;
}

/* Split a space separated list into words, upper-cased if upper. */
static char **
imap_split(const char *text, int upper)
{
	char **v = xcalloc(1, sizeof *v), *w;
	size_t n = 0, len, i;

	while (text != NULL && *text != '\0') {
		while (*text == ' ')
			text++;
		len = strcspn(text, " ");
		if (len == 0)
			break;
		w = xstrndup(text, len);
		for (i = 0; upper && i < len; i++)
			w[i] = (char)toupper((unsigned char)w[i]);
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = w;
		v[n] = NULL;
		text += len;
	}
	return v;
}

/* The session's name for messages: "host:port". */
static const char *
imap_peer(const struct imap *s)
{
	return s->t != NULL ? transport_peer(s->t) : s->host;
}

/* Send a line to the trace callback, printable only. */
static void
imap_trace(struct imap *s, char dir, const char *line, size_t len)
{
	char buf[IMAP_TRACE_MAX + 4];
	size_t i, n = len < IMAP_TRACE_MAX ? len : IMAP_TRACE_MAX;

	if (s->ev.trace == NULL || s->freed)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	s->depth++;
	s->ev.trace(s, dir, buf, s->arg);
	s->depth--;
}

/* ------------------------------------------------------- capabilities */

/* Is cap offered (and not ignored)?  IMAP4rev2 brings its own. */
int
imap_has_cap(const struct imap *s, const char *cap)
{
	size_t i;

	if (s == NULL || cap == NULL)
		return 0;
	if (imap_strv_has(s->caps, cap))
		return 1;
	if (imap_strv_has(s->ignore, cap))
		return 0;
	/* A rev2 server's base protocol: once enabled, or when it is the
	 * only protocol offered. */
	if (s->rev2 ||
	    (imap_strv_has(s->caps, "IMAP4rev2") &&
		!imap_strv_has(s->caps, "IMAP4rev1"))) {
		for (i = 0; imap_rev2_caps[i] != NULL; i++) {
			if (strcasecmp(imap_rev2_caps[i], cap) == 0)
				return 1;
		}
	}
	return 0;
}

/* Take a new capability list (untagged CAPABILITY or a code). */
static void
imap_set_caps(struct imap *s, const struct imap_strings *l)
{
	size_t i, j, n = 0, len = 0;
	char **v;

	v = xcalloc(l->n + 1, sizeof *v);
	for (i = 0; i < l->n; i++) {
		if (imap_strv_has(s->ignore, l->v[i]))
			continue;
		v[n] = xstrdup(l->v[i]);
		for (j = 0; v[n][j] != '\0'; j++)
			v[n][j] = (char)toupper((unsigned char)v[n][j]);
		len += strlen(v[n]) + 1;
		n++;
	}
	imap_strv_free(s->caps);
	s->caps = v;
	free(s->caps_text);
	s->caps_text = xmalloc(len + 1);
	s->caps_text[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s->caps_text, " ");
		strcat(s->caps_text, v[i]);
	}
	s->caps_gen++;
}

/* Forget the capabilities (after STARTTLS nothing from before counts). */
static void
imap_clear_caps(struct imap *s)
{
	imap_strv_free(s->caps);
	s->caps = NULL;
	free(s->caps_text);
	s->caps_text = NULL;
}

/* Note extensions the server says are on. */
static void
imap_add_enabled(struct imap *s, const struct imap_strings *l)
{
	size_t i, n = 0, j;

	while (s->enabled != NULL && s->enabled[n] != NULL)
		n++;
	for (i = 0; i < l->n; i++) {
		if (imap_strv_has(s->enabled, l->v[i]))
			continue;
		s->enabled =
		    xreallocarray(s->enabled, n + 2, sizeof *s->enabled);
		s->enabled[n] = xstrdup(l->v[i]);
		for (j = 0; s->enabled[n][j] != '\0'; j++)
			s->enabled[n][j] =
			    (char)toupper((unsigned char)s->enabled[n][j]);
		s->enabled[++n] = NULL;
	}
	if (imap_strv_has(s->enabled, "IMAP4rev2"))
		s->rev2 = 1;
	/* RFC 9051 mailbox names are UTF-8, as after UTF8=ACCEPT. */
	if (imap_strv_has(s->enabled, "UTF8=ACCEPT") || s->rev2) {
		s->utf8 = 1;
		imap_parser_set_utf8(s->p, 1);
	}
}

/* Is ext enabled?  QRESYNC implies CONDSTORE (RFC 7162 3.2.3). */
int
imap_is_enabled(const struct imap *s, const char *ext)
{
	if (s == NULL || ext == NULL)
		return 0;
	if (imap_strv_has(s->enabled, ext))
		return 1;
	return strcasecmp(ext, "CONDSTORE") == 0 &&
	    imap_strv_has(s->enabled, "QRESYNC");
}

/* ------------------------------------------------------ command build */

/* A new command, not queued yet. */
static struct imap_cmd *
imap_cmd_new(imap_data_cb data, imap_done_cb done, void *arg)
{
	struct imap_cmd *c = xcalloc(1, sizeof *c);

	c->data = data;
	c->done = done;
	c->arg = arg;
	return c;
}

/* Add a segment to c. */
static struct imap_seg *
imap_cmd_seg(
    struct imap_cmd *c, enum seg_kind kind, const void *data, size_t len)
{
	struct imap_seg *g;

	if (c->nsegs == c->segcap) {
		c->segcap = c->segcap ? c->segcap * 2 : 8;
		c->segs = xreallocarray(c->segs, c->segcap, sizeof *c->segs);
	}
	g = &c->segs[c->nsegs++];
	memset(g, 0, sizeof *g);
	g->kind = kind;
	g->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(g->data, data, len);
	g->data[len] = '\0';
	g->len = len;
	return g;
}

/* Append text to c, merged with a text segment before it. */
static void
imap_cmd_text(struct imap_cmd *c, const char *text, size_t len)
{
	struct imap_seg *g;

	if (len == 0)
		return;
	if (c->nsegs > 0) {
		g = &c->segs[c->nsegs - 1];
		if (g->kind == SEG_TEXT && !g->secret) {
			g->data = xrealloc(g->data, g->len + len + 1);
			memcpy(g->data + g->len, text, len);
			g->len += len;
			g->data[g->len] = '\0';
			return;
		}
	}
	imap_cmd_seg(c, SEG_TEXT, text, len);
}

/* Append a NUL-terminated text. */
static void
imap_cmd_puts(struct imap_cmd *c, const char *text)
{
	imap_cmd_text(c, text, strlen(text));
}

/* May c be an atom (RFC 3501 ATOM-CHAR)? */
static int
imap_is_atom(const char *a)
{
	const unsigned char *p = (const unsigned char *)a;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return 0;
	}
	return 1;
}

/* A flag: "\Atom" or a keyword atom. */
static int
imap_is_flag(const char *f)
{
	return imap_is_atom(f[0] == '\\' ? f + 1 : f);
}

/* Is len bytes at p valid UTF-8? */
static int
imap_is_utf8(const char *p, size_t len)
{
	return imap_utf7_is_utf8(p, len);
}

/*
 * Parse a sequence set ("1:*", "4,7:9") into sorted, merged UID ranges
 * ("*" is UINT32_MAX).  -1 when it is not a sequence set.
 */
static int
imap_parse_set(
    const char *set, struct imap_range **out, size_t *nout, int *star)
{
	struct imap_range *v = NULL, r, tmp;
	const char *p = set;
	size_t n = 0, i, j;
	uint64_t num[2];
	int k, nums;

	*star = 0;
	if (*p == '\0')
		return -1;
	for (;;) {
		nums = 0;
		for (k = 0; k < 2; k++) {
			if (*p == '*') {
				num[k] = UINT32_MAX;
				*star = 1;
				p++;
			} else if (*p >= '1' && *p <= '9') {
				num[k] = 0;
				while (*p >= '0' && *p <= '9') {
					num[k] = num[k] * 10 +
					    (uint64_t)(*p++ - '0');
					if (num[k] > UINT32_MAX)
						goto bad;
				}
			} else
				goto bad;
			nums++;
			if (k == 0 && *p == ':')
				p++;
			else
				break;
		}
		r.first = (uint32_t)num[0];
		r.last = (uint32_t)(nums == 2 ? num[1] : num[0]);
		if (r.first > r.last) {
			tmp.first = r.last;
			r.last = r.first;
			r.first = tmp.first;
		}
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = r;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	/* Sort (insertion: sets are short or already ordered) and merge. */
	for (i = 1; i < n; i++) {
		tmp = v[i];
		for (j = i; j > 0 && v[j - 1].first > tmp.first; j--)
			v[j] = v[j - 1];
		v[j] = tmp;
	}
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 &&
		    (uint64_t)v[i].first <= (uint64_t)v[j - 1].last + 1) {
			if (v[i].last > v[j - 1].last)
				v[j - 1].last = v[i].last;
		} else
			v[j++] = v[i];
	}
	*out = v;
	*nout = j;
	return 0;
bad:
	free(v);
	return -1;
}

/* Does the command's UID set hold uid? */
static int
imap_cmd_has_uid(const struct imap_cmd *c, uint32_t uid)
{
	size_t lo = 0, hi = c->nuids, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (uid < c->uids[mid].first)
			hi = mid;
		else if (uid > c->uids[mid].last)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Do two commands' UID sets share a UID? */
static int
imap_sets_overlap(const struct imap_cmd *a, const struct imap_cmd *b)
{
	size_t i = 0, j = 0;

	while (i < a->nuids && j < b->nuids) {
		if (a->uids[i].last < b->uids[j].first)
			i++;
		else if (b->uids[j].last < a->uids[i].first)
			j++;
		else
			return 1;
	}
	return 0;
}

/* What each command claims and how it may share the pipeline. */
static const struct {
	const char *name;
	unsigned claims;
	unsigned flags;
} imap_kinds[] = {
	{ "CAPABILITY", CL_CAPS, 0 },
	{ "NAMESPACE", CL_NS, 0 },
	{ "ID", CL_ID, 0 },
	{ "ENABLE", CL_ENABLED, 0 },
	{ "LIST", CL_LIST, 0 },
	{ "LSUB", CL_LSUB, 0 },
	{ "STATUS", CL_MBSTATUS, CF_STATUS },
	{ "SELECT", CL_MAILBOX | CL_FETCH | CL_VANISHED | CL_STATUS | CL_LIST,
	    CF_BARRIER | CF_FETCH_ANY | CF_SELECT },
	{ "EXAMINE", CL_MAILBOX | CL_FETCH | CL_VANISHED | CL_STATUS | CL_LIST,
	    CF_BARRIER | CF_FETCH_ANY | CF_SELECT },
	{ "UNSELECT", 0, CF_BARRIER | CF_DESELECT },
	{ "CLOSE", 0, CF_BARRIER | CF_DESELECT },
	{ "UID FETCH", CL_FETCH, CF_UIDSET },
	{ "UID STORE", CL_FETCH, CF_UIDSET },
	{ "UID SEARCH", CL_SEARCH, 0 },
	{ "UID SORT", CL_SEARCH, 0 },
	{ "UID COPY", 0, 0 },
	{ "UID MOVE", CL_STATUS, 0 },
	{ "UID EXPUNGE", 0, 0 },
	/* Sequence numbers: alone, so no EXPUNGE can shift them. */
	{ "FETCH", CL_FETCH, CF_BARRIER | CF_FETCH_ANY },
	{ "STORE", CL_FETCH, CF_BARRIER | CF_FETCH_ANY },
	{ "SEARCH", CL_SEARCH, CF_BARRIER },
	{ "SORT", CL_SEARCH, CF_BARRIER },
	{ "COPY", 0, CF_BARRIER },
	{ "MOVE", CL_STATUS, CF_BARRIER },
	{ "EXPUNGE", 0, 0 },
	{ "APPEND", 0, 0 },
	{ "CREATE", 0, 0 },
	{ "DELETE", 0, 0 },
	{ "RENAME", 0, 0 },
	{ "SUBSCRIBE", 0, 0 },
	{ "UNSUBSCRIBE", 0, 0 },
	{ "NOOP", 0, 0 },
	{ "CHECK", 0, 0 },
};

/* Commands only the session itself may send. */
static const char *const imap_reserved[] = { "LOGIN", "AUTHENTICATE",
	"STARTTLS", "COMPRESS", "IDLE", "LOGOUT", "DONE", NULL };

/* Name and classify a command from the start of its format. */
static int
imap_cmd_classify(struct imap_cmd *c, const char *fmt, int internal)
{
	size_t n, i, k;
	const char *p = fmt;

	for (k = 0; k < 2; k++) {
		n = 0;
		while (p[n] != '\0' && p[n] != ' ' && p[n] != '%')
			n++;
		if (n == 0 || strlen(c->name) + n + 2 > sizeof c->name)
			break;
		if (k == 1)
			strcat(c->name, " ");
		for (i = 0; i < n; i++) {
			char ch = (char)toupper((unsigned char)p[i]);

			strncat(c->name, &ch, 1);
		}
		p += n;
		if (k == 1 || strcmp(c->name, "UID") != 0 || *p != ' ')
			break;
		p++;
	}
	if (!internal && imap_strv_has((char *const *)imap_reserved, c->name))
		return -1;
	for (i = 0; i < sizeof imap_kinds / sizeof imap_kinds[0]; i++) {
		if (strcmp(imap_kinds[i].name, c->name) == 0) {
			c->claims = imap_kinds[i].claims;
			c->flags |= imap_kinds[i].flags;
			return 0;
		}
	}
	/* Unknown: alone in the pipeline, and whatever the parser does not
	 * know is its data. */
	c->claims = CL_UNKNOWN;
	c->flags |= CF_BARRIER;
	if (c->name[0] == '\0')
		strcpy(c->name, "command");
	return 0;
}

/* Append a string argument (quoted or a literal, decided when sent). */
static int
imap_cmd_string(struct imap_cmd *c, const char *p, size_t len, int secret)
{
	struct imap_seg *g;

	if (memchr(p, '\0', len) != NULL)
		return -1;
	g = imap_cmd_seg(c, SEG_STRING, p, len);
	g->secret = secret;
	return 0;
}

/* Append a mailbox name given in UTF-8. */
static int
imap_cmd_mailbox(struct imap_cmd *c, const char *name)
{
	struct imap_seg *g;
	char *utf7, *err = NULL;

	if (name == NULL || name[0] == '\0' ||
	    !imap_is_utf8(name, strlen(name)))
		return -1;
	/* Only names that can be spelled both ways: the spelling is chosen
	 * when the command goes out. */
	utf7 = imap_utf7_encode(name, &err);
	if (utf7 == NULL) {
		free(err);
		return -1;
	}
	g = imap_cmd_seg(c, SEG_MAILBOX, name, strlen(name));
	g->utf7 = utf7;
	if (c->mbox == NULL) {
		c->mbox = xstrdup(name);
		c->mbox_utf7 = xstrdup(utf7);
	}
	return 0;
}

/* Append a mailbox name exactly as the server sent it. */
static int
imap_cmd_raw_mailbox(struct imap_cmd *c, const char *name)
{
	if (name == NULL || name[0] == '\0' ||
	    imap_cmd_string(c, name, strlen(name), 0) == -1)
		return -1;
	if (c->mbox == NULL)
		c->mbox = xstrdup(name);
	return 0;
}

/* Append a literal of bytes. */
static void
imap_cmd_literal(struct imap_cmd *c, const void *data, size_t len)
{
	imap_cmd_seg(c, SEG_LITERAL, data, len);
}

/* Append a sequence set, checked. */
static int
imap_cmd_set(struct imap_cmd *c, const char *set)
{
	struct imap_range *v;
	size_t n;
	int star;

	if (set == NULL || imap_parse_set(set, &v, &n, &star) == -1)
		return -1;
	free(v);
	imap_cmd_puts(c, set);
	return 0;
}

/*
 * A UID FETCH or UID STORE: learn its UID set, the first argument (given
 * with %S or %u, "%u:*" ...), to match FETCH answers by.  A set that
 * cannot be read (SEARCHRES "$") makes the command take every FETCH, and
 * go alone among the commands that claim FETCH.
 */
static void
imap_cmd_learn_set(struct imap_cmd *c)
{
	const struct imap_seg *g = c->nsegs > 0 ? &c->segs[0] : NULL;
	size_t skip = strlen(c->name) + 1, n;
	char *word;

	if (!(c->flags & CF_UIDSET))
		return;
	if (g != NULL && g->kind == SEG_TEXT && g->len > skip) {
		n = strcspn(g->data + skip, " \r");
		word = xstrndup(g->data + skip, n);
		if (imap_parse_set(word, &c->uids, &c->nuids, &c->star) == 0) {
			free(word);
			return;
		}
		free(word);
	}
	c->flags &= ~CF_UIDSET;
	c->flags |= CF_FETCH_ANY;
}

/* Append a flag list from IMAP_FLAG_* bits; -1 for bits not settable. */
static int
imap_cmd_flag_bits(struct imap_cmd *c, unsigned bits)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { IMAP_FLAG_SEEN, "\\Seen" },
		{ IMAP_FLAG_ANSWERED, "\\Answered" },
		{ IMAP_FLAG_FLAGGED, "\\Flagged" },
		{ IMAP_FLAG_DELETED, "\\Deleted" },
		{ IMAP_FLAG_DRAFT, "\\Draft" },
		{ IMAP_FLAG_KW_FORWARDED, "$Forwarded" } };
	unsigned known = 0;
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		known |= names[i].bit;
	if (bits & ~known)
		return -1;
	imap_cmd_puts(c, "(");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(bits & names[i].bit))
			continue;
		if (!first)
			imap_cmd_puts(c, " ");
		imap_cmd_puts(c, names[i].name);
		first = 0;
	}
	imap_cmd_puts(c, ")");
	return 0;
}

/* Append the arguments of fmt (see imap.h) to c.  -1 if one is bad. */
static int
imap_cmd_vformat(struct imap_cmd *c, const char *fmt, va_list ap)
{
	const char *p, *s;
	const void *data;
	char num[32];
	size_t len;

	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			/* The caller's own text: one line, printable. */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -1;
			imap_cmd_text(c, p, 1);
			continue;
		}
		switch (*++p) {
		case 'a':
			s = va_arg(ap, const char *);
			if (s == NULL || !imap_is_atom(s))
				return -1;
			imap_cmd_puts(c, s);
			break;
		case 'f':
			s = va_arg(ap, const char *);
			if (s == NULL || !imap_is_flag(s))
				return -1;
			imap_cmd_puts(c, s);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL ||
			    imap_cmd_string(c, s, strlen(s), 0) == -1)
				return -1;
			break;
		case 'm':
			if (imap_cmd_mailbox(c, va_arg(ap, const char *)) == -1)
				return -1;
			break;
		case 'M':
			if (imap_cmd_raw_mailbox(c, va_arg(ap, const char *)) ==
			    -1)
				return -1;
			break;
		case 'u':
			snprintf(num, sizeof num, "%u", va_arg(ap, unsigned));
			imap_cmd_puts(c, num);
			break;
		case 'U':
			snprintf(num, sizeof num, "%llu",
			    (unsigned long long)va_arg(ap, uint64_t));
			imap_cmd_puts(c, num);
			break;
		case 'S':
			if (imap_cmd_set(c, va_arg(ap, const char *)) == -1)
				return -1;
			break;
		case 'F':
			if (imap_cmd_flag_bits(c, va_arg(ap, unsigned)) == -1)
				return -1;
			break;
		case 'L':
			data = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			if (data == NULL && len > 0)
				return -1;
			imap_cmd_literal(c, data, len);
			break;
		case '%': imap_cmd_text(c, "%", 1); break;
		default: return -1;
		}
	}
	return 0;
}

/* Free a command and wipe what may be secret. */
static void
imap_cmd_free(struct imap_cmd *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsegs; i++) {
		if (c->segs[i].secret) {
			OPENSSL_cleanse(c->segs[i].data, c->segs[i].len);
			if (c->segs[i].head != NULL)
				OPENSSL_cleanse(
				    c->segs[i].head, c->segs[i].headlen);
		}
		free(c->segs[i].data);
		free(c->segs[i].utf7);
		free(c->segs[i].head);
	}
	free(c->segs);
	free(c->uids);
	free(c->mbox);
	free(c->mbox_utf7);
	free(c->trace);
	free(c->msg);
	free(c);
}

/* ------------------------------------------------------------- queues */

/* Append c to q. */
static void
imap_q_push(struct imap_cmdq *q, struct imap_cmd *c)
{
	c->next = NULL;
	if (q->tail != NULL)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
}

/* Put c at the front of q. */
static void
imap_q_push_front(struct imap_cmdq *q, struct imap_cmd *c)
{
	c->next = q->head;
	q->head = c;
	if (q->tail == NULL)
		q->tail = c;
}

/* Take the first command of q, or NULL. */
static struct imap_cmd *
imap_q_pop(struct imap_cmdq *q)
{
	struct imap_cmd *c = q->head;

	if (c == NULL)
		return NULL;
	q->head = c->next;
	if (q->head == NULL)
		q->tail = NULL;
	c->next = NULL;
	return c;
}

/* Remove c from q; 0 if it was not there. */
static int
imap_q_remove(struct imap_cmdq *q, struct imap_cmd *c)
{
	struct imap_cmd *prev = NULL, *x;

	for (x = q->head; x != NULL; prev = x, x = x->next) {
		if (x != c)
			continue;
		if (prev != NULL)
			prev->next = x->next;
		else
			q->head = x->next;
		if (q->tail == x)
			q->tail = prev;
		x->next = NULL;
		return 1;
	}
	return 0;
}

/* --------------------------------------------------------- re-entry */

/* A callback from the loop begins. */
static void
imap_enter(struct imap *s)
{
	s->depth++;
}

/* It ends: free the struct if it was freed meanwhile. */
static void
imap_leave(struct imap *s)
{
	if (--s->depth == 0 && s->freed)
		free(s);
}

/* Tell a command it is over (exactly once: the caller has unlinked it).
 * -1 if the callback freed the session. */
static int
imap_cmd_finish(struct imap *s, struct imap_cmd *c, enum imap_result res,
    const struct imap_response *tagged, const char *msg)
{
	if (s->cont_cmd == c)
		s->cont_cmd = NULL;
	if (s->idle_cmd == c)
		s->idle_cmd = NULL;
	if (c->done != NULL) {
		s->depth++;
		c->done(s, res, tagged, res == IMAP_OK ? NULL : msg, c->arg);
		s->depth--;
	}
	imap_cmd_free(c);
	return s->freed ? -1 : 0;
}

/* Ask for deferred work from the loop. */
static void
imap_schedule(struct imap *s, unsigned what)
{
	s->pending |= what;
	if (s->ev_defer != NULL)
		event_active(s->ev_defer, EV_TIMEOUT, 0);
}

/* Finish c later, from the loop, with res and msg. */
static void
imap_finish_later(
    struct imap *s, struct imap_cmd *c, enum imap_result res, const char *msg)
{
	c->result = res;
	free(c->msg);
	c->msg = msg != NULL ? xstrdup(msg) : NULL;
	imap_q_push(&s->finished, c);
	imap_schedule(s, DF_COMPLETE);
}

/* The idle read timeout counts while we wait for the server, never
 * while the session rests or idles. */
static void
imap_update_timeout(struct imap *s)
{
	int want;

	if (s->t == NULL || s->dead)
		return;
	want = (!s->ready || (s->ninflight > 0 && !s->idle_plus))
	    ? s->idle_timeout_ms
	    : 0;
	if (want != s->cur_timeout) {
		s->cur_timeout = want;
		transport_set_idle_timeout(s->t, want);
	}
}

/* ------------------------------------------------------------ failure */

/*
 * The session is over: close the connection now, and report (every
 * pending command, then closed) from the loop.  Later failures are
 * ignored: the first cause is the one that counts.
 */
static void
imap_fail(struct imap *s, enum imap_result why, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (s->dead || s->freed)
		return;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) == -1)
			msg = NULL;
		va_end(ap);
		if (msg == NULL)
			msg = xstrdup("imap: out of memory");
	}
	s->dead = 1;
	s->ready = 0;
	s->why = why;
	s->why_msg = msg;
	if (s->t != NULL)
		transport_close(s->t);
	evtimer_del(s->ev_idle);
	imap_schedule(s, DF_DEATH);
}

/* Finish every command of q with res and msg.  -1 if freed. */
static int
imap_finish_all(
    struct imap *s, struct imap_cmdq *q, enum imap_result res, const char *msg)
{
	struct imap_cmd *c;

	while ((c = imap_q_pop(q)) != NULL) {
		if (q == &s->inflight)
			s->ninflight--;
		if (imap_cmd_finish(s, c, res, NULL, msg) == -1)
			return -1;
	}
	return 0;
}

/* Finish the commands that ended outside the server's answers, each
 * with its own result.  -1 if freed. */
static int
imap_finish_finished(struct imap *s)
{
	struct imap_cmd *c;
	char *msg;

	while ((c = imap_q_pop(&s->finished)) != NULL) {
		msg = c->msg;
		c->msg = NULL;
		if (imap_cmd_finish(s, c, c->result, NULL, msg) == -1) {
			free(msg);
			return -1;
		}
		free(msg);
	}
	return 0;
}

/* Report the end: every command, then closed().  -1 if freed. */
static int
imap_report_death(struct imap *s)
{
	enum imap_result res = s->why == IMAP_OK ? IMAP_CANCELED : s->why;
	const char *msg = s->why_msg != NULL ? s->why_msg : "session closed";
	char *copy;

	if (imap_finish_finished(s) == -1 ||
	    imap_finish_all(s, &s->inflight, res, msg) == -1 ||
	    imap_finish_all(s, &s->sysq, res, msg) == -1 ||
	    imap_finish_all(s, &s->userq, res, msg) == -1)
		return -1;
	if (s->closed_sent)
		return 0;
	s->closed_sent = 1;
	if (s->ev.closed != NULL) {
		copy = s->why_msg != NULL ? xstrdup(s->why_msg) : NULL;
		s->depth++;
		s->ev.closed(s, s->why, copy, s->arg);
		s->depth--;
		free(copy);
	}
	return s->freed ? -1 : 0;
}

/* ------------------------------------------------------------ sending */

/* Queue bytes for the server; a failure ends the session. */
static int
imap_write(struct imap *s, const void *p, size_t len)
{
	if (s->dead)
		return -1;
	if (transport_write(s->t, p, len) == -1) {
		imap_fail(s, IMAP_ERR_CONNECTION,
		    "%s: cannot send to the server", imap_peer(s));
		return -1;
	}
	return 0;
}

/* Can this string go quoted (RFC 3501 quoted, or UTF-8 ones after
 * UTF8=ACCEPT / IMAP4rev2)? */
static int
imap_quotable(const struct imap *s, const char *p, size_t len)
{
	size_t i;
	int eight = 0;

	if (len > IMAP_MAX_QUOTED)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\0' || ch == '\r' || ch == '\n')
			return 0;
		if (ch >= 0x80)
			eight = 1;
	}
	return !eight || (s->utf8 && imap_is_utf8(p, len));
}

/* Make g a literal: "{n}" (synchronizing) or "{n+}" when allowed. */
static void
imap_resolve_literal(
    struct imap *s, struct imap_seg *g, const char *body, size_t len)
{
	int plus = imap_has_cap(s, "LITERAL+") ||
	    (imap_has_cap(s, "LITERAL-") && len <= IMAP_LITERAL_MINUS_MAX);

	g->head = xasprintf("{%zu%s}\r\n", len, plus ? "+" : "");
	g->headlen = strlen(g->head);
	g->body = body;
	g->bodylen = len;
	g->sync = !plus;
}

/* Turn a string into its quoted form or a literal. */
static void
imap_resolve_string(
    struct imap *s, struct imap_seg *g, const char *p, size_t len)
{
	char *q;
	size_t i, n = 0;

	if (!imap_quotable(s, p, len)) {
		imap_resolve_literal(s, g, p, len);
		return;
	}
	q = xmalloc(len * 2 + 3);
	q[n++] = '"';
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			q[n++] = '\\';
		q[n++] = p[i];
	}
	q[n++] = '"';
	q[n] = '\0';
	g->head = q;
	g->headlen = n;
}

/* Decide how every segment of c goes out, with today's capabilities, and
 * build its trace line. */
static void
imap_cmd_resolve(struct imap *s, struct imap_cmd *c)
{
	struct imap_seg *g;
	char *tr = NULL, *t;
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		g = &c->segs[i];
		switch (g->kind) {
		case SEG_TEXT: break;
		case SEG_STRING:
			imap_resolve_string(s, g, g->data, g->len);
			break;
		case SEG_MAILBOX:
			if (strcasecmp(g->data, "INBOX") == 0)
				imap_resolve_string(s, g, "INBOX", 5);
			else if (s->utf8)
				imap_resolve_string(s, g, g->data, g->len);
			else
				imap_resolve_string(
				    s, g, g->utf7, strlen(g->utf7));
			break;
		case SEG_LITERAL:
			imap_resolve_literal(s, g, g->data, g->len);
			break;
		}
	}
	c->resolved = 1;
	if (s->ev.trace == NULL)
		return;
	tr = xstrdup(c->tag);
	for (i = 0; i < c->nsegs; i++) {
		g = &c->segs[i];
		if (g->secret)
			t = xasprintf("%s<redacted>", tr);
		else if (g->kind == SEG_TEXT)
			t = xasprintf("%s%s%s", tr, i == 0 ? " " : "", g->data);
		else if (g->body != NULL)
			t = xasprintf("%s{%zu%s}<%zu bytes>", tr, g->bodylen,
			    g->sync ? "" : "+", g->bodylen);
		else
			t = xasprintf("%s%.*s", tr, (int)g->headlen, g->head);
		free(tr);
		tr = t;
	}
	/* The command ends in CRLF; the trace line does not. */
	t = strstr(tr, "\r\n");
	if (t != NULL)
		*t = '\0';
	c->trace = tr;
}

/*
 * Send what of c may go now: up to its end, or up to a synchronizing
 * literal's "{n}", after which c waits for "+" (s->cont_cmd).  -1 if the
 * write failed (the session is failing).
 */
static int
imap_cmd_send_more(struct imap *s, struct imap_cmd *c)
{
	struct imap_seg *g;
	const char *p;
	size_t n;

	while (c->cur < c->nsegs) {
		g = &c->segs[c->cur];
		if (!c->head_sent) {
			p = g->head != NULL ? g->head : g->data;
			n = g->head != NULL ? g->headlen : g->len;
			if (imap_write(s, p, n) == -1)
				return -1;
			if (g->sync) {
				c->head_sent = 1;
				s->cont_cmd = c;
				return 0;
			}
		}
		c->head_sent = 0;
		if (g->body != NULL && imap_write(s, g->body, g->bodylen) == -1)
			return -1;
		c->cur++;
	}
	if (s->cont_cmd == c && c->cont == NULL)
		s->cont_cmd = NULL;
	return 0;
}

/* Put c on the wire (tag first) and in flight. */
static void
imap_cmd_send(struct imap *s, struct imap_cmd *c)
{
	snprintf(c->tag, sizeof c->tag, "A%u", ++s->tagno);
	imap_cmd_resolve(s, c);
	imap_q_push(&s->inflight, c);
	s->ninflight++;
	if (c->trace != NULL)
		imap_trace(s, '>', c->trace, strlen(c->trace));
	if (imap_write(s, c->tag, strlen(c->tag)) == -1 ||
	    imap_write(s, " ", 1) == -1)
		return;
	if (c->cont != NULL)
		s->cont_cmd = c;
	(void)imap_cmd_send_more(s, c);
	if (c->flags & CF_SELECT) {
		/* The server leaves the old mailbox as SELECT begins. */
		free(s->selected);
		s->selected = NULL;
	}
	imap_update_timeout(s);
}

/* Would c, sent now, make the attribution of untagged data ambiguous or
 * break the rule that a barrier goes alone? */
static int
imap_cmd_conflicts(struct imap *s, const struct imap_cmd *c)
{
	const struct imap_cmd *d;
	unsigned shared;

	if (s->ninflight > 0 && (c->flags & CF_BARRIER))
		return 1;
	for (d = s->inflight.head; d != NULL; d = d->next) {
		if (d->flags & CF_BARRIER)
			return 1;
		shared = c->claims & d->claims;
		if (shared & ~(CL_FETCH | CL_MBSTATUS))
			return 1;
		/* FETCH answers are told apart by UID. */
		if ((shared & CL_FETCH) &&
		    (!(c->flags & CF_UIDSET) || !(d->flags & CF_UIDSET) ||
			c->star || d->star || imap_sets_overlap(c, d)))
			return 1;
		/* STATUS answers are told apart by mailbox name. */
		if ((shared & CL_MBSTATUS) &&
		    (!(c->flags & CF_STATUS) || !(d->flags & CF_STATUS) ||
			c->mbox == NULL || d->mbox == NULL ||
			strcmp(c->mbox, d->mbox) == 0))
			return 1;
	}
	return 0;
}

/* Send "DONE" to end IDLE, once. */
static void
imap_idle_stop(struct imap *s)
{
	if (s->idle_cmd == NULL || !s->idle_plus || s->idle_done_sent)
		return;
	s->idle_done_sent = 1;
	evtimer_del(s->ev_idle);
	imap_trace(s, '>', "DONE", 4);
	if (imap_write(s, "DONE\r\n", 6) == -1)
		return;
	s->idle_plus = 0;
	imap_update_timeout(s);
}

/* Send whatever may go now. */
static void
imap_pump(struct imap *s)
{
	struct imap_cmdq *q;
	struct imap_cmd *c;

	while (!s->dead && !s->freed && s->t != NULL) {
		if (s->cont_cmd != NULL && s->cont_cmd != s->idle_cmd)
			return;
		q = &s->sysq;
		if (q->head == NULL) {
			if (!s->ready)
				return;
			q = &s->userq;
		}
		c = q->head;
		if (c == NULL)
			return;
		if (s->idle_cmd != NULL && s->idle_cmd != c) {
			/* Something waits: leave IDLE first. */
			imap_idle_stop(s);
			return;
		}
		if (s->ninflight >= s->max_in_flight ||
		    imap_cmd_conflicts(s, c))
			return;
		imap_q_pop(q);
		imap_cmd_send(s, c);
	}
}

/* Queue c (the caller's, or the session's own with CF_INTERNAL). */
static void
imap_cmd_queue(struct imap *s, struct imap_cmd *c, int front)
{
	struct imap_cmdq *q = (c->flags & CF_INTERNAL) ? &s->sysq : &s->userq;

	if (s->dead) {
		imap_finish_later(s, c,
		    s->why == IMAP_OK ? IMAP_CANCELED : s->why,
		    s->why_msg != NULL ? s->why_msg : "session closed");
		return;
	}
	if (s->logging_out && !(c->flags & CF_INTERNAL)) {
		imap_finish_later(s, c, IMAP_CANCELED, "logged out first");
		return;
	}
	if (front)
		imap_q_push_front(q, c);
	else
		imap_q_push(q, c);
	imap_pump(s);
}

/*
 * Build a command from fmt and queue it (the caller's unless internal; at
 * the front if front).  The words of fmt that change what a command
 * answers widen its claims: LIST ... RETURN (STATUS ...) gets STATUS data,
 * UID FETCH ... (VANISHED) gets VANISHED (EARLIER).
 */
static int
imap_queue_fmt(struct imap *s, unsigned flags, int front, imap_data_cb data,
    imap_done_cb done, void *arg, const char *fmt, va_list ap)
{
	struct imap_cmd *c;

	if (s == NULL || s->freed || fmt == NULL)
		return -1;
	c = imap_cmd_new(data, done, arg);
	c->flags = flags;
	if (imap_cmd_classify(c, fmt, (flags & CF_INTERNAL) != 0) == -1 ||
	    imap_cmd_vformat(c, fmt, ap) == -1) {
		imap_cmd_free(c);
		return -1;
	}
	imap_cmd_learn_set(c);
	if (strcmp(c->name, "LIST") == 0 && strcasestr(fmt, "STATUS") != NULL)
		c->claims |= CL_MBSTATUS;
	if (strcmp(c->name, "UID FETCH") == 0 &&
	    strcasestr(fmt, "VANISHED") != NULL)
		c->claims |= CL_VANISHED;
	imap_cmd_text(c, "\r\n", 2);
	imap_cmd_queue(s, c, front);
	return 0;
}

/* The session's own command. */
static int
imap_internal(
    struct imap *s, imap_data_cb data, imap_done_cb done, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = imap_queue_fmt(s, CF_INTERNAL, 0, data, done, s, fmt, ap);
	va_end(ap);
	return r;
}

/* Queue a command; see imap.h. */
int
imap_vcommand(struct imap *s, imap_data_cb data, imap_done_cb done, void *arg,
    const char *fmt, va_list ap)
{
	return imap_queue_fmt(s, 0, 0, data, done, arg, fmt, ap);
}

/* Queue a command; see imap.h. */
int
imap_command(struct imap *s, imap_data_cb data, imap_done_cb done, void *arg,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = imap_vcommand(s, data, done, arg, fmt, ap);
	va_end(ap);
	return r;
}

/* ------------------------------------------------------------- set-up */

/* One readable line for a NO/BAD: "server said NO to SELECT: text". */
static char *
imap_status_msg(const struct imap_cmd *c, const struct imap_response *r)
{
	char *text = imap_clean(r->text != NULL ? r->text : "", IMAP_TEXT_MAX);
	char *code = r->code.name != NULL ? imap_clean(r->code.name, 40) : NULL,
	     *msg;

	msg = xasprintf("server said %s to %s: %s%s%s%s",
	    imap_status_name(r->status), c->name, code != NULL ? "[" : "",
	    code != NULL ? code : "", code != NULL ? "] " : "",
	    text[0] != '\0' ? text : "(no reason given)");
	free(text);
	free(code);
	return msg;
}

/* The result a tagged status stands for. */
static enum imap_result
imap_status_result(enum imap_status st)
{
	switch (st) {
	case IMAP_STATUS_OK: return IMAP_OK;
	case IMAP_STATUS_NO: return IMAP_NO;
	default: return IMAP_BAD;
	}
}

/* CAPABILITY answered (before STARTTLS, before or after login). */
static void
imap_caps_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)tagged;
	(void)arg;
	if (s->dead || s->freed)
		return;
	if (res != IMAP_OK) {
		imap_fail(s,
		    s->mode == TRANSPORT_TLS_STARTTLS && !transport_is_tls(s->t)
			? IMAP_ERR_TLS
			: IMAP_ERR_PROTOCOL,
		    "%s: CAPABILITY failed: %s", imap_peer(s), msg);
		return;
	}
	if (s->caps == NULL) {
		/* An answer without the list: take it as empty. */
		struct imap_strings none = { 0, NULL };

		imap_set_caps(s, &none);
	}
	imap_setup_next(s);
}

/* STARTTLS answered: begin the handshake, or give up for good. */
static void
imap_starttls_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)tagged;
	(void)arg;
	if (s->dead || s->freed)
		return;
	if (res != IMAP_OK) {
		imap_fail(s, IMAP_ERR_TLS,
		    "%s: STARTTLS refused, so nothing more is sent: %s",
		    imap_peer(s), msg);
		return;
	}
	/* Whatever follows the OK in the input is not ours to read. */
	s->switched = 1;
	if (transport_start_tls(s->t) == -1) {
		imap_fail(
		    s, IMAP_ERR_TLS, "%s: cannot start TLS", imap_peer(s));
		return;
	}
	/* A fresh parser: nothing framed before the handshake carries on. */
	imap_parser_free(s->p);
	s->p = imap_parser_new(&s->limits);
	imap_clear_caps(s);
}

/* AUTHENTICATE's "+": answer the SASL challenge, or cancel. */
static void
imap_auth_cont(
    struct imap *s, struct imap_cmd *c, const struct imap_response *r)
{
	unsigned char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	char *err = NULL, *b64;
	const char *text = r->text != NULL ? r->text : "";

	(void)c;
	if (s->auth_err != NULL ||
	    sasl_b64_decode(text, strlen(text), &in, &inlen) == -1) {
		if (s->auth_err == NULL)
			s->auth_err = xstrdup(
			    "the server's SASL challenge is not base64");
		goto cancel;
	}
	if (sasl_step(s->sasl, in, inlen, &out, &outlen, &err) == -1) {
		s->auth_err = err;
		free(in);
		goto cancel;
	}
	free(in);
	b64 = sasl_b64_encode(out, outlen);
	OPENSSL_cleanse(out, outlen);
	free(out);
	imap_trace(s, '>', "<redacted SASL response>", 24);
	if (imap_write(s, b64, strlen(b64)) == 0)
		(void)imap_write(s, "\r\n", 2);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	return;
cancel:
	/* RFC 3501 6.2.2: "*" cancels; the server answers BAD. */
	imap_trace(s, '>', "*", 1);
	(void)imap_write(s, "*\r\n", 3);
}

/* The login was answered. */
static void
imap_auth_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	const char *why;

	(void)tagged;
	(void)arg;
	if (s->dead || s->freed)
		return;
	if (res == IMAP_OK && s->sasl != NULL && !sasl_is_complete(s->sasl)) {
		imap_fail(s, IMAP_ERR_AUTH,
		    "%s: the server accepted the login without proving it "
		    "knows the password: refused",
		    imap_peer(s));
		return;
	}
	if (res != IMAP_OK) {
		why = s->auth_err != NULL ? s->auth_err
		    : s->sasl != NULL && sasl_server_error(s->sasl) != NULL
		    ? sasl_server_error(s->sasl)
		    : NULL;
		if (why != NULL)
			imap_fail(s, IMAP_ERR_AUTH,
			    "%s: login as %s with %s failed: %s (%s)",
			    imap_peer(s), s->user != NULL ? s->user : "",
			    s->mech_used, why, msg);
		else
			imap_fail(s, IMAP_ERR_AUTH,
			    "%s: login as %s with %s failed: %s", imap_peer(s),
			    s->user != NULL ? s->user : "", s->mech_used, msg);
		return;
	}
	sasl_free(s->sasl);
	s->sasl = NULL;
	s->authenticated = 1;
	imap_setup_next(s);
}

/* Is the mechanism name allowed by the configuration? */
static int
imap_mech_allowed(const struct imap *s, const char *name)
{
	if (s->mechs == NULL)
		return 1;
	return imap_strv_has(s->mechs, name);
}

/* Log in with the best mechanism allowed and offered.  -1 (the session
 * failed) when there is none. */
static int
imap_login(struct imap *s)
{
	static const enum sasl_mech pref[] = { SASL_OAUTHBEARER, SASL_XOAUTH2,
		SASL_SCRAM_SHA_256, SASL_PLAIN, SASL_LOGIN };
	unsigned char *ir = NULL;
	size_t irlen = 0, i;
	struct imap_cmd *c;
	const char *name, *secret;
	char cap[64], *err = NULL, *b64;

	for (i = 0; i < sizeof pref / sizeof pref[0]; i++) {
		name = sasl_mech_name(pref[i]);
		secret = sasl_mech_uses_token(pref[i]) ? s->token : s->password;
		snprintf(cap, sizeof cap, "AUTH=%s", name);
		if (secret == NULL || s->user == NULL ||
		    !imap_mech_allowed(s, name) || !imap_has_cap(s, cap))
			continue;
		s->sasl = sasl_new(pref[i], s->user, secret, s->host, s->port);
		s->mech_used = name;
		c = imap_cmd_new(NULL, imap_auth_done, s);
		c->flags = CF_INTERNAL | CF_BARRIER;
		c->cont = imap_auth_cont;
		snprintf(c->name, sizeof c->name, "AUTHENTICATE");
		imap_cmd_puts(c, "AUTHENTICATE ");
		imap_cmd_puts(c, name);
		if (imap_has_cap(s, "SASL-IR") &&
		    sasl_mech_client_first(pref[i])) {
			if (sasl_initial(s->sasl, &ir, &irlen, &err) == -1) {
				imap_cmd_free(c);
				imap_fail(s, IMAP_ERR_AUTH, "%s: %s",
				    imap_peer(s), err);
				free(err);
				return -1;
			}
			b64 = sasl_b64_encode(ir, irlen);
			OPENSSL_cleanse(ir, irlen);
			free(ir);
			imap_cmd_puts(c, " ");
			/* An empty initial response is "=" (RFC 4959). */
			imap_cmd_seg(c, SEG_TEXT, irlen > 0 ? b64 : "=",
			    irlen > 0 ? strlen(b64) : 1)
			    ->secret = 1;
			OPENSSL_cleanse(b64, strlen(b64));
			free(b64);
		}
		imap_cmd_text(c, "\r\n", 2);
		s->auth_caps_gen = s->caps_gen;
		imap_cmd_queue(s, c, 0);
		return 0;
	}
	/* The LOGIN command, where the server and the configuration allow a
	 * password in the clear (inside TLS, or with tls = off). */
	if (s->password != NULL && s->user != NULL &&
	    !imap_has_cap(s, "LOGINDISABLED") &&
	    (s->mechs == NULL || imap_mech_allowed(s, "PLAIN") ||
		imap_mech_allowed(s, "LOGIN") ||
		imap_mech_allowed(s, "IMAP-LOGIN"))) {
		s->mech_used = "IMAP-LOGIN";
		c = imap_cmd_new(NULL, imap_auth_done, s);
		c->flags = CF_INTERNAL | CF_BARRIER;
		snprintf(c->name, sizeof c->name, "LOGIN");
		imap_cmd_puts(c, "LOGIN ");
		(void)imap_cmd_string(c, s->user, strlen(s->user), 1);
		imap_cmd_puts(c, " ");
		if (imap_cmd_string(c, s->password, strlen(s->password), 1) ==
		    -1) {
			imap_cmd_free(c);
			imap_fail(s, IMAP_ERR_AUTH,
			    "%s: the password cannot be sent (it has a NUL "
			    "byte)",
			    imap_peer(s));
			return -1;
		}
		imap_cmd_text(c, "\r\n", 2);
		s->auth_caps_gen = s->caps_gen;
		imap_cmd_queue(s, c, 0);
		return 0;
	}
	imap_fail(s, IMAP_ERR_AUTH,
	    "%s: no way to log in: the server offers \"%s\", the account "
	    "allows %s%s",
	    imap_peer(s), s->caps_text != NULL ? s->caps_text : "",
	    s->mechs == NULL ? "any mechanism" : "only some mechanisms",
	    s->password == NULL && s->token == NULL ? " and has no password"
						    : "");
	return -1;
}

/* ENABLE, ID, NAMESPACE answered (failures there are not fatal). */
static void
imap_post_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)res;
	(void)tagged;
	(void)msg;
	(void)arg;
	if (s->dead || s->freed)
		return;
	if (s->sysq.head == NULL && s->ninflight == 0)
		imap_setup_next(s);
}

/* COMPRESS answered: switch deflate on, or go on without. */
static void
imap_compress_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)tagged;
	(void)msg;
	(void)arg;
	if (s->dead || s->freed)
		return;
	if (res == IMAP_OK) {
		s->switched = 1;
		if (transport_start_compress(s->t) == -1) {
			imap_fail(s, IMAP_ERR_LOCAL,
			    "%s: cannot start compression", imap_peer(s));
			return;
		}
	}
	imap_setup_next(s);
}

/* NAMESPACE data: keep the first personal namespace. */
static void
imap_ns_data(struct imap *s, const struct imap_response *r, void *arg)
{
	(void)arg;
	if (r->kind != IMAP_RESP_NAMESPACE || s->ns_known)
		return;
	s->ns_known = 1;
	if (r->u.ns.personal.n > 0) {
		free(s->ns_prefix);
		s->ns_prefix = xstrdup(r->u.ns.personal.v[0].prefix);
		s->ns_delim = r->u.ns.personal.v[0].delim;
	}
}

/* Queue ID, ENABLE and NAMESPACE as offered; 1 if any went. */
static int
imap_post_login(struct imap *s)
{
	static const char *const want[] = { "CONDSTORE", "QRESYNC",
		"UTF8=ACCEPT", "IMAP4rev2", NULL };
	struct imap_cmd *c = NULL;
	int n = 0, i;

	if (s->id_name != NULL && imap_has_cap(s, "ID")) {
		if (s->id_version != NULL)
			imap_internal(s, NULL, imap_post_done,
			    "ID (\"name\" %s \"version\" %s)", s->id_name,
			    s->id_version);
		else
			imap_internal(s, NULL, imap_post_done,
			    "ID (\"name\" %s)", s->id_name);
		n++;
	}
	if (imap_has_cap(s, "ENABLE") || imap_strv_has(s->caps, "IMAP4rev2")) {
		for (i = 0; want[i] != NULL; i++) {
			if (!imap_strv_has(s->caps, want[i]))
				continue;
			if (c == NULL) {
				c = imap_cmd_new(NULL, imap_post_done, s);
				c->flags = CF_INTERNAL;
				(void)imap_cmd_classify(c, "ENABLE", 1);
				imap_cmd_puts(c, "ENABLE");
			}
			imap_cmd_puts(c, " ");
			imap_cmd_puts(c, want[i]);
		}
		if (c != NULL) {
			imap_cmd_text(c, "\r\n", 2);
			imap_cmd_queue(s, c, 0);
			n++;
		}
	}
	if (imap_has_cap(s, "NAMESPACE")) {
		imap_internal(s, imap_ns_data, imap_post_done, "NAMESPACE");
		n++;
	}
	return n > 0;
}

/*
 * Take the next step of setting the session up: STARTTLS, CAPABILITY,
 * login, ID/ENABLE/NAMESPACE, COMPRESS, ready.  Each step's answer calls
 * this again.
 */
static void
imap_setup_next(struct imap *s)
{
	if (s->dead || s->ready || !s->greeted)
		return;
	if (s->mode == TRANSPORT_TLS_STARTTLS && !transport_is_tls(s->t)) {
		if (s->starttls_sent)
			return;
		if (s->caps == NULL) {
			imap_internal(s, NULL, imap_caps_done, "CAPABILITY");
			return;
		}
		if (!imap_strv_has(s->caps, "STARTTLS")) {
			imap_fail(s, IMAP_ERR_TLS,
			    "%s: the server does not offer STARTTLS (stripped "
			    "by an attacker?): nothing was sent",
			    imap_peer(s));
			return;
		}
		s->starttls_sent = 1;
		imap_internal(s, NULL, imap_starttls_done, "STARTTLS");
		return;
	}
	if (!s->authenticated) {
		if (s->caps == NULL) {
			imap_internal(s, NULL, imap_caps_done, "CAPABILITY");
			return;
		}
		(void)imap_login(s);
		return;
	}
	if (s->caps == NULL || s->caps_gen == s->auth_caps_gen) {
		/* Capabilities change at login: ask unless told. */
		s->auth_caps_gen = s->caps_gen - 1;
		imap_internal(s, NULL, imap_caps_done, "CAPABILITY");
		return;
	}
	if (!s->post_sent) {
		s->post_sent = 1;
		if (imap_post_login(s))
			return;
	}
	if (s->sysq.head != NULL || s->ninflight > 0)
		return;
	if (!s->compress_sent && s->want_compress &&
	    imap_has_cap(s, "COMPRESS=DEFLATE") &&
	    !transport_is_compressed(s->t)) {
		s->compress_sent = 1;
		imap_internal(s, NULL, imap_compress_done, "COMPRESS DEFLATE");
		return;
	}
	s->ready = 1;
	imap_update_timeout(s);
	if (s->ev.ready != NULL) {
		s->depth++;
		s->ev.ready(s, s->arg);
		s->depth--;
		if (s->freed)
			return;
	}
	imap_pump(s);
	if (imap_idle_wanted(s))
		imap_schedule(s, DF_IDLE);
}

/* The first response: OK, PREAUTH or BYE. */
static void
imap_greeting(struct imap *s, const struct imap_response *r)
{
	char *text;

	if (r->kind != IMAP_RESP_STATUS || r->tag != NULL ||
	    (r->status != IMAP_STATUS_OK && r->status != IMAP_STATUS_PREAUTH &&
		r->status != IMAP_STATUS_BYE)) {
		imap_fail(s, IMAP_ERR_PROTOCOL,
		    "%s: the server did not greet as an IMAP server does",
		    imap_peer(s));
		return;
	}
	if (r->status == IMAP_STATUS_BYE) {
		text = imap_clean(r->text, IMAP_TEXT_MAX);
		imap_fail(s, IMAP_ERR_CONNECTION,
		    "%s: the server refused the connection: %s", imap_peer(s),
		    text);
		free(text);
		return;
	}
	if (r->status == IMAP_STATUS_PREAUTH) {
		if (s->mode == TRANSPORT_TLS_STARTTLS) {
			/* Already authenticated means STARTTLS is no longer
			 * allowed (RFC 3501 6.2.1): the channel stays plain. */
			imap_fail(s, IMAP_ERR_TLS,
			    "%s: the server sent PREAUTH on a connection that "
			    "must become TLS: refused",
			    imap_peer(s));
			return;
		}
		s->authenticated = 1;
		s->mech_used = "PREAUTH";
	}
	s->greeted = 1;
	if (r->code.kind == IMAP_CODE_CAPABILITY)
		imap_set_caps(s, &r->code.strings);
	/* After PREAUTH the greeting's list is the authenticated one. */
	if (s->authenticated)
		s->auth_caps_gen =
		    s->caps == NULL ? s->caps_gen : s->caps_gen - 1;
	imap_setup_next(s);
}

/* ----------------------------------------------------------------- IDLE */

/* Should the session go into IDLE now? */
static int
imap_idle_wanted(const struct imap *s)
{
	return s->ready && !s->dead && !s->freed && !s->logging_out &&
	    s->want_idle && !s->idle_broken && s->selected != NULL &&
	    s->idle_cmd == NULL && s->ninflight == 0 && s->userq.head == NULL &&
	    s->sysq.head == NULL && imap_has_cap(s, "IDLE");
}

/* IDLE's "+": idling; leave at once if something is already waiting. */
static void
imap_idle_cont(
    struct imap *s, struct imap_cmd *c, const struct imap_response *r)
{
	struct timeval tv = { (time_t)s->idle_restart_s, 0 };

	(void)c;
	(void)r;
	if (s->idle_plus || s->idle_done_sent) {
		imap_fail(s, IMAP_ERR_PROTOCOL,
		    "%s: a second continuation during IDLE", imap_peer(s));
		return;
	}
	s->idle_plus = 1;
	imap_update_timeout(s);
	if (s->userq.head != NULL || s->sysq.head != NULL || s->logging_out) {
		imap_idle_stop(s);
		return;
	}
	evtimer_add(s->ev_idle, &tv);
}

/* IDLE ended: go on with the queue (or idle again, from the loop). */
static void
imap_idle_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)tagged;
	(void)msg;
	(void)arg;
	evtimer_del(s->ev_idle);
	s->idle_plus = 0;
	s->idle_done_sent = 0;
	if (s->dead || s->freed)
		return;
	if (res != IMAP_OK)
		s->idle_broken = 1;
	imap_update_timeout(s);
	if (imap_idle_wanted(s))
		imap_schedule(s, DF_IDLE);
}

/* Enter IDLE if nothing else is to be done. */
static void
imap_idle_start(struct imap *s)
{
	struct imap_cmd *c;

	if (!imap_idle_wanted(s))
		return;
	c = imap_cmd_new(NULL, imap_idle_done, s);
	c->flags = CF_INTERNAL | CF_BARRIER;
	c->cont = imap_idle_cont;
	snprintf(c->name, sizeof c->name, "IDLE");
	imap_cmd_puts(c, "IDLE\r\n");
	s->idle_cmd = c;
	s->idle_plus = 0;
	s->idle_done_sent = 0;
	imap_q_push(&s->sysq, c);
	imap_pump(s);
}

/* Time to re-issue IDLE (servers drop idlers after 30 minutes). */
static void
imap_idle_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct imap *s = arg;

	(void)fd;
	(void)what;
	imap_enter(s);
	imap_idle_stop(s);
	imap_leave(s);
}

/* ------------------------------------------------------- attribution */

/* The first command in flight claiming kind, or NULL. */
static struct imap_cmd *
imap_claimer(struct imap *s, unsigned kind)
{
	struct imap_cmd *c;

	for (c = s->inflight.head; c != NULL; c = c->next) {
		if (c->claims & kind)
			return c;
	}
	return NULL;
}

/* Does a STATUS command's mailbox match the name the server sent? */
static int
imap_mbox_match(const struct imap_cmd *c, const char *name)
{
	if (c->mbox == NULL || name == NULL)
		return 0;
	if (strcasecmp(name, "INBOX") == 0)
		return strcasecmp(c->mbox, "INBOX") == 0;
	return strcmp(c->mbox, name) == 0 ||
	    (c->mbox_utf7 != NULL && strcmp(c->mbox_utf7, name) == 0);
}

/* The command a FETCH answer belongs to: by UID, else a command that
 * takes any FETCH, else NULL (unsolicited). */
static struct imap_cmd *
imap_fetch_owner(struct imap *s, const struct imap_response *r)
{
	struct imap_cmd *c;

	for (c = s->inflight.head; c != NULL; c = c->next) {
		if (!(c->claims & CL_FETCH))
			continue;
		if (c->flags & CF_FETCH_ANY)
			return c;
		if ((r->u.fetch.present & IMAP_FETCH_UID) &&
		    (c->flags & CF_UIDSET) &&
		    imap_cmd_has_uid(c, r->u.fetch.uid))
			return c;
	}
	/* "n:*" always includes the last message, whatever its UID; such a
	 * command never shares the pipeline with another FETCH. */
	if (r->u.fetch.present & IMAP_FETCH_UID) {
		for (c = s->inflight.head; c != NULL; c = c->next) {
			if ((c->claims & CL_FETCH) && c->star)
				return c;
		}
	}
	return NULL;
}

/* Which command in flight does an untagged response belong to? */
static struct imap_cmd *
imap_owner(struct imap *s, const struct imap_response *r)
{
	struct imap_cmd *c;

	switch (r->kind) {
	case IMAP_RESP_CAPABILITY: return imap_claimer(s, CL_CAPS);
	case IMAP_RESP_LIST: return imap_claimer(s, CL_LIST);
	case IMAP_RESP_LSUB: return imap_claimer(s, CL_LSUB);
	case IMAP_RESP_MAILBOX_STATUS:
		for (c = s->inflight.head; c != NULL; c = c->next) {
			if ((c->flags & CF_STATUS) &&
			    imap_mbox_match(c, r->u.mbstatus.name))
				return c;
		}
		return imap_claimer(s, CL_MBSTATUS);
	case IMAP_RESP_FLAGS:
	case IMAP_RESP_EXISTS:
	case IMAP_RESP_RECENT: return imap_claimer(s, CL_MAILBOX);
	case IMAP_RESP_FETCH: return imap_fetch_owner(s, r);
	case IMAP_RESP_SEARCH:
	case IMAP_RESP_SORT: return imap_claimer(s, CL_SEARCH);
	case IMAP_RESP_ESEARCH:
		if (r->u.esearch.tag != NULL) {
			for (c = s->inflight.head; c != NULL; c = c->next) {
				if (strcmp(c->tag, r->u.esearch.tag) == 0)
					return c;
			}
			return NULL;
		}
		return imap_claimer(s, CL_SEARCH);
	case IMAP_RESP_VANISHED:
		/* Plain VANISHED is news like EXPUNGE; EARLIER answers. */
		return r->u.vanished.earlier ? imap_claimer(s, CL_VANISHED)
					     : NULL;
	case IMAP_RESP_ENABLED: return imap_claimer(s, CL_ENABLED);
	case IMAP_RESP_ID: return imap_claimer(s, CL_ID);
	case IMAP_RESP_NAMESPACE: return imap_claimer(s, CL_NS);
	case IMAP_RESP_STATUS:
		return r->status == IMAP_STATUS_OK ||
			r->status == IMAP_STATUS_NO ||
			r->status == IMAP_STATUS_BAD
		    ? imap_claimer(s, CL_STATUS)
		    : NULL;
	case IMAP_RESP_UNKNOWN: return imap_claimer(s, CL_UNKNOWN);
	case IMAP_RESP_EXPUNGE:
	case IMAP_RESP_CONTINUE: break;
	}
	return NULL;
}

/* Take the response being dispatched (the caller then frees it). */
static struct imap_response *
imap_take_response(struct imap *s)
{
	s->cur_taken = 1;
	return s->cur;
}

/* ----------------------------------------------------------- receiving */

/* A tagged answer: finish its command. */
static void
imap_tagged(struct imap *s, struct imap_response *r)
{
	struct imap_cmd *c;
	enum imap_result res;
	char *msg = NULL;

	for (c = s->inflight.head; c != NULL; c = c->next) {
		if (strcmp(c->tag, r->tag) == 0)
			break;
	}
	if (c == NULL) {
		char *tag = imap_clean(r->tag, 20);

		imap_fail(s, IMAP_ERR_PROTOCOL,
		    "%s: an answer for tag %s, which is not in flight",
		    imap_peer(s), tag);
		free(tag);
		return;
	}
	imap_q_remove(&s->inflight, c);
	s->ninflight--;
	if (r->code.kind == IMAP_CODE_CAPABILITY)
		imap_set_caps(s, &r->code.strings);
	res = imap_status_result(r->status);
	if (res == IMAP_OK) {
		if (c->flags & CF_SELECT) {
			free(s->selected);
			s->selected = xstrdup(c->mbox != NULL ? c->mbox : "");
		} else if (c->flags & CF_DESELECT) {
			free(s->selected);
			s->selected = NULL;
		}
	} else
		msg = imap_status_msg(c, r);
	/* A literal the server refused before its "+" is never sent:
	 * imap_cmd_finish() stops waiting for it. */
	imap_update_timeout(s);
	(void)imap_cmd_finish(s, c, res, r, msg);
	free(msg);
}

/* An untagged response (or the greeting). */
static void
imap_untagged(struct imap *s, struct imap_response *r)
{
	struct imap_cmd *c;
	char *text;

	if (!s->greeted) {
		imap_greeting(s, r);
		return;
	}
	if (r->kind == IMAP_RESP_STATUS) {
		if (r->status == IMAP_STATUS_BYE) {
			if (s->logging_out)
				return;
			text = imap_clean(r->text, IMAP_TEXT_MAX);
			imap_fail(s, IMAP_ERR_CONNECTION,
			    "%s: the server closed the session: %s",
			    imap_peer(s), text);
			free(text);
			return;
		}
		if (r->status == IMAP_STATUS_PREAUTH) {
			imap_fail(s, IMAP_ERR_PROTOCOL,
			    "%s: PREAUTH after the greeting", imap_peer(s));
			return;
		}
		if (r->code.kind == IMAP_CODE_CAPABILITY)
			imap_set_caps(s, &r->code.strings);
		if (r->code.kind == IMAP_CODE_ALERT && s->ev.alert != NULL) {
			text = imap_clean(r->text, 1000);
			s->depth++;
			s->ev.alert(s, text, s->arg);
			s->depth--;
			free(text);
			if (s->freed)
				return;
		}
	}
	if (r->kind == IMAP_RESP_CAPABILITY)
		imap_set_caps(s, &r->u.caps);
	if (r->kind == IMAP_RESP_ENABLED)
		imap_add_enabled(s, &r->u.caps);
	c = imap_owner(s, r);
	if (c != NULL) {
		if (c->data != NULL) {
			s->depth++;
			c->data(s, r, c->arg);
			s->depth--;
		}
		return;
	}
	if (s->ev.untagged != NULL && s->ready) {
		s->depth++;
		s->ev.untagged(s, r, s->arg);
		s->depth--;
	}
}

/* A continuation request: for the command that waits for one. */
static void
imap_continue(struct imap *s, struct imap_response *r)
{
	struct imap_cmd *c = s->cont_cmd;

	if (c == NULL) {
		imap_fail(s, IMAP_ERR_PROTOCOL,
		    "%s: a continuation request nothing waited for",
		    imap_peer(s));
		return;
	}
	if (c->head_sent) {
		/* The rest of a command after a synchronizing literal. */
		if (c->cont == NULL)
			s->cont_cmd = NULL;
		(void)imap_cmd_send_more(s, c);
		return;
	}
	if (c->cont != NULL) {
		c->cont(s, c, r);
		return;
	}
	imap_fail(s, IMAP_ERR_PROTOCOL,
	    "%s: a continuation request nothing waited for", imap_peer(s));
}

/* Act on one response. */
static void
imap_dispatch(struct imap *s, struct imap_response *r)
{
	s->cur = r;
	s->cur_taken = 0;
	if (r->kind == IMAP_RESP_CONTINUE) {
		if (!s->greeted)
			imap_greeting(s, r);
		else
			imap_continue(s, r);
	} else if (r->tag != NULL) {
		if (!s->greeted)
			imap_greeting(s, r);
		else
			imap_tagged(s, r);
	} else
		imap_untagged(s, r);
	s->cur = NULL;
}

/* Keep the received bytes of the current line for the trace. */
static void
imap_trace_in(struct imap *s, const char *p, size_t n)
{
	size_t room = IMAP_TRACE_MAX - s->tlen, k;
	int eol = n > 0 && p[n - 1] == '\n';

	k = n - (eol ? 1 : 0);
	if (k > 0 && p[k - 1] == '\r' && eol)
		k--;
	if (k > room) {
		k = room;
		s->tcut = 1;
	}
	memcpy(s->tline + s->tlen, p, k);
	s->tlen += k;
	if (eol) {
		/* One byte more than shown makes imap_trace() add "...". */
		if (s->tcut)
			s->tline[s->tlen] = '.';
		imap_trace(s, '<', s->tline, s->tlen + (s->tcut ? 1 : 0));
		s->tlen = 0;
		s->tcut = 0;
	}
}

/* Parse what arrived, one line at a time (see the top of the file). */
static void
imap_read(struct imap *s)
{
	struct evbuffer *in = transport_input(s->t);
	struct evbuffer_iovec v;
	struct imap_response *r;
	const char *nl;
	size_t n;
	int rc;

	s->switched = 0;
	while (!s->dead && !s->freed && !s->switched) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		nl = memchr(v.iov_base, '\n', v.iov_len);
		n = nl != NULL ? (size_t)(nl - (const char *)v.iov_base) + 1
			       : v.iov_len;
		if (s->ev.trace != NULL)
			imap_trace_in(s, v.iov_base, n);
		rc = imap_parser_feed(s->p, v.iov_base, n);
		evbuffer_drain(in, n);
		while (!s->dead && !s->freed && !s->switched &&
		    (r = imap_parser_next(s->p)) != NULL) {
			imap_dispatch(s, r);
			if (!s->cur_taken)
				imap_response_free(r);
		}
		if (rc == -1 && !s->dead && !s->freed) {
			imap_fail(s, IMAP_ERR_PROTOCOL, "%s: %s", imap_peer(s),
			    imap_parser_error(s->p));
			return;
		}
	}
	if (!s->dead && !s->freed) {
		imap_pump(s);
		if (imap_idle_wanted(s))
			imap_schedule(s, DF_IDLE);
	}
}

/* ----------------------------------------------------- transport events */

/* TCP is up: plaintext and STARTTLS sessions wait for the greeting. */
static void
imap_on_connected(struct transport *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* TLS is up: implicit TLS waits for the greeting; after STARTTLS we ask
 * for the capabilities again (the plaintext ones prove nothing). */
static void
imap_on_tls_ready(struct transport *t, void *arg)
{
	struct imap *s = arg;

	(void)t;
	imap_enter(s);
	if (s->starttls_sent && s->greeted) {
		s->starttls_sent = 0;
		imap_setup_next(s);
	}
	imap_leave(s);
}

/* Bytes arrived. */
static void
imap_on_data(struct transport *t, void *arg)
{
	struct imap *s = arg;

	(void)t;
	imap_enter(s);
	if (!s->dead)
		imap_read(s);
	imap_leave(s);
}

/* The certificate needs a person: pass the question on. */
static void
imap_on_cert(struct transport *t, const struct tls_cert *cert, void *arg)
{
	struct imap *s = arg;

	(void)t;
	imap_enter(s);
	if (s->ev.cert_question != NULL)
		s->ev.cert_question(s, cert, s->arg);
	imap_leave(s);
}

/* Bytes injected before the STARTTLS handshake were dropped. */
static void
imap_on_injected(struct transport *t, const void *bytes, size_t shown,
    size_t total, void *arg)
{
	struct imap *s = arg;

	(void)t;
	(void)bytes;
	(void)shown;
	imap_enter(s);
	if (s->ev.injected != NULL)
		s->ev.injected(s, total, s->arg);
	imap_leave(s);
}

/* The connection is gone: classify and end the session. */
static void
imap_on_error(
    struct transport *t, enum transport_error error, const char *msg, void *arg)
{
	struct imap *s = arg;
	enum imap_result why;

	(void)t;
	imap_enter(s);
	switch (error) {
	case TRANSPORT_ERR_CONNECT: why = IMAP_ERR_CONNECTION; break;
	case TRANSPORT_ERR_TLS:
	case TRANSPORT_ERR_CERT_REJECTED: why = IMAP_ERR_TLS; break;
	case TRANSPORT_ERR_TIMEOUT: why = IMAP_ERR_TIMEOUT; break;
	case TRANSPORT_ERR_PROTOCOL: why = IMAP_ERR_PROTOCOL; break;
	case TRANSPORT_ERR_LOCAL: why = IMAP_ERR_LOCAL; break;
	case TRANSPORT_ERR_CLOSED:
	default: why = IMAP_ERR_CONNECTION; break;
	}
	/* Whatever breaks while STARTTLS is under way is a TLS failure. */
	if (s->starttls_sent && why != IMAP_ERR_TIMEOUT)
		why = IMAP_ERR_TLS;
	/* A server may hang up as soon as it has said BYE to LOGOUT. */
	if (error == TRANSPORT_ERR_CLOSED && s->inflight.head != NULL &&
	    (s->inflight.head->flags & CF_LOGOUT))
		imap_fail(s, IMAP_OK, NULL);
	else
		imap_fail(s, why, "%s", msg);
	imap_leave(s);
}

static const struct transport_cbs imap_transport_cbs = {
	.connected = imap_on_connected,
	.tls_ready = imap_on_tls_ready,
	.data = imap_on_data,
	.cert_question = imap_on_cert,
	.injected = imap_on_injected,
	.error = imap_on_error,
};

/* Deferred work: completions, the end, IDLE. */
static void
imap_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct imap *s = arg;
	unsigned todo = s->pending;

	(void)fd;
	(void)what;
	s->pending = 0;
	imap_enter(s);
	if ((todo & DF_COMPLETE) && !s->freed)
		(void)imap_finish_finished(s);
	if (s->dead && !s->freed)
		(void)imap_report_death(s);
	if ((todo & DF_IDLE) && !s->freed && !s->dead)
		imap_idle_start(s);
	imap_leave(s);
}

/* ----------------------------------------------------------- the API */

/* A copy of a NULL-terminated list, or NULL. */
static char **
imap_strv_copy(const char *const *v)
{
	char **out;
	size_t n = 0, i;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	out = xcalloc(n + 1, sizeof *out);
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* Create a session; see imap.h. */
struct imap *
imap_new(struct event_base *base, const struct imap_config *cfg,
    const struct imap_events *ev, void *arg, char **err)
{
	struct transport_cbs cbs = imap_transport_cbs;
	struct imap *s;
	size_t i;

	*err = NULL;
	if (base == NULL || cfg == NULL) {
		*err = xstrdup("imap: no event base or configuration");
		return NULL;
	}
	if (cfg->mechanisms != NULL) {
		for (i = 0; cfg->mechanisms[i] != NULL; i++) {
			enum sasl_mech m;

			if (sasl_mech_from_name(cfg->mechanisms[i], &m) == -1 &&
			    strcasecmp(cfg->mechanisms[i], "IMAP-LOGIN") != 0) {
				*err = xasprintf("imap: unknown "
						 "authentication mechanism "
						 "\"%.40s\"",
				    cfg->mechanisms[i]);
				return NULL;
			}
		}
	}
	if ((cfg->user != NULL && strpbrk(cfg->user, "\r\n") != NULL)) {
		*err = xstrdup("imap: the user name has a line break");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->base = base;
	if (ev != NULL)
		s->ev = *ev;
	s->arg = arg;
	if (s->ev.cert_question == NULL)
		cbs.cert_question = NULL;
	s->t = transport_new(base, &cfg->transport, &cbs, s, err);
	if (s->t == NULL) {
		free(s);
		return NULL;
	}
	s->user = cfg->user != NULL ? xstrdup(cfg->user) : NULL;
	s->password = cfg->password != NULL ? xstrdup(cfg->password) : NULL;
	s->token = cfg->oauth_token != NULL ? xstrdup(cfg->oauth_token) : NULL;
	s->mechs = imap_strv_copy(cfg->mechanisms);
	s->want_compress = cfg->compress;
	s->want_idle = cfg->idle;
	s->idle_restart_s = cfg->idle_restart_s > 0 ? cfg->idle_restart_s
						    : IMAP_DEFAULT_IDLE_RESTART;
	if (s->idle_restart_s > IMAP_MAX_IDLE_RESTART)
		s->idle_restart_s = IMAP_MAX_IDLE_RESTART;
	s->max_in_flight = cfg->max_in_flight > 0 ? cfg->max_in_flight
						  : IMAP_DEFAULT_IN_FLIGHT;
	s->idle_timeout_ms = cfg->transport.idle_timeout_ms;
	s->cur_timeout = s->idle_timeout_ms;
	s->mode = cfg->transport.mode;
	s->host = xstrdup(cfg->transport.host);
	s->port = cfg->transport.port;
	s->id_name = cfg->id_name != NULL ? xstrdup(cfg->id_name) : NULL;
	s->id_version =
	    cfg->id_version != NULL ? xstrdup(cfg->id_version) : NULL;
	s->ignore = imap_split(cfg->ignore_caps, 1);
	s->limits = cfg->limits;
	s->p = imap_parser_new(&s->limits);
	s->ev_defer = event_new(base, -1, 0, imap_defer_cb, s);
	s->ev_idle = evtimer_new(base, imap_idle_timer_cb, s);
	if (s->ev_defer == NULL || s->ev_idle == NULL) {
		fprintf(stderr, "tern: out of memory (event)\n");
		abort();
	}
	return s;
}

/* Start connecting; see imap.h. */
void
imap_connect(struct imap *s)
{
	if (s == NULL || s->freed || s->dead || s->connect_called)
		return;
	s->connect_called = 1;
	if (transport_connect(s->t) == -1)
		imap_fail(
		    s, IMAP_ERR_LOCAL, "%s: already connected", imap_peer(s));
}

/* Answer the certificate question. */
void
imap_cert_answer(struct imap *s, enum transport_cert_answer answer)
{
	if (s == NULL || s->freed || s->dead)
		return;
	(void)transport_cert_answer(s->t, answer);
}

/* Cancel everything and free; see imap.h. */
void
imap_free(struct imap *s)
{
	struct imap_cmdq *qs[4];
	struct imap_cmd *c;
	size_t i;

	if (s == NULL || s->freed)
		return;
	s->freed = 1;
	qs[0] = &s->finished;
	qs[1] = &s->inflight;
	qs[2] = &s->sysq;
	qs[3] = &s->userq;
	if (s->t != NULL)
		transport_close(s->t);
	/* Callbacks below see a freed session: they cannot queue. */
	s->depth++;
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		while ((c = imap_q_pop(qs[i])) != NULL)
			(void)imap_cmd_finish(s, c, IMAP_CANCELED, NULL,
			    "canceled: the session was closed");
	}
	s->ninflight = 0;
	s->depth--;
	transport_free(s->t);
	s->t = NULL;
	imap_parser_free(s->p);
	event_free(s->ev_defer);
	event_free(s->ev_idle);
	sasl_free(s->sasl);
	if (s->password != NULL) {
		OPENSSL_cleanse(s->password, strlen(s->password));
		free(s->password);
	}
	if (s->token != NULL) {
		OPENSSL_cleanse(s->token, strlen(s->token));
		free(s->token);
	}
	free(s->user);
	imap_strv_free(s->mechs);
	free(s->host);
	free(s->id_name);
	free(s->id_version);
	imap_strv_free(s->ignore);
	imap_strv_free(s->caps);
	free(s->caps_text);
	imap_strv_free(s->enabled);
	free(s->ns_prefix);
	free(s->selected);
	free(s->auth_err);
	free(s->why_msg);
	if (s->depth == 0)
		free(s);
}

/* LOGOUT answered: the polite end. */
static void
imap_logout_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	(void)res;
	(void)tagged;
	(void)msg;
	(void)arg;
	if (!s->freed)
		imap_fail(s, IMAP_OK, NULL);
}

/* LOGOUT after what is in flight; see imap.h. */
void
imap_logout(struct imap *s)
{
	struct imap_cmd *c;

	if (s == NULL || s->freed || s->dead || s->logging_out)
		return;
	if (!s->ready) {
		imap_fail(s, IMAP_CANCELED,
		    "%s: logged out before the session was ready",
		    imap_peer(s));
		return;
	}
	s->logging_out = 1;
	/* Queued commands never go: only what is in flight finishes. */
	while ((c = imap_q_pop(&s->userq)) != NULL)
		imap_finish_later(s, c, IMAP_CANCELED, "logged out first");
	c = imap_cmd_new(NULL, imap_logout_done, s);
	c->flags = CF_INTERNAL | CF_BARRIER | CF_LOGOUT;
	snprintf(c->name, sizeof c->name, "LOGOUT");
	imap_cmd_puts(c, "LOGOUT\r\n");
	imap_q_push(&s->sysq, c);
	imap_pump(s);
}

/* Is the session ready for commands? */
int
imap_is_ready(const struct imap *s)
{
	return s != NULL && s->ready && !s->dead && !s->freed;
}

/* Is the session idling? */
int
imap_is_idling(const struct imap *s)
{
	return s != NULL && s->idle_plus && !s->idle_done_sent && !s->dead;
}

/* Is COMPRESS=DEFLATE on? */
int
imap_is_compressed(const struct imap *s)
{
	return s != NULL && s->t != NULL && !s->dead &&
	    transport_is_compressed(s->t);
}

/* The TLS details, or NULL without TLS. */
const struct transport_tls_info *
imap_tls_info(const struct imap *s)
{
	struct imap *m = (struct imap *)(uintptr_t)s;

	if (s == NULL || s->t == NULL ||
	    transport_tls_info(s->t, &m->tls) == -1)
		return NULL;
	return &s->tls;
}

/* The capabilities, space separated. */
const char *
imap_capabilities(const struct imap *s)
{
	return s != NULL && s->caps_text != NULL ? s->caps_text : "";
}

/* The mailbox selected (as given to imap_select), or NULL. */
const char *
imap_selected(const struct imap *s)
{
	return s != NULL ? s->selected : NULL;
}

/* The personal namespace; see imap.h. */
int
imap_namespace(const struct imap *s, const char **prefix, char *delim)
{
	if (s == NULL || !s->ns_known || s->ns_prefix == NULL)
		return -1;
	if (prefix != NULL)
		*prefix = s->ns_prefix;
	if (delim != NULL)
		*delim = s->ns_delim;
	return 0;
}

/* How the session logged in. */
const char *
imap_auth_mechanism(const struct imap *s)
{
	return s != NULL && s->authenticated ? s->mech_used : NULL;
}

/* A name for a result. */
const char *
imap_result_name(enum imap_result res)
{
	switch (res) {
	case IMAP_OK: return "ok";
	case IMAP_NO: return "no";
	case IMAP_BAD: return "bad";
	case IMAP_CANCELED: return "canceled";
	case IMAP_ERR_CONNECTION: return "connection";
	case IMAP_ERR_TLS: return "tls";
	case IMAP_ERR_AUTH: return "auth";
	case IMAP_ERR_PROTOCOL: return "protocol";
	case IMAP_ERR_TIMEOUT: return "timeout";
	case IMAP_ERR_LOCAL: return "local";
	}
	return "unknown";
}

/* ---------------------------------------------------------- conveniences */

/* LIST with the return options the server can give; see imap.h. */
int
imap_list(struct imap *s, imap_data_cb data, imap_done_cb done, void *arg)
{
	int su, st;

	if (s == NULL)
		return -1;
	su = imap_has_cap(s, "SPECIAL-USE") && imap_has_cap(s, "LIST-EXTENDED");
	st = imap_has_cap(s, "LIST-STATUS");
	if (su && st)
		return imap_command(s, data, done, arg,
		    "LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES "
		    "UNSEEN UIDNEXT UIDVALIDITY))");
	if (st)
		return imap_command(s, data, done, arg,
		    "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT "
		    "UIDVALIDITY))");
	if (su)
		return imap_command(
		    s, data, done, arg, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
	return imap_command(s, data, done, arg, "LIST \"\" \"*\"");
}

/* SELECT or EXAMINE; see imap.h. */
int
imap_select(struct imap *s, const char *mailbox, int read_only,
    uint32_t uidvalidity, uint64_t modseq, imap_data_cb data, imap_done_cb done,
    void *arg)
{
	if (s == NULL)
		return -1;
	if (imap_is_enabled(s, "QRESYNC") && uidvalidity != 0 && modseq != 0)
		return imap_command(s, data, done, arg,
		    read_only ? "EXAMINE %m (QRESYNC (%u %U))"
			      : "SELECT %m (QRESYNC (%u %U))",
		    mailbox, (unsigned)uidvalidity, modseq);
	if (imap_is_enabled(s, "CONDSTORE"))
		return imap_command(s, data, done, arg,
		    read_only ? "EXAMINE %m (CONDSTORE)"
			      : "SELECT %m (CONDSTORE)",
		    mailbox);
	return imap_command(s, data, done, arg,
	    read_only ? "EXAMINE %m" : "SELECT %m", mailbox);
}

/* UNSELECT, or CLOSE; see imap.h. */
int
imap_unselect(struct imap *s, imap_done_cb done, void *arg)
{
	if (s == NULL)
		return -1;
	return imap_command(s, NULL, done, arg,
	    imap_has_cap(s, "UNSELECT") ? "UNSELECT" : "CLOSE");
}

/* Free a move operation. */
static void
imap_move_free(struct imap_move *m)
{
	free(m->uidset);
	free(m->mailbox);
	imap_response_free(m->copied);
	free(m);
}

/* Tell the caller how the move ended, and free it. */
static void
imap_move_end(struct imap *s, struct imap_move *m, enum imap_result res,
    const struct imap_response *tagged, const char *msg)
{
	if (m->done != NULL)
		m->done(s, res, tagged, msg, m->arg);
	imap_move_free(m);
}

/* UID MOVE's untagged OK [COPYUID ...]: keep it for the caller. */
static void
imap_move_data(struct imap *s, const struct imap_response *r, void *arg)
{
	struct imap_move *m = arg;

	if (r->kind == IMAP_RESP_STATUS && r->code.kind == IMAP_CODE_COPYUID &&
	    m->copied == NULL)
		m->copied = imap_take_response(s);
}

/*
 * UID MOVE answered: hand over COPYUID in the tagged answer's code.  It
 * replaces whatever code the tagged OK had (Dovecot puts HIGHESTMODSEQ
 * there): for a move, where the messages went is what the caller needs.
 */
static void
imap_move_done(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct imap_move *m = arg;
	struct imap_response *t = (struct imap_response *)(uintptr_t)tagged;
	struct imap_code tmp;

	if (t != NULL && res == IMAP_OK && t->code.kind != IMAP_CODE_COPYUID &&
	    m->copied != NULL) {
		tmp = t->code;
		t->code = m->copied->code;
		m->copied->code = tmp;
	}
	imap_move_end(s, m, res, tagged, msg);
}

static void imap_move_stored(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg);
static void imap_move_expunged(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg);

/*
 * Queue one step of the fallback at the front of the session's own queue:
 * nothing the caller queued meanwhile may come between COPY, STORE and
 * EXPUNGE, and a LOGOUT waits for the move to finish.
 */
static void
imap_move_step(struct imap *s, struct imap_move *m, imap_done_cb done,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)imap_queue_fmt(s, CF_INTERNAL, 1, NULL, done, m, fmt, ap);
	va_end(ap);
}

/* The fallback's COPY answered: mark the originals, or stop here. */
static void
imap_move_copied(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct imap_move *m = arg;

	if (res != IMAP_OK) {
		imap_move_end(s, m, res, tagged, msg);
		return;
	}
	m->copied = imap_take_response(s);
	imap_move_step(s, m, imap_move_stored,
	    "UID STORE %S +FLAGS.SILENT (\\Deleted)", m->uidset);
}

/* The fallback's STORE answered: expunge exactly those messages. */
static void
imap_move_stored(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct imap_move *m = arg;
	char *why;

	if (res != IMAP_OK) {
		why = xasprintf("copied, but the originals could not be "
				"marked deleted: %s",
		    msg != NULL ? msg : "");
		imap_move_end(s, m, res, tagged, why);
		free(why);
		return;
	}
	imap_move_step(s, m, imap_move_expunged, "UID EXPUNGE %S", m->uidset);
}

/* The fallback's EXPUNGE answered: the move is over. */
static void
imap_move_expunged(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg)
{
	struct imap_move *m = arg;
	char *why;

	if (res != IMAP_OK) {
		why = xasprintf("copied and marked deleted, but not "
				"expunged: %s",
		    msg != NULL ? msg : "");
		imap_move_end(s, m, res, tagged, why);
		free(why);
		return;
	}
	imap_move_end(s, m, res, m->copied, NULL);
}

/* UID MOVE, or its fallback; see imap.h. */
int
imap_uid_move(struct imap *s, const char *uidset, const char *mailbox,
    imap_done_cb done, void *arg)
{
	struct imap_range *v;
	struct imap_move *m;
	struct imap_cmd *c;
	size_t n;
	int star;

	if (s == NULL || s->freed || uidset == NULL || mailbox == NULL ||
	    imap_parse_set(uidset, &v, &n, &star) == -1)
		return -1;
	free(v);
	m = xcalloc(1, sizeof *m);
	m->uidset = xstrdup(uidset);
	m->mailbox = xstrdup(mailbox);
	m->done = done;
	m->arg = arg;
	if (imap_has_cap(s, "MOVE")) {
		if (imap_command(s, imap_move_data, imap_move_done, m,
			"UID MOVE %S %m", uidset, mailbox) == -1) {
			imap_move_free(m);
			return -1;
		}
		return 0;
	}
	if (!imap_has_cap(s, "UIDPLUS")) {
		/* EXPUNGE would also remove messages others marked deleted:
		 * refuse rather than lose them. */
		c = imap_cmd_new(NULL, done, arg);
		snprintf(c->name, sizeof c->name, "UID MOVE");
		imap_move_free(m);
		if (s->logging_out && !s->dead) {
			imap_cmd_free(c);
			return -1;
		}
		imap_finish_later(s, c, IMAP_ERR_LOCAL,
		    "cannot move: the server offers neither MOVE nor UIDPLUS, "
		    "and expunging would remove other deleted messages too");
		return 0;
	}
	if (imap_command(s, NULL, imap_move_copied, m, "UID COPY %S %m", uidset,
		mailbox) == -1) {
		imap_move_free(m);
		return -1;
	}
	return 0;
}

/* APPEND; see imap.h. */
int
imap_append(struct imap *s, const char *mailbox, const char *flags, time_t date,
    const void *data, size_t len, imap_done_cb done, void *arg)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct imap_cmd *c;
	char **words, buf[64];
	struct tm tm;
	size_t i;

	if (s == NULL || s->freed || (s->logging_out && !s->dead) ||
	    (data == NULL && len > 0))
		return -1;
	c = imap_cmd_new(NULL, done, arg);
	(void)imap_cmd_classify(c, "APPEND", 0);
	imap_cmd_puts(c, "APPEND ");
	if (imap_cmd_mailbox(c, mailbox) == -1) {
		imap_cmd_free(c);
		return -1;
	}
	if (flags != NULL) {
		words = imap_split(flags, 0);
		imap_cmd_puts(c, " (");
		for (i = 0; words[i] != NULL; i++) {
			if (!imap_is_flag(words[i]) ||
			    strcasecmp(words[i], "\\RECENT") == 0) {
				imap_strv_free(words);
				imap_cmd_free(c);
				return -1;
			}
			if (i > 0)
				imap_cmd_puts(c, " ");
			imap_cmd_puts(c, words[i]);
		}
		imap_strv_free(words);
		imap_cmd_puts(c, ")");
	}
	if (date != 0) {
		if (gmtime_r(&date, &tm) == NULL) {
			imap_cmd_free(c);
			return -1;
		}
		snprintf(buf, sizeof buf,
		    " \"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday,
		    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		imap_cmd_puts(c, buf);
	}
	imap_cmd_puts(c, " ");
	imap_cmd_literal(c, data, len);
	imap_cmd_text(c, "\r\n", 2);
	imap_cmd_queue(s, c, 0);
	return 0;
}
