#!/usr/bin/env python3
"""Runs mlrun on each backend and PyTorch on the identical job and prints
samples/s, epoch times and the ratios (see docs/benchmarks.md).

The job: the tutorial MLP on Fashion-MNIST; one training epoch over the
60,000 images at each batch size, and the evaluation of the 10,000 test
images at the same batch size. Each framework runs as a server process
(mlrun-benchmark, benchmarks/pytorch_mlp.py) holding the data and warmed-up
models; this script sends them the same commands in turn, rotating the
order every round, so all of them see the machine in the same state.

Every framework is timed at its best thread setting: each is first tried
on a stretch of training (for PyTorch, also with OpenBLAS, which does its
gemm, held to one thread), and the settings close to the fastest are then
timed on whole epochs. Times are the best of the rounds (the
median is shown too). The GEMM peak is the best gemm throughput any backend
reaches on large products in the same run; the FLOP lower bound of an epoch
is its matrix-multiply work divided by that peak.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

# Matrix-multiply FLOP per training sample of the tutorial MLP (784-512-10):
# the forward products, the same again for the weight gradients, and the
# input gradient of the second layer only (nothing needs the first layer's).
FORWARD = 2 * (784 * 512 + 512 * 10)
FLOP_PER_SAMPLE = 2 * FORWARD + 2 * 512 * 10
GEMM_PRODUCTS = ((256, 512, 784), (1024, 1024, 1024), (2048, 2048, 2048))
MEMORY_LIMIT_MB = 600
# OpenBLAS's idle workers spin for about 2^28 cycles (0.1 s) before sleeping.
SETTLE_SECONDS = 0.3
PROBE_ROUNDS = 3
PROBE_MARGIN = 1.5

TARGETS = (
    # (batch, measure, threshold, description)
    (32, "train_vs_pytorch", 4.0, "epoch at batch 32 at least 4x faster than PyTorch"),
    (32, "train_vs_bound", 2.5, "epoch at batch 32 within 2.5x of the FLOP lower bound"),
    (256, "train_vs_pytorch", 3.0, "epoch at batch 256 at least 3x faster than PyTorch"),
    (32, "evaluate_vs_pytorch", 2.0, "evaluation of the 10,000 test images at batch 32: at least 2x PyTorch's throughput"),
    (256, "evaluate_vs_pytorch", 2.0, "evaluation of the 10,000 test images at batch 256: at least 2x PyTorch's throughput"),
)


def log(message):
    print(message, file=sys.stderr, flush=True)


class Server:
    """A benchmark process answering one JSON line per command line."""

    def __init__(self, name, command, environment=None):
        self.name = name
        log("$ " + " ".join(command))
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1, env=environment)
        self.version = self._read().get("version")

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"benchmark: {self.name} stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def ask(self, command):
        # Threads of the process asked before (OpenBLAS's pool, OpenMP teams)
        # spin for a while after their last work: let them fall asleep first,
        # so that they do not take cores from the process being timed.
        time.sleep(SETTLE_SECONDS)
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait()


def rotated(items, shift):
    shift %= len(items)
    return items[shift:] + items[:shift]


def machine():
    model, flags = "unknown CPU", ""
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
    """Maximum resident set size of a whole epoch with validation, by /usr/bin/time."""
    if not os.path.exists("/usr/bin/time"):
        return None
    command = ["/usr/bin/time", "-v", os.path.join(build, "bin", "mlrun"), config, f"backend={backend}",
               "fit.epochs=1", "fit.verbose=0"]
    log("$ " + " ".join(command))
    process = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", process.stderr)
    return int(match.group(1)) / 1024 if process.returncode == 0 and match else None


def label(name):
    return "PyTorch" if name == "pytorch" else f"mlrun {name}"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(root, "build"), help="a Release build directory")
    parser.add_argument("--config", default=os.path.join(root, "configs", "fashion_mnist.yaml"))
    parser.add_argument("--backends", nargs="+", default=["openblas", "onednn"])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--probe-samples", type=int, default=6400, help="training samples per thread-count probe")
    parser.add_argument("--rounds", type=int, default=3, help="epochs and evaluations timed per framework")
    parser.add_argument("--no-pytorch", action="store_true", help="time mlrun only")
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()

    if build_type(args.build) != "Release":
        raise SystemExit(f"benchmark: {args.build} is not a Release build (configure it with "
                         "-DCMAKE_BUILD_TYPE=Release)")
    load_before = os.getloadavg()
    servers = {}
    # Each framework's thread settings, as (server, threads, label). PyTorch
    # sizes OpenBLAS (its gemm) apart from its own OpenMP threads, and
    # OpenBLAS takes a thread per core by default, so "1 thread" is tried both
    # ways: with OpenBLAS left as it is, and with OPENBLAS_NUM_THREADS=1.
    settings = {}
    for backend in args.backends:
        servers[backend] = Server(backend, [os.path.join(args.build, "bin", "mlrun-benchmark"), "--backend", backend,
                                            "--config", args.config])
        settings[backend] = [(backend, t, str(t)) for t in args.threads]
    pytorch_note = None
    if args.no_pytorch:
        pytorch_note = "PyTorch not run (--no-pytorch)"
    else:
        try:
            import torch  # noqa: F401  (only to know whether it is there)
            script = [sys.executable, os.path.join(root, "benchmarks", "pytorch_mlp.py")]
            servers["pytorch"] = Server("pytorch", script)
            servers["pytorch-blas1"] = Server("pytorch-blas1", script, dict(os.environ, OPENBLAS_NUM_THREADS="1"))
            settings["pytorch"] = [("pytorch", t, str(t)) for t in args.threads]
            if 1 in args.threads:
                settings["pytorch"].append(("pytorch-blas1", 1, "1, OpenBLAS 1"))
        except ImportError:
            pytorch_note = (f"PyTorch not found for {sys.executable}: install Debian's python3-torch and run with "
                            "PYTHON=/usr/bin/python3")
    names = list(settings)
    results = []

    for backend in args.backends:
        for threads in args.threads:
            for m, n, k in GEMM_PRODUCTS:
                results.append(servers[backend].ask(f"gemm {threads} {m} {n} {k}"))
    peak = max((r for r in results if r["kind"] == "gemm"), key=lambda r: r["gflops"])

    chosen, train, evaluate, probe_times = {}, {}, {}, {}
    for batch in args.batch:
        steps = max(1, args.probe_samples // batch)
        for round_ in range(PROBE_ROUNDS):
            for name in rotated(names, round_):
                for setting in settings[name]:
                    server, threads, _ = setting
                    r = servers[server].ask(f"train {batch} {threads} {steps}")
                    key = (name, batch, setting)
                    probe_times[key] = min(probe_times.get(key, float("inf")), r["seconds"] / steps)
        # A probe can be unlucky on a shared machine: every setting within
        # PROBE_MARGIN of the fastest probe is timed on whole epochs too.
        candidates = {}
        for name in names:
            fastest = min(probe_times[(name, batch, s)] for s in settings[name])
            candidates[name] = [s for s in settings[name] if probe_times[(name, batch, s)] <= PROBE_MARGIN * fastest]
        epochs = {}
        for round_ in range(args.rounds):
            for name in rotated(names, round_):
                for setting in candidates[name]:
                    server, threads, _ = setting
                    r = servers[server].ask(f"train {batch} {threads} 0")
                    results.append(r)
                    epochs.setdefault((name, setting), []).append(r)
        for name in names:
            chosen[(name, batch)] = min(candidates[name], key=lambda s: min(r["seconds"] for r in epochs[(name, s)]))
            train[(name, batch)] = epochs[(name, chosen[(name, batch)])]
        for round_ in range(args.rounds):
            for name in rotated(names, round_):
                for setting in settings[name]:
                    server, threads, _ = setting
                    r = servers[server].ask(f"evaluate {batch} {threads}")
                    results.append(r)
                    evaluate.setdefault((name, batch, setting), []).append(r)
    for server in servers.values():
        server.close()
    memory = {b: peak_memory_mb(args.build, args.config, b) for b in args.backends}
    load_after = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    out = [f"machine: {machine()}",
           f"load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
           f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
           f"GEMM peak measured: {peak['gflops']:.0f} GFLOP/s ({peak['backend']} gemm, {peak['threads']} thread(s), "
           f"{peak['m']}x{peak['k']} by {peak['k']}x{peak['n']})"]
    if "pytorch" in servers:
        out.append(f"PyTorch {servers['pytorch'].version} ({sys.executable})")
    if pytorch_note:
        out.append(pytorch_note)
    out += ["", "| job | framework | threads | time (s): best (median) | samples/s | speed-up vs PyTorch | "
                "time / FLOP lower bound |", "|---|---|---|---|---|---|---|"]
    achieved = {}

    def keep(batch, measure, value, name):
        if value is not None and value > achieved.get((batch, measure), (0, None))[0]:
            achieved[(batch, measure)] = (value, name)

    for batch in args.batch:
        samples = train[(names[0], batch)][0]["samples"]
        gflop = samples * FLOP_PER_SAMPLE / 1e9
        bound = gflop / peak["gflops"]
        job = f"train 1 epoch, batch {batch}"
        out.append(f"| {job} | FLOP lower bound: {gflop:.1f} GFLOP at {peak['gflops']:.0f} GFLOP/s | | {bound:.3f} | "
                   f"{samples / bound:,.0f} | | 1.00 |")
        base = min(r["seconds"] for r in train[("pytorch", batch)]) if "pytorch" in settings else None
        for name in names:
            times = [r["seconds"] for r in train[(name, batch)]]
            best = min(times)
            speedup = base / best if base else None
            out.append(f"| {job} | {label(name)} | {chosen[(name, batch)][2]} | {best:.3f} "
                       f"({statistics.median(times):.3f}) | {samples / best:,.0f} | "
                       f"{f'{speedup:.2f}x' if speedup else '-'} | {best / bound:.2f} |")
            if name != "pytorch":
                keep(batch, "train_vs_pytorch", speedup, name)
                keep(batch, "train_vs_bound", bound / best, name)
        job = f"evaluate 10,000 images, batch {batch}"

        def best_evaluation(name):
            runs = {s: [r["seconds"] for r in evaluate[(name, batch, s)]] for s in settings[name]}
            setting = min(runs, key=lambda s: min(runs[s]))
            return setting, runs[setting]

        base = min(best_evaluation("pytorch")[1]) if "pytorch" in settings else None
        for name in names:
            setting, times = best_evaluation(name)
            best = min(times)
            test_samples = evaluate[(name, batch, setting)][0]["samples"]
            speedup = base / best if base else None
            out.append(f"| {job} | {label(name)} | {setting[2]} | {best:.4f} ({statistics.median(times):.4f}) | "
                       f"{test_samples / best:,.0f} | {f'{speedup:.2f}x' if speedup else '-'} | |")
            if name != "pytorch":
                keep(batch, "evaluate_vs_pytorch", speedup, name)

    out += ["", f"Thread-setting probes, ms per training step (best of {PROBE_ROUNDS} rounds; settings within "
                f"{PROBE_MARGIN}x of the fastest were then timed on whole epochs, and the fastest epoch kept):", "",
            "| framework | batch | setting | ms per step |", "|---|---|---|---|"]
    for (name, batch, setting), seconds in probe_times.items():
        out.append(f"| {label(name)} | {batch} | {setting[2]} | {seconds * 1e3:.3f} |")

    out += ["", "Targets (best mlrun backend for each):"]
    for batch, measure, threshold, description in TARGETS:
        if (batch, measure) not in achieved:
            out.append(f"- [n/a] {description}: not measured")
            continue
        value, name = achieved[(batch, measure)]
        if measure == "train_vs_bound":
            met, shown = 1 / value <= threshold, f"{1 / value:.2f}x the bound ({name})"
        else:
            met, shown = value >= threshold, f"{value:.2f}x ({name})"
        out.append(f"- [{'met' if met else 'MISSED'}] {description}: {shown}")
    for backend, mb in memory.items():
        if mb is None:
            out.append(f"- [n/a] peak memory on {backend}: /usr/bin/time -v not available")
        else:
            out.append(f"- [{'met' if mb < MEMORY_LIMIT_MB else 'MISSED'}] peak memory of a Fashion-MNIST epoch with "
                       f"validation on {backend} under {MEMORY_LIMIT_MB} MB: {mb:.0f} MB")
    print("\n".join(out))


if __name__ == "__main__":
    main()
