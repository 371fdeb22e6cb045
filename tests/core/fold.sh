#!/usr/bin/env bash
# tests/core/fold.sh CONVO_QUERY FOLD_CHECK - accents as people type them
# (docs/search.md#accents): a word without accents matches text as the
# server's unaccent folds it (maria finds María, Maria and MARIA; cafe
# finds café; strasse finds Straße), a word with accents matches as
# written, case-insensitively. In messages, names, with:, several words,
# export --search, every step kind, page by page against a SQL oracle;
# the folded trigram index answers a partition's search; core's own table
# (FOLD_CHECK prints core_unaccent) folds as the server does. CONVO_QUERY
# is convo-query-test (it reads CONVO_FORCE_STEP). Writes: a database of
# its own.
source "$(dirname "$0")/../lib.sh"
query=$1
fold_check=$2
export TZ=UTC

DB=convo_fold_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# Names 1-9 carry the accents; 10-40 are plain. Every contact has
# messages; the accented texts sit among 3,600 plain ones over two months.
q "select public.convo_month_partition((now() - interval '1 month')::date);
   select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555400' || lpad(g::text, 4, '0'),
          (array['María López', 'Maria Ruiz', 'MARIA GRANT', 'Björn Berg', 'Bjorn Olsen',
                 'José Silva', 'Jose Perez', 'JOSÉ DIAZ', 'Zoë Straße'])[g]
   from generate_series(1, 9) g;
   insert into contacts (phone_number, name)
   select '+1555400' || lpad(g::text, 4, '0'), 'Plain ' || g from generate_series(10, 40) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + (g * 7) % 40, case when g % 3 = 0 then 'out' else 'in' end,
          case when g % 101 = 0 then 'a café at noon ' || g
               when g % 103 = 0 then 'the cafe later ' || g
               when g % 107 = 0 then 'CAFÉ CRÈME ' || g
               when g % 109 = 0 then 'Straße 5, floor ' || g
               when g % 113 = 0 then 'strasse 7 ' || g
               when g % 127 = 0 then 'ask maría about dinner ' || g
               when g % 131 = 0 then 'ask MARIA about lunch ' || g
               when g % 137 = 0 then 'Björn is late ' || g
               when g % 139 = 0 then 'bjorn too ' || g
               else 'plain words ' || g end,
          now() - g * interval '23 minutes' - (g % 11) * interval '1 second'
     from generate_series(1, 3600) g;
   analyze" >/dev/null

check() { words_check "$query" "$work" "$@"; } # TERM FILTER_SQL WORD...

# The rule itself, by names: what each spelling finds.
names() { # TERM: the names of the contacts found by name, sorted, one line
    "$query" search -- "$1" --limit 100 >"$work/out" 2>"$work/err" || fail "search '$1': $(cat "$work/err")"
    python3 -c 'import json,sys; print(",".join(sorted({r["name"] for r in json.load(open(sys.argv[1]))["conversations"] if "name" in r["matched"]})))' "$work/out"
}
[ "$(names maria)" = "MARIA GRANT,Maria Ruiz,María López" ] || fail "maria finds $(names maria)"
[ "$(names MARIA)" = "MARIA GRANT,Maria Ruiz,María López" ] || fail "MARIA finds $(names MARIA)"
[ "$(names María)" = "María López" ] || fail "María finds $(names María)"
[ "$(names MARÍA)" = "María López" ] || fail "MARÍA finds $(names MARÍA)"
[ "$(names Bjorn)" = "Bjorn Olsen,Björn Berg" ] || fail "Bjorn finds $(names Bjorn)"
[ "$(names Björn)" = "Björn Berg" ] || fail "Björn finds $(names Björn)"
[ "$(names 'José')" = "JOSÉ DIAZ,José Silva" ] || fail "José finds $(names José)"
[ "$(names strasse)" = "Zoë Straße" ] || fail "strasse finds $(names strasse)"
[ "$(names zoe)" = "Zoë Straße" ] || fail "zoe finds $(names zoe)"
pass "a word without accents finds every spelling, a word with accents its own"

# Content: expected counts straight from the data above.
conv() { # TERM: how many conversations
    "$query" search -- "$1" --limit 200 >"$work/out" || fail "search '$1' failed"
    python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["conversations"]))' "$work/out"
}
distinct() { q "select count(distinct contact_id) from messages where $1"; }
[ "$(conv cafe)" = "$(distinct "content ~* 'caf[eé]'")" ] || fail "cafe: $(conv cafe) conversations"
[ "$(conv café)" = "$(distinct "content ~* 'café'")" ] || fail "café: $(conv café) conversations"
[ "$(conv café)" -lt "$(conv cafe)" ] || fail "café finds what cafe finds: a weak check"
[ "$(conv strasse)" = "$(distinct "content ~* 'stra(ss|ß)e' or contact_id = 9")" ] \
    || fail "strasse: $(conv strasse) conversations"
pass "content: cafe finds café, strasse finds Straße, café only café"

# Page by page against the oracle, with every step kind.
for t in maria María MARIA Björn bjorn cafe café CAFÉ strasse Straße crème creme; do
    check "$t" true "$t"
done
for force in walk bitmap scan grams; do
    export CONVO_FORCE_STEP=$force
    for t in maria María café strasse; do
        check "$t" true "$t"
    done
done
unset CONVO_FORCE_STEP
pass "one word, every step kind, page by page as the SQL oracle says"

for force in '' months; do
    export CONVO_FORCE_STEP=$force
    check 'maria dinner' true maria dinner
    check 'ask María' true ask María
    check 'cafe noon' true cafe noon
    check 'with:jose cafe' "$(match_sql c.name "'%jose%'")" cafe
    check 'with:José café' "$(match_sql c.name "'%José%'")" café
    check 'with:bjorn is:in' "$(match_sql c.name "'%bjorn%'") and m.direction = 'in'"
    check 'is:out strasse' "m.direction = 'out'" strasse
