/**
 * The report's measurements on the embedded chain, for one quantized model:
 *
 * - deployment: `deployQuantized` on a fresh chain of the requested profile (shared layer contracts,
 *   model, config segment, setConfig, weight upload, seal); every mined transaction's receipt is read
 *   back from the chain (one transaction per block), so the deploy gas is the sum of receipts. A
 *   deployment the profile refuses (a transaction over its cap, code over its size limit) is measured
 *   again on `unlimited` and reported as refused.
 * - per-layer gas: `profileModel` (one `inferLayers` view per node; the layer gas measured inside the
 *   model), and whether each layer fits one session step under the budget.
 * - inference: `planInference` under the profile's cap, then `executePlan` sends the transactions for
 *   sample 0 (`classify`, or a session) and their receipts give the gas; its output is compared with the
 *   oracle's bytes.
 * - bit-exactness: the chain samples through `NNModel.infer` (view) against the oracle's output bytes,
 *   and every node's output of sample 0 (from the profile) against the oracle's tensors.
 * - verdicts: the same measurements against every built-in profile's limits (gas is priced the same on
 *   all of them; only the limits differ).
 */
import { Interface, getBytes, hexlify } from 'ethers';
import { createChain, getProfile, maxTxGas, PROFILE_NAMES, type Chain, type ChainProfile } from '../../simulator/index.ts';
import { DeployFailedError, TxRejectedError } from '../../simulator/errors.ts';
import {
  deployQuantized,
  describeTx,
  executePlan,
  modelArtifact,
  PlanError,
  planInference,
  profileModel,
  SESSION_GAS,
  txGas,
  type InferencePlan,
  type ModelProfile,
} from '../model-chain/index.ts';
import type { QuantizedModel } from '../quantize/model.ts';
import type { DeployReport, DeployTx, InferenceReport, BitExactReport, ProfileVerdict } from './types.ts';

/** Gas limit of the view calls that check samples (views are not bound by the transaction cap). */
const VIEW_GAS = 1n << 36n;
const MARGIN = 0.1;

export interface ChainMeasurement {
  deploy: Omit<DeployReport, 'cost' | 'gasPerParam' | 'weightsGasPerParam'>;
  profile: ModelProfile;
  /** Per on-chain layer (node order): estimated gas of a session step running it alone. */
  stepGas: bigint[];
  budget: bigint;
  inference: InferenceReport;
  bitExact: BitExactReport;
  verdicts: ProfileVerdict[];
}

