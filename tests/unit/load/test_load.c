/* test_load.c: unit tests for the loaders (src/load/load_ref.c, load_json.c, load_payload.c): the
 * reference CSV files (errors named by file, line and column; any column
 * order; quoted fields; the help-service publication rule), JSON data files
 * (one broken field per case, each error named by its JSON path, nothing
 * written on error, length limits at 200/201), idempotent reloads, and the
 * real data/reference CSV files and data/demo/2017.json. */
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
#include <sys/stat.h>
#include <unistd.h>

static const char countries_csv[] =
    "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
    "BE,Belgium,Belgique,yes,1949,,2013\n"
    "FR,France,France,yes,1949,,2010\n"
    "LU,Luxembourg,Luxembourg,yes,1949,,2011\n"
    "RU,Russian Federation,Fédération de Russie,former,1996,2022,2013\n";

static const char editions_csv[] =
    "year,number,theme_en,joint_statement_issued_by,joint_statement_supported_by_count\n"
    "2016,2,,,\n"
    "2017,3,\"ICTs, \"\"and\"\" more\",LU;BE,35\n";

static const char help_csv[] =
    "country_code,country_name_en,kind,name,organisation,url,phone,languages,source_url,"
    "confidence\n"
    "BE,Belgium,report,Child Focus hotline,Child Focus,https://childfocus.be/,116 000,fr;nl,"
    "https://childfocus.be/,high\n"
    "BE,Belgium,helpline,Awel,Awel vzw,https://awel.be/,102,nl,,medium\n"
    "FR,France,helpline,\"3018 (online, for young people)\",e-Enfance,https://e-enfance.org/,"
    "3018,fr,https://e-enfance.org/,low\n"
    "CA,Canada (CoE observer),report,Cybertip.ca,Canadian Centre,https://cybertip.ca/,,en;fr,"
    "https://cybertip.ca/,high\n";

static const char base_json[] =
    "{\"format\":\"awareday-data/1\","
    "\"edition\":{\"year\":2017,\"theme_why\":\"Why *this*.\",\"invitation\":\"Share.\"},"
    "\"organisations\":["
    "{\"key\":\"be-child-focus\",\"name\":\"Child Focus\",\"kind\":\"ngo\",\"country\":\"BE\","
    "\"website\":\"https://childfocus.be\"},"
    "{\"key\":\"ecpat-int\",\"name\":\"ECPAT International\",\"kind\":\"ngo\",\"country\":null,"
    "\"website\":null}],"
    "\"activities\":["
    "{\"key\":\"be-campaign\",\"organisation\":\"be-child-focus\",\"country\":\"BE\","
    "\"title\":\"Campagne été\",\"summary\":\"A campaign.\\n\\nTwo paragraphs.\","
    "\"kinds\":[\"campaign\",\"statement\"],\"audiences\":[\"parents\"],\"start\":\"2017-11-17\","
    "\"end\":\"2017-11-18\",\"place\":\"Brussels\",\"online\":true,\"languages\":[\"fr\",\"nl\"],"
    "\"links\":[{\"label\":\"Site\",\"url\":\"https://childfocus.be/x\"}]},"
    "{\"key\":\"int-webinar\",\"organisation\":\"ecpat-int\",\"country\":null,"
    "\"title\":\"Webinar\",\"summary\":\"Online.\",\"kinds\":[\"seminar\"],"
    "\"audiences\":[\"professionals\"],\"start\":null,\"end\":null,\"place\":null,"
    "\"online\":true,\"languages\":[],\"links\":[]}],"
    "\"statements\":[{\"key\":\"ecpat-st\",\"organisation\":\"ecpat-int\",\"speaker\":\"Jane Doe\","
    "\"role\":\"Director\",\"summary\":\"Said.\",\"url\":null}],"
    "\"documents\":[{\"key\":\"doc-1\",\"organisation\":\"ecpat-int\",\"kind\":\"opinion\","
    "\"title\":\"An opinion\",\"date\":\"2017-05-12\",\"url\":null}],"
    "\"tools\":[{\"key\":\"leaflet\",\"kind\":\"leaflet_general\",\"title\":\"Leaflet\","
    "\"description\":\"A leaflet.\",\"url\":null,\"languages\":[\"en\",\"fr\"]}]}";

struct fx {
    char dir[64];
    char ref[128];
    char db[512];
    struct aw_store *st;
    struct aw_arena *a;
};

