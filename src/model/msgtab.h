/*
 * msgtab.h - a folder's messages, held compactly in memory.
 *
 * The message table (msgtab) is the model behind a folder screen: one
 * fixed-size record per message, with every string kept once in an append-only
 * arena.  Senders, recipients and subjects are interned (they repeat), and so
 * are message ids: each distinct id gets a small number, References are kept as
 * lists of those numbers, and threading (thread.h) works on the numbers without
 * hashing a string again.
 *
 * Messages are addressed by index, 0 .. msgtab_count() - 1, in the order
 * they were added.  Indexes are stable while messages are only added;
 * msgtab_remove_uids() compacts them (see there).  Strings returned by the
 * accessors are borrowed and stay valid until msgtab_free(), even after
 * the message they came from is removed.
 */
#ifndef TERN_MSGTAB_H
#define TERN_MSGTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/summary.h"

/*
 * At most this many References are kept per message: the first (the
 * thread's root) and the last ones (the nearest ancestors), which are the
 * ones threading needs.  In-Reply-To counts as the last reference.
 */
#define MSGTAB_MAX_REFS 20
/* Message ids longer than a header line may be (RFC 5322) are ignored. */
#define MSGTAB_MAX_ID_LEN 998

struct msgtab;

/* The interned string fields, for msgtab_string_id(). */
enum msgtab_field {
	MSGTAB_FROM,
	MSGTAB_TO,
	MSGTAB_CC,
	MSGTAB_SUBJECT,
};

struct msgtab *msgtab_new(void);
void msgtab_free(struct msgtab *mb);

/*
 * Add a copy of a summary and return its index.  A summary whose uid is
 * already in the message table replaces that message in place (same index).
 */
size_t msgtab_add(struct msgtab *mb, const struct summary *s);
size_t msgtab_count(const struct msgtab *mb);

/* Accessors by index; an index out of range is a bug and aborts. */
uint32_t msgtab_uid(const struct msgtab *mb, size_t idx);
uint32_t msgtab_flags(const struct msgtab *mb, size_t idx);
int64_t msgtab_date(const struct msgtab *mb, size_t idx);
int64_t msgtab_arrival(const struct msgtab *mb, size_t idx);
uint64_t msgtab_size(const struct msgtab *mb, size_t idx);
bool msgtab_has_attachment(const struct msgtab *mb, size_t idx);
/* These return NULL when the summary had no such field. */
const char *msgtab_from(const struct msgtab *mb, size_t idx);
const char *msgtab_to(const struct msgtab *mb, size_t idx);
const char *msgtab_cc(const struct msgtab *mb, size_t idx);
const char *msgtab_subject(const struct msgtab *mb, size_t idx);
const char *msgtab_message_id(const struct msgtab *mb, size_t idx);
const char *msgtab_key(const struct msgtab *mb, size_t idx);

/* Replace a message's flags (MSG_*; other bits are dropped). */
void msgtab_set_flags(struct msgtab *mb, size_t idx, uint32_t flags);

/* The index of the message with this uid, or -1; O(1). */
ssize_t msgtab_find_uid(const struct msgtab *mb, uint32_t uid);

/*
 * Expunge the messages with these uids (unknown uids are ignored) and
 * return how many went.  The survivors keep their relative order but are
 * renumbered without gaps, so every index held before the call (a view,
 * a cursor) is stale afterwards: look messages up again by uid.
 */
size_t msgtab_remove_uids(struct msgtab *mb, const uint32_t *uids, size_t n);

/*
 * Bytes the message table holds: records, string arena, id and reference
 * tables, hash tables, each counted at its allocated capacity.  Strings
 * of removed messages stay in the arena until msgtab_free().
 */
size_t msgtab_memory(const struct msgtab *mb);

/*
 * Interned message ids, for threading.  Ids are numbered 1 ..
 * msgtab_id_count(); 0 means "no id".  An id is interned the first time
 * it is seen, as a message's own id or in someone's References.
 */
uint32_t msgtab_id_count(const struct msgtab *mb);
const char *msgtab_id_string(const struct msgtab *mb, uint32_t id);
uint32_t msgtab_message_id_num(const struct msgtab *mb, size_t idx);
/*
 * The message's ancestors as id numbers, oldest first, its parent last
 * (In-Reply-To is appended when it differs from the last reference; the
 * message's own id is left out).  Returns the count, at most
 * MSGTAB_MAX_REFS; *ids is borrowed until the next change to mb.
 */
size_t
msgtab_references(const struct msgtab *mb, size_t idx, const uint32_t **ids);

/*
 * Interned strings (from, to, cc, subject) by number, 1 ..
 * msgtab_string_count(); 0 means NULL.  Equal strings have equal numbers,
 * so work per distinct string (sort keys, matches) can be done once.
 */
uint32_t msgtab_string_count(const struct msgtab *mb);
uint32_t
msgtab_string_id(const struct msgtab *mb, size_t idx, enum msgtab_field field);
const char *msgtab_string(const struct msgtab *mb, uint32_t id);

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
enum msgtab_sort {
	MSGTAB_SORT_DATE,
	MSGTAB_SORT_ARRIVAL,
	MSGTAB_SORT_FROM,
	MSGTAB_SORT_SUBJECT,
	MSGTAB_SORT_SIZE,
	MSGTAB_SORT_FLAGS,
};

/* Parse "date", "reverse-subject", ... (the config's sort values). */
int msgtab_sort_parse(const char *name, enum msgtab_sort *key, bool *reverse);
const char *msgtab_sort_name(enum msgtab_sort key);

/*
 * A sorter holds one precomputed key per message, so sorting many small
 * groups (thread children) costs no per-call setup.  It borrows mb, and
 * is stale once messages are added or removed.
 */
struct msgtab_sorter;

struct msgtab_sorter *
msgtab_sorter_new(const struct msgtab *mb, enum msgtab_sort key, bool reverse);
void msgtab_sorter_free(struct msgtab_sorter *s);
/* Sort an array of message indexes in place. */
void msgtab_sorter_sort(const struct msgtab_sorter *s, uint32_t *idx, size_t n);
/* Compare two message indexes: <0, 0 (a == b only) or >0. */
int
msgtab_sorter_compare(const struct msgtab_sorter *s, uint32_t a, uint32_t b);

/*
 * Skip reply and forward prefixes ("Re: ", "AW: ", "Fwd: ", "Re[2]: ",
 * repeated) and leading blanks; *prefixed (may be NULL) says whether any
 * prefix was there.  Returns a pointer into subject.
 */
const char *msgtab_subject_strip(const char *subject, bool *prefixed);

#endif
