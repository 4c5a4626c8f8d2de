/* load_common.c: the error helper and the value checks every loader uses
 * (load_int.h). */
#include "load_int.h"

const struct aw_load_opts ld_default_opts = {false, NULL, false};

/* Writes the message into err (if errlen > 0) and returns rc. */
enum aw_err
ld_fail(enum aw_err rc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- value checks shared by both formats: NULL when fine, else why ---- */

/* The text rule of every input (aw_text_check, text.h: UTF-8, control
 * characters, direction controls, raw HTML in Markdown), then at most max
 * characters. */
const char *
ld_check_text(const char *s, size_t len, size_t max, unsigned flags)
{
    enum aw_text_fault f = aw_text_check(s, len, flags);

    if (f != AW_TEXT_OK)
        return aw_text_fault_message(f);
    if (aw_text_chars(s, len) > max)
        return "too long";
    return NULL;
}

bool
ld_is_upper2(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

bool
ld_is_lower2(const char *s)
{
    return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' && s[2] == '\0';
}

/* The rules of every way in (rules.h), worded for imports and data files. */
bool
ld_is_date(const char *s)
{
    return aw_rule_date(s) == AW_RULE_OK;
}

const char *
ld_check_url(const char *s)
{
    enum aw_rule_fault f = aw_rule_url(s);
    return f == AW_RULE_OK ? NULL : aw_rule_message(f);
}

/* Data keys: ^[a-z0-9]+(-[a-z0-9]+)*$ */
bool
ld_is_key(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > MAX_KEY || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-' && s[i + 1] == '-')
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

void
ld_json_decref(void *json)
{
    json_decref(json);
}
