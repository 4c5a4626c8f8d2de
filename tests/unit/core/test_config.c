/* test_config.c: unit tests for the configuration table (src/core/core_config.c): defaults,
 * integer bounds at min-1/min/max/max+1 for every entry of the table and at the documented
 * values of the rate limits, booleans, validators, unknown names, file loading with
 * "PATH:LINE:" errors, and environment overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
setup_config(void **state)
{
    struct aw_config *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    aw_config_defaults(c);
    *state = c;
    return 0;
}

static int
teardown_config(void **state)
{
    aw_config_free(*state);
    free(*state);
    return 0;
}

static void
test_defaults(void **state)
{
    struct aw_config *c = *state;
    assert_string_equal(c->db, "");
    assert_string_equal(c->listen, "127.0.0.1:8080");
    assert_string_equal(c->access_log, "-");
    assert_int_equal(c->log_level, AW_LOG_INFO);
    assert_int_equal(c->threads, 0);
    assert_int_equal(c->max_connections, 1024);
    assert_int_equal(c->max_per_ip, 64);
    assert_int_equal(c->max_header_bytes, 16384);
    assert_int_equal(c->max_body_bytes, 1048576);
    assert_int_equal(c->max_url_bytes, 2048);
    assert_int_equal(c->share_per_hour, 10);
    assert_int_equal(c->login_window, 900);
    assert_int_equal(c->login_per_account, 5);
    assert_int_equal(c->login_per_account_all, 50);
    assert_int_equal(c->login_per_address, 20);
    assert_false(c->help_publish_high); /* a person verifies first */
    assert_string_equal(c->day_date, "11-18");
    assert_string_equal(c->languages, "en");
    assert_non_null(c->share_dir);
    assert_non_null(c->day_name);
    assert_non_null(c->organiser);
}

/* Every entry's default passes its own type, bounds and validator. */
static void
test_table_defaults_valid(void **state)
{
    struct aw_config *c = *state;
    size_t n;
    const struct aw_config_entry *t = aw_config_table(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        assert_non_null(t[i].name);
        assert_non_null(t[i].help);
        if (aw_config_set(c, t[i].name, t[i].def, err, sizeof(err)) != AW_OK)
            fail_msg("default of %s rejected: %s", t[i].name, err);
    }
}

static int64_t
get_int(const struct aw_config *c, const struct aw_config_entry *e)
{
    return *(const int64_t *)((const char *)c + e->offset);
}

/* min-1, min, max, max+1 for every integer setting of the table. */
static void
test_int_bounds_from_table(void **state)
{
    struct aw_config *c = *state;
    size_t n, nint = 0;
    const struct aw_config_entry *t = aw_config_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].type != AW_CONF_INT)
            continue;
        nint++;
        const struct {
            int64_t v;
            bool ok;
        } probes[] = {
            {t[i].min - 1, false},
            {t[i].min, true},
            {t[i].max, true},
            {t[i].max + 1, false},
        };
        for (size_t k = 0; k < AW_NELEM(probes); k++) {
            char val[32], err[256] = "";
            snprintf(val, sizeof(val), "%lld", (long long)probes[k].v);
            enum aw_err rc = aw_config_set(c, t[i].name, val, err, sizeof(err));
            if ((rc == AW_OK) != probes[k].ok)
                fail_msg("%s = %s: expected %s (%s)", t[i].name, val,
                         probes[k].ok ? "accepted" : "refused", err);
            if (rc == AW_OK) {
                assert_int_equal(get_int(c, &t[i]), probes[k].v);
            } else {
                assert_int_equal(rc, AW_ECONFIG);
                assert_non_null(strstr(err, t[i].name)); /* the message names the setting */
            }
        }
    }
    assert_true(nint >= 5);
}

