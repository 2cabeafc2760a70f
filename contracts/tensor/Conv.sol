// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch, ValueOutOfRange} from "./Errors.sol";
import {Rounding} from "./Rounding.sol";
import {Int8Math} from "./Int8Math.sol";
import {Tensor} from "./Tensor.sol";

/// @dev Padding modes of conv and pooling (numerics §5).
uint256 constant PADDING_VALID = 0;
uint256 constant PADDING_SAME = 1;

/// @notice Shape of a 2-D convolution: input `H×W×Cin` (HWC), kernel `kh×kw×Cin×Cout` (Keras layout),
///         strides `(sh, sw)`, `padding` 0 = 'valid', 1 = 'same'.
struct Conv2dShape {
    uint256 H;
    uint256 W;
    uint256 Cin;
    uint256 Cout;
    uint256 kh;
    uint256 kw;
    uint256 sh;
    uint256 sw;
    uint256 padding;
}

/// @notice Output geometry of a validated window op: output `Ho×Wo`, padding before the first row and
///         column, and `K = kh·kw·Cin` (rows of the kernel matrix).
struct WindowGeometry {
    uint256 Ho;
    uint256 Wo;
    uint256 padTop;
    uint256 padLeft;
    uint256 K;
}

/// @title Conv — 2-D convolution in both number modes.
/// @notice docs/numerics.md §5 (geometry), §3 (q accumulation), §4.1–§4.3 (int8 accumulation, SWAR
///         kernel, requantization). Twin of assembly/tensor/Conv.ts.
/// @dev Geometry (numerics §5): 'valid' `Ho = ⌊(H − kh)/sh⌋ + 1`; 'same' `Ho = ⌈H/sh⌉`,
///      `pad_total = max((Ho − 1)·sh + kh − H, 0)`, `pad_top = ⌊pad_total/2⌋` (TensorFlow's split);
///      likewise for width. Output `y[oy][ox][co]` reads input rows `iy = oy·sh − pad_top + ky`.
///      Every window of a valid geometry holds at least one input position (for 'same',
///      `(Ho − 1)·sh < H` gives `pad_top < kh` and a window start below `H`).
///
///      Failure conditions, checked in this order by both tiers (numerics §2):
///      - `InvalidShape(3)` a zero dimension (H, W, Cin, Cout, kh, kw);
///      - `InvalidShape(2)` a zero stride;
///      - `InvalidShape(4)` an unknown padding mode (not 0 or 1);
///      - `InvalidShape(5)` too large: a dimension, window or stride ≥ 2^31, or an input, kernel or
///        output bound (`H·W·Cout`) of ≥ 2^31 elements (keeps shape arithmetic exact in 64 bits);
///      - `InvalidShape(1)` 'valid' padding with a window larger than the input (`H < kh` or `W < kw`);
///      - `ShapeMismatch(expected, actual)` buffer lengths in parameter order (bytes for `bytes`
///        tensors, elements for arrays);
///      - `ValueOutOfRange(F)` for `F ∉ [0, 62]` (q); `ValueOutOfRange(zx)` for `zx ∉ int8` (int8);
///      - fused requantization: `InvalidRequantization(M[c], shift[c])` at the first bad channel, then
///        `ValueOutOfRange(zOut)`.
library Conv {
    /// @dev Bound of InvalidShape(5).
    uint256 internal constant SHAPE_LIMIT = 2 ** 31;
    /// @dev Rows accumulated in the SWAR lanes before they are flushed into wide accumulators: each lane
    ///      sums `(x − z_x)·w` with `|term| ≤ 255·128 = 32640`, and `32640·65536 < 2^31` keeps every
    ///      signed 32-bit lane exact (numerics §4.2).
    uint256 internal constant FLUSH_ROWS = 65536;

    /// @dev `0x80` in every byte: XOR turns an int8 `w` into the offset-binary byte `w + 128`.
    uint256 private constant X80 = 0x8080808080808080808080808080808080808080808080808080808080808080;
    /// @dev The low byte of each of the eight 32-bit lanes.
    uint256 private constant LANE_LOW_BYTE = 0x000000ff000000ff000000ff000000ff000000ff000000ff000000ff000000ff;
    /// @dev `Σ_i 128·2^(32i)`: subtracting it turns lanes holding `w + 128` into lanes holding `w`.
    uint256 private constant LANE_128 = 0x0000008000000080000000800000008000000080000000800000008000000080;
    /// @dev The low 24 bytes of a word (everything after the first int64 element).
    uint256 private constant LOW192 = 0xffffffffffffffffffffffffffffffffffffffffffffffff;
    /// @dev 2^223: `sar(224, a + 2^223)` is the top signed 32-bit lane of a lane word (see conv2dI8).
    uint256 private constant LANE_TOP_HALF = 0x80000000000000000000000000000000000000000000000000000000;

    // ------------------------------------------------------------------------------ geometry

    /// @notice Output length of one axis: 'valid' `⌊(n − k)/s⌋ + 1`, 'same' `⌈n/s⌉` (numerics §5).
    /// @dev Domain: `1 ≤ n, k, s < 2^31`, padding 0 or 1, and `n ≥ k` for 'valid' (validated by callers).
    function outDim(uint256 n, uint256 k, uint256 s, uint256 padding) internal pure returns (uint256) {
        unchecked {
            return padding == PADDING_VALID ? (n - k) / s + 1 : (n + s - 1) / s;
        }
    }

    /// @notice Padding before the first row/column: 0 for 'valid', `⌊pad_total/2⌋` for 'same' with
    ///         `pad_total = max((out − 1)·s + k − n, 0)` (numerics §5, TensorFlow's split).
    /// @dev Domain as `outDim`; all terms < 2^63, no overflow.
    function padBefore(uint256 n, uint256 k, uint256 s, uint256 padding) internal pure returns (uint256) {
        if (padding == PADDING_VALID) return 0;
        unchecked {
            uint256 out = (n + s - 1) / s;
            uint256 covered = (out - 1) * s + k;
            return covered > n ? (covered - n) / 2 : 0;
        }
    }

    /// @notice `a·b·c`, reverting `InvalidShape(5)` as soon as a partial product reaches 2^31.
    /// @dev Domain: a, b, c < 2^31 (so each product is < 2^62).
    function count3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256 n) {
        unchecked {
            n = a * b;
            if (n >= SHAPE_LIMIT) revert InvalidShape(5);
            n *= c;
            if (n >= SHAPE_LIMIT) revert InvalidShape(5);
        }
    }

    /// @notice Strides (InvalidShape(2)) and padding mode (InvalidShape(4)).
    function checkStridesPadding(uint256 sh, uint256 sw, uint256 padding) internal pure {
        if (sh == 0 || sw == 0) revert InvalidShape(2);
        if (padding > PADDING_SAME) revert InvalidShape(4);
    }

    /// @notice InvalidShape(1) for a 'valid' window larger than the input, then the output geometry.
    /// @dev Call after every other shape check (numerics §5).
    function windowGeometry(uint256 H, uint256 W, uint256 kh, uint256 kw, uint256 sh, uint256 sw, uint256 padding)
        internal
        pure
        returns (WindowGeometry memory g)
    {
        if (padding == PADDING_VALID && (H < kh || W < kw)) revert InvalidShape(1);
        g.Ho = outDim(H, kh, sh, padding);
        g.Wo = outDim(W, kw, sw, padding);
        g.padTop = padBefore(H, kh, sh, padding);
        g.padLeft = padBefore(W, kw, sw, padding);
    }

    /// @notice Validates a convolution shape (codes 3, 2, 4, 5, 1 in that order, see the library doc)
    ///         and returns its geometry with `K = kh·kw·Cin`.
    function checkShape(Conv2dShape memory s) internal pure returns (WindowGeometry memory g) {
        if (s.H == 0 || s.W == 0 || s.Cin == 0 || s.Cout == 0 || s.kh == 0 || s.kw == 0) revert InvalidShape(3);
        checkStridesPadding(s.sh, s.sw, s.padding);
        if (
            s.H >= SHAPE_LIMIT || s.W >= SHAPE_LIMIT || s.Cin >= SHAPE_LIMIT || s.Cout >= SHAPE_LIMIT
                || s.kh >= SHAPE_LIMIT || s.kw >= SHAPE_LIMIT || s.sh >= SHAPE_LIMIT || s.sw >= SHAPE_LIMIT
        ) revert InvalidShape(5);
        count3(s.H, s.W, s.Cin);
        uint256 K = count3(s.kh, s.kw, s.Cin);
        unchecked {
            if (K * s.Cout >= SHAPE_LIMIT) revert InvalidShape(5); // K, Cout < 2^31
        }
        count3(s.H, s.W, s.Cout);
        g = windowGeometry(s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.padding);
        g.K = K;
    }

    /// @notice Valid taps of one axis for output index `o`: the window starts at input `o·s − pad`;
    ///      taps `k ∈ [k0, k1)` land inside `[0, n)`; `i0` is the input index of tap `k0`.
    ///      Domain: validated geometry (all values < 2^62), so the signed arithmetic cannot overflow.
    function span(uint256 o, uint256 s, uint256 pad, uint256 k, uint256 n)
        internal
        pure
        returns (uint256 i0, uint256 k0, uint256 k1)
    {
        unchecked {
            int256 start = int256(o * s) - int256(pad);
            k0 = start < 0 ? uint256(-start) : 0;
            int256 lim = int256(n) - start;
            k1 = lim < int256(k) ? uint256(lim) : k;
            i0 = uint256(start + int256(k0));
        }
    }

    // ------------------------------------------------------------------------------ q mode

    /// @notice q-mode convolution:
    ///         `y[oy][ox][co] = sat64(rshiftRound(Σ_{ky,kx,ci} x[iy][ix][ci]·k[ky][kx][ci][co], F) + bias[co])`,
    ///         padded positions 0 (numerics §3, §5).
    /// @dev numerics §5. Tensors are q byte strings (8-byte big-endian int64, row-major): `x` H·W·Cin,
    ///      `kernel` kh·kw·Cin·Cout, `bias` Cout; returns Ho·Wo·Cout. Exact int256 accumulation
    ///      (`|x·k| < 2^126`, fewer than 2^31 terms), one RHAZ rescale, then saturation. `0 ≤ F ≤ 62`
    ///      (else `ValueOutOfRange(F)`). Errors: see the library doc.
    ///      Fast path: for each output pixel and group of 4 output channels, the valid taps of each
    ///      kernel row `ky` are one contiguous run of `(kx1 − kx0)·Cin` input elements and kernel rows;
    ///      the kernel is regrouped once per call so that one 32-byte word holds a row's weights of the
    ///      4 channels, and 4 int256 accumulators stay on the stack (`qrows`, unrolled by
    ///      scripts/gen-conv.ts). `conv2dQRef` is the plain twin.
    function conv2dQ(bytes memory x, bytes memory kernel, bytes memory bias, Conv2dShape memory s, int256 F)
        internal
        pure
        returns (bytes memory y)
    {
        WindowGeometry memory g = _checkQ(x, kernel, bias, s, F);
        y = Tensor.allocQ(g.Ho * g.Wo * s.Cout);
        uint256 c = _ctx(s, g);
        /// @solidity memory-safe-assembly
        assembly {
            // Group panels (once per call): T[gi][r] = the 32-byte kernel word at row r, channels
            // 4gi..4gi+3, so a run of kernel rows is contiguous with a constant 32-byte stride. The last
            // group of a Cout that is not a multiple of 4 copies neighbouring bytes into its unused
            // channels; their sums are never written.
            let K := mload(add(c, 0x180))
            let rowBytes := shl(3, mload(add(c, 0x60)))
            let groups := shr(2, add(mload(add(c, 0x60)), 3))
            let t := mload(0x40)
            mstore(0x40, add(t, shl(5, mul(groups, K))))
            let dst := t
            for { let gi := 0 } lt(gi, groups) { gi := add(gi, 1) } {
                let src := add(add(kernel, 0x20), shl(5, gi))
                for { let r := 0 } lt(r, K) { r := add(r, 1) } {
                    mstore(dst, mload(src))
                    dst := add(dst, 0x20)
                    src := add(src, rowBytes)
                }
            }
            mstore(add(c, 0x220), F)
            mstore(add(c, 0x240), add(x, 0x20))
            mstore(add(c, 0x260), t)
            mstore(add(c, 0x280), add(bias, 0x20))
            mstore(add(c, 0x2a0), add(y, 0x20))
            // Per kernel row ky: x advances one input row (8·W·Cin bytes), T by kw·Cin words.
            mstore(add(c, 0x2c0), mul(shl(3, mload(add(c, 0x20))), mload(add(c, 0x40))))
            mstore(add(c, 0x2e0), shl(5, mul(mload(add(c, 0xa0)), mload(add(c, 0x40)))))
            mstore(add(c, 0x300), shl(5, K))
        }
        _runQ(c);
    }

    /// @dev Shape, length and F checks of conv2dQ (both variants).
    function _checkQ(bytes memory x, bytes memory kernel, bytes memory bias, Conv2dShape memory s, int256 F)
        private
        pure
        returns (WindowGeometry memory g)
    {
        g = checkShape(s);
        unchecked {
            // all counts < 2^31 (checked), so ·8 cannot overflow
            uint256 nx = s.H * s.W * s.Cin * 8;
            if (x.length != nx) revert ShapeMismatch(nx, x.length);
            uint256 nk = g.K * s.Cout * 8;
            if (kernel.length != nk) revert ShapeMismatch(nk, kernel.length);
            if (bias.length != s.Cout * 8) revert ShapeMismatch(s.Cout * 8, bias.length);
        }
        if (F < 0 || F > 62) revert ValueOutOfRange(F);
    }

    /// @dev Allocates the kernel context block (scratch memory read by the assembly kernels) and fills
    ///      the shared geometry words. Layout (byte offsets): 0x000 H, 0x020 W, 0x040 Cin, 0x060 Cout,
    ///      0x080 kh, 0x0a0 kw, 0x0c0 sh, 0x0e0 sw, 0x100 padTop, 0x120 padLeft, 0x140 Ho, 0x160 Wo,
    ///      0x180 K; per pixel (written by `geom`): 0x1a0 xrow (first input element of the first valid
    ///      tap), 0x1c0 krow (its kernel row), 0x1e0 nky (valid kernel rows), 0x200 nrun (valid taps per
    ///      kernel row × Cin); from 0x220 op-specific words (see conv2dQ / _conv2dI8Fast).
    function _ctx(Conv2dShape memory s, WindowGeometry memory g) private pure returns (uint256 c) {
        /// @solidity memory-safe-assembly
        assembly {
            c := mload(0x40)
            mstore(0x40, add(c, 0x880)) // 68 words: geometry, op words, 32-word lane scratch
            mstore(c, mload(s))
            mstore(add(c, 0x20), mload(add(s, 0x20)))
            mstore(add(c, 0x40), mload(add(s, 0x40)))
            mstore(add(c, 0x60), mload(add(s, 0x60)))
            mstore(add(c, 0x80), mload(add(s, 0x80)))
            mstore(add(c, 0xa0), mload(add(s, 0xa0)))
            mstore(add(c, 0xc0), mload(add(s, 0xc0)))
            mstore(add(c, 0xe0), mload(add(s, 0xe0)))
            mstore(add(c, 0x100), mload(add(g, 0x40)))
            mstore(add(c, 0x120), mload(add(g, 0x60)))
            mstore(add(c, 0x140), mload(g))
            mstore(add(c, 0x160), mload(add(g, 0x20)))
            mstore(add(c, 0x180), mload(add(g, 0x80)))
        }
    }

    /// @dev The q kernel proper. Context words: 0x220 F, 0x240 x data, 0x260 group panels T, 0x280 bias
    ///      data, 0x2a0 y data, 0x2c0 x step per kernel row (bytes), 0x2e0 T step per kernel row
    ///      (bytes), 0x300 T step per group (32·K), 0x320..0x380 the 4 group accumulators.
    function _runQ(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // BEGIN GENERATED convQ (scripts/gen-conv.ts)
            // Valid taps of output pixel (oy, ox) (equivalent to Conv.span on both axes): the window starts at
            // input row st = oy·sh − padTop (signed); taps ky ∈ [k0, k1) land inside [0, H). Likewise columns.
            // Writes xrow (input element of the first valid tap), krow (its kernel row), nky, nrun = valid kx·Cin.
            function geom(c_, oy, ox) {
                let st := sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))
                let k0 := 0
                if slt(st, 0) { k0 := sub(0, st) }
                let k1 := mload(add(c_, 0x80))
                let lim := sub(mload(c_), st)
                if slt(lim, k1) { k1 := lim }
                mstore(add(c_, 0x1e0), sub(k1, k0))
                let iy := add(st, k0)
                let ky0 := k0
                st := sub(mul(ox, mload(add(c_, 0xe0))), mload(add(c_, 0x120)))
                k0 := 0
                if slt(st, 0) { k0 := sub(0, st) }
                k1 := mload(add(c_, 0xa0))
                lim := sub(mload(add(c_, 0x20)), st)
                if slt(lim, k1) { k1 := lim }
                let cin := mload(add(c_, 0x40))
                mstore(add(c_, 0x200), mul(sub(k1, k0), cin))
                mstore(add(c_, 0x1a0), mul(add(mul(iy, mload(add(c_, 0x20))), add(st, k0)), cin))
                mstore(add(c_, 0x1c0), mul(add(mul(ky0, mload(add(c_, 0xa0))), k0), cin))
            }
            // One run of taps for 4 output channels. Equivalent to, for each row r in the run:
            //   a_j += int64(x[r]) · int64(k[r][co + j]),  j = 0..3,
            // the group word at kp holding k[r][co..co+3] as 4 big-endian int64 (extracted sign-extended).
            // Exact: |product| < 2^126 and fewer than 2^31 terms, so the int256 sums never wrap.
            function qrows(xp, xend, kp) -> a0, a1, a2, a3 {
                // 4 rows per iteration while at least 4 remain (xp + 32 <= xend).
                for {} lt(add(xp, 31), xend) {
                    xp := add(xp, 32)
                    kp := add(kp, 128)
                } {
                    {
                        let xv := sar(192, mload(xp))
                        let w := mload(kp)
                        a0 := add(a0, mul(sar(192, w), xv))
                        a1 := add(a1, mul(sar(192, shl(64, w)), xv))
                        a2 := add(a2, mul(sar(192, shl(128, w)), xv))
                        a3 := add(a3, mul(signextend(7, w), xv))
                    }
                    {
                        let xv := sar(192, mload(add(xp, 8)))
                        let w := mload(add(kp, 32))
                        a0 := add(a0, mul(sar(192, w), xv))
                        a1 := add(a1, mul(sar(192, shl(64, w)), xv))
                        a2 := add(a2, mul(sar(192, shl(128, w)), xv))
                        a3 := add(a3, mul(signextend(7, w), xv))
                    }
                    {
                        let xv := sar(192, mload(add(xp, 16)))
                        let w := mload(add(kp, 64))
                        a0 := add(a0, mul(sar(192, w), xv))
                        a1 := add(a1, mul(sar(192, shl(64, w)), xv))
                        a2 := add(a2, mul(sar(192, shl(128, w)), xv))
                        a3 := add(a3, mul(signextend(7, w), xv))
                    }
                    {
                        let xv := sar(192, mload(add(xp, 24)))
                        let w := mload(add(kp, 96))
                        a0 := add(a0, mul(sar(192, w), xv))
                        a1 := add(a1, mul(sar(192, shl(64, w)), xv))
                        a2 := add(a2, mul(sar(192, shl(128, w)), xv))
                        a3 := add(a3, mul(signextend(7, w), xv))
                    }
                }
                // The remaining rows one at a time.
                for {} lt(xp, xend) {
                    xp := add(xp, 8)
                    kp := add(kp, 32)
                } {
                    {
                        let xv := sar(192, mload(xp))
                        let w := mload(kp)
                        a0 := add(a0, mul(sar(192, w), xv))
                        a1 := add(a1, mul(sar(192, shl(64, w)), xv))
                        a2 := add(a2, mul(sar(192, shl(128, w)), xv))
                        a3 := add(a3, mul(signextend(7, w), xv))
                    }
                }
            }
            // END GENERATED convQ
            // Sums the window of the current pixel for channels kb's group into the context accumulators.
            function qgroup(c_, xb, kb) {
                let len := shl(3, mload(add(c_, 0x200)))
                mstore(add(c_, 0x320), 0)
                mstore(add(c_, 0x340), 0)
                mstore(add(c_, 0x360), 0)
                mstore(add(c_, 0x380), 0)
                for { let i := mload(add(c_, 0x1e0)) } i { i := sub(i, 1) } {
                    let b0, b1, b2, b3 := qrows(xb, add(xb, len), kb)
                    mstore(add(c_, 0x320), add(mload(add(c_, 0x320)), b0))
                    mstore(add(c_, 0x340), add(mload(add(c_, 0x340)), b1))
                    mstore(add(c_, 0x360), add(mload(add(c_, 0x360)), b2))
                    mstore(add(c_, 0x380), add(mload(add(c_, 0x380)), b3))
                    xb := add(xb, mload(add(c_, 0x2c0)))
                    kb := add(kb, mload(add(c_, 0x2e0)))
                }
            }
            // Equivalent to Tensor.storeQ(y, i, Rounding.sat64(Rounding.rshiftRound(acc, F) + bias)).
            function emitQ(yp, acc, F, b) {
                if F { acc := sar(F, add(acc, sub(shl(sub(F, 1), 1), slt(acc, 0)))) }
                acc := add(acc, b) // |acc| < 2^158 + 2^63: no wrap
                if sgt(acc, 0x7fffffffffffffff) { acc := 0x7fffffffffffffff }
                if slt(acc, not(0x7fffffffffffffff)) { acc := not(0x7fffffffffffffff) }
                mstore(yp, or(and(mload(yp), LOW192), shl(192, acc)))
            }
            function qpixel(c_, pix) {
                let cout := mload(add(c_, 0x60))
                let xb := add(mload(add(c_, 0x240)), shl(3, mload(add(c_, 0x1a0))))
                let kb := add(mload(add(c_, 0x260)), shl(5, mload(add(c_, 0x1c0))))
                let yp := add(mload(add(c_, 0x2a0)), shl(3, mul(pix, cout)))
                let bp := mload(add(c_, 0x280))
                for { let co := 0 } lt(co, cout) { co := add(co, 4) } {
                    qgroup(c_, xb, kb)
                    kb := add(kb, mload(add(c_, 0x300)))
                    let m := sub(cout, co)
                    if gt(m, 4) { m := 4 }
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        let o := shl(3, add(co, j))
                        emitQ(add(yp, o), mload(add(c_, add(0x320, shl(5, j)))), mload(add(c_, 0x220)), sar(192, mload(add(bp, o))))
                    }
                }
            }
            let ho := mload(add(c, 0x140))
            let wo := mload(add(c, 0x160))
            for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } {
                for { let ox := 0 } lt(ox, wo) { ox := add(ox, 1) } {
                    geom(c, oy, ox)
                    qpixel(c, add(mul(oy, wo), ox))
                }
            }
        }
    }

    /// @notice Plain reference twin of `conv2dQ` (same result and failures, no assembly in the loops).
    /// @dev numerics §3, §5: a direct transcription of the definition with int256 arithmetic.
    function conv2dQRef(bytes memory x, bytes memory kernel, bytes memory bias, Conv2dShape memory s, int256 F)
        internal
        pure
        returns (bytes memory y)
    {
        WindowGeometry memory g = _checkQ(x, kernel, bias, s, F);
        y = Tensor.allocQ(g.Ho * g.Wo * s.Cout);
        RefTaps memory t;
        uint256 o = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _refSpan(t, s, g, oy, ox);
                for (t.co = 0; t.co < s.Cout; t.co++) {
                    int256 v = Rounding.rshiftRound(_refTaps(x, kernel, s, t), uint256(F)) + Tensor.loadQ(bias, t.co);
                    Tensor.storeQ(y, o++, Rounding.sat64(v));
                }
            }
        }
    }

    /// @dev The valid taps of one output of the reference kernels (plain loops).
    struct RefTaps {
        uint256 iy0; // input row of tap ky0
        uint256 ky0;
        uint256 ky1;
        uint256 ix0; // input column of tap kx0
        uint256 kx0;
        uint256 kx1;
        uint256 co;
        int256 zx;
        bool int8Mode;
    }

    /// @dev Fills the valid tap ranges of output pixel (oy, ox) (padded taps are excluded).
    function _refSpan(RefTaps memory t, Conv2dShape memory s, WindowGeometry memory g, uint256 oy, uint256 ox)
        private
        pure
    {
        (t.iy0, t.ky0, t.ky1) = span(oy, s.sh, g.padTop, s.kh, s.H);
        (t.ix0, t.kx0, t.kx1) = span(ox, s.sw, g.padLeft, s.kw, s.W);
    }

    /// @dev Σ over the valid taps of output channel t.co: q mode `x·k` (int64 elements), int8 mode
    ///      `(x − zx)·k` (int8 elements, row-major kernel). Padded taps are skipped: they hold 0 in q
    ///      mode and `zx` in int8 mode and contribute 0 either way (numerics §5, §4.1).
    function _refTaps(bytes memory x, bytes memory kernel, Conv2dShape memory s, RefTaps memory t)
        private
        pure
        returns (int256 acc)
    {
        for (uint256 ky = t.ky0; ky < t.ky1; ky++) {
            for (uint256 kx = t.kx0; kx < t.kx1; kx++) {
                uint256 xi = ((t.iy0 + ky - t.ky0) * s.W + (t.ix0 + kx - t.kx0)) * s.Cin;
                uint256 ki = ((ky * s.kw + kx) * s.Cin) * s.Cout + t.co;
                for (uint256 ci = 0; ci < s.Cin; ci++) {
                    if (t.int8Mode) {
                        acc += (Tensor.loadI8(x, xi + ci) - t.zx) * Tensor.loadI8(kernel, ki + ci * s.Cout);
                    } else {
                        acc += Tensor.loadQ(x, xi + ci) * Tensor.loadQ(kernel, ki + ci * s.Cout);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ int8 mode

    /// @notice int8 convolution accumulators: `acc[oy][ox][co] = bias[co] + Σ (x − zx)·w` over the
    ///         window, padded positions holding `zx` (numerics §4.1, §5). Exact.
    /// @dev numerics §4.1, §4.2, §5. `x` int8 bytes H·W·Cin; `kernelPanels` the `K×Cout` kernel matrix
    ///      (`K = kh·kw·Cin`, rows in (ky, kx, ci) order — the Keras kernel reshaped) in the §4.2 panel
    ///      layout (`⌈Cout/32⌉·K` words); `bias` int32 per channel. Returns Ho·Wo·Cout int64 big-endian
    ///      (the q byte layout). `zx ∉ int8` → `ValueOutOfRange(zx)`. Errors: see the library doc.
    ///
    ///      SWAR kernel (a §4.2 variant with signed lanes; the result is §4.1 exactly):
    ///      1. Once per call, every panel word is spread into four words of eight signed 32-bit lanes:
    ///         `P_k = ((w ⊕ 0x80…80) >> 8k) & LANE_LOW_BYTE − LANE_128` — lane `i` of `P_k` holds the
    ///         int8 weight of channel `31 − 4i − k` (the subtraction may borrow across lanes; as a
    ///         256-bit integer `P_k = Σ_i w_i·2^(32i) mod 2^256` exactly, which is all we use).
    ///      2. Once per call, the input is copied as offset binary `x + 128`, so a tap's multiplier is
    ///         `X = (x + 128) − (zx + 128) = x − zx ∈ [−255, 255]` (one SUB).
    ///      3. Per output pixel and panel, for each valid tap row `r`: `A_k += X_r · P_{r,k}` (mod 2^256).
    ///         Then `A_k ≡ Σ_i L_i·2^(32i)` with `L_i = Σ_r (x_r − zx)·w_{r,i}`, `|L_i| ≤ 32640·rows`.
    ///         With at most FLUSH_ROWS = 65536 rows between flushes, `|L_i| < 2^31`, so the true value of
    ///         `Σ_i L_i·2^(32i)` lies in (−2^255, 2^255) and `A_k` read as int256 IS that value; the
    ///         lanes decode exactly from the bottom: `L_0 = signextend(3, A)`, `A ← (A − L_0) >> 32`
    ///         (an exact arithmetic shift), and so on; or from the top (full panels, ascending
    ///         channels): `|L_i| ≤ 32640·65536 = 2^31 − 2^23` bounds the lanes below the top by
    ///         `|R| < 2^223`, so `L_7 = sar(224, A + 2^223)`, and `A ← A << 32` (mod 2^256 the removed
    ///         `L_7·2^256` vanishes) leaves `R·2^32`, again an exact int256, for the next lane.
    ///      Padding needs no correction: a padded tap holds `zx`, and `(zx − zx)·w = 0`, so skipping it
    ///      (only the in-bounds taps are visited) gives the §4.1 sum, and because the multiplier is
    ///      centred (`x − zx`) and the lanes are signed, no `Σw`/`Σx`/count terms exist at all.
    ///      The valid taps of one kernel row `ky` are one contiguous run of `(kx1 − kx0)·Cin` input
    ///      bytes and kernel rows (HWC input, (ky, kx, ci) kernel rows).
    function conv2dI8(bytes memory x, int256 zx, bytes memory kernelPanels, int32[] memory bias, Conv2dShape memory s)
        internal
        pure
        returns (bytes memory acc)
    {
        return _conv2dI8Fast(x, zx, kernelPanels, bias, s, FLUSH_ROWS, new int256[](0), new int256[](0), 0, false);
    }

    /// @notice `conv2dI8` with a chosen flush interval `1 ≤ flushRows ≤ FLUSH_ROWS` (for tests of the
    ///         lane flush; results are identical for every valid interval).
    function conv2dI8WithFlush(
        bytes memory x,
        int256 zx,
        bytes memory kernelPanels,
        int32[] memory bias,
        Conv2dShape memory s,
        uint256 flushRows
    ) internal pure returns (bytes memory acc) {
        require(flushRows > 0 && flushRows <= FLUSH_ROWS);
        return _conv2dI8Fast(x, zx, kernelPanels, bias, s, flushRows, new int256[](0), new int256[](0), 0, false);
    }

    /// @notice Fused int8 convolution and per-output-channel requantization:
    ///         `y[oy][ox][co] = requantize(acc[oy][ox][co], M[co], shift[co], zOut)` (numerics §4.3).
    /// @dev numerics §4.1–§4.3, §5. Arguments as `conv2dI8` plus `M`, `shift` (Cout entries each,
    ///      `ShapeMismatch(Cout, length)` otherwise; `0 ≤ M < 2^31`, `0 ≤ shift ≤ 126` else
    ///      `InvalidRequantization(M[c], shift[c])` for the first bad channel) and `zOut ∈ int8` (else
    ///      `ValueOutOfRange(zOut)`). Returns Ho·Wo·Cout int8 bytes.
    function conv2dI8Requant(
        bytes memory x,
        int256 zx,
        bytes memory kernelPanels,
        int32[] memory bias,
        Conv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) internal pure returns (bytes memory y) {
        return _conv2dI8Fast(x, zx, kernelPanels, bias, s, FLUSH_ROWS, M, shift, zOut, true);
    }

    /// @dev Checks of the int8 variants after the shape and the kernel: bias length, zx, and for the
    ///      fused variant M/shift lengths, every channel's (M, shift), zOut.
    function _checkI8Tail(
        uint256 cout,
        int32[] memory bias,
        int256 zx,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut,
        bool requant
    ) private pure {
        if (bias.length != cout) revert ShapeMismatch(cout, bias.length);
        Int8Math.checkI8(zx);
        if (requant) {
            if (M.length != cout) revert ShapeMismatch(cout, M.length);
            if (shift.length != cout) revert ShapeMismatch(cout, shift.length);
            for (uint256 c = 0; c < cout; c++) {
                Int8Math.checkRequantization(M[c], shift[c]);
            }
            Int8Math.checkI8(zOut);
        }
    }

    function _conv2dI8Fast(
        bytes memory x,
        int256 zx,
        bytes memory panels,
        int32[] memory bias,
        Conv2dShape memory s,
        uint256 flushRows,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut,
        bool requant
    ) private pure returns (bytes memory y) {
        WindowGeometry memory g = checkShape(s);
        unchecked {
            uint256 nx = s.H * s.W * s.Cin; // < 2^31 (checked)
            if (x.length != nx) revert ShapeMismatch(nx, x.length);
            uint256 np = ((s.Cout + 31) / 32) * g.K * 32; // ⌈Cout/32⌉·K ≤ K·Cout < 2^31
            if (panels.length != np) revert ShapeMismatch(np, panels.length);
        }
        _checkI8Tail(s.Cout, bias, zx, M, shift, zOut, requant);
        uint256 n = g.Ho * g.Wo * s.Cout;
        y = requant ? Tensor.allocI8(n) : Tensor.allocQ(n);
        uint256 c = _ctx(s, g);
        _prepareI8(c, x, zx, panels);
        _setupI8(c, bias, y, requant, zOut, flushRows);
        if (requant) _tableI8(c, bias, M, shift);
        _runI8(c);
    }

    /// @dev Context words of the int8 kernel (see _runI8).
    function _setupI8(uint256 c, int32[] memory bias, bytes memory y, bool requant, int256 zOut, uint256 flushRows)
        private
        pure
    {
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(c, 0x280), add(bias, 0x20))
            mstore(add(c, 0x2a0), add(y, 0x20))
            mstore(add(c, 0x2c0), requant)
            mstore(add(c, 0x320), zOut)
            mstore(add(c, 0x340), flushRows)
            // per kernel row ky: input advances W·Cin bytes, spread weights kw·Cin rows of 128 bytes
            mstore(add(c, 0x400), mul(mload(add(c, 0x20)), mload(add(c, 0x40))))
            mstore(add(c, 0x420), shl(7, mul(mload(add(c, 0xa0)), mload(add(c, 0x40)))))
            mstore(add(c, 0x380), 0)
            mstore(add(c, 0x3a0), 0)
            mstore(add(c, 0x3c0), 0)
            mstore(add(c, 0x3e0), 0)
        }
    }

    /// @dev The per-channel requantization table [bias, M, shift] (96 bytes per channel), context
    ///      word 0x2e0.
    function _tableI8(uint256 c, int32[] memory bias, int256[] memory M, int256[] memory shift) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let cout := mload(add(c, 0x60))
            let t := mload(0x40)
            mstore(0x40, add(t, mul(cout, 0x60)))
            for { let j := 0 } lt(j, cout) { j := add(j, 1) } {
                let o := shl(5, add(j, 1))
                let d := add(t, mul(j, 0x60))
                mstore(d, signextend(3, mload(add(bias, o)))) // int32, sign-extended
                mstore(add(d, 0x20), mload(add(M, o)))
                mstore(add(d, 0x40), mload(add(shift, o)))
            }
            mstore(add(c, 0x2e0), t)
        }
    }

    /// @dev Step 1 and 2 of the SWAR kernel (see conv2dI8): the offset-binary input copy and the
    ///      signed-lane spread of the panel words. Context words: 0x220 input copy, 0x240 spread
    ///      weights, 0x260 zc = zx + 128.
    function _prepareI8(uint256 c, bytes memory x, int256 zx, bytes memory panels) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let len := mload(x)
            let xo := mload(0x40)
            let words := shr(5, add(len, 31))
            // Equivalent to: xo[i] = uint8(x[i]) ^ 0x80 = x[i] + 128 (trailing bytes of the last word unused)
            for { let i := 0 } lt(i, words) { i := add(i, 1) } {
                let o := shl(5, i)
                mstore(add(xo, o), xor(mload(add(add(x, 0x20), o)), X80))
            }
            // One spare word: the unrolled loop reads a whole word at the last input byte.
            let sp := add(xo, shl(5, add(words, 1)))
            let rows := shr(5, mload(panels))
            mstore(0x40, add(sp, shl(7, rows)))
            let src := add(panels, 0x20)
            let dst := sp
            // Equivalent to, for each panel word w and k = 0..3:
            //   P_k = Σ_i int8(byte 31 − 4i − k of w)·2^(32i) mod 2^256
            for { let i := 0 } lt(i, rows) { i := add(i, 1) } {
                let w := xor(mload(add(src, shl(5, i))), X80)
                mstore(dst, sub(and(w, LANE_LOW_BYTE), LANE_128))
                mstore(add(dst, 0x20), sub(and(shr(8, w), LANE_LOW_BYTE), LANE_128))
                mstore(add(dst, 0x40), sub(and(shr(16, w), LANE_LOW_BYTE), LANE_128))
                mstore(add(dst, 0x60), sub(and(shr(24, w), LANE_LOW_BYTE), LANE_128))
                dst := add(dst, 0x80)
            }
            mstore(add(c, 0x220), xo)
            mstore(add(c, 0x240), sp)
            mstore(add(c, 0x260), add(zx, 128))
        }
    }

    /// @dev The int8 kernel proper (step 3 and the output). Context words beyond _ctx/_prepareI8:
    ///      0x280 bias data (int32[] words), 0x2a0 y data, 0x2c0 requant flag, 0x2e0 requantization
    ///      table [bias, M, shift] per channel, 0x320 zOut, 0x340 flushRows, 0x360 rows since the last
    ///      flush, 0x380..0x3e0 the four lane accumulators A_0..A_3, 0x400 input step per kernel row,
    ///      0x420 spread-weight step per kernel row, 0x440 "flushed" flag of the current pixel-panel,
    ///      0x460..0x860 32 wide accumulators (one per channel, used only after a flush).
    ///      A full panel that needed no intermediate flush (every realistic layer: K ≤ 65536) is decoded
    ///      straight from the lanes into the output (emitFull64 / emitFullI8); otherwise the lanes are
    ///      flushed into the wide accumulators and emitted from there (emit8).
    function _runI8(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // BEGIN GENERATED convI8 (scripts/gen-conv.ts)
            // Valid taps of output pixel (oy, ox) (equivalent to Conv.span on both axes): the window starts at
            // input row st = oy·sh − padTop (signed); taps ky ∈ [k0, k1) land inside [0, H). Likewise columns.
            // Writes xrow (input element of the first valid tap), krow (its kernel row), nky, nrun = valid kx·Cin.
            function geom(c_, oy, ox) {
                let st := sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))
                let k0 := 0
                if slt(st, 0) { k0 := sub(0, st) }
                let k1 := mload(add(c_, 0x80))
                let lim := sub(mload(c_), st)
                if slt(lim, k1) { k1 := lim }
                mstore(add(c_, 0x1e0), sub(k1, k0))
                let iy := add(st, k0)
                let ky0 := k0
                st := sub(mul(ox, mload(add(c_, 0xe0))), mload(add(c_, 0x120)))
                k0 := 0
                if slt(st, 0) { k0 := sub(0, st) }
                k1 := mload(add(c_, 0xa0))
                lim := sub(mload(add(c_, 0x20)), st)
                if slt(lim, k1) { k1 := lim }
                let cin := mload(add(c_, 0x40))
                mstore(add(c_, 0x200), mul(sub(k1, k0), cin))
                mstore(add(c_, 0x1a0), mul(add(mul(iy, mload(add(c_, 0x20))), add(st, k0)), cin))
                mstore(add(c_, 0x1c0), mul(add(mul(ky0, mload(add(c_, 0xa0))), k0), cin))
            }
            // The hot loop: rows [xp, xend) of one run. Equivalent to, for each row r and k = 0..3,
            //   b_k += (x_r − zx)·P_{r,k}  (mod 2^256; see conv2dI8 for why the lanes stay exact),
            // with x_r + 128 the offset-binary input byte and zc = zx + 128.
            function rows8(xp, xend, wp, zc) -> b0, b1, b2, b3 {
                // 8 rows per iteration while at least 8 remain (xp + 8 <= xend);
                // bytes 0..7 of xw are the rows' offset-binary inputs.
                for {} lt(add(xp, 7), xend) {
                    xp := add(xp, 8)
                    wp := add(wp, 1024)
                } {
                    let xw := mload(xp)
                    {
                        let xv := sub(byte(0, xw), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                        b1 := add(b1, mul(mload(add(wp, 32)), xv))
                        b2 := add(b2, mul(mload(add(wp, 64)), xv))
                        b3 := add(b3, mul(mload(add(wp, 96)), xv))
                    }
                    {
                        let xv := sub(byte(1, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 128)), xv))
                        b1 := add(b1, mul(mload(add(wp, 160)), xv))
                        b2 := add(b2, mul(mload(add(wp, 192)), xv))
                        b3 := add(b3, mul(mload(add(wp, 224)), xv))
                    }
                    {
                        let xv := sub(byte(2, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 256)), xv))
                        b1 := add(b1, mul(mload(add(wp, 288)), xv))
                        b2 := add(b2, mul(mload(add(wp, 320)), xv))
                        b3 := add(b3, mul(mload(add(wp, 352)), xv))
                    }
                    {
                        let xv := sub(byte(3, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 384)), xv))
                        b1 := add(b1, mul(mload(add(wp, 416)), xv))
                        b2 := add(b2, mul(mload(add(wp, 448)), xv))
                        b3 := add(b3, mul(mload(add(wp, 480)), xv))
                    }
                    {
                        let xv := sub(byte(4, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 512)), xv))
                        b1 := add(b1, mul(mload(add(wp, 544)), xv))
                        b2 := add(b2, mul(mload(add(wp, 576)), xv))
                        b3 := add(b3, mul(mload(add(wp, 608)), xv))
                    }
                    {
                        let xv := sub(byte(5, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 640)), xv))
                        b1 := add(b1, mul(mload(add(wp, 672)), xv))
                        b2 := add(b2, mul(mload(add(wp, 704)), xv))
                        b3 := add(b3, mul(mload(add(wp, 736)), xv))
                    }
                    {
                        let xv := sub(byte(6, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 768)), xv))
                        b1 := add(b1, mul(mload(add(wp, 800)), xv))
                        b2 := add(b2, mul(mload(add(wp, 832)), xv))
                        b3 := add(b3, mul(mload(add(wp, 864)), xv))
                    }
                    {
                        let xv := sub(byte(7, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 896)), xv))
                        b1 := add(b1, mul(mload(add(wp, 928)), xv))
                        b2 := add(b2, mul(mload(add(wp, 960)), xv))
                        b3 := add(b3, mul(mload(add(wp, 992)), xv))
                    }
                }
                // The remaining rows one at a time.
                for {} lt(xp, xend) {
                    xp := add(xp, 1)
                    wp := add(wp, 128)
                } {
                    {
                        let xv := sub(shr(248, mload(xp)), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                        b1 := add(b1, mul(mload(add(wp, 32)), xv))
                        b2 := add(b2, mul(mload(add(wp, 64)), xv))
                        b3 := add(b3, mul(mload(add(wp, 96)), xv))
                    }
                }
            }
            // A full panel (32 channels, no intermediate flush) straight to int64 outputs, in ascending
            // channel order. Equivalent to, for j = 0..31: y[j] = L_j + bias[j] as big-endian int64 at yp + 8j,
            // where L_j is the top lane of a_{3 − j mod 4} after ⌊j/4⌋ 32-bit left shifts (see conv2dI8).
            // Each whole-word mstore zeroes the 24 bytes after its element; they belong to later elements
            // (written afterwards, outputs are produced in ascending order) or to allocQ's spare word.
            function emitFull64(yp, bp, a0, a1, a2, a3) {
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(yp, shl(192, add(v, signextend(3, mload(bp)))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 8), shl(192, add(v, signextend(3, mload(add(bp, 32))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 16), shl(192, add(v, signextend(3, mload(add(bp, 64))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 24), shl(192, add(v, signextend(3, mload(add(bp, 96))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 32), shl(192, add(v, signextend(3, mload(add(bp, 128))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 40), shl(192, add(v, signextend(3, mload(add(bp, 160))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 48), shl(192, add(v, signextend(3, mload(add(bp, 192))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 56), shl(192, add(v, signextend(3, mload(add(bp, 224))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 64), shl(192, add(v, signextend(3, mload(add(bp, 256))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 72), shl(192, add(v, signextend(3, mload(add(bp, 288))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 80), shl(192, add(v, signextend(3, mload(add(bp, 320))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 88), shl(192, add(v, signextend(3, mload(add(bp, 352))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 96), shl(192, add(v, signextend(3, mload(add(bp, 384))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 104), shl(192, add(v, signextend(3, mload(add(bp, 416))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 112), shl(192, add(v, signextend(3, mload(add(bp, 448))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 120), shl(192, add(v, signextend(3, mload(add(bp, 480))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 128), shl(192, add(v, signextend(3, mload(add(bp, 512))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 136), shl(192, add(v, signextend(3, mload(add(bp, 544))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 144), shl(192, add(v, signextend(3, mload(add(bp, 576))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 152), shl(192, add(v, signextend(3, mload(add(bp, 608))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 160), shl(192, add(v, signextend(3, mload(add(bp, 640))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 168), shl(192, add(v, signextend(3, mload(add(bp, 672))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 176), shl(192, add(v, signextend(3, mload(add(bp, 704))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 184), shl(192, add(v, signextend(3, mload(add(bp, 736))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    mstore(add(yp, 192), shl(192, add(v, signextend(3, mload(add(bp, 768))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    mstore(add(yp, 200), shl(192, add(v, signextend(3, mload(add(bp, 800))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    mstore(add(yp, 208), shl(192, add(v, signextend(3, mload(add(bp, 832))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    mstore(add(yp, 216), shl(192, add(v, signextend(3, mload(add(bp, 864))))))
                }
                {
                    let v := sar(224, add(a3, LANE_TOP_HALF))
                    mstore(add(yp, 224), shl(192, add(v, signextend(3, mload(add(bp, 896))))))
                }
                {
                    let v := sar(224, add(a2, LANE_TOP_HALF))
                    mstore(add(yp, 232), shl(192, add(v, signextend(3, mload(add(bp, 928))))))
                }
                {
                    let v := sar(224, add(a1, LANE_TOP_HALF))
                    mstore(add(yp, 240), shl(192, add(v, signextend(3, mload(add(bp, 960))))))
                }
                {
                    let v := sar(224, add(a0, LANE_TOP_HALF))
                    mstore(add(yp, 248), shl(192, add(v, signextend(3, mload(add(bp, 992))))))
                }
            }
            // A full panel straight to requantized int8 outputs. Equivalent to, for j = 0..31:
            //   y[j] = Int8Math.requantizeUnchecked(L_j + bias[j], M[j], shift[j], z)
            // with the table tp = [bias, M, shift] per channel (96 bytes). |(L + bias)·M| < 2^79 and
            // shift ≤ 126 (validated): nothing wraps; RHAZ as Rounding.rshiftRound, then sat8.
            function emitFullI8(yp, tp, z, a0, a1, a2, a3) {
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(tp)), mload(add(tp, 32)))
                    let s := mload(add(tp, 64))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(yp, r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 96))), mload(add(tp, 128)))
                    let s := mload(add(tp, 160))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 1), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 192))), mload(add(tp, 224)))
                    let s := mload(add(tp, 256))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 2), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 288))), mload(add(tp, 320)))
                    let s := mload(add(tp, 352))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 3), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 384))), mload(add(tp, 416)))
                    let s := mload(add(tp, 448))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 4), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 480))), mload(add(tp, 512)))
                    let s := mload(add(tp, 544))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 5), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 576))), mload(add(tp, 608)))
                    let s := mload(add(tp, 640))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 6), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 672))), mload(add(tp, 704)))
                    let s := mload(add(tp, 736))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 7), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 768))), mload(add(tp, 800)))
                    let s := mload(add(tp, 832))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 8), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 864))), mload(add(tp, 896)))
                    let s := mload(add(tp, 928))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 9), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 960))), mload(add(tp, 992)))
                    let s := mload(add(tp, 1024))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 10), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 1056))), mload(add(tp, 1088)))
                    let s := mload(add(tp, 1120))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 11), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 1152))), mload(add(tp, 1184)))
                    let s := mload(add(tp, 1216))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 12), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 1248))), mload(add(tp, 1280)))
                    let s := mload(add(tp, 1312))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 13), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 1344))), mload(add(tp, 1376)))
                    let s := mload(add(tp, 1408))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 14), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 1440))), mload(add(tp, 1472)))
                    let s := mload(add(tp, 1504))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 15), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 1536))), mload(add(tp, 1568)))
                    let s := mload(add(tp, 1600))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 16), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 1632))), mload(add(tp, 1664)))
                    let s := mload(add(tp, 1696))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 17), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 1728))), mload(add(tp, 1760)))
                    let s := mload(add(tp, 1792))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 18), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 1824))), mload(add(tp, 1856)))
                    let s := mload(add(tp, 1888))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 19), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 1920))), mload(add(tp, 1952)))
                    let s := mload(add(tp, 1984))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 20), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 2016))), mload(add(tp, 2048)))
                    let s := mload(add(tp, 2080))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 21), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 2112))), mload(add(tp, 2144)))
                    let s := mload(add(tp, 2176))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 22), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 2208))), mload(add(tp, 2240)))
                    let s := mload(add(tp, 2272))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 23), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    a3 := shl(32, a3)
                    r := mul(add(r, mload(add(tp, 2304))), mload(add(tp, 2336)))
                    let s := mload(add(tp, 2368))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 24), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    a2 := shl(32, a2)
                    r := mul(add(r, mload(add(tp, 2400))), mload(add(tp, 2432)))
                    let s := mload(add(tp, 2464))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 25), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    a1 := shl(32, a1)
                    r := mul(add(r, mload(add(tp, 2496))), mload(add(tp, 2528)))
                    let s := mload(add(tp, 2560))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 26), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    a0 := shl(32, a0)
                    r := mul(add(r, mload(add(tp, 2592))), mload(add(tp, 2624)))
                    let s := mload(add(tp, 2656))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 27), r)
                }
                {
                    let r := sar(224, add(a3, LANE_TOP_HALF))
                    r := mul(add(r, mload(add(tp, 2688))), mload(add(tp, 2720)))
                    let s := mload(add(tp, 2752))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 28), r)
                }
                {
                    let r := sar(224, add(a2, LANE_TOP_HALF))
                    r := mul(add(r, mload(add(tp, 2784))), mload(add(tp, 2816)))
                    let s := mload(add(tp, 2848))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 29), r)
                }
                {
                    let r := sar(224, add(a1, LANE_TOP_HALF))
                    r := mul(add(r, mload(add(tp, 2880))), mload(add(tp, 2912)))
                    let s := mload(add(tp, 2944))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 30), r)
                }
                {
                    let r := sar(224, add(a0, LANE_TOP_HALF))
                    r := mul(add(r, mload(add(tp, 2976))), mload(add(tp, 3008)))
                    let s := mload(add(tp, 3040))
                    if s { r := sar(s, add(r, sub(shl(sub(s, 1), 1), slt(r, 0)))) }
                    r := add(r, z)
                    if sgt(r, 127) { r := 127 }
                    if slt(r, not(127)) { r := not(127) }
                    mstore8(add(yp, 31), r)
                }
            }
            // END GENERATED convI8
            // Decodes the lane accumulators into the 32 wide accumulators (written on the first flush
            // of a pixel-panel, added afterwards) and clears them. Bottom-up: lane i of A_k is channel
            // 31 − 4i − k; L = signextend(3, A) is the low lane (|L| < 2^31) and A ← (A − L) >> 32 is
            // exact (A − L is a multiple of 2^32 in (−2^255, 2^255)).
            function flush(c_) {
                let first := iszero(mload(add(c_, 0x440)))
                mstore(add(c_, 0x440), 1)
                for { let k := 0 } lt(k, 4) { k := add(k, 1) } {
                    let slot := add(c_, add(0x380, shl(5, k)))
                    let a := mload(slot)
                    mstore(slot, 0)
                    let p := add(c_, add(0x460, shl(5, sub(31, k))))
                    for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                        let v := signextend(3, a)
                        a := sar(32, sub(a, v))
                        switch first
                        case 0 { mstore(p, add(mload(p), v)) }
                        default { mstore(p, v) }
                        p := sub(p, 0x80)
                    }
                }
            }
            // Runs n rows from (xp, wp), flushing the lanes whenever flushRows rows have accumulated.
            function run8(c_, xp, wp, n) {
                for {} n {} {
                    let cnt := mload(add(c_, 0x360))
                    let k := sub(mload(add(c_, 0x340)), cnt)
                    if lt(n, k) { k := n }
                    let b0, b1, b2, b3 := rows8(xp, add(xp, k), wp, mload(add(c_, 0x260)))
                    mstore(add(c_, 0x380), add(mload(add(c_, 0x380)), b0))
                    mstore(add(c_, 0x3a0), add(mload(add(c_, 0x3a0)), b1))
                    mstore(add(c_, 0x3c0), add(mload(add(c_, 0x3c0)), b2))
                    mstore(add(c_, 0x3e0), add(mload(add(c_, 0x3e0)), b3))
                    cnt := add(cnt, k)
                    if eq(cnt, mload(add(c_, 0x340))) {
                        flush(c_)
                        cnt := 0
                    }
                    mstore(add(c_, 0x360), cnt)
                    xp := add(xp, k)
                    wp := add(wp, shl(7, k))
                    n := sub(n, k)
                }
            }
            // Writes the channels of one pixel-panel from the wide accumulators: int64 `acc + bias`
            // (read-modify-write stores), or requantized int8.
            function emit8(c_, pix, panel) {
                let cout := mload(add(c_, 0x60))
                let co0 := shl(5, panel)
                let m := sub(cout, co0)
                if gt(m, 32) { m := 32 }
                let wide := add(c_, 0x460)
                switch mload(add(c_, 0x2c0))
                case 0 {
                    let bd := add(mload(add(c_, 0x280)), shl(5, co0))
                    let yp := add(mload(add(c_, 0x2a0)), shl(3, add(mul(pix, cout), co0)))
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        // Equivalent to Tensor.storeQ(y, i, acc + bias[co]); |acc| < 2^47 + 2^31.
                        let v := add(mload(add(wide, shl(5, j))), signextend(3, mload(add(bd, shl(5, j)))))
                        let p := add(yp, shl(3, j))
                        mstore(p, or(and(mload(p), LOW192), shl(192, v)))
                    }
                }
                default {
                    let yp := add(mload(add(c_, 0x2a0)), add(mul(pix, cout), co0))
                    let tp := add(mload(add(c_, 0x2e0)), mul(co0, 0x60))
                    let z := mload(add(c_, 0x320))
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        let t := add(tp, mul(j, 0x60))
                        // Equivalent to Int8Math.requantizeUnchecked(acc + bias, M, shift, zOut):
                        // |acc·M| < 2^79, shift ≤ 126 (validated), so nothing wraps.
                        let r := mul(add(mload(add(wide, shl(5, j))), mload(t)), mload(add(t, 0x20)))
                        let sh := mload(add(t, 0x40))
                        if sh { r := sar(sh, add(r, sub(shl(sub(sh, 1), 1), slt(r, 0)))) }
                        r := add(r, z)
                        if sgt(r, 127) { r := 127 }
                        if slt(r, not(127)) { r := not(127) } // −128
                        mstore8(add(yp, j), r)
                    }
                }
            }
            // A full panel without an intermediate flush: decode the lanes straight into the output.
            function emitDirect(c_, o, co0) {
                switch mload(add(c_, 0x2c0))
                case 0 {
                    emitFull64(
                        add(mload(add(c_, 0x2a0)), shl(3, o)),
                        add(mload(add(c_, 0x280)), shl(5, co0)),
                        mload(add(c_, 0x380)),
                        mload(add(c_, 0x3a0)),
                        mload(add(c_, 0x3c0)),
                        mload(add(c_, 0x3e0))
                    )
                }
                default {
                    emitFullI8(
                        add(mload(add(c_, 0x2a0)), o),
                        add(mload(add(c_, 0x2e0)), mul(co0, 0x60)),
                        mload(add(c_, 0x320)),
                        mload(add(c_, 0x380)),
                        mload(add(c_, 0x3a0)),
                        mload(add(c_, 0x3c0)),
                        mload(add(c_, 0x3e0))
                    )
                }
                mstore(add(c_, 0x380), 0)
                mstore(add(c_, 0x3a0), 0)
                mstore(add(c_, 0x3c0), 0)
                mstore(add(c_, 0x3e0), 0)
            }
            function pixel8(c_, pix) {
                let cout := mload(add(c_, 0x60))
                for { let p := 0 } lt(shl(5, p), cout) { p := add(p, 1) } {
                    mstore(add(c_, 0x440), 0)
                    mstore(add(c_, 0x360), 0)
                    let xp := add(mload(add(c_, 0x220)), mload(add(c_, 0x1a0)))
                    let wp := add(mload(add(c_, 0x240)), shl(7, add(mul(p, mload(add(c_, 0x180))), mload(add(c_, 0x1c0)))))
                    for { let i := mload(add(c_, 0x1e0)) } i { i := sub(i, 1) } {
                        run8(c_, xp, wp, mload(add(c_, 0x200)))
                        xp := add(xp, mload(add(c_, 0x400)))
                        wp := add(wp, mload(add(c_, 0x420)))
                    }
                    switch and(iszero(mload(add(c_, 0x440))), iszero(lt(sub(cout, shl(5, p)), 32)))
                    case 0 {
                        flush(c_)
                        emit8(c_, pix, p)
                    }
                    default { emitDirect(c_, add(mul(pix, cout), shl(5, p)), shl(5, p)) }
                }
            }
            let ho := mload(add(c, 0x140))
            let wo := mload(add(c, 0x160))
            for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } {
                for { let ox := 0 } lt(ox, wo) { ox := add(ox, 1) } {
                    geom(c, oy, ox)
                    pixel8(c, add(mul(oy, wo), ox))
                }
            }
        }
    }

    /// @notice Plain reference twin of `conv2dI8` with a row-major kernel `k[kh][kw][Cin][Cout]` (int8
    ///         bytes, K·Cout of them): same accumulators, same failures (the kernel length is checked
    ///         against K·Cout bytes instead of the panel size).
    /// @dev numerics §4.1, §5, transcribed directly.
    function conv2dI8Ref(bytes memory x, int256 zx, bytes memory kernel, int32[] memory bias, Conv2dShape memory s)
        internal
        pure
        returns (bytes memory acc)
    {
        WindowGeometry memory g = _checkI8Ref(x, zx, kernel, bias, s, new int256[](0), new int256[](0), 0, false);
        acc = Tensor.allocQ(g.Ho * g.Wo * s.Cout);
        RefTaps memory t;
        t.zx = zx;
        t.int8Mode = true;
        uint256 o = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _refSpan(t, s, g, oy, ox);
                for (t.co = 0; t.co < s.Cout; t.co++) {
                    Tensor.storeQ(acc, o++, bias[t.co] + _refTaps(x, kernel, s, t));
                }
            }
        }
    }

    /// @notice Plain reference twin of `conv2dI8Requant` (row-major kernel).
    /// @dev numerics §4.1, §4.3, §5.
    function conv2dI8RequantRef(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        Conv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) internal pure returns (bytes memory y) {
        WindowGeometry memory g = _checkI8Ref(x, zx, kernel, bias, s, M, shift, zOut, true);
        y = Tensor.allocI8(g.Ho * g.Wo * s.Cout);
        RefTaps memory t;
        t.zx = zx;
        t.int8Mode = true;
        uint256 o = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _refSpan(t, s, g, oy, ox);
                for (t.co = 0; t.co < s.Cout; t.co++) {
                    int256 a = bias[t.co] + _refTaps(x, kernel, s, t);
                    Tensor.storeI8(y, o++, Int8Math.requantizeUnchecked(a, M[t.co], shift[t.co], zOut));
                }
            }
        }
    }

    function _checkI8Ref(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        Conv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut,
        bool requant
    ) private pure returns (WindowGeometry memory g) {
        g = checkShape(s);
        unchecked {
            uint256 nx = s.H * s.W * s.Cin;
            if (x.length != nx) revert ShapeMismatch(nx, x.length);
            uint256 nk = g.K * s.Cout;
            if (kernel.length != nk) revert ShapeMismatch(nk, kernel.length);
        }
        _checkI8Tail(s.Cout, bias, zx, M, shift, zOut, requant);
    }
}
