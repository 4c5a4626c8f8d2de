/* test_buf.c: unit tests for the bounded buffer (src/core/core_buf.c): the maximum at max-1,
 * max and max+1, the sticky AW_ETOOBIG, reset, steal, printf and growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/buf.h"

#include <stdlib.h>
#include <string.h>

/* One append of `n` bytes into an empty buffer of maximum `max`. */
static const struct {
    size_t max;
    size_t n;
    enum aw_err err;
} one_append[] = {
    {0, 0, AW_OK},       {0, 1, AW_ETOOBIG},       {1, 0, AW_OK},          {1, 1, AW_OK},
    {1, 2, AW_ETOOBIG},  {10, 9, AW_OK},           {10, 10, AW_OK},        {10, 11, AW_ETOOBIG},
    {255, 255, AW_OK},   {256, 256, AW_OK},        {256, 257, AW_ETOOBIG}, {4096, 4095, AW_OK},
    {4096, 4096, AW_OK}, {4096, 4097, AW_ETOOBIG},
};

static void
test_limit_single_append(void **state)
{
    (void)state;
    char *src = malloc(5000);
    memset(src, 'q', 5000);
    for (size_t i = 0; i < AW_NELEM(one_append); i++) {
        struct aw_buf b = AW_BUF_INIT(one_append[i].max);
        aw_buf_append(&b, src, one_append[i].n);
        assert_int_equal(aw_buf_err(&b), one_append[i].err);
        if (one_append[i].err == AW_OK) {
            assert_int_equal(b.len, one_append[i].n);
            assert_int_equal(strlen(aw_buf_cstr(&b)), one_append[i].n);
        } else {
            assert_int_equal(b.len, 0); /* an append that does not fit is dropped whole */
        }
        aw_buf_free(&b);
    }
    free(src);
}

/* Filling up to max-1, max, max+1 in small steps; then the error sticks. */
static void
test_limit_incremental_and_sticky(void **state)
{
    (void)state;
    static const struct {
        size_t fill; /* bytes appended one at a time */
        enum aw_err err;
        size_t len;
    } cases[] = {
        {15, AW_OK, 15},      /* max-1 */
        {16, AW_OK, 16},      /* max */
        {17, AW_ETOOBIG, 16}, /* max+1: the last byte is dropped */
        {40, AW_ETOOBIG, 16},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        struct aw_buf b;
        aw_buf_init(&b, 16);
        for (size_t k = 0; k < cases[i].fill; k++)
            aw_buf_putc(&b, (char)('a' + k % 26));
        assert_int_equal(aw_buf_err(&b), cases[i].err);
        assert_int_equal(b.len, cases[i].len);
        assert_int_equal(strlen(aw_buf_cstr(&b)), cases[i].len);
        if (cases[i].err != AW_OK) {
            aw_buf_putc(&b, 'z');
            aw_buf_printf(&b, "%d", 1);
            assert_int_equal(aw_buf_err(&b), AW_ETOOBIG);
            assert_int_equal(b.len, cases[i].len);
        }
        aw_buf_free(&b);
    }
}

/* Sticky: after one append is refused, even appends that would fit are dropped. */
static void
test_sticky_error(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(16);
    aw_buf_puts(&b, "0123456789");
    aw_buf_puts(&b, "0123456789"); /* 20 > 16: refused */
    assert_int_equal(aw_buf_err(&b), AW_ETOOBIG);
    aw_buf_puts(&b, "x"); /* 11 <= 16, but the error sticks */
    aw_buf_append(&b, "y", 1);
    aw_buf_printf(&b, "%d", 1);
    assert_int_equal(aw_buf_err(&b), AW_ETOOBIG);
    assert_string_equal(aw_buf_cstr(&b), "0123456789");
    aw_buf_free(&b);
    assert_int_equal(aw_buf_err(&b), AW_OK); /* free clears it */
}

