/* sql_pg.c: the PostgreSQL driver (struct aw_sql_driver, sql.h), over libpq.
 * The only file that calls PQ... (scripts/lint.sh).
 *
 * The target is a libpq connection URI ("postgresql://user@host:port/db",
 * with ?host=/socket/dir for a Unix socket), passed to PQconnectdb as it is.
 * Statements are prepared on the server once per connection (PQprepare,
 * named s1, s2 ...), their ?N parameters rewritten as $N, and run with text
 * parameters (PQexecPrepared); a step walks the rows of the result. The
 * transaction-control statements SQLite writes as statements (SAVEPOINT...)
 * are driver operations here, since PostgreSQL cannot prepare them.
 *
 * Failures are classed by SQLSTATE: 23505 a duplicate, other 23xxx a
 * constraint; "not now" is a lost or refused connection (08xxx, 57Pxx), a
 * full disk or too many connections (53xxx), a serialization failure or
 * deadlock (40001, 40P01) and a lock not obtained (55P03). */
#include "store/sql.h"

#include "aw/buf.h"
#include "aw/log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 64

struct conn {
    struct aw_sql base;
    PGconn *pg;
    int next_name;    /* the next statement's name: s<N> */
    bool implicit_tx; /* savepoint() began the transaction it is in */
    int64_t changes;  /* rows written by the last statement */
    enum aw_sql_fault fault;
    char errmsg[512];
};

struct stmt {
    struct aw_sql_stmt base;
    struct conn *c;
    char name[16];
    int nparams;
    const char *vals[MAX_PARAMS];
    char ints[MAX_PARAMS][24]; /* an integer parameter's text */
    PGresult *res;
    int row, nrows;
    bool bind_failed;
};

/* ---- failures ---- */

static enum aw_sql_fault
classify(const char *state)
{
    if (state == NULL)
        return AW_SQL_F_UNAVAIL; /* no SQLSTATE: the connection itself failed */
    if (strcmp(state, "23505") == 0)
        return AW_SQL_F_UNIQUE;
    if (strncmp(state, "23", 2) == 0)
        return AW_SQL_F_CONSTRAINT;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strncmp(state, "53", 2) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "25006") == 0 /* read-only transaction (a standby) */)
        return AW_SQL_F_UNAVAIL;
    return AW_SQL_F_OTHER;
}

/* Records the failure of res (NULL: of the connection): its class and its
 * message, "duplicate key value violates unique constraint ... (23505)". */
static void
failed(struct conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (msg == NULL)
        msg = PQerrorMessage(c->pg);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    snprintf(c->errmsg, sizeof(c->errmsg), "%.*s (%s)", (int)n, msg, state ? state : "connection");
    c->fault = classify(state);
    if (PQstatus(c->pg) == CONNECTION_BAD)
        c->fault = AW_SQL_F_UNAVAIL;
}

/* Runs text (one or several statements, no parameters). */
static enum aw_err
exec_text(struct conn *c, const char *text)
{
    PGresult *res = PQexec(c->pg, text);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    enum aw_err rc = AW_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        failed(c, res);
        rc = aw_sql_fault_err(c->fault);
    }
    PQclear(res);
    return rc;
}

/* ---- transactions ---- */

static enum aw_err
d_begin(struct aw_sql *base, bool durable)
{
    struct conn *c = (struct conn *)base;
    enum aw_err rc = exec_text(c, "BEGIN");
    /* Its loss in a crash is harmless: do not wait for the WAL flush. */
    if (rc == AW_OK && !durable)
        rc = exec_text(c, "SET LOCAL synchronous_commit = off");
    if (rc != AW_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    return rc;
}

static enum aw_err
d_commit(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    /* COMMIT of a transaction in which a statement failed is a ROLLBACK
     * that reports success: refuse it as the failure it is. */
    if (PQtransactionStatus(c->pg) == PQTRANS_INERROR) {
        PQclear(PQexec(c->pg, "ROLLBACK"));
        snprintf(c->errmsg, sizeof(c->errmsg),
                 "not committed: a statement of the transaction failed (25P02)");
        c->fault = AW_SQL_F_OTHER;
        return AW_EDB;
    }
    return exec_text(c, "COMMIT");
}

static enum aw_err
d_rollback(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    /* the store took its copy of the failure that made it roll back */
    return PQtransactionStatus(c->pg) == PQTRANS_IDLE ? AW_OK : exec_text(c, "ROLLBACK");
}

/* PostgreSQL can alter constraints in place: a migration's transaction is
 * an ordinary one, its foreign keys checked per statement. */
static enum aw_err
d_schema_begin(struct aw_sql *base)
{
    return d_begin(base, true);
}

static enum aw_err
d_schema_end(struct aw_sql *base, bool ok)
{
    enum aw_err rc = ok ? d_commit(base) : AW_OK;
    if (!ok || rc != AW_OK)
        (void)d_rollback(base);
    return rc;
}

/* Outside a transaction, SQLite's SAVEPOINT starts one; PostgreSQL refuses
 * SAVEPOINT there, so that rule is kept here with BEGIN ... COMMIT. */
static enum aw_err
d_savepoint(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        enum aw_err rc = exec_text(c, "BEGIN");
        c->implicit_tx = rc == AW_OK;
        return rc;
    }
    return exec_text(c, "SAVEPOINT aw_put");
}

