// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tensor} from "../tensor/Tensor.sol";
import {Int8Math} from "../tensor/Int8Math.sol";
import {Mode, LayerTypes} from "./LayerTypes.sol";

/// @notice A token id at `position` is not a row of the table (`id ≥ inputDim`). Keras/TensorFlow
///         (CPU) refuse such an id too; there is no meaningful embedding to return.
error TokenOutOfRange(uint256 position, uint256 id);

/// @notice Config of a Keras `Embedding` layer (docs/layers/recurrent.md "Embedding").
/// @param mode `Mode` as uint8 (the output's encoding; the input is always token ids).
/// @param T number of token ids (the sequence length). @param inputDim vocabulary size (table rows).
/// @param outputDim embedding width (table columns).
/// @param perRow int8: the table is quantized per row (symmetric, scale s_r) and requantized to the
///        output quantization with `M[r]/2^shift[r] ≈ s_r/s_out`; false: the table is already in the
///        output quantization (per-tensor) and rows are copied.
/// @param zOut int8, perRow: output zero point.
struct EmbeddingConfig {
    uint8 mode;
    uint32 T;
    uint32 inputDim;
    uint32 outputDim;
    bool perRow;
    int8 zOut;
}

/// @title Embedding — Keras `Embedding`: token ids → rows of the table, both number modes.
/// @notice Twin of assembly/layers/Embedding.ts. Input: T token ids, each a 4-byte big-endian unsigned
///         integer (docs/layers/recurrent.md "Token ids"). Output `[T, outputDim]` (row-major):
///         q: `y[t] = table[id_t]` (int64 BE, the table in the output's Q(F)); int8 per-tensor: the same
///         copy of int8 rows; int8 per-row: `y[t][k] = requantize(table[id_t][k], M[id_t], shift[id_t], zOut)`
///         (numerics §4.3, the table symmetric per row). `forwardRange(from, to)` computes positions
///         `[from, to)` (output `[to − from, outputDim]`).
///         Weight blob: q: `table [inputDim, outputDim]` int64 BE; int8: `table` int8 ‖ (perRow)
///         `M` uint32 BE ×inputDim ‖ `shift` uint8 ×inputDim.
/// @dev Failure conditions, in this order in both tiers: mode (`ValueOutOfRange`); T, inputDim,
///      outputDim ≥ 1 (`InvalidShape(102)`); T·outputDim, inputDim·outputDim < 2^31 (`(103)`);
///      `from ≤ to ≤ T` (`(100)`); input length 4T, weights length (`ShapeMismatch`); each id of
///      [from, to) in position order (`TokenOutOfRange(position, id)`); int8 perRow: (M[id], shift[id])
///      of each position of [from, to) in order (`InvalidRequantization`). Only the rows used are checked.
library Embedding {
    /// @dev Bytes per token id of the input.
    uint256 internal constant ID_BYTES = 4;

    function forward(bytes memory config, bytes memory weights, bytes memory input) internal pure returns (bytes memory) {
        EmbeddingConfig memory c = abi.decode(config, (EmbeddingConfig));
        return _run(c, weights, input, 0, c.T, false);
    }

    function forwardRange(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (EmbeddingConfig)), weights, input, from, to, false);
    }

    /// @notice Plain twin of `forwardRange` (byte-by-byte copies and reads).
    function forwardRangeRef(bytes memory config, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (bytes memory)
    {
        return _run(abi.decode(config, (EmbeddingConfig)), weights, input, from, to, true);
    }

    /// @notice Byte length of the weight blob of `c`.
    function weightsLength(EmbeddingConfig memory c) internal pure returns (uint256) {
        uint256 n = uint256(c.inputDim) * c.outputDim;
        if (c.mode == uint8(Mode.Q)) return 8 * n;
        return n + (c.perRow ? 5 * uint256(c.inputDim) : 0);
    }

    /// @notice All checks of the library doc, in order.
    function validate(EmbeddingConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (Mode mode)
    {
        mode = LayerTypes.checkMode(c.mode);
        LayerTypes.checkDim(c.T);
        LayerTypes.checkDim(c.inputDim);
        LayerTypes.checkDim(c.outputDim);
        LayerTypes.checkCount(uint256(c.T) * c.outputDim);
        LayerTypes.checkCount(uint256(c.inputDim) * c.outputDim);
        LayerTypes.checkRange(from, to, c.T);
        LayerTypes.requireLength(ID_BYTES * uint256(c.T), input.length);
        LayerTypes.requireLength(weightsLength(c), weights.length);
        for (uint256 t = from; t < to; t++) {
            uint256 id = _id(input, t);
            if (id >= c.inputDim) revert TokenOutOfRange(t, id);
        }
        if (mode == Mode.I8 && c.perRow) {
            uint256 base = uint256(c.inputDim) * c.outputDim;
            for (uint256 t = from; t < to; t++) {
                uint256 id = _id(input, t);
                LayerTypes.checkRequant(_be32(weights, base + 4 * id), _be8(weights, base + 4 * uint256(c.inputDim) + id));
            }
        }
    }

    function _run(EmbeddingConfig memory c, bytes memory weights, bytes memory input, uint256 from, uint256 to, bool ref)
        private
        pure
        returns (bytes memory y)
    {
        Mode mode = validate(c, weights, input, from, to);
        uint256 D = c.outputDim;
        uint256 rowBytes = D * LayerTypes.elementBytes(mode);
        y = ref ? new bytes((to - from) * rowBytes) : Tensor.allocI8((to - from) * rowBytes);
        if (mode == Mode.I8 && c.perRow) {
            _perRow(c, weights, input, from, to, y, ref);
            return y;
        }
        for (uint256 t = from; t < to; t++) {
            uint256 src = _id(input, t) * rowBytes;
            uint256 dst = (t - from) * rowBytes;
            if (ref) {
                for (uint256 k = 0; k < rowBytes; k++) {
                    y[dst + k] = weights[src + k];
                }
            } else {
                /// @solidity memory-safe-assembly
                assembly {
                    // Equivalent to: y[dst : dst + rowBytes] = weights[src : src + rowBytes] (id < inputDim
                    // was checked, so the row lies inside the blob).
                    mcopy(add(add(y, 0x20), dst), add(add(weights, 0x20), src), rowBytes)
                }
            }
        }
    }

    /// @notice `y[t][k] = requantize(table[id][k], M[id], shift[id], zOut)` (numerics §4.3).
    function _perRow(
        EmbeddingConfig memory c,
        bytes memory weights,
        bytes memory input,
        uint256 from,
        uint256 to,
        bytes memory y,
        bool ref
    ) private pure {
        for (uint256 t = from; t < to; t++) {
            _perRowOne(c, weights, _id(input, t), y, (t - from) * c.outputDim, ref);
        }
    }

    /// @dev Row `id` requantized into y at byte `dst`.
    function _perRowOne(EmbeddingConfig memory c, bytes memory weights, uint256 id, bytes memory y, uint256 dst, bool ref)
        private
        pure
    {
        uint256 D = c.outputDim;
        uint256 base = uint256(c.inputDim) * D;
        if (ref) {
            int256 m = _u32(weights, base + 4 * id);
            uint256 s = _u8(weights, base + 4 * uint256(c.inputDim) + id);
            _requantRowRef(weights, id * D, D, m, s, c.zOut, y, dst);
        } else {
            int256 m = _be32(weights, base + 4 * id);
            uint256 s = _be8(weights, base + 4 * uint256(c.inputDim) + id);
            _requantRow(Tensor.dataPtr(weights) + id * D, D, m, s, c.zOut, Tensor.dataPtr(y) + dst);
        }
    }

    /// @dev `D` int8 values at `src` requantized to `dst` (raw pointers; m, s validated).
    function _requantRow(uint256 src, uint256 D, int256 m, uint256 s, int256 z, uint256 dst) private pure {
        /// @solidity memory-safe-assembly
        assembly {
            for { let end := add(src, D) } lt(src, end) {} {
                // |q·m| < 2^38: exact.
                let v := mul(signextend(0, byte(0, mload(src))), m)
                // Equivalent to: Rounding.rshiftRound(v, s) (RHAZ, numerics §1)
                if s { v := sar(s, add(v, sub(shl(sub(s, 1), 1), slt(v, 0)))) }
                v := add(v, z)
                // Equivalent to: Rounding.sat8(v)
                if slt(v, sub(0, 128)) { v := sub(0, 128) }
                if sgt(v, 127) { v := 127 }
                mstore8(dst, v)
                src := add(src, 1)
                dst := add(dst, 1)
            }
        }
    }

    /// @dev Plain twin of `_requantRow` (Int8Math.requantize on each byte of the row).
    function _requantRowRef(bytes memory w, uint256 src, uint256 D, int256 m, uint256 s, int256 z, bytes memory y, uint256 dst)
        private
        pure
    {
        for (uint256 k = 0; k < D; k++) {
            int256 q = int256(int8(uint8(w[src + k])));
            Tensor.storeI8(y, dst + k, Int8Math.requantize(q, m, int256(s), z));
        }
    }

    /// @dev Token id t of the input (4-byte big-endian unsigned).
    function _id(bytes memory input, uint256 t) private pure returns (uint256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := shr(224, mload(add(add(input, 0x20), shl(2, t))))
        }
    }

    /// @dev uint32 big-endian at byte `off` of `b` (one mload; `off + 4 ≤ b.length` checked by the caller).
    function _be32(bytes memory b, uint256 off) private pure returns (int256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := shr(224, mload(add(add(b, 0x20), off)))
        }
    }

    /// @dev Byte `off` of `b` (one mload).
    function _be8(bytes memory b, uint256 off) private pure returns (uint256 v) {
        /// @solidity memory-safe-assembly
        assembly {
            v := byte(0, mload(add(add(b, 0x20), off)))
        }
    }

    function _u8(bytes memory b, uint256 off) private pure returns (uint256) {
        return uint8(b[off]);
    }

    function _u32(bytes memory b, uint256 off) private pure returns (int256) {
        uint256 u = 0;
        for (uint256 k = 0; k < 4; k++) {
            u = (u << 8) | uint8(b[off + k]);
        }
        return int256(u);
    }
}
