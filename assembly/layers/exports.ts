// Layer entry points exported to the host (src/harness/layers/*). Each layer module adds one line.
// Every entry takes (cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen[, from, to], yPtr) and returns the output
// length in bytes; see assembly/layers/LayerTypes.ts for the conventions.
export { denseForward, denseForwardRange } from "./Dense";
export { activationForward } from "./Activation";
export { rescalingForward } from "./Rescaling";
export { inputLayerForward, dropoutForward, flattenForward, reshapeForward } from "./Identity";
export * from "./LayerNormalization";
export * from "./Add";
export * from "./Multiply";
export * from "./Concatenate";
export * from "./Embedding";
export * from "./SimpleRNN";
export * from "./LSTM";
export * from "./GRU";
export * from "./Conv2D";
export * from "./DepthwiseConv2D";
export * from "./ZeroPadding2D";
export * from "./MaxPooling2D";
export * from "./AveragePooling2D";
export * from "./GlobalAveragePooling2D";
export * from "./GlobalMaxPooling2D";
export * from "./BatchNormalization";
