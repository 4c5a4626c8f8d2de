/* fuzz_form.c: libFuzzer target for the urlencoded form parser
 * (aw_http__form_parse in src/http/http_int.h). The input is the body; the
 * declared fields are fixed. Checks the parser's invariants: a status of 0,
 * 400 or 413 only; on success at most AW_FORM_MAX_FIELDS values, each of a
 * declared field, within its max_bytes, NUL-terminated, at most max_count
 * per field, consistent with the lookups; and a round trip: every accepted
 * form, re-encoded with %XX for every byte, parses to the same values. The
 * input as a C string also goes through the Content-Type check. */
/* src/ is not on a fuzz target's include path (CMakeLists.txt): reach the internal
 * header relative to this file. */
#include "../../src/http/http_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct aw_field fields[] = {
    {"a", 8, 0},   {"b", 64, 4}, {"text", 4096, 0}, {"t", 1, 300}, {"\xe2\x82\xac", 16, 2},
    {"x y", 4, 0}, {NULL, 0, 0},
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]) - 1)

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* name=value pairs of form, every byte as %XX, into a malloc'd buffer. */
static char *
encode(const struct aw_form *form, size_t *len)
{
    size_t cap = 1, o = 0;
    for (size_t i = 0; i < form->n; i++)
        cap += 3 * (strlen(fields[form->v[i].field].name) + form->v[i].value.len) + 2;
    char *out = malloc(cap);
    check(out != NULL);
    for (size_t i = 0; i < form->n; i++) {
        const char *name = fields[form->v[i].field].name;
        struct aw_str v = form->v[i].value;
        if (i)
            out[o++] = '&';
        for (size_t k = 0; name[k]; k++)
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", (unsigned char)name[k]);
        out[o++] = '=';
        for (size_t k = 0; k < v.len; k++)
            o += (size_t)snprintf(out + o, cap - o, "%%%02x", (unsigned char)v.ptr[k]);
    }
    check(o < cap);
    *len = o;
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aw_arena *a = aw_arena_new(0);
    struct aw_form form, again;
    struct aw_form_err err;
    unsigned counts[NFIELDS] = {0};
    size_t total = 0;
    int status = aw_http__form_parse(a, (const char *)data, size, fields, &form, &err);

    check(status == 0 || status == 400 || status == 413);
    check((status == 0) == (err.why == NULL));
    if (status != 0) {
        check(form.n == 0);
        goto out;
    }
    check(form.n <= AW_FORM_MAX_FIELDS);
    for (size_t i = 0; i < form.n; i++) {
        const struct aw_form_value *v = &form.v[i];
        check(v->field < NFIELDS);
        check(v->value.len <= fields[v->field].max_bytes);
        check(v->value.ptr[v->value.len] == '\0');
        counts[v->field]++;
        total += v->value.len;
    }
    check(total <= size);
    for (size_t f = 0; f < NFIELDS; f++) {
        unsigned max = fields[f].max_count ? fields[f].max_count : 1;
        check(counts[f] <= max);
        check(aw_http__form_count(&form, fields[f].name) == counts[f]);
        check(aw_http__form_get(&form, fields[f].name, counts[f]).ptr == NULL);
        for (unsigned k = 0; k < counts[f]; k++)
            check(aw_http__form_get(&form, fields[f].name, k).ptr != NULL);
    }

    size_t elen;
    char *enc = encode(&form, &elen);
    check(aw_http__form_parse(a, enc, elen, fields, &again, &err) == 0);
    check(again.n == form.n);
    for (size_t i = 0; i < form.n; i++) {
        check(again.v[i].field == form.v[i].field);
        check(again.v[i].value.len == form.v[i].value.len);
        check(memcmp(again.v[i].value.ptr, form.v[i].value.ptr, form.v[i].value.len) == 0);
    }
    free(enc);
out:
    if (size < 4096) {
        char ct[4096];
        memcpy(ct, data, size);
        ct[size] = '\0';
        (void)aw_http__form_type_ok(ct);
    }
    aw_arena_free(a);
    return 0;
}
