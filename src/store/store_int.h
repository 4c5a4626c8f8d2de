/* store_int.h: what a storage backend implements (struct aw_store_ops) and the
 * helpers the backends and the loaders share. Private to src/store/.
 *
 * store.c owns struct aw_store and forwards each call of store.h to the ops
 * table of the backend chosen by aw_store_open(). A backend keeps its state
 * in its own struct aw_store_be (each backend's .c completes the type), so no
 * database type leaks out. Every op receives that state; the arena, language
 * and output rules are those of store.h. */
#ifndef AW_STORE_INT_H
#define AW_STORE_INT_H

#include "aw/store.h"

struct aw_store_be;

struct aw_store_ops {
    const char *name; /* "sqlite" */
    void (*close)(struct aw_store_be *be);
    int (*schema_version)(struct aw_store_be *be);
    const char *(*errmsg)(struct aw_store_be *be);

    /* reads */
    enum aw_err (*editions)(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                            struct aw_edition **out, size_t *n);
    enum aw_err (*edition)(struct aw_store_be *be, struct aw_arena *a, const char *lang, int year,
                           struct aw_edition *out);
    enum aw_err (*edition_current)(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                                   int year, struct aw_edition *out);
    enum aw_err (*tools)(struct aw_store_be *be, struct aw_arena *a, int year, struct aw_tool **out,
                         size_t *n);
    enum aw_err (*activities_by_edition)(struct aw_store_be *be, struct aw_arena *a, int year,
                                         struct aw_activity **out, size_t *n);
    enum aw_err (*activities_by_country)(struct aw_store_be *be, struct aw_arena *a,
                                         const char *code, struct aw_activity **out, size_t *n);
    enum aw_err (*activities_by_org)(struct aw_store_be *be, struct aw_arena *a, int64_t org_id,
                                     struct aw_activity **out, size_t *n);
    enum aw_err (*activity)(struct aw_store_be *be, struct aw_arena *a, int64_t id,
                            struct aw_activity *out);
    enum aw_err (*statements)(struct aw_store_be *be, struct aw_arena *a, int year,
                              struct aw_statement **out, size_t *n);
    enum aw_err (*documents)(struct aw_store_be *be, struct aw_arena *a, int year,
                             struct aw_document **out, size_t *n);
    enum aw_err (*org)(struct aw_store_be *be, struct aw_arena *a, int64_t id, struct aw_org *out);
    enum aw_err (*countries)(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                             struct aw_country **out, size_t *n);
    enum aw_err (*country)(struct aw_store_be *be, struct aw_arena *a, const char *lang,
                           const char *code, struct aw_country *out);
    enum aw_err (*help_services)(struct aw_store_be *be, struct aw_arena *a, const char *code,
                                 bool include_unverified, struct aw_help_service **out, size_t *n);

    /* writes; begin/commit/rollback are only called for the outermost
     * transaction (store.c counts the nesting) */
    enum aw_err (*begin)(struct aw_store_be *be);
    enum aw_err (*commit)(struct aw_store_be *be);
    enum aw_err (*rollback)(struct aw_store_be *be);
    enum aw_err (*put_country)(struct aw_store_be *be, const struct aw_country *c);
    enum aw_err (*put_edition)(struct aw_store_be *be, const struct aw_edition *e);
    enum aw_err (*put_org)(struct aw_store_be *be, const struct aw_org *o, int64_t *id);
    enum aw_err (*put_activity)(struct aw_store_be *be, const struct aw_activity *act,
                                const char *source_key, bool published, int64_t *id);
    enum aw_err (*put_tool)(struct aw_store_be *be, int year, const struct aw_tool *t, int64_t *id);
    enum aw_err (*put_statement)(struct aw_store_be *be, const struct aw_statement *s, int64_t *id);
    enum aw_err (*put_document)(struct aw_store_be *be, const struct aw_document *d, int64_t *id);
    enum aw_err (*put_help_service)(struct aw_store_be *be, const struct aw_help_service *h,
                                    int64_t *id);
};

/* The SQLite backend (store_sqlite.c). path is a file name; err gets the
 * reason on failure. On success *ops and *be are set; close with ops->close. */
enum aw_err aw_store__sqlite_open(const char *path, bool create, bool migrate,
                                  const struct aw_store_ops **ops, struct aw_store_be **be,
                                  char *err, size_t errlen);

/* Longest slug aw_store__slugify() writes (without the NUL). */
#define AW_SLUG_MAX 80

/* Writes into out (size outlen, >= 2) a URL slug of the UTF-8 text s: ASCII
 * lowercase letters and digits, common Latin accented letters transliterated
 * (é -> e, ß -> ss, ł -> l...), every other run of characters one hyphen, no
 * leading or trailing hyphen, at most min(outlen - 1, AW_SLUG_MAX) bytes.
 * Writes "item" when nothing is left. Returns out. */
char *aw_store__slugify(const char *s, char *out, size_t outlen);

/* Reads the whole file at path (at most max bytes, else AW_ETOOBIG) into a
 * NUL-terminated heap string the caller frees; *len (if not NULL) gets its
 * length. AW_ENOTFOUND when the file does not exist, AW_EIO on other errors. */
enum aw_err aw_store__read_file(const char *path, size_t max, char **out, size_t *len);

/* The current UTC date "YYYY-MM-DD" (out needs 11 bytes) and time
 * "YYYY-MM-DDTHH:MM:SSZ" (21 bytes), and the current UTC year. */
void aw_store__today(char out[11]);
void aw_store__now(char out[21]);
int aw_store__year(void);

#endif
