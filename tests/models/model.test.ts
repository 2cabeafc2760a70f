/**
 * NNModel life cycle on the embedded chain (ethereum profile: 24,576-byte code limit, 16,777,216 gas per
 * transaction): shared layer contracts, config segment + weight upload, seal, single-call inference equal
 * to the oracle, classify with fees, graph inference, access control, immutability after seal, per-layer
 * gas of a 784→128→10 int8 MLP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AbiCoder, hexlify, keccak256 } from 'ethers';
import { compileContracts, getArtifact, type Artifact } from '../../src/harness/compile.ts';
import { createChain, type Chain, type Receipt } from '../../src/simulator/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { buildSegments, executeUpload, segmentInitcode, simulatorBackend, weightsRoot } from '../../src/harness/storage/index.ts';
import {
  buildModel,
  configSegments,
  decodeModelConfig,
  executePlan,
  manifestData,
  deployLayers,
  deployModel,
  encodeModelConfig,
  LAYER_CONTRACTS,
  layerAddresses,
  modelArtifact,
  oracleInfer,
  oracleInferAll,
  type BuiltModel,
  type DeployedLayer,
} from '../../src/harness/model-chain/index.ts';
import { argmaxOf, mlp, mlpInput, eventArg } from './helpers.ts';
import { expectRevert } from '../helpers/receipts.ts';

const CODE_LIMIT = 24_576;

let chain: Chain;
let oracle: Oracle;
let model: Artifact;
let layers: Record<string, DeployedLayer>;
let addrs: Record<string, string>;

beforeAll(async () => {
  model = modelArtifact();
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  layers = await deployLayers(chain);
  addrs = layerAddresses(layers);
});

const acct = (i: number) => chain.accounts[i]!.address;


async function send(to: string, method: string, args: unknown[], from = 0, value = 0n): Promise<Receipt> {
  return chain.send(to, model.abi, method, args, { from, value });
}

async function view<T>(to: string, method: string, args: unknown[] = []): Promise<T> {
  return (await chain.call<T>(to, model.abi, method, args)).value;
}

async function configSegment(blob: Uint8Array): Promise<string> {
  return (await chain.deployCode(segmentInitcode(blob))).address;
}

describe('contract sizes (ethereum profile)', () => {
  it('every registered layer contract and NNModel deploy under the 24,576-byte limit', async () => {
    expect(chain.profile.codeSizeLimit).toBe(CODE_LIMIT);
    expect(Object.keys(layers).sort()).toEqual(Object.keys(LAYER_CONTRACTS).sort());
    for (const l of Object.values(layers)) expect(l.codeSize, l.kind).toBeLessThanOrEqual(CODE_LIMIT);
    const m = await chain.deploy(model, [acct(0)]);
    expect(m.codeSize).toBeLessThanOrEqual(CODE_LIMIT);
    console.log(`code size: ${Object.values(layers).map((l) => `${l.kind}Layer ${l.codeSize} B`).join(', ')}, NNModel ${m.codeSize} B (limit ${CODE_LIMIT})`);
  });
});

describe('int8 784→128→10 MLP: full life cycle', () => {
  const spec = mlp({ mode: 'int8', dims: [784, 128, 10], seed: 5 });
  const x = mlpInput(spec, 7);
  let built: BuiltModel;
  let m: string;

  beforeAll(async () => {
    built = buildModel(spec, addrs);
    m = (await chain.deploy(model, [acct(0)])).address;
  });

  it('config blob round-trips and commits to layer, inputs, spans and shapes', () => {
    const c = decodeModelConfig(built.blob);
    expect(c).toEqual(built.config);
    expect(hexlify(encodeModelConfig(c))).toBe(hexlify(built.blob));
    expect(c.nodes.map((n) => [n.weightOffset, n.weightLength, n.outputLength])).toEqual([
      [0, 784 * 128 + 9 * 128, 128],
      [784 * 128 + 9 * 128, 128 * 32 + 9 * 10, 10],
    ]);
    expect(c.weightsLength).toBe(built.weights.length);
  });

  it('owner-only config and upload; seal needs the full blob; then immutable', async () => {
    expect(await view<string>(m, 'numberMode')).toBe('');
    const seg = await configSegment(built.blob);
    expectRevert(await send(m, 'setConfig', [seg, built.configHash], 1), 'NotOwner', [acct(1)]);
    expectRevert(await send(m, 'setConfig', [seg, keccak256('0x01')], 0), 'ConfigHashMismatch', [keccak256('0x01'), built.configHash]);
    expectRevert(await send(m, 'setConfig', [addrs.Dense!, built.configHash], 0), 'NotASegment', [addrs.Dense!]);
    const sc = await send(m, 'setConfig', [seg, built.configHash], 0);
    expect(sc.status).toBe(1);
    expect(await view<string>(m, 'configHash')).toBe(built.configHash);
    expect(await view<string>(m, 'numberMode')).toBe('int8');
    expect(await view<unknown[]>(m, 'configInfo')).toEqual([seg, 2n, 784n, true]);
    expect(await view<string>(m, 'configBlob')).toBe(hexlify(built.blob));
    // Non-owner upload is refused at the first transaction.
    await expect(executeUpload(simulatorBackend(chain, { from: 1 }), m, built.weights)).rejects.toThrow(/NotOwner/);
    // Seal before the weights are in: refused.
    expectRevert(await send(m, 'seal', [], 0), 'SegmentsIncomplete');
    const up = await executeUpload(simulatorBackend(chain), m, built.weights);
    const hashes = buildSegments(built.weights).map((s) => s.hash);
    expect(up.segmentCount).toBe(5);
    expect(up.weightsRoot).toBe(weightsRoot(built.configHash, hashes));
    expectRevert(await send(m, 'seal', [], 1), 'NotOwner', [acct(1)]);
    expectRevert(await send(m, 'classify', [x], 0), 'NotSealed');
    expectRevert(await send(m, 'startSession', [x], 0), 'NotSealed');
    const s = await send(m, 'seal', [], 0);
    expect(s.status).toBe(1);
    expect(s.logs.find((l) => l.name === 'Sealed')?.args).toEqual({ weightsRoot: up.weightsRoot });
    // Sealed: config and weights are frozen.
    expectRevert(await send(m, 'setConfig', [seg, built.configHash], 0), 'AlreadySealed');
    expectRevert(await send(m, 'declareSegments', [hashes], 0), 'AlreadySealed');
    expectRevert(await send(m, 'appendSegments', [hashes], 0), 'AlreadySealed');
    expectRevert(await send(m, 'registerSegment', [0n, up.addresses[0]!], 0), 'AlreadySealed');
    expect(await view<string>(m, 'weightsRoot')).toBe(up.weightsRoot);
  });

  it('infer == oracle bit for bit; classify emits the same output and its argmax; gas per layer', async () => {
    const expected = oracleInfer(oracle, spec, x);
    const r = await chain.call<string>(m, model.abi, 'infer', [x]);
    expect(r.value).toBe(hexlify(expected));
    // Per-layer gas without a step listener: inferLayers measures each layer call with gasleft().
    const [outs, gas] = (await chain.call<[string[], bigint[]]>(m, model.abi, 'inferLayers', [[x], 1n, 3n])).value;
    const all = oracleInferAll(oracle, spec, x);
    expect(outs).toEqual([hexlify(all[1]!), hexlify(all[2]!)]);
    const c = await send(m, 'classify', [x], 2);
    expect(c.status).toBe(1);
    const ev = c.logs.find((l) => l.name === 'Inference')!.args as Record<string, unknown>;
    expect(ev).toEqual({ caller: acct(2), inputHash: keccak256(x), outputHash: keccak256(expected), argmax: argmaxOf(expected, 'int8'), output: hexlify(expected) });
    const macs = [784 * 128, 128 * 10];
    console.log(
      [
        `784→128→10 int8 MLP: infer ${r.gasUsed} gas (view execution), classify tx ${c.gasUsed} gas`,
        ...gas.map((g, i) => `  layer ${i + 1} Dense ${i === 0 ? '784→128' : '128→10'}: ${g} gas (${(Number(g) / macs[i]!).toFixed(2)} gas/MAC incl. weight read)`),
        `  model overhead (config load + decode + dispatch): ${r.gasUsed - gas[0]! - gas[1]!} gas`,
      ].join('\n'),
    );
    expect(r.gasUsed).toBeLessThan(16_777_216n);
  });

  it('refuses an input of the wrong length', async () => {
    const r = await chain.tryCall(m, model.abi, 'infer', [x.subarray(1)]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ name: 'InputLengthMismatch', args: [784n, 783n] });
  });
});

describe('q-mode model and a graph model', () => {
  it('q mode: infer == oracle', async () => {
    const spec = mlp({ mode: 'q', dims: [24, 16, 5], seed: 11, hidden: { name: 'tanh' } });
    const x = mlpInput(spec, 3);
    const d = await deployModel(chain, buildModel(spec, addrs));
    expect(await view<string>(d.address, 'numberMode')).toBe('q');
    expect(await view<string>(d.address, 'infer', [x])).toBe(hexlify(oracleInfer(oracle, spec, x)));
  });

  it('a non-sequential graph (two heads on the input) runs in infer; sessions step it with stepGraph only', async () => {
    const a = mlp({ mode: 'int8', dims: [40, 12], seed: 21 });
    const b = mlp({ mode: 'int8', dims: [40, 12], seed: 22 });
    const spec = { ...a, layers: [a.layers[0]!, { ...b.layers[0]!, inputs: [0] }] };
    const x = mlpInput(a, 5);
    const built = buildModel(spec, addrs);
    expect(built.config.nodes.map((n) => n.inputs)).toEqual([[0], [0]]);
    const d = await deployModel(chain, built);
    expect((await view<unknown[]>(d.address, 'configInfo'))[3]).toBe(false);
    expect(await view<string>(d.address, 'infer', [x])).toBe(hexlify(oracleInferAll(oracle, b, x)[1]!));
    const start = await send(d.address, 'startSession', [x]);
    expect(start.status).toBe(1);
    const id = eventArg<bigint>(start, 'SessionStarted', 'id');
    expectRevert(await send(d.address, 'step', [id, x, 2n]), 'GraphSessionsUnsupported');
    const r = await send(d.address, 'stepGraph', [id, [x], 3n]);
    expect(r.status).toBe(1);
    expect(eventArg(r, 'SessionResult', 'output')).toBe(hexlify(oracleInferAll(oracle, b, x)[1]!));
  });

  it('refuses malformed configs at setConfig and a weight length mismatch at seal', async () => {
    const spec = mlp({ mode: 'int8', dims: [16, 8, 4], seed: 31 });
    const good = buildModel(spec, addrs);
    const m = (await chain.deploy(model, [acct(0)])).address;
    const bad = async (mutate: (c: BuiltModel['config']) => void, name: string, args?: unknown[]) => {
      const c = structuredClone(good.config);
      mutate(c);
      const blob = encodeModelConfig(c);
      expectRevert(await send(m, 'setConfig', [await configSegment(blob), keccak256(blob)]), name, args);
    };
    await bad((c) => void (c.nodes[1]!.inputs = [2]), 'InvalidConfig', [6n, 2n]); // not topological
    await bad((c) => void (c.nodes[0]!.inputs = []), 'InvalidConfig', [5n, 1n]);
    await bad((c) => void (c.nodes[1]!.weightLength += 1), 'InvalidConfig', [7n, 2n]);
    await bad((c) => void (c.nodes[0]!.layer = acct(3)), 'InvalidConfig', [4n, 1n]); // no code
    await bad((c) => void (c.output.length = 5), 'InvalidConfig', [9n, 2n]);
    await bad((c) => void (c.mode = 2), 'InvalidConfig', [1n, 0n]);
    await bad((c) => void (c.version = 2), 'UnsupportedConfigVersion', [2n]);
    // A config whose weightsLength disagrees with the uploaded blob cannot be sealed.
    const c = structuredClone(good.config);
    c.weightsLength += 1;
    const blob = encodeModelConfig(c);
    expect((await send(m, 'setConfig', [await configSegment(blob), keccak256(blob)])).status).toBe(1);
    await executeUpload(simulatorBackend(chain), m, good.weights);
    expectRevert(await send(m, 'seal', []), 'WeightsLengthMismatch', [BigInt(good.weights.length + 1), BigInt(good.weights.length)]);
    // The right config can still replace it before sealing (the weights root follows the config hash).
    expect((await send(m, 'setConfig', [await configSegment(good.blob), good.configHash])).status).toBe(1);
    expect((await send(m, 'seal', [])).status).toBe(1);
    const hashes = buildSegments(good.weights).map((s) => s.hash);
    expect(await view<string>(m, 'weightsRoot')).toBe(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32[]'], [good.configHash, hashes])));
  });
});

describe('inference fees', () => {
  it('classify and startSession pay the bound token; unbound models refuse Ether', async () => {
    const collection = getArtifact('ModelCollection', compileContracts({ entries: ['contracts/collection/ModelCollection.sol'] }));
    const c = (await chain.deploy(collection, ['nnchain models', 'NNM', 1000n])).address;
    const spec = mlp({ mode: 'int8', dims: [16, 4], seed: 41 });
    const x = mlpInput(spec, 1);
    const d = await deployModel(chain, buildModel(spec, addrs));
    const m = d.address;
    expectRevert(await send(m, 'classify', [x], 0, 1n), 'UnexpectedPayment', [1n]);
    expect((await send(m, 'classify', [x], 0)).status).toBe(1);
    expect((await send(m, 'approveCollection', [c])).status).toBe(1);
    expect((await chain.send(c, collection.abi, 'mint', [m, 'mlp', 'test'])).status).toBe(1);
    const tokenId = (await chain.call<bigint>(c, collection.abi, 'tokenOfModel', [m])).value;
    // Bound, fee 0: free inference, no payment call.
    expect((await send(m, 'classify', [x], 1)).status).toBe(1);
    expect((await chain.send(c, collection.abi, 'setInferenceFee', [tokenId, 1000n])).status).toBe(1);
    expectRevert(await send(m, 'classify', [x], 1, 999n), 'InsufficientFee', [999n, 1000n]);
    expect((await send(m, 'classify', [x], 1, 1000n)).status).toBe(1);
    expect((await send(m, 'startSession', [x], 2, 1500n)).status).toBe(1);
    expect((await chain.call<bigint>(c, collection.abi, 'accruedFees', [tokenId])).value).toBe(2500n);
    expect(await chain.getBalance(m)).toBe(0n);
  });
});

describe('a config over one segment (manifest of parts)', () => {
  // 24 Dense nodes: a config blob of ≈ 27 kB, more than one segment's 24,575 data bytes.
  const spec = mlp({ mode: 'int8', dims: Array.from({ length: 25 }, () => 8), seed: 51 });

  it('is deployed as parts + a manifest; infer, configBlob and a session work; bad manifests are refused', async () => {
    const b = buildModel(spec, addrs);
    expect(b.blob.length).toBeGreaterThan(24_575);
    const cs = configSegments(b.blob);
    expect(cs.parts.length).toBe(2);
    const d = await deployModel(chain, b);
    expect(d.configParts.length).toBe(2);
    expect(await view<string>(d.address, 'configBlob')).toBe(hexlify(b.blob));
    expect(await view<string>(d.address, 'configHash')).toBe(keccak256(b.blob));
    const x = mlpInput(spec, 9);
    const expected = oracleInfer(oracle, spec, x);
    expect(await view<string>(d.address, 'infer', [x])).toBe(hexlify(expected));
    const res = await executePlan(chain, d.address, x, { cap: 400_000n });
    expect(res.txs.length).toBeGreaterThan(2);
    expect(hexlify(res.output)).toBe(hexlify(expected));

    const m = (await chain.deploy(model, [acct(0)])).address;
    // A manifest listing a non-segment (the model contract: code without the STOP prefix), a truncated
    // manifest, and parts in the wrong order (hash mismatch).
    const bad = await configSegment(manifestData([d.configParts[0]!, m]));
    expectRevert(await send(m, 'setConfig', [bad, b.configHash]), 'NotASegment', [m]);
    const truncated = await configSegment(manifestData(d.configParts).subarray(0, 30));
    expectRevert(await send(m, 'setConfig', [truncated, b.configHash]), 'NotASegment', [truncated]);
    const swapped = await configSegment(manifestData([d.configParts[1]!, d.configParts[0]!]));
    expectRevert(await send(m, 'setConfig', [swapped, b.configHash]), 'ConfigHashMismatch');
  });
});
