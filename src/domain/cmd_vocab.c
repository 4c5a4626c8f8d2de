/* cmd_vocab.c: the secretariat edits the vocabularies (include/aw/vocab.h):
 * a term added or changed, with the audit entry that keeps what it was and
 * what it became. Only admins edit them: the lists are the site's words. */
#include "domain_int.h"

#include "aw/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* {"position":..,"retired":..,"organiser":..,"labels":{"en":..}} */
static json_t *
term_json(const struct aw_term *t)
{
    json_t *o = json_object(), *l = json_object();
    json_object_set_new(o, "position", json_integer(t->position));
    json_object_set_new(o, "retired", json_boolean(t->retired));
    json_object_set_new(o, "organiser", json_boolean(t->organiser));
    for (size_t i = 0; i < t->nlabels; i++)
        json_object_set_new(l, t->labels[i].lang, json_string(t->labels[i].text));
    json_object_set_new(o, "labels", l);
    return o;
}

enum aw_err
aw_cmd_term_save(const struct aw_cmd *c, const struct aw_term *before, const struct aw_term *after)
{
    if (c->user == NULL || c->user->role != AW_ROLE_ADMIN)
        return AW_EINVAL;
    if (before != NULL && (before->list != after->list || strcmp(before->code, after->code) != 0))
        return AW_EINVAL; /* a code is never renamed */
    json_t *d = json_object();
    json_object_set_new(d, "before", before ? term_json(before) : json_null());
    json_object_set_new(d, "after", term_json(after));
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    if (text == NULL)
        return AW_ENOMEM;
    const char *detail = aw_arena_strdup(c->arena, text);
    free(text);

    struct aw_uow u;
    enum aw_err rc = aw_uow_begin(&u, c);
    if (rc != AW_OK)
        return rc;
    rc = before ? aw_store_term_update(c->st, after) : aw_store_term_add(c->st, after);
    if (rc == AW_OK)
        rc = aw_uow_audit(
            &u, before ? "term_update" : "term_add",
            aw_arena_printf(c->arena, "%s:%s", aw_vocab_list_str(after->list), after->code),
            detail);
    return aw_uow_end(&u, rc);
}
