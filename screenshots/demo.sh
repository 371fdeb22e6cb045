#!/usr/bin/env bash
# screenshots/demo.sh [--record FILE.cast] [--mask] [--keep] [--pace X]
# A tour of the real convo that drives itself: keys replayed with human
# pauses in a 120x35 tmux session, a caption line (tmux's status line)
# saying what happens and why it is fast. The list, 2,000 conversations
# deep, G to the oldest, searches typed key by key, a hit opened in its
# conversation, messages arriving live (convo-seed --live), a reply, and a
# summary of what convo measured during the tour (CONVO_STATS) beside the
# naive queries' times for the same work.
#
# Any key stops the tour and leaves you in convo where it stood (q quits).
# What the tour wrote (the live messages and contacts, the reply) is removed
# at the end unless --keep. --record writes an asciinema v2 recording.
# --pace X scales every pause (the suites run it at 0.2 on a small data set).
# Runs on the database the libpq environment names, else ./run's cluster.
# ./run demo is the way in: it sets everything up first.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${CONVO_BUILD:-$ROOT/build}
CONVO_BIN=${CONVO_BIN:-$BUILD/tui/convo}
SEEDER=${CONVO_SEED:-$BUILD/seeder/convo-seed}
RECORD="" MASK=0 KEEP=0 PACE=1 ATTACH=1
COLS=120 ROWS=35

die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }
usage_die() { printf 'demo: error: %s (usage: ./run demo [--record FILE.cast] [--mask] [--keep])\n' "$*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --record) [ $# -ge 2 ] || usage_die "--record needs a FILE.cast"; RECORD=$2; shift 2 ;;
        --mask) MASK=1; shift ;;
        --keep) KEEP=1; shift ;;
        --pace) [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_die "--pace needs a number"; PACE=$2; shift 2 ;;
        --no-attach) ATTACH=0; shift ;;   # the suites: nobody watches
        *) usage_die "unknown option '$1'" ;;
    esac
done
[ -x "$CONVO_BIN" ] || die "no convo at $CONVO_BIN (run ./run setup first)"
command -v tmux >/dev/null || die "the tour needs tmux (apt-get install tmux)"
if [ -n "$RECORD" ]; then
    command -v asciinema >/dev/null || die "--record needs asciinema (apt-get install asciinema)"
    ATTACH=0
fi
# Someone to watch: a terminal on both ends.
if [ ! -t 0 ] || [ ! -t 1 ]; then ATTACH=0; fi
if [ -z "${PGHOST:-}${PGDATABASE:-}${DATABASE_URL:-}" ]; then
    eval "$("$ROOT/run" env)"
    export PGHOST PGPORT PGDATABASE PGUSER
fi
export LANG=C.UTF-8 LC_ALL=C.UTF-8

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
WORK=$(mktemp -d)
chmod 0755 "$WORK"
SOCK=convo-demo-$$
tm() { tmux -u -L "$SOCK" -f /dev/null "$@"; }
REPLY_TEXT="On my way, see you in ten (sent from the convo demo)"
START_TS=$(q "select now()")

# What the tour wrote goes again: the live messages and contacts by the
# ids convo-seed noted, the reply by its text and time.
remove_writes() {
    [ $KEEP = 1 ] && { echo "demo: kept what the tour wrote (--keep)"; return; }
    touch "$WORK/ids"
    local removed
    removed=$(psql -X -q -At -v ON_ERROR_STOP=1 -v since="$START_TS" -v reply="$REPLY_TEXT" <<EOF
BEGIN;
CREATE TEMP TABLE demo_ids (line text);
\\copy demo_ids from '$WORK/ids' with (delimiter E'\\x01')
WITH live AS (
    DELETE FROM messages m USING demo_ids d
     WHERE d.line LIKE 'message %'
       AND m.created_at = split_part(substr(d.line, 9), E'\\t', 1)::timestamptz
       AND m.id = split_part(d.line, E'\\t', 2)::bigint
    RETURNING 1),
reply AS (
    DELETE FROM messages WHERE content = :'reply' AND created_at >= :'since' RETURNING 1)
SELECT (SELECT count(*) FROM live) || ' live messages, ' || (SELECT count(*) FROM reply) || ' reply';
DELETE FROM contacts c USING demo_ids d
 WHERE d.line LIKE 'contact %' AND c.id = substr(d.line, 9)::int
   AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id);
COMMIT;
EOF
    ) || { echo "demo: could not remove what the tour wrote" >&2; return; }
    echo "demo: removed what the tour wrote: $removed"
}

