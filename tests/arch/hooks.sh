#!/usr/bin/env bash
# tests/arch/hooks.sh PROGRAM... - the release programs carry none of the
# tests' hooks: no forced search step, no fixed clock, no injected seeder
# fault. Each hook is read from an environment variable by the tests'
# copies only (convo-query-test, convo-test, convo-seed-test), so its name
# must not appear in a release program.
set -uo pipefail
hooks=(CONVO_FORCE_STEP CONVO_NOW CONVO_SEED_TEST_COMMIT CONVO_SEED_TEST_SNAPSHOT_DB
       CONVO_SEED_TEST_SNAPSHOT_SQL CONVO_SEED_LOCK_WAIT_S)
bad=0
for p in "$@"; do
    for h in "${hooks[@]}"; do
        if grep -qaF -- "$h" "$p"; then
            echo "FAIL: $(basename "$p") reads the test hook $h" >&2
            bad=1
        fi
    done
done
[ $bad = 0 ] || exit 1
echo "ok: $# programs read no test hook"
