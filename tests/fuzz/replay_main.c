/* replay_main.c: runs a libFuzzer target without libFuzzer. Calls
 * LLVMFuzzerTestOneInput once per regular file of the directory argv[1] (the
 * seed corpus), so each target's corpus is replayed as a plain ctest test
 * when clang is not there. Fails if the directory holds no file. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file at path into a malloc'd buffer; NULL on error. */
static uint8_t *
slurp(const char *path, size_t *len)
{
    uint8_t *buf = NULL;
    FILE *f = fopen(path, "rb");
    struct stat st;

    if (f == NULL || fstat(fileno(f), &st) != 0 || st.st_size < 0)
        goto out;
    buf = malloc((size_t)st.st_size + 1); /* +1: never malloc(0) */
    if (buf == NULL)
        goto out;
    *len = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
out:
    if (f)
        fclose(f);
    return buf;
}

int
main(int argc, char **argv)
{
    int rc = 1;
    size_t replayed = 0;
    DIR *d = NULL;
    struct dirent *de;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        goto out;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t len = 0;

        if (de->d_name[0] == '.')
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
        if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        uint8_t *buf = slurp(path, &len);
        if (buf == NULL) {
            fprintf(stderr, "%s: cannot read\n", path);
            goto out;
        }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        replayed++;
    }
    printf("replayed %zu input%s from %s\n", replayed, replayed == 1 ? "" : "s", argv[1]);
    if (replayed == 0) {
        fprintf(stderr, "%s: no inputs\n", argv[1]);
        goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    return rc;
}
