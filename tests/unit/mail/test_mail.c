/* test_mail.c: unit tests for src/mail: the quoted-printable encoder, RFC 2047 headers and
 * address validation (tables), then end to end against tests/mail/smtp_sink.py: one UTF-8
 * mail through aw_mail_send, read back from the sink's .eml file and checked header by header
 * with the body decoded here; and the outbox thread draining a real store's queue, with the
 * sink up (both mails arrive) and down (the mail stays queued, its attempt counted).
 * The end-to-end tests skip, saying so, only when no python3 exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aw/arena.h"
#include "aw/buf.h"
#include "aw/config.h"
#include "aw/mail.h"
#include "aw/store.h"
#include "test_db.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- decoders (the reverse of what src/mail writes) ---- */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; /* RFC 2045 encoders write upper case; so does ours */
}

/* Quoted-printable to bytes: "=" CRLF is a soft break, =XX a byte. Fails the test on a
 * malformed escape or an encoded line over 76 characters. Caller frees. */
static char *
qp_decode(const char *s, size_t n)
{
    struct aw_buf out = AW_BUF_INIT(1 << 24);
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
            aw_buf_append(&out, "\r\n", 2);
            i++;
            col = 0;
            continue;
        }
        col++;
        if (col > 76)
            fail_msg("quoted-printable line longer than 76 at offset %zu", i);
        if (s[i] != '=') {
            aw_buf_putc(&out, s[i]);
            continue;
        }
        if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
            col = 0;
            continue;
        }
        if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
            fail_msg("bad quoted-printable escape at offset %zu", i);
        aw_buf_putc(&out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
        i += 2;
        col += 2;
    }
    assert_int_equal(aw_buf_err(&out), AW_OK);
    char *r = aw_buf_steal(&out, NULL);
    return r ? r : strdup("");
}

static bool
utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

/* An unfolded header value to text: encoded-words "=?UTF-8?B?...?=" are decoded (each must
 * hold valid UTF-8 on its own: whole characters) and the white space between two of them
 * dropped (RFC 2047 6.2); other text is kept as it is. Leading white space is dropped.
 * Caller frees. */
static char *
words_decode(const char *v)
{
    struct aw_buf out = AW_BUF_INIT(1 << 16);
    bool prev_word = false;
    const char *p = v + strspn(v, " \t");
    while (*p) {
        size_t ws = strspn(p, " \t");
        bool word = strncmp(p + ws, "=?UTF-8?B?", 10) == 0;
        if (!(word && prev_word))
            aw_buf_append(&out, p, ws);
        p += ws;
        if (!*p)
            break;
        if (word) {
            const char *end = strstr(p + 10, "?=");
            assert_non_null(end);
            unsigned char bin[256];
            size_t len = 0;
            assert_true((size_t)(end - p) - 10 < sizeof(bin));
            if (sodium_base642bin(bin, sizeof(bin), p + 10, (size_t)(end - p - 10), NULL, &len,
                                  NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
                fail_msg("bad base64 in %s", p);
            if (!utf8_valid(bin, len))
                fail_msg("an encoded-word splits a UTF-8 character: %.*s", (int)(end + 2 - p), p);
            aw_buf_append(&out, bin, len);
            p = end + 2;
        } else {
            size_t n = strcspn(p, " \t");
            aw_buf_append(&out, p, n);
            p += n;
        }
        prev_word = word;
    }
    char *r = aw_buf_steal(&out, NULL);
    return r ? r : strdup("");
}

/* Every line of s (CRLF-separated) is at most max characters. */
static void
assert_lines_within(const char *s, size_t max)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            col = 0;
            p++;
            continue;
        }
        if (++col > max)
            fail_msg("line longer than %zu: %s", max, s);
    }
}

/* ---- quoted-printable ---- */

