/**
 * `report.json`: one object per number mode (an array when the report has several modes). Gas values
 * are integers: JSON numbers up to 2^53 − 1, decimal strings above (never rounded).
 */
import type { ModeReport, Report } from './types.ts';

/** A bigint as a JSON number when exact, else its decimal string. */
export function gasJson(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return gasJson(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)]));
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** One mode's JSON object, the required keys first (docs/report.md "JSON"). */
export function modeJson(m: ModeReport): Record<string, unknown> {
  const { model, profile, mode, params, macs, layers, deploy, inference, accuracy, bitExact, ...rest } = m;
  return plain({ model, profile, mode, params, macs, layers, deploy, inference, accuracy, bitExact, ...rest }) as Record<string, unknown>;
}

/** The JSON value of a report: an object for one mode, an array for several. */
export function reportJson(r: Report): Record<string, unknown> | Record<string, unknown>[] {
  const modes = r.modes.map(modeJson);
  return modes.length === 1 ? modes[0]! : modes;
}

export function renderJson(r: Report): string {
  return `${JSON.stringify(reportJson(r), null, 2)}\n`;
}
