#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before mlrun runs: installs
# missing packages, builds into build/ (Release), prepares the data and
# installs ONNX Runtime for the ONNX export test
# and TensorFlow.js for the TF.js format tests and the example web page.
# Safe to run again: each step only does what is left to do.
#
# usage: scripts/setup.sh            (from anywhere; works in the repository)
#   MLRUN_BUILD_DIR   build directory (default: build)
#   MLRUN_CMAKE_ARGS  extra configure arguments, e.g. -DMLRUN_SANITIZE=ON
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${MLRUN_BUILD_DIR:-build}

scripts/install_deps.sh
# shellcheck disable=SC2086  # MLRUN_CMAKE_ARGS is a list of arguments
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${MLRUN_CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$(nproc)"
scripts/prepare_data.sh data
scripts/install_onnxruntime.sh
scripts/install_tfjs.sh
