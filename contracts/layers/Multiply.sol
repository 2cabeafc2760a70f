// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {QMath} from "../tensor/QMath.sol";
import {Rounding} from "../tensor/Rounding.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Merge} from "./Merge.sol";

/// @notice Config of Keras `Multiply` (docs/layers/merge-norm.md "Multiply").
/// @param mode `Mode` as uint8.
/// @param dims the shape of every input and of the output.
/// @param inputs the number of inputs n (q: 1 ≤ n ≤ 65536; int8: 1 ≤ n ≤ 8).
/// @param F q: fractional bits of inputs and output.
/// @param zIn int8: the zero point of each input (n entries; empty in q mode).
/// @param M int8: `Π_k s_k / s_out ≈ M/2^shift`, 0 ≤ M < 2^31. @param shift int8: 0..126.
/// @param zOut int8: the output zero point.
struct MultiplyConfig {
    uint8 mode;
    uint32[] dims;
    uint32 inputs;
    uint8 F;
    int8[] zIn;
    uint32 M;
    uint8 shift;
    int8 zOut;
}

/// @title Multiply — Keras `Multiply` (elementwise product of n same-shape tensors) in both number modes.
/// @notice - q: the left fold of numerics §3.1 `qMul`, as Keras folds `output = output * inputs[k]`:
///           `y = qMul(…qMul(qMul(x_1, x_2, F), x_3, F)…, x_n, F)` (each step correctly rounded, saturated).
///         - int8 (TFLite MUL): `y = sat8(zOut + rshiftRound(Π_k (x_k − zIn[k])·M, shift))` — one RHAZ of the
///           exact product (|Π| ≤ 255^8 < 2^64, |Π·M| < 2^95); for n = 2 this is numerics §4.4 `mulI8`.
///         `forwardRange(from, to)` computes rows [from, to) of the first axis. No weights.
/// @dev Failure conditions, in this order in both tiers (twin: assembly/layers/Multiply.ts): mode
///      (`ValueOutOfRange`); dims (`InvalidShape(102)`, `(103)`); n = 0 (`InvalidShape(102)`), n above the
///      mode's limit (`InvalidShape(103)`); `from ≤ to ≤ rows` (`InvalidShape(100)`); `inputs.length = n`,
///      then each input's length (`ShapeMismatch`); weights empty (`ShapeMismatch(0, len)`); q: F
///      (`ValueOutOfRange(F)`); int8: `zIn.length = n` (`ShapeMismatch(n, len)`), (M, shift)
///      (`InvalidRequantization`).
///      Fast path: assembly loops (q: in place on the output; int8: n = 2 fused, n > 2 via exact int256
///      partial products in scratch words). `forwardRangeRef` is the plain twin.
library Multiply {
    uint256 internal constant MAX_INPUTS_Q = 65536;
    uint256 internal constant MAX_INPUTS_I8 = 8;

    function forward(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        MultiplyConfig memory c = abi.decode(config, (MultiplyConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), false);
    }

    function forwardRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (MultiplyConfig)), weights, inputs, from, to, false);
    }

    function forwardRef(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        MultiplyConfig memory c = abi.decode(config, (MultiplyConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), true);
    }

    function forwardRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (MultiplyConfig)), weights, inputs, from, to, true);
    }

    /// @notice All checks of the library doc, in order; returns the mode and the elements per row.
    function validate(MultiplyConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (Mode mode, uint256 rowElems)
    {
        mode = LayerTypes.checkMode(c.mode);
        uint256 total = LayerTypes.count(c.dims);
        uint256 n = c.inputs;
        Merge.checkInputCount(n, mode == Mode.Q ? MAX_INPUTS_Q : MAX_INPUTS_I8);
        uint256 rows = Merge.rows(c.dims);
        LayerTypes.checkRange(from, to, rows);
        Merge.checkInputs(inputs, n, total * LayerTypes.elementBytes(mode));
        LayerTypes.requireLength(0, weights.length);
        rowElems = total / rows;
        if (mode == Mode.Q) {
            LayerTypes.checkF(c.F);
            return (mode, rowElems);
        }
        LayerTypes.requireLength(n, c.zIn.length);
        LayerTypes.checkRequant(int256(uint256(c.M)), c.shift);
    }

    // =========================================================================================
    //                                          fast path
    // =========================================================================================

    function _run(MultiplyConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to, bool ref)
        private
        pure
        returns (bytes memory y)
    {
        (Mode mode, uint256 rowElems) = validate(c, weights, inputs, from, to);
        uint256 off = from * rowElems;
        uint256 m = (to - from) * rowElems;
        if (ref) return mode == Mode.Q ? _refQ(c, inputs, off, m) : _refI8(c, inputs, off, m);
        if (mode == Mode.Q) {
            y = Tensor.allocQ(m);
            if (!_mulQFast(inputs, off, m, c.F, Tensor.dataPtr(y))) _mulQ(inputs, off, m, c.F, Tensor.dataPtr(y));
            return y;
        }
        y = Tensor.allocI8(m);
        if (c.inputs == 2) _mulI8Pair(c, inputs, off, m, Tensor.dataPtr(y));
        else _mulI8N(c, inputs, off, m, Tensor.dataPtr(y));
    }

    /// @notice The qMul fold without saturation, four lanes per word: `y = x_1; y = rshiftRound(y·x_k, F)`.
    ///         Returns false when some step left int64 (then the caller recomputes with `_mulQ`, which
    ///         saturates): `flag` is the OR of `v + 2^63` over every result, `< 2^64` ⇔ all in range.
    /// @dev RHAZ as `sar(F, v + 2^(F−1) − [v < 0])`, `[v < 0]` multiplied by `F > 0` (F = 0 is exact).
    ///      Whole words first, then the last m mod 4 elements one by one (read-modify-write: in place).
    function _mulQFast(bytes[] memory inputs, uint256 off, uint256 m, uint256 F, uint256 yp) private pure returns (bool ok) {
        uint256 x0 = Merge.ptr(inputs, 0) + off * 8;
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(yp, x0, shl(3, m))
        }
        uint256 n = inputs.length;
        uint256 flag;
        for (uint256 k = 1; k < n; k++) {
            flag |= _mulStepFast(yp, Merge.ptr(inputs, k) + off * 8, m, F);
        }
        ok = flag < 2 ** 64;
    }

    /// @notice One fold step of `_mulQFast` in place: `y[i] = rshiftRound(y[i]·x[i], F)` without saturation;
    ///         returns the OR of `v + 2^63` over the results.
    function _mulStepFast(uint256 yp, uint256 xp, uint256 m, uint256 F) private pure returns (uint256 flag) {
        /// @solidity memory-safe-assembly
        assembly {
            let c63 := shl(63, 1)
            let m64 := sub(shl(64, 1), 1)
            let half := 0
            if F { half := shl(sub(F, 1), 1) }
            let pos := gt(F, 0)
            let i := 0
            // NOTE: the bound of the whole words is recomputed per word: one stack slot less.
            for {} lt(i, shl(5, shr(2, m))) { i := add(i, 32) } {
                let a := mload(add(yp, i))
                let b := mload(add(xp, i))
                // |a·b| ≤ 2^126: exact. Equivalent to: rshiftRound(a·b, F), lane by lane.
                let v := mul(sar(192, a), sar(192, b))
                v := sar(F, add(v, sub(half, and(slt(v, 0), pos))))
                flag := or(flag, add(v, c63))
                let out := and(v, m64)
                v := mul(sar(192, shl(64, a)), sar(192, shl(64, b)))
                v := sar(F, add(v, sub(half, and(slt(v, 0), pos))))
                flag := or(flag, add(v, c63))
                out := or(shl(64, out), and(v, m64))
                v := mul(sar(192, shl(128, a)), sar(192, shl(128, b)))
                v := sar(F, add(v, sub(half, and(slt(v, 0), pos))))
                flag := or(flag, add(v, c63))
                out := or(shl(64, out), and(v, m64))
                v := mul(signextend(7, a), signextend(7, b))
                v := sar(F, add(v, sub(half, and(slt(v, 0), pos))))
                flag := or(flag, add(v, c63))
                mstore(add(yp, i), or(shl(64, out), and(v, m64)))
            }
            for { let end := shl(3, m) } lt(i, end) { i := add(i, 8) } {
                let p := add(yp, i)
                let v := mul(sar(192, mload(p)), sar(192, mload(add(xp, i))))
                v := sar(F, add(v, sub(half, and(slt(v, 0), pos))))
                flag := or(flag, add(v, c63))
                mstore(p, or(and(mload(p), shr(64, not(0))), shl(192, v))) // read-modify-write
            }
        }
    }

    /// @notice The qMul fold, in place on the output: y = x_1; y[i] = sat64(rshiftRound(y[i]·x_k[i], F)).
    function _mulQ(bytes[] memory inputs, uint256 off, uint256 m, uint256 F, uint256 yp) private pure {
        uint256 x0 = Merge.ptr(inputs, 0) + off * 8;
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(yp, x0, shl(3, m))
        }
        uint256 n = inputs.length;
        for (uint256 k = 1; k < n; k++) {
            uint256 xp = Merge.ptr(inputs, k) + off * 8;
            /// @solidity memory-safe-assembly
            assembly {
                let bias := shl(63, 1)
                let range := not(shl(64, not(0)))
                let hi := shr(1, range)
                let low192 := shr(64, not(0))
                let half := 0
                if F { half := shl(sub(F, 1), 1) }
                let p := yp
                for { let end := add(yp, shl(3, m)) } lt(p, end) { p := add(p, 8) } {
                    // Equivalent to: Rounding.rshiftRound(u·v, F); |u·v| ≤ 2^126 is exact in int256.
                    let v := mul(sar(192, mload(p)), sar(192, mload(xp)))
                    if F { v := sar(F, add(v, sub(half, slt(v, 0)))) }
                    // Equivalent to: Rounding.sat64(v)
                    if gt(add(v, bias), range) { v := xor(hi, sar(255, v)) }
                    // Read-modify-write: the elements after p still hold the previous fold values.
                    mstore(p, or(and(mload(p), low192), shl(192, v)))
                    xp := add(xp, 8)
                }
            }
        }
    }

    /// @notice n = 2: `y = sat8(zOut + rshiftRound((a − za)·(b − zb)·M, shift))` (numerics §4.4 mulI8).
    function _mulI8Pair(MultiplyConfig memory c, bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure {
        uint256 ap = Merge.ptr(inputs, 0) + off;
        uint256 bp = Merge.ptr(inputs, 1) + off;
        int256 za = c.zIn[0];
        int256 zb = c.zIn[1];
        uint256 M = c.M;
        uint256 shift = c.shift;
        int256 zo = c.zOut;
        /// @solidity memory-safe-assembly
        assembly {
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(yp, m) } lt(yp, end) { yp := add(yp, 1) } {
                // Equivalent to: (a − za)·(b − zb)·M, |·| < 2^47
                let v := mul(mul(sub(signextend(0, byte(0, mload(ap))), za), sub(signextend(0, byte(0, mload(bp))), zb)), M)
                // Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(v, shift))
                if shift { v := sar(shift, add(v, sub(half, slt(v, 0)))) }
                v := add(v, zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                ap := add(ap, 1)
                bp := add(bp, 1)
            }
        }
    }

    /// @notice Any n ≤ 8: exact partial products `Π (x_k − zIn[k])` in scratch words, then one requantization.
    function _mulI8N(MultiplyConfig memory c, bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure {
        uint256 acc = Merge.scratchWords(m);
        uint256 n = inputs.length;
        for (uint256 k = 0; k < n; k++) {
            uint256 xp = Merge.ptr(inputs, k) + off;
            int256 z = c.zIn[k];
            /// @solidity memory-safe-assembly
            assembly {
                let first := iszero(k)
                for { let a := acc let end := add(acc, shl(5, m)) } lt(a, end) { a := add(a, 0x20) } {
                    // |Π| ≤ 255^8 < 2^64: exact.
                    let v := sub(signextend(0, byte(0, mload(xp))), z)
                    if iszero(first) { v := mul(v, mload(a)) }
                    mstore(a, v)
                    xp := add(xp, 1)
                }
            }
        }
        uint256 M = c.M;
        uint256 shift = c.shift;
        int256 zo = c.zOut;
        /// @solidity memory-safe-assembly
        assembly {
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(yp, m) } lt(yp, end) { yp := add(yp, 1) } {
                // |Π·M| < 2^95: exact. Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(Π·M, shift))
                let v := mul(mload(acc), M)
                if shift { v := sar(shift, add(v, sub(half, slt(v, 0)))) }
                v := add(v, zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                acc := add(acc, 0x20)
            }
        }
    }

    // =========================================================================================
    //                                          plain twin
    // =========================================================================================

    function _refQ(MultiplyConfig memory c, bytes[] memory inputs, uint256 off, uint256 m) private pure returns (bytes memory y) {
        y = new bytes(m * 8);
        for (uint256 i = 0; i < m; i++) {
            Q64 v = Q64.wrap(int64(Tensor.loadQ(inputs[0], off + i)));
            for (uint256 k = 1; k < inputs.length; k++) {
                v = QMath.qMul(v, Q64.wrap(int64(Tensor.loadQ(inputs[k], off + i))), c.F);
            }
            Tensor.storeQ(y, i, Q64.unwrap(v));
        }
    }

    function _refI8(MultiplyConfig memory c, bytes[] memory inputs, uint256 off, uint256 m) private pure returns (bytes memory y) {
        y = new bytes(m);
        for (uint256 i = 0; i < m; i++) {
            int256 p = 1;
            for (uint256 k = 0; k < inputs.length; k++) {
                p *= Tensor.loadI8(inputs[k], off + i) - c.zIn[k];
            }
            Tensor.storeI8(y, i, Rounding.sat8(c.zOut + Rounding.rshiftRound(p * int256(uint256(c.M)), c.shift)));
        }
    }
}