static void
write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The shipped vocabularies, which the JSON of these tests uses. */
static char *
shipped_vocab(void)
{
    const char *src = getenv("AW_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/data/reference/vocabularies.csv", src ? src : ".");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void
write_ref(struct fx *f, const char *countries, const char *editions, const char *help)
{
    const char *vocab = shipped_vocab();
    write_file(f->ref, "vocabularies.csv", vocab, strlen(vocab));
    write_file(f->ref, "countries.csv", countries, strlen(countries));
    write_file(f->ref, "editions.csv", editions, strlen(editions));
    if (help != NULL)
        write_file(f->ref, "help_services.csv", help, strlen(help));
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[512];

    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-load-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->ref, sizeof(f->ref), "%s/ref", f->dir);
    aw_test_db(f->db, sizeof(f->db), f->dir, "test.db"); /* or PostgreSQL: test_db.h */
    if (mkdir(f->ref, 0700) != 0)
        return -1;
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    f->a = aw_arena_new(0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char path[256];
    static const char *files[] = {
        "ref/countries.csv", "ref/editions.csv", "ref/help_services.csv", "ref/vocabularies.csv",
        "test.db",           "test.db-wal",      "test.db-shm",           "data.json"};

    aw_store_close(f->st);
    aw_arena_free(f->a);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->ref);
    rmdir(f->dir);
    free(f);
    return 0;
}

static size_t
n_countries(struct fx *f)
{
    struct aw_country *v;
    size_t n = 0;
    assert_int_equal(aw_store_countries(f->st, f->a, "en", &v, &n), AW_OK);
    return n;
}

static size_t
n_editions(struct fx *f)
{
    struct aw_edition *v;
    size_t n = 0;
    assert_int_equal(aw_store_editions(f->st, f->a, "en", &v, &n), AW_OK);
    return n;
}

static size_t
n_help(struct fx *f, bool all)
{
    struct aw_help_service *v;
    size_t n = 0;
    assert_int_equal(aw_store_help_services(f->st, f->a, NULL, all, &v, &n), AW_OK);
    return n;
}

static size_t
n_activities(struct fx *f, int year)
{
    struct aw_activity *v;
    size_t n = 0;
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, year, &v, &n), AW_OK);
    return n;
}

static size_t
n_statements(struct fx *f, int year)
{
    struct aw_statement *v;
    size_t n = 0;
    assert_int_equal(aw_store_statements(f->st, f->a, year, &v, &n), AW_OK);
    return n;
}

static size_t
n_documents(struct fx *f, int year)
{
    struct aw_document *v;
    size_t n = 0;
    assert_int_equal(aw_store_documents(f->st, f->a, year, &v, &n), AW_OK);
    return n;
}

static size_t
n_tools(struct fx *f, int year)
{
    struct aw_tool *v;
    size_t n = 0;
    assert_int_equal(aw_store_tools(f->st, f->a, year, &v, &n), AW_OK);
    return n;
}

/* Organisations, counted through aw_store_org over the id range. */
static size_t
n_orgs(struct fx *f)
{
    struct aw_org o;
    size_t n = 0;
    for (int64_t id = 1; id < 2000; id++)
        if (aw_store_org(f->st, f->a, id, &o) == AW_OK)
            n++;
    return n;
}

static void
load_ref_ok(struct fx *f, const struct aw_load_opts *opts)
{
    char err[512] = "";
    enum aw_err rc = aw_load_reference(f->st, f->ref, opts, err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("aw_load_reference: %s", err);
}

static void
load_json_ok(struct fx *f, const char *text, bool publish)
{
    struct aw_load_opts opts = {.publish_activities = publish};
    char err[512] = "";
    enum aw_err rc =
        aw_load_json_mem(f->st, "data.json", text, strlen(text), &opts, err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("aw_load_json_mem: %s", err);
}

/* ---- CSV ---- */

static void
test_reference_load(void **state)
{
    struct fx *f = *state;
    struct aw_edition e;
    struct aw_help_service *h;
    struct aw_country c;
    size_t n;

    write_ref(f, countries_csv, editions_csv, help_csv);
    load_ref_ok(f, NULL);
    assert_int_equal(n_countries(f), 4);
    assert_int_equal(n_editions(f), 2);
    assert_int_equal(aw_store_country(f->st, f->a, "fr", "RU", &c), AW_OK);
    assert_string_equal(c.name, "Fédération de Russie");
    assert_false(c.coe_member);
    assert_int_equal(c.coe_joined_year, 1996);
    assert_int_equal(c.coe_left_year, 2022);
    assert_int_equal(c.lanzarote_year, 2013);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_int_equal(e.number, 3);
    assert_string_equal(e.theme, "ICTs, \"and\" more");
    assert_int_equal(e.js_issued_n, 2);
    assert_string_equal(e.js_issued_by[0], "LU");
    assert_string_equal(e.js_issued_by[1], "BE");
    assert_int_equal(e.js_supported_count, 35);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2016, &e), AW_OK);
    assert_null(e.theme);
    assert_int_equal(e.js_supported_count, -1);

    /* nothing published without the setting */
    assert_int_equal(n_help(f, false), 0);
    assert_int_equal(aw_store_help_services(f->st, f->a, NULL, true, &h, &n), AW_OK);
    assert_int_equal(n, 4);
    assert_string_equal(h[0].name, "Child Focus hotline"); /* BE report */
    assert_string_equal(h[0].phone, "116 000");
    assert_int_equal(h[0].languages_n, 2);
    assert_string_equal(h[0].confidence, "high");
    assert_null(h[0].verified_at);
    assert_string_equal(h[1].name, "Awel");
    assert_null(h[1].source_url);
    assert_string_equal(h[2].country_code, "CA"); /* observer states are kept */
    assert_null(h[2].phone);
    assert_string_equal(h[3].name, "3018 (online, for young people)");
}

