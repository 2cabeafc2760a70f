/**
 * Inference planning and execution for `NNModel` (docs/model-contract.md "Planner").
 *
 * 1. `profileModel(chain, model, input)`: runs every node once with `inferLayers(live, k, k + 1)` (a view
 *    call, one node at a time so no call exceeds what one node costs), which returns the node's output
 *    and the gas of its layer call measured in the contract (no EVM step listener). For nodes that may
 *    need splitting it also probes the layer contract directly with a few partial ranges
 *    `forwardRange(0, w)`: a piecewise linear model of a range's gas.
 * 2. `planInference(profile, { cap, margin })`: the per-transaction budget is `cap·(1 − margin)`.
 *    One `classify` transaction if the whole model fits; else a session: `startSession`, then greedy
 *    `step`s over node ranges, and for a node too large for one transaction `stepRange`s over output
 *    units (for layers that compute whole 32-unit blocks — Dense int8's SWAR panels, detected from the
 *    probes — chunk widths are a multiple of 32, or a power of two below 32, so no block is computed
 *    twice) followed by the `step` that checks the assembled tensor (and runs as many further nodes as
 *    fit).
 * 3. `executePlan(chain, model, input)`: profiles, plans and sends the transactions (each dry-run
 *    first with `simulateTx` unless `dryRun: false`; a transaction over the cap is an `ExecutionError`,
 *    never sent), checks every commitment the chain reports against the profiled tensors, and returns
 *    the output with the gas of every transaction.
 *
 * Transaction gas estimates = max(21,000 + calldata + execution, EIP-7623 floor) with execution =
 * the measured model overhead (config load and decode) + the nodes' measured gas + a fixed allowance
 * for the session's storage writes and events (`SESSION_GAS`). The allowances are deliberately
 * generous; the margin covers the rest and the dry run catches what the estimate misses.
 */
import { AbiCoder, Interface, getBytes, hexlify, keccak256 } from 'ethers';
import { maxTxGas, type Chain } from '../../simulator/index.ts';
import { calldataGas } from '../storage/index.ts';
import { decodeModelConfig, type ModelConfigData, type NodeEntry } from './config.ts';
import { modelArtifact } from './deploy.ts';

/** ILayer, as the planner calls it directly. */
export const ILAYER_ABI = [
  'function forward(bytes config, tuple(address[] segments, uint256 stride, uint256 offset, uint256 length) w, bytes[] inputs) view returns (bytes)',
  'function forwardRange(bytes config, tuple(address[] segments, uint256 stride, uint256 offset, uint256 length) w, bytes[] inputs, uint256 from, uint256 to) view returns (bytes)',
  'function units(bytes config) pure returns (uint256)',
  'function rangeLayout(bytes config) pure returns (uint256 outer, uint256 units, uint256 unitBytes)',
] as const;

/** Fixed execution allowances beyond the measured model overhead and node gas (see the module doc). */
export const SESSION_GAS = {
  /** startSession: session record (3 fresh slots), event. */
  start: 100_000n,
  /** step: session read and update (commitment, next), event, tensor hashing. */
  step: 40_000n,
  /** stepRange: session update, fold, chunk end, range layout call, event. */
  range: 40_000n,
  /** extra for the first range of a split: the fold slot and the first chunk-end word are fresh (0 → non-zero). */
  firstRange: 45_000n,
  /** The model's side of a direct layer call (argument encoding, STATICCALL, return copy): base + per byte of input tensor and config. */
  callBase: 5_000n,
  perArgByte: 10n,
  /** extra for the step after a split: layout call, gathering and hashing the chunks. */
  verify: 20_000n,
  /** classify: argmax, event with the output, binding lookup and fee payment. */
  classify: 40_000n,
} as const;

const TX_BASE = 21_000n;

