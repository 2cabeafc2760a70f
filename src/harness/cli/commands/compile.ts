/** `nnchain compile`: compile contracts/ with solc (cached by content hash). */
import type { Command } from 'commander';
import { compileContracts } from '../../compile.ts';

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile contracts/ with solc (cached by content hash)')
    .option('--force', 'ignore the cache')
    .action((opts: { force?: boolean }) => {
      const out = compileContracts({ force: opts.force });
      console.log(`solc ${out.solcVersion}: ${Object.keys(out.contracts).length} contracts (${out.hash})`);
    });
}
