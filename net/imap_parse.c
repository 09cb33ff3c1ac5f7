/*
 * imap_parse.c - incremental, bounded parser for IMAP4 server responses.
 *
 * Two stages.  Framing works byte by byte and keeps only small state, so
 * input may stop anywhere: it collects one response's lines (terminators
 * made CRLF) into one buffer and each literal's payload into a buffer of its
 * own, checking every limit as bytes arrive and before any literal is
 * allocated.  When a line ends without announcing a literal the response is
 * complete, and the second stage, a recursive-descent reader over that
 * memory, turns it into a struct imap_response.  The reader recurses only
 * at "(", and counts those against max_depth, so its stack stays bounded.
 *
 * A literal is recognised as "{n}" or "~{n}" at the very end of a line, as
 * every IMAP client does; the reader then checks that it sits where the
 * grammar allows a string.  Literal buffers are handed over to the response
 * rather than copied.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"
#include "imap_utf7.h"
#include "xmalloc.h"

#define MODSEQ_MAX ((uint64_t)INT64_MAX)

/* One literal of the response being framed. */
struct imap_lit {
	size_t at; /* offset in the line buffer where its bytes belong */
	size_t len; /* announced size */
	size_t have; /* bytes received */
	size_t cap;
	char *data; /* NULL once handed to the response */
};

enum imap_frame_state {
	FRAME_LINE, /* collecting a line */
	FRAME_LITERAL /* collecting a literal's bytes */
};

struct imap_parser {
	struct imap_limits lim;
	int utf8;
	int failed;
	char err[512];

	enum imap_frame_state state;
	char *line; /* the response's lines, each ended by CRLF */
	size_t len, cap;
	size_t linestart; /* where the current line began */
	uint64_t total; /* bytes of the response so far */
	struct imap_lit *lits;
	size_t nlits, litcap;

	struct imap_response **queue;
	size_t qhead, qlen, qcap;
};

/* The reader over one complete framed response. */
struct rd {
	struct imap_parser *p;
	const char *s;
	size_t len, pos;
	struct imap_lit *lits;
	size_t nlits, nextlit;
	unsigned depth;
};

static void body_free(struct imap_body *b);
static int rd_body(struct rd *r, int ext, struct imap_body **out);
static int rd_skip_value(struct rd *r);

/* ---------------------------------------------------------- small helpers */

/* Fill lim with the defaults documented in imap_parse.h. */
void
imap_limits_default(struct imap_limits *lim)
{
	lim->max_line = IMAP_DEFAULT_MAX_LINE;
	lim->max_literal = IMAP_DEFAULT_MAX_LITERAL;
	lim->max_response = IMAP_DEFAULT_MAX_RESPONSE;
	lim->max_depth = IMAP_DEFAULT_MAX_DEPTH;
	lim->max_items = IMAP_DEFAULT_MAX_ITEMS;
}

/* ASCII case-insensitive comparison of s[0..n) with a NUL-terminated word. */
static int
word_eq(const char *s, size_t n, const char *word)
{
	size_t i;
	unsigned char a, b;

	for (i = 0; i < n; i++) {
		if (word[i] == '\0')
			return 0;
		a = (unsigned char)s[i];
		b = (unsigned char)word[i];
		if (a >= 'a' && a <= 'z')
			a -= 32;
		if (b >= 'a' && b <= 'z')
			b -= 32;
		if (a != b)
			return 0;
	}
	return word[n] == '\0';
}

/* Lower-case an ASCII string in place. */
static void
str_lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 32;
}

/*
 * Make room in an array about to get its element number n (counting from
 * zero): capacity doubles at every power of two, so a list of a million
 * numbers costs a few dozen reallocations, not a million.
 */
static void *
array_grow(void *v, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		return xreallocarray(v, n == 0 ? 1 : n * 2, size);
	return v;
}

