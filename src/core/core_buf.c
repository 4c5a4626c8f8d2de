/* core_buf.c: bounded growable buffer with a sticky error (see buf.h). */
#include "aw/buf.h"
#include "aw/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
aw_buf_init(struct aw_buf *b, size_t max)
{
    *b = AW_BUF_INIT(max);
}

void
aw_buf_free(struct aw_buf *b)
{
    free(b->ptr);
    size_t max = b->max;
    *b = AW_BUF_INIT(max);
}

void
aw_buf_reset(struct aw_buf *b)
{
    b->len = 0;
    b->err = AW_OK;
    if (b->ptr)
        b->ptr[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; false (and err set) past max. */
static int
reserve(struct aw_buf *b, size_t n)
{
    if (b->err)
        return 0;
    if (n > b->max || b->len > b->max - n) {
        b->err = AW_ETOOBIG;
        return 0;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->ptr, cap);
    if (!p) {
        AW_ERROR("out of memory growing a buffer to %zu bytes", cap);
        abort();
    }
    b->ptr = p;
    b->cap = cap;
    return 1;
}

void
aw_buf_append(struct aw_buf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void
aw_buf_puts(struct aw_buf *b, const char *s)
{
    aw_buf_append(b, s, strlen(s));
}

void
aw_buf_putc(struct aw_buf *b, char c)
{
    aw_buf_append(b, &c, 1);
}

void
aw_buf_vprintf(struct aw_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = AW_EINVAL;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void
aw_buf_printf(struct aw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aw_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *
aw_buf_cstr(const struct aw_buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *
aw_buf_steal(struct aw_buf *b, size_t *len)
{
    char *p = b->ptr;
    if (len)
        *len = b->len;
    size_t max = b->max;
    *b = AW_BUF_INIT(max);
    return p;
}
