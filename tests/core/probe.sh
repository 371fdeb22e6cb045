#!/usr/bin/env bash
# tests/core/probe.sh CORE_PROBE: a "standby" that accepts TCP and never
# answers (a listening socket that reads nothing) listed before the
# primary; a reader on the primary that looks for the standby again must
# answer its searches promptly (tests/core/probe.c).
source "$(dirname "$0")/../lib.sh"
probe=$1

portfile=$(mktemp)
python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)' "$portfile" &
lpid=$!
trap 'kill $lpid 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 1 100); do [ -s "$portfile" ] && break; sleep 0.05; done
port=$(cat "$portfile")
[ -n "$port" ] || fail "the silent listener did not start"

info="host=127.0.0.1,$PGHOST port=$port,$PGPORT dbname=$PGDATABASE user=$PGUSER"
info="$info connect_timeout=1 target_session_attrs=prefer-standby"
"$probe" "$info" || fail "a reader waited on a standby that never answers"
pass "a reader's search never waits on the look for a standby that never answers"
