/**
 * `npm run demo` — the main job on the embedded chain.
 *
 * 1. The feasibility report (src/harness/report) of the MNIST CNN (examples/mnist-cnn; the MNIST MLP,
 *    examples/mnist-mlp, if a CNN layer could not run on chain) on the `ethereum` profile, both number
 *    modes, on all 2,000 held-out digits: per-layer gas, deployment and inference plans, float32
 *    vs oracle accuracy and agreement, per-layer error, EVM vs oracle bytes, a verdict per profile.
 * 2. One real on-chain inference: the int8 model deployed and sealed as an `NNModel` on a fresh
 *    `ethereum` chain, a held-out digit classified by the transactions the planner chooses (one
 *    `classify`, or a session), the output checked against the oracle byte for byte.
 * Everything is deterministic (fixed data split, fixed calibration digits).
 */
import { join } from 'node:path';
import { hexlify } from 'ethers';
import { REPO_ROOT } from '../compile.ts';
import { loadMnist } from '../data/mnist.ts';
import { importModel } from '../import/index.ts';
import { deployQuantized, describeTx, executePlan, layerKinds, oracleInfer, quantizedModelSpec } from '../model-chain/index.ts';
import { ModelConfigError } from '../model-chain/config.ts';
import { loadOracle } from '../oracle.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { argmax, decodeModelOutput, encodeModelInput } from '../quantize/io.ts';
import { quantizeModel } from '../quantize/model.ts';
import { buildReport, renderMarkdown } from '../report/index.ts';
import { createChain } from '../../simulator/index.ts';

/** Held-out digits evaluated in both modes: all 2,000 of the fixed split. */
const SAMPLES = 2000;
const CALIBRATION = 200;
const fmt = (n: number | bigint) => n.toLocaleString('en-US');

/** The CNN when every one of its layers runs on chain, else the MLP (with the reason). */
async function pickModel(): Promise<{ path: string; note?: string }> {
  const cnn = join(REPO_ROOT, 'examples', 'mnist-cnn', 'model.json');
  const mlp = join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json');
  try {
    const ir = await importModel(cnn);
    layerKinds(quantizeModel(ir, { mode: 'int8', samples: loadMnist().train.images.slice(0, 4) }));
    return { path: cnn };
  } catch (e) {
    if (e instanceof QuantizationError || e instanceof ModelConfigError) return { path: mlp, note: `the MNIST CNN cannot run on chain yet (${e.message}); showing the MNIST MLP` };
    throw e;
  }
}

async function classifySection(path: string): Promise<boolean> {
  const ir = await importModel(path);
  const data = loadMnist();
  const qm = quantizeModel(ir, { mode: 'int8', samples: data.train.images.slice(0, CALIBRATION) });
  const chain = await createChain({ profile: 'ethereum' });
  const deployed = await deployQuantized(chain, qm, { seal: true });
  const i = 7;
  const pixels = data.test.images[i]!;
  const input = encodeModelInput(qm, pixels);
  const ex = await executePlan(chain, deployed.model.address, input);
  const expected = oracleInfer(await loadOracle(), quantizedModelSpec(qm), input);
  const exact = hexlify(ex.output) === hexlify(expected);
  const scores = decodeModelOutput(qm, ex.output);
  console.log(`\n## One real on-chain inference (int8, ethereum profile)\n`);
  console.log(`- model ${ir.name} deployed and sealed at ${deployed.model.address} (weights root ${deployed.model.upload.weightsRoot.slice(0, 18)}…)`);
  console.log(`- held-out digit #${i} (label ${data.test.labels[i]}): ${ex.txs.length} transaction${ex.txs.length === 1 ? '' : 's'}, ${fmt(ex.totalGas)} gas`);
  for (const t of ex.txs) console.log(`  - ${describeTx(t.tx)} ${t.txHash.slice(0, 18)}… ${fmt(t.gasUsed)} gas`);
  console.log(`- the chain says ${ex.argmax} (scores argmax ${argmax(scores)}); output bytes ${exact ? 'equal the oracle bit for bit' : 'DIFFER from the oracle'}`);
  return exact && Number(ex.argmax) === argmax(decodeModelOutput(qm, expected));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log('nnchain demo — a real MNIST model quantized, deployed and run on an embedded ethereumjs chain, checked against the WebAssembly oracle\n');
  const { path, note } = await pickModel();
  if (note) console.log(`(${note})\n`);
  const report = await buildReport(path, { profile: 'ethereum', modes: ['int8', 'q32'], data: 'mnist', samples: SAMPLES, calibration: CALIBRATION, chainSamples: 2 });
  console.log(renderMarkdown(report));
  const exact = report.modes.every((m) => m.bitExact.mismatches === 0 && m.bitExact.layerMismatches === 0 && (m.inference.error !== undefined || m.inference.outputMatchesOracle));
  const ok = (await classifySection(path)) && exact;
  console.log(`\n${ok ? 'every on-chain result equals the oracle bit for bit' : 'MISMATCH between the chain and the oracle'}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!ok) process.exit(1);
}

await main();
