#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, test and train with mlrun.
# Safe to run again: installs only what is missing. Runs as root, or
# through sudo when available.
#
# usage: scripts/install_deps.sh
set -euo pipefail

packages=(
    build-essential cmake pkg-config ca-certificates
    libboost-filesystem-dev libboost-program-options-dev libboost-test-dev libboost-dev
    libopenblas-dev libdnnl-dev ocl-icd-opencl-dev
    libhdf5-dev hdf5-tools libyaml-cpp-dev libzip-dev nlohmann-json3-dev
    libprotobuf-dev protobuf-compiler libleveldb-dev libsnappy-dev zlib1g-dev
    libonnx-dev
    libopenmpi-dev openmpi-bin
    dataset-fashion-mnist
    gnuplot-nox
    clang libclang-rt-14-dev
    nodejs npm
    chromium
)

die() {
    echo "install_deps.sh: $*" >&2
    exit 1
}

installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

# node and npm may come from outside dpkg (npm is bundled with some node
# builds), so working commands count as installed.
satisfied() {
    case $1 in
        nodejs | npm) command -v node >/dev/null && command -v npm >/dev/null && return 0 ;;
    esac
    installed "$1"
}

command -v dpkg-query >/dev/null || die "needs a Debian system (dpkg-query not found)"

missing=()
for p in "${packages[@]}"; do
    satisfied "$p" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "install_deps.sh: all ${#packages[@]} packages present"
    exit 0
fi

as_root=()
if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing ${missing[*]}; run as root to install them (sudo not found)"
    as_root=(sudo)
fi

echo "install_deps.sh: installing ${missing[*]}"
# Waits for another package manager run to release its lock instead of failing.
lock=(-o DPkg::Lock::Timeout=600)
"${as_root[@]}" apt-get "${lock[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${lock[@]}" install -y --no-install-recommends "${missing[@]}"
