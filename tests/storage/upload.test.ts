/**
 * WeightStore + the upload executor on the embedded chain (ethereum profile): declaration,
 * registration with hash checks, interrupted and resumed uploads (same weights root, no segment
 * deployed twice), access control, sealing, reads through the model, gas per stored byte.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BrowserProvider, ZeroAddress, getBytes, hexlify, keccak256 } from 'ethers';
import { compileFor, getArtifact, type Artifact } from '../../src/harness/compile.ts';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { createEip1193Provider } from '../../src/simulator/rpc/index.ts';
import {
  SEGMENT_MAX_DATA,
  UploadError,
  buildSegments,
  ethersBackend,
  executeUpload,
  planUpload,
  segmentInitcode,
  segmentRuntime,
  simulatorBackend,
  weightsRoot,
  type UploadProgress,
} from '../../src/harness/storage/index.ts';
import { expectRevert } from '../helpers/receipts.ts';

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

const CONFIG = hexlify(new TextEncoder().encode('{"layers":["dense 100000"]}'));
const BLOB = pseudoBytes(100_000, 42); // 5 segments: 4 × 24,575 + 1,700

let model: Artifact;
let chain: Chain;

beforeAll(async () => {
  model = getArtifact('TestModel', compileFor(['contracts/test/TestModel.sol']));
  chain = await createChain({ profile: 'ethereum' });
});

async function newModel(owner = 0, config = CONFIG): Promise<string> {
  const { address } = await chain.deploy(model, [chain.accounts[owner]!.address, 'int8'], { from: owner });
  const r = await chain.send(address, model.abi, 'setConfig', [config], { from: owner });
  expect(r.status).toBe(1);
  return address;
}


async function view<T>(address: string, method: string, args: unknown[] = []): Promise<T> {
  return (await chain.call<T>(address, model.abi, method, args)).value;
}

describe('upload executor', () => {
  it('uploads 100,000 bytes in 5 segments: ≤ 250 gas per stored byte end to end', async () => {
    const m = await newModel();
    const events: UploadProgress[] = [];
    const res = await executeUpload(simulatorBackend(chain), m, BLOB, { onProgress: (e) => void events.push(e) });
    const hashes = buildSegments(BLOB).map((s) => s.hash);
    expect(res.segmentCount).toBe(5);
    expect(res.deployed).toEqual([0, 1, 2, 3, 4]);
    expect(res.weightsRoot).toBe(weightsRoot(keccak256(CONFIG), hashes));
    expect(await view<string>(m, 'weightsRoot')).toBe(res.weightsRoot);
    expect(await view<bigint>(m, 'totalLength')).toBe(100_000n);
    expect(await view<bigint>(m, 'segmentStride')).toBe(BigInt(SEGMENT_MAX_DATA));
    expect(await view<boolean[]>(m, 'segmentsPresent')).toEqual([true, true, true, true, true]);
    expect(await view<bigint[]>(m, 'missingSegments')).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['declared', ...Array(5).fill(['deployed', 'registered']).flat(), 'done']);
    for (const [i, a] of res.addresses.entries()) expect(await chain.getCode(a)).toBe(hexlify(segmentRuntime(BLOB.subarray(i * SEGMENT_MAX_DATA, (i + 1) * SEGMENT_MAX_DATA))));

    const bytes = BLOB.length;
    const per = (g: bigint) => Number(g) / bytes;
    const sealR = await chain.send(m, model.abi, 'seal', []);
    expect(sealR.status).toBe(1);
    console.log(
      [
        `gas per stored byte, ${bytes.toLocaleString('en-US')}-byte blob in ${res.segmentCount} segments (ethereum profile, Osaka):`,
        `  deploy   ${res.gas.deploy.toLocaleString('en-US').padStart(11)} gas  ${per(res.gas.deploy).toFixed(2)} gas/byte`,
        `  register ${res.gas.register.toLocaleString('en-US').padStart(11)} gas  ${per(res.gas.register).toFixed(2)} gas/byte (${(Number(res.gas.register) / 5).toFixed(0)} gas per segment)`,
        `  declare  ${res.gas.declare.toLocaleString('en-US').padStart(11)} gas  ${per(res.gas.declare).toFixed(2)} gas/byte`,
        `  total    ${res.gas.total.toLocaleString('en-US').padStart(11)} gas  ${per(res.gas.total).toFixed(2)} gas/byte  (seal: ${sealR.gasUsed} gas)`,
      ].join('\n'),
    );
    expect(per(res.gas.deploy + res.gas.register)).toBeLessThanOrEqual(250);
    expect(per(res.gas.total + sealR.gasUsed)).toBeLessThanOrEqual(250);

    // Weights read back through the model, across segment boundaries, both read paths.
    for (const [off, len] of [
      [0, 100],
      [SEGMENT_MAX_DATA - 10, 20],
      [40_000, 30_000],
      [99_990, 10],
    ] as [number, number][]) {
      const want = hexlify(BLOB.subarray(off, off + len));
      expect(await view<string>(m, 'readWeights', [off, len])).toBe(want);
      expect((await view<[string, bigint]>(m, 'readWeightsUniform', [off, len]))[0]).toBe(want);
    }
    const oob = await chain.tryCall(m, model.abi, 'readWeights', [99_990, 11]);
    expect(oob.ok).toBe(false);
    if (!oob.ok) expect(oob.error.name).toBe('SegmentReadOutOfBounds');
  });

  it('an interrupted upload resumes without redeploying and yields the same root', async () => {
    const m = await newModel();
    const journal = new Map<string, string>();
    const deployedAt = new Map<number, string>();
    let registered = 0;
    const stopAfter = (k: number) => (e: UploadProgress) => {
      if (e.kind === 'deployed') deployedAt.set(e.index, e.address);
      if (e.kind === 'registered' && ++registered === k) throw new Error('interrupted');
    };
    await expect(executeUpload(simulatorBackend(chain), m, BLOB, { journal, onProgress: stopAfter(2) })).rejects.toThrow('interrupted');

    const plan = await planUpload(simulatorBackend(chain), m, BLOB);
    expect(plan.declaration).toBe('match');
    expect(plan.present).toEqual([true, true, false, false, false]);
    expect(plan.missing).toEqual([2, 3, 4]);
    expect(await view<bigint[]>(m, 'missingSegments')).toEqual([2n, 3n, 4n]);

    // Second interruption: right after segment 2 is deployed, before it is registered.
    const stopOnDeploy = (e: UploadProgress) => {
      if (e.kind === 'deployed') {
        deployedAt.set(e.index, e.address);
        throw new Error('interrupted after deploy');
      }
    };
    await expect(executeUpload(simulatorBackend(chain), m, BLOB, { journal, onProgress: stopOnDeploy })).rejects.toThrow('interrupted after deploy');
    expect(await view<bigint[]>(m, 'missingSegments')).toEqual([2n, 3n, 4n]);

    const events: UploadProgress[] = [];
    const res = await executeUpload(simulatorBackend(chain), m, BLOB, {
      journal,
      onProgress: (e) => {
        events.push(e);
        if (e.kind === 'deployed') deployedAt.set(e.index, e.address);
      },
    });
    expect(res.alreadyPresent).toEqual([0, 1]);
    expect(res.reused).toEqual([2]); // deployed in the second run, registered in the third
    expect(res.deployed).toEqual([3, 4]);
    expect(res.gas.declare).toBe(0n);
    expect(events.filter((e) => e.kind === 'deployed').length).toBe(2);
    // Every segment was deployed exactly once over the three runs, and those are the registered ones.
    expect([...deployedAt.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(res.addresses).toEqual([0, 1, 2, 3, 4].map((i) => deployedAt.get(i)));
    expect(res.weightsRoot).toBe(weightsRoot(keccak256(CONFIG), buildSegments(BLOB).map((s) => s.hash)));

    // A fresh uninterrupted upload of the same blob and config gives the same root.
    const m2 = await newModel();
    const fresh = await executeUpload(simulatorBackend(chain), m2, BLOB);
    expect(fresh.weightsRoot).toBe(res.weightsRoot);

    // Running again on a complete upload does nothing.
    const again = await executeUpload(simulatorBackend(chain), m, BLOB);
    expect(again.gas.total).toBe(0n);
    expect(again.alreadyPresent).toEqual([0, 1, 2, 3, 4]);
  });

  it('chunked declarations resume; a different declaration needs redeclare', async () => {
    const m = await newModel();
    const blob = pseudoBytes(5000, 9);
    let n = 0;
    await expect(
      executeUpload(simulatorBackend(chain), m, blob, {
        maxData: 1000,
        declareBatch: 2,
        onProgress: (e) => {
          if (e.kind === 'declared' && ++n === 2) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(await view<bigint>(m, 'segmentCount')).toBe(4n);
    expect((await planUpload(simulatorBackend(chain), m, blob, { maxData: 1000 })).declaration).toBe('prefix');
    const res = await executeUpload(simulatorBackend(chain), m, blob, { maxData: 1000, declareBatch: 2, registerBatch: 3 });
    expect(await view<bigint>(m, 'segmentCount')).toBe(5n);
    expect(res.deployed).toEqual([0, 1, 2, 3, 4]);
    expect(res.weightsRoot).toBe(weightsRoot(keccak256(CONFIG), buildSegments(blob, 1000).map((s) => s.hash)));

    const other = pseudoBytes(5000, 10);
    await expect(executeUpload(simulatorBackend(chain), m, other, { maxData: 1000 })).rejects.toThrow(UploadError);
    const re = await executeUpload(simulatorBackend(chain), m, other, { maxData: 1000, redeclare: true });
    expect(re.deployed).toEqual([0, 1, 2, 3, 4]);
    expect(await view<string>(m, 'weightsRoot')).toBe(weightsRoot(keccak256(CONFIG), buildSegments(other, 1000).map((s) => s.hash)));
    expect(await view<bigint>(m, 'presentCount')).toBe(5n);
  });

  it('works through an ethers signer on the JSON-RPC provider', async () => {
    const m = await newModel(1);
    const provider = new BrowserProvider(createEip1193Provider(chain));
    const signer = await provider.getSigner(1);
    const blob = pseudoBytes(2500, 77);
    const backend = ethersBackend(signer);
    const res = await executeUpload(backend, m, blob, { maxData: 1000 });
    expect(res.deployed).toEqual([0, 1, 2]);
    expect(res.weightsRoot).toBe(weightsRoot(keccak256(CONFIG), buildSegments(blob, 1000).map((s) => s.hash)));
    // A revert comes back as an UploadError with the decoded custom error.
    const err = await executeUpload(ethersBackend(await provider.getSigner(2)), await newModel(1), blob, { maxData: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as UploadError).revert?.name).toBe('NotOwner');
    provider.destroy();
  });
});

describe('WeightStore rules', () => {
  let m: string;
  let segs: ReturnType<typeof buildSegments>;
  let addrs: string[];
  beforeAll(async () => {
    m = await newModel();
    segs = buildSegments(pseudoBytes(3000, 5), 1000);
    addrs = [];
    for (const s of segs) addrs.push((await chain.deployCode(segmentInitcode(s.data))).address);
  });

  it('non-owners cannot declare, register, configure or seal', async () => {
    const other = chain.accounts[1]!.address;
    expectRevert(await chain.send(m, model.abi, 'declareSegments', [segs.map((s) => s.hash)], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'appendSegments', [[segs[0]!.hash]], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, addrs[0]], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'registerSegments', [[0], [addrs[0]]], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'setConfig', ['0x01'], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'seal', [], { from: 1 }), 'NotOwner', [other]);
    expectRevert(await chain.send(m, model.abi, 'transferOwnership', [other], { from: 1 }), 'NotOwner', [other]);
  });

  it('checks every registration against the declared hash', async () => {
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, addrs[0]]), 'SegmentIndexOutOfRange', [0n, 0n]);
    expectRevert(await chain.send(m, model.abi, 'seal', []), 'SegmentsIncomplete', [0n, 0n]);
    expectRevert(await chain.send(m, model.abi, 'declareSegments', [[segs[0]!.hash, `0x${'00'.repeat(32)}`]]), 'ZeroSegmentHash', [1n]);
    expect((await chain.send(m, model.abi, 'declareSegments', [segs.map((s) => s.hash)])).status).toBe(1);

    // A forged segment: same length, one byte different.
    const forgedData = segs[1]!.data.slice();
    forgedData[500] ^= 0x01;
    const forged = (await chain.deployCode(segmentInitcode(forgedData))).address;
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [1, forged]), 'SegmentHashMismatch', [1n, segs[1]!.hash, keccak256(segmentRuntime(forgedData))]);
    // The right segment at the wrong index, an account without code, a contract that is not a segment.
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, addrs[1]]), 'SegmentHashMismatch', [0n, segs[0]!.hash, segs[1]!.hash]);
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, chain.accounts[3]!.address]), 'SegmentHashMismatch');
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, m]), 'SegmentHashMismatch');
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [3, addrs[0]]), 'SegmentIndexOutOfRange', [3n, 3n]);
    expectRevert(await chain.send(m, model.abi, 'registerSegments', [[0, 1], [addrs[0]]]), 'ArrayLengthMismatch', [2n, 1n]);
    // A batch with one bad entry registers nothing.
    expectRevert(await chain.send(m, model.abi, 'registerSegments', [[0, 1], [addrs[0], forged]]), 'SegmentHashMismatch');
    expect(await view<boolean[]>(m, 'segmentsPresent')).toEqual([false, false, false]);

    const r = await chain.send(m, model.abi, 'registerSegment', [1, addrs[1]]);
    expect(r.status).toBe(1);
    expect(r.logs.find((l) => l.name === 'SegmentRegistered')?.args).toEqual({ index: 1n, segment: addrs[1], dataLength: 1000n });
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [1, addrs[1]]), 'SegmentAlreadyRegistered', [1n, addrs[1]]);
    expect(await view<boolean[]>(m, 'segmentsPresent')).toEqual([false, true, false]);
    expect(await view<bigint[]>(m, 'missingSegments')).toEqual([0n, 2n]);
    expect(await view<string[]>(m, 'segments')).toEqual([ZeroAddress, addrs[1], ZeroAddress]);
    expectRevert(await chain.send(m, model.abi, 'seal', []), 'SegmentsIncomplete', [2n, 3n]);
    expect((await chain.send(m, model.abi, 'registerSegments', [[2, 0], [addrs[2], addrs[0]]])).status).toBe(1);
    expect(await view<bigint>(m, 'totalLength')).toBe(3000n);
  });

  it('a sealed model is immutable and emits Sealed(weightsRoot)', async () => {
    const root = await view<string>(m, 'weightsRoot');
    expect(root).toBe(weightsRoot(keccak256(CONFIG), segs.map((s) => s.hash)));
    expect(await view<boolean>(m, 'isSealed')).toBe(false);
    const r = await chain.send(m, model.abi, 'seal', []);
    expect(r.status).toBe(1);
    expect(r.logs.find((l) => l.name === 'Sealed')?.args).toEqual({ weightsRoot: root });
    expect(await view<boolean>(m, 'isSealed')).toBe(true);
    expectRevert(await chain.send(m, model.abi, 'seal', []), 'AlreadySealed');
    expectRevert(await chain.send(m, model.abi, 'declareSegments', [[segs[0]!.hash]]), 'AlreadySealed');
    expectRevert(await chain.send(m, model.abi, 'appendSegments', [[segs[0]!.hash]]), 'AlreadySealed');
    expectRevert(await chain.send(m, model.abi, 'registerSegment', [0, addrs[0]]), 'AlreadySealed');
    expectRevert(await chain.send(m, model.abi, 'registerSegments', [[], []]), 'AlreadySealed');
    expectRevert(await chain.send(m, model.abi, 'setConfig', ['0x01']), 'AlreadySealed');
    expect(await view<string>(m, 'weightsRoot')).toBe(root);
    // The uploader recognises a sealed model holding the same blob, and refuses another one.
    const ok = await executeUpload(simulatorBackend(chain), m, pseudoBytes(3000, 5), { maxData: 1000 });
    expect(ok.weightsRoot).toBe(root);
    expect(ok.gas.total).toBe(0n);
    await expect(executeUpload(simulatorBackend(chain), m, pseudoBytes(3000, 6), { maxData: 1000 })).rejects.toThrow(/sealed/);
    // Ownership can still move (before binding to a collection).
    const to = chain.accounts[2]!.address;
    expect((await chain.send(m, model.abi, 'transferOwnership', [to])).status).toBe(1);
    expect(await view<string>(m, 'owner')).toBe(to);
    expectRevert(await chain.send(m, model.abi, 'transferOwnership', [chain.accounts[0]!.address]), 'NotOwner');
  });

  it('the segment layout stays readable byte for byte', async () => {
    expect(getBytes(await view<string>(m, 'readWeights', [0, 3000]))).toEqual(pseudoBytes(3000, 5));
  });
});
