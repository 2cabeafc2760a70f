/**
 * Shape inference (Keras rules, cross-checked with tfjs), the MAC/parameter convention, activation
 * parsing, and the float reference's custom pieces (GRU reset_after, activations tfjs lacks) against
 * plain float64 implementations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { importSolearnJson, parseActivation } from '../../src/harness/import/index.ts';
import { ShapeError, UnsupportedError } from '../../src/harness/model/errors.ts';
import type { LayerIR } from '../../src/harness/model/ir.ts';
import { inferShapes, layerMacs, layerParams, windowOutput } from '../../src/harness/model/shapes.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { rng } from '../fixtures/models/build.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nnchain-shapes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const onErr = (m: string) => new ShapeError(m);
const input = (...shape: (number | null)[]) => ({ class_name: 'InputLayer', config: { batch_input_shape: [null, ...shape] } });

let n = 0;
function solearn(layers: unknown[], weights: Float32Array): string {
  const path = join(tmp, `m${n++}.json`);
  writeFileSync(path, JSON.stringify({ layers_config: { config: { layers } }, weight_b64: Buffer.from(weights.buffer).toString('base64') }));
  return path;
}
function randomWeights(count: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: count }, () => r() - 0.5);
}

describe('Keras output-size rules', () => {
  it("'same' = ceil(H/s), 'valid' = floor((H−k)/s)+1, H < k throws", () => {
    expect(windowOutput(7, 3, 2, 'same', 'h', onErr)).toBe(4);
    expect(windowOutput(7, 3, 2, 'valid', 'h', onErr)).toBe(3);
    expect(windowOutput(3, 3, 1, 'valid', 'h', onErr)).toBe(1);
    expect(windowOutput(2, 3, 1, 'same', 'h', onErr)).toBe(2);
    expect(() => windowOutput(2, 3, 1, 'valid', 'h', onErr)).toThrow(ShapeError);
  });

  it('Conv2D / DepthwiseConv2D / pooling shapes equal tfjs over a grid', () => {
    for (const H of [3, 4, 5, 7, 8])
      for (const k of [1, 2, 3])
        for (const s of [1, 2, 3])
          for (const padding of ['valid', 'same'] as const) {
            if (padding === 'valid' && H < k) continue;
            const base = { weights: {}, inputs: ['in'], inputShape: [], outputShape: [] };
            const layers: LayerIR[] = [
              { name: 'in', type: 'InputLayer', config: { shape: [H, H + 1, 2] }, weights: {}, inputs: [], inputShape: [], outputShape: [] },
              { ...base, name: 'c', type: 'Conv2D', config: { filters: 3, kernelSize: [k, k], strides: [s, s], padding, activation: { name: 'linear' }, useBias: true } },
            ];
            inferShapes(layers);
            const tfConv = tf.layers.conv2d({ filters: 3, kernelSize: k, strides: s, padding }).computeOutputShape([null, H, H + 1, 2]);
            expect(layers[1].outputShape).toEqual((tfConv as number[]).slice(1));
            const pool: LayerIR[] = [
              layers[0],
              { ...base, name: 'p', type: 'MaxPooling2D', config: { poolSize: [k, k], strides: [s, s], padding } },
            ];
            inferShapes(pool);
            const tfPool = tf.layers.maxPooling2d({ poolSize: k, strides: s, padding }).computeOutputShape([null, H, H + 1, 2]);
            expect(pool[1].outputShape).toEqual((tfPool as number[]).slice(1));
          }
  });

  it('pooling strides default to the pool size (Keras), ZeroPadding2D forms', () => {
    const f = solearn(
      [
        input(9, 9, 1),
        { class_name: 'ZeroPadding2D', config: { padding: [[1, 0], [2, 3]] } },
        { class_name: 'AveragePooling2D', config: { pool_size: 3, strides: null } },
        { class_name: 'ZeroPadding2D', config: { padding: [1, 2] } },
        { class_name: 'GlobalMaxPooling2D' },
      ],
      new Float32Array(0),
    );
    const m = importSolearnJson(f);
    expect(m.layers.map((l) => l.outputShape)).toEqual([[9, 9, 1], [10, 14, 1], [3, 4, 1], [5, 8, 1], [1]]);
    const p = m.layers[2];
    expect(p.type === 'AveragePooling2D' && p.config.strides).toEqual([3, 3]);
  });

  it('axes are normalized to per-sample indices (Keras 2 BN axis [3], LN axis [-1], Softmax axis 1)', () => {
    const f = solearn(
      [
        input(2, 2, 3),
        { class_name: 'BatchNormalization', config: { axis: [3], center: false } },
        { class_name: 'LayerNormalization', config: { axis: [-1], scale: false } },
        { class_name: 'Softmax', config: { axis: 1 } },
      ],
      randomWeights(3 + 3 + 3 + 3, 1).map(Math.abs),
    );
    const m = importSolearnJson(f);
    const [bn, ln, sm] = m.layers.slice(1);
    expect(bn.type === 'BatchNormalization' && bn.config).toEqual({ axis: 2, epsilon: 1e-3, center: false, scale: true });
    expect(Object.keys(bn.weights)).toEqual(['gamma', 'moving_mean', 'moving_variance']);
    expect(ln.type === 'LayerNormalization' && ln.config).toEqual({ axis: [2], epsilon: 1e-3, center: true, scale: false });
    expect(sm.type === 'Softmax' && sm.config).toEqual({ axis: 0 });
    const [y] = predictFloat(m, [new Float32Array(12).map((_, i) => i)]);
    expect(y.every(Number.isFinite)).toBe(true);
  });
});

describe('params and MACs', () => {
  it('per-layer convention', () => {
    const f = solearn(
      [
        input(6, 6, 2),
        { class_name: 'DepthwiseConv2D', config: { name: 'dw', kernel_size: 3, depth_multiplier: 2, strides: 1, padding: 'valid' } },
        { class_name: 'Conv2D', config: { name: 'pw', filters: 5, kernel_size: 1, use_bias: false } },
        { class_name: 'Reshape', config: { target_shape: [16, -1] } },
        { class_name: 'GRU', config: { name: 'gru', units: 3, return_sequences: true } },
        { class_name: 'SimpleRNN', config: { name: 'rnn', units: 2, return_sequences: true } },
        { class_name: 'Dense', config: { name: 'fc', units: 4 } },
      ],
      randomWeights(3 * 3 * 2 * 2 + 4 + 4 * 5 + (5 * 9 + 3 * 9 + 2 * 9) + (3 * 2 + 2 * 2 + 2) + (2 * 4 + 4), 2),
    );
    const m = importSolearnJson(f);
    const byName = (x: string) => m.layers.find((l) => l.name === x)!;
    expect(m.layers.map((l) => l.outputShape)).toEqual([[6, 6, 2], [4, 4, 4], [4, 4, 5], [16, 5], [16, 3], [16, 2], [16, 4]]);
    expect(layerMacs(byName('dw'))).toBe(4 * 4 * 3 * 3 * 2 * 2);
    expect(layerMacs(byName('pw'))).toBe(4 * 4 * 1 * 1 * 4 * 5);
    expect(layerMacs(byName('gru'))).toBe(16 * 3 * 3 * (5 + 3));
    expect(layerMacs(byName('rnn'))).toBe(16 * 2 * (3 + 2));
    expect(layerMacs(byName('fc'))).toBe(16 * 2 * 4);
    expect(layerParams(byName('gru'))).toBe(5 * 9 + 3 * 9 + 2 * 9); // reset_after: bias [2, 3u]
    expect(byName('gru').weights.bias.shape).toEqual([2, 9]);
    expect(m.macs).toBe(576 + 320 + 1152 + 160 + 128);
  });
});

describe('activations', () => {
  it('parses Keras 2, Keras 3 and tfjs spellings', () => {
    expect(parseActivation(undefined, false)).toEqual({ name: 'linear' });
    expect(parseActivation('relu6', false)).toEqual({ name: 'relu6' });
    expect(parseActivation('hardSigmoid', false)).toEqual({ name: 'hard_sigmoid', slope: 0.2, offset: 0.5 });
    expect(parseActivation('hard_sigmoid', true)).toEqual({ name: 'hard_sigmoid', slope: 1 / 6, offset: 0.5 });
    expect(parseActivation('swish', false)).toEqual({ name: 'silu' });
    expect(parseActivation('silu', true)).toEqual({ name: 'silu' });
    expect(parseActivation('gelu', true)).toEqual({ name: 'gelu', approximate: false });
    expect(parseActivation('gelu_new', false)).toEqual({ name: 'gelu', approximate: true });
    expect(parseActivation('leaky_relu', true)).toEqual({ name: 'leaky_relu', alpha: 0.2 });
    expect(parseActivation('softmax', false)).toEqual({ name: 'softmax', axis: -1 });
    expect(parseActivation({ class_name: 'function', config: 'tanh' }, true)).toEqual({ name: 'tanh' });
    expect(() => parseActivation('elu', false)).toThrow(UnsupportedError);
    expect(() => parseActivation('selu', false)).toThrow(/'selu' is not supported/);
  });

  it('activations tfjs lacks run as specified (leaky_relu, ReLU threshold/slope, softmax on axis 0, approximate gelu)', () => {
    const f = solearn(
      [
        input(2, 3),
        { class_name: 'Dense', config: { units: 3, activation: 'leaky_relu' } },
        { class_name: 'ReLU', config: { max_value: 0.8, negative_slope: 0.1, threshold: 0.05 } },
        { class_name: 'Softmax', config: { axis: 1 } },
        { class_name: 'Dense', config: { units: 2, activation: 'gelu_new' } },
        { class_name: 'LeakyReLU', config: { negative_slope: 0.25 } },
      ],
      randomWeights(3 * 3 + 3 + 3 * 2 + 2, 3).map((v) => v * 4),
    );
    const m = importSolearnJson(f);
    const x = Float32Array.from([0.3, -1.2, 2.0, -0.4, 0.9, -2.5]);
    const [y] = predictFloat(m, [x]);
    const d1 = m.layers[1];
    const d2 = m.layers[4];
    if (d1.type !== 'Dense' || d2.type !== 'Dense') throw new Error('dense expected');
    const dense = (rows: number[][], l: typeof d1) =>
      rows.map((r) =>
        Array.from({ length: l.config.units }, (_, j) => r.reduce((s, v, i) => s + v * l.weights.kernel.data[i * l.config.units + j], l.weights.bias.data[j])),
      );
    let a = dense([[0.3, -1.2, 2.0], [-0.4, 0.9, -2.5]], d1).map((r) => r.map((v) => (v >= 0 ? v : 0.2 * v)));
    a = a.map((r) => r.map((v) => (v >= 0.05 ? Math.min(v, 0.8) : 0.1 * (v - 0.05))));
    a = a[0].map((_, j) => {
      const col = a.map((r) => r[j]);
      const mx = Math.max(...col);
      const e = col.map((v) => Math.exp(v - mx));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v) => v / s);
    });
    a = [0, 1].map((i) => a.map((col) => col[i])); // back to rows
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    const out = dense(a, d2).map((r) => r.map(gelu).map((v) => (v >= 0 ? v : 0.25 * v)));
    out.flat().forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
  });
});

describe('GRU with reset_after (Keras default; custom layer in the float reference)', () => {
  for (const returnSequences of [false, true]) {
    it(`matches a float64 GRU (return_sequences ${returnSequences})`, () => {
      const T = 5;
      const F = 3;
      const u = 4;
      const W = randomWeights(F * 3 * u + u * 3 * u + 2 * 3 * u, 4).map((v) => v * 2);
      const f = solearn(
        [input(T, F), { class_name: 'GRU', config: { name: 'g', units: u, return_sequences: returnSequences, reset_after: true } }],
        W,
      );
      const m = importSolearnJson(f);
      const g = m.layers[1];
      expect(g.type === 'GRU' && g.config.resetAfter).toBe(true);
      const x = randomWeights(T * F, 5).map((v) => v * 3);
      const [y] = predictFloat(m, [x]);
      const K = g.weights.kernel.data;
      const R = g.weights.recurrent_kernel.data;
      const B = g.weights.bias.data;
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      let h = new Array<number>(u).fill(0);
      const seq: number[] = [];
      for (let t = 0; t < T; t++) {
        const mx = Array.from({ length: 3 * u }, (_, j) => B[j] + [0, 1, 2].reduce((s, i) => s + x[t * F + i] * K[i * 3 * u + j], 0));
        const mi = Array.from({ length: 3 * u }, (_, j) => B[3 * u + j] + h.reduce((s, hv, i) => s + hv * R[i * 3 * u + j], 0));
        const z = h.map((_, j) => sig(mx[j] + mi[j]));
        const r = h.map((_, j) => sig(mx[u + j] + mi[u + j]));
        const hh = h.map((_, j) => Math.tanh(mx[2 * u + j] + r[j] * mi[2 * u + j]));
        h = h.map((hv, j) => z[j] * hv + (1 - z[j]) * hh[j]);
        seq.push(...h);
      }
      const want = returnSequences ? seq : h;
      expect(y.length).toBe(want.length);
      want.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
    });
  }
});
