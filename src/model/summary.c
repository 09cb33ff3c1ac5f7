/*
 * summary.c - what tern knows about a message without its body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model/summary.h"
#include "xmalloc.h"

/* Free a summary's strings and zero it. */
void
summary_clear(struct summary *s)
{
	free(s->from);
	free(s->to);
	free(s->cc);
	free(s->subject);
	free(s->message_id);
	free(s->in_reply_to);
	free(s->references);
	free(s->key);
	memset(s, 0, sizeof *s);
}

/* Copy with a NULL-safe strdup. */
static char *
summary_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Deep-copy src into dst (dst's old contents are not freed). */
void
summary_copy(struct summary *dst, const struct summary *src)
{
	*dst = *src;
	dst->from = summary_dup(src->from);
	dst->to = summary_dup(src->to);
	dst->cc = summary_dup(src->cc);
	dst->subject = summary_dup(src->subject);
	dst->message_id = summary_dup(src->message_id);
	dst->in_reply_to = summary_dup(src->in_reply_to);
	dst->references = summary_dup(src->references);
	dst->key = summary_dup(src->key);
}

/* The flags as IMAP words ("\Seen \Flagged"), for logs and tests. */
char *
summary_flags_string(uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ MSG_SEEN, "\\Seen" },
		{ MSG_ANSWERED, "\\Answered" },
		{ MSG_FLAGGED, "\\Flagged" },
		{ MSG_DELETED, "\\Deleted" },
		{ MSG_DRAFT, "\\Draft" },
		{ MSG_RECENT, "\\Recent" },
		{ MSG_FORWARDED, "$Forwarded" },
	};
	char buf[128] = "";
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit))
			continue;
		if (buf[0] != '\0')
			strcat(buf, " ");
		strcat(buf, names[i].name);
	}
	return xstrdup(buf);
}
