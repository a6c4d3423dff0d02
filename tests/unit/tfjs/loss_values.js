// The mean over the batch of a loss as TensorFlow.js computes it, printed
// as JSON: {"value": x}. The Keras losses go through a TF.js layers model
// that passes its input through unchanged, compiled with the loss and
// evaluated on (predictions, targets); huber uses tf.losses.huberLoss.
//
// usage: node loss_values.js TFJS_DIR LOSS DELTA PRED TARGETS
//   LOSS: a TF.js loss name (meanAbsoluteError, logcosh, ...) or huber
//   PRED, TARGETS: JSON arrays of rows
const tf = require(process.argv[2]);
const [loss, delta, pred, targets] = [process.argv[3], Number(process.argv[4]), JSON.parse(process.argv[5]),
                                      JSON.parse(process.argv[6])];

tf.setBackend('cpu');
const p = tf.tensor2d(pred);
const t = tf.tensor2d(targets);
let value;
if (loss === 'huber') {
    const each = tf.losses.huberLoss(t, p, undefined, delta, tf.Reduction.NONE);
    value = each.mean().dataSync()[0];
} else {
    const model = tf.sequential({layers: [tf.layers.activation({activation: 'linear', inputShape: [pred[0].length]})]});
    model.compile({optimizer: 'sgd', loss});
    value = model.evaluate(p, t, {batchSize: pred.length}).dataSync()[0];
}
console.log(JSON.stringify({value}));
