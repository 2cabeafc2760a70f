/**
 * Whole-model benchmarks: the solearn fixtures of the original design (../shared/solearn-models, or
 * $SOLEARN_MODELS_DIR) and the two demo models (examples/mnist-mlp, examples/mnist-cnn), each in int8 and
 * q32, deployed as `NNModel`s on an embedded chain with the `ethereum` profile (24,576-byte code limit,
 * 16,777,216 gas per transaction):
 *
 * - `quantizeModel` (int8 calibrated on sample inputs, see `modelSamples`) → `deployQuantized`;
 * - inference gas = the `infer` view call's gas (execution only, no intrinsic gas), with the per-layer
 *   sum of `profileModel`; the output bytes must equal `oracleInfer` (else the row is a failure, and no
 *   figure is taken from it);
 * - deploy gas (model, config segment, setConfig, weight upload, seal; the shared layer contracts are
 *   not counted) and weight upload gas per parameter; transactions of the deploy and of the inference
 *   plan (`planInference` under the 16,777,216-gas cap);
 * - the ratio to the original design's published figures (solearn README: nft_mlp 12.27 M,
 *   nft_cnn 15.10 M, cifar 1,960.6 M gas per inference; 7,900–15,000 gas per weight).
 *
 * A model the pipeline cannot take yet (an unsupported layer, quantizer or contract) is a `skipped` row
 * with the reason — never a number.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBytes, hexlify, Interface } from 'ethers';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { layerMacsOf, modelSamples, quantizeForChain } from '../../src/harness/cli/commands/profile.ts';
import { importModel } from '../../src/harness/import/index.ts';
import type { ModelIR } from '../../src/harness/model/ir.ts';
import { deployQuantized, modelArtifact, oracleInfer, planInference, profileModel, quantizedModelSpec, type DeployedLayer } from '../../src/harness/model-chain/index.ts';
import type { Oracle } from '../../src/harness/oracle.ts';
import { encodeModelInput, argmax, decodeModelOutput, type QuantizedModel } from '../../src/harness/quantize/index.ts';
import { loadMnist } from '../../src/harness/data/mnist.ts';
import { createChain, maxTxGas, type Chain } from '../../src/simulator/index.ts';

export const SOLEARN_DIR = resolve(process.env.SOLEARN_MODELS_DIR ?? join(REPO_ROOT, '..', 'shared', 'solearn-models'));

/** The original design's published gas per weight (upload), low and high end. */
export const ORIGINAL_GAS_PER_WEIGHT: [number, number] = [7_900, 15_000];

export interface ModelCase {
  id: string;
  file: string;
  group: 'solearn' | 'demo';
  /** The original design's gas per inference (solearn README), when published. */
  originalGas?: number;
  /** Sequence length for a model with a dynamic input length (token models). */
  sequenceLength?: number;
}

export function modelCases(): ModelCase[] {
  const s = (f: string) => join(SOLEARN_DIR, f);
  return [
    { id: 'nft_mlp_10x10', file: s('nft_mlp_10x10.json'), group: 'solearn', originalGas: 12_270_000 },
    { id: 'nft_cnn_10x10_small', file: s('nft_cnn_10x10_small.json'), group: 'solearn', originalGas: 15_100_000 },
    { id: 'cifar_cnn_32x32', file: s('cifar_cnn_32x32.json'), group: 'solearn', originalGas: 1_960_600_000 },
    { id: 'shakespeare_lstm_mini', file: s('shakespeare_lstm_mini.json'), group: 'solearn', sequenceLength: 16 },
    { id: 'mnist-mlp', file: join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json'), group: 'demo' },
    { id: 'mnist-cnn', file: join(REPO_ROOT, 'examples', 'mnist-cnn', 'model.json'), group: 'demo' },
  ];
}

export type ModelRow = {
  id: string;
  mode: 'int8' | 'q32';
  originalGas?: number;
} & (
  | {
      status: 'ok' | 'mismatch';
      params: number;
      macs: number;
      /** Gas of the `infer` view call (execution only). */
      inferGas: number;
      /** Σ per-layer gas of `profileModel` (each node's layer call, measured inside the model). */
      layersGas: number;
      /** Deploy gas without the shared layer contracts. */
      deployGas: number;
      uploadGas: number;
      deployTxs: number;
      inferTxs: number;
      inferSingleTx: boolean;
      /** Gas of the one `classify` transaction (intrinsic included) when the plan is a single transaction. */
      classifyTxGas?: number;
      layerTypes: string[];
    }
  | { status: 'skipped'; reason: string; absent?: boolean }
);

/** The first line of an error message, shortened: the reason of a skipped row. */
function reason(e: unknown): string {
  const m = (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e)).split('\n')[0]!.trim();
  return m.length > 160 ? `${m.slice(0, 157)}…` : m;
}

export interface ModelBench {
  rows: ModelRow[];
  /** int8 oracle accuracy of the MNIST CNN on the 2,000 held-out digits (%), when it quantizes. */
  mnistCnnAccuracy?: number;
  mnistCnnAccuracyNote: string;
}

