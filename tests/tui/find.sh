#!/usr/bin/env bash
# Finding text in a long conversation, on a database of its own: a term
# with no older match among the loaded messages loads older pages only up
# to a limit and says so ("no match in the last N messages; n again
# searches further"); n goes on; a conversation opened at an old hit whose
# newer messages are not all loaded never says "all N messages"; a term of
# several words finds the messages that hold each word, in the content or
# in the contact's name, as search does.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_find_$$
fresh_db "$db"
trap 'st=$?; tui_cleanup || st=1; psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1; exit $st' EXIT

# Contact 1: 5,000 messages a minute apart, the oldest the only one with
# "needle"; contact 2 a short conversation, newer, so contact 1 is row 2.
q "insert into contacts (phone_number, name) values ('+15550000001', 'Long Talk'), ('+15550000002', 'Short Talk')"
q "insert into messages (contact_id, direction, content, created_at)
   select 1, case when i % 2 = 0 then 'in' else 'out' end,
          case when i = 5000 then 'the needle is here' else 'line ' || i end,
          now() - interval '1 hour' - make_interval(mins => i)
     from generate_series(1, 5000) i"
q "insert into messages (contact_id, direction, content, created_at)
   values (2, 'in', 'pizza tonight?', now() - interval '10 minutes'),
          (2, 'out', 'pizza later', now() - interval '9 minutes'),
          (2, 'in', 'tonight maybe', now() - interval '8 minutes'),
          (2, 'in', 'hello there', now())"

start_convo -- --db "dbname=$db"
wait_for "2 conversations"
keys j Enter
wait_chat
wait_for "Long Talk"
wait_for "older above"

# 1. Typed, the term is looked for among the loaded messages, then in at
# most 2,000 older ones: the whole conversation is not loaded.
keys /
type_text "needle"
wait_for "2,050 messages loaded"
keys Enter
wait_for "n again searches further"
screen | grep -qE "no match in the last [0-9,]+ messages; n again searches further" ||
    { screen >&2; fail "the note does not say how far it looked"; }
screen | grep -qF "all 5,000 messages" && { screen >&2; fail "the whole conversation was loaded"; }
screen | grep -qF "the needle is here" && { screen >&2; fail "the match showed before n"; }
pass "a term with no match nearby stops after 2,000 older messages and says n goes on"

# 2. n goes on, by another 2,000 at most each time, until the match. The
# note of the first stop stays up while n loads: wait for the new one.
keys n
noted_4k() { screen | grep -qE "no match in the last 4,[0-9]{3} messages; n again searches further"; }
wait_until noted_4k
keys n
wait_for "the needle is here"
wait_for "all 5,000 messages"
pass "n searches further and finds the oldest message"
keys q
wait_for "2 conversations"

# 2b. Two n pressed at once search two shares, not one: from the first
# stop (2,050 loaded) they reach the needle 4,950 messages back.
keys Enter
wait_chat
wait_for "older above"
keys /
type_text "needle"
keys Enter
wait_for "n again searches further"
keys n n
wait_for "the needle is here"
wait_for "all 5,000 messages"
pass "an n pressed while the last one loads adds its share"
keys q
wait_for "2 conversations"

# 3. Opened at the hit (the oldest message) from a search of the list: the
# oldest is loaded, the newer ones are not all; no "all N messages".
keys /
type_text "needle"
keys Enter
wait_for "1 match"
keys Enter
wait_chat
wait_for "the needle is here"
wait_for "newer below"
screen | grep -qE " all [0-9,]+ messages" && { screen >&2; fail "says all messages while newer ones are missing"; }
wait_for "loaded from the oldest"
pass "opened at the oldest message: 'N messages loaded from the oldest · newer below', not 'all'"

# 4. Several words: a message matches when it holds every word, in its
# content or in the contact's name, one at least in the content.
start_convo -- --db "dbname=$db"
wait_for "2 conversations"
keys Enter
wait_chat
wait_for "Short Talk"
keys /
type_text "tonight pizza"
keys Enter
wait_for "match 1 of 1 "
pass "a find of two words matches the one message that holds both, not each word's"
keys /
keys C-u
type_text "short pizza"
keys Enter
wait_for "match 1 of 2 "
keys /
keys C-u
type_text "short"
keys Enter
wait_for "no match"
pass "a word of the contact's name counts with a word in the content, not alone"
