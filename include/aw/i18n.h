/* i18n.h: site languages and GNU gettext, per request and thread-safe.
 *
 * Each language has its own locale_t; a request switches its thread to the
 * language's locale with aw_i18n_use() (uselocale), so gettext(), strftime_l
 * and strcoll_l answer in that language while other threads serve others.
 * Catalogues are po/<ll>.po compiled to <locale_dir>/<ll>/LC_MESSAGES/
 * awareday.mo; English is the source language and needs none. */
#ifndef AW_I18N_H
#define AW_I18N_H

#include "aw/err.h"
#include <locale.h>
#include <stdbool.h>
#include <stddef.h>

struct aw_lang {
    char code[3];     /* "en" */
    const char *name; /* its own name: "English", "Français" */
    bool rtl;         /* written right to left (ar, he, fa) */
    locale_t loc;     /* LC_ALL locale for this language */
};

/* Sets up the languages in `languages` ("en,fr"; first is the default) with
 * catalogues from locale_dir. Start-up only. */
enum aw_err aw_i18n_init(const char *languages, const char *locale_dir, char *err, size_t errlen);
void aw_i18n_shutdown(void);

size_t aw_i18n_count(void);
const struct aw_lang *aw_i18n_at(size_t i);
const struct aw_lang *aw_i18n_default(void);
/* The language with that code, or NULL if the site does not offer it. */
const struct aw_lang *aw_i18n_find(const char *code, size_t n);

/* Switches the calling thread to lang (NULL: back to the global locale). */
void aw_i18n_use(const struct aw_lang *lang);
/* gettext in the "awareday" domain for the calling thread's language. */
const char *aw_i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
/* As above with plural forms. */
const char *aw_i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));

#define _(s) aw_i18n_gettext(s)
#define N_(s) (s)

#endif
