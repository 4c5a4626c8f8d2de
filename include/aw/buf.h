/* buf.h: growable byte buffer with a mandatory maximum and a sticky error
 * (curl's dynbuf, sqlite3_str).
 *
 * Appends past `max` bytes set err = AW_ETOOBIG and are dropped, as are all
 * later appends: check aw_buf_err() once at the end. The memory is heap
 * memory owned by the buffer until aw_buf_free() or aw_buf_steal(). The
 * contents are always NUL-terminated after any successful append. */
#ifndef AW_BUF_H
#define AW_BUF_H

#include "aw/common.h"
#include "aw/err.h"
#include <stdarg.h>

struct aw_buf {
    char *ptr; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
    enum aw_err err;
};

#define AW_BUF_INIT(maxbytes) ((struct aw_buf){NULL, 0, 0, (maxbytes), AW_OK})

void aw_buf_init(struct aw_buf *b, size_t max);
void aw_buf_free(struct aw_buf *b);
/* Empties the buffer and clears the error; keeps the allocation. */
void aw_buf_reset(struct aw_buf *b);
void aw_buf_append(struct aw_buf *b, const void *p, size_t n);
void aw_buf_puts(struct aw_buf *b, const char *s);
void aw_buf_putc(struct aw_buf *b, char c);
void aw_buf_printf(struct aw_buf *b, const char *fmt, ...) AW_PRINTF(2, 3);
void aw_buf_vprintf(struct aw_buf *b, const char *fmt, va_list ap) AW_PRINTF(2, 0);
/* Always a valid NUL-terminated string ("" when empty); owned by b. */
const char *aw_buf_cstr(const struct aw_buf *b);
static inline enum aw_err
aw_buf_err(const struct aw_buf *b)
{
    return b->err;
}
/* Hands the heap block (NUL-terminated, free() it) to the caller and resets b.
 * Returns NULL if nothing was appended. */
char *aw_buf_steal(struct aw_buf *b, size_t *len);

#endif
