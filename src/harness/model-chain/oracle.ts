/**
 * The oracle twin of `NNModel.infer`: run every node of a model spec in the WASM oracle with the layer
 * tier's `oracleForward` (single-input ops) or `oracleForwardMulti` (Add, Multiply, Concatenate: the
 * node's input tensors in its input order), keeping the tensors by node id (node 0 = the input).
 * Bit-exact with the chain whenever each layer is (the layer tier's tests prove that per layer).
 */
import type { Oracle } from '../oracle.ts';
import { oracleForward } from '../layers/run.ts';
import { oracleForwardMulti } from '../layers/merge.ts';
import { isMergeOp, type ModelSpec } from './config.ts';

/** Every node's output (`tensors[0]` = the input; the model output is the last entry). */
export function oracleInferAll(oracle: Oracle, spec: ModelSpec, input: Uint8Array): Uint8Array[] {
  const t: Uint8Array[] = [input];
  spec.layers.forEach((l, i) => {
    const id = i + 1;
    const inputs = (l.inputs ?? [id - 1]).map((j) => {
      if (!(Number.isInteger(j) && j >= 0 && j < id)) throw new Error(`node ${id} (${l.kind}): input id ${j} is not an earlier node`);
      return t[j]!;
    });
    if (isMergeOp(l.op)) {
      t.push(oracleForwardMulti(oracle, l.op, l.config, l.weights, inputs));
      return;
    }
    if (inputs.length !== 1) throw new Error(`node ${id} (${l.kind}): a single-input layer with ${inputs.length} inputs`);
    t.push(oracleForward(oracle, l.op, l.config, l.weights, inputs[0]!));
  });
  return t;
}

/** The model output in the oracle. */
export function oracleInfer(oracle: Oracle, spec: ModelSpec, input: Uint8Array): Uint8Array {
  const t = oracleInferAll(oracle, spec, input);
  return t[t.length - 1]!;
}
