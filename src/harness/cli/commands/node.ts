/** `nnchain node`: serve the embedded chain over Ethereum JSON-RPC on 127.0.0.1. */
import type { Command } from 'commander';
import { getProfile, PROFILES } from '../../../simulator/profiles.ts';
import { startRpcServer } from '../../../simulator/rpc/index.ts';
import { intArg, UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('node')
    .description('serve the embedded chain over Ethereum JSON-RPC on 127.0.0.1')
    .option('-p, --port <port>', 'TCP port (0 = any free port)', intArg('port', 0, 65535), 8545)
    .option('--profile <name>', `chain profile (${Object.keys(PROFILES).join(', ')})`, 'ethereum')
    .option('--accounts <n>', 'number of funded dev accounts', intArg('accounts', 1, 100), 10)
    .action(async (opts: { port: number; profile: string; accounts: number }) => {
      let profile;
      try {
        profile = getProfile(opts.profile);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const server = await startRpcServer({ profile, port: opts.port, accounts: opts.accounts });
      const cap = profile.txGasCap === null ? 'none' : profile.txGasCap.toLocaleString('en-US');
      console.log(`nnchain node (${profile.name}: chain id ${profile.chainId}, per-transaction gas cap ${cap})`);
      console.log(`JSON-RPC at ${server.url}`);
      console.log('Dev accounts (well-known test keys: never use them on a real chain):');
      server.chain.accounts.forEach((a, i) => console.log(`  #${i} ${a.address}`));
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
