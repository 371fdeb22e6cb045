#!/usr/bin/env python3
"""tests/bench/growth.py - how convo's costs grow with the data.

Seeds 5M, 20M and 50M messages (100k, 400k and 1M contacts: 50 messages per
contact, as the default data set) into separate databases of the embedded
cluster, runs convo-bench on each (warm), then restarts the cluster, drops
the OS page cache where the machine allows and times the first calls (cold).
Prints one table (seed time per phase, table and index sizes, recent page
1 / deep / last, search p99 per term class) and draws it with gnuplot.

    tests/bench/growth.py                     5M, 20M and 50M
    tests/bench/growth.py --sizes 5M,20M      some sizes only
    tests/bench/growth.py --reuse             keep databases already seeded
    tests/bench/growth.py --drop              drop the growth databases after

Results go to build/growth/ (growth.md, growth.tsv, growth.png, one log per
size); --out DIR moves them. Long: about 1 minute per million messages on
2 cores. Uses ./run (start, stop, setup) and the release build in build/.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CONVO_BUILD", os.path.join(ROOT, "build"))
RUN = os.path.join(ROOT, "run")
CLASSES = ["common", "mid", "rare", "absent", "short", "special", "nonascii",
           "phone", "name", "typed"]
COLD_TERMS = ["the", "pizza", "zebra"]
TERMS = os.path.join(ROOT, "core", "bench", "terms.txt")


def say(msg):
    print("growth: " + msg, file=sys.stderr, flush=True)


def parse_size(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text)
    if not m:
        sys.exit("growth: error: size %r is not like 5M or 500k" % text)
    mult = {"": 1, "k": 1000, "K": 1000, "m": 10**6, "M": 10**6}[m.group(2)]
    return int(float(m.group(1)) * mult)


def embedded_env(db):
    """The environment of ./run env, pointed at database db."""
    out = subprocess.run([RUN, "env"], check=True, capture_output=True, text=True).stdout
    env = dict(os.environ)
    for k in ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
              "PGSERVICE"):
        env.pop(k, None)
    for part in out.replace("export ", "").split():
        k, _, v = part.partition("=")
        env[k] = v.strip("'")
    env["PGDATABASE"] = db
    env["CONVO_DB_NAME"] = db
    return env


def psql(env, sql, db=None):
    cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if db:
        cmd[1:1] = ["-d", db]
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def message_count(env):
    try:
        return int(psql(env, "select count(*) from messages"))
    except (subprocess.CalledProcessError, ValueError):
        return -1


def seed(env, contacts, messages, log):
    """Seeds through ./run setup; returns {phase: seconds} and the total."""
    psql(env, 'drop database if exists "%s" with (force)' % env["PGDATABASE"], db="postgres")
    # ./run creates the database named by CONVO_DB_NAME only when no PG*
    # variable points elsewhere.
    run_env = {k: v for k, v in env.items() if not k.startswith("PG")}
    t0 = time.monotonic()
    with open(log, "w") as f:
        subprocess.run([RUN, "setup", "--contacts", str(contacts), "--messages",
                        str(messages), "--seed", "1"], env=run_env, check=True, stdout=f,
                       stderr=subprocess.STDOUT)
    total = time.monotonic() - t0
    return total


def seed_phases(log):
    """Phase times from the seeder's summary ('time per phase')."""
    phases, inside, done = {}, False, None
    with open(log) as f:
        for line in f:
            m = re.match(r"convo-seed: done in ([0-9.]+) s", line)
            if m:
                done = float(m.group(1))
            if "time per phase" in line:
                inside = True
                continue
            if inside:
                m = re.match(r"\s{4}(\S.*?)\s+([0-9.]+) s\b", line)
                if not m:
                    if line.strip():
                        inside = False
                    continue
                phases[m.group(1)] = float(m.group(2))
    return phases, done


