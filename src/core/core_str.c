/* core_str.c: string slices and UTF-8 validation (see str.h). */
#include "aw/str.h"

#include <ctype.h>

bool
aw_str_eq(struct aw_str a, struct aw_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool
aw_str_eq_c(struct aw_str a, const char *b)
{
    return aw_str_eq(a, aw_str_c(b));
}

bool
aw_str_starts_with(struct aw_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    /* n == 0 first: s.ptr may be NULL (AW_STR_NULL), which memcmp must never get. */
    return n == 0 || (s.len >= n && memcmp(s.ptr, prefix, n) == 0);
}

bool
aw_str_eq_nocase(struct aw_str a, const char *b)
{
    size_t n = strlen(b);
    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a.ptr[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

int
aw_str_to_i64(struct aw_str s, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.len == 0)
        return -1;
    if (s.ptr[0] == '-') {
        neg = true;
        i = 1;
        if (s.len == 1)
            return -1;
    }
    uint64_t v = 0;
    for (; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < '0' || c > '9')
            return -1;
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (c - '0');
        if (v > (uint64_t)INT64_MAX + 1)
            return -1;
    }
    int64_t r;
    if (neg)
        r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else if (v > (uint64_t)INT64_MAX)
        return -1;
    else
        r = (int64_t)v;
    if (r < min || r > max)
        return -1;
    *out = r;
    return 0;
}

bool
aw_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}
