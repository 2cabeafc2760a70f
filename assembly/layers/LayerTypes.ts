// LayerTypes — what every layer of the oracle's layer tier shares (docs/layers.md).
// Twin of contracts/layers/LayerTypes.sol: the mode and activation-kind codes, the InvalidShape codes of
// the layer tier, the validation helpers (same errors, same order), the flat-config reader and the
// big-endian byte helpers.
//
// Layer entry points take the SAME bytes as the EVM (weights blob, input tensor, both in their wire
// encodings: int8 = one byte per element, q = 8-byte big-endian int64) and write the output in the same
// encoding. Only the config differs: the EVM decodes `abi.encode(struct)`, the oracle reads the same struct
// flattened to int64 words (depth-first; an array is its length then its entries; bool = 0/1), produced
// from one schema by src/harness/layers/schema.ts.
//
// Layers may allocate scratch with heap.alloc: the host resets the arena before every call.

import { throwInvalidRequantization, throwInvalidShape, throwShapeMismatch, throwValueOutOfRange } from "../tensor/Errors";

export const MODE_Q: i64 = 0;
export const MODE_I8: i64 = 1;

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
export const ACT_SOFTMAX: i32 = 4;
export const ACT_HARD_SIGMOID: i32 = 5;
export const ACT_SILU: i32 = 6;
export const ACT_GELU: i32 = 7;
export const ACT_GELU_TANH: i32 = 8;

/** InvalidShape codes of the layer tier (docs/layers.md "Failure conditions"). */
export const CODE_RANGE: i64 = 100;
export const CODE_PARTIAL_SOFTMAX: i64 = 101;
export const CODE_ZERO_DIM: i64 = 102;
export const CODE_TOO_LARGE: i64 = 103;
export const CODE_AXIS: i64 = 104;
export const CODE_OUTPUT_SHAPE: i64 = 105;

/** Element counts (and running products of shapes) stay below 2^31. */
const LAYER_COUNT_LIMIT: i64 = 2147483648;

// ------------------------------------------------------------------------------------------------
// Flat config reader

let cfgCursor: usize = 0;
let cfgEnd: usize = 0;

/** Start reading a flat config of `len` int64 words at `ptr`. */
export function cfgBegin(ptr: usize, len: i32): void {
  cfgCursor = ptr;
  cfgEnd = ptr + (<usize>len << 3);
}

/** The next word. A config shorter than its schema is a host bug (the EVM's abi.decode would revert). */
export function cfgNext(): i64 {
  if (cfgCursor >= cfgEnd) throw new Error("InvalidConfig truncated");
  const v = load<i64>(cfgCursor);
  cfgCursor += 8;
  return v;
}

/** An array field: returns a pointer to its `len` int64 entries (in the config itself); `cfgLastLen` holds len. */
export let cfgLastLen: i32 = 0;
export function cfgArray(): usize {
  const n = cfgNext();
  if (n < 0 || cfgCursor + (<usize>n << 3) > cfgEnd) throw new Error("InvalidConfig array");
  const p = cfgCursor;
  cfgCursor += <usize>n << 3;
  cfgLastLen = <i32>n;
  return p;
}

/** The activation spec (ActivationSpec of LayerTypes.sol). */
export class ActSpec {
  kind: i32 = 0;
  slope: i64 = 0;
  offset: i64 = 0;
  threshold: i64 = 0;
  maxValue: i64 = 0;
}

/** Read an ActivationSpec (kind, slope, offset, threshold, maxValue). */
export function cfgActSpec(): ActSpec {
  const a = new ActSpec();
  const k = cfgNext();
  a.kind = k < 0 || k > 255 ? 255 : <i32>k; // validated by layerCheckKind (the ABI type is uint8)
  a.slope = cfgNext();
  a.offset = cfgNext();
  a.threshold = cfgNext();
  a.maxValue = cfgNext();
  return a;
}

