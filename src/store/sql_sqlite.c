/* sql_sqlite.c: the SQLite driver (struct aw_sql_driver, sql.h). The only
 * file that calls sqlite3_ (scripts/lint.sh).
 *
 * At open: extended result codes, a 5 s busy timeout, WAL, foreign keys on,
 * synchronous = FULL (or, read-only, a connection that cannot write); a
 * file SQLite could open only read-only is refused with a message that says
 * what to do. Failures are named: the primary codes that mean "not now"
 * (SQLITE_FULL, _READONLY, _BUSY...) are AW_SQL_F_UNAVAIL, and the message
 * carries the code's name, the extended code and the errno. Transactions take
 * the process's writer turn before BEGIN IMMEDIATE (below). */
#include "store/sql.h"

#include "aw/buf.h"
#include "aw/log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a write waits for another connection's lock (or for its turn,
 * `writer`) before AW_EUNAVAIL. */
#define BUSY_TIMEOUT_US (5 * 1000000)

struct conn {
    struct aw_sql base;
    sqlite3 *db;
    bool holds_writer; /* this connection holds `writer` (between begin and its end) */
    bool nondurable;   /* the open transaction commits with synchronous = NORMAL */
    bool in_tx;        /* BEGIN succeeded; until the end of that transaction */
    enum aw_sql_fault fault;
    char tx_cause[256]; /* the first failure inside the open transaction */
    char errmsg[512];
};

struct stmt {
    struct aw_sql_stmt base;
    struct conn *c;
    sqlite3_stmt *s;
    int bind_rc; /* first failed bind since the last reset (sticky) */
};

/* The process's writers take turns here before BEGIN IMMEDIATE, sleeping in
 * the kernel until the turn is free. Without it they meet at SQLite's lock,
 * whose busy handler sleeps 1, 2, 5 ... up to 100 ms between tries: under a
 * burst of durable commits (each holding the lock well under a millisecond)
 * a waiter that had backed off kept losing to newcomers, and the share
 * POST's p99 was 0.80-1.40 s (1,497-1,636 submissions/s); with the turn,
 * and the rate-limit hit's commit not waiting for the disk
 * (aw_store_begin_nondurable), 15-24 ms at 1,631-2,118/s (bench/submit.sh,
 * same machine, same go: docs/BENCHMARKS.md, "Durable submissions").
 * SQLite's lock still orders this process against other instances (busy
 * timeout BUSY_TIMEOUT_US). One mutex for the process, whatever the file:
 * a process serves one database. Timed, so that two connections of one
 * thread (tests) wait BUSY_TIMEOUT_US and fail instead of deadlocking. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

/* ---- failures ---- */

/* The primary result codes that mean "not now" rather than "wrong": the
 * same write can succeed once space is freed, the file made writable or the
 * lock holder done (or, for I/O errors, the device repaired). The store maps
 * them to AW_EUNAVAIL, which the pages answer with 503 and the form as typed
 * (app_page.c), and their names go into the message so that the log says
 * which: "database or disk is full (SQLITE_FULL)". */
