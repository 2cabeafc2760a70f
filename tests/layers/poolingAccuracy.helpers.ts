/**
 * Accuracy checks of the weightless image layers (pooling, ZeroPadding2D) against TensorFlow.js: the layer
 * runs in both modes on quantized samples (q32; int8 with the samples' range, the output keeping the
 * input's quantization), is dequantized and compared with tfjs within a per-layer bound (docs/layers/conv.md).
 */
import { expect } from 'vitest';
import { getBytes } from 'ethers';
import type { Oracle } from '../../src/harness/oracle.ts';
import type { LayerIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { activationParams, dequantizeTensor, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import type { LayerOp } from '../../src/harness/layers/types.ts';
import { oneLayerModel, range } from './helpers.ts';

/**
 * Max |oracle − tfjs| over the samples, in Q32 ulps (q) and input LSBs (int8); asserts
 * q ≤ qUlps·2^-32 + f32 and int8 ≤ i8Lsb·s + f32, f32 = 2e-7·(1 + |y|) (tfjs float32), and, given an exact
 * float64 reference, q ≤ qUlps·2^-32 against it.
 */
export function weightlessAccuracy<C>(
  o: Oracle,
  op: LayerOp<C>,
  layer: Omit<LayerIR, 'name' | 'inputs' | 'inputShape'>,
  inputShape: number[],
  configOf: (mode: 'q' | 'int8', zeroPoint: number) => C,
  samples: Float32Array[],
  bounds: { qUlps: number; i8Lsb: number },
  /** An exact float64 reference: then q is also held to `qUlps` against it (no float32 slack). */
  ref64?: (x: Float32Array) => ArrayLike<number>,
): { qUlps: number; i8Lsb: number } {
  const tf = predictFloat(oneLayerModel(inputShape, layer), samples);
  const p = activationParams(...range(samples));
  let q = 0;
  let i8 = 0;
  samples.forEach((x, s) => {
    const yq = fromQArray(decodeQ(oracleForward(o, op, configOf('q', 0), new Uint8Array(0), getBytes(encodeQ(toQArray(x))))));
    const y8 = dequantizeTensor(decodeI8(oracleForward(o, op, configOf('int8', p.zeroPoint), new Uint8Array(0), Uint8Array.from(quantizeTensor(x, p), (v) => v & 0xff))), p);
    const t = tf[s]!;
    if (ref64) {
      const r = ref64(x);
      for (let i = 0; i < r.length; i++) expect(Math.abs(yq[i]! - r[i]!), `q vs float64, element ${i}`).toBeLessThanOrEqual(bounds.qUlps * 2 ** -32 + 1e-15);
    }
    expect(yq.length).toBe(t.length);
    expect(y8.length).toBe(t.length);
    for (let i = 0; i < t.length; i++) {
      const f32 = 2e-7 * (1 + Math.abs(t[i]!));
      const eq = Math.abs(yq[i]! - t[i]!);
      const e8 = Math.abs(y8[i]! - t[i]!);
      q = Math.max(q, eq / 2 ** -32);
      i8 = Math.max(i8, e8 / p.scale);
      expect(eq, `q element ${i}`).toBeLessThanOrEqual(bounds.qUlps * 2 ** -32 + f32);
      expect(e8, `int8 element ${i}`).toBeLessThanOrEqual(bounds.i8Lsb * p.scale + f32);
    }
  });
  return { qUlps: q, i8Lsb: i8 };
}

/** Float64 average pooling (numerics §5: valid positions only, TF's 'same' split) of an H×W×C image. */
export function avgPoolFloat(x: ArrayLike<number>, g: { H: number; W: number; C: number; ph: number; pw: number; sh: number; sw: number; padding: 'valid' | 'same' }): Float64Array {
  const ax = (n: number, k: number, s: number) => {
    if (g.padding === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 };
    const out = Math.ceil(n / s);
    return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
  };
  const ay = ax(g.H, g.ph, g.sh);
  const axw = ax(g.W, g.pw, g.sw);
  const y = new Float64Array(ay.out * axw.out * g.C);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < axw.out; ox++)
      for (let c = 0; c < g.C; c++) {
        let s = 0, n = 0;
        for (let ky = 0; ky < g.ph; ky++)
          for (let kx = 0; kx < g.pw; kx++) {
            const iy = oy * g.sh - ay.before + ky, ix = ox * g.sw - axw.before + kx;
            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
            s += x[(iy * g.W + ix) * g.C + c]!;
            n++;
          }
        y[(oy * axw.out + ox) * g.C + c] = s / n;
      }
  return y;
}
