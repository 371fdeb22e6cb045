#!/usr/bin/env bash
# Live search: a term typed key by key (and corrected with Backspace) shows
# the rows of `convo-query search TERM`, with the matches highlighted; the
# box keeps letters as text; Enter keeps the filter, Esc clears it.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 50 >"$tmp/recent" || fail "convo-query recent failed"

# A word that occurs in the data: the first word of 4+ letters in the
# recent messages.
term=$(json_rows "$tmp/recent" | cut -f3 | grep -oE '[A-Za-z]{4,}' | head -n 1 | tr 'A-Z' 'a-z' || true)
[ -n "$term" ] || term=have
"$CONVO_QUERY" search "$term" --limit 50 >"$tmp/full" || fail "convo-query search failed"
short=${term%?}
"$CONVO_QUERY" search "$short" --limit 50 >"$tmp/short" || fail "convo-query search failed"

start_convo
wait_for "conversations, more"
keys /
# Key by key, as a person types.
for ((i = 0; i < ${#term}; i++)); do
    type_text "${term:i:1}"
    sleep 0.03
done
wait_for "/$term"
wait_for "convo · search"
check_rows "$tmp/full" 1 "rows for '$term' differ from convo-query search"
pass "typed '$term' key by key: rows equal convo-query search"

# The match is highlighted: an attribute change right before it, in every
# row whose visible text shows the term.
hits=0
for n in $(seq 3 $((TUI_H - 2))); do
    plain=$(screen | sed -n "${n}p")
    [[ "${plain,,}" == *"$term"* ]] || continue
    esc=$(tm capture-pane -p -e -t 0 | sed -n "${n}p")
    printf '%s' "$esc" | grep -qiP "\x1b\[[0-9;]*m$term" || fail "no highlight before '$term' in: $esc"
    hits=$((hits + 1))
done
pass "matches highlighted ($hits rows)"

# A match past the width shows as an excerpt: "…" shortly before the
# highlighted match. A word from the far end of a long recent message.
far=$(json_rows "$tmp/recent" | cut -f3 | awk 'length($0) > 80 { print substr($0, 61) }' |
      grep -oE '[A-Za-z]{5,}' | tr 'A-Z' 'a-z' | head -n 1 || true)
if [ -n "$far" ]; then
    "$CONVO_QUERY" search "$far" --limit 50 >"$tmp/far" || fail "convo-query search failed"
    keys C-u
    type_text "$far"
    wait_for "convo · search “$far”"
    check_rows_far() {
        local i=0 phone name content l esc n beyond=0
        while IFS=$'\t' read -r phone name content; do
            [ $i -ge $((TUI_H - 4)) ] && break
            n=$((i + 3))
            i=$((i + 1))
            [ "$content" != "?" ] && [[ "${content,,}" == *"$far"* ]] || continue
            l=$(screen | sed -n "${n}p")
            [[ "$l" == *"$phone"* ]] || return 1
            [[ "${l,,}" == *"$far"* ]] || { echo "match not visible: $l" >&2; return 1; }
            esc=$(screen_esc | sed -n "${n}p")
            printf '%s' "$esc" | grep -qiP "\x1b\[[0-9;]*m$far" || { echo "not highlighted: $esc" >&2; return 1; }
            [[ "${l,,}" == *"…"*"$far"* ]] && beyond=$((beyond + 1))
        done < <(json_rows "$tmp/far")
        [ $beyond -gt 0 ] || { echo "no row needed an excerpt" >&2; return 1; }
    }
    wait_until check_rows_far
    pass "a match past the width shows as an excerpt ('$far')"
    keys C-u
    type_text "$term"
    check_rows "$tmp/full" 1 "rows for '$term' differ after the excerpt check"
fi

# Backspace searches again.
keys BSpace
wait_for "/$short"
check_rows "$tmp/short" 1 "rows after Backspace differ from convo-query search '$short'"
type_text "${term: -1}"
check_rows "$tmp/full" 1 "rows after retyping differ"
pass "Backspace searches again"

# Enter keeps the filter; the list keys work again.
keys Enter
wait_for "filter: $term"
keys j
wait_for "row 2"
pass "Enter keeps the filter"

# Esc clears it: the recent list is back.
keys Escape
wait_for "recent conversations"
check_rows "$tmp/recent" 1 "Esc did not bring the recent list back"
pass "Esc clears the filter"

# Letters in the box are text, never commands (q would quit).
keys /
type_text "qgG?"
wait_for "/qgG?"
screen | grep -q "convo-exited" && fail "a letter in the search box acted as a command"
keys C-u
wait_for "recent conversations"
keys Escape
pass "letters typed into the box are text"

# Typing as fast as keys come, with corrections: stale searches are
# cancelled and the screen ends on the last term's rows.
keys /
for i in 1 2 3 4 5; do
    type_text "$term"
    keys BSpace BSpace C-u
done
type_text "$short"
type_text "${term: -1}"
wait_for "/$term"
check_rows "$tmp/full" 1 "rows after fast typing differ from convo-query search"
keys Escape
wait_for "recent conversations"
pass "fast typing ends on the newest search"

# A term outside ASCII, typed as the terminal sends it (UTF-8).
"$CONVO_QUERY" search "é" --limit 50 >"$tmp/accent" || fail "convo-query search failed"
keys /
type_text "é"
wait_for "/é"
if grep -q '"contact_id"' "$tmp/accent"; then
    wait_for "convo · search “é”"
    check_rows "$tmp/accent" 1 "rows for 'é' differ from convo-query search"
else
    wait_for "no matches"
fi
keys Escape
pass "a non-ASCII term"

# Filter words: the rows of convo-query search with the same words; a bad
# one is named in the status bar and the box keeps the text.
"$CONVO_QUERY" search "is:out $term" --limit 50 >"$tmp/filtered" || fail "convo-query search failed"
keys /
type_text "is:out $term"
wait_for "/is:out $term"
if grep -q '"contact_id"' "$tmp/filtered"; then
    wait_for "convo · search"
    check_rows "$tmp/filtered" 1 "rows for 'is:out $term' differ from convo-query search"
fi
keys C-u
type_text "is:sideways"
wait_for "bad filter 'is:sideways': is: takes in or out"
wait_for "/is:sideways"
keys C-u Escape
wait_for "recent conversations"
pass "filter words search as convo-query does; a bad one shows in the status bar"
