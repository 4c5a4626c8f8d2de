#!/usr/bin/env python3
"""tpl-xgettext.py: extracts the msgids of {{#_}}...{{/_}} translate blocks
from templates/*.mustache into a .pot file (stdout). The template engine
(src/html/tpl_compile.c) collapses whitespace runs to one space and trims,
so this does the same. xgettext has no Mustache parser, hence this script."""
import pathlib
import re
import sys

BLOCK = re.compile(r"\{\{#_\}\}(.*?)\{\{/_\}\}", re.S)


def escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main(root):
    seen = {}
    for path in sorted(pathlib.Path(root, "templates").rglob("*.mustache")):
        text = path.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            # ASCII whitespace only, as the engine (NBSP and friends are text).
            msgid = " ".join(w for w in re.split(r"[ \t\n\r\f\v]+", m.group(1)) if w)
            line = text.count("\n", 0, m.start()) + 1
            seen.setdefault(msgid, []).append(f"{path.relative_to(root)}:{line}")
    out = sys.stdout
    for msgid, refs in seen.items():
        out.write("#: " + " ".join(refs) + "\n")
        if "{{" in msgid:
            out.write("#. Keep the {{names}}: they are filled in when the page is shown.\n")
        out.write(f'msgid "{escape(msgid)}"\nmsgstr ""\n\n')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
