/* test_log.c: unit tests for the logger (src/core/core_log.c): aw_log_repr escaping and
 * truncation, level names, lines below the level not evaluated, the shape of a log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define B(s) s, sizeof(s) - 1

static const struct {
    const char *in;
    size_t n;
    size_t dstlen;
    const char *out;
} repr_cases[] = {
    {B(""), 64, ""},
    {B("plain text 123"), 64, "plain text 123"},
    {B("say \"hi\""), 64, "say \\\"hi\\\""},
    {B("back\\slash"), 64, "back\\\\slash"},
    {B("line\nbreak"), 64, "line\\x0abreak"},
    {B("cr\r\n"), 64, "cr\\x0d\\x0a"},
    {B("\t"), 64, "\\x09"},
    {B("nul\0byte"), 64, "nul\\x00byte"},
    {B("\x1b[31mred"), 64, "\\x1b[31mred"},
    {B("del\x7f"), 64, "del\\x7f"},
    {B("\xc3\xa9"), 64, "\\xc3\\xa9"},
    {B("\xff"), 64, "\\xff"},
    {B("~ <a href='x'>"), 64, "~ <a href='x'>"},
    /* truncation: always NUL-terminated, never half an escape */
    {B("abcdef"), 4, "abc"},
    {B("abc"), 4, "abc"},
    {B("abcd"), 4, "abc"},
    {B("ab\ncd"), 4, "ab"},
    {B("ab\ncd"), 7, "ab\\x0a"},
    {B("ab\ncd"), 6, "ab"},
    {B("\n"), 5, "\\x0a"},
    {B("\n"), 4, ""},
    {B("a\"b"), 3, "a"},
    {B("a\"b"), 4, "a\\\""},
    {B("xyz"), 1, ""},
};

static void
test_repr(void **state)
{
    (void)state;
    for (size_t i = 0; i < AW_NELEM(repr_cases); i++) {
        char dst[64];
        memset(dst, '#', sizeof(dst));
        char *r = aw_log_repr(dst, repr_cases[i].dstlen, repr_cases[i].in, repr_cases[i].n);
        assert_ptr_equal(r, dst);
        if (strcmp(dst, repr_cases[i].out) != 0)
            fail_msg("repr case %zu: got \"%s\", expected \"%s\"", i, dst, repr_cases[i].out);
        assert_true(strlen(dst) < repr_cases[i].dstlen);
        /* Nothing written past dstlen. */
        for (size_t k = repr_cases[i].dstlen; k < sizeof(dst); k++)
            assert_int_equal(dst[k], '#');
    }
}

static void
test_repr_zero_size(void **state)
{
    (void)state;
    char dst[4] = "###";
    aw_log_repr(dst, 0, "abc", 3);
    assert_string_equal(dst, "###");
}

/* Every output byte is printable ASCII, whatever the input. */
static void
test_repr_all_bytes(void **state)
{
    (void)state;
    char in[256], out[256 * 4 + 1];
    for (int i = 0; i < 256; i++)
        in[i] = (char)i;
    aw_log_repr(out, sizeof(out), in, sizeof(in));
    assert_int_equal(strlen(out), 95 - 2 + 2 * 2 + (256 - 95) * 4);
    for (const char *p = out; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void
test_level_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int rc;
        enum aw_log_level lvl;
    } cases[] = {
        {"debug", 0, AW_LOG_DEBUG},   {"info", 0, AW_LOG_INFO}, {"warn", 0, AW_LOG_WARN},
        {"error", 0, AW_LOG_ERROR},   {"off", 0, AW_LOG_OFF},   {"", -1, AW_LOG_INFO},
        {"warning", -1, AW_LOG_INFO}, {"inf", -1, AW_LOG_INFO}, {"info ", -1, AW_LOG_INFO},
        {"DEBUGX", -1, AW_LOG_INFO},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        enum aw_log_level got = AW_LOG_INFO;
        int rc = aw_log_level_parse(cases[i].s, &got);
        if (rc != cases[i].rc)
            fail_msg("level \"%s\": rc %d", cases[i].s, rc);
        if (rc == 0)
            assert_int_equal(got, cases[i].lvl);
    }
}

