// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILayer, WeightRef} from "../models/ILayer.sol";
import {LayerTypes} from "./LayerTypes.sol";

/// @title LayerBase — what every generated layer contract shares: `units` and `rangeLayout` from one
///        `_layout(config)` (docs/model-contract.md "Layer contracts").
abstract contract LayerBase is ILayer {
    /// @inheritdoc ILayer
    function units(bytes calldata config) external pure returns (uint256 n) {
        (, n,) = _layout(config);
    }

    /// @inheritdoc ILayer
    function rangeLayout(bytes calldata config) external pure returns (uint256 outer, uint256 n, uint256 unitBytes) {
        return _layout(config);
    }

    /// @dev The full output as `[outer][n][unitBytes]` bytes; reverts like the library for an invalid
    ///      mode or shape. `config` is decoded from memory, as the library decodes it (one ABI decoder in
    ///      the code, not a calldata one beside it).
    function _layout(bytes memory config) internal pure virtual returns (uint256 outer, uint256 n, uint256 unitBytes);
}

/// @title WholeLayer — a layer contract whose library has no `forwardRange` (one unit: `units` = 1).
/// @notice `forwardRange(0, 1)` is `forward`; an empty range is the empty output after the same checks;
///         any other range reverts `InvalidShape(100)` (`LayerTypes.checkRange(from, to, 1)`, checked first).
abstract contract WholeLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs) external view returns (bytes memory) {
        return _forward(config, w, inputs);
    }

    /// @inheritdoc ILayer
    function forwardRange(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory)
    {
        LayerTypes.checkRange(from, to, 1);
        bytes memory y = _forward(config, w, inputs);
        return from == to ? new bytes(0) : y;
    }

    /// @dev The library's whole output.
    function _forward(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs) internal view virtual returns (bytes memory);
}