static void
test_set_values(void **state)
{
    struct aw_config *c = *state;
    static const struct {
        const char *name, *value;
        bool ok;
    } cases[] = {
        /* integers */
        {"max_url_bytes", "63", false},
        {"max_url_bytes", "64", true},
        {"max_url_bytes", "65536", true},
        {"max_url_bytes", "65537", false},
        {"max_url_bytes", "", false},
        {"max_url_bytes", "12ab", false},
        {"max_url_bytes", "1e3", false},
        {"max_url_bytes", "99999999999999999999999", false},
        {"max_body_bytes", "0", true},
        {"max_body_bytes", "-1", false},
        /* booleans */
        {"help_publish_high", "yes", true},
        {"help_publish_high", "no", true},
        {"help_publish_high", "true", true},
        {"help_publish_high", "false", true},
        {"help_publish_high", "on", true},
        {"help_publish_high", "off", true},
        {"help_publish_high", "1", true},
        {"help_publish_high", "0", true},
        {"help_publish_high", "maybe", false},
        {"help_publish_high", "", false},
        {"help_publish_high", "2", false},
        /* log level */
        {"log_level", "debug", true},
        {"log_level", "off", true},
        {"log_level", "verbose", false},
        /* validators */
        {"listen", "127.0.0.1:8080", true},
        {"listen", "[::1]:8080", true},
        {"listen", ":8080", true},
        {"listen", "127.0.0.1:0", true},
        {"listen", "127.0.0.1:65535", true},
        {"listen", "127.0.0.1:65536", false},
        {"listen", "127.0.0.1:-1", false},
        {"listen", "127.0.0.1", false},
        {"listen", "127.0.0.1:", false},
        {"listen", "127.0.0.1:80x", false},
        {"day_date", "11-18", true},
        {"day_date", "01-01", true},
        {"day_date", "12-31", true},
        {"day_date", "13-01", false},
        {"day_date", "00-10", false},
        {"day_date", "11-32", false},
        {"day_date", "11-00", false},
        {"day_date", "1-18", false},
        {"day_date", "11/18", false},
        {"day_date", " 1-18", false},
        {"day_date", "+1-18", false},
        {"day_date", "11-+8", false},
        {"day_date", "11-18x", false},
        {"languages", "en", true},
        {"languages", "en,fr,de", true},
        {"languages", "EN", false},
        {"languages", "en,", false},
        {"languages", ",en", false},
        {"languages", "eng", false},
        {"languages", "en fr", false},
        {"languages", "", false},
        {"access_log", "off", true},
        {"access_log", "", false},
        /* strings: length bounds and control characters */
        {"db", "", true},
        {"db", "/tmp/awareday.db", true},
        {"db", "a\tb", false},
        {"organiser", "", false},
        {"organiser", "x", true},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        char err[256] = "";
        enum aw_err rc = aw_config_set(c, cases[i].name, cases[i].value, err, sizeof(err));
        if ((rc == AW_OK) != cases[i].ok)
            fail_msg("case %zu: %s = \"%s\": expected %s (%s)", i, cases[i].name, cases[i].value,
                     cases[i].ok ? "accepted" : "refused", err);
        if (rc != AW_OK && err[0] == '\0')
            fail_msg("case %zu: %s refused without a message", i, cases[i].name);
    }
}

/* The rate limits' documented bounds (README, awareday.conf.example), at their edges: the table
 * test above only checks that the table is consistent with itself. A refused value says which
 * setting and which range, and leaves the old value. */
static void
test_rate_limit_bounds(void **state)
{
    struct aw_config *c = *state;
    static const struct {
        const char *name;
        long long min, max;
        size_t offset;
    } cases[] = {
        {"share_per_hour", 1, 10000, offsetof(struct aw_config, share_per_hour)},
        {"login_window", 60, 86400, offsetof(struct aw_config, login_window)},
        {"login_per_account", 1, 10000, offsetof(struct aw_config, login_per_account)},
        {"login_per_account_all", 1, 10000, offsetof(struct aw_config, login_per_account_all)},
        {"login_per_address", 1, 10000, offsetof(struct aw_config, login_per_address)},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        int64_t *slot = (int64_t *)((char *)c + cases[i].offset);
        char val[32], err[256], want[128];
        const long long ok[] = {cases[i].min, cases[i].max};
        const long long bad[] = {cases[i].min - 1, cases[i].max + 1};
        for (size_t k = 0; k < 2; k++) {
            snprintf(val, sizeof(val), "%lld", ok[k]);
            if (aw_config_set(c, cases[i].name, val, err, sizeof(err)) != AW_OK)
                fail_msg("%s = %s refused: %s", cases[i].name, val, err);
            assert_int_equal(*slot, ok[k]);
        }
        snprintf(want, sizeof(want), "%s: must be from %lld to %lld", cases[i].name, cases[i].min,
                 cases[i].max);
        for (size_t k = 0; k < 2; k++) {
            snprintf(val, sizeof(val), "%lld", bad[k]);
            err[0] = '\0';
            assert_int_equal(aw_config_set(c, cases[i].name, val, err, sizeof(err)), AW_ECONFIG);
            assert_string_equal(err, want);
            assert_int_equal(*slot, cases[i].max); /* unchanged */
        }
        assert_int_equal(aw_config_set(c, cases[i].name, "ten", err, sizeof(err)), AW_ECONFIG);
        assert_non_null(strstr(err, "expected a whole number"));
    }
}

