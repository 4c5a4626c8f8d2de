#!/usr/bin/env bash
# update-po.sh: regenerates po/awareday.pot from the C sources (_(), N_(),
# aw_i18n_ngettext) and the templates' translate blocks, then merges it into
# every po/<ll>.po. With --check, fails if po/awareday.pot is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
    --keyword=aw_i18n_ngettext:1,2 --add-comments=TRANSLATORS: \
    --package-name=awareday --msgid-bugs-address=https://example.invalid/awareday \
    --sort-by-file -o "$tmp/c.pot" src/app/*.c src/domain/*.c src/core/core_config.c src/core/core_text.c
python3 scripts/tpl-xgettext.py . > "$tmp/tpl.pot"
msgcat --use-first "$tmp/c.pot" "$tmp/tpl.pot" | sed '/^"POT-Creation-Date:/d' > "$tmp/awareday.pot"
if [ "${1:-}" = "--check" ]; then
    if ! diff -q <(grep -v '^#' po/awareday.pot) <(grep -v '^#' "$tmp/awareday.pot") >/dev/null; then
        echo "po/awareday.pot is out of date: run scripts/update-po.sh" >&2
        exit 1
    fi
    echo "po/awareday.pot is up to date"
    exit 0
fi
cp "$tmp/awareday.pot" po/awareday.pot
for po in po/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --backup=none "$po" po/awareday.pot
done
echo "po/awareday.pot: $(grep -c '^msgid' po/awareday.pot) messages"
