/* test_str.c: unit tests for string slices (src/core/core_str.c): UTF-8 validation (overlongs,
 * surrogates, truncation, beyond U+10FFFF), integer parsing at its bounds, comparisons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/str.h"

/* Bytes given with an explicit length so that NUL can be part of the input. */
#define B(s) s, sizeof(s) - 1

static const struct {
    const char *s;
    size_t len;
    bool valid;
    const char *what;
} utf8_cases[] = {
    {B(""), true, "empty"},
    {B("plain ASCII"), true, "ASCII"},
    {B("a\0b"), true, "NUL is a valid code point"},
    {B("\x7f"), true, "U+007F"},
    {B("\xc2\x80"), true, "U+0080, smallest 2-byte"},
    {B("\xc3\xa9t\xc3\xa9"), true, "été"},
    {B("\xdf\xbf"), true, "U+07FF, largest 2-byte"},
    {B("\xe0\xa0\x80"), true, "U+0800, smallest 3-byte"},
    {B("\xe2\x82\xac"), true, "euro sign"},
    {B("\xed\x9f\xbf"), true, "U+D7FF, just below the surrogates"},
    {B("\xee\x80\x80"), true, "U+E000, just above the surrogates"},
    {B("\xef\xbf\xbf"), true, "U+FFFF"},
    {B("\xf0\x90\x80\x80"), true, "U+10000, smallest 4-byte"},
    {B("\xf0\x9d\x84\x9e"), true, "musical G clef"},
    {B("\xf4\x8f\xbf\xbf"), true, "U+10FFFF, the last code point"},
    {B("\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a"), true, "Arabic"},
    /* overlong forms */
    {B("\xc0\x80"), false, "overlong NUL (2 bytes)"},
    {B("\xc0\xaf"), false, "overlong '/'"},
    {B("\xc1\xbf"), false, "overlong U+007F"},
    {B("\xe0\x80\x80"), false, "overlong NUL (3 bytes)"},
    {B("\xe0\x9f\xbf"), false, "overlong U+07FF (3 bytes)"},
    {B("\xf0\x80\x80\x80"), false, "overlong NUL (4 bytes)"},
    {B("\xf0\x8f\xbf\xbf"), false, "overlong U+FFFF (4 bytes)"},
    /* surrogates */
    {B("\xed\xa0\x80"), false, "U+D800, first surrogate"},
    {B("\xed\xbf\xbf"), false, "U+DFFF, last surrogate"},
    {B("\xed\xa0\xbd\xed\xb2\xa9"), false, "CESU-8 surrogate pair"},
    /* beyond U+10FFFF */
    {B("\xf4\x90\x80\x80"), false, "U+110000"},
    {B("\xf5\x80\x80\x80"), false, "lead byte F5"},
    {B("\xf7\xbf\xbf\xbf"), false, "U+1FFFFF"},
    {B("\xf8\x88\x80\x80\x80"), false, "5-byte form"},
    {B("\xfc\x84\x80\x80\x80\x80"), false, "6-byte form"},
    {B("\xfe"), false, "byte FE"},
    {B("\xff"), false, "byte FF"},
    /* truncated sequences */
    {B("\xc3"), false, "2-byte cut after 1"},
    {B("abc\xc3"), false, "2-byte cut at the end of a string"},
    {B("\xe2\x82"), false, "3-byte cut after 2"},
    {B("\xe2"), false, "3-byte cut after 1"},
    {B("\xf0\x9d\x84"), false, "4-byte cut after 3"},
    {B("\xf0\x9d"), false, "4-byte cut after 2"},
    /* bad continuation bytes */
    {B("\x80"), false, "lone continuation byte"},
    {B("\xbf"), false, "lone continuation byte BF"},
    {B("\xc3\x28"), false, "2-byte with ASCII second byte"},
    {B("\xe2\x28\xa1"), false, "3-byte with bad second byte"},
    {B("\xe2\x82\x28"), false, "3-byte with bad third byte"},
    {B("\xf0\x28\x8c\xbc"), false, "4-byte with bad second byte"},
    {B("\xf0\x90\x8c\x28"), false, "4-byte with bad fourth byte"},
    {B("\xc3\xa9\xc3"), false, "valid then truncated"},
};

static void
test_utf8_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(utf8_cases); i++) {
        bool got = aw_utf8_valid(utf8_cases[i].s, utf8_cases[i].len);
        if (got != utf8_cases[i].valid)
            fail_msg("utf8 case %zu (%s): expected %s", i, utf8_cases[i].what,
                     utf8_cases[i].valid ? "valid" : "invalid");
    }
}

/* The length is respected: bytes past it are never read or judged. */
static void
test_utf8_length_bound(void **state)
{
    (void)state;
    assert_true(aw_utf8_valid("ab\xff", 2));
    assert_false(aw_utf8_valid("\xc3\xa9", 1));
    assert_true(aw_utf8_valid(NULL, 0));
}

