// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILayer, WeightRef, LayerIO} from "../models/ILayer.sol";
import {SegmentReader} from "../storage/SegmentReader.sol";
import {MatVec} from "../tensor/MatVec.sol";
import {InvalidShape} from "../tensor/Errors.sol";
import {Dense, DenseConfig} from "./Dense.sol";
import {ActKind, LayerTypes, Mode} from "./LayerTypes.sol";

/// @title DenseLayer — the deployable `ILayer` of Keras `Dense` (library `Dense`, contracts/layers/Dense.sol).
/// @notice Deployed once per chain, shared by every model. One input (`rows × K`), config
///         `abi.encode(DenseConfig)`, weight blob as documented in `Dense`. Splittable axis: the output
///         units `N`; a range `[from, to)` is `rows × (to − from)` (so `rangeLayout` = (rows, N, element
///         bytes)). Results and failures are the library's (docs/layers.md), plus `InputCountMismatch`
///         and the segment reader's errors.
///
///         **Range reads.** A partial range reads only the weights its units use and runs the library on
///         the equivalent smaller layer, so a layer too large for one transaction (or whose whole blob
///         would cost too much memory: expansion is quadratic) can be split across transactions:
///         - int8: the panels holding units [from, to) are contiguous (numerics §4.2: panel p = units
///           32p … 32p + 31, K·32 bytes), as are each per-channel section (b, M, shift[, Mn, shiftN]);
///           the sub-layer has units [c0, u1) with c0 = 32·⌊from/32⌋, u1 = min(32·⌈to/32⌉, N).
///         - q: W is row-major K×N, so the sub-layer's W is K strided row pieces (one copy each) and
///           b one piece; used when it is cheaper than reading the whole blob (`_sliceQ`).
///         Every unit of Dense is computed independently of the others (the activation is elementwise;
///         softmax, the one exception, refuses partial ranges), so the sub-layer's units are bit-exact
///         the full layer's. The full layer's checks run first, in the library's order, so a bad call
///         fails with the library's error either way.
/// @dev The template of every layer wrapper (docs/model-contract.md "Layer contracts"): read the
///      weights with `LayerIO.weights` (or sections of them with `SegmentReader.copyTo`), take the inputs
///      with `LayerIO.single` (or index `inputs` for multi-input layers), call the library's `forward` /
///      `forwardRange`. Only the fast path is linked in (no `…Ref` twins), which keeps the runtime code
///      under the 24,576-byte limit.
contract DenseLayer is ILayer {
    /// @dev Estimated cost of one strided row copy (`_copyRows`: EXTCODECOPY of a warm segment plus the
    ///      loop); decides when a q range reads rows instead of the whole blob.
    uint256 private constant ROW_COPY_GAS = 250;
    /// @dev q mode: output units per block when `forward` streams a large weight blob (`_forwardQBlocks`).
    uint256 private constant Q_BLOCK = 32;

    /// @inheritdoc ILayer
    /// @dev q mode, large blobs: the weights are streamed in blocks of `Q_BLOCK` units through one reused
    ///      buffer (`_forwardQBlocks`) instead of being read whole: memory expansion is quadratic, and a
    ///      784×128 q blob (803 kB) alone costs ≈ 1.3M gas of memory. Bit-exact: every unit is computed
    ///      independently (see "Range reads"; softmax over the units, the exception, always reads whole).
    function forward(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs) external view returns (bytes memory) {
        bytes memory input = LayerIO.single(inputs);
        if (_streamQ(config, w.length)) return _forwardQBlocks(abi.decode(config, (DenseConfig)), w, input);
        return Dense.forward(config, LayerIO.weights(w), input);
    }

    /// @inheritdoc ILayer
    function forwardRange(bytes calldata config, WeightRef calldata w, bytes[] calldata inputs, uint256 from, uint256 to)
        external
        view
        returns (bytes memory)
    {
        bytes memory input = LayerIO.single(inputs);
        DenseConfig memory c = abi.decode(config, (DenseConfig));
        if (_partial(c, from, to)) {
            _precheck(c, input, w.length, from, to);
            (bool ok, bytes memory sw, uint256 c0) = _slice(c, w, from, to);
            if (ok) return Dense.forwardRange(abi.encode(c), sw, input, from - c0, to - c0);
        }
        return Dense.forwardRange(config, LayerIO.weights(w), input, from, to);
    }

    /// @inheritdoc ILayer
    function units(bytes calldata config) external pure returns (uint256) {
        return abi.decode(config, (DenseConfig)).N;
    }

    /// @inheritdoc ILayer
    function rangeLayout(bytes calldata config) external pure returns (uint256 outer, uint256 n, uint256 unitBytes) {
        DenseConfig memory c = abi.decode(config, (DenseConfig));
        return (c.rows, c.N, LayerTypes.elementBytes(LayerTypes.checkMode(c.mode)));
    }

    // ------------------------------------------------------------------ range reads

    /// @dev A non-empty proper sub-range of a config whose mode is valid (anything else takes the
    ///      library's full path, which validates and fails as the library does).
    function _partial(DenseConfig memory c, uint256 from, uint256 to) private pure returns (bool) {
        return c.mode <= uint8(Mode.I8) && from < to && to <= c.N && (from > 0 || to < c.N);
    }

    /// @dev The library's checks that depend on the whole layer, in its order (`Dense.validate` up to
    ///      the weights length); the rest (F, clamps, requantization, channels [from, to)) the library
    ///      checks on the sub-layer with the same values.
    function _precheck(DenseConfig memory c, bytes memory input, uint256 wLength, uint256 from, uint256 to) private pure {
        Mode mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkKind(c.act.kind);
        LayerTypes.checkDim(c.rows);
        LayerTypes.checkDim(c.K);
        LayerTypes.checkDim(c.N);
        LayerTypes.checkCount(uint256(c.rows) * c.K);
        LayerTypes.checkCount(uint256(c.rows) * c.N);
        LayerTypes.checkCount(uint256(c.K) * c.N);
        LayerTypes.checkRange(from, to, c.N);
        if (c.act.kind == uint8(ActKind.Softmax)) revert InvalidShape(LayerTypes.CODE_PARTIAL_SOFTMAX); // partial here
        LayerTypes.requireLength(uint256(c.rows) * c.K * LayerTypes.elementBytes(mode), input.length);
        LayerTypes.requireLength(Dense.weightsLength(c), wLength);
    }

    /// @dev Where the layer's weight bytes are: byte `k` of its blob is data byte `base + k` of `segs`.
    struct Blob {
        address[] segs;
        uint256 stride;
        uint256 base;
    }

    /// @dev The sub-layer's weights; sets `c.N` to the sub-layer's units and returns its first unit `c0`
    ///      (`ok` false: read the whole blob instead).
    function _slice(DenseConfig memory c, WeightRef calldata w, uint256 from, uint256 to)
        private
        view
        returns (bool ok, bytes memory sw, uint256 c0)
    {
        Blob memory b = Blob(w.segments, w.stride, w.offset);
        if (c.mode == uint8(Mode.I8)) return (true, _sliceI8(c, b, from, to), (from / 32) * 32);
        if (!_rowsCheaper(c.K, c.N, to - from)) return (false, sw, 0);
        return (true, _sliceQ(c, b, from, to), from);
    }

    /// @dev Bytes [off, off + len) of the layer's blob to memory address `dest`.
    function _copy(Blob memory b, uint256 off, uint256 len, uint256 dest) private view {
        SegmentReader.copyTo(b.segs, b.stride, b.base + off, len, dest);
    }

    /// @dev A fresh buffer of `len` bytes and the address of its first byte.
    function _buffer(uint256 len) private pure returns (bytes memory buf, uint256 d) {
        buf = new bytes(len);
        assembly ("memory-safe") {
            d := add(buf, 0x20)
        }
    }

    /// @dev int8: panels [⌊from/32⌋, ⌈to/32⌉) ‖ b ‖ M ‖ shift [‖ Mn ‖ shiftN] of units [c0, u1).
    function _sliceI8(DenseConfig memory c, Blob memory b, uint256 from, uint256 to) private view returns (bytes memory sw) {
        uint256 N = c.N;
        uint256 c0 = (from / 32) * 32;
        uint256 u1 = ((to + 31) / 32) * 32;
        uint256 n = (u1 > N ? N : u1) - c0;
        uint256 pb = MatVec.panelBytes(c.K, n); // = the panels holding [c0, c0 + n), contiguous in the blob
        uint256 meta = MatVec.panelBytes(c.K, N); // → b[0] in the blob
        uint256 d;
        (sw, d) = _buffer(pb + 9 * n + (c.negative ? 5 * n : 0));
        _copy(b, c0 * c.K, pb, d);
        d += pb;
        _copy(b, meta + 4 * c0, 4 * n, d); // b
        _copy(b, meta + 4 * N + 4 * c0, 4 * n, d + 4 * n); // M
        _copy(b, meta + 8 * N + c0, n, d + 8 * n); // shift
        if (c.negative) {
            _copy(b, meta + 9 * N + 4 * c0, 4 * n, d + 9 * n); // Mn
            _copy(b, meta + 13 * N + c0, n, d + 13 * n); // shiftN
        }
        c.N = uint32(n);
    }

    /// @dev q: reading K row pieces for `n` units is estimated cheaper than the whole blob (memory
    ///      expansion, 3·words + words²/512, dominates large q blobs).
    function _rowsCheaper(uint256 K, uint256 N, uint256 n) private pure returns (bool) {
        uint256 full = (8 * (K * N + N) + 31) / 32;
        uint256 part = (8 * (K * n + n) + 31) / 32;
        return K * ROW_COPY_GAS + 3 * part + (part * part) / 512 < 3 * full + (full * full) / 512;
    }

    /// @dev q: W[:, from:to) (K row pieces of 8·(to − from) bytes) ‖ b[from:to).
    function _sliceQ(DenseConfig memory c, Blob memory b, uint256 from, uint256 to) private view returns (bytes memory sw) {
        uint256 d;
        (sw, d) = _buffer(8 * (to - from) * (uint256(c.K) + 1));
        _fillQ(c.K, c.N, b, from, to, d);
        c.N = uint32(to - from);
    }

    /// @dev q: writes the sub-blob W[:, from:to) ‖ b[from:to) of a K×N layer to memory address `d`.
    function _fillQ(uint256 K, uint256 N, Blob memory b, uint256 from, uint256 to, uint256 d) private view {
        uint256 row = 8 * N;
        uint256 piece = 8 * (to - from);
        _copyRows(b, 8 * from, row, piece, K, d);
        _copy(b, K * row + 8 * from, piece, d + K * piece); // b
    }

    // ------------------------------------------------------------------ streamed q forward

    /// @dev Whether `forward` streams the q weights: a valid-looking q layer (mode q, not softmax, more
    ///      than one block, the blob of the right length — anything else takes the library's path, which
    ///      validates and fails as the library does) whose block reads are estimated cheaper than the
    ///      memory of the whole blob (3·words + words²/512 against the same for one block plus
    ///      `ROW_COPY_GAS` per row piece). Reads the fields from the config's static ABI encoding (word 0
    ///      mode, 2 K, 3 N, 4 act.kind) so int8 layers pay no extra decoding.
    function _streamQ(bytes calldata config, uint256 wLength) private pure returns (bool) {
        if (config.length < 5 * 32) return false;
        uint256 mode = uint256(bytes32(config[0:32]));
        uint256 K = uint256(bytes32(config[64:96]));
        uint256 N = uint256(bytes32(config[96:128]));
        uint256 kind = uint256(bytes32(config[128:160]));
        if (mode != uint8(Mode.Q) || kind == uint8(ActKind.Softmax) || N <= Q_BLOCK || K == 0 || K >= 2 ** 32 || N >= 2 ** 32) return false;
        if (wLength != 8 * K * N + 8 * N) return false; // Dense.weightsLength in q mode
        uint256 blocks = (N + Q_BLOCK - 1) / Q_BLOCK;
        uint256 full = (wLength + 31) / 32;
        uint256 part = (8 * Q_BLOCK * (K + 1) + 31) / 32;
        return blocks * K * ROW_COPY_GAS + 3 * part + (part * part) / 512 < 3 * full + (full * full) / 512;
    }

    /// @dev `Dense.forward` in q mode with the weights streamed: the full layer's checks first (library
    ///      order, `_precheck`), then for each block of units [from, to) its sub-blob is copied into one
    ///      reused buffer and `Dense.forward` runs the equivalent `to − from`-unit layer on it; its
    ///      `rows × (to − from)` outputs are scattered into columns [from, to) of the `rows × N` result.
    function _forwardQBlocks(DenseConfig memory c, WeightRef calldata w, bytes memory input) private view returns (bytes memory y) {
        uint256 N = c.N;
        uint256 K = c.K;
        uint256 rows = c.rows;
        _precheck(c, input, w.length, 0, N);
        Blob memory b = Blob(w.segments, w.stride, w.offset);
        (bytes memory buf, uint256 d) = _buffer(8 * Q_BLOCK * (K + 1));
        y = new bytes(8 * rows * N);
        for (uint256 from; from < N; from += Q_BLOCK) {
            uint256 n = from + Q_BLOCK > N ? N - from : Q_BLOCK;
            _fillQ(K, N, b, from, from + n, d);
            uint256 len = 8 * n * (K + 1);
            assembly ("memory-safe") {
                mstore(buf, len) // the buffer now holds the n-unit sub-blob (its capacity is a full block)
            }
            c.N = uint32(n);
            bytes memory chunk = Dense.forward(abi.encode(c), buf, input);
            c.N = uint32(N);
            assembly ("memory-safe") {
                // Equivalent to: y[r][from + j] = chunk[r][j] for r < rows, j < n (8-byte elements).
                let src := add(chunk, 0x20)
                let dst := add(add(y, 0x20), shl(3, from))
                let piece := shl(3, n)
                let stride := shl(3, N)
                for { let r := 0 } lt(r, rows) { r := add(r, 1) } {
                    mcopy(add(dst, mul(r, stride)), add(src, mul(r, piece)), piece)
                }
            }
        }
    }

    /// @dev `count` pieces of `piece` bytes, the r-th at blob offset `off + r·rowStride`, to memory
    ///      `dest + r·piece` — the same bytes and failures as `count` calls of `SegmentReader.copyTo`,
    ///      at about one EXTCODECOPY per piece: with a uniform stride each segment is size-checked once
    ///      (when first touched), then the pieces inside it are copied by a tight assembly loop. A piece
    ///      that crosses a segment boundary, and the walk layout (stride 0), go through `copyTo`.
    function _copyRows(Blob memory b, uint256 off, uint256 rowStride, uint256 piece, uint256 count, uint256 dest) private view {
        uint256 stride = b.stride;
        if (stride == 0 || piece == 0 || rowStride == 0) {
            for (uint256 r; r < count; ++r) _copy(b, off + r * rowStride, piece, dest + r * piece);
            return;
        }
        address[] memory segs = b.segs;
        unchecked {
            // Offsets stay below base + the blob length (a checked span of the blob), far from 2^256.
            uint256 r;
            while (r < count) {
                uint256 at = b.base + off + r * rowStride;
                uint256 i = at / stride;
                uint256 inner = at % stride;
                if (i >= segs.length) revert SegmentReader.SegmentReadOutOfBounds(at, piece);
                address seg = segs[i];
                uint256 size = SegmentReader.dataLength(seg);
                if (size == 0) revert SegmentReader.EmptySegment(i, seg);
                if (size != stride && i + 1 < segs.length) revert SegmentReader.SegmentSizeMismatch(i, size, stride);
                if (inner + piece > size) {
                    // Crosses into the next segment (or past the end: copyTo reverts as it should).
                    SegmentReader.copyTo(segs, stride, at, piece, dest + r * piece);
                    ++r;
                    continue;
                }
                // Pieces r … r + m − 1 lie inside this segment: inner + k·rowStride + piece ≤ size.
                uint256 m = (size - inner - piece) / rowStride + 1;
                if (m > count - r) m = count - r;
                assembly ("memory-safe") {
                    // Equivalent to: copyTo(segs, stride, at + k·rowStride, piece, dest + (r + k)·piece), k < m.
                    let src := add(inner, 1) // code offset: the STOP prefix comes first
                    let dst := add(dest, mul(r, piece))
                    for { let end := add(dst, mul(m, piece)) } lt(dst, end) { dst := add(dst, piece) } {
                        extcodecopy(seg, dst, src, piece)
                        src := add(src, rowStride)
                    }
                }
                r += m;
            }
        }
    }
}
