#!/usr/bin/env bash
# tests/scale/standby.sh RUN BUILD_DIR CONVO_QUERY STANDBY_WALK [CONVO]: reads on a
# streaming standby. A cluster of its own (the shared test cluster cannot
# be restarted under the other suites, and a base backup copies every
# database in it) under a temporary CONVO_STATE: `./run setup` seeds it,
# `./run replica` adds the standby. Checks: recent and search on the
# standby equal the primary's; a message sent (convo-query send, through
# the writer) is on the standby's first page within 1 s; a walk whose standby stops falls back
# without an error and comes back; with the primary stopped, reads still
# answer from the standby; convo's status bar says which server the list
# reads from, follows the standby away and back, and a reply typed in
# convo lands on the primary and shows. Everything is stopped and removed at
# the end.
source "$(dirname "$0")/../lib.sh"
run=$1 build=$2 query=$3 walk=$4 convo=${5:-}

unset DATABASE_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGTARGETSESSIONATTRS
tmp=$(mktemp -d)
export CONVO_STATE=$tmp/state CONVO_BUILD=$build CONVO_DB_NAME=convo
cleanup() { "$run" stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$run" setup --contacts 300 --messages 6000 --seed 7 >"$tmp/setup.log" 2>&1 \
    || { cat "$tmp/setup.log"; fail "./run setup of the test's own cluster"; }
"$run" replica >"$tmp/replica.log" 2>&1 || { cat "$tmp/replica.log"; fail "./run replica"; }
line=$("$run" env replica)
[[ $line == "export PGHOST="*",$CONVO_STATE/replica/sock "*"PGTARGETSESSIONATTRS=prefer-standby" ]] \
    || fail "./run env replica: $line"
eval "$line"
primary="host=$CONVO_STATE/sock port=5432 dbname=convo user=convo"
standby="host=$CONVO_STATE/replica/sock port=5432 dbname=convo user=convo"
[ "$(psql -X -At -d "$standby" -c 'select pg_is_in_recovery()')" = t ] || fail "not a standby"
[ "$(psql -X -At -d "$standby" -c 'show listen_addresses')" = "" ] || fail "the standby listens on TCP"
"$query" server | grep -q '"standby": true, "writes_to": "primary ' \
    || fail "convo-query server: $("$query" server)"
pass "./run replica: a standby on its own socket; the multi-host env reads from it"

# same_answer ARGS...: convo-query on the standby and on the primary agree.
same_answer() {
    local a b
    a=$("$query" -d "$standby" "$@" | sed 's/, "elapsed_ms".*$//') || fail "standby: $*"
    b=$("$query" -d "$primary" "$@" | sed 's/, "elapsed_ms".*$//') || fail "primary: $*"
    [ "$a" = "$b" ] || fail "standby and primary differ on: $*"
    [[ $a == '{"conversations": ['* ]] || fail "not a page: $*: $a"
}
cursor=""
pages=0
while :; do
    same_answer recent --limit 40 ${cursor:+--after "$cursor"}
    cursor=$("$query" -d "$standby" recent --limit 40 ${cursor:+--after "$cursor"} \
        | sed -n 's/.*"next_cursor": "\([^"]*\)".*/\1/p')
    pages=$((pages + 1))
    [ -n "$cursor" ] || break
done
name=$(psql -X -At -d "$primary" -c "select left(name, 3) from contacts where name <> '' order by id limit 1")
for term in the you a zq "$name" 44; do
    same_answer search "$term"
done
pass "recent ($pages pages) and search are the same on the standby and the primary"

# convo-query send, with the multi-host env, writes on the primary (its
# writer connection); the message is on the standby's first page within 1 s.
cid=$(psql -X -At -d "$primary" -c "select max(id) from contacts")
sent=$("$query" send "$cid" "standby lag probe") || fail "convo-query send with the replica env"
start=$(date +%s%N)
id=$(printf '%s' "$sent" | sed -n 's/.*"message_id": \([0-9]*\).*/\1/p')
[ -n "$id" ] || fail "send printed no message id: $sent"
[ "$(psql -X -At -d "$primary" -c "select count(*) from messages where id = $id")" = 1 ] \
    || fail "the sent message is not on the primary"
# Timed with psql on the standby (a sanitizer build starts convo-query
# slowly), then the list itself is checked.
until [ "$(psql -X -At -d "$standby" -c "select count(*) from messages where id = $id")" = 1 ]; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000 ] || fail "message $id not on the standby after 1 s"
    sleep 0.01
done
lag=$(( ($(date +%s%N) - start) / 1000000 ))
"$query" recent --limit 1 | grep "\"message_id\": $id," >/dev/null \
    || fail "message $id is on the standby but not on top of its list"
pass "a message sent with convo-query send was on the standby's list after $lag ms"

# follow LISTENs, which a standby cannot: its connection moves to the primary.
timeout 20 "$query" follow --limit 1 >"$tmp/follow.out" 2>&1 &
fpid=$!
for _ in $(seq 1 30); do
    "$query" send "$cid" "follow probe" >/dev/null || fail "send for follow"
    sleep 0.3
    kill -0 "$fpid" 2>/dev/null || break
done
wait "$fpid" || fail "convo-query follow with the replica env: $(cat "$tmp/follow.out")"
grep -q '"content": "follow probe"' "$tmp/follow.out" || fail "follow printed: $(cat "$tmp/follow.out")"
pass "convo-query follow with the replica env hears a send"

