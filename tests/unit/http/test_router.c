/* test_router.c: table-driven tests of aw_route_find (http_router.c):
 * literal and {name} segments, trailing slashes decided by the pattern,
 * HEAD answered by GET routes, 405 Allow lists, the 8-parameter cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aw/http.h"

#include <stdio.h>
#include <string.h>

static void
h(struct aw_req *req)
{
    (void)req;
}

static const struct aw_route routes[] = {
    /* 0 */ {"GET", "/", h, NULL, "root"},
    /* 1 */ {"GET", "/{lang}/", h, NULL, "home"},
    /* 2 */ {"GET", "/{lang}/editions/{year}", h, NULL, "edition"},
    /* 3 */ {"POST", "/{lang}/submit", h, NULL, "submit"},
    /* 4 */ {"GET", "/{lang}/submit", h, NULL, "submit"},
    /* 5 */ {"PUT", "/api/items/{id}", h, NULL, NULL},
    /* 6 */ {"DELETE", "/api/items/{id}", h, NULL, NULL},
    /* 7 */ {"HEAD", "/only-head", h, NULL, NULL},
    /* 8 */ {"GET", "/a/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}", h, NULL, "eight"},
    /* 9 */ {"GET", "/b/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}", h, NULL, NULL},
    /* 10 */ {"GET", "/about", h, NULL, NULL},
    /* 11 */ {"GET", "/en/about", h, NULL, NULL},
    /* 12 */ {"HEAD", "/both", h, NULL, NULL},
    /* 13 */ {"GET", "/both", h, NULL, NULL},
    /* 14 */ {"GET", "/x{y}", h, NULL, NULL},
};

struct rcase {
    const char *method;
    const char *path;
    enum aw_route_match want;
    int route;          /* index in routes when found */
    const char *allow;  /* expected Allow when BAD_METHOD */
    const char *params; /* "name=value;..." expected when found */
};

