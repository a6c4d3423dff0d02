#!/usr/bin/env python3
"""The benchmark job in PyTorch, for comparison with mlrun-benchmark.

The tutorial MLP (Dense 512 relu, Dropout 0.2, Dense 10; softmax folded into
the cross-entropy as in mlrun's fused path), Adam with Keras's defaults,
sparse categorical cross-entropy and a running accuracy, on Fashion-MNIST
read from the same IDX files. Like mlrun-benchmark, for each batch size it
times a stretch of training at every thread count, keeps the fastest, then
times whole epochs and the evaluation of the test images. Prints JSON lines.

Needs only Debian's python3-torch (no numpy).
"""
import argparse
import gzip
import json
import os
import time

import torch


def read_idx(path, header_bytes):
    with gzip.open(path) as f:
        return torch.frombuffer(bytearray(f.read()[header_bytes:]), dtype=torch.uint8)


def load(directory):
    def images(name):
        return read_idx(os.path.join(directory, name), 16).reshape(-1, 784).float() / 255.0

    def labels(name):
        return read_idx(os.path.join(directory, name), 8).long()

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def make_model():
    torch.manual_seed(42)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(512, 10))
    # Keras's Adam defaults: lr 0.001, betas (0.9, 0.999), epsilon 1e-7.
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def train(model, optimizer, x, y, batch, first_step=0, steps=None, timed_from=0):
    """Trains over a shuffled epoch; returns seconds from step `timed_from` on."""
    model.train()
    order = torch.randperm(x.shape[0])
    total_steps = (x.shape[0] + batch - 1) // batch
    last = total_steps if steps is None else min(total_steps, first_step + steps)
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.long)
    start = time.perf_counter()
    for step in range(first_step, last):
        if step == timed_from:
            start = time.perf_counter()
        index = order[step * batch:(step + 1) * batch]
        xb, yb = x[index], y[index]
        optimizer.zero_grad(set_to_none=True)
        out = model(xb)
        loss = torch.nn.functional.cross_entropy(out, yb)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach() * yb.shape[0]
            correct += (out.argmax(1) == yb).sum()
    return time.perf_counter() - start


def evaluate(model, x, y, batch):
    model.eval()
    correct = 0
    start = time.perf_counter()
    with torch.no_grad():
        for begin in range(0, x.shape[0], batch):
            out = model(x[begin:begin + batch])
            correct += int((out.argmax(1) == y[begin:begin + batch]).sum())
    return time.perf_counter() - start, correct / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--probe-steps", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    x, y, test_x, test_y = load(args.data)
    warmup = 20
    for batch in args.batch:
        best_threads, best_step = None, None
        for threads in args.threads:
            torch.set_num_threads(threads)
            model, optimizer = make_model()
            seconds = train(model, optimizer, x, y, batch, steps=warmup + args.probe_steps, timed_from=warmup)
            per_step = seconds / args.probe_steps
            print(json.dumps({"kind": "probe", "backend": "pytorch", "threads": threads, "batch": batch,
                              "steps": args.probe_steps, "seconds_per_step": per_step}), flush=True)
            if best_step is None or per_step < best_step:
                best_threads, best_step = threads, per_step

        torch.set_num_threads(best_threads)
        model, optimizer = make_model()
        epochs = [train(model, optimizer, x, y, batch) for _ in range(args.epochs)]
        evaluations, accuracy = [], 0.0
        for _ in range(args.epochs):
            seconds, accuracy = evaluate(model, test_x, test_y, batch)
            evaluations.append(seconds)
        print(json.dumps({"kind": "train", "backend": "pytorch", "threads": best_threads, "batch": batch,
                          "samples": int(x.shape[0]), "epoch_seconds": epochs, "test_samples": int(test_x.shape[0]),
                          "evaluate_seconds": evaluations, "test_accuracy": accuracy,
                          "version": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