// ------------------------------------------------------------------------------------------------
// Validation (the helpers of LayerTypes.sol, same errors)

export function layerCheckMode(mode: i64): void {
  if (mode < 0 || mode > MODE_I8) throwValueOutOfRange(mode);
}
export function layerCheckKind(kind: i32): void {
  if (kind < 0 || kind > ACT_GELU_TANH) throwValueOutOfRange(<i64>kind);
}
export function layerCheckF(F: i64): void {
  if (F < 0 || F > 62) throwValueOutOfRange(F);
}
export function layerElementBytes(mode: i64): i64 {
  return mode == MODE_Q ? 8 : 1;
}
export function layerRequireLength(expected: i64, actual: i64): void {
  if (expected != actual) throwShapeMismatch(expected, actual);
}
export function layerCheckDim(d: i64): void {
  if (d == 0) throwInvalidShape(CODE_ZERO_DIM);
}
/**
 * InvalidShape(103) unless 0 ≤ n < 2^31. Callers pass products of two dims < 2^32 computed in i64: a true
 * product ≥ 2^63 wraps negative, which `n < 0` catches, so the check equals the EVM's uint256 check.
 */
export function layerCheckCount(n: i64): void {
  if (n < 0 || n >= LAYER_COUNT_LIMIT) throwInvalidShape(CODE_TOO_LARGE);
}
/** Element count of `rank` dims at `dims` (int64 entries): zero dims first (102), then running products (103). */
export function layerCount(dims: usize, rank: i32): i64 {
  for (let d = 0; d < rank; d++) layerCheckDim(load<i64>(dims + (<usize>d << 3)));
  let n: i64 = 1;
  for (let d = 0; d < rank; d++) {
    n *= load<i64>(dims + (<usize>d << 3)); // n < 2^31, dim < 2^32: no i64 overflow
    layerCheckCount(n);
  }
  return n;
}
export function layerCheckRange(from: i64, to: i64, n: i64): void {
  if (from > to || to > n) throwInvalidShape(CODE_RANGE);
}
export function layerCheckClamp(lo: i64, hi: i64): void {
  if (lo > hi) throwValueOutOfRange(lo);
}
export function layerCheckScale(scaleQ: i64): void {
  if (scaleQ < 0) throwValueOutOfRange(scaleQ);
}
export function layerCheckRequant(m: i64, shift: i64): void {
  if (m < 0 || m >= 2147483648 || shift < 0 || shift > 126) throwInvalidRequantization(m, shift);
}
export function layerCheckSignedRequant(m: i64, shift: i64): void {
  if (m <= -2147483648 || m >= 2147483648 || shift < 0 || shift > 126) throwInvalidRequantization(m, shift);
}
/** Linear, and the Relu family with threshold 0, are fused into an int8 requantization (stage A only). */
export function isFusedI8(a: ActSpec): bool {
  return a.kind == ACT_LINEAR || (a.kind == ACT_RELU && a.threshold == 0);
}

// ------------------------------------------------------------------------------------------------
// Big-endian bytes

// @ts-ignore: decorator
@inline export function loadBE64(p: usize): i64 {
  return bswap<i64>(load<i64>(p));
}
// @ts-ignore: decorator
@inline export function storeBE64(p: usize, v: i64): void {
  store<i64>(p, bswap<i64>(v));
}
/** A signed int32, big-endian. */
// @ts-ignore: decorator
@inline export function loadBE32s(p: usize): i64 {
  return <i64>bswap<i32>(load<i32>(p));
}
/** An unsigned int32, big-endian. */
// @ts-ignore: decorator
@inline export function loadBE32u(p: usize): i64 {
  return <i64>bswap<u32>(load<u32>(p));
}

/** Scratch memory of `n` bytes (not zeroed). */
export function layerScratch(n: i64): usize {
  return heap.alloc(<usize>(n > 0 ? n : 1));
}
