#!/usr/bin/env python3
"""Runs mlrun on each backend and PyTorch on the identical job and prints
samples/s, epoch times and the ratios (see docs/benchmarks.md).

The jobs (--job): mlp, the tutorial MLP on Fashion-MNIST (one training
epoch over the 60,000 images at each batch size, and the evaluation of the
10,000 test images at the same batch size), and cnn, the convnet of
configs/fashion_cnn.yaml (one training epoch at each batch size). Each
framework runs as a server process (mlrun-benchmark,
benchmarks/pytorch_mlp.py or pytorch_cnn.py) holding the data and warmed-up
models; this script sends them the same commands in turn, rotating the
order every round, so all of them see the machine in the same state.

Each precision (--precision: fp32, mixed_bfloat16) is a field of a
setting: mlrun's servers build their models with that dtype policy, and
PyTorch's runs forward and loss under bf16 autocast; every timing loop
below runs over the settings of both alike.

Every framework is timed at its best thread setting: each is first tried
on a stretch of training (for PyTorch, also with OpenBLAS, which does its
gemm, held to one thread), and the settings close to the fastest are then
timed on whole epochs. Times are the best of the rounds (the
median is shown too). The MLP's FLOP lower bound of an epoch is its
matrix-multiply work divided by the GEMM peak, the best gemm throughput any
backend reaches on large products in the same run (float32: mixed_bfloat16
runs are held to the same bound; the bf16 gemm peak each backend reaches
is measured and printed beside it); the evaluation's is its forward
products over the same peak; the convnet's is its
convolution and dense work divided by the convolution peak, the best
throughput any backend's convolution kernel reaches on the model's own
Conv2D layers in the same run.

The MLP's floor is the other end: the products and Adam's updates of a
training step (the products of an evaluation batch), each timed alone at
the fastest any backend and thread count reaches on it, summed over the
epoch. The bound assumes every product at the peak; the floor takes each
at what the machine's fastest gemm does on that very shape, with hot caches
and nothing in between, so a target below the floor is beyond every
ordering of these kernels on this machine.
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
from dataclasses import dataclass

# The tutorial MLP's Dense widths (784-512-10), and the products of its
# training step as the trainer makes them, (layout, M, N, K) with TN and NT
# naming the transposed operand: each layer's forward product, then from the
# last layer back its weight gradient x^T dy and, for all but the first
# layer (nothing needs the gradient of the images), its input gradient
# dy W^T. The FLOP lower bound and the floor below both come from this list.
MLP_WIDTHS = (784, 512, 10)


def dense_forward_products(widths, batch):
    return [("NN", batch, units, inputs) for inputs, units in zip(widths, widths[1:])]


def dense_step_products(widths, batch):
    backward = []
    for layer, (inputs, units) in reversed(list(enumerate(zip(widths, widths[1:])))):
        backward.append(("TN", inputs, units, batch))
        if layer > 0:
            backward.append(("NT", batch, inputs, units))
    return dense_forward_products(widths, batch) + backward


def product_flop(products):
    return sum(2 * m * n * k for _, m, n, k in products)


def dense_parameter_sizes(widths):
    """The weight tensors Adam updates each step: every layer's kernel and bias."""
    return [size for inputs, units in zip(widths, widths[1:]) for size in (inputs * units, units)]


