/* core_err.c: aw_strerror(), the text of each enum aw_err. */
#include "aw/err.h"

const char *
aw_strerror(enum aw_err err)
{
    switch (err) {
    case AW_OK:
        return "success";
    case AW_ENOMEM:
        return "out of memory";
    case AW_ETOOBIG:
        return "too big";
    case AW_EINVAL:
        return "invalid input";
    case AW_ENOTFOUND:
        return "not found";
    case AW_EIO:
        return "input/output error";
    case AW_EDB:
        return "database error";
    case AW_ESYNTAX:
        return "syntax error";
    case AW_EEXIST:
        return "already exists";
    case AW_ECONFIG:
        return "configuration error";
    case AW_EUNKNOWN:
        return "unknown name";
    case AW_EUNAVAIL:
        return "the database cannot take writes now";
    }
    return "unknown error";
}
