/**
 * Keras LayerNormalization (twin of contracts/layers/LayerNormalization.sol, docs/layers/merge-norm.md):
 * the config schema, the weight blob (gamma ‖ beta as int64 big-endian), quantizers from float
 * parameters / IR layers, and a float64 reference.
 */
import { toQ } from '../quantize/q.ts';
import { activationParams, quantizeMultiplier, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import type { LayerOf } from '../model/ir.ts';
import type { QuantizeOptions, QuantizedLayer } from './quantize.ts';
import type { Schema } from './schema.ts';
import { Mode, elementBytes, type LayerOp } from './types.ts';

/** `LayerNormalizationConfig` of LayerNormalization.sol. */
export interface LayerNormalizationConfig {
  mode: number;
  dims: number[];
  /** Normalized axes, strictly increasing. */
  axes: number[];
  center: boolean;
  scale: boolean;
  /** q: fractional bits (int8 computes in Q32.32). */
  F: number;
  /** Q(F) (q) or Q32 (int8). */
  epsilon: bigint;
  zIn: number;
  /** int8: input scale in Q32. */
  scaleInQ: bigint;
  /** int8: 1/(s_out·2^32) ≈ M/2^shift. */
  M: number;
  shift: number;
  zOut: number;
}

export const LAYER_NORMALIZATION_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['axes', 'uint32[]'],
  ['center', 'bool'],
  ['scale', 'bool'],
  ['F', 'uint8'],
  ['epsilon', 'int64'],
  ['zIn', 'int8'],
  ['scaleInQ', 'int64'],
  ['M', 'uint32'],
  ['shift', 'uint8'],
  ['zOut', 'int8'],
];

const count = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

/** Output bytes of `forward`, or of `forwardRange(from, to)` (rows of the first axis). */
function outputBytes(c: LayerNormalizationConfig, range?: [number, number]): number {
  const n = count(c.dims);
  if (!range) return n * elementBytes(c.mode);
  const rows = c.dims[0] ?? 1;
  return rows === 0 ? 0 : Math.max(0, range[1] - range[0]) * (n / rows) * elementBytes(c.mode);
}

export const LAYER_NORMALIZATION: LayerOp<LayerNormalizationConfig> = {
  name: 'LayerNormalization',
  schema: LAYER_NORMALIZATION_CONFIG_SCHEMA,
  harness: 'layerNormalization',
  oracle: 'layerNormalizationForward',
  outputBytes,
};

/** The weight blob: gamma (if given) ‖ beta (if given), int64 big-endian. */
export function packLayerNormalization(gamma: ArrayLike<bigint> | null, beta: ArrayLike<bigint> | null): Uint8Array {
  const parts = [gamma, beta].filter((p): p is ArrayLike<bigint> => p !== null);
  const out = new Uint8Array(parts.reduce((n, p) => n + 8 * p.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++, o += 8) view.setBigInt64(o, p[i]!, false);
  }
  return out;
}

/** A float LayerNormalization: shape, sorted axes, epsilon, gamma/beta (flat, row-major over the axes). */
export interface LayerNormFloat {
  dims: number[];
  axes: number[];
  epsilon: number;
  gamma: Float64Array | null;
  beta: Float64Array | null;
}

/**
 * From an IR layer. Keras (and tfjs) reshape — not transpose — gamma/beta to the broadcast shape, so their
 * flat data is row-major over the normalized axes in increasing order whatever order `axis` lists them
 * in: sorting the axes keeps the data as it is.
 */
export function layerNormalizationFromIR(l: LayerOf<'LayerNormalization'>): LayerNormFloat {
  const dims = l.inputShape[0]!;
  const axes = [...new Set(l.config.axis)].sort((a, b) => a - b);
  const D = axes.reduce((p, a) => p * dims[a]!, 1);
  const vec = (name: string, present: boolean): Float64Array | null => {
    if (!present) return null;
    const w = l.weights[name];
    if (!w || w.data.length !== D) throw new QuantizationError(`LayerNormalization '${l.name}': ${name} must have ${D} values`);
    return Float64Array.from(w.data);
  };
  return { dims, axes, epsilon: l.config.epsilon, gamma: vec('gamma', l.config.scale), beta: vec('beta', l.config.center) };
}

