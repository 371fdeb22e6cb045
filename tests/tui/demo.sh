#!/usr/bin/env bash
# ./run demo's tour (screenshots/demo.sh), fast and with nobody watching, on
# a database of its own: it runs to its summary with figures of every kind,
# its reply and live messages really were written, and it leaves the data
# as it found it (rows, pointers).
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1; exit $st' EXIT
fresh_db "convo_tui_demo_$$"
"$CONVO_SEED" --contacts 300 --messages 6000 --seed 7 >/dev/null 2>"$tmp/seed.err" \
    || fail "seed: $(cat "$tmp/seed.err")"
before=$(q "select md5(string_agg(id::text || created_at::text, ',' order by id)) from messages")
contacts=$(q "select count(*) from contacts")

CONVO_BUILD=$(dirname "$(dirname "$CONVO_BIN")") CONVO_BIN=$CONVO_BIN CONVO_SEED=$CONVO_SEED \
    timeout 300 "$TUI_DIR/../../screenshots/demo.sh" --pace 0.1 --no-attach >"$tmp/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "the tour exited $rc: $(tail -n 20 "$tmp/out")"
for want in "keystroke to screen" "search keystroke to complete page" "commit to screen, list" "naive query"; do
    grep -qF "$want" "$tmp/out" || fail "the summary lacks '$want': $(cat "$tmp/out")"
done
grep -E "keystroke to screen .* ms \(n=[0-9]+\)" "$tmp/out" >/dev/null || fail "no keystroke figures: $(cat "$tmp/out")"
grep -E "search keystroke to complete page .* ms \(n=[0-9]+\)" "$tmp/out" >/dev/null || fail "no search figures"
grep -E "removed what the tour wrote: [1-9][0-9]* live messages, 1 reply" "$tmp/out" >/dev/null \
    || fail "the tour did not write (and remove) live messages and its reply: $(grep demo: "$tmp/out")"
pass "the tour runs to its summary, writing live messages and a reply"

[ "$(q "select md5(string_agg(id::text || created_at::text, ',' order by id)) from messages")" = "$before" ] \
    || fail "the tour left messages behind or took some away"
[ "$(q "select count(*) from contacts")" = "$contacts" ] || fail "the tour left contacts behind"
[ "$(stale_pointers)" = 0 ] || fail "$(stale_pointers) pointers are stale after the tour"
pass "the data is as before the tour (messages, contacts, pointers)"
