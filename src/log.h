/*
 * log.h - the program's log file.
 *
 * Log lines carry the function that wrote them and never a password or a
 * token.  Until log_open() succeeds, lines go nowhere (the UI owns the
 * terminal, so stderr is not an option there).
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

int log_open(const char *path, enum log_level level, char **err);
void log_to_stderr(enum log_level level);
void log_close(void);
void log_write(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...) log_write(LOG_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __func__, __VA_ARGS__)

#endif