static void
test_reference_publish_high(void **state)
{
    struct fx *f = *state;
    struct aw_load_opts opts = {.publish_high_help = true, .verified_by = "secretariat"};
    struct aw_help_service *h;
    char today[11];
    size_t n;

    write_ref(f, countries_csv, editions_csv, help_csv);
    load_ref_ok(f, &opts);
    aw_store__today(today);
    assert_int_equal(aw_store_help_services(f->st, f->a, NULL, false, &h, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].name, "Child Focus hotline");
    assert_string_equal(h[0].verified_at, today);
    assert_string_equal(h[0].verified_by, "secretariat");
    assert_string_equal(h[1].name, "Cybertip.ca");
    assert_int_equal(n_help(f, true), 4);
}

static void
test_reference_idempotent(void **state)
{
    struct fx *f = *state;
    struct aw_load_opts opts = {.publish_high_help = true, .verified_by = "x"};

    write_ref(f, countries_csv, editions_csv, help_csv);
    for (int i = 0; i < 3; i++) {
        load_ref_ok(f, &opts);
        assert_int_equal(n_countries(f), 4);
        assert_int_equal(n_editions(f), 2);
        assert_int_equal(n_help(f, true), 4);
        assert_int_equal(n_help(f, false), 2);
    }
}

static void
test_reference_column_order(void **state)
{
    struct fx *f = *state;
    struct aw_country c;

    /* any order, extra columns ignored, CRLF line ends, a byte order mark */
    write_ref(f,
              "\xEF\xBB\xBFnotes,lanzarote_ratified_year,name_fr,code,coe_left_year,name_en,"
              "coe_joined_year,coe_member\r\n"
              "x,2013,Belgique,BE,,Belgium,1949,yes\r\n"
              "\"y, z\",,Luxembourg,LU,,Luxembourg,1949,yes\r\n",
              "joint_statement_supported_by_count,year,theme_en,number,joint_statement_issued_by\n"
              "3,2017,T,3,BE\n",
              "confidence,country_code,kind,name,organisation,url,phone,languages,source_url\n"
              "low,BE,prevention,Stop,Org,,,,\n");
    load_ref_ok(f, NULL);
    assert_int_equal(n_countries(f), 2);
    assert_int_equal(aw_store_country(f->st, f->a, "fr", "BE", &c), AW_OK);
    assert_string_equal(c.name, "Belgique");
    assert_int_equal(c.lanzarote_year, 2013);
    assert_int_equal(aw_store_country(f->st, f->a, "en", "LU", &c), AW_OK);
    assert_int_equal(c.lanzarote_year, 0);
    assert_int_equal(n_help(f, true), 1);
}

