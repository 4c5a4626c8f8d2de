/* sql.h: the SQL driver interface the store is written against (issue 7).
 *
 * The store (store_sql.c) holds the statements, the row mapping and the
 * policy once; a driver only moves statements and values between it and one
 * database engine: open, prepare, bind, step, read a column, transactions,
 * and what a failure means. This is the shape of PowerDNS's generic SQL
 * backend (one implementation over gsqlite3 and gpgsql) and of Dovecot's
 * lib-sql. Drivers: sql_sqlite.c (the embedded default), sql_pg.c (libpq).
 * Only a driver's own file may call its engine's API (scripts/lint.sh).
 *
 * Handles are opaque to the store: a driver's connection and statement
 * structs begin with struct aw_sql / struct aw_sql_stmt, whose `drv` the
 * inline wrappers below dispatch through (as sqlite3_file and its
 * io_methods). A connection, and its statements, are used by one thread at a
 * time. Statement text uses ?1, ?2 ... for parameters; a driver whose engine
 * spells them otherwise translates them at prepare. */
#ifndef AW_STORE_SQL_H
#define AW_STORE_SQL_H

#include "aw/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aw_sql_driver;

struct aw_sql {
    const struct aw_sql_driver *drv;
};

struct aw_sql_stmt {
    const struct aw_sql_driver *drv;
};

/* What a step gives. */
enum aw_sql_res {
    AW_SQL_ROW,  /* a row is ready: read its columns */
    AW_SQL_DONE, /* no (more) rows; a write is done */
    AW_SQL_FAIL, /* see aw_sql_fault() and aw_sql_errmsg() */
};

/* What the last failure of a connection means, for the store to map. */
enum aw_sql_fault {
    AW_SQL_F_OTHER,      /* a bug or a broken database: AW_EDB */
    AW_SQL_F_CONSTRAINT, /* a CHECK, NOT NULL or foreign key refused the row */
    AW_SQL_F_UNIQUE,     /* a UNIQUE or PRIMARY KEY refused it (a duplicate) */
    AW_SQL_F_UNAVAIL,    /* not now: disk full, read-only, a lock held too long, I/O */
};

struct aw_sql_driver {
    const char *name;    /* "sqlite" */
    const char *dialect; /* the migrations directory: sql/<dialect>/ */
    /* target: what follows the URL scheme (a file path for SQLite).
     * readonly: a connection that cannot write (the read_only setting).
     * Without it, a database that can be read but not written is refused
     * with AW_EUNAVAIL and a message saying what to do. */
    enum aw_err (*open)(const char *target, bool create, bool readonly, struct aw_sql **out,
                        char *err, size_t errlen);
    void (*close)(struct aw_sql *c); /* rolls back an open transaction; NULL is a no-op */
    /* Prepared once and kept (the store prepares its whole table at open). */
    enum aw_err (*prepare)(struct aw_sql *c, const char *text, struct aw_sql_stmt **out);
    void (*finalize)(struct aw_sql_stmt *s);
    /* A failed bind is kept and returned by the next step. Text is not
     * copied: it must live until the statement is reset. NULL binds NULL. */
    void (*bind_text)(struct aw_sql_stmt *s, int i, const char *v);
    void (*bind_int)(struct aw_sql_stmt *s, int i, int64_t v);
    void (*bind_null)(struct aw_sql_stmt *s, int i);
    enum aw_sql_res (*step)(struct aw_sql_stmt *s);
    void (*reset)(struct aw_sql_stmt *s); /* and clear bindings: every path calls it */
    bool (*is_null)(struct aw_sql_stmt *s, int i);
    int64_t (*int64)(struct aw_sql_stmt *s, int i);
    const char *(*text)(struct aw_sql_stmt *s,
                        int i); /* NULL for NULL; valid until the next step */
    size_t (*bytes)(struct aw_sql_stmt *s, int i);
    int64_t (*changes)(struct aw_sql *c); /* rows written by the last statement */
    /* Statements without parameters, possibly several (migrations). */
    enum aw_err (*exec)(struct aw_sql *c, const char *text);
    /* A write transaction, taking the write lock at once. !durable: its
     * commit does not wait for the disk (aw_store_begin_nondurable). */
    enum aw_err (*begin)(struct aw_sql *c, bool durable);
    enum aw_err (*commit)(struct aw_sql *c);
    enum aw_err (*rollback)(struct aw_sql *c); /* also after the engine rolled back by itself */
    /* A migration's transaction: as begin, then commit (ok) or rollback,
     * except that foreign keys are checked once, before the commit, rather
     * than statement by statement, so that a migration may rebuild a table
     * that others refer to (SQLite cannot drop a constraint; its documented
     * procedure rebuilds the table with foreign keys off). */
    enum aw_err (*schema_begin)(struct aw_sql *c);
    enum aw_err (*schema_end)(struct aw_sql *c, bool ok);
    /* All or nothing for a few statements, inside a transaction or not
     * (outside one, it is one): keep (ok) or undo what ran since. */
    enum aw_err (*savepoint)(struct aw_sql *c);
    enum aw_err (*savepoint_end)(struct aw_sql *c, bool ok);
    /* After rows were copied in with their ids (migrate-data): the next id
     * generated for `table` follows the highest one. `table` is one of the
     * schema's identifiers, checked by the caller. */
    enum aw_err (*reset_ids)(struct aw_sql *c, const char *table);
    /* The connection is gone (the server restarted or went away): close it
     * and open another. Always false for an embedded engine. */
    bool (*lost)(struct aw_sql *c);
    enum aw_sql_fault (*fault)(struct aw_sql *c);
    const char *(*errmsg)(struct aw_sql *c); /* the last failure, with its cause's name */
};