MLP_FORWARD = product_flop(dense_forward_products(MLP_WIDTHS, 1))
MLP_FLOP_PER_SAMPLE = product_flop(dense_step_products(MLP_WIDTHS, 1))
# The convnet per training sample: each layer's forward work, the same for
# its weight gradient, and the same for its input gradient except the first
# convolution's (nothing needs the gradient of the images). Conv2D 1->32 3x3
# on 28x28 gives 26x26x32 outputs of 9 products each, Conv2D 32->64 3x3 on
# 13x13x32 gives 11x11x64 outputs of 288, Dense 1600->10. Pooling, bias,
# activations and the loss are left out: they are not products.
CONV1_FORWARD = 2 * 26 * 26 * 32 * 9
CONV2_FORWARD = 2 * 11 * 11 * 64 * 288
DENSE_FORWARD = 2 * 1600 * 10
CNN_FORWARD = CONV1_FORWARD + CONV2_FORWARD + DENSE_FORWARD
CNN_FLOP_PER_SAMPLE = 2 * CONV1_FORWARD + 3 * CONV2_FORWARD + 3 * DENSE_FORWARD
GEMM_PRODUCTS = ((256, 512, 784), (1024, 1024, 1024), (2048, 2048, 2048))
PRECISIONS = ("fp32", "mixed_bfloat16")
# mlrun's dtype policy of each precision.
POLICY = {"fp32": "float32", "mixed_bfloat16": "mixed_bfloat16"}
MEMORY_LIMIT_MB = 300
# Test accuracy of mixed_bfloat16 against fp32 after a whole run: at most
# this many points apart.
ACCURACY_POINTS = 0.5
# OpenBLAS's idle workers spin for about 2^28 cycles (0.1 s) before sleeping.
SETTLE_SECONDS = 0.3
PROBE_ROUNDS = 3
PROBE_MARGIN = 1.5



@dataclass
class Job:
    """One benchmark job: what is run, how its bound is made, what it must reach."""
    config: str                 # under configs/
    pytorch_script: str         # under benchmarks/
    batches: tuple
    flop_per_sample: int
    forward_flop_per_sample: int  # the evaluation's work
    peak: str                   # "gemm": the GEMM peak; "conv": the convolution peak
    evaluate: bool              # also time the evaluation of the test images
    memory: bool                # also measure the peak memory of an epoch
    targets: tuple              # of Target (below)
    dense_widths: tuple = None  # a Dense network: its floor is measured (floor_kernels)


@dataclass(frozen=True)
class Target:
    """A measure of the best mlrun backend in one precision at one batch size, and its threshold."""
    batch: int
    precision: str
    measure: str                # one of MEASURES
    threshold: float
    description: str


# Each measure, and whether a smaller value is better (a time over a bound)
# or a larger one (a speed-up).
MEASURES = {"train_vs_bound": "lower", "evaluate_vs_bound": "lower", "train_vs_pytorch": "higher"}


@dataclass(frozen=True)
class Setting:
    """One way of running a framework: its server (one per framework and precision), threads, label, precision."""
    server: str
    threads: int
    label: str
    precision: str


JOBS = {
    "mlp": Job("fashion_mnist.yaml", "pytorch_mlp.py", (32, 256), MLP_FLOP_PER_SAMPLE, MLP_FORWARD, "gemm", True,
               True, (
        Target(32, "fp32", "train_vs_bound", 1.35, "fp32 epoch at batch 32 within 1.35x of the FLOP lower bound"),
        Target(256, "fp32", "train_vs_bound", 1.2, "fp32 epoch at batch 256 within 1.2x of the FLOP lower bound"),
        Target(256, "mixed_bfloat16", "train_vs_bound", 0.7,
               "mixed_bfloat16 epoch at batch 256 within 0.7x of the fp32 FLOP lower bound"),
        Target(32, "mixed_bfloat16", "train_vs_pytorch", 2.0,
               "mixed_bfloat16 epoch at batch 32 at least 2x faster than PyTorch's bf16 autocast"),
        Target(256, "mixed_bfloat16", "train_vs_pytorch", 2.0,
               "mixed_bfloat16 epoch at batch 256 at least 2x faster than PyTorch's bf16 autocast"),
        *(Target(batch, "fp32", "evaluate_vs_bound", 1.2,
                 f"fp32 evaluation of the 10,000 test images at batch {batch} within 1.2x of its FLOP bound")
          for batch in (32, 256)),
        *(Target(batch, "mixed_bfloat16", "evaluate_vs_bound", 1.0,
                 f"mixed_bfloat16 evaluation of the 10,000 test images at batch {batch} below its fp32 FLOP bound")
          for batch in (32, 256)),
    ), MLP_WIDTHS),
    "cnn": Job("fashion_cnn.yaml", "pytorch_cnn.py", (32, 128), CNN_FLOP_PER_SAMPLE, CNN_FORWARD, "conv", False,
               False, (
        Target(32, "fp32", "train_vs_pytorch", 1.5, "fp32 convnet epoch at batch 32 at least 1.5x faster than PyTorch"),
        Target(128, "fp32", "train_vs_pytorch", 1.2,
               "fp32 convnet epoch at batch 128 at least 1.2x faster than PyTorch"),
    )),
}


