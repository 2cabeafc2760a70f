/**
 * Shared pieces of the image-layer tests (Conv2D, DepthwiseConv2D, pooling, ZeroPadding2D,
 * BatchNormalization): the harness, output-row ranges, buffer corruptions, and the pooling property.
 */
import fc from 'fast-check';
import { getBytes } from 'ethers';
import { checkProperty, int8Edge } from '../fuzz.ts';
import { getHarness, type Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import type { LayerOp } from '../../src/harness/layers/types.ts';
import { windowRows } from '../../src/harness/layers/conv2D.ts';
import type { GlobalPooling2DConfig, Pooling2DConfig } from '../../src/harness/layers/pooling2D.ts';
import { expectLayerAgreement, qValue } from './helpers.ts';

export function convLayersHarness(): Promise<Harness> {
  return getHarness('ConvLayersHarness');
}

/** A range over an axis of n units: mostly none (forward) or valid, rarely out of bounds. */
export const rangeArb = (n: number): fc.Arbitrary<[number, number] | undefined> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]) },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([0, n + 1], [n, Math.max(0, n - 1)], [1, 0]) },
  );

/** Resize a byte buffer by ±1 (the corruption of a length). */
export const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, Math.max(0, b.length - 1)) : Uint8Array.from([...b, 7]));

/** A tensor of n elements in the wire encoding of `mode` (0 q: Q(F) values; 1 int8). */
export const tensorArb = (mode: number, n: number, F = 32): fc.Arbitrary<Uint8Array> =>
  mode === 0
    ? fc.array(qValue(F), { minLength: n, maxLength: n }).map((v) => getBytes(encodeQ(v)))
    : fc.array(int8Edge(), { minLength: n, maxLength: n }).map((v) => Uint8Array.from(v, (e) => e & 0xff));

type PoolCorruption = 'none' | 'x+1' | 'x-1' | 'w' | 'mode' | 'C0' | 'pw0' | 'stride0' | 'pad2' | 'validTooLarge';

/** The EVM (fast and Ref) == oracle property of MaxPooling2D / AveragePooling2D. */
export async function poolingProperty(h: Harness, op: LayerOp<Pooling2DConfig>, name: string): Promise<void> {
  const shape = fc
    .record({
      mode: fc.constantFrom(0, 1),
      H: fc.integer({ min: 1, max: 8 }),
      W: fc.integer({ min: 1, max: 8 }),
      C: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 30, max: 34 }) }),
      ph: fc.integer({ min: 1, max: 4 }),
      pw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 4 }),
      sw: fc.integer({ min: 1, max: 4 }),
      padding: fc.constantFrom(0, 1),
    })
    .map((s) => (s.padding === 0 && (s.H < s.ph || s.W < s.pw) ? { ...s, padding: 1 } : s))
    .filter((s) => s.H * s.W * s.C <= 800);
  const caseArb = shape.chain((s) =>
    fc.record({
      s: fc.constant(s),
      x: tensorArb(s.mode, s.H * s.W * s.C),
      range: rangeArb(windowRows(s.H, s.ph, s.sh, s.padding)),
      bad: fc.oneof(
        { weight: 20, arbitrary: fc.constant<PoolCorruption>('none') },
        { weight: 1, arbitrary: fc.constantFrom<PoolCorruption>('x+1', 'x-1', 'w', 'mode', 'C0', 'pw0', 'stride0', 'pad2', 'validTooLarge') },
      ),
    }),
  );
  await checkProperty(`${op.name}.forward evm==oracle`, [caseArb], async ({ s, x, range, bad }) => {
    let c: Pooling2DConfig = s;
    if (bad === 'mode') c = { ...c, mode: 2 };
    if (bad === 'C0') c = { ...c, C: 0 };
    if (bad === 'pw0') c = { ...c, pw: 0 };
    if (bad === 'stride0') c = { ...c, sh: 0 };
    if (bad === 'pad2') c = { ...c, padding: 2 };
    if (bad === 'validTooLarge') c = { ...c, padding: 0, pw: c.W + 1 };
    const input = bad === 'x+1' ? resized(x, 1) : bad === 'x-1' ? resized(x, -1) : x;
    const weights = bad === 'w' ? new Uint8Array(1) : new Uint8Array(0);
    const ctx = { s: c, range, bad, x: Array.from(x) };
    if (range) await expectLayerAgreement(h, op, c, weights, input, ctx, { method: `${name}Range`, refMethod: `${name}RangeRef`, range });
    else await expectLayerAgreement(h, op, c, weights, input, ctx);
  });
}

