/* app_i18n.c: site languages, one locale_t each, and gettext (see i18n.h). */
#include "aw/i18n.h"
#include "aw/common.h"
#include "aw/log.h"

#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "awareday"
#define MAX_LANGS 16

/* The languages awareday knows how to run in: code, own name, direction and
 * the locales to try, best first. Adding a language = a row here + po/<ll>.po. */
static const struct known {
    const char *code;
    const char *name;
    bool rtl;
    const char *locales[3];
} known[] = {
    {"en", "English", false, {"en_GB.UTF-8", "en_US.UTF-8", "C.UTF-8"}},
    {"fr", "Français", false, {"fr_FR.UTF-8", "fr_BE.UTF-8", "C.UTF-8"}},
    {"de", "Deutsch", false, {"de_DE.UTF-8", "de_AT.UTF-8", "C.UTF-8"}},
    {"ar", "العربية", true, {"ar_EG.UTF-8", "ar_SA.UTF-8", "C.UTF-8"}},
};

static struct aw_lang langs[MAX_LANGS];
static size_t nlangs;

enum aw_err
aw_i18n_init(const char *languages, const char *locale_dir, char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    nlangs = 0;
    bindtextdomain(DOMAIN, locale_dir);
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    textdomain(DOMAIN);
    /* LANGUAGE would override every per-thread locale choice. */
    unsetenv("LANGUAGE");
    const char *p = languages;
    while (*p) {
        size_t n = strcspn(p, ",");
        const struct known *k = NULL;
        for (size_t i = 0; i < AW_NELEM(known); i++)
            if (strlen(known[i].code) == n && memcmp(known[i].code, p, n) == 0)
                k = &known[i];
        if (!k) {
            snprintf(err, errlen, "languages: \"%.*s\" is not a language awareday knows", (int)n,
                     p);
            rc = AW_ECONFIG;
            goto out;
        }
        if (nlangs == MAX_LANGS) {
            snprintf(err, errlen, "languages: at most %d", MAX_LANGS);
            rc = AW_ECONFIG;
            goto out;
        }
        struct aw_lang *l = &langs[nlangs];
        memcpy(l->code, k->code, 3);
        l->name = k->name;
        l->rtl = k->rtl;
        l->loc = (locale_t)0;
        for (size_t i = 0; i < AW_NELEM(k->locales) && !l->loc; i++)
            l->loc = newlocale(LC_ALL_MASK, k->locales[i], (locale_t)0);
        if (!l->loc) {
            l->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
            AW_WARN("no UTF-8 locale for language %s; dates and sorting fall back to C", k->code);
        }
        if (!l->loc) {
            snprintf(err, errlen, "cannot create a locale for %s", k->code);
            rc = AW_ECONFIG;
            goto out;
        }
        nlangs++;
        p += n;
        if (*p == ',')
            p++;
    }
    if (nlangs == 0) {
        snprintf(err, errlen, "languages: at least one is needed");
        rc = AW_ECONFIG;
    }
out:
    return rc;
}

void
aw_i18n_shutdown(void)
{
    uselocale(LC_GLOBAL_LOCALE);
    for (size_t i = 0; i < nlangs; i++)
        freelocale(langs[i].loc);
    nlangs = 0;
}

size_t
aw_i18n_count(void)
{
    return nlangs;
}

const struct aw_lang *
aw_i18n_at(size_t i)
{
    return i < nlangs ? &langs[i] : NULL;
}

const struct aw_lang *
aw_i18n_default(void)
{
    return nlangs ? &langs[0] : NULL;
}

const struct aw_lang *
aw_i18n_find(const char *code, size_t n)
{
    for (size_t i = 0; i < nlangs; i++)
        if (n == 2 && memcmp(langs[i].code, code, 2) == 0)
            return &langs[i];
    return NULL;
}

void
aw_i18n_use(const struct aw_lang *lang)
{
    uselocale(lang ? lang->loc : LC_GLOBAL_LOCALE);
}

const char *
aw_i18n_gettext(const char *msgid)
{
    return dgettext(DOMAIN, msgid);
}

const char *
aw_i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
{
    return dngettext(DOMAIN, msgid, plural, n);
}
