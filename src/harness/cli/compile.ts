/** `npm run compile`: compile contracts/ (cached) and print a one-line summary per contract size. */
import { compileContracts, SolcError } from '../compile.ts';

try {
  const t0 = performance.now();
  const out = compileContracts({ force: process.argv.includes('--force') });
  const names = Object.keys(out.contracts).sort();
  console.log(`solc ${out.solcVersion}: ${names.length} contracts (${out.hash}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const w of out.warnings) if (process.argv.includes('--warnings')) console.warn(w);
} catch (e) {
  if (e instanceof SolcError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
