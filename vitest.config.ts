import { defineConfig } from 'vitest/config';

// Default test run: unit tests plus property tests at the small fixed CI budget
// (FUZZ_RUNS unset → tests/fuzz.ts uses its CI default).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
