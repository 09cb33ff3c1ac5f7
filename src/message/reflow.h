/*
 * reflow.h - text laid out for a window: format=flowed, tabs, wrapping.
 *
 * reflow_flowed() undoes RFC 3676 soft line breaks, giving paragraphs
 * with their quote depth; reflow_break() says where a line wraps (at a
 * blank when there is one); reflow_expand_tabs() turns tabs into
 * spaces.  Widths are terminal columns of sanitised UTF-8 text.
 */
#ifndef TERN_REFLOW_H
#define TERN_REFLOW_H

#include <stddef.h>

/* Quote depths above this are counted as this. */
#define REFLOW_MAX_QUOTE 32

/* One paragraph of flowed text, or one fixed line. */
typedef void (*reflow_para_cb)(
    int quote, const char *text, size_t len, int flowed, void *arg);

void reflow_flowed(
    const char *text, size_t len, int delsp, reflow_para_cb cb, void *arg);
size_t reflow_break(const char *s, size_t len, int width, size_t *next);
char *reflow_expand_tabs(const char *s, size_t len, size_t *out_len);
int reflow_quote_depth(const char *s, size_t len);

#endif
