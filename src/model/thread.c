/*
 * thread.c - conversations, found by Jamie Zawinski's algorithm.
 *
 * The steps follow https://www.jwz.org/doc/threading.html: a container
 * (here a node) per message id, references linked parent to child unless
 * already linked or the link would close a loop, each message put under
 * its last reference, then (optionally) roots grouped by subject.  The
 * id table is the message table's: id number k is node k - 1, so building the
 * forest hashes no string at all.  Messages without an id, and the second
 * message with an id already taken, get nodes of their own past the ids.
 *
 * Two things differ from the letter of the page, for robustness:
 *
 * - The loop check asks whether the new child is the new parent or one of
 *   its ancestors.  Walking up from the parent costs the thread's depth,
 *   which a hostile folder can make huge, so the walk up is interleaved
 *   with a walk down the child's subtree (usually tiny: messages tend to
 *   arrive before their replies) and stops when either answers.  If
 *   neither has answered after THREAD_LOOP_BUDGET steps the link is
 *   refused, as if it were a loop: a thread may then be split in two, but
 *   threading stays linear.
 * - Empty containers are not pruned one by one: subtrees without any
 *   message are cut off, and the remaining dummies stay in the forest.
 *   The view (rowlist.c) skips nodes it does not show and lifts their
 *   children, which is what pruning does, and the same walk serves a
 *   limit that hides messages.
 *
 * Every walk is iterative (parent links, no recursion), so a chain of
 * 100,000 replies cannot overflow the stack.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/thread.h"
#include "xmalloc.h"

#define THREAD_LOOP_BUDGET 4096

struct thread_node {
	int32_t msg; /* message-table index, -1 for a dummy */
	int32_t parent;
	int32_t child; /* first child */
	int32_t next; /* next sibling */
	int32_t prev; /* previous sibling */
};

struct thread {
	struct thread_node *nodes;
	size_t n;
	size_t alloc;
	int32_t *roots;
	size_t nroots;
};

/* A new node, unlinked and empty. */
static int32_t
thread_new_node(struct thread *t)
{
	struct thread_node *x;

	if (t->n >= INT32_MAX) {
		fprintf(stderr, "tern: too many messages to thread\n");
		abort();
	}
	if (t->n == t->alloc) {
		t->alloc = t->alloc < 16 ? 16 : t->alloc + t->alloc / 2;
		t->nodes = xreallocarray(t->nodes, t->alloc, sizeof *t->nodes);
	}
	x = &t->nodes[t->n];
	x->msg = x->parent = x->child = x->next = x->prev = -1;
	return (int32_t)t->n++;
}

/* Take node c out of its parent's children. */
static void
thread_unlink(struct thread *t, int32_t c)
{
	struct thread_node *x = &t->nodes[c];

	if (x->parent == -1)
		return;
	if (x->prev != -1)
		t->nodes[x->prev].next = x->next;
	else
		t->nodes[x->parent].child = x->next;
	if (x->next != -1)
		t->nodes[x->next].prev = x->prev;
	x->parent = x->prev = x->next = -1;
}

/* Make unlinked node c the first child of p. */
static void
thread_link(struct thread *t, int32_t p, int32_t c)
{
	struct thread_node *x = &t->nodes[c];

	x->parent = p;
	x->prev = -1;
	x->next = t->nodes[p].child;
	if (x->next != -1)
		t->nodes[x->next].prev = c;
	t->nodes[p].child = c;
}

/* The node after x in a pre-order walk of top's subtree, or -1. */
static int32_t
thread_walk(const struct thread *t, int32_t x, int32_t top)
{
	if (t->nodes[x].child != -1)
		return t->nodes[x].child;
	while (x != top) {
		if (t->nodes[x].next != -1)
			return t->nodes[x].next;
		x = t->nodes[x].parent;
	}
	return -1;
}

/*
 * Would making c a child of p close a loop, i.e. is p inside c's subtree?
 * Asked both ways at once (see the top of the file).
 */
