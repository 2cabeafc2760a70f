/**
 * `nnchain deploy` / `nnchain infer` (src/harness/deploy, docs/deploy.md), as child processes:
 * - embedded: deploy → record + bytes → infer (a deterministic replay) gives the oracle's output;
 * - `--rpc` to an in-process `nnchain node`: a deployment killed midway and resumed reaches the same
 *   weights root with every segment deployed exactly once and no transaction beyond those recorded;
 *   the key never appears in the output or the record; infer --rpc gives the oracle's output;
 * - `--mint`: the sealed model minted into a ModelCollection, the token owned by the signer;
 * - user mistakes: one line on stderr, exit code 2.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexlify } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileContracts, getArtifact, REPO_ROOT } from '../src/harness/compile.ts';
import { loadMnist } from '../src/harness/data/mnist.ts';
import { prepareModel, readRecord, type DeploymentRecord } from '../src/harness/deploy/index.ts';
import { oracleInfer } from '../src/harness/model-chain/oracle.ts';
import { loadOracle } from '../src/harness/oracle.ts';
import { encodeModelInput } from '../src/harness/quantize/io.ts';
import { blobWeightsRoot, buildSegments } from '../src/harness/storage/index.ts';
import { startRpcServer, type RpcServer } from '../src/simulator/rpc/index.ts';
import { registeredSegments, runCli, type CliResult } from './helpers/cli.ts';

const MODEL = join(REPO_ROOT, 'examples/mnist-mlp/model.json');
const CALIB = '50';
const SEG = '8192';
const DIGIT = 3;

let dir: string;
let server: RpcServer;
let key: string;
let expectedOutput: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nnchain-deploy-'));
  server = await startRpcServer({ profile: 'ethereum', port: 0 });
  key = hexlify(server.chain.accounts[0]!.privateKey);
  const p = await prepareModel(MODEL, { mode: 'int8', calibration: Number(CALIB) });
  const input = encodeModelInput(p.qm, loadMnist().test.images[DIGIT]!);
  expectedOutput = hexlify(oracleInfer(await loadOracle(), p.spec, input));
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One line on stderr starting with `nnchain:`, no stack trace, exit 2. */
function expectUserError(r: CliResult, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect({ code: r.code, lines: lines.length, stderr: r.stderr }).toMatchObject({ code: 2, lines: 1 });
  expect(lines[0]).toMatch(/^nnchain: /);
  expect(lines[0]).toMatch(pattern);
}

