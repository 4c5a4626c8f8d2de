/* test_import.c: unit tests for the bulk import and the submission payloads
 * (src/load/load_import.c, docs/IMPORT.md) against a temporary SQLite
 * database: a broken CSV file whose every problem is reported with its row
 * and column, a valid one that becomes pending submissions (and nothing
 * public), dry runs that write nothing, --skip-invalid, --publish, problems
 * with the header, JSON data files, the example of docs/IMPORT.md, and
 * payloads checked, applied as new activities and applied in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/load.h"
#include "aw/log.h"
#include "aw/store.h"
#include "test_db.h"
#include "store/store_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER                                                                                     \
    "edition_year,organisation,organisation_kind,organisation_country,organisation_website,"       \
    "country,title,summary,kinds,audiences,start,end,place,online,languages,links,"                \
    "submitter_name,submitter_email\n"

/* Rows 1 and 7 are valid; rows 2 to 6 have 3, 4, 3, 3 and 1 problems. */
static const char broken_csv[] = HEADER
    /* 1 */
    "2017,Child Focus,ngo,BE,,BE,Parents evening,A talk.,event,parents,,,,no,,,,\n"
    /* 2 */ "2017,Child Focus,ngo,BE,,,Dance night,Fun.,workshop;dance;party,children,2017-13-01,,,"
    "maybe,,,,\n"
    /* 3 */ "2017,Club X,club,FR,,,,A summary.,event,children,,,,no,,Site https://x.example,"
    "Ann,nope\n"
    /* 4 */ "2031,Org Y,ngo,XX,,,Week,Text.,event,children,2017-11-18,2017-11-17,,,,,,\n"
    /* 5 */ "2017,Child Focus,ngo,BE,,FR,Talk,Text.,event,children,,,,yes,english,"
    "Site|javascript:alert(1),,\n"
    /* 6 */ "2017,short,row\n"
    /* 7 */ "2018,Kids Online,other,FR,https://kids.example,,Quiz,A quiz.,competition,"
    "children,2018-11-18,2018-11-18,Lyon,YES,fr,\"Rules|https://kids.example/r\","
    "Marc,marc@example.fr\n";

/* Three valid rows, without the optional country and submitter columns; a
 * quoted multi-line summary; CRLF line ends; a byte order mark. */
static const char valid_csv[] =
    "\xEF\xBB\xBF"
    "title,organisation,organisation_kind,organisation_country,summary,kinds,audiences,"
    "edition_year,start,end,languages,links,online\r\n"
    "Safer surfing,Child Focus,ngo,BE,\"Workshops.\r\n\r\nIn *three* towns.\",workshop,"
    "parents;educators,2017,2017-11-14,2017-11-16,fr; nl,Programme | https://cf.example/p,no\r\n"
    "Webinar,ECPAT International,ngo,,Online.,seminar,professionals,,,,en,"
    "Recording|https://e.example/r;Slides|https://e.example/s,yes\r\n"
    "Quiz,Kids Online,other,FR,A quiz.,competition,children,2017,,,,,\r\n";

struct fx {
    char dir[64];
    char db[512];
    struct aw_store *st;
    struct aw_arena *a;
    int64_t org_be;
};

static void
put_country(struct aw_store *st, const char *code, const char *en)
{
    struct aw_country c = {.name_en = en, .coe_member = true};
    memcpy(c.code, code, 3);
    assert_int_equal(aw_store_put_country(st, &c), AW_OK);
}

static void
put_edition(struct aw_store *st, int year, int number)
{
    struct aw_edition e = {.year = year, .number = number, .js_supported_count = -1};
    assert_int_equal(aw_store_put_edition(st, &e), AW_OK);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct aw_org o = {.name = "Child Focus",
                       .kind = "ngo",
                       .country_code = "BE",
                       .website = "https://old.example"};
    char err[512];

    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-import-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    aw_test_db(f->db, sizeof(f->db), f->dir, "test.db"); /* or PostgreSQL: test_db.h */
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    aw_test_vocab(f->st);
    f->a = aw_arena_new(0);
    put_country(f->st, "BE", "Belgium");
    put_country(f->st, "FR", "France");
    put_country(f->st, "LU", "Luxembourg");
    put_edition(f->st, 2017, 3);
    put_edition(f->st, 2018, 4);
    assert_int_equal(aw_store_put_org(f->st, &o, &f->org_be), AW_OK);
    *state = f;
    return 0;
}

static void
write_file(struct fx *f, const char *name, const char *text, size_t len)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char path[256];
    static const char *files[] = {"test.db",    "test.db-wal", "test.db-shm",
                                  "broken.csv", "valid.csv",   "data.json",
                                  "notes.txt",  "quote.csv",   "tabs.csv"};

    aw_store_close(f->st);
    aw_arena_free(f->a);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Imports text as dir/name with opts. */
