/**
 * Typed wrappers of the oracle's convolution kernels (assembly/tensor/Conv.ts, docs/numerics.md §5).
 *
 * Layouts are row-major, batch 1: input `x[H][W][Cin]`, kernel `k[kh][kw][Cin][Cout]` (Keras), output
 * `y[Ho][Wo][Cout]`. q tensors are int64 (bigint) arrays, int8 tensors number arrays. Failures surface
 * as `OracleError` with the Solidity error name (`InvalidShape` codes are listed in Conv.sol).
 */
import type { Oracle } from '../oracle.ts';

export type Padding = 'valid' | 'same';

/** Shape of a 2-D convolution. `padding` may also be a raw mode number (0 valid, 1 same, other → InvalidShape(4)). */
export interface Conv2dShape {
  H: number;
  W: number;
  Cin: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: Padding | number;
}

export function paddingCode(p: Padding | number): number {
  return p === 'valid' ? 0 : p === 'same' ? 1 : p;
}

/** The shape as the harness contracts take it (ABI tuple `Conv2dShape`, uint256 fields). */
export function conv2dShapeArg(s: Conv2dShape): Record<keyof Conv2dShape, bigint> {
  return {
    H: BigInt(s.H),
    W: BigInt(s.W),
    Cin: BigInt(s.Cin),
    Cout: BigInt(s.Cout),
    kh: BigInt(s.kh),
    kw: BigInt(s.kw),
    sh: BigInt(s.sh),
    sw: BigInt(s.sw),
    padding: BigInt(paddingCode(s.padding)),
  };
}

/** Output length of one axis (numerics §5), or −1 when the arguments are invalid (oracle `conv2dOutDim`). */
export function conv2dOutDim(o: Oracle, n: number, k: number, s: number, padding: Padding | number): number {
  return Number(o.call<bigint>('conv2dOutDim', BigInt(n), BigInt(k), BigInt(s), BigInt(paddingCode(padding))));
}

/** Element count of a window op's output (`Ho·Wo·C`), or 1 when the shape is invalid (the kernel then throws first). */
export function windowOutputCount(o: Oracle, H: number, W: number, C: number, kh: number, kw: number, sh: number, sw: number, padding: Padding | number): number {
  const ho = conv2dOutDim(o, H, kh, sh, padding);
  const wo = conv2dOutDim(o, W, kw, sw, padding);
  if (ho < 0 || wo < 0 || !Number.isSafeInteger(C) || C <= 0) return 1;
  const n = ho * wo * C;
  if (n > 1 << 27) throw new RangeError(`window op output of ${n} elements is too large for the oracle harness`);
  return Math.max(n, 1);
}

const big = (v: number | bigint): bigint => BigInt(v);

function convArgs(s: Conv2dShape): bigint[] {
  return [s.kh, s.kw, s.sh, s.sw, paddingCode(s.padding)].map(big);
}

/**
 * q-mode conv2d: `sat64(rshiftRound(Σ x·k, F) + bias)` per output (numerics §3, §5).
 * `x` H·W·Cin, `kernel` kh·kw·Cin·Cout, `bias` Cout int64 values; returns Ho·Wo·Cout int64.
 */
export function conv2dQ(o: Oracle, x: ArrayLike<bigint>, kernel: ArrayLike<bigint>, bias: ArrayLike<bigint>, s: Conv2dShape, F: number): BigInt64Array {
  o.arena();
  const n = windowOutputCount(o, s.H, s.W, s.Cout, s.kh, s.kw, s.sh, s.sw, s.padding);
  const px = o.putI64(x);
  const pk = o.putI64(kernel);
  const pb = o.putI64(bias);
  const out = o.alloc(n * 8);
  o.call('conv2dQ', px, big(x.length), big(s.H), big(s.W), big(s.Cin), pk, big(kernel.length), pb, big(bias.length), big(s.Cout), ...convArgs(s), big(F), out);
  return o.viewI64(out, n).slice();
}

/**
 * int8 conv2d accumulators (numerics §4.1, §5): `bias + Σ (x − zx)·k`, padding = zx.
 * `kernel` row-major int8 (kh·kw·Cin·Cout), `bias` int32; returns Ho·Wo·Cout int64.
 */
export function conv2dI8(o: Oracle, x: ArrayLike<number>, zx: number, kernel: ArrayLike<number>, bias: ArrayLike<number>, s: Conv2dShape): BigInt64Array {
  o.arena();
  const n = windowOutputCount(o, s.H, s.W, s.Cout, s.kh, s.kw, s.sh, s.sw, s.padding);
  const px = o.putI8(x);
  const pk = o.putI8(kernel);
  const pb = o.putI32(bias);
  const out = o.alloc(n * 8);
  o.call('conv2dI8', px, big(x.length), big(zx), big(s.H), big(s.W), big(s.Cin), pk, big(kernel.length), pb, big(bias.length), big(s.Cout), ...convArgs(s), out);
  return o.viewI64(out, n).slice();
}

/**
 * Fused int8 conv2d + per-channel requantization (numerics §4.3): int8 output Ho·Wo·Cout.
 * `M`, `shift` one entry per output channel.
 */
export function conv2dI8Requant(
  o: Oracle,
  x: ArrayLike<number>,
  zx: number,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  s: Conv2dShape,
  M: ArrayLike<number | bigint>,
  shift: ArrayLike<number | bigint>,
  zOut: number,
): Int8Array {
  o.arena();
  const n = windowOutputCount(o, s.H, s.W, s.Cout, s.kh, s.kw, s.sh, s.sw, s.padding);
  const px = o.putI8(x);
  const pk = o.putI8(kernel);
  const pb = o.putI32(bias);
  const pm = o.putI64(Array.from(M, big));
  const ps = o.putI64(Array.from(shift, big));
  const out = o.alloc(n);
  o.call(
    'conv2dI8Requant',
    px, big(x.length), big(zx), big(s.H), big(s.W), big(s.Cin), pk, big(kernel.length), pb, big(bias.length), big(s.Cout),
    ...convArgs(s), pm, big(M.length), ps, big(shift.length), big(zOut), out,
  );
  return o.viewI8(out, n).slice();
}
