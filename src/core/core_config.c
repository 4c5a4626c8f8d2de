/* core_config.c: the configuration table and its loaders (see config.h). */
#include "aw/config.h"
#include "aw/net.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int
validate_listen(const char *v, char *err, size_t errlen)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon[1] == '\0') {
        snprintf(err, errlen, "expected ADDR:PORT, e.g. 127.0.0.1:8080");
        return -1;
    }
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "port must be a number from 0 to 65535");
        return -1;
    }
    return 0;
}

static int
validate_date(const char *v, char *err, size_t errlen)
{
    /* Exactly MM-DD, digits only: sscanf alone would also take " 1-18" and "+1-18". */
    int ok = strlen(v) == 5 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
             v[2] == '-' && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]);
    int m = ok ? (v[0] - '0') * 10 + (v[1] - '0') : 0;
    int d = ok ? (v[3] - '0') * 10 + (v[4] - '0') : 0;
    if (!ok || m < 1 || m > 12 || d < 1 || d > 31) {
        snprintf(err, errlen, "expected MM-DD, e.g. 11-18");
        return -1;
    }
    return 0;
}

static int
validate_access_log(const char *v, char *err, size_t errlen)
{
    if (!*v) {
        snprintf(err, errlen, "expected a path, \"-\" for standard error, or \"off\"");
        return -1;
    }
    return 0;
}

static int
validate_languages(const char *v, char *err, size_t errlen)
{
    /* comma-separated two-letter lowercase codes */
    size_t run = 0;
    for (const char *p = v;; p++) {
        if (*p == ',' || *p == '\0') {
            if (run != 2)
                goto bad;
            run = 0;
            if (!*p)
                break;
        } else if (*p >= 'a' && *p <= 'z') {
            run++;
        } else {
            goto bad;
        }
    }
    return 0;
bad:
    snprintf(err, errlen, "expected two-letter language codes separated by commas, e.g. en,fr");
    return -1;
}

/* A host name or address as an SMTP or HTTP URL takes it: letters, digits, '.', '-' (and '_',
 * found in some internal names), or an IPv6 literal in brackets. Nothing that could end the
 * authority part of a URL ('/', '?', '#', '@') or a header. */
static bool
host_ok(const char *h, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    if (h[0] == '[') {
        if (n < 3 || h[n - 1] != ']')
            return false;
        for (size_t i = 1; i < n - 1; i++)
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
                return false;
        return true;
    }
    if (h[0] == '.' || h[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_')
            return false;
    return true;
}

static int
validate_smtp_host(const char *v, char *err, size_t errlen)
{
    if (*v && !host_ok(v, strlen(v))) {
        snprintf(err, errlen, "expected a host name or address (no port, no scheme), or empty");
        return -1;
    }
    return 0;
}

static int
validate_smtp_tls(const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "none") != 0 && strcmp(v, "starttls") != 0 && strcmp(v, "tls") != 0) {
        snprintf(err, errlen, "expected none, starttls or tls");
        return -1;
    }
    return 0;
}

/* The same rules as aw_mail_addr_ok() (src/mail, a layer above core): one '@', a local part
 * of 1-64 bytes and a domain without empty labels, at most 254 bytes, printable ASCII without
 * spaces or the characters that delimit addresses in a header. */
static int
validate_mail_address(const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v), at = n, ats = 0;
    bool ok = n >= 3 && n <= 254;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch))
            ok = false;
        if (ch == '@') {
            ats++;
            at = i;
        }
    }
    ok = ok && ats == 1 && at >= 1 && at <= 64 && at + 1 < n;
    ok = ok && v[at + 1] != '.' && v[n - 1] != '.' && !strstr(v + at, "..");
    if (!ok) {
        snprintf(err, errlen, "expected an e-mail address, e.g. awareday@example.org");
        return -1;
    }
    return 0;
}