static enum aw_err
import(struct fx *f, const char *name, const char *text, const struct aw_import_opts *opts,
       struct aw_import_report *rep, char *err, size_t errlen)
{
    char path[256];

    write_file(f, name, text, strlen(text));
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    return aw_import_file(f->st, f->a, path, opts, rep, err, errlen);
}

/* Asserts that rep has an issue at row/column whose message contains msg. */
static void
has_issue(const struct aw_import_report *rep, unsigned row, const char *column, const char *msg)
{
    for (size_t i = 0; i < rep->nissues; i++) {
        const struct aw_load_issue *is = &rep->issues[i];
        bool col_ok = column == NULL ? is->column == NULL
                                     : (is->column != NULL && strcmp(is->column, column) == 0);
        if (is->row == row && col_ok && strstr(is->message, msg) != NULL)
            return;
    }
    for (size_t i = 0; i < rep->nissues; i++)
        fprintf(stderr, "  issue: row %u, %s: %s\n", rep->issues[i].row,
                rep->issues[i].column ? rep->issues[i].column : "-", rep->issues[i].message);
    fail_msg("no issue at row %u, column %s: %s", row, column ? column : "(none)", msg);
}

static size_t
issues_of_row(const struct aw_import_report *rep, unsigned row)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->nissues; i++)
        n += rep->issues[i].row == row;
    return n;
}

static size_t
n_pending(struct fx *f)
{
    struct aw_submission *v = NULL;
    size_t n = 0;
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    return n;
}

static size_t
n_published(struct fx *f, int year)
{
    struct aw_activity *v = NULL;
    size_t n = 0;
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, year, &v, &n), AW_OK);
    return n;
}

static size_t
n_orgs(struct fx *f)
{
    struct aw_org *v = NULL;
    size_t n = 0;
    assert_int_equal(aw_store_orgs(f->st, f->a, &v, &n), AW_OK);
    return n;
}

static size_t
n_audit(struct fx *f)
{
    struct aw_audit_entry *v = NULL;
    size_t n = 0;
    assert_int_equal(aw_store_audit_list(f->st, f->a, 1000, 0, &v, &n), AW_OK);
    return n;
}

/* ---- CSV ---- */

static void
test_broken_csv(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {0};
    struct aw_import_report rep;
    char err[512];

    assert_int_equal(import(f, "broken.csv", broken_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.rows, 7);
    assert_int_equal(rep.valid, 2);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.nissues, 15);
    assert_non_null(strstr(err, "broken.csv: 15 problems; 2 of 7 rows valid; 0 imported"));

    assert_int_equal(issues_of_row(&rep, 1), 0);
    /* every bad item of a list cell, each with what is allowed */
    assert_int_equal(issues_of_row(&rep, 2), 4);
    has_issue(&rep, 2, "kinds",
              "item 2: unknown kind of activity \"dance\" (expected one of workshop, ");
    has_issue(&rep, 2, "kinds", "item 3: unknown kind of activity \"party\"");
    has_issue(&rep, 2, "start", "expected a date YYYY-MM-DD");
    has_issue(&rep, 2, "online", "expected yes or no");
    assert_int_equal(issues_of_row(&rep, 3), 4);
    has_issue(&rep, 3, "organisation_kind", "unknown kind of partner");
    has_issue(&rep, 3, "title", "must not be empty");
    has_issue(&rep, 3, "links", "item 1: expected label|url");
    has_issue(&rep, 3, "submitter_email", "expected an email address");
    assert_int_equal(issues_of_row(&rep, 4), 3);
    has_issue(&rep, 4, "edition_year", "no edition 2031 in the database");
    has_issue(&rep, 4, "organisation_country", "unknown country XX");
    has_issue(&rep, 4, "end", "before start (2017-11-18)");
    assert_int_equal(issues_of_row(&rep, 5), 3);
    has_issue(&rep, 5, "country", "FR is not the country of organisation Child Focus");
    has_issue(&rep, 5, "languages", "item 1: expected an ISO 639-1 code, not \"english\"");
    has_issue(&rep, 5, "links", "item 1 (url): expected an http(s) URL");
    assert_int_equal(issues_of_row(&rep, 6), 1);
    has_issue(&rep, 6, NULL, "expected 18 fields, found 3");
    assert_int_equal(issues_of_row(&rep, 7), 0);
    assert_int_equal(issues_of_row(&rep, 0), 0);

    /* every row is listed */
    assert_int_equal(rep.nrowinfo, 7);
    assert_int_equal(rep.rowinfo[0].row, 1);
    assert_true(rep.rowinfo[0].valid);
    assert_string_equal(rep.rowinfo[0].title, "Parents evening");
    assert_string_equal(rep.rowinfo[0].org, "Child Focus");
    assert_string_equal(rep.rowinfo[0].country, "BE");
    assert_int_equal(rep.rowinfo[0].year, 2017);
    assert_int_equal(rep.rowinfo[1].row, 2);
    assert_false(rep.rowinfo[1].valid);
    assert_int_equal(rep.rowinfo[5].row, 6);
    assert_false(rep.rowinfo[5].valid);
    assert_null(rep.rowinfo[5].title);
    assert_true(rep.rowinfo[6].valid);
    assert_string_equal(rep.rowinfo[6].title, "Quiz");
    assert_int_equal(rep.rowinfo[6].year, 2018);

    /* nothing was written */
    assert_int_equal(n_pending(f), 0);
    assert_int_equal(n_orgs(f), 1);
    assert_int_equal(n_audit(f), 0);
}

