/* test_mustache_spec.c: runs the official Mustache spec test data
 * (tests/data/mustache-spec/<module>.json, v1.4.2) against the template engine: core
 * modules plus ~inheritance; lambdas and ~dynamic-names are not supported.
 * One cmocka test per file; each failing case is printed by name, and a file
 * from which no case ran fails. The set is loaded with AW_TPL_RAW_STRINGS, as
 * the spec expects {{{x}}} to emit plain strings verbatim, and AW_TPL_NO_ISOLATE,
 * as it expects {{x}} without the <bdi> that isolates values in HTML text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/tpl.h"
#include "aw/view.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN_NAME "<main>" /* never a partial's name in the spec data */

/* Converts JSON to a view; strings and keys are copied into the arena. */
static struct aw_view *
to_view(struct aw_arena *a, json_t *j)
{
    struct aw_view *v;
    const char *key;
    json_t *val;
    size_t i;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        v = aw_view_map(a);
        json_object_foreach(j, key, val)
        {
            aw_view_set(v, aw_arena_strdup(a, key), to_view(a, val));
        }
        return v;
    case JSON_ARRAY:
        v = aw_view_list(a);
        json_array_foreach(j, i, val)
        {
            aw_view_push(v, to_view(a, val));
        }
        return v;
    case JSON_STRING:
        return aw_view_strn(a, aw_arena_strndup(a, json_string_value(j), json_string_length(j)),
                            json_string_length(j));
    case JSON_INTEGER:
        return aw_view_int(a, (int64_t)json_integer_value(j));
    case JSON_REAL:
        return aw_view_num(a, json_real_value(j));
    case JSON_TRUE:
        return aw_view_bool(a, true);
    case JSON_FALSE:
        return aw_view_bool(a, false);
    case JSON_NULL:
        return aw_view_null(a);
    }
    return aw_view_null(a);
}

/* Runs one case; true when the output matches. */
static bool
run_case(json_t *tc, const char *file)
{
    bool ok = false;
    char err[256];
    struct aw_arena *a = aw_arena_new(0);
    struct aw_tpl_set *set = aw_tpl_set_new(AW_TPL_RAW_STRINGS | AW_TPL_NO_ISOLATE, NULL, NULL);
    struct aw_buf out = AW_BUF_INIT(1 << 20);
    const char *name = json_string_value(json_object_get(tc, "name"));
    json_t *tpl = json_object_get(tc, "template");
    json_t *expected = json_object_get(tc, "expected");
    json_t *partials = json_object_get(tc, "partials");
    const char *pname;
    json_t *psrc;
    enum aw_err rc;

    json_object_foreach(partials, pname, psrc)
    {
        rc = aw_tpl_add(set, pname, json_string_value(psrc), json_string_length(psrc), err,
                        sizeof(err));
        if (rc != AW_OK) {
            print_message("%s: %s: partial %s: %s\n", file, name, pname, err);
            goto out;
        }
    }
    rc = aw_tpl_add(set, MAIN_NAME, json_string_value(tpl), json_string_length(tpl), err,
                    sizeof(err));
    if (rc != AW_OK) {
        print_message("%s: %s: compile: %s\n", file, name, err);
        goto out;
    }
    rc = aw_tpl_render(set, MAIN_NAME, to_view(a, json_object_get(tc, "data")), &out, err,
                       sizeof(err));
    if (rc != AW_OK) {
        print_message("%s: %s: render: %s (%s)\n", file, name, aw_strerror(rc), err);
        goto out;
    }
    if (out.len != json_string_length(expected) ||
        memcmp(aw_buf_cstr(&out), json_string_value(expected), out.len) != 0) {
        print_message("%s: %s: FAIL\n  template: %s\n  expected: [%s]\n  got:      [%s]\n", file,
                      name, json_string_value(tpl), json_string_value(expected), aw_buf_cstr(&out));
        goto out;
    }
    ok = true;
out:
    aw_buf_free(&out);
    aw_tpl_set_free(set);
    aw_arena_free(a);
    return ok;
}

static void
run_file(const char *file)
{
    char path[4096];
    json_error_t jerr;
    const char *dir = getenv("AW_SOURCE_DIR");
    size_t ran = 0, failed = 0, i;
    json_t *tc;

    if (dir == NULL)
        dir = ".";
    int n = snprintf(path, sizeof(path), "%s/tests/data/mustache-spec/%s", dir, file);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);

    json_array_foreach(json_object_get(root, "tests"), i, tc)
    {
        ran++;
        if (!run_case(tc, file))
            failed++;
    }
    json_decref(root);
    print_message("%s: %zu cases, %zu passed, %zu failed\n", file, ran, ran - failed, failed);
    assert_true(ran > 0);
    assert_int_equal(failed, 0);
}

static void
test_comments(void **state)
{
    (void)state;
    run_file("comments.json");
}

static void
test_delimiters(void **state)
{
    (void)state;
    run_file("delimiters.json");
}

static void
test_interpolation(void **state)
{
    (void)state;
    run_file("interpolation.json");
}

static void
test_inverted(void **state)
{
    (void)state;
    run_file("inverted.json");
}

static void
test_partials(void **state)
{
    (void)state;
    run_file("partials.json");
}

static void
test_sections(void **state)
{
    (void)state;
    run_file("sections.json");
}

static void
test_inheritance(void **state)
{
    (void)state;
    run_file("~inheritance.json");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments),      cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_interpolation), cmocka_unit_test(test_inverted),
        cmocka_unit_test(test_partials),      cmocka_unit_test(test_sections),
        cmocka_unit_test(test_inheritance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
