#!/usr/bin/env python3
"""dashboard.py - every metric a Grafana dashboard's PromQL names must be one
the daemons export.

usage: dashboard.py DASHBOARD.json KNOWN...

Each KNOWN file is either a Prometheus text exposition (its "# TYPE" lines
name the families; a histogram's _bucket, _sum and _count come with it) or a
manual page (its ".It Li NAME" lines under the METRICS section).  Prints
"missing NAME (panel TITLE)" for each unknown name and exits 1; prints the
number of names checked and exits 0 when all are known.  "up" is
Prometheus's own.
"""
import json
import re
import sys

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "offset", "bool", "inf", "nan", "le"}
OWN = {"up"}


def known_names(path):
    names = set()
    text = open(path, encoding="utf-8").read()
    if path.endswith((".5", ".8", ".1")):
        section = None
        for line in text.splitlines():
            if line.startswith(".Sh "):
                section = line[4:].strip()
            elif section == "METRICS":
                m = re.match(r"\.It (?:Li|Sy) ([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
                if m:
                    names.add(m.group(1))
    else:
        for line in text.splitlines():
            m = re.match(r"# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)", line)
            if m:
                names.add(m.group(1))
    expanded = set(names)
    for n in names:
        expanded.update({n + "_bucket", n + "_sum", n + "_count"})
    return expanded


def expr_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    e = re.sub(r"\{[^}]*\}", "", e)                         # label matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                        # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\boffset\s+\w+", " ", e)
    out = []
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        name = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("("):                            # a function
            continue
        if name.lower() in KEYWORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]", name):
            continue
        out.append(name)
    return out


def panels(d):
    for p in d.get("panels", []):
        yield p
        yield from panels(p)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    d = json.load(open(sys.argv[1], encoding="utf-8"))
    known = set(OWN)
    for f in sys.argv[2:]:
        known |= known_names(f)
    missing, n = [], 0
    for p in panels(d):
        for t in p.get("targets", []):
            for name in expr_names(t.get("expr", "")):
                n += 1
                if name not in known:
                    missing.append("missing %s (panel %s)" % (name, p.get("title")))
    for m in missing:
        print(m)
    if missing:
        sys.exit(1)
    if n == 0:
        sys.exit("no metric names found in %s" % sys.argv[1])
    print("%d names checked" % n)


main()