/* Append a pointer to a string list (kept NULL-terminated). */
static void
strings_add(struct imap_strings *l, char *s)
{
	l->v = array_grow(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

/* Free a string list's contents. */
static void
strings_clear(struct imap_strings *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Free a parameter list's contents. */
static void
params_clear(struct imap_params *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Append a range to a sequence set. */
static void
seqset_add(struct imap_seqset *set, uint32_t first, uint32_t last)
{
	set->v = array_grow(set->v, set->n, sizeof(*set->v));
	set->v[set->n].first = first;
	set->v[set->n].last = last;
	set->n++;
}

/* Free a sequence set's contents. */
static void
seqset_clear(struct imap_seqset *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/*
 * A copy of s[0..len) that is valid UTF-8: bytes that are not (and NULs)
 * become U+FFFD.
 */
static char *
utf8_sanitize(const char *s, size_t len)
{
	char *out = xmalloc(len * 3 + 1), *o = out;
	size_t i = 0, j;

	while (i < len) {
		for (j = i;
		     j < len && s[j] != '\0' && (unsigned char)s[j] < 0x80; j++)
			;
		memcpy(o, s + i, j - i);
		o += j - i;
		i = j;
		if (i == len)
			break;
		for (j = 2; j <= 4; j++)
			if (i + j <= len && s[i] != '\0' &&
			    imap_utf7_is_utf8(s + i, j))
				break;
		if (j <= 4) {
			memcpy(o, s + i, j);
			o += j;
			i += j;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return out;
}

/* The UTF-8 form of a mailbox name, as described in imap_parse.h. */
static char *
name_to_utf8(const struct imap_parser *p, const char *name)
{
	char *s;
	size_t len = strlen(name);

	if (!p->utf8 && (s = imap_utf7_decode(name, NULL)) != NULL)
		return s;
	return utf8_sanitize(name, len);
}

/* ------------------------------------------------------------- errors */

/*
 * Record a protocol error in the parser; the first one wins, since later
 * ones are only its consequences.
 */
static void parser_fail(struct imap_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
parser_fail(struct imap_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/*
 * Note why the reader stopped, with a printable excerpt of where; returns
 * -1 so callers can "return rd_fail(...)".
 */
static int rd_fail(struct rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
rd_fail(struct rd *r, const char *fmt, ...)
{
	char msg[256], ctx[64];
	size_t i, n = 0, start;
	va_list ap;
	unsigned char c;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	start = r->pos > 24 ? r->pos - 24 : 0;
	for (i = start; i < r->len && n < sizeof(ctx) - 1; i++) {
		c = (unsigned char)r->s[i];
		if (c == '\r' || c == '\n')
			break;
		ctx[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	ctx[n] = '\0';
	snprintf(r->p->err, sizeof(r->p->err), "%s at byte %zu of \"%s%s\"",
	    msg, r->pos, start > 0 ? "..." : "", ctx);
	return -1;
}

/* ------------------------------------------------------ reader: tokens */

/* The next byte, or -1 at the end of the buffer. */
static int
rd_peek(const struct rd *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

/* The byte after the next one, or -1. */
static int
rd_peek2(const struct rd *r)
{
	return r->pos + 1 < r->len ? (unsigned char)r->s[r->pos + 1] : -1;
}

/* Whether the reader is at the end of a line. */
static int
rd_at_eol(const struct rd *r)
{
	return rd_peek(r) == '\r';
}

/* Expect the byte c. */
static int
rd_expect(struct rd *r, int c, const char *what)
{
	if (rd_peek(r) != c)
		return rd_fail(r, "expected %s", what);
	r->pos++;
	return 0;
}

/* Expect one space. */
static int
rd_sp(struct rd *r)
{
	return rd_expect(r, ' ', "a space");
}

/* Skip one space if there is one. */
static int
rd_opt_sp(struct rd *r)
{
	if (rd_peek(r) != ' ')
		return 0;
	r->pos++;
	return 1;
}

/* Expect the final CRLF of the response. */
static int
rd_end(struct rd *r)
{
	if (r->pos + 2 != r->len || r->s[r->pos] != '\r')
		return rd_fail(r, "unexpected data after the response");
	if (r->nextlit != r->nlits)
		return rd_fail(r, "literal out of place");
	return 0;
}

/* Open a parenthesised list, counting its depth against the limit. */
static int
rd_lparen(struct rd *r)
{
	if (rd_expect(r, '(', "'('") < 0)
		return -1;
	if (++r->depth > r->p->lim.max_depth)
		return rd_fail(
		    r, "lists nested deeper than %u", r->p->lim.max_depth);
	return 0;
}

/* Close a parenthesised list. */
static int
rd_rparen(struct rd *r)
{
	if (rd_expect(r, ')', "')'") < 0)
		return -1;
	r->depth--;
	return 0;
}

/* Count one more element of a list against the limit. */
static int
rd_count(struct rd *r, size_t *n)
{
	if (++*n > r->p->lim.max_items)
		return rd_fail(
		    r, "more than %zu elements in a list", r->p->lim.max_items);
	return 0;
}

/* ATOM-CHAR of RFC 9051, with 8-bit bytes let through. */
static int
is_atom_char(int c)
{
	if (c < 0x20 || c == 0x7f)
		return 0;
	switch (c) {
	case '(':
	case ')':
	case '{':
	case ' ':
	case '%':
	case '*':
	case '"':
	case '\\':
	case ']': return 0;
	}
	return 1;
}

/* Read an atom's span (at least one ATOM-CHAR) without copying it. */
static int
rd_atom_span(struct rd *r, const char **start, size_t *n, const char *what)
{
	size_t b = r->pos;

	while (r->pos < r->len && is_atom_char((unsigned char)r->s[r->pos]))
		r->pos++;
	if (r->pos == b)
		return rd_fail(r, "expected %s", what);
	*start = r->s + b;
	*n = r->pos - b;
	return 0;
}

/* Read an atom into a new string. */
static int
rd_atom(struct rd *r, char **out, const char *what)
{
	const char *s;
	size_t n;

	if (rd_atom_span(r, &s, &n, what) < 0)
		return -1;
	*out = xstrndup(s, n);
	return 0;
}

/* Whether the next token is NIL (and not an atom that begins so). */
static int
rd_is_nil(const struct rd *r)
{
	return r->pos + 3 <= r->len && word_eq(r->s + r->pos, 3, "NIL") &&
	    (r->pos + 3 == r->len ||
		!is_atom_char((unsigned char)r->s[r->pos + 3]));
}

/*
 * Read a number no greater than max; "what" names it in errors.  Signs,
 * empty numbers and overflow are refused.
 */
static int
rd_number(struct rd *r, uint64_t max, uint64_t *out, const char *what)
{
	uint64_t v = 0;
	size_t b = r->pos;
	int c;

	while ((c = rd_peek(r)) >= '0' && c <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return rd_fail(r, "%s is too large", what);
		v = v * 10 + (uint64_t)(c - '0');
		r->pos++;
	}
	if (r->pos == b)
		return rd_fail(r, "expected %s (a number)", what);
	if (v > max) {
		r->pos = b;
		return rd_fail(r, "%s is too large", what);
	}
	*out = v;
	return 0;
}

/* Read a 32-bit number. */
static int
rd_u32(struct rd *r, uint32_t *out, const char *what)
{
	uint64_t v;

	if (rd_number(r, UINT32_MAX, &v, what) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Read a non-zero 32-bit number. */
static int
rd_nz32(struct rd *r, uint32_t *out, const char *what)
{
	size_t b = r->pos;

	if (rd_u32(r, out, what) < 0)
		return -1;
	if (*out == 0) {
		r->pos = b;
		return rd_fail(r, "%s must not be zero", what);
	}
	return 0;
}

/* Read a 63-bit number (mod-sequences, sizes of RFC 9051). */
static int
rd_n64(struct rd *r, uint64_t *out, const char *what)
{
	return rd_number(r, MODSEQ_MAX, out, what);
}

/* Read a quoted string into a new buffer. */
static int
rd_quoted(struct rd *r, char **out, size_t *outlen)
{
	size_t i, n = 0;
	char *s;
	unsigned char c;

	if (rd_expect(r, '"', "'\"'") < 0)
		return -1;
	for (i = r->pos;; i++) {
		c = i < r->len ? (unsigned char)r->s[i] : '\r';
		if (c == '"')
			break;
		if (c == '\r' || c == '\n') {
			r->pos = i;
			return rd_fail(r, "unterminated quoted string");
		}
		if (c == '\0') {
			r->pos = i;
			return rd_fail(r, "NUL byte in a quoted string");
		}
		if (c == '\\') {
			c = i + 1 < r->len ? (unsigned char)r->s[i + 1] : 0;
			if (c != '"' && c != '\\') {
				r->pos = i;
				return rd_fail(
				    r, "bad escape in a quoted string");
			}
			i++;
		}
		n++;
	}
	s = xmalloc(n + 1);
	n = 0;
	for (i = r->pos; r->s[i] != '"'; i++) {
		if (r->s[i] == '\\')
			i++;
		s[n++] = r->s[i];
	}
	s[n] = '\0';
	r->pos = i + 1;
	*out = s;
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

/*
 * Read a literal ("{n}" CRLF bytes, or "~{n}" when allow8) and take its
 * buffer.
 */
static int
rd_literal(struct rd *r, int allow8, char **out, size_t *outlen)
{
	struct imap_lit *lit;
	uint64_t n;

	if (rd_peek(r) == '~') {
		if (!allow8)
			return rd_fail(r, "literal8 (~{n}) outside BINARY");
		r->pos++;
	}
	if (rd_expect(r, '{', "'{'") < 0 ||
	    rd_number(r, UINT64_MAX, &n, "literal size") < 0 ||
	    rd_expect(r, '}', "'}'") < 0)
		return -1;
	if (r->pos + 2 > r->len || r->s[r->pos] != '\r' ||
	    r->nextlit >= r->nlits || r->lits[r->nextlit].at != r->pos + 2)
		return rd_fail(r, "literal out of place");
	lit = &r->lits[r->nextlit++];
	r->pos += 2;
	*out = lit->data != NULL ? lit->data : xstrdup("");
	lit->data = NULL;
	if (outlen != NULL)
		*outlen = lit->len;
	return 0;
}

/* Read a string: quoted or literal. */
static int
rd_string(struct rd *r, char **out, size_t *len)
{
	int c = rd_peek(r);

	if (c == '"')
		return rd_quoted(r, out, len);
	if (c == '{' || c == '~')
		return rd_literal(r, 0, out, len);
	return rd_fail(r, "expected a string");
}

/* Read a string or NIL (*out NULL). */
static int
rd_nstring(struct rd *r, char **out, size_t *len)
{
	if (rd_is_nil(r)) {
		r->pos += 3;
		*out = NULL;
		if (len != NULL)
			*len = 0;
		return 0;
	}
	return rd_string(r, out, len);
}

/*
 * Make a string read from the wire a C string for people: NULs, which only
 * a literal can carry, become U+FFFD.
 */
static char *
text_fix(char *s, size_t len)
{
	char *t;

	if (s == NULL || memchr(s, '\0', len) == NULL)
		return s;
	t = utf8_sanitize(s, len);
	free(s);
	return t;
}

/* Read an nstring as text (NULs replaced). */
static int
rd_ntext(struct rd *r, char **out)
{
	size_t len;

	if (rd_nstring(r, out, &len) < 0)
		return -1;
	*out = text_fix(*out, len);
	return 0;
}

/* Read a string as text (NULs replaced). */
static int
rd_text_string(struct rd *r, char **out)
{
	size_t len;

	if (rd_string(r, out, &len) < 0)
		return -1;
	*out = text_fix(*out, len);
	return 0;
}

/* Read an astring: atom-like characters (']' allowed) or a string. */
static int
rd_astring(struct rd *r, char **out, size_t *len)
{
	size_t b = r->pos;
	int c = rd_peek(r);

	if (c == '"' || c == '{')
		return rd_string(r, out, len);
	while (r->pos < r->len &&
	    (is_atom_char((unsigned char)r->s[r->pos]) || r->s[r->pos] == ']'))
		r->pos++;
	if (r->pos == b)
		return rd_fail(r, "expected an atom or a string");
	*out = xstrndup(r->s + b, r->pos - b);
	if (len != NULL)
		*len = r->pos - b;
	return 0;
}

/* Read an astring meant as text (NULs replaced). */
static int
rd_atext(struct rd *r, char **out)
{
	size_t len;

	if (rd_astring(r, out, &len) < 0)
		return -1;
	*out = text_fix(*out, len);
	return 0;
}

/* Read a mailbox name (astring), refusing NUL bytes. */
static int
rd_mailbox(struct rd *r, char **out)
{
	size_t len;

	if (rd_astring(r, out, &len) < 0)
		return -1;
	if (memchr(*out, '\0', len) != NULL) {
		free(*out);
		*out = NULL;
		return rd_fail(r, "NUL byte in a mailbox name");
	}
	return 0;
}

/* Read a quoted single character or NIL (a hierarchy delimiter). */
static int
rd_delim(struct rd *r, char *out)
{
	size_t len;
	char *s;

	if (rd_is_nil(r)) {
		r->pos += 3;
		*out = '\0';
		return 0;
	}
	if (rd_peek(r) != '"')
		return rd_fail(r, "expected a quoted delimiter or NIL");
	if (rd_quoted(r, &s, &len) < 0)
		return -1;
	if (len != 1) {
		free(s);
		return rd_fail(r, "a delimiter must be one character");
	}
	*out = s[0];
	free(s);
	return 0;
}

/* Read human text up to the end of the line (possibly empty). */
static int
rd_text(struct rd *r, char **out)
{
	size_t b = r->pos;

	while (r->pos < r->len && r->s[r->pos] != '\r') {
		if (r->s[r->pos] == '\0')
			return rd_fail(r, "NUL byte in text");
		r->pos++;
	}
	*out = utf8_sanitize(r->s + b, r->pos - b);
	return 0;
}

/* Read one flag: "\" atom, "\*" or a keyword atom. */
static int
rd_flag(struct rd *r, char **out)
{
	const char *s;
	size_t n;

	if (rd_peek(r) == '\\') {
		if (rd_peek2(r) == '*') {
			r->pos += 2;
			*out = xstrdup("\\*");
			return 0;
		}
		r->pos++;
		if (rd_atom_span(r, &s, &n, "a flag name") < 0)
			return -1;
		*out = xstrndup(s - 1, n + 1);
		return 0;
	}
	return rd_atom(r, out, "a flag");
}

/* The IMAP_FLAG_* bit of a flag, or 0 for a keyword. */
static unsigned
flag_bit(const char *f)
{
	static const struct {
		const char *name;
		unsigned bit;
	} bits[] = { { "\\Seen", IMAP_FLAG_SEEN },
		{ "\\Answered", IMAP_FLAG_ANSWERED },
		{ "\\Flagged", IMAP_FLAG_FLAGGED },
		{ "\\Deleted", IMAP_FLAG_DELETED },
		{ "\\Draft", IMAP_FLAG_DRAFT },
		{ "\\Recent", IMAP_FLAG_RECENT }, { "\\*", IMAP_FLAG_ANY } };
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (word_eq(f, strlen(f), bits[i].name))
			return bits[i].bit;
	return 0;
}

/* Read a parenthesised flag list. */
static int
rd_flag_list(struct rd *r, struct imap_flags *f)
{
	size_t n = 0;
	char *s;

	if (rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && rd_sp(r) < 0)
			return -1;
		if (rd_count(r, &n) < 0 || rd_flag(r, &s) < 0)
			return -1;
		f->bits |= flag_bit(s);
		strings_add(&f->all, s);
	}
	return rd_rparen(r);
}

/* Read one sequence number or "*". */
static int
rd_seqnum(struct rd *r, int allow_star, uint32_t *out)
{
	if (rd_peek(r) == '*') {
		if (!allow_star)
			return rd_fail(r, "'*' is not allowed in a UID set");
		r->pos++;
		*out = IMAP_STAR;
		return 0;
	}
	return rd_nz32(r, out, "a sequence number");
}

/* Read a sequence set into ranges (see struct imap_range). */
static int
rd_seqset(struct rd *r, int allow_star, struct imap_seqset *set)
{
	uint32_t a, b, t;
	size_t n = set->n;

	for (;;) {
		if (rd_count(r, &n) < 0 || rd_seqnum(r, allow_star, &a) < 0)
			return -1;
		b = a;
		if (rd_peek(r) == ':') {
			r->pos++;
			if (rd_seqnum(r, allow_star, &b) < 0)
				return -1;
		}
		if (a == IMAP_STAR || (b != IMAP_STAR && a > b)) {
			t = a;
			a = b;
			b = t;
		}
		seqset_add(set, a, b);
		if (rd_peek(r) != ',')
			return 0;
		r->pos++;
	}
}

/*
 * Skip one value of unknown meaning: a list, a string, a literal or a run
 * of other characters (an atom, a number, "\Flag", "X[1]<2>").
 */
static int
rd_skip_value(struct rd *r)
{
	size_t n = 0, b;
	char *s;
	int c = rd_peek(r);

	if (c == '(') {
		if (rd_lparen(r) < 0)
			return -1;
		while (rd_peek(r) != ')') {
			if (n > 0 && rd_sp(r) < 0)
				return -1;
			if (rd_count(r, &n) < 0 || rd_skip_value(r) < 0)
				return -1;
		}
		return rd_rparen(r);
	}
	if (c == '"' || c == '{' || c == '~') {
		if (c == '"' ? rd_quoted(r, &s, NULL) < 0
			     : rd_literal(r, 1, &s, NULL) < 0)
			return -1;
		free(s);
		return 0;
	}
	b = r->pos;
	while ((c = rd_peek(r)) > 0 && c != ' ' && c != '(' && c != ')' &&
	    c != '"' && c != '{' && c != '\r')
		r->pos++;
	if (r->pos == b)
		return rd_fail(r, "expected a value");
	return 0;
}

/* ------------------------------------------------------ response codes */

static const struct {
	const char *name;
	enum imap_code_kind kind;
} code_names[] = {
	{ "ALERT", IMAP_CODE_ALERT },
	{ "BADCHARSET", IMAP_CODE_BADCHARSET },
	{ "CAPABILITY", IMAP_CODE_CAPABILITY },
	{ "PARSE", IMAP_CODE_PARSE },
	{ "PERMANENTFLAGS", IMAP_CODE_PERMANENTFLAGS },
	{ "READ-ONLY", IMAP_CODE_READ_ONLY },
	{ "READ-WRITE", IMAP_CODE_READ_WRITE },
	{ "TRYCREATE", IMAP_CODE_TRYCREATE },
	{ "UIDNEXT", IMAP_CODE_UIDNEXT },
	{ "UIDVALIDITY", IMAP_CODE_UIDVALIDITY },
	{ "UNSEEN", IMAP_CODE_UNSEEN },
	{ "HIGHESTMODSEQ", IMAP_CODE_HIGHESTMODSEQ },
	{ "NOMODSEQ", IMAP_CODE_NOMODSEQ },
	{ "MODIFIED", IMAP_CODE_MODIFIED },
	{ "APPENDUID", IMAP_CODE_APPENDUID },
	{ "COPYUID", IMAP_CODE_COPYUID },
	{ "CLOSED", IMAP_CODE_CLOSED },
	{ "UIDNOTSTICKY", IMAP_CODE_UIDNOTSTICKY },
	{ "ALREADYEXISTS", IMAP_CODE_ALREADYEXISTS },
	{ "AUTHENTICATIONFAILED", IMAP_CODE_AUTHENTICATIONFAILED },
	{ "AUTHORIZATIONFAILED", IMAP_CODE_AUTHORIZATIONFAILED },
	{ "CANNOT", IMAP_CODE_CANNOT },
	{ "CLIENTBUG", IMAP_CODE_CLIENTBUG },
	{ "CONTACTADMIN", IMAP_CODE_CONTACTADMIN },
	{ "CORRUPTION", IMAP_CODE_CORRUPTION },
	{ "EXPIRED", IMAP_CODE_EXPIRED },
	{ "EXPUNGEISSUED", IMAP_CODE_EXPUNGEISSUED },
	{ "HASCHILDREN", IMAP_CODE_HASCHILDREN },
	{ "INUSE", IMAP_CODE_INUSE },
	{ "LIMIT", IMAP_CODE_LIMIT },
	{ "NONEXISTENT", IMAP_CODE_NONEXISTENT },
	{ "NOPERM", IMAP_CODE_NOPERM },
	{ "OVERQUOTA", IMAP_CODE_OVERQUOTA },
	{ "PRIVACYREQUIRED", IMAP_CODE_PRIVACYREQUIRED },
	{ "SERVERBUG", IMAP_CODE_SERVERBUG },
	{ "UNAVAILABLE", IMAP_CODE_UNAVAILABLE },
	{ "NOTSAVED", IMAP_CODE_NOTSAVED },
};

/* Free what a response code holds and make it empty. */
static void
code_clear(struct imap_code *c)
{
	free(c->name);
	free(c->raw);
	strings_clear(&c->strings);
	strings_clear(&c->flags.all);
	seqset_clear(&c->uids);
	seqset_clear(&c->uids2);
	memset(c, 0, sizeof(*c));
}

/* Whether a code of this kind has arguments this parser reads. */
static int
code_has_args(enum imap_code_kind kind)
{
	switch (kind) {
	case IMAP_CODE_BADCHARSET:
	case IMAP_CODE_CAPABILITY:
	case IMAP_CODE_PERMANENTFLAGS:
	case IMAP_CODE_UIDNEXT:
	case IMAP_CODE_UIDVALIDITY:
	case IMAP_CODE_UNSEEN:
	case IMAP_CODE_HIGHESTMODSEQ:
	case IMAP_CODE_MODIFIED:
	case IMAP_CODE_APPENDUID:
	case IMAP_CODE_COPYUID: return 1;
	default: return 0;
	}
}

/* Read the arguments of a code whose kind is known. */
static int
rd_code_args(struct rd *r, struct imap_code *c)
{
	size_t n = 0;
	char *s;

	switch (c->kind) {
	case IMAP_CODE_BADCHARSET:
		if (rd_peek(r) != ' ')
			return 0;
		r->pos++;
		if (rd_lparen(r) < 0)
			return -1;
		do {
			if (rd_count(r, &n) < 0 || rd_atext(r, &s) < 0)
				return -1;
			strings_add(&c->strings, s);
		} while (rd_opt_sp(r));
		return rd_rparen(r);
	case IMAP_CODE_CAPABILITY:
		while (rd_opt_sp(r)) {
			if (rd_peek(r) == ']')
				break;
			if (rd_count(r, &n) < 0 ||
			    rd_atom(r, &s, "a capability") < 0)
				return -1;
			strings_add(&c->strings, s);
		}
		return 0;
	case IMAP_CODE_PERMANENTFLAGS:
		return rd_sp(r) < 0 ? -1 : rd_flag_list(r, &c->flags);
	case IMAP_CODE_UIDNEXT:
	case IMAP_CODE_UIDVALIDITY:
	case IMAP_CODE_UNSEEN:
		return rd_sp(r) < 0 ? -1 : rd_nz32(r, &c->num, c->name);
	case IMAP_CODE_HIGHESTMODSEQ:
		return rd_sp(r) < 0 ? -1 : rd_n64(r, &c->modseq, c->name);
	case IMAP_CODE_MODIFIED:
		/* A sequence-set, where "*" is allowed. */
		return rd_sp(r) < 0 ? -1 : rd_seqset(r, 1, &c->uids);
	case IMAP_CODE_APPENDUID:
		if (rd_sp(r) < 0 ||
		    rd_nz32(r, &c->uidvalidity, "UIDVALIDITY") < 0 ||
		    rd_sp(r) < 0)
			return -1;
		return rd_seqset(r, 0, &c->uids);
	case IMAP_CODE_COPYUID:
		if (rd_sp(r) < 0 ||
		    rd_nz32(r, &c->uidvalidity, "UIDVALIDITY") < 0 ||
		    rd_sp(r) < 0 || rd_seqset(r, 0, &c->uids) < 0 ||
		    rd_sp(r) < 0)
			return -1;
		return rd_seqset(r, 0, &c->uids2);
	default: return 0;
	}
}

/*
 * Read "[" code "]" at the reader.  A known code whose arguments do not
 * read is kept as IMAP_CODE_OTHER with its raw text rather than failing
 * the response; a "[" with no "]" on the line is not a code at all, and
 * the function returns 1 with the reader unmoved so it is read as text.
 */
static int
rd_code(struct rd *r, struct imap_code *c)
{
	size_t start = r->pos, argstart, i;
	unsigned depth = r->depth;
	const char *name;
	size_t n;

	r->pos++;
	if (rd_atom_span(r, &name, &n, "a response code") < 0) {
		r->pos = start;
		return 1;
	}
	c->name = xstrndup(name, n);
	c->kind = IMAP_CODE_OTHER;
	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (word_eq(name, n, code_names[i].name))
			c->kind = code_names[i].kind;
	argstart = r->pos;
	if (code_has_args(c->kind) &&
	    (rd_code_args(r, c) < 0 || rd_peek(r) != ']')) {
		/* Keep it as an unknown code with its raw text. */
		char *keep = c->name;

		c->name = NULL;
		code_clear(c);
		c->name = keep;
		c->kind = IMAP_CODE_OTHER;
		r->pos = argstart;
		r->depth = depth;
	}
	if (!code_has_args(c->kind)) {
		while (r->pos < r->len && r->s[r->pos] != ']' &&
		    r->s[r->pos] != '\r' && r->s[r->pos] != '\0')
			r->pos++;
		if (rd_peek(r) != ']') {
			code_clear(c);
			r->pos = start;
			return 1;
		}
	}
	if (r->pos > argstart) {
		i = argstart;
		if (r->s[i] == ' ')
			i++;
		if (r->pos > i)
			c->raw = utf8_sanitize(r->s + i, r->pos - i);
	}
	r->pos++; /* the ']' */
	return 0;
}

/*
 * Read resp-text: an optional code and the human text.  The space before
 * the text may be missing when the line ends there.
 */
static int
rd_resp_text(struct rd *r, struct imap_response *resp)
{
	int rc;

	if (rd_peek(r) == '[') {
		if ((rc = rd_code(r, &resp->code)) < 0)
			return -1;
		if (rc == 0 && rd_peek(r) == ' ')
			r->pos++;
	}
	return rd_text(r, &resp->text);
}

/* ------------------------------------------------------ string builder */

/* A growing string for section specs, raw data and dumps. */
struct sbuf {
	char *s;
	size_t len, cap;
};

/* Append n bytes. */
static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	if (n > 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append a C string. */
static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* Append formatted text. */
static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		s = xstrdup("");
	sb_puts(b, s);
	free(s);
}

/* The builder's string, never NULL; the builder is left empty. */
static char *
sb_take(struct sbuf *b)
{
	char *s;

	if (b->s == NULL)
		sb_put(b, "", 0);
	s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}

/* ------------------------------------------------------------- dates */

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n digits from s into *v. */
static int
date_digits(const char **s, unsigned n, unsigned *v)
{
	unsigned i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/*
 * Parse an INTERNALDATE ("17-Jul-1996 02:44:25 -0700"; the day may be
 * " 7" or "7") into UTC seconds and the zone in minutes.
 */
static int
parse_date_time(const char *s, time_t *out, int *zone)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned day, mon, year, hh, mm, ss, zh, zm, i;
	int sign, leap;

	if (*s == ' ')
		s++;
	if (date_digits(&s, 1, &day) < 0)
		return -1;
	if (*s >= '0' && *s <= '9')
		day = day * 10 + (unsigned)(*s++ - '0');
	if (*s++ != '-')
		return -1;
	for (mon = 0; mon < 12; mon++)
		if (strlen(s) >= 3 && word_eq(s, 3, months[mon]))
			break;
	if (mon == 12)
		return -1;
	s += 3;
	if (*s++ != '-' || date_digits(&s, 4, &year) < 0 || *s++ != ' ' ||
	    date_digits(&s, 2, &hh) < 0 || *s++ != ':' ||
	    date_digits(&s, 2, &mm) < 0 || *s++ != ':' ||
	    date_digits(&s, 2, &ss) < 0 || *s++ != ' ')
		return -1;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (date_digits(&s, 2, &zh) < 0 || date_digits(&s, 2, &zm) < 0 ||
	    *s != '\0')
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (day == 0 || day > mdays[mon] || (mon == 1 && !leap && day > 28) ||
	    hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59)
		return -1;
	i = mon + 1;
	*zone = sign * (int)(zh * 60 + zm);
	*out = (time_t)(days_from_civil(year, i, day) * 86400 +
	    (int64_t)hh * 3600 + mm * 60 + ss - (int64_t)*zone * 60);
	return 0;
}

/* ---------------------------------------------------- envelope, body */

/* Free an address list's contents. */
static void
addrlist_clear(struct imap_addrlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].adl);
		free(l->v[i].mailbox);
		free(l->v[i].host);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Free an envelope. */
static void
envelope_free(struct imap_envelope *e)
{
	if (e == NULL)
		return;
	free(e->date);
	free(e->subject);
	addrlist_clear(&e->from);
	addrlist_clear(&e->sender);
	addrlist_clear(&e->reply_to);
	addrlist_clear(&e->to);
	addrlist_clear(&e->cc);
	addrlist_clear(&e->bcc);
	free(e->in_reply_to);
	free(e->message_id);
	free(e);
}

/* Read one address list: NIL or "(" 1*address ")". */
static int
rd_addrlist(struct rd *r, struct imap_addrlist *l)
{
	struct imap_address *a;
	size_t n = 0;

	if (rd_is_nil(r)) {
		r->pos += 3;
		return 0;
	}
	if (rd_lparen(r) < 0)
		return -1;
	do {
		if (n > 0)
			rd_opt_sp(r);
		if (rd_count(r, &n) < 0)
			return -1;
		l->v = array_grow(l->v, l->n, sizeof(*l->v));
		a = &l->v[l->n++];
		memset(a, 0, sizeof(*a));
		if (rd_lparen(r) < 0 || rd_ntext(r, &a->name) < 0 ||
		    rd_sp(r) < 0 || rd_ntext(r, &a->adl) < 0 || rd_sp(r) < 0 ||
		    rd_ntext(r, &a->mailbox) < 0 || rd_sp(r) < 0 ||
		    rd_ntext(r, &a->host) < 0 || rd_rparen(r) < 0)
			return -1;
		if (a->host != NULL)
			a->kind = IMAP_ADDR_MAILBOX;
		else if (a->mailbox != NULL)
			a->kind = IMAP_ADDR_GROUP_START;
		else
			a->kind = IMAP_ADDR_GROUP_END;
	} while (rd_peek(r) != ')');
	return rd_rparen(r);
}

/* Read an ENVELOPE. */
static int
rd_envelope(struct rd *r, struct imap_envelope **out)
{
	struct imap_envelope *e = xcalloc(1, sizeof(*e));

	*out = NULL;
	if (rd_lparen(r) < 0 || rd_ntext(r, &e->date) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &e->subject) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->from) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->sender) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->reply_to) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->to) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->cc) < 0 || rd_sp(r) < 0 ||
	    rd_addrlist(r, &e->bcc) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &e->in_reply_to) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &e->message_id) < 0 || rd_rparen(r) < 0) {
		envelope_free(e);
		return -1;
	}
	*out = e;
	return 0;
}

/* Free a body structure tree. */
static void
body_free(struct imap_body *b)
{
	size_t i;

	if (b == NULL)
		return;
	free(b->type);
	free(b->subtype);
	params_clear(&b->params);
	free(b->id);
	free(b->description);
	free(b->encoding);
	envelope_free(b->envelope);
	body_free(b->msg);
	for (i = 0; i < b->nparts; i++)
		body_free(b->parts[i]);
	free(b->parts);
	free(b->md5);
	free(b->disposition);
	params_clear(&b->disposition_params);
	strings_clear(&b->language);
	free(b->location);
	free(b);
}

/*
 * Read body parameters: NIL or "(" name SP value ... ")" ("()" is
 * accepted too, as some servers send it).
 */
static int
rd_params(struct rd *r, struct imap_params *pl)
{
	struct imap_param *pa;
	size_t n = 0;

	if (rd_is_nil(r)) {
		r->pos += 3;
		return 0;
	}
	if (rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && rd_sp(r) < 0)
			return -1;
		if (rd_count(r, &n) < 0)
			return -1;
		pl->v = array_grow(pl->v, pl->n, sizeof(*pl->v));
		pa = &pl->v[pl->n++];
		pa->value = NULL;
		if (rd_text_string(r, &pa->name) < 0) {
			pa->name = NULL;
			return -1;
		}
		str_lower(pa->name);
		if (rd_sp(r) < 0 || rd_ntext(r, &pa->value) < 0)
			return -1;
	}
	return rd_rparen(r);
}

/* Read a body disposition: NIL or "(" type SP params ")". */
static int
rd_disposition(struct rd *r, struct imap_body *b)
{
	if (rd_is_nil(r)) {
		r->pos += 3;
		return 0;
	}
	if (rd_lparen(r) < 0 || rd_text_string(r, &b->disposition) < 0)
		return -1;
	str_lower(b->disposition);
	if (rd_sp(r) < 0 || rd_params(r, &b->disposition_params) < 0)
		return -1;
	return rd_rparen(r);
}

/* Read body languages: NIL, a string, or a list of strings. */
static int
rd_language(struct rd *r, struct imap_body *b)
{
	size_t n = 0;
	char *s;

	if (rd_peek(r) != '(') {
		if (rd_ntext(r, &s) < 0)
			return -1;
		if (s != NULL)
			strings_add(&b->language, s);
		return 0;
	}
	if (rd_lparen(r) < 0)
		return -1;
	do {
		if (rd_count(r, &n) < 0 || rd_text_string(r, &s) < 0)
			return -1;
		strings_add(&b->language, s);
	} while (rd_opt_sp(r));
	return rd_rparen(r);
}

/*
 * Read the extension data after a body's basic fields (the caller ate
 * the space before it): md5 or the multipart parameters, then
 * disposition, language, location and any later extensions, each
 * optional in turn.
 */
static int
rd_body_ext(struct rd *r, struct imap_body *b)
{
	size_t n = 0;

	b->has_ext = 1;
	if (b->nparts > 0 ? rd_params(r, &b->params) < 0
			  : rd_ntext(r, &b->md5) < 0)
		return -1;
	if (!rd_opt_sp(r))
		return 0;
	if (rd_disposition(r, b) < 0)
		return -1;
	if (!rd_opt_sp(r))
		return 0;
	if (rd_language(r, b) < 0)
		return -1;
	if (!rd_opt_sp(r))
		return 0;
	if (rd_ntext(r, &b->location) < 0)
		return -1;
	while (rd_opt_sp(r))
		if (rd_count(r, &n) < 0 || rd_skip_value(r) < 0)
			return -1;
	return 0;
}

/* Read the fields of a single-part body after its "(". */
static int
rd_body_single(struct rd *r, struct imap_body *b)
{
	if (rd_text_string(r, &b->type) < 0 || rd_sp(r) < 0 ||
	    rd_text_string(r, &b->subtype) < 0 || rd_sp(r) < 0 ||
	    rd_params(r, &b->params) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &b->id) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &b->description) < 0 || rd_sp(r) < 0 ||
	    rd_ntext(r, &b->encoding) < 0 || rd_sp(r) < 0 ||
	    rd_n64(r, &b->size, "body size") < 0)
		return -1;
	str_lower(b->type);
	str_lower(b->subtype);
	str_lower(b->encoding);
	if (strcmp(b->type, "text") == 0) {
		if (rd_sp(r) < 0 || rd_u32(r, &b->lines, "body lines") < 0)
			return -1;
	} else if (strcmp(b->type, "message") == 0 &&
	    (strcmp(b->subtype, "rfc822") == 0 ||
		strcmp(b->subtype, "global") == 0) &&
	    rd_peek(r) == ' ' && rd_peek2(r) == '(') {
		r->pos++;
		if (rd_envelope(r, &b->envelope) < 0 || rd_sp(r) < 0 ||
		    rd_body(r, 1, &b->msg) < 0 || rd_sp(r) < 0 ||
		    rd_u32(r, &b->lines, "body lines") < 0)
			return -1;
	}
	if (rd_opt_sp(r) && rd_body_ext(r, b) < 0)
		return -1;
	return 0;
}

/*
 * Read a BODY or BODYSTRUCTURE value into a new tree.  Extension data is
 * read whenever it is there, so ext only documents the caller's intent.
 */
static int
rd_body(struct rd *r, int ext, struct imap_body **out)
{
	struct imap_body *b = xcalloc(1, sizeof(*b)), *part;
	size_t n = 0;

	(void)ext;
	*out = NULL;
	if (rd_lparen(r) < 0)
		goto fail;
	if (rd_peek(r) != '(') {
		if (rd_body_single(r, b) < 0)
			goto fail;
	} else {
		b->type = xstrdup("multipart");
		do {
			if (rd_count(r, &n) < 0 || rd_body(r, ext, &part) < 0)
				goto fail;
			b->parts =
			    array_grow(b->parts, b->nparts, sizeof(*b->parts));
			b->parts[b->nparts++] = part;
			if (rd_peek(r) == ' ' && rd_peek2(r) == '(')
				r->pos++;
		} while (rd_peek(r) == '(');
		if (rd_sp(r) < 0 || rd_text_string(r, &b->subtype) < 0)
			goto fail;
		str_lower(b->subtype);
		if (rd_opt_sp(r) && rd_body_ext(r, b) < 0)
			goto fail;
	}
	if (rd_rparen(r) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	body_free(b);
	return -1;
}

/* ------------------------------------------------------------- FETCH */

/* Free a section's contents. */
static void
section_clear(struct imap_section *s)
{
	free(s->spec);
	free(s->part);
	strings_clear(&s->fields);
	free(s->data);
}

/* Read part numbers "1.2.3" into the section (and its spec). */
static int
rd_section_parts(struct rd *r, struct imap_section *sec, struct sbuf *spec)
{
	uint32_t v;
	size_t n = 0;

	for (;;) {
		if (rd_count(r, &n) < 0 || rd_nz32(r, &v, "a part number") < 0)
			return -1;
		sec->part =
		    array_grow(sec->part, sec->npart, sizeof(*sec->part));
		sec->part[sec->npart++] = v;
		sb_printf(spec, "%s%u", sec->npart > 1 ? "." : "", v);
		if (rd_peek(r) != '.' || rd_peek2(r) < '0' || rd_peek2(r) > '9')
			return 0;
		r->pos++;
	}
}

/* Read the section-text keyword (HEADER, TEXT, MIME, HEADER.FIELDS...). */
static int
rd_section_text(struct rd *r, struct imap_section *sec, struct sbuf *spec)
{
	static const struct {
		const char *name;
		enum imap_section_text text;
	} words[] = { { "HEADER", IMAP_TEXT_HEADER },
		{ "HEADER.FIELDS", IMAP_TEXT_HEADER_FIELDS },
		{ "HEADER.FIELDS.NOT", IMAP_TEXT_HEADER_FIELDS_NOT },
		{ "TEXT", IMAP_TEXT_TEXT }, { "MIME", IMAP_TEXT_MIME } };
	size_t b = r->pos, i, n = 0;
	int c;
	char *s;

	while ((c = rd_peek(r)) == '.' || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'))
		r->pos++;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_eq(r->s + b, r->pos - b, words[i].name))
			break;
	if (i == sizeof(words) / sizeof(words[0]) ||
	    (words[i].text == IMAP_TEXT_MIME && sec->npart == 0)) {
		r->pos = b;
		return rd_fail(r, "unknown section");
	}
	sec->text = words[i].text;
	sb_puts(spec, words[i].name);
	if (sec->text != IMAP_TEXT_HEADER_FIELDS &&
	    sec->text != IMAP_TEXT_HEADER_FIELDS_NOT)
		return 0;
	if (rd_sp(r) < 0 || rd_lparen(r) < 0)
		return -1;
	sb_puts(spec, " (");
	do {
		if (rd_count(r, &n) < 0 || rd_atext(r, &s) < 0)
			return -1;
		sb_printf(spec, "%s%s", n > 1 ? " " : "", s);
		strings_add(&sec->fields, s);
	} while (rd_opt_sp(r));
	sb_puts(spec, ")");
	return rd_rparen(r);
}

/*
 * Read "[" section "]" ["<" origin ">"]; BINARY sections hold part
 * numbers only.
 */
static int
rd_section(struct rd *r, struct imap_section *sec)
{
	struct sbuf spec = { NULL, 0, 0 };
	int c, rc = -1;

	if (rd_expect(r, '[', "'['") < 0)
		return -1;
	c = rd_peek(r);
	if (c >= '0' && c <= '9') {
		if (rd_section_parts(r, sec, &spec) < 0)
			goto out;
		if (rd_peek(r) == '.') {
			r->pos++;
			sb_puts(&spec, ".");
			c = 'A';
		} else {
			c = ']';
		}
	}
	if (c != ']') {
		if (sec->kind == IMAP_SECTION_BINARY) {
			rd_fail(r, "a BINARY section takes part numbers only");
			goto out;
		}
		if (rd_section_text(r, sec, &spec) < 0)
			goto out;
	}
	if (rd_expect(r, ']', "']'") < 0)
		goto out;
	if (rd_peek(r) == '<') {
		r->pos++;
		if (rd_u32(r, &sec->origin, "origin") < 0 ||
		    rd_expect(r, '>', "'>'") < 0)
			goto out;
		sec->has_origin = 1;
	}
	rc = 0;
out:
	sec->spec = sb_take(&spec);
	return rc;
}

/* Add an empty section of the given kind to a FETCH and return it. */
static struct imap_section *
fetch_add_section(struct imap_fetch *f, enum imap_section_kind kind)
{
	struct imap_section *sec;

	f->sections =
	    array_grow(f->sections, f->nsections, sizeof(*f->sections));
	sec = &f->sections[f->nsections++];
	memset(sec, 0, sizeof(*sec));
	sec->kind = kind;
	return sec;
}

/* Read a section's value: nstring, or also literal8 for BINARY. */
static int
rd_section_value(struct rd *r, struct imap_section *sec)
{
	int c = rd_peek(r);

	if (sec->kind == IMAP_SECTION_BINARY && (c == '~' || c == '{'))
		return rd_literal(r, 1, &sec->data, &sec->len);
	return rd_nstring(r, &sec->data, &sec->len);
}

/* Read BINARY.SIZE[part] SP number. */
static int
rd_binary_size(struct rd *r, struct imap_fetch *f)
{
	struct imap_section tmp;
	struct imap_binary_size *bs;
	uint64_t size;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = IMAP_SECTION_BINARY;
	rc = rd_section(r, &tmp);
	if (rc == 0 && tmp.has_origin)
		rc = rd_fail(r, "BINARY.SIZE takes no origin");
	if (rc == 0 && (rd_sp(r) < 0 || rd_n64(r, &size, "BINARY.SIZE") < 0))
		rc = -1;
	if (rc == 0) {
		f->binary_sizes = array_grow(f->binary_sizes, f->nbinary_sizes,
		    sizeof(*f->binary_sizes));
		bs = &f->binary_sizes[f->nbinary_sizes++];
		bs->spec = tmp.spec;
		bs->size = size;
		tmp.spec = NULL;
	}
	section_clear(&tmp);
	return rc;
}

/* Skip a FETCH item this parser does not know, and its value. */
static int
rd_fetch_unknown(struct rd *r)
{
	int c;

	if (rd_peek(r) == '[') {
		while ((c = rd_peek(r)) != ']')
			if (c < 0 || c == '\r') {
				return rd_fail(r, "unterminated '['");
			} else {
				r->pos++;
			}
		r->pos++;
	}
	if (rd_peek(r) == '<') {
		while ((c = rd_peek(r)) != '>')
			if (c < 0 || c == '\r' || c == ' ') {
				return rd_fail(r, "unterminated '<'");
			} else {
				r->pos++;
			}
		r->pos++;
	}
	if (rd_sp(r) < 0)
		return -1;
	return rd_skip_value(r);
}

/* Read one FETCH item whose name is name[0..n). */
static int
rd_fetch_item(struct rd *r, struct imap_fetch *f, const char *name, size_t n)
{
	struct imap_section *sec;
	struct imap_body *body;
	uint64_t v;
	char *s;
	size_t len;
	enum imap_section_kind kind;

	if (word_eq(name, n, "UID")) {
		if (rd_sp(r) < 0 || rd_nz32(r, &f->uid, "UID") < 0)
			return -1;
		f->present |= IMAP_FETCH_UID;
	} else if (word_eq(name, n, "FLAGS")) {
		strings_clear(&f->flags.all);
		f->flags.bits = 0;
		f->present |= IMAP_FETCH_FLAGS;
		if (rd_sp(r) < 0 || rd_flag_list(r, &f->flags) < 0)
			return -1;
	} else if (word_eq(name, n, "INTERNALDATE")) {
		if (rd_sp(r) < 0 || rd_string(r, &s, &len) < 0)
			return -1;
		if (strlen(s) != len ||
		    parse_date_time(
			s, &f->internaldate, &f->internaldate_zone) < 0) {
			free(s);
			return rd_fail(r, "bad INTERNALDATE");
		}
		free(s);
		f->present |= IMAP_FETCH_INTERNALDATE;
	} else if (word_eq(name, n, "RFC822.SIZE")) {
		if (rd_sp(r) < 0 || rd_n64(r, &f->rfc822_size, "size") < 0)
			return -1;
		f->present |= IMAP_FETCH_RFC822_SIZE;
	} else if (word_eq(name, n, "ENVELOPE")) {
		envelope_free(f->envelope);
		f->envelope = NULL;
		if (rd_sp(r) < 0 || rd_envelope(r, &f->envelope) < 0)
			return -1;
		f->present |= IMAP_FETCH_ENVELOPE;
	} else if ((word_eq(name, n, "BODY") || word_eq(name, n, "BINARY") ||
		       word_eq(name, n, "BODY.PEEK") ||
		       word_eq(name, n, "BINARY.PEEK")) &&
	    rd_peek(r) == '[') {
		kind = name[1] == 'I' || name[1] == 'i' ? IMAP_SECTION_BINARY
							: IMAP_SECTION_BODY;
		sec = fetch_add_section(f, kind);
		if (rd_section(r, sec) < 0 || rd_sp(r) < 0 ||
		    rd_section_value(r, sec) < 0)
			return -1;
	} else if (word_eq(name, n, "BODY") ||
	    word_eq(name, n, "BODYSTRUCTURE")) {
		if (rd_sp(r) < 0 || rd_body(r, n > 4, &body) < 0)
			return -1;
		body_free(f->body);
		f->body = body;
		f->present &= ~(IMAP_FETCH_BODY | IMAP_FETCH_BODYSTRUCTURE);
		f->present |=
		    n > 4 ? IMAP_FETCH_BODYSTRUCTURE : IMAP_FETCH_BODY;
	} else if (word_eq(name, n, "BINARY.SIZE") && rd_peek(r) == '[') {
		return rd_binary_size(r, f);
	} else if (word_eq(name, n, "RFC822") ||
	    word_eq(name, n, "RFC822.HEADER") ||
	    word_eq(name, n, "RFC822.TEXT")) {
		kind = n == 6 ? IMAP_SECTION_RFC822
		    : n == 13 ? IMAP_SECTION_RFC822_HEADER
			      : IMAP_SECTION_RFC822_TEXT;
		sec = fetch_add_section(f, kind);
		sec->spec = xstrdup("");
		if (rd_sp(r) < 0 || rd_section_value(r, sec) < 0)
			return -1;
	} else if (word_eq(name, n, "MODSEQ")) {
		if (rd_sp(r) < 0 || rd_lparen(r) < 0 ||
		    rd_n64(r, &v, "MODSEQ") < 0 || rd_rparen(r) < 0)
			return -1;
		f->modseq = v;
		f->present |= IMAP_FETCH_MODSEQ;
	} else {
		return rd_fetch_unknown(r);
	}
	return 0;
}

/* Read the parenthesised item list of a FETCH response. */
static int
rd_fetch(struct rd *r, struct imap_fetch *f)
{
	size_t n = 0, b;

	if (rd_sp(r) < 0 || rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && (rd_sp(r) < 0 || rd_peek(r) == ')'))
			break;
		if (rd_count(r, &n) < 0)
			return -1;
		b = r->pos;
		while (is_atom_char(rd_peek(r)) && rd_peek(r) != '[' &&
		    rd_peek(r) != '<')
			r->pos++;
		if (r->pos == b)
			return rd_fail(r, "expected a FETCH item");
		if (rd_fetch_item(r, f, r->s + b, r->pos - b) < 0)
			return -1;
	}
	return rd_rparen(r);
}

/* ------------------------------------------------- other untagged data */

/* The IMAP_MBX_* bit of a mailbox attribute, or 0. */
static unsigned
mbx_attr_bit(const char *f)
{
	static const struct {
		const char *name;
		unsigned bit;
	} attrs[] = { { "\\Noinferiors", IMAP_MBX_NOINFERIORS },
		{ "\\Noselect", IMAP_MBX_NOSELECT },
		{ "\\Marked", IMAP_MBX_MARKED },
		{ "\\Unmarked", IMAP_MBX_UNMARKED },
		{ "\\HasChildren", IMAP_MBX_HASCHILDREN },
		{ "\\HasNoChildren", IMAP_MBX_HASNOCHILDREN },
		{ "\\NonExistent", IMAP_MBX_NONEXISTENT },
		{ "\\Remote", IMAP_MBX_REMOTE },
		{ "\\Subscribed", IMAP_MBX_SUBSCRIBED },
		{ "\\All", IMAP_MBX_ALL }, { "\\Archive", IMAP_MBX_ARCHIVE },
		{ "\\Drafts", IMAP_MBX_DRAFTS },
		{ "\\Flagged", IMAP_MBX_FLAGGED }, { "\\Junk", IMAP_MBX_JUNK },
		{ "\\Sent", IMAP_MBX_SENT }, { "\\Trash", IMAP_MBX_TRASH },
		{ "\\Important", IMAP_MBX_IMPORTANT } };
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (word_eq(f, strlen(f), attrs[i].name))
			return attrs[i].bit;
	return 0;
}

/* Read LIST-EXTENDED data: "(" tag SP value ... ")". */
static int
rd_list_ext(struct rd *r, struct imap_list *l)
{
	size_t n = 0, m = 0;
	char *tag, *s;
	int rc;

	if (rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && rd_sp(r) < 0)
			return -1;
		if (rd_count(r, &n) < 0 || rd_astring(r, &tag, NULL) < 0)
			return -1;
		rc = rd_sp(r);
		if (rc == 0 && word_eq(tag, strlen(tag), "CHILDINFO")) {
			rc = rd_lparen(r);
			while (rc == 0 && rd_peek(r) != ')') {
				if (m > 0 && (rc = rd_sp(r)) < 0)
					break;
				if ((rc = rd_count(r, &m)) < 0 ||
				    (rc = rd_atext(r, &s)) < 0)
					break;
				strings_add(&l->childinfo, s);
			}
			if (rc == 0)
				rc = rd_rparen(r);
		} else if (rc == 0 && word_eq(tag, strlen(tag), "OLDNAME") &&
		    l->oldname == NULL) {
			if ((rc = rd_lparen(r)) == 0 &&
			    (rc = rd_mailbox(r, &l->oldname)) == 0)
				rc = rd_rparen(r);
		} else if (rc == 0) {
			rc = rd_skip_value(r);
		}
		free(tag);
		if (rc < 0)
			return -1;
	}
	return rd_rparen(r);
}

/* Read LIST/LSUB data. */
static int
rd_list(struct rd *r, struct imap_list *l)
{
	size_t n = 0;
	char *s;

	if (rd_sp(r) < 0 || rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && rd_sp(r) < 0)
			return -1;
		if (rd_count(r, &n) < 0 || rd_flag(r, &s) < 0)
			return -1;
		l->attrs |= mbx_attr_bit(s);
		strings_add(&l->flags, s);
	}
	if (rd_rparen(r) < 0 || rd_sp(r) < 0 || rd_delim(r, &l->delim) < 0 ||
	    rd_sp(r) < 0 || rd_mailbox(r, &l->name) < 0)
		return -1;
	l->name_utf8 = name_to_utf8(r->p, l->name);
	if (rd_opt_sp(r) && rd_list_ext(r, l) < 0)
		return -1;
	if (l->oldname != NULL)
		l->oldname_utf8 = name_to_utf8(r->p, l->oldname);
	return 0;
}

/* Read STATUS data: mailbox SP "(" name SP value ... ")". */
static int
rd_mailbox_status(struct rd *r, struct imap_mailbox_status *st)
{
	static const struct {
		const char *name;
		unsigned bit;
	} items[] = { { "MESSAGES", IMAP_STATUS_MESSAGES },
		{ "RECENT", IMAP_STATUS_RECENT },
		{ "UIDNEXT", IMAP_STATUS_UIDNEXT },
		{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY },
		{ "UNSEEN", IMAP_STATUS_UNSEEN },
		{ "DELETED", IMAP_STATUS_DELETED },
		{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ },
		{ "SIZE", IMAP_STATUS_SIZE } };
	uint32_t *u32[] = { &st->messages, &st->recent, &st->uidnext,
		&st->uidvalidity, &st->unseen, &st->deleted };
	const char *name;
	size_t n = 0, len, i;

	if (rd_sp(r) < 0 || rd_mailbox(r, &st->name) < 0)
		return -1;
	st->name_utf8 = name_to_utf8(r->p, st->name);
	if (rd_sp(r) < 0 || rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && (rd_sp(r) < 0 || rd_peek(r) == ')'))
			break;
		if (rd_count(r, &n) < 0 ||
		    rd_atom_span(r, &name, &len, "a status item") < 0 ||
		    rd_sp(r) < 0)
			return -1;
		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			if (word_eq(name, len, items[i].name))
				break;
		if (i == sizeof(items) / sizeof(items[0])) {
			if (rd_skip_value(r) < 0)
				return -1;
			continue;
		}
		if (i < 6 ? rd_u32(r, u32[i], items[i].name) < 0
			  : rd_n64(r, i == 6 ? &st->highestmodseq : &st->size,
				items[i].name) < 0)
			return -1;
		st->present |= items[i].bit;
	}
	return rd_rparen(r);
}

