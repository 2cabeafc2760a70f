// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tensor} from "../tensor/Tensor.sol";
import {WindowGeometry} from "../tensor/Conv.sol";
import {Pool, Pool2dShape} from "../tensor/Pool.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Spatial} from "./Spatial.sol";

/// @notice Config of Keras `MaxPooling2D` and `AveragePooling2D` (channels_last, batch 1).
/// @param mode `Mode` as uint8. @param H, W, C input shape `H×W×C`.
/// @param ph, pw pool_size. @param sh, sw strides (Keras `strides`, default pool_size — the importer
///        resolves the default). @param padding 0 'valid', 1 'same' (TF's split).
struct Pooling2DConfig {
    uint8 mode;
    uint32 H;
    uint32 W;
    uint32 C;
    uint32 ph;
    uint32 pw;
    uint32 sh;
    uint32 sw;
    uint8 padding;
}

/// @title Pooling2D — the shared implementation of MaxPooling2D and AveragePooling2D (docs/layers/conv.md).
/// @notice Output `Ho×Wo×C` (numerics §5); both modes pool the raw values (int8: same scale and zero point
///         in and out, numerics §4.4): max over the window's valid positions (padding is −∞), average =
///         `divRound(Σ valid, count)` (padding excluded, as TensorFlow). No weights (blob empty).
///         Ranges over output rows: 'valid' pools a row slice of the input ('valid', the same windows);
///         'same' max pads the slice explicitly with the int type's minimum (−128 / INT64_MIN, which never
///         wins a max over a window holding a valid position) and pools it 'valid'; 'same' average —
///         whose divisor counts the valid positions only — pools the whole input and returns the rows
///         (bit-exact, at the cost of the whole layer).
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); the shape
///      (`Pool.checkShape`: `InvalidShape` 3, 2, 4, 5, 1 — numerics §2); `from ≤ to ≤ Ho`
///      (`InvalidShape(100)`); input length; weights empty (`ShapeMismatch(0, len)`).
///      Twins: assembly/layers/MaxPooling2D.ts, AveragePooling2D.ts.
library Pooling2D {
    /// @dev INT64_MIN in every 8-byte element of a word (the q padding of a max).
    uint256 private constant Q_MIN_FILL = 0x8000000000000000800000000000000080000000000000008000000000000000;
    /// @dev −128 in every byte (the int8 padding of a max).
    uint256 private constant I8_MIN_FILL = 0x8080808080808080808080808080808080808080808080808080808080808080;

    /// @notice Output rows `[from, to)` (`full`: every row) of max (`avg` false) or average pooling.
    function run(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full, bool avg, bool ref)
        internal
        pure
        returns (bytes memory)
    {
        Pooling2DConfig memory c = abi.decode(config, (Pooling2DConfig));
        WindowGeometry memory g = validate(c, weights, input, from, to, full);
        if (full) (from, to) = (0, g.Ho);
        bool q = c.mode == uint8(Mode.Q);
        if (to == from) return q ? Tensor.allocQ(0) : Tensor.allocI8(0);
        if (from == 0 && to == g.Ho) return _pool(input, shapeOf(c), q, avg, ref);
        if (avg && c.padding == 1) {
            // the divisor of a clipped window counts valid positions only: pool everything, keep the rows
            uint256 rowBytes = g.Wo * c.C * (q ? 8 : 1);
            return Spatial.tail(_pool(input, shapeOf(c), q, avg, ref), from * rowBytes, (to - from) * rowBytes);
        }
        return _range(c, g, input, from, to, avg, ref);
    }

    /// @dev Rows [from, to) by a 'valid' pooling of the padded sub-input (padding: the minimum).
    function _range(Pooling2DConfig memory c, WindowGeometry memory g, bytes memory input, uint256 from, uint256 to, bool avg, bool ref)
        private
        pure
        returns (bytes memory)
    {
        bool q = c.mode == uint8(Mode.Q);
        Spatial.RangeGeometry memory r =
            Spatial.RangeGeometry(c.H, c.W, c.C, q ? 8 : 1, c.ph, c.pw, c.sh, c.sw, c.padding, g.padTop, g.padLeft, g.Wo);
        Pool2dShape memory s = shapeOf(c);
        bytes memory x;
        (x, s.H, s.W) = Spatial.rangeInput(input, r, from, to, q ? Q_MIN_FILL : I8_MIN_FILL);
        s.padding = 0;
        return _pool(x, s, q, avg, ref);
    }

    function shapeOf(Pooling2DConfig memory c) internal pure returns (Pool2dShape memory) {
        return Pool2dShape(c.H, c.W, c.C, c.ph, c.pw, c.sh, c.sw, c.padding);
    }

    /// @notice All checks of the library doc, in order; returns the geometry.
    function validate(Pooling2DConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full)
        internal
        pure
        returns (WindowGeometry memory g)
    {
        Mode mode = LayerTypes.checkMode(c.mode);
        g = Pool.checkShape(shapeOf(c));
        if (!full) LayerTypes.checkRange(from, to, g.Ho);
        LayerTypes.requireLength(uint256(c.H) * c.W * c.C * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(0, weights.length);
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

/// @title MaxPooling2D — Keras `MaxPooling2D` (see Pooling2D). config: `abi.encode(Pooling2DConfig)`.
library MaxPooling2D {
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Pooling2D.run(config, weights, input, 0, 0, true, false, false);
    }

    /// @notice Output rows `[from, to)`: `(to − from)×Wo×C` elements.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return Pooling2D.run(config, weights, input, from, to, false, false, false);
    }

    /// @notice Plain twin of `forwardRange` (the tensor tier's `…Ref` kernels).
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return Pooling2D.run(config, weights, input, from, to, false, false, true);
    }
}
