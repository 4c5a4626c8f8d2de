/* cli_user.c: `awareday user add|list|disable|enable|passwd` — moderator
 * accounts are created from the command line only. Passwords are asked on
 * the terminal (twice, not echoed) or, when standard input is not a
 * terminal, read as one line from it. */
#include "cli.h"

#include "aw/app.h"
#include "aw/log.h"
#include "aw/mail.h"
#include "aw/domain.h"
#include "aw/store.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: awareday user add EMAIL --role admin|moderator|focal [--country CC] [--db PATH]\n"
    "       awareday user list [--db PATH]\n"
    "       awareday user disable EMAIL [--db PATH]\n"
    "       awareday user enable EMAIL [--db PATH]\n"
    "       awareday user passwd EMAIL [--db PATH]\n"
    "\n"
    "Manages the accounts of the secretariat (admin), moderators (all countries) and national\n"
    "focal points (focal: their --country only).\n"
    "\n"
    "The password (at least 12 characters) is asked twice on the terminal without being shown.\n"
    "When standard input is not a terminal, it is read from its first line instead, e.g.\n"
    "  printf '%s\\n' \"$PASSWORD\" | awareday user add ana@example.org --role moderator\n"
    "Disabling an account or changing its password ends its open sessions.\n"
    "\n"
    "The address must be one the mailer sends to (printable ASCII, one '@'). An EMAIL that\n"
    "starts with '-' goes after '--', which ends the options:\n"
    "  awareday user add --role moderator -- -ana@example.org\n";

/* Reads a password: from the terminal twice without echo, or one line of stdin. */
static char *
read_password(const char *prompt)
{
    char a[AW_PASSWORD_MAX + 2], b[AW_PASSWORD_MAX + 2];
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    char *out = NULL;
    for (int round = 0; round < (tty ? 2 : 1); round++) {
        char *buf = round == 0 ? a : b;
        if (tty) {
            fprintf(stderr, "%s", round == 0 ? prompt : "Again: ");
            tcgetattr(STDIN_FILENO, &old);
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char *got = fgets(buf, sizeof(a), stdin);
        if (tty) {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
            fputc('\n', stderr);
        }
        if (!got) {
            fprintf(stderr, "awareday: no password given\n");
            goto out;
        }
        size_t n = strlen(buf);
        if (n && buf[n - 1] == '\n')
            buf[--n] = '\0';
        else if (n == sizeof(a) - 1) {
            fprintf(stderr, "awareday: the password is longer than %d characters\n",
                    AW_PASSWORD_MAX);
            goto out;
        }
    }
    if (tty && strcmp(a, b) != 0) {
        fprintf(stderr, "awareday: the two passwords differ\n");
        goto out;
    }
    if (strlen(a) < AW_PASSWORD_MIN) {
        fprintf(stderr, "awareday: the password must have at least %d characters\n",
                AW_PASSWORD_MIN);
        goto out;
    }
    out = strdup(a);
out:
    sodium_memzero(a, sizeof(a));
    sodium_memzero(b, sizeof(b));
    return out;
}

static char *
lower(const char *s)
{
    char *c = strdup(s);
    if (!c)
        aw_fatal("out of memory");
    for (char *p = c; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return c;
}

/* Who acts from the command line. */
static struct aw_cmd
cli_cmd(struct aw_store *st, struct aw_arena *a)
{
    return (struct aw_cmd){.st = st, .arena = a, .now = (int64_t)time(NULL), .actor = "cli"};
}

const char *
aw_cli_refused(int argc, char **argv, const struct option *opts)
{
    if (optopt == 0 && optind > 0 && optind <= argc)
        return argv[optind - 1];
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-') {
            size_t n = strcspn(a + 2, "=");
            for (const struct option *o = opts; o->name && !a[2 + n]; o++)
                if (o->has_arg == required_argument && strncmp(o->name, a + 2, n) == 0) {
                    i++; /* its value, whatever it looks like */
                    break;
                }
            continue;
        }
        if (a[0] == '-' && a[1] != '\0')
            return a;
    }
    return optind > 0 && optind <= argc ? argv[optind - 1] : "?";
}

