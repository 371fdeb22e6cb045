#!/usr/bin/env bash
# tests/live/walk.sh LIB WALK - pages walked while the data moves, in a database of its own.
source "$1"
fresh_db "convo_walk_test_$$"
"$2"
