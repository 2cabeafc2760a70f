// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape} from "../tensor/Errors.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {WindowGeometry} from "../tensor/Conv.sol";
import {DepthwiseConv, DepthwiseConv2dShape} from "../tensor/DepthwiseConv.sol";
import {Mode, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Spatial, StageAParams} from "./Spatial.sol";

/// @notice Config of a Keras `DepthwiseConv2D` layer (channels_last, batch 1, dilation 1).
/// @param mode `Mode` as uint8.
/// @param H, W, C input shape `H×W×C`. @param mult depth_multiplier (output channels `C·mult`, channel
///        `c·mult + m` from input channel c).
/// @param kh, kw kernel_size. @param sh, sw strides. @param padding 0 'valid', 1 'same' (TF's split).
/// @param act … @param zOut as Conv2DConfig (the fused activation and its int8 parameters).
struct DepthwiseConv2DConfig {
    uint8 mode;
    uint32 H;
    uint32 W;
    uint32 C;
    uint32 mult;
    uint32 kh;
    uint32 kw;
    uint32 sh;
    uint32 sw;
    uint8 padding;
    ActivationSpec act;
    uint8 F;
    int8 zIn;
    int8 zPre;
    int8 lo;
    int8 hi;
    bool negative;
    int64 scalePreQ;
    uint32 outM;
    uint8 outShift;
    int8 zOut;
}

