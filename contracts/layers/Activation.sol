// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {Rounding} from "../tensor/Rounding.sol";
import {QMath} from "../tensor/QMath.sol";
import {Int8Math} from "../tensor/Int8Math.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {Softmax} from "../tensor/Softmax.sol";
import {InvalidShape} from "../tensor/Errors.sol";
import {Mode, ActKind, ActivationSpec, LayerTypes} from "./LayerTypes.sol";

/// @notice Config of the standalone activation layers: Keras `Activation`, `ReLU`, `LeakyReLU` and
///         `Softmax` are all this one op with different specs (docs/layers.md "Activation layers").
/// @param mode `Mode` as uint8.
/// @param dims the input (= output) shape, row-major, no batch axis.
/// @param axis Softmax only: the axis of `dims` the softmax runs along.
/// @param act the activation; its numbers are in the format of the values it sees (q: Q(F); int8
///        general path: Q32.32).
/// @param F q mode: fractional bits of input and output.
/// @param zIn int8: input zero point.
/// @param scaleInQ int8, general path (every kind but Linear and Relu with threshold 0): input scale in Q32.
/// @param M int8: fused path: `s_in/s_out ≈ M/2^shift`; general path: `1/(s_out·2^32) ≈ M/2^shift`.
/// @param shift int8: see M.
/// @param Mn int8 fused path: the multiplier of negative inputs (`slope·s_in/s_out`, signed); equals M
///        when the slope is 1 (Linear) — the quantizer always fills it.
/// @param shiftN int8 fused path: the shift of Mn.
/// @param zOut int8: output zero point.
/// @param lo int8 fused path: lower clamp (quantized 0 for relu, −128 otherwise).
/// @param hi int8 fused path: upper clamp (quantized max_value, 127 when uncapped).
struct ActivationConfig {
    uint8 mode;
    uint32[] dims;
    uint32 axis;
    ActivationSpec act;
    uint8 F;
    int8 zIn;
    int64 scaleInQ;
    uint32 M;
    uint8 shift;
    int32 Mn;
    uint8 shiftN;
    int8 zOut;
    int8 lo;
    int8 hi;
}