done
unset CONVO_FORCE_STEP
names_with() { # TERM: names of the conversations
    "$query" search -- "$1" --limit 100 >"$work/out" || fail "search '$1' failed"
    python3 -c 'import json,sys; print(",".join(sorted({r["name"] for r in json.load(open(sys.argv[1]))["conversations"]})))' "$work/out"
}
[ "$(names_with 'with:jose')" = "JOSÉ DIAZ,Jose Perez,José Silva" ] || fail "with:jose finds $(names_with with:jose)"
[ "$(names_with 'with:josé')" = "JOSÉ DIAZ,José Silva" ] || fail "with:josé finds $(names_with with:josé)"
pass "several words and filters fold as one word does; with:jose finds José"

# export --search: every message that passes and holds every word, one of
# them in its content.
export_check() { # TERM WORD...
    local term=$1 want got
    shift
    want=$(words_export_ids true "$@")
    "$query" export --search "$term" >"$work/exp" 2>"$work/err" || fail "export '$term': $(cat "$work/err")"
    got=$(python3 -c 'import json,sys; [print(json.loads(l)["message_id"]) for l in open(sys.argv[1])]' "$work/exp")
    [ -n "$want" ] || fail "export '$term': the oracle finds nothing, a weak check"
    [ "$got" = "$want" ] || fail "export '$term': $(echo "$got" | wc -l) rows, SQL $(echo "$want" | wc -l)"
}
export_check cafe cafe
export_check café café
export_check 'maria about' maria about
export_check 'Björn late' Björn late
[ "$("$query" export --search cafe | wc -l)" -gt "$("$query" export --search café | wc -l)" ] \
    || fail "export: cafe finds no more than café, a weak check"
pass "export --search folds as search does"

# The folded trigram index can answer a month's search: the statement of
# a bitmap step, planned generic as core plans it. A sequential scan is
# priced out so that the check does not depend on the month's size or
# statistics: without an index that serves the expression the plan is
# still a Seq Scan.
part=$(q "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'messages'::regclass and c.relname <> 'messages_default'
          order by c.reltuples desc, c.relname desc limit 1")
plan=$(q "set plan_cache_mode = force_generic_plan; set enable_seqscan = off;
          prepare p(text) as select id from only $part where public.convo_match(content, \$1);
          explain execute p('%maria%')")
idx=$(printf '%s\n' "$plan" | sed -n 's/.*Bitmap Index Scan on \([a-z0-9_]*\).*/\1/p' | head -1)
[ -n "$idx" ] || fail "no index scan for a folded search of $part: $plan"
q "select pg_get_indexdef('$idx'::regclass)" | grep -q 'gin (convo_fold(content) gin_trgm_ops)' \
    || fail "$idx is not the folded trigram index: $(q "select pg_get_indexdef('$idx'::regclass)")"
CONVO_TRACE=1 CONVO_FORCE_STEP=bitmap "$query" search maria >/dev/null 2>"$work/trace" \
    || fail "traced search failed: $(cat "$work/trace")"
grep -q '^convo: bitmap ' "$work/trace" || fail "no bitmap step: $(cat "$work/trace")"
old=$(q "select count(*) from pg_index where indrelid = 'messages'::regclass
         and pg_get_indexdef(indexrelid) like '%gin (content gin_trgm_ops)%'")
[ "$old" = 0 ] || fail "the trigram index over the unfolded content is still there"
pass "the folded trigram index answers a partition ($idx), the unfolded one is gone"

# core's table (core_unaccent) against the server's unaccent(): every
# character the rules name, and every one of U+0080..U+2FFF and the
# letter-like blocks beyond, one per line, then whole phrases.
python3 - >"$work/chars" <<'PY'
import unicodedata
cps = list(range(0x80, 0x3000)) + list(range(0xFB00, 0xFB50)) + list(range(0xFF00, 0xFFF0)) \
    + list(range(0x1D400, 0x1D800)) + [0x1F600, 0x1F98A]
for cp in cps:
    c = chr(cp)
    if unicodedata.category(c) in ('Cs', 'Cc', 'Zl', 'Zp'):
        continue
    print(c)
print('María Straße café “ok” ½ Œuvre Ǆ ﬁ')
print('plain ascii text, 123 (415) 555')
PY
"$fold_check" <"$work/chars" | cut -f1 >"$work/core"
"$fold_check" <"$work/chars" | cut -f2 >"$work/accents"
psql -X -q -v ON_ERROR_STOP=1 -At -c "create temp table t (n serial, s text)" \
     -c "\\copy t (s) from '$work/chars' with (format text)" \
     -c "select public.unaccent(s) from t order by n" >"$work/server" \
    || fail "the server could not fold the characters"
[ "$(wc -l <"$work/server")" -gt 10000 ] || fail "too few characters compared"
diff "$work/core" "$work/server" >"$work/diff" \
    || fail "core folds $(grep -c '^<' "$work/diff") characters otherwise than unaccent: $(head -6 "$work/diff")"
psql -X -q -v ON_ERROR_STOP=1 -At -c "create temp table t (n serial, s text)" \
     -c "\\copy t (s) from '$work/chars' with (format text)" \
     -c "select (public.unaccent(s) <> s)::int from t order by n" >"$work/server_accents"
diff -q "$work/accents" "$work/server_accents" >/dev/null || fail "core_has_accents differs from unaccent"
pass "core's accent table folds $(wc -l <"$work/core") texts as the server's unaccent does"