/*
 * Read SEARCH/SORT data: numbers and an optional "(MODSEQ n)".  A space
 * before the end of the line is tolerated, as some servers send one.
 */
static int
rd_search(struct rd *r, struct imap_search *s)
{
	const char *name;
	size_t n = 0, len;
	uint32_t v;

	while (rd_opt_sp(r) && !rd_at_eol(r)) {
		if (rd_peek(r) == '(') {
			if (rd_lparen(r) < 0 ||
			    rd_atom_span(r, &name, &len, "MODSEQ") < 0)
				return -1;
			if (!word_eq(name, len, "MODSEQ"))
				return rd_fail(r, "expected MODSEQ");
			if (rd_sp(r) < 0 ||
			    rd_n64(r, &s->modseq, "MODSEQ") < 0 ||
			    rd_rparen(r) < 0)
				return -1;
			s->has_modseq = 1;
			return 0;
		}
		if (rd_count(r, &n) < 0 ||
		    rd_nz32(r, &v, "a message number") < 0)
			return -1;
		s->v = array_grow(s->v, s->n, sizeof(*s->v));
		s->v[s->n++] = v;
	}
	return 0;
}

/* Read ESEARCH data (RFC 4731, with MODSEQ of RFC 7162). */
static int
rd_esearch(struct rd *r, struct imap_esearch *e)
{
	const char *name;
	size_t n = 0, len;

	if (rd_peek(r) == ' ' && rd_peek2(r) == '(') {
		r->pos++;
		if (rd_lparen(r) < 0 || rd_atom_span(r, &name, &len, "TAG") < 0)
			return -1;
		if (!word_eq(name, len, "TAG"))
			return rd_fail(r, "expected TAG");
		if (rd_sp(r) < 0 || rd_atext(r, &e->tag) < 0 ||
		    rd_rparen(r) < 0)
			return -1;
	}
	while (rd_opt_sp(r) && !rd_at_eol(r)) {
		if (rd_count(r, &n) < 0 ||
		    rd_atom_span(r, &name, &len, "search result data") < 0)
			return -1;
		if (word_eq(name, len, "UID")) {
			e->uid = 1;
			continue;
		}
		if (rd_sp(r) < 0)
			return -1;
		if (word_eq(name, len, "MIN")) {
			if (rd_nz32(r, &e->min, "MIN") < 0)
				return -1;
			e->present |= IMAP_ESEARCH_MIN;
		} else if (word_eq(name, len, "MAX")) {
			if (rd_nz32(r, &e->max, "MAX") < 0)
				return -1;
			e->present |= IMAP_ESEARCH_MAX;
		} else if (word_eq(name, len, "COUNT")) {
			if (rd_u32(r, &e->count, "COUNT") < 0)
				return -1;
			e->present |= IMAP_ESEARCH_COUNT;
		} else if (word_eq(name, len, "ALL")) {
			seqset_clear(&e->all);
			if (rd_seqset(r, 1, &e->all) < 0)
				return -1;
			e->present |= IMAP_ESEARCH_ALL;
		} else if (word_eq(name, len, "MODSEQ")) {
			if (rd_n64(r, &e->modseq, "MODSEQ") < 0)
				return -1;
			e->present |= IMAP_ESEARCH_MODSEQ;
		} else if (rd_skip_value(r) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Read VANISHED data: ["(EARLIER)" SP] uid-set. */
static int
rd_vanished(struct rd *r, struct imap_vanished *v)
{
	const char *name;
	size_t len;

	if (rd_sp(r) < 0)
		return -1;
	if (rd_peek(r) == '(') {
		if (rd_lparen(r) < 0 ||
		    rd_atom_span(r, &name, &len, "EARLIER") < 0)
			return -1;
		if (!word_eq(name, len, "EARLIER"))
			return rd_fail(r, "expected EARLIER");
		if (rd_rparen(r) < 0 || rd_sp(r) < 0)
			return -1;
		v->earlier = 1;
	}
	return rd_seqset(r, 0, &v->uids);
}

/* Read CAPABILITY or ENABLED data: atoms (a trailing space tolerated). */
static int
rd_caps(struct rd *r, struct imap_strings *caps)
{
	size_t n = 0;
	char *s;

	while (rd_opt_sp(r) && !rd_at_eol(r)) {
		if (rd_count(r, &n) < 0 || rd_atom(r, &s, "a capability") < 0)
			return -1;
		strings_add(caps, s);
	}
	return 0;
}

/* Read ID data: NIL or "(" key SP value ... ")". */
static int
rd_id(struct rd *r, struct imap_params *id)
{
	struct imap_param *pa;
	size_t n = 0;

	if (rd_sp(r) < 0)
		return -1;
	if (rd_is_nil(r)) {
		r->pos += 3;
		return 0;
	}
	if (rd_lparen(r) < 0)
		return -1;
	while (rd_peek(r) != ')') {
		if (n > 0 && rd_sp(r) < 0)
			return -1;
		if (rd_count(r, &n) < 0)
			return -1;
		id->v = array_grow(id->v, id->n, sizeof(*id->v));
		pa = &id->v[id->n++];
		pa->value = NULL;
		if (rd_text_string(r, &pa->name) < 0) {
			pa->name = NULL;
			return -1;
		}
		if (rd_sp(r) < 0 || rd_ntext(r, &pa->value) < 0)
			return -1;
	}
	return rd_rparen(r);
}

/* Free a namespace list's contents. */
static void
ns_clear(struct imap_ns_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].prefix);
		for (j = 0; j < l->v[i].next; j++) {
			free(l->v[i].ext[j].name);
			strings_clear(&l->v[i].ext[j].values);
		}
		free(l->v[i].ext);
	}
	free(l->v);
}

