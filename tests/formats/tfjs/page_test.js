#!/usr/bin/env node
// The example page (examples/web) in headless Chromium, served by `mlrun
// serve`: it predicts a fixed set of test digits with the exported
// tutorial model, as `mlrun predict` does (1e-5, same argmax), fine-tunes
// for an epoch, and the model it offers for download (model.json +
// model.weights.bin) is read back by mlrun.
//
// usage: node page_test.js BINARY_DIR SOURCE_DIR
// Exits 77 (skipped, ctest's SKIP_RETURN_CODE) naming what is missing when
// chromium or @tensorflow/tfjs is absent.
'use strict';

const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { readNpy, writeNpy } = require('../../support/npy.js');

const [binaryDir, sourceDir] = process.argv.slice(2);
const mlrun = path.join(binaryDir, 'bin', 'mlrun');
const tfjsDist = process.env.MLRUN_TFJS
  ? path.join(process.env.MLRUN_TFJS, 'dist')
  : path.join(sourceDir, '.tfjs', 'node_modules', '@tensorflow', 'tfjs', 'dist');
const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function skip(reason) {
  console.log(`SKIPPED: ${reason}`);
  process.exit(77);
}

function run(args) {
  return execFileSync(mlrun, args, { cwd: sourceDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function check(condition, message) {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exitCode = 1;
  } else {
    console.log(`ok: ${message}`);
  }
}

// The test digits the page shows, flattened and scaled as the model takes them.
function writeDigits(file) {
  const images = zlib.gunzipSync(fs.readFileSync(path.join(sourceDir, 'data/mnist/t10k-images-idx3-ubyte.gz'))).subarray(16);
  const x = new Float32Array(digits.length * 784);
  digits.forEach((d, row) => { for (let p = 0; p < 784; ++p) x[row * 784 + p] = images[d * 784 + p] / 255; });
  writeNpy(file, [digits.length, 784], x);
}

function serve(webModel) {
  return new Promise((resolve, reject) => {
    const server = spawn(mlrun, ['serve', 'examples/web', `model=${webModel}`, `tfjs=${tfjsDist}`, 'data=data/mnist', '--port', '0'],
                         { cwd: sourceDir, stdio: ['ignore', 'pipe', 'inherit'] });
    server.stdout.on('data', (chunk) => {
      const port = /127\.0\.0\.1:(\d+)/.exec(chunk.toString());
      if (port) resolve({ server, port: port[1] });
    });
    server.on('exit', (code) => reject(new Error(`mlrun serve exited with ${code}`)));
  });
}

// The status code `mlrun serve` answers a raw request path with.
function statusOf(port, requestPath) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: requestPath }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
  });
}

// The page's DOM once its script has run (virtual time lets the fetches,
// the predictions and the epoch finish before the DOM is taken).
function dumpDom(url) {
  const chrome = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=120000',
                                        '--dump-dom', url], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300000 });
  if (chrome.status !== 0) throw new Error(`chromium exited with ${chrome.status}: ${chrome.stderr}`);
  return chrome.stdout;
}

function element(dom, id) {
  const match = new RegExp(`<pre id="${id}"[^>]*>([^<]*)</pre>`).exec(dom);
  if (!match) throw new Error(`the page has no #${id}`);
  return match[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

async function main() {
  if (spawnSync('chromium', ['--version']).status !== 0) skip('chromium is not installed (scripts/install_deps.sh installs it)');
  if (!fs.existsSync(path.join(tfjsDist, 'tf.min.js'))) skip(`@tensorflow/tfjs is not installed at ${tfjsDist} (scripts/install_tfjs.sh)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlrun-page-'));
  try {
    const h5 = path.join(work, 'model.h5');
    const web = path.join(work, 'web_model');
    run(['configs/mnist.yaml', 'fit.epochs=1', 'data.train.take=500', 'checkpoint.path=', 'fit.verbose=0', `save.path=${h5}`]);
    run(['convert', h5, `${web}/`]);
    writeDigits(path.join(work, 'x.npy'));
    run(['predict', '--model', h5, '--input', path.join(work, 'x.npy'), '--output', path.join(work, 'y.npy')]);
    const expected = readNpy(path.join(work, 'y.npy'));

    const { server, port } = await serve(web);
    let dom;
    try {
      check(await statusOf(port, '/model/model.json') === 200, 'mlrun serve serves the model under /model/');
      check(await statusOf(port, '/') === 200, 'mlrun serve answers / with index.html');
      for (const outside of ['/../README.md', '/model/../../README.md', '/%2e%2e/README.md', '/nothing.js']) {
        check(await statusOf(port, outside) === 404, `mlrun serve refuses ${outside}`);
      }
      // The cpu backend computes in float32 as mlrun does (webgl may use float16 textures).
      dom = dumpDom(`http://127.0.0.1:${port}/?digits=${digits.join(',')}&finetune=256&test=1&backend=cpu`);
    } finally {
      server.kill();
    }
    const report = JSON.parse(element(dom, 'results'));
    if (report.error) throw new Error(`the page failed: ${report.error}`);
    let worst = 0;
    let differing = 0;
    report.predictions.forEach((p, row) => {
      const mine = Array.from(expected.values.subarray(row * 10, row * 10 + 10));
      p.probabilities.forEach((v, c) => { worst = Math.max(worst, Math.abs(v - mine[c])); });
      if (p.predicted !== mine.indexOf(Math.max(...mine))) differing += 1;
    });
    // 1e-5: float32 in both, dot products summed in another order (see tfjs_runtime_test.cpp).
    check(report.predictions.length === digits.length, `the page shows ${digits.length} predictions`);
    check(worst <= 1e-5, `the page's probabilities are mlrun predict's within 1e-5 (largest difference ${worst})`);
    check(differing === 0, 'the page predicts the class mlrun predicts for every digit');
    check(report.finetune.iterations === 16 + 8, `fine-tuning went on from the exported Adam state (step ${report.finetune.iterations})`);

    // The download, as the browser would save it, is read back by mlrun.
    const downloaded = JSON.parse(element(dom, 'downloaded'));
    const back = path.join(work, 'downloads');
    fs.mkdirSync(back);
    fs.writeFileSync(path.join(back, 'model.json'), downloaded.model);
    fs.writeFileSync(path.join(back, 'model.weights.bin'), Buffer.from(downloaded.weights, 'base64'));
    const listing = run(['inspect', path.join(back, 'model.json')]);
    check(/optimizer\/iterations \(int64\)/.test(listing) && /dense\/kernel \(float32\) \[784,512\]/.test(listing),
          'mlrun inspect reads the downloaded model.json and model.weights.bin');
    const evaluated = run(['evaluate', '--model', path.join(back, 'model.json'), '--config', 'configs/mnist.yaml', 'data.test.take=100']);
    check(/optimizer at iteration 24/.test(evaluated), `mlrun evaluates the fine-tuned model: ${evaluated.trim().split('\n').pop()}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`FAILED: ${error.stack || error.message}`);
  process.exit(1);
});
