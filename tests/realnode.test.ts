/**
 * Equivalence with a real, independent node: the same transactions, sent from the same dev
 * account with the same gas limits, to a Hardhat 2.29 node (EDR, revm) and to the embedded chain's
 * JSON-RPC server (ethereumjs) configured like it (`HARDHAT_NODE_PROFILE`), both through unchanged
 * ethers JsonRpcProviders. Every transaction must be charged identical gas and produce the same
 * status, logs and created addresses; calls must return the same bytes. Fees are not compared
 * (Hardhat's base fee floats, the embedded chain's is fixed).
 *
 * NOTE: the node runs with throwOnCallFailures=false (hardhat.config.cjs), so Hardhat answers a
 * reverted eth_call with the revert data as its *result*; the embedded chain answers with error 3
 * carrying the same bytes in `data` (as geth). The comparison below accounts for that.
 */
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import {
  AbiCoder,
  Interface,
  JsonRpcProvider,
  SigningKey,
  Wallet,
  concat,
  getCreateAddress,
  hexlify,
  isCallException,
  keccak256,
  toBeHex,
  type TransactionReceipt,
  type TransactionRequest,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileContracts, type Artifact } from '../src/harness/compile.ts';
import { HARDHAT_NODE_PROFILE, startHardhatNode, type HardhatNode } from '../src/harness/node/index.ts';
import { devAccounts } from '../src/simulator/index.ts';
import { startRpcServer, type RpcServer } from '../src/simulator/rpc/index.ts';

let probe: Artifact;
let child: Artifact;
let iface: Interface;
let node: HardhatNode | undefined;
let server: RpcServer | undefined;
let hh: JsonRpcProvider;
let nn: JsonRpcProvider;

const keys = devAccounts(6).map((a) => hexlify(a.privateKey));

beforeAll(async () => {
  const out = compileContracts({ entries: ['contracts/test/RpcProbe.sol'] });
  probe = out.contracts['RpcProbe']!;
  child = out.contracts['RpcProbeChild']!;
  iface = new Interface(probe.abi as never);
  [node, server] = await Promise.all([startHardhatNode(), startRpcServer({ profile: HARDHAT_NODE_PROFILE, accounts: 20, balance: 10n ** 22n, port: 0 })]);
  // NOTE: cacheTimeout -1: ethers otherwise reuses an identical request's answer for 250 ms, so
  // against automining nodes back-to-back sends would reuse a stale nonce / block number.
  hh = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  nn = new JsonRpcProvider(server.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
}, 60_000);

afterAll(async () => {
  hh?.destroy();
  nn?.destroy();
  await Promise.all([node?.stop(), server?.close()]);
});

/** Deterministic bytes (xorshift32), `nonZero` avoiding 0x00 so every byte costs 16 gas / 4 tokens. */
function bytes(n: number, seed: number, nonZero = true): string {
  let x = seed | 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = nonZero ? 1 + ((x >>> 0) % 255) : 0;
  }
  return hexlify(out);
}

/** CLZ (EIP-7939, new in Osaka): runtime `PUSH0 CALLDATALOAD CLZ PUSH0 MSTORE PUSH1 32 PUSH0 RETURN`. */
const CLZ_RUNTIME = '0x5f351e5f5260205ff3';
/** Initcode copying the 9-byte runtime above: PUSH1 9 PUSH1 10 PUSH0 CODECOPY PUSH1 9 PUSH0 RETURN. */
const CLZ_INITCODE = `0x6009600a5f3960095ff3${CLZ_RUNTIME.slice(2)}`;
/** Initcode returning 24,577 zero bytes: one over the EIP-170 code size limit. PUSH2 0x6001 PUSH0 RETURN. */
const OVERSIZE_INITCODE = '0x6160015ff3';

interface Row {
  name: string;
  hardhat: bigint | string;
  nnchain: bigint | string;
  status: number | string;
}
const rows: Row[] = [];

interface Outcome {
  receipt?: TransactionReceipt;
  error?: string;
}

