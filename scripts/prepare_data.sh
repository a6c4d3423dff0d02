#!/usr/bin/env bash
# Prepares the data sets the examples and tests train on.
#
# usage: scripts/prepare_data.sh [DATA_DIR]   (DATA_DIR defaults to data)
#
#   DATA_DIR/mnist          MNIST digits, built by scripts/prepare_mnist.js
#   DATA_DIR/fashion_mnist  link to the Debian package dataset-fashion-mnist
#
# Safe to run again: finished steps are skipped.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_dir=${1:-data}
[[ $data_dir == / ]] || data_dir=${data_dir%/}

fashion_source=/usr/share/datasets/fashion-mnist
idx_files=(
    train-images-idx3-ubyte.gz
    train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz
    t10k-labels-idx1-ubyte.gz
)

die() {
    echo "prepare_data.sh: $*" >&2
    exit 1
}

command -v node >/dev/null || die "node is not installed (scripts/install_deps.sh installs it)"
mkdir -p "$data_dir"
node "$script_dir/prepare_mnist.js" "$data_dir/mnist"

missing=()
for f in "${idx_files[@]}"; do
    [[ -f $fashion_source/$f ]] || missing+=("$f")
done
if ((${#missing[@]})); then
    die "$fashion_source lacks ${missing[*]}; install the Debian package dataset-fashion-mnist (scripts/install_deps.sh does)"
fi

link=$data_dir/fashion_mnist
if [[ -L $link && $(readlink "$link") == "$fashion_source" ]]; then
    echo "$link: already linked"
elif [[ -e $link && ! -L $link ]]; then
    die "$link exists and is not a link; move it away to link $fashion_source there"
else
    # -n replaces a stale link instead of creating one inside its target.
    ln -sfn "$fashion_source" "$link"
    echo "$link -> $fashion_source"
fi
