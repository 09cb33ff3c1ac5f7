/*
 * sanitize.c - the one gate every character passes before the screen.
 *
 * Placeholders are chosen to be seen, not to be pretty: C0 controls in
 * caret notation (ESC becomes "^["), DEL as "^?", C1 controls, bidi
 * controls and invisible formatting characters as "<U+XXXX>", and each
 * byte of invalid UTF-8 as U+FFFD.  Everything else passes unchanged, so
 * wide and combining characters keep their columns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sanitize.h"
#include "xmalloc.h"

/*
 * True for characters that change how text is laid out or ordered while
 * showing nothing: bidi embeddings, overrides and isolates, zero-width
 * characters, word joiners, invisible operators, the BOM, interlinear
 * annotation marks, tag characters and variation-less format controls.
 */
int
sanitize_is_invisible(unsigned int cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || /* ZW space..RLM */
	    (cp >= 0x2028 && cp <= 0x202e) || /* separators, bidi */
	    (cp >= 0x2060 && cp <= 0x206f) || /* joiners, isolates */
	    cp == 0xfeff || /* BOM / ZWNBSP */
	    (cp >= 0xfff9 && cp <= 0xfffb) || /* annotations */
	    cp == 0x061c || /* Arabic letter mark */
	    cp == 0x180e || /* Mongolian vowel sep */
	    cp == 0x00ad || /* soft hyphen */
	    (cp >= 0xe0000 && cp <= 0xe007f); /* tags */
}

/*
 * Return a new string holding s[0..len) with every unsafe character
 * replaced by a visible placeholder.  NUL bytes count as controls.
 */
char *
sanitize_text(const char *s, size_t len, int flags)
{
	GString *out = g_string_sized_new(len + 16);
	const char *p = s, *end = s + len;
	char *ret;

	while (p < end) {
		unsigned char c = *p;
		gunichar cp;
		const char *next;

		if (c < 0x80) {
			if (c == '\t')
				g_string_append_c(out,
				    (flags & SANITIZE_KEEP_TABS) ? '\t' : ' ');
			else if (c < 0x20) {
				g_string_append_c(out, '^');
				g_string_append_c(out, c + '@');
			} else if (c == 0x7f)
				g_string_append(out, "^?");
			else
				g_string_append_c(out, c);
			p++;
			continue;
		}
		cp = g_utf8_get_char_validated(p, end - p);
		if (cp == (gunichar)-1 || cp == (gunichar)-2) {
			g_string_append(out, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
			continue;
		}
		next = g_utf8_next_char(p);
		if ((cp >= 0x80 && cp < 0xa0) || sanitize_is_invisible(cp) ||
		    !g_unichar_validate(cp))
			g_string_append_printf(out, "<U+%04X>", cp);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	ret = xstrndup(out->str, out->len);
	g_string_free(out, TRUE);
	return ret;
}
