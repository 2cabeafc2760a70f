/**
 * Float64 references of the layer tier: Keras activation formulas and the Dense layer, used for
 * calibration (activation ranges) and as the exact-math side of the accuracy bounds (docs/layers.md
 * "Error bounds"). Independent of the integer code: plain Math.* formulas.
 */
import type { Activation } from '../model/ir.ts';

/** The Keras ReLU family in one form: x ≥ t ? min(x, maxValue) : negativeSlope·(x − t). */
export interface ReluFamily {
  negativeSlope: number;
  threshold: number;
  maxValue: number | null;
}

/** An IR activation, or the general Keras ReLU layer. */
export type LayerActivation = Activation | ({ name: 'relu_ext' } & ReluFamily);

/** The ReLU-family parameters of `a`, or null when `a` is not in the family. */
export function reluFamily(a: LayerActivation): ReluFamily | null {
  switch (a.name) {
    case 'relu':
      return { negativeSlope: 0, threshold: 0, maxValue: null };
    case 'relu6':
      return { negativeSlope: 0, threshold: 0, maxValue: 6 };
    case 'leaky_relu':
      return { negativeSlope: a.alpha, threshold: 0, maxValue: null };
    case 'relu_ext':
      return { negativeSlope: a.negativeSlope, threshold: a.threshold, maxValue: a.maxValue };
    default:
      return null;
  }
}

/** erf(x) to ~1e-15: Maclaurin series for |x| ≤ 3, the erfc continued fraction beyond. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a <= 3) {
    // erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); terms peak near e^{x²} ≈ 8100: ~1e-12 cancellation.
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc a = e^{−a²}/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated bottom-up.
  let f = a;
  for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** One element of an elementwise activation (every kind but softmax). */
export function activateFloat(x: number, a: LayerActivation): number {
  const relu = reluFamily(a);
  if (relu) {
    if (x >= relu.threshold) return relu.maxValue === null ? x : Math.min(x, relu.maxValue);
    return relu.negativeSlope * (x - relu.threshold);
  }
  switch (a.name) {
    case 'linear':
    case 'softmax':
      return x;
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'hard_sigmoid':
      return Math.min(1, Math.max(0, a.slope * x + a.offset));
    case 'silu':
      return x * sigmoid(x);
    case 'gelu':
      if (a.approximate) return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
  }
  throw new Error(`unreachable activation ${a.name}`);
}

/**
 * The activation over a row-major tensor of shape `dims` (softmax along `axis`, default the last).
 */
export function applyActivationFloat(x: Float64Array, a: LayerActivation, dims: number[], axis = dims.length - 1): Float64Array {
  if (a.name !== 'softmax') return x.map((v) => activateFloat(v, a));
  const y = new Float64Array(x.length);
  const n = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = x.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = (j: number) => o * n * inner + j * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, x[idx(j)]!);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(x[idx(j)]! - m);
      for (let j = 0; j < n; j++) y[idx(j)] = Math.exp(x[idx(j)]! - m) / s;
    }
  }
  return y;
}

/** Keras Dense in float64 on `rows × K` inputs: pre = x·W + b (W row-major [K, N]), out = act(pre). */
export function denseFloat(
  x: ArrayLike<number>,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  K: number,
  N: number,
  act: LayerActivation,
): { pre: Float64Array; out: Float64Array } {
  const rows = x.length / K;
  const pre = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < N; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < K; i++) s += x[r * K + i]! * kernel[i * N + o]!;
      pre[r * N + o] = s;
    }
  }
  return { pre, out: applyActivationFloat(pre, act, [rows, N]) };
}

/** Lipschitz constant of an activation (for error propagation): |f(a) − f(b)| ≤ L·|a − b|. */
export function lipschitz(a: LayerActivation): number {
  const relu = reluFamily(a);
  if (relu) return Math.max(1, Math.abs(relu.negativeSlope));
  switch (a.name) {
    case 'linear':
    case 'tanh':
      return 1;
    case 'sigmoid':
      return 0.25;
    case 'hard_sigmoid':
      return Math.abs(a.slope);
    case 'silu':
      return 1.1; // max |d/dx x·σ(x)| ≈ 1.0998
    case 'gelu':
      return 1.13; // max |GELU'| ≈ 1.129 (both forms)
    case 'softmax':
      return 0.5; // ∞-norm: Σ_j |∂p_i/∂z_j| = 2·p_i·(1 − p_i) ≤ 1/2
  }
  return 1;
}
