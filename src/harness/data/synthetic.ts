/**
 * Seeded synthetic inputs for a model without a dataset: what the report, the CLI, the bench and the
 * tests feed a model when the user gives no data. They exercise the model's whole input range; they
 * carry no labels, so they measure agreement (float vs chain), never accuracy.
 *
 * - token models (`inputKind: 'tokens'`): uniform ids in [0, vocabulary) (the leading Embedding's
 *   `input_dim`), one sequence of the model's fixed length;
 * - image / vector models with a leading Rescaling: uniform integers in [0, 255] (the pixel range the
 *   Rescaling maps, e.g. x/255 or x/127.5 − 1);
 * - anything else: uniform reals in [−1, 1].
 */
import type { ModelIR } from '../model/ir.ts';
import { product } from '../model/ir.ts';
import { rng } from '../util/random.ts';

/** How `syntheticInputs` draws inputs for `ir` (for reports). */
export function syntheticDescription(ir: ModelIR): string {
  const k = inputKind(ir);
  if (k.kind === 'tokens') return `uniform token ids in [0, ${k.vocabulary})`;
  if (k.kind === 'pixels') return 'uniform integer pixels in [0, 255]';
  return 'uniform reals in [-1, 1]';
}

type Kind = { kind: 'tokens'; vocabulary: number } | { kind: 'pixels' } | { kind: 'reals' };

function inputKind(ir: ModelIR): Kind {
  if (ir.inputKind === 'tokens') {
    const emb = ir.layers.find((l) => l.type === 'Embedding');
    const vocabulary = emb && emb.type === 'Embedding' ? emb.config.inputDim : (ir.vocabulary?.length ?? 0);
    if (!(vocabulary > 0)) throw new Error(`${ir.name}: a token model without an Embedding vocabulary size`);
    return { kind: 'tokens', vocabulary };
  }
  const first = ir.layers.find((l) => l.type !== 'InputLayer');
  return first?.type === 'Rescaling' ? { kind: 'pixels' } : { kind: 'reals' };
}

/** `count` seeded inputs for `ir`, each a flat array of the per-sample input shape's length. */
export function syntheticInputs(ir: ModelIR, count: number, seed = 2026): number[][] {
  const n = product(ir.inputShape);
  if (!(n > 0)) throw new Error(`${ir.name}: input shape [${ir.inputShape.join(', ')}] has no fixed size (give a sequence length)`);
  const r = rng(seed);
  const k = inputKind(ir);
  const draw =
    k.kind === 'tokens'
      ? () => Math.min(k.vocabulary - 1, Math.floor(r() * k.vocabulary))
      : k.kind === 'pixels'
        ? () => Math.min(255, Math.floor(r() * 256))
        : () => r() * 2 - 1;
  return Array.from({ length: count }, () => Array.from({ length: n }, draw));
}
