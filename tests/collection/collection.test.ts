/**
 * ModelCollection (ERC-721 + ERC-2981 + fees) with TestModel on the embedded chain (ethereum
 * profile): minting rules, control following the token, royalty arithmetic, fee accrual and
 * pull withdrawal, reentrancy, tokenURI.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Interface, ZeroAddress, getAddress, hexlify, keccak256 } from 'ethers';
import { compileFor, getArtifact, type Artifact } from '../../src/harness/compile.ts';
import { BASE_FEE, createChain, type Chain } from '../../src/simulator/index.ts';
import { buildSegments, executeUpload, simulatorBackend, weightsRoot } from '../../src/harness/storage/index.ts';
import { expectRevert } from '../helpers/receipts.ts';

const CONFIG = hexlify(new TextEncoder().encode('{"layers":["conv","dense"]}'));
const BLOB = Uint8Array.from({ length: 2500 }, (_, i) => (i * 131 + 7) & 0xff);
const MAX_BPS = 1000n;

let chain: Chain;
let model: Artifact;
let collection: Artifact;
let receiver: Artifact;
let c: string;
const acct = (i: number) => chain.accounts[i]!.address;

beforeAll(async () => {
  const out = compileFor(['contracts/test/TestModel.sol', 'contracts/collection/ModelCollection.sol']);
  model = getArtifact('TestModel', out);
  collection = getArtifact('ModelCollection', out);
  receiver = getArtifact('ReentrantReceiver', out);
  chain = await createChain({ profile: 'ethereum', accounts: 6 });
  c = (await chain.deploy(collection, ['nnchain models', 'NNM', MAX_BPS])).address;
});


const send = (to: string, abi: Artifact, method: string, args: unknown[], from = 0, value?: bigint) => chain.send(to, abi.abi, method, args, { from, value });
const view = async <T>(to: string, abi: Artifact, method: string, args: unknown[] = []) => (await chain.call<T>(to, abi.abi, method, args)).value;

/** A TestModel owned by account `owner` with its weights uploaded; sealed and approved on request. */
async function readyModel(owner: number, opts: { seal?: boolean; approve?: boolean } = {}): Promise<string> {
  const { address } = await chain.deploy(model, [acct(owner), 'int8'], { from: owner });
  expect((await send(address, model, 'setConfig', [CONFIG], owner)).status).toBe(1);
  await executeUpload(simulatorBackend(chain, { from: owner }), address, BLOB, { maxData: 1000 });
  if (opts.approve ?? true) expect((await send(address, model, 'approveCollection', [c], owner)).status).toBe(1);
  if (opts.seal ?? true) expect((await send(address, model, 'seal', [], owner)).status).toBe(1);
  return address;
}