static void
test_set_effects(void **state)
{
    struct aw_config *c = *state;
    char err[256];
    assert_int_equal(aw_config_set(c, "help_publish_high", "no", err, sizeof(err)), AW_OK);
    assert_false(c->help_publish_high);
    assert_int_equal(aw_config_set(c, "help_publish_high", "on", err, sizeof(err)), AW_OK);
    assert_true(c->help_publish_high);
    assert_int_equal(aw_config_set(c, "log_level", "warn", err, sizeof(err)), AW_OK);
    assert_int_equal(c->log_level, AW_LOG_WARN);
    assert_int_equal(aw_config_set(c, "listen", "[::1]:9000", err, sizeof(err)), AW_OK);
    assert_string_equal(c->listen, "[::1]:9000");
    /* A refused value leaves the old one. */
    assert_int_equal(aw_config_set(c, "listen", "nope", err, sizeof(err)), AW_ECONFIG);
    assert_string_equal(c->listen, "[::1]:9000");
    assert_int_equal(aw_config_set(c, "max_url_bytes", "1", err, sizeof(err)), AW_ECONFIG);
    assert_int_equal(c->max_url_bytes, 2048);
}

static void
test_unknown_name(void **state)
{
    struct aw_config *c = *state;
    char err[256] = "";
    assert_int_equal(aw_config_set(c, "no_such_setting", "1", err, sizeof(err)), AW_ECONFIG);
    assert_non_null(strstr(err, "unknown setting"));
    assert_non_null(strstr(err, "no_such_setting"));
    assert_int_equal(aw_config_set(c, "", "1", err, sizeof(err)), AW_ECONFIG);
    assert_int_equal(aw_config_set(c, "LISTEN", "127.0.0.1:1", err, sizeof(err)), AW_ECONFIG);
}

/* Writes text to a fresh temporary file; returns its path (caller frees and unlinks). */
static char *
write_temp(const char *text)
{
    char tmpl[] = "/tmp/aw_test_config_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    char *p = strdup(tmpl);
    assert_non_null(p);
    return p;
}

static void
test_load_file(void **state)
{
    struct aw_config *c = *state;
    char *path = write_temp("# awareday.conf\n"
                            "\n"
                            "   # indented comment\n"
                            "listen = 127.0.0.1:9090\n"
                            "max_url_bytes=4096\n"
                            "\tlog_level   =  debug  \n"
                            "help_publish_high = no\n"
                            "organiser = Council of Europe = CoE\n");
    char err[512] = "";
    enum aw_err rc = aw_config_load_file(c, path, err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("load failed: %s", err);
    assert_string_equal(c->listen, "127.0.0.1:9090");
    assert_int_equal(c->max_url_bytes, 4096);
    assert_int_equal(c->log_level, AW_LOG_DEBUG);
    assert_false(c->help_publish_high);
    assert_string_equal(c->organiser, "Council of Europe = CoE"); /* split at the first '=' */
    unlink(path);
    free(path);
}

static void
test_load_file_errors(void **state)
{
    struct aw_config *c = *state;
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } cases[] = {
        {"# ok\nlisten = 127.0.0.1:9091\nmax_url_bytes = 63\nthreads = 2\n", 3, "max_url_bytes"},
        {"listen = 127.0.0.1:9091\n\n\nno equals sign here\n", 4, "name = value"},
        {"\n# comment\nfrobnicate = 1\n", 3, "unknown setting"},
        {"help_publish_high = perhaps\n", 1, "help_publish_high"},
        {"listen = 127.0.0.1:9091\nlisten = localhost\n", 2, "listen"},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        aw_config_free(c);
        aw_config_defaults(c);
        char *path = write_temp(cases[i].text);
        char err[512] = "", want[600];
        enum aw_err rc = aw_config_load_file(c, path, err, sizeof(err));
        assert_int_equal(rc, AW_ECONFIG);
        snprintf(want, sizeof(want), "%s:%u: ", path, cases[i].line);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("case %zu: error \"%s\" does not start with \"%s\"", i, err, want);
        if (!strstr(err, cases[i].msg))
            fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].msg);
        /* Lines before the error were applied; the threads line after it was not. */
        if (i == 0) {
            assert_string_equal(c->listen, "127.0.0.1:9091");
            assert_int_equal(c->threads, 0);
        }
        unlink(path);
        free(path);
    }
}

