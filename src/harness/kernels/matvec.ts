/**
 * Typed wrappers of the oracle's dot / matvec / matmul kernels (assembly/tensor/MatVec.ts,
 * docs/numerics.md §3, §4.1–§4.2, §5). q tensors are `BigInt64Array`s (int64 values, use
 * `decodeQ`/`encodeQ` from src/harness/tensor/pack.ts to meet the EVM's bytes), int8 tensors are
 * `Int8Array`s, panel-layout weights are the `Uint8Array` of `packPanelsI8`.
 *
 * Each call resets the oracle heap (`arena()`), copies the inputs in, runs the kernel and returns a
 * fresh copy of the output. Lengths are passed separately from shapes, so a mismatch reaches the
 * oracle's own validation and throws the `OracleError` (`ShapeMismatch`, …) the EVM reverts with.
 */
import type { Oracle } from '../oracle.ts';

type Int = bigint | number;

/** `sat64(rshiftRound(Σ a[i]·b[i], F))` — numerics §3. */
export function dotQ(o: Oracle, a: BigInt64Array, b: BigInt64Array, F: number): bigint {
  o.arena();
  const pa = o.putI64(a);
  const pb = o.putI64(b);
  return o.call<bigint>('dotQ', pa, a.length, pb, b.length, F);
}

/** `y[o] = sat64(rshiftRound(Σ_i x[i]·W[i][o], F) + bias[o])`, W row-major K×N — numerics §3, §5. */
export function matvecQ(o: Oracle, x: BigInt64Array, w: BigInt64Array, bias: BigInt64Array, K: number, N: number, F: number): BigInt64Array {
  o.arena();
  const px = o.putI64(x);
  const pw = o.putI64(w);
  const pb = o.putI64(bias);
  const py = o.alloc(Math.max(N, 0) * 8);
  o.call('matvecQ', px, x.length, pw, w.length, pb, bias.length, K, N, F, py);
  return o.viewI64(py, N).slice();
}

/** `C = A·B` rescaled by 2^-F (no bias), A M×K, B K×N row-major — numerics §3, §5. */
export function matmulQ(o: Oracle, a: BigInt64Array, b: BigInt64Array, M: number, K: number, N: number, F: number): BigInt64Array {
  o.arena();
  const pa = o.putI64(a);
  const pb = o.putI64(b);
  const pc = o.alloc(Math.max(M * N, 0) * 8);
  o.call('matmulQ', pa, a.length, pb, b.length, M, K, N, F, pc);
  return o.viewI64(pc, M * N).slice();
}

/** `acc[o] = bias[o] + Σ_i (x[i] − zx)·W[i][o]`, W in panel layout — numerics §4.1, §4.2. */
export function matvecI8(o: Oracle, x: Int8Array, zx: Int, wPanels: Uint8Array, bias: BigInt64Array, K: number, N: number): BigInt64Array {
  o.arena();
  const px = o.putI8(x);
  const pw = o.putI8(wPanels);
  const pb = o.putI64(bias);
  const pa = o.alloc(Math.max(N, 0) * 8);
  o.call('matvecI8', px, x.length, BigInt(zx), pw, wPanels.length, pb, bias.length, K, N, pa);
  return o.viewI64(pa, N).slice();
}

/** `y[o] = requantize(acc[o], multipliers[o], shifts[o], zOut)` with acc as `matvecI8` — numerics §4.1–§4.3. */
export function matvecI8Requant(
  o: Oracle,
  x: Int8Array,
  zx: Int,
  wPanels: Uint8Array,
  bias: BigInt64Array,
  multipliers: BigInt64Array,
  shifts: BigInt64Array,
  zOut: Int,
  K: number,
  N: number,
): Int8Array {
  o.arena();
  const px = o.putI8(x);
  const pw = o.putI8(wPanels);
  const pb = o.putI64(bias);
  const pm = o.putI64(multipliers);
  const ps = o.putI64(shifts);
  const py = o.alloc(Math.max(N, 1));
  o.call('matvecI8Requant', px, x.length, BigInt(zx), pw, wPanels.length, pb, bias.length, pm, multipliers.length, ps, shifts.length, BigInt(zOut), K, N, py);
  return o.viewI8(py, N).slice();
}

/** `C[r][o] = Σ_i (A[r][i] − za)·B[i][o]`, A M×K and B K×N row-major int8 — numerics §4.1, §5. */
export function matmulI8(o: Oracle, a: Int8Array, za: Int, b: Int8Array, M: number, K: number, N: number): BigInt64Array {
  o.arena();
  const pa = o.putI8(a);
  const pb = o.putI8(b);
  const pc = o.alloc(Math.max(M * N, 0) * 8);
  o.call('matmulI8', pa, a.length, BigInt(za), pb, b.length, M, K, N, pc);
  return o.viewI64(pc, M * N).slice();
}
