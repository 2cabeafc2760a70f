/**
 * One schema per layer config struct → both encodings of the same config (docs/layers.md "Config encoding"):
 * - `abi`: `abi.encode(struct)` as Solidity's `abi.decode(config, (XConfig))` reads it (ethers AbiCoder);
 * - `flat`: the oracle's flat int64 words — fields depth-first in declaration order, a nested struct
 *   inline, an array as its length then its entries, a bool as 0/1.
 * The schema must list the fields exactly as the Solidity struct declares them (names, order, types);
 * values are range-checked against the field types before either encoding, so the two accept the same configs.
 */
import { AbiCoder } from 'ethers';

export type ScalarType = 'uint8' | 'uint32' | 'int8' | 'int32' | 'int64' | 'bool';
export type FieldType = ScalarType | 'uint32[]' | Schema;
export type Schema = readonly (readonly [name: string, type: FieldType])[];

/** A config value: numbers/bigints for integers, booleans, number arrays, nested objects. */
export type ConfigValue = number | bigint | boolean | readonly (number | bigint)[] | { readonly [k: string]: ConfigValue };

const RANGES: Record<Exclude<ScalarType, 'bool'>, [bigint, bigint]> = {
  uint8: [0n, 255n],
  uint32: [0n, 0xffffffffn],
  int8: [-128n, 127n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
};

/** The ABI type of a schema: `tuple(uint8 mode,…)`. */
export function abiType(schema: Schema): string {
  return `tuple(${schema.map(([name, t]) => `${typeof t === 'string' ? t : abiType(t)} ${name}`).join(',')})`;
}

function intOf(v: unknown, t: Exclude<ScalarType, 'bool'>, path: string): bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`${path}: expected an integer, got ${String(v)}`);
  if (typeof v === 'number' && !Number.isInteger(v)) throw new RangeError(`${path}: ${v} is not an integer`);
  const b = BigInt(v);
  const [lo, hi] = RANGES[t];
  if (b < lo || b > hi) throw new RangeError(`${path}: ${b} outside ${t}`);
  return b;
}

function field(obj: unknown, name: string, path: string): unknown {
  if (obj === null || typeof obj !== 'object' || !(name in obj)) throw new TypeError(`${path}: missing field ${name}`);
  return (obj as Record<string, unknown>)[name];
}

/** The value as nested arrays in schema order (what AbiCoder.encode takes for a tuple). */
function toAbi(schema: Schema, obj: unknown, path: string): unknown[] {
  return schema.map(([name, t]) => {
    const v = field(obj, name, path);
    const p = `${path}.${name}`;
    if (typeof t !== 'string') return toAbi(t, v, p);
    if (t === 'bool') {
      if (typeof v !== 'boolean') throw new TypeError(`${p}: expected a boolean`);
      return v;
    }
    if (t === 'uint32[]') {
      if (!Array.isArray(v)) throw new TypeError(`${p}: expected an array`);
      return v.map((e, i) => intOf(e, 'uint32', `${p}[${i}]`));
    }
    return intOf(v, t, p);
  });
}

/** `abi.encode(config)` as a 0x-hex string (the `config` argument of a layer's `forward`). */
export function encodeAbi(schema: Schema, config: unknown): string {
  return AbiCoder.defaultAbiCoder().encode([abiType(schema)], [toAbi(schema, config, 'config')]);
}

/** The flat int64 words the oracle's layer entry points read. */
export function encodeFlat(schema: Schema, config: unknown): BigInt64Array {
  const out: bigint[] = [];
  const walk = (s: Schema, v: unknown[]): void => {
    s.forEach(([, t], i) => {
      const x = v[i];
      if (typeof t !== 'string') walk(t, x as unknown[]);
      else if (t === 'bool') out.push(x ? 1n : 0n);
      else if (t === 'uint32[]') {
        const a = x as bigint[];
        out.push(BigInt(a.length), ...a);
      } else out.push(x as bigint);
    });
  };
  walk(schema, toAbi(schema, config, 'config'));
  return BigInt64Array.from(out);
}
