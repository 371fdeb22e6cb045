#!/usr/bin/env bash
# tests/fuzz/build.sh [OUT] - builds the libFuzzer targets with clang under
# AddressSanitizer and UndefinedBehaviorSanitizer into OUT (default
# build-fuzz/ at the top of the project). Needs Debian's clang and
# libclang-rt-14-dev (./run installs them). One line per target that fails.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/build-fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT"
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

FLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
       -I"$ROOT/core" -I"$ROOT/seeder" -I"$ROOT/tui" $(pkg-config --cflags libpq ncursesw))
PQ=$(pkg-config --libs libpq)
CURSES=$(pkg-config --libs ncursesw)
CORE=("$ROOT"/core/{conn,cursor,page,recent,redact,search,term}.c)
# Core's other files, if another branch added some, link too.
for f in "$ROOT"/core/*.c; do
    case " ${CORE[*]} " in *" $f "*) ;; *) CORE+=("$f") ;; esac
done

# Up to date: nothing to do.
newest=$(find "$ROOT/core" "$ROOT/seeder" "$ROOT/tui" "$ROOT/tests/fuzz" -maxdepth 1 \
         \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) -printf '%T@\n' | sort -n | tail -n 1)
fresh=1
for t in csv term cursor redact render; do
    [ -x "$OUT/fuzz-$t" ] && [ "$(stat -c %Y "$OUT/fuzz-$t")" -ge "${newest%.*}" ] || fresh=0
done
[ $fresh = 1 ] && exit 0

# Core is compiled once (instrumented) and linked into four targets.
OBJ=$OUT/obj
mkdir -p "$OBJ"
core_objs=()
pids=()
for f in "${CORE[@]}"; do
    o=$OBJ/$(basename "${f%.c}").o
    core_objs+=("$o")
    "$CC" "${FLAGS[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" \
        -c "$f" -o "$o" 2>"$o.log" &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || { echo "fuzz: compiling core failed:" >&2; cat "$OBJ"/*.log >&2; exit 1; }
done

# target NAME SOURCES... LIBS: one binary; its errors go to OUT/NAME.log.
target() {
    local name=$1; shift
    if ! "$CC" "${FLAGS[@]}" -o "$OUT/fuzz-$name" "$@" >"$OUT/$name.log" 2>&1; then
        echo "fuzz: building $name failed (see $OUT/$name.log)" >&2
        tail -n 5 "$OUT/$name.log" >&2
        return 1
    fi
}

# The renderer's file also draws with curses helpers from tui/term.c that
# the target never calls; tui_shim.c gives the data and die(), and every other
# function the link misses becomes a stub that aborts (it is never called),
# so the target keeps building while tui/ changes. Core links whole: the
# highlights split terms into words (filter.c) and fold them (fold.c).
render() {
    local srcs=("$ROOT/tests/fuzz/fuzz_render.c" "$ROOT/tests/fuzz/tui_shim.c" "$ROOT/tui/text.c"
                "${core_objs[@]}")
    : >"$OUT/render_stubs.c"
    "$CC" "${FLAGS[@]}" -o "$OUT/fuzz-render" "${srcs[@]}" "$OUT/render_stubs.c" $CURSES $PQ -lpthread \
        >"$OUT/render.log" 2>&1 && return 0
    sed -n "s/.*undefined reference to \`\([A-Za-z_][A-Za-z0-9_]*\)'.*/\1/p" "$OUT/render.log" \
        | sort -u | while read -r fn; do
            printf '#include <stdlib.h>\nvoid %s(void);\nvoid %s(void) { abort(); }\n' "$fn" "$fn"
        done >"$OUT/render_stubs.c"
    target render "${srcs[@]}" "$OUT/render_stubs.c" $CURSES $PQ -lpthread
}
target csv "$ROOT/tests/fuzz/fuzz_csv.c" "$ROOT/seeder/csv.c" "$ROOT/seeder/util.c" "$ROOT/core/base.c" -lcsv -lm &
p1=$!
target term "$ROOT/tests/fuzz/fuzz_term.c" "${core_objs[@]}" $PQ -lpthread &
p2=$!
target cursor "$ROOT/tests/fuzz/fuzz_cursor.c" "${core_objs[@]}" $PQ -lpthread &
p3=$!
target redact "$ROOT/tests/fuzz/fuzz_redact.c" "${core_objs[@]}" $PQ -lpthread &
p4=$!
render &
p5=$!
failed=0
for p in $p1 $p2 $p3 $p4 $p5; do
    wait $p || failed=1
done
exit $failed
