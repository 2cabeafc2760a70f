// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounding} from "../tensor/Rounding.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {MatVec} from "../tensor/MatVec.sol";
import {Softmax} from "../tensor/Softmax.sol";
import {InvalidShape} from "../tensor/Errors.sol";
import {Mode, ActKind, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Activation} from "./Activation.sol";

/// @notice Config of a Keras `Dense` layer (docs/layers.md "Dense").
/// @param mode `Mode` as uint8.
/// @param rows leading rows: the input is `rows × K` row-major (1 for a vector; T for a `[T, K]`
///        sequence — Keras Dense acts on the last axis), the output `rows × N`.
/// @param K input units. @param N output units (Keras `units`).
/// @param act the activation (q: numbers in Q(F); int8: see docs/layers.md "int8 activations").
/// @param F q mode: fractional bits of input, kernel, bias and output.
/// @param zIn int8: input zero point.
/// @param zPre int8: zero point of the requantized accumulators — the layer output when the activation
///        is fused (Linear, Relu family with threshold 0), else the pre-activation tensor.
/// @param lo int8: stage-A lower clamp (relu: quantized 0; −128 otherwise).
/// @param hi int8: stage-A upper clamp (relu6 / capped ReLU: quantized max_value; 127 otherwise).
/// @param negative int8: the blob carries per-channel negative-branch multipliers (fused leaky slope).
/// @param scalePreQ int8, non-fused activations: the pre-activation tensor's scale in Q32.
/// @param outM int8, non-fused: output quantization `1/(s_out·2^32) ≈ outM/2^outShift`.
/// @param outShift see outM. @param zOut int8, non-fused: output zero point.
struct DenseConfig {
    uint8 mode;
    uint32 rows;
    uint32 K;
    uint32 N;
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

/// @title Dense — Keras `Dense` (`y = act(x·W + b)`, W the `[K, N]` kernel) in both number modes.
/// @notice Twin of assembly/layers/Dense.ts. `forward` computes every unit, `forwardRange(from, to)`
///         units `[from, to)` of every row (output `rows × (to − from)`, row-major), so a layer too large
///         for one transaction is split across several (docs/architecture.md).
///         - q mode (numerics §3, §5): `pre[o] = sat64(rshiftRound(Σ_i x[i]·W[i][o], F) + b[o])` with an
///           exact int256 accumulator, then the activation (`Activation.actQ`, softmax along the units).
///           Weight blob: `W` as K×N int64 big-endian row-major ‖ `b` as N int64 big-endian.
///         - int8 mode (numerics §4): `acc[o] = b[o] + Σ_i (x[i] − zIn)·W[i][o]` (exact, the SWAR kernel
///           of numerics §4.2), stage A `Activation.requantAct(acc, M[o], shift[o], Mn[o], shiftN[o],
///           zPre, lo, hi)`, then — for non-fused activations — stage B `Activation.actI8` (or
///           `softmaxI8` along the units) from `(zPre, scalePreQ)` to `(outM, outShift, zOut)`.
///           Weight blob: W in the panel layout of numerics §4.2 (`⌈N/32⌉·32·K` bytes) ‖ `b` int32 BE ×N
///           ‖ `M` uint32 BE ×N ‖ `shift` uint8 ×N ‖ (if `negative`) `Mn` int32 BE ×N ‖ `shiftN` uint8 ×N.
/// @dev Failure conditions, in this order in both tiers (docs/layers.md): mode, kind
///      (`ValueOutOfRange`); rows, K, N ≥ 1 (`InvalidShape(102)`); rows·K, rows·N, K·N < 2^31
///      (`InvalidShape(103)`); `from ≤ to ≤ N` (`InvalidShape(100)`); softmax on a partial range
///      (`InvalidShape(101)`); input length, then weights length (`ShapeMismatch`); q: F
///      (`ValueOutOfRange`); int8: lo ≤ hi (`ValueOutOfRange(lo)`), non-fused: scalePreQ ≥ 0
///      (`ValueOutOfRange`) and (outM, outShift) (`InvalidRequantization`); then per channel o in
///      [from, to): (M[o], shift[o]), and if `negative` (Mn[o], shiftN[o]) (`InvalidRequantization`).
///      Every fast path has a plain twin (`forwardRangeRef`); tests prove fast == Ref == oracle.
library Dense {
    /// @dev Outputs per SWAR panel (numerics §4.2).
    uint256 internal constant PANEL = 32;

    /// @notice Parameters of the stage-A loop, kept in memory (the loop reads them per element).
    /// @dev The first six fields are read by offset in `_stageA`'s assembly: keep their order.
    struct StageA {
        uint256 mOff; // M[o] relative to b[o]: 4N
        uint256 mnOff; // Mn[o] relative to b[o]: 9N if negative, else 4N (= M)
        uint256 snOff; // shiftN[o] relative to shift[o]: 5N if negative, else 0 (= shift)
        int256 z; // zPre
        int256 lo;
        int256 hi;
        uint256 n1; // units computed by the SWAR kernel: [c0, to)
        uint256 w; // units kept: [from, to)
        uint256 acc; // n1 int256 accumulators (scratch)
        uint256 accFrom; // → acc of unit `from`
        uint256 wp; // → the first panel used
        uint256 q4; // → b[from] (4-byte entries: b, M at +4N, Mn at +9N)
        uint256 q1; // → shift[from] (1-byte entries: shift, shiftN at +5N)
    }

    // =========================================================================================
    //                                          entry points
    // =========================================================================================

    /// @notice The whole layer: `rows × N` outputs.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        DenseConfig memory c = abi.decode(config, (DenseConfig));
        return _run(c, weights, input, 0, c.N);
    }

