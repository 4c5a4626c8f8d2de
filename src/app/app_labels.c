/* app_labels.c: the human names of the codes that are not data: kinds of
 * help service and languages, each marked for translation. (The kinds of
 * partner, of activity, audiences, tool and document kinds are the
 * vocabularies, labelled in the database: aw_page_term.) */
#include "app_int.h"

#include <string.h>

struct label {
    const char *code;
    const char *text; /* msgid */
};

static const char *
lookup(const struct label *t, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return _(t[i].text);
    return code;
}

static const struct label help_kinds[] = {
    {"report", N_("Report abuse material found online")},
    {"helpline", N_("Help for children")},
    {"prevention", N_("Help for people worried about their own thoughts")},
};

/* ISO 639-1 codes, English names (msgids). */
static const struct label languages[] = {
    {"ar", N_("Arabic")},         {"bg", N_("Bulgarian")},      {"bn", N_("Bengali")},
    {"ca", N_("Catalan")},        {"cs", N_("Czech")},          {"cy", N_("Welsh")},
    {"da", N_("Danish")},         {"de", N_("German")},         {"el", N_("Greek")},
    {"en", N_("English")},        {"es", N_("Spanish")},        {"et", N_("Estonian")},
    {"eu", N_("Basque")},         {"fa", N_("Persian (Dari)")}, {"fi", N_("Finnish")},
    {"fr", N_("French")},         {"ga", N_("Irish")},          {"hi", N_("Hindi")},
    {"hr", N_("Croatian")},       {"hu", N_("Hungarian")},      {"hy", N_("Armenian")},
    {"is", N_("Icelandic")},      {"it", N_("Italian")},        {"ka", N_("Georgian")},
    {"lb", N_("Luxembourgish")},  {"lt", N_("Lithuanian")},     {"lv", N_("Latvian")},
    {"mk", N_("Macedonian")},     {"mt", N_("Maltese")},        {"nl", N_("Dutch")},
    {"no", N_("Norwegian")},      {"pa", N_("Punjabi")},        {"pl", N_("Polish")},
    {"pt", N_("Portuguese")},     {"ro", N_("Romanian")},       {"ru", N_("Russian")},
    {"sh", N_("Serbo-Croatian")}, {"sk", N_("Slovak")},         {"sl", N_("Slovenian")},
    {"so", N_("Somali")},         {"sq", N_("Albanian")},       {"sr", N_("Serbian")},
    {"sv", N_("Swedish")},        {"ti", N_("Tigrinya")},       {"tr", N_("Turkish")},
    {"uk", N_("Ukrainian")},      {"ur", N_("Urdu")},           {"vi", N_("Vietnamese")},
    {"az", N_("Azerbaijani")},    {"bs", N_("Bosnian")},        {"me", N_("Montenegrin")},
};

const char *
aw_label_help_kind(enum aw_help_kind kind)
{
    const char *s = aw_help_kind_str(kind);
    return s ? lookup(help_kinds, AW_NELEM(help_kinds), s) : "";
}

const char *
aw_label_language(const char *code)
{
    return lookup(languages, AW_NELEM(languages), code);
}
