#!/usr/bin/env bash
# Installs one pinned npm package into a project-local folder, for the tests
# that use a real third-party implementation as their oracle.
#
# usage: scripts/install_npm_package.sh PACKAGE VERSION DIR FILE CHECK
#   FILE   a file inside the package that a working install has
#   CHECK  JavaScript run with `pkg` bound to the installed package; it
#          exits non-zero (or throws) when the package does not work
#
# Install scripts stay disabled: the packages mlrun uses need none, and some
# would fetch extras from outside the npm registry. Safe to run again: an
# installed copy of the pinned version is kept.
set -euo pipefail

(($# == 5)) || {
    echo "usage: scripts/install_npm_package.sh PACKAGE VERSION DIR FILE CHECK" >&2
    exit 2
}
package=$1 version=$2 dir=$3 file=$4 check=$5

die() {
    echo "install_npm_package.sh: $package: $*" >&2
    exit 1
}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
installed=$dir/node_modules/$package

have_version() {
    [[ -f $installed/package.json && -f $installed/$file ]] &&
        [[ $(node -p "require(require('path').resolve('$installed/package.json')).version" 2>/dev/null) == "$version" ]]
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
have_version || die "expected version $version with $file in $installed after installing"
node -e "const pkg = require(require('path').resolve('$installed')); $check" || die "$installed does not load or work"
echo "$installed: $package@$version installed"
