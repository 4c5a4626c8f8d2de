/* mail_smtp.c: one mail, built here as an RFC 5322 message and sent over SMTP with libcurl
 * (see mail.h and docs/internals/mail.md).
 *
 * The message is assembled in memory by this file rather than with libcurl's mime API
 * (curl_mime_* with CURLOPT_MIMEPOST and the "quoted-printable" encoder), which would also
 * produce a valid text/plain part. Reasons for writing it ourselves:
 *   - libcurl's mime API encodes bodies, not headers: the RFC 2047 Subject and From display
 *     name would still be ours, so the message would be half built by each side;
 *   - the exact bytes come out of plain functions (aw_mail_qp_encode, aw_mail_header_put) that
 *     the unit tests check against tables without a server;
 *   - one text/plain part needs no multipart machinery, and the encoder is 30 lines.
 * Dot-stuffing is left to libcurl on purpose: its SMTP upload path (Curl_smtp_escape_eob in
 * lib/smtp.c) turns every CRLF "." into CRLF ".." and appends the terminating CRLF "." CRLF
 * itself; the end-to-end test sends lines that are "." alone and start with "." to prove it. */
#include "aw/mail.h"

#include "aw/buf.h"
#include "aw/log.h"
#include "aw/text.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_MESSAGE (4u << 20) /* bytes of a whole encoded message */
#define LINE_MAX_CHARS 76      /* RFC 2045 (bodies) and RFC 2047 (encoded-word lines) */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

/* curl_global_init is not thread-safe before 7.84 and must run once; sodium_init seeds the
 * random generator the Message-ID uses. */
static void
global_init(void)
{
    init_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && sodium_init() >= 0;
}

bool
aw_mail_addr_ok(const char *addr)
{
    size_t n = addr ? strlen(addr) : 0, at = n, ats = 0;
    if (n < 3 || n > 254)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)addr[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch))
            return false;
        if (ch == '@') {
            ats++;
            at = i;
        }
    }
    if (ats != 1 || at < 1 || at > 64 || at + 1 >= n)
        return false;
    /* The domain: no empty label. */
    if (addr[at + 1] == '.' || addr[n - 1] == '.' || strstr(addr + at, ".."))
        return false;
    return true;
}

/* --- quoted-printable (RFC 2045 6.7) --- */

static const char hexdigits[] = "0123456789ABCDEF";

/* Length of the line break at text[i] ("\n" or "\r\n"), 0 if there is none. */
static size_t
line_break_at(const char *text, size_t n, size_t i)
{
    if (i < n && text[i] == '\n')
        return 1;
    if (i + 1 < n && text[i] == '\r' && text[i + 1] == '\n')
        return 2;
    return 0;
}

void
aw_mail_qp_encode(struct aw_buf *out, const char *text, size_t n)
{
    size_t col = 0; /* characters on the current output line */
    for (size_t i = 0; i < n; i++) {
        size_t br = line_break_at(text, n, i);
        if (br) {
            aw_buf_append(out, "\r\n", 2);
            col = 0;
            i += br - 1;
            continue;
        }
        unsigned char ch = (unsigned char)text[i];
        bool last = i + 1 == n || line_break_at(text, n, i + 1) != 0;
        char tok[3];
        size_t tlen = 1;
        /* Spaces and tabs are literal unless they end a line (transports strip them there);
         * '=' and everything outside printable ASCII is =XX. */
        if ((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !last)) {
            tok[0] = (char)ch;
        } else {
            tok[0] = '=';
            tok[1] = hexdigits[ch >> 4];
            tok[2] = hexdigits[ch & 0xf];
            tlen = 3;
        }
        /* The last token of a line may reach column 76; any other leaves room for the "=" of
         * a soft line break. An =XX triplet is never split. */
        if (col + tlen > (last ? LINE_MAX_CHARS : LINE_MAX_CHARS - 1)) {
            aw_buf_append(out, "=\r\n", 3);
            col = 0;
        }
        aw_buf_append(out, tok, tlen);
        col += tlen;
    }
}

/* --- headers (RFC 5322, RFC 2047) --- */

/* Bytes of the UTF-8 character starting with lead byte ch (1 for ASCII and for bytes that
 * cannot start one: those are passed through alone). */
static size_t
utf8_len(unsigned char ch)
{
    if (ch >= 0xf0 && ch <= 0xf4)
        return 4;
    if (ch >= 0xe0)
        return ch <= 0xef ? 3 : 1;
    if (ch >= 0xc2)
        return 2;
    return 1;
}

static unsigned char
no_control(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f ? ' ' : ch;
}

/* Appends v[0..n) (n > 0) as encoded-words "=?UTF-8?B?...?=", each preceded by a space,
 * starting at column col; a word that would pass column 76 goes on a continuation line
 * (CRLF SP). Every word holds whole UTF-8 characters (RFC 2047 5). Returns the column after
 * the last word. */
