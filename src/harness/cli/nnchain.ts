/**
 * The `nnchain` command line. Each command lives in `commands/<name>.ts` (`register(program)`) and is a
 * thin shell over a library function; user mistakes (`UserError`, and the library's input errors)
 * print one clear line and exit non-zero, without a stack trace.
 */
import { Command } from 'commander';
import { register as registerCompile } from './commands/compile.ts';
import { register as registerNode } from './commands/node.ts';
import { register as registerProfile } from './commands/profile.ts';
import { register as registerFuzz } from './commands/fuzz.ts';
import { register as registerBench } from './commands/bench.ts';
import { register as registerReport } from './commands/report.ts';
import { register as registerDeploy } from './commands/deploy.ts';
import { register as registerInfer } from './commands/infer.ts';
import { isUserFacing } from './userFacing.ts';

const program = new Command()
  .name('nnchain')
  .description('On-chain neural networks for EVM chains: embedded chain, bit-exact oracle, gas and feasibility.')
  .showHelpAfterError();

for (const register of [registerNode, registerCompile, registerProfile, registerFuzz, registerBench, registerReport, registerDeploy, registerInfer]) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (isUserFacing(e)) {
    console.error(`nnchain: ${(e as Error).message}`);
    process.exit(2);
  }
  throw e;
}
