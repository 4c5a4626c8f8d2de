/* core_rules.c: the value rules of rules.h, and their two wordings. */
#include "aw/rules.h"

#include "aw/common.h"
#include "aw/str.h"

#include <string.h>

#define N_(s) s /* a msgid: translated by the form that shows it (po/) */

enum aw_rule_fault
aw_rule_date(const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return AW_RULE_DATE;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return AW_RULE_DATE;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return AW_RULE_DATE;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return AW_RULE_DATE;
    return AW_RULE_OK;
}

enum aw_rule_fault
aw_rule_url(const char *s)
{
    size_t len = s ? strlen(s) : 0, skip;
    if (s == NULL)
        return AW_RULE_URL;
    if (len > AW_RULE_URL_MAX)
        return AW_RULE_URL_LONG;
    if (len >= 8 && aw_str_eq_nocase((struct aw_str){s, 8}, "https://"))
        skip = 8;
    else if (len >= 7 && aw_str_eq_nocase((struct aw_str){s, 7}, "http://"))
        skip = 7;
    else
        return AW_RULE_URL;
    if (s[skip] == '\0' || s[skip] == '/' || s[skip] == '.')
        return AW_RULE_URL_HOST;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F || strchr("\"<>\\`{}|^", c))
            return AW_RULE_URL_CHARS;
    }
    if (!aw_utf8_valid(s, len))
        return AW_RULE_URL_CHARS;
    return AW_RULE_OK;
}

static const struct {
    const char *message;
    const char *sentence;
} faults[] = {
    [AW_RULE_OK] = {"", ""},
    [AW_RULE_DATE] = {"expected a date YYYY-MM-DD",
                      N_("Enter a date as YYYY-MM-DD, for example 2025-11-18.")},
    [AW_RULE_URL] = {"expected an http(s) URL",
                     N_("Enter a full web address starting with https:// or http://.")},
    [AW_RULE_URL_HOST] = {"expected an http(s) URL with a host",
                          N_("Enter a full web address with the site's name, such as "
                             "https://example.org/page.")},
    [AW_RULE_URL_CHARS] = {"expected an http(s) URL without blanks, quotes or any of < > \\ ` "
                           "{ } | ^",
                           N_("A web address cannot contain spaces, quotes or any of < > \\ ` { "
                              "} | ^.")},
    [AW_RULE_URL_LONG] = {"too long", N_("This web address is too long: at most 2000 bytes.")},
};

const char *
aw_rule_message(enum aw_rule_fault f)
{
    return (size_t)f < AW_NELEM(faults) ? faults[f].message : "";
}

const char *
aw_rule_sentence(enum aw_rule_fault f)
{
    return (size_t)f < AW_NELEM(faults) ? faults[f].sentence : "";
}
