// The example page's script: plain JavaScript on the tf global that
// tfjs/tf.min.js (the npm package's bundle) defines; no build step.
//
// URL parameters: model (default model/model.json), backend (cpu, webgl;
// default TF.js's choice), digits=0,1,2 (predict these test digits at
// once), finetune=N (fine-tune on N training digits at once), test=1 (put
// the results, and the fine-tuned model, in the page as JSON for tests).
'use strict';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
let model = null;

function status(text) {
  $('status').textContent = text;
}

// The MNIST IDX files (gzip) that mlrun's data directory holds, unpacked in the browser.
async function idx(name, headerBytes) {
  const response = await fetch(`data/${name}`);
  if (!response.ok) throw new Error(`data/${name}: ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return bytes.subarray(headerBytes);
}

const datasets = {};
async function digits(split) {
  if (!datasets[split]) {
    const prefix = split === 'test' ? 't10k' : 'train';
    datasets[split] = { images: await idx(`${prefix}-images-idx3-ubyte.gz`, 16), labels: await idx(`${prefix}-labels-idx1-ubyte.gz`, 8) };
  }
  return datasets[split];
}

// Samples as the model takes them: pixels / 255, flattened to 784.
function samples(images, indices) {
  const x = new Float32Array(indices.length * 784);
  indices.forEach((i, row) => {
    for (let p = 0; p < 784; ++p) x[row * 784 + p] = images[i * 784 + p] / 255;
  });
  return tf.tensor2d(x, [indices.length, 784]);
}

function show(pixels, probabilities, caption) {
  const box = document.createElement('div');
  box.className = 'digit';
  const picture = document.createElement('canvas');
  picture.width = picture.height = 28;
  const image = picture.getContext('2d').createImageData(28, 28);
  for (let p = 0; p < 784; ++p) {
    image.data.set([pixels[p] * 255, pixels[p] * 255, pixels[p] * 255, 255], p * 4);
  }
  picture.getContext('2d').putImageData(image, 0, 0);
  const best = probabilities.indexOf(Math.max(...probabilities));
  box.append(picture);
  box.insertAdjacentHTML('beforeend', `<div class="class">${best}</div><div>${caption}</div>`);
  probabilities.forEach((p, c) => {
    box.insertAdjacentHTML('beforeend', `<div class="row"><span>${c}</span><div class="bar" style="width:${(p * 100).toFixed(1)}%"></div></div>`);
  });
  $('predictions').append(box);
  return best;
}

async function predictTestDigits(indices) {
  const test = await digits('test');
  const x = samples(test.images, indices);
  const y = await model.predict(x).array();
  const pixels = await x.array();
  $('predictions').replaceChildren();
  const results = indices.map((index, row) => {
    const predicted = show(pixels[row], y[row], `test #${index}, label ${test.labels[index]}`);
    return { index, label: test.labels[index], predicted, probabilities: y[row] };
  });
  x.dispose();
  status(`Predicted ${indices.length} test digits with ${tf.getBackend()}.`);
  return results;
}

// The drawing, scaled to 28x28 grey levels as MNIST's digits are.
function drawing() {
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const context = small.getContext('2d');
  context.drawImage($('pad'), 0, 0, 28, 28);
  const rgba = context.getImageData(0, 0, 28, 28).data;
  const pixels = new Float32Array(784);
  for (let p = 0; p < 784; ++p) pixels[p] = rgba[p * 4] / 255;
  return pixels;
}

async function predictDrawing() {
  const pixels = drawing();
  const y = await model.predict(tf.tensor2d(pixels, [1, 784])).array();
  $('predictions').replaceChildren();
  const best = show(pixels, y[0], 'your drawing');
  status(`The drawing looks like a ${best}.`);
}

async function fineTune(count) {
  const train = await digits('train');
  const indices = [...Array(count).keys()];
  const x = samples(train.images, indices);
  const y = tf.tensor1d(Array.from(train.labels.subarray(0, count)), 'float32');
  // A model saved with its training configuration comes compiled (optimizer state included).
  if (model.optimizer == null) model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  status(`Fine-tuning on ${count} digits...`);
  const history = await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: true });
  x.dispose();
  y.dispose();
  const loss = history.history.loss[0];
  status(`Fine-tuned for one epoch on ${count} digits: loss ${loss.toFixed(4)}, optimizer at step ${model.optimizer.iterations}.`);
  return { loss, iterations: model.optimizer.iterations };
}

// model.json and model.weights.bin, as tf.io.browserDownloads names them;
// mlrun reads the pair back (mlrun inspect model.json).
async function download() {
  let files = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = new tf.io.CompositeArrayBuffer(artifacts.weightData).slice();
    const json = {
      format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
      modelTopology: artifacts.modelTopology, trainingConfig: artifacts.trainingConfig,
      weightsManifest: [{ paths: ['./model.weights.bin'], weights: artifacts.weightSpecs }],
    };
    files = { json: JSON.stringify(json), weights };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: true });
  if (params.get('test')) {
    let binary = '';
    new Uint8Array(files.weights).forEach((b) => { binary += String.fromCharCode(b); });
    $('downloaded').textContent = JSON.stringify({ model: files.json, weights: btoa(binary) });
    return;
  }
  for (const [name, data, type] of [['model.json', files.json, 'application/json'], ['model.weights.bin', files.weights, 'application/octet-stream']]) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([data], { type }));
    link.download = name;
    link.click();
  }
  status('Offered model.json and model.weights.bin for download.');
}

function drawingPad() {
  const pad = $('pad');
  const context = pad.getContext('2d');
  context.fillStyle = '#000';
  context.fillRect(0, 0, pad.width, pad.height);
  let drawing = false;
  const point = (e) => [e.offsetX, e.offsetY];
  pad.addEventListener('pointerdown', (e) => { drawing = true; context.beginPath(); context.moveTo(...point(e)); });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    context.strokeStyle = '#fff';
    context.lineWidth = 22;
    context.lineCap = 'round';
    context.lineTo(...point(e));
    context.stroke();
  });
  window.addEventListener('pointerup', () => { drawing = false; });
  $('clear').onclick = () => { context.fillRect(0, 0, pad.width, pad.height); };
}

function guarded(action) {
  return () => action().catch((error) => status(`Error: ${error.message}`));
}

async function main() {
  drawingPad();
  if (params.get('backend')) await tf.setBackend(params.get('backend'));
  await tf.ready();
  const url = params.get('model') || 'model/model.json';
  status(`Loading ${url}...`);
  model = await tf.loadLayersModel(url);
  status(`Loaded ${url} (${model.countParams()} parameters) on the ${tf.getBackend()} backend.`);
  $('predict-drawing').onclick = guarded(predictDrawing);
  $('predict-test').onclick = guarded(() => predictTestDigits($('indices').value.split(',').map(Number)));
  $('finetune').onclick = guarded(() => fineTune(Number($('train-count').value)));
  $('download').onclick = guarded(download);

  const report = {};
  if (params.get('digits')) report.predictions = await predictTestDigits(params.get('digits').split(',').map(Number));
  if (params.get('finetune')) {
    report.finetune = await fineTune(Number(params.get('finetune')));
    if (params.get('test')) await download();
  }
  if (params.get('test')) {
    $('results').textContent = JSON.stringify(report);
    document.title = 'done';
  }
}

main().catch((error) => {
  status(`Error: ${error.message}`);
  $('results').textContent = JSON.stringify({ error: error.message });
});
