/*
 * index_line.h - one message as a line of the index.
 *
 * Shared by the interface's index and `tern list`, so both show the same
 * thing: number, flags, date, sender, size, thread tree and subject.
 */
#ifndef TERN_INDEX_LINE_H
#define TERN_INDEX_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/msgtab.h"
#include "model/rowlist.h"

char *index_line_format(const struct msgtab *mb, const struct rowlist *mv,
    size_t row, bool tagged, time_t now);
void index_line_name(const char *from, char *buf, size_t len);
void index_line_size(uint64_t size, char *buf, size_t len);

#endif
