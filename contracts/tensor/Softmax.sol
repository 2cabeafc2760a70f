// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch} from "./Errors.sol";
import {Q64} from "./Q64.sol";
import {Rounding} from "./Rounding.sol";
import {QMath} from "./QMath.sol";
import {Int8Math} from "./Int8Math.sol";
import {Tensor} from "./Tensor.sol";

/// @title Softmax — softmax along one axis of a tensor, in both number modes.
/// @notice docs/numerics.md §3.2 (`softmaxQ`), §4.4 (dequantizeI8, quantizeQ), §5 (softmax along any
///         axis). Twin of assembly/tensor/Softmax.ts.
/// @dev The tensor has shape `dims` (row-major); `axis` splits it into `outer × n × inner` with
///      `n = dims[axis]`; slice `(o, i)` holds the n elements at `o·n·inner + j·inner + i`.
///      - `softmaxQ`: `m = max_j x_j`; `e_j = qExp(qSub(x_j, m))`; `S = Σ e_j` (exact);
///        `y_j = sat64(divRound(e_j·2^32, S))`. Max subtraction makes every exp argument ≤ 0, so
///        `e_max = qExp(0) = ONE`, `ONE ≤ S ≤ n·2^32 < 2^63`, and nothing overflows for any input.
///        Bound (numerics §6): ≤ 4 + n ulps per element against float64.
///      - `softmaxI8`: `v_j = dequantizeI8(x_j, zx, scaleQ)`, `p = softmaxQ(v)`,
///        `y_j = quantizeQ(p_j, M, shift, zOut)` — one implementation of the mathematics (numerics §4.4).
///      Failure conditions, in this order in both tiers (numerics §2): `InvalidShape(3)` a zero entry of
///      `dims`; `InvalidShape(5)` an entry ≥ 2^31 or a running product of the entries ≥ 2^31;
///      `InvalidShape(6)` `axis ≥ rank` (every axis of a rank-0 shape); `ShapeMismatch(expected,
///      actual)` for the input length in bytes; int8 only: `ValueOutOfRange(zx)`,
///      `ValueOutOfRange(scaleQ)` (`scaleQ ∉ [0, INT64_MAX]`), `InvalidRequantization(M, shift)`,
///      `ValueOutOfRange(zOut)`.
library Softmax {
    /// @dev Bound of InvalidShape(5).
    uint256 internal constant SHAPE_LIMIT = 2 ** 31;

    /// @notice Slice geometry: `outer × n × inner`, `count` elements in all.
    struct Slices {
        uint256 outer;
        uint256 n;
        uint256 inner;
        uint256 count;
    }

    /// @notice Validates `dims` and `axis` (codes 3, 5, 6 in that order) and returns the slice geometry.
    function checkShape(uint256[] memory dims, uint256 axis) internal pure returns (Slices memory sl) {
        uint256 rank = dims.length;
        for (uint256 d = 0; d < rank; d++) {
            if (dims[d] == 0) revert InvalidShape(3);
        }
        uint256 count = 1;
        for (uint256 d = 0; d < rank; d++) {
            if (dims[d] >= SHAPE_LIMIT) revert InvalidShape(5);
            count *= dims[d]; // both factors < 2^31: no overflow
            if (count >= SHAPE_LIMIT) revert InvalidShape(5);
        }
        if (axis >= rank) revert InvalidShape(6);
        sl.outer = 1;
        sl.inner = 1;
        for (uint256 d = 0; d < axis; d++) {
            sl.outer *= dims[d];
        }
        for (uint256 d = axis + 1; d < rank; d++) {
            sl.inner *= dims[d];
        }
        sl.n = dims[axis];
        sl.count = count;
    }

    /// @notice Softmax of a Q32.32 tensor (8-byte big-endian int64 elements) along `axis`.
    /// @dev numerics §3.2, §5. See the library doc for the definition, bound and failures.
    function softmaxQ(bytes memory x, uint256[] memory dims, uint256 axis) internal pure returns (bytes memory y) {
        Slices memory sl = checkShape(dims, axis);
        if (x.length != sl.count * 8) revert ShapeMismatch(sl.count * 8, x.length);
        y = Tensor.allocQ(sl.count);
        _softmax(x, y, sl);
    }

    /// @notice Softmax of an int8 tensor along `axis`: dequantize with (zx, scaleQ), softmaxQ, quantize
    ///         with (M, shift, zOut) — `M / 2^shift ≈ 1/(s_out·2^32)`.
    /// @dev numerics §4.4, §5. See the library doc for the failures.
    function softmaxI8(
        bytes memory x,
        int256 zx,
        int256 scaleQ,
        uint256[] memory dims,
        uint256 axis,
        int256 M,
        int256 shift,
        int256 zOut
    ) internal pure returns (bytes memory y) {
        Slices memory sl = checkShape(dims, axis);
        if (x.length != sl.count) revert ShapeMismatch(sl.count, x.length);
        Int8Math.checkI8(zx);
        Int8Math.checkScale(scaleQ);
        Int8Math.checkRequantization(M, shift);
        Int8Math.checkI8(zOut);
        bytes memory p = Tensor.allocQ(sl.count);
        _softmax(_dequantize(x, zx, scaleQ), p, sl);
        y = _quantize(p, M, shift, zOut);
    }

    /// @dev `dequantizeI8` of every element (validated parameters).
    function _dequantize(bytes memory x, int256 zx, int256 scaleQ) private pure returns (bytes memory v) {
        uint256 count = x.length;
        v = Tensor.allocQ(count);
        for (uint256 i = 0; i < count; i++) {
            Tensor.storeQ(v, i, Q64.unwrap(Int8Math.dequantizeI8Unchecked(Tensor.loadI8(x, i), zx, scaleQ)));
        }
    }

    /// @dev `quantizeQ` of every element (validated parameters).
    function _quantize(bytes memory p, int256 M, int256 shift, int256 zOut) private pure returns (bytes memory y) {
        uint256 count = p.length / 8;
        y = Tensor.allocI8(count);
        for (uint256 i = 0; i < count; i++) {
            Tensor.storeI8(y, i, Int8Math.requantizeUnchecked(Tensor.loadQ(p, i), M, shift, zOut));
        }
    }

    function _softmax(bytes memory x, bytes memory y, Slices memory sl) private pure {
        uint256 block_ = sl.n * sl.inner;
        for (uint256 o = 0; o < sl.outer; o++) {
            for (uint256 i = 0; i < sl.inner; i++) {
                _slice(x, y, sl, o * block_ + i);
            }
        }
    }

    /// @dev One slice starting at element `base` with stride `inner`. The exponentials are parked in y.
    function _slice(bytes memory x, bytes memory y, Slices memory sl, uint256 base) private pure {
        uint256 n = sl.n;
        uint256 st = sl.inner;
        int256 m = type(int256).min;
        for (uint256 j = 0; j < n; j++) {
            int256 v = Tensor.loadQ(x, base + j * st);
            if (v > m) m = v;
        }
        Q64 mq = Q64.wrap(int64(m)); // m is one of the int64 elements
        int256 S = 0;
        for (uint256 j = 0; j < n; j++) {
            uint256 k = base + j * st;
            Q64 d = QMath.qSub(Q64.wrap(int64(Tensor.loadQ(x, k))), mq); // ≤ 0
            int256 e = Q64.unwrap(QMath.qExp(d)); // 0 ≤ e ≤ ONE
            Tensor.storeQ(y, k, e);
            S += e;
        }
        // S ≥ ONE > 0; e·2^32 ≤ 2^64: divRound is exact in int256 and the quotient is ≤ ONE.
        for (uint256 j = 0; j < n; j++) {
            uint256 k = base + j * st;
            Tensor.storeQ(y, k, Rounding.sat64(Rounding.divRound(Tensor.loadQ(y, k) * 2 ** 32, S)));
        }
    }
}