static char *
repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void
test_qp_table(void **state)
{
    (void)state;
    char *a74 = repeat('a', 74), *a75 = repeat('a', 75), *a76 = repeat('a', 76),
         *a77 = repeat('a', 77), *a200 = repeat('a', 200);
    char out1[200], in2[300], out2[300], in3[100], out3[100], in4[100], out4[200], in5[100],
        out5[100];
    /* 76 characters fit on one line; 77 need a soft break after 75 (room for the '='). */
    snprintf(out1, sizeof(out1), "%s=\r\naa", a75);
    /* 200: 75 + 75 + 50 */
    snprintf(in2, sizeof(in2), "%s", a200);
    snprintf(out2, sizeof(out2), "%s=\r\n%s=\r\n%.50s", a75, a75, a75);
    /* An =XX triplet is never split: 74 + "é" breaks before =C3. */
    snprintf(in3, sizeof(in3), "%s\xc3\xa9", a74);
    snprintf(out3, sizeof(out3), "%s=\r\n=C3=A9", a74);
    /* A trailing space at column 76 is encoded and so moves to the next line. */
    snprintf(in4, sizeof(in4), "%s ", a75);
    snprintf(out4, sizeof(out4), "%s=\r\n=20", a75);
    /* 73 + "=" encoded as the last token of the line reaches exactly 76. */
    snprintf(in5, sizeof(in5), "%.73s=", a75);
    snprintf(out5, sizeof(out5), "%.73s=3D", a75);
    const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"hello", "hello"},
        {"a=b", "a=3Db"},
        {"==", "=3D=3D"},
        {"trailing  \nnext", "trailing =20\r\nnext"},
        {"tab\t\r\nnext", "tab=09\r\nnext"},
        {"end space ", "end space=20"},
        {"inner space kept", "inner space kept"},
        {"caf\xc3\xa9 \xe2\x9c\x93", "caf=C3=A9 =E2=9C=93"},
        {"a\rb", "a=0Db"},
        {"\n\n", "\r\n\r\n"},
        {"one\r\ntwo\nthree", "one\r\ntwo\r\nthree"},
        {".\n.dot", ".\r\n.dot"}, /* dot-stuffing is libcurl's job, not the encoder's */
        {"\x7f\x01", "=7F=01"},
        {a76, a76},
        {a77, out1},
        {in2, out2},
        {in3, out3},
        {in4, out4},
        {in5, out5},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        struct aw_buf b = AW_BUF_INIT(1 << 20);
        aw_mail_qp_encode(&b, cases[i].in, strlen(cases[i].in));
        assert_int_equal(aw_buf_err(&b), AW_OK);
        if (strcmp(aw_buf_cstr(&b), cases[i].out) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, aw_buf_cstr(&b), cases[i].out);
        assert_lines_within(aw_buf_cstr(&b), 76);
        aw_buf_free(&b);
    }
    free(a74);
    free(a75);
    free(a76);
    free(a77);
    free(a200);
}

/* Round trip of awkward text: decodes to the input with CRLF line breaks, no line over 76. */
static void
test_qp_roundtrip(void **state)
{
    (void)state;
    struct aw_buf in = AW_BUF_INIT(1 << 20), want = AW_BUF_INIT(1 << 20);
    for (int i = 0; i < 300; i++) {
        static const char *const parts[] = {"x",  "=", " ",  "\t",  "\xc3\xa9", "\xf0\x9f\x98\x80",
                                            "\n", ".", "==", "  \n"};
        const char *p = parts[(i * 7 + i / 3) % AW_NELEM(parts)];
        aw_buf_puts(&in, p);
        aw_buf_puts(&want, strcmp(p, "\n") == 0 ? "\r\n" : strcmp(p, "  \n") == 0 ? "  \r\n" : p);
    }
    struct aw_buf enc = AW_BUF_INIT(1 << 20);
    aw_mail_qp_encode(&enc, aw_buf_cstr(&in), in.len);
    assert_lines_within(aw_buf_cstr(&enc), 76);
    char *dec = qp_decode(aw_buf_cstr(&enc), enc.len);
    assert_string_equal(dec, aw_buf_cstr(&want));
    free(dec);
    aw_buf_free(&enc);
    aw_buf_free(&in);
    aw_buf_free(&want);
}

/* ---- headers ---- */

/* The value of the only header in h ("Name: value CRLF" with continuation lines), unfolded. */
static char *
unfold_value(const char *h, const char *name)
{
    size_t nl = strlen(name);
    assert_true(strncmp(h, name, nl) == 0 && h[nl] == ':');
    struct aw_buf out = AW_BUF_INIT(1 << 16);
    for (const char *p = h + nl + 1; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            if (p[2] != ' ' && p[2] != '\t') {
                assert_string_equal(p, "\r\n"); /* nothing after the header */
                break;
            }
            p++;
            continue;
        }
        assert_true(*p != '\r' && *p != '\n'); /* no bare CR or LF */
        aw_buf_putc(&out, *p);
    }
    char *r = aw_buf_steal(&out, NULL);
    return r ? r : strdup("");
}

