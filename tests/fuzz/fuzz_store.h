/* fuzz_store.h: the store the fuzz targets that write share (fuzz_import.c,
 * fuzz_load_json.c): an in-memory SQLite database, migrated and loaded with
 * the real reference CSV files (AWAREDAY_SHARE_DIR, else AW_SHARE_DIR) once
 * per process, closed at exit. Include it from one target file only. */
#ifndef AW_FUZZ_STORE_H
#define AW_FUZZ_STORE_H

#include "aw/load.h"
#include "aw/log.h"
#include "aw/store.h"

#include <stdio.h>
#include <stdlib.h>

static struct aw_store *fuzz_store_;

static inline void
fuzz_store_close(void)
{
    aw_store_close(fuzz_store_);
}

/* The store, made on the first call; `who` prefixes the error message when
 * making it fails (which aborts). */
static inline struct aw_store *
fuzz_store(const char *who)
{
    char err[512], ref[4096];
    const char *share = getenv("AWAREDAY_SHARE_DIR");

    if (fuzz_store_ != NULL)
        return fuzz_store_;
    aw_log_set_level(AW_LOG_OFF);
    if (aw_store_open(":memory:", true, true, &fuzz_store_, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "%s: %s\n", who, err);
        abort();
    }
    snprintf(ref, sizeof(ref), "%s/data/reference", share && share[0] ? share : AW_SHARE_DIR);
    if (aw_load_reference(fuzz_store_, ref, NULL, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "%s: %s\n", who, err);
        abort();
    }
    atexit(fuzz_store_close);
    return fuzz_store_;
}

#endif
