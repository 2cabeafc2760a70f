// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WeightStore} from "../storage/WeightStore.sol";
import {ModelOwnership} from "./ModelOwnership.sol";
import {ILayer, WeightRef} from "./ILayer.sol";
import {ModelConfig, Node, ModelConfigLib} from "./ModelConfig.sol";

/// @notice The inference-fee side of `ModelCollection` that a model pays through.
interface IInferenceFees {
    function inferenceFee(uint256 tokenId) external view returns (uint256);
    function payInferenceFee(uint256 tokenId) external payable;
}

/// @title NNModel — a neural network stored on chain: layer graph, weights, inference, sessions.
/// @notice docs/model-contract.md is the full description. In short:
///         - **Config**: one `abi.encode(ModelConfig)` blob (contracts/models/ModelConfig.sol) in its
///           own code segment, set with `setConfig(segment, keccak256(blob))` (owner, before seal).
///         - **Weights**: the concatenated weight blob of all nodes in WeightStore segments.
///         - **Inference**: `infer(input)` (view) runs every node by STATICCALL to its shared `ILayer`
///           contract, keeping the intermediates in memory by node id; `inferLayers` runs a node range
///           and reports the gas of each node; `classify(input)` (transaction) runs `infer`, pays the
///           collection's inference fee if the model is bound, and emits `Inference`.
///         - **Sessions** (a model too large for one transaction, sequential graphs):
///           `startSession(input)` commits `keccak256(input)`; `step(id, tensor, toNode)` requires
///           `keccak256(tensor)` = the commitment, runs nodes [next, toNode) and stores only the hash of
///           the new tensor; `stepRange(id, tensor, from, to)` computes output units [from, to) of the
///           next node and folds the chunk's hash into the session, so one layer can be split across
///           transactions; the step after the last range checks the full tensor chunk by chunk. The
///           last step emits `SessionResult`. A forged tensor reverts `CommitmentMismatch`.
contract NNModel is WeightStore {
    // ------------------------------------------------------------------ errors

    /// @notice No config segment is set.
    error ConfigNotSet();
    /// @notice `segment` is not a data segment (no code, or the code does not start with STOP).
    error NotASegment(address segment);
    /// @notice The config segment's data does not hash to the hash given to `setConfig`.
    error ConfigHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice `seal`: the registered segments hold `actual` bytes, the config declares `expected`.
    error WeightsLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The input tensor has `actual` bytes, the config declares `expected`.
    error InputLengthMismatch(uint256 expected, uint256 actual);
    /// @notice Node `node` returned `actual` bytes, the config (or the layer's range layout) says `expected`.
    error OutputLengthMismatch(uint256 node, uint256 expected, uint256 actual);
    /// @notice A node range [from, to) outside 1 ≤ from ≤ to ≤ nodes + 1 (or `live` of the wrong length).
    error NodeRangeInvalid(uint256 from, uint256 to, uint256 nodes);
    /// @notice A supplied tensor does not hash to the session's commitment (or chunk fold).
    error CommitmentMismatch(bytes32 expected, bytes32 actual);
    /// @notice No session `id`.
    error UnknownSession(uint256 id);
    /// @notice Only the account that started session `id` may step it.
    error NotSessionCaller(uint256 id, address caller);
    /// @notice Session `id` already produced its result.
    error SessionFinished(uint256 id);
    /// @notice `step` while units [0, done) of node `node`'s `units` are computed: finish the ranges first.
    error SplitInProgress(uint256 node, uint256 done, uint256 units);
    /// @notice `stepRange(from, to)` must continue at `done` with `from < to ≤ units`.
    error RangeInvalid(uint256 from, uint256 to, uint256 done, uint256 units);
    /// @notice `step` / `stepRange` take one tensor: a graph model (a node reading other than the
    ///         previous node) steps with `stepGraph` / `stepRangeGraph`.
    error GraphSessionsUnsupported();
    /// @notice `stepGraph` / `stepRangeGraph` got `actual` live tensors where the session holds `expected`
    ///         (plus one, the split node's full output, right after a split).
    error LiveSetMismatch(uint256 expected, uint256 actual);
    /// @notice Ether sent to an unbound model (there is no fee to pay).
    error UnexpectedPayment(uint256 value);

    // ------------------------------------------------------------------ events

    event ConfigSet(address indexed segment, bytes32 configHash, uint256 nodes);
    /// @notice One `classify`: `argmax` is the index of the largest output element (the class of a
    ///         classifier); `output` is the full output tensor for any other use.
    event Inference(address indexed caller, bytes32 inputHash, bytes32 outputHash, uint256 argmax, bytes output);
    event SessionStarted(uint256 indexed id, address indexed caller, bytes32 inputHash);
    /// @notice Nodes [fromNode, toNode) ran; `commitment` is the hash of the output of node toNode − 1.
    event SessionStep(uint256 indexed id, uint256 fromNode, uint256 toNode, bytes32 commitment);
    /// @notice Units [from, to) of node `node` ran; `chunkHash` = keccak256 of that output chunk.
    event SessionRange(uint256 indexed id, uint256 node, uint256 from, uint256 to, bytes32 chunkHash);
    event SessionResult(uint256 indexed id, bytes32 outputHash, uint256 argmax, bytes output);

    // ------------------------------------------------------------------ state

    /// @dev What the hot paths need without decoding the blob; one slot.
    struct ConfigMeta {
        address segment;
        uint8 mode;
        bool sequential;
        uint32 nodes;
        uint48 inputLength;
    }

    /// @notice Session state (3 slots). `next`: the next node to run (nodes + 1 = finished);
    ///         `commitment`: keccak256 of the output of node `next − 1` (node 0 = the input);
    ///         during a split of node `next`: `unitsDone` units computed in `chunks` ranges, `fold`
    ///         the running chunk hash (docs/model-contract.md "Sessions").
    struct Session {
        address caller;
        uint32 next;
        uint32 unitsDone;
        uint32 chunks;
        bytes32 commitment;
        bytes32 fold;
    }

    ConfigMeta private _meta;
    bytes32 private _configHash;
    uint256 private _sessionCount;
    mapping(uint256 => Session) private _sessions;
    /// @dev session id → word → the end units of the session's current split chunks, 8 uint32 per word.
    mapping(uint256 => mapping(uint256 => uint256)) private _chunkEnds;

    constructor(address initialOwner) ModelOwnership(initialOwner) {}

    // ------------------------------------------------------------------ config

    /// @notice Set the model's config: `segment`'s data is the `abi.encode(ModelConfig)` blob, whose
    ///         keccak256 must equal `hash` (owner only, before seal). The blob is decoded and validated
    ///         (ModelConfigLib.validate): a malformed config is refused here, not at inference time.
    function setConfig(address segment, bytes32 hash) external onlyOwner whenNotSealed {
        bytes memory blob = _readConfig(segment);
        bytes32 actual = keccak256(blob);
        if (actual != hash) revert ConfigHashMismatch(hash, actual);
        ModelConfig memory c = abi.decode(blob, (ModelConfig));
        bool sequential = ModelConfigLib.validate(c);
        _meta = ConfigMeta(segment, c.mode, sequential, uint32(c.nodes.length), uint48(c.input.length));
        _configHash = hash;
        emit ConfigSet(segment, hash, c.nodes.length);
    }

    /// @notice keccak256 of the config blob (0 before `setConfig`).
    function configHash() public view override returns (bytes32) {
        return _configHash;
    }

    /// @notice "q" or "int8" (from the config; "" before `setConfig`).
    function numberMode() public view override returns (string memory) {
        ConfigMeta memory m = _meta;
        if (m.segment == address(0)) return "";
        return m.mode == 0 ? "q" : "int8";
    }

    /// @notice The config segment, node count, input byte length, and whether the graph is sequential.
    function configInfo() external view returns (address segment, uint256 nodes, uint256 inputLength, bool sequential) {
        ConfigMeta memory m = _meta;
        return (m.segment, m.nodes, m.inputLength, m.sequential);
    }

    /// @notice The config blob (`abi.encode(ModelConfig)`).
    function configBlob() external view returns (bytes memory) {
        address seg = _meta.segment;
        if (seg == address(0)) revert ConfigNotSet();
        return _readConfig(seg);
    }

    /// @dev Also requires a config whose weight length equals the registered segments' total.
    function _beforeSeal() internal override {
        super._beforeSeal();
        ModelConfig memory c = _loadConfig();
        uint256[] memory lens = segmentLengths();
        uint256 total;
        for (uint256 i; i < lens.length; ++i) total += lens[i];
        if (total != c.weightsLength) revert WeightsLengthMismatch(c.weightsLength, total);
    }

    // ------------------------------------------------------------------ single-call inference

    /// @notice Run the whole model on `input` (works before sealing too, once config and weights are in).
    function infer(bytes calldata input) external view returns (bytes memory output) {
        return _infer(input);
    }

    /// @notice Run nodes [from, to) given `live[k]` = the output of node k for every k < from (entries
    ///         the range does not read may be empty; `live[0]` is the model input). Returns each node's
    ///         output and the gas of each node's layer call (measured with gasleft around the STATICCALL,
    ///         including the call's argument encoding), for planning and per-layer reports.
    function inferLayers(bytes[] calldata live, uint256 from, uint256 to)
        external
        view
        returns (bytes[] memory outputs, uint256[] memory gasUsed)
    {
        ModelConfig memory c = _loadConfig();
        uint256 n = c.nodes.length;
        if (from == 0 || from > to || to > n + 1 || live.length != from) revert NodeRangeInvalid(from, to, n);
        if (from == 1 && live[0].length != c.input.length) revert InputLengthMismatch(c.input.length, live[0].length);
        (address[] memory segs, uint256 stride) = _weightSegments();
        bytes[] memory t = new bytes[](to);
        for (uint256 k; k < from; ++k) t[k] = live[k];
        outputs = new bytes[](to - from);
        gasUsed = new uint256[](to - from);
        for (uint256 id = from; id < to; ++id) {
            uint256 g = gasleft();
            t[id] = _runNode(c, segs, stride, id, _gather(c, t, id));
            gasUsed[id - from] = g - gasleft();
            outputs[id - from] = t[id];
        }
    }

    /// @notice `infer` as a transaction: pays the inference fee when the model is bound to a collection
    ///         token (all of `msg.value` goes to the token; the collection checks it covers the fee) and
    ///         emits `Inference`. Sealed models only.
    function classify(bytes calldata input) external payable whenSealed returns (bytes memory output, uint256 argmax) {
        output = _infer(input);
        _payFee();
        argmax = ModelConfigLib.argmax(output, _meta.mode);
        emit Inference(msg.sender, keccak256(input), keccak256(output), argmax, output);
    }

    function _infer(bytes calldata input) private view returns (bytes memory) {
        ModelConfig memory c = _loadConfig();
        if (input.length != c.input.length) revert InputLengthMismatch(c.input.length, input.length);
        (address[] memory segs, uint256 stride) = _weightSegments();
        uint256 n = c.nodes.length;
        bytes[] memory t = new bytes[](n + 1);
        t[0] = input;
        for (uint256 id = 1; id <= n; ++id) t[id] = _runNode(c, segs, stride, id, _gather(c, t, id));
        return t[n];
    }

    // ------------------------------------------------------------------ sessions

    /// @notice Start a multi-transaction inference of `input` (sealed models): commits
    ///         `keccak256(input)` as the tensor of node 0 (the live set before node 1 is the input alone,
    ///         in any graph) and pays the inference fee like `classify`.
    function startSession(bytes calldata input) external payable whenSealed returns (uint256 id) {
        ConfigMeta memory m = _meta;
        if (input.length != m.inputLength) revert InputLengthMismatch(m.inputLength, input.length);
        id = ++_sessionCount;
        bytes32 h = keccak256(input);
        _sessions[id] = Session({caller: msg.sender, next: 1, unitsDone: 0, chunks: 0, commitment: h, fold: bytes32(0)});
        _payFee();
        emit SessionStarted(id, msg.sender, h);
    }

    /// @notice Advance session `id` to node `toNode`: `tensor` must be the output of node `next − 1`
    ///         (keccak256 = the commitment) — or, right after the last range of a split node `next`, that
    ///         node's full output (checked chunk by chunk against the fold; `next` then moves past it).
    ///         Runs nodes [next, toNode) and commits the hash of the last output; returns that output
    ///         (an `eth_call` of the same step gives the client the tensor for the next transaction).
    ///         Reaching the last node emits `SessionResult`.
    function step(uint256 id, bytes calldata tensor, uint256 toNode) external whenSealed returns (bytes memory out) {
        if (!_meta.sequential) revert GraphSessionsUnsupported();
        Session memory s = _openSession(id);
        ModelConfig memory c = _loadConfig();
        uint256 n = c.nodes.length;
        uint256 from = s.next;
        if (s.unitsDone != 0) {
            _checkSplit(id, s, c.nodes[from - 1], from, tensor);
            from += 1;
        } else {
            bytes32 h = keccak256(tensor);
            if (h != s.commitment) revert CommitmentMismatch(s.commitment, h);
            if (toNode == from) revert NodeRangeInvalid(from, toNode, n);
        }
        if (toNode < from || toNode > n + 1) revert NodeRangeInvalid(from, toNode, n);
        out = tensor;
        if (toNode > from) {
            (address[] memory segs, uint256 stride) = _weightSegments();
            bytes[] memory inputs = new bytes[](1);
            for (uint256 node = from; node < toNode; ++node) {
                inputs[0] = out;
                out = _runNode(c, segs, stride, node, inputs);
            }
        }
        s.next = uint32(toNode);
        s.commitment = keccak256(out);
        _sessions[id] = s;
        emit SessionStep(id, from, toNode, s.commitment);
        if (toNode == n + 1) emit SessionResult(id, s.commitment, ModelConfigLib.argmax(out, c.mode), out);
    }

    /// @notice Compute units [from, to) of node `next` (its splittable axis, `ILayer.units`) from
    ///         `tensor` = the node's input (keccak256 = the commitment). Ranges must follow each other
    ///         from 0 (`from` = units done so far). Folds the chunk into the session:
    ///         `fold = keccak256(abi.encode(fold, from, to, keccak256(chunk)))` and records `to`. Returns
    ///         the chunk (row-major `[outer][to − from][unitBytes]`, see `ILayer.rangeLayout`).
    function stepRange(uint256 id, bytes calldata tensor, uint256 from, uint256 to) external whenSealed returns (bytes memory chunk) {
        if (!_meta.sequential) revert GraphSessionsUnsupported();
        Session memory s = _openSession(id);
        bytes32 h = keccak256(tensor);
        if (h != s.commitment) revert CommitmentMismatch(s.commitment, h);
        bytes[] memory inputs = new bytes[](1);
        inputs[0] = tensor;
        chunk = _computeRange(_loadConfig().nodes[s.next - 1], s.next, s.unitsDone, inputs, from, to);
        _recordRange(id, s, chunk, from, to);
    }

    /// @notice `step` for any graph (docs/model-contract.md "Graph sessions"). `live` = the tensors of
    ///         `liveIds(next)` (ascending node ids: the earlier nodes still read by a node ≥ next), whose
    ///         hash (`keccak256(t)` for one tensor, else `keccak256(abi.encode(live))`) must equal the
    ///         commitment; right after the last range of a split node `next`, `live` also carries that
    ///         node's full output as its last entry (checked chunk by chunk against the fold). Runs nodes
    ///         [next, toNode) and commits the hash of the tensors of `liveIds(toNode)` (at the end: the
    ///         output alone). Returns those tensors. On a sequential graph `liveIds(p) = [p − 1]`, so this
    ///         is `step` with `live = [tensor]` (after a split: `[input, full output]`).
    function stepGraph(uint256 id, bytes[] calldata live, uint256 toNode) external whenSealed returns (bytes[] memory next) {
        Session memory s = _openSession(id);
        ModelConfig memory c = _loadConfig();
        uint256 n = c.nodes.length;
        (bytes[] memory t, uint256 from) = _openLive(id, s, c, live, toNode);
        if (toNode < from || toNode > n + 1) revert NodeRangeInvalid(from, toNode, n);
        if (toNode > from) {
            (address[] memory segs, uint256 stride) = _weightSegments();
            for (uint256 node = from; node < toNode; ++node) t[node] = _runNode(c, segs, stride, node, _gather(c, t, node));
        }
        uint256[] memory ids = _liveIds(c, toNode);
        next = new bytes[](ids.length);
        for (uint256 i; i < ids.length; ++i) next[i] = t[ids[i]];
        s.next = uint32(toNode);
        s.commitment = _liveHash(t, ids);
        _sessions[id] = s;
        emit SessionStep(id, from, toNode, s.commitment);
        if (toNode == n + 1) emit SessionResult(id, s.commitment, ModelConfigLib.argmax(t[n], c.mode), t[n]);
    }

    /// @dev `stepGraph`'s checks: the live set against the commitment (and after a split, the full
    ///      output against the fold). Returns the tensor table (size max(toNode, next + 1)) holding the
    ///      live tensors (and the split node's output) and the first node still to run.
    function _openLive(uint256 id, Session memory s, ModelConfig memory c, bytes[] calldata live, uint256 toNode)
        private
        view
        returns (bytes[] memory t, uint256 from)
    {
        from = s.next;
        uint256[] memory ids = _liveIds(c, from);
        uint256 m = ids.length;
        bool afterSplit = s.unitsDone != 0;
        if (live.length != m + (afterSplit ? 1 : 0)) revert LiveSetMismatch(m, live.length);
        t = new bytes[](toNode > from ? toNode : from + 1);
        for (uint256 i; i < m; ++i) t[ids[i]] = live[i];
        bytes32 h = _liveHash(t, ids);
        if (h != s.commitment) revert CommitmentMismatch(s.commitment, h);
        if (afterSplit) {
            _checkSplit(id, s, c.nodes[from - 1], from, live[m]);
            t[from] = live[m];
            from += 1;
        } else if (toNode == from) {
            revert NodeRangeInvalid(from, toNode, c.nodes.length);
        }
    }

    /// @notice `stepRange` for any graph: units [from, to) of node `next` from its inputs, taken from
    ///         `live` = the tensors of `liveIds(next)` (hash = the commitment, as in `stepGraph`).
    function stepRangeGraph(uint256 id, bytes[] calldata live, uint256 from, uint256 to) external whenSealed returns (bytes memory chunk) {
        Session memory s = _openSession(id);
        ModelConfig memory c = _loadConfig();
        uint256 node = s.next;
        uint256[] memory ids = _liveIds(c, node);
        if (live.length != ids.length) revert LiveSetMismatch(ids.length, live.length);
        bytes[] memory t = new bytes[](node);
        for (uint256 i; i < ids.length; ++i) t[ids[i]] = live[i];
        bytes32 h = _liveHash(t, ids);
        if (h != s.commitment) revert CommitmentMismatch(s.commitment, h);
        chunk = _computeRange(c.nodes[node - 1], node, s.unitsDone, _gather(c, t, node), from, to);
        _recordRange(id, s, chunk, from, to);
    }

    /// @notice The node ids whose tensors a session holds before running node `p` (1 ≤ p ≤ nodes + 1):
    ///         ascending ids k < p read by some node ≥ p; before node 1 the input [0]; at the end
    ///         (p = nodes + 1) the output [nodes].
    function liveIds(uint256 p) external view returns (uint256[] memory) {
        ModelConfig memory c = _loadConfig();
        if (p == 0 || p > c.nodes.length + 1) revert NodeRangeInvalid(p, p, c.nodes.length);
        return _liveIds(c, p);
    }

    /// @dev See `liveIds`. O(nodes · inputs) over the decoded config.
    function _liveIds(ModelConfig memory c, uint256 p) private pure returns (uint256[] memory ids) {
        uint256 n = c.nodes.length;
        if (p > n) {
            ids = new uint256[](1);
            ids[0] = n;
            return ids;
        }
        bool[] memory used = new bool[](p);
        uint256 count;
        for (uint256 j = p; j <= n; ++j) {
            uint32[] memory ins = c.nodes[j - 1].inputs;
            for (uint256 k; k < ins.length; ++k) {
                uint256 x = ins[k];
                if (x < p && !used[x]) {
                    used[x] = true;
                    ++count;
                }
            }
        }
        ids = new uint256[](count);
        count = 0;
        for (uint256 k; k < p; ++k) if (used[k]) ids[count++] = k;
    }

    /// @dev The commitment of a live set: keccak256 of the one tensor, else of `abi.encode(bytes[])`.
    function _liveHash(bytes[] memory t, uint256[] memory ids) private pure returns (bytes32) {
        if (ids.length == 1) return keccak256(t[ids[0]]);
        bytes[] memory l = new bytes[](ids.length);
        for (uint256 i; i < ids.length; ++i) l[i] = t[ids[i]];
        return keccak256(abi.encode(l));
    }

    /// @dev The full output of a split node (after its last range): length and chunk fold; clears the split.
    function _checkSplit(uint256 id, Session memory s, Node memory nd, uint256 node, bytes calldata full) private view {
        (uint256 outer, uint256 u, uint256 unitBytes) = ILayer(nd.layer).rangeLayout(nd.config);
        if (s.unitsDone != u) revert SplitInProgress(node, s.unitsDone, u);
        if (full.length != nd.outputLength || outer * u * unitBytes != full.length) revert OutputLengthMismatch(node, nd.outputLength, full.length);
        bytes32 fold = _foldChunks(id, full, s.chunks, outer, u, unitBytes);
        if (fold != s.fold) revert CommitmentMismatch(s.fold, fold);
        s.unitsDone = 0;
        s.chunks = 0;
        s.fold = bytes32(0);
    }

    /// @dev Fold a computed chunk into the session, record its end unit, emit `SessionRange`.
    function _recordRange(uint256 id, Session memory s, bytes memory chunk, uint256 from, uint256 to) private {
        bytes32 ch = keccak256(chunk);
        s.fold = keccak256(abi.encode(s.fold, from, to, ch));
        // Record `to` as entry `chunks` (8 uint32 per word; a fresh word overwrites stale ends).
        uint256 k = s.chunks;
        uint256 shift = (k % 8) * 32;
        mapping(uint256 => uint256) storage ends = _chunkEnds[id];
        ends[k / 8] = (shift == 0 ? 0 : ends[k / 8]) | (to << shift);
        s.chunks = uint32(k + 1); // k + 1 ≤ to < 2^32: every range adds ≥ 1 unit
        s.unitsDone = uint32(to);
        _sessions[id] = s;
        emit SessionRange(id, s.next, from, to, ch);
    }

    /// @dev Units [from, to) of node `node` on its `inputs`, after checking the range continues at
    ///      `done`; the chunk length is checked against the layer's range layout.
    function _computeRange(Node memory nd, uint256 node, uint256 done, bytes[] memory inputs, uint256 from, uint256 to)
        private
        view
        returns (bytes memory chunk)
    {
        (uint256 outer, uint256 u, uint256 unitBytes) = ILayer(nd.layer).rangeLayout(nd.config);
        if (from != done || to <= from || to > u || to >= 2 ** 32) revert RangeInvalid(from, to, done, u);
        chunk = ILayer(nd.layer).forwardRange(nd.config, _nodeWeights(nd), inputs, from, to);
        uint256 expected = outer * (to - from) * unitBytes;
        if (chunk.length != expected) revert OutputLengthMismatch(node, expected, chunk.length);
    }

    /// @notice The state of session `id`.
    function session(uint256 id) external view returns (Session memory) {
        return _sessions[id];
    }

    /// @notice The end units of the chunks of session `id`'s current split, in order.
    function chunkEnds(uint256 id) external view returns (uint256[] memory ends) {
        uint256 k = _sessions[id].chunks;
        ends = new uint256[](k);
        for (uint256 i; i < k; ++i) ends[i] = _chunkEnd(id, i);
    }

    /// @notice Number of sessions started (ids are 1 … sessionCount).
    function sessionCount() external view returns (uint256) {
        return _sessionCount;
    }

    function _openSession(uint256 id) private view returns (Session memory s) {
        s = _sessions[id];
        if (s.caller == address(0)) revert UnknownSession(id);
        if (s.caller != msg.sender) revert NotSessionCaller(id, msg.sender);
        if (s.next > _meta.nodes) revert SessionFinished(id);
    }

    function _chunkEnd(uint256 id, uint256 k) private view returns (uint256) {
        return (_chunkEnds[id][k / 8] >> ((k % 8) * 32)) & 0xffffffff;
    }

    /// @dev The chunk fold of the full output `tensor` cut like the recorded ranges: for each chunk
    ///      [from, to), gather blocks `[k·units·ub + from·ub, k·units·ub + to·ub)` for k < outer (one
    ///      block when outer = 1), hash them as one byte string, fold as in `stepRange`.
    function _foldChunks(uint256 id, bytes calldata tensor, uint256 chunks, uint256 outer, uint256 u, uint256 ub)
        private
        view
        returns (bytes32 fold)
    {
        uint256 rowBytes = u * ub; // outer · rowBytes = tensor.length (checked by `step`)
        bytes memory buf = new bytes(tensor.length);
        uint256 from;
        for (uint256 k; k < chunks; ++k) {
            uint256 to = _chunkEnd(id, k);
            bytes32 ch = _gatherHash(tensor, buf, outer, rowBytes, from * ub, (to - from) * ub);
            fold = keccak256(abi.encode(fold, from, to, ch));
            from = to;
        }
    }

    /// @dev keccak256 of the blocks `tensor[r·rowBytes + off … + w)` for r < outer, concatenated in `buf`.
    function _gatherHash(bytes calldata tensor, bytes memory buf, uint256 outer, uint256 rowBytes, uint256 off, uint256 w)
        private
        pure
        returns (bytes32 ch)
    {
        assembly ("memory-safe") {
            let dst := add(buf, 0x20)
            // Equivalent to: buf[r·w … (r+1)·w) = tensor[r·rowBytes + off … + w) for r < outer.
            // In bounds: off + w ≤ rowBytes and outer·rowBytes = tensor.length = buf.length (checked).
            for { let r := 0 } lt(r, outer) { r := add(r, 1) } {
                calldatacopy(add(dst, mul(r, w)), add(tensor.offset, add(mul(r, rowBytes), off)), w)
            }
            ch := keccak256(dst, mul(outer, w))
        }
    }

    // ------------------------------------------------------------------ plumbing

    /// @dev Pay the inference fee of the collection token the model is bound to (nothing when unbound;
    ///      then no Ether may be sent; a zero fee with no Ether skips the call).
    function _payFee() private {
        (address col, uint256 tokenId, bool bound) = this.binding();
        if (!bound) {
            if (msg.value != 0) revert UnexpectedPayment(msg.value);
            return;
        }
        IInferenceFees fees = IInferenceFees(col);
        if (msg.value == 0 && fees.inferenceFee(tokenId) == 0) return;
        fees.payInferenceFee{value: msg.value}(tokenId);
    }

    /// @dev The decoded config (reverts ConfigNotSet).
    function _loadConfig() private view returns (ModelConfig memory) {
        address seg = _meta.segment;
        if (seg == address(0)) revert ConfigNotSet();
        return abi.decode(_readConfig(seg), (ModelConfig));
    }

    /// @dev The config blob behind the config segment `root`: its data — or, when the data is a manifest
    ///      (first byte 0x01, then the 20-byte addresses of ≥ 1 segments; an `abi.encode(ModelConfig)`
    ///      blob starts with 0x00, its first word being the offset 0x20), the concatenated data of the
    ///      listed segments, so a config may exceed one segment. Every segment needs the STOP prefix
    ///      (`NotASegment`); a manifest of the wrong length is `NotASegment(root)`.
    function _readConfig(address root) private view returns (bytes memory blob) {
        blob = _readSegment(root);
        if (blob.length == 0 || blob[0] != 0x01) return blob;
        if ((blob.length - 1) % 20 != 0 || blob.length == 1) revert NotASegment(root);
        uint256 n = (blob.length - 1) / 20;
        address[] memory parts = new address[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            address a;
            assembly ("memory-safe") {
                a := shr(96, mload(add(add(blob, 0x21), mul(i, 20)))) // bytes [1 + 20i, 21 + 20i)
            }
            parts[i] = a;
            total += _segmentData(a);
        }
        blob = new bytes(total);
        uint256 dst;
        assembly ("memory-safe") {
            dst := add(blob, 0x20)
        }
        for (uint256 i; i < n; ++i) {
            address a = parts[i];
            uint256 len = a.code.length - 1;
            assembly ("memory-safe") {
                extcodecopy(a, dst, 1, len) // the segment's data: code after the STOP prefix
            }
            dst += len;
        }
    }

    /// @dev The data length of segment `seg` (code length − 1), requiring the STOP prefix.
    function _segmentData(address seg) private view returns (uint256) {
        uint256 size = seg.code.length;
        bytes1 prefix;
        assembly ("memory-safe") {
            extcodecopy(seg, 0, 0, 1) // scratch space: the first code byte
            prefix := and(mload(0), shl(248, 0xff))
        }
        if (size < 2 || prefix != 0) revert NotASegment(seg);
        return size - 1;
    }

    /// @dev The data of a code segment (`code[1:]`), requiring the STOP prefix.
    function _readSegment(address seg) private view returns (bytes memory data) {
        uint256 len = _segmentData(seg);
        data = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(seg, add(data, 0x20), 1, len)
        }
    }

    /// @dev The registered weight segments and their uniform stride (0 = not uniform: walk mode).
    function _weightSegments() private view returns (address[] memory segs, uint256 stride) {
        segs = segments();
        stride = segmentStride();
    }

    /// @dev The inputs of node `id`: the tensors of its input node ids (references, no copies).
    function _gather(ModelConfig memory c, bytes[] memory t, uint256 id) private pure returns (bytes[] memory inputs) {
        uint32[] memory ids = c.nodes[id - 1].inputs;
        inputs = new bytes[](ids.length);
        for (uint256 j; j < ids.length; ++j) inputs[j] = t[ids[j]];
    }

    /// @dev STATICCALL node `id`'s layer on `inputs`; checks the output length against the config.
    function _runNode(ModelConfig memory c, address[] memory segs, uint256 stride, uint256 id, bytes[] memory inputs)
        private
        view
        returns (bytes memory out)
    {
        Node memory nd = c.nodes[id - 1];
        out = ILayer(nd.layer).forward(nd.config, _weightRef(segs, stride, nd), inputs);
        if (out.length != nd.outputLength) revert OutputLengthMismatch(id, nd.outputLength, out.length);
    }

    /// @dev `_weightRef` over the registered segments.
    function _nodeWeights(Node memory nd) private view returns (WeightRef memory) {
        (address[] memory segs, uint256 stride) = _weightSegments();
        return _weightRef(segs, stride, nd);
    }

    /// @dev The node's weight span as a `WeightRef`: with a uniform stride, only the segments the span
    ///      touches, the offset rebased to the first of them; otherwise every segment (walk mode).
    function _weightRef(address[] memory segs, uint256 stride, Node memory nd) private pure returns (WeightRef memory w) {
        uint256 len = nd.weightLength;
        if (len == 0) return w; // no segments: nothing is read
        uint256 off = nd.weightOffset;
        if (stride == 0) return WeightRef(segs, 0, off, len);
        uint256 first = off / stride;
        uint256 last = (off + len - 1) / stride;
        if (last >= segs.length) return WeightRef(segs, stride, off, len); // out of range: the reader reverts
        address[] memory sub = new address[](last - first + 1);
        for (uint256 i; i < sub.length; ++i) sub[i] = segs[first + i];
        return WeightRef(sub, stride, off - first * stride, len);
    }
}
