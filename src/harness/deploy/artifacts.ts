/**
 * The contracts a deployment needs, compiled on their own: NNModel and the wrappers of the given layer
 * kinds (solc-js, cached by content hash). Compiling only these keeps a deployment independent of
 * unrelated wrappers and fast; the bytecode equals that of `compileModelContracts` (same settings, and
 * a contract's bytecode depends only on its own sources).
 */
import { compileContracts, getArtifact, type Artifact } from '../compile.ts';
import { LAYER_CONTRACTS, MODEL_SOURCE } from '../model-chain/deploy.ts';
import { ModelConfigError } from '../model-chain/config.ts';

export interface DeployArtifacts {
  model: Artifact;
  /** Layer contract name → artifact. */
  layers: Record<string, Artifact>;
  /** kind → layer contract name (kinds may share one contract). */
  contractOf: Record<string, string>;
}

export function deployArtifacts(kinds: string[]): DeployArtifacts {
  const missing = kinds.filter((k) => !LAYER_CONTRACTS[k]);
  if (missing.length) throw new ModelConfigError(`no on-chain layer contract for ${missing.join(', ')} yet`);
  const sources = [...new Set(kinds.map((k) => LAYER_CONTRACTS[k]!.source))];
  const out = compileContracts({ entries: [MODEL_SOURCE, ...sources] });
  const contractOf = Object.fromEntries(kinds.map((k) => [k, LAYER_CONTRACTS[k]!.contract]));
  const layers = Object.fromEntries([...new Set(Object.values(contractOf))].map((c) => [c, getArtifact(c, out)]));
  return { model: getArtifact('NNModel', out), layers, contractOf };
}
