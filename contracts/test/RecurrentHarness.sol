// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Embedding} from "../layers/Embedding.sol";
import {SimpleRNN} from "../layers/SimpleRNN.sol";
import {LSTM} from "../layers/LSTM.sol";
import {GRU} from "../layers/GRU.sol";

/// @title RecurrentHarness — exposes Embedding, SimpleRNN, LSTM and GRU to the differential tests.
/// @notice Every entry returns the layer's outputs and `gasUsed`, the gas of the layer call alone
///         (config decoding, validation, compute), measured with gasleft().
contract RecurrentHarness {
    function embedding(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Embedding.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function embeddingRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Embedding.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function embeddingRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Embedding.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function simpleRNN(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = SimpleRNN.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function simpleRNNSteps(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = SimpleRNN.forwardSteps(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }

    function simpleRNNStepsRef(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = SimpleRNN.forwardStepsRef(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }

    function lstm(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = LSTM.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function lstmSteps(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = LSTM.forwardSteps(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }

    function lstmStepsRef(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = LSTM.forwardStepsRef(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }

    function gru(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GRU.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function gruSteps(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = GRU.forwardSteps(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }

    function gruStepsRef(bytes memory config, bytes memory weights, bytes memory input, bytes memory state, uint256 tFrom, uint256 tTo)
        external
        view
        returns (bytes memory y, bytes memory stateOut, uint256 gasUsed)
    {
        uint256 g = gasleft();
        (y, stateOut) = GRU.forwardStepsRef(config, weights, input, state, tFrom, tTo);
        gasUsed = g - gasleft();
    }
}