static const struct rcase cases[] = {
    {"GET", "/", AW_ROUTE_FOUND, 0, NULL, ""},
    {"HEAD", "/", AW_ROUTE_FOUND, 0, NULL, ""},
    {"POST", "/", AW_ROUTE_BAD_METHOD, -1, "GET, HEAD", NULL},
    {"GET", "", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "en/", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    /* Trailing slashes: the pattern decides. */
    {"GET", "/en/", AW_ROUTE_FOUND, 1, NULL, "lang=en"},
    {"GET", "/en", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "/en//", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "//", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "/about", AW_ROUTE_FOUND, 10, NULL, ""},
    /* ... and "/about/" is "/{lang}/" with lang "about": patterns decide. */
    {"GET", "/about/", AW_ROUTE_FOUND, 1, NULL, "lang=about"},
    /* Literal routes are found in table order; "/en/about" is literal. */
    {"GET", "/en/about", AW_ROUTE_FOUND, 11, NULL, ""},
    /* Captures. */
    {"GET", "/fr/editions/2024", AW_ROUTE_FOUND, 2, NULL, "lang=fr;year=2024"},
    {"GET", "/fr/editions/", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "/fr/editions/2024/", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "/fr/editions", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "//editions/2024", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    /* Methods. */
    {"POST", "/de/submit", AW_ROUTE_FOUND, 3, NULL, "lang=de"},
    {"GET", "/de/submit", AW_ROUTE_FOUND, 4, NULL, "lang=de"},
    {"HEAD", "/de/submit", AW_ROUTE_FOUND, 4, NULL, "lang=de"},
    {"PUT", "/de/submit", AW_ROUTE_BAD_METHOD, -1, "POST, GET, HEAD", NULL},
    {"get", "/de/submit", AW_ROUTE_BAD_METHOD, -1, "POST, GET, HEAD", NULL},
    {"GET", "/api/items/7", AW_ROUTE_BAD_METHOD, -1, "PUT, DELETE", NULL},
    {"HEAD", "/api/items/7", AW_ROUTE_BAD_METHOD, -1, "PUT, DELETE", NULL},
    {"DELETE", "/api/items/7", AW_ROUTE_FOUND, 6, NULL, "id=7"},
    {"HEAD", "/only-head", AW_ROUTE_FOUND, 7, NULL, ""},
    {"GET", "/only-head", AW_ROUTE_BAD_METHOD, -1, "HEAD", NULL},
    /* An explicit HEAD route wins over the GET one for HEAD. */
    {"HEAD", "/both", AW_ROUTE_FOUND, 12, NULL, ""},
    {"GET", "/both", AW_ROUTE_FOUND, 13, NULL, ""},
    {"POST", "/both", AW_ROUTE_BAD_METHOD, -1, "HEAD, GET", NULL},
    /* Eight captures fit; nine never match. */
    {"GET", "/a/1/2/3/4/5/6/7/8", AW_ROUTE_FOUND, 8, NULL,
     "p1=1;p2=2;p3=3;p4=4;p5=5;p6=6;p7=7;p8=8"},
    {"GET", "/b/1/2/3/4/5/6/7/8/9", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    /* "{y}" only captures a whole segment. */
    {"GET", "/x{y}", AW_ROUTE_FOUND, 14, NULL, ""},
    {"GET", "/xz", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
    {"GET", "/nothing/here", AW_ROUTE_NOT_FOUND, -1, NULL, NULL},
};

static void
params_text(const struct aw_route_params *p, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        int n = snprintf(out + o, outlen - o, "%s%.*s=%.*s", i ? ";" : "", (int)p->p[i].name.len,
                         p->p[i].name.ptr, (int)p->p[i].value.len, p->p[i].value.ptr);
        assert_true(n > 0 && (size_t)n < outlen - o);
        o += (size_t)n;
    }
}

static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct rcase *c = &cases[i];
        const struct aw_route *found = (const void *)1;
        struct aw_route_params params;
        char allow[64], ptext[256];
        memset(allow, 'x', sizeof(allow));
        enum aw_route_match m = aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), c->method,
                                              c->path, &found, &params, allow, sizeof(allow));
        print_message("case %zu: %s %s\n", i, c->method, c->path);
        assert_int_equal(m, c->want);
        if (m == AW_ROUTE_FOUND) {
            assert_ptr_equal(found, &routes[c->route]);
            params_text(&params, ptext, sizeof(ptext));
            assert_string_equal(ptext, c->params);
        } else {
            assert_null(found);
            assert_int_equal(params.n, 0);
        }
        if (m == AW_ROUTE_BAD_METHOD)
            assert_string_equal(allow, c->allow);
        else
            assert_string_equal(allow, "");
    }
}

/* Params point into the path and the pattern; values are slices. */
static void
test_params_are_slices(void **state)
{
    (void)state;
    const char *path = "/pt/editions/1999";
    const struct aw_route *found;
    struct aw_route_params p;
    assert_int_equal(
        aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), "GET", path, &found, &p, NULL, 0),
        AW_ROUTE_FOUND);
    assert_int_equal(p.n, 2);
    assert_ptr_equal(p.p[0].value.ptr, path + 1);
    assert_int_equal(p.p[0].value.len, 2);
    assert_ptr_equal(p.p[1].value.ptr, path + 13);
    assert_int_equal(p.p[1].value.len, 4);
}

/* A small Allow buffer is truncated at a whole method, never overflowed. */
static void
test_allow_small_buffer(void **state)
{
    (void)state;
    char allow[10];
    memset(allow, 'x', sizeof(allow));
    assert_int_equal(aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), "PUT", "/de/submit",
                                   NULL, NULL, allow, sizeof(allow)),
                     AW_ROUTE_BAD_METHOD);
    assert_string_equal(allow, "POST, GET");
    assert_int_equal(aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), "PUT", "/de/submit",
                                   NULL, NULL, allow, 1),
                     AW_ROUTE_BAD_METHOD);
    assert_string_equal(allow, "");
}

