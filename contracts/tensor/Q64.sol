// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Q64 — the `q` mode number format (docs/numerics.md §3).
/// @notice A signed int64 `v` representing the real `v / 2^F`; F is a model property (default 32).
///         A bare integer never travels as a fixed-point value: wrap and unwrap explicitly.
type Q64 is int64;

/// @dev 1.0 in Q32.32 (2^32).
int64 constant uQ32_ONE = 4294967296;
/// @dev 1.0 in Q32.32 as a Q64.
Q64 constant Q32_ONE = Q64.wrap(uQ32_ONE);