static const struct {
    const char *s;
    int64_t min, max;
    int rc;
    int64_t value;
} i64_cases[] = {
    {"0", INT64_MIN, INT64_MAX, 0, 0},
    {"-0", INT64_MIN, INT64_MAX, 0, 0},
    {"7", INT64_MIN, INT64_MAX, 0, 7},
    {"007", INT64_MIN, INT64_MAX, 0, 7},
    {"-42", INT64_MIN, INT64_MAX, 0, -42},
    {"2017", 1900, 2100, 0, 2017},
    {"9223372036854775807", INT64_MIN, INT64_MAX, 0, INT64_MAX},
    {"9223372036854775808", INT64_MIN, INT64_MAX, -1, 0},
    {"-9223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN},
    {"-9223372036854775809", INT64_MIN, INT64_MAX, -1, 0},
    {"18446744073709551615", INT64_MIN, INT64_MAX, -1, 0},
    {"18446744073709551616", INT64_MIN, INT64_MAX, -1, 0},
    {"99999999999999999999999", INT64_MIN, INT64_MAX, -1, 0},
    {"-99999999999999999999999", INT64_MIN, INT64_MAX, -1, 0},
    /* bounds at min-1, min, max, max+1 */
    {"0", 1, 10, -1, 0},
    {"1", 1, 10, 0, 1},
    {"10", 1, 10, 0, 10},
    {"11", 1, 10, -1, 0},
    {"-6", -5, 5, -1, 0},
    {"-5", -5, 5, 0, -5},
    {"5", -5, 5, 0, 5},
    {"6", -5, 5, -1, 0},
    {"9223372036854775807", INT64_MIN, INT64_MAX - 1, -1, 0},
    {"-9223372036854775808", INT64_MIN + 1, INT64_MAX, -1, 0},
    /* not a number */
    {"", INT64_MIN, INT64_MAX, -1, 0},
    {"-", INT64_MIN, INT64_MAX, -1, 0},
    {"+1", INT64_MIN, INT64_MAX, -1, 0},
    {" 1", INT64_MIN, INT64_MAX, -1, 0},
    {"1 ", INT64_MIN, INT64_MAX, -1, 0},
    {"1a", INT64_MIN, INT64_MAX, -1, 0},
    {"0x10", INT64_MIN, INT64_MAX, -1, 0},
    {"1.5", INT64_MIN, INT64_MAX, -1, 0},
    {"--1", INT64_MIN, INT64_MAX, -1, 0},
    {"1-", INT64_MIN, INT64_MAX, -1, 0},
    {"\xd9\xa1", INT64_MIN, INT64_MAX, -1, 0}, /* Arabic-Indic digit one */
};

static void
test_to_i64(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(i64_cases); i++) {
        int64_t out = 12345;
        int rc = aw_str_to_i64(aw_str_c(i64_cases[i].s), i64_cases[i].min, i64_cases[i].max, &out);
        if (rc != i64_cases[i].rc)
            fail_msg("to_i64 case %zu \"%s\": rc %d, expected %d", i, i64_cases[i].s, rc,
                     i64_cases[i].rc);
        if (rc == 0 && out != i64_cases[i].value)
            fail_msg("to_i64 case %zu \"%s\": got %lld", i, i64_cases[i].s, (long long)out);
        if (rc != 0 && out != 12345)
            fail_msg("to_i64 case %zu \"%s\": wrote *out on failure", i, i64_cases[i].s);
    }
}

/* A slice is parsed up to its length, not to a NUL. */
static void
test_to_i64_slice(void **state)
{
    (void)state;
    int64_t out = 0;
    struct aw_str s = {"2017-11-18", 4};
    assert_int_equal(aw_str_to_i64(s, 0, 9999, &out), 0);
    assert_int_equal(out, 2017);
    s.len = 5;
    assert_int_equal(aw_str_to_i64(s, INT64_MIN, INT64_MAX, &out), -1);
    assert_int_equal(aw_str_to_i64(AW_STR_NULL, INT64_MIN, INT64_MAX, &out), -1);
}

static void
test_compare(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool eq, nocase, starts;
    } cases[] = {
        {"", "", true, true, true},
        {"abc", "abc", true, true, true},
        {"abc", "ABC", false, true, false},
        {"abc", "ab", false, false, true},
        {"ab", "abc", false, false, false},
        {"abc", "", false, false, true},
        {"", "a", false, false, false},
        {"Content-Type", "content-type", false, true, false},
        {"\xc3\xa9", "\xc3\x89", false, false, false}, /* ASCII-only case folding */
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        struct aw_str a = aw_str_c(cases[i].a);
        if (aw_str_eq_c(a, cases[i].b) != cases[i].eq)
            fail_msg("eq case %zu", i);
        if (aw_str_eq(a, aw_str_c(cases[i].b)) != cases[i].eq)
            fail_msg("eq (slices) case %zu", i);
        if (aw_str_eq_nocase(a, cases[i].b) != cases[i].nocase)
            fail_msg("eq_nocase case %zu", i);
        if (aw_str_starts_with(a, cases[i].b) != cases[i].starts)
            fail_msg("starts_with case %zu", i);
    }
}

/* The null slice compares like the empty string (and never hands NULL to memcmp). */
static void
test_null_slice(void **state)
{
    (void)state;
    assert_true(aw_str_eq(AW_STR_NULL, AW_STR_LIT("")));
    assert_true(aw_str_eq_c(AW_STR_NULL, ""));
    assert_true(aw_str_eq_nocase(AW_STR_NULL, ""));
    assert_true(aw_str_starts_with(AW_STR_NULL, ""));
    assert_false(aw_str_starts_with(AW_STR_NULL, "a"));
    assert_int_equal(aw_str_c(NULL).len, 0);
    assert_int_equal(AW_STR_LIT("abc").len, 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid), cmocka_unit_test(test_utf8_length_bound),
        cmocka_unit_test(test_to_i64),     cmocka_unit_test(test_to_i64_slice),
        cmocka_unit_test(test_compare),    cmocka_unit_test(test_null_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
