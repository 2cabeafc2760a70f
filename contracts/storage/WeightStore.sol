// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelOwnership} from "../models/ModelOwnership.sol";
import {SegmentReader} from "./SegmentReader.sol";

/// @title WeightStore — a model's weight blob in code segments, verified against declared hashes.
/// @notice Upload protocol (all owner only, all before `seal`):
/// 1. `declareSegments(hashes)` (and `appendSegments(more)` when one transaction cannot carry all
///    hashes): the expected **segment hash** of every segment, in blob order.
/// 2. Deploy each segment (a plain creation transaction whose runtime code is `0x00 ‖ data`) and
///    `registerSegment(index, address)` / `registerSegments(indices, addresses)`: the segment's
///    EXTCODEHASH must equal the declared hash, else `SegmentHashMismatch(index, expected, actual)`.
///    Registration reads no code (EXTCODEHASH + EXTCODESIZE only) and writes one storage slot.
/// 3. `segmentsPresent()` / `missingSegments()` tell an interrupted upload what is left.
/// 4. `seal()` requires every declared segment to be present.
///
/// **Segment hash** of a segment with data `d` (1 … 24,575 bytes):
///     segmentHash = keccak256(0x00 ‖ d)
/// i.e. the keccak256 of the segment's full runtime code, which is exactly what EXTCODEHASH returns
/// for the deployed segment (TS twin: `segmentHash(data)` in `src/harness/storage/segments.ts`).
///
/// **Weights root**, with `h[0..n-1]` the declared segment hashes in order and `configHash()` the
/// model's config commitment:
///     weightsRoot = keccak256(abi.encode(configHash(), h))     // h typed bytes32[]
///                 = keccak256(configHash ‖ uint256(0x40) ‖ uint256(n) ‖ h[0] ‖ … ‖ h[n-1])
/// (each term 32 bytes, big-endian). It commits to the config and to every weight byte and segment
/// boundary; anyone can recompute it off chain from the config and the blob (TS twin:
/// `weightsRoot(configHash, hashes)`).
abstract contract WeightStore is ModelOwnership {
    /// @notice The deployed segment's code hash differs from the declared segment hash.
    error SegmentHashMismatch(uint256 index, bytes32 expected, bytes32 actual);
    /// @notice `index` is not below the number of declared segments.
    error SegmentIndexOutOfRange(uint256 index, uint256 count);
    /// @notice Segment `index` is already registered (at `segment`).
    error SegmentAlreadyRegistered(uint256 index, address segment);
    /// @notice `seal`: `missing` declared segments are not registered yet (or none were declared).
    error SegmentsIncomplete(uint256 missing, uint256 count);
    /// @notice Two array arguments differ in length.
    error ArrayLengthMismatch(uint256 a, uint256 b);
    /// @notice A declared segment hash of zero (no code can hash to it).
    error ZeroSegmentHash(uint256 index);

    /// @notice The declared list is now `count` hashes long (`fresh`: it replaced an earlier declaration).
    event SegmentsDeclared(uint256 count, bool fresh);
    event SegmentRegistered(uint256 indexed index, address segment, uint256 dataLength);

    /// @dev epoch: bumped by each `declareSegments`, so a new declaration forgets the old one in O(1).
    struct Header {
        uint64 epoch;
        uint64 count;
        uint64 present;
    }

    Header private _header;
    /// @dev epoch → index → declared segment hash.
    mapping(uint256 => mapping(uint256 => bytes32)) private _hashes;
    /// @dev epoch → index → `uint160(segment) | dataLength << 160` (0 = not registered).
    mapping(uint256 => mapping(uint256 => uint256)) private _slots;

    /// @notice The model's config commitment, first term of the weights root.
    function configHash() public view virtual returns (bytes32);

    // ------------------------------------------------------------------ declaration

    /// @notice Declare the expected segment hashes (replaces any earlier declaration and its registrations).
    function declareSegments(bytes32[] calldata hashes) external onlyOwner whenNotSealed {
        Header memory h = _header;
        h.epoch += 1;
        h.count = 0;
        h.present = 0;
        _append(h, hashes);
        emit SegmentsDeclared(h.count, true);
    }

    /// @notice Append more hashes to the current declaration (for lists too long for one transaction).
    function appendSegments(bytes32[] calldata hashes) external onlyOwner whenNotSealed {
        Header memory h = _header;
        _append(h, hashes);
        emit SegmentsDeclared(h.count, false);
    }

    function _append(Header memory h, bytes32[] calldata hashes) private {
        mapping(uint256 => bytes32) storage m = _hashes[h.epoch];
        uint256 base = h.count;
        for (uint256 i; i < hashes.length; ++i) {
            if (hashes[i] == bytes32(0)) revert ZeroSegmentHash(base + i);
            m[base + i] = hashes[i];
        }
        h.count = uint64(base + hashes.length);
        _header = h;
    }

    // ------------------------------------------------------------------ registration

    /// @notice Register the deployed segment for declared index `index` (its code hash must match).
    function registerSegment(uint256 index, address segment) external onlyOwner whenNotSealed {
        Header memory h = _header;
        _register(h, index, segment);
        _header = h;
    }

    /// @notice Register several segments in one transaction.
    function registerSegments(uint256[] calldata indices, address[] calldata addrs) external onlyOwner whenNotSealed {
        if (indices.length != addrs.length) revert ArrayLengthMismatch(indices.length, addrs.length);
        Header memory h = _header;
        for (uint256 i; i < indices.length; ++i) _register(h, indices[i], addrs[i]);
        _header = h;
    }

    function _register(Header memory h, uint256 index, address segment) private {
        if (index >= h.count) revert SegmentIndexOutOfRange(index, h.count);
        mapping(uint256 => uint256) storage slots = _slots[h.epoch];
        uint256 prev = slots[index];
        if (prev != 0) revert SegmentAlreadyRegistered(index, address(uint160(prev)));
        bytes32 expected = _hashes[h.epoch][index];
        bytes32 actual = segment.codehash;
        if (actual != expected) revert SegmentHashMismatch(index, expected, actual);
        // The hash matched a non-empty code (a declared hash is never that of empty code), so size ≥ 1.
        uint256 len = segment.code.length - 1;
        slots[index] = uint256(uint160(segment)) | (len << 160);
        h.present += 1;
        emit SegmentRegistered(index, segment, len);
    }

    function _beforeSeal() internal virtual override {
        Header memory h = _header;
        if (h.count == 0 || h.present != h.count) revert SegmentsIncomplete(h.count - h.present, h.count);
    }

    // ------------------------------------------------------------------ views

    /// @notice Number of declared segments.
    function segmentCount() public view returns (uint256) {
        return _header.count;
    }

    /// @notice Number of registered segments.
    function presentCount() external view returns (uint256) {
        return _header.present;
    }

    /// @notice The declared segment hashes in order.
    function segmentHashes() public view returns (bytes32[] memory hashes) {
        Header memory h = _header;
        mapping(uint256 => bytes32) storage m = _hashes[h.epoch];
        hashes = new bytes32[](h.count);
        for (uint256 i; i < hashes.length; ++i) hashes[i] = m[i];
    }

    /// @notice `present[i]` is true when segment `i` is registered.
    function segmentsPresent() external view returns (bool[] memory present) {
        Header memory h = _header;
        mapping(uint256 => uint256) storage slots = _slots[h.epoch];
        present = new bool[](h.count);
        for (uint256 i; i < present.length; ++i) present[i] = slots[i] != 0;
    }

    /// @notice Indices of the declared segments not registered yet, ascending.
    function missingSegments() external view returns (uint256[] memory missing) {
        Header memory h = _header;
        mapping(uint256 => uint256) storage slots = _slots[h.epoch];
        missing = new uint256[](h.count - h.present);
        uint256 k;
        for (uint256 i; i < h.count; ++i) {
            if (slots[i] == 0) missing[k++] = i;
        }
    }

    /// @notice Registered segment addresses in order (address(0) where missing).
    function segments() public view returns (address[] memory addrs) {
        Header memory h = _header;
        mapping(uint256 => uint256) storage slots = _slots[h.epoch];
        addrs = new address[](h.count);
        for (uint256 i; i < addrs.length; ++i) addrs[i] = address(uint160(slots[i]));
    }

    /// @notice Data length of each registered segment (0 where missing).
    function segmentLengths() public view returns (uint256[] memory lens) {
        Header memory h = _header;
        mapping(uint256 => uint256) storage slots = _slots[h.epoch];
        lens = new uint256[](h.count);
        for (uint256 i; i < lens.length; ++i) lens[i] = slots[i] >> 160;
    }

    /// @notice Sum of the data lengths of the registered segments (the blob length once complete).
    function totalLength() external view returns (uint256 total) {
        uint256[] memory lens = segmentLengths();
        for (uint256 i; i < lens.length; ++i) total += lens[i];
    }

    /// @notice The uniform data length of all segments but the last (what `SegmentReader.readUniform`
    /// needs), or 0 when the layout is not uniform or incomplete.
    function segmentStride() public view returns (uint256) {
        uint256[] memory lens = segmentLengths();
        uint256 n = lens.length;
        if (n == 0) return 0;
        uint256 stride = lens[0];
        for (uint256 i; i < n; ++i) {
            if (lens[i] == 0) return 0;
            if (i + 1 < n ? lens[i] != stride : lens[i] > stride) return 0;
        }
        return stride;
    }

    /// @notice keccak256(abi.encode(configHash(), segmentHashes())) — see the contract NatSpec.
    function weightsRoot() public view virtual override returns (bytes32) {
        return keccak256(abi.encode(configHash(), segmentHashes()));
    }

    /// @dev Bytes [offset, offset + length) of the weight blob (reverts if a touched segment is missing).
    function _readWeights(uint256 offset, uint256 length) internal view returns (bytes memory) {
        return SegmentReader.read(segments(), offset, length);
    }
}
