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
    /// @dev Masks of the byte → 32-bit lane spread (see _spreadI8): the low 16 bits of each 128-bit half,
    ///      bits 16..31 of each 128-bit half, the low byte of each 64-bit quarter, its second byte.
    uint256 private constant SPREAD_LO16 = 0x0000000000000000000000000000ffff0000000000000000000000000000ffff;
    uint256 private constant SPREAD_HI16 = 0x000000000000000000000000ffff0000000000000000000000000000ffff0000;
    uint256 private constant SPREAD_LO8 = 0x00000000000000ff00000000000000ff00000000000000ff00000000000000ff;
    uint256 private constant SPREAD_HI8 = 0x000000000000ff00000000000000ff00000000000000ff00000000000000ff00;
    /// @dev Longest kernel-row run (`kw·Cin` bytes) of the gathered int8 path (one word per gathered run).
    uint256 private constant GATHER_MAX_RUN = 32;

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
            mstore(0x40, add(c, 0x980)) // 76 words: geometry, op words, 32-word lane scratch, int8 words
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
    ///      1. Once per call, every panel word is spread into lane words of eight signed 32-bit lanes
    ///         (`_spreadI8`): a full panel into four words, `P_k = ((w ⊕ 0x80…80) >> 8k) & LANE_LOW_BYTE −
    ///         LANE_128` (lane `i` of `P_k` = channel `31 − 4i − k`, "interleaved"); a last panel of
    ///         `m < 32` channels into `G = ⌈m/8⌉` words (3 rounded up to 4), channel `8k + t` in lane
    ///         `7 − t` of word `k` ("blocked"). The subtraction may borrow across lanes; as a 256-bit
    ///         integer `P_k = Σ_i w_i·2^(32i) mod 2^256` exactly, which is all we use.
    ///      2. Once per call, the input is copied as offset binary `u = x + 128`, so a tap's multiplier is
    ///         `X = u − zc = x − zx ∈ [−255, 255]` with `zc = zx + 128` (one SUB). When every kernel row's
    ///         run is short (`kw·Cin ≤ 32` bytes: the first layers of CNNs) the copy is the padded image
    ///         (`_paddedI8`: padding made explicit as `zc` bytes, so a padded tap has `X = 0`), and each
    ///         output row's taps are gathered so that a pixel's K taps are contiguous (one run per pixel).
    ///      3. Per output pixel and panel, for each tap row `r`: `A_k += X_r · P_{r,k}` (mod 2^256). Then
    ///         `A_k ≡ Σ_i L_i·2^(32i)` with `L_i = Σ_r (x_r − zx)·w_{r,i}`, `|L_i| ≤ 32640·rows`.
    ///         With at most FLUSH_ROWS = 65536 rows between flushes, `|L_i| < 2^31`, so the true value of
    ///         `Σ_i L_i·2^(32i)` lies in (−2^255, 2^255) and `A_k` read as int256 IS that value; the
    ///         lanes decode exactly from the bottom: `L_0 = signextend(3, A)`, `A ← (A − L_0) >> 32`
    ///         (an exact arithmetic shift), and so on; or from the top (no intermediate flush, ascending
    ///         channels): `|L_i| ≤ 32640·65536 = 2^31 − 2^23` bounds the lanes below the top by
    ///         `|R| < 2^223`, so `L_7 = sar(224, A + 2^223)`, and `A ← A << 32` (mod 2^256 the removed
    ///         `L_7·2^256` vanishes) leaves `R·2^32`, again an exact int256, for the next lane. Lanes of
    ///         channels ≥ Cout obey the same bound and are never written.
    ///         Gathered pixels of a single panel of ≤ 16 channels run two at a time with the raw
    ///         multiplier `u` (`taps2x<G>`) and subtract `zc·Σ_r P_{r,k}` once: the same sum mod 2^256.
    ///      Padding needs no correction: a padded tap holds `zx`, and `(zx − zx)·w = 0`, so skipping it
    ///      (only the in-bounds taps are visited) or multiplying by 0 (gathered path) gives the §4.1 sum,
    ///      and because the multiplier is centred (`x − zx`) and the lanes are signed, no `Σw`/`Σx`/count
    ///      terms exist at all. Otherwise (long runs) the valid taps of one kernel row `ky` are one
    ///      contiguous run of `(kx1 − kx0)·Cin` input bytes and kernel rows (HWC input, (ky, kx, ci)
    ///      kernel rows).
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
        if (requant) _tableI8(c, bias, M, shift, zOut);
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
            // per kernel row ky: input advances W·Cin bytes, spread weights kw·Cin rows (of 32·G bytes)
            mstore(add(c, 0x400), mul(mload(add(c, 0x20)), mload(add(c, 0x40))))
            mstore(add(c, 0x420), mul(mload(add(c, 0xa0)), mload(add(c, 0x40))))
            mstore(add(c, 0x380), 0)
            mstore(add(c, 0x3a0), 0)
            mstore(add(c, 0x3c0), 0)
            mstore(add(c, 0x3e0), 0)
        }
    }

    /// @dev The requantization table (context word 0x2e0): `[bias, M′]` per channel (64 bytes), and one
    ///      shift `s` and one constant `C` for all channels (context words 0x940, 0x960), for the branch-free
    ///      form of `Int8Math.requantizeUnchecked(acc + bias, M, shift, zOut)`:
    ///        `p = (acc + bias)·M′;  r = sar(s, p + C − [p < 0]);  y = sat8(r)`
    ///      with `s = max(1, max_c shift_c)`, `M′_c = M_c·2^(s − shift_c)`, `C = 2^(s−1) + zOut·2^s`.
    ///      Equal to numerics §4.3: `p = (acc + bias)·M_c·2^d` with `d = s − shift_c` is the same rational
    ///      `(acc + bias)·M_c / 2^shift_c` scaled by 2^s, so `rshiftRound(p, s) = rshiftRound((acc + bias)·M_c,
    ///      shift_c)` (for shift_c = 0 both are the exact product); for s ≥ 1, `rshiftRound(p, s) =
    ///      sar(s, p + 2^(s−1) − [p < 0])` (numerics §1), and adding `zOut·2^s` before the floor division adds
    ///      exactly zOut after it. Ranges: |acc| < 2^48, |bias| < 2^31, M < 2^31, d ≤ 126 → |p| < 2^206;
    ///      |C| < 2^134: every intermediate is an exact int256.
    function _tableI8(uint256 c, int32[] memory bias, int256[] memory M, int256[] memory shift, int256 zOut)
        private
        pure
    {
        /// @solidity memory-safe-assembly
        assembly {
            let cout := mload(add(c, 0x60))
            let sm := 1
            for { let j := 0 } lt(j, cout) { j := add(j, 1) } {
                let sh := mload(add(shift, shl(5, add(j, 1))))
                if gt(sh, sm) { sm := sh }
            }
            let t := mload(0x40)
            mstore(0x40, add(t, shl(6, cout)))
            for { let j := 0 } lt(j, cout) { j := add(j, 1) } {
                let o := shl(5, add(j, 1))
                let d := add(t, shl(6, j))
                mstore(d, signextend(3, mload(add(bias, o)))) // int32, sign-extended
                mstore(add(d, 0x20), shl(sub(sm, mload(add(shift, o))), mload(add(M, o))))
            }
            mstore(add(c, 0x2e0), t)
            mstore(add(c, 0x940), sm)
            mstore(add(c, 0x960), add(shl(sub(sm, 1), 1), mul(zOut, shl(sm, 1))))
        }
    }

    /// @dev Step 1 and 2 of the SWAR kernel (see conv2dI8): the offset-binary input copy (plain, or padded
    ///      with the taps of each output row gathered, see `_paddedI8`) and the signed-lane spread of the
    ///      panel words. Context words: 0x220 input copy, 0x240 spread weights, 0x260 zc = zx + 128,
    ///      0x300 the gathered-taps flag, 0x860 tap-row buffer, 0x880 padded row bytes.
    function _prepareI8(uint256 c, bytes memory x, int256 zx, bytes memory panels) private pure {
        uint256 xo;
        bool gather;
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(c, 0x260), add(zx, 128))
            // Short kernel-row runs (kw·Cin ≤ 32 bytes: the first layers of CNNs) take the gathered path.
            gather := iszero(gt(mul(mload(add(c, 0xa0)), mload(add(c, 0x40))), GATHER_MAX_RUN))
            mstore(add(c, 0x300), gather)
        }
        if (gather) {
            xo = _paddedI8(c, x);
        } else {
            /// @solidity memory-safe-assembly
            assembly {
                let len := mload(x)
                xo := mload(0x40)
                let words := shr(5, add(len, 31))
                let x80 := X80 // a local: see _spreadI8
                // Equivalent to: xo[i] = uint8(x[i]) ^ 0x80 = x[i] + 128 (trailing bytes of the last word unused)
                for { let i := 0 } lt(i, words) { i := add(i, 1) } {
                    let o := shl(5, i)
                    mstore(add(xo, o), xor(mload(add(add(x, 0x20), o)), x80))
                }
                // One spare word: the unrolled loop reads a whole word at the last input byte.
                mstore(0x40, add(xo, shl(5, add(words, 1))))
            }
        }
        _spreadI8(c, panels);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(c, 0x220), xo)
        }
    }

    /// @dev The gathered path's input: the offset-binary image with the padding of the geometry made
    ///      explicit, `Hp×Wp×Cin` with `Hp = max(padTop + H, (Ho − 1)·sh + kh)` (likewise Wp): byte
    ///      `[padTop + iy][padLeft + ix][ci] = x[iy][ix][ci] + 128`, every other byte `zc = zx + 128`, so a
    ///      padded tap has `X = zc − zc = 0` and contributes nothing (numerics §4.1: padding holds zx).
    ///      Every window is then full: output pixel (oy, ox)'s taps of kernel row ky are the kw·Cin bytes
    ///      at padded `[oy·sh + ky][ox·sw]`, and gathering the kh rows end to end gives the pixel's K taps
    ///      in kernel-row order (one run through the hot loop, see `gatherRow` in _runI8). Also allocates
    ///      the tap-row buffer (Wo·K bytes and a spare word). Returns the image.
    function _paddedI8(uint256 c, bytes memory x) private pure returns (uint256 xo) {
        /// @solidity memory-safe-assembly
        assembly {
            let cin := mload(add(c, 0x40))
            let hp := add(mload(add(c, 0x100)), mload(c))
            let t := add(mul(sub(mload(add(c, 0x140)), 1), mload(add(c, 0xc0))), mload(add(c, 0x80)))
            if gt(t, hp) { hp := t }
            let wp := add(mload(add(c, 0x120)), mload(add(c, 0x20)))
            t := add(mul(sub(mload(add(c, 0x160)), 1), mload(add(c, 0xe0))), mload(add(c, 0xa0)))
            if gt(t, wp) { wp := t }
            let rowB := mul(wp, cin)
            mstore(add(c, 0x880), rowB)
            xo := mload(0x40)
            let words := shr(5, add(mul(hp, rowB), 31))
            // the image, a spare word (whole-word reads at its end), then the tap-row buffer and its spare
            let buf := add(xo, shl(5, add(words, 1)))
            mstore(add(c, 0x860), buf)
            mstore(0x40, add(buf, and(add(mul(mload(add(c, 0x160)), mload(add(c, 0x180))), 63), not(31))))
            // Equivalent to: every byte = zc (zc < 256, replicated into all 32 bytes)
            let fill := mul(mload(add(c, 0x260)), 0x0101010101010101010101010101010101010101010101010101010101010101)
            for { let i := 0 } lt(i, words) { i := add(i, 1) } { mstore(add(xo, shl(5, i)), fill) }
            // Equivalent to, for each input row iy: the W·Cin bytes x[iy][·][·] ^ 0x80 at padded row
            // padTop + iy, column padLeft; whole words, the last partial word merged under a mask so the
            // right padding keeps zc.
            let n := mul(mload(add(c, 0x20)), cin)
            let fullW := shl(5, shr(5, n))
            let mask := not(shr(shl(3, and(n, 31)), not(0))) // the top n mod 32 bytes
            let src := add(x, 0x20)
            let dst := add(xo, add(mul(mload(add(c, 0x100)), rowB), mul(mload(add(c, 0x120)), cin)))
            let x80 := X80 // a local: see _spreadI8
            for { let iy := mload(c) } iy { iy := sub(iy, 1) } {
                for { let o := 0 } lt(o, fullW) { o := add(o, 0x20) } {
                    mstore(add(dst, o), xor(mload(add(src, o)), x80))
                }
                if mask {
                    let d := add(dst, fullW)
                    mstore(d, or(and(xor(mload(add(src, fullW)), x80), mask), and(mload(d), not(mask))))
                }
                src := add(src, n)
                dst := add(dst, rowB)
            }
        }
    }

    /// @dev Step 1 of the SWAR kernel: the lane spread of the panel words (context word 0x240), in one
    ///      of two lane layouts (both `Σ_i w_i·2^(32i) mod 2^256`, exact as 256-bit integers, which is all
    ///      the kernel uses):
    ///      - a full panel (32 channels), interleaved: four words per kernel row,
    ///        `P_k = ((w ⊕ 0x80…80) >> 8k) & LANE_LOW_BYTE − LANE_128`, lane i of P_k = channel 31 − 4i − k;
    ///      - a last panel of m < 32 channels, blocked: G = ⌈m/8⌉ words per row (3 rounded up to 4),
    ///        `P_k = Σ_{t<8} int8(byte 8k + t of w)·2^(32(7 − t))`, channel 8k + t in lane 7 − t (so the
    ///        channels decode top-down in ascending order, one word after the other).
    ///      Panel p's rows start at 128·K·p; rows are 32·G bytes apart. For a partial panel, context words
    ///      0x900 and 0x920 receive `zc·Σ_r P_{r,k}` for k = 0, 1 (the correction of the zc-free gathered loop).
    function _spreadI8(uint256 c, bytes memory panels) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let rows := shr(5, mload(panels))
            let sp := mload(0x40)
            mstore(0x40, add(sp, shl(7, rows)))
            mstore(add(c, 0x240), sp)
            let K := mload(add(c, 0x180))
            let m := sub(mload(add(c, 0x60)), shl(5, sub(div(rows, K), 1))) // channels of the last panel
            let nfull := rows
            if lt(m, 32) { nfull := sub(rows, K) }
            let src := add(panels, 0x20)
            let dst := sp
            // Equivalent to, for each full-panel word w and k = 0..3:
            //   P_k = Σ_i int8(byte 31 − 4i − k of w)·2^(32i) mod 2^256
            // NOTE: the constants live in locals: inside the loop the optimizer would load each use from
            // code (CODECOPY, ~40 gas).
            let x80 := X80
            let lo := LANE_LOW_BYTE
            let l128 := LANE_128
            for { let i := 0 } lt(i, nfull) { i := add(i, 1) } {
                let w := xor(mload(src), x80)
                src := add(src, 0x20)
                mstore(dst, sub(and(w, lo), l128))
                mstore(add(dst, 0x20), sub(and(shr(8, w), lo), l128))
                mstore(add(dst, 0x40), sub(and(shr(16, w), lo), l128))
                mstore(add(dst, 0x60), sub(and(shr(24, w), lo), l128))
                dst := add(dst, 0x80)
            }
            mstore(add(c, 0x900), 0)
            mstore(add(c, 0x920), 0)
            let gsh := shl(6, shr(3, add(m, 7))) // 64·G: bit length of the used 8-byte chunks
            if eq(gsh, 192) { gsh := 256 } // G = 3 → 4 (there is no 3-word loop)
            for { let i := nfull } lt(i, rows) { i := add(i, 1) } {
                let w := xor(mload(src), x80) // offset-binary bytes w + 128
                src := add(src, 0x20)
                // Equivalent to: the 8 bytes of chunk k (bytes 8k..8k+7, byte 8k + t at bits 8(7 − t))
                // moved to bits 32(7 − t) (three mask-and-shift steps: 32-bit halves to 128-bit halves,
                // 16-bit pairs to 64-bit quarters, bytes to 32-bit lanes), then w + 128 − 128 per lane.
                for { let k := 0 } lt(k, gsh) { k := add(k, 64) } {
                    let u := and(shr(sub(192, k), w), 0xffffffffffffffff)
                    u := or(and(u, 0xffffffff), shl(128, shr(32, u)))
                    u := or(and(u, SPREAD_LO16), shl(48, and(u, SPREAD_HI16)))
                    u := or(and(u, SPREAD_LO8), shl(24, and(u, SPREAD_HI8)))
                    u := sub(u, l128)
                    mstore(dst, u)
                    dst := add(dst, 0x20)
                    if lt(k, 128) {
                        let q := add(c, add(0x900, shr(1, k)))
                        mstore(q, add(mload(q), u))
                    }
                }
            }
            let zc := mload(add(c, 0x260))
            mstore(add(c, 0x900), mul(zc, mload(add(c, 0x900))))
            mstore(add(c, 0x920), mul(zc, mload(add(c, 0x920))))
        }
    }

    /// @dev The int8 kernel proper (step 3 and the output). Context words beyond _ctx/_prepareI8:
    ///      0x280 bias data (int32[] words), 0x2a0 y data, 0x2c0 requant flag, 0x2e0 requantization
    ///      table [bias, M′] per channel (0x940 its common shift, 0x960 its constant C; see _tableI8),
    ///      0x320 zOut, 0x340 flushRows, 0x360 rows since the last flush, 0x380..0x3e0 the four lane
    ///      accumulators A_0..A_3, 0x400 input step per kernel row (bytes), 0x420 kw·Cin (kernel rows per
    ///      kernel row ky), 0x440 "flushed" flag of the current pixel-panel, 0x460..0x860 32 wide
    ///      accumulators (one per channel, used only after a flush), 0x8a0 G and 0x8e0 full-panel flag of
    ///      the current panel (flush path), 0x8c0 "no flush possible" flag (K ≤ flushRows), 0x900/0x920
    ///      zc·ΣP of the pairs path (_spreadI8).
    ///      Without an intermediate flush (every realistic layer: K ≤ 65536) the lanes stay on the stack
    ///      and are decoded straight into the output (emitWords: emitFull64 / emitWordI8x4 for a full
    ///      panel, emitWordI8 / tailI8 / tail64 for a partial one); otherwise they go through the context
    ///      (run8), are flushed into the wide accumulators and emitted from there (emit8).
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
            // The hot loop: rows [xp, xend) of one run, for a panel spread into G = 1, 2 or 4 lane words per
            // kernel row (rows8x<G>, 32·G bytes per row). Equivalent to, for each row r and k = 0..G−1,
            //   b_k += (x_r − zx)·P_{r,k}  (mod 2^256; see conv2dI8 for why the lanes stay exact),
            // with x_r + 128 the offset-binary input byte and zc = zx + 128.
            function rows8x1(xp, xend, wp, zc) -> b0 {
                // 8 rows per iteration while at least 8 remain (xp + 8 <= xend);
                // bytes 0..7 of xw are the rows' offset-binary inputs.
                for {} lt(add(xp, 7), xend) {
                    xp := add(xp, 8)
                    wp := add(wp, 256)
                } {
                    let xw := mload(xp)
                    {
                        let xv := sub(byte(0, xw), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                    }
                    {
                        let xv := sub(byte(1, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 32)), xv))
                    }
                    {
                        let xv := sub(byte(2, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 64)), xv))
                    }
                    {
                        let xv := sub(byte(3, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 96)), xv))
                    }
                    {
                        let xv := sub(byte(4, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 128)), xv))
                    }
                    {
                        let xv := sub(byte(5, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 160)), xv))
                    }
                    {
                        let xv := sub(byte(6, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 192)), xv))
                    }
                    {
                        let xv := sub(byte(7, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 224)), xv))
                    }
                }
                // The remaining rows one at a time.
                for {} lt(xp, xend) {
                    xp := add(xp, 1)
                    wp := add(wp, 32)
                } {
                    {
                        let xv := sub(shr(248, mload(xp)), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                    }
                }
            }
            function rows8x2(xp, xend, wp, zc) -> b0, b1 {
                // 8 rows per iteration while at least 8 remain (xp + 8 <= xend);
                // bytes 0..7 of xw are the rows' offset-binary inputs.
                for {} lt(add(xp, 7), xend) {
                    xp := add(xp, 8)
                    wp := add(wp, 512)
                } {
                    let xw := mload(xp)
                    {
                        let xv := sub(byte(0, xw), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                        b1 := add(b1, mul(mload(add(wp, 32)), xv))
                    }
                    {
                        let xv := sub(byte(1, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 64)), xv))
                        b1 := add(b1, mul(mload(add(wp, 96)), xv))
                    }
                    {
                        let xv := sub(byte(2, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 128)), xv))
                        b1 := add(b1, mul(mload(add(wp, 160)), xv))
                    }
                    {
                        let xv := sub(byte(3, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 192)), xv))
                        b1 := add(b1, mul(mload(add(wp, 224)), xv))
                    }
                    {
                        let xv := sub(byte(4, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 256)), xv))
                        b1 := add(b1, mul(mload(add(wp, 288)), xv))
                    }
                    {
                        let xv := sub(byte(5, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 320)), xv))
                        b1 := add(b1, mul(mload(add(wp, 352)), xv))
                    }
                    {
                        let xv := sub(byte(6, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 384)), xv))
                        b1 := add(b1, mul(mload(add(wp, 416)), xv))
                    }
                    {
                        let xv := sub(byte(7, xw), zc)
                        b0 := add(b0, mul(mload(add(wp, 448)), xv))
                        b1 := add(b1, mul(mload(add(wp, 480)), xv))
                    }
                }
                // The remaining rows one at a time.
                for {} lt(xp, xend) {
                    xp := add(xp, 1)
                    wp := add(wp, 64)
                } {
                    {
                        let xv := sub(shr(248, mload(xp)), zc)
                        b0 := add(b0, mul(mload(wp), xv))
                        b1 := add(b1, mul(mload(add(wp, 32)), xv))
                    }
                }
            }
            function rows8x4(xp, xend, wp, zc) -> b0, b1, b2, b3 {
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
            // The gathered hot loop for two pixels at once (their taps at xp and xp + K), G ≤ 2 lane words,
            // multiplier the raw offset-binary byte u = x + 128 (no zx subtraction: every tap of a gathered
            // pixel is present, so the caller subtracts zc·Σ_r P_{r,k} once). Equivalent to, for each row r:
            //   b_k += u_r·P_{r,k},  c_k += u'_r·P_{r,k}  (mod 2^256),  u_r, u'_r the two pixels' tap bytes.
            function taps2x1(xp, xend, wp, K) -> b0, c0 {
                for {} lt(add(xp, 7), xend) {
                    xp := add(xp, 8)
                    wp := add(wp, 256)
                } {
                    let xw := mload(xp)
                    let xq := mload(add(xp, K))
                    {
                        let w0 := mload(wp)
                        b0 := add(b0, mul(w0, byte(0, xw)))
                        c0 := add(c0, mul(w0, byte(0, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 32))
                        b0 := add(b0, mul(w0, byte(1, xw)))
                        c0 := add(c0, mul(w0, byte(1, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 64))
                        b0 := add(b0, mul(w0, byte(2, xw)))
                        c0 := add(c0, mul(w0, byte(2, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 96))
                        b0 := add(b0, mul(w0, byte(3, xw)))
                        c0 := add(c0, mul(w0, byte(3, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 128))
                        b0 := add(b0, mul(w0, byte(4, xw)))
                        c0 := add(c0, mul(w0, byte(4, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 160))
                        b0 := add(b0, mul(w0, byte(5, xw)))
                        c0 := add(c0, mul(w0, byte(5, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 192))
                        b0 := add(b0, mul(w0, byte(6, xw)))
                        c0 := add(c0, mul(w0, byte(6, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 224))
                        b0 := add(b0, mul(w0, byte(7, xw)))
                        c0 := add(c0, mul(w0, byte(7, xq)))
                    }
                }
                for {} lt(xp, xend) {
                    xp := add(xp, 1)
                    wp := add(wp, 32)
                } {
                    {
                        let w0 := mload(wp)
                        b0 := add(b0, mul(w0, shr(248, mload(xp))))
                        c0 := add(c0, mul(w0, shr(248, mload(add(xp, K)))))
                    }
                }
            }
            function taps2x2(xp, xend, wp, K) -> b0, b1, c0, c1 {
                for {} lt(add(xp, 7), xend) {
                    xp := add(xp, 8)
                    wp := add(wp, 512)
                } {
                    let xw := mload(xp)
                    let xq := mload(add(xp, K))
                    {
                        let w0 := mload(wp)
                        b0 := add(b0, mul(w0, byte(0, xw)))
                        c0 := add(c0, mul(w0, byte(0, xq)))
                        let w1 := mload(add(wp, 32))
                        b1 := add(b1, mul(w1, byte(0, xw)))
                        c1 := add(c1, mul(w1, byte(0, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 64))
                        b0 := add(b0, mul(w0, byte(1, xw)))
                        c0 := add(c0, mul(w0, byte(1, xq)))
                        let w1 := mload(add(wp, 96))
                        b1 := add(b1, mul(w1, byte(1, xw)))
                        c1 := add(c1, mul(w1, byte(1, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 128))
                        b0 := add(b0, mul(w0, byte(2, xw)))
                        c0 := add(c0, mul(w0, byte(2, xq)))
                        let w1 := mload(add(wp, 160))
                        b1 := add(b1, mul(w1, byte(2, xw)))
                        c1 := add(c1, mul(w1, byte(2, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 192))
                        b0 := add(b0, mul(w0, byte(3, xw)))
                        c0 := add(c0, mul(w0, byte(3, xq)))
                        let w1 := mload(add(wp, 224))
                        b1 := add(b1, mul(w1, byte(3, xw)))
                        c1 := add(c1, mul(w1, byte(3, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 256))
                        b0 := add(b0, mul(w0, byte(4, xw)))
                        c0 := add(c0, mul(w0, byte(4, xq)))
                        let w1 := mload(add(wp, 288))
                        b1 := add(b1, mul(w1, byte(4, xw)))
                        c1 := add(c1, mul(w1, byte(4, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 320))
                        b0 := add(b0, mul(w0, byte(5, xw)))
                        c0 := add(c0, mul(w0, byte(5, xq)))
                        let w1 := mload(add(wp, 352))
                        b1 := add(b1, mul(w1, byte(5, xw)))
                        c1 := add(c1, mul(w1, byte(5, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 384))
                        b0 := add(b0, mul(w0, byte(6, xw)))
                        c0 := add(c0, mul(w0, byte(6, xq)))
                        let w1 := mload(add(wp, 416))
                        b1 := add(b1, mul(w1, byte(6, xw)))
                        c1 := add(c1, mul(w1, byte(6, xq)))
                    }
                    {
                        let w0 := mload(add(wp, 448))
                        b0 := add(b0, mul(w0, byte(7, xw)))
                        c0 := add(c0, mul(w0, byte(7, xq)))
                        let w1 := mload(add(wp, 480))
                        b1 := add(b1, mul(w1, byte(7, xw)))
                        c1 := add(c1, mul(w1, byte(7, xq)))
                    }
                }
                for {} lt(xp, xend) {
                    xp := add(xp, 1)
                    wp := add(wp, 64)
                } {
                    {
                        let w0 := mload(wp)
                        b0 := add(b0, mul(w0, shr(248, mload(xp))))
                        c0 := add(c0, mul(w0, shr(248, mload(add(xp, K)))))
                        let w1 := mload(add(wp, 32))
                        b1 := add(b1, mul(w1, shr(248, mload(xp))))
                        c1 := add(c1, mul(w1, shr(248, mload(add(xp, K)))))
                    }
                }
            }
            // A full panel (32 channels, interleaved layout, no intermediate flush) straight to int64 outputs,
            // in ascending channel order. Equivalent to, for j = 0..31: y[j] = L_j + bias[j] as big-endian int64
            // at yp + 8j, where L_j is the top lane of a_{3 − j mod 4} after ⌊j/4⌋ 32-bit left shifts (see conv2dI8).
            // Each whole-word mstore zeroes the 24 bytes after its element; they belong to later elements
            // (written afterwards, outputs are produced in ascending order) or to allocQ's spare word.
            function emitFull64(yp, bp, a0, a1, a2, a3) {
                let h := LANE_TOP_HALF // a local: the optimizer would rebuild the constant at every use
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(yp, shl(192, add(v, signextend(3, mload(bp)))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 8), shl(192, add(v, signextend(3, mload(add(bp, 32))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 16), shl(192, add(v, signextend(3, mload(add(bp, 64))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 24), shl(192, add(v, signextend(3, mload(add(bp, 96))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 32), shl(192, add(v, signextend(3, mload(add(bp, 128))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 40), shl(192, add(v, signextend(3, mload(add(bp, 160))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 48), shl(192, add(v, signextend(3, mload(add(bp, 192))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 56), shl(192, add(v, signextend(3, mload(add(bp, 224))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 64), shl(192, add(v, signextend(3, mload(add(bp, 256))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 72), shl(192, add(v, signextend(3, mload(add(bp, 288))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 80), shl(192, add(v, signextend(3, mload(add(bp, 320))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 88), shl(192, add(v, signextend(3, mload(add(bp, 352))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 96), shl(192, add(v, signextend(3, mload(add(bp, 384))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 104), shl(192, add(v, signextend(3, mload(add(bp, 416))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 112), shl(192, add(v, signextend(3, mload(add(bp, 448))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 120), shl(192, add(v, signextend(3, mload(add(bp, 480))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 128), shl(192, add(v, signextend(3, mload(add(bp, 512))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 136), shl(192, add(v, signextend(3, mload(add(bp, 544))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 144), shl(192, add(v, signextend(3, mload(add(bp, 576))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 152), shl(192, add(v, signextend(3, mload(add(bp, 608))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 160), shl(192, add(v, signextend(3, mload(add(bp, 640))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 168), shl(192, add(v, signextend(3, mload(add(bp, 672))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 176), shl(192, add(v, signextend(3, mload(add(bp, 704))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 184), shl(192, add(v, signextend(3, mload(add(bp, 736))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    a3 := shl(32, a3)
                    mstore(add(yp, 192), shl(192, add(v, signextend(3, mload(add(bp, 768))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    a2 := shl(32, a2)
                    mstore(add(yp, 200), shl(192, add(v, signextend(3, mload(add(bp, 800))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    a1 := shl(32, a1)
                    mstore(add(yp, 208), shl(192, add(v, signextend(3, mload(add(bp, 832))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    a0 := shl(32, a0)
                    mstore(add(yp, 216), shl(192, add(v, signextend(3, mload(add(bp, 864))))))
                }
                {
                    let v := sar(224, add(a3, h))
                    mstore(add(yp, 224), shl(192, add(v, signextend(3, mload(add(bp, 896))))))
                }
                {
                    let v := sar(224, add(a2, h))
                    mstore(add(yp, 232), shl(192, add(v, signextend(3, mload(add(bp, 928))))))
                }
                {
                    let v := sar(224, add(a1, h))
                    mstore(add(yp, 240), shl(192, add(v, signextend(3, mload(add(bp, 960))))))
                }
                {
                    let v := sar(224, add(a0, h))
                    mstore(add(yp, 248), shl(192, add(v, signextend(3, mload(add(bp, 992))))))
                }
            }
            // One lane word to requantized int8 outputs 8 consecutive channels (a partial panel word).
            // Equivalent to, for t = 0..7, with L_t the top lane of a after t 32-bit left shifts:
            //   y[1t] = Int8Math.requantizeUnchecked(L_t + bias[1t], M[1t], shift[1t], zOut)
            // in the branch-free form of _tableI8 (table tp = [bias, M′] per channel, 64 bytes; common shift sc
            // and constant cc): p = (L + bias)·M′, r = sar(sc, p + cc − [p < 0]), then sat8 (one test: r fits
            // int8 iff signextend(0, r) = r; else 127 for r > 0, −128 = 127 ⊕ −1 for r < 0).
            function emitWordI8(yp, tp, a, sc, cc) {
                let h := LANE_TOP_HALF
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(tp)), mload(add(tp, 32)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(yp, r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 64))), mload(add(tp, 96)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 1), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 128))), mload(add(tp, 160)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 2), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 192))), mload(add(tp, 224)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 3), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 256))), mload(add(tp, 288)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 4), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 320))), mload(add(tp, 352)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 5), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 384))), mload(add(tp, 416)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 6), r)
                }
                {
                    let r := sar(224, add(a, h))
                    r := mul(add(r, mload(add(tp, 448))), mload(add(tp, 480)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 7), r)
                }
            }
            // One lane word to requantized int8 outputs channels j0, j0 + 4, …, j0 + 28 (a full panel word).
            // Equivalent to, for t = 0..7, with L_t the top lane of a after t 32-bit left shifts:
            //   y[4t] = Int8Math.requantizeUnchecked(L_t + bias[4t], M[4t], shift[4t], zOut)
            // in the branch-free form of _tableI8 (table tp = [bias, M′] per channel, 64 bytes; common shift sc
            // and constant cc): p = (L + bias)·M′, r = sar(sc, p + cc − [p < 0]), then sat8 (one test: r fits
            // int8 iff signextend(0, r) = r; else 127 for r > 0, −128 = 127 ⊕ −1 for r < 0).
            function emitWordI8x4(yp, tp, a, sc, cc) {
                let h := LANE_TOP_HALF
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(tp)), mload(add(tp, 32)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(yp, r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 256))), mload(add(tp, 288)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 4), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 512))), mload(add(tp, 544)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 8), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 768))), mload(add(tp, 800)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 12), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 1024))), mload(add(tp, 1056)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 16), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 1280))), mload(add(tp, 1312)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 20), r)
                }
                {
                    let r := sar(224, add(a, h))
                    a := shl(32, a)
                    r := mul(add(r, mload(add(tp, 1536))), mload(add(tp, 1568)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 24), r)
                }
                {
                    let r := sar(224, add(a, h))
                    r := mul(add(r, mload(add(tp, 1792))), mload(add(tp, 1824)))
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) }
                    mstore8(add(yp, 28), r)
                }
            }
            // END GENERATED convI8
            // The hot loop of G ∈ {1, 2, 4} lane words. Equivalent to rows8x<G> with the missing
            // accumulators 0.
            function rowsG(G, xp, xend, wp, zc) -> b0, b1, b2, b3 {
                switch G
                case 4 { b0, b1, b2, b3 := rows8x4(xp, xend, wp, zc) }
                case 2 { b0, b1 := rows8x2(xp, xend, wp, zc) }
                default { b0 := rows8x1(xp, xend, wp, zc) }
            }
            // Decodes the lane accumulators of the current panel (G words, context word 0x8a0) into the
            // 32 wide accumulators (written on the first flush of a pixel-panel, added afterwards) and
            // clears them. Bottom-up: lane i of A_k is channel 31 − 4i − k in a full panel (context
            // word 0x8e0), 8k + 7 − i in a partial one (see _spreadI8);
            // L = signextend(3, A) is the low lane (|L| < 2^31) and A ← (A − L) >> 32 is exact (A − L is
            // a multiple of 2^32 in (−2^255, 2^255)).
            function flush(c_) {
                let first := iszero(mload(add(c_, 0x440)))
                mstore(add(c_, 0x440), 1)
                let full := mload(add(c_, 0x8e0))
                let step := 0x20
                if full { step := 0x80 }
                for { let k := 0 } lt(k, mload(add(c_, 0x8a0))) { k := add(k, 1) } {
                    let slot := add(c_, add(0x380, shl(5, k)))
                    let a := mload(slot)
                    mstore(slot, 0)
                    // the wide accumulator of lane 0's channel
                    let p := add(c_, add(0x460, shl(5, add(shl(3, k), 7))))
                    if full { p := add(c_, add(0x460, shl(5, sub(31, k)))) }
                    for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                        let v := signextend(3, a)
                        a := sar(32, sub(a, v))
                        switch first
                        case 0 { mstore(p, add(mload(p), v)) }
                        default { mstore(p, v) }
                        p := sub(p, step)
                    }
                }
            }
            // Runs n rows from (xp, wp), flushing the lanes whenever flushRows rows have accumulated.
            function run8(c_, xp, wp, n) {
                let G := mload(add(c_, 0x8a0))
                for {} n {} {
                    let cnt := mload(add(c_, 0x360))
                    let k := sub(mload(add(c_, 0x340)), cnt)
                    if lt(n, k) { k := n }
                    let b0, b1, b2, b3 := rowsG(G, xp, add(xp, k), wp, mload(add(c_, 0x260)))
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
                    wp := add(wp, mul(k, shl(5, G)))
                    n := sub(n, k)
                }
            }
            // Writes the channels of one pixel-panel (outputs from o, channels from co0) from the wide
            // accumulators: int64 `acc + bias` (read-modify-write stores), or requantized int8.
            function emit8(c_, o, co0) {
                let m := sub(mload(add(c_, 0x60)), co0)
                if gt(m, 32) { m := 32 }
                let wide := add(c_, 0x460)
                switch mload(add(c_, 0x2c0))
                case 0 {
                    let bd := add(mload(add(c_, 0x280)), shl(5, co0))
                    let yp := add(mload(add(c_, 0x2a0)), shl(3, o))
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        // Equivalent to Tensor.storeQ(y, i, acc + bias[co]); |acc| < 2^47 + 2^31.
                        let v := add(mload(add(wide, shl(5, j))), signextend(3, mload(add(bd, shl(5, j)))))
                        let p := add(yp, shl(3, j))
                        mstore(p, or(and(mload(p), LOW192), shl(192, v)))
                    }
                }
                default {
                    let yp := add(mload(add(c_, 0x2a0)), o)
                    let tp := add(mload(add(c_, 0x2e0)), shl(6, co0))
                    let sc := mload(add(c_, 0x940))
                    let cc := mload(add(c_, 0x960))
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        let t := add(tp, shl(6, j))
                        // Equivalent to Int8Math.requantizeUnchecked(acc + bias, M, shift, zOut) (see _tableI8)
                        let r := mul(add(mload(add(wide, shl(5, j))), mload(t)), mload(add(t, 0x20)))
                        r := sar(sc, add(r, sub(cc, slt(r, 0))))
                        if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) } // sat8
                        mstore8(add(yp, j), r)
                    }
                }
            }
            // The first n ≤ 8 channels of lane word a (channels 8k + t in lane 7 − t) to int64 outputs:
            // y[t] = L_t + bias[t] as big-endian int64, whole-word stores as emitFull64 (ascending order).
            function tail64(yp, bp, a, n) {
                let h := LANE_TOP_HALF
                for {} n { n := sub(n, 1) } {
                    mstore(yp, shl(192, add(sar(224, add(a, h)), signextend(3, mload(bp)))))
                    a := shl(32, a)
                    yp := add(yp, 8)
                    bp := add(bp, 0x20)
                }
            }
            // The first n < 8 channels of lane word a to requantized int8 outputs (the loop twin of
            // emitWordI8); only these n bytes are written.
            function tailI8(yp, tp, a, n, sc, cc) {
                let h := LANE_TOP_HALF
                for {} n { n := sub(n, 1) } {
                    let r := mul(add(sar(224, add(a, h)), mload(tp)), mload(add(tp, 0x20)))
                    a := shl(32, a)
                    r := sar(sc, add(r, sub(cc, slt(r, 0))))
                    if iszero(eq(signextend(0, r), r)) { r := xor(127, sar(255, r)) } // sat8
                    mstore8(yp, r)
                    yp := add(yp, 1)
                    tp := add(tp, 0x40)
                }
            }
            // A pixel-panel of m ≤ 32 channels without an intermediate flush, decoded straight from its
            // lane words b0..b3 into the output: word k holds channels co0 + 8k + t in lane 7 − t, read
            // top-down, L = sar(224, A + 2^223), A ← A << 32 (exact for the reason given in conv2dI8:
            // every lane, also those of channels ≥ m that are never written, has |L| ≤ 2^31 − 2^23).
            // Equivalent to flush + emit8. int8: words of 8 channels use the straight-line emitWordI8, a
            // last word of fewer channels its loop twin tailI8; int64: tail64. A full panel (interleaved layout: channel j in the top lane
            // of b_{3 − j mod 4} after ⌊j/4⌋ shifts) goes to emitFull64, or to emitWordI8x4 once per word.
            function emitWords(c_, o, co0, b0, b1, b2, b3) {
                let m := sub(mload(add(c_, 0x60)), co0)
                if gt(m, 31) {
                    switch mload(add(c_, 0x2c0))
                    case 0 { emitFull64(add(mload(add(c_, 0x2a0)), shl(3, o)), add(mload(add(c_, 0x280)), shl(5, co0)), b0, b1, b2, b3) }
                    default {
                        let yp := add(mload(add(c_, 0x2a0)), o)
                        let tp := add(mload(add(c_, 0x2e0)), shl(6, co0))
                        let sc := mload(add(c_, 0x940))
                        let cc := mload(add(c_, 0x960))
                        emitWordI8x4(yp, tp, b3, sc, cc)
                        emitWordI8x4(add(yp, 1), add(tp, 64), b2, sc, cc)
                        emitWordI8x4(add(yp, 2), add(tp, 128), b1, sc, cc)
                        emitWordI8x4(add(yp, 3), add(tp, 192), b0, sc, cc)
                    }
                    leave
                }
                switch mload(add(c_, 0x2c0))
                case 0 {
                    let yp := add(mload(add(c_, 0x2a0)), shl(3, o))
                    let bp := add(mload(add(c_, 0x280)), shl(5, co0))
                    for {} m { m := sub(m, 8) } {
                        if lt(m, 8) {
                            tail64(yp, bp, b0, m)
                            break
                        }
                        tail64(yp, bp, b0, 8)
                        yp := add(yp, 64)
                        bp := add(bp, 256)
                        b0 := b1
                        b1 := b2
                        b2 := b3
                    }
                }
                default {
                    let yp := add(mload(add(c_, 0x2a0)), o)
                    let tp := add(mload(add(c_, 0x2e0)), shl(6, co0))
                    let sc := mload(add(c_, 0x940))
                    let cc := mload(add(c_, 0x960))
                    for {} gt(m, 7) { m := sub(m, 8) } {
                        emitWordI8(yp, tp, b0, sc, cc)
                        yp := add(yp, 8)
                        tp := add(tp, 512)
                        b0 := b1
                        b1 := b2
                        b2 := b3
                    }
                    if m { tailI8(yp, tp, b0, m, sc, cc) }
                }
            }
            // Gathers the taps of output row oy into the tap-row buffer (gathered path): pixel ox's K taps
            // at buf + ox·K, kernel row ky's kw·Cin ≤ 32 bytes at + ky·kw·Cin. Equivalent to
            //   buf[ox·K + ky·kw·Cin + i] = padded[(oy·sh + ky)·Wp·Cin + ox·sw·Cin + i],  i < kw·Cin.
            // One whole word per run: its excess bytes land on later runs (written afterwards) or on the
            // buffer's spare word.
            function gatherRow(c_, oy) {
                let buf := mload(add(c_, 0x860))
                let rowB := mload(add(c_, 0x880))
                let seg := mload(add(c_, 0x420))
                let kh := mload(add(c_, 0x80))
                let xs := mul(mload(add(c_, 0xe0)), mload(add(c_, 0x40)))
                let src := add(mload(add(c_, 0x220)), mul(mul(oy, mload(add(c_, 0xc0))), rowB))
                for { let n := mload(add(c_, 0x160)) } n { n := sub(n, 1) } {
                    let sv := src
                    for { let i := kh } i { i := sub(i, 1) } {
                        mstore(buf, mload(sv))
                        buf := add(buf, seg)
                        sv := add(sv, rowB)
                    }
                    src := add(src, xs)
                }
            }
            // Channels m ≤ 32 of the panel starting at channel co0, its lane words per row G = ⌈m/8⌉ and
            // its spread rows wp (_spreadI8).
            function panel(c_, co0) -> m, G, wp {
                m := sub(mload(add(c_, 0x60)), co0)
                if gt(m, 32) { m := 32 }
                G := shr(3, add(m, 7))
                if eq(G, 3) { G := 4 }
                wp := add(mload(add(c_, 0x240)), shl(2, mul(co0, mload(add(c_, 0x180)))))
            }
            // The lanes of one pixel-panel through run8 and the context lanes: gathered, one run of the
            // pixel's K taps from xb; else the valid taps from geom, one run per kernel row. Returns the
            // lane words (and clears the context lanes) unless a flush happened (context word 0x440; the
            // sums are then in the wide accumulators and the last rows in the context lanes).
            function lanesRun(c_, xb, co0) -> b0, b1, b2, b3 {
                let m, G, wp := panel(c_, co0)
                mstore(add(c_, 0x8a0), G)
                mstore(add(c_, 0x8e0), eq(m, 32))
                mstore(add(c_, 0x440), 0)
                mstore(add(c_, 0x360), 0)
                switch mload(add(c_, 0x300))
                case 0 {
                    let xp := add(mload(add(c_, 0x220)), mload(add(c_, 0x1a0)))
                    wp := add(wp, shl(5, mul(mload(add(c_, 0x1c0)), G)))
                    for { let i := mload(add(c_, 0x1e0)) } i { i := sub(i, 1) } {
                        run8(c_, xp, wp, mload(add(c_, 0x200)))
                        xp := add(xp, mload(add(c_, 0x400)))
                        wp := add(wp, shl(5, mul(mload(add(c_, 0x420)), G)))
                    }
                }
                default { run8(c_, xb, wp, mload(add(c_, 0x180))) }
                if iszero(mload(add(c_, 0x440))) {
                    b0 := mload(add(c_, 0x380))
                    b1 := mload(add(c_, 0x3a0))
                    b2 := mload(add(c_, 0x3c0))
                    b3 := mload(add(c_, 0x3e0))
                    mstore(add(c_, 0x380), 0)
                    mstore(add(c_, 0x3a0), 0)
                    mstore(add(c_, 0x3c0), 0)
                    mstore(add(c_, 0x3e0), 0)
                }
            }
            // The valid taps of the current pixel (geom), one run per kernel row, summed on the stack.
            function geomLanes(c_, G, wp) -> b0, b1, b2, b3 {
                let xp := add(mload(add(c_, 0x220)), mload(add(c_, 0x1a0)))
                wp := add(wp, shl(5, mul(mload(add(c_, 0x1c0)), G)))
                for { let i := mload(add(c_, 0x1e0)) } i { i := sub(i, 1) } {
                    let d0, d1, d2, d3 := rowsG(G, xp, add(xp, mload(add(c_, 0x200))), wp, mload(add(c_, 0x260)))
                    b0 := add(b0, d0)
                    b1 := add(b1, d1)
                    b2 := add(b2, d2)
                    b3 := add(b3, d3)
                    xp := add(xp, mload(add(c_, 0x400)))
                    wp := add(wp, shl(5, mul(mload(add(c_, 0x420)), G)))
                }
            }
            // The lanes of one pixel-panel when no flush can happen (K ≤ flushRows): gathered, one run of
            // the pixel's K taps from xb; else geomLanes. Kept on the stack.
            function lanesDirect(c_, xb, co0) -> b0, b1, b2, b3 {
                let m, G, wp := panel(c_, co0)
                switch mload(add(c_, 0x300))
                case 0 { b0, b1, b2, b3 := geomLanes(c_, G, wp) }
                default { b0, b1, b2, b3 := rowsG(G, xb, add(xb, mload(add(c_, 0x180))), wp, mload(add(c_, 0x260))) }
            }
            // One output pixel (outputs from o0 = pixel·Cout), every panel: accumulate, then emit
            // (context word 0x8c0: K ≤ flushRows, lanesDirect; else lanesRun with flushes).
            function pixel8(c_, o0, xb) {
                for { let co0 := 0 } lt(co0, mload(add(c_, 0x60))) { co0 := add(co0, 32) } {
                    let b0, b1, b2, b3
                    switch mload(add(c_, 0x8c0))
                    case 0 {
                        b0, b1, b2, b3 := lanesRun(c_, xb, co0)
                        if mload(add(c_, 0x440)) {
                            flush(c_)
                            emit8(c_, add(o0, co0), co0)
                            continue
                        }
                    }
                    default { b0, b1, b2, b3 := lanesDirect(c_, xb, co0) }
                    emitWords(c_, add(o0, co0), co0, b0, b1, b2, b3)
                }
            }
            // Two gathered pixels (outputs from o, taps from xb) of a single partial panel with G ≤ 2
            // words, through taps2x<G>: the raw lanes minus zc·Σ_r P_{r,k} (context words 0x900, 0x920)
            // are the pixels' lanes (Σ_r (u_r − zc)·P_{r,k}, exact mod 2^256 and bounded as in conv2dI8).
            function pair(c_, o, xb) {
                switch gt(mload(add(c_, 0x60)), 8)
                case 0 {
                    let b0, c0 := taps2x1(xb, add(xb, mload(add(c_, 0x180))), mload(add(c_, 0x240)), mload(add(c_, 0x180)))
                    emitWords(c_, o, 0, sub(b0, mload(add(c_, 0x900))), 0, 0, 0)
                    emitWords(c_, add(o, mload(add(c_, 0x60))), 0, sub(c0, mload(add(c_, 0x900))), 0, 0, 0)
                }
                default {
                    let b0, b1, c0, c1 := taps2x2(xb, add(xb, mload(add(c_, 0x180))), mload(add(c_, 0x240)), mload(add(c_, 0x180)))
                    c1 := sub(c1, mload(add(c_, 0x920)))
                    c0 := sub(c0, mload(add(c_, 0x900)))
                    emitWords(c_, o, 0, sub(b0, mload(add(c_, 0x900))), sub(b1, mload(add(c_, 0x920))), 0, 0)
                    emitWords(c_, add(o, mload(add(c_, 0x60))), 0, c0, c1, 0, 0)
                }
            }
            let ho := mload(add(c, 0x140))
            let wo := mload(add(c, 0x160))
            let gather := mload(add(c, 0x300))
            let direct := iszero(gt(mload(add(c, 0x180)), mload(add(c, 0x340))))
            mstore(add(c, 0x8c0), direct)
            // Pairs: the gathered path without flushes and one panel of ≤ 16 channels.
            let pairs := and(and(gather, direct), lt(mload(add(c, 0x60)), 17))
            let pstep := mul(wo, mload(add(c, 0x60)))
            for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } {
                if gather { gatherRow(c, oy) }
                let xb := mload(add(c, 0x860))
                let o := mul(oy, pstep)
                let ox := 0
                if pairs {
                    for {} lt(add(ox, 1), wo) { ox := add(ox, 2) } {
                        pair(c, o, xb)
                        o := add(o, shl(1, mload(add(c, 0x60))))
                        xb := add(xb, shl(1, mload(add(c, 0x180))))
                    }
                }
                for {} lt(ox, wo) { ox := add(ox, 1) } {
                    if iszero(gather) { geom(c, oy, ox) }
                    pixel8(c, o, xb)
                    o := add(o, mload(add(c, 0x60)))
                    xb := add(xb, mload(add(c, 0x180)))
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
