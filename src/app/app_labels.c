/* app_labels.c: the human names of the codes the data uses (kinds of
 * activity, audiences, kinds of partner, tools, help services, languages),
 * each marked for translation. One table per code list. */
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

static const struct label activity_kinds[] = {
    {"workshop", N_("Workshop")},
    {"campaign", N_("Campaign")},
    {"conference", N_("Conference")},
    {"seminar", N_("Seminar")},
    {"exhibition", N_("Exhibition")},
    {"screening", N_("Screening")},
    {"concert", N_("Concert")},
    {"publication", N_("Publication")},
    {"translation", N_("Translation")},
    {"training", N_("Training")},
    {"competition", N_("Competition")},
    {"statement", N_("Statement")},
    {"parliamentary_question", N_("Parliamentary question")},
    {"website", N_("Website")},
    {"event", N_("Event")},
    {"other", N_("Other")},
};

static const struct label audiences[] = {
    {"children", N_("children")},
    {"young_people", N_("young people")},
    {"parents", N_("parents")},
    {"educators", N_("educators")},
    {"professionals", N_("professionals")},
    {"parliamentarians", N_("parliamentarians")},
    {"policy_makers", N_("policy makers")},
    {"journalists", N_("journalists")},
    {"general_public", N_("the general public")},
};

static const struct label org_kinds[] = {
    {"state_body", N_("Ministry or state body")},
    {"parliament", N_("Parliament")},
    {"ombudsperson", N_("Ombudsperson")},
    {"ngo", N_("Non-governmental organisation")},
    {"intl_org", N_("International organisation")},
    {"coe_body", N_("Council of Europe body")},
    {"company", N_("Company")},
    {"other", N_("Other partner")},
};

static const struct label tool_kinds[] = {
    {"leaflet_general", N_("General leaflet")},
    {"leaflet_thematic", N_("Thematic leaflet")},
    {"video_tutorial", N_("Video tutorials")},
    {"booklet_parents", N_("Booklet for parents")},
    {"banner", N_("Banner")},
};

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
aw_label_activity_kind(const char *kind)
{
    return lookup(activity_kinds, AW_NELEM(activity_kinds), kind);
}

const char *
aw_label_audience(const char *aud)
{
    return lookup(audiences, AW_NELEM(audiences), aud);
}

const char *
aw_label_org_kind(enum aw_org_kind kind)
{
    const char *s = aw_org_kind_str(kind);
    return s ? lookup(org_kinds, AW_NELEM(org_kinds), s) : _("Other partner");
}

const char *
aw_label_tool_kind(const char *kind)
{
    return lookup(tool_kinds, AW_NELEM(tool_kinds), kind);
}

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