type GlobalCorruption = 'none' | 'x+1' | 'x-1' | 'w' | 'mode' | 'H0' | 'C0';

/** The EVM (fast and Ref) == oracle property of GlobalAveragePooling2D / GlobalMaxPooling2D. */
export async function globalPoolingProperty(h: Harness, op: LayerOp<GlobalPooling2DConfig>, name: string): Promise<void> {
  const caseArb = fc
    .record({ mode: fc.constantFrom(0, 1), H: fc.integer({ min: 1, max: 8 }), W: fc.integer({ min: 1, max: 8 }), C: fc.integer({ min: 1, max: 40 }) })
    .filter((s) => s.H * s.W * s.C <= 1200)
    .chain((s) =>
      fc.record({
        s: fc.constant(s),
        x: tensorArb(s.mode, s.H * s.W * s.C),
        range: rangeArb(s.C),
        bad: fc.oneof({ weight: 20, arbitrary: fc.constant<GlobalCorruption>('none') }, { weight: 1, arbitrary: fc.constantFrom<GlobalCorruption>('x+1', 'x-1', 'w', 'mode', 'H0', 'C0') }),
      }),
    );
  await checkProperty(`${op.name}.forward evm==oracle`, [caseArb], async ({ s, x, range, bad }) => {
    let c: GlobalPooling2DConfig = s;
    if (bad === 'mode') c = { ...c, mode: 3 };
    if (bad === 'H0') c = { ...c, H: 0 };
    if (bad === 'C0') c = { ...c, C: 0 };
    const input = bad === 'x+1' ? resized(x, 1) : bad === 'x-1' ? resized(x, -1) : x;
    const weights = bad === 'w' ? new Uint8Array(2) : new Uint8Array(0);
    const ctx = { s: c, range, bad, x: Array.from(x) };
    if (range) await expectLayerAgreement(h, op, c, weights, input, ctx, { method: `${name}Range`, refMethod: `${name}RangeRef`, range });
    else await expectLayerAgreement(h, op, c, weights, input, ctx);
  });
}


// ------------------------------------------------------------------------------------- accuracy

