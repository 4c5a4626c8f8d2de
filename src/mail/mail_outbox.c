/* mail_outbox.c: the outbox thread (see mail.h and docs/internals/mail.md).
 *
 * Request handlers never talk SMTP: they queue a mail in the same transaction as the action
 * it reports (aw_store_mail_queue) and kick the mailer. One background thread, with its own
 * store connection (a connection belongs to one thread), takes the oldest due mail, sends it
 * with aw_mail_send and records the outcome: sent, or a retry later with the error (the
 * policy, attempts and backoff, is here: aw_mail_claim, aw_mail_record). Between rounds it sleeps
 * on a condition variable, up to 5 s or until kicked, so a mail queued by another instance sharing
 * the database still goes within 5 s. */
#include "aw/mail.h"

#include "aw/arena.h"
#include "aw/log.h"
#include "aw/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_SECONDS 5

struct aw_mailer {
    struct aw_mail_cfg cfg; /* its strings are the copies below */
    char *host, *tls, *user, *password, *from, *from_name;
    struct aw_store *st; /* used by the thread only; NULL while the database is away */
    char *db;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* guards stop and kicked */
    pthread_cond_t cv;  /* on CLOCK_MONOTONIC: a clock change does not stretch the sleep */
    bool stop, kicked;
    /* A mail sent whose outcome could not be recorded (a full or read-only
     * database): recorded before anything else is sent, never sent again.
     * Used by the thread only. */
    struct {
        int64_t id;   /* 0: none */
        int attempts; /* before this one */
        bool sent;
        char err[512];
    } unrecorded;
};

int64_t
aw_mail_backoff(int attempts_before)
{
    if (attempts_before < 0)
        attempts_before = 0;
    if (attempts_before > 20)
        attempts_before = 20;
    return (int64_t)60 << attempts_before;
}

enum aw_err
aw_mail_claim(struct aw_store *st, struct aw_arena *a, int64_t now, struct aw_mail *out)
{
    return aw_store_mail_claim(st, a, now, now + AW_MAIL_CLAIM_S, AW_MAIL_MAX_ATTEMPTS, out);
}

enum aw_err
aw_mail_record(struct aw_store *st, int64_t id, int attempts, bool sent, const char *error,
               int64_t now)
{
    return aw_store_mail_done(st, id, sent, error, now, now + aw_mail_backoff(attempts),
                              !sent && attempts + 1 >= AW_MAIL_MAX_ATTEMPTS);
}

static char *
xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        aw_fatal("out of memory");
    return p;
}

static bool
stopping(struct aw_mailer *m)
{
    pthread_mutex_lock(&m->mu);
    bool stop = m->stop;
    pthread_mutex_unlock(&m->mu);
    return stop;
}

/* Sends every due mail, one at a time, until the queue has none due or stop is asked. */
static void
drain(struct aw_mailer *m)
{
    if (m->st && aw_store_lost(m->st)) {
        AW_WARN("mail: database connection lost (%s): opening a new one", aw_store_errmsg(m->st));
        aw_store_close(m->st);
        m->st = NULL;
    }
    if (m->st == NULL) {
        char err[512];
        if (aw_store_open(m->db, false, false, &m->st, err, sizeof(err)) != AW_OK) {
            AW_WARN("mail: %s; trying again in a few seconds", err);
            return;
        }
    }
    if (m->unrecorded.id) {
        if (aw_mail_record(m->st, m->unrecorded.id, m->unrecorded.attempts, m->unrecorded.sent,
                           m->unrecorded.sent ? NULL : m->unrecorded.err, time(NULL)) != AW_OK) {
            AW_WARN("mail %lld: still cannot record the outcome, nothing is sent until it is: %s",
                    (long long)m->unrecorded.id, aw_store_errmsg(m->st));
            return;
        }
        AW_INFO("mail %lld: outcome recorded", (long long)m->unrecorded.id);
        m->unrecorded.id = 0;
    }
    while (!stopping(m)) {
        struct aw_arena *a = aw_arena_new(0);
        struct aw_mail mail;
        char err[512] = "", who[300], why[700];
        enum aw_err rc = aw_mail_claim(m->st, a, (int64_t)time(NULL), &mail);
        if (rc != AW_OK) {
            if (rc != AW_ENOTFOUND)
                AW_ERROR("mail: cannot read the queue: %s", aw_store_errmsg(m->st));
            aw_arena_free(a);
            break;
        }
        rc = aw_mail_send(&m->cfg, mail.to, mail.subject, mail.body, err, sizeof(err));
        /* Only the domain: a partner's address is personal data the log
         * does not need (the outbox row has it). */
        const char *at = strrchr(mail.to, '@');
        const char *dom = at ? at + 1 : mail.to;
        aw_log_repr(who, sizeof(who), dom, strlen(dom));
        if (rc == AW_OK) {
            AW_INFO("mail %lld to an address at \"%s\": sent", (long long)mail.id, who);
        } else {
            aw_log_repr(why, sizeof(why), err, strlen(err));
            /* AW_EINVAL will not get better by itself (a bad address): say it louder. */
            AW_LOG(rc == AW_EINVAL ? AW_LOG_ERROR : AW_LOG_WARN,
                   "mail %lld to an address at \"%s\": not sent (attempt %d): %s",
                   (long long)mail.id, who, mail.attempts + 1, why);
        }
        enum aw_err drc = aw_mail_record(m->st, mail.id, mail.attempts, rc == AW_OK,
                                         rc == AW_OK ? NULL : err, time(NULL));
        if (drc != AW_OK) {
            /* Not recorded: the row is still due, and sending it again at each
             * round would flood its recipient for as long as the database
             * cannot be written. Keep the outcome and record it first. */
            AW_ERROR("mail %lld: cannot record the outcome: %s", (long long)mail.id,
                     aw_store_errmsg(m->st));
            m->unrecorded.id = mail.id;
            m->unrecorded.sent = rc == AW_OK;
            m->unrecorded.attempts = mail.attempts;
            snprintf(m->unrecorded.err, sizeof(m->unrecorded.err), "%s", err);
            aw_arena_free(a);
            break;
        }
        aw_arena_free(a);
    }
}

