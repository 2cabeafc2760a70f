/**
 * `npm run bench` — the benchmark suite (docs/bench.md).
 *
 * Prints one report: gas per primitive and per layer call (per element, per multiply-accumulate), gas
 * per stored parameter, a per-layer-type summary in both number modes, whole models (the original
 * design's solearn fixtures and the demo models, int8 and q32, deployed as NNModels on the `ethereum`
 * profile, with the ratio to the original's published figures), the headline figures with the issue's
 * targets, oracle throughput (MAC/s) and the simulator's speed (Mgas/s). Compares every gas figure with
 * the committed baseline `bench/baseline.json`.
 *
 *   npm run bench                  print the report and the change against the baseline
 *   npm run bench -- --update      also rewrite bench/baseline.json
 *   npm run bench -- --check       exit 1 when any gas figure regresses by more than 2 % (the MNIST CNN's
 *                                  accuracy: by more than 0.1 pt), a measured row disappears, or a
 *                                  model's output differs from the oracle
 *   npm run bench -- --no-models   skip the whole-model section
 *
 * Gas is deterministic (measured inside the harness contracts with gasleft(), or a call's / receipt's
 * gas used), so it is compared exactly; times are noisy on shared machines and are reported, never
 * checked.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/harness/compile.ts';
import { loadOracle } from '../src/harness/oracle.ts';
import { createChain } from '../src/simulator/index.ts';
import { BenchContext, type BenchRow } from './context.ts';
import { tensorCases } from './cases/tensor.ts';
import { layerCases } from './cases/layers.ts';
import { oracleThroughput } from './cases/oracle.ts';
import { ACCURACY_FIGURES, REQUIRED_FIGURES, TIME_FIGURES } from './figures.ts';
import { modelBench, ORIGINAL_GAS_PER_WEIGHT, SOLEARN_DIR, type ModelBench, type ModelRow } from './cases/models.ts';

export interface Baseline {
  /** Headline figures (issue-defined keys) — gas figures are checked, accuracy too, times only reported. */
  figures: Record<string, number>;
  /** Gas per benchmark row id. */
  gas: Record<string, number>;
}

const BASELINE = join(REPO_ROOT, 'bench', 'baseline.json');
const TOLERANCE = 0.02;
const ACCURACY_DROP = 0.1;
const OSAKA_TX_CAP = 16_777_216;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

const mgas = (g: number) => `${(g / 1e6).toFixed(g >= 1e8 ? 1 : 3)} M`;

function perUnit(rows: BenchRow[], id: string): number | undefined {
  const r = rows.find((x) => x.id === id);
  return r ? Number((r.gas / r.units).toFixed(3)) : undefined;
}

function need(rows: BenchRow[], id: string): number {
  const v = perUnit(rows, id);
  if (v === undefined) throw new Error(`benchmark ${id} missing`);
  return v;
}

/** Whole-model rows as gas rows of the baseline (only verified, bit-exact ones). */
function modelGasRows(m: ModelBench): BenchRow[] {
  const out: BenchRow[] = [];
  for (const r of m.rows) {
    if (r.status !== 'ok') continue;
    out.push({ id: `model ${r.id} ${r.mode} infer`, gas: r.inferGas, units: r.macs, unit: 'MAC' });
    out.push({ id: `model ${r.id} ${r.mode} weights`, gas: r.uploadGas, units: r.params, unit: 'param' });
    out.push({ id: `model ${r.id} ${r.mode} deploy`, gas: r.deployGas, units: r.params, unit: 'param' });
  }
  return out;
}

