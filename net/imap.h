/*
 * imap.h - one IMAP4 session over a transport: the command queue, the
 * pipeline, literals, SASL, IDLE.
 *
 * The session knows nothing of accounts, stores or screens.  It connects
 * (implicit TLS, STARTTLS that is never opportunistic, or plaintext when
 * the account said so), greets, asks CAPABILITY, logs in with the best
 * mechanism allowed, ENABLEs what it can (CONDSTORE, QRESYNC, UTF8=ACCEPT,
 * IMAP4rev2), turns on COMPRESS=DEFLATE when offered and wanted, and then
 * reports ready.
 *
 * Commands wait in a queue and go out while the pipeline has room.  Every
 * command's done callback fires exactly once: with the server's tagged
 * answer, or with IMAP_CANCELED when the session goes away first, or with
 * the class of the failure that ended the session.  It never fires inside
 * the call that queued the command.
 *
 * Untagged data goes to the data callback of the command it belongs to
 * (FETCH to the UID FETCH or UID STORE in flight, SEARCH/ESEARCH to the
 * search, LIST/STATUS to the LIST or STATUS, ...).  To make that
 * attribution unambiguous, a command is held in the queue while another
 * command that produces the same kind of untagged data is in flight; ESEARCH
 * is matched by its TAG.  Data no command claims (EXISTS, EXPUNGE,
 * VANISHED, FLAGS, unsolicited FETCH of flags, ALERTs) goes to the
 * session's events.
 *
 * What each command claims (the command name is the start of the format):
 *   CAPABILITY    CAPABILITY        NAMESPACE   NAMESPACE
 *   ID            ID                ENABLE      ENABLED
 *   LIST          LIST, and STATUS when the format asks RETURN (STATUS ..)
 *   LSUB          LSUB              STATUS      STATUS of its mailbox
 *   SELECT, EXAMINE  FLAGS, EXISTS, RECENT, FETCH, VANISHED (EARLIER),
 *                 LIST (RFC 9051) and untagged OK/NO/BAD with their codes
 *   UID FETCH, UID STORE  FETCH answers whose UID is in the command's set
 *                 (its first argument, given with %S or %u; plus VANISHED
 *                 (EARLIER) for UID FETCH ... (VANISHED))
 *   UID SEARCH, UID SORT  SEARCH, SORT, ESEARCH (ESEARCH by its TAG)
 *   UID MOVE      the untagged OK [COPYUID ...]
 *   commands the session does not know: responses the parser does not
 *                 know
 *   everything else (UID COPY, UID EXPUNGE, EXPUNGE, APPEND, CREATE,
 *   DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, NOOP, CHECK, UNSELECT, CLOSE):
 *                 nothing
 * EXPUNGE and VANISHED (not EARLIER) always go to the events, whatever is
 * in flight: they renumber the mailbox, and one place must see them all.
 * A FETCH without a UID goes to the events unless a SELECT or a FETCH by
 * sequence number is in flight.  UID FETCH/STORE commands share the
 * pipeline when their UID sets are disjoint and have no "*"; STATUS
 * commands when their mailboxes differ.  SELECT, EXAMINE, UNSELECT, CLOSE,
 * commands with sequence numbers and commands the session does not know
 * go alone.
 *
 * When the connection drops, every pending command's done gets the class
 * of the failure (IMAP_ERR_CONNECTION, _TLS, _PROTOCOL, _TIMEOUT ...) and
 * its message, then closed() fires with the same.  After imap_logout(),
 * queued commands get IMAP_CANCELED, those in flight finish, LOGOUT goes,
 * and closed() fires with IMAP_OK (with IMAP_CANCELED, at once, when the
 * session was not ready yet).  imap_free() gives every pending
 * command IMAP_CANCELED (inside imap_free, the only call that reports
 * anything from inside itself) and does not call closed().
 *
 * IDLE: with cfg->idle, when the server offers IDLE, a mailbox is selected
 * and nothing is queued or in flight, the session idles (entering on the
 * next loop turn, so a command queued from a done callback goes first).
 * A command queued while idling makes the session send DONE, wait for
 * IDLE's tagged OK, then send the command.  IDLE is re-issued every
 * idle_restart_s.  EXISTS, EXPUNGE, FETCH ... during IDLE go to
 * events->untagged.  The transport's idle timeout only counts while the
 * session waits for an answer, never while it rests or idles.
 *
 * Pointers handed to callbacks are borrowed: valid until the callback
 * returns.  net/ never prints and never prompts: a certificate question
 * pauses the session until imap_cert_answer().
 */
#ifndef TERN_IMAP_H
#define TERN_IMAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_parse.h"
#include "tls_cert.h"
#include "transport.h"

struct event_base;
struct imap;

/* The $Forwarded keyword, for %F (beside imap_parse.h's IMAP_FLAG_*). */
#define IMAP_FLAG_KW_FORWARDED 0x100u

