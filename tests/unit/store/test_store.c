/* test_store.c: unit tests for the store (src/store/store.c, store_sql.c, sql_sqlite.c,
 * store_model.c) against a temporary SQLite database or, with AW_TEST_PG (pg.unit.test_store), a
 * fresh PostgreSQL one (test_db.h): open and migrate,
 * re-open without re-migrating, URL forms, every read operation with its
 * ordering and language, the visibility rules (published activities,
 * verified help services), upserts that never duplicate, transactions,
 * slugs and the model's string tables. The tests of the SQLite file and engine themselves (open
 * errors, read-only files, busy locks, durable commits counted through a VFS, migrations from
 * the share directory) are skipped on PostgreSQL, whose counterparts are pg_restart.py and
 * test_domain's all-or-nothing checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/log.h"
#include "aw/store.h"
#include "store/store_int.h"
#include "test_db.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    char dir[64];
    char db[512];
    struct aw_store *st;
    struct aw_arena *a;
    int64_t org_be, org_fr, org_int, org_be2;
    int64_t act_be1, act_be2, act_fr, act_int, act_pending, act_2018;
};

/* The highest NNN of sql/sqlite/NNN_*.sql in the source tree. */
static int
latest_migration(void)
{
    char dir[4096];
    const char *src = getenv("AW_SOURCE_DIR");
    int best = 0;
    DIR *d;
    struct dirent *e;

    snprintf(dir, sizeof(dir), "%s/sql/sqlite", src ? src : AW_SHARE_DIR);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        int v = 0, i;
        for (i = 0; i < 3 && e->d_name[i] >= '0' && e->d_name[i] <= '9'; i++)
            v = v * 10 + (e->d_name[i] - '0');
        if (i == 3 && e->d_name[3] == '_' && strstr(e->d_name, ".sql") && v > best)
            best = v;
    }
    closedir(d);
    return best;
}

static void
put_country(struct aw_store *st, const char *code, const char *en, const char *fr, bool member)
{
    struct aw_country c = {.name_en = en,
                           .name_fr = fr,
                           .coe_member = member,
                           .coe_joined_year = 1949,
                           .lanzarote_year = member ? 2010 : 0};
    memcpy(c.code, code, 3);
    assert_int_equal(aw_store_put_country(st, &c), AW_OK);
}

static void
put_edition(struct aw_store *st, int year, int number, const char *theme, int supported,
            const char **issuers, size_t n)
{
    struct aw_edition e = {.year = year,
                           .number = number,
                           .theme = theme,
                           .js_supported_count = supported,
                           .js_issued_by = issuers,
                           .js_issued_n = n};
    assert_int_equal(aw_store_put_edition(st, &e), AW_OK);
}

static int64_t
put_org(struct aw_store *st, const char *name, const char *kind, const char *country)
{
    struct aw_org o = {
        .name = name, .kind = kind, .country_code = country, .website = "https://example.org/"};
    int64_t id = 0;
    assert_int_equal(aw_store_put_org(st, &o, &id), AW_OK);
    assert_true(id > 0);
    return id;
}

