/*
 * log.c - the program's log file.
 *
 * One append-only file, opened once; each line has a UTC timestamp, a level
 * and the function that wrote it.  Headless commands may log to stderr
 * instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

static FILE *log_file;
static enum log_level log_max = LOG_INFO;
static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Open (append to) the log at path, readable by its owner only. */
int
log_open(const char *path, enum log_level level, char **err)
{
	int fd;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1 || (f = fdopen(fd, "a")) == NULL) {
		*err =
		    xasprintf("cannot open log %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	log_close();
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	log_max = level;
	return 0;
}

/* Send log lines to stderr (headless commands with -v). */
void
log_to_stderr(enum log_level level)
{
	log_close();
	log_file = stderr;
	log_max = level;
}

/* Close the log; later lines are dropped. */
void
log_close(void)
{
	if (log_file != NULL && log_file != stderr)
		fclose(log_file);
	log_file = NULL;
}

/* Write one line if level is enabled. */
void
log_write(enum log_level level, const char *func, const char *fmt, ...)
{
	struct timeval tv;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (log_file == NULL || level > log_max)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(log_file, "%s.%03ldZ %s %s: ", stamp, (long)(tv.tv_usec / 1000),
	    log_names[level], func);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}
