/**
 * Running a layer op in both tiers with the same bytes: `oracleForward` (the WASM oracle) and
 * `evmForward` (a LayerHarness deployed on a chain). Tensors are `Uint8Array`s in their wire encoding
 * (int8: one byte per element; q: 8-byte big-endian int64 — `encodeQ`/`decodeQ` of src/harness/tensor/pack.ts).
 */
import { getBytes, hexlify } from 'ethers';
import type { Oracle } from '../oracle.ts';
import { encodeAbi, encodeFlat } from './schema.ts';
import type { LayerOp } from './types.ts';

/** Bytes → oracle memory (returns the pointer). */
export function putBytes(o: Oracle, bytes: Uint8Array): number {
  const ptr = o.alloc(bytes.length, 1);
  new Uint8Array(o.exports.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** Largest output buffer the wrappers allocate (a config asking for more fails validation first). */
const MAX_OUTPUT = 1 << 26;

/**
 * Run `op` in the oracle on (config, weights, input) — the whole layer, or units `[from, to)` of a layer
 * with `forwardRange`. Returns the output bytes; a failure throws the OracleError the EVM reverts with.
 */
export function oracleForward<C>(o: Oracle, op: LayerOp<C>, config: C, weights: Uint8Array, input: Uint8Array, range?: [number, number]): Uint8Array {
  o.arena();
  const cfg = encodeFlat(op.schema, config);
  const pc = o.putI64(cfg);
  const pw = putBytes(o, weights);
  const px = putBytes(o, input);
  const out = Math.min(Math.max(op.outputBytes(config, range), 1), MAX_OUTPUT);
  const py = o.alloc(out, 8);
  const n = range
    ? o.call<number>(op.oracle + 'Range', pc, cfg.length, pw, weights.length, px, input.length, BigInt(range[0]), BigInt(range[1]), py)
    : o.call<number>(op.oracle, pc, cfg.length, pw, weights.length, px, input.length, py);
  return new Uint8Array(o.exports.memory.buffer, py, n).slice();
}

/** The LayerHarness arguments of `op` for (config, weights, input[, range]). */
export function harnessArgs<C>(op: LayerOp<C>, config: C, weights: Uint8Array, input: Uint8Array, range?: [number, number]): unknown[] {
  const args: unknown[] = [encodeAbi(op.schema, config), hexlify(weights), hexlify(input)];
  if (range) args.push(BigInt(range[0]), BigInt(range[1]));
  return args;
}

/** Decode a harness `(bytes y, uint256 gasUsed)` result. */
export function harnessResult(value: unknown): { y: Uint8Array; gasUsed: bigint } {
  const [y, g] = value as [string, bigint];
  return { y: getBytes(y), gasUsed: BigInt(g) };
}