static void
test_null_inputs(void **state)
{
    (void)state;
    const struct aw_route *found;
    assert_int_equal(aw_route_find(NULL, 0, "GET", "/", &found, NULL, NULL, 0), AW_ROUTE_NOT_FOUND);
    assert_int_equal(aw_route_find(routes, 1, NULL, "/", &found, NULL, NULL, 0),
                     AW_ROUTE_NOT_FOUND);
    assert_int_equal(aw_route_find(routes, 1, "GET", NULL, &found, NULL, NULL, 0),
                     AW_ROUTE_NOT_FOUND);
    assert_int_equal(aw_route_find(routes, 1, "GET", "/", NULL, NULL, NULL, 0), AW_ROUTE_FOUND);
}

static void
test_reason(void **state)
{
    (void)state;
    assert_string_equal(aw_http_reason(200), "OK");
    assert_string_equal(aw_http_reason(404), "Not Found");
    assert_string_equal(aw_http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(aw_http_reason(799), "Unknown");
}

/* Reverse routing: each path built from a name is found again, with the same captures. */
static void
test_reverse(void **state)
{
    (void)state;
    struct aw_arena *a = aw_arena_new(0);
    static const struct {
        const char *name;
        const char *params[8];
        size_t n;
        const char *want; /* NULL: refused */
        int route;        /* the row the path finds again */
    } rev[] = {
        {"root", {NULL}, 0, "/", 0},
        {"home", {"en"}, 1, "/en/", 1},
        {"edition", {"fr", "2017"}, 2, "/fr/editions/2017", 2},
        {"submit", {"en"}, 1, "/en/submit", 3},
        {"eight", {"1", "2", "3", "4", "5", "6", "7", "8"}, 8, "/a/1/2/3/4/5/6/7/8", 8},
        /* every byte outside the unreserved set is encoded */
        {"edition", {"en", "a b?c#d%e"}, 2, "/en/editions/a%20b%3Fc%23d%25e", 2},
        {"edition", {"en", "\xc3\xa9t\xc3\xa9"}, 2, "/en/editions/%C3%A9t%C3%A9", 2},
        {"edition", {"en", "A-Z_a.z~09"}, 2, "/en/editions/A-Z_a.z~09", 2},
        /* refused: unknown name, wrong count, empty or '/' in a value */
        {"nope", {"en"}, 1, NULL, 0},
        {"edition", {"en"}, 1, NULL, 0},
        {"edition", {"en", "2017", "x"}, 3, NULL, 0},
        {"home", {NULL}, 0, NULL, 0},
        {"edition", {"en", ""}, 2, NULL, 0},
        {"edition", {"en", "20/17"}, 2, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(rev) / sizeof(rev[0]); i++) {
        const char *p = aw_route_path(routes, sizeof(routes) / sizeof(routes[0]), a, rev[i].name,
                                      rev[i].params, rev[i].n);
        print_message("%s -> %s\n", rev[i].name, p ? p : "(refused)");
        if (!rev[i].want) {
            assert_null(p);
            continue;
        }
        assert_non_null(p);
        assert_string_equal(p, rev[i].want);
        if (strchr(p, '%'))
            continue; /* the matcher takes decoded paths: the HTTP layer decodes first */
        const struct aw_route *found = NULL;
        struct aw_route_params params;
        const char *method = routes[rev[i].route].method;
        assert_int_equal(aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), method, p,
                                       &found, &params, NULL, 0),
                         AW_ROUTE_FOUND);
        assert_ptr_equal(found, &routes[rev[i].route]);
        assert_int_equal(params.n, rev[i].n);
        for (size_t k = 0; k < params.n; k++)
            assert_true(aw_str_eq_c(params.p[k].value, rev[i].params[k]));
    }
    aw_arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_reverse),
        cmocka_unit_test(test_params_are_slices),
        cmocka_unit_test(test_allow_small_buffer),
        cmocka_unit_test(test_null_inputs),
        cmocka_unit_test(test_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
