// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {MatVec} from "../tensor/MatVec.sol";

/// @notice Exposes contracts/tensor/MatVec.sol to tests and benchmarks. Every function returns the
///         kernel's result and the gas it used, measured with `gasleft()` around the kernel call only
///         (the ABI decoding of the inputs into memory is not counted).
contract MatVecHarness {
    // ------------------------------------------------------------------------ q mode

    function dotQ(bytes memory a, bytes memory b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Q64.unwrap(MatVec.dotQ(a, b, F));
        gasUsed = g - gasleft();
    }

    function dotQRef(bytes memory a, bytes memory b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        r = Q64.unwrap(MatVec.dotQRef(a, b, F));
        gasUsed = g - gasleft();
    }

    function matvecQ(bytes memory x, bytes memory w, bytes memory bias, uint256 K, uint256 N, uint256 F)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = MatVec.matvecQ(x, w, bias, K, N, F);
        gasUsed = g - gasleft();
    }

    function matvecQRef(bytes memory x, bytes memory w, bytes memory bias, uint256 K, uint256 N, uint256 F)
        external
        view
        returns (bytes memory y, uint256 gasUsed)
    {
        uint256 g = gasleft();
        y = MatVec.matvecQRef(x, w, bias, K, N, F);
        gasUsed = g - gasleft();
    }

    function matmulQ(bytes memory a, bytes memory b, uint256 M, uint256 K, uint256 N, uint256 F)
        external
        view
        returns (bytes memory c, uint256 gasUsed)
    {
        uint256 g = gasleft();
        c = MatVec.matmulQ(a, b, M, K, N, F);
        gasUsed = g - gasleft();
    }

    // ------------------------------------------------------------------------ int8 mode

    function matvecI8(bytes memory x, int256 zx, bytes memory wPanels, int256[] memory bias, uint256 K, uint256 N)
        external
        view
        returns (int256[] memory acc, uint256 gasUsed)
    {
        uint256 g = gasleft();
        acc = MatVec.matvecI8(x, zx, wPanels, bias, K, N);
        gasUsed = g - gasleft();
    }

    function matvecI8Ref(bytes memory x, int256 zx, bytes memory w, int256[] memory bias, uint256 K, uint256 N)
        external
        view
        returns (int256[] memory acc, uint256 gasUsed)
    {
        uint256 g = gasleft();
        acc = MatVec.matvecI8Ref(x, zx, w, bias, K, N);
        gasUsed = g - gasleft();
    }

    function matvecI8Requant(
        bytes memory x,
        int256 zx,
        bytes memory wPanels,
        int256[] memory bias,
        int256[] memory multipliers,
        int256[] memory shifts,
        int256 zOut,
        uint256 K,
        uint256 N
    ) external view returns (bytes memory y, uint256 gasUsed) {
        uint256 g = gasleft();
        y = MatVec.matvecI8Requant(x, zx, wPanels, bias, multipliers, shifts, zOut, K, N);
        gasUsed = g - gasleft();
    }

    function matmulI8(bytes memory a, int256 za, bytes memory b, uint256 M, uint256 K, uint256 N)
        external
        view
        returns (int256[] memory c, uint256 gasUsed)
    {
        uint256 g = gasleft();
        c = MatVec.matmulI8(a, za, b, M, K, N);
        gasUsed = g - gasleft();
    }
}