static void
test_reference_errors(void **state)
{
    struct fx *f = *state;
    static const struct {
        int file; /* 0 countries, 1 editions, 2 help */
        const char *text;
        const char *want;
    } cases[] = {
        {0,
         "code,name_en,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,yes,1949,,2013\n",
         "/countries.csv:1:name_fr: missing column"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,yes,1949,,2013\n"
         "B1,Bad,Bad,yes,1949,,2013\n",
         "/countries.csv:3:code: expected an ISO 3166-1 alpha-2 code"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "be,Belgium,Belgique,yes,1949,,2013\n",
         "/countries.csv:2:code: expected an ISO"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,yes,19x9,,2013\n",
         "/countries.csv:2:coe_joined_year: expected a year"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,yes,1949,,20134\n",
         "/countries.csv:2:lanzarote_ratified_year: too long"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,maybe,1949,,2013\n",
         "/countries.csv:2:coe_member: expected yes, former or no"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,\"Belgium,Belgique,yes,1949,,2013\n",
         "/countries.csv:2:name_en: unterminated quoted field"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,yes,1949,,2013\n"
         "FR,France,yes,1949,,2010\n",
         "/countries.csv:3: expected 7 fields, found 6"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Belgium,Belgique,yes,1949,,2013\n"
         "BE,Belgium,Belgique,yes,1949,,2013\n",
         "/countries.csv:3:code: duplicate country code"},
        {0,
         "code,name_en,name_fr,coe_member,coe_joined_year,coe_left_year,lanzarote_ratified_year\n"
         "BE,Bel\xC3\x28gium,Belgique,yes,1949,,2013\n",
         "/countries.csv:2:name_en: invalid UTF-8"},
        {0, "", "/countries.csv:1: empty file"},
        {1,
         "year,number,theme_en,joint_statement_issued_by,joint_statement_supported_by_count\n"
         "17,3,,,\n",
         "/editions.csv:2:year: expected a year"},
        {1,
         "year,number,theme_en,joint_statement_issued_by,joint_statement_supported_by_count\n"
         "2016,2,,,\n"
         "2017,3,,BE;XX,\n",
         "/editions.csv:3:joint_statement_issued_by: unknown country code XX"},
        {1,
         "year,number,theme_en,joint_statement_issued_by,joint_statement_supported_by_count\n"
         "2016,2,,,\n"
         "2017,3,,BE,many\n",
         "/editions.csv:3:joint_statement_supported_by_count: expected a count"},
        {1,
         "year,number,theme_en,joint_statement_issued_by\n"
         "2016,2,,\n",
         "/editions.csv:1:joint_statement_supported_by_count: missing column"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,Org,https://h.example/,,fr,,certain\n",
         "/help_services.csv:2:confidence: expected high, medium or low"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,hotline,Hotline,Org,https://h.example/,,fr,,high\n",
         "/help_services.csv:2:kind: expected report, helpline or prevention"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,Org,javascript:alert(1),,fr,,high\n",
         "/help_services.csv:2:url: expected an http(s) URL"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,Org,,,french,,high\n",
         "/help_services.csv:2:languages: expected ISO 639-1 codes"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "\n"
         "BE,report,Hotline,Org,,,fr,,high\n"
         "BE,helpline,Line,Org,,,fr,,sure\n",
         "/help_services.csv:4:confidence: expected high"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,Org,,,fr,,high\n"
         "BE,report,Hotline,Other org,,,fr,,low\n",
         "/help_services.csv:3:name: duplicate service"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hot\"line,Org,,,fr,,high\n",
         "/help_services.csv:2:name: malformed quoted field"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,\"Hot\nline\",Org,,,fr,,high\n",
         "/help_services.csv:2:name: control characters are not allowed"},
        /* a tab around an unquoted cell is part of it (libcsv trims spaces only) */
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,\tOrg,,,fr,,high\n",
         "/help_services.csv:2:organisation: control characters are not allowed"},
        /* the text rule of every input (text.h): an override reverses the text after it */
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,Hotline,Org \xe2\x80\xae(NGO),,,fr,,high\n",
         "/help_services.csv:2:organisation: direction controls are not allowed"},
        {2,
         "country_code,kind,name,organisation,url,phone,languages,source_url,confidence\n"
         "BE,report,\xe2\x81\xa8Hotline,Org,,,fr,,high\n",
         "/help_services.csv:2:name: direction controls are not allowed"},
    };
    char err[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_ref(f, cases[i].file == 0 ? cases[i].text : countries_csv,
                  cases[i].file == 1 ? cases[i].text : editions_csv,
                  cases[i].file == 2 ? cases[i].text : help_csv);
        err[0] = '\0';
        assert_int_not_equal(aw_load_reference(f->st, f->ref, NULL, err, sizeof(err)), AW_OK);
        if (strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        /* nothing was written */
        assert_int_equal(n_countries(f), 0);
        assert_int_equal(n_editions(f), 0);
        assert_int_equal(n_help(f, true), 0);
    }

    /* a missing file */
    char path[256];
    write_ref(f, countries_csv, editions_csv, help_csv);
    snprintf(path, sizeof(path), "%s/help_services.csv", f->ref);
    unlink(path);
    assert_int_equal(aw_load_reference(f->st, f->ref, NULL, err, sizeof(err)), AW_ENOTFOUND);
    assert_non_null(strstr(err, "/help_services.csv: cannot read the file"));
}

/* ---- JSON ---- */

/* base_json with one change: in `section` ("" for the top level, "edition",
 * or an array name with index idx) set `field` to the JSON text `value`, or
 * remove it when value is NULL. Returns a heap string. */
