/* test_form.c: the urlencoded form parser (http_form.c) on its own,
 * table-driven: decoding ('+', %XX, UTF-8, NUL kept with its length),
 * repeated keys, empty and missing values, invalid escapes, empty and
 * undeclared names, max_bytes and max_count at max-1/max/max+1, the
 * 256-field cap, the lookups behind aw_req_form and the Content-Type check.
 * The same rules through a real server are in test_server.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct aw_field fields[] = {
    {"a", 16, 0},           /* one value of up to 16 bytes */
    {"b", 4, 3},            /* up to three values of up to 4 bytes */
    {"x y", 8, 0},          /* a name with a space, sent as x+y or x%20y */
    {"\xe2\x82\xac", 8, 0}, /* a UTF-8 name */
    {"empty", 0, 2},        /* only empty values */
    {NULL, 0, 0},
};

struct kv {
    const char *name;
    const char *value;
    size_t len; /* of value; 0: strlen(value) */
};

struct parse_case {
    const char *body;
    size_t len; /* 0: strlen(body) */
    int status;
    const char *why; /* expected err.why (substring) when status != 0 */
    size_t n;
    struct kv v[4];
};

static const struct parse_case cases[] = {
    /* plain decoding */
    {"", 0, 0, NULL, 0, {{0}}},
    {"a=1", 0, 0, NULL, 1, {{"a", "1", 0}}},
    {"a=hello+world", 0, 0, NULL, 1, {{"a", "hello world", 0}}},
    {"a=hello%20world", 0, 0, NULL, 1, {{"a", "hello world", 0}}},
    {"a=%e2%82%ac", 0, 0, NULL, 1, {{"a", "\xe2\x82\xac", 0}}},
    {"a=%E2%82%AC+%e2%82%Ac", 0, 0, NULL, 1, {{"a", "\xe2\x82\xac \xe2\x82\xac", 0}}},
    {"a=%2B%26%3D%25", 0, 0, NULL, 1, {{"a", "+&=%", 0}}},
    {"a=1=2", 0, 0, NULL, 1, {{"a", "1=2", 0}}},
    {"a=<script>", 0, 0, NULL, 1, {{"a", "<script>", 0}}},
    {"a=%ff%fe", 0, 0, NULL, 1, {{"a", "\xff\xfe", 0}}}, /* bytes; UTF-8 is the handler's job */
    /* NUL kept, with its length */
    {"a=%00", 0, 0, NULL, 1, {{"a", "\0", 1}}},
    {"a=x%00y", 0, 0, NULL, 1, {{"a", "x\0y", 3}}},
    /* raw bytes in the body, a raw NUL included */
    {"a=x\0y", 5, 0, NULL, 1, {{"a", "x\0y", 3}}},
    /* empty and missing values */
    {"a=", 0, 0, NULL, 1, {{"a", "", 0}}},
    {"a", 0, 0, NULL, 1, {{"a", "", 0}}},
    {"a&b", 0, 0, NULL, 2, {{"a", "", 0}, {"b", "", 0}}},
    {"empty=&empty", 0, 0, NULL, 2, {{"empty", "", 0}, {"empty", "", 0}}},
    /* repeated keys, in order */
    {"b=1&a=z&b=2&b=3",
     0,
     0,
     NULL,
     4,
     {{"b", "1", 0}, {"a", "z", 0}, {"b", "2", 0}, {"b", "3", 0}}},
    /* empty pairs are skipped */
    {"&a=1&&b=2&", 0, 0, NULL, 2, {{"a", "1", 0}, {"b", "2", 0}}},
    {"&&&", 0, 0, NULL, 0, {{0}}},
    /* names are decoded too, then compared byte for byte */
    {"x+y=1", 0, 0, NULL, 1, {{"x y", "1", 0}}},
    {"x%20y=2", 0, 0, NULL, 1, {{"x y", "2", 0}}},
    {"%E2%82%AC=3", 0, 0, NULL, 1, {{"\xe2\x82\xac", "3", 0}}},
    {"%61=4", 0, 0, NULL, 1, {{"a", "4", 0}}},
    /* invalid escapes */
    {"a=%", 0, 400, "escape", 0, {{0}}},
    {"a=%4", 0, 400, "escape", 0, {{0}}},
    {"a=%zz", 0, 400, "escape", 0, {{0}}},
    {"a=%4g", 0, 400, "escape", 0, {{0}}},
    {"a=%%41", 0, 400, "escape", 0, {{0}}},
    {"a=1&b=%G0", 0, 400, "escape", 0, {{0}}},
    {"%zz=1", 0, 400, "escape", 0, {{0}}},
    {"a%=1", 0, 400, "escape", 0, {{0}}},
    /* empty names */
    {"=1", 0, 400, "empty", 0, {{0}}},
    {"=", 0, 400, "empty", 0, {{0}}},
    {"a=1&=2", 0, 400, "empty", 0, {{0}}},
    /* undeclared names (case and NUL matter) */
    {"c=1", 0, 400, "not accepted", 0, {{0}}},
    {"A=1", 0, 400, "not accepted", 0, {{0}}},
    {"a%00=1", 0, 400, "not accepted", 0, {{0}}},
    {"a=1&csrf=2", 0, 400, "not accepted", 0, {{0}}},
    {"xy=1", 0, 400, "not accepted", 0, {{0}}},
    /* the first problem decides */
    {"c=1&a=%zz", 0, 400, "not accepted", 0, {{0}}},
    {"a=%zz&c=1", 0, 400, "escape", 0, {{0}}},
    /* max_bytes (decoded) at max-1, max, max+1 */
    {"a=123456789012345", 0, 0, NULL, 1, {{"a", "123456789012345", 0}}},
    {"a=1234567890123456", 0, 0, NULL, 1, {{"a", "1234567890123456", 0}}},
    {"a=12345678901234567", 0, 413, "too large", 0, {{0}}},
    {"a=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41",
     0,
     0,
     NULL,
     1,
     {{"a", "AAAAAAAAAAAAAAAA", 0}}},
    {"a=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41", 0, 413, "too large", 0, {{0}}},
    {"empty=x", 0, 413, "too large", 0, {{0}}},
    /* max_count at max-1, max, max+1; 0 means 1 */
    {"b=1&b=2", 0, 0, NULL, 2, {{"b", "1", 0}, {"b", "2", 0}}},
    {"b=1&b=2&b=3", 0, 0, NULL, 3, {{"b", "1", 0}, {"b", "2", 0}, {"b", "3", 0}}},
    {"b=1&b=2&b=3&b=4", 0, 413, "too many values", 0, {{0}}},
    {"a=1&a=1", 0, 413, "too many values", 0, {{0}}},
    {"a&a", 0, 413, "too many values", 0, {{0}}},
};

