/*
 * mime_part.h - what the renderer needs to know about one MIME part.
 *
 * Small helpers over GMime objects: the part's type, file name, size
 * and transfer encoding for the attachment list, its bytes with the
 * transfer encoding undone (bounded, and only when asked: parts that
 * are not shown are never decoded), its text as UTF-8, and saving it.
 */
#ifndef TERN_MIME_PART_H
#define TERN_MIME_PART_H

#include <stddef.h>

#include <gmime/gmime.h>

char *mime_part_type(GMimeObject *part);
char *mime_part_filename(GMimeObject *part);
const char *mime_part_encoding(GMimeObject *part);
size_t mime_part_size(GMimeObject *part);
int mime_part_is_attachment(GMimeObject *part);
char *mime_part_bytes(GMimeObject *part, size_t max, size_t *len, int *cut);
char *mime_part_text(GMimeObject *part, size_t max, size_t *len, int *cut);
int mime_part_save(GMimeObject *part, const char *path, int force, char **err);
int mime_part_write(
    const char *path, const char *data, size_t len, int force, char **err);
char *mime_part_size_string(size_t size);

#endif
