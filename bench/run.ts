/**
 * `npm run bench` — the benchmark suite.
 *
 * Prints one table of gas per primitive call (per element, per multiply-accumulate), oracle throughput
 * (MAC/s) and the simulator's speed (Mgas/s), and compares every gas figure with the committed
 * baseline `bench/baseline.json`.
 *
 *   npm run bench                 print the table and the change against the baseline
 *   npm run bench -- --update     also rewrite bench/baseline.json
 *   npm run bench -- --check      exit 1 when any gas figure regresses by more than 2 %
 *
 * Gas is deterministic and measured inside the harness contracts (gasleft() around the kernel), so it
 * is compared exactly; times are noisy on shared machines and are reported, never checked.
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

export interface Baseline {
  /** Headline figures (issue-defined keys) — gas figures are checked, others reported. */
  figures: Record<string, number>;
  /** Gas per benchmark row id. */
  gas: Record<string, number>;
}

const BASELINE = join(REPO_ROOT, 'bench', 'baseline.json');
const TOLERANCE = 0.02;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const chain = await createChain({ profile: 'unlimited' });
  const oracle = await loadOracle();
  const ctx = new BenchContext(chain, oracle);

  const rows: BenchRow[] = [];
  const t0 = performance.now();
  await tensorCases(ctx, (r) => rows.push(r));
  await layerCases(ctx, (r) => rows.push(r));
  const evmSeconds = ctx.evmSeconds;
  const through = oracleThroughput(oracle);

  const figures: Record<string, number> = {
    matvecInt8GasPerMac: perMac(rows, 'matvecI8 784x128'),
    matvecQ32GasPerMac: perMac(rows, 'matvecQ 784x128'),
    conv2dInt8GasPerMac: perMac(rows, 'conv2dI8 16x16x16 3x3 ->32 same'),
    conv2dQ32GasPerMac: perMac(rows, 'conv2dQ 8x8x8 3x3 ->16 same'),
    denseInt8GasPerMac: perMac(rows, 'Dense int8 784->128 relu'),
    denseQ32GasPerMac: perMac(rows, 'Dense q 784->128 relu'),
    conv2dLayerInt8GasPerMac: perMac(rows, 'Conv2D int8 16x16x16 3x3 ->32 same relu'),
    conv2dLayerQ32GasPerMac: perMac(rows, 'Conv2D q 16x16x16 3x3 ->32 same relu'),
    depthwiseInt8GasPerMac: perMac(rows, 'DepthwiseConv2D int8 16x16x32 3x3 same relu6'),
    depthwiseQ32GasPerMac: perMac(rows, 'DepthwiseConv2D q 16x16x32 3x3 same relu6'),
    lstmInt8GasPerMacPerStep: perMac(rows, 'LSTM int8 K=64 U=128 per step'),
    lstmQ32GasPerMacPerStep: perMac(rows, 'LSTM q K=64 U=128 per step'),
    oracleMacPerSec: Math.round(through.int8MacPerSec),
    oracleQ32MacPerSec: Math.round(through.q32MacPerSec),
    simulatorMgasPerSec: Number((ctx.evmGas / 1e6 / evmSeconds).toFixed(2)),
  };

  const baseline: Baseline | undefined = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline) : undefined;

  // ---- table
  const idWidth = Math.max(38, ...rows.map((r) => r.id.length));
  const head = `${pad('benchmark', idWidth)} ${pad('gas', 12, true)} ${pad('units', 9, true)} ${pad('gas/unit', 10, true)}  unit     ${pad('vs baseline', 12, true)}`;
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
      `${pad(r.id, idWidth)} ${pad(fmt(r.gas), 12, true)} ${pad(fmt(r.units), 9, true)} ${pad(fmt(r.gas / r.units, 2), 10, true)}  ${pad(r.unit, 7)}  ${pad(delta, 12, true)}`,
    );
  }
  console.log('');
  for (const [k, v] of Object.entries(figures)) {
    const base = baseline?.figures[k];
    const ratio = base ? `  (baseline ${fmt(base, Number.isInteger(base) ? 0 : 2)}, ×${(v / base).toFixed(2)})` : '';
    console.log(`${pad(k, 24)} ${pad(fmt(v, Number.isInteger(v) ? 0 : 2), 16, true)}${ratio}`);
  }
  console.log(`\n${rows.length} benchmarks in ${((performance.now() - t0) / 1000).toFixed(1)} s; EVM ${fmt(ctx.evmGas)} gas in ${evmSeconds.toFixed(1)} s`);

  const out: Baseline = { figures, gas: Object.fromEntries(rows.map((r) => [r.id, r.gas])) };
  if (args.has('--update') || !baseline) {
    writeFileSync(BASELINE, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${BASELINE}`);
  }
  if (regressions.length > 0) {
    console.log(`\n${regressions.length} gas regression(s) over ${TOLERANCE * 100}%:\n  ${regressions.join('\n  ')}`);
    if (args.has('--check')) process.exit(1);
  } else if (baseline) {
    console.log(`no gas regression over ${TOLERANCE * 100}% against bench/baseline.json`);
  }
}

function perMac(rows: BenchRow[], id: string): number {
  const r = rows.find((x) => x.id === id);
  if (!r) throw new Error(`benchmark ${id} missing`);
  return Number((r.gas / r.units).toFixed(3));
}

await main();
