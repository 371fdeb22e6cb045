#!/usr/bin/env python3
"""core/bench/corpus.py - a corpus of real-length message bodies for --csv.

message_content.csv is not shipped, and the generator's text is its own. To
measure search on text of the real file's shape without it, this writes
lines in that file's format (no header, CRLF, a field quoted exactly when it
holds a comma, inner quotes doubled, otherwise a leading space) with its
length distribution (mean about 102 characters, median about 95, longest
about 700), cut from English prose already on a Debian machine: the
documentation under /usr/share/doc (changelogs, copyright files, READMEs),
which brings names, e-mail addresses, version numbers, URLs and words glued
to punctuation. Deterministic for a given --seed and machine.

    core/bench/corpus.py --lines 190000 > corpus.csv
    convo-seed --reset --csv corpus.csv
"""
import argparse
import gzip
import math
import os
import random
import re
import sys


def texts(root):
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            if os.path.islink(p):
                continue
            try:
                if f.endswith(".gz"):
                    with gzip.open(p, "rb") as fh:
                        data = fh.read(2_000_000)
                elif "." not in f or f.endswith((".txt", ".md", ".rst")):
                    with open(p, "rb") as fh:
                        data = fh.read(2_000_000)
                else:
                    continue
            except OSError:
                continue
            if b"\0" in data:
                continue
            yield data.decode("utf-8", "replace").replace("\ufffd", "")


def words(root):
    for t in texts(root):
        for w in re.split(r"\s+", t):
            if w and not set(w) <= set("-=*#~_+|/"):
                yield w


def length(rng):
    if rng.random() < 0.012:
        return int(200 + 480 * rng.random() ** 1.6)
    return max(2, min(660, int(80 * math.exp(0.42 * rng.gauss(0, 1)))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=190000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--root", default="/usr/share/doc")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = sys.stdout.buffer
    n, line, want = 0, [], length(rng)
    while n < a.lines:
        for w in words(a.root):
            line.append(w)
            if sum(len(x) + 1 for x in line) - 1 < want:
                continue
            body = " ".join(line)
            line, want = [], length(rng)
            if "," in body:
                field = '"' + body.replace('"', '""') + '"'
            else:
                field = " " + body
            out.write(field.encode() + b"\r\n")
            n += 1
            if n >= a.lines:
                break


if __name__ == "__main__":
    main()