/* Read one namespace descriptor's extensions: *(SP name SP "(" ... ")"). */
static int
rd_ns_ext(struct rd *r, struct imap_namespace *ns)
{
	struct imap_ns_ext *x;
	size_t n = 0, m;
	char *s;

	while (rd_opt_sp(r)) {
		if (rd_count(r, &n) < 0)
			return -1;
		ns->ext = array_grow(ns->ext, ns->next, sizeof(*ns->ext));
		x = &ns->ext[ns->next++];
		memset(x, 0, sizeof(*x));
		if (rd_text_string(r, &x->name) < 0) {
			x->name = NULL;
			return -1;
		}
		if (rd_sp(r) < 0 || rd_lparen(r) < 0)
			return -1;
		m = 0;
		do {
			if (rd_count(r, &m) < 0 || rd_text_string(r, &s) < 0)
				return -1;
			strings_add(&x->values, s);
		} while (rd_opt_sp(r));
		if (rd_rparen(r) < 0)
			return -1;
	}
	return 0;
}

/* Read one of NAMESPACE's three lists: NIL or "(" 1*descriptor ")". */
static int
rd_ns_list(struct rd *r, struct imap_ns_list *l)
{
	struct imap_namespace *ns;
	size_t n = 0;

	if (rd_is_nil(r)) {
		r->pos += 3;
		return 0;
	}
	if (rd_lparen(r) < 0)
		return -1;
	do {
		if (n > 0)
			rd_opt_sp(r);
		if (rd_count(r, &n) < 0)
			return -1;
		l->v = array_grow(l->v, l->n, sizeof(*l->v));
		ns = &l->v[l->n++];
		memset(ns, 0, sizeof(*ns));
		if (rd_lparen(r) < 0 || rd_text_string(r, &ns->prefix) < 0 ||
		    rd_sp(r) < 0 || rd_delim(r, &ns->delim) < 0 ||
		    rd_ns_ext(r, ns) < 0 || rd_rparen(r) < 0)
			return -1;
	} while (rd_peek(r) != ')');
	return rd_rparen(r);
}

