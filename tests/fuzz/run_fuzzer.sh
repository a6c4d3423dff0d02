#!/usr/bin/env bash
# Runs one fuzz target for SECONDS from a fresh seed corpus (ctest's
# fuzz_* tests; docs/fuzzing.md). A crash, leak, sanitizer report, timeout
# or out-of-memory fails with the reproducer's path and the command that
# replays it.
#
# usage: tests/fuzz/run_fuzzer.sh TARGET FUZZ_BUILD_DIR SECONDS [libFuzzer options...]
#   MLRUN_SOURCE_DIR, MLRUN_BINARY_DIR  as for make_seeds.sh
set -euo pipefail

target=$1
build_dir=$2
seconds=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fuzzer=$build_dir/bin/$target
[[ -x $fuzzer ]] || { echo "run_fuzzer.sh: $fuzzer not built (tests/fuzz/build_fuzzers.sh)" >&2; exit 1; }

# Files beyond this are not generated; bigger seeds are left out (make_seeds.sh).
max_len=131072
work=$build_dir/runs/$target
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$here/make_seeds.sh" "$target" "$work/seeds" "$max_len"

# intercept_tls_get_addr=0: as for the sanitizer build's tests (tests/CMakeLists.txt),
# the leak checker's tracking of dynamic TLS hangs or crashes on glibc 2.36.
# libhdf5 is built without frame pointers: only the slow unwinder sees the
# library's own frames, which lsan.supp needs to match its leak. Both
# targets whose inputs reach libhdf5 (a .keras archive holds an .h5) need it.
unwind=
case $target in hdf5_fuzzer | keras_archive_fuzzer) unwind=:fast_unwind_on_malloc=0 ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:intercept_tls_get_addr=0$unwind}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# -timeout: seconds one input may take; -rss_limit_mb: also caps single allocations.
"$fuzzer" "$work/corpus" "$work/seeds" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" 2>&1 || status=$?

shopt -s nullglob
found=("$work"/artifacts/*)
if ((status != 0 || ${#found[@]} > 0)); then
    echo "run_fuzzer.sh: $target FAILED (exit status $status)" >&2
    for f in "${found[@]}"; do
        echo "run_fuzzer.sh: reproducer: $f" >&2
        echo "run_fuzzer.sh: replay with: $fuzzer $f" >&2
    done
    exit 1
fi
echo "run_fuzzer.sh: $target ran ${seconds}s from $(find "$work/seeds" -type f | wc -l) seeds: nothing found"
