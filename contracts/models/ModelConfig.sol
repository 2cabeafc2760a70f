// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ModelConfig — the model description blob of `NNModel` (docs/model-contract.md "Config blob").
/// @notice The whole description of a model is ONE `abi.encode(ModelConfig)` blob stored as the data of
///         one SSTORE2 code segment; `configHash = keccak256(blob)` (the first term of the weights root).
///         Node ids: 0 is the model input, node `i ≥ 1` is `nodes[i − 1]`; nodes are listed in
///         topological order (every input id is smaller than the node's own id); the model output is
///         the last node. TS twin: `encodeModelConfig` in src/harness/model-chain/config.ts.

/// @dev Version of the blob layout this contract reads.
uint16 constant MODEL_CONFIG_VERSION = 1;

/// @notice A model input or output tensor, as a client needs it to encode inputs and read outputs.
/// @param shape per-sample shape, row-major (images HWC), no batch axis.
/// @param length byte length of the tensor (elements × 8 in q mode, × 1 in int8 mode).
/// @param scaleQ32 int8 mode: real = scale·(q − zeroPoint) with scale = scaleQ32 / 2^32; q mode: 0.
/// @param zeroPoint int8 mode: the zero point; q mode: 0.
/// @param F q mode: fractional bits of the values (numerics §3); int8 mode: 0.
struct TensorSpec {
    uint32[] shape;
    uint256 length;
    int64 scaleQ32;
    int8 zeroPoint;
    uint8 F;
}

/// @notice One layer application in the model graph.
/// @param layer the deployed `ILayer` contract of the layer type (shared by all models on the chain).
/// @param inputs ids of the nodes whose outputs are this node's inputs, in the layer's input order.
/// @param config `abi.encode` of the layer type's config struct (passed to the layer as is).
/// @param weightOffset first byte of the layer's weights within the model's concatenated weight blob.
/// @param weightLength byte length of the layer's weights (0: none).
/// @param outputShape per-sample output shape (row-major), for clients and reports.
/// @param outputLength byte length of the output tensor; checked after every layer call.
struct Node {
    address layer;
    uint32[] inputs;
    bytes config;
    uint256 weightOffset;
    uint256 weightLength;
    uint32[] outputShape;
    uint256 outputLength;
}

/// @notice The model description.
/// @param version `MODEL_CONFIG_VERSION`.
/// @param mode number mode: 0 = q (numerics §3), 1 = int8 (numerics §4) — `Mode` of LayerTypes.sol.
/// @param input the model input (node 0). @param output the model output (the last node's tensor).
/// @param weightsLength byte length of the concatenated weight blob (checked against the segments at seal).
/// @param nodes the layer nodes, ids 1 … nodes.length.
struct ModelConfig {
    uint16 version;
    uint8 mode;
    TensorSpec input;
    TensorSpec output;
    uint256 weightsLength;
    Node[] nodes;
}

/// @title ModelConfigLib — validation and small helpers over a decoded `ModelConfig`.
library ModelConfigLib {
    /// @notice The blob's version is not `MODEL_CONFIG_VERSION`.
    error UnsupportedConfigVersion(uint256 version);
    /// @notice A structural error in the config; `code` below, `node` the node id (0 = the model itself).
    error InvalidConfig(uint256 code, uint256 node);

    /// @dev InvalidConfig codes.
    uint256 internal constant CODE_MODE = 1; // mode not 0 or 1
    uint256 internal constant CODE_NO_NODES = 2; // no nodes, or 2^32 or more
    uint256 internal constant CODE_INPUT = 3; // input length 0 or ≥ 2^48
    uint256 internal constant CODE_LAYER = 4; // layer address without code
    uint256 internal constant CODE_INPUTS = 5; // a node without inputs
    uint256 internal constant CODE_ORDER = 6; // an input id ≥ the node's own id (not topological)
    uint256 internal constant CODE_WEIGHTS = 7; // weight span outside [0, weightsLength)
    uint256 internal constant CODE_OUTPUT = 8; // node output length 0
    uint256 internal constant CODE_OUTPUT_SPEC = 9; // output.length ≠ the last node's outputLength

    /// @notice Check the structure (see the codes) and tell whether the graph is a chain
    ///         (every node's inputs are exactly `[id − 1]`), which sessions require.
    function validate(ModelConfig memory c) internal view returns (bool sequential) {
        if (c.version != MODEL_CONFIG_VERSION) revert UnsupportedConfigVersion(c.version);
        if (c.mode > 1) revert InvalidConfig(CODE_MODE, 0);
        uint256 n = c.nodes.length;
        if (n == 0 || n >= 2 ** 32) revert InvalidConfig(CODE_NO_NODES, 0);
        if (c.input.length == 0 || c.input.length >= 2 ** 48) revert InvalidConfig(CODE_INPUT, 0);
        sequential = true;
        for (uint256 id = 1; id <= n; ++id) {
            Node memory nd = c.nodes[id - 1];
            if (nd.layer.code.length == 0) revert InvalidConfig(CODE_LAYER, id);
            uint256 k = nd.inputs.length;
            if (k == 0) revert InvalidConfig(CODE_INPUTS, id);
            for (uint256 j; j < k; ++j) {
                if (nd.inputs[j] >= id) revert InvalidConfig(CODE_ORDER, id);
            }
            if (k != 1 || nd.inputs[0] != id - 1) sequential = false;
            // offset + length ≤ weightsLength, compared without the addition (which could overflow).
            if (nd.weightOffset > c.weightsLength || nd.weightLength > c.weightsLength - nd.weightOffset) {
                revert InvalidConfig(CODE_WEIGHTS, id);
            }
            if (nd.outputLength == 0) revert InvalidConfig(CODE_OUTPUT, id);
        }
        if (c.output.length != c.nodes[n - 1].outputLength) revert InvalidConfig(CODE_OUTPUT_SPEC, n);
    }

    /// @notice Index of the largest element of `t` (the first one on ties): int8 elements (mode 1) or
    ///         8-byte big-endian int64 elements (mode 0). 0 for an empty tensor.
    function argmax(bytes memory t, uint8 mode) internal pure returns (uint256 best) {
        uint256 eb = mode == 0 ? 8 : 1;
        uint256 n = t.length / eb;
        if (n == 0) return 0;
        int256 bestV = _load(t, 0, eb);
        for (uint256 i = 1; i < n; ++i) {
            int256 v = _load(t, i, eb);
            if (v > bestV) {
                bestV = v;
                best = i;
            }
        }
    }

    /// @dev Element `i` of `t` with `eb` bytes per element (1: int8, 8: int64 big-endian).
    function _load(bytes memory t, uint256 i, uint256 eb) private pure returns (int256 v) {
        assembly ("memory-safe") {
            let w := mload(add(add(t, 0x20), mul(i, eb)))
            // Equivalent to: int8(t[i]) for eb = 1, int64(bytes8(t[8i … 8i+8])) for eb = 8.
            v := sar(sub(256, shl(3, eb)), w)
        }
    }
}