def log(message):
    print(message, file=sys.stderr, flush=True)


class Server:
    """A benchmark process answering one JSON line per command line."""

    def __init__(self, name, command, environment=None):
        self.name = name
        log("$ " + " ".join(command))
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1, env=environment)
        self.ready = self._read()
        self.version = self.ready.get("version")

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

    def ask_many(self, command, last_kind):
        """The answer lines of `command` up to the one of kind `last_kind` (left out)."""
        answers = [self.ask(command)]
        while answers[-1]["kind"] != last_kind:
            answers.append(self._read())
        return answers[:-1]

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


def peak_memory_mb(build, config, backend, precision):
    """Maximum resident set size of a whole epoch with validation, by /usr/bin/time."""
    if not os.path.exists("/usr/bin/time"):
        return None
    command = ["/usr/bin/time", "-v", os.path.join(build, "bin", "mlrun"), config, f"backend={backend}",
               f"model.dtype_policy={POLICY[precision]}", "fit.epochs=1", "fit.verbose=0"]
    log("$ " + " ".join(command))
    process = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", process.stderr)
    return int(match.group(1)) / 1024 if process.returncode == 0 and match else None


def test_accuracy(build, config, backend, precision):
    """Test accuracy (in points) at the end of a whole run of the experiment, as mlrun prints it."""
    command = [os.path.join(build, "bin", "mlrun"), config, f"backend={backend}",
               f"model.dtype_policy={POLICY[precision]}", "fit.verbose=0"]
    log("$ " + " ".join(command))
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    match = re.search(r"^Test \(\d+ samples\):.* accuracy: [0-9.]+ \(([0-9.]+)%\)", process.stdout, re.M)
    if process.returncode != 0 or not match:
        raise SystemExit(f"benchmark: {' '.join(command)} failed (exit code {process.returncode}):\n"
                         f"{process.stdout[-2000:]}")
    return float(match.group(1))


def floor_kernels(widths, batch):
    """The commands timing, alone, the kernels of a training step and of an
    evaluation batch that no implementation can leave out: the products and
    Adam's updates of the weights (mlrun-benchmark's product and adam)."""
    train = [f"product {{threads}} {layout} {m} {n} {k}" for layout, m, n, k in dense_step_products(widths, batch)]
    train += [f"adam {{threads}} {size}" for size in dense_parameter_sizes(widths)]
    evaluate = [f"product {{threads}} {layout} {m} {n} {k}" for layout, m, n, k in dense_forward_products(widths, batch)]
    return train, evaluate


def measure_floors(job, batches, servers, threads):
    """Per batch size, the floor of training and of evaluation in seconds per
    sample: the sum of a batch's kernel calls, each at the fastest any
    backend and thread count reaches alone (hot caches, nothing between
    calls), over the batch size; and each call's fastest answer."""
    floors, parts = {}, {}
    for batch in batches:
        train, evaluate = floor_kernels(job.dense_widths, batch)
        best = {}
        for command in dict.fromkeys(train + evaluate):
            for server in servers:
                for t in threads:
                    r = server.ask(command.format(threads=t))
                    if command not in best or r["seconds"] < best[command]["seconds"]:
                        best[command] = r
        parts[batch] = best
        for kind, commands in (("train", train), ("evaluate", evaluate)):
            floors[(kind, batch)] = sum(best[c]["seconds"] for c in commands) / batch
        floors[("updates", batch)] = sum(best[c]["seconds"] for c in train if c.startswith("adam")) / batch
    return floors, parts


