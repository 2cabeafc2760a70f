/**
 * The layer tier's host side (docs/layers.md): config schemas and both encodings, weight-blob packing,
 * quantizers from float IR layers, float64 references, and `oracleForward` / `harnessArgs` to run a layer
 * op in the oracle and the EVM with the same bytes.
 */
export * from './types.ts';
export * from './schema.ts';
export * from './run.ts';
export * from './float.ts';
export * from './activation.ts';
export * from './dense.ts';
export * from './identity.ts';
export * from './rescaling.ts';
export * from './quantize.ts';
export * from './embedding.ts';
export * from './recurrent.ts';
export * from './layerNormalization.ts';
export * from './add.ts';
export * from './multiply.ts';
export * from './concatenate.ts';
export * from './merge.ts';
export * from './spatial.ts';
export * from './conv2D.ts';
export * from './depthwiseConv2D.ts';
export * from './zeroPadding2D.ts';
export * from './pooling2D.ts';
export * from './batchNormalization.ts';
export * from './imageLayers.ts';
