/**
 * Typed case tables of the recurrent layers: tiny q-mode layers (K = U = 1, F = 32) whose outputs follow
 * by hand from the Keras cell equations (dyadic weights, gates saturated to exactly 0 or 1 by ±40 biases:
 * qExp of anything below −32 is 0, so σ(±40) is exactly 1 / 0 and tanh(20) exactly 1).
 */
import { expect } from 'vitest';
import { LSTM, GRU, SIMPLE_RNN, oracleForwardSteps, packRnnQ, zeroState, rnnActivationSpec, type Cell, type RnnConfig } from '../../src/harness/layers/recurrent.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import type { Activation } from '../../src/harness/model/ir.ts';
import { decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { getBytes } from 'ethers';
import type { Oracle } from '../../src/harness/oracle.ts';

export interface QCase {
  name: string;
  input: { W: number[]; R: number[]; b: number[]; bRec?: number[]; act: Activation; recAct?: Activation; resetAfter?: boolean; x: number[] };
  /** h after every step (real values). */
  expected: number[];
  /** Allowed |error| (0: exact; transcendental results: 2 ulps = 2^-31). */
  tol?: number;
}

const q32 = (v: number) => BigInt(Math.round(v * 2 ** 32));
const OPS = { SimpleRNN: SIMPLE_RNN, LSTM, GRU };

/** Run a K = U = 1 q case in the oracle; returns h per step (reals). */
export function runQCase(o: Oracle, cell: Cell, c: QCase): number[] {
  const T = c.input.x.length;
  const config: RnnConfig = {
    mode: Mode.Q,
    T,
    K: 1,
    U: 1,
    act: rnnActivationSpec(c.input.act, 32),
    recAct: rnnActivationSpec(c.input.recAct ?? { name: 'sigmoid' }, 32),
    returnSequences: true,
    resetAfter: c.input.resetAfter ?? false,
    F: 32,
    zIn: 0,
    zH: 0,
    hM: 0,
    hShift: 0,
  };
  const weights = packRnnQ(cell, config, {
    W: c.input.W.map(q32),
    R: c.input.R.map(q32),
    bias: c.input.b.map(q32),
    biasRec: c.input.bRec?.map(q32),
  });
  const x = getBytes(encodeQ(c.input.x.map(q32)));
  const { y } = oracleForwardSteps(o, OPS[cell], config, weights, x, zeroState(cell, config), 0, T);
  return Array.from(decodeQ(y), (v) => Number(v) / 2 ** 32);
}

export function expectQCase(o: Oracle, cell: Cell, c: QCase): void {
  const got = runQCase(o, cell, c);
  expect(got.length).toBe(c.expected.length);
  got.forEach((v, i) => expect(Math.abs(v - c.expected[i]!), `${c.name}: step ${i}: ${v} vs ${c.expected[i]}`).toBeLessThanOrEqual(c.tol ?? 0));
}