static char *
mutate(const char *section, size_t idx, const char *field, const char *value)
{
    json_error_t e;
    json_t *root = json_loads(base_json, 0, &e), *obj;
    char *out;

    assert_non_null(root);
    if (section[0] == '\0')
        obj = root;
    else if (strcmp(section, "edition") == 0)
        obj = json_object_get(root, "edition");
    else
        obj = json_array_get(json_object_get(root, section), idx);
    assert_non_null(obj);
    if (value == NULL) {
        json_object_del(obj, field);
    } else {
        json_t *v = json_loads(value, JSON_DECODE_ANY, &e);
        assert_non_null(v);
        json_object_set_new(obj, field, v);
    }
    out = json_dumps(root, 0);
    json_decref(root);
    return out;
}

static void
setup_ref(struct fx *f)
{
    write_ref(f, countries_csv, editions_csv, help_csv);
    load_ref_ok(f, NULL);
}

static void
test_json_load(void **state)
{
    struct fx *f = *state;
    struct aw_activity *v;
    struct aw_statement *s;
    struct aw_document *d;
    struct aw_tool *t;
    struct aw_edition e;
    size_t n;

    setup_ref(f);
    load_json_ok(f, base_json, true);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_string_equal(e.theme_why, "Why *this*.");
    assert_string_equal(e.invitation, "Share.");
    assert_int_equal(e.activity_count, 2);
    assert_int_equal(e.js_issued_n, 2); /* kept from editions.csv */

    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].title, "Campagne été");
    assert_string_equal(v[0].slug, "campagne-ete");
    assert_string_equal(v[0].summary, "A campaign.\n\nTwo paragraphs.");
    assert_string_equal(v[0].org.name, "Child Focus");
    assert_string_equal(v[0].org.slug, "child-focus");
    assert_string_equal(v[0].org.website, "https://childfocus.be");
    assert_int_equal(v[0].kinds_n, 2);
    assert_string_equal(v[0].kinds[1], "statement");
    assert_string_equal(v[0].audiences[0], "parents");
    assert_string_equal(v[0].start_date, "2017-11-17");
    assert_string_equal(v[0].end_date, "2017-11-18");
    assert_string_equal(v[0].place, "Brussels");
    assert_true(v[0].online);
    assert_int_equal(v[0].languages_n, 2);
    assert_int_equal(v[0].links_n, 1);
    assert_string_equal(v[0].links[0].url, "https://childfocus.be/x");
    assert_null(v[1].country_code);
    assert_null(v[1].start_date);
    assert_null(v[1].place);
    assert_int_equal(v[1].languages_n, 0);
    assert_int_equal(v[1].links_n, 0);
    assert_null(v[1].org.country_code);

    assert_int_equal(aw_store_statements(f->st, f->a, 2017, &s, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].speaker, "Jane Doe");
    assert_string_equal(s[0].speaker_role, "Director");
    assert_string_equal(s[0].org.name, "ECPAT International");
    assert_int_equal(aw_store_documents(f->st, f->a, 2017, &d, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(d[0].date, "2017-05-12");
    assert_string_equal(d[0].kind, "opinion");
    assert_int_equal(aw_store_tools(f->st, f->a, 2017, &t, &n), AW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].description, "A leaflet.");
    assert_int_equal(t[0].languages_n, 2);

    /* the reference reload keeps the edition texts */
    load_ref_ok(f, NULL);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_string_equal(e.theme_why, "Why *this*.");
}

static void
test_json_idempotent(void **state)
{
    struct fx *f = *state;

    setup_ref(f);
    for (int i = 0; i < 3; i++) {
        load_json_ok(f, base_json, true);
        assert_int_equal(n_activities(f, 2017), 2);
        assert_int_equal(n_statements(f, 2017), 1);
        assert_int_equal(n_documents(f, 2017), 1);
        assert_int_equal(n_tools(f, 2017), 1);
        assert_int_equal(n_orgs(f), 2);
    }
}

static void
test_json_pending(void **state)
{
    struct fx *f = *state;
    struct aw_edition e;

    setup_ref(f);
    load_json_ok(f, base_json, false);
    assert_int_equal(n_activities(f, 2017), 0);
    assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
    assert_int_equal(e.activity_count, 0);
    /* statements, documents and tools are not moderated */
    assert_int_equal(n_statements(f, 2017), 1);
    load_json_ok(f, base_json, true);
    assert_int_equal(n_activities(f, 2017), 2);
}

