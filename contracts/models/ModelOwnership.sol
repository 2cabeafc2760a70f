// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IModelOwnership — what a model collection needs to know about a model contract.
interface IModelOwnership {
    /// @notice The account that controls the model: the initial/transferred owner until the model is
    /// bound to a collection token, then the current holder of that token.
    function owner() external view returns (address);
    /// @notice True once the model's config and weights are frozen (`seal`).
    function isSealed() external view returns (bool);
    /// @notice The model's weights root (see `WeightStore.weightsRoot`).
    function weightsRoot() external view returns (bytes32);
    /// @notice The number mode of the model's arithmetic, e.g. "int8" or "q" (docs/numerics.md).
    function numberMode() external view returns (string memory);
    /// @notice The collection the owner allowed to bind the model (address(0) if none).
    function approvedCollection() external view returns (address);
    /// @notice The collection token controlling the model, if bound.
    function binding() external view returns (address collection, uint256 tokenId, bool bound);
    /// @notice Called by the approved collection right after it minted `tokenId` for this model.
    function bindToCollection(uint256 tokenId) external;
}

/// @title ModelOwnership — ownership, sealing and collection binding of a model contract.
/// @notice Lifecycle:
/// 1. Deployed with an owner; the owner configures the model and uploads its weights (the functions
///    doing so are guarded by `onlyOwner` and `whenNotSealed`).
/// 2. `seal()` (owner): config and weights become immutable; emits `Sealed(weightsRoot())`.
/// 3. Optionally `approveCollection(c)` (owner, any time before binding) and mint in `c`: the
///    collection calls `bindToCollection(tokenId)` (only the approved collection, only when sealed,
///    only once, only for a token held by the current owner). From then on `owner()` is
///    `IERC721(c).ownerOf(tokenId)`: transferring the token transfers control of the model.
/// Before binding, `transferOwnership` moves control directly; after binding it is disabled.
abstract contract ModelOwnership is IModelOwnership {
    /// @notice `caller` is not the model's owner.
    error NotOwner(address caller);
    /// @notice The model is sealed: config and weights can no longer change.
    error AlreadySealed();
    /// @notice The operation needs a sealed model.
    error NotSealed();
    /// @notice `caller` is not the collection approved by the owner.
    error NotApprovedCollection(address caller);
    /// @notice The model is already bound to a collection token.
    error AlreadyBound(address collection, uint256 tokenId);
    /// @notice Control follows the collection token: transfer the token instead.
    error OwnershipBound(address collection, uint256 tokenId);
    /// @notice The token to bind is held by `tokenOwner`, not by the model's owner `modelOwner`.
    error BindingOwnerMismatch(address tokenOwner, address modelOwner);
    /// @notice The zero address is not a valid owner.
    error ZeroOwner();

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event Sealed(bytes32 weightsRoot);
    event CollectionApproved(address indexed collection);
    event BoundToCollection(address indexed collection, uint256 indexed tokenId);

    // Slot 0: owner (20 bytes) + sealed + bound flags, so `onlyOwner` + `whenNotSealed` cost one
    // SLOAD while unbound. Slot 1: approved (then binding) collection. Slot 2: token id.
    address private _owner;
    bool private _sealed;
    bool private _bound;
    address private _collection;
    uint256 private _tokenId;

    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroOwner();
        _owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    modifier onlyOwner() {
        if (msg.sender != owner()) revert NotOwner(msg.sender);
        _;
    }

    modifier whenNotSealed() {
        if (_sealed) revert AlreadySealed();
        _;
    }

    modifier whenSealed() {
        if (!_sealed) revert NotSealed();
        _;
    }

    /// @inheritdoc IModelOwnership
    function owner() public view virtual returns (address) {
        if (_bound) return IERC721(_collection).ownerOf(_tokenId);
        return _owner;
    }

    /// @inheritdoc IModelOwnership
    /// @dev Named `isSealed` because `sealed` is a reserved keyword in Solidity.
    function isSealed() public view returns (bool) {
        return _sealed;
    }

    /// @inheritdoc IModelOwnership
    function weightsRoot() public view virtual returns (bytes32);

    /// @inheritdoc IModelOwnership
    function numberMode() public view virtual returns (string memory);

    /// @inheritdoc IModelOwnership
    function approvedCollection() external view returns (address) {
        return _collection;
    }

    /// @inheritdoc IModelOwnership
    function binding() external view returns (address collection, uint256 tokenId, bool bound) {
        return (_bound ? _collection : address(0), _tokenId, _bound);
    }

    /// @notice Freeze config and weights (owner only, once). Runs `_beforeSeal` (e.g. all weight
    /// segments present) and emits `Sealed(weightsRoot())`.
    function seal() external onlyOwner whenNotSealed {
        _beforeSeal();
        _sealed = true;
        emit Sealed(weightsRoot());
    }

    /// @notice Move control to `newOwner` (owner only, only while not bound to a collection token).
    function transferOwnership(address newOwner) external onlyOwner {
        if (_bound) revert OwnershipBound(_collection, _tokenId);
        if (newOwner == address(0)) revert ZeroOwner();
        emit OwnershipTransferred(_owner, newOwner);
        _owner = newOwner;
    }

    /// @notice Allow `collection` to bind this model to one of its tokens (owner only, before binding;
    /// address(0) revokes).
    function approveCollection(address collection) external onlyOwner {
        if (_bound) revert AlreadyBound(_collection, _tokenId);
        _collection = collection;
        emit CollectionApproved(collection);
    }

    /// @inheritdoc IModelOwnership
    /// @dev The token must already exist and be held by the current owner, so binding never moves
    /// control to anyone else; afterwards `owner()` follows the token.
    function bindToCollection(uint256 tokenId) external whenSealed {
        if (_bound) revert AlreadyBound(_collection, _tokenId);
        if (msg.sender != _collection || msg.sender == address(0)) revert NotApprovedCollection(msg.sender);
        address holder = IERC721(msg.sender).ownerOf(tokenId);
        if (holder != _owner) revert BindingOwnerMismatch(holder, _owner);
        _bound = true;
        _tokenId = tokenId;
        emit BoundToCollection(msg.sender, tokenId);
    }

    /// @dev Checks before sealing (revert to refuse); the weight store requires all segments present.
    function _beforeSeal() internal virtual {}
}
