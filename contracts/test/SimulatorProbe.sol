// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Tiny contract exercised by tests/simulator.test.ts (deploy, logs, views, every revert kind, gas burn).
contract SimulatorProbe {
    error TooBig(uint256 value, uint256 limit);
    error Unauthorized(address caller);

    event ValueSet(address indexed setter, uint256 indexed oldValue, uint256 newValue, string note);

    uint256 public value;
    address public owner;
    string public label;

    constructor(uint256 initial, string memory label_) {
        value = initial;
        label = label_;
        owner = msg.sender;
    }

    function set(uint256 newValue, string calldata note) external returns (uint256 old) {
        old = value;
        value = newValue;
        emit ValueSet(msg.sender, old, newValue, note);
    }

    function info() external view returns (uint256, address, string memory, int8) {
        return (value, owner, label, -7);
    }

    function whoami() external view returns (address) {
        return msg.sender;
    }

    function failCustom(uint256 x) external pure returns (uint256) {
        if (x > 10) revert TooBig(x, 10);
        return x;
    }

    function onlyOwner() external view returns (bool) {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        return true;
    }

    function failRequire(uint256 x) external pure returns (uint256) {
        require(x < 5, "x must be below 5");
        return x;
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function add(uint8 a, uint8 b) external pure returns (uint8) {
        return a + b;
    }

    function setThenRevert(uint256 newValue) external {
        value = newValue;
        revert TooBig(newValue, 0);
    }

    /// Burns roughly `rounds` keccak rounds of gas; writes the result so it cannot be optimised away.
    function burn(uint256 rounds) external returns (bytes32 h) {
        h = bytes32(value);
        h = _hashChain(h, rounds);
        value = uint256(h) & 0xff;
    }

    /// Writes `count` fresh storage slots (~22,100 gas each): lots of gas for little VM time.
    function fill(uint256 count) external {
        assembly {
            let base := add(shl(128, 1), number())
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                sstore(add(base, shl(32, i)), 1)
            }
        }
    }

    function burnView(uint256 rounds) external pure returns (bytes32 h) {
        h = _hashChain(bytes32(0), rounds);
    }

    /// Hashes in scratch space so memory does not grow (gas stays linear in `rounds`).
    function _hashChain(bytes32 seed, uint256 rounds) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := seed
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(0x00, h)
                mstore(0x20, i)
                h := keccak256(0x00, 0x40)
            }
        }
    }
}
