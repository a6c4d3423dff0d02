#!/usr/bin/python3
"""An independent forward pass of a Keras CNN file in NumPy, the oracle of
keras_cnn_fixtures_test: reads the architecture (model_config) and the
weights of a Keras HDF5 file, a Keras 3 .keras archive or a TF.js layers model (model.json and its
shards) and applies the layers as Keras defines them.

usage: keras_cnn_forward.py MODEL X.npy Y.npy
"""
import json
import os
import re
import sys

import numpy as np


def h5_model(path):
    import h5py
    with h5py.File(path, 'r') as f:
        config = f.attrs['model_config']
        config = json.loads(config.decode() if isinstance(config, bytes) else config)
        group = f['model_weights'] if 'model_weights' in f else f
        weights = {}
        for layer in group.keys():
            names = group[layer].attrs.get('weight_names', [])
            weights[layer] = [np.array(group[layer][n.decode() if isinstance(n, bytes) else n]) for n in names]
    return config, weights


def keras_archive(path):
    """Keras 3's .keras zip: config.json and model.weights.h5 (layers/NAME/vars/0, 1, ...)."""
    import io
    import zipfile
    import h5py
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read('config.json'))
        data = io.BytesIO(z.read('model.weights.h5'))
    weights = {}
    with h5py.File(data, 'r') as f:
        for layer in f['layers'].keys():
            vars_ = f['layers'][layer].get('vars', {})
            weights[layer] = [np.array(vars_[str(i)]) for i in range(len(vars_))]
    return config, weights


def tfjs_model(path):
    if os.path.isdir(path):
        path = os.path.join(path, 'model.json')
    with open(path) as f:
        model = json.load(f)
    topology = model['modelTopology']
    config = topology.get('model_config', topology)
    weights = {}
    for group in model['weightsManifest']:
        data = b''.join(open(os.path.join(os.path.dirname(path), p), 'rb').read() for p in group['paths'])
        offset = 0
        for spec in group['weights']:
            count = int(np.prod(spec['shape'])) if spec['shape'] else 1
            value = np.frombuffer(data, np.float32, count, offset).reshape(spec['shape'])
            offset += 4 * count
            layer = spec['name'].split('/')[0]
            weights.setdefault(layer, []).append(value)
    return config, weights


def same_pads(size, window, stride, dilation):
    span = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def windows(x, window, strides, dilation, padding, fill):
    """[N, OH, OW, KH, KW, C] views of x's windows."""
    n, h, w, c = x.shape
    if padding == 'same':
        top, bottom = same_pads(h, window[0], strides[0], dilation[0])
        left, right = same_pads(w, window[1], strides[1], dilation[1])
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    span = [(window[i] - 1) * dilation[i] + 1 for i in range(2)]
    oh = (x.shape[1] - span[0]) // strides[0] + 1
    ow = (x.shape[2] - span[1]) // strides[1] + 1
    out = np.empty((n, oh, ow, window[0], window[1], c), x.dtype)
    for i in range(window[0]):
        for j in range(window[1]):
            r, s = i * dilation[0], j * dilation[1]
            out[:, :, :, i, j, :] = x[:, r:r + strides[0] * oh:strides[0], s:s + strides[1] * ow:strides[1], :]
    return out


def activation(name, z):
    if name in (None, 'linear'):
        return z
    if name == 'relu':
        return np.maximum(z, 0)
    if name == 'softmax':
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == 'sigmoid':
        return 1 / (1 + np.exp(-z))
    if name == 'tanh':
        return np.tanh(z)
    raise SystemExit('no oracle for activation ' + name)


def apply(cls, c, w, x):
    if cls in ('InputLayer', 'Dropout'):
        return x
    if cls == 'Flatten':
        return x.reshape(x.shape[0], -1)
    if cls == 'Dense':
        z = x @ w[0].astype(np.float64)
        if len(w) > 1:
            z = z + w[1]
        return activation(c.get('activation'), z)
    if cls == 'Activation':
        return activation(c['activation'], x)
    if cls == 'Conv2D':
        k = w[0].astype(np.float64)
        patches = windows(x, k.shape[:2], c.get('strides', [1, 1]), c.get('dilation_rate', [1, 1]),
                          c.get('padding', 'valid'), 0.0)
        z = np.einsum('nhwijc,ijco->nhwo', patches, k)
        if len(w) > 1:
            z = z + w[1]
        return activation(c.get('activation'), z)
    if cls in ('MaxPooling2D', 'AveragePooling2D'):
        pool = c.get('pool_size', [2, 2])
        strides = c.get('strides') or pool
        fill = -np.inf if cls == 'MaxPooling2D' else np.nan
        patches = windows(x, pool, strides, [1, 1], c.get('padding', 'valid'), fill)
        if cls == 'MaxPooling2D':
            return patches.max(axis=(3, 4))
        return np.nanmean(patches, axis=(3, 4))  # padded cells do not count
    if cls == 'BatchNormalization':
        i = 0
        gamma = w[i] if c.get('scale', True) else 1.0
        i += 1 if c.get('scale', True) else 0
        beta = w[i] if c.get('center', True) else 0.0
        i += 1 if c.get('center', True) else 0
        mean, variance = w[i], w[i + 1]
        return (x - mean) / np.sqrt(variance.astype(np.float64) + c.get('epsilon', 1e-3)) * gamma + beta
    raise SystemExit('no oracle for layer class ' + cls)


def main():
    model, x_path, y_path = sys.argv[1:4]
    if model.endswith('.h5'):
        config, weights = h5_model(model)
    elif model.endswith('.keras'):
        config, weights = keras_archive(model)
    else:
        config, weights = tfjs_model(model)
    layers = config['config']['layers'] if isinstance(config['config'], dict) else config['config']
    x = np.load(x_path).astype(np.float64)
    seen = {}
    for entry in layers:
        c, cls = entry['config'], entry['class_name']
        # A .keras archive keys weights by class and position (conv2d, conv2d_1, ...), not by layer name.
        snake = re.sub(r'(?<=[a-z])([A-Z])', r'_\1', cls).lower()
        n = seen.get(snake, 0)
        seen[snake] = n + 1
        key = c['name'] if c['name'] in weights or not model.endswith('.keras') else snake + ('_%d' % n if n else '')
        x = apply(cls, c, weights.get(key, []), x)
    np.save(y_path, x.astype(np.float32))


main()