static void
test_header_table(void **state)
{
    (void)state;
    const struct {
        const char *value;
        const char *raw;  /* exact output, or NULL */
        const char *text; /* what it decodes to */
    } cases[] = {
        {"Hello", "Subject: Hello\r\n", "Hello"},
        {"", "Subject:\r\n", ""},
        {"Caf\xc3\xa9", "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n", "Caf\xc3\xa9"},
        /* CR/LF cannot start a new header: controls become spaces. */
        {"Hi\r\nBcc: evil@example.org", "Subject: Hi  Bcc: evil@example.org\r\n",
         "Hi  Bcc: evil@example.org"},
        {"caf\xc3\xa9\r\nBcc: evil@example.org", NULL, "caf\xc3\xa9  Bcc: evil@example.org"},
        /* ASCII that a reader could mistake for an encoded-word is encoded. */
        {"=?UTF-8?B?Zm9v?=", NULL, "=?UTF-8?B?Zm9v?="},
        /* Long ASCII goes into folded encoded-words too. */
        {"A very long subject line that goes on and on well past the seventy-six column limit",
         NULL,
         "A very long subject line that goes on and on well past the seventy-six column limit"},
        /* Multi-byte characters of every length, long enough to need several words. */
        {"\xce\x95\xcf\x85\xcf\x81\xcf\x89\xcf\x80\xce\xb1\xcf\x8a\xce\xba\xce\xae "
         "\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac "
         "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 \xd0\x94\xd0\xb5\xd0\xbd\xd1\x8c "
         "\xd0\xb7\xd0\xb0\xd1\x89\xd0\xb8\xd1\x82\xd1\x8b \xd0\xb4\xd0\xb5\xd1\x82\xd0\xb5\xd0"
         "\xb9 \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
         NULL, NULL},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        struct aw_buf b = AW_BUF_INIT(1 << 16);
        aw_mail_header_put(&b, "Subject", cases[i].value);
        const char *h = aw_buf_cstr(&b);
        if (cases[i].raw && strcmp(h, cases[i].raw) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, h, cases[i].raw);
        assert_lines_within(h, 76);
        char *v = unfold_value(h, "Subject");
        char *text = words_decode(v);
        const char *want = cases[i].text ? cases[i].text : cases[i].value;
        if (strcmp(text, want) != 0)
            fail_msg("case %zu: decodes to \"%s\", want \"%s\"", i, text, want);
        free(text);
        free(v);
        aw_buf_free(&b);
    }
}

/* ---- addresses ---- */

static void
test_addr_table(void **state)
{
    (void)state;
    char max_ok[300], too_long[300], local64[300], local65[300];
    /* 254 bytes: 64-byte local part, '@', a 189-byte domain of 63-byte labels. */
    snprintf(max_ok, sizeof(max_ok), "%064d@%063d.%063d.%061d", 0, 0, 0, 0);
    snprintf(too_long, sizeof(too_long), "%064d@%063d.%063d.%062d", 0, 0, 0, 0);
    snprintf(local64, sizeof(local64), "%064d@example.org", 0);
    snprintf(local65, sizeof(local65), "%065d@example.org", 0);
    assert_int_equal(strlen(max_ok), 254);
    assert_int_equal(strlen(too_long), 255);
    const struct {
        const char *addr;
        bool ok;
    } cases[] = {
        {"a@b.c", true},
        {"first.last+tag@example.org", true},
        {"x_y-z@sub.example.co.uk", true},
        {"user@localhost", true},
        {max_ok, true},
        {local64, true},
        {too_long, false},
        {local65, false},
        {"", false},
        {"a", false},
        {"a@", false},
        {"@b.c", false},
        {"a@@b.c", false},
        {"a@b@c.d", false},
        {"a b@c.d", false},
        {" a@b.c", false},
        {"a@b.c ", false},
        {"a@b..c", false},
        {"a@.b.c", false},
        {"a@b.c.", false},
        {"<a@b.c>", false},
        {"a@b.c>", false},
        {"\"a\"@b.c", false},
        {"a,b@c.d", false},
        {"a;b@c.d", false},
        {"a:b@c.d", false},
        {"a\\b@c.d", false},
        {"a(b)@c.d", false},
        {"a@[127.0.0.1]", false},
        {"\xc3\xa9@example.org", false},
        {"a@ex\xc3\xa4mple.org", false},
        {"a@b.c\x7f", false},
        {"a\t@b.c", false},
        /* header and SMTP command injection */
        {"a@b.c\r\nBcc: evil@example.org", false},
        {"a@b.c\nBcc: evil@example.org", false},
        {"a@b.c\rBcc: evil@example.org", false},
        {"a@b.c>\r\nRCPT TO:<evil@example.org", false},
        {"a\r\n@b.c", false},
        {"a@b.c%0d%0aBcc:x@y.z", false}, /* '%' is allowed, but one '@' only: refused */
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++)
        if (aw_mail_addr_ok(cases[i].addr) != cases[i].ok)
            fail_msg("case %zu: \"%s\" should be %s", i, cases[i].addr,
                     cases[i].ok ? "accepted" : "refused");
    assert_false(aw_mail_addr_ok(NULL));
}

