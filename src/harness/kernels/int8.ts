/**
 * Typed wrappers of the oracle's scalar int8-mode ops (assembly/tensor/Int8Math.ts, docs/numerics.md
 * §4.3–§4.4). Arguments are bigints so out-of-range values reach the oracle's own validation: a bad
 * argument throws an `OracleError` whose `errorName` is the Solidity error the EVM reverts with.
 */
import type { Oracle } from '../oracle.ts';

/** `sat8(zOut + rshiftRound(acc·multiplier, shift))` — numerics §4.3. */
export function requantize(o: Oracle, acc: bigint, multiplier: bigint, shift: bigint, zOut: bigint): bigint {
  return o.call<bigint>('requantize', acc, multiplier, shift, zOut);
}

/** `sat8(zo + rshiftRound((a − za)·ma + (b − zb)·mb, shift))` — numerics §4.4. */
export function addI8(o: Oracle, a: bigint, za: bigint, ma: bigint, b: bigint, zb: bigint, mb: bigint, shift: bigint, zo: bigint): bigint {
  return o.call<bigint>('addI8', a, za, ma, b, zb, mb, shift, zo);
}

/** `requantize((a − za)·(b − zb), multiplier, shift, zo)` — numerics §4.4. */
export function mulI8(o: Oracle, a: bigint, za: bigint, b: bigint, zb: bigint, multiplier: bigint, shift: bigint, zo: bigint): bigint {
  return o.call<bigint>('mulI8', a, za, b, zb, multiplier, shift, zo);
}

/** `min(max(x, lo), hi)` — numerics §4.4. */
export function clampI8(o: Oracle, x: bigint, lo: bigint, hi: bigint): bigint {
  return o.call<bigint>('clampI8', x, lo, hi);
}

/** `sat64((x − z)·scaleQ)`, a Q32.32 value — numerics §4.4. */
export function dequantizeI8(o: Oracle, x: bigint, z: bigint, scaleQ: bigint): bigint {
  return o.call<bigint>('dequantizeI8', x, z, scaleQ);
}

/** `requantize(v, multiplier, shift, z)` for a Q32.32 value `v` — numerics §4.4. */
export function quantizeQ(o: Oracle, v: bigint, multiplier: bigint, shift: bigint, z: bigint): bigint {
  return o.call<bigint>('quantizeQ', v, multiplier, shift, z);
}
