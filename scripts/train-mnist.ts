/**
 * Train the two small MNIST example models with tfjs (pure-JS CPU backend) and write them in the
 * standard tfjs layers format (model.json + weights.bin, float32). The committed files came from:
 *
 *   nice -n 10 npx tsx scripts/train-mnist.ts --model mlp --epochs 30 --seed 1   → examples/mnist-mlp
 *   nice -n 10 npx tsx scripts/train-mnist.ts --model cnn --epochs 20 --seed 1   → examples/mnist-cnn
 *
 * Options: --model mlp|cnn (required), --epochs N, --seed N (initializers + shuffles + augmentation),
 * --out DIR (default examples/mnist-<model>), --batch N (default 32), --lr X (peak Adam learning rate,
 * default 0.002), --shift N (max augmentation shift in px; default 1 for mlp, 2 for cnn),
 * --no-augment, --hidden N (Dense hidden units; default 128 for mlp, 32 for cnn), --filters A,B (the
 * CNN's two conv widths, default 8,16), --dry-run (train and report, write nothing). The defaults are
 * the committed models; the other options exist for experiments.
 *
 * Models (input [28, 28, 1] raw pixels 0..255, output 10 logits — argmax is the digit, no softmax):
 *   mlp: InputLayer → Rescaling(1/255) → Flatten → Dense(128, relu) → Dense(10)
 *   cnn: InputLayer → Rescaling(1/255) → Conv2D(8, 5×5, valid, relu) → MaxPool(2) →
 *        Conv2D(16, 5×5, valid, relu) → MaxPool(2) → Flatten → Dense(32, relu) → Dense(10)
 *
 * Data: src/harness/data/mnist.ts — fixed 8,000 train / 2,000 held-out split of the `mnist` package's
 * 10,000 digits, raw pixels 0..255. Accuracy is always measured on the 2,000 held-out digits, and the
 * model written is the one after the last epoch (no selection on the held-out set).
 *
 * Training: Adam, softmax cross-entropy on the final linear layer's raw scores, batch 32, cosine
 * learning-rate decay per epoch (peak → 2% of peak), random integer shifts (zero fill) as
 * augmentation, no dropout. Everything random is seeded: glorot-uniform initializers with per-layer
 * seeds, the per-epoch shuffle and the shifts with xorshift32 — the same command gives the same
 * weights (checked: two MLP runs wrote byte-identical weights.bin).
 *
 * tfjs's CPU conv kernels are slow (two gradient kernels dominate); scripts/tfjs-fast-kernels.ts
 * replaces them with faster versions, self-checked against the built-ins at start. Never train in
 * tests or the demo: the trained files are committed.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist, MNIST_PIXELS, MNIST_SIZE, xorshift32 } from '../src/harness/data/mnist.ts';
import { installFastKernels } from './tfjs-fast-kernels.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  model: 'mlp' | 'cnn';
  epochs: number;
  seed: number;
  out: string;
  batch: number;
  lr: number;
  augment: boolean;
  shift: number;
  hidden: number;
  filters: [number, number];
  dryRun: boolean;
}

const DEFAULTS = {
  mlp: { epochs: 30, lr: 2e-3, shift: 1, hidden: 128 },
  cnn: { epochs: 20, lr: 2e-3, shift: 2, hidden: 32 },
} as const;

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
    return v;
  };
  const known = new Set(['--model', '--epochs', '--seed', '--out', '--batch', '--lr', '--shift', '--hidden', '--filters', '--no-augment', '--dry-run']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    if (!known.has(a)) throw new Error(`unknown option ${a}`);
  }
  const model = get('model');
  if (model !== 'mlp' && model !== 'cnn') throw new Error('usage: train-mnist.ts --model mlp|cnn [--epochs N] [--seed N]');
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  return {
    model,
    epochs: Math.floor(num('epochs', DEFAULTS[model].epochs)),
    seed: Math.floor(num('seed', 1)),
    out: resolve(get('out') ?? join(REPO_ROOT, 'examples', `mnist-${model}`)),
    batch: Math.floor(num('batch', 32)),
    lr: num('lr', DEFAULTS[model].lr),
    augment: !argv.includes('--no-augment'),
    shift: Math.floor(num('shift', DEFAULTS[model].shift)),
    hidden: Math.floor(num('hidden', DEFAULTS[model].hidden)),
    filters: parseFilters(get('filters') ?? '8,16'),
    dryRun: argv.includes('--dry-run'),
  };
}

function parseFilters(v: string): [number, number] {
  const f = v.split(',').map(Number);
  if (f.length !== 2 || !f.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--filters must be two positive integers like 8,16, got ${v}`);
  return [f[0], f[1]];
}

/** Layer descriptions (for the README and the MAC count). */
interface LayerInfo {
  name: string;
  kind: string;
  outShape: number[];
  params: number;
  macs: number;
}

