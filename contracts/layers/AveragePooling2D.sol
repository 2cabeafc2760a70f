// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pooling2D} from "./MaxPooling2D.sol";

/// @title AveragePooling2D — Keras `AveragePooling2D`: `divRound(Σ valid positions, their count)` per
///        window and channel (padding excluded, as TensorFlow; numerics §5). config:
///        `abi.encode(Pooling2DConfig)` (MaxPooling2D.sol); see Pooling2D for ranges and failures.
///        Twin: assembly/layers/AveragePooling2D.ts.
library AveragePooling2D {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Pooling2D.run(config, weights, input, 0, 0, true, true, false);
    }

    /// @notice Output rows `[from, to)`: `(to − from)×Wo×C` elements.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return Pooling2D.run(config, weights, input, from, to, false, true, false);
    }

    /// @notice Plain twin of `forwardRange` (the tensor tier's `…Ref` kernels).
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return Pooling2D.run(config, weights, input, from, to, false, true, true);
    }
}
