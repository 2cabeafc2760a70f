// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch} from "../tensor/Errors.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";

/// @notice Config of the layers that leave the bytes alone (InputLayer, Dropout, Flatten, Reshape):
///         shape bookkeeping only (docs/layers.md "Identity layers").
/// @param mode `Mode` as uint8 (sets the element size).
/// @param inShape the input shape (row-major, no batch axis).
/// @param outShape the output shape: Reshape: any shape with as many elements; Flatten: `[Π inShape]`;
///        InputLayer, Dropout: `inShape`.
struct ShapeConfig {
    uint8 mode;
    uint32[] inShape;
    uint32[] outShape;
}

/// @title Identity — the shared check of the byte-identity layers.
/// @notice Row-major (HWC) bytes of a tensor are the row-major bytes of any reshape of it, so Keras
///         `Flatten` (channels_last) and `Reshape` are identities on the bytes, as are `InputLayer` and
///         `Dropout` (identity at inference). Each returns its input buffer itself (no copy).
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); inShape, then
///      outShape (`InvalidShape(102)` zero dim, `(103)` ≥ 2^31 elements); the layer's own shape rule
///      (`InvalidShape(105)`: Flatten output not rank 1, InputLayer/Dropout output ≠ input); element
///      counts equal (`ShapeMismatch(count(in), count(out))`); input length (`ShapeMismatch`); weights
///      empty (`ShapeMismatch(0, len)`). Twin: assembly/layers/Identity.ts.
library Identity {
    /// @dev Which shape rule `check` applies.
    uint256 internal constant RULE_RESHAPE = 0;
    uint256 internal constant RULE_FLATTEN = 1;
    uint256 internal constant RULE_SAME = 2;

    /// @notice Validate (see the library doc) and return the input.
    function check(bytes memory config, bytes memory weights, bytes memory input, uint256 rule)
        internal
        pure
        returns (bytes memory)
    {
        ShapeConfig memory c = abi.decode(config, (ShapeConfig));
        Mode mode = LayerTypes.checkMode(c.mode);
        uint256 nIn = LayerTypes.count(c.inShape);
        uint256 nOut = LayerTypes.count(c.outShape);
        if (rule == RULE_FLATTEN && c.outShape.length != 1) revert InvalidShape(LayerTypes.CODE_OUTPUT_SHAPE);
        if (rule == RULE_SAME && !_equal(c.inShape, c.outShape)) revert InvalidShape(LayerTypes.CODE_OUTPUT_SHAPE);
        if (nIn != nOut) revert ShapeMismatch(nIn, nOut);
        LayerTypes.requireLength(nIn * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(0, weights.length);
        return input;
    }

    function _equal(uint32[] memory a, uint32[] memory b) private pure returns (bool) {
        if (a.length != b.length) return false;
        for (uint256 i = 0; i < a.length; i++) {
            if (a[i] != b[i]) return false;
        }
        return true;
    }
}

/// @title InputLayer — the model input (identity). config: `ShapeConfig` with outShape = inShape.
library InputLayer {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Identity.check(config, weights, input, Identity.RULE_SAME);
    }
}

/// @title Dropout — identity at inference. config: `ShapeConfig` with outShape = inShape.
library Dropout {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Identity.check(config, weights, input, Identity.RULE_SAME);
    }
}

/// @title Flatten — Keras `Flatten` (channels_last: the HWC row-major bytes are already flat).
///        config: `ShapeConfig` with outShape = `[Π inShape]`.
library Flatten {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Identity.check(config, weights, input, Identity.RULE_FLATTEN);
    }
}

/// @title Reshape — Keras `Reshape` (row-major, as Keras). config: `ShapeConfig` with the resolved
///        target shape (no −1) as outShape.
library Reshape {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Identity.check(config, weights, input, Identity.RULE_RESHAPE);
    }
}