    /// @notice Units `[from, to)` of every row: `rows × (to − from)` outputs, row-major.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (DenseConfig)), weights, input, from, to);
    }

    /// @notice Byte length of the weight blob of `c` (see the library doc for the layouts).
    function weightsLength(DenseConfig memory c) internal pure returns (uint256) {
        uint256 K = c.K;
        uint256 N = c.N;
        if (c.mode == uint8(Mode.Q)) return 8 * K * N + 8 * N;
        return MatVec.panelBytes(K, N) + 9 * N + (c.negative ? 5 * N : 0);
    }

    /// @notice All checks of the library doc, in order; returns the mode.
    function validate(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (Mode mode)
    {
        mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkKind(c.act.kind);
        LayerTypes.checkDim(c.rows);
        LayerTypes.checkDim(c.K);
        LayerTypes.checkDim(c.N);
        LayerTypes.checkCount(uint256(c.rows) * c.K);
        LayerTypes.checkCount(uint256(c.rows) * c.N);
        LayerTypes.checkCount(uint256(c.K) * c.N);
        LayerTypes.checkRange(from, to, c.N);
        if (c.act.kind == uint8(ActKind.Softmax) && (from != 0 || to != c.N)) {
            revert InvalidShape(LayerTypes.CODE_PARTIAL_SOFTMAX);
        }
        LayerTypes.requireLength(uint256(c.rows) * c.K * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(weightsLength(c), weights.length);
        if (mode == Mode.Q) {
            LayerTypes.checkF(c.F);
            return mode;
        }
        LayerTypes.checkClamp(c.lo, c.hi);
        if (!LayerTypes.isFusedI8(c.act)) {
            LayerTypes.checkScale(c.scalePreQ);
            LayerTypes.checkRequant(int256(uint256(c.outM)), c.outShift);
        }
        _checkChannels(c, weights, from, to);
    }

    // =========================================================================================
    //                                          fast path
    // =========================================================================================

    function _run(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory)
    {
        if (validate(c, weights, input, from, to) == Mode.Q) return _forwardQ(c, weights, input, from, to);
        return _forwardI8(c, weights, input, from, to);
    }

    function _forwardQ(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        uint256 w = to - from;
        y = Tensor.allocQ(uint256(c.rows) * w);
        unchecked {
            // r·K·8 < rows·K·8 and r·w·8 < rows·w·8: inside the (checked) input and the output.
            for (uint256 r = 0; r < c.rows; r++) {
                _matvecQRange(c, Tensor.dataPtr(input) + r * c.K * 8, Tensor.dataPtr(weights), from, to, Tensor.dataPtr(y) + r * w * 8);
            }
        }
        if (c.act.kind == uint8(ActKind.Softmax)) return Activation.softmaxQ(y, _dims(c), 1, c.F);
        Activation.applyQ(y, uint256(c.rows) * w, c.act, c.F);
    }

    /// @notice `y[o − from] = sat64(rshiftRound(Σ_i x[i]·W[i][o], F) + b[o])` for o in [from, to), on raw
    ///         pointers (`xp` → one row of x, `wp` → the blob: W row-major K×N int64 BE, then b).
    /// @dev The q kernel of MatVec.sol (`_matvecQRaw`, private there) with a column range: four outputs per
    ///      pass share each 32-byte load of `W[i][o..o+3]`; ≈ 45 gas/MAC. Writes whole words in increasing
    ///      o (zeroing the 24 bytes after each element): the caller owns the buffer up to 24 bytes past
    ///      the last element (Tensor.allocQ's spare word; rows are written in increasing order).
    function _matvecQRange(DenseConfig memory c, uint256 xp, uint256 wp, uint256 from, uint256 to, uint256 yp)
        private
        pure
    {
        uint256 K = c.K;
        uint256 F = c.F;
        unchecked {
            // o < to ≤ N: every pointer stays inside the checked buffers (loads may run past W into b or
            // beyond; their sums belong to columns ≥ to and are discarded by _finishQ).
            uint256 rowBytes = uint256(c.N) * 8;
            uint256 bp = wp + K * rowBytes;
            for (uint256 o = from; o < to; o += 4) {
                (int256 a0, int256 a1, int256 a2, int256 a3) = MatVec.dot4Q(xp, wp + o * 8, K, rowBytes);
                uint256 p = yp + (o - from) * 8;
                _finishQ(a0, o, to, F, bp, p);
                _finishQ(a1, o + 1, to, F, bp, p + 8);
                _finishQ(a2, o + 2, to, F, bp, p + 16);
                _finishQ(a3, o + 3, to, F, bp, p + 24);
            }
        }
    }

    /// @notice Store `sat64(rshiftRound(acc, F) + b[o])` at `p` when `o < to`.
    function _finishQ(int256 acc, uint256 o, uint256 to, uint256 F, uint256 bp, uint256 p) private pure {
        if (o >= to) return;
        int256 v = Rounding.rshiftRound(acc, F);
        /// @solidity memory-safe-assembly
        assembly {
            v := add(v, sar(192, mload(add(bp, shl(3, o))))) // + int64(b[o]); |v| < 2^124
        }
        v = Rounding.sat64(v);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(p, shl(192, v)) // whole-word store in increasing order (see _matvecQRange)
        }
    }

    function _forwardI8(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        y = Tensor.allocI8(uint256(c.rows) * (to - from));
        if (to > from) {
            StageA memory sa = _stageAParams(c, weights, from, to);
            unchecked {
                // r·K < rows·K and r·w < rows·w: inside the (checked) input and the output.
                for (uint256 r = 0; r < c.rows; r++) {
                    _rowI8(c, sa, Tensor.dataPtr(input) + r * c.K, Tensor.dataPtr(y) + r * sa.w);
                }
            }
        }
        if (LayerTypes.isFusedI8(c.act)) return y;
        if (c.act.kind == uint8(ActKind.Softmax)) {
            return Softmax.softmaxI8(y, c.zPre, c.scalePreQ, _dims(c), 1, int256(uint256(c.outM)), int256(uint256(c.outShift)), c.zOut);
        }
        Activation.applyI8(y, c.act, c.zPre, c.scalePreQ, int256(uint256(c.outM)), c.outShift, c.zOut);
    }

    /// @notice The stage-A context of units [from, to) (from < to): offsets, clamps and pointers.
    function _stageAParams(DenseConfig memory c, bytes memory weights, uint256 from, uint256 to)
        private
        pure
        returns (StageA memory sa)
    {
        uint256 N = c.N;
        sa.mOff = 4 * N;
        sa.mnOff = c.negative ? 9 * N : 4 * N;
        sa.snOff = c.negative ? 5 * N : 0;
        sa.z = c.zPre;
        sa.lo = c.lo;
        sa.hi = c.hi;
        // The panels holding units [from, to) start at panel ⌊from/32⌋, whose first unit is c0 and whose
        // first byte is c0·K (numerics §4.2: panel p = K words of 32 bytes).
        uint256 c0 = (from / PANEL) * PANEL;
        sa.n1 = to - c0;
        sa.w = to - from;
        sa.acc = _allocScratch(sa.n1 * 32);
        sa.accFrom = sa.acc + (from - c0) * 32;
        uint256 wp = Tensor.dataPtr(weights);
        sa.wp = wp + c0 * c.K;
        uint256 meta = wp + MatVec.panelBytes(c.K, N); // b[0]
        sa.q4 = meta + 4 * from;
        sa.q1 = meta + 8 * N + from;
    }

    /// @notice One row: the SWAR accumulators of units [c0, to) (numerics §4.2), then stage A of [from, to).
    function _rowI8(DenseConfig memory c, StageA memory sa, uint256 xp, uint256 yp) private pure {
        MatVec.matvecI8Raw(xp, c.zIn, sa.wp, c.K, sa.n1, 0, sa.acc);
        _stageA(sa.accFrom, sa.q4, sa.q1, sa.w, yp, sa);
    }

    /// @notice Stage A over `w` units: `y[j] = requantAct(acc[j] + b[o], M[o], shift[o], Mn[o], shiftN[o], z, lo, hi)`
    ///         with o = from + j (Activation.requantAct; docs/layers.md "int8 stage A").
    /// @param ap → acc[from] (int256 words); @param q4 → b[from] (4-byte entries; M, Mn at fixed offsets);
    /// @param q1 → shift[from] (1-byte entries; shiftN at a fixed offset); @param yp → the output bytes.
    function _stageA(uint256 ap, uint256 q4, uint256 q1, uint256 w, uint256 yp, StageA memory sa) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let mOff := mload(sa)
            let z := mload(add(sa, 0x60))
            let lo := mload(add(sa, 0x80))
            let hi := mload(add(sa, 0xa0))
            for { let end := add(yp, w) } lt(yp, end) { yp := add(yp, 1) } {
                // Equivalent to: a = acc + int32(b[o]); |a| < 2^49
                let a := add(mload(ap), sar(224, mload(q4)))
                let m := shr(224, mload(add(q4, mOff))) // uint32 M[o] (< 2^31, validated)
                let s := byte(0, mload(q1)) // shift[o]
                if slt(a, 0) {
                    // int32 Mn[o] (= M[o] when the blob has no negative multipliers) and shiftN[o]
                    m := sar(224, mload(add(q4, mload(add(sa, 0x20)))))
                    s := byte(0, mload(add(q1, mload(add(sa, 0x40)))))
                }
                // |a·m| < 2^80: exact in int256.
                let v := mul(a, m)
                // Equivalent to: Rounding.rshiftRound(v, s) (RHAZ, numerics §1)
                if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                v := add(v, z)
                // Equivalent to: clampI8(sat8(v), lo, hi) = min(max(v, lo), hi) for int8 lo ≤ hi
                if slt(v, lo) { v := lo }
                if sgt(v, hi) { v := hi }
                mstore8(yp, v)
                ap := add(ap, 0x20)
                q4 := add(q4, 4)
                q1 := add(q1, 1)
            }
        }
    }

    /// @notice Per-channel checks for o in [from, to): (M[o], shift[o]) then, if `negative`, (Mn[o], shiftN[o]).
    /// @dev One assembly pass finds the first failing check; the revert itself goes through LayerTypes.
    function _checkChannels(DenseConfig memory c, bytes memory weights, uint256 from, uint256 to) private pure {
        uint256 N = c.N;
        uint256 q4 = Tensor.dataPtr(weights) + MatVec.panelBytes(c.K, N) + 4 * from; // → b[from]
        uint256 q1 = q4 - 4 * from + 8 * N + from; // → shift[from]
        uint256 negative = c.negative ? 1 : 0;
        uint256 bad = type(uint256).max; // 2·o for a bad (M, shift), 2·o + 1 for a bad (Mn, shiftN)
        /// @solidity memory-safe-assembly
        assembly {
            let n4 := shl(2, N)
            let n9 := mul(9, N)
            let n5 := mul(5, N)
            for { let o := from } lt(o, to) { o := add(o, 1) } {
                // Equivalent to: M[o] ≥ 2^31 || shift[o] > 126 (M is a uint32)
                if or(gt(shr(224, mload(add(q4, n4))), 0x7fffffff), gt(byte(0, mload(q1)), 126)) {
                    bad := shl(1, o)
                    break
                }
                if negative {
                    // Equivalent to: Mn[o] == −2^31 || shiftN[o] > 126 (Mn is an int32)
                    if or(eq(shr(224, mload(add(q4, n9))), 0x80000000), gt(byte(0, mload(add(q1, n5))), 126)) {
                        bad := add(shl(1, o), 1)
                        break
                    }
                }
                q4 := add(q4, 4)
                q1 := add(q1, 1)
            }
        }
        if (bad == type(uint256).max) return;
        uint256 base = MatVec.panelBytes(c.K, N);
        uint256 o = bad >> 1;
        if (bad & 1 == 0) {
            LayerTypes.checkRequant(_uint32At(weights, base + 4 * N + 4 * o), _uint8At(weights, base + 8 * N + o));
        } else {
            LayerTypes.checkSignedRequant(_int32At(weights, base + 9 * N + 4 * o), _uint8At(weights, base + 13 * N + o));
        }
    }

    // =========================================================================================
    //                                          plain twin
    // =========================================================================================

    /// @notice Plain twin of `forward` (same result, same failures).
    function forwardRef(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        DenseConfig memory c = abi.decode(config, (DenseConfig));
        return _runRef(c, weights, input, 0, c.N);
    }

    /// @notice Plain twin of `forwardRange`: the tensor tier's `…Ref` kernels on copies of the blob's
    ///         sections, byte-by-byte parameter reads, Activation's element functions.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _runRef(abi.decode(config, (DenseConfig)), weights, input, from, to);
    }

    function _runRef(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory)
    {
        if (validate(c, weights, input, from, to) == Mode.Q) return _refQ(c, weights, input, from, to);
        return _refI8(c, weights, input, from, to);
    }

    function _refQ(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        y = _refLinearQ(c, weights, input, from, to);
        if (c.act.kind == uint8(ActKind.Softmax)) return Activation.softmaxQ(y, _dims(c), 1, c.F);
        Activation.applyQRef(y, y.length / 8, c.act, c.F);
    }

    /// @dev The pre-activation outputs of units [from, to): MatVec.matvecQRef per row on copies of W and b.
    function _refLinearQ(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        bytes memory W = _slice(weights, 0, 8 * uint256(c.K) * c.N);
        bytes memory b = _slice(weights, 8 * uint256(c.K) * c.N, 8 * uint256(c.N));
        y = new bytes(uint256(c.rows) * (to - from) * 8);
        for (uint256 r = 0; r < c.rows; r++) {
            bytes memory yr = _refRowQ(c, W, b, input, r);
            _copyUnitsQ(y, r * (to - from), yr, from, to);
        }
    }

    /// @dev `y[at + o − from] = yr[o]` for o in [from, to) (q elements).
    function _copyUnitsQ(bytes memory y, uint256 at, bytes memory yr, uint256 from, uint256 to) private pure {
        for (uint256 o = from; o < to; o++) {
            Tensor.storeQ(y, at + o - from, Tensor.loadQ(yr, o));
        }
    }

    /// @dev MatVec.matvecQRef on row r of the input (all N units).
    function _refRowQ(DenseConfig memory c, bytes memory W, bytes memory b, bytes memory input, uint256 r)
        private
        pure
        returns (bytes memory)
    {
        bytes memory xr = _slice(input, r * c.K * 8, uint256(c.K) * 8);
        return MatVec.matvecQRef(xr, W, b, c.K, c.N, c.F);
    }

    /// @dev MatVec.matvecI8Ref on row r of the input (all N units, no bias).
    function _refRowI8(DenseConfig memory c, bytes memory Wrm, int256[] memory zeros, bytes memory input, uint256 r)
        private
        pure
        returns (int256[] memory)
    {
        bytes memory xr = _slice(input, r * c.K, c.K);
        return MatVec.matvecI8Ref(xr, c.zIn, Wrm, zeros, c.K, c.N);
    }

    function _refI8(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        y = _refStageAI8(c, weights, input, from, to);
        if (LayerTypes.isFusedI8(c.act)) return y;
        if (c.act.kind == uint8(ActKind.Softmax)) {
            return Softmax.softmaxI8(y, c.zPre, c.scalePreQ, _dims(c), 1, int256(uint256(c.outM)), int256(uint256(c.outShift)), c.zOut);
        }
        Activation.applyI8(y, c.act, c.zPre, c.scalePreQ, int256(uint256(c.outM)), c.outShift, c.zOut);
    }

    /// @dev Stage-A outputs of units [from, to): MatVec.matvecI8Ref per row on the unpacked kernel.
    function _refStageAI8(DenseConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        private
        pure
        returns (bytes memory y)
    {
        bytes memory Wrm = _unpackPanels(weights, c.K, c.N);
        int256[] memory zeros = new int256[](c.N);
        y = new bytes(uint256(c.rows) * (to - from));
        for (uint256 r = 0; r < c.rows; r++) {
            int256[] memory acc = _refRowI8(c, Wrm, zeros, input, r);
            for (uint256 o = from; o < to; o++) {
                Tensor.storeI8(y, r * (to - from) + o - from, _stageARef(c, weights, acc[o], o));
            }
        }
    }

    /// @dev Stage A of unit o on its accumulator without bias, parameters read byte by byte.
    function _stageARef(DenseConfig memory c, bytes memory weights, int256 acc, uint256 o) private pure returns (int256) {
        int256[5] memory p = _channelRef(c, weights, o);
        return Activation.requantAct(acc + p[0], p[1], uint256(p[2]), p[3], uint256(p[4]), c.zPre, c.lo, c.hi);
    }

    /// @dev (b[o], M[o], shift[o], Mn[o], shiftN[o]) with Mn, shiftN = M, shift when the blob has none.
    function _channelRef(DenseConfig memory c, bytes memory weights, uint256 o) private pure returns (int256[5] memory p) {
        uint256 N = c.N;
        uint256 base = MatVec.panelBytes(c.K, N);
        p[0] = _int32At(weights, base + 4 * o);
        p[1] = _uint32At(weights, base + 4 * N + 4 * o);
        p[2] = int256(_uint8At(weights, base + 8 * N + o));
        p[3] = c.negative ? _int32At(weights, base + 9 * N + 4 * o) : p[1];
        p[4] = c.negative ? int256(_uint8At(weights, base + 13 * N + o)) : p[2];
    }

    // =========================================================================================
    //                                          helpers
    // =========================================================================================

    /// @dev The output shape `[rows, N]` as the tensor tier's shape type (softmax runs along axis 1).
    function _dims(DenseConfig memory c) private pure returns (uint256[] memory d) {
        d = new uint256[](2);
        d[0] = c.rows;
        d[1] = c.N;
    }

    /// @dev Bytes `[off, off + len)` of `b` (bounds-checked, then one `mcopy`).
    function _slice(bytes memory b, uint256 off, uint256 len) private pure returns (bytes memory r) {
        require(off + len <= b.length);
        r = new bytes(len);
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(add(r, 0x20), add(add(b, 0x20), off), len)
        }
    }

    /// @dev The row-major K×N matrix of the panel layout at the start of `blob` (numerics §4.2).
    function _unpackPanels(bytes memory blob, uint256 K, uint256 N) private pure returns (bytes memory W) {
        W = new bytes(K * N);
        for (uint256 i = 0; i < K; i++) {
            for (uint256 o = 0; o < N; o++) {
                W[i * N + o] = blob[((o / PANEL) * K + i) * PANEL + (o % PANEL)];
            }
        }
    }

    function _uint8At(bytes memory b, uint256 off) private pure returns (uint256) {
        return uint8(b[off]);
    }

    function _uint32At(bytes memory b, uint256 off) private pure returns (int256) {
        uint256 u = 0;
        for (uint256 j = 0; j < 4; j++) {
            u = (u << 8) | uint8(b[off + j]);
        }
        return int256(u);
    }

    function _int32At(bytes memory b, uint256 off) private pure returns (int256) {
        return int256(int32(uint32(uint256(_uint32At(b, off)))));
    }

    /// @dev Reserve `size` bytes of memory (not zeroed).
    function _allocScratch(uint256 size) private pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := mload(0x40)
            mstore(0x40, add(p, and(add(size, 31), not(31))))
        }
    }
}
