/**
 * Shared types of the layer tier (twin of contracts/layers/LayerTypes.sol, assembly/layers/LayerTypes.ts):
 * number modes, activation kinds and the ActivationSpec struct, the layer tier's InvalidShape codes, and
 * the `LayerOp` descriptor that ties one layer type's config schema to its harness method and oracle export.
 */
import type { Schema } from './schema.ts';

/** `Mode` of LayerTypes.sol. */
export const Mode = { Q: 0, I8: 1 } as const;
export type ModeName = 'q' | 'int8';
export const modeCode = (m: ModeName): number => (m === 'q' ? Mode.Q : Mode.I8);
export const elementBytes = (mode: number): number => (mode === Mode.Q ? 8 : 1);

/** `ActKind` of LayerTypes.sol. */
export const ActKind = {
  Linear: 0,
  Relu: 1,
  Sigmoid: 2,
  Tanh: 3,
  Softmax: 4,
  HardSigmoid: 5,
  Silu: 6,
  Gelu: 7,
  GeluTanh: 8,
} as const;
export const ACT_KIND_COUNT = 9;

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** `ActivationSpec` of LayerTypes.sol: numbers in the format of the values the activation sees. */
export interface ActivationSpec {
  kind: number;
  /** Relu: negative_slope; HardSigmoid: slope. Q32. */
  slope: bigint;
  /** HardSigmoid: offset (value format). */
  offset: bigint;
  /** Relu: threshold (value format). */
  threshold: bigint;
  /** Relu: max_value (value format), INT64_MAX = none. */
  maxValue: bigint;
}

export const ACTIVATION_SPEC_SCHEMA: Schema = [
  ['kind', 'uint8'],
  ['slope', 'int64'],
  ['offset', 'int64'],
  ['threshold', 'int64'],
  ['maxValue', 'int64'],
];

export const LINEAR_SPEC: ActivationSpec = { kind: ActKind.Linear, slope: 0n, offset: 0n, threshold: 0n, maxValue: INT64_MAX };

/** Stage A alone implements the activation in int8 mode (LayerTypes.isFusedI8). */
export function isFusedI8(a: ActivationSpec): boolean {
  return a.kind === ActKind.Linear || (a.kind === ActKind.Relu && a.threshold === 0n);
}

/** InvalidShape codes of the layer tier (LayerTypes.sol). */
export const LayerCode = {
  RANGE: 100,
  PARTIAL_SOFTMAX: 101,
  ZERO_DIM: 102,
  TOO_LARGE: 103,
  AXIS: 104,
  OUTPUT_SHAPE: 105,
} as const;

/**
 * One layer op: its config schema (= the Solidity struct), the LayerHarness method and the oracle
 * export that run it, and the size of its output for a config (for the oracle's output buffer).
 */
export interface LayerOp<C> {
  /** The Solidity library / AS module name. */
  name: string;
  schema: Schema;
  /** LayerHarness method (returns `(bytes y, uint256 gasUsed)`). */
  harness: string;
  /** Oracle export: `(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen[, from, to], yPtr) → bytes written`. */
  oracle: string;
  /** Output bytes of `forward` (or of `forwardRange(from, to)` when given). */
  outputBytes(config: C, range?: [number, number]): number;
}
