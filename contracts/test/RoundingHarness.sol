// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounding} from "../tensor/Rounding.sol";

/// @title RoundingHarness — exposes Rounding (docs/numerics.md §1) to tests and benchmarks.
/// @notice Each function returns the primitive's result and `gasUsed` (gasleft() bracketing, see
///         `gasBaseline()`). The `…64` entry points compose the primitives the way the oracle's 64-bit
///         functions are defined, so the two tiers can be compared on the oracle's domain.
contract RoundingHarness {
    function gasBaseline() external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        gasUsed = g - gasleft();
    }

    /// @notice Rounding.rshiftRound on its full domain (|v| < 2^254, s ≤ 255).
    function rshiftRound(int256 v, uint256 s) external view returns (int256 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Rounding.rshiftRound(v, s);
        gasUsed = g - gasleft();
    }

    /// @notice Rounding.divRound on its full domain (|n|, |d| < 2^255); reverts DivisionByZero for d = 0.
    function divRound(int256 n, int256 d) external view returns (int256 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Rounding.divRound(n, d);
        gasUsed = g - gasleft();
    }

    function sat64(int256 v) external view returns (int256 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Rounding.sat64(v);
        gasUsed = g - gasleft();
    }

    function sat8(int256 v) external view returns (int256 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Rounding.sat8(v);
        gasUsed = g - gasleft();
    }

    /// @notice The oracle's `divRound(i64, i64)`: sat64(divRound(n, d)) (only INT64_MIN / −1 clamps).
    function divRound64(int64 n, int64 d) external pure returns (int256) {
        return Rounding.sat64(Rounding.divRound(n, d));
    }

    /// @notice The oracle's `mulShiftRound(a, b, s)`: sat64(rshiftRound(a·b, s)) on the exact product.
    function mulShiftRound64(int64 a, int64 b, uint256 s) external pure returns (int256) {
        return Rounding.sat64(Rounding.rshiftRound(int256(a) * b, s));
    }
}
