/* err.h: the one error enum of awareday. 0 is success, as SQLITE_OK and CURLE_OK. */
#ifndef AW_ERR_H
#define AW_ERR_H

enum aw_err {
    AW_OK = 0,
    AW_ENOMEM,    /* allocation failed (most paths abort instead) */
    AW_ETOOBIG,   /* a bounded buffer or a limit was exceeded */
    AW_EINVAL,    /* invalid argument or input */
    AW_ENOTFOUND, /* no such row, file, route or name */
    AW_EIO,       /* file or socket error */
    AW_EDB,       /* database error */
    AW_ESYNTAX,   /* parse error (template, config, data file) */
    AW_EEXIST,    /* already exists */
    AW_ECONFIG,   /* bad configuration */
    AW_EUNKNOWN,  /* an unknown name in strict mode (templates) */
    AW_EUNAVAIL   /* the store cannot take writes now (disk full, read-only, busy): retry later */
};

/* A static English description of err; never NULL. */
const char *aw_strerror(enum aw_err err);

#endif
