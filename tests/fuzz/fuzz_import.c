/* fuzz_import.c: libFuzzer target for the bulk import (aw_import_mem) and the
 * submission payloads (aw_load_check_payload, aw_load_apply_submission). The
 * first byte chooses what the rest is: byte % 3 == 0 a CSV import file, 1 a
 * JSON import file, 2 a payload; (byte / 3) & 1 asks for a dry run,
 * & 2 skip_invalid, & 4 publish. The store is an in-memory SQLite database,
 * migrated and loaded with the real reference CSV files once, so that valid
 * inputs reach the writes.
 *
 * Checks: nothing crashes; the report adds up (valid <= rows, created <=
 * valid, nothing created by a dry run, every row listed with its number, an
 * issue's row within the rows, a message on every issue); success means no issue and failure says
 * why; a payload that passes the check can be applied, and the activity it makes reads back. */
#include "aw/arena.h"
#include "aw/load.h"
#include "aw/store.h"
#include "fuzz_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_file(struct aw_store *st, struct aw_arena *a, const char *name, const char *text, size_t len,
          const struct aw_import_opts *opts)
{
    struct aw_import_report rep;
    char err[512] = "";
    enum aw_err rc;

    rc = aw_import_mem(st, a, name, text, len, opts, &rep, err, sizeof(err));
    if (rep.valid > rep.rows || rep.created > rep.valid || (opts->dry_run && rep.created > 0) ||
        rep.nrowinfo != rep.rows)
        abort();
    for (size_t i = 0; i < rep.nrowinfo; i++)
        if (rep.rowinfo[i].row != i + 1)
            abort();
    if ((rc == AW_OK) != (rep.nissues == 0))
        abort();
    if (rc != AW_OK && err[0] == '\0')
        abort();
    for (size_t i = 0; i < rep.nissues; i++)
        if (rep.issues[i].message == NULL || rep.issues[i].row > rep.rows)
            abort();
}

static void
fuzz_payload(struct aw_store *st, struct aw_arena *a, const char *text)
{
    struct aw_activity act;
    char err[512] = "";
    int64_t id = 0;

    if (aw_load_check_payload(st, text, 2017, err, sizeof(err)) != AW_OK) {
        if (err[0] == '\0')
            abort();
        return;
    }
    if (aw_load_apply_submission(st, text, 2017, 0, &id, err, sizeof(err)) != AW_OK || id <= 0)
        abort();
    if (aw_store_activity(st, a, id, &act) != AW_OK || act.title == NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aw_store *st = fuzz_store("fuzz_import");
    struct aw_arena *a;
    struct aw_import_opts opts = {0};
    unsigned mode, bits;
    char *text;

    if (size == 0)
        return 0;
    mode = data[0] % 3;
    bits = (unsigned)(data[0] / 3);
    opts.dry_run = (bits & 1) != 0;
    opts.skip_invalid = (bits & 2) != 0;
    opts.publish = (bits & 4) != 0;
    a = aw_arena_new(0);
    /* a NUL-terminated copy: payloads are C strings */
    text = aw_arena_strndup(a, (const char *)data + 1, size - 1);
    if (mode == 0)
        fuzz_file(st, a, "fuzz.csv", (const char *)data + 1, size - 1, &opts);
    else if (mode == 1)
        fuzz_file(st, a, "fuzz.json", (const char *)data + 1, size - 1, &opts);
    else
        fuzz_payload(st, a, text);
    aw_arena_free(a);
    return 0;
}
