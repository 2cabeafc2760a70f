/**
 * Weight segments (SSTORE2 pattern) and the weights root — the TypeScript twins of
 * `contracts/storage/SegmentReader.sol` and `contracts/storage/WeightStore.sol`.
 *
 * - A **segment** holds 1 … 24,575 data bytes `d`; its runtime code is `0x00 ‖ d` (STOP first, so
 *   calling it does nothing), at most 24,576 bytes (EIP-170).
 * - It is deployed by a plain creation transaction whose initcode is a 10-byte constructor followed
 *   by the runtime code (`segmentInitcode`):
 *
 *       61 LLLL   PUSH2 L        L = runtime length = len(d) + 1
 *       80        DUP1
 *       60 0a     PUSH1 10       runtime starts after the 10 constructor bytes
 *       5f        PUSH0
 *       39        CODECOPY       memory[0, L) = code[10, 10 + L)
 *       5f        PUSH0
 *       f3        RETURN         return memory[0, L)
 *
 * - **Segment hash** `segmentHash(d) = keccak256(0x00 ‖ d)`: the keccak of the full runtime code,
 *   i.e. what EXTCODEHASH returns for the deployed segment (registration checks exactly that).
 * - **Weights root** `weightsRoot(configHash, h) = keccak256(abi.encode(bytes32 configHash, bytes32[] h))`
 *   = keccak256(configHash ‖ uint256(0x40) ‖ uint256(n) ‖ h[0] ‖ … ‖ h[n−1]).
 */
import { AbiCoder, getBytes, hexlify, keccak256 } from 'ethers';

/** Largest data length of one segment: 24,576-byte code limit minus the STOP prefix. */
export const SEGMENT_MAX_DATA = 24_575;
/** Length of the segment constructor in front of the runtime code. */
export const SEGMENT_CONSTRUCTOR_SIZE = 10;

export interface Segment {
  /** Position in the blob's segment list. */
  index: number;
  /** Offset of the first data byte in the blob. */
  offset: number;
  /** The data bytes (a view into the blob). */
  data: Uint8Array;
  /** `segmentHash(data)`, 0x-hex. */
  hash: string;
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? getBytes(data) : data;
}

function checkData(d: Uint8Array): void {
  if (d.length === 0) throw new RangeError('segment data must not be empty');
  if (d.length > SEGMENT_MAX_DATA) throw new RangeError(`segment data of ${d.length} bytes exceeds ${SEGMENT_MAX_DATA} (24,576-byte code limit minus the 0x00 prefix)`);
}

/** Runtime code of a segment: `0x00 ‖ data`. */
export function segmentRuntime(data: Uint8Array | string): Uint8Array {
  const d = bytesOf(data);
  checkData(d);
  const out = new Uint8Array(d.length + 1);
  out.set(d, 1);
  return out;
}

/** keccak256(0x00 ‖ data): the EXTCODEHASH of the deployed segment. */
export function segmentHash(data: Uint8Array | string): string {
  return keccak256(segmentRuntime(data));
}

/** Creation code (constructor + runtime) of a segment, 0x-hex. */
export function segmentInitcode(data: Uint8Array | string): string {
  const runtime = segmentRuntime(data);
  const L = runtime.length;
  const code = new Uint8Array(SEGMENT_CONSTRUCTOR_SIZE + L);
  code.set([0x61, L >> 8, L & 0xff, 0x80, 0x60, SEGMENT_CONSTRUCTOR_SIZE, 0x5f, 0x39, 0x5f, 0xf3], 0);
  code.set(runtime, SEGMENT_CONSTRUCTOR_SIZE);
  return hexlify(code);
}

/** Split a blob into consecutive segments of `maxData` bytes (the last one shorter). An empty blob has none. */
export function buildSegments(blob: Uint8Array, maxData = SEGMENT_MAX_DATA): Segment[] {
  if (!Number.isInteger(maxData) || maxData < 1 || maxData > SEGMENT_MAX_DATA) {
    throw new RangeError(`maxData must be an integer in [1, ${SEGMENT_MAX_DATA}], got ${maxData}`);
  }
  const out: Segment[] = [];
  for (let offset = 0, index = 0; offset < blob.length; offset += maxData, index++) {
    const data = blob.subarray(offset, Math.min(offset + maxData, blob.length));
    out.push({ index, offset, data, hash: segmentHash(data) });
  }
  return out;
}

/** keccak256(abi.encode(bytes32 configHash, bytes32[] segmentHashes)) — `WeightStore.weightsRoot()`. */
export function weightsRoot(configHash: string, segmentHashes: readonly string[]): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32[]'], [configHash, segmentHashes]));
}

/** Weights root of a blob with a config hash, as the chain computes it once all segments are registered. */
export function blobWeightsRoot(configHash: string, blob: Uint8Array, maxData = SEGMENT_MAX_DATA): string {
  return weightsRoot(configHash, buildSegments(blob, maxData).map((s) => s.hash));
}

/**
 * Bytes [offset, offset + length) of the concatenated data of `segments` (TS twin of
 * `SegmentReader.read`; throws a RangeError where the contract reverts SegmentReadOutOfBounds).
 */
export function readSegments(segments: readonly Uint8Array[], offset: number, length: number): Uint8Array {
  const total = segments.reduce((n, s) => n + s.length, 0);
  if (offset < 0 || length < 0 || (length > 0 && offset + length > total)) throw new RangeError(`SegmentReadOutOfBounds(${offset}, ${length})`);
  const out = new Uint8Array(length);
  let pos = 0;
  let written = 0;
  for (const s of segments) {
    if (written === length) break;
    const start = Math.max(offset + written - pos, 0);
    if (start < s.length) {
      const n = Math.min(s.length - start, length - written);
      out.set(s.subarray(start, start + n), written);
      written += n;
    }
    pos += s.length;
  }
  return out;
}

/** Gas of the EIP-2028 calldata and EIP-7623 floor of a transaction's data. */
export function calldataGas(data: Uint8Array): { standard: bigint; floorTokens: bigint } {
  let zeros = 0n;
  for (const b of data) if (b === 0) zeros++;
  const nonzeros = BigInt(data.length) - zeros;
  return { standard: zeros * 4n + nonzeros * 16n, floorTokens: zeros + nonzeros * 4n };
}

/**
 * Exact gas of the creation transaction of one segment (Prague/Osaka pricing):
 * max(21,000 + 32,000 + calldata + 2·⌈initcode/32⌉ + constructor execution + 200·runtime,
 *     21,000 + 10·floorTokens)   (EIP-7623).
 * Constructor execution: PUSH2, DUP1, PUSH1, PUSH0, PUSH0 (13) + CODECOPY (3 + 3·w) + memory for w words (3·w + ⌊w²/512⌋).
 */
export function segmentDeployGas(data: Uint8Array | string): bigint {
  const init = getBytes(segmentInitcode(data));
  const L = BigInt(init.length - SEGMENT_CONSTRUCTOR_SIZE);
  const w = (L + 31n) / 32n;
  const { standard, floorTokens } = calldataGas(init);
  const initWords = (BigInt(init.length) + 31n) / 32n;
  const exec = 13n + 3n + 3n * w + (3n * w + (w * w) / 512n);
  const used = 21_000n + 32_000n + standard + 2n * initWords + exec + 200n * L;
  const floor = 21_000n + 10n * floorTokens;
  return used > floor ? used : floor;
}
