// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DepthwiseConv, DepthwiseConv2dShape} from "../tensor/DepthwiseConv.sol";

/// @title DepthwiseConvHarness — exposes contracts/tensor/DepthwiseConv.sol to the differential tests
///        and the gas bench.
/// @notice Every entry returns the kernel's output and `gasUsed`, the gas of the library call alone
///         (measured with gasleft() around it: ABI decoding and encoding are excluded).
contract DepthwiseConvHarness {
    function depthwiseConv2dQ(bytes memory x, bytes memory kernel, bytes memory bias, DepthwiseConv2dShape memory s, int256 F)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv.depthwiseConv2dQ(x, kernel, bias, s, F);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dQRef(bytes memory x, bytes memory kernel, bytes memory bias, DepthwiseConv2dShape memory s, int256 F)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = DepthwiseConv.depthwiseConv2dQRef(x, kernel, bias, s, F);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dI8(bytes memory x, int256 zx, bytes memory kernel, int32[] memory bias, DepthwiseConv2dShape memory s)
        external
        view
        returns (bytes memory acc, uint256 gasUsed)
    {
        uint256 g = gasleft();
        acc = DepthwiseConv.depthwiseConv2dI8(x, zx, kernel, bias, s);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dI8Ref(bytes memory x, int256 zx, bytes memory kernel, int32[] memory bias, DepthwiseConv2dShape memory s)
        external
        view
        returns (bytes memory acc, uint256 gasUsed)
    {
        uint256 g = gasleft();
        acc = DepthwiseConv.depthwiseConv2dI8Ref(x, zx, kernel, bias, s);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dI8Requant(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = DepthwiseConv.depthwiseConv2dI8Requant(x, zx, kernel, bias, s, M, shift, zOut);
        gasUsed = g - gasleft();
    }

    function depthwiseConv2dI8RequantRef(
        bytes memory x,
        int256 zx,
        bytes memory kernel,
        int32[] memory bias,
        DepthwiseConv2dShape memory s,
        int256[] memory M,
        int256[] memory shift,
        int256 zOut
    ) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = DepthwiseConv.depthwiseConv2dI8RequantRef(x, zx, kernel, bias, s, M, shift, zOut);
        gasUsed = g - gasleft();
    }
}