def sizes(env):
    sql = """
    with t as (
      select 'messages' as tab, relid from pg_partition_tree('messages') where isleaf
      union all select 'contacts', 'contacts'::regclass)
    select tab, sum(pg_table_size(relid)), sum(pg_indexes_size(relid)),
           pg_database_size(current_database())
      from t group by tab order by tab"""
    out = {}
    for line in psql(env, sql).splitlines():
        tab, table, index, db = line.split("|")
        out[tab + " table"] = int(table)
        out[tab + " indexes"] = int(index)
        out["database"] = int(db)
    return out


def bench_rows(text):
    """convo-bench's table as (kind, query, p50, p99, first)."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 8 or cells[1] in ("case", "") or cells[1].startswith("-"):
            continue
        try:
            first = float(cells[6]) if cells[6] != "-" else None
            rows.append((cells[1], cells[2], float(cells[3]), float(cells[4]), first))
        except ValueError:
            continue
    return rows


def summarize_bench(rows):
    out = {}
    recent = [r for r in rows if r[0] == "recent"]
    if recent:
        out["recent page 1"] = recent[0]
        deep = [r for r in recent if r[1].startswith("page ") and "(last)" not in r[1]]
        out["recent deep"] = deep[-1] if deep else recent[0]
        out["recent last"] = recent[-1]
    for c in CLASSES:
        mine = [r for r in rows if r[0] == c]
        if mine:
            worst = max(mine, key=lambda r: r[3])
            firsts = [r[4] for r in mine if r[4] is not None]
            out["search " + c] = (c, worst[1], None, worst[3], max(firsts) if firsts else None)
    return out


def bench_terms(env, runs, path):
    """convo-bench over every term of core/bench/terms.txt: the worst p99 of a
    complete first page and of the first answer, with the terms they were."""
    cmd = [os.path.join(BUILD, "core", "convo-bench"), "--no-naive", "--runs", str(runs),
           "--terms", TERMS, "--json"]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    with open(path, "w") as f:
        f.write(res.stdout)
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    rows = [r for r in rows if r.get("kind") == "terms"]
    if not rows:
        return None
    worst = max(rows, key=lambda r: r["p99_ms"])
    firsts = [r for r in rows if r.get("first_p99_ms") is not None]
    first = max(firsts, key=lambda r: r["first_p99_ms"]) if firsts else None
    over = sum(1 for r in rows if r["p99_ms"] > 100)
    return {"count": len(rows), "worst": (worst["term"], worst["p99_ms"]),
            "first": (first["term"], first["first_p99_ms"]) if first else None,
            "over_100ms": over, "median_p99": sorted(r["p99_ms"] for r in rows)[len(rows) // 2]}


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def cold(env):
    """Restart, drop the page cache, then single first calls."""
    subprocess.run([RUN, "stop"], env=env, check=True, capture_output=True)
    dropped = drop_caches()
    subprocess.run([RUN, "start"], env=env, check=True, capture_output=True)
    query = os.path.join(BUILD, "core", "convo-query")
    out = {}
    calls = [("recent page 1", ["recent"])] + [("search \"%s\"" % t, ["search", t])
                                               for t in COLD_TERMS]
    for label, args in calls:
        t0 = time.monotonic()
        res = subprocess.run([query] + args, env=env, check=True, capture_output=True, text=True)
        wall = (time.monotonic() - t0) * 1000
        out[label] = (json.loads(res.stdout).get("elapsed_ms", wall), wall)
    return out, dropped


def human_bytes(n):
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return "%.0f %s" % (n, unit) if unit in ("B", "kB") else "%.2f %s" % (n, unit)
        n /= 1024.0


def fmt(v, digits=2):
    return "-" if v is None else ("%.*f" % (digits, v))


def table(results):
    labels = [r["label"] for r in results]
    lines = ["| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]

    def add(name, values):
        lines.append("| %s | %s |" % (name, " | ".join(values)))

    add("contacts / messages", ["%d / %d" % (r["contacts"], r["messages"]) for r in results])
    add("convo-bench", [r.get("bench_args", "") for r in results])
    add("seed, total (s)", [fmt(r["seed_done"], 1) for r in results])
    phases = []
    for r in results:
        for p in r["phases"]:
            if p not in phases:
                phases.append(p)
    for p in phases:
        add("seed: " + p + " (s)", [fmt(r["phases"].get(p), 1) for r in results])
    for key in ("messages table", "messages indexes", "contacts table", "contacts indexes",
                "database"):
        add(key, [human_bytes(r["sizes"][key]) for r in results])
    for key in ("recent page 1", "recent deep", "recent last"):
        add(key + " p50 / p99 (ms)",
            ["%s / %s (%s)" % (fmt(r["bench"][key][2]), fmt(r["bench"][key][3]), r["bench"][key][1])
             if key in r["bench"] else "-" for r in results])
    for c in CLASSES:
        key = "search " + c
        add("search %s: worst p99 / first answer p99 (ms)" % c,
            ["%s / %s (%s)" % (fmt(r["bench"][key][3], 1), fmt(r["bench"][key][4]),
                               r["bench"][key][1]) if key in r["bench"] else "-"
             for r in results])
    def terms_cell(r):
        t = r.get("terms")
        if not t:
            return "-"
        return "%.1f (\"%s\") / %.1f / %d of %d" % (t["worst"][1], t["worst"][0], t["median_p99"],
                                                   t["over_100ms"], t["count"])
    add("all terms.txt: worst p99 / median p99 (ms) / over 100 ms",
        [terms_cell(r) for r in results])
    for key in ["recent page 1"] + ["search \"%s\"" % t for t in COLD_TERMS]:
        add("cold: " + key + " (ms, in core / process)",
            ["%s / %s" % (fmt(r["cold"][key][0], 1), fmt(r["cold"][key][1], 0))
             if key in r["cold"] else "-" for r in results])
    return "\n".join(lines)


def write_tsv(results, path):
    cols = ["messages", "seed_s", "recent1_p99", "recentdeep_p99", "recentlast_p99"] + \
           ["%s_p99" % c for c in CLASSES] + ["cold_recent1", "cold_search_worst", "seed_linear_s"]
    with open(path, "w") as f:
        f.write("# " + "\t".join(cols) + "\n")
        for r in results:
            b = r["bench"]
            v = [r["messages"], r["seed_done"] or 0]
            v += [b[k][3] if k in b else "NaN" for k in ("recent page 1", "recent deep",
                                                          "recent last")]
            v += [b["search " + c][3] if "search " + c in b else "NaN" for c in CLASSES]
            colds = [r["cold"][k][0] for k in r["cold"] if k.startswith("search")]
            v += [r["cold"].get("recent page 1", ("NaN",))[0], max(colds) if colds else "NaN"]
            first = results[0]
            v += [(first["seed_done"] or 0) * r["messages"] / first["messages"]]
            f.write("\t".join(str(x) for x in v) + "\n")


def plot(tsv, png):
    if not shutil.which("gnuplot"):
        say("gnuplot missing: installing gnuplot-nox")
        subprocess.run(["apt-get", "-y", "-q", "install", "--no-install-recommends",
                        "gnuplot-nox"], check=False, capture_output=True)
    if not shutil.which("gnuplot"):
        say("no gnuplot: %s not drawn" % png)
        return
    script = """
