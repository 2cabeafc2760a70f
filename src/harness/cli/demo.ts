/**
 * `npm run demo` — the main job on the embedded chain.
 *
 * 1. Imports the committed MNIST MLP (examples/mnist-mlp, tfjs layers format), quantizes it in both
 *    number modes (int8 calibrated on 200 training digits; Q32.32), and runs the 2,000 held-out digits
 *    through the float reference (tfjs), the int8 oracle and the q32 oracle: accuracy and top-1 agreement.
 * 2. Runs held-out digits layer by layer on an embedded ethereumjs chain and checks every layer's output
 *    bytes against the oracle (bit for bit), with gas per layer and gas per multiply-accumulate.
 * 3. Runs the tensor kernels (matvec, conv2d, pooling, softmax, nonlinear functions) on the chain and in
 *    the oracle, with gas and agreement.
 * Everything is deterministic (fixed data split, seeded inputs).
 */
import { join } from 'node:path';
import { getBytes, hexlify } from 'ethers';
import { compileFor, getArtifact, REPO_ROOT } from '../compile.ts';
import { loadMnist } from '../data/mnist.ts';
import { importTfjsLayers } from '../import/index.ts';
import { conv2dI8Requant, conv2dShapeArg } from '../kernels/conv.ts';
import { matvecQ } from '../kernels/matvec.ts';
import { maxPool2dI8, pool2dShapeArg } from '../kernels/pool.ts';
import { qExp, qGelu, qLog, qSigmoid, qSqrt, qTanh } from '../kernels/qmath.ts';
import { softmaxQ } from '../kernels/softmax.ts';
import { harnessArgs, harnessResult, oracleForward } from '../layers/run.ts';
import { buildModel, denseLayer, deployLayers, deployModel, layerAddresses, modelArtifact } from '../model-chain/index.ts';
import type { QuantizedDense } from '../layers/dense.ts';
import { predictFloat } from '../model/tfjs.ts';
import { loadOracle, type Oracle } from '../oracle.ts';
import { quantizeTensor } from '../quantize/int8.ts';
import { quantizeModel, type QuantizedModel } from '../quantize/model.ts';
import { toQArray } from '../quantize/q.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../tensor/pack.ts';
import { createChain, type Chain } from '../../simulator/index.ts';
import { randomI8, randomQ, rng } from '../util/random.ts';

/** The solearn design's published figure for its 10×10 MLP (6,270 MACs): 12.27 M gas per inference. */
const SOLEARN_MLP_GAS_PER_MAC = 12_270_000 / 6_270;

const r = rng(2026);
const i8 = (n: number, lo = -128, hi = 127) => randomI8(n, r, lo, hi);
const qv = (n: number, range = 1) => randomQ(n, r, range);
const same = (a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>) =>
  a.length === b.length && Array.from(a).every((v, i) => BigInt(v) === BigInt(b[i]!));
const fmt = (n: number | bigint) => n.toLocaleString('en-US');

class Harnesses {
  private readonly cache = new Map<string, { address: string; abi: unknown[] }>();
  constructor(private readonly chain: Chain) {}
  async call(name: string, method: string, args: unknown[]): Promise<unknown[]> {
    let h = this.cache.get(name);
    if (!h) {
      const artifact = getArtifact(name, compileFor([`contracts/test/${name}.sol`]));
      const { address } = await this.chain.deploy(artifact);
      h = { address, abi: artifact.abi };
      this.cache.set(name, h);
    }
    return (await this.chain.call<unknown[]>(h.address, h.abi, method, args)).value;
  }
}

/** Input bytes of a model for one image in its number mode. */
function encodeInput(m: QuantizedModel, pixels: ArrayLike<number>): Uint8Array {
  const t = m.inputTransform;
  const x = t ? Array.from(pixels, (p) => p * t.scale + t.offset) : pixels;
  if (m.mode === 'int8') return getBytes(encodeI8(quantizeTensor(x, m.input!)));
  return getBytes(encodeQ(toQArray(x, m.F, 'input')));
}

