// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "./Q64.sol";
import {Rounding} from "./Rounding.sol";
import {Tensor} from "./Tensor.sol";
import {Int8Math} from "./Int8Math.sol";
import {ValueOutOfRange, ShapeMismatch} from "./Errors.sol";

/// @title MatVec — dot products, matrix-vector and matrix-matrix products in both number modes.
/// @notice docs/numerics.md §5 (`dot`, `matvec`, `matmul`: `y[o] = Σ_i x[i]·W[i][o]`, `W` is `K×N`
///         row-major, the Keras Dense kernel layout), §3 (q mode: exact wide accumulation, one rescale
///         `sat64(rshiftRound(acc, F) + bias)`), §4.1 (int8 accumulators), §4.2 (the SWAR kernel).
/// @dev Formats. q tensors: `bytes` of 8-byte big-endian int64 elements. int8 tensors: `bytes`, one
///      byte per element. int8-mode integer vectors (bias, accumulators, multipliers, shifts):
///      `int256[] memory`. int8 weights of the fast kernels: the panel layout of numerics §4.2
///      (`src/harness/tensor/pack.ts` `packPanelsI8`).
///
///      Validation order (the oracle, assembly/tensor/MatVec.ts, follows it): (1) buffer lengths in
///      argument order (`ShapeMismatch(expected, actual)`, lengths in bytes for `bytes`, in entries for
///      arrays); (2) scalar parameters and per-channel vectors in argument order (`ValueOutOfRange`,
///      `InvalidRequantization`). Dimensions are not otherwise restricted (0 is allowed); products of
///      dimensions that overflow uint256 panic.
///
///      Every fast kernel has a plain twin (`…Ref`); the tests prove fast == Ref == oracle.
library MatVec {
    /// @dev Outputs per SWAR panel (numerics §4.2).
    uint256 internal constant PANEL = 32;
    /// @dev Rows accumulated in the 32-bit SWAR lanes between two flushes. A lane holds
    ///      `Σ (x − zx)·(w + 128)` with `|x − zx| ≤ 255`, `0 ≤ w + 128 ≤ 255`, so after R rows
    ///      `|lane| ≤ 65025·R`; R = 32768 gives `≤ 2,130,739,200 < 2^31`: every lane stays a signed
    ///      32-bit value and is recovered exactly (numerics §4.2 asks for a flush at least every 65,536 rows).
    uint256 internal constant FLUSH_ROWS = 32768;
    /// @dev Largest number of fractional bits of the q-mode rescale (numerics §3.1).
    uint256 internal constant MAX_F = 62;
    /// @dev int8 biases are 32-bit: |bias| < 2^31 (numerics §4).
    int256 internal constant BIAS_LIMIT = 2 ** 31;

    // =========================================================================================
    //                                          q mode
    // =========================================================================================

    /// @notice `sat64(rshiftRound(Σ_i a[i]·b[i], F))` over two q tensors of equal length.
    /// @dev numerics §3, §5. Exact int256 accumulation (|a·b| ≤ 2^126), one RHAZ rescale, saturated.
    ///      Requirements: `a.length == b.length` (else `ShapeMismatch(a.length, b.length)`), a multiple of
    ///      8 (else `ShapeMismatch`), `F ≤ 62` (else `ValueOutOfRange(F)`).
    function dotQ(bytes memory a, bytes memory b, uint256 F) internal pure returns (Q64 r) {
        Tensor.requireLength(a.length, b.length);
        Tensor.lengthQ(a);
        _checkF(F);
        int256 acc;
        /// @solidity memory-safe-assembly
        assembly {
            let ap := add(a, 0x20)
            let bp := add(b, 0x20)
            let end := add(ap, mload(a))
            // Equivalent to: for i: acc += int64(a[i]) * int64(b[i]) — exact: |product| ≤ 2^126 and
            // fewer than 2^61 terms fit a memory buffer, so the int256 sum cannot wrap.
            for {} lt(ap, end) {} {
                acc := add(acc, mul(sar(192, mload(ap)), sar(192, mload(bp))))
                ap := add(ap, 8)
                bp := add(bp, 8)
            }
        }
        r = Q64.wrap(int64(Rounding.sat64(Rounding.rshiftRound(acc, F))));
    }

    /// @notice Plain twin of `dotQ` (same result, same failures).
    function dotQRef(bytes memory a, bytes memory b, uint256 F) internal pure returns (Q64) {
        if (a.length != b.length) revert ShapeMismatch(a.length, b.length);
        uint256 n = Tensor.lengthQ(a);
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        int256 acc = 0;
        for (uint256 i = 0; i < n; i++) {
            acc += _elementQRef(a, i) * _elementQRef(b, i);
        }
        return Q64.wrap(int64(Rounding.sat64(Rounding.rshiftRound(acc, F))));
    }

    /// @notice `y[o] = sat64(rshiftRound(Σ_i x[i]·W[i][o], F) + bias[o])` for `o < N`.
    /// @dev numerics §3, §5. `x`: K q elements; `W`: K×N row-major q elements; `bias`: N q elements (in
    ///      the output's format, added after the rescale). Exact int256 accumulation, one rounding, one
    ///      saturation. Requirements: `x.length == 8K`, `W.length == 8KN`, `bias.length == 8N` (else
    ///      `ShapeMismatch`), `F ≤ 62` (else `ValueOutOfRange(F)`). Gas ≈ 48 per multiply-accumulate at
    ///      K = 128, N = 64 (tests/tensor/MatVec.test.ts prints it).
    function matvecQ(bytes memory x, bytes memory W, bytes memory bias, uint256 K, uint256 N, uint256 F)
        internal
        pure
        returns (bytes memory y)
    {
        Tensor.requireLength(K * 8, x.length);
        Tensor.requireLength(K * N * 8, W.length);
        Tensor.requireLength(N * 8, bias.length);
        _checkF(F);
        y = Tensor.allocQ(N);
        _matvecQRaw(Tensor.dataPtr(x), Tensor.dataPtr(W), Tensor.dataPtr(bias), K, N, F, Tensor.dataPtr(y));
    }

    /// @notice Plain twin of `matvecQ` (same result, same failures).
    function matvecQRef(bytes memory x, bytes memory W, bytes memory bias, uint256 K, uint256 N, uint256 F)
        internal
        pure
        returns (bytes memory y)
    {
        if (x.length != K * 8) revert ShapeMismatch(K * 8, x.length);
        if (W.length != K * N * 8) revert ShapeMismatch(K * N * 8, W.length);
        if (bias.length != N * 8) revert ShapeMismatch(N * 8, bias.length);
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
        y = new bytes(N * 8);
        for (uint256 o = 0; o < N; o++) {
            int256 acc = 0;
            for (uint256 i = 0; i < K; i++) {
                acc += _elementQRef(x, i) * _elementQRef(W, i * N + o);
            }
            Tensor.storeQ(y, o, Rounding.sat64(Rounding.rshiftRound(acc, F) + _elementQRef(bias, o)));
        }
    }

    /// @notice `C[r][o] = sat64(rshiftRound(Σ_i A[r][i]·B[i][o], F))`: M matvecs without bias.
    /// @dev numerics §3, §5. `A`: M×K, `B`: K×N, `C`: M×N, all row-major q tensors. Requirements:
    ///      `A.length == 8MK`, `B.length == 8KN` (else `ShapeMismatch`), `F ≤ 62` (else `ValueOutOfRange(F)`).
    function matmulQ(bytes memory A, bytes memory B, uint256 M, uint256 K, uint256 N, uint256 F)
        internal
        pure
        returns (bytes memory C)
    {
        Tensor.requireLength(M * K * 8, A.length);
        Tensor.requireLength(K * N * 8, B.length);
        _checkF(F);
        C = Tensor.allocQ(M * N);
        uint256 ap = Tensor.dataPtr(A);
        uint256 bp = Tensor.dataPtr(B);
        uint256 cp = Tensor.dataPtr(C);
        unchecked {
            // M·K·8 and M·N·8 were computed with overflow checks above.
            for (uint256 r = 0; r < M; r++) {
                _matvecQRaw(ap + r * K * 8, bp, 0, K, N, F, cp + r * N * 8);
            }
        }
    }

    /// @notice The q matvec kernel on raw memory pointers (no validation; `bp = 0`: no bias).
    /// @dev Writes the N outputs at `yp` in increasing order with whole-word stores, which zero the 24
    ///      bytes after each element: the caller owns `yp .. yp + 8N + 24` (Tensor.allocQ's spare word).
    ///      Four outputs per pass share each 32-byte weight load (`W[i][o..o+3]`).
    function _matvecQRaw(uint256 xp, uint256 wp, uint256 bp, uint256 K, uint256 N, uint256 F, uint256 yp)
        private
        pure
    {
        unchecked {
            // All pointer arithmetic stays inside buffers whose sizes were checked by the caller.
            uint256 rowBytes = N * 8;
            for (uint256 o = 0; o < N; o += 4) {
                (int256 a0, int256 a1, int256 a2, int256 a3) = dot4Q(xp, wp + o * 8, K, rowBytes);
                _finishQ(a0, o, N, F, bp, yp);
                _finishQ(a1, o + 1, N, F, bp, yp);
                _finishQ(a2, o + 2, N, F, bp, yp);
                _finishQ(a3, o + 3, N, F, bp, yp);
            }
        }
    }

    /// @notice Four dot products at once (shared by Dense and Recurrent's q paths): `a_k = Σ_i x[i]·W[i][o + k]` for k = 0..3, where `wp`
    ///         points at `W[0][o]` and rows are `rowBytes` apart.
    /// @dev One mload fetches `W[i][o..o+3]` (columns past N read the next row or bytes after the buffer:
    ///      their sums are discarded). Two rows per iteration, their products summed before the
    ///      accumulator update. Exact: |x·w| ≤ 2^126 and fewer than 2^61 terms, so int256 cannot wrap.
    function dot4Q(uint256 xp, uint256 wp, uint256 K, uint256 rowBytes)
        internal
        pure
        returns (int256 a0, int256 a1, int256 a2, int256 a3)
    {
        /// @solidity memory-safe-assembly
        assembly {
            // NOTE: `K` becomes the end of x (a new variable would not fit the stack).
            K := add(xp, shl(3, K))
            for {} lt(add(xp, 8), K) {} {
                let x0 := sar(192, mload(xp)) // Equivalent to: int64(x[i])
                let x1 := sar(192, mload(add(xp, 8))) // int64(x[i + 1])
                let w0 := mload(wp) // W[i][o .. o+3]
                let w1 := mload(add(wp, rowBytes)) // W[i+1][o .. o+3]
                // Equivalent to: a_k += x0·int64(W[i][o+k]) + x1·int64(W[i+1][o+k])
                a0 := add(a0, add(mul(x0, sar(192, w0)), mul(x1, sar(192, w1))))
                a1 := add(a1, add(mul(x0, sar(192, shl(64, w0))), mul(x1, sar(192, shl(64, w1)))))
                a2 := add(a2, add(mul(x0, sar(192, shl(128, w0))), mul(x1, sar(192, shl(128, w1)))))
                a3 := add(a3, add(mul(x0, signextend(7, w0)), mul(x1, signextend(7, w1))))
                wp := add(wp, shl(1, rowBytes))
                xp := add(xp, 16)
            }
            if lt(xp, K) {
                let x0 := sar(192, mload(xp))
                let w0 := mload(wp)
                a0 := add(a0, mul(x0, sar(192, w0)))
                a1 := add(a1, mul(x0, sar(192, shl(64, w0))))
                a2 := add(a2, mul(x0, sar(192, shl(128, w0))))
                a3 := add(a3, mul(x0, signextend(7, w0)))
            }
        }
    }

    /// @notice `y[o] = sat64(rshiftRound(acc, F) + bias[o])` when `o < N` (bias 0 when `bp = 0`).
    function _finishQ(int256 acc, uint256 o, uint256 N, uint256 F, uint256 bp, uint256 yp) private pure {
        if (o >= N) return;
        int256 v = Rounding.rshiftRound(acc, F);
        /// @solidity memory-safe-assembly
        assembly {
            if bp { v := add(v, sar(192, mload(add(bp, shl(3, o))))) }
        }
        v = Rounding.sat64(v);
        /// @solidity memory-safe-assembly
        assembly {
            // Whole-word store in increasing o: see _matvecQRaw.
            mstore(add(yp, shl(3, o)), shl(192, v))
        }
    }

    function _checkF(uint256 F) private pure {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
    }

    /// @dev Element i of a q tensor, the obvious way (byte by byte), for the `…Ref` twins.
    function _elementQRef(bytes memory t, uint256 i) private pure returns (int256) {
        uint64 u = 0;
        for (uint256 j = 0; j < 8; j++) {
            u = (u << 8) | uint64(uint8(t[i * 8 + j]));
        }
        return int256(int64(u));
    }

    // =========================================================================================
    //                                          int8 mode
    // =========================================================================================

    /// @notice Byte length of the panel layout of a K×N int8 matrix: `⌈N/32⌉·K·32` (numerics §4.2).
    function panelBytes(uint256 K, uint256 N) internal pure returns (uint256) {
        return ((N + PANEL - 1) / PANEL) * K * PANEL;
    }

    /// @notice `acc[o] = bias[o] + Σ_i (x[i] − zx)·W[i][o]` for `o < N` — the int8 accumulators.
    /// @dev numerics §4.1 exactly, computed by the SWAR kernel of §4.2 (see `matvecI8Raw`).
    ///      `x`: K int8; `wPanels`: the K×N int8 weights in panel layout; `bias`: N entries.
    ///      Requirements: `x.length == K`, `wPanels.length == ⌈N/32⌉·32·K`, `bias.length == N` (else
    ///      `ShapeMismatch`), `zx ∈ [−128, 127]` (else `ValueOutOfRange(zx)`), `|bias[o]| < 2^31` (else
    ///      `ValueOutOfRange(bias[o])`, first offending channel). Gas: see `matvecI8Raw`.
    function matvecI8(bytes memory x, int256 zx, bytes memory wPanels, int256[] memory bias, uint256 K, uint256 N)
        internal
        pure
        returns (int256[] memory acc)
    {
        Tensor.requireLength(K, x.length);
        Tensor.requireLength(panelBytes(K, N), wPanels.length);
        Tensor.requireLength(N, bias.length);
        Int8Math.checkI8(zx);
        _checkBias(bias);
        acc = Tensor.allocWords(N);
        matvecI8Raw(Tensor.dataPtr(x), zx, Tensor.dataPtr(wPanels), K, N, Tensor.dataPtr(bias), Tensor.dataPtr(acc));
    }

    /// @notice Plain twin of `matvecI8` on the row-major K×N matrix `W` (numerics §4.1 as written).
    /// @dev Same failures as `matvecI8`, except that `W.length` must be `K·N`.
    function matvecI8Ref(bytes memory x, int256 zx, bytes memory W, int256[] memory bias, uint256 K, uint256 N)
        internal
        pure
        returns (int256[] memory acc)
    {
        if (x.length != K) revert ShapeMismatch(K, x.length);
        if (W.length != K * N) revert ShapeMismatch(K * N, W.length);
        if (bias.length != N) revert ShapeMismatch(N, bias.length);
        if (zx < -128 || zx > 127) revert ValueOutOfRange(zx);
        for (uint256 o = 0; o < N; o++) {
            if (bias[o] <= -BIAS_LIMIT || bias[o] >= BIAS_LIMIT) revert ValueOutOfRange(bias[o]);
        }
        acc = new int256[](N);
        for (uint256 o = 0; o < N; o++) {
            int256 sum = bias[o];
            for (uint256 i = 0; i < K; i++) {
                sum += (int256(int8(uint8(x[i]))) - zx) * int256(int8(uint8(W[i * N + o])));
            }
            acc[o] = sum;
        }
    }

    /// @notice `y[o] = requantize(acc[o], multipliers[o], shifts[o], zOut)` with `acc` as `matvecI8`:
    ///         a whole int8 Dense layer (before its activation) in one call.
    /// @dev numerics §4.1–§4.3. Requirements: as `matvecI8`, plus `multipliers.length == shifts.length == N`
    ///      (else `ShapeMismatch`), each `(multipliers[o], shifts[o])` valid (else
    ///      `InvalidRequantization(multipliers[o], shifts[o])`), `zOut ∈ [−128, 127]` (else
    ///      `ValueOutOfRange(zOut)`). Order: shapes of x, wPanels, bias, multipliers, shifts; then zx,
    ///      bias values, (multiplier, shift) pairs by channel, zOut. Correctly rounded, saturated.
    function matvecI8Requant(
        bytes memory x,
        int256 zx,
        bytes memory wPanels,
        int256[] memory bias,
        int256[] memory multipliers,
        int256[] memory shifts,
        int256 zOut,
        uint256 K,
        uint256 N
    ) internal pure returns (bytes memory y) {
        Tensor.requireLength(K, x.length);
        Tensor.requireLength(panelBytes(K, N), wPanels.length);
        Tensor.requireLength(N, bias.length);
        Tensor.requireLength(N, multipliers.length);
        Tensor.requireLength(N, shifts.length);
        Int8Math.checkI8(zx);
        _checkBias(bias);
        _checkRequantizations(multipliers, shifts);
        Int8Math.checkI8(zOut);
        y = Tensor.allocI8(N);
        uint256 accPtr = _allocScratch(N * 32);
        matvecI8Raw(Tensor.dataPtr(x), zx, Tensor.dataPtr(wPanels), K, N, Tensor.dataPtr(bias), accPtr);
        _requantizeI8(accPtr, Tensor.dataPtr(multipliers), Tensor.dataPtr(shifts), zOut, N, Tensor.dataPtr(y));
    }

    /// @notice `y[o] = sat8(zOut + rshiftRound(acc[o]·m[o], s[o]))` for o < N, on raw pointers
    ///         (numerics §4.3; no validation: 0 ≤ m < 2^31, 0 ≤ s ≤ 126, |acc| < 2^63, zOut int8).
    function _requantizeI8(uint256 accPtr, uint256 mp, uint256 sp, int256 zOut, uint256 N, uint256 yp) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            for { let end := add(yp, N) } lt(yp, end) { yp := add(yp, 1) } {
                // |acc·m| < 2^94: exact in int256.
                let v := mul(mload(accPtr), mload(mp))
                let sh := mload(sp)
                // Equivalent to: Rounding.rshiftRound(v, sh) (RHAZ, numerics §1)
                if sh { v := sar(sh, add(v, sub(shl(sub(sh, 1), 1), slt(v, 0)))) }
                v := add(v, zOut)
                // Equivalent to: Rounding.sat8(v)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(yp, v)
                accPtr := add(accPtr, 0x20)
                mp := add(mp, 0x20)
                sp := add(sp, 0x20)
            }
        }
    }

    /// @notice `Int8Math.checkRequantization(multipliers[o], shifts[o])` at the first invalid channel.
    function _checkRequantizations(int256[] memory multipliers, int256[] memory shifts) private pure {
        uint256 bad = type(uint256).max;
        /// @solidity memory-safe-assembly
        assembly {
            let n := mload(multipliers)
            for { let o := 0 } lt(o, n) { o := add(o, 1) } {
                let off := shl(5, add(o, 1))
                // Equivalent to: m < 0 || m ≥ 2^31 || s < 0 || s > 126 (negatives are huge unsigned).
                if or(gt(mload(add(multipliers, off)), 0x7fffffff), gt(mload(add(shifts, off)), 126)) {
                    bad := o
                    break
                }
            }
        }
        if (bad != type(uint256).max) Int8Math.checkRequantization(multipliers[bad], shifts[bad]);
    }

    /// @notice `C[r][o] = Σ_i (A[r][i] − za)·B[i][o]`: M int8 matvecs (no bias), int256 accumulators.
    /// @dev numerics §4.1, §5. `A`: M×K int8 row-major (activations), `B`: K×N int8 row-major (as
    ///      activations come); `B` is packed into panels in memory once (one load and store per 32
    ///      bytes), then each row of `A` runs the SWAR kernel. Requirements: `A.length == MK`,
    ///      `B.length == KN` (else `ShapeMismatch`), `za ∈ [−128, 127]` (else `ValueOutOfRange(za)`).
    function matmulI8(bytes memory A, int256 za, bytes memory B, uint256 M, uint256 K, uint256 N)
        internal
        pure
        returns (int256[] memory C)
    {
        Tensor.requireLength(M * K, A.length);
        Tensor.requireLength(K * N, B.length);
        Int8Math.checkI8(za);
        C = Tensor.allocWords(M * N);
        uint256 panels = _allocScratch(panelBytes(K, N));
        _packPanels(Tensor.dataPtr(B), K, N, panels);
        uint256 ap = Tensor.dataPtr(A);
        uint256 cp = Tensor.dataPtr(C);
        unchecked {
            // r·K < M·K and r·N·32 < M·N·32, both within the allocated buffers.
            for (uint256 r = 0; r < M; r++) {
                matvecI8Raw(ap + r * K, za, panels, K, N, 0, cp + r * N * 32);
            }
        }
    }

    /// @notice The SWAR int8 matvec on raw memory pointers, no validation (numerics §4.2). Writes
    ///         `out[o] = bias[o] + Σ_i (x[i] − zx)·W[i][o]` for o < N.
    /// @param xp K int8 activations (the kernel may read up to 31 bytes past them).
    /// @param zx their zero point, in [−128, 127].
    /// @param wp the K×N weights in panel layout.
    /// @param bp N int256 biases, or 0 for none.
    /// @param out N int256 words (need not be initialised).
    /// @dev Algorithm. With `v_i = x_i + 128 ∈ [0, 255]`, `s_i = v_i − (zx + 128) = x_i − zx ∈ [−255, 255]`
    ///      and offset-binary weights `w + 128 ∈ [0, 255]` (each weight word XOR 0x80…80):
    ///      `Σ_i s_i·w_i = Σ_i s_i·(w_i + 128) − 128·Σ_i s_i`. The first sum runs over 32 outputs at once:
    ///      each weight word is spread into four words of eight 32-bit lanes (`and(shr(8m, w), 0x000000ff…)`,
    ///      m = 0..3), each lane word is multiplied by the signed scalar `s_i` and added, modulo 2^256.
    ///      Lane k of word m belongs to panel column `31 − 4k − m`. A lane's true value stays in
    ///      [−2^31, 2^31) for FLUSH_ROWS rows, so the word is `Σ_k lane_k·2^(32k) mod 2^256` and the lanes
    ///      come back exactly (low lane first: sign-extend, subtract, shift). The second sum is one scalar
    ///      shared by every output, so no per-column weight sums are needed. Result: numerics §4.1 exactly.
    ///      Gas: ≈ 154 per row of a panel in the unrolled loop (4.8 per multiply-accumulate), plus ≈ 1 per
    ///      activation (the Σ pass) and ≈ 150 per output (bias, validation, flush): 5.25 gas/MAC at
    ///      K = 784, N = 128 and 6.0 at K = 256, N = 64 (tests/tensor/MatVec.test.ts prints the figures).
    function matvecI8Raw(uint256 xp, int256 zx, uint256 wp, uint256 K, uint256 N, uint256 bp, uint256 out)
        internal
        pure
    {
        unchecked {
            // zx ∈ [−128, 127] (validated by every caller): xo = zx + 128 ∈ [0, 255].
            uint256 xo = uint256(zx + 128);
            _initAccI8(xp, xo, K, N, bp, out);
            // p < ⌈N/32⌉: every panel lies inside the (checked) panel buffer.
            uint256 panels = (N + PANEL - 1) / PANEL;
            for (uint256 p = 0; p < panels; p++) {
                _panelI8(wp + p * K * PANEL, xp, xo, p * PANEL, K, N, out);
            }
        }
    }

    /// @notice `out[o] = bias[o] − 128·Σ_i s_i` with `Σ_i s_i = Σ_i (x_i + 128) − K·xo` (the shared
    ///         offset-binary correction of `matvecI8Raw`).
    /// @dev `Σ (x_i + 128)` is a SWAR byte sum: each 32-byte word XOR 0x80…80 is folded into sixteen 16-bit
    ///      lanes (`and(v, 0x00ff…) + and(shr(8, v), 0x00ff…)`, ≤ 510 per word); 128 words keep every lane
    ///      ≤ 65,280 < 2^16, then the lanes are folded to 32 bits and summed with one multiplication.
    function _initAccI8(uint256 xp, uint256 xo, uint256 K, uint256 N, uint256 bp, uint256 out) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // Sum of the eight 32-bit lanes of `a` (total < 2^32): the top lane of a·Σ_k 2^(32k).
            function sumLanes16(a) -> t {
                let m := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
                a := add(and(a, m), and(shr(16, a), m))
                t := shr(224, mul(a, 0x0000000100000001000000010000000100000001000000010000000100000001))
            }
            let offset := 0x8080808080808080808080808080808080808080808080808080808080808080
            let m8 := 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
            let total := 0
            let end := add(xp, K)
            for {} lt(xp, end) {} {
                let acc16 := 0
                // At most 128 words (4096 bytes) per block.
                let blockEnd := add(xp, 4096)
                if gt(blockEnd, end) { blockEnd := end }
                for {} lt(add(xp, 31), blockEnd) { xp := add(xp, 32) } {
                    let v := xor(mload(xp), offset)
                    acc16 := add(acc16, add(and(v, m8), and(shr(8, v), m8)))
                }
                if lt(xp, blockEnd) {
                    // The last partial word: keep its first (blockEnd − xp) bytes.
                    let v := and(xor(mload(xp), offset), not(shr(shl(3, sub(blockEnd, xp)), not(0))))
                    acc16 := add(acc16, add(and(v, m8), and(shr(8, v), m8)))
                    xp := blockEnd
                }
                total := add(total, sumLanes16(acc16))
            }
            // base = −128·(Σ v_i − K·xo)
            let base := shl(7, sub(mul(K, xo), total))
            let outEnd := add(out, shl(5, N))
            switch bp
            case 0 {
                for {} lt(out, outEnd) { out := add(out, 0x20) } { mstore(out, base) }
            }
            default {
                for {} lt(out, outEnd) { out := add(out, 0x20) } {
                    mstore(out, add(base, mload(bp)))
                    bp := add(bp, 0x20)
                }
            }
        }
    }

    /// @notice One panel (outputs `col0 .. col0 + 31`): the SWAR sums in chunks of at most FLUSH_ROWS
    ///         rows, each chunk's lanes added to `out`.
    function _panelI8(uint256 wp, uint256 xp, uint256 xo, uint256 col0, uint256 K, uint256 N, uint256 out)
        private
        pure
    {
        unchecked {
            // c < K: each chunk lies inside the panel (K words) and x (K bytes).
            for (uint256 c = 0; c < K; c += FLUSH_ROWS) {
                uint256 rows = K - c < FLUSH_ROWS ? K - c : FLUSH_ROWS;
                (uint256 a0, uint256 a1, uint256 a2, uint256 a3) = _panelDotI8(wp + c * 32, xp + c, xo, rows);
                if (col0 + PANEL <= N) {
                    uint256 top = out + (col0 + 31) * 32;
                    _flushLanes(a0, top);
                    _flushLanes(a1, top - 32);
                    _flushLanes(a2, top - 64);
                    _flushLanes(a3, top - 96);
                } else {
                    _flushLanesPartial(a0, col0 + 31, N, out);
                    _flushLanesPartial(a1, col0 + 30, N, out);
                    _flushLanesPartial(a2, col0 + 29, N, out);
                    _flushLanesPartial(a3, col0 + 28, N, out);
                }
            }
        }
    }

    /// @notice The SWAR row loop over `rows ≤ FLUSH_ROWS` rows (numerics §4.2): for m = 0..3,
    ///         `a_m = Σ_r (x[r] − zx)·and(shr(8m, w[r] XOR 0x80…80), 0x000000ff…) mod 2^256`.
    /// @dev `wp` → the first panel word, `xp` → the first activation byte, `xo = zx + 128`. The row loop
    ///      is unrolled by scripts/gen-matvec.ts (16 rows per iteration, one 32-byte activation load for
    ///      all of them; the products of two rows are summed before each accumulator update). Per row:
    ///      one weight load, one XOR, one activation byte, 4 × (shift, mask, mul) — 32 multiply-accumulates.
    ///      All arithmetic is modulo 2^256 on purpose (see `matvecI8Raw` for why that is exact).
    function _panelDotI8(uint256 wp, uint256 xp, uint256 xo, uint256 rows)
        private
        pure
        returns (uint256 a0, uint256 a1, uint256 a2, uint256 a3)
    {
        /// @solidity memory-safe-assembly
        assembly {
            let end := add(wp, shl(5, rows))
            // Offset binary: w XOR 0x80 = w + 128 for every byte of a word.
            let offset := 0x8080808080808080808080808080808080808080808080808080808080808080
            // The low byte of each 32-bit lane.
            let lane := 0x000000ff000000ff000000ff000000ff000000ff000000ff000000ff000000ff
            // Row r: s = (x[r] + 128) − (zx + 128) = x[r] − zx, a signed word multiplying every lane.
            // BEGIN GENERATED panelDotI8 (scripts/gen-matvec.ts)
            // 16 rows per iteration while at least 16 remain (wp + 512 <= end).
            for {} lt(add(wp, 511), end) {} {
                // x[i..i+31] + 128 (offset binary); rows use bytes 0..15.
                let xw := xor(mload(xp), offset)
                {
                    let w0 := xor(mload(wp), offset)
                    let s0 := sub(byte(0, xw), xo)
                    let w1 := xor(mload(add(wp, 32)), offset)
                    let s1 := sub(byte(1, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 64)), offset)
                    let s0 := sub(byte(2, xw), xo)
                    let w1 := xor(mload(add(wp, 96)), offset)
                    let s1 := sub(byte(3, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 128)), offset)
                    let s0 := sub(byte(4, xw), xo)
                    let w1 := xor(mload(add(wp, 160)), offset)
                    let s1 := sub(byte(5, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 192)), offset)
                    let s0 := sub(byte(6, xw), xo)
                    let w1 := xor(mload(add(wp, 224)), offset)
                    let s1 := sub(byte(7, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 256)), offset)
                    let s0 := sub(byte(8, xw), xo)
                    let w1 := xor(mload(add(wp, 288)), offset)
                    let s1 := sub(byte(9, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 320)), offset)
                    let s0 := sub(byte(10, xw), xo)
                    let w1 := xor(mload(add(wp, 352)), offset)
                    let s1 := sub(byte(11, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 384)), offset)
                    let s0 := sub(byte(12, xw), xo)
                    let w1 := xor(mload(add(wp, 416)), offset)
                    let s1 := sub(byte(13, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                {
                    let w0 := xor(mload(add(wp, 448)), offset)
                    let s0 := sub(byte(14, xw), xo)
                    let w1 := xor(mload(add(wp, 480)), offset)
                    let s1 := sub(byte(15, xw), xo)
                    a0 := add(a0, add(mul(and(w0, lane), s0), mul(and(w1, lane), s1)))
                    a1 := add(a1, add(mul(and(shr(8, w0), lane), s0), mul(and(shr(8, w1), lane), s1)))
                    a2 := add(a2, add(mul(and(shr(16, w0), lane), s0), mul(and(shr(16, w1), lane), s1)))
                    a3 := add(a3, add(mul(and(shr(24, w0), lane), s0), mul(and(shr(24, w1), lane), s1)))
                }
                wp := add(wp, 512)
                xp := add(xp, 16)
            }
            // The remaining rows one at a time.
            for {} lt(wp, end) {} {
                let xw := xor(mload(xp), offset)
                {
                    let w0 := xor(mload(wp), offset)
                    let s0 := sub(byte(0, xw), xo)
                    a0 := add(a0, mul(and(w0, lane), s0))
                    a1 := add(a1, mul(and(shr(8, w0), lane), s0))
                    a2 := add(a2, mul(and(shr(16, w0), lane), s0))
                    a3 := add(a3, mul(and(shr(24, w0), lane), s0))
                }
                wp := add(wp, 32)
                xp := add(xp, 1)
            }
            // END GENERATED panelDotI8
        }
    }

    /// @notice Add the eight signed 32-bit lanes of the SWAR word `a` to the int256 words at
    ///         `top − 128k`, k = 0..7 (panel columns 31 − 4k − m of a full panel).
    /// @dev `a ≡ Σ_k lane_k·2^(32k) (mod 2^256)` with every lane in [−2^31, 2^31): the low lane is
    ///      `signextend(3, a)`; subtracting it clears the low 32 bits exactly (removing the borrow the lane
    ///      caused above it), and shifting exposes the next lane.
    function _flushLanes(uint256 a, uint256 top) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // BEGIN GENERATED flushLanesI8 (scripts/gen-matvec.ts)
            {
                let v := signextend(3, a)
                let p := top
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 128)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 256)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 384)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 512)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 640)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 768)
                mstore(p, add(mload(p), v))
                a := shr(32, sub(a, v))
            }
            {
                let v := signextend(3, a)
                let p := sub(top, 896)
                mstore(p, add(mload(p), v))
            }
            // END GENERATED flushLanesI8
        }
    }

    /// @notice `_flushLanes` for the last, partial panel: lane k goes to `out[top − 4k]` if that column is < N.
    function _flushLanesPartial(uint256 a, uint256 top, uint256 N, uint256 out) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            for { let k := 0 } lt(k, 8) { k := add(k, 1) } {
                let v := signextend(3, a)
                a := shr(32, sub(a, v))
                let col := sub(top, shl(2, k))
                if lt(col, N) {
                    let p := add(out, shl(5, col))
                    mstore(p, add(mload(p), v))
                }
            }
        }
    }

    /// @notice Pack the row-major K×N int8 matrix at `bp` into panel layout at `dst` (numerics §4.2):
    ///         word (p, i) = bytes `B[i][32p .. 32p + 31]`, the columns past N zeroed.
    function _packPanels(uint256 bp, uint256 K, uint256 N, uint256 dst) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            for { let c := 0 } lt(c, N) { c := add(c, 32) } {
                let width := sub(N, c)
                if gt(width, 32) { width := 32 }
                // The first `width` bytes of a word: not(2^(256 − 8·width) − 1).
                let mask := not(shr(shl(3, width), not(0)))
                let src := add(bp, c)
                for { let i := 0 } lt(i, K) { i := add(i, 1) } {
                    // Row i's 32 bytes from column c (the tail may read the next row: masked off).
                    mstore(dst, and(mload(src), mask))
                    src := add(src, N)
                    dst := add(dst, 0x20)
                }
            }
        }
    }

    /// @notice Revert `ValueOutOfRange(bias[o])` at the first `|bias[o]| ≥ 2^31`.
    function _checkBias(int256[] memory bias) private pure {
        uint256 bad = type(uint256).max;
        /// @solidity memory-safe-assembly
        assembly {
            let p := add(bias, 0x20)
            for { let end := add(p, shl(5, mload(bias))) } lt(p, end) { p := add(p, 0x20) } {
                // Equivalent to: b <= -2^31 || b >= 2^31, i.e. b + (2^31 − 1) ∉ [0, 2^32 − 2] (unsigned).
                if gt(add(mload(p), 0x7fffffff), 0xfffffffe) {
                    bad := shr(5, sub(p, add(bias, 0x20)))
                    break
                }
            }
        }
        if (bad != type(uint256).max) revert ValueOutOfRange(bias[bad]);
    }

    /// @dev Reserve `size` bytes of memory (not zeroed) and return its address.
    function _allocScratch(uint256 size) private pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := mload(0x40)
            mstore(0x40, add(p, and(add(size, 31), not(31))))
        }
    }
}
