// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ShapeMismatch} from "./Errors.sol";

/// @title Tensor — element access and allocation for packed tensors in memory.
/// @notice docs/numerics.md §3 (q tensors: 8-byte big-endian two's-complement int64 elements, row-major)
///         and §4 (int8 tensors: one two's-complement byte per element, row-major).
/// @dev None of the accessors checks bounds: callers check shapes first (`requireLength`), as every
///      kernel does before its loops. Reads may touch up to 31 bytes past the buffer, which is harmless
///      in the EVM (memory is readable everywhere).
library Tensor {
    /// @dev Bytes per q element (numerics §3).
    uint256 internal constant Q_BYTES = 8;
    /// @dev `2^192 - 1`: the low 24 bytes of a word (everything but the first q element).
    uint256 private constant LOW192 = 0xffffffffffffffffffffffffffffffffffffffffffffffff;

    /// @notice Revert `ShapeMismatch(expected, actual)` unless `actual == expected`.
    function requireLength(uint256 expected, uint256 actual) internal pure {
        if (expected != actual) revert ShapeMismatch(expected, actual);
    }

    /// @notice Number of elements of a q tensor; reverts `ShapeMismatch(len − len mod 8, len)` when its
    ///         byte length is not a multiple of 8 (an EVM-only failure: the oracle receives elements).
    function lengthQ(bytes memory t) internal pure returns (uint256 n) {
        uint256 len = t.length;
        if (len % Q_BYTES != 0) revert ShapeMismatch(len - (len % Q_BYTES), len);
        n = len / Q_BYTES;
    }

    /// @notice Element `i` of an int8 tensor, sign-extended.
    function loadI8(bytes memory t, uint256 i) internal pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: int8(uint8(t[i]))
            v := signextend(0, byte(0, mload(add(add(t, 0x20), i))))
        }
    }

    /// @notice Write element `i` of an int8 tensor (the low byte of `v`; callers pass values in [−128, 127]).
    function storeI8(bytes memory t, uint256 i, int256 v) internal pure {
        /// @solidity memory-safe-assembly
        assembly {
            mstore8(add(add(t, 0x20), i), v)
        }
    }

    /// @notice Element `i` of a q tensor (int64, big-endian), sign-extended.
    function loadQ(bytes memory t, uint256 i) internal pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            // Equivalent to: int64(uint64(bytes8(t[8i : 8i + 8])))
            v := sar(192, mload(add(add(t, 0x20), shl(3, i))))
        }
    }

    /// @notice Write element `i` of a q tensor (the low 64 bits of `v`; callers pass int64 values).
    ///         Read-modify-write: the neighbours are preserved, so any write order is safe.
    function storeQ(bytes memory t, uint256 i, int256 v) internal pure {
        /// @solidity memory-safe-assembly
        assembly {
            let p := add(add(t, 0x20), shl(3, i))
            // Equivalent to: t[8i : 8i + 8] = bytes8(uint64(int64(v)))
            mstore(p, or(and(mload(p), LOW192), shl(192, v)))
        }
    }

    /// @notice A new int8 tensor of `n` elements. Its contents are NOT zeroed: write every element.
    /// @dev Skips the zero fill of `new bytes(n)`; the ABI encoder pads returned bytes with zeros itself.
    function allocI8(uint256 n) internal pure returns (bytes memory t) {
        /// @solidity memory-safe-assembly
        assembly {
            t := mload(0x40)
            mstore(t, n)
            // One spare word after the data (see allocQ): kernels may store whole words at the end.
            mstore(0x40, add(add(t, 0x40), and(add(n, 31), not(31))))
        }
    }

    /// @notice A new q tensor of `n` elements. Its contents are NOT zeroed: write every element.
    /// @dev Reserves one spare word after the data, so kernels that write elements in increasing order
    ///      with a whole-word `mstore(p, shl(192, v))` (which zeroes the 24 bytes after element i) never
    ///      touch memory they do not own; after the last such write the bytes past the end are zero.
    function allocQ(uint256 n) internal pure returns (bytes memory t) {
        uint256 len = n * Q_BYTES;
        /// @solidity memory-safe-assembly
        assembly {
            t := mload(0x40)
            mstore(t, len)
            mstore(0x40, add(add(t, 0x40), and(add(len, 31), not(31))))
        }
    }

    /// @notice A new `int256[]` of length `n` whose contents are NOT zeroed: write every element.
    function allocWords(uint256 n) internal pure returns (int256[] memory a) {
        /// @solidity memory-safe-assembly
        assembly {
            a := mload(0x40)
            mstore(a, n)
            mstore(0x40, add(add(a, 0x20), shl(5, n)))
        }
    }

    /// @notice Memory address of the first element of a `bytes` buffer.
    function dataPtr(bytes memory t) internal pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := add(t, 0x20)
        }
    }

    /// @notice Memory address of the first element of an `int256[]`.
    function dataPtr(int256[] memory a) internal pure returns (uint256 p) {
        /// @solidity memory-safe-assembly
        assembly {
            p := add(a, 0x20)
        }
    }
}