function buildModel(kind: 'mlp' | 'cnn', seed: number, hidden: number, filters: [number, number]): tf.Sequential {
  let layerSeed = seed * 1000;
  const init = () => tf.initializers.glorotUniform({ seed: ++layerSeed });
  const m = tf.sequential({ name: `mnist_${kind}` });
  // An explicit InputLayer so model.json lists it (as Keras ≥ 2.4 and the original design's models do).
  m.add(tf.layers.inputLayer({ name: 'input', inputShape: [MNIST_SIZE, MNIST_SIZE, 1] }));
  m.add(tf.layers.rescaling({ name: 'rescaling', scale: 1 / 255, offset: 0 }));
  if (kind === 'mlp') {
    m.add(tf.layers.flatten({ name: 'flatten' }));
    m.add(tf.layers.dense({ name: 'dense1', units: hidden, activation: 'relu', kernelInitializer: init() }));
    m.add(tf.layers.dense({ name: 'logits', units: 10, activation: 'linear', kernelInitializer: init() }));
  } else {
    const conv = (name: string, n: number, k: number) =>
      tf.layers.conv2d({ name, filters: n, kernelSize: k, strides: 1, padding: 'valid', activation: 'relu', kernelInitializer: init() });
    m.add(conv('conv1', filters[0], 5)); // 24×24×f1
    m.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2, padding: 'valid' })); // 12×12×f1
    m.add(conv('conv2', filters[1], 5)); // 8×8×f2
    m.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2, padding: 'valid' })); // 4×4×f2
    m.add(tf.layers.flatten({ name: 'flatten' }));
    m.add(tf.layers.dense({ name: 'dense1', units: hidden, activation: 'relu', kernelInitializer: init() }));
    m.add(tf.layers.dense({ name: 'logits', units: 10, activation: 'linear', kernelInitializer: init() }));
  }
  return m;
}

/** Per-layer output shape, parameters and multiply-accumulates (Conv2D Ho·Wo·kh·kw·Cin·Cout, Dense in·out). */
function describe(m: tf.LayersModel): LayerInfo[] {
  return m.layers.map((l) => {
    const outShape = (l.outputShape as number[]).slice(1);
    const cls = l.getClassName();
    let macs = 0;
    if (cls === 'Conv2D') {
      const [kh, kw, cin, cout] = l.getWeights()[0].shape;
      macs = outShape[0] * outShape[1] * kh * kw * cin * cout;
    } else if (cls === 'Dense') {
      const [inp, out] = l.getWeights()[0].shape;
      macs = inp * out;
    }
    return { name: l.name, kind: cls, outShape, params: l.countParams(), macs };
  });
}

/** Shift a 28×28 image by (dy, dx) pixels with zero fill into `out` at `off`. */
function shiftInto(src: Float32Array, dy: number, dx: number, out: Float32Array, off: number): void {
  for (let r = 0; r < MNIST_SIZE; r++) {
    const sr = r - dy;
    const row = off + r * MNIST_SIZE;
    if (sr < 0 || sr >= MNIST_SIZE) {
      out.fill(0, row, row + MNIST_SIZE);
      continue;
    }
    for (let c = 0; c < MNIST_SIZE; c++) {
      const sc = c - dx;
      out[row + c] = sc < 0 || sc >= MNIST_SIZE ? 0 : src[sr * MNIST_SIZE + sc];
    }
  }
}

function accuracy(m: tf.LayersModel, images: Float32Array[], labels: number[]): number {
  let correct = 0;
  const B = 500;
  for (let s = 0; s < images.length; s += B) {
    const n = Math.min(B, images.length - s);
    const buf = new Float32Array(n * MNIST_PIXELS);
    for (let i = 0; i < n; i++) buf.set(images[s + i], i * MNIST_PIXELS);
    const pred = tf.tidy(() => (m.predict(tf.tensor4d(buf, [n, MNIST_SIZE, MNIST_SIZE, 1])) as tf.Tensor).argMax(-1));
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < n; i++) if (p[i] === labels[s + i]) correct++;
  }
  return correct / images.length;
}

async function saveModel(m: tf.LayersModel, dir: string): Promise<{ modelJson: string; weightsBytes: number }> {
  mkdirSync(dir, { recursive: true });
  let result: { modelJson: string; weightsBytes: number } | undefined;
  await m.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error('save: no weights');
      for (const s of artifacts.weightSpecs) if (s.dtype !== 'float32') throw new Error(`save: ${s.name} is ${s.dtype}`);
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      const text = JSON.stringify(modelJson, null, 1) + '\n';
      writeFileSync(join(dir, 'model.json'), text);
      writeFileSync(join(dir, 'weights.bin'), weights);
      result = { modelJson: text, weightsBytes: weights.byteLength };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return result!;
}

