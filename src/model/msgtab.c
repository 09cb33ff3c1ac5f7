/*
 * msgtab.c - a folder's messages, held compactly in memory.
 *
 * A folder of 100,000 messages must fit in well under 200 bytes a message,
 * strings included, so nothing here is a pointer per field:
 *
 * - Strings live in an arena of 64 KiB chunks and are named by a 32-bit
 *   handle (chunk << 16 | offset).  Chunks never move, so a string's
 *   address is stable until the message table is freed.  A string too long to
 *   share a chunk gets one of its own.
 * - From, To, Cc and Subject are interned in one pool (senders and list
 *   addresses repeat, and so does a thread's subject); message ids in
 *   another, whose dense numbers threading uses directly.  Each pool is an
 *   open-addressing table of numbers, with 8 bits of each hash beside
 *   them so that a probe rarely needs to compare strings (the full hash
 *   is recomputed when the table grows).  The hash is SipHash-1-3 with a
 *   key drawn per message table, because ids come from strangers and a
 *   predictable hash could be flooded.
 * - Records sit in blocks of MSGTAB_BLOCK, so a big folder wastes at
 *   most one block instead of the half an array grown by doubling can.
 * - References are lists of id numbers in one shared array, capped at
 *   MSGTAB_MAX_REFS (the root and the nearest ancestors are kept).
 * - The uid index is one more open-addressing table of record numbers.
 *
 * Tables grow by half their size, and hash tables use the multiply-shift
 * mapping to a slot, so their capacity need not be a power of two: that
 * keeps the slack, which msgtab_memory() counts, near a quarter.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "xmalloc.h"

#define MSGTAB_BLOCK_SHIFT 10
#define MSGTAB_BLOCK (1u << MSGTAB_BLOCK_SHIFT)
#define ARENA_CHUNK 65536u
#define ARENA_BIG 4096u
#define ARENA_MAX_CHUNKS 65536u

/* Stored beside the MSG_* bits in a record's flags byte. */
#define MSGTAB_ATTACH 0x80u

/* The tail of a record: size in 40 bits (a terabyte), flags, ref count. */
#define MSGTAB_MAX_SIZE ((UINT64_C(1) << 40) - 1)

/* The 64 KiB chunks strings are copied into. */
struct msgtab_arena {
	char **chunks;
	uint32_t nchunks;
	uint32_t achunks;
	uint32_t cur; /* the chunk being filled */
	uint32_t used; /* bytes used in it */
	size_t bytes; /* chunk bytes allocated */
};

/* Interned strings: number -> arena handle, and a table to find them. */
struct msgtab_pool {
	uint32_t *str; /* [0] is unused: number 0 means none */
	uint32_t n; /* numbers handed out, counting 0 */
	uint32_t alloc;
	uint32_t *slots; /* number, or 0 for an empty slot */
	uint8_t *tags; /* the low 8 bits of each slot's hash */
	uint32_t cap;
};

/* One message: 56 bytes. */
struct msgtab_msg {
	int64_t date;
	int64_t arrival;
	uint32_t uid;
	uint32_t size_lo;
	uint32_t str[4]; /* enum msgtab_field -> string number */
	uint32_t msgid; /* id number */
	uint32_t refs; /* offset in mb->refs */
	uint32_t key; /* arena handle, 0 for none */
	uint8_t size_hi;
	uint8_t flags; /* MSG_* | MSGTAB_ATTACH */
	uint8_t nrefs;
};

struct msgtab {
	struct msgtab_msg **blocks;
	size_t nblocks;
	size_t ablocks;
	size_t n;
	uint32_t *refs;
	size_t nrefs;
	size_t arefs;
	uint32_t *uidslots; /* record index + 1, or 0 */
	size_t uidcap;
	struct msgtab_arena arena;
	struct msgtab_pool strs;
	struct msgtab_pool ids;
	uint64_t k0, k1; /* the hash key */
};

/* One message's precomputed sort key. */
struct msgtab_sort_item {
	int64_t key;
	int64_t arrival;
	uint32_t uid;
	uint32_t idx;
};

struct msgtab_sorter {
	const struct msgtab *mb;
	bool reverse;
	int64_t *key; /* per message index */
};

static const char *const msgtab_sort_names[] = {
	[MSGTAB_SORT_DATE] = "date",
	[MSGTAB_SORT_ARRIVAL] = "arrival",
	[MSGTAB_SORT_FROM] = "from",
	[MSGTAB_SORT_SUBJECT] = "subject",
	[MSGTAB_SORT_SIZE] = "size",
	[MSGTAB_SORT_FLAGS] = "flags",
};