describe('minting', () => {
  let m: string;
  let tokenId: bigint;

  it('refuses unsealed, unapproved, foreign and non-contract models', async () => {
    const unsealed = await readyModel(0, { seal: false });
    expectRevert(await send(c, collection, 'mint', [unsealed, 'a', 'b']), 'ModelNotSealed', [unsealed]);
    const unapproved = await readyModel(0, { approve: false });
    expectRevert(await send(c, collection, 'mint', [unapproved, 'a', 'b']), 'CollectionNotApproved', [unapproved, ZeroAddress]);
    m = await readyModel(0);
    expectRevert(await send(c, collection, 'mint', [m, 'a', 'b'], 1), 'NotModelOwner', [acct(1), acct(0)]);
    expectRevert(await send(c, collection, 'mint', [acct(3), 'a', 'b']), 'NotAModel', [acct(3)]);
    // Nobody but the approved collection can bind, and only through a token the owner holds.
    expectRevert(await send(m, model, 'bindToCollection', [1n], 0), 'NotApprovedCollection', [acct(0)]);
    expectRevert(await send(m, model, 'bindToCollection', [1n], 1), 'NotApprovedCollection', [acct(1)]);
    // Approving is owner only.
    expectRevert(await send(m, model, 'approveCollection', [acct(1)], 1), 'NotOwner', [acct(1)]);
  });

  it("mints the owner's sealed model once and binds it", async () => {
    const r = await send(c, collection, 'mint', [m, 'Digits CNN', 'MNIST classifier'], 0);
    expect(r.status).toBe(1);
    console.log(`mint gas: ${r.gasUsed}`);
    const ev = r.logs.find((l) => l.name === 'ModelMinted')!;
    tokenId = (ev.args as { tokenId: bigint }).tokenId;
    expect(tokenId).toBe(1n);
    expect(ev.args).toMatchObject({ model: m, owner: acct(0), weightsRoot: await view<string>(m, model, 'weightsRoot') });
    expect(await view<string>(c, collection, 'ownerOf', [tokenId])).toBe(acct(0));
    expect(await view<string>(c, collection, 'modelOf', [tokenId])).toBe(m);
    expect(await view<bigint>(c, collection, 'tokenOfModel', [m])).toBe(tokenId);
    expect(await view<unknown[]>(m, model, 'binding')).toEqual([c, tokenId, true]);
    expect(await view<string>(m, model, 'owner')).toBe(acct(0));
    expectRevert(await send(c, collection, 'mint', [m, 'again', ''], 0), 'ModelAlreadyMinted', [m, tokenId]);
    // Once bound, the owner can no longer re-approve or hand the model over outside the token.
    expectRevert(await send(m, model, 'approveCollection', [acct(1)], 0), 'AlreadyBound', [c, tokenId]);
    expectRevert(await send(m, model, 'transferOwnership', [acct(1)], 0), 'OwnershipBound', [c, tokenId]);
    expect(await view<bigint>(c, collection, 'totalMinted')).toBe(1n);
    // Another collection cannot mint (and so cannot bind) the model.
    const c2 = (await chain.deploy(collection, ['other', 'OTH', 500n])).address;
    expectRevert(await send(c2, collection, 'mint', [m, 'copy', ''], 0), 'CollectionNotApproved', [m, c]);
  });

  it('transferring the token transfers control of the model', async () => {
    expect((await send(c, collection, 'transferFrom', [acct(0), acct(1), tokenId], 0)).status).toBe(1);
    expect(await view<string>(m, model, 'owner')).toBe(acct(1));
    // The previous owner is locked out of owner-only functions; the new one passes the owner check.
    expectRevert(await send(m, model, 'transferOwnership', [acct(0)], 0), 'NotOwner', [acct(0)]);
    expectRevert(await send(m, model, 'transferOwnership', [acct(0)], 1), 'OwnershipBound');
    expectRevert(await send(m, model, 'seal', [], 0), 'NotOwner', [acct(0)]);
    expectRevert(await send(m, model, 'seal', [], 1), 'AlreadySealed');
    expectRevert(await send(c, collection, 'setInferenceFee', [tokenId, 5n], 0), 'NotTokenOwner', [tokenId, acct(0)]);
    expect((await send(c, collection, 'setInferenceFee', [tokenId, 5n], 1)).status).toBe(1);
    expect((await send(c, collection, 'transferFrom', [acct(1), acct(0), tokenId], 1)).status).toBe(1);
    expect(await view<string>(m, model, 'owner')).toBe(acct(0));
  });

  it('a model that changed hands before minting can only be minted by its new owner', async () => {
    const m2 = await readyModel(2);
    expect((await send(m2, model, 'transferOwnership', [acct(3)], 2)).status).toBe(1);
    expectRevert(await send(c, collection, 'mint', [m2, 'x', 'y'], 2), 'NotModelOwner', [acct(2), acct(3)]);
    const r = await send(c, collection, 'mint', [m2, 'x', 'y'], 3);
    expect(r.status).toBe(1);
    expect(await view<string>(m2, model, 'owner')).toBe(acct(3));
  });
});