int
aw_cli_open_store(const char *db, struct aw_store **st)
{
    char err[1024];
    const char *file = aw_store_file_path(db);
    if (file && access(file, R_OK) != 0) {
        fprintf(stderr, "awareday: no database at %s; create it with 'awareday init --db %s'\n", db,
                db);
        return -1;
    }
    if (aw_store_open(db, false, true, st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s\n", err);
        return -1;
    }
    return 0;
}

int
aw_cli_user(int argc, char **argv, const struct aw_config *cfg_in, const char *db)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *role_s = NULL, *country = NULL;
    struct aw_store *st = NULL;
    struct aw_arena *a = aw_arena_new(0);
    char *email = NULL, *pw = NULL;
    int rc = 2, c;
    (void)cfg_in;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        const char *bad;
        switch (c) {
        case 'r':
            role_s = optarg;
            break;
        case 'c':
            country = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            rc = 0;
            goto out;
        case ':':
            fprintf(stderr, "awareday: %s needs a value\n\n%s", argv[optind - 1], usage);
            goto out;
        default:
            bad = aw_cli_refused(argc, argv, opts);
            if (bad[0] == '-' && bad[1] != '-' && strchr(bad, '@'))
                fprintf(stderr,
                        "awareday: EMAIL must not start with '-' where options are read: put "
                        "'--' before it, e.g. awareday user add --role ROLE -- %s\n",
                        bad);
            else
                fprintf(stderr, "awareday: unknown option '%s'\n\n%s", bad, usage);
            goto out;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        goto out;
    }
    const char *sub = argv[optind++];
    bool list = strcmp(sub, "list") == 0;
    if (!list && optind != argc - 1) {
        fprintf(stderr, "awareday: user %s needs one EMAIL\n\n%s", sub, usage);
        goto out;
    }
    if (list && optind != argc) {
        fprintf(stderr, "awareday: user list takes no argument\n");
        goto out;
    }
    rc = 1;
    if (aw_cli_open_store(db, &st) != 0)
        goto out;
    if (list) {
        struct aw_user *u = NULL;
        size_t n = 0;
        if (aw_store_users(st, a, &u, &n) != AW_OK) {
            fprintf(stderr, "awareday: %s\n", aw_store_errmsg(st));
            goto out;
        }
        printf("%-40s %-10s %-7s %-8s %s\n", "EMAIL", "ROLE", "COUNTRY", "STATE", "LAST LOGIN");
        for (size_t i = 0; i < n; i++)
            printf("%-40s %-10s %-7s %-8s %s\n", u[i].email, aw_role_str(u[i].role),
                   u[i].country_code[0] ? u[i].country_code : "-",
                   u[i].disabled ? "disabled" : "active",
                   u[i].last_login_at ? u[i].last_login_at : "never");
        rc = 0;
        goto out;
    }
    email = lower(argv[optind]);
    if (strcmp(sub, "add") == 0) {
        /* The mailer's own rule: an account whose address it would refuse could never
         * receive a mail. (The other commands only look an account up, so an account made
         * before this rule can still be disabled.) */
        if (!aw_mail_addr_ok(email)) {
            fprintf(stderr,
                    "awareday: \"%s\" is not an e-mail address the mailer can send to "
                    "(printable ASCII, one '@', no spaces or <>()[]\\,;:\")\n",
                    argv[optind]);
            rc = 2;
            goto out;
        }
        enum aw_role role;
        if (!role_s || aw_role_parse(role_s, &role) != 0) {
            fprintf(stderr, "awareday: --role must be admin, moderator or focal\n");
            rc = 2;
            goto out;
        }
        if (role == AW_ROLE_FOCAL && !country) {
            fprintf(stderr, "awareday: a focal point needs --country CC\n");
            rc = 2;
            goto out;
        }
        if (role != AW_ROLE_FOCAL && country) {
            fprintf(stderr, "awareday: --country is only for focal points\n");
            rc = 2;
            goto out;
        }
        struct aw_country cc;
        if (country && aw_store_country(st, a, "en", country, &cc) != AW_OK) {
            fprintf(stderr, "awareday: unknown country code \"%s\"\n", country);
            rc = 2;
            goto out;
        }
        if (!(pw = read_password("Password for the new account: ")))
            goto out;
        char hash[128];
        if (aw_auth_hash_password(pw, hash) != AW_OK) {
            fprintf(stderr, "awareday: could not hash the password (out of memory?)\n");
            goto out;
        }
        int64_t id = 0;
        struct aw_cmd cmd = cli_cmd(st, a);
        enum aw_err e = aw_cmd_user_add(&cmd, email, hash, role, country, &id);
        if (e == AW_EEXIST) {
            fprintf(stderr, "awareday: an account for %s already exists\n", email);
            goto out;
        }
        if (e != AW_OK) {
            fprintf(stderr, "awareday: %s\n", aw_store_errmsg(st));
            goto out;
        }
        rc = 0;
        if (rc == 0)
            printf("account created: %s (%s%s%s)\n", email, aw_role_str(role), country ? ", " : "",
                   country ? country : "");
        goto out;
    }
    struct aw_user u;
    if (aw_store_user_by_email(st, a, email, &u) != AW_OK) {
        fprintf(stderr, "awareday: no account for %s\n", email);
        goto out;
    }
    if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
        bool off = sub[0] == 'd';
        struct aw_cmd cmd = cli_cmd(st, a);
        if (aw_cmd_user_disable(&cmd, &u, off) != AW_OK) {
            fprintf(stderr, "awareday: %s\n", aw_store_errmsg(st));
            goto out;
        }
        rc = 0;
        if (rc == 0)
            printf("account %s: %s\n", off ? "disabled" : "enabled", email);
    } else if (strcmp(sub, "passwd") == 0) {
        char hash[128];
        if (!(pw = read_password("New password: ")))
            goto out;
        struct aw_cmd cmd = cli_cmd(st, a);
        if (aw_auth_hash_password(pw, hash) != AW_OK) {
            fprintf(stderr, "awareday: could not hash the password (out of memory?)\n");
            goto out;
        }
        if (aw_cmd_user_password(&cmd, &u, hash) != AW_OK) {
            fprintf(stderr, "awareday: could not change the password: %s\n", aw_store_errmsg(st));
            goto out;
        }
        rc = 0;
        if (rc == 0)
            printf("password changed: %s\n", email);
    } else {
        fprintf(stderr, "awareday: unknown user command '%s'\n\n%s", sub, usage);
        rc = 2;
    }
out:
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    free(email);
    aw_store_close(st);
    aw_arena_free(a);
    return rc;
}