# The walk program: standby stops mid-walk, comes back, a write through the writer.
expected=$(psql -X -At -d "$primary" -c "select count(*) from contacts where last_message_id is not null")
"$walk" "'$run' replica stop >/dev/null 2>&1" "'$run' replica >/dev/null 2>&1" "$expected" \
    || fail "walk with the standby stopping"

# A standby stopped during a statement: the reader answers from the
# primary. The statement is held on the standby by a lock the primary
# takes (replayed there), the standby is stopped while the reader waits
# on it, and the reader must reconnect and answer once the lock is gone.
for cmd in "recent --limit 5" "search the --limit 5"; do
    tag=held_$$_${cmd%% *}
    psql -X -q -v ON_ERROR_STOP=1 -d "$primary" >/dev/null <<SQL &
begin;
lock table contacts in access exclusive mode;
select pg_sleep(3) /* $tag */;
commit;
SQL
    lpid=$!
    # the lock replayed: the standby's own readers of contacts wait (a
    # commit elsewhere flushes the lock's WAL record, so it is sent)
    for _ in $(seq 1 100); do
        psql -X -q -d "$primary" -c "select txid_current()" >/dev/null
        timeout 0.3 psql -X -At -d "$standby" -c "select 1 from contacts limit 1" >/dev/null 2>&1 || break
        sleep 0.05
    done
    # shellcheck disable=SC2086
    "$query" $cmd >"$tmp/held.out" 2>"$tmp/held.err" &
    qpid=$!
    for _ in $(seq 1 100); do
        [ "$(psql -X -At -d "$standby" -c "select count(*) from pg_stat_activity
               where wait_event_type = 'Lock' and backend_type = 'client backend'")" -ge 1 ] && break
        sleep 0.05
    done
    "$run" replica stop >/dev/null 2>&1
    rc=0
    wait $qpid || rc=$?
    wait $lpid || true
    [ $rc = 0 ] || fail "convo-query $cmd exited $rc when its standby stopped during the statement: $(cat "$tmp/held.err")"
    # shellcheck disable=SC2086
    want=$("$query" -d "$primary" $cmd | sed 's/, "elapsed_ms".*$//')
    [ "$(sed 's/, "elapsed_ms".*$//' "$tmp/held.out")" = "$want" ] \
        || fail "convo-query $cmd after its standby stopped: $(cat "$tmp/held.out")"
    "$run" replica >/dev/null 2>&1 || fail "./run replica did not start the standby again"
done
pass "a standby stopped during a statement: recent and search answer from the primary"

# convo in tmux: the status bar names the server the list reads from.
if [ -n "$convo" ] && command -v tmux >/dev/null; then
    tsock=convo-scale-$$
    tmx() { tmux -u -L "$tsock" -f /dev/null "$@"; }
    trap 'tmx kill-server >/dev/null 2>&1 || true; cleanup' EXIT
    # wait_screen TEXT SECONDS
    wait_screen() {
        local deadline=$((SECONDS + $2))
        until tmx capture-pane -p -t 0 2>/dev/null | grep -qF -- "$1"; do
            [ $SECONDS -lt $deadline ] || fail "convo never showed '$1': $(tmx capture-pane -p -t 0 | tail -n 3)"
            sleep 0.1
        done
    }
    LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC tmx new-session -d -x 100 -y 30 \
        "'$convo' 2>>'$tmp/convo.err'; echo convo-exited; sleep 60"
    wait_screen "reads: standby" 20
    "$run" replica stop >/dev/null 2>&1
    wait_screen "reads: primary" 20   # the idle check finds the standby gone
    "$run" replica >/dev/null 2>&1
    wait_screen "reads: standby" 20   # and comes back to it
    tmx send-keys -t 0 Enter
    wait_screen "r reply" 20
    tmx send-keys -t 0 r
    sleep 0.5
    tmx send-keys -t 0 -l "reply typed on a standby screen"
    tmx send-keys -t 0 Enter
    wait_screen "reply typed on a standby screen" 20
    [ "$(psql -X -At -d "$primary" -c "select count(*) from messages where content = 'reply typed on a standby screen'")" = 1 ] \
        || fail "the reply typed in convo is not on the primary"
    tmx send-keys -t 0 q
    tmx send-keys -t 0 q
    wait_screen convo-exited 20
    tmx kill-server >/dev/null 2>&1 || true
    ! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/convo.err" \
        || { cat "$tmp/convo.err"; fail "convo reported errors"; }
    pass "convo's status bar follows the standby away and back; a reply lands on the primary"
fi

# Primary down: reads still answer, from the standby.
top=$("$query" -d "$standby" recent --limit 5 | sed 's/, "elapsed_ms".*$//')
as_owner=()
[ "$(id -u)" = 0 ] && as_owner=(runuser -u postgres --)
pg_ctl=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl
"${as_owner[@]}" "$pg_ctl" -D "$CONVO_STATE/pgdata" -m fast -w stop >/dev/null || fail "stopping the primary"
! psql -X -At -d "$primary" -c 'select 1' >/dev/null 2>&1 || fail "the primary still answers"
got=$("$query" recent --limit 5 | sed 's/, "elapsed_ms".*$//') || fail "recent with the primary down"
[ "$got" = "$top" ] || fail "recent with the primary down differs from the standby's"
pass "with the primary stopped, recent still answers from the standby"
