/**
 * Typed wrappers of the oracle's pooling kernels (assembly/tensor/Pool.ts, docs/numerics.md §5).
 *
 * Input `x[H][W][C]` (HWC, batch 1), window `ph×pw` (Keras `pool_size`), strides `(sh, sw)` (Keras
 * `strides` — a separate parameter), padding 'valid'/'same'. Output `y[Ho][Wo][C]`. Padded positions
 * are ignored (max: −∞; average: excluded from the sum and the count).
 */
import type { Oracle } from '../oracle.ts';
import { paddingCode, windowOutputCount, type Padding } from './conv.ts';

export interface Pool2dShape {
  H: number;
  W: number;
  C: number;
  ph: number;
  pw: number;
  sh: number;
  sw: number;
  padding: Padding | number;
}

/** The shape as the harness contracts take it (ABI tuple `Pool2dShape`, uint256 fields). */
export function pool2dShapeArg(s: Pool2dShape): Record<keyof Pool2dShape, bigint> {
  return {
    H: BigInt(s.H),
    W: BigInt(s.W),
    C: BigInt(s.C),
    ph: BigInt(s.ph),
    pw: BigInt(s.pw),
    sh: BigInt(s.sh),
    sw: BigInt(s.sw),
    padding: BigInt(paddingCode(s.padding)),
  };
}

export type PoolOp = 'maxPool2dQ' | 'maxPool2dI8' | 'avgPool2dQ' | 'avgPool2dI8';

function shapeArgs(s: Pool2dShape): bigint[] {
  return [s.H, s.W, s.C, s.ph, s.pw, s.sh, s.sw, paddingCode(s.padding)].map((v) => BigInt(v));
}

function runQ(o: Oracle, op: PoolOp, x: ArrayLike<bigint>, s: Pool2dShape): BigInt64Array {
  o.arena();
  const n = windowOutputCount(o, s.H, s.W, s.C, s.ph, s.pw, s.sh, s.sw, s.padding);
  const px = o.putI64(x);
  const out = o.alloc(n * 8);
  o.call(op, px, BigInt(x.length), ...shapeArgs(s), out);
  return o.viewI64(out, n).slice();
}

function runI8(o: Oracle, op: PoolOp, x: ArrayLike<number>, s: Pool2dShape): Int8Array {
  o.arena();
  const n = windowOutputCount(o, s.H, s.W, s.C, s.ph, s.pw, s.sh, s.sw, s.padding);
  const px = o.putI8(x);
  const out = o.alloc(n);
  o.call(op, px, BigInt(x.length), ...shapeArgs(s), out);
  return o.viewI8(out, n).slice();
}

/** Max pooling of a q tensor (int64 values). */
export function maxPool2dQ(o: Oracle, x: ArrayLike<bigint>, s: Pool2dShape): BigInt64Array {
  return runQ(o, 'maxPool2dQ', x, s);
}
/** Average pooling of a q tensor: divRound(Σ valid, count). */
export function avgPool2dQ(o: Oracle, x: ArrayLike<bigint>, s: Pool2dShape): BigInt64Array {
  return runQ(o, 'avgPool2dQ', x, s);
}
/** Max pooling of an int8 tensor (raw values). */
export function maxPool2dI8(o: Oracle, x: ArrayLike<number>, s: Pool2dShape): Int8Array {
  return runI8(o, 'maxPool2dI8', x, s);
}
/** Average pooling of an int8 tensor (raw values): divRound(Σ valid, count). */
export function avgPool2dI8(o: Oracle, x: ArrayLike<number>, s: Pool2dShape): Int8Array {
  return runI8(o, 'avgPool2dI8', x, s);
}
