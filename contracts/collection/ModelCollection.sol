// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IModelOwnership} from "../models/ModelOwnership.sol";

/// @title ModelCollection — one ERC-721 token per sealed model; the token controls the model.
/// @notice
/// - `mint(model, name, description)`: only the model's current owner, only for a sealed model that
///   approved this collection, once per model. The token goes to the caller and the model is bound
///   to it (`IModelOwnership.bindToCollection`), so `model.owner()` becomes the token's holder.
/// - Royalties (ERC-2981): `royaltyInfo(tokenId, salePrice)` = (receiver, ⌊salePrice · bps / 10,000⌋)
///   with the receiver and bps set per token by the token's holder (`setTokenRoyalty`), bps ≤
///   `maxRoyaltyBps` (fixed at deployment). Tokens without a royalty report (address(0), 0).
/// - Inference fees: the holder sets `inferenceFee(tokenId)`; `payInferenceFee(tokenId)` (payable,
///   by the model or a user) requires at least that fee and credits the whole payment to the token.
///   Fees belong to the token, not to whoever held it when they were paid: only the current holder
///   can `withdraw(tokenId)` them (pull payment, state cleared before the transfer, nonReentrant).
/// - `tokenURI`: `data:application/json;base64,` + JSON {name, description, model, weights_root,
///   number_mode, attributes[]}, with number mode and weights root read from the model.
contract ModelCollection is ERC721, ERC2981, ReentrancyGuard {
    /// @notice `caller` is not the model's owner (`owner`).
    error NotModelOwner(address caller, address owner);
    /// @notice The model is not sealed.
    error ModelNotSealed(address model);
    /// @notice The model has not approved this collection.
    error CollectionNotApproved(address model, address approved);
    /// @notice The model was already minted as `tokenId`.
    error ModelAlreadyMinted(address model, uint256 tokenId);
    /// @notice Not a contract.
    error NotAModel(address model);
    /// @notice Minting did not bind the model to the new token.
    error BindingFailed(address model, uint256 tokenId);
    /// @notice `caller` does not hold token `tokenId`.
    error NotTokenOwner(uint256 tokenId, address caller);
    /// @notice Royalty above the collection's maximum.
    error RoyaltyTooHigh(uint256 bps, uint256 maxBps);
    /// @notice Constructor: maximum royalty above 100 %.
    error InvalidMaxRoyalty(uint256 maxBps);
    /// @notice Paid less than the token's inference fee.
    error InsufficientFee(uint256 paid, uint256 fee);
    /// @notice No accrued fees for `tokenId`.
    error NothingToWithdraw(uint256 tokenId);
    /// @notice The payout to `to` failed.
    error TransferFailed(address to, uint256 amount);

    event ModelMinted(uint256 indexed tokenId, address indexed model, address indexed owner, bytes32 weightsRoot);
    event TokenRoyaltySet(uint256 indexed tokenId, address receiver, uint96 bps);
    event InferenceFeeSet(uint256 indexed tokenId, uint256 fee);
    event InferenceFeePaid(uint256 indexed tokenId, address indexed payer, uint256 amount);
    event FeesWithdrawn(uint256 indexed tokenId, address indexed to, uint256 amount);

    struct ModelInfo {
        address model;
        string name;
        string description;
    }

    /// @notice Maximum royalty any token may set, in basis points.
    uint96 public immutable maxRoyaltyBps;

    uint256 private _nextTokenId = 1;
    mapping(uint256 => ModelInfo) private _info;
    mapping(address => uint256) private _tokenOfModel;
    mapping(uint256 => uint256) private _inferenceFee;
    mapping(uint256 => uint256) private _accrued;

    constructor(string memory name_, string memory symbol_, uint96 maxRoyaltyBps_) ERC721(name_, symbol_) {
        if (maxRoyaltyBps_ > _feeDenominator()) revert InvalidMaxRoyalty(maxRoyaltyBps_);
        maxRoyaltyBps = maxRoyaltyBps_;
    }

    modifier onlyTokenOwner(uint256 tokenId) {
        if (ownerOf(tokenId) != msg.sender) revert NotTokenOwner(tokenId, msg.sender);
        _;
    }

    // ------------------------------------------------------------------ minting

    /// @notice Mint the token of `model` to the caller, who must be its owner; binds the model to it.
    function mint(address model, string calldata name, string calldata description) external nonReentrant returns (uint256 tokenId) {
        if (model.code.length == 0) revert NotAModel(model);
        uint256 existing = _tokenOfModel[model];
        if (existing != 0) revert ModelAlreadyMinted(model, existing);
        IModelOwnership m = IModelOwnership(model);
        address modelOwner = m.owner();
        if (msg.sender != modelOwner) revert NotModelOwner(msg.sender, modelOwner);
        if (!m.isSealed()) revert ModelNotSealed(model);
        address approved = m.approvedCollection();
        if (approved != address(this)) revert CollectionNotApproved(model, approved);

        tokenId = _nextTokenId++;
        _tokenOfModel[model] = tokenId;
        ModelInfo storage info = _info[tokenId];
        info.model = model;
        info.name = name;
        info.description = description;
        // Plain _mint: no receiver callback, so nothing runs between minting and binding but the model.
        _mint(msg.sender, tokenId);
        m.bindToCollection(tokenId);
        (address c, uint256 t, bool bound) = m.binding();
        if (!bound || c != address(this) || t != tokenId || m.owner() != msg.sender) revert BindingFailed(model, tokenId);
        emit ModelMinted(tokenId, model, msg.sender, m.weightsRoot());
    }

    /// @notice The model of `tokenId`.
    function modelOf(uint256 tokenId) external view returns (address) {
        _requireOwned(tokenId);
        return _info[tokenId].model;
    }

    /// @notice The token of `model` (0 if not minted; token ids start at 1).
    function tokenOfModel(address model) external view returns (uint256) {
        return _tokenOfModel[model];
    }

    /// @notice Number of tokens minted.
    function totalMinted() external view returns (uint256) {
        return _nextTokenId - 1;
    }

    // ------------------------------------------------------------------ royalties (ERC-2981)

    /// @notice Set the royalty of `tokenId` (holder only): `bps` of each sale price to `receiver`;
    /// `bps == 0` removes it.
    function setTokenRoyalty(uint256 tokenId, address receiver, uint96 bps) external onlyTokenOwner(tokenId) {
        if (bps > maxRoyaltyBps) revert RoyaltyTooHigh(bps, maxRoyaltyBps);
        if (bps == 0) _resetTokenRoyalty(tokenId);
        else _setTokenRoyalty(tokenId, receiver, bps);
        emit TokenRoyaltySet(tokenId, bps == 0 ? address(0) : receiver, bps);
    }

    // royaltyInfo(tokenId, salePrice) is ERC2981's: Math.mulDiv(salePrice, bps, 10_000), rounded down, no overflow.

    // ------------------------------------------------------------------ inference fees

    /// @notice Set the fee per inference of `tokenId` in wei (holder only).
    function setInferenceFee(uint256 tokenId, uint256 fee) external onlyTokenOwner(tokenId) {
        _inferenceFee[tokenId] = fee;
        emit InferenceFeeSet(tokenId, fee);
    }

    function inferenceFee(uint256 tokenId) external view returns (uint256) {
        return _inferenceFee[tokenId];
    }

    /// @notice Pay for one inference of `tokenId` (at least its fee); the whole payment accrues to the token.
    function payInferenceFee(uint256 tokenId) external payable {
        _requireOwned(tokenId);
        uint256 fee = _inferenceFee[tokenId];
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        _accrued[tokenId] += msg.value;
        emit InferenceFeePaid(tokenId, msg.sender, msg.value);
    }

    /// @notice Fees accrued to `tokenId` and not withdrawn.
    function accruedFees(uint256 tokenId) external view returns (uint256) {
        return _accrued[tokenId];
    }

    /// @notice Send all fees accrued to `tokenId` to its current holder (holder only).
    function withdraw(uint256 tokenId) external nonReentrant onlyTokenOwner(tokenId) {
        uint256 amount = _accrued[tokenId];
        if (amount == 0) revert NothingToWithdraw(tokenId);
        _accrued[tokenId] = 0;
        emit FeesWithdrawn(tokenId, msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ metadata

    /// @notice `data:application/json;base64,…` of {name, description, model, weights_root, number_mode, attributes}.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        ModelInfo storage info = _info[tokenId];
        IModelOwnership m = IModelOwnership(info.model);
        string memory mode = Strings.escapeJSON(m.numberMode());
        string memory root = Strings.toHexString(uint256(m.weightsRoot()), 32);
        string memory model = Strings.toChecksumHexString(info.model);
        bytes memory json = abi.encodePacked(
            '{"name":"',
            Strings.escapeJSON(info.name),
            '","description":"',
            Strings.escapeJSON(info.description),
            '","model":"',
            model,
            '","weights_root":"',
            root,
            '","number_mode":"',
            mode
        );
        json = abi.encodePacked(
            json,
            '","attributes":[{"trait_type":"Number mode","value":"',
            mode,
            '"},{"trait_type":"Weights root","value":"',
            root,
            '"},{"trait_type":"Model","value":"',
            model,
            '"}]}'
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
