#!/usr/bin/env python3
"""The quoted symptoms of docs/troubleshooting.md, for test/docs/playbook.sh: fenced blocks whose
info string carries `playbook:<id>` (```text playbook:quota-bytes). Lines starting with `$ `
show the command and are not matched; every other line must match a line of the real output, in
order, where a run of hex digits holding a digit stands for any such run and `…` for anything.
Usage: symptoms.py DOC ids            print every block id
       symptoms.py DOC check ID FILE  exit 0 when FILE's text shows block ID, else 1 with why
"""
import re
import sys

BLOCK = re.compile(r"^```\S*[ \t]+playbook:(\S+)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
TOKEN = re.compile(r"…|[0-9a-f]*[0-9][0-9a-f]*")


def blocks(doc):
    with open(doc, encoding="utf-8") as f:
        return {m.group(1): m.group(2) for m in BLOCK.finditer(f.read())}


def pattern(line):
    out, pos = [], 0
    for m in TOKEN.finditer(line):
        out.append(re.escape(line[pos:m.start()]))
        out.append(".*" if m.group(0) == "…" else "[0-9a-f]+")
        pos = m.end()
    out.append(re.escape(line[pos:]))
    return re.compile("".join(out))


def check(text, actual):
    want = [l.rstrip() for l in text.split("\n") if l.strip() and not l.startswith("$ ")]
    got = [l.rstrip("\r").rstrip() for l in actual.split("\n")]
    i = 0
    for line in want:
        p = pattern(line)
        while i < len(got) and not p.fullmatch(got[i]):
            i += 1
        if i == len(got):
            return f"no line (after the earlier matches) is like: {line}"
        i += 1
    return ""


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[1] == "ids":
        print("\n".join(blocks(args[0])))
        return 0
    if len(args) != 4 or args[1] != "check":
        sys.exit(__doc__)
    found = blocks(args[0])
    if args[2] not in found:
        print(f"docs: no block playbook:{args[2]} in {args[0]}")
        return 1
    with open(args[3], encoding="utf-8", errors="replace") as f:
        why = check(found[args[2]], f.read())
    if why:
        print(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