static int
validate_public_url(const char *v, char *err, size_t errlen)
{
    const char *h;
    if (strncmp(v, "http://", 7) == 0)
        h = v + 7;
    else if (strncmp(v, "https://", 8) == 0)
        h = v + 8;
    else
        goto bad;
    /* The port starts at the last ':' after an IPv6 literal's ']', if any. */
    const char *close = h[0] == '[' ? strchr(h, ']') : NULL;
    const char *colon = strrchr(close ? close : h, ':');
    size_t hlen = colon ? (size_t)(colon - h) : strlen(h);
    if (!host_ok(h, hlen))
        goto bad;
    if (colon) {
        const char *p = colon + 1;
        long port = 0;
        if (!*p || strlen(p) > 5)
            goto bad;
        for (; *p; p++) {
            if (!isdigit((unsigned char)*p))
                goto bad;
            port = port * 10 + (*p - '0');
        }
        if (port < 1 || port > 65535)
            goto bad;
    }
    return 0;
bad:
    snprintf(err, errlen,
             "expected http://HOST[:PORT] or https://HOST[:PORT] without a path or trailing "
             "slash, e.g. https://awareday.example.org");
    return -1;
}

static int
validate_proxies(const char *v, char *err, size_t errlen)
{
    struct aw_net_list l;
    return aw_net_list_parse(v, &l, err, errlen) ? 0 : -1;
}

#define OFF(f) offsetof(struct aw_config, f)

