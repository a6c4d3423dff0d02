#!/usr/bin/env python3
"""Runs mlrun on each backend and PyTorch on the identical job and prints
samples/s, epoch times and the ratios (see docs/benchmarks.md).

The job: the tutorial MLP on Fashion-MNIST, one training epoch over the
60,000 images at each batch size, and the evaluation of the 10,000 test
images. Every framework is timed at its best thread count (each count is
tried on a stretch of training first). The GEMM peak is the best gemm
throughput any backend reaches on large products in the same run; the FLOP
lower bound of an epoch is its matrix-multiply work divided by that peak.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

# Matrix-multiply FLOP per training sample of the tutorial MLP (784-512-10):
# the forward products, the same again for the weight gradients, and the
# input gradient of the second layer only (nothing needs the first layer's).
FORWARD = 2 * (784 * 512 + 512 * 10)
FLOP_PER_SAMPLE = 2 * FORWARD + 2 * 512 * 10

TARGETS = (
    # (batch, what, threshold, description)
    (32, "train_vs_pytorch", 4.0, "epoch at batch 32 at least 4x faster than PyTorch"),
    (32, "train_vs_bound", 2.5, "epoch at batch 32 within 2.5x of the FLOP lower bound"),
    (256, "train_vs_pytorch", 3.0, "epoch at batch 256 at least 3x faster than PyTorch"),
    (32, "evaluate_vs_pytorch", 2.0, "evaluation of the test images (batch 32) at least 2x PyTorch's throughput"),
    (256, "evaluate_vs_pytorch", 2.0, "evaluation of the test images (batch 256) at least 2x PyTorch's throughput"),
)
MEMORY_LIMIT_MB = 600


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_json_lines(command):
    log("$ " + " ".join(command))
    process = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if process.returncode != 0:
        raise SystemExit(f"benchmark: {command[0]} failed with exit code {process.returncode}")
    return [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]


def machine():
    model = "unknown CPU"
    flags = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line
    avx512 = "AVX-512" if " avx512f" in flags else "no AVX-512"
    return f"{model}, {os.cpu_count()} cores, {avx512}, {platform.system()} {platform.release()}"


def build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            match = re.search(r"^CMAKE_BUILD_TYPE:\w+=(\w*)", f.read(), re.M)
            return match.group(1) if match else ""
    except OSError:
        return ""


def peak_memory_mb(build, config, backend):
    """Maximum resident set size of one whole training epoch with validation."""
    time_tool = "/usr/bin/time"
    if not os.path.exists(time_tool):
        return None
    command = [time_tool, "-v", os.path.join(build, "bin", "mlrun"), config, f"backend={backend}", "fit.epochs=1",
               "fit.verbose=0"]
    log("$ " + " ".join(command))
    process = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", process.stderr)
    return int(match.group(1)) / 1024 if process.returncode == 0 and match else None


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(root, "build"), help="a Release build directory")
    parser.add_argument("--config", default=os.path.join(root, "configs", "fashion_mnist.yaml"))
    parser.add_argument("--backends", nargs="+", default=["openblas", "onednn"])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--probe-steps", type=int, default=200, help="steps timed per thread count")
    parser.add_argument("--epochs", type=int, default=3, help="epochs and evaluations timed (best kept)")
    parser.add_argument("--no-pytorch", action="store_true", help="time mlrun only")
    args = parser.parse_args()

    if build_type(args.build) != "Release":
        raise SystemExit(f"benchmark: {args.build} is not a Release build; configure it with "
                         "-DCMAKE_BUILD_TYPE=Release")
    tool = os.path.join(args.build, "bin", "mlrun-benchmark")
    common = ["--config", args.config, "--batch", *map(str, args.batch), "--threads", *map(str, args.threads),
              "--probe-steps", str(args.probe_steps), "--epochs", str(args.epochs)]
    load_before = os.getloadavg()

    results = []
    for backend in args.backends:
        results += run_json_lines([tool, "--backend", backend, "--gemm", *common])
    pytorch_note = None
    if args.no_pytorch:
        pytorch_note = "PyTorch skipped (--no-pytorch)"
    else:
        try:
            import torch  # noqa: F401  (only to know whether it is there)
            results += run_json_lines([sys.executable, os.path.join(root, "benchmarks", "pytorch_mlp.py"),
                                       "--batch", *map(str, args.batch), "--threads", *map(str, args.threads),
                                       "--probe-steps", str(args.probe_steps), "--epochs", str(args.epochs)])
        except ImportError:
            pytorch_note = (f"PyTorch not found for {sys.executable}: install Debian's python3-torch "
                            "(apt-get install python3-torch) and run with PYTHON=/usr/bin/python3")
    memory = {b: peak_memory_mb(args.build, args.config, b) for b in args.backends}
    load_after = os.getloadavg()

    gemm = [r for r in results if r["kind"] == "gemm"]
    peak = max(gemm, key=lambda r: r["gflops"])
    train = {(r["backend"], r["batch"]): r for r in results if r["kind"] == "train"}
    probes = [r for r in results if r["kind"] == "probe"]

    out = []
    out.append(f"machine: {machine()}")
    out.append(f"load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
               f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    out.append(f"GEMM peak measured: {peak['gflops']:.0f} GFLOP/s ({peak['backend']} gemm, {peak['threads']} "
               f"thread(s), {peak['m']}x{peak['n']}x{peak['k']})")
    versions = {r.get("version") for r in train.values() if r["backend"] == "pytorch"}
    if versions:
        out.append(f"PyTorch: {', '.join(sorted(v for v in versions if v))}")
    if pytorch_note:
        out.append(pytorch_note)
    out.append("")

    out.append("| job | framework | threads | time (s) | samples/s | speed-up vs PyTorch | time / FLOP lower bound |")
    out.append("|---|---|---|---|---|---|---|")
    checks = {}
    names = ["pytorch"] + args.backends
    for batch in args.batch:
        samples = next(r["samples"] for r in train.values() if r["batch"] == batch)
        bound = samples * FLOP_PER_SAMPLE / (peak["gflops"] * 1e9)
        base = train.get(("pytorch", batch))
        base_epoch = min(base["epoch_seconds"]) if base else None
        base_eval = min(base["evaluate_seconds"]) if base else None
        out.append(f"| train 1 epoch, batch {batch} | FLOP lower bound ({samples * FLOP_PER_SAMPLE / 1e9:.1f} GFLOP "
                   f"at {peak['gflops']:.0f} GFLOP/s) | | {bound:.3f} | {samples / bound:,.0f} | | 1.00 |")
        for name in names:
            r = train.get((name, batch))
            if r is None:
                continue
            epoch = min(r["epoch_seconds"])
            speedup = base_epoch / epoch if base_epoch else None
            label = "PyTorch" if name == "pytorch" else f"mlrun {name}"
            out.append(f"| train 1 epoch, batch {batch} | {label} | {r['threads']} | {epoch:.3f} "
                       f"(median {statistics.median(r['epoch_seconds']):.3f}) | {samples / epoch:,.0f} | "
                       + (f"{speedup:.2f}x" if speedup else "-") + f" | {epoch / bound:.2f} |")
            if name != "pytorch":
                best = checks.setdefault((batch, "train_vs_bound"), (0, None))
                checks[(batch, "train_vs_bound")] = max(best, (bound / epoch, name), key=lambda t: t[0])
                if speedup:
                    best = checks.setdefault((batch, "train_vs_pytorch"), (0, None))
                    checks[(batch, "train_vs_pytorch")] = max(best, (speedup, name), key=lambda t: t[0])
        for name in names:
            r = train.get((name, batch))
            if r is None:
                continue
            evaluation = min(r["evaluate_seconds"])
            speedup = base_eval / evaluation if base_eval else None
            label = "PyTorch" if name == "pytorch" else f"mlrun {name}"
            out.append(f"| evaluate {r['test_samples']:,} images, batch {batch} | {label} | {r['threads']} | "
                       f"{evaluation:.4f} | {r['test_samples'] / evaluation:,.0f} | "
                       + (f"{speedup:.2f}x" if speedup else "-") + " | |")
            if name != "pytorch" and speedup:
                best = checks.setdefault((batch, "evaluate_vs_pytorch"), (0, None))
                checks[(batch, "evaluate_vs_pytorch")] = max(best, (speedup, name), key=lambda t: t[0])

    out.append("")
    out.append("Time per step of the thread-count probes (ms; the fastest count was kept):")
    out.append("")
    out.append("| framework | batch | " + " | ".join(f"{t} thread(s)" for t in args.threads) + " |")
    out.append("|---|---|" + "---|" * len(args.threads))
    for name in names:
        for batch in args.batch:
            row = {r["threads"]: r["seconds_per_step"] for r in probes if r["backend"] == name and r["batch"] == batch}
            if row:
                label = "PyTorch" if name == "pytorch" else f"mlrun {name}"
                out.append(f"| {label} | {batch} | " + " | ".join(
                    f"{row[t] * 1e3:.3f}" if t in row else "-" for t in args.threads) + " |")

    out.append("")
    out.append("Targets:")
    for batch, what, threshold, description in TARGETS:
        if (batch, what) not in checks:
            out.append(f"- [ n/a ] {description}: not measured")
            continue
        value, name = checks[(batch, what)]
        if what == "train_vs_bound":
            ok = 1 / value <= threshold
            shown = f"{1 / value:.2f}x the bound ({name})"
        else:
            ok = value >= threshold
            shown = f"{value:.2f}x ({name})"
        out.append(f"- [{' met ' if ok else 'MISSED'}] {description}: {shown}")
    for backend, mb in memory.items():
        if mb is None:
            out.append(f"- [ n/a ] peak memory of the Fashion-MNIST run on {backend}: /usr/bin/time not available")
        else:
            ok = mb < MEMORY_LIMIT_MB
            out.append(f"- [{' met ' if ok else 'MISSED'}] peak memory of the Fashion-MNIST run (1 epoch with "
                       f"validation) on {backend} under {MEMORY_LIMIT_MB} MB: {mb:.0f} MB")
    print("\n".join(out))


if __name__ == "__main__":
    main()