LIVE_PID=
cleanup() {
    [ -n "$LIVE_PID" ] && kill "$LIVE_PID" 2>/dev/null && wait "$LIVE_PID" 2>/dev/null || true
    tm kill-server >/dev/null 2>&1 || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
    remove_writes
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- the session: convo, then the summary, in one pane -----------------------
conversations=$(q "select count(*) from contacts where last_message_id is not null")
messages=$(q "select coalesce(sum(reltuples), 0)::bigint from pg_class c join pg_inherits i on i.inhrelid = c.oid where i.inhparent = 'messages'::regclass")
mask_arg=""; [ $MASK = 1 ] && mask_arg=--mask
cat >"$WORK/pane.sh" <<EOF
env TERM=tmux-256color CONVO_STATS=$WORK/stats $(printf '%q' "$CONVO_BIN") $mask_arg 2>>$WORK/convo.err
touch $WORK/convo.done
while [ ! -f $WORK/summary ]; do sleep 0.1; done
clear; cat $WORK/summary
touch $WORK/summary.shown
read -r -n 1 -t 600 _ || true
EOF
tm new-session -d -s demo -x $COLS -y $ROWS "bash $WORK/pane.sh"
tm set -g status on
tm set -g status-position bottom
tm set -g status-style "bg=colour24,fg=colour255"
tm set -g status-left-length $COLS
tm set -g status-right ""
# A recording keeps its 120x35; someone watching gets their terminal's size.
[ $ATTACH = 1 ] || tm set -g window-size manual
caption() { tm set -g status-left " $*" >/dev/null; }
caption "convo: a tour that drives itself. Any key stops it and leaves you in convo."
# The user's first key stops the tour (keys the tour sends bypass this).
tm bind -n Any run-shell "touch $WORK/stop"

screen() { tm capture-pane -p -t demo 2>/dev/null || true; }
stopped() { [ -f "$WORK/stop" ] || [ -f "$WORK/convo.done" ]; }
pause() { sleep "$(awk -v s="$1" -v p="$PACE" 'BEGIN { print s * p }')"; }
wait_for() {
    local deadline=$((SECONDS + 60))
    until screen | grep -qF -- "$1"; do
        stopped && return 1
        [ $SECONDS -ge $deadline ] && { screen >&2; die "the tour waited in vain for: $1"; }
        sleep 0.05
    done
}
key() { stopped && return 1; tm send-keys -t demo "$@"; }
type_slowly() {
    local s=$1 i
    for ((i = 0; i < ${#s}; i++)); do
        key -l "${s:i:1}" || return 1
        pause 0.14
    done
}

# A term of each kind that the data holds: a common word, a rare one (a
# word of the newest messages that few others hold), two letters, an
# emoji, the middle of a phone number.
pick_terms() {
    COMMON=$(q "select w from (values ('coffee'), ('dinner'), ('tonight'), ('you')) v(w)
                where exists (select 1 from messages where content ilike '%' || w || '%') limit 1")
    RARE=$(q "select lower(w) from (select regexp_split_to_table(content, '[^[:alpha:]]+') w
                from (select content from messages order by created_at desc limit 200) m) s
              where length(w) >= 8 limit 1")
    PHONE=$(q "select substr(regexp_replace(phone_number, '[^0-9]', '', 'g'), 4, 5)
               from contacts where last_message_id is not null order by last_message_at desc limit 1")
    EMOJI=$(q "select e from (values ('😂'), ('❤'), ('👍'), ('🙂')) v(e)
               where exists (select 1 from messages where content like '%' || e || '%') limit 1")
    : "${COMMON:=you}" "${RARE:=zebra}" "${EMOJI:=😂}"
}
pick_terms

search() {
    local term=$1 why=$2
    caption "search '$term': $why"
    key / || return 1
    type_slowly "$term" || return 1
    wait_for "convo · search" || return 1
    pause 2.2
    key C-u || return 1
    key Escape || return 1
    pause 0.6
}

# --- the tour -------------------------------------------------------------------
tour() {
    wait_for "conversations, more" || return 0
    caption "The 50 most recent of $(printf "%'d" "$conversations") conversations: one range scan of an index over each contact's latest-message pointer."
    pause 4
    caption "j/k move within loaded rows: no query, a redraw of two rows."
    for _ in 1 2 3 4 5 6; do key j || return 0; pause 0.25; done
    pause 1
    local deep=$((conversations > 2050 ? 2000 : conversations - 50))
    caption "PgDn, $deep conversations deep: each next page is a keyset seek from the last row (no OFFSET), as fast at any depth."
    local pages=$((deep / (ROWS - 5) + 1)) i
    for ((i = 0; i < pages; i++)); do key NPage || return 0; pause 0.06; done
    pause 3
    caption "G: the oldest conversation, read from the other end of the same index: no scan of the rows in between."
    key G || return 0
    pause 4
    key g || return 0
    pause 1.5
    search "$COMMON" "a common word: the newest month's partition is walked newest first and stops at 50 conversations." || return 0
    search "$RARE" "a rare word: trigram and n-gram indexes per month find its few rows without reading the others." || return 0
    search "ok" "two letters have no trigrams: convo's own n-gram index covers them." || return 0
    search "$EMOJI" "an emoji: the n-gram index holds symbols pg_trgm ignores." || return 0
    search "$PHONE" "digits find phone numbers by their digits, whatever the formatting." || return 0
    caption "A hit opened in its conversation, at the message that matched; n and N step through the matches."
    key / || return 0
    type_slowly "$COMMON" || return 0
    wait_for "convo · search" || return 0
    pause 1
    key Enter || return 0
    pause 0.5
    key Enter || return 0
    pause 4
    key q || return 0
    key Escape || return 0
    pause 0.5
    key g || return 0
    caption "Live: another program writes messages; LISTEN/NOTIFY brings them to the top within milliseconds of the commit."
    "$SEEDER" --live 3 --duration "$(awk -v p="$PACE" 'BEGIN { d = int(8 * p); print d < 1 ? 1 : d }')" \
        --connections 2 --ids "$WORK/ids" >"$WORK/live.out" 2>&1 &
    LIVE_PID=$!
    pause 10
    caption "A reply: r opens the box, Enter sends it (one INSERT; the pointer trigger moves the conversation to the top)."
    key Enter || return 0
    pause 1.5
    key r || return 0
    pause 0.5
    type_slowly "$REPLY_TEXT" || return 0
    key Enter || return 0
    pause 3
    key q || return 0
    pause 3
    caption "The tour is over: convo quits and shows what it measured."
    pause 1.5
    key q || return 0
}

# --- the summary --------------------------------------------------------------
# stat NAME: "p50 / p95 ms (n=N)" of a CONVO_STATS line.
stat() {
    awk -v n="$1" '$1 == n { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                   printf "%s / %s ms (n=%s)", v["p50"], v["p95"], v["n"]; found = 1 }
                   END { if (!found) printf "not measured" }' "$WORK/stats" 2>/dev/null
}

# naive_ms SQL: one run of a first attempt at the same work, in ms.
naive_ms() {
    psql -X -q -v ON_ERROR_STOP=1 <<EOF 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1 || true
SET statement_timeout = '60s';
\\timing on
$1
EOF
}

summary() {
    local recent_naive search_naive deep_naive
    recent_naive=$(naive_ms "SELECT count(*) FROM (SELECT * FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM messages ORDER BY contact_id, created_at DESC, id DESC) s ORDER BY created_at DESC, id DESC LIMIT 50) p;")
    deep_naive=$(naive_ms "SELECT count(*) FROM (SELECT * FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM messages ORDER BY contact_id, created_at DESC, id DESC) s ORDER BY created_at DESC, id DESC OFFSET 2000 LIMIT 50) p;")
    search_naive=$(naive_ms "SELECT count(*) FROM (SELECT DISTINCT ON (m.contact_id) m.contact_id, m.created_at, m.id FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE m.content ILIKE '%$COMMON%' OR c.name ILIKE '%$COMMON%' OR c.phone_number ILIKE '%$COMMON%' ORDER BY m.contact_id, m.created_at DESC, m.id DESC) s;")
    fmt() { [ -n "$1" ] && printf "%'.0f ms" "$1" || printf "over 60 s"; }
    {
        printf '\n  convo: what the tour measured, on %s messages and %s conversations\n\n' \
            "$(printf "%'d" "$messages")" "$(printf "%'d" "$conversations")"
        printf '  %-40s %-30s %s\n' "" "convo, p50 / p95" "naive query, same work"
        printf '  %-40s %-30s %s\n' "keystroke to screen (moves, pages)" "$(stat keystroke_to_screen_ms)" \
            "first page $(fmt "$recent_naive"), 2,000 deep $(fmt "$deep_naive") (DISTINCT ON)"
        printf '  %-40s %-30s %s\n' "search keystroke to complete page" "$(stat search_keystroke_to_results_ms)" \
            "$(fmt "$search_naive") for '$COMMON' (ILIKE over the join)"
        printf '  %-40s %-30s %s\n' "commit to screen, list" "$(stat commit_to_screen_list_ms)" "polling: its interval"
        printf '  %-40s %-30s %s\n' "commit to screen, conversation" "$(stat commit_to_screen_conversation_ms)" ""
        printf '\n  Figures from this run on this machine (load average %s).\n' "$(cut -d' ' -f1 /proc/loadavg)"
        [ $KEEP = 1 ] || printf '  What the tour wrote is removed now.\n'
        printf '  Press a key to leave.\n'
    } >"$WORK/summary.tmp"
    mv "$WORK/summary.tmp" "$WORK/summary"
}

driver() {
    tour || true
    if [ -f "$WORK/stop" ] && [ ! -f "$WORK/convo.done" ]; then
        tm unbind -n Any 2>/dev/null || true
        caption "Tour stopped: you are in convo where it stood (q quits, ? help)."
    fi
    while [ ! -f "$WORK/convo.done" ]; do sleep 0.2; done
    tm unbind -n Any 2>/dev/null || true
    tm set -g status off >/dev/null 2>&1 || true
    summary
    while [ ! -f "$WORK/summary.shown" ]; do sleep 0.1; done
    # Nobody to press a key: let the summary be seen (and recorded).
    [ $ATTACH = 1 ] || { sleep "$(awk -v p="$PACE" 'BEGIN { print 6 * p }')"; tm send-keys -t demo x 2>/dev/null || true; }
}

driver &
DRIVER=$!
if [ -n "$RECORD" ]; then
    asciinema rec --overwrite -q --cols $COLS --rows $ROWS -i 3 \
        -c "tmux -u -L $SOCK attach -t demo" "$RECORD" </dev/null
elif [ $ATTACH = 1 ]; then
    tm attach -t demo
else
    while tm has-session -t demo 2>/dev/null; do sleep 0.2; done
fi
wait "$DRIVER" || true
if [ -s "$WORK/convo.err" ]; then
    cat "$WORK/convo.err" >&2
fi
[ -f "$WORK/summary" ] && cat "$WORK/summary"
