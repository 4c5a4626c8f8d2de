/* test_db.h: the database a store unit test runs on. By default a SQLite file in the test's own
 * directory; when AW_TEST_PG names the directory of a cluster that scripts/pg.sh started
 * (ctest's pg.unit.* tests), a fresh PostgreSQL database of that cluster instead, created through
 * the project's own driver (src/store/sql.h), so that the same test runs on both databases. */
#ifndef AW_TEST_DB_H
#define AW_TEST_DB_H

#include "store/sql.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
