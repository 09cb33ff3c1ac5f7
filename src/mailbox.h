/*
 * mailbox.h - a folder's messages, held compactly in memory.
 *
 * A mailbox is the model behind a folder view: one fixed-size record per
 * message, with every string kept once in an append-only arena.  Senders,
 * recipients and subjects are interned (they repeat), and so are message
 * ids: each distinct id gets a small number, References are kept as lists
 * of those numbers, and threading (thread.h) works on the numbers without
 * hashing a string again.
 *
 * Messages are addressed by index, 0 .. mailbox_count() - 1, in the order
 * they were added.  Indexes are stable while messages are only added;
 * mailbox_remove_uids() compacts them (see there).  Strings returned by the
 * accessors are borrowed and stay valid until mailbox_free(), even after
 * the message they came from is removed.
 */
#ifndef TERN_MAILBOX_H
#define TERN_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "summary.h"

/*
 * At most this many References are kept per message: the first (the
 * thread's root) and the last ones (the nearest ancestors), which are the
 * ones threading needs.  In-Reply-To counts as the last reference.
 */
#define MAILBOX_MAX_REFS 20
/* Message ids longer than a header line may be (RFC 5322) are ignored. */
#define MAILBOX_MAX_ID_LEN 998

struct mailbox;

/* The interned string fields, for mailbox_string_id(). */
enum mailbox_field {
	MAILBOX_FROM,
	MAILBOX_TO,
	MAILBOX_CC,
	MAILBOX_SUBJECT,
};

struct mailbox *mailbox_new(void);
void mailbox_free(struct mailbox *mb);

/*
 * Add a copy of a summary and return its index.  A summary whose uid is
 * already in the mailbox replaces that message in place (same index).
 */
size_t mailbox_add(struct mailbox *mb, const struct summary *s);
size_t mailbox_count(const struct mailbox *mb);

/* Accessors by index; an index out of range is a bug and aborts. */
uint32_t mailbox_uid(const struct mailbox *mb, size_t idx);
uint32_t mailbox_flags(const struct mailbox *mb, size_t idx);
int64_t mailbox_date(const struct mailbox *mb, size_t idx);
int64_t mailbox_arrival(const struct mailbox *mb, size_t idx);
uint64_t mailbox_size(const struct mailbox *mb, size_t idx);
bool mailbox_has_attachment(const struct mailbox *mb, size_t idx);
/* These return NULL when the summary had no such field. */
const char *mailbox_from(const struct mailbox *mb, size_t idx);
const char *mailbox_to(const struct mailbox *mb, size_t idx);
const char *mailbox_cc(const struct mailbox *mb, size_t idx);
const char *mailbox_subject(const struct mailbox *mb, size_t idx);
const char *mailbox_message_id(const struct mailbox *mb, size_t idx);
const char *mailbox_key(const struct mailbox *mb, size_t idx);

/* Replace a message's flags (MSG_*; other bits are dropped). */
void mailbox_set_flags(struct mailbox *mb, size_t idx, uint32_t flags);

/* The index of the message with this uid, or -1; O(1). */
ssize_t mailbox_find_uid(const struct mailbox *mb, uint32_t uid);

/*
 * Expunge the messages with these uids (unknown uids are ignored) and
 * return how many went.  The survivors keep their relative order but are
 * renumbered without gaps, so every index held before the call (a view,
 * a cursor) is stale afterwards: look messages up again by uid.
 */
size_t mailbox_remove_uids(struct mailbox *mb, const uint32_t *uids, size_t n);

/*
 * Bytes the mailbox holds: records, string arena, id and reference
 * tables, hash tables, each counted at its allocated capacity.  Strings
 * of removed messages stay in the arena until mailbox_free().
 */
size_t mailbox_memory(const struct mailbox *mb);

/*
 * Interned message ids, for threading.  Ids are numbered 1 ..
 * mailbox_id_count(); 0 means "no id".  An id is interned the first time
 * it is seen, as a message's own id or in someone's References.
 */
uint32_t mailbox_id_count(const struct mailbox *mb);
const char *mailbox_id_string(const struct mailbox *mb, uint32_t id);
uint32_t mailbox_message_id_num(const struct mailbox *mb, size_t idx);
/*
 * The message's ancestors as id numbers, oldest first, its parent last
 * (In-Reply-To is appended when it differs from the last reference; the
 * message's own id is left out).  Returns the count, at most
 * MAILBOX_MAX_REFS; *ids is borrowed until the next change to mb.
 */
size_t
mailbox_references(const struct mailbox *mb, size_t idx, const uint32_t **ids);

/*
 * Interned strings (from, to, cc, subject) by number, 1 ..
 * mailbox_string_count(); 0 means NULL.  Equal strings have equal numbers,
 * so work per distinct string (sort keys, matches) can be done once.
 */
uint32_t mailbox_string_count(const struct mailbox *mb);
uint32_t mailbox_string_id(
    const struct mailbox *mb, size_t idx, enum mailbox_field field);
const char *mailbox_string(const struct mailbox *mb, uint32_t id);

/*
 * Sorting.  Every order is total and deterministic: ties are broken by
 * arrival, then uid.  Reverse is the exact mirror of the forward order.
 *
 *   date     Date: header         arrival  INTERNALDATE / file time
 *   from     the sender's name (the address when there is no name),
 *            case-insensitive
 *   subject  case-insensitive, ignoring Re:/Fwd:/AW:-style prefixes
 *   size     bytes
 *   flags    deleted first, then read, unread, flagged (flagged and
 *            unread sort last, next to the newest mail in date order)
 */
enum mailbox_sort {
	MAILBOX_SORT_DATE,
	MAILBOX_SORT_ARRIVAL,
	MAILBOX_SORT_FROM,
	MAILBOX_SORT_SUBJECT,
	MAILBOX_SORT_SIZE,
	MAILBOX_SORT_FLAGS,
};

/* Parse "date", "reverse-subject", ... (the config's sort values). */
int mailbox_sort_parse(const char *name, enum mailbox_sort *key, bool *reverse);
const char *mailbox_sort_name(enum mailbox_sort key);

/*
 * A sorter holds one precomputed key per message, so sorting many small
 * groups (thread children) costs no per-call setup.  It borrows mb, and
 * is stale once messages are added or removed.
 */
struct mailbox_sorter;

struct mailbox_sorter *mailbox_sorter_new(
    const struct mailbox *mb, enum mailbox_sort key, bool reverse);
void mailbox_sorter_free(struct mailbox_sorter *s);
/* Sort an array of message indexes in place. */
void
mailbox_sorter_sort(const struct mailbox_sorter *s, uint32_t *idx, size_t n);
/* Compare two message indexes: <0, 0 (a == b only) or >0. */
int
mailbox_sorter_compare(const struct mailbox_sorter *s, uint32_t a, uint32_t b);

/*
 * Skip reply and forward prefixes ("Re: ", "AW: ", "Fwd: ", "Re[2]: ",
 * repeated) and leading blanks; *prefixed (may be NULL) says whether any
 * prefix was there.  Returns a pointer into subject.
 */
const char *mailbox_subject_strip(const char *subject, bool *prefixed);

#endif