set terminal pngcairo size 1200,640 font ",10"
set output '%(png)s'
set multiplot layout 1,2 title "convo: cost against data size (2 cores, PostgreSQL 15)"
set datafile separator "\\t"
set key outside bottom center horizontal maxrows 4 font ",9"
set grid
set xlabel "messages (millions)"
set logscale y
set ylabel "p99 ms (log scale)"
set title "latency, warm cache"
plot '%(tsv)s' using ($1/1e6):3 w lp lw 2 t 'recent page 1', \\
     '' using ($1/1e6):4 w lp lw 2 t 'recent deep page', \\
     '' using ($1/1e6):5 w lp lw 2 t 'recent last page', \\
     '' using ($1/1e6):6 w lp t 'search common', \\
     '' using ($1/1e6):7 w lp t 'search mid', \\
     '' using ($1/1e6):8 w lp t 'search rare', \\
     '' using ($1/1e6):9 w lp t 'search absent', \\
     '' using ($1/1e6):10 w lp t 'search short', \\
     '' using ($1/1e6):17 w lp dt 2 t 'cold: worst first search', \\
     100 w l dt 3 lc rgb 'red' t 'search goal 100 ms', \\
     2 w l dt 3 lc rgb 'blue' t 'recent goal 2 ms'
unset logscale y
set ylabel "seconds"
set title "seed time (convo-seed, all phases)"
set yrange [0:*]
plot '%(tsv)s' using ($1/1e6):2 w lp lw 2 t 'seed', \\
     '' using ($1/1e6):18 w l dt 2 t 'linear from the smallest size'