static void
test_json_errors(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *section;
        size_t idx;
        const char *field, *value, *want;
    } cases[] = {
        {"activities", 0, "kinds", "[\"dancing\"]",
         "activities[0].kinds[0]: unknown kind of activity \"dancing\" (expected one of "
         "workshop, campaign, "},
        {"activities", 0, "kinds", "[]", "activities[0].kinds: must not be empty"},
        {"activities", 0, "kinds", "[\"campaign\",\"campaign\"]",
         "activities[0].kinds[1]: \"campaign\" given twice"},
        {"activities", 0, "audiences", "[\"kids\"]",
         "activities[0].audiences[0]: unknown audience \"kids\""},
        {"activities", 0, "audiences", NULL, "activities[0].audiences: missing"},
        {"activities", 0, "start", "\"2017-02-30\"",
         "activities[0].start: expected a date YYYY-MM-DD"},
        {"activities", 0, "start", "\"17/11/2017\"",
         "activities[0].start: expected a date YYYY-MM-DD"},
        {"activities", 0, "start", "20171117", "activities[0].start: expected a date YYYY-MM-DD"},
        {"activities", 0, "end", "\"2017-11-16\"", "activities[0].end: before start (2017-11-17)"},
        {"activities", 0, "organisation", "\"nobody\"",
         "activities[0].organisation: unknown organisation \"nobody\""},
        {"activities", 0, "links", "[{\"label\":\"x\",\"url\":\"javascript:alert(1)\"}]",
         "activities[0].links[0].url: expected an http(s) URL"},
        {"activities", 0, "links", "[{\"label\":\"x\",\"url\":\"https://a.b\",\"rel\":1}]",
         "activities[0].links[0]: unknown field \"rel\""},
        {"activities", 0, "colour", "\"red\"", "activities[0]: unknown field \"colour\""},
        {"activities", 0, "country", "\"XX\"", "activities[0].country: unknown country XX"},
        {"activities", 0, "country", "\"FR\"",
         "activities[0].country: FR is not the country of organisation be-child-focus"},
        {"activities", 1, "key", "\"webinar\"",
         "activities[1].key: an activity without a country needs a key starting int- or coe-"},
        {"activities", 1, "key", "\"be-campaign\"", "activities[1].key: duplicate key"},
        {"activities", 0, "key", "\"Bad_Key\"", "activities[0].key: expected a key"},
        {"activities", 0, "title", "\"a\\u0007b\"",
         "activities[0].title: control characters are not allowed"},
        {"activities", 0, "title", "\"line\\nbreak\"",
         "activities[0].title: control characters are not allowed"},
        {"activities", 0, "title", "\"\"", "activities[0].title: must not be empty"},
        /* direction controls (text.h): overrides and embeddings anywhere, isolates unclosed
         * on their line; the message is the form's and the import's */
        {"activities", 0, "title", "\"Campaign \\u202e(NGO)\"",
         "activities[0].title: direction controls are not allowed (only isolates U+2066 to "
         "U+2069 closed on the same line, and the marks U+200E, U+200F, U+061C)"},
        {"activities", 0, "place", "\"\\u202aBrussels\\u202c\"",
         "activities[0].place: direction controls are not allowed"},
        {"activities", 0, "summary", "\"One \\u2067line\\nand \\u2069two\"",
         "activities[0].summary: direction controls are not allowed"},
        {"activities", 0, "summary", "\"Closed \\u2069 first\"",
         "activities[0].summary: direction controls are not allowed"},
        /* Markdown fields: raw HTML, which the renderer drops, is refused */
        {"activities", 0, "summary", "\"<b>Workshops</b> for parents\"",
         "activities[0].summary: HTML is not kept: write the text in Markdown"},
        {"activities", 0, "summary", "\"<div>\\nWorkshops\\n</div>\"",
         "activities[0].summary: HTML is not kept"},
        {"edition", 0, "theme_why", "\"Why <!-- this -->.\"",
         "edition.theme_why: HTML is not kept"},
        {"statements", 0, "summary", "\"A <span>statement</span>.\"",
         "statements[0].summary: HTML is not kept"},
        {"tools", 0, "description", "\"<p>A leaflet.</p>\"",
         "tools[0].description: HTML is not kept"},
        {"organisations", 0, "name", "\"Child Focus \\u202d\"",
         "organisations[0].name: direction controls are not allowed"},
        {"statements", 0, "speaker", "\"\\u2066Jane Doe\"",
         "statements[0].speaker: direction controls are not allowed"},
        {"activities", 0, "title", "42", "activities[0].title: expected a string"},
        {"activities", 0, "online", "\"yes\"", "activities[0].online: expected true or false"},
        {"activities", 0, "languages", "[\"fra\"]",
         "activities[0].languages[0]: expected an ISO 639-1 code"},
        {"organisations", 0, "website", "\"ftp://x.example/\"",
         "organisations[0].website: expected an http(s) URL"},
        {"organisations", 0, "kind", "\"club\"", "organisations[0].kind: unknown kind of partner"},
        {"organisations", 1, "key", "\"be-child-focus\"", "organisations[1].key: duplicate key"},
        {"statements", 0, "role", "null",
         "statements[0].role: must be null exactly when speaker is null"},
        {"statements", 0, "organisation", "\"be-nobody\"",
         "statements[0].organisation: unknown organisation"},
        {"documents", 0, "date", "\"2017-5-12\"", "documents[0].date: expected a date YYYY-MM-DD"},
        {"documents", 0, "kind", "\"poem\"",
         "documents[0].kind: unknown kind of document \"poem\" (expected one of opinion, "
         "declaration, report and study)"},
        {"tools", 0, "kind", "\"sculpture\"", "tools[0].kind: unknown kind of tool \"sculpture\""},
        {"activities", 0, "audiences", "[\"general public\"]",
         "activities[0].audiences[0]: unknown audience \"general public\": did you mean "
         "general_public?"},
        {"organisations", 0, "kind", "\"NGO\"",
         "organisations[0].kind: unknown kind of partner \"NGO\": did you mean ngo?"},
        {"tools", 0, "url", "\"data:text/html,x\"", "tools[0].url: expected an http(s) URL"},
        {"edition", 0, "year", "1999", "edition.year: no edition 1999 in the database"},
        {"edition", 0, "year", "\"2017\"", "edition.year: expected a year"},
        {"edition", 0, "theme", "\"x\"", "edition: unknown field \"theme\""},
        {"", 0, "format", "\"awareday-data/2\"", "format: expected \"awareday-data/1\""},
        {"", 0, "extra", "[]", "(top level): unknown field \"extra\""},
        {"", 0, "activities", "{}", "activities: expected an array"},
        {"", 0, "edition", NULL, "edition: missing"},
    };
    char err[512];

    setup_ref(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = mutate(cases[i].section, cases[i].idx, cases[i].field, cases[i].value);
        struct aw_load_opts opts = {.publish_activities = true};

        err[0] = '\0';
        assert_int_not_equal(
            aw_load_json_mem(f->st, "data.json", text, strlen(text), &opts, err, sizeof(err)),
            AW_OK);
        free(text);
        if (strncmp(err, "data.json: ", 11) != 0 || strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        assert_int_equal(n_activities(f, 2017), 0);
        assert_int_equal(n_statements(f, 2017), 0);
        assert_int_equal(n_orgs(f), 0);
    }
}

