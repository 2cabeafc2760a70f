// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {Rounding} from "../tensor/Rounding.sol";
import {QMath} from "../tensor/QMath.sol";
import {Int8Math} from "../tensor/Int8Math.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {MatVec} from "../tensor/MatVec.sol";
import {ValueOutOfRange} from "../tensor/Errors.sol";
import {Mode, ActKind, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Activation} from "./Activation.sol";

/// @notice A recurrent layer's config, decoded and normalised (SimpleRNN.sol, LSTM.sol, GRU.sol build it
///         from their own config structs). docs/layers/recurrent.md "Configs".
/// @param cell `Recurrent.CELL_SIMPLE`, `CELL_LSTM` or `CELL_GRU`.
/// @param F q mode: the fractional bits of input, weights, biases, state and output. int8 mode: 32
///        (gates, cell state and the GRU carry are Q32.32 there).
/// @param hM int8: `1/(s_h·2^32) ≈ hM/2^hShift` — the quantization of a Q32 hidden value to int8.
struct RnnParams {
    uint256 cell;
    Mode mode;
    uint256 T;
    uint256 K;
    uint256 U;
    ActivationSpec act;
    ActivationSpec recAct;
    bool returnSequences;
    bool resetAfter;
    uint256 F;
    int256 zIn;
    int256 zH;
    int256 hM;
    uint256 hShift;
    uint256 kAct; // set by Recurrent: the fast path of `act` (KIND_* below)
    uint256 kRec; // the fast path of `recAct`
}

/// @notice Byte offsets of a recurrent layer's weight blob and state (docs/layers/recurrent.md "Weights").
struct RnnLayout {
    uint256 G; // gates: SimpleRNN 1, LSTM 4 (i, f, c, o), GRU 3 (z, r, h)
    uint256 GU; // gate columns G·U
    uint256 eb; // bytes per element of the input / output / h (8 or 1)
    uint256 rOff; // recurrent kernel
    uint256 r2Off; // GRU reset_after = false, int8: the h-gate block R_h (panels of U×U)
    uint256 bOff; // bias (q: Q(F) int64; int8: Q32 int64); GRU reset_after: input bias
    uint256 b2Off; // GRU reset_after: recurrent bias
    uint256 mxOff; // int8: uint32 mX[GU]
    uint256 sxOff; // int8: uint8 sX[GU]
    uint256 mhOff; // int8: uint32 mH[GU]
    uint256 shOff; // int8: uint8 sH[GU]
    uint256 total; // blob length
    uint256 hBytes; // state: h (U elements in the mode's encoding)
    uint256 stateBytes; // hBytes + carry (LSTM: c; GRU int8: h in Q32), 8 bytes per carried unit
}

/// @notice Per-call scratch memory of the step loop (int256 words unless noted).
struct RnnScratch {
    uint256 a; // GU words: pre-activations (input side, or the sum)
    uint256 b; // GU words: the recurrent side (GRU reset_after), SWAR output, GRU z values
    uint256 rh; // GRU reset_after = false: r ⊙ h as a U-element tensor (q: 8-byte elements; int8: bytes)
    uint256 wp; // → the weight blob
    uint256 sp; // → the state (h, then the carry)
    uint256 xp; // → the input sequence
}

