/**
 * `nnchain profile <model>`: gas per layer of one inference on the embedded chain.
 *
 * The model file is imported (`importModel`), quantized (`quantizeModel`: int8 calibrated on sample
 * inputs, or Q32.32), deployed as an `NNModel` (`deployQuantized`) and profiled with `profileModel`:
 * one `inferLayers` view per node, whose gas the model measures itself with gasleft() around the layer
 * call — no EVM step listener. The table shows each node's gas and gas per multiply-accumulate, the
 * model's own overhead (config load and decode) and the plan under the chain profile's per-transaction
 * cap. `--opcodes` additionally runs the same input once through `infer` with a step listener
 * (src/simulator/opcodes.ts) and prints the per-opcode breakdown per node and in total.
 *
 * Inputs (also used by `npm run bench`, `modelSamples`): MNIST-shaped models (28×28×1) get the fixed
 * held-out digit #0 and are calibrated on 200 training digits; other models get seeded synthetic inputs
 * in their natural input range (`syntheticInputs`: pixels 0..255 behind a Rescaling, token ids, or
 * reals in [−1, 1]). `--input <file>` (a JSON array of numbers) replaces the profiled input.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { getBytes, hexlify, Interface } from 'ethers';
import { loadMnist, MNIST_PIXELS } from '../../data/mnist.ts';
import { syntheticDescription, syntheticInputs } from '../../data/synthetic.ts';
import { importModel } from '../../import/index.ts';
import { layerMacs } from '../../model/shapes.ts';
import type { ModelIR } from '../../model/ir.ts';
import { deployQuantized, modelArtifact, oracleInfer, planInference, profileModel, quantizedModelSpec, type ModelProfile } from '../../model-chain/index.ts';
import { loadOracle } from '../../oracle.ts';
import { SEGMENT_MAX_DATA } from '../../storage/index.ts';
import { encodeModelInput, quantizeModel, type QuantizedModel } from '../../quantize/index.ts';
import { createChain, getProfile, maxTxGas, PROFILES, traceOpcodes, type OpcodeStat, type OpcodeTrace } from '../../../simulator/index.ts';
import { intArg, UserError } from '../errors.ts';

// ------------------------------------------------------------------------------------------------
// Sample inputs (shared with bench/cases/models.ts)

const isMnistShaped = (ir: ModelIR) => ir.inputKind === 'float' && ir.inputShape.reduce((a, b) => a * b, 1) === MNIST_PIXELS && ir.inputShape.length <= 3;

/** Seeds of the synthetic calibration set and of the synthetic profiled input (different draws). */
const SEEDS = { train: 2026, test: 7 } as const;

/** Where a model's sample inputs come from (reports state it). */
export function sampleSource(ir: ModelIR): string {
  if (isMnistShaped(ir)) return 'MNIST (calibration: 200 training digits; input: held-out digit #0)';
  return `synthetic: ${syntheticDescription(ir)} (calibration: 100 inputs, seed ${SEEDS.train}; input: seed ${SEEDS.test})`;
}

/**
 * `n` deterministic float inputs for `ir` (one sample each, flattened): MNIST digits (`split`) for
 * MNIST-shaped models, else `syntheticInputs` (src/harness/data/synthetic.ts) in the model's natural
 * input range, with a different seed per split.
 */