static int evaluated;

static int
side_effect(void)
{
    return ++evaluated;
}

/* Reads what the logger wrote to the pipe so far. */
static size_t
drain(int fd, char *buf, size_t len)
{
    ssize_t n = read(fd, buf, len - 1);
    if (n < 0)
        n = 0;
    buf[n] = '\0';
    return (size_t)n;
}

static void
test_levels_and_line_shape(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    aw_log_set_fd(p[1]);
    aw_log_set_level(AW_LOG_WARN);

    char buf[8192];
    evaluated = 0;
    AW_DEBUG("not shown %d", side_effect());
    AW_INFO("not shown %d", side_effect());
    assert_int_equal(evaluated, 0); /* arguments below the level are not evaluated */
    assert_int_equal(drain(p[0], buf, sizeof(buf)), 0);

    AW_WARN("shown %d", side_effect());
    assert_int_equal(evaluated, 1);
    size_t n = drain(p[0], buf, sizeof(buf));
    assert_true(n > 0);
    /* 2024-01-01T00:00:00Z warn test_log.c:LINE: shown 1\n */
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(buf[4], '-');
    assert_int_equal(buf[10], 'T');
    assert_int_equal(buf[19], 'Z');
    assert_non_null(strstr(buf, " warn test_log.c:"));
    assert_non_null(strstr(buf, ": shown 1\n"));
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1); /* exactly one line */

    AW_ERROR("bad %s", "thing");
    n = drain(p[0], buf, sizeof(buf));
    assert_non_null(strstr(buf, " error test_log.c:"));

    aw_log_set_level(AW_LOG_OFF);
    AW_ERROR("silenced %d", side_effect());
    assert_int_equal(evaluated, 1);
    assert_int_equal(drain(p[0], buf, sizeof(buf)), 0);

    /* A very long message is cut to one line that still ends in a newline. */
    aw_log_set_level(AW_LOG_DEBUG);
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    AW_INFO("%s", big);
    n = drain(p[0], buf, sizeof(buf));
    assert_true(n > 100 && n <= 2048);
    assert_int_equal(buf[n - 1], '\n');
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);

    /* Whatever the message holds, it stays one line that nothing on it can reorder:
     * controls and direction controls are written as \xNN; other text is kept. */
    AW_WARN("unescaped %s", "a\nb\r\tc\x1b[31m \xe2\x80\xae"
                            "d \xe2\x81\xa8"
                            "e\xe2\x81\xa9 "
                            "\xe2\x80\x8f \xd8\x9c \xc2\x9b caf\xc3\xa9");
    n = drain(p[0], buf, sizeof(buf));
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
    assert_non_null(strstr(buf, ": unescaped a\\x0ab\\x0d\\x09c\\x1b[31m \\xe2\\x80\\xaed "
                                "\\xe2\\x81\\xa8"
                                "e\\xe2\\x81\\xa9 \\xe2\\x80\\x8f \\xd8\\x9c "
                                "\\xc2\\x9b caf\xc3\xa9\n"));
    /* escapes are never cut in half at the end of a long line */
    memset(big, '\n', sizeof(big) - 1);
    AW_INFO("%s", big);
    n = drain(p[0], buf, sizeof(buf));
    assert_true(n > 100 && n <= 2048);
    assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
    assert_int_equal(buf[n - 2], 'a'); /* ...\x0a */

    aw_log_set_fd(2);
    aw_log_set_level(AW_LOG_INFO);
    close(p[0]);
    close(p[1]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_repr_zero_size),
        cmocka_unit_test(test_repr_all_bytes),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_levels_and_line_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
