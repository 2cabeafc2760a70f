// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {QMath} from "../tensor/QMath.sol";
import {Rounding} from "../tensor/Rounding.sol";
import {Int8Math} from "../tensor/Int8Math.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {Elementwise} from "../tensor/Elementwise.sol";
import {DivisionByZero, InvalidShape, ValueOutOfRange} from "../tensor/Errors.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";

/// @notice Config of Keras `LayerNormalization` (docs/layers/merge-norm.md "LayerNormalization").
/// @param mode `Mode` as uint8.
/// @param dims the input (= output) shape, row-major, no batch axis.
/// @param axes the normalized axes (Keras `axis`, made non-negative and sorted): strictly increasing,
///        each < rank, at least one. A "group" is the set of elements sharing their indices on the other
///        axes; `D = Π dims[axes]` elements each.
/// @param center the blob carries `beta` (Keras `center`). @param scale the blob carries `gamma`.
/// @param F q mode: fractional bits of input, output, gamma, beta and epsilon. int8 mode computes in Q32.32.
/// @param epsilon Keras `epsilon` in Q(F) (q) or Q32 (int8); ≥ 0.
/// @param zIn int8: input zero point. @param scaleInQ int8: input scale in Q32 (≥ 0).
/// @param M int8: output quantization of a Q32.32 value, `1/(s_out·2^32) ≈ M/2^shift`.
/// @param shift see M. @param zOut int8: output zero point.
struct LayerNormalizationConfig {
    uint8 mode;
    uint32[] dims;
    uint32[] axes;
    bool center;
    bool scale;
    uint8 F;
    int64 epsilon;
    int8 zIn;
    int64 scaleInQ;
    uint32 M;
    uint8 shift;
    int8 zOut;
}

