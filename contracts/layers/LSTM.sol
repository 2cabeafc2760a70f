// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Mode, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Recurrent, RnnParams} from "./Recurrent.sol";

/// @notice Config of a Keras `LSTM` layer (docs/layers/recurrent.md "Configs").
/// @param mode `Mode` as uint8.
/// @param T timesteps of the input `[T, K]`. @param K input features. @param U units.
/// @param act `activation` (Keras default tanh); @param recAct `recurrent_activation` (default sigmoid).
///        Numbers in Q(F) (q) or Q32 (int8); any kind but Softmax.
/// @param returnSequences output every h (`[T, U]`) or the last (`[U]`).
/// @param F q mode: fractional bits of input, weights, biases, state and output.
/// @param zIn int8: input zero point. @param zH int8: zero point of h (state and output).
/// @param hM int8: `1/(s_h·2^32) ≈ hM/2^hShift`, the quantization of a Q32 h to int8. @param hShift see hM.
struct LSTMConfig {
    uint8 mode;
    uint32 T;
    uint32 K;
    uint32 U;
    ActivationSpec act;
    ActivationSpec recAct;
    bool returnSequences;
    uint8 F;
    int8 zIn;
    int8 zH;
    uint32 hM;
    uint8 hShift;
}

/// @title LSTM — Keras `LSTM` (gate order i, f, c, o; h0 = c0 = 0) in both number modes.
/// @notice Twin of assembly/layers/LSTM.ts. Per step (Recurrent.sol `_cellLSTM`):
///         `i = σ(lin_i)`, `f = σ(lin_f)`, `g = act(lin_c)`, `o = σ(lin_o)`,
///         `c' = sat64(rshiftRound(f·c + i·g, F))`, `h' = sat64(rshiftRound(o·act(c'), F))`
///         (int8: gates and c in Q32, h requantized to int8 — docs/layers/recurrent.md "int8 design").
///         Weight blob: q: `W [K, 4U]` ‖ `R [U, 4U]` (int64 BE, row-major) ‖ `b [4U]`; int8: W panels
///         (numerics §4.2) ‖ R panels ‖ `b [4U]` (Q32 int64 BE) ‖ `mX` uint32 BE ×4U ‖ `sX` uint8 ×4U ‖
///         `mH` uint32 BE ×4U ‖ `sH` uint8 ×4U. State: `h [U]` (mode encoding) ‖ `c [U]` (q elements; Q32 in int8).
/// @dev Failure conditions in order: mode (`ValueOutOfRange`), then Recurrent.validate.
library LSTM {
    function params(bytes memory config) internal pure returns (RnnParams memory p) {
        LSTMConfig memory c = abi.decode(config, (LSTMConfig));
        p.cell = Recurrent.CELL_LSTM;
        p.mode = LayerTypes.checkMode(c.mode);
        p.T = c.T;
        p.K = c.K;
        p.U = c.U;
        p.act = c.act;
        p.recAct = c.recAct;
        p.returnSequences = c.returnSequences;
        p.F = p.mode == Mode.Q ? c.F : 32;
        p.zIn = c.zIn;
        p.zH = c.zH;
        p.hM = int256(uint256(c.hM));
        p.hShift = c.hShift;
    }

    /// @notice The whole sequence from h0 = c0 = 0.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Recurrent.forward(params(config), weights, input);
    }

    /// @notice Timesteps [tFrom, tTo) from `state` (h ‖ c): (outputs of those steps, state after them).
    function forwardSteps(
        bytes memory config,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        uint256 tFrom,
        uint256 tTo
    ) internal pure returns (bytes memory, bytes memory) {
        return Recurrent.forwardSteps(params(config), weights, input, state, tFrom, tTo);
    }

    /// @notice Plain twin of `forwardSteps`.
    function forwardStepsRef(
        bytes memory config,
        bytes memory weights,
        bytes memory input,
        bytes memory state,
        uint256 tFrom,
        uint256 tTo
    ) internal pure returns (bytes memory, bytes memory) {
        return Recurrent.forwardStepsRef(params(config), weights, input, state, tFrom, tTo);
    }
}
