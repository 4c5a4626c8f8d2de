/* fuzz_router.c: libFuzzer target for aw_route_find. The input is
 * "METHOD\nPATH" (bytes after a NUL are ignored, as a C string would); the
 * route table is fixed. Checks the router's invariants: captures are
 * non-empty slices of the path, at most 8, and the Allow text fits. */
#include "aw/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
h(struct aw_req *req)
{
    (void)req;
}

static const struct aw_route routes[] = {
    {"GET", "/", h, NULL, NULL},
    {"GET", "/{lang}/", h, NULL, NULL},
    {"GET", "/{lang}/editions/{year}", h, NULL, NULL},
    {"GET", "/{lang}/editions/{year}/activities/{id}", h, NULL, NULL},
    {"POST", "/{lang}/submit", h, NULL, NULL},
    {"GET", "/{lang}/submit", h, NULL, NULL},
    {"PUT", "/api/items/{id}", h, NULL, NULL},
    {"DELETE", "/api/items/{id}", h, NULL, NULL},
    {"HEAD", "/only-head", h, NULL, NULL},
    {"GET", "/a/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}", h, NULL, NULL},
    {"GET", "/b/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}", h, NULL, NULL},
    {"GET", "/static/{file}", h, NULL, NULL},
    {"GET", "/x{y}", h, NULL, NULL},
    {"GET", "/{a}", h, NULL, NULL},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    const struct aw_route *found = NULL;
    struct aw_route_params params;
    char allow[48];
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = strchr(buf, '\n');
    const char *method = "GET";
    const char *path = buf;
    if (nl) {
        *nl = '\0';
        method = buf;
        path = nl + 1;
    }
    enum aw_route_match m = aw_route_find(routes, sizeof(routes) / sizeof(routes[0]), method, path,
                                          &found, &params, allow, sizeof(allow));
    size_t plen = strlen(path);
    if (m == AW_ROUTE_FOUND) {
        if (!found || params.n > 8)
            abort();
        for (size_t i = 0; i < params.n; i++) {
            const char *v = params.p[i].value.ptr;
            if (params.p[i].value.len == 0 || v < path || v + params.p[i].value.len > path + plen ||
                memchr(v, '/', params.p[i].value.len))
                abort();
        }
    } else {
        if (found || params.n != 0)
            abort();
    }
    if (strlen(allow) >= sizeof(allow) || (m != AW_ROUTE_BAD_METHOD && allow[0] != '\0'))
        abort();
    free(buf);
    return 0;
}