describe('royalties (ERC-2981)', () => {
  let t: bigint;
  beforeAll(async () => {
    const m = await readyModel(4);
    await send(c, collection, 'mint', [m, 'r', 'r'], 4);
    t = await view<bigint>(c, collection, 'tokenOfModel', [m]);
  });

  it('supports the ERC-721 and ERC-2981 interfaces', async () => {
    expect(await view<boolean>(c, collection, 'supportsInterface', ['0x80ac58cd'])).toBe(true);
    expect(await view<boolean>(c, collection, 'supportsInterface', ['0x2a55205a'])).toBe(true);
    expect(await view<boolean>(c, collection, 'supportsInterface', ['0x5b5e139f'])).toBe(true);
    expect(await view<boolean>(c, collection, 'supportsInterface', ['0xffffffff'])).toBe(false);
  });

  it('royaltyInfo = floor(salePrice · bps / 10,000), per token, set by its holder within the maximum', async () => {
    expect(await view<unknown[]>(c, collection, 'royaltyInfo', [t, 10n ** 18n])).toEqual([ZeroAddress, 0n]);
    expectRevert(await send(c, collection, 'setTokenRoyalty', [t, acct(5), 100n], 0), 'NotTokenOwner', [t, acct(0)]);
    expectRevert(await send(c, collection, 'setTokenRoyalty', [t, acct(5), MAX_BPS + 1n], 4), 'RoyaltyTooHigh', [MAX_BPS + 1n, MAX_BPS]);
    const prices = [0n, 1n, 9_999n, 10_000n, 10_001n, 123_456_789n, 10n ** 18n + 7n, 2n ** 255n + 12_345n, 2n ** 256n - 1n];
    for (const bps of [1n, 250n, 333n, 999n, MAX_BPS]) {
      expect((await send(c, collection, 'setTokenRoyalty', [t, acct(5), bps], 4)).status).toBe(1);
      for (const price of prices) {
        const [to, amount] = await view<[string, bigint]>(c, collection, 'royaltyInfo', [t, price]);
        expect(to).toBe(acct(5));
        expect(amount, `bps ${bps} price ${price}`).toBe((price * bps) / 10_000n);
      }
    }
    // Rounding is down: 333 bps of 10,001 = 333.0333 → 333; of 29 = 0.9657 → 0.
    expect((await view<[string, bigint]>(c, collection, 'royaltyInfo', [t, 29n]))[1]).toBe((29n * MAX_BPS) / 10_000n);
    // Independent of the mint: a different price gives a proportional amount, not a fixed share.
    const [, a1] = await view<[string, bigint]>(c, collection, 'royaltyInfo', [t, 1_000_000n]);
    const [, a2] = await view<[string, bigint]>(c, collection, 'royaltyInfo', [t, 2_000_000n]);
    expect(a2).toBe(2n * a1);
    // Other tokens are unaffected; bps 0 removes the royalty.
    expect(await view<unknown[]>(c, collection, 'royaltyInfo', [1n, 10_000n])).toEqual([ZeroAddress, 0n]);
    expect((await send(c, collection, 'setTokenRoyalty', [t, acct(5), 0n], 4)).status).toBe(1);
    expect(await view<unknown[]>(c, collection, 'royaltyInfo', [t, 10_000n])).toEqual([ZeroAddress, 0n]);
  });

  it('refuses a maximum above 100 %', async () => {
    await expect(chain.deploy(collection, ['x', 'X', 10_001n])).rejects.toThrow(/InvalidMaxRoyalty/);
  });
});

