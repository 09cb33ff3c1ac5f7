/*
 * html_text.h - HTML turned into readable text, without a browser.
 *
 * The fallback for text/html when no mailcap viewer is installed:
 * paragraphs and line breaks, lists with bullets or numbers, block
 * quotes as quote levels, preformatted text kept, simple tables aligned,
 * links as numbered references listed at the end, entities decoded,
 * scripts and styles dropped.  Bounded in input, nesting and links.
 */
#ifndef TERN_HTML_TEXT_H
#define TERN_HTML_TEXT_H

#include <stddef.h>

#define HTML_MAX_INPUT (8u * 1024 * 1024)
#define HTML_MAX_DEPTH 16 /* list and quote nesting that indents */
#define HTML_MAX_LINKS 1000
#define HTML_MAX_CELLS 4096

/*
 * One output line: UTF-8 (not sanitised), its blockquote depth, and
 * whether it may be re-wrapped (paragraph text) or is laid out already
 * (preformatted text, tables).  indent is the hanging indent, in
 * columns, for rows it wraps onto (a list item's text column).
 */
typedef void (*html_line_cb)(
    const char *text, size_t len, int quote, int indent, int fixed, void *arg);

void html_text(const char *html, size_t len, html_line_cb cb, void *arg);
char *html_text_plain(const char *html, size_t len);

#endif
