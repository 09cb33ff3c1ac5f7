/*
 * cmd_show.h - `tern show`: a message as the pager shows it, without the
 * UI; its attachments listed, saved or opened.
 */
#ifndef TERN_CMD_SHOW_H
#define TERN_CMD_SHOW_H

int cmd_show(int argc, char **argv, const char *conf_path);

#endif