/** Both nodes automine: the receipt exists when eth_sendRawTransaction returns. */
async function sendOn(provider: JsonRpcProvider, key: string, req: TransactionRequest): Promise<Outcome> {
  const wallet = new Wallet(key, provider);
  try {
    const tx = await wallet.sendTransaction(req);
    const receipt = await provider.getTransactionReceipt(tx.hash);
    if (!receipt) throw new Error(`no receipt for ${tx.hash}`);
    return { receipt };
  } catch (e) {
    // the node's own JSON-RPC error message when there is one (ethers' message embeds the whole tx)
    const rpcMessage = (e as { info?: { error?: { message?: string } } }).info?.error?.message;
    return { error: (rpcMessage ?? (e instanceof Error ? e.message : String(e))).slice(0, 400) };
  }
}

function logsOf(r: TransactionReceipt): string[][] {
  return r.logs.map((l) => [l.address, ...l.topics, l.data]);
}

/** Send on both nodes (Hardhat first), assert identical outcome, return the embedded chain's receipt. */
async function both(name: string, req: TransactionRequest, key = keys[0]!): Promise<TransactionReceipt> {
  const a = await sendOn(hh, key, req);
  const b = await sendOn(nn, key, req);
  if (a.error || b.error) throw new Error(`${name}: hardhat: ${a.error ?? 'ok'}; nnchain: ${b.error ?? 'ok'}`);
  const ra = a.receipt!;
  const rb = b.receipt!;
  rows.push({ name, hardhat: ra.gasUsed, nnchain: rb.gasUsed, status: rb.status ?? '?' });
  // NOTE: for a failed creation geth (and the embedded chain) still name the would-be address, Hardhat gives null.
  const created = (r: TransactionReceipt): string | null => (r.status === 1 ? r.contractAddress : null);
  expect({ name, gasUsed: rb.gasUsed, status: rb.status, contract: created(rb), logs: logsOf(rb), bloom: rb.logsBloom, cumulative: rb.cumulativeGasUsed }).toEqual({
    name,
    gasUsed: ra.gasUsed,
    status: ra.status,
    contract: created(ra),
    logs: logsOf(ra),
    bloom: ra.logsBloom,
    cumulative: ra.cumulativeGasUsed,
  });
  return rb;
}

/** eth_call on both; Hardhat returns revert data as the result (throwOnCallFailures=false), the embedded chain as error 3 data. */
async function callBoth(to: string, data: string): Promise<{ data: string; reverted: boolean }> {
  const from = devAccounts(1)[0]!.address;
  const a = (await hh.send('eth_call', [{ from, to, data }, 'latest'])) as string;
  let b: string;
  let reverted = false;
  try {
    b = (await nn.send('eth_call', [{ from, to, data }, 'latest'])) as string;
  } catch (e) {
    // ethers turns error 3 into a CALL_EXCEPTION carrying the revert data
    if (!isCallException(e) || typeof e.data !== 'string' || (e.info?.error as { code?: number } | undefined)?.code !== 3) throw e;
    b = e.data;
    reverted = true;
  }
  expect(b).toBe(a);
  return { data: b, reverted };
}

const enc = (fn: string, args: unknown[] = []): string => iface.encodeFunctionData(fn, args);

