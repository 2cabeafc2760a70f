// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tensor} from "../tensor/Tensor.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Spatial} from "./Spatial.sol";

/// @notice Config of Keras `ZeroPadding2D` (channels_last).
/// @param mode `Mode` as uint8. @param H, W, C input shape `H×W×C`.
/// @param top, bottom, left, right the padding ((top, bottom), (left, right) in Keras).
/// @param zIn int8: the zero point of the tensor (in = out), written in the padding: the real 0.
struct ZeroPadding2DConfig {
    uint8 mode;
    uint32 H;
    uint32 W;
    uint32 C;
    uint32 top;
    uint32 bottom;
    uint32 left;
    uint32 right;
    int8 zIn;
}

/// @title ZeroPadding2D — Keras `ZeroPadding2D` in both number modes (docs/layers/conv.md).
/// @notice Output `(top + H + bottom)×(left + W + right)×C`: the input in the middle, the real zero
///         around it — q: 0; int8: the zero point `zIn` (same quantization in and out). Ranges are output
///         rows `[from, to)`. A copy (MCOPY per input row), exact.
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); H, W, C ≥ 1
///      (`InvalidShape(102)`); `Ho`, `Wo`, `Ho·Wo`, `Ho·Wo·C` < 2^31 (`InvalidShape(103)`); `from ≤ to ≤ Ho` (`InvalidShape(100)`); input length; weights empty
///      (`ShapeMismatch`). Twin: assembly/layers/ZeroPadding2D.ts.
library ZeroPadding2D {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return _run(config, weights, input, 0, 0, true);
    }

    /// @notice Output rows `[from, to)`: `(to − from)×Wo×C` elements.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(config, weights, input, from, to, false);
    }

    function _run(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full)
        private
        pure
        returns (bytes memory)
    {
        ZeroPadding2DConfig memory c = abi.decode(config, (ZeroPadding2DConfig));
        Mode mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkDim(c.H);
        LayerTypes.checkDim(c.W);
        LayerTypes.checkDim(c.C);
        uint256 Ho = uint256(c.top) + c.H + c.bottom;
        uint256 Wo = uint256(c.left) + c.W + c.right;
        LayerTypes.checkCount(Ho);
        LayerTypes.checkCount(Wo);
        LayerTypes.checkCount(Ho * Wo);
        LayerTypes.checkCount(Ho * Wo * c.C);
        if (full) (from, to) = (0, Ho);
        else LayerTypes.checkRange(from, to, Ho);
        uint256 esz = LayerTypes.elementBytes(mode);
        LayerTypes.requireLength(uint256(c.H) * c.W * c.C * esz, input.length);
        LayerTypes.requireLength(0, weights.length);
        if (to == from) return esz == 8 ? Tensor.allocQ(0) : Tensor.allocI8(0);
        Spatial.RangeGeometry memory r = Spatial.RangeGeometry(c.H, c.W, c.C, esz, 1, 1, 1, 1, 0, 0, c.left, 0);
        // output row j holds input row j − top
        return Spatial.padRows(input, r, int256(from) - int256(uint256(c.top)), to - from, c.right, esz == 8 ? 0 : Spatial.fillI8(c.zIn));
    }
}
