// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ValueOutOfRange, InvalidShape, ShapeMismatch, InvalidRequantization} from "../tensor/Errors.sol";

/// @title LayerTypes — the types and checks every layer of the layer tier shares (docs/layers.md).
/// @notice A layer is a pure function `output = forward(config, weights, input)` on byte tensors
///         (docs/architecture.md "Layers"): `config` is `abi.encode` of the layer's config struct,
///         `weights` its weight blob, tensors are int8 (1 byte per element) or q (8-byte big-endian
///         int64) per numerics §3, §4. Each layer's config struct is declared in the layer's own file;
///         this file holds what several layers use: the number mode, the activation spec, the error
///         codes and the validation helpers. Twin: assembly/layers/LayerTypes.ts.

/// @notice The number mode of a layer (numerics §3 `q`, §4 `int8`). Configs carry it as a `uint8`
///         (validated by `LayerTypes.checkMode`, so a bad value reverts `ValueOutOfRange` in both tiers
///         instead of failing inside the ABI decoder).
enum Mode {
    Q,
    I8
}

/// @notice Activation kinds (docs/layers.md "Activations"). Keras names map as: linear → Linear;
///         relu, relu6, leaky_relu and the ReLU / LeakyReLU layers → Relu (one piecewise-linear family);
///         sigmoid, tanh, softmax, hard_sigmoid, silu/swish → the same names; gelu → Gelu
///         (approximate=False) or GeluTanh (approximate=True).
enum ActKind {
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    HardSigmoid,
    Silu,
    Gelu,
    GeluTanh
}

/// @notice An activation function with its parameters, in the format of the values it is applied to
///         (q mode: Q(F) values; int8 mode, general path: Q32.32 values — docs/layers.md).
/// @param kind an `ActKind` as uint8.
/// @param slope Relu: `negative_slope` (leaky α); HardSigmoid: `slope`. Always Q32 (a pure number).
/// @param offset HardSigmoid: `offset` (value format). Unused otherwise.
/// @param threshold Relu: `threshold` (value format). Unused otherwise.
/// @param maxValue Relu: `max_value` (value format; `type(int64).max` = no cap). Unused otherwise.
struct ActivationSpec {
    uint8 kind;
    int64 slope;
    int64 offset;
    int64 threshold;
    int64 maxValue;
}

