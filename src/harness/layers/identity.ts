/**
 * InputLayer, Dropout, Flatten, Reshape (twin of contracts/layers/Identity.sol): identities on the bytes;
 * the config carries the shapes so a wrong length or an inconsistent shape fails like every other layer.
 */
import type { Schema } from './schema.ts';
import { Mode, elementBytes, type LayerOp, type ModeName } from './types.ts';

/** `ShapeConfig` of Identity.sol. */
export interface ShapeConfig {
  mode: number;
  inShape: number[];
  outShape: number[];
}

export const SHAPE_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['inShape', 'uint32[]'],
  ['outShape', 'uint32[]'],
];

const count = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
const op = (name: string, harness: string, oracle: string): LayerOp<ShapeConfig> => ({
  name,
  schema: SHAPE_CONFIG_SCHEMA,
  harness,
  oracle,
  outputBytes: (c) => count(c.inShape) * elementBytes(c.mode),
});

export const INPUT_LAYER = op('InputLayer', 'inputLayer', 'inputLayerForward');
export const DROPOUT = op('Dropout', 'dropout', 'dropoutForward');
export const FLATTEN = op('Flatten', 'flatten', 'flattenForward');
export const RESHAPE = op('Reshape', 'reshape', 'reshapeForward');

/** The ShapeConfig of an identity layer from its IR input and output shapes. */
export function shapeConfig(mode: ModeName, inShape: number[], outShape: number[]): ShapeConfig {
  return { mode: mode === 'q' ? Mode.Q : Mode.I8, inShape, outShape };
}
