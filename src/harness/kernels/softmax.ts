/**
 * Typed wrappers of the oracle's softmax kernels (assembly/tensor/Softmax.ts, docs/numerics.md §3.2, §5).
 *
 * The tensor has shape `dims` (row-major) and softmax runs along `axis`:
 * `y_j = sat64(divRound(e_j·2^32, Σ e))`, `e_j = qExp(qSub(x_j, max x))` per slice (Q32.32).
 * The int8 variant dequantizes `(zx, scaleQ)`, applies softmaxQ and quantizes `(M, shift, zOut)`.
 */
import type { Oracle } from '../oracle.ts';

const big = (v: number | bigint): bigint => BigInt(v);

/** Number of elements of `dims` (1 for a rank-0 shape). */
export function shapeCount(dims: ArrayLike<number>): number {
  let n = 1;
  for (let i = 0; i < dims.length; i++) n *= dims[i]!;
  return n;
}

/** Softmax of a Q32.32 tensor (int64 values) along `axis`. */
export function softmaxQ(o: Oracle, x: ArrayLike<bigint>, dims: ArrayLike<number>, axis: number): BigInt64Array {
  o.arena();
  const n = Math.max(x.length, 1);
  const px = o.putI64(x);
  const pd = o.putI64(Array.from(dims, big));
  const out = o.alloc(n * 8);
  o.call('softmaxQ', px, big(x.length), pd, big(dims.length), big(axis), out);
  return o.viewI64(out, x.length).slice();
}

/** Softmax of an int8 tensor along `axis`: dequantize (zx, scaleQ in Q32) → softmaxQ → quantize (M, shift, zOut). */
export function softmaxI8(
  o: Oracle,
  x: ArrayLike<number>,
  zx: number,
  scaleQ: bigint,
  dims: ArrayLike<number>,
  axis: number,
  M: bigint | number,
  shift: bigint | number,
  zOut: number,
): Int8Array {
  o.arena();
  const n = Math.max(x.length, 1);
  const px = o.putI8(x);
  const pd = o.putI64(Array.from(dims, big));
  const out = o.alloc(n);
  o.call('softmaxI8', px, big(x.length), big(zx), scaleQ, pd, big(dims.length), big(axis), big(M), big(shift), big(zOut), out);
  return o.viewI8(out, x.length).slice();
}