library LayerTypes {
    /// @dev Bytes per element of a q tensor (numerics §3) and an int8 tensor (numerics §4).
    uint256 internal constant Q_BYTES = 8;
    uint256 internal constant I8_BYTES = 1;
    /// @dev Largest number of fractional bits (numerics §3.1).
    uint256 internal constant MAX_F = 62;
    /// @dev Element counts of layer tensors stay below 2^31 (every running product of a shape too).
    uint256 internal constant COUNT_LIMIT = 2 ** 31;

    // InvalidShape codes of the layer tier (docs/layers.md "Failure conditions"). The tensor tier uses
    // codes below 100, so a code names its tier.
    /// @dev `forwardRange(from, to)` with `from > to` or `to >` the number of output units.
    uint256 internal constant CODE_RANGE = 100;
    /// @dev A softmax over the split axis asked for a partial range (it needs every unit).
    uint256 internal constant CODE_PARTIAL_SOFTMAX = 101;
    /// @dev A zero dimension in a layer's shape.
    uint256 internal constant CODE_ZERO_DIM = 102;
    /// @dev An element count (or a running product of a shape) ≥ 2^31.
    uint256 internal constant CODE_TOO_LARGE = 103;
    /// @dev An axis ≥ the rank of the shape it indexes.
    uint256 internal constant CODE_AXIS = 104;
    /// @dev An output shape the layer cannot produce (Flatten: not rank 1; InputLayer/Dropout: ≠ input).
    uint256 internal constant CODE_OUTPUT_SHAPE = 105;

    /// @notice Revert `ValueOutOfRange(mode)` unless `mode` is a `Mode`.
    function checkMode(uint8 mode) internal pure returns (Mode) {
        if (mode > uint8(Mode.I8)) revert ValueOutOfRange(int256(uint256(mode)));
        return Mode(mode);
    }

    /// @notice Revert `ValueOutOfRange(kind)` unless `kind` is an `ActKind`.
    function checkKind(uint8 kind) internal pure returns (ActKind) {
        if (kind > uint8(ActKind.GeluTanh)) revert ValueOutOfRange(int256(uint256(kind)));
        return ActKind(kind);
    }

    /// @notice Revert `ValueOutOfRange(F)` unless `F ≤ 62` (numerics §3.1).
    function checkF(uint256 F) internal pure {
        if (F > MAX_F) revert ValueOutOfRange(int256(F));
    }

    /// @notice Bytes per element in `mode`.
    function elementBytes(Mode mode) internal pure returns (uint256) {
        return mode == Mode.Q ? Q_BYTES : I8_BYTES;
    }

    /// @notice Revert `ShapeMismatch(expected, actual)` unless equal.
    function requireLength(uint256 expected, uint256 actual) internal pure {
        if (expected != actual) revert ShapeMismatch(expected, actual);
    }

    /// @notice Revert `InvalidShape(CODE_ZERO_DIM)` if `d == 0`.
    function checkDim(uint256 d) internal pure {
        if (d == 0) revert InvalidShape(CODE_ZERO_DIM);
    }

    /// @notice The element count of `dims`: every entry ≥ 1 (else `InvalidShape(102)`, checked for all
    ///         entries first), every running product < 2^31 (else `InvalidShape(103)`). A rank-0 shape
    ///         counts 1 element.
    function count(uint32[] memory dims) internal pure returns (uint256 n) {
        for (uint256 d = 0; d < dims.length; d++) {
            checkDim(dims[d]);
        }
        n = 1;
        for (uint256 d = 0; d < dims.length; d++) {
            n *= dims[d]; // n < 2^31 and dims[d] < 2^32: no overflow
            if (n >= COUNT_LIMIT) revert InvalidShape(CODE_TOO_LARGE);
        }
    }

    /// @notice Revert `InvalidShape(CODE_TOO_LARGE)` unless `n < 2^31`.
    function checkCount(uint256 n) internal pure {
        if (n >= COUNT_LIMIT) revert InvalidShape(CODE_TOO_LARGE);
    }

    /// @notice Revert `InvalidShape(CODE_RANGE)` unless `from ≤ to ≤ n`.
    function checkRange(uint256 from, uint256 to, uint256 n) internal pure {
        if (from > to || to > n) revert InvalidShape(CODE_RANGE);
    }

    /// @notice Revert `ValueOutOfRange(lo)` unless `lo ≤ hi` (int8 clamp bounds, numerics §4.4 `clampI8`).
    function checkClamp(int256 lo, int256 hi) internal pure {
        if (lo > hi) revert ValueOutOfRange(lo);
    }

    /// @notice Revert `ValueOutOfRange(scaleQ)` unless `scaleQ ≥ 0` (a scale in Q32, numerics §4.4).
    function checkScale(int256 scaleQ) internal pure {
        if (scaleQ < 0) revert ValueOutOfRange(scaleQ);
    }

    /// @notice Revert `InvalidRequantization(m, shift)` unless `0 ≤ m < 2^31` and `shift ≤ 126` (numerics §4.3).
    function checkRequant(int256 m, uint256 shift) internal pure {
        if (m < 0 || m >= 2 ** 31 || shift > 126) revert InvalidRequantization(m, int256(shift));
    }

    /// @notice Revert `InvalidRequantization(m, shift)` unless `|m| < 2^31` and `shift ≤ 126`: a signed
    ///         multiplier (the negative branch of a fused leaky ReLU, docs/layers.md "int8 stage A").
    function checkSignedRequant(int256 m, uint256 shift) internal pure {
        if (m <= -(2 ** 31) || m >= 2 ** 31 || shift > 126) revert InvalidRequantization(m, int256(shift));
    }

    /// @notice True when an int8 layer applies `a` inside its requantization (stage A only): Linear, and
    ///         the Relu family with threshold 0 (docs/layers.md "int8 activations").
    function isFusedI8(ActivationSpec memory a) internal pure returns (bool) {
        return a.kind == uint8(ActKind.Linear) || (a.kind == uint8(ActKind.Relu) && a.threshold == 0);
    }
}
