/**
 * Activations of the layer tier (twin of contracts/layers/Activation.sol): the ActivationSpec of an IR
 * activation in each number mode, the int8 fused-requantization parameters, and the standalone activation
 * layer op (Keras Activation / ReLU / LeakyReLU / Softmax → one op, `ACTIVATION`).
 */
import type { LayerOf } from '../model/ir.ts';
import { toQ } from '../quantize/q.ts';
import { quantizeMultiplier, roundHalfAway, type Multiplier, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { reluFamily, type LayerActivation } from './float.ts';
import type { Schema } from './schema.ts';
import {
  ACTIVATION_SPEC_SCHEMA, ActKind, INT64_MAX, Mode, elementBytes, isFusedI8, type ActivationSpec, type LayerOp,
} from './types.ts';

/**
 * The ActivationSpec of `a` for values in Q(F) (q mode: the model's F; int8 general path: F = 32).
 * Relu family → kind Relu (slope Q32, threshold and maxValue Q(F)); hard_sigmoid → slope Q32, offset Q(F);
 * gelu → Gelu or GeluTanh (approximate). Softmax's axis lives in the layer config, not here.
 */
export function activationSpec(a: LayerActivation, F: number): ActivationSpec {
  const spec: ActivationSpec = { kind: ActKind.Linear, slope: 0n, offset: 0n, threshold: 0n, maxValue: INT64_MAX };
  const relu = reluFamily(a);
  if (relu) {
    spec.kind = ActKind.Relu;
    spec.slope = toQ(relu.negativeSlope, 32, 'negative_slope');
    spec.threshold = toQ(relu.threshold, F, 'threshold');
    spec.maxValue = relu.maxValue === null ? INT64_MAX : toQ(relu.maxValue, F, 'max_value');
    return spec;
  }
  switch (a.name) {
    case 'linear':
      return spec;
    case 'sigmoid':
      return { ...spec, kind: ActKind.Sigmoid };
    case 'tanh':
      return { ...spec, kind: ActKind.Tanh };
    case 'softmax':
      return { ...spec, kind: ActKind.Softmax };
    case 'hard_sigmoid':
      return { ...spec, kind: ActKind.HardSigmoid, slope: toQ(a.slope, 32, 'slope'), offset: toQ(a.offset, F, 'offset') };
    case 'silu':
      return { ...spec, kind: ActKind.Silu };
    case 'gelu':
      return { ...spec, kind: a.approximate ? ActKind.GeluTanh : ActKind.Gelu };
  }
  throw new QuantizationError(`activation ${a.name} is not supported`);
}

/** Whether `a` is applied inside the int8 requantization (stage A) rather than as stage B. */
export function isFusedActivation(a: LayerActivation): boolean {
  // Decided on the encoded spec (a threshold that rounds to 0 in Q32 is 0), exactly as the layers do.
  return isFusedI8(activationSpec(a, 32));
}

/** A signed multiplier m (|m| < 2^31) as (M, shift) with M carrying the sign (`quantizeMultiplier` of |m|). */
export function signedMultiplier(m: number): Multiplier {
  const q = quantizeMultiplier(Math.abs(m));
  return { M: m < 0 ? -q.M : q.M, shift: q.shift };
}

/** Stage-A clamp bounds of a fused activation for the output params `out` (docs/layers.md "int8 stage A"). */
export function fusedClamp(a: LayerActivation, out: QuantParams): { lo: number; hi: number } {
  const relu = reluFamily(a);
  if (!relu) return { lo: -128, hi: 127 };
  const lo = relu.negativeSlope === 0 ? out.zeroPoint : -128;
  let hi = 127;
  if (relu.maxValue !== null) hi = Math.min(127, Math.max(-128, out.zeroPoint + roundHalfAway(relu.maxValue / out.scale)));
  return { lo, hi: Math.max(lo, hi) };
}

/** The negative-branch slope of a fused activation (1 for linear: the same multiplier). */
export function fusedNegativeSlope(a: LayerActivation): number {
  const relu = reluFamily(a);
  return relu ? relu.negativeSlope : 1;
}

// ------------------------------------------------------------------------------------------------
// The activation layer op

/** `ActivationConfig` of Activation.sol. */
export interface ActivationConfig {
  mode: number;
  dims: number[];
  axis: number;
  act: ActivationSpec;
  F: number;
  zIn: number;
  scaleInQ: bigint;
  M: number;
  shift: number;
  Mn: number;
  shiftN: number;
  zOut: number;
  lo: number;
  hi: number;
}

export const ACTIVATION_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['dims', 'uint32[]'],
  ['axis', 'uint32'],
  ['act', ACTIVATION_SPEC_SCHEMA],
  ['F', 'uint8'],
  ['zIn', 'int8'],
  ['scaleInQ', 'int64'],
  ['M', 'uint32'],
  ['shift', 'uint8'],
  ['Mn', 'int32'],
  ['shiftN', 'uint8'],
  ['zOut', 'int8'],
  ['lo', 'int8'],
  ['hi', 'int8'],
];

