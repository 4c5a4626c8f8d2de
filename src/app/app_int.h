/* app_int.h: what the page handlers (src/app/page_*.c) share: the app
 * context, the per-request page object and view-building helpers. */
#ifndef AW_APP_INT_H
#define AW_APP_INT_H

#include "aw/app.h"
#include "aw/arena.h"
#include "aw/i18n.h"
#include "aw/model.h"
#include "aw/store.h"
#include "aw/tpl.h"
#include "aw/view.h"

#include <pthread.h>

#define AW_APP_MAX_LANGS 16
#define AW_PAGE_MAX_BYTES (4u * 1024 * 1024) /* largest HTML page we render */

struct aw_app {
    const struct aw_config *cfg;
    char *db; /* resolved database path */
    char *templates_dir;
    char *static_dir;
    struct aw_tpl_set *tpl[AW_APP_MAX_LANGS]; /* one compiled set per language */
    pthread_key_t store_key;                  /* each server thread's connection */
    struct aw_buf error_pages[AW_APP_MAX_LANGS][16];
};

/* One request's page: language, arena, store, and the root view that every
 * template receives (layout data is filled by aw_page_begin). */
struct aw_page {
    struct aw_req *req;
    struct aw_app *app;
    const struct aw_lang *lang;
    size_t lang_index;
    struct aw_arena *arena;
    struct aw_store *store;
    struct aw_view *view;
    const char *country; /* the visitor's chosen country (cookie), or NULL */
};

/* Validates {lang}, switches the thread's language, opens the thread's store
 * connection and fills the layout data. On failure it has already answered
 * (404 for an unknown language, 503 without a database) and returns -1. */
int aw_page_begin(struct aw_req *req, struct aw_page *pg);
/* Renders template `tpl` with pg->view and sends it with `status`. title is
 * the page's <title> and h1 text (escaped by the template). */
void aw_page_render(struct aw_page *pg, int status, const char *tpl, const char *title);
/* Fills the layout part of pg->view (language, navigation, help panel). */
void aw_page__layout(struct aw_page *pg, const char *title);
/* Fixed text (translated) of an error page and its title. */
const char *aw_page__error_text(int status, const char **title);
/* Answers 404 for AW_ENOTFOUND and 500 for other errors (logged). */
void aw_page_fail(struct aw_page *pg, enum aw_err rc);

/* The calling thread's store connection, opened on first use. */
struct aw_store *aw_app_store(struct aw_app *app, char *err, size_t errlen);

/* --- view helpers (app_views.c) --- */
struct aw_view *aw_page_activity(struct aw_page *pg, const struct aw_activity *act);
/* Activities (ordered by edition) as [{year, url, activities: [...]}]. */
struct aw_view *aw_page_activities_by_edition(struct aw_page *pg, const struct aw_activity *acts,
                                              size_t n);
struct aw_view *aw_page_org(struct aw_page *pg, const struct aw_org *org);
struct aw_view *aw_page_edition(struct aw_page *pg, const struct aw_edition *ed);
struct aw_view *aw_page_help_list(struct aw_page *pg, const struct aw_help_service *hs, size_t n);
/* "17 November 2017", "17-19 November 2017"... in the page language. */
const char *aw_page_date_range(struct aw_page *pg, const char *start, const char *end);
/* Localised names. */
const char *aw_page_country_name(struct aw_page *pg, const char *code);
const char *aw_label_activity_kind(const char *kind);
const char *aw_label_audience(const char *aud);
const char *aw_label_org_kind(enum aw_org_kind kind);
const char *aw_label_tool_kind(const char *kind);
const char *aw_label_help_kind(enum aw_help_kind kind);
const char *aw_label_language(const char *code);
/* "Andorra, Luxembourg, Monaco and Slovenia" in the page language. */
const char *aw_page_join_names(struct aw_page *pg, const char **names, size_t n);
/* Sorts countries (or anything with a name) by the page language's collation. */
int aw_page_collate(struct aw_page *pg, const char *a, const char *b);

/* --- handlers (one file per page) --- */
void aw_handle_root(struct aw_req *req);
void aw_handle_home(struct aw_req *req);
void aw_handle_editions(struct aw_req *req);
void aw_handle_edition(struct aw_req *req);
void aw_handle_activity(struct aw_req *req);
void aw_handle_country(struct aw_req *req);
void aw_handle_organisation(struct aw_req *req);
void aw_handle_help(struct aw_req *req);
void aw_handle_help_country(struct aw_req *req);

/* Parses "<id>-<slug>" or "<id>"; 0 on success. */
int aw_page_parse_id(struct aw_str seg, int64_t *id);

#endif
