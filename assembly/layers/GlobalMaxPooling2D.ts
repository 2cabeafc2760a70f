// GlobalMaxPooling2D — the oracle twin of contracts/layers/GlobalMaxPooling2D.sol (docs/layers/conv.md); the implementation is
// shared with the other poolings in Pooling2D.ts.

import { globalPooling2dRun } from "./Pooling2D";

/** GlobalMaxPooling2D.sol `forward`. Returns the output length in bytes. */
export function globalMaxPooling2dForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return globalPooling2dRun(cfgPtr, cfgLen, wLen, xPtr, xLen, 0, 0, true, false, yPtr);
}

/** GlobalMaxPooling2D.sol `forwardRange`. */
export function globalMaxPooling2dForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return globalPooling2dRun(cfgPtr, cfgLen, wLen, xPtr, xLen, from, to, false, false, yPtr);
}
