/*
 * mailcap.h - RFC 1524 mailcap files: which program shows which type.
 *
 * Used to turn HTML into text (the first text/html entry with
 * copiousoutput) and to open attachments.  Commands come from the
 * user's own files; what comes from a message never reaches the shell
 * as text: %s is a temporary file name of our own making, %t and
 * %{param} are reduced to characters with no meaning to the shell, and
 * a URL is passed as a positional parameter ("$1"), never spliced in.
 */
#ifndef TERN_MAILCAP_H
#define TERN_MAILCAP_H

#include <stddef.h>

#define MAILCAP_MAX_FILE (1024 * 1024)
#define MAILCAP_MAX_ENTRIES 10000
#define MAILCAP_MAX_LINE (64 * 1024)

/* mailcap_find() flags. */
#define MAILCAP_COPIOUS 0x01 /* only entries with copiousoutput */
#define MAILCAP_NO_TERMINAL 0x02 /* skip entries that need a terminal */
#define MAILCAP_NO_TEST 0x04 /* do not run test= commands */

struct mailcap_entry {
	char *type; /* lower case; "text/" plus a star for a bare "text" */
	char *command;
	char *test; /* NULL: none */
	char *nametemplate;
	char *description;
	unsigned copiousoutput : 1;
	unsigned needsterminal : 1;
};

struct mailcap;

struct mailcap *mailcap_new(void);
void mailcap_parse(struct mailcap *mc, const char *data, size_t len);
int mailcap_load_file(struct mailcap *mc, const char *path, char **err);
struct mailcap *mailcap_load(const char *path);
void mailcap_free(struct mailcap *mc);
size_t mailcap_count(const struct mailcap *mc);
const struct mailcap_entry *mailcap_entry(const struct mailcap *mc, size_t i);
int mailcap_type_matches(const char *pattern, const char *type);

const struct mailcap_entry *mailcap_find(const struct mailcap *mc,
    const char *type, const char *const *params, const char *file, int flags);
char *mailcap_expand(const char *cmd, const char *type,
    const char *const *params, const char *file, int *uses_file);

int mailcap_capture(const char *cmd, const char *input, size_t inlen,
    size_t max, int timeout_ms, char **out, size_t *outlen, char **err);
int mailcap_run(const char *cmd, const char *input, size_t inlen, char **err);
int mailcap_run_url(const char *url_command, const char *url, char **err);

char *
mailcap_temp_file(const char *ext, const char *data, size_t len, char **err);
void mailcap_temp_remove(const char *path);

#endif
