import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { loadMnist } from '../../src/harness/data/mnist.ts';
import { importTfjsLayers } from '../../src/harness/import/index.ts';
import { saveTfjsLayers } from '../../src/harness/import/save.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { quantizedModelSpec } from '../../src/harness/model-chain/config.ts';
import { oracleInfer } from '../../src/harness/model-chain/oracle.ts';
import type { LayerIR, ModelIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { quantizeTensor } from '../../src/harness/quantize/int8.ts';
import {
  QuantizationError, decodeModelOutput, encodeModelInput, floatForward, quantizeModel, type QuantizedModel,
} from '../../src/harness/quantize/index.ts';
import { sampleInputs, seedWeights } from '../fixtures/models/build.ts';

let ir: ModelIR;
let oracle: Oracle;
const mnist = loadMnist();

beforeAll(async () => {
  ir = importTfjsLayers(join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json'));
  oracle = await loadOracle();
});

const argmax = (v: ArrayLike<number>) => Array.from(v).reduce((b, x, i, a) => (x > a[b]! ? i : b), 0);

describe('quantizeModel (sequential models)', () => {
  it('folds identity layers and a leading Rescaling off chain', () => {
    const m = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 50) });
    expect(m.layers.map((l) => l.type)).toEqual(['Dense', 'Dense']);
    expect(m.folded).toEqual(['input', 'rescaling', 'flatten']);
    expect(m.inputTransform?.scale).toBeCloseTo(1 / 255, 12);
    // Pixels scaled to [0, 1] calibrate the input to scale 1/255 with zero point -128.
    expect(m.input!.scale).toBeCloseTo(1 / 255, 9);
    expect(m.input!.zeroPoint).toBe(-128);
  });

  it('int8 predictions agree with the float64 forward pass on held-out digits', () => {
    const m = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 200) });
    const n = 100;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const pixels = mnist.test.images[i]!;
      const floatOut = floatForward(ir, pixels);
      const ref = argmax(floatOut[floatOut.length - 1]!.out);
      let x = new Uint8Array(quantizeTensor(Array.from(pixels, (p) => p / 255), m.input!).buffer);
      for (const l of m.layers) x = oracleForward(oracle, l.op, l.config, l.weights, x);
      if (argmax(new Int8Array(x.buffer, x.byteOffset, x.length)) === ref) agree++;
    }
    // Measured 99.65 % agreement over the 2,000 held-out digits (npm run demo); 100 digits allow ≤ 3 flips.
    expect(agree).toBeGreaterThanOrEqual(n - 3);
  });

  it('refuses to calibrate int8 without samples', () => {
    expect(() => quantizeModel(ir, { mode: 'int8', samples: [] })).toThrow(QuantizationError);
  });
});

// ------------------------------------------------------------------------------------------------
// Every single-input layer type, errors