function modelTable(m: ModelBench): void {
  const head = `${pad('model', 22)} ${pad('mode', 4)} ${pad('params', 8, true)} ${pad('MACs', 10, true)} ${pad('infer gas', 14, true)} ${pad('gas/MAC', 8, true)} ${pad('vs original', 30, true)} ${pad('deploy gas', 12, true)} ${pad('weights gas/param', 18, true)} ${pad('deploy txs', 10, true)} ${pad('infer txs', 9, true)}  oracle`;
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of m.rows) {
    const name = `${pad(r.id, 22)} ${pad(r.mode, 4)}`;
    if (r.status === 'skipped') {
      console.log(`${name} skipped: ${r.reason}`);
      continue;
    }
    const vs = r.originalGas ? `${mgas(r.originalGas)}: ×${(r.inferGas / r.originalGas).toPrecision(3)} (${fmt(r.originalGas / r.inferGas, 0)}× less)` : '—';
    const gpp = r.uploadGas / r.params;
    console.log(
      `${name} ${pad(fmt(r.params), 8, true)} ${pad(fmt(r.macs), 10, true)} ${pad(fmt(r.inferGas), 14, true)} ${pad(r.macs ? fmt(r.inferGas / r.macs, 2) : '-', 8, true)} ${pad(vs, 30, true)} ${pad(fmt(r.deployGas), 12, true)} ${pad(fmt(gpp, 1), 18, true)} ${pad(String(r.deployTxs), 10, true)} ${pad(String(r.inferTxs), 9, true)}  ${r.status === 'ok' ? 'bit-exact' : 'MISMATCH'}`,
    );
  }
  const [lo, hi] = ORIGINAL_GAS_PER_WEIGHT;
  console.log(
    `infer gas: the \`infer\` view call (execution, no intrinsic gas); layers = Σ per-layer gas of profileModel. Deploy: model, config segment, setConfig, weight segments with declaration and registration, seal (shared layer contracts not counted). Infer txs: planInference under the ${fmt(OSAKA_TX_CAP)}-gas cap. The original design: ${fmt(lo)}–${fmt(hi)} gas per weight.`,
  );
  for (const r of m.rows) {
    if (r.status === 'skipped') continue;
    const extra = r.classifyTxGas ? `; one classify transaction used ${fmt(r.classifyTxGas)} gas` : `; needs ${r.inferTxs} transactions (session)`;
    console.log(`  ${r.id} ${r.mode}: layers ${fmt(r.layersGas)} gas + model overhead ${fmt(r.inferGas - r.layersGas)}${extra}; layer types ${r.layerTypes.join(', ')}`);
  }
}

