/**
 * `buildReport(modelPath, opts)`: the pre-deploy feasibility report of one model file (docs/report.md).
 * Import → sample inputs → float32 reference (tfjs) → quantize per mode → oracle evaluation with
 * per-layer errors → deploy, profile, plan and run on an embedded chain per mode → verdicts.
 */
import { basename } from 'node:path';
import { importModel } from '../import/index.ts';
import { layerMacs, layerParams } from '../model/shapes.ts';
import { predictFloat } from '../model/tfjs.ts';
import { loadOracle } from '../oracle.ts';
import { quantizeModel, type QuantizedModel } from '../quantize/model.ts';
import { argmax } from '../quantize/io.ts';
import { getProfile } from '../../simulator/index.ts';
import { measureOnChain } from './chain.ts';
import { evaluateModes, type ModeEvaluation } from './evaluate.ts';
import { loadReportData, type ReportData } from './inputs.ts';
import { ReportInputError } from './errors.ts';
import type { LayerReport, ModeReport, Report, ReportMode, ReportOptions } from './types.ts';

export const REPORT_DEFAULTS = {
  profile: 'ethereum',
  modes: ['int8', 'q32'] as ReportMode[],
  samples: 200,
  chainSamples: 2,
  calibration: 100,
  F: 32,
  seqLen: 8,
  gasPriceGwei: 1,
  ethPriceUsd: 3000,
  seed: 2026,
} as const;

const ratio = (a: bigint | number, b: number): number => (b > 0 ? Number(a) / b : 0);

function layerRows(ev: ModeEvaluation, ir: Awaited<ReturnType<typeof importModel>>, m: Awaited<ReturnType<typeof measureOnChain>>): LayerReport[] {
  const qm = ev.qm;
  const node = new Map(qm.layers.map((l, k) => [l.name, k]));
  return ir.layers.map((l) => {
    const k = node.get(l.name);
    const params = layerParams(l);
    const macs = layerMacs(l);
    if (k === undefined) {
      return { name: l.name, type: l.type, outputShape: l.outputShape, params, macs, gas: 0n, gasPerMac: null, onChain: false, stepGas: null, fitsOneTx: null, maxAbsError: null, meanAbsError: null, atLimits: null, saturated: null, outputSize: 0 };
    }
    const gas = m.profile.nodes[k]!.gas;
    const s = ev.layers[k]!;
    const measured = s.measured && s.count > 0;
    return {
      name: l.name,
      type: l.type,
      outputShape: l.outputShape,
      params,
      macs,
      gas,
      gasPerMac: macs > 0 ? Number(gas) / macs : null,
      onChain: true,
      stepGas: m.stepGas[k]!,
      fitsOneTx: m.stepGas[k]! <= m.budget,
      maxAbsError: measured ? s.maxAbs : null,
      meanAbsError: measured ? s.sumAbs / s.count : null,
      atLimits: s.atLimits,
      saturated: s.measured ? s.saturated : null,
      outputSize: s.outputSize,
    };
  });
}

/** The feasibility report of the model at `modelPath` (see the module doc and docs/report.md). */
export async function buildReport(modelPath: string, opts: ReportOptions = {}): Promise<Report> {
  const t0 = performance.now();
  const o = { ...REPORT_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof REPORT_DEFAULTS & ReportOptions;
  const profile = getProfile(o.profile).name;
  const progress = (phase: string, done: number, total: number) => opts.onProgress?.({ phase, done, total });
  if (o.chainSamples < 1) throw new ReportInputError('at least one chain sample is needed');
  if (o.samples < 1) throw new ReportInputError('at least one sample is needed');

  let ir = await importModel(modelPath);
  if (ir.inputShape[0] === -1) ir = await importModel(modelPath, { sequenceLength: o.seqLen });
  const data: ReportData = loadReportData(ir, { data: o.data, samples: o.samples, calibration: o.calibration, seed: o.seed });
  const chainSamples = Math.min(o.chainSamples, data.inputs.length);

  // float32 reference (tfjs), in batches for the progress bar.
  const floatScores: Float32Array[] = [];
  const batch = 100;
  for (let i = 0; i < data.inputs.length; i += batch) {
    floatScores.push(...predictFloat(ir, data.inputs.slice(i, i + batch)));
    progress('float32 reference', Math.min(i + batch, data.inputs.length), data.inputs.length);
  }

  const qms: QuantizedModel[] = [...new Set(o.modes)].map((m) =>
    m === 'int8' ? quantizeModel(ir, { mode: 'int8', samples: data.calibration }) : quantizeModel(ir, { mode: 'q', F: o.F }),
  );
  const oracle = await loadOracle();
  const evals = evaluateModes(ir, qms, oracle, data.inputs, {
    labels: data.labels,
    floatScores,
    chainSamples,
    onProgress: (d, t) => progress('oracle evaluation', d, t),
  });
  const floatCorrect = data.labels ? floatScores.filter((s, i) => argmax(s) === data.labels![i]).length : 0;

  const modes: ModeReport[] = [];
  for (const ev of evals) {
    const qm = ev.qm;
    const label = qm.mode === 'int8' ? 'int8' : `q${qm.F}`;
    const m = await measureOnChain(qm, { profile, samples: ev.chain, onProgress: (ph, d, t) => progress(`${label}: ${ph}`, d, t) });
    const n = data.inputs.length;
    const eth = (Number(m.deploy.gas) * o.gasPriceGwei) / 1e9;
    m.inference.gasPerMac = ratio(m.inference.gas, ir.macs);
    modes.push({
      model: ir.name,
      file: basename(modelPath),
      profile,
      mode: label,
      quantMode: qm.mode,
      F: qm.mode === 'q' ? qm.F : null,
      params: ir.params,
      macs: ir.macs,
      inputShape: ir.inputShape,
      layers: layerRows(ev, ir, m),
      folded: qm.folded,
      deploy: {
        ...m.deploy,
        gasPerParam: ratio(m.deploy.modelGas, ir.params),
        weightsGasPerParam: ratio(m.deploy.uploadGas, ir.params),
        cost: { gasPriceGwei: o.gasPriceGwei, ethPriceUsd: o.ethPriceUsd, eth, usd: eth * o.ethPriceUsd },
      },
      inference: m.inference,
      accuracy: {
        samples: n,
        floatTop1: data.labels ? floatCorrect / n : null,
        chainTop1: data.labels ? ev.correct / n : null,
        agreement: ev.agree / n,
        outputMaxAbsError: ev.outputMaxAbsError,
      },
      bitExact: m.bitExact,
      verdicts: m.verdicts,
      verdict: m.verdicts.find((v) => v.profile === profile)!.reason,
      calibration: qm.mode === 'int8' ? data.calibrationNote : 'none (q mode needs no calibration)',
      data: data.description,
    });
  }
  return {
    model: ir.name,
    file: basename(modelPath),
    profile,
    data: data.description,
    modes,
    generatedBy: 'nnchain report',
    seconds: (performance.now() - t0) / 1000,
  };
}

