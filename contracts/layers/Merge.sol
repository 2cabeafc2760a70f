// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch} from "../tensor/Errors.sol";
import {LayerTypes} from "./LayerTypes.sol";

/// @title Merge — checks and addressing shared by the multi-input layers (Add, Multiply, Concatenate).
/// @notice A multi-input layer takes `bytes[] memory inputs` (docs/architecture.md "Layers"); the config
///         declares how many and of which shape, so a wrong count or a wrong length is `ShapeMismatch`.
///         Twin helpers live in each oracle module (assembly/layers/{Add,Multiply,Concatenate}.ts).
library Merge {
    /// @notice Rows of the first axis of `dims` (1 for a rank-0 shape): the unit of `forwardRange`.
    function rows(uint32[] memory dims) internal pure returns (uint256) {
        return dims.length == 0 ? 1 : dims[0];
    }

    /// @notice Revert `InvalidShape(102)` for no inputs, `InvalidShape(103)` for more than `max`.
    function checkInputCount(uint256 n, uint256 max) internal pure {
        if (n == 0) revert InvalidShape(LayerTypes.CODE_ZERO_DIM);
        if (n > max) revert InvalidShape(LayerTypes.CODE_TOO_LARGE);
    }

    /// @notice Revert `ShapeMismatch(n, inputs.length)` unless there are `n` inputs, then
    ///         `ShapeMismatch(bytesEach, len)` for the first input of another length.
    function checkInputs(bytes[] memory inputs, uint256 n, uint256 bytesEach) internal pure {
        LayerTypes.requireLength(n, inputs.length);
        for (uint256 k = 0; k < n; k++) {
            LayerTypes.requireLength(bytesEach, inputs[k].length);
        }
    }

    /// @notice Memory address of the first data byte of `inputs[k]`.
    function ptr(bytes[] memory inputs, uint256 k) internal pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := add(mload(add(inputs, shl(5, add(k, 1)))), 0x20)
        }
    }

    /// @notice A new `int256[]`-like scratch region of `n` words (not zeroed); returns its address.
    function scratchWords(uint256 n) internal pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := mload(0x40)
            mstore(0x40, add(p, shl(5, n)))
        }
    }
}