/** Scores (logits) of the output bytes, as numbers comparable within one mode. */
function scores(m: QuantizedModel, out: Uint8Array): number[] {
  return m.mode === 'int8' ? Array.from(decodeI8(out)) : Array.from(decodeQ(out), Number);
}

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
};

function oracleInfer(o: Oracle, m: QuantizedModel, input: Uint8Array): Uint8Array[] {
  const outs: Uint8Array[] = [];
  let x = input;
  for (const l of m.layers) {
    x = oracleForward(o, l.op, l.config, l.weights, x);
    outs.push(x);
  }
  return outs;
}

async function mnistSection(oracle: Oracle, h: Harnesses): Promise<boolean> {
  const modelPath = join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json');
  const ir = importTfjsLayers(modelPath);
  const data = loadMnist();
  const test = data.test;
  console.log(`model ${ir.name} (examples/mnist-mlp): ${ir.layers.map((l) => l.type).join(' → ')}`);
  console.log(`  ${fmt(ir.params)} parameters, ${fmt(ir.macs)} multiply-accumulates per inference\n`);

  const floatOut = predictFloat(ir, test.images);
  const floatPred = floatOut.map(argmax);
  const floatAcc = floatPred.filter((p, i) => p === test.labels[i]).length / test.labels.length;

  const calib = data.train.images.slice(0, 200);
  const models = [quantizeModel(ir, { mode: 'int8', samples: calib }), quantizeModel(ir, { mode: 'q', F: 32 })];
  console.log(`held-out accuracy on ${fmt(test.labels.length)} digits (float = tfjs; int8 and q32 = the oracle, which the chain matches bit for bit):`);
  console.log(`  float32 (tfjs)   ${(floatAcc * 100).toFixed(2)} %`);
  for (const m of models) {
    let correct = 0;
    let agree = 0;
    for (let i = 0; i < test.images.length; i++) {
      const outs = oracleInfer(oracle, m, encodeInput(m, test.images[i]!));
      const p = argmax(scores(m, outs[outs.length - 1]!));
      if (p === test.labels[i]) correct++;
      if (p === floatPred[i]) agree++;
    }
    const label = m.mode === 'int8' ? `int8 (${m.calibration})` : 'q32 (Q32.32)';
    console.log(`  ${label.padEnd(16)} ${((correct / test.labels.length) * 100).toFixed(2)} %   top-1 agreement with float ${((agree / test.labels.length) * 100).toFixed(2)} %`);
  }

  let allExact = true;
  for (const m of models) {
    console.log(`\non chain, ${m.mode} mode — digit #0 of the held-out split (label ${test.labels[0]}), layer by layer:`);
    console.log(`  (folded off chain: ${m.folded.join(', ')}${m.inputTransform ? ` — the client scales pixels by ${m.inputTransform.scale.toPrecision(4)} before quantizing` : ''})`);
    const input = encodeInput(m, test.images[0]!);
    const expected = oracleInfer(oracle, m, input);
    let x = input;
    let total = 0n;
    let macs = 0;
    for (const [i, l] of m.layers.entries()) {
      const value = await h.call('LayerHarness', l.op.harness, harnessArgs(l.op, l.config, l.weights, x));
      const { y, gasUsed } = harnessResult(value);
      const exact = hexlify(y) === hexlify(expected[i]!);
      allExact &&= exact;
      const irLayer = ir.layers.find((x) => x.name === l.name)!;
      const layerMacs = irLayer.type === 'Dense' ? (irLayer.weights.kernel?.data.length ?? 0) : 0;
      macs += layerMacs;
      total += gasUsed;
      const perMac = layerMacs ? `${(Number(gasUsed) / layerMacs).toFixed(2)} gas/MAC` : '';
      console.log(`  ${l.name.padEnd(14)} ${l.type.padEnd(11)} ${fmt(gasUsed).padStart(11)} gas  ${perMac.padEnd(15)} ${exact ? 'bit-exact' : 'MISMATCH'}`);
      x = y;
    }
    const pred = argmax(scores(m, x));
    console.log(
      `  total ${fmt(total)} gas (${(Number(total) / macs).toFixed(2)} gas/MAC; the original design: ~${fmt(Math.round(SOLEARN_MLP_GAS_PER_MAC))} gas/MAC) → predicts ${pred}`,
    );
  }
  allExact &&= await modelSection(oracle, models[0]!, ir.params, ir.macs, test.images[0]!, test.labels[0]!);
  return allExact;
}