static void
test_valid_csv(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {0};
    struct aw_import_report rep;
    struct aw_submission *v = NULL;
    struct aw_audit_entry *au = NULL;
    size_t n = 0;
    char err[512];
    json_t *p, *act;
    json_error_t jerr;

    assert_int_equal(import(f, "valid.csv", valid_csv, &opts, &rep, err, sizeof(err)), AW_OK);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.valid, 3);
    assert_int_equal(rep.created, 3);
    assert_int_equal(rep.nissues, 0);
    assert_string_equal(err, "");

    /* three pending submissions, nothing public, no organisation yet */
    assert_int_equal(n_published(f, 2017), 0);
    assert_int_equal(n_published(f, 2018), 0);
    assert_int_equal(n_orgs(f), 1);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].title, "Safer surfing");
    assert_string_equal(v[0].org_name, "Child Focus");
    assert_string_equal(v[0].country_code, "BE");
    assert_int_equal(v[0].edition_year, 2017);
    assert_int_equal(v[0].kind, AW_SUB_NEW);
    assert_int_equal(v[0].status, AW_SUB_PENDING);
    assert_int_equal(v[0].share_id, 0);
    assert_int_equal(v[0].activity_id, 0);
    assert_string_equal(v[0].source, "import:valid.csv");
    /* row 2: no year -> the newest edition; no country -> none */
    assert_string_equal(v[1].title, "Webinar");
    assert_string_equal(v[1].org_name, "ECPAT International");
    assert_string_equal(v[1].country_code, "");
    assert_int_equal(v[1].edition_year, 2018);
    /* row 3: the organisation's country */
    assert_string_equal(v[2].country_code, "FR");
    assert_int_equal(rep.nrowinfo, 3);
    assert_int_equal(rep.rowinfo[1].row, 2);
    assert_true(rep.rowinfo[1].valid);
    assert_int_equal(rep.rowinfo[1].year, 2018);
    assert_string_equal(rep.rowinfo[1].title, "Webinar");
    assert_string_equal(rep.rowinfo[1].org, "ECPAT International");
    assert_null(rep.rowinfo[1].country);
    assert_string_equal(rep.rowinfo[2].country, "FR");

    /* the payload, in the data-file format */
    p = json_loads(v[0].payload, 0, &jerr);
    assert_non_null(p);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(p, "organisation"), "name")),
        "Child Focus");
    act = json_object_get(p, "activity");
    assert_string_equal(json_string_value(json_object_get(act, "summary")),
                        "Workshops.\r\n\r\nIn *three* towns.");
    assert_string_equal(json_string_value(json_object_get(act, "country")), "BE");
    assert_int_equal(json_array_size(json_object_get(act, "audiences")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(act, "languages"), 1)),
                        "nl");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(act, "links"), 0), "label")),
                        "Programme");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(act, "links"), 0), "url")),
        "https://cf.example/p");
    assert_true(json_is_false(json_object_get(act, "online")));
    assert_true(json_is_null(json_object_get(act, "place")));
    assert_string_equal(json_string_value(json_object_get(act, "start")), "2017-11-14");
    json_decref(p);
    p = json_loads(v[1].payload, 0, &jerr);
    act = json_object_get(p, "activity");
    assert_true(json_is_true(json_object_get(act, "online")));
    assert_int_equal(json_array_size(json_object_get(act, "links")), 2);
    assert_true(json_is_null(json_object_get(act, "country")));
    json_decref(p);
    /* each payload passes the payload check */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            aw_load_check_payload(f->st, v[i].payload, v[i].edition_year, err, sizeof(err)), AW_OK);

    /* one audit entry per submission */
    assert_int_equal(aw_store_audit_list(f->st, f->a, 10, 0, &au, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(au[2].actor, "import");
    assert_string_equal(au[2].action, "import");
    assert_string_equal(au[2].object, aw_arena_printf(f->a, "submission:%lld", (long long)v[0].id));
    assert_string_equal(au[2].detail, "{\"file\":\"valid.csv\",\"row\":1}");

    /* --year: the default edition */
    opts.default_year = 2017;
    assert_int_equal(import(f, "valid.csv", valid_csv, &opts, &rep, err, sizeof(err)), AW_OK);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 5); /* 2 before, 3 now */
    opts.default_year = 2031;
    assert_int_equal(import(f, "valid.csv", valid_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    has_issue(&rep, 0, NULL, "no edition 2031 in the database");
    assert_int_equal(n_pending(f), 6);
}

/* A tab around an unquoted cell is part of it, as in a quoted cell, the form and the JSON
 * import: refused in one-line cells, kept in the summary; spaces around a cell are trimmed. */
static void
test_csv_tabs(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.dry_run = true};
    struct aw_import_report rep;
    struct aw_submission *v = NULL;
    size_t n = 0;
    char err[512];
    static const char tabs_csv[] =
        "title,organisation,organisation_kind,organisation_country,summary,kinds,audiences,"
        "edition_year,place\n"
        /* 1 */ "\t=1+1,Child Focus,ngo,BE,A talk.,event,parents,2017,Ghent\n"
        /* 2 */ "Talk,Child Focus\t,ngo,BE,A talk.,event,parents,2017,Ghent\n"
        /* 3 */ "Talk,Child Focus,ngo,BE,A talk.,event,parents,2017,\"\tGhent\"\n"
        /* 4 */ "Talk,Child Focus,ngo,BE,A talk.,event,parents,2017, \t Ghent \n"
        /* 5 */ "  Talk  ,Child Focus,ngo,BE,\tIndented talk.,event,parents,2017,  Ghent\n";

    assert_int_equal(import(f, "tabs.csv", tabs_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    has_issue(&rep, 1, "title", "control characters are not allowed");
    has_issue(&rep, 2, "organisation", "control characters are not allowed");
    has_issue(&rep, 3, "place", "control characters are not allowed");
    has_issue(&rep, 4, "place", "control characters are not allowed");
    assert_int_equal(issues_of_row(&rep, 5), 0);
    assert_int_equal(rep.valid, 1);
    /* the same verdict as a JSON import of the same value */
    opts.dry_run = false;
    opts.skip_invalid = true;
    assert_int_equal(import(f, "tabs.csv", tabs_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].title, "Talk");
    assert_non_null(strstr(v[0].payload, "\"summary\":\"\\tIndented talk.\""));
    assert_non_null(strstr(v[0].payload, "\"place\":\"Ghent\""));
}

static void
test_dry_run(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.dry_run = true};
    struct aw_import_report rep;
    char err[512];

    assert_int_equal(import(f, "valid.csv", valid_csv, &opts, &rep, err, sizeof(err)), AW_OK);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.valid, 3);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.nissues, 0);
    opts.skip_invalid = true;
    opts.publish = true;
    assert_int_equal(import(f, "broken.csv", broken_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.valid, 2);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.nissues, 15);
    assert_int_equal(n_pending(f), 0);
    assert_int_equal(n_published(f, 2017), 0);
    assert_int_equal(n_published(f, 2018), 0);
    assert_int_equal(n_orgs(f), 1);
    assert_int_equal(n_audit(f), 0);
}

