#!/usr/bin/env python3
"""The benchmark job in PyTorch, driven like mlrun-benchmark.

The tutorial MLP (Dense 512 relu, Dropout 0.2, Dense 10; the softmax folded
into the cross-entropy, as in mlrun's fused path), Adam with Keras's
defaults, sparse categorical cross-entropy and a running accuracy, on
Fashion-MNIST read from the same IDX files. Each (batch size, thread count)
gets its own model, warmed up with 20 steps. With --precision
mixed_bfloat16 the forward pass and the loss run under bf16 autocast
(torch.autocast("cpu", dtype=torch.bfloat16), as PyTorch documents mixed
precision on CPUs); the parameters, gradients and Adam's state stay float32.
Reads the commands of
mlrun-benchmark on stdin (train BATCH THREADS STEPS, evaluate BATCH THREADS,
quit) and answers each with a JSON line.

Needs only Debian's python3-torch (no numpy).
"""
import argparse
import gzip
import json
import os
import sys
import time

import torch


def read_idx(path, header_bytes):
    with gzip.open(path) as f:
        return torch.frombuffer(bytearray(f.read()[header_bytes:]), dtype=torch.uint8)


def load(directory, sample_shape):
    """Training and test images as float tensors [N, *sample_shape] in [0, 1], and their labels."""
    def images(name):
        return read_idx(os.path.join(directory, name), 16).reshape(-1, *sample_shape).float() / 255.0

    def labels(name):
        return read_idx(os.path.join(directory, name), 8).long()

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def tutorial_mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                               torch.nn.Linear(512, 10))


class Job:
    """One model and its optimizer, trained over shuffled epochs."""

    def __init__(self, network, x, y, bf16):
        torch.manual_seed(42)
        self.bf16 = bf16
        self.model = network()
        # Keras's Adam defaults: lr 0.001, betas (0.9, 0.999), epsilon 1e-7.
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        self.x, self.y = x, y

    def autocast(self):
        """bf16 autocast around forward and loss under mixed_bfloat16; a no-op in fp32."""
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)

    def train(self, batch, steps):
        """Trains `steps` steps (0: a whole epoch) from the start of a shuffled epoch."""
        model, optimizer, x, y = self.model, self.optimizer, self.x, self.y
        model.train()
        order = torch.randperm(x.shape[0])
        total = (x.shape[0] + batch - 1) // batch
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.long)
        for step in range(total if steps == 0 else min(steps, total)):
            index = order[step * batch:(step + 1) * batch]
            xb, yb = x[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            with self.autocast():
                out = model(xb)
                loss = torch.nn.functional.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += loss.detach() * yb.shape[0]
                correct += (out.argmax(1) == yb).sum()

    def evaluate(self, x, y, batch):
        """Mean loss and accuracy over (x, y), as Keras's evaluate reports them."""
        self.model.eval()
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.long)
        with torch.no_grad():
            for begin in range(0, x.shape[0], batch):
                yb = y[begin:begin + batch]
                with self.autocast():
                    out = self.model(x[begin:begin + batch])
                    loss_sum += torch.nn.functional.cross_entropy(out, yb, reduction="sum")
                correct += (out.argmax(1) == yb).sum()
        return float(correct) / x.shape[0]


def serve(description, network, sample_shape):
    """Answers the commands on stdin for `network` (a function making the model) on Fashion-MNIST."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--precision", choices=["fp32", "mixed_bfloat16"], default="fp32",
                        help="mixed_bfloat16: forward and loss under bf16 autocast")
    args = parser.parse_args()
    bf16 = args.precision == "mixed_bfloat16"

    x, y, test_x, test_y = load(args.data, sample_shape)
    jobs = {}

    def job_for(batch, threads):
        torch.set_num_threads(threads)
        if (batch, threads) not in jobs:
            jobs[(batch, threads)] = Job(network, x, y, bf16)
            jobs[(batch, threads)].train(batch, 20)
        return jobs[(batch, threads)]

    answer = {"backend": "pytorch", "precision": args.precision, "version": torch.__version__}
    print(json.dumps({"kind": "ready", **answer}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "train" and len(words) == 4:
            batch, threads, steps = map(int, words[1:])
            job = job_for(batch, threads)
            start = time.perf_counter()
            job.train(batch, steps)
            seconds = time.perf_counter() - start
            samples = x.shape[0] if steps == 0 else steps * batch
            print(json.dumps({"kind": "train", **answer, "threads": threads, "batch": batch, "steps": steps,
                              "samples": int(samples), "seconds": seconds}), flush=True)
        elif words[0] == "evaluate" and len(words) == 3:
            batch, threads = map(int, words[1:])
            job = job_for(batch, threads)
            start = time.perf_counter()
            accuracy = job.evaluate(test_x, test_y, batch)
            seconds = time.perf_counter() - start
            print(json.dumps({"kind": "evaluate", **answer, "threads": threads, "batch": batch,
                              "samples": int(test_x.shape[0]), "seconds": seconds, "accuracy": accuracy}),
                  flush=True)
        else:
            raise SystemExit(f"{os.path.basename(sys.argv[0])}: unknown or malformed command {line.strip()!r}")


if __name__ == "__main__":
    serve(__doc__.splitlines()[0], tutorial_mlp, (784,))