/** Per layer type, both modes: gas/MAC of the layer row and gas/param of storing its weights. */
function layerTypeTable(rows: BenchRow[]): void {
  const types: [string, string, string][] = [
    ['Dense 784→128 relu', 'Dense int8 784->128 relu', 'Dense q 784->128 relu'],
    ['Conv2D 3×3 16→32 on 16×16', 'Conv2D int8 16x16x16 3x3 ->32 same relu', 'Conv2D q 16x16x16 3x3 ->32 same relu'],
    ['DepthwiseConv2D 3×3 ×32 on 16×16', 'DepthwiseConv2D int8 16x16x32 3x3 same relu6', 'DepthwiseConv2D q 16x16x32 3x3 same relu6'],
    ['LSTM K=64 U=128 (per step)', 'LSTM int8 K=64 U=128 per step', 'LSTM q K=64 U=128 per step'],
  ];
  const head = `${pad('layer type', 34)} ${pad('int8 gas/MAC', 13, true)} ${pad('int8 gas/param', 15, true)} ${pad('q32 gas/MAC', 12, true)} ${pad('q32 gas/param', 14, true)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  const v = (id: string) => {
    const x = perUnit(rows, id);
    return x === undefined ? '-' : fmt(x, 2);
  };
  for (const [label, i8, q] of types) console.log(`${pad(label, 34)} ${pad(v(i8), 13, true)} ${pad(v(`weights ${i8}`), 15, true)} ${pad(v(q), 12, true)} ${pad(v(`weights ${q}`), 14, true)}`);
  console.log('gas/param: the layer\'s weight blob deployed as code segments (deploy transactions incl. intrinsic gas, calldata, code deposit) per parameter.');
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const unknown = [...args].filter((a) => !['--update', '--check', '--no-models'].includes(a));
  if (unknown.length) {
    console.error(`bench: unknown option ${unknown.join(' ')} (--check, --update, --no-models)`);
    process.exit(2);
  }
  const chain = await createChain({ profile: 'unlimited' });
  const oracle = await loadOracle();
  const ctx = new BenchContext(chain, oracle);

  const rows: BenchRow[] = [];
  const t0 = performance.now();
  const progress = (s: string) => process.stderr.write(`bench: ${s}\n`);
  progress('tensor primitives');
  await tensorCases(ctx, (r) => rows.push(r));
  progress('layers');
  await layerCases(ctx, (r) => rows.push(r));
  progress('oracle throughput');
  const through = oracleThroughput(oracle);
  let models: ModelBench | undefined;
  if (!args.has('--no-models')) {
    progress(`whole models (solearn fixtures from ${SOLEARN_DIR})`);
    models = await modelBench(oracle, progress);
    rows.push(...modelGasRows(models));
  }

  const ok = (id: string, mode: 'int8' | 'q32') => models?.rows.find((r): r is Extract<ModelRow, { status: 'ok' | 'mismatch' }> => r.id === id && r.mode === mode && r.status === 'ok');
  const figures: Record<string, number> = {
    matvecInt8GasPerMac: need(rows, 'matvecI8 784x128'),
    matvecQ32GasPerMac: need(rows, 'matvecQ 784x128'),
    conv2dInt8GasPerMac: need(rows, 'conv2dI8 16x16x16 3x3 ->32 same'),
    conv2dQ32GasPerMac: need(rows, 'conv2dQ 8x8x8 3x3 ->16 same'),
    denseInt8GasPerMac: need(rows, 'Dense int8 784->128 relu'),
    denseQ32GasPerMac: need(rows, 'Dense q 784->128 relu'),
    conv2dLayerInt8GasPerMac: need(rows, 'Conv2D int8 16x16x16 3x3 ->32 same relu'),
    conv2dLayerQ32GasPerMac: need(rows, 'Conv2D q 16x16x16 3x3 ->32 same relu'),
    depthwiseInt8GasPerMac: need(rows, 'DepthwiseConv2D int8 16x16x32 3x3 same relu6'),
    depthwiseQ32GasPerMac: need(rows, 'DepthwiseConv2D q 16x16x32 3x3 same relu6'),
    lstmInt8GasPerMacPerStep: need(rows, 'LSTM int8 K=64 U=128 per step'),
    lstmQ32GasPerMacPerStep: need(rows, 'LSTM q K=64 U=128 per step'),
  };
  // Whole-model figures: only from verified (bit-exact) rows; absent when the row was skipped.
  const mlp8 = ok('mnist-mlp', 'int8');
  const mlpq = ok('mnist-mlp', 'q32');
  if (mlp8) figures.gasPerParamInt8 = Number((mlp8.uploadGas / mlp8.params).toFixed(2));
  if (mlpq) figures.gasPerParamQ32 = Number((mlpq.uploadGas / mlpq.params).toFixed(2));
  const cifar = ok('cifar_cnn_32x32', 'int8');
  if (cifar) figures.cifarCnnInt8Gas = cifar.inferGas;
  const cnn8 = ok('mnist-cnn', 'int8');
  if (cnn8) figures.mnistCnnInt8Gas = cnn8.inferGas;
  if (models?.mnistCnnAccuracy !== undefined) figures.mnistCnnAccuracy = models.mnistCnnAccuracy;
  if (mlp8) figures.mnistMlpInt8Gas = mlp8.inferGas;
  figures.oracleMacPerSec = Math.round(through.int8MacPerSec);
  figures.oracleQ32MacPerSec = Math.round(through.q32MacPerSec);
  figures.simulatorMgasPerSec = Number((ctx.heaviest.gas / 1e6 / ctx.heaviest.seconds).toFixed(2));

  const baseline: Baseline | undefined = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline) : undefined;

  // ---- table of rows
  const idWidth = Math.max(38, ...rows.map((r) => r.id.length));
  const head = `${pad('benchmark', idWidth)} ${pad('gas', 14, true)} ${pad('units', 9, true)} ${pad('gas/unit', 10, true)}  unit     ${pad('vs baseline', 12, true)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  const regressions: string[] = [];
  for (const r of rows) {
    const base = baseline?.gas[r.id];
    let delta = 'new';
    if (base !== undefined) {
      const d = (r.gas - base) / base;
      delta = d === 0 ? '=' : `${d > 0 ? '+' : ''}${(d * 100).toFixed(2)}%`;
      if (d > TOLERANCE) regressions.push(`${r.id}: ${fmt(base)} → ${fmt(r.gas)} gas (${delta})`);
    }
    console.log(
      `${pad(r.id, idWidth)} ${pad(fmt(r.gas), 14, true)} ${pad(fmt(r.units), 9, true)} ${pad(fmt(r.gas / r.units, 2), 10, true)}  ${pad(r.unit, 7)}  ${pad(delta, 12, true)}`,
    );
  }
  // Rows of the baseline this run did not measure: fixtures absent or --no-models are notes; anything
  // else (a model that used to work and is now skipped) is a regression.
  const notMeasured: string[] = [];
  for (const id of Object.keys(baseline?.gas ?? {})) {
    if (rows.some((r) => r.id === id)) continue;
    const m = /^model (\S+) (int8|q32) /.exec(id);
    const row = m ? models?.rows.find((r) => r.id === m[1] && r.mode === m[2]) : undefined;
    if (m && (!models || (row?.status === 'skipped' && row.absent))) notMeasured.push(id);
    else regressions.push(`${id}: measured in the baseline, not in this run${row?.status === 'skipped' ? ` (skipped: ${row.reason})` : ''}`);
  }

  console.log('\nper layer type, both number modes (realistic sizes):');
  layerTypeTable(rows);

  if (models) {
    console.log('\nwhole models on the ethereum profile (Osaka, 16,777,216 gas per transaction), each output checked against the oracle:');
    modelTable(models);
    for (const r of models.rows) if (r.status === 'mismatch') regressions.push(`model ${r.id} ${r.mode}: output differs from the oracle`);
  } else console.log('\nwhole models: not run (--no-models)');

  // ---- figures
  console.log('\nfigures (bench/baseline.json "figures"; gas figures checked, times reported only):');
  for (const [k, v] of Object.entries(figures)) {
    const base = baseline?.figures[k];
    const ratio = base ? `  (baseline ${fmt(base, Number.isInteger(base) ? 0 : 2)}, ×${(v / base).toFixed(3)})` : baseline ? '  (new)' : '';
    console.log(`  ${pad(k, 26)} ${pad(fmt(v, Number.isInteger(v) ? 0 : 2), 16, true)}${ratio}`);
    if (base === undefined || TIME_FIGURES.has(k)) continue;
    if (ACCURACY_FIGURES.has(k)) {
      if (base - v > ACCURACY_DROP) regressions.push(`${k}: ${base} → ${v} (drop over ${ACCURACY_DROP} pt)`);
    } else if ((v - base) / base > TOLERANCE) regressions.push(`${k}: ${fmt(base, 3)} → ${fmt(v, 3)} (+${(((v - base) / base) * 100).toFixed(2)}%)`);
  }
  const missingFigures = REQUIRED_FIGURES.filter((k) => figures[k] === undefined);
  if (missingFigures.length) console.log(`  not measured in this run: ${missingFigures.join(', ')}${models ? ` (${models.mnistCnnAccuracyNote})` : ''}`);
  else if (models) console.log(`  mnistCnnAccuracy: ${models.mnistCnnAccuracyNote}`);
  console.log(
    `  oracle MAC/s: 1024×1024 matvec in WebAssembly; simulator Mgas/s: the heaviest single view call (${ctx.heaviest.id}, ${fmt(ctx.heaviest.gas)} gas in ${ctx.heaviest.seconds.toFixed(2)} s; all harness calls: ${(ctx.evmGas / 1e6 / ctx.evmSeconds).toFixed(2)} Mgas/s)`,
  );

  // ---- targets (issue 6)
  console.log('\ntargets:');
  const target = (label: string, v: number | undefined, ok: (x: number) => boolean, show: (x: number) => string) =>
    console.log(`  ${pad(label, 58)} ${v === undefined ? 'not measured' : `${pad(show(v), 16, true)}  ${ok(v) ? 'met' : 'NOT MET'}`}`);
  const f = figures;
  target('Dense int8 784→128 ≤ 10 gas/MAC (layer)', f.denseInt8GasPerMac, (x) => x <= 10, (x) => fmt(x, 2));
  target('Conv2D int8 3×3 16→32 on 16×16 ≤ 10 gas/MAC (layer)', f.conv2dLayerInt8GasPerMac, (x) => x <= 10, (x) => fmt(x, 2));
  target('Conv2D int8 3×3 16→32 on 16×16 ≤ 10 gas/MAC (kernel)', f.conv2dInt8GasPerMac, (x) => x <= 10, (x) => fmt(x, 2));
  target('Dense q32 784→128 ≤ 60 gas/MAC (layer)', f.denseQ32GasPerMac, (x) => x <= 60, (x) => fmt(x, 2));
  target('Conv2D q32 3×3 16→32 on 16×16 ≤ 60 gas/MAC (layer)', f.conv2dLayerQ32GasPerMac, (x) => x <= 60, (x) => fmt(x, 2));
  target('stored int8 weights ≤ 250 gas/param (MNIST MLP upload)', f.gasPerParamInt8, (x) => x <= 250, (x) => fmt(x, 1));
  target('cifar_cnn_32x32 int8 ≤ 25 M gas per inference', f.cifarCnnInt8Gas, (x) => x <= 25e6, (x) => fmt(x));
  target('MNIST CNN int8 ≥ 98 % held-out accuracy', f.mnistCnnAccuracy, (x) => x >= 98, (x) => `${fmt(x, 2)} %`);
  const cnnTx = cnn8?.classifyTxGas;
  target(`MNIST CNN int8 inference in one tx ≤ ${fmt(OSAKA_TX_CAP)} gas (classify)`, cnnTx, (x) => x <= OSAKA_TX_CAP, (x) => fmt(x));

  console.log(`\n${rows.length} benchmark rows in ${((performance.now() - t0) / 1000).toFixed(1)} s; EVM (harness calls) ${fmt(ctx.evmGas)} gas in ${ctx.evmSeconds.toFixed(1)} s`);

  if (args.has('--update') || !baseline) {
    // Keep what this run could not measure (absent fixtures, --no-models, skipped models) from the old baseline.
    const out: Baseline = {
      figures: { ...Object.fromEntries(Object.entries(baseline?.figures ?? {}).filter(([k]) => figures[k] === undefined)), ...figures },
      gas: { ...Object.fromEntries(Object.entries(baseline?.gas ?? {}).filter(([id]) => notMeasured.includes(id))), ...Object.fromEntries(rows.map((r) => [r.id, r.gas])) },
    };
    writeFileSync(BASELINE, `${JSON.stringify(out, null, 2)}\n`);
    const kept = [...notMeasured, ...Object.keys(baseline?.figures ?? {}).filter((k) => figures[k] === undefined)];
    console.log(`wrote ${BASELINE}${kept.length ? ` (kept from the old baseline, not measured now: ${kept.join(', ')})` : ''}`);
  }
  if (notMeasured.length) console.log(`not measured in this run (kept in the baseline): ${notMeasured.length} model rows`);
  if (regressions.length > 0) {
    console.log(`\n${regressions.length} regression(s) (gas over ${TOLERANCE * 100}%, accuracy over ${ACCURACY_DROP} pt, rows lost, oracle mismatches):\n  ${regressions.join('\n  ')}`);
    if (args.has('--check')) process.exit(1);
  } else if (baseline) {
    console.log(`no gas regression over ${TOLERANCE * 100}% against bench/baseline.json`);
  }
}

await main();