import { expect } from 'vitest';
import type { Oracle } from '../../src/harness/oracle.ts';
import type { LayerIR, ModelIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { activationParams, dequantizeTensor, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { isFusedActivation } from '../../src/harness/layers/activation.ts';
import { lipschitz, reluFamily, type LayerActivation } from '../../src/harness/layers/float.ts';
import type { ConvFloatResult, ConvQuantOptions } from '../../src/harness/layers/spatial.ts';
import { oneLayerModel, range as rangeOf } from './helpers.ts';

/** Error of the activation's q implementation at pre-activation p (numerics §6, docs/layers.md). */
export function actErrQ(a: LayerActivation, p: number, n: number): number {
  const u = 2 ** -32;
  if (reluFamily(a)) return u * (1 + Math.abs(p));
  switch (a.name) {
    case 'linear':
      return 0;
    case 'sigmoid':
    case 'tanh':
      return 2 * u;
    case 'softmax':
      return (4 + n) * u;
    case 'hard_sigmoid':
      return u * (2 + Math.abs(p));
    case 'silu':
      return u * (1 + 2 * Math.abs(p));
    case 'gelu':
      return a.approximate ? u * (1 + Math.abs(p) * (4 + Math.abs(p) + 0.05 * Math.abs(p) ** 3)) : 2 * u + Math.abs(p) * 1.1e-7;
  }
  return 0;
}

/** float32 rounding of the tfjs reference: an accumulation of `taps` products, then the activation. */
export function f32Tol(sumAbs: number, taps: number, p: number): number {
  return (taps + 2) * 2 ** -24 * sumAbs + 4e-7 * (1 + Math.abs(p));
}

export interface ConvAccuracyCase {
  /** The one layer as IR (for tfjs), its input shape [H, W, C]. */
  layer: Omit<LayerIR, 'name' | 'inputs' | 'inputShape'>;
  /** A whole model to run in tfjs instead of the one layer (e.g. Conv2D + BatchNormalization). */
  model?: ModelIR;
  inputShape: [number, number, number];
  activation: LayerActivation;
  samples: Float32Array[];
  /** float64 reference of one sample. */
  ref: (x: Float32Array) => ConvFloatResult;
  /** The quantizer; int8 results carry the per-channel weight scales. */
  quantize: (o: ConvQuantOptions) => { config: unknown; weights: Uint8Array; weightScales?: Float64Array };
  op: Parameters<typeof oracleForward>[1];
}

export interface ConvAccuracy {
  /** max |oracle − float64| in ulps of Q32 (q) and in output LSBs (int8), and the worst error/bound ratios. */
  qUlps: number;
  i8Lsb: number;
  ratios: { q: number; qTf: number; i8: number; i8Tf: number };
}

/**
 * Run a conv-type layer in both modes on the samples (q32; int8 calibrated on the samples), dequantize,
 * and compare with the float64 reference and with tfjs under the bounds of docs/layers/conv.md:
 * - q:    L·(2^-33·(Σ|x| + Σ|w| + 2) + taps·2^-66) + actErr(p);
 * - int8: L·(Σ|w|·s_in + Σ|x|·s_w/2 + (taps + 1)·s_in·s_w/2 + |p|·2^-30 [+ s_pre]) + s_out + actErr(p);
 * sums over the output's valid taps; softmax takes the pixel's worst channel; vs tfjs add float32 rounding.
 */
export function convAccuracy(o: Oracle, c: ConvAccuracyCase): ConvAccuracy {
  const ir = c.model ?? oneLayerModel(c.inputShape, c.layer);
  const tf = predictFloat(ir, c.samples);
  const refs = c.samples.map(c.ref);
  const a = c.activation;
  const L = lipschitz(a);
  const N = refs[0]!.dims[2];
  const ratios = { q: 0, qTf: 0, i8: 0, i8Tf: 0 };
  let qUlps = 0;
  let i8Lsb = 0;
  const pixelMax = (e: Float64Array | number[], i: number) => {
    const p0 = i - (i % N);
    let m = 0;
    for (let j = p0; j < p0 + N; j++) m = Math.max(m, e[j]!);
    return m;
  };
  // q mode, F = 32
  const qd = c.quantize({ mode: 'q' });
  c.samples.forEach((x, s) => {
    const r = refs[s]!;
    const y = fromQArray(decodeQ(oracleForward(o, c.op, qd.config, qd.weights, getBytes(encodeQ(toQArray(x))))));
    expect(y.length).toBe(r.out.length);
    const e = Array.from(r.pre, (_, i) => 2 ** -33 * (r.sumX[i]! + r.sumW[i]! + 2) + r.taps[i]! * 2 ** -66);
    for (let i = 0; i < y.length; i++) {
      const p = r.pre[i]!;
      const bound = L * (a.name === 'softmax' ? pixelMax(e, i) : e[i]!) + actErrQ(a, p, N) + 1e-15;
      const err = Math.abs(y[i]! - r.out[i]!);
      qUlps = Math.max(qUlps, err / 2 ** -32);
      ratios.q = Math.max(ratios.q, err / bound);
      ratios.qTf = Math.max(ratios.qTf, Math.abs(y[i]! - tf[s]![i]!) / (bound + f32Tol(r.sumXW[i]! + Math.abs(p), r.taps[i]!, p)));
    }
  });
  // int8 mode, calibrated on the samples
  const input = activationParams(...rangeOf(c.samples));
  const pre = activationParams(...rangeOf(refs.map((r) => r.pre)));
  const output = activationParams(...rangeOf(refs.map((r) => r.out)));
  const qd8 = c.quantize({ mode: 'int8', input, output, pre });
  const sw = qd8.weightScales!;
  const fused = isFusedActivation(a);
  c.samples.forEach((x, s) => {
    const r = refs[s]!;
    const yq = decodeI8(oracleForward(o, c.op, qd8.config, qd8.weights, Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff)));
    const y = dequantizeTensor(yq, output);
    const e = Array.from(r.pre, (_, i) => {
      const ch = i % N;
      return r.sumW[i]! * input.scale + r.sumX[i]! * sw[ch]! / 2 + (r.taps[i]! + 1) * input.scale * sw[ch]! / 2 + Math.abs(r.pre[i]!) * 2 ** -30;
    });
    for (let i = 0; i < y.length; i++) {
      const p = r.pre[i]!;
      const bound = L * ((a.name === 'softmax' ? pixelMax(e, i) : e[i]!) + (fused ? 0 : pre.scale)) + output.scale + actErrQ(a, p, N);
      const err = Math.abs(y[i]! - r.out[i]!);
      i8Lsb = Math.max(i8Lsb, err / output.scale);
      ratios.i8 = Math.max(ratios.i8, err / bound);
      ratios.i8Tf = Math.max(ratios.i8Tf, Math.abs(y[i]! - tf[s]![i]!) / (bound + f32Tol(r.sumXW[i]! + Math.abs(p), r.taps[i]!, p)));
    }
  });
  return { qUlps, i8Lsb, ratios };
}

export type { QuantParams };
