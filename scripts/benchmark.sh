#!/usr/bin/env bash
# Times mlrun on each backend and PyTorch on the identical job (the tutorial
# MLP on Fashion-MNIST, or with --job cnn the convnet of
# configs/fashion_cnn.yaml), in fp32 and in mixed_bfloat16 (PyTorch: bf16
# autocast), and prints samples/s, epoch times, the ratios and the targets.
# See docs/benchmarks.md. PyTorch (Debian's python3-torch) is needed only
# here; without it the mlrun numbers are printed alone.
#
# usage: scripts/benchmark.sh [--job mlp|cnn] [--backends openblas onednn] [--batch 32 256]
#                             [--precision fp32 mixed_bfloat16] [--threads 1 2] [--rounds 3]
#                             [--no-pytorch] [--accuracy-backend onednn] [--no-accuracy] [--json FILE]
#        scripts/benchmark.sh --distributed [--backend openblas] [--batches 256,1024]
#            2 MPI ranks against 1 rank x 1 and x 2 threads (docs/distributed.md)
#        scripts/benchmark.sh --default-threads [--backends onednn openblas] [--configs mnist fashion]
#                             [--loads quiet spinner] [--rounds 3]
#            whole runs with backend.threads 0 against 1 and 2, quiet and with a
#            process spinning on one core: the ratios default/best
# environment: MLRUN_BUILD_DIR (default build), PYTHON (default /usr/bin/python3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLRUN_BUILD_DIR:-$root/build}
python=${PYTHON:-/usr/bin/python3}

if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
fi
if [[ ${1:-} == --distributed ]]; then
    shift
    cmake --build "$build" -j2 --target mlrun-distributed-benchmark mlrun_backend_openblas >&2
    exec "$build/bin/mlrun-distributed-benchmark" "$@"
fi
if [[ ${1:-} == --default-threads ]]; then
    shift
    cmake --build "$build" -j2 --target mlrun mlrun_backend_openblas mlrun_backend_onednn >&2
    exec "$python" "$root/benchmarks/default_threads.py" --build "$build" "$@"
fi
cmake --build "$build" -j2 --target mlrun mlrun-benchmark mlrun_backend_openblas mlrun_backend_onednn >&2

exec "$python" "$root/benchmarks/run_benchmark.py" --build "$build" "$@"
