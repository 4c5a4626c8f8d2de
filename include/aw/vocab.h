/* vocab.h: the vocabularies, the lists of codes the data uses whose members
 * are data, not code (issue 8): kinds of partner, kinds of activity,
 * audiences, tool kinds, document kinds. Another awareness day has other
 * lists; the European Day's ship in data/reference/vocabularies.csv and
 * admins edit them at /{lang}/admin/vocabularies.
 *
 * A term has a code (what data files, the database and URLs use: never
 * renamed, only retired), a label per language, a place in its list, a
 * retired flag (the term stays for what uses it and is offered no more on
 * the share form) and, for kinds of partner, the organiser flag: the
 * edition page lists activities of such partners under the organiser's
 * name (the Council of Europe's bodies for the European Day).
 *
 * The kinds of help service (report, helpline, prevention) are not a
 * vocabulary: they are the three panels every page has (model.h).
 *
 * struct aw_vocab is a read-only snapshot of every list (aw_store_vocab in
 * store.h), in the arena it was read into; the functions below only read it
 * and return pointers into it (or into the arena they are given). */
#ifndef AW_VOCAB_H
#define AW_VOCAB_H

#include "aw/arena.h"

#include <stdbool.h>
#include <stddef.h>

enum aw_vocab_list {
    AW_VOCAB_ORG_KIND = 0,
    AW_VOCAB_ACTIVITY_KIND,
    AW_VOCAB_AUDIENCE,
    AW_VOCAB_TOOL_KIND,
    AW_VOCAB_DOCUMENT_KIND,
    AW_VOCAB_N
};

struct aw_term_label {
    const char *lang; /* ISO 639-1 */
    const char *text;
};

struct aw_term {
    enum aw_vocab_list list;
    const char *code; /* [a-z][a-z0-9_]*, at most AW_TERM_CODE_MAX bytes */
    int position;     /* order in the list (then by code) */
    bool retired;
    bool organiser; /* kinds of partner only */
    struct aw_term_label *labels;
    size_t nlabels;
};

#define AW_TERM_CODE_MAX 40
#define AW_TERM_LABEL_MAX 200 /* characters */

/* "org_kind", "activity_kind", "audience", "tool_kind", "document_kind";
 * NULL out of range. */
const char *aw_vocab_list_str(enum aw_vocab_list l);
/* 0 on success. */
int aw_vocab_list_parse(const char *s, enum aw_vocab_list *out);
/* What a list is called in messages: "kind of partner", ... (English). */
const char *aw_vocab_list_noun(enum aw_vocab_list l);
/* Whether s can be a term's code: a lowercase letter, then lowercase
 * letters, digits and '_', at most AW_TERM_CODE_MAX bytes. */
bool aw_term_code_ok(const char *s);

struct aw_vocab;

/* An empty snapshot (no term in any list), for building one by hand. */
struct aw_vocab *aw_vocab_new(struct aw_arena *a);
/* Adds t in order (the struct is copied; its strings and labels must live
 * as long as the snapshot's arena: the store reads them into it). */
void aw_vocab_add(struct aw_vocab *v, const struct aw_term *t);
/* The terms of list l, retired ones too, by position then code. */
const struct aw_term *aw_vocab_terms(const struct aw_vocab *v, enum aw_vocab_list l, size_t *n);
/* The term of list l with this code, retired or not; NULL when none. */
const struct aw_term *aw_vocab_find(const struct aw_vocab *v, enum aw_vocab_list l,
                                    const char *code);
/* t's label in lang, else in English, else its first, else its code. */
const char *aw_term_label(const struct aw_term *t, const char *lang);
/* The label of a code in lang (as aw_term_label); the code itself when the
 * list has no such term. */
const char *aw_vocab_label(const struct aw_vocab *v, enum aw_vocab_list l, const char *code,
                           const char *lang);
/* The codes of the terms not retired, "a, b and c", for messages; in a. */
const char *aw_vocab_codes(const struct aw_vocab *v, enum aw_vocab_list l, struct aw_arena *a);
/* The code someone who typed s probably meant: a term whose code or a label
 * equals s ignoring case, with blanks and '-' read as '_' ("general public"
 * is general_public; "NGO" is ngo); NULL when none. */
const char *aw_vocab_suggest(const struct aw_vocab *v, enum aw_vocab_list l, const char *s);

#endif
