/**
 * The `nnchain` command line. Each command lives in `commands/<name>.ts` (`register(program)`) and is a
 * thin shell over a library function; user mistakes (`UserError`, and the library's input errors)
 * print one clear line and exit non-zero, without a stack trace.
 */
import { Command } from 'commander';
import { register as registerCompile } from './commands/compile.ts';
import { register as registerNode } from './commands/node.ts';
import { isUserFacing } from './userFacing.ts';

const program = new Command()
  .name('nnchain')
  .description('On-chain neural networks for EVM chains: embedded chain, bit-exact oracle, gas and feasibility.')
  .showHelpAfterError();

for (const register of [registerNode, registerCompile]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (isUserFacing(e)) {
    console.error(`nnchain: ${(e as Error).message}`);
    process.exit(2);
  }
  throw e;
}
