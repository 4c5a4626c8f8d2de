#!/usr/bin/env bash
# setup.sh: installs what awareday needs to build, run and test it on Debian 12, and generates the
# locales the translations use. Idempotent: installs only what is missing (checked with
# dpkg-query), runs `apt-get update` once first if anything is missing, uses sudo only when not
# root. Safe to run before every build (scripts/demo.sh and scripts/test.sh do).
set -euo pipefail

# Debian packages, one per purpose:
PACKAGES=(
    build-essential cmake ninja-build pkg-config    # compiler and build
    libuv1-dev libsqlite3-dev libcmark-dev          # event loop (HTTP), store, Markdown
    libpq-dev postgresql                            # the PostgreSQL driver, its test server
    libjansson-dev libsodium-dev zlib1g-dev         # JSON (demo data), tokens, gzip
    libcsv-dev                                      # CSV import of the reference data
    libcurl4-openssl-dev                            # outgoing mail (SMTP)
    libcmocka-dev                                   # unit tests
    gettext                                         # po/ translations
    tidy python3 sqlite3                            # HTML validation, HTTP test runner, CLI tests
    python3-aiosmtpd                                # SMTP sink of the mail tests
    clang-format                                    # scripts/lint.sh
    clang libclang-rt-14-dev                        # libFuzzer targets, sanitizers with clang
    chromium fonts-dejavu-core                      # browser tests (fonts: readable screenshots)
    nodejs npm                                      # browser tests (playwright-core, axe-core)
    nginx-light wrk                                 # reverse-proxy example, load tests
    locales                                         # localedef / locale-gen
)
LOCALES=(en_GB.UTF-8 fr_FR.UTF-8 de_DE.UTF-8 ar_EG.UTF-8 C.UTF-8)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# nodejs and npm: a machine may already have Node.js from another Debian source (e.g. a
# nodejs package that bundles npm); installing Debian's npm on top would conflict with it.
# So these two count as present when their command is.
satisfied() {
    case "$1" in
    nodejs) is_installed nodejs || command -v node >/dev/null 2>&1 ;;
    npm) is_installed npm || command -v npm >/dev/null 2>&1 ;;
    *) is_installed "$1" ;;
    esac
}

missing=()
for p in "${PACKAGES[@]}"; do
    satisfied "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "setup: all ${#PACKAGES[@]} packages present"
fi

# playwright-core needs Node.js 18 or later (Debian 12 ships 18).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
    echo "setup: warning: Node.js $(node --version 2>/dev/null || echo missing) is older than 18;" \
        "the browser tests need Node.js 18 or later" >&2
fi

# Locales: `locale -a` lists en_GB.UTF-8 as en_GB.utf8.
have_locale() {
    local want
    want=$(printf '%s' "$1" | sed 's/\.UTF-8$/.utf8/')
    locale -a 2>/dev/null | grep -qix -- "$want"
}

missing_locales=()
for l in "${LOCALES[@]}"; do
    have_locale "$l" || missing_locales+=("$l")
done

if [ "${#missing_locales[@]}" -gt 0 ]; then
    echo "setup: generating locales: ${missing_locales[*]}"
    for l in "${missing_locales[@]}"; do
        if [ -f /etc/locale.gen ] && command -v locale-gen >/dev/null 2>&1; then
            # Enable it in /etc/locale.gen so a later locale-gen (run by package upgrades)
            # keeps it.
            if grep -qE "^# *${l//./\\.} UTF-8" /etc/locale.gen; then
                "${SUDO[@]}" sed -i -E "s/^# *(${l//./\\.} UTF-8)/\\1/" /etc/locale.gen
            elif ! grep -qE "^${l//./\\.} UTF-8" /etc/locale.gen; then
                echo "$l UTF-8" | "${SUDO[@]}" tee -a /etc/locale.gen >/dev/null
            fi
        fi
    done
    if command -v locale-gen >/dev/null 2>&1 && [ -f /etc/locale.gen ]; then
        "${SUDO[@]}" locale-gen
    fi
    # Whatever locale-gen did not provide (or without locale-gen): localedef directly.
    for l in "${missing_locales[@]}"; do
        if ! have_locale "$l"; then
            "${SUDO[@]}" localedef -i "${l%%.*}" -f UTF-8 "$l"
        fi
    done
else
    echo "setup: all ${#LOCALES[@]} locales present"
fi

echo "setup: done"
