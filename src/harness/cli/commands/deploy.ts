/**
 * `nnchain deploy <model>`: quantize a model file and deploy it, on a fresh embedded chain (default) or
 * on any EVM node (`--rpc <url> --key <0x… | env:NAME>`), resumably, writing a deployment record after
 * every step. A thin shell over `runDeployment` (src/harness/deploy); docs/deploy.md.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { isError, type Provider, type Signer } from 'ethers';
import cliProgress from 'cli-progress';
import { getProfile, PROFILES, type ChainProfile } from '../../../simulator/profiles.ts';
import { buildModel } from '../../model-chain/config.ts';
import { ExecutionError } from '../../model-chain/plan.ts';
import { SEGMENT_MAX_DATA, UploadError } from '../../storage/index.ts';
import {
  DeployError,
  FileRecordStore,
  KeyError,
  RECORD_FORMAT,
  RecordError,
  blobPaths,
  connectRpc,
  defaultRecordPath,
  embeddedTarget,
  modelDigest,
  prepareModel,
  readRecord,
  redactUrl,
  runDeployment,
  walletFromKey,
  type DeploymentRecord,
} from '../../deploy/index.ts';
import { intArg, numArg, UserError } from '../errors.ts';

const fmt = (n: bigint | number | string) => BigInt(n).toLocaleString('en-US');

/**
 * Run a chain command: user mistakes (bad key, bad record) become `UserError` (one line, exit 2); a
 * failure on the chain or of the connection is one line and exit 1 (the record stays resumable).
 */
export async function chainCommand(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof KeyError || e instanceof RecordError) throw new UserError(e.message);
    if (e instanceof DeployError || e instanceof UploadError || e instanceof ExecutionError) fail(e.message);
    if (isError(e, 'NETWORK_ERROR') || isError(e, 'SERVER_ERROR') || isError(e, 'TIMEOUT') || (e as { code?: string })?.code === 'ECONNREFUSED') {
      fail(`lost the connection to the node: ${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split('\n')[0]}`);
    }
    throw e;
  }
}

function fail(message: string): never {
  console.error(`nnchain: ${message.split('\n')[0]}`);
  process.exit(1);
}

