/* main.c: the command line: init, serve, check-config (and help). Settings
 * come from defaults, then the config file, then AWAREDAY_* variables, then
 * flags: the last one wins. */
#include "aw/app.h"
#include "aw/config.h"
#include "aw/load.h"
#include "aw/log.h"
#include "aw/store.h"
#include "cli.h"

#include <dirent.h>
#include <sodium.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_main[] =
    "Usage: awareday COMMAND [OPTIONS]\n"
    "\n"
    "Runs a website for a recurring awareness day (by default the European Day on the\n"
    "Protection of Children against Sexual Exploitation and Sexual Abuse).\n"
    "\n"
    "Commands:\n"
    "  init          create or update the database (reference data; --demo adds the demo)\n"
    "  serve         serve the site over HTTP\n"
    "  check-config  check the configuration and say what is wrong, with file and line\n"
    "  user          add, list, disable, enable moderator accounts, change passwords\n"
    "  import        import activities from CSV or JSON into the moderation queue\n"
    "  migrate-data  copy the whole site to another database (SQLite <-> PostgreSQL) and compare\n"
    "  help          show this help; 'awareday COMMAND --help' shows a command's options\n"
    "\n"
    "Options for every command:\n"
    "  --config FILE  read settings from FILE (default: $XDG_CONFIG_HOME/awareday/awareday.conf\n"
    "                 or ~/.config/awareday/awareday.conf when it exists; AWAREDAY_CONFIG)\n"
    "  --help         show help\n"
    "  --version      show the version\n"
    "\n"
    "Environment: AWAREDAY_DB, AWAREDAY_LISTEN, AWAREDAY_CONFIG, AWAREDAY_LOG_LEVEL,\n"
    "AWAREDAY_ACCESS_LOG, AWAREDAY_SHARE_DIR, AWAREDAY_LANGUAGES. Flags win over the\n"
    "environment, which wins over the config file. See awareday.conf.example for every setting.\n";

static const char usage_init[] =
    "Usage: awareday init [--db PATH] [--demo] [--config FILE]\n"
    "\n"
    "Creates the database if needed, applies migrations, and loads the reference data\n"
    "(vocabularies, countries, editions, help services) from DATA_DIR/reference (the\n"
    "data_dir setting; default SHARE_DIR/data). Running it again updates rows in place and\n"
    "never duplicates them; vocabulary terms an admin edited keep what they set.\n"
    "\n"
    "  --db PATH   database file (default: AWAREDAY_DB, the config file, or\n"
    "              $XDG_DATA_HOME/awareday/awareday.db, i.e. ~/.local/share/awareday/awareday.db)\n"
    "  --demo      also load the demo data (DATA_DIR/demo/*.json: the 2017 edition),\n"
    "              published, and publish the help services of high confidence\n"
    "              (help_publish_high); without it they wait for a person to verify them\n";

static const char usage_serve[] =
    "Usage: awareday serve [--db PATH] [--listen ADDR:PORT] [--config FILE]\n"
    "\n"
    "Serves the site until SIGTERM or SIGINT; requests in flight finish first.\n"
    "\n"
    "  --db PATH           database file (see 'awareday init --help')\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; AWAREDAY_LISTEN)\n";

static const char usage_check[] =
    "Usage: awareday check-config [--config FILE] [--print]\n"
    "\n"
    "Reads the configuration as 'serve' would and prints \"configuration OK\", or the\n"
    "file, line and reason of the first error (exit status 1).\n"
    "\n"
    "  --print   also print every setting with its effective value\n";

enum { OPT_CONFIG = 256, OPT_DB, OPT_LISTEN, OPT_DEMO, OPT_PRINT, OPT_HELP, OPT_VERSION };

static const struct option long_opts[] = {
    {"config", required_argument, NULL, OPT_CONFIG}, {"db", required_argument, NULL, OPT_DB},
    {"listen", required_argument, NULL, OPT_LISTEN}, {"demo", no_argument, NULL, OPT_DEMO},
    {"print", no_argument, NULL, OPT_PRINT},         {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},     {NULL, 0, NULL, 0},
};

struct cli {
    const char *config;
    const char *db;
    const char *listen;
    bool demo;
    bool print;
};

/* Parses a command's options; `allowed` lists the option codes it takes.
 * Returns 0 to go on, 1 when help or the version was printed, 2 on error. */
