/* log.h: levelled logs whose arguments are not evaluated below the level
 * (Redis serverLog), plus the access log. Thread-safe: one write(2) per line. */
#ifndef AW_LOG_H
#define AW_LOG_H

#include "aw/common.h"
#include <stdbool.h>

enum aw_log_level { AW_LOG_DEBUG = 0, AW_LOG_INFO, AW_LOG_WARN, AW_LOG_ERROR, AW_LOG_OFF };

extern enum aw_log_level aw_log_level_current;

void aw_log_set_level(enum aw_log_level lvl);
/* Parses "debug", "info", "warn", "error", "off"; 0 on success. */
int aw_log_level_parse(const char *s, enum aw_log_level *out);
/* Sends log lines to fd (default 2). */
void aw_log_set_fd(int fd);
/* Writes one line: whatever the message holds, its control characters (C0, DEL, C1) and
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are written
 * as \xNN, so that nothing can break the line or reorder it on screen. */
void aw_log_write(enum aw_log_level lvl, const char *file, int line, const char *fmt, ...)
    AW_PRINTF(4, 5);
/* Appends s to dst (size dstlen, always NUL-terminated) with every byte that is
 * not printable ASCII written as \xNN, quotes and backslash escaped (sdscatrepr).
 * Use it for any untrusted text that goes to a log. Returns dst. */
char *aw_log_repr(char *dst, size_t dstlen, const char *s, size_t n);

/* Replaces, in place, every path segment of 32 or more hex digits or %-escapes
 * (a secret token, such as a partner's private link) with "[token]". */
void aw_log_redact_tokens(char *path);

#define AW_LOG(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) >= aw_log_level_current)                                                         \
            aw_log_write((lvl), __FILE__, __LINE__, __VA_ARGS__);                                  \
    } while (0)
#define AW_DEBUG(...) AW_LOG(AW_LOG_DEBUG, __VA_ARGS__)
#define AW_INFO(...) AW_LOG(AW_LOG_INFO, __VA_ARGS__)
#define AW_WARN(...) AW_LOG(AW_LOG_WARN, __VA_ARGS__)
#define AW_ERROR(...) AW_LOG(AW_LOG_ERROR, __VA_ARGS__)

/* Start-up only: logs and exits(1). Never call inside a request. */
AW_NORETURN void aw_fatal(const char *fmt, ...) AW_PRINTF(1, 2);

#endif
