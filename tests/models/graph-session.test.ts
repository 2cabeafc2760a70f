/**
 * Sessions on graph models (docs/model-contract.md "Graph sessions"): between transactions the contract
 * keeps only the hash of the *live set* — the tensors of earlier nodes that later nodes still read — and
 * `stepGraph` / `stepRangeGraph` accept exactly those tensors. Checked here on a Dense graph whose live
 * sets hold two tensors (the model input is carried past two nodes), under a cap that forces a split:
 * the multi-transaction result equals `infer` and the oracle bit for bit, `liveIds` matches its TS twin,
 * and forged or missing live tensors, and the one-tensor `step`, are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexlify, keccak256 } from 'ethers';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import {
  buildModel,
  deployLayers,
  deployModel,
  describeTx,
  executePlan,
  layerAddresses,
  liveHash,
  liveIds,
  liveTensors,
  modelArtifact,
  oracleInfer,
  oracleInferAll,
  planInference,
  profileModel,
  type ModelSpec,
} from '../../src/harness/model-chain/index.ts';
import type { Artifact } from '../../src/harness/compile.ts';
import { argmaxOf, mlp, mlpInput, eventArg } from './helpers.ts';
import { expectRevert } from '../helpers/receipts.ts';

let chain: Chain;
let oracle: Oracle;
let model: Artifact;
let addrs: Record<string, string>;

beforeAll(async () => {
  model = modelArtifact();
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  addrs = layerAddresses(await deployLayers(chain, ['Dense']));
});


/**
 * node 1 = Dense(x) 256→160, node 2 = Dense(node 1) 160→64, node 3 = Dense(x) 256→64 (reads the input
 * again), node 4 = Dense(node 2) 64→10. Live sets: before 1 [0]; before 2 [0, 1]; before 3 [0, 2];
 * before 4 [2]; at the end [4]. (Node 3 is computed and dropped: a graph shape, not a useful model —
 * enough Dense-only structure to exercise multi-tensor live sets and a split inside one.)
 */
function graphSpec(mode: 'int8' | 'q'): ModelSpec & { inQuant: { scale: number; zeroPoint: number } } {
  const a = mlp({ mode, dims: [256, 160, 64, 10], seed: 31 });
  const b = mlp({ mode, dims: [256, 64], seed: 32 });
  const [d1, d2, d4] = a.layers;
  return { ...a, layers: [d1!, { ...d2!, inputs: [1] }, { ...b.layers[0]!, inputs: [0] }, { ...d4!, inputs: [2] }] };
}

