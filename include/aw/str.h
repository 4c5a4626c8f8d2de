/* str.h: non-owning string slices (h2o_iovec_t) for parsed data. */
#ifndef AW_STR_H
#define AW_STR_H

#include "aw/common.h"
#include <stdbool.h>
#include <string.h>

struct aw_str {
    const char *ptr; /* not necessarily NUL-terminated; owned elsewhere */
    size_t len;
};

#define AW_STR_LIT(s) ((struct aw_str){"" s, sizeof(s) - 1})
#define AW_STR_NULL ((struct aw_str){NULL, 0})

static inline struct aw_str
aw_str_c(const char *s)
{
    return (struct aw_str){s, s ? strlen(s) : 0};
}

bool aw_str_eq(struct aw_str a, struct aw_str b);
bool aw_str_eq_c(struct aw_str a, const char *b);
bool aw_str_starts_with(struct aw_str s, const char *prefix);
/* ASCII case-insensitive comparison. */
bool aw_str_eq_nocase(struct aw_str a, const char *b);
/* Parses a whole slice as a decimal integer in [min, max]; 0 on success. */
int aw_str_to_i64(struct aw_str s, int64_t min, int64_t max, int64_t *out);
/* True when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool aw_utf8_valid(const char *s, size_t len);

#endif
