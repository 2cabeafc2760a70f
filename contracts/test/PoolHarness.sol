// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pool, Pool2dShape} from "../tensor/Pool.sol";

/// @title PoolHarness — exposes contracts/tensor/Pool.sol (fast kernels and `…Ref` twins) to the tests.
/// @notice Every entry returns the output and `gasUsed`, the gas of the library call alone.
contract PoolHarness {
    function maxPool2dQ(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.maxPool2dQ(x, s);
        gasUsed = g - gasleft();
    }

    function maxPool2dI8(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.maxPool2dI8(x, s);
        gasUsed = g - gasleft();
    }

    function avgPool2dQ(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.avgPool2dQ(x, s);
        gasUsed = g - gasleft();
    }

    function avgPool2dI8(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.avgPool2dI8(x, s);
        gasUsed = g - gasleft();
    }

    function maxPool2dQRef(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.maxPool2dQRef(x, s);
        gasUsed = g - gasleft();
    }

    function maxPool2dI8Ref(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.maxPool2dI8Ref(x, s);
        gasUsed = g - gasleft();
    }

    function avgPool2dQRef(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.avgPool2dQRef(x, s);
        gasUsed = g - gasleft();
    }

    function avgPool2dI8Ref(bytes memory x, Pool2dShape memory s) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Pool.avgPool2dI8Ref(x, s);
        gasUsed = g - gasleft();
    }
}