static void
test_load_file_missing(void **state)
{
    struct aw_config *c = *state;
    char err[512] = "";
    assert_int_equal(aw_config_load_file(c, "/nonexistent/awareday.conf", err, sizeof(err)),
                     AW_EIO);
    assert_non_null(strstr(err, "/nonexistent/awareday.conf"));
}

static void
test_env(void **state)
{
    struct aw_config *c = *state;
    char err[512] = "";
    setenv("AWAREDAY_DB", "/tmp/from-env.db", 1);
    assert_int_equal(aw_config_load_env(c, err, sizeof(err)), AW_OK);
    assert_string_equal(c->db, "/tmp/from-env.db");
    /* The environment overrides the file (applied later). */
    char *path = write_temp("db = /tmp/from-file.db\n");
    assert_int_equal(aw_config_load_file(c, path, err, sizeof(err)), AW_OK);
    assert_string_equal(c->db, "/tmp/from-file.db");
    assert_int_equal(aw_config_load_env(c, err, sizeof(err)), AW_OK);
    assert_string_equal(c->db, "/tmp/from-env.db");
    unlink(path);
    free(path);
    unsetenv("AWAREDAY_DB");

    setenv("AWAREDAY_LISTEN", "no-port", 1);
    assert_int_equal(aw_config_load_env(c, err, sizeof(err)), AW_ECONFIG);
    assert_non_null(strstr(err, "AWAREDAY_LISTEN"));
    unsetenv("AWAREDAY_LISTEN");
    assert_int_equal(aw_config_load_env(c, err, sizeof(err)), AW_OK);
}

static void
test_print(void **state)
{
    struct aw_config *c = *state;
    char buf[8192] = "";
    FILE *f = tmpfile();
    assert_non_null(f);
    aw_config_print(c, f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "listen = 127.0.0.1:8080\n"));
    assert_non_null(strstr(buf, "max_url_bytes = 2048\n"));
    assert_non_null(strstr(buf, "help_publish_high = no\n"));
    assert_non_null(strstr(buf, "log_level = info\n"));
    /* One line per table entry. */
    size_t entries, lines = 0;
    aw_config_table(&entries);
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, entries);
}

static void
test_default_paths(void **state)
{
    (void)state;
    const char *old_xdg = getenv("XDG_DATA_HOME"), *old_home = getenv("HOME");
    char *saved = old_xdg ? strdup(old_xdg) : NULL;
    char *saved_home = old_home ? strdup(old_home) : NULL;
    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    char *p = aw_config_default_db();
    assert_string_equal(p, "/xdg/data/awareday/awareday.db");
    free(p);
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/tester", 1);
    p = aw_config_default_db();
    assert_string_equal(p, "/home/tester/.local/share/awareday/awareday.db");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    p = aw_config_default_file();
    assert_string_equal(p, "/home/tester/.config/awareday/awareday.conf");
    free(p);
    if (saved) {
        setenv("XDG_DATA_HOME", saved, 1);
        free(saved);
    }
    if (saved_home) {
        setenv("HOME", saved_home, 1);
        free(saved_home);
    }
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_config, teardown_config)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_table_defaults_valid),
        T(test_int_bounds_from_table),
        T(test_set_values),
        T(test_rate_limit_bounds),
        T(test_set_effects),
        T(test_unknown_name),
        T(test_load_file),
        T(test_load_file_errors),
        T(test_load_file_missing),
        T(test_env),
        T(test_print),
        T(test_default_paths),
    };
#undef T
    unsetenv("AWAREDAY_DB");
    unsetenv("AWAREDAY_LISTEN");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
