// A metric over every sample as TensorFlow.js computes it (tf.metrics),
// printed as JSON: {"value": x}. Per-sample metrics are averaged over the
// samples; precision and recall are counted over all of them.
//
// usage: node metric_values.js TFJS_DIR METRIC PRED TARGETS
//   METRIC: binaryAccuracy, categoricalAccuracy, precision, recall,
//           meanAbsoluteError, meanSquaredError
//   PRED, TARGETS: JSON arrays of rows
const tf = require(process.argv[2]);
const [metric, pred, targets] = [process.argv[3], JSON.parse(process.argv[4]), JSON.parse(process.argv[5])];

tf.setBackend('cpu');
let p = tf.tensor2d(pred);
// TF.js's precision and recall count predictions of exactly 1 and 0:
// threshold them at 0.5 first, as Keras's do inside.
if (metric === 'precision' || metric === 'recall') p = tf.cast(tf.greater(p, 0.5), 'float32');
const result = tf.metrics[metric](tf.tensor2d(targets), p);
console.log(JSON.stringify({value: result.mean().dataSync()[0]}));
