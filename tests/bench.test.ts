/** bench/baseline.json holds every figure the issue requires, each a finite number (docs/bench.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIRED_FIGURES } from '../bench/figures.ts';
import { REPO_ROOT } from '../src/harness/compile.ts';

describe('bench/baseline.json', () => {
  const baseline = JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'baseline.json'), 'utf8')) as { figures: Record<string, unknown>; gas: Record<string, unknown> };

  it.each(REQUIRED_FIGURES)('figures.%s is a finite number', (key) => {
    const v = baseline.figures[key];
    expect(typeof v, `figures.${key}`).toBe('number');
    expect(Number.isFinite(v)).toBe(true);
  });

  it('every gas row is a positive integer', () => {
    for (const [id, v] of Object.entries(baseline.gas)) {
      expect(Number.isInteger(v) && (v as number) > 0, id).toBe(true);
    }
  });
});
