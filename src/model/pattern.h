/*
 * pattern.h - the search and limit language, in mutt's spirit.
 *
 *   ~f TEXT  From            ~t TEXT  To             ~c TEXT  Cc
 *   ~C TEXT  To or Cc        ~L TEXT  From, To or Cc ~s TEXT  Subject
 *   ~i TEXT  Message-ID      ~b TEXT  body           ~B TEXT  whole message
 *   ~N new (unread: tern has no "old" state)   ~U unread   ~R read
 *   ~F flagged   ~D deleted   ~Q replied   ~A all
 *   ~d DATES  Date: header   ~r DATES  arrival   ~z SIZE  size
 *
 *   DATES: dd/mm/yyyy, dd/mm/yy, dd/mm (this year), yyyy-mm-dd, one day
 *          or a range A-B, -B (until), A- (since), local time;
 *          <Nu (newer than N units), >Nu (older), u one of
 *          y m w d H M S (months and years go by the calendar).
 *   SIZE:  N, <N, >N, A-B, -B, A-, with an optional K, M or G suffix.
 *
 * A bare word (or a quoted string) searches the subject.  Terms side by
 * side must all match; `|` is "or" and binds looser; `!` negates the term
 * after it; parentheses group.  Arguments may be quoted with "" or '' and
 * take backslash escapes.  TEXT matches as a substring, case-insensitive
 * unless TEXT itself has an upper-case letter (mutt's smart case, decided
 * per term).  An empty (or blank) pattern matches every message.
 *
 * Patterns are bounded: at most PATTERN_MAX_LEN bytes and
 * PATTERN_MAX_DEPTH levels of parentheses.  A bad pattern is refused
 * with one line that names the column (counted in characters from 1),
 * e.g. "column 5: unknown pattern ~q".
 *
 * Body searches (~b, ~B) cannot be answered from a summary.  The caller
 * asks pattern_needs_body(), runs each body term (pattern_body_text) on
 * the server or the full-text index, and passes the answers back to
 * pattern_match() through a callback, so "~b invoice ~f bob" works.
 */
#ifndef TERN_PATTERN_H
#define TERN_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/msgtab.h"

#define PATTERN_MAX_LEN 1024
#define PATTERN_MAX_DEPTH 32

struct pattern;

/*
 * Did the message with this uid match body term number term?  Without a
 * callback every body term is false.
 */
typedef bool (*pattern_body_cb)(void *arg, size_t term, uint32_t uid);

/*
 * Compile a pattern.  now (seconds since the epoch) anchors relative
 * dates and years left out, so a caller (or a test) can fix it.  Returns
 * NULL with *err set (free it) on a bad pattern.
 */
struct pattern *pattern_compile(const char *text, int64_t now, char **err);
void pattern_free(struct pattern *p);

bool pattern_needs_body(const struct pattern *p);
/* The body terms, numbered in the order they appear in the pattern. */
size_t pattern_body_count(const struct pattern *p);
/* A body term's text; *whole (may be NULL) is true for ~B. */
const char *
pattern_body_text(const struct pattern *p, size_t term, bool *whole);

/* Does message idx match?  A NULL pattern matches everything. */
bool pattern_match(const struct pattern *p, const struct msgtab *mb, size_t idx,
    pattern_body_cb body, void *arg);

#endif
