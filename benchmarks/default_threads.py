#!/usr/bin/env python3
"""Times whole `mlrun` runs with the default thread setting (backend.threads:
0) against backend.threads 1 and 2, on a quiet machine and with a process
spinning on one core, and prints each default/best ratio (docs/benchmarks.md).

Each run is a fresh process (`mlrun configs/X backend=B`), so a thread
runtime's start, its waiting policy and the data loading all count, as they
do for a user. The spinner is a busy loop pinned to the last core this
process may use, started and stopped here. The settings run in turn,
rotating the order every round, and the best of the rounds is kept; the
1-minute load average (/proc/loadavg) is read before each run and printed
next to every figure, since other work on the machine moves them.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

SETTINGS = ("default", "1", "2")
# mnist.yaml checkpoints every epoch (into the scratch directory here);
# fashion_mnist.yaml trains 10 epochs of 60,000 images, one is enough here.
CONFIGS = {"mnist": ("mnist.yaml", ["checkpoint.path={scratch}/ck/cp.ckpt"]),
           "fashion": ("fashion_mnist.yaml", ["fit.epochs=1"])}
TARGET = 1.3  # the default may be at most this much slower than the best setting


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def start_spinner():
    core = max(os.sched_getaffinity(0))
    code = f"import os\nos.sched_setaffinity(0, {{{core}}})\nwhile True:\n    pass\n"
    spinner = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.5)  # running, and the load average starting to show it
    return spinner


def time_run(mlrun, root, config, extra, backend, setting, scratch):
    command = [mlrun, os.path.join(root, "configs", config), f"backend={backend}",
               *(e.format(scratch=scratch) for e in extra)]
    if setting != "default":
        command.append(f"backend.threads={setting}")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT")}
    load = load_average()
    started = time.perf_counter()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    first = result.stdout.splitlines()[0] if setting == "default" and result.stdout else ""
    return seconds, load, first


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(root, "build"), help="a Release build directory")
    parser.add_argument("--backends", nargs="+", default=["onednn", "openblas"])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS), default=["mnist", "fashion"])
    parser.add_argument("--loads", nargs="+", choices=["quiet", "spinner"], default=["quiet", "spinner"])
    parser.add_argument("--rounds", type=int, default=3, help="runs per setting, the best kept")
    args = parser.parse_args()
    mlrun = os.path.join(args.build, "bin", "mlrun")

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "unknown CPU")
    print(f"{cpu}, {len(os.sched_getaffinity(0))} cores usable; {os.uname().release}")
    print(f"uptime at start: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    print("seconds per whole run, best of", args.rounds, "(1-minute load average before that run)\n")
    print(f"{'config':8} {'backend':9} {'machine':8} " + " ".join(f"{'threads ' + s:>20}" for s in SETTINGS)
          + "  default/best")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="mlrun-threads-") as scratch:
        for load in args.loads:
            spinner = start_spinner() if load == "spinner" else None
            try:
                for name in args.configs:
                    config, extra = CONFIGS[name]
                    for backend in args.backends:
                        best = {}
                        note = ""
                        for r in range(args.rounds):
                            order = SETTINGS[r % len(SETTINGS):] + SETTINGS[:r % len(SETTINGS)]
                            for setting in order:
                                seconds, at, first = time_run(mlrun, root, config, extra, backend, setting, scratch)
                                note = first or note
                                if setting not in best or seconds < best[setting][0]:
                                    best[setting] = (seconds, at)
                        fastest = min(s for s, _ in best.values())
                        ratio = best["default"][0] / fastest
                        worst = max(worst, ratio)
                        cells = " ".join(f"{f'{best[s][0]:.2f} s ({best[s][1]:.1f})':>20}" for s in SETTINGS)
                        print(f"{name:8} {backend:9} {load:8} {cells}  {ratio:.2f}", flush=True)
            finally:
                if spinner:
                    spinner.kill()
                    spinner.wait()
    print(f"\nthe default's line: {note}")
    print(f"worst default/best: {worst:.2f} (target: at most {TARGET})")
    print(f"uptime at end: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