describe.each(['int8', 'q'] as const)('graph sessions, %s', (mode) => {
  const spec = graphSpec(mode);
  let m: string;
  beforeAll(async () => {
    m = (await deployModel(chain, buildModel(spec, addrs))).address;
  });

  it('liveIds (contract) == liveIds (TS) == the ids later nodes read', async () => {
    const built = buildModel(spec, addrs);
    const expected = [[0], [0, 1], [0, 2], [2], [4]];
    for (let p = 1; p <= 5; p++) {
      const onChain = (await chain.call<bigint[]>(m, model.abi, 'liveIds', [BigInt(p)])).value.map(Number);
      expect(onChain).toEqual(expected[p - 1]);
      expect(liveIds(built.config, p)).toEqual(expected[p - 1]);
    }
  });

  it('a cap that forces a split: stepGraph / stepRangeGraph result == infer == oracle', async () => {
    const x = mlpInput(spec, 5);
    const expected = oracleInfer(oracle, spec, x);
    expect((await chain.call<string>(m, model.abi, 'infer', [x])).value).toBe(hexlify(expected));
    const profile = await profileModel(chain, m, x);
    expect(profile.sequential).toBe(false);
    expect(profile.tensors.map((t) => hexlify(t))).toEqual(oracleInferAll(oracle, spec, x).map((t) => hexlify(t)));
    // Budget below node 1's gas (the largest node) so it must be split; a generous cap is one classify.
    const big = profile.nodes[0]!.gas;
    const cap = (big * 10n) / 9n;
    const plan = planInference(profile, { cap });
    expect(plan.single).toBe(false);
    expect(plan.txs.filter((t) => t.kind === 'range').length).toBeGreaterThanOrEqual(2);
    expect(plan.txs.some((t) => t.kind === 'step' && t.afterSplit)).toBe(true);
    expect(planInference(profile).single).toBe(true);
    const res = await executePlan(chain, m, x, { cap, profile, plan });
    expect(hexlify(res.output)).toBe(hexlify(expected));
    expect(res.argmax).toBe(argmaxOf(expected, mode));
    for (const t of res.txs) expect(t.gasUsed).toBeLessThanOrEqual(cap);
    const s = (await chain.call<unknown[]>(m, model.abi, 'session', [res.sessionId!])).value;
    expect(s[1]).toBe(5n);
    expect(s[4]).toBe(keccak256(expected));
    console.log(
      [`${mode} graph session under a ${cap}-gas cap: ${res.txs.length} txs, ${res.totalGas} gas`, ...res.txs.map((t) => `  ${describeTx(t.tx).padEnd(40)} used ${t.gasUsed}`)].join('\n'),
    );
  });

  it('only the committed live set is accepted; the one-tensor step refuses graphs', async () => {
    const x = mlpInput(spec, 6);
    const profile = await profileModel(chain, m, x);
    const start = await chain.send(m, model.abi, 'startSession', [x]);
    expect(start.status).toBe(1);
    const id = eventArg<bigint>(start, 'SessionStarted', 'id');
    expectRevert(await chain.send(m, model.abi, 'step', [id, x, 2n]), 'GraphSessionsUnsupported');
    expectRevert(await chain.send(m, model.abi, 'stepRange', [id, x, 0n, 1n]), 'GraphSessionsUnsupported');
    // Node 1 → the live set before node 2 is [input, node 1].
    const s1 = await chain.send(m, model.abi, 'stepGraph', [id, [x], 2n]);
    expect(s1.status).toBe(1);
    const live2 = liveTensors(profile, 2);
    expect(eventArg(s1, 'SessionStep', 'commitment')).toBe(liveHash(live2));
    // Missing a tensor, a forged tensor, swapped order: refused.
    expectRevert(await chain.send(m, model.abi, 'stepGraph', [id, [live2[1]!], 3n]), 'LiveSetMismatch');
    const forged = Uint8Array.from(live2[1]!);
    forged[0] ^= 1;
    expectRevert(await chain.send(m, model.abi, 'stepGraph', [id, [live2[0]!, forged], 3n]), 'CommitmentMismatch');
    expectRevert(await chain.send(m, model.abi, 'stepRangeGraph', [id, [live2[0]!, forged], 0n, 1n]), 'CommitmentMismatch');
    expectRevert(await chain.send(m, model.abi, 'stepGraph', [id, [live2[1]!, live2[0]!], 3n]), 'CommitmentMismatch');
    // The honest live set runs to the end.
    const s2 = await chain.send(m, model.abi, 'stepGraph', [id, live2, 5n]);
    expect(s2.status).toBe(1);
    expect(eventArg(s2, 'SessionResult', 'output')).toBe(hexlify(oracleInfer(oracle, spec, x)));
  });
});

describe('stepGraph on a sequential model is step with live = [tensor]', () => {
  it('same commitments and result as step', async () => {
    const spec = mlp({ mode: 'int8', dims: [48, 40, 8], seed: 8 });
    const m = (await deployModel(chain, buildModel(spec, addrs))).address;
    const x = mlpInput(spec, 3);
    const t = oracleInferAll(oracle, spec, x);
    const start = await chain.send(m, model.abi, 'startSession', [x]);
    const id = eventArg<bigint>(start, 'SessionStarted', 'id');
    const a = await chain.send(m, model.abi, 'stepGraph', [id, [x], 2n]);
    expect(eventArg(a, 'SessionStep', 'commitment')).toBe(keccak256(t[1]!));
    const b = await chain.send(m, model.abi, 'step', [id, t[1]!, 3n]);
    expect(eventArg(b, 'SessionResult', 'output')).toBe(hexlify(t[2]!));
  });
});
