/**
 * Keras Concatenate (twin of contracts/layers/Concatenate.sol, docs/layers/merge-norm.md): config schema,
 * op descriptor, the config from input shapes (with Keras' shape check) and the int8 quantizer (each input
 * requantized to the output: `M[k]/2^shift[k] ≈ s_k/s_out`; equal parameters give the identity 2^30/2^30).
 */
import { activationParams, quantizeMultiplier, type QuantParams } from '../quantize/int8.ts';
import type { LayerOf } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { Mode, elementBytes } from './types.ts';
import { shapeCount, type ExtSchema, type MergeOp, type MergeQuantOptions } from './merge.ts';

/** `ConcatenateConfig` of Concatenate.sol. */
export interface ConcatenateConfig {
  mode: number;
  /** The output shape. */
  dims: number[];
  axis: number;
  /** Each input's extent along `axis`. */
  sizes: number[];
  zIn: number[];
  M: number[];
  shift: number[];
  zOut: number;
}

export const CONCATENATE_CONFIG_SCHEMA: ExtSchema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['axis', 'uint32'],
  ['sizes', 'uint32[]'],
  ['zIn', 'int8[]'],
  ['M', 'uint32[]'],
  ['shift', 'uint32[]'],
  ['zOut', 'int8'],
];

function outputBytes(c: ConcatenateConfig, range?: [number, number]): number {
  const n = shapeCount(c.dims);
  if (!range) return n * elementBytes(c.mode);
  const rows = c.dims[0] ?? 1;
  return rows === 0 ? 0 : Math.max(0, range[1] - range[0]) * (n / rows) * elementBytes(c.mode);
}

export const CONCATENATE: MergeOp<ConcatenateConfig> = {
  name: 'Concatenate',
  schema: CONCATENATE_CONFIG_SCHEMA,
  harness: 'concatenate',
  oracle: 'concatenateForward',
  outputBytes,
};

/**
 * Output shape and per-input sizes from the input shapes (Keras' rule: equal ranks, equal extents except
 * along `axis`). A mismatch is a clear error here, at setup, before any config reaches a chain.
 */
export function concatenateShapes(inputShapes: readonly number[][], axis: number): { dims: number[]; sizes: number[] } {
  if (inputShapes.length === 0) throw new QuantizationError('Concatenate needs at least one input');
  const rank = inputShapes[0]!.length;
  if (axis < 0 || axis >= rank) throw new QuantizationError(`Concatenate axis ${axis} outside rank ${rank}`);
  inputShapes.forEach((s, k) => {
    if (s.length !== rank || s.some((d, j) => j !== axis && d !== inputShapes[0]![j]))
      throw new QuantizationError(
        `Concatenate requires inputs with matching shapes except for the concat axis ${axis}: input 0 is ${JSON.stringify(inputShapes[0])}, input ${k} is ${JSON.stringify(s)}`,
      );
  });
  const sizes = inputShapes.map((s) => s[axis]!);
  const dims = [...inputShapes[0]!];
  dims[axis] = sizes.reduce((a, b) => a + b, 0);
  return { dims, sizes };
}

export function concatenateConfigQ(inputShapes: readonly number[][], axis: number): ConcatenateConfig {
  const { dims, sizes } = concatenateShapes(inputShapes, axis);
  return { mode: Mode.Q, dims, axis, sizes, zIn: [], M: [], shift: [], zOut: 0 };
}

export function quantizeConcatenate(inputShapes: readonly number[][], axis: number, inputs: readonly QuantParams[], output: QuantParams): ConcatenateConfig {
  const { dims, sizes } = concatenateShapes(inputShapes, axis);
  if (inputs.length !== sizes.length) throw new QuantizationError(`Concatenate: ${sizes.length} inputs but ${inputs.length} quantization parameters`);
  const ms = inputs.map((p) => quantizeMultiplier(p.scale / output.scale));
  return { mode: Mode.I8, dims, axis, sizes, zIn: inputs.map((p) => p.zeroPoint), M: ms.map((m) => m.M), shift: ms.map((m) => m.shift), zOut: output.zeroPoint };
}

/** The config of an IR `Concatenate` layer (no weights); the Keras shape rule is checked here. */
export function quantizeConcatenateLayer(l: LayerOf<'Concatenate'>, opts: MergeQuantOptions): ConcatenateConfig {
  if (opts.mode === 'q') return concatenateConfigQ(l.inputShape, l.config.axis);
  if (opts.inputs.length !== l.inputShape.length) throw new QuantizationError(`Concatenate '${l.name}': ${l.inputShape.length} inputs but ${opts.inputs.length} input ranges`);
  return quantizeConcatenate(l.inputShape, l.config.axis, opts.inputs.map(([lo, hi]) => activationParams(lo, hi)), activationParams(...opts.output));
}