/* What a fault means to the rest of awareday, decided once for the store
 * and every driver: "not now" is AW_EUNAVAIL (the pages answer 503 with
 * the form as typed), a refused row AW_EINVAL (the store turns a duplicate
 * into AW_EEXIST where its contract says so), anything else AW_EDB. */
static inline enum aw_err
aw_sql_fault_err(enum aw_sql_fault f)
{
    switch (f) {
    case AW_SQL_F_UNAVAIL:
        return AW_EUNAVAIL;
    case AW_SQL_F_CONSTRAINT:
    case AW_SQL_F_UNIQUE:
        return AW_EINVAL;
    case AW_SQL_F_OTHER:
        break;
    }
    return AW_EDB;
}

extern const struct aw_sql_driver aw_sql_sqlite; /* sql_sqlite.c */
extern const struct aw_sql_driver aw_sql_pg;     /* sql_pg.c */

static inline enum aw_err
aw_sql_prepare(struct aw_sql *c, const char *text, struct aw_sql_stmt **out)
{
    return c->drv->prepare(c, text, out);
}
static inline void
aw_sql_finalize(struct aw_sql_stmt *s)
{
    if (s)
        s->drv->finalize(s);
}
static inline void
aw_sql_bind_text(struct aw_sql_stmt *s, int i, const char *v)
{
    s->drv->bind_text(s, i, v);
}
static inline void
aw_sql_bind_int(struct aw_sql_stmt *s, int i, int64_t v)
{
    s->drv->bind_int(s, i, v);
}
static inline void
aw_sql_bind_null(struct aw_sql_stmt *s, int i)
{
    s->drv->bind_null(s, i);
}
static inline enum aw_sql_res
aw_sql_step(struct aw_sql_stmt *s)
{
    return s->drv->step(s);
}
static inline void
aw_sql_reset(struct aw_sql_stmt *s)
{
    s->drv->reset(s);
}
static inline bool
aw_sql_is_null(struct aw_sql_stmt *s, int i)
{
    return s->drv->is_null(s, i);
}
static inline int64_t
aw_sql_int64(struct aw_sql_stmt *s, int i)
{
    return s->drv->int64(s, i);
}
static inline int
aw_sql_int(struct aw_sql_stmt *s, int i)
{
    return (int)s->drv->int64(s, i);
}
static inline const char *
aw_sql_text(struct aw_sql_stmt *s, int i)
{
    return s->drv->text(s, i);
}
static inline size_t
aw_sql_bytes(struct aw_sql_stmt *s, int i)
{
    return s->drv->bytes(s, i);
}
static inline int64_t
aw_sql_changes(struct aw_sql *c)
{
    return c->drv->changes(c);
}
static inline enum aw_err
aw_sql_exec(struct aw_sql *c, const char *text)
{
    return c->drv->exec(c, text);
}
static inline enum aw_err
aw_sql_begin(struct aw_sql *c, bool durable)
{
    return c->drv->begin(c, durable);
}
static inline enum aw_err
aw_sql_commit(struct aw_sql *c)
{
    return c->drv->commit(c);
}
static inline enum aw_err
aw_sql_rollback(struct aw_sql *c)
{
    return c->drv->rollback(c);
}
static inline enum aw_err
aw_sql_schema_begin(struct aw_sql *c)
{
    return c->drv->schema_begin(c);
}
static inline enum aw_err
aw_sql_schema_end(struct aw_sql *c, bool ok)
{
    return c->drv->schema_end(c, ok);
}
static inline enum aw_err
aw_sql_savepoint(struct aw_sql *c)
{
    return c->drv->savepoint(c);
}
static inline enum aw_err
aw_sql_savepoint_end(struct aw_sql *c, bool ok)
{
    return c->drv->savepoint_end(c, ok);
}
static inline enum aw_err
aw_sql_reset_ids(struct aw_sql *c, const char *table)
{
    return c->drv->reset_ids(c, table);
}
static inline bool
aw_sql_lost(struct aw_sql *c)
{
    return c->drv->lost(c);
}
static inline enum aw_sql_fault
aw_sql_fault(struct aw_sql *c)
{
    return c->drv->fault(c);
}
static inline const char *
aw_sql_errmsg(struct aw_sql *c)
{
    return c->drv->errmsg(c);
}
static inline void
aw_sql_close(struct aw_sql *c)
{
    if (c)
        c->drv->close(c);
}

#endif
