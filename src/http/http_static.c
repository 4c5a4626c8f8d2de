/* http_static.c: the files under /static/, loaded into memory at start-up with
 * their ETag and gzip variant (docs/internals/http.md, "Static files"). */
#include "http_int.h"

#include "aw/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Files are loaded if they are smaller than this. */
#define STATIC_MAX_FILE (1024 * 1024)

/* Bodies below this are not worth compressing. */
#define GZIP_MIN_BYTES 512

struct static_type {
    const char *ext;
    const char *type;
    bool compress;
};

static const struct static_type static_types[] = {
    {"css", "text/css; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"svg", "image/svg+xml", true},
    {"png", "image/png", false},
    {"ico", "image/x-icon", false},
    {"woff2", "font/woff2", false},
    {"txt", "text/plain; charset=utf-8", true},
    {"json", "application/json", true},
};

static const struct static_type *
static_type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    const struct static_type *t = NULL;
    for (size_t i = 0; dot && i < AW_NELEM(static_types) && !t; i++)
        if (strcmp(dot + 1, static_types[i].ext) == 0)
            t = &static_types[i];
    return t;
}

/* Reads one regular file (no symlinks) smaller than STATIC_MAX_FILE. */
static enum aw_err
read_small_file(int dirfd, const char *name, unsigned char **data, size_t *len)
{
    enum aw_err rc = AW_EIO;
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        goto out;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if (st.st_size >= STATIC_MAX_FILE) {
        rc = AW_ETOOBIG;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        AW_ERROR("out of memory reading a static file");
        abort();
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    *data = buf;
    *len = got;
    buf = NULL;
    rc = AW_OK;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

void
aw_http__static_free(struct aw_static_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->files[i].name);
        free(set->files[i].data);
        free(set->files[i].gz);
    }
    free(set->files);
    set->files = NULL;
    set->n = 0;
}

static int
cmp_static(const void *a, const void *b)
{
    return strcmp(((const struct aw_static_file *)a)->name,
                  ((const struct aw_static_file *)b)->name);
}

/* Loads the regular files directly in dir (no dotfiles, no subdirectories,
 * known extensions only) with their ETag and gzip variant. */
enum aw_err
aw_http__static_load(struct aw_static_set *set, const char *dir, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    size_t cap = 0;
    struct dirent *de;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (err && errlen)
            snprintf(err, errlen, "static directory %s: %s", dir, strerror(errno));
        rc = AW_ECONFIG;
        goto out;
    }
    while ((de = readdir(dp)) != NULL) {
        const struct static_type *t;
        unsigned char *data = NULL;
        size_t len = 0;
        if (de->d_name[0] == '.' || !(t = static_type_for(de->d_name)))
            continue;
        enum aw_err r = read_small_file(dirfd(dp), de->d_name, &data, &len);
        if (r != AW_OK) {
            if (r == AW_ETOOBIG)
                AW_WARN("static file %s is 1 MiB or more: not served", de->d_name);
            continue;
        }
        if (set->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct aw_static_file *nf = realloc(set->files, cap * sizeof(*nf));
            if (!nf) {
                AW_ERROR("out of memory loading static files");
                abort();
            }
            set->files = nf;
        }
        struct aw_static_file *f = &set->files[set->n++];
        memset(f, 0, sizeof(*f));
        f->name = strdup(de->d_name);
        if (!f->name) {
            AW_ERROR("out of memory loading static files");
            abort();
        }
        f->type = t->type;
        f->data = data;
        f->len = len;
        f->compress = t->compress;
        aw_http__etag(f->etag, data, len);
        if (t->compress && len >= GZIP_MIN_BYTES) {
            size_t cap_gz = compressBound((uLong)len) + 32;
            unsigned char *gz = malloc(cap_gz);
            if (!gz) {
                AW_ERROR("out of memory compressing static files");
                abort();
            }
            f->gzlen = aw_http__gzip(data, len, gz, cap_gz);
            if (f->gzlen) {
                f->gz = gz;
            } else {
                free(gz);
            }
        }
    }
    if (set->n)
        qsort(set->files, set->n, sizeof(*set->files), cmp_static);
    AW_INFO("loaded %zu static files from %s", set->n, dir);
out:
    if (dp)
        closedir(dp);
    return rc;
}

const struct aw_static_file *
aw_http__static_find(const struct aw_static_set *set, const char *name)
{
    struct aw_static_file key = {.name = (char *)(uintptr_t)name};
    const struct aw_static_file *f = NULL;
    if (set->n)
        f = bsearch(&key, set->files, set->n, sizeof(*set->files), cmp_static);
    return f;
}
