// LSTM — Keras `LSTM` in both number modes: twin of contracts/layers/LSTM.sol (docs/layers/recurrent.md).
// The step loop and its definitions are in Recurrent.ts; this module only names the entry points.
// Flat config: LSTMConfig of LSTM.sol (see src/harness/layers/LSTM.ts for the schema).

import { CELL_LSTM, rnnRun } from "./Recurrent";

/** LSTM.sol `forward`: all T steps from h0 = 0 (c0 = 0); returns the output length in bytes. */
export function lstmForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return rnnRun(CELL_LSTM, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, false, 0, 0, yPtr, 0);
}

/**
 * LSTM.sol `forwardSteps`: steps [tFrom, tTo) from the state at sPtr (sLen bytes); writes the outputs at
 * yPtr (returns their length in bytes) and the state after the steps at sOutPtr (sLen bytes).
 */
export function lstmForwardSteps(
  cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32,
  sPtr: usize, sLen: i32, tFrom: i64, tTo: i64, yPtr: usize, sOutPtr: usize,
): i32 {
  return rnnRun(CELL_LSTM, cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, sPtr, sLen, true, tFrom, tTo, yPtr, sOutPtr);
}
