// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Mode, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Recurrent, RnnParams} from "./Recurrent.sol";

/// @notice Config of a Keras `SimpleRNN` layer (docs/layers/recurrent.md "Configs"); fields as LSTMConfig
///         without `recAct`.
/// @param act `activation` (Keras default tanh), any kind but Softmax; numbers in Q(F) (q) or Q32 (int8).
struct SimpleRNNConfig {
    uint8 mode;
    uint32 T;
    uint32 K;
    uint32 U;
    ActivationSpec act;
    bool returnSequences;
    uint8 F;
    int8 zIn;
    int8 zH;
    uint32 hM;
    uint8 hShift;
}

/// @title SimpleRNN — Keras `SimpleRNN` (`h' = act(x·W + h·R + b)`, h0 = 0) in both number modes.
/// @notice Twin of assembly/layers/SimpleRNN.ts. q: `h' = act(sat64(rshiftRound(Σ x·W + Σ h·R, F) + b))`;
///         int8: `h' = requantize(act(sat64(lin)), hM, hShift, zH)` with lin in Q32 (Recurrent.sol).
///         Weight blob: q: `W [K, U]` ‖ `R [U, U]` ‖ `b [U]` (int64 BE); int8: W panels ‖ R panels ‖
///         `b [U]` (Q32 int64 BE) ‖ `mX` uint32 ×U ‖ `sX` uint8 ×U ‖ `mH` uint32 ×U ‖ `sH` uint8 ×U.
///         State: `h [U]` (mode encoding).
/// @dev Failure conditions in order: mode (`ValueOutOfRange`), then Recurrent.validate.
library SimpleRNN {
    function params(bytes memory config) internal pure returns (RnnParams memory p) {
        SimpleRNNConfig memory c = abi.decode(config, (SimpleRNNConfig));
        p.cell = Recurrent.CELL_SIMPLE;
        p.mode = LayerTypes.checkMode(c.mode);
        p.T = c.T;
        p.K = c.K;
        p.U = c.U;
        p.act = c.act;
        p.returnSequences = c.returnSequences;
        p.F = p.mode == Mode.Q ? c.F : 32;
        p.zIn = c.zIn;
        p.zH = c.zH;
        p.hM = int256(uint256(c.hM));
        p.hShift = c.hShift;
    }

    /// @notice The whole sequence from h0 = 0.
    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        return Recurrent.forward(params(config), weights, input);
    }

    /// @notice Timesteps [tFrom, tTo) from `state` (h): (outputs of those steps, state after them).
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
