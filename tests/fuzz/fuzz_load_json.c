/* fuzz_load_json.c: libFuzzer target for the JSON data-file loader
 * (aw_load_json_mem). The input is one data file. The store is an in-memory
 * SQLite database, migrated and loaded with the real reference CSV files
 * once, so that valid-looking inputs reach the writes. Checks: the loader
 * never crashes, reports an error text on failure, and whatever it accepted
 * reads back. */
#include "aw/arena.h"
#include "aw/load.h"
#include "aw/store.h"
#include "fuzz_store.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aw_store *st = fuzz_store("fuzz_load_json");
    struct aw_load_opts opts = {.publish_activities = (size & 1) != 0};
    struct aw_arena *a = aw_arena_new(0);
    struct aw_edition *eds = NULL;
    size_t n = 0;
    char err[512] = "";
    enum aw_err rc;

    rc = aw_load_json_mem(st, "fuzz.json", (const char *)data, size, &opts, err, sizeof(err));
    if (rc != AW_OK && err[0] == '\0')
        abort(); /* every failure says why */
    /* whatever was written must read back */
    if (aw_store_editions(st, a, "en", &eds, &n) != AW_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct aw_activity *acts;
        struct aw_statement *sts;
        struct aw_document *docs;
        struct aw_tool *tools;
        size_t k;
        if (aw_store_activities_by_edition(st, a, eds[i].year, &acts, &k) != AW_OK ||
            (size_t)eds[i].activity_count != k ||
            aw_store_statements(st, a, eds[i].year, &sts, &k) != AW_OK ||
            aw_store_documents(st, a, eds[i].year, &docs, &k) != AW_OK ||
            aw_store_tools(st, a, eds[i].year, &tools, &k) != AW_OK)
            abort();
    }
    aw_arena_free(a);
    return 0;
}