static const struct {
    int code;
    const char *name;
} unavail_codes[] = {
    {SQLITE_FULL, "SQLITE_FULL"},         {SQLITE_READONLY, "SQLITE_READONLY"},
    {SQLITE_BUSY, "SQLITE_BUSY"},         {SQLITE_LOCKED, "SQLITE_LOCKED"},
    {SQLITE_IOERR, "SQLITE_IOERR"},       {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
    {SQLITE_PROTOCOL, "SQLITE_PROTOCOL"}, {SQLITE_ABORT, "SQLITE_ABORT"},
};

static const char *
unavail_name(int src)
{
    for (size_t i = 0; i < sizeof(unavail_codes) / sizeof(unavail_codes[0]); i++)
        if (unavail_codes[i].code == (src & 0xff))
            return unavail_codes[i].name;
    return NULL;
}

/* Records the failure src of the connection: its class and its message. */
static void
failed(struct conn *c, int src)
{
    const char *name = unavail_name(src);
    int x = sqlite3_extended_errcode(c->db);
    if (name == NULL) {
        snprintf(c->errmsg, sizeof(c->errmsg), "%s", sqlite3_errmsg(c->db));
        c->fault = (src & 0xff) != SQLITE_CONSTRAINT ? AW_SQL_F_OTHER
                   : x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY
                       ? AW_SQL_F_UNIQUE
                       : AW_SQL_F_CONSTRAINT;
    } else {
        /* The extended code when there is one (SQLITE_READONLY_DBMOVED is
         * 1032), and the errno of the failed system call (EROFS, EIO; a
         * short write is SQLITE_FULL with errno cleared, on purpose). */
        int sys = sqlite3_system_errno(c->db);
        const char *sysname = sys ? strerrorname_np(sys) : NULL;
        char ext[24] = "";
        if (src != (src & 0xff))
            snprintf(ext, sizeof(ext), " %d", src);
        snprintf(c->errmsg, sizeof(c->errmsg), "%s (%s%s%s%s)", sqlite3_errmsg(c->db), name, ext,
                 sysname ? ", " : "", sysname ? sysname : "");
        c->fault = AW_SQL_F_UNAVAIL;
    }
    /* The first failure of a transaction, for what it makes fail later. */
    if (c->in_tx && c->tx_cause[0] == '\0')
        snprintf(c->tx_cause, sizeof(c->tx_cause), "%.255s", c->errmsg);
}

static enum aw_err
exec_src(struct conn *c, const char *text)
{
    int src = sqlite3_exec(c->db, text, NULL, NULL, NULL);
    if (src == SQLITE_OK)
        return AW_OK;
    failed(c, src);
    return aw_sql_fault_err(c->fault);
}

/* ---- transactions ---- */

/* PRAGMA synchronous takes effect when the statement is compiled, not when
 * it runs (sqlite.org/pragma.html), so it is never a prepared statement:
 * sqlite3_exec() compiles it each time. */
#define SYNC_FULL "PRAGMA synchronous = FULL"
#define SYNC_NORMAL "PRAGMA synchronous = NORMAL"

/* Ends the transaction's turn, and puts synchronous back to FULL after a
 * non-durable one (outside a transaction, where the pragma applies). */
static void
end_tx(struct conn *c)
{
    if (c->nondurable && sqlite3_get_autocommit(c->db)) {
        if (exec_src(c, SYNC_FULL) == AW_OK)
            c->nondurable = false;
        else /* begin() tries again, and refuses a durable transaction without it */
            AW_ERROR("%s: %s", SYNC_FULL, c->errmsg);
    }
    c->in_tx = false;
    if (c->holds_writer) {
        c->holds_writer = false;
        c->tx_cause[0] = '\0';
        pthread_mutex_unlock(&writer);
    }
}

static enum aw_err
d_begin(struct aw_sql *base, bool durable)
{
    struct conn *c = (struct conn *)base;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BUSY_TIMEOUT_US / 1000000;
    if (pthread_mutex_timedlock(&writer, &until) != 0) {
        snprintf(c->errmsg, sizeof(c->errmsg),
                 "another connection of this process kept the write lock for %d s (SQLITE_BUSY)",
                 BUSY_TIMEOUT_US / 1000000);
        c->fault = AW_SQL_F_UNAVAIL;
        return AW_EUNAVAIL;
    }
    c->holds_writer = true;
    enum aw_err rc = AW_OK;
    if (durable && c->nondurable) { /* FULL could not be put back after the last one */
        rc = exec_src(c, SYNC_FULL);
        if (rc == AW_OK)
            c->nondurable = false;
    } else if (!durable) {
        rc = exec_src(c, SYNC_NORMAL);
        c->nondurable = rc == AW_OK;
    }
    if (rc == AW_OK)
        rc = exec_src(c, "BEGIN IMMEDIATE");
    if (rc != AW_OK)
        end_tx(c);
    else
        c->in_tx = true;
    return rc;
}

/* Whether SQLite rolled the open transaction back by itself (after
 * SQLITE_FULL, an I/O error, out of memory). Then nothing more runs in it:
 * each statement would otherwise be committed on its own (a mail about a
 * share that is not stored), and a COMMIT would fail with a bare "no
 * transaction is active". The failure says what ("not run", "not
 * committed") and names the first failure of the transaction. */
static bool
rolled_back(struct conn *c, const char *what)
{
    if (!c->in_tx || !sqlite3_get_autocommit(c->db))
        return false;
    snprintf(c->errmsg, sizeof(c->errmsg), "%s, SQLite rolled the transaction back after: %s", what,
             c->tx_cause[0] ? c->tx_cause : "an earlier failure (SQLITE_ABORT_ROLLBACK)");
    c->fault = AW_SQL_F_UNAVAIL;
    return true;
}

static enum aw_err
d_commit(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    enum aw_err rc = rolled_back(c, "not committed") ? AW_EUNAVAIL : exec_src(c, "COMMIT");
    /* A failed COMMIT may leave the transaction open (SQLITE_BUSY): the
     * caller's rollback ends the turn then. */
    if (rc == AW_OK || sqlite3_get_autocommit(c->db))
        end_tx(c);
    return rc;
}

static enum aw_err
d_rollback(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    enum aw_err rc = AW_OK;
    /* After SQLITE_FULL or an I/O error SQLite may have rolled back by
     * itself: nothing to do then. (The store took its copy of the failure
     * that made it roll back when that failed: nothing here needs keeping.) */
    if (!sqlite3_get_autocommit(c->db))
        rc = exec_src(c, "ROLLBACK");
    end_tx(c);
    return rc;
}

/* PRAGMA foreign_keys cannot change inside a transaction: off before it
 * begins, PRAGMA foreign_key_check before the commit, on again however it
 * ended (sqlite.org/lang_altertable.html, "other kinds of schema changes"). */
static enum aw_err
d_schema_begin(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    enum aw_err rc = exec_src(c, "PRAGMA foreign_keys = OFF");
    if (rc == AW_OK && (rc = d_begin(base, true)) != AW_OK)
        (void)exec_src(c, "PRAGMA foreign_keys = ON");
    return rc;
}

static enum aw_err
d_schema_end(struct aw_sql *base, bool ok)
{
    struct conn *c = (struct conn *)base;
    enum aw_err rc = AW_OK;
    if (ok) {
        sqlite3_stmt *s = NULL;
        int src = sqlite3_prepare_v2(c->db, "PRAGMA foreign_key_check", -1, &s, NULL);
        if (src == SQLITE_OK)
            src = sqlite3_step(s);
        if (src == SQLITE_ROW) {
            snprintf(c->errmsg, sizeof(c->errmsg),
                     "a row of %s refers to a missing row of %s (PRAGMA foreign_key_check)",
                     (const char *)sqlite3_column_text(s, 0),
                     (const char *)sqlite3_column_text(s, 2));
            c->fault = AW_SQL_F_CONSTRAINT;
            rc = AW_EINVAL;
        } else if (src != SQLITE_DONE) {
            failed(c, src);
            rc = aw_sql_fault_err(c->fault);
        }
        sqlite3_finalize(s);
    }
    if (ok && rc == AW_OK)
        rc = d_commit(base);
    if (!ok || rc != AW_OK)
        (void)d_rollback(base);
    enum aw_err on = exec_src(c, "PRAGMA foreign_keys = ON");
    return rc != AW_OK ? rc : on;
}

/* SQLite's SAVEPOINT outside a transaction starts one (deferred), which is
 * the rule sql.h asks for. */
static enum aw_err
d_savepoint(struct aw_sql *base)
{
    return exec_src((struct conn *)base, "SAVEPOINT aw_put");
}

static enum aw_err
d_savepoint_end(struct aw_sql *base, bool ok)
{
    struct conn *c = (struct conn *)base;
    if (ok)
        return exec_src(c, "RELEASE aw_put");
    enum aw_err rc = exec_src(c, "ROLLBACK TO aw_put");
    return rc == AW_OK ? exec_src(c, "RELEASE aw_put") : rc;
}

/* ---- statements ---- */

static enum aw_err
d_prepare(struct aw_sql *base, const char *text, struct aw_sql_stmt **out)
{
    struct conn *c = (struct conn *)base;
    struct stmt *st = calloc(1, sizeof(*st));
    *out = NULL;
    if (st == NULL) {
        snprintf(c->errmsg, sizeof(c->errmsg), "out of memory");
        c->fault = AW_SQL_F_OTHER;
        return AW_ENOMEM;
    }
    int src = sqlite3_prepare_v3(c->db, text, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL);
    if (src != SQLITE_OK) {
        failed(c, src);
        free(st);
        return aw_sql_fault_err(c->fault);
    }
    st->base.drv = &aw_sql_sqlite;
    st->c = c;
    *out = &st->base;
    return AW_OK;
}

static void
d_finalize(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    sqlite3_finalize(st->s);
    free(st);
}

static void
bind_rc(struct stmt *st, int rc)
{
    if (rc != SQLITE_OK && st->bind_rc == SQLITE_OK)
        st->bind_rc = rc;
}

static void
d_bind_text(struct aw_sql_stmt *base, int i, const char *v)
{
    struct stmt *st = (struct stmt *)base;
    if (v == NULL)
        bind_rc(st, sqlite3_bind_null(st->s, i));
    else
        bind_rc(st, sqlite3_bind_text(st->s, i, v, -1, SQLITE_STATIC));
}

static void
d_bind_int(struct aw_sql_stmt *base, int i, int64_t v)
{
    struct stmt *st = (struct stmt *)base;
    bind_rc(st, sqlite3_bind_int64(st->s, i, v));
}

static void
d_bind_null(struct aw_sql_stmt *base, int i)
{
    struct stmt *st = (struct stmt *)base;
    bind_rc(st, sqlite3_bind_null(st->s, i));
}

/* sqlite3_step, or the pending bind error, or nothing in a transaction
 * SQLite rolled back by itself (rolled_back()). */
static enum aw_sql_res
d_step(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    struct conn *c = st->c;
    if (st->bind_rc != SQLITE_OK) {
        snprintf(c->errmsg, sizeof(c->errmsg), "binding a parameter: %s",
                 sqlite3_errstr(st->bind_rc));
        c->fault = AW_SQL_F_OTHER;
        return AW_SQL_FAIL;
    }
    if (rolled_back(c, "not run"))
        return AW_SQL_FAIL;
    int src = sqlite3_step(st->s);
    if (src == SQLITE_ROW)
        return AW_SQL_ROW;
    if (src == SQLITE_DONE)
        return AW_SQL_DONE;
    failed(c, src);
    return AW_SQL_FAIL;
}

static void
d_reset(struct aw_sql_stmt *base)
{
    struct stmt *st = (struct stmt *)base;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    st->bind_rc = SQLITE_OK;
}

static bool
d_is_null(struct aw_sql_stmt *base, int i)
{
    return sqlite3_column_type(((struct stmt *)base)->s, i) == SQLITE_NULL;
}

static int64_t
d_int64(struct aw_sql_stmt *base, int i)
{
    return sqlite3_column_int64(((struct stmt *)base)->s, i);
}

static const char *
d_text(struct aw_sql_stmt *base, int i)
{
    return (const char *)sqlite3_column_text(((struct stmt *)base)->s, i);
}

static size_t
d_bytes(struct aw_sql_stmt *base, int i)
{
    return (size_t)sqlite3_column_bytes(((struct stmt *)base)->s, i);
}

static int64_t
d_changes(struct aw_sql *base)
{
    return sqlite3_changes64(((struct conn *)base)->db);
}

static enum aw_err
d_exec(struct aw_sql *base, const char *text)
{
    return exec_src((struct conn *)base, text);
}

static enum aw_err
d_reset_ids(struct aw_sql *base, const char *table)
{
    (void)base;
    (void)table;
    return AW_OK; /* an INTEGER PRIMARY KEY takes the highest rowid + 1 by itself */
}

static bool
d_lost(struct aw_sql *base)
{
    (void)base;
    return false; /* a file does not go away under an open connection */
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

/* Why the file or its directory cannot be written, from access(2) (SQLite's
 * own errno after a failed open is that of its last attempt, often the
 * -shm file's ENOENT): "its file system is read-only (EROFS)"; NULL when
 * both can be written. */
static const char *
unwritable(const char *path, char *buf, size_t len)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof(dir))
        return NULL;
    memcpy(dir, path, n);
    dir[n] = '\0';
    const char *what = NULL;
    if (access(path, W_OK) != 0 && errno != ENOENT)
        what = "the file";
    else if (access(n ? dir : (slash ? "/" : "."), W_OK) != 0)
        what = "its directory";
    if (what == NULL)
        return NULL;
    int e = errno;
    snprintf(buf, len, "%s cannot be written: %s (%s)", what,
             e == EROFS ? "the file system is read-only" : strerror(e),
             strerrorname_np(e) ? strerrorname_np(e) : "?");
    return buf;
}

