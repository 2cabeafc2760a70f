/** Number formatting and the per-layer table shared by the Markdown and HTML renderings. */
import type { ModeReport, Report } from './types.ts';

export const int = (n: number | bigint): string => n.toLocaleString('en-US');

/** A fraction as a percentage with two decimals, or `n/a`. */
export const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);

/** gas/MAC and similar ratios. */
export const ratio = (x: number | null, digits = 2): string => (x === null ? '—' : x.toFixed(digits));

/** A small real number in engineering-friendly form (errors). */
export const real = (x: number | null): string => (x === null ? '—' : x === 0 ? '0' : Math.abs(x) >= 0.01 ? x.toFixed(4) : x.toExponential(2));

export const shape = (s: number[]): string => s.map((d) => (d < 0 ? '?' : String(d))).join('×');

export const mgas = (g: bigint): string => `${(Number(g) / 1e6).toFixed(2)} M`;

export const money = (x: number, unit: 'ETH' | 'USD'): string => (unit === 'USD' ? `$${x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}` : `${x.toPrecision(4)} ETH`);

/** A table both renderings draw: header, plain-text cells, and which columns are numeric (right-aligned). */
export interface TableModel {
  head: string[];
  rows: string[][];
  numeric: boolean[];
}

const numericAfterMode = (head: string[], last?: 'text'): boolean[] => head.map((_, i) => i > 0 && !(last && i === head.length - 1));

/** Deployment per mode: transactions, gas, gas per parameter, segments, largest transaction, cost. */
export function deployTable(r: Report): TableModel {
  const c = r.modes[0]!.deploy.cost;
  const head = ['mode', 'transactions', 'gas', 'layer contracts', 'model gas/param', 'weights gas/param', 'segments', 'largest tx', `cost at ${c.gasPriceGwei} gwei`, `at $${int(c.ethPriceUsd)}/ETH`];
  const rows = r.modes.map((m) => [
    m.mode,
    int(m.deploy.txs),
    int(m.deploy.gas),
    int(m.deploy.layerContractsGas),
    ratio(m.deploy.gasPerParam, 1),
    ratio(m.deploy.weightsGasPerParam, 1),
    int(m.deploy.segments),
    int(m.deploy.largestTxGas),
    money(m.deploy.cost.eth, 'ETH'),
    money(m.deploy.cost.usd, 'USD'),
  ]);
  return { head, rows, numeric: numericAfterMode(head) };
}

/** Inference per mode: the transactions sent, their gas, the planner's estimate, the view call, oracle check. */
export function inferenceTable(r: Report): TableModel {
  const head = ['mode', 'transactions', 'gas', 'gas/MAC', 'planner estimate', 'view call gas', 'output = oracle'];
  const rows = r.modes.map((m) =>
    m.inference.error
      ? [m.mode, 'does not fit', '—', '—', '—', int(m.inference.viewGas), '—']
      : [m.mode, int(m.inference.txs), int(m.inference.gas), ratio(m.inference.gasPerMac), int(m.inference.estGas), int(m.inference.viewGas), m.inference.outputMatchesOracle ? 'yes' : 'NO'],
  );
  return { head, rows, numeric: numericAfterMode(head, 'text') };
}

/** Accuracy per mode: float vs quantized top-1, agreement, output error. */
export function accuracyTable(r: Report): TableModel {
  const head = ['mode', 'samples', 'float32 top-1', 'quantized top-1', 'agreement with float32', 'output max abs err'];
  const rows = r.modes.map((m) => [m.mode, int(m.accuracy.samples), pct(m.accuracy.floatTop1), pct(m.accuracy.chainTop1), pct(m.accuracy.agreement), real(m.accuracy.outputMaxAbsError)]);
  return { head, rows, numeric: numericAfterMode(head) };
}

/** EVM vs oracle bytes per mode. */
export function bitExactTable(r: Report): TableModel {
  const head = ['mode', 'samples via infer', 'mismatches', 'layer outputs (sample 0)', 'mismatches'];
  const rows = r.modes.map((m) => [m.mode, int(m.bitExact.checked), int(m.bitExact.mismatches), int(m.bitExact.layersChecked), int(m.bitExact.layerMismatches)]);
  return { head, rows, numeric: numericAfterMode(head) };
}

/** The per-layer table of one mode. */
export function layerTable(m: ModeReport): TableModel {
  const head = ['layer', 'type', 'output', 'params', 'MACs', 'gas', 'gas/MAC', 'fits one tx', 'max abs err', 'mean abs err', 'clipped / at limits'];
  const rows = m.layers.map((l) => [
    l.name,
    l.type,
    shape(l.outputShape),
    int(l.params),
    int(l.macs),
    l.onChain ? int(l.gas) : 'folded',
    ratio(l.gasPerMac),
    l.fitsOneTx === null ? '—' : l.fitsOneTx ? 'yes' : `no (${mgas(l.stepGas!)})`,
    real(l.maxAbsError),
    real(l.meanAbsError),
    l.saturated === null && l.atLimits === null ? '—' : `${int(l.saturated ?? 0)} / ${int(l.atLimits ?? 0)}`,
  ]);
  return { head, rows, numeric: [false, false, false, true, true, true, true, false, true, true, true] };
}