/// @title Activation — Keras activations in both number modes, and the standalone activation layers.
/// @notice The element functions every layer with a fused activation uses (Dense, Conv2D, …) and the
///         layer op `forward` for Keras `Activation` / `ReLU` / `LeakyReLU` / `Softmax`. Twin of
///         assembly/layers/Activation.ts. Definitions (docs/layers.md "Activations"):
///         - q mode, on Q(F) values (numerics §3): piecewise-linear kinds are computed in Q(F) directly;
///           the others rescale to Q32.32 (`qRescale`, numerics §3.1), apply the numerics §3.2 function,
///           and rescale back (nothing happens for F = 32).
///         - int8 mode: stage A `requantAct` (a requantization with a sign-dependent multiplier and a
///           clamp: Linear, relu, relu6, leaky_relu, capped ReLU) and stage B `actI8` =
///           `quantizeQ(f(dequantizeI8(x)))` (numerics §4.4) for every other kind.
/// @dev Plain Solidity throughout: per element these cost 10²–10³ gas, negligible beside the matvec
///      or convolution that precedes them (the transcendental kinds cost what QMath costs).
library Activation {
    /// @dev 1.0 in Q32.
    int256 internal constant ONE = 4294967296;
    /// @dev √(2/π) in Q32 (0.7978845608028654·2^32 = 3426888094.63 → 3426888095). GeluTanh.
    int256 internal constant SQRT_2_OVER_PI_Q32 = 3426888095;
    /// @dev 0.044715 in Q32 (192049462.64 → 192049463). GeluTanh.
    int256 internal constant GELU_TANH_C_Q32 = 192049463;

    // =========================================================================================
    //                                  element functions, q mode
    // =========================================================================================

    /// @notice `f(x)` for one Q(F) value and an elementwise kind (every kind but Softmax; Softmax
    ///         returns x unchanged — callers apply it per slice with `softmaxQ`).
    /// @dev Requirements (callers validate once): `F ≤ 62`, `a.kind` a valid `ActKind`.
    function actQ(int256 x, ActivationSpec memory a, uint256 F) internal pure returns (int256) {
        uint8 k = a.kind;
        if (k == uint8(ActKind.Linear) || k == uint8(ActKind.Softmax)) return x;
        if (k == uint8(ActKind.Relu)) return reluQ(x, a.slope, a.threshold, a.maxValue);
        if (k == uint8(ActKind.HardSigmoid)) return hardSigmoidQ(x, a.slope, a.offset, F);
        if (F == 32) return transcendentalQ32(x, k);
        int256 v = Q64.unwrap(QMath.qRescale(Q64.wrap(int64(x)), F, 32));
        return Q64.unwrap(QMath.qRescale(Q64.wrap(int64(transcendentalQ32(v, k))), 32, F));
    }

    /// @notice The Keras ReLU family on a q value: `x ≥ t ? min(x, maxValue) : sat64(rshiftRound(qSub(x, t)·slope, 32))`.
    /// @dev relu = (slope 0, t 0, no cap), relu6 = cap 6, leaky_relu(α) = slope α (Q32), Keras `ReLU`
    ///      layer = all three. `t` and `maxValue` are in the value format; `slope` in Q32. Exact up to the
    ///      one RHAZ of the negative branch (≤ 0.5 ulp). `maxValue = INT64_MAX` means no cap.
    function reluQ(int256 x, int256 slope, int256 t, int256 maxValue) internal pure returns (int256) {
        if (x >= t) return x > maxValue ? maxValue : x;
        int256 d = Q64.unwrap(QMath.qSub(Q64.wrap(int64(x)), Q64.wrap(int64(t))));
        // |d·slope| < 2^126: exact in int256.
        return Rounding.sat64(Rounding.rshiftRound(d * slope, 32));
    }

    /// @notice `clamp(rshiftRound(x·slope, 32) + offset, 0, 2^F)`: Keras hard_sigmoid (Keras 2: slope 0.2,
    ///         offset 0.5; Keras 3: relu6(x + 3)/6 = slope 1/6, offset 0.5). `slope` in Q32, `offset` in Q(F).
    /// @dev Computed on exact integers (|x·slope| < 2^126), one RHAZ, then the clamp (never a saturation:
    ///      both bounds are int64, F ≤ 62).
    function hardSigmoidQ(int256 x, int256 slope, int256 offset, uint256 F) internal pure returns (int256 r) {
        r = Rounding.rshiftRound(x * slope, 32) + offset;
        int256 one = int256(1) << F;
        if (r < 0) r = 0;
        else if (r > one) r = one;
    }

    /// @notice The non-piecewise-linear kinds on a Q32.32 value: Sigmoid `qSigmoid`, Tanh `qTanh`, Silu
    ///         `qMul(x, qSigmoid(x), 32)`, Gelu `qGelu` (numerics §3.2), GeluTanh `geluTanhQ32`.
    function transcendentalQ32(int256 x, uint8 k) internal pure returns (int256) {
        Q64 v = Q64.wrap(int64(x));
        if (k == uint8(ActKind.Sigmoid)) return Q64.unwrap(QMath.qSigmoid(v));
        if (k == uint8(ActKind.Tanh)) return Q64.unwrap(QMath.qTanh(v));
        if (k == uint8(ActKind.Silu)) return Q64.unwrap(QMath.qMul(v, QMath.qSigmoid(v), 32));
        if (k == uint8(ActKind.Gelu)) return Q64.unwrap(QMath.qGelu(v));
        return geluTanhQ32(x);
    }

    /// @notice Keras `gelu(approximate=True)` = `x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2` in Q32.32:
    ///         `x3 = qMul(qMul(x, x), x)`; `u = qAdd(x, qMul(C, x3))`; `t = qTanh(qMul(S, u))`;
    ///         result `sat64(rshiftRound(x·(ONE + t), 33))` (S = √(2/π), C = 0.044715 in Q32; every qMul
    ///         F = 32, RHAZ, saturating). docs/layers.md; not (yet) in numerics §3.2.
    /// @dev For |x| ≳ 1290 the cube saturates; tanh is then ±ONE and the result x or 0, as in float.
    function geluTanhQ32(int256 x) internal pure returns (int256) {
        Q64 v = Q64.wrap(int64(x));
        Q64 x3 = QMath.qMul(QMath.qMul(v, v, 32), v, 32);
        Q64 u = QMath.qAdd(v, QMath.qMul(Q64.wrap(int64(GELU_TANH_C_Q32)), x3, 32));
        int256 t = Q64.unwrap(QMath.qTanh(QMath.qMul(Q64.wrap(int64(SQRT_2_OVER_PI_Q32)), u, 32)));
        // 0 ≤ ONE + t ≤ 2^33 and |x| ≤ 2^63: the product is exact in int256.
        return Rounding.sat64(Rounding.rshiftRound(x * (ONE + t), 33));
    }

    /// @notice Apply an elementwise kind in place to elements `[0, n)` of the q tensor `y`.
    /// @dev Linear is free; the Relu family runs an assembly loop (`_reluQFast`, equal to `reluQ`); every
    ///      other kind calls `actQ` per element. `applyQRef` is the plain twin.
    function applyQ(bytes memory y, uint256 n, ActivationSpec memory a, uint256 F) internal pure {
        if (a.kind == uint8(ActKind.Linear)) return;
        if (a.kind == uint8(ActKind.Relu)) return _reluQFast(Tensor.dataPtr(y), n, a.slope, a.threshold, a.maxValue);
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeQ(y, i, actQ(Tensor.loadQ(y, i), a, F));
        }
    }

    /// @notice Plain twin of `applyQ`: `actQ` on every element.
    function applyQRef(bytes memory y, uint256 n, ActivationSpec memory a, uint256 F) internal pure {
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeQ(y, i, actQ(Tensor.loadQ(y, i), a, F));
        }
    }

    /// @notice `reluQ` in place over `n` q elements at `p` (big-endian int64).
    function _reluQFast(uint256 p, uint256 n, int256 slope, int256 t, int256 maxValue) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            let lo := sar(192, shl(255, 1)) // INT64_MIN
            let hi := not(lo) // INT64_MAX
            for { let end := add(p, shl(3, n)) } lt(p, end) { p := add(p, 8) } {
                let w := mload(p)
                let x := sar(192, w)
                let v := x
                switch slt(x, t)
                case 0 {
                    // x ≥ t: min(x, maxValue)
                    if sgt(x, maxValue) { v := maxValue }
                }
                default {
                    // Equivalent to: sat64(rshiftRound(qSub(x, t)·slope, 32)); qSub = sat64(x − t)
                    let d := sub(x, t)
                    if slt(d, lo) { d := lo }
                    if sgt(d, hi) { d := hi }
                    v := mul(d, slope) // |d·slope| ≤ 2^126
                    v := sar(32, add(v, sub(0x80000000, slt(v, 0)))) // RHAZ(v / 2^32)
                    if slt(v, lo) { v := lo }
                    if sgt(v, hi) { v := hi }
                }
                // Replace the element's 8 bytes, keep the 24 after it.
                mstore(p, or(and(w, 0xffffffffffffffffffffffffffffffffffffffffffffffff), shl(192, v)))
            }
        }
    }

    /// @notice Softmax of a Q(F) tensor of shape `dims` along `axis`: `softmaxQ` (numerics §3.2) on the
    ///         values rescaled to Q32.32 and the result rescaled back (both no-ops for F = 32).
    function softmaxQ(bytes memory x, uint256[] memory dims, uint256 axis, uint256 F) internal pure returns (bytes memory y) {
        if (F == 32) return Softmax.softmaxQ(x, dims, axis);
        y = Softmax.softmaxQ(rescaleAll(x, F, 32), dims, axis);
        y = rescaleAll(y, 32, F);
    }

    /// @dev `qRescale` of every element into a new tensor.
    function rescaleAll(bytes memory x, uint256 F1, uint256 F2) internal pure returns (bytes memory y) {
        uint256 n = x.length / 8;
        y = Tensor.allocQ(n);
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeQ(y, i, Q64.unwrap(QMath.qRescale(Q64.wrap(int64(Tensor.loadQ(x, i))), F1, F2)));
        }
    }

    // =========================================================================================
    //                                  element functions, int8 mode
    // =========================================================================================

    /// @notice Stage A: `clamp(sat8(z + rshiftRound(acc·m', s')), lo, hi)` with `(m', s') = (m, s)` for
    ///         `acc ≥ 0` and `(mn, sn)` for `acc < 0` — requantize (numerics §4.3) with a sign-dependent,
    ///         possibly negative multiplier, then `clampI8` (numerics §4.4). One rounding: a fused
    ///         Linear / relu / relu6 / leaky_relu / capped ReLU is exactly `quantize(f(real acc))` up to the
    ///         multipliers' 31-bit precision.
    /// @dev Domain (callers validate): |acc| < 2^62, 0 ≤ m < 2^31, |mn| < 2^31, s, sn ≤ 126, z, lo, hi int8,
    ///      lo ≤ hi. As sat8 then clamp equals clamp for int8 bounds, the EVM clamps once.
    function requantAct(int256 acc, int256 m, uint256 s, int256 mn, uint256 sn, int256 z, int256 lo, int256 hi)
        internal
        pure
        returns (int256 v)
    {
        v = acc >= 0
            ? Int8Math.requantizeUnchecked(acc, m, int256(s), z)
            : Int8Math.requantizeUnchecked(acc, mn, int256(sn), z);
        if (v < lo) v = lo;
        else if (v > hi) v = hi;
    }

    /// @notice Stage B: `requantize(actQ(dequantizeI8(x, zIn, scaleQ), a, 32), M, shift, zOut)` — an
    ///         elementwise activation of an int8 value (numerics §4.4 `quantizeQ(f(dequantizeI8(x)))`).
    /// @dev Domain (callers validate): x, zIn, zOut int8, 0 ≤ scaleQ < 2^63, (M, shift) valid.
    function actI8(int256 x, ActivationSpec memory a, int256 zIn, int256 scaleQ, int256 M, uint256 shift, int256 zOut)
        internal
        pure
        returns (int256)
    {
        int256 v = Q64.unwrap(Int8Math.dequantizeI8Unchecked(x, zIn, scaleQ));
        return Int8Math.requantizeUnchecked(actQ(v, a, 32), M, int256(shift), zOut);
    }

    /// @notice Stage B in place over the whole int8 tensor `t` (elementwise kinds only).
    function applyI8(bytes memory t, ActivationSpec memory a, int256 zIn, int256 scaleQ, int256 M, uint256 shift, int256 zOut)
        internal
        pure
    {
        uint256 n = t.length;
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeI8(t, i, actI8(Tensor.loadI8(t, i), a, zIn, scaleQ, M, shift, zOut));
        }
    }

    // =========================================================================================
    //                                  the activation layer op
    // =========================================================================================

    /// @notice The layer op of Keras `Activation`, `ReLU`, `LeakyReLU` and `Softmax`:
    ///         `y = f(x)` elementwise (or softmax along `axis`) on a tensor of shape `dims`.
    /// @param config `abi.encode(ActivationConfig)`.
    /// @param weights must be empty.
    /// @param input the tensor (q or int8 bytes).
    /// @dev Validation order (docs/layers.md "Failure conditions"; the oracle follows it): mode
    ///      (`ValueOutOfRange`), kind (`ValueOutOfRange`), dims (`InvalidShape(102)`, `(103)`), Softmax
    ///      axis < rank (`InvalidShape(104)`), input length (`ShapeMismatch`), weights length 0
    ///      (`ShapeMismatch(0, len)`); q: F (`ValueOutOfRange`); int8: (M, shift) (`InvalidRequantization`),
    ///      fused: (Mn, shiftN) (`InvalidRequantization`), lo ≤ hi (`ValueOutOfRange(lo)`); general:
    ///      scaleInQ ≥ 0 (`ValueOutOfRange`). Fast paths: the q Relu family (`applyQ`) and the int8 fused
    ///      kinds (`_fusedI8Fast`) run assembly loops; `forwardRef` is the plain twin.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return _forward(config, weights, input, false);
    }

    /// @notice Plain twin of `forward` (same result, same failures): `actQ` / `requantAct` per element.
    function forwardRef(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return _forward(config, weights, input, true);
    }

    function _forward(bytes memory config, bytes memory weights, bytes memory input, bool ref) private pure returns (bytes memory) {
        ActivationConfig memory c = abi.decode(config, (ActivationConfig));
        Mode mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkKind(c.act.kind);
        uint256 n = LayerTypes.count(c.dims);
        bool isSoftmax = c.act.kind == uint8(ActKind.Softmax);
        if (isSoftmax && c.axis >= c.dims.length) revert InvalidShape(LayerTypes.CODE_AXIS);
        LayerTypes.requireLength(n * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(0, weights.length);
        if (mode == Mode.Q) {
            LayerTypes.checkF(c.F);
            if (isSoftmax) return softmaxQ(input, _dims256(c.dims), c.axis, c.F);
            return ref ? _elementwiseQ(c, input, n) : _elementwiseQFast(c, input, n);
        }
        LayerTypes.checkRequant(int256(uint256(c.M)), c.shift);
        if (LayerTypes.isFusedI8(c.act)) {
            LayerTypes.checkSignedRequant(c.Mn, c.shiftN);
            LayerTypes.checkClamp(c.lo, c.hi);
            return ref ? _fusedI8(c, input, n) : _fusedI8Fast(c, input, n);
        }
        LayerTypes.checkScale(c.scaleInQ);
        if (isSoftmax) {
            return Softmax.softmaxI8(input, c.zIn, c.scaleInQ, _dims256(c.dims), c.axis, int256(uint256(c.M)), int256(uint256(c.shift)), c.zOut);
        }
        return _generalI8(c, input, n);
    }

    function _elementwiseQ(ActivationConfig memory c, bytes memory input, uint256 n) private pure returns (bytes memory y) {
        y = Tensor.allocQ(n);
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeQ(y, i, actQ(Tensor.loadQ(input, i), c.act, c.F));
        }
    }

    /// @dev A copy of the input, then `applyQ` in place (the Relu family's assembly loop).
    function _elementwiseQFast(ActivationConfig memory c, bytes memory input, uint256 n) private pure returns (bytes memory y) {
        y = Tensor.allocQ(n);
        /// @solidity memory-safe-assembly
        assembly {
            mcopy(add(y, 0x20), add(input, 0x20), shl(3, n))
        }
        applyQ(y, n, c.act, c.F);
    }

    /// @dev Stage A with `acc = x − zIn` (|acc| ≤ 255) and the config's scalar multipliers.
    function _fusedI8(ActivationConfig memory c, bytes memory input, uint256 n) private pure returns (bytes memory y) {
        y = Tensor.allocI8(n);
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeI8(y, i, _fusedOne(c, Tensor.loadI8(input, i) - c.zIn));
        }
    }

    function _fusedOne(ActivationConfig memory c, int256 acc) private pure returns (int256) {
        return requantAct(acc, int256(uint256(c.M)), c.shift, c.Mn, c.shiftN, c.zOut, c.lo, c.hi);
    }

    /// @dev `_fusedI8` as one assembly loop (the parameters were validated by `_forward`).
    function _fusedI8Fast(ActivationConfig memory c, bytes memory input, uint256 n) private pure returns (bytes memory y) {
        y = Tensor.allocI8(n);
        int256 zIn = c.zIn;
        int256 z = c.zOut;
        int256 lo = c.lo;
        int256 hi = c.hi;
        // (multiplier, shift) of non-negative and negative accumulators, packed as m·256 + s (|m| < 2^31).
        int256 pos = int256(uint256(c.M)) * 256 + int256(uint256(c.shift));
        int256 neg = int256(c.Mn) * 256 + int256(uint256(c.shiftN));
        /// @solidity memory-safe-assembly
        assembly {
            let xp := add(input, 0x20)
            let yp := add(y, 0x20)
            for { let end := add(xp, n) } lt(xp, end) { xp := add(xp, 1) } {
                // Equivalent to: acc = int8(x[i]) − zIn, |acc| ≤ 255
                let a := sub(signextend(0, byte(0, mload(xp))), zIn)
                let ms := pos
                if slt(a, 0) { ms := neg }
                let s := and(ms, 0xff)
                // |a·m| < 2^39: exact. Equivalent to: Rounding.rshiftRound(a·m, s) (RHAZ, numerics §1)
                let v := mul(a, sar(8, ms))
                if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                v := add(v, z)
                // Equivalent to: clampI8(sat8(v), lo, hi) for int8 lo ≤ hi
                if slt(v, lo) { v := lo }
                if sgt(v, hi) { v := hi }
                mstore8(yp, v)
                yp := add(yp, 1)
            }
        }
    }

    function _generalI8(ActivationConfig memory c, bytes memory input, uint256 n) private pure returns (bytes memory y) {
        y = Tensor.allocI8(n);
        int256 m = int256(uint256(c.M));
        for (uint256 i = 0; i < n; i++) {
            Tensor.storeI8(y, i, actI8(Tensor.loadI8(input, i), c.act, c.zIn, c.scaleInQ, m, c.shift, c.zOut));
        }
    }

    /// @dev `uint32[]` → `uint256[]` (the tensor tier's shape type).
    function _dims256(uint32[] memory d) private pure returns (uint256[] memory r) {
        r = new uint256[](d.length);
        for (uint256 i = 0; i < d.length; i++) {
            r[i] = d[i];
        }
    }
}