static void
test_send_refuses(void **state)
{
    (void)state;
    struct aw_mail_cfg cfg = {"127.0.0.1", 25, "none", "", "", "awareday@example.org", "x"};
    char err[256];
    assert_int_equal(aw_mail_send(&cfg, "a@b.c\r\nBcc: x@y.z", "s", "b", err, sizeof(err)),
                     AW_EINVAL);
    assert_non_null(strstr(err, "recipient"));
    cfg.from = "bad sender@example.org";
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", "b", err, sizeof(err)), AW_EINVAL);
    assert_non_null(strstr(err, "sender"));
    cfg.from = "awareday@example.org";
    cfg.from_name = "x\r\nBcc: y@z.w";
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", "b", err, sizeof(err)), AW_EINVAL);
    cfg.from_name = "x";
    cfg.tls = "ssl";
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", "b", err, sizeof(err)), AW_EINVAL);
    cfg.tls = "none";
    cfg.host = "evil.example/path?";
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", "b", err, sizeof(err)), AW_EINVAL);
    cfg.host = "";
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", "b", err, sizeof(err)), AW_EINVAL);
    /* Past 4 MiB of encoded message: refused before any connection (port 25 is not asked). */
    cfg.host = "127.0.0.1";
    size_t n = 2u << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i += 2) {
        big[i] = '\xc3';
        big[i + 1] = '\xa9';
    }
    big[n] = '\0';
    assert_int_equal(aw_mail_send(&cfg, "a@b.c", "s", big, err, sizeof(err)), AW_ETOOBIG);
    free(big);
}

/* ---- the sink ---- */

struct sink {
    pid_t pid;
    unsigned port;
    char dir[64];
};