/** Run every model case in both modes; `log` gets one progress line per step. */
export async function modelBench(oracle: Oracle, log: (s: string) => void): Promise<ModelBench> {
  const chain = await createChain({ profile: 'ethereum' });
  const layers: Record<string, DeployedLayer> = {};
  const rows: ModelRow[] = [];
  let mnistCnnAccuracy: number | undefined;
  let mnistCnnAccuracyNote = '';
  const cases = modelCases();
  let k = 0;
  for (const c of cases) {
    if (!existsSync(c.file)) {
      for (const mode of ['int8', 'q32'] as const) rows.push({ id: c.id, mode, originalGas: c.originalGas, status: 'skipped', reason: `${c.file} absent (set SOLEARN_MODELS_DIR)`, absent: true });
      k += 2;
      continue;
    }
    let ir: ModelIR;
    try {
      ir = await importModel(c.file, c.sequenceLength ? { sequenceLength: c.sequenceLength } : {});
    } catch (e) {
      for (const mode of ['int8', 'q32'] as const) rows.push({ id: c.id, mode, originalGas: c.originalGas, status: 'skipped', reason: `import: ${reason(e)}` });
      k += 2;
      continue;
    }
    for (const mode of ['int8', 'q32'] as const) {
      k++;
      log(`[${k}/${cases.length * 2}] ${c.id} ${mode}`);
      let qm: QuantizedModel;
      try {
        qm = quantizeForChain(ir, mode === 'q32' ? 'q' : 'int8');
      } catch (e) {
        rows.push({ id: c.id, mode, originalGas: c.originalGas, status: 'skipped', reason: `quantize: ${reason(e)}` });
        continue;
      }
      if (c.id === 'mnist-cnn' && mode === 'int8') {
        const acc = accuracy(oracle, qm);
        mnistCnnAccuracy = acc.percent;
        mnistCnnAccuracyNote = acc.note;
      }
      try {
        rows.push(await runModel(chain, oracle, layers, c, ir, qm, mode));
      } catch (e) {
        rows.push({ id: c.id, mode, originalGas: c.originalGas, status: 'skipped', reason: reason(e) });
      }
    }
  }
  if (mnistCnnAccuracy === undefined) mnistCnnAccuracyNote = 'not measured: the MNIST CNN does not quantize to int8 yet';
  return { rows, mnistCnnAccuracy, mnistCnnAccuracyNote };
}

async function runModel(
  chain: Chain,
  oracle: Oracle,
  layers: Record<string, DeployedLayer>,
  c: ModelCase,
  ir: ModelIR,
  qm: QuantizedModel,
  mode: 'int8' | 'q32',
): Promise<ModelRow> {
  const before = chain.blockNumber();
  const have = Object.keys(layers).length;
  const d = await deployQuantized(chain, qm, { layers });
  Object.assign(layers, d.layers);
  // One transaction per block on the embedded chain; the fresh shared layer contracts are not the model's.
  const deployTxs = Number(chain.blockNumber() - before) - (Object.keys(d.layers).length - have);
  const g = d.model.gas;
  const deployGas = g.model + g.configSegment + g.setConfig + g.upload + g.seal;
  const input = encodeModelInput(qm, modelSamples(ir, 1, 'test')[0]!);
  const mi = new Interface(modelArtifact().abi as never);
  const view = await chain.callRaw(d.model.address, mi.encodeFunctionData('infer', [input]), { gasLimit: 1n << 36n });
  if (!view.ok) throw new Error(`infer reverted: ${view.error?.message ?? 'unknown'}`);
  const out = getBytes(mi.decodeFunctionResult('infer', view.returnData)[0] as string);
  const want = oracleInfer(oracle, quantizedModelSpec(qm), input);
  const cap = maxTxGas(chain.profile);
  const prof = await profileModel(chain, d.model.address, input, { probeAbove: cap / 4n });
  const plan = planInference(prof, { cap });
  let classifyTxGas: number | undefined;
  if (plan.single) {
    const tx = await chain.send(d.model.address, modelArtifact().abi, 'classify', [input], { gasLimit: cap });
    if (tx.status !== 1) throw new Error(`classify reverted: ${tx.revert?.message ?? 'unknown'}`);
    classifyTxGas = Number(tx.gasUsed);
  }
  return {
    id: c.id,
    mode,
    originalGas: c.originalGas,
    status: hexlify(out) === hexlify(want) ? 'ok' : 'mismatch',
    params: ir.params,
    macs: layerMacsOf(ir, qm).reduce((a, b) => a + b, 0),
    inferGas: Number(view.gasUsed),
    layersGas: Number(prof.nodes.reduce((s, n) => s + n.gas, 0n)),
    deployGas: Number(deployGas),
    uploadGas: Number(g.upload),
    deployTxs,
    inferTxs: plan.txs.length,
    inferSingleTx: plan.single,
    classifyTxGas,
    layerTypes: [...new Set(qm.layers.map((l) => l.type))],
  };
}

/** int8 oracle top-1 accuracy on the 2,000 held-out MNIST digits (the chain matches the oracle bit for bit). */
function accuracy(oracle: Oracle, qm: QuantizedModel): { percent?: number; note: string } {
  const test = loadMnist().test;
  const spec = quantizedModelSpec(qm);
  let correct = 0;
  try {
    for (let i = 0; i < test.images.length; i++) {
      const out = oracleInfer(oracle, spec, encodeModelInput(qm, test.images[i]!));
      if (argmax(decodeModelOutput(qm, out)) === test.labels[i]) correct++;
    }
  } catch (e) {
    return { note: `not measured: ${reason(e)}` };
  }
  const percent = Number(((correct / test.images.length) * 100).toFixed(2));
  return { percent, note: `${correct} / ${test.images.length} held-out digits, int8 oracle (${qm.calibration})` };
}
