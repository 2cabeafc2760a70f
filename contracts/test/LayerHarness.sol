// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Dense} from "../layers/Dense.sol";
import {Activation} from "../layers/Activation.sol";
import {Rescaling} from "../layers/Rescaling.sol";
import {InputLayer, Dropout, Flatten, Reshape} from "../layers/Identity.sol";

/// @title LayerHarness — exposes the layer ops of contracts/layers to the differential tests.
/// @notice Every entry returns the layer's output and `gasUsed`, the gas of the layer call alone
///         (config decoding, validation, compute, activation), measured with gasleft().
contract LayerHarness {
    function dense(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Dense.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function denseRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Dense.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function denseRef(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Dense.forwardRef(config, weights, input);
        gasUsed = g - gasleft();
    }

    function denseRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Dense.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function activation(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Activation.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function activationRef(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Activation.forwardRef(config, weights, input);
        gasUsed = g - gasleft();
    }

    function rescaling(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Rescaling.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function inputLayer(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = InputLayer.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function dropout(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Dropout.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function flatten(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Flatten.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function reshape(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Reshape.forward(config, weights, input);
        gasUsed = g - gasleft();
    }
}