static bool
thread_would_loop(const struct thread *t, int32_t p, int32_t c)
{
	int32_t up = p, down = c;
	size_t steps;

	for (steps = 0; steps < THREAD_LOOP_BUDGET; steps++) {
		if (up == c)
			return true;
		up = t->nodes[up].parent;
		if (up == -1)
			return false;
		down = thread_walk(t, down, c);
		if (down == -1)
			return false;
		if (down == p)
			return true;
	}
	return true;
}

/* Steps 1A-1C: put every message in the forest. */
static void
thread_link_all(struct thread *t, const struct msgtab *mb)
{
	size_t i, k, nr, count = msgtab_count(mb);
	const uint32_t *refs;
	int32_t c, r, prev;
	uint32_t id;

	for (i = 0; i < count; i++) {
		id = msgtab_message_id_num(mb, i);
		if (id != 0 && t->nodes[id - 1].msg == -1)
			c = (int32_t)id - 1;
		else
			c = thread_new_node(t);
		t->nodes[c].msg = (int32_t)i;
		nr = msgtab_references(mb, i, &refs);
		prev = -1;
		for (k = 0; k < nr; k++) {
			r = (int32_t)refs[k] - 1;
			if (prev != -1 && prev != r &&
			    t->nodes[r].parent == -1 &&
			    !thread_would_loop(t, prev, r))
				thread_link(t, prev, r);
			prev = r;
		}
		/* The message itself knows its parent best: it overrides
		 * what other messages' References presumed. */
		if (prev == -1)
			thread_unlink(t, c);
		else if (t->nodes[c].parent != prev &&
		    !thread_would_loop(t, prev, c)) {
			thread_unlink(t, c);
			thread_link(t, prev, c);
		}
	}
}

/* Which nodes have a message in their subtree (xcalloc'd array). */
static uint8_t *
thread_has_message(const struct thread *t)
{
	uint8_t *has = xcalloc(t->n ? t->n : 1, 1);
	size_t i;
	int32_t x;

	for (i = 0; i < t->n; i++) {
		if (t->nodes[i].msg < 0)
			continue;
		for (x = (int32_t)i; x != -1 && !has[x]; x = t->nodes[x].parent)
			has[x] = 1;
	}
	return has;
}

/* Descend from a root through dummies with a single child. */
static int32_t
thread_effective(const struct thread *t, int32_t x)
{
	while (t->nodes[x].msg < 0 && t->nodes[x].child != -1 &&
	    t->nodes[t->nodes[x].child].next == -1)
		x = t->nodes[x].child;
	return x;
}

/* The first message in x's subtree, in pre-order, or -1. */
static int32_t
thread_first_message(const struct thread *t, int32_t x)
{
	int32_t y;

	for (y = x; y != -1; y = thread_walk(t, y, x))
		if (t->nodes[y].msg >= 0)
			return t->nodes[y].msg;
	return -1;
}

/* The top of the tree x is in. */
static int32_t
thread_top(const struct thread *t, int32_t x)
{
	while (t->nodes[x].parent != -1)
		x = t->nodes[x].parent;
	return x;
}

/* One root during subject grouping. */
struct thread_group {
	int32_t node; /* the effective root */
	char *key; /* folded subject without prefixes, or NULL */
	bool reply; /* the subject had a prefix */
};

/* Make x (taken from wherever it is) a child of p. */
static void
thread_move(struct thread *t, int32_t p, int32_t x)
{
	thread_unlink(t, x);
	thread_link(t, p, x);
}

/* Merge the thread at g into the one the subject table holds, te. */
static int32_t
thread_merge(
    struct thread *t, int32_t te, bool te_reply, const struct thread_group *g)
{
	int32_t e = g->node, c, nx, d;
	bool te_dummy = t->nodes[te].msg < 0, e_dummy = t->nodes[e].msg < 0;

	if (te_dummy && e_dummy) {
		for (c = t->nodes[e].child; c != -1; c = nx) {
			nx = t->nodes[c].next;
			thread_move(t, te, c);
		}
		return te;
	}
	if (te_dummy || (!te_reply && g->reply && !e_dummy)) {
		thread_move(t, te, e);
		return te;
	}
	if (e_dummy || (te_reply && !g->reply)) {
		thread_move(t, e, te);
		return e;
	}
	d = thread_new_node(t);
	thread_move(t, d, te);
	thread_move(t, d, e);
	return d;
}

