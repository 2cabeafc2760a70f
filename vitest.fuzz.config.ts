import { defineConfig } from 'vitest/config';

// `npm run fuzz`: only the property tests, at a large budget (FUZZ_RUNS, default 2000).
process.env.FUZZ_RUNS ??= '2000';
export default defineConfig({
  test: {
    include: ['tests/**/*.fuzz.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
