/* test_view.c: the view tree (view.h): maps, lists, scalars, accessors and
 * Mustache truthiness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "aw/arena.h"
#include "aw/view.h"

#include <stdio.h>
#include <string.h>

static int
setup(void **state)
{
    *state = aw_arena_new(0);
    return 0;
}

static int
teardown(void **state)
{
    aw_arena_free(*state);
    return 0;
}

static void
test_scalars(void **state)
{
    struct aw_arena *a = *state;
    size_t len = 99;

    assert_int_equal(aw_view_type(aw_view_int(a, -7)), AW_VIEW_INT);
    assert_int_equal(aw_view_as_int(aw_view_int(a, INT64_MIN)), INT64_MIN);
    assert_true(aw_view_as_num(aw_view_num(a, 1.25)) == 1.25);
    assert_true(aw_view_as_bool(aw_view_bool(a, true)));
    assert_int_equal(aw_view_type(aw_view_null(a)), AW_VIEW_NULL);
    assert_int_equal(aw_view_type(aw_view_str(a, NULL)), AW_VIEW_NULL);
    assert_string_equal(aw_view_as_str(aw_view_str(a, "hello"), &len), "hello");
    assert_int_equal(len, 5);
    assert_memory_equal(aw_view_as_str(aw_view_strn(a, "abcdef", 3), &len), "abc", 3);
    assert_int_equal(len, 3);

    size_t hn;
    const char *h =
        aw_html_bytes(aw_view_as_html(aw_view_html(a, AW_HTML_LIT(a, "<b>x</b>"))), &hn);
    assert_int_equal(hn, 8);
    assert_memory_equal(h, "<b>x</b>", 8);

    /* Wrong types give 0 / NULL / false. */
    struct aw_view *s = aw_view_str(a, "1");
    assert_int_equal(aw_view_as_int(s), 0);
    assert_true(aw_view_as_num(s) == 0.0);
    assert_false(aw_view_as_bool(s));
    assert_null(aw_view_as_html(s));
    assert_null(aw_view_as_str(aw_view_int(a, 1), &len));
    assert_int_equal(len, 0);
    assert_null(aw_view_as_str(aw_view_html(a, AW_HTML_LIT(a, "x")), NULL));
    assert_int_equal(aw_view_type(NULL), AW_VIEW_NULL);
}

static void
test_map(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *m = aw_view_map(a);

    assert_int_equal(aw_view_type(m), AW_VIEW_MAP);
    assert_null(aw_view_get(m, "x", 1));
    aw_view_set_str(m, "name", "Ada");
    aw_view_set_int(m, "year", 2025);
    aw_view_set_bool(m, "open", true);
    aw_view_set_html(m, "body", AW_HTML_LIT(a, "<p>hi</p>"));
    aw_view_set(m, "nothing", NULL); /* NULL value: stored as null */

    assert_string_equal(aw_view_as_str(aw_view_get(m, "name", 4), NULL), "Ada");
    assert_int_equal(aw_view_as_int(aw_view_get(m, "year", 4)), 2025);
    assert_true(aw_view_as_bool(aw_view_get(m, "open", 4)));
    assert_int_equal(aw_view_type(aw_view_get(m, "body", 4)), AW_VIEW_HTML);
    assert_non_null(aw_view_get(m, "nothing", 7));
    assert_int_equal(aw_view_type(aw_view_get(m, "nothing", 7)), AW_VIEW_NULL);

    /* Keys are byte slices: "na" is not "name", and a prefix length matches. */
    assert_null(aw_view_get(m, "na", 2));
    assert_non_null(aw_view_get(m, "names", 4));

    /* Setting an existing key replaces its value. */
    aw_view_set_str(m, "name", "Grace");
    assert_string_equal(aw_view_as_str(aw_view_get(m, "name", 4), NULL), "Grace");

    /* Nested containers; setters return the child for chaining. */
    struct aw_view *child = aw_view_set_map(m, "child");
    aw_view_set_str(child, "k", "v");
    assert_string_equal(aw_view_as_str(aw_view_get(aw_view_get(m, "child", 5), "k", 1), NULL), "v");
    struct aw_view *l = aw_view_set_list(m, "items");
    assert_int_equal(aw_view_type(aw_view_get(m, "items", 5)), AW_VIEW_LIST);
    assert_ptr_equal(aw_view_get(m, "items", 5), l);

    /* Many keys: the map grows and keeps every entry. */
    static char keys[100][8];
    for (int i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        aw_view_set_int(m, keys[i], i);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(aw_view_as_int(aw_view_get(m, keys[i], strlen(keys[i]))), i);
    assert_int_equal(aw_view_len(m), 0); /* length is for lists */
}

static void
test_list(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *l = aw_view_list(a);

    assert_int_equal(aw_view_len(l), 0);
    assert_null(aw_view_at(l, 0));
    for (int i = 0; i < 1000; i++)
        aw_view_push(l, aw_view_int(a, i));
    assert_int_equal(aw_view_len(l), 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(aw_view_as_int(aw_view_at(l, (size_t)i)), i);
    assert_null(aw_view_at(l, 1000));

    struct aw_view *m = aw_view_push_map(l);
    aw_view_set_str(m, "x", "y");
    assert_ptr_equal(aw_view_at(l, 1000), m);
    aw_view_push(l, NULL);
    assert_int_equal(aw_view_type(aw_view_at(l, 1001)), AW_VIEW_NULL);
}

/* Misuse is harmless: setters on non-maps store nothing, getters find nothing. */
static void
test_wrong_containers(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *s = aw_view_str(a, "x");
    struct aw_view *v = aw_view_int(a, 1);

    assert_ptr_equal(aw_view_set(s, "k", v), v);
    assert_null(aw_view_get(s, "k", 1));
    assert_null(aw_view_set_str(s, "k", "v"));
    assert_null(aw_view_set_map(s, "k"));
    assert_ptr_equal(aw_view_push(s, v), v);
    assert_null(aw_view_push_map(s));
    assert_null(aw_view_at(s, 0));
    assert_null(aw_view_get(NULL, "k", 1));
    assert_int_equal(aw_view_len(NULL), 0);
}

static void
test_truthy(void **state)
{
    struct aw_arena *a = *state;
    struct aw_view *full = aw_view_list(a);
    aw_view_push(full, aw_view_bool(a, false));
    const struct {
        const struct aw_view *v;
        bool truthy;
    } cases[] = {
        {NULL, false},
        {aw_view_null(a), false},
        {aw_view_bool(a, false), false},
        {aw_view_bool(a, true), true},
        {aw_view_str(a, ""), false},
        {aw_view_str(a, "0"), true},
        {aw_view_str(a, " "), true},
        {aw_view_int(a, 0), true},
        {aw_view_num(a, 0.0), true},
        {aw_view_list(a), false},
        {full, true},
        {aw_view_map(a), true},
        {aw_view_html(a, AW_HTML_LIT(a, "")), false},
        {aw_view_html(a, AW_HTML_LIT(a, "<br>")), true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (aw_view_truthy(cases[i].v) != cases[i].truthy)
            fail_msg("case %zu: truthy should be %d", i, cases[i].truthy);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_containers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truthy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
