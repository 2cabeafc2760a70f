/**
 * The profiler (docs/bench.md, docs/model-contract.md §5): per-layer gas from `profileModel` (the
 * model's own gasleft() checkpoints, no step listener) against the whole `infer` call, and the on-demand
 * per-opcode breakdown (`traceOpcodes`, src/simulator/opcodes.ts) against the same call's gas used; the
 * `nnchain profile` command's help and its one-line error for a bad model path.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { modelSamples, quantizeForChain } from '../../src/harness/cli/commands/profile.ts';
import { importModel } from '../../src/harness/import/index.ts';
import { deployQuantized, modelArtifact, profileModel, type DeployedQuantized, type ModelProfile } from '../../src/harness/model-chain/index.ts';
import { encodeModelInput } from '../../src/harness/quantize/index.ts';
import { createChain, traceOpcodes, type Chain } from '../../src/simulator/index.ts';

const CLI = join(REPO_ROOT, 'bin', 'nnchain.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

describe('profile: the MNIST MLP (int8) on the ethereum profile', () => {
  let chain: Chain;
  let d: DeployedQuantized;
  let input: Uint8Array;
  let prof: ModelProfile;
  let inferGas: bigint;
  const mi = () => new Interface(modelArtifact().abi as never);
  const inferData = () => mi().encodeFunctionData('infer', [input]);

  beforeAll(async () => {
    const ir = await importModel(join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json'));
    const qm = quantizeForChain(ir, 'int8');
    chain = await createChain({ profile: 'ethereum' });
    d = await deployQuantized(chain, qm);
    input = encodeModelInput(qm, modelSamples(ir, 1, 'test')[0]!);
    prof = await profileModel(chain, d.model.address, input, { probeAbove: 1n << 40n });
    const r = await chain.callRaw(d.model.address, inferData(), { gasLimit: 1n << 36n });
    expect(r.ok).toBe(true);
    inferGas = r.gasUsed;
  }, 120_000);

  it('per-layer gas sums to the infer gas minus the model overhead (0 < overhead ≤ profile.overhead)', () => {
    expect(prof.nodes).toHaveLength(2);
    const layers = prof.nodes.reduce((s, n) => s + n.gas, 0n);
    const overhead = inferGas - layers;
    // `overhead` = config load/decode and dispatch of one model call; profile.overhead is its maximum
    // over the one-node inferLayers calls, which also decode their `live` tensors.
    expect(overhead).toBeGreaterThan(0n);
    expect(overhead).toBeLessThanOrEqual(prof.overhead);
    expect(Number(overhead)).toBeLessThan(Number(inferGas) * 0.05);
    // Every node's one-node call = its layer gas + that call's own overhead.
    for (const n of prof.nodes) expect(n.callGas - n.gas).toBeLessThanOrEqual(prof.overhead);
  });

  it('the per-opcode breakdown sums exactly to the call gas; per node it is the layer frames inside the node gas', async () => {
    const layerAddrs = new Set(d.built.config.nodes.map((n) => n.layer.toLowerCase()));
    let k = 0;
    const { result, trace } = await traceOpcodes(chain, () => chain.callRaw(d.model.address, inferData(), { gasLimit: 1n << 36n }), {
      rootLabel: 'model',
      callLabel: (a) => (layerAddrs.has(a) ? `node ${++k}` : undefined),
    });
    expect(chain.vm.evm.events!.listenerCount('step')).toBe(0); // detached again
    expect(result.gasUsed).toBe(inferGas); // tracing does not change gas
    // A view call has no intrinsic gas, no precompile is called, memory expansion is charged to the
    // expanding opcode: Σ step gas = executionGasUsed exactly.
    expect(trace.gas).toBe(result.gasUsed);
    expect(trace.ops.some((o) => o.op.startsWith('PRECOMPILE'))).toBe(false);
    expect(trace.segments.reduce((s, x) => s + x.gas, 0n)).toBe(trace.gas);
    expect(trace.ops.reduce((s, o) => s + o.count, 0)).toBe(trace.steps);
    for (const n of prof.nodes) {
      const seg = trace.segments.find((s) => s.label === `node ${n.node}`)!;
      expect(seg).toBeDefined();
      // The node gas (gasleft() around the layer call in NNModel) = the layer contract's frames + the
      // model's side of the call (argument encoding, STATICCALL, return decoding): a few thousand gas.
      expect(seg.gas).toBeLessThan(n.gas);
      expect(n.gas - seg.gas).toBeLessThan(20_000n);
    }
    const model = trace.segments.find((s) => s.label === 'model')!;
    expect(model.ops.find((o) => o.op === 'STATICCALL')?.count).toBe(2);
  }, 120_000);
});

describe('nnchain profile (child process)', () => {
  it('--help documents the options and exits 0', () => {
    const r = cli('profile', '--help');
    expect(r.status).toBe(0);
    for (const opt of ['--mode', '--profile', '--opcodes', '--json']) expect(r.stdout).toContain(opt);
  });

  it('a bad model path is one line on stderr and exit code 2', () => {
    const r = cli('profile', join(REPO_ROOT, 'no-such-model.json'));
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nnchain: model file .*no-such-model\.json does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad mode is one line and exit code 2', () => {
    const r = cli('profile', join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json'), '--mode', 'int4');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