/* Read NAMESPACE data: personal, other users' and shared lists. */
static int
rd_namespace(struct rd *r, struct imap_namespaces *ns)
{
	if (rd_sp(r) < 0 || rd_ns_list(r, &ns->personal) < 0 || rd_sp(r) < 0 ||
	    rd_ns_list(r, &ns->other) < 0 || rd_sp(r) < 0 ||
	    rd_ns_list(r, &ns->shared) < 0)
		return -1;
	return 0;
}

/* Keep the rest of an unknown response as raw bytes, literals inline. */
static int
rd_unknown(struct rd *r, struct imap_unknown *u)
{
	struct sbuf b = { NULL, 0, 0 };
	struct imap_lit *lit;
	size_t i;

	rd_opt_sp(r);
	i = r->pos;
	for (; r->nextlit < r->nlits; r->nextlit++) {
		lit = &r->lits[r->nextlit];
		sb_put(&b, r->s + i, lit->at - i);
		sb_put(&b, lit->data != NULL ? lit->data : "", lit->len);
		i = lit->at;
	}
	sb_put(&b, r->s + i, r->len - 2 - i);
	u->rawlen = b.len;
	u->raw = sb_take(&b);
	r->pos = r->len - 2;
	return 0;
}

/* ---------------------------------------------------------- responses */

