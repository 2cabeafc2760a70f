// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title nnchain tensor errors — the failure conditions of docs/numerics.md §2.
/// @notice The oracle (assembly/) throws an error whose message starts with the same name.

/// @notice A divisor was zero (`qDiv`, `qRecip`, `divRound`).
error DivisionByZero();
/// @notice `qLog` of a non-positive value.
error LogOfNonPositive(int256 x);
/// @notice `qSqrt` of a negative value.
error SqrtOfNegative(int256 x);
/// @notice An argument lies outside the range of its declared type (int64, int8, ...).
error ValueOutOfRange(int256 v);
/// @notice A requantization multiplier or shift outside numerics §4.3.
error InvalidRequantization(int256 multiplier, int256 shift);
/// @notice A buffer's length does not match its declared shape.
error ShapeMismatch(uint256 expected, uint256 actual);
/// @notice A malformed shape; `code` is documented at the op that raises it.
error InvalidShape(uint256 code);
