#!/usr/bin/env bash
# A message full of escape sequences, control characters, bidi overrides,
# emoji and CJK: shown visibly and harmlessly, columns aligned. Uses its own
# database (the shared test database is read-only), chosen with --db.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_escapes_$$
test_db=$PGDATABASE
fresh_db "$db"
cleanup() {
    local st=$?
    tui_cleanup || st=1
    psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
    exit $st
}
trap cleanup EXIT

q "insert into contacts (phone_number, name) values
     ('+15550000001', E'Evil \x1b[31mRed\x1b[0m'),
     ('+15550000002', '王小明 😀 Ünïcode'),
     ('+15550000003', 'Plain Person')"
q "insert into messages (contact_id, direction, content, created_at)
   select id, 'in', E'\x1b[2J\x1b[HCLEARED \x1b]0;pwned\x07 bell \x08 back \u009b31m c1 \u202eevil\u202c end', now() - interval '1 minute'
     from contacts where phone_number = '+15550000001'"
q "insert into messages (contact_id, direction, content, created_at)
   select id, 'out', E'emoji 😀🎉👍🏽 and 日本語のテキスト and e\u0301 combining\nsecond line', now() - interval '2 minutes'
     from contacts where phone_number = '+15550000002'"
q "insert into messages (contact_id, direction, content, created_at)
   select id, 'in', 'plain text', now() - interval '3 minutes'
     from contacts where phone_number = '+15550000003'"

# PGDATABASE names the shared database: --db must win.
start_convo "PGDATABASE=$test_db" -- --db "dbname=$db"
wait_for "3 conversations"
s=$(screen)
grep -qF '^[[31mRed' <<<"$s" || fail "escape in a name not made visible"
grep -qF '^[[2J^[[HCLEARED ^[]0;pwned^G' <<<"$s" || fail "escape sequences in a message not made visible"
grep -qF 'Plain Person' <<<"$s" || fail "screen was cleared by a message"
title=$(tm display -p -t 0 '#{pane_title}')
[[ "$title" != *pwned* ]] || fail "the message set the terminal title"
pass "escape sequences shown, not obeyed"

# y copies what the screen shows: the escapes made visible, never the raw
# control characters (a paste would run them), and says they were.
tm set -s set-clipboard on
keys y
wait_for "copied the message"
buf=$(tm show-buffer)
want=$'^[[2J^[[HCLEARED ^[]0;pwned^G bell ^H back <9b>31m c1 <U+202E>evil<U+202C> end'
[ "$buf" = "$want" ] || fail "y copied [$(printf '%q' "$buf")], want [$want]"
screen | grep -qF "shown as text" || { screen >&2; fail "the copy did not say control characters were shown as text"; }
pass "y copies a message's escapes made visible, as the screen shows them"

# Every row ends at the same column whatever its characters.
widths=$(screen | sed -n 3,5p | wc -L)
for n in 3 4 5; do
    w=$(screen | sed -n "${n}p" | wc -L)
    [ "$w" = $((TUI_W - 1)) ] || { screen >&2; fail "row $n is $w columns wide, not $((TUI_W - 1))"; }
done
line 3 | grep -qF '王小明 😀' || fail "wide characters missing"
line 3 | grep -qF '😀🎉👍' || fail "emoji missing"
pass "wide characters and emoji keep the columns aligned"

# The conversation view shows the rest of the message, safely.
keys Enter
wait_chat
wait_for "start of the conversation"
s=$(screen)
grep -qF '^G bell ^H back <9b>31m c1 <U+202E>evil<U+202C>' <<<"$s" || { echo "$s" >&2; fail "controls not visible in the conversation"; }
keys q
wait_for "3 conversations"
keys j
wait_for "row 2"
keys Enter
wait_chat
wait_for "second line"
screen | grep -qF 'combining' || fail "combining text lost"
pass "conversation view shows controls visibly"