describe('quantizeModel: sequence models, LayerNormalization, max pooling, errors', () => {
  const FIX = join(REPO_ROOT, 'tests', 'fixtures', 'models');
  const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  /** Oracle outputs (real values) of `m` on each input. */
  const run = (m: QuantizedModel, xs: ArrayLike<number>[]) => {
    const spec = quantizedModelSpec(m);
    return xs.map((x) => decodeModelOutput(m, oracleInfer(oracle, spec, encodeModelInput(m, x))));
  };

  it('token model (Embedding → LSTM seq → SimpleRNN seq → GRU → Dense): q within 1e-6 of tfjs, int8 within 3·s_out', () => {
    const rnn = importTfjsLayers(join(FIX, 'rnn_sequential', 'model.json'));
    expect(rnn.inputKind).toBe('tokens');
    const xs = sampleInputs([6], 20, 7, { tokens: 20 });
    const ref = predictFloat(rnn, xs);
    const q = quantizeModel(rnn, { mode: 'q' });
    expect(q.layers.map((l) => l.type)).toEqual(['Embedding', 'LSTM', 'SimpleRNN', 'GRU', 'Dense']);
    // docs/layers/recurrent.md: q − tfjs ≤ 1e-6 per recurrent layer (tfjs' float32); the weights here are < 0.5.
    run(q, xs).forEach((y, i) => expect(maxAbs(y, ref[i]!)).toBeLessThanOrEqual(1e-6));
    const i8 = quantizeModel(rnn, { mode: 'int8', samples: sampleInputs([6], 60, 8, { tokens: 20 }) });
    expect(i8.input).toBeUndefined();
    // Each recurrent layer ≤ 2·s_h of its own (docs/layers/recurrent.md); through three contractive cells
    // and a Dense with |W| < 0.5 the output error measured ≤ 1.2·s_out: 3·s_out asserted.
    let worst = 0;
    run(i8, xs).forEach((y, i) => (worst = Math.max(worst, maxAbs(y, ref[i]!) / i8.output!.scale)));
    console.log(`rnn_sequential int8: max |oracle − tfjs| = ${worst.toFixed(2)} output steps`);
    expect(worst).toBeLessThanOrEqual(3);
  });

  it('MaxPooling2D same, GlobalMaxPooling2D, LayerNormalization, softmax Dense: q within 1e-6 of tfjs, int8 within 4·s_out', async () => {
    const m = tf.sequential({ name: 'pool_ln' });
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [7, 7, 2], name: 'conv' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'pool' }));
    m.add(tf.layers.globalMaxPooling2d({ name: 'gmp' }));
    m.add(tf.layers.dense({ units: 6, activation: 'tanh', name: 'fc' }));
    m.add(tf.layers.layerNormalization({ name: 'ln' }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }));
    const dir = mkdtempSync(join(tmpdir(), 'nnchain-qm-'));
    await saveTfjsLayers(seedWeights(m, 12), dir);
    const model = importTfjsLayers(join(dir, 'model.json'));
    rmSync(dir, { recursive: true, force: true });
    const xs = sampleInputs([7, 7, 2], 16, 9, 'floats');
    const ref = predictFloat(model, xs);
    const q = quantizeModel(model, { mode: 'q' });
    expect(q.layers.map((l) => l.type)).toEqual(['Conv2D', 'MaxPooling2D', 'GlobalMaxPooling2D', 'Dense', 'LayerNormalization', 'Dense']);
    run(q, xs).forEach((y, i) => expect(maxAbs(y, ref[i]!)).toBeLessThanOrEqual(1e-6));
    const i8 = quantizeModel(model, { mode: 'int8', samples: xs });
    let worst = 0;
    run(i8, xs).forEach((y, i) => (worst = Math.max(worst, maxAbs(y, ref[i]!) / i8.output!.scale)));
    console.log(`pool/LayerNormalization model int8: max |oracle − tfjs| = ${worst.toFixed(2)} output steps`);
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('refuses graph models, layer options the layer tier cannot run, and dynamic sequence lengths, naming the layer', () => {
    const graph = importTfjsLayers(join(FIX, 'cnn_functional', 'model.json'));
    expect(() => quantizeModel(graph, { mode: 'q' })).toThrow(/graph \(non-sequential\)/);
    const rnn = importTfjsLayers(join(FIX, 'rnn_sequential', 'model.json'));
    const dynamic = { ...rnn, layers: rnn.layers.map((l) => (l.type === 'LSTM' ? { ...l, inputShape: [[-1, 4]] } : l)) } as ModelIR;
    expect(() => quantizeModel(dynamic, { mode: 'q' })).toThrow(/layer lstm \(LSTM\): .*dynamic/);
    const softmaxGate = { ...rnn, layers: rnn.layers.map((l) => (l.type === 'LSTM' ? { ...l, config: { ...l.config, recurrentActivation: { name: 'softmax', axis: 0 } } } : l)) } as ModelIR;
    expect(() => quantizeModel(softmaxGate, { mode: 'q' })).toThrow(/layer lstm \(LSTM\): .*softmax/);
    expect(() => quantizeModel(softmaxGate, { mode: 'int8', samples: [[1, 2, 3, 4, 5, 6]] })).toThrow(/layer lstm \(LSTM\): .*softmax/);
    const input: LayerIR = { type: 'InputLayer', name: 'input', config: { shape: [3, 2] }, weights: {}, inputs: [], inputShape: [], outputShape: [3, 2] };
    const bn: LayerIR = {
      type: 'BatchNormalization',
      name: 'layer',
      config: { axis: 0, epsilon: 1e-3, center: true, scale: true },
      weights: Object.fromEntries(['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => [n, { shape: [3], data: new Float32Array([1, 1, 1]) }])),
      inputs: ['input'],
      inputShape: [[3, 2]],
      outputShape: [3, 2],
    };
    const bnAxis0: ModelIR = { ...rnn, name: 'bn', inputShape: [3, 2], inputKind: 'float', layers: [input, bn], outputs: ['layer'] };
    expect(() => quantizeModel(bnAxis0, { mode: 'q' })).toThrow(QuantizationError);
    expect(() => quantizeModel(bnAxis0, { mode: 'q' })).toThrow(/layer layer \(BatchNormalization\): .*last axis/);
  });
});
