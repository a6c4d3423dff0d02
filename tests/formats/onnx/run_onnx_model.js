#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (onnxruntime-node) on a float32 .npy
// array and writes its single output as a float32 .npy array, for the
// tests that compare ONNX Runtime with `mlrun predict`.
//
// usage: node run_onnx_model.js ONNXRUNTIME_NODE_DIR MODEL.onnx X.npy Y.npy
//
// Prints one JSON line: the model's input and output names and the output shape.
'use strict';

const path = require('path');
const { readNpy, writeNpy } = require('../../support/npy.js');

function fail(message) {
  console.error(`run_onnx_model.js: ${message}`);
  process.exit(1);
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
