/**
 * `nnchain deploy --rpc` / `nnchain infer --rpc` against a real, independent node: a Hardhat 2.29 node
 * (EDR/revm, started from npm on 127.0.0.1) and the embedded chain's JSON-RPC server configured like it
 * (`HARDHAT_NODE_PROFILE`: Osaka, chain 31337, 60M block gas, 16,777,216 per transaction). The fixture
 * model (solearn nft_mlp_10x10, 6,309 weights, int8) is deployed with the same key and the same bytes to
 * both; the deployment to Hardhat is killed midway (SIGKILL of the CLI once the record shows a
 * registered segment) and resumed. Every transaction must use identical gas on both nodes, inference
 * (one transaction and a session) must give identical outputs and gas, equal to the oracle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexlify } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareModel, readRecord, type DeploymentRecord } from '../src/harness/deploy/index.ts';
import { oracleInfer } from '../src/harness/model-chain/oracle.ts';
import { HARDHAT_NODE_PROFILE, startHardhatNode, type HardhatNode } from '../src/harness/node/index.ts';
import { loadOracle } from '../src/harness/oracle.ts';
import { encodeModelInput } from '../src/harness/quantize/io.ts';
import { devAccounts } from '../src/simulator/index.ts';
import { startRpcServer, type RpcServer } from '../src/simulator/rpc/index.ts';
import { registeredSegments, runCli, type CliResult } from './helpers/cli.ts';
import { haveSolearn, solearnFile } from './helpers/solearn.ts';

const HAVE = haveSolearn('tests/realnode-deploy.test.ts (Hardhat vs nnchain deployment of nft_mlp_10x10)');
const FIXTURE = solearnFile('nft_mlp_10x10.json');
const SEG = '1024';
const CALIB = '100';

let node: HardhatNode | undefined;
let server: RpcServer | undefined;
let dir: string;
const env = { NNCHAIN_TEST_KEY: hexlify(devAccounts(1)[0]!.privateKey) };
/** A 10×10×3 image of raw pixels (deterministic). */
const image = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256);

beforeAll(async () => {
  if (!HAVE) return;
  dir = mkdtempSync(join(tmpdir(), 'nnchain-realnode-deploy-'));
  [node, server] = await Promise.all([startHardhatNode(), startRpcServer({ profile: HARDHAT_NODE_PROFILE, accounts: 20, balance: 10n ** 22n, port: 0 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), server?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const deployArgs = (url: string, record: string) => ['deploy', FIXTURE, '--rpc', url, '--key', 'env:NNCHAIN_TEST_KEY', '--record', record, '--segment-size', SEG, '--calibration', CALIB];

function json(r: CliResult): { output: string; argmax: number; txs: { what: string; gasUsed: string; replicaGas?: string }[] } {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!HAVE)('deploying the fixture to Hardhat and to nnchain node', () => {
  let hh: DeploymentRecord;
  let nn: DeploymentRecord;

  it('deploys (Hardhat: killed midway and resumed) with identical gas per transaction', async () => {
    const nnRecord = join(dir, 'nnchain.json');
    const hhRecord = join(dir, 'hardhat.json');
    const a = await runCli(deployArgs(server!.url, nnRecord), { env });
    expect(a.code, a.stderr).toBe(0);
    nn = readRecord(nnRecord);

    const killed = await runCli([...deployArgs(node!.url, hhRecord), '--tx-delay', '250'], { env, record: hhRecord, killWhen: (r) => registeredSegments(r) >= 1 });
    expect(killed.signal).toBe('SIGKILL');
    const partial = readRecord(hhRecord);
    expect(partial.status).toBe('in progress');
    expect(registeredSegments(partial)).toBeLessThan(partial.segmentCount!);
    const resumed = await runCli(deployArgs(node!.url, hhRecord), { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('(resuming)');
    hh = readRecord(hhRecord);

    expect(hh.status).toBe('complete');
    expect(hh.chain.chainId).toBe('31337');
    expect(hh.weightsRoot).toBe(nn.weightsRoot);
    expect(hh.addresses).toEqual(nn.addresses);
    // the same transactions, each charged identical gas (the resumed run redid nothing)
    const rows = (r: DeploymentRecord) => r.txs.map((t) => `${t.step}: ${t.gasUsed}`);
    expect(rows(hh)).toEqual(rows(nn));
    expect(nn.txs.length).toBe(6 + 2 * nn.segmentCount!);
    console.log(['deployment of nft_mlp_10x10 | hardhat gas | nnchain gas', ...hh.txs.map((t, i) => `${t.step} | ${t.gasUsed} | ${nn.txs[i]!.gasUsed}`)].join('\n'));
  }, 180_000);

  it('infers identically on both (one transaction and a session), equal to the oracle', async () => {
    const p = await prepareModel(FIXTURE, { mode: 'int8', calibration: Number(CALIB) });
    const expected = hexlify(oracleInfer(await loadOracle(), p.spec, encodeModelInput(p.qm, image)));
    const input = join(dir, 'image.json');
    writeFileSync(input, JSON.stringify(image));
    for (const extra of [[], ['--cap', '300000']]) {
      const run = (url: string, record: string) => runCli(['infer', record, input, '--json', '--rpc', url, '--key', 'env:NNCHAIN_TEST_KEY', ...extra], { env });
      const [x, y] = (await Promise.all([run(node!.url, join(dir, 'hardhat.json')), run(server!.url, join(dir, 'nnchain.json'))])).map(json);
      expect(x.output).toBe(expected);
      expect(y.output).toBe(expected);
      expect(x.argmax).toBe(y.argmax);
      expect(x.txs.map((t) => `${t.what}: ${t.gasUsed}`)).toEqual(y.txs.map((t) => `${t.what}: ${t.gasUsed}`));
      if (extra.length) expect(x.txs.length).toBeGreaterThan(2);
      console.log(['inference | hardhat gas | nnchain gas | replica gas', ...x.txs.map((t, i) => `${t.what} | ${t.gasUsed} | ${y.txs[i]!.gasUsed} | ${t.replicaGas}`)].join('\n'));
    }
  }, 120_000);
});