function inferJson(r: CliResult): { output: string; argmax: number; txs: { what: string; gasUsed: string }[] } {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('embedded deployment', () => {
  it('deploy writes the record and the bytes; infer replays it and gives the oracle output', async () => {
    const record = join(dir, 'embedded.json');
    const d = await runCli(['deploy', MODEL, '--record', record, '--calibration', CALIB]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/model 0x[0-9a-fA-F]{40} sealed: weights root 0x[0-9a-f]{64}/);
    const rec = readRecord(record);
    expect(rec.status).toBe('complete');
    expect(rec.chain).toMatchObject({ kind: 'embedded', profile: 'ethereum', chainId: '1' });
    expect(rec.quantization.calibration).toMatch(/first 50 MNIST training digits/);
    const weights = readFileSync(join(dir, 'embedded.weights.bin'));
    expect(existsSync(join(dir, 'embedded.config.bin'))).toBe(true);
    expect(blobWeightsRoot(rec.configHash!, weights)).toBe(rec.weightsRoot);
    // every transaction recorded with its gas; the table lists them
    expect(rec.txs.map((t) => t.step)).toEqual(['layer DenseLayer', 'deploy NNModel', 'config segment', 'setConfig', 'declareSegments (5 hashes)', ...[0, 1, 2, 3, 4].flatMap((i) => [`segment ${i}`, `registerSegment ${i}`]), 'seal']);
    for (const t of rec.txs) expect(d.stdout).toContain(t.hash);

    const r = inferJson(await runCli(['infer', record, '--digit', String(DIGIT), '--json']));
    expect(r.output).toBe(expectedOutput);
    expect(r.txs.map((t) => t.what)).toEqual(['classify']);
    // a session under a smaller cap gives the same output
    const s = inferJson(await runCli(['infer', record, '--digit', String(DIGIT), '--json', '--cap', '400000']));
    expect(s.output).toBe(expectedOutput);
    expect(s.txs.length).toBeGreaterThan(2);
    expect(s.txs[0]!.what).toBe('startSession');
  }, 240_000);
});

describe('deployment to a node over JSON-RPC', () => {
  let record: string;
  let rec: DeploymentRecord;

  it('is killed midway, resumed without redoing finished segments, and never shows the key', async () => {
    record = join(dir, 'rpc.json');
    const args = ['deploy', MODEL, '--record', record, '--calibration', CALIB, '--segment-size', SEG, '--rpc', server.url];
    const first = await runCli([...args, '--key', 'env:NNCHAIN_TEST_KEY', '--tx-delay', '300'], {
      env: { NNCHAIN_TEST_KEY: key },
      record,
      killWhen: (r) => registeredSegments(r) >= 2,
    });
    expect(first.signal).toBe('SIGKILL');
    const partial = readRecord(record);
    expect(partial.status).toBe('in progress');
    const before = registeredSegments(partial);
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(partial.segmentCount!);

    // resume with the key on the command line: it must not appear anywhere
    const second = await runCli([...args, '--key', key]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('(resuming)');
    rec = readRecord(record);
    expect(rec.status).toBe('complete');
    const bare = key.slice(2).toLowerCase();
    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr, readFileSync(record, 'utf8')]) expect(text.toLowerCase()).not.toContain(bare);

    // the same weights root as the bytes give; each segment deployed exactly once; no unrecorded transaction
    const weights = readFileSync(join(dir, 'rpc.weights.bin'));
    const n = buildSegments(weights, Number(SEG)).length;
    expect(rec.segmentCount).toBe(n);
    expect(rec.weightsRoot).toBe(blobWeightsRoot(rec.configHash!, weights, Number(SEG)));
    const segTxs = rec.txs.filter((t) => /^segment \d+$/.test(t.step)).map((t) => t.step);
    expect(segTxs.sort()).toEqual(Array.from({ length: n }, (_, i) => `segment ${i}`).sort());
    expect(server.chain.blockNumber()).toBe(BigInt(rec.txs.length));
    expect(rec.txs.length).toBe(6 + 2 * n); // layer, model, config segment, setConfig, declare, n × (segment, register), seal
    // the same deployment as the embedded one (same key, same nonces): same addresses and config
    const emb = readRecord(join(dir, 'embedded.json'));
    expect(rec.addresses.model).toBe(emb.addresses.model);
    expect(rec.configHash).toBe(emb.configHash);

    // rerunning a complete deployment verifies it on chain and sends nothing
    const third = await runCli([...args, '--key', 'env:NNCHAIN_TEST_KEY'], { env: { NNCHAIN_TEST_KEY: key } });
    expect(third.code, third.stderr).toBe(0);
    expect(server.chain.blockNumber()).toBe(BigInt(rec.txs.length));
  }, 240_000);

  it('infer --rpc gives the oracle output (one transaction, and a session)', async () => {
    const base = ['infer', record, '--digit', String(DIGIT), '--json', '--rpc', server.url, '--key', 'env:NNCHAIN_TEST_KEY'];
    const env = { NNCHAIN_TEST_KEY: key };
    const one = inferJson(await runCli(base, { env }));
    expect(one.output).toBe(expectedOutput);
    expect(one.txs.map((t) => t.what)).toEqual(['classify']);
    const many = inferJson(await runCli([...base, '--cap', '600000'], { env }));
    expect(many.output).toBe(expectedOutput);
    expect(many.txs.length).toBeGreaterThan(2);
  }, 120_000);

  it('refuses a model file changed since the record', async () => {
    const copy = join(dir, 'changed');
    cpSync(join(REPO_ROOT, 'examples/mnist-mlp'), copy, { recursive: true });
    const w = readFileSync(join(copy, 'weights.bin'));
    w[100] ^= 1;
    writeFileSync(join(copy, 'weights.bin'), w);
    const r = await runCli(['deploy', join(copy, 'model.json'), '--record', record, '--calibration', CALIB, '--segment-size', SEG, '--rpc', server.url, '--key', 'env:K'], { env: { K: key } });
    expectUserError(r, /model file changed since/);
  }, 60_000);
});

