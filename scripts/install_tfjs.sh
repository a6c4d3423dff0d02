#!/usr/bin/env bash
# Installs TensorFlow.js (the npm package @tensorflow/tfjs, pinned: pure
# JavaScript, CPU backend, no native binding), which the TF.js format tests
# load exported models into and the example web page runs.
#
# usage: scripts/install_tfjs.sh [DIR]   (DIR defaults to .tfjs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# It loads and computes on the CPU backend without network.
exec scripts/install_npm_package.sh @tensorflow/tfjs 4.22.0 "${1:-.tfjs}" dist/tf.min.js \
    "pkg.setBackend('cpu').then(() => process.exit(pkg.add(1, 2).dataSync()[0] === 3 ? 0 : 1))"
