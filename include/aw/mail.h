/* mail.h: outgoing e-mail. aw_mail_send() builds one RFC 5322 message (UTF-8 text,
 * quoted-printable) and hands it to an SMTP server with libcurl; the mailer is the outbox
 * thread that drains the store's mail queue (aw_store_mail_queue) through it.
 * Flow, settings and tests: docs/internals/mail.md. */
#ifndef AW_MAIL_H
#define AW_MAIL_H

#include "aw/buf.h"
#include "aw/common.h"
#include "aw/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Where and how to send. The strings are borrowed for the duration of the call
 * (aw_mailer_start copies them). */
struct aw_mail_cfg {
    const char *host;      /* SMTP server; "" or NULL: mail disabled */
    unsigned port;         /* 1-65535 */
    const char *tls;       /* "none", "starttls" (required, not opportunistic), "tls" */
    const char *user;      /* "" or NULL: no authentication */
    const char *password;  /* with user */
    const char *from;      /* envelope sender and From address */
    const char *from_name; /* From display name (UTF-8), "" or NULL for none */
};

/* Sends one mail now, synchronously (connect timeout 10 s, whole transfer 30 s):
 * subject and body are UTF-8 text, the body with "\n" or "\r\n" line breaks. Refuses
 * (AW_EINVAL) a bad recipient or sender (aw_mail_addr_ok), a from_name with control
 * characters, an empty host or an unknown tls mode; control characters in the subject become
 * spaces (a subject is one line). AW_ETOOBIG past 4 MiB of message, AW_EIO when the transfer
 * fails. On failure err (errlen bytes, may be 0) gets a one-line reason, curl's error text
 * for transfer errors; it may contain text from the server, escape it before logging it.
 * The subject and the body lose their direction controls (text.h, AW_TEXT_PLAIN): plain text
 * cannot isolate what people typed in it.
 * Thread-safe; blocks the calling thread, so request handlers queue mail instead. */
enum aw_err aw_mail_send(const struct aw_mail_cfg *cfg, const char *to, const char *subject,
                         const char *body, char *err, size_t errlen) AW_WARN_UNUSED;

/* --- the building blocks of aw_mail_send, exported for tests --- */

/* True if addr is an address we send to: 3-254 bytes, one '@' with a 1-64 byte local part
 * before it and a domain without empty labels after it, printable ASCII only (no SMTPUTF8),
 * no space, no CR/LF or other control, none of <>()[]\,;:" (they would end the address in a
 * header or an SMTP command). */
bool aw_mail_addr_ok(const char *addr);

/* Appends text as a quoted-printable body (RFC 2045 6.7): line breaks ("\n" or "\r\n")
 * become CRLF, lines are at most 76 characters with soft breaks ("=" CRLF), '=', bytes
 * outside printable ASCII and spaces or tabs at the end of a line are =XX. */
void aw_mail_qp_encode(struct aw_buf *out, const char *text, size_t n);

/* Appends the header "Name: value" CRLF. A value that is printable ASCII, does not contain
 * "=?" and fits on a 76-character line is written as is; anything else becomes RFC 2047
 * encoded-words (UTF-8, B encoding), each holding whole UTF-8 characters, folded so that no
 * line exceeds 76 characters. Control characters in value become spaces. */
void aw_mail_header_put(struct aw_buf *out, const char *name, const char *value);

/* --- the outbox thread --- */

struct aw_mailer;
struct aw_store;
struct aw_arena;
struct aw_mail;

/* The sending policy (the store only runs the statements): a mail is tried at most
 * AW_MAIL_MAX_ATTEMPTS times, the next attempt after `attempts` failed ones waits
 * aw_mail_backoff(attempts) = 60 s * 2^attempts (1, 2, 4 ... 128 minutes), and the last
 * failed attempt forgets the body (it may hold a private link). A sender holds the mail it
 * claimed for AW_MAIL_CLAIM_S seconds, well over an SMTP session's 30 s limit; past it,
 * another instance takes it. */
#define AW_MAIL_MAX_ATTEMPTS 8
#define AW_MAIL_CLAIM_S 120
int64_t aw_mail_backoff(int attempts_before);
/* Claims the next due mail (aw_store_mail_claim with the policy above). */
enum aw_err aw_mail_claim(struct aw_store *st, struct aw_arena *a, int64_t now,
                          struct aw_mail *out);
/* Records the outcome of an attempt on a mail claimed with `attempts` earlier ones. */
enum aw_err aw_mail_record(struct aw_store *st, int64_t id, int attempts, bool sent,
                           const char *error, int64_t now);

/* Starts the outbox: one thread with its own store connection to db (opened here, without
 * creating or migrating, so an error comes back in err) that sends due mails
 * (aw_mail_claim), records each outcome (aw_mail_record: sent, or a retry later with the
 * error), and otherwise sleeps up to 5 s or until aw_mailer_kick(). cfg is copied.
 * If cfg->host is empty no thread starts: a warning is logged once and mails stay queued.
 * *out is owned by the caller: stop it with aw_mailer_stop(). */
enum aw_err aw_mailer_start(const struct aw_mail_cfg *cfg, const char *db, struct aw_mailer **out,
                            char *err, size_t errlen) AW_WARN_UNUSED;
/* Wakes the outbox now (call it after a transaction that queued mail commits). Thread-safe;
 * NULL is a no-op. */
void aw_mailer_kick(struct aw_mailer *m);
/* Stops the outbox: the mail being sent is finished and recorded, later ones stay queued.
 * Joins the thread, closes its store connection and frees m. NULL is a no-op. */
void aw_mailer_stop(struct aw_mailer *m);

#endif
