// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch, ValueOutOfRange} from "./Errors.sol";
import {Rounding} from "./Rounding.sol";
import {Int8Math} from "./Int8Math.sol";
import {Tensor} from "./Tensor.sol";
import {Conv, WindowGeometry} from "./Conv.sol";

/// @notice Shape of a depthwise 2-D convolution: input `H×W×C` (HWC), kernel `kh×kw×C×mult` (Keras
///         `depthwise_kernel` layout), strides `(sh, sw)`, `padding` 0 = 'valid', 1 = 'same'. The output
///         has `Cout = C·mult` channels; output channel `c·mult + m` convolves input channel `c` with
///         kernel slice `[:, :, c, m]`.
struct DepthwiseConv2dShape {
    uint256 H;
    uint256 W;
    uint256 C;
    uint256 mult;
    uint256 kh;
    uint256 kw;
    uint256 sh;
    uint256 sw;
    uint256 padding;
}

/// @title DepthwiseConv — depthwise 2-D convolution in both number modes.
/// @notice docs/numerics.md §5 (window geometry as conv2d), §3 (q accumulation), §4.1 (int8 accumulation),
///         §4.3 (requantization). Twin of assembly/tensor/DepthwiseConv.ts. With `o = c·mult + m`:
///         - q:    `y[oy][ox][o] = sat64(rshiftRound(Σ_{ky,kx} x[iy][ix][c]·k[ky][kx][c][m], F) + bias[o])`;
///         - int8: `acc[oy][ox][o] = bias[o] + Σ_{ky,kx} (x[iy][ix][c] − zx)·k[ky][kx][c][m]` (exact), and
///           the fused variant `requantize(acc, M[o], shift[o], zOut)`;
///         `iy = oy·sh − pad_top + ky`, `ix = ox·sw − pad_left + kx`; padded positions are 0 (q) or `zx`
///         (int8), i.e. they contribute nothing. The kernel is the Keras layout flattened, which is also
///         `[kh][kw][Cout]`: tap `(ky, kx)` holds one weight per output channel.
/// @dev Failure conditions, in this order in both tiers (numerics §2, as Conv):
///      - `InvalidShape(3)` a zero H, W, C, mult, kh or kw;
///      - `InvalidShape(2)` a zero stride; `InvalidShape(4)` a padding mode other than 0, 1;
///      - `InvalidShape(5)` a dimension, multiplier, window or stride ≥ 2^31, or `H·W·C`, `C·mult`,
///        `kh·kw·C·mult` (the kernel) or `H·W·C·mult` (the output bound) ≥ 2^31 (running products);
///      - `InvalidShape(1)` 'valid' with a window larger than the input;
///      - `ShapeMismatch(expected, actual)` buffer lengths in parameter order (bytes for `bytes`, entries
///        for arrays): x, kernel, bias (q: bytes; int8: entries), then (fused) M, shift;
///      - `ValueOutOfRange(F)` for `F ∉ [0, 62]` (q); `ValueOutOfRange(zx)` for `zx ∉ int8` (int8);
///      - fused: `InvalidRequantization(M[o], shift[o])` at the first bad channel, then `ValueOutOfRange(zOut)`.
///      Every fast kernel has a plain `…Ref` twin; tests/tensor/DepthwiseConv.fuzz.test.ts proves
///      fast == Ref == oracle.
library DepthwiseConv {
    /// @dev Taps per output above which the int8 fast kernel's 32-bit lanes could overflow (as
    ///      Conv.FLUSH_ROWS: `255·128·65536 < 2^31`); larger windows take the reference path.
    uint256 internal constant MAX_LANE_TAPS = 65536;

    /// @dev The low byte of each of the eight 32-bit lanes.
    uint256 private constant LANE_LOW_BYTE = 0x000000ff000000ff000000ff000000ff000000ff000000ff000000ff000000ff;
    /// @dev `0x80` in every byte: XOR turns int8 bytes into offset binary `x + 128`.
    uint256 private constant X80 = 0x8080808080808080808080808080808080808080808080808080808080808080;
    /// @dev 2^223: `sar(224, A + 2^223)` is the top signed 32-bit lane of a lane word (see Conv.conv2dI8).
    uint256 private constant LANE_TOP_HALF = 0x80000000000000000000000000000000000000000000000000000000;
    /// @dev The low 24 bytes of a word (everything after the first int64 element).
    uint256 private constant LOW192 = 0xffffffffffffffffffffffffffffffffffffffffffffffff;

    // ------------------------------------------------------------------------------ geometry

    /// @notice Validates a depthwise shape (codes 3, 2, 4, 5, 1 in that order, see the library doc) and
    ///         returns its geometry with `K = kh·kw` (taps per output).
    function checkShape(DepthwiseConv2dShape memory s) internal pure returns (WindowGeometry memory g) {
        if (s.H == 0 || s.W == 0 || s.C == 0 || s.mult == 0 || s.kh == 0 || s.kw == 0) revert InvalidShape(3);
        Conv.checkStridesPadding(s.sh, s.sw, s.padding);
        uint256 L = Conv.SHAPE_LIMIT;
        if (
            s.H >= L || s.W >= L || s.C >= L || s.mult >= L || s.kh >= L || s.kw >= L || s.sh >= L || s.sw >= L
        ) revert InvalidShape(5);
        Conv.count3(s.H, s.W, s.C);
        uint256 cout = Conv.count3(s.C, s.mult, 1);
        Conv.count3(s.kh, s.kw, cout);
        Conv.count3(s.H, s.W, cout);
        g = Conv.windowGeometry(s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.padding);
        unchecked {
            g.K = s.kh * s.kw; // < 2^31 (checked above)
        }
    }

    // ------------------------------------------------------------------------------ q mode

    /// @notice q-mode depthwise convolution (see the library doc): exact int256 accumulation
    ///         (`|x·k| < 2^126`, fewer than 2^31 taps), one RHAZ rescale by `F`, `+ bias`, saturation.
    /// @dev numerics §3, §5. `x` H·W·C, `kernel` kh·kw·C·mult, `bias` C·mult q elements (8-byte
    ///      big-endian int64); returns Ho·Wo·C·mult q elements. `0 ≤ F ≤ 62` else `ValueOutOfRange(F)`.
    ///      Fast path (Yul): per output pixel, the valid taps are visited once per group of 4 output
    ///      channels with 4 int256 accumulators on the stack; for `mult = 1` one 32-byte load of x and one
    ///      of the kernel serve the 4 channels (they are the same 4 consecutive channels in both), for
    ///      `mult > 1` each output channel runs alone. `depthwiseConv2dQRef` is the plain twin.
    function depthwiseConv2dQ(bytes memory x, bytes memory kernel, bytes memory bias, DepthwiseConv2dShape memory s, int256 F)
        internal
        pure
        returns (bytes memory y)
    {
        WindowGeometry memory g = _checkQ(x, kernel, bias, s, F);
        uint256 cout = s.C * s.mult;
        y = Tensor.allocQ(g.Ho * g.Wo * cout);
        uint256 c = _ctx(s, g);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(c, 0x1a0), add(x, 0x20))
            mstore(add(c, 0x1c0), add(kernel, 0x20))
            mstore(add(c, 0x1e0), add(bias, 0x20))
            mstore(add(c, 0x200), add(y, 0x20))
            mstore(add(c, 0x220), F)
        }
        _runQ(c);
    }

    /// @dev Shape, length and F checks of the q variants.
    function _checkQ(bytes memory x, bytes memory kernel, bytes memory bias, DepthwiseConv2dShape memory s, int256 F)
        private
        pure
        returns (WindowGeometry memory g)
    {
        g = checkShape(s);
        unchecked {
            // every count < 2^31 (checked): ·8 cannot overflow
            uint256 cout = s.C * s.mult;
            uint256 nx = s.H * s.W * s.C * 8;
            if (x.length != nx) revert ShapeMismatch(nx, x.length);
            uint256 nk = g.K * cout * 8;
            if (kernel.length != nk) revert ShapeMismatch(nk, kernel.length);
            if (bias.length != cout * 8) revert ShapeMismatch(cout * 8, bias.length);
        }
        if (F < 0 || F > 62) revert ValueOutOfRange(F);
    }

    /// @dev The kernel context block (scratch memory read by the assembly kernels). Layout (byte offsets):
    ///      0x000 H, 0x020 W, 0x040 C, 0x060 mult, 0x080 kh, 0x0a0 kw, 0x0c0 sh, 0x0e0 sw, 0x100 padTop,
    ///      0x120 padLeft, 0x140 Ho, 0x160 Wo, 0x180 Cout, 0x1a0 x data, 0x1c0 kernel data, 0x1e0 bias data,
    ///      0x200 y data, 0x220 F (q) / requant flag (int8); from 0x240 op-specific words.
    function _ctx(DepthwiseConv2dShape memory s, WindowGeometry memory g) private pure returns (uint256 c) {
        /// @solidity memory-safe-assembly
        assembly {
            c := mload(0x40)
            mstore(0x40, add(c, 0x4c0))
            mcopy(c, s, 0x100) // H, W, C, mult, kh, kw, sh, sw
            mstore(add(c, 0x100), mload(add(g, 0x40))) // padTop
            mstore(add(c, 0x120), mload(add(g, 0x60))) // padLeft
            mstore(add(c, 0x140), mload(g)) // Ho
            mstore(add(c, 0x160), mload(add(g, 0x20))) // Wo
            mstore(add(c, 0x180), mul(mload(add(s, 0x40)), mload(add(s, 0x60)))) // Cout = C·mult
        }
    }

    /// @dev The q kernel. Per output pixel: the valid taps `ky ∈ [ky0, ky1)`, `kx ∈ [kx0, kx1)` (as
    ///      Conv.span); context words 0x240 nky, 0x260 nkx, 0x280 x of the first valid tap (channel 0),
    ///      0x2a0 kernel row of the first valid tap (output channel 0), 0x2c0 bytes per input row
    ///      (8·W·C), 0x2e0 bytes per kernel row (8·kw·Cout).
    function _runQ(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // Valid taps of output pixel (oy, ox) — equivalent to Conv.span on both axes.
            function geomQ(c_, oy, ox) {
                let st := sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))
                let ky0 := 0
                if slt(st, 0) { ky0 := sub(0, st) }
                let ky1 := mload(add(c_, 0x80))
                let lim := sub(mload(c_), st)
                if slt(lim, ky1) { ky1 := lim }
                let sx := sub(mul(ox, mload(add(c_, 0xe0))), mload(add(c_, 0x120)))
                let kx0 := 0
                if slt(sx, 0) { kx0 := sub(0, sx) }
                let kx1 := mload(add(c_, 0xa0))
                let limx := sub(mload(add(c_, 0x20)), sx)
                if slt(limx, kx1) { kx1 := limx }
                mstore(add(c_, 0x240), sub(ky1, ky0))
                mstore(add(c_, 0x260), sub(kx1, kx0))
                // x element (channel 0) of input (st + ky0, sx + kx0); kernel element (channel 0) of tap (ky0, kx0)
                let xi := mul(add(mul(add(st, ky0), mload(add(c_, 0x20))), add(sx, kx0)), mload(add(c_, 0x40)))
                mstore(add(c_, 0x280), add(mload(add(c_, 0x1a0)), shl(3, xi)))
                let ki := mul(add(mul(ky0, mload(add(c_, 0xa0))), kx0), mload(add(c_, 0x180)))
                mstore(add(c_, 0x2a0), add(mload(add(c_, 0x1c0)), shl(3, ki)))
            }
            // mult = 1, one kernel row: Σ over n taps of x[·][c .. c+3]·k[·][c .. c+3] (xq, wq → channel c of
            // the first tap; x and the kernel both advance 8·C bytes per tap as Cout = C). Exact: |x·k| < 2^126.
            function qrow4(xq, wq, n, step) -> b0, b1, b2, b3 {
                for {} n { n := sub(n, 1) } {
                    let xv := mload(xq)
                    let w := mload(wq)
                    // Equivalent to: b_j += int64(x[c + j])·int64(k[c + j]) for j = 0..3
                    b0 := add(b0, mul(sar(192, xv), sar(192, w)))
                    b1 := add(b1, mul(sar(192, shl(64, xv)), sar(192, shl(64, w))))
                    b2 := add(b2, mul(sar(192, shl(128, xv)), sar(192, shl(128, w))))
                    b3 := add(b3, mul(signextend(7, xv), signextend(7, w)))
                    xq := add(xq, step)
                    wq := add(wq, step)
                }
            }
            // mult = 1: the valid kernel rows of the current pixel for channels c .. c+3.
            function taps4(c_, xp, wp) -> a0, a1, a2, a3 {
                for { let i := mload(add(c_, 0x240)) } i { i := sub(i, 1) } {
                    let b0, b1, b2, b3 := qrow4(xp, wp, mload(add(c_, 0x260)), shl(3, mload(add(c_, 0x40))))
                    a0 := add(a0, b0)
                    a1 := add(a1, b1)
                    a2 := add(a2, b2)
                    a3 := add(a3, b3)
                    xp := add(xp, mload(add(c_, 0x2c0)))
                    wp := add(wp, mload(add(c_, 0x2e0)))
                }
            }
            // Any mult, one kernel row: Σ over n taps of x[·][c]·k[·][o] (x advances 8·C, the kernel 8·Cout).
            function qrow1(xq, wq, n, xs, ws) -> b {
                for {} n { n := sub(n, 1) } {
                    b := add(b, mul(sar(192, mload(xq)), sar(192, mload(wq))))
                    xq := add(xq, xs)
                    wq := add(wq, ws)
                }
            }
            // Any mult: the valid kernel rows of the current pixel for one output channel.
            function taps1(c_, xp, wp) -> a {
                for { let i := mload(add(c_, 0x240)) } i { i := sub(i, 1) } {
                    a := add(a, qrow1(xp, wp, mload(add(c_, 0x260)), shl(3, mload(add(c_, 0x40))), shl(3, mload(add(c_, 0x180)))))
                    xp := add(xp, mload(add(c_, 0x2c0)))
                    wp := add(wp, mload(add(c_, 0x2e0)))
                }
            }
            // Equivalent to Tensor.storeQ(y, ·, Rounding.sat64(Rounding.rshiftRound(acc, F) + bias)) with a
            // whole-word store (elements are written in increasing address order; allocQ's spare word).
            function emitQ(yp, acc, F, b) {
                if F { acc := sar(F, add(acc, sub(shl(sub(F, 1), 1), slt(acc, 0)))) }
                acc := add(acc, b) // |acc| < 2^158 + 2^63: no wrap
                if sgt(acc, 0x7fffffffffffffff) { acc := 0x7fffffffffffffff }
                if slt(acc, not(0x7fffffffffffffff)) { acc := not(0x7fffffffffffffff) }
                mstore(yp, shl(192, acc))
            }
            // mult = 1: output channels o .. o+3 of the current pixel at yp; returns the next yp.
            function qgroup4(c_, yp, o) -> ypOut {
                let a0, a1, a2, a3 := taps4(c_, add(mload(add(c_, 0x280)), shl(3, o)), add(mload(add(c_, 0x2a0)), shl(3, o)))
                // Channels past Cout (the last group) read neighbouring memory; they are never written.
                let m := sub(mload(add(c_, 0x180)), o)
                let b := add(mload(add(c_, 0x1e0)), shl(3, o))
                let F := mload(add(c_, 0x220))
                emitQ(yp, a0, F, sar(192, mload(b)))
                if gt(m, 1) { emitQ(add(yp, 8), a1, F, sar(192, mload(add(b, 8)))) }
                if gt(m, 2) { emitQ(add(yp, 16), a2, F, sar(192, mload(add(b, 16)))) }
                if gt(m, 3) { emitQ(add(yp, 24), a3, F, sar(192, mload(add(b, 24)))) }
                if gt(m, 4) { m := 4 }
                ypOut := add(yp, shl(3, m))
            }
            // The Cout outputs of the current pixel from yp (increasing addresses); returns the next yp.
            function qpixel(c_, yp) -> ypOut {
                let cout := mload(add(c_, 0x180))
                let mult := mload(add(c_, 0x60))
                switch mult
                case 1 { for { let o := 0 } lt(o, cout) { o := add(o, 4) } { yp := qgroup4(c_, yp, o) } }
                default {
                    for { let o := 0 } lt(o, cout) { o := add(o, 1) } {
                        // input channel ⌊o / mult⌋, kernel column o
                        let a := taps1(c_, add(mload(add(c_, 0x280)), shl(3, div(o, mult))), add(mload(add(c_, 0x2a0)), shl(3, o)))
                        emitQ(yp, a, mload(add(c_, 0x220)), sar(192, mload(add(mload(add(c_, 0x1e0)), shl(3, o)))))
                        yp := add(yp, 8)
                    }
                }
                ypOut := yp
            }
            mstore(add(c, 0x2c0), shl(3, mul(mload(add(c, 0x20)), mload(add(c, 0x40)))))
            mstore(add(c, 0x2e0), shl(3, mul(mload(add(c, 0xa0)), mload(add(c, 0x180)))))
            let ho := mload(add(c, 0x140))
            let wo := mload(add(c, 0x160))
            let yp := mload(add(c, 0x200))
            for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } {
                for { let ox := 0 } lt(ox, wo) { ox := add(ox, 1) } {
                    geomQ(c, oy, ox)
                    yp := qpixel(c, yp)
                }
            }
        }
    }

    /// @notice Plain reference twin of `depthwiseConv2dQ` (same result and failures, no assembly).
    /// @dev numerics §3, §5, transcribed directly with int256 arithmetic.
    function depthwiseConv2dQRef(bytes memory x, bytes memory kernel, bytes memory bias, DepthwiseConv2dShape memory s, int256 F)
        internal
        pure
        returns (bytes memory y)
    {
        WindowGeometry memory g = _checkQ(x, kernel, bias, s, F);
        uint256 cout = s.C * s.mult;
        y = Tensor.allocQ(g.Ho * g.Wo * cout);
        RefTaps memory t;
        uint256 i = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _refSpan(t, s, g, oy, ox);
                for (t.o = 0; t.o < cout; t.o++) {
                    int256 v = Rounding.rshiftRound(_refTaps(x, kernel, s, t), uint256(F)) + Tensor.loadQ(bias, t.o);
                    Tensor.storeQ(y, i++, Rounding.sat64(v));
                }
            }
        }
    }

    /// @dev The valid taps of one output pixel of the reference kernels (plain loops).
    struct RefTaps {
        uint256 iy0; // input row of tap ky0
        uint256 ky0;
        uint256 ky1;
        uint256 ix0; // input column of tap kx0
        uint256 kx0;
        uint256 kx1;
        uint256 o; // output channel
        int256 zx;
        bool int8Mode;
    }

    function _refSpan(RefTaps memory t, DepthwiseConv2dShape memory s, WindowGeometry memory g, uint256 oy, uint256 ox)
        private
        pure
    {
        (t.iy0, t.ky0, t.ky1) = Conv.span(oy, s.sh, g.padTop, s.kh, s.H);
        (t.ix0, t.kx0, t.kx1) = Conv.span(ox, s.sw, g.padLeft, s.kw, s.W);
    }

    /// @dev Σ over the valid taps of output channel t.o (input channel t.o / mult): q `x·k`, int8
    ///      `(x − zx)·k`. Padded taps hold 0 (q) or zx (int8) and contribute 0: they are skipped.
    function _refTaps(bytes memory x, bytes memory kernel, DepthwiseConv2dShape memory s, RefTaps memory t)
        private
        pure
        returns (int256 acc)
    {
        uint256 cout = s.C * s.mult;
        uint256 ci = t.o / s.mult;
        for (uint256 ky = t.ky0; ky < t.ky1; ky++) {
            for (uint256 kx = t.kx0; kx < t.kx1; kx++) {
                uint256 xi = ((t.iy0 + ky - t.ky0) * s.W + (t.ix0 + kx - t.kx0)) * s.C + ci;
                uint256 ki = (ky * s.kw + kx) * cout + t.o;
                if (t.int8Mode) acc += (Tensor.loadI8(x, xi) - t.zx) * Tensor.loadI8(kernel, ki);
                else acc += Tensor.loadQ(x, xi) * Tensor.loadQ(kernel, ki);
            }
        }
    }

    // ------------------------------------------------------------------------------ int8 mode

    /// @notice int8 depthwise accumulators `acc[oy][ox][o] = bias[o] + Σ (x − zx)·k` (numerics §4.1,
    ///         padded positions hold `zx`). Exact.
    /// @dev numerics §4.1, §5. `x` int8 bytes H·W·C; `kernel` int8 bytes kh·kw·C·mult (Keras layout,
    ///      row-major); `bias` int32, one per output channel. Returns Ho·Wo·Cout int64 big-endian (the q
    ///      byte layout). `zx ∉ int8` → `ValueOutOfRange(zx)`.
    ///
    ///      SWAR kernel (the result is §4.1 exactly). Depthwise has no reduction over channels, so the
    ///      lanes run along the output row instead: eight consecutive output columns of one channel share
    ///      every weight, which is the scalar multiplier.
    ///      1. Once per call the input is copied, as offset binary `u = x + 128 ∈ [0, 255]`, into "group
    ///         planes": per group of 4 channels and input row, one 4-byte slot per padded column `j`
    ///         (channel `4g + r` at byte `r` of the slot), the left/right padding and a tail holding
    ///         `zc = zx + 128` (a padded position's `u`) in every byte. Each row is split by column phase
    ///         (`j mod sw`), so that the inputs of eight consecutive output columns of one tap are eight
    ///         consecutive slots: one (unaligned) 32-byte load whose 32-bit lanes hold channel `4g + r`
    ///         in their low byte after a load at offset `r − 3` and a mask (`LANE_LOW_BYTE`). The masked
    ///         lanes are non-negative, so the word IS `Σ_i u_i·2^(32(7−i))`. One 32-byte copy per pixel
    ///         and group builds the planes (ascending stores; the 28 bytes each store spills past its slot
    ///         are overwritten by the next slot or restored to `zc` after the last slot of a run).
    ///      2. Per output channel and row, for each valid kernel row and every kx: `A += U·w` (mod 2^256,
    ///         w the signed int8 weight). Then `A ≡ Σ_i L_i·2^(32(7−i))` with `L_i = Σ_taps u·w`,
    ///         `|L_i| ≤ 255·128·taps < 2^31 − 2^23` for ≤ MAX_LANE_TAPS taps, so A read as int256 is that
    ///         exact value and the lanes decode from the top exactly as in Conv.conv2dI8
    ///         (`L = sar(224, A + 2^223)`, `A ← A << 32`).
    ///      3. `Σ_valid (x − zx)·w = Σ_taps u·w − zc·Σ_taps w`, the taps being every kx of the valid kernel
    ///         rows (a padded column has `u = zc` and contributes `(zc − zc)·w = 0`); `Σ_taps w` is the sum
    ///         of the valid kernel rows' weight sums, one number per output channel and output row, folded
    ///         with the bias.
    ///      Windows of more than MAX_LANE_TAPS taps (never seen in practice) take the reference path.
    function depthwiseConv2dI8(bytes memory x, int256 zx, bytes memory kernel, int32[] memory bias, DepthwiseConv2dShape memory s)
        internal
        pure
        returns (bytes memory acc)
    {
        return _i8Fast(x, zx, kernel, bias, s, new int256[](0), new int256[](0), 0, false);
    }

    /// @notice Fused int8 depthwise convolution and per-output-channel requantization:
    ///         `y[oy][ox][o] = requantize(acc[oy][ox][o], M[o], shift[o], zOut)` (numerics §4.3).
    /// @dev numerics §4.1, §4.3, §5. Arguments as `depthwiseConv2dI8` plus `M`, `shift` (Cout entries,
    ///      `0 ≤ M < 2^31`, `0 ≤ shift ≤ 126`) and `zOut ∈ int8`. Returns Ho·Wo·Cout int8 bytes.
    function depthwiseConv2dI8Requant(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) internal pure returns (bytes memory y) {
        return _i8Fast(x, zx, kernel, bias, s, M, shift, zOut, true);
    }

    /// @dev All int8 checks (shape, x, kernel, bias, zx, then for the fused variant M, shift lengths,
    ///      every channel's (M, shift), zOut).
    function _checkI8(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut,
        bool requant
    ) private pure returns (WindowGeometry memory g) {
        g = checkShape(s);
        uint256 cout;
        unchecked {
            cout = s.C * s.mult;
            uint256 nx = s.H * s.W * s.C;
            if (x.length != nx) revert ShapeMismatch(nx, x.length);
            uint256 nk = g.K * cout;
            if (kernel.length != nk) revert ShapeMismatch(nk, kernel.length);
        }
        if (bias.length != cout) revert ShapeMismatch(cout, bias.length);
        Int8Math.checkI8(zx);
        if (requant) {
            if (M.length != cout) revert ShapeMismatch(cout, M.length);
            if (shift.length != cout) revert ShapeMismatch(cout, shift.length);
            for (uint256 o = 0; o < cout; o++) {
                Int8Math.checkRequantization(M[o], shift[o]);
            }
            Int8Math.checkI8(zOut);
        }
    }

    function _i8Fast(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut,
        bool requant
    ) private pure returns (bytes memory y) {
        WindowGeometry memory g = _checkI8(x, zx, kernel, bias, s, M, shift, zOut, requant);
        if (g.K > MAX_LANE_TAPS) return _i8Ref(x, zx, kernel, bias, s, g, RefRequant(M, shift, zOut, requant));
        uint256 n = g.Ho * g.Wo * s.C * s.mult;
        y = requant ? Tensor.allocI8(n) : Tensor.allocQ(n);
        uint256 c = _ctx(s, g);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(c, 0x1a0), add(x, 0x20))
            mstore(add(c, 0x1c0), add(kernel, 0x20))
            mstore(add(c, 0x1e0), add(bias, 0x20))
            mstore(add(c, 0x200), add(y, 0x20))
            mstore(add(c, 0x220), requant)
            mstore(add(c, 0x240), add(M, 0x20))
            mstore(add(c, 0x260), add(shift, 0x20))
            mstore(add(c, 0x280), zOut)
            mstore(add(c, 0x2a0), add(zx, 128)) // zc
        }
        _planeI8(c);
        _copyI8(c);
        _runI8(c);
    }

    /// @dev Step 1 (see depthwiseConv2dI8): the plane geometry, the group planes, the tap table. Context
    ///      words: 0x2c0 planes (group g at + g·GP), 0x2e0 R = 4·sw·Tp (row bytes), 0x300 Tp (slots per
    ///      phase), 0x320 nb = ⌈Wo/8⌉ (lane blocks per output row), 0x340 tap table (kh·kw entries [d, w]:
    ///      d = ky·R + 4·((kx mod sw)·Tp + ⌊kx/sw⌋) the byte offset of tap (ky, kx) relative to the first
    ///      slot of the block, w the current channel's weight), 0x360 the prefix sums of the kernel-row weight
    ///      sums (kh + 1 words), 0x400 GP = H·R (bytes per group plane).
    ///      Padded width `Wp = max((8·nb − 1)·sw + kw, padLeft + W)` covers every slot any block reads
    ///      (valid outputs read `j ≤ (Wo − 1)·sw + kw − 1`, a block's spare lanes up to `(8·nb − 1)·sw +
    ///      kw − 1`) and every input column; `Tp = ⌈Wp/sw⌉`; slot `j` of a row is entry `⌊j/sw⌋` of phase
    ///      `j mod sw`. A load for channel `4g + r` starts `3 − r` bytes before its first slot, so the planes
    ///      have 32 bytes of `zc` before them; every byte any load reads holds a value in [0, 255].
    function _planeI8(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let sw := mload(add(c, 0xe0))
            let kw := mload(add(c, 0xa0))
            let nb := shr(3, add(mload(add(c, 0x160)), 7))
            let wp := add(mul(sub(shl(3, nb), 1), sw), kw)
            let wIn := add(mload(add(c, 0x120)), mload(add(c, 0x20)))
            if gt(wIn, wp) { wp := wIn }
            let tp := div(add(wp, sub(sw, 1)), sw)
            let r := shl(2, mul(sw, tp))
            let gp := mul(mload(c), r)
            // 32 bytes before the planes, G planes, 32 bytes after
            let words := add(shr(5, add(mul(shr(2, add(mload(add(c, 0x40)), 3)), gp), 31)), 2)
            let start := mload(0x40)
            let zb := mul(mload(add(c, 0x2a0)), 0x0101010101010101010101010101010101010101010101010101010101010101)
            for { let i := 0 } lt(i, words) { i := add(i, 1) } { mstore(add(start, shl(5, i)), zb) }
            let kh := mload(add(c, 0x80))
            let table := add(start, shl(5, words))
            let rowsum := add(table, shl(6, mul(kh, kw)))
            mstore(0x40, add(rowsum, shl(5, add(kh, 1))))
            // tap offsets d (the weights are written per output channel)
            let e := table
            for { let ky := 0 } lt(ky, kh) { ky := add(ky, 1) } {
                for { let kx := 0 } lt(kx, kw) { kx := add(kx, 1) } {
                    mstore(e, add(mul(ky, r), shl(2, add(mul(mod(kx, sw), tp), div(kx, sw)))))
                    e := add(e, 0x40)
                }
            }
            mstore(add(c, 0x2c0), add(start, 0x20))
            mstore(add(c, 0x2e0), r)
            mstore(add(c, 0x300), tp)
            mstore(add(c, 0x320), nb)
            mstore(add(c, 0x340), table)
            mstore(add(c, 0x360), rowsum)
            mstore(add(c, 0x400), gp)
        }
    }

    /// @dev Step 1's copy: every input pixel's 4-channel groups into their slots (see depthwiseConv2dI8).
    ///      Per group, input row and phase p, the valid columns j ≡ p (mod sw), j ∈ [padLeft, padLeft + W),
    ///      are consecutive slots; each 32-byte store writes its slot and 28 bytes of neighbouring channels'
    ///      bytes over the following slots, which the next store overwrites; after a run's last slot the 32
    ///      bytes are restored to `zc` (they are padding or not yet written: groups, rows and phases are
    ///      visited in increasing address order).
    function _copyI8(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // One run: n slots from src (input stride xs) to dst, then the 32 bytes after it back to zc.
            // Context: 0x440 xs = sw·C, 0x460 zc in every byte, 0x480 n.
            function copyRun(c_, src, dst) {
                let xs := mload(add(c_, 0x440))
                let n := mload(add(c_, 0x480))
                // Equivalent to: slot[k] := bytes x[iy][ix][4g .. 4g+3] ^ 0x80 (= x + 128) for k < n
                for { let end := add(dst, shl(2, and(n, not(3)))) } lt(dst, end) { dst := add(dst, 16) } {
                    mstore(dst, xor(mload(src), X80))
                    src := add(src, xs)
                    mstore(add(dst, 4), xor(mload(src), X80))
                    src := add(src, xs)
                    mstore(add(dst, 8), xor(mload(src), X80))
                    src := add(src, xs)
                    mstore(add(dst, 12), xor(mload(src), X80))
                    src := add(src, xs)
                }
                for { let end := add(dst, shl(2, and(n, 3))) } lt(dst, end) { dst := add(dst, 4) } {
                    mstore(dst, xor(mload(src), X80))
                    src := add(src, xs)
                }
                mstore(dst, mload(add(c_, 0x460)))
            }
            // Per phase p (table at 0x4a0: 3 words per phase): the first column j ≥ padLeft with j ≡ p (mod sw),
            // the number n of valid columns of the phase (0 if none), the input offset (j − padLeft)·C and
            // the slot offset 4·(p·Tp + ⌊j/sw⌋) within a row.
            function phases(c_) {
                let sw := mload(add(c_, 0xe0))
                let pl := mload(add(c_, 0x120))
                let wEnd := add(pl, mload(add(c_, 0x20)))
                let t := mload(0x40)
                mstore(0x40, add(t, mul(sw, 0x60)))
                mstore(add(c_, 0x4a0), t)
                for { let p := 0 } lt(p, sw) { p := add(p, 1) } {
                    let j := add(pl, mod(add(sub(p, mod(pl, sw)), sw), sw))
                    let n := 0
                    if lt(j, wEnd) { n := add(div(sub(sub(wEnd, j), 1), sw), 1) }
                    mstore(t, n)
                    mstore(add(t, 0x20), mul(sub(j, pl), mload(add(c_, 0x40))))
                    mstore(add(t, 0x40), shl(2, add(mul(p, mload(add(c_, 0x300))), div(j, sw))))
                    t := add(t, 0x60)
                }
            }
            // Input row iy of group g: its phases in increasing address order (src → pixel (iy, 0), channel
            // 4g; dst → the row's first slot).
            function copyRow(c_, src, dst) {
                let t := mload(add(c_, 0x4a0))
                for { let end := add(t, mul(mload(add(c_, 0xe0)), 0x60)) } lt(t, end) { t := add(t, 0x60) } {
                    if mload(t) {
                        mstore(add(c_, 0x480), mload(t))
                        copyRun(c_, add(src, mload(add(t, 0x20))), add(dst, mload(add(t, 0x40))))
                    }
                }
            }
            mstore(add(c, 0x440), mul(mload(add(c, 0xe0)), mload(add(c, 0x40))))
            mstore(add(c, 0x460), mul(mload(add(c, 0x2a0)), 0x0101010101010101010101010101010101010101010101010101010101010101))
            phases(c)
            let xrow := mul(mload(add(c, 0x20)), mload(add(c, 0x40)))
            let dst := mload(add(c, 0x2c0))
            // Groups, rows and phases in increasing address order: a run's spill and restore only touch
            // slots written later or padding.
            for { let g := 0 } lt(shl(2, g), mload(add(c, 0x40))) { g := add(g, 1) } {
                let src := add(mload(add(c, 0x1a0)), shl(2, g))
                for { let iy := mload(c) } iy { iy := sub(iy, 1) } {
                    copyRow(c, src, dst)
                    src := add(src, xrow)
                    dst := add(dst, mload(add(c, 0x2e0)))
                }
            }
        }
    }

    /// @dev Steps 2 and 3 and the output, per output channel and output row.
    function _runI8(uint256 c) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // The weights of output channel o into the tap table, and the prefix sums of the kernel-row weight
            // sums: S[k] = Σ_{ky < k} Σ_kx k[ky][kx][o], k = 0..kh.
            function weights(c_, o) {
                let cout := mload(add(c_, 0x180))
                let kw := mload(add(c_, 0xa0))
                let kp := add(mload(add(c_, 0x1c0)), o)
                let e := add(mload(add(c_, 0x340)), 0x20)
                let rs := mload(add(c_, 0x360))
                let sum := 0
                mstore(rs, 0)
                for { let ky := mload(add(c_, 0x80)) } ky { ky := sub(ky, 1) } {
                    for { let kx := kw } kx { kx := sub(kx, 1) } {
                        let wv := signextend(0, byte(0, mload(kp))) // int8 k[ky][kx][o]
                        mstore(e, wv)
                        sum := add(sum, wv)
                        e := add(e, 0x40)
                        kp := add(kp, cout)
                    }
                    rs := add(rs, 0x20)
                    mstore(rs, sum)
                }
            }
            // BEGIN GENERATED dwEmit (scripts/gen-depthwise.ts)
            // Step 2 for 1, 2 or 4 blocks of 8 output columns sharing each weight: a_b = Σ_taps U_b·w over the
            // tap entries [d, w] in [tb, te), U_b the masked lane word at p + d + 32b (mod 2^256, exact: see
            // depthwiseConv2dI8). 3 taps per iteration, then one at a time.
            function taps1(p, tb, te) -> a0 {
                for {} lt(add(tb, 128), te) { tb := add(tb, 192) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 64)))
                        let w := mload(add(tb, 96))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 128)))
                        let w := mload(add(tb, 160))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                    }
                }
                for {} lt(tb, te) { tb := add(tb, 64) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                    }
                }
            }
            function taps2(p, tb, te) -> a0, a1 {
                for {} lt(add(tb, 128), te) { tb := add(tb, 192) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 64)))
                        let w := mload(add(tb, 96))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 128)))
                        let w := mload(add(tb, 160))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                    }
                }
                for {} lt(tb, te) { tb := add(tb, 64) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                    }
                }
            }
            function taps4(p, tb, te) -> a0, a1, a2, a3 {
                for {} lt(add(tb, 128), te) { tb := add(tb, 192) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                        a2 := add(a2, mul(and(mload(add(q, 64)), LANE_LOW_BYTE), w))
                        a3 := add(a3, mul(and(mload(add(q, 96)), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 64)))
                        let w := mload(add(tb, 96))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                        a2 := add(a2, mul(and(mload(add(q, 64)), LANE_LOW_BYTE), w))
                        a3 := add(a3, mul(and(mload(add(q, 96)), LANE_LOW_BYTE), w))
                    }
                    {
                        let q := add(p, mload(add(tb, 128)))
                        let w := mload(add(tb, 160))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                        a2 := add(a2, mul(and(mload(add(q, 64)), LANE_LOW_BYTE), w))
                        a3 := add(a3, mul(and(mload(add(q, 96)), LANE_LOW_BYTE), w))
                    }
                }
                for {} lt(tb, te) { tb := add(tb, 64) } {
                    {
                        let q := add(p, mload(tb))
                        let w := mload(add(tb, 32))
                        a0 := add(a0, mul(and(mload(q), LANE_LOW_BYTE), w))
                        a1 := add(a1, mul(and(mload(add(q, 32)), LANE_LOW_BYTE), w))
                        a2 := add(a2, mul(and(mload(add(q, 64)), LANE_LOW_BYTE), w))
                        a3 := add(a3, mul(and(mload(add(q, 96)), LANE_LOW_BYTE), w))
                    }
                }
            }
            // A full lane word (8 output columns) requantized to int8 at yp, yp + step, …; returns the next yp.
            // Equivalent to, for i = 0..7: mstore8(yp + i·step, Int8Math.requantizeUnchecked(L_i + corr, m, s, z))
            // with L_i = sar(224, A + 2^223) after i left shifts by 32 (exact, see depthwiseConv2dI8), s ≥ 1 and
            // rcz = 2^(s−1) + z·2^s (a zero shift is passed as (2m, 1), the same value): sar(s, v + rcz − [v < 0])
            // = rshiftRound(v, s) + z. |L_i + corr| < 2^48 and m < 2^32: the product is exact; the one comparison
            // tests v ∉ [−128, 127] and saturates.
            function emitFull8(a, yp, step, corr, m, s, rcz) -> ypOut {
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                ypOut := yp
            }
            // END GENERATED dwEmit
            // The first n < 8 lanes of A, requantized (the loop twin of emitFull8).
            function emitI8(a, n, yp, step, corr, m, s, rcz) -> ypOut {
                for {} n { n := sub(n, 1) } {
                    let v := mul(add(sar(224, add(a, LANE_TOP_HALF)), corr), m)
                    a := shl(32, a)
                    v := sar(s, add(v, sub(rcz, slt(v, 0))))
                    if gt(add(v, 128), 255) { v := sub(127, mul(255, slt(v, 0))) }
                    mstore8(yp, v)
                    yp := add(yp, step)
                }
                ypOut := yp
            }
            // The first n ≤ 8 lanes of A (top first) + corr as int64 (read-modify-write: other channels of
            // the same pixels are written at other times).
            function emit64(a, n, yp, step, corr) -> ypOut {
                for {} n { n := sub(n, 1) } {
                    let v := add(sar(224, add(a, LANE_TOP_HALF)), corr)
                    a := shl(32, a)
                    mstore(yp, or(and(mload(yp), LOW192), shl(192, v)))
                    yp := add(yp, step)
                }
                ypOut := yp
            }
            // One block's lanes to the output: min(8, rem) of them; returns the advanced yp.
            function emit(c_, a, rem, yp, corr) -> ypOut {
                let step := mload(add(c_, 0x180))
                switch mload(add(c_, 0x220))
                case 0 {
                    if gt(rem, 8) { rem := 8 }
                    ypOut := emit64(a, rem, yp, shl(3, step), corr)
                }
                default {
                    switch lt(rem, 8)
                    case 0 {
                        ypOut := emitFull8(a, yp, step, corr, mload(add(c_, 0x3a0)), mload(add(c_, 0x3c0)), mload(add(c_, 0x3e0)))
                    }
                    default {
                        ypOut := emitI8(a, rem, yp, step, corr, mload(add(c_, 0x3a0)), mload(add(c_, 0x3c0)), mload(add(c_, 0x3e0)))
                    }
                }
            }
            // The tap entries [tb, te) of output row oy — the valid kernel rows [ky0, ky1) as Conv.span —
            // and corr = bias[o] − zc·(S[ky1] − S[ky0]) (step 3).
            function rowTaps(c_, oy) -> tb, te, corr {
                let st := sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))
                let ky0 := 0
                if slt(st, 0) { ky0 := sub(0, st) }
                let ky1 := mload(add(c_, 0x80))
                let lim := sub(mload(c_), st)
                if slt(lim, ky1) { ky1 := lim }
                let rs := mload(add(c_, 0x360))
                // Σ_taps w = S[ky1] − S[ky0]; |zc·Σ w| ≤ 255·128·kh·kw < 2^46, |bias| < 2^31
                corr := sub(mload(add(rs, shl(5, ky1))), mload(add(rs, shl(5, ky0))))
                corr := sub(mload(add(c_, 0x380)), mul(mload(add(c_, 0x2a0)), corr))
                let kw := mload(add(c_, 0xa0))
                tb := add(mload(add(c_, 0x340)), shl(6, mul(ky0, kw)))
                te := add(mload(add(c_, 0x340)), shl(6, mul(ky1, kw)))
            }
            // Output row oy of output channel o (its weights in the tap table): blocks of 32, 16 or 8
            // output columns. p → the load address of the channel's first slot in input row
            // st = oy·sh − padTop (context 0x420 holds it for row 0; it wraps below the planes when st < 0,
            // but only rows ≥ ky0 = −st are read).
            function outRow(c_, o, oy) {
                let tb, te, corr := rowTaps(c_, oy)
                let p := add(mload(add(c_, 0x420)), mul(sub(mul(oy, mload(add(c_, 0xc0))), mload(add(c_, 0x100))), mload(add(c_, 0x2e0))))
                let rem := mload(add(c_, 0x160))
                let yp := mload(add(c_, 0x200))
                switch mload(add(c_, 0x220))
                case 0 { yp := add(yp, shl(3, add(mul(mul(oy, rem), mload(add(c_, 0x180))), o))) }
                default { yp := add(yp, add(mul(mul(oy, rem), mload(add(c_, 0x180))), o)) }
                for {} gt(rem, 24) {} {
                    let a0, a1, a2, a3 := taps4(p, tb, te)
                    yp := emit(c_, a0, rem, yp, corr)
                    yp := emit(c_, a1, sub(rem, 8), yp, corr)
                    yp := emit(c_, a2, sub(rem, 16), yp, corr)
                    yp := emit(c_, a3, sub(rem, 24), yp, corr)
                    p := add(p, 0x80)
                    switch gt(rem, 32)
                    case 0 { rem := 0 }
                    default { rem := sub(rem, 32) }
                }
                for {} gt(rem, 8) {} {
                    let a0, a1 := taps2(p, tb, te)
                    yp := emit(c_, a0, rem, yp, corr)
                    yp := emit(c_, a1, sub(rem, 8), yp, corr)
                    p := add(p, 0x40)
                    switch gt(rem, 16)
                    case 0 { rem := 0 }
                    default { rem := sub(rem, 16) }
                }
                if rem { yp := emit(c_, taps1(p, tb, te), rem, yp, corr) }
            }
            // Per-channel context: bias (0x380), requantization m, s ≥ 1, rcz = 2^(s−1) + zOut·2^s (0x3a0..0x3e0;
            // a zero shift becomes (2m, 1), the same value), and the load base of input channel c (0x420).
            function channel(c_, o) {
                mstore(add(c_, 0x380), signextend(3, mload(add(mload(add(c_, 0x1e0)), shl(5, o))))) // int32 bias[o]
                if mload(add(c_, 0x220)) {
                    let m := mload(add(mload(add(c_, 0x240)), shl(5, o)))
                    let s := mload(add(mload(add(c_, 0x260)), shl(5, o)))
                    if iszero(s) {
                        m := shl(1, m)
                        s := 1
                    }
                    mstore(add(c_, 0x3a0), m)
                    mstore(add(c_, 0x3c0), s)
                    // rcz = 2^(s−1) + zOut·2^s: sar(s, v + rcz − [v < 0]) = rshiftRound(v, s) + zOut exactly
                    // (adding a multiple of 2^s commutes with the floor); |rcz| < 2^134.
                    mstore(add(c_, 0x3e0), add(shl(sub(s, 1), 1), mul(mload(add(c_, 0x280)), shl(s, 1))))
                }
                let ci := div(o, mload(add(c_, 0x60)))
                // group ci / 4, byte ci mod 4 of the slot; the load starts 3 − (ci mod 4) bytes earlier
                mstore(add(c_, 0x420), add(add(mload(add(c_, 0x2c0)), mul(shr(2, ci), mload(add(c_, 0x400)))), sub(and(ci, 3), 3)))
            }
            let cout := mload(add(c, 0x180))
            let ho := mload(add(c, 0x140))
            for { let o := 0 } lt(o, cout) { o := add(o, 1) } {
                weights(c, o)
                channel(c, o)
                for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } { outRow(c, o, oy) }
            }
        }
    }

    /// @notice Plain reference twin of `depthwiseConv2dI8`: same accumulators, same failures.
    /// @dev numerics §4.1, §5, transcribed directly.
    function depthwiseConv2dI8Ref(bytes memory x, int256 zx, bytes memory kernel, int32[] memory bias, DepthwiseConv2dShape memory s)
        internal
        pure
        returns (bytes memory acc)
    {
        int256[] memory none = new int256[](0);
        WindowGeometry memory g = _checkI8(x, zx, kernel, bias, s, none, none, 0, false);
        return _i8Ref(x, zx, kernel, bias, s, g, RefRequant(none, none, 0, false));
    }

    /// @notice Plain reference twin of `depthwiseConv2dI8Requant`.
    /// @dev numerics §4.1, §4.3, §5.
    function depthwiseConv2dI8RequantRef(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) internal pure returns (bytes memory y) {
        WindowGeometry memory g = _checkI8(x, zx, kernel, bias, s, M, shift, zOut, true);
        return _i8Ref(x, zx, kernel, bias, s, g, RefRequant(M, shift, zOut, true));
    }

    /// @dev The requantization arguments of the plain int8 loops.
    struct RefRequant {
        int256[] M;
        int256[] shift;
        int256 zOut;
        bool requant;
    }

    /// @dev The plain int8 loops (validated arguments).
    function _i8Ref(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        WindowGeometry memory g,
        RefRequant memory rq
    ) private pure returns (bytes memory y) {
        uint256 n = g.Ho * g.Wo * s.C * s.mult;
        y = rq.requant ? Tensor.allocI8(n) : Tensor.allocQ(n);
        RefTaps memory t;
        t.zx = zx;
        t.int8Mode = true;
        uint256 i = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _refSpan(t, s, g, oy, ox);
                i = _refPixelI8(x, kernel, bias, s, t, rq, y, i);
            }
        }
    }

    /// @dev The Cout outputs of one pixel (taps in t) from output index i; returns the next index.
    function _refPixelI8(
        bytes memory x,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        RefTaps memory t,
        RefRequant memory rq,
        bytes memory y,
        uint256 i
    ) private pure returns (uint256) {
        uint256 cout = s.C * s.mult;
        for (t.o = 0; t.o < cout; t.o++) {
            int256 a = bias[t.o] + _refTaps(x, kernel, s, t);
            if (rq.requant) Tensor.storeI8(y, i++, Int8Math.requantizeUnchecked(a, rq.M[t.o], rq.shift[t.o], rq.zOut));
            else Tensor.storeQ(y, i++, a);
        }
        return i;
    }
}