static void
test_skip_invalid(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.skip_invalid = true};
    struct aw_import_report rep;
    struct aw_submission *v = NULL;
    size_t n = 0;
    char err[512];

    assert_int_equal(import(f, "broken.csv", broken_csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.rows, 7);
    assert_int_equal(rep.valid, 2);
    assert_int_equal(rep.created, 2);
    assert_int_equal(rep.nissues, 15);
    assert_non_null(strstr(err, "15 problems; 2 of 7 rows valid; 2 imported"));
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].title, "Parents evening");
    assert_int_equal(v[0].edition_year, 2017);
    assert_string_equal(v[1].title, "Quiz");
    assert_int_equal(v[1].edition_year, 2018);
    assert_string_equal(v[1].country_code, "FR");
    assert_int_equal(n_audit(f), 2);
    assert_int_equal(n_published(f, 2017), 0);
}

static void
test_publish(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.publish = true};
    struct aw_import_report rep;
    struct aw_activity *v = NULL;
    struct aw_audit_entry *au = NULL;
    struct aw_org o;
    size_t n = 0;
    char err[512];
    int64_t quiz;

    assert_int_equal(import(f, "valid.csv", valid_csv, &opts, &rep, err, sizeof(err)), AW_OK);
    assert_int_equal(rep.created, 3);
    assert_int_equal(n_pending(f), 0);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].title, "Safer surfing");
    assert_int_equal(v[0].org.id, f->org_be); /* reused */
    assert_string_equal(v[0].country_code, "BE");
    assert_int_equal(v[0].kinds_n, 1);
    assert_int_equal(v[0].languages_n, 2);
    assert_string_equal(v[0].links[0].url, "https://cf.example/p");
    assert_string_equal(v[0].start_date, "2017-11-14");
    assert_string_equal(v[1].title, "Quiz");
    quiz = v[1].id;
    assert_string_equal(v[1].org.name, "Kids Online");
    assert_string_equal(v[1].org.kind, "other");
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2018, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].title, "Webinar");
    assert_null(v[0].country_code);
    assert_true(v[0].online);
    /* two new organisations; the existing one kept its website */
    assert_int_equal(n_orgs(f), 3);
    assert_int_equal(aw_store_org(f->st, f->a, f->org_be, &o), AW_OK);
    assert_string_equal(o.website, "https://old.example");
    assert_int_equal(aw_store_audit_list(f->st, f->a, 10, 0, &au, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(au[0].object, aw_arena_printf(f->a, "activity:%lld", (long long)quiz));
}

static void
test_header_problems(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.skip_invalid = true};
    struct aw_import_report rep;
    char err[512];
    static const char csv[] = "organisation,organisation_kind,organisation_country,titel,summary,"
                              "kinds,audiences,kinds\n"
                              "Child Focus,ngo,BE,Talk,Text.,event,children,event\n";

    assert_int_equal(import(f, "valid.csv", csv, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.nissues, 3);
    has_issue(&rep, 0, "titel", "unknown column");
    has_issue(&rep, 0, "kinds", "duplicate column");
    has_issue(&rep, 0, "title", "missing column");
    assert_int_equal(rep.rows, 1);
    assert_int_equal(rep.valid, 0);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.nrowinfo, 1);
    assert_int_equal(rep.rowinfo[0].row, 1);
    assert_false(rep.rowinfo[0].valid);
    assert_string_equal(err, aw_arena_printf(f->a, "%s/valid.csv: titel: unknown column", f->dir));
    assert_int_equal(n_pending(f), 0);

    /* a header only: nothing to do */
    assert_int_equal(import(f, "valid.csv", HEADER, &opts, &rep, err, sizeof(err)), AW_OK);
    assert_int_equal(rep.rows, 0);
    assert_int_equal(rep.nissues, 0);
}