/** Reload the written files through tf.io.fromMemory and return the held-out accuracy (round-trip check). */
async function reloadAccuracy(dir: string, images: Float32Array[], labels: number[]): Promise<number> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const m = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const acc = accuracy(m, images, labels);
  m.dispose();
  return acc;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await tf.setBackend('cpu');
  installFastKernels({ log: console.log });
  const { train, test } = loadMnist();
  const model = buildModel(opts.model, opts.seed, opts.hidden, opts.filters);
  const info = describe(model);
  const totalParams = info.reduce((a, l) => a + l.params, 0);
  const totalMacs = info.reduce((a, l) => a + l.macs, 0);
  console.log(`model ${opts.model}: ${totalParams} params, ${totalMacs} MACs per inference`);
  for (const l of info) console.log(`  ${l.name.padEnd(10)} ${l.kind.padEnd(13)} out [${l.outShape.join(',')}] params ${l.params} MACs ${l.macs}`);
  console.log(
    `train ${train.images.length} / held-out ${test.images.length}; epochs ${opts.epochs}, batch ${opts.batch}, peak lr ${opts.lr}, seed ${opts.seed}, augment ${opts.augment ? `±${opts.shift} px shifts` : 'off'}`,
  );

  const optimizer = tf.train.adam(opts.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rand = xorshift32(0x51ed0000 + opts.seed);
  const N = train.images.length;
  const order = Array.from({ length: N }, (_, i) => i);
  const batchX = new Float32Array(opts.batch * MNIST_PIXELS);
  const lrMin = opts.lr * 0.02;
  const t0 = performance.now();
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const te = performance.now();
    const lr = lrMin + 0.5 * (opts.lr - lrMin) * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    for (let i = N - 1; i > 0; i--) {
      const j = rand() % (i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    let seen = 0;
    let correct = 0;
    for (let s = 0; s < N; s += opts.batch) {
      const n = Math.min(opts.batch, N - s);
      const ys = new Float32Array(n * 10);
      const lbl = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const k = order[s + i];
        if (opts.augment) {
          const r = rand();
          const span = 2 * opts.shift + 1;
          shiftInto(train.images[k], (r % span) - opts.shift, (Math.floor(r / span) % span) - opts.shift, batchX, i * MNIST_PIXELS);
        } else {
          batchX.set(train.images[k], i * MNIST_PIXELS);
        }
        ys[i * 10 + train.labels[k]] = 1;
        lbl[i] = train.labels[k];
      }
      const x = tf.tensor4d(batchX.subarray(0, n * MNIST_PIXELS), [n, MNIST_SIZE, MNIST_SIZE, 1]);
      const y = tf.tensor2d(ys, [n, 10]);
      let predTensor: tf.Tensor | undefined;
      const loss = optimizer.minimize(
        () => {
          const logits = model.apply(x, { training: true }) as tf.Tensor;
          predTensor = tf.keep(logits.argMax(-1));
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        },
        true,
        vars,
      )!;
      lossSum += loss.dataSync()[0] * n;
      const p = predTensor!.dataSync();
      for (let i = 0; i < n; i++) if (p[i] === lbl[i]) correct++;
      seen += n;
      tf.dispose([x, y, loss, predTensor!]);
    }
    const heldOut = accuracy(model, test.images, test.labels);
    console.log(
      `epoch ${String(epoch + 1).padStart(2)}/${opts.epochs}  lr ${lr.toExponential(2)}  loss ${(lossSum / seen).toFixed(4)}  train(aug) ${(100 * correct / seen).toFixed(2)}%  held-out ${(100 * heldOut).toFixed(2)}%  ${((performance.now() - te) / 1000).toFixed(1)} s`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const finalAcc = accuracy(model, test.images, test.labels);
  console.log(`trained in ${seconds.toFixed(0)} s; held-out accuracy ${(100 * finalAcc).toFixed(2)}% (${Math.round(finalAcc * test.images.length)}/${test.images.length})`);
  if (opts.dryRun) return;
  const saved = await saveModel(model, opts.out);
  const reloaded = await reloadAccuracy(opts.out, test.images, test.labels);
  if (reloaded !== finalAcc) throw new Error(`reloaded model accuracy ${reloaded} differs from ${finalAcc}`);
  console.log(
    `wrote ${relative(process.cwd(), join(opts.out, 'model.json'))} (${saved.modelJson.length} bytes) and weights.bin (${saved.weightsBytes} bytes); reload check ok`,
  );
}

await main();
