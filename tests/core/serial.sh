#!/usr/bin/env bash
# tests/core/serial.sh CONVO_QUERY_TEST - search's n-gram statements over
# months run in one process (schema 014): they read a few rows through the index, and
# parallel workers cost more to start than those rows cost to read. The
# planner is made as eager for workers as it can be (no setup or tuple
# cost, no minimum size), and auto_explain sends each plan back as a
# notice: no plan of an n-gram statement may hold a Gather. Reads the
# suites' seeded database.
source "$(dirname "$0")/../lib.sh"
query=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

eager="-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0
       -c min_parallel_index_scan_size=0"
explain="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0
         -c auto_explain.log_level=notice"
# plans TERM: the plans of `search TERM` with the n-gram step forced, one
# "Query Text" block each, into $work/plans.
plans() {
    PGOPTIONS="$eager $explain" CONVO_FORCE_STEP=grams "$query" search "$1" --limit 50 \
        >/dev/null 2>"$work/plans" || fail "search '$1' failed: $(head -3 "$work/plans")"
}
# gathers: how many plans of n-gram statements over months hold a Gather.
gathers() {
    awk '/^Query Text:/ { grams = /convo_grams_any\(content/ } grams && /Gather/ { n++ } END { print n + 0 }' \
        "$work/plans"
}

for term in zq '日本' 'l.o' ü; do
    plans "$term"
    grep -q 'convo_grams_any(content' "$work/plans" || fail "'$term': no n-gram statement ran, a weak check"
    [ "$(gathers)" = 0 ] || fail "'$term': an n-gram statement ran with parallel workers"
done
# The settings above do make other plans parallel: otherwise this test
# could not fail.
PGOPTIONS="$eager $explain" CONVO_FORCE_STEP=scan "$query" search zq --limit 50 >/dev/null 2>"$work/plans" \
    || fail "scan search failed"
grep -q Gather "$work/plans" || fail "no plan went parallel under the eager settings, a weak check"
pass "n-gram statements run without parallel workers, scans still may"
