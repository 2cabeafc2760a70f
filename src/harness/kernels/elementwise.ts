/**
 * Typed wrappers of the oracle's elementwise ops (assembly/tensor/Elementwise.ts, docs/numerics.md
 * §3.1, §4.3–§4.4). q tensors are `BigInt64Array`s, int8 tensors `Int8Array`s, int vectors
 * (accumulators, multipliers, shifts) `BigInt64Array`s; scalars are bigints (or numbers) so that
 * out-of-range values reach the oracle's own validation.
 *
 * Each call resets the oracle heap (`arena()`), copies the inputs in, runs the op and returns a fresh
 * copy of the output. A failure throws the `OracleError` whose `errorName` the EVM reverts with.
 */
import type { Oracle } from '../oracle.ts';

type Int = bigint | number;

function binaryQ(o: Oracle, name: string, a: BigInt64Array, b: BigInt64Array, extra: number[]): BigInt64Array {
  o.arena();
  const pa = o.putI64(a);
  const pb = o.putI64(b);
  const py = o.alloc(a.length * 8);
  o.call(name, pa, a.length, pb, b.length, ...extra, py);
  return o.viewI64(py, a.length).slice();
}

/** `y[i] = sat64(a[i] + b[i])` — numerics §3.1. */
export function addQ(o: Oracle, a: BigInt64Array, b: BigInt64Array): BigInt64Array {
  return binaryQ(o, 'addQ', a, b, []);
}

/** `y[i] = sat64(a[i] − b[i])` — numerics §3.1. */
export function subQ(o: Oracle, a: BigInt64Array, b: BigInt64Array): BigInt64Array {
  return binaryQ(o, 'subQ', a, b, []);
}

/** `y[i] = sat64(rshiftRound(a[i]·b[i], F))` — numerics §3.1. */
export function mulQ(o: Oracle, a: BigInt64Array, b: BigInt64Array, F: number): BigInt64Array {
  return binaryQ(o, 'mulQ', a, b, [F]);
}

/** `y[i] = min(max(x[i], lo), hi)` — numerics §3.1. */
export function clampQ(o: Oracle, x: BigInt64Array, lo: bigint, hi: bigint): BigInt64Array {
  o.arena();
  const px = o.putI64(x);
  const py = o.alloc(x.length * 8);
  o.call('clampQ', px, x.length, lo, hi, py);
  return o.viewI64(py, x.length).slice();
}

/** `y[i] = addI8(a[i], za, ma, b[i], zb, mb, shift, zo)` — numerics §4.4. */
export function addI8Tensor(o: Oracle, a: Int8Array, za: Int, ma: Int, b: Int8Array, zb: Int, mb: Int, shift: Int, zo: Int): Int8Array {
  o.arena();
  const pa = o.putI8(a);
  const pb = o.putI8(b);
  const py = o.alloc(a.length);
  o.call('addI8Tensor', pa, a.length, BigInt(za), BigInt(ma), pb, b.length, BigInt(zb), BigInt(mb), BigInt(shift), BigInt(zo), py);
  return o.viewI8(py, a.length).slice();
}

/** `y[i] = mulI8(a[i], za, b[i], zb, multiplier, shift, zo)` — numerics §4.4. */
export function mulI8Tensor(o: Oracle, a: Int8Array, za: Int, b: Int8Array, zb: Int, multiplier: Int, shift: Int, zo: Int): Int8Array {
  o.arena();
  const pa = o.putI8(a);
  const pb = o.putI8(b);
  const py = o.alloc(a.length);
  o.call('mulI8Tensor', pa, a.length, BigInt(za), pb, b.length, BigInt(zb), BigInt(multiplier), BigInt(shift), BigInt(zo), py);
  return o.viewI8(py, a.length).slice();
}

/** `y[i] = min(max(x[i], lo), hi)` on int8 values — numerics §4.4. */
export function clampI8Tensor(o: Oracle, x: Int8Array, lo: Int, hi: Int): Int8Array {
  o.arena();
  const px = o.putI8(x);
  const py = o.alloc(x.length);
  o.call('clampI8Tensor', px, x.length, BigInt(lo), BigInt(hi), py);
  return o.viewI8(py, x.length).slice();
}

/** `y[i] = requantize(acc[i], multipliers[i mod C], shifts[i mod C], zOut)` — numerics §4.3. */
export function requantizeTensor(o: Oracle, acc: BigInt64Array, multipliers: BigInt64Array, shifts: BigInt64Array, zOut: Int): Int8Array {
  o.arena();
  const pa = o.putI64(acc);
  const pm = o.putI64(multipliers);
  const ps = o.putI64(shifts);
  const py = o.alloc(acc.length);
  o.call('requantizeTensor', pa, acc.length, pm, multipliers.length, ps, shifts.length, BigInt(zOut), py);
  return o.viewI8(py, acc.length).slice();
}

/** `y[i] = sat64((x[i] − z)·scaleQ)`, int8 → Q32.32 — numerics §4.4. */
export function dequantizeI8Tensor(o: Oracle, x: Int8Array, z: Int, scaleQ: bigint): BigInt64Array {
  o.arena();
  const px = o.putI8(x);
  const py = o.alloc(x.length * 8);
  o.call('dequantizeI8Tensor', px, x.length, BigInt(z), scaleQ, py);
  return o.viewI64(py, x.length).slice();
}

/** `y[i] = requantize(v[i], multiplier, shift, z)`, Q32.32 → int8 — numerics §4.4. */
export function quantizeQTensor(o: Oracle, v: BigInt64Array, multiplier: Int, shift: Int, z: Int): Int8Array {
  o.arena();
  const pv = o.putI64(v);
  const py = o.alloc(v.length);
  o.call('quantizeQTensor', pv, v.length, BigInt(multiplier), BigInt(shift), BigInt(z), py);
  return o.viewI8(py, v.length).slice();
}