export function profileArg(name: string): ChainProfile {
  try {
    return getProfile(name);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

const addressArg = (v: string): string => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new InvalidArgumentError('must be a 0x-prefixed 20-byte address');
  return v;
};

interface DeployOpts {
  rpc?: string;
  key?: string;
  profile: string;
  mode: string;
  bits: number;
  calibration: number;
  seqLen: number;
  record?: string;
  segmentSize: number;
  layers?: string;
  mint?: string;
  name?: string;
  description: string;
  txDelay: number;
  headroom: number;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('quantize a model and deploy it as an NNModel: on a fresh embedded chain (default) or on any EVM node (--rpc), resumably')
    .argument('<model>', 'model file: tfjs layers model.json, Keras .h5, or solearn JSON')
    .option('--rpc <url>', 'deploy to this JSON-RPC node instead of the embedded chain')
    .option('--key <key>', 'signer with --rpc: 0x + 64 hex digits, or env:NAME to read it from the environment (preferred: keeps it out of the process list). Never printed or stored')
    .option('--profile <name>', `chain profile (${Object.keys(PROFILES).join(', ')}): the embedded chain's; with --rpc, whose per-transaction gas cap applies besides the node's block gas limit`, 'ethereum')
    .option('--mode <mode>', 'number mode: int8 (calibrated) or q / q32 (fixed point, --bits fractional bits)', 'int8')
    .option('--bits <F>', 'q mode: fractional bits', intArg('bits', 1, 62), 32)
    .option('--calibration <n>', 'int8: calibration inputs (MNIST training digits for 784-input models, else seeded synthetic inputs)', intArg('calibration', 1, 8000), 200)
    .option('--seq-len <n>', 'sequence length for models with a dynamic sequence axis (token models)', intArg('seq-len', 1, 4096), 8)
    .option('--record <file>', 'deployment record (default ./<model>.deployment.json); rerunning with the same record resumes')
    .option('--segment-size <bytes>', `weight bytes per code segment (max ${SEGMENT_MAX_DATA})`, intArg('segment-size', 1, SEGMENT_MAX_DATA), SEGMENT_MAX_DATA)
    .option('--layers <record>', 'with --rpc: reuse the layer contracts of another deployment record on the same chain')
    .option('--mint <collection>', 'with --rpc: mint the sealed model into this ModelCollection', addressArg)
    .option('--name <name>', 'token name with --mint (default: the model name)')
    .option('--description <text>', 'token description with --mint', '')
    .option('--tx-delay <ms>', 'pause after every transaction (rate-limited endpoints)', intArg('tx-delay', 0, 600_000), 0)
    .option('--headroom <fraction>', 'gas limit = node estimate × (1 + headroom), capped by the node and profile limits', numArg('headroom', 0, 4), 0.2)
    .option('--force', 'start a new deployment even if the record belongs to another model or other options')
    .addHelpText(
      'after',
      `
Without --rpc the model is deployed on a fresh embedded chain that lives only in this process: the
command prints the gas of every transaction and writes the record plus the exact bytes (config blob,
weight blob) next to it; \`nnchain infer <record>\` recreates that deployment deterministically from
them. With --rpc the record is written after every step and before every transaction: rerun the same
command to resume after a crash or a dropped connection (finished steps are checked on chain and
skipped; a changed model file is refused). Gas limits come from the node's estimates plus --headroom,
never above the latest block's gas limit or the profile's per-transaction cap.`,
    )
    .action((model: string, opts: DeployOpts) => chainCommand(() => deploy(model, opts)));
}

async function deploy(modelFile: string, opts: DeployOpts): Promise<void> {
  if (!existsSync(modelFile)) throw new UserError(`model file not found: ${modelFile}`);
  if (opts.mode !== 'int8' && opts.mode !== 'q' && opts.mode !== 'q32') throw new UserError(`--mode must be int8, q or q32, got ${opts.mode}`);
  const mode: 'int8' | 'q' = opts.mode === 'int8' ? 'int8' : 'q';
  const profile = profileArg(opts.profile);
  if (!opts.rpc) {
    for (const o of ['key', 'layers', 'mint'] as const) if (opts[o] !== undefined) throw new UserError(`--${o} needs --rpc (the embedded chain starts empty in every process)`);
  } else if (!opts.key) throw new UserError('--rpc needs --key <0x… | env:NAME>');

  const recordPath = resolve(opts.record ?? defaultRecordPath(modelFile));
  const digest = modelDigest(modelFile);
  const options = { mode, F: opts.bits, calibration: opts.calibration, segmentSize: opts.segmentSize, seqLen: opts.seqLen };

  // The signer and the chain.
  let signer: Signer;
  let provider: Provider;
  let chainId: bigint;
  let destroy = () => {};
  if (opts.rpc) {
    const wallet = walletFromKey(opts.key!);
    const c = await connectRpc(opts.rpc);
    provider = c.provider;
    chainId = c.chainId;
    signer = wallet.connect(provider);
    destroy = () => c.provider.destroy();
  } else {
    const t = await embeddedTarget(profile);
    provider = t.provider;
    signer = t.signer;
    chainId = profile.chainId;
    destroy = () => t.provider.destroy();
  }
  const deployer = await signer.getAddress();

  // The record: resume, or start anew.
  let resumed: DeploymentRecord | undefined;
  if (existsSync(recordPath) && !opts.force) {
    const old = readRecord(recordPath);
    if (old.model.sha256 !== digest.sha256) {
      throw new UserError(`the model file changed since ${relative('.', recordPath)} was written (sha256 ${old.model.sha256.slice(0, 12)}… → ${digest.sha256.slice(0, 12)}…); use another --record or --force`);
    }
    const o = old.options;
    const diff = (Object.keys(options) as (keyof typeof options)[]).filter((k) => o[k] !== options[k]);
    if (diff.length) throw new UserError(`${relative('.', recordPath)} was made with other options (${diff.map((k) => `${k} ${o[k]}`).join(', ')}); use the same options, another --record or --force`);
    if (opts.rpc && old.chain.kind === 'rpc') {
      if (old.chain.chainId !== chainId.toString()) throw new UserError(`${relative('.', recordPath)} is a deployment on chain ${old.chain.chainId}, the node is chain ${chainId}`);
      if (old.deployer.toLowerCase() !== deployer.toLowerCase()) throw new UserError(`${relative('.', recordPath)} was deployed by ${old.deployer}; resume it with the same key`);
      resumed = old;
    } else if (opts.rpc || old.chain.kind === 'rpc') {
      throw new UserError(`${relative('.', recordPath)} is ${old.chain.kind === 'rpc' ? 'a deployment on a node' : 'an embedded deployment'}; use another --record or --force`);
    }
  }
  const files = blobPaths(recordPath);
  const now = new Date().toISOString();
  const prepared = await prepareModel(modelFile, { mode, F: opts.bits, calibration: opts.calibration, sequenceLength: opts.seqLen });
  const rec: DeploymentRecord = resumed ?? {
    format: RECORD_FORMAT,
    createdAt: now,
    updatedAt: now,
    chain: { kind: opts.rpc ? 'rpc' : 'embedded', profile: profile.name, chainId: chainId.toString(), ...(opts.rpc ? { rpc: redactUrl(opts.rpc) } : {}) },
    deployer,
    model: { file: resolve(modelFile), sha256: digest.sha256, files: digest.files.map((f) => resolve(f)), name: prepared.ir.name },
    options,
    quantization: prepared.quantization,
    files: { config: relative(resolve(recordPath, '..'), files.config), weights: relative(resolve(recordPath, '..'), files.weights) },
    addresses: { layers: {}, segments: [] },
    steps: [],
    txs: [],
    journal: {},
    status: 'in progress',
  };
  const store = new FileRecordStore(recordPath, rec);
  store.save();

  let reuseLayers: Record<string, string> | undefined;
  if (opts.layers) {
    const other = readRecord(opts.layers);
    if (other.chain.chainId !== chainId.toString()) throw new UserError(`--layers: ${opts.layers} is a deployment on chain ${other.chain.chainId}, the node is chain ${chainId}`);
    reuseLayers = other.addresses.layers;
    const missing = prepared.kinds.filter((k) => !reuseLayers![k]);
    if (missing.length) throw new UserError(`--layers: ${opts.layers} has no ${missing.join(', ')} layer contract`);
  }

  const where = opts.rpc ? `${redactUrl(opts.rpc)} (chain ${chainId}, per-transaction cap of the ${profile.name} profile)` : `a fresh embedded ${profile.name} chain (chain id ${chainId})`;
  console.log(`deploying ${prepared.ir.name} (${prepared.qm.layers.map((l) => l.type).join(' → ')}, ${mode}${mode === 'q' ? ` F=${opts.bits}` : `, calibrated on ${prepared.quantization.calibration}`}) to ${where} from ${deployer}`);
  console.log(`record: ${relative('.', recordPath) || recordPath}${rec.steps.length ? ' (resuming)' : ''}`);

  let bar: cliProgress.SingleBar | undefined;
  const t0 = performance.now();
  try {
    await runDeployment(
      { signer, profile },
      {
        store,
        kinds: prepared.kinds,
        reuseLayers,
        segmentSize: opts.segmentSize,
        headroom: opts.headroom,
        delayMs: opts.txDelay,
        mint: opts.mint ? { collection: opts.mint, name: opts.name ?? prepared.ir.name, description: opts.description } : undefined,
        build: (layers) => {
          const b = buildModel(prepared.spec, layers);
          writeFileSync(files.config, b.blob);
          writeFileSync(files.weights, b.weights);
          return { blob: b.blob, configHash: b.configHash, weights: b.weights };
        },
        onEvent: (e) => {
          if (e.kind === 'built') {
            console.log(`config ${e.bytes.blob.length.toLocaleString('en-US')} bytes (hash ${e.bytes.configHash}), weights ${e.bytes.weights.length.toLocaleString('en-US')} bytes in ${e.segments} segment(s)`);
            if (process.stderr.isTTY) {
              bar = new cliProgress.SingleBar({ format: 'weights [{bar}] {value}/{total} segments', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
              bar.start(e.segments, 0);
            }
          } else if (e.kind === 'upload') {
            if (e.event.kind === 'registered') bar?.update(e.present);
          } else {
            if (e.name === 'upload weights') {
              bar?.stop();
              bar = undefined;
            }
            console.log(`  ${e.name.padEnd(20)} ${e.status.padEnd(8)} ${(e.address ?? '').padEnd(42)} ${e.gasUsed !== undefined ? `${fmt(e.gasUsed)} gas` : ''}`);
          }
        },
      },
    );
  } finally {
    bar?.stop();
    destroy();
  }
  printSummary(rec, recordPath, performance.now() - t0);
}

function printSummary(rec: DeploymentRecord, recordPath: string, ms: number): void {
  const w = Math.max(...rec.txs.map((t) => t.step.length), 4);
  console.log(`\n${'transaction'.padEnd(w)}  ${'gas used'.padStart(11)}  hash`);
  for (const t of rec.txs) console.log(`${t.step.padEnd(w)}  ${fmt(t.gasUsed || '0').padStart(11)}  ${t.hash}`);
  const total = rec.txs.reduce((s, t) => s + BigInt(t.gasUsed || '0'), 0n);
  console.log(`${'total'.padEnd(w)}  ${fmt(total).padStart(11)}  (${rec.txs.length} transactions)`);
  console.log(`\nmodel ${rec.addresses.model} sealed: weights root ${rec.weightsRoot}${rec.addresses.tokenId ? `, token #${rec.addresses.tokenId} of ${rec.addresses.collection}` : ''} (${(ms / 1000).toFixed(1)} s)`);
  console.log(`record ${relative('.', recordPath) || recordPath}`);
  if (rec.chain.kind === 'embedded') {
    console.log('note: the embedded chain lived only in this process; `nnchain infer <record> <input>` recreates this deployment from the saved bytes (same account, same nonces, same addresses) and checks its weights root.');
  }
}
