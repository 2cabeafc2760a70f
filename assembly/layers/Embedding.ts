// Embedding — Keras `Embedding` (token ids → table rows) in both number modes.
// Twin of contracts/layers/Embedding.sol (docs/layers/recurrent.md "Embedding"): the same output bytes,
// the same failures in the same order. Input: T token ids, 4-byte big-endian unsigned each.
// Flat config: mode, T, inputDim, outputDim, perRow, zOut.

import { requantizeUnchecked } from "../tensor/Int8Math";
import {
  MODE_Q, cfgBegin, cfgNext, layerCheckDim, layerCheckMode, layerCheckRange, layerCheckRequant,
  layerElementBytes, layerRequireLength, loadBE32u,
} from "./LayerTypes";
import { throwInvalidShape } from "../tensor/Errors";

/** Embedding.sol `TokenOutOfRange(position, id)`. */
function throwTokenOutOfRange(position: i64, id: i64): void {
  throw new Error("TokenOutOfRange " + position.toString() + " " + id.toString());
}

/** InvalidShape(103) unless a·b < 2^31 (unsigned 64-bit: a, b < 2^32 cannot wrap). */
function embCheckProduct(a: i64, b: i64): void {
  if (<u64>a * <u64>b >= 2147483648) throwInvalidShape(103);
}

function embeddingRun(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, full: bool, yPtr: usize): i32 {
  cfgBegin(cfgPtr, cfgLen);
  const mode = cfgNext();
  const T = cfgNext();
  const V = cfgNext();
  const D = cfgNext();
  const perRow = cfgNext() != 0;
  const zOut = cfgNext();
  if (full) {
    from = 0;
    to = T;
  }
  layerCheckMode(mode);
  layerCheckDim(T);
  layerCheckDim(V);
  layerCheckDim(D);
  embCheckProduct(T, D);
  embCheckProduct(V, D);
  layerCheckRange(from, to, T);
  layerRequireLength(4 * T, <i64>xLen);
  const n = V * D;
  const rowPerRow = mode != MODE_Q && perRow;
  layerRequireLength(mode == MODE_Q ? 8 * n : n + (perRow ? 5 * V : 0), <i64>wLen);
  for (let t = from; t < to; t++) {
    const id = loadBE32u(xPtr + <usize>(4 * t));
    if (id >= V) throwTokenOutOfRange(t, id);
  }
  if (rowPerRow) {
    for (let t = from; t < to; t++) {
      const id = loadBE32u(xPtr + <usize>(4 * t));
      layerCheckRequant(loadBE32u(wPtr + <usize>(n + 4 * id)), <i64>load<u8>(wPtr + <usize>(n + 4 * V + id)));
    }
  }
  const rowBytes = D * layerElementBytes(mode);
  for (let t = from; t < to; t++) {
    const id = loadBE32u(xPtr + <usize>(4 * t));
    const dst = yPtr + <usize>((t - from) * rowBytes);
    if (!rowPerRow) {
      memory.copy(dst, wPtr + <usize>(id * rowBytes), <usize>rowBytes);
      continue;
    }
    const m = loadBE32u(wPtr + <usize>(n + 4 * id));
    const s = <i32>load<u8>(wPtr + <usize>(n + 4 * V + id));
    for (let k: i64 = 0; k < D; k++) {
      const q = <i64>load<i8>(wPtr + <usize>(id * D + k));
      store<i8>(dst + <usize>k, <i8>requantizeUnchecked(q, m, s, zOut));
    }
  }
  return <i32>((to - from) * rowBytes);
}

/** Embedding.sol `forward`: all T positions; returns the output length in bytes. */
export function embeddingForward(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, yPtr: usize): i32 {
  return embeddingRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, 0, 0, true, yPtr);
}

/** Embedding.sol `forwardRange`: positions [from, to) (output [to − from, outputDim]). */
export function embeddingForwardRange(cfgPtr: usize, cfgLen: i32, wPtr: usize, wLen: i32, xPtr: usize, xLen: i32, from: i64, to: i64, yPtr: usize): i32 {
  return embeddingRun(cfgPtr, cfgLen, wPtr, wLen, xPtr, xLen, from, to, false, yPtr);
}
