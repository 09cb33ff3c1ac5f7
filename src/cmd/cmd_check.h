/*
 * cmd_check.h - `tern check ACCOUNT`: connect, log in, and say what the
 * server offers and how the connection is protected.
 */
#ifndef TERN_CMD_CHECK_H
#define TERN_CMD_CHECK_H

int cmd_check(int argc, char **argv, const char *conf_path);

#endif