static size_t
put_encoded_words(struct aw_buf *out, const char *v, size_t n, size_t col)
{
    static const char pre[] = "=?UTF-8?B?", post[] = "?=";
    const size_t overhead = sizeof(pre) - 1 + sizeof(post) - 1;
    size_t i = 0;
    while (i < n) {
        /* Room for the word after its space; at least one 4-byte character (8 base64
         * characters) must fit, else fold. */
        size_t room = col + 1 < LINE_MAX_CHARS ? LINE_MAX_CHARS - col - 1 : 0;
        if (room < overhead + 8) {
            aw_buf_append(out, "\r\n", 2);
            col = 0;
            room = LINE_MAX_CHARS - 1;
        }
        aw_buf_putc(out, ' ');
        col++;
        unsigned char chunk[48];
        size_t len = 0, maxbytes = (room - overhead) / 4 * 3;
        if (maxbytes > sizeof(chunk))
            maxbytes = sizeof(chunk);
        while (i < n) {
            size_t clen = utf8_len((unsigned char)v[i]);
            if (clen > n - i)
                clen = n - i;
            if (len + clen > maxbytes)
                break;
            for (size_t k = 0; k < clen; k++)
                chunk[len++] = no_control((unsigned char)v[i + k]);
            i += clen;
        }
        char b64[sizeof(chunk) / 3 * 4 + 1];
        sodium_bin2base64(b64, sizeof(b64), chunk, len, sodium_base64_VARIANT_ORIGINAL);
        aw_buf_puts(out, pre);
        aw_buf_puts(out, b64);
        aw_buf_puts(out, post);
        col += overhead + strlen(b64);
    }
    return col;
}

/* True if v can go into a header as it is: ASCII (controls become spaces) without "=?",
 * which a reader could take for the start of an encoded-word. */
static bool
plain_ascii(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] >= 0x7f)
            return false;
    return !strstr(v, "=?");
}

void
aw_mail_header_put(struct aw_buf *out, const char *name, const char *value)
{
    size_t n = strlen(value);
    size_t col = strlen(name) + 1;
    aw_buf_puts(out, name);
    aw_buf_putc(out, ':');
    if (n == 0) {
        /* "Name:" alone, no trailing space */
    } else if (plain_ascii(value, n) && col + 1 + n <= LINE_MAX_CHARS) {
        aw_buf_putc(out, ' ');
        for (size_t i = 0; i < n; i++)
            aw_buf_putc(out, (char)no_control((unsigned char)value[i]));
    } else {
        put_encoded_words(out, value, n, col);
    }
    aw_buf_append(out, "\r\n", 2);
}

/* "From: name <addr>": the name as a quoted-string when it is printable ASCII, else as
 * encoded-words (allowed in a phrase, RFC 2047 5(3)). The caller refused controls in name. */
static void
put_from(struct aw_buf *out, const char *name, const char *addr)
{
    size_t n = name ? strlen(name) : 0;
    size_t col = 5;
    aw_buf_puts(out, "From:");
    if (n > 0 && plain_ascii(name, n)) {
        aw_buf_puts(out, " \"");
        for (size_t i = 0; i < n; i++) {
            if (name[i] == '"' || name[i] == '\\')
                aw_buf_putc(out, '\\');
            aw_buf_putc(out, name[i]);
        }
        aw_buf_putc(out, '"');
        col += n + 3;
    } else if (n > 0) {
        col = put_encoded_words(out, name, n, col);
    }
    if (n > 0 && col + 3 + strlen(addr) > LINE_MAX_CHARS)
        aw_buf_append(out, "\r\n", 2);
    aw_buf_printf(out, " <%s>\r\n", addr);
}

/* RFC 5322 date in UTC, with English names whatever the thread's locale. */
static void
put_date(struct aw_buf *out, time_t now)
{
    static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&now, &tm);
    aw_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wday[tm.tm_wday],
                  tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The whole message, headers and quoted-printable body, CRLF line ends. A plain-text mail
 * cannot isolate what people typed in it (a title, a reason), so the subject and the body
 * lose every direction control on the way out (text.h, AW_TEXT_PLAIN): an override in a
 * title cannot reverse the rest of its line in the reader's mail client. */
static void
build_message(struct aw_buf *out, const struct aw_mail_cfg *cfg, const char *to,
              const char *subject_in, const char *body_in)
{
    unsigned char rnd[16];
    char rndhex[sizeof(rnd) * 2 + 1];
    size_t sn = strlen(subject_in), bn = strlen(body_in);
    /* Dropping characters only: never longer than what came in. */
    struct aw_buf sb = AW_BUF_INIT(sn + 1), bb = AW_BUF_INIT(bn + 1);
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(rndhex, sizeof(rndhex), rnd, sizeof(rnd));
    aw_text_neutral(&sb, subject_in, sn, AW_TEXT_PLAIN);
    aw_text_neutral(&bb, body_in, bn, AW_TEXT_PLAIN);
    const char *subject = aw_buf_cstr(&sb), *body = aw_buf_cstr(&bb);

    put_date(out, time(NULL));
    put_from(out, cfg->from_name, cfg->from);
    aw_buf_printf(out, "To: <%s>\r\n", to);
    aw_mail_header_put(out, "Subject", subject);
    aw_buf_printf(out, "Message-ID: <%s.%lld@%s>\r\n", rndhex, (long long)time(NULL),
                  strchr(cfg->from, '@') + 1);
    aw_buf_puts(out, "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n"
                     "Auto-Submitted: auto-generated\r\n"
                     "\r\n");
    size_t n = strlen(body);
    aw_mail_qp_encode(out, body, n);
    if (n == 0 || body[n - 1] != '\n')
        aw_buf_append(out, "\r\n", 2);
    aw_buf_free(&sb);
    aw_buf_free(&bb);
}