def label(name):
    framework, _ = name
    return "PyTorch" if framework == "pytorch" else f"mlrun {framework}"


def precision_label(name):
    framework, precision = name
    return "bf16 autocast" if framework == "pytorch" and precision == "mixed_bfloat16" else precision


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(root, "build"), help="a Release build directory")
    parser.add_argument("--job", choices=sorted(JOBS), default="mlp",
                        help="mlp: the tutorial MLP (the default); cnn: the convnet of configs/fashion_cnn.yaml")
    parser.add_argument("--config", help="the experiment mlrun runs (default: the job's)")
    parser.add_argument("--backends", nargs="+", default=["openblas", "onednn"])
    parser.add_argument("--precision", nargs="+", choices=PRECISIONS, default=list(PRECISIONS),
                        help="fp32 and/or mixed_bfloat16 (mlrun's dtype policy; PyTorch's bf16 autocast); "
                             "default both")
    parser.add_argument("--batch", type=int, nargs="+", help="batch sizes (mlp: 32 256; cnn: 32 128)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--probe-samples", type=int, default=6400, help="training samples per thread-count probe")
    parser.add_argument("--probe-rounds", type=int, default=PROBE_ROUNDS, help="rounds of thread-count probes")
    parser.add_argument("--rounds", type=int, default=3, help="epochs and evaluations timed per framework")
    parser.add_argument("--epoch-samples", type=int, default=0,
                        help="time this many training samples from the start of an epoch and scale the time to the "
                             "whole epoch (default 0: whole epochs)")
    parser.add_argument("--no-pytorch", action="store_true", help="time mlrun only")
    parser.add_argument("--accuracy-backend", nargs="+",
                        help="backends whose test accuracy is compared across precisions (default: every backend)")
    parser.add_argument("--no-accuracy", action="store_true",
                        help="skip the accuracy comparison (two whole runs of the experiment per backend)")
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()
    job = JOBS[args.job]
    args.config = args.config or os.path.join(root, "configs", job.config)
    args.batch = args.batch or list(job.batches)
    args.precision = [p for p in PRECISIONS if p in args.precision]
    accuracy_backends = [] if args.no_accuracy or not job.memory else (args.accuracy_backend or args.backends)

    if build_type(args.build) != "Release":
        raise SystemExit(f"benchmark: {args.build} is not a Release build (configure it with "
                         "-DCMAKE_BUILD_TYPE=Release)")
    load_before = os.getloadavg()
    servers = {}
    # Each contender, (framework, precision), and its thread settings.
    # PyTorch sizes OpenBLAS (its gemm) apart from its own OpenMP threads,
    # and OpenBLAS takes a thread per core by default, so "1 thread" is tried
    # both ways: with OpenBLAS left as it is, and with OPENBLAS_NUM_THREADS=1.
    settings = {}
    for precision in args.precision:
        for backend in args.backends:
            server = f"{backend} {precision}"
            servers[server] = Server(server, [os.path.join(args.build, "bin", "mlrun-benchmark"), "--backend", backend,
                                              "--config", args.config, "--policy", POLICY[precision]])
            settings[(backend, precision)] = [Setting(server, t, str(t), precision) for t in args.threads]
    pytorch_note = None
    if args.no_pytorch:
        pytorch_note = "PyTorch not run (--no-pytorch)"
    else:
        try:
            import torch  # noqa: F401  (only to know whether it is there)
            for precision in args.precision:
                script = [sys.executable, os.path.join(root, "benchmarks", job.pytorch_script), "--precision",
                          precision]
                plain, blas1 = f"pytorch {precision}", f"pytorch-blas1 {precision}"
                servers[plain] = Server(plain, script)
                servers[blas1] = Server(blas1, script, dict(os.environ, OPENBLAS_NUM_THREADS="1"))
                settings[("pytorch", precision)] = [Setting(plain, t, str(t), precision) for t in args.threads]
                if 1 in args.threads:
                    settings[("pytorch", precision)].append(Setting(blas1, 1, "1, OpenBLAS 1", precision))
        except ImportError:
            pytorch_note = (f"PyTorch not found for {sys.executable}: install Debian's python3-torch and run with "
                            "PYTHON=/usr/bin/python3")
    names = list(settings)
    results = []
    train_samples = servers[f"{args.backends[0]} {args.precision[0]}"].ready["train_samples"]

    # The gemm does not depend on the model's policy: each backend's first server is asked.
    gemm_precisions = ["fp32"] + (["bf16"] if "mixed_bfloat16" in args.precision else [])
    for backend in args.backends:
        server = servers[f"{backend} {args.precision[0]}"]
        for threads in args.threads:
            for precision in gemm_precisions:
                for m, n, k in GEMM_PRODUCTS:
                    results.append(server.ask(f"gemm {threads} {m} {n} {k} {precision}"))
            if job.peak == "conv":
                for batch in args.batch:
                    results += server.ask_many(f"conv {threads} {batch}", "conv_done")
    gemm_peak = max((r for r in results if r["kind"] == "gemm" and r["precision"] == "fp32"),
                    key=lambda r: r["gflops"])
    bf16_peaks = {b: max((r for r in results if r["kind"] == "gemm" and r["precision"] == "bf16" and
                          r["backend"] == b), key=lambda r: r["gflops"])
                  for b in args.backends if "bf16" in gemm_precisions}
    # The floor is of the float32 kernels, which the fp32 targets are about.
    floors, floor_parts = {}, {}
    if job.dense_widths and "fp32" in args.precision:
        floors, floor_parts = measure_floors(job, args.batch, [servers[f"{b} fp32"] for b in args.backends],
                                             args.threads)
        results += [r for best in floor_parts.values() for r in best.values()]
    peak = gemm_peak if job.peak == "gemm" else max((r for r in results if r["kind"] == "conv"),
                                                    key=lambda r: r["gflops"])

    chosen, train, evaluate, probe_times = {}, {}, {}, {}
    for batch in args.batch:
        steps = max(1, args.probe_samples // batch)
        for round_ in range(args.probe_rounds):
            for name in rotated(names, round_):
                for setting in settings[name]:
                    r = servers[setting.server].ask(f"train {batch} {setting.threads} {steps}")
                    key = (name, batch, setting)
                    probe_times[key] = min(probe_times.get(key, float("inf")), r["seconds"] / steps)
        # A probe can be unlucky on a shared machine: every setting within
        # PROBE_MARGIN of the fastest probe is timed on whole epochs too.
        candidates = {}
        for name in names:
            fastest = min(probe_times[(name, batch, s)] for s in settings[name])
            candidates[name] = [s for s in settings[name] if probe_times[(name, batch, s)] <= PROBE_MARGIN * fastest]
        epochs = {}
        epoch_steps = args.epoch_samples // batch if args.epoch_samples else 0
        for round_ in range(args.rounds):
            for name in rotated(names, round_):
                for setting in candidates[name]:
                    r = servers[setting.server].ask(f"train {batch} {setting.threads} {epoch_steps}")
                    if epoch_steps:
                        r.update(timed_samples=r["samples"], timed_seconds=r["seconds"], samples=train_samples,
                                 seconds=r["seconds"] * train_samples / r["samples"])
                    results.append(r)
                    epochs.setdefault((name, setting), []).append(r)
        for name in names:
            chosen[(name, batch)] = min(candidates[name], key=lambda s: min(r["seconds"] for r in epochs[(name, s)]))
            train[(name, batch)] = epochs[(name, chosen[(name, batch)])]
        for round_ in range(args.rounds if job.evaluate else 0):
            for name in rotated(names, round_):
                for setting in settings[name]:
                    r = servers[setting.server].ask(f"evaluate {batch} {setting.threads}")
                    results.append(r)
                    evaluate.setdefault((name, batch, setting), []).append(r)
    for server in servers.values():
        server.close()
    memory = {(b, p): peak_memory_mb(args.build, args.config, b, p)
              for b in args.backends for p in args.precision} if job.memory else {}
    accuracy = {(b, p): test_accuracy(args.build, args.config, b, p) for b in accuracy_backends for p in PRECISIONS}
    load_after = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results + [{"kind": "peak_memory_mb", "backend": b, "precision": p, "mb": mb}
                                 for (b, p), mb in memory.items()] +
                      [{"kind": "test_accuracy", "backend": b, "precision": p, "percent": a}
                       for (b, p), a in accuracy.items()], f, indent=1)

    out = [f"machine: {machine()}",
           f"load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
           f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
           f"GEMM peak measured (fp32): {gemm_peak['gflops']:.0f} GFLOP/s ({gemm_peak['backend']} gemm, "
           f"{gemm_peak['threads']} thread(s), {gemm_peak['m']}x{gemm_peak['k']} by {gemm_peak['k']}x{gemm_peak['n']})"
           + ("; the FLOP lower bounds below, mixed_bfloat16's included, are at this peak" if job.peak == "gemm"
              else "")]
    for backend, r in bf16_peaks.items():
        out.append(f"bf16 GEMM peak measured on {backend}: {r['gflops']:.0f} GFLOP/s "
                   f"({'native' if r['native'] else 'emulated'} gemm_bf16, {r['threads']} thread(s), "
                   f"{r['m']}x{r['k']} by {r['k']}x{r['n']}; {r['gflops'] / gemm_peak['gflops']:.2f}x the fp32 peak)")
    if job.peak == "conv":
        out.append(f"Convolution peak measured: {peak['gflops']:.0f} GFLOP/s ({peak['backend']} {peak['kernel']}, "
                   f"{peak['threads']} thread(s), layer {peak['layer']} {peak['shape']}, batch {peak['batch']}); "
                   f"the FLOP lower bound below is at this peak")
    pytorch_server = next((s for s in servers if s.startswith("pytorch ")), None)
    if pytorch_server:
        out.append(f"PyTorch {servers[pytorch_server].version} ({sys.executable})")
    if pytorch_note:
        out.append(pytorch_note)
    if args.epoch_samples:
        out.append(f"Epoch times scaled from the first {args.epoch_samples // min(args.batch)}-"
                   f"{args.epoch_samples // max(args.batch)} steps ({args.epoch_samples} samples, rounded down to "
                   f"whole batches) of an epoch of {train_samples:,} samples")
    out += ["", "| job | framework | precision | threads | time (s): best (median) | samples/s | "
                "speed-up vs PyTorch (same precision) | time / FLOP lower bound |",
            "|---|---|---|---|---|---|---|---|"]
    achieved = {}
    # Each floor over its bound, per (task, batch): how near the bound any
    # sequence of these kernels can come on this machine.
    floor_ratios = {}

    def floor_row(kind, task, batch, samples, bound, digits):
        if (kind, batch) not in floors:
            return
        seconds = floors[(kind, batch)] * samples
        floor_ratios[(kind, batch)] = seconds / bound
        if kind == "train":
            updates = floors[("updates", batch)] * samples
            what = f"its products ({seconds - updates:.3f} s) and Adam's updates ({updates:.3f} s)"
        else:
            what = "its products"
        out.append(f"| {task} | floor: {what}, each alone at its fastest | fp32 | | {seconds:.{digits}f} | "
                   f"{samples / seconds:,.0f} | | {seconds / bound:.2f} |")

    def keep(batch, precision, measure, value, name):
        if value is None:
            return
        key = (batch, precision, measure)
        best = achieved.get(key)
        lower = MEASURES[measure] == "lower"
        if best is None or (value < best[0] if lower else value > best[0]):
            achieved[key] = (value, name)

    for batch in args.batch:
        samples = train[(names[0], batch)][0]["samples"]
        gflop = samples * job.flop_per_sample / 1e9
        bound = gflop / peak["gflops"]
        task = f"train 1 epoch, batch {batch}"
        out.append(f"| {task} | FLOP lower bound: {gflop:.1f} GFLOP at {peak['gflops']:.0f} GFLOP/s | fp32 | | "
                   f"{bound:.3f} | {samples / bound:,.0f} | | 1.00 |")
        floor_row("train", task, batch, samples, bound, 3)
        for name in names:
            precision = name[1]
            times = [r["seconds"] for r in train[(name, batch)]]
            best = min(times)
            pytorch = ("pytorch", precision)
            base = min(r["seconds"] for r in train[(pytorch, batch)]) if pytorch in settings else None
            speedup = base / best if base else None
            out.append(f"| {task} | {label(name)} | {precision_label(name)} | {chosen[(name, batch)].label} | "
                       f"{best:.3f} ({statistics.median(times):.3f}) | {samples / best:,.0f} | "
                       f"{f'{speedup:.2f}x' if speedup else '-'} | {best / bound:.2f} |")
            if name[0] != "pytorch":
                keep(batch, precision, "train_vs_pytorch", speedup, name[0])
                keep(batch, precision, "train_vs_bound", best / bound, name[0])
        if not job.evaluate:
            continue
        task = f"evaluate 10,000 images, batch {batch}"

        def best_evaluation(name):
            runs = {s: [r["seconds"] for r in evaluate[(name, batch, s)]] for s in settings[name]}
            setting = min(runs, key=lambda s: min(runs[s]))
            return setting, runs[setting]

        test_samples = evaluate[(names[0], batch, settings[names[0]][0])][0]["samples"]
        gflop = test_samples * job.forward_flop_per_sample / 1e9
        evaluate_bound = gflop / peak["gflops"]
        out.append(f"| {task} | FLOP bound: {gflop:.2f} GFLOP at {peak['gflops']:.0f} GFLOP/s | fp32 | | "
                   f"{evaluate_bound:.4f} | {test_samples / evaluate_bound:,.0f} | | 1.00 |")
        floor_row("evaluate", task, batch, test_samples, evaluate_bound, 4)
        for name in names:
            precision = name[1]
            setting, times = best_evaluation(name)
            best = min(times)
            pytorch = ("pytorch", precision)
            base = min(best_evaluation(pytorch)[1]) if pytorch in settings else None
            speedup = base / best if base else None
            out.append(f"| {task} | {label(name)} | {precision_label(name)} | {setting.label} | {best:.4f} "
                       f"({statistics.median(times):.4f}) | {test_samples / best:,.0f} | "
                       f"{f'{speedup:.2f}x' if speedup else '-'} | {best / evaluate_bound:.2f} |")
            if name[0] != "pytorch":
                keep(batch, precision, "evaluate_vs_bound", best / evaluate_bound, name[0])

    out += ["", f"Thread-setting probes, ms per training step (best of {args.probe_rounds} rounds; settings within "
                f"{PROBE_MARGIN}x of the fastest were then timed on whole epochs, and the fastest epoch kept):", "",
            "| framework | precision | batch | setting | ms per step |", "|---|---|---|---|---|"]
    for (name, batch, setting), seconds in probe_times.items():
        out.append(f"| {label(name)} | {precision_label(name)} | {batch} | {setting.label} | {seconds * 1e3:.3f} |")

    if floor_parts:
        out += ["", "The floor's kernels, each timed alone (the fastest call in half a second of calls, at every "
                    "backend and thread count; the fastest is kept):", "",
                "| batch | kernel | us per call | GFLOP/s | fastest on |", "|---|---|---|---|---|"]
        for batch, best in floor_parts.items():
            for command, r in best.items():
                kernel = (f"{r['layout']} {r['m']}x{r['n']}x{r['k']}" if r["kind"] == "product" else
                          f"adam over {r['n']:,} weights")
                rate = (f"{2 * r['m'] * r['n'] * r['k'] / r['seconds'] / 1e9:.0f}" if r["kind"] == "product"
                        else "")
                out.append(f"| {batch} | {kernel} | {r['seconds'] * 1e6:.1f} | {rate} | {r['backend']}, "
                           f"{r['threads']} {'thread' if r['threads'] == 1 else 'threads'} |")

    if job.peak == "conv":
        out += ["", "Convolution kernels on the model's layers, GFLOP/s (best of 5 rounds of at least 0.1 s):", "",
                "| backend | threads | batch | layer | forward | backward data | backward weights |",
                "|---|---|---|---|---|---|---|"]
        rows = {}
        for r in results:
            if r["kind"] == "conv":
                rows.setdefault((r["backend"], r["threads"], r["batch"], f"{r['layer']} {r['shape']}"), {})[
                    r["kernel"]] = r["gflops"]
        for (backend, threads, batch, layer), rates in rows.items():
            out.append(f"| {backend} | {threads} | {batch} | {layer} | {rates['forward']:.1f} | "
                       f"{rates['backward_data']:.1f} | {rates['backward_weights']:.1f} |")

    out += ["", "Targets (best mlrun backend for each):"]
    for t in job.targets:
        if (t.batch, t.precision, t.measure) not in achieved:
            out.append(f"- [n/a] {t.description}: not measured")
            continue
        value, name = achieved[(t.batch, t.precision, t.measure)]
        if MEASURES[t.measure] == "lower":
            met, shown = value <= t.threshold, f"{value:.2f}x the bound ({name})"
            floor = floor_ratios.get(("train" if t.measure == "train_vs_bound" else "evaluate", t.batch))
            if floor is not None and t.precision == "fp32":
                shown += (f"; the floor of its kernels alone is {floor:.2f}x" +
                          (", above the target" if floor > t.threshold else ""))
        else:
            met, shown = value >= t.threshold, f"{value:.2f}x ({name})"
        out.append(f"- [{'met' if met else 'MISSED'}] {t.description}: {shown}")
    for (backend, precision), mb in memory.items():
        description = (f"peak memory of a Fashion-MNIST epoch with validation on {backend} in {precision} under "
                       f"{MEMORY_LIMIT_MB} MB")
        if mb is None:
            out.append(f"- [n/a] {description}: /usr/bin/time -v not available")
        else:
            out.append(f"- [{'met' if mb < MEMORY_LIMIT_MB else 'MISSED'}] {description}: {mb:.0f} MB")
    if job.memory:
        description = (f"test accuracy after a whole run of {os.path.basename(args.config)} in mixed_bfloat16 within "
                       f"{ACCURACY_POINTS} points of fp32")
        if not accuracy_backends:
            out.append(f"- [n/a] {description}: not measured (--no-accuracy)")
        for backend in accuracy_backends:
            fp32, bf16 = accuracy[(backend, "fp32")], accuracy[(backend, "mixed_bfloat16")]
            met = abs(bf16 - fp32) <= ACCURACY_POINTS
            out.append(f"- [{'met' if met else 'MISSED'}] {description} on {backend}: {bf16:.2f}% against "
                       f"{fp32:.2f}% ({bf16 - fp32:+.2f} points)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
