/*
 * imap_utf7.c - modified UTF-7 mailbox names to and from UTF-8.
 *
 * Decoding is strict: a byte outside printable ASCII, a bad base64
 * character, an unterminated shift, leftover bits, a lone surrogate, an
 * encoded printable ASCII character or two shifts in a row are all refused
 * with a message, because a name that does not survive a round trip cannot
 * be used to talk to the server about that mailbox.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_utf7.h"
#include "xmalloc.h"

static const char utf7_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* A growing output string. */
struct utf7_buf {
	char *s;
	size_t len, cap;
};

/* Append n bytes to the buffer, growing it as needed. */
static void
utf7_put(struct utf7_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 32;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append one byte. */
static void
utf7_putc(struct utf7_buf *b, char c)
{
	utf7_put(b, &c, 1);
}

/* Append a code point as UTF-8. */
static void
utf7_put_utf8(struct utf7_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		utf7_put(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		utf7_put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		utf7_put(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		utf7_put(b, u, 4);
	}
}

/* The value of a modified-base64 character, or -1. */
static int
utf7_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* Fail with a message naming the offset; frees the partial output. */
static char *
utf7_fail(struct utf7_buf *b, char **err, size_t at, const char *why)
{
	free(b->s);
	if (err != NULL)
		*err = xasprintf(
		    "invalid modified UTF-7 name at byte %zu: %s", at, why);
	return NULL;
}

/*
 * Decode one shifted run starting after "&" at name[*i]; on success *i is
 * past the closing "-".
 */
static const char *
utf7_decode_run(const char *name, size_t *i, struct utf7_buf *b)
{
	uint32_t bits = 0, high = 0, u, cp;
	unsigned nbits = 0, units = 0;
	int v;

	for (; name[*i] != '-'; (*i)++) {
		if (name[*i] == '\0')
			return "unterminated shift (missing '-')";
		v = utf7_b64_value((unsigned char)name[*i]);
		if (v < 0)
			return "not a modified base64 character";
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		units++;
		if (high != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return "high surrogate without low surrogate";
			cp = 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00);
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
			continue;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return "low surrogate without high surrogate";
		} else {
			cp = u;
		}
		if (cp == 0)
			return "encoded NUL";
		if (cp >= 0x20 && cp <= 0x7e)
			return "printable ASCII must not be encoded";
		utf7_put_utf8(b, cp);
	}
	if (units == 0)
		return "shift holds no complete character";
	if (high != 0)
		return "high surrogate at end of shift";
	if (nbits >= 6 || bits != 0)
		return "leftover bits at end of shift";
	(*i)++;
	return NULL;
}

/*
 * Decode a modified UTF-7 mailbox name into a new UTF-8 string, or NULL
 * with *err (if err is not NULL) saying why the name is not valid.
 */
char *
imap_utf7_decode(const char *name, char **err)
{
	struct utf7_buf b = { NULL, 0, 0 };
	const char *why;
	size_t i = 0, at;
	int after_run = 0;
	unsigned char c;

	utf7_put(&b, "", 0);
	while (name[i] != '\0') {
		c = (unsigned char)name[i];
		if (c < 0x20 || c > 0x7e)
			return utf7_fail(
			    &b, err, i, "only printable ASCII may appear");
		if (c != '&') {
			utf7_putc(&b, (char)c);
			i++;
			after_run = 0;
			continue;
		}
		at = i++;
		if (name[i] == '-') {
			utf7_putc(&b, '&');
			i++;
			after_run = 0;
			continue;
		}
		if (after_run)
			return utf7_fail(
			    &b, err, at, "two shifts in a row must be one");
		if ((why = utf7_decode_run(name, &i, &b)) != NULL)
			return utf7_fail(&b, err, i, why);
		after_run = 1;
	}
	return b.s;
}

/*
 * Read one UTF-8 character of s[*i..len) into *cp, refusing overlong
 * forms, surrogates and values past U+10FFFF; -1 when invalid.
 */
static int
utf7_utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	size_t need, k;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i <= need)
		return -1;
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		v = (v << 6) | (s[*i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i += need + 1;
	return 0;
}

/* Whether s[0..len) is well-formed UTF-8 (NUL bytes count as valid). */
int
imap_utf7_is_utf8(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len)
		if (utf7_utf8_next((const unsigned char *)s, len, &i, &cp) < 0)
			return 0;
	return 1;
}

/* Flush the bits of a shifted run and close it with "-". */
static void
utf7_end_run(struct utf7_buf *b, uint32_t bits, unsigned nbits)
{
	if (nbits > 0)
		utf7_putc(b, utf7_b64[(bits << (6 - nbits)) & 0x3f]);
	utf7_putc(b, '-');
}

/* Add one 16-bit unit to a shifted run, emitting whole 6-bit groups. */
static void
utf7_add_unit(struct utf7_buf *b, uint32_t *bits, unsigned *nbits, uint32_t u)
{
	*bits = (*bits << 16) | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		utf7_putc(b, utf7_b64[(*bits >> *nbits) & 0x3f]);
	}
	*bits &= (1u << *nbits) - 1;
}

/*
 * Encode a UTF-8 mailbox name as modified UTF-7 for a command, or NULL
 * with *err when utf8 is not valid UTF-8.
 */
char *
imap_utf7_encode(const char *utf8, char **err)
{
	const unsigned char *s = (const unsigned char *)utf8;
	struct utf7_buf b = { NULL, 0, 0 };
	size_t len = strlen(utf8), i = 0, at;
	uint32_t cp, bits = 0;
	unsigned nbits = 0;
	int in_run = 0;

	utf7_put(&b, "", 0);
	while (i < len) {
		at = i;
		if (utf7_utf8_next(s, len, &i, &cp) < 0) {
			free(b.s);
			if (err != NULL)
				*err = xasprintf(
				    "mailbox name is not valid UTF-8 at byte "
				    "%zu",
				    at);
			return NULL;
		}
		if (cp >= 0x20 && cp <= 0x7e) {
			if (in_run) {
				utf7_end_run(&b, bits, nbits);
				in_run = 0;
				bits = 0;
				nbits = 0;
			}
			if (cp == '&')
				utf7_put(&b, "&-", 2);
			else
				utf7_putc(&b, (char)cp);
			continue;
		}
		if (!in_run) {
			utf7_putc(&b, '&');
			in_run = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			utf7_add_unit(&b, &bits, &nbits, 0xd800 | (cp >> 10));
			utf7_add_unit(&b, &bits, &nbits, 0xdc00 | (cp & 0x3ff));
		} else {
			utf7_add_unit(&b, &bits, &nbits, cp);
		}
	}
	if (in_run)
		utf7_end_run(&b, bits, nbits);
	return b.s;
}
