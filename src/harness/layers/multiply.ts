/**
 * Keras Multiply (twin of contracts/layers/Multiply.sol, docs/layers/merge-norm.md): config schema, op
 * descriptor and the int8 quantizer (`M/2^shift ≈ Π s_k / s_out`).
 */
import { activationParams, quantizeMultiplier, type QuantParams } from '../quantize/int8.ts';
import type { LayerOf } from '../model/ir.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { Mode } from './types.ts';
import type { ExtSchema, MergeOp, MergeQuantOptions } from './merge.ts';
import { elementwiseOutputBytes } from './add.ts';

/** `MultiplyConfig` of Multiply.sol. */
export interface MultiplyConfig {
  mode: number;
  dims: number[];
  inputs: number;
  F: number;
  zIn: number[];
  M: number;
  shift: number;
  zOut: number;
}

export const MULTIPLY_CONFIG_SCHEMA: ExtSchema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['inputs', 'uint32'],
  ['F', 'uint8'],
  ['zIn', 'int8[]'],
  ['M', 'uint32'],
  ['shift', 'uint8'],
  ['zOut', 'int8'],
];

export const MULTIPLY: MergeOp<MultiplyConfig> = {
  name: 'Multiply',
  schema: MULTIPLY_CONFIG_SCHEMA,
  harness: 'multiply',
  oracle: 'multiplyForward',
  outputBytes: elementwiseOutputBytes,
};

/** Largest number of int8 inputs (the exact product must fit 64 bits: 255^8 < 2^64). */
export const MULTIPLY_MAX_INPUTS_I8 = 8;

export function multiplyConfigQ(dims: number[], n: number, F = 32): MultiplyConfig {
  return { mode: Mode.Q, dims, inputs: n, F, zIn: [], M: 0, shift: 0, zOut: 0 };
}

export function quantizeMultiply(dims: number[], inputs: readonly QuantParams[], output: QuantParams): MultiplyConfig {
  if (inputs.length === 0 || inputs.length > MULTIPLY_MAX_INPUTS_I8) throw new QuantizationError(`Multiply in int8 mode takes 1..${MULTIPLY_MAX_INPUTS_I8} inputs, got ${inputs.length}`);
  const { M, shift } = quantizeMultiplier(inputs.reduce((p, q) => p * q.scale, 1) / output.scale);
  return { mode: Mode.I8, dims, inputs: inputs.length, F: 32, zIn: inputs.map((p) => p.zeroPoint), M, shift, zOut: output.zeroPoint };
}

/** The config of an IR `Multiply` layer (no weights). */
export function quantizeMultiplyLayer(l: LayerOf<'Multiply'>, opts: MergeQuantOptions): MultiplyConfig {
  const n = l.inputShape.length;
  if (opts.mode === 'q') return multiplyConfigQ(l.outputShape, n, opts.F ?? 32);
  if (opts.inputs.length !== n) throw new QuantizationError(`Multiply '${l.name}': ${n} inputs but ${opts.inputs.length} input ranges`);
  return quantizeMultiply(l.outputShape, opts.inputs.map(([lo, hi]) => activationParams(lo, hi)), activationParams(...opts.output));
}