/* The status word at s[0..n), or IMAP_STATUS_NONE. */
static enum imap_status
status_word(const char *s, size_t n)
{
	if (word_eq(s, n, "OK"))
		return IMAP_STATUS_OK;
	if (word_eq(s, n, "NO"))
		return IMAP_STATUS_NO;
	if (word_eq(s, n, "BAD"))
		return IMAP_STATUS_BAD;
	if (word_eq(s, n, "BYE"))
		return IMAP_STATUS_BYE;
	if (word_eq(s, n, "PREAUTH"))
		return IMAP_STATUS_PREAUTH;
	return IMAP_STATUS_NONE;
}

/* Read the text of a status response; the line may end after the word. */
static int
rd_status_text(struct rd *r, struct imap_response *resp)
{
	if (rd_at_eol(r)) {
		resp->text = xstrdup("");
		return 0;
	}
	if (rd_sp(r) < 0)
		return -1;
	return rd_resp_text(r, resp);
}

/* Read "* n KEYWORD ...": message data. */
static int
rd_message_data(struct rd *r, struct imap_response *resp)
{
	const char *name;
	size_t n, b;

	b = r->pos;
	if (rd_u32(r, &resp->number, "a message number") < 0 || rd_sp(r) < 0 ||
	    rd_atom_span(r, &name, &n, "a response name") < 0)
		return -1;
	if (word_eq(name, n, "EXISTS")) {
		resp->kind = IMAP_RESP_EXISTS;
		return 0;
	}
	if (word_eq(name, n, "RECENT")) {
		resp->kind = IMAP_RESP_RECENT;
		return 0;
	}
	if (word_eq(name, n, "EXPUNGE") || word_eq(name, n, "FETCH")) {
		if (resp->number == 0) {
			r->pos = b;
			return rd_fail(r, "message number 0");
		}
		if (n == 7) {
			resp->kind = IMAP_RESP_EXPUNGE;
			return 0;
		}
		resp->kind = IMAP_RESP_FETCH;
		resp->u.fetch.seq = resp->number;
		return rd_fetch(r, &resp->u.fetch);
	}
	resp->kind = IMAP_RESP_UNKNOWN;
	resp->u.unknown.name = xstrndup(name, n);
	return rd_unknown(r, &resp->u.unknown);
}

/* Read an untagged response after "* ". */
static int
rd_untagged(struct rd *r, struct imap_response *resp)
{
	const char *name;
	size_t n;
	int c = rd_peek(r);

	if (c >= '0' && c <= '9')
		return rd_message_data(r, resp);
	/* Every response name is a word; "-1" is a broken number. */
	if (c == '-' && rd_peek2(r) >= '0' && rd_peek2(r) <= '9')
		return rd_fail(r, "negative number");
	if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
		return rd_fail(r, "expected a response name");
	if (rd_atom_span(r, &name, &n, "a response name") < 0)
		return -1;
	if ((resp->status = status_word(name, n)) != IMAP_STATUS_NONE) {
		resp->kind = IMAP_RESP_STATUS;
		return rd_status_text(r, resp);
	}
	if (word_eq(name, n, "CAPABILITY")) {
		resp->kind = IMAP_RESP_CAPABILITY;
		return rd_caps(r, &resp->u.caps);
	}
	if (word_eq(name, n, "ENABLED")) {
		resp->kind = IMAP_RESP_ENABLED;
		return rd_caps(r, &resp->u.caps);
	}
	if (word_eq(name, n, "LIST") || word_eq(name, n, "LSUB")) {
		resp->kind = n == 4 && (name[1] == 'S' || name[1] == 's')
		    ? IMAP_RESP_LSUB
		    : IMAP_RESP_LIST;
		return rd_list(r, &resp->u.list);
	}
	if (word_eq(name, n, "STATUS")) {
		resp->kind = IMAP_RESP_MAILBOX_STATUS;
		return rd_mailbox_status(r, &resp->u.mbstatus);
	}
	if (word_eq(name, n, "FLAGS")) {
		resp->kind = IMAP_RESP_FLAGS;
		if (rd_sp(r) < 0)
			return -1;
		return rd_flag_list(r, &resp->u.flags);
	}
	if (word_eq(name, n, "SEARCH") || word_eq(name, n, "SORT")) {
		resp->kind = n == 4 ? IMAP_RESP_SORT : IMAP_RESP_SEARCH;
		return rd_search(r, &resp->u.search);
	}
	if (word_eq(name, n, "ESEARCH")) {
		resp->kind = IMAP_RESP_ESEARCH;
		return rd_esearch(r, &resp->u.esearch);
	}
	if (word_eq(name, n, "VANISHED")) {
		resp->kind = IMAP_RESP_VANISHED;
		return rd_vanished(r, &resp->u.vanished);
	}
	if (word_eq(name, n, "ID")) {
		resp->kind = IMAP_RESP_ID;
		return rd_id(r, &resp->u.id);
	}
	if (word_eq(name, n, "NAMESPACE")) {
		resp->kind = IMAP_RESP_NAMESPACE;
		return rd_namespace(r, &resp->u.ns);
	}
	resp->kind = IMAP_RESP_UNKNOWN;
	resp->u.unknown.name = xstrndup(name, n);
	return rd_unknown(r, &resp->u.unknown);
}

/* Read one whole response. */
static int
rd_response(struct rd *r, struct imap_response *resp)
{
	const char *word;
	size_t n, b;
	int c = rd_peek(r);

	if (c == '+') {
		resp->kind = IMAP_RESP_CONTINUE;
		r->pos++;
		rd_opt_sp(r);
		if (rd_resp_text(r, resp) < 0)
			return -1;
	} else if (c == '*') {
		r->pos++;
		if (rd_sp(r) < 0 || rd_untagged(r, resp) < 0)
			return -1;
	} else {
		b = r->pos;
		while (r->pos < r->len &&
		    (is_atom_char((unsigned char)r->s[r->pos]) ||
			r->s[r->pos] == ']') &&
		    r->s[r->pos] != '+')
			r->pos++;
		if (r->pos == b)
			return rd_fail(r, "expected '*', '+' or a tag");
		resp->tag = xstrndup(r->s + b, r->pos - b);
		if (rd_sp(r) < 0 ||
		    rd_atom_span(r, &word, &n, "OK, NO or BAD") < 0)
			return -1;
		resp->kind = IMAP_RESP_STATUS;
		resp->status = status_word(word, n);
		if (resp->status != IMAP_STATUS_OK &&
		    resp->status != IMAP_STATUS_NO &&
		    resp->status != IMAP_STATUS_BAD) {
			r->pos -= n;
			return rd_fail(
			    r, "a tagged response must be OK, NO or BAD");
		}
		if (rd_status_text(r, resp) < 0)
			return -1;
	}
	return rd_end(r);
}

/* ------------------------------------------------------------ framing */

/* Create a parser; lim may be NULL, and zero fields take the defaults. */
struct imap_parser *
imap_parser_new(const struct imap_limits *lim)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));
	struct imap_limits def;

	imap_limits_default(&def);
	if (lim != NULL)
		p->lim = *lim;
	if (p->lim.max_line == 0)
		p->lim.max_line = def.max_line;
	if (p->lim.max_literal == 0)
		p->lim.max_literal = def.max_literal;
	if (p->lim.max_response == 0)
		p->lim.max_response = def.max_response;
	if (p->lim.max_depth == 0)
		p->lim.max_depth = def.max_depth;
	if (p->lim.max_items == 0)
		p->lim.max_items = def.max_items;
	p->state = FRAME_LINE;
	return p;
}

