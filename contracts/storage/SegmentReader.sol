// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SegmentReader — read byte ranges of data stored in code segments (SSTORE2 pattern).
/// @notice A *segment* is a data contract whose runtime code is `0x00 ‖ data`: one STOP byte (so a
/// call to it does nothing) followed by 1 … 24,575 data bytes (runtime ≤ 24,576 bytes, EIP-170).
/// A blob is stored as the concatenation of the data of an ordered list of segments. Byte `k` of
/// segment `i`'s data is code byte `k + 1` of that segment.
///
/// Two ways to locate an offset:
/// - `stride == 0` ("walk"): segments may have any data length; the reader walks the list from the
///   first segment, asking each one's EXTCODESIZE (2,600 gas the first time a segment is touched in
///   a transaction, 100 afterwards).
/// - `stride > 0` ("uniform"): every segment except the last holds exactly `stride` data bytes (what
///   `buildSegments` in `src/harness/storage/segments.ts` produces); the first segment is found by
///   one division. Each segment actually read is still size-checked.
///
/// Reads never return the zero padding EXTCODECOPY gives past the end of code: a range that is not
/// fully inside the blob reverts with `SegmentReadOutOfBounds`. The `…Into`/`copyTo` variants write
/// into memory the caller already owns, so a kernel can reuse one buffer for many reads and memory
/// does not grow (memory expansion is quadratic).
library SegmentReader {
    /// @notice Largest data length of one segment: 24,576 (EIP-170) minus the STOP prefix.
    uint256 internal constant MAX_DATA = 24_575;

    /// @notice The byte range [offset, offset + length) is not inside the segments' data.
    error SegmentReadOutOfBounds(uint256 offset, uint256 length);
    /// @notice Segment `index` has no data (no code, or only the prefix): missing or not a segment.
    error EmptySegment(uint256 index, address segment);
    /// @notice Uniform layout violated: segment `index` (not the last segment) holds `size` data bytes, not `stride`.
    error SegmentSizeMismatch(uint256 index, uint256 size, uint256 stride);
    /// @notice `readInto`: the destination range does not fit in the buffer.
    error BufferTooSmall(uint256 needed, uint256 available);

    /// @notice Data length of one segment (code size minus the prefix; 0 without code).
    function dataLength(address segment) internal view returns (uint256 size) {
        assembly ("memory-safe") {
            size := extcodesize(segment)
            if size { size := sub(size, 1) }
        }
    }

    /// @notice Total data length of a list of segments (one EXTCODESIZE each).
    function totalLength(address[] memory segments) internal view returns (uint256 total) {
        for (uint256 i; i < segments.length; ++i) total += dataLength(segments[i]);
    }

    /// @notice Bytes [offset, offset + length) of the concatenated data, any segment sizes.
    function read(address[] memory segments, uint256 offset, uint256 length) internal view returns (bytes memory out) {
        out = _alloc(length);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(out, 0x20)
        }
        copyTo(segments, 0, offset, length, dest);
    }

    /// @notice Like `read`, for a uniform layout: every segment but the last holds `stride` data bytes.
    function readUniform(address[] memory segments, uint256 stride, uint256 offset, uint256 length) internal view returns (bytes memory out) {
        out = _alloc(length);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(out, 0x20)
        }
        copyTo(segments, stride, offset, length, dest);
    }

    /// @notice Copy bytes [offset, offset + length) of the data into `buf` at `bufOffset` (no allocation).
    /// @param stride 0 for any segment sizes, else the uniform data length of all segments but the last.
    function readInto(
        address[] memory segments,
        uint256 stride,
        uint256 offset,
        uint256 length,
        bytes memory buf,
        uint256 bufOffset
    ) internal view {
        uint256 available = buf.length;
        if (bufOffset > available || length > available - bufOffset) revert BufferTooSmall(bufOffset + length, available);
        uint256 dest;
        assembly ("memory-safe") {
            dest := add(add(buf, 0x20), bufOffset)
        }
        copyTo(segments, stride, offset, length, dest);
    }

    /// @notice The core copy: bytes [offset, offset + length) of the data to memory address `dest`.
    /// @dev The caller guarantees `dest … dest + length` is memory it owns. One EXTCODESIZE and one
    /// EXTCODECOPY per segment the range touches (plus, with `stride == 0`, one EXTCODESIZE per
    /// segment before the range).
    function copyTo(address[] memory segments, uint256 stride, uint256 offset, uint256 length, uint256 dest) internal view {
        if (length == 0) return;
        uint256 n = segments.length;
        uint256 i;
        uint256 inner = offset;
        if (stride != 0) {
            i = offset / stride;
            inner = offset % stride;
        }
        uint256 remaining = length;
        unchecked {
            while (true) {
                if (i >= n) revert SegmentReadOutOfBounds(offset, length);
                address seg = segments[i];
                uint256 size = dataLength(seg);
                if (size == 0) revert EmptySegment(i, seg);
                // Uniform layout: every segment but the last holds exactly `stride` bytes.
                if (stride != 0 && size != stride && i + 1 < n) revert SegmentSizeMismatch(i, size, stride);
                if (inner >= size) {
                    if (stride != 0) revert SegmentReadOutOfBounds(offset, length);
                    inner -= size;
                    ++i;
                    continue;
                }
                uint256 chunk = size - inner;
                if (chunk > remaining) chunk = remaining;
                assembly ("memory-safe") {
                    extcodecopy(seg, dest, add(inner, 1), chunk)
                }
                remaining -= chunk;
                if (remaining == 0) return;
                dest += chunk;
                inner = 0;
                ++i;
            }
        }
    }

    /// @dev A `bytes` of `length` without zero-filling the body (it is overwritten); the last word is
    /// cleared so the padding after the data is clean.
    function _alloc(uint256 length) private pure returns (bytes memory out) {
        assembly ("memory-safe") {
            out := mload(0x40)
            let padded := and(add(length, 31), not(31))
            mstore(add(out, padded), 0)
            mstore(out, length)
            mstore(0x40, add(add(out, 0x20), padded))
        }
    }
}
