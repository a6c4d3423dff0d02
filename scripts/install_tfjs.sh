#!/usr/bin/env bash
# Installs TensorFlow.js (the npm package @tensorflow/tfjs, pinned: pure
# JavaScript, CPU backend, no native binding), which the TF.js format tests
# load exported models into and the example web page runs.
#
# usage: scripts/install_tfjs.sh [DIR]   (DIR defaults to .tfjs)
#
# Install scripts stay disabled: the package needs none. Safe to run again:
# an installed copy of the pinned version is kept.
set -euo pipefail

package=@tensorflow/tfjs
version=4.22.0
bundle=dist/tf.min.js

die() {
    echo "install_tfjs.sh: $*" >&2
    exit 1
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${1:-.tfjs}
installed=$dir/node_modules/$package

have_version() {
    [[ -f $installed/package.json && -f $installed/$bundle ]] &&
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
have_version || die "$installed: expected $package@$version with $bundle after installing"
# It loads and computes on the CPU backend without network.
node -e "const tf = require('./$installed'); tf.setBackend('cpu').then(() => process.exit(tf.add(1, 2).dataSync()[0] === 3 ? 0 : 1))" ||
    die "$installed: TensorFlow.js does not load or compute"
echo "$installed: $package@$version installed"