export function modelSamples(ir: ModelIR, n: number, split: 'train' | 'test'): ArrayLike<number>[] {
  if (isMnistShaped(ir)) return loadMnist()[split].images.slice(0, n);
  try {
    return syntheticInputs(ir, n, SEEDS[split]);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** Quantize `ir` in `mode` with the calibration samples of `modelSamples` (int8: 200 for MNIST, else 100). */
export function quantizeForChain(ir: ModelIR, mode: 'int8' | 'q'): QuantizedModel {
  if (mode === 'q') return quantizeModel(ir, { mode: 'q', F: 32 });
  return quantizeModel(ir, { mode: 'int8', samples: modelSamples(ir, isMnistShaped(ir) ? 200 : 100, 'train') });
}

/** MACs of each on-chain layer of `qm` (by the IR layer it came from). */
export function layerMacsOf(ir: ModelIR, qm: QuantizedModel): number[] {
  return qm.layers.map((l) => {
    const irl = ir.layers.find((x) => x.name === l.name);
    return irl ? layerMacs(irl) : 0;
  });
}

// ------------------------------------------------------------------------------------------------

const fmt = (n: number | bigint) => n.toLocaleString('en-US');
const pct = (a: bigint, b: bigint) => (b === 0n ? '0.0' : ((Number(a) / Number(b)) * 100).toFixed(1));

interface ProfileOpts {
  mode: string;
  profile: string;
  opcodes?: boolean;
  json?: boolean;
  input?: string;
  top: number;
  seqLen: number;
}

function readInput(path: string, expected: number): number[] {
  if (!existsSync(path)) throw new UserError(`input file ${path} does not exist`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`input file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const flat = Array.isArray(v) ? (v as unknown[]).flat(8) : undefined;
  if (!flat || !flat.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new UserError(`input file ${path} must hold a JSON array of finite numbers`);
  if (flat.length !== expected) throw new UserError(`input file ${path} has ${flat.length} values; the model takes ${expected}`);
  return flat as number[];
}

function opsTable(ops: OpcodeStat[], total: bigint, top: number, indent = '    '): string[] {
  const shown = ops.slice(0, top);
  const lines = shown.map((o) => `${indent}${o.op.padEnd(20)} ${fmt(o.count).padStart(10)} ${fmt(o.gas).padStart(13)} ${pct(o.gas, total).padStart(6)} %`);
  const rest = ops.slice(top);
  if (rest.length > 0) {
    const g = rest.reduce((s, o) => s + o.gas, 0n);
    const c = rest.reduce((s, o) => s + o.count, 0);
    lines.push(`${indent}${`(${rest.length} others)`.padEnd(20)} ${fmt(c).padStart(10)} ${fmt(g).padStart(13)} ${pct(g, total).padStart(6)} %`);
  }
  return lines;
}

export function register(program: Command): void {
  program
    .command('profile')
    .description('gas per layer of one inference on the embedded chain (no step listener); --opcodes adds a per-opcode breakdown')
    .argument('<model>', 'model file: tfjs layers model.json, Keras .h5 or solearn JSON')
    .option('--mode <mode>', 'number mode: int8 or q32', 'int8')
    .option('--profile <name>', `chain profile (${Object.keys(PROFILES).join(', ')})`, 'ethereum')
    .option('--opcodes', 'also run the input once with an EVM step listener and print the per-opcode breakdown (slow)')
    .option('--top <n>', 'opcodes listed per node with --opcodes (the rest are summed)', intArg('top', 1, 200), 12)
    .option('--seq-len <n>', 'sequence length for a model with a dynamic sequence axis', intArg('seq-len', 1, 4096), 16)
    .option('--input <file>', 'JSON array with one input sample (default: held-out MNIST digit #0 for 28×28 models, else a seeded synthetic input)')
    .option('--json', 'print the profile as JSON')
    .action(async (modelPath: string, opts: ProfileOpts) => {
      const mode = opts.mode === 'q32' || opts.mode === 'q' ? 'q' : opts.mode === 'int8' ? 'int8' : undefined;
      if (!mode) throw new UserError(`unknown mode ${opts.mode} (int8 or q32)`);
      let chainProfile;
      try {
        chainProfile = getProfile(opts.profile);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      if (!existsSync(modelPath) || !statSync(modelPath).isFile()) throw new UserError(`model file ${modelPath} does not exist or is not a file`);
      let ir = await importModel(modelPath);
      if (ir.inputShape.includes(-1)) ir = await importModel(modelPath, { sequenceLength: opts.seqLen });
      const qm = quantizeForChain(ir, mode);
      const raw = opts.input ? readInput(opts.input, ir.inputShape.reduce((a, b) => a * b, 1)) : modelSamples(ir, 1, 'test')[0]!;
      const input = encodeModelInput(qm, raw);
      const chain = await createChain({ profile: chainProfile.name });
      const bar = progress(!opts.json);
      bar.phase('deploying');
      const segments = Math.ceil(qm.layers.reduce((s, l) => s + l.weights.length, 0) / SEGMENT_MAX_DATA);
      const d = await deployQuantized(chain, qm, {
        upload: { onProgress: (e) => (e.kind === 'deployed' ? bar.phase(`deploying weight segments ${e.index + 1}/${segments}`) : undefined) },
      });
      bar.phase(`profiling ${qm.layers.length} layers`);
      const cap = maxTxGas(chainProfile);
      const prof = await profileModel(chain, d.model.address, input, { probeAbove: cap / 4n });
      const plan = planInference(prof, { cap });
      const mi = new Interface(modelArtifact().abi as never);
      const view = await chain.callRaw(d.model.address, mi.encodeFunctionData('infer', [input]), { gasLimit: 1n << 36n });
      if (!view.ok) throw new Error(`infer reverted: ${view.error?.message}`);
      const out = getBytes(mi.decodeFunctionResult('infer', view.returnData)[0] as string);
      const exact = hexlify(out) === hexlify(oracleInfer(await loadOracle(), quantizedModelSpec(qm), input));
      let trace: OpcodeTrace | undefined;
      let traceGas = 0n;
      if (opts.opcodes) {
        bar.phase('tracing opcodes (step listener attached: slow)');
        const layerAddrs = new Set(d.built.config.nodes.map((n) => n.layer.toLowerCase()));
        let k = 0;
        const t = await traceOpcodes(chain, () => chain.callRaw(d.model.address, mi.encodeFunctionData('infer', [input]), { gasLimit: 1n << 36n }), {
          rootLabel: 'model',
          callLabel: (a) => (layerAddrs.has(a) ? `node ${++k}` : undefined),
        });
        trace = t.trace;
        traceGas = t.result.gasUsed;
      }
      bar.stop();
      const macs = layerMacsOf(ir, qm);
      report({ ir, qm, prof, plan, macs, view: view.gasUsed, exact, trace, traceGas, opts, source: opts.input ? opts.input : sampleSource(ir), chainProfile: chainProfile.name });
    });
}

/** A one-line progress indicator on stderr (TTY only; silent otherwise). */
function progress(enabled: boolean): { phase(s: string): void; stop(): void } {
  const tty = enabled && process.stderr.isTTY;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let label = '';
  let i = 0;
  const t0 = performance.now();
  const draw = () => {
    if (tty) process.stderr.write(`\r\x1b[2K${frames[i++ % frames.length]} ${label} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  };
  const timer = tty ? setInterval(draw, 200) : undefined;
  return {
    phase(s: string) {
      label = s;
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

function report(a: {
  ir: ModelIR;
  qm: QuantizedModel;
  prof: ModelProfile;
  plan: ReturnType<typeof planInference>;
  macs: number[];
  view: bigint;
  exact: boolean;
  trace?: OpcodeTrace;
  traceGas: bigint;
  opts: ProfileOpts;
  source: string;
  chainProfile: string;
}): void {
  const { ir, qm, prof, plan, macs, view, exact, trace } = a;
  const nodeSum = prof.nodes.reduce((s, n) => s + n.gas, 0n);
  const totalMacs = macs.reduce((s, m) => s + m, 0);
  if (a.opts.json) {
    const seg = (label: string) => trace?.segments.find((s) => s.label === label);
    const j = {
      model: ir.name,
      mode: qm.mode === 'q' ? 'q32' : 'int8',
      input: a.source,
      nodes: prof.nodes.map((n, i) => ({
        node: n.node,
        layer: qm.layers[i]!.name,
        type: qm.layers[i]!.type,
        macs: macs[i],
        gas: Number(n.gas),
        gasPerMac: macs[i] ? Number(n.gas) / macs[i]! : null,
        ...(trace ? { opcodes: seg(`node ${n.node}`)?.ops.map((o) => ({ op: o.op, count: o.count, gas: Number(o.gas) })) ?? [] } : {}),
      })),
      layersGas: Number(nodeSum),
      inferGas: Number(view),
      modelOverhead: Number(view - nodeSum),
      profileOverhead: Number(prof.overhead),
      gasPerMac: totalMacs ? Number(view) / totalMacs : null,
      plan: { profile: a.chainProfile, cap: Number(plan.cap), single: plan.single, transactions: plan.txs.length, estimatedGas: Number(plan.estTotal) },
      bitExact: exact,
      ...(trace ? { opcodes: { gas: Number(trace.gas), callGas: Number(a.traceGas), steps: trace.steps, total: trace.ops.map((o) => ({ op: o.op, count: o.count, gas: Number(o.gas) })) } } : {}),
    };
    console.log(JSON.stringify(j, null, 2));
    return;
  }
  console.log(`${ir.name} (${ir.source.format}) in ${qm.mode === 'q' ? 'q32 (Q32.32)' : `int8 (${qm.calibration})`} on the ${a.chainProfile} profile`);
  console.log(`input: ${a.source}${qm.folded.length ? `; folded off chain: ${qm.folded.join(', ')}` : ''}`);
  console.log('');
  const head = `${'node'.padEnd(5)} ${'layer'.padEnd(20)} ${'type'.padEnd(20)} ${'MACs'.padStart(12)} ${'gas'.padStart(14)} ${'gas/MAC'.padStart(9)} ${'share'.padStart(7)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  prof.nodes.forEach((n, i) => {
    const l = qm.layers[i]!;
    const m = macs[i]!;
    console.log(
      `${String(n.node).padEnd(5)} ${l.name.slice(0, 20).padEnd(20)} ${l.type.padEnd(20)} ${fmt(m).padStart(12)} ${fmt(n.gas).padStart(14)} ${(m ? (Number(n.gas) / m).toFixed(2) : '-').padStart(9)} ${pct(n.gas, view).padStart(6)}%`,
    );
  });
  console.log('-'.repeat(head.length));
  console.log(`${''.padEnd(5)} ${'layers'.padEnd(20)} ${''.padEnd(20)} ${fmt(totalMacs).padStart(12)} ${fmt(nodeSum).padStart(14)} ${(totalMacs ? (Number(nodeSum) / totalMacs).toFixed(2) : '-').padStart(9)}`);
  console.log(`${''.padEnd(5)} ${'model overhead'.padEnd(20)} ${'config load, decode'.padEnd(20)} ${''.padStart(12)} ${fmt(view - nodeSum).padStart(14)}`);
  console.log(`${''.padEnd(5)} ${'infer (view call)'.padEnd(20)} ${''.padEnd(20)} ${fmt(totalMacs).padStart(12)} ${fmt(view).padStart(14)} ${(totalMacs ? (Number(view) / totalMacs).toFixed(2) : '-').padStart(9)}`);
  console.log('');
  console.log(
    `plan under a ${fmt(plan.cap)}-gas transaction cap: ${plan.single ? 'one classify transaction' : `${plan.txs.length} transactions (session)`}, estimated ${fmt(plan.estTotal)} gas with intrinsic and session costs`,
  );
  console.log(`output bytes ${exact ? 'equal the oracle bit for bit' : 'DIFFER from the oracle'}`);
  if (!trace) return;
  console.log('');
  console.log(`per-opcode breakdown (one infer call with a step listener: ${fmt(trace.steps)} steps)`);
  for (const s of trace.segments) {
    const nodeNo = s.label.startsWith('node ') ? Number(s.label.slice(5)) : 0;
    const l = nodeNo ? qm.layers[nodeNo - 1] : undefined;
    const title = l ? `${s.label}: ${l.name} (${l.type}) — the layer contract's frames` : `${s.label}: NNModel's own frame (config load, dispatch, argument encoding of every layer call)`;
    console.log(`  ${title}: ${fmt(s.gas)} gas`);
    console.log(`    ${'opcode'.padEnd(20)} ${'count'.padStart(10)} ${'gas'.padStart(13)} ${'share'.padStart(8)}`);
    for (const line of opsTable(s.ops, s.gas, a.opts.top)) console.log(line);
  }
  console.log(`  total: ${fmt(trace.gas)} gas`);
  console.log(`    ${'opcode'.padEnd(20)} ${'count'.padStart(10)} ${'gas'.padStart(13)} ${'share'.padStart(8)}`);
  for (const line of opsTable(trace.ops, trace.gas, a.opts.top)) console.log(line);
  const diff = a.traceGas - trace.gas;
  console.log(
    `  Σ opcode gas ${fmt(trace.gas)} vs the call's gas used ${fmt(a.traceGas)}: ${diff === 0n ? 'equal' : `differs by ${fmt(diff)}`} (a view call has no intrinsic gas; memory expansion is charged to the opcode that expands memory; precompile calls are listed as PRECOMPILE@…)`,
  );
}
