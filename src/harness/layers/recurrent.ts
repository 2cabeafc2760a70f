/**
 * Keras SimpleRNN, LSTM and GRU on chain (twins of contracts/layers/{SimpleRNN,LSTM,GRU}.sol and
 * assembly/layers/{SimpleRNN,LSTM,GRU}.ts, shared step loop contracts/layers/Recurrent.sol): the config
 * structs and schemas, the weight-blob and state layouts of both modes, the quantizer from float weights
 * (IR layers), a float64 reference of the Keras cells, and `oracleForwardSteps` / `stepsArgs` to run
 * `forwardSteps` in both tiers with the same bytes. docs/layers/recurrent.md is the specification.
 *
 * Weight blobs (G gates: SimpleRNN 1, LSTM 4 (i, f, c, o), GRU 3 (z, r, h); GU = G·U):
 * - q:    W [K, GU] ‖ R [U, GU] ‖ b [GU] (GRU reset_after: bIn [3U] ‖ bRec [3U]), int64 BE, row-major;
 * - int8: W panels (numerics §4.2) ‖ R panels (GRU reset_after = false: R[:, 0:2U] panels ‖ R[:, 2U:3U]
 *         panels) ‖ biases as Q32 int64 BE ‖ mX uint32 BE ×GU ‖ sX u8 ×GU ‖ mH uint32 BE ×GU ‖ sH u8 ×GU.
 * State: h [U] in the mode's encoding ‖ carry: LSTM c [U] (q elements, Q(F) / Q32), GRU int8 h [U] in Q32.
 */
