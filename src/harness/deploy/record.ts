/**
 * The deployment record: one JSON file per deployment, rewritten (atomically: temp file + rename) after
 * every step and before every transaction, so a crash or a dropped connection at any point leaves a
 * record that the same command resumes from. It never holds a private key.
 *
 * Next to `<name>.json` the deployer writes the exact bytes it deployed: `<name>.config.bin` (the config
 * blob, `abi.encode(ModelConfig)`) and `<name>.weights.bin` (the concatenated weight blob). `nnchain infer`
 * recreates an embedded deployment from them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { QuantParams } from '../quantize/int8.ts';

export const RECORD_FORMAT = 'nnchain-deployment/1';

export type StepStatus = 'pending' | 'done' | 'reused' | 'skipped';

export interface TxEntry {
  /** What the transaction did, e.g. `deploy NNModel`, `segment 3`, `registerSegment 3`. */
  step: string;
  hash: string;
  /** Decimal string (JSON has no bigint). */
  gasUsed: string;
  /** The gas limit it was sent with. */
  gasLimit: string;
  status: number;
  /** Contract created by it, if any. */
  address?: string;
}

export interface StepEntry {
  name: string;
  status: StepStatus;
  address?: string;
  txHash?: string;
  gasUsed?: string;
  /** pending creations: the address the transaction will create (from the sender's nonce). */
  nonce?: number;
  note?: string;
}

/** What a client needs to encode inputs and read outputs (from `quantizeModel`). */
export interface RecordQuantization {
  mode: 'int8' | 'q';
  F: number;
  inputShape: number[];
  /** Elements of one input. */
  inputLength: number;
  inputTransform?: { scale: number; offset: number };
  input?: QuantParams;
  output?: QuantParams;
  /** The first on-chain layer's type (an Embedding takes token ids). */
  firstLayer: string;
  /** How the int8 ranges were obtained, as stated to the user. */
  calibration: string;
  layers: { name: string; type: string; outputShape: number[] }[];
}

export interface DeploymentRecord {
  format: typeof RECORD_FORMAT;
  createdAt: string;
  updatedAt: string;
  chain: {
    kind: 'embedded' | 'rpc';
    /** The chain profile: the embedded chain's, or the one whose per-transaction cap applies to the node. */
    profile: string;
    chainId: string;
    /** RPC endpoint without credentials, query string or long path tokens (API keys). */
    rpc?: string;
  };
  deployer: string;
  model: {
    file: string;
    /** sha256 over the model file and, for tfjs layers, its weight shards in manifest order. */
    sha256: string;
    files: string[];
    name: string;
  };
  options: { mode: 'int8' | 'q'; F: number; calibration: number; segmentSize: number; seqLen?: number };
  quantization: RecordQuantization;
  configHash?: string;
  weightsRoot?: string;
  weightsLength?: number;
  segmentCount?: number;
  /** Files next to the record holding the exact bytes (relative to the record). */
  files: { config: string; weights: string };
  addresses: {
    layers: Record<string, string>;
    model?: string;
    configSegment?: string;
    segments: (string | null)[];
    collection?: string;
    tokenId?: string;
  };
  steps: StepEntry[];
  /** Every transaction sent, in order, across all runs. */
  txs: TxEntry[];
  /** Segment hash → address of a deployed (or being deployed) segment: resumes never deploy the same bytes twice. */
  journal: Record<string, string>;
  /** A transaction sent but not yet seen mined (a resume waits for it first). */
  pendingTx?: { hash: string; step: string };
  status: 'in progress' | 'complete';
}

/** Where records live: a file (atomic rewrites) or memory (the replay of `infer`). */
export interface RecordStore {
  readonly record: DeploymentRecord;
  save(): void;
}

export class FileRecordStore implements RecordStore {
  constructor(
    readonly path: string,
    readonly record: DeploymentRecord,
  ) {}
  save(): void {
    this.record.updatedAt = new Date().toISOString();
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(this.record, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}

export class MemoryRecordStore implements RecordStore {
  constructor(readonly record: DeploymentRecord) {}
  save(): void {}
}

/** Default record path for a model file: `<stem>.deployment.json` in the current directory. */
export function defaultRecordPath(modelFile: string): string {
  const b = basename(modelFile, extname(modelFile));
  const stem = b === 'model' ? basename(dirname(resolve(modelFile))) : b;
  return resolve(`${stem}.deployment.json`);
}

/** The blob files of a record path: `<name>.config.bin`, `<name>.weights.bin`. */
export function blobPaths(recordPath: string): { config: string; weights: string } {
  const base = recordPath.endsWith('.json') ? recordPath.slice(0, -5) : recordPath;
  return { config: `${base}.config.bin`, weights: `${base}.weights.bin` };
}

export function readRecord(path: string): DeploymentRecord {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RecordError(`cannot read deployment record ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = j as DeploymentRecord;
  if (!r || typeof r !== 'object' || r.format !== RECORD_FORMAT) throw new RecordError(`${path} is not an nnchain deployment record (format ${RECORD_FORMAT})`);
  return r;
}

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/** sha256 of a model file and the files it references (tfjs layers weight shards), and their list. */
export function modelDigest(file: string): { sha256: string; files: string[] } {
  const h = createHash('sha256');
  const bytes = readFileSync(file);
  h.update(bytes);
  const files = [file];
  if (extname(file).toLowerCase() === '.json') {
    try {
      const j = JSON.parse(bytes.toString('utf8')) as { weightsManifest?: { paths?: string[] }[] };
      for (const g of j.weightsManifest ?? [])
        for (const p of g.paths ?? []) {
          const f = join(dirname(file), p);
          if (existsSync(f)) {
            h.update(readFileSync(f));
            files.push(f);
          }
        }
    } catch {
      // not JSON after all: the importer reports that
    }
  }
  return { sha256: h.digest('hex'), files };
}

/**
 * An RPC URL fit for a record or a message: no user:password, no query string or fragment, and path
 * segments that look like API keys (≥ 16 characters of letters, digits, `-`, `_`) replaced by `…`.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname
      .split('/')
      .map((s) => (/^[A-Za-z0-9_-]{16,}$/.test(s) ? '…' : s))
      .join('/');
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(invalid URL)';
  }
}

export function findStep(r: DeploymentRecord, name: string): StepEntry | undefined {
  return r.steps.find((s) => s.name === name);
}

/** The step named `name`, created (pending) at the end of the list if absent. */
export function step(r: DeploymentRecord, name: string): StepEntry {
  let s = findStep(r, name);
  if (!s) {
    s = { name, status: 'pending' };
    r.steps.push(s);
  }
  return s;
}
