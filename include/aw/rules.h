/* rules.h: the rules of the values that come in every way (the share form,
 * the moderators' form, the CSV and JSON imports, the data files), decided
 * once (issue 7: the form and the import used to disagree on URLs and
 * years). Each verdict has two wordings, as text.h's: aw_rule_message() for
 * imports and data files ("expected a date YYYY-MM-DD"), aw_rule_sentence()
 * (a msgid, translated by the caller) for the forms. tests/http/rules.py
 * feeds the same values to the form and to the import and checks both. */
#ifndef AW_RULES_H
#define AW_RULES_H

enum aw_rule_fault {
    AW_RULE_OK = 0,
    AW_RULE_DATE,      /* not YYYY-MM-DD, not a real day, or a year outside 1900-2999 */
    AW_RULE_URL,       /* not http:// or https:// (in any case) */
    AW_RULE_URL_HOST,  /* nothing after the scheme, or a path or a dot where the host goes */
    AW_RULE_URL_CHARS, /* a blank, a control, invalid UTF-8, or one of " < > \ ` { } | ^ */
    AW_RULE_URL_LONG,  /* more than AW_RULE_URL_MAX bytes */
};

#define AW_RULE_URL_MAX 2000

/* "YYYY-MM-DD", a real calendar day of a year from 1900 to 2999. */
enum aw_rule_fault aw_rule_date(const char *s);
/* An absolute http(s) URL that can be written in an href as it is. */
enum aw_rule_fault aw_rule_url(const char *s);
/* English, for imports and data files; "" for AW_RULE_OK. */
const char *aw_rule_message(enum aw_rule_fault f);
/* The sentence a form shows next to the field, a msgid; "" for AW_RULE_OK. */
const char *aw_rule_sentence(enum aw_rule_fault f);

#endif
