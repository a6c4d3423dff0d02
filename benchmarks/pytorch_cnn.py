#!/usr/bin/env python3
"""The convnet benchmark job in PyTorch, driven like mlrun-benchmark.

The network of configs/fashion_cnn.yaml: Conv2D 32 3x3 relu, MaxPooling 2,
Conv2D 64 3x3 relu, MaxPooling 2, Flatten, Dropout 0.5, Dense 10 (the
softmax folded into the cross-entropy, as in mlrun's fused path), with
Adam (Keras's defaults), sparse categorical cross-entropy and a running
accuracy, on Fashion-MNIST read from the same IDX files. The images are
PyTorch's NCHW [N, 1, 28, 28] (mlrun's are NHWC; with one channel the
memory is the same); the flattened features come in another order, which
changes nothing in the work done. Commands and answers as in
pytorch_mlp.py.
"""
import torch

from pytorch_mlp import serve


def fashion_convnet():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(5 * 5 * 64, 10))


if __name__ == "__main__":
    serve(__doc__.splitlines()[0], fashion_convnet, (1, 28, 28))
