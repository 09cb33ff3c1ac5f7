/*
 * pattern.c - the search and limit language, in mutt's spirit.
 *
 * A recursive-descent parser turns the text into a small tree (and / or
 * with any number of children, not, and leaf terms), which pattern_match()
 * walks per message.  The grammar, loosest first:
 *
 *     or      := and ( '|' and )*
 *     and     := unary unary*            (terms side by side)
 *     unary   := '!'* primary
 *     primary := '(' or ')' | '~' LETTER [ARG] | ARG   (a bare ARG is ~s)
 *
 * Recursion only happens at a parenthesis, and PATTERN_MAX_DEPTH bounds
 * that, so neither parsing nor matching can run away on hostile input;
 * the length bound caps the number of terms.  Everything a term needs is
 * worked out at compile time (folded needles, date bounds from "now"),
 * so matching is a walk with string searches at the leaves.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/pattern.h"
#include "xmalloc.h"

/* Header fields a text term looks at. */
#define PATTERN_FROM 0x01u
#define PATTERN_TO 0x02u
#define PATTERN_CC 0x04u
#define PATTERN_SUBJECT 0x08u
#define PATTERN_MSGID 0x10u

/* Bounds on the numbers in dates and sizes. */
#define PATTERN_MAX_DIGITS 15
/* How much of a bad argument an error echoes. */
#define PATTERN_MAX_SHOWN 40

enum pattern_kind {
	PATTERN_ALL,
	PATTERN_AND,
	PATTERN_OR,
	PATTERN_NOT,
	PATTERN_TEXT,
	PATTERN_FLAGS,
	PATTERN_DATE,
	PATTERN_ARRIVAL,
	PATTERN_SIZE,
	PATTERN_BODY,
};

struct pattern_node {
	enum pattern_kind kind;
	struct pattern_node **kids; /* and, or, not */
	size_t nkids;
	char *needle; /* text: folded unless exact */
	size_t len;
	unsigned fields; /* text: PATTERN_FROM ... */
	bool exact; /* text: the term had an upper-case letter */
	bool ascii; /* text: the needle is plain ASCII */
	uint32_t mask, want; /* flags: (flags & mask) == want */
	int64_t lo, hi; /* date, arrival: lo <= t <= hi */
	uint64_t zlo, zhi; /* size: zlo <= size <= zhi */
	size_t term; /* body: its number */
};

struct pattern {
	struct pattern_node *root;
	char **body; /* body term texts */
	bool *whole; /* ~B rather than ~b */
	size_t nbody;
};

/* What a ~ letter means. */
struct pattern_term {
	char letter;
	enum pattern_kind kind;
	unsigned fields;
	uint32_t mask, want;
	bool whole;
};

static const struct pattern_term pattern_terms[] = {
	{ 'A', PATTERN_ALL, 0, 0, 0, false },
	{ 'N', PATTERN_FLAGS, 0, MSG_SEEN, 0, false },
	{ 'U', PATTERN_FLAGS, 0, MSG_SEEN, 0, false },
	{ 'R', PATTERN_FLAGS, 0, MSG_SEEN, MSG_SEEN, false },
	{ 'F', PATTERN_FLAGS, 0, MSG_FLAGGED, MSG_FLAGGED, false },
	{ 'D', PATTERN_FLAGS, 0, MSG_DELETED, MSG_DELETED, false },
	{ 'Q', PATTERN_FLAGS, 0, MSG_ANSWERED, MSG_ANSWERED, false },
	{ 'f', PATTERN_TEXT, PATTERN_FROM, 0, 0, false },
	{ 't', PATTERN_TEXT, PATTERN_TO, 0, 0, false },
	{ 'c', PATTERN_TEXT, PATTERN_CC, 0, 0, false },
	{ 'C', PATTERN_TEXT, PATTERN_TO | PATTERN_CC, 0, 0, false },
	{ 'L', PATTERN_TEXT, PATTERN_FROM | PATTERN_TO | PATTERN_CC, 0, 0,
	    false },
	{ 's', PATTERN_TEXT, PATTERN_SUBJECT, 0, 0, false },
	{ 'i', PATTERN_TEXT, PATTERN_MSGID, 0, 0, false },
	{ 'b', PATTERN_BODY, 0, 0, 0, false },
	{ 'B', PATTERN_BODY, 0, 0, 0, true },
	{ 'd', PATTERN_DATE, 0, 0, 0, false },
	{ 'r', PATTERN_ARRIVAL, 0, 0, 0, false },
	{ 'z', PATTERN_SIZE, 0, 0, 0, false },
};

