// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "./Q64.sol";
import {Tensor} from "./Tensor.sol";
import {Int8Math} from "./Int8Math.sol";
import {ValueOutOfRange, ShapeMismatch} from "./Errors.sol";

/// @title Elementwise — elementwise ops over packed tensors in both number modes.
/// @notice q mode (numerics §3.1 applied per element): `addQ`, `subQ`, `mulQ`, `clampQ` over tensors of
///         8-byte big-endian int64 elements. int8 mode (numerics §4.3–§4.4 per element): `addI8Tensor`,
///         `mulI8Tensor`, `clampI8Tensor`, `requantizeTensor` (int64 accumulators → int8, per-channel
///         parameters), and the conversions `dequantizeI8Tensor` (int8 → q) and `quantizeQTensor` (q → int8).
/// @dev Each op equals its scalar definition applied to every element, in index order, with the same
///      rounding (RHAZ) and saturation. Validation order (the oracle, assembly/tensor/Elementwise.ts,
///      follows it): (1) buffer lengths (`ShapeMismatch`, lengths in bytes for `bytes`, entries for
///      arrays); (2) scalar and per-channel parameters in argument order, as the scalar op validates
///      them; (3) EVM only — element values too wide for their type (`ValueOutOfRange`), during the loop.
///      Loops are inline assembly (per element ≈ 40–120 gas); every output buffer is freshly allocated.
library Elementwise {
    /// @dev Largest number of fractional bits of `mulQ` (numerics §3.1).
    uint256 internal constant MAX_F = 62;

    // =========================================================================================
    //                                          q mode
    // =========================================================================================

    /// @notice `y[i] = sat64(a[i] + b[i])` (numerics §3.1 `qAdd`).
    /// @dev Requirements: `a.length == b.length` (else `ShapeMismatch(a.length, b.length)`), a multiple of 8
    ///      (else `ShapeMismatch`). Exact unless saturated.
    function addQ(bytes memory a, bytes memory b) internal pure returns (bytes memory y) {
        y = _binaryQ(a, b, 0, 0);
    }

    /// @notice `y[i] = sat64(a[i] − b[i])` (numerics §3.1 `qSub`). Requirements as `addQ`.
    function subQ(bytes memory a, bytes memory b) internal pure returns (bytes memory y) {
        y = _binaryQ(a, b, 1, 0);
    }

    /// @notice `y[i] = sat64(rshiftRound(a[i]·b[i], F))` (numerics §3.1 `qMul`): correctly rounded.
    /// @dev Requirements as `addQ`, then `F ≤ 62` (else `ValueOutOfRange(F)`).
    function mulQ(bytes memory a, bytes memory b, uint256 F) internal pure returns (bytes memory y) {
        Tensor.requireLength(a.length, b.length);
        Tensor.lengthQ(a);
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        y = _binaryQ(a, b, 2, F);
    }

    /// @notice `y[i] = min(max(x[i], lo), hi)` (numerics §3.1 `qClamp`).
    /// @dev Requirements: `x.length` a multiple of 8 (else `ShapeMismatch`), `lo ≤ hi` (else
    ///      `ValueOutOfRange(lo)`). Exact.
    function clampQ(bytes memory x, Q64 lo, Q64 hi) internal pure returns (bytes memory y) {
        uint256 n = Tensor.lengthQ(x);
        if (Q64.unwrap(lo) > Q64.unwrap(hi)) revert ValueOutOfRange(Q64.unwrap(lo));
        y = Tensor.allocQ(n);
        int256 l = Q64.unwrap(lo);
        int256 h = Q64.unwrap(hi);
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(x, 0x20)
            let yp := add(y, 0x20)
            for { let end := add(xp, shl(3, n)) } lt(xp, end) { xp := add(xp, 8) } {
                let v := sar(192, mload(xp))
                if slt(v, l) { v := l }
                if sgt(v, h) { v := h }
                // Whole-word store in increasing order: Tensor.allocQ reserves the spare word.
                mstore(yp, shl(192, v))
                yp := add(yp, 8)
            }
        }
    }

    /// @dev `op`: 0 add, 1 sub, 2 mul with rescale F. Validates the shapes (again, cheaply, for add/sub).
    ///      Saturation, equivalent to `Rounding.sat64(v)` for |v| < 2^255: `v + 2^63 ∉ [0, 2^64)` (unsigned)
    ///      means out of range, and then `INT64_MAX XOR sign(v)` is INT64_MAX or INT64_MIN.
    function _binaryQ(bytes memory a, bytes memory b, uint256 op, uint256 F) private pure returns (bytes memory y) {
        Tensor.requireLength(a.length, b.length);
        uint256 n = Tensor.lengthQ(a);
        y = Tensor.allocQ(n);
        /// @solidity memory-safe-assembly
        assembly {
            let ap := add(a, 0x20)
            let bp := add(b, 0x20)
            let yp := add(y, 0x20)
            let end := add(ap, shl(3, n))
            let bias := shl(63, 1) // 2^63
            let range := not(shl(64, not(0))) // 2^64 − 1
            let hi := shr(1, range) // INT64_MAX
            // Whole-word stores in increasing order: Tensor.allocQ reserves the spare word.
            switch op
            case 0 {
                for {} lt(ap, end) { ap := add(ap, 8) } {
                    let v := add(sar(192, mload(ap)), sar(192, mload(bp)))
                    if gt(add(v, bias), range) { v := xor(hi, sar(255, v)) }
                    mstore(yp, shl(192, v))
                    bp := add(bp, 8)
                    yp := add(yp, 8)
                }
            }
            case 1 {
                for {} lt(ap, end) { ap := add(ap, 8) } {
                    let v := sub(sar(192, mload(ap)), sar(192, mload(bp)))
                    if gt(add(v, bias), range) { v := xor(hi, sar(255, v)) }
                    mstore(yp, shl(192, v))
                    bp := add(bp, 8)
                    yp := add(yp, 8)
                }
            }
            default {
                let half := 0
                if F { half := shl(sub(F, 1), 1) }
                for {} lt(ap, end) { ap := add(ap, 8) } {
                    // Equivalent to: Rounding.rshiftRound(u·v, F); |u·v| ≤ 2^126 is exact in int256.
                    let v := mul(sar(192, mload(ap)), sar(192, mload(bp)))
                    if F { v := sar(F, add(v, sub(half, slt(v, 0)))) }
                    if gt(add(v, bias), range) { v := xor(hi, sar(255, v)) }
                    mstore(yp, shl(192, v))
                    bp := add(bp, 8)
                    yp := add(yp, 8)
                }
            }
        }
    }

    // =========================================================================================
    //                                          int8 mode
    // =========================================================================================

    /// @notice `y[i] = addI8(a[i], za, ma, b[i], zb, mb, shift, zo)` (numerics §4.4).
    /// @dev Requirements: `a.length == b.length` (else `ShapeMismatch`); then, in order, `za` (int8),
    ///      `ma` (|ma| < 2^31), `zb`, `mb`, `shift` (0..62), `zo` as `Int8Math.addI8`.
    function addI8Tensor(
        bytes memory a,
        int256 za,
        int256 ma,
        bytes memory b,
        int256 zb,
        int256 mb,
        int256 shift,
        int256 zo
    ) internal pure returns (bytes memory y) {
        Tensor.requireLength(a.length, b.length);
        Int8Math.checkI8(za);
        Int8Math.checkAddMultiplier(ma, shift);
        Int8Math.checkI8(zb);
        Int8Math.checkAddMultiplier(mb, shift);
        Int8Math.checkAddShift(ma, shift);
        Int8Math.checkI8(zo);
        uint256 n = a.length;
        y = Tensor.allocI8(n);
        /// @solidity memory-safe-assembly
        assembly {
            let ap := add(a, 0x20)
            let bp := add(b, 0x20)
            let yp := add(y, 0x20)
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(ap, n) } lt(ap, end) { ap := add(ap, 1) } {
                // Equivalent to: (a − za)·ma + (b − zb)·mb, |·| < 2^40
                let v := add(
                    mul(sub(signextend(0, byte(0, mload(ap))), za), ma),
                    mul(sub(signextend(0, byte(0, mload(bp))), zb), mb)
                )
                // Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(v, shift))
                if shift { v := sar(shift, add(v, sub(half, slt(v, 0)))) }
                v := add(v, zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                bp := add(bp, 1)
                yp := add(yp, 1)
            }
        }
    }

    /// @notice `y[i] = mulI8(a[i], za, b[i], zb, multiplier, shift, zo)` (numerics §4.4).
    /// @dev Requirements: `a.length == b.length` (else `ShapeMismatch`); then `za`, `zb` (int8),
    ///      `(multiplier, shift)` as `requantize`, `zo` (int8).
    function mulI8Tensor(
        bytes memory a,
        int256 za,
        bytes memory b,
        int256 zb,
        int256 multiplier,
        int256 shift,
        int256 zo
    ) internal pure returns (bytes memory y) {
        Tensor.requireLength(a.length, b.length);
        Int8Math.checkI8(za);
        Int8Math.checkI8(zb);
        Int8Math.checkRequantization(multiplier, shift);
        Int8Math.checkI8(zo);
        uint256 n = a.length;
        y = Tensor.allocI8(n);
        /// @solidity memory-safe-assembly
        assembly {
            let ap := add(a, 0x20)
            let bp := add(b, 0x20)
            let yp := add(y, 0x20)
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(ap, n) } lt(ap, end) { ap := add(ap, 1) } {
                // Equivalent to: (a − za)·(b − zb)·multiplier, |·| < 2^47
                let v := mul(
                    mul(sub(signextend(0, byte(0, mload(ap))), za), sub(signextend(0, byte(0, mload(bp))), zb)),
                    multiplier
                )
                // Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(v, shift))
                if shift { v := sar(shift, add(v, sub(half, slt(v, 0)))) }
                v := add(v, zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                bp := add(bp, 1)
                yp := add(yp, 1)
            }
        }
    }

    /// @notice `y[i] = min(max(x[i], lo), hi)` (numerics §4.4) — int8 ReLU / ReLU6.
    /// @dev Requirements: `lo, hi` int8 (else `ValueOutOfRange`), `lo ≤ hi` (else `ValueOutOfRange(lo)`).
    function clampI8Tensor(bytes memory x, int256 lo, int256 hi) internal pure returns (bytes memory y) {
        Int8Math.checkClampBounds(lo, hi);
        uint256 n = x.length;
        y = Tensor.allocI8(n);
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(x, 0x20)
            let yp := add(y, 0x20)
            for { let end := add(xp, n) } lt(xp, end) { xp := add(xp, 1) } {
                let v := signextend(0, byte(0, mload(xp)))
                if slt(v, lo) { v := lo }
                if sgt(v, hi) { v := hi }
                mstore8(yp, v)
                yp := add(yp, 1)
            }
        }
    }

    /// @notice `y[i] = requantize(acc[i], multipliers[c], shifts[c], zOut)` with channel `c = i mod C`,
    ///         `C = multipliers.length` (channels last, numerics §4.3, §5).
    /// @dev Requirements: `shifts.length == C` (else `ShapeMismatch(C, shifts.length)`), `C ≥ 1` (else
    ///      `ShapeMismatch(1, 0)`), `acc.length` a multiple of C (else `ShapeMismatch(acc.length −
    ///      acc.length mod C, acc.length)`); each `(multipliers[c], shifts[c])` valid in channel order (else
    ///      `InvalidRequantization`); `zOut` int8 (else `ValueOutOfRange(zOut)`); EVM only: each `acc[i]` an
    ///      int64 (else `ValueOutOfRange(acc[i])`, first offending index). Correctly rounded, saturated.
    function requantizeTensor(int256[] memory acc, int256[] memory multipliers, int256[] memory shifts, int256 zOut)
        internal
        pure
        returns (bytes memory y)
    {
        uint256 C = multipliers.length;
        Tensor.requireLength(C, shifts.length);
        if (C == 0) revert ShapeMismatch(1, 0);
        uint256 n = acc.length;
        if (n % C != 0) revert ShapeMismatch(n - (n % C), n);
        for (uint256 c = 0; c < C; c++) {
            Int8Math.checkRequantization(multipliers[c], shifts[c]);
        }
        Int8Math.checkI8(zOut);
        y = Tensor.allocI8(n);
        uint256 bad = _requantizeChannels(Tensor.dataPtr(acc), n, Tensor.dataPtr(multipliers), Tensor.dataPtr(shifts), C, zOut, Tensor.dataPtr(y));
        if (bad != type(uint256).max) revert ValueOutOfRange(acc[bad]);
    }

    /// @dev The loop of `requantizeTensor` on raw pointers; returns the index of the first accumulator
    ///      outside int64 (whose output and the rest are not written), or `type(uint256).max`.
    function _requantizeChannels(uint256 ap, uint256 n, uint256 mp, uint256 sp, uint256 C, int256 zOut, uint256 yp)
        private
        pure
        returns (uint256 bad)
    {
        bad = type(uint256).max;
        /// @solidity memory-safe-assembly
        assembly {
            let first := ap
            let chanEnd := add(mp, shl(5, C))
            let m := mp
            let s := sp
            for { let end := add(ap, shl(5, n)) } lt(ap, end) { ap := add(ap, 0x20) } {
                let a := mload(ap)
                // Equivalent to: a < INT64_MIN || a > INT64_MAX (a + 2^63 ∉ [0, 2^64 − 1], unsigned)
                if gt(add(a, shl(63, 1)), not(shl(64, not(0)))) {
                    bad := shr(5, sub(ap, first))
                    break
                }
                // |a·m| < 2^94: exact in int256.
                let v := mul(a, mload(m))
                let sh := mload(s)
                // Equivalent to: Rounding.sat8(zOut + Rounding.rshiftRound(v, sh))
                if sh { v := sar(sh, add(v, sub(shl(sub(sh, 1), 1), slt(v, 0)))) }
                v := add(v, zOut)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                yp := add(yp, 1)
                // Next channel (c = i mod C, without a division).
                m := add(m, 0x20)
                s := add(s, 0x20)
                if eq(m, chanEnd) {
                    m := mp
                    s := sp
                }
            }
        }
    }

    /// @notice `y[i] = dequantizeI8(x[i], z, scaleQ) = sat64((x[i] − z)·scaleQ)`: int8 → Q32.32 (numerics §4.4).
    /// @dev Requirements: `z` int8 (else `ValueOutOfRange(z)`), `0 ≤ scaleQ ≤ INT64_MAX` (else
    ///      `ValueOutOfRange(scaleQ)`). Exact unless saturated.
    function dequantizeI8Tensor(bytes memory x, int256 z, int256 scaleQ) internal pure returns (bytes memory y) {
        Int8Math.checkI8(z);
        Int8Math.checkScale(scaleQ);
        uint256 n = x.length;
        y = Tensor.allocQ(n);
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(x, 0x20)
            let yp := add(y, 0x20)
            let lo := sar(192, shl(255, 1)) // −2^63
            let hi := not(lo) // 2^63 − 1
            for { let end := add(xp, n) } lt(xp, end) { xp := add(xp, 1) } {
                // |x − z| ≤ 255, scaleQ < 2^63: exact in int256.
                let v := mul(sub(signextend(0, byte(0, mload(xp))), z), scaleQ)
                // Equivalent to: Rounding.sat64(v)
                if slt(v, lo) { v := lo }
                if sgt(v, hi) { v := hi }
                mstore(yp, shl(192, v)) // increasing order, spare word reserved by allocQ
                yp := add(yp, 8)
            }
        }
    }

    /// @notice `y[i] = quantizeQ(v[i], multiplier, shift, z) = requantize(v[i], multiplier, shift, z)`:
    ///         Q32.32 → int8 (numerics §4.4).
    /// @dev Requirements: `v.length` a multiple of 8 (else `ShapeMismatch`), `(multiplier, shift)` as
    ///      `requantize`, `z` int8.
    function quantizeQTensor(bytes memory v, int256 multiplier, int256 shift, int256 z)
        internal
        pure
        returns (bytes memory y)
    {
        uint256 n = Tensor.lengthQ(v);
        Int8Math.checkRequantization(multiplier, shift);
        Int8Math.checkI8(z);
        y = Tensor.allocI8(n);
        /// @solidity memory-safe-assembly
        assembly {
            let vp := add(v, 0x20)
            let yp := add(y, 0x20)
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(yp, n) } lt(yp, end) { yp := add(yp, 1) } {
                // |v·multiplier| < 2^94: exact in int256.
                let t := mul(sar(192, mload(vp)), multiplier)
                // Equivalent to: Rounding.sat8(z + Rounding.rshiftRound(t, shift))
                if shift { t := sar(shift, add(t, sub(half, slt(t, 0)))) }
                t := add(t, z)
                if slt(t, sub(0, 128)) { t := sub(0, 128) }
                if sgt(t, 127) { t := 127 }
                mstore8(yp, t)
                vp := add(vp, 8)
            }
        }
    }
}
