#!/usr/bin/env bash
# tests/live/live_api.sh LIB LIVE_API - the live API test in a database of its own.
source "$1"
fresh_db "convo_live_api_test_$$"
"$2"
