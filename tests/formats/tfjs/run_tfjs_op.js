#!/usr/bin/env node
// Runs one TensorFlow.js op (@tensorflow/tfjs, CPU backend) on an array,
// for the tests that check an mlrun computation TF.js's layers do not
// compute as Keras does:
//
//   node run_tfjs_op.js TFJS_DIR resize-bilinear X.npy ROWS COLS Y.npy
//       tf.image.resizeBilinear with half-pixel centres (TensorFlow's
//       image.resize, which Keras's UpSampling2D(interpolation='bilinear') calls)
//   node run_tfjs_op.js TFJS_DIR log-softmax X.npy Y.npy
//       tf.logSoftmax over the last axis
'use strict';

const path = require('path');
const { readNpy, writeNpy } = require('../../support/npy.js');

function fail(message) {
  console.error(`run_tfjs_op.js: ${message}`);
  process.exit(1);
}

async function main() {
  const [tfjsDir, op, xFile, ...rest] = process.argv.slice(2);
  if (!xFile) fail('usage: node run_tfjs_op.js TFJS_DIR resize-bilinear|log-softmax X.npy ... Y.npy');
  const tf = require(path.resolve(tfjsDir));
  await tf.setBackend('cpu');
  const npy = readNpy(xFile);
  const x = tf.tensor(npy.values, npy.shape, 'float32');
  let y;
  let out;
  if (op === 'resize-bilinear') {
    const [rows, cols, yFile] = rest;
    y = tf.image.resizeBilinear(x, [Number(rows), Number(cols)], false, true);
    out = yFile;
  } else if (op === 'log-softmax') {
    y = tf.logSoftmax(x);
    out = rest[0];
  } else {
    fail(`unknown op '${op}'`);
  }
  writeNpy(out, y.shape, await y.data());
  console.log(JSON.stringify({ output: y.shape }));
}

main().catch((e) => fail(e.stack || String(e)));