/* A host name, an IPv4 address or a bracketed IPv6 literal: nothing that would change the
 * meaning of the URL built from it. */
static bool
host_ok(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = h[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' ||
                  (h[0] == '[' && (ch == ':' || ch == '[' || ch == ']'));
        if (!ok)
            return false;
    }
    return h[0] != '[' || h[n - 1] == ']';
}

struct upload {
    const char *p;
    size_t len, off;
};

static size_t
read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nitems, left = u->len - u->off;
    size_t n = left < room ? left : room;
    memcpy(dst, u->p + u->off, n);
    u->off += n;
    return n;
}

static void
set_err(char *err, size_t errlen, const char *msg)
{
    if (errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

enum aw_err
aw_mail_send(const struct aw_mail_cfg *cfg, const char *to, const char *subject, const char *body,
             char *err, size_t errlen)
{
    enum aw_err rc = AW_OK;
    struct aw_buf msg = AW_BUF_INIT(MAX_MESSAGE);
    struct curl_slist *rcpt = NULL;
    CURL *curl = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";
    char url[300], from[260], rcpt_addr[260];
    bool implicit_tls = false;

    set_err(err, errlen, "");
    if (!cfg->host || !host_ok(cfg->host)) {
        set_err(err, errlen, "no valid SMTP host configured");
        rc = AW_EINVAL;
        goto out;
    }
    if (cfg->port < 1 || cfg->port > 65535) {
        set_err(err, errlen, "SMTP port out of range");
        rc = AW_EINVAL;
        goto out;
    }
    const char *tls = cfg->tls && *cfg->tls ? cfg->tls : "none";
    if (strcmp(tls, "tls") == 0) {
        implicit_tls = true;
    } else if (strcmp(tls, "none") != 0 && strcmp(tls, "starttls") != 0) {
        set_err(err, errlen, "SMTP tls must be none, starttls or tls");
        rc = AW_EINVAL;
        goto out;
    }
    if (!aw_mail_addr_ok(cfg->from)) {
        set_err(err, errlen, "invalid sender address");
        rc = AW_EINVAL;
        goto out;
    }
    if (!aw_mail_addr_ok(to)) {
        set_err(err, errlen, "invalid recipient address");
        rc = AW_EINVAL;
        goto out;
    }
    for (const char *p = cfg->from_name; p && *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            set_err(err, errlen, "control character in the sender name");
            rc = AW_EINVAL;
            goto out;
        }
    }

    /* Before build_message: the Message-ID takes libsodium's random bytes. */
    pthread_once(&init_once, global_init);
    if (!init_ok) {
        set_err(err, errlen, "libcurl or libsodium failed to initialise");
        rc = AW_EIO;
        goto out;
    }

    build_message(&msg, cfg, to, subject ? subject : "", body ? body : "");
    rc = aw_buf_err(&msg);
    if (rc != AW_OK) {
        set_err(err, errlen, "message too big");
        goto out;
    }

    snprintf(url, sizeof(url), "%s://%s:%u", implicit_tls ? "smtps" : "smtp", cfg->host, cfg->port);
    snprintf(from, sizeof(from), "<%s>", cfg->from);
    snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
    rcpt = curl_slist_append(NULL, rcpt_addr);
    curl = curl_easy_init();
    if (!rcpt || !curl) {
        set_err(err, errlen, "out of memory");
        rc = AW_ENOMEM;
        goto out;
    }

    struct upload up = {aw_buf_cstr(&msg), msg.len, 0};
    bool auth = cfg->user && *cfg->user;
    if (curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         strcmp(tls, "starttls") == 0 ? (long)CURLUSESSL_ALL
                                                      : (long)CURLUSESSL_NONE) != CURLE_OK ||
        (auth && (curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->user) != CURLE_OK ||
                  curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "") !=
                      CURLE_OK)) ||
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_READDATA, &up) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK) {
        snprintf(err, errlen, "smtp: %s", curl_err[0] ? curl_err : "cannot set up libcurl");
        rc = AW_EIO;
        goto out;
    }
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "smtp: %s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
        rc = AW_EIO;
        goto out;
    }
out:
    curl_easy_cleanup(curl);
    curl_slist_free_all(rcpt);
    aw_buf_free(&msg);
    return rc;
}
