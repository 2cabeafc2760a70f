// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape} from "../tensor/Errors.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {MatVec} from "../tensor/MatVec.sol";
import {Conv, Conv2dShape, WindowGeometry} from "../tensor/Conv.sol";
import {Mode, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Spatial, StageAParams} from "./Spatial.sol";

/// @notice Config of a Keras `Conv2D` layer (channels_last, batch 1, dilation 1, groups 1).
/// @param mode `Mode` as uint8.
/// @param H, W, Cin input shape `H×W×Cin`. @param Cout filters.
/// @param kh, kw kernel_size. @param sh, sw strides. @param padding 0 'valid', 1 'same' (TF's split).
/// @param act the fused activation (q: numbers in Q(F); int8: see docs/layers.md "int8 activations").
/// @param F q mode: fractional bits of input, kernel, bias and output.
/// @param zIn int8: input zero point (also the padding value).
/// @param zPre int8: zero point of the requantized accumulators (the output when the activation is fused).
/// @param lo, hi int8: stage-A clamp. @param negative int8: the blob carries negative-branch multipliers.
/// @param scalePreQ, outM, outShift, zOut int8, non-fused activations: as DenseConfig.
struct Conv2DConfig {
    uint8 mode;
    uint32 H;
    uint32 W;
    uint32 Cin;
    uint32 Cout;
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

/// @title Conv2D — Keras `Conv2D` with its fused activation, in both number modes (docs/layers/conv.md).
/// @notice `y = act(conv2d(x, kernel) + bias)` over an `H×W×Cin` input, output `Ho×Wo×Cout` (numerics §5
///         geometry). `forward` computes every output row, `forwardRange(from, to)` rows `[from, to)`
///         (output `(to − from)×Wo×Cout`, row-major), so a layer too large for one transaction is split.
///         - q (numerics §3, §5): `pre = Conv.conv2dQ` (exact accumulation, one RHAZ, + bias, sat64), then
///           `Activation.actQ` per element (softmax: along the channels). Blob: kernel `[kh][kw][Cin][Cout]`
///           int64 BE (Keras layout) ‖ bias Cout int64 BE.
///         - int8 (numerics §4): stage A `Activation.requantAct(acc, M[o], shift[o], Mn[o], shiftN[o], zPre,
///           lo, hi)` of the exact accumulators `acc = bias + Σ (x − zIn)·w`, then for non-fused activations
///           stage B (`actI8`, or `softmaxI8` along the channels). Blob: the `K×Cout` kernel matrix
///           (`K = kh·kw·Cin`, rows in (ky, kx, ci) order) in the numerics §4.2 panel layout ‖ b int32 BE
///           ×Cout ‖ M uint32 BE ×Cout ‖ shift uint8 ×Cout ‖ (if `negative`) Mn int32 BE ×Cout ‖ shiftN
///           uint8 ×Cout (Dense's layout with N = Cout).
///           Fast path: when stage A is a plain requantization + clamp for every channel
///           (`Spatial.requantClampExact`: no leaky slope), the fused SWAR kernel `Conv.conv2dI8Requant`
///           then `clampI8`; otherwise `Conv.conv2dI8` accumulators then `Spatial.stageA`. Equal results.
///         Ranges: rows [from, to) read input rows `[from·sh − padTop, (to − 1)·sh − padTop + kh)`; the
///         layer materializes them with the padding of the original geometry made explicit (0 in q, zIn
///         in int8: both contribute nothing) and runs the kernel 'valid' on that sub-input — the same
///         windows, so the same integers (docs/layers/conv.md "Ranges").
/// @dev Failure conditions, in this order in both tiers: mode, kind (`ValueOutOfRange`); the shape
///      (`Conv.checkShape`: `InvalidShape` 3, 2, 4, 5, 1 — numerics §2); `from ≤ to ≤ Ho`
///      (`InvalidShape(100)`); input length, weights length (`ShapeMismatch`); q: F (`ValueOutOfRange`);
///      int8: lo ≤ hi (`ValueOutOfRange(lo)`), non-fused: scalePreQ ≥ 0 (`ValueOutOfRange`), (outM,
///      outShift) (`InvalidRequantization`); per channel o in [0, Cout): (M, shift), then if `negative`
///      (Mn, shiftN) (`InvalidRequantization`). Twin: assembly/layers/Conv2D.ts.
library Conv2D {
    /// @notice The whole layer.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        Conv2DConfig memory c = abi.decode(config, (Conv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, 0, 0, true);
        return _run(c, g, weights, input, 0, g.Ho);
    }

