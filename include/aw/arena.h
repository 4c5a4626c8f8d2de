/* arena.h: region allocator, one per request (h2o's req->pool, lwan's coro_defer).
 *
 * Everything allocated from an arena lives until aw_arena_free(). Allocation
 * never returns NULL: out-of-memory logs and aborts. Deferred cleanups run in
 * reverse order of registration when the arena is freed. Not thread-safe:
 * one arena belongs to one thread at a time. */
#ifndef AW_ARENA_H
#define AW_ARENA_H

#include "aw/common.h"
#include <stdarg.h>

struct aw_arena;

/* A new arena whose blocks are at least block_size bytes (0: 8 KiB).
 * Owned by the caller; free with aw_arena_free(). */
struct aw_arena *aw_arena_new(size_t block_size);

/* Runs deferred cleanups (last registered first), then frees every block.
 * NULL is a no-op. */
void aw_arena_free(struct aw_arena *a);

/* size bytes aligned for any type; lives until the arena is freed. */
void *aw_arena_alloc(struct aw_arena *a, size_t size);
/* Same, zero-filled. */
void *aw_arena_zalloc(struct aw_arena *a, size_t size);
/* n elements of size bytes, zero-filled, with overflow check (aborts). */
void *aw_arena_calloc(struct aw_arena *a, size_t n, size_t size);

/* NUL-terminated copies owned by the arena. s may be NULL (returns NULL). */
char *aw_arena_strdup(struct aw_arena *a, const char *s);
char *aw_arena_strndup(struct aw_arena *a, const char *s, size_t n);
char *aw_arena_printf(struct aw_arena *a, const char *fmt, ...) AW_PRINTF(2, 3);
char *aw_arena_vprintf(struct aw_arena *a, const char *fmt, va_list ap) AW_PRINTF(2, 0);

/* Calls fn(arg) when the arena is freed. */
void aw_arena_defer(struct aw_arena *a, void (*fn)(void *), void *arg);

/* Bytes handed out so far (for tests and the access log). */
size_t aw_arena_used(const struct aw_arena *a);

#endif
