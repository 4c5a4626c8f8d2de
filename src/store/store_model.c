/* store_model.c: the string forms of the model's enums (help-service
 * kinds, user roles, submission kinds and statuses, model.h). These strings
 * are what data files, the database and URLs use: never rename one without
 * a migration. The lists that are data (kinds of partner, of activity...)
 * are the vocabularies: store_vocab.c. */
#include "aw/model.h"

#include <string.h>

static const char *const help_kinds[AW_HELP_KIND_COUNT] = {
    [AW_HELP_REPORT] = "report",
    [AW_HELP_HELPLINE] = "helpline",
    [AW_HELP_PREVENTION] = "prevention",
};

static const char *const roles[AW_ROLE_COUNT] = {
    [AW_ROLE_ADMIN] = "admin",
    [AW_ROLE_MODERATOR] = "moderator",
    [AW_ROLE_FOCAL] = "focal",
};

static const char *const sub_kinds[] = {
    [AW_SUB_NEW] = "new",
    [AW_SUB_CHANGE] = "change",
    [AW_SUB_WITHDRAW] = "withdraw",
};

static const char *const sub_statuses[] = {
    [AW_SUB_PENDING] = "pending",     [AW_SUB_APPROVED] = "approved",
    [AW_SUB_REJECTED] = "rejected",   [AW_SUB_SUPERSEDED] = "superseded",
    [AW_SUB_CANCELLED] = "cancelled",
};

#define COUNT_OF(v) (sizeof(v) / sizeof((v)[0]))

/* Index of s in names[0..n), or -1. */
static int
find(const char *const *names, int n, const char *s)
{
    int found = -1;

    for (int i = 0; s != NULL && i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            found = i;
            break;
        }
    }
    return found;
}

const char *
aw_help_kind_str(enum aw_help_kind k)
{
    return ((int)k >= 0 && k < AW_HELP_KIND_COUNT) ? help_kinds[k] : NULL;
}

int
aw_help_kind_parse(const char *s, enum aw_help_kind *out)
{
    int i = find(help_kinds, AW_HELP_KIND_COUNT, s);

    if (i < 0)
        return -1;
    *out = (enum aw_help_kind)i;
    return 0;
}

bool
aw_model_in_list(const char *const *list, const char *s)
{
    bool found = false;

    for (size_t i = 0; s != NULL && list[i] != NULL; i++) {
        if (strcmp(list[i], s) == 0) {
            found = true;
            break;
        }
    }
    return found;
}

const char *
aw_role_str(enum aw_role r)
{
    return ((int)r >= 0 && r < AW_ROLE_COUNT) ? roles[r] : NULL;
}

int
aw_role_parse(const char *s, enum aw_role *out)
{
    int i = find(roles, AW_ROLE_COUNT, s);

    if (i < 0)
        return -1;
    *out = (enum aw_role)i;
    return 0;
}

const char *
aw_sub_status_str(enum aw_sub_status s)
{
    return ((int)s >= 0 && (size_t)s < COUNT_OF(sub_statuses)) ? sub_statuses[s] : NULL;
}

const char *
aw_sub_kind_str(enum aw_sub_kind k)
{
    return ((int)k >= 0 && (size_t)k < COUNT_OF(sub_kinds)) ? sub_kinds[k] : NULL;
}