    /// @notice Output rows `[from, to)`: `(to − from)×Wo×Cout` elements.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        Conv2DConfig memory c = abi.decode(config, (Conv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, from, to, false);
        return _run(c, g, weights, input, from, to);
    }

    /// @notice Plain twin of `forward` (the tensor tier's `…Ref` kernels, plain stage A).
    function forwardRef(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        Conv2DConfig memory c = abi.decode(config, (Conv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, 0, 0, true);
        return _runRef(c, g, weights, input, 0, g.Ho);
    }

    /// @notice Plain twin of `forwardRange`.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        Conv2DConfig memory c = abi.decode(config, (Conv2DConfig));
        WindowGeometry memory g = validate(c, weights, input, from, to, false);
        return _runRef(c, g, weights, input, from, to);
    }

    /// @notice The tensor tier's shape of the layer.
    function shapeOf(Conv2DConfig memory c) internal pure returns (Conv2dShape memory) {
        return Conv2dShape(c.H, c.W, c.Cin, c.Cout, c.kh, c.kw, c.sh, c.sw, c.padding);
    }

    /// @notice Byte length of the kernel section of the blob.
    function kernelBytes(Conv2DConfig memory c) internal pure returns (uint256) {
        uint256 K = uint256(c.kh) * c.kw * c.Cin;
        if (c.mode == uint8(Mode.Q)) return 8 * K * c.Cout;
        return MatVec.panelBytes(K, c.Cout);
    }

    /// @notice Byte length of the weight blob.
    function weightsLength(Conv2DConfig memory c) internal pure returns (uint256) {
        if (c.mode == uint8(Mode.Q)) return kernelBytes(c) + 8 * uint256(c.Cout);
        return kernelBytes(c) + Spatial.channelBytes(c.Cout, c.negative);
    }

    /// @notice The stage-A parameters of an int8 config.
    function stageAParams(Conv2DConfig memory c) internal pure returns (StageAParams memory) {
        return StageAParams(kernelBytes(c), c.Cout, c.negative, c.zPre, c.lo, c.hi);
    }

    /// @notice All checks of the library doc, in order (`full`: the range is every row); returns the geometry.
    function validate(Conv2DConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full)
        internal
        pure
        returns (WindowGeometry memory g)
    {
        Mode mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkKind(c.act.kind);
        g = Conv.checkShape(shapeOf(c));
        if (!full) LayerTypes.checkRange(from, to, g.Ho);
        uint256 eb = LayerTypes.elementBytes(mode);
        LayerTypes.requireLength(uint256(c.H) * c.W * c.Cin * eb, input.length);
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

    /// @dev Rows [from, to) with the fast kernels. NOTE: the fast and the plain paths are separate functions
    ///      (not one with a runtime `ref` flag) so a contract linking only the fast entry points does not
    ///      carry the convolution `…Ref` kernels (Conv2DLayer must stay under the 24,576-byte code limit).
    function _run(Conv2DConfig memory c, WindowGeometry memory g, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory)
    {
        uint256 rows = to - from;
        uint256[] memory dims = Spatial.dims3(rows, g.Wo, c.Cout);
        if (rows == 0) return c.mode == uint8(Mode.Q) ? Tensor.allocQ(0) : Tensor.allocI8(0);
        (bytes memory x, Conv2dShape memory s) = _subInput(c, g, input, from, to);
        if (c.mode == uint8(Mode.Q)) return Spatial.activateQ(_preQ(c, weights, x, s), c.act, c.F, dims, false);
        return _stageB(c, _stageA(c, weights, x, s), dims);
    }

    /// @dev Rows [from, to) with the plain kernels (`_run`'s twin).
    function _runRef(Conv2DConfig memory c, WindowGeometry memory g, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory)
    {
        uint256 rows = to - from;
        uint256[] memory dims = Spatial.dims3(rows, g.Wo, c.Cout);
        if (rows == 0) return c.mode == uint8(Mode.Q) ? Tensor.allocQ(0) : Tensor.allocI8(0);
        (bytes memory x, Conv2dShape memory s) = _subInput(c, g, input, from, to);
        if (c.mode == uint8(Mode.Q)) return Spatial.activateQ(_preQRef(c, weights, x, s), c.act, c.F, dims, true);
        return _stageB(c, _stageARef(c, weights, x, s), dims);
    }

    /// @dev int8 stage B of a non-fused activation (identity for fused ones).
    function _stageB(Conv2DConfig memory c, bytes memory y, uint256[] memory dims) private pure returns (bytes memory) {
        if (LayerTypes.isFusedI8(c.act)) return y;
        return Spatial.stageB(y, c.act, c.zPre, c.scalePreQ, c.outM, c.outShift, c.zOut, dims);
    }

    /// @dev q mode: the pre-activation outputs of the (sub-)input x of shape s (Conv.conv2dQ).
    function _preQ(Conv2DConfig memory c, bytes memory weights, bytes memory x, Conv2dShape memory s) private pure returns (bytes memory) {
        (bytes memory k, bytes memory b) = _kernelBias(c, weights);
        return Conv.conv2dQ(x, k, b, s, int256(uint256(c.F)));
    }

    /// @dev q mode: `_preQ` with the plain kernel (Conv.conv2dQRef).
    function _preQRef(Conv2DConfig memory c, bytes memory weights, bytes memory x, Conv2dShape memory s) private pure returns (bytes memory) {
        (bytes memory k, bytes memory b) = _kernelBias(c, weights);
        return Conv.conv2dQRef(x, k, b, s, int256(uint256(c.F)));
    }

    /// @dev q mode: the kernel and bias sections of the blob.
    function _kernelBias(Conv2DConfig memory c, bytes memory weights) private pure returns (bytes memory k, bytes memory b) {
        uint256 kb = kernelBytes(c);
        k = Spatial.slice(weights, 0, kb);
        b = Spatial.slice(weights, kb, 8 * uint256(c.Cout));
    }

    /// @dev The whole input (every row) or the padded rows of [from, to) with 'valid' padding.
    function _subInput(Conv2DConfig memory c, WindowGeometry memory g, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory x, Conv2dShape memory s)
    {
        s = shapeOf(c);
        if (from == 0 && to == g.Ho) return (input, s);
        uint256 esz = c.mode == uint8(Mode.Q) ? 8 : 1;
        Spatial.RangeGeometry memory r =
            Spatial.RangeGeometry(c.H, c.W, c.Cin, esz, c.kh, c.kw, c.sh, c.sw, c.padding, g.padTop, g.padLeft, g.Wo);
        (x, s.H, s.W) = Spatial.rangeInput(input, r, from, to, esz == 8 ? 0 : Spatial.fillI8(c.zIn));
        s.padding = 0;
    }

    /// @dev Stage A of int8 mode on the (sub-)input x of shape s (plain kernels).
    function _stageARef(Conv2DConfig memory c, bytes memory weights, bytes memory x, Conv2dShape memory s)
        private
        pure
        returns (bytes memory)
    {
        StageAParams memory p = stageAParams(c);
        bytes memory Wrm = _unpackPanels(weights, s.kh * s.kw * s.Cin, s.Cout);
        return Spatial.stageARef(Conv.conv2dI8Ref(x, c.zIn, Wrm, Spatial.biasArray(weights, p), s), weights, p);
    }

    /// @dev Stage A of int8 mode on the (sub-)input x of shape s (fast kernels).
    function _stageA(Conv2DConfig memory c, bytes memory weights, bytes memory x, Conv2dShape memory s)
        private
        pure
        returns (bytes memory)
    {
        StageAParams memory p = stageAParams(c);
        if (Spatial.requantClampExact(weights, p)) return _requantClamp(c, weights, x, s, p);
        bytes memory acc = Conv.conv2dI8(x, c.zIn, Spatial.slice(weights, 0, p.base), Spatial.biasArray(weights, p), s);
        return Spatial.stageA(acc, weights, p);
    }

    /// @dev The fused SWAR kernel (requantization to zPre) and the stage-A clamp.
    function _requantClamp(Conv2DConfig memory c, bytes memory weights, bytes memory x, Conv2dShape memory s, StageAParams memory p)
        private
        pure
        returns (bytes memory y)
    {
        y = _requant(x, c.zIn, weights, s, p);
        Spatial.clampI8(y, c.lo, c.hi);
    }

    /// @dev Conv.conv2dI8Requant with the blob's panels and per-channel (b, M, shift), output zero point p.z.
    function _requant(bytes memory x, int256 zIn, bytes memory weights, Conv2dShape memory s, StageAParams memory p)
        private
        pure
        returns (bytes memory)
    {
        (int256[] memory M, int256[] memory sh) = Spatial.requantArrays(weights, p);
        return Conv.conv2dI8Requant(x, zIn, Spatial.slice(weights, 0, p.base), Spatial.biasArray(weights, p), s, M, sh, p.z);
    }

    /// @dev The row-major K×N matrix of the panel layout at the start of `blob` (numerics §4.2).
    function _unpackPanels(bytes memory blob, uint256 K, uint256 N) private pure returns (bytes memory W) {
        W = new bytes(K * N);
        for (uint256 i = 0; i < K; i++) {
            for (uint256 o = 0; o < N; o++) {
                W[i * N + o] = blob[((o / 32) * K + i) * 32 + (o % 32)];
            }
        }
    }
}
