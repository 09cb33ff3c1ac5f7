/*
 * cmd_list.h - `tern list`: a folder's index lines, without the UI.
 */
#ifndef TERN_CMD_LIST_H
#define TERN_CMD_LIST_H

int cmd_list(int argc, char **argv, const char *conf_path);

#endif
