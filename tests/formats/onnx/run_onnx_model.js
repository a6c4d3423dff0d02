#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (onnxruntime-node) on a float32 .npy
// array and writes its single output as a float32 .npy array, for the
// tests that compare ONNX Runtime with `mlrun predict`.
//
// usage: node run_onnx_model.js ONNXRUNTIME_NODE_DIR MODEL.onnx X.npy Y.npy
//
// Prints one JSON line: the model's input and output names and the output shape.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
  console.error(`run_onnx_model.js: ${message}`);
  process.exit(1);
}

// A little-endian float32 C-order .npy array (version 1 or 2 header).
function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') fail(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    fail(`${file}: expected little-endian float32 in C order, found header ${header.trim()}`);
  }
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim() !== '').map(Number);
  const data = bytes.subarray(start + headerLength);
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return { shape, values };
}

function writeNpy(file, shape, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

async function main() {
  const [runtimeDir, model, input, output] = process.argv.slice(2);
  if (!output) fail('usage: node run_onnx_model.js ONNXRUNTIME_NODE_DIR MODEL.onnx X.npy Y.npy');
  const ort = require(path.resolve(runtimeDir));
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    fail(`${model}: expected one input and one output, found ${session.inputNames} and ${session.outputNames}`);
  }
  const x = readNpy(input);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.values, x.shape) };
  const results = await session.run(feeds);
  const y = results[session.outputNames[0]];
  if (y.type !== 'float32') fail(`${model}: output ${session.outputNames[0]} is ${y.type}, expected float32`);
  writeNpy(output, y.dims, y.data);
  console.log(JSON.stringify({ input: session.inputNames[0], output: session.outputNames[0], shape: y.dims }));
}

main().catch((error) => fail(error.message));
