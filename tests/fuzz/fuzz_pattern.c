/*
 * fuzz_pattern.c - arbitrary bytes as a search pattern.
 *
 * The bytes (up to a NUL) are compiled; a refusal must be one line that
 * names a column.  A pattern that compiles is matched against a small
 * fixed folder (body terms answered by a made-up rule) and used as the
 * limit of a flat and a threaded view.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/msgtab.h"
#include "model/rowlist.h"
#include "model/pattern.h"
#include "model/summary.h"
#include "xmalloc.h"

/* The folder, built once and kept for the whole run. */
static struct msgtab *
fuzz_folder(void)
{
	static const struct {
		const char *from, *to, *cc, *subject, *id, *refs;
	} m[] = {
		{ "Alice <alice@example.org>", "bob@example.org", NULL,
		    "Quarterly report", "a@x", NULL },
		{ "Bob <bob@example.org>", "Alice <alice@example.org>",
		    "carol@example.org", "Re: Quarterly report", "b@x", "a@x" },
		{ "Jürgen MÜLLER <jm@example.de>", "team@example.org", NULL,
		    "Grüße", "c@x", "x@x" },
		{ NULL, NULL, NULL, NULL, NULL, "c@x b@x" },
		{ "carol@example.org", "dev@lists.example.org", "ALICE@x",
		    "AW: Fwd: (draft) \"notes\"", "b@x", "c@x" },
	};
	static struct msgtab *mb;
	struct summary s;
	size_t i;

	if (mb != NULL)
		return mb;
	mb = msgtab_new();
	for (i = 0; i < sizeof m / sizeof m[0]; i++) {
		memset(&s, 0, sizeof s);
		s.uid = (uint32_t)i + 1;
		s.flags = (uint32_t)(i * 13) & MSG_ALL_FLAGS;
		s.date = 1700000000 - (int64_t)i * 86400 * 9;
		s.arrival = s.date + 60;
		s.size = (uint64_t)1 << (i * 5);
		s.from = (char *)m[i].from;
		s.to = (char *)m[i].to;
		s.cc = (char *)m[i].cc;
		s.subject = (char *)m[i].subject;
		s.message_id = (char *)m[i].id;
		s.references = (char *)m[i].refs;
		msgtab_add(mb, &s);
	}
	return mb;
}

/* A body "search" that matches by a fixed rule. */
static bool
fuzz_body(void *arg, size_t term, uint32_t uid)
{
	(void)arg;
	return (uid + term) % 2 == 0;
}

/* Compile one input and use it every way a pattern is used. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgtab *mb = fuzz_folder();
	struct rowlist_opts o = { 0 };
	char *text = xstrndup((const char *)data, size), *err = NULL;
	struct pattern *p;
	struct rowlist *mv;
	size_t i;

	p = pattern_compile(text, 1700000000, &err);
	free(text);
	if (p == NULL) {
		/* A refusal says where, on one line. */
		if (err == NULL || strncmp(err, "column ", 7) != 0 ||
		    strchr(err, '\n') != NULL)
			abort();
		free(err);
		return 0;
	}
	if (err != NULL)
		abort();
	for (i = 0; i < pattern_body_count(p); i++)
		if (pattern_body_text(p, i, NULL) == NULL)
			abort();
	for (i = 0; i < msgtab_count(mb); i++)
		pattern_match(p, mb, i, fuzz_body, NULL);
	o.limit = p;
	o.body = fuzz_body;
	for (i = 0; i < 2; i++) {
		o.threaded = i == 1;
		mv = rowlist_build(mb, &o);
		if (rowlist_count(mv) > msgtab_count(mb))
			abort();
		rowlist_free(mv);
	}
	pattern_free(p);
	return 0;
}