static int
parse_opts(int argc, char **argv, const char *usage, const int *allowed, struct cli *cli)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        bool ok = false;
        for (const int *a = allowed; *a; a++)
            ok |= *a == c;
        if (c == OPT_HELP) {
            fputs(usage, stdout);
            return 1;
        }
        if (c == OPT_VERSION) {
            printf("awareday %s\n", AW_VERSION);
            return 1;
        }
        if (c == ':') {
            fprintf(stderr, "awareday: %s needs a value\n\n%s", argv[optind - 1], usage);
            return 2;
        }
        if (c == '?' || !ok) {
            const char *name = c == '?' ? aw_cli_refused(argc, argv, long_opts) : "?";
            for (const struct option *o = long_opts; c != '?' && o->name; o++)
                if (o->val == c)
                    name = o->name;
            fprintf(stderr, "awareday: unknown or misplaced option '%s%s'\n\n%s",
                    c == '?' ? "" : "--", name, usage);
            return 2;
        }
        switch (c) {
        case OPT_CONFIG:
            cli->config = optarg;
            break;
        case OPT_DB:
            cli->db = optarg;
            break;
        case OPT_LISTEN:
            cli->listen = optarg;
            break;
        case OPT_DEMO:
            cli->demo = true;
            break;
        case OPT_PRINT:
            cli->print = true;
            break;
        default:
            break;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "awareday: unexpected argument '%s'\n\n%s", argv[optind], usage);
        return 2;
    }
    return 0;
}

/* defaults < config file < environment < flags. */
static int
load_config(const struct cli *cli, struct aw_config *cfg)
{
    char err[1024];
    char *deffile = NULL;
    int rc = 1;
    aw_config_defaults(cfg);
    const char *file = cli->config ? cli->config : getenv("AWAREDAY_CONFIG");
    if (!file) {
        deffile = aw_config_default_file();
        if (access(deffile, R_OK) == 0)
            file = deffile;
    }
    if (file && aw_config_load_file(cfg, file, err, sizeof(err)) != AW_OK)
        goto fail;
    if (aw_config_load_env(cfg, err, sizeof(err)) != AW_OK)
        goto fail;
    if (cli->db && aw_config_set(cfg, "db", cli->db, err, sizeof(err)) != AW_OK)
        goto fail;
    if (cli->listen && aw_config_set(cfg, "listen", cli->listen, err, sizeof(err)) != AW_OK)
        goto fail;
    if (!cfg->db[0]) {
        char *def = aw_config_default_db();
        free(cfg->db);
        cfg->db = def;
    }
    aw_log_set_level(cfg->log_level);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "awareday: %s\n", err);
    aw_config_free(cfg);
out:
    free(deffile);
    return rc;
}

/* mkdir -p of the directory that will hold path. */
static int
make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    int rc = 0;
    if (!copy)
        aw_fatal("out of memory");
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "awareday: cannot create directory %s: %s\n", copy, strerror(errno));
            rc = -1;
            break;
        }
        *p = '/';
    }
    free(copy);
    return rc;
}

/* The data_dir setting, or share_dir/data (in a static buffer). */
static const char *
data_dir(const struct aw_config *cfg)
{
    static char buf[8192];
    if (cfg->data_dir && cfg->data_dir[0])
        return cfg->data_dir;
    snprintf(buf, sizeof(buf), "%s/data", cfg->share_dir);
    return buf;
}

