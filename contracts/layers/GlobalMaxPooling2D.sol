// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GlobalPooling2D} from "./GlobalAveragePooling2D.sol";

/// @title GlobalMaxPooling2D — Keras `GlobalMaxPooling2D`: the maximum over `H×W` per channel. config:
///        `abi.encode(GlobalPooling2DConfig)` (GlobalAveragePooling2D.sol); see GlobalPooling2D.
///        Twin: assembly/layers/GlobalMaxPooling2D.ts.
library GlobalMaxPooling2D {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return GlobalPooling2D.run(config, weights, input, 0, 0, true, false, false);
    }

    /// @notice Channels `[from, to)`.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return GlobalPooling2D.run(config, weights, input, from, to, false, false, false);
    }

    /// @notice Plain twin of `forwardRange`.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return GlobalPooling2D.run(config, weights, input, from, to, false, false, true);
    }
}