/* Fold a subject for the subject table (g_free it). */
static char *
thread_subject_key(const char *s)
{
	char *valid = g_utf8_make_valid(s, -1), *key;

	key = g_utf8_casefold(valid, -1);
	g_free(valid);
	return key;
}

/*
 * Step 5: group roots by subject.  The table keeps, per subject, the
 * root that others join: a dummy if there is one, else one without a
 * "Re:", since that is the start of the conversation.
 */
static void
thread_group_subjects(struct thread *t, const struct msgtab *mb)
{
	struct thread_group *g;
	GHashTable *table, *reply;
	uint8_t *has = thread_has_message(t);
	size_t i, n = 0, nroots = t->n;
	const char *subj;
	gpointer v;
	int32_t te, m, x;

	g = xcalloc(nroots ? nroots : 1, sizeof *g);
	table = g_hash_table_new(g_str_hash, g_str_equal);
	reply = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; i < nroots; i++) {
		if (t->nodes[i].parent != -1 || !has[i])
			continue;
		x = thread_effective(t, (int32_t)i);
		m = thread_first_message(t, x);
		subj = msgtab_subject_strip(
		    msgtab_subject(mb, (size_t)m), &g[n].reply);
		g[n].node = x;
		g[n].key = *subj != '\0' ? thread_subject_key(subj) : NULL;
		if (g[n].key == NULL) {
			n++;
			continue;
		}
		if (!g_hash_table_lookup_extended(table, g[n].key, NULL, &v)) {
			g_hash_table_insert(
			    table, g[n].key, GINT_TO_POINTER(x));
			g_hash_table_insert(
			    reply, g[n].key, GINT_TO_POINTER(g[n].reply));
		} else {
			te = GPOINTER_TO_INT(v);
			if ((t->nodes[x].msg < 0 && t->nodes[te].msg >= 0) ||
			    (t->nodes[te].msg >= 0 && t->nodes[x].msg >= 0 &&
				GPOINTER_TO_INT(
				    g_hash_table_lookup(reply, g[n].key)) &&
				!g[n].reply)) {
				g_hash_table_insert(
				    table, g[n].key, GINT_TO_POINTER(x));
				g_hash_table_insert(reply, g[n].key,
				    GINT_TO_POINTER(g[n].reply));
			}
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		if (g[i].key == NULL)
			continue;
		te = GPOINTER_TO_INT(g_hash_table_lookup(table, g[i].key));
		if (thread_top(t, te) == thread_top(t, g[i].node))
			continue;
		te = thread_merge(t, te,
		    GPOINTER_TO_INT(g_hash_table_lookup(reply, g[i].key)),
		    &g[i]);
		/* A merge leaves a dummy or a non-reply at the head. */
		g_hash_table_insert(table, g[i].key, GINT_TO_POINTER(te));
		g_hash_table_insert(reply, g[i].key, GINT_TO_POINTER(0));
	}
	g_hash_table_destroy(table);
	g_hash_table_destroy(reply);
	for (i = 0; i < n; i++)
		g_free(g[i].key);
	free(g);
	free(has);
}

/* Thread a message table. */
struct thread *
thread_build(const struct msgtab *mb, unsigned flags)
{
	struct thread *t = xcalloc(1, sizeof *t);
	size_t i, nids = msgtab_id_count(mb);
	uint8_t *has;

	t->alloc = nids + msgtab_count(mb) + 1;
	t->nodes = xreallocarray(NULL, t->alloc, sizeof *t->nodes);
	for (i = 0; i < nids; i++)
		thread_new_node(t);
	thread_link_all(t, mb);

	/* Cut off subtrees that hold no message: ids only referenced. */
	has = thread_has_message(t);
	for (i = 0; i < t->n; i++)
		if (!has[i])
			thread_unlink(t, (int32_t)i);
	free(has);

	if (flags & THREAD_SUBJECT)
		thread_group_subjects(t, mb);

	has = thread_has_message(t);
	t->roots = xreallocarray(NULL, t->n ? t->n : 1, sizeof *t->roots);
	for (i = 0; i < t->n; i++)
		if (t->nodes[i].parent == -1 && has[i])
			t->roots[t->nroots++] = (int32_t)i;
	free(has);
	return t;
}

