// GRU — Keras `GRU` in both number modes: twin of contracts/layers/GRU.sol (docs/layers/recurrent.md).
// The step loop and its definitions are in Recurrent.ts; this module only names the entry points.
// Flat config: GRUConfig of GRU.sol (see src/harness/layers/GRU.ts for the schema).

import { CELL_GRU, rnnRun } from "./Recurrent";

/** GRU.sol `forward`: all T steps from h0 = 0 (c0 = 0); returns the output length in bytes. */
export function gruForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return rnnRun(CELL_GRU, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, false, 0, 0, yPtr, 0);
}

/**
 * GRU.sol `forwardSteps`: steps [tFrom, tTo) from the state at sPtr (sLen bytes); writes the outputs at
 * yPtr (returns their length in bytes) and the state after the steps at sOutPtr (sLen bytes).
 */
export function gruForwardSteps(
  cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32,
  sPtr: usize, sLen: i32, tFrom: i64, tTo: i64, yPtr: usize, sOutPtr: usize,
): i32 {
  return rnnRun(CELL_GRU, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, sPtr, sLen, true, tFrom, tTo, yPtr, sOutPtr);
}
