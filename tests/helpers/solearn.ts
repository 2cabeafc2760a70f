/**
 * Where the solearn compatibility fixtures are (../shared/solearn-models, or SOLEARN_MODELS_DIR); tests
 * skip with a visible message when the folder is absent (they are data of another project, not ours).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SOLEARN_DIR = process.env.SOLEARN_MODELS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'solearn-models');

export const SOLEARN_FIXTURES = ['nft_mlp_10x10.json', 'nft_cnn_10x10_small.json', 'cifar_cnn_32x32.json', 'shakespeare_lstm_mini.json'] as const;

/** The original design's published gas per inference (../shared/solearn-models/README.md). */
export const SOLEARN_GAS: Record<string, number> = {
  'nft_mlp_10x10.json': 12_270_000,
  'nft_cnn_10x10_small.json': 15_100_000,
  'cifar_cnn_32x32.json': 1_960_600_000,
};

/** True when the fixtures folder is present; warns once otherwise. */
export function haveSolearn(what: string): boolean {
  const ok = existsSync(join(SOLEARN_DIR, 'nft_mlp_10x10.json'));
  if (!ok) console.warn(`SKIPPED ${what}: the solearn fixtures folder ${SOLEARN_DIR} is absent`);
  return ok;
}

export const solearnFile = (name: string) => join(SOLEARN_DIR, name);