import { getBytes, hexlify } from 'ethers';
import type { Activation, LayerOf } from '../model/ir.ts';
import type { Oracle } from '../oracle.ts';
import { toQArray } from '../quantize/q.ts';
import { activationParams, quantizeMultiplier, quantizeWeightsPerChannel, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { encodeQ, packPanelsI8 } from '../tensor/pack.ts';
import { activationSpec } from './activation.ts';
import { activateFloat } from './float.ts';
import type { QuantizeOptions, QuantizedLayer } from './quantize.ts';
import { encodeAbi, encodeFlat, type Schema } from './schema.ts';
import { putBytes } from './run.ts';
import { ACTIVATION_SPEC_SCHEMA, Mode, elementBytes, type ActivationSpec, type LayerOp } from './types.ts';

export type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Gates per cell (Keras order: LSTM i, f, c, o; GRU z, r, h). */
export const GATES: Record<Cell, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

/** The union of the three config structs (SimpleRNNConfig has no recAct / resetAfter; LSTMConfig no resetAfter). */
export interface RnnConfig {
  mode: number;
  /** Timesteps of the input [T, K]. */
  T: number;
  K: number;
  U: number;
  act: ActivationSpec;
  recAct: ActivationSpec;
  returnSequences: boolean;
  resetAfter: boolean;
  F: number;
  zIn: number;
  zH: number;
  hM: number;
  hShift: number;
}

const head: Schema = [
  ['mode', 'uint8'],
  ['T', 'uint32'],
  ['K', 'uint32'],
  ['U', 'uint32'],
  ['act', ACTIVATION_SPEC_SCHEMA],
];
const tail: Schema = [
  ['F', 'uint8'],
  ['zIn', 'int8'],
  ['zH', 'int8'],
  ['hM', 'uint32'],
  ['hShift', 'uint8'],
];

export const SIMPLE_RNN_CONFIG_SCHEMA: Schema = [...head, ['returnSequences', 'bool'], ...tail];
export const LSTM_CONFIG_SCHEMA: Schema = [...head, ['recAct', ACTIVATION_SPEC_SCHEMA], ['returnSequences', 'bool'], ...tail];
export const GRU_CONFIG_SCHEMA: Schema = [
  ...head,
  ['recAct', ACTIVATION_SPEC_SCHEMA],
  ['returnSequences', 'bool'],
  ['resetAfter', 'bool'],
  ...tail,
];

const outputBytes = (c: RnnConfig, range?: [number, number]): number => {
  const steps = range ? range[1] - range[0] : c.T;
  return (c.returnSequences ? Math.max(steps, 0) : 1) * c.U * elementBytes(c.mode);
};

/** A recurrent layer op: the LayerOp of `forward` plus the names of `forwardSteps`. */
export interface RnnOp extends LayerOp<RnnConfig> {
  cell: Cell;
  /** RecurrentHarness methods of forwardSteps and its plain twin. */
  stepsHarness: string;
  stepsRefHarness: string;
  /** Oracle export of forwardSteps. */
  stepsOracle: string;
}

function rnnOp(cell: Cell, schema: Schema, base: string): RnnOp {
  return {
    name: cell,
    cell,
    schema,
    harness: base,
    oracle: `${base}Forward`,
    outputBytes,
    stepsHarness: `${base}Steps`,
    stepsRefHarness: `${base}StepsRef`,
    stepsOracle: `${base}ForwardSteps`,
  };
}

export const SIMPLE_RNN = rnnOp('SimpleRNN', SIMPLE_RNN_CONFIG_SCHEMA, 'simpleRNN');
export const LSTM = rnnOp('LSTM', LSTM_CONFIG_SCHEMA, 'lstm');
export const GRU = rnnOp('GRU', GRU_CONFIG_SCHEMA, 'gru');
export const RNN_OPS: Record<Cell, RnnOp> = { SimpleRNN: SIMPLE_RNN, LSTM, GRU };

// ------------------------------------------------------------------------------------------------
// Layouts

const panelBytes = (K: number, N: number) => Math.ceil(N / 32) * 32 * K;

export interface RnnLayout {
  G: number;
  GU: number;
  /** Bytes of the blob and its sections. */
  total: number;
  rOff: number;
  r2Off: number;
  bOff: number;
  b2Off: number;
  mxOff: number;
  sxOff: number;
  mhOff: number;
  shOff: number;
  hBytes: number;
  stateBytes: number;
}

/** Recurrent.sol `layout`. */
export function rnnLayout(cell: Cell, c: Pick<RnnConfig, 'mode' | 'K' | 'U' | 'resetAfter'>): RnnLayout {
  const { K, U } = c;
  const G = GATES[cell];
  const GU = G * U;
  const gru = cell === 'GRU';
  const twoBiases = gru && c.resetAfter;
  const L: RnnLayout = { G, GU, total: 0, rOff: 0, r2Off: 0, bOff: 0, b2Off: 0, mxOff: 0, sxOff: 0, mhOff: 0, shOff: 0, hBytes: 0, stateBytes: 0 };
  if (c.mode === Mode.Q) {
    L.rOff = 8 * K * GU;
    L.bOff = L.rOff + 8 * U * GU;
    L.b2Off = L.bOff + 8 * GU;
    L.total = L.bOff + (twoBiases ? 16 : 8) * GU;
  } else {
    L.rOff = panelBytes(K, GU);
    if (gru && !c.resetAfter) {
      L.r2Off = L.rOff + panelBytes(U, 2 * U);
      L.bOff = L.r2Off + panelBytes(U, U);
    } else L.bOff = L.rOff + panelBytes(U, GU);
    L.b2Off = L.bOff + 8 * GU;
    L.mxOff = L.bOff + (twoBiases ? 16 : 8) * GU;
    L.sxOff = L.mxOff + 4 * GU;
    L.mhOff = L.sxOff + GU;
    L.shOff = L.mhOff + 4 * GU;
    L.total = L.shOff + GU;
  }
  L.hBytes = U * elementBytes(c.mode);
  const carry = cell === 'LSTM' || (gru && c.mode !== Mode.Q);
  L.stateBytes = L.hBytes + (carry ? 8 * U : 0);
  return L;
}

/** The state h0 = c0 = 0: q zeros; int8 h = zH (the real 0), carry zeros. */
export function zeroState(cell: Cell, c: RnnConfig): Uint8Array {
  const L = rnnLayout(cell, c);
  const s = new Uint8Array(L.stateBytes);
  if (c.mode !== Mode.Q) s.fill(c.zH & 0xff, 0, c.U);
  return s;
}

// ------------------------------------------------------------------------------------------------
// Blobs

/** q blob parts (int64 values in Q(F)): W [K, GU], R [U, GU] row-major; bias [GU]; bRec [GU] (GRU reset_after). */
export interface RnnQWeights {
  W: ArrayLike<bigint>;
  R: ArrayLike<bigint>;
  bias: ArrayLike<bigint>;
  biasRec?: ArrayLike<bigint>;
}

export function packRnnQ(cell: Cell, c: Pick<RnnConfig, 'K' | 'U' | 'resetAfter'>, w: RnnQWeights): Uint8Array {
  const L = rnnLayout(cell, { ...c, mode: Mode.Q });
  const { K, U } = c;
  const two = cell === 'GRU' && c.resetAfter;
  if (w.W.length !== K * L.GU || w.R.length !== U * L.GU || w.bias.length !== L.GU || (two && w.biasRec?.length !== L.GU))
    throw new RangeError(`${cell} q blob: wrong section sizes for K=${K}, U=${U}`);
  const out = new Uint8Array(L.total);
  out.set(getBytes(encodeQ(w.W)), 0);
  out.set(getBytes(encodeQ(w.R)), L.rOff);
  out.set(getBytes(encodeQ(w.bias)), L.bOff);
  if (two) out.set(getBytes(encodeQ(w.biasRec!)), L.b2Off);
  return out;
}

/** int8 blob parts: W [K, GU] and R [U, GU] int8 row-major; biases Q32; per-column (mX, sX), (mH, sH). */
export interface RnnI8Weights {
  W: ArrayLike<number>;
  R: ArrayLike<number>;
  bias: ArrayLike<bigint>;
  biasRec?: ArrayLike<bigint>;
  mX: ArrayLike<number>;
  sX: ArrayLike<number>;
  mH: ArrayLike<number>;
  sH: ArrayLike<number>;
}

export function packRnnI8(cell: Cell, c: Pick<RnnConfig, 'K' | 'U' | 'resetAfter'>, w: RnnI8Weights): Uint8Array {
  const L = rnnLayout(cell, { ...c, mode: Mode.I8 });
  const { K, U } = c;
  const GU = L.GU;
  const two = cell === 'GRU' && c.resetAfter;
  const out = new Uint8Array(L.total);
  const view = new DataView(out.buffer);
  out.set(packPanelsI8(w.W, K, GU), 0);
  if (cell === 'GRU' && !c.resetAfter) {
    const zr: number[] = [];
    const hcols: number[] = [];
    for (let i = 0; i < U; i++)
      for (let j = 0; j < GU; j++) (j < 2 * U ? zr : hcols).push(w.R[i * GU + j]!);
    out.set(packPanelsI8(zr, U, 2 * U), L.rOff);
    out.set(packPanelsI8(hcols, U, U), L.r2Off);
  } else out.set(packPanelsI8(w.R, U, GU), L.rOff);
  for (let j = 0; j < GU; j++) {
    view.setBigInt64(L.bOff + 8 * j, BigInt.asIntN(64, w.bias[j]!), false);
    if (two) view.setBigInt64(L.b2Off + 8 * j, BigInt.asIntN(64, w.biasRec![j]!), false);
    view.setUint32(L.mxOff + 4 * j, w.mX[j]!, false);
    view.setUint8(L.sxOff + j, w.sX[j]!);
    view.setUint32(L.mhOff + 4 * j, w.mH[j]!, false);
    view.setUint8(L.shOff + j, w.sH[j]!);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Quantizer

/** A recurrent layer in float (Keras weights and config). */
export interface RnnFloat {
  cell: Cell;
  K: number;
  U: number;
  /** [K, GU] row-major. */
  kernel: ArrayLike<number>;
  /** [U, GU] row-major. */
  recurrentKernel: ArrayLike<number>;
  /** [GU], or for GRU reset_after [2, 3U] (input row, recurrent row); null = no bias. */
  bias: ArrayLike<number> | null;
  activation: Activation;
  /** LSTM / GRU (ignored by SimpleRNN). */
  recurrentActivation: Activation;
  returnSequences: boolean;
  resetAfter: boolean;
}

export function rnnFromIR(l: LayerOf<'SimpleRNN'> | LayerOf<'LSTM'> | LayerOf<'GRU'>): RnnFloat {
  const k = l.weights.kernel;
  const r = l.weights.recurrent_kernel;
  if (!k || !r || k.shape.length !== 2) throw new QuantizationError(`${l.type} ${l.name}: kernel and recurrent_kernel are required`);
  const K = k.shape[0]!;
  const U = l.config.units;
  const c = l.config;
  return {
    cell: l.type,
    K,
    U,
    kernel: k.data,
    recurrentKernel: r.data,
    bias: c.useBias ? (l.weights.bias?.data ?? null) : null,
    activation: c.activation,
    recurrentActivation: 'recurrentActivation' in c ? c.recurrentActivation : { name: 'sigmoid' },
    returnSequences: c.returnSequences,
    resetAfter: 'resetAfter' in c ? c.resetAfter : false,
  };
}

export type RnnQuantOptions =
  | { mode: 'q'; T: number; F?: number }
  | {
      mode: 'int8';
      T: number;
      /** Input quantization. */
      input: QuantParams;
      /** Quantization of h (the state and the output). tanh-bounded cells: activationParams(−1, 1). */
      h: QuantParams;
    };

export interface QuantizedRnn {
  config: RnnConfig;
  weights: Uint8Array;
}

const noI8 = { zIn: 0, zH: 0, hM: 0, hShift: 0 };

/** Split a bias into (bias, biasRec) per the cell: GRU reset_after has [2, 3U]; none → zeros. */
function biases(f: RnnFloat, GU: number): { b: Float64Array; b2: Float64Array | null } {
  const two = f.cell === 'GRU' && f.resetAfter;
  const b = new Float64Array(GU);
  const b2 = two ? new Float64Array(GU) : null;
  if (f.bias) {
    if (f.bias.length !== (two ? 2 * GU : GU)) throw new QuantizationError(`${f.cell} bias has ${f.bias.length} values, expected ${two ? 2 * GU : GU}`);
    for (let j = 0; j < GU; j++) {
      b[j] = f.bias[j]!;
      if (b2) b2[j] = f.bias[GU + j]!;
    }
  }
  return { b, b2 };
}

/** Quantize a float recurrent layer to (config, blob) of either mode (docs/layers/recurrent.md "Quantization"). */
export function quantizeRnn(f: RnnFloat, opts: RnnQuantOptions): QuantizedRnn {
  const { K, U, cell } = f;
  const GU = GATES[cell] * U;
  if (f.kernel.length !== K * GU || f.recurrentKernel.length !== U * GU) throw new QuantizationError(`${cell}: kernel shapes do not match K=${K}, U=${U}`);
  for (const a of [f.activation, f.recurrentActivation]) if (a.name === 'softmax') throw new QuantizationError(`${cell}: softmax gate activations are not supported`);
  const { b, b2 } = biases(f, GU);
  const shape = { T: opts.T, K, U, returnSequences: f.returnSequences, resetAfter: cell === 'GRU' && f.resetAfter };
  if (opts.mode === 'q') {
    const F = opts.F ?? 32;
    const config: RnnConfig = {
      ...shape,
      ...noI8,
      mode: Mode.Q,
      F,
      act: activationSpec(f.activation, F),
      recAct: activationSpec(f.recurrentActivation, F),
    };
    const weights = packRnnQ(cell, config, {
      W: toQArray(f.kernel, F, 'kernel'),
      R: toQArray(f.recurrentKernel, F, 'recurrent_kernel'),
      bias: toQArray(b, F, 'bias'),
      biasRec: b2 ? toQArray(b2, F, 'bias') : undefined,
    });
    return { config, weights };
  }
  const { input, h } = opts;
  const qw = quantizeWeightsPerChannel(f.kernel, K, GU, 'kernel');
  const qr = quantizeWeightsPerChannel(f.recurrentKernel, U, GU, 'recurrent_kernel');
  const mX: number[] = [], sX: number[] = [], mH: number[] = [], sH: number[] = [];
  for (let j = 0; j < GU; j++) {
    const x = quantizeMultiplier(input.scale * qw.scales[j]! * 2 ** 32);
    const r = quantizeMultiplier(h.scale * qr.scales[j]! * 2 ** 32);
    mX.push(x.M);
    sX.push(x.shift);
    mH.push(r.M);
    sH.push(r.shift);
  }
  const hq = quantizeMultiplier(1 / (h.scale * 2 ** 32));
  const config: RnnConfig = {
    ...shape,
    mode: Mode.I8,
    F: 32,
    act: activationSpec(f.activation, 32),
    recAct: activationSpec(f.recurrentActivation, 32),
    zIn: input.zeroPoint,
    zH: h.zeroPoint,
    hM: hq.M,
    hShift: hq.shift,
  };
  const weights = packRnnI8(cell, config, {
    W: qw.values,
    R: qr.values,
    bias: toQArray(b, 32, 'bias'),
    biasRec: b2 ? toQArray(b2, 32, 'bias') : undefined,
    mX,
    sX,
    mH,
    sH,
  });
  return { config, weights };
}

/**
 * `quantizeLayer` of an IR SimpleRNN / LSTM / GRU: T is the input's static sequence length (a dynamic one
 * is refused — import with `sequenceLength`); int8 takes the input params from `ranges.input` and h's
 * params (state and output) from `ranges.output`, which must cover h at every step (whole-model
 * calibration widens it with every step's h).
 */
export function quantizeRecurrentLayer(l: LayerOf<'SimpleRNN'> | LayerOf<'LSTM'> | LayerOf<'GRU'>, opts: QuantizeOptions): QuantizedLayer {
  const T = l.inputShape[0]?.[0];
  if (!(T !== undefined && Number.isInteger(T) && T >= 1)) throw new QuantizationError(`${l.type} ${l.name}: the sequence length is dynamic; import the model with a fixed sequenceLength`);
  const f = rnnFromIR(l);
  const q =
    opts.mode === 'q'
      ? quantizeRnn(f, { mode: 'q', T, F: opts.F })
      : quantizeRnn(f, { mode: 'int8', T, input: activationParams(...opts.ranges.input), h: activationParams(...opts.ranges.output) });
  return { op: RNN_OPS[f.cell] as unknown as LayerOp<unknown>, config: q.config, weights: q.weights };
}

// ------------------------------------------------------------------------------------------------
// Float64 reference (Keras cell equations, plain Math)

/**
 * The Keras layer in float64 on x [T, K] from h0 = c0 = 0 (or from `state`): returns every h (T × U)
 * and the final state. Independent of the integer code; used for calibration and the docs' bounds.
 */
export function rnnFloat(f: RnnFloat, x: ArrayLike<number>, T: number, state?: { h: Float64Array; c: Float64Array }): { hs: Float64Array; h: Float64Array; c: Float64Array } {
  const { K, U, cell } = f;
  const GU = GATES[cell] * U;
  const { b, b2 } = biases(f, GU);
  let h = state ? Float64Array.from(state.h) : new Float64Array(U);
  const c = state ? Float64Array.from(state.c) : new Float64Array(U);
  const hs = new Float64Array(T * U);
  const act = (v: number) => activateFloat(v, f.activation);
  const rec = (v: number) => activateFloat(v, f.recurrentActivation);
  for (let t = 0; t < T; t++) {
    const mx = new Float64Array(GU);
    const mh = new Float64Array(GU);
    for (let j = 0; j < GU; j++) {
      let s = b[j]!;
      for (let i = 0; i < K; i++) s += x[t * K + i]! * f.kernel[i * GU + j]!;
      mx[j] = s;
      let r = b2 ? b2[j]! : 0;
      for (let i = 0; i < U; i++) r += h[i]! * f.recurrentKernel[i * GU + j]!;
      mh[j] = r;
    }
    const hn = new Float64Array(U);
    for (let u = 0; u < U; u++) {
      if (cell === 'SimpleRNN') hn[u] = act(mx[u]! + mh[u]!);
      else if (cell === 'LSTM') {
        const ig = rec(mx[u]! + mh[u]!);
        const fg = rec(mx[U + u]! + mh[U + u]!);
        const gg = act(mx[2 * U + u]! + mh[2 * U + u]!);
        const og = rec(mx[3 * U + u]! + mh[3 * U + u]!);
        c[u] = fg * c[u]! + ig * gg;
        hn[u] = og * act(c[u]!);
      }
    }
    if (cell === 'GRU') {
      const z = new Float64Array(U), r = new Float64Array(U);
      for (let u = 0; u < U; u++) {
        z[u] = rec(mx[u]! + mh[u]!);
        r[u] = rec(mx[U + u]! + mh[U + u]!);
      }
      for (let u = 0; u < U; u++) {
        let hh: number;
        if (f.resetAfter) hh = act(mx[2 * U + u]! + r[u]! * mh[2 * U + u]!);
        else {
          let s = mx[2 * U + u]!;
          for (let i = 0; i < U; i++) s += r[i]! * h[i]! * f.recurrentKernel[i * GU + 2 * U + u]!;
          hh = act(s);
        }
        hn[u] = z[u]! * h[u]! + (1 - z[u]!) * hh;
      }
    }
    h = hn;
    hs.set(h, t * U);
  }
  return { hs, h, c };
}

// ------------------------------------------------------------------------------------------------
// Running forwardSteps in both tiers

/** Run `forwardSteps` in the oracle; throws the OracleError the EVM reverts with. */
export function oracleForwardSteps(
  o: Oracle,
  op: RnnOp,
  config: RnnConfig,
  weights: Uint8Array,
  input: Uint8Array,
  state: Uint8Array,
  tFrom: number,
  tTo: number,
): { y: Uint8Array; state: Uint8Array } {
  o.arena();
  const cfg = encodeFlat(op.schema, config);
  const pc = o.putI64(cfg);
  const pw = putBytes(o, weights);
  const px = putBytes(o, input);
  const ps = putBytes(o, state);
  const out = Math.min(Math.max(outputBytes(config, [tFrom, tTo]), 1), 1 << 26);
  const py = o.alloc(out, 8);
  const pso = o.alloc(Math.max(state.length, 1), 8);
  const n = o.call<number>(op.stepsOracle, pc, cfg.length, pw, weights.length, px, input.length, ps, state.length, BigInt(tFrom), BigInt(tTo), py, pso);
  const mem = o.exports.memory.buffer;
  return { y: new Uint8Array(mem, py, n).slice(), state: new Uint8Array(mem, pso, state.length).slice() };
}

/** The RecurrentHarness arguments of forwardSteps. */
export function stepsArgs(op: RnnOp, config: RnnConfig, weights: Uint8Array, input: Uint8Array, state: Uint8Array, tFrom: number, tTo: number): unknown[] {
  return [encodeAbi(op.schema, config), hexlify(weights), hexlify(input), hexlify(state), BigInt(tFrom), BigInt(tTo)];
}

/** Decode a harness `(bytes y, bytes stateOut, uint256 gasUsed)` result. */
export function stepsResult(value: unknown): { y: Uint8Array; state: Uint8Array; gasUsed: bigint } {
  const [y, s, g] = value as [string, string, bigint];
  return { y: getBytes(y), state: getBytes(s), gasUsed: BigInt(g) };
}

/** Multiply-accumulates of one timestep (the matvecs): G·U·(K + U). */
export function rnnMacsPerStep(cell: Cell, K: number, U: number): number {
  return GATES[cell] * U * (K + U);
}

/** The ActivationSpec of an IR activation in a recurrent layer (numbers in Q(F); int8: F = 32). */
export function rnnActivationSpec(a: Activation, F: number): ActivationSpec {
  if (a.name === 'softmax') throw new QuantizationError('softmax gate activations are not supported');
  return activationSpec(a, F);
}

