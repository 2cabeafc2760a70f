// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "./Q64.sol";
import {Rounding} from "./Rounding.sol";
import {DivisionByZero, LogOfNonPositive, SqrtOfNegative, ValueOutOfRange} from "./Errors.sol";

/// @title QMath — `q`-mode scalar math in Q(63−F).F fixed point (docs/numerics.md §3.1–§3.2).
/// @notice Twin of assembly/tensor/QMath.ts: the same integers out, the same reverts (numerics §2).
///         Saturation (numerics §1) is silent here; the oracle counts it.
/// @dev Fast paths are inline assembly; each has a plain Solidity twin (`…Ref`) built from
///      `Rounding`, and tests/tensor/QMath.fuzz.test.ts proves fast == Ref == oracle.
///      NOTE (assembly): a `Q64` is an int64 whose high stack bits may be dirty, so every assembly block
///      reads its inputs through `signextend(7, ·)` and writes sign-extended (clean) int64 results.
library QMath {
    // ---------------------------------------------------------------------------------------------
    // Constants of numerics §3.2 (exact bit patterns; the human value beside).

    int256 internal constant INT64_MIN = -(2 ** 63);
    int256 internal constant INT64_MAX = 2 ** 63 - 1;
    /// @dev 1.0 in Q32 (2^32).
    int256 internal constant ONE = 4294967296;
    /// @dev 1.0 in Q62 (2^62).
    int256 internal constant ONE62 = 4611686018427387904;
    /// @dev ln 2 in Q32 (2977044471.82 → 2977044472).
    int256 internal constant LN2_Q32 = 2977044472;
    /// @dev ln 2 in Q62 (3196577161300663914.95 → 3196577161300663915).
    int256 internal constant LN2_Q62 = 3196577161300663915;
    /// @dev qExp's reduction constant C = LN2_Q32·2^30 − LN2_Q62 (numerics §3.2 step 2): the part of
    ///      k·LN2_Q32·2^30 that is not k·LN2_Q62.
    int256 internal constant EXP_C = 193733013;
    /// @dev 1/√2 in Q32 (3037000499.976 → 3037000500).
    int256 internal constant INV_SQRT2_Q32 = 3037000500;
    /// @dev −32.0 in Q32: below it qExp returns 0.
    int256 internal constant EXP_MIN = -137438953472;
    /// @dev 22.0 in Q32: above it qExp saturates to INT64_MAX.
    int256 internal constant EXP_MAX = 94489280512;
    /// @dev Abramowitz–Stegun 7.1.26 in Q32.
    int256 internal constant ERF_P = 1406993061; //   0.3275911
    int256 internal constant ERF_A1 = 1094484764; //  0.254829592
    int256 internal constant ERF_A2 = -1221904177; // −0.284496736
    int256 internal constant ERF_A3 = 6104925532; //  1.421413741
    int256 internal constant ERF_A4 = -6241240432; // −1.453152027
    int256 internal constant ERF_A5 = 4558701605; //  1.061405429
    /// @dev Largest F (fractional bits) of numerics §3.1.
    uint256 internal constant MAX_F = 62;

    // ---------------------------------------------------------------------------------------------
    // §3.1 Linear scalar ops.

    /// @notice `sat64(a + b)`. numerics §3.1. Exact unless saturated.
    function qAdd(Q64 a, Q64 b) internal pure returns (Q64 r) {
        assembly ("memory-safe") {
            let s := add(signextend(7, a), signextend(7, b)) // exact: |a + b| < 2^64
            // Equivalent to: s > INT64_MAX ? INT64_MAX : s < INT64_MIN ? INT64_MIN : s.
            // s fits int64 iff it equals its own sign extension from bit 63; when it does not,
            // sar(255, s) is 0 (overflow up → INT64_MAX) or −1 (down → ~INT64_MAX = INT64_MIN).
            if iszero(eq(s, signextend(7, s))) { s := xor(0x7fffffffffffffff, sar(255, s)) }
            r := s
        }
    }

    /// @notice `sat64(a − b)`. numerics §3.1. Exact unless saturated.
    function qSub(Q64 a, Q64 b) internal pure returns (Q64 r) {
        assembly ("memory-safe") {
            let s := sub(signextend(7, a), signextend(7, b)) // exact: |a − b| < 2^64
            if iszero(eq(s, signextend(7, s))) { s := xor(0x7fffffffffffffff, sar(255, s)) } // sat64, as qAdd
            r := s
        }
    }

    /// @notice `sat64(rshiftRound(a·b, F))`: the product of two Q(63−F).F values, correctly rounded (RHAZ).
    /// @dev numerics §3.1. Requirements: F ≤ 62, else `ValueOutOfRange(F)`.
    function qMul(Q64 a, Q64 b, uint256 F) internal pure returns (Q64 r) {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        assembly ("memory-safe") {
            let p := mul(signextend(7, a), signextend(7, b)) // exact: |a·b| ≤ 2^126
            // Equivalent to Rounding.rshiftRound(p, F): sar(F, p + bias) with bias = 2^(F−1) (p ≥ 0),
            // 2^(F−1) − 1 (p < 0), and 0 for F = 0 — all three are (2^F − [p < 0]) >> 1.
            p := sar(F, add(p, shr(1, sub(shl(F, 1), slt(p, 0)))))
            if iszero(eq(p, signextend(7, p))) { p := xor(0x7fffffffffffffff, sar(255, p)) } // sat64
            r := p
        }
    }

    /// @notice `sat64(divRound(a·2^F, b))`: the quotient of two Q(63−F).F values, correctly rounded (RHAZ).
    /// @dev numerics §3.1. Requirements: F ≤ 62 (else `ValueOutOfRange(F)`, checked first); b ≠ 0 (else
    ///      `DivisionByZero()`).
    function qDiv(Q64 a, Q64 b, uint256 F) internal pure returns (Q64 r) {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        if (Q64.unwrap(b) == 0) revert DivisionByZero();
        assembly ("memory-safe") {
            let n := shl(F, signextend(7, a)) // a·2^F, exact two's complement: |a·2^F| ≤ 2^125
            let d := signextend(7, b)
            // Equivalent to Rounding.divRound(n, d) (non-zero d): q = |n| / |d|, rem = |n| mod |d|,
            // q += (2·rem ≥ |d|), sign(n)·sign(d)·q. Branch-free |v| = (v ^ m) − m with m = v >> 255.
            let mn := sar(255, n)
            let md := sar(255, d)
            let an := sub(xor(n, mn), mn)
            let ad := sub(xor(d, md), md)
            let rem := mod(an, ad)
            let q := add(div(an, ad), iszero(lt(rem, sub(ad, rem)))) // rem ≥ |d| − rem ⇔ 2·rem ≥ |d|
            // negate when the signs differ: (q ^ m) − m with m = mn ^ md ∈ {0, −1}
            let m := xor(mn, md)
            q := sub(xor(q, m), m)
            if iszero(eq(q, signextend(7, q))) { q := xor(0x7fffffffffffffff, sar(255, q)) } // sat64
            r := q
        }
    }

    /// @notice Convert between fractional widths: F2 ≥ F1 → `sat64(a·2^(F2−F1))`, else `rshiftRound(a, F1−F2)`.
    /// @dev numerics §3.1. Requirements: F1 ≤ 62 then F2 ≤ 62, else `ValueOutOfRange(F)`. Exact unless
    ///      saturated; narrowing is correctly rounded and never saturates.
    function qRescale(Q64 a, uint256 F1, uint256 F2) internal pure returns (Q64 r) {
        if (F1 > MAX_F) revert ValueOutOfRange(int256(F1));
        if (F2 > MAX_F) revert ValueOutOfRange(int256(F2));
        assembly ("memory-safe") {
            let v := signextend(7, a)
            switch lt(F2, F1)
            case 0 {
                // Equivalent to sat64(a·2^(F2−F1)): |a·2^62| < 2^125, so the shift is exact in 256 bits.
                v := shl(sub(F2, F1), v)
                if iszero(eq(v, signextend(7, v))) { v := xor(0x7fffffffffffffff, sar(255, v)) }
            }
            default {
                // Equivalent to Rounding.rshiftRound(a, s), s = F1 − F2 ≥ 1 (bias as in qMul)
                let s := sub(F1, F2)
                v := sar(s, add(v, shr(1, sub(shl(s, 1), slt(v, 0)))))
            }
            r := v
        }
    }

    /// @notice `min(max(a, lo), hi)`. numerics §3.1. Requirements: lo ≤ hi, else `ValueOutOfRange(lo)`.
    function qClamp(Q64 a, Q64 lo, Q64 hi) internal pure returns (Q64 r) {
        if (Q64.unwrap(lo) > Q64.unwrap(hi)) revert ValueOutOfRange(Q64.unwrap(lo));
        assembly ("memory-safe") {
            let v := signextend(7, a)
            let l := signextend(7, lo)
            let h := signextend(7, hi)
            if slt(v, l) { v := l }
            if sgt(v, h) { v := h }
            r := v
        }
    }

    // ---------------------------------------------------------------------------------------------
    // §3.2 Nonlinear functions (Q32.32 → Q32.32).

    /// @notice e^x in Q32.32, numerics §3.2 `qExp`: reduction x·2^30 = k·LN2_Q62 + r62 exact in Q62, an
    ///         18-term Horner Taylor series of e^(r62/2^62) in Q62, then a rounding shift by 30 − k.
    /// @dev Domain: every int64. x < EXP_MIN (−32) → 0; x > EXP_MAX (22) or k = 31 (x ≥ 31·LN2_Q32 − 5,
    ///      where e^x > 2^31) → INT64_MAX (saturation). Error bound numerics §6: ≤ 1 + e^x·2^-20 ulps;
    ///      measured (tests/tensor/QMath.test.ts, vs a 192-bit reference) ≤ 0.5 ulp + e^x·2^-61.3 (relative
    ///      error of the Q62 series), i.e. ≤ 3.73 ulps overall (near x = 21.5) and ≤ 0.50 ulp for x ≤ 0.
    function qExp(Q64 x) internal pure returns (Q64 r) {
        assembly ("memory-safe") {
            let xv := signextend(7, x)
            // Steps 1 and 4's saturation up front. Out of range: x < EXP_MIN → 0; k = 31 → INT64_MAX.
            // k = floor(x·2^30 / LN2_Q62) = 31 ⇔ x·2^30 ≥ 31·LN2_Q62 ⇔ x ≥ 31·LN2_Q32 − 5 (31·LN2_Q62 / 2^30 =
            // 31·LN2_Q32 − 31·EXP_C / 2^30 = 31·LN2_Q32 − 5.59), which also covers every x > EXP_MAX; its
            // step 4 is sat64(t·2) = INT64_MAX (t ≥ ONE62), so no later branch is needed.
            // Equivalent to: r = x > 0 ? INT64_MAX : 0 (0x7fff…ff masked by −(x > 0)).
            r := and(0x7fffffffffffffff, sub(0, sgt(xv, 0)))
            // In range ⇔ 0 ≤ x − EXP_MIN < (31·LN2_Q32 − 5) − EXP_MIN = 229727332099 (a negative difference
            // wraps to a huge unsigned value, so one unsigned compare does both sides).
            if lt(add(xv, 137438953472), 229727332099) {
                // Step 2. Equivalent to the spec's k = floor(x / LN2_Q32), r62 = (x − k·LN2_Q32)·2^30 + k·EXP_C
                // and its two ±LN2_Q62 corrections: they end with the unique (k, r62) such that
                // r62 = x·2^30 − k·LN2_Q62 ∈ [0, LN2_Q62), i.e. k = floor(x·2^30 / LN2_Q62) and
                // r62 = x·2^30 mod LN2_Q62, computed here directly in 256 bits (qExpRef does the spec's steps;
                // tests prove fast == Ref). xo = x·2^30 + 47·LN2_Q62 ≥ 0 for x ≥ EXP_MIN (−32·2^62 + 47·ln2·2^62
                // > 0; shl of a negative x wraps mod 2^256 and the add brings it back), so unsigned div/mod
                // are floor division: k = xo / LN2_Q62 − 47 ∈ [−47, 30] here.
                let xo := add(shl(30, xv), 150239126581131204005) // 47·LN2_Q62
                let r62 := mod(xo, 3196577161300663915) // 0 ≤ r62 < LN2_Q62 < 2^62
                // Step 3. t = ONE62 + divRound(mulShiftRound(r62, t, 62), i) for i = 18 … 1, each step fused
                // into one exact division. With every operand non-negative:
                //   mulShiftRound(r62, t, 62) = m = floor((r62·t + 2^61) / 2^62)
                //   divRound(m, i)            = floor((m + floor(i/2)) / i)      (RHAZ of m/i for m ≥ 0)
                //   ONE62 + floor(z / i)      = floor((z + i·2^62) / i)
                // and floor(floor(w / 2^62) / i) = floor(w / (i·2^62)), so the step is exactly
                //   t = (r62·t + D_i) / E_i  with  D_i = i·2^124 + floor(i/2)·2^62 + 2^61,  E_i = i·2^62
                // (r62·t < 2^125 and D_i < 2^129: no overflow). tests: fast == qExpRef (the literal steps).
                let t := div(add(shl(62, r62), 0x120000000000000026000000000000000), 0x48000000000000000) // i = 18: r62·ONE62 = r62 << 62
                t := div(add(mul(r62, t), 0x110000000000000022000000000000000), 0x44000000000000000) // i = 17
                t := div(add(mul(r62, t), 0x100000000000000022000000000000000), 0x40000000000000000) // i = 16
                t := div(add(mul(r62, t), 0xf000000000000001e000000000000000), 0x3c000000000000000) // i = 15
                t := div(add(mul(r62, t), 0xe000000000000001e000000000000000), 0x38000000000000000) // i = 14
                t := div(add(mul(r62, t), 0xd000000000000001a000000000000000), 0x34000000000000000) // i = 13
                t := div(add(mul(r62, t), 0xc000000000000001a000000000000000), 0x30000000000000000) // i = 12
                t := div(add(mul(r62, t), 0xb0000000000000016000000000000000), 0x2c000000000000000) // i = 11
                t := div(add(mul(r62, t), 0xa0000000000000016000000000000000), 0x28000000000000000) // i = 10
                t := div(add(mul(r62, t), 0x90000000000000012000000000000000), 0x24000000000000000) // i = 9
                t := div(add(mul(r62, t), 0x80000000000000012000000000000000), 0x20000000000000000) // i = 8
                t := div(add(mul(r62, t), 0x7000000000000000e000000000000000), 0x1c000000000000000) // i = 7
                t := div(add(mul(r62, t), 0x6000000000000000e000000000000000), 0x18000000000000000) // i = 6
                t := div(add(mul(r62, t), 0x5000000000000000a000000000000000), 0x14000000000000000) // i = 5
                t := div(add(mul(r62, t), 0x4000000000000000a000000000000000), 0x10000000000000000) // i = 4
                t := div(add(mul(r62, t), 0x30000000000000006000000000000000), 0xc000000000000000) // i = 3
                t := div(add(mul(r62, t), 0x20000000000000006000000000000000), 0x8000000000000000) // i = 2
                t := div(add(mul(r62, t), 0x10000000000000002000000000000000), 0x4000000000000000) // i = 1
                // Step 4. s = 30 − k = 77 − xo / LN2_Q62 ∈ [0, 77] here (−47 ≤ k ≤ 30);
                // rshiftRound(t, s) = (t + (2^s >> 1)) >> s for t > 0 (the bias is 0 for s = 0; s = 0 returns
                // t ≤ 2^63 − 2, see qExpRef, which fits int64).
                let s := sub(77, div(xo, 3196577161300663915))
                r := shr(s, add(t, shr(1, shl(s, 1))))
            }
        }
    }

    /// @notice ln x in Q32.32, numerics §3.2 `qLog`: log2 by 32 repeated squarings in Q61, times ln 2.
    /// @dev Requirements: x > 0, else `LogOfNonPositive(x)`. Never saturates. Measured error ≤ 1.19 ulps.
    function qLog(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        if (xv <= 0) revert LogOfNonPositive(xv);
        assembly ("memory-safe") {
            let v := signextend(7, xv) // 0 < v < 2^63
            // Step 1. n = msb(v) by binary search (0 ≤ n ≤ 62).
            let n := shl(5, gt(v, 0xffffffff))
            n := or(n, shl(4, gt(shr(n, v), 0xffff)))
            n := or(n, shl(3, gt(shr(n, v), 0xff)))
            n := or(n, shl(2, gt(shr(n, v), 0xf)))
            n := or(n, shl(1, gt(shr(n, v), 0x3)))
            n := or(n, gt(shr(n, v), 0x1))
            // Step 2. y = v·2^(61−n) for n ≤ 61, floor(v/2) for n = 62; y ∈ [2^61, 2^62).
            let y := shr(1, shl(sub(62, n), v))
            // Step 3. For i = 1 … 32 (one line each, identical; unrolled because a loop costs ~250 gas more):
            //   y = mulShiftRound(y, y, 61) = (y² + 2^60) >> 61 ∈ [2^61, 2^63)   (y² < 2^124)
            //   b = (y ≥ 2^62) = y >> 62;  f += b·2^(32−i), accumulated MSB first as f = 2f + b;  y = y >> b.
            let f := 0
            let b := 0
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 1
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 2
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 3
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 4
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 5
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 6
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 7
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 8
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 9
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 10
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 11
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 12
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 13
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 14
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 15
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 16
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 17
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 18
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 19
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 20
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 21
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 22
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 23
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 24
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 25
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 26
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 27
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 28
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 29
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 30
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 31
            y := shr(61, add(mul(y, y), 0x1000000000000000)) b := shr(62, y) f := add(add(f, f), b) y := shr(b, y) // i = 32
            // Step 4. l2 = (n − 32)·2^32 + f; result = rshiftRound(l2·LN2_Q62, 62) (|l2·LN2_Q62| < 2^100).
            let p := mul(add(shl(32, sub(n, 32)), f), 3196577161300663915)
            r := sar(62, add(p, sub(0x2000000000000000, slt(p, 0))))
        }
    }

    /// @notice √x in Q32.32: exactly RHAZ(√(x·2^32)) (correctly rounded). numerics §3.2 `qSqrt`.
    /// @dev Requirements: x ≥ 0, else `SqrtOfNegative(x)`. Newton's method on v = x·2^32 < 2^95 from a
    ///      power-of-two estimate within a factor 2 of √v: six steps leave a relative error < 1e-30, so
    ///      the iterate is floor(√v) or floor(√v) + 1; the last step picks the floor.
    function qSqrt(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        if (xv < 0) revert SqrtOfNegative(xv);
        assembly ("memory-safe") {
            let v := shl(32, signextend(7, xv)) // 0 ≤ v < 2^95
            if v {
                // bit length of v is msb(xv) + 33; z = 2^ceil(bitlen / 2) ∈ [√v, 2√v)
                let n := shl(5, gt(xv, 0xffffffff))
                n := or(n, shl(4, gt(shr(n, xv), 0xffff)))
                n := or(n, shl(3, gt(shr(n, xv), 0xff)))
                n := or(n, shl(2, gt(shr(n, xv), 0xf)))
                n := or(n, shl(1, gt(shr(n, xv), 0x3)))
                n := or(n, gt(shr(n, xv), 0x1))
                let z := shl(shr(1, add(n, 34)), 1)
                // Equivalent to z = (z + v / z) / 2, six times. Relative error of the real Newton iterate
                // (an upper bound for the floored one): 1 → .25 → .025 → 3e-4 → 5e-8 → 1e-15 → 6e-31.
                z := shr(1, add(z, div(v, z)))
                z := shr(1, add(z, div(v, z)))
                z := shr(1, add(z, div(v, z)))
                z := shr(1, add(z, div(v, z)))
                z := shr(1, add(z, div(v, z)))
                z := shr(1, add(z, div(v, z)))
                z := sub(z, lt(div(v, z), z)) // z ∈ {f, f + 1} → f = floor(√v)
                // RHAZ: f + 1 if v − f² > f (√v ≥ f + 1/2 ⇔ v ≥ f² + f + 1/4 ⇔ v − f² > f for integers)
                r := add(z, gt(sub(v, mul(z, z)), z))
            }
        }
    }

    /// @notice 1/x in Q32.32 = `qDiv(ONE, x, 32)`. numerics §3.2. Requirements: x ≠ 0 (`DivisionByZero()`).
    function qRecip(Q64 x) internal pure returns (Q64) {
        return qDiv(Q64.wrap(int64(ONE)), x, 32);
    }

    /// @notice σ(x) = 1/(1 + e^−x) in Q32.32, numerics §3.2 `qSigmoid`:
    ///         e = qExp(nabs(x)); s = qDiv(ONE, ONE + e, 32); x ≥ 0 ? s : ONE − s.
    /// @dev Exactly symmetric: σ(x) + σ(−x) = ONE. Never saturates. Measured error ≤ 0.99 ulp.
    function qSigmoid(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        Q64 e;
        // nabs(x): −x cannot overflow for x ≥ 0
        unchecked {
            e = qExp(Q64.wrap(xv < 0 ? xv : -xv));
        }
        assembly ("memory-safe") {
            // d = ONE + e ∈ [ONE, 2·ONE] (0 ≤ e ≤ ONE). Equivalent to qDiv(ONE, d, 32) = divRound(2^64, d)
            // = (2·2^64 + d) / 2d for a positive quotient; s ∈ [ONE/2, ONE]: no saturation.
            let d := add(0x100000000, signextend(7, e))
            let s := div(add(0x20000000000000000, d), add(d, d))
            if slt(signextend(7, xv), 0) { s := sub(0x100000000, s) } // x < 0: ONE − s
            r := s
        }
    }

    /// @notice tanh(x) in Q32.32, numerics §3.2 `qTanh`:
    ///         e = qExp(sat64(2·nabs(x))); t = qDiv(ONE − e, ONE + e, 32); x ≥ 0 ? t : −t.
    /// @dev Exactly odd. Never saturates its result. Measured error ≤ 1.49 ulps.
    function qTanh(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        Q64 m;
        assembly ("memory-safe") {
            let v := signextend(7, xv)
            let n := v
            if sgt(v, 0) { n := sub(0, v) } // nabs(x)
            n := add(n, n) // 2·nabs(x) ∈ [−2^64, 0]
            // sat64: clamps only for |x| > 2^62; INT64_MIN = not(INT64_MAX)
            if slt(n, not(0x7fffffffffffffff)) { n := not(0x7fffffffffffffff) }
            m := n
        }
        Q64 e = qExp(m);
        assembly ("memory-safe") {
            let ev := signextend(7, e) // 0 ≤ e ≤ ONE
            let d := add(0x100000000, ev)
            // Equivalent to qDiv(ONE − e, d, 32) = divRound((ONE − e)·2^32, d) = (2·(ONE − e)·2^32 + d) / 2d
            // (non-negative numerator, positive divisor; t ∈ [0, ONE]: no saturation).
            let t := div(add(shl(33, sub(0x100000000, ev)), d), add(d, d))
            if slt(signextend(7, xv), 0) { t := sub(0, t) } // x < 0: −t
            r := t
        }
    }

    /// @notice erf(x) in Q32.32, numerics §3.2 `qErf` (Abramowitz–Stegun 7.1.26):
    ///         a = abs64(x); t = qDiv(ONE, qAdd(ONE, qMul(ERF_P, a))); p = t·(A1 + t·(A2 + t·(A3 + t·(A4 + t·A5))));
    ///         e = qExp(−qMul(a, a)); y = qSub(ONE, qMul(p, e)); x < 0 ? −y : y (all products Q32, RHAZ).
    /// @dev Odd for x ≠ 0 (qErf(0) = 4 ulps: A–S 7.1.26 at 0 is 1 − ΣA_i). Of the spec's saturating ops
    ///      only abs64 and qMul(a, a) can clamp (noted inline); the others provably stay in range, so
    ///      they are computed without the clamp (qErfRef, which clamps everywhere, is proven equal by
    ///      the tests). Measured error ≤ 1.39e-7 absolute.
    function qErf(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        int256 p;
        Q64 m;
        assembly ("memory-safe") {
            // RHAZ(u·w / 2^32) for |u·w| < 2^254 (Rounding.rshiftRound with bias 2^31 − [p < 0]).
            function mulQ32(u, w) -> z {
                let q := mul(u, w)
                z := sar(32, add(q, sub(0x80000000, slt(q, 0))))
            }
            let v := signextend(7, xv)
            let a := v
            if slt(v, 0) { a := sub(0, v) }
            if gt(a, 0x7fffffffffffffff) { a := 0x7fffffffffffffff } // abs64(INT64_MIN) = INT64_MAX
            // qMul(ERF_P, a) ≥ 0 is (ERF_P·a + 2^31) >> 32 < 0.33·2^63, so d = ONE + it < 2^63 (qAdd
            // cannot clamp); t = divRound(2^64, d) = (2^65 + d) / 2d ∈ (0, ONE].
            let d := add(0x100000000, shr(32, add(mul(1406993061, a), 0x80000000)))
            let t := div(add(0x20000000000000000, d), add(d, d))
            // Horner: |t| ≤ ONE and |A_i| < 2^33, so every partial sum and product stays below 2^36.
            p := mulQ32(t, 4558701605) //                      t·A5
            p := mulQ32(t, add(sub(0, 6241240432), p)) //      t·(A4 + …)
            p := mulQ32(t, add(6104925532, p)) //              t·(A3 + …)
            p := mulQ32(t, add(sub(0, 1221904177), p)) //      t·(A2 + …)
            p := mulQ32(t, add(1094484764, p)) //              t·(A1 + …)
            // qMul(a, a) = (a² + 2^31) >> 32 (a² < 2^126), clamped to INT64_MAX for a ≳ 2^47.5 (|x| ≳ 46341)
            let aa := shr(32, add(mul(a, a), 0x80000000))
            if gt(aa, 0x7fffffffffffffff) { aa := 0x7fffffffffffffff }
            m := sub(0, aa) // −qMul(a, a) ∈ [−INT64_MAX, 0]
        }
        Q64 e = qExp(m);
        assembly ("memory-safe") {
            // y = ONE − qMul(p, e): |p| ≲ ONE and 0 ≤ e ≤ ONE, nothing clamps.
            let q := mul(p, signextend(7, e))
            let y := sub(0x100000000, sar(32, add(q, sub(0x80000000, slt(q, 0)))))
            if slt(signextend(7, xv), 0) { y := sub(0, y) }
            r := y
        }
    }

    /// @notice GELU(x) = x·(1 + erf(x/√2))/2 in Q32.32 (Keras `gelu`, approximate=False), numerics §3.2:
    ///         g = qErf(qMul(x, INV_SQRT2_Q32, 32)); result sat64(rshiftRound(x·(ONE + g), 33)).
    /// @dev qMul(x, 1/√2) cannot clamp (INV_SQRT2_Q32 < ONE). Measured error ≤ 2^-31 + |x|·6.9e-8.
    function qGelu(Q64 x) internal pure returns (Q64 r) {
        int64 xv = Q64.unwrap(x);
        Q64 xs;
        assembly ("memory-safe") {
            let q := mul(signextend(7, xv), 3037000500) // x·INV_SQRT2_Q32, |q| < 2^95
            xs := sar(32, add(q, sub(0x80000000, slt(q, 0)))) // RHAZ(q / 2^32)
        }
        Q64 g = qErf(xs);
        assembly ("memory-safe") {
            // x·(ONE + g): |x| < 2^63, 0 ≤ ONE + g ≤ 2^33 + small: |q| < 2^97. Rounding as qMul with F = 33.
            let q := mul(signextend(7, xv), add(0x100000000, signextend(7, g)))
            q := sar(33, add(q, sub(0x100000000, slt(q, 0))))
            if iszero(eq(q, signextend(7, q))) { q := xor(0x7fffffffffffffff, sar(255, q)) } // sat64
            r := q
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Plain reference twins of the assembly paths: the living definition, literally numerics §3,
    // built only from Rounding. Tests prove fast == Ref == oracle; nothing on a hot path calls them.

    /// @notice Reference twin of `qAdd`.
    function qAddRef(Q64 a, Q64 b) internal pure returns (Q64) {
        return Q64.wrap(int64(Rounding.sat64(int256(Q64.unwrap(a)) + Q64.unwrap(b))));
    }

    /// @notice Reference twin of `qSub`.
    function qSubRef(Q64 a, Q64 b) internal pure returns (Q64) {
        return Q64.wrap(int64(Rounding.sat64(int256(Q64.unwrap(a)) - Q64.unwrap(b))));
    }

    /// @notice Reference twin of `qMul`.
    function qMulRef(Q64 a, Q64 b, uint256 F) internal pure returns (Q64) {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        int256 p = int256(Q64.unwrap(a)) * Q64.unwrap(b);
        return Q64.wrap(int64(Rounding.sat64(Rounding.rshiftRound(p, F))));
    }

    /// @notice Reference twin of `qDiv`.
    function qDivRef(Q64 a, Q64 b, uint256 F) internal pure returns (Q64) {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        int256 n = int256(Q64.unwrap(a)) * int256(2 ** F);
        return Q64.wrap(int64(Rounding.sat64(Rounding.divRound(n, Q64.unwrap(b)))));
    }

    /// @notice Reference twin of `qRescale`.
    function qRescaleRef(Q64 a, uint256 F1, uint256 F2) internal pure returns (Q64) {
        if (F1 > MAX_F) revert ValueOutOfRange(int256(F1));
        if (F2 > MAX_F) revert ValueOutOfRange(int256(F2));
        int256 v = Q64.unwrap(a);
        if (F2 >= F1) return Q64.wrap(int64(Rounding.sat64(v * int256(2 ** (F2 - F1)))));
        return Q64.wrap(int64(Rounding.rshiftRound(v, F1 - F2)));
    }

    /// @notice Reference twin of `qClamp`.
    function qClampRef(Q64 a, Q64 lo, Q64 hi) internal pure returns (Q64) {
        int64 l = Q64.unwrap(lo);
        int64 h = Q64.unwrap(hi);
        if (l > h) revert ValueOutOfRange(l);
        int64 v = Q64.unwrap(a);
        return Q64.wrap(v < l ? l : v > h ? h : v);
    }

    /// @notice Reference twin of `qExp`: numerics §3.2 steps 1–4 as written.
    /// @dev Ranges (the oracle computes these in int64): k = floor(x / LN2_Q32) ∈ [−47, 31] for
    ///      x ∈ [EXP_MIN, EXP_MAX]; before the corrections r62 ∈ (x − k·LN2_Q32)·2^30 + k·EXP_C ⊂
    ///      [−47·EXP_C, (LN2_Q32 − 1)·2^30 + 31·EXP_C] ⊂ (−2^34, LN2_Q62 + 2^33), so one correction (at most)
    ///      lands in [0, LN2_Q62) and k ends as floor(x·2^30 / LN2_Q62) ∈ [−47, 31] (31 only for
    ///      x ≥ 31·LN2_Q32 − 5; s = 30 − k ∈ [−1, 77]). Horner: every step is non-decreasing in r62, so
    ///      each intermediate is at most its value at r62 = LN2_Q62 − 1, where t peaks at 2^63 − 2
    ///      (the largest mulShiftRound value is 2^62 − 2): all < 2^63 (checked in tests/tensor/QMath.test.ts).
    function qExpRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        if (xv < EXP_MIN) return Q64.wrap(0);
        if (xv > EXP_MAX) return Q64.wrap(type(int64).max);
        int256 k = xv / LN2_Q32; // truncates toward zero …
        if (xv % LN2_Q32 < 0) k -= 1; // … so step down for a negative remainder: floor
        int256 r62 = (xv - k * LN2_Q32) * 2 ** 30 + k * EXP_C; // = x·2^30 − k·LN2_Q62
        if (r62 < 0) {
            r62 += LN2_Q62;
            k -= 1;
        }
        if (r62 >= LN2_Q62) {
            r62 -= LN2_Q62;
            k += 1;
        }
        int256 t = ONE62;
        for (int256 i = 18; i >= 1; --i) {
            t = ONE62 + Rounding.divRound(Rounding.rshiftRound(r62 * t, 62), i);
        }
        int256 s = 30 - k;
        if (s >= 0) return Q64.wrap(int64(Rounding.rshiftRound(t, uint256(s))));
        return Q64.wrap(int64(Rounding.sat64(t * int256(2 ** uint256(-s)))));
    }

    /// @notice Reference twin of `qLog`: numerics §3.2 steps 1–4 as written.
    function qLogRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        if (xv <= 0) revert LogOfNonPositive(xv);
        uint256 n = 0;
        while (int256(2 ** (n + 1)) <= xv) ++n;
        int256 y = n <= 61 ? xv * int256(2 ** (61 - n)) : xv / 2;
        int256 f = 0;
        for (uint256 i = 1; i <= 32; ++i) {
            y = Rounding.rshiftRound(y * y, 61);
            if (y >= 2 ** 62) {
                f += int256(2 ** (32 - i));
                y = y / 2;
            }
        }
        int256 l2 = (int256(n) - 32) * 2 ** 32 + f;
        return Q64.wrap(int64(Rounding.rshiftRound(l2 * LN2_Q62, 62)));
    }

    /// @notice Reference twin of `qSqrt`: RHAZ(√(x·2^32)) with the textbook Babylonian floor square root.
    function qSqrtRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        if (xv < 0) revert SqrtOfNegative(xv);
        uint256 v = uint256(xv) * 2 ** 32;
        uint256 f = v;
        uint256 z = (v + 1) / 2;
        while (z < f) {
            f = z;
            z = (v / z + z) / 2;
        }
        return Q64.wrap(int64(int256(v - f * f > f ? f + 1 : f)));
    }

    /// @notice Reference twin of `qSigmoid` (literal numerics §3.2 with the Ref primitives).
    function qSigmoidRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        Q64 e = qExpRef(Q64.wrap(int64(xv < 0 ? xv : -xv)));
        Q64 one = Q64.wrap(int64(ONE));
        Q64 s = qDivRef(one, Q64.wrap(int64(ONE + Q64.unwrap(e))), 32);
        return xv >= 0 ? s : Q64.wrap(int64(ONE - Q64.unwrap(s)));
    }

    /// @notice Reference twin of `qTanh`.
    function qTanhRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        int256 n = xv < 0 ? xv : -xv;
        Q64 e = qExpRef(Q64.wrap(int64(Rounding.sat64(2 * n))));
        int256 ev = Q64.unwrap(e);
        Q64 t = qDivRef(Q64.wrap(int64(ONE - ev)), Q64.wrap(int64(ONE + ev)), 32);
        return xv >= 0 ? t : Q64.wrap(-Q64.unwrap(t));
    }

    /// @notice Reference twin of `qErf`: every step the saturating q op the spec names.
    function qErfRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        Q64 one = Q64.wrap(int64(ONE));
        Q64 a = Q64.wrap(int64(Rounding.sat64(xv < 0 ? -xv : xv))); // abs64
        Q64 t = qDivRef(one, qAddRef(one, qMulRef(Q64.wrap(int64(ERF_P)), a, 32)), 32);
        Q64 p = qMulRef(t, Q64.wrap(int64(ERF_A5)), 32);
        p = qMulRef(t, qAddRef(Q64.wrap(int64(ERF_A4)), p), 32);
        p = qMulRef(t, qAddRef(Q64.wrap(int64(ERF_A3)), p), 32);
        p = qMulRef(t, qAddRef(Q64.wrap(int64(ERF_A2)), p), 32);
        p = qMulRef(t, qAddRef(Q64.wrap(int64(ERF_A1)), p), 32);
        Q64 e = qExpRef(Q64.wrap(-Q64.unwrap(qMulRef(a, a, 32))));
        Q64 y = qSubRef(one, qMulRef(p, e, 32));
        return xv < 0 ? Q64.wrap(-Q64.unwrap(y)) : y;
    }

    /// @notice Reference twin of `qGelu`.
    function qGeluRef(Q64 x) internal pure returns (Q64) {
        int256 xv = Q64.unwrap(x);
        Q64 g = qErfRef(qMulRef(x, Q64.wrap(int64(INV_SQRT2_Q32)), 32));
        return Q64.wrap(int64(Rounding.sat64(Rounding.rshiftRound(xv * (ONE + Q64.unwrap(g)), 33))));
    }
}
