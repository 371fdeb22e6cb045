# tests/live/sessions.sh - psql sessions driven one statement at a time, so
# that a test can interleave transactions exactly. Sourced after tests/lib.sh.
#
#   sess_open K           start session K (a psql reading a fifo)
#   sess_send K SQL       send one statement; returns when it finished or
#                         when the server shows it waiting for a lock
#   sess_wait K           wait until everything sent to K has finished
#   sess_outcome K        "ok", or the first SQLSTATE any statement sent
#                         since the last sess_reset gave
#   sess_reset K          forget the statements' states
#   sess_close K

SESS_DIR=$(mktemp -d)
declare -A SESS_FD SESS_N SESS_PID SESS_BACKEND SESS_FROM

sess_open() {
    local k=$1 fd
    mkfifo "$SESS_DIR/in$k"
    psql -X -q -At -v VERBOSITY=verbose <"$SESS_DIR/in$k" >"$SESS_DIR/out$k" 2>&1 &
    SESS_PID[$k]=$!
    exec {fd}>"$SESS_DIR/in$k"
    SESS_FD[$k]=$fd SESS_N[$k]=0 SESS_FROM[$k]=1
    printf 'select %s, pg_backend_pid();\n' "'@@pid'" >&"$fd"
    local i
    for i in $(seq 1 200); do
        SESS_BACKEND[$k]=$(sed -n 's/^@@pid|//p' "$SESS_DIR/out$k")
        [ -n "${SESS_BACKEND[$k]}" ] && return
        sleep 0.02
    done
    fail "session $k did not start: $(cat "$SESS_DIR/out$k")"
}

# The marker line of statement N of session K: "@@N SQLSTATE" once done.
sess_done() { grep -q "^@@$2 " "$SESS_DIR/out$1"; }

sess_send() {
    local k=$1 n=$((SESS_N[$1] + 1)) i w
    SESS_N[$k]=$n
    printf '%s;\n\\echo @@%s :SQLSTATE\n' "$2" "$n" >&"${SESS_FD[$k]}"
    for i in $(seq 1 500); do
        sess_done "$k" "$n" && return
        w=$(q "select wait_event_type from pg_stat_activity where pid = ${SESS_BACKEND[$k]}")
        [ "$w" = Lock ] && return
        sleep 0.02
    done
    fail "session $k: '$2' neither finished nor waited for a lock"
}

sess_wait() {
    local k=$1 i
    for i in $(seq 1 1500); do
        sess_done "$k" "${SESS_N[$k]}" && return
        sleep 0.02
    done
    fail "session $k did not finish: $(tail -3 "$SESS_DIR/out$k")"
}

sess_outcome() {
    local k=$1 n s
    for n in $(seq "${SESS_FROM[$k]}" "${SESS_N[$k]}"); do
        s=$(sed -n "s/^@@$n //p" "$SESS_DIR/out$k")
        if [ "$s" != 00000 ]; then printf '%s\n' "$s"; return; fi
    done
    echo ok
}

sess_reset() { SESS_FROM[$1]=$((SESS_N[$1] + 1)); }

sess_close() {
    local k=$1
    local fd=${SESS_FD[$k]}
    printf '\\q\n' >&"$fd"
    exec {fd}>&-
    wait "${SESS_PID[$k]}" 2>/dev/null || true
}
