#!/usr/bin/env bash
# tests/core/redact.sh QUERY SEEDER CONVO - a password in a malformed URI or
# conninfo is never printed: not by convo-query -d, convo-seed --db (loading
# or --live), convo
# --db, nor by ./run given it as DATABASE_URL. Each must fail with one line.
QUERY=$1
SEEDER=$2
CONVO=$3
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
set +e
RUN=$TESTS_ROOT/../run
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Each conninfo and the secrets that must not show (raw and decoded).
cases=(
    'postgresql://u:secret@[::1'
    'postgresql://u:sec%ZZret@/db'
    'postgresql://u:s%65cret@[::1'
    'postgres://u:secret@host:notaport/db'
    'postgresql://u:secret@/db?sslmode=bogus%ZZ'
    'postgresql:///db?password=secret%ZZ&host=/nowhere'
    "host=/nonexistent password=secret 'oops"
    "password='secret"
    "password = secret host=/nonexistent port=99999x"
    "dbname=x password='sec\\'ret' = oops"
)
secrets_in() { grep -E -q 'secret|sec%ZZret|ZZret|s%65cret|sec.?.?ret' "$1"; }

checked=0
for ci in "${cases[@]}"; do
    for prog in query seed live convo run; do
        case $prog in
            query) "$QUERY" -d "$ci" recent >/dev/null 2>"$WORK/err" ;;
            seed) "$SEEDER" --db "$ci" --contacts 1 --messages 1 >/dev/null 2>"$WORK/err" ;;
            live) "$SEEDER" --db "$ci" --live 10 --duration 1 >/dev/null 2>"$WORK/err" ;;
            convo) script -qec "$(printf '%q --db %q' "$CONVO" "$ci")" /dev/null </dev/null \
                       >"$WORK/err" 2>&1 ;;
            run) (unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE
                  DATABASE_URL=$ci "$RUN" setup >/dev/null 2>"$WORK/err") ;;
        esac
        rc=$?
        [ $rc != 0 ] || fail "$prog accepted '$ci'"
        if secrets_in "$WORK/err"; then
            fail "$prog printed the password of '$ci': $(cat "$WORK/err")"
        fi
        [ -s "$WORK/err" ] || fail "$prog said nothing for '$ci'"
        checked=$((checked + 1))
    done
done
pass "$checked malformed conninfos x {convo-query, convo-seed, convo-seed --live, convo, ./run}: failed, no password shown"
