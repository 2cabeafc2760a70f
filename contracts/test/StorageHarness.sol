// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SegmentReader} from "../storage/SegmentReader.sol";

/// @title StorageHarness — external entry points over SegmentReader for tests (with gas measured inside).
contract StorageHarness {
    function read(address[] memory segs, uint256 offset, uint256 length) external view returns (bytes memory out, uint256 gasUsed) {
        uint256 g = gasleft();
        out = SegmentReader.read(segs, offset, length);
        gasUsed = g - gasleft();
    }

    function readUniform(address[] memory segs, uint256 stride, uint256 offset, uint256 length)
        external
        view
        returns (bytes memory out, uint256 gasUsed)
    {
        uint256 g = gasleft();
        out = SegmentReader.readUniform(segs, stride, offset, length);
        gasUsed = g - gasleft();
    }

    /// @notice Fill a `bufLen` buffer with 0xAA, read into it at `bufOffset`, return it (the bytes
    /// around the destination range must stay 0xAA).
    function readInto(address[] memory segs, uint256 stride, uint256 offset, uint256 length, uint256 bufLen, uint256 bufOffset)
        external
        view
        returns (bytes memory buf)
    {
        buf = new bytes(bufLen);
        for (uint256 i; i < bufLen; ++i) buf[i] = 0xAA;
        SegmentReader.readInto(segs, stride, offset, length, buf, bufOffset);
    }

    /// @notice Read `length` bytes at each offset into one reused buffer; return each chunk's keccak
    /// and how far the free memory pointer moved during the loop (0: no allocation per read).
    function readManyInto(address[] memory segs, uint256 stride, uint256[] memory offsets, uint256 length)
        external
        view
        returns (bytes32[] memory hashes, uint256 memoryGrowth, uint256 gasUsed)
    {
        hashes = new bytes32[](offsets.length);
        bytes memory buf = new bytes(length);
        uint256 before;
        assembly ("memory-safe") {
            before := mload(0x40)
        }
        uint256 g = gasleft();
        for (uint256 i; i < offsets.length; ++i) {
            SegmentReader.readInto(segs, stride, offsets[i], length, buf, 0);
            bytes32 h;
            assembly ("memory-safe") {
                h := keccak256(add(buf, 0x20), length)
            }
            hashes[i] = h;
        }
        gasUsed = g - gasleft();
        uint256 afterSize;
        assembly ("memory-safe") {
            afterSize := mload(0x40)
        }
        memoryGrowth = afterSize - before;
    }

    function totalLength(address[] memory segs) external view returns (uint256) {
        return SegmentReader.totalLength(segs);
    }

    function dataLength(address seg) external view returns (uint256) {
        return SegmentReader.dataLength(seg);
    }
}