static void
test_file_problems(void **state)
{
    struct fx *f = *state;
    struct aw_import_report rep;
    char err[512], path[256];

    snprintf(path, sizeof(path), "%s/missing.csv", f->dir);
    assert_int_equal(aw_import_file(f->st, f->a, path, NULL, &rep, err, sizeof(err)), AW_ENOTFOUND);
    assert_int_equal(rep.nissues, 1);
    assert_int_equal(rep.issues[0].row, 0);
    assert_non_null(strstr(rep.issues[0].message, "cannot read the file"));

    assert_int_equal(import(f, "notes.txt", "a,b\n", NULL, &rep, err, sizeof(err)), AW_EINVAL);
    has_issue(&rep, 0, NULL, "expected a .csv or .json file");

    assert_int_equal(
        import(f, "quote.csv", HEADER "2017,\"Child Focus,ngo\n", NULL, &rep, err, sizeof(err)),
        AW_ESYNTAX);
    assert_int_equal(rep.nissues, 1);
    has_issue(&rep, 0, NULL, "line 2:organisation: unterminated quoted field");
    assert_int_equal(n_pending(f), 0);
}

/* The file's base name becomes the source of its submissions and goes into the audit log:
 * it meets the text rule, or nothing is imported. */
static void
test_file_names(void **state)
{
    struct fx *f = *state;
    struct aw_import_report rep;
    struct aw_submission *v = NULL;
    size_t n = 0;
    char err[512];
    static const struct {
        const char *name, *want;
    } bad[] = {
        {"/tmp/report\r\n2025.csv", "control characters are not allowed (rename the file)"},
        {"tab\t.csv", "control characters are not allowed"},
        {"esc\x1b[31m.csv", "control characters are not allowed"},
        {"photo\xe2\x80\xae"
         "vsc.csv",
         "direction controls are not allowed"},
        {"\xe2\x81\xa8open.csv", "direction controls are not allowed"},
        {"caf\xe9.csv", "invalid UTF-8"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(aw_import_mem(f->st, f->a, bad[i].name, valid_csv, strlen(valid_csv), NULL,
                                       &rep, err, sizeof(err)),
                         AW_EINVAL);
        has_issue(&rep, 0, "file name", bad[i].want);
        assert_int_equal(rep.created, 0);
    }
    assert_int_equal(n_pending(f), 0);
    assert_int_equal(n_audit(f), 0);
    /* well-formed names import, whatever the directories are called */
    assert_int_equal(aw_import_mem(f->st, f->a,
                                   "in\nbox/\xe2\x81\xa8"
                                   "caf\xc3\xa9\xe2\x81\xa9 2025.csv",
                                   valid_csv, strlen(valid_csv), NULL, &rep, err, sizeof(err)),
                     AW_OK);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].source, "import:\xe2\x81\xa8"
                                     "caf\xc3\xa9\xe2\x81\xa9 2025.csv");
}

