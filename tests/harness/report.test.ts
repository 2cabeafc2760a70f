/**
 * The feasibility report (src/harness/report, `nnchain report`): the JSON shape the issue fixes, numbers
 * consistent with independent computations (IR params/MACs, a second deployment's receipts, the oracle),
 * the self-contained HTML, and the CLI's exit codes (CI gates, user mistakes).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { loadMnist } from '../../src/harness/data/mnist.ts';
import { importModel } from '../../src/harness/import/index.ts';
import { deployQuantized } from '../../src/harness/model-chain/index.ts';
import { quantizeModel } from '../../src/harness/quantize/model.ts';
import { buildReport, renderHtml, renderMarkdown, reportJson, type Report } from '../../src/harness/report/index.ts';
import { createChain } from '../../src/simulator/index.ts';

const run = promisify(execFile);
const MLP = join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json');
const NFT = join(REPO_ROOT, '..', 'shared', 'solearn-models', 'nft_mlp_10x10.json');
const CLI = join(REPO_ROOT, 'src', 'harness', 'cli', 'nnchain.ts');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(TSX, [CLI, 'report', ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const isInt = (v: unknown) => Number.isInteger(v) || (typeof v === 'string' && /^\d+$/.test(v));
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || isNum(v);

/** Every key and type the issue requires of one mode's JSON object. */
function expectShape(o: Record<string, any>): void {
  expect(typeof o.model).toBe('string');
  expect(typeof o.profile).toBe('string');
  expect(typeof o.mode).toBe('string');
  expect(Number.isInteger(o.params)).toBe(true);
  expect(Number.isInteger(o.macs)).toBe(true);
  expect(Array.isArray(o.layers)).toBe(true);
  for (const l of o.layers) {
    expect(typeof l.name).toBe('string');
    expect(typeof l.type).toBe('string');
    expect(Number.isInteger(l.params)).toBe(true);
    expect(Number.isInteger(l.macs)).toBe(true);
    expect(isInt(l.gas)).toBe(true);
  }
  expect(isInt(o.deploy.gas)).toBe(true);
  expect(Number.isInteger(o.deploy.txs)).toBe(true);
  expect(isNum(o.deploy.gasPerParam)).toBe(true);
  expect(isInt(o.inference.gas)).toBe(true);
  expect(Number.isInteger(o.inference.txs)).toBe(true);
  expect(isNum(o.inference.gasPerMac)).toBe(true);
  expect(Number.isInteger(o.accuracy.samples)).toBe(true);
  expect(numOrNull(o.accuracy.floatTop1)).toBe(true);
  expect(numOrNull(o.accuracy.chainTop1)).toBe(true);
  expect(isNum(o.accuracy.agreement)).toBe(true);
  expect(Number.isInteger(o.bitExact.checked)).toBe(true);
  expect(Number.isInteger(o.bitExact.mismatches)).toBe(true);
}