#define WRITABLE_HINT                                                                              \
    "awareday writes the database file and, beside it, its -wal and -shm files: make them "        \
    "writable by this user, or set read_only = yes to serve the site without its forms"

/* A failure while opening, named, with what the operator can do about it. */
static enum aw_err
open_fail(struct conn *c, const char *path, int src, bool readonly, char *err, size_t errlen)
{
    failed(c, src);
    enum aw_err rc = aw_sql_fault_err(c->fault);
    char why[256];
    /* Only failures that can come from the file's permissions are blamed on
     * them (a corrupt file in a read-only directory is still corrupt). */
    int prim = src & 0xff;
    bool about_writing = prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR;
    const char *cause = readonly || !about_writing ? NULL : unwritable(path, why, sizeof(why));
    if (cause) {
        rc = AW_EUNAVAIL;
        snprintf(err, errlen, "%s: %s; " WRITABLE_HINT " (SQLite said: %s)", path, cause,
                 c->errmsg);
    } else {
        /* A file that is not there is not a "try again later". */
        if (prim == SQLITE_CANTOPEN)
            rc = AW_EDB;
        snprintf(err, errlen, "%s: %s", path, c->errmsg);
    }
    return rc;
}

/* A file name as a SQLite URI (RFC 3986 percent-encoding of what is not
 * unreserved or '/'), so that mode= and immutable=1 can be asked for. */