/* Drop the response being framed (its lines and literals). */
static void
parser_reset_frame(struct imap_parser *p)
{
	size_t i;

	for (i = 0; i < p->nlits; i++)
		free(p->lits[i].data);
	p->nlits = 0;
	p->len = 0;
	p->linestart = 0;
	p->total = 0;
	p->state = FRAME_LINE;
	/* Do not keep a huge buffer around after one huge response. */
	if (p->cap > 65536) {
		free(p->line);
		p->line = NULL;
		p->cap = 0;
	}
}

/* Free a parser, with any responses not yet taken. */
void
imap_parser_free(struct imap_parser *p)
{
	if (p == NULL)
		return;
	parser_reset_frame(p);
	while (p->qhead < p->qlen)
		imap_response_free(p->queue[p->qhead++]);
	free(p->queue);
	free(p->lits);
	free(p->line);
	free(p);
}

/* Append bytes to the line buffer. */
static void
parser_put(struct imap_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (p->len + n > p->cap) {
		while (p->len + n > p->cap)
			p->cap = p->cap ? p->cap * 2 : 256;
		p->line = xrealloc(p->line, p->cap);
	}
	memcpy(p->line + p->len, s, n);
	p->len += n;
}

/* Parse the framed response and queue it, or fail the parser. */
static void
parser_complete(struct imap_parser *p)
{
	struct imap_response *resp = xcalloc(1, sizeof(*resp));
	struct rd r;

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.s = p->line;
	r.len = p->len;
	r.lits = p->lits;
	r.nlits = p->nlits;
	p->err[0] = '\0';
	if (rd_response(&r, resp) < 0) {
		imap_response_free(resp);
		if (p->err[0] == '\0')
			snprintf(p->err, sizeof(p->err), "malformed response");
		p->failed = 1;
	} else {
		if (p->qlen == p->qcap) {
			p->qcap = p->qcap ? p->qcap * 2 : 8;
			p->queue =
			    xreallocarray(p->queue, p->qcap, sizeof(*p->queue));
		}
		p->queue[p->qlen++] = resp;
	}
	parser_reset_frame(p);
}

/*
 * If the line just ended (p->line[linestart..len)) announces a literal,
 * "{n}" or "~{n}", return 1 with its size; 0 if not; -1 for a size that
 * does not even fit in 64 bits.
 */
static int
parser_literal_marker(struct imap_parser *p, uint64_t *size)
{
	size_t i = p->len, end;
	uint64_t v = 0;

	if (i == p->linestart || p->line[i - 1] != '}')
		return 0;
	end = --i;
	while (
	    i > p->linestart && p->line[i - 1] >= '0' && p->line[i - 1] <= '9')
		i--;
	if (i == end || i == p->linestart || p->line[i - 1] != '{')
		return 0;
	for (; i < end; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p->line[i] - '0');
	}
	*size = v;
	return 1;
}

/* A line has ended: start a literal, or complete the response. */
static int
parser_end_line(struct imap_parser *p)
{
	struct imap_lit *lit;
	uint64_t n;
	int rc;

	if (p->len > p->linestart && p->line[p->len - 1] == '\r')
		p->len--;
	if (p->len - p->linestart > p->lim.max_line) {
		parser_fail(p, "line longer than %zu bytes", p->lim.max_line);
		return -1;
	}
	if (p->len == 0) {
		parser_fail(p, "empty line where a response should start");
		return -1;
	}
	rc = parser_literal_marker(p, &n);
	parser_put(p, "\r\n", 2);
	if (rc == 0) {
		parser_complete(p);
		return p->failed ? -1 : 0;
	}
	if (rc < 0 || n > p->lim.max_literal || n >= SIZE_MAX) {
		parser_fail(p,
		    "server announced a literal of %s%llu bytes, over the "
		    "limit "
		    "of %llu: refused",
		    rc < 0 ? "more than " : "",
		    rc < 0 ? (unsigned long long)UINT64_MAX
			   : (unsigned long long)n,
		    (unsigned long long)p->lim.max_literal);
		return -1;
	}
	if (n > p->lim.max_response - p->total) {
		parser_fail(p,
		    "response larger than %llu bytes (a literal of %llu "
		    "bytes announced): refused",
		    (unsigned long long)p->lim.max_response,
		    (unsigned long long)n);
		return -1;
	}
	if (p->nlits >= p->lim.max_items) {
		parser_fail(p, "more than %zu literals in one response",
		    p->lim.max_items);
		return -1;
	}
	if (p->nlits == p->litcap) {
		p->litcap = p->litcap ? p->litcap * 2 : 4;
		p->lits = xreallocarray(p->lits, p->litcap, sizeof(*p->lits));
	}
	lit = &p->lits[p->nlits++];
	memset(lit, 0, sizeof(*lit));
	lit->at = p->len;
	lit->len = (size_t)n;
	p->total += n;
	p->linestart = p->len;
	if (n > 0)
		p->state = FRAME_LITERAL;
	else
		lit->data = xstrdup("");
	return 0;
}

/* Take literal bytes; returns how many of the n offered were used. */
static size_t
parser_take_literal(struct imap_parser *p, const char *buf, size_t n)
{
	struct imap_lit *lit = &p->lits[p->nlits - 1];
	size_t want = lit->len - lit->have, cap;

	if (n > want)
		n = want;
	/*
	 * Grow with the bytes that arrive, not with the size announced: a
	 * server that announces much and sends little costs little.
	 */
	if (lit->have + n + 1 > lit->cap) {
		cap = lit->cap ? lit->cap : 4096;
		while (cap < lit->have + n + 1)
			cap *= 2;
		if (cap > lit->len + 1)
			cap = lit->len + 1;
		lit->data = xrealloc(lit->data, cap);
		lit->cap = cap;
	}
	memcpy(lit->data + lit->have, buf, n);
	lit->have += n;
	if (lit->have == lit->len) {
		lit->data[lit->len] = '\0';
		p->state = FRAME_LINE;
	}
	return n;
}

/* Frame bytes into responses; -1 when the parser failed. */
static int
parser_feed(struct imap_parser *p, const char *buf, size_t len)
{
	const char *nl;
	size_t n, limit;

	while (len > 0) {
		if (p->state == FRAME_LITERAL) {
			n = parser_take_literal(p, buf, len);
			buf += n;
			len -= n;
			continue;
		}
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		/* One more byte than the limit: a CR may end the line. */
		limit = p->lim.max_line + 1;
		if (n > limit - (p->len - p->linestart)) {
			parser_fail(
			    p, "line longer than %zu bytes", p->lim.max_line);
			return -1;
		}
		if (n + 1 > p->lim.max_response - p->total) {
			parser_fail(p, "response larger than %llu bytes",
			    (unsigned long long)p->lim.max_response);
			return -1;
		}
		parser_put(p, buf, n);
		p->total += n;
		if (nl == NULL)
			break;
		p->total++;
		buf += n + 1;
		len -= n + 1;
		if (parser_end_line(p) < 0)
			return -1;
	}
	return 0;
}

/*
 * Feed bytes from the server.  Returns 0, or -1 on a protocol error (see
 * imap_parser_error()); after an error every call returns -1.
 */
int
imap_parser_feed(struct imap_parser *p, const char *buf, size_t len)
{
	if (p->failed)
		return -1;
	if (parser_feed(p, buf, len) < 0) {
		/* Nothing held is of use any more; give the memory back. */
		parser_reset_frame(p);
		return -1;
	}
	return 0;
}
/* The next complete response (the caller frees it), or NULL. */
struct imap_response *
imap_parser_next(struct imap_parser *p)
{
	struct imap_response *resp;

	if (p->qhead == p->qlen)
		return NULL;
	resp = p->queue[p->qhead++];
	if (p->qhead == p->qlen)
		p->qhead = p->qlen = 0;
	return resp;
}

/* Why the parser failed, or NULL if it has not. */
const char *
imap_parser_error(const struct imap_parser *p)
{
	return p->failed ? p->err : NULL;
}

/* Bytes of an incomplete response held (0 between responses). */
size_t
imap_parser_buffered(const struct imap_parser *p)
{
	const struct imap_lit *lit;

	if (p->state != FRAME_LITERAL)
		return (size_t)p->total;
	/* The total counts an announced literal whole, from the start. */
	lit = &p->lits[p->nlits - 1];
	return (size_t)p->total - (lit->len - lit->have);
}

/*
 * Take mailbox names as UTF-8 from now on (after ENABLE UTF8=ACCEPT):
 * they are no longer decoded as modified UTF-7.
 */
void
imap_parser_set_utf8(struct imap_parser *p, int on)
{
	p->utf8 = on != 0;
}

/* ----------------------------------------------------------- freeing */

/* Free a response and everything it holds. */
void
imap_response_free(struct imap_response *r)
{
	struct imap_fetch *f;
	size_t i;

	if (r == NULL)
		return;
	free(r->tag);
	code_clear(&r->code);
	free(r->text);
	switch (r->kind) {
	case IMAP_RESP_CAPABILITY:
	case IMAP_RESP_ENABLED: strings_clear(&r->u.caps); break;
	case IMAP_RESP_LIST:
	case IMAP_RESP_LSUB:
		strings_clear(&r->u.list.flags);
		free(r->u.list.name);
		free(r->u.list.name_utf8);
		free(r->u.list.oldname);
		free(r->u.list.oldname_utf8);
		strings_clear(&r->u.list.childinfo);
		break;
	case IMAP_RESP_MAILBOX_STATUS:
		free(r->u.mbstatus.name);
		free(r->u.mbstatus.name_utf8);
		break;
	case IMAP_RESP_FLAGS: strings_clear(&r->u.flags.all); break;
	case IMAP_RESP_FETCH:
		f = &r->u.fetch;
		strings_clear(&f->flags.all);
		envelope_free(f->envelope);
		body_free(f->body);
		for (i = 0; i < f->nsections; i++)
			section_clear(&f->sections[i]);
		free(f->sections);
		for (i = 0; i < f->nbinary_sizes; i++)
			free(f->binary_sizes[i].spec);
		free(f->binary_sizes);
		break;
	case IMAP_RESP_SEARCH:
	case IMAP_RESP_SORT: free(r->u.search.v); break;
	case IMAP_RESP_ESEARCH:
		free(r->u.esearch.tag);
		seqset_clear(&r->u.esearch.all);
		break;
	case IMAP_RESP_VANISHED: seqset_clear(&r->u.vanished.uids); break;
	case IMAP_RESP_ID: params_clear(&r->u.id); break;
	case IMAP_RESP_NAMESPACE:
		ns_clear(&r->u.ns.personal);
		ns_clear(&r->u.ns.other);
		ns_clear(&r->u.ns.shared);
		break;
	case IMAP_RESP_UNKNOWN:
		free(r->u.unknown.name);
		free(r->u.unknown.raw);
		break;
	default: break;
	}
	free(r);
}

/* -------------------------------------------------------------- dump */

/* The name of a response kind, for logs and dumps. */
const char *
imap_resp_kind_name(enum imap_resp_kind kind)
{
	static const char *const names[] = { "STATUS", "CONTINUE", "CAPABILITY",
		"LIST", "LSUB", "MAILBOX-STATUS", "FLAGS", "EXISTS", "RECENT",
		"EXPUNGE", "FETCH", "SEARCH", "SORT", "ESEARCH", "VANISHED",
		"ENABLED", "ID", "NAMESPACE", "UNKNOWN" };

	if ((size_t)kind >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[kind];
}

/* The word of a status, for logs and dumps. */
const char *
imap_status_name(enum imap_status status)
{
	static const char *const names[] = { "NONE", "OK", "NO", "BAD", "BYE",
		"PREAUTH" };

	if ((size_t)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

/* Append bytes quoted, with anything not printable ASCII as \xHH. */
static void
dump_bytes(struct sbuf *b, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	if (s == NULL) {
		sb_puts(b, "NIL");
		return;
	}
	sb_puts(b, "\"");
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			sb_put(b, (const char *)&c, 1);
		else
			sb_printf(b, "\\x%02x", c);
	}
	sb_puts(b, "\"");
}

/* Append a C string quoted (NIL for NULL). */
static void
dump_str(struct sbuf *b, const char *s)
{
	dump_bytes(b, s, s != NULL ? strlen(s) : 0);
}

/* Append a string list as ("a" "b"). */
static void
dump_strings(struct sbuf *b, const struct imap_strings *l)
{
	size_t i;

	sb_puts(b, "(");
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			sb_puts(b, " ");
		dump_str(b, l->v[i]);
	}
	sb_puts(b, ")");
}

/* Append parameters as ("name"="value" ...). */
static void
dump_params(struct sbuf *b, const struct imap_params *l)
{
	size_t i;

	sb_puts(b, "(");
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			sb_puts(b, " ");
		dump_str(b, l->v[i].name);
		sb_puts(b, "=");
		dump_str(b, l->v[i].value);
	}
	sb_puts(b, ")");
}

