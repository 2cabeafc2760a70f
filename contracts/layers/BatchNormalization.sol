// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ValueOutOfRange, InvalidShape, InvalidRequantization} from "../tensor/Errors.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {Rounding} from "../tensor/Rounding.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";

/// @notice Config of a standalone Keras `BatchNormalization` (inference) over the last axis.
/// @param mode `Mode` as uint8. @param dims the input (= output) shape; channels are the last axis.
/// @param F q: fractional bits of input and output (the offsets are Q(F), the scales Q32).
/// @param zIn, zOut int8: input and output zero points.
struct BatchNormalizationConfig {
    uint8 mode;
    uint32[] dims;
    uint8 F;
    int8 zIn;
    int8 zOut;
}

/// @title BatchNormalization — Keras `BatchNormalization` at inference as a per-channel affine map
///        (docs/layers/conv.md "BatchNormalization").
/// @notice `y = γ·(x − μ)/√(σ² + ε) + β = a[c]·x + b[c]` with `a = γ/√(σ² + ε)`, `b = β − μ·a` precomputed by
///         the quantizer (src/harness/layers/batchNormalization.ts); c = the last index.
///         - q: `y = sat64(rshiftRound(x·A[c], 32) + B[c])`, A = a in Q32, B = b in Q(F) (one RHAZ, exact
///           int256 product). Blob: A int64 BE ×C ‖ B int64 BE ×C.
///         - int8: `y = sat8(zOut + rshiftRound((x − zIn)·M[c] + bias[c], shift[c]))` — a per-channel
///           requantization with a signed multiplier (γ may be negative): `M/2^shift ≈ a·s_in/s_out`,
///           `bias = RHAZ(b/s_out·2^shift)`. Blob: M int32 BE ×C ‖ shift uint8 ×C ‖ bias int64 BE ×C.
///         Ranges are over the first axis (rows of `dims[0]`). A BatchNormalization right after a Dense,
///         Conv2D or DepthwiseConv2D is better folded into that layer (`foldBatchNorm`, no layer at all).
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); rank 0
///      (`InvalidShape(104)`: no channel axis); dims (`InvalidShape(102)`, `(103)`); `from ≤ to ≤ dims[0]`
///      (`InvalidShape(100)`); input length, weights length (`ShapeMismatch`); q: F (`ValueOutOfRange`);
///      int8 per channel: `|M| < 2^31` and `shift ≤ 62` (`InvalidRequantization(M, shift)`), `|bias| ≤ 2^62`
///      (`ValueOutOfRange(bias)`). Twin: assembly/layers/BatchNormalization.ts.
library BatchNormalization {
    /// @dev Largest |bias| (keeps `(x − zIn)·M + bias` inside int64 in the oracle; as Rescaling).
    int256 internal constant BIAS_LIMIT = 2 ** 62;

    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return _run(config, weights, input, 0, 0, true, false);
    }

    /// @notice Rows `[from, to)` of the first axis.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(config, weights, input, from, to, false, false);
    }

    /// @notice Plain twin of `forwardRange` (Rounding's functions per element).
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(config, weights, input, from, to, false, true);
    }

    function _run(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full, bool ref)
        private
        pure
        returns (bytes memory)
    {
        BatchNormalizationConfig memory c = abi.decode(config, (BatchNormalizationConfig));
        (uint256 C, uint256 first, uint256 count) = _validate(c, weights, input, from, to, full);
        if (c.mode == uint8(Mode.Q)) return ref ? _qRef(input, weights, C, first, count) : _q(input, weights, C, first, count);
        if (ref) return _i8Ref(input, weights, C, first, count, c.zIn, c.zOut);
        return _i8(input, weights, C, first, count, c.zIn, c.zOut);
    }

    /// @dev All checks of the library doc, in order; returns the channel count and the element range.
    function _validate(BatchNormalizationConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool full)
        private
        pure
        returns (uint256 C, uint256 first, uint256 count)
    {
        Mode mode = LayerTypes.checkMode(c.mode);
        if (c.dims.length == 0) revert InvalidShape(LayerTypes.CODE_AXIS);
        uint256 n = LayerTypes.count(c.dims);
        C = c.dims[c.dims.length - 1];
        uint256 rows = c.dims[0];
        if (full) (from, to) = (0, rows);
        else LayerTypes.checkRange(from, to, rows);
        LayerTypes.requireLength(n * LayerTypes.elementBytes(mode), input.length);
        uint256 inner = n / rows; // elements per row of the first axis
        (first, count) = (from * inner, (to - from) * inner);
        if (mode == Mode.Q) {
            LayerTypes.requireLength(16 * C, weights.length);
            LayerTypes.checkF(c.F);
            return (C, first, count);
        }
        LayerTypes.requireLength(13 * C, weights.length);
        _checkI8(weights, C);
    }

    function _qRef(bytes memory x, bytes memory w, uint256 C, uint256 first, uint256 count) private pure returns (bytes memory y) {
        y = new bytes(8 * count);
        for (uint256 i = 0; i < count; i++) {
            uint256 ch = (first + i) % C;
            int256 v = Rounding.rshiftRound(Tensor.loadQ(x, first + i) * Tensor.loadQ(w, ch), 32) + Tensor.loadQ(w, C + ch);
            Tensor.storeQ(y, i, Rounding.sat64(v));
        }
    }

    function _i8Ref(bytes memory x, bytes memory w, uint256 C, uint256 first, uint256 count, int256 zIn, int256 zOut)
        private
        pure
        returns (bytes memory y)
    {
        y = new bytes(count);
        for (uint256 i = 0; i < count; i++) {
            Tensor.storeI8(y, i, _oneI8(Tensor.loadI8(x, first + i) - zIn, w, C, (first + i) % C, zOut));
        }
    }

    /// @dev `sat8(zOut + rshiftRound(d·M[ch] + bias[ch], shift[ch]))` for d = x − zIn.
    function _oneI8(int256 d, bytes memory w, uint256 C, uint256 ch, int256 zOut) private pure returns (int256) {
        (int256 m, uint256 s, int256 b) = _paramsI8(w, C, ch);
        return Rounding.sat8(zOut + Rounding.rshiftRound(d * m + b, s));
    }

    /// @dev Per channel: (M, shift) then bias.
    function _checkI8(bytes memory w, uint256 C) private pure {
        for (uint256 ch = 0; ch < C; ch++) {
            (int256 m, uint256 s, int256 b) = _paramsI8(w, C, ch);
            if (m == type(int32).min || s > 62) revert InvalidRequantization(m, int256(s));
            if (b > BIAS_LIMIT || b < -BIAS_LIMIT) revert ValueOutOfRange(b);
        }
    }

    function _paramsI8(bytes memory w, uint256 C, uint256 ch) private pure returns (int256 m, uint256 s, int256 b) {
        /// @solidity memory-safe-assembly
        assembly {
            let p := add(w, 0x20)
            m := sar(224, mload(add(p, shl(2, ch)))) // int32 M[ch]
            s := byte(0, mload(add(add(p, shl(2, C)), ch))) // uint8 shift[ch]
            b := sar(192, mload(add(add(p, mul(5, C)), shl(3, ch)))) // int64 bias[ch]
        }
    }

    /// @dev q: elements [first, first + count) (channel = index mod C), whole-word stores in ascending order
    ///      (allocQ's spare word absorbs the last one's spill).
    function _q(bytes memory x, bytes memory w, uint256 C, uint256 first, uint256 count) private pure returns (bytes memory y) {
        y = Tensor.allocQ(count);
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(add(x, 0x20), shl(3, first))
            let yp := add(y, 0x20)
            let end := add(yp, shl(3, count))
            let a0 := add(w, 0x20) // A[0]; B[c] = A[c] + 8C
            let bOff := shl(3, C)
            let ap := add(a0, shl(3, mod(first, C)))
            let aEnd := add(a0, bOff)
            for {} lt(yp, end) {} {
                // Equivalent to: Rounding.sat64(Rounding.rshiftRound(x·A[c], 32) + B[c]); |x·A| < 2^126
                let v := mul(sar(192, mload(xp)), sar(192, mload(ap)))
                v := add(sar(32, add(v, sub(0x80000000, slt(v, 0)))), sar(192, mload(add(ap, bOff))))
                if sgt(v, 0x7fffffffffffffff) { v := 0x7fffffffffffffff }
                if slt(v, not(0x7fffffffffffffff)) { v := not(0x7fffffffffffffff) }
                mstore(yp, shl(192, v))
                yp := add(yp, 8)
                xp := add(xp, 8)
                ap := add(ap, 8)
                if eq(ap, aEnd) { ap := a0 }
            }
        }
    }

    /// @dev int8: elements [first, first + count). The per-channel parameters are first expanded into a
    ///      table of words [M, bias, s, rcz] with s ≥ 1 and rcz = 2^(s−1) + zOut·2^s (a zero shift becomes
    ///      (2M, 1, 2·bias): the same value), so that `sar(s, t + rcz − [t < 0]) = rshiftRound(t, s) + zOut`
    ///      for t = (x − zIn)·M + bias (adding a multiple of 2^s commutes with the floor).
    function _i8(bytes memory x, bytes memory w, uint256 C, uint256 first, uint256 count, int256 zIn, int256 zOut)
        private
        pure
        returns (bytes memory y)
    {
        y = Tensor.allocI8(count);
        uint256 t0 = _tableI8(w, C, zOut);
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(add(x, 0x20), first)
            let yp := add(y, 0x20)
            let end := add(yp, count)
            let tEnd := add(t0, shl(7, C))
            let tp := add(t0, shl(7, mod(first, C)))
            for {} lt(yp, end) {} {
                // Equivalent to: sat8(zOut + rshiftRound((x − zIn)·M + bias, shift)); |(x − zIn)·M| < 2^40
                let t := add(mul(sub(signextend(0, byte(0, mload(xp))), zIn), mload(tp)), mload(add(tp, 0x20)))
                let v := sar(mload(add(tp, 0x40)), add(t, sub(mload(add(tp, 0x60)), slt(t, 0))))
                // Equivalent to: Rounding.sat8(v) (one comparison on the in-range path)
                if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                mstore8(yp, v)
                yp := add(yp, 1)
                xp := add(xp, 1)
                tp := add(tp, 0x80)
                if eq(tp, tEnd) { tp := t0 }
            }
        }
    }

    /// @dev The [M, bias, s, rcz] table of `_i8` (validated parameters: |M| < 2^31, s ≤ 62, |bias| ≤ 2^62).
    function _tableI8(bytes memory w, uint256 C, int256 zOut) private pure returns (uint256 t) {
        /// @solidity memory-safe-assembly
        assembly {
            t := mload(0x40)
            mstore(0x40, add(t, shl(7, C)))
        }
        for (uint256 ch = 0; ch < C; ch++) {
            (int256 m, uint256 s, int256 b) = _paramsI8(w, C, ch);
            if (s == 0) (m, s, b) = (2 * m, 1, 2 * b);
            int256 rcz = int256(1 << (s - 1)) + zOut * int256(1 << s);
            /// @solidity memory-safe-assembly
            assembly {
                let e := add(t, shl(7, ch))
                mstore(e, m)
                mstore(add(e, 0x20), b)
                mstore(add(e, 0x40), s)
                mstore(add(e, 0x60), rcz)
            }
        }
    }
}
