/* core_arena.c: the region allocator behind every request (see arena.h). */
#include "aw/arena.h"
#include "aw/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK 8192

struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct defer {
    struct defer *next;
    void (*fn)(void *);
    void *arg;
};

struct aw_arena {
    struct block *head;
    struct defer *defers;
    size_t block_size;
    size_t used;
};

static void *
xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        AW_ERROR("out of memory allocating %zu bytes", n);
        abort();
    }
    return p;
}

struct aw_arena *
aw_arena_new(size_t block_size)
{
    struct aw_arena *a = xmalloc(sizeof(*a));
    a->head = NULL;
    a->defers = NULL;
    a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    a->used = 0;
    return a;
}

void
aw_arena_free(struct aw_arena *a)
{
    if (!a)
        return;
    while (a->defers) {
        struct defer *d = a->defers;
        a->defers = d->next; /* unlink first: fn may allocate from a */
        d->fn(d->arg);
    }
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *
aw_arena_alloc(struct aw_arena *a, size_t size)
{
    size_t need = (size + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size) {
        AW_ERROR("arena allocation size overflow");
        abort();
    }
    if (need == 0)
        need = ARENA_ALIGN;
    struct block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t bsize = need > a->block_size / 2 ? need : a->block_size;
        b = xmalloc(sizeof(struct block) + bsize);
        b->size = bsize;
        b->used = 0;
        if (a->head && bsize == need && a->head->size - a->head->used > ARENA_ALIGN) {
            /* A large one-off: keep the current block at the head for small
             * allocations that follow. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += size;
    return p;
}

void *
aw_arena_zalloc(struct aw_arena *a, size_t size)
{
    void *p = aw_arena_alloc(a, size);
    memset(p, 0, size);
    return p;
}

void *
aw_arena_calloc(struct aw_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        AW_ERROR("arena calloc overflow (%zu x %zu)", n, size);
        abort();
    }
    return aw_arena_zalloc(a, n * size);
}

char *
aw_arena_strndup(struct aw_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = aw_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
aw_arena_strdup(struct aw_arena *a, const char *s)
{
    return s ? aw_arena_strndup(a, s, strlen(s)) : NULL;
}

char *
aw_arena_vprintf(struct aw_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        AW_ERROR("arena printf: bad format");
        abort();
    }
    char *p = aw_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *
aw_arena_printf(struct aw_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = aw_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void
aw_arena_defer(struct aw_arena *a, void (*fn)(void *), void *arg)
{
    struct defer *d = aw_arena_alloc(a, sizeof(*d));
    d->fn = fn;
    d->arg = arg;
    d->next = a->defers;
    a->defers = d;
}

size_t
aw_arena_used(const struct aw_arena *a)
{
    return a->used;
}