describe('inference fees', () => {
  let m: string;
  let t: bigint;
  beforeAll(async () => {
    m = await readyModel(2);
    await send(c, collection, 'mint', [m, 'fees', 'fees'], 2);
    t = await view<bigint>(c, collection, 'tokenOfModel', [m]);
  });

  it('accrue to the token and are withdrawn by its current holder only (pull)', async () => {
    expectRevert(await send(c, collection, 'setInferenceFee', [t, 1000n], 1), 'NotTokenOwner', [t, acct(1)]);
    expect((await send(c, collection, 'setInferenceFee', [t, 1000n], 2)).status).toBe(1);
    expect(await view<bigint>(c, collection, 'inferenceFee', [t])).toBe(1000n);
    expectRevert(await send(c, collection, 'payInferenceFee', [t], 5, 999n), 'InsufficientFee', [999n, 1000n]);
    expectRevert(await send(c, collection, 'payInferenceFee', [999n], 5, 1000n), 'ERC721NonexistentToken', [999n]);
    expect((await send(c, collection, 'payInferenceFee', [t], 5, 1000n)).status).toBe(1);
    // Paid through the model contract (as the future inference entry point will).
    expect((await send(m, model, 'payFee', [c, t], 5, 1500n)).status).toBe(1);
    expect(await view<bigint>(c, collection, 'accruedFees', [t])).toBe(2500n);

    // The token changes hands: the fees go with it.
    expect((await send(c, collection, 'transferFrom', [acct(2), acct(3), t], 2)).status).toBe(1);
    expectRevert(await send(c, collection, 'withdraw', [t], 2), 'NotTokenOwner', [t, acct(2)]);
    expect((await send(c, collection, 'payInferenceFee', [t], 5, 1000n)).status).toBe(1);
    const before = await chain.getBalance(acct(3));
    const r = await send(c, collection, 'withdraw', [t], 3);
    expect(r.status).toBe(1);
    expect(r.logs.find((l) => l.name === 'FeesWithdrawn')?.args).toEqual({ tokenId: t, to: acct(3), amount: 3500n });
    expect(await chain.getBalance(acct(3))).toBe(before + 3500n - r.gasUsed * BASE_FEE);
    expect(await view<bigint>(c, collection, 'accruedFees', [t])).toBe(0n);
    expectRevert(await send(c, collection, 'withdraw', [t], 3), 'NothingToWithdraw', [t]);
  });

  it('a reentrant receiver cannot withdraw twice', async () => {
    const attacker = (await chain.deploy(receiver, [c], { from: 3 })).address;
    expect((await send(c, collection, 'transferFrom', [acct(3), attacker, t], 3)).status).toBe(1);
    expect(await view<string>(m, model, 'owner')).toBe(attacker);
    expect((await send(c, collection, 'payInferenceFee', [t], 5, 4000n)).status).toBe(1);
    expect((await send(c, collection, 'payInferenceFee', [t], 4, 1000n)).status).toBe(1);
    const held = await chain.getBalance(c);

    // Mode 1: the reentrant call fails, the failure bubbles, the whole payout reverts.
    expect((await send(attacker, receiver, 'setMode', [1, t], 3)).status).toBe(1);
    const r1 = await send(attacker, receiver, 'attack', [t], 3);
    expectRevert(r1, 'TransferFailed', [attacker, 5000n]);
    expect(await view<bigint>(c, collection, 'accruedFees', [t])).toBe(5000n);
    expect(await chain.getBalance(c)).toBe(held);
    expect(await chain.getBalance(attacker)).toBe(0n);

    // Mode 2: the reentrant call is swallowed; exactly one payout happens.
    expect((await send(attacker, receiver, 'setMode', [2, t], 3)).status).toBe(1);
    const r2 = await send(attacker, receiver, 'attack', [t], 3);
    expect(r2.status).toBe(1);
    expect(await view<bigint>(attacker, receiver, 'received')).toBe(5000n);
    expect(await view<bigint>(attacker, receiver, 'reentryAttempts')).toBe(1n);
    const err = await view<string>(attacker, receiver, 'reentryError');
    expect(err).toBe(new Interface(['error ReentrancyGuardReentrantCall()']).encodeErrorResult('ReentrancyGuardReentrantCall', []));
    expect(await chain.getBalance(c)).toBe(held - 5000n);
    expect(await chain.getBalance(attacker)).toBe(5000n);
    expect(await view<bigint>(c, collection, 'accruedFees', [t])).toBe(0n);

    // The contract holder controls the model too.
    const data = new Interface(model.abi as never).encodeFunctionData('approveCollection', [acct(0)]);
    expectRevert(await send(attacker, receiver, 'exec', [m, data], 3), 'AlreadyBound');
  });
});

describe('tokenURI', () => {
  it('is a base64 data URI of JSON with name, description, model, weights root and number mode', async () => {
    const m = await readyModel(1);
    const name = 'Tricky "name" \\ with\nnewline';
    const description = 'Ünïcode ✓ and a tab\there; </script>';
    await send(c, collection, 'mint', [m, name, description], 1);
    const t = await view<bigint>(c, collection, 'tokenOfModel', [m]);
    const uri = await view<string>(c, collection, 'tokenURI', [t]);
    const prefix = 'data:application/json;base64,';
    expect(uri.startsWith(prefix)).toBe(true);
    const json = JSON.parse(Buffer.from(uri.slice(prefix.length), 'base64').toString('utf8'));
    const root = weightsRoot(keccak256(CONFIG), buildSegments(BLOB, 1000).map((s) => s.hash));
    expect(json).toEqual({
      name,
      description,
      model: getAddress(m),
      weights_root: root,
      number_mode: 'int8',
      attributes: [
        { trait_type: 'Number mode', value: 'int8' },
        { trait_type: 'Weights root', value: root },
        { trait_type: 'Model', value: getAddress(m) },
      ],
    });
    const none = await chain.tryCall(c, collection.abi, 'tokenURI', [12345n]);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error.name).toBe('ERC721NonexistentToken');
  });
});
