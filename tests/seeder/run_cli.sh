#!/usr/bin/env bash
# tests/seeder/run_cli.sh LIB - ./run after `eval "$(./run env)"` and
# `./run stop` recognises its own socket and starts its cluster again, and
# `./run setup` with seed options on a database holding data exits non-zero.
# Stops the shared cluster for a moment, so it runs alone.
source "$1"
set +e
RUN=$TESTS_ROOT/../run
DB=convo_run_cli_$$
WORK=$(mktemp -d)
cleanup() {
    "$RUN" start >/dev/null 2>&1
    psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

eval "$("$RUN" env)"
export PGHOST PGPORT PGDATABASE PGUSER
"$RUN" stop 2>/dev/null || fail "./run stop failed"
CONVO_DB_NAME=$DB "$RUN" setup --contacts 10 --messages 100 --seed 1 >/dev/null 2>"$WORK/err" \
    || fail "./run setup with our own PGHOST after ./run stop: $(tail -n 3 "$WORK/err")"
[ "$(psql -X -d "$DB" -Atc 'select count(*) from contacts')" = 10 ] \
    || fail "./run setup did not seed its own cluster"
pass "./run setup after eval \"\$(./run env)\" and ./run stop starts its own cluster again"

CONVO_DB_NAME=$DB "$RUN" setup --contacts 20 --messages 200 >/dev/null 2>"$WORK/err" \
    && fail "./run setup with seed options on a database holding data exited 0"
grep -q -- "add --reset" "$WORK/err" || fail "no hint to add --reset: $(cat "$WORK/err")"
[ "$(psql -X -d "$DB" -Atc 'select count(*) from contacts')" = 10 ] || fail "the data changed"
pass "./run setup with seed options on a database holding data: 'add --reset', exit 1"
