/**
 * Typed wrappers of the oracle's depthwise convolution kernels (assembly/tensor/DepthwiseConv.ts,
 * docs/numerics.md §5). Layouts are row-major, batch 1: input `x[H][W][C]`, kernel `k[kh][kw][C][mult]`
 * (Keras `depthwise_kernel`), output `y[Ho][Wo][C·mult]` with output channel `c·mult + m`. q tensors are
 * int64 (bigint) arrays, int8 tensors number arrays. Failures surface as `OracleError` with the Solidity
 * error name (codes in contracts/tensor/DepthwiseConv.sol).
 */
import type { Oracle } from '../oracle.ts';
import { paddingCode, windowOutputCount, type Padding } from './conv.ts';

/** Shape of a depthwise 2-D convolution. `padding` may also be a raw mode number (0 valid, 1 same). */
export interface DepthwiseConv2dShape {
  H: number;
  W: number;
  C: number;
  /** Keras `depth_multiplier`. */
  mult: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: Padding | number;
}

/** The shape as the harness contracts take it (ABI tuple `DepthwiseConv2dShape`, uint256 fields). */
export function depthwiseShapeArg(s: DepthwiseConv2dShape): Record<keyof DepthwiseConv2dShape, bigint> {
  return {
    H: BigInt(s.H),
    W: BigInt(s.W),
    C: BigInt(s.C),
    mult: BigInt(s.mult),
    kh: BigInt(s.kh),
    kw: BigInt(s.kw),
    sh: BigInt(s.sh),
    sw: BigInt(s.sw),
    padding: BigInt(paddingCode(s.padding)),
  };
}

const big = (v: number | bigint): bigint => BigInt(v);

function outCount(o: Oracle, s: DepthwiseConv2dShape): number {
  const cout = s.C * s.mult;
  if (!Number.isSafeInteger(cout) || cout <= 0 || cout >= 2 ** 31) return 1;
  return windowOutputCount(o, s.H, s.W, cout, s.kh, s.kw, s.sh, s.sw, s.padding);
}

function tail(s: DepthwiseConv2dShape): bigint[] {
  return [s.kh, s.kw, s.sh, s.sw, paddingCode(s.padding)].map(big);
}

/**
 * q-mode depthwise conv2d: `sat64(rshiftRound(Σ x·k, F) + bias)` per output (numerics §3, §5).
 * `x` H·W·C, `kernel` kh·kw·C·mult, `bias` C·mult int64 values; returns Ho·Wo·C·mult int64.
 */
export function depthwiseConv2dQ(
  o: Oracle,
  x: ArrayLike<bigint>,
  kernel: ArrayLike<bigint>,
  bias: ArrayLike<bigint>,
  s: DepthwiseConv2dShape,
  F: number,
): BigInt64Array {
  o.arena();
  const n = outCount(o, s);
  const px = o.putI64(x);
  const pk = o.putI64(kernel);
  const pb = o.putI64(bias);
  const out = o.alloc(n * 8);
  o.call('depthwiseConv2dQ', px, big(x.length), big(s.H), big(s.W), big(s.C), pk, big(kernel.length), pb, big(bias.length), big(s.mult), ...tail(s), big(F), out);
  return o.viewI64(out, n).slice();
}

/**
 * int8 depthwise conv2d accumulators (numerics §4.1, §5): `bias + Σ (x − zx)·k`, padding = zx.
 * `kernel` int8 kh·kw·C·mult (Keras layout), `bias` int32 per output channel; returns Ho·Wo·C·mult int64.
 */
export function depthwiseConv2dI8(
  o: Oracle,
  x: ArrayLike<number>,
  zx: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  s: DepthwiseConv2dShape,
): BigInt64Array {
  o.arena();
  const n = outCount(o, s);
  const px = o.putI8(x);
  const pk = o.putI8(kernel);
  const pb = o.putI32(bias);
  const out = o.alloc(n * 8);
  o.call('depthwiseConv2dI8', px, big(x.length), big(zx), big(s.H), big(s.W), big(s.C), pk, big(kernel.length), pb, big(bias.length), big(s.mult), ...tail(s), out);
  return o.viewI64(out, n).slice();
}

/** Fused int8 depthwise conv2d + per-channel requantization (numerics §4.3): int8 output Ho·Wo·C·mult. */
export function depthwiseConv2dI8Requant(
  o: Oracle,
  x: ArrayLike<number>,
  zx: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  s: DepthwiseConv2dShape,
  M: ArrayLike<number | bigint>,
  shift: ArrayLike<number | bigint>,
  zOut: number,
): Int8Array {
  o.arena();
  const n = outCount(o, s);
  const px = o.putI8(x);
  const pk = o.putI8(kernel);
  const pb = o.putI32(bias);
  const pm = o.putI64(Array.from(M, big));
  const ps = o.putI64(Array.from(shift, big));
  const out = o.alloc(n);
  o.call(
    'depthwiseConv2dI8Requant',
    px, big(x.length), big(zx), big(s.H), big(s.W), big(s.C), pk, big(kernel.length), pb, big(bias.length), big(s.mult),
    ...tail(s), pm, big(M.length), ps, big(shift.length), big(zOut), out,
  );
  return o.viewI8(out, n).slice();
}