/// @title Recurrent — the step loop shared by SimpleRNN, LSTM and GRU (Keras semantics), both modes.
/// @notice Twin of assembly/layers/Recurrent.ts. The input is a `[T, K]` sequence, the state `h ‖ carry`
///         an explicit byte tensor; `forwardSteps` runs timesteps `[tFrom, tTo)` from a given state (a
///         sequence model runs a few timesteps per transaction), `forward` all T from h0 = c0 = 0.
///         Definitions (docs/layers/recurrent.md, which derives them from Keras):
///         - Linear part. q mode: `lin[j] = rshiftRound(Σ_i x_i·W[i][j] + Σ_i h_i·R[i][j], F) + b[j]` on
///           exact integers (one rounding, numerics §3); GRU with reset_after keeps the two sums apart:
///           `linX[j] = rshiftRound(Σ x·W, F) + bIn[j]`, `linH[j] = rshiftRound(Σ h·R, F) + bRec[j]`.
///           int8 mode: the int8 accumulators of numerics §4.1 (SWAR kernel, §4.2) `accX = Σ (x − zIn)·W`,
///           `accH = Σ (h − zH)·R`, each moved to Q32 by its per-column multiplier:
///           `linX[j] = rshiftRound(accX[j]·mX[j], sX[j]) + b[j]`, `linH[j] = rshiftRound(accH[j]·mH[j], sH[j])`
///           (`mX/2^sX ≈ s_x·s_W[j]·2^32`, `mH/2^sH ≈ s_h·s_R[j]·2^32`); `lin = linX + linH`.
///         - Gates: `act(sat64(lin[j]))` with `Activation.actQ` in Q(F) (int8: Q32); Keras gate order.
///         - int8 hidden output: `requantize(hQ, hM, hShift, zH)` (numerics §4.3/§4.4 `quantizeQ`).
/// @dev All intermediate sums are exact int256 (|products| < 2^127, a few terms); every `sat64` the
///      definitions name is applied where named, nowhere else. The fast path works in passes over
///      int256 scratch words per step: the linear part (q: `MatVec.dot4Q` four columns per pass, then
///      `_rescaleQ`; int8: `MatVec.matvecI8Raw` twice, then the fused `_dequantSum`), the gate activations
///      over whole gate blocks (`_actWords`: sigmoid/tanh at F = 32 call QMath directly, every other kind
///      `Activation.actQ`), then one assembly loop for the state update and one for the h stores. Its
///      plain twin `forwardStepsRef` computes everything element by element; tests prove fast == Ref ==
///      oracle. Gas (docs/layers/recurrent.md "Gas"): int8 LSTM 17.1 gas/MAC per timestep at K = 64,
///      U = 128 (41 % of it the 5·U Q32 transcendentals), q 55.4.
library Recurrent {
    uint256 internal constant CELL_SIMPLE = 0;
    uint256 internal constant CELL_LSTM = 1;
    uint256 internal constant CELL_GRU = 2;

    int256 private constant INT64_MIN = -(2 ** 63);
    int256 private constant INT64_MAX = 2 ** 63 - 1;

    // =========================================================================================
    //                                     layout and validation
    // =========================================================================================

    /// @notice The blob and state layout of `p` (docs/layers/recurrent.md "Weights", "State").
    function layout(RnnParams memory p) internal pure returns (RnnLayout memory L) {
        uint256 K = p.K;
        uint256 U = p.U;
        L.G = p.cell == CELL_LSTM ? 4 : (p.cell == CELL_GRU ? 3 : 1);
        uint256 GU = L.G * U;
        L.GU = GU;
        bool gruV1 = p.cell == CELL_GRU && !p.resetAfter;
        bool twoBiases = p.cell == CELL_GRU && p.resetAfter;
        if (p.mode == Mode.Q) {
            L.eb = 8;
            L.rOff = 8 * K * GU;
            L.bOff = L.rOff + 8 * U * GU;
            L.b2Off = L.bOff + 8 * GU;
            L.total = L.bOff + (twoBiases ? 16 : 8) * GU;
        } else {
            L.eb = 1;
            L.rOff = MatVec.panelBytes(K, GU);
            if (gruV1) {
                L.r2Off = L.rOff + MatVec.panelBytes(U, 2 * U);
                L.bOff = L.r2Off + MatVec.panelBytes(U, U);
            } else {
                L.bOff = L.rOff + MatVec.panelBytes(U, GU);
            }
            L.b2Off = L.bOff + 8 * GU;
            L.mxOff = L.bOff + (twoBiases ? 16 : 8) * GU;
            L.sxOff = L.mxOff + 4 * GU;
            L.mhOff = L.sxOff + GU;
            L.shOff = L.mhOff + 4 * GU;
            L.total = L.shOff + GU;
        }
        L.hBytes = U * L.eb;
        bool carry = p.cell == CELL_LSTM || (p.cell == CELL_GRU && p.mode == Mode.I8);
        L.stateBytes = L.hBytes + (carry ? 8 * U : 0);
    }

    /// @notice Revert `ValueOutOfRange(kind)` unless `kind` is an `ActKind` other than Softmax (a softmax
    ///         over the units of one gate is not a Keras recurrent activation we support).
    function checkGateKind(uint8 kind) internal pure {
        LayerTypes.checkKind(kind);
        if (kind == uint8(ActKind.Softmax)) revert ValueOutOfRange(int256(uint256(kind)));
    }

    /// @notice Every check, in the documented order (docs/layers/recurrent.md "Failure conditions"):
    ///         kinds; T, K, U ≥ 1 (`InvalidShape(102)`); G·U, T·K, T·U, K·G·U, U·G·U < 2^31 (`(103)`);
    ///         `tFrom ≤ tTo ≤ T` (`(100)`); input, weights, then (if `checkState`) state length
    ///         (`ShapeMismatch`); q: F (`ValueOutOfRange`); int8: (hM, hShift), then per gate column j:
    ///         (mX[j], sX[j]), (mH[j], sH[j]) (`InvalidRequantization`). The mode is checked by the caller
    ///         (it is decoded first).
    function validate(
        RnnParams memory p,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        bool checkState,
        uint256 tFrom,
        uint256 tTo
    ) internal pure returns (RnnLayout memory L) {
        return _validate(p, weights, input, state, checkState, tFrom, tTo, false);
    }

    function _validate(
        RnnParams memory p,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        bool checkState,
        uint256 tFrom,
        uint256 tTo,
        bool ref
    ) private pure returns (RnnLayout memory L) {
        checkGateKind(p.act.kind);
        if (p.cell != CELL_SIMPLE) checkGateKind(p.recAct.kind);
        LayerTypes.checkDim(p.T);
        LayerTypes.checkDim(p.K);
        LayerTypes.checkDim(p.U);
        uint256 G = p.cell == CELL_LSTM ? 4 : (p.cell == CELL_GRU ? 3 : 1);
        LayerTypes.checkCount(G * p.U);
        LayerTypes.checkCount(p.T * p.K);
        LayerTypes.checkCount(p.T * p.U);
        LayerTypes.checkCount(p.K * G * p.U);
        LayerTypes.checkCount(p.U * G * p.U);
        LayerTypes.checkRange(tFrom, tTo, p.T);
        L = layout(p);
        LayerTypes.requireLength(p.T * p.K * L.eb, input.length);
        LayerTypes.requireLength(L.total, weights.length);
        if (checkState) LayerTypes.requireLength(L.stateBytes, state.length);
        if (p.mode == Mode.Q) {
            LayerTypes.checkF(p.F);
            return L;
        }
        LayerTypes.checkRequant(p.hM, p.hShift);
        if (ref) _checkChannelsRef(L, weights);
        else _checkChannels(L, weights);
    }

    /// @notice For j < GU: `checkRequant(mX[j], sX[j])`, then `checkRequant(mH[j], sH[j])`; the first
    ///         invalid pair reverts `InvalidRequantization` (through LayerTypes, with its arguments).
    function _checkChannels(RnnLayout memory L, bytes memory weights) private pure {
        uint256 wp = Tensor.dataPtr(weights);
        uint256 bad = type(uint256).max;
        uint256 GU = L.GU;
        uint256 mx = wp + L.mxOff;
        uint256 sx = wp + L.sxOff;
        uint256 mh = wp + L.mhOff;
        uint256 sh = wp + L.shOff;
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: the first k = 2j (X) or 2j + 1 (H) whose uint32 m ≥ 2^31 or uint8 s > 126.
            for { let j := 0 } lt(j, GU) { j := add(j, 1) } {
                if or(gt(shr(224, mload(add(mx, shl(2, j)))), 0x7fffffff), gt(byte(0, mload(add(sx, j))), 126)) {
                    bad := shl(1, j)
                    break
                }
                if or(gt(shr(224, mload(add(mh, shl(2, j)))), 0x7fffffff), gt(byte(0, mload(add(sh, j))), 126)) {
                    bad := add(shl(1, j), 1)
                    break
                }
            }
        }
        if (bad == type(uint256).max) return;
        uint256 jj = bad >> 1;
        if (bad & 1 == 0) LayerTypes.checkRequant(_u32(weights, L.mxOff + 4 * jj), _u8(weights, L.sxOff + jj));
        else LayerTypes.checkRequant(_u32(weights, L.mhOff + 4 * jj), _u8(weights, L.shOff + jj));
    }

    /// @notice The plain twin of `_checkChannels` (used by `forwardStepsRef`).
    function _checkChannelsRef(RnnLayout memory L, bytes memory weights) private pure {
        for (uint256 j = 0; j < L.GU; j++) {
            LayerTypes.checkRequant(_u32(weights, L.mxOff + 4 * j), _u8(weights, L.sxOff + j));
            LayerTypes.checkRequant(_u32(weights, L.mhOff + 4 * j), _u8(weights, L.shOff + j));
        }
    }

    /// @notice The initial state h0 = c0 = 0: q: zeros; int8: h = zH (the real 0), carry zeros.
    function zeroState(RnnParams memory p, RnnLayout memory L) internal pure returns (bytes memory s) {
        s = new bytes(L.stateBytes);
        if (p.mode == Mode.I8) {
            for (uint256 u = 0; u < p.U; u++) {
                Tensor.storeI8(s, u, p.zH);
            }
        }
    }

    // =========================================================================================
    //                                          entry points
    // =========================================================================================

    /// @notice The whole sequence from h0 = c0 = 0: `[T, U]` (return_sequences) or `[U]` (the last h).
    function forward(RnnParams memory p, bytes memory weights, bytes memory input) internal pure returns (bytes memory y) {
        RnnLayout memory L = validate(p, weights, input, "", false, 0, p.T);
        (y,) = _run(p, L, weights, input, zeroState(p, L), 0, p.T);
    }

    /// @notice Timesteps `[tFrom, tTo)` of the sequence `input` from `state`: returns the outputs of those
    ///         steps (`[tTo − tFrom, U]` with return_sequences, else the h after the last step, `[U]`) and
    ///         the state after them (a new buffer; `state` is not modified).
    function forwardSteps(
        RnnParams memory p,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        uint256 tFrom,
        uint256 tTo
    ) internal pure returns (bytes memory y, bytes memory stateOut) {
        RnnLayout memory L = validate(p, weights, input, state, true, tFrom, tTo);
        return _run(p, L, weights, input, _copy(state), tFrom, tTo);
    }

    function _run(
        RnnParams memory p,
        RnnLayout memory L,
        bytes memory weights,
        bytes memory input,
        bytes memory s,
        uint256 tFrom,
        uint256 tTo
    ) private pure returns (bytes memory y, bytes memory) {
        y = Tensor.allocI8(p.returnSequences ? (tTo - tFrom) * L.hBytes : L.hBytes);
        p.kAct = _fastKind(p.act, p.F);
        p.kRec = _fastKind(p.recAct, p.F);
        RnnScratch memory sc = _scratch(p, L);
        sc.wp = Tensor.dataPtr(weights);
        sc.sp = Tensor.dataPtr(s);
        sc.xp = Tensor.dataPtr(input);
        _steps(p, L, sc, tFrom, tTo, Tensor.dataPtr(y));
        return (y, s);
    }

    /// @notice Steps [tFrom, tTo) on the buffers of `sc`, the outputs written from `yp`.
    function _steps(RnnParams memory p, RnnLayout memory L, RnnScratch memory sc, uint256 tFrom, uint256 tTo, uint256 yp)
        private
        pure
    {
        uint256 hb = L.hBytes;
        uint256 rowBytes = p.K * L.eb;
        for (uint256 t = tFrom; t < tTo; t++) {
            // t < T: the row lies inside the (checked) input.
            _linear(p, L, sc.wp, sc.xp + t * rowBytes, sc.sp, sc);
            if (p.cell == CELL_SIMPLE) _simpleFast(p, sc.sp, sc.a);
            else if (p.cell == CELL_LSTM) _lstmFast(p, L, sc.sp, sc.a);
            else _gruFast(p, L, sc);
            if (p.returnSequences) {
                _mcopy(yp, sc.sp, hb);
                yp += hb;
            }
        }
        if (!p.returnSequences) _mcopy(yp, sc.sp, hb);
    }

    // =========================================================================================
    //                                    the linear part (fast)
    // =========================================================================================

    /// @notice Fill `sc.a` (and `sc.b` for GRU reset_after) with the linear part of one step (see the
    ///         library doc). GRU reset_after = false: only the z and r columns get the recurrent term
    ///         here; the h columns get `(r ⊙ h)·R_h` in `_cellGRU`.
    function _linear(RnnParams memory p, RnnLayout memory L, uint256 wp, uint256 xp, uint256 sp, RnnScratch memory sc)
        private
        pure
    {
        uint256 GU = L.GU;
        uint256 U = p.U;
        bool gru = p.cell == CELL_GRU;
        // Columns of R multiplied by h now: all but the h gate's for GRU reset_after = false.
        uint256 nR = gru && !p.resetAfter ? 2 * U : GU;
        if (p.mode == Mode.Q) {
            uint256 rb = GU * 8;
            _accQ(xp, wp, p.K, rb, GU, sc.a, false);
            if (gru && p.resetAfter) {
                _accQ(sp, wp + L.rOff, U, rb, GU, sc.b, false);
                _rescaleQ(sc.a, wp + L.bOff, GU, p.F);
                _rescaleQ(sc.b, wp + L.b2Off, GU, p.F);
            } else {
                _accQ(sp, wp + L.rOff, U, rb, nR, sc.a, true);
                // GRU reset_after = false: the h columns are rescaled after (r ⊙ h)·R_h is added.
                _rescaleQ(sc.a, wp + L.bOff, nR, p.F);
            }
            return;
        }
        MatVec.matvecI8Raw(xp, p.zIn, wp, p.K, GU, 0, sc.a);
        MatVec.matvecI8Raw(sp, p.zH, wp + L.rOff, U, nR, 0, sc.b);
        if (gru && p.resetAfter) {
            _dequant(sc.a, sc.a, wp + L.mxOff, wp + L.sxOff, wp + L.bOff, GU, false);
            _dequant(sc.b, sc.b, wp + L.mhOff, wp + L.shOff, wp + L.b2Off, GU, false);
            return;
        }
        _dequantSum(sc.a, sc.b, wp, L, nR);
        // GRU reset_after = false: the h columns' input side now; their recurrent side in _gruV1Recurrent.
        if (nR < GU) {
            _dequant(sc.a + 32 * nR, sc.a + 32 * nR, wp + L.mxOff + 4 * nR, wp + L.sxOff + nR, wp + L.bOff + 8 * nR, GU - nR, false);
        }
    }

    /// @notice `a[j] = rshiftRound(a[j]·mX[j], sX[j]) + b[j] + rshiftRound(h[j]·mH[j], sH[j])` for j < n:
    ///         `_dequant` of both int8 accumulators and the bias in one pass (`h` → the recurrent ones).
    /// @dev |acc| < 2^48, m < 2^31 (validated): every product < 2^79, exact in int256.
    function _dequantSum(uint256 a, uint256 h, uint256 wp, RnnLayout memory L, uint256 n) private pure {
        uint256 mx = wp + L.mxOff;
        uint256 sx = wp + L.sxOff;
        uint256 mh = wp + L.mhOff;
        uint256 sh = wp + L.shOff;
        uint256 bp = wp + L.bOff;
        /// @solidity memory-safe-assembly
        assembly {
            for { let end := add(a, shl(5, n)) } lt(a, end) {} {
                let v := mul(mload(a), shr(224, mload(mx))) // accX·uint32(mX[j])
                let s := byte(0, mload(sx))
                // Equivalent to: Rounding.rshiftRound(v, s) (RHAZ, numerics §1)
                if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                let w := mul(mload(h), shr(224, mload(mh))) // accH·uint32(mH[j])
                s := byte(0, mload(sh))
                if s { w := sar(s, add(w, sub(shl(sub(s, 1), 1), slt(w, 0)))) }
                mstore(a, add(add(v, w), sar(192, mload(bp)))) // + int64(b[j])
                a := add(a, 0x20)
                h := add(h, 0x20)
                mx := add(mx, 4)
                mh := add(mh, 4)
                sx := add(sx, 1)
                sh := add(sh, 1)
                bp := add(bp, 8)
            }
        }
    }

    /// @notice `acc[j] (+)= Σ_{i<rows} x[i]·M[i][j]` for j < n (int256 words at `acc`), x: q elements at
    ///         `xp`, M: q elements row-major with rows `rowBytes` apart, `mp` → M[0][0]. Exact.
    /// @dev Four columns per pass share each 32-byte load (`MatVec.dot4Q`). Loads of the columns past n read
    ///      further memory; their sums are discarded.
    function _accQ(uint256 xp, uint256 mp, uint256 rows, uint256 rowBytes, uint256 n, uint256 acc, bool addTo)
        private
        pure
    {
        unchecked {
            // j < n ≤ GU: every pointer stays inside the checked blob and the scratch.
            for (uint256 j = 0; j < n; j += 4) {
                (int256 a0, int256 a1, int256 a2, int256 a3) = MatVec.dot4Q(xp, mp + j * 8, rows, rowBytes);
                uint256 p = acc + j * 32;
                uint256 left = n - j;
                _put(p, a0, addTo);
                if (left > 1) _put(p + 32, a1, addTo);
                if (left > 2) _put(p + 64, a2, addTo);
                if (left > 3) _put(p + 96, a3, addTo);
            }
        }
    }

    /// @dev `*p = addTo ? *p + v : v` (exact: |sums| < 2^158).
    function _put(uint256 p, int256 v, bool addTo) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            if addTo { v := add(v, mload(p)) }
            mstore(p, v)
        }
    }

    /// @notice `acc[j] = rshiftRound(acc[j], F) + int64(b[j])` for j < n (`bp` → b[0], 8-byte BE).
    function _rescaleQ(uint256 acc, uint256 bp, uint256 n, uint256 F) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            for { let end := add(acc, shl(5, n)) } lt(acc, end) { acc := add(acc, 0x20) } {
                let v := mload(acc)
                // Equivalent to: Rounding.rshiftRound(v, F) (RHAZ, numerics §1); F = 0 leaves v.
                if F { v := sar(F, add(v, sub(shl(sub(F, 1), 1), slt(v, 0)))) }
                mstore(acc, add(v, sar(192, mload(bp)))) // + int64(b[j]); |v| < 2^159
                bp := add(bp, 8)
            }
        }
    }

    /// @notice `dst[j] = (addTo ? dst[j] : 0) + rshiftRound(src[j]·m[j], s[j]) + (bp ≠ 0 ? int64(b[j]) : 0)`
    ///         for j < n: an int8 accumulator moved to Q32 (m uint32 BE at `mp`, s uint8 at `sp`).
    /// @dev |src| < 2^48 (numerics §4.1) and m < 2^31 (validated): |src·m| < 2^79, exact in int256.
    function _dequant(uint256 src, uint256 dst, uint256 mp, uint256 sp, uint256 bp, uint256 n, bool addTo)
        private
        pure
    {
        /// @solidity memory-safe-assembly
        assembly {
            for { let end := add(src, shl(5, n)) } lt(src, end) {} {
                let v := mul(mload(src), shr(224, mload(mp))) // acc·uint32(m[j])
                let s := byte(0, mload(sp)) // shift[j] ≤ 126
                // Equivalent to: Rounding.rshiftRound(v, s) (RHAZ, numerics §1)
                if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                if bp {
                    v := add(v, sar(192, mload(bp))) // + int64(b[j])
                    bp := add(bp, 8)
                }
                if addTo { v := add(v, mload(dst)) }
                mstore(dst, v)
                src := add(src, 0x20)
                dst := add(dst, 0x20)
                mp := add(mp, 4)
                sp := add(sp, 1)
            }
        }
    }

    // =========================================================================================
    //                                     the cells (fast)
    // =========================================================================================

    /// @dev Fast-path codes of a gate activation: the identity, qSigmoid / qTanh at F = 32 called
    ///      directly, or `Activation.actQ` (every other kind and F). Same results as `_act`.
    uint256 private constant KIND_LINEAR = 0;
    uint256 private constant KIND_SIGMOID = 1;
    uint256 private constant KIND_TANH = 2;
    uint256 private constant KIND_GENERAL = 3;

    function _fastKind(ActivationSpec memory a, uint256 F) private pure returns (uint256) {
        if (a.kind == uint8(ActKind.Linear)) return KIND_LINEAR;
        if (F == 32 && a.kind == uint8(ActKind.Sigmoid)) return KIND_SIGMOID;
        if (F == 32 && a.kind == uint8(ActKind.Tanh)) return KIND_TANH;
        return KIND_GENERAL;
    }

    /// @notice `w[j] = act(sat64(w[j]))` for the n int256 words from `ptr`, by fast kind `k`
    ///         (equivalent to `_gate` on each word).
    function _actWords(uint256 ptr, uint256 n, uint256 k, ActivationSpec memory a, uint256 F) private pure {
        uint256 end = ptr + 32 * n;
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: w[j] = Rounding.sat64(w[j]) for every word.
            for { let q := ptr } lt(q, end) { q := add(q, 0x20) } {
                let v := mload(q)
                if slt(v, INT64_MIN) { mstore(q, INT64_MIN) }
                if sgt(v, INT64_MAX) { mstore(q, INT64_MAX) }
            }
        }
        if (k == KIND_LINEAR) return;
        unchecked {
            // q < end: inside the scratch words.
            for (uint256 q = ptr; q < end; q += 32) {
                int256 v = _word(q, 0);
                if (k == KIND_SIGMOID) v = Q64.unwrap(QMath.qSigmoid(Q64.wrap(int64(v))));
                else if (k == KIND_TANH) v = Q64.unwrap(QMath.qTanh(Q64.wrap(int64(v))));
                else v = Activation.actQ(v, a, F);
                _setWord(q, 0, v);
            }
        }
    }

    /// @notice `sat64(rshiftRound(a·b, F))` for int64 a, b (F ≤ 62).
    function _mulRound(int256 a, int256 b, uint256 F) private pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := mul(a, b) // |a·b| ≤ 2^126
            // Equivalent to: Rounding.rshiftRound(v, F) (RHAZ, numerics §1)
            if F { v := sar(F, add(v, sub(shl(sub(F, 1), 1), slt(v, 0)))) }
            // Equivalent to: Rounding.sat64(v)
            if slt(v, INT64_MIN) { v := INT64_MIN }
            if sgt(v, INT64_MAX) { v := INT64_MAX }
        }
    }

    /// @notice Store the new hidden values: `h[u] = vp == 0 ? g[u] : sat64(rshiftRound(g[u]·v[u], F))`
    ///         for u < U (g, v int256 words; g[u] an int64 when vp = 0), written at `dst` as `_storeH`
    ///         does (q: the q element; int8: `requantize(h, hM, hShift, zH)`, numerics §4.3).
    function _storeHs(RnnParams memory p, uint256 gp, uint256 vp, uint256 dst) private pure {
        uint256 U = p.U;
        uint256 F = p.F;
        bool q = p.mode == Mode.Q;
        int256 m = p.hM;
        uint256 s = p.hShift;
        int256 z = p.zH;
        /// @solidity memory-safe-assembly
        assembly {
            for { let u := 0 } lt(u, U) { u := add(u, 1) } {
                let h := mload(add(gp, shl(5, u)))
                if vp {
                    // Equivalent to: h = _mulRound(g[u], v[u], F)
                    h := mul(h, mload(add(vp, shl(5, u))))
                    if F { h := sar(F, add(h, sub(shl(sub(F, 1), 1), slt(h, 0)))) }
                    if slt(h, INT64_MIN) { h := INT64_MIN }
                    if sgt(h, INT64_MAX) { h := INT64_MAX }
                }
                switch q
                case 1 {
                    // Equivalent to: _storeQ(dst, u, h) (read-modify-write: the carry follows h)
                    let a := add(dst, shl(3, u))
                    mstore(a, or(and(mload(a), 0xffffffffffffffffffffffffffffffffffffffffffffffff), shl(192, h)))
                }
                default {
                    // Equivalent to: Int8Math.requantizeUnchecked(h, m, s, z) (|h·m| < 2^94)
                    let v := mul(h, m)
                    if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                    v := add(v, z)
                    if slt(v, sub(0, 128)) { v := sub(0, 128) }
                    if sgt(v, 127) { v := 127 }
                    mstore8(add(dst, u), v)
                }
            }
        }
    }

    /// @notice SimpleRNN (see `_cellSimple`): h = act(sat64(lin)).
    function _simpleFast(RnnParams memory p, uint256 sp, uint256 a) private pure {
        _actWords(a, p.U, p.kAct, p.act, p.F);
        _storeHs(p, a, 0, sp);
    }

    /// @notice LSTM (see `_cellLSTM`), in passes: the four gate blocks activated in place, then
    ///         `c' = sat64(rshiftRound(f·c + i·g, F))` into the carry and into the i block, `act(c')` in
    ///         place, and `h = sat64(rshiftRound(o·act(c'), F))`.
    function _lstmFast(RnnParams memory p, RnnLayout memory L, uint256 sp, uint256 a) private pure {
        uint256 U = p.U;
        uint256 F = p.F;
        _actWords(a, 2 * U, p.kRec, p.recAct, F); // i, f
        _actWords(a + 64 * U, U, p.kAct, p.act, F); // g
        _actWords(a + 96 * U, U, p.kRec, p.recAct, F); // o
        uint256 cp = sp + L.hBytes;
        /// @solidity memory-safe-assembly
        assembly {
            let fOff := shl(5, U)
            let gOff := shl(6, U)
            for { let u := 0 } lt(u, U) { u := add(u, 1) } {
                let ip := add(a, shl(5, u))
                let cq := add(cp, shl(3, u))
                let word := mload(cq)
                // Equivalent to: c = sat64(rshiftRound(f·c_old + i·g, F)); |f·c|, |i·g| ≤ 2^126
                let c := add(mul(mload(add(ip, fOff)), sar(192, word)), mul(mload(ip), mload(add(ip, gOff))))
                if F { c := sar(F, add(c, sub(shl(sub(F, 1), 1), slt(c, 0)))) }
                if slt(c, INT64_MIN) { c := INT64_MIN }
                if sgt(c, INT64_MAX) { c := INT64_MAX }
                // Equivalent to: _storeQ(cp, u, c)
                mstore(cq, or(and(word, 0xffffffffffffffffffffffffffffffffffffffffffffffff), shl(192, c)))
                mstore(ip, c) // the i block now holds c'
            }
        }
        _actWords(a, U, p.kAct, p.act, F); // act(c')
        _storeHs(p, a + 96 * U, a, sp);
    }

    /// @notice GRU (see `_cellGRU`), in passes.
    function _gruFast(RnnParams memory p, RnnLayout memory L, RnnScratch memory sc) private pure {
        uint256 U = p.U;
        uint256 F = p.F;
        uint256 a = sc.a;
        uint256 b = sc.b;
        uint256 hq = p.mode == Mode.Q ? sc.sp : sc.sp + L.hBytes;
        if (p.resetAfter) {
            /// @solidity memory-safe-assembly
            assembly {
                // Equivalent to: a[j] = linX[j] + linH[j] for the z and r columns (exact: |lin| < 2^160)
                for { let j := 0 } lt(j, shl(1, U)) { j := add(j, 1) } {
                    let q := add(a, shl(5, j))
                    mstore(q, add(mload(q), mload(add(b, shl(5, j)))))
                }
            }
            _actWords(a, 2 * U, p.kRec, p.recAct, F); // z, r
            /// @solidity memory-safe-assembly
            assembly {
                // Equivalent to: a[2U + u] = linX_h + rshiftRound(r·sat64(linH_h), F)
                for { let u := 0 } lt(u, U) { u := add(u, 1) } {
                    let rh := mload(add(b, shl(5, add(shl(1, U), u))))
                    if slt(rh, INT64_MIN) { rh := INT64_MIN }
                    if sgt(rh, INT64_MAX) { rh := INT64_MAX }
                    let t := mul(mload(add(a, shl(5, add(U, u)))), rh) // |r·rh| ≤ 2^126
                    if F { t := sar(F, add(t, sub(shl(sub(F, 1), 1), slt(t, 0)))) }
                    let q := add(a, shl(5, add(shl(1, U), u)))
                    mstore(q, add(mload(q), t))
                }
            }
        } else {
            _actWords(a, 2 * U, p.kRec, p.recAct, F); // z, r
            // (r ⊙ h)_u = sat64(rshiftRound(r·h, F)) (int8: requantized), then lin_h += (r ⊙ h)·R_h.
            _gruResetProducts(p, a + 32 * U, hq, sc.rh);
            _gruV1Recurrent(p, L, sc.wp, sc);
        }
        _actWords(a + 64 * U, U, p.kAct, p.act, F); // hh
        _gruUpdateAll(p, a, hq, b);
        _storeHs(p, b, 0, sc.sp);
    }

    /// @notice `(r ⊙ h)_u = sat64(rshiftRound(r[u]·h[u], F))` into `rp` (q elements; int8: requantized
    ///         to the h quantization) — the input of GRU reset_after = false's h-gate matvec.
    function _gruResetProducts(RnnParams memory p, uint256 r, uint256 hq, uint256 rp) private pure {
        bool isQ = p.mode == Mode.Q;
        for (uint256 u = 0; u < p.U; u++) {
            int256 rh = _mulRound(_word(r, u), _loadQ(hq, u), p.F);
            if (isQ) _storeQ(rp, u, rh);
            else _storeByte(rp, u, Int8Math.requantizeUnchecked(rh, p.hM, int256(p.hShift), p.zH));
        }
    }

    /// @notice For u < U: `h' = sat64(rshiftRound(z·h + sat64(2^F − z)·hh, F))` (z = a[u], hh = a[2U + u],
    ///         h the previous value at `hq`) into word u of `b`; int8: also into the carry at `hq`.
    function _gruUpdateAll(RnnParams memory p, uint256 a, uint256 hq, uint256 b) private pure {
        uint256 U = p.U;
        uint256 F = p.F;
        bool i8 = p.mode == Mode.I8;
        /// @solidity memory-safe-assembly
        assembly {
            let hhOff := shl(6, U)
            for { let u := 0 } lt(u, U) { u := add(u, 1) } {
                let zp := add(a, shl(5, u))
                let z := mload(zp)
                // Equivalent to: omz = QMath.qSub(2^F, z) (z an int64: only the top can clamp)
                let omz := sub(shl(F, 1), z)
                if sgt(omz, INT64_MAX) { omz := INT64_MAX }
                let hp := add(hq, shl(3, u))
                let word := mload(hp)
                // Equivalent to: sat64(rshiftRound(z·h + omz·hh, F)); |z·h|, |omz·hh| ≤ 2^126
                let h := add(mul(z, sar(192, word)), mul(omz, mload(add(zp, hhOff))))
                if F { h := sar(F, add(h, sub(shl(sub(F, 1), 1), slt(h, 0)))) }
                if slt(h, INT64_MIN) { h := INT64_MIN }
                if sgt(h, INT64_MAX) { h := INT64_MAX }
                // int8: the carry keeps h' unrounded (Equivalent to: _storeQ(hq, u, h))
                if i8 { mstore(hp, or(and(word, 0xffffffffffffffffffffffffffffffffffffffffffffffff), shl(192, h))) }
                mstore(add(b, shl(5, u)), h)
            }
        }
    }

    // =========================================================================================
    //                                  the cells (plain twins)
    // =========================================================================================

    /// @notice SimpleRNN: `h = act(sat64(lin[u]))`.
    function _cellSimple(RnnParams memory p, uint256 sp, uint256 a) private pure {
        for (uint256 u = 0; u < p.U; u++) {
            _storeH(p, sp, u, _gate(_word(a, u), p.act, p.F));
        }
    }

    /// @notice LSTM (Keras, gate order i, f, c, o): `i = σ(lin_i)`, `f = σ(lin_f)`, `g = act(lin_c)`,
    ///         `o = σ(lin_o)` (σ = recurrent_activation, each input `sat64`), then
    ///         `c' = sat64(rshiftRound(f·c + i·g, F))`, `h' = sat64(rshiftRound(o·act(c'), F))`.
    function _cellLSTM(RnnParams memory p, RnnLayout memory L, uint256 sp, uint256 a) private pure {
        uint256 cp = sp + L.hBytes;
        for (uint256 u = 0; u < p.U; u++) {
            _lstmUnit(p, sp, cp, a, u);
        }
    }

    function _lstmUnit(RnnParams memory p, uint256 sp, uint256 cp, uint256 a, uint256 u) private pure {
        int256 c = _lstmCellState(p, cp, a, u);
        int256 og = _gate(_word(a, 3 * p.U + u), p.recAct, p.F);
        _storeH(p, sp, u, Rounding.sat64(Rounding.rshiftRound(og * _act(c, p.act, p.F), p.F)));
    }

    /// @dev `c' = sat64(rshiftRound(f·c + i·g, F))`, stored at the carry and returned.
    function _lstmCellState(RnnParams memory p, uint256 cp, uint256 a, uint256 u) private pure returns (int256 c) {
        uint256 U = p.U;
        int256 ig = _gate(_word(a, u), p.recAct, p.F);
        int256 fg = _gate(_word(a, U + u), p.recAct, p.F);
        int256 gg = _gate(_word(a, 2 * U + u), p.act, p.F);
        // |f·c|, |i·g| ≤ 2^126: the sum is exact in int256.
        c = Rounding.sat64(Rounding.rshiftRound(fg * _loadQ(cp, u) + ig * gg, p.F));
        _storeQ(cp, u, c);
    }

    /// @notice GRU (Keras, gate order z, r, h; σ = recurrent_activation, `ONE = 2^F`):
    ///         reset_after: `z = σ(sat64(linX_z + linH_z))`, `r = σ(sat64(linX_r + linH_r))`,
    ///         `rh = sat64(linH_h)`, `hh = act(sat64(linX_h + rshiftRound(r·rh, F)))`;
    ///         reset_after = false: `z`, `r` from `lin`, `hh = act(sat64(lin_h))` where the h columns'
    ///         recurrent term is `(r ⊙ h)·R_h` with `(r ⊙ h)_u = sat64(rshiftRound(r·h, F))` (int8:
    ///         `requantize` of it to the h quantization before the SWAR matvec).
    ///         Both: `h' = sat64(rshiftRound(z·h + qSub(ONE, z)·hh, F))`, h the previous hidden state
    ///         (int8: its unrounded Q32 copy, the carry).
    function _cellGRU(RnnParams memory p, RnnLayout memory L, uint256 wp, uint256 sp, RnnScratch memory sc) private pure {
        uint256 U = p.U;
        // The previous h in Q(F): q: the state's h; int8: the carry.
        uint256 hq = p.mode == Mode.Q ? sp : sp + L.hBytes;
        if (p.resetAfter) {
            for (uint256 u = 0; u < U; u++) {
                _gruUnitResetAfter(p, sp, hq, sc, u);
            }
            return;
        }
        // reset_after = false: z into sc.b, r ⊙ h into sc.rh, then the h columns' recurrent term.
        for (uint256 u = 0; u < U; u++) {
            _gruGatesV1(p, hq, sc, u);
        }
        _gruV1RecurrentRef(p, L, wp, sc);
        for (uint256 u = 0; u < U; u++) {
            int256 hh = _gate(_word(sc.a, 2 * U + u), p.act, p.F);
            _gruUpdate(p, sp, hq, u, _word(sc.b, u), hh);
        }
    }

    /// @dev GRU reset_after, unit u: z, r, hh from linX (sc.a) and linH (sc.b), then the update.
    function _gruUnitResetAfter(RnnParams memory p, uint256 sp, uint256 hq, RnnScratch memory sc, uint256 u) private pure {
        uint256 U = p.U;
        uint256 F = p.F;
        int256 z = _gate(_word(sc.a, u) + _word(sc.b, u), p.recAct, F);
        int256 r = _gate(_word(sc.a, U + u) + _word(sc.b, U + u), p.recAct, F);
        int256 rh = Rounding.sat64(_word(sc.b, 2 * U + u));
        int256 hh = _gate(_word(sc.a, 2 * U + u) + Rounding.rshiftRound(r * rh, F), p.act, F);
        _gruUpdate(p, sp, hq, u, z, hh);
    }

    /// @dev GRU reset_after = false, unit u: z (kept in sc.b) and (r ⊙ h)_u (into sc.rh).
    function _gruGatesV1(RnnParams memory p, uint256 hq, RnnScratch memory sc, uint256 u) private pure {
        _setWord(sc.b, u, _gate(_word(sc.a, u), p.recAct, p.F));
        int256 r = _gate(_word(sc.a, p.U + u), p.recAct, p.F);
        int256 rh = Rounding.sat64(Rounding.rshiftRound(r * _loadQ(hq, u), p.F));
        if (p.mode == Mode.Q) _storeQ(sc.rh, u, rh);
        else _storeByte(sc.rh, u, Int8Math.requantizeUnchecked(rh, p.hM, int256(p.hShift), p.zH));
    }

    /// @notice The h columns of GRU reset_after = false: `lin_h += (r ⊙ h)·R_h` (q: then the rescale and
    ///         bias of those columns; int8: the SWAR accumulator dequantized with mH, sH of those columns).
    function _gruV1Recurrent(RnnParams memory p, RnnLayout memory L, uint256 wp, RnnScratch memory sc) private pure {
        uint256 U = p.U;
        uint256 ah = sc.a + 64 * U; // → lin[2U]
        if (p.mode == Mode.Q) {
            _accQ(sc.rh, wp + L.rOff + 16 * U, U, L.GU * 8, U, ah, true);
            _rescaleQ(ah, wp + L.bOff + 16 * U, U, p.F);
            return;
        }
        uint256 t = sc.b + 32 * U; // U free words after z
        MatVec.matvecI8Raw(sc.rh, p.zH, wp + L.r2Off, U, U, 0, t);
        _dequant(t, ah, wp + L.mhOff + 8 * U, wp + L.shOff + 2 * U, 0, U, true);
    }

    /// @notice `h' = sat64(rshiftRound(z·h + qSub(ONE, z)·hh, F))`; stores h' (and the int8 carry).
    function _gruUpdate(RnnParams memory p, uint256 sp, uint256 hq, uint256 u, int256 z, int256 hh) private pure {
        int256 oneMinusZ = Rounding.sat64(int256(1 << p.F) - z);
        // |z·h|, |(1 − z)·hh| ≤ 2^126: exact.
        int256 h = Rounding.sat64(Rounding.rshiftRound(z * _loadQ(hq, u) + oneMinusZ * hh, p.F));
        if (p.mode == Mode.I8) _storeQ(hq, u, h);
        _storeH(p, sp, u, h);
    }

    /// @notice `act(sat64(v))` — a gate on its linear part.
    function _gate(int256 v, ActivationSpec memory a, uint256 F) private pure returns (int256) {
        return _act(Rounding.sat64(v), a, F);
    }

    /// @notice `Activation.actQ(x, a, F)` (the plain path; the fast path dispatches by `_fastKind`).
    function _act(int256 x, ActivationSpec memory a, uint256 F) private pure returns (int256) {
        return Activation.actQ(x, a, F);
    }

    /// @notice Store a new hidden value (Q(F), an int64): q: as is; int8: `requantize(h, hM, hShift, zH)`.
    function _storeH(RnnParams memory p, uint256 sp, uint256 u, int256 h) private pure {
        if (p.mode == Mode.Q) _storeQ(sp, u, h);
        else _storeByte(sp, u, Int8Math.requantizeUnchecked(h, p.hM, int256(p.hShift), p.zH));
    }

    // =========================================================================================
    //                                          plain twin
    // =========================================================================================

    /// @notice Plain twin of `forwardSteps` (same result, same failures): the channel checks byte by byte,
    ///         the linear part by plain loops over the blob read element by element (int8:
    ///         `MatVec.matvecI8Ref` on the unpacked panels), the cells unit by unit with Rounding and
    ///         `Activation.actQ` (`_cellSimple`, `_cellLSTM`, `_cellGRU`).
    function forwardStepsRef(
        RnnParams memory p,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        uint256 tFrom,
        uint256 tTo
    ) internal pure returns (bytes memory y, bytes memory s) {
        RnnLayout memory L = _validate(p, weights, input, state, true, tFrom, tTo, true);
        s = _copy(state);
        uint256 hb = L.hBytes;
        y = new bytes(p.returnSequences ? (tTo - tFrom) * hb : hb);
        RnnScratch memory sc = _scratch(p, L);
        for (uint256 t = tFrom; t < tTo; t++) {
            _linearRef(p, L, weights, input, s, t, sc);
            if (p.cell == CELL_SIMPLE) _cellSimple(p, Tensor.dataPtr(s), sc.a);
            else if (p.cell == CELL_LSTM) _cellLSTM(p, L, Tensor.dataPtr(s), sc.a);
            else _cellGRU(p, L, Tensor.dataPtr(weights), Tensor.dataPtr(s), sc);
            if (p.returnSequences) {
                for (uint256 k = 0; k < hb; k++) {
                    y[(t - tFrom) * hb + k] = s[k];
                }
            }
        }
        if (!p.returnSequences) {
            for (uint256 k = 0; k < hb; k++) {
                y[k] = s[k];
            }
        }
    }

    /// @dev The linear part of step t, the obvious way (see `_linear`).
    function _linearRef(
        RnnParams memory p,
        RnnLayout memory L,
        bytes memory w,
        bytes memory input,
        bytes memory s,
        uint256 t,
        RnnScratch memory sc
    ) private pure {
        if (p.mode == Mode.Q) {
            bytes memory xr = _slice(input, t * p.K * 8, p.K * 8);
            for (uint256 j = 0; j < L.GU; j++) {
                _columnRefQ(p, L, w, xr, s, j, sc);
            }
        } else {
            _linearRefI8(p, L, w, input, s, t, sc);
        }
    }

    /// @dev q column j: Σ x·W[:, j] and Σ h·R[:, j] by plain loops, then as `_linear`.
    function _columnRefQ(
        RnnParams memory p,
        RnnLayout memory L,
        bytes memory w,
        bytes memory xr,
        bytes memory s,
        uint256 j,
        RnnScratch memory sc
    ) private pure {
        bool v1h = p.cell == CELL_GRU && !p.resetAfter && j >= 2 * p.U; // GRU v1 h column: no h·R here
        int256 ax = _dotRefQ(xr, 0, w, j * 8, L.GU * 8, p.K);
        int256 ah = v1h ? int256(0) : _dotRefQ(s, 0, w, L.rOff + j * 8, L.GU * 8, p.U);
        if (p.cell == CELL_GRU && p.resetAfter) {
            _setWord(sc.a, j, Rounding.rshiftRound(ax, p.F) + _qAt(w, L.bOff + 8 * j));
            _setWord(sc.b, j, Rounding.rshiftRound(ah, p.F) + _qAt(w, L.b2Off + 8 * j));
        } else if (!v1h) {
            _setWord(sc.a, j, Rounding.rshiftRound(ax + ah, p.F) + _qAt(w, L.bOff + 8 * j));
        } else {
            _setWord(sc.a, j, ax); // GRU v1 h columns: rescaled after (r ⊙ h)·R_h
        }
    }

    /// @dev `Σ_{i<n} a[aOff + 8i]·w[wOff + i·stride]` (q elements read byte by byte).
    function _dotRefQ(bytes memory a, uint256 aOff, bytes memory w, uint256 wOff, uint256 stride, uint256 n)
        private
        pure
        returns (int256 acc)
    {
        for (uint256 i = 0; i < n; i++) {
            acc += _qAt(a, aOff + 8 * i) * _qAt(w, wOff + i * stride);
        }
    }

    /// @dev int8: MatVec.matvecI8Ref on the unpacked panels, then the dequantization of `_linear`.
    function _linearRefI8(
        RnnParams memory p,
        RnnLayout memory L,
        bytes memory w,
        bytes memory input,
        bytes memory s,
        uint256 t,
        RnnScratch memory sc
    ) private pure {
        uint256 nR = p.cell == CELL_GRU && !p.resetAfter ? 2 * p.U : L.GU;
        int256[] memory ax8 = _accRefI8(_slice(input, t * p.K, p.K), p.zIn, w, 0, p.K, L.GU);
        int256[] memory ah8 = _accRefI8(_slice(s, 0, p.U), p.zH, w, L.rOff, p.U, nR);
        for (uint256 j = 0; j < L.GU; j++) {
            _columnRefI8(p, L, w, j < nR ? ah8[j] : int256(0), ax8[j], j, sc);
        }
    }

    /// @dev MatVec.matvecI8Ref of x on the K×N panels at byte `off` of `w` (no bias).
    function _accRefI8(bytes memory x, int256 zx, bytes memory w, uint256 off, uint256 K, uint256 N)
        private
        pure
        returns (int256[] memory)
    {
        return MatVec.matvecI8Ref(x, zx, _unpackPanels(w, off, K, N), new int256[](N), K, N);
    }

    /// @dev int8 column j from its accumulators (ah ignored for GRU v1 h columns).
    function _columnRefI8(
        RnnParams memory p,
        RnnLayout memory L,
        bytes memory w,
        int256 ah,
        int256 ax,
        uint256 j,
        RnnScratch memory sc
    ) private pure {
        bool v1h = p.cell == CELL_GRU && !p.resetAfter && j >= 2 * p.U;
        int256 vx = _dequantRef(w, L, ax, j, true) + _qAt(w, L.bOff + 8 * j);
        int256 vh = v1h ? int256(0) : _dequantRef(w, L, ah, j, false);
        if (p.cell == CELL_GRU && p.resetAfter) {
            _setWord(sc.a, j, vx);
            _setWord(sc.b, j, vh + _qAt(w, L.b2Off + 8 * j));
        } else {
            _setWord(sc.a, j, vx + vh);
        }
    }

    /// @dev `rshiftRound(acc·m[j], s[j])` with (m, s) = (mX, sX) or (mH, sH), read byte by byte.
    function _dequantRef(bytes memory w, RnnLayout memory L, int256 acc, uint256 j, bool x) private pure returns (int256) {
        int256 m = _u32(w, (x ? L.mxOff : L.mhOff) + 4 * j);
        uint256 s = _u8(w, (x ? L.sxOff : L.shOff) + j);
        return Rounding.rshiftRound(acc * m, s);
    }

    /// @dev Plain twin of `_gruV1Recurrent`.
    function _gruV1RecurrentRef(RnnParams memory p, RnnLayout memory L, uint256 wp, RnnScratch memory sc) private pure {
        uint256 U = p.U;
        bytes memory w = _bytesAt(wp - 32);
        bytes memory rh = _bytesAt(sc.rh - 32);
        if (p.mode == Mode.Q) {
            for (uint256 u = 0; u < U; u++) {
                int256 acc = _word(sc.a, 2 * U + u);
                for (uint256 i = 0; i < U; i++) {
                    acc += _qAt(rh, 8 * i) * _qAt(w, L.rOff + (i * L.GU + 2 * U + u) * 8);
                }
                _setWord(sc.a, 2 * U + u, Rounding.rshiftRound(acc, p.F) + _qAt(w, L.bOff + 8 * (2 * U + u)));
            }
            return;
        }
        int256[] memory zeros = new int256[](U);
        int256[] memory acc = MatVec.matvecI8Ref(_slice(rh, 0, U), p.zH, _unpackPanels(w, L.r2Off, U, U), zeros, U, U);
        for (uint256 u = 0; u < U; u++) {
            uint256 j = 2 * U + u;
            _setWord(sc.a, j, _word(sc.a, j) + _dequantRef(w, L, acc[u], j, false));
        }
    }

    // =========================================================================================
    //                                          helpers
    // =========================================================================================

    /// @dev Scratch of the step loop: a, b (GU words each; b has GU ≥ 2U words for GRU's z and the h
    ///      block's SWAR output), rh (GRU reset_after = false: U elements + a spare word).
    function _scratch(RnnParams memory p, RnnLayout memory L) private pure returns (RnnScratch memory sc) {
        sc.a = Tensor.dataPtr(Tensor.allocWords(L.GU));
        sc.b = Tensor.dataPtr(Tensor.allocWords(L.GU));
        if (p.cell == CELL_GRU && !p.resetAfter) {
            bytes memory rh = new bytes(p.U * L.eb);
            sc.rh = Tensor.dataPtr(rh);
        }
    }

    function _word(uint256 base, uint256 j) private pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := mload(add(base, shl(5, j)))
        }
    }

    function _setWord(uint256 base, uint256 j, int256 v) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(base, shl(5, j)), v)
        }
    }

    /// @dev q element u at `p` (8-byte BE int64).
    function _loadQ(uint256 p, uint256 u) private pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := sar(192, mload(add(p, shl(3, u))))
        }
    }

    /// @dev Write q element u at `p`, preserving the neighbours (Tensor.storeQ on a raw pointer).
    function _storeQ(uint256 p, uint256 u, int256 v) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let q := add(p, shl(3, u))
            mstore(q, or(and(mload(q), 0xffffffffffffffffffffffffffffffffffffffffffffffff), shl(192, v)))
        }
    }

    function _storeByte(uint256 p, uint256 u, int256 v) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            mstore8(add(p, u), v)
        }
    }

    /// @dev `n` bytes from `src` to `dst` (MCOPY, EIP-5656).
    function _mcopy(uint256 dst, uint256 src, uint256 n) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(dst, src, n)
        }
    }

    function _copy(bytes memory b) private pure returns (bytes memory c) {
        c = Tensor.allocI8(b.length);
        _mcopy(Tensor.dataPtr(c), Tensor.dataPtr(b), b.length);
    }

    /// @dev The `bytes memory` whose length word is at `p` (to read a buffer known by pointer).
    function _bytesAt(uint256 p) private pure returns (bytes memory b) {
        /// @solidity memory-safe-assembly
        assembly {
            b := p
        }
    }

    /// @dev int64 at byte `off` of `b`, byte by byte (8-byte big-endian).
    function _qAt(bytes memory b, uint256 off) private pure returns (int256) {
        uint64 u = 0;
        for (uint256 k = 0; k < 8; k++) {
            u = (u << 8) | uint64(uint8(b[off + k]));
        }
        return int256(int64(u));
    }

    function _u8(bytes memory b, uint256 off) private pure returns (uint256) {
        return uint8(b[off]);
    }

    function _u32(bytes memory b, uint256 off) private pure returns (int256) {
        uint256 u = 0;
        for (uint256 k = 0; k < 4; k++) {
            u = (u << 8) | uint8(b[off + k]);
        }
        return int256(u);
    }

    function _slice(bytes memory b, uint256 off, uint256 len) private pure returns (bytes memory r) {
        r = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            r[i] = b[off + i];
        }
    }

    /// @dev The row-major K×N matrix of the panel layout starting at byte `off` of `blob` (numerics §4.2).
    function _unpackPanels(bytes memory blob, uint256 off, uint256 K, uint256 N) private pure returns (bytes memory W) {
        W = new bytes(K * N);
        for (uint256 i = 0; i < K; i++) {
            for (uint256 o = 0; o < N; o++) {
                W[i * N + o] = blob[off + ((o / 32) * K + i) * 32 + (o % 32)];
            }
        }
    }
}
