// Kernel entry points exported to the host. Each module appends its own `export … from` line.
export { rshiftRound, divRound, mulShiftRound, sat8, sat64From128 } from "./Rounding";
export * from "./QMath";
export * from "./Int8Math";
export * from "./MatVec";
export * from "./Elementwise";
export * from "./Conv";
export * from "./Pool";
export * from "./Softmax";
export * from "./DepthwiseConv";