/* How a command (or the session) ended. */
enum imap_result {
	IMAP_OK,
	IMAP_NO, /* the server said NO; text in the response */
	IMAP_BAD, /* the server said BAD */
	IMAP_CANCELED, /* the session was freed or logged out first */
	IMAP_ERR_CONNECTION, /* could not connect, or the connection died */
	IMAP_ERR_TLS, /* TLS failed, STARTTLS missing or refused,
			 certificate rejected, PREAUTH before TLS */
	IMAP_ERR_AUTH, /* no usable mechanism, or login refused */
	IMAP_ERR_PROTOCOL, /* the server broke the grammar or a limit */
	IMAP_ERR_TIMEOUT,
	IMAP_ERR_LOCAL, /* our side: a bad argument, resolver, ... */
};

/* The session's settings; strings are copied by imap_new(). */
struct imap_config {
	struct transport_config transport;
	const char *user;
	const char *password; /* NULL for OAuth mechanisms */
	const char *oauth_token; /* for XOAUTH2 / OAUTHBEARER */
	const char *const *mechanisms; /* allowed, NULL-terminated; NULL:
					  any the server offers, preferring
					  SCRAM-SHA-256, PLAIN, LOGIN */
	int compress; /* COMPRESS=DEFLATE when offered */
	int idle; /* IDLE while nothing is queued */
	unsigned idle_restart_s; /* re-issue IDLE after this (< 29 min) */
	unsigned max_in_flight; /* pipeline depth, >= 1 */
	struct imap_limits limits;
	const char *id_name; /* sent in ID when offered, or NULL */
	const char *id_version;
	const char *ignore_caps; /* capabilities to treat as absent,
				    space separated (a broken server's
				    LITERAL+, tests), or NULL */
};

/*
 * mechanisms names SASL mechanisms (PLAIN, LOGIN, SCRAM-SHA-256, XOAUTH2,
 * OAUTHBEARER) and "IMAP-LOGIN", the LOGIN command.  The LOGIN command is
 * the fallback when no allowed SASL mechanism is offered, the server does
 * not say LOGINDISABLED, and mechanisms is NULL or names PLAIN, LOGIN or
 * IMAP-LOGIN; listing only IMAP-LOGIN forces it.  Best first: OAUTHBEARER,
 * XOAUTH2 (with a token), SCRAM-SHA-256, PLAIN, LOGIN (with a password).
 * max_in_flight 0 means 16; idle_restart_s 0 means 28 minutes.
 */

/* What the session reports outside any command. */
struct imap_events {
	/* Logged in, capabilities known, ENABLE done: commands may flow.
	   (Commands queued earlier simply wait until then.) */
	void (*ready)(struct imap *s, void *arg);
	/* The certificate is not trusted: answer with imap_cert_answer(). */
	void (*cert_question)(
	    struct imap *s, const struct tls_cert *cert, void *arg);
	/* Untagged data no command claimed: EXISTS, EXPUNGE, VANISHED,
	   FLAGS, unsolicited FETCH, untagged OK/NO with codes. */
	void (*untagged)(
	    struct imap *s, const struct imap_response *r, void *arg);
	/* An [ALERT] the user must see. */
	void (*alert)(struct imap *s, const char *text, void *arg);
	/* The session ended (after every pending command got its done). */
	void (*closed)(
	    struct imap *s, enum imap_result why, const char *msg, void *arg);
	/* Bytes injected after the STARTTLS OK were dropped (an attack). */
	void (*injected)(struct imap *s, size_t bytes, void *arg);
	/* The protocol for a debug log, or NULL: dir '>' for a command sent
	   (credentials and SASL data replaced by "<redacted...>", literals by
	   "<n bytes>"), '<' for a line received (cut at 300 bytes);
	   printable ASCII, no CRLF. */
	void (*trace)(struct imap *s, char dir, const char *line, void *arg);
};

/* A command's untagged data, and its end.  tagged is NULL unless the
   server answered (OK/NO/BAD); msg is one readable line unless IMAP_OK. */
typedef void (*imap_data_cb)(
    struct imap *s, const struct imap_response *r, void *arg);
typedef void (*imap_done_cb)(struct imap *s, enum imap_result res,
    const struct imap_response *tagged, const char *msg, void *arg);

struct imap *imap_new(struct event_base *base, const struct imap_config *cfg,
    const struct imap_events *ev, void *arg, char **err);
void imap_connect(struct imap *s);
void imap_cert_answer(struct imap *s, enum transport_cert_answer answer);
/* Cancel everything (done callbacks get IMAP_CANCELED) and free. */
void imap_free(struct imap *s);
/* LOGOUT politely, then closed() fires. */
void imap_logout(struct imap *s);