static void
test_json_raw_errors(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"format\":\"awareday-data/1\",\"edition\":{\"year\":2017,\"theme_why\":\"\xC3\x28\"}}",
         "data.json: invalid UTF-8"},
        {"{\"format\":\"awareday-data/1\",", "data.json:1:"},
        {"{\"format\":\"awareday-data/1\",\"format\":\"awareday-data/1\"}", "duplicate"},
        {"[]", "data.json: expected a JSON object at the top level"},
        {"", "data.json:"},
    };
    char err[512];

    setup_ref(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        assert_int_not_equal(aw_load_json_mem(f->st, "data.json", cases[i].text,
                                              strlen(cases[i].text), NULL, err, sizeof(err)),
                             AW_OK);
        if (strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
    }
    /* a file that does not exist */
    assert_int_equal(aw_load_json_file(f->st, "/nonexistent/x.json", NULL, err, sizeof(err)),
                     AW_ENOTFOUND);
    assert_non_null(strstr(err, "/nonexistent/x.json: cannot read the file"));
}

/* Well-formed bidirectional text loads as it is: isolates closed on their line (one per
 * line in a summary) and marks. */
static void
test_json_bidi_ok(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *field, *json, *stored;
    } cases[] = {
        {"title", "\"Conference \\u2068\\u0639\\u0631\\u0628\\u064a\\u2069 2017 \\u200f\"",
         "Conference \xe2\x81\xa8\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xe2\x81\xa9 2017 \xe2\x80\x8f"},
        {"summary", "\"\\u2067One\\u2069 line.\\n\\n\\u2066Two\\u2069 \\u061c lines.\"",
         "\xe2\x81\xa7One\xe2\x81\xa9 line.\n\n\xe2\x81\xa6Two\xe2\x81\xa9 \xd8\x9c lines."},
    };

    setup_ref(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = mutate("activities", 0, cases[i].field, cases[i].json);
        struct aw_activity *v;
        size_t n;
        bool found = false;
        load_json_ok(f, text, true);
        free(text);
        assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
        for (size_t k = 0; k < n; k++)
            found |= strcmp(i == 0 ? v[k].title : v[k].summary, cases[i].stored) == 0;
        if (!found)
            fail_msg("case %zu: the %s was not stored as given", i, cases[i].field);
    }
}