static const struct aw_config_entry table[] = {
    {"db", "AWAREDAY_DB", AW_CONF_STRING, OFF(db), 0, 4096, "", NULL,
     "database file (SQLite); empty: the default in the user's data directory", 0},
    {"listen", "AWAREDAY_LISTEN", AW_CONF_STRING, OFF(listen), 0, 256, "127.0.0.1:8080",
     validate_listen, "address and port to serve on", 0},
    {"share_dir", "AWAREDAY_SHARE_DIR", AW_CONF_STRING, OFF(share_dir), 0, 4096, AW_SHARE_DIR, NULL,
     "directory holding templates/, static/, sql/, data/ and po/", 0},
    {"data_dir", "AWAREDAY_DATA_DIR", AW_CONF_STRING, OFF(data_dir), 0, 4096, "", NULL,
     "directory holding the day's data: reference/ (vocabularies, countries, editions, help "
     "services) and demo/ (init --demo); empty: share_dir/data. Another awareness day is "
     "another data_dir and day_name",
     0},
    {"access_log", "AWAREDAY_ACCESS_LOG", AW_CONF_STRING, OFF(access_log), 0, 4096, "-",
     validate_access_log, "access log: a file path, \"-\" for standard error, or \"off\"", 0},
    {"log_level", "AWAREDAY_LOG_LEVEL", AW_CONF_LOGLEVEL, OFF(log_level), 0, 0, "info", NULL,
     "debug, info, warn, error or off", 0},
    {"threads", NULL, AW_CONF_INT, OFF(threads), 0, 256, "0", NULL,
     "workers running page handlers; 0: two per core", 0},
    {"io_threads", NULL, AW_CONF_INT, OFF(io_threads), 0, 64, "0", NULL,
     "threads reading and writing connections; 0: one per core", 0},
    {"max_queue", NULL, AW_CONF_INT, OFF(max_queue), 1, 100000, "1024", NULL,
     "requests waiting for a worker at most; more get 503", 0},
    {"max_connections", NULL, AW_CONF_INT, OFF(max_connections), 1, 100000, "1024", NULL,
     "open connections at most; more are refused", 0},
    {"max_connections_per_ip", NULL, AW_CONF_INT, OFF(max_per_ip), 1, 100000, "64", NULL,
     "open connections from one address at most", 0},
    {"idle_timeout", NULL, AW_CONF_INT, OFF(idle_timeout), 1, 3600, "30", NULL,
     "seconds a connection may stay idle", 0},
    {"header_timeout", NULL, AW_CONF_INT, OFF(header_timeout), 1, 600, "10", NULL,
     "seconds from a request's first byte to the end of its headers (408 beyond)", 0},
    {"body_timeout", NULL, AW_CONF_INT, OFF(body_timeout), 1, 3600, "20", NULL,
     "seconds allowed to receive a request body, plus body_min_rate's extension (408 beyond)", 0},
    {"body_min_rate", NULL, AW_CONF_INT, OFF(body_min_rate), 0, 1073741824, "500", NULL,
     "bytes per second: each this many body bytes received add a second to body_timeout; "
     "0: none",
     0},
    {"max_header_bytes", NULL, AW_CONF_INT, OFF(max_header_bytes), 1024, 1048576, "16384", NULL,
     "request line and headers, in bytes (431 beyond)", 0},
    {"max_body_bytes", NULL, AW_CONF_INT, OFF(max_body_bytes), 0, 104857600, "1048576", NULL,
     "request body, in bytes (413 beyond)", 0},
    {"max_url_bytes", NULL, AW_CONF_INT, OFF(max_url_bytes), 64, 65536, "2048", NULL,
     "request target, in bytes (414 beyond)", 0},
    /* Rate limits (exact sliding windows, docs/internals/store.md). The bounds stay inside
     * what aw_store_rate_hit() accepts (a window of at most 7 days, a limit of at most
     * 100000); a sign-in window under a minute would hardly slow a guesser down, and one
     * over a day would let a burst of someone else's guesses (login_per_account_all) shut an
     * account for days. */
    {"share_per_hour", NULL, AW_CONF_INT, OFF(share_per_hour), 1, 10000, "10", NULL,
     "shares and private-link changes accepted per client address in any hour (429 beyond)", 0},
    {"login_window", NULL, AW_CONF_INT, OFF(login_window), 60, 86400, "900", NULL,
     "seconds over which sign-in attempts are counted, a sliding window (429 beyond the "
     "login_per_* limits)",
     0},
    {"login_per_account", NULL, AW_CONF_INT, OFF(login_per_account), 1, 10000, "5", NULL,
     "sign-in attempts per account from one address in any login_window", 0},
    {"login_per_account_all", NULL, AW_CONF_INT, OFF(login_per_account_all), 1, 10000, "50", NULL,
     "sign-in attempts per account from all addresses in any login_window", 0},
    {"login_per_address", NULL, AW_CONF_INT, OFF(login_per_address), 1, 10000, "20", NULL,
     "sign-in attempts from one address, whatever the account, in any login_window", 0},
    {"read_only", "AWAREDAY_READ_ONLY", AW_CONF_BOOL, OFF(read_only), 0, 0, "no", NULL,
     "serve a database awareday may not write (a read-only file or medium, an archive): the "
     "forms are hidden and say why; without it, a database that cannot be written is refused at "
     "start-up",
     0},
    {"help_publish_high", NULL, AW_CONF_BOOL, OFF(help_publish_high), 0, 0, "no", NULL,
     "publish help services of high confidence as verified when first imported", 0},
    {"day_name", NULL, AW_CONF_STRING, OFF(day_name), 1, 200,
     "European Day on the Protection of Children against Sexual Exploitation and Sexual Abuse",
     NULL, "name of the awareness day", 0},
    {"day_date", NULL, AW_CONF_STRING, OFF(day_date), 5, 5, "11-18", validate_date,
     "date of the day each year, MM-DD", 0},
    {"organiser", NULL, AW_CONF_STRING, OFF(organiser), 1, 200, "Council of Europe", NULL,
     "the organiser (secretariat) of the day", 0},
    {"convention", NULL, AW_CONF_STRING, OFF(convention), 0, 200, "Lanzarote Convention", NULL,
     "the treaty whose ratification year countries.csv records (shown on country pages); "
     "empty: none",
     0},
    {"languages", "AWAREDAY_LANGUAGES", AW_CONF_STRING, OFF(languages), 2, 200, "en",
     validate_languages, "site languages, comma-separated; the first is the default", 0},
    {"strict_templates", "AWAREDAY_STRICT_TEMPLATES", AW_CONF_BOOL, OFF(strict_templates), 0, 0,
     "no", NULL, "an unknown name in a template is an error (for tests)", 0},
    {"trusted_proxies", "AWAREDAY_TRUSTED_PROXIES", AW_CONF_STRING, OFF(trusted_proxies), 0, 1024,
     "", validate_proxies,
     "addresses or ranges of the reverse proxies in front (e.g. 127.0.0.1, 10.0.0.0/8): from "
     "them only, the client address is taken from X-Forwarded-For and HTTPS from "
     "X-Forwarded-Proto; empty: nobody's",
     0},
    {"smtp_host", "AWAREDAY_SMTP_HOST", AW_CONF_STRING, OFF(smtp_host), 0, 253, "",
     validate_smtp_host, "SMTP server for outgoing mail; empty: mail disabled (mails stay queued)",
     0},
    {"smtp_port", "AWAREDAY_SMTP_PORT", AW_CONF_INT, OFF(smtp_port), 1, 65535, "25", NULL,
     "SMTP server port (25, 587 with starttls, 465 with tls)", 0},
    {"smtp_tls", NULL, AW_CONF_STRING, OFF(smtp_tls), 3, 8, "none", validate_smtp_tls,
     "SMTP encryption: none, starttls (required, not opportunistic) or tls (implicit TLS)", 0},
    {"smtp_user", NULL, AW_CONF_STRING, OFF(smtp_user), 0, 256, "", NULL,
     "SMTP user name; empty: no authentication", 0},
    {"smtp_password", "AWAREDAY_SMTP_PASSWORD", AW_CONF_STRING, OFF(smtp_password), 0, 256, "",
     NULL, "SMTP password (never printed; prefer the environment variable)", AW_CONF_SECRET},
    {"mail_from", NULL, AW_CONF_STRING, OFF(mail_from), 3, 254, "awareday@localhost",
     validate_mail_address, "address mails are sent from (envelope and From header)", 0},
    {"mail_from_name", NULL, AW_CONF_STRING, OFF(mail_from_name), 0, 200, "awareday", NULL,
     "display name in the From header of mails; empty: the address alone", 0},
    {"public_url", "AWAREDAY_PUBLIC_URL", AW_CONF_STRING, OFF(public_url), 8, 512,
     "http://127.0.0.1:8080", validate_public_url,
     "the site's address as visitors reach it, http(s)://host[:port] without a trailing slash; "
     "links in mails start with it",
     0},
};

