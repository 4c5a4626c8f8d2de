/* test_arena.c: unit tests for the request arena (src/core/core_arena.c): alignment, large
 * allocations next to small ones, zeroing, string copies, printf and deferred cleanups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"

#include <stdio.h>
#include <string.h>

#define ALIGN 16

static int
aligned(const void *p)
{
    return ((uintptr_t)p % ALIGN) == 0 && ((uintptr_t)p % _Alignof(max_align_t)) == 0;
}

static void
test_alignment(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 4095, 4096, 5000};
    struct aw_arena *a = aw_arena_new(1024);
    for (size_t round = 0; round < 3; round++) {
        for (size_t i = 0; i < AW_NELEM(sizes); i++) {
            unsigned char *p = aw_arena_alloc(a, sizes[i]);
            assert_non_null(p);
            assert_true(aligned(p));
            memset(p, 0xAB, sizes[i]); /* the whole size is usable (ASan checks) */
        }
    }
    aw_arena_free(a);
}

static void
test_default_block_size(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(0);
    char *p = aw_arena_alloc(a, 8000);
    memset(p, 1, 8000);
    assert_true(aligned(p));
    aw_arena_free(a);
}

/* Writes a distinct pattern into every allocation, then checks none was overwritten: blocks and
 * allocations never overlap, whatever mix of small and large sizes. */
static void
test_large_and_small_do_not_overlap(void **state)
{
    (void)state;
    static const size_t sizes[] = {10, 100000, 20, 3000, 1, 512, 513, 70000, 8, 600, 16, 4096};
    struct {
        unsigned char *p;
        size_t n;
    } got[AW_NELEM(sizes) * 4];
    size_t ngot = 0, total = 0;
    struct aw_arena *a = aw_arena_new(1024);
    for (size_t round = 0; round < 4; round++) {
        for (size_t i = 0; i < AW_NELEM(sizes); i++) {
            unsigned char *p = aw_arena_alloc(a, sizes[i]);
            assert_true(aligned(p));
            memset(p, (int)(ngot + 1), sizes[i]);
            got[ngot].p = p;
            got[ngot].n = sizes[i];
            ngot++;
            total += sizes[i];
        }
    }
    for (size_t k = 0; k < ngot; k++)
        for (size_t j = 0; j < got[k].n; j++)
            assert_int_equal(got[k].p[j], (unsigned char)(k + 1));
    assert_int_equal(aw_arena_used(a), total);
    aw_arena_free(a);
}

static void
test_zalloc_calloc(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(256);
    /* Dirty the first block so that zeroing is observable. */
    memset(aw_arena_alloc(a, 200), 0xFF, 200);
    unsigned char *z = aw_arena_zalloc(a, 300);
    for (size_t i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    uint32_t *c = aw_arena_calloc(a, 50, sizeof(uint32_t));
    assert_true(aligned(c));
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(c[i], 0);
    assert_non_null(aw_arena_calloc(a, 0, 8));
    assert_non_null(aw_arena_zalloc(a, 0));
    aw_arena_free(a);
}

static void
test_strdup(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(64);
    assert_null(aw_arena_strdup(a, NULL));
    assert_null(aw_arena_strndup(a, NULL, 3));
    const char *src = "hello world";
    char *d = aw_arena_strdup(a, src);
    assert_string_equal(d, src);
    assert_ptr_not_equal(d, src);
    assert_string_equal(aw_arena_strndup(a, src, 5), "hello");
    assert_string_equal(aw_arena_strndup(a, src, 0), "");
    assert_string_equal(aw_arena_strdup(a, ""), "");
    /* Longer than a block. */
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_string_equal(aw_arena_strdup(a, big), big);
    aw_arena_free(a);
}

static char *vprintf_helper(struct aw_arena *a, const char *fmt, ...) AW_PRINTF(2, 3);

static char *
vprintf_helper(struct aw_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = aw_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static void
test_printf(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(64);
    assert_string_equal(aw_arena_printf(a, "%s-%d-%zu", "x", -3, (size_t)42), "x--3-42");
    assert_string_equal(aw_arena_printf(a, "%s", ""), "");
    assert_string_equal(vprintf_helper(a, "%04d/%s", 7, "y"), "0007/y");
    char *long_s = aw_arena_printf(a, "%0500d", 1);
    assert_int_equal(strlen(long_s), 500);
    assert_int_equal(long_s[499], '1');
    assert_int_equal(long_s[0], '0');
    aw_arena_free(a);
}

struct order {
    int seen[8];
    int n;
};
struct defer_arg {
    struct order *order;
    int id;
};

static void
record(void *p)
{
    struct defer_arg *d = p;
    d->order->seen[d->order->n++] = d->id;
}

static void
test_defer_reverse_order(void **state)
{
    (void)state;
    struct order order = {{0}, 0};
    struct aw_arena *a = aw_arena_new(128);
    for (int i = 0; i < 5; i++) {
        struct defer_arg *d = aw_arena_alloc(a, sizeof(*d)); /* args may live in the arena */
        d->order = &order;
        d->id = i;
        aw_arena_defer(a, record, d);
        (void)aw_arena_alloc(a, 100); /* spread over several blocks */
    }
    assert_int_equal(order.n, 0);
    aw_arena_free(a);
    assert_int_equal(order.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(order.seen[i], 4 - i);
}

/* A cleanup may still allocate from its arena and register another cleanup. */
struct nested {
    struct aw_arena *a;
    struct order *order;
};

static void
late(void *p)
{
    struct order *o = p;
    o->seen[o->n++] = 99;
}

static void
allocating_cleanup(void *p)
{
    struct nested *n = p;
    char *s = aw_arena_strdup(n->a, "still usable");
    assert_string_equal(s, "still usable");
    n->order->seen[n->order->n++] = 1;
    aw_arena_defer(n->a, late, n->order);
}

static void
test_defer_may_allocate(void **state)
{
    (void)state;
    struct order order = {{0}, 0};
    struct aw_arena *a = aw_arena_new(64);
    struct nested *n = aw_arena_alloc(a, sizeof(*n));
    n->a = a;
    n->order = &order;
    aw_arena_defer(a, allocating_cleanup, n);
    aw_arena_free(a);
    assert_int_equal(order.n, 2);
    assert_int_equal(order.seen[0], 1);
    assert_int_equal(order.seen[1], 99);
}

static void
test_free_null(void **state)
{
    (void)state;
    aw_arena_free(NULL);
    struct aw_arena *a = aw_arena_new(0);
    assert_int_equal(aw_arena_used(a), 0);
    aw_arena_free(a); /* empty arena */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_default_block_size),
        cmocka_unit_test(test_large_and_small_do_not_overlap),
        cmocka_unit_test(test_zalloc_calloc),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_defer_reverse_order),
        cmocka_unit_test(test_defer_may_allocate),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