/* Append a sequence set as 1:3,5,7:*. */
static void
dump_seqset(struct sbuf *b, const struct imap_seqset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (i > 0)
			sb_puts(b, ",");
		if (set->v[i].first == IMAP_STAR)
			sb_puts(b, "*");
		else
			sb_printf(b, "%u", set->v[i].first);
		if (set->v[i].last != set->v[i].first) {
			if (set->v[i].last == IMAP_STAR)
				sb_puts(b, ":*");
			else
				sb_printf(b, ":%u", set->v[i].last);
		}
	}
	if (set->n == 0)
		sb_puts(b, "-");
}

/* Append flags with their bits. */
static void
dump_flags(struct sbuf *b, const struct imap_flags *f)
{
	sb_printf(b, "bits=0x%x ", f->bits);
	dump_strings(b, &f->all);
}

/* Append an address list. */
static void
dump_addrs(struct sbuf *b, const char *what, const struct imap_addrlist *l)
{
	size_t i;

	sb_printf(b, " %s=(", what);
	for (i = 0; i < l->n; i++) {
		sb_printf(b, "%s(%d ", i > 0 ? " " : "", (int)l->v[i].kind);
		dump_str(b, l->v[i].name);
		sb_puts(b, " ");
		dump_str(b, l->v[i].adl);
		sb_puts(b, " ");
		dump_str(b, l->v[i].mailbox);
		sb_puts(b, " ");
		dump_str(b, l->v[i].host);
		sb_puts(b, ")");
	}
	sb_puts(b, ")");
}

/* Append an envelope. */
static void
dump_envelope(struct sbuf *b, const struct imap_envelope *e)
{
	sb_puts(b, "envelope(date=");
	dump_str(b, e->date);
	sb_puts(b, " subject=");
	dump_str(b, e->subject);
	dump_addrs(b, "from", &e->from);
	dump_addrs(b, "sender", &e->sender);
	dump_addrs(b, "reply-to", &e->reply_to);
	dump_addrs(b, "to", &e->to);
	dump_addrs(b, "cc", &e->cc);
	dump_addrs(b, "bcc", &e->bcc);
	sb_puts(b, " in-reply-to=");
	dump_str(b, e->in_reply_to);
	sb_puts(b, " message-id=");
	dump_str(b, e->message_id);
	sb_puts(b, ")");
}

/* Append a body tree. */
static void
dump_body(struct sbuf *b, const struct imap_body *body)
{
	size_t i;

	sb_puts(b, "body(");
	dump_str(b, body->type);
	sb_puts(b, "/");
	dump_str(b, body->subtype);
	sb_puts(b, " params=");
	dump_params(b, &body->params);
	if (body->nparts == 0) {
		sb_puts(b, " id=");
		dump_str(b, body->id);
		sb_puts(b, " desc=");
		dump_str(b, body->description);
		sb_puts(b, " enc=");
		dump_str(b, body->encoding);
		sb_printf(b, " size=%llu lines=%u",
		    (unsigned long long)body->size, body->lines);
	}
	if (body->envelope != NULL) {
		sb_puts(b, " ");
		dump_envelope(b, body->envelope);
	}
	if (body->msg != NULL) {
		sb_puts(b, " ");
		dump_body(b, body->msg);
	}
	for (i = 0; i < body->nparts; i++) {
		sb_puts(b, " ");
		dump_body(b, body->parts[i]);
	}
	if (body->has_ext) {
		sb_puts(b, " ext(md5=");
		dump_str(b, body->md5);
		sb_puts(b, " disp=");
		dump_str(b, body->disposition);
		dump_params(b, &body->disposition_params);
		sb_puts(b, " lang=");
		dump_strings(b, &body->language);
		sb_puts(b, " loc=");
		dump_str(b, body->location);
		sb_puts(b, ")");
	}
	sb_puts(b, ")");
}

/* Append a FETCH's items. */
static void
dump_fetch(struct sbuf *b, const struct imap_fetch *f)
{
	const struct imap_section *sec;
	static const char *const kinds[] = { "BODY", "BINARY", "RFC822",
		"RFC822.HEADER", "RFC822.TEXT" };
	size_t i;

	sb_printf(b, " seq=%u present=0x%x", f->seq, f->present);
	if (f->present & IMAP_FETCH_UID)
		sb_printf(b, " uid=%u", f->uid);
	if (f->present & IMAP_FETCH_FLAGS) {
		sb_puts(b, " flags=");
		dump_flags(b, &f->flags);
	}
	if (f->present & IMAP_FETCH_INTERNALDATE)
		sb_printf(b, " internaldate=%lld zone=%d",
		    (long long)f->internaldate, f->internaldate_zone);
	if (f->present & IMAP_FETCH_RFC822_SIZE)
		sb_printf(
		    b, " rfc822.size=%llu", (unsigned long long)f->rfc822_size);
	if (f->present & IMAP_FETCH_MODSEQ)
		sb_printf(b, " modseq=%llu", (unsigned long long)f->modseq);
	if (f->envelope != NULL) {
		sb_puts(b, " ");
		dump_envelope(b, f->envelope);
	}
	if (f->body != NULL) {
		sb_puts(b, " ");
		dump_body(b, f->body);
	}
	for (i = 0; i < f->nsections; i++) {
		sec = &f->sections[i];
		sb_printf(b, " %s[%s]", kinds[sec->kind], sec->spec);
		if (sec->has_origin)
			sb_printf(b, "<%u>", sec->origin);
		sb_printf(b, " text=%d fields=", (int)sec->text);
		dump_strings(b, &sec->fields);
		sb_printf(b, " len=%zu ", sec->len);
		dump_bytes(b, sec->data, sec->len);
	}
	for (i = 0; i < f->nbinary_sizes; i++)
		sb_printf(b, " BINARY.SIZE[%s]=%llu", f->binary_sizes[i].spec,
		    (unsigned long long)f->binary_sizes[i].size);
}

/* Append NAMESPACE data. */
static void
dump_ns(struct sbuf *b, const struct imap_ns_list *l)
{
	size_t i, j;

	sb_puts(b, " (");
	for (i = 0; i < l->n; i++) {
		sb_puts(b, "(");
		dump_str(b, l->v[i].prefix);
		sb_printf(b, " delim=%d", l->v[i].delim);
		for (j = 0; j < l->v[i].next; j++) {
			sb_puts(b, " ");
			dump_str(b, l->v[i].ext[j].name);
			dump_strings(b, &l->v[i].ext[j].values);
		}
		sb_puts(b, ")");
	}
	sb_puts(b, ")");
}

/* Append the response-kind-specific data. */
static void
dump_data(struct sbuf *b, const struct imap_response *r)
{
	size_t i;

	switch (r->kind) {
	case IMAP_RESP_CAPABILITY:
	case IMAP_RESP_ENABLED:
		sb_puts(b, " ");
		dump_strings(b, &r->u.caps);
		break;
	case IMAP_RESP_LIST:
	case IMAP_RESP_LSUB:
		sb_printf(b, " attrs=0x%x flags=", r->u.list.attrs);
		dump_strings(b, &r->u.list.flags);
		sb_printf(b, " delim=%d name=", r->u.list.delim);
		dump_str(b, r->u.list.name);
		sb_puts(b, " utf8=");
		dump_str(b, r->u.list.name_utf8);
		sb_puts(b, " oldname=");
		dump_str(b, r->u.list.oldname);
		dump_str(b, r->u.list.oldname_utf8);
		sb_puts(b, " childinfo=");
		dump_strings(b, &r->u.list.childinfo);
		break;
	case IMAP_RESP_MAILBOX_STATUS:
		sb_puts(b, " name=");
		dump_str(b, r->u.mbstatus.name);
		dump_str(b, r->u.mbstatus.name_utf8);
		sb_printf(b,
		    " present=0x%x messages=%u recent=%u uidnext=%u "
		    "uidvalidity=%u unseen=%u deleted=%u highestmodseq=%llu "
		    "size=%llu",
		    r->u.mbstatus.present, r->u.mbstatus.messages,
		    r->u.mbstatus.recent, r->u.mbstatus.uidnext,
		    r->u.mbstatus.uidvalidity, r->u.mbstatus.unseen,
		    r->u.mbstatus.deleted,
		    (unsigned long long)r->u.mbstatus.highestmodseq,
		    (unsigned long long)r->u.mbstatus.size);
		break;
	case IMAP_RESP_FLAGS:
		sb_puts(b, " ");
		dump_flags(b, &r->u.flags);
		break;
	case IMAP_RESP_FETCH: dump_fetch(b, &r->u.fetch); break;
	case IMAP_RESP_SEARCH:
	case IMAP_RESP_SORT:
		for (i = 0; i < r->u.search.n; i++)
			sb_printf(b, " %u", r->u.search.v[i]);
		if (r->u.search.has_modseq)
			sb_printf(b, " modseq=%llu",
			    (unsigned long long)r->u.search.modseq);
		break;
	case IMAP_RESP_ESEARCH:
		sb_puts(b, " tag=");
		dump_str(b, r->u.esearch.tag);
		sb_printf(b,
		    " uid=%d present=0x%x min=%u max=%u count=%u modseq=%llu "
		    "all=",
		    r->u.esearch.uid, r->u.esearch.present, r->u.esearch.min,
		    r->u.esearch.max, r->u.esearch.count,
		    (unsigned long long)r->u.esearch.modseq);
		dump_seqset(b, &r->u.esearch.all);
		break;
	case IMAP_RESP_VANISHED:
		sb_printf(b, " earlier=%d ", r->u.vanished.earlier);
		dump_seqset(b, &r->u.vanished.uids);
		break;
	case IMAP_RESP_ID:
		sb_puts(b, " ");
		dump_params(b, &r->u.id);
		break;
	case IMAP_RESP_NAMESPACE:
		dump_ns(b, &r->u.ns.personal);
		dump_ns(b, &r->u.ns.other);
		dump_ns(b, &r->u.ns.shared);
		break;
	case IMAP_RESP_UNKNOWN:
		sb_puts(b, " ");
		dump_str(b, r->u.unknown.name);
		sb_puts(b, " ");
		dump_bytes(b, r->u.unknown.raw, r->u.unknown.rawlen);
		break;
	default: break;
	}
}

/*
 * Render everything a response holds as one line of printable ASCII:
 * for debug logs, and for tests that compare two parses.
 */
char *
imap_response_dump(const struct imap_response *r)
{
	struct sbuf b = { NULL, 0, 0 };
	const struct imap_code *c = &r->code;

	sb_puts(&b, imap_resp_kind_name(r->kind));
	if (r->tag != NULL) {
		sb_puts(&b, " tag=");
		dump_str(&b, r->tag);
	}
	if (r->status != IMAP_STATUS_NONE)
		sb_printf(&b, " %s", imap_status_name(r->status));
	if (r->kind == IMAP_RESP_EXISTS || r->kind == IMAP_RESP_RECENT ||
	    r->kind == IMAP_RESP_EXPUNGE || r->kind == IMAP_RESP_UNKNOWN)
		sb_printf(&b, " number=%u", r->number);
	if (c->kind != IMAP_CODE_NONE) {
		sb_printf(&b, " code=%d:", (int)c->kind);
		dump_str(&b, c->name);
		sb_puts(&b, " raw=");
		dump_str(&b, c->raw);
		sb_printf(&b,
		    " num=%u modseq=%llu uidvalidity=%u strings=", c->num,
		    (unsigned long long)c->modseq, c->uidvalidity);
		dump_strings(&b, &c->strings);
		sb_puts(&b, " flags=");
		dump_flags(&b, &c->flags);
		sb_puts(&b, " uids=");
		dump_seqset(&b, &c->uids);
		sb_puts(&b, " uids2=");
		dump_seqset(&b, &c->uids2);
	}
	if (r->text != NULL) {
		sb_puts(&b, " text=");
		dump_str(&b, r->text);
	}
	dump_data(&b, r);
	return sb_take(&b);
}
