/* app.c: the application context: templates per language, one store
 * connection per server thread, fixed error pages, and serving. */
#include "app_int.h"

#include "aw/log.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Statuses that get a fixed, pre-rendered page. */
static const int error_statuses[] = {400, 403, 404, 405, 408, 413, 414, 429, 431, 500, 503};

static const char *
translate(void *ud, const char *msgid)
{
    const struct aw_lang *lang = ud;
    aw_i18n_use(lang);
    const char *t = aw_i18n_gettext(msgid);
    aw_i18n_use(NULL);
    return t;
}

/* Every handler runs in the language its {lang} names (pages, mails, dates,
 * the collation), and the worker thread goes back to the C locale after it,
 * whatever way the handler returned: the one place that does it. An unknown
 * {lang} leaves the C locale; aw_page_begin() answers 404. */
static void
around(void *app, struct aw_req *req, aw_handler_fn handler)
{
    (void)app;
    struct aw_str lc = aw_req_param(req, "lang");
    aw_i18n_use(lc.ptr ? aw_i18n_find(lc.ptr, lc.len) : NULL);
    handler(req);
    aw_i18n_use(NULL);
}

static void
close_store(void *p)
{
    aw_store_close(p);
}

struct aw_store *
aw_app_store(struct aw_app *app, char *err, size_t errlen)
{
    struct aw_store *st = pthread_getspecific(app->store_key);
    if (st && !aw_store_lost(st))
        return st;
    if (st) {
        /* PostgreSQL restarted or went away: a new connection, or a fixed 503
         * (aw_page_begin) until it is back. No restart of awareday needed. */
        AW_WARN("database connection lost (%s): opening a new one", aw_store_errmsg(st));
        aw_store_close(st);
        st = NULL;
        pthread_setspecific(app->store_key, NULL);
    }
    enum aw_err rc = app->cfg->read_only ? aw_store_open_readonly(app->db, &st, err, errlen)
                                         : aw_store_open(app->db, false, false, &st, err, errlen);
    if (rc != AW_OK)
        return NULL;
    pthread_setspecific(app->store_key, st);
    return st;
}

static int
status_index(int status)
{
    for (size_t i = 0; i < AW_NELEM(error_statuses); i++)
        if (error_statuses[i] == status)
            return (int)i;
    return -1;
}

static bool
error_page(void *ud, int status, const char *lang, const char **body, size_t *len)
{
    struct aw_app *app = ud;
    int si = status_index(status);
    const struct aw_lang *l = lang ? aw_i18n_find(lang, strlen(lang)) : NULL;
    size_t li = 0;
    if (si < 0)
        return false;
    for (size_t i = 0; l && i < aw_i18n_count(); i++)
        if (aw_i18n_at(i) == l)
            li = i;
    const struct aw_buf *b = &app->error_pages[li][si];
    if (b->len == 0)
        return false;
    *body = b->ptr;
    *len = b->len;
    return true;
}

/* Error pages are rendered once, at start-up, from fixed text: they never
 * contain anything from a request. */
static enum aw_err
render_error_pages(struct aw_app *app, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    /* The store is only used for the country list of the help panel, and to
     * check at start-up that it can be written: aw_store_open refuses a
     * read-only file, and the instance secret (the CSRF tokens' key) is
     * created now rather than failing the first form (a 403 that nobody
     * could explain). Under read_only, a connection that cannot write. */
    struct aw_store *st = NULL;
    if (app->cfg->read_only) {
        rc = aw_store_open_readonly(app->db, &st, err, errlen);
    } else {
        rc = aw_store_open(app->db, false, false, &st, err, errlen);
        if (rc == AW_OK && (rc = aw_store_secret(st, app->csrf_key)) != AW_OK)
            snprintf(err, errlen, "cannot store the instance secret in %s: %s", app->db,
                     aw_store_errmsg(st));
    }
    if (rc != AW_OK) {
        aw_store_close(st);
        return rc;
    }
    for (size_t li = 0; li < aw_i18n_count(); li++) {
        const struct aw_lang *lang = aw_i18n_at(li);
        for (size_t si = 0; si < AW_NELEM(error_statuses); si++) {
            struct aw_arena *a = aw_arena_new(0);
            struct aw_page pg = {
                .app = app, .lang = lang, .lang_index = li, .arena = a, .store = st};
            aw_i18n_use(lang);
            pg.view = aw_view_map(a);
            const char *title = NULL;
            const char *text = aw_page__error_text(error_statuses[si], &title);
            aw_page__layout(&pg, title);
            aw_view_set_int(pg.view, "status", error_statuses[si]);
            aw_view_set_str(pg.view, "message", text);
            struct aw_buf *b = &app->error_pages[li][si];
            aw_buf_init(b, AW_PAGE_MAX_BYTES);
            rc = aw_tpl_render(app->tpl[li], "error", pg.view, b, err, errlen);
            aw_i18n_use(NULL);
            aw_arena_free(a);
            if (rc != AW_OK)
                goto out;
        }
    }
out:
    aw_store_close(st);
    return rc;
}

