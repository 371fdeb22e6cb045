#!/usr/bin/env bash
# tests/live/walk.sh LIB WALK - pages walked while the data moves, each run
# in a database of its own: once with the steps search chooses, once with
# every month read at once (CONVO_FORCE_STEP=b; several words then prune
# the contacts their names match before the months are read, and all 150
# contacts are named Walker).
source "$1"
fresh_db "convo_walk_test_$$"
"$2" || exit 1
psql -X -q -d postgres -c "drop database \"convo_walk_test_$$\" with (force)" >/dev/null
fresh_db "convo_walk_months_test_$$"
CONVO_FORCE_STEP=b "$2"
