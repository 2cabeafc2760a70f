/**
 * From a quantized model to a deployed `NNModel`: deploy the layer contracts it uses (once per chain),
 * build its config and weight blobs (`buildModel` over `quantizedModelSpec`) and deploy it
 * (`deployModel`: model, config segment, setConfig, resumable upload, seal). The one path the demo, the
 * report and the CLI share.
 */
import type { Chain } from '../../simulator/index.ts';
import type { QuantizedModel } from '../quantize/model.ts';
import { buildModel, quantizedModelSpec, type BuiltModel } from './config.ts';
import { deployLayers, deployModel, layerAddresses, LAYER_CONTRACTS, type DeployedLayer, type DeployedModel, type DeployModelOptions } from './deploy.ts';
import { ModelConfigError } from './config.ts';

/** The layer contract kinds a quantized model needs (its ops' names), each once, in first-use order. */
export function layerKinds(qm: QuantizedModel): string[] {
  const kinds = [...new Set(qm.layers.map((l) => l.op.name))];
  const missing = kinds.filter((k) => !LAYER_CONTRACTS[k]);
  if (missing.length) throw new ModelConfigError(`no on-chain layer contract for ${missing.join(', ')} yet (layers: ${qm.layers.filter((l) => missing.includes(l.op.name)).map((l) => l.name).join(', ')})`);
  return kinds;
}

export interface DeployedQuantized {
  layers: Record<string, DeployedLayer>;
  built: BuiltModel;
  model: DeployedModel;
}

/**
 * Deploy `qm` on `chain`: the layer contracts it needs (reusing `layers` when given: kind → deployed
 * contract), then the model. Throws `ModelConfigError` for a layer type without a contract.
 */
export async function deployQuantized(
  chain: Chain,
  qm: QuantizedModel,
  opts: DeployModelOptions & { layers?: Record<string, DeployedLayer> } = {},
): Promise<DeployedQuantized> {
  const kinds = layerKinds(qm);
  const have = { ...opts.layers };
  // Kinds sharing a contract (InputLayer/Dropout) reuse one already deployed for another kind.
  for (const k of kinds) {
    if (have[k]) continue;
    const same = Object.entries(have).find(([kind]) => LAYER_CONTRACTS[kind]?.contract === LAYER_CONTRACTS[k]!.contract);
    if (same) have[k] = { ...same[1], kind: k, gasUsed: 0n };
  }
  const fresh = await deployLayers(chain, kinds.filter((k) => !have[k]), { from: opts.from });
  const layers = { ...have, ...fresh };
  const built = buildModel(quantizedModelSpec(qm), layerAddresses(layers));
  const model = await deployModel(chain, built, opts);
  return { layers, built, model };
}
