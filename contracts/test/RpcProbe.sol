// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Contract driven over JSON-RPC by tests/rpc.test.ts, the examples and the real-node
/// cross-check (tests/realnode.test.ts): storage writes and refunds, a heavy loop, custom-error
/// and string reverts, calldata-heavy input, precompiles, transient storage, MCOPY, CREATE2 and
/// events. Nothing in it depends on timestamps, fees or the coinbase, so two nodes executing the
/// same transactions charge the same gas and return the same values.
contract RpcProbe {
    error TooBig(uint256 value, uint256 limit);

    event Stored(address indexed by, uint256 indexed slot, uint256 value);
    event Note(string text);
    event ChildCreated(address indexed child, bytes32 salt);

    mapping(uint256 => uint256) public slots;
    uint256 public total;

    constructor(uint256 initial) {
        total = initial;
    }

    receive() external payable {}

    /// Writes one slot (cold 0 → x costs 22,100; x → 0 earns a refund).
    function store(uint256 slot, uint256 value) external {
        slots[slot] = value;
        emit Stored(msg.sender, slot, value);
    }

    /// Writes `count` consecutive slots with `value` (value 0 on written slots: many refunds, capped at 1/5).
    function storeMany(uint256 first, uint256 count, uint256 value) external {
        for (uint256 i = 0; i < count; i++) slots[first + i] = value;
    }

    /// `rounds` chained keccak256 hashes in scratch space (about 100 gas per round); stores the low byte.
    function burn(uint256 rounds) external returns (bytes32 h) {
        h = bytes32(total);
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(0x00, h)
                mstore(0x20, i)
                h := keccak256(0x00, 0x40)
            }
        }
        total = uint256(h) & 0xff;
    }

    function check(uint256 x) external pure returns (uint256) {
        if (x > 10) revert TooBig(x, 10);
        return x * 2;
    }

    function checkRequire(uint256 x) external pure returns (uint256) {
        require(x < 5, "x must be below 5");
        return x;
    }

    /// Accepts calldata and does almost nothing with it (its gas is the EIP-7623 calldata floor).
    function sink(bytes calldata blob) external returns (uint256) {
        total += blob.length;
        return blob.length;
    }

    /// sha256, ripemd160 and identity (precompiles 2, 3, 4) and keccak256 of `blob`.
    function hashes(bytes calldata blob) external view returns (bytes32 sha, bytes20 ripemd, bytes32 kec, bytes memory copy) {
        sha = sha256(blob);
        ripemd = ripemd160(blob);
        kec = keccak256(blob);
        (bool ok, bytes memory out) = address(4).staticcall(blob);
        require(ok, "identity failed");
        copy = out;
    }

    function recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s) external pure returns (address) {
        return ecrecover(digest, v, r, s);
    }

    /// base^exp mod modulus through the MODEXP precompile (address 5; repriced in Osaka, EIP-7883).
    function modexp(bytes calldata base, bytes calldata exp, bytes calldata modulus) public view returns (bytes memory out) {
        bytes memory input = abi.encodePacked(uint256(base.length), uint256(exp.length), uint256(modulus.length), base, exp, modulus);
        (bool ok, bytes memory res) = address(5).staticcall(input);
        require(ok, "modexp failed");
        out = res;
    }

    /// Same as `modexp`, in a transaction (stores the result's first word).
    function modexpTx(bytes calldata base, bytes calldata exp, bytes calldata modulus) external {
        bytes memory out = modexp(base, exp, modulus);
        uint256 w;
        assembly ("memory-safe") {
            w := mload(add(out, 0x20))
        }
        total = w;
    }

    /// Raw staticcall to any precompile (e.g. P256VERIFY at 0x100, Osaka EIP-7951).
    function precompile(address target, bytes calldata input) external view returns (bool ok, bytes memory out) {
        (ok, out) = target.staticcall(input);
    }

    /// TSTORE / TLOAD (EIP-1153) then MCOPY (EIP-5656) of `blob`; stores a checksum.
    function transientAndCopy(uint256 x, bytes memory blob) external returns (uint256 y, bytes memory copy) {
        assembly ("memory-safe") {
            tstore(7, x)
            y := tload(7)
        }
        copy = new bytes(blob.length);
        assembly ("memory-safe") {
            mcopy(add(copy, 0x20), add(blob, 0x20), mload(blob))
        }
        total = y + copy.length;
    }

    function deployChild(bytes32 salt, uint256 tag) external returns (address child) {
        child = address(new RpcProbeChild{salt: salt}(tag));
        emit ChildCreated(child, salt);
    }

    function note(string calldata text) external {
        emit Note(text);
    }
}

contract RpcProbeChild {
    uint256 public immutable tag;

    constructor(uint256 tag_) {
        tag = tag_;
    }
}
