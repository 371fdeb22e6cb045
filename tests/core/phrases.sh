#!/usr/bin/env bash
# tests/core/phrases.sh CONVO_QUERY - phrases found by what lies across
# their spaces (schema 016, docs/search.md#phrases). Every message that
# matches a phrase holds the phrase's windows (convo_spans), whatever its
# case, accents or place in the message; phrase searches page as the SQL
# oracle says, alone, with words and with filters, whichever steps the
# search takes; and a phrase search reads the phrase index. CONVO_QUERY is
# convo-query-test (it reads CONVO_FORCE_STEP). Writes: a database of its
# own.
source "$(dirname "$0")/../lib.sh"
query=$1
export TZ=UTC

DB=convo_phrases_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# Common words apart in most messages, side by side in a few.
q "select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555400' || lpad(g::text, 4, '0'), 'Phr ' || g from generate_series(1, 40) g;
   update contacts set name = 'Call Later Inc' where id = 7;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + (g * 7) % 40, case when g % 3 = 0 then 'out' else 'in' end,
          case when g % 331 = 0 then 'see you tomorrow then ' || g
               when g % 347 = 0 then 'ok, SEE YOU at the café con leche'
               when g % 353 = 0 then 'we oversee youth clubs ' || g
               when g % 359 = 0 then 'Café con leche? ' || g
               when g % 367 = 0 then 'cafe con leche, ' || g || ', see  you'
               when g % 373 = 0 then 'I will call you later'
               when g % 2 = 0 then 'you can see it later ' || g
               else 'tomorrow we see what you call it ' || g end,
          now() - g * interval '13 minutes'
     from generate_series(1, 6000) g;
   analyze" >/dev/null

# Every message that matches a phrase holds its windows: phrases cut from
# the messages themselves at each space, as written, in capitals, and
# folded.
bad=$(q "with cut as (
           select m.id, m.content, substr(m.content, p.i - 3 - l.a, 7 + l.a + l.b) as phrase
             from messages m
            cross join lateral (select i from generate_series(4, length(m.content) - 3) i
                                 where substr(m.content, i, 1) = ' ') p
            cross join (values (0, 0), (2, 0), (0, 5), (4, 9)) l(a, b)
            where m.id % 7 = 0),
         term as (
           select id, content, t from cut,
                  unnest(array[phrase, upper(phrase), public.unaccent(phrase)]) t)
         select count(*) || ' of ' || (select count(*) from term)
           from term
          where $(match_sql content "'%' || t || '%'")
            and not public.convo_spans_any(content) operator(public.@>) public.convo_spans(t)")
case $bad in
    '0 of '[1-9]*) ;;
    *) fail "messages that match a phrase cut from them but lack its windows: $bad" ;;
esac
[ "$(q "select public.convo_spans('see you') <> '{}' and public.convo_spans('a b') = '{}'
          and public.convo_spans('See You') = public.convo_spans('see you')")" = t ] \
    || fail "convo_spans: 'see you' has a window, 'a b' none, case does not count"
pass "every message matching a phrase holds its windows (${bad#0 of } phrases)"

check() { words_check "$query" "$work" "$@"; } # TERM FILTER_SQL WORD...

for force in '' g w b; do
    export CONVO_FORCE_STEP=$force
    check '"see you"' true 'see you'
    check '"See You"' true 'See You'
    check '"see  you"' true 'see  you'
    check '"cafe con leche"' true 'cafe con leche'
    check '"café con leche"' true 'café con leche'
    check '"ok, see you"' true 'ok, see you'
    check '"call later"' true 'call later'
    EMPTY_OK=1 check '"you see tomorrow"' true 'you see tomorrow'
    check '"see you" tomorrow' true 'see you' tomorrow
    check '"call you later" is:out' "m.direction = 'out'" 'call you later'
    check '"see you" is:in' "m.direction = 'in'" 'see you'
done
unset CONVO_FORCE_STEP
[ -n "$(words_oracle true 'see you')" ] && [ -z "$(words_oracle true 'you see tomorrow')" ] \
    || fail "the data holds 'see you' and not 'you see tomorrow': the checks would be weak"
pass "phrases alone, with words and with filters page as the SQL oracle says"

# A phrase search reads the phrase index; a word search does not. The
# server counts each index's scans (flushed when the backend exits).
spans_scans() {
    q "select coalesce(sum(idx_scan), 0) from pg_stat_user_indexes
        where indexrelname like '%spans%'"
}
before=$(spans_scans)
"$query" search tomorrow --limit 50 >/dev/null || fail "search tomorrow failed"
sleep 1
after_word=$(spans_scans)
CONVO_FORCE_STEP=g "$query" search '"see you"' --limit 50 >/dev/null || fail "search \"see you\" failed"
sleep 1
after_phrase=$(spans_scans)
[ "$after_word" = "$before" ] || fail "a word search read the phrase index ($before, then $after_word)"
[ "$after_phrase" -gt "$after_word" ] || fail "a phrase search did not read the phrase index ($after_word, then $after_phrase)"
pass "a phrase search reads the phrase index, a word search does not"
