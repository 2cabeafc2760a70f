// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LayerNormalization} from "../layers/LayerNormalization.sol";
import {Add} from "../layers/Add.sol";
import {Multiply} from "../layers/Multiply.sol";
import {Concatenate} from "../layers/Concatenate.sol";

/// @title MergeNormHarness — exposes LayerNormalization, Add, Multiply and Concatenate to the tests.
/// @notice Every entry returns the layer's output and `gasUsed`, the gas of the layer call alone (config
///         decoding, validation, compute), measured with gasleft(). `…Ref` entries run the plain twins.
contract MergeNormHarness {
    function layerNormalization(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = LayerNormalization.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function layerNormalizationRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = LayerNormalization.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function layerNormalizationRef(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = LayerNormalization.forwardRef(config, weights, input);
        gasUsed = g - gasleft();
    }

    function layerNormalizationRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = LayerNormalization.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function add(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Add.forward(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function addRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Add.forwardRange(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

    function addRef(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Add.forwardRef(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function addRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Add.forwardRangeRef(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

    function multiply(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Multiply.forward(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function multiplyRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Multiply.forwardRange(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

    function multiplyRef(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Multiply.forwardRef(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function multiplyRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Multiply.forwardRangeRef(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

    function concatenate(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Concatenate.forward(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function concatenateRange(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Concatenate.forwardRange(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

    function concatenateRef(bytes memory config, bytes memory weights, bytes[] memory inputs)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Concatenate.forwardRef(config, weights, inputs);
        gasUsed = g - gasleft();
    }

    function concatenateRangeRef(bytes memory config, bytes memory weights, bytes[] memory inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Concatenate.forwardRangeRef(config, weights, inputs, from, to);
        gasUsed = g - gasleft();
    }

}