unset multiplot
""" % {"png": png, "tsv": tsv}
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5M,20M,50M")
    ap.add_argument("--runs", type=int, default=20, help="convo-bench --runs (default 20)")
    ap.add_argument("--reuse", action="store_true", help="keep a database already seeded")
    ap.add_argument("--drop", action="store_true", help="drop each database when measured")
    ap.add_argument("--quick", action="store_true",
                    help="convo-bench --quick (a third of the search cases)")
    ap.add_argument("--recent-only", action="store_true",
                    help="convo-bench --recent-only (no search cases: the largest sizes)")
    ap.add_argument("--out", default=os.path.join(BUILD, "growth"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subprocess.run([RUN, "start"], check=True)
    # Sizes measured by an earlier run stay in the table unless measured again.
    results = []
    saved = os.path.join(args.out, "results.json")
    if os.path.exists(saved):
        with open(saved) as f:
            results = json.load(f)
    for text in args.sizes.split(","):
        messages = parse_size(text)
        contacts = max(messages // 50, 1)
        label = text.upper()
        env = embedded_env("convo_growth_" + label.lower().replace(".", "_"))
        log = os.path.join(args.out, "seed-%s.log" % label)
        r = {"label": label, "messages": messages, "contacts": contacts}
        if args.reuse and message_count(env) == messages and os.path.exists(log):
            say("%s: reusing %s" % (label, env["PGDATABASE"]))
        else:
            say("%s: seeding %d contacts, %d messages into %s" % (label, contacts, messages,
                                                                  env["PGDATABASE"]))
            seed(env, contacts, messages, log)
        r["phases"], r["seed_done"] = seed_phases(log)
        r["sizes"] = sizes(env)
        say("%s: convo-bench --runs %d (warm)" % (label, args.runs))
        cmd = [os.path.join(BUILD, "core", "convo-bench"), "--no-naive", "--runs", str(args.runs)]
        cmd += (["--quick"] if args.quick else []) + (["--recent-only"] if args.recent_only else [])
        bench = subprocess.run(cmd, env=env, capture_output=True, text=True)
        r["bench_args"] = " ".join(cmd[1:])
        with open(os.path.join(args.out, "bench-%s.txt" % label), "w") as f:
            f.write(bench.stdout + bench.stderr)
        r["bench"] = summarize_bench(bench_rows(bench.stdout))
        if not args.recent_only:
            say("%s: convo-bench --terms %s (warm)" % (label, TERMS))
            r["terms"] = bench_terms(env, args.runs, os.path.join(args.out, "terms-%s.json" % label))
        say("%s: cold cache (restart, drop the OS page cache, first calls)" % label)
        r["cold"], dropped = cold(env)
        r["dropped"] = dropped
        if args.drop:
            psql(env, 'drop database if exists "%s" with (force)' % env["PGDATABASE"],
                 db="postgres")
        results = [x for x in results if x["label"] != label] + [r]
        results.sort(key=lambda x: x["messages"])
        md = table(results)
        with open(os.path.join(args.out, "growth.md"), "w") as f:
            f.write(md + "\n")
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        tsv = os.path.join(args.out, "growth.tsv")
        write_tsv(results, tsv)
        plot(tsv, os.path.join(args.out, "growth.png"))
    print(table(results))
    if not all(r["dropped"] for r in results):
        print("\ncold: the OS page cache could not be dropped here (not root, or a"
              " container); cold = cluster restarted only")
    else:
        print("\ncold: cluster restarted and the OS page cache dropped before the first calls")
    say("wrote %s/growth.md, growth.tsv, growth.png" % args.out)


if __name__ == "__main__":
    main()