describe('user mistakes: one line, exit 2', () => {
  it('missing model file, bad keys, missing --key, missing input', async () => {
    expectUserError(await runCli(['deploy', join(dir, 'nope.json')]), /model file not found/);
    const bad = '0x1234abcd';
    const r = await runCli(['deploy', MODEL, '--rpc', server.url, '--key', bad, '--record', join(dir, 'x.json')]);
    expectUserError(r, /--key: not a private key/);
    expect(r.stderr).not.toContain(bad);
    expectUserError(await runCli(['deploy', MODEL, '--rpc', server.url, '--key', 'env:NNCHAIN_UNSET_VAR', '--record', join(dir, 'x.json')]), /NNCHAIN_UNSET_VAR is not set/);
    expectUserError(await runCli(['deploy', MODEL, '--rpc', server.url, '--record', join(dir, 'x.json')]), /--rpc needs --key/);
    const emb = join(dir, 'embedded.json');
    expectUserError(await runCli(['infer', emb, join(dir, 'missing-input.json')]), /input file not found/);
    writeFileSync(join(dir, 'short.json'), '[1, 2, 3]');
    expectUserError(await runCli(['infer', emb, join(dir, 'short.json')]), /3 values, the model takes 784/);
    expectUserError(await runCli(['infer', join(dir, 'no-record.json'), '--digit', '1']), /deployment record not found/);
    copyFileSync(MODEL, join(dir, 'not-a-record.json'));
    expectUserError(await runCli(['infer', join(dir, 'not-a-record.json'), '--digit', '1']), /not an nnchain deployment record/);
  }, 120_000);

  it('--help on both commands', async () => {
    for (const c of ['deploy', 'infer']) {
      const r = await runCli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--rpc <url>/);
      expect(r.stdout).toMatch(/embedded/);
    }
  }, 60_000);
});

describe('deploy --rpc --mint', () => {
  it('deploys, seals and mints into a ModelCollection; the signer owns the token, whose URI carries the weights root', async () => {
    const collection = getArtifact('ModelCollection', compileContracts({ entries: ['contracts/collection/ModelCollection.sol'] }));
    const col = (await server.chain.deploy(collection, ['nnchain models', 'NNM', 500n])).address;
    const signer = server.chain.accounts[1]!;
    const record = join(dir, 'minted.json');
    const r = await runCli(
      ['deploy', MODEL, '--record', record, '--calibration', CALIB, '--segment-size', SEG, '--rpc', server.url, '--key', 'env:MINT_KEY', '--mint', col, '--name', 'Digits MLP'],
      { env: { MINT_KEY: hexlify(signer.privateKey) } },
    );
    expect(r.code, r.stderr).toBe(0);
    const rec = readRecord(record);
    expect(rec.status).toBe('complete');
    expect(rec.txs.map((t) => t.step).slice(-2)).toEqual(['approveCollection', 'mint']);
    const model = rec.addresses.model!;
    const tokenId = (await server.chain.call<bigint>(col, collection.abi, 'tokenOfModel', [model])).value;
    expect(tokenId).toBeGreaterThan(0n);
    expect((await server.chain.call<string>(col, collection.abi, 'ownerOf', [tokenId])).value).toBe(signer.address);
    const uri = (await server.chain.call<string>(col, collection.abi, 'tokenURI', [tokenId])).value;
    const meta = Buffer.from(uri.split(',')[1]!, 'base64').toString('utf8');
    expect(meta).toContain('Digits MLP');
    expect(meta).toContain(rec.weightsRoot!.slice(2));
  }, 180_000);
});
