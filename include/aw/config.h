/* config.h: every setting of awareday in one typed table (Redis's
 * standardConfig): name, type, bounds, default, help. Values come from, in
 * increasing priority: defaults, the config file, AWAREDAY_* environment
 * variables, command-line flags. */
#ifndef AW_CONFIG_H
#define AW_CONFIG_H

#include "aw/err.h"
#include "aw/log.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct aw_config {
    char *db;         /* database path or URL */
    char *listen;     /* ADDR:PORT */
    char *share_dir;  /* templates/, static/, sql/, data/, po/ */
    char *data_dir;   /* reference/ and demo/ data; "" : share_dir/data */
    char *access_log; /* path, "-" (stderr) or "off" */
    enum aw_log_level log_level;
    int64_t threads;    /* workers running handlers */
    int64_t io_threads; /* event loops */
    int64_t max_queue;  /* requests waiting for a worker */
    int64_t max_connections;
    int64_t max_per_ip;
    int64_t idle_timeout;   /* seconds */
    int64_t header_timeout; /* seconds */
    int64_t body_timeout;   /* seconds, extended by body_min_rate */
    int64_t body_min_rate;  /* bytes per second; 0: none */
    int64_t max_header_bytes;
    int64_t max_body_bytes;
    int64_t max_url_bytes;

    /* rate limits: exact sliding windows shared through the database (docs/internals/store.md) */
    int64_t share_per_hour;        /* partner form POSTs per client address in any hour */
    int64_t login_window;          /* seconds over which sign-in attempts are counted */
    int64_t login_per_account;     /* attempts per account from one address per window */
    int64_t login_per_account_all; /* attempts per account from all addresses per window */
    int64_t login_per_address;     /* attempts per address per window */

    bool read_only;         /* serve without writing: forms hidden (serve refuses otherwise) */
    bool help_publish_high; /* publish high-confidence help rows on first import */
    char *day_name;         /* the awareness day this instance runs */
    char *day_date;         /* MM-DD */
    char *organiser;        /* the secretariat */
    char *convention;       /* the treaty countries.csv records ratifications of; "": none */
    char *languages;        /* comma-separated site languages, first is the default */
    bool strict_templates;  /* unknown template names are errors (tests) */
    char *trusted_proxies;  /* the proxies whose X-Forwarded-* are believed (net.h) */
    /* outgoing mail (src/mail, docs/internals/mail.md) */
    char *smtp_host;      /* "": mail disabled, mails stay queued */
    int64_t smtp_port;    /* 1-65535 */
    char *smtp_tls;       /* "none", "starttls" or "tls" */
    char *smtp_user;      /* "": no authentication */
    char *smtp_password;  /* secret: aw_config_print writes "(set)" */
    char *mail_from;      /* envelope and From address */
    char *mail_from_name; /* From display name ("" for none) */
    char *public_url;     /* http(s)://host[:port], no trailing slash: links in mails */
};

enum aw_config_type { AW_CONF_STRING, AW_CONF_INT, AW_CONF_BOOL, AW_CONF_LOGLEVEL };

/* Flags of a table entry. */
#define AW_CONF_SECRET 0x1u /* never printed: aw_config_print writes "(set)" or nothing */

struct aw_config_entry {
    const char *name; /* in the file: name = value */
    const char *env;  /* environment variable or NULL */
    enum aw_config_type type;
    size_t offset;    /* into struct aw_config */
    int64_t min, max; /* for ints; for strings, max length */
    const char *def;  /* default, as text */
    int (*validate)(const char *value, char *err, size_t errlen); /* may be NULL */
    const char *help;
    unsigned flags; /* AW_CONF_* flags */
};

/* The table, for --help and docs. */
const struct aw_config_entry *aw_config_table(size_t *n);

/* Fills c with defaults. Owned strings: free with aw_config_free. */
void aw_config_defaults(struct aw_config *c);
void aw_config_free(struct aw_config *c);
/* Sets one setting from text; validates type, bounds and validator. */
enum aw_err aw_config_set(struct aw_config *c, const char *name, const char *value, char *err,
                          size_t errlen);
/* Reads "name = value" lines ('#' comments, blank lines). On error, err is
 * "PATH:LINE: message" and c keeps what earlier lines set. */
enum aw_err aw_config_load_file(struct aw_config *c, const char *path, char *err, size_t errlen);
/* Applies AWAREDAY_* variables from the environment. */
enum aw_err aw_config_load_env(struct aw_config *c, char *err, size_t errlen);
/* Writes every setting as "name = value" lines; a secret setting (AW_CONF_SECRET) that is
 * set is written as "name = (set)", never its value. */
void aw_config_print(const struct aw_config *c, FILE *f);
/* The default database path: $XDG_DATA_HOME/awareday/awareday.db or
 * ~/.local/share/awareday/awareday.db. Caller frees. */
char *aw_config_default_db(void);
/* The default config file: $XDG_CONFIG_HOME/awareday/awareday.conf or
 * ~/.config/awareday/awareday.conf. Caller frees. */
char *aw_config_default_file(void);

#endif
