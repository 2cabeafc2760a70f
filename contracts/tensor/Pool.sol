// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvalidShape, ShapeMismatch} from "./Errors.sol";
import {Rounding} from "./Rounding.sol";
import {Tensor} from "./Tensor.sol";
import {Conv, WindowGeometry} from "./Conv.sol";

/// @notice Shape of a 2-D pooling: input `H×W×C` (HWC), window `ph×pw` (Keras `pool_size`), strides
///         `(sh, sw)` (Keras `strides`, a separate parameter), `padding` 0 = 'valid', 1 = 'same'.
struct Pool2dShape {
    uint256 H;
    uint256 W;
    uint256 C;
    uint256 ph;
    uint256 pw;
    uint256 sh;
    uint256 sw;
    uint256 padding;
}

/// @title Pool — 2-D max and average pooling in both number modes.
/// @notice docs/numerics.md §5 (maxPool2d, avgPool2d; geometry as conv2d). Twin of assembly/tensor/Pool.ts.
/// @dev Padded positions are ignored: max pooling takes the maximum of the window's valid positions
///      (padding is −∞, never 0), average pooling divides the sum of the valid positions by their count
///      with `divRound` (padding excluded, as TensorFlow does). Every window of a valid geometry holds
///      at least one valid position (see Conv), so the count is ≥ 1. int8 pooling works on the raw
///      values (same scale and zero point in and out, numerics §4.4).
///
///      Failure conditions, in this order in both tiers (numerics §2): `InvalidShape(3)` a zero H, W,
///      C, ph or pw; `InvalidShape(2)` a zero stride; `InvalidShape(4)` an unknown padding mode;
///      `InvalidShape(5)` a dimension, window or stride ≥ 2^31 or `H·W·C ≥ 2^31`; `InvalidShape(1)`
///      'valid' with `ph > H` or `pw > W`; `ShapeMismatch(expected, actual)` for the input length in
///      bytes. All ops are exact (no rounding except avgPool's one divRound; no saturation possible).
///
///      Each op has a fast path (`_poolFast`, Yul; int8 ops 32 channels per word) and a plain reference
///      twin (`…Ref`); tests/tensor/Pool.fuzz.test.ts proves fast == Ref == oracle.
library Pool {
    uint256 private constant MODE_MAX_Q = 0;
    uint256 private constant MODE_MAX_I8 = 1;
    uint256 private constant MODE_AVG_Q = 2;
    uint256 private constant MODE_AVG_I8 = 3;
    /// @dev int8 average pooling sums offset-binary bytes (≤ 255 each) in 32-bit lanes: windows of fewer
    ///      than 2^24 valid positions cannot overflow a lane (255·2^24 < 2^32); larger ones (never seen in
    ///      practice) take the reference path.
    uint256 private constant MAX_LANE_COUNT = 2 ** 24;
    /// @dev `0x80` in every byte (int8 ↔ offset binary `x + 128`).
    uint256 private constant X80 = 0x8080808080808080808080808080808080808080808080808080808080808080;
    /// @dev The low byte of each 16-bit lane, bit 8 of each 16-bit lane, bit 0 of each 16-bit lane.
    uint256 private constant EVEN_BYTES = 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff;
    uint256 private constant LANE16_BIT8 = 0x0100010001000100010001000100010001000100010001000100010001000100;
    uint256 private constant LANE16_BIT0 = 0x0001000100010001000100010001000100010001000100010001000100010001;
    /// @dev The low byte of each 32-bit lane.
    uint256 private constant LANE32_LOW_BYTE = 0x000000ff000000ff000000ff000000ff000000ff000000ff000000ff000000ff;

    /// @notice Max pooling of a q tensor (8-byte big-endian int64 elements): `y = max` of the window's
    ///         valid positions. Returns Ho·Wo·C q elements.
    /// @dev numerics §5. Exact. Fast path (Yul); `maxPool2dQRef` is the plain twin.
    function maxPool2dQ(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _poolFast(x, s, MODE_MAX_Q);
    }

    /// @notice Max pooling of an int8 tensor. Returns Ho·Wo·C int8 bytes.
    /// @dev numerics §4.4, §5. Exact. Fast path: 32 channels per word, a SWAR bytewise maximum (see
    ///      `_poolFast`); `maxPool2dI8Ref` is the plain twin.
    function maxPool2dI8(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _poolFast(x, s, MODE_MAX_I8);
    }

    /// @notice Average pooling of a q tensor: `divRound(Σ valid positions, their count)`.
    /// @dev numerics §1, §5. Exact int256 sum (|sum| < 2^94); the mean of int64 values is an int64.
    ///      Fast path (Yul); `avgPool2dQRef` is the plain twin.
    function avgPool2dQ(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _poolFast(x, s, MODE_AVG_Q);
    }

    /// @notice Average pooling of an int8 tensor: `divRound(Σ raw values, count)` ∈ [−128, 127].
    /// @dev numerics §1, §4.4, §5. Exact. Fast path: 32 channels per word summed in 32-bit lanes (see
    ///      `_poolFast`); `avgPool2dI8Ref` is the plain twin.
    function avgPool2dI8(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _poolFast(x, s, MODE_AVG_I8);
    }

    /// @notice Plain reference twin of `maxPool2dQ`.
    function maxPool2dQRef(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _pool(x, s, true, false);
    }

    /// @notice Plain reference twin of `maxPool2dI8`.
    function maxPool2dI8Ref(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _pool(x, s, false, false);
    }

    /// @notice Plain reference twin of `avgPool2dQ`.
    function avgPool2dQRef(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _pool(x, s, true, true);
    }

    /// @notice Plain reference twin of `avgPool2dI8`.
    function avgPool2dI8Ref(bytes memory x, Pool2dShape memory s) internal pure returns (bytes memory y) {
        return _pool(x, s, false, true);
    }

    /// @notice Validates a pooling shape (codes 3, 2, 4, 5, 1 in that order) and returns its geometry.
    function checkShape(Pool2dShape memory s) internal pure returns (WindowGeometry memory g) {
        if (s.H == 0 || s.W == 0 || s.C == 0 || s.ph == 0 || s.pw == 0) revert InvalidShape(3);
        Conv.checkStridesPadding(s.sh, s.sw, s.padding);
        uint256 L = Conv.SHAPE_LIMIT;
        if (s.H >= L || s.W >= L || s.C >= L || s.ph >= L || s.pw >= L || s.sh >= L || s.sw >= L) {
            revert InvalidShape(5);
        }
        Conv.count3(s.H, s.W, s.C);
        g = Conv.windowGeometry(s.H, s.W, s.ph, s.pw, s.sh, s.sw, s.padding);
    }

    /// @dev Fast pooling (all four ops), numerics §5. Context block (byte offsets): 0x000 H, 0x020 W,
    ///      0x040 C, 0x060 ph, 0x080 pw, 0x0a0 sh, 0x0c0 sw, 0x0e0 padTop, 0x100 padLeft, 0x120 Ho,
    ///      0x140 Wo, 0x160 x data, 0x180 y data; per pixel (set by `win`): 0x1a0 xrow (element index of
    ///      the window's first valid position, channel 0), 0x1c0 ny, 0x1e0 nx (valid rows, columns);
    ///      0x200 row step W·C; 0x220..0x280 four lane words (int8 average).
    ///      - q max / avg: per output element a loop over the window (`sar(192, ·)` loads; int256 sum,
    ///        |Σ| < 2^63·2^31), then divRound by the count for the average.
    ///      - int8 max: 32 channels per word. Offset binary `u = x ⊕ 0x80 = x + 128` preserves order, and
    ///        the bytes are split into even/odd 16-bit lanes (`u & 0x00ff…`, `(u >> 8) & 0x00ff…`). For
    ///        lanes a, b ∈ [0, 255], `(a | 0x100) − b = 256 + a − b ∈ [1, 511]` never borrows across
    ///        lanes and has bit 8 set iff a ≥ b; that bit times 0xff is a lane mask selecting
    ///        `max(a, b) = b ⊕ ((a ⊕ b) & mask)`. The running maximum starts at 0 (= −128, the identity).
    ///      - int8 avg: 32 channels per word summed as offset binary in four words of eight 32-bit lanes
    ///        (lane i of word k = channel 31 − 4i − k, as in Conv), exact below 2^24 positions per window;
    ///        channel sums are `Σx = lane − 128·count`.
    ///      Results are stored in ascending address order; a whole-word store's spill past its element
    ///      (or past a partial channel block) lands on elements written later or in the output's spare
    ///      word (Tensor.alloc*), and loads past the input read harmless memory (unused lanes).
    function _poolFast(bytes memory x, Pool2dShape memory s, uint256 mode) private pure returns (bytes memory y) {
        WindowGeometry memory g = checkShape(s);
        bool q = mode == MODE_MAX_Q || mode == MODE_AVG_Q;
        unchecked {
            uint256 n = s.H * s.W * s.C; // < 2^31 (checked)
            uint256 expected = q ? n * 8 : n;
            if (x.length != expected) revert ShapeMismatch(expected, x.length);
            uint256 maxCount = (s.ph < s.H ? s.ph : s.H) * (s.pw < s.W ? s.pw : s.W);
            if (mode == MODE_AVG_I8 && maxCount >= MAX_LANE_COUNT) return _pool(x, s, false, true);
        }
        uint256 count = g.Ho * g.Wo * s.C;
        y = q ? Tensor.allocQ(count) : Tensor.allocI8(count);
        uint256 c = _ctx(x, s, g, y);
        _run(c, mode);
    }

    /// @dev The context block of _poolFast.
    function _ctx(bytes memory x, Pool2dShape memory s, WindowGeometry memory g, bytes memory y)
        private
        pure
        returns (uint256 c)
    {
        /// @solidity memory-safe-assembly
        assembly {
            c := mload(0x40)
            mstore(0x40, add(c, 0x2a0))
            mcopy(c, s, 0xe0) // H, W, C, ph, pw, sh, sw
            mstore(add(c, 0xe0), mload(add(g, 0x40))) // padTop
            mstore(add(c, 0x100), mload(add(g, 0x60))) // padLeft
            mstore(add(c, 0x120), mload(g)) // Ho
            mstore(add(c, 0x140), mload(add(g, 0x20))) // Wo
            mstore(add(c, 0x160), add(x, 0x20))
            mstore(add(c, 0x180), add(y, 0x20))
            mstore(add(c, 0x200), mul(mload(add(c, 0x20)), mload(add(c, 0x40))))
        }
    }

    function _run(uint256 c, uint256 mode) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            // Valid window of output pixel (oy, ox) (equivalent to Conv.span on both axes).
            function win(c_, oy, ox) {
                let y0 := sub(mul(oy, mload(add(c_, 0xa0))), mload(add(c_, 0xe0))) // signed start row
                let y1 := add(y0, mload(add(c_, 0x60)))
                if slt(y0, 0) { y0 := 0 }
                if gt(y1, mload(c_)) { y1 := mload(c_) } // y1 ≥ 1 (every window has a valid row)
                let x0 := sub(mul(ox, mload(add(c_, 0xc0))), mload(add(c_, 0x100)))
                let x1 := add(x0, mload(add(c_, 0x80)))
                if slt(x0, 0) { x0 := 0 }
                if gt(x1, mload(add(c_, 0x20))) { x1 := mload(add(c_, 0x20)) }
                mstore(add(c_, 0x1a0), mul(add(mul(y0, mload(add(c_, 0x20))), x0), mload(add(c_, 0x40))))
                mstore(add(c_, 0x1c0), sub(y1, y0))
                mstore(add(c_, 0x1e0), sub(x1, x0))
            }
            // RHAZ(v / d) for d > 0 — equivalent to Rounding.divRound(v, d).
            function divRound(v, d) -> r {
                let neg := slt(v, 0)
                let a := v
                if neg { a := sub(0, v) }
                r := div(a, d)
                r := add(r, iszero(lt(shl(1, sub(a, mul(r, d))), d))) // + (2·remainder ≥ d)
                if neg { r := sub(0, r) }
            }
            // q mode: max, or divRound(Σ, count), of the window positions of channel ch.
            function elemQ(c_, ch, avg) -> r {
                let step := shl(3, mload(add(c_, 0x40)))
                let len := mul(mload(add(c_, 0x1e0)), step)
                let p := add(mload(add(c_, 0x160)), shl(3, add(mload(add(c_, 0x1a0)), ch)))
                r := not(0x7fffffffffffffff) // INT64_MIN
                if avg { r := 0 }
                for { let i := mload(add(c_, 0x1c0)) } i { i := sub(i, 1) } {
                    for { let end := add(p, len) } lt(p, end) { p := add(p, step) } {
                        let v := sar(192, mload(p))
                        switch avg
                        case 0 { if sgt(v, r) { r := v } }
                        default { r := add(r, v) }
                    }
                    p := add(p, sub(shl(3, mload(add(c_, 0x200))), len)) // next row of the window
                }
                if avg { r := divRound(r, mul(mload(add(c_, 0x1c0)), mload(add(c_, 0x1e0)))) }
            }
            // int8 max of the 32 channels whose first window byte is at p (SWAR, see _poolFast).
            function maxI8(c_, p) -> r {
                let cc := mload(add(c_, 0x40))
                let len := mul(mload(add(c_, 0x1e0)), cc)
                let me := 0
                let mo := 0
                for { let i := mload(add(c_, 0x1c0)) } i { i := sub(i, 1) } {
                    for { let end := add(p, len) } lt(p, end) { p := add(p, cc) } {
                        let u := xor(mload(p), X80)
                        let b := and(u, EVEN_BYTES)
                        me := xor(b, and(xor(me, b), mul(and(shr(8, sub(or(me, LANE16_BIT8), b)), LANE16_BIT0), 0xff)))
                        b := and(shr(8, u), EVEN_BYTES)
                        mo := xor(b, and(xor(mo, b), mul(and(shr(8, sub(or(mo, LANE16_BIT8), b)), LANE16_BIT0), 0xff)))
                    }
                    p := add(p, sub(mload(add(c_, 0x200)), len))
                }
                r := xor(or(me, shl(8, mo)), X80)
            }
            // int8 sums (offset binary, 32-bit lanes) of the 32 channels whose first window byte is at p,
            // stored as the lane words at 0x220..0x280.
            function sumI8(c_, p) {
                let cc := mload(add(c_, 0x40))
                let len := mul(mload(add(c_, 0x1e0)), cc)
                let a0 := 0
                let a1 := 0
                let a2 := 0
                let a3 := 0
                for { let i := mload(add(c_, 0x1c0)) } i { i := sub(i, 1) } {
                    for { let end := add(p, len) } lt(p, end) { p := add(p, cc) } {
                        let u := xor(mload(p), X80)
                        a0 := add(a0, and(u, LANE32_LOW_BYTE))
                        a1 := add(a1, and(shr(8, u), LANE32_LOW_BYTE))
                        a2 := add(a2, and(shr(16, u), LANE32_LOW_BYTE))
                        a3 := add(a3, and(shr(24, u), LANE32_LOW_BYTE))
                    }
                    p := add(p, sub(mload(add(c_, 0x200)), len))
                }
                mstore(add(c_, 0x220), a0)
                mstore(add(c_, 0x240), a1)
                mstore(add(c_, 0x260), a2)
                mstore(add(c_, 0x280), a3)
            }
            // int8 average of channels [cb, cb + m) at yp from the lane words stored at 0x220..0x280:
            // channel j is lane 7 − ⌊j/4⌋ of word 3 − (j mod 4); Σx = lane − 128·count.
            function avgI8(c_, yp, m) {
                let d := mul(mload(add(c_, 0x1c0)), mload(add(c_, 0x1e0)))
                let c128 := shl(7, d)
                for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                    let a := mload(add(c_, add(0x220, shl(5, sub(3, and(j, 3))))))
                    let v := sub(and(shr(shl(5, sub(7, shr(2, j))), a), 0xffffffff), c128)
                    mstore8(add(yp, j), divRound(v, d))
                }
            }
            // int8 max of all channels of the current pixel: one word per 32 channels.
            function maxPixel(c_, yp) {
                let xb := add(mload(add(c_, 0x160)), mload(add(c_, 0x1a0)))
                let cc := mload(add(c_, 0x40))
                for { let cb := 0 } lt(cb, cc) { cb := add(cb, 32) } { mstore(add(yp, cb), maxI8(c_, add(xb, cb))) }
            }
            // int8 average of all channels of the current pixel, 32 channels per block.
            function avgPixel(c_, yp) {
                let xb := add(mload(add(c_, 0x160)), mload(add(c_, 0x1a0)))
                let cc := mload(add(c_, 0x40))
                for { let cb := 0 } lt(cb, cc) { cb := add(cb, 32) } {
                    sumI8(c_, add(xb, cb))
                    let m := sub(cc, cb)
                    if gt(m, 32) { m := 32 }
                    avgI8(c_, add(yp, cb), m)
                }
            }
            let ho := mload(add(c, 0x120))
            let wo := mload(add(c, 0x140))
            let cc := mload(add(c, 0x40))
            let yp := mload(add(c, 0x180))
            for { let oy := 0 } lt(oy, ho) { oy := add(oy, 1) } {
                for { let ox := 0 } lt(ox, wo) { ox := add(ox, 1) } {
                    win(c, oy, ox)
                    switch mode
                    case 1 {
                        maxPixel(c, yp) // MODE_MAX_I8
                        yp := add(yp, cc)
                    }
                    case 3 {
                        avgPixel(c, yp) // MODE_AVG_I8
                        yp := add(yp, cc)
                    }
                    default {
                        // MODE_MAX_Q (0) / MODE_AVG_Q (2)
                        for { let ch := 0 } lt(ch, cc) { ch := add(ch, 1) } {
                            mstore(yp, shl(192, elemQ(c, ch, eq(mode, 2))))
                            yp := add(yp, 8)
                        }
                    }
                }
            }
        }
    }

    /// @dev The valid window of one output pixel: rows [y0, y1), columns [x0, x1).
    struct Window {
        uint256 y0;
        uint256 y1;
        uint256 x0;
        uint256 x1;
    }

    function _pool(bytes memory x, Pool2dShape memory s, bool q, bool avg) private pure returns (bytes memory y) {
        WindowGeometry memory g = checkShape(s);
        unchecked {
            uint256 n = s.H * s.W * s.C; // < 2^31 (checked)
            uint256 expected = q ? n * 8 : n;
            if (x.length != expected) revert ShapeMismatch(expected, x.length);
        }
        uint256 count = g.Ho * g.Wo * s.C;
        y = q ? Tensor.allocQ(count) : Tensor.allocI8(count);
        Window memory w;
        uint256 o = 0;
        for (uint256 oy = 0; oy < g.Ho; oy++) {
            _rows(w, s, g, oy);
            for (uint256 ox = 0; ox < g.Wo; ox++) {
                _cols(w, s, g, ox);
                for (uint256 c = 0; c < s.C; c++) {
                    int256 v = _window(x, s, w, c, q, avg);
                    if (q) Tensor.storeQ(y, o++, v);
                    else Tensor.storeI8(y, o++, v);
                }
            }
        }
    }

    /// @dev Valid input rows of output row oy (Conv.span: the window minus the padding).
    function _rows(Window memory w, Pool2dShape memory s, WindowGeometry memory g, uint256 oy) private pure {
        (uint256 i0, uint256 k0, uint256 k1) = Conv.span(oy, s.sh, g.padTop, s.ph, s.H);
        (w.y0, w.y1) = (i0, i0 + k1 - k0);
    }

    /// @dev Valid input columns of output column ox.
    function _cols(Window memory w, Pool2dShape memory s, WindowGeometry memory g, uint256 ox) private pure {
        (uint256 i0, uint256 k0, uint256 k1) = Conv.span(ox, s.sw, g.padLeft, s.pw, s.W);
        (w.x0, w.x1) = (i0, i0 + k1 - k0);
    }

    /// @dev Max or rounded mean of channel c over the valid window w.
    function _window(bytes memory x, Pool2dShape memory s, Window memory w, uint256 c, bool q, bool avg)
        private
        pure
        returns (int256 acc)
    {
        acc = avg ? int256(0) : type(int256).min;
        for (uint256 iy = w.y0; iy < w.y1; iy++) {
            for (uint256 ix = w.x0; ix < w.x1; ix++) {
                uint256 i = (iy * s.W + ix) * s.C + c;
                int256 v = q ? Tensor.loadQ(x, i) : Tensor.loadI8(x, i);
                if (avg) acc += v;
                else if (v > acc) acc = v;
            }
        }
        if (avg) acc = Rounding.divRound(acc, int256((w.y1 - w.y0) * (w.x1 - w.x0)));
    }
}