export interface NodeProfile {
  node: number;
  layer: string;
  /** Gas of the node's layer call measured inside the model (`inferLayers`). */
  gas: bigint;
  /** Execution gas of the whole one-node `inferLayers` call. */
  callGas: bigint;
  outputBytes: number;
  /** The splittable axis: output = [outer][units][unitBytes] (`ILayer.rangeLayout`). */
  units: number;
  outer: number;
  unitBytes: number;
  /**
   * Direct-call gas of `forwardRange(0, w)` for w in {1, min(32, units − 1), ⌈units/2⌉, units − 1}
   * (when probed and splittable), ascending.
   */
  probe?: { points: [width: number, gas: bigint][] };
  /** false when probed and a partial range reverts (e.g. a softmax over the units) or units = 1. */
  splittable: boolean;
}

export interface ModelProfile {
  model: string;
  config: ModelConfigData;
  nodes: NodeProfile[];
  /** max over nodes of (callGas − gas): config load/decode and dispatch of one model call. */
  overhead: bigint;
  /** `tensors[0]` = the input, `tensors[k]` = the output of node k, for the profiled input. */
  tensors: Uint8Array[];
  segments: string[];
  stride: bigint;
  sequential: boolean;
}

export interface ProfileOptions {
  /** Probe splitting only for nodes whose gas exceeds this (default 0: every node). */
  probeAbove?: bigint;
  /** Gas limit of the profiling view calls (default 2^36: views are not bound by the tx cap). */
  callGasLimit?: bigint;
}

const coder = AbiCoder.defaultAbiCoder();
const layerIface = new Interface(ILAYER_ABI as unknown as string[]);

function modelIface(): Interface {
  return new Interface(modelArtifact().abi as never);
}

/** The WeightRef the model passes to node `nd` (twin of `NNModel._weightRef`). */
export function weightRef(segments: readonly string[], stride: bigint, nd: NodeEntry): [string[], bigint, bigint, bigint] {
  const len = BigInt(nd.weightLength);
  const off = BigInt(nd.weightOffset);
  if (len === 0n) return [[], 0n, 0n, 0n];
  if (stride === 0n) return [[...segments], 0n, off, len];
  const first = off / stride;
  const last = (off + len - 1n) / stride;
  if (last >= BigInt(segments.length)) return [[...segments], stride, off, len];
  return [segments.slice(Number(first), Number(last) + 1), stride, off - first * stride, len];
}

/**
 * Twin of `NNModel.liveIds(p)`: the node ids whose tensors a session holds before running node `p`
 * (ascending ids k < p read by some node ≥ p; the input [0] before node 1; the output [n] at p = n + 1).
 * On a sequential graph this is [p − 1].
 */
export function liveIds(config: Pick<ModelConfigData, 'nodes'>, p: number): number[] {
  const n = config.nodes.length;
  if (p > n) return [n];
  const used = new Set<number>();
  for (let j = p; j <= n; j++) for (const k of config.nodes[j - 1]!.inputs) if (k < p) used.add(k);
  return [...used].sort((a, b) => a - b);
}

/** Twin of `NNModel._liveHash`: keccak256 of the one tensor, else of `abi.encode(bytes[])`. */
export function liveHash(tensors: readonly Uint8Array[]): string {
  if (tensors.length === 1) return keccak256(tensors[0]!);
  return keccak256(coder.encode(['bytes[]'], [tensors.map((x) => hexlify(x))]));
}

/**
 * The `live` argument of `stepGraph` / `stepRangeGraph` when the session's next node is `next`: the
 * tensors of `liveIds(next)`, plus node `next`'s full output right after its split.
 */
export function liveTensors(profile: Pick<ModelProfile, 'config' | 'tensors'>, next: number, afterSplit = false): Uint8Array[] {
  const live = liveIds(profile.config, next).map((k) => profile.tensors[k]!);
  if (afterSplit) live.push(profile.tensors[next]!);
  return live;
}

async function view<T>(chain: Chain, to: string, iface: Interface, fn: string, args: unknown[], gasLimit?: bigint): Promise<{ value: T; gasUsed: bigint }> {
  const r = await chain.callRaw(to, iface.encodeFunctionData(fn, args), gasLimit ? { gasLimit } : {});
  if (!r.ok) throw new ExecutionError(`${fn} on ${to} reverted: ${r.error?.message ?? 'unknown'}`, r.error?.name);
  const d = iface.decodeFunctionResult(fn, r.returnData);
  return { value: (d.length === 1 ? d[0] : d.toArray()) as T, gasUsed: r.gasUsed };
}