export type LayerNormQuantOptions = { mode: 'q'; F?: number } | { mode: 'int8'; input: QuantParams; output: QuantParams };

/**
 * Quantize: q mode puts gamma, beta and epsilon in Q(F); int8 mode in Q32, with the input scale in Q32
 * (`scaleInQ`) and the output quantization `1/(s_out·2^32) ≈ M/2^shift`.
 */
export function quantizeLayerNormalization(ln: LayerNormFloat, opts: LayerNormQuantOptions): { config: LayerNormalizationConfig; weights: Uint8Array } {
  const F = opts.mode === 'q' ? (opts.F ?? 32) : 32;
  const gamma = ln.gamma ? Array.from(ln.gamma, (g, i) => toQ(g, F, `gamma[${i}]`)) : null;
  const beta = ln.beta ? Array.from(ln.beta, (b, i) => toQ(b, F, `beta[${i}]`)) : null;
  const base = {
    dims: ln.dims,
    axes: ln.axes,
    center: beta !== null,
    scale: gamma !== null,
    F,
    epsilon: toQ(ln.epsilon, F, 'epsilon'),
    zIn: 0,
    scaleInQ: 0n,
    M: 0,
    shift: 0,
    zOut: 0,
  };
  const weights = packLayerNormalization(gamma, beta);
  if (opts.mode === 'q') return { config: { ...base, mode: Mode.Q }, weights };
  const out = quantizeMultiplier(1 / (opts.output.scale * 2 ** 32));
  return {
    config: {
      ...base,
      mode: Mode.I8,
      zIn: opts.input.zeroPoint,
      scaleInQ: BigInt(roundHalfAway(opts.input.scale * 2 ** 32)),
      M: out.M,
      shift: out.shift,
      zOut: opts.output.zeroPoint,
    },
    weights,
  };
}

/**
 * Float64 reference: per group, `(x − mean)/√(var + ε)·gamma + beta` with the biased variance (Keras).
 * `x` is the flat row-major tensor of shape `ln.dims`.
 */
export function layerNormalizationFloat(ln: LayerNormFloat, x: ArrayLike<number>): Float64Array {
  const { dims, axes } = ln;
  const n = count(dims);
  const isNorm = dims.map((_, k) => axes.includes(k));
  const D = axes.reduce((p, a) => p * dims[a]!, 1);
  const groups = new Map<number, { i: number; p: number }[]>();
  for (let i = 0; i < n; i++) {
    let rem = i, g = 0, p = 0, gm = 1, pm = 1;
    for (let k = dims.length - 1; k >= 0; k--) {
      const idx = rem % dims[k]!;
      rem = Math.floor(rem / dims[k]!);
      if (isNorm[k]) { p += idx * pm; pm *= dims[k]!; }
      else { g += idx * gm; gm *= dims[k]!; }
    }
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push({ i, p });
  }
  const y = new Float64Array(n);
  for (const members of groups.values()) {
    let s = 0;
    for (const { i } of members) s += x[i]!;
    const mean = s / D;
    let v = 0;
    for (const { i } of members) v += (x[i]! - mean) ** 2;
    const sd = Math.sqrt(v / D + ln.epsilon);
    for (const { i, p } of members) y[i] = ((x[i]! - mean) / sd) * (ln.gamma ? ln.gamma[p]! : 1) + (ln.beta ? ln.beta[p]! : 0);
  }
  return y;
}

/** `quantizeLayer` of an IR LayerNormalization: int8 input/output params from `ranges.input` / `ranges.output`. */
export function quantizeLayerNormalizationLayer(l: LayerOf<'LayerNormalization'>, opts: QuantizeOptions): QuantizedLayer {
  const ln = layerNormalizationFromIR(l);
  const q =
    opts.mode === 'q'
      ? quantizeLayerNormalization(ln, { mode: 'q', F: opts.F })
      : quantizeLayerNormalization(ln, { mode: 'int8', input: activationParams(...opts.ranges.input), output: activationParams(...opts.ranges.output) });
  return { op: LAYER_NORMALIZATION as LayerOp<unknown>, config: q.config, weights: q.weights };
}
