// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {Elementwise} from "../tensor/Elementwise.sol";

/// @notice Exposes contracts/tensor/Elementwise.sol to tests and benchmarks. Every function returns the
///         op's result and the gas it used (`gasleft()` around the op only).
contract ElementwiseHarness {
    function addQ(bytes memory a, bytes memory b) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.addQ(a, b);
        gasUsed = g - gasleft();
    }

    function subQ(bytes memory a, bytes memory b) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.subQ(a, b);
        gasUsed = g - gasleft();
    }

    function mulQ(bytes memory a, bytes memory b, uint256 F) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.mulQ(a, b, F);
        gasUsed = g - gasleft();
    }

    function clampQ(bytes memory x, int64 lo, int64 hi) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.clampQ(x, Q64.wrap(lo), Q64.wrap(hi));
        gasUsed = g - gasleft();
    }

    function addI8Tensor(
        bytes memory a,
        int256 za,
        int256 ma,
        bytes memory b,
        int256 zb,
        int256 mb,
        int256 shift,
        int256 zo
    ) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.addI8Tensor(a, za, ma, b, zb, mb, shift, zo);
        gasUsed = g - gasleft();
    }

    function mulI8Tensor(bytes memory a, int256 za, bytes memory b, int256 zb, int256 multiplier, int256 shift, int256 zo)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Elementwise.mulI8Tensor(a, za, b, zb, multiplier, shift, zo);
        gasUsed = g - gasleft();
    }

    function clampI8Tensor(bytes memory x, int256 lo, int256 hi) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Elementwise.clampI8Tensor(x, lo, hi);
        gasUsed = g - gasleft();
    }

    function requantizeTensor(int256[] memory acc, int256[] memory multipliers, int256[] memory shifts, int256 zOut)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Elementwise.requantizeTensor(acc, multipliers, shifts, zOut);
        gasUsed = g - gasleft();
    }

    function dequantizeI8Tensor(bytes memory x, int256 z, int256 scaleQ)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Elementwise.dequantizeI8Tensor(x, z, scaleQ);
        gasUsed = g - gasleft();
    }

    function quantizeQTensor(bytes memory v, int256 multiplier, int256 shift, int256 z)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Elementwise.quantizeQTensor(v, multiplier, shift, z);
        gasUsed = g - gasleft();
    }
}
