// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Softmax} from "../tensor/Softmax.sol";

/// @title SoftmaxHarness — exposes contracts/tensor/Softmax.sol to the differential tests.
/// @notice Every entry returns the output and `gasUsed`, the gas of the library call alone.
contract SoftmaxHarness {
    function softmaxQ(bytes memory x, uint256[] memory dims, uint256 axis)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Softmax.softmaxQ(x, dims, axis);
        gasUsed = g - gasleft();
    }

    function softmaxI8(
        bytes memory x,
        int256 zx,
        int256 scaleQ,
        uint256[] memory dims,
        uint256 axis,
        int256 M,
        int256 shift,
        int256 zOut
    ) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Softmax.softmaxI8(x, zx, scaleQ, dims, axis, M, shift, zOut);
        gasUsed = g - gasleft();
    }
}
