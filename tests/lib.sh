# tests/lib.sh - shared helpers for the shell-driven db and tui suites.
# Sourced, not run. Expects PGHOST/PGPORT/PGUSER from ./test (or ./run env).
set -euo pipefail

TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCHEMA_DIR=$TESTS_ROOT/../schema

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }

# q SQL: one value (or rows, tab-separated) from PGDATABASE.
q() { psql -X -q -v ON_ERROR_STOP=1 -At -F $'\t' -c "$1"; }

# match_sql COLUMN PATTERN: the SQL of search's match of an ILIKE pattern
# (an SQL expression) against a column (docs/search.md#accents): the column
# as unaccent folds it holds the folded pattern, and a pattern with accents
# also matches the column as written.
match_sql() {
    printf "(public.unaccent(%s) ilike public.unaccent(%s) and (public.unaccent(%s) = %s or %s ilike %s))" \
        "$1" "$2" "$2" "$2" "$1" "$2"
}

# word_sql ALIAS_M ALIAS_C WORD: the SQL of one search word's match: in
# the message's content, the contact's name or phone, or, for a word of
# digits and + - ( ) . space, the phone's digits.
word_sql() {
    local w=$3 p="'%' || \$\$$3\$\$ || '%'"
    printf "(%s or %s
             or %s
             or (\$\$%s\$\$ ~ '^[0-9+(). -]*[0-9][0-9+(). -]*\$'
                 and public.convo_digits(%s.phone_number)
                     like '%%' || regexp_replace(\$\$%s\$\$, '[^0-9]', '', 'g') || '%%'))" \
        "$(match_sql "$1.content" "$p")" "$(match_sql "$2.name" "$p")" \
        "$(match_sql "$2.phone_number" "$p")" "$w" "$2" "$w"
}

# words_where FILTER_SQL WORD...: every word (messages m, contacts c), and
# the filters.
words_where() {
    local sql="($1)" w
    shift
    for w in "$@"; do sql+=" and $(word_sql m c "$w")"; done
    printf '%s' "$sql"
}

# words_oracle FILTER_SQL WORD...: what a search of the words with those
# filters lists, by brute force: contact:message of each conversation at
# its newest message that passes, newest first.
words_oracle() {
    q "with a as (select distinct on (m.contact_id) m.contact_id, m.created_at, m.id
                    from messages m join contacts c on c.id = m.contact_id
                   where $(words_where "$@")
                   order by m.contact_id, m.created_at desc, m.id desc)
       select contact_id || ':' || id from a order by created_at desc, id desc" | tr '\n' ' '
}

# words_check QUERY WORK TERM FILTER_SQL WORD...: a search of TERM, walked
# page by page (search_walk), lists what words_oracle says of the filters
# and words; an empty answer fails as a weak check unless EMPTY_OK=1.
words_check() {
    local query=$1 work=$2 term=$3 got want
    shift 3
    got=$(search_walk "$query" "$work" "$term")
    want=$(words_oracle "$@")
    [ "$got" = "$want" ] || fail "search '$term' (steps '${CONVO_FORCE_STEP:-}'): pages [$got], SQL [$want]"
    [ -n "$want" ] || [ "${EMPTY_OK:-}" = 1 ] || fail "search '$term': the oracle finds nothing, a weak check"
}

# words_export_ids FILTER_SQL WORD...: the messages `export --search` of
# the words gives, newest first: those that pass and hold every word, one
# of them in the content (filters alone: every message that passes).
words_export_ids() {
    local filter=$1 any=false w
    shift
    for w in "$@"; do any+=" or $(match_sql m.content "'%' || \$\$$w\$\$ || '%'")"; done
    [ $# -gt 0 ] || any=true
    q "select m.id from messages m join contacts c on c.id = m.contact_id
       where $(words_where "$filter" "$@") and ($any)
       order by m.created_at desc, m.id desc"
}

# fresh_db NAME: an empty database with the schema applied; exports
# PGDATABASE=NAME and drops it when the test exits.
fresh_db() {
    local name=$1 f
    psql -X -q -d postgres -c "drop database if exists \"$name\" with (force)" >/dev/null
    psql -X -q -d postgres -c "create database \"$name\"" >/dev/null
    export PGDATABASE=$name
    for f in "$SCHEMA_DIR"/[0-9]*.sql; do
        psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$f" >/dev/null 2>&1 \
            || fail "schema $(basename "$f") did not apply"
    done
    trap "psql -X -q -d postgres -c 'drop database if exists \"$name\" with (force)' >/dev/null 2>&1 || true" EXIT
}

# stale_copies: how many contacts' copy of their pointed message (direction
# and content, schema 012) is not that message's; a pointer without a copy
# counts too.
stale_copies() {
    q "select count(*) from contacts c
       left join messages m on m.created_at = c.last_message_at and m.id = c.last_message_id
                           and m.contact_id = c.id
       where (c.last_message_direction, c.last_message_content) is distinct from (m.direction, m.content)"
}

# pointers_exact WHAT: every pointer is its contact's latest message and
# every copy the pointed message's, or the test fails naming WHAT.
pointers_exact() {
    local wrong
    wrong=$(stale_pointers)
    [ "$wrong" = 0 ] || fail "$1: $wrong contacts point elsewhere than their latest message"
    wrong=$(stale_copies)
    [ "$wrong" = 0 ] || fail "$1: $wrong contacts' copy is not their pointed message"
    pass "$1"
}

# stale_pointers: how many contacts' last-message pointer is not, by brute
# force, their latest message (greatest created_at, then greatest id).
stale_pointers() {
    q "select count(*) from contacts c
       left join (select distinct on (contact_id) contact_id, created_at, id from messages
                  order by contact_id, created_at desc, id desc) l on l.contact_id = c.id
       where c.last_message_at is distinct from l.created_at
          or c.last_message_id is distinct from l.id"
}

# search_walk QUERY WORK TERM [OPTION]: every page of `QUERY search TERM`
# in pages of 7 rows, as "contact:message " pairs in page order (a
# contact without messages as contact:null). WORK: a directory for the
# pages. Read with sed, not a JSON parser: convo-query writes one
# conversation a line, and a string's quotes are escaped, so the keys
# are found only where they are keys.
search_walk() {
    local query=$1 work=$2 term=$3 opt=${4:-} cursor='' out=$2/page got='' n=0
    while :; do
        "$query" search $opt -- "$term" --limit 7 ${cursor:+--after "$cursor"} >"$out" 2>"$work/err" \
            || fail "search '$term' $opt exit $?: $(cat "$work/err")"
        got+=$(sed -n 's/^ *{"contact_id": \([0-9]*\),.*"message_id": \([0-9]*\|null\), "direction".*/\1:\2 /p' "$out" | tr -d '\n')
        cursor=$(sed -n 's/.*"next_cursor": "\([^"]*\)".*/\1/p' "$out")
        n=$((n + 1))
        [ -n "$cursor" ] || break
        [ "$n" -lt 300 ] || fail "search '$term' did not end"
    done
    printf '%s' "$got"
}