/** Profile `model` on `input` (see the module doc). */
export async function profileModel(chain: Chain, model: string, input: Uint8Array, opts: ProfileOptions = {}): Promise<ModelProfile> {
  const mi = modelIface();
  const gasLimit = opts.callGasLimit ?? 1n << 36n;
  const probeAbove = opts.probeAbove ?? 0n;
  const config = decodeModelConfig((await view<string>(chain, model, mi, 'configBlob', [])).value);
  const segments = [...(await view<string[]>(chain, model, mi, 'segments', [])).value];
  const stride = (await view<bigint>(chain, model, mi, 'segmentStride', [])).value;
  const info = (await view<unknown[]>(chain, model, mi, 'configInfo', [])).value;
  const tensors: Uint8Array[] = [input];
  const nodes: NodeProfile[] = [];
  let overhead = 0n;
  for (let k = 1; k <= config.nodes.length; k++) {
    const nd = config.nodes[k - 1]!;
    const live: string[] = Array.from({ length: k }, () => '0x');
    for (const j of nd.inputs) live[j] = hexlify(tensors[j]!);
    const r = await view<[string[], bigint[]]>(chain, model, mi, 'inferLayers', [live, k, k + 1], gasLimit);
    const out = getBytes(r.value[0][0]!);
    const gas = BigInt(r.value[1][0]!);
    tensors.push(out);
    if (r.gasUsed - gas > overhead) overhead = r.gasUsed - gas;
    const layout = (await view<bigint[]>(chain, nd.layer, layerIface, 'rangeLayout', [nd.config])).value;
    const [outer, units, unitBytes] = layout.map(Number) as [number, number, number];
    const p: NodeProfile = { node: k, layer: nd.layer, gas, callGas: r.gasUsed, outputBytes: out.length, units, outer, unitBytes, splittable: units > 1 };
    if (units > 1 && gas > probeAbove) {
      const inputs = nd.inputs.map((j) => hexlify(tensors[j]!));
      const w = weightRef(segments, stride, nd);
      // Partial ranges only (a full range may take another path, e.g. DenseLayer's whole-blob read).
      const widths = [...new Set([1, Math.min(32, units - 1), Math.ceil(units / 2), units - 1])].filter((x) => x >= 1 && x < units).sort((a, b) => a - b);
      const points: [number, bigint][] = [];
      for (const to of widths) {
        const r = await chain.callRaw(nd.layer, layerIface.encodeFunctionData('forwardRange', [nd.config, w, inputs, 0, to]), { gasLimit });
        if (!r.ok) break;
        points.push([to, r.gasUsed]);
      }
      if (points.length === widths.length) p.probe = { points };
      else p.splittable = false;
    }
    nodes.push(p);
  }
  return { model, config, nodes, overhead, tensors, segments, stride, sequential: Boolean(info[3]) };
}

// ------------------------------------------------------------------------------------------------
// Planning

export type PlannedTx =
  | { kind: 'classify'; estGas: bigint }
  | { kind: 'start'; estGas: bigint }
  /** Runs nodes [fromNode, toNode); `afterSplit`: first checks the full output of node fromNode − 1. */
  | { kind: 'step'; fromNode: number; toNode: number; afterSplit: boolean; estGas: bigint }
  | { kind: 'range'; node: number; from: number; to: number; estGas: bigint };

export interface InferencePlan {
  cap: bigint;
  margin: number;
  /** cap·(1 − margin): what every estimate must stay under. */
  budget: bigint;
  single: boolean;
  txs: PlannedTx[];
  estTotal: bigint;
}

