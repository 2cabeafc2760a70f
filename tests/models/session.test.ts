/**
 * Inference across transactions: the planner and executor under an artificial per-transaction cap that
 * forces a session with a split layer (int8 and q), equal bit for bit to the single-call `infer` and to
 * the oracle; and the session's security property: only the committed tensor is accepted at each step
 * (a forged intermediate, a forged assembled tensor after a split, out-of-order ranges and foreign
 * callers revert).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexlify, keccak256, ZeroHash } from 'ethers';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import {
  buildModel,
  denseLayer,
  deployLayers,
  deployModel,
  describeTx,
  executePlan,
  foldChunk,
  layerAddresses,
  modelArtifact,
  oracleInfer,
  oracleInferAll,
  PlanError,
  planInference,
  profileModel,
  rangeChunk,
  type ModelSpec,
} from '../../src/harness/model-chain/index.ts';
import type { Artifact } from '../../src/harness/compile.ts';
import { quantizeDense } from '../../src/harness/layers/index.ts';
import { activationParams } from '../../src/harness/quantize/int8.ts';
import { argmaxOf, mlp, mlpInput, uniform } from './helpers.ts';
import { expectRevert } from '../helpers/receipts.ts';

let chain: Chain;
let oracle: Oracle;
let model: Artifact;
let addrs: Record<string, string>;

beforeAll(async () => {
  model = modelArtifact();
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  addrs = layerAddresses(await deployLayers(chain));
});


const send = (to: string, method: string, args: unknown[], from = 0) => chain.send(to, model.abi, method, args, { from });

async function deploy(spec: ModelSpec): Promise<string> {
  return (await deployModel(chain, buildModel(spec, addrs))).address;
}

const cases = [
  // int8: Dense 256→160 (~300k gas) must be split under a 300k cap; 160→64→10 fit one step.
  { name: 'int8 256→160→64→10', spec: mlp({ mode: 'int8', dims: [256, 160, 64, 10], seed: 3 }), cap: 300_000n },
  // q: Dense 64→48 (~260k gas) must be split under a 250k cap; 48→32 (~150k) fits alone.
  { name: 'q 64→48→32→8 (tanh)', spec: mlp({ mode: 'q', dims: [64, 48, 32, 8], seed: 4, hidden: { name: 'tanh' } }), cap: 250_000n },
];

describe.each(cases)('planner + executor: $name', ({ spec, cap }) => {
  let m: string;
  beforeAll(async () => {
    m = await deploy(spec);
  });

  it('a tiny cap forces a multi-transaction plan with a split layer; result == infer == oracle', async () => {
    const mode = spec.mode as 'int8' | 'q';
    const x = mlpInput(spec as never, 17);
    const expected = oracleInfer(oracle, spec, x);
    const single = await chain.call<string>(m, model.abi, 'infer', [x]);
    expect(single.value).toBe(hexlify(expected));

    const profile = await profileModel(chain, m, x);
    // The profile's tensors are the oracle's, node by node.
    expect(profile.tensors.map((t) => hexlify(t))).toEqual(oracleInferAll(oracle, spec, x).map((t) => hexlify(t)));
    const plan = planInference(profile, { cap });
    expect(plan.single).toBe(false);
    const ranges = plan.txs.filter((t) => t.kind === 'range');
    expect(ranges.length).toBeGreaterThanOrEqual(2);
    expect(plan.txs.some((t) => t.kind === 'step' && t.afterSplit)).toBe(true);
    // A generous cap gives one classify transaction.
    expect(planInference(profile).single).toBe(true);

    const res = await executePlan(chain, m, x, { cap, profile, plan });
    expect(hexlify(res.output)).toBe(hexlify(expected));
    expect(res.argmax).toBe(argmaxOf(expected, mode));
    for (const t of res.txs) expect(t.gasUsed).toBeLessThanOrEqual(cap);
    const s = (await chain.call<unknown[]>(m, model.abi, 'session', [res.sessionId!])).value;
    expect(s[1]).toBe(BigInt(spec.layers.length + 1)); // next = nodes + 1: finished
    expect(s[4]).toBe(keccak256(expected));
    console.log(
      [
        `${spec.mode} session under a ${cap}-gas cap (budget ${plan.budget}): ${res.txs.length} txs, ${res.totalGas} gas in total`,
        ...profile.nodes.map((p) => `  node ${p.node}: ${p.gas} gas, ${p.units} units`),
        ...res.txs.map((t) => `  ${describeTx(t.tx).padEnd(40)} est ${t.tx.estGas}  used ${t.gasUsed}`),
      ].join('\n'),
    );
    // A finished session takes no more steps.
    expectRevert(await send(m, 'step', [res.sessionId!, res.output, BigInt(spec.layers.length + 1)]), 'SessionFinished', [res.sessionId!]);
  });

  it('the executor adapts a plan made for a larger cap: the dry run splits what does not fit', async () => {
    const x = mlpInput(spec as never, 23);
    const profile = await profileModel(chain, m, x);
    const loose = planInference(profile, { cap: cap * 2n });
    const res = await executePlan(chain, m, x, { cap, profile, plan: loose });
    expect(res.adapted).toBeGreaterThan(0);
    expect(hexlify(res.output)).toBe(hexlify(oracleInfer(oracle, spec, x)));
    for (const t of res.txs) expect(t.gasUsed).toBeLessThanOrEqual(cap);
  });
});

describe('planner limits', () => {
  it('a node over the budget that cannot be split (softmax over its units) is a PlanError', async () => {
    const r = uniform(9);
    const d = quantizeDense({ K: 32, N: 16, kernel: Array.from({ length: 512 }, () => r()), bias: null, activation: { name: 'softmax', axis: 0 } }, { mode: 'q' });
    const spec: ModelSpec = { mode: 'q', inputShape: [32], layers: [denseLayer(d)] };
    const m = await deploy(spec);
    const x = mlpInput({ ...spec, inQuant: { scale: 1, zeroPoint: 0 } }, 4);
    const profile = await profileModel(chain, m, x);
    expect(profile.nodes[0]!.splittable).toBe(false);
    expect(() => planInference(profile, { cap: 150_000n })).toThrow(PlanError);
    expect(() => planInference(profile, { cap: 150_000n })).toThrow(/cannot be split/);
  });
});

describe('session security', () => {
  const spec = mlp({ mode: 'int8', dims: [48, 40, 8], seed: 8 });
  const x = mlpInput(spec, 2);
  let m: string;
  let t: Uint8Array[];

  beforeAll(async () => {
    m = await deploy(spec);
    t = oracleInferAll(oracle, spec, x);
  });

  async function start(from = 0): Promise<bigint> {
    const r = await send(m, 'startSession', [x], from);
    expect(r.status).toBe(1);
    const ev = r.logs.find((l) => l.name === 'SessionStarted')!.args as Record<string, unknown>;
    expect(ev.inputHash).toBe(keccak256(x));
    return ev.id as bigint;
  }

  it('step accepts only the committed tensor and stores only its hash', async () => {
    const id = await start();
    const forged = Uint8Array.from(x);
    forged[3] ^= 1;
    expectRevert(await send(m, 'step', [id, forged, 2n]), 'CommitmentMismatch', [keccak256(x), keccak256(forged)]);
    expectRevert(await send(m, 'step', [id, x, 2n], 1), 'NotSessionCaller', [id, chain.accounts[1]!.address]);
    expectRevert(await send(m, 'step', [id, x, 1n]), 'NodeRangeInvalid', [1n, 1n, 2n]);
    expectRevert(await send(m, 'step', [id, x, 4n]), 'NodeRangeInvalid', [1n, 4n, 2n]);
    expectRevert(await send(m, 'step', [id + 100n, x, 2n]), 'UnknownSession', [id + 100n]);
    const r = await send(m, 'step', [id, x, 2n]);
    expect(r.status).toBe(1);
    expect(r.logs.find((l) => l.name === 'SessionStep')!.args).toEqual({ id, fromNode: 1n, toNode: 2n, commitment: keccak256(t[1]!) });
    // The intermediate is not kept: a forged hidden tensor (one flipped bit) is refused at the next step.
    const h = Uint8Array.from(t[1]!);
    h[0] ^= 0x80;
    expectRevert(await send(m, 'step', [id, h, 3n]), 'CommitmentMismatch', [keccak256(t[1]!), keccak256(h)]);
    expectRevert(await send(m, 'stepRange', [id, h, 0n, 4n]), 'CommitmentMismatch', [keccak256(t[1]!), keccak256(h)]);
    const fin = await send(m, 'step', [id, t[1]!, 3n]);
    expect(fin.status).toBe(1);
    expect(fin.logs.find((l) => l.name === 'SessionResult')!.args).toEqual({ id, outputHash: keccak256(t[2]!), argmax: argmaxOf(t[2]!, 'int8'), output: hexlify(t[2]!) });
  });

  it('a split layer: ranges in order, then the full tensor is checked chunk by chunk', async () => {
    const id = await start();
    expectRevert(await send(m, 'stepRange', [id, x, 8n, 16n]), 'RangeInvalid', [8n, 16n, 0n, 40n]);
    expectRevert(await send(m, 'stepRange', [id, x, 0n, 0n]), 'RangeInvalid', [0n, 0n, 0n, 40n]);
    expectRevert(await send(m, 'stepRange', [id, x, 0n, 41n]), 'RangeInvalid', [0n, 41n, 0n, 40n]);
    const p = { outer: 1, units: 40, unitBytes: 1 };
    let fold = ZeroHash;
    for (const [from, to] of [[0, 13], [13, 32], [32, 40]] as const) {
      if (from === 13) expectRevert(await send(m, 'step', [id, t[1]!, 3n]), 'SplitInProgress', [1n, 13n, 40n]);
      const r = await send(m, 'stepRange', [id, x, BigInt(from), BigInt(to)]);
      expect(r.status).toBe(1);
      const ch = keccak256(rangeChunk(p, t[1]!, from, to));
      expect(r.logs.find((l) => l.name === 'SessionRange')!.args).toEqual({ id, node: 1n, from: BigInt(from), to: BigInt(to), chunkHash: ch });
      fold = foldChunk(fold, from, to, ch);
    }
    expect(((await chain.call<unknown[]>(m, model.abi, 'session', [id])).value as unknown[])[5]).toBe(fold);
    expect((await chain.call<bigint[]>(m, model.abi, 'chunkEnds', [id])).value).toEqual([13n, 32n, 40n]);
    // All units done: no more ranges.
    expectRevert(await send(m, 'stepRange', [id, x, 40n, 41n]), 'RangeInvalid', [40n, 41n, 40n, 40n]);
    // A forged assembled tensor (one byte changed inside the second chunk) fails the fold.
    const forged = Uint8Array.from(t[1]!);
    forged[20] ^= 1;
    const r = await send(m, 'step', [id, forged, 3n]);
    expectRevert(r, 'CommitmentMismatch');
    expect(r.revert?.args[0]).toBe(fold);
    expectRevert(await send(m, 'step', [id, t[1]!.subarray(1), 3n]), 'OutputLengthMismatch', [1n, 40n, 39n]);
    // The true tensor passes; the same step runs node 2 and finishes with the oracle's output.
    const ok = await send(m, 'step', [id, t[1]!, 3n]);
    expect(ok.status).toBe(1);
    expect(ok.logs.find((l) => l.name === 'SessionResult')!.args).toMatchObject({ output: hexlify(t[2]!) });
    expect(hexlify(t[2]!)).toBe((await chain.call<string>(m, model.abi, 'infer', [x])).value);
  });

  it('after a split, a step to the same node only records the checked tensor', async () => {
    const id = await start();
    expect((await send(m, 'stepRange', [id, x, 0n, 40n])).status).toBe(1);
    const r = await send(m, 'step', [id, t[1]!, 2n]);
    expect(r.logs.find((l) => l.name === 'SessionStep')!.args).toEqual({ id, fromNode: 2n, toNode: 2n, commitment: keccak256(t[1]!) });
    // The next split (of node 2) starts afresh from the new commitment.
    expect((await send(m, 'stepRange', [id, t[1]!, 0n, 5n])).status).toBe(1);
    expect((await send(m, 'stepRange', [id, t[1]!, 5n, 8n])).status).toBe(1);
    expect((await chain.call<bigint[]>(m, model.abi, 'chunkEnds', [id])).value).toEqual([5n, 8n]);
    const fin = await send(m, 'step', [id, t[2]!, 3n]);
    expect(fin.logs.find((l) => l.name === 'SessionResult')!.args).toMatchObject({ outputHash: keccak256(t[2]!) });
  });

  it('rows > 1: chunks are strided sub-blocks of the [rows, N] output', async () => {
    // A Dense over a [3, 20] sequence (Keras Dense on the last axis): splitting the 12 units gives
    // [3, to − from] chunks that the final step gathers from the full [3, 12] tensor.
    const base = mlp({ mode: 'int8', dims: [20, 12], seed: 12 });
    const r = uniform(5);
    const d = quantizeDense(
      { K: 20, N: 12, kernel: Array.from({ length: 240 }, () => r() * 0.8), bias: Array.from({ length: 12 }, () => r() * 0.2), activation: { name: 'relu' } },
      { mode: 'int8', rows: 3, input: base.inQuant, output: activationParams(0, 2) },
    );
    const spec: ModelSpec = { mode: 'int8', inputShape: [3, 20], input: base.inQuant, layers: [denseLayer(d)] };
    const mm = await deploy(spec);
    const xs = Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256);
    const out = oracleInfer(oracle, spec, xs);
    expect(out.length).toBe(36);
    const id = ((await send(mm, 'startSession', [xs])).logs.find((l) => l.name === 'SessionStarted')!.args as Record<string, unknown>).id as bigint;
    const p = { outer: 3, units: 12, unitBytes: 1 };
    for (const [from, to] of [[0, 5], [5, 12]] as const) {
      const rr = await send(mm, 'stepRange', [id, xs, BigInt(from), BigInt(to)]);
      expect((rr.logs.find((l) => l.name === 'SessionRange')!.args as Record<string, unknown>).chunkHash).toBe(keccak256(rangeChunk(p, out, from, to)));
    }
    const fin = await send(mm, 'step', [id, out, 2n]);
    expect(fin.status).toBe(1);
    expect(fin.logs.find((l) => l.name === 'SessionResult')!.args).toMatchObject({ output: hexlify(out) });
  });
});