/// @title LayerNormalization — Keras `LayerNormalization` in both number modes.
/// @notice Per group of D values `x_i` (Q(F)) and normalized index `p` of each element (row-major over
///         `axes`), one exact definition (docs/layers/merge-norm.md; numerics §1, §3.1, §3.2 `qSqrt`):
///           1. `mu  = divRound(Σ x_i, D)`                       (exact sum, one RHAZ)
///           2. `d_i = sat64(x_i − mu)`                          (qSub)
///           3. `V   = divRound(Σ d_i², D)`                       (Keras' biased variance, exact, in Q(2F))
///           4. `sd  = RHAZ(√(V + epsilon·2^F))`                  (√ of a Q(2F) value is Q(F); one RHAZ, the
///                                                               rounding of numerics §3.2 qSqrt)
///           5. `sd = 0` → `DivisionByZero()` (only when epsilon = 0 and every d_i = 0)
///           6. `y_i = qAdd(sat64(divRound(d_i·g_p, sd)), b_p)`  with `g = gamma` or `2^F` (scale off),
///              `b = beta` or 0 (center off): one RHAZ of `(x − mean)·gamma/√(var + ε)`, then `+ beta`.
///         The variance is kept in Q(2F) (|Σ d²| < 2^159, int256) rather than rounded per term with qMul:
///         a variance rounded to Q(F) would cost up to 1 ulp of var, amplified by 1/(2s²) in the output
///         (s = √(var + ε)); kept exact, sd is correctly rounded and the bound has no 1/s² term.
///         int8 mode is `quantizeQ(LN_Q32(dequantizeI8(x, zIn, scaleInQ)), M, shift, zOut)` (numerics §4.4)
///         with gamma, beta, epsilon in Q32: one implementation of the mathematics.
///         Weight blob: `gamma` (D int64 BE, if scale) ‖ `beta` (D int64 BE, if center); both in Q(F) (q)
///         or Q32 (int8), indexed by p (Keras' parameter shape `[dims[a] for a in axes]`, row-major).
///         `forwardRange(from, to)` computes rows `[from, to)` of the first axis (allowed partially only
///         when axis 0 is not normalized).
/// @dev Failure conditions, in this order in both tiers (twin: assembly/layers/LayerNormalization.ts):
///      mode (`ValueOutOfRange`); dims (`InvalidShape(102)`, `(103)`); axes empty, not strictly increasing
///      or ≥ rank (`InvalidShape(104)`); `from ≤ to ≤ dims[0]` (`InvalidShape(100)`); a partial range with
///      axis 0 normalized (`InvalidShape(101)`); input length, weights length (`ShapeMismatch`); then the
///      scalars in config order — q: F (`ValueOutOfRange(F)`), epsilon ≥ 0 (`ValueOutOfRange(epsilon)`);
///      int8: epsilon ≥ 0, scaleInQ ≥ 0 (`ValueOutOfRange`), (M, shift) (`InvalidRequantization`); then per
///      group, in order, `DivisionByZero()` when sd = 0.
///      Fast path: the normalized axes form one block (other axes inside it have size 1) → groups are
///      strided runs read in place by assembly loops (≈ 325 gas/element in q mode at [4, 768]). Otherwise the groups are
///      gathered into a contiguous buffer and scattered back. `forwardRef` is the plain twin (QMath,
///      Rounding, a bitwise square root, index arithmetic per element); tests prove fast == Ref == oracle.
library LayerNormalization {
    /// @dev The geometry of one call (rows [from, to) of the first axis).
    struct Geometry {
        Mode mode;
        uint256 n; // elements of the whole tensor
        uint256 D; // elements per group
        uint256 rowElems; // elements per index of the first axis (n / dims[0])
        uint256 rows; // to − from
        bool block; // the normalized axes form one block (up to size-1 axes)
        uint256 inner; // block: Π dims after the last normalized axis (the stride inside a group)
        uint256 groups; // groups in the computed rows
    }

    /// @dev Parameters of the per-group q kernels, in memory (read by offset in `_normalizeQ`: keep the order).
    struct Kernel {
        uint256 stride; // bytes between consecutive elements of a group
        uint256 gp; // → gamma[0] (D int64 BE; materialised as 2^F when scale is off)
        uint256 bp; // → beta[0] (D int64 BE; materialised as 0 when center is off)
        uint256 F;
        int256 eps;
        uint256 D;
        bool smallBeta; // every |beta[p]| < 2^62 (the fast kernel's domain)
    }

    uint256 private constant LOW192 = 0xffffffffffffffffffffffffffffffffffffffffffffffff;

    // =========================================================================================
    //                                          entry points
    // =========================================================================================

    /// @notice The whole layer (output shape = `dims`).
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        LayerNormalizationConfig memory c = abi.decode(config, (LayerNormalizationConfig));
        return _run(c, weights, input, 0, c.dims.length == 0 ? 0 : c.dims[0], false);
    }

    /// @notice Rows `[from, to)` of the first axis: `(to − from)·Π dims[1..]` outputs.
    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (LayerNormalizationConfig)), weights, input, from, to, false);
    }

    /// @notice Plain twin of `forward` (same result, same failures).
    function forwardRef(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        LayerNormalizationConfig memory c = abi.decode(config, (LayerNormalizationConfig));
        return _run(c, weights, input, 0, c.dims.length == 0 ? 0 : c.dims[0], true);
    }

    /// @notice Plain twin of `forwardRange`.
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (LayerNormalizationConfig)), weights, input, from, to, true);
    }

    /// @notice Byte length of the weight blob: `8·D` per present parameter vector.
    function weightsLength(LayerNormalizationConfig memory c, uint256 D) internal pure returns (uint256) {
        return ((c.scale ? 1 : 0) + (c.center ? 1 : 0)) * 8 * D;
    }

    /// @notice All checks of the library doc, in order, and the geometry of rows [from, to).
    function validate(LayerNormalizationConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (Geometry memory geo)
    {
        geo.mode = LayerTypes.checkMode(c.mode);
        geo.n = LayerTypes.count(c.dims);
        uint256 rank = c.dims.length;
        uint256 na = c.axes.length;
        if (na == 0) revert InvalidShape(LayerTypes.CODE_AXIS);
        for (uint256 k = 0; k < na; k++) {
            if (c.axes[k] >= rank || (k > 0 && c.axes[k] <= c.axes[k - 1])) revert InvalidShape(LayerTypes.CODE_AXIS);
        }
        LayerTypes.checkRange(from, to, c.dims[0]);
        if (c.axes[0] == 0 && (from != 0 || to != c.dims[0])) revert InvalidShape(LayerTypes.CODE_PARTIAL_SOFTMAX);
        LayerTypes.requireLength(geo.n * LayerTypes.elementBytes(geo.mode), input.length);
        geo.D = 1;
        for (uint256 k = 0; k < na; k++) {
            geo.D *= c.dims[c.axes[k]];
        }
        LayerTypes.requireLength(weightsLength(c, geo.D), weights.length);
        // Scalar parameters in config order: (q) F, epsilon; (int8) epsilon, scaleInQ, (M, shift).
        if (geo.mode == Mode.Q) LayerTypes.checkF(c.F);
        if (c.epsilon < 0) revert ValueOutOfRange(c.epsilon);
        if (geo.mode == Mode.I8) {
            LayerTypes.checkScale(c.scaleInQ);
            LayerTypes.checkRequant(int256(uint256(c.M)), c.shift);
        }
        geo.rowElems = geo.n / c.dims[0];
        geo.rows = to - from;
        geo.groups = geo.rows * geo.rowElems / geo.D;
        // One block: every axis strictly between the first and the last normalized axis that is not
        // normalized has size 1 (then a group is a run of D elements, `inner` apart).
        geo.block = true;
        uint256 j = 0;
        for (uint256 k = c.axes[0]; k <= c.axes[na - 1]; k++) {
            if (j < na && c.axes[j] == k) j++;
            else if (c.dims[k] != 1) geo.block = false;
        }
        geo.inner = 1;
        for (uint256 k = c.axes[na - 1] + 1; k < rank; k++) {
            geo.inner *= c.dims[k];
        }
    }

    // =========================================================================================
    //                                          fast path
    // =========================================================================================

    function _run(LayerNormalizationConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool ref)
        private
        pure
        returns (bytes memory y)
    {
        Geometry memory geo = validate(c, weights, input, from, to);
        if (ref) return _ref(c, geo, weights, input, from);
        uint256 m = geo.rows * geo.rowElems;
        // The computed rows as Q(F) values: q reads the input in place; int8 dequantizes them (numerics §4.4).
        uint256 xp;
        if (geo.mode == Mode.Q) {
            xp = Tensor.dataPtr(input) + from * geo.rowElems * 8;
        } else {
            xp = Tensor.dataPtr(Elementwise.dequantizeI8Tensor(_slice(input, from * geo.rowElems, m), c.zIn, c.scaleInQ));
        }
        Kernel memory k = _kernel(c, geo, weights, geo.mode == Mode.Q ? c.F : 32);
        bytes memory yq = Tensor.allocQ(m);
        if (geo.block) _groupsBlock(xp, Tensor.dataPtr(yq), geo, k);
        else _groupsGathered(c, geo, xp, Tensor.dataPtr(yq), k);
        if (geo.mode == Mode.Q) return yq;
        return Elementwise.quantizeQTensor(yq, int256(uint256(c.M)), int256(uint256(c.shift)), c.zOut);
    }

    /// @dev The kernel parameters: gamma/beta pointers into the blob, or materialised vectors (2^F, 0).
    function _kernel(LayerNormalizationConfig memory c, Geometry memory geo, bytes memory weights, uint256 F)
        private
        pure
        returns (Kernel memory k)
    {
        uint256 wp = Tensor.dataPtr(weights);
        uint256 D = geo.D;
        k.F = F;
        k.eps = c.epsilon;
        k.D = D;
        if (c.scale) {
            k.gp = wp;
            wp += 8 * D;
        } else {
            uint256 p = Tensor.dataPtr(Tensor.allocQ(D));
            k.gp = p;
            /// @solidity memory-safe-assembly
            assembly {
                // Equivalent to: gamma[p] = 2^F for every p (four lanes per word; allocQ's spare word
                // absorbs the last whole-word store).
                let one := shl(F, 1)
                let w := or(or(shl(192, one), shl(128, one)), or(shl(64, one), one))
                for { let end := add(p, shl(3, D)) } lt(p, end) { p := add(p, 32) } { mstore(p, w) }
            }
        }
        if (c.center) {
            k.bp = wp;
        } else {
            k.bp = Tensor.dataPtr(new bytes(8 * D)); // zero-filled
        }
        uint256 bp = k.bp;
        bool smallBeta;
        /// @solidity memory-safe-assembly
        assembly {
            // OR of beta + 2^62: every beta ∈ [−2^62, 2^62) ⇔ the OR is below 2^63.
            let big := 0
            for { let end := add(bp, shl(3, D)) } lt(bp, end) { bp := add(bp, 8) } {
                big := or(big, add(sar(192, mload(bp)), 0x4000000000000000))
            }
            smallBeta := lt(big, 0x8000000000000000)
        }
        k.smallBeta = smallBeta;
    }

    /// @dev Block geometry: group (o, j) starts at element o·D·inner + j and steps by `inner`.
    function _groupsBlock(uint256 xp, uint256 yp, Geometry memory geo, Kernel memory k) private pure {
        uint256 inner = geo.inner;
        uint256 outer = geo.groups / inner;
        k.stride = inner * 8;
        unchecked {
            // o·D·inner + j < m (the computed elements): every pointer stays inside x and y.
            for (uint256 o = 0; o < outer; o++) {
                uint256 base = o * geo.D * inner;
                for (uint256 j = 0; j < inner; j++) {
                    _groupQ(xp + (base + j) * 8, yp + (base + j) * 8, k);
                }
            }
        }
    }

    /// @dev General geometry: gather each group into a contiguous run, normalize, scatter back.
    function _groupsGathered(LayerNormalizationConfig memory c, Geometry memory geo, uint256 xp, uint256 yp, Kernel memory k)
        private
        pure
    {
        uint256[] memory pos = _positions(c, geo.rows, geo.D);
        uint256 m = pos.length;
        uint256 xg = Tensor.dataPtr(Tensor.allocQ(m));
        uint256 yg = Tensor.dataPtr(Tensor.allocQ(m));
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: xg[t] = x[pos[t]] (q elements; whole-word stores in increasing t, allocQ's spare word)
            for { let t := 0 } lt(t, m) { t := add(t, 1) } {
                mstore(add(xg, shl(3, t)), and(mload(add(xp, shl(3, mload(add(pos, shl(5, add(t, 1))))))), not(LOW192)))
            }
        }
        k.stride = 8;
        for (uint256 g = 0; g < geo.groups; g++) {
            _groupQ(xg + g * geo.D * 8, yg + g * geo.D * 8, k);
        }
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: y[pos[t]] = yg[t] (read-modify-write: the positions are scattered)
            for { let t := 0 } lt(t, m) { t := add(t, 1) } {
                let q := add(yp, shl(3, mload(add(pos, shl(5, add(t, 1))))))
                mstore(q, or(and(mload(q), LOW192), and(mload(add(yg, shl(3, t))), not(LOW192))))
            }
        }
    }

    /// @notice Steps 1–6 of the library doc on one group of Q(F) values at `xp`, `k.stride` bytes apart,
    ///         writing the outputs at the same offsets from `yp` (a different buffer, written in increasing
    ///         order up to the end of the group: whole-word stores may zero up to 24 bytes past it).
    /// @dev Contiguous groups (stride 8) take the fast kernels: four elements per 32-byte word, no
    ///      saturation checks, and an OR-accumulated flag that proves no intermediate left its range —
    ///      otherwise the checked kernel recomputes that pass (same integers either way).
    function _groupQ(uint256 xp, uint256 yp, Kernel memory k) private pure {
        (int256 mu, uint256 sd, bool small) = _statsQ(xp, k);
        // |x| < 2^62 for every element ⇒ |x − mu| < 2^63: the fast kernel needs no d saturation.
        if (small && k.smallBeta && _normalizeFast(xp, yp, k.D * 8, mu, sd, k.gp, k.bp) < 2 ** 63) return;
        _normalizeQ(xp, xp + k.D * k.stride, yp, mu, sd, k);
    }

    /// @notice Steps 1–5: `mu`, `sd` (reverting `DivisionByZero()` when sd = 0), and whether the group is
    ///         contiguous with every |x| < 2^62 (the fast kernels' domain).
    function _statsQ(uint256 xp, Kernel memory k) private pure returns (int256 mu, uint256 sd, bool small) {
        uint256 D = k.D;
        uint256 stride = k.stride;
        uint256 end = xp + D * stride;
        uint256 v;
        if (stride == 8) (mu, small) = _meanFast(xp, D);
        else mu = _meanQ(xp, end, stride, D);
        // V ≤ max d² ≤ 2^126 and epsilon·2^F < 2^125: the radicand is below 2^127, sd below 2^63.5.
        v = small ? _varianceFast(xp, D, mu) : _varianceQ(xp, end, stride, mu, D);
        sd = sqrtRound(v + (uint256(k.eps) << k.F));
        if (sd == 0) revert DivisionByZero();
    }

    /// @notice `divRound(Σ x_i, D)` over a contiguous run, and whether every `|x_i| < 2^62`.
    function _meanFast(uint256 xp, uint256 D) private pure returns (int256 mu, bool small) {
        /// @solidity memory-safe-assembly
        assembly {
            let s := 0
            // big: OR of x + 2^62 over all x; every x ∈ [−2^62, 2^62) ⇔ every term ∈ [0, 2^63) ⇔ big < 2^63.
            let big := 0
            let c62 := shl(62, 1)
            let end := add(xp, shl(3, D))
            for { let end4 := add(xp, shl(5, shr(2, D))) } lt(xp, end4) { xp := add(xp, 32) } {
                let w := mload(xp) // x[i .. i+3]
                let a := sar(192, w)
                let b := sar(192, shl(64, w))
                big := or(big, or(add(a, c62), add(b, c62)))
                s := add(s, add(a, b))
                a := sar(192, shl(128, w))
                b := signextend(7, w)
                big := or(big, or(add(a, c62), add(b, c62)))
                s := add(s, add(a, b))
            }
            for {} lt(xp, end) { xp := add(xp, 8) } {
                let a := sar(192, mload(xp))
                big := or(big, add(a, c62))
                s := add(s, a)
            }
            small := lt(big, 0x8000000000000000)
            // Equivalent to: Rounding.divRound(s, D) (see _meanQ); |s| < D·2^63.
            let sg := sar(255, s)
            mu := sdiv(add(s, sub(xor(shr(1, D), sg), sg)), D)
        }
    }

    /// @notice `V = divRound(Σ d_i², D)` with `d_i = x_i − mu` over a contiguous run, for |d_i| < 2^63 (no d
    ///         saturates; see `_groupQ`).
    function _varianceFast(uint256 xp, uint256 D, int256 mu) private pure returns (uint256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            let end := add(xp, shl(3, D))
            for { let end4 := add(xp, shl(5, shr(2, D))) } lt(xp, end4) { xp := add(xp, 32) } {
                let w := mload(xp)
                // Σ d² per lane: d² < 2^126, D < 2^31 terms: < 2^157, exact.
                let d := sub(sar(192, w), mu)
                v := add(v, mul(d, d))
                d := sub(sar(192, shl(64, w)), mu)
                v := add(v, mul(d, d))
                d := sub(sar(192, shl(128, w)), mu)
                v := add(v, mul(d, d))
                d := sub(signextend(7, w), mu)
                v := add(v, mul(d, d))
            }
            for {} lt(xp, end) { xp := add(xp, 8) } {
                let d := sub(sar(192, mload(xp)), mu)
                v := add(v, mul(d, d))
            }
            // Equivalent to: Rounding.divRound(v, D) for v ≥ 0.
            v := div(add(v, shr(1, D)), D)
        }
    }

    /// @notice Step 6 over a contiguous run of `n8/8` elements without saturation:
    ///         `y_i = divRound(d_i·g_p, sd) + b_p`. Returns `flag`, the OR of `q + 2^62` over all quotients q:
    ///         `flag < 2^63` ⇔ every |q| ≤ 2^62, so (with |b| < 2^62, checked once per call) neither q nor
    ///         q + b left int64 and no saturation applied; otherwise the caller recomputes the group with
    ///         `_normalizeQ`.
    /// @dev Requires |d_i| < 2^63 (see `_groupQ`). Writes whole words in increasing order: four lanes per
    ///      word, then the tail elements one by one (each store zeroes the 24 bytes after it, which belong to
    ///      later elements, the next group or allocQ's spare word). RHAZ(t/sd) for sd > 0 is
    ///      `sdiv(t ± ⌊sd/2⌋, sd)` with the sign of t (see `_meanQ`); `sar(255, t)` is that sign as 0 / −1.
    ///      NOTE: constants live in variables: the legacy optimizer rewrites 64-bit literals into
    ///      PUSH/PUSH/SHL sequences, three instructions where a DUP is one.
    function _normalizeFast(uint256 xp, uint256 yp, uint256 n8, int256 mu, uint256 sd, uint256 gp, uint256 bp)
        private
        pure
        returns (uint256 flag)
    {
        /// @solidity memory-safe-assembly
        assembly {
            let c62 := shl(62, 1)
            let m64 := sub(shl(64, 1), 1)
            let hs := shr(1, sd)
            let end := add(xp, n8)
            for { let end4 := add(xp, and(n8, not(31))) } lt(xp, end4) {} {
                let w := mload(xp) // x[i .. i+3]
                // lane 0 (bits 255..192). |d·g| < 2^126: exact.
                let t := mul(sub(sar(192, w), mu), sar(192, mload(gp)))
                t := sdiv(add(t, sub(xor(hs, sar(255, t)), sar(255, t))), sd)
                flag := or(flag, add(t, c62))
                let out := and(add(t, sar(192, mload(bp))), m64)
                // lane 1
                t := mul(sub(sar(192, shl(64, w)), mu), sar(192, mload(add(gp, 8))))
                t := sdiv(add(t, sub(xor(hs, sar(255, t)), sar(255, t))), sd)
                flag := or(flag, add(t, c62))
                out := or(shl(64, out), and(add(t, sar(192, mload(add(bp, 8)))), m64))
                // lane 2
                t := mul(sub(sar(192, shl(128, w)), mu), sar(192, mload(add(gp, 16))))
                t := sdiv(add(t, sub(xor(hs, sar(255, t)), sar(255, t))), sd)
                flag := or(flag, add(t, c62))
                out := or(shl(64, out), and(add(t, sar(192, mload(add(bp, 16)))), m64))
                // lane 3
                t := mul(sub(signextend(7, w), mu), sar(192, mload(add(gp, 24))))
                t := sdiv(add(t, sub(xor(hs, sar(255, t)), sar(255, t))), sd)
                flag := or(flag, add(t, c62))
                out := or(shl(64, out), and(add(t, sar(192, mload(add(bp, 24)))), m64))
                mstore(yp, out)
                xp := add(xp, 32)
                yp := add(yp, 32)
                gp := add(gp, 32)
                bp := add(bp, 32)
            }
            for {} lt(xp, end) {} {
                let t := mul(sub(sar(192, mload(xp)), mu), sar(192, mload(gp)))
                t := sdiv(add(t, sub(xor(hs, sar(255, t)), sar(255, t))), sd)
                flag := or(flag, add(t, c62))
                mstore(yp, shl(192, add(t, sar(192, mload(bp)))))
                xp := add(xp, 8)
                yp := add(yp, 8)
                gp := add(gp, 8)
                bp := add(bp, 8)
            }
        }
    }

    /// @notice `divRound(Σ x_i, D)` over a strided run (numerics §1).
    function _meanQ(uint256 p, uint256 end, uint256 stride, uint256 D) private pure returns (int256 mu) {
        /// @solidity memory-safe-assembly
        assembly {
            let s := 0
            // |Σ| < D·2^63 < 2^94: exact in int256.
            for {} lt(p, end) { p := add(p, stride) } { s := add(s, sar(192, mload(p))) }
            // Equivalent to: Rounding.divRound(s, D) for D > 0 — RHAZ(s/D) = sign(s)·⌊(|s| + ⌊D/2⌋)/D⌋,
            // and sdiv truncates toward zero: sdiv(s ± ⌊D/2⌋, D) with the sign of s.
            let sg := sar(255, s) // 0 or −1
            mu := sdiv(add(s, sub(xor(shr(1, D), sg), sg)), D)
        }
    }

    /// @notice `V = divRound(Σ d_i², D)` with `d_i = sat64(x_i − mu)` (numerics §3.1 qSub), any stride.
    function _varianceQ(uint256 p, uint256 end, uint256 stride, int256 mu, uint256 D) private pure returns (uint256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            for {} lt(p, end) { p := add(p, stride) } {
                let d := sub(sar(192, mload(p)), mu)
                // Equivalent to: Rounding.sat64(d) (|d| < 2^65): d + 2^63 ∉ [0, 2^64) means out of range,
                // and then INT64_MAX XOR sign(d) is INT64_MAX or INT64_MIN.
                if gt(add(d, 0x8000000000000000), 0xffffffffffffffff) { d := xor(0x7fffffffffffffff, sar(255, d)) }
                v := add(v, mul(d, d)) // d² ≤ 2^126, < 2^31 terms: exact
            }
            // Equivalent to: Rounding.divRound(v, D) for v ≥ 0.
            v := div(add(v, shr(1, D)), D)
        }
    }

    /// @notice `y_i = qAdd(sat64(divRound(d_i·g_p, sd)), b_p)` over the group (step 6), checked, any stride.
    function _normalizeQ(uint256 p, uint256 end, uint256 yp, int256 mu, uint256 sd, Kernel memory k) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let stride := mload(k)
            let gp := mload(add(k, 0x20))
            let bp := mload(add(k, 0x40))
            let hs := shr(1, sd)
            for {} lt(p, end) { p := add(p, stride) } {
                let d := sub(sar(192, mload(p)), mu)
                // Equivalent to: Rounding.sat64(d)
                if gt(add(d, 0x8000000000000000), 0xffffffffffffffff) { d := xor(0x7fffffffffffffff, sar(255, d)) }
                // |d·g| ≤ 2^126: exact. Equivalent to: Rounding.divRound(t, sd) for sd > 0 (see _meanQ).
                let t := mul(d, sar(192, mload(gp)))
                let sg := sar(255, t)
                let q := sdiv(add(t, sub(xor(hs, sg), sg)), sd)
                if gt(add(q, 0x8000000000000000), 0xffffffffffffffff) { q := xor(0x7fffffffffffffff, sar(255, q)) }
                // Equivalent to: QMath.qAdd(q, beta[p])
                q := add(q, sar(192, mload(bp)))
                if gt(add(q, 0x8000000000000000), 0xffffffffffffffff) { q := xor(0x7fffffffffffffff, sar(255, q)) }
                // Read-modify-write: groups interleave when stride > 8.
                mstore(yp, or(and(mload(yp), LOW192), shl(192, q)))
                yp := add(yp, stride)
                gp := add(gp, 8)
                bp := add(bp, 8)
            }
        }
    }

    /// @notice `RHAZ(√w)` for `0 ≤ w < 2^254`: `f = ⌊√w⌋`, then `f + 1` if `w − f² > f` (numerics §3.2 qSqrt's
    ///         rounding; `sqrtRound(x·2^32)` is `qSqrt(x)`).
    /// @dev Newton's method from a power of two in [√w, 2√w): six steps take the relative error from < 1
    ///      to < 1e-30 (as QMath.qSqrt), enough for w < 2^200; the floored iterate is then ⌊√w⌋ or ⌊√w⌋ + 1.
    function sqrtRound(uint256 w) internal pure returns (uint256 r) {
        /// @solidity memory-safe-assembly
        assembly {
            if w {
                // n = ⌊log2 w⌋ (binary search over 128, 64, …, 1)
                let n := shl(7, gt(w, 0xffffffffffffffffffffffffffffffff))
                n := or(n, shl(6, gt(shr(n, w), 0xffffffffffffffff)))
                n := or(n, shl(5, gt(shr(n, w), 0xffffffff)))
                n := or(n, shl(4, gt(shr(n, w), 0xffff)))
                n := or(n, shl(3, gt(shr(n, w), 0xff)))
                n := or(n, shl(2, gt(shr(n, w), 0xf)))
                n := or(n, shl(1, gt(shr(n, w), 0x3)))
                n := or(n, gt(shr(n, w), 0x1))
                // 2^(n+1) > w ⇒ z = 2^⌈(n+1)/2⌉ ≥ √w, and z < 2√w.
                let z := shl(shr(1, add(n, 2)), 1)
                z := shr(1, add(z, div(w, z)))
                z := shr(1, add(z, div(w, z)))
                z := shr(1, add(z, div(w, z)))
                z := shr(1, add(z, div(w, z)))
                z := shr(1, add(z, div(w, z)))
                z := shr(1, add(z, div(w, z)))
                z := sub(z, lt(div(w, z), z)) // z ∈ {f, f + 1} → f
                r := add(z, gt(sub(w, mul(z, z)), z))
            }
        }
    }

    // =========================================================================================
    //                                          plain twin
    // =========================================================================================

    /// @dev The state of the plain twin: the computed rows as Q(F) values, the outputs, the gather positions.
    struct RefState {
        int256[] v;
        int256[] out;
        uint256[] pos;
        uint256 D;
        uint256 F;
    }

    /// @dev The whole computation with QMath / Rounding / Int8Math scalar ops, element by element, on the
    ///      gathered positions (for every geometry), and a bitwise square root.
    function _ref(LayerNormalizationConfig memory c, Geometry memory geo, bytes memory weights, bytes memory input, uint256 from)
        private
        pure
        returns (bytes memory y)
    {
        RefState memory r;
        r.F = geo.mode == Mode.Q ? c.F : 32;
        r.D = geo.D;
        uint256 m = geo.rows * geo.rowElems;
        uint256 off = from * geo.rowElems;
        r.pos = _positions(c, geo.rows, geo.D);
        r.v = new int256[](m);
        for (uint256 i = 0; i < m; i++) {
            r.v[i] = geo.mode == Mode.Q
                ? Tensor.loadQ(input, off + i)
                : Q64.unwrap(Int8Math.dequantizeI8(Tensor.loadI8(input, off + i), c.zIn, c.scaleInQ));
        }
        r.out = new int256[](m);
        for (uint256 g = 0; g < geo.groups; g++) {
            (Q64 mu, int256 sd) = _refStats(c, r, g * r.D);
            _refOutputs(c, weights, r, g * r.D, mu, sd);
        }
        return _refEncode(c, geo.mode, r.out);
    }

    /// @dev The outputs as q bytes, or quantized to int8 (numerics §4.4 quantizeQ).
    function _refEncode(LayerNormalizationConfig memory c, Mode mode, int256[] memory out) private pure returns (bytes memory y) {
        uint256 m = out.length;
        y = mode == Mode.Q ? new bytes(m * 8) : new bytes(m);
        for (uint256 i = 0; i < m; i++) {
            if (mode == Mode.Q) {
                Tensor.storeQ(y, i, out[i]);
            } else {
                Q64 v = Q64.wrap(int64(out[i]));
                Tensor.storeI8(y, i, Int8Math.quantizeQ(v, int256(uint256(c.M)), int256(uint256(c.shift)), c.zOut));
            }
        }
    }

    /// @dev Steps 1–5 for the group whose gathered positions start at `base`: (mu, sd).
    function _refStats(LayerNormalizationConfig memory c, RefState memory r, uint256 base) private pure returns (Q64 mu, int256 sd) {
        int256 s = 0;
        for (uint256 p = 0; p < r.D; p++) {
            s += r.v[r.pos[base + p]];
        }
        mu = Q64.wrap(int64(Rounding.divRound(s, int256(r.D))));
        int256 vs = 0;
        for (uint256 p = 0; p < r.D; p++) {
            int256 d = Q64.unwrap(QMath.qSub(Q64.wrap(int64(r.v[r.pos[base + p]])), mu));
            vs += d * d;
        }
        int256 V = Rounding.divRound(vs, int256(r.D));
        sd = int256(_sqrtRoundRef(uint256(V) + (uint256(int256(c.epsilon)) << r.F)));
        if (sd == 0) revert DivisionByZero();
    }

    /// @dev Step 6 for the group at `base`.
    function _refOutputs(LayerNormalizationConfig memory c, bytes memory weights, RefState memory r, uint256 base, Q64 mu, int256 sd)
        private
        pure
    {
        for (uint256 p = 0; p < r.D; p++) {
            Q64 d = QMath.qSub(Q64.wrap(int64(r.v[r.pos[base + p]])), mu);
            int256 g = c.scale ? Tensor.loadQ(weights, p) : int256(1 << r.F);
            int256 b = c.center ? Tensor.loadQ(weights, (c.scale ? r.D : 0) + p) : int256(0);
            int256 q = Rounding.sat64(Rounding.divRound(int256(Q64.unwrap(d)) * g, sd));
            r.out[r.pos[base + p]] = Q64.unwrap(QMath.qAdd(Q64.wrap(int64(q)), Q64.wrap(int64(b))));
        }
    }

    /// @dev `RHAZ(√w)` by the bit-by-bit method (a different algorithm from `sqrtRound`).
    function _sqrtRoundRef(uint256 w) private pure returns (uint256) {
        uint256 f = 0;
        for (uint256 b = 1 << 64; b > 0; b >>= 1) { // w < 2^127: √w < 2^64
            uint256 t = f + b;
            if (t * t <= w) f = t;
        }
        return w - f * f > f ? f + 1 : f;
    }

    // =========================================================================================
    //                                          helpers
    // =========================================================================================

    /// @notice `pos[g·D + p]` = the element index (within the computed rows) of normalized index p of group g:
    ///         g runs row-major over the non-normalized axes, p over the normalized axes (the first axis
    ///         having `rows` entries).
    function _positions(LayerNormalizationConfig memory c, uint256 rows, uint256 D)
        private
        pure
        returns (uint256[] memory pos)
    {
        uint256 rank = c.dims.length;
        uint256 m = rows;
        for (uint256 k = 1; k < rank; k++) {
            m *= c.dims[k];
        }
        bool[] memory isNorm = new bool[](rank);
        for (uint256 k = 0; k < c.axes.length; k++) {
            isNorm[c.axes[k]] = true;
        }
        pos = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            uint256 rem = i;
            uint256 g = 0;
            uint256 p = 0;
            uint256 gMul = 1;
            uint256 pMul = 1;
            for (uint256 kk = rank; kk > 0; kk--) {
                uint256 dim = kk == 1 ? rows : c.dims[kk - 1];
                uint256 idx = rem % dim;
                rem /= dim;
                if (isNorm[kk - 1]) {
                    p += idx * pMul;
                    pMul *= dim;
                } else {
                    g += idx * gMul;
                    gMul *= dim;
                }
            }
            pos[g * D + p] = i;
        }
    }

    /// @dev Bytes `[off, off + len)` of `b` as a new buffer (MCOPY).
    function _slice(bytes memory b, uint256 off, uint256 len) private pure returns (bytes memory r) {
        r = Tensor.allocI8(len);
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(add(r, 0x20), add(add(b, 0x20), off), len)
        }
    }
}