static void
test_docs_example(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.dry_run = true, .default_year = 2017};
    struct aw_import_report rep;
    char path[4096], err[512];
    const char *src = getenv("AW_SOURCE_DIR");
    char *doc = NULL, *start, *end;

    snprintf(path, sizeof(path), "%s/docs/IMPORT.md", src ? src : AW_SHARE_DIR);
    assert_int_equal(aw_store__read_file(path, 1 << 20, &doc, NULL), AW_OK);
    start = strstr(doc, "```csv\n");
    assert_non_null(start);
    start += 7;
    end = strstr(start, "```");
    assert_non_null(end);
    *end = '\0';
    assert_int_equal(import(f, "valid.csv", start, &opts, &rep, err, sizeof(err)), AW_OK);
    for (size_t i = 0; i < rep.nissues; i++)
        fprintf(stderr, "docs/IMPORT.md: row %u, %s: %s\n", rep.issues[i].row,
                rep.issues[i].column ? rep.issues[i].column : "-", rep.issues[i].message);
    assert_int_equal(rep.nissues, 0);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.valid, 3);
    free(doc);
}

/* ---- JSON ---- */

static const char json_file[] =
    "{\"format\":\"awareday-data/1\",\"edition\":{\"year\":2017,\"theme_why\":\"Ignored.\"},"
    "\"organisations\":["
    "{\"key\":\"be-cf\",\"name\":\"Child Focus\",\"kind\":\"ngo\",\"country\":\"BE\","
    "\"website\":null},"
    "{\"key\":\"ecpat\",\"name\":\"ECPAT International\",\"kind\":\"ngo\",\"country\":null,"
    "\"website\":\"https://ecpat.example\"},"
    "{\"key\":\"bad-org\",\"name\":\"Bad\",\"kind\":\"club\",\"country\":null,\"website\":null}],"
    "\"activities\":["
    "{\"key\":\"be-talk\",\"organisation\":\"be-cf\",\"country\":\"BE\",\"title\":\"Talk\","
    "\"summary\":\"A talk.\",\"kinds\":[\"event\"],\"audiences\":[\"parents\"],\"start\":null,"
    "\"end\":null,\"place\":\"Ghent\",\"online\":false,\"languages\":[\"nl\"],\"links\":[]},"
    "{\"key\":\"int-webinar\",\"organisation\":\"ecpat\",\"country\":null,\"title\":\"Webinar\","
    "\"summary\":\"Online.\",\"kinds\":[\"seminar\"],\"audiences\":[\"professionals\"],"
    "\"start\":\"2017-11-31\",\"end\":null,\"place\":null,\"online\":true,\"languages\":[],"
    "\"links\":[{\"label\":\"\",\"url\":\"https://e.example\"}]},"
    "{\"key\":\"int-bad\",\"organisation\":\"bad-org\",\"country\":null,\"title\":\"X\","
    "\"summary\":\"Y.\",\"kinds\":[\"event\"],\"audiences\":[\"children\"]}],"
    "\"statements\":[{\"anything\":\"is ignored\"}],\"tools\":\"not even an array\"}";