static enum aw_err
d_savepoint_end(struct aw_sql *base, bool ok)
{
    struct conn *c = (struct conn *)base;
    if (c->implicit_tx) {
        c->implicit_tx = false;
        return ok ? d_commit(base) : d_rollback(base);
    }
    if (ok)
        return exec_text(c, "RELEASE aw_put");
    enum aw_err rc = exec_text(c, "ROLLBACK TO aw_put");
    return rc == AW_OK ? exec_text(c, "RELEASE aw_put") : rc;
}

/* ---- statements ---- */

/* text with ?N written $N (outside quotes), and the highest N. */
static char *
translate(const char *text, int *nparams)
{
    struct aw_buf b = AW_BUF_INIT(1u << 20);
    char quote = 0;
    *nparams = 0;
    for (const char *p = text; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
            int n = 0;
            aw_buf_putc(&b, '$');
            while (p[1] >= '0' && p[1] <= '9') {
                n = n * 10 + (p[1] - '0');
                aw_buf_putc(&b, *++p);
            }
            if (n > *nparams)
                *nparams = n;
            continue;
        }
        aw_buf_putc(&b, *p);
    }
    size_t len = 0;
    if (aw_buf_err(&b) != AW_OK) {
        aw_buf_free(&b);
        return NULL;
    }
    char *out = aw_buf_steal(&b, &len);
    return out ? out : strdup("");
}

static enum aw_err
d_prepare(struct aw_sql *base, const char *text, struct aw_sql_stmt **out)
{
    struct conn *c = (struct conn *)base;
    struct stmt *st = calloc(1, sizeof(*st));
    int n = 0;
    char *pgtext = st ? translate(text, &n) : NULL;
    *out = NULL;
    if (pgtext == NULL || n > MAX_PARAMS) {
        snprintf(c->errmsg, sizeof(c->errmsg), pgtext ? "more than %d parameters" : "out of memory",
                 MAX_PARAMS);
        c->fault = AW_SQL_F_OTHER;
        free(pgtext);
        free(st);
        return AW_EDB;
    }
    snprintf(st->name, sizeof(st->name), "s%d", ++c->next_name);
    PGresult *res = PQprepare(c->pg, st->name, pgtext, n, NULL);
    free(pgtext);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        failed(c, res);
        PQclear(res);
        free(st);
        return aw_sql_fault_err(c->fault);
    }
    PQclear(res);
    st->base.drv = &aw_sql_pg;
    st->c = c;
    st->nparams = n;
    *out = &st->base;
    return AW_OK;
}

static void
d_reset(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    PQclear(st->res);
    st->res = NULL;
    st->row = st->nrows = 0;
    st->bind_failed = false;
    memset(st->vals, 0, sizeof(st->vals));
}

static void
d_finalize(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    d_reset(base);
    /* the server-side statement goes with the connection */
    free(st);
}

static void
d_bind_text(struct aw_sql_stmt *base, int i, const char *v)
{
    struct stmt *st = (struct stmt *)base;
    if (i < 1 || i > st->nparams) {
        st->bind_failed = true;
        return;
    }
    st->vals[i - 1] = v;
}

static void
d_bind_int(struct aw_sql_stmt *base, int i, int64_t v)
{
    struct stmt *st = (struct stmt *)base;
    if (i < 1 || i > st->nparams) {
        st->bind_failed = true;
        return;
    }
    snprintf(st->ints[i - 1], sizeof(st->ints[i - 1]), "%lld", (long long)v);
    st->vals[i - 1] = st->ints[i - 1];
}

static void
d_bind_null(struct aw_sql_stmt *base, int i)
{
    d_bind_text(base, i, NULL);
}

static enum aw_sql_res
d_step(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    struct conn *c = st->c;
    if (st->bind_failed) {
        snprintf(c->errmsg, sizeof(c->errmsg), "binding a parameter out of range");
        c->fault = AW_SQL_F_OTHER;
        return AW_SQL_FAIL;
    }
    if (st->res == NULL) {
        st->res = PQexecPrepared(c->pg, st->name, st->nparams, st->vals, NULL, NULL, 0);
        ExecStatusType s = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
            failed(c, st->res);
            PQclear(st->res);
            st->res = NULL;
            return AW_SQL_FAIL;
        }
        const char *t = PQcmdTuples(st->res);
        c->changes = t && *t ? strtoll(t, NULL, 10) : 0;
        st->nrows = s == PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
        st->row = -1;
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return AW_SQL_ROW;
    }
    st->row = st->nrows;
    return AW_SQL_DONE;
}