enum aw_err
aw_app_new(const struct aw_config *cfg, bool strict, struct aw_app **out, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_app *app = calloc(1, sizeof(*app));
    char *locale_dir = NULL;
    if (!app)
        aw_fatal("out of memory");
    if (sodium_init() < 0)
        aw_fatal("libsodium could not be initialised");
    app->cfg = cfg;
    app->db = strdup(cfg->db);
    if (asprintf(&app->templates_dir, "%s/templates", cfg->share_dir) < 0 ||
        asprintf(&app->static_dir, "%s/static", cfg->share_dir) < 0 ||
        asprintf(&locale_dir, "%s/locale", AW_BUILD_DIR) < 0 || !app->db)
        aw_fatal("out of memory");
    if (pthread_key_create(&app->store_key, close_store) != 0)
        aw_fatal("pthread_key_create failed");

    rc = aw_i18n_init(cfg->languages, locale_dir, err, errlen);
    if (rc != AW_OK)
        goto out;
    for (size_t i = 0; i < aw_i18n_count(); i++) {
        const struct aw_lang *lang = aw_i18n_at(i);
        app->tpl[i] = aw_tpl_set_new(strict ? AW_TPL_STRICT : 0, translate, (void *)lang);
        rc = aw_tpl_add_dir(app->tpl[i], app->templates_dir, err, errlen);
        if (rc != AW_OK)
            goto out;
    }
    /* Opens the database once (a missing file or a bad statement fails here). */
    rc = render_error_pages(app, err, errlen);
out:
    free(locale_dir);
    if (rc != AW_OK) {
        aw_app_free(app);
        app = NULL;
    }
    *out = app;
    return rc;
}

void
aw_app_free(struct aw_app *app)
{
    if (!app)
        return;
    sodium_memzero(app->csrf_key, sizeof(app->csrf_key));
    for (size_t i = 0; i < AW_APP_MAX_LANGS; i++) {
        aw_tpl_set_free(app->tpl[i]);
        for (size_t k = 0; k < AW_NELEM(app->error_pages[i]); k++)
            aw_buf_free(&app->error_pages[i][k]);
    }
    struct aw_store *st = pthread_getspecific(app->store_key);
    if (st)
        aw_store_close(st);
    pthread_key_delete(app->store_key);
    aw_i18n_shutdown();
    free(app->db);
    free(app->templates_dir);
    free(app->static_dir);
    free(app);
}

static int
open_access_log(const char *spec)
{
    if (strcmp(spec, "off") == 0)
        return -1;
    if (strcmp(spec, "-") == 0)
        return 2;
    int fd = open(spec, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        AW_WARN("cannot open access log %s; logging requests to standard error", spec);
    return fd < 0 ? 2 : fd;
}

enum aw_err
aw_app_serve(struct aw_app *app, char *err, size_t errlen)
{
    const struct aw_config *cfg = app->cfg;
    size_t nroutes;
    struct aw_server *srv = NULL;
    if (!aw_net_list_parse(cfg->trusted_proxies, &app->proxies, err, errlen))
        return AW_ECONFIG;
    struct aw_server_opts opts = {
        .listen = cfg->listen,
        .threads = (unsigned)cfg->threads,
        .io_threads = (unsigned)cfg->io_threads,
        .max_queue = (unsigned)cfg->max_queue,
        .max_connections = (unsigned)cfg->max_connections,
        .max_per_ip = (unsigned)cfg->max_per_ip,
        .idle_timeout_s = (unsigned)cfg->idle_timeout,
        .header_timeout_s = (unsigned)cfg->header_timeout,
        .body_timeout_s = (unsigned)cfg->body_timeout,
        .body_min_rate = (unsigned)cfg->body_min_rate,
        .max_header_bytes = (size_t)cfg->max_header_bytes,
        .max_body_bytes = (size_t)cfg->max_body_bytes,
        .max_url_bytes = (size_t)cfg->max_url_bytes,
        .routes = aw_app_routes(&nroutes),
        .static_dir = app->static_dir,
        .app = app,
        .error_page = error_page,
        .around = around,
        .access_log_fd = open_access_log(cfg->access_log),
        .trusted_proxies = &app->proxies,
    };
    opts.nroutes = nroutes;
    struct aw_mail_cfg mc = {
        .host = cfg->smtp_host,
        .port = (unsigned)cfg->smtp_port,
        .tls = cfg->smtp_tls,
        .user = cfg->smtp_user,
        .password = cfg->smtp_password,
        .from = cfg->mail_from,
        .from_name = cfg->mail_from_name,
    };
    /* A read-only site sends nothing: the outbox lives in the database. */
    enum aw_err rc =
        cfg->read_only ? AW_OK : aw_mailer_start(&mc, app->db, &app->mailer, err, errlen);
    if (rc != AW_OK)
        goto out;
    rc = aw_server_start(&opts, &srv, err, errlen);
    if (rc != AW_OK)
        goto out;
    AW_INFO("awareday %s serving %s on http://%s/ (database %s%s)", AW_VERSION, cfg->day_name,
            cfg->listen, app->db, cfg->read_only ? ", read-only: forms closed" : "");
    aw_server_run_until_signal(srv);
    aw_server_stop(srv);
    AW_INFO("stopped");
out:
    aw_mailer_stop(app->mailer);
    app->mailer = NULL;
    if (opts.access_log_fd > 2)
        close(opts.access_log_fd);
    return rc;
}
