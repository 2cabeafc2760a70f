/**
 * Host side shared by the multi-input layers (Add, Multiply, Concatenate; docs/layers/merge-norm.md):
 * - an extended config schema: the framework's `Schema` (schema.ts) plus the signed/unsigned array types
 *   `int8[]`, `int32[]` these configs need (both encodings: `abi.encode(struct)` and the oracle's flat
 *   int64 words — an array is its length then its entries);
 * - `oracleForwardMulti` / `harnessArgsMulti`: run an op on a list of input tensors. The oracle entry
 *   points take the inputs as a table of (pointer, byte length) int64 pairs:
 *   `(cfgPtr, cfgLen, wPtr, wLen, xsPtr, count[, from, to], yPtr) → bytes written`.
 */
import { AbiCoder, getBytes, hexlify } from 'ethers';
import type { Oracle } from '../oracle.ts';
import { putBytes } from './run.ts';
import type { ScalarType } from './schema.ts';

export type ArrayType = 'uint32[]' | 'int8[]' | 'int32[]';
export type ExtFieldType = ScalarType | ArrayType;
/** A flat struct schema (fields in Solidity declaration order). */
export type ExtSchema = readonly (readonly [name: string, type: ExtFieldType])[];

const RANGES: Record<Exclude<ScalarType, 'bool'>, [bigint, bigint]> = {
  uint8: [0n, 255n],
  uint32: [0n, 0xffffffffn],
  int8: [-128n, 127n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
};

function intOf(v: unknown, t: Exclude<ScalarType, 'bool'>, path: string): bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`${path}: expected an integer, got ${String(v)}`);
  if (typeof v === 'number' && !Number.isInteger(v)) throw new RangeError(`${path}: ${v} is not an integer`);
  const b = BigInt(v);
  const [lo, hi] = RANGES[t];
  if (b < lo || b > hi) throw new RangeError(`${path}: ${b} outside ${t}`);
  return b;
}

/** Field values in schema order, range-checked against the field types. */
function values(schema: ExtSchema, config: unknown): (bigint | boolean | bigint[])[] {
  if (config === null || typeof config !== 'object') throw new TypeError('config: expected an object');
  const obj = config as Record<string, unknown>;
  return schema.map(([name, t]) => {
    if (!(name in obj)) throw new TypeError(`config: missing field ${name}`);
    const v = obj[name];
    const p = `config.${name}`;
    if (t === 'bool') {
      if (typeof v !== 'boolean') throw new TypeError(`${p}: expected a boolean`);
      return v;
    }
    if (t.endsWith('[]')) {
      if (!Array.isArray(v)) throw new TypeError(`${p}: expected an array`);
      const et = t.slice(0, -2) as Exclude<ScalarType, 'bool'>;
      return v.map((e, i) => intOf(e, et, `${p}[${i}]`));
    }
    return intOf(v, t as Exclude<ScalarType, 'bool'>, p);
  });
}

export function abiTypeExt(schema: ExtSchema): string {
  return `tuple(${schema.map(([name, t]) => `${t} ${name}`).join(',')})`;
}

/** `abi.encode(config)` (0x-hex) as the layer's `forward` decodes it. */
export function encodeAbiExt(schema: ExtSchema, config: unknown): string {
  return AbiCoder.defaultAbiCoder().encode([abiTypeExt(schema)], [values(schema, config)]);
}

/** The oracle's flat int64 words. */
export function encodeFlatExt(schema: ExtSchema, config: unknown): BigInt64Array {
  const out: bigint[] = [];
  for (const v of values(schema, config)) {
    if (typeof v === 'boolean') out.push(v ? 1n : 0n);
    else if (Array.isArray(v)) out.push(BigInt(v.length), ...v);
    else out.push(v);
  }
  return BigInt64Array.from(out);
}

/** One multi-input layer op (the multi-input analogue of `LayerOp`). */
export interface MergeOp<C> {
  name: string;
  schema: ExtSchema;
  /** MergeNormHarness method (`…Range`, `…Ref`, `…RangeRef` variants exist). */
  harness: string;
  /** Oracle export (`…Range` variant exists). */
  oracle: string;
  outputBytes(config: C, range?: [number, number]): number;
}

const MAX_OUTPUT = 1 << 26;

/** Run a multi-input op in the oracle; throws the OracleError the EVM reverts with. */
export function oracleForwardMulti<C>(o: Oracle, op: MergeOp<C>, config: C, weights: Uint8Array, inputs: readonly Uint8Array[], range?: [number, number]): Uint8Array {
  o.arena();
  const cfg = encodeFlatExt(op.schema, config);
  const pc = o.putI64(cfg);
  const pw = putBytes(o, weights);
  const table: bigint[] = [];
  for (const x of inputs) table.push(BigInt(putBytes(o, x)), BigInt(x.length));
  const pt = o.putI64(table);
  const out = Math.min(Math.max(op.outputBytes(config, range), 1), MAX_OUTPUT);
  const py = o.alloc(out, 8);
  const n = range
    ? o.call<number>(op.oracle + 'Range', pc, cfg.length, pw, weights.length, pt, inputs.length, BigInt(range[0]), BigInt(range[1]), py)
    : o.call<number>(op.oracle, pc, cfg.length, pw, weights.length, pt, inputs.length, py);
  return new Uint8Array(o.exports.memory.buffer, py, n).slice();
}

/** The harness arguments `(config, weights, inputs[, from, to])`. */
export function harnessArgsMulti<C>(op: MergeOp<C>, config: C, weights: Uint8Array, inputs: readonly Uint8Array[], range?: [number, number]): unknown[] {
  const args: unknown[] = [encodeAbiExt(op.schema, config), hexlify(weights), inputs.map((x) => hexlify(x))];
  if (range) args.push(BigInt(range[0]), BigInt(range[1]));
  return args;
}

/** Decode a harness `(bytes y, uint256 gasUsed)` result. */
export function harnessResultBytes(value: unknown): { y: Uint8Array; gasUsed: bigint } {
  const [y, g] = value as [string, bigint];
  return { y: getBytes(y), gasUsed: BigInt(g) };
}

export const shapeCount = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** Elements per row of the first axis and the row count (rank 0: one row). */
export function rowsOf(dims: readonly number[]): { rows: number; rowElems: number } {
  const rows = dims.length === 0 ? 1 : dims[0]!;
  return { rows, rowElems: rows === 0 ? 0 : shapeCount(dims) / rows };
}

/**
 * Quantization options of a multi-input layer: q mode (F), or int8 with the calibrated float range of
 * every input (in the layer's input order) and of the output.
 */
export type MergeQuantOptions = { mode: 'q'; F?: number } | { mode: 'int8'; inputs: [number, number][]; output: [number, number] };
