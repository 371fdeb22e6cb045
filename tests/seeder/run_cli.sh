#!/usr/bin/env bash
# tests/seeder/run_cli.sh LIB - ./run on its own cluster's socket: after
# `eval "$(./run env)"` and `./run stop` it starts the cluster again, uses the
# database PGDATABASE names (created when missing, --reset replacing that one
# only), refuses seed options on a database holding data, answers a mistake
# on its command line with exit 2, and never prints the password of a
# malformed DATABASE_URL. Stops the shared cluster for a moment, so it runs
# alone.
source "$1"
set +e
RUN=$TESTS_ROOT/../run
DB=convo_run_cli_$$
OTHER=convo_run_cli_other_$$
WORK=$(mktemp -d)
cleanup() {
    "$RUN" start >/dev/null 2>&1
    for d in "$DB" "$OTHER"; do
        psql -X -q -d postgres -c "drop database if exists \"$d\" with (force)" >/dev/null 2>&1
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

eval "$("$RUN" env)"
export PGHOST PGPORT PGDATABASE PGUSER
count() { psql -X -d "$1" -Atc 'select count(*) from contacts'; }
"$RUN" stop 2>/dev/null || fail "./run stop failed"
PGDATABASE=$DB "$RUN" setup --contacts 10 --messages 100 --seed 1 >/dev/null 2>"$WORK/err" \
    || fail "./run setup with our own PGHOST after ./run stop: $(tail -n 3 "$WORK/err")"
[ "$(count "$DB")" = 10 ] || fail "./run setup did not seed the database PGDATABASE named"
grep -q "creating the database $DB" "$WORK/err" || fail "no word of creating $DB: $(cat "$WORK/err")"
pass "./run setup after eval \"\$(./run env)\" and ./run stop starts its own cluster and creates PGDATABASE"

before=$(count "$PGDATABASE")
PGDATABASE=$OTHER "$RUN" setup --contacts 5 --messages 50 --seed 2 >/dev/null 2>"$WORK/err" \
    || fail "./run setup of a second database: $(tail -n 3 "$WORK/err")"
PGDATABASE=$OTHER "$RUN" setup --reset --contacts 7 --messages 70 --seed 3 >/dev/null 2>"$WORK/err" \
    || fail "./run setup --reset of the second database: $(tail -n 3 "$WORK/err")"
[ "$(count "$OTHER")" = 7 ] || fail "--reset did not replace $OTHER's data"
[ "$(count "$DB")" = 10 ] || fail "--reset of $OTHER changed $DB"
[ "$(count "$PGDATABASE")" = "$before" ] || fail "--reset of $OTHER changed $PGDATABASE"
pass "PGDATABASE on the embedded socket: setup and --reset touch that database only"

PGDATABASE=$DB "$RUN" setup --contacts 20 --messages 200 >/dev/null 2>"$WORK/err" \
    && fail "./run setup with seed options on a database holding data exited 0"
grep -q -- "add --reset" "$WORK/err" || fail "no hint to add --reset: $(cat "$WORK/err")"
[ "$(count "$DB")" = 10 ] || fail "the data changed"
pass "./run setup with seed options on a database holding data: 'add --reset', exit 1"

for args in "stop extra" "maintain extra" "start extra" "setup --bogus" "setup --contacts" \
            "replica stop extra" "env nowhere"; do
    # shellcheck disable=SC2086
    "$RUN" $args >/dev/null 2>"$WORK/err"
    rc=$?
    [ $rc = 2 ] || fail "./run $args: exit $rc, expected 2 ($(cat "$WORK/err"))"
    grep -q "^run: error: " "$WORK/err" || fail "./run $args: no error line: $(cat "$WORK/err")"
done
pass "./run verbs with wrong arguments: one error line, exit 2"

for verb in maintain psql setup; do
    env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER \
        DATABASE_URL='postgresql://convo:s3cretpw@localhost:5432/x?sslmode=bogus' \
        "$RUN" $verb </dev/null >"$WORK/out" 2>&1
    rc=$?
    [ $rc != 0 ] || fail "./run $verb with a malformed DATABASE_URL exited 0"
    grep -q s3cretpw "$WORK/out" && fail "./run $verb printed the password: $(cat "$WORK/out")"
done
pass "./run maintain, psql and setup with a malformed DATABASE_URL: no password printed"