static void
test_printf_limits(void **state)
{
    (void)state;
    static const struct {
        size_t max;
        int width; /* printf("%0*d", width, 7) */
        enum aw_err err;
    } cases[] = {
        {8, 7, AW_OK}, {8, 8, AW_OK}, {8, 9, AW_ETOOBIG}, {300, 299, AW_OK}, {300, 301, AW_ETOOBIG},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        struct aw_buf b = AW_BUF_INIT(cases[i].max);
        aw_buf_printf(&b, "%0*d", cases[i].width, 7);
        assert_int_equal(aw_buf_err(&b), cases[i].err);
        if (cases[i].err == AW_OK) {
            assert_int_equal(b.len, (size_t)cases[i].width);
            assert_int_equal(aw_buf_cstr(&b)[b.len - 1], '7');
            assert_int_equal(aw_buf_cstr(&b)[b.len], '\0');
        }
        aw_buf_free(&b);
    }
}

static void
test_printf_appends(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(1024);
    aw_buf_puts(&b, "a=");
    aw_buf_printf(&b, "%d", 42);
    aw_buf_printf(&b, ", %s", "b");
    aw_buf_printf(&b, "%s", "");
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_string_equal(aw_buf_cstr(&b), "a=42, b");
    assert_int_equal(b.len, 7);
    aw_buf_free(&b);
}

static void
test_empty_and_cstr(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(100);
    assert_string_equal(aw_buf_cstr(&b), "");
    assert_null(b.ptr);
    aw_buf_append(&b, "", 0);
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_string_equal(aw_buf_cstr(&b), "");
    aw_buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.max, 100); /* free keeps the maximum: the buffer can be reused */
    aw_buf_puts(&b, "again");
    assert_string_equal(aw_buf_cstr(&b), "again");
    aw_buf_free(&b);
}

static void
test_binary_and_growth(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(1 << 20);
    const char bin[] = {'a', '\0', 'b'};
    aw_buf_append(&b, bin, sizeof(bin));
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, bin, 3);
    for (int i = 0; i < 10000; i++)
        aw_buf_putc(&b, (char)('0' + i % 10));
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_int_equal(b.len, 10003);
    assert_true(b.cap > b.len);
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(b.ptr[3 + 9999], '9');
    aw_buf_free(&b);
}

static void
test_reset(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(8);
    aw_buf_puts(&b, "1234");
    char *before = b.ptr;
    size_t cap = b.cap;
    aw_buf_puts(&b, "56789"); /* 9 > 8 */
    assert_int_equal(aw_buf_err(&b), AW_ETOOBIG);
    aw_buf_reset(&b);
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_int_equal(b.len, 0);
    assert_string_equal(aw_buf_cstr(&b), "");
    assert_ptr_equal(b.ptr, before); /* keeps the allocation */
    assert_int_equal(b.cap, cap);
    aw_buf_puts(&b, "12345678");
    assert_int_equal(aw_buf_err(&b), AW_OK);
    assert_string_equal(aw_buf_cstr(&b), "12345678");
    aw_buf_free(&b);

    struct aw_buf never = AW_BUF_INIT(8);
    aw_buf_reset(&never); /* no allocation yet */
    assert_string_equal(aw_buf_cstr(&never), "");
    aw_buf_free(&never);
}

static void
test_steal(void **state)
{
    (void)state;
    struct aw_buf b = AW_BUF_INIT(64);
    size_t len = 99;
    assert_null(aw_buf_steal(&b, &len)); /* nothing appended */
    assert_int_equal(len, 0);

    aw_buf_puts(&b, "stolen");
    char *s = aw_buf_steal(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 6);
    assert_string_equal(s, "stolen");
    /* b is reset and reusable, with the same maximum. */
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 64);
    assert_int_equal(aw_buf_err(&b), AW_OK);
    aw_buf_puts(&b, "new");
    assert_string_equal(aw_buf_cstr(&b), "new");
    assert_string_equal(s, "stolen"); /* the stolen block is independent */
    free(s);

    char *t = aw_buf_steal(&b, NULL); /* len may be NULL */
    assert_string_equal(t, "new");
    free(t);
    aw_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_single_append),
        cmocka_unit_test(test_limit_incremental_and_sticky),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_printf_limits),
        cmocka_unit_test(test_printf_appends),
        cmocka_unit_test(test_empty_and_cstr),
        cmocka_unit_test(test_binary_and_growth),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
