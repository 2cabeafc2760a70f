// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounding} from "../tensor/Rounding.sol";
import {Tensor} from "../tensor/Tensor.sol";
import {ValueOutOfRange, InvalidRequantization} from "../tensor/Errors.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";

/// @notice Config of Keras `Rescaling` (`y = x·scale + offset`, scalars).
/// @param mode `Mode` as uint8. @param dims the input (= output) shape.
/// @param F q: fractional bits of input and output.
/// @param scale q: the scale in Q32. @param offset q: the offset in Q(F).
/// @param zIn int8: input zero point.
/// @param M int8: `s_in·scale/s_out ≈ M/2^shift`, signed, |M| < 2^31. @param shift int8: 0..62.
/// @param bias int8: `offset/s_out·2^shift` rounded, |bias| ≤ 2^62. @param zOut int8: output zero point.
struct RescalingConfig {
    uint8 mode;
    uint32[] dims;
    uint8 F;
    int64 scale;
    int64 offset;
    int8 zIn;
    int32 M;
    uint8 shift;
    int64 bias;
    int8 zOut;
}

/// @title Rescaling — Keras `Rescaling` in both number modes (docs/layers.md "Rescaling").
/// @notice q: `y = sat64(rshiftRound(x·scale, 32) + offset)` (one RHAZ). int8:
///         `y = sat8(zOut + rshiftRound((x − zIn)·M + bias, shift))` (one RHAZ; the `addI8` form of
///         numerics §4.4 with a constant second operand). In an int8 model a Rescaling right after the
///         input is normally folded into the input quantization (the client quantizes `x·scale + offset`);
///         this op serves the other placements.
/// @dev Failure conditions, in order: mode (`ValueOutOfRange`); dims (`InvalidShape(102)`, `(103)`);
///      input length; weights empty (`ShapeMismatch`); q: F (`ValueOutOfRange`); int8: |M| < 2^31 and
///      shift ≤ 62 (`InvalidRequantization(M, shift)`), |bias| ≤ 2^62 (`ValueOutOfRange(bias)`).
///      Twin: assembly/layers/Rescaling.ts.
library Rescaling {
    /// @dev Largest |bias| (keeps `(x − zIn)·M + bias` inside int64 in the oracle).
    int256 internal constant BIAS_LIMIT = 2 ** 62;

    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory y) {
        RescalingConfig memory c = abi.decode(config, (RescalingConfig));
        Mode mode = LayerTypes.checkMode(c.mode);
        uint256 n = LayerTypes.count(c.dims);
        LayerTypes.requireLength(n * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(0, weights.length);
        if (mode == Mode.Q) {
            LayerTypes.checkF(c.F);
            y = Tensor.allocQ(n);
            for (uint256 i = 0; i < n; i++) {
                // |x·scale| < 2^126: exact in int256.
                int256 v = Rounding.rshiftRound(Tensor.loadQ(input, i) * c.scale, 32) + c.offset;
                Tensor.storeQ(y, i, Rounding.sat64(v));
            }
            return y;
        }
        if (c.M == type(int32).min || c.shift > 62) revert InvalidRequantization(c.M, int256(uint256(c.shift)));
        if (c.bias > BIAS_LIMIT || c.bias < -BIAS_LIMIT) revert ValueOutOfRange(c.bias);
        y = Tensor.allocI8(n);
        for (uint256 i = 0; i < n; i++) {
            // |(x − zIn)·M| < 2^39, |bias| ≤ 2^62: exact.
            int256 v = (Tensor.loadI8(input, i) - c.zIn) * c.M + c.bias;
            Tensor.storeI8(y, i, Rounding.sat8(c.zOut + Rounding.rshiftRound(v, c.shift)));
        }
    }
}
