/**
 * Keras ZeroPadding2D on chain (twin of contracts/layers/ZeroPadding2D.sol, assembly/layers/ZeroPadding2D.ts).
 * No weights; int8 pads with the zero point (the tensor keeps its quantization).
 */
import type { LayerOf } from '../model/ir.ts';
import type { Schema } from './schema.ts';
import { elementBytes, type LayerOp, type ModeName, modeCode } from './types.ts';

/** `ZeroPadding2DConfig` of ZeroPadding2D.sol. */
export interface ZeroPadding2DConfig {
  mode: number;
  H: number;
  W: number;
  C: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  zIn: number;
}

export const ZERO_PADDING2D_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['H', 'uint32'],
  ['W', 'uint32'],
  ['C', 'uint32'],
  ['top', 'uint32'],
  ['bottom', 'uint32'],
  ['left', 'uint32'],
  ['right', 'uint32'],
  ['zIn', 'int8'],
];

export const ZERO_PADDING2D: LayerOp<ZeroPadding2DConfig> = {
  name: 'ZeroPadding2D',
  schema: ZERO_PADDING2D_CONFIG_SCHEMA,
  harness: 'zeroPadding2d',
  oracle: 'zeroPadding2dForward',
  outputBytes: (c, range) => {
    const Ho = c.top + c.H + c.bottom;
    const rows = range ? Math.max(0, Math.min(range[1], Ho) - range[0]) : Ho;
    return rows * (c.left + c.W + c.right) * c.C * elementBytes(c.mode);
  },
};

/** The config of an IR ZeroPadding2D layer (int8: `zeroPoint` of the tensor). */
export function zeroPadding2dConfig(l: LayerOf<'ZeroPadding2D'>, mode: ModeName, zeroPoint = 0): ZeroPadding2DConfig {
  const [H, W, C] = l.inputShape[0] as [number, number, number];
  const [[top, bottom], [left, right]] = l.config.padding;
  return { mode: modeCode(mode), H, W, C, top, bottom, left, right, zIn: mode === 'int8' ? zeroPoint : 0 };
}
