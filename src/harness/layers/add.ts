/**
 * Keras Add (twin of contracts/layers/Add.sol, docs/layers/merge-norm.md): config schema, op descriptor and
 * the int8 quantizer (one shared shift, one multiplier per input: `m[k]/2^shift ≈ s_k/s_out`).
 */
import { activationParams, quantizeMultiplier, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import type { LayerOf } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { Mode, elementBytes } from './types.ts';
import { rowsOf, shapeCount, type ExtSchema, type MergeOp, type MergeQuantOptions } from './merge.ts';

/** `AddConfig` of Add.sol. */
export interface AddConfig {
  mode: number;
  dims: number[];
  inputs: number;
  zIn: number[];
  m: number[];
  shift: number;
  zOut: number;
}

export const ADD_CONFIG_SCHEMA: ExtSchema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['inputs', 'uint32'],
  ['zIn', 'int8[]'],
  ['m', 'int32[]'],
  ['shift', 'uint8'],
  ['zOut', 'int8'],
];

/** Output bytes of an elementwise merge op (whole, or rows [from, to) of the first axis). */
export function elementwiseOutputBytes(c: { mode: number; dims: number[] }, range?: [number, number]): number {
  if (!range) return shapeCount(c.dims) * elementBytes(c.mode);
  return Math.max(0, range[1] - range[0]) * rowsOf(c.dims).rowElems * elementBytes(c.mode);
}

export const ADD: MergeOp<AddConfig> = {
  name: 'Add',
  schema: ADD_CONFIG_SCHEMA,
  harness: 'add',
  oracle: 'addForward',
  outputBytes: elementwiseOutputBytes,
};

/** The q-mode config of an Add of `n` inputs of shape `dims`. */
export function addConfigQ(dims: number[], n: number): AddConfig {
  return { mode: Mode.Q, dims, inputs: n, zIn: [], m: [], shift: 0, zOut: 0 };
}

/**
 * The int8 config: `shift` from the largest ratio `s_k/s_out` (its multiplier normalised to [2^30, 2^31)),
 * capped at 62; each `m[k] = RHAZ(s_k/s_out·2^shift)`.
 */
export function quantizeAdd(dims: number[], inputs: readonly QuantParams[], output: QuantParams): AddConfig {
  if (inputs.length === 0) throw new QuantizationError('Add needs at least one input');
  const ratios = inputs.map((p) => p.scale / output.scale);
  const top = quantizeMultiplier(Math.max(...ratios));
  if (top.M === 0) throw new QuantizationError('Add: every input scale is negligible beside the output scale');
  const shift = Math.min(top.shift, 62);
  const m = ratios.map((r) => roundHalfAway(r * 2 ** shift));
  if (m.some((v) => v >= 2 ** 31)) throw new QuantizationError('Add: an input scale is ≥ 2^31 times the output scale');
  return { mode: Mode.I8, dims, inputs: inputs.length, zIn: inputs.map((p) => p.zeroPoint), m, shift, zOut: output.zeroPoint };
}

/** The config of an IR `Add` layer (no weights). */
export function quantizeAddLayer(l: LayerOf<'Add'>, opts: MergeQuantOptions): AddConfig {
  const n = l.inputShape.length;
  if (opts.mode === 'q') return addConfigQ(l.outputShape, n);
  if (opts.inputs.length !== n) throw new QuantizationError(`Add '${l.name}': ${n} inputs but ${opts.inputs.length} input ranges`);
  return quantizeAdd(l.outputShape, opts.inputs.map(([lo, hi]) => activationParams(lo, hi)), activationParams(...opts.output));
}