static void
print_bytes(const char *what, const char *p, size_t n)
{
    char line[512];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < sizeof(line); i++) {
        unsigned char c = (unsigned char)p[i];
        o += (size_t)snprintf(line + o, sizeof(line) - o, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x",
                              c);
    }
    line[o] = '\0';
    print_message("%s: \"%s\"\n", what, line);
}

static void
test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        const struct parse_case *c = &cases[i];
        struct aw_arena *a = aw_arena_new(0);
        struct aw_form form;
        struct aw_form_err err;
        size_t len = c->len ? c->len : strlen(c->body);
        /* A copy of exactly len bytes, so ASan sees any read past the end. */
        char *body = malloc(len ? len : 1);
        memcpy(body, c->body, len);
        print_bytes("case", body, len);
        int status = aw_http__form_parse(a, body, len, fields, &form, &err);
        assert_int_equal(status, c->status);
        if (status) {
            assert_non_null(err.why);
            if (!strstr(err.why, c->why))
                fail_msg("why: \"%s\", expected \"%s\"", err.why, c->why);
            assert_int_equal(form.n, 0);
        } else {
            assert_null(err.why);
            assert_int_equal(form.n, c->n);
            for (size_t k = 0; k < c->n; k++) {
                size_t vlen = c->v[k].len ? c->v[k].len : strlen(c->v[k].value);
                const struct aw_form_value *v = &form.v[k];
                assert_string_equal(fields[v->field].name, c->v[k].name);
                assert_int_equal(v->value.len, vlen);
                assert_memory_equal(v->value.ptr, c->v[k].value, vlen);
                assert_int_equal(v->value.ptr[vlen], '\0');
            }
        }
        free(body);
        aw_arena_free(a);
    }
}