/* The next capacity for an array that must hold at least min items. */
static size_t
msgtab_grow(size_t cur, size_t min)
{
	size_t n = cur < 16 ? 16 : cur + cur / 2;

	return n < min ? min : n;
}

/* Map a 32-bit hash onto 0 .. cap - 1 without a division. */
static uint32_t
msgtab_slot(uint32_t hash, size_t cap)
{
	return (uint32_t)(((uint64_t)hash * cap) >> 32);
}

#define MSGTAB_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define MSGTAB_SIPROUND \
	do { \
		v0 += v1; \
		v1 = MSGTAB_ROTL(v1, 13); \
		v1 ^= v0; \
		v0 = MSGTAB_ROTL(v0, 32); \
		v2 += v3; \
		v3 = MSGTAB_ROTL(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = MSGTAB_ROTL(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = MSGTAB_ROTL(v1, 17); \
		v1 ^= v2; \
		v2 = MSGTAB_ROTL(v2, 32); \
	} while (0)

/* SipHash-1-3 of a string under the message table's key, folded to 32 bits. */
static uint32_t
msgtab_hash(const struct msgtab *mb, const char *s, size_t len)
{
	uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ mb->k0;
	uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ mb->k1;
	uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ mb->k0;
	uint64_t v3 = UINT64_C(0x7465646279746573) ^ mb->k1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, end = len & ~(size_t)7;

	for (i = 0; i < end; i += 8) {
		memcpy(&m, s + i, 8);
		v3 ^= m;
		MSGTAB_SIPROUND;
		v0 ^= m;
	}
	for (; i < len; i++)
		b |= (uint64_t)(unsigned char)s[i] << (8 * (i - end));
	v3 ^= b;
	MSGTAB_SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	MSGTAB_SIPROUND;
	MSGTAB_SIPROUND;
	MSGTAB_SIPROUND;
	m = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(m ^ (m >> 32));
}

/* Append a chunk of size bytes and return its number. */
static uint32_t
msgtab_arena_chunk(struct msgtab_arena *a, size_t size)
{
	if (a->nchunks == ARENA_MAX_CHUNKS) {
		fprintf(stderr, "tern: message table string arena is full\n");
		abort();
	}
	if (a->nchunks == a->achunks) {
		a->achunks = a->achunks ? a->achunks * 2 : 16;
		a->chunks =
		    xreallocarray(a->chunks, a->achunks, sizeof *a->chunks);
	}
	a->chunks[a->nchunks] = xmalloc(size);
	a->bytes += size;
	return a->nchunks++;
}

/*
 * Copy a string into the arena and return its handle, never 0: the first
 * byte of chunk 0 is left unused so that 0 can mean "no string".
 */
static uint32_t
msgtab_arena_put(struct msgtab_arena *a, const char *s, size_t len)
{
	size_t need = len + 1;
	uint32_t h, c;
	char *p;

	if (a->nchunks == 0 ||
	    (need < ARENA_BIG && a->used + need > ARENA_CHUNK)) {
		a->cur = msgtab_arena_chunk(a, ARENA_CHUNK);
		a->used = a->cur == 0 ? 1 : 0;
	}
	if (need >= ARENA_BIG) {
		c = msgtab_arena_chunk(a, need);
		p = a->chunks[c];
		h = c << 16;
	} else {
		p = a->chunks[a->cur] + a->used;
		h = a->cur << 16 | a->used;
		a->used += need;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	return h;
}

/* The string behind an arena handle. */
static const char *
msgtab_arena_get(const struct msgtab_arena *a, uint32_t h)
{
	return a->chunks[h >> 16] + (h & 0xffff);
}

/* Free the arena's chunks. */
static void
msgtab_arena_free(struct msgtab_arena *a)
{
	uint32_t i;

	for (i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
}

/* Put number id with its hash into the first free slot of a table. */
static void
msgtab_pool_place(struct msgtab_pool *p, uint32_t id, uint32_t hash)
{
	uint32_t i = msgtab_slot(hash, p->cap);

	while (p->slots[i] != 0)
		if (++i == p->cap)
			i = 0;
	p->slots[i] = id;
	p->tags[i] = (uint8_t)hash;
}

/* Grow a pool's table, keeping it at most three quarters full. */
static void
msgtab_pool_rehash(struct msgtab *mb, struct msgtab_pool *p)
{
	const char *s;
	uint32_t id;

	free(p->slots);
	free(p->tags);
	p->cap = (uint32_t)msgtab_grow(p->cap, 16);
	p->slots = xcalloc(p->cap, sizeof *p->slots);
	p->tags = xcalloc(p->cap, sizeof *p->tags);
	for (id = 1; id < p->n; id++) {
		s = msgtab_arena_get(&mb->arena, p->str[id]);
		msgtab_pool_place(p, id, msgtab_hash(mb, s, strlen(s)));
	}
}

/* The number of a string (len bytes, no NUL inside), interning it. */
static uint32_t
msgtab_pool_intern(
    struct msgtab *mb, struct msgtab_pool *p, const char *s, size_t len)
{
	uint32_t hash = msgtab_hash(mb, s, len), i, id;
	const char *t;

	if ((size_t)p->n * 4 >= (size_t)p->cap * 3)
		msgtab_pool_rehash(mb, p);
	i = msgtab_slot(hash, p->cap);
	while ((id = p->slots[i]) != 0) {
		if (p->tags[i] == (uint8_t)hash) {
			t = msgtab_arena_get(&mb->arena, p->str[id]);
			if (strncmp(t, s, len) == 0 && t[len] == '\0')
				return id;
		}
		if (++i == p->cap)
			i = 0;
	}
	if (p->n == UINT32_MAX) {
		fprintf(
		    stderr, "tern: too many distinct strings in a folder\n");
		abort();
	}
	if (p->n >= p->alloc) {
		p->alloc = (uint32_t)msgtab_grow(p->alloc, p->n + 1);
		p->str = xreallocarray(p->str, p->alloc, sizeof *p->str);
	}
	id = p->n++;
	p->str[id] = msgtab_arena_put(&mb->arena, s, len);
	p->slots[i] = id;
	p->tags[i] = (uint8_t)hash;
	return id;
}

/* Free a pool's tables (its strings live in the arena). */
static void
msgtab_pool_free(struct msgtab_pool *p)
{
	free(p->str);
	free(p->slots);
	free(p->tags);
}

/* Bytes a pool holds. */
static size_t
msgtab_pool_memory(const struct msgtab_pool *p)
{
	return (size_t)p->alloc * sizeof *p->str +
	    (size_t)p->cap * (sizeof *p->slots + sizeof *p->tags);
}

/* Record idx, unchecked. */
static struct msgtab_msg *
msgtab_at(const struct msgtab *mb, size_t idx)
{
	return &mb->blocks[idx >> MSGTAB_BLOCK_SHIFT][idx & (MSGTAB_BLOCK - 1)];
}

/* Where a uid's search starts in the uid table. */
static uint32_t
msgtab_uid_hash(uint32_t uid)
{
	uint32_t h = uid * 0x9e3779b1u;

	return h ^ (h >> 15);
}

/* Enter record idx into the uid table (its uid must not be there). */
static void
msgtab_uid_place(struct msgtab *mb, size_t idx)
{
	size_t i =
	    msgtab_slot(msgtab_uid_hash(msgtab_at(mb, idx)->uid), mb->uidcap);

	while (mb->uidslots[i] != 0)
		if (++i == mb->uidcap)
			i = 0;
	mb->uidslots[i] = (uint32_t)idx + 1;
}

/* Rebuild the uid table for the records as they are now. */
static void
msgtab_uid_rebuild(struct msgtab *mb, size_t cap)
{
	size_t i;

	free(mb->uidslots);
	mb->uidcap = cap;
	mb->uidslots = xcalloc(cap, sizeof *mb->uidslots);
	for (i = 0; i < mb->n; i++)
		msgtab_uid_place(mb, i);
}

/* Create an empty message table. */
struct msgtab *
msgtab_new(void)
{
	struct msgtab *mb = xcalloc(1, sizeof *mb);

	mb->k0 = (uint64_t)g_random_int() << 32 | g_random_int();
	mb->k1 = (uint64_t)g_random_int() << 32 | g_random_int();
	mb->strs.n = mb->ids.n = 1;
	return mb;
}

/* Free a message table and every string it handed out. */
void
msgtab_free(struct msgtab *mb)
{
	size_t i;

	if (mb == NULL)
		return;
	for (i = 0; i < mb->nblocks; i++)
		free(mb->blocks[i]);
	free(mb->blocks);
	free(mb->refs);
	free(mb->uidslots);
	msgtab_arena_free(&mb->arena);
	msgtab_pool_free(&mb->strs);
	msgtab_pool_free(&mb->ids);
	free(mb);
}

/* Intern an optional string field. */
static uint32_t
msgtab_intern_str(struct msgtab *mb, const char *s)
{
	if (s == NULL)
		return 0;
	return msgtab_pool_intern(mb, &mb->strs, s, strlen(s));
}

/* True for the bytes that separate ids in References. */
static bool
msgtab_id_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',';
}

/*
 * Find the next message id in *pp, with or without angle brackets, and
 * advance past it.  Ids that are too long are skipped.  Returns false at
 * the end of the string.
 */
static bool
msgtab_next_id(const char **pp, const char **start, size_t *len)
{
	const char *p = *pp;

	for (;;) {
		while (msgtab_id_sep(*p) || *p == '>')
			p++;
		if (*p == '\0') {
			*pp = p;
			return false;
		}
		if (*p == '<')
			p++;
		*start = p;
		while (
		    *p != '\0' && !msgtab_id_sep(*p) && *p != '<' && *p != '>')
			p++;
		*len = (size_t)(p - *start);
		if (*len > 0 && *len <= MSGTAB_MAX_ID_LEN) {
			*pp = p;
			return true;
		}
	}
}

/* One id found in a header, not yet interned. */
struct msgtab_span {
	const char *s;
	size_t len;
};

/* True if two spans hold the same bytes. */
static bool
msgtab_span_eq(const struct msgtab_span *a, const struct msgtab_span *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/*
 * Turn References and In-Reply-To into a capped list of id numbers in
 * mb->refs.  Only the ids kept are interned, so a message with hundreds
 * of references does not fill the id table with ones nobody will use.
 */
static void
msgtab_set_refs(struct msgtab *mb, struct msgtab_msg *m,
    const struct msgtab_span *self, const char *refs, const char *irt)
{
	struct msgtab_span first = { NULL, 0 }, ring[MSGTAB_MAX_REFS - 1];
	struct msgtab_span sp, *last = NULL;
	size_t nring = 0, i, k, keep;
	const char *p;

	p = refs != NULL ? refs : "";
	while (msgtab_next_id(&p, &sp.s, &sp.len)) {
		if (self != NULL && msgtab_span_eq(&sp, self))
			continue;
		if (first.s == NULL) {
			first = sp;
			last = &first;
		} else {
			ring[nring % G_N_ELEMENTS(ring)] = sp;
			last = &ring[nring % G_N_ELEMENTS(ring)];
			nring++;
		}
	}
	/* In-Reply-To names the parent; add it unless References ends so. */
	p = irt != NULL ? irt : "";
	if (msgtab_next_id(&p, &sp.s, &sp.len) &&
	    (self == NULL || !msgtab_span_eq(&sp, self)) &&
	    (last == NULL || !msgtab_span_eq(&sp, last))) {
		if (first.s == NULL) {
			first = sp;
		} else {
			ring[nring % G_N_ELEMENTS(ring)] = sp;
			nring++;
		}
	}
	m->nrefs = 0;
	m->refs = (uint32_t)mb->nrefs;
	if (first.s == NULL)
		return;
	keep = nring < G_N_ELEMENTS(ring) ? nring : G_N_ELEMENTS(ring);
	if (mb->nrefs + keep + 1 > mb->arefs) {
		mb->arefs = msgtab_grow(mb->arefs, mb->nrefs + keep + 1);
		mb->refs = xreallocarray(mb->refs, mb->arefs, sizeof *mb->refs);
	}
	mb->refs[mb->nrefs++] =
	    msgtab_pool_intern(mb, &mb->ids, first.s, first.len);
	for (i = nring - keep; i < nring; i++) {
		k = i % G_N_ELEMENTS(ring);
		mb->refs[mb->nrefs++] =
		    msgtab_pool_intern(mb, &mb->ids, ring[k].s, ring[k].len);
	}
	m->nrefs = (uint8_t)(keep + 1);
}

/* Copy a summary into a record, interning its strings. */
static void
msgtab_fill(struct msgtab *mb, struct msgtab_msg *m, const struct summary *s)
{
	struct msgtab_span self;
	const char *p;

	memset(m, 0, sizeof *m);
	m->uid = s->uid;
	m->flags = (uint8_t)((s->flags & MSG_ALL_FLAGS) |
	    (s->has_attachment ? MSGTAB_ATTACH : 0));
	m->date = s->date;
	m->arrival = s->arrival;
	if (s->size > MSGTAB_MAX_SIZE) {
		m->size_lo = UINT32_MAX;
		m->size_hi = 0xff;
	} else {
		m->size_lo = (uint32_t)s->size;
		m->size_hi = (uint8_t)(s->size >> 32);
	}
	m->str[MSGTAB_FROM] = msgtab_intern_str(mb, s->from);
	m->str[MSGTAB_TO] = msgtab_intern_str(mb, s->to);
	m->str[MSGTAB_CC] = msgtab_intern_str(mb, s->cc);
	m->str[MSGTAB_SUBJECT] = msgtab_intern_str(mb, s->subject);
	p = s->message_id != NULL ? s->message_id : "";
	if (msgtab_next_id(&p, &self.s, &self.len)) {
		m->msgid = msgtab_pool_intern(mb, &mb->ids, self.s, self.len);
		msgtab_set_refs(mb, m, &self, s->references, s->in_reply_to);
	} else
		msgtab_set_refs(mb, m, NULL, s->references, s->in_reply_to);
	if (s->key != NULL)
		m->key = msgtab_arena_put(&mb->arena, s->key, strlen(s->key));
}

/* Add a copy of a summary (or replace the message with its uid). */
size_t
msgtab_add(struct msgtab *mb, const struct summary *s)
{
	ssize_t old = msgtab_find_uid(mb, s->uid);
	struct msgtab_msg m;

	msgtab_fill(mb, &m, s);
	if (old >= 0) {
		*msgtab_at(mb, (size_t)old) = m;
		return (size_t)old;
	}
	if (mb->n >= UINT32_MAX - 1) {
		fprintf(stderr, "tern: too many messages in a folder\n");
		abort();
	}
	if (mb->n == mb->nblocks * MSGTAB_BLOCK) {
		if (mb->nblocks == mb->ablocks) {
			mb->ablocks = msgtab_grow(mb->ablocks, 0);
			mb->blocks = xreallocarray(
			    mb->blocks, mb->ablocks, sizeof *mb->blocks);
		}
		mb->blocks[mb->nblocks++] = xreallocarray(
		    NULL, MSGTAB_BLOCK, sizeof(struct msgtab_msg));
	}
	*msgtab_at(mb, mb->n++) = m;
	if (mb->n * 4 > mb->uidcap * 3)
		msgtab_uid_rebuild(mb, msgtab_grow(mb->uidcap, 16));
	else
		msgtab_uid_place(mb, mb->n - 1);
	return mb->n - 1;
}

/* How many messages there are. */
size_t
msgtab_count(const struct msgtab *mb)
{
	return mb->n;
}

/* The record at idx; an index out of range is the caller's bug. */
static const struct msgtab_msg *
msgtab_msg(const struct msgtab *mb, size_t idx)
{
	if (idx >= mb->n) {
		fprintf(stderr,
		    "tern: message-table index %zu out of range (%zu)\n", idx,
		    mb->n);
		abort();
	}
	return msgtab_at(mb, idx);
}

/* The message's uid. */
uint32_t
msgtab_uid(const struct msgtab *mb, size_t idx)
{
	return msgtab_msg(mb, idx)->uid;
}

/* The message's MSG_* flags. */
uint32_t
msgtab_flags(const struct msgtab *mb, size_t idx)
{
	return msgtab_msg(mb, idx)->flags & MSG_ALL_FLAGS;
}

/* The Date: header as seconds since the epoch. */
int64_t
msgtab_date(const struct msgtab *mb, size_t idx)
{
	return msgtab_msg(mb, idx)->date;
}

/* When the message arrived. */
int64_t
msgtab_arrival(const struct msgtab *mb, size_t idx)
{
	return msgtab_msg(mb, idx)->arrival;
}

/* The message's size in bytes (saturating at a terabyte). */
uint64_t
msgtab_size(const struct msgtab *mb, size_t idx)
{
	const struct msgtab_msg *m = msgtab_msg(mb, idx);

	return (uint64_t)m->size_hi << 32 | m->size_lo;
}

/* Whether the summary said the message has attachments. */
bool
msgtab_has_attachment(const struct msgtab *mb, size_t idx)
{
	return (msgtab_msg(mb, idx)->flags & MSGTAB_ATTACH) != 0;
}

/* An interned string by number, NULL for 0. */
const char *
msgtab_string(const struct msgtab *mb, uint32_t id)
{
	if (id == 0 || id >= mb->strs.n)
		return NULL;
	return msgtab_arena_get(&mb->arena, mb->strs.str[id]);
}

/* How many distinct strings are interned. */
uint32_t
msgtab_string_count(const struct msgtab *mb)
{
	return mb->strs.n - 1;
}

/* The number of one of a message's interned string fields. */
uint32_t
msgtab_string_id(const struct msgtab *mb, size_t idx, enum msgtab_field field)
{
	return msgtab_msg(mb, idx)->str[field];
}

/* The From header. */
const char *
msgtab_from(const struct msgtab *mb, size_t idx)
{
	return msgtab_string(mb, msgtab_msg(mb, idx)->str[MSGTAB_FROM]);
}

/* The To header. */
const char *
msgtab_to(const struct msgtab *mb, size_t idx)
{
	return msgtab_string(mb, msgtab_msg(mb, idx)->str[MSGTAB_TO]);
}

/* The Cc header. */
const char *
msgtab_cc(const struct msgtab *mb, size_t idx)
{
	return msgtab_string(mb, msgtab_msg(mb, idx)->str[MSGTAB_CC]);
}

/* The Subject header. */
const char *
msgtab_subject(const struct msgtab *mb, size_t idx)
{
	return msgtab_string(mb, msgtab_msg(mb, idx)->str[MSGTAB_SUBJECT]);
}

/* The message's own id, without angle brackets. */
const char *
msgtab_message_id(const struct msgtab *mb, size_t idx)
{
	return msgtab_id_string(mb, msgtab_msg(mb, idx)->msgid);
}

/* The backend's name for the message (a Maildir file), or NULL. */
const char *
msgtab_key(const struct msgtab *mb, size_t idx)
{
	const struct msgtab_msg *m = msgtab_msg(mb, idx);

	return m->key != 0 ? msgtab_arena_get(&mb->arena, m->key) : NULL;
}

/* Replace a message's flags. */
void
msgtab_set_flags(struct msgtab *mb, size_t idx, uint32_t flags)
{
	struct msgtab_msg *m = (struct msgtab_msg *)msgtab_msg(mb, idx);

	m->flags =
	    (uint8_t)((m->flags & MSGTAB_ATTACH) | (flags & MSG_ALL_FLAGS));
}

/* Look a uid up in the uid table. */
ssize_t
msgtab_find_uid(const struct msgtab *mb, uint32_t uid)
{
	size_t i;
	uint32_t v;

	if (mb->uidcap == 0)
		return -1;
	i = msgtab_slot(msgtab_uid_hash(uid), mb->uidcap);
	while ((v = mb->uidslots[i]) != 0) {
		if (msgtab_at(mb, v - 1)->uid == uid)
			return (ssize_t)v - 1;
		if (++i == mb->uidcap)
			i = 0;
	}
	return -1;
}

/*
 * Expunge by uid.  Records and reference lists are compacted (so the
 * reference array does not keep garbage); interned strings are shared and
 * stay.
 */
size_t
msgtab_remove_uids(struct msgtab *mb, const uint32_t *uids, size_t n)
{
	struct msgtab_msg *m;
	uint8_t *gone;
	uint32_t *refs;
	size_t i, j, removed = 0, nrefs = 0;
	ssize_t idx;

	if (n == 0 || mb->n == 0)
		return 0;
	gone = xcalloc(mb->n, 1);
	for (i = 0; i < n; i++) {
		idx = msgtab_find_uid(mb, uids[i]);
		if (idx >= 0 && !gone[idx]) {
			gone[idx] = 1;
			removed++;
		}
	}
	if (removed == 0) {
		free(gone);
		return 0;
	}
	for (i = 0; i < mb->n; i++)
		if (!gone[i])
			nrefs += msgtab_at(mb, i)->nrefs;
	refs = xreallocarray(NULL, nrefs ? nrefs : 1, sizeof *refs);
	nrefs = 0;
	for (i = j = 0; i < mb->n; i++) {
		if (gone[i])
			continue;
		m = msgtab_at(mb, j);
		*m = *msgtab_at(mb, i);
		memcpy(
		    refs + nrefs, mb->refs + m->refs, m->nrefs * sizeof *refs);
		m->refs = (uint32_t)nrefs;
		nrefs += m->nrefs;
		j++;
	}
	free(mb->refs);
	mb->refs = refs;
	mb->nrefs = mb->arefs = nrefs;
	mb->n = j;
	while (mb->nblocks > (j + MSGTAB_BLOCK - 1) / MSGTAB_BLOCK)
		free(mb->blocks[--mb->nblocks]);
	free(gone);
	msgtab_uid_rebuild(mb, mb->uidcap);
	return removed;
}

/* Bytes held, at allocated capacity. */
size_t
msgtab_memory(const struct msgtab *mb)
{
	return sizeof *mb +
	    mb->nblocks * MSGTAB_BLOCK * sizeof(struct msgtab_msg) +
	    mb->ablocks * sizeof *mb->blocks + mb->arefs * sizeof *mb->refs +
	    mb->uidcap * sizeof *mb->uidslots + mb->arena.bytes +
	    mb->arena.achunks * sizeof *mb->arena.chunks +
	    msgtab_pool_memory(&mb->strs) + msgtab_pool_memory(&mb->ids);
}

/* How many distinct message ids are interned. */
uint32_t
msgtab_id_count(const struct msgtab *mb)
{
	return mb->ids.n - 1;
}

/* An interned message id by number, NULL for 0. */
const char *
msgtab_id_string(const struct msgtab *mb, uint32_t id)
{
	if (id == 0 || id >= mb->ids.n)
		return NULL;
	return msgtab_arena_get(&mb->arena, mb->ids.str[id]);
}

/* The number of the message's own id, 0 if it has none. */
uint32_t
msgtab_message_id_num(const struct msgtab *mb, size_t idx)
{
	return msgtab_msg(mb, idx)->msgid;
}

/* The message's capped reference list. */
size_t
msgtab_references(const struct msgtab *mb, size_t idx, const uint32_t **ids)
{
	const struct msgtab_msg *m = msgtab_msg(mb, idx);

	*ids = mb->refs != NULL ? mb->refs + m->refs : NULL;
	return m->nrefs;
}

/* Parse a sort order name, with an optional "reverse-" in front. */
int
msgtab_sort_parse(const char *name, enum msgtab_sort *key, bool *reverse)
{
	size_t i;

	*reverse = strncmp(name, "reverse-", 8) == 0;
	if (*reverse)
		name += 8;
	for (i = 0; i < G_N_ELEMENTS(msgtab_sort_names); i++) {
		if (strcmp(name, msgtab_sort_names[i]) == 0) {
			*key = (enum msgtab_sort)i;
			return 0;
		}
	}
	return -1;
}

/* The name of a sort key, as the config spells it. */
const char *
msgtab_sort_name(enum msgtab_sort key)
{
	if ((size_t)key >= G_N_ELEMENTS(msgtab_sort_names))
		return "date";
	return msgtab_sort_names[key];
}

/* Skip reply and forward prefixes, repeatedly. */
const char *
msgtab_subject_strip(const char *subject, bool *prefixed)
{
	static const char *const words[] = { "re", "fwd", "fw", "aw", "wg",
		"sv", "antw" };
	const char *p = subject != NULL ? subject : "", *q;
	bool any = false, again = true;
	size_t i, n;

	while (again) {
		again = false;
		while (*p == ' ' || *p == '\t')
			p++;
		for (i = 0; i < G_N_ELEMENTS(words) && !again; i++) {
			n = strlen(words[i]);
			if (g_ascii_strncasecmp(p, words[i], n) != 0)
				continue;
			q = p + n;
			/* "Re[2]:" and "Re^2:" count replies. */
			if (*q == '[') {
				q++;
				while (g_ascii_isdigit(*q))
					q++;
				if (*q != ']')
					continue;
				q++;
			} else if (*q == '^') {
				q++;
				while (g_ascii_isdigit(*q))
					q++;
			}
			if (*q == ':') {
				p = q + 1;
				any = again = true;
			}
		}
	}
	if (prefixed != NULL)
		*prefixed = any;
	return p;
}

/* A case-insensitive comparison key for n bytes of s (g_free it). */
static char *
msgtab_fold(const char *s, size_t n)
{
	char *valid, *folded;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			break;
	if (i == n)
		return g_ascii_strdown(s, (gssize)n);
	valid = g_utf8_make_valid(s, (gssize)n);
	folded = g_utf8_casefold(valid, -1);
	g_free(valid);
	return folded;
}

/* The part of a From header to sort on: the name, else the address. */
static void
msgtab_from_name(const char *s, const char **start, size_t *len)
{
	const char *lt = strchr(s, '<'), *b, *e;

	b = s;
	e = lt != NULL ? lt : s + strlen(s);
	while (b < e && (*b == ' ' || *b == '"' || *b == '\''))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '"' || e[-1] == '\''))
		e--;
	if (e == b && lt != NULL) {
		b = lt + 1;
		e = strchr(b, '>');
		if (e == NULL)
			e = b + strlen(b);
	}
	*start = b;
	*len = (size_t)(e - b);
}

/* One distinct string's folded key, while ranking. */
struct msgtab_rank_item {
	char *key;
	uint32_t id;
};

/* Order rank items by key. */
static int
msgtab_rank_cmp(const void *a, const void *b)
{
	const struct msgtab_rank_item *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/*
 * Rank the distinct strings of a field (from or subject) by their folded
 * key: equal keys get equal ranks.  Done per distinct string, not per
 * message, which is what interning buys.
 */
static uint32_t *
msgtab_rank(const struct msgtab *mb, enum msgtab_field field)
{
	uint32_t nstr = mb->strs.n, *rank, r = 0;
	struct msgtab_rank_item *items;
	uint8_t *used;
	const char *s, *b;
	size_t i, n = 0, len;

	used = xcalloc(nstr, 1);
	for (i = 0; i < mb->n; i++)
		used[msgtab_at(mb, i)->str[field]] = 1;
	used[0] = 1;
	items = xcalloc(nstr, sizeof *items);
	for (i = 0; i < nstr; i++) {
		if (!used[i])
			continue;
		s = i == 0 ? "" : msgtab_string(mb, (uint32_t)i);
		if (field == MSGTAB_FROM) {
			msgtab_from_name(s, &b, &len);
		} else {
			b = msgtab_subject_strip(s, NULL);
			len = strlen(b);
		}
		items[n].key = msgtab_fold(b, len);
		items[n].id = (uint32_t)i;
		n++;
	}
	qsort(items, n, sizeof *items, msgtab_rank_cmp);
	rank = xcalloc(nstr, sizeof *rank);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(items[i].key, items[i - 1].key) != 0)
			r++;
		rank[items[i].id] = r;
	}
	for (i = 0; i < n; i++)
		g_free(items[i].key);
	free(items);
	free(used);
	return rank;
}

/* Precompute every message's primary key for one sort order. */
struct msgtab_sorter *
msgtab_sorter_new(const struct msgtab *mb, enum msgtab_sort key, bool reverse)
{
	struct msgtab_sorter *s = xcalloc(1, sizeof *s);
	const struct msgtab_msg *m;
	uint32_t *rank = NULL;
	size_t i;

	s->mb = mb;
	s->reverse = reverse;
	s->key = xreallocarray(NULL, mb->n ? mb->n : 1, sizeof *s->key);
	if (key == MSGTAB_SORT_FROM)
		rank = msgtab_rank(mb, MSGTAB_FROM);
	else if (key == MSGTAB_SORT_SUBJECT)
		rank = msgtab_rank(mb, MSGTAB_SUBJECT);
	for (i = 0; i < mb->n; i++) {
		m = msgtab_at(mb, i);
		switch (key) {
		case MSGTAB_SORT_ARRIVAL: s->key[i] = m->arrival; break;
		case MSGTAB_SORT_FROM:
			s->key[i] = rank[m->str[MSGTAB_FROM]];
			break;
		case MSGTAB_SORT_SUBJECT:
			s->key[i] = rank[m->str[MSGTAB_SUBJECT]];
			break;
		case MSGTAB_SORT_SIZE:
			s->key[i] = (int64_t)msgtab_size(mb, i);
			break;
		case MSGTAB_SORT_FLAGS:
			if (m->flags & MSG_DELETED)
				s->key[i] = 0;
			else if (m->flags & MSG_FLAGGED)
				s->key[i] = 3;
			else if (!(m->flags & MSG_SEEN))
				s->key[i] = 2;
			else
				s->key[i] = 1;
			break;
		case MSGTAB_SORT_DATE:
		default: s->key[i] = m->date; break;
		}
	}
	free(rank);
	return s;
}

/* Free a sorter. */
void
msgtab_sorter_free(struct msgtab_sorter *s)
{
	if (s == NULL)
		return;
	free(s->key);
	free(s);
}

/* Compare two sort items in forward order. */
static int
msgtab_item_cmp(const void *a, const void *b)
{
	const struct msgtab_sort_item *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

/* Fill a sort item for message idx. */
static void
msgtab_item(
    const struct msgtab_sorter *s, uint32_t idx, struct msgtab_sort_item *it)
{
	const struct msgtab_msg *m = msgtab_msg(s->mb, idx);

	it->key = s->key[idx];
	it->arrival = m->arrival;
	it->uid = m->uid;
	it->idx = idx;
}

/*
 * Sort message indexes.  The items carry their keys so comparisons touch
 * one array; small groups (most thread children) use insertion sort on
 * the stack.
 */
void
msgtab_sorter_sort(const struct msgtab_sorter *s, uint32_t *idx, size_t n)
{
	struct msgtab_sort_item small[16], *items, t;
	size_t i, j;

	if (n < 2)
		return;
	items = n <= G_N_ELEMENTS(small)
	    ? small
	    : xreallocarray(NULL, n, sizeof *items);
	for (i = 0; i < n; i++)
		msgtab_item(s, idx[i], &items[i]);
	if (items == small) {
		for (i = 1; i < n; i++) {
			t = items[i];
			for (j = i;
			     j > 0 && msgtab_item_cmp(&items[j - 1], &t) > 0;
			     j--)
				items[j] = items[j - 1];
			items[j] = t;
		}
	} else
		qsort(items, n, sizeof *items, msgtab_item_cmp);
	for (i = 0; i < n; i++)
		idx[s->reverse ? n - 1 - i : i] = items[i].idx;
	if (items != small)
		free(items);
}

/* Compare two messages in the sorter's order. */
int
msgtab_sorter_compare(const struct msgtab_sorter *s, uint32_t a, uint32_t b)
{
	struct msgtab_sort_item x, y;
	int c;

	msgtab_item(s, a, &x);
	msgtab_item(s, b, &y);
	c = msgtab_item_cmp(&x, &y);
	return s->reverse ? -c : c;
}
