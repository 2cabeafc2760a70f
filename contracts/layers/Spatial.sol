// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tensor} from "../tensor/Tensor.sol";
import {Softmax} from "../tensor/Softmax.sol";
import {ActKind, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Activation} from "./Activation.sol";

/// @notice The int8 stage-A parameters of a conv-type layer (docs/layers/conv.md "int8 weight blob"): the
///         per-channel section of the blob starts at byte `base` and holds, for `N` output channels,
///         `b` int32 BE ×N ‖ `M` uint32 BE ×N ‖ `shift` uint8 ×N ‖ (if `negative`) `Mn` int32 BE ×N ‖
///         `shiftN` uint8 ×N — the layout of Dense's blob after its kernel section.
/// @param z zPre, the zero point of the requantized accumulators. @param lo, hi the stage-A clamp.
struct StageAParams {
    uint256 base;
    uint256 N;
    bool negative;
    int256 z;
    int256 lo;
    int256 hi;
}

/// @title Spatial — what the image layers (Conv2D, DepthwiseConv2D, pooling, ZeroPadding2D) share.
/// @notice Blob readers, the int8 stage A / stage B of a fused activation over a channels-last output
///         (docs/layers.md "int8 activations", Activation.sol), and the padded sub-input that lets a
///         window layer compute a range of output rows with the tensor tier's whole-image kernels
///         (docs/layers/conv.md "Ranges"). Twin: assembly/layers/Spatial.ts.
library Spatial {
    // =========================================================================================
    //                                          blob readers
    // =========================================================================================

    /// @notice Bytes `[off, off + len)` of `b` as a new buffer (one MCOPY; `off + len ≤ b.length` checked by callers).
    function slice(bytes memory b, uint256 off, uint256 len) internal pure returns (bytes memory r) {
        r = Tensor.allocI8(len);
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(add(r, 0x20), add(add(b, 0x20), off), len)
        }
    }

    function int32At(bytes memory b, uint256 off) internal pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := sar(224, mload(add(add(b, 0x20), off)))
        }
    }

    function uint32At(bytes memory b, uint256 off) internal pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := shr(224, mload(add(add(b, 0x20), off)))
        }
    }

    function uint8At(bytes memory b, uint256 off) internal pure returns (uint256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := byte(0, mload(add(add(b, 0x20), off)))
        }
    }

    function int64At(bytes memory b, uint256 off) internal pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := sar(192, mload(add(add(b, 0x20), off)))
        }
    }

    /// @notice Bytes of the per-channel section of `N` channels.
    function channelBytes(uint256 N, bool negative) internal pure returns (uint256) {
        return negative ? 14 * N : 9 * N;
    }

    /// @notice Per channel o in [0, N): (M[o], shift[o]) (`InvalidRequantization`), then if `negative`
    ///         (Mn[o], shiftN[o]) — the order of Dense's per-channel checks.
    function checkChannels(bytes memory w, StageAParams memory p) internal pure {
        uint256 N = p.N;
        uint256 base = p.base;
        for (uint256 o = 0; o < N; o++) {
            LayerTypes.checkRequant(uint32At(w, base + 4 * N + 4 * o), uint8At(w, base + 8 * N + o));
            if (p.negative) {
                LayerTypes.checkSignedRequant(int32At(w, base + 9 * N + 4 * o), uint8At(w, base + 13 * N + o));
            }
        }
    }

    /// @notice b[0..N) as the `int32[]` the tensor tier's int8 kernels take.
    function biasArray(bytes memory w, StageAParams memory p) internal pure returns (int32[] memory a) {
        a = new int32[](p.N);
        for (uint256 o = 0; o < p.N; o++) {
            a[o] = int32(int32At(w, p.base + 4 * o));
        }
    }

    /// @notice (M[0..N), shift[0..N)) as `int256[]`s.
    function requantArrays(bytes memory w, StageAParams memory p) internal pure returns (int256[] memory M, int256[] memory s) {
        uint256 N = p.N;
        M = new int256[](N);
        s = new int256[](N);
        for (uint256 o = 0; o < N; o++) {
            M[o] = uint32At(w, p.base + 4 * N + 4 * o);
            s[o] = int256(uint8At(w, p.base + 8 * N + o));
        }
    }

    /// @notice True when stage A (Activation.requantAct) equals `clampI8(requantize(acc, M, shift, z), lo, hi)`
    ///         for every accumulator: per channel either the negative branch is the positive one
    ///         (`Mn = M`, `shiftN = shift`; always so without a negative section) or it is the relu form
    ///         `Mn = 0` with `lo ≥ z` (then both give `lo` for acc < 0: requantize gives ≤ z ≤ lo).
    function requantClampExact(bytes memory w, StageAParams memory p) internal pure returns (bool) {
        if (!p.negative) return true;
        uint256 N = p.N;
        for (uint256 o = 0; o < N; o++) {
            int256 mn = int32At(w, p.base + 9 * N + 4 * o);
            bool same = mn == uint32At(w, p.base + 4 * N + 4 * o) && uint8At(w, p.base + 13 * N + o) == uint8At(w, p.base + 8 * N + o);
            if (!same && !(mn == 0 && p.lo >= p.z)) return false;
        }
        return true;
    }

    // =========================================================================================
    //                                          int8 stages
    // =========================================================================================

    /// @notice In place `y[i] = min(max(y[i], lo), hi)` (numerics §4.4 clampI8; no-op for the full range).
    function clampI8(bytes memory y, int256 lo, int256 hi) internal pure {
        if (lo == -128 && hi == 127) return;
        /// @solidity memory-safe-assembly
        assembly {
            let p := add(y, 0x20)
            for { let end := add(p, mload(y)) } lt(p, end) { p := add(p, 1) } {
                let v := signextend(0, byte(0, mload(p)))
                if slt(v, lo) { mstore8(p, lo) }
                if sgt(v, hi) { mstore8(p, hi) }
            }
        }
    }

    /// @notice Stage A over int64 accumulators (q byte layout, channel = index mod N, bias included):
    ///         `y[i] = Activation.requantAct(acc[i], M[o], shift[o], Mn[o], shiftN[o], z, lo, hi)`.
    /// @dev Domain: validated parameters, |acc| < 2^49. Yul loop; `stageARef` is the plain twin.
    function stageA(bytes memory acc, bytes memory w, StageAParams memory p) internal pure returns (bytes memory y) {
        uint256 n = acc.length / 8;
        y = Tensor.allocI8(n);
        uint256 N = p.N;
        // [M[0] pointer, offset of Mn from M (0 without a negative section), z, lo, hi, shift[0] pointer,
        //  offset of shiftN from shift]
        uint256[7] memory t;
        t[0] = Tensor.dataPtr(w) + p.base + 4 * N;
        t[1] = p.negative ? 5 * N : 0;
        t[2] = uint256(p.z);
        t[3] = uint256(p.lo);
        t[4] = uint256(p.hi);
        t[5] = t[0] + 4 * N;
        t[6] = p.negative ? 5 * N : 0;
        /// @solidity memory-safe-assembly
        assembly {
            let ap := add(acc, 0x20)
            let yp := add(y, 0x20)
            for { let end := add(yp, n) } lt(yp, end) {} {
                let q4 := mload(t)
                let q1 := mload(add(t, 0xa0))
                for { let o := N } o { o := sub(o, 1) } {
                    let a := sar(192, mload(ap)) // int64 accumulator, bias included
                    let m := shr(224, mload(q4)) // uint32 M[o] (< 2^31, validated)
                    let s := byte(0, mload(q1)) // shift[o]
                    if slt(a, 0) {
                        m := sar(224, mload(add(q4, mload(add(t, 0x20))))) // int32 Mn[o] (= M[o] without a section)
                        s := byte(0, mload(add(q1, mload(add(t, 0xc0))))) // shiftN[o]
                    }
                    // |a·m| < 2^80: exact. Equivalent to Rounding.rshiftRound(a·m, s) + z, then the clamp.
                    let v := mul(a, m)
                    if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                    v := add(v, mload(add(t, 0x40)))
                    let lo := mload(add(t, 0x60))
                    if slt(v, lo) { v := lo }
                    let hi := mload(add(t, 0x80))
                    if sgt(v, hi) { v := hi }
                    mstore8(yp, v)
                    yp := add(yp, 1)
                    ap := add(ap, 8)
                    q4 := add(q4, 4)
                    q1 := add(q1, 1)
                }
            }
        }
    }

    /// @notice Plain twin of `stageA`: Activation.requantAct per element, parameters read one by one.
    function stageARef(bytes memory acc, bytes memory w, StageAParams memory p) internal pure returns (bytes memory y) {
        uint256 n = acc.length / 8;
        y = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeI8(y, i, _requantActAt(Tensor.loadQ(acc, i), w, p, i % p.N));
        }
    }

    /// @dev Activation.requantAct of accumulator `a` of channel o with the blob's parameters.
    function _requantActAt(int256 a, bytes memory w, StageAParams memory p, uint256 o) private pure returns (int256) {
        uint256 N = p.N;
        int256 m = uint32At(w, p.base + 4 * N + 4 * o);
        uint256 s = uint8At(w, p.base + 8 * N + o);
        int256 mn = p.negative ? int32At(w, p.base + 9 * N + 4 * o) : m;
        uint256 sn = p.negative ? uint8At(w, p.base + 13 * N + o) : s;
        return Activation.requantAct(a, m, s, mn, sn, p.z, p.lo, p.hi);
    }

    /// @notice Stage B of a non-fused activation on the stage-A output of shape `dims` (channels last):
    ///         `Activation.actI8` per element, or `softmaxI8` along the last axis (docs/layers.md).
    function stageB(
        bytes memory y,
        ActivationSpec memory act,
        int256 zPre,
        int256 scalePreQ,
        uint256 outM,
        uint256 outShift,
        int256 zOut,
        uint256[] memory dims
    ) internal pure returns (bytes memory) {
        if (act.kind == uint8(ActKind.Softmax)) {
            return Softmax.softmaxI8(y, zPre, scalePreQ, dims, dims.length - 1, int256(outM), int256(outShift), zOut);
        }
        Activation.applyI8(y, act, zPre, scalePreQ, int256(outM), outShift, zOut);
        return y;
    }

    /// @notice A q-mode activation on an output of shape `dims` (channels last): elementwise
    ///         (`Activation.applyQ`, or its plain twin `applyQRef` when `ref`) or softmax along the last
    ///         axis (`Activation.softmaxQ`).
    function activateQ(bytes memory y, ActivationSpec memory act, uint256 F, uint256[] memory dims, bool ref)
        internal
        pure
        returns (bytes memory)
    {
        if (act.kind == uint8(ActKind.Softmax)) return Activation.softmaxQ(y, dims, dims.length - 1, F);
        if (ref) Activation.applyQRef(y, y.length / 8, act, F);
        else Activation.applyQ(y, y.length / 8, act, F);
        return y;
    }

    /// @notice `[a, b, c]` as the tensor tier's shape type.
    function dims3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory d) {
        d = new uint256[](3);
        d[0] = a;
        d[1] = b;
        d[2] = c;
    }

    // =========================================================================================
    //                                          sub-inputs
    // =========================================================================================

    /// @notice The window geometry of a layer and an output-row range, for `rangeInput`.
    struct RangeGeometry {
        uint256 H;
        uint256 W;
        uint256 C;
        uint256 esz;
        uint256 kh;
        uint256 kw;
        uint256 sh;
        uint256 sw;
        uint256 padding;
        uint256 padTop;
        uint256 padLeft;
        uint256 Wo;
    }

    /// @notice The input of output rows `[from, to)` (`from < to`) of a window op as a padded sub-input:
    ///         input rows `[from·sh − padTop, (to − 1)·sh − padTop + kh)` with the layer's own padding made
    ///         explicit (left `padLeft`, right `pad_total − padLeft` for 'same'; none for 'valid'), `fill`
    ///         in every padded position. A 'valid' window op over it (`Hs × Ws`) has exactly the windows
    ///         of output rows [from, to) of the original op, padded taps holding `fill`.
    /// @dev Width: for 'same' with `pad_total > 0`, `Ws = (Wo − 1)·sw + kw` and 'valid' gives
    ///      `⌊(Ws − kw)/sw⌋ + 1 = Wo`; with `pad_total = 0` (and for 'valid') `Ws = W` and
    ///      `⌊(W − kw)/sw⌋ + 1 = Wo` because `(Wo − 1)·sw + kw ≤ W` and `kw ≥ 1`. Height: `Hs = (to − from −
    ///      1)·sh + kh` gives `to − from` rows.
    function rangeInput(bytes memory x, RangeGeometry memory r, uint256 from, uint256 to, uint256 fill)
        internal
        pure
        returns (bytes memory sub, uint256 Hs, uint256 Ws)
    {
        uint256 padR = 0;
        if (r.padding == 1) {
            uint256 covered = (r.Wo - 1) * r.sw + r.kw;
            if (covered > r.W + r.padLeft) padR = covered - r.W - r.padLeft;
        }
        Hs = (to - from - 1) * r.sh + r.kh;
        Ws = r.padLeft + r.W + padR;
        sub = padRows(x, r, int256(from * r.sh) - int256(r.padTop), Hs, padR, fill);
    }

    /// @notice The rows `[r0, r0 + nRows)` of the `H×W×C` image of `r` (`esz` bytes per element), each
    ///         padded with `padLeft` columns before and `padR` after; rows outside `[0, H)` and the padding
    ///         columns hold `fill` (a 32-byte pattern of the pad element repeated). Returns
    ///         `nRows × (padLeft + W + padR) × C` elements.
    function padRows(bytes memory x, RangeGeometry memory r, int256 r0, uint256 nRows, uint256 padR, uint256 fill)
        internal
        pure
        returns (bytes memory out)
    {
        uint256 rowIn = r.W * r.C * r.esz;
        uint256 rowOut = rowIn + (r.padLeft + padR) * r.C * r.esz;
        out = Tensor.allocI8(nRows * rowOut);
        /// @solidity memory-safe-assembly
        assembly {
            // fill everything (whole words: allocI8 reserves a spare word after the data)
            let d := add(out, 0x20)
            for { let p := d } lt(p, add(d, mload(out))) { p := add(p, 0x20) } { mstore(p, fill) }
        }
        _copyRows(out, x, r, r0, rowIn, rowOut);
    }

    /// @dev Row i of `out` (rowOut bytes, the input row after padLeft·C elements) := input row r0 + i when
    ///      it exists.
    function _copyRows(bytes memory out, bytes memory x, RangeGeometry memory r, int256 r0, uint256 rowIn, uint256 rowOut)
        private
        pure
    {
        uint256 left = r.padLeft * r.C * r.esz;
        uint256 H = r.H;
        /// @solidity memory-safe-assembly
        assembly {
            let d := add(add(out, 0x20), left)
            let n := div(mload(out), rowOut)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let iy := add(r0, i)
                if and(iszero(slt(iy, 0)), slt(iy, H)) { mcopy(add(d, mul(i, rowOut)), add(add(x, 0x20), mul(iy, rowIn)), rowIn) }
            }
        }
    }

    /// @notice `fill` pattern of an int8 pad value (the byte repeated 32 times).
    function fillI8(int256 v) internal pure returns (uint256) {
        return uint256(uint8(int8(v))) * 0x0101010101010101010101010101010101010101010101010101010101010101;
    }

    /// @notice `n` bytes starting at byte `off` of `y`, as a new buffer (an output range taken from a
    ///         whole-image result).
    function tail(bytes memory y, uint256 off, uint256 n) internal pure returns (bytes memory) {
        return slice(y, off, n);
    }
}
