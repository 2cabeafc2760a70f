// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounding} from "../tensor/Rounding.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {InvalidRequantization} from "../tensor/Errors.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";
import {Merge} from "./Merge.sol";

/// @notice Config of Keras `Add` (docs/layers/merge-norm.md "Add").
/// @param mode `Mode` as uint8.
/// @param dims the shape of every input and of the output.
/// @param inputs the number of inputs n (1 ≤ n ≤ 65536).
/// @param zIn int8: the zero point of each input (n entries; empty in q mode).
/// @param m int8: each input's multiplier, `s_k/s_out ≈ m[k]/2^shift`, |m[k]| < 2^31 (n entries).
/// @param shift int8: the shared shift, 0..62. @param zOut int8: the output zero point.
struct AddConfig {
    uint8 mode;
    uint32[] dims;
    uint32 inputs;
    int8[] zIn;
    int32[] m;
    uint8 shift;
    int8 zOut;
}

/// @title Add — Keras `Add` (elementwise sum of n same-shape tensors) in both number modes.
/// @notice - q: `y = sat64(Σ_k x_k)` — the exact sum, saturated once (for n = 2 this is numerics §3.1 `qAdd`;
///           for n > 2 it never depends on the order of the inputs, unlike a saturating pairwise fold).
///         - int8 (TFLite ADD with each input in its own scale and zero point, rescaled to the output's):
///           `y = sat8(zOut + rshiftRound(Σ_k (x_k − zIn[k])·m[k], shift))` — numerics §4.4 `addI8`
///           generalised to n terms: one RHAZ of the exact sum (|Σ| < 2^16·255·2^31 < 2^55).
///         `forwardRange(from, to)` computes rows [from, to) of the first axis. No weights.
/// @dev Failure conditions, in this order in both tiers (twin: assembly/layers/Add.ts): mode
///      (`ValueOutOfRange`); dims (`InvalidShape(102)`, `(103)`); n = 0 (`InvalidShape(102)`), n > 65536
///      (`InvalidShape(103)`); `from ≤ to ≤ rows` (`InvalidShape(100)`); `inputs.length = n`, then each
///      input's length (`ShapeMismatch`); weights empty (`ShapeMismatch(0, len)`); int8: `zIn.length = n`,
///      `m.length = n` (`ShapeMismatch(n, len)`); per input `m[k] ≠ −2^31` (`InvalidRequantization(m[k],
///      shift)`); `shift ≤ 62` (`InvalidRequantization(m[0], shift)`).
///      Fast paths: q adds four int64 lanes per word (SWAR) and falls back to exact int256 partial sums in
///      scratch words when a partial sum overflows; int8 n = 2 is one assembly loop, n > 2 accumulates
///      exact partial sums in scratch words.
///      `forwardRangeRef` is the plain twin.
library Add {
    uint256 internal constant MAX_INPUTS = 65536;
    uint256 internal constant MAX_SHIFT = 62;

    function forward(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        AddConfig memory c = abi.decode(config, (AddConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), false);
    }

    function forwardRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (AddConfig)), weights, inputs, from, to, false);
    }

    function forwardRef(bytes memory config, bytes memory weights, bytes[] memory inputs) internal pure returns (bytes memory) {
        AddConfig memory c = abi.decode(config, (AddConfig));
        return _run(c, weights, inputs, 0, Merge.rows(c.dims), true);
    }

    function forwardRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (AddConfig)), weights, inputs, from, to, true);
    }

    /// @notice All checks of the library doc, in order; returns the mode and the elements per row.
    function validate(AddConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        internal
        pure
        returns (Mode mode, uint256 rowElems)
    {
        mode = LayerTypes.checkMode(c.mode);
        uint256 total = LayerTypes.count(c.dims);
        uint256 n = c.inputs;
        Merge.checkInputCount(n, MAX_INPUTS);
        uint256 rows = Merge.rows(c.dims);
        LayerTypes.checkRange(from, to, rows);
        Merge.checkInputs(inputs, n, total * LayerTypes.elementBytes(mode));
        LayerTypes.requireLength(0, weights.length);
        rowElems = total / rows;
        if (mode == Mode.Q) return (mode, rowElems);
        LayerTypes.requireLength(n, c.zIn.length);
        LayerTypes.requireLength(n, c.m.length);
        for (uint256 k = 0; k < n; k++) {
            if (c.m[k] == type(int32).min) revert InvalidRequantization(c.m[k], int256(uint256(c.shift)));
        }
        if (c.shift > MAX_SHIFT) revert InvalidRequantization(c.m[0], int256(uint256(c.shift)));
    }

    // =========================================================================================
    //                                          fast path
    // =========================================================================================

    function _run(AddConfig memory c, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to, bool ref)
        private
        pure
        returns (bytes memory y)
    {
        (Mode mode, uint256 rowElems) = validate(c, weights, inputs, from, to);
        uint256 off = from * rowElems; // first element computed
        uint256 m = (to - from) * rowElems; // elements computed
        if (ref) return mode == Mode.Q ? _refQ(inputs, off, m) : _refI8(c, inputs, off, m);
        if (mode == Mode.Q) {
            y = Tensor.allocQ(m);
            if (!_addQSwar(inputs, off, m, Tensor.dataPtr(y))) _addQN(inputs, off, m, Tensor.dataPtr(y));
            return y;
        }
        y = Tensor.allocI8(m);
        if (c.inputs == 2) _addI8Pair(c, inputs, off, m, Tensor.dataPtr(y));
        else _addI8N(c, inputs, off, m, Tensor.dataPtr(y));
    }

    /// @dev High bit of each of the four 64-bit lanes of a word.
    uint256 private constant LANE_HIGH = 0x8000000000000000800000000000000080000000000000008000000000000000;

    /// @notice `y = Σ_k x_k` lane-wise (SWAR, four int64 lanes per word) as a left fold; returns false when
    ///         some partial sum overflowed int64 (then the caller recomputes with `_addQN`, the exact path).
    /// @dev Per word: `s = ((a & L) + (b & L)) ^ ((a ^ b) & H)` adds the four lanes modulo 2^64 without a
    ///      carry crossing a lane (L = ¬H); a lane overflowed iff a, b have the same sign and s another:
    ///      `¬(a ^ b) & (a ^ s) & H`. If no partial sum of the fold overflows, the fold is the exact sum,
    ///      which then fits int64: `sat64(Σ) = Σ`. The last word may hold lanes past the m elements (reads
    ///      past an input, writes into allocQ's spare word); their flags are masked off.
    function _addQSwar(bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure returns (bool ok) {
        uint256 n = inputs.length;
        uint256 x0 = Merge.ptr(inputs, 0) + off * 8;
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(yp, x0, shl(3, m))
        }
        uint256 flag;
        for (uint256 k = 1; k < n; k++) {
            uint256 xp = Merge.ptr(inputs, k) + off * 8;
            /// @solidity memory-safe-assembly
            assembly {
                let h := LANE_HIGH
                let l := not(h)
                let end := shl(3, m)
                let i := 0
                for {} lt(add(i, 31), end) { i := add(i, 32) } {
                    let a := mload(add(yp, i))
                    let b := mload(add(xp, i))
                    let t := xor(a, b)
                    let v := xor(add(and(a, l), and(b, l)), and(t, h))
                    flag := or(flag, and(not(t), xor(a, v)))
                    mstore(add(yp, i), v)
                }
                if lt(i, end) {
                    // the last r < 4 elements: lanes 0 .. r−1 of one more word
                    let a := mload(add(yp, i))
                    let b := mload(add(xp, i))
                    let t := xor(a, b)
                    let v := xor(add(and(a, l), and(b, l)), and(t, h))
                    let valid := not(shr(shl(3, sub(end, i)), not(0))) // the top 8·(end − i) bytes
                    flag := or(flag, and(and(not(t), xor(a, v)), valid))
                    mstore(add(yp, i), v)
                }
                flag := and(flag, h)
            }
        }
        ok = flag == 0;
    }

    /// @notice `y[i] = sat64(Σ_k x_k[i])` for any n: exact int256 partial sums in scratch words.
    function _addQN(bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure {
        uint256 acc = Merge.scratchWords(m);
        uint256 n = inputs.length;
        for (uint256 k = 0; k < n; k++) {
            uint256 xp = Merge.ptr(inputs, k) + off * 8;
            /// @solidity memory-safe-assembly
            assembly {
                // |Σ| ≤ n·2^63 ≤ 2^79: exact.
                let first := iszero(k)
                for { let a := acc let end := add(acc, shl(5, m)) } lt(a, end) { a := add(a, 0x20) } {
                    let v := sar(192, mload(xp))
                    if iszero(first) { v := add(v, mload(a)) }
                    mstore(a, v)
                    xp := add(xp, 8)
                }
            }
        }
        /// @solidity memory-safe-assembly
        assembly {
            let bias := shl(63, 1)
            let range := not(shl(64, not(0)))
            let hi := shr(1, range)
            for { let end := add(yp, shl(3, m)) } lt(yp, end) { yp := add(yp, 8) } {
                let v := mload(acc)
                // Equivalent to: Rounding.sat64(v)
                if gt(add(v, bias), range) { v := xor(hi, sar(255, v)) }
                mstore(yp, shl(192, v))
                acc := add(acc, 0x20)
            }
        }
    }

    /// @notice n = 2: `y = sat8(zOut + rshiftRound((a − za)·ma + (b − zb)·mb, shift))` (numerics §4.4 addI8).
    /// @dev One induction variable; `(a − za)·ma + (b − zb)·mb = a·ma + b·mb + c` with the constant
    ///      `c = −(za·ma + zb·mb)`; RHAZ as `sar(s, v + 2^(s−1) − [v < 0])`, where `[v < 0]` is multiplied by
    ///      `s > 0` so that s = 0 is the identity.
    function _addI8Pair(AddConfig memory c, bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure {
        uint256 ap = Merge.ptr(inputs, 0) + off;
        uint256 bp = Merge.ptr(inputs, 1) + off;
        int256 ma = c.m[0];
        int256 mb = c.m[1];
        int256 k = -(c.zIn[0] * ma + c.zIn[1] * mb);
        uint256 shift = c.shift;
        int256 zo = c.zOut;
        /// @solidity memory-safe-assembly
        assembly {
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            let pos := gt(shift, 0)
            for { let i := 0 } lt(i, m) { i := add(i, 1) } {
                // Equivalent to: (a − za)·ma + (b − zb)·mb, |·| < 2^40
                let v := add(add(mul(signextend(0, byte(0, mload(add(ap, i)))), ma), mul(signextend(0, byte(0, mload(add(bp, i)))), mb)), k)
                // Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(v, shift))
                v := add(sar(shift, add(v, sub(half, and(slt(v, 0), pos)))), zo)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(add(yp, i), v)
            }
        }
    }

    /// @notice Any n: exact partial sums of `(x_k − zIn[k])·m[k]` in scratch words, then one RHAZ.
    function _addI8N(AddConfig memory c, bytes[] memory inputs, uint256 off, uint256 m, uint256 yp) private pure {
        uint256 acc = Merge.scratchWords(m);
        uint256 n = inputs.length;
        for (uint256 k = 0; k < n; k++) {
            uint256 xp = Merge.ptr(inputs, k) + off;
            int256 z = c.zIn[k];
            int256 mk = c.m[k];
            /// @solidity memory-safe-assembly
            assembly {
                let first := iszero(k)
                for { let a := acc let end := add(acc, shl(5, m)) } lt(a, end) { a := add(a, 0x20) } {
                    // |(x − z)·m| < 2^39; n ≤ 2^16 terms: |Σ| < 2^55.
                    let v := mul(sub(signextend(0, byte(0, mload(xp))), z), mk)
                    if iszero(first) { v := add(v, mload(a)) }
                    mstore(a, v)
                    xp := add(xp, 1)
                }
            }
        }
        uint256 shift = c.shift;
        int256 zo = c.zOut;
        /// @solidity memory-safe-assembly
        assembly {
            let half := 0
            if shift { half := shl(sub(shift, 1), 1) }
            for { let end := add(yp, m) } lt(yp, end) { yp := add(yp, 1) } {
                let v := mload(acc)
                // Equivalent to: Rounding.sat8(zo + Rounding.rshiftRound(v, shift))
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

    function _refQ(bytes[] memory inputs, uint256 off, uint256 m) private pure returns (bytes memory y) {
        y = new bytes(m * 8);
        for (uint256 i = 0; i < m; i++) {
            int256 s = 0;
            for (uint256 k = 0; k < inputs.length; k++) {
                s += Tensor.loadQ(inputs[k], off + i);
            }
            Tensor.storeQ(y, i, Rounding.sat64(s));
        }
    }

    function _refI8(AddConfig memory c, bytes[] memory inputs, uint256 off, uint256 m) private pure returns (bytes memory y) {
        y = new bytes(m);
        for (uint256 i = 0; i < m; i++) {
            int256 s = 0;
            for (uint256 k = 0; k < inputs.length; k++) {
                s += (Tensor.loadI8(inputs[k], off + i) - c.zIn[k]) * c.m[k];
            }
            Tensor.storeI8(y, i, Rounding.sat8(c.zOut + Rounding.rshiftRound(s, c.shift)));
        }
    }
}
