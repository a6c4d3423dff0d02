#!/usr/bin/env node
// Runs TensorFlow.js (@tensorflow/tfjs: pure JavaScript, CPU backend) on
// TF.js Layers models for the tests that compare it with mlrun:
//
//   node run_tfjs_model.js TFJS_DIR predict MODEL_DIR X.npy Y.npy
//       tf.loadLayersModel, then predict X; writes the outputs to Y.npy
//   node run_tfjs_model.js TFJS_DIR evaluate MODEL_DIR X.npy LABELS.npy
//       prints {"loss": ..., "accuracy": ...} from model.evaluate
//   node run_tfjs_model.js TFJS_DIR train-step MODEL_DIR X.npy LABELS.npy
//       one trainOnBatch with the optimizer trainingConfig names; prints
//       {"optimizer": ..., "loss_before": ..., "loss_after": ...}
//   node run_tfjs_model.js TFJS_DIR make-model OUT_DIR X.npy LABELS.npy Y.npy
//       builds, compiles and fits a model in TF.js, saves it as
//       model.save('file://OUT_DIR') does (model.json + weights.bin, with
//       the optimizer), and writes its predictions on X to Y.npy
//
// Without tfjs-node there is no file:// handler, so the files are read and
// written here with tf.io's handler interface, as tfjs-node does.
'use strict';

const fs = require('fs');
const path = require('path');
const { readNpy, writeNpy } = require('../../support/npy.js');

function fail(message) {
  console.error(`run_tfjs_model.js: ${message}`);
  process.exit(1);
}

// A load handler for a model directory (or its model.json): every manifest
// group's shards joined in order, as tf.io's HTTP loader joins them.
function fromDirectory(model) {
  const jsonPath = fs.statSync(model).isDirectory() ? path.join(model, 'model.json') : model;
  const dir = path.dirname(jsonPath);
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const data = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
      };
    },
  };
}

// A save handler writing what tfjs-node's file:// handler writes.
function toDirectory(tf, dir) {
  return {
    save: async (artifacts) => {
      fs.mkdirSync(dir, { recursive: true });
      const data = Buffer.from(new tf.io.CompositeArrayBuffer(artifacts.weightData).slice());
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      fs.writeFileSync(path.join(dir, 'weights.bin'), data);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

function tensorOf(tf, npy) {
  return tf.tensor(npy.values, npy.shape, 'float32');
}

async function main() {
  const [tfjsDir, command, model, xFile, second, third] = process.argv.slice(2);
  if (!xFile) fail('usage: node run_tfjs_model.js TFJS_DIR predict|evaluate|train-step|make-model MODEL_DIR X.npy ...');
  const tf = require(path.resolve(tfjsDir));
  await tf.setBackend('cpu');
  const x = tensorOf(tf, readNpy(xFile));
  if (command === 'predict') {
    const m = await tf.loadLayersModel(fromDirectory(model));
    const y = m.predict(x);
    writeNpy(second, y.shape, await y.data());
    console.log(JSON.stringify({ input: m.inputs[0].shape, output: y.shape }));
  } else if (command === 'evaluate' || command === 'train-step') {
    const m = await tf.loadLayersModel(fromDirectory(model));
    if (m.optimizer == null) fail(`${model}: loaded uncompiled: model.json has no trainingConfig`);
    const labels = tensorOf(tf, readNpy(second));
    const evaluate = async () => (await Promise.all(m.evaluate(x, labels, { batchSize: 32 }).map((t) => t.data()))).map((v) => v[0]);
    if (command === 'evaluate') {
      const [loss, accuracy] = await evaluate();
      console.log(JSON.stringify({ loss, accuracy }));
    } else {
      const [before] = await evaluate();
      const step = await m.trainOnBatch(x, labels);
      const [after] = await evaluate();
      console.log(JSON.stringify({ optimizer: m.optimizer.getClassName(), iterations: m.optimizer.iterations,
                                   step: Array.isArray(step) ? step[0] : step, loss_before: before, loss_after: after }));
    }
  } else if (command === 'make-model') {
    const labels = tensorOf(tf, readNpy(second));
    tf.util.seedrandom ? tf.util.seedrandom(7) : null;
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ units: 32, activation: 'relu', inputShape: [x.shape[1]] }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, labels, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
    await m.save(toDirectory(tf, model), { includeOptimizer: true });
    const y = m.predict(x);
    writeNpy(third, y.shape, await y.data());
    console.log(JSON.stringify({ saved: model, iterations: m.optimizer.iterations }));
  } else {
    fail(`unknown command '${command}'`);
  }
}

main().catch((error) => fail(error.stack || error.message));