const struct aw_config_entry *
aw_config_table(size_t *n)
{
    *n = AW_NELEM(table);
    return table;
}

static const struct aw_config_entry *
find(const char *name)
{
    for (size_t i = 0; i < AW_NELEM(table); i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < AW_NELEM(yes); i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static enum aw_err
set_entry(struct aw_config *c, const struct aw_config_entry *e, const char *value, char *err,
          size_t errlen)
{
    char *base = (char *)c;
    char verr[200];
    if (e->validate && e->validate(value, verr, sizeof(verr)) != 0) {
        snprintf(err, errlen, "%s: %s", e->name, verr);
        return AW_ECONFIG;
    }
    switch (e->type) {
    case AW_CONF_STRING: {
        size_t n = strlen(value);
        if ((int64_t)n > e->max || (int64_t)n < e->min) {
            snprintf(err, errlen, "%s: length must be from %lld to %lld characters", e->name,
                     (long long)e->min, (long long)e->max);
            return AW_ECONFIG;
        }
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)value[i] < 0x20) {
                snprintf(err, errlen, "%s: control characters are not allowed", e->name);
                return AW_ECONFIG;
            }
        }
        char **slot = (char **)(base + e->offset);
        char *copy = strdup(value);
        if (!copy)
            aw_fatal("out of memory");
        free(*slot);
        *slot = copy;
        return AW_OK;
    }
    case AW_CONF_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(err, errlen, "%s: expected a whole number, got \"%.40s\"", e->name, value);
            return AW_ECONFIG;
        }
        if (v < e->min || v > e->max) {
            snprintf(err, errlen, "%s: must be from %lld to %lld", e->name, (long long)e->min,
                     (long long)e->max);
            return AW_ECONFIG;
        }
        *(int64_t *)(base + e->offset) = v;
        return AW_OK;
    }
    case AW_CONF_BOOL: {
        bool b;
        if (parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "%s: expected yes or no", e->name);
            return AW_ECONFIG;
        }
        *(bool *)(base + e->offset) = b;
        return AW_OK;
    }
    case AW_CONF_LOGLEVEL: {
        enum aw_log_level l;
        if (aw_log_level_parse(value, &l) != 0) {
            snprintf(err, errlen, "%s: expected debug, info, warn, error or off", e->name);
            return AW_ECONFIG;
        }
        *(enum aw_log_level *)(base + e->offset) = l;
        return AW_OK;
    }
    }
    return AW_ECONFIG;
}

