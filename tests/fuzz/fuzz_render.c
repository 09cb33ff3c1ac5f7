/*
 * fuzz_render.c - arbitrary bytes as a message: rendered at a few
 * widths, every row must be valid UTF-8 with no control character, and
 * the attachment list and file names must be sane.  No program is run
 * (no mailcap, no signature check).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "message/mime_render.h"

/* Abort unless s is printable UTF-8 without controls. */
static void
fuzz_check_text(const char *s)
{
	const char *p;

	if (!g_utf8_validate(s, -1, NULL))
		abort();
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int widths[] = { 0, 1, 7, 80 };
	struct render_opts o = { .no_mailcap = 1, .no_verify = 1 };
	struct render *r;
	size_t i, j, k;
	char *s;

	o.all_headers = size > 0 && (data[0] & 1);
	r = mime_render((const char *)data, size, &o);
	for (k = 0; k < G_N_ELEMENTS(widths); k++) {
		render_set_width(r, widths[k]);
		for (i = 0; i < render_count(r); i++) {
			const struct render_line *l = render_line(r, i);

			fuzz_check_text(l->text);
			if (l->name_len < 0 ||
			    (size_t)l->name_len > strlen(l->text))
				abort();
			for (j = 0; j < l->nlinks; j++)
				if (l->links[j].start + l->links[j].len >
					strlen(l->text) ||
				    l->links[j].url >= render_url_count(r))
					abort();
		}
	}
	for (i = 0; i < render_url_count(r); i++)
		fuzz_check_text(render_url(r, i));
	for (i = 0; i < render_attachment_count(r); i++) {
		const struct render_attachment *a = render_attachment(r, i);

		if (a->number != (int)i + 1)
			abort();
		if (a->name != NULL)
			fuzz_check_text(a->name);
		fuzz_check_text(a->type);
		s = render_attachment_filename(r, i);
		if (*s == '\0' || *s == '.' || strchr(s, '/') != NULL)
			abort();
		free(s);
	}
	render_free(r);
	free(mime_text_content((const char *)data, size, 4096));
	return 0;
}
