// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SegmentReader} from "../storage/SegmentReader.sol";

/// @notice Where a layer's weight bytes live: bytes [offset, offset + length) of the concatenated data
///         of `segments` (SSTORE2 code segments, `contracts/storage/SegmentReader.sol`).
/// @param segments the segments to read from, in blob order (a model passes only the ones the layer's
///        span touches, with `offset` rebased to the first of them).
/// @param stride 0 = segments of any size ("walk"); else every segment but the last holds exactly
///        `stride` data bytes ("uniform", one division finds the first segment).
/// @param offset first byte of the layer's weight blob within the segments' data.
/// @param length byte length of the layer's weight blob (0 for layers without weights: nothing is read).
struct WeightRef {
    address[] segments;
    uint256 stride;
    uint256 offset;
    uint256 length;
}

/// @title ILayer — a deployable layer: one contract per layer type, shared by every model on a chain.
/// @notice A layer is the pure function `output = forward(config, weights, inputs)` of
///         docs/architecture.md "Layers": `config` is `abi.encode` of the layer type's config struct,
///         the weights are read by the layer itself from code segments (`WeightRef`, one EXTCODECOPY
///         per segment touched, straight into the layer's memory: no calldata round trip), and
///         `inputs` are the input tensors in their wire encoding (int8: 1 byte per element; q: 8-byte
///         big-endian int64). Models call layers with STATICCALL (`view`), so a layer can never change
///         state, and each call runs in a fresh memory frame (memory expansion cost restarts at 0).
///
///         **Splitting.** Every layer type can compute a *range* of its output along its splittable
///         axis (`units(config)` entries: Dense: output units; Conv2D: output rows). The output of
///         `forwardRange(from, to)` is the sub-block of the full output with that axis restricted to
///         [from, to), row-major. `rangeLayout` says where that sub-block sits in the full output:
///         viewing the full output as `[outer][units][unitBytes]` bytes, the range is
///         `[outer][to − from][unitBytes]`. (Dense on `rows × N`: outer = rows, unitBytes = element
///         bytes; Conv2D split on rows of `H × W × C`: outer = 1, unitBytes = W·C·element bytes.)
///         A model uses it to check a full tensor against the chunks computed in separate
///         transactions (docs/model-contract.md "Sessions").
///
///         Writing a wrapper for a new layer type: see docs/model-contract.md "Layer contracts"
///         (`contracts/layers/DenseLayer.sol` is the template).
interface ILayer {
    /// @notice The whole output of the layer.
    function forward(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs) external view returns (bytes memory);

    /// @notice Units [from, to) of the splittable axis (see the interface doc for the layout).
    function forwardRange(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory);

    /// @notice Size of the splittable output axis.
    function units(bytes calldata config) external pure returns (uint256);

    /// @notice The full output is `[outer][units][unitBytes]` bytes; a range `[from, to)` is
    ///         `[outer][to − from][unitBytes]`, its block `k` being bytes
    ///         `[k·units·unitBytes + from·unitBytes, k·units·unitBytes + to·unitBytes)` of the full output.
    function rangeLayout(bytes calldata config) external pure returns (uint256 outer, uint256 units, uint256 unitBytes);
}

/// @title LayerIO — the plumbing every `ILayer` wrapper shares.
library LayerIO {
    /// @notice The layer takes `expected` input tensors, the call passed `actual`.
    error InputCountMismatch(uint256 expected, uint256 actual);

    /// @notice The layer's weight blob, read from its code segments into fresh memory (one copy).
    /// @dev `w.length == 0` reads nothing (no segment is touched).
    function weights(WeightRef calldata w) internal view returns (bytes memory) {
        return SegmentReader.readUniform(w.segments, w.stride, w.offset, w.length);
    }

    /// @notice The one input of a single-input layer, copied to memory.
    function single(bytes[] calldata inputs) internal pure returns (bytes memory) {
        if (inputs.length != 1) revert InputCountMismatch(1, inputs.length);
        return inputs[0];
    }
}
