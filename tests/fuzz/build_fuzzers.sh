#!/usr/bin/env bash
# Configures and builds the libFuzzer targets with clang in a second build
# directory (ctest's fuzz_build; docs/fuzzing.md). Only the libraries the
# targets need are built. Safe to run again: rebuilds what changed.
#
# usage: tests/fuzz/build_fuzzers.sh SOURCE_DIR FUZZ_BUILD_DIR
set -euo pipefail

source_dir=$1
build_dir=$2

for tool in clang clang++; do
    if ! command -v "$tool" >/dev/null; then
        echo "build_fuzzers.sh: $tool not found: the fuzz tests need clang and libclang-rt-14-dev" \
            "(scripts/install_deps.sh installs them)" >&2
        exit 1
    fi
done

CC=clang CXX=clang++ cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMLRUN_FUZZERS=ON -DMLRUN_WITH_OPENBLAS=OFF -DMLRUN_WITH_ONEDNN=OFF -DMLRUN_BUILD_BENCHMARKS=OFF
cmake --build "$build_dir" --target mlrun_fuzzers -j 2
