/**
 * Code segments: the TS builders (initcode, segment hash, weights root) against the chain, exact
 * deployment gas, and SegmentReader (walk / uniform / into a buffer) against the TS twin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AbiCoder, concat, getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from 'ethers';
import { compileFor, getArtifact, type Artifact } from '../../src/harness/compile.ts';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import {
  SEGMENT_MAX_DATA,
  buildSegments,
  readSegments,
  segmentDeployGas,
  segmentHash,
  segmentInitcode,
  segmentRuntime,
  weightsRoot,
} from '../../src/harness/storage/index.ts';

/** Deterministic pseudo-random bytes (xorshift32), like int8 weights: almost no zero bytes. */
function pseudoBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('segment builders (TS)', () => {
  it('splits a blob into segments of maxData bytes, the last shorter', () => {
    const blob = pseudoBytes(1000);
    const segs = buildSegments(blob, 300);
    expect(segs.map((s) => [s.index, s.offset, s.data.length])).toEqual([
      [0, 0, 300],
      [1, 300, 300],
      [2, 600, 300],
      [3, 900, 100],
    ]);
    expect(hexlify(concat(segs.map((s) => s.data)))).toBe(hexlify(blob));
    expect(buildSegments(blob).length).toBe(1);
    expect(buildSegments(pseudoBytes(SEGMENT_MAX_DATA * 2 + 1)).map((s) => s.data.length)).toEqual([SEGMENT_MAX_DATA, SEGMENT_MAX_DATA, 1]);
    expect(buildSegments(new Uint8Array(0))).toEqual([]);
    expect(() => buildSegments(blob, 0)).toThrow(RangeError);
    expect(() => buildSegments(blob, SEGMENT_MAX_DATA + 1)).toThrow(RangeError);
    expect(() => segmentInitcode(new Uint8Array(SEGMENT_MAX_DATA + 1))).toThrow(RangeError);
    expect(() => segmentInitcode(new Uint8Array(0))).toThrow(RangeError);
  });

  it('initcode is the 10-byte constructor + 0x00 ‖ data; hash = keccak256(0x00 ‖ data)', () => {
    const d = getBytes('0xdeadbeef');
    expect(segmentInitcode(d)).toBe('0x61000580600a5f395ff3' + '00deadbeef');
    expect(hexlify(segmentRuntime(d))).toBe('0x00deadbeef');
    expect(segmentHash(d)).toBe(keccak256('0x00deadbeef'));
  });

  it('weights root = keccak256(configHash ‖ 0x40 ‖ n ‖ hashes)', () => {
    const config = keccak256('0x1234');
    const hashes = buildSegments(pseudoBytes(700, 3), 250).map((s) => s.hash);
    const manual = keccak256(concat([config, zeroPadValue(toBeHex(0x40), 32), zeroPadValue(toBeHex(hashes.length), 32), ...hashes]));
    expect(weightsRoot(config, hashes)).toBe(manual);
    expect(weightsRoot(config, hashes)).toBe(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32[]'], [config, hashes])));
    expect(weightsRoot(config, [])).toBe(keccak256(concat([config, zeroPadValue(toBeHex(0x40), 32), zeroPadValue('0x', 32)])));
  });

  it('readSegments twin', () => {
    const parts = [getBytes('0x0102'), getBytes('0x030405'), getBytes('0x06')];
    expect(hexlify(readSegments(parts, 1, 4))).toBe('0x02030405');
    expect(hexlify(readSegments(parts, 5, 1))).toBe('0x06');
    expect(hexlify(readSegments(parts, 6, 0))).toBe('0x');
    expect(() => readSegments(parts, 5, 2)).toThrow(/SegmentReadOutOfBounds/);
  });
});

describe('segments on chain (ethereum profile)', () => {
  let chain: Chain;
  let harness: Artifact;
  let h: string;
  beforeAll(async () => {
    harness = getArtifact('StorageHarness', compileFor(['contracts/test/StorageHarness.sol']));
    chain = await createChain({ profile: 'ethereum' });
    h = (await chain.deploy(harness)).address;
  });

  it('deploys a full 24,575-byte segment: code and EXTCODEHASH match, gas equals the formula', async () => {
    for (const data of [pseudoBytes(SEGMENT_MAX_DATA, 7), pseudoBytes(1, 8), new Uint8Array(100), pseudoBytes(4097, 9)]) {
      const r = await chain.deployCode(segmentInitcode(data));
      expect(r.codeSize).toBe(data.length + 1);
      const code = await chain.getCode(r.address);
      expect(code).toBe(hexlify(segmentRuntime(data)));
      expect(keccak256(code)).toBe(segmentHash(data));
      expect(r.gasUsed).toBe(segmentDeployGas(data));
      expect((await chain.call(h, harness.abi, 'dataLength', [r.address])).value).toBe(BigInt(data.length));
    }
    const full = segmentDeployGas(pseudoBytes(SEGMENT_MAX_DATA, 7));
    console.log(`full segment (24,575 data bytes): ${full.toLocaleString('en-US')} gas = ${(Number(full) / SEGMENT_MAX_DATA).toFixed(2)} gas/byte`);
  });

  it('SegmentReader reads any range across segment boundaries (walk, uniform, into a buffer)', async () => {
    // Uniform layout: 5 segments of 97 bytes + 1 of 40.
    const blob = pseudoBytes(97 * 5 + 40, 11);
    const segs = buildSegments(blob, 97);
    const addrs: string[] = [];
    for (const s of segs) addrs.push((await chain.deployCode(segmentInitcode(s.data))).address);
    expect((await chain.call(h, harness.abi, 'totalLength', [addrs])).value).toBe(BigInt(blob.length));
    const cases: [number, number][] = [
      [0, 0],
      [0, 1],
      [0, 97],
      [96, 2],
      [50, 200],
      [0, blob.length],
      [blob.length - 1, 1],
      [97 * 5, 40],
      [10, 97 * 5 + 20],
    ];
    for (const [off, len] of cases) {
      const want = hexlify(blob.subarray(off, off + len));
      const [walk] = (await chain.call<[string, bigint]>(h, harness.abi, 'read', [addrs, off, len])).value;
      const [uni] = (await chain.call<[string, bigint]>(h, harness.abi, 'readUniform', [addrs, 97, off, len])).value;
      expect(walk, `read(${off}, ${len})`).toBe(want);
      expect(uni, `readUniform(${off}, ${len})`).toBe(want);
      const buf = getBytes((await chain.call<string>(h, harness.abi, 'readInto', [addrs, 97, off, len, len + 9, 4])).value);
      expect(hexlify(buf.subarray(4, 4 + len))).toBe(want);
      expect([...buf.subarray(0, 4), ...buf.subarray(4 + len)].every((b) => b === 0xaa)).toBe(true);
    }
    // Irregular layout (walk mode only): 3, 200, 1, 50 bytes.
    const sizes = [3, 200, 1, 50];
    const parts = sizes.map((n, i) => pseudoBytes(n, 20 + i));
    const irregular: string[] = [];
    for (const p of parts) irregular.push((await chain.deployCode(segmentInitcode(p))).address);
    for (const [off, len] of [
      [0, 254],
      [2, 2],
      [203, 1],
      [202, 3],
      [150, 100],
    ] as [number, number][]) {
      const [walk] = (await chain.call<[string, bigint]>(h, harness.abi, 'read', [irregular, off, len])).value;
      expect(walk).toBe(hexlify(readSegments(parts, off, len)));
    }
    // Uniform mode refuses a layout that is not uniform rather than returning shifted bytes.
    const bad = await chain.tryCall(h, harness.abi, 'readUniform', [irregular, 3, 0, 10]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.name).toBe('SegmentSizeMismatch');
  });

  it('out-of-bounds ranges, missing segments and short buffers revert with named errors', async () => {
    const blob = pseudoBytes(150, 5);
    const segs = buildSegments(blob, 100);
    const addrs: string[] = [];
    for (const s of segs) addrs.push((await chain.deployCode(segmentInitcode(s.data))).address);
    const expectError = async (method: string, args: unknown[], name: string, errArgs?: unknown[]) => {
      const r = await chain.tryCall(h, harness.abi, method, args);
      expect(r.ok, `${method}(${args.slice(1).join(', ')})`).toBe(false);
      if (!r.ok) {
        expect(r.error.name).toBe(name);
        if (errArgs) expect(r.error.args).toEqual(errArgs);
      }
    };
    await expectError('read', [addrs, 100, 51], 'SegmentReadOutOfBounds', [100n, 51n]);
    await expectError('read', [addrs, 150, 1], 'SegmentReadOutOfBounds');
    await expectError('readUniform', [addrs, 100, 149, 2], 'SegmentReadOutOfBounds');
    await expectError('readUniform', [addrs, 100, 200, 1], 'SegmentReadOutOfBounds');
    const noCode = '0x000000000000000000000000000000000000dEaD';
    await expectError('read', [[addrs[0], noCode], 90, 20], 'EmptySegment', [1n, noCode]);
    await expectError('readInto', [addrs, 0, 0, 10, 12, 3], 'BufferTooSmall', [13n, 12n]);
  });

  it('readInto reuses one buffer: no memory allocated per read; prints read gas', async () => {
    const blob = pseudoBytes(SEGMENT_MAX_DATA * 2 + 5000, 13);
    const segs = buildSegments(blob);
    const addrs: string[] = [];
    for (const s of segs) addrs.push((await chain.deployCode(segmentInitcode(s.data))).address);
    const len = 4096;
    const offsets = [0, SEGMENT_MAX_DATA - 100, 30_000, SEGMENT_MAX_DATA * 2 - 1, blob.length - len];
    const [hashes, growth, gasMany] = (await chain.call<[string[], bigint, bigint]>(h, harness.abi, 'readManyInto', [addrs, SEGMENT_MAX_DATA, offsets, len])).value;
    expect(growth).toBe(0n);
    expect(hashes).toEqual(offsets.map((o) => keccak256(blob.subarray(o, o + len))));
    const [, gasWalk] = (await chain.call<[string, bigint]>(h, harness.abi, 'read', [addrs, 50_000, len])).value;
    const [, gasUni] = (await chain.call<[string, bigint]>(h, harness.abi, 'readUniform', [addrs, SEGMENT_MAX_DATA, 50_000, len])).value;
    console.log(
      `read 4,096 bytes at offset 50,000 (third segment, cold accounts): walk ${gasWalk} gas, uniform ${gasUni} gas; 5 reads into one buffer: ${gasMany} gas (${(Number(gasMany) / (5 * len)).toFixed(2)} gas/byte)`,
    );
    expect(gasUni).toBeLessThan(gasWalk);
  });
});