static void
test_json_import(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {0};
    struct aw_import_report rep;
    struct aw_submission *v = NULL;
    size_t n = 0;
    char err[512];
    json_t *p;
    json_error_t jerr;

    assert_int_equal(import(f, "data.json", json_file, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.rows, 3);
    assert_int_equal(rep.valid, 1);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.nissues, 4);
    has_issue(&rep, 0, "organisations[2].kind", "unknown kind of partner");
    has_issue(&rep, 2, "activities[1].start", "expected a date YYYY-MM-DD");
    has_issue(&rep, 2, "activities[1].links[0].label", "must not be empty");
    has_issue(&rep, 3, "activities[2].organisation",
              "organisation \"bad-org\" has errors (organisations[2])");
    assert_int_equal(n_pending(f), 0);
    assert_int_equal(rep.nrowinfo, 3);
    assert_true(rep.rowinfo[0].valid);
    assert_string_equal(rep.rowinfo[0].org, "Child Focus");
    assert_false(rep.rowinfo[1].valid);
    assert_int_equal(rep.rowinfo[1].row, 2);
    assert_string_equal(rep.rowinfo[1].title, "Webinar");
    assert_int_equal(rep.rowinfo[1].year, 2017);

    opts.skip_invalid = true;
    assert_int_equal(import(f, "data.json", json_file, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.created, 1);
    assert_int_equal(aw_store_submissions_pending(f->st, f->a, NULL, 0, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].title, "Talk");
    assert_string_equal(v[0].source, "import:data.json");
    assert_string_equal(v[0].country_code, "BE");
    assert_int_equal(v[0].edition_year, 2017);
    p = json_loads(v[0].payload, 0, &jerr);
    assert_non_null(p);
    assert_null(json_object_get(json_object_get(p, "organisation"), "key"));
    assert_null(json_object_get(json_object_get(p, "activity"), "key"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "activity"), "place")),
                        "Ghent");
    json_decref(p);

    /* the edition must match --year; the format must be ours */
    opts.default_year = 2018;
    assert_int_equal(import(f, "data.json", json_file, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    has_issue(&rep, 0, "edition.year", "the file is for edition 2017, not 2018");
    assert_int_equal(rep.created, 0);
    opts.default_year = 0;
    assert_int_equal(
        import(f, "data.json", "{\"format\":\"other\"}", &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.nissues, 1);
    has_issue(&rep, 0, "format", "expected \"awareday-data/1\"");
    assert_int_equal(import(f, "data.json", "{\"format\":", &opts, &rep, err, sizeof(err)),
                     AW_ESYNTAX);
    assert_int_equal(rep.issues[0].row, 0);
    assert_int_equal(n_pending(f), 1);
}

static void
test_json_publish_twice(void **state)
{
    struct fx *f = *state;
    struct aw_import_opts opts = {.publish = true, .skip_invalid = true};
    struct aw_import_report rep;
    struct aw_activity *v = NULL;
    size_t n = 0;
    char err[512];
    int64_t first;

    assert_int_equal(import(f, "data.json", json_file, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(rep.created, 1);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    first = v[0].id;
    assert_int_equal(v[0].org.id, f->org_be);
    /* again: the same activity (keyed "2017/be-talk"), not a second one */
    assert_int_equal(import(f, "data.json", json_file, &opts, &rep, err, sizeof(err)), AW_EINVAL);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, first);
    assert_int_equal(n_orgs(f), 1);
}

/* ---- payloads ---- */

#define ORG_NEW                                                                                    \
    "\"organisation\":{\"name\":\"Kids Online\",\"kind\":\"other\",\"country\":\"FR\","            \
    "\"website\":null}"
#define ACT(title, kinds, links)                                                                   \
    "\"activity\":{\"title\":\"" title "\",\"summary\":\"Text.\",\"kinds\":" kinds ","             \
    "\"audiences\":[\"children\"],\"start\":\"2017-11-18\",\"end\":null,\"place\":null,"           \
    "\"online\":false,\"languages\":[\"fr\"],\"links\":" links "}"

static void
test_payload_check(void **state)
{
    struct fx *f = *state;
    char err[512], buf[1024];
    static const struct {
        const char *payload;
        enum aw_err rc;
        const char *err;
    } cases[] = {
        {"{" ORG_NEW "," ACT("Quiz", "[\"competition\"]", "[]") "}", AW_OK, ""},
        {"{\"organisation\":{\"id\":1}," ACT("Quiz", "[\"event\"]", "[]") "}", AW_OK, ""},
        {"{" ORG_NEW "," ACT("Quiz", "[\"dance\"]", "[]") "}", AW_EINVAL,
         "payload: activity.kinds[0]: unknown kind of activity \"dance\" (expected one of "
         "workshop, campaign, conference"},
        {"{" ORG_NEW "," ACT("", "[\"event\"]", "[]") "}", AW_EINVAL,
         "payload: activity.title: must not be empty"},
        {"{" ORG_NEW "," ACT("Quiz", "[\"event\"]", "[{\"label\":\"x\",\"url\":\"ftp://x\"}]") "}",
         AW_EINVAL, "payload: activity.links[0].url: expected an http(s) URL"},
        {"{\"organisation\":{\"id\":9999}," ACT("Quiz", "[\"event\"]", "[]") "}", AW_EINVAL,
         "payload: organisation.id: no organisation 9999"},
        {"{\"organisation\":{\"id\":1,\"name\":\"x\"}," ACT("Quiz", "[\"event\"]", "[]") "}",
         AW_EINVAL, "payload: organisation: expected either {\"id\": N} or name"},
        {"{\"organisation\":{\"name\":\"Y\",\"kind\":\"ngo\",\"country\":\"BE\",\"key\":\"y\"},"
         "" ACT("Quiz", "[\"event\"]", "[]") "}",
         AW_EINVAL, "payload: organisation: unknown field \"key\""},
        {"{" ORG_NEW ",\"activity\":{\"key\":\"x\"}}", AW_EINVAL,
         "payload: activity: unknown field \"key\""},
        {"{" ORG_NEW "}", AW_EINVAL, "payload: activity: missing"},
        {"{" ORG_NEW "," ACT("Quiz", "[\"event\"]", "[]") ",\"extra\":1}", AW_EINVAL,
         "payload: (top level): unknown field \"extra\""},
        {"[]", AW_EINVAL, "payload: (top level): expected a JSON object"},
        {"{\"organisation\":", AW_ESYNTAX, "payload:1:"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum aw_err rc = aw_load_check_payload(f->st, cases[i].payload, 2017, err, sizeof(err));
        if (rc != cases[i].rc || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
            fail_msg("case %zu: got %d \"%s\", expected %d \"%s\"", i, rc, err, cases[i].rc,
                     cases[i].err);
    }
    /* the activity's country is the organisation's, and cannot be another */
    snprintf(buf, sizeof(buf),
             "{%s,\"activity\":{\"country\":\"BE\",\"title\":\"T\","
             "\"summary\":\"S.\",\"kinds\":[\"event\"],\"audiences\":"
             "[\"children\"]}}",
             ORG_NEW);
    assert_int_equal(aw_load_check_payload(f->st, buf, 2017, err, sizeof(err)), AW_EINVAL);
    assert_string_equal(err,
                        "payload: activity.country: BE is not the country of organisation Kids "
                        "Online");
    assert_int_equal(aw_load_check_payload(f->st,
                                           "{" ORG_NEW "," ACT("Quiz", "[\"event\"]", "[]") "}",
                                           2031, err, sizeof(err)),
                     AW_EINVAL);
    assert_string_equal(err, "payload: edition_year: no edition 2031 in the database");
    assert_int_equal(aw_load_check_payload(f->st, NULL, 2017, err, sizeof(err)), AW_EINVAL);
    /* nothing was written */
    assert_int_equal(n_orgs(f), 1);
}

static void
test_payload_apply(void **state)
{
    struct fx *f = *state;
    struct aw_activity act, *v = NULL;
    char err[512];
    int64_t id = 0, id2 = 0;
    size_t n = 0;
    const char *slug;

    /* a new activity, a new organisation */
    assert_int_equal(aw_load_apply_submission(f->st,
                                              "{" ORG_NEW "," ACT("Quiz night", "[\"competition\"]",
                                                                  "[{\"label\":\"Rules\",\"url\":"
                                                                  "\"https://k.example/r\"}]") "}",
                                              2017, 0, &id, err, sizeof(err)),
                     AW_OK);
    assert_true(id > 0);
    assert_int_equal(aw_store_activity(f->st, f->a, id, &act), AW_OK); /* published */
    assert_string_equal(act.title, "Quiz night");
    assert_string_equal(act.slug, "quiz-night");
    assert_string_equal(act.org.name, "Kids Online");
    assert_string_equal(act.country_code, "FR");
    assert_int_equal(act.edition_year, 2017);
    assert_int_equal(act.kinds_n, 1);
    assert_string_equal(act.kinds[0], "competition");
    assert_int_equal(act.links_n, 1);
    assert_int_equal(n_orgs(f), 2);
    slug = act.slug;

    /* a second one for the same organisation reuses it */
    assert_int_equal(aw_load_apply_submission(f->st,
                                              "{" ORG_NEW "," ACT("Other", "[\"event\"]", "[]") "}",
                                              2018, 0, &id2, err, sizeof(err)),
                     AW_OK);
    assert_true(id2 > id);
    assert_int_equal(n_orgs(f), 2);

    /* a change in place: same id and slug, lists replaced */
    assert_int_equal(aw_load_apply_submission(
                         f->st,
                         "{" ORG_NEW
                         "," ACT("Quiz night (updated)", "[\"event\",\"campaign\"]", "[]") "}",
                         2017, id, &id2, err, sizeof(err)),
                     AW_OK);
    assert_int_equal(id2, id);
    assert_int_equal(aw_store_activity(f->st, f->a, id, &act), AW_OK);
    assert_string_equal(act.title, "Quiz night (updated)");
    assert_string_equal(act.slug, slug);
    assert_int_equal(act.kinds_n, 2);
    assert_string_equal(act.kinds[0], "event");
    assert_string_equal(act.kinds[1], "campaign");
    assert_int_equal(act.links_n, 0);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 1);

    /* {"id": N}: an existing organisation */
    assert_int_equal(aw_load_apply_submission(
                         f->st,
                         aw_arena_printf(f->a, "{\"organisation\":{\"id\":%lld},%s}",
                                         (long long)f->org_be, ACT("Talk", "[\"event\"]", "[]")),
                         2017, 0, &id2, err, sizeof(err)),
                     AW_OK);
    assert_int_equal(aw_store_activity(f->st, f->a, id2, &act), AW_OK);
    assert_int_equal(act.org.id, f->org_be);
    assert_string_equal(act.country_code, "BE");

    /* errors: invalid payload, unknown activity; nothing changes */
    assert_int_equal(aw_load_apply_submission(f->st,
                                              "{" ORG_NEW "," ACT("", "[\"event\"]", "[]") "}",
                                              2017, id, &id2, err, sizeof(err)),
                     AW_EINVAL);
    assert_int_equal(id2, 0);
    assert_string_equal(err, "payload: activity.title: must not be empty");
    assert_int_equal(aw_load_apply_submission(f->st,
                                              "{" ORG_NEW "," ACT("Z", "[\"event\"]", "[]") "}",
                                              2017, 9999, &id2, err, sizeof(err)),
                     AW_ENOTFOUND);
    assert_non_null(strstr(err, "payload: writing: put_activity: no activity 9999"));
    assert_int_equal(aw_store_activity(f->st, f->a, id, &act), AW_OK);
    assert_string_equal(act.title, "Quiz night (updated)");
    assert_int_equal(n_orgs(f), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_broken_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_tabs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docs_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_publish_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_apply, setup, teardown),
    };
    aw_log_set_level(AW_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