static char *
uri_for(const char *path, const char *query)
{
    struct aw_buf b = AW_BUF_INIT(16384);
    /* "file:" then the path, except that a path starting with "//" would be
     * read as an authority: an absolute path gets an empty one. */
    aw_buf_puts(&b, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            aw_buf_putc(&b, (char)*p);
        else
            aw_buf_printf(&b, "%%%02X", *p);
    }
    aw_buf_printf(&b, "?%s", query);
    size_t n = 0;
    if (aw_buf_err(&b) != AW_OK) {
        aw_buf_free(&b);
        return NULL; /* a path longer than any file system allows */
    }
    return aw_buf_steal(&b, &n);
}

static void d_close(struct aw_sql *base);

/* Read-write: WAL, synchronous = FULL, and a file that SQLite could open
 * only read-only is refused (AW_EUNAVAIL) rather than discovered at the
 * first write. Read-only (the read_only setting): no pragma that writes; a
 * WAL database on a read-only medium has no -shm file and cannot be given
 * one, so SQLite cannot read it unless told that nothing changes it
 * (immutable=1): that is the fallback, refused when the -wal file still
 * holds commits (immutable ignores it). */
static enum aw_err
open_db(struct conn *c, const char *path, bool create, bool readonly, char *err, size_t errlen)
{
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI |
                (readonly ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
    char *uri = uri_for(path, readonly ? "mode=ro" : create ? "mode=rwc" : "mode=rw");
    if (uri == NULL) {
        snprintf(err, errlen, "%.64s...: the path is too long", path);
        return AW_ECONFIG;
    }
    int src = sqlite3_open_v2(uri, &c->db, flags, NULL);
    free(uri);
    if (c->db == NULL) {
        snprintf(err, errlen, "%s: cannot open the database", path);
        return AW_ENOMEM;
    }
    sqlite3_extended_result_codes(c->db, 1);
    if (src != SQLITE_OK)
        return open_fail(c, path, src, readonly, err, errlen);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_US / 1000);
    if (readonly) {
        src = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
        if ((src & 0xff) == SQLITE_CANTOPEN) {
            char wal[4200];
            struct stat wst;
            snprintf(wal, sizeof(wal), "%s-wal", path);
            if (stat(wal, &wst) == 0 && wst.st_size > 0) {
                snprintf(err, errlen,
                         "%s: on a read-only medium with commits still in %s, which SQLite "
                         "cannot read there; checkpoint it where it can be written (sqlite3 "
                         "%s \"PRAGMA wal_checkpoint(TRUNCATE)\") before copying it",
                         path, wal, path);
                return AW_EUNAVAIL;
            }
            AW_INFO("%s: read-only medium without a -shm file: opened as immutable", path);
            sqlite3_close(c->db);
            c->db = NULL;
            uri = uri_for(path, "mode=ro&immutable=1");
            src = uri ? sqlite3_open_v2(uri, &c->db, flags, NULL) : SQLITE_CANTOPEN;
            free(uri);
            if (c->db == NULL) {
                snprintf(err, errlen, "%s: cannot open the database", path);
                return AW_ENOMEM;
            }
            sqlite3_extended_result_codes(c->db, 1);
            if (src == SQLITE_OK)
                src = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
        }
        if (src == SQLITE_OK)
            src = sqlite3_exec(c->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
        return src == SQLITE_OK ? AW_OK : open_fail(c, path, src, readonly, err, errlen);
    }
    /* synchronous = FULL: a commit returns once the WAL is synced, so an
     * acknowledged submission survives a power cut (NORMAL syncs only at
     * checkpoints). Its cost is measured in docs/BENCHMARKS.md. */
    static const char *const pragmas[] = {"PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                                          SYNC_FULL};
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
        if ((src = sqlite3_exec(c->db, pragmas[i], NULL, NULL, NULL)) != SQLITE_OK)
            return open_fail(c, path, src, readonly, err, errlen);
    if (sqlite3_db_readonly(c->db, "main") == 1) {
        char why[256];
        const char *cause = unwritable(path, why, sizeof(why));
        snprintf(err, errlen, "%s: %s; " WRITABLE_HINT " (SQLITE_READONLY)", path,
                 cause ? cause : "SQLite could open it only read-only");
        return AW_EUNAVAIL;
    }
    return AW_OK;
}

static enum aw_err
d_open(const char *path, bool create, bool readonly, struct aw_sql **out, char *err, size_t errlen)
{
    struct conn *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return AW_ENOMEM;
    }
    c->base.drv = &aw_sql_sqlite;
    enum aw_err rc = open_db(c, path, create, readonly, err, errlen);
    if (rc != AW_OK) {
        d_close(&c->base);
        return rc;
    }
    *out = &c->base;
    return AW_OK;
}

static void
d_close(struct aw_sql *base)
{
    struct conn *c = (struct conn *)base;
    if (c == NULL)
        return;
    if (c->db && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    end_tx(c);
    sqlite3_close(c->db);
    free(c);
}

const struct aw_sql_driver aw_sql_sqlite = {
    .name = "sqlite",
    .dialect = "sqlite",
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
