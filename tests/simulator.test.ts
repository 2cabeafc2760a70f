import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SOLC_SETTINGS, type Artifact } from '../src/harness/compile.ts';
import {
  ContractRevertError,
  DeployFailedError,
  PROFILES,
  TxRejectedError,
  createChain,
  getProfile,
  type Chain,
} from '../src/simulator/index.ts';

/**
 * Compile only the probe (with the project's solc settings), so this test does not depend on the
 * rest of contracts/ compiling. (`compileContracts` only exports sources under `contracts/`, so it
 * cannot be pointed at a temp dir holding a copy of the probe.)
 */
function compileProbe(): Artifact {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string): string };
  const source = 'contracts/test/SimulatorProbe.sol';
  const input = {
    language: 'Solidity',
    sources: { [source]: { content: readFileSync(join(REPO_ROOT, source), 'utf8') } },
    settings: SOLC_SETTINGS,
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts[source]!['SimulatorProbe']!;
  return { name: 'SimulatorProbe', source, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${c.evm.deployedBytecode.object}` };
}

let probe: Artifact;
let eth: Chain;
let unl: Chain;
let ethProbe: string;
let unlProbe: string;

beforeAll(async () => {
  probe = compileProbe();
  eth = await createChain({ profile: 'ethereum' });
  unl = await createChain({ profile: 'unlimited' });
  ethProbe = (await eth.deploy(probe, [42n, 'hello'])).address;
  unlProbe = (await unl.deploy(probe, [42n, 'hello'])).address;
});

async function expectRevert(p: Promise<unknown>): Promise<ContractRevertError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ContractRevertError);
    return e as ContractRevertError;
  }
  throw new Error('expected a ContractRevertError');
}

describe('profiles', () => {
  it('has the four profiles with their limits', () => {
    expect(PROFILES.ethereum.txGasCap).toBe(16_777_216n);
    expect(PROFILES.ethereum.blockGasLimit).toBe(60_000_000n);
    expect(PROFILES.ethereum.codeSizeLimit).toBe(24_576);
    expect(PROFILES.ethereum.initCodeSizeLimit).toBe(49_152);
    expect(PROFILES.base.chainId).toBe(8453n);
    expect(PROFILES.arbitrum.chainId).toBe(42161n);
    expect(PROFILES.unlimited.txGasCap).toBeNull();
    expect(PROFILES.unlimited.deployable).toBe(false);
    expect(getProfile('Ethereum')).toBe(PROFILES.ethereum);
    expect(() => getProfile('optimism')).toThrow(/ethereum, base, arbitrum, unlimited/);
  });
});

describe('deploy and send', () => {
  it('deploys through a signed transaction in a block', async () => {
    const chain = await createChain({ profile: 'ethereum' });
    expect(chain.blockNumber()).toBe(0n);
    const d = await chain.deploy(probe, [1n, 'x']);
    expect(d.status).toBe(1);
    // Same mnemonic as Hardhat: the first deployment of account 0 lands at Hardhat's well-known address.
    expect(chain.accounts[0]!.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(d.address).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(d.blockNumber).toBe(1n);
    expect(chain.blockNumber()).toBe(1n);
    expect(d.deployable).toBe(true);
    expect(d.codeSize).toBe((probe.deployedBytecode.length - 2) / 2);
    expect(await chain.getCode(d.address)).toBe(probe.deployedBytecode);
    expect(d.gasUsed).toBeGreaterThan(100_000n);
    expect(d.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chain.getNonce(chain.accounts[0]!.address)).toBe(1n);
    expect((await unl.deploy(probe, [1n, 'x'])).deployable).toBe(false);
  });

  it('sends a transaction and decodes its logs', async () => {
    const before = eth.blockNumber();
    const r = await eth.send(ethProbe, probe.abi, 'set', [7n, 'note!']);
    expect(r.status).toBe(1);
    expect(r.blockNumber).toBe(before + 1n);
    expect(r.revert).toBeUndefined();
    expect(r.gasUsed).toBeGreaterThan(21_000n);
    expect(r.executionGas).toBeGreaterThan(0n);
    expect(r.gasUsed).toBeLessThan(r.executionGas + 30_000n);
    expect(r.logs).toHaveLength(1);
    const log = r.logs[0]!;
    expect(log.address).toBe(ethProbe);
    expect(log.name).toBe('ValueSet');
    expect(log.args).toEqual({ setter: eth.accounts[0]!.address, oldValue: 42n, newValue: 7n, note: 'note!' });
    expect(log.topics).toHaveLength(3);
    expect((await eth.call(ethProbe, probe.abi, 'value')).value).toBe(7n);
    // another sender
    const r2 = await eth.send(ethProbe, probe.abi, 'set', [42n, ''], { from: 1 });
    expect(r2.logs[0]!.args).toMatchObject({ setter: eth.accounts[1]!.address, oldValue: 7n });
  });

  it('charges exactly 21,000 gas for a plain transfer', async () => {
    const to = eth.accounts[3]!.address;
    const b0 = await eth.getBalance(to);
    const r = await eth.sendRaw(to, '0x', { value: 12345n, from: 2 });
    expect(r.status).toBe(1);
    expect(r.gasUsed).toBe(21_000n);
    expect(await eth.getBalance(to)).toBe(b0 + 12345n);
  });
});

describe('call', () => {
  it('returns decoded values', async () => {
    const info = await eth.call<[bigint, string, string, bigint]>(ethProbe, probe.abi, 'info');
    expect(info.value).toEqual([42n, eth.accounts[0]!.address, 'hello', -7n]);
    expect(info.gasUsed).toBeGreaterThan(0n);
    expect((await eth.call(ethProbe, probe.abi, 'label')).value).toBe('hello');
    expect((await eth.call(ethProbe, probe.abi, 'add', [2, 3])).value).toBe(5n);
  });

  it('uses accounts[0] (or `from`) as caller and never changes state', async () => {
    const a0 = eth.accounts[0]!.address;
    const nonce = await eth.getNonce(a0);
    const block = eth.blockNumber();
    expect((await eth.call(ethProbe, probe.abi, 'whoami')).value).toBe(a0);
    const other = '0x000000000000000000000000000000000000dEaD';
    expect((await eth.call(ethProbe, probe.abi, 'whoami', [], { from: other })).value).toBe(other);
    await eth.call(ethProbe, probe.abi, 'set', [999n, 'not committed']);
    expect((await eth.call(ethProbe, probe.abi, 'value')).value).toBe(42n);
    expect(await eth.getNonce(a0)).toBe(nonce);
    expect(eth.blockNumber()).toBe(block);
  });

  it('burns gas linearly in a heavy loop', async () => {
    const a = await eth.call(ethProbe, probe.abi, 'burnView', [100n]);
    const b = await eth.call(ethProbe, probe.abi, 'burnView', [1100n]);
    const perRound = (b.gasUsed - a.gasUsed) / 1000n;
    expect(perRound).toBeGreaterThan(50n);
    expect(perRound).toBeLessThan(300n);
    const r = await eth.send(ethProbe, probe.abi, 'burn', [1000n]);
    expect(r.status).toBe(1);
    expect(r.executionGas).toBeGreaterThan(1000n * perRound);
    await eth.send(ethProbe, probe.abi, 'set', [42n, 'restore']); // burn() overwrote `value`
  });

  it('gives the same gas for repeated calls (no warm state leaks between calls)', async () => {
    const a = await eth.call(ethProbe, probe.abi, 'burn', [10n]);
    const b = await eth.call(ethProbe, probe.abi, 'burn', [10n]);
    expect(a.gasUsed).toBe(b.gasUsed);
    // concurrent calls are serialised
    const all = await Promise.all([1n, 2n, 3n].map((n) => eth.call(ethProbe, probe.abi, 'set', [n, ''])));
    expect(all.map((r) => r.value)).toEqual([42n, 42n, 42n]);
  });

  it('decodes every kind of revert', async () => {
    const custom = await expectRevert(eth.call(ethProbe, probe.abi, 'failCustom', [11n]));
    expect(custom.revert).toMatchObject({ name: 'TooBig', args: [11n, 10n], message: 'TooBig(11, 10)' });
    expect(custom.message).toContain('TooBig(11, 10)');

    const req = await expectRevert(eth.call(ethProbe, probe.abi, 'failRequire', [9n]));
    expect(req.revert).toMatchObject({ name: 'Error', args: ['x must be below 5'], message: 'Error("x must be below 5")' });

    const div = await expectRevert(eth.call(ethProbe, probe.abi, 'divide', [1n, 0n]));
    expect(div.revert.name).toBe('Panic');
    expect(div.revert.args).toEqual([0x12n]);
    expect(div.revert.message).toBe('Panic(0x12: division or modulo by zero)');

    const ovf = await expectRevert(eth.call(ethProbe, probe.abi, 'add', [200, 100]));
    expect(ovf.revert.message).toBe('Panic(0x11: arithmetic overflow or underflow)');

    const auth = await expectRevert(eth.call(ethProbe, probe.abi, 'onlyOwner', [], { from: 1 }));
    expect(auth.revert).toMatchObject({ name: 'Unauthorized', args: [eth.accounts[1]!.address] });
    expect((await eth.call(ethProbe, probe.abi, 'onlyOwner')).value).toBe(true);

    const oog = await expectRevert(eth.call(ethProbe, probe.abi, 'burnView', [100_000n], { gasLimit: 100_000n }));
    expect(oog.revert.name).toBe('OutOfGas');
    expect(oog.gasUsed).toBe(100_000n);

    const t = await eth.tryCall(ethProbe, probe.abi, 'failCustom', [3n]);
    expect(t).toEqual({ ok: true, value: 3n, gasUsed: expect.any(BigInt) });
    const f = await eth.tryCall(ethProbe, probe.abi, 'failCustom', [30n]);
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.error.name).toBe('TooBig');

    const raw = await eth.callRaw(ethProbe, '0xdeadbeef');
    expect(raw.ok).toBe(false);
    expect(raw.error?.name).toBe('Unknown');
  });

  it('mines reverted transactions as status 0 with the decoded reason', async () => {
    const nonce = await eth.getNonce(eth.accounts[0]!.address);
    const cases: [string, unknown[], string][] = [
      ['failCustom', [11n], 'TooBig(11, 10)'],
      ['failRequire', [9n], 'Error("x must be below 5")'],
      ['divide', [1n, 0n], 'Panic(0x12: division or modulo by zero)'],
      ['add', [255, 1], 'Panic(0x11: arithmetic overflow or underflow)'],
      ['setThenRevert', [5n], 'TooBig(5, 0)'],
    ];
    for (const [method, args, message] of cases) {
      const r = await eth.send(ethProbe, probe.abi, method, args, { gasLimit: 200_000n });
      expect(r.status).toBe(0);
      expect(r.revert?.message).toBe(message);
      expect(r.logs).toEqual([]);
      expect(r.gasUsed).toBeGreaterThan(21_000n);
      expect(r.gasUsed).toBeLessThan(200_000n);
    }
    expect(await eth.getNonce(eth.accounts[0]!.address)).toBe(nonce + BigInt(cases.length));
    expect((await eth.call(ethProbe, probe.abi, 'value')).value).toBe(42n); // setThenRevert rolled back
  });
});

describe('limits', () => {
  it('rejects a transaction over the ethereum per-transaction cap before running it', async () => {
    const a0 = eth.accounts[0]!.address;
    const nonce = await eth.getNonce(a0);
    const balance = await eth.getBalance(a0);
    const block = eth.blockNumber();
    const p = eth.send(ethProbe, probe.abi, 'set', [1n, ''], { gasLimit: 20_000_000n });
    await expect(p).rejects.toBeInstanceOf(TxRejectedError);
    await expect(p).rejects.toMatchObject({
      reason: 'GasCapExceeded',
      message: "gas limit 20,000,000 exceeds the ethereum profile's per-transaction cap of 16,777,216",
    });
    expect(eth.blockNumber()).toBe(block);
    expect(await eth.getNonce(a0)).toBe(nonce);
    expect(await eth.getBalance(a0)).toBe(balance);
    expect((await eth.call(ethProbe, probe.abi, 'value')).value).toBe(42n);
  });

  it('runs more than 16.7M gas in one transaction only where the profile allows it', async () => {
    const slots = 820n; // ~18.1M gas of fresh SSTOREs
    const big = await unl.send(unlProbe, probe.abi, 'fill', [slots], { gasLimit: 25_000_000n });
    expect(big.status).toBe(1);
    expect(big.gasUsed).toBeGreaterThan(16_777_216n);
    const capped = await eth.send(ethProbe, probe.abi, 'fill', [slots]);
    expect(capped.status).toBe(0);
    expect(capped.revert?.name).toBe('OutOfGas');
    expect(capped.gasUsed).toBe(16_777_216n);

    const arb = await createChain({ profile: 'arbitrum', accounts: 1 });
    const r = await arb.sendRaw(arb.accounts[0]!.address, '0x', { gasLimit: 20_000_000n });
    expect(r.status).toBe(1);
    await expect(arb.sendRaw(arb.accounts[0]!.address, '0x', { gasLimit: 32_000_001n })).rejects.toMatchObject({ reason: 'GasCapExceeded' });
  });

  it('enforces the code size limit on ethereum but not on unlimited', async () => {
    const initcode = (size: number) => `0x61${size.toString(16).padStart(4, '0')}6000f3`; // RETURN(0, size) of zero bytes
    const ok = await eth.deployCode(initcode(24_576), { gasLimit: 6_000_000n });
    expect(ok.codeSize).toBe(24_576);
    const block = eth.blockNumber();
    let err: unknown;
    try {
      await eth.deployCode(initcode(24_577), { gasLimit: 6_000_000n });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployFailedError);
    const failed = err as DeployFailedError;
    expect(failed.revert.name).toBe('CodeSizeLimit');
    expect(failed.revert.message).toContain('24,576');
    expect(failed.receipt.status).toBe(0);
    expect(failed.receipt.gasUsed).toBe(6_000_000n); // exceptional halt consumes all gas, as on a real chain
    expect(eth.blockNumber()).toBe(block + 1n); // the failed deployment was mined

    const big = await unl.deployCode(initcode(24_577));
    expect(big.codeSize).toBe(24_577);
    expect(big.deployable).toBe(false);
    expect((await unl.getCode(big.address)).length).toBe(2 + 2 * 24_577);

    // initcode over EIP-3860's 49,152 bytes is refused before execution
    const hugeInit = `0x${'00'.repeat(49_153)}`;
    await expect(eth.deployCode(hugeInit)).rejects.toMatchObject({ reason: 'InitCodeSizeExceeded' });
    expect((await unl.deployCode(hugeInit)).codeSize).toBe(0);
  });

  it('rejects transactions the sender cannot pay for', async () => {
    const poor = await createChain({ profile: 'ethereum', accounts: 2, balance: 1000n });
    const p = poor.sendRaw(poor.accounts[1]!.address, '0x');
    await expect(p).rejects.toBeInstanceOf(TxRejectedError);
    await expect(p).rejects.toMatchObject({ reason: 'InsufficientFunds', message: expect.not.stringContaining('vm hf=') });
    expect(poor.blockNumber()).toBe(0n);
    await expect(poor.sendRaw(poor.accounts[1]!.address, '0x', { from: 5 })).rejects.toMatchObject({ reason: 'UnknownSender' });
  });
});

describe('isolation', () => {
  it('keeps two chains independent', async () => {
    const a = await createChain({ profile: 'unlimited', accounts: 1 });
    const b = await createChain({ profile: 'ethereum', accounts: 1 });
    const da = await a.deploy(probe, [1n, 'a']);
    const db = await b.deploy(probe, [1n, 'b']);
    expect(da.address).toBe(db.address); // same deployer and nonce
    await a.send(da.address, probe.abi, 'set', [100n, '']);
    expect((await a.call(da.address, probe.abi, 'value')).value).toBe(100n);
    expect((await b.call(db.address, probe.abi, 'value')).value).toBe(1n);
    expect((await b.call(db.address, probe.abi, 'label')).value).toBe('b');
    expect(a.blockNumber()).toBe(2n);
    expect(b.blockNumber()).toBe(1n);
    // b's gas cap still applies while a has none
    await expect(b.send(db.address, probe.abi, 'set', [2n, ''], { gasLimit: 17_000_000n })).rejects.toBeInstanceOf(TxRejectedError);
    expect((await a.send(da.address, probe.abi, 'set', [2n, ''], { gasLimit: 17_000_000n })).status).toBe(1);
    expect(b.vm).not.toBe(a.vm);
  });
});
