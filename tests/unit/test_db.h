/* test_db.h: the database a store unit test runs on. By default a SQLite file in the test's own
 * directory; when AW_TEST_PG names the directory of a cluster that scripts/pg.sh started
 * (ctest's pg.unit.* tests), a fresh PostgreSQL database of that cluster instead, created through
 * the project's own driver (src/store/sql.h), so that the same test runs on both databases. */
#ifndef AW_TEST_DB_H
#define AW_TEST_DB_H

#include "aw/load.h"
#include "aw/store.h"
#include "store/sql.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* True when the tests run on PostgreSQL (AW_TEST_PG set). */
static inline bool
aw_test_is_pg(void)
{
    const char *pg = getenv("AW_TEST_PG");
    return pg != NULL && *pg != '\0';
}

/* out: "DIR/FILE", or the URL of a new PostgreSQL database. Aborts the test program when the
 * cluster cannot give one (a set-up failure, not a test failure). */
static inline void
aw_test_db(char *out, size_t outlen, const char *dir, const char *file)
{
    const char *pg = getenv("AW_TEST_PG");
    if (pg == NULL || *pg == '\0') {
        snprintf(out, outlen, "%s/%s", dir, file);
        return;
    }
    static int seq;
    char path[512], port[16] = "", base[1024], err[512], sql[128];
    snprintf(path, sizeof(path), "%s/port", pg);
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(port, sizeof(port), f) == NULL) {
        fprintf(stderr, "test_db: no port file in %s (scripts/pg.sh start %s)\n", pg, pg);
        exit(2);
    }
    fclose(f);
    port[strcspn(port, "\n")] = '\0';
    /* the cluster's owner: postgres when pg.sh ran as root, else this user */
    const struct passwd *pw = getpwuid(geteuid());
    const char *user = geteuid() == 0 ? "postgres" : (pw ? pw->pw_name : "postgres");
    snprintf(base, sizeof(base), "postgresql://%s@/postgres?host=%s/sock&port=%s", user, pg, port);
    struct aw_sql *c = NULL;
    if (aw_sql_pg.open(base, false, false, &c, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "test_db: %s\n", err);
        exit(2);
    }
    char name[64];
    snprintf(name, sizeof(name), "unit_%d_%d", (int)getpid(), ++seq);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    if (aw_sql_exec(c, sql) != AW_OK) {
        fprintf(stderr, "test_db: %s: %s\n", sql, aw_sql_errmsg(c));
        exit(2);
    }
    aw_sql_close(c);
    snprintf(out, outlen, "postgresql://%s@/%s?host=%s/sock&port=%s", user, name, pg, port);
}

/* --- reading what the store's interface does not show (triggers, pruned rows, last_seen) ---
 * Through the project's own driver for the URL (sql.h), so the same check runs on SQLite and on
 * PostgreSQL; the SQL given must be valid in both dialects. */

static inline struct aw_sql *
aw_test_raw_open(const char *url)
{
    struct aw_sql *c = NULL;
    char err[512];
    /* the store's own reading of a URL: a file for SQLite, else a server */
    const char *file = aw_store_file_path(url);
    if ((file ? aw_sql_sqlite : aw_sql_pg)
            .open(file ? file : url, false, false, &c, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "test_db: %s\n", err);
        exit(2);
    }
    return c;
}

static inline void
aw_test_raw_close(struct aw_sql *c)
{
    aw_sql_close(c);
}

/* The first column of the first row of sql, as an integer (-1: no row); ?1 is bound to p1 when
 * it is not NULL. */
static inline int64_t
aw_test_raw_int_p(struct aw_sql *c, const char *sql, const char *p1)
{
    struct aw_sql_stmt *s = NULL;
    int64_t v = -1;
    if (aw_sql_prepare(c, sql, &s) != AW_OK) {
        fprintf(stderr, "test_db: %s: %s\n", sql, aw_sql_errmsg(c));
        exit(2);
    }
    if (p1)
        aw_sql_bind_text(s, 1, p1);
    if (aw_sql_step(s) == AW_SQL_ROW)
        v = aw_sql_int64(s, 0);
    aw_sql_reset(s);
    aw_sql_finalize(s);
    return v;
}

static inline int64_t
aw_test_raw_int(struct aw_sql *c, const char *sql)
{
    return aw_test_raw_int_p(c, sql, NULL);
}

/* The same as text in buf ("" for no row or NULL). */
static inline const char *
aw_test_raw_text(struct aw_sql *c, const char *sql, char *buf, size_t len)
{
    struct aw_sql_stmt *s = NULL;
    buf[0] = '\0';
    if (aw_sql_prepare(c, sql, &s) != AW_OK) {
        fprintf(stderr, "test_db: %s: %s\n", sql, aw_sql_errmsg(c));
        exit(2);
    }
    if (aw_sql_step(s) == AW_SQL_ROW && aw_sql_text(s, 0) != NULL)
        snprintf(buf, len, "%s", aw_sql_text(s, 0));
    aw_sql_reset(s);
    aw_sql_finalize(s);
    return buf;
}

/* Runs statements; the driver's verdict (the message in aw_sql_errmsg). */
static inline enum aw_err
aw_test_raw_exec(struct aw_sql *c, const char *sql)
{
    return aw_sql_exec(c, sql);
}

/* Loads the shipped vocabularies (data/reference/vocabularies.csv) into st,
 * which the data of most tests uses; aborts when it cannot. */
static inline void
aw_test_vocab(struct aw_store *st)
{
    const char *src = getenv("AW_SOURCE_DIR");
    char path[1024], err[1024];
    snprintf(path, sizeof(path), "%s/data/reference/vocabularies.csv", src ? src : ".");
    if (aw_load_vocabularies(st, path, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "test_db: %s\n", err);
        exit(2);
    }
}

#endif
