/*
 * paths.h - where tern keeps its files (XDG base directories).
 */
#ifndef TERN_PATHS_H
#define TERN_PATHS_H

char *paths_config_file(void);
char *paths_config_dir(void);
char *paths_data_dir(void);
char *paths_cache_dir(void);
char *paths_state_dir(void);
char *paths_expand_home(const char *path);
int paths_mkdir_p(const char *path, int mode, char **err);

#endif