describe('a Hardhat node and the embedded chain charge the same gas', () => {
  let addr: string;

  it('agree on the chain and the accounts', async () => {
    expect(await nn.send('eth_chainId', [])).toBe(await hh.send('eth_chainId', []));
    expect((await nn.send('eth_accounts', [])).slice(0, 6)).toEqual((await hh.send('eth_accounts', [])).slice(0, 6));
    const [a, b] = [await hh.getBlock('latest'), await nn.getBlock('latest')];
    expect(b!.number).toBe(a!.number);
    expect(b!.gasLimit).toBe(a!.gasLimit);
  });

  it('deploys the same bytes to the same address', async () => {
    const from = new Wallet(keys[0]!).address;
    const nonce = await nn.getTransactionCount(from);
    expect(await hh.getTransactionCount(from)).toBe(nonce);
    const r = await both('deploy RpcProbe', { data: probe.bytecode + iface.encodeDeploy([5n]).slice(2), gasLimit: 3_000_000n });
    addr = r.contractAddress!;
    expect(addr).toBe(getCreateAddress({ from, nonce }));
    expect(await nn.getCode(addr)).toBe(await hh.getCode(addr));
  });

  it('storage writes, a refund and a capped refund', async () => {
    await both('store 0→42 (cold, fresh slot)', { to: addr, data: enc('store', [1n, 42n]), gasLimit: 200_000n });
    await both('store 42→43', { to: addr, data: enc('store', [1n, 43n]), gasLimit: 200_000n });
    await both('store 43→0 (refund)', { to: addr, data: enc('store', [1n, 0n]), gasLimit: 200_000n });
    await both('storeMany 40 fresh slots', { to: addr, data: enc('storeMany', [100n, 40n, 7n]), gasLimit: 2_000_000n });
    await both('storeMany clear 40 slots (refund capped at 1/5)', { to: addr, data: enc('storeMany', [100n, 40n, 0n]), gasLimit: 2_000_000n });
    for (const slot of [1n, 100n, 139n]) {
      const key = keccak256(AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [slot, 0n]));
      expect(await nn.getStorage(addr, key)).toBe(await hh.getStorage(addr, key));
    }
    expect(await nn.getStorage(addr, 1n)).toBe(await hh.getStorage(addr, 1n));
  });

  it('a heavy loop at the Osaka per-transaction cap', async () => {
    const r = await both('burn 40,000 keccak rounds (gas limit 16,777,216)', { to: addr, data: enc('burn', [40_000n]), gasLimit: 16_777_216n });
    expect(r.gasUsed).toBeGreaterThan(4_000_000n);
    await both('out of gas (burn 10,000 with 60,000 gas)', { to: addr, data: enc('burn', [10_000n]), gasLimit: 60_000n });
    // both refuse a gas limit over the EIP-7825 cap
    const over = { to: addr, data: enc('burn', [1n]), gasLimit: 16_777_217n };
    const [a, b] = [await sendOn(hh, keys[0]!, over), await sendOn(nn, keys[0]!, over)];
    expect(a.error).toMatch(/exceeds transaction gas cap of 16777216/);
    expect(b.error).toMatch(/transaction gas limit too high.*16,777,216/);
  });

  it('reverts (custom error and string) mined as status 0', async () => {
    const r1 = await both('revert TooBig(11, 10)', { to: addr, data: enc('check', [11n]), gasLimit: 100_000n });
    const r2 = await both('revert "x must be below 5"', { to: addr, data: enc('checkRequire', [9n]), gasLimit: 100_000n });
    expect([r1.status, r2.status]).toEqual([0, 0]);
    const c1 = await callBoth(addr, enc('check', [11n]));
    expect(c1.reverted).toBe(true);
    expect(iface.parseError(c1.data)!.args.toArray()).toEqual([11n, 10n]);
    const c2 = await callBoth(addr, enc('checkRequire', [9n]));
    expect(iface.parseError(c2.data)!.args[0]).toBe('x must be below 5');
  });

  it('calldata-heavy transactions (EIP-7623 floor) and precompiles', async () => {
    const heavy = enc('sink', [bytes(20_000, 7)]);
    const r = await both('sink 20,000 non-zero calldata bytes (floor)', { to: addr, data: heavy, gasLimit: 1_500_000n });
    // EIP-7623 floor: 21,000 + 10 per token, tokens = zero bytes + 4 × non-zero bytes
    const len = (heavy.length - 2) / 2;
    const zeros = countZeros(heavy);
    expect(r.gasUsed).toBe(21_000n + 10n * BigInt(zeros + 4 * (len - zeros)));
    await both('sink 20,000 zero bytes', { to: addr, data: enc('sink', [bytes(20_000, 7, false)]), gasLimit: 1_500_000n });
    const blob = bytes(1_000, 11);
    await both('sha256 + ripemd160 + identity + keccak of 1 KB', { to: addr, data: enc('hashes', [blob]), gasLimit: 500_000n });
    expect((await callBoth(addr, enc('hashes', [blob]))).reverted).toBe(false);

    const mod = bytes(64, 5).slice(0, -2) + '01'; // odd modulus
    await both('modexp 64-byte (EIP-7883 pricing)', { to: addr, data: enc('modexpTx', [bytes(64, 3), bytes(32, 4), mod]), gasLimit: 500_000n });
    await callBoth(addr, enc('modexp', [bytes(64, 3), bytes(32, 4), mod]));

    const signer = new SigningKey(keys[1]!);
    const digest = keccak256('0x1234');
    const sig = signer.sign(digest);
    const rec = await callBoth(addr, enc('recover', [digest, sig.v, sig.r, sig.s]));
    expect(iface.decodeFunctionResult('recover', rec.data)[0]).toBe(new Wallet(keys[1]!).address);

    // P256VERIFY (EIP-7951, new in Osaka) at 0x100 with a real P-256 signature
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = Buffer.from('nnchain');
    const rs = nodeSign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const jwk = publicKey.export({ format: 'jwk' });
    const input = concat([createHash('sha256').update(msg).digest(), rs, Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const p256 = '0x0000000000000000000000000000000000000100';
    await both('P256VERIFY precompile', { to: addr, data: enc('precompile', [p256, input]), gasLimit: 200_000n });
    const pv = await callBoth(addr, enc('precompile', [p256, input]));
    expect(iface.decodeFunctionResult('precompile', pv.data).toArray()).toEqual([true, toBeHex(1, 32)]);
  });

  it('transient storage, MCOPY, CREATE2, value transfers, access lists, legacy and EIP-7702 transactions', async () => {
    await both('TSTORE/TLOAD + MCOPY of 3 KB', { to: addr, data: enc('transientAndCopy', [9n, bytes(3_000, 13)]), gasLimit: 500_000n });
    const r = await both('CREATE2 child', { to: addr, data: enc('deployChild', [keccak256('0x01'), 77n]), gasLimit: 500_000n });
    const childAddr = iface.parseLog(r.logs[0]!)!.args[0] as string;
    expect(await nn.getCode(childAddr)).toBe(await hh.getCode(childAddr));
    expect(await nn.getCode(childAddr)).not.toBe('0x');
    expect(child.name).toBe('RpcProbeChild');
    await both('1 wei to a fresh EOA', { to: '0x00000000000000000000000000000000000b0b00', value: 1n, gasLimit: 21_000n });
    await both('1 gwei to the contract (receive)', { to: addr, value: 10n ** 9n, gasLimit: 100_000n });
    const slot3 = keccak256(AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [3n, 0n]));
    await both('EIP-1559 tx with an access list', { to: addr, data: enc('store', [3n, 1n]), gasLimit: 200_000n, accessList: [{ address: addr, storageKeys: [slot3] }] });
    await both('legacy (type 0) tx', { to: addr, data: enc('store', [4n, 1n]), gasLimit: 200_000n, type: 0 });
    await both('EIP-2930 (type 1) tx', { to: addr, data: enc('store', [5n, 1n]), gasLimit: 200_000n, type: 1, accessList: [] });

    // EIP-7702: dev account 5 delegates to the probe's code; account 0 sends the type-4 transaction
    const authority = new Wallet(keys[5]!);
    const auth = await authority.authorize({ address: addr, nonce: 0n, chainId: HARDHAT_NODE_PROFILE.chainId });
    await both('EIP-7702 set code + call the delegated EOA', { type: 4, to: authority.address, data: enc('store', [8n, 8n]), gasLimit: 300_000n, authorizationList: [auth] });
    const code = await nn.getCode(authority.address);
    expect(code).toBe(`0xef0100${addr.slice(2).toLowerCase()}`);
    expect(await hh.getCode(authority.address)).toBe(code);
  });

  it('Osaka opcodes and limits: CLZ and the EIP-170 code size limit', async () => {
    const r = await both('deploy raw CLZ contract', { data: CLZ_INITCODE, gasLimit: 200_000n });
    const clz = r.contractAddress!;
    expect(await nn.getCode(clz)).toBe(CLZ_RUNTIME);
    await both('call CLZ', { to: clz, data: toBeHex(1n << 200n, 32), gasLimit: 100_000n });
    const out = await callBoth(clz, toBeHex(1n << 200n, 32));
    expect(BigInt(out.data)).toBe(55n); // 255 - 200 leading zero bits
    const over = await both('deploy 24,577 bytes of code (over EIP-170: fails, all gas used)', { data: OVERSIZE_INITCODE, gasLimit: 300_000n });
    expect(over.status).toBe(0);
    expect(over.gasUsed).toBe(300_000n);
  });

  it('estimates: enough on both nodes, and minimal (one gas less fails on both)', async () => {
    for (const [name, data, minimal] of [
      ['store', enc('store', [20n, 1n]), true],
      ['sink 2 KB', enc('sink', [bytes(2_000, 3)]), true],
      ['store 1→0 (refund)', enc('store', [3n, 0n]), true],
      ['storeMany 1→0 ×3 (refund capped at 1/5)', enc('storeMany', [3n, 3n, 0n]), true],
      ['CREATE2 child (63/64 rule)', enc('deployChild', [keccak256('0x02'), 1n]), true],
      ['burn 10,000 (over 1M gas: within 1.5 %)', enc('burn', [10_000n]), false],
    ] as const) {
      const tx = { from: new Wallet(keys[0]!).address, to: addr, data };
      const [a, b] = [await hh.estimateGas(tx), await nn.estimateGas(tx)];
      rows.push({ name: `estimateGas ${name}`, hardhat: a, nnchain: b, status: 'estimate' });
      // Hardhat's own estimate may exceed the minimum by a few gas (e.g. 28,539 vs 28,520 for the refund).
      expect(b).toBeLessThanOrEqual(a);
      if (minimal) {
        // one gas less: mined and failed (out of gas) on both, or refused by both (EIP-7623 floor)
        const low = { to: addr, data, gasLimit: b - 1n };
        const [x, y] = [await sendOn(hh, keys[0]!, low), await sendOn(nn, keys[0]!, low)];
        rows.push({ name: `${name} with the estimate − 1`, hardhat: x.receipt?.gasUsed ?? 'refused', nnchain: y.receipt?.gasUsed ?? 'refused', status: y.receipt?.status ?? 'refused' });
        if (x.error || y.error) {
          expect([x.error, y.error].map((m) => /floor|intrinsic/i.test(m ?? ''))).toEqual([true, true]);
        } else {
          expect([x.receipt!.status, y.receipt!.status, y.receipt!.gasUsed]).toEqual([0, 0, x.receipt!.gasUsed]);
        }
      }
      const ok = await both(`${name} with the estimated gas limit`, { to: addr, data, gasLimit: b });
      expect(ok.status).toBe(1);
    }
  });

  it('end in the same state', async () => {
    for (const who of [addr, new Wallet(keys[0]!).address, new Wallet(keys[5]!).address]) {
      expect(await nn.getTransactionCount(who)).toBe(await hh.getTransactionCount(who));
    }
    expect(await nn.getBlockNumber()).toBe(await hh.getBlockNumber());
    const read = await callBoth(addr, enc('total'));
    expect(read.reverted).toBe(false);
    console.log(
      ['transaction | hardhat gas | nnchain gas | status', ...rows.map((r) => `${r.name} | ${r.hardhat} | ${r.nnchain} | ${r.status}`)].join('\n'),
    );
  });
});

function countZeros(hex: string): number {
  let n = 0;
  for (let i = 2; i < hex.length; i += 2) if (hex.slice(i, i + 2) === '00') n++;
  return n;
}
