// Runs a few steps of a TensorFlow.js optimizer on a 3-element weight with
// the gradients optimizer_oracle_test.cpp uses, and prints the weight after
// each step as JSON: {"steps": [[w0, w1, w2], ...]}.
//
// usage: node optimizer_steps.js TFJS_DIR NAME STEPS
//   NAME: adagrad | adadelta | adamax
const tf = require(process.argv[2]);
const name = process.argv[3];
const steps = Number(process.argv[4]);

tf.setBackend('cpu');

// Keras 3's defaults but a larger learning rate, so a few steps move w.
const optimizers = {
    adagrad: () => tf.train.adagrad(0.1, 0.1),
    adadelta: () => tf.train.adadelta(1.0, 0.95, 1e-7),
    adamax: () => tf.train.adamax(0.1, 0.9, 0.999, 1e-7, 0),
};
const optimizer = optimizers[name]();
const w = tf.variable(tf.tensor1d([1.0, -2.0, 0.5]), true, 'w');

// g[t][i] = (i + 1) sin(1 + i + 0.7 t), t from 1: signs and sizes change from step to step.
const gradient = (t) => [0, 1, 2].map((i) => (i + 1) * Math.sin(1 + i + 0.7 * t));

const trace = [];
for (let t = 1; t <= steps; ++t) {
    optimizer.applyGradients({w: tf.tensor1d(gradient(t))});
    trace.push(Array.from(w.dataSync()));
}
console.log(JSON.stringify({steps: trace}));