static void
test_lookups(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(0);
    struct aw_form form;
    struct aw_form_err err;
    const char *body = "b=one&a=%00z&b=two&b=&x+y=s";
    assert_int_equal(aw_http__form_parse(a, body, strlen(body), fields, &form, &err), 0);

    assert_int_equal(aw_http__form_count(&form, "b"), 3);
    struct aw_str v = aw_http__form_get(&form, "b", 0);
    assert_int_equal(v.len, 3);
    assert_string_equal(v.ptr, "one");
    v = aw_http__form_get(&form, "b", 1);
    assert_string_equal(v.ptr, "two");
    v = aw_http__form_get(&form, "b", 2);
    assert_non_null(v.ptr);
    assert_int_equal(v.len, 0);
    v = aw_http__form_get(&form, "b", 3);
    assert_null(v.ptr);

    assert_int_equal(aw_http__form_count(&form, "a"), 1);
    v = aw_http__form_get(&form, "a", 0);
    assert_int_equal(v.len, 2);
    assert_memory_equal(v.ptr, "\0z", 3);
    assert_int_equal(aw_http__form_count(&form, "x y"), 1);

    /* Declared but absent; not declared; NULL. */
    assert_int_equal(aw_http__form_count(&form, "empty"), 0);
    assert_null(aw_http__form_get(&form, "empty", 0).ptr);
    assert_int_equal(aw_http__form_count(&form, "nope"), 0);
    assert_null(aw_http__form_get(&form, "nope", 0).ptr);
    assert_int_equal(aw_http__form_count(&form, NULL), 0);
    assert_null(aw_http__form_get(&form, NULL, 0).ptr);

    /* No form at all (a GET, or a route without fields). */
    struct aw_form none = {0};
    assert_int_equal(aw_http__form_count(&none, "a"), 0);
    assert_null(aw_http__form_get(&none, "a", 0).ptr);
    aw_arena_free(a);
}

/* n pairs "t" (empty value); fields t (max_count 300). */
static int
parse_n_fields(size_t n, size_t *got)
{
    static const struct aw_field many[] = {{"t", 4, 300}, {NULL, 0, 0}};
    struct aw_arena *a = aw_arena_new(0);
    struct aw_form form;
    struct aw_form_err err;
    char *body = malloc(2 * n + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            body[len++] = '&';
        body[len++] = 't';
    }
    int status = aw_http__form_parse(a, body, len, many, &form, &err);
    *got = form.n;
    free(body);
    aw_arena_free(a);
    return status;
}

static void
test_field_cap(void **state)
{
    (void)state;
    size_t got;
    assert_int_equal(AW_FORM_MAX_FIELDS, 256);
    assert_int_equal(parse_n_fields(255, &got), 0);
    assert_int_equal(got, 255);
    assert_int_equal(parse_n_fields(256, &got), 0);
    assert_int_equal(got, 256);
    assert_int_equal(parse_n_fields(257, &got), 413);
    assert_int_equal(got, 0);
    assert_int_equal(parse_n_fields(10000, &got), 413);
    /* Empty pairs do not count. */
    struct aw_arena *a = aw_arena_new(0);
    static const struct aw_field one[] = {{"t", 4, 0}, {NULL, 0, 0}};
    struct aw_form form;
    struct aw_form_err err;
    char body[4096];
    memset(body, '&', sizeof(body));
    body[100] = 't';
    assert_int_equal(aw_http__form_parse(a, body, sizeof(body), one, &form, &err), 0);
    assert_int_equal(form.n, 1);
    aw_arena_free(a);
}

static void
test_no_fields_declared(void **state)
{
    (void)state;
    static const struct aw_field none[] = {{NULL, 0, 0}};
    struct aw_arena *a = aw_arena_new(0);
    struct aw_form form;
    struct aw_form_err err;
    assert_int_equal(aw_http__form_parse(a, "", 0, none, &form, &err), 0);
    assert_int_equal(form.n, 0);
    assert_int_equal(aw_http__form_parse(a, "a=1", 3, none, &form, &err), 400);
    assert_int_equal(aw_http__form_parse(a, NULL, 0, none, &form, &err), 0);
    aw_arena_free(a);
}

struct type_case {
    const char *ct;
    bool ok;
};

static void
test_content_type(void **state)
{
    (void)state;
    static const struct type_case types[] = {
        {"application/x-www-form-urlencoded", true},
        {"Application/X-WWW-Form-Urlencoded", true},
        {"application/x-www-form-urlencoded;charset=utf-8", true},
        {"application/x-www-form-urlencoded; charset=UTF-8", true},
        {"application/x-www-form-urlencoded; charset=\"utf-8\"", true},
        {" application/x-www-form-urlencoded ; foo=bar", true},
        {"application/x-www-form-urlencoded; charset=iso-8859-1", false},
        {"application/x-www-form-urlencoded; charset=", false},
        {"application/x-www-form-urlencoded; charset=utf-8; charset=latin1", false},
        {"application/x-www-form-urlencodedx", false},
        {"multipart/form-data; boundary=x", false},
        {"text/plain", false},
        {"application/json", false},
        {"", false},
    };
    for (size_t i = 0; i < AW_NELEM(types); i++) {
        print_message("Content-Type: %s\n", types[i].ct);
        assert_int_equal(aw_http__form_type_ok(types[i].ct), types[i].ok);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),  cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_field_cap),    cmocka_unit_test(test_no_fields_declared),
        cmocka_unit_test(test_content_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