static int
filter_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static int
cmd_init(int argc, char **argv)
{
    static const int allowed[] = {OPT_CONFIG, OPT_DB, OPT_DEMO, 0};
    struct cli cli = {0};
    struct aw_config cfg;
    struct aw_store *st = NULL;
    struct dirent **names = NULL;
    int nnames = 0;
    char err[2048];
    char *dir = NULL;
    int rc = parse_opts(argc, argv, usage_init, allowed, &cli);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (load_config(&cli, &cfg) != 0)
        return 1;
    rc = 1;
    if (aw_store_file_path(cfg.db) && make_parent_dirs(aw_store_file_path(cfg.db)) != 0)
        goto out;
    if (aw_store_open(cfg.db, true, true, &st, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s\n", err);
        goto out;
    }
    struct aw_load_opts lo = {
        /* The demo is a deployment that chooses to publish the high-confidence
         * help services of the reference data (data/reference/README.md). */
        .publish_high_help = cfg.help_publish_high || cli.demo,
        .verified_by = "reference data import (confidence: high)",
        .publish_activities = true,
    };
    if (asprintf(&dir, "%s/reference", data_dir(&cfg)) < 0)
        aw_fatal("out of memory");
    if (aw_load_reference(st, dir, &lo, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s\n", err);
        goto out;
    }
    printf("reference data loaded from %s\n", dir);
    if (cli.demo) {
        free(dir);
        if (asprintf(&dir, "%s/demo", data_dir(&cfg)) < 0)
            aw_fatal("out of memory");
        nnames = scandir(dir, &names, filter_json, alphasort);
        if (nnames <= 0) {
            fprintf(stderr, "awareday: no demo data (*.json) in %s\n", dir);
            goto out;
        }
        for (int i = 0; i < nnames; i++) {
            char *path = NULL;
            if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0)
                aw_fatal("out of memory");
            enum aw_err lr = aw_load_json_file(st, path, &lo, err, sizeof(err));
            if (lr == AW_OK)
                printf("demo data loaded from %s\n", path);
            else
                fprintf(stderr, "awareday: %s\n", err);
            free(path);
            if (lr != AW_OK)
                goto out;
        }
    }
    printf("database ready: %s\n", cfg.db);
    rc = 0;
out:
    for (int i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(dir);
    aw_store_close(st);
    aw_config_free(&cfg);
    return rc;
}

static int
cmd_serve(int argc, char **argv)
{
    static const int allowed[] = {OPT_CONFIG, OPT_DB, OPT_LISTEN, 0};
    struct cli cli = {0};
    struct aw_config cfg;
    struct aw_app *app = NULL;
    char err[2048];
    int rc = parse_opts(argc, argv, usage_serve, allowed, &cli);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (load_config(&cli, &cfg) != 0)
        return 1;
    rc = 1;
    const char *file = aw_store_file_path(cfg.db);
    if (file && access(file, R_OK) != 0) {
        fprintf(stderr, "awareday: no database at %s; create it with 'awareday init --db %s'\n",
                cfg.db, cfg.db);
        goto out;
    }
    if (aw_app_new(&cfg, cfg.strict_templates, &app, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s\n", err);
        goto out;
    }
    if (aw_app_serve(app, err, sizeof(err)) != AW_OK) {
        fprintf(stderr, "awareday: %s\n", err);
        goto out;
    }
    rc = 0;
out:
    aw_app_free(app);
    aw_config_free(&cfg);
    return rc;
}

static int
cmd_check_config(int argc, char **argv)
{
    static const int allowed[] = {OPT_CONFIG, OPT_PRINT, 0};
    struct cli cli = {0};
    struct aw_config cfg;
    struct stat sb;
    int rc = parse_opts(argc, argv, usage_check, allowed, &cli);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (load_config(&cli, &cfg) != 0)
        return 1;
    rc = 1;
    char *tdir = NULL;
    if (asprintf(&tdir, "%s/templates", cfg.share_dir) < 0)
        aw_fatal("out of memory");
    if (stat(tdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "awareday: share_dir: %s has no templates/ directory\n", cfg.share_dir);
        goto out;
    }
    if (cli.print)
        aw_config_print(&cfg, stdout);
    printf("configuration OK\n");
    rc = 0;
out:
    free(tdir);
    aw_config_free(&cfg);
    return rc;
}

/* `user` and `import` take --db/--config among their own options: those two
 * are picked out here, the rest goes to the command. */
static int
cmd_with_db(int argc, char **argv, int (*fn)(int, char **, const struct aw_config *, const char *))
{
    struct cli cli = {0};
    struct aw_config cfg;
    char **rest = calloc((size_t)argc + 1, sizeof(char *));
    int nrest = 0, rc;
    if (!rest)
        aw_fatal("out of memory");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "--") == 0) { /* the end of the options: the rest is the command's */
            while (i < argc)
                rest[nrest++] = argv[i++];
            break;
        }
        bool is_db = strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0;
        bool is_cfg = strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0;
        if (is_db || is_cfg) {
            const char *eq = strchr(a, '=');
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            if (!val) {
                fprintf(stderr, "awareday: %s needs a value\n", a);
                free(rest);
                return 2;
            }
            if (is_db)
                cli.db = val;
            else
                cli.config = val;
            continue;
        }
        rest[nrest++] = argv[i];
    }
    if (load_config(&cli, &cfg) != 0) {
        free(rest);
        return 1;
    }
    rc = fn(nrest, rest, &cfg, cfg.db);
    aw_config_free(&cfg);
    free(rest);
    return rc;
}

static int
cmd_user(int argc, char **argv)
{
    return cmd_with_db(argc, argv, aw_cli_user);
}

static int
cmd_import(int argc, char **argv)
{
    return cmd_with_db(argc, argv, aw_cli_import);
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"init", cmd_init}, {"serve", cmd_serve},   {"check-config", cmd_check_config},
        {"user", cmd_user}, {"import", cmd_import}, {"migrate-data", aw_cli_migrate_data},
    };
    if (sodium_init() < 0)
        aw_fatal("libsodium could not be initialised");
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("awareday %s\n", AW_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "awareday: unknown command '%s'\n\n%s", argv[1], usage_main);
    return 2;
}
