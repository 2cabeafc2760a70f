// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Conv2D} from "../layers/Conv2D.sol";
import {DepthwiseConv2D} from "../layers/DepthwiseConv2D.sol";
import {ZeroPadding2D} from "../layers/ZeroPadding2D.sol";
import {MaxPooling2D} from "../layers/MaxPooling2D.sol";
import {AveragePooling2D} from "../layers/AveragePooling2D.sol";
import {GlobalAveragePooling2D} from "../layers/GlobalAveragePooling2D.sol";
import {GlobalMaxPooling2D} from "../layers/GlobalMaxPooling2D.sol";
import {BatchNormalization} from "../layers/BatchNormalization.sol";

/// @title ConvLayersHarness — exposes the image layers of contracts/layers (Conv2D, DepthwiseConv2D,
///        ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
///        BatchNormalization) to the differential tests and the gas bench.
/// @notice Every entry returns the layer's output and `gasUsed`, the gas of the layer call alone (config
///         decoding, validation, compute, activation), measured with gasleft(). `<layer>Range` is
///         `forwardRange`, `…Ref` the plain twins.
contract ConvLayersHarness {
    // ------------------------------------------------------------------ Conv2D

    function conv2d(bytes memory config, bytes memory weights, bytes memory input) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Conv2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function conv2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Conv2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function conv2dRef(bytes memory config, bytes memory weights, bytes memory input) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = Conv2D.forwardRef(config, weights, input);
        gasUsed = g - gasleft();
    }

    function conv2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = Conv2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    // ------------------------------------------------------------------ DepthwiseConv2D

    function depthwiseConv2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dRef(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv2D.forwardRef(config, weights, input);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    // ------------------------------------------------------------------ ZeroPadding2D

    function zeroPadding2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = ZeroPadding2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function zeroPadding2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = ZeroPadding2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    // ------------------------------------------------------------------ pooling

    function maxPooling2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = MaxPooling2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function maxPooling2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = MaxPooling2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function maxPooling2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = MaxPooling2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function averagePooling2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = AveragePooling2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function averagePooling2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = AveragePooling2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function averagePooling2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = AveragePooling2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function globalAveragePooling2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalAveragePooling2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function globalAveragePooling2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalAveragePooling2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function globalAveragePooling2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalAveragePooling2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function globalMaxPooling2d(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalMaxPooling2D.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function globalMaxPooling2dRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalMaxPooling2D.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function globalMaxPooling2dRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = GlobalMaxPooling2D.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    // ------------------------------------------------------------------ BatchNormalization

    function batchNormalization(bytes memory config, bytes memory weights, bytes memory input)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = BatchNormalization.forward(config, weights, input);
        gasUsed = g - gasleft();
    }

    function batchNormalizationRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = BatchNormalization.forwardRange(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }

    function batchNormalizationRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = BatchNormalization.forwardRangeRef(config, weights, input, from, to);
        gasUsed = g - gasleft();
    }
}