/// @title DepthwiseConv2D — Keras `DepthwiseConv2D` with its fused activation, in both number modes
///        (docs/layers/conv.md).
/// @notice `y = act(depthwise_conv2d(x, kernel) + bias)` over an `H×W×C` input, output `Ho×Wo×(C·mult)`.
///         Everything as Conv2D (Conv2D.sol) except the kernel op (DepthwiseConv.sol) and the blob:
///         - q: kernel `[kh][kw][C][mult]` int64 BE (Keras layout) ‖ bias C·mult int64 BE;
///         - int8: kernel `[kh][kw][C][mult]` int8 (Keras layout, one byte per weight — the depthwise
///           kernel reads weights as scalars, no panels) ‖ b int32 BE ‖ M uint32 BE ‖ shift uint8 ‖ (if
///           `negative`) Mn int32 BE ‖ shiftN uint8, each ×(C·mult).
///         Fast int8 path: `DepthwiseConv.depthwiseConv2dI8Requant` + clamp when stage A is a plain
///         requantization (`Spatial.requantClampExact`), else `depthwiseConv2dI8` + `Spatial.stageA`.
///         Ranges over output rows as Conv2D (padded sub-input, 'valid').
/// @dev Failure conditions, in this order in both tiers: mode, kind (`ValueOutOfRange`); the shape
///      (`DepthwiseConv.checkShape`: `InvalidShape` 3, 2, 4, 5, 1); `from ≤ to ≤ Ho` (`InvalidShape(100)`);
///      input length, weights length (`ShapeMismatch`); q: F; int8: lo ≤ hi, non-fused: scalePreQ,
///      (outM, outShift); per channel (M, shift) then (Mn, shiftN). Twin: assembly/layers/DepthwiseConv2D.ts.
library DepthwiseConv2D {
    /// @notice The whole layer.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        DepthwiseConv2DConfig memory c = abi.decode(config, (DepthwiseConv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, 0, 0, true);
        return _run(c, g, weights, input, 0, g.Ho, false);
    }

    /// @notice Output rows `[from, to)`: `(to − from)×Wo×(C·mult)` elements.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        DepthwiseConv2DConfig memory c = abi.decode(config, (DepthwiseConv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, from, to, false);
        return _run(c, g, weights, input, from, to, false);
    }

    /// @notice Plain twin of `forward` (the tensor tier's `…Ref` kernels, plain stage A).
    function forwardRef(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        DepthwiseConv2DConfig memory c = abi.decode(config, (DepthwiseConv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, 0, 0, true);
        return _run(c, g, weights, input, 0, g.Ho, true);
    }

    /// @notice Plain twin of `forwardRange`.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        DepthwiseConv2DConfig memory c = abi.decode(config, (DepthwiseConv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, from, to, false);
        return _run(c, g, weights, input, from, to, true);
    }

    /// @notice The tensor tier's shape of the layer.
    function shapeOf(DepthwiseConv2DConfig memory c) internal pure returns (DepthwiseConv2dShape memory) {
        return DepthwiseConv2dShape(c.H, c.W, c.C, c.mult, c.kh, c.kw, c.sh, c.sw, c.padding);
    }

    /// @notice Byte length of the kernel section of the blob.
    function kernelBytes(DepthwiseConv2DConfig memory c) internal pure returns (uint256) {
        uint256 n = uint256(c.kh) * c.kw * c.C * c.mult;
        return c.mode == uint8(Mode.Q) ? 8 * n : n;
    }

    /// @notice Output channels `C·mult`.
    function channels(DepthwiseConv2DConfig memory c) internal pure returns (uint256) {
        return uint256(c.C) * c.mult;
    }

    /// @notice Byte length of the weight blob.
    function weightsLength(DepthwiseConv2DConfig memory c) internal pure returns (uint256) {
        if (c.mode == uint8(Mode.Q)) return kernelBytes(c) + 8 * channels(c);
        return kernelBytes(c) + Spatial.channelBytes(channels(c), c.negative);
    }

    /// @notice The stage-A parameters of an int8 config.
    function stageAParams(DepthwiseConv2DConfig memory c) internal pure returns (StageAParams memory) {
        return StageAParams(kernelBytes(c), channels(c), c.negative, c.zPre, c.lo, c.hi);
    }

    /// @notice All checks of the library doc, in order (`full`: the range is every row); returns the geometry.
    function validate(DepthwiseConv2DConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full)
        internal
        pure
        returns (WindowGeometry memory g)
    {
        Mode mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkKind(c.act.kind);
        g = DepthwiseConv.checkShape(shapeOf(c));
        if (!full) LayerTypes.checkRange(from, to, g.Ho);
        uint256 eb = LayerTypes.elementBytes(mode);
        LayerTypes.requireLength(uint256(c.H) * c.W * c.C * eb, input.length);
        LayerTypes.requireLength(weightsLength(c), weights.length);
        if (mode == Mode.Q) {
            LayerTypes.checkF(c.F);
            return g;
        }
        LayerTypes.checkClamp(c.lo, c.hi);
        if (!LayerTypes.isFusedI8(c.act)) {
            LayerTypes.checkScale(c.scalePreQ);
            LayerTypes.checkRequant(int256(uint256(c.outM)), c.outShift);
        }
        Spatial.checkChannels(weights, stageAParams(c));
    }

    // =========================================================================================

    function _run(
        DepthwiseConv2DConfig memory c,
        WindowGeometry memory g,
        bytes memory weights,
        bytes memory input,
        uint256 from,
        uint256 to,
        bool ref
    ) private pure returns (bytes memory) {
        uint256 rows = to - from;
        uint256[] memory dims = Spatial.dims3(rows, g.Wo, channels(c));
        if (rows == 0) return c.mode == uint8(Mode.Q) ? Tensor.allocQ(0) : Tensor.allocI8(0);
        (bytes memory x, DepthwiseConv2dShape memory s) = _subInput(c, g, input, from, to);
        if (c.mode == uint8(Mode.Q)) return Spatial.activateQ(_preQ(c, weights, x, s, ref), c.act, c.F, dims, ref);
        return _stageB(c, _stageA(c, weights, x, s, ref), dims);
    }

    /// @dev int8 stage B of a non-fused activation (identity for fused ones).
    function _stageB(DepthwiseConv2DConfig memory c, bytes memory y, uint256[] memory dims) private pure returns (bytes memory) {
        if (LayerTypes.isFusedI8(c.act)) return y;
        return Spatial.stageB(y, c.act, c.zPre, c.scalePreQ, c.outM, c.outShift, c.zOut, dims);
    }

    /// @dev q mode: the pre-activation outputs of the (sub-)input x of shape s (DepthwiseConv.depthwiseConv2dQ).
    function _preQ(DepthwiseConv2DConfig memory c, bytes memory weights, bytes memory x, DepthwiseConv2dShape memory s, bool ref)
        private
        pure
        returns (bytes memory)
    {
        uint256 kb = kernelBytes(c);
        bytes memory k = Spatial.slice(weights, 0, kb);
        bytes memory b = Spatial.slice(weights, kb, 8 * channels(c));
        int256 F = int256(uint256(c.F));
        return ref ? DepthwiseConv.depthwiseConv2dQRef(x, k, b, s, F) : DepthwiseConv.depthwiseConv2dQ(x, k, b, s, F);
    }

    /// @dev The whole input (every row) or the padded rows of [from, to) with 'valid' padding.
    function _subInput(DepthwiseConv2DConfig memory c, WindowGeometry memory g, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory x, DepthwiseConv2dShape memory s)
    {
        s = shapeOf(c);
        if (from == 0 && to == g.Ho) return (input, s);
        uint256 esz = c.mode == uint8(Mode.Q) ? 8 : 1;
        Spatial.RangeGeometry memory r =
            Spatial.RangeGeometry(c.H, c.W, c.C, esz, c.kh, c.kw, c.sh, c.sw, c.padding, g.padTop, g.padLeft, g.Wo);
        (x, s.H, s.W) = Spatial.rangeInput(input, r, from, to, esz == 8 ? 0 : Spatial.fillI8(c.zIn));
        s.padding = 0;
    }

    /// @dev Stage A of int8 mode on the (sub-)input x of shape s.
    function _stageA(DepthwiseConv2DConfig memory c, bytes memory weights, bytes memory x, DepthwiseConv2dShape memory s, bool ref)
        private
        pure
        returns (bytes memory)
    {
        StageAParams memory p = stageAParams(c);
        if (ref) {
            bytes memory k = Spatial.slice(weights, 0, p.base);
            return Spatial.stageARef(DepthwiseConv.depthwiseConv2dI8Ref(x, c.zIn, k, Spatial.biasArray(weights, p), s), weights, p);
        }
        if (Spatial.requantClampExact(weights, p)) return _requantClamp(c, weights, x, s, p);
        bytes memory acc = DepthwiseConv.depthwiseConv2dI8(x, c.zIn, Spatial.slice(weights, 0, p.base), Spatial.biasArray(weights, p), s);
        return Spatial.stageA(acc, weights, p);
    }

    /// @dev The fused lane kernel (requantization to zPre) and the stage-A clamp.
    function _requantClamp(DepthwiseConv2DConfig memory c, bytes memory weights, bytes memory x, DepthwiseConv2dShape memory s, StageAParams memory p)
        private
        pure
        returns (bytes memory y)
    {
        y = _requant(x, c.zIn, weights, s, p);
        Spatial.clampI8(y, c.lo, c.hi);
    }

    /// @dev DepthwiseConv.depthwiseConv2dI8Requant with the blob's kernel and per-channel (b, M, shift), output zero point p.z.
    function _requant(bytes memory x, int256 zIn, bytes memory weights, DepthwiseConv2dShape memory s, StageAParams memory p)
        private
        pure
        returns (bytes memory)
    {
        (int256[] memory M, int256[] memory sh) = Spatial.requantArrays(weights, p);
        return DepthwiseConv.depthwiseConv2dI8Requant(x, zIn, Spatial.slice(weights, 0, p.base), Spatial.biasArray(weights, p), s, M, sh, p.z);
    }
}