/* mutt's letters that tern does not do: a clearer error than "unknown". */
static const char pattern_unsupported[] = "eEgGhHklmMnOpPSTuvVwxXyY$=#";

/* The parser's state. */
struct pattern_parser {
	const char *text;
	const char *p;
	int64_t now;
	struct pattern *pat;
	char *err;
};

/* The 1-based column (in characters) of byte offset at in text. */
static size_t
pattern_column(const char *text, const char *at)
{
	size_t col = 1;
	const char *p;

	for (p = text; p < at && *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
	return col;
}

/* Record the first error, as "column N: what". */
static void __attribute__((format(printf, 3, 4)))
pattern_error(struct pattern_parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (ps->err != NULL)
		return;
	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ps->err =
	    xasprintf("column %zu: %s", pattern_column(ps->text, at), what);
	g_free(what);
}

/*
 * An argument as an error may echo it: control characters become '?' and
 * long ones are cut, so the error stays one short line (g_free it).
 */
static char *
pattern_shown(const char *arg)
{
	GString *out = g_string_new(NULL);
	const char *p, *next;
	size_t n = 0;

	for (p = arg; *p != '\0'; p = next) {
		next = g_utf8_next_char(p);
		if (n++ == PATTERN_MAX_SHOWN) {
			g_string_append(out, "...");
			break;
		}
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			g_string_append_c(out, '?');
		else
			g_string_append_len(out, p, next - p);
	}
	return g_string_free(out, FALSE);
}

/* A new node of a kind. */
static struct pattern_node *
pattern_node_new(enum pattern_kind kind)
{
	struct pattern_node *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	return n;
}

/* Free a node and what hangs below it. */
static void
pattern_node_free(struct pattern_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		pattern_node_free(n->kids[i]);
	free(n->kids);
	free(n->needle);
	free(n);
}

/* Append a child to an and / or / not node. */
static void
pattern_node_add(struct pattern_node *n, struct pattern_node *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

/* Skip blanks. */
static void
pattern_skip(struct pattern_parser *ps)
{
	while (g_ascii_isspace(*ps->p))
		ps->p++;
}

/* True where an and-sequence ends. */
static bool
pattern_at_end(const struct pattern_parser *ps)
{
	return *ps->p == '\0' || *ps->p == ')' || *ps->p == '|';
}

/*
 * Read an argument: quoted with "" or '' (backslash escapes), or bare up
 * to a blank or one of ( ) |.  Returns an allocated string, or NULL with
 * the error set.
 */
static char *
pattern_arg(struct pattern_parser *ps)
{
	const char *start = ps->p, *next;
	char *out = xmalloc(strlen(ps->p) + 1), quote = 0;
	size_t n = 0;

	if (*ps->p == '"' || *ps->p == '\'')
		quote = *ps->p++;
	for (;;) {
		if (*ps->p == '\0') {
			if (quote == 0)
				break;
			pattern_error(ps, start, "unterminated quoted string");
			free(out);
			return NULL;
		}
		if (quote != 0 && *ps->p == quote) {
			ps->p++;
			break;
		}
		if (quote == 0 &&
		    (g_ascii_isspace(*ps->p) || *ps->p == '(' ||
			*ps->p == ')' || *ps->p == '|'))
			break;
		if (*ps->p == '\\') {
			if (ps->p[1] == '\0') {
				pattern_error(ps, ps->p,
				    "backslash at the end of the pattern");
				free(out);
				return NULL;
			}
			ps->p++;
		}
		/* Copy one whole character (the text is valid UTF-8). */
		next = g_utf8_next_char(ps->p);
		memcpy(out + n, ps->p, (size_t)(next - ps->p));
		n += (size_t)(next - ps->p);
		ps->p = next;
	}
	out[n] = '\0';
	return out;
}

/* Read up to PATTERN_MAX_DIGITS digits; *count says how many. */
static uint64_t
pattern_digits(const char **pp, size_t *count)
{
	uint64_t v = 0;

	*count = 0;
	while (g_ascii_isdigit(**pp) && *count <= PATTERN_MAX_DIGITS) {
		v = v * 10 + (uint64_t)(**pp - '0');
		(*pp)++;
		(*count)++;
	}
	return v;
}

/* Local midnight starting a day, or NULL for a day that does not exist. */
static GDateTime *
pattern_midnight(int y, int m, int d)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return NULL;
	return g_date_time_new_local(y, m, d, 0, 0, 0);
}

/* The local year now is in. */
static int
pattern_this_year(int64_t now)
{
	GDateTime *dt = g_date_time_new_from_unix_local(now);
	int y = 1970;

	if (dt != NULL) {
		y = g_date_time_get_year(dt);
		g_date_time_unref(dt);
	}
	return y;
}

/*
 * Read one day (dd/mm, dd/mm/yy, dd/mm/yyyy or yyyy-mm-dd) and return
 * the start of it and of the next day.
 */
static int
pattern_day(const char **pp, int64_t now, int64_t *start, int64_t *end)
{
	const char *p = *pp;
	GDateTime *dt, *next;
	uint64_t a, b, c;
	size_t na, nb, nc;
	int y, m, d;

	a = pattern_digits(&p, &na);
	if (na == 4 && *p == '-') {
		p++;
		b = pattern_digits(&p, &nb);
		if (nb < 1 || nb > 2 || *p != '-')
			return -1;
		p++;
		c = pattern_digits(&p, &nc);
		if (nc < 1 || nc > 2)
			return -1;
		y = (int)a, m = (int)b, d = (int)c;
	} else if (na >= 1 && na <= 2 && *p == '/') {
		p++;
		b = pattern_digits(&p, &nb);
		if (nb < 1 || nb > 2)
			return -1;
		d = (int)a, m = (int)b;
		if (*p == '/') {
			p++;
			c = pattern_digits(&p, &nc);
			if (nc == 2)
				y = c < 70 ? 2000 + (int)c : 1900 + (int)c;
			else if (nc == 4)
				y = (int)c;
			else
				return -1;
		} else
			y = pattern_this_year(now);
	} else
		return -1;
	if ((dt = pattern_midnight(y, m, d)) == NULL)
		return -1;
	/* The next midnight, which is not always 86400 s later. */
	next = g_date_time_add_days(dt, 1);
	*start = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	if (next == NULL)
		return -1;
	*end = g_date_time_to_unix(next);
	g_date_time_unref(next);
	*pp = p;
	return 0;
}

/* "<7d" / ">2w": the moment N units before now, or -1. */
static int
pattern_ago(const char *p, int64_t now, int64_t *t)
{
	GDateTime *dt, *then;
	uint64_t n;
	size_t count;
	int k;

	n = pattern_digits(&p, &count);
	if (count == 0 || count > 6 || p[0] == '\0' || p[1] != '\0')
		return -1;
	k = -(int)n;
	dt = g_date_time_new_from_unix_local(now);
	if (dt == NULL)
		return -1;
	switch (p[0]) {
	case 'y': then = g_date_time_add_years(dt, k); break;
	case 'm': then = g_date_time_add_months(dt, k); break;
	case 'w': then = g_date_time_add_weeks(dt, k); break;
	case 'd': then = g_date_time_add_days(dt, k); break;
	case 'H': then = g_date_time_add_hours(dt, k); break;
	case 'M': then = g_date_time_add_minutes(dt, k); break;
	case 'S': then = g_date_time_add_seconds(dt, (gdouble)k); break;
	default: then = NULL; break;
	}
	g_date_time_unref(dt);
	if (then == NULL)
		return -1;
	*t = g_date_time_to_unix(then);
	g_date_time_unref(then);
	return 0;
}

/* Fill a date node's bounds from its argument. */
static int
pattern_dates(struct pattern_parser *ps, struct pattern_node *n,
    const char *arg, const char *at)
{
	int64_t a0 = 0, a1 = 0, b0 = 0, b1 = 0, t;
	bool have_a = false, have_b = false, dash = false;
	const char *p = arg;
	char *shown;

	if (*p == '<' || *p == '>') {
		if (pattern_ago(p + 1, ps->now, &t) < 0) {
			shown = pattern_shown(arg);
			pattern_error(ps, at,
			    "cannot read '%s' (use <Nu or >Nu, u one of "
			    "y m w d H M S)",
			    shown);
			g_free(shown);
			return -1;
		}
		n->lo = *p == '<' ? t : INT64_MIN;
		n->hi = *p == '<' ? INT64_MAX : t - 1;
		return 0;
	}
	if (*p != '-') {
		if (pattern_day(&p, ps->now, &a0, &a1) < 0)
			goto bad;
		have_a = true;
	}
	if (*p == '-') {
		dash = true;
		p++;
		if (*p != '\0') {
			if (pattern_day(&p, ps->now, &b0, &b1) < 0)
				goto bad;
			have_b = true;
		}
	}
	if (*p != '\0' || (!have_a && !have_b))
		goto bad;
	if (!dash) {
		n->lo = a0;
		n->hi = a1 - 1;
	} else if (have_a && have_b) {
		n->lo = a0 < b0 ? a0 : b0; /* a range given backwards */
		n->hi = (a1 > b1 ? a1 : b1) - 1;
	} else {
		n->lo = have_a ? a0 : INT64_MIN;
		n->hi = have_b ? b1 - 1 : INT64_MAX;
	}
	return 0;
bad:
	shown = pattern_shown(arg);
	pattern_error(ps, at,
	    "cannot read the date '%s' (use dd/mm/yyyy, yyyy-mm-dd, "
	    "a range A-B, <7d or >2w)",
	    shown);
	g_free(shown);
	return -1;
}

/* Read a size with an optional K, M or G suffix. */
static int
pattern_size_num(const char **pp, uint64_t *v)
{
	size_t count;
	unsigned shift = 0;

	*v = pattern_digits(pp, &count);
	if (count == 0 || count > PATTERN_MAX_DIGITS)
		return -1;
	switch (**pp) {
	case 'k':
	case 'K': shift = 10; break;
	case 'm':
	case 'M': shift = 20; break;
	case 'g':
	case 'G': shift = 30; break;
	default: break;
	}
	if (shift != 0) {
		(*pp)++;
		if (*v > (UINT64_MAX >> shift))
			return -1;
		*v <<= shift;
	}
	return 0;
}

/* Fill a size node's bounds from its argument. */
static int
pattern_size(struct pattern_parser *ps, struct pattern_node *n, const char *arg,
    const char *at)
{
	const char *p = arg;
	uint64_t a = 0, b = 0;
	bool have_a = false, have_b = false, dash = false;
	char *shown;

	if (*p == '<' || *p == '>') {
		p++;
		if (pattern_size_num(&p, &a) < 0 || *p != '\0')
			goto bad;
		if (arg[0] == '<') {
			n->zlo = a == 0 ? 1 : 0; /* "<0" matches nothing */
			n->zhi = a == 0 ? 0 : a - 1;
		} else {
			n->zlo = a == UINT64_MAX ? UINT64_MAX : a + 1;
			n->zhi = a == UINT64_MAX ? 0 : UINT64_MAX;
		}
		return 0;
	}
	if (*p != '-') {
		if (pattern_size_num(&p, &a) < 0)
			goto bad;
		have_a = true;
	}
	if (*p == '-') {
		dash = true;
		p++;
		if (*p != '\0') {
			if (pattern_size_num(&p, &b) < 0)
				goto bad;
			have_b = true;
		}
	}
	if (*p != '\0' || (!have_a && !have_b))
		goto bad;
	if (!dash) {
		n->zlo = n->zhi = a;
	} else {
		n->zlo = have_a ? a : 0;
		n->zhi = have_b ? b : UINT64_MAX;
		if (have_a && have_b && a > b) {
			n->zlo = b;
			n->zhi = a;
		}
	}
	return 0;
bad:
	shown = pattern_shown(arg);
	pattern_error(ps, at,
	    "cannot read the size '%s' (use 10K, <10K, >1M or 10K-1M)", shown);
	g_free(shown);
	return -1;
}

/* Does a string have an upper-case letter (smart case)? */
static bool
pattern_has_upper(const char *s)
{
	for (; *s != '\0'; s = g_utf8_next_char(s))
		if (g_unichar_isupper(g_utf8_get_char(s)))
			return true;
	return false;
}

/* Turn a text term's argument into its needle. */
static void
pattern_text(struct pattern_node *n, char *arg)
{
	const char *s;

	n->exact = pattern_has_upper(arg);
	n->ascii = true;
	for (s = arg; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			n->ascii = false;
	if (n->exact) {
		n->needle = arg;
	} else {
		n->needle = n->ascii ? g_ascii_strdown(arg, -1)
				     : g_utf8_casefold(arg, -1);
		/* g_malloc'd; keep one allocator for pattern_node_free. */
		s = n->needle;
		n->needle = xstrdup(s);
		g_free((char *)s);
		free(arg);
	}
	n->len = strlen(n->needle);
}

static struct pattern_node *pattern_or(struct pattern_parser *ps, int depth);

/* Name a ~ letter for an error, without echoing control bytes. */
static void
pattern_letter_error(struct pattern_parser *ps, const char *at,
    const char *letter, bool unsupported)
{
	if (g_ascii_isgraph(*letter))
		pattern_error(ps, at,
		    unsupported ? "~%c is not supported"
				: "unknown pattern ~%c",
		    *letter);
	else
		pattern_error(ps, at, "unknown pattern after ~");
}

/* Parse "~X [arg]". */
static struct pattern_node *
pattern_term(struct pattern_parser *ps)
{
	const struct pattern_term *term = NULL;
	const char *at = ps->p, *argat;
	struct pattern_node *n;
	size_t i;
	char *arg;

	ps->p++;
	if (*ps->p == '\0' || g_ascii_isspace(*ps->p)) {
		pattern_error(ps, at, "~ needs a letter after it");
		return NULL;
	}
	for (i = 0; i < G_N_ELEMENTS(pattern_terms); i++)
		if (pattern_terms[i].letter == *ps->p)
			term = &pattern_terms[i];
	if (term == NULL) {
		pattern_letter_error(
		    ps, at, ps->p, strchr(pattern_unsupported, *ps->p) != NULL);
		return NULL;
	}
	ps->p++;
	n = pattern_node_new(term->kind);
	if (term->kind == PATTERN_ALL)
		return n;
	if (term->kind == PATTERN_FLAGS) {
		n->mask = term->mask;
		n->want = term->want;
		return n;
	}
	pattern_skip(ps);
	argat = ps->p;
	if (pattern_at_end(ps) || *ps->p == '(') {
		pattern_error(ps, at, "~%c needs an argument", term->letter);
		free(n);
		return NULL;
	}
	if ((arg = pattern_arg(ps)) == NULL) {
		free(n);
		return NULL;
	}
	if (*arg == '\0') {
		pattern_error(
		    ps, argat, "~%c needs a non-empty argument", term->letter);
		goto fail;
	}
	switch (term->kind) {
	case PATTERN_TEXT:
		n->fields = term->fields;
		pattern_text(n, arg);
		return n;
	case PATTERN_BODY:
		n->term = ps->pat->nbody++;
		ps->pat->body = xreallocarray(
		    ps->pat->body, ps->pat->nbody, sizeof *ps->pat->body);
		ps->pat->whole = xreallocarray(
		    ps->pat->whole, ps->pat->nbody, sizeof *ps->pat->whole);
		ps->pat->body[n->term] = arg;
		ps->pat->whole[n->term] = term->whole;
		return n;
	case PATTERN_DATE:
	case PATTERN_ARRIVAL:
		if (pattern_dates(ps, n, arg, argat) < 0)
			goto fail;
		break;
	case PATTERN_SIZE:
		if (pattern_size(ps, n, arg, argat) < 0)
			goto fail;
		break;
	default: break;
	}
	free(arg);
	return n;
fail:
	free(arg);
	free(n);
	return NULL;
}

/* Parse a parenthesis, a ~ term or a bare word. */
static struct pattern_node *
pattern_primary(struct pattern_parser *ps, int depth)
{
	const char *open = ps->p, *at;
	struct pattern_node *n;
	char *arg;

	if (*ps->p == '(') {
		if (depth >= PATTERN_MAX_DEPTH) {
			pattern_error(ps, open,
			    "parentheses nested deeper than %d",
			    PATTERN_MAX_DEPTH);
			return NULL;
		}
		ps->p++;
		pattern_skip(ps);
		if (*ps->p == ')') {
			pattern_error(ps, open, "empty parentheses");
			return NULL;
		}
		if ((n = pattern_or(ps, depth + 1)) == NULL)
			return NULL;
		pattern_skip(ps);
		if (*ps->p != ')') {
			pattern_error(ps, open, "( is never closed");
			pattern_node_free(n);
			return NULL;
		}
		ps->p++;
		return n;
	}
	if (*ps->p == '~')
		return pattern_term(ps);
	at = ps->p;
	if ((arg = pattern_arg(ps)) == NULL)
		return NULL;
	if (*arg == '\0') {
		pattern_error(ps, at, "empty quoted string");
		free(arg);
		return NULL;
	}
	n = pattern_node_new(PATTERN_TEXT);
	n->fields = PATTERN_SUBJECT;
	pattern_text(n, arg);
	return n;
}

/* Parse '!'* primary. */
static struct pattern_node *
pattern_unary(struct pattern_parser *ps, int depth)
{
	const char *bang = ps->p;
	struct pattern_node *n, *not ;
	bool neg = false;

	while (*ps->p == '!') {
		neg = !neg;
		ps->p++;
		pattern_skip(ps);
	}
	if (pattern_at_end(ps)) {
		if (*ps->p == ')')
			pattern_error(ps, ps->p, "unexpected )");
		else if (*ps->p == '|')
			pattern_error(
			    ps, ps->p, "| needs a pattern on each side");
		else
			pattern_error(ps, bang, "! needs a pattern after it");
		return NULL;
	}
	if ((n = pattern_primary(ps, depth)) == NULL || !neg)
		return n;
	not = pattern_node_new(PATTERN_NOT);
	pattern_node_add(not, n);
	return not ;
}

/* Parse terms side by side: all must match. */
static struct pattern_node *
pattern_and(struct pattern_parser *ps, int depth)
{
	struct pattern_node *n = NULL, *kid, *and;

	pattern_skip(ps);
	do {
		if ((kid = pattern_unary(ps, depth)) == NULL) {
			pattern_node_free(n);
			return NULL;
		}
		if (n == NULL) {
			n = kid;
		} else if (n->kind == PATTERN_AND) {
			/* "and" is associative: (a b) c is a b c. */
			pattern_node_add(n, kid);
		} else {
			and = pattern_node_new(PATTERN_AND);
			pattern_node_add(and, n);
			pattern_node_add(and, kid);
			n = and;
		}
		pattern_skip(ps);
	} while (!pattern_at_end(ps));
	return n;
}

/* Parse alternatives separated by '|'. */
static struct pattern_node *
pattern_or(struct pattern_parser *ps, int depth)
{
	struct pattern_node *n, *kid, * or = NULL;
	const char *bar;

	if ((n = pattern_and(ps, depth)) == NULL)
		return NULL;
	for (;;) {
		pattern_skip(ps);
		if (*ps->p != '|')
			break;
		bar = ps->p++;
		pattern_skip(ps);
		if (pattern_at_end(ps)) {
			pattern_error(
			    ps, bar, "| needs a pattern on each side");
			pattern_node_free(or != NULL ? or : n);
			return NULL;
		}
		if ((kid = pattern_and(ps, depth)) == NULL) {
			pattern_node_free(or != NULL ? or : n);
			return NULL;
		}
		if (or == NULL) {
			or = pattern_node_new(PATTERN_OR);
			pattern_node_add(or, n);
		}
		pattern_node_add(or, kid);
	}
	return or != NULL ? or : n;
}

/* Compile a pattern. */
struct pattern *
pattern_compile(const char *text, int64_t now, char **err)
{
	struct pattern_parser ps = { text, text, now, NULL, NULL };
	const char *end;

	*err = NULL;
	if (strnlen(text, PATTERN_MAX_LEN + 1) > PATTERN_MAX_LEN) {
		*err = xasprintf("column %zu: the pattern is longer than %d "
				 "bytes",
		    pattern_column(text, text + PATTERN_MAX_LEN),
		    PATTERN_MAX_LEN);
		return NULL;
	}
	if (!g_utf8_validate(text, -1, &end)) {
		*err = xasprintf("column %zu: the pattern is not valid UTF-8",
		    pattern_column(text, end));
		return NULL;
	}
	ps.pat = xcalloc(1, sizeof *ps.pat);
	pattern_skip(&ps);
	if (*ps.p == '\0') {
		ps.pat->root = pattern_node_new(PATTERN_ALL);
		return ps.pat;
	}
	ps.pat->root = pattern_or(&ps, 0);
	if (ps.pat->root != NULL && *ps.p != '\0')
		pattern_error(&ps, ps.p, "unexpected )");
	if (ps.err != NULL) {
		pattern_free(ps.pat);
		*err = ps.err;
		return NULL;
	}
	return ps.pat;
}

/* Free a compiled pattern. */
void
pattern_free(struct pattern *p)
{
	size_t i;

	if (p == NULL)
		return;
	pattern_node_free(p->root);
	for (i = 0; i < p->nbody; i++)
		free(p->body[i]);
	free(p->body);
	free(p->whole);
	free(p);
}

/* Whether the pattern has body terms the caller must answer. */
bool
pattern_needs_body(const struct pattern *p)
{
	return p != NULL && p->nbody > 0;
}

/* How many body terms there are. */
size_t
pattern_body_count(const struct pattern *p)
{
	return p != NULL ? p->nbody : 0;
}

/* A body term's text, NULL if there is no such term. */
const char *
pattern_body_text(const struct pattern *p, size_t term, bool *whole)
{
	if (p == NULL || term >= p->nbody)
		return NULL;
	if (whole != NULL)
		*whole = p->whole[term];
	return p->body[term];
}

/* Find an ASCII needle (already lower-case) in s, ignoring ASCII case. */
static bool
pattern_find_ascii(const char *s, const char *needle, size_t len)
{
	size_t k;

	for (; *s != '\0'; s++) {
		if (g_ascii_tolower(*s) != needle[0])
			continue;
		for (k = 1; k < len && s[k] != '\0' &&
		     g_ascii_tolower(s[k]) == needle[k];
		     k++)
			;
		if (k == len)
			return true;
		if (s[k] == '\0')
			return false;
	}
	return false;
}

/* Does a text term match one header value? */
static bool
pattern_find(const struct pattern_node *n, const char *s)
{
	char *valid, *folded;
	bool found;

	if (n->exact)
		return strstr(s, n->needle) != NULL;
	if (n->ascii)
		return pattern_find_ascii(s, n->needle, n->len);
	valid = g_utf8_make_valid(s, -1);
	folded = g_utf8_casefold(valid, -1);
	found = strstr(folded, n->needle) != NULL;
	g_free(valid);
	g_free(folded);
	return found;
}

/* Does a text term match any of its fields? */
static bool
pattern_match_text(
    const struct pattern_node *n, const struct msgtab *mb, size_t idx)
{
	const char *s;

	if ((n->fields & PATTERN_FROM) && (s = msgtab_from(mb, idx)) &&
	    pattern_find(n, s))
		return true;
	if ((n->fields & PATTERN_TO) && (s = msgtab_to(mb, idx)) &&
	    pattern_find(n, s))
		return true;
	if ((n->fields & PATTERN_CC) && (s = msgtab_cc(mb, idx)) &&
	    pattern_find(n, s))
		return true;
	if ((n->fields & PATTERN_SUBJECT) && (s = msgtab_subject(mb, idx)) &&
	    pattern_find(n, s))
		return true;
	if ((n->fields & PATTERN_MSGID) && (s = msgtab_message_id(mb, idx)) &&
	    pattern_find(n, s))
		return true;
	return false;
}

/* Evaluate a node (depth is bounded by the compile limits). */
static bool
pattern_eval(const struct pattern_node *n, const struct msgtab *mb, size_t idx,
    pattern_body_cb body, void *arg)
{
	int64_t t;
	uint64_t z;
	size_t i;

	switch (n->kind) {
	case PATTERN_ALL: return true;
	case PATTERN_AND:
		for (i = 0; i < n->nkids; i++)
			if (!pattern_eval(n->kids[i], mb, idx, body, arg))
				return false;
		return true;
	case PATTERN_OR:
		for (i = 0; i < n->nkids; i++)
			if (pattern_eval(n->kids[i], mb, idx, body, arg))
				return true;
		return false;
	case PATTERN_NOT: return !pattern_eval(n->kids[0], mb, idx, body, arg);
	case PATTERN_TEXT: return pattern_match_text(n, mb, idx);
	case PATTERN_FLAGS: return (msgtab_flags(mb, idx) & n->mask) == n->want;
	case PATTERN_DATE:
	case PATTERN_ARRIVAL:
		t = n->kind == PATTERN_DATE ? msgtab_date(mb, idx)
					    : msgtab_arrival(mb, idx);
		return t >= n->lo && t <= n->hi;
	case PATTERN_SIZE:
		z = msgtab_size(mb, idx);
		return z >= n->zlo && z <= n->zhi;
	case PATTERN_BODY:
		return body != NULL && body(arg, n->term, msgtab_uid(mb, idx));
	}
	return false;
}

/* Does message idx match? */
bool
pattern_match(const struct pattern *p, const struct msgtab *mb, size_t idx,
    pattern_body_cb body, void *arg)
{
	if (p == NULL)
		return true;
	return pattern_eval(p->root, mb, idx, body, arg);
}
