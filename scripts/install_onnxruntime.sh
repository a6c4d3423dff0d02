#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (the npm package onnxruntime-node,
# pinned), which the ONNX export test runs exported models in. Its own
# postinstall would fetch GPU libraries from outside the npm registry; the
# CPU binding for linux x64 is inside the package, so no script runs.
#
# usage: scripts/install_onnxruntime.sh [DIR]   (DIR defaults to .onnxruntime)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The binding loads and answers: the runtime works without network.
exec scripts/install_npm_package.sh onnxruntime-node 1.20.1 "${1:-.onnxruntime}" \
    bin/napi-v3/linux/x64/onnxruntime_binding.node "pkg.InferenceSession || process.exit(1)"
