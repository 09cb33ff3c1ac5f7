/*
 * index_line.c - one message as a line of the index.
 *
 * The layout is mutt's default: "%4C %Z %{%b %d} %-15.15L (%4l) %s",
 * with a wider sender column.  Flags: D deleted, N new, r replied, f
 * forwarded; ! flagged; * tagged, + has attachments.  In a thread a reply
 * whose subject repeats its parent's shows none, as in mutt.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "model/index_line.h"
#include "message/sanitize.h"
#include "xmalloc.h"

#define INDEX_LINE_NAME 18

/* The display name of an address list's first address. */
void
index_line_name(const char *from, char *buf, size_t len)
{
	const char *lt;
	size_t n;

	if (from == NULL || *from == '\0') {
		snprintf(buf, len, "(nobody)");
		return;
	}
	lt = strchr(from, '<');
	if (lt != NULL && lt > from) {
		n = lt - from;
		while (n > 0 && from[n - 1] == ' ')
			n--;
		if (n >= 2 && from[0] == '"' && from[n - 1] == '"') {
			from++;
			n -= 2;
		}
		snprintf(buf, len, "%.*s", (int)n, from);
	} else if (lt != NULL) {
		snprintf(buf, len, "%.*s", (int)strcspn(lt + 1, ">"), lt + 1);
	} else
		snprintf(buf, len, "%.*s", (int)strcspn(from, ","), from);
}

/* A size as mutt shows it: 512, 2.3K, 12K, 1.5M. */
void
index_line_size(uint64_t size, char *buf, size_t len)
{
	if (size < 1000)
		snprintf(buf, len, "%u", (unsigned)size);
	else if (size < 10 * 1024)
		snprintf(buf, len, "%.1fK", size / 1024.0);
	else if (size < 1000 * 1024)
		snprintf(buf, len, "%uK", (unsigned)((size + 512) / 1024));
	else if (size < 10 * 1024 * 1024)
		snprintf(buf, len, "%.1fM", size / (1024.0 * 1024));
	else
		snprintf(buf, len, "%uM",
		    (unsigned)((size + 512 * 1024) / (1024 * 1024)));
}

/* Append s padded or cut to exactly width columns. */
static void
index_line_field(GString *line, const char *s, int width)
{
	const char *valid;
	size_t n;
	int w;

	g_utf8_validate(s, -1, &valid); /* stop at broken UTF-8 */
	n = sanitize_fit(s, valid - s, width, &w);
	g_string_append_len(line, s, n);
	for (; w < width; w++)
		g_string_append_c(line, ' ');
}

/* True if a row's subject repeats its parent's (after Re: and such). */
static bool
index_line_same_subject(const struct msgtab *mb, const struct rowlist *mv,
    const struct rowlist_row *r)
{
	const char *s, *ps;

	if (r->depth == 0 || r->parent < 0)
		return false;
	s = msgtab_subject(mb, r->index);
	ps = msgtab_subject(mb, rowlist_row(mv, r->parent)->index);
	if (s == NULL || ps == NULL)
		return false;
	return strcmp(msgtab_subject_strip(s, NULL),
		   msgtab_subject_strip(ps, NULL)) == 0;
}

/* The index line for a view row (unsanitised: the caller draws safely). */
char *
index_line_format(const struct msgtab *mb, const struct rowlist *mv, size_t row,
    bool tagged, time_t now)
{
	const struct rowlist_row *r = rowlist_row(mv, row);
	uint32_t flags = msgtab_flags(mb, r->index);
	GString *line = g_string_new(NULL);
	char fl[4], date[16], name[256], size[16], tree[256];
	const char *subject = msgtab_subject(mb, r->index);
	time_t t = msgtab_date(mb, r->index);
	struct tm tm, tnow;

	fl[0] = (flags & MSG_DELETED) ? 'D'
	    : !(flags & MSG_SEEN)     ? 'N'
	    : (flags & MSG_ANSWERED)  ? 'r'
	    : (flags & MSG_FORWARDED) ? 'f'
				      : ' ';
	fl[1] = (flags & MSG_FLAGGED) ? '!' : ' ';
	fl[2] = tagged ? '*' : msgtab_has_attachment(mb, r->index) ? '+' : ' ';
	fl[3] = '\0';
	localtime_r(&t, &tm);
	localtime_r(&now, &tnow);
	strftime(date, sizeof date,
	    tm.tm_year == tnow.tm_year ? "%b %d" : "%Y-%m-%d", &tm);
	index_line_name(msgtab_from(mb, r->index), name, sizeof name);
	index_line_size(msgtab_size(mb, r->index), size, sizeof size);
	rowlist_tree_prefix(mv, row, tree, sizeof tree, 40, 0);

	g_string_append_printf(line, "%5zu %s ", row + 1, fl);
	index_line_field(line, date, 10);
	g_string_append_c(line, ' ');
	index_line_field(line, name, INDEX_LINE_NAME);
	g_string_append_printf(line, " (%5s) %s", size, tree);
	if (r->flags & ROWLIST_ROW_COLLAPSED)
		g_string_append_printf(line, "(%u) ", r->hidden + 1);
	if (!index_line_same_subject(mb, mv, r))
		g_string_append(line, subject ? subject : "(no subject)");
	return g_string_free(line, FALSE);
}
