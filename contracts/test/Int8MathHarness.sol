// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {Int8Math} from "../tensor/Int8Math.sol";

/// @notice Exposes contracts/tensor/Int8Math.sol to tests and benchmarks. Every function returns the
///         primitive's result and the gas it used (measured with `gasleft()` around the call).
contract Int8MathHarness {
    function requantize(int256 acc, int256 multiplier, int256 shift, int256 zOut)
        external
        view
        returns (int256 r, uint256 gasUsed)
    {
        uint256 g = gasleft();
        r = Int8Math.requantize(acc, multiplier, shift, zOut);
        gasUsed = g - gasleft();
    }

    function addI8(int256 a, int256 za, int256 ma, int256 b, int256 zb, int256 mb, int256 shift, int256 zo)
        external
        view
        returns (int256 r, uint256 gasUsed)
    {
        uint256 g = gasleft();
        r = Int8Math.addI8(a, za, ma, b, zb, mb, shift, zo);
        gasUsed = g - gasleft();
    }

    function mulI8(int256 a, int256 za, int256 b, int256 zb, int256 multiplier, int256 shift, int256 zo)
        external
        view
        returns (int256 r, uint256 gasUsed)
    {
        uint256 g = gasleft();
        r = Int8Math.mulI8(a, za, b, zb, multiplier, shift, zo);
        gasUsed = g - gasleft();
    }

    function clampI8(int256 x, int256 lo, int256 hi) external view returns (int256 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Int8Math.clampI8(x, lo, hi);
        gasUsed = g - gasleft();
    }

    function dequantizeI8(int256 x, int256 z, int256 scaleQ) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Q64.unwrap(Int8Math.dequantizeI8(x, z, scaleQ));
        gasUsed = g - gasleft();
    }

    function quantizeQ(int64 v, int256 multiplier, int256 shift, int256 z)
        external
        view
        returns (int256 r, uint256 gasUsed)
    {
        uint256 g = gasleft();
        r = Int8Math.quantizeQ(Q64.wrap(v), multiplier, shift, z);
        gasUsed = g - gasleft();
    }
}
