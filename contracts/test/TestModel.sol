// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WeightStore} from "../storage/WeightStore.sol";
import {ModelOwnership} from "../models/ModelOwnership.sol";
import {SegmentReader} from "../storage/SegmentReader.sol";

/// @title TestModel — the smallest concrete model: an opaque config blob plus a weight store.
/// @notice For tests of WeightStore, ModelOwnership and ModelCollection only; the real model
/// contract (layer graph, inference) inherits the same two bases.
contract TestModel is WeightStore {
    bytes private _config;
    string private _numberMode;

    constructor(address initialOwner, string memory mode) ModelOwnership(initialOwner) {
        _numberMode = mode;
    }

    /// @notice Replace the config (owner only, before sealing).
    function setConfig(bytes calldata newConfig) external onlyOwner whenNotSealed {
        _config = newConfig;
    }

    function config() external view returns (bytes memory) {
        return _config;
    }

    /// @notice keccak256 of the config bytes.
    function configHash() public view override returns (bytes32) {
        return keccak256(_config);
    }

    function numberMode() public view override returns (string memory) {
        return _numberMode;
    }

    /// @notice Bytes of the weight blob (walk mode over the registered segments).
    function readWeights(uint256 offset, uint256 length) external view returns (bytes memory) {
        return _readWeights(offset, length);
    }

    /// @notice Same through the uniform-stride path, with the gas it took.
    function readWeightsUniform(uint256 offset, uint256 length) external view returns (bytes memory out, uint256 gasUsed) {
        address[] memory segs = segments();
        uint256 stride = segmentStride();
        uint256 g = gasleft();
        out = SegmentReader.readUniform(segs, stride, offset, length);
        gasUsed = g - gasleft();
    }

    /// @notice Accepts fee refunds / forwards nothing; lets tests pay an inference fee through a model.
    function payFee(address collection, uint256 tokenId) external payable {
        (bool ok, bytes memory ret) = collection.call{value: msg.value}(abi.encodeWithSignature("payInferenceFee(uint256)", tokenId));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

interface IFeeCollection {
    function withdraw(uint256 tokenId) external;
}

/// @title ReentrantReceiver — a token holder whose `receive` re-enters `withdraw` (reentrancy tests).
/// @notice mode 0: accept payments quietly; 1: re-enter and let a failure bubble (so the payout
/// fails); 2: re-enter and swallow the failure (records the revert data in `reentryError`).
contract ReentrantReceiver {
    address public immutable collection;
    address private immutable _deployer;
    uint8 public mode;
    uint256 public target;
    uint256 public received;
    uint256 public reentryAttempts;
    bytes public reentryError;

    constructor(address collection_) {
        collection = collection_;
        _deployer = msg.sender;
    }

    function setMode(uint8 mode_, uint256 tokenId) external {
        mode = mode_;
        target = tokenId;
    }

    /// @notice Withdraw the fees of `tokenId` (this contract must hold the token).
    function attack(uint256 tokenId) external {
        target = tokenId;
        IFeeCollection(collection).withdraw(tokenId);
    }

    /// @notice Arbitrary call as this contract (deployer only), e.g. to act as a model owner.
    function exec(address to, bytes calldata data) external payable returns (bytes memory ret) {
        require(msg.sender == _deployer, "not deployer");
        bool ok;
        (ok, ret) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    receive() external payable {
        received += msg.value;
        if (mode == 0) return;
        reentryAttempts += 1;
        if (mode == 1) {
            IFeeCollection(collection).withdraw(target);
        } else {
            try IFeeCollection(collection).withdraw(target) {} catch (bytes memory err) {
                reentryError = err;
            }
        }
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
