// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Mode, ActivationSpec, LayerTypes} from "./LayerTypes.sol";
import {Recurrent, RnnParams} from "./Recurrent.sol";

/// @notice Config of a Keras `GRU` layer (docs/layers/recurrent.md "Configs"); fields as LSTMConfig plus
/// @param resetAfter Keras `reset_after` (default true in Keras 2.x/3: separate input and recurrent
///        biases, the reset gate applied after the recurrent matvec); false: the original GRU (tfjs).
struct GRUConfig {
    uint8 mode;
    uint32 T;
    uint32 K;
    uint32 U;
    ActivationSpec act;
    ActivationSpec recAct;
    bool returnSequences;
    bool resetAfter;
    uint8 F;
    int8 zIn;
    int8 zH;
    uint32 hM;
    uint8 hShift;
}

/// @title GRU — Keras `GRU` (gate order z, r, h; h0 = 0), reset_after true and false, both modes.
/// @notice Twin of assembly/layers/GRU.ts. Per step (Recurrent.sol `_cellGRU`), σ = recurrent_activation:
///         reset_after: `z = σ(linX_z + linH_z)`, `r = σ(linX_r + linH_r)`,
///         `hh = act(linX_h + r·sat64(linH_h))`; reset_after = false: `z`, `r` as Keras v1 and
///         `hh = act(x·W_h + (r ⊙ h)·R_h + b_h)`; then `h' = z·h + (1 − z)·hh` (one rounding).
///         Weight blob: q: `W [K, 3U]` ‖ `R [U, 3U]` ‖ (reset_after: `bIn [3U]` ‖ `bRec [3U]`; else
///         `b [3U]`), int64 BE; int8: W panels ‖ R panels (reset_after = false: `R[:, 0:2U]` panels ‖
///         `R[:, 2U:3U]` panels) ‖ the biases (Q32 int64 BE) ‖ `mX` uint32 ×3U ‖ `sX` uint8 ×3U ‖
///         `mH` uint32 ×3U ‖ `sH` uint8 ×3U. State: q: `h [U]`; int8: `h [U]` (int8) ‖ `h [U]` in Q32
///         (the unrounded carry the update interpolates).
/// @dev Failure conditions in order: mode (`ValueOutOfRange`), then Recurrent.validate.
library GRU {
    function params(bytes memory config) internal pure returns (RnnParams memory p) {
        GRUConfig memory c = abi.decode(config, (GRUConfig));
        p.cell = Recurrent.CELL_GRU;
        p.mode = LayerTypes.checkMode(c.mode);
        p.T = c.T;
        p.K = c.K;
        p.U = c.U;
        p.act = c.act;
        p.recAct = c.recAct;
        p.returnSequences = c.returnSequences;
        p.resetAfter = c.resetAfter;
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

    /// @notice Timesteps [tFrom, tTo) from `state`: (outputs of those steps, state after them).
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
