/**
 * Byte encodings of tensors shared by the EVM and the harness (docs/numerics.md §3, §4, §4.2):
 * - int8 tensors: one two's-complement byte per element, row-major;
 * - q tensors: 8-byte big-endian two's-complement int64 per element, row-major;
 * - int8 weight panels for the SWAR matvec: ⌈N/32⌉ panels of K 32-byte words.
 */
import { hexlify, getBytes } from 'ethers';

/** Int8 values → bytes (0x-hex for ABI `bytes`). */
export function encodeI8(values: ArrayLike<number>): string {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`int8 value out of range at ${i}: ${v}`);
    out[i] = v & 0xff;
  }
  return hexlify(out);
}

export function decodeI8(data: string | Uint8Array): Int8Array {
  const bytes = typeof data === 'string' ? getBytes(data) : data;
  return new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** int64 values → 8-byte big-endian elements. */
export function encodeQ(values: ArrayLike<bigint>): string {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`int64 value out of range at ${i}: ${v}`);
    view.setBigInt64(i * 8, v, false);
  }
  return hexlify(out);
}

export function decodeQ(data: string | Uint8Array): BigInt64Array {
  const bytes = typeof data === 'string' ? getBytes(data) : data;
  if (bytes.length % 8 !== 0) throw new RangeError(`q tensor byte length ${bytes.length} is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new BigInt64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigInt64(i * 8, false);
  return out;
}

/** Lanes per SWAR panel (numerics §4.2). */
export const PANEL = 32;

/**
 * Row-major K×N int8 matrix → panel layout (numerics §4.2): panel p = K words, word i holds
 * W[i][32p + j] at byte j (byte 0 most significant), zero-padded columns.
 */
export function packPanelsI8(w: ArrayLike<number>, K: number, N: number): Uint8Array {
  if (w.length !== K * N) throw new RangeError(`weights have ${w.length} values, expected K·N = ${K * N}`);
  const panels = Math.ceil(N / PANEL);
  const out = new Uint8Array(panels * K * PANEL);
  for (let p = 0; p < panels; p++) {
    for (let i = 0; i < K; i++) {
      const base = (p * K + i) * PANEL;
      for (let j = 0; j < PANEL; j++) {
        const col = p * PANEL + j;
        if (col < N) out[base + j] = w[i * N + col]! & 0xff;
      }
    }
  }
  return out;
}
