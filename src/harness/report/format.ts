/** Number formatting and the per-layer table shared by the Markdown and HTML renderings. */
import type { ModeReport } from './types.ts';

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

/** Columns of the per-layer table, and which are numeric (right-aligned). */
export const LAYER_COLUMNS = ['layer', 'type', 'output', 'params', 'MACs', 'gas', 'gas/MAC', 'fits one tx', 'max abs err', 'mean abs err', 'clipped / at limits'];
export const LAYER_NUMERIC = [false, false, false, true, true, true, true, false, true, true, true];

/** One row of the per-layer table (plain text cells). */
export function layerRow(l: ModeReport['layers'][number]): string[] {
  return [
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
  ];
}
