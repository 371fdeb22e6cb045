#!/usr/bin/env bash
# tests/arch/paths.sh SOURCE_ROOT PROGRAM... - the programs carry no path
# of the checkout they were built from: they find the schema folder and
# the embedded cluster from their own executable (core_checkout_dir), so a
# copy elsewhere never points into someone's build tree.
set -uo pipefail
root=$1
shift
bad=0
for p in "$@"; do
    if n=$(grep -caF -- "$root" "$p") && [ "$n" -gt 0 ]; then
        echo "FAIL: $(basename "$p") holds the source path $root:" >&2
        strings "$p" | grep -F -- "$root" | head -n 3 >&2
        bad=1
    fi
done
[ $bad = 0 ] || exit 1
echo "ok: $# programs hold no path of the checkout"