int imap_is_ready(const struct imap *s);
int imap_is_idling(const struct imap *s); /* IDLE is on (the server said +) */
int imap_is_compressed(const struct imap *s); /* COMPRESS=DEFLATE is on */
int imap_has_cap(const struct imap *s, const char *cap);
int imap_is_enabled(const struct imap *s, const char *ext);
const struct transport_tls_info *imap_tls_info(const struct imap *s);
const char *imap_capabilities(const struct imap *s); /* space separated */
const char *imap_result_name(enum imap_result res);
/* The mailbox selected (as given to the command), or NULL. */
const char *imap_selected(const struct imap *s);
/* The first personal namespace (NAMESPACE, when offered): 0 with its
   prefix (borrowed) and delimiter ('\0' for none), or -1 if unknown. */
int imap_namespace(const struct imap *s, const char **prefix, char *delim);
/* How the session logged in: "SCRAM-SHA-256", "PLAIN", "LOGIN",
   "XOAUTH2", "OAUTHBEARER", "IMAP-LOGIN" (the LOGIN command), "PREAUTH";
   NULL before. */
const char *imap_auth_mechanism(const struct imap *s);

/*
 * Queue a command built from fmt, where every argument is encoded safely:
 *   %a  an atom the caller vouches for (checked: refused if not an atom)
 *   %f  one flag: "\\Word" or a keyword atom (checked)
 *   %s  a string: quoted, or sent as a literal (LITERAL+ when offered)
 *   %m  a mailbox name (UTF-8): modified UTF-7, or UTF-8 after UTF8=ACCEPT
 *       or IMAP4rev2 ("INBOX" in any case is sent as INBOX)
 *   %M  a mailbox name exactly as the server sent it (imap_list.name)
 *   %u  an unsigned 32-bit number (unsigned), %U an unsigned 64-bit
 *       number (uint64_t)
 *   %S  a sequence set given as a string ("1:*", "4,7:9"), checked
 *   %L  a literal of bytes: two arguments (const void *, size_t)
 *   %F  a flag list from IMAP_FLAG_* bits (unsigned), with
 *       IMAP_FLAG_KW_FORWARDED for $Forwarded: "(\Seen \Flagged)";
 *       only SEEN, ANSWERED, FLAGGED, DELETED, DRAFT and KW_FORWARDED
 *   %%  a percent sign
 * The text of fmt itself must be printable (no CR, LF).  The tag is added
 * by the session.  Returns 0, or -1 (done is then not called) when an
 * argument cannot be encoded (a NUL in a string, a malformed set ...), or
 * the command is one only the session sends (LOGIN, AUTHENTICATE,
 * STARTTLS, COMPRESS, IDLE, LOGOUT: use imap_logout()), or s was freed.
 * On a session that has ended, or after imap_logout(), the command is
 * accepted and done fires from the loop with the session's failure class
 * (IMAP_CANCELED after a logout).
 */
int imap_command(struct imap *s, imap_data_cb data, imap_done_cb done,
    void *arg, const char *fmt, ...);
int imap_vcommand(struct imap *s, imap_data_cb data, imap_done_cb done,
    void *arg, const char *fmt, va_list ap);

/* Conveniences over imap_command for what the backends use. */

/* LIST "" "*" (with RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN UIDNEXT
   UIDVALIDITY)) when LIST-STATUS is offered; SPECIAL-USE when the server
   has it and LIST-EXTENDED): data gets LIST and STATUS responses. */
int imap_list(struct imap *s, imap_data_cb data, imap_done_cb done, void *arg);

/* SELECT (or EXAMINE when read_only), with (CONDSTORE) or
   (QRESYNC (uidvalidity modseq)) when enabled and the values are given
   (0 for none).  data gets FLAGS, EXISTS, VANISHED (EARLIER), FETCH and
   the untagged OKs with UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, ... */
int imap_select(struct imap *s, const char *mailbox, int read_only,
    uint32_t uidvalidity, uint64_t modseq, imap_data_cb data, imap_done_cb done,
    void *arg);

/* UNSELECT when offered, else CLOSE (which expunges: callers who must
   not expunge check imap_has_cap(s, "UNSELECT") themselves). */
int imap_unselect(struct imap *s, imap_done_cb done, void *arg);

/* UID MOVE when offered; else UID COPY, UID STORE +FLAGS.SILENT
   (\Deleted) and UID EXPUNGE (with UIDPLUS), as one operation: each step
   only after the one before succeeded, nothing else in between.  Without
   MOVE and UIDPLUS done gets IMAP_ERR_LOCAL (an EXPUNGE would remove other
   deleted messages too).  On success tagged->code is the COPYUID the
   server sent, if any (for MOVE it comes untagged and replaces the tagged
   OK's own code, such as HIGHESTMODSEQ; for the fallback tagged is the
   COPY's answer).  mailbox is UTF-8, as for %m. */
int imap_uid_move(struct imap *s, const char *uidset, const char *mailbox,
    imap_done_cb done, void *arg);

/* APPEND with optional flags (IMAP words, space separated, or NULL) and
   internal date (0 for none), the message as a literal.  mailbox is
   UTF-8, as for %m. */
int imap_append(struct imap *s, const char *mailbox, const char *flags,
    time_t date, const void *data, size_t len, imap_done_cb done, void *arg);

#endif
