#!/usr/bin/env bash
# tests/live/live_api.sh LIB LIVE_API - the live API test in a database of
# its own: writers notifying themselves, then again with the notifier
# running (writers queue, the notifier sends).
source "$1"
fresh_db "convo_live_api_test_$$"
"$2" || fail "live API, writers notifying"
q "truncate messages, contacts restart identity" >/dev/null
psql -X -q -c "call public.convo_notifier(25)" >/dev/null &
notifier=$!
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_locks where locktype = 'advisory' and mode = 'ExclusiveLock'")" -ge 1 ] && break
    sleep 0.05
done
"$2" || fail "live API, through the notifier"
[ "$(q "select n_tup_ins > 0 from pg_stat_user_tables where relname = 'convo_notify_queue'")" = t ] \
    || fail "the writers did not queue their notifications for the notifier"
kill $notifier 2>/dev/null; wait $notifier 2>/dev/null || true
[ "$(q "select count(*) from convo_notify_queue")" = 0 ] || fail "the notifier left payloads queued"
pass "notifications through the notifier"
