/**
 * `nnchain infer <record> [input]`: run one inference on a deployed model — on the embedded chain by a
 * deterministic replay of the deployment from the record's saved bytes, or on the node of `--rpc` (planned
 * on an embedded replica, sent through ethers, every commitment checked). docs/deploy.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { hexlify } from 'ethers';
import { getProfile } from '../../../simulator/profiles.ts';
import { maxTxGas } from '../../../simulator/index.ts';
import { loadMnist, MNIST_PIXELS, MNIST_TEST } from '../../data/mnist.ts';
import { describeTx, executePlan } from '../../model-chain/plan.ts';
import { argmax, decodeModelOutput, encodeModelInput } from '../../quantize/io.ts';
import { connectRpc, inferRpc, ioModelOf, readRecord, replayEmbedded, savedBytes, walletFromKey, type DeploymentRecord } from '../../deploy/index.ts';
import { intArg, numArg, UserError } from '../errors.ts';
import { chainCommand } from './deploy.ts';

const fmt = (n: bigint | number) => n.toLocaleString('en-US');

interface InferOpts {
  digit?: number;
  rpc?: string;
  key?: string;
  value?: string;
  margin: number;
  cap?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('infer')
    .description('run one inference on a deployed model (embedded replay by default, or on the node of --rpc)')
    .argument('<record>', 'deployment record written by `nnchain deploy`')
    .argument('[input]', 'JSON file with the input as a number array (float values; nested arrays are flattened)')
    .option('--digit <n>', `use held-out MNIST digit n (0–${MNIST_TEST - 1}) as the input (784-input models)`, intArg('digit', 0, MNIST_TEST - 1))
    .option('--rpc <url>', 'run on this JSON-RPC node (the record must be a deployment on it)')
    .option('--key <key>', 'signer with --rpc: 0x + 64 hex digits, or env:NAME. Never printed or stored')
    .option('--value <wei>', "Ether sent with classify/startSession (default: the bound collection's inference fee, or 0)")
    .option('--margin <fraction>', 'planning margin under the per-transaction cap', numArg('margin', 0, 0.9), 0.1)
    .option('--cap <gas>', "plan under this per-transaction gas (default and upper bound: the profile's cap and the node's block gas limit)", intArg('cap', 100_000, 2 ** 40))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Without --rpc the deployment of an embedded record is recreated on a fresh embedded chain from the bytes
saved next to the record (same account, same nonces, so the same addresses; the weights root is checked
against the record), and the inference runs there: one classify transaction, or a session of several
when the profile's per-transaction cap calls for it. With --rpc the inference is planned on an embedded
replica built from the node's own contract bytes, then sent to the node; every commitment the node emits
is checked against the replica's tensors. The input is quantized with the parameters in the record.`,
    )
    .action((recordPath: string, inputPath: string | undefined, opts: InferOpts) => chainCommand(() => infer(recordPath, inputPath, opts)));
}

function readInput(rec: DeploymentRecord, inputPath: string | undefined, digit: number | undefined): { values: number[]; label?: number } {
  const n = rec.quantization.inputLength;
  if (digit !== undefined) {
    if (inputPath) throw new UserError('give either an input file or --digit, not both');
    if (n !== MNIST_PIXELS) throw new UserError(`--digit needs a model taking ${MNIST_PIXELS} values; this one takes ${n}`);
    const d = loadMnist().test;
    return { values: Array.from(d.images[digit]!), label: d.labels[digit] };
  }
  if (!inputPath) throw new UserError('give an input JSON file or --digit <n>');
  if (!existsSync(inputPath)) throw new UserError(`input file not found: ${inputPath}`);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(inputPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${inputPath}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (j && typeof j === 'object' && !Array.isArray(j) && 'input' in j) j = (j as { input: unknown }).input;
  if (!Array.isArray(j)) throw new UserError(`${inputPath}: expected a JSON array of numbers`);
  const values = (j as unknown[]).flat(Infinity);
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new UserError(`${inputPath}: every element must be a finite number`);
  if (values.length !== n) throw new UserError(`${inputPath}: ${values.length} values, the model takes ${n} (shape ${rec.quantization.inputShape.join('×')})`);
  return { values: values as number[] };
}

async function infer(recordPath: string, inputPath: string | undefined, opts: InferOpts): Promise<void> {
  if (!existsSync(recordPath)) throw new UserError(`deployment record not found: ${recordPath}`);
  const rec = readRecord(recordPath);
  const { values, label } = readInput(rec, inputPath, opts.digit);
  const io = ioModelOf(rec.quantization);
  const input = encodeModelInput(io, values);
  let value: bigint | undefined;
  if (opts.value !== undefined) {
    if (!/^\d+$/.test(opts.value)) throw new UserError('--value must be a whole number of wei');
    value = BigInt(opts.value);
  }

  let output: Uint8Array;
  let top: bigint;
  let txs: { what: string; hash: string; gasUsed: bigint; replicaGas?: bigint }[];
  let where: string;
  if (!opts.rpc) {
    if (opts.key) throw new UserError('--key needs --rpc');
    if (rec.chain.kind !== 'embedded') throw new UserError(`this record is a deployment on a node (chain ${rec.chain.chainId}${rec.chain.rpc ? `, ${rec.chain.rpc}` : ''}): pass --rpc <url> --key <…>`);
    const dir = dirname(resolve(recordPath));
    const read = (f: string) => {
      const p = resolve(dir, f);
      if (!existsSync(p)) throw new UserError(`the record's bytes file is missing: ${p}`);
      return new Uint8Array(readFileSync(p));
    };
    const bytes = savedBytes(read(rec.files.config), read(rec.files.weights), rec);
    const { chain, model } = await replayEmbedded(rec, bytes);
    const profile = getProfile(rec.chain.profile);
    const max = maxTxGas(profile);
    const cap = opts.cap !== undefined && BigInt(opts.cap) < max ? BigInt(opts.cap) : max;
    const r = await executePlan(chain, model, input, { cap, margin: opts.margin, value });
    output = r.output;
    top = r.argmax;
    txs = r.txs.map((x) => ({ what: describeTx(x.tx), hash: x.txHash, gasUsed: x.gasUsed }));
    where = `embedded ${profile.name} chain (deployment replayed from the record's bytes: addresses, config hash and weights root equal the record's)`;
  } else {
    if (!opts.key) throw new UserError('--rpc needs --key <0x… | env:NAME>');
    if (rec.chain.kind !== 'rpc') throw new UserError('this record is an embedded deployment; run infer without --rpc, or deploy to the node first');
    const wallet = walletFromKey(opts.key);
    const { provider, chainId } = await connectRpc(opts.rpc);
    try {
      if (chainId.toString() !== rec.chain.chainId) throw new UserError(`the record is a deployment on chain ${rec.chain.chainId}, the node is chain ${chainId}`);
      const r = await inferRpc(wallet.connect(provider), rec, input, { profile: getProfile(rec.chain.profile), value, margin: opts.margin, cap: opts.cap !== undefined ? BigInt(opts.cap) : undefined });
      output = r.output;
      top = r.argmax;
      txs = r.txs.map((x) => ({ what: x.what, hash: x.hash, gasUsed: x.gasUsed, replicaGas: x.replicaGas }));
      where = `chain ${chainId} at the node (planned on an embedded replica; every commitment checked)`;
    } finally {
      provider.destroy();
    }
  }

  const scores = Array.from(decodeModelOutput(io, output));
  const total = txs.reduce((s, t) => s + t.gasUsed, 0n);
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          model: rec.addresses.model,
          output: hexlify(output),
          scores,
          argmax: Number(top),
          txs: txs.map((t) => ({ what: t.what, hash: t.hash, gasUsed: t.gasUsed.toString(), ...(t.replicaGas !== undefined ? { replicaGas: t.replicaGas.toString() } : {}) })),
          totalGas: total.toString(),
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`model ${rec.addresses.model} (${rec.model.name}, ${rec.quantization.mode}) on the ${where}`);
  const w = Math.max(...txs.map((t) => t.what.length), 11);
  console.log(`${'transaction'.padEnd(w)}  ${'gas used'.padStart(11)}  hash`);
  for (const t of txs) console.log(`${t.what.padEnd(w)}  ${fmt(t.gasUsed).padStart(11)}  ${t.hash}`);
  console.log(`${'total'.padEnd(w)}  ${fmt(total).padStart(11)}  (${txs.length} transaction${txs.length === 1 ? '' : 's'})`);
  console.log(`output: [${scores.map((v) => Number(v.toPrecision(6))).join(', ')}]`);
  console.log(`raw:    ${hexlify(output)}`);
  console.log(`argmax: ${top}${label !== undefined ? ` (digit labelled ${label})` : ''}${Number(top) !== argmax(scores) ? ' (NOTE: differs from the dequantized scores’ argmax)' : ''}`);
}
