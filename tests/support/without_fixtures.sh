#!/usr/bin/env bash
# Runs a test executable as in a clone without ../shared: MLRUN_SOURCE_DIR is
# an empty directory with nothing beside it. Passes when the executable
# passes and reports its fixture cases skipped, naming the missing directory.
#
# usage: tests/support/without_fixtures.sh TEST_EXECUTABLE SCRATCH_DIR
set -uo pipefail

executable=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch/mlrun"
output=$(MLRUN_SOURCE_DIR=$scratch/mlrun "$executable" --log_level=test_suite --report_level=short 2>&1)
status=$?
echo "$output"
expected="is skipped because precondition failed: ../shared/fixtures/interop ($scratch/shared/fixtures/interop) not found"
((status == 0)) || { echo "without_fixtures.sh: $executable failed ($status) without the fixtures" >&2; exit 1; }
grep -qF "$expected" <<<"$output" || { echo "without_fixtures.sh: no case said: $expected" >&2; exit 1; }