static bool
d_is_null(struct aw_sql_stmt *base, int i)
{
    struct stmt *st = (struct stmt *)base;
    return st->res == NULL || PQgetisnull(st->res, st->row, i);
}

static int64_t
d_int64(struct aw_sql_stmt *base, int i)
{
    struct stmt *st = (struct stmt *)base;
    if (d_is_null(base, i))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, i);
    /* booleans come back as t/f where a column is boolean */
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *
d_text(struct aw_sql_stmt *base, int i)
{
    struct stmt *st = (struct stmt *)base;
    return d_is_null(base, i) ? NULL : PQgetvalue(st->res, st->row, i);
}

static size_t
d_bytes(struct aw_sql_stmt *base, int i)
{
    struct stmt *st = (struct stmt *)base;
    return d_is_null(base, i) ? 0 : (size_t)PQgetlength(st->res, st->row, i);
}

static int64_t
d_changes(struct aw_sql *base)
{
    return ((struct conn *)base)->changes;
}

static enum aw_err
d_exec(struct aw_sql *base, const char *text)
{
    return exec_text((struct conn *)base, text);
}

/* An identity column's sequence after rows came in with their ids: the
 * next one follows the highest (a table without one: nothing to do). The
 * table name is an identifier of our schema, checked by the store. */
static enum aw_err
d_reset_ids(struct aw_sql *base, const char *table)
{
    struct conn *c = (struct conn *)base;
    char q[512];
    snprintf(q, sizeof(q),
             "SELECT setval(s, GREATEST(m, 1), m > 0) FROM (SELECT "
             "pg_get_serial_sequence('%s', 'id') AS s, (SELECT COALESCE(MAX(id), 0) FROM \"%s\") "
             "AS m) x WHERE s IS NOT NULL",
             table, table);
    return exec_text(c, q);
}

/* libpq marks the connection bad at the first failed exchange after the
 * server went away; the next request opens a new one (aw_app_store). */
static bool
d_lost(struct aw_sql *base)
{
    return PQstatus(((struct conn *)base)->pg) == CONNECTION_BAD;
}

static enum aw_sql_fault
d_fault(struct aw_sql *base)
{
    return ((struct conn *)base)->fault;
}

static const char *
d_errmsg(struct aw_sql *base)
{
    return ((struct conn *)base)->errmsg;
}

/* ---- opening ---- */

static void
d_close(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    if (c == NULL)
        return;
    PQfinish(c->pg); /* the server rolls back an open transaction */
    free(c);
}

/* libpq's notices (e.g. "there is no transaction in progress") go to our
 * log at debug level instead of standard error. */
static void
notice(void *arg, const char *message)
{
    (void)arg;
    AW_DEBUG("postgresql: %s", message);
}

static enum aw_err
d_open(const char *url, bool create, bool readonly, struct aw_sql **out, char *err, size_t errlen)
{
    (void)create; /* the database is created by its administrator (createdb) */
    struct conn *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return AW_ENOMEM;
    }
    c->base.drv = &aw_sql_pg;
    c->pg = PQconnectdb(url);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        const char *m = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        size_t n = strlen(m);
        while (n > 0 && m[n - 1] == '\n')
            n--;
        snprintf(err, errlen, "PostgreSQL: %.*s", (int)n, m);
        d_close(&c->base);
        return AW_EUNAVAIL;
    }
    PQsetNoticeProcessor(c->pg, notice, NULL);
    /* UTC and ISO dates, whatever the server's defaults; a read-only
     * connection cannot write, as SQLite's mode=ro. */
    enum aw_err rc = exec_text(c, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
    if (rc == AW_OK && readonly)
        rc = exec_text(c, "SET default_transaction_read_only = on");
    if (rc != AW_OK) {
        snprintf(err, errlen, "PostgreSQL: %s", c->errmsg);
        d_close(&c->base);
        return rc;
    }
    *out = &c->base;
    return AW_OK;
}

const struct aw_sql_driver aw_sql_pg = {
    .name = "postgresql",
    .dialect = "pg",
    .open = d_open,
    .close = d_close,
    .prepare = d_prepare,
    .finalize = d_finalize,
    .bind_text = d_bind_text,
    .bind_int = d_bind_int,
    .bind_null = d_bind_null,
    .step = d_step,
    .reset = d_reset,
    .is_null = d_is_null,
    .int64 = d_int64,
    .text = d_text,
    .bytes = d_bytes,
    .changes = d_changes,
    .exec = d_exec,
    .begin = d_begin,
    .commit = d_commit,
    .rollback = d_rollback,
    .schema_begin = d_schema_begin,
    .schema_end = d_schema_end,
    .savepoint = d_savepoint,
    .savepoint_end = d_savepoint_end,
    .reset_ids = d_reset_ids,
    .lost = d_lost,
    .fault = d_fault,
    .errmsg = d_errmsg,
};
