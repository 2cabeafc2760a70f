// Identity — InputLayer, Dropout, Flatten, Reshape: identities on the bytes with shape bookkeeping.
// Twin of contracts/layers/Identity.sol (ShapeConfig flat: mode, inShape[], outShape[]). The oracle copies
// the input to the output buffer (the EVM returns the input buffer itself: the same bytes).

import { throwInvalidShape, throwShapeMismatch } from "../tensor/Errors";
import {
  CODE_OUTPUT_SHAPE, cfgArray, cfgBegin, cfgLastLen, cfgNext, layerCheckMode, layerCount, layerElementBytes,
  layerRequireLength,
} from "./LayerTypes";

const RULE_RESHAPE: i32 = 0;
const RULE_FLATTEN: i32 = 1;
const RULE_SAME: i32 = 2;

function identityRun(rule: i32, cfgPtr: usize, cfgLen: i32, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const inShape = cfgArray();
  const inRank = cfgLastLen;
  const outShape = cfgArray();
  const outRank = cfgLastLen;
  layerCheckMode(mode);
  const nIn = layerCount(inShape, inRank);
  const nOut = layerCount(outShape, outRank);
  if (rule == RULE_FLATTEN && outRank != 1) throwInvalidShape(CODE_OUTPUT_SHAPE);
  if (rule == RULE_SAME) {
    let same = inRank == outRank;
    for (let d = 0; same && d < inRank; d++) same = load<i64>(inShape + (<usize>d << 3)) == load<i64>(outShape + (<usize>d << 3));
    if (!same) throwInvalidShape(CODE_OUTPUT_SHAPE);
  }
  if (nIn != nOut) throwShapeMismatch(nIn, nOut);
  layerRequireLength(nIn * layerElementBytes(mode), <i64>xLen);
  layerRequireLength(0, <i64>wLen);
  memory.copy(yPtr, xPtr, <usize>xLen);
  return xLen;
}

export function inputLayerForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return identityRun(RULE_SAME, cfgPtr, cfgLen, wLen, xPtr, xLen, yPtr);
}
export function dropoutForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return identityRun(RULE_SAME, cfgPtr, cfgLen, wLen, xPtr, xLen, yPtr);
}
export function flattenForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return identityRun(RULE_FLATTEN, cfgPtr, cfgLen, wLen, xPtr, xLen, yPtr);
}
export function reshapeForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return identityRun(RULE_RESHAPE, cfgPtr, cfgLen, wLen, xPtr, xLen, yPtr);
}
