/**
 * viem against any Ethereum JSON-RPC node: the embedded chain's server
 * (`startRpcServer`, see src/simulator/rpc/) or a real node such as `hardhat node`.
 *
 *   npx tsx examples/viem-script.ts [RPC_URL]        # default $RPC_URL or http://127.0.0.1:8545
 *
 * Compiles contracts/test/RpcProbe.sol with the project's solc settings and deploys it from a
 * local account (signed in this process, sent with eth_sendRawTransaction): the dev account #1 of
 * the well-known Hardhat test mnemonic, funded on both the embedded chain and Hardhat. Then writes,
 * reads the event log and state back, and decodes a custom-error revert. Exits non-zero on failure.
 */
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, defineChain, http, parseAbi } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { compileContracts } from '../src/harness/compile.ts';

const url = process.argv[2] ?? process.env.RPC_URL ?? 'http://127.0.0.1:8545';
/** Public test mnemonic (Hardhat/Anvil); never use it on a real network. */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

async function main(): Promise<void> {
  const probe = compileContracts({ entries: ['contracts/test/RpcProbe.sol'] }).contracts['RpcProbe']!;
  const chainId = await createPublicClient({ transport: http(url) }).getChainId();
  const chain = defineChain({
    id: chainId,
    name: `rpc-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 });
  const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
  const wallet = createWalletClient({ account, chain, transport: http(url) });
  console.log(`node     ${url} chainId ${chainId} block ${await publicClient.getBlockNumber()}`);
  console.log(`account  ${account.address} balance ${await publicClient.getBalance({ address: account.address })} wei`);

  const deployHash = await wallet.deployContract({ abi: probe.abi, bytecode: probe.bytecode as `0x${string}`, args: [5n] });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  const address = deployed.contractAddress!;
  console.log(`deployed RpcProbe at ${address} (gas ${deployed.gasUsed})`);

  const hash = await wallet.writeContract({ address, abi: storedAbi, functionName: 'store', args: [2n, 77n] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const events = await publicClient.getContractEvents({ address, abi: storedAbi, eventName: 'Stored', fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber });
  console.log(`store    block ${receipt.blockNumber} gas ${receipt.gasUsed} event Stored(${events[0]!.args.by}, ${events[0]!.args.slot}, ${events[0]!.args.value})`);
  console.log(`slots(2) ${await publicClient.readContract({ address, abi: storedAbi, functionName: 'slots', args: [2n] })}`);

  // The revert is shown through eth_estimateGas: every node reports it as an error with the revert
  // data, whereas eth_call on a Hardhat node run with throwOnCallFailures=false returns the revert
  // data as if it were the result.
  try {
    await publicClient.estimateContractGas({ address, abi: storedAbi, functionName: 'check', args: [11n], account });
    throw new Error('check(11) should revert');
  } catch (e) {
    const revert = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (!(revert instanceof ContractFunctionRevertedError) || revert.data?.errorName !== 'TooBig') throw e;
    console.log(`check(11) reverts with ${revert.data.errorName}(${(revert.data.args ?? []).join(', ')})`);
  }
}

const storedAbi = parseAbi([
  'function store(uint256 slot, uint256 value)',
  'function slots(uint256) view returns (uint256)',
  // declared non-view (it is pure) so viem's typed estimateContractGas accepts it; the encoding is the same
  'function check(uint256 x) returns (uint256)',
  'error TooBig(uint256 value, uint256 limit)',
  'event Stored(address indexed by, uint256 indexed slot, uint256 value)',
]);

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
