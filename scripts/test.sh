#!/usr/bin/env bash
# test.sh: the second command of the README and exactly what CI (.ci/run) runs. Stages:
#   setup        scripts/setup.sh (installs what is missing)
#   build        build/ with -DAW_WERROR=ON
#   ctest sqlite       unit tests, fuzz corpora, HTTP cases, moderation, import, faults, HTML
#                      validation, stress (build/), on SQLite
#   ctest postgresql   the HTTP cases, moderation and import tests on PostgreSQL, and a restart of
#                      PostgreSQL under load (ctest pg.*: throwaway clusters from scripts/pg.sh);
#                      the rest follows (issue 7)
#   lint         scripts/lint.sh
#   asan-build   build-asan/ with -DAW_SANITIZE=ON -DAW_WERROR=ON
#   asan-ctest   the whole ctest suite, both databases, under AddressSanitizer + UBSan (leaks
#                detected)
#   e2e sqlite       browser tests (tests/e2e/run.sh) against build/awareday
#   e2e postgresql   the same on a throwaway PostgreSQL cluster, then two instances on one
#                    database behind nginx running the moderation scenario, one stopped in the
#                    middle of it (tests/e2e/two_instances.py)
# Every stage runs even when an earlier one failed (a stage whose build failed fails fast), so
# one run shows everything that is wrong. Ends with "N passed, M failed" (N, M: stages) and exits
# 1 if any stage failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Two cores, shared: never more than two jobs.
export CMAKE_BUILD_PARALLEL_LEVEL=2
export CTEST_PARALLEL_LEVEL=2

passed=()
failed=()
started=$SECONDS

# stage NAME COMMAND...: runs COMMAND in a subshell with errexit in force (a function called
# from an `if` would run with errexit off), records the result, never stops the script.
stage() {
    local name=$1 rc t0=$SECONDS
    shift
    echo
    echo "==== stage: $name ===="
    set +e
    (
        set -euo pipefail
        "$@"
    )
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        echo "==== stage $name: passed ($((SECONDS - t0)) s) ===="
        passed+=("$name")
    else
        echo "==== stage $name: FAILED (exit $rc, $((SECONDS - t0)) s) ===="
        failed+=("$name")
    fi
}

run_ctest() { # DIR [ctest selection...]
    local dir=$1
    shift
    ctest --test-dir "$dir" --output-on-failure -j2 --timeout 300 "$@"
}

run_asan_ctest() {
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_ctest build-asan
}

stage setup bash scripts/setup.sh
stage build bash scripts/build.sh build -DAW_WERROR=ON
stage "ctest sqlite" run_ctest build -E '^pg\.'
stage "ctest postgresql" run_ctest build -R '^pg\.'
stage lint bash scripts/lint.sh
stage asan-build bash scripts/build.sh build-asan -DAW_SANITIZE=ON -DAW_WERROR=ON
stage asan-ctest run_asan_ctest
stage "e2e sqlite" bash tests/e2e/run.sh build/awareday
run_e2e_pg() { # the same browser tests on a throwaway PostgreSQL cluster, then two instances
    local dir=$PWD/build/pg-e2e rc=0
    bash scripts/pg.sh restart "$dir" >/dev/null
    bash tests/e2e/run.sh build/awareday --pg "$dir" || rc=$?
    python3 tests/e2e/two_instances.py --bin build/awareday --pg "$dir" || { [ "$rc" -ne 0 ] || rc=1; }
    bash scripts/pg.sh stop "$dir"
    return "$rc"
}
stage "e2e postgresql" run_e2e_pg

echo
echo "==== summary ($((SECONDS - started)) s) ===="
for s in "${passed[@]}"; do
    echo "passed: $s"
done
for s in "${failed[@]+"${failed[@]}"}"; do
    echo "FAILED: $s"
done
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