static int64_t
put_act(struct aw_store *st, int year, int64_t org, const char *country, const char *title,
        const char *key, bool published)
{
    static const char *kinds[] = {"workshop", "campaign"};
    static const char *aud[] = {"children"};
    static const char *langs[] = {"fr", "nl"};
    static struct aw_link links[] = {{"Site", "https://a.example/"},
                                     {"Video", "https://b.example/"}};
    struct aw_activity act = {.edition_year = year,
                              .org = {.id = org},
                              .country_code = country,
                              .title = title,
                              .summary = "Some *Markdown*.",
                              .kinds = kinds,
                              .kinds_n = 2,
                              .audiences = aud,
                              .audiences_n = 1,
                              .languages = langs,
                              .languages_n = 2,
                              .start_date = "2017-11-17",
                              .end_date = "2017-11-18",
                              .place = "Brussels",
                              .online = true,
                              .links = links,
                              .links_n = 2};
    int64_t id = 0;
    assert_int_equal(aw_store_put_activity_keyed(st, &act, key, published, &id), AW_OK);
    assert_true(id > 0);
    return id;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[512];
    static const char *iss17[] = {"LU", "BE"};
    static const char *iss18[] = {"BE"};

    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    aw_test_db(f->db, sizeof(f->db), f->dir, "test.db"); /* or PostgreSQL: test_db.h */
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    f->a = aw_arena_new(0);
    put_country(f->st, "FR", "France", "France", true);
    put_country(f->st, "BE", "Belgium", "Belgique", true);
    put_country(f->st, "LU", "Luxembourg", "", true);
    put_country(f->st, "RU", "Russian Federation", "Fédération de Russie", false);
    put_edition(f->st, 2016, 2, NULL, -1, NULL, 0);
    put_edition(f->st, 2017, 3, "ICT", 35, iss17, 2);
    put_edition(f->st, 2018, 4, "Sport", 37, iss18, 1);
    put_edition(f->st, 2015, 1, NULL, -1, NULL, 0);
    f->org_be = put_org(f->st, "Child Focus", "ngo", "BE");
    f->org_fr = put_org(f->st, "Défenseur des droits", "ombudsperson", "FR");
    f->org_int = put_org(f->st, "ECPAT International", "ngo", NULL);
    f->org_be2 = put_org(f->st, "Child Focus", "ngo", "LU"); /* same name elsewhere */
    /* inserted out of order on purpose */
    f->act_int = put_act(f->st, 2017, f->org_int, NULL, "Global webinar", "2017/int-a", true);
    f->act_fr = put_act(f->st, 2017, f->org_fr, "FR", "Conférence à Paris", "2017/fr-a", true);
    f->act_be1 = put_act(f->st, 2017, f->org_be, "BE", "Campaign", "2017/be-a", true);
    f->act_pending = put_act(f->st, 2017, f->org_be, "BE", "Pending one", "2017/be-p", false);
    f->act_be2 = put_act(f->st, 2017, f->org_be, "BE", "Campaign", "2017/be-b", true);
    f->act_2018 = put_act(f->st, 2018, f->org_be, "BE", "Sport talk", "2018/be-a", true);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char path[256];

    aw_store_close(f->st);
    aw_arena_free(f->a);
    static const char *files[] = {"test.db", "test.db-wal", "test.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- open, migrations, URLs ---- */

static void
test_open_migrate_reopen(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *st2 = NULL;
    struct aw_country c;
    char err[512], url[600];
    int latest = latest_migration();

    assert_true(latest >= 1);
    assert_int_equal(aw_store_schema_version(f->st), latest);
    aw_store_close(f->st);
    f->st = NULL;

    /* again with migrations: nothing is re-applied (001 would fail on its
     * CREATE TABLEs) and the data is still there */
    assert_int_equal(aw_store_open(f->db, false, true, &f->st, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_schema_version(f->st), latest);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "BE", &c), AW_OK);
    assert_string_equal(c.name, "Belgium");

    /* a second connection, without migrations, through the sqlite: form */
    snprintf(url, sizeof(url), "sqlite:%s", f->db);
    assert_int_equal(aw_store_open(url, false, false, &st2, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_schema_version(st2), latest);
    assert_int_equal(aw_store_country(st2, f->a, "fr", "BE", &c), AW_OK);
    assert_string_equal(c.name, "Belgique");
    aw_store_close(st2);
}

static void
test_open_errors(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *st = NULL;
    char err[512], path[200];

    /* PostgreSQL with no server there: "not now", and libpq's reason */
    assert_int_equal(aw_store_open("postgresql://127.0.0.1:1/aw?connect_timeout=2", true, true, &st,
                                   err, sizeof(err)),
                     AW_EUNAVAIL);
    assert_null(st);
    assert_true(strncmp(err, "PostgreSQL: ", 12) == 0);

    assert_int_equal(aw_store_open("", true, true, &st, err, sizeof(err)), AW_ECONFIG);
    assert_int_equal(aw_store_open("sqlite:", true, true, &st, err, sizeof(err)), AW_ECONFIG);

    /* no file and create == false */
    snprintf(path, sizeof(path), "%s/absent.db", f->dir);
    assert_int_equal(aw_store_open(path, false, true, &st, err, sizeof(err)), AW_EDB);
    assert_null(st);
    assert_int_not_equal(access(path, F_OK), 0);

    /* created but not migrated: the statements cannot be prepared */
    snprintf(path, sizeof(path), "%s/empty.db", f->dir);
    assert_int_equal(aw_store_open(path, true, false, &st, err, sizeof(err)), AW_EDB);
    assert_null(st);
    assert_non_null(strstr(err, "no such table"));
    unlink(path);
}

/* A read-only connection (the read_only setting) reads, and every write
 * fails with AW_EUNAVAIL, the message naming SQLite's code: the pages answer
 * that with 503 and the form as typed. */
static void
test_open_readonly(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *ro = NULL;
    struct aw_country c;
    unsigned char secret[32];
    char err[512];

    assert_int_equal(aw_store_open_readonly(f->db, &ro, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_country(ro, f->a, "en", "BE", &c), AW_OK);
    assert_string_equal(c.name, "Belgium");
    /* no secret stored yet: storing one is a write */
    assert_int_equal(aw_store_secret(ro, secret), AW_EUNAVAIL);
    assert_non_null(strstr(aw_store_errmsg(ro), "(SQLITE_READONLY"));
    assert_int_equal(aw_store_rate_reset(ro, "login:pair:a@example.org:127.0.0.1"), AW_EUNAVAIL);
    aw_store_close(ro);
    /* the read-write connection still writes */
    assert_int_equal(aw_store_secret(f->st, secret), AW_OK);

    /* no file: AW_EDB, not "try again later" */
    assert_int_equal(aw_store_open_readonly("/nonexistent/aw.db", &ro, err, sizeof(err)), AW_EDB);
    assert_null(ro);
}

/* A write lock held past the busy timeout (5 s) by another connection is
 * "not now" too: AW_EUNAVAIL naming SQLITE_BUSY, whether the holder is
 * another instance (SQLite's lock) or another connection of this process
 * (its turn at the process's writer mutex). */
static void
test_busy_is_unavailable(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *other = NULL;
    sqlite3 *instance = NULL;
    char err[512];

    /* another process's connection, as far as SQLite's locks go */
    assert_int_equal(sqlite3_open(f->db, &instance), SQLITE_OK);
    assert_int_equal(sqlite3_exec(instance, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(aw_store_begin(f->st), AW_EUNAVAIL);
    assert_non_null(strstr(aw_store_errmsg(f->st), "(SQLITE_BUSY"));
    assert_int_equal(sqlite3_exec(instance, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(instance);

    assert_int_equal(aw_store_open(f->db, false, false, &other, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    assert_int_equal(aw_store_begin(other), AW_EUNAVAIL);
    assert_non_null(strstr(aw_store_errmsg(other), "(SQLITE_BUSY"));
    assert_int_equal(aw_store_commit(f->st), AW_OK);
    /* once the lock is free, the same write goes through */
    assert_int_equal(aw_store_begin(other), AW_OK);
    assert_int_equal(aw_store_commit(other), AW_OK);
    aw_store_close(other);
}

/* ---- durability: which commits wait for the disk ----
 *
 * A VFS that is the default one with xSync counted (SQLite's own tests
 * count syncs the same way): registered as the default for one test, it
 * shows which commits reach the disk before they return. */
static sqlite3_vfs *real_vfs;
static sqlite3_vfs count_vfs;
static struct {
    const sqlite3_io_methods *real; /* the unix VFS has a few method tables */
    sqlite3_io_methods counted;
} tables[8];
static int syncs;

static int
count_sync(sqlite3_file *f, int flags)
{
    syncs++;
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (f->pMethods == &tables[i].counted)
            return tables[i].real->xSync(f, flags);
    return SQLITE_IOERR_FSYNC;
}

static int
count_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    int rc = real_vfs->xOpen(real_vfs, name, f, flags, out);
    if (rc != SQLITE_OK || f->pMethods == NULL)
        return rc;
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (tables[i].real == NULL) {
            tables[i].real = f->pMethods;
            tables[i].counted = *f->pMethods;
            tables[i].counted.xSync = count_sync;
        }
        if (tables[i].real == f->pMethods) {
            f->pMethods = &tables[i].counted;
            return rc;
        }
    }
    return rc; /* more tables than expected: those files are not counted */
}

static int
teardown_vfs(void **state)
{
    sqlite3_vfs_unregister(&count_vfs);
    return teardown(state);
}

/* Every commit waits until it is on disk (synchronous = FULL: an
 * acknowledged submission survives a power cut), except a rate-limit hit's
 * (aw_store_begin_nondurable), after which the next commit is durable
 * again; inside a durable transaction a rate hit is durable too. */
static void
test_commits_durable(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *st = NULL;
    struct aw_rate rate;
    char err[512];

    real_vfs = sqlite3_vfs_find(NULL);
    count_vfs = *real_vfs;
    count_vfs.zName = "aw-count-sync";
    count_vfs.xOpen = count_open;
    assert_int_equal(sqlite3_vfs_register(&count_vfs, 1), SQLITE_OK);
    assert_int_equal(aw_store_open(f->db, false, false, &st, err, sizeof(err)), AW_OK);

    int before = syncs;
    assert_int_equal(aw_store_begin(st), AW_OK);
    put_country(st, "DE", "Germany", "Allemagne", true);
    assert_int_equal(aw_store_commit(st), AW_OK);
    assert_true(syncs > before);

    before = syncs;
    assert_int_equal(aw_store_rate_hit(st, "share:192.0.2.1", 3600, 10, 1000000, &rate), AW_OK);
    assert_true(rate.allowed);
    assert_int_equal(syncs, before);

    before = syncs; /* a plain write (no transaction) after it: durable again */
    put_country(st, "AT", "Austria", "Autriche", true);
    assert_true(syncs > before);

    before = syncs;
    assert_int_equal(aw_store_begin(st), AW_OK);
    assert_int_equal(aw_store_rate_hit(st, "share:192.0.2.1", 3600, 10, 1000001, &rate), AW_OK);
    assert_int_equal(syncs, before); /* nothing is committed yet */
    assert_int_equal(aw_store_commit(st), AW_OK);
    assert_true(syncs > before);

    aw_store_close(st);
}

static void
test_migrations_from_share_dir(void **state)
{
    if (aw_test_is_pg())
        skip(); /* the SQLite file and engine: see the header */
    struct fx *f = *state;
    struct aw_store *st = NULL;
    char err[512], path[200];

    /* AWAREDAY_SHARE_DIR wins over the compile-time directory */
    snprintf(path, sizeof(path), "%s/other.db", f->dir);
    setenv("AWAREDAY_SHARE_DIR", f->dir, 1);
    assert_int_equal(aw_store_open(path, true, true, &st, err, sizeof(err)), AW_ECONFIG);
    unsetenv("AWAREDAY_SHARE_DIR");
    assert_null(st);
    assert_non_null(strstr(err, "sql/sqlite"));
    assert_non_null(strstr(err, f->dir));
    unlink(path);
}

/* Without migrations (serve, the mailer), only a database at this awareday's schema version
 * opens: an older one is told to run init, a newer one to run the newer awareday. */
static void
test_schema_version_checked(void **state)
{
    struct fx *f = *state;
    struct aw_store *st = NULL;
    char err[512], sql[128];
    int latest = aw_store_schema_version(f->st);
    struct aw_sql *db = aw_test_raw_open(f->db);

    assert_int_equal(aw_store_open(f->db, false, false, &st, err, sizeof(err)), AW_OK);
    aw_store_close(st);
    st = NULL;
    /* a newer awareday migrated it */
    snprintf(sql, sizeof(sql),
             "INSERT INTO schema_version (version, applied_at) VALUES (%d, '2030-01-01')",
             latest + 1);
    assert_int_equal(aw_test_raw_exec(db, sql), AW_OK);
    assert_int_equal(aw_store_open(f->db, false, false, &st, err, sizeof(err)), AW_ECONFIG);
    assert_null(st);
    assert_non_null(strstr(err, "newer than this awareday's"));
    /* an older one left it behind: the last migration is not recorded */
    snprintf(sql, sizeof(sql), "DELETE FROM schema_version WHERE version >= %d", latest);
    assert_int_equal(aw_test_raw_exec(db, sql), AW_OK);
    assert_int_equal(aw_store_open(f->db, false, false, &st, err, sizeof(err)), AW_ECONFIG);
    assert_non_null(strstr(err, "run `awareday init`"));
    aw_test_raw_close(db);
}

/* ---- countries ---- */

static void
test_countries(void **state)
{
    struct fx *f = *state;
    struct aw_country *v = NULL, c;
    size_t n = 0;

    assert_int_equal(aw_store_countries(f->st, f->a, "en", &v, &n), AW_OK);
    assert_int_equal(n, 4);
    static const char *order[] = {"BE", "FR", "LU", "RU"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i].code, order[i]);
    assert_string_equal(v[0].name, "Belgium");
    assert_string_equal(v[3].name, "Russian Federation");
    assert_false(v[3].coe_member);
    assert_int_equal(v[3].lanzarote_year, 0);
    assert_true(v[0].coe_member);
    assert_int_equal(v[0].coe_joined_year, 1949);
    assert_int_equal(v[0].coe_left_year, 0);
    assert_int_equal(v[0].lanzarote_year, 2010);

    assert_int_equal(aw_store_countries(f->st, f->a, "fr", &v, &n), AW_OK);
    assert_string_equal(v[0].name, "Belgique");
    assert_string_equal(v[0].name_en, "Belgium");
    assert_string_equal(v[3].name, "Fédération de Russie");
    /* an empty French name falls back to English */
    assert_string_equal(v[2].name, "Luxembourg");
    assert_null(v[2].name_fr);

    /* unknown languages are English */
    assert_int_equal(aw_store_country(f->st, f->a, "de", "FR", &c), AW_OK);
    assert_string_equal(c.name, "France");
    assert_int_equal(aw_store_country(f->st, f->a, "en", "XX", &c), AW_ENOTFOUND);

    /* upsert: no duplicate, new values */
    put_country(f->st, "LU", "Luxembourg", "Luxembourg (fr)", true);
    assert_int_equal(aw_store_countries(f->st, f->a, "fr", &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[2].name, "Luxembourg (fr)");
}

/* ---- editions ---- */

static void
test_editions(void **state)
{
    struct fx *f = *state;
    struct aw_edition *v = NULL, e;
    size_t n = 0;

    assert_int_equal(aw_store_editions(f->st, f->a, "en", &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].year, 2018);
    assert_int_equal(v[1].year, 2017);
    assert_int_equal(v[2].year, 2016);
    assert_int_equal(v[3].year, 2015);
    /* 2017: 4 published (the pending one is not counted) */
    assert_int_equal(v[1].activity_count, 4);
    assert_int_equal(v[0].activity_count, 1);
    assert_int_equal(v[2].activity_count, 0);
    assert_int_equal(v[1].number, 3);
    assert_string_equal(v[1].theme, "ICT");
    assert_null(v[2].theme);
    assert_int_equal(v[2].js_supported_count, -1);
    assert_int_equal(v[2].js_issued_n, 0);

    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_int_equal(e.js_supported_count, 35);
    assert_int_equal(e.js_issued_n, 2);
    assert_string_equal(e.js_issued_by[0], "LU"); /* order as given */
    assert_string_equal(e.js_issued_by[1], "BE");
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2030, &e), AW_ENOTFOUND);

    /* full replace, issuers replaced, no duplicate row */
    static const char *iss[] = {"FR"};
    struct aw_edition up = {.year = 2017,
                            .number = 3,
                            .theme = "ICT",
                            .theme_why = "Because.",
                            .invitation = "Join us.",
                            .js_supported_count = 36,
                            .js_issued_by = iss,
                            .js_issued_n = 1};
    assert_int_equal(aw_store_put_edition(f->st, &up), AW_OK);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_int_equal(e.js_issued_n, 1);
    assert_string_equal(e.js_issued_by[0], "FR");
    assert_string_equal(e.theme_why, "Because.");
    assert_string_equal(e.invitation, "Join us.");
    assert_int_equal(e.js_supported_count, 36);
    assert_int_equal(e.activity_count, 4);
    assert_int_equal(aw_store_editions(f->st, f->a, "en", &v, &n), AW_OK);
    assert_int_equal(n, 4);

    /* an issuer must be a known country */
    static const char *bad[] = {"ZZ"};
    up.js_issued_by = bad;
    up.theme = "Changed";
    assert_int_equal(aw_store_put_edition(f->st, &up), AW_EINVAL);
    assert_non_null(strcasestr(aw_store_errmsg(f->st), "foreign key"));
    /* and a failed put changes nothing (savepoint) */
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_string_equal(e.theme, "ICT");
    assert_int_equal(e.js_issued_n, 1);
    assert_string_equal(e.js_issued_by[0], "FR");
}

static void
test_edition_current(void **state)
{
    struct fx *f = *state;
    struct aw_edition e;

    /* 2018 has a theme and is in the past */
    assert_int_equal(aw_store_edition_current(f->st, f->a, "en", &e), AW_OK);
    assert_int_equal(e.year, 2018);
    /* a future edition does not count, an untitled one without activities neither */
    put_edition(f->st, aw_store__year() + 1, 99, "Future", -1, NULL, 0);
    put_edition(f->st, aw_store__year(), 98, NULL, -1, NULL, 0);
    assert_int_equal(aw_store_edition_current(f->st, f->a, "en", &e), AW_OK);
    assert_int_equal(e.year, 2018);
}

/* ---- activities ---- */

static void
check_full_activity(const struct aw_activity *a)
{
    assert_int_equal(a->kinds_n, 2);
    assert_string_equal(a->kinds[0], "workshop");
    assert_string_equal(a->kinds[1], "campaign");
    assert_int_equal(a->audiences_n, 1);
    assert_string_equal(a->audiences[0], "children");
    assert_int_equal(a->languages_n, 2);
    assert_string_equal(a->languages[1], "nl");
    assert_int_equal(a->links_n, 2);
    assert_string_equal(a->links[0].label, "Site");
    assert_string_equal(a->links[1].url, "https://b.example/");
    assert_string_equal(a->start_date, "2017-11-17");
    assert_string_equal(a->end_date, "2017-11-18");
    assert_string_equal(a->place, "Brussels");
    assert_true(a->online);
    assert_string_equal(a->summary, "Some *Markdown*.");
}

static void
test_activities_by_edition(void **state)
{
    struct fx *f = *state;
    struct aw_activity *v = NULL;
    size_t n = 0;

    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    /* by country code, then id; no country last; pending left out */
    assert_int_equal(v[0].id, f->act_be1);
    assert_int_equal(v[1].id, f->act_be2);
    assert_int_equal(v[2].id, f->act_fr);
    assert_int_equal(v[3].id, f->act_int);
    assert_null(v[3].country_code);
    assert_string_equal(v[0].country_code, "BE");
    for (size_t i = 0; i < n; i++) {
        check_full_activity(&v[i]);
        assert_int_equal(v[i].edition_year, 2017);
    }
    assert_int_equal(v[0].org.id, f->org_be);
    assert_string_equal(v[0].org.name, "Child Focus");
    assert_string_equal(v[0].org.kind, "ngo");
    assert_string_equal(v[0].org.country_code, "BE");
    assert_string_equal(v[0].org.website, "https://example.org/");
    assert_null(v[3].org.country_code);
    /* slugs from titles, unique */
    assert_string_equal(v[0].slug, "campaign");
    assert_string_equal(v[1].slug, "campaign-2");
    assert_string_equal(v[2].slug, "conference-a-paris");

    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2016, &v, &n), AW_OK);
    assert_int_equal(n, 0);
}

static void
test_activities_by_country_and_org(void **state)
{
    struct fx *f = *state;
    struct aw_activity *v = NULL;
    size_t n = 0;

    assert_int_equal(aw_store_activities_by_country(f->st, f->a, "BE", &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].id, f->act_2018); /* newest edition first */
    assert_int_equal(v[0].edition_year, 2018);
    assert_int_equal(v[1].id, f->act_be1);
    assert_int_equal(v[2].id, f->act_be2);
    check_full_activity(&v[2]);

    assert_int_equal(aw_store_activities_by_country(f->st, f->a, "LU", &v, &n), AW_OK);
    assert_int_equal(n, 0);

    assert_int_equal(aw_store_activities_by_org(f->st, f->a, f->org_fr, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, f->act_fr);
    assert_string_equal(v[0].title, "Conférence à Paris");
    assert_int_equal(aw_store_activities_by_org(f->st, f->a, f->org_be, &v, &n), AW_OK);
    assert_int_equal(n, 3);
}

static void
test_activity_one(void **state)
{
    struct fx *f = *state;
    struct aw_activity act;

    assert_int_equal(aw_store_activity(f->st, f->a, f->act_fr, &act), AW_OK);
    assert_int_equal(act.id, f->act_fr);
    assert_string_equal(act.country_code, "FR");
    assert_string_equal(act.org.name, "Défenseur des droits");
    assert_string_equal(act.org.kind, "ombudsperson");
    check_full_activity(&act);
    /* pending activities are not visible */
    assert_int_equal(aw_store_activity(f->st, f->a, f->act_pending, &act), AW_ENOTFOUND);
    assert_int_equal(aw_store_activity(f->st, f->a, 999999, &act), AW_ENOTFOUND);
}

static void
test_activity_upsert(void **state)
{
    struct fx *f = *state;
    struct aw_activity *v = NULL, act;
    size_t n = 0;
    int64_t id = 0;
    static const char *kinds[] = {"concert"};

    /* the same key updates; the slug stays; children are replaced */
    struct aw_activity up = {.edition_year = 2017,
                             .org = {.id = f->org_be},
                             .country_code = "BE",
                             .title = "Renamed",
                             .summary = "New.",
                             .kinds = kinds,
                             .kinds_n = 1};
    assert_int_equal(aw_store_put_activity_keyed(f->st, &up, "2017/be-a", true, &id), AW_OK);
    assert_int_equal(id, f->act_be1);
    assert_int_equal(aw_store_activity(f->st, f->a, id, &act), AW_OK);
    assert_string_equal(act.title, "Renamed");
    assert_string_equal(act.slug, "campaign");
    assert_int_equal(act.kinds_n, 1);
    assert_string_equal(act.kinds[0], "concert");
    assert_int_equal(act.links_n, 0);
    assert_int_equal(act.audiences_n, 0);
    assert_null(act.place);
    assert_false(act.online);

    /* a re-import never takes a published activity back to pending */
    assert_int_equal(aw_store_put_activity_keyed(f->st, &up, "2017/be-a", false, &id), AW_OK);
    assert_int_equal(aw_store_activity(f->st, f->a, f->act_be1, &act), AW_OK);
    /* but publishes a pending one */
    up.title = "Now public";
    assert_int_equal(aw_store_put_activity_keyed(f->st, &up, "2017/be-p", true, &id), AW_OK);
    assert_int_equal(id, f->act_pending);
    assert_int_equal(aw_store_activity(f->st, f->a, f->act_pending, &act), AW_OK);
    assert_string_equal(act.title, "Now public");

    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 5);

    /* without a key: insert, or update by id */
    up.title = "Submitted";
    assert_int_equal(aw_store_put_activity(f->st, &up, false, &id), AW_OK);
    assert_true(id > f->act_2018);
    up.id = id;
    up.title = "Submitted, edited";
    assert_int_equal(aw_store_put_activity(f->st, &up, true, &id), AW_OK);
    assert_int_equal(id, up.id);
    assert_int_equal(aw_store_activity(f->st, f->a, id, &act), AW_OK);
    assert_string_equal(act.title, "Submitted, edited");
    up.id = 987654;
    assert_int_equal(aw_store_put_activity(f->st, &up, true, &id), AW_ENOTFOUND);

    /* unknown edition, missing organisation */
    up.id = 0;
    up.edition_year = 1990;
    assert_int_equal(aw_store_put_activity(f->st, &up, true, &id), AW_ENOTFOUND);
    up.edition_year = 2017;
    up.org.id = 0;
    assert_int_equal(aw_store_put_activity(f->st, &up, true, &id), AW_EINVAL);
}

/* ---- organisations ---- */

static void
test_orgs(void **state)
{
    struct fx *f = *state;
    struct aw_org o;
    int64_t id = 0;

    assert_int_equal(aw_store_org(f->st, f->a, f->org_int, &o), AW_OK);
    assert_string_equal(o.name, "ECPAT International");
    assert_string_equal(o.slug, "ecpat-international");
    assert_null(o.country_code);
    assert_string_equal(o.kind, "ngo");
    assert_int_equal(aw_store_org(f->st, f->a, f->org_be2, &o), AW_OK);
    assert_string_equal(o.slug, "child-focus-2");
    assert_string_equal(o.country_code, "LU");
    assert_int_equal(aw_store_org(f->st, f->a, 424242, &o), AW_ENOTFOUND);

    /* natural key (name, country), NULL country included: updates, no duplicate */
    struct aw_org up = {
        .name = "ECPAT International", .kind = "intl_org", .country_code = NULL, .website = NULL};
    assert_int_equal(aw_store_put_org(f->st, &up, &id), AW_OK);
    assert_int_equal(id, f->org_int);
    assert_int_equal(aw_store_org(f->st, f->a, id, &o), AW_OK);
    assert_string_equal(o.kind, "intl_org");
    assert_null(o.website);
    assert_string_equal(o.slug, "ecpat-international");
    up.country_code = "FR";
    assert_int_equal(aw_store_put_org(f->st, &up, &id), AW_OK);
    assert_true(id > f->org_be2);

    /* unknown country (foreign key), bad kind */
    up.country_code = "ZZ";
    assert_int_equal(aw_store_put_org(f->st, &up, &id), AW_EINVAL);
    up.country_code = NULL;
    up.kind = "Not A Code";
    assert_int_equal(aw_store_put_org(f->st, &up, &id), AW_EINVAL);
}

/* ---- statements, documents, tools ---- */

static void
test_statements_documents_tools(void **state)
{
    struct fx *f = *state;
    struct aw_statement *sv = NULL;
    struct aw_document *dv = NULL;
    struct aw_tool *tv = NULL;
    size_t n = 0;
    int64_t id1 = 0, id2 = 0;

    struct aw_statement s1 = {.edition_year = 2017,
                              .speaker = "Jane Doe",
                              .speaker_role = "Chair",
                              .org = {.id = f->org_fr},
                              .summary = "Said things.",
                              .url = "https://s.example/"};
    struct aw_statement s2 = {
        .edition_year = 2017, .org = {.id = f->org_int}, .summary = "A body's statement."};
    assert_int_equal(aw_store_put_statement(f->st, &s1, &id1), AW_OK);
    assert_int_equal(aw_store_put_statement(f->st, &s2, &id2), AW_OK);
    s2.summary = "Updated.";
    assert_int_equal(aw_store_put_statement(f->st, &s2, &id2), AW_OK);
    assert_int_equal(aw_store_statements(f->st, f->a, 2017, &sv, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sv[0].id, id1);
    assert_string_equal(sv[0].speaker, "Jane Doe");
    assert_string_equal(sv[0].speaker_role, "Chair");
    assert_string_equal(sv[0].org.name, "Défenseur des droits");
    assert_string_equal(sv[0].url, "https://s.example/");
    assert_int_equal(sv[0].edition_year, 2017);
    assert_null(sv[1].speaker);
    assert_null(sv[1].speaker_role);
    assert_null(sv[1].url);
    assert_string_equal(sv[1].summary, "Updated.");
    assert_int_equal(aw_store_statements(f->st, f->a, 2018, &sv, &n), AW_OK);
    assert_int_equal(n, 0);

    struct aw_document d = {.edition_year = 2017,
                            .title = "Opinion on ICTs",
                            .kind = "opinion",
                            .org = {.id = f->org_int},
                            .date = "2017-05-12"};
    assert_int_equal(aw_store_put_document(f->st, &d, &id1), AW_OK);
    d.url = "https://d.example/";
    assert_int_equal(aw_store_put_document(f->st, &d, &id2), AW_OK);
    assert_int_equal(id1, id2);
    assert_int_equal(aw_store_documents(f->st, f->a, 2017, &dv, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(dv[0].title, "Opinion on ICTs");
    assert_string_equal(dv[0].kind, "opinion");
    assert_string_equal(dv[0].date, "2017-05-12");
    assert_string_equal(dv[0].url, "https://d.example/");
    assert_string_equal(dv[0].org.name, "ECPAT International");

    static const char *l1[] = {"en", "fr"};
    static const char *l2[] = {"hr"};
    struct aw_tool t1 = {
        .kind = "leaflet_general", .title = "Leaflet", .languages = l1, .languages_n = 2};
    struct aw_tool t2 = {.kind = "video_tutorial",
                         .title = "Videos",
                         .description = "Six.",
                         .url = "https://v.example/",
                         .languages = l2,
                         .languages_n = 1};
    assert_int_equal(aw_store_put_tool(f->st, 2017, &t1, &id1), AW_OK);
    assert_int_equal(aw_store_put_tool(f->st, 2017, &t2, &id2), AW_OK);
    assert_int_equal(aw_store_put_tool(f->st, 2017, &t1, &id2), AW_OK); /* again */
    assert_int_equal(id1, id2);
    assert_int_equal(aw_store_put_tool(f->st, 1990, &t1, &id2), AW_ENOTFOUND);
    assert_int_equal(aw_store_tools(f->st, f->a, 2017, &tv, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(tv[0].kind, "leaflet_general");
    assert_null(tv[0].description);
    assert_null(tv[0].url);
    assert_int_equal(tv[0].languages_n, 2);
    assert_string_equal(tv[0].languages[1], "fr");
    assert_string_equal(tv[1].title, "Videos");
    assert_string_equal(tv[1].description, "Six.");
    assert_int_equal(tv[1].languages_n, 1);
    assert_string_equal(tv[1].languages[0], "hr");
    assert_int_equal(aw_store_tools(f->st, f->a, 2018, &tv, &n), AW_OK);
    assert_int_equal(n, 0);
}

/* ---- help services ---- */

static void
put_help(struct aw_store *st, const char *cc, enum aw_help_kind kind, const char *name,
         const char *verified_at, bool retired)
{
    static const char *langs[] = {"fr", "nl"};
    struct aw_help_service h = {.kind = kind,
                                .name = name,
                                .organisation = "Org",
                                .url = "https://h.example/",
                                .phone = "116 111",
                                .languages = langs,
                                .languages_n = 2,
                                .confidence = "high",
                                .verified_at = verified_at,
                                .verified_by = verified_at ? "tester" : NULL,
                                .retired = retired};
    memcpy(h.country_code, cc, 3);
    assert_int_equal(aw_store_put_help_service(st, &h, NULL), AW_OK);
}

static void
test_help_services(void **state)
{
    struct fx *f = *state;
    struct aw_help_service *v = NULL;
    size_t n = 0;

    put_help(f->st, "FR", AW_HELP_PREVENTION, "Z prevention", "2024-01-02", false);
    put_help(f->st, "BE", AW_HELP_HELPLINE, "B line", "2024-01-02", false);
    put_help(f->st, "BE", AW_HELP_REPORT, "Z report", "2024-01-02", false);
    put_help(f->st, "BE", AW_HELP_HELPLINE, "A line", NULL, false);        /* unverified */
    put_help(f->st, "BE", AW_HELP_REPORT, "A report", "2024-01-02", true); /* retired */
    put_help(f->st, "CA", AW_HELP_REPORT, "Observer hotline", NULL, false);

    /* public: verified and not retired, by country, kind (report, helpline,
     * prevention), name */
    assert_int_equal(aw_store_help_services(f->st, f->a, NULL, false, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].name, "Z report");
    assert_int_equal(v[0].kind, AW_HELP_REPORT);
    assert_string_equal(v[1].name, "B line");
    assert_string_equal(v[2].name, "Z prevention");
    assert_string_equal(v[2].country_code, "FR");
    assert_string_equal(v[0].verified_at, "2024-01-02");
    assert_string_equal(v[0].verified_by, "tester");
    assert_int_equal(v[0].languages_n, 2);
    assert_string_equal(v[0].languages[1], "nl");
    assert_string_equal(v[0].phone, "116 111");
    assert_false(v[0].retired);

    assert_int_equal(aw_store_help_services(f->st, f->a, "BE", false, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(aw_store_help_services(f->st, f->a, "BE", true, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].name, "A report");
    assert_true(v[0].retired);
    assert_string_equal(v[1].name, "Z report");
    assert_string_equal(v[2].name, "A line");
    assert_null(v[2].verified_at);
    assert_null(v[2].verified_by);
    assert_int_equal(aw_store_help_services(f->st, f->a, NULL, true, &v, &n), AW_OK);
    assert_int_equal(n, 6);
    assert_string_equal(v[0].country_code, "BE");
    assert_string_equal(v[4].country_code, "CA");

    /* a re-import neither duplicates nor unverifies a verified entry, and does
     * not verify one a person has not verified */
    put_help(f->st, "BE", AW_HELP_HELPLINE, "B line", NULL, false);
    put_help(f->st, "BE", AW_HELP_HELPLINE, "A line", "2030-01-01", false);
    assert_int_equal(aw_store_help_services(f->st, f->a, "BE", true, &v, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[3].name, "B line");
    assert_string_equal(v[3].verified_at, "2024-01-02");
    assert_null(v[2].verified_at);
}

/* ---- transactions ---- */

static void
test_transactions(void **state)
{
    struct fx *f = *state;
    struct aw_country c;

    assert_int_equal(aw_store_begin(f->st), AW_OK);
    put_country(f->st, "DE", "Germany", "Allemagne", true);
    assert_int_equal(aw_store_rollback(f->st), AW_OK);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "DE", &c), AW_ENOTFOUND);

    assert_int_equal(aw_store_begin(f->st), AW_OK);
    put_country(f->st, "DE", "Germany", "Allemagne", true);
    assert_int_equal(aw_store_commit(f->st), AW_OK);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "DE", &c), AW_OK);

    /* an inner rollback dooms the outer transaction */
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    put_country(f->st, "IT", "Italy", "Italie", true);
    assert_int_equal(aw_store_rollback(f->st), AW_OK);
    assert_int_equal(aw_store_commit(f->st), AW_EDB);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "IT", &c), AW_ENOTFOUND);

    /* nested commits commit once */
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    assert_int_equal(aw_store_begin(f->st), AW_OK);
    put_country(f->st, "IT", "Italy", "Italie", true);
    assert_int_equal(aw_store_commit(f->st), AW_OK);
    assert_int_equal(aw_store_commit(f->st), AW_OK);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "IT", &c), AW_OK);

    /* unbalanced */
    assert_int_equal(aw_store_commit(f->st), AW_EINVAL);
    assert_int_equal(aw_store_rollback(f->st), AW_EINVAL);
}

/* ---- slugs and the model (no database) ---- */

static void
test_slugify(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Hello, World!", "hello-world"},
        {"  --Leading and trailing--  ", "leading-and-trailing"},
        {"Élève à Łódź", "eleve-a-lodz"},
        {"Straße Ærø Åland", "strasse-aero-aland"},
        {"Children's rights", "childrens-rights"},
        {"Conférence: ça über ñandú", "conference-ca-uber-nandu"},
        {"śżźćńąęó šč žř ý áíú ø å æ ß", "szzcnaeo-sc-zr-y-aiu-o-a-ae-ss"},
        {"ÉÈÊËÀÂÄÇÎÏÔÖÜÙÛ", "eeeeaaaciioouuu"},
        {"Țară și Ștefan", "tara-si-stefan"},
        {"日本語", "item"},
        {"", "item"},
        {"2017: 3rd edition", "2017-3rd-edition"},
        {"a\xff\xfe"
         "b",
         "a-b"},
    };
    char out[AW_SLUG_MAX + 1], small[6];
    char long_in[300];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(aw_store__slugify(cases[i].in, out, sizeof(out)), cases[i].want);

    /* at most 80 characters, never ending with a hyphen */
    for (size_t i = 0; i < sizeof(long_in) - 1; i++)
        long_in[i] = (i % 10 == 9) ? ' ' : 'x';
    long_in[sizeof(long_in) - 1] = '\0';
    aw_store__slugify(long_in, out, sizeof(out));
    assert_int_equal(strlen(out), 79); /* the hyphen at 80 is dropped */
    assert_int_not_equal(out[strlen(out) - 1], '-');
    aw_store__slugify("abcdefghij", small, sizeof(small));
    assert_string_equal(small, "abcde");
}

static void
test_model_tables(void **state)
{
    enum aw_help_kind h;

    (void)state;
    assert_string_equal(aw_help_kind_str(AW_HELP_REPORT), "report");
    assert_string_equal(aw_help_kind_str(AW_HELP_HELPLINE), "helpline");
    assert_string_equal(aw_help_kind_str(AW_HELP_PREVENTION), "prevention");
    assert_null(aw_help_kind_str(AW_HELP_KIND_COUNT));
    assert_int_equal(aw_help_kind_parse("prevention", &h), 0);
    assert_int_equal(h, AW_HELP_PREVENTION);
    assert_int_equal(aw_help_kind_parse("hotline", &h), -1);
    assert_true(aw_model_in_list((const char *const[]){"a", "b", NULL}, "b"));
    assert_false(aw_model_in_list((const char *const[]){"a", "b", NULL}, NULL));
}

/* ---- vocabularies (vocab.h) ---- */

static void
test_vocab(void **state)
{
    struct fx *f = *state;
    struct aw_vocab *v = NULL;
    struct aw_term_label ngo_l[] = {{"en", "Non-governmental organisation"}, {"fr", "ONG"}};
    struct aw_term_label gp_l[] = {{"en", "the general public"}};
    struct aw_term_label ws_l[] = {{"en", "Workshop"}};
    struct aw_term ngo = {AW_VOCAB_ORG_KIND, "ngo", 0, false, false, ngo_l, 2};
    struct aw_term coe = {AW_VOCAB_ORG_KIND, "coe_body", 0, false, true, ngo_l, 1};
    struct aw_term gp = {AW_VOCAB_AUDIENCE, "general_public", 0, false, false, gp_l, 1};
    struct aw_term ws = {AW_VOCAB_ACTIVITY_KIND, "workshop", 5, true, false, ws_l, 1};
    size_t n;
    enum aw_vocab_list l;

    /* the lists and the shape of a code */
    assert_string_equal(aw_vocab_list_str(AW_VOCAB_DOCUMENT_KIND), "document_kind");
    assert_null(aw_vocab_list_str(AW_VOCAB_N));
    assert_int_equal(aw_vocab_list_parse("audience", &l), 0);
    assert_int_equal(l, AW_VOCAB_AUDIENCE);
    assert_int_equal(aw_vocab_list_parse("audiences", &l), -1);
    assert_true(aw_term_code_ok("parliamentary_question"));
    assert_true(aw_term_code_ok("a1"));
    assert_false(aw_term_code_ok("1a"));
    assert_false(aw_term_code_ok("General"));
    assert_false(aw_term_code_ok("general public"));
    assert_false(aw_term_code_ok(""));
    assert_true(aw_term_code_ok("abcdefghijabcdefghijabcdefghijabcdefghij"));   /* 40 */
    assert_false(aw_term_code_ok("abcdefghijabcdefghijabcdefghijabcdefghijk")); /* 41 */

    /* the fixture's database is made without the shipped lists */
    assert_int_equal(aw_store_vocab(f->st, f->a, &v), AW_OK);
    size_t before = 0;
    aw_vocab_terms(v, AW_VOCAB_ORG_KIND, &before);

    assert_int_equal(aw_store_term_add(f->st, &ngo), AW_OK);
    assert_int_equal(aw_store_term_add(f->st, &coe), AW_OK);
    assert_int_equal(aw_store_term_add(f->st, &gp), AW_OK);
    assert_int_equal(aw_store_term_add(f->st, &ws), AW_OK);
    assert_int_equal(aw_store_term_add(f->st, &ngo), AW_EEXIST);
    struct aw_term bad = ngo;
    bad.code = "Not A Code";
    assert_int_equal(aw_store_term_add(f->st, &bad), AW_EINVAL);
    bad = ngo;
    bad.list = AW_VOCAB_N;
    assert_int_equal(aw_store_term_add(f->st, &bad), AW_EINVAL);

    assert_int_equal(aw_store_vocab(f->st, f->a, &v), AW_OK);
    const struct aw_term *t = aw_vocab_find(v, AW_VOCAB_ORG_KIND, "coe_body");
    assert_non_null(t);
    assert_true(t->organiser);
    assert_true(t->position > aw_vocab_find(v, AW_VOCAB_ORG_KIND, "ngo")->position);
    aw_vocab_terms(v, AW_VOCAB_ORG_KIND, &n);
    assert_int_equal(n, before + 2);
    t = aw_vocab_find(v, AW_VOCAB_ACTIVITY_KIND, "workshop");
    assert_int_equal(t->position, 5);
    assert_true(t->retired);
    assert_null(aw_vocab_find(v, AW_VOCAB_AUDIENCE, "ngo")); /* lists are apart */

    /* labels: the language asked, else English; the code when unknown */
    assert_string_equal(aw_vocab_label(v, AW_VOCAB_ORG_KIND, "ngo", "fr"), "ONG");
    assert_string_equal(aw_vocab_label(v, AW_VOCAB_ORG_KIND, "ngo", "de"),
                        "Non-governmental organisation");
    assert_string_equal(aw_vocab_label(v, AW_VOCAB_ORG_KIND, "nope", "en"), "nope");

    /* what someone meant, and what is allowed (retired terms are not offered) */
    assert_string_equal(aw_vocab_suggest(v, AW_VOCAB_AUDIENCE, "general public"), "general_public");
    assert_string_equal(aw_vocab_suggest(v, AW_VOCAB_AUDIENCE, "The General Public"),
                        "general_public");
    assert_string_equal(aw_vocab_suggest(v, AW_VOCAB_ORG_KIND, "NGO"), "ngo");
    assert_string_equal(aw_vocab_suggest(v, AW_VOCAB_ORG_KIND, "ong"), "ngo"); /* a label */
    assert_null(aw_vocab_suggest(v, AW_VOCAB_ORG_KIND, "parliament"));
    assert_string_equal(aw_vocab_codes(v, AW_VOCAB_ACTIVITY_KIND, f->a),
                        "(none: the list is empty)");
    assert_string_equal(aw_vocab_codes(v, AW_VOCAB_AUDIENCE, f->a), "general_public");

    /* update: flags, position and every label replaced */
    struct aw_term_label new_l[] = {{"en", "NGO"}};
    struct aw_term up = ngo;
    up.position = 9;
    up.retired = true;
    up.labels = new_l;
    up.nlabels = 1;
    assert_int_equal(aw_store_term_update(f->st, &up), AW_OK);
    up.code = "missing";
    assert_int_equal(aw_store_term_update(f->st, &up), AW_ENOTFOUND);
    /* the shipped labels do not overwrite an admin's: only a missing one is added */
    assert_int_equal(aw_store_term_labels_add(f->st, &ngo), AW_OK);
    assert_int_equal(aw_store_vocab(f->st, f->a, &v), AW_OK);
    t = aw_vocab_find(v, AW_VOCAB_ORG_KIND, "ngo");
    assert_true(t->retired);
    assert_int_equal(t->position, 9);
    assert_int_equal(t->nlabels, 2);
    assert_string_equal(aw_term_label(t, "en"), "NGO");
    assert_string_equal(aw_term_label(t, "fr"), "ONG");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrate_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commits_durable, setup, teardown_vfs),
        cmocka_unit_test_setup_teardown(test_migrations_from_share_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_version_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_countries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_editions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edition_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activities_by_edition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activities_by_country_and_org, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activity_upsert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statements_documents_tools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test(test_slugify),
        cmocka_unit_test(test_model_tables),
        cmocka_unit_test_setup_teardown(test_vocab, setup, teardown),
    };
    aw_log_set_level(AW_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
