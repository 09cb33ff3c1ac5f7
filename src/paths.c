/*
 * paths.c - where tern keeps its files.
 *
 * Config under $XDG_CONFIG_HOME/tern, data (stores, downloaded mail) under
 * $XDG_DATA_HOME/tern, cache under $XDG_CACHE_HOME/tern and the log under
 * $XDG_STATE_HOME/tern.  GLib reads the XDG variables and their defaults.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "paths.h"
#include "xmalloc.h"

/* Join a base directory and "tern" into a string of ours. */
static char *
paths_join(const char *base, const char *rest)
{
	return xasprintf(
	    "%s/tern%s%s", base, rest ? "/" : "", rest ? rest : "");
}

/* The default config file: $XDG_CONFIG_HOME/tern/config. */
char *
paths_config_file(void)
{
	return paths_join(g_get_user_config_dir(), "config");
}

/* The config directory (themes and keybindings may live there too). */
char *
paths_config_dir(void)
{
	return paths_join(g_get_user_config_dir(), NULL);
}

/* The data directory: stores and downloaded mail. */
char *
paths_data_dir(void)
{
	return paths_join(g_get_user_data_dir(), NULL);
}

/* The cache directory: cached IMAP bodies. */
char *
paths_cache_dir(void)
{
	return paths_join(g_get_user_cache_dir(), NULL);
}

/* The state directory: the log. */
char *
paths_state_dir(void)
{
	const char *state = g_getenv("XDG_STATE_HOME");

	if (state != NULL && *state == '/')
		return paths_join(state, NULL);
	return xasprintf("%s/.local/state/tern", g_get_home_dir());
}

/* Expand a leading "~/" to the home directory; other paths are copied. */
char *
paths_expand_home(const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return xasprintf("%s%s", g_get_home_dir(), path + 1);
	return xstrdup(path);
}

/* Create path and its parents; existing directories are fine. */
int
paths_mkdir_p(const char *path, int mode, char **err)
{
	if (g_mkdir_with_parents(path, mode) == -1) {
		*err = xasprintf("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
