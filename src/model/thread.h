/*
 * thread.h - conversations, found by Jamie Zawinski's algorithm.
 *
 * thread_build() links a message table's messages into a forest of nodes by
 * Message-ID, References and In-Reply-To.  A node holds one message, or
 * none: a dummy stands for a parent that is not in the folder, so its
 * replies still hang together.  Loops (A refers to B, B to A), messages
 * referring to themselves, duplicate ids and messages without an id all
 * give a forest; nothing is lost or shown twice.  Grouping threads with
 * the same subject (JWZ's step 5) is off unless asked for, because it
 * joins unrelated mail that happens to share "Hello".
 *
 * The forest borrows nothing: it holds message-table indexes, so it is stale as
 * soon as the message table changes (rebuild it).  Nodes are numbered from 0;
 * -1 means "none".
 */
#ifndef TERN_THREAD_H
#define TERN_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "model/msgtab.h"

/* Also group threads whose subjects match (ignoring Re: and case). */
#define THREAD_SUBJECT 0x1u

struct thread;

struct thread *thread_build(const struct msgtab *mb, unsigned flags);
void thread_free(struct thread *t);

/*
 * Order the roots by the roots sorter (a thread sorts by its root
 * message; a dummy root by its first child) and every node's children by
 * the children sorter.  Until then roots are in order of first sight.
 */
void thread_sort(struct thread *t, const struct msgtab_sorter *roots,
    const struct msgtab_sorter *children);

/* The roots: one per thread, each with at least one message below. */
size_t thread_root_count(const struct thread *t);
int32_t thread_root(const struct thread *t, size_t i);

/* Walking the forest. */
size_t thread_node_count(const struct thread *t);
int32_t thread_message(const struct thread *t, int32_t node); /* -1: dummy */
int32_t thread_parent(const struct thread *t, int32_t node);
int32_t thread_child(const struct thread *t, int32_t node); /* the first */
int32_t thread_next(const struct thread *t, int32_t node); /* sibling */

#endif
