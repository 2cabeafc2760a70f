// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tensor} from "../tensor/Tensor.sol";
import {Pool, Pool2dShape} from "../tensor/Pool.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Spatial} from "./Spatial.sol";

/// @notice Config of Keras `GlobalAveragePooling2D` / `GlobalMaxPooling2D` (channels_last, keepdims false).
/// @param mode `Mode` as uint8. @param H, W, C input shape `H×W×C`; the output is `[C]`.
struct GlobalPooling2DConfig {
    uint8 mode;
    uint32 H;
    uint32 W;
    uint32 C;
}

/// @title GlobalPooling2D — the shared implementation of the global poolings (docs/layers/conv.md).
/// @notice The pooling of the tensor tier with one `H×W` window ('valid', stride 1): max, or
///         `divRound(Σ over H·W, H·W)` (numerics §5), on the raw values (int8: same scale and zero point
///         in and out). Output `[C]`; ranges are channels `[from, to)` (the whole pooling, then the slice).
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); H, W, C ≥ 1
///      (`InvalidShape(102)`), `H·W·C < 2^31` (`InvalidShape(103)`, running products); `from ≤ to ≤ C`
///      (`InvalidShape(100)`); input length; weights empty (`ShapeMismatch`).
///      Twins: assembly/layers/GlobalAveragePooling2D.ts, GlobalMaxPooling2D.ts.
library GlobalPooling2D {
    function run(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full, bool avg, bool ref)
        internal
        pure
        returns (bytes memory y)
    {
        GlobalPooling2DConfig memory c = abi.decode(config, (GlobalPooling2DConfig));
        Mode mode = LayerTypes.checkMode(c.mode);
        uint32[] memory dims = new uint32[](3);
        (dims[0], dims[1], dims[2]) = (c.H, c.W, c.C);
        LayerTypes.count(dims);
        if (full) (from, to) = (0, c.C);
        else LayerTypes.checkRange(from, to, c.C);
        uint256 esz = LayerTypes.elementBytes(mode);
        LayerTypes.requireLength(uint256(c.H) * c.W * c.C * esz, input.length);
        LayerTypes.requireLength(0, weights.length);
        if (to == from) return esz == 8 ? Tensor.allocQ(0) : Tensor.allocI8(0);
        Pool2dShape memory s = Pool2dShape(c.H, c.W, c.C, c.H, c.W, 1, 1, 0);
        y = _pool(input, s, esz == 8, avg, ref);
        if (from != 0 || to != c.C) y = Spatial.tail(y, from * esz, (to - from) * esz);
    }

    function _pool(bytes memory x, Pool2dShape memory s, bool q, bool avg, bool ref) private pure returns (bytes memory) {
        if (avg) {
            if (q) return ref ? Pool.avgPool2dQRef(x, s) : Pool.avgPool2dQ(x, s);
            return ref ? Pool.avgPool2dI8Ref(x, s) : Pool.avgPool2dI8(x, s);
        }
        if (q) return ref ? Pool.maxPool2dQRef(x, s) : Pool.maxPool2dQ(x, s);
        return ref ? Pool.maxPool2dI8Ref(x, s) : Pool.maxPool2dI8(x, s);
    }
}

/// @title GlobalAveragePooling2D — Keras `GlobalAveragePooling2D` (see GlobalPooling2D).
library GlobalAveragePooling2D {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return GlobalPooling2D.run(config, weights, input, 0, 0, true, true, false);
    }

    /// @notice Channels `[from, to)`.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return GlobalPooling2D.run(config, weights, input, from, to, false, true, false);
    }

    /// @notice Plain twin of `forwardRange`.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return GlobalPooling2D.run(config, weights, input, from, to, false, true, true);
    }
}
