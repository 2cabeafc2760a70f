// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Q64} from "../tensor/Q64.sol";
import {QMath} from "../tensor/QMath.sol";

/// @title QMathHarness — exposes QMath (docs/numerics.md §3) to tests and benchmarks.
/// @notice Every function returns the primitive's result and `gasUsed`, the gas the primitive spent
///         measured inside the contract with gasleft() (it includes the internal call's jump overhead
///         and the gasleft bracketing itself; `gasBaseline()` is that bracketing around nothing).
contract QMathHarness {
    function gasBaseline() external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        gasUsed = g - gasleft();
    }

    function qExp(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qExp(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qLog(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qLog(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSqrt(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSqrt(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qRecip(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qRecip(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSigmoid(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSigmoid(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qTanh(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qTanh(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qErf(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qErf(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qGelu(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qGelu(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qExpRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qExpRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qLogRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qLogRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSqrtRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSqrtRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSigmoidRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSigmoidRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qTanhRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qTanhRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qErfRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qErfRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qGeluRef(int64 x) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qGeluRef(Q64.wrap(x));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qAdd(int64 a, int64 b) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qAdd(Q64.wrap(a), Q64.wrap(b));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSub(int64 a, int64 b) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSub(Q64.wrap(a), Q64.wrap(b));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qAddRef(int64 a, int64 b) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qAddRef(Q64.wrap(a), Q64.wrap(b));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qSubRef(int64 a, int64 b) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qSubRef(Q64.wrap(a), Q64.wrap(b));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qMul(int64 a, int64 b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qMul(Q64.wrap(a), Q64.wrap(b), F);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qDiv(int64 a, int64 b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qDiv(Q64.wrap(a), Q64.wrap(b), F);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qMulRef(int64 a, int64 b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qMulRef(Q64.wrap(a), Q64.wrap(b), F);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qDivRef(int64 a, int64 b, uint256 F) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qDivRef(Q64.wrap(a), Q64.wrap(b), F);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qRescale(int64 a, uint256 F1, uint256 F2) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qRescale(Q64.wrap(a), F1, F2);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qClamp(int64 a, int64 lo, int64 hi) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qClamp(Q64.wrap(a), Q64.wrap(lo), Q64.wrap(hi));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qRescaleRef(int64 a, uint256 F1, uint256 F2) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qRescaleRef(Q64.wrap(a), F1, F2);
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }

    function qClampRef(int64 a, int64 lo, int64 hi) external view returns (int64 r, uint256 gasUsed) {
        uint256 g = gasleft();
        Q64 y = QMath.qClampRef(Q64.wrap(a), Q64.wrap(lo), Q64.wrap(hi));
        gasUsed = g - gasleft();
        r = Q64.unwrap(y);
    }
}