/* Free a forest. */
void
thread_free(struct thread *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->roots);
	free(t);
}

/*
 * Sort children bottom-up (a dummy sorts by its first child, so its
 * children must be in order first), then the roots.  The nodes are
 * visited breadth-first and handled in reverse, which puts every child
 * before its parent without recursion.
 */
void
thread_sort(struct thread *t, const struct msgtab_sorter *roots,
    const struct msgtab_sorter *children)
{
	int32_t *queue, *keymsg, *owner, x, c, prev;
	size_t head, tail, i, k, nmsg = 0;
	uint32_t *idx;

	for (i = 0; i < t->n; i++)
		if (t->nodes[i].msg >= 0 && (size_t)t->nodes[i].msg >= nmsg)
			nmsg = (size_t)t->nodes[i].msg + 1;
	queue = xreallocarray(NULL, t->n ? t->n : 1, sizeof *queue);
	keymsg = xreallocarray(NULL, t->n ? t->n : 1, sizeof *keymsg);
	owner = xreallocarray(NULL, nmsg ? nmsg : 1, sizeof *owner);
	idx = xreallocarray(NULL, t->n ? t->n : 1, sizeof *idx);

	tail = 0;
	for (i = 0; i < t->nroots; i++)
		queue[tail++] = t->roots[i];
	for (head = 0; head < tail; head++)
		for (c = t->nodes[queue[head]].child; c != -1;
		     c = t->nodes[c].next)
			queue[tail++] = c;

	for (i = tail; i-- > 0;) {
		x = queue[i];
		k = 0;
		for (c = t->nodes[x].child; c != -1; c = t->nodes[c].next) {
			idx[k++] = (uint32_t)keymsg[c];
			owner[keymsg[c]] = c;
		}
		if (k > 1) {
			msgtab_sorter_sort(children, idx, k);
			prev = -1;
			for (head = 0; head < k; head++) {
				c = owner[idx[head]];
				t->nodes[c].prev = prev;
				t->nodes[c].next = -1;
				if (prev == -1)
					t->nodes[x].child = c;
				else
					t->nodes[prev].next = c;
				prev = c;
			}
		}
		keymsg[x] = t->nodes[x].msg >= 0 ? t->nodes[x].msg
						 : keymsg[t->nodes[x].child];
	}

	for (i = 0; i < t->nroots; i++) {
		idx[i] = (uint32_t)keymsg[t->roots[i]];
		owner[idx[i]] = t->roots[i];
	}
	msgtab_sorter_sort(roots, idx, t->nroots);
	for (i = 0; i < t->nroots; i++)
		t->roots[i] = owner[idx[i]];
	free(queue);
	free(keymsg);
	free(owner);
	free(idx);
}

/* How many threads there are. */
size_t
thread_root_count(const struct thread *t)
{
	return t->nroots;
}

/* The root node of thread i. */
int32_t
thread_root(const struct thread *t, size_t i)
{
	return i < t->nroots ? t->roots[i] : -1;
}

/* How many nodes the forest has (dummies included). */
size_t
thread_node_count(const struct thread *t)
{
	return t->n;
}

/* The message-table index a node holds, -1 for a dummy or no node. */
int32_t
thread_message(const struct thread *t, int32_t node)
{
	return node >= 0 && (size_t)node < t->n ? t->nodes[node].msg : -1;
}

/* A node's parent. */
int32_t
thread_parent(const struct thread *t, int32_t node)
{
	return node >= 0 && (size_t)node < t->n ? t->nodes[node].parent : -1;
}

/* A node's first child. */
int32_t
thread_child(const struct thread *t, int32_t node)
{
	return node >= 0 && (size_t)node < t->n ? t->nodes[node].child : -1;
}

/* A node's next sibling. */
int32_t
thread_next(const struct thread *t, int32_t node)
{
	return node >= 0 && (size_t)node < t->n ? t->nodes[node].next : -1;
}
