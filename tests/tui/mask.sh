#!/usr/bin/env bash
# convo --mask (and CONVO_MASK=1): no phone number or name of the
# conversations on screen appears in the list, in the opened conversation's
# header, or in a search by a contact's real name, which still finds it;
# phones show "+CC •••• ••••NN", names initials; Y copies nothing and says so.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 20 >"$tmp/recent" || fail "convo-query recent failed"
json_rows "$tmp/recent" >"$tmp/rows"
[ -s "$tmp/rows" ] || fail "no rows in convo-query recent"

# no_real_values: none of the first rows' phones or (multi-letter) names on
# screen, except in the term the user typed (the title and the search box).
no_real_values() {
    local phone name shown
    shown=$(screen | sed '1d;$d')
    while IFS=$'\t' read -r phone name _; do
        [[ "$shown" == *"$phone"* ]] && fail "a real phone number is on screen: $phone"
        if [ "$name" != "?" ] && [ "$name" != "(no name)" ] && [ ${#name} -ge 4 ] && [[ "$shown" == *"$name"* ]]; then
            fail "a real name is on screen: $name"
        fi
    done <"$tmp/rows"
    return 0
}

for how in flag env; do
    if [ $how = flag ]; then start_convo -- --mask; else start_convo CONVO_MASK=1; fi
    wait_for "conversations, more"
    no_real_values
    screen | grep -qE '\+[0-9]{1,3} •••• ••••[0-9]{2}' || fail "no masked phone on screen ($how)"
    screen | grep -qE '\b[[:upper:]]\. [[:upper:]]\.' || fail "no initials on screen ($how)"
    tm kill-server >/dev/null 2>&1
done
pass "the list shows masked phones and initials, no real value (--mask and CONVO_MASK=1)"

# Search by a real name still finds the contact; the name stays masked.
name=$(awk -F'\t' '$2 ~ /^[A-Za-z]+ [A-Za-z]+$/ { print $2; exit }' "$tmp/rows")
[ -n "$name" ] || fail "no plain two-word name among the recent rows"
first=${name%% *}
start_convo -- --mask
wait_for "conversations, more"
keys /
type_text "$name"
wait_for "convo · search"
no_real_values
initials="${name:0:1}. ${name#* }"; initials="${initials:0:4}."
screen | grep -qF -- "$initials" || fail "searching '$name' does not show its initials '$initials'"
pass "searching a real name finds it, shown as '$initials'"

keys Escape
wait_for "conversations, more"
keys Enter
wait_chat
line 0 | grep -qF -- "•••• ••••" || fail "the conversation header shows no masked phone: $(line 0)"
no_real_values
keys Y
wait_for "masked: nothing copied"
pass "the opened conversation is masked; Y copies nothing and says so"
