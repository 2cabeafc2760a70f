/**
 * Model checks: graph structure, every weight against the layer config (names, shapes), finiteness,
 * and the final parameter / MAC counts.
 */
import { ModelFormatError, ShapeError, WeightError } from './errors.ts';
import { product, type LayerIR, type ModelIR, type TensorData } from './ir.ts';
import { inferShapes, layerMacs, layerParams, weightSpecs } from './shapes.ts';

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i];
    index = Math.floor(index / shape[i]);
  }
  return out;
}

/** First non-finite element of a tensor, or -1. */
export function firstNonFinite(t: TensorData): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

/**
 * Checks a layer's weights against its config and inferred input shape: exactly the expected names
 * (Keras spelling), exact shapes, `data.length === product(shape)`, all values finite.
 */
export function validateLayerWeights(layer: LayerIR, file?: string): void {
  const ctx = { file, layer: layer.name, className: layer.type };
  const specs = weightSpecs(layer);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(layer.weights)) {
    if (!expected.has(name)) {
      const list = specs.length ? specs.map((s) => s.name).join(', ') : 'none';
      throw new WeightError(`unexpected weight '${name}' (this layer has: ${list})`, { ...ctx, weight: name });
    }
  }
  for (const spec of specs) {
    const w = layer.weights[spec.name];
    if (!w) throw new WeightError(`missing weight '${spec.name}' ${fmt(spec.shape)}`, { ...ctx, weight: spec.name });
    if (w.shape.length !== spec.shape.length || w.shape.some((d, i) => d !== spec.shape[i]))
      throw new WeightError(`weight '${spec.name}' has shape ${fmt(w.shape)}, expected ${fmt(spec.shape)}`, {
        ...ctx,
        weight: spec.name,
      });
    if (!(w.data instanceof Float32Array))
      throw new WeightError(`weight '${spec.name}' is not float32 data`, { ...ctx, weight: spec.name });
    if (w.data.length !== product(w.shape))
      throw new WeightError(`weight '${spec.name}' holds ${w.data.length} values, its shape ${fmt(w.shape)} needs ${product(w.shape)}`, {
        ...ctx,
        weight: spec.name,
      });
    const bad = firstNonFinite(w);
    if (bad >= 0)
      throw new WeightError(
        `weight '${spec.name}' has a non-finite value ${w.data[bad]} at index ${bad} (${fmt(unravel(bad, w.shape))})`,
        { ...ctx, weight: spec.name, index: bad },
      );
  }
}

/**
 * Full check of a model: graph (names unique, topological, outputs exist, one InputLayer first),
 * shapes re-inferred and compared, weights, and params/macs recomputed. Returns the counts.
 */
export function validateModel(model: ModelIR): { params: number; macs: number } {
  const file = model.source.file;
  const layers = model.layers;
  if (layers.length === 0) throw new ModelFormatError('the model has no layers', { file });
  const first = layers[0];
  if (first.type !== 'InputLayer') throw new ModelFormatError(`the first layer '${first.name}' is not an InputLayer`, { file });
  const inputs = layers.filter((l) => l.type === 'InputLayer');
  if (inputs.length !== 1) throw new ModelFormatError(`expected exactly one InputLayer, found ${inputs.length}`, { file });
  const before = layers.map((l) => l.outputShape);
  inferShapes(layers, { file });
  layers.forEach((l, i) => {
    const b = before[i];
    if (b && (b.length !== l.outputShape.length || b.some((d, j) => d !== l.outputShape[j])))
      throw new ShapeError(`recorded output shape ${fmt(b)} differs from the inferred ${fmt(l.outputShape)}`, {
        file,
        layer: l.name,
        className: l.type,
      });
  });
  const names = new Set(layers.map((l) => l.name));
  if (model.outputs.length === 0) throw new ModelFormatError('the model has no outputs', { file });
  for (const o of model.outputs) if (!names.has(o)) throw new ModelFormatError(`output '${o}' is not a layer`, { file });
  const inShape = first.outputShape;
  if (inShape.length !== model.inputShape.length || inShape.some((d, i) => d !== model.inputShape[i]))
    throw new ShapeError(`model input shape ${fmt(model.inputShape)} differs from the InputLayer's ${fmt(inShape)}`, { file });
  let params = 0;
  let macs = 0;
  for (const l of layers) {
    validateLayerWeights(l, file);
    params += layerParams(l);
    macs += layerMacs(l);
  }
  return { params, macs };
}
