// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "./Q64.sol";
import {Rounding} from "./Rounding.sol";
import {ValueOutOfRange, InvalidRequantization} from "./Errors.sol";

/// @title Int8Math — scalar int8-mode quantized arithmetic (TFLite integer-only scheme).
/// @notice docs/numerics.md §4.3 (requantization) and §4.4 (elementwise ops and conversions).
///         Every value travels in an `int256` and is range-checked: an int8 argument outside
///         [−128, 127] or an int64 argument outside the int64 range reverts `ValueOutOfRange(v)`.
/// @dev Validation order (the oracle, assembly/tensor/Int8Math.ts, checks in the same order): arguments
///      left to right; a requantization multiplier is checked at its own position, a shift at its own
///      position, each failing with `InvalidRequantization(multiplier, shift)`.
///      All results are exact functions of the inputs: correctly rounded (RHAZ, numerics §1), then saturated.
library Int8Math {
    /// @dev Requantization multipliers lie in [0, 2^31) (numerics §4.3).
    int256 internal constant MULTIPLIER_LIMIT = 2 ** 31;
    /// @dev Largest requantization shift (numerics §4.3).
    int256 internal constant MAX_SHIFT = 126;
    /// @dev Largest shift of `addI8` (numerics §4.4).
    int256 internal constant MAX_ADD_SHIFT = 62;

    // ------------------------------------------------------------------------------- validation

    /// @notice Revert `ValueOutOfRange(v)` unless `v ∈ [−128, 127]`.
    function checkI8(int256 v) internal pure {
        if (v < -128 || v > 127) revert ValueOutOfRange(v);
    }

    /// @notice Revert `ValueOutOfRange(v)` unless `v` is an int64.
    function checkI64(int256 v) internal pure {
        if (v < type(int64).min || v > type(int64).max) revert ValueOutOfRange(v);
    }

    /// @notice Revert `InvalidRequantization(multiplier, shift)` unless `0 ≤ multiplier < 2^31` and
    ///         `0 ≤ shift ≤ 126` (numerics §4.3).
    function checkRequantization(int256 multiplier, int256 shift) internal pure {
        if (multiplier < 0 || multiplier >= MULTIPLIER_LIMIT || shift < 0 || shift > MAX_SHIFT) {
            revert InvalidRequantization(multiplier, shift);
        }
    }

    // ------------------------------------------------------------------------------- requantize

    /// @notice `sat8(zOut + rshiftRound(acc·multiplier, shift))`: an accumulator in the scale
    ///         `s_x·s_w` → an int8 in the output scale (`multiplier / 2^shift ≈ s_x·s_w / s_out`).
    /// @dev numerics §4.3. Requirements: `acc` an int64 (else `ValueOutOfRange(acc)`),
    ///      `0 ≤ multiplier < 2^31` and `0 ≤ shift ≤ 126` (else `InvalidRequantization(multiplier, shift)`),
    ///      `zOut ∈ [−128, 127]` (else `ValueOutOfRange(zOut)`). Correctly rounded before saturation.
    function requantize(int256 acc, int256 multiplier, int256 shift, int256 zOut) internal pure returns (int256) {
        checkI64(acc);
        checkRequantization(multiplier, shift);
        checkI8(zOut);
        return requantizeUnchecked(acc, multiplier, shift, zOut);
    }

    /// @notice `requantize` without validation, for kernels that checked their parameters once.
    /// @dev Domain: |acc| ≤ 2^63, 0 ≤ multiplier < 2^31, 0 ≤ shift ≤ 126, |zOut| ≤ 128.
    function requantizeUnchecked(int256 acc, int256 multiplier, int256 shift, int256 zOut)
        internal
        pure
        returns (int256)
    {
        unchecked {
            // |acc·multiplier| < 2^94 and |zOut| ≤ 128: nothing here can overflow int256.
            return Rounding.sat8(zOut + Rounding.rshiftRound(acc * multiplier, uint256(shift)));
        }
    }

    // ------------------------------------------------------------------------------- elementwise

    /// @notice `sat8(zo + rshiftRound((a − za)·ma + (b − zb)·mb, shift))`: the int8 sum of two
    ///         tensors in different scales (`ma/2^shift ≈ s_a/s_out`, `mb/2^shift ≈ s_b/s_out`).
    /// @dev numerics §4.4. Requirements: `a, za, b, zb, zo ∈ [−128, 127]` (else `ValueOutOfRange`),
    ///      `|ma|, |mb| < 2^31` (else `InvalidRequantization(ma or mb, shift)`), `0 ≤ shift ≤ 62`
    ///      (else `InvalidRequantization(ma, shift)`). Correctly rounded before saturation.
    function addI8(int256 a, int256 za, int256 ma, int256 b, int256 zb, int256 mb, int256 shift, int256 zo)
        internal
        pure
        returns (int256)
    {
        checkI8(a);
        checkI8(za);
        checkAddMultiplier(ma, shift);
        checkI8(b);
        checkI8(zb);
        checkAddMultiplier(mb, shift);
        checkAddShift(ma, shift);
        checkI8(zo);
        return addI8Unchecked(a, za, ma, b, zb, mb, shift, zo);
    }

    /// @notice Revert `InvalidRequantization(m, shift)` unless `|m| < 2^31` (an `addI8` multiplier).
    function checkAddMultiplier(int256 m, int256 shift) internal pure {
        if (m <= -MULTIPLIER_LIMIT || m >= MULTIPLIER_LIMIT) revert InvalidRequantization(m, shift);
    }

    /// @notice Revert `InvalidRequantization(ma, shift)` unless `0 ≤ shift ≤ 62` (the `addI8` shift).
    function checkAddShift(int256 ma, int256 shift) internal pure {
        if (shift < 0 || shift > MAX_ADD_SHIFT) revert InvalidRequantization(ma, shift);
    }

    /// @notice `addI8` without validation. Domain: int8 values, |ma|, |mb| < 2^31, 0 ≤ shift ≤ 62.
    function addI8Unchecked(int256 a, int256 za, int256 ma, int256 b, int256 zb, int256 mb, int256 shift, int256 zo)
        internal
        pure
        returns (int256)
    {
        unchecked {
            // |a − za|, |b − zb| ≤ 255 and |ma|, |mb| < 2^31: the sum is below 2^40 in magnitude.
            return Rounding.sat8(zo + Rounding.rshiftRound((a - za) * ma + (b - zb) * mb, uint256(shift)));
        }
    }

    /// @notice `requantize((a − za)·(b − zb), multiplier, shift, zo)`: the int8 product of two tensors
    ///         (`multiplier/2^shift ≈ s_a·s_b/s_out`).
    /// @dev numerics §4.4. Requirements: `a, za, b, zb, zo ∈ [−128, 127]` (else `ValueOutOfRange`),
    ///      multiplier and shift as `requantize`. Correctly rounded before saturation.
    function mulI8(int256 a, int256 za, int256 b, int256 zb, int256 multiplier, int256 shift, int256 zo)
        internal
        pure
        returns (int256)
    {
        checkI8(a);
        checkI8(za);
        checkI8(b);
        checkI8(zb);
        checkRequantization(multiplier, shift);
        checkI8(zo);
        unchecked {
            // |a − za|, |b − zb| ≤ 255.
            return requantizeUnchecked((a - za) * (b - zb), multiplier, shift, zo);
        }
    }

    /// @notice `min(max(x, lo), hi)` — int8 ReLU / ReLU6 are clamps at the quantized 0 and 6.
    /// @dev numerics §4.4. Requirements: `x, lo, hi ∈ [−128, 127]` (else `ValueOutOfRange`), `lo ≤ hi`
    ///      (else `ValueOutOfRange(lo)`). Exact; a clamp is not a saturation (not counted by the oracle).
    function clampI8(int256 x, int256 lo, int256 hi) internal pure returns (int256) {
        checkI8(x);
        checkClampBounds(lo, hi);
        return x < lo ? lo : (x > hi ? hi : x);
    }

    /// @notice Revert unless `lo, hi ∈ [−128, 127]` and `lo ≤ hi` (`ValueOutOfRange(lo)` when `lo > hi`).
    function checkClampBounds(int256 lo, int256 hi) internal pure {
        checkI8(lo);
        checkI8(hi);
        if (lo > hi) revert ValueOutOfRange(lo);
    }

    /// @notice `sat64((x − z)·scaleQ)`: an int8 value → the Q32.32 real it represents.
    /// @dev numerics §4.4. `scaleQ` is the tensor's scale in Q32 (so the product is Q32.32).
    ///      Requirements: `x, z ∈ [−128, 127]` (else `ValueOutOfRange`), `0 ≤ scaleQ < 2^63`
    ///      (else `ValueOutOfRange(scaleQ)`). Exact unless saturated.
    function dequantizeI8(int256 x, int256 z, int256 scaleQ) internal pure returns (Q64) {
        checkI8(x);
        checkI8(z);
        checkScale(scaleQ);
        return dequantizeI8Unchecked(x, z, scaleQ);
    }

    /// @notice Revert `ValueOutOfRange(scaleQ)` unless `0 ≤ scaleQ ≤ INT64_MAX`.
    function checkScale(int256 scaleQ) internal pure {
        if (scaleQ < 0 || scaleQ > type(int64).max) revert ValueOutOfRange(scaleQ);
    }

    /// @notice `dequantizeI8` without validation. Domain: int8 x, z; 0 ≤ scaleQ < 2^63.
    function dequantizeI8Unchecked(int256 x, int256 z, int256 scaleQ) internal pure returns (Q64) {
        unchecked {
            // |x − z| ≤ 255, scaleQ < 2^63: |product| < 2^71.
            return Q64.wrap(int64(Rounding.sat64((x - z) * scaleQ)));
        }
    }

    /// @notice `requantize(v, multiplier, shift, z)` for a Q32.32 value `v`: a real → int8 with scale `s`
    ///         and zero point `z` (`multiplier/2^shift ≈ 1/(s·2^32)`).
    /// @dev numerics §4.4. Requirements as `requantize` (`v` is an int64 by type).
    function quantizeQ(Q64 v, int256 multiplier, int256 shift, int256 z) internal pure returns (int256) {
        checkRequantization(multiplier, shift);
        checkI8(z);
        return requantizeUnchecked(Q64.unwrap(v), multiplier, shift, z);
    }
}
