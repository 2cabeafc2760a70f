/**
 * `nnchain deploy --rpc` / `nnchain infer --rpc` against a real, independent node: a Hardhat 2.29 node
 * (EDR/revm, started from npm on 127.0.0.1) and the embedded chain's JSON-RPC server configured like it
 * (`HARDHAT_NODE_PROFILE`: Osaka, chain 31337, 60M block gas, 16,777,216 per transaction). Two fixture
 * models, int8: the committed MNIST CNN (examples/mnist-cnn: Conv2D, MaxPooling2D and Dense contracts;
 * always present) and, when ../shared is there, the solearn nft_mlp_10x10 (6,309 weights). Each is
 * deployed with the same key and the same bytes to both nodes; the deployment to Hardhat is killed
 * midway (SIGKILL of the CLI once the record shows a registered segment) and resumed. Every transaction must use identical gas on both nodes, inference
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
import { REPO_ROOT } from '../src/harness/compile.ts';

const HAVE_SOLEARN = haveSolearn('the nft_mlp_10x10 case of tests/realnode-deploy.test.ts (the MNIST CNN case runs)');
const SEG = '1024';
const CALIB = '100';

interface Fixture {
  name: string;
  file: string;
  /** Raw input values (pixels), deterministic. */
  image: number[];
  /** Per-transaction cap that forces `infer` into a session. */
  sessionCap: string;
}

const FIXTURES: Fixture[] = [
  { name: 'mnist-cnn', file: join(REPO_ROOT, 'examples', 'mnist-cnn', 'model.json'), image: Array.from({ length: 784 }, (_, i) => (i * 37 + 11) % 256), sessionCap: '2500000' },
  ...(HAVE_SOLEARN ? [{ name: 'nft_mlp_10x10', file: solearnFile('nft_mlp_10x10.json'), image: Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256), sessionCap: '300000' }] : []),
];

let node: HardhatNode | undefined;
let server: RpcServer | undefined;
let dir: string;
const env = { NNCHAIN_TEST_KEY: hexlify(devAccounts(1)[0]!.privateKey) };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nnchain-realnode-deploy-'));
  [node, server] = await Promise.all([startHardhatNode(), startRpcServer({ profile: HARDHAT_NODE_PROFILE, accounts: 20, balance: 10n ** 22n, port: 0 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), server?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const deployArgs = (f: Fixture, url: string, record: string) => ['deploy', f.file, '--rpc', url, '--key', 'env:NNCHAIN_TEST_KEY', '--record', record, '--segment-size', SEG, '--calibration', CALIB];

function json(r: CliResult): { output: string; argmax: number; txs: { what: string; gasUsed: string; replicaGas?: string }[] } {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.each(FIXTURES)('deploying $name to Hardhat and to nnchain node', (f) => {
  let hh: DeploymentRecord;
  let nn: DeploymentRecord;

  it('deploys (Hardhat: killed midway and resumed) with identical gas per transaction', async () => {
    const nnRecord = join(dir, `${f.name}.nnchain.json`);
    const hhRecord = join(dir, `${f.name}.hardhat.json`);
    const a = await runCli(deployArgs(f, server!.url, nnRecord), { env });
    expect(a.code, a.stderr).toBe(0);
    nn = readRecord(nnRecord);

    const killed = await runCli([...deployArgs(f, node!.url, hhRecord), '--tx-delay', '250'], { env, record: hhRecord, killWhen: (r) => registeredSegments(r) >= 1 });
    expect(killed.signal).toBe('SIGKILL');
    const partial = readRecord(hhRecord);
    expect(partial.status).toBe('in progress');
    expect(registeredSegments(partial)).toBeLessThan(partial.segmentCount!);
    const resumed = await runCli(deployArgs(f, node!.url, hhRecord), { env });
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
    const layerContracts = new Set(Object.values(nn.addresses.layers)).size;
    expect(nn.txs.length).toBe(layerContracts + 5 + 2 * nn.segmentCount!); // layers, model, config, setConfig, declare, segments + registers, seal
    console.log([`deployment of ${f.name} | hardhat gas | nnchain gas`, ...hh.txs.map((t, i) => `${t.step} | ${t.gasUsed} | ${nn.txs[i]!.gasUsed}`)].join('\n'));
  }, 180_000);

  it('infers identically on both (one transaction and a session), equal to the oracle', async () => {
    const p = await prepareModel(f.file, { mode: 'int8', calibration: Number(CALIB) });
    const expected = hexlify(oracleInfer(await loadOracle(), p.spec, encodeModelInput(p.qm, f.image)));
    const input = join(dir, `${f.name}.image.json`);
    writeFileSync(input, JSON.stringify(f.image));
    for (const extra of [[], ['--cap', f.sessionCap]]) {
      const run = (url: string, record: string) => runCli(['infer', record, input, '--json', '--rpc', url, '--key', 'env:NNCHAIN_TEST_KEY', ...extra], { env });
      const [x, y] = (await Promise.all([run(node!.url, join(dir, `${f.name}.hardhat.json`)), run(server!.url, join(dir, `${f.name}.nnchain.json`))])).map(json);
      expect(x.output).toBe(expected);
      expect(y.output).toBe(expected);
      expect(x.argmax).toBe(y.argmax);
      expect(x.txs.map((t) => `${t.what}: ${t.gasUsed}`)).toEqual(y.txs.map((t) => `${t.what}: ${t.gasUsed}`));
      if (extra.length) expect(x.txs.length).toBeGreaterThan(2);
      console.log(['inference | hardhat gas | nnchain gas | replica gas', ...x.txs.map((t, i) => `${t.what} | ${t.gasUsed} | ${y.txs[i]!.gasUsed} | ${t.replicaGas}`)].join('\n'));
    }
  }, 120_000);
});
