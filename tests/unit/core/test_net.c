/* test_net.c: the trusted_proxies lists (src/core/core_net.c): what parses,
 * what is refused and why, and which addresses each range holds, at the
 * edges of their prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/net.h"

#include <stdio.h>
#include <string.h>

static void
test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t n; /* ranges; (size_t)-1: refused */
        const char *err;
    } cases[] = {
        {"", 0, NULL},
        {" , ", 0, NULL},
        {"127.0.0.1", 1, NULL},
        {"127.0.0.1, ::1", 2, NULL},
        {"10.0.0.0/8 192.168.0.0/16,fd00::/8", 3, NULL},
        {"0.0.0.0/0", 1, NULL},
        {"::/0", 1, NULL},
        {"10.0.0.0/32", 1, NULL},
        {"2001:db8::/128", 1, NULL},
        {"10.0.0.0/33", (size_t)-1, "\"10.0.0.0/33\" is not an IP address or range"},
        {"2001:db8::/129", (size_t)-1, "\"2001:db8::/129\""},
        {"10.0.0.0/", (size_t)-1, "\"10.0.0.0/\""},
        {"10.0.0.0/-1", (size_t)-1, "\"10.0.0.0/-1\""},
        {"10.0.0.0/8x", (size_t)-1, "\"10.0.0.0/8x\""},
        {"localhost", (size_t)-1, "\"localhost\""},
        {"127.0.0.1, 1.2.3.256", (size_t)-1, "\"1.2.3.256\""},
        {"/8", (size_t)-1, "\"/8\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aw_net_list l;
        char err[200] = "";
        bool ok = aw_net_list_parse(cases[i].text, &l, err, sizeof(err));
        print_message("\"%s\" -> %s %s\n", cases[i].text, ok ? "ok" : "refused", err);
        if (cases[i].n == (size_t)-1) {
            assert_false(ok);
            assert_non_null(strstr(err, cases[i].err));
        } else {
            assert_true(ok);
            assert_int_equal(l.n, cases[i].n);
        }
    }
}

static void
test_limit(void **state)
{
    (void)state;
    char text[AW_NET_MAX_RANGES * 16 + 32] = "";
    size_t len = 0;
    for (int i = 0; i < AW_NET_MAX_RANGES; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "10.0.0.%d ", i);
    struct aw_net_list l;
    char err[200];
    assert_true(aw_net_list_parse(text, &l, err, sizeof(err)));
    assert_int_equal(l.n, AW_NET_MAX_RANGES);
    snprintf(text + len, sizeof(text) - len, "10.0.1.1");
    assert_false(aw_net_list_parse(text, &l, err, sizeof(err)));
    assert_non_null(strstr(err, "more than 32"));
}

static void
test_has(void **state)
{
    (void)state;
    static const struct {
        const char *list, *addr;
        bool in;
    } cases[] = {
        {"127.0.0.1", "127.0.0.1", true},
        {"127.0.0.1", "127.0.0.2", false},
        {"127.0.0.1", "::ffff:127.0.0.1", true}, /* the same peer seen over IPv6 */
        {"127.0.0.1", "::1", false},
        {"::1", "::1", true},
        {"::1", "127.0.0.1", false},
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"10.0.0.0/8", "9.255.255.255", false},
        {"10.1.2.3/8", "10.9.9.9", true}, /* host bits ignored */
        {"192.168.1.128/25", "192.168.1.128", true},
        {"192.168.1.128/25", "192.168.1.255", true},
        {"192.168.1.128/25", "192.168.1.127", false},
        {"0.0.0.0/0", "203.0.113.9", true},
        {"0.0.0.0/0", "2001:db8::1", false},
        {"fd00::/8", "fdff:ffff::1", true},
        {"fd00::/8", "fe00::1", false},
        {"2001:db8::/127", "2001:db8::1", true},
        {"2001:db8::/127", "2001:db8::2", false},
        {"", "127.0.0.1", false},
        {"127.0.0.1", "not an address", false},
        {"127.0.0.1", "", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aw_net_list l;
        char err[200];
        assert_true(aw_net_list_parse(cases[i].list, &l, err, sizeof(err)));
        if (aw_net_list_has(&l, cases[i].addr) != cases[i].in)
            fail_msg("\"%s\" in \"%s\": expected %s", cases[i].addr, cases[i].list,
                     cases[i].in ? "yes" : "no");
    }
    assert_false(aw_net_list_has(NULL, "127.0.0.1"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