/**
 * The int8 MLP as a real NNModel on the `ethereum` profile (24,576-byte code limit, 16,777,216 gas per
 * transaction): shared Dense layer contract, config segment, weight segments, seal, then one inference
 * as a view call and as a transaction, checked against the oracle.
 */
async function modelSection(oracle: Oracle, m: QuantizedModel, params: number, macs: number, pixels: ArrayLike<number>, label: number): Promise<boolean> {
  const chain = await createChain({ profile: 'ethereum' });
  const layers = await deployLayers(chain, ['Dense']);
  const built = buildModel(
    {
      mode: m.mode,
      inputShape: [pixels.length],
      input: m.mode === 'int8' ? { scale: m.input!.scale, zeroPoint: m.input!.zeroPoint } : { F: m.F },
      output: m.mode === 'int8' ? { scale: m.output!.scale, zeroPoint: m.output!.zeroPoint } : { F: m.F },
      layers: m.layers.map((l) => denseLayer({ config: l.config, weights: l.weights } as QuantizedDense, l.name)),
    },
    layerAddresses(layers),
  );
  const before = chain.blockNumber();
  const deployed = await deployModel(chain, built);
  const deployTxs = chain.blockNumber() - before; // one transaction per block on the embedded chain
  const g = deployed.gas;
  const deployTotal = g.model + g.configSegment + g.setConfig + g.upload + g.seal;
  const artifact = modelArtifact();
  const input = encodeInput(m, pixels);
  const view = await chain.call<string>(deployed.address, artifact.abi, 'infer', [hexlify(input)]);
  const expected = oracleInfer(oracle, m, input);
  const exact = getBytes(view.value).length > 0 && hexlify(view.value) === hexlify(expected[expected.length - 1]!);
  const tx = await chain.send(deployed.address, artifact.abi, 'classify', [hexlify(input)]);
  const event = tx.logs.find((l) => l.name === 'Inference');
  const argmaxOnChain = event ? Number((event.args as Record<string, bigint>)['argmax']) : -1;
  console.log(`\nthe ${m.mode} model as an NNModel contract on the ethereum profile (Osaka, 16,777,216 gas per transaction):`);
  console.log(`  contracts: NNModel ${fmt(deployed.codeSize)} bytes, Dense layer ${fmt(layers['Dense']!.codeSize)} bytes (limit 24,576)`);
  console.log(
    `  deploy: ${fmt(deployTotal)} gas in ${deployTxs} transactions (model, config segment, setConfig, ${deployed.upload.segmentCount} weight segments with declaration and registration, seal); weights ${fmt(g.upload)} gas = ${(Number(g.upload) / params).toFixed(1)} gas per parameter`,
  );
  console.log(`  inference: ${fmt(view.gasUsed)} gas as a view call (${(Number(view.gasUsed) / macs).toFixed(2)} gas/MAC, whole model), ${fmt(tx.gasUsed)} gas as one transaction`);
  console.log(`  digit labelled ${label}: the Inference event says ${argmaxOnChain}; output bytes ${exact ? 'equal the oracle bit for bit' : 'DIFFER from the oracle'}`);
  return exact && tx.status === 1;
}

interface Row {
  kernel: string;
  gas: bigint;
  macs?: number;
  exact: boolean;
}

