#!/usr/bin/env bash
# The reply box edits as readline does (Left/Right, Ctrl-A/E/B/F,
# Ctrl-K/U/W, Delete) with the cursor where the edit happens; near the
# limit it counts what is left; a paste past the limit is not taken, said
# so, and not sent until edited; a reply within it is sent whole.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_reply_$$
fresh_db "$db"
q "insert into contacts (phone_number, name) values ('+15550000001', 'Reply Test')" >/dev/null
q "insert into messages (contact_id, direction, content, created_at)
   values (1, 'in', 'hello there', now() - interval '1 hour')" >/dev/null
messages() { q "select count(*) from messages"; }
reply_line() { screen | grep -m1 '^reply:' || true; }
# reply_is TEXT: the box line is "reply: TEXT" and blanks.
reply_is() {
    local l
    l=$(reply_line)
    l=${l%"${l##*[! ]}"}
    [ "$l" = "reply: $1" ]
}
expect_reply() {
    local deadline=$((SECONDS + TUI_TIMEOUT))
    until reply_is "$1"; do
        [ $SECONDS -ge $deadline ] && fail "$2: the box shows '$(reply_line)', expected 'reply: $1'"
        sleep 0.05
    done
}

start_convo
wait_for "conversations"
keys Enter
wait_chat
keys r
wait_for "reply:"
type_text "hello world"
expect_reply "hello world" "typed"
# (Home and End are Ctrl-A and Ctrl-E here: tmux sends them in a form
# the pane's terminfo does not name.)
keys C-a
type_text ">> "
expect_reply ">> hello world" "Ctrl-A, then typed"
keys C-e
type_text "!"
expect_reply ">> hello world!" "Ctrl-E, then typed"
keys Left Left Left Left Left Left BSpace
expect_reply ">> helloworld!" "Left x6, Backspace"
type_text " big "
expect_reply ">> hello big world!" "typed in the middle"
keys C-a DC DC DC
expect_reply "hello big world!" "Ctrl-A, Delete x3"
keys C-e C-w
expect_reply "hello big" "Ctrl-E, Ctrl-W"
keys C-a C-f C-f C-f C-f C-f C-k
expect_reply "hello" "Ctrl-A, Ctrl-F x5, Ctrl-K"
pass "the reply box edits at the cursor as readline does"

# A paste longer than a reply may be: 4,200 characters.
keys C-u
long=$(printf 'x%.0s' $(seq 4200))
type_text "$long"
wait_for "not taken"
screen | grep -qF "a reply holds at most 4,096 characters: 104 not taken" \
    || fail "no word of the cut: $(screen | tail -n 2)"
screen | grep -q " 0 left" || fail "no count of what is left: $(reply_line | tail -c 40)"
before=$(messages)
keys Enter
sleep 1
[ "$(messages)" = "$before" ] || fail "a cut reply was sent"
screen | grep -q '^reply:' || fail "the box closed on a cut reply"
pass "a paste past 4,096 characters: 104 not taken, said so, counted, not sent"

keys C-u
type_text "see you at seven"
keys Enter
wait_for "see you at seven"
wait_until bash -c "[ \"\$(psql -X -At -c \"select count(*) from messages where content = 'see you at seven'\")\" = 1 ]" \
    || fail "the edited reply was not stored"
pass "after editing, a reply within the limit is sent whole"