/* Title of n characters: "é" (two bytes each) so that the limit is in characters. */
static char *
title_json(size_t n)
{
    char *title = malloc(n * 2 + 3), *p = title, *json;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        *p++ = '\xC3';
        *p++ = '\xA9';
    }
    *p++ = '"';
    *p = '\0';
    json = mutate("activities", 0, "title", title);
    free(title);
    return json;
}

static void
test_json_title_limit(void **state)
{
    struct fx *f = *state;
    struct aw_activity *v;
    char err[512];
    size_t n;
    char *text;

    setup_ref(f);
    text = title_json(201);
    assert_int_equal(
        aw_load_json_mem(f->st, "data.json", text, strlen(text), NULL, err, sizeof(err)),
        AW_EINVAL);
    free(text);
    assert_non_null(strstr(err, "data.json: activities[0].title: longer than 200 characters"));

    text = title_json(200);
    struct aw_load_opts opts = {.publish_activities = true};
    assert_int_equal(
        aw_load_json_mem(f->st, "data.json", text, strlen(text), &opts, err, sizeof(err)), AW_OK);
    free(text);
    assert_int_equal(aw_store_activities_by_edition(f->st, f->a, 2017, &v, &n), AW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(strlen(v[0].title), 400);
    assert_int_equal(strlen(v[0].slug), 80); /* "eeee..." cut at 80 */
}

static void
test_json_file(void **state)
{
    struct fx *f = *state;
    char path[256], err[512];

    setup_ref(f);
    write_file(f->dir, "data.json", base_json, strlen(base_json));
    snprintf(path, sizeof(path), "%s/data.json", f->dir);
    struct aw_load_opts opts = {.publish_activities = true};
    assert_int_equal(aw_load_json_file(f->st, path, &opts, err, sizeof(err)), AW_OK);
    assert_int_equal(n_activities(f, 2017), 2);
}

/* ---- the real data ---- */

static void
test_real_data(void **state)
{
    struct fx *f = *state;
    const char *src = getenv("AW_SOURCE_DIR");
    char ref[4096], demo[4096], err[512];
    struct aw_load_opts opts = {
        .publish_high_help = true, .verified_by = "test", .publish_activities = true};
    struct aw_edition e;
    struct aw_help_service *h;
    size_t n;

    snprintf(ref, sizeof(ref), "%s/data/reference", src ? src : AW_SHARE_DIR);
    snprintf(demo, sizeof(demo), "%s/data/demo/2017.json", src ? src : AW_SHARE_DIR);
    for (int round = 0; round < 2; round++) {
        if (aw_load_reference(f->st, ref, &opts, err, sizeof(err)) != AW_OK)
            fail_msg("%s", err);
        assert_int_equal(n_countries(f), 47);
        assert_int_equal(n_editions(f), 11);
        assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
        assert_int_equal(e.number, 3);
        assert_int_equal(e.js_issued_n, 4);
        assert_string_equal(e.js_issued_by[0], "AD");
        assert_string_equal(e.js_issued_by[1], "LU");
        assert_string_equal(e.js_issued_by[2], "MC");
        assert_string_equal(e.js_issued_by[3], "SI");
        assert_int_equal(e.js_supported_count, 35);
        assert_int_equal(aw_store_help_services(f->st, f->a, NULL, true, &h, &n), AW_OK);
        assert_int_equal(n, 111);
        assert_int_equal(n_help(f, false), 38); /* the "high" rows */
        assert_int_equal(aw_store_help_services(f->st, f->a, "GB", false, &h, &n), AW_OK);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(h[i].confidence, "high");

        if (access(demo, R_OK) != 0) {
            fprintf(stderr, "skipping the demo data: %s is absent\n", demo);
            continue;
        }
        if (aw_load_json_file(f->st, demo, &opts, err, sizeof(err)) != AW_OK)
            fail_msg("%s", err);
        assert_int_equal(aw_store_edition(f->st, f->a, "en", 2017, &e), AW_OK);
        assert_int_equal(e.activity_count, 35);
        assert_non_null(e.theme_why);
        assert_non_null(e.invitation);
        assert_int_equal(n_activities(f, 2017), 35);
        assert_int_equal(n_statements(f, 2017), 10);
        assert_int_equal(n_documents(f, 2017), 3);
        assert_int_equal(n_tools(f, 2017), 4);
        assert_int_equal(n_orgs(f), 43);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reference_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_publish_high, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_column_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_raw_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bidi_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_title_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_data, setup, teardown),
    };
    aw_log_set_level(AW_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