static void *
run(void *arg)
{
    struct aw_mailer *m = arg;
    for (;;) {
        drain(m);
        pthread_mutex_lock(&m->mu);
        if (!m->stop && !m->kicked) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += POLL_SECONDS;
            while (!m->stop && !m->kicked) {
                if (pthread_cond_timedwait(&m->cv, &m->mu, &until) == ETIMEDOUT)
                    break;
            }
        }
        m->kicked = false;
        bool stop = m->stop;
        pthread_mutex_unlock(&m->mu);
        if (stop)
            break;
    }
    return NULL;
}

static void
mailer_free(struct aw_mailer *m)
{
    if (!m)
        return;
    aw_store_close(m->st);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m->host);
    free(m->tls);
    free(m->user);
    free(m->password);
    free(m->from);
    free(m->from_name);
    free(m->db);
    free(m);
}

enum aw_err
aw_mailer_start(const struct aw_mail_cfg *cfg, const char *db, struct aw_mailer **out, char *err,
                size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_mailer *m = calloc(1, sizeof(*m));
    pthread_condattr_t ca;

    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    if (!m)
        aw_fatal("out of memory");
    /* Start-up only: no lock is as fatal as no memory. */
    if (pthread_mutex_init(&m->mu, NULL) != 0 || pthread_condattr_init(&ca) != 0 ||
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&m->cv, &ca) != 0)
        aw_fatal("mail: cannot create the outbox's lock");
    pthread_condattr_destroy(&ca);
    m->host = xstrdup(cfg->host);
    m->tls = xstrdup(cfg->tls);
    m->user = xstrdup(cfg->user);
    m->password = xstrdup(cfg->password);
    m->from = xstrdup(cfg->from);
    m->from_name = xstrdup(cfg->from_name);
    m->db = xstrdup(db);
    m->cfg = (struct aw_mail_cfg){
        .host = m->host,
        .port = cfg->port,
        .tls = m->tls,
        .user = m->user,
        .password = m->password,
        .from = m->from,
        .from_name = m->from_name,
    };

    if (m->host[0] == '\0') {
        AW_WARN("mail: smtp_host is not set: mails stay queued until it is");
        goto out;
    }
    rc = aw_store_open(db, false, false, &m->st, err, errlen);
    if (rc != AW_OK)
        goto out;
    if (pthread_create(&m->thread, NULL, run, m) != 0) {
        snprintf(err, errlen, "mail: cannot start the outbox thread");
        rc = AW_ENOMEM;
        goto out;
    }
    m->started = true;
    AW_INFO("mail: sending through %s:%u (tls: %s)", m->host, m->cfg.port, m->tls);
out:
    if (rc != AW_OK) {
        mailer_free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}

void
aw_mailer_kick(struct aw_mailer *m)
{
    if (!m || !m->started)
        return;
    pthread_mutex_lock(&m->mu);
    m->kicked = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

void
aw_mailer_stop(struct aw_mailer *m)
{
    if (!m)
        return;
    if (m->started) {
        pthread_mutex_lock(&m->mu);
        m->stop = true;
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->thread, NULL);
    }
    mailer_free(m);
}
