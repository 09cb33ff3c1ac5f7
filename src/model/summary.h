/*
 * summary.h - what tern knows about a message without its body.
 *
 * Backends produce summaries, the store keeps them, the message table (msgtab.h)
 * holds them compactly for a folder view.  This is the plain, owned form
 * that passes between those layers; the model's in-memory form is its
 * own (see msgtab.h).
 */
#ifndef TERN_SUMMARY_H
#define TERN_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

/* Message flags: IMAP's system flags, plus $Forwarded (Maildir 'P'). */
#define MSG_SEEN 0x01u
#define MSG_ANSWERED 0x02u
#define MSG_FLAGGED 0x04u
#define MSG_DELETED 0x08u
#define MSG_DRAFT 0x10u
#define MSG_RECENT 0x20u
#define MSG_FORWARDED 0x40u
#define MSG_ALL_FLAGS 0x7fu

/*
 * One message.  Strings are UTF-8, already decoded from RFC 2047, owned
 * by the summary (summary_clear frees them); NULL when absent.  Message
 * ids are stored without their angle brackets.
 */
struct summary {
	uint32_t uid; /* IMAP UID; a Maildir's uid from the store */
	uint32_t flags; /* MSG_* */
	uint64_t modseq; /* CONDSTORE MODSEQ, 0 if unknown */
	int64_t date; /* Date: header, seconds since the epoch, UTC */
	int64_t arrival; /* INTERNALDATE / file time */
	uint64_t size; /* RFC822.SIZE / file size */
	char *from; /* "Name <addr>" or "addr" */
	char *to;
	char *cc;
	char *subject;
	char *message_id;
	char *in_reply_to; /* the first id only */
	char *references; /* ids separated by single spaces, oldest first */
	bool has_attachment;
	char *key; /* the backend's own name (Maildir file), or NULL */
};

void summary_clear(struct summary *s);
void summary_copy(struct summary *dst, const struct summary *src);
char *summary_flags_string(uint32_t flags);

#endif
