/**
 * Concatenate (assembly/layers/Concatenate.ts, contracts/layers/Concatenate.sol):
 * - oracle == exact reference (nested loops over the output, numerics §4.3 requantization) for every axis
 *   of rank-1..3 shapes and for row ranges;
 * - q mode exact against float64; int8 within half an output step plus the multipliers' rounding, and
 *   exactly the input where the input's parameters equal the output's;
 * - tfjs `tf.layers.concatenate` (float32) bit-for-bit in q mode on Q32-representable values;
 * - the config builder's Keras shape check; gas per element (printed).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { CONCATENATE, concatenateConfigQ, concatenateShapes, quantizeConcatenate, type ConcatenateConfig } from '../../src/harness/layers/concatenate.ts';
import { harnessArgsMulti, harnessResultBytes, oracleForwardMulti } from '../../src/harness/layers/merge.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQ, toQ } from '../../src/harness/quantize/q.ts';
import { QuantizationError } from '../../src/harness/quantize/errors.ts';
import { i8Bytes, i8Values, mergeNormHarness, qBytes, qValues } from './mergeNorm.helpers.ts';
import { concatExact, prng, requantizeExact } from './mergeNorm.reference.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const none = new Uint8Array(0);
const count = (d: number[]) => d.reduce((a, b) => a * b, 1);

describe('Concatenate: oracle == exact reference', () => {
  const cases: { shapes: number[][]; axis: number }[] = [
    { shapes: [[3], [5]], axis: 0 },
    { shapes: [[2, 3], [2, 1], [2, 4]], axis: 1 },
    { shapes: [[2, 3], [4, 3]], axis: 0 },
    { shapes: [[2, 3, 4], [2, 1, 4]], axis: 1 },
    { shapes: [[2, 3, 4], [2, 3, 2], [2, 3, 1]], axis: 2 },
    { shapes: [[1, 3, 4], [2, 3, 4]], axis: 0 },
    { shapes: [[4, 4]], axis: 1 },
  ];
  it('q: every case, whole layer and every row range', () => {
    const rnd = prng(41);
    for (const { shapes, axis } of cases) {
      const xs = shapes.map((s) => Array.from({ length: count(s) }, () => BigInt(Math.round((rnd() - 0.5) * 2 ** 50))));
      const c = concatenateConfigQ(shapes, axis);
      const want = concatExact(xs, shapes, axis, (_k, v) => v);
      expect(qValues(oracleForwardMulti(o, CONCATENATE, c, none, xs.map(qBytes)))).toEqual(want);
      const rows = c.dims[0]!;
      const per = count(c.dims) / rows;
      for (let from = 0; from <= rows; from++) {
        for (let to = from; to <= rows; to++) {
          const got = qValues(oracleForwardMulti(o, CONCATENATE, c, none, xs.map(qBytes), [from, to]));
          expect(got, `${JSON.stringify(shapes)} axis ${axis} [${from}, ${to})`).toEqual(want.slice(from * per, to * per));
        }
      }
    }
  });
  it('int8: per-input requantization (identity, rescaled, extreme shifts)', () => {
    const rnd = prng(42);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (const { shapes, axis } of cases) {
      for (let rep = 0; rep < 4; rep++) {
        const n = shapes.length;
        const xs = shapes.map((s) => Array.from({ length: count(s) }, () => int(-128, 127)));
        const zOut = int(-128, 127);
        const { dims, sizes } = concatenateShapes(shapes, axis);
        const identity = (k: number) => (rep + k) % 3 === 0;
        const c: ConcatenateConfig = {
          mode: 1,
          dims,
          axis,
          sizes,
          zIn: Array.from({ length: n }, (_, k) => (identity(k) ? zOut : int(-128, 127))),
          M: Array.from({ length: n }, (_, k) => (identity(k) ? 2 ** 30 : int(0, 2 ** 31 - 1))),
          shift: Array.from({ length: n }, (_, k) => (identity(k) ? 30 : [0, 31, 126, int(28, 33)][rep]!)),
          zOut,
        };
        const want = concatExact(xs, shapes, axis, (k, v) => requantizeExact(BigInt(v - c.zIn[k]!), c.M[k]!, c.shift[k]!, zOut));
        expect(i8Values(oracleForwardMulti(o, CONCATENATE, c, none, xs.map(i8Bytes)))).toEqual(want);
        // identity inputs come out unchanged
        const got = concatExact(xs, shapes, axis, (k, v) => (identity(k) ? v : NaN));
        got.forEach((v, i) => Number.isNaN(v) || expect(want[i]).toBe(v));
      }
    }
  });
});

describe('Concatenate vs float64 and tfjs', () => {
  it('q: equals tf.layers.concatenate bit for bit (Q32-exact float32 inputs), every axis', () => {
    const rnd = prng(43);
    for (const axis of [0, 1, 2]) {
      const shapes = [[2, 3, 4], [2, 3, 4]].map((s) => s.map((d, j) => (j === axis ? d - 1 + (axis % 2) : d)));
      const xs = shapes.map((s) => Float32Array.from({ length: count(s) }, () => Math.round((rnd() - 0.5) * 2 ** 16) / 2 ** 8));
      const want = tf.tidy(() => (tf.layers.concatenate({ axis: axis + 1 }).apply(xs.map((x, k) => tf.tensor(x, [1, ...shapes[k]!]))) as tf.Tensor).dataSync());
      const got = qValues(oracleForwardMulti(o, CONCATENATE, concatenateConfigQ(shapes, axis), none, xs.map((x) => qBytes(Array.from(x, (v) => toQ(v)))))).map((v) => fromQ(v));
      expect(got).toEqual(Array.from(want));
    }
  });
  it('int8: within s_out/2 + |x − z|·|M·s_out/2^shift − s_k| of the input value', () => {
    const rnd = prng(44);
    const shapes = [[4, 8], [4, 5], [4, 3]];
    const ranges = [[-1, 1], [-3, 0.5], [0, 6]] as const;
    const params = ranges.map(([lo, hi]) => activationParams(lo, hi));
    const out = activationParams(-3, 6);
    const c = quantizeConcatenate(shapes, 1, params, out);
    const xs = shapes.map((s, k) => Array.from(quantizeTensor(Array.from({ length: count(s) }, () => ranges[k]![0] + rnd() * (ranges[k]![1] - ranges[k]![0])), params[k]!)));
    const got = i8Values(oracleForwardMulti(o, CONCATENATE, c, none, xs.map(i8Bytes)));
    const reals = concatExact(xs.map((x, k) => x.map((v) => ({ v, k }))), shapes, 1, (_k, e) => e);
    reals.forEach(({ v, k }, i) => {
      const want = params[k]!.scale * (v - params[k]!.zeroPoint);
      const bound = out.scale / 2 + Math.abs(v - c.zIn[k]!) * Math.abs((c.M[k]! * out.scale) / 2 ** c.shift[k]! - params[k]!.scale);
      expect(Math.abs(out.scale * (got[i]! - out.zeroPoint) - want)).toBeLessThanOrEqual(bound + 1e-12);
    });
  });
});

describe('Concatenate setup and case table', () => {
  it('Keras shape rule: a mismatch outside the axis is a clear error at setup', () => {
    expect(() => concatenateShapes([[2, 3], [3, 3]], 1)).toThrowError(QuantizationError);
    expect(() => concatenateShapes([[2, 3], [2, 3, 1]], 1)).toThrowError(/matching shapes except for the concat axis/);
    expect(() => concatenateShapes([[2, 3]], 2)).toThrowError(/axis 2 outside rank 2/);
    expect(concatenateShapes([[2, 3], [2, 5]], 1)).toEqual({ dims: [2, 8], sizes: [3, 5] });
  });
  it('q: [[1, 2], [3, 4]] ‖ [[5], [6]] along axis 1 = [[1, 2, 5], [3, 4, 6]]', () => {
    const q = (v: number) => toQ(v);
    const c = concatenateConfigQ([[2, 2], [2, 1]], 1);
    expect(qValues(oracleForwardMulti(o, CONCATENATE, c, none, [qBytes([1, 2, 3, 4].map(q)), qBytes([5, 6].map(q))]))).toEqual([1, 2, 5, 3, 4, 6].map(q));
    // axis 0, rows [1, 3): the second row of input 0 and the first of input 1
    const c0 = concatenateConfigQ([[2, 2], [2, 2]], 0);
    expect(qValues(oracleForwardMulti(o, CONCATENATE, c0, none, [qBytes([1, 2, 3, 4].map(q)), qBytes([5, 6, 7, 8].map(q))], [1, 3]))).toEqual([3, 4, 5, 6].map(q));
  });
  it('int8: an input at half the output scale is halved with RHAZ', () => {
    const c: ConcatenateConfig = { mode: 1, dims: [4], axis: 0, sizes: [2, 2], zIn: [0, 0], M: [2 ** 30, 2 ** 30], shift: [30, 31], zOut: 0 };
    expect(i8Values(oracleForwardMulti(o, CONCATENATE, c, none, [i8Bytes([5, -5]), i8Bytes([5, -5])]))).toEqual([5, -5, 3, -3]);
  });
});

describe('Concatenate gas (EVM, printed)', () => {
  it('[8, 8, 64] ‖ [8, 8, 64] along the channels, q, int8 identity and int8 rescaled', async () => {
    const h = await mergeNormHarness();
    const shapes = [[8, 8, 64], [8, 8, 64]];
    const n = 2 * 8 * 8 * 64;
    const rnd = prng(45);
    const xr = shapes.map((s) => Array.from({ length: count(s) }, () => (rnd() - 0.5) * 4));
    const p = activationParams(-2, 2);
    const runs: [string, ConcatenateConfig, Uint8Array[]][] = [
      ['q', concatenateConfigQ(shapes, 2), xr.map((x) => qBytes(x.map((v) => toQ(v))))],
      ['int8 identity', quantizeConcatenate(shapes, 2, [p, p], p), xr.map((x) => i8Bytes(quantizeTensor(x, p)))],
      ['int8 rescaled', quantizeConcatenate(shapes, 2, [p, activationParams(-1, 1)], p), xr.map((x) => i8Bytes(quantizeTensor(x, p)))],
    ];
    const lines: string[] = [];
    for (const [name, c, xs] of runs) {
      const r = await h.call('concatenate', harnessArgsMulti(CONCATENATE, c, none, xs));
      if (!r.ok) throw new Error(r.detail);
      const { y, gasUsed } = harnessResultBytes(r.value);
      expect(Array.from(y)).toEqual(Array.from(oracleForwardMulti(o, CONCATENATE, c, none, xs)));
      lines.push(`${name} ${gasUsed} (${(Number(gasUsed) / n).toFixed(1)}/element)`);
    }
    console.log(`gas Concatenate 2 × [8, 8, 64] axis 2: ${lines.join('; ')}`);
  }, 60_000);
});

describe('Merge layers in an IR graph (tfjs predictFloat, two branches)', () => {
  it('x → Rescaling ×2 → Add / Multiply / Concatenate: q mode within float32 rounding of tfjs', async () => {
    const { predictFloat } = await import('../../src/harness/model/tfjs.ts');
    const { ADD, quantizeAddLayer } = await import('../../src/harness/layers/add.ts');
    const { MULTIPLY, quantizeMultiplyLayer } = await import('../../src/harness/layers/multiply.ts');
    const { quantizeConcatenateLayer } = await import('../../src/harness/layers/concatenate.ts');
    type IR = import('../../src/harness/model/ir.ts').ModelIR;
    type L = import('../../src/harness/model/ir.ts').LayerIR;
    const dims = [3, 4];
    const base = (name: string, type: string, config: unknown, inputs: string[], inputShape: number[][], outputShape: number[]) =>
      ({ name, type, config, weights: {}, inputs, inputShape, outputShape }) as unknown as L;
    const branches = [
      base('x', 'InputLayer', { shape: dims }, [], [], dims),
      base('r1', 'Rescaling', { scale: 0.5, offset: 0.25 }, ['x'], [dims], dims),
      base('r2', 'Rescaling', { scale: -2, offset: 1 }, ['x'], [dims], dims),
    ];
    const rnd = prng(46);
    const sample = Float32Array.from({ length: 12 }, () => Math.round((rnd() - 0.5) * 256) / 32);
    const r1 = Array.from(sample, (v) => v * 0.5 + 0.25);
    const r2 = Array.from(sample, (v) => v * -2 + 1);
    const ins = [qBytes(r1.map((v) => toQ(v))), qBytes(r2.map((v) => toQ(v)))];
    const heads: [string, unknown, number[]][] = [
      ['Add', {}, dims],
      ['Multiply', {}, dims],
      ['Concatenate', { axis: 1 }, [3, 8]],
    ];
    for (const [type, config, outShape] of heads) {
      const head = base('m', type, config, ['r1', 'r2'], [dims, dims], outShape);
      const ir: IR = { name: type, source: { format: 'tfjs-layers', file: 'merge' }, inputShape: dims, inputKind: 'float', layers: [...branches, head], outputs: ['m'], params: 0, macs: 0 };
      const want = predictFloat(ir, [sample])[0]!;
      let got: number[];
      if (type === 'Add') got = qValues(oracleForwardMulti(o, ADD, quantizeAddLayer(head as never, { mode: 'q' }), none, ins)).map((v) => fromQ(v));
      else if (type === 'Multiply') got = qValues(oracleForwardMulti(o, MULTIPLY, quantizeMultiplyLayer(head as never, { mode: 'q' }), none, ins)).map((v) => fromQ(v));
      else got = qValues(oracleForwardMulti(o, CONCATENATE, quantizeConcatenateLayer(head as never, { mode: 'q' }), none, ins)).map((v) => fromQ(v));
      expect(got.length).toBe(want.length);
      // the branch values are exact in float32 and Q32 (multiples of 2^-6); tfjs rounds the product once
      got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${type} ${i}`).toBeLessThanOrEqual(Math.abs(want[i]!) * 2 ** -24 + 2 ** -33));
    }
  });
});
