#!/usr/bin/env bash
# demo.sh: the first command of the README. Installs what is missing, builds awareday in build/,
# creates a fresh demo database (the 2017 edition) and serves it on 127.0.0.1:8080 (or $PORT)
# until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
port=${PORT:-8080}

bash scripts/setup.sh
bash scripts/build.sh build
rm -f build/demo.db build/demo.db-wal build/demo.db-shm
build/awareday init --demo --db build/demo.db
echo "demo: serving http://127.0.0.1:$port/ (Ctrl-C stops it)"
exec build/awareday serve --db build/demo.db --listen "127.0.0.1:$port"
