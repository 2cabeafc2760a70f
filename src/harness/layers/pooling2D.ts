/**
 * Keras MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D and GlobalMaxPooling2D on chain (twins of
 * contracts/layers/{MaxPooling2D,AveragePooling2D,GlobalAveragePooling2D,GlobalMaxPooling2D}.sol and
 * assembly/layers/*). No weights; both modes pool the raw values (int8: the output keeps the input's
 * scale and zero point — numerics §4.4).
 */
import type { LayerOf } from '../model/ir.ts';
import { windowRows } from './conv2D.ts';
import type { Schema } from './schema.ts';
import { paddingCode } from './spatial.ts';
import { elementBytes, modeCode, type LayerOp, type ModeName } from './types.ts';

/** `Pooling2DConfig` of MaxPooling2D.sol (shared by AveragePooling2D). */
export interface Pooling2DConfig {
  mode: number;
  H: number;
  W: number;
  C: number;
  ph: number;
  pw: number;
  sh: number;
  sw: number;
  padding: number;
}

export const POOLING2D_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['H', 'uint32'],
  ['W', 'uint32'],
  ['C', 'uint32'],
  ['ph', 'uint32'],
  ['pw', 'uint32'],
  ['sh', 'uint32'],
  ['sw', 'uint32'],
  ['padding', 'uint8'],
];

const poolBytes = (c: Pooling2DConfig, range?: [number, number]) => {
  const Ho = windowRows(c.H, c.ph, c.sh, c.padding);
  const Wo = windowRows(c.W, c.pw, c.sw, c.padding);
  const rows = range ? Math.max(0, range[1] - range[0]) : Ho;
  return Math.min(rows, Ho) * Wo * c.C * elementBytes(c.mode);
};

export const MAX_POOLING2D: LayerOp<Pooling2DConfig> = {
  name: 'MaxPooling2D',
  schema: POOLING2D_CONFIG_SCHEMA,
  harness: 'maxPooling2d',
  oracle: 'maxPooling2dForward',
  outputBytes: poolBytes,
};

export const AVERAGE_POOLING2D: LayerOp<Pooling2DConfig> = {
  name: 'AveragePooling2D',
  schema: POOLING2D_CONFIG_SCHEMA,
  harness: 'averagePooling2d',
  oracle: 'averagePooling2dForward',
  outputBytes: poolBytes,
};

/** The config of an IR MaxPooling2D / AveragePooling2D layer (strides already resolved by the importer). */
export function pooling2dConfig(l: LayerOf<'MaxPooling2D'> | LayerOf<'AveragePooling2D'>, mode: ModeName): Pooling2DConfig {
  const [H, W, C] = l.inputShape[0] as [number, number, number];
  const c = l.config;
  return { mode: modeCode(mode), H, W, C, ph: c.poolSize[0], pw: c.poolSize[1], sh: c.strides[0], sw: c.strides[1], padding: paddingCode(c.padding) };
}

/** `GlobalPooling2DConfig` of GlobalAveragePooling2D.sol (shared by GlobalMaxPooling2D). */
export interface GlobalPooling2DConfig {
  mode: number;
  H: number;
  W: number;
  C: number;
}

export const GLOBAL_POOLING2D_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['H', 'uint32'],
  ['W', 'uint32'],
  ['C', 'uint32'],
];

const globalBytes = (c: GlobalPooling2DConfig, range?: [number, number]) =>
  (range ? Math.max(0, Math.min(range[1], c.C) - range[0]) : c.C) * elementBytes(c.mode);

export const GLOBAL_AVERAGE_POOLING2D: LayerOp<GlobalPooling2DConfig> = {
  name: 'GlobalAveragePooling2D',
  schema: GLOBAL_POOLING2D_CONFIG_SCHEMA,
  harness: 'globalAveragePooling2d',
  oracle: 'globalAveragePooling2dForward',
  outputBytes: globalBytes,
};

export const GLOBAL_MAX_POOLING2D: LayerOp<GlobalPooling2DConfig> = {
  name: 'GlobalMaxPooling2D',
  schema: GLOBAL_POOLING2D_CONFIG_SCHEMA,
  harness: 'globalMaxPooling2d',
  oracle: 'globalMaxPooling2dForward',
  outputBytes: globalBytes,
};

export function globalPooling2dConfig(l: LayerOf<'GlobalAveragePooling2D'> | LayerOf<'GlobalMaxPooling2D'>, mode: ModeName): GlobalPooling2DConfig {
  const [H, W, C] = l.inputShape[0] as [number, number, number];
  return { mode: modeCode(mode), H, W, C };
}
