/**
 * The embedded chain over Ethereum JSON-RPC: unchanged ethers v6 and viem clients against the HTTP
 * server (`startRpcServer`), ethers' BrowserProvider against the in-process EIP-1193 provider,
 * JSON-RPC error codes, garbage input, and the two example scripts run as child processes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BrowserProvider,
  Contract,
  ContractFactory,
  Interface,
  JsonRpcProvider,
  Wallet,
  getCreateAddress,
  hexlify,
  isCallException,
  type ContractTransactionResponse,
  type InterfaceAbi,
} from 'ethers';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  parseAbi,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, compileContracts, type Artifact } from '../src/harness/compile.ts';
import { createChain, type Chain } from '../src/simulator/index.ts';
import { createEip1193Provider, startRpcServer, type RpcServer } from '../src/simulator/rpc/index.ts';

const run = promisify(execFile);

let probe: Artifact;
let abi: InterfaceAbi;
let server: RpcServer;
let iface: Interface;

beforeAll(async () => {
  probe = compileContracts({ entries: ['contracts/test/RpcProbe.sol'] }).contracts['RpcProbe']!;
  abi = probe.abi as InterfaceAbi;
  iface = new Interface(abi);
  server = await startRpcServer({ profile: 'ethereum', port: 0 });
});

afterAll(async () => {
  await server?.close();
});

function devKey(chain: Chain, i: number): string {
  return hexlify(chain.accounts[i]!.privateKey);
}

interface RpcReply {
  status: number;
  json: unknown;
}

async function post(body: string): Promise<RpcReply> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

async function rpc(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const r = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  return r.json as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
}

describe('ethers v6 JsonRpcProvider over HTTP', () => {
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let probeAddress: string;
  let contract: Contract;

  beforeAll(async () => {
    // NOTE: ethers reuses an identical request's answer for 250 ms (cacheTimeout); against an
    // automining node a second transaction sent within 250 ms would get the first one's nonce.
    provider = new JsonRpcProvider(server.url, undefined, { cacheTimeout: -1 });
    wallet = new Wallet(devKey(server.chain, 0), provider);
  });
  afterAll(() => provider.destroy());

  it('sees the chain', async () => {
    expect((await provider.getNetwork()).chainId).toBe(1n);
    expect(await provider.getBalance(wallet.address)).toBe(10n ** 24n);
    const accounts = await provider.listAccounts();
    expect(accounts.map((a) => a.address)).toEqual(server.chain.accounts.map((a) => a.address));
  });

  it('deploys with ContractFactory and sends transactions', async () => {
    const nonce = await provider.getTransactionCount(wallet.address);
    const factory = new ContractFactory(abi, probe.bytecode, wallet);
    const deployed = await factory.deploy(5n);
    await deployed.waitForDeployment();
    probeAddress = await deployed.getAddress();
    expect(probeAddress).toBe(getCreateAddress({ from: wallet.address, nonce }));
    expect(await provider.getCode(probeAddress)).toBe(probe.deployedBytecode);
    contract = new Contract(probeAddress, abi, wallet);
    expect(await contract.getFunction('total')()).toBe(5n);

    const tx = (await contract.getFunction('store')(1n, 42n)) as ContractTransactionResponse;
    const receipt = (await tx.wait())!;
    expect(receipt.status).toBe(1);
    expect(receipt.gasUsed).toBe(45_632n); // 21,000 + calldata + cold SSTORE 0→x + event
    const ev = contract.interface.parseLog(receipt.logs[0]!)!;
    expect(ev.name).toBe('Stored');
    expect(ev.args.toArray()).toEqual([wallet.address, 1n, 42n]);
    expect(await contract.getFunction('slots')(1n)).toBe(42n);
    // the slot is readable with eth_getStorageAt: mapping slot keccak(key . 0)
    const fetched = await provider.getTransaction(tx.hash);
    expect(fetched!.blockNumber).toBe(receipt.blockNumber);
    expect(fetched!.from).toBe(wallet.address);
    expect(fetched!.data).toBe(tx.data);
    const block = (await provider.getBlock(receipt.blockNumber, true))!;
    expect(block.hash).toBe(receipt.blockHash);
    expect(block.prefetchedTransactions[0]!.hash).toBe(tx.hash);
    expect((await provider.getBlock(receipt.blockHash!))!.number).toBe(receipt.blockNumber);
    const parent = (await provider.getBlock(receipt.blockNumber - 1))!;
    expect(block.parentHash).toBe(parent.hash);
  });

  it('reads logs with filters', async () => {
    await ((await contract.getFunction('store')(2n, 7n)) as ContractTransactionResponse).wait();
    const all = await contract.queryFilter(contract.filters['Stored']!(), 0, 'latest');
    expect(all.map((l) => (l as { args: unknown[] }).args[1])).toEqual([1n, 2n]);
    const slot2 = await contract.queryFilter(contract.filters['Stored']!(null, 2n));
    expect(slot2).toHaveLength(1);
    const none = await provider.getLogs({ address: wallet.address, fromBlock: 0 });
    expect(none).toHaveLength(0);
  });

  it('decodes custom-error and string reverts of calls, and mines reverting transactions as status 0', async () => {
    await expect(contract.getFunction('check')(11n)).rejects.toSatisfy((e: unknown) => {
      return isCallException(e) && e.revert?.name === 'TooBig' && e.revert.args[0] === 11n && e.revert.args[1] === 10n;
    });
    await expect(contract.getFunction('checkRequire')(7n)).rejects.toSatisfy((e: unknown) => isCallException(e) && e.reason === 'x must be below 5');
    expect(await contract.getFunction('check')(3n)).toBe(6n);
    // estimateGas refuses a reverting transaction (before it is sent)
    await expect(contract.getFunction('check').estimateGas(11n)).rejects.toSatisfy(
      (e: unknown) => isCallException(e) && contract.interface.parseError(e.data!)?.name === 'TooBig',
    );
    // with an explicit gas limit it is mined and fails
    const tx = await wallet.sendTransaction({ to: probeAddress, data: iface.encodeFunctionData('check', [11n]), gasLimit: 100_000n });
    await expect(tx.wait()).rejects.toSatisfy((e: unknown) => isCallException(e) && e.receipt?.status === 0);
    const receipt = (await provider.getTransactionReceipt(tx.hash))!;
    expect(receipt.status).toBe(0);
    expect(receipt.gasUsed).toBeGreaterThan(21_000n);
  });

  it('estimates enough gas and refuses transactions over the profile cap', async () => {
    const est = await contract.getFunction('burn').estimateGas(3_000n);
    const tx = (await contract.getFunction('burn')(3_000n, { gasLimit: est })) as ContractTransactionResponse;
    const receipt = (await tx.wait())!;
    expect(receipt.status).toBe(1);
    expect(est).toBeGreaterThanOrEqual(receipt.gasUsed);
    expect(est).toBeLessThan((receipt.gasUsed * 102n) / 100n);
    await expect(wallet.sendTransaction({ to: probeAddress, data: '0x', gasLimit: 16_777_217n })).rejects.toThrow(
      /transaction gas limit too high.*ethereum profile's per-transaction cap of 16,777,216/,
    );
  });

  it('signs with the unlocked dev accounts through JsonRpcSigner (eth_sendTransaction)', async () => {
    const signer = await provider.getSigner(1);
    expect(signer.address).toBe(server.chain.accounts[1]!.address);
    const deployed = await new ContractFactory(abi, probe.bytecode, signer).deploy(9n);
    await deployed.waitForDeployment();
    const c = new Contract(await deployed.getAddress(), abi, signer);
    const receipt = (await ((await c.getFunction('note')('hello over eth_sendTransaction')) as ContractTransactionResponse).wait())!;
    expect(c.interface.parseLog(receipt.logs[0]!)!.args[0]).toBe('hello over eth_sendTransaction');
    expect(receipt.from).toBe(signer.address);
  });
});

const viemAbi = parseAbi([
  'constructor(uint256 initial)',
  'function store(uint256 slot, uint256 value)',
  'function slots(uint256) view returns (uint256)',
  'function total() view returns (uint256)',
  // declared non-view (it is pure) so viem's typed simulateContract accepts it; the encoding is the same
  'function check(uint256 x) returns (uint256)',
  'function note(string text)',
  'error TooBig(uint256 value, uint256 limit)',
  'event Stored(address indexed by, uint256 indexed slot, uint256 value)',
  'event Note(string text)',
]);

describe('viem over HTTP', () => {
  it('deploys, writes, reads logs and decodes a custom error', async () => {
    const chain = defineChain({
      id: 1,
      name: 'nnchain',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [server.url] } },
    });
    const account = privateKeyToAccount(devKey(server.chain, 2) as Hex);
    const publicClient = createPublicClient({ chain, transport: http(server.url, { batch: true }), pollingInterval: 50 });
    const wallet = createWalletClient({ account, chain, transport: http(server.url) });

    const deployHash = await wallet.deployContract({ abi: viemAbi, bytecode: probe.bytecode as Hex, args: [3n] });
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
    expect(deployed.status).toBe('success');
    const address = deployed.contractAddress!;

    const hash = await wallet.writeContract({ address, abi: viemAbi, functionName: 'store', args: [5n, 55n] });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    expect(receipt.gasUsed).toBe(45_632n);
    const events = await publicClient.getContractEvents({ address, abi: viemAbi, eventName: 'Stored', fromBlock: 0n });
    expect(events).toHaveLength(1);
    expect(events[0]!.args).toEqual({ by: account.address, slot: 5n, value: 55n });

    // batched reads (one HTTP request)
    const [slot, total, code] = await Promise.all([
      publicClient.readContract({ address, abi: viemAbi, functionName: 'slots', args: [5n] }),
      publicClient.readContract({ address, abi: viemAbi, functionName: 'total' }),
      publicClient.getCode({ address }),
    ]);
    expect([slot, total, code]).toEqual([55n, 3n, probe.deployedBytecode]);

    const err = await publicClient.simulateContract({ address, abi: viemAbi, functionName: 'check', args: [11n], account }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaseError);
    const revert = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError;
    expect(revert.data?.errorName).toBe('TooBig');
    expect(revert.data?.args).toEqual([11n, 10n]);

    const block = await publicClient.getBlock({ blockTag: 'pending' });
    expect(block.number).toBe((await publicClient.getBlockNumber()) + 1n);
    const fees = await publicClient.estimateFeesPerGas();
    expect(fees.maxFeePerGas).toBeGreaterThanOrEqual(7n);
    const history = await publicClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [50] });
    expect(history.baseFeePerGas).toHaveLength(4);

    // a JSON-RPC account: the node signs (eth_sendTransaction)
    const nodeSigned = createWalletClient({ account: server.chain.accounts[3]!.address as Hex, chain, transport: http(server.url) });
    const h2 = await nodeSigned.writeContract({ address, abi: viemAbi, functionName: 'note', args: ['signed by the node'] });
    const r2 = await publicClient.waitForTransactionReceipt({ hash: h2 });
    expect(r2.from).toBe(server.chain.accounts[3]!.address.toLowerCase());
    const tx2 = await publicClient.getTransaction({ hash: h2 });
    expect(tx2.type).toBe('eip1559');
  });
});

describe('EIP-1193 provider in process', () => {
  it('works with ethers BrowserProvider and viem custom transport', async () => {
    const chain = await createChain({ profile: 'ethereum' });
    const eip1193 = createEip1193Provider(chain);
    const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
    const signer = await provider.getSigner(0);
    expect(signer.address).toBe(chain.accounts[0]!.address);
    const deployed = await new ContractFactory(abi, probe.bytecode, signer).deploy(11n);
    await deployed.waitForDeployment();
    const address = await deployed.getAddress();
    const c = new Contract(address, abi, signer);
    const receipt = (await ((await c.getFunction('store')(3n, 33n)) as ContractTransactionResponse).wait())!;
    expect(receipt.gasUsed).toBe(45_632n);
    // the typed chain API sees the same state
    expect((await chain.call(address, probe.abi, 'slots', [3n])).value).toBe(33n);
    await expect(c.getFunction('check')(12n)).rejects.toSatisfy((e: unknown) => isCallException(e) && e.revert?.name === 'TooBig');
    await expect(eip1193.request({ method: 'eth_nope' })).rejects.toMatchObject({ code: -32601 });
    await expect(eip1193.request({ method: 'eth_getBalance', params: ['0x1234'] })).rejects.toMatchObject({ code: -32602 });

    const viemClient = createPublicClient({ transport: custom(eip1193) });
    expect(await viemClient.readContract({ address: address as Hex, abi: viemAbi, functionName: 'slots', args: [3n] })).toBe(33n);
    provider.destroy();
  });
});

describe('JSON-RPC protocol and errors', () => {
  it('answers malformed requests with JSON-RPC errors', async () => {
    expect((await post('{not json')).json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect((await post('[]')).json).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await post('42')).json).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await post('{"jsonrpc":"2.0","id":7,"method":5}')).json).toMatchObject({ id: 7, error: { code: -32600 } });
    expect(await rpc('eth_nope')).toMatchObject({ error: { code: -32601 } });
    expect(await rpc('eth_getBalance', ['0x1234'])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc('eth_getBlockByNumber', [{}])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc('eth_getBlockByNumber', ['0x1', 'yes'])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc('eth_call', [{ to: '0xzz' }])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc('eth_sendRawTransaction', ['0xdeadbeef'])).toMatchObject({ error: { code: -32000 } });
    expect(await rpc('eth_getLogs', [{ fromBlock: '0x5', toBlock: '0x1' }])).toMatchObject({ error: { code: -32602 } });
    expect(await rpc('eth_getFilterChanges', ['0x999'])).toMatchObject({ error: { code: -32000, message: /filter not found/ } });
    // historical state is not kept
    expect(await rpc('eth_getBalance', [server.chain.accounts[0]!.address, '0x0'])).toMatchObject({ error: { code: -32000, message: /historical state/ } });
    // a notification gets no response; GET is refused
    const n = await post('{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(n.status).toBe(204);
    const get = await fetch(server.url);
    expect(get.status).toBe(405);
  });

  it('serves batches in order, each call on its own', async () => {
    const r = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
        { jsonrpc: '2.0', method: 'eth_blockNumber' },
        'garbage',
        { jsonrpc: '2.0', id: 'x', method: 'net_version', params: [] },
      ]),
    );
    expect(r.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x1' },
      { jsonrpc: '2.0', id: 2, error: expect.objectContaining({ code: -32601 }) },
      { jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) },
      { jsonrpc: '2.0', id: 'x', result: '1' },
    ]);
  });

  it('reports reverts as error 3 with the revert data, and the gas cap clearly', async () => {
    const from = server.chain.accounts[0]!.address;
    const hash = (await rpc('eth_sendTransaction', [{ from, data: probe.bytecode + iface.encodeDeploy([1n]).slice(2) }])).result as string;
    const rc = (await rpc('eth_getTransactionReceipt', [hash])).result as { contractAddress: string; status: string };
    expect(rc.status).toBe('0x1');
    const to = rc.contractAddress;
    const reverted = await rpc('eth_call', [{ to, data: iface.encodeFunctionData('check', [11n]) }, 'latest']);
    // (the chain has no ABI for a contract deployed by a raw transaction: the message stays geth's)
    expect(reverted.error).toEqual({ code: 3, message: 'execution reverted', data: iface.encodeErrorResult('TooBig', [11n, 10n]) });
    const msg = await rpc('eth_estimateGas', [{ to, data: iface.encodeFunctionData('checkRequire', [9n]) }]);
    expect(msg.error).toMatchObject({ code: 3, message: 'execution reverted: x must be below 5' });
    const capped = await rpc('eth_sendTransaction', [{ from, to, gas: '0x1000001' }]);
    expect(capped.error?.code).toBe(-32000);
    expect(capped.error?.message).toMatch(/^transaction gas limit too high: gas limit 16,777,217 exceeds the ethereum profile's per-transaction cap of 16,777,216/);
    const heavy = await rpc('eth_estimateGas', [{ to, gas: '0x186a0', data: iface.encodeFunctionData('burn', [10_000n]) }]);
    expect(heavy.error).toMatchObject({ code: -32000, message: 'gas required exceeds allowance (100000)' });
    expect(await rpc('eth_getStorageAt', [to, '0x1'])).toMatchObject({ result: `0x${'00'.repeat(31)}01` }); // total = 1
    const unknown = await rpc('eth_sendTransaction', [{ from: '0x000000000000000000000000000000000000dead', to }]);
    expect(unknown.error).toMatchObject({ code: -32000, message: /unknown account/ });
  });

  it('serves blocks by tag, logs by topic and filters', async () => {
    const latest = (await rpc('eth_getBlockByNumber', ['latest', true])).result as { number: string; hash: string; transactions: { hash: string }[] };
    expect((await rpc('eth_getBlockByHash', [latest.hash, false])).result).toMatchObject({ number: latest.number, transactions: [latest.transactions[0]!.hash] });
    const earliest = (await rpc('eth_getBlockByNumber', ['earliest', false])).result as { number: string; transactions: unknown[] };
    expect(earliest).toMatchObject({ number: '0x0', transactions: [] });
    expect((await rpc('eth_getBlockByNumber', ['0xffffff', false])).result).toBeNull();
    const pending = (await rpc('eth_getBlockByNumber', ['pending', false])).result as { number: string; hash: null };
    expect(BigInt(pending.number)).toBe(BigInt(latest.number) + 1n);
    expect(pending.hash).toBeNull();

    const filterId = (await rpc('eth_newFilter', [{ topics: [iface.getEvent('Note')!.topicHash] }])).result as string;
    const blockFilter = (await rpc('eth_newBlockFilter')).result as string;
    const from = server.chain.accounts[0]!.address;
    const probeAddr = (await rpc('eth_getTransactionReceipt', [latest.transactions[0]!.hash])).result as { to: string | null; contractAddress: string | null };
    const to = probeAddr.contractAddress ?? probeAddr.to!;
    await rpc('eth_sendTransaction', [{ from, to, data: iface.encodeFunctionData('note', ['filtered']) }]);
    const changes = (await rpc('eth_getFilterChanges', [filterId])).result as { data: string; topics: string[] }[];
    expect(changes).toHaveLength(1);
    expect(iface.parseLog(changes[0]!)!.args[0]).toBe('filtered');
    expect((await rpc('eth_getFilterChanges', [filterId])).result).toEqual([]);
    expect((await rpc('eth_getFilterChanges', [blockFilter])).result).toHaveLength(1);
    const byTopic = (await rpc('eth_getLogs', [{ fromBlock: 'earliest', topics: [[iface.getEvent('Note')!.topicHash, iface.getEvent('ChildCreated')!.topicHash]] }])).result as unknown[];
    expect(byTopic.length).toBeGreaterThanOrEqual(2); // the ethers test's note + this one
    expect((await rpc('eth_uninstallFilter', [filterId])).result).toBe(true);
  });

  it('survives garbage (fuzz)', async () => {
    let seed = 0x2545f491;
    const rand = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const methods = [...server.handler.methods, 'eth_subscribe', '__proto__', 'constructor', 'toString', ''];
    const atoms: unknown[] = [null, true, 0, -1, 1e308, 2 ** 53, '0x', '0x0', '0xzz', '0x' + 'f'.repeat(80), 'latest', 'pending', 'earliest', '', '💥', {}, [], { to: '0x' + '11'.repeat(20) }, { fromBlock: '0x0', address: ['nope'] }];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.6) return pick(atoms);
      if (r < 0.8) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(['from', 'to', 'data', 'gas', 'value', 'topics', 'blockHash'].filter(() => rand() < 0.4).map((k) => [k, value(depth + 1)]));
    };
    const bodies: string[] = [];
    for (let i = 0; i < 150; i++) {
      const kind = rand();
      if (kind < 0.15) bodies.push(Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(Math.floor(rand() * 128))).join(''));
      else if (kind < 0.3) bodies.push(JSON.stringify(value(0)));
      else bodies.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: pick(methods), params: value(0) }));
    }
    bodies.push('['.repeat(5000) + ']'.repeat(5000), '"' + 'a'.repeat(100_000) + '"');
    for (const body of bodies) {
      const r = await post(body);
      expect([200, 204]).toContain(r.status);
      if (r.status === 204) continue;
      const replies = Array.isArray(r.json) ? r.json : [r.json];
      for (const reply of replies as { result?: unknown; error?: { code: unknown } }[]) {
        const ok = 'result' in reply || (typeof reply.error?.code === 'number' && reply.error.code !== -32603);
        if (!ok) throw new Error(`bad reply to ${body.slice(0, 200)}: ${JSON.stringify(reply).slice(0, 300)}`);
      }
    }
    expect(await rpc('eth_chainId')).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' });
  });
});

describe('example scripts', () => {
  it('run against the server and exit 0', async () => {
    const [ethersOut, viemOut] = await Promise.all(
      ['examples/ethers-script.ts', 'examples/viem-script.ts'].map((script) => run('npx', ['tsx', script, server.url], { cwd: REPO_ROOT, timeout: 60_000 })),
    );
    expect(ethersOut!.stdout).toMatch(/deployed RpcProbe at 0x[0-9a-fA-F]{40}/);
    expect(ethersOut!.stdout).toMatch(/check\(11\) reverts with TooBig\(11, 10\)/);
    expect(viemOut!.stdout).toMatch(/store +block \d+ gas 45632 event Stored/);
    expect(viemOut!.stdout).toMatch(/check\(11\) reverts with TooBig\(11, 10\)/);
  });
});
