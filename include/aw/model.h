/* model.h: the domain objects the store returns. Plain structs, all strings
 * NUL-terminated and owned by the arena passed to the store call that filled
 * them (NULL where the value is absent). No database types appear here. */
#ifndef AW_MODEL_H
#define AW_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct aw_country {
    char code[3];     /* ISO 3166-1 alpha-2 */
    const char *name; /* in the requested language (English fallback) */
    const char *name_en;
    const char *name_fr;
    bool coe_member;
    int coe_joined_year; /* 0: unknown */
    int coe_left_year;   /* 0: still a member */
    int lanzarote_year;  /* 0: not ratified / not known */
};

struct aw_link {
    const char *label;
    const char *url;
};

struct aw_edition {
    int64_t id;
    int year;
    int number;                /* ordinal: 2017 is the 3rd */
    const char *theme;         /* NULL when the edition had no specific theme */
    const char *theme_why;     /* Markdown, may be NULL */
    const char *invitation;    /* Markdown: the call to share activities, may be NULL */
    const char **js_issued_by; /* joint statement: ISO codes of issuing states */
    size_t js_issued_n;
    int js_supported_count; /* -1: not known */
    int activity_count;     /* published activities */
};

struct aw_org {
    int64_t id;
    const char *slug;
    const char *name;
    const char *kind;         /* a code of the org_kind vocabulary (vocab.h) */
    const char *country_code; /* NULL for international bodies */
    const char *website;
};

struct aw_activity {
    int64_t id;
    const char *slug;
    int edition_year;
    struct aw_org org;
    const char *country_code; /* NULL: not tied to one country */
    const char *title;
    const char *summary; /* Markdown */
    const char **kinds;  /* codes of the activity_kind vocabulary (vocab.h) */
    size_t kinds_n;
    const char **audiences; /* codes of the audience vocabulary */
    size_t audiences_n;
    const char **languages; /* ISO 639-1 codes */
    size_t languages_n;
    const char *start_date; /* YYYY-MM-DD or NULL */
    const char *end_date;   /* YYYY-MM-DD or NULL */
    const char *place;      /* NULL when not given */
    bool online;
    struct aw_link *links;
    size_t links_n;
};

struct aw_tool {
    int64_t id;
    const char *kind; /* a code of the tool_kind vocabulary */
    const char *title;
    const char *description; /* Markdown, may be NULL */
    const char *url;         /* may be NULL */
    const char **languages;  /* ISO 639-1 codes it exists in */
    size_t languages_n;
};

struct aw_statement {
    int64_t id;
    int edition_year;
    const char *speaker;      /* person's name, may be NULL for a body's statement */
    const char *speaker_role; /* "Secretary General of the Council of Europe" */
    struct aw_org org;        /* the body the speaker speaks for */
    const char *summary;      /* Markdown, in our words */
    const char *url;          /* may be NULL */
};

struct aw_document {
    int64_t id;
    int edition_year;
    const char *title;
    const char *kind; /* a code of the document_kind vocabulary */
    struct aw_org org;
    const char *date; /* YYYY-MM-DD or NULL */
    const char *url;  /* may be NULL */
};

enum aw_help_kind { AW_HELP_REPORT = 0, AW_HELP_HELPLINE, AW_HELP_PREVENTION, AW_HELP_KIND_COUNT };

struct aw_help_service {
    int64_t id;
    char country_code[3];
    enum aw_help_kind kind;
    const char *name;
    const char *organisation;
    const char *url;   /* may be NULL */
    const char *phone; /* may be NULL */
    const char **languages;
    size_t languages_n;
    const char *source_url;
    const char *confidence;  /* "high", "medium", "low" */
    const char *verified_at; /* YYYY-MM-DD, NULL when never verified */
    const char *verified_by; /* who verified it, NULL when never */
    bool retired;
};

/* String forms of the enums: "report", ... ; NULL when out of range. */
const char *aw_help_kind_str(enum aw_help_kind k);
int aw_help_kind_parse(const char *s, enum aw_help_kind *out);

/* Whether s is one of list (NULL-terminated). */
bool aw_model_in_list(const char *const *list, const char *s);

/* --- moderation (issue 3) --- */

enum aw_role { AW_ROLE_ADMIN = 0, AW_ROLE_MODERATOR, AW_ROLE_FOCAL, AW_ROLE_COUNT };

struct aw_user {
    int64_t id;
    const char *email;
    const char *password_hash; /* libsodium crypto_pwhash_str (Argon2id) */
    enum aw_role role;
    char country_code[3]; /* focal points: their country; "" otherwise */
    bool disabled;
    const char *created_at;    /* ISO 8601 UTC */
    const char *last_login_at; /* NULL: never */
};

/* A partner's submission thread: the private link's token (stored only as a
 * hash) and the submitter's contact, never shown publicly. */
struct aw_share {
    int64_t id;
    int64_t activity_id; /* 0 until a first version is approved */
    const char *submitter_name;
    const char *submitter_email;
    const char *created_at;
};

enum aw_sub_kind { AW_SUB_NEW = 0, AW_SUB_CHANGE, AW_SUB_WITHDRAW };
enum aw_sub_status {
    AW_SUB_PENDING = 0,
    AW_SUB_APPROVED,
    AW_SUB_REJECTED,
    AW_SUB_SUPERSEDED, /* replaced by a newer pending version of the same share */
    AW_SUB_CANCELLED   /* withdrawn by the submitter before a decision */
};

/* One version of an activity waiting for (or having had) a decision. The
 * payload is JSON in the data-file format (docs/DATA.md):
 *   {"organisation": {...organisations[] entry, or {"id": N} for an existing one},
 *    "activity": {...activities[] entry without "key" and "organisation"}} */
struct aw_submission {
    int64_t id;
    int64_t share_id;
    int64_t activity_id; /* the published activity it changes; 0 for a new one */
    enum aw_sub_kind kind;
    enum aw_sub_status status;
    int edition_year;
    char country_code[3]; /* "" when the activity has no country */
    const char *title;    /* copied from the payload, for the queue */
    const char *org_name; /* likewise */
    const char *payload;  /* JSON text */
    const char *source;   /* "form", "import:FILE", ... */
    const char *created_at;
    const char *decided_at; /* NULL while pending */
    int64_t decided_by;     /* user id, 0 while pending */
    const char *reason;     /* rejection reason, NULL otherwise */
};

struct aw_audit_entry {
    int64_t id;
    const char *at;    /* ISO 8601 UTC */
    const char *actor; /* "user:ID email", "submitter:SHARE", "cli", "import" */
    const char
        *action; /* "submit", "change", "approve", "reject", "edit", "withdraw", "login", ... */
    const char *object; /* "submission:12", "activity:4", "user:3" */
    const char *detail; /* free text or JSON; may be NULL */
    const char *ip;     /* client address or NULL */
};

struct aw_mail {
    int64_t id;
    const char *to;
    const char *subject;
    const char *body; /* text/plain, UTF-8 */
    int attempts;
};

const char *aw_role_str(enum aw_role r);
int aw_role_parse(const char *s, enum aw_role *out);
const char *aw_sub_status_str(enum aw_sub_status s);
const char *aw_sub_kind_str(enum aw_sub_kind k);

#endif