const count = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

export const ACTIVATION: LayerOp<ActivationConfig> = {
  name: 'Activation',
  schema: ACTIVATION_CONFIG_SCHEMA,
  harness: 'activation',
  oracle: 'activationForward',
  outputBytes: (c) => count(c.dims) * elementBytes(c.mode),
};

/** The activation of a Keras Activation / ReLU / LeakyReLU / Softmax IR layer (softmax axis apart). */
export function layerActivation(l: LayerOf<'Activation'> | LayerOf<'ReLU'> | LayerOf<'LeakyReLU'> | LayerOf<'Softmax'>): LayerActivation {
  switch (l.type) {
    case 'Activation':
      return l.config.activation;
    case 'ReLU':
      return { name: 'relu_ext', maxValue: l.config.maxValue, negativeSlope: l.config.negativeSlope, threshold: l.config.threshold };
    case 'LeakyReLU':
      return { name: 'leaky_relu', alpha: l.config.alpha };
    case 'Softmax':
      return { name: 'softmax', axis: l.config.axis };
  }
}

/** The softmax axis of an activation layer (0 when it is not a softmax). */
function softmaxAxis(a: LayerActivation, dims: number[]): number {
  return a.name === 'softmax' ? a.axis : dims.length - 1;
}

/**
 * Quantize a standalone activation layer (`a` on a tensor of shape `dims`).
 * q: numbers in Q(F). int8: `input`/`output` are the tensors' quantization parameters; fused kinds get
 * (M, shift) = s_in/s_out and (Mn, shiftN) = slope·s_in/s_out plus the clamp; the others
 * (scaleInQ, M, shift) = (s_in·2^32, 1/(s_out·2^32)).
 */
export function quantizeActivationLayer(
  a: LayerActivation,
  dims: number[],
  opts: { mode: 'q'; F?: number } | { mode: 'int8'; input: QuantParams; output: QuantParams },
): ActivationConfig {
  const base = { dims, axis: softmaxAxis(a, dims), F: 32, zIn: 0, scaleInQ: 0n, M: 0, shift: 0, Mn: 0, shiftN: 0, zOut: 0, lo: -128, hi: 127 };
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    return { ...base, mode: Mode.Q, F, act: activationSpec(a, F) };
  }
  const { input, output } = opts;
  const act = activationSpec(a, 32);
  if (isFusedActivation(a)) {
    const m = quantizeMultiplier(input.scale / output.scale);
    const mn = signedMultiplier((fusedNegativeSlope(a) * input.scale) / output.scale);
    return { ...base, mode: Mode.I8, act, zIn: input.zeroPoint, M: m.M, shift: m.shift, Mn: mn.M, shiftN: mn.shift, zOut: output.zeroPoint, ...fusedClamp(a, output) };
  }
  const m = quantizeMultiplier(1 / (output.scale * 2 ** 32));
  return { ...base, mode: Mode.I8, act, zIn: input.zeroPoint, scaleInQ: BigInt(roundHalfAway(input.scale * 2 ** 32)), M: m.M, shift: m.shift, zOut: output.zeroPoint };
}
