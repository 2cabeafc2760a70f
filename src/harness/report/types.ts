/**
 * The feasibility report's data model (docs/report.md). One `ModeReport` per number mode; gas values
 * are `bigint` here and integers (JSON numbers, or decimal strings above 2^53) in `report.json`.
 */
import type { ModeName } from '../quantize/model.ts';

export type ReportMode = 'int8' | 'q32';

export interface ReportOptions {
  /** Chain profile the model is deployed and run on (default `ethereum`). */
  profile?: string;
  /** Number modes (default both). `q32` = Q32.32 unless `F` is given. */
  modes?: ReportMode[];
  /** `mnist` (held-out digits), a JSON file `{ inputs, labels? }`, or undefined (seeded synthetic inputs). */
  data?: string;
  /** Samples evaluated by the float reference and the oracle (default 200). */
  samples?: number;
  /** Sample inputs also run on the embedded chain and compared byte for byte (default 2). */
  chainSamples?: number;
  /** int8 calibration samples (default 100). */
  calibration?: number;
  /** Fractional bits of the q mode (default 32). */
  F?: number;
  /** Sequence length for models with a dynamic sequence axis (default 8). */
  seqLen?: number;
  /** Gas price in gwei for the cost figures (default 1). */
  gasPriceGwei?: number;
  /** ETH price in USD for the cost figures (default 3000). */
  ethPriceUsd?: number;
  /** Seed of synthetic inputs (default 2026). */
  seed?: number;
  /** Progress of the long loops (`done` of `total` in `phase`). */
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

export interface LayerReport {
  name: string;
  type: string;
  /** Per-sample output shape (no batch). */
  outputShape: number[];
  params: number;
  macs: number;
  /** Layer gas measured inside the model (`inferLayers`); 0 for layers folded off chain. */
  gas: bigint;
  gasPerMac: number | null;
  /** false: folded off chain (identity layers, a leading Rescaling applied by the client). */
  onChain: boolean;
  /** Estimated gas of a session step running this layer alone (calldata of its input tensor included). */
  stepGas: bigint | null;
  /** `stepGas` within the profile's per-transaction budget (cap·(1 − margin)); null for folded layers. */
  fitsOneTx: boolean | null;
  /** Dequantized oracle output vs the float64 reference, over the evaluated samples. */
  maxAbsError: number | null;
  meanAbsError: number | null;
  /** Output values at the format's limits (int8: −128 or 127; q: int64 min or max), summed over samples. */
  atLimits: number | null;
  /**
   * Of those, the values that were clipped: the float64 reference lies beyond the representable range by
   * more than half a step (int8 ReLU outputs sit at −128 for every zero, which is not saturation).
   */
  saturated: number | null;
  /** Output values per sample (for the saturation rate). */
  outputSize: number;
}

export interface DeployTx {
  what: string;
  gas: bigint;
  /** Runtime code size of a created contract. */
  codeSize?: number;
}

export interface DeployReport {
  /** Sum of the receipts' gasUsed of every deployment transaction (fresh chain, shared layer contracts included). */
  gas: bigint;
  txs: number;
  /** The model's own deployment (`modelGas`: shared layer contracts excluded) per parameter. */
  gasPerParam: number;
  /** The weight upload alone (declare, segments, register) per parameter. */
  weightsGasPerParam: number;
  /** Shared layer contracts (deployed once per chain, reused by every model). */
  layerContractsGas: bigint;
  /** Model contract, config segment, setConfig, weight upload, seal. */
  modelGas: bigint;
  /** The weight upload alone (declare, segments, register). */
  uploadGas: bigint;
  segments: number;
  weightBytes: number;
  configBytes: number;
  largestTxGas: bigint;
  largestCodeSize: number;
  transactions: DeployTx[];
  cost: { gasPriceGwei: number; ethPriceUsd: number; eth: number; usd: number };
  /** Set when the deployment was refused on the requested profile (then measured on `unlimited`). */
  refused?: string;
}

export interface InferenceReport {
  /** Total gas of the inference transactions actually sent for sample 0 (sum of receipts). */
  gas: bigint;
  txs: number;
  gasPerMac: number;
  /** The planner's estimate of the same plan. */
  estGas: bigint;
  /** Execution gas of one `infer` view call (no transaction overhead, no cap). */
  viewGas: bigint;
  single: boolean;
  cap: bigint;
  budget: bigint;
  plan: string[];
  /** The sent transactions' output equals the oracle's bytes. */
  outputMatchesOracle: boolean;
  /** Set when no plan fits the profile (then `txs` and `gas` are 0). */
  error?: string;
}

export interface AccuracyReport {
  samples: number;
  /** Float reference (tfjs, float32) top-1 accuracy; null without labels. */
  floatTop1: number | null;
  /** Quantized model (oracle = the chain bit for bit) top-1 accuracy; null without labels. */
  chainTop1: number | null;
  /** Fraction of samples where the quantized model's argmax equals the float reference's. */
  agreement: number;
  /** Output scores: max |dequantized − float32| over samples and classes. */
  outputMaxAbsError: number;
}

export interface BitExactReport {
  /** Sample inputs run on the chain (`NNModel.infer`) and compared with the oracle's output bytes. */
  checked: number;
  mismatches: number;
  /** Every node's output of sample 0 on the chain (`inferLayers`) against the oracle. */
  layersChecked: number;
  layerMismatches: number;
}

export interface ProfileVerdict {
  profile: string;
  deployable: boolean;
  /** Inference transactions under the profile's cap; null when no plan fits. */
  inferenceTxs: number | null;
  inferenceGas: bigint | null;
  reason: string;
}

export interface ModeReport {
  model: string;
  file: string;
  profile: string;
  /** `int8`, or `q<F>` (`q32` = Q32.32). */
  mode: string;
  /** The quantizer's mode name (`q` for q32). */
  quantMode: ModeName;
  F: number | null;
  params: number;
  macs: number;
  inputShape: number[];
  layers: LayerReport[];
  folded: string[];
  deploy: DeployReport;
  inference: InferenceReport;
  accuracy: AccuracyReport;
  bitExact: BitExactReport;
  verdicts: ProfileVerdict[];
  /** The verdict on the requested profile, one line. */
  verdict: string;
  calibration: string;
  data: string;
}

export interface Report {
  model: string;
  file: string;
  profile: string;
  data: string;
  modes: ModeReport[];
  generatedBy: string;
  seconds: number;
}
