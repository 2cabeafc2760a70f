// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DivisionByZero} from "./Errors.sol";

/// @title Rounding — the one rounding rule (round half away from zero) and saturation.
/// @notice docs/numerics.md §1. Every rescale, division and requantization in nnchain goes through here.
library Rounding {
    int256 internal constant INT64_MIN = -(2 ** 63);
    int256 internal constant INT64_MAX = 2 ** 63 - 1;
    int256 internal constant INT8_MIN = -128;
    int256 internal constant INT8_MAX = 127;

    /// @notice `RHAZ(v / 2^s)`: `sign(v)·floor((|v| + 2^(s-1)) / 2^s)`, and `v` for `s = 0`.
    /// @dev numerics §1. Domain: |v| < 2^254, s ≤ 255. Exact (correctly rounded).
    function rshiftRound(int256 v, uint256 s) internal pure returns (int256 r) {
        /// @solidity memory-safe-assembly
        assembly {
            r := v
            if s {
                // Equivalent to: v >= 0 ? (v + 2^(s-1)) >> s : -((-v + 2^(s-1)) >> s)
                // (for v < 0, adding 2^(s-1) - 1 before the arithmetic shift rounds the half away from zero).
                r := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0))))
            }
        }
    }

    /// @notice `RHAZ(n / d)`; reverts `DivisionByZero()` when `d = 0`.
    /// @dev numerics §1: q = floor(|n|/|d|), r = |n| - q|d|, q += (2r ≥ |d|), sign(n)·sign(d)·q.
    ///      Domain: |n|, |d| < 2^255. Exact.
    function divRound(int256 n, int256 d) internal pure returns (int256) {
        if (d == 0) revert DivisionByZero();
        unchecked {
            // |n|, |d| < 2^255 by the domain, so negation cannot overflow.
            uint256 an = uint256(n < 0 ? -n : n);
            uint256 ad = uint256(d < 0 ? -d : d);
            uint256 q = an / ad;
            uint256 r = an - q * ad;
            if (r >= ad - r) q += 1;
            return (n < 0) != (d < 0) ? -int256(q) : int256(q);
        }
    }

    /// @notice Clamp to the int64 range. numerics §1.
    function sat64(int256 v) internal pure returns (int256) {
        if (v > INT64_MAX) return INT64_MAX;
        if (v < INT64_MIN) return INT64_MIN;
        return v;
    }

    /// @notice Clamp to the int8 range. numerics §1.
    function sat8(int256 v) internal pure returns (int256) {
        if (v > INT8_MAX) return INT8_MAX;
        if (v < INT8_MIN) return INT8_MIN;
        return v;
    }
}
