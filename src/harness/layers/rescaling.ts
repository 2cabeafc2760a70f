/**
 * Keras Rescaling (twin of contracts/layers/Rescaling.sol): `y = x·scale + offset`.
 * q: scale in Q32, offset in Q(F). int8: y = sat8(zOut + rshiftRound((x − zIn)·M + bias, shift)) with
 * M/2^shift ≈ s_in·scale/s_out (signed) and bias ≈ offset/s_out·2^shift. In an int8 model a Rescaling
 * right after the input is normally folded into the input quantization (see docs/layers.md).
 */
import { toQ } from '../quantize/q.ts';
import { quantizeMultiplier, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import type { Schema } from './schema.ts';
import { Mode, elementBytes, type LayerOp } from './types.ts';

/** `RescalingConfig` of Rescaling.sol. */
export interface RescalingConfig {
  mode: number;
  dims: number[];
  F: number;
  scale: bigint;
  offset: bigint;
  zIn: number;
  M: number;
  shift: number;
  bias: bigint;
  zOut: number;
}

export const RESCALING_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['F', 'uint8'],
  ['scale', 'int64'],
  ['offset', 'int64'],
  ['zIn', 'int8'],
  ['M', 'int32'],
  ['shift', 'uint8'],
  ['bias', 'int64'],
  ['zOut', 'int8'],
];

const count = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

export const RESCALING: LayerOp<RescalingConfig> = {
  name: 'Rescaling',
  schema: RESCALING_CONFIG_SCHEMA,
  harness: 'rescaling',
  oracle: 'rescalingForward',
  outputBytes: (c) => count(c.dims) * elementBytes(c.mode),
};

/** Quantize `y = x·scale + offset` on a tensor of shape `dims`. */
export function quantizeRescaling(
  scale: number,
  offset: number,
  dims: number[],
  opts: { mode: 'q'; F?: number } | { mode: 'int8'; input: QuantParams; output: QuantParams },
): RescalingConfig {
  const base = { dims, F: 32, scale: 0n, offset: 0n, zIn: 0, M: 0, shift: 0, bias: 0n, zOut: 0 };
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    return { ...base, mode: Mode.Q, F, scale: toQ(scale, 32, 'scale'), offset: toQ(offset, F, 'offset') };
  }
  const m = opts.input.scale * scale / opts.output.scale;
  let { M, shift } = quantizeMultiplier(Math.abs(m));
  // The int8 form allows shift ≤ 62: a smaller multiplier loses bits but stays exact to 2^-31 relative.
  while (shift > 62) {
    M = roundHalfAway(M / 2);
    shift -= 1;
  }
  const bias = roundHalfAway((offset / opts.output.scale) * 2 ** shift);
  if (Math.abs(bias) > 2 ** 62) throw new QuantizationError(`Rescaling offset ${offset} is too large for the output scale`);
  return { ...base, mode: Mode.I8, zIn: opts.input.zeroPoint, M: m < 0 ? -M : M, shift, bias: BigInt(bias), zOut: opts.output.zeroPoint };
}