export interface ChainOptions {
  profile: string;
  /** Sample inputs (encoded) with the oracle's tensors (tensors[0] = input, last = output). */
  samples: { input: Uint8Array; tensors: Uint8Array[] }[];
  onProgress?: (phase: string, done: number, total: number) => void;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const mgas = (g: bigint) => `${(Number(g) / 1e6).toFixed(2)} M gas`;

/** Label of a mined deployment transaction. */
function labelTx(data: string, to: string | undefined, created: string | undefined, names: Map<string, string>, mi: Interface): string {
  if (created) return names.get(created.toLowerCase()) ?? 'contract';
  try {
    const p = mi.parseTransaction({ data });
    if (p) return p.name;
  } catch {
    // not an NNModel call
  }
  return `call to ${to ?? '?'}`;
}

async function deployOn(chain: Chain, qm: QuantizedModel) {
  const b0 = chain.blockNumber();
  const d = await deployQuantized(chain, qm);
  const names = new Map<string, string>();
  for (const l of Object.values(d.layers)) names.set(l.address.toLowerCase(), `layer contract ${l.kind}`);
  names.set(d.model.address.toLowerCase(), 'NNModel');
  names.set(d.model.configSegment.toLowerCase(), d.model.configParts.length ? 'config manifest segment' : 'config segment');
  d.model.configParts.forEach((a, i) => names.set(a.toLowerCase(), `config segment ${i}`));
  d.model.upload.addresses.forEach((a, i) => names.set(a.toLowerCase(), `weight segment ${i}`));
  const mi = new Interface(modelArtifact().abi as never);
  const transactions: DeployTx[] = [];
  for (let b = b0 + 1n; b <= chain.blockNumber(); b++) {
    const t = chain.getBlock(b)?.tx;
    if (!t) continue;
    const created = t.receipt.contractAddress;
    const tx: DeployTx = { what: labelTx(hexlify(t.tx.data), t.tx.to?.toString(), created, names, mi), gas: t.receipt.gasUsed };
    if (created) tx.codeSize = (await chain.getCode(created)).length / 2 - 1;
    transactions.push(tx);
  }
  const layerContractsGas = Object.values(d.layers).reduce((s, l) => s + l.gasUsed, 0n);
  const g = d.model.gas;
  const gas = transactions.reduce((s, t) => s + t.gas, 0n);
  return {
    d,
    deploy: {
      gas,
      txs: transactions.length,
      layerContractsGas,
      modelGas: g.model + g.configSegment + g.setConfig + g.upload + g.seal,
      uploadGas: g.upload,
      segments: d.model.upload.segmentCount,
      weightBytes: d.built.weights.length,
      configBytes: d.built.blob.length,
      largestTxGas: transactions.reduce((m, t) => (t.gas > m ? t.gas : m), 0n),
      largestCodeSize: transactions.reduce((m, t) => Math.max(m, t.codeSize ?? 0), 0),
      transactions,
    },
  };
}

function planFor(profile: ModelProfile, cap: bigint): { plan?: InferencePlan; error?: string } {
  try {
    return { plan: planInference(profile, { cap, margin: MARGIN }) };
  } catch (e) {
    if (e instanceof PlanError) return { error: e.message };
    throw e;
  }
}

function verdictFor(p: ChainProfile, deploy: ChainMeasurement['deploy'], profile: ModelProfile, refusedHere: string | undefined): ProfileVerdict {
  const cap = maxTxGas(p);
  const problems: string[] = [];
  if (!p.deployable) problems.push('test profile, no real chain');
  if (refusedHere) problems.push(refusedHere);
  if (deploy.largestTxGas > cap) problems.push(`a deployment transaction needs ${mgas(deploy.largestTxGas)}, over the cap of ${mgas(cap)}`);
  if (p.codeSizeLimit !== null && deploy.largestCodeSize > p.codeSizeLimit) problems.push(`a contract of ${deploy.largestCodeSize} bytes exceeds the ${p.codeSizeLimit}-byte code limit`);
  const { plan, error } = planFor(profile, cap);
  const deployable = problems.length === 0;
  const inf = plan ? `inference in ${plan.txs.length} transaction${plan.txs.length === 1 ? '' : 's'} (≈ ${mgas(plan.estTotal)})` : `inference does not fit: ${error}`;
  const reason = deployable ? `deployable in ${deploy.txs} transactions; ${inf}` : `not deployable (${problems.join('; ')}); ${inf}`;
  return { profile: p.name, deployable, inferenceTxs: plan ? plan.txs.length : null, inferenceGas: plan ? plan.estTotal : null, reason };
}

/** Deploy, profile, plan and run `qm` on an embedded chain (see the module doc). */
export async function measureOnChain(qm: QuantizedModel, opts: ChainOptions): Promise<ChainMeasurement> {
  const requested = getProfile(opts.profile);
  let refused: string | undefined;
  let chain = await createChain({ profile: requested });
  let deployed;
  opts.onProgress?.('deploy', 0, 1);
  try {
    deployed = await deployOn(chain, qm);
  } catch (e) {
    if (!(e instanceof TxRejectedError || e instanceof DeployFailedError)) throw e;
    refused = `refused on ${requested.name}: ${(e as Error).message}`;
    chain = await createChain({ profile: 'unlimited' });
    deployed = await deployOn(chain, qm);
  }
  opts.onProgress?.('deploy', 1, 1);
  const address = deployed.d.model.address;
  const cap = maxTxGas(requested);
  const caps = PROFILE_NAMES.map((n) => maxTxGas(getProfile(n)));
  const minCap = caps.reduce((m, c) => (c < m ? c : m));
  const first = opts.samples[0];
  if (!first) throw new Error('measureOnChain needs at least one sample');

  // Per-layer gas (nodes over a quarter of the smallest cap are probed for splitting).
  const profile = await profileModel(chain, address, first.input, { probeAbove: minCap / 4n, callGasLimit: VIEW_GAS });
  const mi = new Interface(modelArtifact().abi as never);
  const budget = (cap * BigInt(Math.round((1 - MARGIN) * 1e6))) / 1_000_000n;
  const stepGas = profile.nodes.map((p, i) => txGas(mi.encodeFunctionData('step', [1n, profile.tensors[i]!, i + 2]), profile.overhead + SESSION_GAS.step + p.gas));

  let layersChecked = 0;
  let layerMismatches = 0;
  first.tensors.forEach((t, k) => {
    if (k === 0) return;
    layersChecked++;
    if (!same(t, profile.tensors[k]!)) layerMismatches++;
  });

  // Samples through the view `infer`.
  let mismatches = 0;
  let viewGas = 0n;
  for (const [i, s] of opts.samples.entries()) {
    const r = await chain.callRaw(address, mi.encodeFunctionData('infer', [s.input]), { gasLimit: VIEW_GAS });
    if (!r.ok) throw new Error(`infer of sample ${i} reverted: ${r.error?.message ?? 'unknown'}`);
    const out = getBytes(mi.decodeFunctionResult('infer', r.returnData)[0] as string);
    if (!same(out, s.tensors[s.tensors.length - 1]!)) mismatches++;
    if (i === 0) viewGas = r.gasUsed;
    opts.onProgress?.('chain samples', i + 1, opts.samples.length);
  }

  // The planned inference, sent as real transactions.
  const { plan, error } = planFor(profile, cap);
  let inference: InferenceReport;
  if (plan) {
    const ex = await executePlan(chain, address, first.input, { cap, margin: MARGIN, profile, plan });
    inference = {
      gas: ex.totalGas,
      txs: ex.txs.length,
      gasPerMac: 0,
      estGas: plan.estTotal,
      viewGas,
      single: plan.single,
      cap,
      budget: plan.budget,
      plan: ex.txs.map((t) => `${describeTx(t.tx)}: ${t.gasUsed} gas`),
      outputMatchesOracle: same(ex.output, first.tensors[first.tensors.length - 1]!),
    };
  } else {
    inference = { gas: 0n, txs: 0, gasPerMac: 0, estGas: 0n, viewGas, single: false, cap, budget, plan: [], outputMatchesOracle: false, error };
  }
  // A verdict for every real chain profile, plus the requested one (a test profile like `unlimited` is
  // only judged when asked for, and then says why it is not deployable).
  const verdicts = PROFILE_NAMES.filter((n) => getProfile(n).deployable || n === requested.name).map((n) => {
    const p = getProfile(n);
    return verdictFor(p, deployed.deploy, profile, p.name === requested.name ? refused : undefined);
  });
  return {
    deploy: { ...deployed.deploy, refused },
    profile,
    stepGas,
    budget,
    inference,
    bitExact: { checked: opts.samples.length, mismatches, layersChecked, layerMismatches },
    verdicts,
  };
}