void
aw_config_defaults(struct aw_config *c)
{
    memset(c, 0, sizeof(*c));
    char err[256];
    for (size_t i = 0; i < AW_NELEM(table); i++)
        if (set_entry(c, &table[i], table[i].def, err, sizeof(err)) != AW_OK)
            aw_fatal("bad built-in default: %s", err);
}

void
aw_config_free(struct aw_config *c)
{
    for (size_t i = 0; i < AW_NELEM(table); i++)
        if (table[i].type == AW_CONF_STRING) {
            char **slot = (char **)((char *)c + table[i].offset);
            free(*slot);
            *slot = NULL;
        }
}

enum aw_err
aw_config_set(struct aw_config *c, const char *name, const char *value, char *err, size_t errlen)
{
    const struct aw_config_entry *e = find(name);
    if (!e) {
        snprintf(err, errlen, "unknown setting \"%.60s\"", name);
        return AW_ECONFIG;
    }
    return set_entry(c, e, value, err, errlen);
}

static char *
trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

enum aw_err
aw_config_load_file(struct aw_config *c, const char *path, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    char line[8192];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return AW_EIO;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            snprintf(err, errlen, "%s:%u: line too long", path, lineno);
            rc = AW_ECONFIG;
            goto out;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected \"name = value\"", path, lineno);
            rc = AW_ECONFIG;
            goto out;
        }
        *eq = '\0';
        char *name = trim(s);
        char *value = trim(eq + 1);
        char sub[512];
        rc = aw_config_set(c, name, value, sub, sizeof(sub));
        if (rc != AW_OK) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, sub);
            goto out;
        }
    }
out:
    fclose(f);
    return rc;
}

enum aw_err
aw_config_load_env(struct aw_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < AW_NELEM(table); i++) {
        if (!table[i].env)
            continue;
        const char *v = getenv(table[i].env);
        if (!v)
            continue;
        char sub[512];
        if (set_entry(c, &table[i], v, sub, sizeof(sub)) != AW_OK) {
            snprintf(err, errlen, "environment %s: %s", table[i].env, sub);
            return AW_ECONFIG;
        }
    }
    return AW_OK;
}

void
aw_config_print(const struct aw_config *c, FILE *f)
{
    const char *base = (const char *)c;
    for (size_t i = 0; i < AW_NELEM(table); i++) {
        const struct aw_config_entry *e = &table[i];
        switch (e->type) {
        case AW_CONF_STRING: {
            const char *v = *(char *const *)(base + e->offset);
            if ((e->flags & AW_CONF_SECRET) && v && *v)
                v = "(set)";
            fprintf(f, "%s = %s\n", e->name, v ? v : "");
            break;
        }
        case AW_CONF_INT:
            fprintf(f, "%s = %lld\n", e->name, (long long)*(const int64_t *)(base + e->offset));
            break;
        case AW_CONF_BOOL:
            fprintf(f, "%s = %s\n", e->name, *(const bool *)(base + e->offset) ? "yes" : "no");
            break;
        case AW_CONF_LOGLEVEL: {
            static const char *const names[] = {"debug", "info", "warn", "error", "off"};
            fprintf(f, "%s = %s\n", e->name, names[*(const enum aw_log_level *)(base + e->offset)]);
            break;
        }
        }
    }
}

static char *
xdg_path(const char *var, const char *fallback, const char *leaf)
{
    const char *base = getenv(var);
    char *out = NULL;
    int n;
    if (base && *base) {
        n = asprintf(&out, "%s/awareday/%s", base, leaf);
    } else {
        const char *home = getenv("HOME");
        n = asprintf(&out, "%s/%s/awareday/%s", home && *home ? home : ".", fallback, leaf);
    }
    if (n < 0)
        aw_fatal("out of memory");
    return out;
}

char *
aw_config_default_db(void)
{
    return xdg_path("XDG_DATA_HOME", ".local/share", "awareday.db");
}

char *
aw_config_default_file(void)
{
    return xdg_path("XDG_CONFIG_HOME", ".config", "awareday.conf");
}
