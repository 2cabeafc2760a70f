/**
 * The four solearn sample models (read from ../shared/solearn-models, never copied): layer lists, shapes,
 * parameter and MAC counts against the README table, float inference through tfjs, and plain-JS float64
 * references for the MLP and the LSTM (weight order and gate order).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel, importSolearnJson } from '../../src/harness/import/index.ts';
import type { LayerIR, ModelIR, TensorData } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { rng } from '../fixtures/models/build.ts';

const DIR = process.env.SOLEARN_MODELS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'solearn-models');
const have = existsSync(join(DIR, 'nft_mlp_10x10.json'));
if (!have) console.warn(`SKIPPED solearn fixture tests: ${DIR} is absent`);

const file = (n: string) => join(DIR, n);
const types = (m: ModelIR) => m.layers.map((l) => l.type);
const shapes = (m: ModelIR) => m.layers.map((l) => l.outputShape);
const w = (l: LayerIR, n: string): TensorData => l.weights[n];

function pixels(n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: 300 }, () => Math.floor(r() * 256)));
}

describe.skipIf(!have)('solearn sample models', () => {
  it('nft_mlp_10x10: layers, shapes, 6,309 params, 6,270 MACs', () => {
    const m = importSolearnJson(file('nft_mlp_10x10.json'));
    expect(m.source.format).toBe('solearn-json');
    expect(m.name).toBe('10x10');
    expect(m.inputShape).toEqual([10, 10, 3]);
    expect(m.inputKind).toBe('float');
    expect(types(m)).toEqual(['InputLayer', 'Rescaling', 'Flatten', 'Dense', 'Dense', 'Dense', 'Dense']);
    expect(shapes(m)).toEqual([[10, 10, 3], [10, 10, 3], [300], [20], [10], [5], [4]]);
    expect(m.params).toBe(6309);
    expect(m.macs).toBe(6270);
    expect(m.classNames).toEqual(['cryptoadz', 'cryptopunks', 'moonbirds', 'nouns']);
    expect(m.outputs).toEqual([m.layers[6].name]);
    const resc = m.layers[1];
    expect(resc.type === 'Rescaling' && resc.config).toEqual({ scale: 1 / 127.5, offset: -1 });
    expect(m.layers.slice(3).map((l) => (l.type === 'Dense' ? l.config.activation.name : ''))).toEqual(['relu', 'relu', 'relu', 'linear']);
  });

  it('nft_mlp_10x10: tfjs float output equals a plain float64 forward pass (weight order)', () => {
    const m = importSolearnJson(file('nft_mlp_10x10.json'));
    const xs = pixels(4, 1);
    const ys = predictFloat(m, xs);
    for (const [i, x] of xs.entries()) {
      let v = Array.from(x, (p) => p / 127.5 - 1);
      for (const l of m.layers.slice(3)) {
        if (l.type !== 'Dense') throw new Error('dense expected');
        const k = w(l, 'kernel');
        const b = w(l, 'bias');
        const [K, N] = k.shape;
        const out = new Array<number>(N).fill(0);
        for (let n = 0; n < N; n++) {
          let s = b.data[n];
          for (let j = 0; j < K; j++) s += v[j] * k.data[j * N + n];
          out[n] = l.config.activation.name === 'relu' ? Math.max(0, s) : s;
        }
        v = out;
      }
      expect(ys[i].length).toBe(4);
      v.forEach((r, n) => expect(ys[i][n]).toBeCloseTo(r, 4));
    }
  });

  it('nft_cnn_10x10_small: layers, shapes, 381 params, 15,380 MACs, finite outputs', () => {
    const m = importSolearnJson(file('nft_cnn_10x10_small.json'));
    expect(types(m)).toEqual(['InputLayer', 'Rescaling', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(shapes(m)).toEqual([[10, 10, 3], [10, 10, 3], [10, 10, 4], [5, 5, 4], [5, 5, 5], [2, 2, 5], [20], [4]]);
    expect(m.layers.map((l) => l.name)).toEqual([
      'input_1', 'rescaling', 'conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dense',
    ]);
    expect(m.params).toBe(381);
    expect(m.macs).toBe(15380);
    const c = m.layers[2];
    expect(c.type === 'Conv2D' && c.config).toEqual({
      filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: { name: 'relu' }, useBias: true,
    });
    const p = m.layers[3];
    expect(p.type === 'MaxPooling2D' && p.config).toEqual({ poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(w(c, 'kernel').shape).toEqual([3, 3, 3, 4]);
    const ys = predictFloat(m, pixels(3, 2));
    for (const y of ys) {
      expect(y.length).toBe(4);
      expect(y.every(Number.isFinite)).toBe(true);
    }
  });

  it('cifar_cnn_32x32: layers, shapes, 47,818 params, 2,245,248 MACs, finite outputs', async () => {
    const m = await importModel(file('cifar_cnn_32x32.json'));
    expect(m.source.format).toBe('solearn-json');
    expect(types(m)).toEqual([
      'InputLayer', 'Rescaling', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense',
    ]);
    expect(shapes(m)).toEqual([
      [32, 32, 3], [32, 32, 3], [32, 32, 16], [16, 16, 16], [16, 16, 32], [8, 8, 32], [8, 8, 32], [4, 4, 32], [512], [64], [10],
    ]);
    expect(m.params).toBe(47818);
    expect(m.macs).toBe(2245248);
    expect(m.classNames?.length).toBe(10);
    const r = rng(3);
    const x = Float32Array.from({ length: 32 * 32 * 3 }, () => Math.floor(r() * 256));
    const [y] = predictFloat(m, [x]);
    expect(y.length).toBe(10);
    expect(y.every(Number.isFinite)).toBe(true);
    // ends in a linear layer (raw scores), so no softmax sum check; the scores are not all equal
    expect(new Set(Array.from(y)).size).toBeGreaterThan(1);
  });

  it('shakespeare_lstm_mini: tokens, dynamic length, 1,274 params, 912 MACs per token', () => {
    const m = importSolearnJson(file('shakespeare_lstm_mini.json'));
    expect(m.inputKind).toBe('tokens');
    expect(m.inputShape).toEqual([-1]);
    expect(types(m)).toEqual(['InputLayer', 'Embedding', 'LSTM', 'Dense']);
    expect(shapes(m)).toEqual([[-1], [-1, 4], [8], [66]]);
    expect(m.params).toBe(1274);
    // per token: LSTM 4·8·(4+8) = 384, Dense 8·66 = 528
    expect(m.macs).toBe(912);
    expect(m.vocabulary?.length).toBe(66);
    const lstm = m.layers[2];
    expect(lstm.type === 'LSTM' && lstm.config).toEqual({
      units: 8, activation: { name: 'tanh' }, recurrentActivation: { name: 'sigmoid' }, useBias: true, returnSequences: false,
    });
    // a fixed sequence length makes MACs per sequence (the Dense runs once, on the last state)
    const m10 = importSolearnJson(file('shakespeare_lstm_mini.json'), { sequenceLength: 10 });
    expect(m10.inputShape).toEqual([10]);
    expect(m10.macs).toBe(10 * 384 + 528);
  });

  it('shakespeare_lstm_mini: tfjs output equals a plain float64 LSTM (Keras gate order i, f, c, o)', () => {
    const m = importSolearnJson(file('shakespeare_lstm_mini.json'));
    const vocab = m.vocabulary!;
    const texts = ['ROMEO:', 'To be, or not to be'];
    const ids = texts.map((t) => Float32Array.from([...t], (ch) => Math.max(0, vocab.indexOf(ch))));
    const ys = predictFloat(m, ids);
    const [emb, lstm, dense] = m.layers.slice(1);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    for (const [s, seq] of ids.entries()) {
      const u = 8;
      const E = w(emb, 'embeddings');
      const K = w(lstm, 'kernel');
      const R = w(lstm, 'recurrent_kernel');
      const B = w(lstm, 'bias');
      let h = new Array<number>(u).fill(0);
      let c = new Array<number>(u).fill(0);
      for (const id of seq) {
        const x = Array.from(E.data.slice(id * 4, id * 4 + 4));
        const z = new Array<number>(4 * u).fill(0).map((_, j) => {
          let a = B.data[j];
          for (let i = 0; i < 4; i++) a += x[i] * K.data[i * 4 * u + j];
          for (let i = 0; i < u; i++) a += h[i] * R.data[i * 4 * u + j];
          return a;
        });
        const ig = z.slice(0, u).map(sig);
        const fg = z.slice(u, 2 * u).map(sig);
        const cc = z.slice(2 * u, 3 * u).map(Math.tanh);
        const og = z.slice(3 * u).map(sig);
        c = c.map((cv, j) => fg[j] * cv + ig[j] * cc[j]);
        h = c.map((cv, j) => og[j] * Math.tanh(cv));
      }
      const Dk = w(dense, 'kernel');
      const Db = w(dense, 'bias');
      expect(ys[s].length).toBe(66);
      for (let n = 0; n < 66; n++) {
        let a = Db.data[n];
        for (let j = 0; j < u; j++) a += h[j] * Dk.data[j * 66 + n];
        expect(ys[s][n]).toBeCloseTo(a, 4);
      }
    }
  });
});