/* /usr/bin/python3 first (Debian's, which sees python3-aiosmtpd), else python3 on PATH. */
static bool
find_python(char *out, size_t outlen)
{
    if (access("/usr/bin/python3", X_OK) == 0) {
        snprintf(out, outlen, "/usr/bin/python3");
        return true;
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(out, outlen, "%.*s/python3", (int)n, path);
        if (n > 0 && access(out, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

static const char *
source_dir(void)
{
    const char *s = getenv("AW_SOURCE_DIR");
    return s && *s ? s : AW_SHARE_DIR; /* the source tree unless installed elsewhere */
}

/* Starts the sink on a free port with a fresh directory. Skips the test when there is no
 * python3 at all; fails on anything else. */
static void
sink_start(struct sink *s)
{
    char python[512], script[1024];
    int fds[2];
    if (!find_python(python, sizeof(python))) {
        fprintf(stderr, "test_mail: SKIPPED: no python3 (neither /usr/bin/python3 nor on PATH);"
                        " the SMTP sink needs it\n");
        skip();
    }
    snprintf(script, sizeof(script), "%s/tests/mail/smtp_sink.py", source_dir());
    if (access(script, R_OK) != 0)
        fail_msg("%s: not found (set AW_SOURCE_DIR to the source tree)", script);
    snprintf(s->dir, sizeof(s->dir), "/tmp/aw-mail-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    assert_int_equal(pipe(fds), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        /* AW_SMTP_SINK_IMPL=aiosmtpd|smtpd|builtin forces one implementation of the sink. */
        const char *impl = getenv("AW_SMTP_SINK_IMPL");
        execl(python, python, script, "--port", "0", "--dir", s->dir, "--impl",
              impl && *impl ? impl : "auto", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* "PORT <n>\n", within 10 s */
    char line[64];
    size_t len = 0;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    while (len < sizeof(line) - 1 && (len == 0 || line[len - 1] != '\n')) {
        if (poll(&pfd, 1, 10000) <= 0)
            fail_msg("the SMTP sink did not start within 10 s");
        ssize_t r = read(fds[0], line + len, sizeof(line) - 1 - len);
        if (r <= 0)
            fail_msg("the SMTP sink exited before listening (%s %s)", python, script);
        len += (size_t)r;
    }
    close(fds[0]);
    line[len] = '\0';
    char *end;
    long port = strncmp(line, "PORT ", 5) == 0 ? strtol(line + 5, &end, 10) : 0;
    if (port <= 0 || port > 65535)
        fail_msg("the SMTP sink said \"%s\"", line);
    s->port = (unsigned)port;
}

static void
rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void
sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    rm_dir(s->dir);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to 10 s for DIR/<n>.eml; returns its contents (caller frees) or NULL. */
static char *
wait_eml(const struct sink *s, int n, size_t *len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%d.eml", s->dir, n);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(path, "rb");
        if (f) {
            struct aw_buf b = AW_BUF_INIT(1 << 24);
            char chunk[4096];
            size_t r;
            while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
                aw_buf_append(&b, chunk, r);
            fclose(f);
            assert_int_equal(aw_buf_err(&b), AW_OK);
            char *data = aw_buf_steal(&b, len);
            return data ? data : strdup("");
        }
        sleep_ms(50);
    }
    return NULL;
}

/* A TCP port on 127.0.0.1 with nobody listening (bound, then closed). */
static unsigned
closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* The unfolded value of header name in the header block head (NULL if absent). */
static char *
header_value(const char *head, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = head; p && *p;) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *end = p;
            while ((end = strstr(end, "\r\n")) != NULL && (end[2] == ' ' || end[2] == '\t'))
                end += 2;
            assert_non_null(end);
            char *one = strndup(p, (size_t)(end - p) + 2);
            assert_non_null(one);
            char *v = unfold_value(one, name);
            free(one);
            char *t = v;
            while (*t == ' ')
                t++;
            memmove(v, t, strlen(t) + 1);
            return v;
        }
        p = strstr(p, "\r\n");
        p = p ? p + 2 : NULL;
    }
    return NULL;
}

static void
assert_header(const char *head, const char *name, const char *want)
{
    char *v = header_value(head, name);
    if (!v)
        fail_msg("no %s header in:\n%s", name, head);
    if (strcmp(v, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, v, want);
    free(v);
}

static const char e2e_subject[] = "Votre activit\xc3\xa9 \xc2\xab Caf\xc3\xa9 \xc2\xbb est "
                                  "publi\xc3\xa9\x65 \xe2\x9c\x93 \xe2\x80\x94 Journ\xc3\xa9\x65 "
                                  "europ\xc3\xa9\x65nne 2026";
static const char e2e_from_name[] = "Journ\xc3\xa9\x65 europ\xc3\xa9\x65nne";

static void
test_send_end_to_end(void **state)
{
    (void)state;
    struct sink s = {0};
    sink_start(&s);
    /* A body with every awkward case: UTF-8, '=', trailing spaces, a line longer than 76,
     * a line that is "." alone (libcurl must dot-stuff it, or the sink would see the end of
     * the data there) and lines starting with '.'. */
    struct aw_buf body = AW_BUF_INIT(1 << 16);
    aw_buf_puts(&body,
                "Bonjour,\n\nVotre activit\xc3\xa9 \xc2\xab Caf\xc3\xa9 \xc2\xbb a \xc3\xa9t\xc3"
                "\xa9 publi\xc3\xa9\x65.   \n"
                "Lien priv\xc3\xa9 : http://127.0.0.1:8080/en/share/abc?x=1&y=2\n.\n"
                "..two dots\n.one dot\n");
    for (int i = 0; i < 30; i++)
        aw_buf_puts(&body, "\xe6\x97\xa5\xe6\x9c\xac long line ");
    aw_buf_puts(&body, "\n-- \nawareday\n");
    struct aw_mail_cfg cfg = {"127.0.0.1",  s.port, "none", "", "", "awareday@example.org",
                              e2e_from_name};
    char err[512] = "";
    enum aw_err rc = aw_mail_send(&cfg, "moderator@example.org", e2e_subject, aw_buf_cstr(&body),
                                  err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("aw_mail_send: %s: %s", aw_strerror(rc), err);

    size_t len = 0;
    char *eml = wait_eml(&s, 1, &len);
    if (!eml)
        fail_msg("no message reached the sink within 10 s");
    assert_int_equal(strlen(eml), len);
    char *sep = strstr(eml, "\r\n\r\n");
    assert_non_null(sep);
    sep[2] = '\0'; /* eml: the headers, each ending in CRLF */
    const char *qp = sep + 4;
    assert_lines_within(eml, 76);

    assert_header(eml, "To", "<moderator@example.org>");
    assert_header(eml, "MIME-Version", "1.0");
    assert_header(eml, "Content-Type", "text/plain; charset=utf-8");
    assert_header(eml, "Content-Transfer-Encoding", "quoted-printable");

    char *subj = header_value(eml, "Subject");
    assert_non_null(subj);
    assert_true(strncmp(subj, "=?UTF-8?B?", 10) == 0); /* an encoded-word, not raw UTF-8 */
    char *subj_text = words_decode(subj);
    assert_string_equal(subj_text, e2e_subject);

    char *from = header_value(eml, "From");
    assert_non_null(from);
    char *from_text = words_decode(from);
    char want_from[200];
    snprintf(want_from, sizeof(want_from), "%s <awareday@example.org>", e2e_from_name);
    assert_string_equal(from_text, want_from);

    char *mid = header_value(eml, "Message-ID");
    assert_non_null(mid);
    assert_true(mid[0] == '<' && strlen(mid) > 40);
    assert_non_null(strstr(mid, "@example.org>"));
    char *date = header_value(eml, "Date");
    assert_non_null(date);
    assert_non_null(strstr(date, " +0000"));
    for (const char *p = eml; *p; p++) /* headers are 7-bit */
        assert_true((unsigned char)*p < 0x80);

    /* The body decodes back to the original, with CRLF line breaks. */
    struct aw_buf want = AW_BUF_INIT(1 << 16);
    for (const char *p = aw_buf_cstr(&body); *p; p++)
        aw_buf_puts(&want, *p == '\n' ? "\r\n" : (char[2]){*p, '\0'});
    assert_lines_within(qp, 76);
    char *decoded = qp_decode(qp, strlen(qp));
    assert_string_equal(decoded, aw_buf_cstr(&want));

    free(decoded);
    free(date);
    free(mid);
    free(from_text);
    free(from);
    free(subj_text);
    free(subj);
    free(eml);
    aw_buf_free(&want);
    aw_buf_free(&body);
    sink_stop(&s);
}

/* A plain-text mail cannot isolate what people typed: every direction control goes from the
 * subject and the body (marks stay), the rest arrives as it was. */
static void
test_send_direction_controls(void **state)
{
    (void)state;
    struct sink s = {0};
    sink_start(&s);
    struct aw_mail_cfg cfg = {"127.0.0.1",  s.port, "none", "", "", "awareday@example.org",
                              e2e_from_name};
    char err[512] = "";
    enum aw_err rc =
        aw_mail_send(&cfg, "partner@example.org", "Not published: Workshop \xe2\x80\xae(NGO) 2025",
                     "\"Workshop \xe2\x80\xae(NGO)\" was checked.\n"
                     "Reason: \xe2\x81\xa8\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xe2\x81\xa9 "
                     "\xe2\x80\xaa"
                     "1\xe2\x80\xac \xe2\x80\x8f.\n",
                     err, sizeof(err));
    if (rc != AW_OK)
        fail_msg("aw_mail_send: %s: %s", aw_strerror(rc), err);
    size_t len = 0;
    char *eml = wait_eml(&s, 1, &len);
    if (!eml)
        fail_msg("no message reached the sink within 10 s");
    char *sep = strstr(eml, "\r\n\r\n");
    assert_non_null(sep);
    sep[2] = '\0';
    char *subj = header_value(eml, "Subject");
    assert_non_null(subj);
    char *subj_text = words_decode(subj);
    assert_string_equal(subj_text, "Not published: Workshop (NGO) 2025");
    char *decoded = qp_decode(sep + 4, strlen(sep + 4));
    assert_string_equal(decoded, "\"Workshop (NGO)\" was checked.\r\n"
                                 "Reason: \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a 1 \xe2\x80\x8f.\r\n");
    free(decoded);
    free(subj_text);
    free(subj);
    free(eml);
    sink_stop(&s);
}

static void
test_send_server_down(void **state)
{
    (void)state;
    struct aw_mail_cfg cfg = {"127.0.0.1", closed_port(),          "none",    "",
                              "",          "awareday@example.org", "awareday"};
    char err[512] = "";
    assert_int_equal(aw_mail_send(&cfg, "a@example.org", "s", "b", err, sizeof(err)), AW_EIO);
    assert_true(strncmp(err, "smtp: ", 6) == 0 && strlen(err) > 6);
}

/* ---- the outbox ---- */

struct outbox_fixture {
    char dir[64], db[512];
    struct aw_store *st;
};

static void
outbox_open(struct outbox_fixture *f)
{
    char err[512] = "";
    snprintf(f->dir, sizeof(f->dir), "/tmp/aw-outbox-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    aw_test_db(f->db, sizeof(f->db), f->dir, "aw.db"); /* or PostgreSQL: test_db.h */
    if (aw_store_open(f->db, true, true, &f->st, err, sizeof(err)) != AW_OK)
        fail_msg("aw_store_open: %s", err);
}

static void
outbox_close(struct outbox_fixture *f)
{
    aw_store_close(f->st);
    rm_dir(f->dir);
}

static void
test_mailer_sends_queue(void **state)
{
    (void)state;
    struct sink s = {0};
    struct outbox_fixture f;
    sink_start(&s);
    outbox_open(&f);
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(
        aw_store_mail_queue(f.st, "one@example.org", "First \xe2\x9c\x93", "Body one\n", now),
        AW_OK);
    assert_int_equal(aw_store_mail_queue(f.st, "two@example.org", "Second", "Body two\n", now),
                     AW_OK);

    struct aw_mail_cfg cfg = {"127.0.0.1", s.port, "none", "", "", "awareday@example.org",
                              "awareday"};
    struct aw_mailer *m = NULL;
    char err[512] = "";
    if (aw_mailer_start(&cfg, f.db, &m, err, sizeof(err)) != AW_OK)
        fail_msg("aw_mailer_start: %s", err);
    aw_mailer_kick(m);
    size_t len;
    char *one = wait_eml(&s, 1, &len), *two = wait_eml(&s, 2, &len);
    aw_mailer_stop(m);
    if (!one || !two)
        fail_msg("the outbox sent %d of 2 mails within 10 s", (one != NULL) + (two != NULL));
    /* Oldest first. */
    assert_non_null(strstr(one, "To: <one@example.org>\r\n"));
    assert_non_null(strstr(two, "To: <two@example.org>\r\n"));
    /* Both marked sent: nothing is due even much later. */
    struct aw_arena *a = aw_arena_new(0);
    struct aw_mail mail;
    assert_int_equal(aw_mail_claim(f.st, a, now + 30 * 86400, &mail), AW_ENOTFOUND);
    aw_arena_free(a);
    free(one);
    free(two);
    outbox_close(&f);
    sink_stop(&s);
}

static void
test_mailer_server_down(void **state)
{
    (void)state;
    struct outbox_fixture f;
    outbox_open(&f);
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(aw_store_mail_queue(f.st, "one@example.org", "s", "b\n", now), AW_OK);

    struct aw_mail_cfg cfg = {"127.0.0.1", closed_port(),          "none",    "",
                              "",          "awareday@example.org", "awareday"};
    struct aw_mailer *m = NULL;
    char err[512] = "";
    if (aw_mailer_start(&cfg, f.db, &m, err, sizeof(err)) != AW_OK)
        fail_msg("aw_mailer_start: %s", err);
    /* The first attempt fails at once; it is recorded with a retry later. */
    struct aw_mail mail = {0};
    int attempts = 0;
    for (int i = 0; i < 200 && attempts == 0; i++) {
        sleep_ms(50);
        struct aw_arena *a = aw_arena_new(0);
        /* later and later: each claim made here outlives the last one's hold */
        if (aw_mail_claim(f.st, a, now + 86400 + i * 200, &mail) == AW_OK)
            attempts = mail.attempts;
        aw_arena_free(a);
    }
    aw_mailer_stop(m);
    if (attempts == 0)
        fail_msg("the failed attempt was not recorded within 10 s");

    struct aw_arena *a = aw_arena_new(0);
    assert_int_equal(aw_mail_claim(f.st, a, now + 2 * 86400, &mail), AW_OK);
    assert_int_equal(mail.attempts, 1);
    assert_string_equal(mail.to, "one@example.org");
    /* Not due again right away: the store backs off. */
    assert_int_equal(aw_mail_claim(f.st, a, (int64_t)time(NULL), &mail), AW_ENOTFOUND);
    aw_arena_free(a);
    outbox_close(&f);
}

static void
test_mailer_disabled(void **state)
{
    (void)state;
    struct outbox_fixture f;
    outbox_open(&f);
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(aw_store_mail_queue(f.st, "one@example.org", "s", "b\n", now), AW_OK);
    struct aw_mail_cfg cfg = {"", 25, "none", "", "", "awareday@example.org", "awareday"};
    struct aw_mailer *m = NULL;
    char err[512] = "";
    assert_int_equal(aw_mailer_start(&cfg, f.db, &m, err, sizeof(err)), AW_OK);
    assert_non_null(m);
    aw_mailer_kick(m);
    aw_mailer_stop(m);
    aw_mailer_kick(NULL);
    aw_mailer_stop(NULL);
    struct aw_arena *a = aw_arena_new(0);
    struct aw_mail mail;
    assert_int_equal(aw_mail_claim(f.st, a, now, &mail), AW_OK);
    assert_int_equal(mail.attempts, 0);
    aw_arena_free(a);
    outbox_close(&f);
}

static void
test_mailer_bad_db(void **state)
{
    (void)state;
    struct aw_mail_cfg cfg = {"127.0.0.1", 25, "none", "", "", "awareday@example.org", "x"};
    struct aw_mailer *m = (struct aw_mailer *)&cfg;
    char err[512] = "";
    assert_int_not_equal(aw_mailer_start(&cfg, "/nonexistent/dir/aw.db", &m, err, sizeof(err)),
                         AW_OK);
    assert_null(m);
    assert_true(err[0] != '\0');
}

/* ---- the mail settings (src/core/core_config.c) ---- */

static void
test_settings(void **state)
{
    (void)state;
    struct aw_config c;
    char err[512];
    aw_config_defaults(&c);
    assert_string_equal(c.smtp_host, "");
    assert_int_equal(c.smtp_port, 25);
    assert_string_equal(c.smtp_tls, "none");
    assert_string_equal(c.mail_from, "awareday@localhost");
    assert_string_equal(c.mail_from_name, "awareday");
    assert_string_equal(c.public_url, "http://127.0.0.1:8080");
    const struct {
        const char *name, *value;
        bool ok;
    } cases[] = {
        {"smtp_host", "", true},
        {"smtp_host", "mail.example.org", true},
        {"smtp_host", "192.0.2.25", true},
        {"smtp_host", "[2001:db8::25]", true},
        {"smtp_host", "mail.example.org:25", false},
        {"smtp_host", "smtp://mail.example.org", false},
        {"smtp_host", "mail.example.org/x", false},
        {"smtp_host", "user@mail.example.org", false},
        {"smtp_port", "587", true},
        {"smtp_port", "0", false},
        {"smtp_port", "65536", false},
        {"smtp_tls", "none", true},
        {"smtp_tls", "starttls", true},
        {"smtp_tls", "tls", true},
        {"smtp_tls", "ssl", false},
        {"smtp_tls", "", false},
        {"smtp_tls", "TLS", false},
        {"mail_from", "noreply@awareday.example.org", true},
        {"mail_from", "a@b.c", true},
        {"mail_from", "", false},
        {"mail_from", "awareday", false},
        {"mail_from", "a b@c.d", false},
        {"mail_from", "<a@b.c>", false},
        {"mail_from", "Awareday <a@b.c>", false},
        {"mail_from", "a@b.c\nBcc: x@y.z", false},
        {"mail_from_name", "", true},
        {"mail_from_name", "Journ\xc3\xa9\x65 europ\xc3\xa9\x65nne", true},
        {"mail_from_name", "a\r\nBcc: x@y.z", false},
        {"public_url", "http://127.0.0.1:8080", true},
        {"public_url", "https://awareday.example.org", true},
        {"public_url", "https://awareday.example.org:8443", true},
        {"public_url", "http://[::1]:8080", true},
        {"public_url", "http://localhost", true},
        {"public_url", "https://awareday.example.org/", false},
        {"public_url", "https://awareday.example.org/day", false},
        {"public_url", "https://awareday.example.org?x", false},
        {"public_url", "https://user@awareday.example.org", false},
        {"public_url", "https://", false},
        {"public_url", "https://x:", false},
        {"public_url", "https://x:0", false},
        {"public_url", "https://x:65536", false},
        {"public_url", "https://x:80a", false},
        {"public_url", "ftp://awareday.example.org", false},
        {"public_url", "javascript:alert(1)", false},
        {"public_url", "awareday.example.org", false},
        {"public_url", "http://a b", false},
    };
    for (size_t i = 0; i < AW_NELEM(cases); i++) {
        err[0] = '\0';
        enum aw_err rc = aw_config_set(&c, cases[i].name, cases[i].value, err, sizeof(err));
        if ((rc == AW_OK) != cases[i].ok)
            fail_msg("case %zu: %s = \"%s\": expected %s (%s)", i, cases[i].name, cases[i].value,
                     cases[i].ok ? "accepted" : "refused", err);
        if (rc != AW_OK && !strstr(err, cases[i].name))
            fail_msg("case %zu: the message \"%s\" does not name the setting", i, err);
    }

    /* Integer settings take their environment variable too. */
    setenv("AWAREDAY_SMTP_PORT", "2525", 1);
    setenv("AWAREDAY_SMTP_HOST", "mail.example.org", 1);
    setenv("AWAREDAY_SMTP_PASSWORD", "hunter2-secret", 1);
    setenv("AWAREDAY_PUBLIC_URL", "https://awareday.example.org", 1);
    assert_int_equal(aw_config_load_env(&c, err, sizeof(err)), AW_OK);
    assert_int_equal(c.smtp_port, 2525);
    assert_string_equal(c.smtp_host, "mail.example.org");
    assert_string_equal(c.smtp_password, "hunter2-secret");
    assert_string_equal(c.public_url, "https://awareday.example.org");
    setenv("AWAREDAY_SMTP_PORT", "25x", 1);
    assert_int_equal(aw_config_load_env(&c, err, sizeof(err)), AW_ECONFIG);
    assert_non_null(strstr(err, "AWAREDAY_SMTP_PORT"));
    unsetenv("AWAREDAY_SMTP_PORT");
    unsetenv("AWAREDAY_SMTP_HOST");
    unsetenv("AWAREDAY_SMTP_PASSWORD");
    unsetenv("AWAREDAY_PUBLIC_URL");

    /* The password is never printed; "(set)" says there is one. */
    char out[8192] = "";
    FILE *f = tmpfile();
    assert_non_null(f);
    aw_config_print(&c, f);
    rewind(f);
    out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
    fclose(f);
    assert_null(strstr(out, "hunter2"));
    assert_non_null(strstr(out, "smtp_password = (set)\n"));
    assert_non_null(strstr(out, "smtp_port = 2525\n"));
    assert_int_equal(aw_config_set(&c, "smtp_password", "", err, sizeof(err)), AW_OK);
    f = tmpfile();
    assert_non_null(f);
    aw_config_print(&c, f);
    rewind(f);
    out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "smtp_password = \n"));
    aw_config_free(&c);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qp_table),           cmocka_unit_test(test_qp_roundtrip),
        cmocka_unit_test(test_header_table),       cmocka_unit_test(test_addr_table),
        cmocka_unit_test(test_send_refuses),       cmocka_unit_test(test_settings),
        cmocka_unit_test(test_send_end_to_end),    cmocka_unit_test(test_send_direction_controls),
        cmocka_unit_test(test_send_server_down),   cmocka_unit_test(test_mailer_sends_queue),
        cmocka_unit_test(test_mailer_server_down), cmocka_unit_test(test_mailer_disabled),
        cmocka_unit_test(test_mailer_bad_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
