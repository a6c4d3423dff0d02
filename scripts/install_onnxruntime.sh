#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (the npm package onnxruntime-node,
# pinned), which the ONNX export test runs exported models in.
#
# usage: scripts/install_onnxruntime.sh [DIR]   (DIR defaults to .onnxruntime)
#
# Install scripts stay disabled: the package's own postinstall would fetch
# GPU libraries from outside the npm registry, and the CPU binding for
# linux x64 is inside the package. Safe to run again: an installed copy of
# the pinned version is kept.
set -euo pipefail

package=onnxruntime-node
version=1.20.1
binding=bin/napi-v3/linux/x64/onnxruntime_binding.node

die() {
    echo "install_onnxruntime.sh: $*" >&2
    exit 1
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:-.onnxruntime}
installed=$dir/node_modules/$package

have_version() {
    [[ -f $installed/package.json && -f $installed/$binding ]] &&
        [[ $(node -p "require('./$installed/package.json').version" 2>/dev/null) == "$version" ]]
}

command -v node >/dev/null || die "node is not installed (scripts/install_deps.sh installs it)"
command -v npm >/dev/null || die "npm is not installed (scripts/install_deps.sh installs it)"
if have_version; then
    echo "$installed: $package@$version already installed"
    exit 0
fi
mkdir -p "$dir"
# --no-save with no package.json of its own keeps the install to this folder.
npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --no-save --loglevel=warn "$package@$version" ||
    die "npm install $package@$version failed"
have_version || die "$installed: expected $package@$version with $binding after installing"
# The binding loads and answers: the runtime works without network.
node -e "require('./$installed').InferenceSession || process.exit(1)" ||
    die "$installed: the ONNX Runtime binding does not load"
echo "$installed: $package@$version installed"
