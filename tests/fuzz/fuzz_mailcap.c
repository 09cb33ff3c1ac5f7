/*
 * fuzz_mailcap.c - arbitrary bytes as a mailcap file; every command is
 * expanded with hostile parameters, and what comes out may hold no
 * shell character that came from them.  Nothing is run.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "message/mailcap.h"

/* True if out holds more of some shell character than in does. */
static int
fuzz_shell_chars_added(const char *in, const char *out)
{
	static const char shell[] = "$()`;|&'\"\n<>\\*?[]{}!#~";
	const char *c, *p;
	size_t a, b;

	for (c = shell; *c != '\0'; c++) {
		for (a = 0, p = in; *p != '\0'; p++)
			a += *p == *c;
		for (b = 0, p = out; *p != '\0'; p++)
			b += *p == *c;
		if (b > a)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const params[] = { "charset", "$(x);`y`|z&'\"",
		"name", "a b\nc", NULL };
	struct mailcap *mc = mailcap_new();
	size_t i;

	mailcap_parse(mc, (const char *)data, size);
	if (mailcap_count(mc) > MAILCAP_MAX_ENTRIES)
		abort();
	for (i = 0; i < mailcap_count(mc); i++) {
		const struct mailcap_entry *e = mailcap_entry(mc, i);
		int uses;
		char *cmd;

		if (e->type == NULL || e->command == NULL ||
		    strchr(e->type, '/') == NULL)
			abort();
		cmd = mailcap_expand(e->command, "text/plain;$(evil)", params,
		    "/tmp/tern-x/part", &uses);
		/*
		 * Expansion only replaces %-directives with safe characters:
		 * no shell character may come out more often than the
		 * command itself (the user's text) holds it.
		 */
		if (fuzz_shell_chars_added(e->command, cmd))
			abort();
		g_free(cmd);
		(void)mailcap_type_matches(e->type, "text/plain");
	}
	mailcap_free(mc);
	return 0;
}
