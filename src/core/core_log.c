/* core_log.c: levelled log lines, one write(2) each, and escaping of
 * untrusted text for logs (see log.h). */
#include "aw/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum aw_log_level aw_log_level_current = AW_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void
aw_log_set_level(enum aw_log_level lvl)
{
    aw_log_level_current = lvl;
}

int
aw_log_level_parse(const char *s, enum aw_log_level *out)
{
    for (size_t i = 0; i < AW_NELEM(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum aw_log_level)i;
            return 0;
        }
    }
    return -1;
}

void
aw_log_set_fd(int fd)
{
    log_fd = fd;
}

/* Bytes of a character at s[i] that must not reach a log line as it is: a control (C0, DEL,
 * C1) or a bidirectional control (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
 * U+2069), which a terminal or a log viewer would act on. 0 for anything else. */
static size_t
unsafe_at(const unsigned char *s, size_t n, size_t i)
{
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f)
        return 1;
    if (i + 1 < n &&
        ((c == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) || (c == 0xd8 && s[i + 1] == 0x9c)))
        return 2;
    if (c == 0xe2 && i + 2 < n &&
        ((s[i + 1] == 0x80 &&
          (s[i + 2] == 0x8e || s[i + 2] == 0x8f || (s[i + 2] >= 0xaa && s[i + 2] <= 0xae))) ||
         (s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9)))
        return 3;
    return 0;
}

static void
vlog(enum aw_log_level lvl, const char *file, int line, const char *fmt, va_list ap)
{
    static const char hex[] = "0123456789abcdef";
    char msg[2048], out[2048];
    size_t off = 0, o = 0;
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    off += strftime(msg, sizeof(msg), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    int n = snprintf(msg + off, sizeof(msg) - off,
                     " %s %s:%d: ", level_names[lvl < AW_LOG_OFF ? lvl : AW_LOG_ERROR], base, line);
    if (n > 0)
        off += (size_t)n < sizeof(msg) - off ? (size_t)n : sizeof(msg) - off - 1;
    n = vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
    if (n > 0)
        off += (size_t)n < sizeof(msg) - off ? (size_t)n : sizeof(msg) - off - 1;
    if (off >= sizeof(msg) - 1)
        off = sizeof(msg) - 2;
    /* One line, whatever the message holds: controls and direction controls as \xNN, so
     * that untrusted text a caller forgot to pass through aw_log_repr() can neither break
     * the line nor reorder it on screen. */
    const unsigned char *m = (const unsigned char *)msg;
    for (size_t i = 0; i < off;) {
        size_t k = unsafe_at(m, off, i);
        if (k == 0) {
            if (o + 1 >= sizeof(out))
                break;
            out[o++] = msg[i++];
            continue;
        }
        if (o + 4 * k >= sizeof(out))
            break;
        for (size_t j = 0; j < k; j++, i++) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[m[i] >> 4];
            out[o++] = hex[m[i] & 15];
        }
    }
    out[o++] = '\n';
    ssize_t w = write(log_fd, out, o);
    (void)w;
}

void
aw_log_write(enum aw_log_level lvl, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(lvl, file, line, fmt, ap);
    va_end(ap);
}

void
aw_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(AW_LOG_ERROR, "fatal", 0, fmt, ap);
    va_end(ap);
    exit(1);
}

char *
aw_log_repr(char *dst, size_t dstlen, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (dstlen == 0)
        return dst;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[4];
        size_t k = 0;
        if (c == '"' || c == '\\') {
            tmp[k++] = '\\';
            tmp[k++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            tmp[k++] = (char)c;
        } else {
            tmp[k++] = '\\';
            tmp[k++] = 'x';
            tmp[k++] = hex[c >> 4];
            tmp[k++] = hex[c & 15];
        }
        if (o + k >= dstlen)
            break;
        memcpy(dst + o, tmp, k);
        o += k;
    }
    dst[o] = '\0';
    return dst;
}

void
aw_log_redact_tokens(char *path)
{
    char *seg = path;
    while (*seg) {
        size_t n = strcspn(seg, "/?");
        size_t hex = strspn(seg, "0123456789abcdefABCDEF%");
        if (hex == n && n >= 32) {
            memmove(seg + 7, seg + n, strlen(seg + n) + 1);
            memcpy(seg, "[token]", 7);
            n = 7;
        }
        seg += n;
        if (*seg == '/' || *seg == '?')
            seg++;
    }
}
