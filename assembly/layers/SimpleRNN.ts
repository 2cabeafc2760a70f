// SimpleRNN — Keras `SimpleRNN` in both number modes: twin of contracts/layers/SimpleRNN.sol (docs/layers/recurrent.md).
// The step loop and its definitions are in Recurrent.ts; this module only names the entry points.
// Flat config: SimpleRNNConfig of SimpleRNN.sol (see src/harness/layers/SimpleRNN.ts for the schema).

import { CELL_SIMPLE, rnnRun } from "./Recurrent";

/** SimpleRNN.sol `forward`: all T steps from h0 = 0 (c0 = 0); returns the output length in bytes. */
export function simpleRNNForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return rnnRun(CELL_SIMPLE, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, false, 0, 0, yPtr, 0);
}

/**
 * SimpleRNN.sol `forwardSteps`: steps [tFrom, tTo) from the state at sPtr (sLen bytes); writes the outputs at
 * yPtr (returns their length in bytes) and the state after the steps at sOutPtr (sLen bytes).
 */
export function simpleRNNForwardSteps(
  cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32,
  sPtr: usize, sLen: i32, tFrom: i64, tTo: i64, yPtr: usize, sOutPtr: usize,
): i32 {
  return rnnRun(CELL_SIMPLE, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, sPtr, sLen, true, tFrom, tTo, yPtr, sOutPtr);
}
