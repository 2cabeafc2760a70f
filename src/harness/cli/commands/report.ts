/**
 * `nnchain report <model>`: the pre-deploy feasibility report (docs/report.md). Markdown on stdout (or
 * JSON with `--json`), report.md / report.json / report.html with `--out`; `--max-gas` and
 * `--min-agreement` turn it into a CI gate (exit 1 when exceeded).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { PROFILE_NAMES, getProfile } from '../../../simulator/profiles.ts';
import { buildReport, REPORT_DEFAULTS, ReportInputError, renderHtml, renderJson, renderMarkdown, type Report, type ReportMode } from '../../report/index.ts';
import { intArg, numArg, UserError } from '../errors.ts';

interface ReportCliOptions {
  profile: string;
  mode: string;
  data?: string;
  samples: number;
  chainSamples: number;
  calibration: number;
  F: number;
  seqLen: number;
  gasPrice: number;
  ethPrice: number;
  out?: string;
  json?: boolean;
  maxGas?: bigint;
  minAgreement?: number;
}

/** `--max-gas`: an integer gas amount, optionally with a k / M suffix (16.7M). */
function gasArg(v: string): bigint {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(v.replace(/[_,]/g, ''));
  if (!m) throw new InvalidArgumentError('--max-gas must be a gas amount such as 16777216 or 16.7M');
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]!]!;
  return BigInt(Math.round(Number(m[1]) * mult));
}

/** `--min-agreement`: a fraction (0.95) or a percentage (95 or 95%). */
function agreementArg(v: string): number {
  const pctSign = v.endsWith('%');
  const n = Number(pctSign ? v.slice(0, -1) : v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('--min-agreement must be a fraction in [0, 1] or a percentage in [0, 100]');
  return pctSign || n > 1 ? n / 100 : n;
}

function modesOf(v: string): ReportMode[] {
  switch (v.toLowerCase()) {
    case 'int8':
      return ['int8'];
    case 'q':
    case 'q32':
      return ['q32'];
    case 'both':
      return ['int8', 'q32'];
  }
  throw new UserError(`--mode must be int8, q32 or both, not "${v}"`);
}

/** A progress bar on stderr per phase of the long loops (silent when stderr is not a terminal). */
function progressBar() {
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  return {
    update(p: { phase: string; done: number; total: number }) {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        bar = new cliProgress.SingleBar({ format: `${p.phase.padEnd(24)} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
        bar.start(p.total, 0);
      }
      bar!.update(p.done);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** CI gates: the failed conditions, one line each. */
export function gateFailures(r: Report, maxGas?: bigint, minAgreement?: number): string[] {
  const out: string[] = [];
  for (const m of r.modes) {
    if (maxGas !== undefined) {
      if (m.inference.error) out.push(`${m.mode}: inference does not fit the ${m.profile} profile (${m.inference.error}); --max-gas ${maxGas}`);
      else if (m.inference.gas > maxGas) out.push(`${m.mode}: inference gas ${m.inference.gas} exceeds --max-gas ${maxGas}`);
    }
    if (minAgreement !== undefined && m.accuracy.agreement < minAgreement)
      out.push(`${m.mode}: top-1 agreement ${(m.accuracy.agreement * 100).toFixed(2)} % is below --min-agreement ${(minAgreement * 100).toFixed(2)} %`);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('pre-deploy feasibility report of a model: gas per layer, deployment and inference plans, accuracy per mode, EVM vs oracle check, verdict per chain profile')
    .argument('<model>', 'model file (tfjs layers model.json, solearn JSON or Keras .h5)')
    .option('--profile <name>', `chain profile to deploy and run on (${PROFILE_NAMES.join(', ')})`, REPORT_DEFAULTS.profile)
    .option('--mode <mode>', 'number mode: int8, q32 or both', 'both')
    .option('--data <dataset>', '"mnist" (held-out digits) or a JSON file {inputs: number[][], labels?: number[]}; default: seeded synthetic inputs')
    .option('--samples <n>', 'samples evaluated by the float reference and the oracle', intArg('samples', 1, 100_000), REPORT_DEFAULTS.samples)
    .option('--chain-samples <n>', 'samples also run on the embedded chain and compared byte for byte', intArg('chain-samples', 1, 1000), REPORT_DEFAULTS.chainSamples)
    .option('--calibration <n>', 'int8 calibration samples', intArg('calibration', 1, 100_000), REPORT_DEFAULTS.calibration)
    .option('--F <bits>', 'fractional bits of the q mode', intArg('F', 1, 62), REPORT_DEFAULTS.F)
    .option('--seq-len <n>', 'sequence length for models with a dynamic sequence axis', intArg('seq-len', 1, 4096), REPORT_DEFAULTS.seqLen)
    .option('--gas-price <gwei>', 'gas price for the cost figures, in gwei', numArg('gas-price', 0, 1e6), REPORT_DEFAULTS.gasPriceGwei)
    .option('--eth-price <usd>', 'ETH price for the cost figures, in USD', numArg('eth-price', 0, 1e9), REPORT_DEFAULTS.ethPriceUsd)
    .option('--out <dir>', 'write report.md, report.json and report.html into this directory')
    .option('--json', 'print the JSON report on stdout (and nothing else)')
    .option('--max-gas <gas>', 'exit 1 when the inference gas of a mode exceeds this (e.g. 16777216 or 16.7M)', gasArg)
    .option('--min-agreement <a>', 'exit 1 when the top-1 agreement with float32 of a mode is below this (fraction or %)', agreementArg)
    .addHelpText('after', '\nExamples:\n  nnchain report examples/mnist-cnn/model.json --data mnist --samples 500 --out report/\n  nnchain report model.json --json --max-gas 16777216 --min-agreement 0.98')
    .action(async (model: string, opts: ReportCliOptions) => {
      const path = resolve(model);
      if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`model file not found: ${model}`);
      try {
        getProfile(opts.profile);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const modes = modesOf(opts.mode);
      const bar = progressBar();
      let report: Report;
      try {
        report = await buildReport(path, {
          profile: opts.profile,
          modes,
          data: opts.data,
          samples: opts.samples,
          chainSamples: opts.chainSamples,
          calibration: opts.calibration,
          F: opts.F,
          seqLen: opts.seqLen,
          gasPriceGwei: opts.gasPrice,
          ethPriceUsd: opts.ethPrice,
          onProgress: (p) => bar.update(p),
        });
      } catch (e) {
        if (e instanceof ReportInputError) throw new UserError(e.message);
        throw e;
      } finally {
        bar.stop();
      }
      if (opts.out) {
        mkdirSync(opts.out, { recursive: true });
        writeFileSync(join(opts.out, 'report.md'), renderMarkdown(report));
        writeFileSync(join(opts.out, 'report.json'), renderJson(report));
        writeFileSync(join(opts.out, 'report.html'), renderHtml(report));
      }
      if (opts.json) process.stdout.write(renderJson(report));
      else {
        process.stdout.write(renderMarkdown(report));
        if (opts.out) console.log(`wrote ${join(opts.out, 'report.md')}, report.json, report.html`);
      }
      const failures = gateFailures(report, opts.maxGas, opts.minAgreement);
      if (failures.length) {
        for (const f of failures) console.error(`nnchain report: ${f}`);
        process.exitCode = 1;
      }
    });
}
