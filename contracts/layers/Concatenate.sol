// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounding} from "../tensor/Rounding.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {InvalidShape, ShapeMismatch} from "../tensor/Errors.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Merge} from "./Merge.sol";

/// @notice Config of Keras `Concatenate` (docs/layers/merge-norm.md "Concatenate").
/// @param mode `Mode` as uint8.
/// @param dims the OUTPUT shape (row-major, no batch axis).
/// @param axis the concatenation axis (non-negative, < rank).
/// @param sizes each input's extent along `axis` (n entries, each ≥ 1, summing to `dims[axis]`); input k
///        has the shape `dims` with `dims[axis]` replaced by `sizes[k]`.
/// @param zIn int8: each input's zero point. @param M int8: each input's multiplier `s_k/s_out ≈ M[k]/2^shift[k]`
///        (0 ≤ M < 2^31). @param shift int8: each input's shift (0..126). @param zOut int8: output zero point.
struct ConcatenateConfig {
    uint8 mode;
    uint32[] dims;
    uint32 axis;
    uint32[] sizes;
    int8[] zIn;
    uint32[] M;
    uint32[] shift;
    int8 zOut;
}

/// @title Concatenate — Keras `Concatenate` along any axis, in both number modes.
/// @notice With `outer = Π dims[0..axis)`, `inner = Π dims(axis..]` and input k starting at offset
///         `start_k = Σ_{j<k} sizes[j]` of the axis: `y[o][start_k + a][i] = f_k(x_k[o][a][i])` where
///         - q: `f_k(x) = x` (a byte copy: every input is already in Q(F));
///         - int8: `f_k(x) = requantize(x − zIn[k], M[k], shift[k], zOut)` (numerics §4.3) — each input is
///           rescaled to the output's scale and zero point (TFLite CONCATENATION with differing scales);
///           an input with `zIn[k] = zOut` and `M[k] = 2^shift[k]` is the identity and is copied.
///         `forwardRange(from, to)` computes output rows [from, to) of the first axis (for axis 0 these rows
///         may span several inputs). No weights.
/// @dev Failure conditions, in this order in both tiers (twin: assembly/layers/Concatenate.ts): mode
///      (`ValueOutOfRange`); dims (`InvalidShape(102)`, `(103)`); axis ≥ rank (`InvalidShape(104)`); no
///      inputs or a zero size (`InvalidShape(102)`); `Σ sizes = dims[axis]` (`ShapeMismatch(dims[axis], Σ)`);
///      `from ≤ to ≤ dims[0]` (`InvalidShape(100)`); `inputs.length = n`, then each input's length
///      (`ShapeMismatch`); weights empty (`ShapeMismatch(0, len)`); int8: `zIn`, `M`, `shift` have n entries
///      (`ShapeMismatch(n, len)`), then per input (M[k], shift[k]) (`InvalidRequantization`).
///      Fast path: one MCOPY per (outer index, input) run (a single assembly loop over the runs when
///      axis > 0 and every input is a copy); int8 runs that need rescaling use an assembly loop.
///      `forwardRangeRef` is the plain twin (element by element).
library Concatenate {
    /// @dev The geometry of one call.
    struct Geometry {
        Mode mode;
        uint256 eb; // bytes per element
        uint256 inner;
        uint256 oFrom; // outer indices [oFrom, oTo) are computed
        uint256 oTo;
        uint256 aFrom; // axis positions [aFrom, aTo) are computed
        uint256 aTo;
    }

    function forward(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        ConcatenateConfig memory c = abi.decode(config, (ConcatenateConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), false);
    }

    function forwardRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (ConcatenateConfig)), weights, inputs, from, to, false);
    }

    function forwardRef(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        ConcatenateConfig memory c = abi.decode(config, (ConcatenateConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), true);
    }

    function forwardRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (ConcatenateConfig)), weights, inputs, from, to, true);
    }

    /// @notice All checks of the library doc, in order, and the geometry of rows [from, to).
    function validate(ConcatenateConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (Geometry memory geo)
    {
        geo.mode = LayerTypes.checkMode(c.mode);
        uint256 total = LayerTypes.count(c.dims);
        if (c.axis >= c.dims.length) revert InvalidShape(LayerTypes.CODE_AXIS);
        _checkSizes(c);
        LayerTypes.checkRange(from, to, c.dims[0]);
        geo.eb = LayerTypes.elementBytes(geo.mode);
        uint256 outer = 1;
        for (uint256 k = 0; k < c.axis; k++) {
            outer *= c.dims[k];
        }
        geo.inner = total / (outer * c.dims[c.axis]);
        LayerTypes.requireLength(c.sizes.length, inputs.length);
        for (uint256 k = 0; k < inputs.length; k++) {
            LayerTypes.requireLength(outer * c.sizes[k] * geo.inner * geo.eb, inputs[k].length);
        }
        LayerTypes.requireLength(0, weights.length);
        if (geo.mode == Mode.I8) _checkI8(c);
        if (c.axis == 0) {
            (geo.oFrom, geo.oTo, geo.aFrom, geo.aTo) = (0, 1, from, to);
        } else {
            uint256 perRow = outer / c.dims[0];
            (geo.oFrom, geo.oTo, geo.aFrom, geo.aTo) = (from * perRow, to * perRow, 0, c.dims[c.axis]);
        }
    }

    /// @dev At least one input, every size ≥ 1 (`InvalidShape(102)`), `Σ sizes = dims[axis]` (`ShapeMismatch`).
    function _checkSizes(ConcatenateConfig memory c) private pure {
        uint256 n = c.sizes.length;
        if (n == 0) revert InvalidShape(LayerTypes.CODE_ZERO_DIM);
        uint256 sum = 0;
        for (uint256 k = 0; k < n; k++) {
            LayerTypes.checkDim(c.sizes[k]);
            sum += c.sizes[k];
        }
        if (sum != c.dims[c.axis]) revert ShapeMismatch(c.dims[c.axis], sum);
    }

    /// @dev int8 parameter vectors of n entries (`ShapeMismatch`), then each (M[k], shift[k]).
    function _checkI8(ConcatenateConfig memory c) private pure {
        uint256 n = c.sizes.length;
        LayerTypes.requireLength(n, c.zIn.length);
        LayerTypes.requireLength(n, c.M.length);
        LayerTypes.requireLength(n, c.shift.length);
        for (uint256 k = 0; k < n; k++) {
            LayerTypes.checkRequant(int256(uint256(c.M[k])), c.shift[k]);
        }
    }

    function _run(ConcatenateConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to, bool ref)
        private
        pure
        returns (bytes memory y)
    {
        Geometry memory geo = validate(c, weights, inputs, from, to);
        uint256 m = (geo.oTo - geo.oFrom) * (geo.aTo - geo.aFrom) * geo.inner;
        y = geo.mode == Mode.Q ? Tensor.allocQ(m) : Tensor.allocI8(m);
        if (!ref && c.axis > 0 && _allCopies(c, geo)) _copyRows(c, geo, inputs, Tensor.dataPtr(y));
        else _fill(c, geo, inputs, y, ref);
    }

    /// @dev q mode, or int8 with every input's parameters equal to the output's (identity requantization).
    function _allCopies(ConcatenateConfig memory c, Geometry memory geo) private pure returns (bool) {
        if (geo.mode == Mode.Q) return true;
        for (uint256 k = 0; k < c.sizes.length; k++) {
            if (c.zIn[k] != c.zOut || uint256(c.M[k]) != uint256(1) << c.shift[k]) return false;
        }
        return true;
    }

    /// @notice axis > 0, every input a copy: for each computed outer index o, input k's run of
    ///         `sizes[k]·inner` elements at o is copied (MCOPY) right after the previous one.
    /// @dev The same bytes as `_fill` with `_runFast` copies; the per-run bookkeeping (a table of
    ///      (pointer, run bytes) per input) is read in one assembly loop.
    function _copyRows(ConcatenateConfig memory c, Geometry memory geo, bytes[] memory inputs, uint256 yp) private pure {
        uint256 n = inputs.length;
        uint256[] memory tab = new uint256[](2 * n);
        for (uint256 k = 0; k < n; k++) {
            tab[2 * k] = Merge.ptr(inputs, k);
            tab[2 * k + 1] = uint256(c.sizes[k]) * geo.inner * geo.eb;
        }
        uint256 oFrom = geo.oFrom;
        uint256 oTo = geo.oTo;
        /// @solidity memory-safe-assembly
        assembly {
            let t0 := add(tab, 0x20)
            let tEnd := add(t0, shl(6, n))
            for { let o := oFrom } lt(o, oTo) { o := add(o, 1) } {
                for { let t := t0 } lt(t, tEnd) { t := add(t, 0x40) } {
                    let run := mload(add(t, 0x20))
                    // Equivalent to: y[dst .. dst + run) = x_k[o·run .. (o + 1)·run)
                    mcopy(yp, add(mload(t), mul(o, run)), run)
                    yp := add(yp, run)
                }
            }
        }
    }

    /// @dev Every run: for each computed outer index o, the part of each input k inside [aFrom, aTo).
    function _fill(ConcatenateConfig memory c, Geometry memory geo, bytes[] memory inputs, bytes memory y, bool ref)
        private
        pure
    {
        for (uint256 o = geo.oFrom; o < geo.oTo; o++) {
            uint256 start = 0;
            for (uint256 k = 0; k < inputs.length; k++) {
                (uint256 src, uint256 dst, uint256 len) = _span(geo, c.sizes[k], o, start);
                start += c.sizes[k];
                if (len == 0) continue;
                if (ref) _runRef(c, geo, inputs[k], k, src, y, dst, len);
                else _runFast(c, geo, Merge.ptr(inputs, k) + src * geo.eb, k, Tensor.dataPtr(y) + dst * geo.eb, len);
            }
        }
    }

    /// @notice The run of an input of `size` axis positions starting at `start`, at outer index o, clipped
    ///         to the computed positions: element indices in the input (`src`) and the output (`dst`), length.
    function _span(Geometry memory geo, uint256 size, uint256 o, uint256 start)
        private
        pure
        returns (uint256 src, uint256 dst, uint256 len)
    {
        uint256 lo = start > geo.aFrom ? start : geo.aFrom;
        uint256 hi = start + size < geo.aTo ? start + size : geo.aTo;
        if (lo >= hi) return (0, 0, 0);
        src = (o * size + (lo - start)) * geo.inner;
        dst = ((o - geo.oFrom) * (geo.aTo - geo.aFrom) + (lo - geo.aFrom)) * geo.inner;
        len = (hi - lo) * geo.inner;
    }

    /// @notice One run of `len` elements from input k: MCOPY, or the int8 requantization loop.
    function _runFast(ConcatenateConfig memory c, Geometry memory geo, uint256 xp, uint256 k, uint256 yp, uint256 len)
        private
        pure
    {
        if (geo.mode == Mode.Q || (c.zIn[k] == c.zOut && uint256(c.M[k]) == uint256(1) << c.shift[k])) {
            /// @solidity memory-safe-assembly
            assembly {
                mcopy(yp, xp, mul(len, mload(add(geo, 0x20)))) // len·eb bytes
            }
            return;
        }
        int256 z = c.zIn[k];
        uint256 M = c.M[k];
        uint256 shift = c.shift[k];
        int256 zo = c.zOut;
        /// @solidity memory-safe-assembly
        assembly {
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(yp, len) } lt(yp, end) { yp := add(yp, 1) } {
                // |(x − z)·M| < 2^39: exact. Equivalent to: Int8Math.requantizeUnchecked(x − z, M, shift, zo)
                let v := mul(sub(signextend(0, byte(0, mload(xp))), z), M)
                if shift { v := sar(shift, add(v, sub(half, slt(v, 0)))) }
                v := add(v, zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                xp := add(xp, 1)
            }
        }
    }

    /// @notice Plain twin of `_runFast`, element by element.
    function _runRef(
        ConcatenateConfig memory c,
        Geometry memory geo,
        bytes memory x,
        uint256 k,
        uint256 src,
        bytes memory y,
        uint256 dst,
        uint256 len
    ) private pure {
        for (uint256 i = 0; i < len; i++) {
            if (geo.mode == Mode.Q) {
                Tensor.storeQ(y, dst + i, Tensor.loadQ(x, src + i));
            } else {
                int256 v = Rounding.rshiftRound((Tensor.loadI8(x, src + i) - c.zIn[k]) * int256(uint256(c.M[k])), c.shift[k]);
                Tensor.storeI8(y, dst + i, Rounding.sat8(c.zOut + v));
            }
        }
    }
}
