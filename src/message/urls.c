/*
 * urls.c - the web and mail addresses in a line of text.
 *
 * A URL starts with a scheme tern knows (http, https, ftp, mailto) or
 * with "www.", at the start of a word, and runs over the characters
 * RFC 3986 allows (and non-ASCII ones, for IRIs).  Punctuation that ends
 * a sentence is not part of it, nor is a closing bracket it did not
 * open, so "(see https://x.org/a)." gives https://x.org/a.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "message/urls.h"

/* The prefixes a URL starts with; want_at: a mail address follows. */
static const struct {
	const char *prefix;
	int want_at;
} urls_prefixes[] = {
	{ "https://", 0 },
	{ "http://", 0 },
	{ "ftp://", 0 },
	{ "mailto:", 1 },
	{ "www.", 0 },
};

/* True for a byte that may be part of a URL. */
static int
urls_char(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if (g_ascii_isalnum(c))
		return 1;
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/* The length of the URL starting at s (prefix already matched), or 0. */
static size_t
urls_extent(const char *s, size_t len, size_t plen, int want_at)
{
	size_t n = plen, i;
	int paren = 0, bracket = 0;

	while (n < len && n < URLS_MAX_LEN && urls_char(s[n]))
		n++;
	if (n < len && n >= URLS_MAX_LEN && urls_char(s[n]))
		return 0; /* too long to be one */
	for (;;) {
		if (n <= plen)
			return 0;
		if (strchr(".,;:!?'*", s[n - 1]) != NULL) {
			n--;
			continue;
		}
		if (s[n - 1] == ')' || s[n - 1] == ']') {
			paren = bracket = 0;
			for (i = 0; i < n; i++) {
				paren += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
				bracket += s[i] == '[' ? 1
				    : s[i] == ']'      ? -1
						       : 0;
			}
			if ((s[n - 1] == ')' && paren < 0) ||
			    (s[n - 1] == ']' && bracket < 0)) {
				n--;
				continue;
			}
		}
		break;
	}
	if (want_at && memchr(s + plen, '@', n - plen) == NULL)
		return 0;
	if (!want_at && plen == 4 && memchr(s + plen, '.', n - plen) == NULL)
		return 0; /* "www." needs a domain after it */
	return n;
}

/*
 * Find the URLs in s[0..len): up to max spans into out, in order.
 * Returns how many were found (never more than max).
 */
size_t
urls_find(const char *s, size_t len, struct url_span *out, size_t max)
{
	size_t i = 0, n = 0, j, ext;

	while (i < len && n < max) {
		char c = g_ascii_tolower(s[i]);

		/* Every prefix starts with one of these letters. */
		if (c != 'h' && c != 'f' && c != 'm' && c != 'w') {
			i++;
			continue;
		}
		if (i > 0 &&
		    (g_ascii_isalnum(s[i - 1]) || s[i - 1] == '.' ||
			s[i - 1] == '/' || s[i - 1] == '@')) {
			i++;
			continue;
		}
		ext = 0;
		for (j = 0; j < G_N_ELEMENTS(urls_prefixes); j++) {
			size_t pl = strlen(urls_prefixes[j].prefix);

			if (len - i > pl &&
			    g_ascii_strncasecmp(
				s + i, urls_prefixes[j].prefix, pl) == 0) {
				ext = urls_extent(s + i, len - i, pl,
				    urls_prefixes[j].want_at);
				break;
			}
		}
		if (ext == 0) {
			i++;
			continue;
		}
		out[n].start = i;
		out[n].len = ext;
		n++;
		i += ext;
	}
	return n;
}