async function kernelSection(oracle: Oracle, h: Harnesses): Promise<boolean> {
  const rows: Row[] = [];
  {
    const [K, N] = [256, 64];
    const x = qv(K);
    const w = qv(K * N);
    const bias = qv(N);
    const [y, gas] = (await h.call('MatVecHarness', 'matvecQ', [encodeQ(x), encodeQ(w), encodeQ(bias), BigInt(K), BigInt(N), 32n])) as [string, bigint];
    rows.push({ kernel: `q32 matvec ${K}→${N}`, gas, macs: K * N, exact: same(decodeQ(y), matvecQ(oracle, x, w, bias, K, N, 32)) });
  }
  {
    const s = { H: 16, W: 16, Cin: 16, Cout: 32, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
    const x = i8(s.H * s.W * s.Cin);
    const k = i8(s.kh * s.kw * s.Cin * s.Cout, -127, 127);
    const bias = Int32Array.from({ length: s.Cout }, () => Math.floor((r() - 0.5) * 2 ** 16));
    const M = Array.from({ length: s.Cout }, () => BigInt(2 ** 30 + Math.floor(r() * 2 ** 30)));
    const shift = Array.from({ length: s.Cout }, () => 44n);
    const panels = packPanelsI8(k, s.kh * s.kw * s.Cin, s.Cout);
    const [y, gas] = (await h.call('ConvHarness', 'conv2dI8Requant', [encodeI8(x), 5n, panels, Array.from(bias), conv2dShapeArg(s), M, shift, -7n])) as [string, bigint];
    const yo = conv2dI8Requant(oracle, x, 5, k, bias, s, M, shift, -7);
    rows.push({ kernel: 'int8 conv2d 3×3 16→32 @16×16', gas, macs: s.H * s.W * s.kh * s.kw * s.Cin * s.Cout, exact: same(decodeI8(y), yo) });
  }
  {
    const s = { H: 16, W: 16, C: 32, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'valid' as const };
    const x = i8(s.H * s.W * s.C);
    const [y, gas] = (await h.call('PoolHarness', 'maxPool2dI8', [encodeI8(x), pool2dShapeArg(s)])) as [string, bigint];
    rows.push({ kernel: 'int8 max-pool 2×2/2 @16×16×32', gas, exact: same(decodeI8(y), maxPool2dI8(oracle, x, s)) });
  }
  {
    const x = qv(10, 12);
    const [y, gas] = (await h.call('SoftmaxHarness', 'softmaxQ', [encodeQ(x), [10n], 0n])) as [string, bigint];
    rows.push({ kernel: 'q32 softmax (10 logits)', gas, exact: same(decodeQ(y), softmaxQ(oracle, x, [10], 0)) });
  }
  const x0 = -(3n << 31n) + 12345n; // ≈ −1.5
  for (const [name, fn, arg] of [
    ['qExp', qExp, x0],
    ['qLog', qLog, 10n << 32n],
    ['qSqrt', qSqrt, 2n << 32n],
    ['qSigmoid', qSigmoid, x0],
    ['qTanh', qTanh, x0],
    ['qGelu', qGelu, x0],
  ] as const) {
    const [v, gas] = (await h.call('QMathHarness', name, [arg])) as [bigint, bigint];
    rows.push({ kernel: `q32 ${name}`, gas, exact: v === fn(oracle, arg) });
  }
  const w = Math.max(...rows.map((x) => x.kernel.length));
  console.log(`\nkernels on chain vs the oracle:\n  ${'kernel'.padEnd(w)}  ${'gas'.padStart(11)}  ${'gas/MAC'.padStart(8)}  EVM == oracle`);
  for (const x of rows) {
    const perMac = x.macs ? (Number(x.gas) / x.macs).toFixed(2) : '';
    console.log(`  ${x.kernel.padEnd(w)}  ${fmt(x.gas).padStart(11)}  ${perMac.padStart(8)}  ${x.exact ? 'bit-exact' : 'MISMATCH'}`);
  }
  return rows.every((x) => x.exact);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log('nnchain demo — a real MNIST model and the kernels on an embedded ethereumjs chain, checked against the WebAssembly oracle\n');
  const oracle = await loadOracle();
  // Layer and kernel harnesses are test fixtures that inline many kernels and exceed 24,576 bytes, so
  // they run on the `unlimited` profile; gas figures are the same on any profile.
  const chain = await createChain({ profile: 'unlimited' });
  const h = new Harnesses(chain);
  const ok = (await mnistSection(oracle, h)) && (await kernelSection(oracle, h));
  console.log(`\n${ok ? 'every on-chain result equals the oracle bit for bit' : 'MISMATCH between the chain and the oracle'}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!ok) process.exit(1);
}

await main();