describe('buildReport on the MNIST MLP (both modes, held-out digits)', () => {
  let report: Report;
  beforeAll(async () => {
    report = await buildReport(MLP, { data: 'mnist', samples: 40, calibration: 40, chainSamples: 2 });
  });

  it('has the JSON shape of the issue: an array of one object per mode', () => {
    const j = JSON.parse(JSON.stringify(reportJson(report)));
    expect(Array.isArray(j)).toBe(true);
    expect(j.map((o: { mode: string }) => o.mode)).toEqual(['int8', 'q32']);
    for (const o of j) expectShape(o);
  });

  it('agrees with independent computations', async () => {
    const ir = await importModel(MLP);
    const mnist = loadMnist();
    for (const m of report.modes) {
      expect(m.params).toBe(ir.params);
      expect(m.macs).toBe(ir.macs);
      expect(m.layers.map((l) => l.name)).toEqual(ir.layers.map((l) => l.name));
      expect(m.layers.reduce((s, l) => s + l.params, 0)).toBe(ir.params);
      expect(m.layers.reduce((s, l) => s + l.macs, 0)).toBe(ir.macs);
      expect(m.bitExact).toMatchObject({ checked: 2, mismatches: 0, layerMismatches: 0 });
      expect(m.bitExact.layersChecked).toBe(m.layers.filter((l) => l.onChain).length);
      expect(m.inference.outputMatchesOracle).toBe(true);
      expect(m.inference.txs).toBe(1);
      expect(m.inference.gasPerMac).toBeCloseTo(Number(m.inference.gas) / ir.macs, 9);
      expect(m.deploy.transactions.reduce((s, t) => s + t.gas, 0n)).toBe(m.deploy.gas);
      expect(m.deploy.txs).toBe(m.deploy.transactions.length);
      expect(m.accuracy.samples).toBe(40);
      expect(m.accuracy.agreement).toBeGreaterThan(0.9);
      expect(m.verdicts.find((v) => v.profile === 'ethereum')!.deployable).toBe(true);
      // Real chain profiles only (the test profile `unlimited` is judged only when requested).
      expect(m.verdicts.map((v) => v.profile)).toEqual(['ethereum', 'base', 'arbitrum']);
    }
    // The deployment again on a fresh chain: the sum of its receipts is the report's deploy gas.
    const qm = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 40) });
    const chain = await createChain({ profile: 'ethereum' });
    const b0 = chain.blockNumber();
    await deployQuantized(chain, qm);
    let gas = 0n;
    for (let b = b0 + 1n; b <= chain.blockNumber(); b++) gas += chain.getBlock(b)!.tx!.receipt.gasUsed;
    const int8 = report.modes.find((m) => m.mode === 'int8')!;
    expect(gas).toBe(int8.deploy.gas);
    expect(Number(chain.blockNumber() - b0)).toBe(int8.deploy.txs);
  });

  it('renders a self-contained HTML page with the chart library, and Markdown', () => {
    const html = renderHtml(report);
    expect(html).toContain('Chart.js v4');
    expect(html).toMatch(/<canvas id="gas-chart">/);
    expect(html).toMatch(/<canvas id="acc-chart">/);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link[^>]*\shref\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:\/\//i);
    const md = renderMarkdown(report);
    expect(md).toContain('## Verdict');
    expect(md).toContain('| dense1 | Dense |');
  });
});

describe.runIf(existsSync(NFT))('buildReport on the solearn nft_mlp_10x10 fixture (synthetic inputs)', () => {
  it('reports agreement only, as one object for one mode', async () => {
    const r = await buildReport(NFT, { modes: ['int8'], samples: 20, chainSamples: 1 });
    const j = reportJson(r) as Record<string, any>;
    expect(Array.isArray(j)).toBe(false);
    expectShape(JSON.parse(JSON.stringify(j)));
    expect(j.accuracy.floatTop1).toBeNull();
    expect(j.accuracy.chainTop1).toBeNull();
    expect(r.data).toContain('synthetic inputs: no labels, accuracy n/a, agreement only');
    expect(j.bitExact.mismatches).toBe(0);
  });
});
if (!existsSync(NFT)) console.warn(`skipping the nft_mlp_10x10 report test: ${NFT} is absent`);

describe('nnchain report (child process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nnchain-report-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints only JSON, --out writes three files, gates that pass exit 0', async () => {
    const r = await cli([MLP, '--mode', 'int8', '--data', 'mnist', '--samples', '30', '--calibration', '30', '--chain-samples', '1', '--json', '--out', dir, '--max-gas', '16.7M', '--min-agreement', '50%']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expectShape(j);
    expect(j.mode).toBe('int8');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(j);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('# Feasibility report: mnist_mlp');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Chart.js v4');
  });

  it('--max-gas and --min-agreement exit 1 when exceeded', async () => {
    // int8 with 100 calibration digits agrees with float32 on 199 of the first 200 held-out digits (99.5 %).
    const g = await cli([MLP, '--mode', 'int8', '--data', 'mnist', '--samples', '200', '--calibration', '100', '--chain-samples', '1', '--max-gas', '1000', '--min-agreement', '99.9%']);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/inference gas \d+ exceeds --max-gas 1000/);
    expect(g.stderr).toMatch(/agreement 99\.50 % is below --min-agreement 99\.90 %/);
    const ok = await cli([MLP, '--mode', 'int8', '--data', 'mnist', '--samples', '200', '--calibration', '100', '--chain-samples', '1', '--min-agreement', '0.99']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(g.stdout).toContain('## Verdict');
  });

  it('a bad model path is one line on stderr and exit 2', async () => {
    const r = await cli([join(dir, 'nope.json')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => !/TensorFlow|tfjs-node|^=+$|^$/.test(l));
    expect(lines).toEqual([`nnchain: model file not found: ${join(dir, 'nope.json')}`]);
  });
});
