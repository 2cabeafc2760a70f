/**
 * Typed wrappers over the oracle's `q`-mode scalar math (assembly/tensor/QMath.ts, docs/numerics.md §3).
 *
 * Values are Q(63−F).F integers as bigints (Q32.32 for the nonlinear functions); `F` is the number of
 * fractional bits (0 ≤ F ≤ 62). Domain errors throw `OracleError` whose `errorName` is the Solidity
 * custom error the EVM reverts with (numerics §2).
 */
import type { Oracle } from '../oracle.ts';

/** Default fractional bits of `q` mode (Q32.32). */
export const Q_F = 32;
/** 1.0 in Q32.32. */
export const Q_ONE = 1n << 32n;
export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
/** −32.0 in Q32.32: below it qExp returns 0. */
export const EXP_MIN = -32n << 32n;
/** 22.0 in Q32.32: above it qExp saturates to INT64_MAX. */
export const EXP_MAX = 22n << 32n;

// §3.1 linear ops

export const qAdd = (oracle: Oracle, a: bigint, b: bigint): bigint => oracle.call<bigint>('qAdd', a, b);
export const qSub = (oracle: Oracle, a: bigint, b: bigint): bigint => oracle.call<bigint>('qSub', a, b);
export const qMul = (oracle: Oracle, a: bigint, b: bigint, F = Q_F): bigint => oracle.call<bigint>('qMul', a, b, F);
export const qDiv = (oracle: Oracle, a: bigint, b: bigint, F = Q_F): bigint => oracle.call<bigint>('qDiv', a, b, F);
export const qRescale = (oracle: Oracle, a: bigint, F1: number, F2: number): bigint =>
  oracle.call<bigint>('qRescale', a, F1, F2);
export const qClamp = (oracle: Oracle, a: bigint, lo: bigint, hi: bigint): bigint => oracle.call<bigint>('qClamp', a, lo, hi);

// §3.2 nonlinear functions (Q32.32 → Q32.32)

export const qExp = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qExp', x);
export const qLog = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qLog', x);
export const qSqrt = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qSqrt', x);
export const qRecip = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qRecip', x);
export const qSigmoid = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qSigmoid', x);
export const qTanh = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qTanh', x);
export const qErf = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qErf', x);
export const qGelu = (oracle: Oracle, x: bigint): bigint => oracle.call<bigint>('qGelu', x);

/** The unary nonlinear functions by name (for sweeps and benchmarks). */
export const Q_UNARY = {
  qExp,
  qLog,
  qSqrt,
  qRecip,
  qSigmoid,
  qTanh,
  qErf,
  qGelu,
} as const satisfies Record<string, (oracle: Oracle, x: bigint) => bigint>;
export type QUnaryName = keyof typeof Q_UNARY;

// numerics §1 rounding primitives as the oracle exports them

export const rshiftRound = (oracle: Oracle, v: bigint, s: number): bigint => oracle.call<bigint>('rshiftRound', v, s);
export const divRound = (oracle: Oracle, n: bigint, d: bigint): bigint => oracle.call<bigint>('divRound', n, d);
export const mulShiftRound = (oracle: Oracle, a: bigint, b: bigint, s: number): bigint =>
  oracle.call<bigint>('mulShiftRound', a, b, s);
export const sat8 = (oracle: Oracle, v: bigint): bigint => oracle.call<bigint>('sat8', v);
/** sat64 of a 128-bit value (the oracle takes it as high and low words). Requires −2^127 ≤ v < 2^127. */
export const sat64 = (oracle: Oracle, v: bigint): bigint =>
  oracle.call<bigint>('sat64From128', BigInt.asIntN(64, v >> 64n), BigInt.asUintN(64, v));