export interface PlanOptions {
  /** Per-transaction gas cap (default 16,777,216, the EIP-7825 cap). */
  cap?: bigint;
  /** Safety margin (default 0.1). */
  margin?: number;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export class ExecutionError extends Error {
  constructor(
    message: string,
    readonly revertName?: string,
  ) {
    super(message);
    this.name = 'ExecutionError';
  }
}

/** Gas of a transaction with `data` and `exec` execution gas (EIP-2028 calldata, EIP-7623 floor). */
export function txGas(data: string | Uint8Array, exec: bigint): bigint {
  const { standard, floorTokens } = calldataGas(typeof data === 'string' ? getBytes(data) : data);
  const used = TX_BASE + standard + exec;
  const floor = TX_BASE + 10n * floorTokens;
  return used > floor ? used : floor;
}

/**
 * Estimated gas of the layer call of a `w`-unit range of node `p`: piecewise linear through the probes
 * (a range's gas is convex in its width — a fixed part, a per-unit part, and the quadratic memory cost
 * of its weights — so the chords lie above it), the node's own gas for the whole node. The model-side
 * argument encoding is inside `SESSION_GAS.range`.
 */
export function rangeGas(p: NodeProfile, w: number): bigint {
  if (w >= p.units) return p.gas;
  if (!p.probe) throw new PlanError(`node ${p.node} was not probed for splitting`);
  const pts = p.probe.points;
  let k = 0;
  while (k + 2 < pts.length && pts[k + 1]![0] < w) k++;
  const [w0, g0] = pts[k]!;
  const [w1, g1] = pts[Math.min(k + 1, pts.length - 1)]!;
  if (w1 === w0) return g0;
  const g = Number(g0) + (Number(g1 - g0) * (w - w0)) / (w1 - w0);
  return BigInt(Math.ceil(Math.max(g, 0)));
}

export function planInference(profile: ModelProfile, opts: PlanOptions = {}): InferencePlan {
  const cap = opts.cap ?? 16_777_216n;
  const margin = opts.margin ?? 0.1;
  const budget = (cap * BigInt(Math.round((1 - margin) * 1e6))) / 1_000_000n;
  const mi = modelIface();
  const t = profile.tensors;
  const n = profile.nodes.length;
  const nodeGas = (a: number, b: number) => profile.nodes.slice(a - 1, b - 1).reduce((s, p) => s + p.gas, 0n);

  const single = txGas(mi.encodeFunctionData('classify', [t[0]!]), profile.overhead + nodeGas(1, n + 1) + SESSION_GAS.classify);
  if (single <= budget) return { cap, margin, budget, single: true, txs: [{ kind: 'classify', estGas: single }], estTotal: single };
  const graph = !profile.sequential;

  const txs: PlannedTx[] = [{ kind: 'start', estGas: txGas(mi.encodeFunctionData('startSession', [t[0]!]), SESSION_GAS.start) }];
  // Sequential graphs step with one tensor (`step`), others with their live set (`stepGraph`).
  const stepData = (from: number, to: number, afterSplit: boolean) =>
    graph
      ? mi.encodeFunctionData('stepGraph', [1n, liveTensors(profile, afterSplit ? from - 1 : from, afterSplit), to])
      : mi.encodeFunctionData('step', [1n, t[from - 1]!, to]);
  const stepGas = (from: number, to: number, afterSplit: boolean) =>
    txGas(stepData(from, to, afterSplit), profile.overhead + SESSION_GAS.step + (afterSplit ? SESSION_GAS.verify : 0n) + nodeGas(from, to));
  let next = 1;
  let split = false;
  while (next <= n || split) {
    // A step from `from` with input tensor t[from − 1] (after a split of node `next`: t[next], from = next + 1).
    const from = split ? next + 1 : next;
    let to = from;
    while (to <= n && stepGas(from, to + 1, split) <= budget) to++;
    if (to > from || (split && stepGas(from, from, true) <= budget)) {
      txs.push({ kind: 'step', fromNode: from, toNode: to, afterSplit: split, estGas: stepGas(from, to, split) });
      next = to;
      split = false;
      continue;
    }
    if (split) throw new PlanError(`checking the full output of node ${next} (${t[next]!.length} bytes) does not fit the budget of ${budget} gas`);
    txs.push(...planRanges(profile, next, budget, mi));
    split = true;
  }
  const estTotal = txs.reduce((s, x) => s + x.estGas, 0n);
  return { cap, margin, budget, single: false, txs, estTotal };
}

/** The stepRange transactions of node `k` (see the module doc). */
function planRanges(profile: ModelProfile, k: number, budget: bigint, mi: Interface): PlannedTx[] {
  const p = profile.nodes[k - 1]!;
  if (!p.splittable || !p.probe) throw new PlanError(`node ${k} needs ${p.gas} gas, more than the budget of ${budget}, and cannot be split (units ${p.units})`);
  const data = profile.sequential
    ? mi.encodeFunctionData('stepRange', [1n, profile.tensors[k - 1]!, 0, p.units])
    : mi.encodeFunctionData('stepRangeGraph', [1n, liveTensors(profile, k), 0, p.units]);
  // The model's side of the layer call (argument encoding, memory), which the direct probes do not see.
  const inputBytes = profile.config.nodes[k - 1]!.inputs.reduce((a, j) => a + profile.tensors[j]!.length, 0);
  const cfgBytes = getBytes(profile.config.nodes[k - 1]!.config).length;
  const modelSide = SESSION_GAS.callBase + SESSION_GAS.perArgByte * BigInt(inputBytes + cfgBytes);
  const fixed = profile.overhead + SESSION_GAS.range + modelSide;
  const est = (w: number, first = true) => txGas(data, fixed + (first ? SESSION_GAS.firstRange : 0n) + rangeGas(p, w));
  // One width for every chunk (so chunks ≥ 32 units stay panel-aligned): the largest w in [1, units]
  // whose first, dearest chunk fits (est is non-decreasing in w).
  let lo = 0;
  let hi = p.units;
  while (lo < hi) {
    const m = Math.floor((lo + hi + 1) / 2); // lo < m ≤ hi
    if (est(m) <= budget) lo = m;
    else hi = m - 1;
  }
  if (lo === 0) throw new PlanError(`one unit of node ${k} needs about ${est(1)} gas, more than the budget of ${budget}`);
  // A layer that computes whole blocks of 32 units (Dense int8: SWAR panels) gets chunk boundaries on
  // a 32-unit grid, or a power-of-two grid dividing 32 for narrower chunks: a chunk straddling a block
  // boundary would pay for two blocks.
  const w = !blocked32(p) ? lo : lo >= 32 ? lo - (lo % 32) : 2 ** Math.floor(Math.log2(lo));
  const out: PlannedTx[] = [];
  for (let from = 0; from < p.units; from += w) {
    const to = Math.min(from + w, p.units);
    out.push({ kind: 'range', node: k, from, to, estGas: est(to - from, from === 0) });
  }
  return out;
}

/**
 * Whether the probes show a layer computing whole blocks of 32 units: a 32-unit range costs about what
 * a 1-unit range costs (< 1/4 of the per-unit slope measured above 32 units).
 */
export function blocked32(p: NodeProfile): boolean {
  const pts = p.probe?.points ?? [];
  const at = (w: number) => pts.find(([x]) => x === w)?.[1];
  const g1 = at(1);
  const g32 = at(32);
  const last = pts[pts.length - 1];
  if (g1 === undefined || g32 === undefined || !last || last[0] <= 32) return false;
  const slope = Number(last[1] - g32) / (last[0] - 32);
  return Number(g32 - g1) < (slope * 31) / 4;
}

// ------------------------------------------------------------------------------------------------
// Execution

export interface ExecutedTx {
  tx: PlannedTx;
  gasUsed: bigint;
  txHash: string;
}

export interface ExecutionResult {
  output: Uint8Array;
  argmax: bigint;
  plan: InferencePlan;
  profile: ModelProfile;
  /** The transactions actually sent (the plan's, after any adaptive splits). */
  txs: ExecutedTx[];
  /** Number of planned transactions the dry run found over the cap and split further. */
  adapted: number;
  sessionId?: bigint;
  totalGas: bigint;
}

export interface ExecuteOptions extends PlanOptions {
  /** Dev account that sends the transactions (default 0). */
  from?: number;
  /** Ether sent with classify / startSession (the inference fee of a bound model). */
  value?: bigint;
  /**
   * Dry-run every transaction first (default true). A transaction the dry run finds over the cap is
   * never sent: a range is halved, a step loses its last node (a single node is split into two
   * ranges) and the pieces are dry-run again; what cannot be split is an `ExecutionError`.
   */
  dryRun?: boolean;
  profile?: ModelProfile;
  plan?: InferencePlan;
}

/** Split a transaction the dry run found too large, or undefined when it cannot be split. */
export function shrinkTx(tx: PlannedTx, profile: ModelProfile): PlannedTx[] | undefined {
  const est = 0n; // re-estimated by the dry run
  if (tx.kind === 'range') {
    const w = tx.to - tx.from;
    if (w < 2) return undefined;
    const half = Math.ceil(w / 2);
    const mid = tx.from + (half >= 32 ? half - (half % 32) : half);
    return [
      { kind: 'range', node: tx.node, from: tx.from, to: mid, estGas: est },
      { kind: 'range', node: tx.node, from: mid, to: tx.to, estGas: est },
    ];
  }
  if (tx.kind !== 'step') return undefined;
  const { fromNode, toNode, afterSplit } = tx;
  if (toNode - fromNode >= 2 || (afterSplit && toNode > fromNode)) {
    return [
      { kind: 'step', fromNode, toNode: toNode - 1, afterSplit, estGas: est },
      { kind: 'step', fromNode: toNode - 1, toNode, afterSplit: false, estGas: est },
    ];
  }
  if (afterSplit || toNode !== fromNode + 1) return undefined;
  const p = profile.nodes[fromNode - 1]!;
  if (!p.splittable) return undefined;
  const half = Math.ceil(p.units / 2);
  return [
    { kind: 'range', node: fromNode, from: 0, to: half, estGas: est },
    { kind: 'range', node: fromNode, from: half, to: p.units, estGas: est },
    { kind: 'step', fromNode: fromNode + 1, toNode: fromNode + 1, afterSplit: true, estGas: est },
  ];
}

/** Profile, plan and run one inference of `input` on `model` (see the module doc). */
export async function executePlan(chain: Chain, model: string, input: Uint8Array, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  const cap = opts.cap ?? maxTxGas(chain.profile);
  const margin = opts.margin ?? 0.1;
  const profile = opts.profile ?? (await profileModel(chain, model, input, { probeAbove: cap / 4n }));
  const plan = opts.plan ?? planInference(profile, { cap, margin });
  const artifact = modelArtifact();
  const mi = new Interface(artifact.abi as never);
  const fromIdx = opts.from ?? 0;
  const sender = chain.accounts[fromIdx]!.address;
  const dryRun = opts.dryRun ?? true;
  const t = profile.tensors;
  const graph = !profile.sequential;
  const done: ExecutedTx[] = [];
  let adapted = 0;
  let id = 0n;
  let output: Uint8Array | undefined;
  let argmax = 0n;

  const callOf = (tx: PlannedTx): [string, unknown[], bigint] => {
    switch (tx.kind) {
      case 'classify':
        return ['classify', [t[0]!], opts.value ?? 0n];
      case 'start':
        return ['startSession', [t[0]!], opts.value ?? 0n];
      case 'range':
        if (graph) return ['stepRangeGraph', [id, liveTensors(profile, tx.node), tx.from, tx.to], 0n];
        return ['stepRange', [id, t[tx.node - 1]!, tx.from, tx.to], 0n];
      case 'step':
        if (graph) return ['stepGraph', [id, liveTensors(profile, tx.afterSplit ? tx.fromNode - 1 : tx.fromNode, tx.afterSplit), tx.toNode], 0n];
        return ['step', [id, t[tx.fromNode - 1]!, tx.toNode], 0n];
    }
  };
  const event = (r: { logs: { name?: string; args?: unknown }[] }, name: string) => {
    const e = r.logs.find((l) => l.name === name);
    if (!e) throw new ExecutionError(`no ${name} event`);
    return e.args as Record<string, unknown>;
  };

  const queue = [...plan.txs];
  while (queue.length > 0) {
    const tx = queue.shift()!;
    const [fn, args, value] = callOf(tx);
    if (dryRun) {
      const sim = await chain.simulateTx({ from: sender, to: model, data: mi.encodeFunctionData(fn, args), gasLimit: cap, value });
      // Out of gas inside a layer's STATICCALL surfaces as an empty revert of the model with ~63/64 of the gas used.
      const outOfGas = sim.ok ? sim.gasUsed > cap : sim.exception === 'out of gas' || (sim.returnData === '0x' && sim.gasUsed >= cap - cap / 32n);
      if (outOfGas) {
        const parts = shrinkTx(tx, profile);
        if (!parts) throw new ExecutionError(`${describeTx(tx)} needs more than the cap of ${cap} gas and cannot be split further`);
        queue.unshift(...parts);
        adapted++;
        continue;
      }
      if (!sim.ok) throw new ExecutionError(`${describeTx(tx)} would fail: ${sim.error?.message ?? sim.exception}`, sim.error?.name);
    }
    const r = await chain.send(model, artifact.abi, fn, args, { from: fromIdx, gasLimit: cap, value });
    if (r.status !== 1) throw new ExecutionError(`${describeTx(tx)} reverted: ${r.revert?.message}`, r.revert?.name);
    done.push({ tx, gasUsed: r.gasUsed, txHash: r.txHash });
    if (tx.kind === 'classify') {
      const ev = event(r, 'Inference');
      output = getBytes(ev.output as string);
      argmax = ev.argmax as bigint;
    } else if (tx.kind === 'start') {
      id = event(r, 'SessionStarted').id as bigint;
    } else if (tx.kind === 'range') {
      const ev = event(r, 'SessionRange');
      const expected = keccak256(rangeChunk(profile.nodes[tx.node - 1]!, t[tx.node]!, tx.from, tx.to));
      if (ev.chunkHash !== expected) throw new ExecutionError(`range [${tx.from}, ${tx.to}) of node ${tx.node}: chunk hash ${ev.chunkHash} differs from the profiled ${expected}`);
    } else {
      const ev = event(r, 'SessionStep');
      const expected = liveHash(liveIds(profile.config, tx.toNode).map((k) => t[k]!));
      if (ev.commitment !== expected) throw new ExecutionError(`step to node ${tx.toNode}: commitment ${ev.commitment} differs from the profiled ${expected}`);
      if (tx.toNode === profile.nodes.length + 1) {
        const res = event(r, 'SessionResult');
        output = getBytes(res.output as string);
        argmax = res.argmax as bigint;
      }
    }
  }
  if (!output) throw new ExecutionError('the plan produced no output');
  const totalGas = done.reduce((s, x) => s + x.gasUsed, 0n);
  return { output, argmax, plan, profile, txs: done, adapted, sessionId: plan.single ? undefined : id, totalGas };
}

/** Units [from, to) of a node's full output (the layout of `ILayer.rangeLayout`). */
export function rangeChunk(p: Pick<NodeProfile, 'outer' | 'units' | 'unitBytes'>, full: Uint8Array, from: number, to: number): Uint8Array {
  const w = (to - from) * p.unitBytes;
  const row = p.units * p.unitBytes;
  const out = new Uint8Array(p.outer * w);
  for (let r = 0; r < p.outer; r++) out.set(full.subarray(r * row + from * p.unitBytes, r * row + from * p.unitBytes + w), r * w);
  return out;
}

export function describeTx(tx: PlannedTx): string {
  switch (tx.kind) {
    case 'classify':
      return 'classify';
    case 'start':
      return 'startSession';
    case 'range':
      return `stepRange(node ${tx.node}, units [${tx.from}, ${tx.to}))`;
    case 'step':
      return `step(nodes [${tx.fromNode}, ${tx.toNode})${tx.afterSplit ? ', after split' : ''})`;
  }
}

/** keccak256 of `abi.encode(fold, from, to, chunkHash)`: one fold step of `NNModel.stepRange`. */
export function foldChunk(fold: string, from: number, to: number, chunkHash: string): string {
  return keccak256(coder.encode(['bytes32', 'uint256', 'uint256', 'bytes32'], [fold, from, to, chunkHash]));
}
