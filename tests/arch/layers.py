#!/usr/bin/env python3
"""tests/arch/layers.py - the calls between convo's source files point one way.

Reads the object files of one build (nm: which functions each file defines
and which it calls) and draws the graph "file A calls a function defined in
file B" for each folder (core/, tui/, seeder/). Fails when that graph has a
circle, printing it, or when a program in core/cli/ reaches past the public
header (a core symbol neither lib.h nor base.h declares).

    tests/arch/layers.py BUILD_DIR SOURCE_ROOT
"""
import os
import re
import subprocess
import sys


def objects(build, folder):
    """{source file name: object path} for the objects of folder's targets."""
    out = {}
    for dirpath, _, names in os.walk(build):
        for n in names:
            if not n.endswith(".c.o"):
                continue
            path = os.path.join(dirpath, n)
            # meson names objects <target>.p/<path with / as _>.c.o, relative
            # to the target's folder.
            rel = os.path.relpath(dirpath, build)
            parts = rel.split(os.sep)
            if not parts[-1].endswith(".p"):
                continue
            where = os.path.normpath(os.path.join(*parts[:-1])) if len(parts) > 1 else "."
            if where != folder:
                continue
            out[n[:-2]] = path
    return out


def symbols(path):
    res = subprocess.run(["nm", "--defined-only", "-g", path], capture_output=True, text=True,
                         check=True).stdout
    defined = {l.split()[-1] for l in res.splitlines() if len(l.split()) == 3}
    res = subprocess.run(["nm", "-u", path], capture_output=True, text=True, check=True).stdout
    used = {l.split()[-1] for l in res.splitlines() if l.strip()}
    return defined, used


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_folder(build, folder, exclude=("cli_",)):
    objs = {k: v for k, v in objects(build, folder).items() if not k.startswith(exclude)}
    if not objs:
        print("layers: no objects for %s in %s" % (folder, build))
        return 1
    defs, uses = {}, {}
    for name, path in objs.items():
        defs[name], uses[name] = symbols(path)
    owner = {}
    for name, ds in defs.items():
        for s in ds:
            owner.setdefault(s, name)
    graph = {n: {owner[s] for s in uses[n] if s in owner and owner[s] != n} for n in objs}
    bad = cycles(graph)
    for comp in bad:
        print("layers: %s: these files call each other in a circle:" % folder)
        for a in comp:
            for b in sorted(graph[a] & set(comp)):
                calls = sorted(s for s in uses[a] if owner.get(s) == b)
                print("    %s -> %s (%s)" % (a, b, ", ".join(calls[:4])))
    if not bad:
        print("layers: %s: %d files, no circle" % (folder, len(objs)))
    return len(bad)


def check_programs(build, root):
    """The programs (core/cli, tui, seeder) call only what the public
    headers, lib.h and base.h, declare, besides their own code."""
    public = set()
    for header in ("lib.h", "base.h"):
        with open(os.path.join(root, "core", header)) as f:
            public |= set(re.findall(r"\b(core_\w+)\s*\(", f.read()))
    core = objects(build, "core")
    core_defs = set()
    for name, path in core.items():
        if name.startswith("cli_"):
            continue
        core_defs |= symbols(path)[0]
    bad = 0
    programs = [(n[:-4], p) for n, p in core.items() if n.startswith("cli_")]
    for folder in ("tui", "seeder"):
        programs += [(folder + "/" + n[:-4], p) for n, p in objects(build, folder).items()]
    for name, path in sorted(programs):
        _, used = symbols(path)
        ok = public
        leak = sorted(s for s in used if s in core_defs and s not in ok)
        if leak:
            bad += 1
            print("layers: %s calls core functions lib.h and base.h do not declare: %s"
                  % (name, ", ".join(leak)))
    if not bad:
        print("layers: programs (core/cli, tui, seeder) call only lib.h and base.h")
    return bad


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    build, root = sys.argv[1], sys.argv[2]
    bad = 0
    for folder in ("core", "tui", "seeder"):
        bad += check_folder(build, folder)
    bad += check_programs(build, root)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
